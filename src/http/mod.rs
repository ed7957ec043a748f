//! HTTP plumbing shared by every domain: request ids and tracing spans,
//! metrics, request-parsing error handlers, pagination, health endpoints.

pub mod health;
pub mod metrics;
pub mod openapi;
mod span;
pub use span::{RequestId, request_span};
pub mod wire;

use crate::error::AppError;
use actix_web::{HttpRequest, web};
use serde::{Deserialize, Serialize};

/// JSON bodies: size limit, content type, and problem+json on every failure.
pub fn json_config(limit: usize) -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(limit)
        .content_type_required(true)
        .content_type(|mime| mime.essence_str() == "application/json")
        .error_handler(|err, _req| json_error(err).into())
}

fn json_error(err: actix_web::error::JsonPayloadError) -> AppError {
    use actix_web::error::JsonPayloadError as E;
    match err {
        E::OverflowKnownLength { length, limit } => {
            AppError::PayloadTooLarge(format!("the body has {length} bytes; the limit is {limit}"))
                .because("http.body-too-large", serde_json::json!({ "limit": limit }))
        }
        E::Overflow { limit } => {
            AppError::PayloadTooLarge(format!("the body exceeds the limit of {limit} bytes"))
                .because("http.body-too-large", serde_json::json!({ "limit": limit }))
        }
        E::ContentType => {
            AppError::UnsupportedMediaType("send the body as Content-Type: application/json".into())
                .because("http.json-only", serde_json::json!({}))
        }
        E::Deserialize(e) if e.is_data() => AppError::Validation {
            detail: format!("the body does not match the expected shape: {e}"),
            errors: vec![crate::error::FieldError::new(
                format!("line {} column {}", e.line(), e.column()),
                e.to_string(),
            )],
        },
        E::Deserialize(e) => AppError::MalformedJson(format!("the body is not valid JSON: {e}")),
        other => AppError::MalformedJson(format!("the body could not be read: {other}")),
    }
}

pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|err, _req| {
        AppError::InvalidQuery(format!("invalid query string: {err}")).into()
    })
}

pub fn path_config() -> web::PathConfig {
    web::PathConfig::default()
        .error_handler(|err, _req| AppError::NotFound(format!("no such resource: {err}")).into())
}

/// Requests no route matched: 405 with `Allow` for a known path, else 404;
/// a problem either way.
pub async fn not_found(req: HttpRequest) -> Result<actix_web::HttpResponse, AppError> {
    let index = req.app_data::<web::Data<openapi::RouteIndex>>();
    match index.and_then(|index| index.allowed(req.path())) {
        Some(methods) => Err(AppError::MethodNotAllowed {
            detail: format!(
                "{} is not allowed on {}; use {}",
                req.method(),
                req.path(),
                methods.join(", ")
            ),
            allowed: methods.iter().map(|m| m.to_string()).collect(),
        }),
        None => Err(AppError::NotFound(format!(
            "there is no resource at {} {}",
            req.method(),
            req.path()
        ))),
    }
}

/// One page of a list.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub page: u32,
    pub per_page: u32,
    pub total: i64,
}

/// The highest page number accepted.
pub const MAX_PAGE: u32 = 1_000_000;

/// `page` (from 1) and `per_page` (1 to 100, default 20).
#[derive(Debug, Clone, Copy, Deserialize)]
pub struct PageQuery {
    pub page: Option<u32>,
    pub per_page: Option<u32>,
}

#[derive(Debug, Clone, Copy)]
pub struct Paging {
    pub page: u32,
    pub per_page: u32,
}

impl PageQuery {
    pub fn validate(self) -> Result<Paging, AppError> {
        let page = self.page.unwrap_or(1);
        let per_page = self.per_page.unwrap_or(20);
        if !(1..=MAX_PAGE).contains(&page) {
            return Err(
                AppError::InvalidQuery(format!("page counts from 1 to {MAX_PAGE}")).because(
                    "query.range",
                    serde_json::json!({ "name": "page", "min": 1, "max": MAX_PAGE }),
                ),
            );
        }
        if !(1..=100).contains(&per_page) {
            return Err(
                AppError::InvalidQuery("per_page must be between 1 and 100".into()).because(
                    "query.range",
                    serde_json::json!({ "name": "per_page", "min": 1, "max": 100 }),
                ),
            );
        }
        Ok(Paging { page, per_page })
    }
}

impl Paging {
    pub fn offset(&self) -> i64 {
        (i64::from(self.page) - 1) * i64::from(self.per_page)
    }
    pub fn limit(&self) -> i64 {
        i64::from(self.per_page)
    }
    pub fn page<T>(&self, items: Vec<T>, total: i64) -> Page<T> {
        Page {
            items,
            page: self.page,
            per_page: self.per_page,
            total,
        }
    }
}

/// A path id that must be a UUID; anything else is a 404 before the database
/// is asked (PostgreSQL refuses NUL bytes in text with an error).
pub fn uuid_id(raw: &str, what: &str) -> Result<String, crate::error::AppError> {
    uuid::Uuid::parse_str(raw)
        .map(|u| u.to_string())
        .map_err(|_| crate::error::AppError::not_found(what))
}
