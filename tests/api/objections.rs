//! Objections and complaints (issue 22): a documents objection that holds
//! the opening until answered, its clock alerted when it runs out; a
//! government procurement 质疑 on the result whose 7-working-day window
//! spans a public holiday (a Friday, as New Year's Day 2027, on a calendar
//! the test loads: `TestApp::holiday_week`); a complaint accepted, the procedure
//! suspended and resumed, decided and published; and the refusals (out of
//! the window, award while an objection is pending, a supervisor of
//! another scope or kind, a complaint inside the answer clock).

use crate::helpers::{TestApp, holiday_week_at as bj, holiday_week_end as end, move_to, spawn_app};
use chrono::{DateTime, Duration, Utc};
use ggzy::clock::Clock;
use ggzy::identity::Role;
use serde_json::{Value, json};

async fn object(
    app: &TestApp,
    token: &str,
    tender: &str,
    subject: &str,
    text: &str,
) -> crate::helpers::Reply {
    app.post_json(
        &format!("/api/v1/tenders/{tender}/objections"),
        Some(token),
        &json!({ "subject": subject, "text": text }),
    )
    .await
}

async fn answer(
    app: &TestApp,
    token: &str,
    tender: &str,
    objection: &str,
) -> crate::helpers::Reply {
    app.post_json(
        &format!("/api/v1/tenders/{tender}/objections/{objection}/answer"),
        Some(token),
        &json!({ "answer": "经核实，答复如下：维持原结论。" }),
    )
    .await
}

async fn complain(
    app: &TestApp,
    token: &str,
    tender: &str,
    objection: &str,
) -> crate::helpers::Reply {
    app.post_json(
        &format!("/api/v1/tenders/{tender}/objections/{objection}/complaint"),
        Some(token),
        &json!({ "text": "对答复不满意，请求行政监督部门处理。" }),
    )
    .await
}

