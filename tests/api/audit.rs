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
    // Names, derived at read time: the tenderer's user acts for its
    // organisation; the tender by its title.
    assert_eq!(
        (
            &publish["actor_name"],
            &publish["object_name"],
            &publish["tender_title"]
        ),
        (
            &json!("南宁市教育局"),
            &json!("智慧教室设备采购"),
            &json!("智慧教室设备采购")
        ),
        "{publish:#}"
    );
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
    // A user created is named by its own name (a supervisor's is not its
    // organisation's); an event of no tender has no tender title.
    let created = all
        .iter()
        .find(|e| e["action"] == "user.create" && e["object_name"] == "s")
        .unwrap_or_else(|| panic!("{all:#?}"));
    assert_eq!(created["tender_title"], Value::Null, "{created:#}");
    assert!(all.iter().any(|e| e["action"] == "league.create"));
    let seqs: Vec<i64> = all.iter().map(|e| e["seq"].as_i64().unwrap()).collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "ordered");
}

#[actix_web::test]
async fn supervisors_read_the_record_only_within_their_scope() {
    let app = spawn_app().await;
    // A government-procurement tender of NNG.
    let (_tenderer, id) = app.published_tender().await;
    let finance_nng = app.supervisor(
        "南宁财政",
        "administrative",
        Some("government_procurement"),
        Some("NNG"),
    );
    let construction_nng = app.supervisor(
        "南宁发改",
        "administrative",
        Some("engineering_construction"),
        Some("NNG"),
    );
    let discipline_lzh = app.supervisor("柳州纪检", "discipline", None, Some("LZH"));
    let discipline_nng = app.supervisor("南宁纪检", "discipline", None, Some("NNG"));
    let regional_audit = app.supervisor("自治区审计", "audit", None, None);
    let tender_events = |token: String| {
        let app = &app;
        let id = id.clone();
        async move { events(app, &token, &format!("tender_id={id}")).await.len() }
    };
    assert_eq!(tender_events(finance_nng.clone()).await, 3);
    assert_eq!(tender_events(discipline_nng.clone()).await, 3);
    assert_eq!(tender_events(regional_audit.clone()).await, 3);
    assert_eq!(
        tender_events(construction_nng.clone()).await,
        0,
        "other category"
    );
    assert_eq!(
        tender_events(discipline_lzh.clone()).await,
        0,
        "other league"
    );
    // Events about no tender (accounts, the registry) are for supervisors
    // across categories.
    let platform = |token: String| {
        let app = &app;
        async move { events(app, &token, "action=user.create").await.len() }
    };
    assert_eq!(platform(finance_nng.clone()).await, 0);
    assert!(platform(discipline_lzh.clone()).await > 0);
    // The log gives out-of-scope entries as their hash alone.
    let size = app.wait_for_log().await;
    let entries = |token: String| {
        let app = &app;
        async move {
            let r = app
                .get(
                    &format!("/api/v1/audit/log/entries?start=0&end={size}"),
                    Some(&token),
                )
                .await;
            r.assert_status(200);
            r.json()["entries"].as_array().unwrap().clone()
        }
    };
    let construction = entries(construction_nng).await;
    assert_eq!(construction.len() as u64, size);
    assert!(construction.iter().all(|e| e["leaf_hash"].is_string()));
    assert!(construction.iter().all(|e| e["event"].is_null()));
    let finance = entries(finance_nng.clone()).await;
    let visible: Vec<&Value> = finance.iter().filter(|e| !e["event"].is_null()).collect();
    assert_eq!(visible.len(), 3);
    assert!(visible.iter().all(|e| e["event"]["tender_id"] == json!(id)));
    // Filters: by actor, address and time; malformed ones refused.
    let by_addr = events(&app, &regional_audit, "client_addr=127.0.0.1").await;
    assert!(by_addr.iter().all(|e| e["client_addr"] == "127.0.0.1") && !by_addr.is_empty());
    let later =
        (app.now() + chrono::Duration::days(1)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    assert!(
        events(&app, &regional_audit, &format!("from={later}"))
            .await
            .is_empty()
    );
    for bad in [
        "client_addr=nowhere",
        "from=yesterday",
        "actor_id=1",
        "colour=red",
        "page=x",
    ] {
        app.get(
            &format!("/api/v1/audit/events?{bad}"),
            Some(&regional_audit),
        )
        .await
        .assert_problem(400, "invalid-query");
    }
    // Exports carry the same events.
    let csv = app
        .get(
            &format!("/api/v1/audit/events/export?format=csv&tender_id={id}"),
            Some(&finance_nng),
        )
        .await;
    csv.assert_status(200);
    let text = String::from_utf8(csv.body.clone()).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "seq,occurred_at,actor_id,actor_role,action,object_type,object_id,tender_id,\
         client_addr,request_id,payload_sha256,actor_name,object_name,tender_title"
    );
    assert_eq!(lines.len(), 4, "{text}");
    assert!(
        lines[2].ends_with(",南宁市教育局,智慧教室设备采购,智慧教室设备采购"),
        "{text}"
    );
    let jsonl = app
        .get(
            &format!("/api/v1/audit/events/export?format=jsonl&tender_id={id}"),
            Some(&discipline_lzh),
        )
        .await;
    jsonl.assert_status(200);
    assert!(jsonl.body.is_empty(), "out of scope: nothing");
    app.get("/api/v1/audit/events/export?format=xml", Some(&finance_nng))
        .await
        .assert_problem(400, "invalid-query");
}
