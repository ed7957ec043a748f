//! HTTP for the trust registry: services, CRLs, recognition agreements,
//! validation, and the signed trust lists. Reading is public (trust lists
//! are public by nature); changes are for operators and are audited: a
//! league operator changes its own league's entries, a platform operator
//! any league's (`authority`).

use super::authority::{authorise, authorise_recognition, require_operator};
use super::lists::{self, Jws, TrustList, TrustLists};
use super::model::{Recognition, ServiceType};
use super::registry::TrustReport;
use super::requirements::{self, PolicyRequirement, RequirementChange};
use super::store::{
    self, CrlInfo, EndRecognition, NewRecognition, NewService, NewStatus, RevocationSources,
    Service,
};
use crate::app::AppState;
use crate::audit::AuditContext;
use crate::error::AppError;
use crate::identity::{Principal, Role};
use crate::pki::policy::Purpose;
use crate::types::LeagueCode;
use actix_web::{HttpResponse, get, post, put, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct LeagueFilter {
    /// Only this league's entries.
    pub league: Option<String>,
}

fn league_filter(raw: Option<&str>) -> Result<Option<LeagueCode>, AppError> {
    raw.map(crate::http::league_query).transpose()
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ServiceList {
    pub items: Vec<Service>,
}

/// Registered trust services, with their status history.
#[utoipa::path(tag = "trust", params(LeagueFilter), responses((status = 200, body = ServiceList)))]
#[get("/trust/services")]
pub async fn list_services(
    state: web::Data<AppState>,
    query: web::Query<LeagueFilter>,
) -> Result<web::Json<ServiceList>, AppError> {
    let league = league_filter(query.league.as_deref())?;
    let now = state.clock.now();
    let items = state
        .db
        .read(move |conn| store::list(conn, league.as_ref(), now))
        .await?
        .into_iter()
        .map(|s| s.service)
        .collect();
    Ok(web::Json(ServiceList { items }))
}

/// One trust service.
#[utoipa::path(
    tag = "trust",
    params(("id" = String, Path)),
    responses((status = 200, body = Service), (status = 404, body = crate::error::Problem))
)]
#[get("/trust/services/{id}")]
pub async fn get_service(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<web::Json<Service>, AppError> {
    let now = state.clock.now();
    let id = crate::http::uuid_id(&id, "trust service")?;
    Ok(web::Json(
        state
            .db
            .read(move |conn| store::get(conn, &id, now))
            .await?,
    ))
}

/// Registers a league's trust service (operators).
#[utoipa::path(
    tag = "trust",
    request_body = NewService,
    responses(
        (status = 201, body = Service),
        (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)
    )
)]
#[post("/trust/services")]
pub async fn register_service(
    state: web::Data<AppState>,
    principal: Principal,
    ctx: AuditContext,
    body: web::Json<NewService>,
) -> Result<HttpResponse, AppError> {
    let kind = require_operator(&principal)?;
    let new = body.into_inner();
    authorise(&kind, new.league.as_ref())?;
    let ctx = ctx.acting_as(Role::Operator);
    let service = state
        .db
        .write(move |conn| store::register(conn, &ctx, &new))
        .await?;
    state.trust.invalidate();
    Ok(HttpResponse::Created().json(service))
}

/// Suspends, grants again or withdraws a service from a given time (operators).
#[utoipa::path(
    tag = "trust",
    params(("id" = String, Path)),
    request_body = NewStatus,
    responses(
        (status = 200, body = Service),
        (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)
    )
)]
#[post("/trust/services/{id}/status")]
pub async fn change_status(
    state: web::Data<AppState>,
    principal: Principal,
    ctx: AuditContext,
    id: web::Path<String>,
    body: web::Json<NewStatus>,
) -> Result<web::Json<Service>, AppError> {
    let kind = require_operator(&principal)?;
    let (id, change) = (
        crate::http::uuid_id(&id, "trust service")?,
        body.into_inner(),
    );
    let ctx = ctx.acting_as(Role::Operator);
    let service = state
        .db
        .write(move |conn| {
            authorise(&kind, store::get(conn, &id, ctx.now)?.league.as_ref())?;
            store::change_status(conn, &ctx, &id, &change)
        })
        .await?;
    state.trust.invalidate();
    Ok(web::Json(service))
}

