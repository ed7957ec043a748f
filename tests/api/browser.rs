//! Custodians release their opening-key shares from the web page in a real
//! Chromium (tests/e2e/release_share.mjs, playwright-core): the page signs
//! them in with their certificate's key and decrypts the share with the
//! browser's WebCrypto, for an EC custodian (ECDH key agreement) and an RSA
//! one (RSA-OAEP); the bids are then opened.
//!
//! Ignored by `cargo test` because it needs Chromium and tests/e2e's
//! node_modules; .ci/run installs both and runs it with
//! `cargo test --test api browser -- --ignored`.

use crate::bids::{
    Make, container, envelope, save_opening_certificate, sign_in, start_opening_at_deadline,
    submit, wait_for_opening,
};
use crate::fabric::openssl;
use crate::login::enrol_person_named;
use crate::trust::{Registry, credit, resident};
use ggzy::identity::Role;
use serde_json::{Value, json};
use std::path::Path;
use std::process::Command;

/// Runs the browser through `attempts` (see release_share.mjs); returns
/// what each ended with, one JSON object per attempt.
async fn release_in_browser(base: &str, tender: &str, attempts: &Value) -> Vec<Value> {
    let e2e = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/e2e");
    assert!(
        e2e.join("node_modules/playwright-core").is_dir(),
        "run `npm ci` in tests/e2e first (and have /usr/bin/chromium)"
    );
    let mut command = Command::new("node");
    command
        .arg("release_share.mjs")
        .current_dir(&e2e)
        .env("GGZY_BASE", base)
        .env("GGZY_TENDER", tender)
        .env("GGZY_ATTEMPTS", attempts.to_string());
    let out = actix_web::rt::task::spawn_blocking(move || command.output().expect("run node"))
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "the browser run failed ({}):\n{stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[actix_web::test]
#[ignore = "drives Chromium through tests/e2e (npm ci there first); .ci/run runs it"]
async fn custodians_release_their_shares_from_the_browser_and_the_bids_are_opened() {
    let r = Registry::new().await;
    let nng = &r.nng;
    // Two supervisors hold shares beside the platform, 2 needed: 张三 with
    // the fabric's EC P-256 certificate, 李四 with an RSA one.
    nng.person_rsa("auditor", "李四", &resident("45010219850202234"));
    let ec_custodian = enrol_person_named(
        &r,
        "张三",
        &[Role::Supervisor],
        &resident("45010219800101123"),
    );
    let rsa_custodian = enrol_person_named(
        &r,
        "李四",
        &[Role::Supervisor],
        &resident("45010219850202234"),
    );
    // Signing in once puts their certificates on record for custody.
    sign_in(&r, nng, "expert").await;
    sign_in(&r, nng, "auditor").await;

    let tenderer = r.app.user("采购科", Role::Tenderer, "NNG", "南宁市教育局");
    let tender = r.app.create_draft(&tenderer, "智慧教室设备采购").await;
    r.app
        .post_json(
            &format!("/api/v1/tenders/{tender}/transitions"),
            Some(&tenderer),
            &json!({"action": "publish", "reason": "", "custody": {
                "threshold": 2, "custodians": [ec_custodian, rsa_custodian], "platform": true }}),
        )
        .await
        .assert_status(200);
    let dir = tempfile::tempdir().unwrap();
    let opening = save_opening_certificate(&r, &tender, dir.path()).await;

    // Three bids, made with the openssl command line.
    for (name, org, code) in [
        ("second", "广西第二建设有限公司", "91450100MA5T0003C"),
        ("third", "广西第三建设有限公司", "91450100MA5T0004D"),
    ] {
        nng.enterprise(name, org, &credit(code));
    }
    for (i, name) in ["builder", "second", "third"].into_iter().enumerate() {
        let token = sign_in(&r, nng, name).await;
        let schedule = json!({ "total_price_fen": 90_000_000 + i as i64 * 1_000_000,
            "duration_days": 180, "key_terms": { "质保期": "3 年" } });
        let zip = container(&nng.dir, name, &schedule);
        let make = Make {
            gcm: true,
            outer: true,
        };
        let bid = envelope(nng, name, &zip, &opening, make);
        submit(&r, &token, &tender, &bid).await.assert_status(201);
    }
    start_opening_at_deadline(&r, &tenderer, &tender).await;

    // The custodians' key files as they might keep them: the EC key in its
    // SEC1 form, the RSA key as PKCS#8 encrypted with a password.
    let d = &nng.dir;
    openssl(d, &["ec", "-in", "expert.key", "-out", "expert-sec1.pem"]);
    openssl(
        d,
        &[
            "pkcs8",
            "-topk8",
            "-v2",
            "aes-256-cbc",
            "-passout",
            "pass:key of 李四",
            "-in",
            "auditor.key",
            "-out",
            "auditor-encrypted.pem",
        ],
    );
    let file = |name: &str| d.join(name).display().to_string();
    let attempts = json!([
        // Another's key for this certificate: the login is refused.
        { "cert": file("expert.pem"), "key": file("auditor.key"),
          "expect": "failed", "says": "does not verify" },
        // The wrong password: the key is not opened, nothing is sent.
        { "cert": file("auditor.pem"), "key": file("auditor-encrypted.pem"),
          "password": "guess", "expect": "failed", "says": "password does not open" },
        { "cert": file("expert.pem"), "key": file("expert-sec1.pem"),
          "expect": "released", "says": "Waiting for the other custodians" },
        { "cert": file("auditor.pem"), "key": file("auditor-encrypted.pem"),
          "password": "key of 李四", "expect": "released", "says": "Enough shares are in" },
    ]);
    let results = release_in_browser(&r.app.base, &tender, &attempts).await;
    assert_eq!(results.len(), 4);
    for (result, name) in results[2..].iter().zip(["张三", "李四"]) {
        let steps = result["steps"].as_array().unwrap();
        assert_eq!(steps.len(), 5, "{result:#}");
        assert_eq!(steps[0], format!("Signed in as {name}"));
        assert_eq!(steps[2], "Share decrypted in this browser");
        assert_eq!(steps[4], "Signed out.");
    }
    assert_eq!(results[3]["progress"], "2 of 2 shares released");

    // With both shares in, the platform opened every bid.
    let view = wait_for_opening(&r, &tender).await;
    assert_eq!(view["shares_released"], 2, "{view:#}");
    assert_eq!(view["valid_bids"], 3, "{view:#}");
    let mut prices: Vec<i64> = view["bids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["total_price_fen"].as_i64().unwrap())
        .collect();
    prices.sort();
    assert_eq!(prices, [90_000_000, 91_000_000, 92_000_000], "{view:#}");
}
