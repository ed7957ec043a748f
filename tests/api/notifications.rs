//! The inbox, addresses and choices, and the operators' dead letters
//! (issue 20), against the running server. With no SMTP server configured
//! the platform writes each e-mail to `<data_dir>/mail/<id>.eml`; the SMTP
//! faults are checked against a real SMTP server by
//! tests/independent/notifications.py.

use crate::helpers::{Reply, TestApp, spawn_app};
use ggzy::identity::Role;
use serde_json::{Value, json};

async fn message(app: &TestApp, token: &str, id: &str) -> Value {
    let r = app
        .get(&format!("/api/v1/me/notifications/{id}"), Some(token))
        .await;
    r.assert_status(200);
    r.json()
}

#[actix_web::test]
async fn an_address_is_verified_once_by_the_link_sent_to_it() {
    let app = spawn_app().await;
    app.leagues();
    let bidder = app.user("投标人", Role::Bidder, "NNG", "广西建工集团");
    let settings = app
        .get("/api/v1/me/notification-settings", Some(&bidder))
        .await;
    settings.assert_status(200);
    assert_eq!(settings.json()["email"], Value::Null);
    assert_eq!(settings.json()["language"], "zh");

    // Not addresses: refused at entry, nothing written.
    let before = app.snapshot();
    for bad in [
        "a@b",
        "x@example.com\r\nBcc: evil@example.com",
        "投标人 <x@example.com>",
        "no-at-sign",
    ] {
        app.put_json("/api/v1/me/email", Some(&bidder), &json!({"address": bad}))
            .await
            .assert_problem(422, "validation-failed");
    }
    let long = format!("{}@example.com", "a".repeat(250));
    let (field, _) = app
        .put_json("/api/v1/me/email", Some(&bidder), &json!({"address": long}))
        .await
        .assert_rule("notify.address");
    assert_eq!(field, "address");
    assert_eq!(app.snapshot(), before, "a refused address changes nothing");

    let seen = app.eml_ids();
    let r = app
        .put_json(
            "/api/v1/me/email",
            Some(&bidder),
            &json!({"address": "tb@example.com"}),
        )
        .await;
    r.assert_status(202);
    assert_eq!(r.json()["verified"], false);
    // The link goes to the address only: in the inbox it would let whoever
    // holds the account verify an address it does not read.
    let (id, mail) = app.next_eml(&seen).await;
    assert!(
        app.inbox(&bidder).await.is_empty(),
        "the link is not in the inbox"
    );
    app.get(&format!("/api/v1/me/notifications/{id}"), Some(&bidder))
        .await
        .assert_problem(404, "not-found");
    let text = crate::helpers::text_part(&mail);
    assert!(text.contains("tb@example.com"), "{text}");
    assert!(text.contains("北京时间"), "Chinese by default: {text}");

    // The e-mail went to the (unverified) address, as a file with the
    // notification's Message-ID.
    assert!(mail.contains("To: tb@example.com"), "{mail}");
    assert!(
        mail.contains(&format!("Message-ID: <{id}@127.0.0.1>")),
        "{mail}"
    );
    assert!(mail.contains("Auto-Submitted: auto-generated"), "{mail}");
    assert!(mail.contains("text/html"), "{mail}");

    let token = crate::helpers::token_in(&text);
    let unknown = app
        .post_json(
            "/api/v1/email-verifications",
            None,
            &json!({"token": "ggzy_0000"}),
        )
        .await;
    unknown.assert_problem(422, "validation-failed");
    app.post_json(
        "/api/v1/email-verifications",
        None,
        &json!({"token": token}),
    )
    .await
    .assert_status(200);
    let again = app
        .post_json(
            "/api/v1/email-verifications",
            None,
            &json!({"token": token}),
        )
        .await;
    again.assert_rule("notify.link-invalid");
    let settings = app
        .get("/api/v1/me/notification-settings", Some(&bidder))
        .await
        .json();
    assert_eq!(settings["email"], "tb@example.com");
    assert_eq!(settings["email_verified"], true);

    // A new address must be verified again; the old link is dead.
    app.put_json(
        "/api/v1/me/email",
        Some(&bidder),
        &json!({"address": "other@example.com"}),
    )
    .await
    .assert_status(202);
    let settings = app
        .get("/api/v1/me/notification-settings", Some(&bidder))
        .await
        .json();
    assert_eq!(settings["email_verified"], false);

    // Removed: nothing is sent by e-mail any more.
    app.delete("/api/v1/me/email", Some(&bidder))
        .await
        .assert_status(204);
    let settings = app
        .get("/api/v1/me/notification-settings", Some(&bidder))
        .await
        .json();
    assert_eq!(settings["email"], Value::Null);

    // On the record, without the address itself.
    let uid = app.user_id_of(&bidder).await;
    let events = app.count("audit_events WHERE action LIKE 'notification.email_%'");
    assert_eq!(events, 4, "added, verified, added, removed");
    let leaked = app.count("audit_events WHERE object_id = 'tb@example.com'");
    assert_eq!(leaked, 0);
    assert!(!uid.is_empty());
}

