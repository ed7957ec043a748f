//! Results from the committee's signed report, by category (issue 22),
//! through the real server and room sockets: a construction tender's
//! candidates publicised from the report (never typed) within 3 days of it
//! and awarded to the first after the publicity; a procurement tender
//! awarded from the evaluation without publicity, to the second candidate
//! with a reason, or to the first by the platform when the purchaser lets
//! 5 working days pass; each losing bidder reads its own rank and score
//! only, and nothing before the result; a land award refused without the
//! organiser's signed price record (or with a bidder's), and kept with it;
//! a procurement tender of two lots awarded lot by lot; the award
//! releases' `awards[]`, valid OCDS.

use crate::bids::sign_in;
use crate::helpers::{Options, TestApp};
use crate::rooms::{Fixture, close, elect, evaluation_started_with, open_room, score, sign_all};
use crate::trust::Registry;
use serde_json::{Value, json};

/// A tender as `edit` makes it, evaluated by its committee (equal marks
/// wherever scored, so the price decides: 广西第二建设 at 90 万 first,
/// 广西第三建设 at 95 万 second, 广西测试建设 at 100 万 third) and its report
/// signed by every member. Returns the fixture and the signed report's
/// view (`report`, `sha256`, …).
pub async fn signed_report_with(r: &Registry, edit: impl FnOnce(&mut Value)) -> (Fixture, Value) {
    signed_report_of(r, edit, &crate::bids::three_schedules()).await
}

/// [`signed_report_with`] with the bids' schedules given (a room that
/// evaluates per lot scores each lot).
pub async fn signed_report_of(
    r: &Registry,
    edit: impl FnOnce(&mut Value),
    schedules: &[Value],
) -> (Fixture, Value) {
    let f = evaluation_started_with(r, edit, schedules).await;
    let signed = sign_report(r, &f).await;
    (f, signed)
}

