//! The working-day calendar: public reads, platform operators' audited
//! replacement of a year, refusals, and the time limits computed with it (a
//! state-owned property listing whose 20 working days span National Day).

use crate::helpers::{Reply, TestApp, spawn_app};
use chrono::{DateTime, Duration, TimeZone, Utc};
use ggzy::identity::Role;
use serde_json::{Value, json};

fn fields(reply: &Reply) -> Vec<String> {
    reply.json()["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .map(|e| e["field"].as_str().unwrap().to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// What a refused request must leave untouched.
fn state(app: &TestApp) -> Vec<i64> {
    [
        "calendar_years",
        "calendar_days",
        "calendar_changes",
        "audit_events",
    ]
    .iter()
    .map(|t| app.count(t))
    .collect()
}

/// The days of a year as the API gives them, as a PUT body's `days`.
async fn days_of(app: &TestApp, year: i32) -> Vec<Value> {
    let r = app.get(&format!("/api/v1/calendar/{year}"), None).await;
    r.assert_status(200);
    r.json()["days"].as_array().unwrap().clone()
}

#[actix_web::test]
async fn the_calendar_is_public_and_ships_2026_official_and_2027_statutory_only() {
    let app = spawn_app().await;
    let list = app.get("/api/v1/calendar", None).await;
    list.assert_status(200);
    let years = list.json()["years"].as_array().unwrap().clone();
    let year = |y: i64| years.iter().find(|v| v["year"] == y).unwrap().clone();
    let y2026 = year(2026);
    assert_eq!(y2026["official"], true);
    assert_eq!(y2026["shipped"], true);
    assert!(
        y2026["source"]
            .as_str()
            .unwrap()
            .contains("2026年部分节假日安排")
    );
    assert_eq!(y2026["workdays"], 6);
    let y2027 = year(2027);
    assert_eq!(
        y2027["official"], false,
        "2027 holds the statutory holidays only"
    );
    assert_eq!(y2027["workdays"], 0);
    assert!(
        y2027["source"]
            .as_str()
            .unwrap()
            .contains("全国年节及纪念日放假办法")
    );

    let r = app.get("/api/v1/calendar/2026", None).await;
    r.assert_status(200);
    let v = r.json();
    let day = |date: &str| {
        v["days"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["date"] == date)
            .cloned()
    };
    assert_eq!(
        day("2026-10-01").unwrap(),
        json!({"date": "2026-10-01", "kind": "holiday", "name": "国庆节"})
    );
    assert_eq!(day("2026-10-10").unwrap()["kind"], "workday");
    assert_eq!(day("2026-10-12"), None, "an ordinary Monday is not listed");
    assert_eq!(v["months"][9], json!({"month": 10, "working_days": 18}));
    assert_eq!(v["months"].as_array().unwrap().len(), 12);
    let total: u64 = v["months"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["working_days"].as_u64().unwrap())
        .sum();
    assert_eq!(v["working_days"].as_u64().unwrap(), total);

    app.get("/api/v1/calendar/2031", None)
        .await
        .assert_problem(404, "not-found");
    // The time-limit table says each period's unit.
    let limits = app.get("/api/v1/time-limits", None).await.json();
    let property = limits
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["category"] == "state_owned_property" && r["method"] == "listing")
        .unwrap()["limits"]
        .clone();
    assert_eq!(property["documents_to_deadline"]["days"], 20);
    assert_eq!(property["documents_to_deadline"]["unit"], "working_days");
    assert!(
        property["documents_to_deadline"]["basis"]
            .as_str()
            .unwrap()
            .contains("第13条")
    );
    assert_eq!(
        property["amendment_before_deadline"]["unit"],
        "calendar_days"
    );
}

#[actix_web::test]
async fn only_platform_operators_replace_a_year_and_each_change_is_audited() {
    let app = spawn_app().await;
    app.leagues();
    let mut days = days_of(&app, 2027).await;
    days.push(json!({"date": "2027-02-20", "kind": "workday", "name": "春节"}));
    let body = json!({
        "official": true,
        "source": "国务院办公厅关于2027年部分节假日安排的通知 (test)",
        "days": days,
    });
    let before = state(&app);
    let put = |token: Option<String>| {
        let app = &app;
        let body = body.clone();
        async move {
            app.put_json("/api/v1/calendar/2027", token.as_deref(), &body)
                .await
        }
    };
    put(None).await.assert_problem(401, "unauthenticated");
    let refused = [
        (
            "league operator",
            app.user("南宁中心", Role::Operator, "NNG", "南宁市公共资源交易中心"),
        ),
        (
            "supervisor",
            app.supervisor(
                "财政监管",
                "administrative",
                Some("government_procurement"),
                Some("NNG"),
            ),
        ),
        (
            "expert",
            app.user("评审专家", Role::Expert, "NNG", "广西大学"),
        ),
        (
            "bidder",
            app.user("投标人", Role::Bidder, "NNG", "广西某建设有限公司"),
        ),
        (
            "tenderer",
            app.user("采购科", Role::Tenderer, "NNG", "南宁市教育局"),
        ),
    ];
    for (who, token) in refused {
        let p = put(Some(token)).await.assert_problem(403, "forbidden");
        // Supervisors are stopped before the route: they change nothing.
        let detail = p["detail"].as_str().unwrap();
        assert!(
            detail.contains("calendar") || (who == "supervisor" && detail.contains("supervisors")),
            "{who}: {p}"
        );
    }
    // Supervisor and other accounts recorded their own creation; the
    // calendar and the audit events from here on are untouched.
    let after_refusals = state(&app);
    assert_eq!(before[..3], after_refusals[..3]);
    let operator = app.platform_operator("平台运营");
    let audit_before = app.count("audit_events");
    let r = put(Some(operator.clone())).await;
    r.assert_status(200);
    let v = r.json();
    assert_eq!(v["official"], true);
    assert_eq!(v["shipped"], false);
    assert_eq!(v["workdays"], 1);
    assert_eq!(v["days"].as_array().unwrap().len(), days.len());
    // Stored: everyone reads it, and the listing says who changed it no more
    // than that an operator did.
    let listed = app.get("/api/v1/calendar", None).await.json();
    let y2027 = listed["years"]
        .as_array()
        .unwrap()
        .iter()
        .find(|y| y["year"] == 2027)
        .unwrap()
        .clone();
    assert_eq!(y2027["official"], true);
    assert_eq!(y2027["shipped"], false);
    assert!(
        days_of(&app, 2027)
            .await
            .contains(&json!({"date": "2027-02-20", "kind": "workday", "name": "春节"}))
    );

    // One audit event, whose payload (before and after) is kept and hashes
    // to it.
    assert_eq!(app.count("audit_events"), audit_before + 1);
    let events = app
        .get(
            "/api/v1/audit/events?action=calendar.year_replaced",
            Some(&operator),
        )
        .await;
    events.assert_status(200);
    let events = events.json()["items"].as_array().unwrap().clone();
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0]["object_id"], "2027");
    let stored: (String, String) = app
        .db
        .read_blocking(|conn| {
            use diesel::prelude::*;
            use ggzy::db::schema::{audit_events, calendar_changes};
            let payload: String = calendar_changes::table
                .select(calendar_changes::payload)
                .first(conn)?;
            let hash: String = audit_events::table
                .filter(audit_events::action.eq("calendar.year_replaced"))
                .select(audit_events::payload_sha256)
                .first(conn)?;
            Ok((payload, hash))
        })
        .unwrap();
    let sha: String = openssl::sha::sha256(stored.0.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(sha, stored.1);
    let payload: Value = serde_json::from_str(&stored.0).unwrap();
    assert_eq!(payload["year"], 2027);
    assert_eq!(payload["before"]["official"], false);
    assert_eq!(payload["after"]["official"], true);
    assert_eq!(
        payload["after"]["days"].as_array().unwrap().len(),
        payload["before"]["days"].as_array().unwrap().len() + 1
    );

    // A year not held yet is added the same way.
    let r = app
        .put_json(
            "/api/v1/calendar/2028",
            Some(&operator),
            &json!({"official": false, "source": "全国年节及纪念日放假办法 第2条",
                    "days": [{"date": "2028-01-01", "kind": "holiday", "name": "元旦"}]}),
        )
        .await;
    r.assert_status(200);
    // 1 January 2028 is a Saturday: January keeps its 21 weekdays.
    assert_eq!(r.json()["months"][0]["working_days"], 21);
}

