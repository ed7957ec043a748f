//! The trust registry through the API, with CAs the project has never seen,
//! made by the real `openssl` command line: registration, status history,
//! CRLs, recognition between leagues at the time that matters, and the
//! signed trust lists checked with `openssl dgst -verify`.

use crate::fabric::{League, openssl};
use crate::helpers::{Options, Reply, TestApp, spawn_app_with};
use ggzy::identity::Role;
use serde_json::{Value, json};

pub struct Registry {
    pub app: TestApp,
    /// An operator of league NNG.
    pub operator: String,
    /// A platform operator (no league): changes any league's registry.
    pub platform: String,
    pub nng: League,
    pub lzh: League,
    _dir: tempfile::TempDir,
}

pub fn credit(first17: &str) -> String {
    ggzy::types::CreditCode::with_check_digit(first17)
        .unwrap()
        .as_str()
        .to_string()
}

pub fn resident(first17: &str) -> String {
    ggzy::types::ResidentId::with_check_char(first17)
        .unwrap()
        .as_str()
        .to_string()
}

impl Registry {
    /// Two leagues' fabrics, registered through the API with their CRLs.
    pub async fn new() -> Registry {
        Self::with(Options::default()).await
    }

    pub async fn with(options: Options) -> Registry {
        let app = spawn_app_with(options).await;
        app.leagues();
        let operator = app.user_custom("运维", &[Role::Operator], "NNG", None, None);
        let platform = app.platform_operator("平台运维");
        let dir = tempfile::tempdir().unwrap();
        let nng = League::new(dir.path(), "NNG");
        let lzh = League::new(dir.path(), "LZH");
        for league in [&nng, &lzh] {
            league.enterprise(
                "builder",
                "广西测试建设有限公司",
                &credit("91450100MA5T0001A"),
            );
            league.enterprise(
                "revoked",
                "广西吊销测试有限公司",
                &credit("91450100MA5T0002B"),
            );
            league.person("expert", "张三", &resident("45010219800101123"));
            league.revoke("revoked", "enterprise-ca");
        }
        let registry = Registry {
            app,
            operator,
            platform,
            nng,
            lzh,
            _dir: dir,
        };
        let https = registry.app.base.starts_with("https");
        for league in [&registry.nng, &registry.lzh] {
            for (file, ty) in [
                ("root.pem", "enterprise_ca"),
                ("enterprise-ca.pem", "enterprise_ca"),
                ("personal-ca.pem", "personal_ca"),
            ] {
                if https {
                    // The test client speaks plain HTTP: register as the CLI does.
                    registry.register_directly(&league.code, ty, &league.text(file));
                    continue;
                }
                let reply = registry
                    .register(&league.code, ty, &league.text(file), None)
                    .await;
                assert_eq!(reply.0, 201, "{}", reply.1);
            }
            for ca in ["root", "enterprise-ca", "personal-ca"] {
                let crl = league.crl(ca);
                if https {
                    let ctx = ggzy::audit::AuditContext::system(registry.app.now());
                    registry
                        .app
                        .db
                        .write_blocking(|conn| {
                            ggzy::trust::store::load_crl(conn, &ctx, crl.as_bytes(), None)
                        })
                        .unwrap();
                    continue;
                }
                let reply = registry
                    .app
                    .post_json(
                        "/api/v1/trust/crls",
                        Some(&registry.platform),
                        &json!({ "crl": crl }),
                    )
                    .await;
                reply.assert_status(201);
            }
        }
        registry
    }

    fn register_directly(&self, league: &str, ty: &str, pem: &str) {
        let ctx = ggzy::audit::AuditContext::system(self.app.now());
        let new: ggzy::trust::store::NewService = serde_json::from_value(
            json!({ "league": league, "service_type": ty, "certificate": pem }),
        )
        .unwrap();
        self.app
            .db
            .write_blocking(|conn| ggzy::trust::store::register(conn, &ctx, &new))
            .unwrap();
    }

    pub async fn register(
        &self,
        league: &str,
        ty: &str,
        pem: &str,
        from: Option<&str>,
    ) -> (u16, Value) {
        let mut body = json!({ "league": league, "service_type": ty, "certificate": pem });
        if let Some(from) = from {
            body["effective_from"] = json!(from);
        }
        let reply = self
            .app
            .post_json("/api/v1/trust/services", Some(&self.platform), &body)
            .await;
        let value = if reply.body.is_empty() {
            Value::Null
        } else {
            reply.json()
        };
        (reply.status, value)
    }

