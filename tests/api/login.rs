//! Certificate login: signed challenges (raw and CMS, made by the openssl
//! command line), mutual TLS (spoken by curl) and a trusted proxy's
//! forwarded certificate, all yielding the same kind of session, bound to
//! the certificate, expiring and revocable.

use crate::fabric::{League, openssl};
use crate::helpers::Options;
use crate::trust::{Registry, credit, resident};
use ggzy::audit::AuditContext;
use ggzy::identity::Role;
use serde_json::{Value, json};
use std::process::Command;

async fn challenge(r: &Registry) -> (String, String) {
    let reply = r
        .app
        .post_json("/api/v1/auth/challenges", None, &json!({}))
        .await;
    assert_eq!(reply.status, 201);
    let c = reply.json();
    (
        c["id"].as_str().unwrap().to_string(),
        c["challenge"].as_str().unwrap().to_string(),
    )
}

async fn login(r: &Registry, league: &League, name: &str, format: &str) -> (u16, Value) {
    let (id, text) = challenge(r).await;
    let signature = match format {
        "raw" => league.sign_raw(name, &text),
        "cms-detached" => league.sign_cms(name, &text, true),
        _ => league.sign_cms(name, &text, false),
    };
    let reply = r
        .app
        .post_json(
            "/api/v1/auth/login",
            None,
            &json!({
                "challenge_id": id,
                "certificate": league.text(&format!("{name}.pem")),
                "signature": signature,
                "format": if format == "raw" { "raw" } else { "cms" },
            }),
        )
        .await;
    (reply.status, reply.json())
}

/// Enrols a person account named 张三 (as `ggzy users add --id-number` does).
fn enrol_person(r: &Registry, roles: &[Role], id_number: &str) {
    enrol_person_named(r, "张三", roles, id_number);
}

/// Enrols a person account of league NNG called `name`; returns its id.
pub fn enrol_person_named(r: &Registry, name: &str, roles: &[Role], id_number: &str) -> String {
    enrol_person_in(r, "NNG", name, roles, id_number)
}

/// The same, for an account of `league`.
pub fn enrol_person_in(
    r: &Registry,
    league: &str,
    name: &str,
    roles: &[Role],
    id_number: &str,
) -> String {
    let ctx = AuditContext::system(r.app.now());
    let id = ggzy::types::ResidentId::parse(id_number).unwrap();
    let league = ggzy::types::LeagueCode::parse(league).unwrap();
    r.app
        .db
        .write_blocking(|conn| {
            let user = ggzy::identity::store::insert_user(
                conn,
                &ctx,
                &ggzy::identity::store::NewUser {
                    name,
                    roles,
                    league: Some(&league),
                    organisation: None,
                },
            )?;
            ggzy::identity::sessions::bind_certificate_identities(
                conn,
                &ctx,
                &user,
                roles,
                None,
                Some(&id),
            )?;
            Ok(user)
        })
        .unwrap()
        .as_str()
        .to_string()
}

#[actix_web::test]
async fn an_enterprise_signs_a_challenge_and_gets_a_bidder_session() {
    let r = Registry::new().await;
    for format in ["raw", "cms-attached", "cms-detached"] {
        let (status, body) = login(&r, &r.nng, "builder", format).await;
        assert_eq!(status, 201, "{format}: {body:#}");
        assert_eq!(body["principal"]["roles"], json!(["bidder"]));
        assert_eq!(body["identity"]["kind"], "enterprise");
        assert_eq!(body["identity"]["credit_code"], credit("91450100MA5T0001A"));
        assert_eq!(body["session"]["method"], "challenge");
        let token = body["token"].as_str().unwrap();
        let me = r.app.get("/api/v1/me", Some(token)).await.json();
        assert_eq!(me["roles"], json!(["bidder"]));
        assert!(me["organisation"].is_string());
    }
    // One organisation and one account however many logins.
    assert_eq!(r.app.count("user_identities"), 1);
    let events = r
        .app
        .get(
            "/api/v1/audit/events?action=user.enrol_by_certificate",
            Some(&r.platform),
        )
        .await
        .json();
    assert_eq!(events["items"].as_array().unwrap().len(), 1);
    let opened = r
        .app
        .get(
            "/api/v1/audit/events?action=session.open",
            Some(&r.platform),
        )
        .await
        .json();
    assert_eq!(opened["items"].as_array().unwrap().len(), 3);
}

