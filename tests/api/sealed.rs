//! Bidders sealed until the opening (招标投标法 第22条): before a tender's
//! opening starts, no one but a bidding enterprise itself learns which
//! enterprises bid or how many: not the tenderer, not operators of any kind,
//! not supervisors. The bid listings, the audit events and their export,
//! the log's entries, the live feed and the alerts all keep them sealed,
//! and open them at the opening to those who may then see them.

use crate::bids::{
    Make, container, envelope, release_platform_share, release_tenderer_share, sign_in,
    start_opening_at_deadline, submit, tender_with_opening_cert, wait_for_opening,
};
use crate::helpers::{TestApp, spawn_app};
use crate::trust::{Registry, credit};
use ggzy::identity::Role;
use serde_json::{Value, json};

/// The record's readers are told to sign in before anything about their
/// query, and a bidder is refused before its query is read.
#[actix_web::test]
async fn strangers_are_told_to_sign_in_before_their_query_is_judged() {
    let app = spawn_app().await;
    app.leagues();
    let bidder = app.user("投标员", Role::Bidder, "NNG", "某投标公司");
    for path in [
        "/api/v1/audit/events?per_page=500",
        "/api/v1/audit/events?colour=red",
        "/api/v1/audit/events/export?format=xml",
        "/api/v1/audit/log/entries?start=5&end=1",
        "/api/v1/audit/log/entries?start=abc",
        "/api/v1/supervision/alerts?tender_id=x",
        "/api/v1/supervision/alerts?open=maybe",
        "/api/v1/supervision/live?after=-1",
    ] {
        app.get(path, None)
            .await
            .assert_problem(401, "unauthenticated");
        app.get(path, Some(&bidder))
            .await
            .assert_problem(403, "forbidden");
    }
    app.post_json(
        "/api/v1/supervision/alerts/x/acknowledge",
        None,
        &json!({ "note": "" }),
    )
    .await
    .assert_problem(401, "unauthenticated");
    // Signed in as one who reads the record, the query is judged.
    let operator = app.platform_operator("平台运维");
    app.get("/api/v1/audit/events?per_page=500", Some(&operator))
        .await
        .assert_problem(400, "invalid-query");
    app.get("/api/v1/audit/log/entries?start=abc", Some(&operator))
        .await
        .assert_problem(400, "invalid-query");
}

/// Everyone who might want to know: the tender's own tenderer, the
/// operator of its league, the platform operator, another league's
/// operator and the league's supervisor.
struct Staff {
    tenderer: String,
    league_operator: String,
    platform_operator: String,
    other_league_operator: String,
    supervisor: String,
}

