//! Tender endpoints: drafting, the public board, lifecycle and amendments.

use super::limits;
use super::model::TenderInput;
use super::store::{
    self, AmendmentInput, Notice, Parties, TenderDetail, TenderFilter, TenderSummary,
    TransitionInput,
};
use crate::app::AppState;
use crate::audit::AuditContext;
use crate::db::DbConn;
use crate::error::{AppError, FieldError};
use crate::http::{Page, PageQuery};
use crate::identity::{Principal, Role};
use crate::types::{OrganisationId, TenderId};
use actix_web::{HttpResponse, get, post, put, web};
use serde::Serialize;
use serde_json::json;

/// Parses a tender id from a path and records it in the request's span.
pub fn parse_id(raw: &str) -> Result<TenderId, AppError> {
    let id = TenderId::parse(raw).ok_or_else(|| AppError::not_found("tender"))?;
    tracing::Span::current().record("tender_id", id.as_str());
    Ok(id)
}

/// Decides league, tenderer and agent for a new tender from who is asking.
fn parties(
    conn: &mut DbConn,
    principal: &Principal,
    role: Role,
    input: &TenderInput,
) -> Result<Parties, AppError> {
    let own_league = principal.league.clone().ok_or_else(|| {
        AppError::Forbidden("your account belongs to no league".into())
            .because("account.no-league", json!({}))
    })?;
    let league = input.league.clone().unwrap_or_else(|| own_league.clone());
    if league != own_league {
        return Err(
            AppError::Forbidden(format!("you act for league {own_league}, not {league}")).because(
                "tender.own-league-only",
                json!({ "mine": own_league.as_str(), "league": league.as_str() }),
            ),
        );
    }
    let own_org = principal.organisation.clone().ok_or_else(|| {
        AppError::Forbidden("your account belongs to no organisation".into())
            .because("account.no-organisation", json!({}))
    })?;
    let (tenderer, agent) = match role {
        Role::Tenderer => {
            if input
                .tenderer_org_id
                .as_ref()
                .is_some_and(|t| *t != own_org)
            {
                return Err(AppError::Forbidden(
                    "a tenderer publishes for its own organisation only".into(),
                )
                .because("tender.tenderer-own-organisation", json!({})));
            }
            (own_org, None)
        }
        _ => {
            let tenderer = input.tenderer_org_id.clone().ok_or_else(|| {
                AppError::invalid_field(
                    FieldError::new(
                        "tenderer_org_id",
                        "an agent must name the tenderer it acts for",
                    )
                    .because("tender.agent-names-tenderer", json!({})),
                )
            })?;
            let parsed = OrganisationId::parse(tenderer.as_str()).ok_or_else(|| {
                AppError::invalid_field(
                    FieldError::new("tenderer_org_id", "not an organisation id")
                        .because("id.malformed", json!({})),
                )
            })?;
            // An agent runs tenders only for tenderers of its own league.
            match crate::identity::store::organisation_league(conn, parsed.as_str())? {
                None => {
                    return Err(AppError::invalid_field(
                        FieldError::new("tenderer_org_id", "no such organisation")
                            .because("id.unknown", json!({})),
                    ));
                }
                Some(l) if l != league.as_str() => {
                    return Err(AppError::Forbidden(format!(
                        "the tenderer belongs to league {l}; this tender is run in {league}"
                    ))
                    .because(
                        "tender.tenderer-other-league",
                        json!({ "tenderer_league": l, "league": league.as_str() }),
                    ));
                }
                Some(_) => {}
            }
            (parsed, Some(own_org))
        }
    };
    if !crate::leagues::exists(conn, &league)? {
        return Err(AppError::invalid_field(
            FieldError::new("league", "no such league")
                .because("league.unknown", json!({ "league": league.as_str() })),
        ));
    }
    Ok(Parties {
        league,
        tenderer,
        agent,
    })
}

fn validated(
    input: TenderInput,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<TenderInput, AppError> {
    let input = TenderInput {
        dates: input.dates.truncated(),
        ..input
    };
    AppError::check(input.validate())?;
    let facts = limits::DateFacts::new(input.category, input.method, &input.dates);
    limits::check_draft(&facts, now)?;
    Ok(input)
}

/// A tenderer organisation an agent may name as `tenderer_org_id`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TendererChoice {
    pub id: OrganisationId,
    pub name: String,
    /// Its unified social credit code, where the platform knows it.
    pub credit_code: Option<String>,
    /// Whether this agent's organisation already runs or ran a tender for it.
    pub acted_for: bool,
}

