//! The committee side's messages, read from the recipients' inboxes over
//! HTTP: invitations to the drawn experts only, each with its answer
//! deadline; an invitation left unanswered lapses, the next reserve is
//! invited with its own message and a late answer is refused; the room's
//! opening to its members; the opening key's custodians asked for their
//! shares; supervision alerts to the supervisors in scope who asked, sealed
//! as the alert list is and never twice.

use crate::bids::{tender_with_opening_cert, three_valid_bids};
use crate::helpers::TestApp;
use crate::trust::Registry;
use ggzy::identity::Role;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::time::Duration;

/// One message in full (its plain text in `body_text`).
async fn message(app: &TestApp, token: &str, item: &Value) -> Value {
    let id = item["id"].as_str().unwrap();
    let reply = app
        .get(&format!("/api/v1/me/notifications/{id}"), Some(token))
        .await;
    reply.assert_status(200);
    reply.json()
}

/// The one message of `kind` in the inbox, in full.
async fn only_message(app: &TestApp, token: &str, kind: &str) -> Value {
    let items = app.inbox_of(token, kind).await;
    assert_eq!(items.len(), 1, "one {kind} message: {items:#?}");
    message(app, token, &items[0]).await
}

/// How a time reads in a Chinese message.
fn beijing(at: &str) -> String {
    let at: chrono::DateTime<chrono::Utc> = at.parse().unwrap();
    (at + chrono::Duration::hours(8))
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

fn rfc3339(v: &Value) -> chrono::DateTime<chrono::Utc> {
    v.as_str().unwrap().parse().unwrap()
}

/// A member of the pool: its token and expert id.
struct PoolExpert {
    token: String,
    id: String,
}

/// Seven available experts of one league and one specialty.
async fn pool_of_seven(app: &TestApp, operator: &str) -> Vec<PoolExpert> {
    let mut out = Vec::new();
    for i in 0..7 {
        let token = app.user(
            &format!("专家{i}"),
            Role::Expert,
            "NNG",
            &format!("评审单位{i}"),
        );
        let user_id = app.user_id_of(&token).await;
        let reply = app
            .post_json(
                "/api/v1/experts",
                Some(operator),
                &json!({"user_id": user_id, "employer": {"name": format!("评审单位{i}")},
                        "specialties": ["B0102"]}),
            )
            .await;
        reply.assert_status(201);
        app.put_json(
            "/api/v1/experts/me/availability",
            Some(&token),
            &json!({"available": true}),
        )
        .await
        .assert_status(200);
        out.push(PoolExpert {
            token,
            id: reply.json()["id"].as_str().unwrap().to_string(),
        });
    }
    out
}

/// The committee's members as a supervisor in scope reads them, by expert.
async fn members(app: &TestApp, tender: &str, supervisor: &str) -> HashMap<String, Value> {
    let view = app
        .get(
            &format!("/api/v1/tenders/{tender}/committee"),
            Some(supervisor),
        )
        .await
        .json();
    view["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["expert_id"].as_str().unwrap().to_string(), m.clone()))
        .collect()
}

/// The expert's one invitation (to `tender`), from its invitations list.
async fn invitation(app: &TestApp, token: &str, tender: &str) -> Value {
    let list = app
        .get("/api/v1/experts/me/invitations", Some(token))
        .await
        .json();
    let items: Vec<&Value> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["tender_id"] == tender)
        .collect();
    assert_eq!(items.len(), 1, "{list:#}");
    items[0].clone()
}

#[actix_web::test]
async fn an_unanswered_invitation_lapses_the_next_reserve_is_invited_and_a_late_answer_is_refused()
{
    let app = &crate::helpers::spawn_app().await;
    let (tenderer, tender) = app.published_tender().await;
    let platform = app.platform_operator("平台运维");
    let pool = pool_of_seven(app, &platform).await;
    app.post_json(
        &format!("/api/v1/tenders/{tender}/committee/rules"),
        Some(&tenderer),
        &json!({"size": 5, "venues": [{"league": "NNG", "name": "南宁市公共资源交易中心 第三评标室", "main": true}]}),
    )
    .await
    .assert_status(201);
    // The commitment is in the log's tree head before the deadline.
    app.wait_for_log().await;
    let reference = app
        .get(&format!("/api/v1/tenders/{tender}"), None)
        .await
        .json()["reference"]
        .as_str()
        .unwrap()
        .to_string();

    // --- The draw: each of the five drawn is invited, in its inbox, with
    // the deadline of its answer (the default window: 60 minutes).
    let deadline = bid_deadline_of(app, &tender).await;
    app.clock
        .advance(deadline - app.now() + chrono::Duration::seconds(1));
    // Made after the deadline, the supervisor is on the record then: the
    // log signs a checkpoint past the deadline, and the draw can be made.
    let supervisor = app.supervisor(
        "监督员",
        "administrative",
        Some("government_procurement"),
        Some("NNG"),
    );
    app.wait_for_log().await;
    let seated = app.contribute(&tender, &supervisor, "7 7 3").await;
    assert_eq!(seated.len(), 5);
    let expert = |id: &str| pool.iter().find(|e| e.id == id).unwrap();
    for id in &seated {
        let token = &expert(id).token;
        let invited = invitation(app, token, &tender).await;
        assert_eq!(invited["status"], "invited");
        assert_eq!(
            rfc3339(&invited["answer_by"]) - rfc3339(&invited["invited_at"]),
            chrono::Duration::minutes(60),
            "{invited:#}"
        );
        let m = only_message(app, token, "expert_invitation").await;
        assert_eq!(m["link"], "/api/v1/experts/me/invitations");
        assert_eq!(m["tender_id"], tender.as_str());
        let text = m["body_text"].as_str().unwrap();
        assert!(text.contains(&reference), "{text}");
        assert!(text.contains("第三评标室"), "{text}");
        assert!(
            text.contains(&beijing(invited["answer_by"].as_str().unwrap())),
            "the deadline, in Beijing time: {text}"
        );
    }
    // The two left out are reserves: nothing tells them of the committee.
    let reserves: Vec<&PoolExpert> = pool.iter().filter(|e| !seated.contains(&e.id)).collect();
    assert_eq!(reserves.len(), 2);
    for r in &reserves {
        assert!(app.inbox_of(&r.token, "expert_invitation").await.is_empty());
        let list = app
            .get("/api/v1/experts/me/invitations", Some(&r.token))
            .await
            .json();
        assert_eq!(list["items"], json!([]));
    }

    // --- Four answer in time; the fifth does not answer.
    let answer = format!("/api/v1/experts/me/invitations/{tender}");
    for id in &seated[..4] {
        app.post_json(&answer, Some(&expert(id).token), &json!({"accept": true}))
            .await
            .assert_status(200);
    }
    let silent = expert(&seated[4]);
    // At its deadline an answer is late, even before the sweep has marked
    // the invitation: refused, and nothing changes.
    let due = rfc3339(&invitation(app, &silent.token, &tender).await["answer_by"]);
    for accept in [true, false] {
        let (tender, id) = (tender.clone(), silent.id.clone());
        let refused = app
            .db
            .write_blocking(move |conn| {
                let row =
                    ggzy::experts::pool::load(conn, &ggzy::types::ExpertId::parse(&id).unwrap())?;
                let ctx = ggzy::audit::AuditContext::system(due);
                ggzy::experts::committee::answer(conn, &ctx, &tender, &row, accept, Some("迟到"))
            })
            .unwrap_err();
        assert_eq!(refused.code(), "deadline-passed", "{refused}");
    }
    assert_eq!(
        invitation(app, &silent.token, &tender).await["status"],
        "invited"
    );

    // --- An hour and a minute later its invitation lapses, within seconds,
    // and the first reserve that fits is invited in its place.
    app.clock.advance(chrono::Duration::minutes(61));
    let mut now_members = HashMap::new();
    for _ in 0..200 {
        now_members = members(app, &tender, &supervisor).await;
        if now_members[&silent.id]["status"] == "expired" {
            break;
        }
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        now_members[&silent.id]["status"], "expired",
        "{now_members:#?}"
    );
    assert_eq!(now_members.len(), 6, "{now_members:#?}");
    let replacement = reserves
        .iter()
        .find(|r| now_members.contains_key(&r.id))
        .expect("a reserve is invited");
    assert_eq!(now_members[&replacement.id]["status"], "invited");
    let other_reserve = reserves.iter().find(|r| r.id != replacement.id).unwrap();
    // The replacement's invitation is its own, with its own deadline.
    let invited = invitation(app, &replacement.token, &tender).await;
    let answer_by = rfc3339(&invited["answer_by"]);
    assert_eq!(
        answer_by - rfc3339(&invited["invited_at"]),
        chrono::Duration::minutes(60)
    );
    assert!(answer_by > app.now(), "{invited:#}");
    let m = only_message(app, &replacement.token, "expert_invitation").await;
    assert!(
        m["body_text"]
            .as_str()
            .unwrap()
            .contains(&beijing(invited["answer_by"].as_str().unwrap())),
        "{m:#}"
    );
    assert!(
        app.inbox_of(&other_reserve.token, "expert_invitation")
            .await
            .is_empty()
    );
    // Nobody else heard twice.
    for id in &seated {
        assert_eq!(
            app.inbox_of(&expert(id).token, "expert_invitation")
                .await
                .len(),
            1
        );
    }

    // --- A late answer, accept or decline, is refused and changes nothing.
    let before = (
        app.count("committee_members"),
        app.count("draw_replacements"),
        app.count("notifications"),
        app.count("audit_events"),
    );
    for body in [
        json!({"accept": true}),
        json!({"accept": false, "reason": "刚看到"}),
    ] {
        let p = app
            .post_json(&answer, Some(&silent.token), &body)
            .await
            .assert_problem(409, "deadline-passed");
        assert!(p["detail"].as_str().unwrap().contains("answered by"), "{p}");
    }
    assert_eq!(
        before,
        (
            app.count("committee_members"),
            app.count("draw_replacements"),
            app.count("notifications"),
            app.count("audit_events"),
        )
    );
    assert_eq!(
        invitation(app, &silent.token, &tender).await["status"],
        "expired"
    );
    // The replacement answers in time.
    app.post_json(&answer, Some(&replacement.token), &json!({"accept": true}))
        .await
        .assert_status(200);

    // --- The lapse is on the record, by the platform.
    app.wait_for_log().await;
    let log = app
        .get(
            &format!("/api/v1/audit/events?tender_id={tender}&action=committee.expired"),
            Some(&platform),
        )
        .await
        .json();
    let events = log["items"].as_array().unwrap();
    assert_eq!(events.len(), 1, "{log:#}");
    assert_eq!(events[0]["object_id"], silent.id.as_str());

    // --- The draw's record holds the replacement, for the reason
    // `expired`; once the opening has started (the bidders unsealed) both
    // replays accept it: the platform's own and the independent one.
    app.act(&tenderer, &tender, "start_opening", "")
        .await
        .assert_status(200);
    app.wait_for_log().await;
    let record = app
        .get(
            &format!("/api/v1/tenders/{tender}/committee/draw-record"),
            Some(&supervisor),
        )
        .await;
    record.assert_status(200);
    let record = record.json();
    assert_eq!(
        record["replacements"],
        json!([{"expert": silent.id, "reason": "expired", "replacement": replacement.id}]),
        "{record:#}"
    );
    let stdout = crate::experts::verify_online(app, &tender, &supervisor).await;
    assert!(stdout.contains("1 replacement(s)"), "{stdout}");
    let dir = tempfile::tempdir().unwrap();
    let saved = dir.path().join("record.json");
    std::fs::write(&saved, serde_json::to_vec(&record).unwrap()).unwrap();
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/independent/draw_replay.py"
    );
    let replayed = std::process::Command::new("python3")
        .args([script, "--record", saved.to_str().unwrap()])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert!(
        replayed.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&replayed.stdout),
        String::from_utf8_lossy(&replayed.stderr)
    );
}

