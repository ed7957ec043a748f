//! Storage of the trust registry: services with their status history,
//! revocation lists and recognition agreements. Every change is audited in
//! the same transaction, and bumps the registry's generation there too, so
//! that every node's cached snapshot notices it (`registry`).

use super::admission::{self, Refusal};
use super::model::{Recognition, ServiceStatus, ServiceType, StatusChange, status_at};
use crate::audit::{self, AuditContext};
use crate::db::schema::{
    trust_crls, trust_generation, trust_recognitions, trust_service_statuses, trust_services,
};
use crate::db::{DbConn, from_db_time, to_db_time};
use crate::error::{AppError, FieldError, check_text};
use crate::pki::validation::{fingerprint, parse_certificate, utc};
use crate::types::LeagueCode;
use chrono::{DateTime, NaiveDateTime, SubsecRound, Utc};
use diesel::prelude::*;
use openssl::x509::{X509, X509Crl};
use serde::{Deserialize, Serialize};
use serde_json::json;
use x509_parser::prelude::{FromDer, X509Certificate};

/// A registered trust service as the API shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Service {
    pub id: String,
    /// The league listing it; none for the platform's own staff CA.
    #[schema(value_type = Option<String>)]
    pub league: Option<LeagueCode>,
    pub service_type: ServiceType,
    pub subject: String,
    pub issuer: String,
    /// SHA-256 of the DER certificate, hex.
    pub sha256: String,
    /// Whether the certificate is self-signed (a root).
    pub self_signed: bool,
    pub not_before: DateTime<Utc>,
    pub not_after: DateTime<Utc>,
    /// OCSP responder to ask about certificates this service issued (overrides
    /// the certificates' own authorityInfoAccess).
    pub ocsp_url: Option<String>,
    /// Where this service's CRLs are published.
    pub crl_urls: Vec<String>,
    /// The status in force now.
    pub status: Option<ServiceStatus>,
    pub history: Vec<StatusChange>,
    /// The certificate, PEM.
    pub certificate_pem: String,
}

/// A service with its parsed certificate, for validation.
pub struct LoadedService {
    pub service: Service,
    pub certificate: X509,
    /// The issuers supplied at registration (nearest first), when its own
    /// issuer was not registered in its league.
    pub issuer_chain: Vec<X509>,
}

/// What an operator supplies to register a service.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewService {
    /// The league that lists it; none (null or absent) for the platform's
    /// own staff CA (`service_type` `staff_ca`, platform operators only).
    #[schema(value_type = Option<String>, example = "NNG")]
    #[serde(default)]
    pub league: Option<LeagueCode>,
    pub service_type: ServiceType,
    /// The certificate, PEM (or DER in base64).
    pub certificate: String,
    /// For a certificate whose issuer is not registered in the league: its
    /// issuer (and that one's, up to a root), PEM or base64 DER each. Its
    /// signature is verified with them; they are kept, not registered.
    #[serde(default)]
    #[schema(max_items = 5)]
    pub issuers: Vec<String>,
    #[serde(default)]
    pub ocsp_url: Option<String>,
    #[serde(default)]
    pub crl_urls: Vec<String>,
    /// When the service is trusted from (default: now).
    #[serde(default)]
    pub effective_from: Option<DateTime<Utc>>,
    #[serde(default)]
    #[schema(max_length = 500)]
    pub reason: Option<String>,
}

/// A status change asked for by an operator.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewStatus {
    pub status: ServiceStatus,
    /// Default: now. May lie in the past (a compromise found late) or future.
    #[serde(default)]
    pub effective_from: Option<DateTime<Utc>>,
    #[schema(min_length = 1, max_length = 500)]
    pub reason: String,
}

/// Where revocation data for a service's certificates comes from.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RevocationSources {
    #[serde(default)]
    pub ocsp_url: Option<String>,
    #[serde(default)]
    pub crl_urls: Vec<String>,
}

/// A recognition agreement asked for by an operator.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRecognition {
    /// The league that recognises.
    #[schema(value_type = String, example = "NNG")]
    pub league: LeagueCode,
    /// The league whose services are recognised.
    #[schema(value_type = String, example = "LZH")]
    pub recognised_league: LeagueCode,
    pub service_type: ServiceType,
    /// Default: now.
    #[serde(default)]
    pub effective_from: Option<DateTime<Utc>>,
    #[serde(default)]
    #[schema(max_length = 500)]
    pub reason: Option<String>,
}

/// Ending an agreement.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EndRecognition {
    /// Default: now.
    #[serde(default)]
    pub effective_until: Option<DateTime<Utc>>,
    #[schema(min_length = 1, max_length = 500)]
    pub reason: String,
}

/// A loaded CRL as the API shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CrlInfo {
    pub sha256: String,
    pub issuer: String,
    pub issuer_service_id: String,
    pub this_update: DateTime<Utc>,
    pub next_update: Option<DateTime<Utc>>,
    pub revoked_count: usize,
    pub source_url: Option<String>,
    pub loaded_at: DateTime<Utc>,
}

fn check_url(errors: &mut Vec<FieldError>, field: &str, url: &str) {
    let ok = (url.starts_with("http://") || url.starts_with("https://"))
        && url.len() <= 500
        && !url.chars().any(|c| c.is_whitespace() || c.is_control());
    if !ok {
        errors.push(
            FieldError::new(
                field,
                "must be an http:// or https:// URL of at most 500 characters",
            )
            .because("trust.source-url", json!({ "max": 500 })),
        );
    }
}