/// The tenderer organisations an agent may act for.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TendererChoices {
    pub items: Vec<TendererChoice>,
}

/// The tenderer organisations the signed-in agent may draft a tender for
/// (agents only): the platform records no agency agreement, so these are
/// the organisations of the agent's own league (the only ones
/// [`parties`] accepts) that have a tenderer account or already had a
/// tender run by this agent's organisation, those first; never the agent's
/// own organisation (drafting for it is acting as its tenderer).
#[utoipa::path(
    tag = "tenders",
    responses(
        (status = 200, body = TendererChoices),
        (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem)
    )
)]
#[get("/me/tenderers")]
pub async fn my_tenderers(
    state: web::Data<AppState>,
    principal: Principal,
) -> Result<web::Json<TendererChoices>, AppError> {
    principal.require_any(&[Role::Agent])?;
    let league = principal.league.clone().ok_or_else(|| {
        AppError::Forbidden("your account belongs to no league".into())
            .because("account.no-league", json!({}))
    })?;
    let own = principal.organisation.clone().ok_or_else(|| {
        AppError::Forbidden("your account belongs to no organisation".into())
            .because("account.no-organisation", json!({}))
    })?;
    let items = state
        .db
        .read(move |conn| tenderer_choices(conn, league.as_str(), own.as_str()))
        .await?;
    Ok(web::Json(TendererChoices { items }))
}

fn tenderer_choices(
    conn: &mut DbConn,
    league: &str,
    own: &str,
) -> Result<Vec<TendererChoice>, AppError> {
    use crate::db::schema::{organisations, tenders, user_roles, users};
    use diesel::prelude::*;
    let with_tenderer: Vec<String> = users::table
        .inner_join(user_roles::table)
        .filter(user_roles::role.eq(Role::Tenderer.code()))
        .filter(users::disabled.eq(false))
        .filter(users::organisation_id.is_not_null())
        .select(users::organisation_id.assume_not_null())
        .distinct()
        .load(conn)?;
    let acted_for: Vec<String> = tenders::table
        .filter(tenders::agent_org_id.eq(own))
        .select(tenders::tenderer_org_id)
        .distinct()
        .load(conn)?;
    let rows: Vec<(String, String, Option<String>)> = organisations::table
        .filter(organisations::league_code.eq(league))
        .filter(organisations::id.ne(own))
        .filter(
            organisations::id
                .eq_any(&with_tenderer)
                .or(organisations::id.eq_any(&acted_for)),
        )
        .order((organisations::name.asc(), organisations::id.asc()))
        .select((
            organisations::id,
            organisations::name,
            organisations::credit_code,
        ))
        .load(conn)?;
    let mut items: Vec<TendererChoice> = rows
        .into_iter()
        .map(|(id, name, credit_code)| TendererChoice {
            acted_for: acted_for.contains(&id),
            id: OrganisationId::from_db(id),
            name,
            credit_code,
        })
        .collect();
    items.sort_by_key(|c| !c.acted_for);
    Ok(items)
}