/// The committee of `f` evaluates in its room (equal marks wherever
/// scored, so the price decides) and every member signs the report;
/// returns the signed report's view.
pub async fn sign_report(r: &Registry, f: &Fixture) -> Value {
    let (mut clients, _) = open_room(r, f, json!({"blind_technical": false})).await;
    let opened = &clients[0].events[0]["payload"];
    let rounds: Vec<String> = opened["rounds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap().to_string())
        .collect();
    let lots: Vec<Option<u64>> = if opened["per_lot"] == true {
        opened["lots"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["lot"].as_u64())
            .collect()
    } else {
        vec![None]
    };
    let labels = clients[0].bid_labels();
    let chair = 1;
    elect(&mut clients, f, chair).await;
    for round in &rounds {
        // The helpers' draft scores "tech" (technical) and "biz" (commercial).
        let criterion = match round.as_str() {
            "technical" => Some(("tech", 35.0)),
            "commercial" => Some(("biz", 15.0)),
            _ => None,
        };
        if let Some((criterion, points)) = criterion {
            for c in clients.iter_mut() {
                for label in &labels {
                    for lot in &lots {
                        let mut action = score(label, criterion, points);
                        if let Some(lot) = lot {
                            action["lot"] = json!(lot);
                        }
                        c.ok(action).await;
                    }
                }
            }
        }
        close(&mut clients, chair, 1).await;
    }
    sign_all(r, f, &mut clients).await;
    r.app
        .get(
            &format!("/api/v1/tenders/{}/evaluation/report", f.tender),
            Some(&f.tenderer),
        )
        .await
        .json()
}

pub fn construction(b: &mut Value) {
    b["category"] = json!("engineering_construction");
    b["lots"] = json!([]);
    b["evaluation"] = json!({"method": "lowest_evaluated_price"});
    b["terms"] = json!({"subject": "works", "bid_validity_days": 90});
}

/// The report's candidates of its only lot: (rank, bid id, bidder).
pub fn candidates(view: &Value) -> Vec<(u64, String, String)> {
    view["report"]["lots"][0]["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["rank"].as_u64().unwrap(),
                c["bid_id"].as_str().unwrap().to_string(),
                c["bidder"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

pub async fn award(app: &TestApp, token: &str, tender: &str, body: Value) -> crate::helpers::Reply {
    let mut body = body;
    body["action"] = json!("award");
    app.post_json(
        &format!("/api/v1/tenders/{tender}/transitions"),
        Some(token),
        &body,
    )
    .await
}

pub fn notice_body(detail: &Value, kind: &str) -> String {
    detail["notices"]
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .find(|n| n["kind"] == kind)
        .unwrap_or_else(|| panic!("no {kind} notice: {detail}"))["body"]
        .as_str()
        .unwrap()
        .to_string()
}

/// The words of the body the platform wrote in the last `kind` notice of
/// `detail` (`tenders::notice_words`): its key and params.
pub fn notice_words(detail: &Value, kind: &str) -> Value {
    detail["notices"]
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .find(|n| n["kind"] == kind)
        .unwrap_or_else(|| panic!("no {kind} notice: {detail}"))["words"]["body"]
        .clone()
}

/// The award release of `tender` in its release package (the package
/// validated against the OCDS schema with its extensions, and the record).
async fn award_release(app: &TestApp, tender: &str) -> Value {
    let package = app
        .get(&format!("/api/v1/opendata/tenders/{tender}/releases"), None)
        .await;
    package.assert_status(200);
    crate::opendata::assert_valid("release-package-schema.json", &package.json());
    let record = app
        .get(&format!("/api/v1/opendata/tenders/{tender}/record"), None)
        .await;
    record.assert_status(200);
    crate::opendata::assert_valid("record-package-schema.json", &record.json());
    package.json()["releases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["tag"] == json!(["award"]))
        .cloned()
        .unwrap_or_else(|| panic!("no award release: {}", package.json()))
}

pub async fn own_result(app: &TestApp, token: &str, tender: &str) -> crate::helpers::Reply {
    app.get(
        &format!("/api/v1/tenders/{tender}/result/mine"),
        Some(token),
    )
    .await
}

#[actix_web::test]
async fn construction_publicises_the_reports_candidates_and_awards_the_first() {
    let r = Registry::with(Options::default()).await;
    let (f, view) = signed_report_with(&r, construction).await;
    let (app, tender) = (&r.app, f.tender.clone());
    let listed = candidates(&view);
    let names: Vec<&str> = listed.iter().map(|c| c.2.as_str()).collect();
    assert_eq!(
        names,
        [
            "广西第二建设有限公司",
            "广西第三建设有限公司",
            "广西测试建设有限公司"
        ],
        "{view}"
    );
    // Construction goes through the publicity: no award straight away.
    award(app, &f.tenderer, &tender, json!({}))
        .await
        .assert_problem(409, "illegal-transition");
    // Before the result nobody reads its own score.
    let third = sign_in(&r, &r.nng, "third").await;
    own_result(app, &third, &tender)
        .await
        .assert_refusal(409, "conflict", "result.not-decided");

    // --- The publicity: the report's candidates, generated, with the
    // content the rules ask for.
    let published = app
        .act(&f.tenderer, &tender, "publicise_candidates", "")
        .await;
    published.assert_status(200);
    let body = notice_body(&published.json(), "candidates");
    let at = |s: &str| body.find(s).unwrap_or_else(|| panic!("{s}: {body}"));
    assert!(at("第1中标候选人：广西第二建设有限公司") < at("第2中标候选人：广西第三建设有限公司"));
    assert!(at("第2中标候选人") < at("第3中标候选人：广西测试建设有限公司"));
    for part in [
        "投标报价 900000.00 元",
        "工期（交货期）90 日",
        "质保期: 3 年",
        view["sha256"].as_str().unwrap(),
        "异议",
        "第54条",
    ] {
        assert!(body.contains(part), "{part}: {body}");
    }
    // The same publicity in words, for a reader of another language.
    let words = notice_words(&published.json(), "candidates");
    assert_eq!(words["key"], "publicity", "{words}");
    let p = &words["params"];
    assert_eq!(p["report_sha256"], view["sha256"]);
    assert_eq!(p["days"], 3);
    let first = &p["lots"][0]["candidates"][0];
    assert_eq!(first["rank"], 1, "{words}");
    assert_eq!(first["bidder"], "广西第二建设有限公司");
    assert_eq!(first["price"], "900000.00");
    assert_eq!(first["days"], 90);
    assert!(
        first["terms"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t == "质保期: 3 年"),
        "{words}"
    );
    assert_eq!(
        p["lots"][0]["candidates"][2]["bidder"],
        "广西测试建设有限公司"
    );
    own_result(app, &third, &tender)
        .await
        .assert_problem(409, "conflict");

    // --- The award: after the publicity period; a bid typed that is not
    // the report's candidate is refused, whatever the reason.
    let params = award(app, &f.tenderer, &tender, json!({}))
        .await
        .assert_refusal(422, "time-limit", "tender.publicity-running");
    // The publicity runs 3 days from now, to the second.
    let until: chrono::DateTime<chrono::Utc> = params["until"].as_str().unwrap().parse().unwrap();
    assert!(
        (until - app.now() - chrono::Duration::days(3))
            .num_seconds()
            .abs()
            <= 5,
        "{params}"
    );
    app.clock
        .advance(chrono::Duration::days(3) + chrono::Duration::seconds(1));
    let typed_bid = uuid::Uuid::new_v4().to_string();
    let reply = award(
        app,
        &f.tenderer,
        &tender,
        json!({"winner_bid_id": typed_bid, "reason": "我们更喜欢它"}),
    )
    .await;
    let typed = reply.assert_problem(422, "validation-failed");
    assert_eq!(
        reply.assert_rule("award.not-candidate"),
        ("winner_bid_id".to_string(), json!({ "bid": typed_bid }))
    );
    assert_eq!(typed["errors"][0]["field"], "winner_bid_id");
    assert!(
        typed["detail"]
            .as_str()
            .unwrap()
            .contains("not a candidate"),
        "{typed}"
    );
    // The second without a reason: 第55条.
    let reply = award(
        app,
        &f.tenderer,
        &tender,
        json!({"winner_bid_id": listed[1].1}),
    )
    .await;
    let second = reply.assert_problem(422, "validation-failed");
    assert_eq!(
        reply.assert_rule("award.reason-not-first"),
        ("reason".to_string(), json!({ "rank": 2 }))
    );
    assert!(
        second["detail"].as_str().unwrap().contains("第55条"),
        "{second}"
    );
    let awarded = award(app, &f.tenderer, &tender, json!({})).await;
    awarded.assert_status(200);
    assert_eq!(awarded.json()["status"], "awarded");
    let body = notice_body(&awarded.json(), "award");
    assert!(
        body.contains(
            "本项目：中标人 广西第二建设有限公司，中标价 900000.00 元（评标报告排名第1）"
        ),
        "{body}"
    );
    let words = notice_words(&awarded.json(), "award");
    assert_eq!(words["key"], "award", "{words}");
    assert_eq!(
        words["params"]["lots"],
        json!([{"lot": 0, "winner": "广西第二建设有限公司", "value": "900000.00", "rank": 1}])
    );

    // --- Open data: the award release.
    let release = award_release(app, &tender).await;
    let awards = release["awards"].as_array().unwrap();
    assert_eq!(awards.len(), 1, "{release}");
    assert_eq!(awards[0]["status"], "active");
    assert_eq!(
        awards[0]["value"],
        json!({"amount": 900000.0, "currency": "CNY"})
    );
    assert_eq!(awards[0]["suppliers"][0]["name"], "广西第二建设有限公司");
    assert!(awards[0].get("relatedLots").is_none());

    // --- Each bidder reads its own result, and only its own (signed in
    // again three days on).
    let third = sign_in(&r, &r.nng, "third").await;
    let mine = own_result(app, &third, &tender).await;
    mine.assert_status(200);
    let mine = mine.json();
    assert_eq!(mine["bids"].as_array().unwrap().len(), 1, "{mine}");
    let lot = &mine["bids"][0]["lots"][0];
    assert_eq!(lot["rank"], 2, "{mine}");
    assert_eq!(lot["price_fen"], 95_000_000);
    assert_eq!(lot["awarded"], false);
    let text = mine.to_string();
    for other in [&listed[0].1, &listed[2].1] {
        assert!(!text.contains(other.as_str()), "{text}");
    }
    assert!(
        !text.contains("90000000") && !text.contains("广西"),
        "{text}"
    );
    let winner = sign_in(&r, &r.nng, "second").await;
    let won = own_result(app, &winner, &tender).await.json();
    assert_eq!(won["bids"][0]["lots"][0]["awarded"], true, "{won}");
    // Who has no opened bid reads nothing; the tenderer is no bidder.
    let outsider = app.user(
        "旁观企业",
        ggzy::identity::Role::Bidder,
        "NNG",
        "未投标公司",
    );
    own_result(app, &outsider, &tender).await.assert_refusal(
        403,
        "forbidden",
        "result.no-opened-bid",
    );
    own_result(app, &f.tenderer, &tender)
        .await
        .assert_problem(403, "forbidden");
    app.get(&format!("/api/v1/tenders/{tender}/result/mine"), None)
        .await
        .assert_problem(401, "unauthenticated");
}

#[actix_web::test]
async fn construction_candidates_publicised_later_than_3_days_after_the_report_are_refused() {
    let r = Registry::with(Options::default()).await;
    let (f, _) = signed_report_with(&r, construction).await;
    let app = &r.app;
    app.clock.advance(chrono::Duration::days(4));
    let late = app
        .act(&f.tenderer, &f.tender, "publicise_candidates", "")
        .await
        .assert_problem(422, "time-limit");
    assert!(
        late["detail"].as_str().unwrap().contains("第54条"),
        "{late}"
    );
}

#[actix_web::test]
async fn procurement_awards_from_the_report_without_publicity_and_the_second_needs_a_reason() {
    let r = Registry::with(Options::default()).await;
    let (f, view) = signed_report_with(&r, |_| {}).await;
    let (app, tender) = (&r.app, f.tender.clone());
    let listed = candidates(&view);
    // No candidate publicity in government procurement.
    app.act(&f.tenderer, &tender, "publicise_candidates", "")
        .await
        .assert_problem(409, "illegal-transition");
    let refused = award(
        app,
        &f.tenderer,
        &tender,
        json!({"winner_bid_id": listed[1].1}),
    )
    .await
    .assert_problem(422, "validation-failed");
    assert_eq!(refused["errors"][0]["field"], "reason");
    assert!(
        refused["detail"].as_str().unwrap().contains("第68条"),
        "{refused}"
    );
    let awarded = award(
        app,
        &f.tenderer,
        &tender,
        json!({"winner_bid_id": listed[1].1, "reason": "排名第一的中标候选人放弃中标"}),
    )
    .await;
    awarded.assert_status(200);
    let detail = awarded.json();
    assert_eq!(detail["status"], "awarded");
    let body = notice_body(&detail, "award");
    assert!(
        body.contains("中标人 广西第三建设有限公司，中标价 950000.00 元（评标报告排名第2）"),
        "{body}"
    );
    assert!(body.contains("排名第一的中标候选人放弃中标"), "{body}");
    assert!(body.contains("评审专家名单"), "{body}");
    // In words: the winner, its rank, the reason and the committee.
    let words = notice_words(&detail, "award");
    assert_eq!(words["key"], "award", "{words}");
    assert_eq!(words["params"]["lots"][0]["winner"], "广西第三建设有限公司");
    assert_eq!(words["params"]["lots"][0]["rank"], 2);
    assert_eq!(words["params"]["reason"], "排名第一的中标候选人放弃中标");
    let experts = words["params"]["experts"].as_array().unwrap();
    assert!(!experts.is_empty(), "{words}");
    assert!(
        experts.iter().all(|e| body.contains(e.as_str().unwrap())),
        "{words}"
    );
    // The winner's own result; the first candidate reads it lost.
    let third = sign_in(&r, &r.nng, "third").await;
    let won = own_result(app, &third, &tender).await.json();
    assert_eq!(won["bids"][0]["lots"][0]["awarded"], true, "{won}");
    assert_eq!(won["bids"][0]["lots"][0]["rank"], 2, "{won}");
    let second = sign_in(&r, &r.nng, "second").await;
    let lost = own_result(app, &second, &tender).await.json();
    assert_eq!(lost["bids"][0]["lots"][0]["rank"], 1, "{lost}");
    assert_eq!(lost["bids"][0]["lots"][0]["awarded"], false, "{lost}");
    // The notices: award to the winner, result to the others.
    assert_eq!(app.inbox_of(&third, "award_notice").await.len(), 1);
    assert_eq!(app.inbox_of(&second, "result_notice").await.len(), 1);
}

#[actix_web::test]
async fn procurement_the_first_candidate_stands_after_5_working_days_without_confirmation() {
    let r = Registry::with(Options::default()).await;
    let (f, view) = signed_report_with(&r, |_| {}).await;
    let (app, tender) = (&r.app, f.tender.clone());
    let listed = candidates(&view);
    // Four calendar days on, the purchaser still has time: nothing happens.
    app.clock.advance(chrono::Duration::days(4));
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    let t = app
        .get(&format!("/api/v1/tenders/{tender}"), None)
        .await
        .json();
    assert_eq!(t["status"], "evaluating", "{t}");
    // Past 5 working days (at most 9 calendar days without a holiday).
    app.clock.advance(chrono::Duration::days(12));
    let mut t = Value::Null;
    for _ in 0..50 {
        t = app
            .get(&format!("/api/v1/tenders/{tender}"), None)
            .await
            .json();
        if t["status"] == "awarded" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert_eq!(t["status"], "awarded", "{t}");
    let body = notice_body(&t, "award");
    assert!(body.contains("第六十八条"), "{body}");
    assert!(body.contains("中标人 广西第二建设有限公司"), "{body}");
    // The platform's act on the record.
    let events = app
        .get(
            &format!("/api/v1/audit/events?tender_id={tender}&action=tender.award"),
            Some(&r.operator),
        )
        .await
        .json();
    assert_eq!(events["total"], 1, "{events}");
    assert_eq!(events["items"][0]["actor_id"], Value::Null, "{events}");
    // The notice of award and two result notices, signed and kept.
    assert_eq!(app.count("procedure_documents"), 3);
    assert_eq!(app.count("awards"), 1);
    // Too late now for anyone to award again.
    award(
        app,
        &f.tenderer,
        &tender,
        json!({"winner_bid_id": listed[1].1, "reason": "x"}),
    )
    .await
    .assert_problem(409, "illegal-transition");
}

#[actix_web::test]
async fn a_land_award_without_its_signed_price_record_is_refused() {
    let r = Registry::with(Options::default()).await;
    let app = &r.app;
    let land = app.user(
        "土地储备中心",
        ggzy::identity::Role::Tenderer,
        "NNG",
        "南宁市土地储备中心",
    );
    let mut body = app.tender_body("某地块国有建设用地使用权挂牌出让");
    body["category"] = json!("land_mining_rights");
    body["method"] = json!("listing");
    body["evaluation"] = json!({"method": "highest_price"});
    let created = app.post_json("/api/v1/tenders", Some(&land), &body).await;
    created.assert_status(201);
    let id = created.json()["id"].as_str().unwrap().to_string();
    app.act(&land, &id, "publish", "").await.assert_status(200);
    app.clock
        .advance(chrono::Duration::days(25) + chrono::Duration::seconds(1));
    app.act(&land, &id, "start_opening", "")
        .await
        .assert_status(200);
    app.act(&land, &id, "start_evaluation", "")
        .await
        .assert_status(200);
    let refused = award(app, &land, &id, json!({"reason": "挂牌成交"}))
        .await
        .assert_problem(422, "validation-failed");
    assert_eq!(refused["errors"][0]["field"], "price_record", "{refused}");
    // A record that is no signature is refused too.
    let refused = award(
        app,
        &land,
        &id,
        json!({"reason": "挂牌成交", "price_record": "bm90IGEgc2lnbmF0dXJl"}),
    )
    .await
    .assert_problem(422, "validation-failed");
    assert_eq!(refused["errors"][0]["field"], "price_record", "{refused}");
    let t = app.get(&format!("/api/v1/tenders/{id}"), None).await.json();
    assert_eq!(t["status"], "evaluating");
}

#[actix_web::test]
async fn procurement_of_two_lots_awards_each_lot_from_its_own_candidates() {
    let r = Registry::with(Options::default()).await;
    // Lot 1: 广西第二建设 cheapest; lot 2: 广西测试建设 cheapest.
    let schedules: Vec<Value> = (0..3)
        .map(|i: i64| {
            let (one, two) = (90_000_000 + i * 1_000_000, 40_000_000 - i * 1_000_000);
            json!({"total_price_fen": one + two, "duration_days": 90, "key_terms": {"质保期": "3 年"},
                   "lots": [{"lot": 1, "price_fen": one}, {"lot": 2, "price_fen": two}]})
        })
        .collect();
    let (f, view) = signed_report_of(&r, |_| {}, &schedules).await;
    let (app, tender) = (&r.app, f.tender.clone());
    let lot_candidates = |n: usize| -> Vec<(String, String)> {
        view["report"]["lots"][n]["candidates"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                (
                    c["bid_id"].as_str().unwrap().to_string(),
                    c["bidder"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    let (one, two) = (lot_candidates(0), lot_candidates(1));
    assert_eq!(one[0].1, "广西第二建设有限公司", "{view}");
    assert_eq!(two[0].1, "广西测试建设有限公司", "{view}");
    // One winner for a report of two lots is ambiguous; a lot the report
    // does not have is refused; a lot's candidate must be that lot's.
    award(
        app,
        &f.tenderer,
        &tender,
        json!({"winner_bid_id": one[0].0}),
    )
    .await
    .assert_problem(422, "validation-failed");
    let refused = award(
        app,
        &f.tenderer,
        &tender,
        json!({"lots": [{"lot": 3, "winner_bid_id": one[0].0}]}),
    )
    .await
    .assert_problem(422, "validation-failed");
    assert_eq!(refused["errors"][0]["field"], "lots[0].lot");
    // Lot 2 to its second candidate, with a reason; lot 1 by default.
    let awarded = award(
        app,
        &f.tenderer,
        &tender,
        json!({"lots": [{"lot": 2, "winner_bid_id": two[1].0, "reason": "第一名无法履约"}]}),
    )
    .await;
    awarded.assert_status(200);
    let body = notice_body(&awarded.json(), "award");
    assert!(
        body.contains(
            "第1标段：中标人 广西第二建设有限公司，中标价 900000.00 元（评标报告排名第1）"
        ),
        "{body}"
    );
    assert!(
        body.contains(&format!(
            "第2标段：中标人 {}，中标价 390000.00 元（评标报告排名第2）；理由：第一名无法履约",
            two[1].1
        )),
        "{body}"
    );
    let release = award_release(app, &tender).await;
    let awards = release["awards"].as_array().unwrap();
    assert_eq!(awards.len(), 2, "{release}");
    assert_eq!(awards[0]["relatedLots"], json!(["1"]));
    assert_eq!(awards[1]["relatedLots"], json!(["2"]));
    assert_eq!(awards[1]["value"]["amount"], json!(390000.0));
    assert_eq!(app.count("awards"), 2);
    // Each of the two winners has its notice of award; the third bidder
    // its result notice.
    assert_eq!(app.count("procedure_documents"), 3);
    let second = sign_in(&r, &r.nng, "second").await;
    let mine = own_result(app, &second, &tender).await.json();
    let lots = mine["bids"][0]["lots"].as_array().unwrap();
    assert_eq!(lots.len(), 2, "{mine}");
    assert_eq!(
        (lots[0]["lot"].as_u64(), lots[0]["awarded"].as_bool()),
        (Some(1), Some(true))
    );
    assert_eq!(lots[1]["awarded"], false, "{mine}");
}

#[actix_web::test]
async fn a_land_award_keeps_the_organisers_signed_price_record() {
    use diesel::prelude::*;
    use ggzy::db::schema::{bids, organisations};
    let r = Registry::with(Options::default()).await;
    let app = &r.app;
    let dir = tempfile::tempdir().unwrap();
    let (tenderer, tender, opening) =
        crate::bids::tender_with_opening_cert_from(&r, dir.path(), |b| {
            b["category"] = json!("land_mining_rights");
            b["method"] = json!("listing");
            b["evaluation"] = json!({"method": "highest_price"});
        })
        .await;
    // The tenderer is an enterprise with a certificate of the league.
    let code = crate::trust::credit("12450100MB0000001");
    r.nng.enterprise("landorg", "南宁市教育局", &code);
    let set = code.clone();
    app.db
        .write_blocking(move |conn| {
            diesel::update(organisations::table.filter(organisations::name.eq("南宁市教育局")))
                .set(organisations::credit_code.eq(Some(set)))
                .execute(conn)?;
            Ok(())
        })
        .unwrap();
    crate::bids::valid_bids(&r, &tender, &opening, &crate::bids::three_schedules()).await;
    let deadline = crate::bids::bid_deadline(&r, &tender).await;
    app.clock.advance(deadline - app.now());
    app.act(&tenderer, &tender, "start_opening", "")
        .await
        .assert_status(200);
    app.clock.advance(chrono::Duration::seconds(1));
    crate::bids::release_tenderer_share(&r, dir.path(), &tenderer, &tender).await;
    crate::bids::release_platform_share(&r, &tender).await;
    crate::bids::wait_for_opening(&r, &tender).await;
    app.act(&tenderer, &tender, "start_evaluation", "")
        .await
        .assert_status(200);
    let t = tender.clone();
    let bid: String = app
        .db
        .read_blocking(move |conn| {
            Ok(bids::table
                .filter(bids::tender_id.eq(t))
                .select(bids::id)
                .order(bids::id.asc())
                .first(conn)?)
        })
        .unwrap();
    // Signed by a bidder, not the organiser: refused.
    let by_bidder = r
        .nng
        .sign_cms("second", "挂牌成交记录：最高报价 100 万元", false);
    let refused = award(
        app,
        &tenderer,
        &tender,
        json!({"winner_bid_id": bid, "reason": "挂牌成交", "price_record": by_bidder}),
    )
    .await
    .assert_problem(422, "validation-failed");
    assert_eq!(refused["errors"][0]["field"], "price_record", "{refused}");
    // The organiser's: kept, and the award made.
    let record = r
        .nng
        .sign_cms("landorg", "挂牌成交记录：最高报价 100 万元", false);
    let awarded = award(
        app,
        &tenderer,
        &tender,
        json!({"winner_bid_id": bid, "reason": "挂牌成交", "price_record": record}),
    )
    .await;
    awarded.assert_status(200);
    let listed = app
        .get(
            &format!("/api/v1/tenders/{tender}/result-notices"),
            Some(&tenderer),
        )
        .await
        .json();
    let kinds: Vec<&str> = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["kind"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"price_record"), "{listed}");
    assert_eq!(app.count("awards"), 1);
}
