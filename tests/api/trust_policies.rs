//! A league's certificate-policy requirements per trust service type
//! (issue 18): set through the API by the league's operators, applied by
//! the registry to every decision for the league, and never loosened by a
//! request's own policy inputs.

use crate::helpers::Reply;
use crate::testcerts::{self, Kind, cert, crl, key, pem};
use crate::trust::Registry;
use ggzy::identity::Role;
use openssl::x509::{X509, X509Name};
use serde_json::{Value, json};

const A: &str = "2.16.156.112554.1.1";
const B: &str = "2.16.156.112554.1.2";
const PATH: &str = "/api/v1/trust/leagues/LZH/policy-requirements";

fn name(cn: &str) -> X509Name {
    testcerts::name("Policy Test", cn)
}

/// A root registered as LZH's enterprise CA, and a leaf under it with policy A.
async fn setup() -> (Registry, X509) {
    let r = Registry::new().await;
    let k = key();
    let n = name("Policy Root");
    let root = cert(&n, &k, &n, &k, Kind::Ca, 1);
    let (status, body) = r.register("LZH", "enterprise_ca", &pem(&root), None).await;
    assert_eq!(status, 201, "{body}");
    let reply = r
        .app
        .post_json(
            "/api/v1/trust/crls",
            Some(&r.platform),
            &json!({"crl": crl(&root, &k)}),
        )
        .await;
    reply.assert_status(201);
    let leaf = cert(
        &name("Policy Leaf"),
        &key(),
        &n,
        &k,
        Kind::LeafWithPolicy(A),
        2,
    );
    (r, leaf)
}

async fn validate(r: &Registry, leaf: &X509, extra: Value) -> Value {
    let reply = r.validate_pem(&pem(leaf), "LZH", extra).await;
    reply.assert_status(200);
    reply.json()
}

async fn put(r: &Registry, token: Option<&str>, body: Value) -> Reply {
    r.app
        .put_json(&format!("{PATH}/enterprise_ca"), token, &body)
        .await
}

async fn listed(r: &Registry) -> Value {
    let reply = r.app.get(PATH, Some(&r.platform)).await;
    reply.assert_status(200);
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
    reply.assert_status(200);
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
    reply.assert_status(200);
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
    reply.assert_status(200);
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
    reply.assert_status(200);
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
    bad.assert_status(422);
    let no_reason = put(&r, Some(&r.platform), json!({"initial_policies": [B]})).await;
    no_reason.assert_status(422);
    let unknown = r
        .app
        .put_json(
            "/api/v1/trust/leagues/LZH/policy-requirements/nothing",
            Some(&r.platform),
            &tighter,
        )
        .await;
    unknown.assert_status(404);
    let no_league = r
        .app
        .get(
            "/api/v1/trust/leagues/XYZ/policy-requirements",
            Some(&r.platform),
        )
        .await;
    no_league.assert_status(404);
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
