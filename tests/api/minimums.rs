//! How many bids a procedure needs, and the purchaser's qualification
//! review before the room (issue 21): a construction tender with two
//! bidders at the deadline is not opened at all; government procurement
//! tendering reviews qualification after the opening, fails with fewer than
//! three qualified, and otherwise opens the room with the qualified bids
//! only; and every refusal of the review.

use crate::bids::{
    Make, container, envelope, release_platform_share, release_tenderer_share, schedule, sign_in,
    start_opening_at_deadline, submit, tender_with_opening_cert_from, three_valid_bids,
    wait_for_opening,
};
use crate::helpers::TestApp;
use crate::trust::{Registry, credit};
use ggzy::identity::Role;
use serde_json::{Value, json};

fn review(tender: &str) -> String {
    format!("/api/v1/tenders/{tender}/qualification-review")
}

fn findings(tender: &str) -> String {
    format!("/api/v1/tenders/{tender}/qualification-review/findings")
}

fn conclusion(tender: &str) -> String {
    format!("/api/v1/tenders/{tender}/qualification-review/conclusion")
}

/// The valid bids of a completed opening: (bid id, bidder name).
async fn valid_bids(app: &TestApp, tender: &str) -> Vec<(String, String)> {
    let view = app
        .get(&format!("/api/v1/tenders/{tender}/opening"), None)
        .await
        .json();
    view["bids"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|b| b["outcome"] == "valid")
        .map(|b| {
            (
                b["bid_id"].as_str().unwrap().to_string(),
                b["bidder_name"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// The purchaser's review as the organiser `token` runs it when every
/// valid bid qualifies: one finding each, then the conclusion.
pub async fn qualify_all(app: &TestApp, tender: &str, token: &str) {
    for (bid, _) in valid_bids(app, tender).await {
        app.post_json(
            &findings(tender),
            Some(token),
            &json!({"bid_id": bid, "qualified": true, "document": "营业执照、资格证明文件"}),
        )
        .await
        .assert_status(201);
    }
    let concluded = app
        .post_json(&conclusion(tender), Some(token), &json!({}))
        .await;
    concluded.assert_status(200);
    assert_eq!(concluded.json()["status"], "passed", "{}", concluded.json());
}

/// What a refused request may not change: every table a write could touch,
/// the review's own included.
fn state(app: &TestApp) -> Vec<(&'static str, i64)> {
    let mut s = app.snapshot();
    for t in ["bid_openings", "evaluation_rooms", "hall_events"] {
        s.push((t, app.count(t)));
    }
    s
}

#[actix_web::test]
async fn the_time_limits_table_states_each_procedures_minimum() {
    let app = crate::helpers::spawn_app().await;
    let rows = app.get("/api/v1/time-limits", None).await.json();
    let row = |category: &str, method: &str| -> Value {
        rows.as_array()
            .unwrap()
            .iter()
            .find(|r| r["category"] == category && r["method"] == method)
            .unwrap_or_else(|| panic!("{category} {method}"))["limits"]
            .clone()
    };
    let construction = row("engineering_construction", "open_tendering");
    assert_eq!(construction["minimum_bids"]["rule"], "at_least");
    assert_eq!(construction["minimum_bids"]["bids"], 3);
    assert_eq!(construction["minimum_bids"]["before_opening"], true);
    assert!(
        construction["minimum_bids"]["basis"]
            .as_str()
            .unwrap()
            .contains("招标投标法实施条例 第44条")
    );
    assert_eq!(construction["qualification_review"]["by"], "committee");
    let gp = row("government_procurement", "open_tendering");
    assert_eq!(gp["qualification_review"]["by"], "purchaser_or_agent");
    assert!(
        gp["qualification_review"]["basis"]
            .as_str()
            .unwrap()
            .contains("第44条")
    );
    assert_eq!(
        row("government_procurement", "single_source")["minimum_bids"]["bids"],
        1
    );
    assert_eq!(
        row("land_mining_rights", "listing")["minimum_bids"]["rule"],
        "not_by_count"
    );
}

#[actix_web::test]
async fn a_construction_tender_with_two_bidders_is_not_opened_and_fails() {
    let r = Registry::new().await;
    let app = &r.app;
    let nng = &r.nng;
    for (name, org, code) in [
        ("second", "广西第二建设有限公司", "91450100MA5T0003C"),
        ("third", "广西第三建设有限公司", "91450100MA5T0004D"),
    ] {
        nng.enterprise(name, org, &credit(code));
    }
    let dir = tempfile::tempdir().unwrap();
    let (tenderer, tender, opening) = tender_with_opening_cert_from(&r, dir.path(), |body| {
        body["category"] = json!("engineering_construction");
        body["title"] = json!("南宁市某道路改造工程施工");
    })
    .await;
    // Three enterprises bid; the third withdraws: two bidders remain.
    let mut kept = Vec::new();
    let mut tokens = Vec::new();
    for (i, name) in ["builder", "second", "third"].into_iter().enumerate() {
        let token = sign_in(&r, nng, name).await;
        let zip = container(&nng.dir, name, &schedule(80_000_000 + i as i64));
        let make = Make {
            gcm: true,
            outer: true,
        };
        let file = envelope(nng, name, &zip, &opening, make);
        let reply = submit(&r, &token, &tender, &file).await;
        reply.assert_status(201);
        let bid = reply.json()["bid_id"].as_str().unwrap().to_string();
        kept.push((bid, std::fs::read(&file).unwrap()));
        tokens.push(token);
    }
    app.post_json(
        &format!("/api/v1/bids/{}/withdraw", kept[2].0),
        Some(&tokens[2]),
        &json!({}),
    )
    .await
    .assert_status(200);
    let mut watcher = crate::hall::watch(app, &tender, None).await;
    crate::hall::until_live(&mut watcher).await;

    // The opening starts after the deadline; with two bidders the answer
    // already shows the tender failed.
    start_opening_at_deadline(&r, &tenderer, &tender).await;
    let detail = app
        .get(&format!("/api/v1/tenders/{tender}"), None)
        .await
        .json();
    assert_eq!(detail["status"], "failed", "{detail:#}");
    let notices: Vec<&str> = detail["notices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["kind"].as_str().unwrap())
        .collect();
    assert_eq!(notices, ["tender", "opening", "failure"]);
    let why = detail["notices"][2]["body"].as_str().unwrap();
    assert!(
        why.starts_with("投标截止时投标人不足3家（2 家），投标文件不予开启")
            && why.contains("Fewer than 3 bidders at the deadline (2): the bids are not opened")
            && why.contains("招标投标法实施条例 第44条"),
        "{why}"
    );
    // The platform's reason in words, for a reader of another language.
    let words = &detail["notices"][2]["words"]["body"];
    assert_eq!(words["key"], "not_opened", "{detail}");
    assert_eq!(
        words["params"],
        json!({ "bids": 3, "bidders": 2, "basis": words["params"]["basis"] })
    );
    assert!(
        words["params"]["basis"]
            .as_str()
            .unwrap()
            .contains("招标投标法实施条例 第44条"),
        "{words}"
    );

    // The opening opened nothing.
    let view = app
        .get(&format!("/api/v1/tenders/{tender}/opening"), None)
        .await
        .json();
    assert_eq!(view["status"], "not_opened", "{view:#}");
    assert_eq!(view["bidders"], 2);
    assert_eq!(view["bids"], json!([]));
    assert_eq!(view["valid_bids"], Value::Null);
    assert_eq!(view["shares_released"], 0);
    assert_eq!(
        view["result"],
        "not opened: 2 bidder(s) at the deadline, fewer than 3"
    );
    assert_eq!(
        app.count(&format!("bid_openings WHERE tender_id = '{tender}'")),
        0
    );
    assert_eq!(
        app.count(&format!(
            "openings WHERE tender_id = '{tender}' AND decrypting_at IS NULL"
        )),
        1,
        "never began decrypting"
    );
    assert!(
        !app.data_dir.path().join("opened").join(&tender).exists(),
        "nothing decrypted"
    );
    // The hall heard the opening start, open nothing, and the tender fail.
    let mut heard = Vec::new();
    for _ in 0..3 {
        heard.push(crate::hall::next_event(&mut watcher).await);
    }
    let kinds: Vec<&str> = heard.iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        ["tender.status", "opening.not_opened", "tender.status"]
    );
    assert_eq!(heard[1]["payload"]["bidders"], 2);
    assert_eq!(heard[1]["payload"]["minimum"], 3);
    assert_eq!(heard[2]["payload"]["to"], "failed");

    // The bids stay as submitted: stored, byte for byte, and sealed.
    for (bid, bytes) in &kept {
        let file = app.data_dir.path().join(format!("bids/{bid}.p7m"));
        assert_eq!(&std::fs::read(&file).unwrap(), bytes, "{bid}");
    }
    assert_eq!(
        app.count(&format!(
            "bids WHERE tender_id = '{tender}' AND status = 'submitted'"
        )),
        2
    );
    // No share can be had or released for it any more.
    app.get(
        &format!("/api/v1/tenders/{tender}/opening-key/my-share"),
        Some(&tenderer),
    )
    .await
    .assert_problem(409, "illegal-transition");

    // On the record, and told to the two enterprises whose bids stay
    // unopened (not to the one that withdrew, nor to the tenderer).
    let events = app
        .get(
            &format!("/api/v1/audit/events?tender_id={tender}&per_page=100"),
            Some(&r.operator),
        )
        .await
        .json();
    let actions: Vec<&str> = events["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert!(actions.contains(&"opening.not_opened"), "{actions:?}");
    assert!(actions.contains(&"tender.fail"), "{actions:?}");
    assert!(!actions.contains(&"opening.decrypting"), "{actions:?}");
    assert!(!actions.contains(&"opening.bid_opened"), "{actions:?}");
    for name in ["builder", "second"] {
        let token = sign_in(&r, nng, name).await;
        let told = app.inbox_of(&token, "bids_not_opened").await;
        assert_eq!(told.len(), 1, "{name}");
        assert_eq!(told[0]["tender_id"], tender.as_str());
    }
    let third = sign_in(&r, nng, "third").await;
    assert!(app.inbox_of(&third, "bids_not_opened").await.is_empty());
    assert!(app.inbox_of(&tenderer, "bids_not_opened").await.is_empty());
    // There is nothing for a purchaser's review to do here: the committee
    // reviews qualification in construction.
    let refused = app
        .post_json(
            &findings(&tender),
            Some(&tenderer),
            &json!({"bid_id": kept[0].0, "qualified": true, "document": "资质证书"}),
        )
        .await
        .assert_problem(409, "conflict");
    assert!(
        refused["detail"].as_str().unwrap().contains("committee"),
        "{refused}"
    );
}

#[actix_web::test]
async fn government_procurement_with_one_of_three_unqualified_fails_by_rule() {
    let r = Registry::new().await;
    let app = &r.app;
    let dir = tempfile::tempdir().unwrap();
    let (tenderer, tender, opening) = tender_with_opening_cert_from(&r, dir.path(), |_| {}).await;
    three_valid_bids(&r, &tender, &opening).await;
    start_opening_at_deadline(&r, &tenderer, &tender).await;
    // Before the opening is over: no review yet.
    let early = json!({"bid_id": uuid::Uuid::new_v4().to_string(), "qualified": true,
                       "document": "营业执照"});
    let before = state(app);
    app.post_json(&findings(&tender), Some(&tenderer), &early)
        .await
        .assert_problem(409, "illegal-transition");
    app.post_json(&conclusion(&tender), Some(&tenderer), &json!({}))
        .await
        .assert_problem(409, "illegal-transition");
    assert_eq!(state(app), before);
    release_tenderer_share(&r, dir.path(), &tenderer, &tender).await;
    release_platform_share(&r, &tender).await;
    let opened = wait_for_opening(&r, &tender).await;
    assert_eq!(opened["valid_bids"], 3, "{opened:#}");
    // Opened, the evaluation not started: still too early.
    app.post_json(&findings(&tender), Some(&tenderer), &early)
        .await
        .assert_problem(409, "illegal-transition");
    app.act(&tenderer, &tender, "start_evaluation", "")
        .await
        .assert_status(200);

    let bids = valid_bids(app, &tender).await;
    let (unqualified, loser) = bids
        .iter()
        .find(|(_, name)| name == "广西第二建设有限公司")
        .cloned()
        .unwrap();
    for (bid, _) in &bids {
        let ok = *bid != unqualified;
        let reply = app
            .post_json(
                &findings(&tender),
                Some(&tenderer),
                &json!({"bid_id": bid, "qualified": ok,
                        "reason": if ok { "" } else { "未提供有效的营业执照" },
                        "document": "营业执照（投标文件第 3 页）"}),
            )
            .await;
        reply.assert_status(201);
        let finding = reply.json();
        assert_eq!(finding["qualified"], ok);
        assert_eq!(finding["document"], "营业执照（投标文件第 3 页）");
    }
    let concluded = app
        .post_json(&conclusion(&tender), Some(&tenderer), &json!({}))
        .await;
    concluded.assert_status(200);
    let view = concluded.json();
    assert_eq!(view["status"], "failed", "{view:#}");
    assert_eq!(
        (view["reviewed"].clone(), view["qualified"].clone()),
        (json!(3), json!(2))
    );
    let detail = app
        .get(&format!("/api/v1/tenders/{tender}"), None)
        .await
        .json();
    assert_eq!(detail["status"], "failed");
    let notice = detail["notices"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(notice["kind"], "failure");
    let why = notice["body"].as_str().unwrap();
    assert!(
        why.starts_with("资格审查合格投标人不足3家（2 家），不得评标")
            && why.contains("Fewer than 3 bidders qualified")
            && why.contains("第44条"),
        "{why}"
    );
    let words = &notice["words"]["body"];
    assert_eq!(words["key"], "not_qualified", "{notice}");
    assert_eq!(words["params"]["bids"], 3);
    assert_eq!(words["params"]["qualified"], 2);
    assert!(
        why.ends_with(words["params"]["basis"].as_str().unwrap()),
        "{words}"
    );
    // No room for a failed procedure; the decrypted bids are gone.
    app.post_json(
        &format!("/api/v1/tenders/{tender}/evaluation/room"),
        Some(&tenderer),
        &json!({}),
    )
    .await
    .assert_problem(409, "illegal-transition");
    assert!(!app.data_dir.path().join("opened").join(&tender).exists());
    // The result is out: anyone reads the findings, without who recorded them.
    let public = app.get(&review(&tender), None).await;
    public.assert_status(200);
    let public = public.json();
    let found = public["findings"].as_array().unwrap();
    assert_eq!(found.len(), 3);
    assert!(
        found.iter().all(|f| f["reviewed_by"].is_null()),
        "{public:#}"
    );
    let line = found.iter().find(|f| f["bid_id"] == *unqualified).unwrap();
    assert_eq!(line["bidder_name"], loser.as_str());
    assert_eq!(line["reason"], "未提供有效的营业执照");
    // On the record.
    for (action, n) in [
        ("qualification.finding_recorded", 3),
        ("qualification.concluded", 1),
    ] {
        let events = app
            .get(
                &format!("/api/v1/audit/events?tender_id={tender}&action={action}"),
                Some(&r.operator),
            )
            .await
            .json();
        assert_eq!(events["items"].as_array().unwrap().len(), n, "{action}");
    }
}

#[actix_web::test]
async fn the_review_refuses_what_it_should_and_the_room_opens_with_the_qualified_bids() {
    let r = Registry::new().await;
    let app = &r.app;
    let f = crate::rooms::opened_for_evaluation(
        &r,
        &[("fourth", "广西第四建设有限公司", "91450100MA5T0005E")],
    )
    .await;
    let (tender, tenderer) = (f.tender.as_str(), f.tenderer.as_str());
    let bids = valid_bids(app, tender).await;
    assert_eq!(bids.len(), 4);
    let (excluded, excluded_name) = bids
        .iter()
        .find(|(_, name)| name == "广西第四建设有限公司")
        .cloned()
        .unwrap();
    let fourth = sign_in(&r, &r.nng, "fourth").await;
    let builder = sign_in(&r, &r.nng, "builder").await;
    let stranger = app.user("别的采购人", Role::Tenderer, "NNG", "南宁市卫生局");
    let good = |bid: &str| json!({"bid_id": bid, "qualified": true, "document": "营业执照"});

    // The tender says the review is under way, for pages that then ask
    // for it (other procedures have none: their detail says nothing).
    let detail = || async {
        app.get(&format!("/api/v1/tenders/{tender}"), None)
            .await
            .json()
    };
    assert_eq!(detail().await["qualification_review"], "in_progress");
    // The room waits for the review.
    let before = state(app);
    let waiting = app
        .post_json(
            &format!("/api/v1/tenders/{tender}/evaluation/room"),
            Some(tenderer),
            &json!({}),
        )
        .await
        .assert_problem(409, "conflict");
    assert!(
        waiting["detail"]
            .as_str()
            .unwrap()
            .contains("qualification review is not concluded"),
        "{waiting}"
    );
    // Who may not record a finding.
    for (who, token) in [
        ("a bidder", fourth.as_str()),
        ("another tenderer", stranger.as_str()),
        ("a supervisor", f.supervisor.as_str()),
    ] {
        let refused = app
            .post_json(&findings(tender), Some(token), &good(&bids[0].0))
            .await;
        assert_eq!(refused.status, 403, "{who}: {}", refused.json());
        assert_eq!(refused.json()["code"], "forbidden", "{who}");
        app.post_json(&conclusion(tender), Some(token), &json!({}))
            .await
            .assert_problem(403, "forbidden");
    }
    app.post_json(&findings(tender), None, &good(&bids[0].0))
        .await
        .assert_problem(401, "unauthenticated");
    // Bad findings.
    for (body, field) in [
        (
            json!({"bid_id": excluded, "qualified": false, "document": "资质证书"}),
            "reason",
        ),
        (
            json!({"bid_id": excluded, "qualified": false, "reason": "  ", "document": "资质证书"}),
            "reason",
        ),
        (
            json!({"bid_id": excluded, "qualified": false, "reason": "过期\u{0007}",
                   "document": "资质证书"}),
            "reason",
        ),
        (
            json!({"bid_id": excluded, "qualified": true, "document": ""}),
            "document",
        ),
        (
            json!({"bid_id": "not-a-bid", "qualified": true, "document": "营业执照"}),
            "bid_id",
        ),
        (
            json!({"bid_id": uuid::Uuid::new_v4().to_string(), "qualified": true,
                   "document": "营业执照"}),
            "bid_id",
        ),
    ] {
        let problem = app
            .post_json(&findings(tender), Some(tenderer), &body)
            .await
            .assert_problem(422, "validation-failed");
        assert_eq!(problem["errors"][0]["field"], field, "{body}: {problem:#}");
    }
    for body in [
        json!({"bid_id": excluded, "qualified": "no", "document": "资质证书"}),
        json!({"bid_id": excluded, "qualified": true, "document": "资质证书", "score": 1}),
    ] {
        app.post_json(&findings(tender), Some(tenderer), &body)
            .await
            .assert_problem(422, "validation-failed");
    }
    // Concluding with bids not yet reviewed.
    let pending = app
        .post_json(&conclusion(tender), Some(tenderer), &json!({}))
        .await
        .assert_problem(409, "conflict");
    assert!(
        pending["detail"]
            .as_str()
            .unwrap()
            .contains("4 of 4 valid bids"),
        "{pending}"
    );
    assert_eq!(state(app), before, "refusals change nothing");

    // The findings: three qualified, the fourth not.
    for (bid, _) in bids.iter().filter(|(b, _)| *b != excluded) {
        app.post_json(&findings(tender), Some(tenderer), &good(bid))
            .await
            .assert_status(201);
    }
    let before = state(app);
    app.post_json(&findings(tender), Some(tenderer), &good(&bids[0].0))
        .await
        .assert_problem(409, "conflict");
    assert_eq!(state(app), before, "a finding is recorded once");
    app.post_json(
        &findings(tender),
        Some(tenderer),
        &json!({"bid_id": excluded, "qualified": false, "reason": "资质证书已过期",
                "document": "资质证书"}),
    )
    .await
    .assert_status(201);

    // Who reads what before the result: the organiser and the supervisor
    // everything; a bidder its own finding; others nothing.
    for token in [tenderer, f.supervisor.as_str(), r.platform.as_str()] {
        let all = app.get(&review(tender), Some(token)).await;
        all.assert_status(200);
        let all = all.json();
        assert_eq!(all["status"], "in_progress");
        assert_eq!(all["findings"].as_array().unwrap().len(), 4, "{all:#}");
        assert_eq!(all["pending"], json!([]));
        assert!(all["findings"][0]["reviewed_by"].is_string(), "{all:#}");
    }
    let own = app.get(&review(tender), Some(&fourth)).await.json();
    let lines = own["findings"].as_array().unwrap();
    assert_eq!(lines.len(), 1, "{own:#}");
    assert_eq!(lines[0]["bidder_name"], excluded_name.as_str());
    assert_eq!(lines[0]["qualified"], false);
    assert_eq!(lines[0]["reason"], "资质证书已过期");
    assert!(lines[0]["reviewed_by"].is_null());
    let own = app.get(&review(tender), Some(&builder)).await.json();
    assert_eq!(own["findings"].as_array().unwrap().len(), 1);
    assert_eq!(own["findings"][0]["qualified"], true);
    app.get(&review(tender), Some(&stranger))
        .await
        .assert_problem(403, "forbidden");
    app.get(&review(tender), None)
        .await
        .assert_problem(401, "unauthenticated");

    // Concluded: three qualified, the procedure goes on.
    let concluded = app
        .post_json(&conclusion(tender), Some(tenderer), &json!({}))
        .await;
    concluded.assert_status(200);
    let view = concluded.json();
    assert_eq!(view["status"], "passed", "{view:#}");
    assert_eq!(view["qualified"], 3);
    let after = detail().await;
    assert_eq!(after["status"], "evaluating");
    assert_eq!(after["qualification_review"], "passed", "{after:#}");
    // After the conclusion, nothing more is recorded or concluded.
    let before = state(app);
    app.post_json(&findings(tender), Some(tenderer), &good(&excluded))
        .await
        .assert_problem(409, "conflict");
    app.post_json(&conclusion(tender), Some(tenderer), &json!({}))
        .await
        .assert_problem(409, "conflict");
    assert_eq!(state(app), before);

    // The room opens with the three qualified bids only.
    let room = app
        .post_json(
            &format!("/api/v1/tenders/{tender}/evaluation/room"),
            Some(tenderer),
            &json!({}),
        )
        .await;
    room.assert_status(201);
    let opened = room.json();
    let in_room: Vec<&str> = opened["payload"]["bids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["bidder"].as_str().unwrap())
        .collect();
    assert_eq!(in_room.len(), 3, "{opened:#}");
    assert!(!in_room.contains(&excluded_name.as_str()), "{in_room:?}");
}

#[actix_web::test]
async fn other_procedures_have_no_purchasers_review() {
    let app = crate::helpers::spawn_app().await;
    app.leagues();
    let tenderer = app.user("采购科", Role::Tenderer, "NNG", "南宁市教育局");
    for (category, method) in [
        ("engineering_construction", "open_tendering"),
        ("government_procurement", "competitive_negotiation"),
        ("government_procurement", "single_source"),
        ("land_mining_rights", "listing"),
    ] {
        let mut body = app.tender_body("不由采购人资格审查的项目");
        body["category"] = json!(category);
        body["method"] = json!(method);
        // Each method's own evaluation (tenders::rules).
        body["evaluation"] = match method {
            "open_tendering" => body["evaluation"].clone(),
            "listing" => json!({"method": "highest_price"}),
            _ => json!({"method": "lowest_price"}),
        };
        let reply = app
            .post_json("/api/v1/tenders", Some(&tenderer), &body)
            .await;
        reply.assert_status(201);
        let id = reply.json()["id"].as_str().unwrap().to_string();
        app.act(&tenderer, &id, "publish", "")
            .await
            .assert_status(200);
        let before = state(&app);
        let finding = json!({"bid_id": uuid::Uuid::new_v4().to_string(), "qualified": true,
                             "document": "营业执照"});
        let refused = app
            .post_json(&findings(&id), Some(&tenderer), &finding)
            .await
            .assert_problem(409, "conflict");
        let detail = refused["detail"].as_str().unwrap();
        assert!(
            detail.contains("committee") || detail.contains("registration"),
            "{category} {method}: {detail}"
        );
        app.post_json(&conclusion(&id), Some(&tenderer), &json!({}))
            .await
            .assert_problem(409, "conflict");
        app.get(&review(&id), Some(&tenderer))
            .await
            .assert_problem(409, "conflict");
        assert_eq!(state(&app), before, "{category} {method}");
        let detail = app.get(&format!("/api/v1/tenders/{id}"), None).await.json();
        assert!(
            detail.get("qualification_review").is_none(),
            "{category} {method}: {detail:#}"
        );
    }
}