#[actix_web::test]
async fn faulty_years_are_refused_with_their_entries_and_change_nothing() {
    let app = spawn_app().await;
    let operator = app.platform_operator("平台运营");
    let before = state(&app);
    let put = |year: i32, body: Value| {
        let app = &app;
        let operator = operator.clone();
        async move {
            app.put_json(&format!("/api/v1/calendar/{year}"), Some(&operator), &body)
                .await
        }
    };
    let year = |days: Value| json!({"official": true, "source": "通知", "days": days});
    let h = |date: &str| json!({"date": date, "kind": "holiday", "name": "国庆节"});
    let cases = [
        // Malformed, out of the year, overlapping, a weekday make-up day, no name.
        (
            year(json!([
                h("2026-10-01"),
                h("2026-10-32"),
                h("2026/10/02"),
                h("")
            ])),
            vec!["days[1].date", "days[2].date", "days[3].date"],
        ),
        (
            year(json!([h("2026-10-01"), h("2027-10-01")])),
            vec!["days[1].date"],
        ),
        (
            year(json!([
                h("2026-10-01"),
                {"date": "2026-10-01", "kind": "workday", "name": "国庆节"}
            ])),
            vec!["days[1].date"],
        ),
        (
            year(json!([
                h("2026-10-01"),
                {"date": "2026-10-09", "kind": "workday", "name": "国庆节"}
            ])),
            vec!["days[1].kind"],
        ),
        (
            year(json!([{"date": "2026-10-01", "kind": "holiday", "name": "  "}])),
            vec!["days[0].name"],
        ),
        // No holiday at all, no source.
        (year(json!([])), vec!["days"]),
        (
            json!({"official": true, "source": "", "days": [h("2026-10-01")]}),
            vec!["source"],
        ),
        // Too many entries.
        (
            year(Value::Array(
                (0..121)
                    .map(|i| {
                        h(&(chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap()
                            + Duration::days(i))
                        .to_string())
                    })
                    .collect(),
            )),
            vec!["days"],
        ),
    ];
    for (body, want) in cases {
        let r = put(2026, body.clone()).await;
        r.assert_problem(422, "validation-failed");
        assert_eq!(fields(&r), want, "{body}");
    }
    let r = put(1999, year(json!([h("1999-10-01")]))).await;
    r.assert_problem(422, "validation-failed");
    assert_eq!(fields(&r), ["year"]);
    // Not JSON of the shape: refused by the parser.
    let r = put(2026, json!({"official": true, "source": "x", "days": [{"date": "2026-10-01", "kind": "vacation", "name": "x"}]})).await;
    assert!(r.status == 400 || r.status == 422, "{}", r.status);
    assert_eq!(state(&app), before);
    // 2026 is as shipped still.
    assert_eq!(days_of(&app, 2026).await.len(), 39);
}