#[actix_web::test]
async fn a_replayed_challenge_and_bad_signatures_are_refused_and_change_nothing() {
    let r = Registry::new().await;
    let (id, text) = challenge(&r).await;
    let body = json!({
        "challenge_id": id,
        "certificate": r.nng.text("builder.pem"),
        "signature": r.nng.sign_raw("builder", &text),
        "format": "raw",
    });
    let first = r.app.post_json("/api/v1/auth/login", None, &body).await;
    assert_eq!(first.status, 201);
    let before = r.app.snapshot();
    let replay = r.app.post_json("/api/v1/auth/login", None, &body).await;
    let problem = replay.assert_problem(401, "unauthenticated");
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("already been used")
    );
    // Said why, for the page to say it in the user's language.
    assert_eq!(problem["reason"], "signin.challenge-used", "{problem:#}");
    // A signature by another key, over another text, or garbage.
    let (id, text) = challenge(&r).await;
    for (signature, cert) in [
        (r.nng.sign_raw("revoked", &text), "builder.pem"),
        (r.nng.sign_raw("builder", "something else"), "builder.pem"),
        ("AAAA".to_string(), "builder.pem"),
    ] {
        let reply = r
            .app
            .post_json(
                "/api/v1/auth/login",
                None,
                &json!({"challenge_id": id, "certificate": r.nng.text(cert),
                        "signature": signature, "format": "raw"}),
            )
            .await;
        let problem = reply.assert_problem(401, "certificate-rejected");
        assert_eq!(problem["reason"], "signin.signature-invalid", "{problem:#}");
    }
    // A revoked certificate, properly signed.
    let (status, body) = login(&r, &r.nng, "revoked", "raw").await;
    assert_eq!(status, 401, "{body:#}");
    assert_eq!(body["code"], "certificate-rejected");
    assert!(
        body["detail"].as_str().unwrap().contains("Revoked"),
        "{body:#}"
    );
    // With its cause, as a code the page translates, and the failed checks.
    assert_eq!(body["reason"], "signin.certificate-invalid", "{body:#}");
    assert_eq!(body["params"]["cause"], "REVOKED", "{body:#}");
    assert!(body["params"]["checks"].is_array(), "{body:#}");
    // A certificate from a CA nobody registered.
    let dir = tempfile::tempdir().unwrap();
    let stranger = League::new(dir.path(), "XXX");
    stranger.enterprise("builder", "陌生公司", &credit("91450100MA5T0003C"));
    let (status, _) = login(&r, &stranger, "builder", "raw").await;
    assert_eq!(status, 401);
    // Unknown or malformed challenge ids.
    let reply = r
        .app
        .post_json(
            "/api/v1/auth/login",
            None,
            &json!({"challenge_id": "nope", "certificate": r.nng.text("builder.pem"),
                    "signature": "AAAA", "format": "raw"}),
        )
        .await;
    let problem = reply.assert_problem(401, "unauthenticated");
    assert_eq!(problem["reason"], "signin.challenge-unknown", "{problem:#}");
    assert_eq!(r.app.snapshot(), before);
}

#[actix_web::test]
async fn persons_must_be_enrolled_and_get_only_person_roles() {
    let r = Registry::new().await;
    let (status, body) = login(&r, &r.nng, "expert", "raw").await;
    assert_eq!(status, 403, "{body:#}");
    enrol_person(
        &r,
        &[Role::Expert, Role::Bidder],
        &resident("45010219800101123"),
    );
    let (status, body) = login(&r, &r.nng, "expert", "cms-attached").await;
    assert_eq!(status, 201, "{body:#}");
    // The bidder role is not for a personal certificate.
    assert_eq!(body["principal"]["roles"], json!(["expert"]));
    assert_eq!(body["identity"]["kind"], "person");
}

