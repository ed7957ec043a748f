//! Attempts to poison the trust registry, against the real server: altered
//! copies of a league's CA certificate (one bit of the serial or of the
//! issuer name flipped) registered under another league, or stored behind
//! the registry's back; CAs whose signatures do not verify; intermediates
//! without their issuer; leaves posing as CAs; a withdrawal that must take
//! effect at once on every node's cache; and league operators reaching into
//! another league's registry. The certificates come from the `openssl`
//! command line; the bit flips are made on its DER output.

use crate::fabric::{League, openssl};
use crate::trust::{Registry, credit};
use diesel::RunQueryDsl;
use ggzy::clock::Clock;
use ggzy::identity::Role;
use ggzy::pki::policy::Purpose;
use ggzy::trust::model::ServiceType;
use serde_json::{Value, json};

/// The DER of `file` of `league`, by `openssl x509`.
fn der_of(league: &League, file: &str) -> Vec<u8> {
    openssl(&league.dir, &["x509", "-in", file, "-outform", "DER"])
}

fn position(haystack: &[u8], needle: &[u8]) -> usize {
    haystack
        .windows(needle.len())
        .position(|w| w == needle)
        .expect("needle in the certificate")
}

/// `file` with the lowest bit of the last byte of its serial number
/// flipped (the serial as `openssl x509 -serial` reports it), DER.
fn serial_flipped(league: &League, file: &str) -> Vec<u8> {
    let mut der = der_of(league, file);
    let out = openssl(&league.dir, &["x509", "-in", file, "-noout", "-serial"]);
    let hex = String::from_utf8(out).unwrap();
    let hex = hex.trim().trim_start_matches("serial=");
    let serial: Vec<u8> = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect();
    let at = position(&der, &serial) + serial.len() - 1;
    der[at] ^= 0x01;
    der
}

/// `file` with one bit flipped in its issuer name (the first occurrence of
/// `issuer_cn`, which the issuer name, coming before the subject, holds), DER.
fn issuer_flipped(league: &League, file: &str, issuer_cn: &str) -> Vec<u8> {
    let mut der = der_of(league, file);
    let at = position(&der, issuer_cn.as_bytes());
    der[at] ^= 0x01;
    der
}

fn b64(der: &[u8]) -> String {
    openssl::base64::encode_block(der)
}

async fn register(r: &Registry, token: &str, body: Value) -> (u16, Value) {
    let reply = r
        .app
        .post_json("/api/v1/trust/services", Some(token), &body)
        .await;
    let value = if reply.body.is_empty() {
        Value::Null
    } else {
        reply.json()
    };
    (reply.status, value)
}

/// Asserts a refusal of a registration as `trust-service-rejected`, with a
/// detail containing `says`.
fn assert_rejected((status, body): &(u16, Value), says: &str) {
    assert_eq!(*status, 422, "{body:#}");
    assert_eq!(body["code"], "trust-service-rejected", "{body:#}");
    assert_eq!(body["type"], "/problems/trust-service-rejected");
    let detail = body["detail"].as_str().unwrap();
    assert!(detail.contains(says), "{detail}");
}

/// Signs in with `league`'s certificate `name` (raw signature of a
/// challenge); (status, body).
async fn login(r: &Registry, league: &League, name: &str) -> (u16, Value) {
    let reply = r
        .app
        .post_json("/api/v1/auth/challenges", None, &json!({}))
        .await;
    assert_eq!(reply.status, 201);
    let c = reply.json();
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
    (reply.status, reply.json())
}

fn indication(report: &Value) -> &str {
    report["indication"].as_str().unwrap()
}

