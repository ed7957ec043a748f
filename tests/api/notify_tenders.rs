//! The messages a tender's procedure sends, read from each recipient's
//! inbox over HTTP after the real procedure ran through the API: a new
//! tender to its category's followers, amendments and answered
//! clarifications to everyone who took the documents (and only them), bid
//! receipts to their bidder alone with a timestamp `openssl ts -verify`
//! accepts (also from the `.eml` file, parsed by Python's `email`), the
//! objection's answer to its author, the opening record and publicised
//! candidates to the bidders, the signed report to the tenderer. Each
//! check also names someone who must not get the message.

use crate::bids::{
    Make, container, envelope, release_platform_share, release_tenderer_share, schedule,
    sha256_hex, sign_in, start_opening_at_deadline, submit, tender_with_opening_cert,
    wait_for_opening,
};
use crate::helpers::{TestApp, spawn_app};
use crate::rooms::{Client, evaluation_started_with, league, token_of};
use crate::trust::{Registry, credit};
use chrono::Duration;
use ggzy::identity::Role;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The one message of `kind` in the inbox, in full.
async fn the_one(app: &TestApp, token: &str, kind: &str) -> Value {
    let found = app.inbox_of(token, kind).await;
    assert_eq!(found.len(), 1, "one {kind}: {found:?}");
    full(app, token, &found[0]).await
}

/// A message in full (its bodies and attachments).
async fn full(app: &TestApp, token: &str, item: &Value) -> Value {
    let id = item["id"].as_str().unwrap();
    let reply = app
        .get(&format!("/api/v1/me/notifications/{id}"), Some(token))
        .await;
    reply.assert_status(200);
    reply.json()
}

/// Asserts that none of `tokens` got a message of `kind`.
async fn none_of(app: &TestApp, tokens: &[&str], kind: &str) {
    for token in tokens {
        let found = app.inbox_of(token, kind).await;
        assert!(found.is_empty(), "nobody else gets {kind}: {found:?}");
    }
}

/// Gives the user a verified address, as a person would: sets it, reads
/// the link sent there and opens it.
async fn verify_address(app: &TestApp, token: &str, address: &str) {
    app.verified_address(token, address).await;
}

