//! HTTP for the expert pool and tenders' committees: parse, authorise, call
//! the pool or the committee, respond.

use super::committee::{self, CommitmentPayload, CommitteeView, DrawRecord, Invitation};
use super::draw::{Outcome, Seat};
use super::pool::{self, AvailabilityInput, ExpertInput, ExpertView, PoolQuery};
use super::specialties::{self, Specialty};
use crate::app::AppState;
use crate::audit::AuditContext;
use crate::error::AppError;
use crate::identity::{Principal, Role};
use crate::tenders::routes::parse_id;
use crate::tenders::store as tenders;
use crate::types::ExpertId;
use actix_web::{HttpResponse, get, post, put, web};
use serde::{Deserialize, Serialize};

fn parse_expert(raw: &str) -> Result<ExpertId, AppError> {
    ExpertId::parse(raw).ok_or_else(|| AppError::not_found("expert"))
}

/// The specialty code tree (public).
#[utoipa::path(tag = "experts", responses((status = 200, body = Vec<Specialty>)))]
#[get("/experts/specialties")]
pub async fn list_specialties() -> web::Json<&'static [Specialty]> {
    web::Json(specialties::TREE)
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ExpertList {
    pub items: Vec<ExpertView>,
}

/// The shared pool: operators see contact details, supervisors do not;
/// nobody else reads it.
#[utoipa::path(
    tag = "experts",
    params(PoolQuery),
    responses(
        (status = 200, body = ExpertList),
        (status = 400, body = crate::error::Problem),
        (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem)
    )
)]
#[get("/experts")]
pub async fn list_experts(
    state: web::Data<AppState>,
    principal: Principal,
    query: web::Query<PoolQuery>,
) -> Result<web::Json<ExpertList>, AppError> {
    let sight = pool::sight(&principal)?;
    let query = query.into_inner();
    let items = state
        .db
        .read(move |conn| {
            let seats = pool::SeatSight::of(conn, &principal, false)?;
            pool::list(conn, sight, &seats, &query)
        })
        .await?;
    Ok(web::Json(ExpertList { items }))
}

/// Adds an expert to the pool (operators). The account must hold the expert
/// role; the expert then confirms its availability.
#[utoipa::path(
    tag = "experts",
    request_body = ExpertInput,
    responses(
        (status = 201, body = ExpertView),
        (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)
    )
)]
#[post("/experts")]
pub async fn create_expert(
    state: web::Data<AppState>,
    ctx: AuditContext,
    body: web::Json<ExpertInput>,
) -> Result<HttpResponse, AppError> {
    let role = ctx.principal.require_any(&[Role::Operator])?;
    let ctx = ctx.acting_as(role);
    let input = body.into_inner();
    let view = state
        .db
        .write(move |conn| {
            let id = pool::create(conn, &ctx, &input)?;
            let row = pool::load(conn, &id)?;
            let seats = pool::SeatSight::of(conn, &ctx.principal, false)?;
            pool::view(conn, row, true, &seats)
        })
        .await?;
    Ok(HttpResponse::Created().json(view))
}

/// One expert: operators and the expert itself see contact details,
/// supervisors the rest.
#[utoipa::path(
    tag = "experts",
    params(("id" = String, Path)),
    responses(
        (status = 200, body = ExpertView),
        (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem)
    )
)]
#[get("/experts/{id}")]
pub async fn get_expert(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<String>,
) -> Result<web::Json<ExpertView>, AppError> {
    let id = parse_expert(&id)?;
    let view = state
        .db
        .read(move |conn| {
            let row = pool::load(conn, &id)?;
            let own = principal
                .user_id
                .as_ref()
                .is_some_and(|u| u.as_str() == row.user_id);
            let contact = if own {
                true
            } else {
                pool::sight(&principal)?.contact(&row.league_code)
            };
            let seats = pool::SeatSight::of(conn, &principal, own)?;
            pool::view(conn, row, contact, &seats)
        })
        .await?;
    Ok(web::Json(view))
}

