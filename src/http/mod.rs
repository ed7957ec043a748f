//! HTTP plumbing shared by every domain: request ids and tracing spans,
//! metrics, request-parsing error handlers, pagination, health endpoints.

pub mod health;
pub mod metrics;
pub mod openapi;
pub mod site;
mod span;
pub use span::{RequestId, request_span};
pub mod wire;

use crate::error::{AppError, FieldError};
use actix_web::{HttpRequest, web};
use serde::{Deserialize, Serialize};
use serde_json::json;

/// JSON bodies: size limit, content type, and problem+json on every failure.
pub fn json_config(limit: usize) -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(limit)
        .content_type_required(true)
        .content_type(|mime| mime.essence_str() == "application/json")
        .error_handler(|err, _req| json_error(err).into())
}

/// A JSON body read as bytes (its exact bytes are signed), with the same
/// problems for what does not parse or fit as [`json_config`]'s.
pub fn parse_json<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, AppError> {
    serde_json::from_slice(body)
        .map_err(|e| json_error(actix_web::error::JsonPayloadError::Deserialize(e)))
}

fn json_error(err: actix_web::error::JsonPayloadError) -> AppError {
    use actix_web::error::JsonPayloadError as E;
    match err {
        E::OverflowKnownLength { length, limit } => {
            AppError::PayloadTooLarge(format!("the body has {length} bytes; the limit is {limit}"))
                .because("http.body-too-large", json!({ "limit": limit }))
        }
        E::Overflow { limit } => {
            AppError::PayloadTooLarge(format!("the body exceeds the limit of {limit} bytes"))
                .because("http.body-too-large", json!({ "limit": limit }))
        }
        E::ContentType => {
            AppError::UnsupportedMediaType("send the body as Content-Type: application/json".into())
                .because("http.json-only", json!({}))
        }
        E::Deserialize(e) if e.is_data() => body_misfit(&e),
        E::Deserialize(e) if e.is_eof() => {
            AppError::MalformedJson(format!("the body is not valid JSON: {e}"))
                .because("http.json-cut-short", json!({}))
        }
        E::Deserialize(e) => AppError::MalformedJson(format!("the body is not valid JSON: {e}"))
            .because(
                "http.not-json",
                json!({ "line": e.line(), "column": e.column() }),
            ),
        other => AppError::MalformedJson(format!("the body could not be read: {other}"))
            .because("http.body-unreadable", json!({})),
    }
}

/// What a body or a query string that does not fit its type breaks, as
/// serde says it: serde's messages (`missing field `title``, `unknown
/// variant `x`, expected one of `a`, `b``…) are English and name the type's
/// Rust spelling, so the portal is given their kind and the names they
/// quote, and the message stays in `detail`.
#[derive(Debug, PartialEq)]
enum Misfit {
    /// `missing field `x``.
    Missing(String),
    /// `unknown field `x`, expected …`.
    Unknown(String),
    /// `duplicate field `x``.
    Twice(String),
    /// `unknown variant `x`, expected one of `a`, `b``: the values allowed.
    Variant(Vec<String>),
    /// `invalid type: …, expected …`.
    WrongType,
    /// Anything else: `invalid value`, `invalid length`, a type's own
    /// words (a date without its zone, a number out of range).
    Invalid,
}

/// The names a serde message quotes between backticks.
fn quoted(message: &str) -> Vec<String> {
    message
        .split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

fn misfit(message: &str) -> Misfit {
    let names = quoted(message);
    let first = names.first().cloned();
    match first {
        Some(name) if message.starts_with("missing field `") => Misfit::Missing(name),
        Some(name) if message.starts_with("unknown field `") => Misfit::Unknown(name),
        Some(name) if message.starts_with("duplicate field `") => Misfit::Twice(name),
        Some(_) if message.starts_with("unknown variant `") => {
            Misfit::Variant(names.into_iter().skip(1).collect())
        }
        _ if message.starts_with("invalid type: ") => Misfit::WrongType,
        _ => Misfit::Invalid,
    }
}

/// A JSON body that does not fit its type (422 `validation-failed`), as
/// the `Json` extractor refuses it and as a handler that reads its body
/// itself (once it knows who asks) refuses it too.
pub fn body_misfit(e: &serde_json::Error) -> AppError {
    AppError::Validation {
        detail: format!("the body does not match the expected shape: {e}"),
        errors: vec![shape_field(e)],
    }
}

/// The field error of a JSON body that does not fit its type: the field
/// serde names where it names one (a missing, unknown or repeated field),
/// else the place in the body (`line 3 column 14`; `body` for a value read
/// from a parsed body, which has no place), with the rule broken.
fn shape_field(e: &serde_json::Error) -> FieldError {
    let said = e.to_string();
    let (place, message) = if e.line() == 0 {
        ("body".to_string(), said)
    } else {
        let place = format!("line {} column {}", e.line(), e.column());
        let message = said
            .strip_suffix(&format!(" at {place}"))
            .unwrap_or(&said)
            .to_string();
        (place, message)
    };
    match misfit(&message) {
        Misfit::Missing(name) => {
            FieldError::new(name, message).because("value.required", json!({}))
        }
        Misfit::Unknown(name) => {
            FieldError::new(name, message).because("value.unknown-field", json!({}))
        }
        Misfit::Twice(name) => {
            FieldError::new(name, message).because("value.given-twice", json!({}))
        }
        Misfit::Variant(allowed) => {
            FieldError::new(place, message).because("value.one-of", json!({ "allowed": allowed }))
        }
        Misfit::WrongType => FieldError::new(place, message).because("value.wrong-type", json!({})),
        Misfit::Invalid => FieldError::new(place, message).because("value.invalid", json!({})),
    }
}

pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|err, _req| query_error(err).into())
}