fn at(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, 0, 0).unwrap()
}

/// A draft state-owned property listing with its bid deadline (the end of
/// the listing) at `deadline`; documents available an hour from now.
fn property_listing(app: &TestApp, deadline: DateTime<Utc>) -> Value {
    let now = app.now();
    let mut body = app.tender_body("某国有企业 35% 股权转让项目");
    body["category"] = json!("state_owned_property");
    body["method"] = json!("listing");
    body["evaluation"] = json!({"method": "highest_price"});
    body["dates"] = json!({
        "documents_available_at": (now + Duration::hours(1)).to_rfc3339(),
        "clarification_deadline": (now + Duration::days(10)).to_rfc3339(),
        "bid_deadline": deadline.to_rfc3339(),
        "publicity_days": 3
    });
    body
}

/// A property listing published at 10:00 Beijing time on Monday 21
/// September 2026: its 20 working days of disclosure skip 中秋节 and
/// 国庆节, count the make-up Saturday of 10 October, and end with Monday 26
/// October (24:00 Beijing = 16:00 UTC). A deadline the old approximation
/// (⌈20 × 7 ⁄ 5⌉ = 28 calendar days) accepts is refused, citing the
/// article; the first valid deadline is accepted.
#[actix_web::test]
async fn a_property_listing_spanning_national_day_counts_working_days() {
    let app = spawn_app().await;
    app.leagues();
    app.clock.advance(at(2026, 9, 21, 2) - app.now());
    let owner = app.user("产权转让方", Role::Tenderer, "NNG", "南宁某国有企业");
    let old_rule = at(2026, 10, 20, 2);
    assert!(old_rule - (app.now() + Duration::hours(1)) >= Duration::days(28));
    let created = app
        .post_json(
            "/api/v1/tenders",
            Some(&owner),
            &property_listing(&app, old_rule),
        )
        .await;
    created.assert_status(201);
    let id = created.json()["id"].as_str().unwrap().to_string();
    let refused = app.act(&owner, &id, "publish", "").await;
    let p = refused.assert_problem(422, "time-limit");
    let detail = p["detail"].as_str().unwrap();
    assert!(detail.contains("20 working days"), "{detail}");
    // The portal's sentence counts working days and cites the article.
    let params = refused.assert_refusal(422, "time-limit", "tender.documents-period");
    assert_eq!(
        (&params["days"], &params["unit"], &params["method"]),
        (
            &serde_json::json!(20),
            &serde_json::json!("working_days"),
            &serde_json::json!("listing")
        )
    );
    assert_eq!(
        params["basis"],
        "《企业国有资产交易监督管理办法》（国资委 财政部令第32号）第十三条"
    );
    // The earliest deadline: the end of Monday 26 October, Beijing time.
    assert_eq!(params["earliest"], "2026-10-27T00:00:00+08:00");
    assert_eq!(params["deadline"], "2026-10-20T10:00:00+08:00");
    assert!(detail.contains("企业国有资产交易监督管理办法"), "{detail}");
    assert!(detail.contains("第13条"), "{detail}");
    assert!(detail.contains("2026-10-26T16:00:00+00:00"), "{detail}");

    let first_valid = at(2026, 10, 26, 16);
    let edit = |deadline: DateTime<Utc>| {
        let app = &app;
        let owner = owner.clone();
        let id = id.clone();
        async move {
            app.put_json(
                &format!("/api/v1/tenders/{id}"),
                Some(&owner),
                &property_listing(app, deadline),
            )
            .await
            .assert_status(200);
        }
    };
    edit(first_valid - Duration::seconds(1)).await;
    app.act(&owner, &id, "publish", "")
        .await
        .assert_problem(422, "time-limit");
    assert_eq!(
        app.get(&format!("/api/v1/tenders/{id}"), Some(&owner))
            .await
            .json()["status"],
        "draft"
    );
    edit(first_valid).await;
    app.act(&owner, &id, "publish", "").await.assert_status(200);
}