#[actix_web::test]
async fn sessions_expire_and_can_be_ended_or_revoked() {
    let r = Registry::with(Options {
        session_minutes: Some(30),
        ..Options::default()
    })
    .await;
    let (_, a) = login(&r, &r.nng, "builder", "raw").await;
    let (_, b) = login(&r, &r.nng, "builder", "raw").await;
    let (_, c) = login(&r, &r.nng, "builder", "raw").await;
    let (ta, tb, tc) = (
        a["token"].as_str().unwrap(),
        b["token"].as_str().unwrap(),
        c["token"].as_str().unwrap(),
    );
    let list = r.app.get("/api/v1/auth/sessions", Some(ta)).await.json();
    assert_eq!(list["items"].as_array().unwrap().len(), 3);
    // Logout ends this session only.
    let reply = r
        .app
        .client
        .delete(r.app.url("/api/v1/auth/session"))
        .insert_header(("Authorization", format!("Bearer {ta}")))
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status().as_u16(), 200);
    r.app
        .get("/api/v1/me", Some(ta))
        .await
        .assert_problem(401, "unauthenticated");
    assert_eq!(r.app.get("/api/v1/me", Some(tb)).await.status, 200);
    // An operator revokes another; someone else's session is not found.
    let other = r.app.user("另一个投标人", Role::Bidder, "NNG", "别的公司");
    let id_b = b["session"]["id"].as_str().unwrap();
    r.app
        .post_json(
            &format!("/api/v1/auth/sessions/{id_b}/revoke"),
            Some(&other),
            &json!({}),
        )
        .await
        .assert_problem(404, "not-found");
    let reply = r
        .app
        .post_json(
            &format!("/api/v1/auth/sessions/{id_b}/revoke"),
            Some(&r.operator),
            &json!({}),
        )
        .await;
    assert_eq!(reply.status, 200);
    r.app
        .get("/api/v1/me", Some(tb))
        .await
        .assert_problem(401, "unauthenticated");
    // The last one expires.
    assert_eq!(r.app.get("/api/v1/me", Some(tc)).await.status, 200);
    r.app.clock.advance(chrono::Duration::minutes(31));
    r.app
        .get("/api/v1/me", Some(tc))
        .await
        .assert_problem(401, "unauthenticated");
}

/// A TLS server certificate for 127.0.0.1, made by the openssl CLI.
fn server_cert(dir: &std::path::Path) -> (std::path::PathBuf, std::path::PathBuf) {
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            "server.key",
            "-out",
            "server.pem",
            "-subj",
            "/CN=127.0.0.1",
            "-days",
            "2",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
        ],
    );
    (dir.join("server.pem"), dir.join("server.key"))
}

/// curl over TLS, optionally with a client certificate; (status, body).
fn curl(
    base: &str,
    ca: &std::path::Path,
    method: &str,
    path: &str,
    client: Option<(&League, &str)>,
    token: Option<&str>,
) -> (u16, Value) {
    let mut cmd = Command::new("curl");
    cmd.args(["-s", "-w", "\n%{http_code}", "--cacert"])
        .arg(ca)
        .args(["-X", method]);
    if let Some((league, name)) = client {
        cmd.args(["--cert", &league.path(&format!("{name}.pem"))])
            .args(["--key", &league.path(&format!("{name}.key"))]);
    }
    if let Some(token) = token {
        cmd.args(["-H", &format!("Authorization: Bearer {token}")]);
    }
    cmd.arg(format!("{base}{path}"));
    let out = cmd.output().expect("run curl");
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let (body, code) = text.rsplit_once('\n').expect("curl output");
    (
        code.trim().parse().unwrap_or(0),
        serde_json::from_str(body).unwrap_or(Value::Null),
    )
}