/// NNG's enterprises are accepted in NNG, and for sign-in (any league), and
/// an NNG enterprise signs in; `session` (an open session) still works.
async fn nng_still_works(r: &Registry, session: &str) {
    let own = r.validate(&r.nng, "builder.pem", Some("NNG"), None).await;
    assert_eq!(indication(&own), "PASSED", "{own:#}");
    assert_eq!(own["vouched_by"]["league"], "NNG");
    let any = r.validate(&r.nng, "builder.pem", None, None).await;
    assert_eq!(indication(&any), "PASSED", "{any:#}");
    let (status, body) = login(r, &r.nng, "builder").await;
    assert_eq!(status, 201, "{body:#}");
    assert_eq!(r.app.get("/api/v1/me", Some(session)).await.status, 200);
}

#[actix_web::test]
async fn altered_copies_of_a_leagues_ca_are_refused_whoever_registers_them() {
    let r = Registry::new().await;
    let (status, body) = login(&r, &r.nng, "builder").await;
    assert_eq!(status, 201, "{body:#}");
    let session = body["token"].as_str().unwrap().to_string();
    let before = r.app.snapshot();
    let serial = b64(&serial_flipped(&r.nng, "enterprise-ca.pem"));
    let issuer = b64(&issuer_flipped(
        &r.nng,
        "enterprise-ca.pem",
        "NNG Test Root CA",
    ));
    let root = r.nng.text("root.pem");
    // Under another league, alone: its issuer is not LZH's.
    for copy in [&serial, &issuer] {
        let body = json!({"league": "LZH", "service_type": "enterprise_ca", "certificate": copy});
        assert_rejected(&register(&r, &r.platform, body).await, "neither registered");
    }
    // With the real issuer supplied, or in NNG itself where the root is
    // listed: the signature does not verify.
    let with_root = json!({"league": "LZH", "service_type": "enterprise_ca",
                           "certificate": serial, "issuers": [root]});
    assert_rejected(&register(&r, &r.platform, with_root).await, "altered");
    let in_nng = json!({"league": "NNG", "service_type": "enterprise_ca", "certificate": serial});
    assert_rejected(&register(&r, &r.platform, in_nng).await, "altered");
    // Its issuer name altered, it names an issuer nobody lists.
    let in_nng = json!({"league": "NNG", "service_type": "enterprise_ca", "certificate": issuer});
    assert_rejected(
        &register(&r, &r.platform, in_nng).await,
        "neither registered",
    );
    assert_eq!(r.app.snapshot(), before, "refusals change nothing");
    nng_still_works(&r, &session).await;
}

#[actix_web::test]
async fn a_root_whose_signature_does_not_verify_is_refused() {
    let r = Registry::new().await;
    let before = r.app.snapshot();
    let serial = b64(&serial_flipped(&r.nng, "root.pem"));
    for league in ["LZH", "NNG"] {
        let body =
            json!({"league": league, "service_type": "enterprise_ca", "certificate": serial});
        assert_rejected(&register(&r, &r.platform, body).await, "its own key");
    }
    // A flip in its issuer name makes it no root: its issuer is unknown.
    let issuer = b64(&issuer_flipped(&r.nng, "root.pem", "NNG Test Root CA"));
    let body = json!({"league": "LZH", "service_type": "enterprise_ca", "certificate": issuer});
    assert_rejected(&register(&r, &r.platform, body).await, "neither registered");
    assert_eq!(r.app.snapshot(), before);
}

