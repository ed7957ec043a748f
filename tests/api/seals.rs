//! Seal signatures through the API. Certificates and keys come from the
//! openssl command line; the GB/T 38540 structures are made with ggzy's
//! builder (no common tool makes them) and verified against the registry.

use crate::trust::{Registry, credit};
use chrono::{Duration, Utc};
use ggzy::seals::{CertListForm, DocumentInput, Picture, SealSpec, SealType, make_seal, sign};
use openssl::pkey::PKey;
use openssl::x509::X509;
use serde_json::{Value, json};

const PICTURE: &[u8] = b"\x89PNG demo seal picture: a red circle with a star";
const DOCUMENT: &[u8] = "投标文件 第一册：商务部分".as_bytes();

fn load(league: &crate::fabric::League, name: &str) -> (X509, PKey<openssl::pkey::Private>) {
    (
        X509::from_pem(league.text(&format!("{name}.pem")).as_bytes()).unwrap(),
        PKey::private_key_from_pem(league.text(&format!("{name}.key")).as_bytes()).unwrap(),
    )
}

/// A seal of `owner` issued by `authority_league`'s seal authority.
pub fn seal(authority_league: &crate::fabric::League, owner: &crate::fabric::League) -> Vec<u8> {
    let (authority, authority_key) = load(authority_league, "seal-authority");
    let (builder, _) = load(owner, "builder");
    let now = Utc::now();
    make_seal(
        &SealSpec {
            es_id: "4501000000001".into(),
            name: "广西测试建设有限公司投标专用章".into(),
            seal_type: SealType::Organisation,
            owner_name: "广西测试建设有限公司".into(),
            credit_code: ggzy::types::CreditCode::parse(&credit("91450100MA5T0001A")).unwrap(),
            created: now - Duration::days(1),
            valid_from: now - Duration::days(1),
            valid_to: now + Duration::days(300),
            signer_certs: vec![builder.to_der().unwrap()],
            cert_list_form: CertListForm::Certificates,
            picture: Picture {
                picture_type: "png".into(),
                data: PICTURE.to_vec(),
                width_mm: 40,
                height_mm: 40,
            },
        },
        &authority,
        &authority_key,
    )
    .unwrap()
}

fn signed(league: &crate::fabric::League, signer: &str, seal: &[u8]) -> Vec<u8> {
    let (cert, key) = load(league, signer);
    sign(
        seal,
        DocumentInput::Bytes(DOCUMENT),
        "bid/commercial.pdf",
        Utc::now(),
        &cert,
        &key,
    )
    .unwrap()
}

async fn verify(r: &Registry, signature: &[u8], league: &str, document: &[u8]) -> Value {
    let reply = r
        .app
        .post_json(
            "/api/v1/seals/verify-signature",
            Some(&r.operator),
            &json!({
                "signature": openssl::base64::encode_block(signature),
                "document": openssl::base64::encode_block(document),
                "league": league,
            }),
        )
        .await;
    reply.assert_status(200);
    reply.json()
}

fn verdict(v: &Value) -> (&str, &str) {
    (
        v["indication"].as_str().unwrap(),
        v["sub_indication"].as_str().unwrap_or(""),
    )
}

async fn registry_with_seal_authorities() -> Registry {
    let r = Registry::new().await;
    for league in [&r.nng, &r.lzh] {
        league.seal_authority();
        let (status, body) = r
            .register(
                &league.code,
                "seal_authority",
                &league.text("seal-authority.pem"),
                None,
            )
            .await;
        assert_eq!(status, 201, "{body:#}");
    }
    r
}

