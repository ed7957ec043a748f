//! Clarification questions: bidders ask privately; the tenderer's answer is
//! published to everyone with the question, never with who asked.

use super::limits;
use super::model::{MAX_TEXT_CHARS, NoticeKind, TenderStatus};
use super::routes::parse_id;
use super::store::{self, TenderRow};
use crate::app::AppState;
use crate::audit::{self, AuditContext};
use crate::db::schema::clarifications;
use crate::db::{DbConn, from_db_time, to_db_time};
use crate::error::{AppError, check_text};
use crate::identity::{Principal, Role};
use crate::opendata::OcdsSettings;
use crate::types::ClarificationId;
use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Debug, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuestionInput {
    #[schema(min_length = 1, max_length = 50000)]
    pub question: String,
}

#[derive(Debug, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswerInput {
    #[schema(min_length = 1, max_length = 50000)]
    pub answer: String,
    /// Whether the answer can affect how bids are prepared; then, like an
    /// amendment, it must be published at least 15 days before the deadline
    /// (otherwise publish an amendment that moves the deadline).
    #[serde(default)]
    pub changes_bids: bool,
}

/// A clarification as the viewer may see it. Nobody but the asker learns
/// who asked; `asked_by_me` tells the asker which are theirs.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ClarificationView {
    pub id: ClarificationId,
    /// Public number, given when answered.
    pub number: Option<i32>,
    pub question: String,
    pub answer: Option<String>,
    pub asked_at: DateTime<Utc>,
    pub answered_at: Option<DateTime<Utc>>,
    pub asked_by_me: bool,
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ClarificationList {
    pub items: Vec<ClarificationView>,
}

/// Records a bidder's question about a published tender, before the
/// clarification deadline.
pub fn ask(
    conn: &mut DbConn,
    ctx: &AuditContext,
    row: &TenderRow,
    input: &QuestionInput,
) -> Result<ClarificationView, AppError> {
    let mut errors = Vec::new();
    check_text(
        &mut errors,
        "question",
        &input.question,
        true,
        MAX_TEXT_CHARS,
    );
    AppError::check(errors)?;
    if row.status()? != TenderStatus::Published {
        return Err(AppError::IllegalTransition(
            "questions can be asked only while the tender is published".into(),
        )
        .because(
            "clarification.tender-not-published",
            serde_json::json!({ "status": row.status()?.code() }),
        ));
    }
    let deadline = from_db_time(row.clarification_deadline);
    if ctx.now >= deadline {
        return Err(AppError::DeadlinePassed(format!(
            "the clarification deadline ({}) has passed",
            deadline.to_rfc3339()
        ))
        .because(
            "clarification.deadline-passed",
            serde_json::json!({ "deadline": crate::reasons::time(deadline) }),
        ));
    }
    let cid = ClarificationId::new();
    let asker = ctx
        .principal
        .user_id
        .as_ref()
        .map(|u| u.as_str())
        .unwrap_or_default();
    diesel::insert_into(clarifications::table)
        .values((
            clarifications::id.eq(cid.as_str()),
            clarifications::tender_id.eq(&row.id),
            clarifications::question.eq(&input.question),
            clarifications::asked_by.eq(asker),
            clarifications::asked_at.eq(to_db_time(ctx.now)),
        ))
        .execute(conn)?;
    audit::record(
        conn,
        ctx,
        "tender.clarification.ask",
        "clarification",
        cid.as_str(),
        Some(&row.id),
        input,
    )?;
    Ok(ClarificationView {
        id: cid,
        number: None,
        question: input.question.clone(),
        answer: None,
        asked_at: ctx.now,
        answered_at: None,
        asked_by_me: true,
    })
}

/// Answers a question and publishes question and answer as a notice.
pub fn answer(
    conn: &mut DbConn,
    ctx: &AuditContext,
    settings: &OcdsSettings,
    row: &TenderRow,
    cid: &ClarificationId,
    input: &AnswerInput,
) -> Result<ClarificationView, AppError> {
    let mut errors = Vec::new();
    check_text(&mut errors, "answer", &input.answer, true, MAX_TEXT_CHARS);
    AppError::check(errors)?;
    if row.status()? != TenderStatus::Published || ctx.now >= from_db_time(row.bid_deadline) {
        return Err(AppError::DeadlinePassed(
            "answers are published only before the bid deadline".into(),
        )
        .because(
            "clarification.answer-before-deadline",
            serde_json::json!({}),
        ));
    }
    if input.changes_bids {
        let calendar = crate::calendar::current(conn)?;
        limits::check_amendment(&row.facts()?, row.status()?, true, None, ctx.now, &calendar)?;
    }
    type Found = (String, NaiveDateTime, Option<NaiveDateTime>, String);
    let found: Option<Found> = clarifications::table
        .filter(clarifications::id.eq(cid.as_str()))
        .filter(clarifications::tender_id.eq(&row.id))
        .select((
            clarifications::question,
            clarifications::asked_at,
            clarifications::answered_at,
            clarifications::asked_by,
        ))
        .first(conn)
        .optional()?;
    let (question, asked_at, answered, asked_by) =
        found.ok_or_else(|| AppError::not_found("clarification"))?;
    if answered.is_some() {
        return Err(
            AppError::Conflict("this question has already been answered".into())
                .because("clarification.answered-already", serde_json::json!({})),
        );
    }
    let number: i32 = clarifications::table
        .filter(clarifications::tender_id.eq(&row.id))
        .select(diesel::dsl::max(clarifications::number))
        .first::<Option<i32>>(conn)?
        .unwrap_or(0)
        + 1;
    let updated = diesel::update(
        clarifications::table
            .filter(clarifications::id.eq(cid.as_str()))
            .filter(clarifications::answered_at.is_null()),
    )
    .set((
        clarifications::number.eq(number),
        clarifications::answer.eq(&input.answer),
        clarifications::answered_at.eq(to_db_time(ctx.now)),
    ))
    .execute(conn)?;
    if updated != 1 {
        return Err(
            AppError::Conflict("this question has already been answered".into())
                .because("clarification.answered-already", serde_json::json!({})),
        );
    }
    store::publish_written(
        conn,
        ctx,
        settings,
        &row.id,
        NoticeKind::Clarification,
        &super::notice_words::clarification(&row.title, number, &question, &input.answer),
    )?;
    audit::record(
        conn,
        ctx,
        "tender.clarification.answer",
        "clarification",
        cid.as_str(),
        Some(&row.id),
        input,
    )?;
    let answered = super::messages::Answered {
        number,
        question: &question,
        answer: &input.answer,
        asked_by: &asked_by,
    };
    super::messages::clarification_answered(conn, ctx, row, &answered)?;
    Ok(ClarificationView {
        id: cid.clone(),
        number: Some(number),
        question,
        answer: Some(input.answer.clone()),
        asked_at: from_db_time(asked_at),
        answered_at: Some(ctx.now),
        asked_by_me: false,
    })
}

