//! Sealed bids end to end, with tools the project does not own: containers
//! zipped by Python, envelopes signed, encrypted and signed again by the
//! `openssl cms` command line with certificates the platform never issued,
//! uploaded over HTTP by bidders signed in with those certificates;
//! receipts checked with `openssl ts -verify`; the opening key's shares
//! opened with `openssl cms -decrypt`.

use crate::fabric::{League, openssl};
use crate::helpers::custody_identity;
use crate::trust::{Registry, credit};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Signs in `name` of `league` by signing a challenge; returns the token.
pub async fn sign_in(r: &Registry, league: &League, name: &str) -> String {
    let c = r
        .app
        .post_json("/api/v1/auth/challenges", None, &json!({}))
        .await
        .json();
    let signature = league.sign_raw(name, c["challenge"].as_str().unwrap());
    let reply = r
        .app
        .post_json(
            "/api/v1/auth/login",
            None,
            &json!({
                "challenge_id": c["id"],
                "certificate": league.text(&format!("{name}.pem")),
                "signature": signature,
                "format": "raw",
            }),
        )
        .await;
    reply.assert_status(201);
    reply.json()["token"].as_str().unwrap().to_string()
}

/// A bid container made by Python's zipfile: the price schedule and one
/// document.
pub fn container(dir: &Path, name: &str, schedule: &Value) -> PathBuf {
    container_holding(dir, name, schedule, &format!("投标文件 {name}"))
}

/// A container whose one document, `documents/技术标.txt`, holds `doc`.
pub fn container_holding(dir: &Path, name: &str, schedule: &Value, doc: &str) -> PathBuf {
    let out = dir.join(format!("{name}.zip"));
    let script = r#"
import json, sys, zipfile
out, schedule, doc = sys.argv[1], sys.argv[2], sys.argv[3]
with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("price-schedule.json", schedule)
    z.writestr("documents/技术标.txt", doc)
"#;
    let status = Command::new("python3")
        .args([
            "-c",
            script,
            out.to_str().unwrap(),
            &schedule.to_string(),
            doc,
        ])
        .status()
        .unwrap();
    assert!(status.success());
    out
}

/// How an envelope is made with the CLI.
#[derive(Clone, Copy)]
pub struct Make {
    pub gcm: bool,
    pub outer: bool,
}

/// sign → encrypt to `opening` → sign, with the plain openssl CLI, as the
/// enterprise `signer` of `league`. Returns the envelope's path.
pub fn envelope(league: &League, signer: &str, zip: &Path, opening: &Path, make: Make) -> PathBuf {
    let d = &league.dir;
    let stem = zip.file_stem().unwrap().to_str().unwrap().to_string();
    let (inner, enveloped, outer) = (
        d.join(format!("{stem}.inner.der")),
        d.join(format!("{stem}.env.der")),
        d.join(format!("{stem}.p7m")),
    );
    let s = |p: &Path| p.to_str().unwrap().to_string();
    openssl(
        d,
        &[
            "cms",
            "-sign",
            "-nodetach",
            "-binary",
            "-in",
            &s(zip),
            "-signer",
            &format!("{signer}.pem"),
            "-inkey",
            &format!("{signer}.key"),
            "-outform",
            "DER",
            "-out",
            &s(&inner),
        ],
    );
    openssl(
        d,
        &[
            "cms",
            "-encrypt",
            "-binary",
            if make.gcm {
                "-aes-256-gcm"
            } else {
                "-aes-256-cbc"
            },
            "-in",
            &s(&inner),
            "-outform",
            "DER",
            "-out",
            &s(&enveloped),
            &s(opening),
        ],
    );
    if !make.outer {
        return enveloped;
    }
    openssl(
        d,
        &[
            "cms",
            "-sign",
            "-nodetach",
            "-binary",
            "-in",
            &s(&enveloped),
            "-signer",
            &format!("{signer}.pem"),
            "-inkey",
            &format!("{signer}.key"),
            "-outform",
            "DER",
            "-out",
            &s(&outer),
        ],
    );
    outer
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    ggzy::identity::hex(&openssl::sha::sha256(bytes))
}

/// A published tender with its opening certificate written to `dir`.
pub async fn tender_with_opening_cert(r: &Registry, dir: &Path) -> (String, String, PathBuf) {
    tender_with_opening_cert_from(r, dir, |_| {}).await
}

/// The same, from the helpers' draft body as `edit` changes it.
pub async fn tender_with_opening_cert_from(
    r: &Registry,
    dir: &Path,
    edit: impl FnOnce(&mut Value),
) -> (String, String, PathBuf) {
    // The Registry has registered the leagues already.
    let tenderer = r.app.user(
        "采购科",
        ggzy::identity::Role::Tenderer,
        "NNG",
        "南宁市教育局",
    );
    let mut body = r.app.tender_body("智慧教室设备采购");
    edit(&mut body);
    let reply = r
        .app
        .post_json("/api/v1/tenders", Some(&tenderer), &body)
        .await;
    reply.assert_status(201);
    let id = reply.json()["id"].as_str().unwrap().to_string();
    let reply = r.app.act(&tenderer, &id, "publish", "").await;
    reply.assert_status(200);
    let path = save_opening_certificate(r, &id, dir).await;
    (tenderer, id, path)
}

/// Downloads a published tender's opening certificate (public) to
/// `dir/opening.pem`, where bidders' openssl commands take it.
pub async fn save_opening_certificate(r: &Registry, tender: &str, dir: &Path) -> PathBuf {
    let reply = r
        .app
        .get(
            &format!("/api/v1/tenders/{tender}/opening-key/certificate.pem"),
            None,
        )
        .await;
    assert_eq!(reply.status, 200);
    let path = dir.join("opening.pem");
    std::fs::write(&path, &reply.body).unwrap();
    path
}

/// The tender's bid deadline, as its detail states it.
pub async fn bid_deadline(r: &Registry, tender: &str) -> chrono::DateTime<chrono::Utc> {
    let detail = r
        .app
        .get(&format!("/api/v1/tenders/{tender}"), None)
        .await
        .json();
    serde_json::from_value(detail["dates"]["bid_deadline"].clone()).unwrap()
}

/// Three valid bids on `tender` from NNG enterprises ("second", "third" and
/// "builder", the last the lowest price but one), so that an opening goes
/// on to evaluation.
pub async fn three_valid_bids(r: &Registry, tender: &str, opening: &Path) {
    valid_bids(r, tender, opening, &three_schedules()).await
}

/// The price schedules of [`three_valid_bids`]: 900,000, 950,000 and
/// 1,000,000 yuan.
pub fn three_schedules() -> Vec<Value> {
    (0..3)
        .map(|i| {
            json!({"total_price_fen": 90_000_000 + i as i64 * 5_000_000, "duration_days": 90,
                   "key_terms": {"质保期": "3 年"}})
        })
        .collect()
}

/// One valid bid per schedule (at most three), from 广西第二建设,
/// 广西第三建设 and 广西建工, in that order.
pub async fn valid_bids(r: &Registry, tender: &str, opening: &Path, schedules: &[Value]) {
    let nng = &r.nng;
    nng.enterprise(
        "second",
        "广西第二建设有限公司",
        &credit("91450100MA5T0003C"),
    );
    nng.enterprise(
        "third",
        "广西第三建设有限公司",
        &credit("91450100MA5T0004D"),
    );
    for (name, schedule) in ["second", "third", "builder"].into_iter().zip(schedules) {
        let token = sign_in(r, nng, name).await;
        let zip = container(&nng.dir, name, schedule);
        let make = Make {
            gcm: true,
            outer: true,
        };
        let bid = envelope(nng, name, &zip, opening, make);
        submit(r, &token, tender, &bid).await.assert_status(201);
    }
}

pub async fn submit(r: &Registry, token: &str, tender: &str, file: &Path) -> crate::helpers::Reply {
    submit_with(r, token, tender, file, &[]).await
}

/// Submits a bid with more request headers (a `Device-Fingerprint`).
pub async fn submit_with(
    r: &Registry,
    token: &str,
    tender: &str,
    file: &Path,
    headers: &[(&str, &str)],
) -> crate::helpers::Reply {
    r.app
        .post_raw_with(
            &format!("/api/v1/tenders/{tender}/bids"),
            Some(token),
            "application/pkcs7-mime",
            headers,
            std::fs::read(file).unwrap(),
        )
        .await
}

