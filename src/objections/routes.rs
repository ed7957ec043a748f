//! Objections and complaints over HTTP. Who may call each route is in its
//! comment; the rules are in [`super::rules`], the writes in
//! [`super::store`].

use super::rules::ObjectionSubject;
use super::store::{self, Complaint, ComplaintList, Objection, ObjectionList};
use crate::app::AppState;
use crate::audit::AuditContext;
use crate::error::{AppError, check_text};
use crate::identity::{Principal, Role};
use crate::tenders::routes::parse_id;
use crate::tenders::store as tenders;
use actix_web::{HttpResponse, get, post, web};
use serde::Deserialize;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ObjectionInput {
    /// What it is about (default `opening`, as before subjects existed).
    #[serde(default)]
    pub subject: Option<ObjectionSubject>,
    #[schema(min_length = 1, max_length = 5000)]
    pub text: String,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ObjectionAnswerInput {
    #[schema(min_length = 1, max_length = 5000)]
    pub answer: String,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ComplaintInput {
    #[schema(min_length = 1, max_length = 5000)]
    pub text: String,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AcceptanceInput {
    /// Accept (受理) or refuse the complaint.
    pub accept: bool,
    /// Why (required to refuse; published with the refusal).
    #[serde(default)]
    #[schema(max_length = 5000)]
    pub reason: String,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionInput {
    /// The decision, published as a notice.
    #[schema(min_length = 1, max_length = 20000)]
    pub decision: String,
    /// Whether the complaint is upheld (投诉成立).
    pub upheld: bool,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SuspensionInput {
    #[schema(min_length = 1, max_length = 5000)]
    pub reason: String,
    /// How long, in calendar days (government procurement: 30 at most,
    /// and 30 by default; the tendering law sets no bound).
    #[serde(default)]
    #[schema(minimum = 1, maximum = 365)]
    pub days: Option<i64>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResumptionInput {
    #[schema(min_length = 1, max_length = 5000)]
    pub reason: String,
}

fn enterprise(principal: &Principal) -> Result<(String, String), AppError> {
    match (&principal.user_id, &principal.organisation) {
        (Some(u), Some(o)) => Ok((u.as_str().to_string(), o.as_str().to_string())),
        _ => Err(
            AppError::Forbidden("only an enterprise objects or complains".into())
                .because("objection.enterprise-only", serde_json::json!({})),
        ),
    }
}

fn check_uuid(raw: &str, what: &'static str) -> Result<(), AppError> {
    uuid::Uuid::parse_str(raw)
        .map(|_| ())
        .map_err(|_| AppError::not_found(what))
}

/// An enterprise (bidder role) raises an objection (异议) or challenge
/// (质疑) on the tender's documents, its opening, its result or (government
/// procurement) its process, within the window the rules give
/// (`objections::rules`); an objection to the opening is raised by an
/// enterprise that bid, while the opening is under way. Out of its window:
/// 422 `time-limit`, citing the article.
#[utoipa::path(
    tag = "objections",
    params(("id" = String, Path)),
    request_body = ObjectionInput,
    responses(
        (status = 201, body = Objection),
        (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)
    )
)]
#[post("/tenders/{id}/objections")]
pub async fn raise_objection(
    state: web::Data<AppState>,
    principal: Principal,
    ctx: AuditContext,
    id: web::Path<String>,
    body: web::Json<ObjectionInput>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    principal.require_any(&[Role::Bidder])?;
    let mut errors = Vec::new();
    check_text(&mut errors, "text", &body.text, true, 5000);
    AppError::check(errors)?;
    let (user, org) = enterprise(&principal)?;
    let input = body.into_inner();
    let subject = input.subject.unwrap_or(ObjectionSubject::Opening);
    let objection = crate::hall::write_then_publish(&state.db, &state.hall.hub, move |conn| {
        tenders::lock(conn, &id)?;
        let row = tenders::load_visible(conn, &id, &principal)?;
        let stored = store::raise(conn, &ctx, &row, &user, &org, subject, &input.text)?;
        let objection = store::one(conn, &row, &stored.id, &principal)?;
        let mut events = Vec::new();
        if subject == ObjectionSubject::Opening {
            events.push(crate::hall::store::append(
                conn,
                &id,
                "opening.objection_raised",
                &objection,
                ctx.now,
            )?);
        }
        Ok((objection, events))
    })
    .await?;
    Ok(HttpResponse::Created().json(objection))
}

/// The tender's objections and their answers: anyone who sees the tender.
/// An objection on the documents never shows who raised it (but to that
/// enterprise).
#[utoipa::path(
    tag = "objections",
    params(("id" = String, Path)),
    responses((status = 200, body = ObjectionList), (status = 404, body = crate::error::Problem))
)]
#[get("/tenders/{id}/objections")]
pub async fn list_objections(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<String>,
) -> Result<web::Json<ObjectionList>, AppError> {
    let id = parse_id(&id)?;
    let items = state
        .db
        .read(move |conn| {
            let row = tenders::load_visible(conn, &id, &principal)?;
            store::list(conn, &row, &principal)
        })
        .await?;
    Ok(web::Json(ObjectionList { items }))
}

/// The tender's manager (tenderer, agent, operator of its league) answers
/// an objection, once; the answer goes to whoever raised it.
#[utoipa::path(
    tag = "objections",
    params(("id" = String, Path), ("objection" = String, Path)),
    request_body = ObjectionAnswerInput,
    responses(
        (status = 200, body = Objection),
        (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)
    )
)]
#[post("/tenders/{id}/objections/{objection}/answer")]
pub async fn answer_objection(
    state: web::Data<AppState>,
    principal: Principal,
    ctx: AuditContext,
    path: web::Path<(String, String)>,
    body: web::Json<ObjectionAnswerInput>,
) -> Result<web::Json<Objection>, AppError> {
    let (id, oid) = path.into_inner();
    let id = parse_id(&id)?;
    check_uuid(&oid, "objection")?;
    principal.require_any(&[Role::Tenderer, Role::Agent, Role::Operator])?;
    let mut errors = Vec::new();
    check_text(&mut errors, "answer", &body.answer, true, 5000);
    AppError::check(errors)?;
    let answer = body.into_inner().answer;
    let objection = crate::hall::write_then_publish(&state.db, &state.hall.hub, move |conn| {
        tenders::lock(conn, &id)?;
        let (row, role) = tenders::load_managed(conn, &id, &principal)?;
        let ctx = ctx.clone().acting_as(role);
        let user = principal.user_id.as_ref().map(|u| u.as_str());
        let stored = store::answer(conn, &ctx, &row, user, &oid, &answer)?;
        let answered = crate::opening::messages::ObjectionAnswer {
            objection_id: &oid,
            raised_by: &stored.raised_by,
            objection: &stored.text,
            answer: &answer,
        };
        crate::opening::messages::objection_answered(conn, &ctx, &row, &answered)?;
        let objection = store::one(conn, &row, &oid, &principal)?;
        let mut events = Vec::new();
        if stored.subject()? == ObjectionSubject::Opening {
            events.push(crate::hall::store::append(
                conn,
                &id,
                "opening.objection_answered",
                &objection,
                ctx.now,
            )?);
        }
        Ok((objection, events))
    })
    .await?;
    Ok(web::Json(objection))
}

