//! A league's certificate-policy requirements per trust service type
//! (issue 18): set through the API by the league's operators, applied by
//! the registry to every decision for the league, and never loosened by a
//! request's own policy inputs.

use crate::helpers::Reply;
use crate::trust::Registry;
use chrono::{Duration, Utc};
use ggzy::identity::Role;
use ggzy::pki::crl::{CrlContents, build_crl};
use openssl::asn1::{Asn1Integer, Asn1Object, Asn1OctetString, Asn1Time};
use openssl::bn::BigNum;
use openssl::ec::{EcGroup, EcKey};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::{PKey, Private};
use openssl::x509::extension::{BasicConstraints, KeyUsage, SubjectKeyIdentifier};
use openssl::x509::{X509, X509Builder, X509Extension, X509Name};
use serde_json::{Value, json};

const A: &str = "2.16.156.112554.1.1";
const B: &str = "2.16.156.112554.1.2";
const PATH: &str = "/api/v1/trust/leagues/LZH/policy-requirements";

fn key() -> PKey<Private> {
    let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).unwrap();
    PKey::from_ec_key(EcKey::generate(&group).unwrap()).unwrap()
}

fn name(cn: &str) -> X509Name {
    let mut b = X509Name::builder().unwrap();
    b.append_entry_by_text("O", "Policy Test").unwrap();
    b.append_entry_by_text("CN", cn).unwrap();
    b.build()
}

/// A CA (`policy: None`) or an end entity carrying certificatePolicies `policy`.
fn cert(
    subject: &X509Name,
    key: &PKey<Private>,
    issuer: &X509Name,
    signer: &PKey<Private>,
    policy: Option<&str>,
    serial: u32,
) -> X509 {
    let mut b = X509Builder::new().unwrap();
    b.set_version(2).unwrap();
    let serial = Asn1Integer::from_bn(&BigNum::from_u32(serial).unwrap()).unwrap();
    b.set_serial_number(&serial).unwrap();
    b.set_subject_name(subject).unwrap();
    b.set_issuer_name(issuer).unwrap();
    b.set_pubkey(key).unwrap();
    b.set_not_before(&Asn1Time::days_from_now(0).unwrap())
        .unwrap();
    b.set_not_after(&Asn1Time::days_from_now(30).unwrap())
        .unwrap();
    match policy {
        None => {
            b.append_extension(BasicConstraints::new().critical().ca().build().unwrap())
                .unwrap();
            b.append_extension(
                KeyUsage::new()
                    .critical()
                    .key_cert_sign()
                    .crl_sign()
                    .build()
                    .unwrap(),
            )
            .unwrap();
        }
        Some(oid) => {
            b.append_extension(BasicConstraints::new().critical().build().unwrap())
                .unwrap();
            b.append_extension(
                KeyUsage::new()
                    .critical()
                    .digital_signature()
                    .build()
                    .unwrap(),
            )
            .unwrap();
            let ext = X509Extension::new_from_der(
                &Asn1Object::from_str("2.5.29.32").unwrap(),
                false,
                &Asn1OctetString::new_from_bytes(&policies_der(oid)).unwrap(),
            )
            .unwrap();
            b.append_extension(ext).unwrap();
        }
    }
    let ski = SubjectKeyIdentifier::new()
        .build(&b.x509v3_context(None, None))
        .unwrap();
    b.append_extension(ski).unwrap();
    b.sign(signer, MessageDigest::sha256()).unwrap();
    b.build()
}

/// An empty CRL of `issuer`, PEM.
fn crl(issuer: &X509, key: &PKey<Private>) -> String {
    let now = Utc::now() - Duration::minutes(1);
    let crl = build_crl(
        &CrlContents {
            issuer,
            number: 1,
            this_update: now,
            next_update: now + Duration::days(7),
            revoked: &[],
        },
        key,
    )
    .unwrap();
    String::from_utf8(crl.to_pem().unwrap()).unwrap()
}

