//! Certificate login for every role. Two ways in, one result:
//! - signed challenge: the client asks for a one-time challenge, signs its
//!   exact text with its certificate's key (a raw signature, or CMS
//!   SignedData attached or detached) and returns it with the certificate;
//! - mutual TLS: the platform terminates TLS and asks for a client
//!   certificate, or a trusted reverse proxy forwards the one it checked.
//!
//! Either way the certificate is validated against the trust registry now,
//! for client authentication, vouched for by an enterprise or personal CA;
//! whom it names is read under the certificate profiles; and a session bound
//! to the certificate's fingerprint is opened, with the roles the profile
//! allows.

use super::Principal;
use super::sessions::{self, Method, NewSession, Profile, SessionView};
use crate::app::AppState;
use crate::audit::AuditContext;
use crate::error::{AppError, FieldError};
use crate::pki::identity::{CertIdentity, identity_of};
use crate::pki::policy::Purpose;
use crate::pki::validation::parse_certificate;
use crate::trust::model::ServiceType;
use crate::trust::registry::TrustReport;
use crate::types::LeagueCode;
use actix_web::{HttpMessage, HttpRequest, HttpResponse, delete, get, post, web};
use chrono::{DateTime, Duration, Utc};
use openssl::cms::{CMSOptions, CmsContentInfo};
use openssl::stack::Stack;
use openssl::x509::X509;
use serde::{Deserialize, Serialize};
use serde_json::json;

/// The client certificate of a TLS connection (DER), put in the
/// connection's data by the server's on-connect hook.
#[derive(Debug, Clone)]
pub struct ClientCertificate(pub Vec<u8>);

/// The certificate presented at the transport level, and how: on this
/// connection's TLS handshake, or forwarded by a trusted proxy.
pub fn presented_certificate(req: &HttpRequest, state: &AppState) -> Option<(Vec<u8>, Method)> {
    if let Some(cert) = req.conn_data::<ClientCertificate>() {
        return Some((cert.0.clone(), Method::Mtls));
    }
    let peer = req.peer_addr()?.ip();
    let proxies = state.config.trusted_proxy_addrs().ok()?;
    if !proxies.contains(&peer) {
        return None;
    }
    let value = req
        .headers()
        .get(state.config.client_cert_header.as_str())?
        .to_str()
        .ok()?;
    let pem = percent_decode(value)?;
    Some((pem, Method::Proxy))
}

/// Decodes %XX escapes (nginx's `$ssl_client_escaped_cert`).
fn percent_decode(text: &str) -> Option<Vec<u8>> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    Some(out)
}

/// Verifies a raw signature over `data` with the certificate's key: RSA
/// PKCS#1 v1.5 (2048 bits or more) or ECDSA P-256 (DER) with SHA-256, or SM2
/// with SM3 and the standard signer ID "1234567812345678".
pub fn verify_raw(cert: &X509, data: &[u8], signature: &[u8]) -> Result<(), String> {
    let key = cert
        .public_key()
        .map_err(|_| "the certificate's public key cannot be read".to_string())?;
    let algorithm = crate::seals::Algorithm::for_key(&key)
        .map_err(|why| format!("unsupported key for a raw signature: {why}"))?;
    match algorithm.verify(&key, data, signature) {
        Ok(true) => Ok(()),
        Ok(false) => Err("the signature does not verify with the certificate's key".into()),
        Err(why) => Err(format!("the signature cannot be checked: {why}")),
    }
}