#[actix_web::test]
async fn an_altered_copy_stored_behind_the_registrys_back_changes_nothing() {
    let r = Registry::new().await;
    let (_, body) = login(&r, &r.nng, "builder").await;
    let session = body["token"].as_str().unwrap().to_string();
    // As if the checks at registration had been bypassed: both copies are
    // stored directly as granted LZH enterprise CAs, and the registry's
    // generation is bumped as a change would.
    let copies = [
        serial_flipped(&r.nng, "enterprise-ca.pem"),
        issuer_flipped(&r.nng, "enterprise-ca.pem", "NNG Test Root CA"),
        serial_flipped(&r.nng, "root.pem"),
    ];
    let now = r.app.now();
    r.app
        .db
        .write_blocking(|conn| {
            use diesel::ExpressionMethods;
            use ggzy::db::schema::{trust_service_statuses as st, trust_services as ts};
            for (i, der) in copies.iter().enumerate() {
                let id = uuid::Uuid::new_v4().to_string();
                let t = ggzy::db::to_db_time(now - chrono::Duration::hours(1));
                diesel::insert_into(ts::table)
                    .values((
                        ts::id.eq(&id),
                        ts::league_code.eq("LZH"),
                        ts::service_type.eq("enterprise_ca"),
                        ts::subject.eq(format!("altered copy {i}")),
                        ts::issuer.eq("altered"),
                        ts::sha256.eq(ggzy::identity::hex(&openssl::sha::sha256(der))),
                        ts::certificate.eq(der),
                        ts::self_signed.eq(i == 2),
                        ts::not_before.eq(t),
                        ts::not_after.eq(t + chrono::Duration::days(365)),
                        ts::crl_urls.eq("[]"),
                        ts::status.eq("granted"),
                        ts::created_at.eq(t),
                    ))
                    .execute(conn)?;
                diesel::insert_into(st::table)
                    .values((
                        st::service_id.eq(&id),
                        st::status.eq("granted"),
                        st::effective_from.eq(t),
                        st::reason.eq("stored behind the registry's back"),
                        st::recorded_at.eq(t),
                    ))
                    .execute(conn)?;
            }
            ggzy::trust::store::bump_generation(conn)
        })
        .unwrap();
    nng_still_works(&r, &session).await;
    // LZH's own decisions are not made by the copies either: an NNG
    // certificate is not vouched for by LZH.
    let there = r.validate(&r.nng, "builder.pem", Some("LZH"), None).await;
    assert_ne!(indication(&there), "PASSED", "{there:#}");
}

#[actix_web::test]
async fn an_intermediate_needs_its_issuer_registered_or_supplied() {
    let r = Registry::new().await;
    let dir = tempfile::tempdir().unwrap();
    let other = League::new(dir.path(), "XXX");
    other.enterprise("builder", "外省测试有限公司", &credit("91450300MA5T0009X"));
    let before = r.app.snapshot();
    let alone = json!({"league": "LZH", "service_type": "enterprise_ca",
                       "certificate": other.text("enterprise-ca.pem")});
    assert_rejected(
        &register(&r, &r.platform, alone).await,
        "neither registered",
    );
    // The wrong issuer supplied (same kind of name, another key) does not do.
    let wrong = json!({"league": "LZH", "service_type": "enterprise_ca",
                       "certificate": other.text("enterprise-ca.pem"),
                       "issuers": [r.lzh.text("root.pem")]});
    assert_rejected(
        &register(&r, &r.platform, wrong).await,
        "neither registered",
    );
    assert_eq!(r.app.snapshot(), before);
    let supplied = json!({"league": "LZH", "service_type": "enterprise_ca",
                          "certificate": other.text("enterprise-ca.pem"),
                          "issuers": [other.text("root.pem")]});
    let (status, body) = register(&r, &r.platform, supplied).await;
    assert_eq!(status, 201, "{body:#}");
    let reply = r
        .app
        .post_json(
            "/api/v1/trust/crls",
            Some(&r.platform),
            &json!({"crl": other.crl("enterprise-ca")}),
        )
        .await;
    assert_eq!(reply.status, 201, "{:#}", reply.json());
    let report = r.validate(&other, "builder.pem", Some("LZH"), None).await;
    assert_eq!(indication(&report), "PASSED", "{report:#}");
    assert_eq!(report["vouched_by"]["league"], "LZH");
    // NNG lists nothing of it, and so accepts nothing of it.
    let report = r.validate(&other, "builder.pem", Some("NNG"), None).await;
    assert_ne!(indication(&report), "PASSED", "{report:#}");
    let says = report["checks"].as_array().unwrap().iter().any(|c| {
        c["detail"]
            .as_str()
            .unwrap()
            .contains("listed by league LZH")
    });
    assert!(says, "{report:#}");
}

