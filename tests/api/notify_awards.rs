//! The award through the HTTP API after a real evaluation: a committee of
//! five scores three bids and signs its report; the award takes the report's
//! first by default, and refuses (changing nothing) without a signed report,
//! a bid that was never opened, or another bid without a reason. Then the
//! winner's bidding accounts hold the notice of award and every other
//! bidder's the result notice, no one else anything; each notice is a CMS
//! document the real `openssl cms -verify` accepts against the platform's
//! published certificate and refuses once one byte changes; and who may
//! list and download them.

use crate::bids::{Make, container, envelope, save_opening_certificate, schedule, sign_in, submit};
use crate::helpers::{Reply, TestApp};
use crate::rooms::{Client, evaluation_started, league, score, token_of};
use crate::trust::{Registry, credit};
use ggzy::identity::Role;
use serde_json::{Value, json};
use std::path::Path;
use std::process::Command;

const NOTICE_KINDS: [&str; 2] = ["award_notice", "result_notice"];

async fn award(app: &TestApp, token: &str, tender: &str, body: Value) -> Reply {
    let mut body = body;
    body["action"] = json!("award");
    app.post_json(
        &format!("/api/v1/tenders/{tender}/transitions"),
        Some(token),
        &body,
    )
    .await
}

/// The notices of award and result notices in `token`'s inbox.
async fn notices_in_inbox(app: &TestApp, token: &str) -> Vec<Value> {
    app.inbox(token)
        .await
        .into_iter()
        .filter(|m| NOTICE_KINDS.contains(&m["kind"].as_str().unwrap()))
        .collect()
}

/// What a refused award must leave as it was.
fn state_of(app: &TestApp) -> Vec<i64> {
    [
        "procedure_documents",
        "notifications",
        "audit_events",
        "notices",
        "hall_events",
    ]
    .iter()
    .map(|t| app.count(t))
    .collect()
}

/// `openssl cms -verify` of `der` against `ca`: the content, or None when
/// openssl refuses.
fn openssl_verify(dir: &Path, name: &str, der: &[u8], ca: &Path) -> Option<Vec<u8>> {
    let input = dir.join(format!("{name}.p7m"));
    let output = dir.join(format!("{name}.json"));
    std::fs::write(&input, der).unwrap();
    let status = Command::new("openssl")
        .args(["cms", "-verify", "-inform", "DER", "-binary", "-in"])
        .arg(&input)
        .arg("-CAfile")
        .arg(ca)
        .arg("-out")
        .arg(&output)
        .stderr(std::process::Stdio::null())
        .status()
        .expect("run openssl");
    status.success().then(|| std::fs::read(&output).unwrap())
}