/// A CRL field that holds no readable CRL.
fn unreadable_crl(why: impl Into<String>) -> AppError {
    AppError::invalid_field(FieldError::new("crl", why).because("encoding.crl", json!({})))
}

fn check_sources(errors: &mut Vec<FieldError>, ocsp: Option<&str>, crls: &[String]) {
    if let Some(url) = ocsp
        && let Err(why) = crate::pki::ocsp::ResponderUrl::parse(url)
    {
        errors.push(FieldError::new("ocsp_url", why).because("trust.ocsp-url", json!({})));
    }
    if crls.len() > 10 {
        errors.push(
            FieldError::new("crl_urls", "at most 10")
                .because("list.too-many", json!({ "max": 10 })),
        );
    }
    for (i, url) in crls.iter().enumerate() {
        check_url(errors, &format!("crl_urls[{i}]"), url);
    }
}

fn reason_text(errors: &mut Vec<FieldError>, reason: &str, required: bool) {
    check_text(errors, "reason", reason, required, 500);
}

/// Reads a certificate of a registration: PEM text, or base64 of DER.
fn certificate_from_text(text: &str, field: &str) -> Result<X509, AppError> {
    let bytes = crate::pki::pem_or_base64(text)
        .ok_or_else(|| unreadable_certificate(field, "expected a PEM certificate or base64 DER"))?;
    parse_certificate(&bytes).map_err(|why| unreadable_certificate(field, why))
}

/// A certificate field that holds no readable X.509 certificate.
fn unreadable_certificate(field: &str, why: impl Into<String>) -> AppError {
    AppError::invalid_field(FieldError::new(field, why).because("encoding.certificate", json!({})))
}

/// A refusal to admit a certificate, as the API says it (`field` names the
/// certificate refused when it is a supplied issuer).
fn refused_as(why: Refusal, field: Option<&str>) -> AppError {
    let (reason, params) = match &why {
        Refusal::Unfit(_) => ("trust.unfit", json!({})),
        Refusal::BadSignature(_) => ("trust.signature-invalid", json!({})),
        Refusal::NoIssuer(_) => ("trust.no-issuer", json!({})),
    };
    let detail = match field {
        Some(field) => format!("{field}: {}", why.detail()),
        None => why.detail().to_string(),
    };
    AppError::TrustServiceRejected(detail).because(reason, params)
}

fn refused(why: Refusal) -> AppError {
    refused_as(why, None)
}

/// Bumps the registry's generation; call in the transaction of every change.
pub fn bump_generation(conn: &mut DbConn) -> Result<(), AppError> {
    diesel::update(trust_generation::table.filter(trust_generation::id.eq(1)))
        .set(trust_generation::generation.eq(trust_generation::generation + 1))
        .execute(conn)?;
    Ok(())
}

/// The registry's generation: it changes with every change to the registry.
pub fn generation(conn: &mut DbConn) -> Result<i64, AppError> {
    Ok(trust_generation::table
        .filter(trust_generation::id.eq(1))
        .select(trust_generation::generation)
        .first(conn)
        .optional()?
        .unwrap_or(0))
}

/// Certificates as PEM, one after another.
fn pem_chain(certs: &[X509]) -> String {
    certs.iter().map(pem).collect()
}

fn pem(cert: &X509) -> String {
    cert.to_pem()
        .ok()
        .and_then(|p| String::from_utf8(p).ok())
        .unwrap_or_default()
}

fn league_exists(conn: &mut DbConn, league: &LeagueCode, field: &str) -> Result<(), AppError> {
    if crate::leagues::exists(conn, league)? {
        Ok(())
    } else {
        Err(AppError::invalid_field(
            FieldError::new(field, format!("no league {league}"))
                .because("league.unknown", json!({ "league": league.as_str() })),
        ))
    }
}