/// DER of certificatePolicies with one policy, no qualifiers.
fn policies_der(oid: &str) -> Vec<u8> {
    let arcs: Vec<u64> = oid.split('.').map(|a| a.parse().unwrap()).collect();
    let mut body = vec![(arcs[0] * 40 + arcs[1]) as u8];
    for &arc in &arcs[2..] {
        let mut bytes = vec![(arc & 0x7f) as u8];
        let mut rest = arc >> 7;
        while rest > 0 {
            bytes.push((rest & 0x7f) as u8 | 0x80);
            rest >>= 7;
        }
        bytes.reverse();
        body.extend(bytes);
    }
    let oid = [&[0x06, body.len() as u8][..], &body].concat();
    let info = [&[0x30, oid.len() as u8][..], &oid].concat();
    [&[0x30, info.len() as u8][..], &info].concat()
}

fn pem(c: &X509) -> String {
    String::from_utf8(c.to_pem().unwrap()).unwrap()
}

/// A root registered as LZH's enterprise CA, and a leaf under it with policy A.
async fn setup() -> (Registry, X509) {
    let r = Registry::new().await;
    let k = key();
    let n = name("Policy Root");
    let root = cert(&n, &k, &n, &k, None, 1);
    let reply = r
        .app
        .post_json(
            "/api/v1/trust/services",
            Some(&r.platform),
            &json!({"league": "LZH", "service_type": "enterprise_ca", "certificate": pem(&root)}),
        )
        .await;
    assert_eq!(
        reply.status,
        201,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    let reply = r
        .app
        .post_json(
            "/api/v1/trust/crls",
            Some(&r.platform),
            &json!({"crl": crl(&root, &k)}),
        )
        .await;
    assert_eq!(
        reply.status,
        201,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    let leaf = cert(&name("Policy Leaf"), &key(), &n, &k, Some(A), 2);
    (r, leaf)
}

async fn validate(r: &Registry, leaf: &X509, extra: Value) -> Value {
    let mut body = json!({"certificate": pem(leaf), "purpose": "signing", "league": "LZH"});
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        b.extend(e.clone());
    }
    let reply = r
        .app
        .post_json("/api/v1/trust/validate", Some(&r.platform), &body)
        .await;
    assert_eq!(
        reply.status,
        200,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    reply.json()
}

async fn put(r: &Registry, token: Option<&str>, body: Value) -> Reply {
    r.app
        .put_json(&format!("{PATH}/enterprise_ca"), token, &body)
        .await
}

async fn listed(r: &Registry) -> Value {
    let reply = r.app.get(PATH, Some(&r.platform)).await;
    assert_eq!(
        reply.status,
        200,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    reply.json()
}

fn indication(report: &Value) -> &str {
    report["indication"].as_str().unwrap_or_default()
}

#[actix_web::test]
async fn a_league_requirement_applies_to_its_decisions_and_cannot_be_loosened() {
    let (r, leaf) = setup().await;
    let report = validate(&r, &leaf, json!({})).await;
    assert_eq!(indication(&report), "PASSED", "{report:#}");

    // LZH requires policy B, explicitly: the leaf (policy A) no longer passes.
    let reply = put(
        &r,
        Some(&r.platform),
        json!({"initial_policies": [B], "explicit_policy": true, "reason": "LZH CA profile"}),
    )
    .await;
    assert_eq!(
        reply.status,
        200,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    let items = listed(&r).await;
    assert_eq!(
        items["items"][0]["initial_policies"],
        json!([B]),
        "{items:#}"
    );
    assert_eq!(items["items"][0]["service_type"], "enterprise_ca");
    let report = validate(&r, &leaf, json!({})).await;
    assert_ne!(indication(&report), "PASSED", "{report:#}");
    assert_eq!(
        report["sub_indication"], "CHAIN_CONSTRAINTS_FAILURE",
        "{report:#}"
    );
    assert!(
        report.to_string().to_lowercase().contains("polic"),
        "{report:#}"
    );
    // A request cannot loosen it: neither by asking for A (nothing in
    // common with B), nor by asking for nothing explicit.
    for loose in [
        json!({"policies": {"initial_policies": [A], "explicit_policy": false}}),
        json!({"policies": {"initial_policies": [], "explicit_policy": false}}),
    ] {
        let report = validate(&r, &leaf, loose.clone()).await;
        assert_ne!(indication(&report), "PASSED", "{loose} {report:#}");
    }

    // LZH's own operator sets A: the leaf passes again.
    let lzh = r
        .app
        .user_custom("LZH运维", &[Role::Operator], "LZH", None, None);
    let reply = put(
        &r,
        Some(&lzh),
        json!({"initial_policies": [A], "explicit_policy": true, "reason": "profile revised"}),
    )
    .await;
    assert_eq!(
        reply.status,
        200,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    let report = validate(&r, &leaf, json!({})).await;
    assert_eq!(indication(&report), "PASSED", "{report:#}");
    // A request asking for B as well as the requirement's A has nothing
    // in common with it and cannot pass.
    let report = validate(&r, &leaf, json!({"policies": {"initial_policies": [B]}})).await;
    assert_ne!(indication(&report), "PASSED", "{report:#}");

    // Both changes are in the audit log.
    let events = r
        .app
        .get(
            "/api/v1/audit/events?action=trust.policy_requirement.set",
            Some(&r.platform),
        )
        .await
        .json();
    assert_eq!(events["items"].as_array().unwrap().len(), 2, "{events:#}");

    // All defaults removes the requirement.
    let reply = put(&r, Some(&lzh), json!({"reason": "no longer required"})).await;
    assert_eq!(
        reply.status,
        200,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    assert_eq!(listed(&r).await["items"], json!([]));
}

#[actix_web::test]
async fn refusals_change_nothing() {
    let (r, leaf) = setup().await;
    let reply = put(
        &r,
        Some(&r.platform),
        json!({"initial_policies": [A], "explicit_policy": true, "reason": "profile"}),
    )
    .await;
    assert_eq!(
        reply.status,
        200,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    let tenderer = r.app.user("采购科", Role::Tenderer, "LZH", "柳州市教育局");
    let before = listed(&r).await;
    let counts = r.app.snapshot();
    let tighter = json!({"initial_policies": [B], "explicit_policy": true, "reason": "x"});
    // NNG's operator for LZH, a tenderer, nobody.
    assert_eq!(
        put(&r, Some(&r.operator), tighter.clone()).await.status,
        403
    );
    assert_eq!(put(&r, Some(&tenderer), tighter.clone()).await.status, 403);
    assert_eq!(put(&r, None, tighter.clone()).await.status, 401);
    assert_eq!(r.app.get(PATH, None).await.status, 401);
    // A bad OID, no reason, an unknown league or service type.
    let bad = put(
        &r,
        Some(&r.platform),
        json!({"initial_policies": ["not.an.oid"], "reason": "x"}),
    )
    .await;
    assert_eq!(bad.status, 422, "{}", String::from_utf8_lossy(&bad.body));
    let no_reason = put(&r, Some(&r.platform), json!({"initial_policies": [B]})).await;
    assert_eq!(
        no_reason.status,
        422,
        "{}",
        String::from_utf8_lossy(&no_reason.body)
    );
    let unknown = r
        .app
        .put_json(
            "/api/v1/trust/leagues/LZH/policy-requirements/nothing",
            Some(&r.platform),
            &tighter,
        )
        .await;
    assert_eq!(
        unknown.status,
        404,
        "{}",
        String::from_utf8_lossy(&unknown.body)
    );
    let no_league = r
        .app
        .get(
            "/api/v1/trust/leagues/XYZ/policy-requirements",
            Some(&r.platform),
        )
        .await;
    assert_eq!(
        no_league.status,
        404,
        "{}",
        String::from_utf8_lossy(&no_league.body)
    );
    assert_eq!(listed(&r).await, before);
    assert_eq!(r.app.snapshot(), counts);
    let report = validate(&r, &leaf, json!({})).await;
    assert_eq!(indication(&report), "PASSED", "{report:#}");
}

#[actix_web::test]
async fn the_routes_are_in_the_openapi_document() {
    let r = Registry::new().await;
    let doc = r.app.get("/api/openapi.json", None).await.json();
    let paths = &doc["paths"];
    let list = &paths["/api/v1/trust/leagues/{league}/policy-requirements"]["get"];
    let set = &paths["/api/v1/trust/leagues/{league}/policy-requirements/{service_type}"]["put"];
    assert!(list.is_object(), "{paths:#}");
    for status in ["401", "403", "404", "422"] {
        assert!(set["responses"][status].is_object(), "{set:#}");
    }
}