/// The tender's bid deadline, as its detail states it.
async fn bid_deadline_of(app: &TestApp, tender: &str) -> chrono::DateTime<chrono::Utc> {
    let detail = app
        .get(&format!("/api/v1/tenders/{tender}"), None)
        .await
        .json();
    serde_json::from_value(detail["dates"]["bid_deadline"].clone()).unwrap()
}

#[actix_web::test]
async fn custodians_who_are_people_are_asked_for_their_shares_when_the_opening_starts() {
    let app = &crate::helpers::spawn_app().await;
    app.leagues();
    let (tenderer, _) = app.user_with_org("采购科", Role::Tenderer, "NNG", "南宁市教育局");
    let custodian = app.supervisor(
        "保管监督员",
        "administrative",
        Some("government_procurement"),
        Some("NNG"),
    );
    let bystander = app.supervisor(
        "其他监督员",
        "administrative",
        Some("government_procurement"),
        Some("NNG"),
    );
    let operator = app.user("运维", Role::Operator, "NNG", "南宁市公共资源交易中心");
    let (me, custodian_id) = (
        app.user_id_of(&tenderer).await,
        app.user_id_of(&custodian).await,
    );
    crate::custody::own_certificate(app, &me, "采购科");
    crate::custody::own_certificate(app, &custodian_id, "保管监督员");
    let tender = app.create_draft(&tenderer, "智慧教室设备采购").await;
    app.post_json(
        &format!("/api/v1/tenders/{tender}/transitions"),
        Some(&tenderer),
        &json!({"action": "publish", "reason": "",
                "custody": {"threshold": 2, "custodians": [me, custodian_id], "platform": true}}),
    )
    .await
    .assert_status(200);
    let everyone = [&tenderer, &custodian, &bystander, &operator];
    for token in everyone {
        assert!(app.inbox_of(token, "share_request").await.is_empty());
    }

    // The opening starts: the two people who hold shares are asked; the
    // platform's share is its own key, and nobody else holds one.
    let deadline = bid_deadline_of(app, &tender).await;
    app.clock
        .advance(deadline - app.now() + chrono::Duration::seconds(1));
    app.act(&tenderer, &tender, "start_opening", "")
        .await
        .assert_status(200);
    let reference = app
        .get(&format!("/api/v1/tenders/{tender}"), None)
        .await
        .json()["reference"]
        .as_str()
        .unwrap()
        .to_string();
    for token in [&tenderer, &custodian] {
        let m = only_message(app, token, "share_request").await;
        assert_eq!(m["link"], format!("/#/tenders/{tender}/release"));
        assert_eq!(m["tender_id"], tender.as_str());
        let text = m["body_text"].as_str().unwrap();
        assert!(text.contains(&reference), "{text}");
        assert!(
            text.contains(&format!("/#/tenders/{tender}/release")),
            "{text}"
        );
    }
    for token in [&bystander, &operator] {
        assert!(app.inbox_of(token, "share_request").await.is_empty());
    }
    // The custodians named are those the opening key's record lists.
    let custody = app
        .get(&format!("/api/v1/tenders/{tender}/opening-key"), None)
        .await
        .json();
    let mut people: Vec<&str> = custody["custodians"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["user_id"].as_str())
        .collect();
    people.sort_unstable();
    let mut asked = vec![me.as_str(), custodian_id.as_str()];
    asked.sort_unstable();
    assert_eq!(people, asked, "{custody:#}");
}