pub fn schedule(price: i64) -> Value {
    json!({ "total_price_fen": price, "duration_days": 180,
            "key_terms": { "质保期": "3 年", "付款方式": "按进度" } })
}

/// Checks a receipt's timestamp with `openssl ts -verify` and the
/// platform TSA's root, and that it covers `file`.
pub fn verify_receipt_with_openssl(r: &Registry, receipt: &Value, file: &Path) {
    let bytes = std::fs::read(file).unwrap();
    let sha = sha256_hex(&bytes);
    assert_eq!(receipt["sha256"], sha);
    assert_eq!(receipt["size_bytes"], bytes.len());
    let dir = tempfile::tempdir().unwrap();
    let tsr =
        openssl::base64::decode_block(receipt["timestamp_response"].as_str().unwrap()).unwrap();
    std::fs::write(dir.path().join("r.tsr"), tsr).unwrap();
    let root = r.app.data_dir.path().join("keys/tsa-root.cert.pem");
    let out = Command::new("openssl")
        .args(["ts", "-verify", "-in", "r.tsr", "-digest", &sha, "-CAfile"])
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
    // The same token does not cover another hash.
    let wrong = Command::new("openssl")
        .args([
            "ts",
            "-verify",
            "-in",
            "r.tsr",
            "-digest",
            &sha256_hex(b"other"),
            "-CAfile",
        ])
        .arg(&root)
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(!wrong.status.success());
}