impl Staff {
    fn all(&self) -> [(&'static str, &str); 5] {
        [
            ("tenderer", &self.tenderer),
            ("league operator", &self.league_operator),
            ("platform operator", &self.platform_operator),
            ("other league's operator", &self.other_league_operator),
            ("supervisor", &self.supervisor),
        ]
    }

    /// Those who read the audit record.
    fn readers(&self) -> [(&'static str, &str); 4] {
        [
            ("league operator", &self.league_operator),
            ("platform operator", &self.platform_operator),
            ("other league's operator", &self.other_league_operator),
            ("supervisor", &self.supervisor),
        ]
    }
}

const NAMES: [&str; 3] = [
    "广西测试建设有限公司",
    "广西第二建设有限公司",
    "广西第三建设有限公司",
];

/// The first of the bidders' names `text` holds.
fn names_any(text: &str) -> Option<&'static str> {
    NAMES.iter().copied().find(|n| text.contains(n))
}

fn is_about_a_bidder(event: &Value) -> bool {
    event["actor_role"] == "bidder"
        || event["object_type"] == "bid"
        || event["object_type"] == "bid_upload"
}

/// Every audit event the reader is given, page by page.
async fn all_events(app: &TestApp, token: &str, query: &str) -> (Vec<Value>, Value) {
    let mut items = Vec::new();
    let mut page = 1;
    loop {
        let reply = app
            .get(
                &format!("/api/v1/audit/events?per_page=100&page={page}&{query}"),
                Some(token),
            )
            .await;
        reply.assert_status(200);
        let body = reply.json();
        let got = body["items"].as_array().unwrap().clone();
        let done = got.len() < 100;
        items.extend(got);
        if done {
            assert_eq!(body["total"], items.len(), "{body:#}");
            return (items, body);
        }
        page += 1;
    }
}

/// The log's entries `[0, size)` as `token` is served them.
async fn entries(app: &TestApp, token: &str, size: u64) -> Vec<Value> {
    let reply = app
        .get(
            &format!("/api/v1/audit/log/entries?start=0&end={size}"),
            Some(token),
        )
        .await;
    reply.assert_status(200);
    reply.json()["entries"].as_array().unwrap().clone()
}

/// The leaf index and leaf hash (base64) of each audit event with `action`,
/// as the database holds them.
fn leaves_of(app: &TestApp, action: &'static str) -> Vec<(u64, String)> {
    use diesel::prelude::*;
    use ggzy::audit::entry::{AuditEvent, AuditRow};
    use ggzy::db::schema::audit_events;
    app.db
        .write_blocking(move |conn| {
            let rows: Vec<(Option<i64>, AuditRow)> = audit_events::table
                .filter(audit_events::action.eq(action))
                .select((audit_events::leaf_index, AuditRow::as_select()))
                .load(conn)?;
            Ok(rows
                .into_iter()
                .map(|(index, row)| {
                    let event = AuditEvent::from(row);
                    (
                        index.expect("in the log") as u64,
                        openssl::base64::encode_block(&event.leaf_hash()),
                    )
                })
                .collect())
        })
        .unwrap()
}

/// The supervision alerts on `tender` as `token` reads them, once the
/// alert that all three bid from one address is there (every test client
/// is 127.0.0.1).
async fn alerts(app: &TestApp, token: &str, tender: &str) -> Vec<Value> {
    for _ in 0..200 {
        let reply = app
            .get(
                &format!("/api/v1/supervision/alerts?tender_id={tender}"),
                Some(token),
            )
            .await;
        reply.assert_status(200);
        let items = reply.json()["items"].as_array().unwrap().clone();
        if items.iter().any(is_the_same_address_alert) {
            return items;
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("no same_client_address alert on {tender}");
}

/// The alert that the three bidders bid from one address (one about two
/// of them may come first, while the third bid is on its way).
fn is_the_same_address_alert(a: &Value) -> bool {
    a["kind"] == "same_client_address" && a["summary"].as_str().unwrap().starts_with("3 bidders")
}

/// The alerts on `tender` as `who` reads them: an operator of another
/// league reads no alert of this league's tenders (league operators read
/// their own league's), so it is not waited for.
async fn alerts_as(app: &TestApp, who: &str, token: &str, tender: &str) -> Vec<Value> {
    if who != "other league's operator" {
        return alerts(app, token, tender).await;
    }
    let reply = app
        .get(
            &format!("/api/v1/supervision/alerts?tender_id={tender}"),
            Some(token),
        )
        .await;
    reply.assert_status(200);
    let items = reply.json()["items"].as_array().unwrap().clone();
    // NNG's record is NNG's: another league's operator reads none of it.
    assert!(items.is_empty(), "{who}: {items:#?}");
    items
}

fn same_address(alerts: &[Value]) -> &Value {
    alerts
        .iter()
        .find(|a| is_the_same_address_alert(a))
        .unwrap_or_else(|| panic!("no same_client_address alert: {alerts:#?}"))
}

/// What the supervisor's live feed replays from the start of the log.
async fn feed_replay(app: &TestApp, token: &str) -> Vec<Value> {
    use futures_util::StreamExt;
    use tokio_tungstenite::tungstenite::Message;
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let url = format!(
        "{}/api/v1/supervision/live?after=0",
        app.base.replacen("http", "ws", 1)
    );
    let mut request = url.into_client_request().unwrap();
    request
        .headers_mut()
        .insert("Authorization", format!("Bearer {token}").parse().unwrap());
    let mut socket = tokio_tungstenite::connect_async(request).await.unwrap().0;
    let mut events = Vec::new();
    loop {
        let frame = tokio::time::timeout(std::time::Duration::from_secs(10), socket.next())
            .await
            .expect("the replay")
            .unwrap()
            .unwrap();
        let Message::Text(text) = frame else { continue };
        let v: Value = serde_json::from_str(&text).unwrap();
        if v["type"] == "live" {
            return events;
        }
        events.push(v["event"].clone());
    }
}

#[actix_web::test]
async fn before_the_opening_no_one_but_each_bidder_learns_who_bid_or_how_many() {
    let r = Registry::new().await;
    let app = &r.app;
    let nng = &r.nng;
    nng.enterprise("second", NAMES[1], &credit("91450100MA5T0003C"));
    nng.enterprise("third", NAMES[2], &credit("91450100MA5T0004D"));
    let dir = tempfile::tempdir().unwrap();
    let (tenderer, tender, opening) = tender_with_opening_cert(&r, dir.path()).await;
    let staff = Staff {
        tenderer: tenderer.clone(),
        league_operator: r.operator.clone(),
        platform_operator: app.platform_operator("平台运维"),
        other_league_operator: app.user(
            "柳州运维",
            Role::Operator,
            "LZH",
            "柳州市公共资源交易中心",
        ),
        supervisor: app.user("监督员", Role::Supervisor, "NNG", "南宁市财政局"),
    };
    // Three enterprises bid, from one address (every test client is
    // 127.0.0.1): collusion is signalled at once.
    let mut bidders = Vec::new();
    for (i, name) in ["builder", "second", "third"].into_iter().enumerate() {
        let token = sign_in(&r, nng, name).await;
        let schedule = json!({ "total_price_fen": 90_000_000 + i as i64 * 3_000_000,
                               "duration_days": 90, "key_terms": { "质保期": "3 年" } });
        let zip = container(&nng.dir, name, &schedule);
        let make = Make {
            gcm: true,
            outer: true,
        };
        let bid = envelope(nng, name, &zip, &opening, make);
        let reply = submit(&r, &token, &tender, &bid).await;
        reply.assert_status(201);
        let bid_id = reply.json()["bid_id"].as_str().unwrap().to_string();
        bidders.push((token, bid_id));
    }
    let size = app.wait_for_log().await;
    let submitted = leaves_of(app, "bid.submitted");
    assert_eq!(submitted.len(), 3);

    // Each bidder sees its own bid and receipt, and no one else's.
    let (builder, builder_bid) = &bidders[0];
    let mine = app
        .get(&format!("/api/v1/tenders/{tender}/bids"), Some(builder))
        .await
        .json();
    assert_eq!(mine["items"].as_array().unwrap().len(), 1, "{mine:#}");
    assert_eq!(mine["items"][0]["bidder_name"], NAMES[0]);
    assert!(mine.get("bidders").is_none(), "{mine:#}");
    assert!(mine["sealed"].is_string(), "{mine:#}");
    for tail in ["", "/receipt", "/receipt.tsr"] {
        app.get(&format!("/api/v1/bids/{builder_bid}{tail}"), Some(builder))
            .await
            .assert_status(200);
    }
    let (second, _) = &bidders[1];
    app.get(&format!("/api/v1/bids/{builder_bid}"), Some(second))
        .await
        .assert_problem(404, "not-found");

    // Staff learn nothing: no bid, no count, the same answer as if no one
    // had bid, with the reason.
    for (who, token) in staff.all() {
        let list = app
            .get(&format!("/api/v1/tenders/{tender}/bids"), Some(token))
            .await;
        list.assert_status(200);
        let list = list.json();
        assert_eq!(list["items"], json!([]), "{who}: {list:#}");
        assert!(list.get("bidders").is_none(), "{who}: {list:#}");
        assert!(
            list["sealed"].as_str().unwrap().contains("第22条"),
            "{who}: {list:#}"
        );
        for (_, bid) in &bidders {
            for tail in ["", "/receipt", "/receipt.tsr"] {
                app.get(&format!("/api/v1/bids/{bid}{tail}"), Some(token))
                    .await
                    .assert_problem(404, "not-found");
            }
        }
    }

    // The audit record, its export and the log's entries leave the bidders
    // out; the entries are there as their leaf hashes, which cover them in
    // full.
    for (who, token) in staff.readers() {
        let (events, page) = all_events(app, token, "").await;
        assert!(page["sealed"].is_string(), "{who}: {page:#}");
        let named: Vec<&Value> = events.iter().filter(|e| is_about_a_bidder(e)).collect();
        assert!(named.is_empty(), "{who} reads {named:#?}");
        let (for_tender, _) = all_events(app, token, &format!("tender_id={tender}")).await;
        assert!(
            for_tender.iter().all(|e| !is_about_a_bidder(e)),
            "{who}: {for_tender:#?}"
        );
        // Names are derived at read time, and no bidder's is among them:
        // not in the listing, not in the exports' extra columns.
        let text = serde_json::to_string(&for_tender).unwrap();
        assert_eq!(names_any(&text), None, "{who}: {text}");
        for format in ["csv", "jsonl"] {
            let export = app
                .get(
                    &format!("/api/v1/audit/events/export?format={format}&tender_id={tender}"),
                    Some(token),
                )
                .await;
            let text = String::from_utf8(export.body).unwrap();
            assert_eq!(names_any(&text), None, "{who}, {format}: {text}");
        }
        // What the tender's events do name: its title.
        assert!(
            for_tender
                .iter()
                .all(|e| e["tender_title"] == "智慧教室设备采购"),
            "{who}: {for_tender:#?}"
        );
        let (counted, page) = all_events(app, token, "action=bid.submitted").await;
        assert_eq!((counted.len(), &page["total"]), (0, &json!(0)), "{who}");
        for format in ["csv", "jsonl"] {
            let export = app
                .get(
                    &format!("/api/v1/audit/events/export?format={format}"),
                    Some(token),
                )
                .await;
            export.assert_status(200);
            let text = String::from_utf8(export.body).unwrap();
            assert!(
                !text.contains("bid.submitted") && !text.contains("bid_upload"),
                "{who}, {format}: {text}"
            );
        }
        let served = entries(app, token, size).await;
        for (index, leaf_hash) in &submitted {
            let entry = &served[*index as usize];
            assert_eq!(entry["leaf_hash"], json!(leaf_hash), "{who}: {entry}");
            assert_eq!(entry["leaf_input"], Value::Null, "{who}: {entry}");
            assert_eq!(entry["event"], Value::Null, "{who}: {entry}");
        }
        assert!(
            served
                .iter()
                .all(|e| e["event"].is_null() || !is_about_a_bidder(&e["event"])),
            "{who}"
        );
    }
    let replay = feed_replay(app, &staff.supervisor).await;
    assert!(!replay.is_empty());
    assert!(replay.iter().all(|e| !is_about_a_bidder(e)), "{replay:#?}");
    let about_tender: Vec<&Value> = replay
        .iter()
        .filter(|e| e["tender_id"] == json!(tender))
        .collect();
    assert!(!about_tender.is_empty());
    let text = serde_json::to_string(&about_tender).unwrap();
    assert_eq!(names_any(&text), None, "{text}");

    // Supervisors get the collusion signal at once, the bidders by label.
    let before = alerts(app, &staff.supervisor, &tender).await;
    let same = same_address(&before);
    assert_eq!(same["sealed"], true, "{same:#}");
    let summary = same["summary"].as_str().unwrap();
    assert_eq!(
        summary,
        "3 bidders submitted from the same address: bidder 1, bidder 2, bidder 3"
    );
    // The same as a key and params, the bidders by their label numbers and
    // the address left out, as the summary leaves them out.
    assert_eq!(
        (&same["reason"], &same["params"]),
        (
            &json!("alert.same-client-address-sealed"),
            &json!({"count": 3, "labels": [1, 2, 3]})
        ),
        "{same:#}"
    );
    for (who, token) in staff.readers() {
        let read = alerts_as(app, who, token, &tender).await;
        for a in &read {
            let text = a["summary"].as_str().unwrap();
            let params = a["params"].to_string();
            assert!(
                NAMES
                    .iter()
                    .all(|n| !text.contains(n) && !params.contains(n))
                    && !text.contains("127.0.0.1")
                    && !params.contains("127.0.0.1"),
                "{who}: {a:#}"
            );
            assert!(
                a["reason"].as_str().unwrap().ends_with("-sealed"),
                "{who}: {a:#}"
            );
            // Which rows of the log an alert rests on would point at the
            // hidden bid events, and their neighbours at who made them.
            assert_eq!(a["events"], json!([]), "{who}: {a:#}");
        }
        // The alert's audit entry, whose payload hash anyone reading the
        // log sees, holds only the sealed alert: no guess at the names
        // can be confirmed against it.
        let (raised, _) = all_events(app, token, "action=supervision.alert_raised").await;
        for a in read.iter().filter(|a| a["sealed"] == true) {
            let entry = raised
                .iter()
                .find(|e| e["object_id"] == a["id"])
                .unwrap_or_else(|| panic!("{who}: no alert_raised for {a:#}"));
            let sealed = ggzy::supervision::alerts::sealed_payload(
                a["id"].as_str().unwrap(),
                a["kind"].as_str().unwrap(),
                a["summary"].as_str().unwrap(),
            );
            assert_eq!(
                entry["payload_sha256"].as_str().unwrap(),
                ggzy::audit::payload_hash(&sealed).unwrap(),
                "{who}: {entry:#}"
            );
        }
    }

    // An alert kept before keys existed says its English summary alone;
    // one kept before sealed summaries existed, only its kind (said as
    // `alert.details-sealed`). The columns are put back afterwards.
    let id = same["id"].as_str().unwrap().to_string();
    let set = |columns: (Option<&str>, Option<&str>, Option<String>)| {
        let id = id.clone();
        let (summary, reason, params) = (
            columns.0.map(str::to_string),
            columns.1.map(str::to_string),
            columns.2,
        );
        app.db
            .write_blocking(move |conn| {
                use diesel::prelude::*;
                use ggzy::db::schema::supervision_alerts::dsl as a;
                diesel::update(a::supervision_alerts.find(&id))
                    .set((
                        a::sealed_summary.eq(summary),
                        a::sealed_reason.eq(reason),
                        a::sealed_params_json.eq(params),
                    ))
                    .execute(conn)?;
                Ok(())
            })
            .unwrap()
    };
    let read_again = || async {
        let path = format!("/api/v1/supervision/alerts?tender_id={tender}");
        let list = app.get(&path, Some(&staff.supervisor)).await.json();
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["id"] == id.as_str())
            .unwrap()
            .clone()
    };
    set((Some(summary), None, None));
    let older = read_again().await;
    set((None, None, None));
    let oldest = read_again().await;
    set((
        Some(summary),
        Some("alert.same-client-address-sealed"),
        Some(json!({"count": 3, "labels": [1, 2, 3]}).to_string()),
    ));
    assert!(
        older.get("reason").is_none() && older.get("params").is_none(),
        "{older:#}"
    );
    assert_eq!(older["summary"], summary);
    assert_eq!(
        (&oldest["summary"], &oldest["reason"], &oldest["params"]),
        (
            &json!(
                "same_client_address: the details name bidders and are sealed until the opening"
            ),
            &json!("alert.details-sealed"),
            &json!({"kind": "same_client_address"})
        ),
        "{oldest:#}"
    );
    assert_eq!(read_again().await, *same, "put back");

    // The opening.
    start_opening_at_deadline(&r, &tenderer, &tender).await;
    release_tenderer_share(&r, dir.path(), &tenderer, &tender).await;
    release_platform_share(&r, &tender).await;
    wait_for_opening(&r, &tender).await;
    let size = app.wait_for_log().await;

    // Now the tender's managers, supervisors in scope, the platform
    // operator and the league's operators see the bidders; another
    // league's operator still does not.
    for (who, token) in staff.all() {
        let list = app
            .get(&format!("/api/v1/tenders/{tender}/bids"), Some(token))
            .await
            .json();
        assert!(list.get("sealed").is_none(), "{who}: {list:#}");
        let (_, bid) = &bidders[2];
        let one = app.get(&format!("/api/v1/bids/{bid}"), Some(token)).await;
        if who == "other league's operator" {
            assert_eq!(list["items"], json!([]), "{who}: {list:#}");
            assert!(list.get("bidders").is_none(), "{who}: {list:#}");
            one.assert_problem(404, "not-found");
        } else {
            assert_eq!(list["bidders"], 3, "{who}: {list:#}");
            let mut names: Vec<&str> = list["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|b| b["bidder_name"].as_str().unwrap())
                .collect();
            names.sort_unstable();
            let mut expected = NAMES.to_vec();
            expected.sort_unstable();
            assert_eq!(names, expected, "{who}");
            one.assert_status(200);
            assert_eq!(one.json()["bidder_name"], NAMES[2]);
        }
    }
    for (who, token) in staff.readers() {
        let (events, _) = all_events(app, token, "action=bid.submitted").await;
        let served = entries(app, token, size).await;
        let alerts = alerts_as(app, who, token, &tender).await;
        if who == "other league's operator" {
            assert!(events.is_empty(), "{who}: {events:#?}");
            assert!(
                submitted
                    .iter()
                    .all(|(i, _)| served[*i as usize]["event"].is_null()),
                "{who}"
            );
            // Labels stay what they were, and the events stay out.
            for a in &alerts {
                assert_eq!(a["sealed"], true, "{a:#}");
                assert_eq!(a["events"], json!([]), "{a:#}");
            }
            if let Some(same) = alerts.iter().find(|a| is_the_same_address_alert(a)) {
                assert_eq!(same["summary"], summary);
                assert_eq!(same["params"], json!({"count": 3, "labels": [1, 2, 3]}));
            }
        } else {
            let same = same_address(&alerts);
            assert_eq!(events.len(), 3, "{who}: {events:#?}");
            assert!(events.iter().all(|e| e["actor_id"].is_string()), "{who}");
            // Opened: each bid's event names its bidder, as actor (its
            // user acts for it) and as the bid's bidder.
            let mut named: Vec<(&str, &str)> = events
                .iter()
                .map(|e| {
                    (
                        e["actor_name"].as_str().unwrap_or("none"),
                        e["object_name"].as_str().unwrap_or("none"),
                    )
                })
                .collect();
            named.sort_unstable();
            let mut expected: Vec<(&str, &str)> = NAMES.iter().map(|n| (*n, *n)).collect();
            expected.sort_unstable();
            assert_eq!(named, expected, "{who}: {events:#?}");
            let csv = app
                .get(
                    "/api/v1/audit/events/export?format=csv&action=bid.submitted",
                    Some(token),
                )
                .await;
            let text = String::from_utf8(csv.body).unwrap();
            let lines: Vec<&str> = text.lines().collect();
            assert!(
                lines[0].ends_with(",payload_sha256,actor_name,object_name,tender_title"),
                "{text}"
            );
            assert!(
                lines[1].ends_with(&format!(
                    ",{0},{0},智慧教室设备采购",
                    events[0]["actor_name"].as_str().unwrap()
                )),
                "{who}: {text}"
            );
            for (index, leaf_hash) in &submitted {
                let entry = &served[*index as usize];
                assert_eq!(entry["leaf_hash"], json!(leaf_hash), "{who}");
                assert_eq!(entry["event"]["action"], "bid.submitted", "{who}: {entry}");
            }
            assert_eq!(same["sealed"], false, "{who}: {same:#}");
            assert!(
                !same["events"].as_array().unwrap().is_empty(),
                "{who}: {same:#}"
            );
            let text = same["summary"].as_str().unwrap();
            assert!(
                NAMES.iter().all(|n| text.contains(n)) && text.contains("127.0.0.1"),
                "{who}: {same:#}"
            );
            let mut names = NAMES.to_vec();
            names.sort_unstable();
            assert_eq!(
                (&same["reason"], &same["params"]),
                (
                    &json!("alert.same-client-address"),
                    &json!({"count": 3, "address": "127.0.0.1", "bidders": names})
                ),
                "{who}: {same:#}"
            );
        }
    }
    let replay = feed_replay(app, &staff.supervisor).await;
    let submitted: Vec<&Value> = replay
        .iter()
        .filter(|e| e["action"] == "bid.submitted")
        .collect();
    assert_eq!(submitted.len(), 3);
    let mut fed: Vec<&str> = submitted
        .iter()
        .map(|e| e["object_name"].as_str().unwrap_or("none"))
        .collect();
    fed.sort_unstable();
    let mut expected = NAMES.to_vec();
    expected.sort_unstable();
    assert_eq!(fed, expected, "{submitted:#?}");
}
