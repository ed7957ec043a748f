use crate::helpers::spawn_app;
use ggzy::identity::Role;

#[actix_web::test]
async fn tokens_resolve_to_principals() {
    let app = spawn_app().await;
    app.leagues();
    let me = app.get("/api/v1/me", None).await.json();
    assert_eq!(me["name"], "public");
    assert_eq!(me["roles"], serde_json::json!([]));
    let token = app.user("张三", Role::Tenderer, "NNG", "南宁市教育局");
    let me = app.get("/api/v1/me", Some(&token)).await.json();
    assert_eq!(me["name"], "张三");
    assert_eq!(me["roles"], serde_json::json!(["tenderer"]));
    assert_eq!(me["league"], "NNG");
    assert!(me["organisation"].as_str().is_some());
}

#[actix_web::test]
async fn bad_tokens_are_refused() {
    let app = spawn_app().await;
    app.get("/api/v1/me", Some("ggzy_not-a-real-token"))
        .await
        .assert_problem(401, "unauthenticated");
    let r = app
        .client
        .get(app.url("/api/v1/me"))
        .insert_header(("Authorization", "Basic abc"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
}

#[actix_web::test]
async fn expired_tokens_are_refused() {
    let app = spawn_app().await;
    app.leagues();
    let token = app.user_custom(
        "x",
        &[Role::Bidder],
        "NNG",
        None,
        Some(app.now() + chrono::Duration::hours(1)),
    );
    assert_eq!(app.get("/api/v1/me", Some(&token)).await.status, 200);
    app.clock.advance(chrono::Duration::hours(2));
    app.get("/api/v1/me", Some(&token))
        .await
        .assert_problem(401, "unauthenticated");
}

#[actix_web::test]
async fn only_operators_register_leagues() {
    let app = spawn_app().await;
    app.leagues();
    let body = serde_json::json!({"code": "WUZ", "name": "梧州市公共资源交易中心", "name_en": "Wuzhou", "parent_region": "GX"});
    app.post_json("/api/v1/leagues", None, &body)
        .await
        .assert_problem(401, "unauthenticated");
    let tenderer = app.user("t", Role::Tenderer, "NNG", "org");
    app.post_json("/api/v1/leagues", Some(&tenderer), &body)
        .await
        .assert_problem(403, "forbidden");
    // A league's operator is one centre's staff: leagues are the platform's.
    let centre = app.user("op", Role::Operator, "NNG", "南宁市公共资源交易中心");
    app.post_json("/api/v1/leagues", Some(&centre), &body)
        .await
        .assert_problem(403, "forbidden");
    let operator = app.platform_operator("平台运营");
    let r = app
        .post_json("/api/v1/leagues", Some(&operator), &body)
        .await;
    assert_eq!(r.status, 201);
    let params = app
        .post_json("/api/v1/leagues", Some(&operator), &body)
        .await
        .assert_refusal(409, "conflict", "league.exists");
    assert_eq!(params, serde_json::json!({ "league": "WUZ" }));
    let r = app.get("/api/v1/leagues/WUZ", None).await;
    assert_eq!(r.json()["name"], "梧州市公共资源交易中心");
    let bad =
        serde_json::json!({"code": "wu z", "name": "x", "name_en": "x", "parent_region": "GX"});
    app.post_json("/api/v1/leagues", Some(&operator), &bad)
        .await
        .assert_problem(422, "validation-failed");
}