/// Registers a service; its first status is `granted` from `effective_from`.
pub fn register(
    conn: &mut DbConn,
    ctx: &AuditContext,
    new: &NewService,
) -> Result<Service, AppError> {
    let mut errors = Vec::new();
    check_sources(&mut errors, new.ocsp_url.as_deref(), &new.crl_urls);
    reason_text(&mut errors, new.reason.as_deref().unwrap_or(""), false);
    if new.issuers.len() > 5 {
        errors.push(
            FieldError::new("issuers", "at most 5").because("list.too-many", json!({ "max": 5 })),
        );
    }
    AppError::check(errors)?;
    match (&new.league, new.service_type) {
        // The platform's staff CA is the platform's, registered by its
        // operators, for its operators (`policy::signin_vouching`).
        (None, ServiceType::StaffCa) => crate::identity::policy::require_operator(
            &ctx.principal,
            crate::identity::policy::Area::TrustAnchors,
            None,
        )?,
        (None, _) => {
            return Err(AppError::invalid_field(
                FieldError::new(
                    "league",
                    "name the league that lists this service: only the platform's staff CA \
                     (staff_ca) belongs to no league",
                )
                .because("trust.league-required", json!({})),
            ));
        }
        (Some(_), ServiceType::StaffCa) => {
            return Err(AppError::invalid_field(
                FieldError::new(
                    "service_type",
                    "a staff CA is the platform's own, for its operators: register it without a \
                     league (a league's staff sign in with its personal CA)",
                )
                .because("trust.staff-ca-is-the-platforms", json!({})),
            ));
        }
        (Some(league), _) => league_exists(conn, league, "league")?,
    }
    let owner = new.league.as_ref().map(LeagueCode::as_str);
    let owner_text = new
        .league
        .as_ref()
        .map_or_else(|| "the platform".to_string(), |l| format!("league {l}"));
    let cert = certificate_from_text(&new.certificate, "certificate")?;
    // A new trust anchor (a root, or a CA vouched for by issuers brought
    // along rather than by a root already registered) is the platform's to
    // admit: a league's operator who could add one could issue itself any
    // account's certificate, in its league and in every league that
    // recognises it. A league operator adds CAs under its registered roots.
    // (A self-issued certificate of a key rollover, signed by a CA this
    // league lists, is a CA under a registered root like any other.)
    if admission::self_signed(&cert) || !new.issuers.is_empty() {
        crate::identity::policy::require_operator(
            &ctx.principal,
            crate::identity::policy::Area::TrustAnchors,
            owner,
        )?;
    }
    let der = cert
        .to_der()
        .map_err(|e| unreadable_certificate("certificate", e.to_string()))?;
    let (_, parsed) = X509Certificate::from_der(&der)
        .map_err(|e| unreadable_certificate("certificate", e.to_string()))?;
    admission::check_fit(&parsed, new.service_type).map_err(refused)?;
    if new.service_type == ServiceType::CrlIssuer && !new.issuers.is_empty() {
        return Err(AppError::invalid_field(
            FieldError::new(
                "issuers",
                "a CRL issuer is verified under a CA this league lists; register that CA first",
            )
            .because("trust.crl-issuer-no-issuers", json!({})),
        ));
    }
    let mut supplied = Vec::with_capacity(new.issuers.len());
    for (i, text) in new.issuers.iter().enumerate() {
        let field = format!("issuers[{i}]");
        let issuer = certificate_from_text(text, &field)?;
        let issuer_der = issuer
            .to_der()
            .map_err(|e| unreadable_certificate(&field, e.to_string()))?;
        let (_, parsed_issuer) = X509Certificate::from_der(&issuer_der)
            .map_err(|e| unreadable_certificate(&field, e.to_string()))?;
        admission::check_fit(&parsed_issuer, ServiceType::EnterpriseCa)
            .map_err(|why| refused_as(why, Some(&field)))?;
        supplied.push(issuer);
    }
    // Signatures: a root by its own key, anything else under an issuer
    // this league lists (or one supplied, itself whole). Another league's
    // listings play no part.
    // A CRL issuer signs no certificates: it is no one's issuer.
    let registered: Vec<X509> = list(conn, new.league.as_ref(), ctx.now)?
        .into_iter()
        .filter(|s| s.service.league == new.league)
        .filter(|s| s.service.service_type != ServiceType::CrlIssuer)
        .map(|s| s.certificate)
        .collect();
    let used = admission::whole(&cert, &registered, &supplied).map_err(refused)?;
    let issuer_chain = (!used.is_empty()).then(|| pem_chain(&used));
    let sha256 = fingerprint(&cert);
    let mut taken = trust_services::table
        .filter(trust_services::sha256.eq(&sha256))
        .into_boxed();
    taken = match owner {
        Some(league) => taken.filter(trust_services::league_code.eq(league)),
        None => taken.filter(trust_services::league_code.is_null()),
    };
    let taken: i64 = taken.count().get_result(conn)?;
    if taken > 0 {
        return Err(
            AppError::Conflict(format!("{owner_text} already lists this certificate")).because(
                "trust.listed-already",
                json!({ "league": owner.unwrap_or("") }),
            ),
        );
    }
    let (not_before, not_after) = match (utc(cert.not_before()), utc(cert.not_after())) {
        (Some(a), Some(b)) => (a, b),
        _ => {
            return Err(unreadable_certificate(
                "certificate",
                "its validity period cannot be read",
            ));
        }
    };
    let self_signed = admission::self_signed(&cert);
    // Signatures and certificates carry whole seconds: a service listed
    // "now" is listed from the start of this second.
    let effective_from = new
        .effective_from
        .unwrap_or_else(|| ctx.now.trunc_subsecs(0));
    let id = uuid::Uuid::new_v4().to_string();
    let reason = new.reason.clone().unwrap_or_else(|| "registered".into());
    diesel::insert_into(trust_services::table)
        .values((
            trust_services::id.eq(&id),
            trust_services::league_code.eq(owner),
            trust_services::service_type.eq(new.service_type.code()),
            trust_services::subject.eq(parsed.subject().to_string()),
            trust_services::issuer.eq(parsed.issuer().to_string()),
            trust_services::sha256.eq(&sha256),
            trust_services::certificate.eq(&der),
            trust_services::self_signed.eq(self_signed),
            trust_services::not_before.eq(to_db_time(not_before)),
            trust_services::not_after.eq(to_db_time(not_after)),
            trust_services::ocsp_url.eq(new.ocsp_url.as_deref()),
            trust_services::crl_urls.eq(json_list(&new.crl_urls)?),
            trust_services::status.eq(ServiceStatus::Granted.code()),
            trust_services::created_at.eq(to_db_time(ctx.now)),
            trust_services::issuer_chain.eq(issuer_chain.as_deref()),
        ))
        .execute(conn)?;
    insert_status(
        conn,
        &id,
        ServiceStatus::Granted,
        effective_from,
        &reason,
        ctx.now,
    )?;
    bump_generation(conn)?;
    let service = get(conn, &id, ctx.now)?;
    audit::record(
        conn,
        ctx,
        "trust.service.register",
        "trust_service",
        &id,
        None,
        &AuditedService::of(&service),
    )?;
    Ok(service)
}