/// Verifies a CMS SignedData (PEM or DER; content attached or detached)
/// signed by `cert` over exactly `data`.
fn verify_cms(cert: &X509, data: &[u8], cms: &[u8]) -> Result<(), String> {
    let parse = || {
        if cms.trim_ascii_start().starts_with(b"-----BEGIN") {
            CmsContentInfo::from_pem(cms)
        } else {
            CmsContentInfo::from_der(cms)
        }
    };
    let mut attached = parse().map_err(|_| "not a CMS SignedData (PEM or DER)".to_string())?;
    let mut certs = Stack::new().map_err(|e| e.to_string())?;
    certs.push(cert.clone()).map_err(|e| e.to_string())?;
    // Only the certificate presented may have signed; its trust is judged by
    // the registry, not by openssl's store.
    let flags = CMSOptions::NOINTERN | CMSOptions::NO_SIGNER_CERT_VERIFY | CMSOptions::BINARY;
    let mut content = Vec::new();
    if attached
        .verify(Some(&certs), None, None, Some(&mut content), flags)
        .is_ok()
    {
        return if content == data {
            Ok(())
        } else {
            Err("the CMS signs other content than the challenge".into())
        };
    }
    let mut detached = parse().map_err(|e| e.to_string())?;
    detached
        .verify(Some(&certs), None, Some(data), None, flags)
        .map_err(|_| {
            "the CMS signature does not verify over the challenge with the certificate presented"
                .to_string()
        })
}

/// The outcome of a login.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LoginResult {
    /// Bearer token for `Authorization: Bearer …` (shown once).
    pub token: String,
    pub session: SessionView,
    pub principal: Principal,
    pub identity: CertIdentity,
    /// The validation report of the certificate.
    pub validation: TrustReport,
}