#[actix_web::test]
async fn bids_made_with_openssl_are_received_with_receipts_and_refused_when_bad() {
    let r = Registry::new().await;
    let nng = &r.nng;
    nng.enterprise(
        "second",
        "广西第二建设有限公司",
        &credit("91450100MA5T0003C"),
    );
    let dir = tempfile::tempdir().unwrap();
    let (_tenderer, tender, opening) = tender_with_opening_cert(&r, dir.path()).await;
    let builder = sign_in(&r, nng, "builder").await;
    let second = sign_in(&r, nng, "second").await;

    // Sign, encrypt (GCM), sign: accepted, with a receipt openssl verifies.
    let zip = container(&nng.dir, "builder-1", &schedule(98_000_000));
    let bid = envelope(
        nng,
        "builder",
        &zip,
        &opening,
        Make {
            gcm: true,
            outer: true,
        },
    );
    let reply = submit(&r, &builder, &tender, &bid).await;
    reply.assert_status(201);
    let first = reply.json();
    assert_eq!(first["version"], 1);
    assert_eq!(first["outer_signed"], true);
    assert_eq!(first["tender_id"], json!(tender));
    assert_eq!(first["bidder_credit_code"], credit("91450100MA5T0001A"));
    verify_receipt_with_openssl(&r, &first, &bid);
    // The raw token is served too, and is the same.
    let tsr = r
        .app
        .get(
            &format!(
                "/api/v1/bids/{}/receipt.tsr",
                first["bid_id"].as_str().unwrap()
            ),
            Some(&builder),
        )
        .await;
    assert_eq!(tsr.status, 200);
    assert_eq!(
        openssl::base64::encode_block(&tsr.body),
        first["timestamp_response"].as_str().unwrap()
    );

    // Without the outer signature (CBC, older tools): identified by the
    // session, recorded as such.
    let zip = container(&nng.dir, "second-1", &schedule(99_500_000));
    let bare = envelope(
        nng,
        "second",
        &zip,
        &opening,
        Make {
            gcm: false,
            outer: false,
        },
    );
    let reply = submit(&r, &second, &tender, &bare).await;
    reply.assert_status(201);
    assert_eq!(reply.json()["outer_signed"], false);

    // A second bid from the same enterprise replaces the first.
    let zip = container(&nng.dir, "builder-2", &schedule(97_000_000));
    let again = envelope(
        nng,
        "builder",
        &zip,
        &opening,
        Make {
            gcm: true,
            outer: true,
        },
    );
    let reply = submit(&r, &builder, &tender, &again).await;
    assert_eq!(reply.status, 201);
    assert_eq!(reply.json()["version"], 2);
    let mine = r
        .app
        .get(&format!("/api/v1/tenders/{tender}/bids"), Some(&builder))
        .await
        .json();
    let statuses: Vec<&str> = mine["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["replaced", "submitted"], "{mine:#}");
    // Who bid, and how many, is for no one to know before the opening,
    // not even the league's supervisors (tests/api/sealed.rs has the rest).
    assert!(mine.get("bidders").is_none(), "{mine:#}");
    let supervisor = r.app.user(
        "监督员",
        ggzy::identity::Role::Supervisor,
        "NNG",
        "南宁市财政局",
    );
    let seen = r
        .app
        .get(&format!("/api/v1/tenders/{tender}/bids"), Some(&supervisor))
        .await
        .json();
    assert!(seen.get("bidders").is_none(), "{seen:#}");
    assert_eq!(seen["items"], json!([]), "{seen:#}");
    let tenderer_view = r
        .app
        .get(&format!("/api/v1/tenders/{tender}/bids"), Some(&_tenderer))
        .await
        .json();
    assert!(tenderer_view.get("bidders").is_none());
    assert_eq!(
        tenderer_view["items"],
        json!([]),
        "the tenderer sees no bid before the opening"
    );

    // Refusals change nothing.
    let token_bidder = r.app.user(
        "投标员",
        ggzy::identity::Role::Bidder,
        "NNG",
        "令牌投标公司",
    );
    let before = r.app.snapshot();
    let blobs_before = count_files(&r.app.data_dir.path().join("bids"));
    // Encrypted to another certificate than the opening certificate.
    let zip = container(&nng.dir, "elsewhere", &schedule(1));
    let elsewhere = envelope(
        nng,
        "builder",
        &zip,
        &nng.dir.join("builder.pem"),
        Make {
            gcm: true,
            outer: true,
        },
    );
    submit(&r, &builder, &tender, &elsewhere)
        .await
        .assert_refusal(422, "bid-rejected", "bid.not-for-this-tender");
    // Garbage, empty and truncated.
    let garbage = dir.path().join("garbage.p7m");
    std::fs::write(&garbage, b"this is not CMS at all").unwrap();
    submit(&r, &builder, &tender, &garbage)
        .await
        .assert_refusal(422, "bid-rejected", "bid.envelope-invalid");
    let good = std::fs::read(&again).unwrap();
    for cut in [0, 10, good.len() / 2, good.len() - 1] {
        let truncated = dir.path().join(format!("cut-{cut}.p7m"));
        std::fs::write(&truncated, &good[..cut]).unwrap();
        submit(&r, &builder, &tender, &truncated)
            .await
            .assert_problem(422, "bid-rejected");
    }
    // A signature over other content: a byte of the signed content flipped.
    let mut tampered = good.clone();
    let at = tampered.len() / 2;
    tampered[at] ^= 0x01;
    let tampered_path = dir.path().join("tampered.p7m");
    std::fs::write(&tampered_path, &tampered).unwrap();
    submit(&r, &builder, &tender, &tampered_path)
        .await
        .assert_problem(422, "bid-rejected");
    // Outer signature by another enterprise than the session's: the
    // refusal names the signer's credit code.
    let params = submit(&r, &second, &tender, &again).await.assert_refusal(
        422,
        "bid-rejected",
        "bid.other-enterprise",
    );
    assert!(
        params["signer"].as_str().is_some_and(|s| s.len() == 18),
        "{params}"
    );
    // A revoked signer cannot even sign in; its envelope sent from another
    // enterprise's session is refused as well.
    let zip = container(&nng.dir, "revoked", &schedule(5));
    let revoked = envelope(
        nng,
        "revoked",
        &zip,
        &opening,
        Make {
            gcm: true,
            outer: true,
        },
    );
    let reply = submit(&r, &builder, &tender, &revoked).await;
    assert!(matches!(reply.status, 401 | 422), "{}", reply.status);
    // A league that has not recognised LZH: LZH's enterprise is refused.
    let lzh_zip = container(&r.lzh.dir, "lzh", &schedule(7));
    let lzh_bid = envelope(
        &r.lzh,
        "builder",
        &lzh_zip,
        &opening,
        Make {
            gcm: true,
            outer: true,
        },
    );
    let reply = submit(&r, &builder, &tender, &lzh_bid).await;
    assert!(matches!(reply.status, 401 | 422), "{}", reply.status);
    // Not a bidder; not signed in with a certificate.
    submit(&r, &r.operator, &tender, &again)
        .await
        .assert_problem(403, "forbidden");
    submit(&r, &token_bidder, &tender, &again)
        .await
        .assert_refusal(401, "unauthenticated", "bid.certificate-session");
    assert_eq!(r.app.snapshot(), before, "refused bids wrote nothing");
    assert_eq!(
        count_files(&r.app.data_dir.path().join("bids")),
        blobs_before,
        "refused bids left no file"
    );
    assert_eq!(count_files(&r.app.data_dir.path().join("uploads")), 0);

    // Withdrawal before the deadline; then the deadline, to the second.
    let current = r
        .app
        .get(&format!("/api/v1/tenders/{tender}/bids"), Some(&second))
        .await
        .json();
    let second_bid = current["items"][0]["id"].as_str().unwrap().to_string();
    let reply = r
        .app
        .post_json(
            &format!("/api/v1/bids/{second_bid}/withdraw"),
            Some(&second),
            &json!({}),
        )
        .await;
    reply.assert_status(200);
    assert_eq!(reply.json()["status"], "withdrawn");
    let deadline = bid_deadline(&r, &tender).await;
    // A bid whose last byte arrives one millisecond before the deadline
    // is in time; at the deadline itself it is late.
    r.app
        .clock
        .advance(deadline - r.app.now() - chrono::Duration::seconds(2));
    let builder = sign_in(&r, nng, "builder").await;
    let reply = submit(&r, &builder, &tender, &again).await;
    reply.assert_status(201);
    r.app.clock.advance(deadline - r.app.now());
    let before = r.app.snapshot();
    let params = submit(&r, &builder, &tender, &again).await.assert_refusal(
        409,
        "deadline-passed",
        "bid.deadline-passed",
    );
    // The deadline and the platform's time, both in Beijing time (the
    // time to the millisecond: a moment late is late).
    assert_eq!(params["deadline"], json!(ggzy::reasons::time(deadline)));
    let now: chrono::DateTime<chrono::Utc> = params["now"].as_str().unwrap().parse().unwrap();
    assert!(
        now >= deadline && now - deadline < chrono::Duration::seconds(5),
        "{params}"
    );
    assert!(params["now"].as_str().unwrap().ends_with("+08:00"));
    assert_eq!(r.app.snapshot(), before, "a late bid wrote nothing");
}

pub fn count_files(dir: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|e| {
            if e.path().is_dir() {
                count_files(&e.path())
            } else {
                1
            }
        })
        .sum()
}

/// A published tender and one bid for it by the NNG enterprise "builder",
/// signed in: (tender id, the envelope's path, its bytes, builder's token).
pub async fn one_bid_ready(
    r: &Registry,
    dir: &Path,
    price: i64,
) -> (String, PathBuf, Vec<u8>, String) {
    let nng = &r.nng;
    let (_tenderer, tender, opening) = tender_with_opening_cert(r, dir).await;
    let builder = sign_in(r, nng, "builder").await;
    let zip = container(&nng.dir, &format!("bid-{price}"), &schedule(price));
    let bid = envelope(
        nng,
        "builder",
        &zip,
        &opening,
        Make {
            gcm: true,
            outer: true,
        },
    );
    let bytes = std::fs::read(&bid).unwrap();
    (tender, bid, bytes, builder)
}

/// Sends `body` to an upload session at `offset`: (status, body, headers).
async fn patch_upload(
    r: &Registry,
    token: &str,
    upload: &str,
    offset: usize,
    body: Vec<u8>,
) -> (u16, Vec<u8>, actix_web::http::header::HeaderMap) {
    let mut resp = r
        .app
        .client
        .patch(r.app.url(&format!("/api/v1/bid-uploads/{upload}")))
        .insert_header(("Authorization", format!("Bearer {token}")))
        .insert_header(("Upload-Offset", offset.to_string()))
        .insert_header(("Content-Type", "application/offset+octet-stream"))
        .send_body(body)
        .await
        .unwrap();
    (
        resp.status().as_u16(),
        resp.body().await.unwrap().to_vec(),
        resp.headers().clone(),
    )
}

#[actix_web::test]
async fn an_upload_resumes_after_an_interruption_and_nothing_partial_is_a_bid() {
    let r = Registry::new().await;
    let nng = &r.nng;
    let dir = tempfile::tempdir().unwrap();
    let (tender, bid, bytes, builder) = one_bid_ready(&r, dir.path(), 12_345_600).await;
    let reply = r
        .app
        .post_json(
            &format!("/api/v1/tenders/{tender}/bid-uploads"),
            Some(&builder),
            &json!({ "size": bytes.len(), "sha256": sha256_hex(&bytes) }),
        )
        .await;
    reply.assert_status(201);
    let upload = reply.json()["id"].as_str().unwrap().to_string();
    let url = format!("/api/v1/bid-uploads/{upload}");
    let half = bytes.len() / 2;
    let patch = |offset: usize, body: Vec<u8>| patch_upload(&r, &builder, &upload, offset, body);
    let (status, _, headers) = patch(0, bytes[..half].to_vec()).await;
    assert_eq!(status, 204);
    assert_eq!(headers.get("Upload-Offset").unwrap(), &half.to_string());
    // Nothing is a bid yet.
    assert_eq!(r.app.count("bids"), 0);
    // A chunk at the wrong offset is refused; the session says where to resume.
    let (status, _, _) = patch(half + 1, bytes[half + 1..].to_vec()).await;
    assert_eq!(status, 409);
    let state = r.app.get(&url, Some(&builder)).await;
    assert_eq!(state.status, 200);
    assert_eq!(state.json()["offset"], half);
    // The last chunk with a malformed device fingerprint is refused before
    // a byte is kept: no bid, the session still at half.
    let refused = r
        .app
        .client
        .patch(r.app.url(&url))
        .insert_header(("Authorization", format!("Bearer {builder}")))
        .insert_header(("Upload-Offset", half.to_string()))
        .insert_header(("Content-Type", "application/offset+octet-stream"))
        .insert_header(("Device-Fingerprint", "no"))
        .send_body(bytes[half..].to_vec())
        .await
        .unwrap();
    assert_eq!(refused.status().as_u16(), 422);
    assert_eq!(r.app.count("bids"), 0);
    assert_eq!(r.app.get(&url, Some(&builder)).await.json()["offset"], half);
    // The rest: the bid is checked, recorded and its receipt returned.
    let (status, body, _) = patch(half, bytes[half..].to_vec()).await;
    assert_eq!(status, 201, "{}", String::from_utf8_lossy(&body));
    let receipt: Value = serde_json::from_slice(&body).unwrap();
    verify_receipt_with_openssl(&r, &receipt, &bid);
    assert_eq!(r.app.count("bids"), 1);
    assert_eq!(count_files(&r.app.data_dir.path().join("uploads")), 0);
    // The completed session is closed.
    let (status, _, _) = patch(bytes.len(), vec![1]).await;
    assert_eq!(status, 409);

    // An upload that starts before the deadline and ends after it is late
    // (the time its last byte arrives decides), and leaves nothing. Five
    // seconds before the deadline (signed in again: sessions last hours):
    let deadline = bid_deadline(&r, &tender).await;
    r.app
        .clock
        .advance(deadline - r.app.now() - chrono::Duration::seconds(5));
    let builder = sign_in(&r, nng, "builder").await;
    let reply = r
        .app
        .post_json(
            &format!("/api/v1/tenders/{tender}/bid-uploads"),
            Some(&builder),
            &json!({ "size": bytes.len() }),
        )
        .await;
    assert_eq!(reply.status, 201);
    let late = reply.json()["id"].as_str().unwrap().to_string();
    let socket = start_raw_patch(
        &r.app,
        &format!("/api/v1/bid-uploads/{late}"),
        &builder,
        0,
        bytes.len(),
        &bytes[..half],
    )
    .await;
    part_reaches(&r.app, &late, half as u64).await;
    // While the upload is under way, the deadline passes.
    r.app.clock.advance(chrono::Duration::seconds(5));
    let (status, body) = finish_raw_patch(socket, &bytes[half..]).await;
    assert_eq!(status, 409, "{body}");
    let problem: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(problem["code"], "deadline-passed");
    assert_eq!(r.app.count("bids"), 1, "the late upload is no bid");
    assert_eq!(r.app.count("bid_uploads WHERE completed_at IS NULL"), 0);
    assert_eq!(count_files(&r.app.data_dir.path().join("uploads")), 0);
}

#[actix_web::test]
async fn an_enterprise_has_three_unfinished_uploads_at_most_and_one_patch_can_carry_a_whole_bid() {
    let r = Registry::new().await;
    let dir = tempfile::tempdir().unwrap();
    let (tender, bid, bytes, builder) = one_bid_ready(&r, dir.path(), 22_000_000).await;
    let path = format!("/api/v1/tenders/{tender}/bid-uploads");
    let body = json!({ "size": bytes.len() });
    let start = || r.app.post_json(&path, Some(&builder), &body);
    let mut open = Vec::new();
    for _ in 0..3 {
        let reply = start().await;
        assert_eq!(reply.status, 201);
        open.push(reply.json()["id"].as_str().unwrap().to_string());
    }
    // A fourth is refused until one of the three ends.
    let before = r.app.count("bid_uploads");
    let reply = start().await;
    let problem = reply.assert_problem(409, "conflict");
    assert_eq!(
        reply.assert_refusal(409, "conflict", "bid.uploads-open"),
        json!({ "max": 3 })
    );
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("3 unfinished uploads"),
        "{problem}"
    );
    assert_eq!(r.app.count("bid_uploads"), before);
    let abandoned = r
        .app
        .client
        .delete(r.app.url(&format!("/api/v1/bid-uploads/{}", open[0])))
        .insert_header(("Authorization", format!("Bearer {builder}")))
        .send()
        .await
        .unwrap();
    assert!(abandoned.status().is_success(), "{}", abandoned.status());
    let reply = start().await;
    assert_eq!(reply.status, 201);
    let whole = reply.json()["id"].as_str().unwrap().to_string();

    // Garbage of the declared size in one PATCH is checked as it arrives:
    // refused, the session ends, nothing is kept.
    let (status, body, _) = patch_upload(&r, &builder, &open[1], 0, vec![0x30; bytes.len()]).await;
    assert_eq!(status, 422, "{}", String::from_utf8_lossy(&body));
    let problem: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(problem["code"], "bid-rejected");
    assert_eq!(r.app.count("bids"), 0);
    // The whole envelope in one PATCH from offset 0: checked as it arrives,
    // recorded, and its receipt verifies.
    let (status, body, _) = patch_upload(&r, &builder, &whole, 0, bytes.clone()).await;
    assert_eq!(status, 201, "{}", String::from_utf8_lossy(&body));
    let receipt: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(receipt["sha256"], sha256_hex(&bytes));
    assert_eq!(receipt["size_bytes"], bytes.len());
    verify_receipt_with_openssl(&r, &receipt, &bid);
    assert_eq!(r.app.count("bids"), 1);
    let uploads = r.app.data_dir.path().join("uploads");
    // What is left: the one session never written to.
    assert_eq!(count_files(&uploads), 1);
    assert_eq!(
        r.app.count("bid_uploads WHERE completed_at IS NULL"),
        1,
        "only the untouched session is still open"
    );
    // More bytes than that session declared: refused before the excess is
    // written; what came before it stays, to resume from; no bid.
    let mut longer = bytes.clone();
    longer.extend_from_slice(b"trailing bytes past the declared size");
    let (status, body, _) = patch_upload(&r, &builder, &open[2], 0, longer).await;
    assert_eq!(status, 413, "{}", String::from_utf8_lossy(&body));
    let problem: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(problem["code"], "payload-too-large");
    let kept = std::fs::metadata(uploads.join(format!("{}.part", open[2])))
        .unwrap()
        .len();
    assert!(kept <= bytes.len() as u64, "{kept} bytes kept");
    let state = r
        .app
        .get(&format!("/api/v1/bid-uploads/{}", open[2]), Some(&builder))
        .await;
    state.assert_status(200);
    assert_eq!(state.json()["offset"], kept);
    assert_eq!(r.app.count("bids"), 1);
}

