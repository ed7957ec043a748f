//! Whole procedures of issue 22, each from the tender's publication to a
//! signed, published contract, through the real server, room sockets and
//! openssl signatures, over a holiday: a week whose Friday is a public
//! holiday (as New Year's Day 2027), on a calendar the test loads:
//!
//! - construction (招标投标法): a documents objection holding the opening
//!   until answered within its 3 days; the report's candidates publicised;
//!   a result objection during the publicity holding the award; escalated
//!   as a complaint to the supervisor in scope, accepted within 3 working
//!   days across the holiday, the procedure suspended and resumed, decided and
//!   published; the award of rank 1; the contract signed by both parties
//!   and published; the compiled OCDS record valid with awards and
//!   contracts;
//! - government procurement (政府采购法): the purchaser confirming rank 1
//!   within 5 working days of the report, the award notice naming the
//!   committee, a 质疑 on the result answered within 7 working days and its
//!   window of 7 working days after the notice's day, both across the
//!   holiday; the contract held while the 质疑 awaits its answer and while
//!   the complaint that followed suspends the procurement; each losing
//!   bidder reading its own rank only; the contract signed, its
//!   2-working-day publication clock, published.
//!
//! The dates are counted in Beijing time from that week's Monday, the bid
//! deadline (`TestApp::holiday_week`: at least 22 days after the day the
//! test runs), and each clock the server computes is checked against the
//! calendar by hand: day 0 is Monday, day 4 the holiday, days 5 and 6 the
//! weekend, day 7 the next Monday.

use crate::bids::sign_in;
use crate::contracts::{SUPPLIER, purchaser_ready, signed_by_both};
use crate::helpers::{Reply, TestApp, holiday_week_at as bj, holiday_week_end as end, move_to};
use crate::results::{award, candidates, construction, notice_body, own_result, sign_report};
use crate::rooms::{evaluation_from, submitted_with};
use crate::trust::Registry;
use chrono::{DateTime, Duration, NaiveDate, SecondsFormat, Utc};
use serde_json::{Value, json};

fn time(v: &Value) -> DateTime<Utc> {
    serde_json::from_value(v.clone()).unwrap_or_else(|_| panic!("not a time: {v}"))
}

/// The helpers' draft with its deadline at 09:00 Beijing time on the
/// holiday week's Monday (at least 20 days after the documents, 15 after
/// the clarifications).
fn pinned(monday: NaiveDate) -> impl FnOnce(&mut Value) {
    move |b| {
        b["dates"]["clarification_deadline"] = json!(bj(monday, -17, 9).to_rfc3339());
        b["dates"]["bid_deadline"] = json!(bj(monday, 0, 9).to_rfc3339());
    }
}

async fn object(app: &TestApp, token: &str, tender: &str, subject: &str, text: &str) -> Reply {
    app.post_json(
        &format!("/api/v1/tenders/{tender}/objections"),
        Some(token),
        &json!({ "subject": subject, "text": text }),
    )
    .await
}

async fn answer(app: &TestApp, token: &str, tender: &str, objection: &str) -> Reply {
    app.post_json(
        &format!("/api/v1/tenders/{tender}/objections/{objection}/answer"),
        Some(token),
        &json!({ "answer": "经核实，答复如下：维持原结论。" }),
    )
    .await
}

async fn complaint_step(
    app: &TestApp,
    token: &str,
    tender: &str,
    complaint: &str,
    step: &str,
    body: Value,
) -> Reply {
    app.post_json(
        &format!("/api/v1/tenders/{tender}/complaints/{complaint}/{step}"),
        Some(token),
        &body,
    )
    .await
}

/// `action` (with a reason where it needs one) refused with 409 `code`,
/// its detail naming each of `needles`.
async fn refused(
    app: &TestApp,
    token: &str,
    tender: &str,
    action: &str,
    code: &str,
    needles: &[&str],
) {
    let reason = if action == "fail" {
        "中标人放弃中标"
    } else {
        ""
    };
    let p = app
        .act(token, tender, action, reason)
        .await
        .assert_problem(409, code);
    let detail = p["detail"].as_str().unwrap();
    for n in needles {
        assert!(detail.contains(n), "{action}: {n} in {p}");
    }
}