#[actix_web::test]
async fn mutual_tls_opens_a_session_usable_only_with_the_same_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let tls = server_cert(dir.path());
    let ca = tls.0.clone();
    let r = Registry::with(Options {
        tls: Some(tls),
        ..Options::default()
    })
    .await;
    r.nng.enterprise(
        "other",
        "广西另一测试有限公司",
        &credit("91450100MA5T0004D"),
    );
    let base = r.app.base.clone();
    let (status, body) = actix_web::rt::task::spawn_blocking({
        let (base, ca, dir) = (base.clone(), ca.clone(), r.nng.dir.clone());
        move || {
            let league = League {
                dir,
                code: "NNG".into(),
            };
            curl(
                &base,
                &ca,
                "POST",
                "/api/v1/auth/mtls",
                Some((&league, "builder")),
                None,
            )
        }
    })
    .await
    .unwrap();
    assert_eq!(status, 201, "{body:#}");
    assert_eq!(body["session"]["method"], "mtls");
    assert_eq!(body["principal"]["roles"], json!(["bidder"]));
    let token = body["token"].as_str().unwrap().to_string();
    let results = actix_web::rt::task::spawn_blocking({
        let (base, ca, dir) = (base.clone(), ca.clone(), r.nng.dir.clone());
        move || {
            let league = League {
                dir,
                code: "NNG".into(),
            };
            [
                curl(
                    &base,
                    &ca,
                    "GET",
                    "/api/v1/me",
                    Some((&league, "builder")),
                    Some(&token),
                ),
                curl(&base, &ca, "GET", "/api/v1/me", None, Some(&token)),
                curl(
                    &base,
                    &ca,
                    "GET",
                    "/api/v1/me",
                    Some((&league, "other")),
                    Some(&token),
                ),
                curl(&base, &ca, "POST", "/api/v1/auth/mtls", None, None),
                curl(
                    &base,
                    &ca,
                    "POST",
                    "/api/v1/auth/mtls",
                    Some((&league, "revoked")),
                    None,
                ),
            ]
        }
    })
    .await
    .unwrap();
    assert_eq!(
        results[0].0, 200,
        "the same certificate: {:#}",
        results[0].1
    );
    assert_eq!(results[0].1["roles"], json!(["bidder"]));
    assert_eq!(results[1].0, 401, "no certificate");
    assert_eq!(results[2].0, 401, "another certificate");
    assert_eq!(results[3].0, 401, "no certificate to log in with");
    assert_eq!(results[4].0, 401, "revoked: {:#}", results[4].1);
    assert_eq!(results[4].1["code"], "certificate-rejected");
}

#[actix_web::test]
async fn a_certificate_forwarded_by_a_trusted_proxy_only() {
    let pem = |r: &Registry| {
        r.nng
            .text("builder.pem")
            .bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' => (b as char).to_string(),
                _ => format!("%{b:02X}"),
            })
            .collect::<String>()
    };
    // Not configured: the header is ignored.
    let r = Registry::new().await;
    let reply = r
        .app
        .client
        .post(r.app.url("/api/v1/auth/mtls"))
        .insert_header(("X-Client-Cert", pem(&r)))
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status().as_u16(), 401);
    // Configured to believe 127.0.0.1.
    let r = Registry::with(Options {
        trusted_proxies: Some("127.0.0.1".into()),
        ..Options::default()
    })
    .await;
    let mut reply = r
        .app
        .client
        .post(r.app.url("/api/v1/auth/mtls"))
        .insert_header(("X-Client-Cert", pem(&r)))
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status().as_u16(), 201);
    let body: Value = reply.json().await.unwrap();
    assert_eq!(body["session"]["method"], "proxy");
    let token = body["token"].as_str().unwrap();
    // Later requests must come with the same forwarded certificate.
    r.app
        .get("/api/v1/me", Some(token))
        .await
        .assert_problem(401, "unauthenticated");
    let reply = r
        .app
        .client
        .get(r.app.url("/api/v1/me"))
        .insert_header(("X-Client-Cert", pem(&r)))
        .insert_header(("Authorization", format!("Bearer {token}")))
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status().as_u16(), 200);
}