/// What the audit payload says about a service (not the whole certificate).
#[derive(Serialize)]
struct AuditedService<'a> {
    league: &'a str,
    service_type: &'a str,
    subject: &'a str,
    sha256: &'a str,
    ocsp_url: Option<&'a str>,
    crl_urls: &'a [String],
    history: &'a [StatusChange],
}

impl<'a> AuditedService<'a> {
    fn of(s: &'a Service) -> Self {
        AuditedService {
            league: s.league.as_ref().map_or("", LeagueCode::as_str),
            service_type: s.service_type.code(),
            subject: &s.subject,
            sha256: &s.sha256,
            ocsp_url: s.ocsp_url.as_deref(),
            crl_urls: &s.crl_urls,
            history: &s.history,
        }
    }
}

fn json_list(list: &[String]) -> Result<String, AppError> {
    serde_json::to_string(list).map_err(|e| AppError::Internal(e.into()))
}

fn insert_status(
    conn: &mut DbConn,
    service_id: &str,
    status: ServiceStatus,
    effective_from: DateTime<Utc>,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    diesel::insert_into(trust_service_statuses::table)
        .values((
            trust_service_statuses::service_id.eq(service_id),
            trust_service_statuses::status.eq(status.code()),
            trust_service_statuses::effective_from.eq(to_db_time(effective_from)),
            trust_service_statuses::reason.eq(reason),
            trust_service_statuses::recorded_at.eq(to_db_time(now)),
        ))
        .execute(conn)?;
    Ok(())
}

/// Changes a service's status from a given time. A withdrawal is final.
pub fn change_status(
    conn: &mut DbConn,
    ctx: &AuditContext,
    id: &str,
    change: &NewStatus,
) -> Result<Service, AppError> {
    let mut errors = Vec::new();
    reason_text(&mut errors, &change.reason, true);
    AppError::check(errors)?;
    crate::db::lock_in_transaction(conn, &format!("trust-service:{id}"))?;
    let service = get(conn, id, ctx.now)?;
    let effective_from = change.effective_from.unwrap_or(ctx.now);
    // A withdrawal is final from its effective time; before it (a withdrawal
    // scheduled for later), an earlier suspension or withdrawal may still come.
    if service
        .history
        .iter()
        .any(|c| c.status == ServiceStatus::Withdrawn && c.effective_from <= effective_from)
    {
        return Err(AppError::Conflict(
            "the service is withdrawn by then, and a withdrawal is final".into(),
        )
        .because("trust.withdrawn", json!({})));
    }
    let first = service.history.iter().map(|c| c.effective_from).min();
    if let Some(first) = first.filter(|first| effective_from < *first) {
        return Err(AppError::invalid_field(
            FieldError::new(
                "effective_from",
                "must not be before the service was first listed",
            )
            .because(
                "time.not-before",
                json!({ "earliest": crate::reasons::time(first) }),
            ),
        ));
    }
    if status_at(&service.history, effective_from) == Some(change.status)
        && change.status != ServiceStatus::Withdrawn
    {
        return Err(AppError::Conflict(format!(
            "the service is already {} at that time",
            change.status.code()
        ))
        .because(
            "trust.status-already",
            json!({ "service_status": change.status.code() }),
        ));
    }
    insert_status(
        conn,
        id,
        change.status,
        effective_from,
        &change.reason,
        ctx.now,
    )?;
    refresh_current_status(conn, id, ctx.now)?;
    bump_generation(conn)?;
    let service = get(conn, id, ctx.now)?;
    #[derive(Serialize)]
    struct Changed<'a> {
        status: &'a str,
        effective_from: DateTime<Utc>,
        reason: &'a str,
    }
    audit::record(
        conn,
        ctx,
        "trust.service.status",
        "trust_service",
        id,
        None,
        &Changed {
            status: change.status.code(),
            effective_from,
            reason: &change.reason,
        },
    )?;
    Ok(service)
}

/// Keeps the denormalised `status` column (for listing) in step.
fn refresh_current_status(conn: &mut DbConn, id: &str, now: DateTime<Utc>) -> Result<(), AppError> {
    let history = history_of(conn, id)?;
    let current = status_at(&history, now).unwrap_or(ServiceStatus::Granted);
    diesel::update(trust_services::table.filter(trust_services::id.eq(id)))
        .set(trust_services::status.eq(current.code()))
        .execute(conn)?;
    Ok(())
}

