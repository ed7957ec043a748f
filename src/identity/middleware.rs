//! Resolves the `Principal` of each request from its bearer token and makes
//! it available to handlers as an extractor.

use super::Principal;
use crate::app::AppState;
use crate::error::AppError;
use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use serde_json::json;
use std::future::{Ready, ready};

/// Middleware: a request without a token is public; a request with a token
/// that is unknown, expired or revoked is refused with 401.
pub async fn resolve_principal(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let token = bearer_token(req.headers())?;
    if token.is_none() && changes_without_signing_in(&req) {
        // The public reads; every change is signed. Said before the body,
        // the ids or the state are looked at.
        return Err(super::sign_in_first().into());
    }
    if let Some(token) = token {
        let state = req
            .app_data::<web::Data<AppState>>()
            .cloned()
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("application state missing")))?;
        let now = state.clock.now();
        let (principal, binding) = lookup(&state, token, now).await?;
        if let Some(binding) = binding {
            check_binding(&req, &state, &binding)?;
            check_still_valid(&state, &binding, now).await?;
            req.extensions_mut().insert(binding);
        }
        let span = tracing::Span::current();
        if let Some(id) = &principal.user_id {
            span.record("principal", id.as_str());
        }
        req.extensions_mut().insert(principal);
    }
    next.call(req).await
}

/// The requests anyone may make: signing in, verifying an e-mail address
/// with the single-use token sent to it (the token is the proof; the link
/// is opened in whatever browser reads the mail), and a bank's deposit
/// notification (its HMAC signature is the proof, `auctions::banks`).
/// Everything else that is not a read needs a principal.
const SIGN_IN: [&str; 5] = [
    "/api/v1/auth/challenges",
    "/api/v1/auth/login",
    "/api/v1/auth/mtls",
    "/api/v1/email-verifications",
    "/api/v1/auction-deposits",
];

/// A documented operation that changes something (a wrong path or method
/// is left to the 404 and 405 answers).
fn changes_without_signing_in(req: &ServiceRequest) -> bool {
    use actix_web::http::Method;
    let reads = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if reads || SIGN_IN.contains(&req.path()) {
        return false;
    }
    req.app_data::<web::Data<crate::http::openapi::RouteIndex>>()
        .is_some_and(|index| index.answers(req.path(), req.method().as_str()))
}