#[actix_web::test]
async fn what_the_procedure_needs_cannot_be_switched_off() {
    let app = spawn_app().await;
    app.leagues();
    let bidder = app.user("投标人", Role::Bidder, "NNG", "广西建工集团");
    let before = app.snapshot();
    for body in [
        json!({"muted": ["bid_receipt"]}),
        json!({"muted": ["award_notice", "tender_published"]}),
        json!({"wanted": ["tender_published"]}),
        json!({"language": "fr"}),
    ] {
        app.put_json("/api/v1/me/notification-settings", Some(&bidder), &body)
            .await
            .assert_problem(422, "validation-failed");
    }
    app.put_json(
        "/api/v1/me/notification-settings",
        Some(&bidder),
        &json!({"muted": ["nonsense"]}),
    )
    .await
    .assert_problem(422, "validation-failed");
    assert_eq!(app.snapshot(), before, "refused choices change nothing");

    let r = app
        .put_json(
            "/api/v1/me/notification-settings",
            Some(&bidder),
            &json!({"language": "en", "muted": ["tender_published"], "wanted": ["supervision_alert"]}),
        )
        .await;
    r.assert_status(200);
    let kinds = r.json()["kinds"].as_array().unwrap().clone();
    let by_email = |k: &str| {
        kinds
            .iter()
            .find(|c| c["kind"] == k)
            .map(|c| c["by_email"].as_bool().unwrap())
            .unwrap()
    };
    assert!(!by_email("tender_published"));
    assert!(by_email("bid_receipt"));
    assert!(by_email("supervision_alert"));
    assert!(
        by_email("opening_record"),
        "optional kinds come unless muted"
    );

    // English from now on.
    let seen = app.eml_ids();
    app.put_json(
        "/api/v1/me/email",
        Some(&bidder),
        &json!({"address": "tb@example.com"}),
    )
    .await
    .assert_status(202);
    let (_, mail) = app.next_eml(&seen).await;
    assert!(
        mail.contains("Subject: Please verify your e-mail address"),
        "{mail}"
    );
}

