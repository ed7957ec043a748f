use crate::helpers::spawn_app;
use ggzy::identity::Role;
use serde_json::{Value, json};

async fn events(app: &crate::helpers::TestApp, token: &str, query: &str) -> Vec<Value> {
    let r = app
        .get(
            &format!("/api/v1/audit/events?per_page=100&{query}"),
            Some(token),
        )
        .await;
    r.assert_status(200);
    r.json()["items"].as_array().unwrap().clone()
}

#[actix_web::test]
async fn every_state_change_is_audited_once_with_who_and_where() {
    let app = spawn_app().await;
    let (tenderer, id) = app.published_tender().await;
    let operator = app.user("运营", Role::Operator, "NNG", "平台");
    let all = events(&app, &operator, &format!("tender_id={id}")).await;
    let actions: Vec<&str> = all.iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(
        actions,
        ["tender.create", "tender.publish", "opening.key_created"]
    );
    let publish = &all[1];
    assert_eq!(publish["actor_role"], "tenderer");
    assert_eq!(publish["object_type"], "tender");
    assert_eq!(publish["object_id"], json!(id));
    assert_eq!(publish["client_addr"], "127.0.0.1");
    assert!(publish["request_id"].as_str().is_some());
    assert_eq!(publish["payload_sha256"].as_str().unwrap().len(), 64);
    // Each further action adds exactly its one event.
    let before = app.count("audit_events");
    let r = app
        .post_json(
            &format!("/api/v1/tenders/{id}/amendments"),
            Some(&tenderer),
            &json!({"title": "更正", "body": "内容", "changes_bids": false}),
        )
        .await;
    assert_eq!(r.status, 201);
    assert_eq!(app.count("audit_events"), before + 1);
    let last = events(&app, &operator, "action=tender.amend").await;
    assert_eq!(last.len(), 1);
    // Reads are not audited; refusals leave no event.
    app.get(&format!("/api/v1/tenders/{id}"), None).await;
    app.act(&tenderer, &id, "award", "")
        .await
        .assert_problem(409, "illegal-transition");
    assert_eq!(app.count("audit_events"), before + 1);
}

#[actix_web::test]
async fn only_operators_and_supervisors_read_the_log() {
    let app = spawn_app().await;
    app.leagues();
    app.get("/api/v1/audit/events", None)
        .await
        .assert_problem(401, "unauthenticated");
    let bidder = app.user("b", Role::Bidder, "NNG", "投标人");
    app.get("/api/v1/audit/events", Some(&bidder))
        .await
        .assert_problem(403, "forbidden");
    let supervisor = app.user("s", Role::Supervisor, "NNG", "财政局");
    let all = events(&app, &supervisor, "").await;
    assert!(
        all.iter().any(|e| e["action"] == "user.create"),
        "account creation is on the record"
    );
    assert!(all.iter().any(|e| e["action"] == "league.create"));
    let seqs: Vec<i64> = all.iter().map(|e| e["seq"].as_i64().unwrap()).collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "ordered");
}