/// Sets where revocation data for a service's certificates comes from.
pub fn set_revocation_sources(
    conn: &mut DbConn,
    ctx: &AuditContext,
    id: &str,
    sources: &RevocationSources,
) -> Result<Service, AppError> {
    let mut errors = Vec::new();
    check_sources(&mut errors, sources.ocsp_url.as_deref(), &sources.crl_urls);
    AppError::check(errors)?;
    get(conn, id, ctx.now)?;
    diesel::update(trust_services::table.filter(trust_services::id.eq(id)))
        .set((
            trust_services::ocsp_url.eq(sources.ocsp_url.as_deref()),
            trust_services::crl_urls.eq(json_list(&sources.crl_urls)?),
        ))
        .execute(conn)?;
    bump_generation(conn)?;
    audit::record(
        conn,
        ctx,
        "trust.service.revocation_sources",
        "trust_service",
        id,
        None,
        sources,
    )?;
    get(conn, id, ctx.now)
}

fn history_of(conn: &mut DbConn, id: &str) -> Result<Vec<StatusChange>, AppError> {
    let rows: Vec<(String, NaiveDateTime, String, NaiveDateTime)> = trust_service_statuses::table
        .filter(trust_service_statuses::service_id.eq(id))
        .order(trust_service_statuses::seq)
        .select((
            trust_service_statuses::status,
            trust_service_statuses::effective_from,
            trust_service_statuses::reason,
            trust_service_statuses::recorded_at,
        ))
        .load(conn)?;
    rows.into_iter()
        .map(|(status, from, reason, recorded)| {
            Ok(StatusChange {
                status: ServiceStatus::from_db(&status)?,
                effective_from: from_db_time(from),
                reason,
                recorded_at: from_db_time(recorded),
            })
        })
        .collect()
}

type ServiceRow = (
    String,
    Option<String>,
    String,
    String,
    String,
    String,
    Vec<u8>,
    bool,
    NaiveDateTime,
    NaiveDateTime,
    Option<String>,
    String,
    Option<String>,
);

/// The columns a [`ServiceRow`] is read from.
macro_rules! service_columns {
    () => {
        (
            trust_services::id,
            trust_services::league_code,
            trust_services::service_type,
            trust_services::subject,
            trust_services::issuer,
            trust_services::sha256,
            trust_services::certificate,
            trust_services::self_signed,
            trust_services::not_before,
            trust_services::not_after,
            trust_services::ocsp_url,
            trust_services::crl_urls,
            trust_services::issuer_chain,
        )
    };
}

fn assemble(
    conn: &mut DbConn,
    row: ServiceRow,
    now: DateTime<Utc>,
) -> Result<LoadedService, AppError> {
    let (id, league, ty, subject, issuer, sha256, der, self_signed, nb, na, ocsp, crls, chain) =
        row;
    let certificate = X509::from_der(&der)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("stored certificate of {id}: {e}")))?;
    let issuer_chain = match chain {
        Some(pem) => X509::stack_from_pem(pem.as_bytes())
            .map_err(|e| AppError::Internal(anyhow::anyhow!("stored issuers of {id}: {e}")))?,
        None => Vec::new(),
    };
    let history = history_of(conn, &id)?;
    let crl_urls: Vec<String> = serde_json::from_str(&crls)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("stored CRL URLs of {id}: {e}")))?;
    Ok(LoadedService {
        service: Service {
            status: status_at(&history, now),
            certificate_pem: pem(&certificate),
            id,
            league: league.map(LeagueCode::from_db),
            service_type: ServiceType::from_db(&ty)?,
            subject,
            issuer,
            sha256,
            self_signed,
            not_before: from_db_time(nb),
            not_after: from_db_time(na),
            ocsp_url: ocsp,
            crl_urls,
            history,
        },
        certificate,
        issuer_chain,
    })
}

/// One service.
pub fn get(conn: &mut DbConn, id: &str, now: DateTime<Utc>) -> Result<Service, AppError> {
    let row: Option<ServiceRow> = trust_services::table
        .filter(trust_services::id.eq(id))
        .select(service_columns!())
        .first(conn)
        .optional()?;
    let row = row.ok_or_else(|| AppError::not_found("trust service"))?;
    Ok(assemble(conn, row, now)?.service)
}

/// Services, optionally of one league.
pub fn list(
    conn: &mut DbConn,
    league: Option<&LeagueCode>,
    now: DateTime<Utc>,
) -> Result<Vec<LoadedService>, AppError> {
    let mut query = trust_services::table
        .select(service_columns!())
        .order((trust_services::league_code, trust_services::created_at))
        .into_boxed();
    if let Some(league) = league {
        query = query.filter(trust_services::league_code.eq(league.as_str()));
    }
    let rows: Vec<ServiceRow> = query.load(conn)?;
    rows.into_iter()
        .map(|row| assemble(conn, row, now))
        .collect()
}

/// Reads a CRL, PEM or DER.
pub fn parse_crl(bytes: &[u8]) -> Result<X509Crl, String> {
    let crl = if bytes.trim_ascii_start().starts_with(b"-----BEGIN") {
        X509Crl::from_pem(bytes)
    } else {
        X509Crl::from_der(bytes)
    }
    .map_err(|_| "not a CRL (PEM or DER)".to_string())?;
    let der = crl.to_der().map_err(|e| e.to_string())?;
    match x509_parser::revocation_list::CertificateRevocationList::from_der(&der) {
        Ok((_, _)) => Ok(crl),
        Err(e) => Err(format!("malformed CRL: {e}")),
    }
}