/// The enterprise that raised an objection complains (投诉) of it to the
/// administrative supervisor, once it is answered or its answer clock has
/// run out, within the complaint window (招标投标法实施条例 第60条; 政府采购
/// 法 第55条); earlier or later: 422 `time-limit`.
#[utoipa::path(
    tag = "objections",
    params(("id" = String, Path), ("objection" = String, Path)),
    request_body = ComplaintInput,
    responses(
        (status = 201, body = Complaint),
        (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)
    )
)]
#[post("/tenders/{id}/objections/{objection}/complaint")]
pub async fn file_complaint(
    state: web::Data<AppState>,
    principal: Principal,
    ctx: AuditContext,
    path: web::Path<(String, String)>,
    body: web::Json<ComplaintInput>,
) -> Result<HttpResponse, AppError> {
    let (id, oid) = path.into_inner();
    let id = parse_id(&id)?;
    check_uuid(&oid, "objection")?;
    principal.require_any(&[Role::Bidder])?;
    let mut errors = Vec::new();
    check_text(&mut errors, "text", &body.text, true, 5000);
    AppError::check(errors)?;
    let (user, org) = enterprise(&principal)?;
    let text = body.into_inner().text;
    let complaint = state
        .db
        .write(move |conn| {
            tenders::lock(conn, &id)?;
            let row = tenders::load_visible(conn, &id, &principal)?;
            let cid = store::file_complaint(conn, &ctx, &row, &user, &org, &oid, &text)?;
            store::complaint(conn, &row, &cid, &principal)
        })
        .await?;
    Ok(HttpResponse::Created().json(complaint))
}