#[actix_web::test]
async fn a_seal_signature_passes_in_its_league_and_where_recognised() {
    let r = registry_with_seal_authorities().await;
    let seal = seal(&r.nng, &r.nng);
    let signature = signed(&r.nng, "builder", &seal);
    let own = verify(&r, &signature, "NNG", DOCUMENT).await;
    assert_eq!(verdict(&own), ("PASSED", ""), "{own:#}");
    assert_eq!(own["seal"]["credit_code"], credit("91450100MA5T0001A"));
    assert_eq!(own["certificates"].as_array().unwrap().len(), 2);
    // LZH recognises neither NNG's enterprise CA nor its seal authority.
    let foreign = verify(&r, &signature, "LZH", DOCUMENT).await;
    assert_eq!(verdict(&foreign).0, "INDETERMINATE", "{foreign:#}");
    for ty in ["enterprise_ca", "seal_authority"] {
        let reply = r
            .app
            .post_json(
                "/api/v1/trust/recognitions",
                Some(&r.platform),
                &json!({"league": "LZH", "recognised_league": "NNG", "service_type": ty,
                        "effective_from": (Utc::now() - Duration::hours(1)).to_rfc3339()}),
            )
            .await;
        assert_eq!(reply.status, 201);
    }
    let recognised = verify(&r, &signature, "LZH", DOCUMENT).await;
    assert_eq!(verdict(&recognised), ("PASSED", ""), "{recognised:#}");
    // Another document: the digest does not match.
    let other = verify(&r, &signature, "NNG", b"another document").await;
    assert_eq!(verdict(&other), ("FAILED", "HASH_FAILURE"));
}

#[actix_web::test]
async fn bad_seals_are_refused() {
    let r = registry_with_seal_authorities().await;
    // A seal signed by an authority nobody registered.
    let dir = tempfile::tempdir().unwrap();
    let stranger = crate::fabric::League::new(dir.path(), "XXX");
    stranger.seal_authority();
    let foreign_seal = seal(&stranger, &r.nng);
    let v = verify(
        &r,
        &signed(&r.nng, "builder", &foreign_seal),
        "NNG",
        DOCUMENT,
    )
    .await;
    assert_eq!(verdict(&v).0, "INDETERMINATE", "{v:#}");
    assert!(
        v["checks"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["name"] == "seal_authority_certificate" && c["result"] != "PASSED")
    );
    // A tampered picture breaks the authority's signature.
    let mut tampered = seal(&r.nng, &r.nng);
    let at = tampered
        .windows(PICTURE.len())
        .position(|w| w == PICTURE)
        .unwrap();
    tampered[at + 10] ^= 0x20;
    let v = verify(&r, &signed(&r.nng, "builder", &tampered), "NNG", DOCUMENT).await;
    assert_eq!(verdict(&v), ("FAILED", "SIG_CRYPTO_FAILURE"), "{v:#}");
    // A seal used by a certificate it does not list (a valid one of the league).
    r.nng.enterprise(
        "other",
        "广西另一测试有限公司",
        &credit("91450100MA5T0004D"),
    );
    let v = verify(
        &r,
        &signed(&r.nng, "other", &seal(&r.nng, &r.nng)),
        "NNG",
        DOCUMENT,
    )
    .await;
    assert_ne!(verdict(&v).0, "PASSED");
    assert_eq!(verdict(&v).1, "SIG_CONSTRAINTS_FAILURE", "{v:#}");
    // Garbage and truncation.
    let good = signed(&r.nng, "builder", &seal(&r.nng, &r.nng));
    for bytes in [&b"garbage"[..], &good[..good.len() / 2]] {
        let v = verify(&r, bytes, "NNG", DOCUMENT).await;
        assert_eq!(verdict(&v), ("FAILED", "FORMAT_FAILURE"));
    }
    // Not base64, both or neither document forms, anonymous callers.
    let reply = r
        .app
        .post_json(
            "/api/v1/seals/verify-signature",
            Some(&r.operator),
            &json!({"signature": "***", "document_digest": "00"}),
        )
        .await;
    assert_eq!(reply.assert_rule("encoding.base64").0, "signature");
    let reply = r
        .app
        .post_json(
            "/api/v1/seals/verify-signature",
            Some(&r.operator),
            &json!({"signature": "AAAA"}),
        )
        .await;
    assert_eq!(reply.assert_rule("seal.document-or-digest").0, "document");
    let reply = r
        .app
        .post_json(
            "/api/v1/seals/verify-signature",
            None,
            &json!({"signature": "AAAA"}),
        )
        .await;
    reply.assert_refusal(401, "unauthenticated", "auth.sign-in-first");
    // A seal on its own, checked at a time.
    let reply = r
        .app
        .post_json(
            "/api/v1/seals/verify-seal",
            Some(&r.operator),
            &json!({"seal": openssl::base64::encode_block(&seal(&r.nng, &r.nng)), "league": "NNG"}),
        )
        .await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.json()["indication"], "PASSED");
}