/// Changes an expert's profile (operators). `active: false` takes it out of
/// the pool; its history stays.
#[utoipa::path(
    tag = "experts",
    params(("id" = String, Path)),
    request_body = ExpertInput,
    responses(
        (status = 200, body = ExpertView),
        (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)
    )
)]
#[put("/experts/{id}")]
pub async fn update_expert(
    state: web::Data<AppState>,
    ctx: AuditContext,
    id: web::Path<String>,
    body: web::Json<ExpertInput>,
) -> Result<web::Json<ExpertView>, AppError> {
    let role = ctx.principal.require_any(&[Role::Operator])?;
    let ctx = ctx.acting_as(role);
    let id = parse_expert(&id)?;
    let input = body.into_inner();
    let view = state
        .db
        .write(move |conn| {
            pool::update(conn, &ctx, &id, &input)?;
            let row = pool::load(conn, &id)?;
            let seats = pool::SeatSight::of(conn, &ctx.principal, false)?;
            pool::view(conn, row, true, &seats)
        })
        .await?;
    Ok(web::Json(view))
}

/// The signed-in expert's own profile.
#[utoipa::path(
    tag = "experts",
    responses((status = 200, body = ExpertView), (status = 401, body = crate::error::Problem),
              (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem))
)]
#[get("/experts/me")]
pub async fn my_profile(
    state: web::Data<AppState>,
    principal: Principal,
) -> Result<web::Json<ExpertView>, AppError> {
    let view = state
        .db
        .read(move |conn| {
            let row = pool::of_user(conn, &principal)?;
            pool::view(conn, row, true, &pool::SeatSight::Own)
        })
        .await?;
    Ok(web::Json(view))
}

/// The expert confirms whether it is available to be drawn.
#[utoipa::path(
    tag = "experts",
    request_body = AvailabilityInput,
    responses((status = 200, body = ExpertView), (status = 401, body = crate::error::Problem),
              (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem))
)]
#[put("/experts/me/availability")]
pub async fn set_availability(
    state: web::Data<AppState>,
    ctx: AuditContext,
    body: web::Json<AvailabilityInput>,
) -> Result<web::Json<ExpertView>, AppError> {
    let role = ctx.principal.require_any(&[Role::Expert])?;
    let ctx = ctx.acting_as(role);
    let input = body.into_inner();
    let view = state
        .db
        .write(move |conn| {
            let row = pool::of_user(conn, &ctx.principal)?;
            pool::set_availability(conn, &ctx, &row, &input)?;
            let row = pool::of_user(conn, &ctx.principal)?;
            pool::view(conn, row, true, &pool::SeatSight::Own)
        })
        .await?;
    Ok(web::Json(view))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct InvitationList {
    pub items: Vec<Invitation>,
}

/// The signed-in expert's invitations to committees.
#[utoipa::path(
    tag = "experts",
    responses((status = 200, body = InvitationList), (status = 401, body = crate::error::Problem),
              (status = 403, body = crate::error::Problem))
)]
#[get("/experts/me/invitations")]
pub async fn my_invitations(
    state: web::Data<AppState>,
    principal: Principal,
) -> Result<web::Json<InvitationList>, AppError> {
    let items = state
        .db
        .read(move |conn| {
            let row = pool::of_user(conn, &principal)?;
            committee::invitations(conn, &row.id)
        })
        .await?;
    Ok(web::Json(InvitationList { items }))
}

/// An answer to an invitation.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InvitationAnswer {
    pub accept: bool,
    /// Required when declining (up to 500 characters).
    pub reason: Option<String>,
}

/// What an answer led to: for a decline, the reserve invited instead (if
/// one fitted; its identity is not shown to the expert).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AnswerOutcome {
    pub accepted: bool,
    pub replaced: bool,
}