#[actix_web::test]
async fn a_certificate_that_is_no_ca_is_refused_as_a_ca_service() {
    let r = Registry::new().await;
    // A CA certificate without keyCertSign, by the openssl command line.
    std::fs::write(
        r.nng.dir.join("nosign.ext"),
        "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,digitalSignature\n",
    )
    .unwrap();
    r.nng.issue(
        "nosign-ca",
        "/C=CN/O=NNG Test Centre/CN=NNG Test No-Sign CA",
        "root",
        "nosign.ext",
    );
    let before = r.app.snapshot();
    for ty in ["enterprise_ca", "personal_ca"] {
        let leaf = json!({"league": "NNG", "service_type": ty,
                          "certificate": r.nng.text("builder.pem")});
        assert_rejected(&register(&r, &r.platform, leaf).await, "cA=TRUE");
        let nosign = json!({"league": "NNG", "service_type": ty,
                            "certificate": r.nng.text("nosign-ca.pem")});
        assert_rejected(&register(&r, &r.platform, nosign).await, "keyCertSign");
    }
    assert_eq!(r.app.snapshot(), before);
}

#[actix_web::test]
async fn a_withdrawal_takes_effect_at_once_on_every_nodes_cache() {
    let r = Registry::new().await;
    // Another node's cache over the same database.
    let other_node = ggzy::trust::registry::TrustCache::default();
    let builder = r.nng.text("builder.pem").into_bytes();
    let types = [ServiceType::EnterpriseCa];
    let check = |snapshot: &ggzy::trust::registry::Snapshot| {
        snapshot
            .check(&builder, Purpose::Signing, &types, None, r.app.clock.now())
            .passed()
    };
    let snapshot = other_node.get(&r.app.db, r.app.now()).await.unwrap();
    assert!(check(&snapshot));
    let (_, body) = login(&r, &r.nng, "builder").await;
    let session = body["token"].as_str().unwrap().to_string();
    let ca = r.service_id("NNG", "enterprise-ca").await;
    let reply = r
        .app
        .post_json(
            &format!("/api/v1/trust/services/{ca}/status"),
            Some(&r.operator),
            &json!({"status": "withdrawn", "reason": "密钥泄露"}),
        )
        .await;
    assert_eq!(reply.status, 200, "{:#}", reply.json());
    // At once, here ...
    let report = r.validate(&r.nng, "builder.pem", Some("NNG"), None).await;
    assert_eq!(indication(&report), "INDETERMINATE", "{report:#}");
    let (status, body) = login(&r, &r.nng, "builder").await;
    assert_eq!(status, 401, "{body:#}");
    let refused = r.app.get("/api/v1/me", Some(&session)).await;
    refused.assert_problem(401, "unauthenticated");
    // ... and on the other node, which notices the registry's generation.
    let snapshot = other_node.get(&r.app.db, r.app.now()).await.unwrap();
    assert!(!check(&snapshot));
}

