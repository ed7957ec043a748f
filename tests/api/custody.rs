//! Who may hold the opening key's shares: custody named at publication
//! that would let one party open the bids alone, or that names someone who
//! cannot hold a share, is refused with a problem, and the tender stays an
//! unpublished draft with no opening key.

use crate::helpers::{TestApp, spawn_app};
use ggzy::identity::Role;
use ggzy::types::UserId;
use serde_json::{Value, json};

/// The user id behind a token.
async fn id_of(app: &TestApp, token: &str) -> String {
    let me = app.get("/api/v1/me", Some(token)).await;
    assert_eq!(me.status, 200);
    me.json()["user_id"].as_str().unwrap().to_string()
}

/// Gives `user` a custody certificate of their own (users made by the test
/// helpers share one).
pub(crate) fn own_certificate(app: &TestApp, user: &str, name: &str) {
    let key = openssl::pkey::PKey::from_rsa(openssl::rsa::Rsa::generate(2048).unwrap()).unwrap();
    let now = app.now();
    let cert = ggzy::opening::custody::self_signed(
        &key,
        name,
        now - chrono::Duration::days(1),
        now + chrono::Duration::days(400),
    )
    .unwrap();
    let der = cert.to_der().unwrap();
    let user = UserId::parse(user).unwrap();
    app.db
        .write_blocking(|conn| {
            ggzy::opening::store::record_custody_certificate(conn, &user, &der, now)
        })
        .unwrap();
}

async fn publish_with(app: &TestApp, token: &str, tender: &str, custody: Value) -> Value {
    let reply = app
        .post_json(
            &format!("/api/v1/tenders/{tender}/transitions"),
            Some(token),
            &json!({"action": "publish", "reason": "", "custody": custody}),
        )
        .await;
    let status = reply.status;
    let body = reply.json();
    json!({"status": status, "body": body})
}

#[actix_web::test]
async fn custody_that_one_party_could_open_alone_or_that_names_the_wrong_people_is_refused() {
    let app = spawn_app().await;
    app.leagues();
    let (tenderer, org) = app.user_with_org("采购科", Role::Tenderer, "NNG", "南宁市教育局");
    let colleague = app.user_custom("采购科二", &[Role::Tenderer], "NNG", Some(&org), None);
    let supervisor = app.user("财政局监督", Role::Supervisor, "NNG", "南宁市财政局");
    let operator = app.user("平台运维", Role::Operator, "NNG", "南宁市公共资源交易中心");
    let bidder = app.user("投标人", Role::Bidder, "NNG", "广西建工集团");
    let (me, colleague_id, supervisor_id, operator_id, bidder_id) = (
        id_of(&app, &tenderer).await,
        id_of(&app, &colleague).await,
        id_of(&app, &supervisor).await,
        id_of(&app, &operator).await,
        id_of(&app, &bidder).await,
    );
    // Each custodian below holds a key of their own, except where the test
    // says otherwise; the operator and the bidder get one too, so that it is
    // their role, not a missing certificate, that refuses them.
    own_certificate(&app, &me, "采购科");
    own_certificate(&app, &colleague_id, "采购科二");
    own_certificate(&app, &operator_id, "平台运维");
    own_certificate(&app, &bidder_id, "投标人");
    let tender = app.create_draft(&tenderer, "智慧教室设备采购").await;
    let before = app.snapshot();

    let cases = [
        (
            "an operator as custodian (operators already release the platform's share)",
            json!({"threshold": 2, "custodians": [me, operator_id]}),
            409,
            "custody-unavailable",
            "operator",
            "custody.operator",
        ),
        (
            "a bidder as custodian",
            json!({"threshold": 2, "custodians": [me, bidder_id]}),
            409,
            "custody-unavailable",
            "bidder",
            "custody.bidder",
        ),
        (
            "one user named twice",
            json!({"threshold": 2, "custodians": [me, me]}),
            422,
            "validation-failed",
            "named twice",
            "list.duplicate",
        ),
        (
            "one organisation holding 2 of the 2 shares needed",
            json!({"threshold": 2, "custodians": [me, colleague_id], "platform": false}),
            409,
            "custody-unavailable",
            "the tenderer and its agent would hold 2 of the 2",
            "custody.one-party",
        ),
        (
            "one organisation holding 2 of 3 custodians' shares, 2 needed",
            json!({"threshold": 2, "custodians": [me, colleague_id], "platform": true}),
            409,
            "custody-unavailable",
            "alone",
            "custody.one-party",
        ),
        (
            "a threshold of 1",
            json!({"threshold": 1, "custodians": [me, supervisor_id]}),
            422,
            "validation-failed",
            "at least 2",
            "number.range",
        ),
        (
            "a threshold above the number of custodians",
            json!({"threshold": 4, "custodians": [me, supervisor_id]}),
            422,
            "validation-failed",
            "at most the number of custodians",
            "number.range",
        ),
        (
            "a custodian who is not a user id",
            json!({"threshold": 2, "custodians": ["somebody"]}),
            422,
            "validation-failed",
            "user id",
            "id.malformed",
        ),
    ];
    for (what, custody, status, code, says, why) in cases {
        let got = publish_with(&app, &tenderer, &tender, custody).await;
        assert_eq!(got["status"], status, "{what}: {}", got["body"]);
        assert!(
            got["body"]["type"].as_str().unwrap_or("").ends_with(code),
            "{what}: {}",
            got["body"]
        );
        assert!(
            got["body"]["detail"].as_str().unwrap_or("").contains(says),
            "{what}: the explanation should mention {says:?}: {}",
            got["body"]
        );
        // Said for the portal: a refusal's reason, a field error's rule.
        let said = if status == 409 {
            &got["body"]["reason"]
        } else {
            &got["body"]["errors"][0]["rule"]
        };
        assert_eq!(said, why, "{what}: {}", got["body"]);
        assert_eq!(app.snapshot(), before, "{what}: nothing may change");
        assert_eq!(app.count("opening_keys"), 0, "{what}: no opening key");
    }

    // Two custodians with one certificate between them are one custodian.
    let shared = crate::helpers::custody_identity().1.to_der().unwrap();
    let colleague_user = UserId::parse(&colleague_id).unwrap();
    let now = app.now();
    app.db
        .write_blocking(|conn| {
            ggzy::opening::store::record_custody_certificate(conn, &colleague_user, &shared, now)
        })
        .unwrap();
    let got = publish_with(
        &app,
        &tenderer,
        &tender,
        json!({"threshold": 2, "custodians": [me, supervisor_id, colleague_id]}),
    )
    .await;
    assert_eq!(got["status"], 422, "{}", got["body"]);
    assert!(
        got["body"]["detail"]
            .as_str()
            .unwrap_or("")
            .contains("share a certificate"),
        "{}",
        got["body"]
    );
    assert_eq!(app.count("opening_keys"), 0);

    // The same tender publishes with custody nobody can open alone.
    let got = publish_with(
        &app,
        &tenderer,
        &tender,
        json!({"threshold": 2, "custodians": [me, supervisor_id]}),
    )
    .await;
    assert_eq!(got["status"], 200, "{}", got["body"]);
    let custody = app
        .get(&format!("/api/v1/tenders/{tender}/opening-key"), None)
        .await
        .json();
    assert_eq!(custody["threshold"], 2);
    let kinds: Vec<&str> = custody["custodians"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["user", "user", "platform"]);
}