/// The invited expert accepts, or declines with a reason (the next reserve
/// is invited), by the invitation's `answer_by`; a later answer is refused
/// (409 `deadline-passed`) and changes nothing.
#[utoipa::path(
    tag = "experts",
    params(("tender_id" = String, Path)),
    request_body = InvitationAnswer,
    responses((status = 200, body = AnswerOutcome), (status = 401, body = crate::error::Problem),
              (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem),
              (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem))
)]
#[post("/experts/me/invitations/{tender_id}")]
pub async fn answer_invitation(
    state: web::Data<AppState>,
    ctx: AuditContext,
    tender_id: web::Path<String>,
    body: web::Json<InvitationAnswer>,
) -> Result<web::Json<AnswerOutcome>, AppError> {
    let role = ctx.principal.require_any(&[Role::Expert])?;
    let ctx = ctx.acting_as(role);
    let tender_id = parse_id(&tender_id)?;
    let input = body.into_inner();
    let replacement = state
        .db
        .write(move |conn| {
            tenders::lock(conn, &tender_id)?;
            let expert = pool::of_user(conn, &ctx.principal)?;
            if crate::evaluation::store::setup_of(conn, tender_id.as_str())?.is_some() {
                return Err(AppError::Conflict(
                    "the evaluation room is open: join it, and recuse there if you cannot sit"
                        .into(),
                )
                .because("invitation.room-open", serde_json::json!({})));
            }
            committee::answer(
                conn,
                &ctx,
                tender_id.as_str(),
                &expert,
                input.accept,
                input.reason.as_deref(),
            )
            .map(|seat| (input.accept, seat))
        })
        .await?;
    Ok(web::Json(AnswerOutcome {
        accepted: replacement.0,
        replaced: replacement.1.is_some(),
    }))
}

/// A tender's committee: the rules, the commitment, and the members, for
/// platform operators and supervisors in scope, for the tender's tenderer
/// and agent once the evaluation has started, and for everyone once the
/// result is decided (awarded or closed: 招标投标法 第37条).
/// Until then the others read the stage and the seats' count (`sealed`).
#[utoipa::path(
    tag = "committee",
    params(("id" = String, Path)),
    responses((status = 200, body = CommitteeView), (status = 404, body = crate::error::Problem))
)]
#[get("/tenders/{id}/committee")]
pub async fn get_committee(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<String>,
) -> Result<web::Json<CommitteeView>, AppError> {
    let id = parse_id(&id)?;
    let view = state
        .db
        .read(move |conn| {
            let row = tenders::load_visible(conn, &id, &principal)?;
            committee::view(conn, &principal, &row)
        })
        .await?;
    Ok(web::Json(view))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RepresentativeCandidateList {
    pub items: Vec<committee::RepresentativeCandidate>,
}

/// The accounts that may be named the tenderer's representatives in the
/// draw's rules (招标人的代表, 招标投标法 第37条): the enabled accounts of
/// the tender's tenderer organisation holding the tenderer role, each with
/// its id, name and roles only. For whoever may set the rules: the
/// tender's tenderer, its agent (who names the tenderer's representatives
/// for it) and an operator of its league; anyone else is refused (401
/// signed out, 403 signed in; 404 for a draft they cannot see). A read,
/// not audited, as other reads of accounts are not.
#[utoipa::path(
    tag = "committee",
    params(("id" = String, Path)),
    responses(
        (status = 200, body = RepresentativeCandidateList),
        (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem)
    )
)]
#[get("/tenders/{id}/committee/representative-candidates")]
pub async fn representative_candidates(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<String>,
) -> Result<web::Json<RepresentativeCandidateList>, AppError> {
    let id = parse_id(&id)?;
    let items = state
        .db
        .read(move |conn| {
            let (row, _) = tenders::load_managed(conn, &id, &principal)?;
            committee::representative_candidates(conn, &row)
        })
        .await?;
    Ok(web::Json(RepresentativeCandidateList { items }))
}

/// Sets the draw's rules and commits the draw: the pool snapshot, the rules
/// and the platform's secret value are hashed into the audit log. By the
/// tender's organiser, before the bid deadline, once.
#[utoipa::path(
    tag = "committee",
    params(("id" = String, Path)),
    request_body = committee::RulesInput,
    responses(
        (status = 201, body = CommitmentPayload),
        (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)
    )
)]
#[post("/tenders/{id}/committee/rules")]
pub async fn commit_draw(
    state: web::Data<AppState>,
    ctx: AuditContext,
    id: web::Path<String>,
    body: web::Json<committee::RulesInput>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    let input = body.into_inner();
    let payload = state
        .db
        .write(move |conn| {
            tenders::lock(conn, &id)?;
            let (row, role) = tenders::load_managed(conn, &id, &ctx.principal)?;
            committee::commit(conn, &ctx.acting_as(role), &row, &input)
        })
        .await?;
    Ok(HttpResponse::Created().json(payload))
}