#[actix_web::test]
async fn one_enterprise_signing_in_many_times_at_once_gets_every_session() {
    // Each sign-in records the certificate as where key shares would go;
    // on PostgreSQL, concurrent sign-ins of one user used to collide there.
    let r = Registry::new().await;
    let logins = (0..8).map(|_| sign_in(&r, &r.nng, "builder"));
    let tokens = futures_util::future::join_all(logins).await;
    assert_eq!(tokens.len(), 8);
    assert_eq!(r.app.count("custody_certificates"), 1);
    for token in &tokens {
        assert_eq!(r.app.get("/api/v1/me", Some(token)).await.status, 200);
    }
    // An enrolled person's very first sign-ins, with two certificates at
    // once: both may find no row and insert one; the loser of that race
    // updates it instead of failing.
    let id_number = crate::trust::resident("45010219800101123");
    r.nng.person("expert-2", "张三", &id_number);
    let person = crate::login::enrol_person_named(
        &r,
        "张三",
        &[ggzy::identity::Role::Supervisor],
        &id_number,
    );
    let logins = (0..8).map(|i| sign_in(&r, &r.nng, ["expert", "expert-2"][i % 2]));
    let tokens = futures_util::future::join_all(logins).await;
    assert_eq!(tokens.len(), 8);
    assert_eq!(r.app.count("custody_certificates"), 2);
    assert_eq!(
        r.app
            .count(&format!("custody_certificates WHERE user_id = '{person}'")),
        1
    );
}

#[actix_web::test]
async fn a_tender_requiring_seals_revokes_unsealed_bids_at_the_opening() {
    let r = Registry::new().await;
    let nng = &r.nng;
    for (name, org, code) in [
        ("second", "广西第二建设有限公司", "91450100MA5T0003C"),
        ("third", "广西第三建设有限公司", "91450100MA5T0004D"),
    ] {
        nng.enterprise(name, org, &credit(code));
    }
    let dir = tempfile::tempdir().unwrap();
    let (tenderer, tender, opening) = tender_with_opening_cert_from(&r, dir.path(), |body| {
        body["seal_required"] = json!(true);
    })
    .await;
    let detail = r
        .app
        .get(&format!("/api/v1/tenders/{tender}"), None)
        .await
        .json();
    assert_eq!(detail["seal_required"], true);
    // Three bids made with the plain openssl CLI, which carry no seal:
    // accepted on arrival (the platform cannot see inside), revoked at the
    // opening with the reason.
    for (i, name) in ["builder", "second", "third"].into_iter().enumerate() {
        let token = sign_in(&r, nng, name).await;
        let zip = container(&nng.dir, name, &schedule(80_000_000 + i as i64));
        let bid = envelope(
            nng,
            name,
            &zip,
            &opening,
            Make {
                gcm: true,
                outer: true,
            },
        );
        let reply = submit(&r, &token, &tender, &bid).await;
        reply.assert_status(201);
    }
    start_opening_at_deadline(&r, &tenderer, &tender).await;
    release_tenderer_share(&r, dir.path(), &tenderer, &tender).await;
    release_platform_share(&r, &tender).await;
    let view = wait_for_opening(&r, &tender).await;
    let bids = view["bids"].as_array().unwrap();
    assert_eq!(bids.len(), 3, "{view:#}");
    for bid in bids {
        assert_eq!(bid["outcome"], "revoked", "{bid:#}");
        assert_eq!(bid["sealed"], false);
        assert!(
            bid["reason"]
                .as_str()
                .unwrap()
                .contains("requires the enterprise's electronic seal"),
            "{bid:#}"
        );
    }
    assert_eq!(view["valid_bids"], 0);
    // Three bidders: opened; none valid: the procedure fails, citing the
    // rule for government procurement tendering.
    let result = view["result"].as_str().unwrap();
    assert!(
        result.starts_with("fails: 0 valid bid(s), fewer than 3 (政府采购法 第36条"),
        "{result}"
    );
    let detail = r
        .app
        .get(&format!("/api/v1/tenders/{tender}"), None)
        .await
        .json();
    assert_eq!(detail["status"], "failed");
    let notice = detail["notices"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(notice["kind"], "failure");
    let body = notice["body"].as_str().unwrap();
    assert!(
        body.starts_with("开标有效投标不足3家（0 家）") && body.contains("政府采购法 第36条"),
        "{body}"
    );
}

/// Starts a PATCH of `total` bytes over a plain socket and sends only
/// `first` of them, as a client whose connection stalls would. (HTTP
/// client libraries buffer a body until it ends, which would hide this.)
pub async fn start_raw_patch(
    app: &crate::helpers::TestApp,
    path: &str,
    token: &str,
    offset: usize,
    total: usize,
    first: &[u8],
) -> tokio::net::TcpStream {
    use tokio::io::AsyncWriteExt;
    let addr = app.base.trim_start_matches("http://").to_string();
    let mut socket = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "PATCH {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n\
         Upload-Offset: {offset}\r\nContent-Type: application/offset+octet-stream\r\n\
         Content-Length: {total}\r\nConnection: close\r\n\r\n"
    );
    socket.write_all(head.as_bytes()).await.unwrap();
    socket.write_all(first).await.unwrap();
    socket.flush().await.unwrap();
    socket
}

