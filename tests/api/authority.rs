//! Who may act where: platform operators and league operators, each
//! refusal proven against the running server, and nothing changed by it.

use crate::helpers::{TestApp, spawn_app};
use ggzy::identity::Role;
use serde_json::{Value, json};

/// The principals the matrix walks.
struct Cast {
    nng_op: String,
    lzh_op: String,
    platform: String,
    tenderer: String,
    bidder: String,
    supervisor: String,
}

fn cast(app: &TestApp) -> Cast {
    app.leagues();
    Cast {
        nng_op: app.user("南宁中心", Role::Operator, "NNG", "南宁市公共资源交易中心"),
        lzh_op: app.user("柳州中心", Role::Operator, "LZH", "柳州市公共资源交易中心"),
        platform: app.platform_operator("平台运营"),
        tenderer: app.user("采购科", Role::Tenderer, "NNG", "南宁市教育局"),
        bidder: app.user("投标人", Role::Bidder, "NNG", "广西建工集团"),
        supervisor: app.supervisor(
            "监督员",
            "administrative",
            Some("government_procurement"),
            Some("NNG"),
        ),
    }
}

enum Req {
    Get(String),
    Put(String, Value),
    Post(String, Value),
    Raw(String, Vec<u8>),
}

async fn send(app: &TestApp, req: &Req, token: Option<&str>) -> crate::helpers::Reply {
    match req {
        Req::Get(p) => app.get(p, token).await,
        Req::Put(p, b) => app.put_json(p, token, b).await,
        Req::Post(p, b) => app.post_json(p, token, b).await,
        Req::Raw(p, b) => app.post_raw(p, token, "text/plain", b.clone()).await,
    }
}

/// Every request refused as `expected` (status, code), with the database
/// as it was.
async fn refused(
    app: &TestApp,
    who: &str,
    token: Option<&str>,
    reqs: &[Req],
    expected: (u16, &str),
) {
    for req in reqs {
        let before = app.snapshot();
        let reply = send(app, req, token).await;
        let path = match req {
            Req::Get(p) | Req::Put(p, _) | Req::Post(p, _) | Req::Raw(p, _) => p,
        };
        assert_eq!(
            (reply.status, reply.json()["code"].as_str().unwrap_or("")),
            (expected.0, expected.1),
            "{who} on {path}: {}",
            String::from_utf8_lossy(&reply.body)
        );
        assert_eq!(
            reply.header("content-type").as_deref(),
            Some("application/problem+json")
        );
        assert_eq!(app.snapshot(), before, "{who} on {path} changed nothing");
    }
}

fn tender_routes(app: &TestApp, id: &str, draft: bool) -> Vec<Req> {
    let mut out = vec![
        Req::Put(format!("/api/v1/tenders/{id}"), app.tender_body("改名")),
        Req::Post(
            format!("/api/v1/tenders/{id}/transitions"),
            json!({"action": "cancel", "reason": "试图取消"}),
        ),
        Req::Raw(
            format!("/api/v1/tenders/{id}/documents?filename=x.txt"),
            b"not theirs".to_vec(),
        ),
        Req::Post(
            format!(
                "/api/v1/tenders/{id}/clarifications/{}/answer",
                uuid::Uuid::new_v4()
            ),
            json!({"answer": "答复"}),
        ),
        Req::Post(
            format!(
                "/api/v1/tenders/{id}/objections/{}/answer",
                uuid::Uuid::new_v4()
            ),
            json!({"answer": "答复"}),
        ),
    ];
    if draft {
        out.push(Req::Get(format!("/api/v1/tenders/{id}")));
    } else {
        out.push(Req::Post(
            format!("/api/v1/tenders/{id}/amendments"),
            json!({"title": "更正", "body": "改", "changes_bids": false, "changes": {}}),
        ));
    }
    out
}