/// Sets where revocation data for a service's certificates comes from (operators).
#[utoipa::path(
    tag = "trust",
    params(("id" = String, Path)),
    request_body = RevocationSources,
    responses(
        (status = 200, body = Service),
        (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)
    )
)]
#[put("/trust/services/{id}/revocation")]
pub async fn set_revocation(
    state: web::Data<AppState>,
    principal: Principal,
    ctx: AuditContext,
    id: web::Path<String>,
    body: web::Json<RevocationSources>,
) -> Result<web::Json<Service>, AppError> {
    let kind = require_operator(&principal)?;
    let (id, sources) = (
        crate::http::uuid_id(&id, "trust service")?,
        body.into_inner(),
    );
    let ctx = ctx.acting_as(Role::Operator);
    let service = state
        .db
        .write(move |conn| {
            authorise(&kind, store::get(conn, &id, ctx.now)?.league.as_ref())?;
            store::set_revocation_sources(conn, &ctx, &id, &sources)
        })
        .await?;
    state.trust.invalidate();
    Ok(web::Json(service))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct CrlList {
    pub items: Vec<CrlInfo>,
}

/// Loaded CRLs.
#[utoipa::path(tag = "trust", responses((status = 200, body = CrlList)))]
#[get("/trust/crls")]
pub async fn list_crls(state: web::Data<AppState>) -> Result<web::Json<CrlList>, AppError> {
    let items = state
        .db
        .read(store::crls)
        .await?
        .into_iter()
        .map(|(info, _)| info)
        .collect();
    Ok(web::Json(CrlList { items }))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCrl {
    /// The CRL, PEM (or DER in base64).
    pub crl: String,
    /// Where it was fetched from, if anywhere.
    #[serde(default)]
    pub source_url: Option<String>,
}

/// Loads a CRL signed by a registered service (operators). Loading the same
/// CRL again changes nothing.
#[utoipa::path(
    tag = "trust",
    request_body = NewCrl,
    responses(
        (status = 201, body = CrlInfo),
        (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)
    )
)]
#[post("/trust/crls")]
pub async fn load_crl(
    state: web::Data<AppState>,
    principal: Principal,
    ctx: AuditContext,
    body: web::Json<NewCrl>,
) -> Result<HttpResponse, AppError> {
    let kind = require_operator(&principal)?;
    let new = body.into_inner();
    let bytes = crate::pki::pem_or_base64(&new.crl).ok_or_else(|| {
        AppError::invalid_field(
            crate::error::FieldError::new("crl", "expected a PEM CRL or base64 DER")
                .because("encoding.crl", serde_json::json!({})),
        )
    })?;
    let ctx = ctx.acting_as(Role::Operator);
    let source = new.source_url;
    let info = state
        .db
        .write(move |conn| {
            store::load_crl_checked(conn, &ctx, &bytes, source.as_deref(), |league| {
                authorise(&kind, league)
            })
        })
        .await?;
    state.trust.invalidate();
    Ok(HttpResponse::Created().json(info))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct RecognitionList {
    pub items: Vec<Recognition>,
}

/// Recognition agreements, ended ones included.
#[utoipa::path(tag = "trust", params(LeagueFilter), responses((status = 200, body = RecognitionList)))]
#[get("/trust/recognitions")]
pub async fn list_recognitions(
    state: web::Data<AppState>,
    query: web::Query<LeagueFilter>,
) -> Result<web::Json<RecognitionList>, AppError> {
    let league = league_filter(query.league.as_deref())?;
    let items = state
        .db
        .read(move |conn| store::recognitions(conn, league.as_ref()))
        .await?;
    Ok(web::Json(RecognitionList { items }))
}

/// Records that a league recognises another league's services of a type (operators).
#[utoipa::path(
    tag = "trust",
    request_body = NewRecognition,
    responses(
        (status = 201, body = Recognition),
        (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)
    )
)]
#[post("/trust/recognitions")]
pub async fn recognise(
    state: web::Data<AppState>,
    principal: Principal,
    ctx: AuditContext,
    body: web::Json<NewRecognition>,
) -> Result<HttpResponse, AppError> {
    let kind = require_operator(&principal)?;
    let new = body.into_inner();
    // The recognising league decides whom it trusts.
    authorise_recognition(&kind, &new.league)?;
    let ctx = ctx.acting_as(Role::Operator);
    let recognition = state
        .db
        .write(move |conn| store::recognise(conn, &ctx, &new))
        .await?;
    state.trust.invalidate();
    Ok(HttpResponse::Created().json(recognition))
}