/// The cause of a failed validation, as a stable code: its sub-indication
/// (ETSI EN 319 102-1, `REVOKED`, `EXPIRED`…) or else its indication.
pub fn cause(decision: &crate::pki::policy::Decision) -> String {
    let value = match decision.sub_indication {
        Some(sub) => serde_json::to_value(sub),
        None => serde_json::to_value(decision.indication),
    };
    value
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

fn rejection(report: &TrustReport) -> AppError {
    let checks: Vec<&str> = report
        .report
        .decision
        .checks
        .iter()
        .filter(|c| c.result != crate::pki::policy::CheckResult::Passed)
        .map(|c| c.name)
        .collect();
    let failed: Vec<String> = report
        .report
        .decision
        .checks
        .iter()
        .filter(|c| c.result != crate::pki::policy::CheckResult::Passed)
        .map(|c| format!("{}: {}", c.name, c.detail))
        .collect();
    AppError::CertificateRejected(format!(
        "certificate validation ended {}: {}",
        report.report.decision.verdict(),
        if failed.is_empty() {
            "no check passed".into()
        } else {
            failed.join("; ")
        }
    ))
    .because(
        "signin.certificate-invalid",
        json!({ "cause": cause(&report.report.decision), "checks": checks }),
    )
}

/// Validates a login certificate against the registry at `now`: client
/// authentication, vouched for by an enterprise or personal CA of any league
/// or by the platform's staff CA (whether that service may vouch for the
/// account is decided after, by `policy::signin_vouching`).
pub async fn validate_for_login(
    state: &AppState,
    der: Vec<u8>,
    now: DateTime<Utc>,
) -> Result<TrustReport, AppError> {
    let snapshot = state.trust.get(&state.db, now).await?;
    crate::db::off_executor(move || {
        Ok(snapshot.check(
            &der,
            Purpose::ClientAuth,
            &[
                ServiceType::EnterpriseCa,
                ServiceType::PersonalCa,
                ServiceType::StaffCa,
            ],
            None,
            now,
        ))
    })
    .await
}

/// Validates the certificate, reads whom it names, maps it to an account
/// and opens a session; `consume` (the challenge) runs in the same
/// transaction as the session's creation.
async fn establish(
    state: &AppState,
    ctx: AuditContext,
    certificate: Vec<u8>,
    method: Method,
    challenge_id: Option<String>,
) -> Result<LoginResult, AppError> {
    let now = state.clock.now();
    let snapshot = state.trust.get(&state.db, now).await?;
    let snapshot_recognitions = snapshot.recognitions.clone();
    let der = parse_certificate(&certificate)
        .and_then(|c| c.to_der().map_err(|e| e.to_string()))
        .map_err(|why| {
            AppError::CertificateRejected(format!("unreadable certificate: {why}"))
                .because("signin.certificate-unreadable", json!({}))
        })?;
    let report = validate_for_login(state, der.clone(), now).await?;
    if !report.passed() {
        return Err(rejection(&report));
    }
    let identity = identity_of(&der).map_err(|why| {
        AppError::CertificateRejected(format!(
            "the certificate does not fit a login profile: {why}"
        ))
        .because("signin.profile-mismatch", json!({}))
    })?;
    let profile = Profile::of(&identity);
    let vouching = report.vouched_by.clone().ok_or_else(|| {
        AppError::CertificateRejected("no trust service vouches".into())
            .because("signin.no-vouching", json!({}))
    })?;
    // An enterprise's certificate comes from an enterprise CA; a person's
    // from a personal CA, or, for the platform's own operators, from the
    // platform's staff CA (whom each vouches for: `policy::signin_vouching`).
    let expected: &[ServiceType] = match profile {
        Profile::Enterprise => &[ServiceType::EnterpriseCa],
        Profile::Person => &[ServiceType::PersonalCa, ServiceType::StaffCa],
    };
    if !expected.contains(&vouching.service_type) {
        let expected = expected
            .iter()
            .map(|t| t.code())
            .collect::<Vec<_>>()
            .join(" or ");
        return Err(AppError::CertificateRejected(format!(
            "a {} certificate must come from a {} service, not a {}",
            profile.code(),
            expected,
            vouching.service_type.code()
        ))
        .because(
            "signin.wrong-service",
            json!({ "profile": profile.code(), "expected": expected,
                    "actual": vouching.service_type.code() }),
        ));
    }
    let not_after = report.report.not_after.unwrap_or(now);
    let expires_at: DateTime<Utc> =
        (now + Duration::minutes(i64::from(state.config.session_minutes))).min(not_after);
    let sha256 = report.report.sha256.clone().unwrap_or_default();
    let subject = report.report.subject.clone().unwrap_or_default();
    let league = vouching.league.clone();
    let id_for_tx = identity.clone();
    let recognitions = snapshot_recognitions;
    let certificate_der = der.clone();
    let (session, token, principal) = state
        .db
        .write(move |conn| {
            if let Some(id) = &challenge_id {
                sessions::consume_challenge(conn, id, now)?;
            }
            let user = sessions::account_for(conn, &ctx, &id_for_tx, league.as_ref())?;
            if !sessions::user_enabled(conn, &user)? {
                return Err(AppError::Forbidden("this account is disabled".into())
                    .because("signin.disabled", json!({})));
            }
            // Whose service may vouch for this account: one rule, in
            // `policy::signin_vouching` (a league's CA never for a platform
            // account, the platform's staff CA only for its operators).
            let account_league = sessions::account_league(conn, &user)?;
            let account_roles = sessions::account_roles(conn, &user)?;
            crate::identity::policy::signin_vouching(
                league.as_ref().map(LeagueCode::as_str),
                vouching.service_type,
                account_league.as_ref().map(LeagueCode::as_str),
                &account_roles,
                |own, other| {
                    recognitions.iter().any(|r| {
                        r.league.as_str() == own
                            && r.recognised_league.as_str() == other
                            && r.service_type == vouching.service_type
                            && r.in_force(now)
                    })
                },
            )?;
            let (session, token) = sessions::open_session(
                conn,
                &ctx,
                &NewSession {
                    user: &user,
                    method,
                    profile,
                    cert_sha256: &sha256,
                    cert_subject: &subject,
                    certificate: &certificate_der,
                    expires_at,
                },
            )?;
            let (principal, _) = sessions::principal_for_session(conn, &token, now)?
                .ok_or_else(|| {
                    AppError::Forbidden("the account cannot sign in".into())
                        .because("signin.cannot-sign-in", json!({}))
                })?;
            if principal.roles.is_empty() {
                return Err(AppError::Forbidden(format!(
                    "the account holds no role a {} certificate may act in ({})",
                    profile.code(),
                    profile
                        .roles()
                        .iter()
                        .map(|r| r.code())
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
                .because(
                    "signin.no-role",
                    json!({ "profile": profile.code(),
                            "roles": profile.roles().iter().map(|r| r.code()).collect::<Vec<_>>() }),
                ));
            }
            Ok((session, token, principal))
        })
        .await?;
    Ok(LoginResult {
        token,
        session,
        principal,
        identity,
        validation: report,
    })
}

/// Issues a one-time login challenge, valid for five minutes.
#[utoipa::path(tag = "identity", responses((status = 201, body = sessions::Challenge)))]
#[post("/auth/challenges")]
pub async fn create_challenge(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let now = state.clock.now();
    let url = state.config.public_url.clone();
    let challenge = state
        .db
        .write(move |conn| sessions::new_challenge(conn, &url, now))
        .await?;
    Ok(HttpResponse::Created().json(challenge))
}

#[derive(Debug, Clone, Copy, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SignatureFormat {
    /// RSA PKCS#1 v1.5 or ECDSA over SHA-256 of the challenge text
    /// (`openssl dgst -sha256 -sign key.pem`), or SM2 with SM3 (`openssl dgst
    /// -sm3 -sign key.pem -sigopt distid:1234567812345678`).
    Raw,
    /// CMS SignedData over the challenge text, attached or detached
    /// (`openssl cms -sign -binary -outform DER`).
    Cms,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub challenge_id: String,
    /// The signer's certificate, PEM (or DER in base64).
    pub certificate: String,
    /// The signature, base64 (or PEM for CMS).
    pub signature: String,
    pub format: SignatureFormat,
}

fn decode_text(text: &str, field: &str) -> Result<Vec<u8>, AppError> {
    crate::pki::pem_or_base64(text).ok_or_else(|| {
        AppError::invalid_field(
            FieldError::new(field, "expected base64 (or PEM)")
                .because("encoding.base64-or-pem", serde_json::json!({})),
        )
    })
}

/// Signs in with a signature over a challenge.
#[utoipa::path(
    tag = "identity",
    request_body = LoginRequest,
    responses(
        (status = 201, body = LoginResult),
        (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)
    )
)]
#[post("/auth/login")]
pub async fn login(
    state: web::Data<AppState>,
    ctx: AuditContext,
    body: web::Json<LoginRequest>,
) -> Result<HttpResponse, AppError> {
    let request = body.into_inner();
    let certificate = decode_text(&request.certificate, "certificate")?;
    let signature = decode_text(&request.signature, "signature")?;
    let now = state.clock.now();
    let id = crate::http::uuid_id(&request.challenge_id, "challenge").map_err(|_| {
        AppError::Unauthenticated("unknown or expired challenge; ask for a new one".into())
            .because("signin.challenge-unknown", json!({}))
    })?;
    let challenge_id = id.clone();
    let challenge = state
        .db
        .read(move |conn| sessions::open_challenge(conn, &id, now))
        .await?;
    let cert = parse_certificate(&certificate).map_err(|why| {
        AppError::CertificateRejected(format!("unreadable certificate: {why}"))
            .because("signin.certificate-unreadable", json!({}))
    })?;
    // The same keys for both formats: RSA of 2048 bits or more, P-256, SM2.
    let key = cert.public_key().map_err(|_| {
        AppError::CertificateRejected("unreadable public key".into())
            .because("signin.key-unreadable", json!({}))
    })?;
    crate::seals::Algorithm::for_key(&key).map_err(|why| {
        AppError::CertificateRejected(format!("unsupported key: {why}"))
            .because("signin.key-unsupported", json!({}))
    })?;
    match request.format {
        SignatureFormat::Raw => verify_raw(&cert, challenge.as_bytes(), &signature),
        SignatureFormat::Cms => verify_cms(&cert, challenge.as_bytes(), &signature),
    }
    .map_err(|why| {
        AppError::CertificateRejected(why).because("signin.signature-invalid", json!({}))
    })?;
    let result = establish(
        &state,
        ctx,
        certificate,
        Method::Challenge,
        Some(challenge_id),
    )
    .await?;
    Ok(HttpResponse::Created().json(result))
}