/// Sends the rest of a raw PATCH and reads the status code and body.
pub async fn finish_raw_patch(mut socket: tokio::net::TcpStream, rest: &[u8]) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    socket.write_all(rest).await.unwrap();
    socket.flush().await.unwrap();
    let mut answer = Vec::new();
    socket.read_to_end(&mut answer).await.unwrap();
    let text = String::from_utf8_lossy(&answer).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = text.split("\r\n\r\n").nth(1).unwrap_or("").to_string();
    (status, body)
}

/// Waits until an upload's part file holds `n` bytes.
pub async fn part_reaches(app: &crate::helpers::TestApp, upload: &str, n: u64) {
    let part = app.data_dir.path().join(format!("uploads/{upload}.part"));
    for _ in 0..250 {
        if std::fs::metadata(&part).map(|m| m.len()).unwrap_or(0) == n {
            return;
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("the server never received the first {n} bytes");
}

/// Moves the clock to the tender's bid deadline and starts the opening.
pub async fn start_opening_at_deadline(r: &Registry, tenderer: &str, tender: &str) {
    let deadline = bid_deadline(r, tender).await;
    r.app.clock.advance(deadline - r.app.now());
    let reply = r.app.act(tenderer, tender, "start_opening", "").await;
    reply.assert_status(200);
}

/// The tenderer, custodian of a share, decrypts it with `openssl cms` and
/// releases it.
pub async fn release_tenderer_share(r: &Registry, dir: &Path, tenderer: &str, tender: &str) {
    let mine = r
        .app
        .get(
            &format!("/api/v1/tenders/{tender}/opening-key/my-share"),
            Some(tenderer),
        )
        .await;
    assert_eq!(mine.status, 200);
    let share = decrypt_share(dir, &mine.body);
    let reply = r
        .app
        .post_json(
            &format!("/api/v1/tenders/{tender}/opening/shares"),
            Some(tenderer),
            &json!({ "share": openssl::base64::encode_block(&share) }),
        )
        .await;
    reply.assert_status(200);
}

/// An operator releases the platform's share; returns the release view.
pub async fn release_platform_share(r: &Registry, tender: &str) -> Value {
    let reply = r
        .app
        .post_json(
            &format!("/api/v1/tenders/{tender}/opening/platform-share"),
            Some(&r.platform),
            &json!({}),
        )
        .await;
    reply.assert_status(200);
    reply.json()
}

/// Decrypts this test process's custodian share with `openssl cms -decrypt`.
pub fn decrypt_share(dir: &Path, encrypted: &[u8]) -> Vec<u8> {
    let (key, cert) = custody_identity();
    std::fs::write(
        dir.join("custodian.key"),
        key.private_key_to_pem_pkcs8().unwrap(),
    )
    .unwrap();
    std::fs::write(dir.join("custodian.pem"), cert.to_pem().unwrap()).unwrap();
    std::fs::write(dir.join("share.der"), encrypted).unwrap();
    openssl(
        dir,
        &[
            "cms",
            "-decrypt",
            "-binary",
            "-inform",
            "DER",
            "-in",
            "share.der",
            "-recip",
            "custodian.pem",
            "-inkey",
            "custodian.key",
        ],
    )
}

pub async fn wait_for_opening(r: &Registry, tender: &str) -> Value {
    for _ in 0..600 {
        let view = r
            .app
            .get(&format!("/api/v1/tenders/{tender}/opening"), None)
            .await
            .json();
        if view["status"] == "completed" {
            return view;
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the opening did not complete");
}

#[actix_web::test]
async fn the_opening_needs_k_shares_after_the_deadline_and_reads_every_bid() {
    let mut r = Registry::new().await;
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
    // Three good bids, one that the bidder botched (a schedule that does
    // not parse), made four different ways.
    let mut expected = Vec::new();
    let mut zips = Vec::new();
    for (i, (name, make)) in [
        (
            "builder",
            Make {
                gcm: true,
                outer: true,
            },
        ),
        (
            "second",
            Make {
                gcm: false,
                outer: true,
            },
        ),
        (
            "third",
            Make {
                gcm: true,
                outer: false,
            },
        ),
    ]
    .into_iter()
    .enumerate()
    {
        let token = sign_in(&r, nng, name).await;
        let price = 90_000_000 + i as i64 * 1_000_000;
        // The third bidder's technical document is, byte for byte, the
        // second's, and both send from one machine (as their bidding
        // clients report it): supervisors are alerted to both below.
        let doc = format!("投标文件 {}", if name == "third" { "second" } else { name });
        let zip = container_holding(&nng.dir, name, &schedule(price), &doc);
        let bid = envelope(nng, name, &zip, &opening, make);
        let device = if name == "builder" {
            "device-of-builder"
        } else {
            "device-shared-by-2-and-3"
        };
        if name == "builder" {
            // A fingerprint that is none is refused, and nothing is kept.
            for bad in ["short", "has a space in it", "控制字符设备指纹"] {
                let refused =
                    submit_with(&r, &token, &tender, &bid, &[("Device-Fingerprint", bad)]).await;
                refused.assert_problem(422, "validation-failed");
                assert_eq!(r.app.count("bids"), 0);
            }
        }
        let reply = submit_with(&r, &token, &tender, &bid, &[("Device-Fingerprint", device)]).await;
        reply.assert_status(201);
        expected.push((name, price));
        zips.push((name, std::fs::read(&zip).unwrap()));
    }
    let fourth = sign_in(&r, nng, "fourth").await;
    let zip = container(&nng.dir, "fourth", &json!({ "total_price_fen": "lots" }));
    let botched = envelope(
        nng,
        "fourth",
        &zip,
        &opening,
        Make {
            gcm: true,
            outer: true,
        },
    );
    assert_eq!(submit(&r, &fourth, &tender, &botched).await.status, 201);

    // Before the deadline: no opening, no share to be had or released.
    let shown = r
        .app
        .get(&format!("/api/v1/tenders/{tender}"), None)
        .await
        .json();
    assert!(shown.get("opening").is_none(), "{shown}");
    let my_share = format!("/api/v1/tenders/{tender}/opening-key/my-share");
    r.app.get(&my_share, Some(&tenderer)).await.assert_refusal(
        409,
        "illegal-transition",
        "opening.shares-before-opening",
    );
    let release = |token: String, share: Vec<u8>| {
        let path = format!("/api/v1/tenders/{tender}/opening/shares");
        let r = &r;
        async move {
            r.app
                .post_json(
                    &path,
                    Some(&token),
                    &json!({ "share": openssl::base64::encode_block(&share) }),
                )
                .await
        }
    };
    release(tenderer.clone(), b"not yet".to_vec())
        .await
        .assert_problem(409, "illegal-transition");
    r.app
        .act(&tenderer, &tender, "start_opening", "")
        .await
        .assert_problem(422, "time-limit");

    // After the deadline the opening starts; a wrong share is refused and
    // on the record; one right share is not enough.
    let deadline = bid_deadline(&r, &tender).await;
    r.app.clock.advance(deadline - r.app.now());
    let reply = r.app.act(&tenderer, &tender, "start_opening", "").await;
    reply.assert_status(200);
    // Evaluation waits for the opening.
    let params = r
        .app
        .act(&tenderer, &tender, "start_evaluation", "")
        .await
        .assert_refusal(409, "illegal-transition", "opening.not-completed");
    assert_eq!(params, json!({ "opening": "collecting_shares" }));
    let custodian_share = r.app.get(&my_share, Some(&tenderer)).await;
    assert_eq!(custodian_share.status, 200);
    let share = decrypt_share(dir.path(), &custodian_share.body);
    let mut wrong = share.clone();
    let last = wrong.len() - 1;
    wrong[last] ^= 0x55;
    release(tenderer.clone(), wrong).await.assert_refusal(
        422,
        "share-rejected",
        "opening.share-not-committed",
    );
    let refused = r
        .app
        .get(
            "/api/v1/audit/events?action=opening.share_refused",
            Some(&r.operator),
        )
        .await
        .json();
    assert_eq!(refused["items"].as_array().unwrap().len(), 1);
    let reply = release(tenderer.clone(), share.clone()).await;
    reply.assert_status(200);
    assert_eq!(reply.json()["ready"], false);
    let view = r
        .app
        .get(&format!("/api/v1/tenders/{tender}/opening"), None)
        .await
        .json();
    assert_eq!(view["status"], "collecting_shares");
    assert_eq!(view["shares_released"], 1);
    // The tender says where its opening is, in its page and in the list.
    let listed = |list: Value| {
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["id"] == tender.as_str())
            .cloned()
            .unwrap()
    };
    let shown = r
        .app
        .get(&format!("/api/v1/tenders/{tender}"), None)
        .await
        .json();
    assert_eq!(
        (&shown["status"], &shown["opening"]),
        (&json!("opening"), &json!("collecting_shares"))
    );
    // Anyone may follow the opening live: a watcher connects now.
    let mut watcher = crate::hall::watch(&r.app, &tender, None).await;
    let (replayed, live_from) = crate::hall::until_live(&mut watcher).await;
    let kinds: Vec<&str> = replayed
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"opening.share_released"), "{kinds:?}");
    // The platform's share, released by an operator: the key is whole.
    assert_eq!(release_platform_share(&r, &tender).await["ready"], true);
    let view = wait_for_opening(&r, &tender).await;
    // The opening is over while the tender stays `opening` until the
    // evaluation starts: every page reads "opened" from the tender itself.
    for shown in [
        r.app
            .get(&format!("/api/v1/tenders/{tender}"), None)
            .await
            .json(),
        listed(r.app.get("/api/v1/tenders?per_page=100", None).await.json()),
    ] {
        assert_eq!(
            (&shown["status"], &shown["opening"]),
            (&json!("opening"), &json!("completed"))
        );
    }
    // The watcher heard it all, in order: the release, the decryption, each
    // bid read out, the result.
    let mut heard = Vec::new();
    loop {
        let event = crate::hall::next_event(&mut watcher).await;
        let kind = event["kind"].as_str().unwrap().to_string();
        heard.push(event);
        if kind == "opening.completed" {
            break;
        }
    }
    let kinds: Vec<&str> = heard.iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        [
            "opening.share_released",
            "opening.decrypting",
            "opening.bid_opened",
            "opening.bid_opened",
            "opening.bid_opened",
            "opening.bid_opened",
            "opening.completed"
        ]
    );
    let numbers: Vec<i64> = heard.iter().map(|e| e["seq"].as_i64().unwrap()).collect();
    let expected_numbers: Vec<i64> = (live_from + 1..=live_from + 7).collect();
    assert_eq!(numbers, expected_numbers, "gap-free, in order");
    let read_out = heard
        .iter()
        .filter(|e| e["kind"] == "opening.bid_opened" && e["payload"]["outcome"] == "valid")
        .count();
    assert_eq!(read_out, 3);
    assert_eq!(heard[6]["payload"]["result"], "proceeds to evaluation");
    // A watcher joining later resumes from any number.
    let mut late = crate::hall::watch(&r.app, &tender, Some(live_from + 3)).await;
    let (resumed, _) = crate::hall::until_live(&mut late).await;
    assert_eq!(resumed.len(), 4);
    assert_eq!(resumed[0]["seq"], live_from + 4);
    let bids = view["bids"].as_array().unwrap();
    assert_eq!(bids.len(), 4, "{view:#}");
    for (name, price) in &expected {
        let org = match *name {
            "builder" => "广西测试建设有限公司",
            "second" => "广西第二建设有限公司",
            _ => "广西第三建设有限公司",
        };
        let line = bids
            .iter()
            .find(|b| b["bidder_name"] == *org)
            .unwrap_or_else(|| panic!("{org} missing: {view:#}"));
        assert_eq!(line["outcome"], "valid", "{line:#}");
        assert_eq!(line["total_price_fen"], *price);
        assert_eq!(line["duration_days"], 180);
        assert_eq!(line["sealed"], false);
        assert_eq!(line["schedule"]["key_terms"]["质保期"], "3 年");
    }
    let botched = bids
        .iter()
        .find(|b| b["bidder_name"] == "广西第四建设有限公司")
        .unwrap();
    assert_eq!(botched["outcome"], "revoked");
    assert!(
        botched["reason"]
            .as_str()
            .unwrap()
            .contains("price schedule"),
        "{botched:#}"
    );
    assert_eq!(view["valid_bids"], 3);
    assert_eq!(view["result"], "proceeds to evaluation");
    // The decrypted containers: the league's supervisors read them, byte
    // for byte what was zipped; nobody else does, not even a supervisor of
    // another league; the revoked bid's is not kept.
    let container_of = |org: &str| {
        let bid = bids
            .iter()
            .find(|b| b["bidder_name"] == org)
            .unwrap_or_else(|| panic!("{org}"));
        format!(
            "/api/v1/tenders/{tender}/bids/{}/container",
            bid["bid_id"].as_str().unwrap()
        )
    };
    let nng_supervisor = r.app.user(
        "财政局监督",
        ggzy::identity::Role::Supervisor,
        "NNG",
        "南宁市财政局",
    );
    let lzh_supervisor = r.app.user(
        "柳州监督",
        ggzy::identity::Role::Supervisor,
        "LZH",
        "柳州市财政局",
    );
    // Supervisors are alerted: the three bidders bid from one address
    // (every test client is 127.0.0.1) at prices stepping evenly by
    // 10,000 yuan. Each alert cites the bids' audit events; the league's
    // supervisor acknowledges one with a note, on the record; another
    // league's supervisor sees none of them.
    let mut alerts = Vec::new();
    for _ in 0..100 {
        let list = r
            .app
            .get(
                &format!("/api/v1/supervision/alerts?tender_id={tender}"),
                Some(&nng_supervisor),
            )
            .await;
        list.assert_status(200);
        alerts = list.json()["items"].as_array().unwrap().clone();
        let kinds: Vec<&str> = alerts.iter().map(|a| a["kind"].as_str().unwrap()).collect();
        if [
            "same_client_address",
            "prices_in_progression",
            "same_device",
            "identical_documents",
        ]
        .iter()
        .all(|k| kinds.contains(k))
        {
            break;
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let alert = |kind: &str| {
        alerts
            .iter()
            .find(|a| a["kind"] == kind)
            .unwrap_or_else(|| panic!("no {kind} alert: {alerts:#?}"))
            .clone()
    };
    let device = alert("same_device");
    assert!(
        device["summary"].as_str().unwrap().starts_with(
            "2 bidders sent their bids from the same device, fingerprint device-shared-by-2-and-3"
        ),
        "{device}"
    );
    let documents = alert("identical_documents");
    let summary = documents["summary"].as_str().unwrap();
    assert!(
        summary.contains("广西第二建设有限公司 documents/技术标.txt")
            && summary.contains("广西第三建设有限公司 documents/技术标.txt")
            && !summary.contains("广西测试建设有限公司"),
        "{documents}"
    );
    let progression = alerts
        .iter()
        .find(|a| a["kind"] == "prices_in_progression")
        .unwrap_or_else(|| panic!("no price alert: {alerts:#?}"));
    assert!(
        progression["summary"]
            .as_str()
            .unwrap()
            .contains("900000.00, 910000.00, 920000.00"),
        "{progression}"
    );
    // Each says the same as a key and params, for the portal to say it in
    // the supervisor's language: after the opening, the bidders by name.
    let said = |a: &Value| (a["reason"].clone(), a["params"].clone());
    assert_eq!(
        said(&device),
        (
            json!("alert.same-device"),
            json!({"count": 2, "device": "device-shared-by-2-and-3",
                   "bidders": ["广西第三建设有限公司", "广西第二建设有限公司"]})
        )
    );
    let shared = &sha256_hex("投标文件 second".as_bytes())[..12];
    assert_eq!(
        said(&documents),
        (
            json!("alert.identical-documents"),
            json!({"count": 2, "documents": 1, "files": [{"sha256": shared, "held": [
                {"bidder": "广西第三建设有限公司", "file": "documents/技术标.txt"},
                {"bidder": "广西第二建设有限公司", "file": "documents/技术标.txt"}]}]})
        )
    );
    assert_eq!(
        said(progression),
        (
            json!("alert.prices-in-progression"),
            json!({"count": 3, "step": "10000.00",
                   "prices": ["900000.00", "910000.00", "920000.00"]})
        )
    );
    // The API's description of an alert says them.
    let api = r.app.get("/api/openapi.json", None).await.json();
    let described = &api["components"]["schemas"]["Alert"]["properties"];
    assert!(
        described["reason"]["description"]
            .as_str()
            .is_some_and(|d| d.contains("alert.same-client-address"))
            && described["params"]["description"]
                .as_str()
                .is_some_and(|d| d.contains("labels")),
        "{described:#}"
    );
    // One address alert per set of bidders as they came: the last names
    // all four.
    let addresses: Vec<(Value, Value)> = alerts
        .iter()
        .filter(|a| a["kind"] == "same_client_address")
        .map(said)
        .collect();
    assert!(
        addresses.contains(&(
            json!("alert.same-client-address"),
            json!({"count": 4, "address": "127.0.0.1", "bidders": [
                "广西测试建设有限公司", "广西第三建设有限公司",
                "广西第二建设有限公司", "广西第四建设有限公司"]})
        )),
        "{addresses:#?}"
    );
    let cited: Vec<i64> = progression["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e.as_i64().unwrap())
        .collect();
    let opened_events = r
        .app
        .get(
            &format!("/api/v1/audit/events?tender_id={tender}&per_page=100"),
            Some(&nng_supervisor),
        )
        .await
        .json();
    for seq in &cited {
        let event = opened_events["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["seq"] == *seq)
            .unwrap_or_else(|| panic!("alert cites event {seq}, not in the log"));
        assert!(event["object_type"] == "bid", "{event}");
    }
    assert!(cited.len() >= 3, "{cited:?}");
    let id = progression["id"].as_str().unwrap();
    let ack = format!("/api/v1/supervision/alerts/{id}/acknowledge");
    r.app
        .post_json(&ack, Some(&nng_supervisor), &json!({ "note": "" }))
        .await
        .assert_problem(422, "validation-failed");
    r.app
        .post_json(&ack, Some(&lzh_supervisor), &json!({ "note": "看看" }))
        .await
        .assert_problem(404, "not-found");
    let reply = r
        .app
        .post_json(
            &ack,
            Some(&nng_supervisor),
            &json!({ "note": "报价等差，已约谈三家投标人" }),
        )
        .await;
    reply.assert_status(200);
    assert_eq!(reply.json()["note"], "报价等差，已约谈三家投标人");
    r.app
        .post_json(&ack, Some(&nng_supervisor), &json!({ "note": "再次" }))
        .await
        .assert_problem(409, "conflict");
    let acked = r
        .app
        .get(
            "/api/v1/audit/events?action=supervision.alert_acknowledged",
            Some(&r.operator),
        )
        .await
        .json();
    assert_eq!(acked["items"][0]["object_id"], json!(id));
    r.app
        .post_json(&ack, Some(&tenderer), &json!({ "note": "我来确认" }))
        .await
        .assert_problem(403, "forbidden");
    let theirs = r
        .app
        .get(
            &format!("/api/v1/supervision/alerts?tender_id={tender}"),
            Some(&lzh_supervisor),
        )
        .await
        .json();
    assert!(theirs["items"].as_array().unwrap().is_empty(), "{theirs}");
    let builders = container_of("广西测试建设有限公司");
    let read = r.app.get(&builders, Some(&nng_supervisor)).await;
    assert_eq!(read.status, 200);
    assert_eq!(read.body, zips[0].1, "the container {} zipped", zips[0].0);
    r.app
        .get(&builders, Some(&lzh_supervisor))
        .await
        .assert_refusal(403, "forbidden", "opening.bids-supervisors-only");
    r.app
        .get(&builders, Some(&tenderer))
        .await
        .assert_problem(403, "forbidden");
    r.app
        .get(&container_of("广西第四建设有限公司"), Some(&nng_supervisor))
        .await
        .assert_problem(404, "not-found");
    // The shares are erased once the opening is over; no more releases.
    assert_eq!(
        r.app
            .count("opening_shares WHERE released_share IS NOT NULL"),
        0
    );
    release(tenderer.clone(), share)
        .await
        .assert_refusal(409, "conflict", "opening.enough-shares");
    // Bidders object during the opening; it is recorded and answered.
    let builder = sign_in(&r, nng, "builder").await;
    let reply = r
        .app
        .post_json(
            &format!("/api/v1/tenders/{tender}/objections"),
            Some(&builder),
            &json!({ "text": "第四家的报价表无法读取，请核实。" }),
        )
        .await;
    reply.assert_status(201);
    let objection = reply.json()["id"].as_str().unwrap().to_string();
    let reply = r
        .app
        .post_json(
            &format!("/api/v1/tenders/{tender}/objections/{objection}/answer"),
            Some(&tenderer),
            &json!({ "answer": "已核实：该投标文件报价表格式错误，按撤回处理。" }),
        )
        .await;
    reply.assert_status(200);
    let list = r
        .app
        .get(&format!("/api/v1/tenders/{tender}/objections"), None)
        .await
        .json();
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert!(list["items"][0]["answer"].is_string());
    // Cancelled, the tender needs its decrypted bids no more: they go.
    let opened = r.app.data_dir.path().join("opened");
    // What the opening keeps: one container per valid bid, and none of the
    // working files it streamed each bid through.
    let mut kept: Vec<String> = std::fs::read_dir(opened.join(&tender))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    kept.sort();
    assert_eq!(kept.len(), 3, "{kept:?}");
    assert!(kept.iter().all(|name| name.ends_with(".zip")), "{kept:?}");
    let reply = r.app.act(&tenderer, &tender, "cancel", "项目取消").await;
    reply.assert_status(200);
    r.app
        .get(&builders, Some(&nng_supervisor))
        .await
        .assert_problem(404, "not-found");
    assert!(
        !opened.join(&tender).exists(),
        "{} still holds decrypted bids",
        opened.display()
    );
    // Had the server crashed after the round that logged the bids and
    // before it computed their alerts, the restart computes them. The state
    // such a crash leaves is made here: no alerts, the mark of how far they
    // were computed behind the log.
    r.app
        .db
        .write_blocking(|conn| {
            use diesel::RunQueryDsl;
            diesel::sql_query("DELETE FROM supervision_alerts").execute(conn)?;
            diesel::sql_query("UPDATE audit_log_head SET alerts_through = 0").execute(conn)?;
            Ok(())
        })
        .unwrap();
    r.app.crash_and_restart().await;
    let mut kinds = Vec::new();
    for _ in 0..100 {
        let list = r
            .app
            .get(
                &format!("/api/v1/supervision/alerts?tender_id={tender}"),
                Some(&nng_supervisor),
            )
            .await
            .json();
        kinds = list["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["kind"].as_str().unwrap().to_string())
            .collect();
        if kinds.len() >= 4 {
            break;
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    kinds.sort();
    assert_eq!(
        kinds,
        [
            "identical_documents",
            "prices_in_progression",
            "same_client_address",
            "same_device"
        ],
        "alerts after the restart"
    );
}

#[actix_web::test]
async fn a_server_killed_mid_upload_or_mid_opening_resumes_without_loss_or_duplicates() {
    let mut r = Registry::new().await;
    let nng = r.nng.clone();
    for (name, org, code) in [
        ("second", "广西第二建设有限公司", "91450100MA5T0003C"),
        ("third", "广西第三建设有限公司", "91450100MA5T0004D"),
    ] {
        nng.enterprise(name, org, &credit(code));
    }
    let dir = tempfile::tempdir().unwrap();
    let (tenderer, tender, opening) = tender_with_opening_cert(&r, dir.path()).await;
    for name in ["second", "third"] {
        let token = sign_in(&r, &nng, name).await;
        let zip = container(&nng.dir, name, &schedule(80_000_000));
        let bid = envelope(
            &nng,
            name,
            &zip,
            &opening,
            Make {
                gcm: true,
                outer: true,
            },
        );
        assert_eq!(submit(&r, &token, &tender, &bid).await.status, 201);
    }

    // An upload under way when the server dies: the bytes that arrived are
    // kept, and the bidder resumes on the restarted server.
    let builder = sign_in(&r, &nng, "builder").await;
    let zip = container(&nng.dir, "builder", &schedule(81_000_000));
    let bid = envelope(
        &nng,
        "builder",
        &zip,
        &opening,
        Make {
            gcm: true,
            outer: true,
        },
    );
    let bytes = std::fs::read(&bid).unwrap();
    let reply = r
        .app
        .post_json(
            &format!("/api/v1/tenders/{tender}/bid-uploads"),
            Some(&builder),
            &json!({ "size": bytes.len(), "sha256": sha256_hex(&bytes) }),
        )
        .await;
    assert_eq!(reply.status, 201);
    let upload = reply.json()["id"].as_str().unwrap().to_string();
    let socket = start_raw_patch(
        &r.app,
        &format!("/api/v1/bid-uploads/{upload}"),
        &builder,
        0,
        bytes.len(),
        &bytes[..1000],
    )
    .await;
    part_reaches(&r.app, &upload, 1000).await;
    r.app.crash_and_restart().await;
    drop(socket);
    // The dead request's claim on the session lapses after its lease.
    r.app.clock.advance(
        chrono::Duration::from_std(ggzy::bids::upload::CLAIM_LEASE).unwrap()
            + chrono::Duration::seconds(1),
    );
    assert_eq!(r.app.count("bids"), 2, "half an upload is no bid");
    let state = r
        .app
        .get(&format!("/api/v1/bid-uploads/{upload}"), Some(&builder))
        .await;
    state.assert_status(200);
    let offset = state.json()["offset"].as_u64().unwrap() as usize;
    assert_eq!(offset, 1000, "what arrived before the crash is kept");
    let mut resp = r
        .app
        .client
        .patch(r.app.url(&format!("/api/v1/bid-uploads/{upload}")))
        .insert_header(("Authorization", format!("Bearer {builder}")))
        .insert_header(("Upload-Offset", offset.to_string()))
        .insert_header(("Content-Type", "application/offset+octet-stream"))
        .send_body(bytes[offset..].to_vec())
        .await
        .unwrap();
    let body = resp.body().await.unwrap();
    assert_eq!(
        resp.status().as_u16(),
        201,
        "{}",
        String::from_utf8_lossy(&body)
    );
    let receipt: Value = serde_json::from_slice(&body).unwrap();
    verify_receipt_with_openssl(&r, &receipt, &bid);
    assert_eq!(r.app.count("bids"), 3);

    // An opening under way when the server dies: the key's shares were all
    // in and one bid was already recorded. The restarted server finishes
    // the rest, and records nothing twice.
    start_opening_at_deadline(&r, &tenderer, &tender).await;
    release_tenderer_share(&r, dir.path(), &tenderer, &tender).await;
    // The state a crash leaves behind once the platform's share is in and
    // the first bid has been read: written as the server writes it.
    let keys = r.app.data_dir.path().join("keys");
    let encrypted: Vec<u8> = {
        use diesel::prelude::*;
        use ggzy::db::schema::opening_shares;
        let tender = tender.clone();
        r.app
            .db
            .write_blocking(move |conn| {
                Ok(opening_shares::table
                    .filter(opening_shares::tender_id.eq(&tender))
                    .filter(opening_shares::custodian_kind.eq("platform"))
                    .select(opening_shares::encrypted_share)
                    .first(conn)?)
            })
            .unwrap()
    };
    std::fs::write(dir.path().join("platform-share.der"), &encrypted).unwrap();
    let platform_share = openssl(
        dir.path(),
        &[
            "cms",
            "-decrypt",
            "-binary",
            "-inform",
            "DER",
            "-in",
            "platform-share.der",
            "-recip",
            keys.join("opening-custodian.cert.pem").to_str().unwrap(),
            "-inkey",
            keys.join("opening-custodian.pem").to_str().unwrap(),
        ],
    );
    let first_bid: String = {
        use diesel::prelude::*;
        use ggzy::db::schema::{bid_openings, bids, opening_shares, openings};
        let (tender, now) = (tender.clone(), ggzy::db::to_db_time(r.app.now()));
        r.app
            .db
            .write_blocking(move |conn| {
                diesel::update(
                    opening_shares::table
                        .filter(opening_shares::tender_id.eq(&tender))
                        .filter(opening_shares::custodian_kind.eq("platform")),
                )
                .set((
                    opening_shares::released_share.eq(Some(platform_share)),
                    opening_shares::released_at.eq(Some(now)),
                ))
                .execute(conn)?;
                diesel::update(openings::table.find(&tender))
                    .set(openings::status.eq("decrypting"))
                    .execute(conn)?;
                let first: String = bids::table
                    .filter(bids::tender_id.eq(&tender))
                    .filter(bids::status.eq("submitted"))
                    .order(bids::received_at.asc())
                    .select(bids::id)
                    .first(conn)?;
                diesel::insert_into(bid_openings::table)
                    .values((
                        bid_openings::bid_id.eq(&first),
                        bid_openings::tender_id.eq(&tender),
                        bid_openings::outcome.eq("valid"),
                        bid_openings::sealed.eq(false),
                        bid_openings::total_price_fen.eq(Some(80_000_000i64)),
                        bid_openings::duration_days.eq(Some(180)),
                        bid_openings::opened_at.eq(now),
                    ))
                    .execute(conn)?;
                Ok(first)
            })
            .unwrap()
    };
    r.app.crash_and_restart().await;
    let view = wait_for_opening(&r, &tender).await;
    let bids = view["bids"].as_array().unwrap();
    assert_eq!(bids.len(), 3, "{view:#}");
    assert_eq!(
        bids.iter().filter(|b| b["bid_id"] == *first_bid).count(),
        1,
        "the bid read before the crash is not read again"
    );
    assert!(bids.iter().all(|b| b["outcome"] == "valid"), "{view:#}");
    assert_eq!(view["valid_bids"], 3);
    let opened_events = r
        .app
        .get(
            "/api/v1/audit/events?action=opening.bid_opened",
            Some(&r.operator),
        )
        .await
        .json();
    assert_eq!(
        opened_events["items"].as_array().unwrap().len(),
        2,
        "only the two bids left were opened after the restart"
    );
}

/// Anyone holding a receipt gets what checks it from the API: the TSA's
/// certificates and the root they lead to, which `openssl verify` accepts
/// as the anchor of the TSA's timestamping certificate, and which is the
/// root the receipts in these tests are verified with.
#[actix_web::test]
async fn the_timestamp_authority_publishes_its_certificates_and_root() {
    let app = crate::helpers::spawn_app().await;
    let root = app.get("/api/v1/timestamp-authority/root.pem", None).await;
    assert_eq!(root.status, 200);
    assert_eq!(
        root.header("content-type").as_deref(),
        Some("application/x-pem-file")
    );
    let on_disk = std::fs::read(app.data_dir.path().join("keys/tsa-root.cert.pem")).unwrap();
    let der = |pem: &[u8]| {
        openssl::x509::X509::from_pem(pem)
            .unwrap()
            .to_der()
            .unwrap()
    };
    assert_eq!(der(&root.body), der(&on_disk));
    let chain = app
        .get("/api/v1/timestamp-authority/certificates.pem", None)
        .await;
    assert_eq!(chain.status, 200);
    let certs = openssl::x509::X509::stack_from_pem(&chain.body).unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("root.pem"), &root.body).unwrap();
    std::fs::write(dir.path().join("chain.pem"), &chain.body).unwrap();
    std::fs::write(dir.path().join("tsa.pem"), certs[0].to_pem().unwrap()).unwrap();
    let out = openssl(
        dir.path(),
        &[
            "verify",
            "-purpose",
            "timestampsign",
            "-CAfile",
            "root.pem",
            "-untrusted",
            "chain.pem",
            "tsa.pem",
        ],
    );
    assert!(String::from_utf8_lossy(&out).contains("tsa.pem: OK"));
}
