//! Trades found by price over HTTP: the organiser's set-up checked against
//! the tender and the law's periods, applications by enterprises signed in
//! with certificates the platform never issued, qualification and
//! deposits, numbers (竞买号), quotes judged by the server's clock with
//! receipts that `openssl ts -verify` checks, two quotes at once, the
//! countdown's end, a crash in the timed phase, and
//! every refusal with its reason.

use crate::bids::sign_in;
use crate::fabric::openssl;
use crate::helpers::{TestApp, move_to};
use crate::trust::{Registry, credit};
use chrono::{DateTime, Duration, Utc};
use ggzy::identity::Role;
use serde_json::{Value, json};
use std::process::Command;

const BUYERS: [(&str, &str, &str); 4] = [
    ("buyer1", "广西竞买一号有限公司", "91450100MA5T1001A"),
    ("buyer2", "广西竞买二号有限公司", "91450100MA5T1002B"),
    ("buyer3", "广西竞买三号有限公司", "91450100MA5T1003C"),
    ("buyer4", "广西竞买四号有限公司", "91450100MA5T1004D"),
];

/// A land tender of `method` drafted by a land reserve centre: (its
/// token, the tender id, the bid deadline).
async fn land_draft(app: &TestApp, method: &str) -> (String, String, DateTime<Utc>) {
    let land = app.user("土地储备中心", Role::Tenderer, "NNG", "南宁市土地储备中心");
    let mut body = app.tender_body("某地块国有建设用地使用权网上出让");
    body["category"] = json!("land_mining_rights");
    body["method"] = json!(method);
    body["evaluation"] = json!({"method": "highest_price"});
    let created = app.post_json("/api/v1/tenders", Some(&land), &body).await;
    created.assert_status(201);
    let tender = created.json();
    let deadline: DateTime<Utc> = tender["dates"]["bid_deadline"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    (land, tender["id"].as_str().unwrap().to_string(), deadline)
}

fn terms(kind: &str, starts: DateTime<Utc>, free_until: DateTime<Utc>) -> Value {
    json!({
        "kind": kind,
        "start_fen": 1_000_000_000_i64,
        "increment_fen": 1_000_000_i64,
        "deposit_fen": 200_000_000_i64,
        "starts_at": starts.to_rfc3339(),
        "free_until": free_until.to_rfc3339(),
        "countdown_secs": 60
    })
}

async fn quote(
    app: &TestApp,
    token: &str,
    url: &str,
    id: &str,
    amount: i64,
) -> crate::helpers::Reply {
    app.post_json(
        &format!("{url}/quotes"),
        Some(token),
        &json!({"id": id, "amount_fen": amount}),
    )
    .await
}

/// Registers a bank for a league (as `ggzy banks add` does); its key, hex.
fn bank(app: &TestApp, code: &str, league: &str) -> String {
    let ctx = ggzy::audit::AuditContext::system(app.now());
    app.db
        .write_blocking(|conn| ggzy::auctions::banks::add(conn, &ctx, code, league, "测试银行"))
        .unwrap()
}

/// A bank's deposit notification, signed by the openssl command line with
/// the bank's key (or carrying `signature` as given).
async fn notify(
    app: &TestApp,
    bank: &str,
    key: &str,
    body: &str,
    signature: Option<String>,
) -> crate::helpers::Reply {
    let signature = signature.unwrap_or_else(|| {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("body.json"), body).unwrap();
        let out = Command::new("openssl")
            .args(["dgst", "-sha256", "-mac", "HMAC", "-macopt"])
            .arg(format!("hexkey:{key}"))
            .arg("body.json")
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert!(out.status.success());
        let text = String::from_utf8(out.stdout).unwrap();
        text.trim().rsplit(' ').next().unwrap().to_string()
    });
    app.post_raw_with(
        "/api/v1/auction-deposits",
        None,
        "application/json",
        &[("X-GGZY-Bank", bank), ("X-GGZY-Signature", &signature)],
        body.as_bytes().to_vec(),
    )
    .await
}

/// A socket on the trade's live channel, as the public or with a token.
async fn socket(app: &TestApp, tender: &str, token: Option<&str>) -> crate::hall::Ws {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let base = app.base.replacen("http", "ws", 1);
    let mut request = format!("{base}/api/v1/tenders/{tender}/auction/live")
        .into_client_request()
        .unwrap();
    if let Some(token) = token {
        request
            .headers_mut()
            .insert("Authorization", format!("Bearer {token}").parse().unwrap());
    }
    tokio_tungstenite::connect_async(request)
        .await
        .expect("connect to the trade's live channel")
        .0
}

async fn send(ws: &mut crate::hall::Ws, message: Value) {
    use futures_util::SinkExt;
    ws.send(tokio_tungstenite::tungstenite::Message::Text(
        message.to_string().into(),
    ))
    .await
    .unwrap();
}

/// Moves the platform's clock to `at` exactly (it runs on from there).
fn to_exactly(app: &TestApp, at: DateTime<Utc>) {
    let by = at - ggzy::clock::Clock::now(app.clock.as_ref());
    assert!(
        by > Duration::zero(),
        "the clock only moves forward to {at}"
    );
    app.clock.advance(by);
}

/// Checks a receipt's timestamp with the openssl command line against the
/// platform's timestamp authority root.
pub fn openssl_verifies(app: &TestApp, receipt: &Value) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("receipt.txt"),
        receipt["text"].as_str().unwrap(),
    )
    .unwrap();
    let der =
        openssl::base64::decode_block(receipt["timestamp_response"].as_str().unwrap()).unwrap();
    std::fs::write(dir.path().join("receipt.tsr"), der).unwrap();
    let root = app.data_dir.path().join("keys/tsa-root.cert.pem");
    let out = Command::new("openssl")
        .args([
            "ts",
            "-verify",
            "-data",
            "receipt.txt",
            "-in",
            "receipt.tsr",
            "-CAfile",
        ])
        .arg(&root)
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success() && String::from_utf8_lossy(&out.stdout).contains("Verification: OK"),
        "openssl ts -verify: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[actix_web::test]
