//! Accounts through the API (what only `ggzy users …` did): made, their
//! roles and a supervisor's scope set, each by whom identity::policy's
//! Accounts area allows, every refusal changing nothing, every change on
//! the record.

use crate::helpers::{TestApp, spawn_app};
use ggzy::identity::Role;
use serde_json::{Value, json};

struct Cast {
    nng_op: String,
    lzh_op: String,
    platform: String,
    bidder: String,
}

fn cast(app: &TestApp) -> Cast {
    app.leagues();
    Cast {
        nng_op: app.user("南宁中心", Role::Operator, "NNG", "南宁市公共资源交易中心"),
        lzh_op: app.user("柳州中心", Role::Operator, "LZH", "柳州市公共资源交易中心"),
        platform: app.platform_operator("平台运营"),
        bidder: app.user("投标人", Role::Bidder, "NNG", "广西建工集团"),
    }
}

async fn me(app: &TestApp, token: &str) -> String {
    app.get("/api/v1/me", Some(token)).await.json()["user_id"]
        .as_str()
        .unwrap()
        .to_string()
}

/// A request refused as (status, code, reason or rule), the database as it was.
async fn refused(
    app: &TestApp,
    token: Option<&str>,
    method: &str,
    path: &str,
    body: &Value,
    (status, code, why): (u16, &str, &str),
) {
    let before = app.snapshot();
    let reply = match method {
        "POST" => app.post_json(path, token, body).await,
        "PUT" => app.put_json(path, token, body).await,
        _ => app.get(path, token).await,
    };
    if status == 422 {
        reply.assert_rule(why);
    } else {
        reply.assert_refusal(status, code, why);
    }
    assert_eq!(app.snapshot(), before, "{method} {path} changed nothing");
}

/// A valid credit code (its check digit computed).
fn credit_code() -> String {
    ggzy::types::CreditCode::with_check_digit("91450200MA5N7XQ11")
        .unwrap()
        .as_str()
        .to_string()
}

/// The same with a wrong check digit.
fn bad_credit_code() -> String {
    let good = credit_code();
    let last = if good.ends_with('0') { '1' } else { '0' };
    format!("{}{last}", &good[..17])
}

fn bidder_account(league: &str) -> Value {
    json!({
        "name": "柳江建设 投标部",
        "roles": ["bidder"],
        "league": league,
        "organisation": "柳江建设有限公司",
        "credit_code": credit_code(),
    })
}

