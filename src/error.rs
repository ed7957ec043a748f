//! One error type for the whole platform, rendered as RFC 9457
//! `application/problem+json`. Every variant has a stable machine code; the
//! problem `type` is `/problems/{code}`, documented at that URL.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use serde_json::{Value, json};

pub use crate::reasons::{REASONS, RULES};

/// One invalid field in a request.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FieldError {
    /// JSON pointer-ish path of the field, e.g. `dates.bid_deadline`.
    pub field: String,
    /// What is wrong, in English (the server's words).
    pub message: String,
    /// The fixed rule the field breaks, where it has one (`text.empty`,
    /// `text.too-long`, `range`…): a stable key the pages translate with
    /// `params` (catalogue `rules.<rule>`, see [`RULES`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<&'static str>,
    /// The values the rule's sentence names (`{"max": 200}`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub params: Option<Value>,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
            rule: None,
            params: None,
        }
    }

    /// The same error, with the fixed rule it breaks and the rule's values
    /// (the message stays as it was).
    pub fn because(mut self, rule: &'static str, params: Value) -> Self {
        debug_assert!(
            crate::reasons::matches(RULES, rule, &params),
            "rule {rule} with params {params} is not in reasons::RULES as used"
        );
        self.rule = Some(rule);
        self.params = Some(params);
        self
    }
}

/// Checks a text field: present when required, no control characters
/// (tab and line breaks aside), at most `max` characters (not bytes).
pub fn check_text(
    errors: &mut Vec<FieldError>,
    field: &str,
    value: &str,
    required: bool,
    max: usize,
) {
    if required && value.trim().is_empty() {
        errors.push(FieldError::new(field, "must not be empty").because("text.empty", json!({})));
    } else if crate::types::has_control_chars(value) {
        errors.push(
            FieldError::new(field, "must not contain control characters")
                .because("text.control-chars", json!({})),
        );
    } else if value.chars().count() > max {
        errors.push(
            FieldError::new(field, format!("at most {max} characters"))
                .because("text.too-long", json!({ "max": max })),
        );
    }
}