#[actix_web::test]
async fn a_leagues_operators_run_its_tenders_and_nobody_elses() {
    let app = spawn_app().await;
    let c = cast(&app);
    let draft = app.create_draft(&c.tenderer, "草稿项目").await;
    let published = app.create_draft(&c.tenderer, "已发布项目").await;
    app.act(&c.tenderer, &published, "publish", "")
        .await
        .assert_status(200);

    // Another league's operator and the platform's: a draft is invisible
    // (404, as if absent), a published tender not theirs to run (403).
    for (who, token) in [
        ("LZH operator", &c.lzh_op),
        ("platform operator", &c.platform),
    ] {
        refused(
            &app,
            who,
            Some(token),
            &tender_routes(&app, &draft, true),
            (404, "not-found"),
        )
        .await;
        refused(
            &app,
            who,
            Some(token),
            &tender_routes(&app, &published, false),
            (403, "forbidden"),
        )
        .await;
        let list = app
            .get("/api/v1/tenders?per_page=100", Some(token))
            .await
            .json();
        let ids: Vec<&str> = list["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["id"].as_str().unwrap())
            .collect();
        assert!(
            !ids.contains(&draft.as_str()),
            "{who} does not list NNG's draft"
        );
        assert!(ids.contains(&published.as_str()));
    }
    // Signed out: 401; a bidder: 403, before anything about the tender.
    refused(
        &app,
        "anonymous",
        None,
        &tender_routes(&app, &published, false)[..2],
        (401, "unauthenticated"),
    )
    .await;
    refused(
        &app,
        "bidder",
        Some(&c.bidder),
        &tender_routes(&app, &published, false)[..2],
        (403, "forbidden"),
    )
    .await;

    // The tender's own league's operator: lists, reads and edits the draft.
    let list = app
        .get("/api/v1/tenders?per_page=100", Some(&c.nng_op))
        .await
        .json();
    assert!(
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["id"] == draft.as_str())
    );
    app.get(&format!("/api/v1/tenders/{draft}"), Some(&c.nng_op))
        .await
        .assert_status(200);
    app.put_json(
        &format!("/api/v1/tenders/{draft}"),
        Some(&c.nng_op),
        &app.tender_body("中心代为修改"),
    )
    .await
    .assert_status(200);
    app.act(&c.nng_op, &draft, "cancel", "中心撤销草稿")
        .await
        .assert_status(200);
}