#[actix_web::test]
async fn another_leagues_certificate_for_the_same_identity_is_refused_until_recognised() {
    let r = Registry::new().await;
    // Both fabrics issued a personal certificate naming the same ID number;
    // the account is NNG's.
    enrol_person(&r, &[Role::Operator], &resident("45010219800101123"));
    let before = r.app.snapshot();
    let (status, body) = login(&r, &r.lzh, "expert", "raw").await;
    assert_eq!(status, 401, "{body:#}");
    assert_eq!(body["code"], "certificate-rejected");
    assert!(
        body["detail"].as_str().unwrap().contains("league NNG"),
        "{body:#}"
    );
    assert_eq!(r.app.snapshot(), before);
    // Once NNG recognises LZH's personal CAs, it signs in.
    let reply = r
        .app
        .post_json(
            "/api/v1/trust/recognitions",
            Some(&r.operator),
            &json!({"league": "NNG", "recognised_league": "LZH", "service_type": "personal_ca",
                    "effective_from": (r.app.now() - chrono::Duration::minutes(1)).to_rfc3339()}),
        )
        .await;
    assert_eq!(reply.status, 201);
    let (status, body) = login(&r, &r.lzh, "expert", "raw").await;
    assert_eq!(status, 201, "{body:#}");
    assert_eq!(body["principal"]["roles"], json!(["operator"]));
}

#[actix_web::test]
async fn a_session_stops_when_its_certificate_is_revoked_or_its_ca_suspended() {
    let r = Registry::new().await;
    let (_, body) = login(&r, &r.nng, "builder", "raw").await;
    let token = body["token"].as_str().unwrap().to_string();
    assert_eq!(r.app.get("/api/v1/me", Some(&token)).await.status, 200);
    // The CA revokes the certificate; the new CRL is loaded.
    r.nng.revoke("builder", "enterprise-ca");
    let reply = r
        .app
        .post_json(
            "/api/v1/trust/crls",
            Some(&r.operator),
            &json!({ "crl": r.nng.crl("enterprise-ca") }),
        )
        .await;
    assert_eq!(reply.status, 201);
    let refused = r.app.get("/api/v1/me", Some(&token)).await;
    let problem = refused.assert_problem(401, "unauthenticated");
    assert!(
        problem["detail"].as_str().unwrap().contains("Revoked"),
        "{problem:#}"
    );
    // An LZH enterprise: its CA suspended, the session stops too.
    r.lzh
        .enterprise("lzh-only", "柳州测试有限公司", &credit("91450200MA5T0005E"));
    let (_, body) = login(&r, &r.lzh, "lzh-only", "raw").await;
    let token = body["token"].as_str().unwrap().to_string();
    let ca = r.service_id("LZH", "enterprise-ca").await;
    let reply = r
        .app
        .post_json(
            &format!("/api/v1/trust/services/{ca}/status"),
            Some(&r.platform),
            &json!({"status": "suspended", "reason": "审计"}),
        )
        .await;
    assert_eq!(reply.status, 200);
    r.app
        .get("/api/v1/me", Some(&token))
        .await
        .assert_problem(401, "unauthenticated");
    // Ids that are not ids: no database error, a plain refusal.
    let reply = r
        .app
        .post_json(
            "/api/v1/auth/login",
            None,
            &json!({"challenge_id": "\u{0}", "certificate": "AAAA", "signature": "AAAA", "format": "raw"}),
        )
        .await;
    reply.assert_problem(401, "unauthenticated");
    r.app
        .get("/api/v1/trust/services/%00", None)
        .await
        .assert_problem(404, "not-found");
}

#[actix_web::test]
async fn a_certificate_must_come_from_the_ca_of_its_profile() {
    let r = Registry::new().await;
    // An enterprise-profile certificate issued by the personal CA.
    r.nng.issue(
        "mixed",
        &format!(
            "/C=CN/O=混合测试有限公司/organizationIdentifier={}/CN=混合测试有限公司",
            credit("91450100MA5T0006F")
        ),
        "personal-ca",
        "leaf.ext",
    );
    let before = r.app.snapshot();
    let (status, body) = login(&r, &r.nng, "mixed", "raw").await;
    assert_eq!(status, 401, "{body:#}");
    assert!(
        body["detail"].as_str().unwrap().contains("enterprise_ca"),
        "{body:#}"
    );
    assert_eq!(r.app.snapshot(), before);
}