/// Creates a draft tender (tenderers and agents).
#[utoipa::path(
    tag = "tenders",
    request_body = TenderInput,
    responses(
        (status = 201, body = TenderDetail),
        (status = 400, body = crate::error::Problem),
        (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem),
        (status = 413, body = crate::error::Problem),
        (status = 415, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)
    )
)]
#[post("/tenders")]
pub async fn create_tender(
    state: web::Data<AppState>,
    principal: Principal,
    ctx: AuditContext,
    body: web::Json<TenderInput>,
) -> Result<HttpResponse, AppError> {
    principal.require_any(&[Role::Tenderer, Role::Agent])?;
    let input = validated(body.into_inner(), ctx.now)?;
    // Naming another organisation as the tenderer is acting as its agent.
    let for_other = input
        .tenderer_org_id
        .as_ref()
        .is_some_and(|t| Some(t) != principal.organisation.as_ref());
    let role = if principal.has(Role::Agent) && (for_other || !principal.has(Role::Tenderer)) {
        Role::Agent
    } else {
        Role::Tenderer
    };
    let detail = state
        .db
        .write(move |conn| {
            let ctx = ctx.acting_as(role);
            let parties = parties(conn, &principal, role, &input)?;
            let id = store::insert_draft(conn, &ctx, &input, &parties)?;
            let row = store::load_row(conn, &id)?;
            store::detail(conn, &row, &principal)
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/tenders/{}", detail.summary.id)))
        .json(detail))
}

/// Replaces the fields of a draft.
#[utoipa::path(
    tag = "tenders",
    params(("id" = String, Path)),
    request_body = TenderInput,
    responses(
        (status = 200, body = TenderDetail),
        (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)
    )
)]
#[put("/tenders/{id}")]
pub async fn update_tender(
    state: web::Data<AppState>,
    principal: Principal,
    ctx: AuditContext,
    id: web::Path<String>,
    body: web::Json<TenderInput>,
) -> Result<web::Json<TenderDetail>, AppError> {
    let id = parse_id(&id)?;
    principal.require_any(&[Role::Tenderer, Role::Agent, Role::Operator])?;
    let input = body.into_inner();
    let detail = state
        .db
        .write(move |conn| {
            store::lock(conn, &id)?;
            // Who may edit it first; then what the edit says.
            let (row, role) = store::load_managed(conn, &id, &principal)?;
            let input = validated(input, ctx.now)?;
            let ctx = ctx.acting_as(role);
            if input
                .league
                .as_ref()
                .is_some_and(|l| l.as_str() != row.league_code)
            {
                return Err(AppError::invalid_field(
                    FieldError::new("league", "a tender's league cannot change")
                        .because("value.unchangeable", json!({})),
                ));
            }
            if input
                .tenderer_org_id
                .as_ref()
                .is_some_and(|t| t.as_str() != row.tenderer_org_id)
            {
                return Err(AppError::invalid_field(
                    FieldError::new("tenderer_org_id", "a tender's tenderer cannot change")
                        .because("value.unchangeable", json!({})),
                ));
            }
            store::update_draft(conn, &ctx, &row, &input)?;
            let row = store::load_row(conn, &id)?;
            store::detail(conn, &row, &principal)
        })
        .await?;
    Ok(web::Json(detail))
}

/// The notice board: tenders visible to the caller, filtered and paged.
#[utoipa::path(
    tag = "tenders",
    params(TenderFilter),
    responses(
        (status = 200, body = Page<TenderSummary>),
        (status = 400, body = crate::error::Problem),
        (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem)
    )
)]
#[get("/tenders")]
pub async fn list_tenders(
    state: web::Data<AppState>,
    principal: Principal,
    query: web::Query<TenderFilter>,
) -> Result<web::Json<Page<TenderSummary>>, AppError> {
    let filter = query.into_inner();
    if filter.mine == Some(true) {
        runs_tenders(&principal)?;
    }
    let paging = PageQuery {
        page: filter.page,
        per_page: filter.per_page,
    }
    .validate()?;
    crate::http::search_text_query(filter.q.as_deref())?;
    if let Some(league) = &filter.league {
        crate::http::league_query(league)?;
    }
    let page = state
        .db
        .read(move |conn| store::list(conn, &filter, &principal, paging))
        .await?;
    Ok(web::Json(page))
}

/// Who may ask for "my tenders": a tenderer's or an agent's account of an
/// organisation, or a league operator (who runs its league's procedures,
/// `identity::policy::Area::TenderProcedures`).
fn runs_tenders(principal: &Principal) -> Result<(), AppError> {
    if !principal.is_authenticated() {
        return Err(crate::identity::sign_in_first());
    }
    let organiser = (principal.has(Role::Tenderer) || principal.has(Role::Agent))
        && principal.organisation.is_some();
    let centre = match principal.operator_kind() {
        Some(crate::identity::policy::OperatorKind::League(l)) => {
            principal.operates(crate::identity::policy::Area::TenderProcedures, Some(l))
        }
        _ => false,
    };
    if organiser || centre {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "only tenderers, agents and league operators run tenders of their own (mine=true)"
                .into(),
        )
        .because("tender.mine-organisers-only", json!({})))
    }
}