/// The tender's complaints, their handling and suspensions: anyone who
/// sees the tender (the complaining enterprise shown as on its objection).
#[utoipa::path(
    tag = "objections",
    params(("id" = String, Path)),
    responses((status = 200, body = ComplaintList), (status = 404, body = crate::error::Problem))
)]
#[get("/tenders/{id}/complaints")]
pub async fn list_complaints(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<String>,
) -> Result<web::Json<ComplaintList>, AppError> {
    let id = parse_id(&id)?;
    let items = state
        .db
        .read(move |conn| {
            let row = tenders::load_visible(conn, &id, &principal)?;
            store::complaints_of(conn, &row, &principal)
        })
        .await?;
    Ok(web::Json(ComplaintList { items }))
}

/// Runs a supervisor's handling of a complaint: the administrative
/// supervisor whose scope holds the tender, and no one else (403).
async fn handle<F>(
    state: &web::Data<AppState>,
    principal: Principal,
    ctx: AuditContext,
    id: String,
    cid: String,
    f: F,
) -> Result<Complaint, AppError>
where
    F: FnOnce(
            &mut crate::db::DbConn,
            &AuditContext,
            &crate::opendata::OcdsSettings,
            &tenders::TenderRow,
            &str,
            &str,
        ) -> Result<(), AppError>
        + Send
        + 'static,
{
    let id = parse_id(&id)?;
    check_uuid(&cid, "complaint")?;
    principal.require_any(&[Role::Supervisor])?;
    let settings = state.ocds.clone();
    state
        .db
        .write(move |conn| {
            tenders::lock(conn, &id)?;
            let row = tenders::load_visible(conn, &id, &principal)?;
            let supervisor = store::handling_supervisor(conn, &row, &principal)?;
            let ctx = ctx.clone().acting_as(Role::Supervisor);
            f(conn, &ctx, &settings, &row, &supervisor, &cid)?;
            store::complaint(conn, &row, &cid, &principal)
        })
        .await
}

/// The administrative supervisor whose scope holds the tender accepts
/// (受理) or refuses a filed complaint (a refusal is published).
#[utoipa::path(
    tag = "objections",
    params(("id" = String, Path), ("complaint" = String, Path)),
    request_body = AcceptanceInput,
    responses(
        (status = 200, body = Complaint),
        (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)
    )
)]
#[post("/tenders/{id}/complaints/{complaint}/acceptance")]
pub async fn accept_complaint(
    state: web::Data<AppState>,
    principal: Principal,
    ctx: AuditContext,
    path: web::Path<(String, String)>,
    body: web::Json<AcceptanceInput>,
) -> Result<web::Json<Complaint>, AppError> {
    let (id, cid) = path.into_inner();
    let input = body.into_inner();
    let mut errors = Vec::new();
    check_text(&mut errors, "reason", &input.reason, !input.accept, 5000);
    AppError::check(errors)?;
    let c = handle(
        &state,
        principal,
        ctx,
        id,
        cid,
        move |conn, ctx, s, row, sup, cid| {
            store::accept(conn, ctx, s, row, sup, cid, input.accept, &input.reason)
        },
    )
    .await?;
    Ok(web::Json(c))
}