#[actix_web::test]
async fn the_platforms_keys_and_leagues_are_the_platform_operators() {
    let app = spawn_app().await;
    let c = cast(&app);
    let (_, tender) = {
        let id = app.create_draft(&c.tenderer, "开标项目").await;
        app.act(&c.tenderer, &id, "publish", "")
            .await
            .assert_status(200);
        ((), id)
    };
    let share = Req::Post(
        format!("/api/v1/tenders/{tender}/opening/platform-share"),
        json!({}),
    );
    let league = Req::Post(
        "/api/v1/leagues".into(),
        json!({"code": "GLN", "name": "桂林市公共资源交易中心", "name_en": "Guilin", "parent_region": "GX"}),
    );
    let calendar = Req::Put(
        "/api/v1/calendar/2028".into(),
        json!({"official": false, "source": "全国年节及纪念日放假办法 第2条",
               "days": [{"date": "2028-01-01", "kind": "holiday", "name": "元旦"}]}),
    );
    for (who, token) in [("NNG operator", &c.nng_op), ("LZH operator", &c.lzh_op)] {
        let reqs = [
            share_clone(&share),
            share_clone(&league),
            share_clone(&calendar),
        ];
        refused(&app, who, Some(token), &reqs, (403, "forbidden")).await;
    }
    refused(
        &app,
        "supervisor",
        Some(&c.supervisor),
        &[share_clone(&share)],
        (403, "forbidden"),
    )
    .await;
    // The platform operator is let through: before the deadline the state
    // refuses it (authority first, then state).
    let reply = send(&app, &share, Some(&c.platform)).await;
    assert_eq!(
        reply.status,
        409,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    send(&app, &league, Some(&c.platform))
        .await
        .assert_status(201);
    send(&app, &calendar, Some(&c.platform))
        .await
        .assert_status(200);
}

fn share_clone(r: &Req) -> Req {
    match r {
        Req::Get(p) => Req::Get(p.clone()),
        Req::Put(p, b) => Req::Put(p.clone(), b.clone()),
        Req::Post(p, b) => Req::Post(p.clone(), b.clone()),
        Req::Raw(p, b) => Req::Raw(p.clone(), b.clone()),
    }
}

#[actix_web::test]
async fn a_custodian_is_asked_who_it_is_before_when_it_is() {
    let app = spawn_app().await;
    let c = cast(&app);
    let tender = app.create_draft(&c.tenderer, "份额项目").await;
    app.act(&c.tenderer, &tender, "publish", "")
        .await
        .assert_status(200);
    let mine = format!("/api/v1/tenders/{tender}/opening-key/my-share");
    // Not a custodian: 403 whatever the stage (was 409 before the opening).
    refused(
        &app,
        "bidder",
        Some(&c.bidder),
        &[Req::Get(mine.clone())],
        (403, "forbidden"),
    )
    .await;
    refused(
        &app,
        "bidder",
        Some(&c.bidder),
        &[Req::Post(
            format!("/api/v1/tenders/{tender}/opening/shares"),
            json!({"share": "AAAA"}),
        )],
        (403, "forbidden"),
    )
    .await;
    refused(
        &app,
        "anonymous",
        None,
        &[Req::Get(mine.clone())],
        (401, "unauthenticated"),
    )
    .await;
    // The tenderer holds a share: it hears the stage instead.
    app.get(&mine, Some(&c.tenderer))
        .await
        .assert_problem(409, "illegal-transition");
}

async fn account_id(app: &TestApp, token: &str) -> String {
    app.get("/api/v1/me", Some(token)).await.json()["user_id"]
        .as_str()
        .unwrap()
        .to_string()
}

#[actix_web::test]
async fn accounts_are_disabled_at_once_by_whom_the_rules_allow_and_on_the_record() {
    let app = spawn_app().await;
    let c = cast(&app);
    let lzh_bidder = app.user("柳州投标人", Role::Bidder, "LZH", "柳州建工");
    let bidder_id = account_id(&app, &c.bidder).await;
    let supervisor_id = account_id(&app, &c.supervisor).await;
    let nng_op_id = account_id(&app, &c.nng_op).await;
    let platform_id = account_id(&app, &c.platform).await;
    let disable = |id: &str| {
        Req::Post(
            format!("/api/v1/users/{id}/disable"),
            json!({"reason": "证书遗失，暂停账户"}),
        )
    };

    // Refusals, each changing nothing.
    refused(
        &app,
        "anonymous",
        None,
        &[disable(&bidder_id)],
        (401, "unauthenticated"),
    )
    .await;
    refused(
        &app,
        "a bidder",
        Some(&lzh_bidder),
        &[disable(&bidder_id)],
        (403, "forbidden"),
    )
    .await;
    refused(
        &app,
        "a supervisor",
        Some(&c.supervisor),
        &[disable(&bidder_id)],
        (403, "forbidden"),
    )
    .await;
    refused(
        &app,
        "LZH operator",
        Some(&c.lzh_op),
        &[disable(&bidder_id)],
        (403, "forbidden"),
    )
    .await;
    refused(
        &app,
        "NNG operator on its supervisor, a peer and itself",
        Some(&c.nng_op),
        &[
            disable(&supervisor_id),
            disable(&platform_id),
            disable(&nng_op_id),
        ],
        (403, "forbidden"),
    )
    .await;
    refused(
        &app,
        "platform operator on itself",
        Some(&c.platform),
        &[disable(&platform_id)],
        (403, "forbidden"),
    )
    .await;
    refused(
        &app,
        "NNG operator without a reason",
        Some(&c.nng_op),
        &[Req::Post(
            format!("/api/v1/users/{bidder_id}/disable"),
            json!({"reason": " "}),
        )],
        (422, "validation-failed"),
    )
    .await;

    // Lists: a league operator sees its league only.
    let nng = app
        .get("/api/v1/users?per_page=100", Some(&c.nng_op))
        .await
        .json();
    assert!(
        nng["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["league"] == "NNG")
    );
    app.get("/api/v1/users?league=LZH", Some(&c.nng_op))
        .await
        .assert_problem(403, "forbidden");
    app.get("/api/v1/users", Some(&c.bidder))
        .await
        .assert_problem(403, "forbidden");
    let all = app
        .get("/api/v1/users?per_page=100", Some(&c.platform))
        .await
        .json();
    assert!(
        all["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["league"] == "LZH")
    );
    assert!(
        all["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["league"].is_null())
    );

    // The bidder's own league's operator disables it: its token stops with
    // the very next request.
    app.get("/api/v1/me", Some(&c.bidder))
        .await
        .assert_status(200);
    let r = send(&app, &disable(&bidder_id), Some(&c.nng_op)).await;
    r.assert_status(200);
    assert_eq!(r.json()["disabled"], true);
    app.get("/api/v1/me", Some(&c.bidder))
        .await
        .assert_problem(401, "unauthenticated");
    send(&app, &disable(&bidder_id), Some(&c.nng_op))
        .await
        .assert_problem(409, "conflict");
    // Enabled again: the same token works.
    app.post_json(
        &format!("/api/v1/users/{bidder_id}/enable"),
        Some(&c.nng_op),
        &json!({"reason": "已补办证书"}),
    )
    .await
    .assert_status(200);
    app.get("/api/v1/me", Some(&c.bidder))
        .await
        .assert_status(200);
    // The platform operator may disable a supervisor.
    send(&app, &disable(&supervisor_id), Some(&c.platform))
        .await
        .assert_status(200);
    app.get("/api/v1/me", Some(&c.supervisor))
        .await
        .assert_problem(401, "unauthenticated");

    // On the record, with who, why and the account.
    let events = app
        .get("/api/v1/audit/events?per_page=100", Some(&c.platform))
        .await
        .json();
    let changes: Vec<(String, String)> = events["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| {
            e["action"]
                .as_str()
                .is_some_and(|a| a == "user.disable" || a == "user.enable")
        })
        .map(|e| {
            (
                e["action"].as_str().unwrap().to_string(),
                e["object_id"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    assert_eq!(changes.len(), 3, "two disables and one enable: {changes:?}");
    assert!(changes.contains(&("user.enable".into(), bidder_id.clone())));
    assert!(changes.contains(&("user.disable".into(), supervisor_id.clone())));
}

#[actix_web::test]
async fn a_league_operator_manages_its_own_experts_only_and_revokes_its_own_sessions_only() {
    let app = spawn_app().await;
    let c = cast(&app);
    let lzh_expert = app.user("柳州专家", Role::Expert, "LZH", "柳州评审单位");
    let user_id = account_id(&app, &lzh_expert).await;
    let body = json!({
        "user_id": user_id,
        "employer": {"name": "柳州评审单位", "credit_code": null},
        "related": [],
        "specialties": ["B0102"],
        "phone": "13800000001",
    });
    refused(
        &app,
        "NNG operator adding LZH's expert",
        Some(&c.nng_op),
        &[Req::Post("/api/v1/experts".into(), body.clone())],
        (403, "forbidden"),
    )
    .await;
    let created = app
        .post_json("/api/v1/experts", Some(&c.lzh_op), &body)
        .await;
    created.assert_status(201);
    let expert = created.json()["id"].as_str().unwrap().to_string();
    // The pool is shared, its contact details are the expert's league's.
    let one = format!("/api/v1/experts/{expert}");
    assert_eq!(
        app.get(&one, Some(&c.lzh_op)).await.json()["phone"],
        "13800000001"
    );
    assert_eq!(
        app.get(&one, Some(&c.platform)).await.json()["phone"],
        "13800000001"
    );
    assert!(app.get(&one, Some(&c.nng_op)).await.json()["phone"].is_null());
    let listed = app
        .get("/api/v1/experts?league=LZH", Some(&c.nng_op))
        .await
        .json();
    let items = listed
        .as_array()
        .or_else(|| listed["items"].as_array())
        .unwrap()
        .clone();
    assert!(
        !items.is_empty() && items.iter().all(|e| e["phone"].is_null()),
        "{listed}"
    );
    let mut edit = body.clone();
    edit.as_object_mut().unwrap().remove("user_id");
    refused(
        &app,
        "NNG operator editing LZH's expert",
        Some(&c.nng_op),
        &[Req::Put(format!("/api/v1/experts/{expert}"), edit.clone())],
        (403, "forbidden"),
    )
    .await;
    app.put_json(
        &format!("/api/v1/experts/{expert}"),
        Some(&c.platform),
        &edit,
    )
    .await
    .assert_status(200);
    // A session id that is not the caller's and not in its league: as if
    // absent.
    refused(
        &app,
        "LZH operator revoking an unknown session",
        Some(&c.lzh_op),
        &[Req::Post(
            format!("/api/v1/auth/sessions/{}/revoke", uuid::Uuid::new_v4()),
            json!({}),
        )],
        (404, "not-found"),
    )
    .await;
}

/// Every route of the OpenAPI document that changes anything refuses a
/// signed-out caller with 401 problem+json before it looks at the body, the
/// ids or the state (the few that sign in are the exception), and none
/// answers anyone with a 5xx.
#[actix_web::test]
async fn every_change_asks_who_first() {
    let app = spawn_app().await;
    let c = cast(&app);
    let tender = app.create_draft(&c.tenderer, "路由巡检").await;
    app.act(&c.tenderer, &tender, "publish", "")
        .await
        .assert_status(200);
    let api = app.get("/api/openapi.json", None).await.json();
    // Signing in, and verifying an address by the token sent to it (the
    // token is the proof: tests/api/notifications.rs).
    let signs_in = [
        "/api/v1/auth/challenges",
        "/api/v1/auth/login",
        "/api/v1/auth/mtls",
        "/api/v1/email-verifications",
    ];
    let mut walked = 0;
    for (path, item) in api["paths"].as_object().unwrap() {
        for method in ["post", "put", "patch", "delete"] {
            if item.get(method).is_none() || signs_in.contains(&path.as_str()) {
                continue;
            }
            // Real ids where the route takes a tender, fresh ones elsewhere.
            let mut concrete = path.replace("{id}", &tender);
            while let Some(start) = concrete.find('{') {
                let end = concrete[start..].find('}').unwrap() + start;
                concrete.replace_range(start..=end, &uuid::Uuid::new_v4().to_string());
            }
            let before = app.snapshot();
            let url = app.url(&concrete);
            let request = match method {
                "post" => app.client.post(url),
                "put" => app.client.put(url),
                "patch" => app.client.patch(url),
                _ => app.client.delete(url),
            };
            let mut reply = request
                .insert_header(("Content-Type", "application/json"))
                .send_body("{}")
                .await
                .unwrap();
            let status = reply.status().as_u16();
            let body = reply.body().await.unwrap();
            crate::helpers::assert_says_why(
                status,
                reply
                    .headers()
                    .get("content-type")
                    .and_then(|v| v.to_str().ok()),
                &body,
            );
            let problem: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
            assert_eq!(
                (status, problem["code"].as_str().unwrap_or("")),
                (401, "unauthenticated"),
                "{} {concrete}: {}",
                method.to_uppercase(),
                String::from_utf8_lossy(&body)
            );
            assert_eq!(app.snapshot(), before, "{method} {concrete}");
            walked += 1;
        }
    }
    assert!(walked >= 40, "walked {walked} changing routes");
}

#[actix_web::test]
async fn a_leagues_operators_read_its_record_and_not_anothers() {
    let app = spawn_app().await;
    let c = cast(&app);
    let tender = app.create_draft(&c.tenderer, "记录项目").await;
    app.act(&c.tenderer, &tender, "publish", "")
        .await
        .assert_status(200);
    let path = format!("/api/v1/audit/events?tender_id={tender}&per_page=100");
    let total = |token: &str| {
        let path = path.clone();
        let app = &app;
        let token = token.to_string();
        async move {
            app.get(&path, Some(&token)).await.json()["total"]
                .as_i64()
                .unwrap()
        }
    };
    assert!(
        total(&c.nng_op).await >= 2,
        "NNG's operator reads NNG's tender"
    );
    assert_eq!(total(&c.platform).await, total(&c.nng_op).await);
    assert_eq!(total(&c.lzh_op).await, 0, "LZH's operator reads none of it");
    // Nor the events of no tender (accounts, registries): the platform's.
    let accounts = app
        .get(
            "/api/v1/audit/events?action=user.create&per_page=100",
            Some(&c.lzh_op),
        )
        .await
        .json();
    assert_eq!(accounts["total"], 0);
}