#[actix_web::test]
async fn the_award_sends_signed_notices_to_the_winner_and_every_other_bidder() {
    let r = Registry::new().await;
    let f = evaluation_started(&r).await;
    let (app, tender) = (&r.app, f.tender.clone());

    // --- The committee evaluates: equal scores, so the price decides
    // (lowest price base: "second", 90 万, is first).
    app.post_json(
        &format!("/api/v1/tenders/{tender}/evaluation/room"),
        Some(&f.tenderer),
        &json!({"blind_technical": false}),
    )
    .await
    .assert_status(201);
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
    // The review: no items in this tender; the chair closes it.
    let reviewed = clients[chair].ok(json!({"type": "close_round"})).await;
    clients[chair].until(reviewed + 1).await;
    for criterion in ["tech", "biz"] {
        let points = if criterion == "tech" { 35.0 } else { 15.0 };
        for c in clients.iter_mut() {
            for bid in ["A", "B", "C"] {
                c.ok(score(bid, criterion, points)).await;
            }
        }
        let closed = clients[chair].ok(json!({"type": "close_round"})).await;
        clients[chair].until(closed + 1).await;
    }
    let report_url = format!("/api/v1/tenders/{tender}/evaluation/report");
    let view = app.get(&report_url, Some(&f.supervisor)).await;
    view.assert_status(200);
    let view = view.json();
    let report = &view["report"];
    let bid_of = |rank: usize| -> (String, String) {
        let label = report["ranking"][rank]["label"].as_str().unwrap();
        let bid = report["bids"]
            .as_array()
            .unwrap()
            .iter()
            .find(|b| b["label"] == label)
            .unwrap();
        (
            bid["bid_id"].as_str().unwrap().to_string(),
            bid["bidder"].as_str().unwrap().to_string(),
        )
    };
    let (first_bid, first_name) = bid_of(0);
    let (second_bid, _) = bid_of(1);
    assert_eq!(first_name, "广西第二建设有限公司", "{report}");

    // --- A bid of another tender, never opened.
    let other = app.create_draft(&f.tenderer, "另一项目").await;
    app.act(&f.tenderer, &other, "publish", "")
        .await
        .assert_status(200);
    let dir = tempfile::tempdir().unwrap();
    let opening = save_opening_certificate(&r, &other, dir.path()).await;
    let builder = sign_in(&r, &r.nng, "builder").await;
    let zip = container(&r.nng.dir, "builder", &schedule(80_000_000));
    let make = Make {
        gcm: true,
        outer: true,
    };
    let unopened = submit(
        &r,
        &builder,
        &other,
        &envelope(&r.nng, "builder", &zip, &opening, make),
    )
    .await;
    unopened.assert_status(201);
    let unopened = unopened.json()["bid_id"].as_str().unwrap().to_string();

    // --- Government procurement has no candidate publicity (87号令 第68条:
    // the purchaser confirms the winner from the report).
    app.act(&f.tenderer, &tender, "publicise_candidates", "")
        .await
        .assert_problem(409, "illegal-transition");

    // --- Refusals, each changing nothing. The report is ready but not
    // signed: there is no winner by default.
    let before = state_of(app);
    let refused = award(app, &f.tenderer, &tender, json!({}))
        .await
        .assert_problem(422, "validation-failed");
    assert_eq!(refused["errors"][0]["field"], "winner_bid_id");
    assert!(
        refused["detail"]
            .as_str()
            .unwrap()
            .contains("signed by its whole committee"),
        "{refused}"
    );
    for bad in [unopened.clone(), uuid::Uuid::new_v4().to_string()] {
        let refused = award(
            app,
            &f.tenderer,
            &tender,
            json!({"winner_bid_id": bad, "reason": "试一试"}),
        )
        .await
        .assert_problem(422, "validation-failed");
        assert_eq!(refused["errors"][0]["field"], "winner_bid_id", "{refused}");
    }
    // The winner is named for an award only.
    app.post_json(
        &format!("/api/v1/tenders/{tender}/transitions"),
        Some(&f.tenderer),
        &json!({"action": "fail", "reason": "x", "winner_bid_id": first_bid}),
    )
    .await
    .assert_problem(422, "validation-failed");
    assert_eq!(state_of(app), before);

    // --- Every member signs; the report is the committee's. (A new
    // client names its actions anew.)
    drop(clients);
    let mut clients = Vec::new();
    tokens.clear();
    for e in &f.members {
        let token = token_of(&r, e).await;
        clients.push(Client::open(app, &tender, &token).await);
        tokens.push(token);
    }
    let text = view["signed_text"].as_str().unwrap().to_string();
    let mut last = 0;
    for (i, e) in f.members.iter().enumerate() {
        let signature = league(&r, e.league).sign_raw(&e.file, &text);
        last = clients[i]
            .ok(json!({"type": "sign", "id": "sign", "signature": signature}))
            .await;
    }
    clients[0].until(last + 1).await;
    let signed = app.get(&report_url, Some(&f.tenderer)).await.json();
    assert_eq!(signed["closed"], true, "{signed}");

    // Another bid than the report's first needs a reason (第55条).
    let before = state_of(app);
    let refused = award(
        app,
        &f.tenderer,
        &tender,
        json!({"winner_bid_id": second_bid}),
    )
    .await
    .assert_problem(422, "validation-failed");
    assert_eq!(refused["errors"][0]["field"], "reason");
    assert!(refused["detail"].as_str().unwrap().contains("第68条"));
    assert_eq!(state_of(app), before);
    let status = app.get(&format!("/api/v1/tenders/{tender}"), None).await;
    assert_eq!(status.json()["status"], "evaluating");

    // --- A second bidding account of the winner, and an account of it in
    // another role: only bidding accounts are told.
    let (colleague, winner_org) =
        app.user_with_org("投标专员", Role::Bidder, "NNG", "广西第二建设有限公司");
    let (clerk, clerk_org) =
        app.user_with_org("代理文员", Role::Agent, "NNG", "广西第二建设有限公司");
    assert_eq!(clerk_org, winner_org);

    // --- The award: the report's first, by default.
    let awarded = award(app, &f.tenderer, &tender, json!({})).await;
    awarded.assert_status(200);
    assert_eq!(awarded.json()["status"], "awarded");

    // Government procurement publishes the committee's names with the
    // result: every member who evaluated, in the award's public notice.
    let published = awarded.json()["notices"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["kind"] == "award")
        .unwrap()["body"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(published.contains("评审专家名单"), "{published}");
    let names = app
        .get(&format!("/api/v1/tenders/{tender}/committee"), None)
        .await
        .json();
    let seated: Vec<&str> = names["members"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["status"] == "accepted" || m["status"] == "invited")
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert_eq!(seated.len(), 5);
    assert!(seated.iter().all(|n| published.contains(n)), "{published}");

    // The record names the winning bid: the award's payload hash is that of
    // the decision.
    let notice_seq = awarded.json()["notices"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["kind"] == "award")
        .unwrap()["seq"]
        .clone();
    let events = app
        .get(
            &format!("/api/v1/audit/events?tender_id={tender}&action=tender.award"),
            Some(&r.operator),
        )
        .await
        .json();
    let winner = json!({"organisation_id": winner_org.as_str(), "name": "广西第二建设有限公司",
                        "credit_code": credit("91450100MA5T0003C"), "bid_id": first_bid});
    let expected = json!({
        "from": "evaluating", "to": "awarded", "reason": "", "notice_seq": notice_seq,
        "award": {
            "winner": winner,
            "rank_in_report": 1,
            "report_sha256": view["sha256"],
            "lots": [{"lot": 0, "winner": winner, "rank_in_report": 1,
                      "value_fen": 90_000_000, "reason": ""}],
            "decided_by": "organiser",
        },
    });
    assert_eq!(
        events["items"][0]["payload_sha256"],
        ggzy::audit::payload_hash(&expected).unwrap(),
        "{events}"
    );
    let issued = app
        .get(
            &format!("/api/v1/audit/events?tender_id={tender}&action=tender.result_notices"),
            Some(&r.operator),
        )
        .await
        .json();
    assert_eq!(issued["total"], 1);

    // --- Inboxes: the winner's bidding accounts the notice of award, each
    // other bidder the result notice, no one else anything.
    let second = sign_in(&r, &r.nng, "second").await;
    let third = sign_in(&r, &r.nng, "third").await;
    let builder = sign_in(&r, &r.nng, "builder").await;
    for token in [&second, &colleague] {
        let mine = notices_in_inbox(app, token).await;
        assert_eq!(mine.len(), 1, "{mine:?}");
        assert_eq!(mine[0]["kind"], "award_notice");
        assert_eq!(mine[0]["tender_id"], json!(tender));
    }
    for token in [&third, &builder] {
        let mine = notices_in_inbox(app, token).await;
        assert_eq!(mine.len(), 1, "{mine:?}");
        assert_eq!(mine[0]["kind"], "result_notice");
    }
    let lzh_operator = app.user("柳州运营", Role::Operator, "LZH", "柳州交易中心");
    let outsider = app.user("旁观企业", Role::Bidder, "NNG", "未投标公司");
    let mut nobody = vec![
        &f.tenderer,
        &f.supervisor,
        &r.operator,
        &r.platform,
        &clerk,
        &lzh_operator,
        &outsider,
    ];
    nobody.extend(tokens.iter());
    for token in nobody {
        assert!(notices_in_inbox(app, token).await.is_empty());
    }

    // --- The messages: the signed document attached, as the platform keeps it.
    let message_of = |items: &[Value]| items[0]["id"].as_str().unwrap().to_string();
    let win_message = message_of(&notices_in_inbox(app, &second).await);
    let full = app
        .get(
            &format!("/api/v1/me/notifications/{win_message}"),
            Some(&second),
        )
        .await
        .json();
    assert!(
        full["subject"].as_str().unwrap().starts_with("中标通知书"),
        "{full}"
    );
    assert!(
        full["body_text"]
            .as_str()
            .unwrap()
            .contains("广西第二建设有限公司")
    );
    let attachment = &full["attachments"][0];
    assert_eq!(attachment["filename"], format!("award-notice-{tender}.p7m"));
    assert_eq!(attachment["media_type"], "application/pkcs7-mime");
    let attached = app
        .get(attachment["href"].as_str().unwrap(), Some(&second))
        .await;
    attached.assert_status(200);
    let link = full["link"].as_str().unwrap();
    let kept = app.get(link, Some(&second)).await;
    kept.assert_status(200);
    assert_eq!(
        kept.header("content-type").unwrap(),
        "application/pkcs7-mime"
    );
    assert_eq!(
        kept.body, attached.body,
        "the message carries the kept document"
    );
    let lose_message = message_of(&notices_in_inbox(app, &third).await);
    let lost = app
        .get(
            &format!("/api/v1/me/notifications/{lose_message}"),
            Some(&third),
        )
        .await
        .json();
    assert!(
        lost["body_text"]
            .as_str()
            .unwrap()
            .contains("广西第二建设有限公司")
    );
    let third_org = lost["attachments"][0]["filename"]
        .as_str()
        .unwrap()
        .strip_prefix(&format!("result-notice-{tender}-"))
        .and_then(|rest| rest.strip_suffix(".p7m"))
        .expect("result-notice-<tender>-<org>.p7m")
        .to_string();

    // --- Listing: who reads which.
    let list = |token: Option<&str>| {
        let url = format!("/api/v1/tenders/{tender}/result-notices");
        let token = token.map(str::to_string);
        async move { app.get(&url, token.as_deref()).await }
    };
    for staff in [&f.tenderer, &f.supervisor, &r.operator, &r.platform] {
        let all = list(Some(staff)).await;
        all.assert_status(200);
        let items = all.json()["items"].as_array().unwrap().clone();
        assert_eq!(items.len(), 3, "{items:?}");
        assert_eq!(
            items.iter().filter(|i| i["kind"] == "award_notice").count(),
            1
        );
    }
    let own = list(Some(&third)).await.json();
    let own = own["items"].as_array().unwrap();
    assert_eq!(own.len(), 1);
    assert_eq!(own[0]["kind"], "result_notice");
    assert_eq!(own[0]["recipient"]["id"], json!(third_org));
    assert_eq!(
        own[0]["sha256"],
        json!(crate::bids::sha256_hex(
            &app.get(own[0]["download_url"].as_str().unwrap(), Some(&third))
                .await
                .body
        ))
    );
    list(None).await.assert_problem(401, "unauthenticated");
    list(Some(&lzh_operator))
        .await
        .assert_problem(403, "forbidden");
    list(Some(&outsider)).await.assert_problem(403, "forbidden");
    let other_supervisor = app.supervisor(
        "柳州监督",
        "administrative",
        Some("government_procurement"),
        Some("LZH"),
    );
    list(Some(&other_supervisor))
        .await
        .assert_problem(403, "forbidden");

    // --- Downloads: the recipient's own only.
    let lost_url = own[0]["download_url"].as_str().unwrap().to_string();
    app.get(link, Some(&third))
        .await
        .assert_problem(403, "forbidden");
    app.get(&lost_url, Some(&second))
        .await
        .assert_problem(403, "forbidden");
    app.get(link, None)
        .await
        .assert_problem(401, "unauthenticated");
    app.get(link, Some(&lzh_operator))
        .await
        .assert_problem(403, "forbidden");
    app.get(link, Some(&outsider))
        .await
        .assert_problem(403, "forbidden");
    app.get(
        &format!(
            "/api/v1/tenders/{tender}/result-notices/{}",
            uuid::Uuid::new_v4()
        ),
        Some(&f.tenderer),
    )
    .await
    .assert_problem(404, "not-found");
    app.get(
        &format!(
            "/api/v1/tenders/{other}/result-notices/{}",
            link.rsplit('/').next().unwrap()
        ),
        Some(&f.tenderer),
    )
    .await
    .assert_problem(404, "not-found");
    app.get(&lost_url, Some(&f.supervisor))
        .await
        .assert_status(200);

    // --- The real openssl verifies each against the published certificate.
    let cert = app
        .get("/api/v1/platform/document-signing-certificate", None)
        .await;
    cert.assert_status(200);
    let ca = dir.path().join("platform-documents.pem");
    std::fs::write(&ca, &cert.body).unwrap();
    let content = openssl_verify(dir.path(), "award", &kept.body, &ca).expect("openssl verifies");
    let notice: Value = serde_json::from_slice(&content).unwrap();
    assert_eq!(notice["format"], "ggzy-result-notice-v1");
    assert_eq!(notice["kind"], "award_notice");
    assert_eq!(notice["title"], "中标通知书");
    assert_eq!(notice["tender"]["id"], json!(tender));
    assert_eq!(notice["recipient"]["name"], "广西第二建设有限公司");
    assert_eq!(
        notice["recipient"]["unified_social_credit_code"],
        credit("91450100MA5T0003C")
    );
    assert_eq!(notice["winner"]["bid_id"], json!(first_bid));
    assert_eq!(
        notice["document_id"],
        json!(link.rsplit('/').next().unwrap())
    );
    assert!(notice["text"].as_str().unwrap().contains("中标人"));
    let lost_der = app.get(&lost_url, Some(&third)).await.body;
    let content = openssl_verify(dir.path(), "result", &lost_der, &ca).expect("openssl verifies");
    let notice: Value = serde_json::from_slice(&content).unwrap();
    assert_eq!(notice["kind"], "result_notice");
    assert_eq!(notice["recipient"]["name"], "广西第三建设有限公司");
    assert_eq!(
        notice["recipient"]["unified_social_credit_code"],
        credit("91450100MA5T0004D")
    );
    assert_eq!(notice["winner"]["name"], "广西第二建设有限公司");
    // Signed with SHA-256, at a signing time.
    let printed = Command::new("openssl")
        .args(["cms", "-cmsout", "-print", "-inform", "DER", "-in"])
        .arg(dir.path().join("award.p7m"))
        .output()
        .unwrap();
    let printed = String::from_utf8_lossy(&printed.stdout);
    assert!(
        printed.contains("signingTime") && printed.contains("sha256"),
        "{printed}"
    );

    // One byte changed in the signed content, or in the signature: refused.
    let text = "广西第二建设有限公司".as_bytes();
    let at = kept
        .body
        .windows(text.len())
        .position(|w| w == text)
        .expect("the content is attached");
    let mut tampered = kept.body.clone();
    tampered[at + 1] ^= 0x01;
    assert!(openssl_verify(dir.path(), "tampered", &tampered, &ca).is_none());
    let mut tampered = kept.body.clone();
    let end = tampered.len() - 3;
    tampered[end] ^= 0x01;
    assert!(openssl_verify(dir.path(), "tampered-signature", &tampered, &ca).is_none());
    // Nor does another platform's certificate verify it.
    let elsewhere = tempfile::tempdir().unwrap();
    let foreign =
        ggzy::keys::documents::DocumentSigner::load_or_create(elsewhere.path(), app.now()).unwrap();
    let foreign_ca = dir.path().join("foreign.pem");
    std::fs::write(&foreign_ca, foreign.certificate_pem().unwrap()).unwrap();
    assert!(openssl_verify(dir.path(), "foreign", &kept.body, &foreign_ca).is_none());

    // --- The procedure does not close yet: suppliers may still challenge
    // the result, and it has no contract (the procedures tests close one
    // that has it).
    app.act(&f.tenderer, &tender, "close", "")
        .await
        .assert_problem(409, "conflict");
    let detail = app
        .get(&format!("/api/v1/tenders/{tender}"), Some(&f.tenderer))
        .await
        .json();
    assert_eq!(detail["status"], "awarded");
    // The winner refusing to sign, the procedure fails and is run again
    // (政府采购法实施条例 第49条): its failure notice's OCDS release
    // cancels the awards.
    let failed = app
        .act(
            &f.tenderer,
            &tender,
            "fail",
            "中标人拒绝签订合同，重新组织采购（政府采购法实施条例 第49条）",
        )
        .await;
    failed.assert_status(200);
    assert_eq!(failed.json()["status"], "failed");
    let package = app
        .get(&format!("/api/v1/opendata/tenders/{tender}/releases"), None)
        .await
        .json();
    crate::opendata::assert_valid("release-package-schema.json", &package);
    let last = package["releases"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert!(
        last["tag"]
            .as_array()
            .unwrap()
            .contains(&json!("awardCancellation")),
        "{last}"
    );
    assert_eq!(last["awards"][0]["status"], "cancelled", "{last}");
    assert_eq!(last["tender"]["status"], "unsuccessful", "{last}");
    let record = app
        .get(&format!("/api/v1/opendata/tenders/{tender}/record"), None)
        .await
        .json();
    assert_eq!(
        record["records"][0]["compiledRelease"]["awards"][0]["status"],
        "cancelled"
    );
    // An award is made once: its notices are not issued again.
    assert_eq!(
        list(Some(&f.tenderer)).await.json()["items"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
}