/// Loads a CRL signed by a registered service. Loading the same CRL twice
/// changes nothing.
pub fn load_crl(
    conn: &mut DbConn,
    ctx: &AuditContext,
    bytes: &[u8],
    source_url: Option<&str>,
) -> Result<CrlInfo, AppError> {
    load_crl_checked(
        conn,
        ctx,
        bytes,
        source_url,
        |_: Option<&LeagueCode>| Ok(()),
    )
}

/// Loads a CRL signed by a registered service of a league for which
/// `may_load` allows it (its refusal is returned if none is).
pub fn load_crl_checked(
    conn: &mut DbConn,
    ctx: &AuditContext,
    bytes: &[u8],
    source_url: Option<&str>,
    may_load: impl Fn(Option<&LeagueCode>) -> Result<(), AppError>,
) -> Result<CrlInfo, AppError> {
    if let Some(url) = source_url {
        let mut errors = Vec::new();
        check_url(&mut errors, "source_url", url);
        AppError::check(errors)?;
    }
    let crl = parse_crl(bytes).map_err(unreadable_crl)?;
    let der = crl.to_der().map_err(|e| unreadable_crl(e.to_string()))?;
    let sha256 = crate::identity::hex(&openssl::sha::sha256(&der));
    check_crl_extensions(&der).map_err(|why| {
        AppError::invalid_field(
            FieldError::new("crl", why).because("trust.crl-critical-extension", json!({})),
        )
    })?;
    let services = list(conn, None, ctx.now)?;
    // Its issuer by name (RFC 5280 §7.1, not byte for byte) and signature:
    // a CA, a CRL issuer (maybe of an indirect CRL), or another key of a
    // CA's name after a key rollover.
    let by_key: Vec<&LoadedService> = services
        .iter()
        .filter(|s| {
            admission::same_name(s.certificate.subject_name(), crl.issuer_name())
                && s.certificate
                    .public_key()
                    .and_then(|k| crl.verify(&k))
                    .unwrap_or(false)
        })
        .collect();
    let Some(first) = by_key.first() else {
        return Err(AppError::invalid_field(
            FieldError::new(
                "crl",
                "the CRL is not signed by any registered trust service",
            )
            .because("trust.crl-unknown-signer", json!({})),
        ));
    };
    // A key that may not sign CRLs (keyUsage without cRLSign) is not
    // believed about revocation (PKITS 4.7.4, 4.7.5).
    let signers: Vec<&LoadedService> = by_key
        .iter()
        .copied()
        .filter(|s| admission::may_sign_crls(&s.certificate))
        .collect();
    if signers.is_empty() {
        return Err(AppError::invalid_field(
            FieldError::new(
                "crl",
                format!(
                    "the CRL is signed by {}, whose keyUsage does not allow cRLSign: it may not \
                     sign CRLs",
                    first.service.subject
                ),
            )
            .because(
                "trust.crl-signer-not-allowed",
                json!({ "signer": first.service.subject }),
            ),
        ));
    }
    let first = signers[0];
    let issuer = match signers
        .iter()
        .find(|s| may_load(s.service.league.as_ref()).is_ok())
    {
        Some(issuer) => issuer,
        None => {
            return Err(may_load(first.service.league.as_ref())
                .err()
                .unwrap_or_else(|| {
                    AppError::Forbidden("the CRL's issuer is not yours to manage".into())
                        .because("trust.crl-issuer-not-yours", json!({}))
                }));
        }
    };
    if let Some(info) = crl_info(conn, &sha256)? {
        return Ok(info);
    }
    let this_update =
        utc(crl.last_update()).ok_or_else(|| unreadable_crl("unreadable thisUpdate"))?;
    let next_update = crl.next_update().and_then(utc);
    if this_update > ctx.now + chrono::Duration::minutes(5) {
        return Err(AppError::invalid_field(
            FieldError::new("crl", "thisUpdate lies in the future")
                .because("trust.crl-from-future", json!({})),
        ));
    }
    diesel::insert_into(trust_crls::table)
        .values((
            trust_crls::sha256.eq(&sha256),
            trust_crls::issuer.eq(&issuer.service.subject),
            trust_crls::issuer_service_id.eq(&issuer.service.id),
            trust_crls::der.eq(&der),
            trust_crls::this_update.eq(to_db_time(this_update)),
            trust_crls::next_update.eq(next_update.map(to_db_time)),
            trust_crls::source_url.eq(source_url),
            trust_crls::loaded_at.eq(to_db_time(ctx.now)),
        ))
        .execute(conn)?;
    bump_generation(conn)?;
    let info = crl_info(conn, &sha256)?
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("CRL vanished")))?;
    audit::record(
        conn,
        ctx,
        "trust.crl.load",
        "trust_crl",
        &sha256,
        None,
        &info,
    )?;
    Ok(info)
}

/// CRL extensions the platform processes (with openssl's extended CRL
/// support): authorityKeyIdentifier, cRLNumber, deltaCRLIndicator,
/// issuingDistributionPoint, freshestCRL, authorityInfoAccess.
const KNOWN_CRL_EXTENSIONS: [&str; 6] = [
    "2.5.29.35",
    "2.5.29.20",
    "2.5.29.27",
    "2.5.29.28",
    "2.5.29.46",
    "1.3.6.1.5.5.7.1.1",
];

