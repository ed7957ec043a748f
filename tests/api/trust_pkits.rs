//! The trust registry's side of PKITS (issue 18): key rollover
//! certificates, CRL-signing-only issuers, CRL issuer names compared by RFC
//! 5280 §7.1, CRL signers without cRLSign, and policy
//! inputs on the validate API. The certificates and CRLs are made here with
//! the openssl crate.

use crate::testcerts::{self, Kind, cert, crl, key, pem};
use crate::trust::Registry;
use openssl::asn1::Asn1Type;
use openssl::nid::Nid;
use openssl::x509::{X509, X509Name};
use serde_json::{Value, json};

fn name(cn: &str) -> X509Name {
    testcerts::name("PKITS Test", cn)
}

/// `cn` as a PrintableString, lower case: the same name as `name(CN)` by
/// RFC 5280 §7.1, other bytes.
fn printable_lower(cn: &str) -> X509Name {
    let mut b = X509Name::builder().unwrap();
    b.append_entry_by_nid_with_type(
        Nid::ORGANIZATIONNAME,
        "pkits test",
        Asn1Type::PRINTABLESTRING,
    )
    .unwrap();
    b.append_entry_by_nid_with_type(
        Nid::COMMONNAME,
        &cn.to_lowercase(),
        Asn1Type::PRINTABLESTRING,
    )
    .unwrap();
    b.build()
}

async fn register(r: &Registry, ty: &str, c: &X509) -> (u16, Value) {
    r.register("LZH", ty, &pem(c), None).await
}

async fn load_crl(r: &Registry, crl: &str) -> (u16, Value) {
    let reply = r
        .app
        .post_json(
            "/api/v1/trust/crls",
            Some(&r.platform),
            &json!({"crl": crl}),
        )
        .await;
    (reply.status, reply.json())
}

async fn validate(r: &Registry, c: &X509, extra: Value) -> (u16, Value) {
    let reply = r.validate_pem(&pem(c), "LZH", extra).await;
    (reply.status, reply.json())
}

#[actix_web::test]
async fn a_key_rollover_certificate_is_admitted_under_the_old_key_of_its_name() {
    let r = Registry::new().await;
    let (old, new, stranger) = (key(), key(), key());
    let n = name("Rollover Root");
    let root = cert(&n, &old, &n, &old, Kind::Ca, 1);
    assert_eq!(register(&r, "enterprise_ca", &root).await.0, 201);
    // Self-issued, not self-signed: the new key certified by the old.
    let new_with_old = cert(&n, &new, &n, &old, Kind::Ca, 2);
    let (status, body) = register(&r, "enterprise_ca", &new_with_old).await;
    assert_eq!(status, 201, "{body:#}");
    assert_eq!(body["self_signed"], false);
    // Signed by a key of that name nobody listed: still refused.
    let forged = cert(&n, &new, &n, &stranger, Kind::Ca, 3);
    let (status, body) = register(&r, "enterprise_ca", &forged).await;
    assert_eq!(status, 422, "{body:#}");
    // A CRL signed by the new key is believed: its key is listed.
    let signer = cert(&n, &new, &n, &new, Kind::Ca, 4);
    let (status, body) = load_crl(&r, &crl(&signer, &new)).await;
    assert_eq!(status, 201, "{body:#}");
}

#[actix_web::test]
async fn a_crl_issuer_is_registered_signs_crls_and_vouches_for_nothing() {
    let r = Registry::new().await;
    let (ca_key, crl_key) = (key(), key());
    let ca_name = name("Indirect CRL Root");
    let root = cert(&ca_name, &ca_key, &ca_name, &ca_key, Kind::Ca, 1);
    assert_eq!(register(&r, "enterprise_ca", &root).await.0, 201);
    let signer_name = name("CRL Signer");
    let signer = cert(
        &signer_name,
        &crl_key,
        &ca_name,
        &ca_key,
        Kind::CrlSigner,
        2,
    );
    // Not a CA service.
    assert_eq!(register(&r, "enterprise_ca", &signer).await.0, 422);
    let (status, body) = register(&r, "crl_issuer", &signer).await;
    assert_eq!(status, 201, "{body:#}");
    assert_eq!(body["service_type"], "crl_issuer");
    // A CA may not be registered as a CRL issuer.
    let (other_key, other_name) = (key(), name("Not A Crl Issuer"));
    let ca_as_signer = cert(&other_name, &other_key, &ca_name, &ca_key, Kind::Ca, 3);
    assert_eq!(register(&r, "crl_issuer", &ca_as_signer).await.0, 422);
    // Its CRLs load (the CRL builder wants a CA: a stand-in of the signer's
    // name and key, never registered, carries them).
    let stand_in = cert(&signer_name, &crl_key, &signer_name, &crl_key, Kind::Ca, 4);
    let (status, body) = load_crl(&r, &crl(&stand_in, &crl_key)).await;
    assert_eq!(status, 201, "{body:#}");
    // Asked for by name, it still vouches for nothing, not even itself.
    let (status, report) = validate(&r, &signer, json!({"service_types": ["crl_issuer"]})).await;
    assert_eq!(status, 200, "{report:#}");
    assert_ne!(report["indication"], "PASSED", "{report:#}");
}

#[actix_web::test]
async fn crl_issuer_names_compare_by_rfc_5280_and_signers_need_crl_sign() {
    let r = Registry::new().await;
    let k = key();
    let n = name("Case Folded Root");
    let root = cert(&n, &k, &n, &k, Kind::Ca, 1);
    assert_eq!(register(&r, "enterprise_ca", &root).await.0, 201);
    // The same name in other bytes (PrintableString, lower case).
    let p = printable_lower("Case Folded Root");
    let same = cert(&p, &k, &p, &k, Kind::Ca, 2);
    let (status, body) = load_crl(&r, &crl(&same, &k)).await;
    assert_eq!(status, 201, "{body:#}");
    // A CA whose keyUsage leaves out cRLSign may not sign CRLs.
    let k2 = key();
    let m = name("No CRL Sign Root");
    let no_crl_sign = cert(&m, &k2, &m, &k2, Kind::CaNoCrlSign, 1);
    assert_eq!(register(&r, "enterprise_ca", &no_crl_sign).await.0, 201);
    let with_crl_sign = cert(&m, &k2, &m, &k2, Kind::Ca, 2);
    let (status, body) = load_crl(&r, &crl(&with_crl_sign, &k2)).await;
    assert_eq!(status, 422, "{body:#}");
    assert!(
        body["detail"].as_str().unwrap().contains("cRLSign"),
        "{body:#}"
    );
}

#[actix_web::test]
async fn the_validate_api_takes_policy_inputs_and_checks_them() {
    let r = Registry::new().await;
    let k = key();
    let n = name("Policy Root");
    let root = cert(&n, &k, &n, &k, Kind::Ca, 1);
    assert_eq!(register(&r, "enterprise_ca", &root).await.0, 201);
    let leaf = cert(&name("Policy Leaf"), &key(), &n, &k, Kind::Leaf, 2);
    let good = json!({"policies": {"initial_policies": ["2.16.156.112554.1"],
                                   "explicit_policy": true}});
    let (status, report) = validate(&r, &leaf, good).await;
    assert_eq!(status, 200, "{report:#}");
    let bad = json!({"policies": {"initial_policies": ["not.an.oid"]}});
    let (status, body) = validate(&r, &leaf, bad).await;
    assert_eq!(status, 422, "{body:#}");
    assert!(
        body["detail"].as_str().unwrap().contains("policies"),
        "{body:#}"
    );
}
