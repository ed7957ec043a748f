//! The committee's make-up, checked when the organiser commits the draw:
//! odd, the legal minimum of the category, method and value (5 for
//! tendering, 7 for government procurement from ¥10 million or when
//! complex), experts at least two thirds, and the tenderer's
//! representatives, named by account and not drawn. Each refusal names
//! its field and its article; listing and auction have no committee. A
//! committee of four drawn experts and the tenderer's representative then
//! evaluates a construction tender: the representative is on the record,
//! in the draw's record (outside the replay, which still verifies), joins
//! the room with its certificate session, and declares, votes, scores and
//! signs as every member does.

use crate::bids::{bid_deadline, sign_in, tender_with_opening_cert_from};
use crate::experts::verify_online;
use crate::helpers::TestApp;
use crate::rooms::{Client, Expert, league, score, token_of};
use crate::trust::{Registry, credit, resident};
use ggzy::identity::Role;
use serde_json::{Value, json};

async fn id_of(app: &TestApp, token: &str) -> String {
    let me = app.get("/api/v1/me", Some(token)).await;
    me.assert_status(200);
    me.json()["user_id"].as_str().unwrap().to_string()
}

fn venues() -> Value {
    json!([{"league": "NNG", "name": "南宁市公共资源交易中心 第三评标室", "main": true}])
}

fn rules(size: u32, representatives: &[&str]) -> Value {
    let reps: Vec<Value> = representatives
        .iter()
        .map(|u| json!({"user_id": u}))
        .collect();
    json!({"size": size, "venues": venues(), "representatives": reps})
}