/// CRL entry extensions processed: reasonCode, invalidityDate,
/// certificateIssuer (indirect CRLs).
const KNOWN_ENTRY_EXTENSIONS: [&str; 3] = ["2.5.29.21", "2.5.29.24", "2.5.29.29"];

/// A critical extension, of the CRL or of an entry, that is not processed
/// makes the CRL unusable (RFC 5280 §5.2, §5.3): it is refused at loading,
/// rather than accepted and then ignored.
pub fn check_crl_extensions(der: &[u8]) -> Result<(), String> {
    use x509_parser::revocation_list::CertificateRevocationList;
    let (_, crl) =
        CertificateRevocationList::from_der(der).map_err(|e| format!("malformed CRL: {e}"))?;
    for ext in crl.extensions() {
        let oid = ext.oid.to_id_string();
        if ext.critical && !KNOWN_CRL_EXTENSIONS.contains(&oid.as_str()) {
            return Err(format!(
                "the CRL carries a critical extension ({oid}) the platform does not process: \
                 it cannot be used"
            ));
        }
    }
    for entry in crl.iter_revoked_certificates() {
        for ext in entry.extensions() {
            let oid = ext.oid.to_id_string();
            if ext.critical && !KNOWN_ENTRY_EXTENSIONS.contains(&oid.as_str()) {
                return Err(format!(
                    "the CRL's entry for serial {} carries a critical extension ({oid}) the \
                     platform does not process: the CRL cannot be used",
                    entry.raw_serial_as_string()
                ));
            }
        }
    }
    Ok(())
}

type CrlRow = (
    String,
    String,
    String,
    Vec<u8>,
    NaiveDateTime,
    Option<NaiveDateTime>,
    Option<String>,
    NaiveDateTime,
);

/// The columns a [`CrlRow`] is read from.
macro_rules! crl_columns {
    () => {
        (
            trust_crls::sha256,
            trust_crls::issuer,
            trust_crls::issuer_service_id,
            trust_crls::der,
            trust_crls::this_update,
            trust_crls::next_update,
            trust_crls::source_url,
            trust_crls::loaded_at,
        )
    };
}

fn crl_from_row(row: CrlRow) -> Result<(CrlInfo, X509Crl), AppError> {
    let (sha256, issuer, service, der, this_update, next_update, source_url, loaded_at) = row;
    let crl = X509Crl::from_der(&der)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("stored CRL {sha256}: {e}")))?;
    let revoked_count = crl.get_revoked().map_or(0, |r| r.len());
    Ok((
        CrlInfo {
            sha256,
            issuer,
            issuer_service_id: service,
            this_update: from_db_time(this_update),
            next_update: next_update.map(from_db_time),
            revoked_count,
            source_url,
            loaded_at: from_db_time(loaded_at),
        },
        crl,
    ))
}

fn crl_info(conn: &mut DbConn, sha256: &str) -> Result<Option<CrlInfo>, AppError> {
    let row: Option<CrlRow> = trust_crls::table
        .filter(trust_crls::sha256.eq(sha256))
        .select(crl_columns!())
        .first(conn)
        .optional()?;
    row.map(|r| crl_from_row(r).map(|(info, _)| info))
        .transpose()
}

/// All loaded CRLs, newest first.
pub fn crls(conn: &mut DbConn) -> Result<Vec<(CrlInfo, X509Crl)>, AppError> {
    let rows: Vec<CrlRow> = trust_crls::table
        .select(crl_columns!())
        .order(trust_crls::this_update.desc())
        .load(conn)?;
    rows.into_iter().map(crl_from_row).collect()
}

type RecognitionRow = (
    String,
    String,
    String,
    String,
    NaiveDateTime,
    Option<NaiveDateTime>,
    String,
    Option<String>,
);

fn recognition_from_row(row: RecognitionRow) -> Result<Recognition, AppError> {
    let (id, league, recognised, ty, from, until, reason, end_reason) = row;
    Ok(Recognition {
        id,
        league: LeagueCode::from_db(league),
        recognised_league: LeagueCode::from_db(recognised),
        service_type: ServiceType::from_db(&ty)?,
        effective_from: from_db_time(from),
        effective_until: until.map(from_db_time),
        reason,
        end_reason,
    })
}

/// Recognition agreements, ended ones included (the history).
pub fn recognitions(
    conn: &mut DbConn,
    league: Option<&LeagueCode>,
) -> Result<Vec<Recognition>, AppError> {
    let mut query = trust_recognitions::table
        .select((
            trust_recognitions::id,
            trust_recognitions::league_code,
            trust_recognitions::recognised_league,
            trust_recognitions::service_type,
            trust_recognitions::effective_from,
            trust_recognitions::effective_until,
            trust_recognitions::reason,
            trust_recognitions::end_reason,
        ))
        .order((
            trust_recognitions::league_code,
            trust_recognitions::effective_from,
            trust_recognitions::id,
        ))
        .into_boxed();
    if let Some(league) = league {
        query = query.filter(trust_recognitions::league_code.eq(league.as_str()));
    }
    let rows: Vec<RecognitionRow> = query.load(conn)?;
    rows.into_iter().map(recognition_from_row).collect()
}