/// One tender with its lots, documents, notice history and answered clarifications.
#[utoipa::path(
    tag = "tenders",
    params(("id" = String, Path)),
    responses((status = 200, body = TenderDetail), (status = 404, body = crate::error::Problem))
)]
#[get("/tenders/{id}")]
pub async fn get_tender(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<String>,
) -> Result<web::Json<TenderDetail>, AppError> {
    let id = parse_id(&id)?;
    let detail = state
        .db
        .read(move |conn| {
            let row = store::load_visible(conn, &id, &principal)?;
            store::detail(conn, &row, &principal)
        })
        .await?;
    Ok(web::Json(detail))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct NoticeList {
    pub items: Vec<Notice>,
}

/// The notice history of a tender.
#[utoipa::path(
    tag = "tenders",
    params(("id" = String, Path)),
    responses((status = 200, body = NoticeList), (status = 404, body = crate::error::Problem))
)]
#[get("/tenders/{id}/notices")]
pub async fn list_notices(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<String>,
) -> Result<web::Json<NoticeList>, AppError> {
    let id = parse_id(&id)?;
    let items = state
        .db
        .read(move |conn| {
            let row = store::load_visible(conn, &id, &principal)?;
            store::notices_of(conn, &row)
        })
        .await?;
    Ok(web::Json(NoticeList { items }))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct InviteeList {
    pub items: Vec<super::invitees::Invitee>,
}

/// The enterprises an invited tender invites, in the order it names them:
/// for its managers, supervisors in scope, the platform's operators and its
/// league's (`identity::policy::Area::Invitees`). Who is invited is as
/// sealed as who bid (招标投标法 第22条): anyone else gets 403, and an
/// enterprise learns only whether it is invited itself (the detail's
/// `invited`). A tender of another method has none (an empty list).
#[utoipa::path(
    tag = "tenders",
    params(("id" = String, Path)),
    responses(
        (status = 200, body = InviteeList),
        (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem)
    )
)]
#[get("/tenders/{id}/invitees")]
pub async fn list_invitees(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<String>,
) -> Result<web::Json<InviteeList>, AppError> {
    let id = parse_id(&id)?;
    if !principal.is_authenticated() {
        return Err(crate::identity::sign_in_first());
    }
    let items = state
        .db
        .read(move |conn| {
            let row = store::load_visible(conn, &id, &principal)?;
            if !super::invitees::seen_by(conn, &row, &principal)? {
                return Err(AppError::Forbidden(
                    "an invited tender's invitees are seen only by its tenderer, its agent, \
                     supervisors in scope and operators of its league or the platform"
                        .into(),
                )
                .because("tender.invitees-restricted", json!({})));
            }
            super::invitees::list(conn, &row.id)
        })
        .await?;
    Ok(web::Json(InviteeList { items }))
}

/// Moves a tender through its lifecycle (publish, start_opening, …, cancel, fail).
#[utoipa::path(
    tag = "tenders",
    params(("id" = String, Path)),
    request_body = TransitionInput,
    responses(
        (status = 200, body = TenderDetail),
        (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)
    )
)]
#[post("/tenders/{id}/transitions")]
pub async fn transition_tender(
    state: web::Data<AppState>,
    principal: Principal,
    ctx: AuditContext,
    id: web::Path<String>,
    body: web::Json<TransitionInput>,
) -> Result<web::Json<TenderDetail>, AppError> {
    let id = parse_id(&id)?;
    Ok(web::Json(
        transition(&state, principal, ctx, id, body.into_inner()).await?,
    ))
}

