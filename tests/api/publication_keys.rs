//! Publication does not make its opening key pair inside its transaction:
//! it takes one made ahead by the key pool, so other writes do not wait
//! for RSA key generation (the benchmark `publish` measures the waiting).

use crate::helpers::spawn_app;
use ggzy::opening::keypool;

/// SHA-256 (hex) of the public key the tender's opening certificate carries.
async fn opening_public_key(app: &crate::helpers::TestApp, tender: &str) -> String {
    let pem = app
        .get(
            &format!("/api/v1/tenders/{tender}/opening-key/certificate.pem"),
            None,
        )
        .await;
    pem.assert_status(200);
    let cert = openssl::x509::X509::from_pem(&pem.body).unwrap();
    ggzy::identity::hex(&openssl::sha::sha256(
        &cert.public_key().unwrap().public_key_to_der().unwrap(),
    ))
}

#[actix_web::test]
async fn a_publication_takes_an_opening_key_pair_made_ahead() {
    let app = spawn_app().await;
    app.leagues();
    let token = app.user(
        "采购科",
        ggzy::identity::Role::Tenderer,
        "NNG",
        "南宁市教育局",
    );
    // Other tests in this process publish too and may take the ready pairs
    // between our look and our publication: a few tries.
    for attempt in 0..5 {
        let began = std::time::Instant::now();
        while keypool::shared().stats().ready == 0 {
            assert!(
                began.elapsed() < std::time::Duration::from_secs(120),
                "the key pool never had a pair ready"
            );
            actix_web::rt::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        let id = app
            .create_draft(&token, &format!("教学设备采购 {attempt}"))
            .await;
        app.act(&token, &id, "publish", "").await.assert_status(200);
        if keypool::shared().was_ready(&opening_public_key(&app, &id).await) {
            return;
        }
    }
    panic!("no publication took a key pair made ahead");
}