/// Waits for the worker to write the e-mail of notification `id`.
async fn eml(app: &TestApp, id: &str) -> PathBuf {
    let path = app.data_dir.path().join(format!("mail/{id}.eml"));
    for _ in 0..200 {
        if path.exists() {
            return path;
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("no e-mail was written for notification {id}");
}

/// An e-mail read by Python's `email` package: its decoded subject and
/// recipient, its plain text, and its attachments saved into `dir`.
fn parse_eml(path: &Path, dir: &Path) -> Value {
    let script = r#"
import email, email.policy, json, os, sys
with open(sys.argv[1], "rb") as f:
    msg = email.message_from_binary_file(f, policy=email.policy.default)
out = {"subject": str(msg["subject"]), "to": str(msg["to"]), "attachments": []}
body = msg.get_body(preferencelist=("plain",))
out["text"] = body.get_content() if body is not None else ""
for i, part in enumerate(msg.iter_attachments()):
    saved = os.path.join(sys.argv[2], "attachment-%d" % i)
    with open(saved, "wb") as f:
        f.write(part.get_content())
    out["attachments"].append({"filename": part.get_filename(),
                               "content_type": part.get_content_type(), "path": saved})
print(json.dumps(out))
"#;
    let out = Command::new("python3")
        .args(["-c", script])
        .arg(path)
        .arg(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "python: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// `openssl ts -verify` of a TimeStampResp file against the platform
/// TSA's root, for a file of SHA-256 `sha` (hex).
fn openssl_verifies(app: &TestApp, tsr: &Path, sha: &str) -> bool {
    let root = app.data_dir.path().join("keys/tsa-root.cert.pem");
    let out = Command::new("openssl")
        .args(["ts", "-verify", "-in"])
        .arg(tsr)
        .args(["-digest", sha, "-CAfile"])
        .arg(&root)
        .output()
        .unwrap();
    out.status.success() && String::from_utf8_lossy(&out.stdout).contains("Verification: OK")
}

/// Beijing time as the Chinese templates write it.
fn beijing(at: chrono::DateTime<chrono::Utc>) -> String {
    format!(
        "{}（北京时间）",
        (at + Duration::hours(8)).format("%Y-%m-%d %H:%M:%S")
    )
}

#[actix_web::test]
async fn followers_hear_of_a_new_tender_and_document_takers_of_its_changes() {
    let app = spawn_app().await;
    app.leagues();
    let tenderer = app.user("采购科", Role::Tenderer, "NNG", "南宁市教育局");
    let operator = app.user_custom("运维", &[Role::Operator], "NNG", None, None);
    // Followers: of the category here, of it everywhere, of another
    // category, of it in another league.
    let here = app.user("投标部", Role::Bidder, "NNG", "广西甲科技有限公司");
    let everywhere = app.user("投标部", Role::Bidder, "NNG", "广西乙科技有限公司");
    let builder = app.user("投标部", Role::Bidder, "NNG", "广西丙建设有限公司");
    let elsewhere = app.user("投标部", Role::Bidder, "LZH", "柳州丁科技有限公司");
    for (token, category, league) in [
        (&here, "government_procurement", "NNG"),
        (&everywhere, "government_procurement", "*"),
        (&builder, "engineering_construction", "*"),
        (&elsewhere, "government_procurement", "LZH"),
    ] {
        app.put_json(
            "/api/v1/me/subscriptions",
            Some(token),
            &json!([{ "category": category, "league": league }]),
        )
        .await
        .assert_status(200);
    }

    // A draft with its documents, published.
    let id = app.create_draft(&tenderer, "智慧教室设备采购").await;
    let doc = app
        .post_raw(
            &format!("/api/v1/tenders/{id}/documents?filename=tender.pdf"),
            Some(&tenderer),
            "application/pdf",
            b"%PDF-1.7 the tender documents".to_vec(),
        )
        .await;
    doc.assert_status(201);
    let download = doc.json()["download_url"].as_str().unwrap().to_string();
    app.act(&tenderer, &id, "publish", "")
        .await
        .assert_status(200);
    let tender = app.get(&format!("/api/v1/tenders/{id}"), None).await.json();
    let reference = tender["reference"].as_str().unwrap().to_string();

    // --- Published: to the category's followers in this league or all.
    for token in [&here, &everywhere] {
        let m = the_one(&app, token, "tender_published").await;
        assert_eq!(m["tender_id"], id.as_str());
        assert_eq!(m["link"], format!("/#/tenders/{id}"));
        assert_eq!(m["subject"], "新公告：智慧教室设备采购");
        let text = m["body_text"].as_str().unwrap();
        for part in [
            reference.as_str(),
            "政府采购",
            "公开招标",
            "南宁市公共资源交易中心",
            &format!("/#/tenders/{id}"),
        ] {
            assert!(text.contains(part), "{part} in {text}");
        }
    }
    none_of(
        &app,
        &[&builder, &elsewhere, &operator, &tenderer],
        "tender_published",
    )
    .await;

    // --- Documents taken: by two enterprises (one twice); the tenderer's
    // and the public's downloads take nothing.
    for token in [
        Some(&here),
        Some(&here),
        Some(&builder),
        Some(&tenderer),
        None,
    ] {
        app.get(&download, token.map(|t| t.as_str()))
            .await
            .assert_status(200);
    }
    assert_eq!(app.count("document_takers"), 2);
    // Who took them is shown to nobody, the tenderer included.
    let managed = app
        .get(&format!("/api/v1/tenders/{id}"), Some(&tenderer))
        .await;
    let managed = String::from_utf8_lossy(&managed.body).to_string();
    assert!(!managed.contains("甲科技") && !managed.contains("丙建设"));

    // The builder reads its messages by e-mail too.
    verify_address(&app, &builder, "bids@builder.example").await;

    // --- A clarification, asked by an enterprise that took no documents:
    // its answer goes to the takers and to the asker.
    let asked = app
        .post_json(
            &format!("/api/v1/tenders/{id}/clarifications"),
            Some(&everywhere),
            &json!({ "question": "是否接受进口产品？" }),
        )
        .await;
    asked.assert_status(201);
    let cid = asked.json()["id"].as_str().unwrap().to_string();
    app.post_json(
        &format!("/api/v1/tenders/{id}/clarifications/{cid}/answer"),
        Some(&tenderer),
        &json!({ "answer": "不接受。" }),
    )
    .await
    .assert_status(200);
    for token in [&here, &builder, &everywhere] {
        let m = the_one(&app, token, "clarification_answered").await;
        let text = m["body_text"].as_str().unwrap();
        assert!(
            text.contains("第 1 号")
                && text.contains("是否接受进口产品？")
                && text.contains("不接受。"),
            "{text}"
        );
    }
    none_of(
        &app,
        &[&elsewhere, &operator, &tenderer],
        "clarification_answered",
    )
    .await;

    // --- An amendment that moves the deadline: to the takers only (the
    // asker took no documents).
    let deadline = app.now() + Duration::days(30);
    app.post_json(
        &format!("/api/v1/tenders/{id}/amendments"),
        Some(&tenderer),
        &json!({ "title": "更正公告（第1号）", "body": "交货期变更为60天",
                 "changes_bids": true, "new_bid_deadline": deadline.to_rfc3339() }),
    )
    .await
    .assert_status(201);
    for token in [&here, &builder] {
        let m = the_one(&app, token, "tender_amended").await;
        assert_eq!(m["subject"], "变更公告：智慧教室设备采购");
        let text = m["body_text"].as_str().unwrap();
        assert!(
            text.contains("第 1 次变更：更正公告（第1号）") && text.contains(&beijing(deadline)),
            "{text}"
        );
    }
    none_of(
        &app,
        &[&everywhere, &elsewhere, &operator, &tenderer],
        "tender_amended",
    )
    .await;
    // Operators are told nothing of the procedure at all.
    assert!(app.inbox(&operator).await.is_empty());

    // --- By e-mail: the builder's amendment, with its subject; nothing
    // for the enterprise without an address.
    let amended = app.inbox_of(&builder, "tender_amended").await;
    let dir = tempfile::tempdir().unwrap();
    let mail = parse_eml(
        &eml(&app, amended[0]["id"].as_str().unwrap()).await,
        dir.path(),
    );
    assert_eq!(mail["subject"], "变更公告：智慧教室设备采购");
    assert!(
        mail["to"]
            .as_str()
            .unwrap()
            .contains("bids@builder.example")
    );
    assert!(mail["text"].as_str().unwrap().contains("更正公告（第1号）"));
    let without = app.inbox_of(&here, "tender_amended").await;
    assert!(without[0]["email"].is_null(), "{without:?}");
}

#[actix_web::test]
async fn each_bid_has_its_receipt_and_bidders_hear_of_their_objection_and_the_opening() {
    let r = Registry::new().await;
    let app = &r.app;
    let nng = &r.nng;
    for (name, org, code) in [
        ("second", "广西第二建设有限公司", "91450100MA5T0003C"),
        ("third", "广西第三建设有限公司", "91450100MA5T0004D"),
        ("fourth", "广西第四建设有限公司", "91450100MA5T0005E"),
    ] {
        nng.enterprise(name, org, &credit(code));
    }
    let dir = tempfile::tempdir().unwrap();
    let (tenderer, tender, opening) = tender_with_opening_cert(&r, dir.path()).await;
    let second = sign_in(&r, nng, "second").await;
    let third = sign_in(&r, nng, "third").await;
    let builder = sign_in(&r, nng, "builder").await;
    // An enterprise that signs in and does not bid.
    let fourth = sign_in(&r, nng, "fourth").await;
    verify_address(app, &builder, "bids@builder.example").await;

    // --- Three bids, then the builder replaces its own: four receipts.
    let make = Make {
        gcm: true,
        outer: true,
    };
    let mut bids = Vec::new();
    for (i, (name, token)) in [
        ("second", &second),
        ("third", &third),
        ("builder", &builder),
    ]
    .into_iter()
    .enumerate()
    {
        let zip = container(&nng.dir, name, &schedule(90_000_000 + i as i64 * 5_000_000));
        let file = envelope(nng, name, &zip, &opening, make);
        let reply = submit(&r, token, &tender, &file).await;
        reply.assert_status(201);
        bids.push((name, reply.json(), file));
    }
    let zip = container(&nng.dir, "builder-again", &schedule(88_000_000));
    let replacing = envelope(nng, "builder", &zip, &opening, make);
    let reply = submit(&r, &builder, &tender, &replacing).await;
    reply.assert_status(201);
    let replaced = reply.json();

    // The builder has one receipt per bid, the newest first.
    let receipts = app.inbox_of(&builder, "bid_receipt").await;
    let ids: Vec<String> = receipts
        .iter()
        .map(|m| m["link"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        ids,
        [
            format!(
                "/api/v1/bids/{}/receipt",
                replaced["bid_id"].as_str().unwrap()
            ),
            format!(
                "/api/v1/bids/{}/receipt",
                bids[2].1["bid_id"].as_str().unwrap()
            ),
        ]
    );
    // Each other bidder has its own, and nothing of anyone else's bid.
    for (name, token) in [("second", &second), ("third", &third)] {
        let (_, receipt, file) = bids.iter().find(|b| b.0 == name).unwrap();
        let m = the_one(app, token, "bid_receipt").await;
        let text = m["body_text"].as_str().unwrap();
        let sha = sha256_hex(&std::fs::read(file).unwrap());
        assert!(
            text.contains(receipt["bid_id"].as_str().unwrap()) && text.contains(&sha),
            "{text}"
        );
        for (other, theirs, _) in bids.iter().filter(|b| b.0 != name) {
            assert!(
                !text.contains(theirs["bid_id"].as_str().unwrap()),
                "{name} reads nothing of {other}'s bid"
            );
        }
        assert!(!text.contains(replaced["bid_id"].as_str().unwrap()));
    }
    none_of(
        app,
        &[&fourth, &tenderer, &r.operator, &r.platform],
        "bid_receipt",
    )
    .await;

    // The receipt's attachment is the receipt's TimeStampResp.
    let latest = full(app, &builder, &receipts[0]).await;
    let bid_id = replaced["bid_id"].as_str().unwrap();
    let attachment = &latest["attachments"][0];
    assert_eq!(attachment["filename"], format!("receipt-{bid_id}.tsr"));
    assert_eq!(attachment["media_type"], "application/timestamp-reply");
    let tsr =
        openssl::base64::decode_block(replaced["timestamp_response"].as_str().unwrap()).unwrap();
    let got = app
        .get(attachment["href"].as_str().unwrap(), Some(&builder))
        .await;
    got.assert_status(200);
    assert_eq!(got.body, tsr);
    assert!(latest["body_text"].as_str().unwrap().contains(&beijing(
        replaced["received_at"].as_str().unwrap().parse().unwrap()
    )));

    // By e-mail: the subject, and a token `openssl ts -verify` accepts for
    // the file the builder sent (and for no other).
    let mail_dir = tempfile::tempdir().unwrap();
    let mail = parse_eml(
        &eml(app, latest["id"].as_str().unwrap()).await,
        mail_dir.path(),
    );
    assert_eq!(mail["subject"], "投标回执：智慧教室设备采购");
    assert!(
        mail["to"]
            .as_str()
            .unwrap()
            .contains("bids@builder.example")
    );
    let attached = &mail["attachments"][0];
    assert_eq!(attached["filename"], format!("receipt-{bid_id}.tsr"));
    assert_eq!(attached["content_type"], "application/timestamp-reply");
    let saved = PathBuf::from(attached["path"].as_str().unwrap());
    let sha = sha256_hex(&std::fs::read(&replacing).unwrap());
    assert!(openssl_verifies(app, &saved, &sha));
    assert!(!openssl_verifies(
        app,
        &saved,
        &sha256_hex(&std::fs::read(&bids[2].2).unwrap())
    ));

    // --- The opening: an objection, answered to its author alone.
    start_opening_at_deadline(&r, &tenderer, &tender).await;
    // Sessions of 25 days ago have ended: the same enterprises sign in again.
    let second = sign_in(&r, nng, "second").await;
    let third = sign_in(&r, nng, "third").await;
    let builder = sign_in(&r, nng, "builder").await;
    let fourth = sign_in(&r, nng, "fourth").await;
    let raised = app
        .post_json(
            &format!("/api/v1/tenders/{tender}/objections"),
            Some(&second),
            &json!({ "text": "开标时间晚于公告时间" }),
        )
        .await;
    raised.assert_status(201);
    let oid = raised.json()["id"].as_str().unwrap().to_string();
    app.post_json(
        &format!("/api/v1/tenders/{tender}/objections/{oid}/answer"),
        Some(&tenderer),
        &json!({ "answer": "开标按公告时间进行，异议不成立。" }),
    )
    .await
    .assert_status(200);
    let m = the_one(app, &second, "objection_answered").await;
    let text = m["body_text"].as_str().unwrap();
    assert!(
        text.contains("开标时间晚于公告时间") && text.contains("异议不成立"),
        "{text}"
    );
    none_of(
        app,
        &[&third, &builder, &tenderer, &r.operator],
        "objection_answered",
    )
    .await;

    // --- The opening record, once, to every enterprise whose bid was
    // opened; not to one that did not bid, nor to the tenderer.
    app.clock.advance(Duration::seconds(1));
    release_tenderer_share(&r, dir.path(), &tenderer, &tender).await;
    release_platform_share(&r, &tender).await;
    wait_for_opening(&r, &tender).await;
    for token in [&second, &third, &builder] {
        let m = the_one(app, token, "opening_record").await;
        assert_eq!(m["link"], format!("/api/v1/tenders/{tender}/opening"));
        assert!(
            m["body_text"]
                .as_str()
                .unwrap()
                .contains("共开启投标文件 3 份"),
            "{m}"
        );
    }
    none_of(
        app,
        &[&fourth, &tenderer, &r.operator, &r.platform],
        "opening_record",
    )
    .await;
    for operator in [&r.operator, &r.platform] {
        assert!(app.inbox(operator).await.is_empty());
    }
}

#[actix_web::test]
async fn the_signed_report_goes_to_the_tenderer_and_the_candidates_to_the_bidders() {
    let r = Registry::new().await;
    // A construction tender: its candidates are publicised (条例 第54条);
    // government procurement has no publicity.
    let f = evaluation_started_with(
        &r,
        |b| {
            b["category"] = json!("engineering_construction");
            b["lots"] = json!([]);
            b["evaluation"] = json!({"method": "lowest_evaluated_price"});
            b["terms"] = json!({"subject": "works", "bid_validity_days": 90});
        },
        &crate::bids::three_schedules(),
    )
    .await;
    let app = &r.app;
    let tender = f.tender.clone();
    app.post_json(
        &format!("/api/v1/tenders/{tender}/evaluation/room"),
        Some(&f.tenderer),
        &json!({ "blind_technical": false }),
    )
    .await
    .assert_status(201);
    let mut tokens = Vec::new();
    let mut members = Vec::new();
    for e in &f.members {
        let token = token_of(&r, e).await;
        members.push(Client::open(app, &tender, &token).await);
        tokens.push(token);
    }
    // Declarations, a chair, the review (nothing scored: the lowest
    // evaluated price wins), the report.
    for m in members.iter_mut() {
        m.ok(json!({ "type": "declare" })).await;
    }
    let chair = f.members[0].id.clone();
    for m in members.iter_mut().take(3) {
        m.ok(json!({ "type": "vote", "candidate": chair })).await;
    }
    let closed = members[0].ok(json!({ "type": "close_round" })).await;
    members[0].until(closed + 1).await;
    let report = app
        .get(
            &format!("/api/v1/tenders/{tender}/evaluation/report"),
            Some(&f.supervisor),
        )
        .await;
    report.assert_status(200);
    let report = report.json();
    let text = report["signed_text"].as_str().unwrap().to_string();
    let sha = report["sha256"].as_str().unwrap().to_string();
    let bidders = [
        sign_in(&r, &r.nng, "second").await,
        sign_in(&r, &r.nng, "third").await,
        sign_in(&r, &r.nng, "builder").await,
    ];

    // Four signatures tell nobody; the fifth closes the room.
    for (i, e) in f.members.iter().enumerate() {
        if i == 4 {
            none_of(app, &[&f.tenderer], "evaluation_finished").await;
        }
        let signature = league(&r, e.league).sign_raw(&e.file, &text);
        members[i]
            .ok(json!({ "type": "sign", "signature": signature }))
            .await;
    }
    let m = the_one(app, &f.tenderer, "evaluation_finished").await;
    assert_eq!(m["subject"], "评标完成：智慧教室设备采购");
    assert_eq!(
        m["link"],
        format!("/api/v1/tenders/{tender}/evaluation/report.html")
    );
    assert!(m["body_text"].as_str().unwrap().contains(&sha));
    let mut others: Vec<&str> = tokens.iter().map(String::as_str).collect();
    others.extend(bidders.iter().map(String::as_str));
    others.extend([f.supervisor.as_str(), r.operator.as_str()]);
    none_of(app, &others, "evaluation_finished").await;

    // --- The candidates publicised: to each bidder, not to the committee
    // or the supervisor.
    app.act(&f.tenderer, &tender, "publicise_candidates", "")
        .await
        .assert_status(200);
    for token in &bidders {
        let m = the_one(app, token, "candidates_publicised").await;
        assert_eq!(m["link"], format!("/#/tenders/{tender}"));
        assert_eq!(m["subject"], "中标候选人公示：智慧教室设备采购");
        // And they had the opening record, once.
        assert_eq!(app.inbox_of(token, "opening_record").await.len(), 1);
    }
    let mut others: Vec<&str> = tokens.iter().map(String::as_str).collect();
    others.extend([
        f.tenderer.as_str(),
        f.supervisor.as_str(),
        r.operator.as_str(),
    ]);
    none_of(app, &others, "candidates_publicised").await;
}