/// Asks a question about a published tender (bidders, before the
/// clarification deadline; on an invited tender, its invitees only).
#[utoipa::path(
    tag = "tenders",
    params(("id" = String, Path)),
    request_body = QuestionInput,
    responses(
        (status = 201, body = ClarificationView),
        (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)
    )
)]
#[post("/tenders/{id}/clarifications")]
pub async fn ask_question(
    state: web::Data<AppState>,
    principal: Principal,
    ctx: AuditContext,
    id: web::Path<String>,
    body: web::Json<QuestionInput>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    principal.require_any(&[Role::Bidder])?;
    let input = body.into_inner();
    let view = state
        .db
        .write(move |conn| {
            store::lock(conn, &id)?;
            let row = store::load_visible(conn, &id, &principal)?;
            // Only an invited tender's invitees are its potential bidders.
            let org = principal.organisation.as_ref().map(|o| o.as_str());
            super::invitees::require_invited(conn, &row, org, super::invitees::Step::Ask)?;
            ask(conn, &ctx.acting_as(Role::Bidder), &row, &input)
        })
        .await?;
    Ok(HttpResponse::Created().json(view))
}

/// Clarifications: everyone sees the answered ones; the tender's managers
/// also see pending questions; a bidder also sees its own pending ones.
/// Answered ones come first, by number; pending ones follow, oldest first.
#[utoipa::path(
    tag = "tenders",
    params(("id" = String, Path)),
    responses((status = 200, body = ClarificationList), (status = 404, body = crate::error::Problem))
)]
#[get("/tenders/{id}/clarifications")]
pub async fn list_clarifications(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<String>,
) -> Result<web::Json<ClarificationList>, AppError> {
    let id = parse_id(&id)?;
    let items = state
        .db
        .read(move |conn| {
            let row = store::load_visible(conn, &id, &principal)?;
            let manages = row.managed_by(&principal);
            let me = principal.user_id.as_ref().map(|u| u.as_str().to_string());
            type Row = (
                String,
                Option<i32>,
                String,
                Option<String>,
                NaiveDateTime,
                Option<NaiveDateTime>,
                String,
            );
            let rows: Vec<Row> = clarifications::table
                .filter(clarifications::tender_id.eq(&row.id))
                .select((
                    clarifications::id,
                    clarifications::number,
                    clarifications::question,
                    clarifications::answer,
                    clarifications::asked_at,
                    clarifications::answered_at,
                    clarifications::asked_by,
                ))
                .load(conn)?;
            let mut items: Vec<ClarificationView> = rows
                .into_iter()
                .filter_map(
                    |(cid, number, question, answer, asked_at, answered_at, asked_by)| {
                        let mine = me.as_deref() == Some(asked_by.as_str());
                        (answered_at.is_some() || manages || mine).then(|| ClarificationView {
                            id: ClarificationId::from_db(cid),
                            number,
                            question,
                            answer,
                            asked_at: from_db_time(asked_at),
                            answered_at: answered_at.map(from_db_time),
                            asked_by_me: mine,
                        })
                    },
                )
                .collect();
            items.sort_by_key(|c| (c.number.is_none(), c.number, c.asked_at));
            Ok(items)
        })
        .await?;
    Ok(web::Json(ClarificationList { items }))
}

/// Answers a question; the question and answer are published to all as a
/// clarification notice, without the asker.
#[utoipa::path(
    tag = "tenders",
    params(("id" = String, Path), ("cid" = String, Path)),
    request_body = AnswerInput,
    responses(
        (status = 200, body = ClarificationView),
        (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)
    )
)]
#[post("/tenders/{id}/clarifications/{cid}/answer")]
pub async fn answer_question(
    state: web::Data<AppState>,
    principal: Principal,
    ctx: AuditContext,
    path: web::Path<(String, String)>,
    body: web::Json<AnswerInput>,
) -> Result<web::Json<ClarificationView>, AppError> {
    let (id, cid) = path.into_inner();
    let id = parse_id(&id)?;
    let cid = ClarificationId::parse(&cid).ok_or_else(|| AppError::not_found("clarification"))?;
    principal.require_any(&[Role::Tenderer, Role::Agent, Role::Operator])?;
    let input = body.into_inner();
    let settings = state.ocds.clone();
    let view = state
        .db
        .write(move |conn| {
            store::lock(conn, &id)?;
            let (row, role) = store::load_managed(conn, &id, &principal)?;
            answer(conn, &ctx.acting_as(role), &settings, &row, &cid, &input)
        })
        .await?;
    Ok(web::Json(view))
}