async fn a_land_auction_is_set_up_entered_quoted_by_the_servers_clock_and_survives_a_crash() {
    let mut r = Registry::new().await;
    for (name, org, code) in BUYERS {
        r.nng.enterprise(name, org, &credit(code));
    }
    let (land, tender, deadline) = land_draft(&r.app, "auction").await;
    let url = format!("/api/v1/tenders/{tender}/auction");
    let starts = deadline + Duration::hours(1);
    let free_until = starts + Duration::minutes(10);
    let good = terms("land_auction", starts, free_until);

    // --- Set-up: the tender's managers, while a draft, by the rules.
    let app = &r.app;
    app.put_json(&url, None, &good)
        .await
        .assert_problem(401, "unauthenticated");
    let stranger = app.user("他人", Role::Tenderer, "NNG", "南宁市其他单位");
    app.put_json(&url, Some(&stranger), &good)
        .await
        .assert_status(404);
    app.put_json(&url, Some(&r.platform), &good)
        .await
        .assert_status(404);
    let mut bad = good.clone();
    bad["kind"] = json!("land_listing");
    app.put_json(&url, Some(&land), &bad).await.assert_refusal(
        422,
        "trade-refused",
        "auction.kind-procedure",
    );
    let mut bad = good.clone();
    bad["starts_at"] = json!((deadline - Duration::seconds(1)).to_rfc3339());
    app.put_json(&url, Some(&land), &bad).await.assert_refusal(
        422,
        "time-limit",
        "auction.starts-before-applications-close",
    );
    let mut bad = good.clone();
    bad["start_fen"] = json!(0);
    app.put_json(&url, Some(&land), &bad).await.assert_refusal(
        422,
        "trade-refused",
        "auction.amount-range",
    );
    let mut bad = good.clone();
    bad["countdown_secs"] = json!(5);
    app.put_json(&url, Some(&land), &bad).await.assert_refusal(
        422,
        "trade-refused",
        "auction.countdown-range",
    );
    let mut bad = good.clone();
    bad["free_until"] = json!(starts.to_rfc3339());
    app.put_json(&url, Some(&land), &bad).await.assert_refusal(
        422,
        "trade-refused",
        "auction.period-order",
    );
    assert_eq!(
        app.count("auction_trades"),
        0,
        "a refused set-up stores nothing"
    );
    let set = app.put_json(&url, Some(&land), &good).await;
    set.assert_status(200);
    assert_eq!(set.json()["phase"]["phase"], "scheduled");
    assert_eq!(set.json()["floor_fen"], 1_000_000_000_i64);
    // The league's centre runs it for the tenderer too.
    app.put_json(&url, Some(&r.operator), &good)
        .await
        .assert_status(200);
    // Unpublished: nobody else sees it.
    app.get(&url, None).await.assert_status(404);
    app.act(&land, &tender, "publish", "")
        .await
        .assert_status(200);
    // A trade has no opening: its outcome is the trade's.
    app.act(&land, &tender, "start_opening", "")
        .await
        .assert_refusal(409, "illegal-transition", "auction.no-opening");
    app.put_json(&url, Some(&land), &good).await.assert_refusal(
        409,
        "illegal-transition",
        "auction.terms-fixed",
    );
    let board = app.get(&url, None).await;
    board.assert_status(200);
    assert_eq!(board.json()["rules"]["kind"], "land_auction");

    // --- Applications: a bidder signed in with its certificate.
    let plain = app.user("无证书竞买人", Role::Bidder, "NNG", "南宁市无证书公司");
    app.post_json(&format!("{url}/applications"), Some(&plain), &json!({}))
        .await
        .assert_refusal(401, "unauthenticated", "auction.certificate-session");
    app.post_json(&format!("{url}/applications"), Some(&land), &json!({}))
        .await
        .assert_refusal(403, "forbidden", "auth.role-missing");
    let mut tokens = Vec::new();
    let mut orgs = Vec::new();
    for (name, org, _) in BUYERS {
        let token = sign_in(&r, &r.nng, name).await;
        let applied = app
            .post_json(&format!("{url}/applications"), Some(&token), &json!({}))
            .await;
        applied.assert_status(201);
        assert_eq!(applied.json()["name"], org);
        assert_eq!(applied.json()["status"], "applied");
        orgs.push(
            applied.json()["organisation_id"]
                .as_str()
                .unwrap()
                .to_string(),
        );
        tokens.push(token);
    }
    app.post_json(&format!("{url}/applications"), Some(&tokens[0]), &json!({}))
        .await
        .assert_refusal(409, "conflict", "auction.applied-already");
    // A trade by price takes no sealed bid.
    app.post_json(
        &format!("/api/v1/tenders/{tender}/bid-uploads"),
        Some(&tokens[0]),
        &json!({"size": 10}),
    )
    .await
    .assert_refusal(409, "illegal-transition", "auction.no-sealed-bids");

    // Who applied is sealed: the managers read all, a bidder its own.
    let list = |token: Option<String>| {
        let url = format!("{url}/applications");
        async move { app.get(&url, token.as_deref()).await }
    };
    list(None).await.assert_problem(401, "unauthenticated");
    assert_eq!(
        list(Some(land.clone())).await.json()["items"]
            .as_array()
            .unwrap()
            .len(),
        4
    );
    assert_eq!(
        list(Some(r.operator.clone())).await.json()["items"]
            .as_array()
            .unwrap()
            .len(),
        4
    );
    let own = list(Some(tokens[1].clone())).await.json();
    assert_eq!(own["items"].as_array().unwrap().len(), 1);
    assert_eq!(own["items"][0]["name"], BUYERS[1].1);
    list(Some(r.platform.clone())).await.assert_refusal(
        403,
        "forbidden",
        "auction.applicants-sealed",
    );
    list(Some(stranger.clone())).await.assert_refusal(
        403,
        "forbidden",
        "auction.applicants-sealed",
    );

    // --- Qualification and deposits: the managers, before quoting opens.
    let decision = |org: &str| format!("{url}/applications/{org}/decision");
    let deposit = |org: &str| format!("{url}/applications/{org}/deposit");
    app.post_json(
        &decision(&orgs[0]),
        Some(&tokens[1]),
        &json!({"qualified": true}),
    )
    .await
    .assert_refusal(403, "forbidden", "tender.managers-only");
    app.post_json(
        &deposit(&orgs[0]),
        Some(&tokens[0]),
        &json!({"reference": "我自己付了"}),
    )
    .await
    .assert_refusal(403, "forbidden", "tender.managers-only");
    let supervisor = app.supervisor(
        "国土监督员",
        "administrative",
        Some("land_mining_rights"),
        Some("NNG"),
    );
    app.post_json(
        &decision(&orgs[0]),
        Some(&supervisor),
        &json!({"qualified": true}),
    )
    .await
    .assert_refusal(403, "forbidden", "supervision.read-only");
    app.post_json(
        &decision(&orgs[3]),
        Some(&land),
        &json!({"qualified": false}),
    )
    .await
    .assert_problem(422, "validation-failed");
    app.post_json(
        &decision(&orgs[3]),
        Some(&land),
        &json!({"qualified": false, "reason": "未提交营业执照"}),
    )
    .await
    .assert_status(200);
    app.post_json(
        &decision(&orgs[3]),
        Some(&land),
        &json!({"qualified": true}),
    )
    .await
    .assert_refusal(409, "conflict", "auction.decided-already");
    // The third's deposit is told by its bank, signed with the bank's key.
    let bank_key = bank(app, "GXBBW", "NNG");
    let other_key = bank(app, "LZBANK", "LZH");
    let notice = |reference: &str, code: &str, amount: i64| {
        json!({"reference": reference, "tender_id": tender, "payer_credit_code": credit(code),
               "amount_fen": amount, "paid_at": app.now().to_rfc3339()})
        .to_string()
    };
    let paid = notice("GX-0001", BUYERS[2].2, 200_000_000);
    notify(app, "GXBBW", &bank_key, &paid, Some("0".repeat(64)))
        .await
        .assert_refusal(401, "unauthenticated", "deposit.signature-invalid");
    notify(app, "NOSUCH", &bank_key, &paid, None)
        .await
        .assert_refusal(401, "unauthenticated", "deposit.signature-invalid");
    notify(app, "LZBANK", &other_key, &paid, None)
        .await
        .assert_refusal(403, "forbidden", "deposit.other-league");
    notify(
        app,
        "GXBBW",
        &bank_key,
        &notice("GX-0002", BUYERS[2].2, 199_999_999),
        None,
    )
    .await
    .assert_refusal(422, "trade-refused", "deposit.amount-short");
    notify(
        app,
        "GXBBW",
        &bank_key,
        &notice("GX-0003", "91450100MA5T9999X", 200_000_000),
        None,
    )
    .await
    .assert_refusal(422, "trade-refused", "deposit.no-applicant");
    assert_eq!(app.count("deposit_notifications"), 0);
    for org in &orgs[..3] {
        let q = app
            .post_json(&decision(org), Some(&land), &json!({"qualified": true}))
            .await;
        q.assert_status(200);
        assert!(q.json()["number"].is_null(), "no number before the deposit");
        if org == &orgs[2] {
            let told = notify(app, "GXBBW", &bank_key, &paid, None).await;
            told.assert_status(200);
            assert_eq!(told.json()["duplicate"], false);
            // Told again: the same answer, nothing changed; the same
            // reference for another payment is refused.
            let again = notify(app, "GXBBW", &bank_key, &paid, None).await;
            assert_eq!(again.json()["duplicate"], true);
            notify(
                app,
                "GXBBW",
                &bank_key,
                &notice("GX-0001", BUYERS[2].2, 300_000_000),
                None,
            )
            .await
            .assert_refusal(409, "conflict", "deposit.reference-reused");
            assert_eq!(app.count("deposit_notifications"), 1);
            let mine = list(Some(land.clone())).await.json();
            let applicant = mine["items"]
                .as_array()
                .unwrap()
                .iter()
                .find(|a| a["organisation_id"] == org.as_str())
                .unwrap()
                .clone();
            assert_eq!(applicant["deposit_source"], "bank");
            assert_eq!(applicant["number"].as_str().unwrap().len(), 6);
            continue;
        }
        let d = app
            .post_json(
                &deposit(org),
                Some(&land),
                &json!({"reference": format!("BANK-{org}")}),
            )
            .await;
        d.assert_status(200);
        assert_eq!(d.json()["number"].as_str().unwrap().len(), 6);
        // A second record changes nothing.
        let again = app
            .post_json(&deposit(org), Some(&land), &json!({"reference": "other"}))
            .await;
        assert_eq!(again.json()["number"], d.json()["number"]);
        assert_eq!(
            again.json()["deposit_confirmed_at"],
            d.json()["deposit_confirmed_at"]
        );
    }
    let numbers: Vec<String> = list(Some(land.clone())).await.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .take(3)
        .map(|a| a["number"].as_str().unwrap().to_string())
        .collect();

    // --- Quoting opens by the server's clock.
    let start = 1_000_000_000_i64;
    let inc = 1_000_000_i64;
    quote(app, &tokens[0], &url, "q0", start)
        .await
        .assert_refusal(409, "illegal-transition", "auction.not-open");
    move_to(app, starts + Duration::seconds(1));
    // Sessions end with the working day: the bidders sign in again.
    for (i, (name, _, _)) in BUYERS.iter().enumerate() {
        tokens[i] = sign_in(&r, &r.nng, name).await;
    }
    // The ticker records the opening without anyone acting.
    let mut waited = 0;
    while app.count("auction_events") == 0 {
        assert!(waited < 100, "the ticker recorded no opening");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        waited += 1;
    }
    quote(app, &tokens[3], &url, "q1", start)
        .await
        .assert_refusal(403, "forbidden", "auction.not-qualified");
    app.post_json(
        &format!("{url}/quotes"),
        Some(&tokens[0]),
        &json!({"id": "q1", "amount_fen": start, "number": numbers[1]}),
    )
    .await
    .assert_refusal(403, "forbidden", "auction.number-not-yours");
    quote(app, &tokens[0], &url, "q1", start - inc)
        .await
        .assert_refusal(422, "trade-refused", "auction.below-floor");
    quote(app, &tokens[0], &url, "q1", start + inc / 2)
        .await
        .assert_refusal(422, "trade-refused", "auction.not-multiple");
    quote(app, &tokens[0], &url, "q1", i64::MAX)
        .await
        .assert_refusal(422, "trade-refused", "auction.amount-range");
    app.post_json(
        &format!("{url}/quotes"),
        Some(&tokens[0]),
        &json!({"id": "", "amount_fen": start}),
    )
    .await
    .assert_problem(422, "validation-failed");
    // Watchers follow the trade live: its record so far, then each event.
    let mut watcher = socket(app, &tender, None).await;
    let (replayed, last_seq) = crate::hall::until_live(&mut watcher).await;
    assert_eq!(replayed[0]["kind"], "opened", "{replayed:?}");
    assert_eq!(last_seq, replayed.len() as i64);
    let first = quote(app, &tokens[0], &url, "q1", start).await;
    first.assert_status(201);
    let receipt = first.json();
    assert_eq!(receipt["number"], numbers[0]);
    openssl_verifies(app, &receipt);
    // The whole record waits for the outcome.
    app.get(&format!("{url}/record"), None)
        .await
        .assert_refusal(409, "illegal-transition", "auction.record-after-close");
    // The same request again: the same receipt, nothing recorded.
    let again = quote(app, &tokens[0], &url, "q1", start).await;
    again.assert_status(200);
    assert_eq!(again.json()["seq"], receipt["seq"]);
    assert_eq!(again.json()["duplicate"], true);
    quote(app, &tokens[0], &url, "q2", start + inc)
        .await
        .assert_refusal(403, "forbidden", "auction.leader-may-not-raise");

    // Two quotes at one price at once: one is accepted, the other is below
    // the floor the first made.
    let (a, b) = futures_util::join!(
        quote(app, &tokens[1], &url, "same", start + inc),
        quote(app, &tokens[2], &url, "same", start + inc)
    );
    let mut statuses = [a.status, b.status];
    statuses.sort();
    assert_eq!(statuses, [201, 422], "{} / {}", a.json(), b.json());
    let loser = if a.status == 422 { &a } else { &b };
    loser.assert_refusal(422, "trade-refused", "auction.below-floor");

    // The board: prices and numbers, never names.
    let board = app.get(&url, None).await;
    let text = board.json().to_string();
    for (_, org, _) in BUYERS {
        assert!(!text.contains(org), "the board names {org}");
    }
    assert_eq!(board.json()["quotes"].as_array().unwrap().len(), 2);
    assert_eq!(board.json()["floor_fen"], start + 2 * inc);
    assert_eq!(board.json()["phase"]["phase"], "open");
    // The watcher got both accepted quotes as they committed, by number.
    for expected in [start, start + inc] {
        let event = crate::hall::next_event(&mut watcher).await;
        assert_eq!(event["kind"], "quote_accepted");
        assert_eq!(event["amount_fen"], expected);
        assert!(numbers.contains(&event["number"].as_str().unwrap().to_string()));
        assert!(!event.to_string().contains("有限公司"), "{event}");
    }
    // The server's clock, for the countdown a page shows.
    send(&mut watcher, json!({"type": "clock"})).await;
    let clock = crate::hall::next_json(&mut watcher).await;
    assert_eq!(clock["type"], "clock");
    // A watcher does not quote; a bidder in its certificate session does.
    send(
        &mut watcher,
        json!({"type": "quote", "id": "w", "amount_fen": start + 2 * inc}),
    )
    .await;
    let refused = crate::hall::next_json(&mut watcher).await;
    assert_eq!(
        refused["reason"], "auction.certificate-session",
        "{refused}"
    );
    let mut bidder = socket(app, &tender, Some(&tokens[0])).await;
    crate::hall::until_live(&mut bidder).await;
    send(
        &mut bidder,
        json!({"type": "quote", "id": "ws1", "amount_fen": start + 2 * inc + inc / 2}),
    )
    .await;
    let refused = crate::hall::next_json(&mut bidder).await;
    assert_eq!(
        (refused["type"].as_str(), refused["reason"].as_str()),
        (Some("error"), Some("auction.not-multiple")),
        "{refused}"
    );
    send(
        &mut bidder,
        json!({"type": "quote", "id": "ws1", "amount_fen": start + 2 * inc}),
    )
    .await;
    let ack = loop {
        let m = crate::hall::next_json(&mut bidder).await;
        if m["type"] == "ack" {
            break m;
        }
    };
    assert_eq!(ack["id"], "ws1");
    assert_eq!(ack["receipt"]["number"], numbers[0]);
    openssl_verifies(app, &ack["receipt"]);
    let event = crate::hall::next_event(&mut watcher).await;
    assert_eq!(
        (event["seq"].clone(), event["amount_fen"].clone()),
        (ack["seq"].clone(), json!(start + 2 * inc))
    );

    // --- The countdown: from the end of the free bidding, 60 s, restarted
    // by each quote; a quote before the end is accepted and moves it, one
    // at the end is refused.
    move_to(app, free_until + Duration::seconds(30));
    let (next, other) = (1, 2);
    let in_timed = quote(app, &tokens[next], &url, "t1", start + 3 * inc).await;
    in_timed.assert_status(201);
    let ends: DateTime<Utc> = in_timed.json()["ends_at"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let at: DateTime<Utc> = in_timed.json()["at"].as_str().unwrap().parse().unwrap();
    assert_eq!(ends, at + Duration::seconds(60));
    assert!(at >= free_until + Duration::seconds(30));

    // A crash in the timed phase: the countdown resumes from the record.
    let before = app.get(&url, None).await.json();
    r.app.crash_and_restart().await;
    let app = &r.app;
    let after = app.get(&url, None).await.json();
    assert_eq!(after["quotes"], before["quotes"]);
    assert_eq!(after["phase"], before["phase"]);

    // (The test clock runs on from where it is moved: the microsecond
    // boundary is the engine's unit tests'; here, two seconds before.)
    to_exactly(app, ends - Duration::seconds(2));
    let last = quote(app, &tokens[other], &url, "t2", start + 4 * inc).await;
    last.assert_status(201);
    let ends: DateTime<Utc> = last.json()["ends_at"].as_str().unwrap().parse().unwrap();
    openssl_verifies(app, &last.json());
    to_exactly(app, ends);
    quote(app, &tokens[next], &url, "t3", start + 5 * inc)
        .await
        .assert_refusal(409, "illegal-transition", "auction.closed");
    let board = app.get(&url, None).await.json();
    assert_eq!(board["phase"]["phase"], "decided", "{board}");
    assert_eq!(board["outcome"]["result"], "sold");
    assert_eq!(board["outcome"]["number"], numbers[other]);
    assert_eq!(board["outcome"]["price_fen"], start + 4 * inc);

    // Anyone replays the decided trade with the same engine: the winner,
    // the price and the close follow from the record; a record changed
    // afterwards does not hold.
    let dir = tempfile::tempdir().unwrap();
    let saved = dir.path().join("record.json");
    let out = Command::new(env!("CARGO_BIN_EXE_ggzy"))
        .args([
            "auction", "verify", "--url", &app.base, "--tender", &tender, "--save",
        ])
        .arg(&saved)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains(&format!("by {}", numbers[other])),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("quoting closed at {}", ends.to_rfc3339())),
        "{stdout}"
    );
    assert!(stdout.contains("the record holds"), "{stdout}");
    let mut record: Value = serde_json::from_slice(&std::fs::read(&saved).unwrap()).unwrap();
    let last_quote = record["events"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .rev()
        .find(|e| e["kind"] == "quote_accepted")
        .unwrap();
    last_quote["amount_fen"] = json!(start + 9 * inc);
    std::fs::write(&saved, record.to_string()).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_ggzy"))
        .args(["auction", "verify", "--record"])
        .arg(&saved)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("FINDING"));

    // The record holds it all, closed at the countdown's end (the refused
    // quote made the time's events recorded).
    let events = app.count("auction_events");
    assert!(events >= 8, "{events} events");
    let receipts = app
        .get(&format!("{url}/receipts"), Some(&tokens[other]))
        .await
        .json();
    assert!(!receipts["items"].as_array().unwrap().is_empty());
    app.get(&format!("{url}/receipts"), None)
        .await
        .assert_problem(401, "unauthenticated");
}