#[actix_web::test]
async fn a_leagues_operator_cannot_revoke_its_supervisors_sessions_nor_another_leagues() {
    let r = Registry::new().await;
    enrol_person(&r, &[Role::Supervisor], &resident("45010219800101123"));
    let (status, body) = login(&r, &r.nng, "expert", "raw").await;
    assert_eq!(status, 201, "{body:#}");
    let (token, id) = (
        body["token"].as_str().unwrap().to_string(),
        body["session"]["id"].as_str().unwrap().to_string(),
    );
    let (_, bidder) = login(&r, &r.nng, "builder", "raw").await;
    let bidder_session = bidder["session"]["id"].as_str().unwrap().to_string();
    let lzh_operator = r
        .app
        .user("柳州中心", Role::Operator, "LZH", "柳州市公共资源交易中心");
    let path = |id: &str| format!("/api/v1/auth/sessions/{id}/revoke");
    // The centre does not switch off the supervisor watching it, and another
    // league's centre touches none of NNG's sessions: as if absent.
    for (token, session) in [
        (&r.operator, &id),
        (&lzh_operator, &id),
        (&lzh_operator, &bidder_session),
    ] {
        r.app
            .post_json(&path(session), Some(token), &json!({}))
            .await
            .assert_problem(404, "not-found");
    }
    assert_eq!(r.app.get("/api/v1/me", Some(&token)).await.status, 200);
    // The platform's operator may.
    r.app
        .post_json(&path(&id), Some(&r.platform), &json!({}))
        .await
        .assert_status(200);
    r.app
        .get("/api/v1/me", Some(&token))
        .await
        .assert_problem(401, "unauthenticated");
}

/// Enrols a platform operator (no league) bound to `id_number`; returns its id.
fn enrol_platform_operator(r: &Registry, id_number: &str) -> String {
    let ctx = AuditContext::system(r.app.now());
    let id = ggzy::types::ResidentId::parse(id_number).unwrap();
    r.app
        .db
        .write_blocking(|conn| {
            let user = ggzy::identity::store::insert_user(
                conn,
                &ctx,
                &ggzy::identity::store::NewUser {
                    name: "平台运维",
                    roles: &[Role::Operator],
                    league: None,
                    organisation: None,
                },
            )?;
            ggzy::identity::sessions::bind_certificate_identities(
                conn,
                &ctx,
                &user,
                &[Role::Operator],
                None,
                Some(&id),
            )?;
            Ok(user)
        })
        .unwrap()
        .as_str()
        .to_string()
}