#[actix_web::test]
async fn each_inbox_is_its_users_own() {
    let app = spawn_app().await;
    app.leagues();
    let a = app.user("投标人甲", Role::Bidder, "NNG", "广西建工集团");
    let b = app.user("投标人乙", Role::Bidder, "NNG", "广西路桥集团");
    // Messages to each: a tender each follows is published.
    for (who, category) in [
        (&a, "government_procurement"),
        (&b, "government_procurement"),
    ] {
        app.put_json(
            "/api/v1/me/subscriptions",
            Some(who),
            &json!([{"category": category, "league": "*"}]),
        )
        .await
        .assert_status(200);
    }
    let tenderer = app.user("采购科", Role::Tenderer, "NNG", "南宁市教育局");
    let id = app.create_draft(&tenderer, "智慧教室设备采购").await;
    app.act(&tenderer, &id, "publish", "")
        .await
        .assert_status(200);
    // b stops following before the second.
    app.put_json("/api/v1/me/subscriptions", Some(&b), &json!([]))
        .await
        .assert_status(200);
    let id = app.create_draft(&tenderer, "实验室设备采购").await;
    app.act(&tenderer, &id, "publish", "")
        .await
        .assert_status(200);
    let mine = app.inbox(&a).await;
    assert_eq!(mine.len(), 2);
    let theirs = app.inbox(&b).await;
    assert_eq!(theirs.len(), 1);
    let their_id = theirs[0]["id"].as_str().unwrap();

    // Another's message is not found, not forbidden: its existence is not
    // told either.
    app.get(&format!("/api/v1/me/notifications/{their_id}"), Some(&a))
        .await
        .assert_problem(404, "not-found");
    app.get(
        &format!("/api/v1/me/notifications/{their_id}/attachments/0"),
        Some(&a),
    )
    .await
    .assert_problem(404, "not-found");
    let before = app.count("notifications WHERE read_at IS NOT NULL");
    app.post_json(
        &format!("/api/v1/me/notifications/{their_id}/read"),
        Some(&a),
        &json!({}),
    )
    .await
    .assert_problem(404, "not-found");
    assert_eq!(app.count("notifications WHERE read_at IS NOT NULL"), before);

    let count = |r: Reply| r.json()["unread"].as_i64().unwrap();
    assert_eq!(
        count(
            app.get("/api/v1/me/notifications/unread-count", Some(&a))
                .await
        ),
        2
    );
    let first = mine[0]["id"].as_str().unwrap();
    let full = message(&app, &a, first).await;
    assert_eq!(full["kind"], "tender_published");
    assert!(
        full["body_text"]
            .as_str()
            .unwrap()
            .contains("实验室设备采购"),
        "newest first: {full}"
    );
    assert!(
        full["body_html"]
            .as_str()
            .unwrap()
            .starts_with("<!DOCTYPE html>")
    );
    let r = app
        .post_json(
            &format!("/api/v1/me/notifications/{first}/read"),
            Some(&a),
            &json!({}),
        )
        .await;
    r.assert_status(200);
    assert_eq!(count(r), 1);
    let unread = app
        .get("/api/v1/me/notifications?unread=true", Some(&a))
        .await
        .json();
    assert_eq!(unread["total"], 1);
    let r = app
        .post_json("/api/v1/me/notifications/read-all", Some(&a), &json!({}))
        .await;
    assert_eq!(count(r), 0);
    assert_eq!(
        count(
            app.get("/api/v1/me/notifications/unread-count", Some(&b))
                .await
        ),
        1,
        "b's are b's"
    );

    // Signed out: every route of the inbox asks to sign in.
    for path in [
        "/api/v1/me/notifications",
        "/api/v1/me/notifications/unread-count",
        "/api/v1/me/notification-settings",
        "/api/v1/me/subscriptions",
    ] {
        app.get(path, None)
            .await
            .assert_problem(401, "unauthenticated");
    }
    let before = app.snapshot();
    app.put_json(
        "/api/v1/me/email",
        None,
        &json!({"address": "x@example.com"}),
    )
    .await
    .assert_problem(401, "unauthenticated");
    app.put_json("/api/v1/me/subscriptions", None, &json!([]))
        .await
        .assert_problem(401, "unauthenticated");
    app.post_json("/api/v1/me/notifications/read-all", None, &json!({}))
        .await
        .assert_problem(401, "unauthenticated");
    assert_eq!(app.snapshot(), before);
}

#[actix_web::test]
async fn subscriptions_name_real_categories_and_leagues() {
    let app = spawn_app().await;
    app.leagues();
    let bidder = app.user("投标人", Role::Bidder, "NNG", "广西建工集团");
    let before = app.snapshot();
    app.put_json(
        "/api/v1/me/subscriptions",
        Some(&bidder),
        &json!([{"category": "engineering_construction", "league": "XXX"}]),
    )
    .await
    .assert_problem(422, "validation-failed");
    app.put_json(
        "/api/v1/me/subscriptions",
        Some(&bidder),
        &json!([{"category": "roads", "league": "*"}]),
    )
    .await
    .assert_problem(422, "validation-failed");
    assert_eq!(app.snapshot(), before);
    let r = app
        .put_json(
            "/api/v1/me/subscriptions",
            Some(&bidder),
            &json!([
                {"category": "engineering_construction", "league": "*"},
                {"category": "government_procurement", "league": "NNG"},
                {"category": "government_procurement", "league": "NNG"}
            ]),
        )
        .await;
    r.assert_status(200);
    assert_eq!(
        r.json().as_array().unwrap().len(),
        2,
        "duplicates kept once"
    );
    let got = app
        .get("/api/v1/me/subscriptions", Some(&bidder))
        .await
        .json();
    assert_eq!(got.as_array().unwrap().len(), 2);
}

/// A notification made dead directly in the database: the SMTP faults that
/// make one for real are tests/independent/notifications.py's. A bid
/// receipt: sealed, it tells who bid, and shows once the tender is opened
/// (a room's opening would tell who sits, shown once the result is
/// decided: tests/api/secrecy.rs).
fn dead_letter(
    app: &TestApp,
    user: &str,
    tender: Option<&str>,
    league: &str,
    sealed: bool,
) -> String {
    dead_letter_of(
        app,
        ggzy::notify::Kind::BidReceipt,
        user,
        tender,
        league,
        sealed,
    )
}