/// The limits use the stored calendar: once an operator drops the make-up
/// Saturday of 10 October 2026, the same listing needs one more day.
#[actix_web::test]
async fn an_operators_change_to_the_calendar_moves_the_deadline_at_once() {
    let app = spawn_app().await;
    app.leagues();
    app.clock.advance(at(2026, 9, 21, 2) - app.now());
    let operator = app.platform_operator("平台运营");
    let days: Vec<Value> = days_of(&app, 2026)
        .await
        .into_iter()
        .filter(|d| d["date"] != "2026-10-10")
        .collect();
    app.put_json(
        "/api/v1/calendar/2026",
        Some(&operator),
        &json!({"official": true, "source": "test: without the make-up Saturday", "days": days}),
    )
    .await
    .assert_status(200);
    let owner = app.user("产权转让方", Role::Tenderer, "NNG", "南宁某国有企业");
    let was_first = at(2026, 10, 26, 16);
    let created = app
        .post_json(
            "/api/v1/tenders",
            Some(&owner),
            &property_listing(&app, was_first),
        )
        .await;
    created.assert_status(201);
    let id = created.json()["id"].as_str().unwrap().to_string();
    let p = app
        .act(&owner, &id, "publish", "")
        .await
        .assert_problem(422, "time-limit");
    assert!(
        p["detail"]
            .as_str()
            .unwrap()
            .contains("2026-10-27T16:00:00+00:00"),
        "{p}"
    );
}