#[actix_web::test]
async fn the_platforms_staff_ca_vouches_for_its_operators_only_and_no_league_ca_for_them() {
    let r = Registry::new().await;
    // The platform's own PKI: its staff CA (root and issuing CA).
    let dir = tempfile::tempdir().unwrap();
    let staff = League::new(dir.path(), "PLATFORM");
    staff.person("op", "平台运维", &resident("45010219900101001"));
    staff.person("nng-expert", "张三", &resident("45010219800101123"));
    // An enterprise's certificate from the staff CA's issuing CA.
    staff.issue(
        "firm",
        &format!(
            "/C=CN/O=平台测试有限公司/organizationIdentifier={}/CN=平台测试有限公司",
            credit("91450100MA5T0007G")
        ),
        "personal-ca",
        "leaf.ext",
    );
    staff.revoke("nng-expert", "personal-ca");
    let staff_ca = |file: &str, league: Value| json!({ "league": league, "service_type": "staff_ca", "certificate": staff.text(file) });
    // Only the platform's operators register it, and only as the platform's.
    r.app
        .post_json(
            "/api/v1/trust/services",
            Some(&r.operator),
            &staff_ca("root.pem", Value::Null),
        )
        .await
        .assert_refusal(403, "forbidden", "auth.platform-operator-only");
    r.app
        .post_json(
            "/api/v1/trust/services",
            Some(&r.platform),
            &staff_ca("root.pem", json!("NNG")),
        )
        .await
        .assert_rule("trust.staff-ca-is-the-platforms");
    r.app
        .post_json(
            "/api/v1/trust/services",
            Some(&r.platform),
            &json!({ "service_type": "personal_ca", "certificate": staff.text("root.pem") }),
        )
        .await
        .assert_rule("trust.league-required");
    for file in ["root.pem", "personal-ca.pem"] {
        let reply = r
            .app
            .post_json(
                "/api/v1/trust/services",
                Some(&r.platform),
                &staff_ca(file, Value::Null),
            )
            .await;
        assert_eq!(reply.status, 201, "{}", reply.json());
        assert_eq!(reply.json()["league"], Value::Null);
    }
    for ca in ["root", "personal-ca"] {
        r.app
            .post_json(
                "/api/v1/trust/crls",
                Some(&r.platform),
                &json!({ "crl": staff.crl(ca) }),
            )
            .await
            .assert_status(201);
    }
    // A platform operator signs in with the staff CA's certificate.
    let operator = enrol_platform_operator(&r, &resident("45010219900101001"));
    let (status, body) = login(&r, &staff, "op", "raw").await;
    assert_eq!(status, 201, "{body:#}");
    assert_eq!(body["principal"]["user_id"], operator);
    assert_eq!(body["principal"]["roles"], json!(["operator"]));
    assert_eq!(body["principal"]["league"], Value::Null);
    assert_eq!(body["validation"]["vouched_by"]["service_type"], "staff_ca");
    let token = body["token"].as_str().unwrap().to_string();
    assert_eq!(r.app.get("/api/v1/me", Some(&token)).await.status, 200);

    // No league's CA vouches for a platform account, even for its identity.
    let id = resident("45010219800101123");
    enrol_platform_operator(&r, &id);
    let before = r.app.snapshot();
    let (status, body) = login(&r, &r.nng, "expert", "raw").await;
    assert_eq!(status, 401, "{body:#}");
    assert_eq!(
        body["reason"], "signin.platform-account-needs-staff-ca",
        "{body:#}"
    );
    assert_eq!(body["params"]["league"], "NNG");
    assert_eq!(r.app.snapshot(), before);

    // The staff CA vouches for no one else: not a league's person (its
    // certificate is refused whoever it names; this one is revoked too, so
    // a fresh one is issued), not an enterprise.
    staff.person("lzh-op", "李四", &resident("45020219850101002"));
    enrol_person_in(
        &r,
        "LZH",
        "李四",
        &[Role::Operator],
        &resident("45020219850101002"),
    );
    let (status, body) = login(&r, &staff, "lzh-op", "raw").await;
    assert_eq!(status, 401, "{body:#}");
    assert_eq!(
        body["reason"], "signin.staff-ca-platform-operators-only",
        "{body:#}"
    );
    assert!(
        body["detail"].as_str().unwrap().contains("league LZH"),
        "{body:#}"
    );
    let (status, body) = login(&r, &staff, "firm", "raw").await;
    assert_eq!(status, 401, "{body:#}");
    assert_eq!(body["reason"], "signin.wrong-service", "{body:#}");
    // The same revocation checks: a revoked staff certificate is refused.
    let (status, body) = login(&r, &staff, "nng-expert", "raw").await;
    assert_eq!(status, 401, "{body:#}");
    assert_eq!(body["reason"], "signin.certificate-invalid", "{body:#}");
    assert_eq!(body["params"]["cause"], "REVOKED", "{body:#}");
    // And no league's decision is taken on the staff CA: a league asked
    // to accept the platform operator's certificate says no.
    let reply = r
        .validate_pem(&staff.text("op.pem"), "NNG", json!({}))
        .await;
    assert_ne!(reply.json()["indication"], "PASSED", "{}", reply.json());
    // Nor may an agreement make a league recognise it: refused with its
    // reason, for the platform's operators too, and nothing recorded.
    let before = r.app.snapshot();
    r.app
        .post_json(
            "/api/v1/trust/recognitions",
            Some(&r.platform),
            &json!({ "league": "NNG", "recognised_league": "LZH", "service_type": "staff_ca",
                     "reason": "互认工作人员证书" }),
        )
        .await
        .assert_rule("trust.staff-ca-not-recognised");
    assert_eq!(r.app.snapshot(), before);
}