/// Ends a recognition agreement from a given time (operators).
#[utoipa::path(
    tag = "trust",
    params(("id" = String, Path)),
    request_body = EndRecognition,
    responses(
        (status = 200, body = Recognition),
        (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)
    )
)]
#[post("/trust/recognitions/{id}/end")]
pub async fn end_recognition(
    state: web::Data<AppState>,
    principal: Principal,
    ctx: AuditContext,
    id: web::Path<String>,
    body: web::Json<EndRecognition>,
) -> Result<web::Json<Recognition>, AppError> {
    let kind = require_operator(&principal)?;
    let (id, end) = (
        crate::http::uuid_id(&id, "recognition agreement")?,
        body.into_inner(),
    );
    let ctx = ctx.acting_as(Role::Operator);
    let recognition = state
        .db
        .write(move |conn| {
            let league = store::recognitions(conn, None)?
                .into_iter()
                .find(|r| r.id == id)
                .ok_or_else(|| AppError::not_found("recognition agreement"))?
                .league;
            authorise_recognition(&kind, &league)?;
            store::end_recognition(conn, &ctx, &id, &end)
        })
        .await?;
    state.trust.invalidate();
    Ok(web::Json(recognition))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct PolicyRequirementList {
    pub items: Vec<PolicyRequirement>,
}

/// A league in a path: 404 when it is no league's code or no league.
async fn known_league(state: &AppState, raw: &str) -> Result<LeagueCode, AppError> {
    let code = LeagueCode::parse(raw).map_err(|_| AppError::not_found("league"))?;
    let probe = code.clone();
    if state
        .db
        .read(move |conn| crate::leagues::exists(conn, &probe))
        .await?
    {
        Ok(code)
    } else {
        Err(AppError::not_found("league"))
    }
}

/// A league's certificate-policy requirements per trust service type (any
/// signed-in user). The registry applies them to every decision for the
/// league, combined with a request's own inputs (see README).
#[utoipa::path(
    tag = "trust",
    params(("league" = String, Path)),
    responses(
        (status = 200, body = PolicyRequirementList),
        (status = 401, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem)
    )
)]
#[get("/trust/leagues/{league}/policy-requirements")]
pub async fn list_policy_requirements(
    state: web::Data<AppState>,
    principal: Principal,
    league: web::Path<String>,
) -> Result<web::Json<PolicyRequirementList>, AppError> {
    if !principal.is_authenticated() {
        return Err(AppError::Unauthenticated(
            "policy requirements are for signed-in users".into(),
        )
        .because("auth.sign-in-first", serde_json::json!({})));
    }
    let league = known_league(&state, &league).await?;
    let items = state
        .db
        .read(move |conn| requirements::list(conn, Some(&league)))
        .await?;
    Ok(web::Json(PolicyRequirementList { items }))
}

/// Sets a league's certificate-policy requirement for one trust service
/// type; all defaults removes it (the league's operators, platform
/// operators). Audited; every node applies it from the next validation.
#[utoipa::path(
    tag = "trust",
    params(("league" = String, Path), ("service_type" = String, Path)),
    request_body = RequirementChange,
    responses(
        (status = 200, body = PolicyRequirement),
        (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)
    )
)]
#[put("/trust/leagues/{league}/policy-requirements/{service_type}")]
pub async fn set_policy_requirement(
    state: web::Data<AppState>,
    principal: Principal,
    ctx: AuditContext,
    path: web::Path<(String, String)>,
    body: web::Json<serde_json::Value>,
) -> Result<web::Json<PolicyRequirement>, AppError> {
    // Who asks is settled before anything of the request is looked at.
    let kind = require_operator(&principal)?;
    let (league, service_type) = path.into_inner();
    let league = LeagueCode::parse(&league).map_err(|_| AppError::not_found("league"))?;
    authorise(&kind, Some(&league))?;
    let league = known_league(&state, league.as_str()).await?;
    let service_type =
        ServiceType::from_code(&service_type).ok_or_else(|| AppError::not_found("service type"))?;
    let change: RequirementChange =
        serde_json::from_value(body.into_inner()).map_err(|e| crate::http::body_misfit(&e))?;
    let ctx = ctx.acting_as(Role::Operator);
    let requirement = state
        .db
        .write(move |conn| requirements::set(conn, &ctx, &league, service_type, &change))
        .await?;
    state.trust.invalidate();
    Ok(web::Json(requirement))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ValidateRequest {
    /// The certificate, PEM (or DER in base64).
    pub certificate: String,
    #[serde(default = "default_purpose")]
    pub purpose: Purpose,
    /// Service types that may vouch (default: enterprise and personal CAs, or
    /// timestamp authorities for time-stamping).
    #[serde(default)]
    pub service_types: Option<Vec<ServiceType>>,
    /// Decide acceptance in this league (default: any league).
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub league: Option<LeagueCode>,
    /// The time that matters, e.g. the signing time (default: now).
    #[serde(default)]
    pub at: Option<DateTime<Utc>>,
    /// Certificate-policy inputs of RFC 5280 §6.1.1 (default: any policy,
    /// nothing explicit, mapping and anyPolicy allowed).
    #[serde(default)]
    pub policies: Option<crate::pki::policy::PolicyInputs>,
}

fn default_purpose() -> Purpose {
    Purpose::Signing
}

/// The service types that may vouch for a certificate used for `purpose`.
pub fn default_types(purpose: Purpose) -> Vec<ServiceType> {
    match purpose {
        Purpose::TimeStamping => vec![ServiceType::TimestampAuthority],
        Purpose::Signing | Purpose::ClientAuth => {
            vec![ServiceType::EnterpriseCa, ServiceType::PersonalCa]
        }
    }
}

/// Validates a certificate against the registry (any signed-in user).
#[utoipa::path(
    tag = "trust",
    request_body = ValidateRequest,
    responses(
        (status = 200, body = TrustReport),
        (status = 401, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)
    )
)]
#[post("/trust/validate")]
pub async fn validate_certificate(
    state: web::Data<AppState>,
    principal: Principal,
    body: web::Json<ValidateRequest>,
) -> Result<web::Json<TrustReport>, AppError> {
    if !principal.is_authenticated() {
        return Err(
            AppError::Unauthenticated("validation is for signed-in users".into())
                .because("auth.sign-in-first", serde_json::json!({})),
        );
    }
    let request = body.into_inner();
    let policies = request.policies.clone().unwrap_or_default();
    policies
        .check()
        .map_err(|why| AppError::invalid_field(requirements::policies_refused("policies", &why)))?;
    // Undecodable text is validated as is and reported as a format failure.
    let bytes = crate::pki::pem_or_base64(&request.certificate)
        .unwrap_or_else(|| request.certificate.clone().into_bytes());
    let now = state.clock.now();
    let at = request.at.unwrap_or(now);
    let types = request
        .service_types
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| default_types(request.purpose));
    let snapshot = state.trust.get(&state.db, now).await?;
    let league = request.league;
    let purpose = request.purpose;
    let report = crate::db::off_executor(move || {
        Ok(snapshot.check_with(&bytes, purpose, &types, league.as_ref(), at, &policies))
    })
    .await?;
    Ok(web::Json(report))
}