fn dead_letter_of(
    app: &TestApp,
    kind: ggzy::notify::Kind,
    user: &str,
    tender: Option<&str>,
    league: &str,
    sealed: bool,
) -> String {
    let (user, tender, league) = (
        user.to_string(),
        tender.map(str::to_string),
        league.to_string(),
    );
    let ctx = ggzy::audit::AuditContext::system(app.now());
    app.db
        .write_blocking(move |conn| {
            use diesel::prelude::*;
            use ggzy::db::schema::{email_deliveries, notification_settings};
            let has: i64 = notification_settings::table
                .find(&user)
                .count()
                .get_result(conn)?;
            if has == 0 {
                diesel::insert_into(notification_settings::table)
                    .values((
                        notification_settings::user_id.eq(&user),
                        notification_settings::email.eq(Some("x@example.com")),
                        notification_settings::email_verified_at
                            .eq(Some(ggzy::db::to_db_time(ctx.now))),
                        notification_settings::language.eq("zh"),
                        notification_settings::muted_json.eq("[]"),
                        notification_settings::wanted_json.eq("[]"),
                        notification_settings::updated_at.eq(ggzy::db::to_db_time(ctx.now)),
                    ))
                    .execute(conn)?;
            }
            let mut m = ggzy::notify::Message::new(kind, format!("test:{}", uuid::Uuid::new_v4()))
                .field("title", "道路工程")
                .field("reference", "GX-1")
                .field("venue", "GX")
                .field("bid_id", "b-1")
                .field("sha256", "ab")
                .time("answer_by", ctx.now)
                .time("received_at", ctx.now)
                .link("/x");
            if let Some(t) = &tender {
                m = m.tender(t, &league);
            } else {
                m.league = Some(league.clone());
            }
            if sealed {
                m = m.sealed();
            }
            ggzy::notify::send(conn, &ctx, &m, std::slice::from_ref(&user))?;
            let id: String = ggzy::db::schema::notifications::table
                .filter(ggzy::db::schema::notifications::cause.eq(&m.cause))
                .select(ggzy::db::schema::notifications::id)
                .first(conn)?;
            diesel::update(email_deliveries::table.find(&id))
                .set((
                    email_deliveries::state.eq("dead"),
                    email_deliveries::attempts.eq(3),
                    email_deliveries::last_error.eq(Some("550 5.1.1 mailbox unavailable")),
                ))
                .execute(conn)?;
            Ok(id)
        })
        .unwrap()
}

