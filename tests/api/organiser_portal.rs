//! What the tenderer's and agent's pages ask the API that nobody else
//! does: "my tenders" (`GET /tenders?mine=true`: the organisation's own
//! tenders, drafts included, and no one else's published ones) and the
//! people who may hold a share of a tender's opening key
//! (`GET /tenders/{id}/opening-key/custodian-candidates`), the tenderers
//! an agent may act for (`GET /me/tenderers`), each with its refusals.

use crate::custody::own_certificate;
use crate::helpers::spawn_app;
use ggzy::identity::Role;
use serde_json::json;

fn titles(v: &serde_json::Value) -> Vec<String> {
    let mut t: Vec<String> = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["title"].as_str().unwrap().to_string())
        .collect();
    t.sort();
    t
}

#[actix_web::test]
async fn my_tenders_are_my_organisations_drafts_and_published_ones_only() {
    let app = spawn_app().await;
    app.leagues();
    let (tenderer, edu) = app.user_with_org("采购科", Role::Tenderer, "NNG", "南宁市教育局");
    let other = app.user("别的采购人", Role::Tenderer, "NNG", "南宁市卫健委");
    let agent = app.user("项目经理", Role::Agent, "NNG", "华信招标代理");
    let mine = app.create_draft(&tenderer, "我的草稿").await;
    let published = app.create_draft(&tenderer, "我的已发布项目").await;
    app.act(&tenderer, &published, "publish", "")
        .await
        .assert_status(200);
    let theirs = app.create_draft(&other, "别人的项目").await;
    app.act(&other, &theirs, "publish", "")
        .await
        .assert_status(200);
    let mut body = app.tender_body("代理的项目");
    body["tenderer_org_id"] = json!(edu.as_str());
    let r = app.post_json("/api/v1/tenders", Some(&agent), &body).await;
    r.assert_status(201);
    let _ = mine;

    // Without the filter a tenderer sees every published tender and its own drafts.
    let all = app.get("/api/v1/tenders", Some(&tenderer)).await;
    assert_eq!(all.json()["total"], 4);
    // With it, only its organisation's: the agent's draft for it too.
    let r = app.get("/api/v1/tenders?mine=true", Some(&tenderer)).await;
    r.assert_status(200);
    assert_eq!(
        titles(&r.json()),
        ["代理的项目", "我的已发布项目", "我的草稿"]
    );
    assert_eq!(r.json()["total"], 3);
    // The agent's: the one it runs.
    let r = app.get("/api/v1/tenders?mine=true", Some(&agent)).await;
    assert_eq!(titles(&r.json()), ["代理的项目"]);
    // Filters still apply on top.
    let r = app
        .get("/api/v1/tenders?mine=true&status=draft", Some(&tenderer))
        .await;
    assert_eq!(titles(&r.json()), ["代理的项目", "我的草稿"]);
    // mine=false is the board.
    let r = app.get("/api/v1/tenders?mine=false", Some(&tenderer)).await;
    assert_eq!(r.json()["total"], 4);
    // A league operator's are its league's.
    let centre = app.user("中心运维", Role::Operator, "NNG", "南宁市公共资源交易中心");
    let r = app.get("/api/v1/tenders?mine=true", Some(&centre)).await;
    assert_eq!(r.json()["total"], 4);
    let lzh = app.user("柳州运维", Role::Operator, "LZH", "柳州市公共资源交易中心");
    let r = app.get("/api/v1/tenders?mine=true", Some(&lzh)).await;
    assert_eq!(r.json()["total"], 0);

    // Refusals: signed out, a bidder, a supervisor, the platform's operator.
    app.get("/api/v1/tenders?mine=true", None)
        .await
        .assert_refusal(401, "unauthenticated", "auth.sign-in-first");
    let bidder = app.user("投标人", Role::Bidder, "NNG", "广西建工集团");
    let supervisor = app.user("监督", Role::Supervisor, "NNG", "南宁市财政局");
    let platform = app.platform_operator("平台运维");
    for who in [&bidder, &supervisor, &platform] {
        app.get("/api/v1/tenders?mine=true", Some(who))
            .await
            .assert_refusal(403, "forbidden", "tender.mine-organisers-only");
    }
}