/// The one award of the tender: (id, value in fen).
fn the_award(app: &TestApp, tender: &str) -> (String, i64) {
    let tender = tender.to_string();
    let awards = app
        .db
        .write_blocking(move |conn| ggzy::tenders::award::awards_of(conn, &tender))
        .unwrap();
    let [award] = awards.as_slice() else {
        panic!("one award: {awards:?}")
    };
    (award.id.clone(), award.value_fen)
}

/// The tenderer drafts the contract from the award; its value is the
/// award's, and another value is refused.
async fn drafted(
    app: &TestApp,
    tenderer: &str,
    tender: &str,
    award_id: &str,
    value: i64,
) -> String {
    let base = format!("/api/v1/tenders/{tender}/contracts");
    let terms = json!({
        "subject": "合同标的",
        "performance_period": {"start": "2027-03-01", "end": "2027-08-31"},
        "payment_terms": "按进度支付，验收合格后付至 95%",
        "place": "南宁市",
        "performance_bond_fen": value / 10,
        "clauses": ["质保期三年"]});
    let mut other = json!({"award_id": award_id, "terms": terms.clone()});
    other["terms"]["value_fen"] = json!(value - 100);
    app.post_json(&base, Some(tenderer), &other)
        .await
        .assert_problem(422, "validation-failed");
    let created = app
        .post_json(
            &base,
            Some(tenderer),
            &json!({"award_id": award_id, "terms": terms}),
        )
        .await;
    created.assert_status(201);
    let c = created.json();
    assert_eq!(c["value_fen"], value, "{c}");
    assert_eq!(c["supplier"]["name"], SUPPLIER, "{c}");
    format!("{base}/{}", c["id"].as_str().unwrap())
}

/// The compiled record of the tender, valid OCDS with the extensions:
/// its compiled release.
async fn compiled(app: &TestApp, tender: &str) -> Value {
    let package = app
        .get(&format!("/api/v1/opendata/tenders/{tender}/releases"), None)
        .await;
    package.assert_status(200);
    crate::opendata::assert_valid("release-package-schema.json", &package.json());
    let record = app
        .get(&format!("/api/v1/opendata/tenders/{tender}/record"), None)
        .await;
    record.assert_status(200);
    let record = record.json();
    crate::opendata::assert_valid("record-package-schema.json", &record);
    record["records"][0]["compiledRelease"].clone()
}