#[actix_web::test]
async fn the_members_and_only_they_are_invited_and_told_the_room_is_open() {
    let r = Registry::new().await;
    let app = &r.app;
    let f = crate::rooms::evaluation_started(&r).await;
    let tender = f.tender.clone();
    let mut tokens = Vec::new();
    for member in &f.members {
        let token = crate::rooms::token_of(&r, member).await;
        only_message(app, &token, "expert_invitation").await;
        assert!(app.inbox_of(&token, "room_opened").await.is_empty());
        tokens.push(token);
    }
    let reserve = crate::rooms::token_of(&r, &f.reserve).await;
    assert!(app.inbox_of(&reserve, "expert_invitation").await.is_empty());

    app.post_json(
        &format!("/api/v1/tenders/{tender}/evaluation/room"),
        Some(&f.tenderer),
        &json!({"blind_technical": true}),
    )
    .await
    .assert_status(201);
    let link = format!("/api/v1/tenders/{tender}/evaluation/room");
    for token in &tokens {
        let m = only_message(app, token, "room_opened").await;
        assert_eq!(m["link"], link.as_str());
        assert_eq!(m["tender_id"], tender.as_str());
        assert!(m["body_text"].as_str().unwrap().contains(&link), "{m:#}");
        // The link is the room, as the member reads it.
        app.get(&link, Some(token)).await.assert_status(200);
    }
    for token in [&reserve, &f.tenderer, &f.supervisor] {
        assert!(app.inbox_of(token, "room_opened").await.is_empty());
    }
}

