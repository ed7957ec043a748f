//! The committee and its comparison kept secret until the result
//! (招标投标法 第37条, 第44条), probed from every role on every route that
//! could show a member's name or marks: the committee, the draw record,
//! the room and its events, the venue sign-in sheet, the report (JSON and
//! HTML), the audit events, their export, the log's entries and the live
//! feed, the supervision alerts, experts' profiles, dead letters, the
//! tender and its open data. Each is asked once the room has closed and
//! the candidates are publicised (before the result), then again after
//! the award.
//!
//! The roles: the public (no sign-in), a bidder, another league's
//! operator, the tender's own league's operator, the tenderer, a
//! supervisor whose scope holds the tender, one whose scope does not, a
//! member of the committee, and a platform operator.

use crate::helpers::TestApp;
use crate::rooms::{Client, evaluation_started, league, score, token_of};
use crate::trust::Registry;
use futures_util::StreamExt;
use ggzy::identity::Role;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

/// One reader: a name for messages and its token (none: the public).
#[derive(Clone)]
struct Who {
    name: &'static str,
    token: Option<String>,
}

impl Who {
    fn token(&self) -> Option<&str> {
        self.token.as_deref()
    }
}

/// Every role, by name.
struct Cast {
    public: Who,
    bidder: Who,
    lzh_op: Who,
    nng_op: Who,
    tenderer: Who,
    sup_in: Who,
    sup_out: Who,
    member: Who,
    platform: Who,
}

impl Cast {
    fn all(&self) -> [&Who; 9] {
        [
            &self.public,
            &self.bidder,
            &self.lzh_op,
            &self.nng_op,
            &self.tenderer,
            &self.sup_in,
            &self.sup_out,
            &self.member,
            &self.platform,
        ]
    }
}

fn who(name: &'static str, token: &str) -> Who {
    Who {
        name,
        token: Some(token.to_string()),
    }
}

/// What a refused reader gets: 401 signed out, 403 signed in.
#[track_caller]
fn assert_refused(reply: &crate::helpers::Reply, w: &Who, path: &str) {
    let (status, code) = if w.token.is_none() {
        (401, "unauthenticated")
    } else {
        (403, "forbidden")
    };
    assert_eq!(
        reply.status,
        status,
        "{} at {path}: {}",
        w.name,
        String::from_utf8_lossy(&reply.body)
    );
    reply.assert_problem(status, code);
}

/// Whether `text` names any of `secrets`.
fn names_any(text: &str, secrets: &[String]) -> Option<String> {
    secrets.iter().find(|s| text.contains(s.as_str())).cloned()
}

/// The tender's events `w` reads in the audit listing, oldest first, as
/// (action, actor role).
async fn listed_actions(app: &TestApp, tender: &str, w: &Who) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for page in 1.. {
        let reply = app
            .get(
                &format!("/api/v1/audit/events?tender_id={tender}&per_page=100&page={page}"),
                w.token(),
            )
            .await;
        reply.assert_status(200);
        let reply = reply.json();
        assert!(
            reply["sealed"].as_str().unwrap().contains("第37条"),
            "{reply}"
        );
        let items = reply["items"].as_array().unwrap();
        for e in items {
            out.push((
                e["action"].as_str().unwrap().to_string(),
                e["actor_role"].as_str().unwrap().to_string(),
            ));
        }
        if items.is_empty() || out.len() as u64 >= reply["total"].as_u64().unwrap() {
            break;
        }
    }
    out
}

/// Whether `listed` is how `later`, read after it, began (events only
/// join the record at its end).
fn is_prefix(listed: &[(String, String)], later: &[(String, String)]) -> bool {
    listed.len() <= later.len() && later[..listed.len()] == *listed
}

fn about_committee((action, role): &(String, String)) -> bool {
    action.starts_with("room.") || action.starts_with("committee.") || role == "expert"
}

/// The log's entries (every one up to the latest checkpoint) as `w` reads
/// them: (leaf hash, event or null).
async fn entries(app: &TestApp, w: &Who) -> Vec<(String, Value)> {
    let size = app.wait_for_log().await;
    let mut out = Vec::new();
    let mut start = 0;
    while start < size {
        let end = (start + 1000).min(size);
        let page = app
            .get(
                &format!("/api/v1/audit/log/entries?start={start}&end={end}"),
                w.token(),
            )
            .await;
        page.assert_status(200);
        for e in page.json()["entries"].as_array().unwrap() {
            out.push((
                e["leaf_hash"].as_str().unwrap().to_string(),
                e["event"].clone(),
            ));
        }
        start = end;
    }
    out
}

