//! The bidder's and the custodian's command line, driven as they would use
//! it: `ggzy bid pack` from a folder, `ggzy bid submit` signed in with the
//! enterprise certificate (killed mid-upload and run again), `ggzy bid
//! verify-receipt` and `openssl ts -verify` on what it saved, and `ggzy
//! opening release-share` after the deadline, against the real server.

use crate::bids::{sha256_hex, sign_in, wait_for_opening};
use crate::fabric::openssl;
use crate::helpers::custody_identity;
use crate::trust::Registry;
use serde_json::{Value, json};
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// Runs `ggzy` (off the test's runtime: the server answers meanwhile).
async fn ggzy(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ggzy"));
    command.args(args);
    for (k, v) in env {
        command.env(k, v);
    }
    actix_web::rt::task::spawn_blocking(move || command.output().expect("run ggzy"))
        .await
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn succeeded(out: &Output, what: &str) -> String {
    assert!(
        out.status.success(),
        "{what}: {}\n{}",
        text(&out.stderr),
        text(&out.stdout)
    );
    text(&out.stdout)
}

/// The value of a `name: value` line of the output.
fn field<'a>(stdout: &'a str, name: &str) -> &'a str {
    stdout
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{name}: ")))
        .unwrap_or_else(|| panic!("no {name} in {stdout}"))
}

fn schedule(dir: &Path, name: &str, price: i64) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(
        &path,
        json!({ "total_price_fen": price, "duration_days": 120,
                "key_terms": { "质保期": "2 年", "付款方式": "按进度" } })
        .to_string(),
    )
    .unwrap();
    path
}

fn s(p: &Path) -> String {
    p.display().to_string()
}