/// Records that one league recognises another's services of one type.
pub fn recognise(
    conn: &mut DbConn,
    ctx: &AuditContext,
    new: &NewRecognition,
) -> Result<Recognition, AppError> {
    let mut errors = Vec::new();
    reason_text(&mut errors, new.reason.as_deref().unwrap_or(""), false);
    if new.league == new.recognised_league {
        errors.push(
            FieldError::new(
                "recognised_league",
                "a league always trusts its own services; name another league",
            )
            .because("trust.recognise-own-league", json!({})),
        );
    }
    // The staff CA is the platform's, of no league, and vouches only for
    // the platform's own operators (`policy::signin_vouching`): there is no
    // league's staff CA to recognise, and an agreement naming the type
    // would read as if a league's staff could sign in with another's.
    if new.service_type == ServiceType::StaffCa {
        errors.push(
            FieldError::new(
                "service_type",
                "the platform's staff CA vouches only for the platform's own operators; no \
                 league recognises it: a recognition agreement cannot name staff_ca",
            )
            .because("trust.staff-ca-not-recognised", json!({})),
        );
    }
    AppError::check(errors)?;
    league_exists(conn, &new.league, "league")?;
    league_exists(conn, &new.recognised_league, "recognised_league")?;
    crate::db::lock_in_transaction(conn, &format!("trust-recognition:{}", new.league))?;
    let from = new.effective_from.unwrap_or(ctx.now);
    let overlapping = recognitions(conn, Some(&new.league))?.into_iter().any(|r| {
        r.recognised_league == new.recognised_league
            && r.service_type == new.service_type
            && r.effective_until.is_none_or(|until| from < until)
    });
    if overlapping {
        return Err(AppError::Conflict(format!(
            "league {} already recognises league {}'s {} services from then on; end that agreement first",
            new.league,
            new.recognised_league,
            new.service_type.code()
        ))
        .because(
            "trust.recognised-already",
            json!({
                "league": new.league.as_str(),
                "recognised": new.recognised_league.as_str(),
                "service": new.service_type.code(),
            }),
        ));
    }
    let recognition = Recognition {
        id: uuid::Uuid::new_v4().to_string(),
        league: new.league.clone(),
        recognised_league: new.recognised_league.clone(),
        service_type: new.service_type,
        effective_from: from,
        effective_until: None,
        reason: new.reason.clone().unwrap_or_default(),
        end_reason: None,
    };
    diesel::insert_into(trust_recognitions::table)
        .values((
            trust_recognitions::id.eq(&recognition.id),
            trust_recognitions::league_code.eq(recognition.league.as_str()),
            trust_recognitions::recognised_league.eq(recognition.recognised_league.as_str()),
            trust_recognitions::service_type.eq(recognition.service_type.code()),
            trust_recognitions::effective_from.eq(to_db_time(from)),
            trust_recognitions::reason.eq(&recognition.reason),
            trust_recognitions::created_at.eq(to_db_time(ctx.now)),
        ))
        .execute(conn)?;
    bump_generation(conn)?;
    audit::record(
        conn,
        ctx,
        "trust.recognition.create",
        "trust_recognition",
        &recognition.id,
        None,
        &recognition,
    )?;
    Ok(recognition)
}

/// Ends an agreement from a given time; the row stays as history.
pub fn end_recognition(
    conn: &mut DbConn,
    ctx: &AuditContext,
    id: &str,
    end: &EndRecognition,
) -> Result<Recognition, AppError> {
    let mut errors = Vec::new();
    reason_text(&mut errors, &end.reason, true);
    AppError::check(errors)?;
    let found = recognitions(conn, None)?
        .into_iter()
        .find(|r| r.id == id)
        .ok_or_else(|| AppError::not_found("recognition agreement"))?;
    // Ends of one agreement are serialised, so only the first one counts.
    crate::db::lock_in_transaction(conn, &format!("trust-recognition:{}", found.league))?;
    let current = recognitions(conn, None)?
        .into_iter()
        .find(|r| r.id == id)
        .ok_or_else(|| AppError::not_found("recognition agreement"))?;
    if current.effective_until.is_some() {
        return Err(AppError::Conflict("the agreement has already ended".into())
            .because("trust.agreement-ended", json!({})));
    }
    let until = end.effective_until.unwrap_or(ctx.now);
    if until < current.effective_from {
        return Err(AppError::invalid_field(
            FieldError::new(
                "effective_until",
                "must not be before the agreement took effect",
            )
            .because(
                "time.not-before",
                json!({ "earliest": crate::reasons::time(current.effective_from) }),
            ),
        ));
    }
    diesel::update(trust_recognitions::table.filter(trust_recognitions::id.eq(id)))
        .set((
            trust_recognitions::effective_until.eq(Some(to_db_time(until))),
            trust_recognitions::ended_at.eq(Some(to_db_time(ctx.now))),
            trust_recognitions::end_reason.eq(Some(&end.reason)),
        ))
        .execute(conn)?;
    bump_generation(conn)?;
    #[derive(Serialize)]
    struct Ended<'a> {
        effective_until: DateTime<Utc>,
        reason: &'a str,
    }
    audit::record(
        conn,
        ctx,
        "trust.recognition.end",
        "trust_recognition",
        id,
        None,
        &Ended {
            effective_until: until,
            reason: &end.reason,
        },
    )?;
    recognitions(conn, None)?
        .into_iter()
        .find(|r| r.id == id)
        .ok_or_else(|| AppError::not_found("recognition agreement"))
}