#[actix_web::test]
async fn custodian_candidates_are_the_organisers_and_the_leagues_supervisors_with_a_certificate() {
    let app = spawn_app().await;
    app.leagues();
    let (tenderer, org) = app.user_with_org("采购科", Role::Tenderer, "NNG", "南宁市教育局");
    let _colleague = app.user_custom("采购科二", &[Role::Tenderer], "NNG", Some(&org), None);
    let supervisor = app.user("财政局监督", Role::Supervisor, "NNG", "南宁市财政局");
    let _foreign = app.user("柳州监督", Role::Supervisor, "LZH", "柳州市财政局");
    let _bidder = app.user("投标人", Role::Bidder, "NNG", "广西建工集团");
    let _stranger = app.user("别的采购人", Role::Tenderer, "NNG", "南宁市卫健委");
    let me = app.user_id_of(&tenderer).await;
    let sup_id = app.user_id_of(&supervisor).await;
    own_certificate(&app, &sup_id, "supervisor");
    let id = app.create_draft(&tenderer, "保管人").await;
    let path = format!("/api/v1/tenders/{id}/opening-key/custodian-candidates");

    let r = app.get(&path, Some(&tenderer)).await;
    r.assert_status(200);
    let v = r.json();
    let mut seen: Vec<(String, String)> = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap().to_string(),
                c["party"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    seen.sort();
    assert_eq!(
        seen,
        [
            ("财政局监督".to_string(), "supervisor".to_string()),
            ("采购科".to_string(), "organiser".to_string()),
            ("采购科二".to_string(), "organiser".to_string()),
        ],
        "the organisation's staff and the league's supervisors; not another league's \
         supervisor, a bidder or another tenderer"
    );
    assert_eq!(v["default_threshold"], 2);
    // What the page offers, publication takes: me, the supervisor, the platform, 2 of 3.
    let r = app
        .post_json(
            &format!("/api/v1/tenders/{id}/transitions"),
            Some(&tenderer),
            &json!({"action": "publish", "custody": {"threshold": 2, "custodians": [me, sup_id], "platform": true}}),
        )
        .await;
    r.assert_status(200);

    // Refusals: signed out, a stranger, a bidder; a draft is not found for them.
    let stranger = app.user("别人", Role::Tenderer, "NNG", "别的单位");
    app.get(&path, None)
        .await
        .assert_refusal(401, "unauthenticated", "tender.sign-in-as-manager");
    app.get(&path, Some(&stranger))
        .await
        .assert_refusal(403, "forbidden", "tender.managers-only");
    app.get(&path, Some(&supervisor)).await.assert_refusal(
        403,
        "forbidden",
        "tender.managers-only",
    );
    let draft = app.create_draft(&tenderer, "草稿").await;
    app.get(
        &format!("/api/v1/tenders/{draft}/opening-key/custodian-candidates"),
        Some(&stranger),
    )
    .await
    .assert_problem(404, "not-found");
}

#[actix_web::test]
async fn an_agent_picks_among_its_leagues_tenderers_and_no_one_else_may_ask() {
    let app = spawn_app().await;
    app.leagues();
    let (edu_staff, edu) = app.user_with_org("采购科", Role::Tenderer, "NNG", "南宁市教育局");
    let (_health, health) = app.user_with_org("卫健委采购", Role::Tenderer, "NNG", "南宁市卫健委");
    let (_lzh, lzh_org) = app.user_with_org("柳州采购", Role::Tenderer, "LZH", "柳州城投");
    let bidder = app.user("投标人", Role::Bidder, "NNG", "广西建工集团");
    let agent = app.user("项目经理", Role::Agent, "NNG", "华信招标代理");
    let names = |v: &serde_json::Value| -> Vec<(String, bool)> {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| {
                (
                    o["name"].as_str().unwrap().to_string(),
                    o["acted_for"].as_bool().unwrap(),
                )
            })
            .collect()
    };

    // The league's organisations with a tenderer account: not a bidder's,
    // not another league's, not the agent's own.
    let r = app.get("/api/v1/me/tenderers", Some(&agent)).await;
    r.assert_status(200);
    assert_eq!(
        names(&r.json()),
        [
            ("南宁市卫健委".to_string(), false),
            ("南宁市教育局".to_string(), false)
        ]
    );
    // What the page lists, the draft accepts; once acted for, listed first.
    let listed = r.json()["items"][1]["id"].as_str().unwrap().to_string();
    assert_eq!(listed, edu.as_str());
    let mut body = app.tender_body("代理的项目");
    body["tenderer_org_id"] = json!(listed);
    app.post_json("/api/v1/tenders", Some(&agent), &body)
        .await
        .assert_status(201);
    let r = app.get("/api/v1/me/tenderers", Some(&agent)).await;
    assert_eq!(
        names(&r.json()),
        [
            ("南宁市教育局".to_string(), true),
            ("南宁市卫健委".to_string(), false)
        ]
    );
    assert_eq!(r.json()["items"][1]["id"], json!(health.as_str()));
    // Another league's agent sees its own league's.
    let lzh_agent = app.user("柳州代理", Role::Agent, "LZH", "柳州招标代理");
    let r = app.get("/api/v1/me/tenderers", Some(&lzh_agent)).await;
    assert_eq!(names(&r.json()), [("柳州城投".to_string(), false)]);
    assert_eq!(r.json()["items"][0]["id"], json!(lzh_org.as_str()));

    // Refusals: signed out; a tenderer, a bidder, a supervisor, operators.
    app.get("/api/v1/me/tenderers", None).await.assert_refusal(
        401,
        "unauthenticated",
        "auth.sign-in-first",
    );
    let supervisor = app.user("监督", Role::Supervisor, "NNG", "南宁市财政局");
    let centre = app.user("中心运维", Role::Operator, "NNG", "南宁市公共资源交易中心");
    let platform = app.platform_operator("平台运维");
    for who in [&edu_staff, &bidder, &supervisor, &centre, &platform] {
        app.get("/api/v1/me/tenderers", Some(who))
            .await
            .assert_refusal(403, "forbidden", "auth.role-missing");
    }
}