/// A query string that does not fit its type (400 `invalid-query`), saying
/// which parameter where serde names it. Every reader of a query string
/// (the `web::Query` extractor, `supervision::query`) refuses through here.
pub fn query_error(err: actix_web::error::QueryPayloadError) -> AppError {
    let message = match err {
        actix_web::error::QueryPayloadError::Deserialize(e) => e.to_string(),
        other => other.to_string(),
    };
    let (reason, params) = match misfit(&message) {
        Misfit::Missing(name) => ("query.missing-parameter", json!({ "name": name })),
        Misfit::Unknown(name) => ("query.unknown-parameter", json!({ "name": name })),
        Misfit::Twice(name) => ("query.parameter-twice", json!({ "name": name })),
        Misfit::Variant(allowed) => ("query.value-one-of", json!({ "allowed": allowed })),
        Misfit::WrongType | Misfit::Invalid => ("query.malformed", json!({})),
    };
    AppError::InvalidQuery(format!("invalid query string: {message}")).because(reason, params)
}

/// A `league` query parameter, which must be a league code (400
/// `invalid-query` otherwise).
pub fn league_query(raw: &str) -> Result<crate::types::LeagueCode, AppError> {
    crate::types::LeagueCode::parse(raw).map_err(|e| {
        AppError::InvalidQuery(e).because("query.league-code", json!({ "name": "league" }))
    })
}

/// A `q` search text: at most 200 characters, no control characters (400
/// `invalid-query` otherwise).
pub fn search_text_query(q: Option<&str>) -> Result<(), AppError> {
    if q.is_some_and(|q| q.chars().count() > 200 || crate::types::has_control_chars(q)) {
        return Err(AppError::InvalidQuery(
            "q is limited to 200 characters, without control characters".into(),
        )
        .because("query.text", json!({ "name": "q", "max": 200 })));
    }
    Ok(())
}

/// A path whose parameters do not parse (a year that is not a number): no
/// such resource.
pub fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(|err, _req| {
        AppError::NotFound(format!("no such resource: {err}"))
            .because("http.no-resource", json!({}))
            .into()
    })
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
        }
        .because(
            "http.method-not-allowed",
            json!({ "method": req.method().as_str(), "allowed": methods }),
        )),
        None => Err(AppError::NotFound(format!(
            "there is no resource at {} {}",
            req.method(),
            req.path()
        ))
        .because("http.no-resource", json!({}))),
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
pub fn uuid_id(raw: &str, what: &'static str) -> Result<String, crate::error::AppError> {
    uuid::Uuid::parse_str(raw)
        .map(|u| u.to_string())
        .map_err(|_| crate::error::AppError::not_found(what))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Shape {
        title: String,
        count: Option<u32>,
        colour: Option<Colour>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "lowercase")]
    enum Colour {
        Red,
        Blue,
    }

    /// The field, rule and params a body gets.
    fn said(body: &str) -> (String, &'static str, serde_json::Value) {
        let e = serde_json::from_str::<Shape>(body).expect_err("misfit");
        assert!(e.is_data(), "{e}");
        let f = shape_field(&e);
        (f.field, f.rule.expect("a rule"), f.params.expect("params"))
    }

    #[test]
    fn a_body_that_does_not_fit_says_which_field_and_which_rule() {
        assert_eq!(said(r#"{}"#), ("title".into(), "value.required", json!({})));
        assert_eq!(
            said(r#"{"title": "x", "size": 1}"#),
            ("size".into(), "value.unknown-field", json!({}))
        );
        assert_eq!(
            said(r#"{"title": "x", "title": "y"}"#),
            ("title".into(), "value.given-twice", json!({}))
        );
        assert_eq!(
            said(r#"{"title": "x", "colour": "green"}"#),
            (
                "line 1 column 32".into(),
                "value.one-of",
                json!({ "allowed": ["red", "blue"] })
            )
        );
        assert_eq!(
            said(r#"{"title": 5}"#),
            ("line 1 column 11".into(), "value.wrong-type", json!({}))
        );
        assert_eq!(
            said(r#"{"title": "x", "count": -1}"#),
            ("line 1 column 26".into(), "value.invalid", json!({}))
        );
        // A value read from a body already parsed has no place in it.
        let e = serde_json::from_value::<Shape>(json!({"title": 5})).expect_err("misfit");
        let f = shape_field(&e);
        assert_eq!(
            (f.field.as_str(), f.rule),
            ("body", Some("value.wrong-type"))
        );
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Filter {
        page: Option<u32>,
        colour: Option<Colour>,
        q: String,
    }

    fn query(text: &str) -> AppError {
        let e = web::Query::<Filter>::from_query(text).expect_err("misfit");
        query_error(e)
    }

    #[test]
    fn a_query_that_does_not_fit_names_its_parameter() {
        let reason = |e: AppError| e.reason().map(|(r, p)| (r, p.clone()));
        assert_eq!(
            reason(query("page=1")),
            Some(("query.missing-parameter", json!({ "name": "q" })))
        );
        assert_eq!(
            reason(query("q=x&sort=up")),
            Some(("query.unknown-parameter", json!({ "name": "sort" })))
        );
        assert_eq!(
            reason(query("q=x&q=y")),
            Some(("query.parameter-twice", json!({ "name": "q" })))
        );
        assert_eq!(
            reason(query("q=x&colour=green")),
            Some(("query.value-one-of", json!({ "allowed": ["red", "blue"] })))
        );
        assert_eq!(
            reason(query("q=x&page=two")),
            Some(("query.malformed", json!({})))
        );
        assert_eq!(query("q=x&page=two").code(), "invalid-query");
    }
}