/// The live feed's replay for `tender` as `token` reads it: the actions.
async fn feed_actions(app: &TestApp, tender: &str, token: &str) -> Vec<String> {
    let ws = app.base.replacen("http", "ws", 1);
    let url = format!("{ws}/api/v1/supervision/live?after=0&tender_id={tender}");
    let mut request = url.into_client_request().unwrap();
    request
        .headers_mut()
        .insert("Authorization", format!("Bearer {token}").parse().unwrap());
    let mut socket = tokio_tungstenite::connect_async(request).await.unwrap().0;
    let mut actions = Vec::new();
    loop {
        let frame = tokio::time::timeout(std::time::Duration::from_secs(10), socket.next())
            .await
            .expect("the feed's replay")
            .unwrap()
            .unwrap();
        let Message::Text(text) = frame else {
            continue;
        };
        let v: Value = serde_json::from_str(&text).unwrap();
        match v["type"].as_str() {
            Some("event") => actions.push(v["event"]["action"].as_str().unwrap().to_string()),
            Some("live") => return actions,
            _ => panic!("unexpected {v}"),
        }
    }
}

/// The tender's seat in an expert's profile history, as `w` reads it.
async fn seat_in_profile(app: &TestApp, expert: &str, tender: &str, w: &Who) -> Option<Value> {
    let profile = app
        .get(&format!("/api/v1/experts/{expert}"), w.token())
        .await;
    profile.assert_status(200);
    profile.json()["history"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["tender_id"] == tender)
        .cloned()
}

/// The dead letter `id` as `w` lists it.
async fn dead_letter(app: &TestApp, id: &str, w: &Who) -> Option<Value> {
    let page = app
        .get("/api/v1/notifications/dead-letters?per_page=100", w.token())
        .await;
    page.assert_status(200);
    page.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["notification_id"] == id)
        .cloned()
}

/// Before the result, or after it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Stage {
    /// The room closed, the report signed, the candidates publicised.
    Before,
    /// Awarded.
    After,
}

struct Secrets {
    /// Every member's name and expert id, and the reason each score gave.
    all: Vec<String>,
    /// The names alone.
    names: Vec<String>,
    /// The ids and the marks' reason: never public.
    private: Vec<String>,
    /// The member whose score was flagged.
    flagged: String,
    /// Its name.
    flagged_name: String,
}