/// Commits `body` as `token`, which must be refused (422): the field
/// errors, as (field, message).
async fn refused(app: &TestApp, token: &str, tender: &str, body: &Value) -> Vec<(String, String)> {
    let p = app
        .post_json(
            &format!("/api/v1/tenders/{tender}/committee/rules"),
            Some(token),
            body,
        )
        .await
        .assert_problem(422, "validation-failed");
    p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["field"].as_str().unwrap().to_string(),
                e["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn fields(errors: &[(String, String)]) -> Vec<&str> {
    errors.iter().map(|(f, _)| f.as_str()).collect()
}

/// How many audit events of `action` the tender has.
fn audit_count(app: &TestApp, tender: &str, action: &str) -> i64 {
    let (tender, action) = (tender.to_string(), action.to_string());
    app.db
        .write_blocking(move |conn| {
            use diesel::prelude::*;
            use ggzy::db::schema::audit_events;
            Ok(audit_events::table
                .filter(audit_events::tender_id.eq(&tender))
                .filter(audit_events::action.eq(&action))
                .count()
                .get_result::<i64>(conn)?)
        })
        .unwrap()
}

/// A published tender of `category` (the helpers' body otherwise), with
/// its organiser's token.
async fn published(r: &Registry, category: &str, budget_fen: i64) -> (String, String) {
    let dir = tempfile::tempdir().unwrap();
    let (category, budget) = (category.to_string(), budget_fen);
    let (tenderer, tender, _) = tender_with_opening_cert_from(r, dir.path(), move |b| {
        b["category"] = json!(category);
        b["budget"]["amount_fen"] = json!(budget);
    })
    .await;
    (tenderer, tender)
}

/// The accounts listed as candidates, as (name, id); each item must hold
/// its id, name and roles and nothing else.
async fn candidates(app: &TestApp, token: &str, tender: &str) -> Vec<(String, String)> {
    let reply = app
        .get(
            &format!("/api/v1/tenders/{tender}/committee/representative-candidates"),
            Some(token),
        )
        .await;
    reply.assert_status(200);
    let body = reply.json();
    body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let mut keys: Vec<&str> = c.as_object().unwrap().keys().map(|k| k.as_str()).collect();
            keys.sort_unstable();
            assert_eq!(keys, ["name", "roles", "user_id"], "{c}");
            assert!(
                c["roles"].as_array().unwrap().contains(&json!("tenderer")),
                "{c}"
            );
            (
                c["name"].as_str().unwrap().to_string(),
                c["user_id"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[actix_web::test]
async fn the_organiser_lists_the_tenderers_accounts_it_may_name_and_names_two() {
    let r = Registry::new().await;
    let app = &r.app;
    let (tenderer, works) = published(&r, "engineering_construction", 150_000_000).await;
    let me = id_of(app, &tenderer).await;
    let (_, org) = app.user_with_org("同单位投标账号", Role::Bidder, "NNG", "南宁市教育局");
    let colleague = app.user_custom(
        "招标人代表二",
        &[Role::Tenderer, Role::Bidder],
        "NNG",
        Some(&org),
        None,
    );
    let colleague = id_of(app, &colleague).await;
    // Not candidates: a colleague without the tenderer role, a disabled
    // colleague, another organisation's tenderer.
    let gone = app.user_custom("已停用", &[Role::Tenderer], "NNG", Some(&org), None);
    let gone_id = id_of(app, &gone).await;
    {
        let gone_id = gone_id.clone();
        app.db
            .write_blocking(move |conn| {
                use diesel::prelude::*;
                use ggzy::db::schema::users;
                diesel::update(users::table.filter(users::id.eq(&gone_id)))
                    .set(users::disabled.eq(true))
                    .execute(conn)?;
                Ok(())
            })
            .unwrap();
    }
    let stranger = app.user("别的单位", Role::Tenderer, "NNG", "别的单位");
    let mut expected = vec![
        ("招标人代表二".to_string(), colleague.clone()),
        ("采购科".to_string(), me.clone()),
    ];
    expected.sort();
    let listed = candidates(app, &tenderer, &works).await;
    assert_eq!(listed, expected);
    // An operator of the tender's league sets rules too, and sees the same.
    assert_eq!(candidates(app, &r.operator, &works).await, expected);

    // Who may not: signed out, a bidder, an expert, another organisation's
    // tenderer, an agent of no part in the tender.
    let path = format!("/api/v1/tenders/{works}/committee/representative-candidates");
    app.get(&path, None)
        .await
        .assert_refusal(401, "unauthenticated", "tender.sign-in-as-manager");
    let bidder = app.user("投标人", Role::Bidder, "NNG", "某建设公司");
    let expert = app.user("评审专家", Role::Expert, "NNG", "广西大学");
    let other_agent = app.user("别的代理", Role::Agent, "NNG", "别的代理公司");
    // Another league's operator acts for its own league only.
    let lzh_operator = app.user("柳州运营", Role::Operator, "LZH", "柳州市公共资源交易中心");
    for token in [&bidder, &expert, &stranger, &other_agent, &lzh_operator] {
        app.get(&path, Some(token))
            .await
            .assert_refusal(403, "forbidden", "tender.managers-only");
    }
    app.get(
        "/api/v1/tenders/not-a-tender/committee/representative-candidates",
        Some(&tenderer),
    )
    .await
    .assert_problem(404, "not-found");

    // An agent running a tender for the organisation names its
    // representatives from the same list; a draft is not even seen by
    // another tenderer.
    let agent = app.user("项目经理", Role::Agent, "NNG", "华信招标代理");
    let mut body = app.tender_body("代理项目");
    body["tenderer_org_id"] = json!(org.as_str());
    let reply = app.post_json("/api/v1/tenders", Some(&agent), &body).await;
    reply.assert_status(201);
    let agents = reply.json()["id"].as_str().unwrap().to_string();
    assert_eq!(candidates(app, &agent, &agents).await, expected);
    app.get(
        &format!("/api/v1/tenders/{agents}/committee/representative-candidates"),
        Some(&stranger),
    )
    .await
    .assert_problem(404, "not-found");

    // Both named: seven members, five drawn experts and two
    // representatives (two thirds, 招标投标法 第37条).
    let ids: Vec<&str> = listed.iter().map(|(_, id)| id.as_str()).collect();
    app.post_json(
        &format!("/api/v1/tenders/{works}/committee/rules"),
        Some(&tenderer),
        &rules(7, &ids),
    )
    .await
    .assert_status(201);
    let works2 = works.clone();
    let mut named: Vec<String> = app
        .db
        .write_blocking(move |conn| {
            use diesel::prelude::*;
            use ggzy::db::schema::committee_representatives as cr;
            Ok(cr::table
                .filter(cr::tender_id.eq(&works2))
                .select(cr::user_id)
                .load(conn)?)
        })
        .unwrap();
    named.sort();
    let mut want = vec![me, colleague];
    want.sort();
    assert_eq!(named, want);
    assert!(!named.contains(&gone_id));
}

#[actix_web::test]
async fn a_committee_that_breaks_a_composition_rule_is_refused_with_its_article() {
    let r = Registry::new().await;
    let app = &r.app;
    let (tenderer, works) = published(&r, "engineering_construction", 150_000_000).await;
    let (rep_token, org) = app.user_with_org("招标人代表", Role::Tenderer, "NNG", "南宁市教育局");
    let rep = id_of(app, &rep_token).await;
    let colleague = app.user_custom("招标人代表二", &[Role::Tenderer], "NNG", Some(&org), None);
    let colleague = id_of(app, &colleague).await;

    // Even, too small, too many representatives.
    let e = refused(app, &tenderer, &works, &rules(4, &[])).await;
    assert_eq!(fields(&e), ["size"]);
    assert!(
        e[0].1.contains("odd") && e[0].1.contains("招标投标法 第37条"),
        "{e:?}"
    );
    let e = refused(app, &tenderer, &works, &rules(3, &[])).await;
    assert_eq!(fields(&e), ["size"]);
    assert!(e[0].1.contains("at least 5 members"), "{e:?}");
    let e = refused(app, &tenderer, &works, &rules(4, &[&rep])).await;
    assert_eq!(fields(&e), ["size"]);
    assert!(
        e[0].1.contains("odd number of members, at least 5")
            && e[0].1.contains("3 drawn experts and 1 representative"),
        "{e:?}"
    );
    let e = refused(app, &tenderer, &works, &rules(5, &[&rep, &colleague])).await;
    assert_eq!(fields(&e), ["representatives"]);
    assert!(
        e[0].1.contains("two thirds") && e[0].1.contains("at most 1 representative"),
        "{e:?}"
    );
    let e = refused(app, &tenderer, &works, &rules(1, &[&rep])).await;
    assert_eq!(fields(&e), ["size", "representatives"]);

    // A representative who is not the tenderer's: another organisation's
    // tenderer, an agent, a colleague without the tenderer role, no
    // account at all, the same account twice.
    let stranger = app.user("别的单位", Role::Tenderer, "NNG", "别的单位");
    let agent = app.user("代理机构", Role::Agent, "NNG", "广西某招标代理有限公司");
    let bidder_colleague =
        app.user_custom("同单位投标账号", &[Role::Bidder], "NNG", Some(&org), None);
    for token in [&stranger, &agent, &bidder_colleague] {
        let who = id_of(app, token).await;
        let e = refused(app, &tenderer, &works, &rules(5, &[&who])).await;
        assert_eq!(fields(&e), ["representatives[0].user_id"]);
        assert!(
            e[0].1.contains("招标人的代表") && e[0].1.contains("tenderer role"),
            "{e:?}"
        );
    }
    let e = refused(app, &tenderer, &works, &rules(5, &["not-an-account"])).await;
    assert_eq!(fields(&e), ["representatives[0].user_id"]);
    assert!(e[0].1.contains("not an account id"));
    let nobody = uuid::Uuid::new_v4().to_string();
    let e = refused(app, &tenderer, &works, &rules(5, &[&nobody])).await;
    assert!(e[0].1.contains("no such account"), "{e:?}");
    let e = refused(app, &tenderer, &works, &rules(7, &[&rep, &rep])).await;
    assert_eq!(fields(&e), ["representatives[1].user_id"]);
    assert!(e[0].1.contains("named twice"));

    // `complex` is government procurement's (87号令 第47条).
    let mut body = rules(5, &[]);
    body["complex"] = json!(true);
    body["complex_reason"] = json!("技术复杂");
    let e = refused(app, &tenderer, &works, &body).await;
    assert_eq!(fields(&e), ["complex"]);
    assert_eq!(app.count("draws"), 0);
    assert_eq!(app.count("committee_representatives"), 0);

    // Government procurement: 7 from ¥10 million, or when complex.
    let (gp_tenderer, large) = published(&r, "government_procurement", 1_200_000_000).await;
    let e = refused(app, &gp_tenderer, &large, &rules(5, &[])).await;
    assert_eq!(fields(&e), ["size"]);
    assert!(
        e[0].1.contains("at least 7") && e[0].1.contains("第87号") && e[0].1.contains("¥10000000"),
        "{e:?}"
    );
    app.post_json(
        &format!("/api/v1/tenders/{large}/committee/rules"),
        Some(&gp_tenderer),
        &rules(7, &[]),
    )
    .await
    .assert_status(201);
    let (gp_tenderer, small) = published(&r, "government_procurement", 150_000_000).await;
    let mut body = rules(5, &[]);
    body["complex"] = json!(true);
    let e = refused(app, &gp_tenderer, &small, &body).await;
    assert_eq!(fields(&e), ["size", "complex_reason"]);
    body["complex_reason"] = json!("技术复杂，社会影响较大");
    let e = refused(app, &gp_tenderer, &small, &body).await;
    assert_eq!(fields(&e), ["size"]);
    assert!(e[0].1.contains("complex"), "{e:?}");
    let mut body = rules(5, &[]);
    body["complex_reason"] = json!("技术复杂");
    let e = refused(app, &gp_tenderer, &small, &body).await;
    assert_eq!(fields(&e), ["complex_reason"]);
    let mut body = rules(7, &[]);
    body["complex"] = json!(true);
    body["complex_reason"] = json!("技术复杂，社会影响较大");
    let committed = app
        .post_json(
            &format!("/api/v1/tenders/{small}/committee/rules"),
            Some(&gp_tenderer),
            &body,
        )
        .await;
    committed.assert_status(201);
    let view = app
        .get(&format!("/api/v1/tenders/{small}/committee"), None)
        .await
        .json();
    assert_eq!(view["rules"]["complex_reason"], "技术复杂，社会影响较大");
    assert_eq!(
        view["composition"],
        json!({"members": 7, "experts": 7, "representatives": 0})
    );

    // Listing has no committee: the highest price wins.
    let land = app.user("土地储备中心", Role::Tenderer, "NNG", "南宁市土地储备中心");
    let mut body = app.tender_body("某地块国有建设用地使用权挂牌出让");
    body["category"] = json!("land_mining_rights");
    body["method"] = json!("listing");
    body["evaluation"] = json!({"method": "highest_price"});
    let created = app.post_json("/api/v1/tenders", Some(&land), &body).await;
    created.assert_status(201);
    let listing = created.json()["id"].as_str().unwrap().to_string();
    app.act(&land, &listing, "publish", "")
        .await
        .assert_status(200);
    let p = app
        .post_json(
            &format!("/api/v1/tenders/{listing}/committee/rules"),
            Some(&land),
            &rules(5, &[]),
        )
        .await
        .assert_problem(409, "conflict");
    assert!(
        p["detail"].as_str().unwrap().contains("highest price wins"),
        "{p}"
    );

    // Four drawn seats and the tenderer's representative. A representative
    // who is also in the pool is not drawn as an expert besides.
    let dual = app.user_custom(
        "本单位专家",
        &[Role::Tenderer, Role::Expert],
        "NNG",
        Some(&org),
        None,
    );
    let dual = id_of(app, &dual).await;
    let other = app.user("专家甲", Role::Expert, "LZH", "评审单位");
    for expert in [dual.clone(), id_of(app, &other).await] {
        app.post_json(
            "/api/v1/experts",
            Some(&r.platform),
            &json!({"user_id": expert, "employer": {"name": "评审单位"}, "specialties": ["B0102"]}),
        )
        .await
        .assert_status(201);
    }
    let before = app.count("audit_events");
    app.post_json(
        &format!("/api/v1/tenders/{works}/committee/rules"),
        Some(&tenderer),
        &rules(5, &[&dual]),
    )
    .await
    .assert_status(201);
    assert!(app.count("audit_events") >= before + 2);
    assert_eq!(audit_count(app, &works, "committee.representative"), 1);
    let public = app
        .get(&format!("/api/v1/tenders/{works}/committee"), None)
        .await
        .json();
    assert_eq!(
        public["composition"],
        json!({"members": 5, "experts": 4, "representatives": 1})
    );
    assert_eq!(
        (
            &public["rules"]["size"],
            &public["rules"]["representatives"]
        ),
        (&json!(4), &json!(1)),
        "the committed rules: four seats drawn, one representative"
    );
    assert_eq!(public["pool_size"], 1, "the representative is not drawn");
    assert_eq!(
        (&public["sealed"], &public["members"]),
        (&json!(true), &json!([])),
        "who sits is sealed"
    );
    let full = app
        .get(
            &format!("/api/v1/tenders/{works}/committee"),
            Some(&r.platform),
        )
        .await
        .json();
    let members = full["members"].as_array().unwrap();
    assert_eq!(members.len(), 1, "{full}");
    assert_eq!(members[0]["kind"], "representative");
    assert_eq!(members[0]["expert_id"], format!("rep-{dual}"));
    assert_eq!(members[0]["name"], "本单位专家");
    assert_eq!(members[0]["employer"], "南宁市教育局");
    assert_eq!(members[0]["status"], "accepted");
    assert_eq!(members[0]["venue"]["main"], true);
}

/// `count` experts of NNG with certificates, in the pool and available.
async fn nng_experts(r: &Registry, count: usize) -> Vec<Expert> {
    let app = &r.app;
    let mut experts = Vec::new();
    for i in 0..count {
        let file = format!("works-expert{i}");
        let name = format!("工程评委{i}");
        let number = resident(&format!("450102197505{:02}321", i + 10));
        r.nng.person(&file, &name, &number);
        let user = crate::login::enrol_person_in(r, "NNG", &name, &[Role::Expert], &number);
        let reply = app
            .post_json(
                "/api/v1/experts",
                Some(&r.platform),
                &json!({"user_id": user, "employer": {"name": format!("工程单位{i}"),
                        "credit_code": credit(&format!("91450100MA5T3{i:03}X"))},
                        "specialties": ["B0102"]}),
            )
            .await;
        reply.assert_status(201);
        let e = Expert {
            file,
            league: "NNG",
            id: reply.json()["id"].as_str().unwrap().to_string(),
        };
        let token = token_of(r, &e).await;
        app.put_json(
            "/api/v1/experts/me/availability",
            Some(&token),
            &json!({"available": true}),
        )
        .await
        .assert_status(200);
        experts.push(e);
    }
    experts
}

/// A construction tender evaluated by four drawn experts and the
/// tenderer's representative, its room open.
struct RepresentedRoom {
    tender: String,
    tenderer: String,
    supervisor: String,
    /// The drawn members, in the order they were seated.
    experts: Vec<Expert>,
    /// The representative's API token (no certificate session).
    api_token: String,
    /// Its member id, `rep-<account id>`.
    member: String,
    _dir: tempfile::TempDir,
}

/// The representative signs in with the certificate `edu-rep` of the
/// tenderer's organisation.
async fn room_with_representative(r: &Registry) -> RepresentedRoom {
    room_with_representative_in(r, "engineering_construction").await
}

/// The same for a tender of `category` (government procurement: the
/// purchaser's qualification review passes every bid first).
async fn room_with_representative_in(r: &Registry, category: &str) -> RepresentedRoom {
    let app = &r.app;
    let pool = nng_experts(r, 5).await;
    let supervisor = app.supervisor("工程监督员", "administrative", Some(category), Some("NNG"));
    let dir = tempfile::tempdir().unwrap();
    let (tenderer, tender, opening) = tender_with_opening_cert_from(r, dir.path(), |b| {
        b["category"] = json!(category);
        b["title"] = json!("某中学教学楼施工");
    })
    .await;

    // The representative: an account of the tenderer's organisation with
    // the tenderer role, which signs in with the organisation's
    // certificate.
    let (api_token, _) = app.user_with_org("招标人代表", Role::Tenderer, "NNG", "南宁市教育局");
    let rep = id_of(app, &api_token).await;
    let code = credit("91450100MB0000021");
    r.nng.enterprise("edu-rep", "南宁市教育局", &code);
    {
        let (user, now) = (rep.clone(), app.now());
        app.db
            .write_blocking(move |conn| {
                let ctx = ggzy::audit::AuditContext::system(now);
                ggzy::identity::sessions::bind_certificate_identities(
                    conn,
                    &ctx,
                    &ggzy::types::UserId::from_db(user),
                    &[Role::Tenderer],
                    Some(&ggzy::types::CreditCode::parse(&code).unwrap()),
                    None,
                )
            })
            .unwrap();
    }
    app.post_json(
        &format!("/api/v1/tenders/{tender}/committee/rules"),
        Some(&tenderer),
        &rules(5, &[&rep]),
    )
    .await
    .assert_status(201);

    // The draw fills four seats; the representative is not drawn.
    crate::bids::three_valid_bids(r, &tender, &opening).await;
    let deadline = bid_deadline(r, &tender).await;
    app.clock.advance(deadline - app.now());
    app.act(&tenderer, &tender, "start_opening", "")
        .await
        .assert_status(200);
    app.clock.advance(chrono::Duration::seconds(1));
    crate::bids::release_tenderer_share(r, dir.path(), &tenderer, &tender).await;
    crate::bids::release_platform_share(r, &tender).await;
    crate::bids::wait_for_opening(r, &tender).await;
    app.wait_for_log().await;
    let seated = app
        .contribute(&tender, &supervisor, "监督员掷骰 5 2 4")
        .await;
    assert_eq!(seated.len(), 4);
    let member = format!("rep-{rep}");
    let record = app
        .get(
            &format!("/api/v1/tenders/{tender}/committee/draw-record"),
            Some(&supervisor),
        )
        .await;
    record.assert_status(200);
    let record = record.json();
    assert_eq!(record["committee"].as_array().unwrap().len(), 4);
    assert_eq!(record["representatives"][0]["member"], member.as_str());
    assert_eq!(record["representatives"][0]["name"], "招标人代表");
    let committed: Value = serde_json::from_str(record["rules"].as_str().unwrap()).unwrap();
    assert_eq!(
        (
            committed["size"].as_u64(),
            committed["representatives"].as_u64()
        ),
        (Some(4), Some(1))
    );
    // The replay of the draw is untouched by the representative (once the
    // draw's entries are in the log).
    app.wait_for_log().await;
    verify_online(app, &tender, &supervisor).await;

    app.act(&tenderer, &tender, "start_evaluation", "")
        .await
        .assert_status(200);
    if category == "government_procurement" {
        crate::minimums::qualify_all(app, &tender, &tenderer).await;
    }
    let view = app
        .get(
            &format!("/api/v1/tenders/{tender}/committee"),
            Some(&supervisor),
        )
        .await
        .json();
    assert_eq!(
        (view["seated"].as_u64(), view["short"].as_bool()),
        (Some(5), Some(false))
    );
    let kinds: Vec<&str> = view["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        ["expert", "expert", "expert", "expert", "representative"]
    );

    app.post_json(
        &format!("/api/v1/tenders/{tender}/evaluation/room"),
        Some(&tenderer),
        &json!({"blind_technical": false}),
    )
    .await
    .assert_status(201);
    let mut pool = pool;
    let experts = seated
        .iter()
        .map(|id| {
            let at = pool.iter().position(|e| e.id == *id).unwrap();
            pool.remove(at)
        })
        .collect();
    RepresentedRoom {
        tender,
        tenderer,
        supervisor,
        experts,
        api_token,
        member,
        _dir: dir,
    }
}

#[actix_web::test]
async fn the_tenderers_representative_sits_in_the_room_and_signs_with_its_certificate() {
    let r = Registry::new().await;
    let app = &r.app;
    let RepresentedRoom {
        tender,
        tenderer,
        supervisor,
        experts,
        api_token,
        member,
        ..
    } = room_with_representative(&r).await;

    // Who joins: the representative with its certificate session; not
    // with an API token, and not the organiser who named it.
    let live = format!("/api/v1/tenders/{tender}/evaluation/room/live");
    app.get(&live, Some(&api_token))
        .await
        .assert_problem(401, "unauthenticated");
    app.get(&live, Some(&tenderer))
        .await
        .assert_problem(403, "forbidden");
    let rep_token = sign_in(&r, &r.nng, "edu-rep").await;
    let mut clients = Vec::new();
    for e in &experts {
        clients.push(Client::open(app, &tender, &token_of(&r, e).await).await);
    }
    clients.push(Client::open(app, &tender, &rep_token).await);
    let opened = &clients[4].events[0];
    assert_eq!(opened["kind"], "room.opened");
    let roster = opened["payload"]["members"].as_array().unwrap();
    assert_eq!(roster.len(), 5);
    let me = roster
        .iter()
        .find(|m| m["expert"] == member.as_str())
        .unwrap();
    assert_eq!(
        (me["name"].as_str(), me["venue"].as_str()),
        (Some("招标人代表"), Some("NNG"))
    );

    // It declares, votes, scores and signs like the others.
    for c in clients.iter_mut() {
        c.ok(json!({"type": "declare"})).await;
    }
    let chair = 0;
    for i in [4, 1, 2] {
        clients[i]
            .ok(json!({"type": "vote", "candidate": experts[chair].id}))
            .await;
    }
    // The review (no items in this tender): the chair closes it.
    clients[chair].ok(json!({"type": "close_round"})).await;
    for criterion in ["tech", "biz"] {
        let points = if criterion == "tech" { 35.0 } else { 15.0 };
        for c in clients.iter_mut() {
            for bid in ["A", "B", "C"] {
                c.ok(score(bid, criterion, points)).await;
            }
        }
        let closed = clients[chair].ok(json!({"type": "close_round"})).await;
        clients[chair].until(closed + 1).await;
    }
    let report_url = format!("/api/v1/tenders/{tender}/evaluation/report");
    let ready = app.get(&report_url, Some(&rep_token)).await;
    ready.assert_status(200);
    let text = ready.json()["signed_text"].as_str().unwrap().to_string();
    let mut last = 0;
    for (i, e) in experts.iter().enumerate() {
        let signature = league(&r, e.league).sign_raw(&e.file, &text);
        last = clients[i]
            .ok(json!({"type": "sign", "signature": signature}))
            .await;
    }
    let signature = r.nng.sign_raw("edu-rep", &text);
    last = last.max(
        clients[4]
            .ok(json!({"type": "sign", "signature": signature}))
            .await,
    );
    clients[0].until(last + 1).await;
    assert_eq!(clients[0].events.last().unwrap()["kind"], "room.closed");
    let signed = app.get(&report_url, Some(&supervisor)).await.json();
    assert_eq!(signed["closed"], true, "{signed}");
    let signatures = signed["signatures"].as_array().unwrap();
    assert_eq!(signatures.len(), 5);
    assert!(
        signatures
            .iter()
            .any(|s| s["expert"] == member.as_str() && s["name"] == "招标人代表"),
        "{signatures:?}"
    );
    // Its actions are on the record as the tenderer's.
    let scores = app
        .get(
            &format!(
                "/api/v1/audit/events?tender_id={tender}&action=room.score.given&per_page=100"
            ),
            // A league's operators read no committee event before the
            // result (招标投标法 第37条); the platform's do.
            Some(&r.platform),
        )
        .await
        .json();
    assert_eq!(scores["total"], 30, "five members, three bids, two rounds");
}

#[actix_web::test]
async fn a_representative_who_recuses_leaves_its_seat_empty_on_the_record() {
    let r = Registry::new().await;
    let app = &r.app;
    let room = room_with_representative(&r).await;
    let tender = room.tender.clone();
    let rep_token = sign_in(&r, &r.nng, "edu-rep").await;
    let mut rep = Client::open(app, &tender, &rep_token).await;
    let recused = rep
        .ok(json!({"type": "recuse", "reason": "与投标人存在利害关系"}))
        .await;
    rep.until(recused + 1).await;
    let last: Vec<&Value> = rep.events.iter().rev().take(2).collect();
    assert_eq!(
        (last[1]["kind"].as_str(), last[0]["kind"].as_str()),
        (Some("member.recused"), Some("member.replaced"))
    );
    assert_eq!(last[0]["payload"]["expert"], room.member.as_str());
    assert!(
        last[0]["payload"]["replacement"].is_null(),
        "nobody is drawn in a representative's place: {}",
        last[0]
    );
    drop(rep);
    app.get(
        &format!("/api/v1/tenders/{tender}/evaluation/room/live"),
        Some(&rep_token),
    )
    .await
    .assert_problem(403, "forbidden");
    let view = app
        .get(
            &format!("/api/v1/tenders/{tender}/committee"),
            Some(&room.supervisor),
        )
        .await
        .json();
    let me = view["members"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["expert_id"] == room.member.as_str())
        .unwrap()
        .clone();
    assert_eq!(
        (me["status"].as_str(), me["reason"].as_str()),
        (Some("recused"), Some("与投标人存在利害关系"))
    );
    assert_eq!(view["seated"], 4);
    assert_eq!(audit_count(app, &tender, "committee.recused"), 1);
}

#[actix_web::test]
async fn the_purchasers_representative_is_not_elected_chair_in_government_procurement() {
    let r = Registry::new().await;
    let app = &r.app;
    let room = room_with_representative_in(&r, "government_procurement").await;
    let tender = room.tender.clone();
    let mut clients = Vec::new();
    for e in &room.experts {
        clients.push(Client::open(app, &tender, &token_of(&r, e).await).await);
    }
    let rep_token = sign_in(&r, &r.nng, "edu-rep").await;
    clients.push(Client::open(app, &tender, &rep_token).await);
    let roster = clients[0].events[0]["payload"]["members"].clone();
    let me = roster
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["expert"] == room.member.as_str())
        .unwrap();
    assert_eq!(me["representative"], true, "{roster}");
    for c in clients.iter_mut() {
        c.ok(json!({"type": "declare"})).await;
    }
    // 财库〔2012〕69号: 采购人代表不得担任组长 — nobody may vote for it,
    // itself included.
    for i in [0, 4] {
        let message = clients[i]
            .refused(json!({"type": "vote", "candidate": room.member}), "invalid")
            .await;
        assert!(message.contains("财库〔2012〕69号"), "{message}");
    }
    // It votes for an expert, who is elected.
    let chair = room.experts[1].id.clone();
    let mut last = 0;
    for i in [4, 0, 2] {
        last = clients[i]
            .ok(json!({"type": "vote", "candidate": chair}))
            .await;
    }
    clients[2].until(last + 1).await;
    let elected = clients[2]
        .events
        .iter()
        .find(|e| e["kind"] == "chair.elected")
        .unwrap();
    assert_eq!(elected["payload"]["expert"], chair.as_str());
}