    /// Validates `file` of `league` (PEM) for `purpose` in `for_league` at `at`.
    pub async fn validate(
        &self,
        league: &League,
        file: &str,
        for_league: Option<&str>,
        at: Option<&str>,
    ) -> Value {
        let mut body = json!({ "certificate": league.text(file), "purpose": "signing" });
        if let Some(l) = for_league {
            body["league"] = json!(l);
        }
        if let Some(at) = at {
            body["at"] = json!(at);
        }
        let reply = self
            .app
            .post_json("/api/v1/trust/validate", Some(&self.operator), &body)
            .await;
        reply.assert_status(200);
        reply.json()
    }

    /// Validates `pem` for signing in `league` as the platform operator,
    /// with the other fields of `extra` (`at`, `policies`…) in the request.
    pub async fn validate_pem(&self, pem: &str, league: &str, extra: Value) -> Reply {
        let mut body = json!({ "certificate": pem, "purpose": "signing", "league": league });
        if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
            b.extend(e.clone());
        }
        self.app
            .post_json("/api/v1/trust/validate", Some(&self.platform), &body)
            .await
    }

    pub async fn service_id(&self, league: &str, subject_part: &str) -> String {
        let list = self
            .app
            .get(&format!("/api/v1/trust/services?league={league}"), None)
            .await
            .json();
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["subject"].as_str().unwrap().contains(subject_part))
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string()
    }
}