/// One text field checked as [`check_text`] does: its error, if any, as a
/// validation problem.
pub fn text_field(field: &str, value: &str, required: bool, max: usize) -> Result<(), AppError> {
    let mut errors = Vec::new();
    check_text(&mut errors, field, value, required, max);
    match errors.pop() {
        None => Ok(()),
        Some(error) => Err(AppError::invalid_field(error)),
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{0}")]
    MalformedJson(String),
    #[error("{0}")]
    InvalidQuery(String),
    #[error("{detail}")]
    Validation {
        detail: String,
        errors: Vec<FieldError>,
    },
    #[error("{0}")]
    Unauthenticated(String),
    #[error("{0}")]
    Forbidden(String),
    /// The tender is by invitation and the caller's enterprise is not
    /// invited (403 `not-invited`).
    #[error("{0}")]
    NotInvited(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{detail}")]
    MethodNotAllowed {
        detail: String,
        allowed: Vec<String>,
    },
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    IllegalTransition(String),
    #[error("{0}")]
    TimeLimit(String),
    /// An objection awaits its answer and the step waits for it (409
    /// `objection-pending`).
    #[error("{0}")]
    ObjectionPending(String),
    /// The supervisor suspended the procedure (409 `procedure-suspended`).
    #[error("{0}")]
    ProcedureSuspended(String),
    #[error("{0}")]
    DeadlinePassed(String),
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("{0}")]
    UploadIncomplete(String),
    #[error("{0}")]
    UpgradeRequired(String),
    #[error("{0}")]
    Unavailable(String),
    #[error("{0}")]
    CertificateRejected(String),
    #[error("{0}")]
    BidRejected(String),
    #[error("{0}")]
    TradeRefused(String),
    #[error("{0}")]
    SignatureRejected(String),
    #[error("{0}")]
    ShareRejected(String),
    #[error("{0}")]
    CustodyUnavailable(String),
    #[error("{0}")]
    TrustServiceRejected(String),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
    /// Another refusal with why, as a stable key the pages translate
    /// (`reason`, catalogue `reasons.<key>`) and the values its sentence
    /// names (`params`); code, status and detail are the inner refusal's.
    /// Made by [`AppError::because`].
    #[error("{inner}")]
    Reasoned {
        inner: Box<AppError>,
        reason: &'static str,
        params: Value,
    },
}

/// The catalogue of problem codes: (code, status, title, explanation).
pub const PROBLEMS: &[(&str, u16, &str, &str)] = &[
    (
        "malformed-json",
        400,
        "Malformed JSON",
        "The request body is not well-formed JSON.",
    ),
    (
        "malformed-request",
        400,
        "Malformed request",
        "The request line or a header could not be parsed (a control character in a header, a bad method or target, a malformed Content-Length, Transfer-Encoding or chunk); the connection is closed.",
    ),
    (
        "request-timeout",
        408,
        "Request timeout",
        "No complete request head arrived in the time allowed after connecting; the connection is closed.",
    ),
    (
        "request-head-too-large",
        431,
        "Request head too large",
        "The request line and headers exceed 128 KiB or 96 header lines; the connection is closed.",
    ),
    (
        "invalid-query",
        400,
        "Invalid query",
        "A query-string parameter is missing, unknown or of the wrong type.",
    ),
    (
        "validation-failed",
        422,
        "Validation failed",
        "The request is well-formed but some fields are missing, unknown, of the wrong type or out of range; see `errors`.",
    ),
    (
        "unauthenticated",
        401,
        "Authentication required",
        "No valid session token was presented (Authorization: Bearer …).",
    ),
    (
        "forbidden",
        403,
        "Forbidden",
        "The signed-in principal's role, league or organisation does not allow this action.",
    ),
    (
        "not-invited",
        403,
        "Not invited",
        "The tender is an invited tendering: only the enterprises it invites, by unified social credit code, may take its documents and bid (招标投标法 第17条; 政府采购法 第34条). The signed-in enterprise is not one of them.",
    ),
    (
        "not-found",
        404,
        "Not found",
        "The resource does not exist or is not visible to this principal.",
    ),
    (
        "method-not-allowed",
        405,
        "Method not allowed",
        "The resource exists but does not answer this HTTP method; see the Allow header.",
    ),
    (
        "conflict",
        409,
        "Conflict",
        "The request conflicts with the current state of the resource.",
    ),
    (
        "illegal-transition",
        409,
        "Illegal state transition",
        "The tender's lifecycle does not allow this action in its current state.",
    ),
    (
        "time-limit",
        422,
        "Legal time limit violated",
        "The dates break a minimum period set by law for this category and procurement method.",
    ),
    (
        "objection-pending",
        409,
        "Objection pending",
        "An objection (异议/质疑) on this step of the procedure awaits its answer: the step waits for it (招标投标法实施条例 第22条, 第44条, 第54条; see the detail for the objection and its article).",
    ),
    (
        "procedure-suspended",
        409,
        "Procedure suspended",
        "The administrative supervisor handling a complaint has suspended the procedure (政府采购法 第57条; 招标投标法实施条例 第62条): no lifecycle step and no bid until it is resumed.",
    ),
    (
        "deadline-passed",
        409,
        "Deadline passed",
        "The relevant deadline has passed, by the server's clock.",
    ),
    (
        "payload-too-large",
        413,
        "Payload too large",
        "The request body exceeds the configured limit.",
    ),
    (
        "unsupported-media-type",
        415,
        "Unsupported media type",
        "The request's Content-Type is not accepted here.",
    ),
    (
        "upload-incomplete",
        400,
        "Upload incomplete",
        "The upload ended before the whole body arrived; nothing was stored.",
    ),
    (
        "upgrade-required",
        426,
        "Upgrade required",
        "This endpoint speaks WebSocket only: connect with a WebSocket client (a GET with Upgrade: websocket).",
    ),
    (
        "certificate-rejected",
        401,
        "Certificate rejected",
        "The certificate or signature presented does not pass validation against the trust registry (see the detail for the indication and the failed checks), or does not match its certificate profile.",
    ),
    (
        "bid-rejected",
        422,
        "Bid rejected",
        "The bid envelope is not acceptable: not CMS, not signed by the submitting enterprise, not encrypted to the tender's opening certificate, or its signature does not cover its content. Nothing was stored; see the detail.",
    ),
    (
        "trade-refused",
        422,
        "Refused by the trade's rules",
        "A trade found by price refused this: a quote below the current price plus one increment, not a whole number of increments, or terms out of their range. Nothing was stored; the detail and its reason say which rule.",
    ),
    (
        "signature-rejected",
        422,
        "Signature rejected",
        "A signature over a document (a contract) is not acceptable: the CMS signature or the seal signature does not verify over the document's bytes, is made by another party's certificate or seal, or its certificates are not recognised by the trust registry. Nothing was stored; see the detail.",
    ),
    (
        "share-rejected",
        422,
        "Key share rejected",
        "The released key share is not the one this custodian was given (it does not match the commitment recorded when the opening key was made). The attempt is on the record.",
    ),
    (
        "custody-unavailable",
        409,
        "Opening key custody unavailable",
        "The opening key cannot be put in custody: a named custodian has no certificate a key share can be encrypted to, or too few custodians are available.",
    ),
    (
        "trust-service-rejected",
        422,
        "Trust service rejected",
        "The certificate cannot be registered as a trust service: it is not fit for the service type (a CA service needs a CA certificate with keyCertSign), its signature does not verify (by its own key for a root, by its issuer's key otherwise: the certificate has been altered), or its issuer is neither registered in the league nor supplied. Nothing was stored; see the detail.",
    ),
    (
        "unavailable",
        503,
        "Service unavailable",
        "A dependency (such as the database) is not reachable; try again later.",
    ),
    (
        "internal",
        500,
        "Internal error",
        "Something failed on the server; it has been logged with the request id.",
    ),
];

impl AppError {
    /// The same refusal, saying why as a stable key of [`REASONS`] and the
    /// values its sentence names: rendered as the RFC 9457 extension
    /// members `reason` and `params`, for the pages to say it in the
    /// user's language. Code, status and detail are unchanged.
    pub fn because(self, reason: &'static str, params: Value) -> AppError {
        debug_assert!(
            crate::reasons::matches(REASONS, reason, &params),
            "reason {reason} with params {params} is not in reasons::REASONS as used"
        );
        match self {
            // A server failure says nothing more than that.
            AppError::Internal(_) => self,
            AppError::Reasoned { inner, .. } => AppError::Reasoned {
                inner,
                reason,
                params,
            },
            inner => AppError::Reasoned {
                inner: Box::new(inner),
                reason,
                params,
            },
        }
    }

    /// The refusal itself, whether or not it says why.
    pub fn base(&self) -> &AppError {
        match self {
            AppError::Reasoned { inner, .. } => inner.base(),
            other => other,
        }
    }

    /// Why, where the refusal says it: the reason's key and its values.
    pub fn reason(&self) -> Option<(&'static str, &Value)> {
        match self {
            AppError::Reasoned { reason, params, .. } => Some((reason, params)),
            _ => None,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            AppError::Reasoned { inner, .. } => inner.code(),
            AppError::MalformedJson(_) => "malformed-json",
            AppError::InvalidQuery(_) => "invalid-query",
            AppError::Validation { .. } => "validation-failed",
            AppError::Unauthenticated(_) => "unauthenticated",
            AppError::Forbidden(_) => "forbidden",
            AppError::NotInvited(_) => "not-invited",
            AppError::NotFound(_) => "not-found",
            AppError::MethodNotAllowed { .. } => "method-not-allowed",
            AppError::Conflict(_) => "conflict",
            AppError::IllegalTransition(_) => "illegal-transition",
            AppError::TimeLimit(_) => "time-limit",
            AppError::ObjectionPending(_) => "objection-pending",
            AppError::ProcedureSuspended(_) => "procedure-suspended",
            AppError::DeadlinePassed(_) => "deadline-passed",
            AppError::PayloadTooLarge(_) => "payload-too-large",
            AppError::UnsupportedMediaType(_) => "unsupported-media-type",
            AppError::UploadIncomplete(_) => "upload-incomplete",
            AppError::UpgradeRequired(_) => "upgrade-required",
            AppError::Unavailable(_) => "unavailable",
            AppError::CertificateRejected(_) => "certificate-rejected",
            AppError::BidRejected(_) => "bid-rejected",
            AppError::TradeRefused(_) => "trade-refused",
            AppError::SignatureRejected(_) => "signature-rejected",
            AppError::ShareRejected(_) => "share-rejected",
            AppError::CustodyUnavailable(_) => "custody-unavailable",
            AppError::TrustServiceRejected(_) => "trust-service-rejected",
            AppError::Internal(_) => "internal",
        }
    }

    /// A validation failure on one field, given whole (with its rule).
    pub fn invalid_field(err: FieldError) -> Self {
        AppError::Validation {
            detail: format!("{}: {}", err.field, err.message),
            errors: vec![err],
        }
    }

    /// A validation failure on several fields; `Ok` if there are none.
    pub fn check(errors: Vec<FieldError>) -> Result<(), AppError> {
        if errors.is_empty() {
            return Ok(());
        }
        let detail = errors
            .iter()
            .map(|e| format!("{}: {}", e.field, e.message))
            .collect::<Vec<_>>()
            .join("; ");
        Err(AppError::Validation { detail, errors })
    }

    /// No such `what` (or none this principal may see), saying which
    /// kind of thing: `what` is one of [`crate::reasons::THINGS`], which the
    /// portal's catalogue says in both languages (`values.what`).
    pub fn not_found(what: &'static str) -> Self {
        debug_assert!(
            crate::reasons::THINGS.contains(&what),
            "{what:?} is not in reasons::THINGS"
        );
        AppError::NotFound(format!("{what} not found"))
            .because("record.not-found", json!({ "what": what }))
    }

    fn catalogue(&self) -> (u16, &'static str) {
        let code = self.code();
        PROBLEMS
            .iter()
            .find(|p| p.0 == code)
            .map(|p| (p.1, p.2))
            .unwrap_or((500, "Internal error"))
    }
}

/// The RFC 9457 body. `code` says what kind of refusal it is; where the
/// server says why in a way the portal translates, the extension members
/// `reason` (a stable key such as `room.round-closed` or
/// `auth.sign-in-first`) and `params` (the values its sentence names, such
/// as `{"round": "technical"}`) say it, and each field error may carry a
/// `rule` (`text.too-long`) with its `params` (`{"max": 500}`). `detail`
/// and `message` stay in English for a reader of the raw response. The
/// evaluation room's socket refuses an action with the same `reason` and
/// `params`. A key never changes meaning; new ones are added as the
/// server learns to say more (the portal shows `detail` for one it does
/// not know).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    pub type_: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// Stable machine-readable code; the last segment of `type`.
    pub code: String,
    /// Why, where the server says it (an RFC 9457 extension member): a
    /// stable key, finer than `code`, that the portal's catalogue
    /// (`reasons.<key>`) says in the user's language with `params`. The
    /// English `detail` says the same for a reader of the raw response.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The values the reason's sentence names (a round, a range, a
    /// deadline…), as a JSON object; present with `reason`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub params: Option<Value>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.catalogue().0).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn error_response(&self) -> HttpResponse {
        let (status, title) = self.catalogue();
        let reason = self.reason();
        let base = self.base();
        let detail = match base {
            AppError::Internal(err) => {
                tracing::error!(error = ?err, "internal error");
                "The server failed to handle this request; the failure has been logged.".to_string()
            }
            other => other.to_string(),
        };
        let errors = match base {
            AppError::Validation { errors, .. } => errors.clone(),
            _ => Vec::new(),
        };
        let problem = Problem {
            type_: format!("/problems/{}", self.code()),
            title: title.to_string(),
            status,
            detail,
            code: self.code().to_string(),
            reason: reason.map(|(r, _)| r.to_string()),
            params: reason.map(|(_, p)| p.clone()),
            errors,
        };
        let mut response = HttpResponse::build(self.status_code());
        if let AppError::MethodNotAllowed { allowed, .. } = base {
            response.insert_header((actix_web::http::header::ALLOW, allowed.join(", ")));
        }
        if let AppError::UpgradeRequired(_) = base {
            // (Without `Connection: upgrade`, which would make actix treat
            // this error as the switch itself and drop its body.)
            response.insert_header((actix_web::http::header::UPGRADE, "websocket"));
        }
        response
            .content_type("application/problem+json")
            .json(problem)
    }
}

impl From<diesel::result::Error> for AppError {
    fn from(err: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match err {
            Error::NotFound => AppError::not_found("record"),
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
                AppError::Conflict(format!("already exists ({})", info.message()))
                    .because("record.exists-already", json!({}))
            }
            Error::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, info) => {
                AppError::Conflict(format!(
                    "refers to something that does not exist ({})",
                    info.message()
                ))
                .because("record.refers-to-missing", json!({}))
            }
            other => AppError::Internal(anyhow::Error::new(other).context("database query")),
        }
    }
}

impl From<r2d2_error::PoolError> for AppError {
    fn from(err: r2d2_error::PoolError) -> Self {
        tracing::warn!(error = %err, "database pool exhausted or unreachable");
        AppError::Unavailable("the database is not reachable right now".into())
    }
}

mod r2d2_error {
    pub use diesel::r2d2::PoolError;
}

impl From<actix_web::error::BlockingError> for AppError {
    fn from(_: actix_web::error::BlockingError) -> Self {
        AppError::Unavailable("the server is shutting down".into())
    }
}

impl From<std::io::Error> for AppError {
    fn from(err: std::io::Error) -> Self {
        AppError::Internal(anyhow::Error::new(err).context("file store"))
    }
}