/// Signs in with the client certificate of this TLS connection (or the one a
/// trusted proxy forwarded).
#[utoipa::path(
    tag = "identity",
    responses(
        (status = 201, body = LoginResult),
        (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem)
    )
)]
#[post("/auth/mtls")]
pub async fn login_mtls(
    req: HttpRequest,
    state: web::Data<AppState>,
    ctx: AuditContext,
) -> Result<HttpResponse, AppError> {
    let Some((certificate, method)) = presented_certificate(&req, &state) else {
        return Err(AppError::Unauthenticated(
            "no client certificate on this connection: connect with mutual TLS (or through a \
             trusted proxy that forwards the certificate)"
                .into(),
        )
        .because("signin.no-client-certificate", json!({})));
    };
    let result = establish(&state, ctx, certificate, method, None).await?;
    Ok(HttpResponse::Created().json(result))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct SessionList {
    pub items: Vec<SessionView>,
}

/// The signed-in user's certificate sessions.
#[utoipa::path(
    tag = "identity",
    responses((status = 200, body = SessionList), (status = 401, body = crate::error::Problem))
)]
#[get("/auth/sessions")]
pub async fn list_sessions(
    state: web::Data<AppState>,
    principal: Principal,
) -> Result<web::Json<SessionList>, AppError> {
    let Some(user) = principal.user_id.clone() else {
        return Err(super::sign_in_first());
    };
    let items = state
        .db
        .read(move |conn| sessions::sessions_of(conn, user.as_str()))
        .await?;
    Ok(web::Json(SessionList { items }))
}