fn verdict(report: &Value) -> (String, String) {
    (
        report["indication"].as_str().unwrap().to_string(),
        report["sub_indication"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
    )
}

#[actix_web::test]
async fn a_league_accepts_its_own_and_only_what_it_recognises_at_the_time() {
    let r = Registry::new().await;
    let own = r.validate(&r.lzh, "builder.pem", Some("LZH"), None).await;
    assert_eq!(verdict(&own).0, "PASSED", "{own:#}");
    assert_eq!(own["vouched_by"]["league"], "LZH");
    assert_eq!(own["vouched_by"]["service_type"], "enterprise_ca");

    // NNG does not recognise LZH yet.
    let foreign = r.validate(&r.lzh, "builder.pem", Some("NNG"), None).await;
    assert_eq!(
        verdict(&foreign),
        ("INDETERMINATE".into(), "NO_CERTIFICATE_CHAIN_FOUND".into()),
        "{foreign:#}"
    );

    // From a time in the future: not in force now, in force then.
    let from = (r.app.now() + chrono::Duration::days(2)).to_rfc3339();
    let reply = r
        .app
        .post_json(
            "/api/v1/trust/recognitions",
            Some(&r.platform),
            &json!({"league": "NNG", "recognised_league": "LZH", "service_type": "enterprise_ca",
                    "effective_from": from, "reason": "柳南互认协议"}),
        )
        .await;
    assert_eq!(reply.status, 201);
    let agreement = reply.json()["id"].as_str().unwrap().to_string();
    let now = r.validate(&r.lzh, "builder.pem", Some("NNG"), None).await;
    assert_eq!(verdict(&now).0, "INDETERMINATE", "not yet in force");
    let later = (r.app.now() + chrono::Duration::days(3)).to_rfc3339();
    let then = r
        .validate(&r.lzh, "builder.pem", Some("NNG"), Some(&later))
        .await;
    assert_eq!(verdict(&then).0, "PASSED", "{then:#}");
    // One direction, one type: LZH still refuses NNG, NNG refuses LZH's persons.
    let back = r
        .validate(&r.nng, "builder.pem", Some("LZH"), Some(&later))
        .await;
    assert_eq!(verdict(&back).0, "INDETERMINATE");
    let person = r
        .validate(&r.lzh, "expert.pem", Some("NNG"), Some(&later))
        .await;
    assert_eq!(verdict(&person).0, "INDETERMINATE");

    // Ending the agreement keeps its history.
    let until = (r.app.now() + chrono::Duration::days(5)).to_rfc3339();
    let reply = r
        .app
        .post_json(
            &format!("/api/v1/trust/recognitions/{agreement}/end"),
            Some(&r.platform),
            &json!({"effective_until": until, "reason": "协议到期"}),
        )
        .await;
    reply.assert_status(200);
    let after = (r.app.now() + chrono::Duration::days(6)).to_rfc3339();
    let ended = r
        .validate(&r.lzh, "builder.pem", Some("NNG"), Some(&after))
        .await;
    assert_eq!(verdict(&ended).0, "INDETERMINATE");
    let during = r
        .validate(&r.lzh, "builder.pem", Some("NNG"), Some(&later))
        .await;
    assert_eq!(verdict(&during).0, "PASSED", "history is kept");
    let history = r
        .app
        .get("/api/v1/trust/recognitions?league=NNG", None)
        .await
        .json();
    assert_eq!(history["items"][0]["end_reason"], "协议到期");
    // Ending twice is a conflict.
    let again = r
        .app
        .post_json(
            &format!("/api/v1/trust/recognitions/{agreement}/end"),
            Some(&r.platform),
            &json!({"reason": "again"}),
        )
        .await;
    again.assert_refusal(409, "conflict", "trust.agreement-ended");
}

#[actix_web::test]
async fn revoked_expired_and_unknown_certificates_are_refused_like_openssl_does() {
    let r = Registry::new().await;
    let revoked = r.validate(&r.nng, "revoked.pem", None, None).await;
    assert_eq!(verdict(&revoked), ("FAILED".into(), "REVOKED".into()));
    // The real openssl agrees.
    let chain = format!(
        "{}{}",
        r.nng.text("root.pem"),
        r.nng.text("enterprise-ca.pem")
    );
    std::fs::write(r.nng.dir.join("chain.pem"), chain).unwrap();
    let out = std::process::Command::new("openssl")
        .args([
            "verify",
            "-CAfile",
            "chain.pem",
            "-crl_check",
            "-CRLfile",
            "enterprise-ca.crl",
            "revoked.pem",
        ])
        .current_dir(&r.nng.dir)
        .output()
        .unwrap();
    assert!(!out.status.success());
    // Before the validity period, and after it.
    let before = (r.app.now() - chrono::Duration::days(2)).to_rfc3339();
    let early = r.validate(&r.nng, "builder.pem", None, Some(&before)).await;
    assert_eq!(verdict(&early).1, "NOT_YET_VALID");
    let after = (r.app.now() + chrono::Duration::days(400)).to_rfc3339();
    let late = r.validate(&r.nng, "builder.pem", None, Some(&after)).await;
    assert_eq!(verdict(&late).0, "INDETERMINATE");
    // A CA nobody registered.
    let dir = tempfile::tempdir().unwrap();
    let stranger = League::new(dir.path(), "XXX");
    stranger.enterprise("builder", "陌生公司", &credit("91450100MA5T0003C"));
    let unknown = r.validate(&stranger, "builder.pem", None, None).await;
    assert_eq!(
        verdict(&unknown),
        ("INDETERMINATE".into(), "NO_CERTIFICATE_CHAIN_FOUND".into())
    );
    // A personal certificate where an enterprise CA must vouch.
    let reply = r
        .app
        .post_json(
            "/api/v1/trust/validate",
            Some(&r.platform),
            &json!({"certificate": r.nng.text("expert.pem"), "service_types": ["enterprise_ca"]}),
        )
        .await;
    assert_eq!(verdict(&reply.json()).1, "CHAIN_CONSTRAINTS_FAILURE");
    // Garbage is a format failure, not an error.
    let reply = r
        .app
        .post_json(
            "/api/v1/trust/validate",
            Some(&r.platform),
            &json!({"certificate": "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----"}),
        )
        .await;
    assert_eq!(
        verdict(&reply.json()),
        ("FAILED".into(), "FORMAT_FAILURE".into())
    );
    // Validation is for signed-in users.
    let reply = r
        .app
        .post_json(
            "/api/v1/trust/validate",
            None,
            &json!({"certificate": r.nng.text("builder.pem")}),
        )
        .await;
    reply.assert_problem(401, "unauthenticated");
}

#[actix_web::test]
async fn suspension_and_withdrawal_take_effect_at_their_time_and_are_audited() {
    let r = Registry::new().await;
    let ca = r.service_id("NNG", "enterprise-ca").await;
    let root = r.service_id("NNG", "Root").await;
    let at = |days: i64| (r.app.now() + chrono::Duration::days(days)).to_rfc3339();
    let reply = r
        .app
        .post_json(
            &format!("/api/v1/trust/services/{ca}/status"),
            Some(&r.platform),
            &json!({"status": "suspended", "effective_from": at(1), "reason": "审计暂停"}),
        )
        .await;
    reply.assert_status(200);
    assert_eq!(
        verdict(&r.validate(&r.nng, "builder.pem", None, None).await).0,
        "PASSED"
    );
    let suspended = r.validate(&r.nng, "builder.pem", None, Some(&at(2))).await;
    assert_eq!(verdict(&suspended).0, "INDETERMINATE", "{suspended:#}");
    r.app
        .post_json(
            &format!("/api/v1/trust/services/{ca}/status"),
            Some(&r.platform),
            &json!({"status": "granted", "effective_from": at(3), "reason": "恢复"}),
        )
        .await;
    assert_eq!(
        verdict(&r.validate(&r.nng, "builder.pem", None, Some(&at(4))).await).0,
        "PASSED"
    );
    // A withdrawal scheduled for later does not stop an earlier suspension.
    let personal = r.service_id("NNG", "personal-ca").await;
    for (status, days) in [("withdrawn", 30), ("suspended", 10)] {
        let reply = r
            .app
            .post_json(
                &format!("/api/v1/trust/services/{personal}/status"),
                Some(&r.platform),
                &json!({"status": status, "effective_from": at(days), "reason": "计划停用"}),
            )
            .await;
        reply.assert_status(200);
    }
    // Withdrawing the root withdraws what it certified; a withdrawal is final.
    let reply = r
        .app
        .post_json(
            &format!("/api/v1/trust/services/{root}/status"),
            Some(&r.platform),
            &json!({"status": "withdrawn", "effective_from": at(5), "reason": "根证书停用"}),
        )
        .await;
    assert_eq!(reply.status, 200);
    assert_eq!(
        verdict(&r.validate(&r.nng, "builder.pem", None, Some(&at(6))).await).0,
        "INDETERMINATE"
    );
    let reply = r
        .app
        .post_json(
            &format!("/api/v1/trust/services/{root}/status"),
            Some(&r.platform),
            &json!({"status": "granted", "reason": "undo"}),
        )
        .await;
    reply.assert_problem(409, "conflict");
    let service = r
        .app
        .get(&format!("/api/v1/trust/services/{ca}"), None)
        .await
        .json();
    let statuses: Vec<&str> = service["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["granted", "suspended", "granted"]);
    let events = r
        .app
        .get(
            "/api/v1/audit/events?action=trust.service.status",
            Some(&r.platform),
        )
        .await
        .json();
    assert_eq!(events["items"].as_array().unwrap().len(), 5);
}

#[actix_web::test]
async fn bad_registrations_are_refused_and_change_nothing() {
    let r = Registry::new().await;
    let before = r.app.snapshot();
    // Garbage, truncated DER, a leaf as a CA, a duplicate, an unknown league.
    let garbage = r
        .register("NNG", "enterprise_ca", "not a certificate", None)
        .await;
    assert_eq!(garbage.0, 422);
    let der = openssl(&r.nng.dir, &["x509", "-in", "root.pem", "-outform", "DER"]);
    let truncated = openssl::base64::encode_block(&der[..der.len() / 2]);
    assert_eq!(
        r.register("NNG", "enterprise_ca", &truncated, None).await.0,
        422
    );
    let leaf = r
        .register("NNG", "enterprise_ca", &r.nng.text("builder.pem"), None)
        .await;
    assert_eq!(leaf.0, 422, "{}", leaf.1);
    let dup = r
        .register("NNG", "enterprise_ca", &r.nng.text("root.pem"), None)
        .await;
    assert_eq!(dup.0, 409);
    let nowhere = r
        .register("QQQ", "enterprise_ca", &r.nng.text("root.pem"), None)
        .await;
    assert_eq!(nowhere.0, 422);
    // A CRL no registered service signed.
    let dir = tempfile::tempdir().unwrap();
    let stranger = League::new(dir.path(), "XXX");
    let reply = r
        .app
        .post_json(
            "/api/v1/trust/crls",
            Some(&r.platform),
            &json!({"crl": stranger.crl("enterprise-ca")}),
        )
        .await;
    reply.assert_problem(422, "validation-failed");
    // Recognising oneself; a bad status; not an operator.
    let reply = r
        .app
        .post_json(
            "/api/v1/trust/recognitions",
            Some(&r.platform),
            &json!({"league": "NNG", "recognised_league": "NNG", "service_type": "enterprise_ca"}),
        )
        .await;
    reply.assert_problem(422, "validation-failed");
    // A leaf without timeStamping as a timestamp authority; a CRL source
    // that is not a URL.
    let tsa = r
        .register(
            "NNG",
            "timestamp_authority",
            &r.nng.text("builder.pem"),
            None,
        )
        .await;
    assert_eq!(tsa.0, 422, "{}", tsa.1);
    let reply = r
        .app
        .post_json(
            "/api/v1/trust/crls",
            Some(&r.platform),
            &json!({"crl": r.nng.crl("enterprise-ca"), "source_url": "ftp://crl.example/x.crl"}),
        )
        .await;
    reply.assert_problem(422, "validation-failed");
    assert_eq!(r.app.snapshot(), before, "refusals change nothing");
    let bidder = r.app.user("投标人", Role::Bidder, "NNG", "某公司");
    let before_bidder = r.app.snapshot();
    let reply = r
        .app
        .post_json(
            "/api/v1/trust/services",
            Some(&bidder),
            &json!({"league": "NNG", "service_type": "enterprise_ca", "certificate": stranger.text("root.pem")}),
        )
        .await;
    reply.assert_problem(403, "forbidden");
    assert_eq!(r.app.snapshot(), before_bidder);
}

#[actix_web::test]
async fn bad_status_changes_revocation_sources_and_agreements_are_refused() {
    let r = Registry::new().await;
    let ca = r.service_id("NNG", "enterprise-ca").await;
    let bidder = r.app.user("投标人", Role::Bidder, "NNG", "某公司");
    let before = r.app.snapshot();
    let status = |body: Value| {
        let url = format!("/api/v1/trust/services/{ca}/status");
        let app = &r.app;
        let operator = r.platform.clone();
        async move { app.post_json(&url, Some(&operator), &body).await }
    };
    // Before the service was listed; the status it already has; no reason.
    let early = (r.app.now() - chrono::Duration::days(3)).to_rfc3339();
    let (field, params) =
        status(json!({"status": "suspended", "effective_from": early, "reason": "x"}))
            .await
            .assert_rule("time.not-before");
    assert_eq!(field, "effective_from");
    assert!(
        params["earliest"].as_str().unwrap().ends_with("+08:00"),
        "{params}"
    );
    let params = status(json!({"status": "granted", "reason": "again"}))
        .await
        .assert_refusal(409, "conflict", "trust.status-already");
    assert_eq!(params, json!({ "service_status": "granted" }));
    status(json!({"status": "suspended", "reason": ""}))
        .await
        .assert_problem(422, "validation-failed");
    // Revocation sources: only http OCSP responders; operators only.
    let url = format!("/api/v1/trust/services/{ca}/revocation");
    r.app
        .put_json(
            &url,
            Some(&r.platform),
            &json!({"ocsp_url": "https://ocsp.example/"}),
        )
        .await
        .assert_problem(422, "validation-failed");
    r.app
        .put_json(
            &url,
            Some(&bidder),
            &json!({"ocsp_url": "http://ocsp.example/"}),
        )
        .await
        .assert_problem(403, "forbidden");
    r.app
        .put_json(
            "/api/v1/trust/services/not-an-id/revocation",
            Some(&r.platform),
            &json!({}),
        )
        .await
        .assert_problem(404, "not-found");
    assert_eq!(r.app.snapshot(), before, "refusals change nothing");
    let reply = r
        .app
        .put_json(
            &url,
            Some(&r.platform),
            &json!({"ocsp_url": "http://ocsp.example/", "crl_urls": ["http://crl.example/ca.crl"]}),
        )
        .await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.json()["ocsp_url"], "http://ocsp.example/");
    // An agreement overlapping one in force; an end before the start.
    let agree =
        json!({"league": "NNG", "recognised_league": "LZH", "service_type": "enterprise_ca"});
    let first = r
        .app
        .post_json("/api/v1/trust/recognitions", Some(&r.platform), &agree)
        .await;
    assert_eq!(first.status, 201);
    r.app
        .post_json("/api/v1/trust/recognitions", Some(&r.platform), &agree)
        .await
        .assert_problem(409, "conflict");
    let id = first.json()["id"].as_str().unwrap().to_string();
    r.app
        .post_json(
            &format!("/api/v1/trust/recognitions/{id}/end"),
            Some(&r.platform),
            &json!({"effective_until": early, "reason": "x"}),
        )
        .await
        .assert_problem(422, "validation-failed");
}

#[actix_web::test]
async fn trust_lists_are_signed_and_verify_with_plain_openssl() {
    let r = Registry::new().await;
    let jws = r.app.get("/api/v1/trust/lists/NNG", None).await.json();
    let key = r.app.get("/api/v1/trust/signing-key", None).await;
    assert_eq!(key.status, 200);
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("key.pem"), &key.body).unwrap();
    let input = format!(
        "{}.{}",
        jws["protected"].as_str().unwrap(),
        jws["payload"].as_str().unwrap()
    );
    std::fs::write(d.join("input"), &input).unwrap();
    let sig = ggzy::trust::lists::base64url_decode(jws["signature"].as_str().unwrap()).unwrap();
    std::fs::write(d.join("sig.bin"), &sig).unwrap();
    let out = openssl(
        d,
        &[
            "dgst",
            "-sha256",
            "-verify",
            "key.pem",
            "-signature",
            "sig.bin",
            "input",
        ],
    );
    assert!(String::from_utf8_lossy(&out).contains("Verified OK"));
    // A changed payload does not verify.
    std::fs::write(d.join("input"), format!("{input}x")).unwrap();
    let status = std::process::Command::new("openssl")
        .args([
            "dgst",
            "-sha256",
            "-verify",
            "key.pem",
            "-signature",
            "sig.bin",
            "input",
        ])
        .current_dir(d)
        .status()
        .unwrap();
    assert!(!status.success());
    let payload: Value = serde_json::from_slice(
        &ggzy::trust::lists::base64url_decode(jws["payload"].as_str().unwrap()).unwrap(),
    )
    .unwrap();
    assert_eq!(payload["format"], "ggzy-trust-list/1");
    assert_eq!(payload["league"], "NNG");
    assert_eq!(payload["services"].as_array().unwrap().len(), 3);
    // The combined list carries every league's list; the CLI verifies it.
    let all = r.app.get("/api/v1/trust/lists", None).await;
    std::fs::write(d.join("all.json"), &all.body).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ggzy"))
        .args(["trust", "verify-list", "all.json", "--key", "key.pem"])
        .current_dir(d)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let combined: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(combined["format"], "ggzy-trust-lists/1");
    assert_eq!(combined["lists"].as_array().unwrap().len(), 2);
    assert!(r.app.get("/api/v1/trust/lists/QQQ", None).await.status == 404);
}