#[actix_web::test]
async fn construction_runs_from_a_documents_objection_through_a_suspending_complaint_to_a_published_contract()
 {
    let r = Registry::new().await;
    let app = &r.app;
    let d = app.holiday_week().await;
    purchaser_ready(&r).await;
    let s = submitted_with(
        &r,
        |b| {
            construction(b);
            pinned(d)(b);
        },
        &crate::bids::three_schedules(),
    )
    .await;
    let (tender, tenderer, supervisor) =
        (s.tender.clone(), s.tenderer.clone(), s.supervisor.clone());
    let third = sign_in(&r, &r.nng, "third").await;

    // --- The documents: an objection at least 10 days before the
    // deadline (条例 第22条), answered within 3 days; the opening waits.
    let raised = object(app, &third, &tender, "documents", "资格条件排斥潜在投标人").await;
    raised.assert_status(201);
    let raised = raised.json();
    let documents = raised["id"].as_str().unwrap().to_string();
    assert_eq!(raised["blocks"], "start_opening", "{raised}");
    // Three calendar days after the day it was raised, to 24:00 Beijing.
    let due = ggzy::calendar::end_of(
        ggzy::calendar::beijing_date(time(&raised["raised_at"])) + Duration::days(3),
    );
    assert_eq!(time(&raised["answer_due_at"]), due, "{raised}");
    let held = app
        .act(&tenderer, &tender, "start_opening", "")
        .await
        .assert_problem(409, "objection-pending");
    assert!(
        held["detail"].as_str().unwrap().contains(&documents),
        "{held}"
    );
    app.clock.advance(Duration::days(2));
    assert!(app.now() < due);
    answer(app, &tenderer, &tender, &documents)
        .await
        .assert_status(200);

    // --- Opening at the deadline, the committee's signed report.
    let f = evaluation_from(&r, s).await;
    let view = sign_report(&r, &f).await;
    let listed = candidates(&view);
    assert_eq!(listed.len(), 3, "{view}");
    assert_eq!(listed[0].2, SUPPLIER);

    // --- The publicity on Monday (day 0): exactly the report's
    // candidates, in its order.
    move_to(app, bj(d, 0, 10));
    let published = app
        .act(&tenderer, &tender, "publicise_candidates", "")
        .await;
    published.assert_status(200);
    let body = notice_body(&published.json(), "candidates");
    let named: Vec<String> = body
        .match_indices("中标候选人：")
        .map(|(i, m)| {
            body[i + m.len()..]
                .chars()
                .take_while(|c| !matches!(c, '，' | ',' | '；' | '\n' | ' ' | '（'))
                .collect()
        })
        .collect();
    let expected: Vec<String> = listed.iter().map(|c| c.2.clone()).collect();
    assert_eq!(named, expected, "{body}");
    for (rank, _, name) in &listed {
        assert!(
            body.contains(&format!("第{rank}中标候选人：{name}")),
            "{body}"
        );
    }

    // --- A result objection during the publicity (第54条), answered in 3
    // days: raised on Tuesday (day 1), due at the end of the holiday
    // (calendar days: the holiday does not count off).
    move_to(app, bj(d, 1, 9));
    let third = sign_in(&r, &r.nng, "third").await;
    let raised = object(app, &third, &tender, "result", "第一中标候选人业绩造假").await;
    raised.assert_status(201);
    let raised = raised.json();
    let result_objection = raised["id"].as_str().unwrap().to_string();
    assert_eq!(raised["blocks"], "award");
    assert_eq!(raised["answer_due_at"], end(d, 4), "{raised}");
    // Past the publicity the award still waits for the answer.
    move_to(app, bj(d, 3, 10) + Duration::minutes(1));
    let held = award(app, &tenderer, &tender, json!({}))
        .await
        .assert_problem(409, "objection-pending");
    assert!(
        held["detail"].as_str().unwrap().contains("第54条"),
        "{held}"
    );
    // Answered on Thursday (day 3), within its clock.
    answer(app, &tenderer, &tender, &result_objection)
        .await
        .assert_status(200);

    // --- Escalated as a complaint (第60条) to the administrative
    // supervisor of construction in NNG.
    move_to(app, bj(d, 3, 11));
    let third = sign_in(&r, &r.nng, "third").await;
    let filed = app
        .post_json(
            &format!("/api/v1/tenders/{tender}/objections/{result_objection}/complaint"),
            Some(&third),
            &json!({ "text": "对异议答复不满意，请求行政监督部门处理。" }),
        )
        .await;
    filed.assert_status(201);
    let complaint = filed.json();
    let cid = complaint["id"].as_str().unwrap().to_string();
    // Accepted or refused within 3 working days of receipt (第61条):
    // the holiday and the weekend off, days 7, 8 and 9.
    assert_eq!(complaint["accept_due_at"], end(d, 9), "{complaint}");
    // Another category's supervisor does not handle it.
    let procurement = app.supervisor(
        "财政监督",
        "administrative",
        Some("government_procurement"),
        Some("NNG"),
    );
    complaint_step(
        app,
        &procurement,
        &tender,
        &cid,
        "acceptance",
        json!({"accept": true}),
    )
    .await
    .assert_problem(403, "forbidden");
    let accepted = complaint_step(
        app,
        &supervisor,
        &tender,
        &cid,
        "acceptance",
        json!({"accept": true}),
    )
    .await;
    accepted.assert_status(200);
    assert_eq!(accepted.json()["status"], "accepted");
    assert!(accepted.json()["decide_due_at"].is_string());
    // Suspended: the award refused.
    complaint_step(
        app,
        &supervisor,
        &tender,
        &cid,
        "suspension",
        json!({"reason": "投诉处理期间暂停招标投标活动", "days": 10}),
    )
    .await
    .assert_status(200);
    award(app, &tenderer, &tender, json!({}))
        .await
        .assert_problem(409, "procedure-suspended");
    // Resumed, decided and published.
    complaint_step(
        app,
        &supervisor,
        &tender,
        &cid,
        "resumption",
        json!({"reason": "恢复招标投标活动"}),
    )
    .await
    .assert_status(200);
    let decided = complaint_step(
        app,
        &supervisor,
        &tender,
        &cid,
        "decision",
        json!({"decision": "投诉事项缺乏事实依据，驳回投诉。", "upheld": false}),
    )
    .await;
    decided.assert_status(200);
    let decided = decided.json();
    assert_eq!(decided["status"], "decided");
    let detail = app
        .get(&format!("/api/v1/tenders/{tender}"), None)
        .await
        .json();
    let notice = detail["notices"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["seq"] == decided["notice_seq"])
        .cloned()
        .unwrap_or_else(|| panic!("{detail}"));
    assert_eq!(notice["kind"], "complaint_decision");
    assert!(notice["body"].as_str().unwrap().contains("驳回投诉"));

    // --- The award of rank 1.
    let awarded = award(app, &tenderer, &tender, json!({})).await;
    awarded.assert_status(200);
    assert_eq!(awarded.json()["status"], "awarded");
    let body = notice_body(&awarded.json(), "award");
    assert!(body.contains(&format!("中标人 {SUPPLIER}")), "{body}");
    let (award_id, value) = the_award(app, &tender);
    assert_eq!(value, 90_000_000);
    // Awarded, the procedure does not close before its contract.
    refused(app, &tenderer, &tender, "close", "conflict", &["contract"]).await;

    // --- The contract from the award, signed by both, published.
    let supplier = sign_in(&r, &r.nng, "second").await;
    let url = drafted(app, &tenderer, &tender, &award_id, value).await;
    let signed = signed_by_both(&r, &url, &tenderer, &supplier).await;
    assert_eq!(signed["status"], "signed", "{signed}");
    // Signed, the contract is performed: the procedure no longer fails.
    refused(app, &tenderer, &tender, "fail", "conflict", &["signed"]).await;
    let published = app
        .post_json(&format!("{url}/publication"), Some(&tenderer), &json!({}))
        .await;
    published.assert_status(200);
    assert_eq!(published.json()["status"], "published");

    // --- The compiled record tells the whole story.
    let release = compiled(app, &tender).await;
    let awards = release["awards"].as_array().unwrap();
    assert_eq!(awards.len(), 1, "{release}");
    assert_eq!(awards[0]["id"], award_id.as_str());
    assert_eq!(awards[0]["suppliers"][0]["name"], SUPPLIER);
    assert_eq!(
        awards[0]["value"],
        json!({"amount": 900000.0, "currency": "CNY"})
    );
    let contracts = release["contracts"].as_array().unwrap();
    assert_eq!(contracts.len(), 1, "{release}");
    assert_eq!(contracts[0]["awardID"], award_id.as_str());
    assert_eq!(contracts[0]["status"], "active");
    assert_eq!(contracts[0]["value"], awards[0]["value"]);

    // --- With its contract signed, the procedure closes.
    let closed = app.act(&tenderer, &tender, "close", "").await;
    closed.assert_status(200);
    assert_eq!(closed.json()["status"], "closed");
}