#[actix_web::test]
async fn a_listing_lasts_its_least_period_counted_in_its_unit() {
    let r = Registry::new().await;
    let app = &r.app;
    let (land, tender, deadline) = land_draft(app, "listing").await;
    let url = format!("/api/v1/tenders/{tender}/auction");
    // Mining rights are noticed 20 working days before the trade (more
    // than the 25 calendar days to the deadline): an hour after the
    // deadline is too soon.
    let soon = deadline + Duration::hours(1);
    let refused = app
        .put_json(
            &url,
            Some(&land),
            &terms("mining_listing", soon, soon + Duration::days(20)),
        )
        .await
        .assert_refusal(422, "time-limit", "auction.notice-period");
    assert_eq!(refused["unit"], "working_days");
    let starts = deadline + Duration::days(10);
    // 39号令 第18条: ten calendar days.
    let short = terms(
        "land_listing",
        starts,
        starts + Duration::days(10) - Duration::seconds(1),
    );
    let refused = app
        .put_json(&url, Some(&land), &short)
        .await
        .assert_refusal(422, "time-limit", "auction.listing-period");
    assert_eq!(refused["unit"], "calendar_days");
    app.put_json(
        &url,
        Some(&land),
        &terms("land_listing", starts, starts + Duration::days(10)),
    )
    .await
    .assert_status(200);
    // Mining rights: ten working days, so ten calendar days are too few.
    let refused = app
        .put_json(
            &url,
            Some(&land),
            &terms("mining_listing", starts, starts + Duration::days(10)),
        )
        .await
        .assert_refusal(422, "time-limit", "auction.listing-period");
    assert_eq!(refused["unit"], "working_days");
    app.put_json(
        &url,
        Some(&land),
        &terms("mining_listing", starts, starts + Duration::days(16)),
    )
    .await
    .assert_status(200);
}