/// The account behind an API token or a session token valid at `now`.
async fn lookup(
    state: &AppState,
    token: String,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(Principal, Option<super::sessions::Binding>), AppError> {
    state
        .db
        .read(move |conn| {
            if let Some(principal) = super::store::principal_for_token(conn, &token, now)? {
                return Ok(Some((principal, None)));
            }
            Ok(super::sessions::principal_for_session(conn, &token, now)?
                .map(|(principal, binding)| (principal, Some(binding))))
        })
        .await?
        .ok_or_else(|| {
            AppError::Unauthenticated("the session token is unknown, expired or revoked".into())
                .because("auth.token-unknown", json!({}))
        })
}

/// For a long-lived connection (a WebSocket) opened with `token`: the
/// principal it stands for now. A token revoked or expired since, an
/// account disabled, or a session whose certificate no longer passes is
/// refused, as the middleware would refuse a new request.
pub async fn recheck(state: &AppState, token: &str) -> Result<Principal, AppError> {
    let now = state.clock.now();
    let (principal, binding) = lookup(state, token.to_string(), now).await?;
    if let Some(binding) = &binding {
        check_still_valid(state, binding, now).await?;
    }
    Ok(principal)
}

/// The bearer token in `Authorization`, if any; an `Authorization` header
/// of another form is refused.
fn bearer_token(headers: &actix_web::http::header::HeaderMap) -> Result<Option<String>, AppError> {
    let Some(value) = headers.get(actix_web::http::header::AUTHORIZATION) else {
        return Ok(websocket_token(headers));
    };
    match value.to_str().unwrap_or("").strip_prefix("Bearer ") {
        Some(token) if !token.trim().is_empty() => Ok(Some(token.trim().to_string())),
        _ => Err(AppError::Unauthenticated(
            "the Authorization header must be 'Bearer <token>'".into(),
        )
        .because("auth.bearer-form", json!({}))),
    }
}

/// The WebSocket subprotocol that carries no credential and that the
/// server selects in its handshake answer when a client offers it.
pub const WS_PROTOCOL: &str = "ggzy.v1";

/// The prefix of the subprotocol that carries a bearer token on a
/// WebSocket handshake: `Sec-WebSocket-Protocol: ggzy.v1,
/// ggzy.bearer.<token>`. A browser's WebSocket cannot set an Authorization
/// header, only subprotocols; a token is a protocol token (`ggzy_` and hex).
pub const WS_BEARER_PREFIX: &str = "ggzy.bearer.";

/// The token offered as a `ggzy.bearer.` subprotocol on a WebSocket
/// handshake (a GET with `Upgrade: websocket`), if any. Any other request
/// carries its token in the Authorization header only.
fn websocket_token(headers: &actix_web::http::header::HeaderMap) -> Option<String> {
    use actix_web::http::header::UPGRADE;
    let upgrade = headers
        .get(UPGRADE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("websocket"));
    if !upgrade {
        return None;
    }
    offered_protocols(headers)
        .into_iter()
        .find_map(|p| p.strip_prefix(WS_BEARER_PREFIX).map(str::to_string))
        .filter(|t| !t.is_empty())
}

/// The subprotocols a WebSocket handshake offers, in order
/// (`Sec-WebSocket-Protocol`, comma-separated, possibly over several
/// header lines).
pub fn offered_protocols(headers: &actix_web::http::header::HeaderMap) -> Vec<String> {
    headers
        .get_all(actix_web::http::header::SEC_WEBSOCKET_PROTOCOL)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::to_string)
        .collect()
}

/// The bearer token a request carries, if any (the middleware has already
/// refused one of another form).
pub fn bearer(req: &HttpRequest) -> Option<String> {
    bearer_token(req.headers()).ok().flatten()
}

/// A certificate session is bound to its certificate: a session opened by
/// mutual TLS is usable only over a connection presenting that certificate,
/// and no session is usable over a connection presenting another one.
fn check_binding(
    req: &ServiceRequest,
    state: &AppState,
    binding: &super::sessions::Binding,
) -> Result<(), AppError> {
    use super::sessions::Method;
    let presented = super::login::presented_certificate(req.request(), state).map(|(bytes, _)| {
        crate::pki::validation::parse_certificate(&bytes)
            .map(|c| crate::pki::validation::fingerprint(&c))
            .unwrap_or_default()
    });
    match (binding.method, presented) {
        (_, Some(sha)) if sha != binding.cert_sha256 => Err(AppError::Unauthenticated(
            "this session is bound to another certificate than the one this connection presents"
                .into(),
        )
        .because("auth.session-other-certificate", json!({}))),
        (Method::Mtls | Method::Proxy, None) => Err(AppError::Unauthenticated(
            "this session was opened with mutual TLS and needs the same client certificate on              every request"
                .into(),
        )
        .because("auth.session-needs-mtls", json!({}))),
        _ => Ok(()),
    }
}

/// A certificate session lasts only while its certificate passes: revoked,
/// expired, or its CA suspended or withdrawn, and the session stops working.
/// (The registry snapshot and OCSP answers are cached, so this is cheap.)
async fn check_still_valid(
    state: &AppState,
    binding: &super::sessions::Binding,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), AppError> {
    let report = super::login::validate_for_login(state, binding.certificate.clone(), now).await?;
    if report.passed() {
        return Ok(());
    }
    Err(AppError::Unauthenticated(format!(
        "the session's certificate no longer passes validation ({}); sign in again",
        report.report.decision.verdict()
    ))
    .because(
        "auth.certificate-no-longer-valid",
        json!({ "cause": super::login::cause(&report.report.decision) }),
    ))
}

impl FromRequest for Principal {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(req
            .extensions()
            .get::<Principal>()
            .cloned()
            .unwrap_or_else(Principal::public)))
    }
}