#[actix_web::test]
async fn another_leagues_listing_of_a_ca_does_not_change_this_leagues_decision() {
    let r = Registry::new().await;
    // LZH lists NNG's enterprise CA too, under another type (with its
    // issuer, which LZH does not list), and suspends it.
    let reply = r
        .app
        .post_json(
            "/api/v1/trust/services",
            Some(&r.platform),
            &json!({"league": "LZH", "service_type": "personal_ca",
                    "certificate": r.nng.text("enterprise-ca.pem"),
                    "issuers": [r.nng.text("root.pem")]}),
        )
        .await;
    assert_eq!(reply.status, 201, "{:#}", reply.json());
    let listed = reply.json();
    let id = listed["id"].as_str().unwrap();
    let reply = r
        .app
        .post_json(
            &format!("/api/v1/trust/services/{id}/status"),
            Some(&r.platform),
            &json!({"status": "suspended", "reason": "LZH's own business"}),
        )
        .await;
    assert_eq!(reply.status, 200);
    let own = r.validate(&r.nng, "builder.pem", Some("NNG"), None).await;
    assert_eq!(verdict(&own).0, "PASSED", "{own:#}");
    assert_eq!(own["vouched_by"]["league"], "NNG");
    // In LZH its own (suspended, personal) listing is what counts.
    let there = r.validate(&r.nng, "builder.pem", Some("LZH"), None).await;
    assert_eq!(verdict(&there).0, "INDETERMINATE", "{there:#}");
}