#[actix_web::test]
async fn a_bidder_packs_submits_resumes_and_verifies_and_a_custodian_releases_a_share() {
    let r = Registry::new().await;
    let nng = &r.nng;
    // NNG's seal authority is registered, so that the opening checks the seal.
    nng.seal_authority();
    let (status, body) = r
        .register(
            "NNG",
            "seal_authority",
            &nng.text("seal-authority.pem"),
            None,
        )
        .await;
    assert_eq!(status, 201, "{body:#}");
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // Single source: the one bid this enterprise makes is enough to open
    // (in tendering fewer than three bidders are not opened at all).
    let (tenderer, tender, opening) = crate::bids::tender_with_opening_cert_from(&r, d, |body| {
        body["method"] = serde_json::json!("single_source");
        body["evaluation"] = serde_json::json!({"method": "lowest_price"});
    })
    .await;
    let server = r.app.base.clone();
    let (cert, key) = (nng.path("builder.pem"), nng.path("builder.key"));

    let docs = d.join("投标文件");
    std::fs::create_dir_all(docs.join("技术标")).unwrap();
    std::fs::write(docs.join("商务标.pdf"), b"%PDF-1.7 commercial part").unwrap();
    std::fs::write(docs.join("技术标/方案.txt"), "技术方案：三年质保").unwrap();
    let price = schedule(d, "price.json", 88_000_000);
    let out = d.join("bid.p7m");

    // Refusals: a bad schedule, a folder without documents. Nothing written.
    let bad = d.join("bad.json");
    std::fs::write(
        &bad,
        r#"{"total_price_fen": 0, "duration_days": 30, "key_terms": {}}"#,
    )
    .unwrap();
    let empty = d.join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    for (documents, schedule, expected) in [
        (
            &docs,
            &bad,
            "total_price_fen: must be a positive amount in fen",
        ),
        (&empty, &price, "no documents"),
    ] {
        let refused = ggzy(
            &[
                "bid",
                "pack",
                "--documents",
                &s(documents),
                "--schedule",
                &s(schedule),
                "--cert",
                &cert,
                "--key",
                &key,
                "--opening-cert",
                &s(&opening),
                "--out",
                &s(&out),
            ],
            &[],
        )
        .await;
        assert!(!refused.status.success());
        assert!(
            text(&refused.stderr).contains(expected),
            "{}",
            text(&refused.stderr)
        );
        assert!(!out.exists(), "a refused pack writes nothing");
    }

    // Pack with the opening certificate fetched from the server.
    let packed = ggzy(
        &[
            "bid",
            "pack",
            "--documents",
            &s(&docs),
            "--schedule",
            &s(&price),
            "--cert",
            &cert,
            "--key",
            &key,
            "--server",
            &server,
            "--tender",
            &tender,
            "--out",
            &s(&out),
        ],
        &[],
    )
    .await;
    let stdout = succeeded(&packed, "pack");
    let bytes = std::fs::read(&out).unwrap();
    assert_eq!(field(&stdout, "sha256"), sha256_hex(&bytes));
    assert_eq!(field(&stdout, "size"), format!("{} bytes", bytes.len()));
    assert!(
        field(&stdout, "documents").starts_with("2 files"),
        "{stdout}"
    );
    // It does not overwrite without --force.
    let again = ggzy(
        &[
            "bid",
            "pack",
            "--documents",
            &s(&docs),
            "--schedule",
            &s(&price),
            "--cert",
            &cert,
            "--key",
            &key,
            "--opening-cert",
            &s(&opening),
            "--out",
            &s(&out),
        ],
        &[],
    )
    .await;
    assert!(!again.status.success());
    assert!(
        text(&again.stderr).contains("--force"),
        "{}",
        text(&again.stderr)
    );
    assert_eq!(std::fs::read(&out).unwrap(), bytes);

    // Submit, signing in with the enterprise certificate.
    let submitted = ggzy(
        &[
            "bid",
            "submit",
            "--server",
            &server,
            "--tender",
            &tender,
            "--file",
            &s(&out),
            "--cert",
            &cert,
            "--key",
            &key,
        ],
        &[],
    )
    .await;
    let stdout = succeeded(&submitted, "submit");
    assert!(stdout.contains("(version 1)"), "{stdout}");
    let receipt_path = d.join("bid.p7m.receipt.json");
    let receipt: Value = serde_json::from_slice(&std::fs::read(&receipt_path).unwrap()).unwrap();
    assert_eq!(receipt["sha256"], sha256_hex(&bytes));
    assert_eq!(receipt["size_bytes"], bytes.len());
    assert_eq!(receipt["outer_signed"], true);
    assert!(d.join("bid.p7m.receipt.tsr").exists());
    assert!(!d.join("bid.p7m.upload.json").exists());
    // Submitting the same file again needs --force.
    let twice = ggzy(
        &[
            "bid",
            "submit",
            "--server",
            &server,
            "--tender",
            &tender,
            "--file",
            &s(&out),
            "--cert",
            &cert,
            "--key",
            &key,
        ],
        &[],
    )
    .await;
    assert!(!twice.status.success());
    assert!(text(&twice.stderr).contains("submitted already"));

    // The receipt checks out offline, with ggzy and with plain openssl.
    let root = r.app.data_dir.path().join("keys/tsa-root.cert.pem");
    let verify = |receipt: PathBuf, file: PathBuf| {
        let root = root.clone();
        async move {
            ggzy(
                &[
                    "bid",
                    "verify-receipt",
                    "--receipt",
                    &s(&receipt),
                    "--file",
                    &s(&file),
                    "--tsa-root",
                    &s(&root),
                ],
                &[],
            )
            .await
        }
    };
    let checked = verify(receipt_path.clone(), out.clone()).await;
    let stdout = succeeded(&checked, "verify-receipt");
    assert!(field(&stdout, "timestamp").starts_with("OK"), "{stdout}");
    assert!(field(&stdout, "file").starts_with("OK"), "{stdout}");
    assert!(
        field(&stdout, "bidder").contains("广西测试建设有限公司"),
        "{stdout}"
    );
    let ts = openssl(
        d,
        &[
            "ts",
            "-verify",
            "-in",
            "bid.p7m.receipt.tsr",
            "-digest",
            &sha256_hex(&bytes),
            "-CAfile",
            &s(&root),
        ],
    );
    assert!(text(&ts).contains("Verification: OK"));
    // A tampered file, and a receipt edited to another hash, are refused.
    let mut tampered = bytes.clone();
    let mid = tampered.len() / 2;
    tampered[mid] ^= 1;
    let tampered_path = d.join("tampered.p7m");
    std::fs::write(&tampered_path, &tampered).unwrap();
    let refused = verify(receipt_path.clone(), tampered_path.clone()).await;
    assert!(!refused.status.success());
    assert!(
        text(&refused.stderr).contains("is not the file of this receipt"),
        "{}",
        text(&refused.stderr)
    );
    let mut edited = receipt.clone();
    edited["sha256"] = json!(sha256_hex(&tampered));
    let edited_path = d.join("edited.receipt.json");
    std::fs::write(&edited_path, edited.to_string()).unwrap();
    let refused = verify(edited_path, tampered_path).await;
    assert!(!refused.status.success());
    assert!(
        text(&refused.stderr).contains("timestamp does not verify"),
        "{}",
        text(&refused.stderr)
    );

    // An upload that completed while `submit` was not there to read the
    // answer (here: made through the API): run again, it fetches the
    // receipt instead of uploading again.
    let token = sign_in(&r, nng, "builder").await;
    let reply = r
        .app
        .post_json(
            &format!("/api/v1/tenders/{tender}/bid-uploads"),
            Some(&token),
            &json!({ "size": bytes.len(), "sha256": sha256_hex(&bytes) }),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", text(&reply.body));
    let upload = reply.json()["id"].as_str().unwrap().to_string();
    let mut done = r
        .app
        .client
        .patch(r.app.url(&format!("/api/v1/bid-uploads/{upload}")))
        .insert_header(("Authorization", format!("Bearer {token}")))
        .insert_header(("Upload-Offset", "0"))
        .insert_header(("Content-Type", "application/offset+octet-stream"))
        .send_body(bytes.clone())
        .await
        .unwrap();
    assert_eq!(done.status().as_u16(), 201);
    let _ = done.body().await;
    std::fs::write(
        d.join("bid.p7m.upload.json"),
        json!({ "format": "ggzy-bid-upload/1", "server": server, "tender": tender,
                "upload_id": upload, "size": bytes.len(), "sha256": sha256_hex(&bytes),
                "started_at": "2026-01-01T00:00:00Z" })
        .to_string(),
    )
    .unwrap();
    let recovered = ggzy(
        &[
            "bid",
            "submit",
            "--server",
            &server,
            "--tender",
            &tender,
            "--file",
            &s(&out),
            "--cert",
            &cert,
            "--key",
            &key,
        ],
        &[],
    )
    .await;
    let stdout = succeeded(&recovered, "submit after an unseen completion");
    assert!(
        text(&recovered.stderr).contains("fetched its receipt"),
        "{}",
        text(&recovered.stderr)
    );
    assert!(stdout.contains("(version 2)"), "{stdout}");
    assert_eq!(field(&stdout, "uploaded"), "0 bytes in this run");
    assert!(!d.join("bid.p7m.upload.json").exists());

    // A large bid, sealed, from a PKCS #12 file with a password.
    let big = d.join("大标");
    std::fs::create_dir_all(&big).unwrap();
    let mut noise = vec![0u8; 20 << 20];
    ::openssl::rand::rand_bytes(&mut noise).unwrap();
    std::fs::write(big.join("图纸.dwg"), &noise).unwrap();
    std::fs::write(big.join("商务标.pdf"), b"%PDF-1.7 second version").unwrap();
    openssl(
        &nng.dir,
        &[
            "pkcs12",
            "-export",
            "-in",
            "builder.pem",
            "-inkey",
            "builder.key",
            "-out",
            "builder.p12",
            "-passout",
            "pass:s3cret-口令",
        ],
    );
    let seal = d.join("seal.der");
    std::fs::write(&seal, crate::seals::seal(nng, nng)).unwrap();
    let price2 = schedule(d, "price2.json", 86_500_000);
    let big_out = d.join("big.p7m");
    let pack_args = [
        "bid",
        "pack",
        "--documents",
        &s(&big),
        "--schedule",
        &s(&price2),
        "--pkcs12",
        &nng.path("builder.p12"),
        "--password-env",
        "BID_P12_PASSWORD",
        "--seal",
        &s(&seal),
        "--opening-cert",
        &s(&opening),
        "--out",
        &s(&big_out),
    ];
    let no_password = ggzy(&pack_args, &[]).await;
    assert!(!no_password.status.success());
    assert!(text(&no_password.stderr).contains("BID_P12_PASSWORD"));
    let packed = ggzy(&pack_args, &[("BID_P12_PASSWORD", "s3cret-口令")]).await;
    let stdout = succeeded(&packed, "pack sealed");
    assert!(field(&stdout, "seal").starts_with("sealed"), "{stdout}");
    let size = std::fs::metadata(&big_out).unwrap().len();

    // Submit in 1 MiB chunks, killed once a tenth is stored.
    let submit_args: Vec<String> = [
        "bid",
        "submit",
        "--server",
        &server,
        "--tender",
        &tender,
        "--file",
        &s(&big_out),
        "--cert",
        &cert,
        "--key",
        &key,
        "--chunk-mib",
        "1",
    ]
    .iter()
    .map(|a| a.to_string())
    .collect();
    let killed_args = submit_args.clone();
    let killed = actix_web::rt::task::spawn_blocking(move || {
        let mut child = Command::new(env!("CARGO_BIN_EXE_ggzy"))
            .args(&killed_args)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stderr = std::io::BufReader::new(child.stderr.take().unwrap());
        let mut seen = String::new();
        loop {
            let mut line = String::new();
            if stderr.read_line(&mut line).unwrap() == 0 {
                break;
            }
            seen.push_str(&line);
            if line.contains('%') {
                child.kill().unwrap();
                break;
            }
        }
        let status = child.wait().unwrap();
        (status, seen)
    })
    .await
    .unwrap();
    assert!(!killed.0.success(), "killed: {}", killed.1);
    let state = d.join("big.p7m.upload.json");
    assert!(state.exists(), "the session is kept: {}", killed.1);
    assert_eq!(r.app.count("bids"), 2, "nothing partial is a bid");

    // Run again: it resumes where the server stands.
    let args: Vec<&str> = submit_args.iter().map(String::as_str).collect();
    let resumed = ggzy(&args, &[]).await;
    let stdout = succeeded(&resumed, "resumed submit");
    assert!(
        text(&resumed.stderr).contains("resuming upload"),
        "{}",
        text(&resumed.stderr)
    );
    let at: u64 = field(&stdout, "resumed_at")
        .strip_prefix("byte ")
        .unwrap()
        .parse()
        .unwrap();
    assert!(at >= size / 10 && at < size, "resumed at {at} of {size}");
    assert_eq!(
        field(&stdout, "uploaded"),
        format!("{} bytes in this run", size - at),
        "the stored bytes are not sent again"
    );
    assert!(stdout.contains("(version 3)"), "{stdout}");
    assert!(!state.exists());
    let checked = verify(d.join("big.p7m.receipt.json"), big_out.clone()).await;
    succeeded(&checked, "verify-receipt of the resumed upload");

    // Releasing a share before the opening is refused with the server's reason.
    let (ckey, ccert) = custody_identity();
    std::fs::write(
        d.join("custodian.key"),
        ckey.private_key_to_pem_pkcs8().unwrap(),
    )
    .unwrap();
    std::fs::write(d.join("custodian.pem"), ccert.to_pem().unwrap()).unwrap();
    let custodian = d.join("custodian.pem");
    let custodian_key = d.join("custodian.key");
    let release = |cert: PathBuf, key: PathBuf| {
        let (server, tender, tenderer) = (server.clone(), tender.clone(), tenderer.clone());
        async move {
            ggzy(
                &[
                    "opening",
                    "release-share",
                    "--server",
                    &server,
                    "--tender",
                    &tender,
                    "--cert",
                    &s(&cert),
                    "--key",
                    &s(&key),
                    "--token",
                    &tenderer,
                ],
                &[],
            )
            .await
        }
    };
    let early = release(custodian.clone(), custodian_key.clone()).await;
    assert!(!early.status.success());
    assert!(
        text(&early.stderr).contains("only in the opening"),
        "{}",
        text(&early.stderr)
    );

    // After the deadline: the opening starts; a key that is not the
    // custodian's cannot open the share; the custodian's can.
    crate::bids::start_opening_at_deadline(&r, &tenderer, &tender).await;
    let wrong = release(PathBuf::from(&cert), PathBuf::from(&key)).await;
    assert!(!wrong.status.success());
    assert!(
        text(&wrong.stderr).contains("cannot be decrypted"),
        "{}",
        text(&wrong.stderr)
    );
    let released = release(custodian.clone(), custodian_key.clone()).await;
    let stdout = succeeded(&released, "release-share");
    assert!(stdout.contains("1 of the 2 shares"), "{stdout}");
    // The platform's share completes the key; the opening reads the
    // resumed, sealed bid.
    crate::bids::release_platform_share(&r, &tender).await;
    let view = wait_for_opening(&r, &tender).await;
    let bids = view["bids"].as_array().unwrap();
    assert_eq!(bids.len(), 1, "{view:#}");
    assert_eq!(bids[0]["outcome"], "valid", "{view:#}");
    assert_eq!(bids[0]["sealed"], true, "{view:#}");
    assert_eq!(bids[0]["total_price_fen"], 86_500_000);
    assert_eq!(bids[0]["schedule"]["key_terms"]["质保期"], "2 年");
    // Once opened, no more releases.
    let late = release(custodian, custodian_key).await;
    assert!(!late.status.success());
    assert!(
        text(&late.stderr).contains("HTTP 409"),
        "{}",
        text(&late.stderr)
    );
}