/// The administrative supervisor whose scope holds the tender decides an
/// accepted complaint; the decision is published as a notice and any
/// suspension it ordered ends.
#[utoipa::path(
    tag = "objections",
    params(("id" = String, Path), ("complaint" = String, Path)),
    request_body = DecisionInput,
    responses(
        (status = 200, body = Complaint),
        (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)
    )
)]
#[post("/tenders/{id}/complaints/{complaint}/decision")]
pub async fn decide_complaint(
    state: web::Data<AppState>,
    principal: Principal,
    ctx: AuditContext,
    path: web::Path<(String, String)>,
    body: web::Json<DecisionInput>,
) -> Result<web::Json<Complaint>, AppError> {
    let (id, cid) = path.into_inner();
    let input = body.into_inner();
    let mut errors = Vec::new();
    check_text(&mut errors, "decision", &input.decision, true, 20000);
    AppError::check(errors)?;
    let c = handle(
        &state,
        principal,
        ctx,
        id,
        cid,
        move |conn, ctx, s, row, sup, cid| {
            store::decide(conn, ctx, s, row, sup, cid, &input.decision, input.upheld).map(|_| ())
        },
    )
    .await?;
    Ok(web::Json(c))
}

/// The administrative supervisor whose scope holds the tender suspends the
/// procedure while it handles the complaint (政府采购法 第57条, 30 days at
/// most, 财政部令第94号 第28条; 招标投标法实施条例 第62条, no limit set): every lifecycle step and new
/// bid is refused (409 `procedure-suspended`) until it resumes it.
#[utoipa::path(
    tag = "objections",
    params(("id" = String, Path), ("complaint" = String, Path)),
    request_body = SuspensionInput,
    responses(
        (status = 200, body = Complaint),
        (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)
    )
)]
#[post("/tenders/{id}/complaints/{complaint}/suspension")]
pub async fn suspend_procedure(
    state: web::Data<AppState>,
    principal: Principal,
    ctx: AuditContext,
    path: web::Path<(String, String)>,
    body: web::Json<SuspensionInput>,
) -> Result<web::Json<Complaint>, AppError> {
    let (id, cid) = path.into_inner();
    let input = body.into_inner();
    let mut errors = Vec::new();
    check_text(&mut errors, "reason", &input.reason, true, 5000);
    if input.days.is_some_and(|d| !(1..=365).contains(&d)) {
        errors.push(
            crate::error::FieldError::new("days", "from 1 to 365")
                .because("number.range", serde_json::json!({ "min": 1, "max": 365 })),
        );
    }
    AppError::check(errors)?;
    let c = handle(
        &state,
        principal,
        ctx,
        id,
        cid,
        move |conn, ctx, s, row, sup, cid| {
            store::suspend(conn, ctx, s, row, sup, cid, &input.reason, input.days)
        },
    )
    .await?;
    Ok(web::Json(c))
}

/// The administrative supervisor whose scope holds the tender resumes a
/// procedure it suspended on this complaint (published).
#[utoipa::path(
    tag = "objections",
    params(("id" = String, Path), ("complaint" = String, Path)),
    request_body = ResumptionInput,
    responses(
        (status = 200, body = Complaint),
        (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)
    )
)]
#[post("/tenders/{id}/complaints/{complaint}/resumption")]
pub async fn resume_procedure(
    state: web::Data<AppState>,
    principal: Principal,
    ctx: AuditContext,
    path: web::Path<(String, String)>,
    body: web::Json<ResumptionInput>,
) -> Result<web::Json<Complaint>, AppError> {
    let (id, cid) = path.into_inner();
    let input = body.into_inner();
    let mut errors = Vec::new();
    check_text(&mut errors, "reason", &input.reason, true, 5000);
    AppError::check(errors)?;
    let c = handle(
        &state,
        principal,
        ctx,
        id,
        cid,
        move |conn, ctx, s, row, sup, cid| {
            store::resume(conn, ctx, s, row, sup, cid, &input.reason)
        },
    )
    .await?;
    Ok(web::Json(c))
}