/// Moves a tender as its organiser (or an operator) asked: what
/// [`transition_tender`] does once the request is read, and what the demo
/// data's procedures do as their organisers (`crate::demo::procedure`).
pub async fn transition(
    state: &web::Data<AppState>,
    principal: Principal,
    ctx: AuditContext,
    id: TenderId,
    input: TransitionInput,
) -> Result<TenderDetail, AppError> {
    principal.require_any(&[Role::Tenderer, Role::Agent, Role::Operator])?;
    let settings = state.ocds.clone();
    let platform = state.platform_custodian.certificate.clone();
    let signer = state.document_signer.clone();
    let action = input.action;
    let tender = id.clone();
    // A publication's opening key pair is taken (or, with none ready, made:
    // 0.3-1.7 s of RSA) before the transaction, so that no other write
    // waits on it. A refused publication leaves the pair unused.
    // A refused publication gives its pair back to the pool unused.
    let pool = crate::opening::keypool::shared();
    let key = if action == super::lifecycle::Action::Publish {
        Some(
            crate::db::off_executor(|| {
                pool.take_or_make().map_err(|e| {
                    AppError::Internal(anyhow::Error::new(e).context("opening key pair"))
                })
            })
            .await?,
        )
    } else {
        None
    };
    let slot = std::sync::Arc::new(std::sync::Mutex::new(key));
    let in_transaction = slot.clone();
    let viewer = principal.clone();
    // A land or property award's price record is checked (signature,
    // signer's certificate against the trust registry) before the
    // transaction; whose it is, in it (`super::price_record`).
    let price_record = match (&input.price_record, action) {
        (Some(b64), super::lifecycle::Action::Award) => {
            let id = tender.clone();
            let league = state
                .db
                .read(move |conn| Ok(store::load_row(conn, &id)?.league_code))
                .await?;
            let league = crate::types::LeagueCode::parse(&league)
                .map_err(|e| AppError::Internal(anyhow::anyhow!(e)))?;
            let snapshot = state.trust.get(&state.db, ctx.now).await?;
            Some(super::price_record::verify(
                b64, &snapshot, &league, ctx.now,
            )?)
        }
        _ => None,
    };
    // The hall hears of the transition once it has committed.
    let detail = crate::hall::write_then_publish(&state.db, &state.hall.hub, move |conn| {
        store::lock(conn, &id)?;
        let (row, role) = store::load_managed(conn, &id, &principal)?;
        let ctx = ctx.acting_as(role);
        // Whether a land or property award carries its price record is
        // said first (an award the lifecycle does not allow now stays 409).
        let category = row.facts()?.category;
        if super::lifecycle::next(category, row.status()?, action).is_some() {
            needs_price_record(&row, &input, price_record.as_ref())?;
        }
        // A trade found by price: its terms checked again at publication,
        // and no opening (`auctions::store::before_transition`).
        crate::auctions::store::before_transition(conn, &row, action)?;
        let done = store::transition(conn, &ctx, &settings, &row, &input)?;
        // A refusal here undoes the transition.
        let kept = keep_price_record(conn, &row, &input, price_record.as_ref(), ctx.now)?;
        if let Some(award) = &done.award {
            super::award::issue(conn, &ctx, &settings, &row, award, &signer)?;
            if let Some(sha256) = kept {
                crate::audit::record(
                    conn,
                    &ctx,
                    "tender.price_record",
                    "tender",
                    &row.id,
                    Some(&row.id),
                    &serde_json::json!({ "sha256": sha256 }),
                )?;
            }
        }
        let mut key = in_transaction.lock().unwrap_or_else(|p| p.into_inner());
        crate::opening::store::on_transition(conn, &ctx, &row, &input, &platform, &mut key)?;
        let row = store::load_row(conn, &id)?;
        Ok((store::detail(conn, &row, &principal)?, vec![done.event]))
    })
    .await;
    let unused = slot.lock().unwrap_or_else(|p| p.into_inner()).take();
    if let (Err(_), Some(key)) = (&detail, unused) {
        pool.give_back(key);
    }
    let mut detail = detail?;
    if action == super::lifecycle::Action::StartOpening {
        // The opening has started: with every bid in and too few of them,
        // it ends here, unopened, and the tender fails (see
        // `opening::run::start_if_ready`); the caller sees where it stands.
        crate::opening::run::start_if_ready(state, tender.as_str()).await;
        let id = tender.clone();
        detail = state
            .db
            .read(move |conn| {
                let row = store::load_row(conn, &id)?;
                store::detail(conn, &row, &viewer)
            })
            .await?;
    }
    if matches!(
        action,
        super::lifecycle::Action::Close
            | super::lifecycle::Action::Cancel
            | super::lifecycle::Action::Fail
    ) {
        // Evaluation is over or will not happen: decrypted bids go.
        crate::opening::bid::purge_opened(state.config.shared(), tender.as_str());
    }
    Ok(detail)
}