#[actix_web::test]
async fn supervisors_in_scope_who_asked_get_each_alert_once_and_sealed_before_the_opening() {
    let r = Registry::new().await;
    let app = &r.app;
    let scope = (Some("government_procurement"), Some("NNG"));
    let watcher = app.supervisor("订阅预警监督员", "administrative", scope.0, scope.1);
    let silent = app.supervisor("未订阅监督员", "administrative", scope.0, scope.1);
    let elsewhere = app.supervisor(
        "柳州监督员",
        "administrative",
        Some("government_procurement"),
        Some("LZH"),
    );
    let land = app.supervisor(
        "土地监督员",
        "administrative",
        Some("land_mining_rights"),
        Some("NNG"),
    );
    for token in [&watcher, &elsewhere, &land] {
        let settings = app
            .put_json(
                "/api/v1/me/notification-settings",
                Some(token),
                &json!({"wanted": ["supervision_alert"]}),
            )
            .await;
        settings.assert_status(200);
    }

    // Three bids from one address (every test client is 127.0.0.1): the
    // collusion signal is raised before the opening.
    let dir = tempfile::tempdir().unwrap();
    let (_, tender, opening) = tender_with_opening_cert(&r, dir.path()).await;
    three_valid_bids(&r, &tender, &opening).await;
    let url = format!("/api/v1/supervision/alerts?tender_id={tender}");
    let (mut alerts, mut messages) = (Vec::new(), Vec::new());
    for _ in 0..200 {
        alerts = app.get(&url, Some(&watcher)).await.json()["items"]
            .as_array()
            .unwrap()
            .clone();
        messages = app.inbox_of(&watcher, "supervision_alert").await;
        let three = alerts.iter().any(|a| {
            a["kind"] == "same_client_address"
                && a["summary"].as_str().unwrap().starts_with("3 bidders")
        });
        if three && messages.len() == alerts.len() {
            break;
        }
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(!alerts.is_empty());
    assert_eq!(messages.len(), alerts.len(), "{alerts:#?}\n{messages:#?}");

    // Each message says what the alert list says to this supervisor: the
    // bidders by label, never their names nor the address they share.
    let mut texts = Vec::new();
    for item in &messages {
        let m = message(app, &watcher, item).await;
        assert_eq!(m["link"], url.as_str());
        texts.push((
            m["subject"].as_str().unwrap().to_string(),
            m["body_text"].as_str().unwrap().to_string(),
            m["body_html"].as_str().unwrap().to_string(),
        ));
    }
    for a in &alerts {
        assert_eq!(a["sealed"], true, "{a:#}");
        let summary = a["summary"].as_str().unwrap();
        let said: Vec<&(String, String, String)> = texts
            .iter()
            .filter(|(_, text, _)| text.contains(summary))
            .collect();
        assert_eq!(said.len(), 1, "{summary}: {texts:#?}");
        if a["kind"] == "same_client_address" {
            assert!(said[0].0.contains("监督预警（警告）"), "{said:#?}");
            assert!(said[0].1.contains("多家投标来自同一网络地址"), "{said:#?}");
        }
    }
    // (The platform's own address is in the link, and only there.)
    let link = format!("{}{url}", ggzy::notify::public_url());
    for (subject, text, html) in &texts {
        let (text, html) = (text.replace(&link, ""), html.replace(&link, ""));
        for secret in [
            "广西测试建设有限公司",
            "广西第二建设有限公司",
            "广西第三建设有限公司",
            "127.0.0.1",
        ] {
            assert!(
                !subject.contains(secret) && !text.contains(secret) && !html.contains(secret),
                "{secret} in {text}"
            );
        }
    }
    // The link is the alert list, as the supervisor reads it.
    app.get(&url, Some(&watcher)).await.assert_status(200);

    // Who did not ask, or whose scope does not hold the tender, gets none.
    for token in [&silent, &elsewhere, &land] {
        assert!(app.inbox_of(token, "supervision_alert").await.is_empty());
    }

    // Recomputing the alerts from the record raises none again, and so
    // sends nothing again.
    for _ in 0..2 {
        let now = app.now();
        let tender = tender.clone();
        let raised = app
            .db
            .write_blocking(move |conn| ggzy::supervision::alerts::refresh(conn, &tender, now))
            .unwrap();
        assert!(raised.is_empty(), "{raised:?}");
    }
    app.wait_for_log().await;
    assert_eq!(
        app.inbox_of(&watcher, "supervision_alert").await.len(),
        alerts.len()
    );
}
