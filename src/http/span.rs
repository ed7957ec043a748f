//! Each request's id, tracing span and metrics.

use crate::app::AppState;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, web};
use std::time::Instant;
use tracing::Instrument;

/// The id of one request: the caller's `X-Request-Id` if it is sane, else a
/// fresh UUID. Echoed in the response and recorded in logs and audit events.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

fn sane_request_id(value: &HeaderValue) -> Option<String> {
    let text = value.to_str().ok()?;
    let ok = !text.is_empty()
        && text.len() <= 64
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    ok.then(|| text.to_string())
}

/// Middleware: opens the request's tracing span, assigns its id, and counts it.
pub async fn request_span(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let id = req
        .headers()
        .get(&REQUEST_ID)
        .and_then(sane_request_id)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    req.extensions_mut().insert(RequestId(id.clone()));
    let span = tracing::info_span!(
        "request",
        request_id = %id,
        method = %req.method(),
        path = %req.path(),
        principal = tracing::field::Empty,
        tender_id = tracing::field::Empty,
        status = tracing::field::Empty,
    );
    let started = Instant::now();
    let metrics = req
        .app_data::<web::Data<AppState>>()
        .map(|s| s.metrics.clone());
    let method = req.method().to_string();
    let result = next.call(req).instrument(span.clone()).await;
    let (status, route) = match &result {
        Ok(res) => (
            res.status().as_u16(),
            res.request()
                .match_pattern()
                .unwrap_or_else(|| "unmatched".into()),
        ),
        Err(err) => (
            err.as_response_error().status_code().as_u16(),
            "unmatched".into(),
        ),
    };
    span.record("status", status);
    let elapsed = started.elapsed();
    span.in_scope(|| {
        tracing::info!(
            status,
            elapsed_ms = elapsed.as_millis() as u64,
            "request done"
        )
    });
    if let Some(metrics) = metrics {
        metrics.observe(&method, &route, status, elapsed);
    }
    let mut res = result?;
    if let Ok(value) = HeaderValue::from_str(&id) {
        res.headers_mut().insert(REQUEST_ID, value);
    }
    Ok(res)
}