/// The price record an award must keep: a land or property award's (422
/// without one); none for other awards, which carry none (422 if they do).
fn needs_price_record<'a>(
    row: &store::TenderRow,
    input: &TransitionInput,
    record: Option<&'a super::price_record::PriceRecord>,
) -> Result<Option<&'a super::price_record::PriceRecord>, AppError> {
    use super::model::Category;
    if input.action != super::lifecycle::Action::Award {
        return Ok(None);
    }
    let needs = matches!(
        row.facts()?.category,
        Category::LandMiningRights | Category::StateOwnedProperty
    );
    match (needs, record) {
        (false, None) => Ok(None),
        (false, Some(_)) => Err(AppError::invalid_field(
            FieldError::new(
                "price_record",
                "only a land or property award carries a price record",
            )
            .because("price-record.not-taken", json!({})),
        )),
        (true, None) => Err(AppError::invalid_field(
            FieldError::new(
                "price_record",
                "a land or property award needs the organiser's signed record of how the price \
                 was reached (CMS SignedData, DER, base64), until auctions run on the platform",
            )
            .because("price-record.required", json!({})),
        )),
        (true, Some(record)) => Ok(Some(record)),
    }
}

/// Land and property awards need the organiser's signed price record
/// (422 without, or signed by another than the tenderer or its agent);
/// other awards carry none. Keeps it as a document of the procedure and
/// returns its SHA-256.
fn keep_price_record(
    conn: &mut DbConn,
    row: &store::TenderRow,
    input: &TransitionInput,
    record: Option<&super::price_record::PriceRecord>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Option<String>, AppError> {
    let Some(record) = needs_price_record(row, input, record)? else {
        return Ok(None);
    };
    let mut organisers = vec![row.tenderer_org_id.clone()];
    organisers.extend(row.agent_org_id.clone());
    let mut candidates = Vec::new();
    for org in organisers {
        let code: Option<String> = {
            use crate::db::schema::organisations;
            use diesel::prelude::*;
            organisations::table
                .find(&org)
                .select(organisations::credit_code)
                .first(conn)?
        };
        candidates.push((org, code));
    }
    let signer = super::price_record::check_signer(record, &candidates)?;
    let sha256 = super::procedure_documents::keep(
        conn,
        &super::procedure_documents::NewDocument {
            id: &uuid::Uuid::new_v4().to_string(),
            tender_id: &row.id,
            kind: super::procedure_documents::DocumentKind::PriceRecord,
            recipient_org_id: &signer,
            signed: &record.der,
        },
        now,
    )?;
    Ok(Some(sha256))
}

/// Publishes a versioned amendment (before the deadline; the 15-day rule applies).
#[utoipa::path(
    tag = "tenders",
    params(("id" = String, Path)),
    request_body = AmendmentInput,
    responses(
        (status = 201, body = TenderDetail),
        (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)
    )
)]
#[post("/tenders/{id}/amendments")]
pub async fn amend_tender(
    state: web::Data<AppState>,
    principal: Principal,
    ctx: AuditContext,
    id: web::Path<String>,
    body: web::Json<AmendmentInput>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    principal.require_any(&[Role::Tenderer, Role::Agent, Role::Operator])?;
    let input = body.into_inner();
    let settings = state.ocds.clone();
    let detail = state
        .db
        .write(move |conn| {
            store::lock(conn, &id)?;
            let (row, role) = store::load_managed(conn, &id, &principal)?;
            let ctx = ctx.acting_as(role);
            store::amend(conn, &ctx, &settings, &row, &input)?;
            // The dates as amended still hold the trade's periods.
            let amended = store::load_row(conn, &id)?;
            crate::auctions::store::recheck_if_trade(conn, &amended)?;
            let row = store::load_row(conn, &id)?;
            store::detail(conn, &row, &principal)
        })
        .await?;
    Ok(HttpResponse::Created().json(detail))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct LimitRow {
    pub category: super::model::Category,
    pub method: super::model::Method,
    pub limits: limits::Limits,
}

/// The legal time limits the platform enforces, per category and method.
#[utoipa::path(tag = "tenders", responses((status = 200, body = Vec<LimitRow>)))]
#[get("/time-limits")]
pub async fn time_limits() -> web::Json<Vec<LimitRow>> {
    web::Json(
        limits::TABLE
            .iter()
            .map(|(category, method, limits)| LimitRow {
                category: *category,
                method: *method,
                limits: *limits,
            })
            .collect(),
    )
}