/// A published trade, before quoting opens.
struct Published {
    r: Registry,
    land: String,
    tender: String,
    url: String,
    starts: DateTime<Utc>,
    free_until: DateTime<Utc>,
}

/// A trade of `kind` on a published land tender of `method`, set up to
/// open an hour after the bid deadline and quote for `period`, its terms
/// with `extra` (a JSON object's fields) over the test's.
async fn published(method: &str, kind: &str, period: Duration, extra: Value) -> Published {
    let r = Registry::new().await;
    for (name, org, code) in BUYERS {
        r.nng.enterprise(name, org, &credit(code));
    }
    let app = &r.app;
    let (land, tender, deadline) = land_draft(app, method).await;
    let url = format!("/api/v1/tenders/{tender}/auction");
    let starts = deadline + Duration::hours(1);
    let mut body = terms(kind, starts, starts + period);
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    app.put_json(&url, Some(&land), &body)
        .await
        .assert_status(200);
    app.act(&land, &tender, "publish", "")
        .await
        .assert_status(200);
    Published {
        r,
        land,
        tender,
        url,
        starts,
        free_until: starts + period,
    }
}

/// The first three buyers apply, are qualified and their deposits
/// recorded; the clock just past the opening. (bidder tokens, numbers.)
async fn enter(p: &Published) -> (Vec<String>, Vec<String>) {
    let (r, url, land) = (&p.r, &p.url, &p.land);
    let app = &r.app;
    let mut orgs = Vec::new();
    for (name, _, _) in &BUYERS[..3] {
        let token = sign_in(r, &r.nng, name).await;
        let applied = app
            .post_json(&format!("{url}/applications"), Some(&token), &json!({}))
            .await;
        applied.assert_status(201);
        orgs.push(
            applied.json()["organisation_id"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    let mut numbers = Vec::new();
    for org in &orgs {
        app.post_json(
            &format!("{url}/applications/{org}/decision"),
            Some(land),
            &json!({"qualified": true}),
        )
        .await
        .assert_status(200);
        let d = app
            .post_json(
                &format!("{url}/applications/{org}/deposit"),
                Some(land),
                &json!({"reference": format!("REF-{org}")}),
            )
            .await;
        numbers.push(d.json()["number"].as_str().unwrap().to_string());
    }
    move_to(app, p.starts + Duration::seconds(1));
    (signed_in_again(r).await, numbers)
}

/// A trade of `kind` on a published land tender of `method`, set up to
/// open an hour after the bid deadline and quote for `period`; the first
/// three buyers applied, qualified, their deposits recorded; the clock
/// just past the opening. (registry, organiser, tender, board url, bidder
/// tokens, numbers, quoting's end.)
async fn entered(
    method: &str,
    kind: &str,
    period: Duration,
) -> (
    Registry,
    String,
    String,
    String,
    Vec<String>,
    Vec<String>,
    DateTime<Utc>,
) {
    let p = published(method, kind, period, json!({})).await;
    let (tokens, numbers) = enter(&p).await;
    (p.r, p.land, p.tender, p.url, tokens, numbers, p.free_until)
}

/// The first three buyers signed in again (sessions end with the day).
async fn signed_in_again(r: &Registry) -> Vec<String> {
    let mut tokens = Vec::new();
    for (name, _, _) in &BUYERS[..3] {
        tokens.push(sign_in(r, &r.nng, name).await);
    }
    tokens
}

#[actix_web::test]
async fn a_listing_goes_to_the_timed_phase_when_a_bidder_declares_it_continues() {
    let period = Duration::days(10);
    let (r, land, _tender, url, tokens, numbers, free_until) =
        entered("listing", "land_listing", period).await;
    let app = &r.app;
    let start = 1_000_000_000_i64;
    let inc = 1_000_000_i64;
    let declare = |token: String, id: &'static str| {
        let url = format!("{url}/continue");
        async move {
            app.post_json(&url, Some(&token), &json!({ "id": id }))
                .await
        }
    };
    quote(app, &tokens[0], &url, "a", start)
        .await
        .assert_status(201);
    quote(app, &tokens[1], &url, "b", start + inc)
        .await
        .assert_status(201);
    // Only a bidder who quoted in the listing may continue (the rules'
    // join_requires_quote); the organiser does not bid.
    declare(tokens[2].clone(), "c").await.assert_refusal(
        403,
        "forbidden",
        "auction.continue-needs-quote",
    );
    declare(land.clone(), "l")
        .await
        .assert_refusal(403, "forbidden", "auth.role-missing");
    let declared = declare(tokens[0].clone(), "d").await;
    declared.assert_status(201);
    let again = declare(tokens[0].clone(), "d").await;
    again.assert_status(200);
    assert_eq!(again.json()["seq"], declared.json()["seq"]);
    // The id is the declaration's: a quote with it is refused.
    quote(app, &tokens[0], &url, "d", start + 2 * inc)
        .await
        .assert_refusal(409, "conflict", "auction.id-reused");

    // The listing period ends: the leader is announced, and after the
    // window for declarations the leader and the one who declared bid on.
    move_to(app, free_until + Duration::seconds(1));
    let board = app.get(&url, None).await.json();
    assert_eq!(board["phase"]["phase"], "deciding", "{board}");
    let window = board["rules"]["continue_window_secs"].as_i64().unwrap();
    move_to(app, free_until + Duration::seconds(window + 1));
    let board = app.get(&url, None).await.json();
    assert_eq!(board["phase"]["phase"], "timed", "{board}");
    let tokens = signed_in_again(&r).await;
    // The third never quoted: it is no participant.
    quote(app, &tokens[2], &url, "t0", start + 2 * inc)
        .await
        .assert_refusal(403, "forbidden", "auction.not-a-participant");
    let timed = quote(app, &tokens[0], &url, "t1", start + 2 * inc).await;
    timed.assert_status(201);
    let ends: DateTime<Utc> = timed.json()["ends_at"].as_str().unwrap().parse().unwrap();
    to_exactly(app, ends);
    quote(app, &tokens[1], &url, "t2", start + 3 * inc)
        .await
        .assert_refusal(409, "illegal-transition", "auction.closed");
    let board = app.get(&url, None).await.json();
    assert_eq!(board["outcome"]["result"], "sold", "{board}");
    assert_eq!(board["outcome"]["number"], numbers[0]);
    assert_eq!(board["outcome"]["price_fen"], start + 2 * inc);
    // The record replays to the same outcome.
    let record = app.get(&format!("{url}/record"), None).await;
    record.assert_status(200);
    let record: ggzy::auctions::store::TradeRecord = serde_json::from_slice(&record.body).unwrap();
    let report = ggzy::auctions::cli::replay(&record);
    assert!(report.findings.is_empty(), "{:?}", report.findings);
}

/// A reserve sealed as a seller does it with the openssl command line:
/// the plain text written by hand, its SHA-256 (`openssl dgst`), and the
/// text encrypted to the certificates in `recipients` (files in `dir`).
/// (the envelope in base64, the commitment, the plain text.)
fn sealed_by_hand(
    dir: &std::path::Path,
    tender: &str,
    reserve_fen: i64,
    recipients: &[&str],
) -> (String, String, String) {
    let plain = format!(
        "ggzy-reserve-v1\ntender {tender}\nreserve_fen {reserve_fen}\nsalt 5f3c9a0e77d1b2c48e6a1f09d3b7c2e4\n"
    );
    std::fs::write(dir.join("reserve.txt"), &plain).unwrap();
    let digest = openssl(dir, &["dgst", "-sha256", "-r", "reserve.txt"]);
    let commitment = String::from_utf8(digest).unwrap()[..64].to_string();
    let mut args = vec![
        "cms",
        "-encrypt",
        "-binary",
        "-aes-256-gcm",
        "-in",
        "reserve.txt",
        "-outform",
        "DER",
        "-out",
        "reserve.der",
    ];
    for r in recipients {
        args.extend(["-recip", r]);
    }
    openssl(dir, &args);
    let envelope = std::fs::read(dir.join("reserve.der")).unwrap();
    (openssl::base64::encode_block(&envelope), commitment, plain)
}

/// The tender's opening certificate, as anyone downloads it, in `dir`.
async fn opening_pem(app: &TestApp, dir: &std::path::Path, tender: &str) {
    let pem = app
        .get(
            &format!("/api/v1/tenders/{tender}/opening-key/certificate.pem"),
            None,
        )
        .await;
    pem.assert_status(200);
    std::fs::write(dir.join("opening.pem"), &pem.body).unwrap();
    let (_, custodian) = crate::helpers::custody_identity();
    std::fs::write(dir.join("other.pem"), custodian.to_pem().unwrap()).unwrap();
}

/// The tender's land reserve centre and the platform release their shares
/// for the reserve (two of its three custodians); the replies.
async fn release_for_reserve(p: &Published) -> (Value, Value) {
    let app = &p.r.app;
    let url = format!("{}/reserve", p.url);
    let share = app.get(&format!("{url}/my-share"), Some(&p.land)).await;
    share.assert_status(200);
    let dir = tempfile::tempdir().unwrap();
    let plain = crate::bids::decrypt_share(dir.path(), &share.body);
    let body = json!({ "share": openssl::base64::encode_block(&plain) });
    let first = app
        .post_json(&format!("{url}/shares"), Some(&p.land), &body)
        .await;
    first.assert_status(200);
    // The same share again is refused.
    app.post_json(&format!("{url}/shares"), Some(&p.land), &body)
        .await
        .assert_refusal(409, "conflict", "opening.share-released-already");
    let platform = app
        .post_json(
            &format!("{url}/platform-share"),
            Some(&p.r.platform),
            &json!({}),
        )
        .await;
    platform.assert_status(200);
    (first.json(), platform.json())
}

#[actix_web::test]
async fn a_sealed_reserve_is_read_by_nobody_before_the_close_and_then_decides_the_sale() {
    let p = published(
        "auction",
        "land_auction",
        Duration::minutes(10),
        json!({ "reserve_sealed": true }),
    )
    .await;
    let app = &p.r.app;
    let url = &p.url;
    let reserve_url = format!("{url}/reserve");
    let board = app.get(url, None).await.json();
    assert_eq!(board["terms"]["reserve_sealed"], true, "{board}");
    assert_eq!(board["reserve"]["required"], true);
    assert!(board["reserve"]["commitment"].is_null());

    let dir = tempfile::tempdir().unwrap();
    opening_pem(app, dir.path(), &p.tender).await;
    let start = 1_000_000_000_i64;
    let inc = 1_000_000_i64;
    let reserve = start + 2 * inc;
    let (envelope, commitment, plain) =
        sealed_by_hand(dir.path(), &p.tender, reserve, &["opening.pem"]);
    let body = json!({ "envelope": envelope, "commitment": commitment });

    // The reserve is the seller's: not the centre's operators (of its
    // league or another), nor the platform's, nor a bidder.
    let lzh_op = app.user("柳州中心", Role::Operator, "LZH", "柳州市公共资源交易中心");
    app.put_json(&reserve_url, Some(&p.r.operator), &body)
        .await
        .assert_refusal(403, "forbidden", "auction.reserve-sellers");
    app.put_json(&reserve_url, Some(&lzh_op), &body)
        .await
        .assert_refusal(403, "forbidden", "tender.managers-only");
    app.put_json(&reserve_url, Some(&p.r.platform), &body)
        .await
        .assert_refusal(403, "forbidden", "tender.managers-only");
    app.put_json(&reserve_url, None, &body)
        .await
        .assert_status(401);
    // Bad input, each refused with its reason.
    let mut bad = body.clone();
    bad["commitment"] = json!(&commitment[..63]);
    app.put_json(&reserve_url, Some(&p.land), &bad)
        .await
        .assert_rule("auction.reserve-commitment");
    let mut bad = body.clone();
    bad["envelope"] = json!("not base64 at all!");
    app.put_json(&reserve_url, Some(&p.land), &bad)
        .await
        .assert_rule("encoding.base64");
    let mut bad = body.clone();
    bad["envelope"] = json!(openssl::base64::encode_block(b"0123456789abcdef"));
    app.put_json(&reserve_url, Some(&p.land), &bad)
        .await
        .assert_rule("auction.reserve-envelope");
    // Encrypted to someone else, or to the opening certificate and to
    // someone else as well: that one could read it before the close.
    for recipients in [&["other.pem"][..], &["opening.pem", "other.pem"][..]] {
        let (other, c, _) = sealed_by_hand(dir.path(), &p.tender, reserve, recipients);
        app.put_json(
            &reserve_url,
            Some(&p.land),
            &json!({ "envelope": other, "commitment": c }),
        )
        .await
        .assert_rule("auction.reserve-recipients");
    }
    // Nothing of that was kept.
    assert!(app.get(url, None).await.json()["reserve"]["commitment"].is_null());
    // Nobody gathers shares before the close.
    app.get(&format!("{reserve_url}/my-share"), Some(&p.land))
        .await
        .assert_refusal(409, "illegal-transition", "auction.reserve-not-due");
    app.post_json(
        &format!("{reserve_url}/platform-share"),
        Some(&p.r.platform),
        &json!({}),
    )
    .await
    .assert_refusal(409, "illegal-transition", "auction.reserve-not-due");

    let sealed = app.put_json(&reserve_url, Some(&p.land), &body).await;
    sealed.assert_status(200);
    assert_eq!(sealed.json()["commitment"], commitment);
    assert!(sealed.json()["reserve_fen"].is_null());
    app.put_json(&reserve_url, Some(&p.land), &body)
        .await
        .assert_refusal(409, "conflict", "auction.reserve-sealed-already");
    let board = app.get(url, None).await.json();
    assert_eq!(board["reserve"]["commitment"], commitment);
    assert!(board["reserve"]["reserve_fen"].is_null());
    // The audit log's entry commits to the commitment and the envelope's
    // digest, both public; the value is in neither.
    let logged: Vec<String> = app
        .db
        .read_blocking(|conn| {
            use diesel::prelude::*;
            use ggzy::db::schema::audit_events::dsl::*;
            Ok(audit_events
                .filter(action.eq("auction.reserve_sealed"))
                .select(payload_sha256)
                .load::<String>(conn)?)
        })
        .unwrap();
    let payload = json!({
        "commitment": commitment,
        "envelope_sha256": board["reserve"]["envelope_sha256"],
    });
    assert_eq!(logged, vec![ggzy::audit::payload_hash(&payload).unwrap()]);

    let (tokens, numbers) = enter(&p).await;
    quote(app, &tokens[0], url, "q1", start)
        .await
        .assert_status(201);
    quote(app, &tokens[1], url, "q2", start + inc)
        .await
        .assert_status(201);
    quote(app, &tokens[2], url, "q3", start + 3 * inc)
        .await
        .assert_status(201);
    // Free bidding ends, then the countdown (60 s) with no quote.
    move_to(app, p.free_until + Duration::seconds(61));
    let board = app.get(url, None).await.json();
    assert_eq!(board["phase"]["phase"], "awaiting_reserve", "{board}");
    assert!(board["outcome"].is_null());
    assert!(board["reserve"]["reserve_fen"].is_null());
    app.get(&format!("{url}/record"), None)
        .await
        .assert_refusal(409, "illegal-transition", "auction.record-after-close");
    // Only a custodian releases; an operator of the league holds no share.
    app.post_json(
        &format!("{reserve_url}/shares"),
        Some(&p.r.operator),
        &json!({ "share": "AAAA" }),
    )
    .await
    .assert_status(403);
    let (first, second) = release_for_reserve(&p).await;
    assert_eq!(first["ready"], false, "{first}");
    assert_eq!(second["ready"], true, "{second}");

    let board = app.get(url, None).await.json();
    assert_eq!(board["phase"]["phase"], "decided", "{board}");
    assert_eq!(board["outcome"]["result"], "sold");
    assert_eq!(board["outcome"]["number"], numbers[2]);
    assert_eq!(board["outcome"]["price_fen"], start + 3 * inc);
    assert_eq!(board["reserve"]["reserve_fen"], reserve);
    // What the envelope held is published: anyone checks it against the
    // commitment.
    let revealed =
        openssl::base64::decode_block(board["reserve"]["revealed_plain"].as_str().unwrap())
            .unwrap();
    assert_eq!(revealed, plain.as_bytes());
    assert_eq!(
        ggzy::identity::hex(&openssl::sha::sha256(&revealed)),
        commitment
    );
    // The released shares are erased, and no more are taken.
    app.post_json(
        &format!("{reserve_url}/platform-share"),
        Some(&p.r.platform),
        &json!({}),
    )
    .await
    .assert_refusal(409, "conflict", "auction.reserve-decided");
    let record = app.get(&format!("{url}/record"), None).await;
    record.assert_status(200);
    let record: ggzy::auctions::store::TradeRecord = serde_json::from_slice(&record.body).unwrap();
    let report = ggzy::auctions::cli::replay(&record);
    assert!(report.findings.is_empty(), "{:?}", report.findings);
    assert!(
        report.lines.iter().any(|l| l.contains("reserve revealed")),
        "{:?}",
        report.lines
    );
    // A record whose revealed reserve is not what was sealed is caught,
    // though the outcome would stand either way.
    let mut tampered = record.clone();
    for e in &mut tampered.events {
        if let ggzy::auctions::engine::Event::ReserveRevealed { reserve_fen } =
            &mut e.recorded.event
        {
            *reserve_fen -= inc;
        }
    }
    let report = ggzy::auctions::cli::replay(&tampered);
    assert_eq!(report.findings.len(), 1, "{:?}", report.findings);
    assert!(report.findings[0].contains("sealed plain text says"));
    let mut tampered = record.clone();
    if let Some(r) = tampered.reserve.as_mut() {
        r.commitment = Some("0".repeat(64));
    }
    let report = ggzy::auctions::cli::replay(&tampered);
    assert!(
        report
            .findings
            .iter()
            .any(|f| f.contains("does not match the commitment")),
        "{:?}",
        report.findings
    );
}

#[actix_web::test]
async fn a_reserve_that_fails_its_commitment_or_was_never_sealed_voids_the_trade() {
    // Sealed, but the commitment is to another amount.
    let p = published(
        "auction",
        "land_auction",
        Duration::minutes(10),
        json!({ "reserve_sealed": true }),
    )
    .await;
    let app = &p.r.app;
    let dir = tempfile::tempdir().unwrap();
    opening_pem(app, dir.path(), &p.tender).await;
    let (_, other_commitment, _) =
        sealed_by_hand(dir.path(), &p.tender, 1_002_000_000, &["opening.pem"]);
    let (envelope, _, _) = sealed_by_hand(dir.path(), &p.tender, 1_001_000_000, &["opening.pem"]);
    app.put_json(
        &format!("{}/reserve", p.url),
        Some(&p.land),
        &json!({ "envelope": envelope, "commitment": other_commitment }),
    )
    .await
    .assert_status(200);
    let (tokens, _) = enter(&p).await;
    quote(app, &tokens[0], &p.url, "q1", 1_000_000_000)
        .await
        .assert_status(201);
    move_to(app, p.free_until + Duration::seconds(61));
    release_for_reserve(&p).await;
    let board = app.get(&p.url, None).await.json();
    assert_eq!(board["outcome"]["result"], "void", "{board}");
    assert!(
        board["outcome"]["why"]
            .as_str()
            .unwrap()
            .contains("does not match the commitment"),
        "{board}"
    );
    assert!(board["reserve"]["reserve_fen"].is_null());
    assert!(board["reserve"]["revealed_plain"].is_string());

    // Never sealed: too late once quoting opened, and void at the close
    // without waiting for anyone (the ticker records it).
    let p = published(
        "auction",
        "land_auction",
        Duration::minutes(10),
        json!({ "reserve_sealed": true }),
    )
    .await;
    let app = &p.r.app;
    let dir = tempfile::tempdir().unwrap();
    opening_pem(app, dir.path(), &p.tender).await;
    let (envelope, commitment, _) =
        sealed_by_hand(dir.path(), &p.tender, 1_001_000_000, &["opening.pem"]);
    let body = json!({ "envelope": envelope, "commitment": commitment });
    let (tokens, _) = enter(&p).await;
    app.put_json(&format!("{}/reserve", p.url), Some(&p.land), &body)
        .await
        .assert_refusal(409, "illegal-transition", "auction.reserve-too-late");
    quote(app, &tokens[0], &p.url, "q1", 1_000_000_000)
        .await
        .assert_status(201);
    move_to(app, p.free_until + Duration::seconds(61));
    let mut board = Value::Null;
    for _ in 0..100 {
        board = app.get(&p.url, None).await.json();
        if board["outcome"]["result"] == "void" {
            break;
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(board["outcome"]["result"], "void", "{board}");
    assert!(
        board["outcome"]["why"]
            .as_str()
            .unwrap()
            .contains("no reserve was sealed"),
        "{board}"
    );

    // A draft has no opening certificate to seal to yet, and a trade
    // without a sealed reserve in its terms takes none.
    let (land, draft, deadline) = land_draft(app, "auction").await;
    let url = format!("/api/v1/tenders/{draft}/auction");
    let starts = deadline + Duration::hours(1);
    let mut terms_sealed = terms("land_auction", starts, starts + Duration::minutes(10));
    terms_sealed["reserve_sealed"] = json!(true);
    app.put_json(&url, Some(&land), &terms_sealed)
        .await
        .assert_status(200);
    app.put_json(&format!("{url}/reserve"), Some(&land), &body)
        .await
        .assert_refusal(409, "illegal-transition", "auction.reserve-seal-not-now");
    app.put_json(
        &url,
        Some(&land),
        &terms("land_auction", starts, starts + Duration::minutes(10)),
    )
    .await
    .assert_status(200);
    app.put_json(&format!("{url}/reserve"), Some(&land), &body)
        .await
        .assert_refusal(409, "conflict", "auction.no-reserve");
}

#[actix_web::test]
async fn entering_and_quoting_are_refused_out_of_their_time_and_to_other_leagues() {
    // A draft's trade takes no application, and a trade lasts a year at most.
    let p = published("auction", "land_auction", Duration::minutes(10), json!({})).await;
    let app = &p.r.app;
    let lzh_op = app.user("柳州中心", Role::Operator, "LZH", "柳州市公共资源交易中心");
    let (land, draft, deadline) = land_draft(app, "auction").await;
    let draft_url = format!("/api/v1/tenders/{draft}/auction");
    let starts = deadline + Duration::hours(1);
    app.put_json(
        &draft_url,
        Some(&land),
        &terms("land_auction", starts, starts + Duration::days(367)),
    )
    .await
    .assert_refusal(422, "trade-refused", "auction.period-range");
    app.put_json(
        &draft_url,
        Some(&land),
        &terms("land_auction", starts, starts + Duration::minutes(10)),
    )
    .await
    .assert_status(200);
    // The list of trades tells a draft's trade to its managers only.
    let listed = app
        .get(&format!("/api/v1/auctions?tender={draft}"), Some(&land))
        .await;
    listed.assert_status(200);
    assert_eq!(listed.json()["items"].as_array().unwrap().len(), 1);
    app.get(&format!("/api/v1/auctions?tender={draft}"), None)
        .await
        .assert_status(404);
    app.get(&format!("/api/v1/auctions?tender={draft}"), Some(&lzh_op))
        .await
        .assert_status(404);
    let public = app.get("/api/v1/auctions", None).await.json();
    assert!(
        public["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["tender_id"] != draft.as_str()),
        "{public}"
    );
    // Another league's operator sets up nothing here.
    app.put_json(
        &draft_url,
        Some(&lzh_op),
        &terms("land_auction", starts, starts + Duration::minutes(10)),
    )
    .await
    .assert_status(404);
    let buyer = sign_in(&p.r, &p.r.nng, BUYERS[0].0).await;
    app.post_json(
        &format!("{draft_url}/applications"),
        Some(&buyer),
        &json!({}),
    )
    .await
    .assert_status(404);

    // An amendment that moves the bid deadline past the trade's start is
    // refused: the bidders would not be fixed before the first quote.
    let amended = app
        .post_json(
            &format!("/api/v1/tenders/{}/amendments", p.tender),
            Some(&p.land),
            &json!({
                "title": "更正", "body": "延长报名", "changes_bids": true,
                "new_bid_deadline": (p.starts + Duration::days(1)).to_rfc3339(),
            }),
        )
        .await;
    amended.assert_refusal(
        422,
        "time-limit",
        "auction.starts-before-applications-close",
    );

    // Another league's operator decides nothing on this trade, and reads
    // none of its applicants.
    let stranger = uuid::Uuid::new_v4();
    app.post_json(
        &format!("{}/applications/{stranger}/decision", p.url),
        Some(&lzh_op),
        &json!({"qualified": true}),
    )
    .await
    .assert_refusal(403, "forbidden", "tender.managers-only");
    app.get(&format!("{}/applications", p.url), Some(&lzh_op))
        .await
        .assert_refusal(403, "forbidden", "auction.applicants-sealed");

    let (tokens, _) = enter(&p).await;
    // After the deadline nobody applies.
    let late = sign_in(&p.r, &p.r.nng, BUYERS[3].0).await;
    app.post_json(&format!("{}/applications", p.url), Some(&late), &json!({}))
        .await
        .assert_refusal(409, "deadline-passed", "bid.deadline-passed");
    // Once quoting opens, the bidders are fixed.
    let listed = app
        .get(&format!("{}/applications", p.url), Some(&p.land))
        .await
        .json();
    let org = listed["items"][0]["organisation_id"]
        .as_str()
        .unwrap()
        .to_string();
    app.post_json(
        &format!("{}/applications/{org}/decision", p.url),
        Some(&p.land),
        &json!({"qualified": false, "reason": "资格复核不通过"}),
    )
    .await
    .assert_refusal(409, "illegal-transition", "auction.bidders-fixed");
    // A cancelled tender's trade takes no quote.
    app.act(&p.land, &p.tender, "cancel", "地块规划调整，终止出让")
        .await
        .assert_status(200);
    quote(app, &tokens[0], &p.url, "q1", 1_000_000_000)
        .await
        .assert_refusal(409, "illegal-transition", "auction.tender-not-published");
}