#[actix_web::test]
async fn accounts_are_made_by_whom_the_policy_allows_and_bound_to_their_certificates() {
    let app = spawn_app().await;
    let c = cast(&app);

    // Who may not.
    for (token, method, path, body, why) in [
        (
            None,
            "POST",
            "/api/v1/users",
            &bidder_account("NNG"),
            (401, "unauthenticated", "auth.sign-in-first"),
        ),
        (
            Some(c.bidder.as_str()),
            "POST",
            "/api/v1/users",
            &bidder_account("NNG"),
            (403, "forbidden", "auth.role-missing"),
        ),
        (
            Some(c.nng_op.as_str()),
            "POST",
            "/api/v1/users",
            &bidder_account("LZH"),
            (403, "forbidden", "auth.other-league"),
        ),
        (
            Some(c.nng_op.as_str()),
            "POST",
            "/api/v1/users",
            &json!({"name": "平台运营二", "roles": ["operator"]}),
            (403, "forbidden", "auth.platform-operator-only"),
        ),
        (
            Some(c.nng_op.as_str()),
            "POST",
            "/api/v1/users",
            &json!({"name": "监督员", "roles": ["supervisor"], "league": "NNG"}),
            (403, "forbidden", "accounts.platform-operator-only"),
        ),
    ] {
        refused(&app, token, method, path, body, why).await;
    }
    // What may not be.
    for (body, rule) in [
        (
            json!({"name": " ", "roles": ["bidder"], "league": "NNG"}),
            "text.empty",
        ),
        (
            json!({"name": "x", "roles": [], "league": "NNG"}),
            "list.empty",
        ),
        (
            json!({"name": "x", "roles": ["bidder", "bidder"], "league": "NNG"}),
            "list.duplicate",
        ),
        (
            json!({"name": "x", "roles": ["bidder"], "league": "NNG", "organisation": "某公司", "credit_code": bad_credit_code()}),
            "id.credit-code",
        ),
        (
            json!({"name": "x", "roles": ["bidder"], "league": "NNG", "credit_code": credit_code()}),
            "accounts.credit-code-needs-organisation",
        ),
        (
            json!({"name": "x", "roles": ["expert"], "league": "NNG", "id_number": "123"}),
            "id.resident-id",
        ),
    ] {
        refused(
            &app,
            Some(&c.nng_op),
            "POST",
            "/api/v1/users",
            &body,
            (422, "validation-failed", rule),
        )
        .await;
    }
    for (token, method, path, body, why) in [
        (
            Some(c.platform.as_str()),
            "POST",
            "/api/v1/users",
            &json!({"name": "x", "roles": ["bidder"], "league": "XYZ"}),
            (422, "validation-failed", "league.unknown"),
        ),
        (
            Some(c.platform.as_str()),
            "POST",
            "/api/v1/users",
            &json!({"name": "x", "roles": ["bidder"], "organisation": "某公司"}),
            (
                422,
                "validation-failed",
                "accounts.organisation-needs-league",
            ),
        ),
        // A person of no league signs in only as a platform operator (with
        // the platform's staff CA): an expert needs a league.
        (
            Some(c.platform.as_str()),
            "POST",
            "/api/v1/users",
            &json!({"name": "x", "roles": ["expert"], "id_number": "11010519491231002X"}),
            (422, "validation-failed", "accounts.person-needs-league"),
        ),
    ] {
        refused(&app, token, method, path, body, why).await;
    }

    // The league's operator makes an enterprise account of its league: it
    // holds the credit code, which a second account cannot take.
    let made = app
        .post_json("/api/v1/users", Some(&c.nng_op), &bidder_account("NNG"))
        .await;
    made.assert_status(201);
    let account = made.json();
    assert_eq!(account["league"], "NNG");
    assert_eq!(account["roles"], json!(["bidder"]));
    assert_eq!(account["disabled"], false);
    let id = account["id"].as_str().unwrap().to_string();
    let mut again = bidder_account("NNG");
    again["name"] = json!("又一个账户");
    refused(
        &app,
        Some(&c.platform),
        "POST",
        "/api/v1/users",
        &again,
        (409, "conflict", "accounts.identity-taken"),
    )
    .await;
    // Read by whom may list it.
    app.get(&format!("/api/v1/users/{id}"), Some(&c.nng_op))
        .await
        .assert_status(200);
    refused(
        &app,
        Some(&c.lzh_op),
        "GET",
        &format!("/api/v1/users/{id}"),
        &Value::Null,
        (403, "forbidden", "auth.other-league"),
    )
    .await;
    app.get(
        &format!("/api/v1/users/{}", uuid::Uuid::new_v4()),
        Some(&c.platform),
    )
    .await
    .assert_problem(404, "not-found");

    // A platform operator makes a person of a league, bound to its identity
    // number, and a platform operator of no league.
    let person = app
        .post_json(
            "/api/v1/users",
            Some(&c.platform),
            &json!({"name": "张监督", "roles": ["supervisor"], "league": "NNG", "id_number": "11010519491231002X"}),
        )
        .await;
    person.assert_status(201);
    assert_eq!(person.json()["scope"]["league"], "NNG", "{}", person.json());
    app.post_json(
        "/api/v1/users",
        Some(&c.platform),
        &json!({"name": "平台运营二", "roles": ["operator"]}),
    )
    .await
    .assert_status(201);

    // On the record: the account and the identity bound to it.
    let events = app
        .get("/api/v1/audit/events?per_page=100", Some(&c.platform))
        .await
        .json();
    let of = |action: &str| {
        events["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["action"] == action && e["object_id"] == id.as_str())
            .count()
    };
    assert_eq!(of("user.create"), 1);
    assert_eq!(of("user.identity.bind"), 1);
}

#[actix_web::test]
async fn roles_and_scopes_change_by_whom_the_policy_allows_never_ones_own() {
    let app = spawn_app().await;
    let c = cast(&app);
    let bidder = me(&app, &c.bidder).await;
    let platform = me(&app, &c.platform).await;
    let nng_op = me(&app, &c.nng_op).await;
    let roles = |r: &[&str]| json!({"roles": r, "reason": "兼任代理机构业务"});
    let path = format!("/api/v1/users/{bidder}/roles");

    for (token, method, path, body, why) in [
        (
            None,
            "PUT",
            path.as_str(),
            &roles(&["bidder", "agent"]),
            (401, "unauthenticated", "auth.sign-in-first"),
        ),
        (
            Some(c.bidder.as_str()),
            "PUT",
            path.as_str(),
            &roles(&["bidder", "agent"]),
            (403, "forbidden", "auth.role-missing"),
        ),
        (
            Some(c.lzh_op.as_str()),
            "PUT",
            path.as_str(),
            &roles(&["bidder", "agent"]),
            (403, "forbidden", "auth.other-league"),
        ),
        (
            Some(c.nng_op.as_str()),
            "PUT",
            path.as_str(),
            &roles(&["supervisor"]),
            (403, "forbidden", "accounts.platform-operator-only"),
        ),
        (
            Some(c.nng_op.as_str()),
            "PUT",
            format!("/api/v1/users/{platform}/roles").as_str(),
            &roles(&["expert"]),
            (403, "forbidden", "auth.platform-operator-only"),
        ),
        (
            Some(c.platform.as_str()),
            "PUT",
            format!("/api/v1/users/{platform}/roles").as_str(),
            &roles(&["operator", "expert"]),
            (403, "forbidden", "accounts.own-roles"),
        ),
        (
            Some(c.nng_op.as_str()),
            "PUT",
            path.as_str(),
            &roles(&[]),
            (422, "validation-failed", "list.empty"),
        ),
        (
            Some(c.nng_op.as_str()),
            "PUT",
            path.as_str(),
            &json!({"roles": ["agent"], "reason": ""}),
            (422, "validation-failed", "text.empty"),
        ),
        (
            Some(c.nng_op.as_str()),
            "PUT",
            path.as_str(),
            &roles(&["bidder"]),
            (409, "conflict", "accounts.roles-unchanged"),
        ),
    ] {
        refused(&app, token, method, path, body, why).await;
    }
    app.put_json(
        &format!("/api/v1/users/{}/roles", uuid::Uuid::new_v4()),
        Some(&c.platform),
        &roles(&["bidder"]),
    )
    .await
    .assert_problem(404, "not-found");

    // The league's operator adds a role: the token acts in it at once.
    let r = app
        .put_json(&path, Some(&c.nng_op), &roles(&["bidder", "agent"]))
        .await;
    r.assert_status(200);
    assert_eq!(r.json()["roles"], json!(["agent", "bidder"]));
    let now = app.get("/api/v1/me", Some(&c.bidder)).await.json();
    assert!(now["roles"].as_array().unwrap().contains(&json!("agent")));

    // A supervisor's scope: the platform's operators set it.
    let scope = |kind: &str, category: Option<&str>, league: Option<&str>| json!({"kind": kind, "category": category, "league": league});
    let scope_path = format!("/api/v1/users/{bidder}/supervision-scope");
    for (token, method, path, body, why) in [
        (
            Some(c.nng_op.as_str()),
            "PUT",
            scope_path.as_str(),
            &scope("discipline", None, Some("NNG")),
            (403, "forbidden", "auth.platform-operator-only"),
        ),
        (
            Some(c.bidder.as_str()),
            "PUT",
            scope_path.as_str(),
            &scope("discipline", None, Some("NNG")),
            (403, "forbidden", "auth.role-missing"),
        ),
        (
            Some(c.platform.as_str()),
            "PUT",
            scope_path.as_str(),
            &scope("discipline", None, Some("NNG")),
            (422, "validation-failed", "scope.not-supervisor"),
        ),
    ] {
        refused(&app, token, method, path, body, why).await;
    }
    let r = app
        .put_json(&path, Some(&c.platform), &roles(&["supervisor"]))
        .await;
    r.assert_status(200);
    for (body, rule) in [
        (scope("administrative", None, None), "scope.category-needed"),
        (
            scope("audit", Some("government_procurement"), None),
            "scope.no-category",
        ),
        (scope("discipline", None, Some("XYZ")), "league.unknown"),
    ] {
        refused(
            &app,
            Some(&c.platform),
            "PUT",
            &scope_path,
            &body,
            (422, "validation-failed", rule),
        )
        .await;
    }
    let r = app
        .put_json(
            &scope_path,
            Some(&c.platform),
            &scope(
                "administrative",
                Some("government_procurement"),
                Some("NNG"),
            ),
        )
        .await;
    r.assert_status(200);
    let view = r.json();
    assert_eq!(view["scope"]["kind"], "administrative");
    assert_eq!(view["scope"]["category"], "government_procurement");
    // Its own operator reads it but may no longer change it.
    refused(
        &app,
        Some(&c.nng_op),
        "PUT",
        &path,
        &roles(&["bidder"]),
        (403, "forbidden", "accounts.platform-operator-only"),
    )
    .await;
    let _ = nng_op;

    // On the record, before and after, with the reason.
    let events = app
        .get("/api/v1/audit/events?per_page=100", Some(&c.platform))
        .await
        .json();
    let sets: Vec<&Value> = events["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "user.roles.set" && e["object_id"] == bidder.as_str())
        .collect();
    assert_eq!(sets.len(), 2);
    assert!(
        events["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "supervision.scope.set" && e["object_id"] == bidder.as_str())
    );
}

#[actix_web::test]
async fn metrics_come_as_json_when_asked() {
    let app = spawn_app().await;
    app.get("/healthz", None).await.assert_status(200);
    let r = app
        .get_accepting("/metrics", None, "application/json")
        .await
        .json();
    let figures = r["figures"].as_array().unwrap();
    assert!(figures.iter().any(|f| f["name"] == "ggzy_mail_queue_depth"));
    assert!(
        figures
            .iter()
            .any(|f| f["name"] == "ggzy_database_up" && f["value"] == 1.0)
    );
    assert!(
        r["routes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["route"] == "/healthz")
    );
    let text = app.get("/metrics", None).await;
    assert!(String::from_utf8_lossy(&text.body).contains("# TYPE ggzy_database_up gauge"));
}