/// Ends the session this request is made with.
#[utoipa::path(
    tag = "identity",
    responses((status = 200, body = SessionView), (status = 401, body = crate::error::Problem))
)]
#[delete("/auth/session")]
pub async fn logout(
    req: HttpRequest,
    state: web::Data<AppState>,
    ctx: AuditContext,
) -> Result<web::Json<SessionView>, AppError> {
    let binding = req.extensions().get::<sessions::Binding>().cloned();
    let Some(binding) = binding else {
        return Err(AppError::Unauthenticated(
            "this request is not made with a certificate session".into(),
        )
        .because("auth.not-certificate-session", json!({})));
    };
    let view = state
        .db
        .write(move |conn| sessions::revoke(conn, &ctx, &binding.session_id))
        .await?;
    Ok(web::Json(view))
}

/// Revokes a session: its owner, or an operator.
#[utoipa::path(
    tag = "identity",
    params(("id" = String, Path)),
    responses(
        (status = 200, body = SessionView),
        (status = 401, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem)
    )
)]
#[post("/auth/sessions/{id}/revoke")]
pub async fn revoke_session(
    state: web::Data<AppState>,
    principal: Principal,
    ctx: AuditContext,
    id: web::Path<String>,
) -> Result<web::Json<SessionView>, AppError> {
    let Some(user) = principal.user_id.clone() else {
        return Err(super::sign_in_first());
    };
    let is_operator = principal.has(super::Role::Operator);
    let id = crate::http::uuid_id(&id, "session")?;
    let ctx = if is_operator {
        ctx.acting_as(super::Role::Operator)
    } else {
        ctx
    };
    let view = state
        .db
        .write(move |conn| {
            let session = sessions::session(conn, &id)?;
            // Another user's session is not even acknowledged to exist,
            // unless the caller operates that account's league.
            let allowed = match &session {
                Some(s) if s.user_id == user.as_str() => true,
                // Its league's operators revoke ordinary accounts' sessions
                // (not their supervisors' or peers'); the platform's, all.
                Some(s) if is_operator => match super::accounts::load(conn, &s.user_id)? {
                    Some(account) => super::accounts::may_act_for(&principal, &account).is_ok(),
                    None => false,
                },
                _ => false,
            };
            if allowed {
                sessions::revoke(conn, &ctx, &id)
            } else {
                Err(AppError::not_found("session"))
            }
        })
        .await?;
    Ok(web::Json(view))
}

#[cfg(test)]
mod tests {
    use super::percent_decode;

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("a%20b%0A").unwrap(), b"a b\n");
        assert!(percent_decode("%zz").is_none());
        assert!(percent_decode("%2").is_none());
    }
}