#[actix_web::test]
async fn a_league_operator_changes_only_its_own_leagues_registry() {
    let r = Registry::new().await;
    let lzh_operator = r
        .app
        .user_custom("柳州运维", &[Role::Operator], "LZH", None, None);
    let nng_ca = r.service_id("NNG", "enterprise-ca").await;
    // An agreement of NNG's, made by the platform operator.
    let reply = r
        .app
        .post_json(
            "/api/v1/trust/recognitions",
            Some(&r.platform),
            &json!({"league": "NNG", "recognised_league": "LZH", "service_type": "personal_ca"}),
        )
        .await;
    assert_eq!(reply.status, 201, "{:#}", reply.json());
    let agreement = reply.json()["id"].as_str().unwrap().to_string();
    r.nng.revoke("builder", "enterprise-ca");
    let nng_crl = r.nng.crl("enterprise-ca");
    let dir = tempfile::tempdir().unwrap();
    let other = League::new(dir.path(), "XXX");
    let before = r.app.snapshot();
    let refusals: Vec<(String, Value)> = vec![
        (
            "/api/v1/trust/services".to_string(),
            json!({"league": "NNG", "service_type": "enterprise_ca",
                   "certificate": other.text("root.pem")}),
        ),
        (
            format!("/api/v1/trust/services/{nng_ca}/status"),
            json!({"status": "suspended", "reason": "越权"}),
        ),
        ("/api/v1/trust/crls".to_string(), json!({"crl": nng_crl})),
        (
            "/api/v1/trust/recognitions".to_string(),
            json!({"league": "NNG", "recognised_league": "LZH", "service_type": "enterprise_ca"}),
        ),
        (
            format!("/api/v1/trust/recognitions/{agreement}/end"),
            json!({"reason": "越权"}),
        ),
    ];
    for (path, body) in &refusals {
        let reply = r.app.post_json(path, Some(&lzh_operator), body).await;
        let problem = reply.assert_problem(403, "forbidden");
        assert!(
            problem["detail"].as_str().unwrap().contains("league LZH"),
            "{path}: {problem:#}"
        );
    }
    let reply = r
        .app
        .put_json(
            &format!("/api/v1/trust/services/{nng_ca}/revocation"),
            Some(&lzh_operator),
            &json!({"ocsp_url": "http://ocsp.example/"}),
        )
        .await;
    reply.assert_problem(403, "forbidden");
    assert_eq!(r.app.snapshot(), before, "refusals change nothing");
    // A new trust anchor, even in its own league, is the platform's to
    // admit: a league operator with its own root could issue itself any
    // account's certificate (and be believed wherever LZH is recognised).
    let before = r.app.snapshot();
    for body in [
        json!({"league": "LZH", "service_type": "enterprise_ca",
               "certificate": other.text("root.pem")}),
        json!({"league": "LZH", "service_type": "enterprise_ca",
               "certificate": other.text("enterprise-ca.pem"),
               "issuers": [other.text("root.pem")]}),
    ] {
        let (status, body) = register(&r, &lzh_operator, body).await;
        assert_eq!(status, 403, "{body:#}");
        assert!(
            body["detail"]
                .as_str()
                .unwrap()
                .contains("platform operator"),
            "{body:#}"
        );
    }
    assert_eq!(r.app.snapshot(), before, "refusals change nothing");
    let (status, body) = register(
        &r,
        &r.platform,
        json!({"league": "LZH", "service_type": "enterprise_ca",
               "certificate": other.text("root.pem")}),
    )
    .await;
    assert_eq!(status, 201, "{body:#}");
    // Under the root the platform admitted, its own league's CA it adds.
    let (status, body) = register(
        &r,
        &lzh_operator,
        json!({"league": "LZH", "service_type": "enterprise_ca",
               "certificate": other.text("enterprise-ca.pem")}),
    )
    .await;
    assert_eq!(status, 201, "{body:#}");
    let reply = r
        .app
        .post_json(
            "/api/v1/trust/recognitions",
            Some(&lzh_operator),
            &json!({"league": "LZH", "recognised_league": "NNG", "service_type": "enterprise_ca"}),
        )
        .await;
    assert_eq!(reply.status, 201, "{:#}", reply.json());
    let reply = r
        .app
        .post_json(
            "/api/v1/trust/crls",
            Some(&r.operator),
            &json!({"crl": nng_crl}),
        )
        .await;
    assert_eq!(reply.status, 201, "{:#}", reply.json());
    let reply = r
        .app
        .post_json(
            &format!("/api/v1/trust/recognitions/{agreement}/end"),
            Some(&r.operator),
            &json!({"reason": "到期"}),
        )
        .await;
    assert_eq!(reply.status, 200, "{:#}", reply.json());
}