#[actix_web::test]
async fn government_procurement_runs_to_a_published_contract_with_its_clocks_over_a_holiday() {
    let r = Registry::new().await;
    let app = &r.app;
    let d = app.holiday_week().await;
    purchaser_ready(&r).await;
    let s = submitted_with(&r, pinned(d), &crate::bids::three_schedules()).await;
    let f = evaluation_from(&r, s).await;
    let (tender, tenderer) = (f.tender.clone(), f.tenderer.clone());
    let view = sign_report(&r, &f).await;
    let listed = candidates(&view);
    assert_eq!(listed[0].2, SUPPLIER, "{view}");

    // --- The purchaser's 5 working days (87号令 第68条) from the report of
    // Monday (day 0): days 1, 2, 3, then (the holiday and the weekend off)
    // 7 and 8.
    // (Signed just now: the clock has not moved since the deadline.)
    let signed_at = app.now();
    assert_eq!(ggzy::calendar::beijing_date(signed_at), d);
    let calendar = app.db.read_blocking(ggzy::calendar::current).unwrap();
    assert_eq!(
        ggzy::tenders::results::confirmation_deadline(&calendar, signed_at)
            .unwrap()
            .to_rfc3339_opts(SecondsFormat::Secs, true),
        end(d, 8)
    );
    // On Thursday (day 3) nothing has stood yet: the purchaser confirms
    // the first.
    move_to(app, bj(d, 3, 9));
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    let detail = app
        .get(&format!("/api/v1/tenders/{tender}"), None)
        .await
        .json();
    assert_eq!(detail["status"], "evaluating", "{detail}");
    let awarded = award(
        app,
        &tenderer,
        &tender,
        json!({"winner_bid_id": listed[0].1}),
    )
    .await;
    awarded.assert_status(200);
    let body = notice_body(&awarded.json(), "award");
    assert!(body.contains(&format!("中标人 {SUPPLIER}")), "{body}");
    // The committee's names on the notice (87号令 第69条); not the reserve's.
    assert!(body.contains("评审专家名单"), "{body}");
    for e in &f.members {
        let name = format!("评委{}", e.file.trim_start_matches("expert"));
        assert!(body.contains(&name), "{name}: {body}");
    }
    let reserve = format!("评委{}", f.reserve.file.trim_start_matches("expert"));
    assert!(!body.contains(&reserve), "{reserve}: {body}");

    // --- Each losing bidder reads its own rank, and nothing of the others.
    for (name, rank) in [("third", 2), ("builder", 3)] {
        let token = sign_in(&r, &r.nng, name).await;
        let mine = own_result(app, &token, &tender).await;
        mine.assert_status(200);
        let mine = mine.json();
        assert_eq!(mine["bids"].as_array().unwrap().len(), 1, "{mine}");
        assert_eq!(mine["bids"][0]["lots"][0]["rank"], rank, "{mine}");
        assert_eq!(mine["bids"][0]["lots"][0]["awarded"], false, "{mine}");
        let text = mine.to_string();
        for (other_rank, bid, _) in &listed {
            if *other_rank != rank {
                assert!(!text.contains(bid.as_str()), "{name}: {text}");
            }
        }
    }

    // --- A 质疑 on the result, answered within 7 working days (政府采购法
    // 第53条): raised on Thursday (day 3), due at the end of day 15 (days 7
    // to 11, 14 and 15).
    move_to(app, bj(d, 3, 10));
    let third = sign_in(&r, &r.nng, "third").await;
    let raised = object(app, &third, &tender, "result", "评分错误").await;
    raised.assert_status(201);
    let raised = raised.json();
    assert_eq!(raised["regime"], "procurement");
    assert_eq!(raised["answer_due_at"], end(d, 15), "{raised}");
    let challenge = raised["id"].as_str().unwrap().to_string();
    // The contract waits for the answer: the award may yet change.
    let (award_id, value) = the_award(app, &tender);
    let contracts = format!("/api/v1/tenders/{tender}/contracts");
    let draft = json!({"award_id": award_id});
    app.post_json(&contracts, Some(&tenderer), &draft)
        .await
        .assert_problem(409, "objection-pending");
    // Nor does the procedure close under it.
    refused(
        app,
        &tenderer,
        &tender,
        "close",
        "objection-pending",
        &[&challenge],
    )
    .await;
    move_to(app, bj(d, 3, 11));
    answer(app, &tenderer, &tender, &challenge)
        .await
        .assert_status(200);

    // --- The challenger complains to the finance department (政府采购法
    // 第55条), which reviews it within 5 working days of receipt (days 7
    // to 11), suspends the procurement (第57条): no contract meanwhile;
    // and resumes it.
    let filed = app
        .post_json(
            &format!("/api/v1/tenders/{tender}/objections/{challenge}/complaint"),
            Some(&third),
            &json!({ "text": "对质疑答复不满意，向财政部门投诉。" }),
        )
        .await;
    filed.assert_status(201);
    let complaint = filed.json();
    assert_eq!(complaint["accept_due_at"], end(d, 11), "{complaint}");
    let cid = complaint["id"].as_str().unwrap().to_string();
    for (step, body) in [
        ("acceptance", json!({"accept": true})),
        (
            "suspension",
            json!({"reason": "投诉处理期间暂停采购活动", "days": 5}),
        ),
    ] {
        complaint_step(app, &f.supervisor, &tender, &cid, step, body)
            .await
            .assert_status(200);
    }
    app.post_json(&contracts, Some(&tenderer), &draft)
        .await
        .assert_problem(409, "procedure-suspended");
    complaint_step(
        app,
        &f.supervisor,
        &tender,
        &cid,
        "resumption",
        json!({"reason": "恢复采购活动"}),
    )
    .await
    .assert_status(200);

    // --- The contract, signed on Thursday (day 3): published within 2
    // working days (政府采购法实施条例 第50条), by the end of day 8.
    let supplier = sign_in(&r, &r.nng, "second").await;
    let url = drafted(app, &tenderer, &tender, &award_id, value).await;
    let signed = signed_by_both(&r, &url, &tenderer, &supplier).await;
    assert_eq!(signed["status"], "signed", "{signed}");
    assert_eq!(signed["publish_by"], end(d, 8), "{signed}");
    // Published on the next Monday (day 7), in time.
    move_to(app, bj(d, 7, 9));
    let published = app
        .post_json(&format!("{url}/publication"), Some(&tenderer), &json!({}))
        .await;
    published.assert_status(200);
    assert_eq!(published.json()["status"], "published");
    let release = compiled(app, &tender).await;
    assert_eq!(release["awards"][0]["id"], award_id.as_str(), "{release}");
    assert_eq!(release["contracts"][0]["awardID"], award_id.as_str());
    assert_eq!(release["contracts"][0]["value"]["amount"], json!(900000.0));
    // Published; but the procedure does not close while the complaint is
    // handled, nor, once it is decided, while suppliers may still
    // challenge the result (its window, below).
    refused(app, &tenderer, &tender, "close", "conflict", &[&cid]).await;
    complaint_step(
        app,
        &f.supervisor,
        &tender,
        &cid,
        "decision",
        json!({"decision": "投诉事项缺乏事实依据，驳回投诉。", "upheld": false}),
    )
    .await
    .assert_status(200);
    refused(
        app,
        &tenderer,
        &tender,
        "close",
        "conflict",
        &["window", &end(d, 16)],
    )
    .await;

    // --- A second 质疑, by the third-ranked bidder on day 10 (inside the
    // window), answered at once and never escalated: its answer clock ran
    // to the end of day 21 (days 11, 14 to 18, 21), and a complaint may
    // follow for 15 working days after it, to the end of day 42 (days 22
    // to 25, 28 to 32, 35 to 39, 42).
    move_to(app, bj(d, 10, 9));
    let builder = sign_in(&r, &r.nng, "builder").await;
    let raised = object(app, &builder, &tender, "result", "价格分计算有误").await;
    raised.assert_status(201);
    let second = raised.json()["id"].as_str().unwrap().to_string();
    assert_eq!(raised.json()["answer_due_at"], end(d, 21));
    answer(app, &tenderer, &tender, &second)
        .await
        .assert_status(200);

    // --- The challenge window: the notice's day (day 7, the first working
    // day after Thursday's award), then 7 working days: days 8 to 11, 14,
    // 15 and 16. A 质疑 on day 17 is late.
    move_to(app, bj(d, 17, 9));
    let late_bidder = app.user(
        "投标专员",
        ggzy::identity::Role::Bidder,
        "NNG",
        "广西第三建设有限公司",
    );
    let late = object(app, &late_bidder, &tender, "result", "再次质疑")
        .await
        .assert_problem(422, "time-limit");
    let detail = late["detail"].as_str().unwrap();
    assert!(detail.contains(&end(d, 16)), "{late}");
    assert!(detail.contains("第52条"), "{late}");

    // --- The answered 质疑 of day 10 may still become a complaint until
    // the end of day 42: the procedure closes after that.
    refused(
        app,
        &tenderer,
        &tender,
        "close",
        "conflict",
        &[&second, &end(d, 42)],
    )
    .await;
    move_to(app, bj(d, 43, 9));
    let closed = app.act(&tenderer, &tender, "close", "").await;
    closed.assert_status(200);
    assert_eq!(closed.json()["status"], "closed");
}