/// The public key that signs the trust lists (PEM).
#[utoipa::path(
    tag = "trust",
    responses((status = 200, content_type = "application/x-pem-file", body = String))
)]
#[get("/trust/signing-key")]
pub async fn signing_key(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/x-pem-file")
        .insert_header(("X-Key-Id", state.signing_key.key_id.clone()))
        .body(state.signing_key.public_pem.clone())
}

async fn league_lists(
    state: &AppState,
    only: Option<LeagueCode>,
) -> Result<Vec<TrustList>, AppError> {
    let now = state.clock.now();
    let (leagues, services, recognitions) = state
        .db
        .read(move |conn| {
            let leagues = crate::leagues::list(conn)?;
            let services = store::list(conn, only.as_ref(), now)?
                .into_iter()
                .map(|s| {
                    let der = s.certificate.to_der().unwrap_or_default();
                    (s.service, der)
                })
                .collect::<Vec<_>>();
            let recognitions = store::recognitions(conn, only.as_ref())?;
            Ok((leagues, services, recognitions))
        })
        .await?;
    Ok(leagues
        .iter()
        .map(|league| lists::build(league, &services, &recognitions, now))
        .collect())
}

/// One league's signed trust list (JWS, flattened JSON; see README).
#[utoipa::path(
    tag = "trust",
    params(("league" = String, Path)),
    responses((status = 200, body = Jws), (status = 404, body = crate::error::Problem))
)]
#[get("/trust/lists/{league}")]
pub async fn league_list(
    state: web::Data<AppState>,
    league: web::Path<String>,
) -> Result<web::Json<Jws>, AppError> {
    let code = LeagueCode::parse(&league).map_err(|_| AppError::not_found("league"))?;
    let list = league_lists(&state, Some(code.clone()))
        .await?
        .into_iter()
        .find(|l| l.league == code.as_str())
        .ok_or_else(|| AppError::not_found("league"))?;
    Ok(web::Json(lists::sign(
        &state.signing_key,
        "ggzy-trust-list+json",
        &list,
    )?))
}

/// All leagues' trust lists in one signed document (JWS, flattened JSON).
#[utoipa::path(tag = "trust", responses((status = 200, body = Jws)))]
#[get("/trust/lists")]
pub async fn all_lists(state: web::Data<AppState>) -> Result<web::Json<Jws>, AppError> {
    let now = state.clock.now();
    let lists = league_lists(&state, None).await?;
    let combined = TrustLists {
        format: lists::LISTS_FORMAT.into(),
        issued_at: now,
        next_update: now + chrono::Duration::hours(24),
        lists,
    };
    Ok(web::Json(lists::sign(
        &state.signing_key,
        "ggzy-trust-lists+json",
        &combined,
    )?))
}
