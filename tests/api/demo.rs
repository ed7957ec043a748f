//! Demo data comes with a working trust fabric: its CAs, CRLs and
//! recognitions are registered, its keys are in `<data_dir>/pki-demo`, and
//! the demo accounts sign in with them (signatures made by the openssl
//! command line, as a user would).

use crate::fabric::openssl;
use crate::helpers::{Options, TestApp, spawn_app_with};
use serde_json::{Value, json};
use std::path::PathBuf;

fn fabric_dir(app: &TestApp) -> PathBuf {
    app.data_dir.path().join("pki-demo")
}

/// Signs a challenge with `<stem>.key.pem` of the written fabric (openssl
/// CLI) and logs in with `<stem>.cert.pem`.
async fn login(app: &TestApp, stem: &str) -> (u16, Value) {
    login_with(app, stem, &["-sha256"]).await
}

/// As [`login`], with the digest options given to `openssl dgst`.
async fn login_with(app: &TestApp, stem: &str, digest: &[&str]) -> (u16, Value) {
    let c = app
        .post_json("/api/v1/auth/challenges", None, &json!({}))
        .await;
    assert_eq!(c.status, 201);
    let c = c.json();
    let dir = fabric_dir(app);
    std::fs::write(dir.join("challenge.txt"), c["challenge"].as_str().unwrap()).unwrap();
    let key = format!("{stem}.key.pem");
    let mut args = vec!["dgst"];
    args.extend_from_slice(digest);
    args.extend(["-sign", key.as_str(), "challenge.txt"]);
    let signature = openssl(&dir, &args);
    let certificate = std::fs::read_to_string(dir.join(format!("{stem}.cert.pem"))).unwrap();
    let reply = app
        .post_json(
            "/api/v1/auth/login",
            None,
            &json!({
                "challenge_id": c["id"],
                "certificate": certificate,
                "signature": openssl::base64::encode_block(&signature),
                "format": "raw",
            }),
        )
        .await;
    (reply.status, reply.json())
}

#[actix_web::test]
async fn demo_data_registers_a_fabric_whose_keys_sign_in_the_demo_accounts() {
    let app = spawn_app_with(Options {
        demo_data: true,
        ..Default::default()
    })
    .await;
    // Each league: its root (listed as enterprise_ca), the two CAs and
    // the two authorities, granted; every CRL loaded.
    let services = app.get("/api/v1/trust/services", None).await.json();
    let items = services["items"].as_array().unwrap();
    for league in ["GX", "NNG", "LZH"] {
        let mut types: Vec<&str> = items
            .iter()
            .filter(|s| s["league"] == league)
            .map(|s| s["service_type"].as_str().unwrap())
            .collect();
        types.sort_unstable();
        assert_eq!(
            types,
            [
                "enterprise_ca",
                "enterprise_ca",
                "personal_ca",
                "seal_authority",
                "timestamp_authority"
            ],
            "{league}"
        );
    }
    assert_eq!(items.len(), 15);
    assert!(items.iter().all(|s| s["status"] == "granted"));
    assert_eq!(app.count("trust_crls"), 9);
    assert_eq!(app.count("trust_recognitions"), 14);
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(fabric_dir(&app).join("manifest.json")).unwrap())
            .unwrap();
    assert_eq!(manifest["leagues"], json!(["GX", "NNG", "LZH"]));

    // The demo bidder signs in with its organisation's certificate (P-256)
    // and lands in its demo account; so does LZH's tenderer (RSA).
    let (status, body) = login(&app, "NNG/enterprises/91450000MA5L13579M").await;
    assert_eq!(status, 201, "{body:#}");
    assert_eq!(body["principal"]["name"], "广西建工集团 投标部");
    assert_eq!(body["principal"]["roles"], json!(["bidder"]));
    assert_eq!(body["principal"]["league"], "NNG");
    let bidder = body["token"].as_str().unwrap().to_string();
    let (status, body) = login(&app, "LZH/enterprises/91450200MA5N543212").await;
    assert_eq!(status, 201, "{body:#}");
    assert_eq!(body["principal"]["name"], "柳州城投 招采部");
    assert_eq!(body["principal"]["roles"], json!(["tenderer"]));

    // The experts and supervisors have accounts of their own.
    let (status, body) = login(&app, "GX/people/expert").await;
    assert_eq!(status, 201, "{body:#}");
    assert_eq!(body["principal"]["name"], "黄丽萍");
    assert_eq!(body["principal"]["roles"], json!(["expert"]));
    assert_eq!(body["principal"]["league"], "GX");
    // NNG's expert holds an SM2 key: SM3 with the standard signer ID.
    let (status, body) = login_with(
        &app,
        "NNG/people/expert",
        &["-sm3", "-sigopt", "distid:1234567812345678"],
    )
    .await;
    assert_eq!(status, 201, "{body:#}");
    assert_eq!(body["principal"]["roles"], json!(["expert"]));
    // Each is in the shared pool, available.
    let expert = body["token"].as_str().unwrap().to_string();
    let me = app.get("/api/v1/experts/me", Some(&expert)).await;
    me.assert_status(200);
    assert_eq!(me.json()["available"], true);
    assert_eq!(me.json()["league"], "NNG");
    let (status, body) = login(&app, "LZH/people/supervisor").await;
    assert_eq!(status, 201, "{body:#}");
    assert_eq!(body["principal"]["roles"], json!(["supervisor"]));
    let supervisor = body["token"].as_str().unwrap().to_string();
    let pool = app.get("/api/v1/experts", Some(&supervisor)).await.json();
    let leagues: Vec<&str> = pool["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["league"].as_str().unwrap())
        .collect();
    assert_eq!(leagues.len(), 3, "one demo expert per league: {leagues:?}");

    // The revoked enterprise is refused: its CA's CRL is loaded.
    let (status, body) = login(&app, "NNG/enterprises/91450100MA5T000451").await;
    assert_eq!(
        (status, body["code"].as_str()),
        (401, Some("certificate-rejected"))
    );
    assert!(
        body["detail"].as_str().unwrap().contains("Revoked"),
        "{body}"
    );

    // The demo seals verify against the registry: NNG recognises LZH's
    // seal authority but not GX's.
    let seal = |path: &str| {
        openssl::base64::encode_block(&std::fs::read(fabric_dir(&app).join(path)).unwrap())
    };
    for (path, passes) in [
        ("NNG/enterprises/91450000MA5L13579M.seal.der", true),
        ("LZH/enterprises/91450200MA5N543212.seal.der", true),
        ("GX/enterprises/91450000MA5T00011C.seal.der", false),
    ] {
        let report = app
            .post_json(
                "/api/v1/seals/verify-seal",
                Some(&bidder),
                &json!({ "seal": seal(path), "league": "NNG" }),
            )
            .await;
        assert_eq!(report.status, 200);
        let report = report.json();
        assert_eq!(
            report["indication"] == "PASSED",
            passes,
            "{path}: {report:#}"
        );
    }
    // The demo enterprise was told what a follower and a taker of the
    // documents is told: two new tenders, the answer, the amendment; and,
    // its address being a demo one, by e-mail too (.eml files).
    let mut kinds: Vec<String> = app
        .inbox(&bidder)
        .await
        .iter()
        .map(|m| m["kind"].as_str().unwrap().to_string())
        .collect();
    kinds.sort();
    assert_eq!(
        kinds,
        [
            "clarification_answered",
            "tender_amended",
            "tender_published",
            "tender_published"
        ]
    );
    for _ in 0..100 {
        if app.eml_ids().len() == 4 {
            break;
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(app.eml_ids().len(), 4, "each also by e-mail");
}