/// Polls the supervisor's alerts until one of `kind` shows (the sweep runs
/// every two seconds).
async fn alert_of(app: &TestApp, token: &str, tender: &str, kind: &str) -> Value {
    for _ in 0..100 {
        let list = app
            .get(
                &format!("/api/v1/supervision/alerts?tender_id={tender}"),
                Some(token),
            )
            .await
            .json();
        if let Some(a) = list["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["kind"] == kind)
        {
            return a.clone();
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    panic!("no {kind} alert on {tender}");
}

#[actix_web::test]
async fn a_documents_objection_holds_the_opening_until_answered_and_its_clock_is_watched() {
    let app = spawn_app().await;
    app.leagues();
    let tenderer = app.user("建设科", Role::Tenderer, "NNG", "南宁市住房和城乡建设局");
    let mut body = app.tender_body("道路改造工程");
    body["category"] = json!("engineering_construction");
    body["terms"]["subject"] = json!("works");
    let r = app
        .post_json("/api/v1/tenders", Some(&tenderer), &body)
        .await;
    r.assert_status(201);
    let tender = r.json()["id"].as_str().unwrap().to_string();
    app.act(&tenderer, &tender, "publish", "")
        .await
        .assert_status(200);
    let deadline: DateTime<Utc> =
        serde_json::from_value(body["dates"]["bid_deadline"].clone()).unwrap();
    let bidder = app.user("投标员", Role::Bidder, "NNG", "广西路桥建设有限公司");
    let supervisor = app.supervisor(
        "住建监督",
        "administrative",
        Some("engineering_construction"),
        Some("NNG"),
    );

    // An unknown subject for the tendering law: the process has no 异议.
    let refused = object(&app, &bidder, &tender, "process", "程序违法").await;
    let (field, params) = refused.assert_rule("objection.no-such-subject");
    assert_eq!(field, "subject");
    assert_eq!(
        params,
        json!({ "regime": "tendering", "subject": "process" })
    );
    // Objecting to an opening not under way: refused with its article.
    let refused = object(&app, &bidder, &tender, "opening", "开标有误").await;
    let p = refused.assert_problem(422, "time-limit");
    assert!(p["detail"].as_str().unwrap().contains("第44条"), "{p}");
    let params = refused.assert_refusal(422, "time-limit", "objection.not-now");
    assert_eq!(
        params,
        json!({
            "regime": "tendering",
            "subject": "opening",
            "status": "published",
            "basis": "招标投标法实施条例 第44条",
        })
    );

    let raised = object(
        &app,
        &bidder,
        &tender,
        "documents",
        "资格条件排斥潜在投标人",
    )
    .await;
    raised.assert_status(201);
    let objection = raised.json();
    let oid = objection["id"].as_str().unwrap().to_string();
    assert_eq!(objection["subject"], "documents");
    assert_eq!(objection["regime"], "tendering");
    assert_eq!(objection["blocks"], "start_opening");
    assert!(objection["article"].as_str().unwrap().contains("第22条"));
    assert!(objection["answer_due_at"].is_string());
    // Who took the documents stays sealed: the public list does not say
    // who objected; the enterprise itself sees its own.
    let public = app
        .get(&format!("/api/v1/tenders/{tender}/objections"), None)
        .await
        .json();
    assert_eq!(public["items"][0]["bidder_organisation_id"], Value::Null);
    let managers = app
        .get(
            &format!("/api/v1/tenders/{tender}/objections"),
            Some(&tenderer),
        )
        .await
        .json();
    assert_eq!(managers["items"][0]["bidder_organisation_id"], Value::Null);
    let own = app
        .get(
            &format!("/api/v1/tenders/{tender}/objections"),
            Some(&bidder),
        )
        .await
        .json();
    assert!(own["items"][0]["bidder_organisation_id"].is_string());

    // A complaint while the answer clock runs: refused.
    let early = complain(&app, &bidder, &tender, &oid).await;
    let p = early.assert_problem(422, "time-limit");
    assert!(p["detail"].as_str().unwrap().contains("第60条"), "{p}");
    let params = early.assert_refusal(422, "time-limit", "complaint.answer-awaited-until");
    let due: DateTime<Utc> = serde_json::from_value(objection["answer_due_at"].clone()).unwrap();
    assert_eq!(params["until"], json!(ggzy::reasons::time(due)));
    assert!(
        params["basis"].as_str().unwrap().contains("第60条"),
        "{params}"
    );
    assert_eq!(app.count("complaints"), 0);

    // Four days on, unanswered: the clock ran out and supervisors hear.
    app.clock.advance(Duration::days(4));
    let alert = alert_of(&app, &supervisor, &tender, "objection_answer_overdue").await;
    assert!(
        alert["summary"].as_str().unwrap().contains("documents"),
        "{alert}"
    );
    // Said as a key and params: the objection's subject, its answer clock in
    // Beijing time.
    assert_eq!(
        (&alert["reason"], &alert["params"]),
        (
            &json!("alert.objection-answer-overdue"),
            &json!({"subject": "documents", "due": ggzy::reasons::time(due)})
        ),
        "{alert}"
    );

    // Past ten days before the deadline, no more objections on documents.
    move_to(&app, deadline - Duration::days(10) + Duration::seconds(5));
    let late = object(&app, &bidder, &tender, "documents", "再提异议").await;
    let p = late.assert_problem(422, "time-limit");
    assert!(p["detail"].as_str().unwrap().contains("第22条"), "{p}");
    // The window closed ten days before the deadline, said in Beijing time.
    let params = late.assert_refusal(422, "time-limit", "objection.window-closed");
    assert_eq!(
        params,
        json!({
            "regime": "tendering",
            "subject": "documents",
            "closed": ggzy::reasons::time(deadline - Duration::days(10)),
            "basis": "招标投标法实施条例 第22条",
        })
    );

    // At the deadline the opening waits for the answer.
    move_to(&app, deadline + Duration::seconds(1));
    let held = app.act(&tenderer, &tender, "start_opening", "").await;
    let p = held.assert_problem(409, "objection-pending");
    assert!(p["detail"].as_str().unwrap().contains(&oid), "{p}");
    let params = held.assert_refusal(409, "objection-pending", "objection.pending");
    let raised: DateTime<Utc> = serde_json::from_value(objection["raised_at"].clone()).unwrap();
    assert_eq!(
        params,
        json!({
            "regime": "tendering",
            "subject": "documents",
            "raised": ggzy::reasons::time(raised),
            "action": "start_opening",
            "basis": "招标投标法实施条例 第22条",
        })
    );
    // Only the tender's managers answer.
    answer(&app, &bidder, &tender, &oid)
        .await
        .assert_problem(403, "forbidden");
    let answered = answer(&app, &tenderer, &tender, &oid).await;
    answered.assert_status(200);
    assert!(answered.json()["answered_at"].is_string());
    answer(&app, &tenderer, &tender, &oid).await.assert_refusal(
        409,
        "conflict",
        "objection.not-unanswered",
    );
    let opened = app.act(&tenderer, &tender, "start_opening", "").await;
    assert_ne!(opened.status, 409, "{}", opened.json());
    // The raiser may complain now that it is answered (within 10 days).
    let filed = complain(&app, &bidder, &tender, &oid).await;
    filed.assert_status(201);
    assert!(filed.json()["article"].as_str().unwrap().contains("第61条"));
    let accept_due: DateTime<Utc> =
        serde_json::from_value(filed.json()["accept_due_at"].clone()).unwrap();
    complain(&app, &bidder, &tender, &oid).await.assert_refusal(
        409,
        "conflict",
        "complaint.filed-already",
    );
    // Neither accepted nor refused within 3 working days: alerted. (Three
    // weeks on, whatever holidays of the shipped calendar fall in them; the
    // longest, Spring Festival's, is 9 days.)
    app.clock.advance(Duration::days(21));
    let alert = alert_of(&app, &supervisor, &tender, "complaint_acceptance_overdue").await;
    assert_eq!(
        (&alert["reason"], &alert["params"]),
        (
            &json!("alert.complaint-acceptance-overdue"),
            &json!({"due": ggzy::reasons::time(accept_due)})
        ),
        "{alert}"
    );
}

/// Records a current bid of the enterprise named `org` on `tender`, the
/// row the upload leaves (this test shortcuts the procedure to its result,
/// as [`publicise_result`] does): a 质疑 on the result is a bidder's
/// (财政部令第94号 第11条).
fn has_bid(app: &TestApp, tender: &str, org: &str) {
    let (tender, org, now) = (tender.to_string(), org.to_string(), app.clock.now());
    app.db
        .write_blocking(move |conn| {
            use diesel::prelude::*;
            use ggzy::db::schema::{bids, organisations, users};
            let org_id: String = organisations::table
                .filter(organisations::name.eq(&org))
                .select(organisations::id)
                .first(conn)?;
            let user: String = users::table
                .filter(users::organisation_id.eq(&org_id))
                .select(users::id)
                .first(conn)?;
            diesel::insert_into(bids::table)
                .values((
                    bids::id.eq(uuid::Uuid::new_v4().to_string()),
                    bids::tender_id.eq(&tender),
                    bids::bidder_org_id.eq(&org_id),
                    bids::submitted_by.eq(&user),
                    bids::version.eq(1),
                    bids::status.eq("submitted"),
                    bids::sha256.eq("00".repeat(32)),
                    bids::size_bytes.eq(1),
                    bids::content_sha256.eq("00".repeat(32)),
                    bids::content_type.eq("application/pkcs7-mime"),
                    bids::outer_signed.eq(true),
                    bids::signer_cert_sha256.eq("00".repeat(32)),
                    bids::signer_subject.eq(format!("CN={org}")),
                    bids::received_at.eq(ggzy::db::to_db_time(now)),
                    bids::timestamp_token.eq(Vec::<u8>::new()),
                    bids::receipt_json.eq("{}"),
                ))
                .execute(conn)?;
            Ok(())
        })
        .unwrap();
}

/// Puts a government procurement tender at its candidates' publicity (as
/// the results of issue 22 will) and publishes the result notice now.
fn publicise_result(app: &TestApp, tender: &str) {
    let tender = tender.to_string();
    let now = app.clock.now();
    app.db
        .write_blocking(move |conn| {
            use diesel::prelude::*;
            use ggzy::db::schema::tenders;
            diesel::update(tenders::table.find(&tender))
                .set((
                    tenders::status.eq("candidates_publicised"),
                    tenders::status_changed_at.eq(ggzy::db::to_db_time(now)),
                ))
                .execute(conn)?;
            let settings = ggzy::opendata::OcdsSettings {
                ocid_prefix: "ocds-test".into(),
                public_url: "http://127.0.0.1".into(),
                publisher_name: "test".into(),
            };
            ggzy::tenders::store::publish_notice(
                conn,
                &ggzy::audit::AuditContext::system(now),
                &settings,
                &tender,
                ggzy::tenders::model::NoticeKind::Candidates,
                "结果公告",
                "第一名：某公司",
            )?;
            Ok(())
        })
        .unwrap();
}

#[actix_web::test]
async fn a_gp_result_challenge_over_a_holiday_escalates_to_a_complaint_that_suspends_and_is_decided()
 {
    let app = spawn_app().await;
    let d = app.holiday_week().await;
    let (tenderer, tender) = app.published_tender().await;
    let first = app.user("供应商甲", Role::Bidder, "NNG", "广西甲科技有限公司");
    let second = app.user("供应商乙", Role::Bidder, "NNG", "广西乙科技有限公司");
    let third = app.user("供应商丙", Role::Bidder, "NNG", "广西丙科技有限公司");
    let finance = app.supervisor(
        "财政监督",
        "administrative",
        Some("government_procurement"),
        Some("NNG"),
    );
    let builders = app.supervisor(
        "住建监督",
        "administrative",
        Some("engineering_construction"),
        Some("NNG"),
    );
    let elsewhere = app.supervisor(
        "柳州财政",
        "administrative",
        Some("government_procurement"),
        Some("LZH"),
    );
    let discipline = app.supervisor("纪检", "discipline", None, None);
    let audit = app.supervisor("审计", "audit", None, None);

    // The first two bid; the third did not.
    for org in ["广西甲科技有限公司", "广西乙科技有限公司"] {
        has_bid(&app, &tender, org);
    }
    // Inside the documents' window, a supplier that neither took them nor
    // bid does not challenge them (财政部令第94号 第11条); a bidder does.
    app.clock.advance(Duration::hours(2));
    let p = object(&app, &third, &tender, "documents", "采购需求有倾向性")
        .await
        .assert_problem(403, "forbidden");
    assert!(p["detail"].as_str().unwrap().contains("第11条"), "{p}");
    assert_eq!(app.count("objections"), 0);

    // No 质疑 on the result before it is published.
    object(&app, &first, &tender, "result", "评审不公")
        .await
        .assert_problem(422, "time-limit");

    // The result is published on Tuesday (day 1).
    move_to(&app, bj(d, 1, 9));
    publicise_result(&app, &tender);
    let raised = object(&app, &first, &tender, "result", "评分错误").await;
    raised.assert_status(201);
    let challenge = raised.json();
    let oid = challenge["id"].as_str().unwrap().to_string();
    assert_eq!(challenge["regime"], "procurement");
    // A supplier that took no part in the procurement does not challenge
    // its result (财政部令第94号 第11条), nothing kept.
    let objections = app.count("objections");
    let p = object(&app, &third, &tender, "result", "评分错误")
        .await
        .assert_problem(403, "forbidden");
    assert!(p["detail"].as_str().unwrap().contains("第11条"), "{p}");
    assert_eq!(app.count("objections"), objections);
    assert_eq!(challenge["blocks"], "award");
    // Answered within 7 working days: days 2 and 3, then (the holiday and
    // the weekend off) 7 to 11.
    assert_eq!(challenge["answer_due_at"], end(d, 11));
    // Bidders are public from the opening: the result's challenger shows.
    let public = app
        .get(&format!("/api/v1/tenders/{tender}/objections"), None)
        .await
        .json();
    assert!(public["items"][0]["bidder_organisation_id"].is_string());

    // The award waits for the answer.
    let held = app.act(&tenderer, &tender, "award", "按评审结果").await;
    let p = held.assert_problem(409, "objection-pending");
    assert!(p["detail"].as_str().unwrap().contains("第53条"), "{p}");
    // A complaint before the answer: refused.
    complain(&app, &first, &tender, &oid)
        .await
        .assert_problem(422, "time-limit");
    // Only the one who raised it complains.
    app.clock.advance(Duration::days(1));
    answer(&app, &tenderer, &tender, &oid)
        .await
        .assert_status(200);
    complain(&app, &second, &tender, &oid)
        .await
        .assert_problem(403, "forbidden");
    let filed = complain(&app, &first, &tender, &oid).await;
    filed.assert_status(201);
    let complaint = filed.json();
    let cid = complaint["id"].as_str().unwrap().to_string();
    assert_eq!(complaint["status"], "filed");
    // Reviewed within 5 working days of day 2: day 3, days 7 to 10;
    // decided within 30 working days of receipt.
    assert_eq!(complaint["accept_due_at"], end(d, 10));
    assert!(complaint["decide_due_at"].is_string());

    let handle = |token: String, step: &'static str, body: Value| {
        let (app, tender, cid) = (&app, tender.clone(), cid.clone());
        async move {
            app.post_json(
                &format!("/api/v1/tenders/{tender}/complaints/{cid}/{step}"),
                Some(&token),
                &body,
            )
            .await
        }
    };
    let accept = json!({ "accept": true });
    // Neither another category's, another league's, discipline's nor
    // audit's supervisor handles it; nor the tenderer.
    for token in [&builders, &elsewhere, &discipline, &audit, &tenderer] {
        handle(token.clone(), "acceptance", accept.clone())
            .await
            .assert_problem(403, "forbidden");
    }
    // Decided before it is accepted: refused.
    let params = handle(
        finance.clone(),
        "decision",
        json!({"decision": "x", "upheld": false}),
    )
    .await
    .assert_refusal(409, "conflict", "complaint.not-accepted");
    assert_eq!(params, json!({ "complaint_status": "filed" }));
    let accepted = handle(finance.clone(), "acceptance", accept.clone()).await;
    accepted.assert_status(200);
    assert_eq!(accepted.json()["status"], "accepted");

    // Suspended: no step of the procedure, not even failing it.
    let suspended = handle(
        finance.clone(),
        "suspension",
        json!({ "reason": "投诉处理期间暂停采购活动", "days": 20 }),
    )
    .await;
    suspended.assert_status(200);
    assert_eq!(
        suspended.json()["suspensions"][0]["resumed_at"],
        Value::Null
    );
    handle(
        finance.clone(),
        "suspension",
        json!({ "reason": "again", "days": 31 }),
    )
    .await
    .assert_refusal(409, "conflict", "procedure.suspended-already");
    let until: DateTime<Utc> =
        serde_json::from_value(suspended.json()["suspensions"][0]["until"].clone()).unwrap();
    for action in ["award", "fail", "cancel"] {
        let r = app.act(&tenderer, &tender, action, "继续").await;
        let params = r.assert_refusal(409, "procedure-suspended", "procedure.suspended-until");
        assert_eq!(params, json!({ "until": ggzy::reasons::time(until) }));
    }
    // Nor new objections meanwhile.
    object(&app, &second, &tender, "result", "同样的问题")
        .await
        .assert_problem(409, "procedure-suspended");
    // Only its supervisor resumes it.
    handle(
        discipline.clone(),
        "resumption",
        json!({ "reason": "恢复" }),
    )
    .await
    .assert_problem(403, "forbidden");
    let resumed = handle(
        finance.clone(),
        "resumption",
        json!({ "reason": "恢复采购活动" }),
    )
    .await;
    resumed.assert_status(200);
    assert!(resumed.json()["suspensions"][0]["resumed_at"].is_string());
    let award = app.act(&tenderer, &tender, "award", "按评审结果").await;
    assert!(
        award.status == 200
            || !["procedure-suspended", "objection-pending"]
                .contains(&award.json()["code"].as_str().unwrap_or("")),
        "{}",
        award.json()
    );

    // Decided by another scope: refused; by its supervisor: published.
    let decision = json!({ "decision": "投诉事项缺乏事实依据，驳回投诉。", "upheld": false });
    handle(elsewhere.clone(), "decision", decision.clone())
        .await
        .assert_problem(403, "forbidden");
    let decided = handle(finance.clone(), "decision", decision).await;
    decided.assert_status(200);
    let decided = decided.json();
    assert_eq!(decided["status"], "decided");
    let seq = decided["notice_seq"].as_i64().unwrap();
    let detail = app
        .get(&format!("/api/v1/tenders/{tender}"), None)
        .await
        .json();
    let notices = detail["notices"].as_array().unwrap();
    let notice = notices.iter().find(|n| n["seq"] == seq).unwrap();
    assert_eq!(notice["kind"], "complaint_decision");
    assert!(notice["body"].as_str().unwrap().contains("驳回投诉"));
    // In words: the regime, the subject's code, the decision as written.
    assert_eq!(
        notice["words"]["body"],
        json!({ "key": "complaint_decision", "params": {
            "regime": "procurement", "subject": "result",
            "decision": "投诉事项缺乏事实依据，驳回投诉。", "upheld": false,
        } }),
        "{notice}"
    );
    assert!(notices.iter().any(|n| n["kind"] == "suspension"));
    let listed = app
        .get(&format!("/api/v1/tenders/{tender}/complaints"), None)
        .await
        .json();
    assert_eq!(listed["items"][0]["status"], "decided");
    // On the record, the complaint is named by who filed it and the day
    // (Beijing time), not by its id: to its supervisor, who sees the
    // bidders of an opened tender.
    let filed_at: DateTime<Utc> = serde_json::from_value(complaint["filed_at"].clone()).unwrap();
    let named = format!(
        "投诉（广西甲科技有限公司 提出，{}）",
        ggzy::calendar::beijing_date(filed_at).format("%Y-%m-%d")
    );
    app.wait_for_log().await;
    let record = app
        .get(
            &format!("/api/v1/audit/events?per_page=100&tender_id={tender}"),
            Some(&finance),
        )
        .await
        .json();
    let about: Vec<&Value> = record["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["object_type"] == "complaint")
        .collect();
    assert!(about.len() >= 3, "{record}");
    for e in about {
        assert_eq!(e["object_name"], json!(named), "{e}");
    }

    // The challenge window: the result notice stood one working day (day
    // 2), then 7 working days: day 3, days 7 to 11 and 14 (the holiday and
    // its weekend are off). Monday, day 14, is in.
    move_to(&app, bj(d, 14, 9));
    object(&app, &second, &tender, "result", "对结果有疑问")
        .await
        .assert_status(201);
    move_to(&app, bj(d, 15, 9));
    let late = object(&app, &third, &tender, "result", "对结果有疑问").await;
    let p = late.assert_problem(422, "time-limit");
    assert!(p["detail"].as_str().unwrap().contains("第52条"), "{p}");
    assert!(p["detail"].as_str().unwrap().contains(&end(d, 14)), "{p}");
}