#[actix_web::test]
async fn dead_letters_are_the_operators_and_sealed_ones_say_nothing() {
    let app = spawn_app().await;
    let (_tenderer, tender) = app.published_tender().await;
    let nng = app.user("南宁中心", Role::Operator, "NNG", "南宁市公共资源交易中心");
    let lzh = app.user("柳州中心", Role::Operator, "LZH", "柳州市公共资源交易中心");
    let platform = app.platform_operator("平台运营");
    let bidder = app.user("投标人", Role::Bidder, "NNG", "广西建工集团");
    let uid = app.user_id_of(&bidder).await;
    let open = dead_letter(&app, &uid, None, "NNG", false);
    let sealed = dead_letter(&app, &uid, Some(&tender), "NNG", true);

    let list = |r: Reply| r.json()["items"].as_array().unwrap().clone();
    let all = list(
        app.get("/api/v1/notifications/dead-letters", Some(&platform))
            .await,
    );
    assert_eq!(all.len(), 2);
    let own = list(
        app.get("/api/v1/notifications/dead-letters", Some(&nng))
            .await,
    );
    assert_eq!(own.len(), 2);
    let other = list(
        app.get("/api/v1/notifications/dead-letters", Some(&lzh))
            .await,
    );
    assert!(other.is_empty(), "another league's letters are not LZH's");
    let shown = own.iter().find(|d| d["notification_id"] == open).unwrap();
    assert_eq!(shown["address"], "x@example.com");
    assert_eq!(shown["last_error"], "550 5.1.1 mailbox unavailable");
    // A letter that would tell who bid before the opening: state only.
    let hidden = own.iter().find(|d| d["notification_id"] == sealed).unwrap();
    assert_eq!(hidden["sealed"], true);
    assert_eq!(hidden["user_id"], Value::Null);
    assert_eq!(hidden["address"], Value::Null);
    assert_eq!(hidden["subject"], Value::Null);
    assert_eq!(hidden["last_error"], Value::Null);
    // Nor which tender: that it had a bid is as sealed as who bid.
    assert_eq!(hidden["tender_id"], Value::Null, "{hidden}");
    assert_eq!(hidden["league"], Value::Null, "{hidden}");

    // /metrics counts the open one only: counting messages that tell who
    // bid would count the bids.
    let metrics = String::from_utf8(app.get("/metrics", None).await.body).unwrap();
    assert!(
        metrics.contains("\nggzy_mail_dead_letters 1\n"),
        "{metrics}"
    );

    app.get("/api/v1/notifications/dead-letters", Some(&bidder))
        .await
        .assert_problem(403, "forbidden");
    app.get("/api/v1/notifications/dead-letters", None)
        .await
        .assert_problem(401, "unauthenticated");

    let before = app.snapshot();
    let retry = format!("/api/v1/notifications/dead-letters/{open}/retry");
    app.post_json(&retry, Some(&lzh), &json!({}))
        .await
        .assert_problem(403, "forbidden");
    app.post_json(&retry, Some(&bidder), &json!({}))
        .await
        .assert_problem(403, "forbidden");
    app.post_json(&retry, None, &json!({}))
        .await
        .assert_problem(401, "unauthenticated");
    app.post_json(
        "/api/v1/notifications/dead-letters/nope/retry",
        Some(&nng),
        &json!({}),
    )
    .await
    .assert_problem(404, "not-found");
    assert_eq!(app.snapshot(), before, "refused retries change nothing");

    let r = app.post_json(&retry, Some(&nng), &json!({})).await;
    r.assert_status(200);
    assert_eq!(r.json()["state"], "pending");
    // Retried, it goes out (here to its .eml file), same Message-ID.
    let mail = app.eml(&open).await;
    assert!(mail.contains(&format!("Message-ID: <{open}@127.0.0.1>")));
    let r = app.post_json(&retry, Some(&nng), &json!({})).await;
    r.assert_problem(409, "conflict");
    assert_eq!(
        app.count("audit_events WHERE action = 'notification.retried'"),
        1
    );

    // Opened, the letter of a bid receipt shows its recipient; an
    // invitation's stays withheld until the result: the committee is
    // confidential until then. (The status is set directly: the procedure
    // that gets there is tests/api/notify_awards.rs's.)
    let invitation = dead_letter_of(
        &app,
        ggzy::notify::Kind::ExpertInvitation,
        &uid,
        Some(&tender),
        "NNG",
        true,
    );
    let set_status = |status: &'static str| {
        let tender = tender.clone();
        app.db
            .write_blocking(move |conn| {
                use diesel::prelude::*;
                use ggzy::db::schema::tenders;
                diesel::update(tenders::table.find(&tender))
                    .set(tenders::status.eq(status))
                    .execute(conn)?;
                Ok(())
            })
            .unwrap()
    };
    let letter = |items: &[Value], id: &str| {
        items
            .iter()
            .find(|d| d["notification_id"] == id)
            .unwrap()
            .clone()
    };
    set_status("evaluating");
    let items = list(
        app.get("/api/v1/notifications/dead-letters", Some(&nng))
            .await,
    );
    assert_eq!(letter(&items, &sealed)["sealed"], false);
    assert_eq!(letter(&items, &sealed)["address"], "x@example.com");
    assert_eq!(letter(&items, &invitation)["sealed"], true);
    assert_eq!(letter(&items, &invitation)["user_id"], Value::Null);
    set_status("awarded");
    let items = list(
        app.get("/api/v1/notifications/dead-letters", Some(&nng))
            .await,
    );
    assert_eq!(letter(&items, &invitation)["sealed"], false);
    assert_eq!(letter(&items, &invitation)["user_id"], uid.as_str());
}

#[actix_web::test]
async fn the_metrics_show_the_queue() {
    let app = spawn_app().await;
    app.leagues();
    let bidder = app.user("投标人", Role::Bidder, "NNG", "广西建工集团");
    let id = app.verified_address(&bidder, "tb@example.com").await;
    app.eml(&id).await;
    let text = String::from_utf8(app.get("/metrics", None).await.body).unwrap();
    for name in [
        "ggzy_mail_queue_depth",
        "ggzy_mail_oldest_unsent_seconds",
        "ggzy_mail_dead_letters",
        "ggzy_mail_sent_total",
        "ggzy_mail_send_seconds_sum",
    ] {
        assert!(
            text.contains(&format!("\n{name} ")),
            "{name} missing:\n{text}"
        );
    }
    assert!(text.contains("# TYPE ggzy_mail_sent_total counter"));
}