/// A supervisor whose scope holds the tender adds its contribution to the
/// seed, after the bid deadline; the platform reveals its value and the
/// committee is drawn at once.
#[utoipa::path(
    tag = "committee",
    params(("id" = String, Path)),
    request_body = committee::ContributionInput,
    responses(
        (status = 200, body = Outcome),
        (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem),
        (status = 503, body = crate::error::Problem)
    )
)]
#[post("/tenders/{id}/committee/contribution")]
pub async fn contribute(
    state: web::Data<AppState>,
    ctx: AuditContext,
    id: web::Path<String>,
    body: web::Json<committee::ContributionInput>,
) -> Result<web::Json<Outcome>, AppError> {
    let role = ctx.principal.require_any(&[Role::Supervisor])?;
    let ctx = ctx.acting_as(role);
    let id = parse_id(&id)?;
    let input = body.into_inner();
    let window = chrono::Duration::minutes(i64::from(state.config.invitation_answer_minutes));
    let outcome = state
        .db
        .write(move |conn| {
            tenders::lock(conn, &id)?;
            let row = tenders::load_visible(conn, &id, &ctx.principal)?;
            if !committee::reads_in_full(conn, &ctx.principal, &row)? {
                return Err(AppError::Forbidden(
                    "only a supervisor whose scope holds the tender contributes to its draw".into(),
                )
                .because("draw.not-in-scope", serde_json::json!({})));
            }
            committee::contribute_and_draw(conn, &ctx, &row, &input.contribution, window)
        })
        .await?;
    Ok(web::Json(outcome))
}

/// Why a member is marked absent.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoShowInput {
    /// What happened (1 to 500 characters).
    pub reason: String,
}

/// What became of a freed seat.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SeatOutcome {
    /// The reserve invited instead, if one fitted.
    pub replacement: Option<Seat>,
}

/// The organiser marks a member who did not come, once the evaluation has
/// started and only a member who has not joined the room; the next suitable
/// reserve is invited (and joins the room, if it is open).
#[utoipa::path(
    tag = "committee",
    params(("id" = String, Path), ("expert_id" = String, Path)),
    request_body = NoShowInput,
    responses(
        (status = 200, body = SeatOutcome),
        (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)
    )
)]
#[post("/tenders/{id}/committee/members/{expert_id}/no-show")]
pub async fn mark_no_show(
    state: web::Data<AppState>,
    ctx: AuditContext,
    path: web::Path<(String, String)>,
    body: web::Json<NoShowInput>,
) -> Result<web::Json<SeatOutcome>, AppError> {
    let (id, expert) = path.into_inner();
    let id = parse_id(&id)?;
    let expert = parse_expert(&expert)?;
    let reason = body.into_inner().reason;
    let mut errors = Vec::new();
    crate::error::check_text(&mut errors, "reason", &reason, true, 500);
    AppError::check(errors)?;
    let states = state.rooms.states.clone();
    let (replacement, room) =
        crate::hall::write_then_publish(&state.db, &state.rooms.hub, move |conn| {
            tenders::lock(conn, &id)?;
            let (row, role) = tenders::load_managed(conn, &id, &ctx.principal)?;
            let ctx = ctx.acting_as(role);
            let absence = crate::evaluation::store::mark_absent(
                conn,
                &ctx,
                &states,
                &row,
                expert.as_str(),
                &reason,
            )?;
            let room = absence.state.map(|r| (id, r));
            Ok(((absence.seat, room), absence.events))
        })
        .await?;
    if let Some((id, (last, room))) = room {
        state.rooms.states.put(id.as_str(), last, room);
    }
    Ok(web::Json(SeatOutcome { replacement }))
}

/// Everything needed to replay the draw (`ggzy draw verify`): for platform
/// operators and supervisors in scope once drawn, never anyone else (the
/// pool's snapshot holds every expert's employer and relations).
#[utoipa::path(
    tag = "committee",
    params(("id" = String, Path)),
    responses(
        (status = 200, body = DrawRecord),
        (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem)
    )
)]
#[get("/tenders/{id}/committee/draw-record")]
pub async fn draw_record(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<String>,
) -> Result<web::Json<DrawRecord>, AppError> {
    let id = parse_id(&id)?;
    let record = state
        .db
        .read(move |conn| {
            let row = tenders::load_visible(conn, &id, &principal)?;
            committee::record(conn, &principal, &row)
        })
        .await?;
    Ok(web::Json(record))
}