#[actix_web::test]
async fn the_committee_and_its_marks_stay_secret_until_the_result_and_marks_for_good() {
    let r = Registry::new().await;
    let f = evaluation_started(&r).await;
    let (app, tender) = (&r.app, f.tender.clone());

    // --- The cast.
    let lzh_op = app.user_custom("柳州运维", &[Role::Operator], "LZH", None, None);
    let sup_out = app.supervisor(
        "土地监督员",
        "administrative",
        Some("land_mining_rights"),
        Some("NNG"),
    );
    let member_token = token_of(&r, &f.members[0]).await;
    let mut cast = Cast {
        public: Who {
            name: "the public",
            token: None,
        },
        bidder: who(
            "a bidder",
            &crate::bids::sign_in(&r, &r.nng, "builder").await,
        ),
        lzh_op: who("another league's operator", &lzh_op),
        nng_op: who("the tender's league's operator", &r.operator),
        tenderer: who("the tenderer", &f.tenderer),
        sup_in: who("a supervisor in scope", &f.supervisor),
        sup_out: who("a supervisor out of scope", &sup_out),
        member: who("a member", &member_token),
        platform: who("a platform operator", &r.platform),
    };

    // Evaluating: the public no longer learns the committee when the
    // evaluation starts (the first thing this issue found wrong).
    let view = app
        .get(&format!("/api/v1/tenders/{tender}/committee"), None)
        .await
        .json();
    assert_eq!(view["sealed"], true, "{view}");
    assert_eq!(view["members"], json!([]));
    assert_eq!(view["seated"], 5);

    // --- The room: a member with an address (its room_opened letter will
    // be a dead letter), one score far from the others (an alert naming
    // the member and its marks), the report signed by all.
    app.verified_address(&member_token, "member0@example.com")
        .await;
    app.post_json(
        &format!("/api/v1/tenders/{tender}/evaluation/room"),
        Some(&f.tenderer),
        &json!({"blind_technical": false, "deviation_percent": 30}),
    )
    .await
    .assert_status(201);
    let letter = app.inbox_of(&member_token, "room_opened").await[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    app.eml(&letter).await;
    {
        let letter = letter.clone();
        app.db
            .write_blocking(move |conn| {
                use diesel::prelude::*;
                use ggzy::db::schema::email_deliveries;
                // As if the mailbox had refused it for good (the worker's
                // own path to a dead letter is tests/api/notifications.rs's).
                diesel::update(email_deliveries::table.find(&letter))
                    .set((
                        email_deliveries::state.eq("dead"),
                        email_deliveries::last_error.eq(Some("550 5.1.1 mailbox unavailable")),
                    ))
                    .execute(conn)?;
                Ok(())
            })
            .unwrap();
    }
    let mut clients = Vec::new();
    let mut tokens = Vec::new();
    for e in &f.members {
        let token = token_of(&r, e).await;
        clients.push(Client::open(app, &tender, &token).await);
        tokens.push(token);
    }
    for c in clients.iter_mut() {
        c.ok(json!({"type": "declare"})).await;
    }
    let chair = 1;
    for c in clients.iter_mut().take(3) {
        c.ok(json!({"type": "vote", "candidate": f.members[chair].id}))
            .await;
    }
    // The review round (no items here): the chair closes it.
    let reviewed = clients[chair].ok(json!({"type": "close_round"})).await;
    clients[chair].until(reviewed + 1).await;
    for criterion in ["tech", "biz"] {
        for (i, c) in clients.iter_mut().enumerate() {
            for bid in ["A", "B", "C"] {
                let points = match (criterion, i, bid) {
                    ("tech", 4, "A") => 5.0,
                    ("tech", _, _) => 35.0,
                    _ => 15.0,
                };
                c.ok(score(bid, criterion, points)).await;
            }
        }
        let closed = clients[chair].ok(json!({"type": "close_round"})).await;
        clients[chair].until(closed + 1).await;
    }
    let view = app
        .get(
            &format!("/api/v1/tenders/{tender}/evaluation/report"),
            Some(&f.supervisor),
        )
        .await
        .json();
    let text = view["signed_text"].as_str().unwrap().to_string();
    let mut last = 0;
    for (i, e) in f.members.iter().enumerate() {
        let signature = league(&r, e.league).sign_raw(&e.file, &text);
        last = clients[i]
            .ok(json!({"type": "sign", "signature": signature}))
            .await;
    }
    clients[0].until(last + 1).await;
    drop(clients);

    let full = app
        .get(
            &format!("/api/v1/tenders/{tender}/committee"),
            Some(&f.supervisor),
        )
        .await
        .json();
    let names: Vec<String> = full["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(names.len(), 5);
    let ids: Vec<String> = f.members.iter().map(|m| m.id.clone()).collect();
    let mut private = ids.clone();
    private.push("符合要求".into());
    let secrets = Secrets {
        all: names.iter().chain(private.iter()).cloned().collect(),
        names,
        private,
        flagged: f.members[4].id.clone(),
        flagged_name: full["members"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["expert_id"] == f.members[4].id.as_str())
            .and_then(|m| m["name"].as_str())
            .unwrap_or_else(|| panic!("{full:#}"))
            .to_string(),
    };

    probe(app, &tender, &cast, &f, &secrets, &letter, Stage::Before).await;

    // --- The award, after the publicity period (certificate sessions are
    // signed in again three days on).
    app.clock
        .advance(chrono::Duration::days(3) + chrono::Duration::seconds(1));
    app.post_json(
        &format!("/api/v1/tenders/{tender}/transitions"),
        Some(&f.tenderer),
        &json!({"action": "award", "reason": ""}),
    )
    .await
    .assert_status(200);
    cast.member.token = Some(token_of(&r, &f.members[0]).await);
    cast.bidder.token = Some(crate::bids::sign_in(&r, &r.nng, "builder").await);

    probe(app, &tender, &cast, &f, &secrets, &letter, Stage::After).await;
}

/// Every route, from every role, at `stage`.
async fn probe(
    app: &TestApp,
    tender: &str,
    cast: &Cast,
    f: &crate::rooms::Fixture,
    secrets: &Secrets,
    letter: &str,
    stage: Stage,
) {
    let before = stage == Stage::Before;
    let watchers = |w: &Who| {
        std::ptr::eq(w, &cast.sup_in)
            || std::ptr::eq(w, &cast.platform)
            || std::ptr::eq(w, &cast.member)
    };

    // --- The committee: the names, to watchers and the tenderer before
    // the result; to all after it; decline reasons to watchers only.
    let path = format!("/api/v1/tenders/{tender}/committee");
    for w in cast.all() {
        let reply = app.get(&path, w.token()).await;
        reply.assert_status(200);
        let view = reply.json();
        let named = std::ptr::eq(w, &cast.sup_in)
            || std::ptr::eq(w, &cast.platform)
            || std::ptr::eq(w, &cast.tenderer)
            || !before;
        assert_eq!(view["sealed"], !named, "{} {stage:?}: {view}", w.name);
        let text = view.to_string();
        if named {
            for name in &secrets.names {
                assert!(text.contains(name.as_str()), "{} {stage:?}: {name}", w.name);
            }
        } else {
            assert_eq!(view["members"], json!([]), "{}", w.name);
            assert_eq!(names_any(&text, &secrets.all), None, "{} {stage:?}", w.name);
        }
    }

    // --- The draw's record: supervisors in scope and the platform only,
    // before and after.
    let path = format!("/api/v1/tenders/{tender}/committee/draw-record");
    for w in cast.all() {
        let reply = app.get(&path, w.token()).await;
        if std::ptr::eq(w, &cast.sup_in) || std::ptr::eq(w, &cast.platform) {
            reply.assert_status(200);
        } else {
            assert_refused(&reply, w, &path);
        }
    }

    // --- The room, its events, its live socket, the bids' documents: the
    // members and the watchers, before and after (the marks are never
    // published).
    for path in [
        format!("/api/v1/tenders/{tender}/evaluation/room"),
        format!("/api/v1/tenders/{tender}/evaluation/room/events?limit=500"),
        format!("/api/v1/tenders/{tender}/evaluation/room/live"),
        format!("/api/v1/tenders/{tender}/evaluation/bids/A/container"),
    ] {
        for w in cast.all() {
            let reply = app.get(&path, w.token()).await;
            if watchers(w) {
                assert!(
                    ![401, 403].contains(&reply.status),
                    "{} at {path}: {}",
                    w.name,
                    reply.status
                );
            } else {
                assert_refused(&reply, w, &path);
            }
        }
    }

    // --- The venue sign-in sheets: venue staff read their own venue's
    // (they receive the members there), supervisors in scope and the
    // platform every venue's; nobody else.
    for venue in ["NNG", "LZH"] {
        let path = format!("/api/v1/tenders/{tender}/evaluation/venues/{venue}/sign-in");
        for w in cast.all() {
            let reply = app.get(&path, w.token()).await;
            let staff = (venue == "NNG" && std::ptr::eq(w, &cast.nng_op))
                || (venue == "LZH" && std::ptr::eq(w, &cast.lzh_op));
            if staff || std::ptr::eq(w, &cast.sup_in) || std::ptr::eq(w, &cast.platform) {
                reply.assert_status(200);
            } else {
                assert_refused(&reply, w, &path);
            }
        }
    }

    // --- The report: in full to the members, watchers and the tenderer
    // once closed; before the result nobody else; after it, everyone else
    // what the law publishes: names, means, totals, ranking, no marks.
    for path in [
        format!("/api/v1/tenders/{tender}/evaluation/report"),
        format!("/api/v1/tenders/{tender}/evaluation/report.html"),
    ] {
        let html = path.ends_with(".html");
        for w in cast.all() {
            let reply = app.get(&path, w.token()).await;
            let full = watchers(w) || std::ptr::eq(w, &cast.tenderer);
            if !full && before {
                assert_refused(&reply, w, &path);
                continue;
            }
            reply.assert_status(200);
            let text = String::from_utf8(reply.body.clone()).unwrap();
            if full {
                assert!(
                    text.contains(&secrets.flagged),
                    "{} {stage:?} {path}",
                    w.name
                );
                if !html {
                    let view = reply.json();
                    assert_eq!(view["sight"], "full");
                    assert_eq!(view["report"]["scores"].as_array().unwrap().len(), 30);
                }
                continue;
            }
            assert_eq!(
                names_any(&text, &secrets.private),
                None,
                "{} {stage:?} {path}: {text}",
                w.name
            );
            for name in &secrets.names {
                assert!(text.contains(name.as_str()), "{} {path}: {name}", w.name);
            }
            if !html {
                let view = reply.json();
                assert_eq!(view["sight"], "public");
                assert_eq!(view["closed"], true);
                let report = &view["report"];
                for key in ["scores", "flags", "clarifications", "review"] {
                    assert!(report.get(key).is_none(), "{key}: {report}");
                }
                assert_eq!(report["ranking"].as_array().unwrap().len(), 3);
                let lot = &report["lots"][0];
                assert_eq!(lot["bids"].as_array().unwrap().len(), 3);
                assert!(lot["bids"][0]["criteria"]["tech"].is_number());
                assert_eq!(lot["candidates"].as_array().unwrap().len(), 3);
                assert_eq!(report["members"].as_array().unwrap().len(), 5);
                for s in view["signatures"].as_array().unwrap() {
                    assert!(s.get("signature").is_none() && s.get("expert").is_none());
                }
            }
        }
    }

    // --- The audit events: a league's operators read nothing of the
    // committee or the room until the result; supervisors in scope and
    // the platform everything; no one else reads the record.
    let path = format!("/api/v1/audit/events?tender_id={tender}&per_page=100");
    for w in [&cast.public, &cast.bidder, &cast.tenderer, &cast.member] {
        assert_refused(&app.get(&path, w.token()).await, w, &path);
    }
    for w in [&cast.lzh_op, &cast.sup_out] {
        assert_eq!(listed_actions(app, tender, w).await, vec![], "{}", w.name);
    }
    // (Read in this order: what a later read adds is at the end.)
    let nng = listed_actions(app, tender, &cast.nng_op).await;
    let export = app
        .get(
            &format!("/api/v1/audit/events/export?format=jsonl&tender_id={tender}"),
            cast.nng_op.token(),
        )
        .await;
    export.assert_status(200);
    let exported: Vec<(String, String)> = String::from_utf8(export.body.clone())
        .unwrap()
        .lines()
        .map(|l| {
            let e: Value = serde_json::from_str(l).unwrap();
            (
                e["action"].as_str().unwrap().to_string(),
                e["actor_role"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let platform = listed_actions(app, tender, &cast.platform).await;
    let supervisor = listed_actions(app, tender, &cast.sup_in).await;
    let scores =
        |list: &[(String, String)]| list.iter().filter(|(a, _)| a == "room.score.given").count();
    assert_eq!(scores(&platform), 30);
    assert!(
        is_prefix(&platform, &supervisor),
        "a supervisor in scope reads it all"
    );
    if before {
        assert!(!nng.is_empty());
        assert!(
            !nng.iter().any(about_committee),
            "{:?}",
            nng.iter()
                .filter(|e| about_committee(e))
                .collect::<Vec<_>>()
        );
        let rest: Vec<(String, String)> = platform
            .iter()
            .filter(|e| !about_committee(e))
            .cloned()
            .collect();
        assert!(is_prefix(&nng, &rest), "the rest is the same");
        assert!(!exported.iter().any(about_committee), "the export");
        assert!(is_prefix(&nng, &exported), "the export lists the same");
    } else {
        assert_eq!(scores(&nng), 30);
        assert!(is_prefix(&nng, &platform));
        assert_eq!(scores(&exported), 30);
    }
    // The names events are read with (derived at read time, never logged):
    // the members' only to those who read the committee, here as the
    // invitations' objects.
    let invited = |text: &str| -> Vec<String> {
        let mut out: Vec<String> = text
            .lines()
            .filter_map(|l| {
                let e: Value = serde_json::from_str(l).unwrap();
                (e["action"] == "committee.invited")
                    .then(|| e["object_name"].as_str().unwrap_or("(none)").to_string())
            })
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    };
    let league_text = String::from_utf8(export.body.clone()).unwrap();
    if before {
        assert_eq!(
            names_any(&league_text, &secrets.names),
            None,
            "{league_text}"
        );
    } else {
        let named = invited(&league_text);
        assert!(
            secrets.names.iter().all(|n| named.contains(n)) && !named.contains(&"(none)".into()),
            "{named:?}"
        );
    }
    let watched = app
        .get(
            &format!("/api/v1/audit/events/export?format=jsonl&tender_id={tender}"),
            cast.sup_in.token(),
        )
        .await;
    let named = invited(&String::from_utf8(watched.body).unwrap());
    assert!(
        secrets.names.iter().all(|n| named.contains(n)) && !named.contains(&"(none)".into()),
        "a supervisor in scope, {stage:?}: {named:?}"
    );

    // The log's entries: the same entries as leaf hashes only, so every
    // proof still verifies.
    let full = entries(app, &cast.platform).await;
    let league = entries(app, &cast.nng_op).await;
    let mut sealed = 0;
    for ((hash, event), (league_hash, league_event)) in full.iter().zip(&league) {
        assert_eq!(hash, league_hash, "the leaf hashes are the same");
        if event["tender_id"] != tender {
            continue;
        }
        let key = (
            event["action"].as_str().unwrap().to_string(),
            event["actor_role"].as_str().unwrap().to_string(),
        );
        if before && about_committee(&key) {
            assert!(league_event.is_null(), "{event}");
            sealed += 1;
        } else {
            assert_eq!(league_event, event);
        }
    }
    assert_eq!(sealed > 0, before, "entries sealed {stage:?}: {sealed}");
    assert_eq!(
        full.iter()
            .zip(&entries(app, &cast.sup_in).await)
            .filter(|((_, e), (_, s))| e["tender_id"] == tender && e != s)
            .count(),
        0,
        "a supervisor in scope reads the tender's entries in full"
    );
    app.get("/api/v1/audit/log/entries?start=0&end=1", None)
        .await
        .assert_problem(401, "unauthenticated");
    for w in [&cast.bidder, &cast.tenderer, &cast.member] {
        app.get("/api/v1/audit/log/entries?start=0&end=1", w.token())
            .await
            .assert_problem(403, "forbidden");
    }

    // The live feed's replay.
    let feed = feed_actions(app, tender, cast.nng_op.token().unwrap()).await;
    let feed_committee = feed
        .iter()
        .filter(|a| a.starts_with("room.") || a.starts_with("committee."))
        .count();
    assert_eq!(feed_committee == 0, before, "{feed:?}");
    let feed_full = feed_actions(app, tender, cast.sup_in.token().unwrap()).await;
    assert!(feed_full.iter().any(|a| a == "room.score.given"));

    // --- The alerts: the score far from the others names the member and
    // its marks; a league's operators read only that it is sealed.
    let path = format!("/api/v1/supervision/alerts?tender_id={tender}");
    assert_refused(&app.get(&path, None).await, &cast.public, &path);
    for w in [&cast.bidder, &cast.tenderer, &cast.member] {
        assert_refused(&app.get(&path, w.token()).await, w, &path);
    }
    for w in cast.all().into_iter().filter(|w| {
        std::ptr::eq(*w, &cast.nng_op)
            || std::ptr::eq(*w, &cast.sup_in)
            || std::ptr::eq(*w, &cast.platform)
            || std::ptr::eq(*w, &cast.lzh_op)
    }) {
        let list = app.get(&path, w.token()).await.json();
        let deviations: Vec<&Value> = list["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|a| a["kind"] == "score_deviation")
            .collect();
        if std::ptr::eq(w, &cast.lzh_op) {
            assert!(deviations.is_empty(), "another league's: {list}");
            continue;
        }
        assert_eq!(deviations.len(), 1, "{}: {list}", w.name);
        let alert = deviations[0];
        let sealed = before && std::ptr::eq(w, &cast.nng_op);
        assert_eq!(alert["sealed"], sealed, "{} {stage:?}: {alert}", w.name);
        let summary = alert["summary"].as_str().unwrap();
        assert_eq!(
            summary.contains(&secrets.flagged_name),
            !sealed,
            "{} {stage:?}: {summary}",
            w.name
        );
        // Said as a key and params too: the member by its name, never its
        // id; sealed, only the alert's kind.
        let params = alert["params"].to_string();
        assert!(
            !summary.contains(&secrets.flagged) && !params.contains(&secrets.flagged),
            "{} {stage:?}: {alert}",
            w.name
        );
        if sealed {
            assert_eq!(
                (&alert["reason"], &alert["params"]),
                (
                    &json!("alert.committee-sealed"),
                    &json!({"kind": "score_deviation"})
                ),
                "{}: {alert}",
                w.name
            );
            assert!(
                secrets.all.iter().all(|s| !params.contains(s)),
                "{}: {alert}",
                w.name
            );
            // Nor can the member's name be tried against the hash of the
            // alert's entry in the log, which this reader is served: it
            // holds only what the reader is shown.
            let raised = app
                .get(
                    &format!(
                        "/api/v1/audit/events?action=supervision.alert_raised&tender_id={tender}&per_page=100"
                    ),
                    w.token(),
                )
                .await;
            raised.assert_status(200);
            let raised = raised.json();
            let entry = raised["items"]
                .as_array()
                .unwrap()
                .iter()
                .find(|e| e["object_id"] == alert["id"])
                .unwrap_or_else(|| panic!("{}: no alert_raised in {raised}", w.name));
            let recorded = ggzy::supervision::alerts::sealed_payload(
                alert["id"].as_str().unwrap(),
                "score_deviation",
                summary,
            );
            assert_eq!(
                entry["payload_sha256"].as_str().unwrap(),
                ggzy::audit::payload_hash(&recorded).unwrap(),
                "{}: {entry}",
                w.name
            );
        } else {
            assert_eq!(alert["reason"], "alert.score-deviation", "{}", w.name);
            assert_eq!(
                alert["params"]["expert"], secrets.flagged_name,
                "{}: {alert}",
                w.name
            );
        }
    }

    // --- Experts' profiles: a member's seat on this tender shows to the
    // expert, the platform and supervisors in scope; to a league's
    // operators and other supervisors once the result is decided.
    let expert = &f.members[0].id;
    for w in [&cast.public, &cast.bidder, &cast.tenderer] {
        let path = format!("/api/v1/experts/{expert}");
        assert_refused(&app.get(&path, w.token()).await, w, &path);
    }
    for w in [
        &cast.nng_op,
        &cast.lzh_op,
        &cast.sup_in,
        &cast.sup_out,
        &cast.platform,
        &cast.member,
    ] {
        let seat = seat_in_profile(app, expert, tender, w).await;
        let shown = !before
            || std::ptr::eq(w, &cast.sup_in)
            || std::ptr::eq(w, &cast.platform)
            || std::ptr::eq(w, &cast.member);
        assert_eq!(seat.is_some(), shown, "{} {stage:?}: {seat:?}", w.name);
    }
    let listed = app.get("/api/v1/experts", cast.nng_op.token()).await;
    listed.assert_status(200);
    let listed_seats = listed.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|e| e["history"].as_array().unwrap().clone())
        .filter(|h| h["tender_id"] == tender)
        .count();
    assert_eq!(
        listed_seats > 0,
        !before,
        "the pool listing: {listed_seats}"
    );

    // --- The member's undelivered room_opened letter: its state only,
    // until the result.
    for w in [&cast.nng_op, &cast.platform] {
        let d = dead_letter(app, letter, w).await.expect("listed");
        assert_eq!(d["sealed"], before, "{} {stage:?}: {d}", w.name);
        assert_eq!(d["user_id"].is_null(), before, "{}: {d}", w.name);
        assert_eq!(d["address"].is_null(), before, "{}: {d}", w.name);
    }
    assert!(dead_letter(app, letter, &cast.lzh_op).await.is_none());

    // --- The tender and its open data name no member before the result;
    // after it, government procurement's award notice lists the members
    // who evaluated (政府采购法实施条例 第43条), and never their ids or marks.
    for path in [
        format!("/api/v1/tenders/{tender}"),
        format!("/api/v1/opendata/tenders/{tender}/record"),
        format!("/api/v1/opendata/tenders/{tender}/releases"),
    ] {
        let reply = app.get(&path, None).await;
        reply.assert_status(200);
        let text = String::from_utf8(reply.body.clone()).unwrap();
        if before {
            assert_eq!(names_any(&text, &secrets.all), None, "{path}");
        } else {
            assert_eq!(names_any(&text, &secrets.private), None, "{path}");
        }
    }
    let page = app.get(&format!("/api/v1/tenders/{tender}"), None).await;
    let page = String::from_utf8(page.body).unwrap();
    assert_eq!(
        page.contains("评审专家名单"),
        !before,
        "the award notice lists the committee once awarded"
    );
}
