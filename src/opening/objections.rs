//! Objections raised by bidders during the opening, answered on the spot,
//! all on the record and public.

use crate::app::AppState;
use crate::audit::{self, AuditContext};
use crate::db::schema::{bids, objections};
use crate::db::{from_db_time, to_db_time};
use crate::error::{AppError, check_text};
use crate::identity::{Principal, Role};
use crate::tenders::model::TenderStatus;
use crate::tenders::routes::parse_id;
use crate::tenders::store as tenders;
use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ObjectionInput {
    #[schema(min_length = 1, max_length = 5000)]
    pub text: String,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswerInput {
    #[schema(min_length = 1, max_length = 5000)]
    pub answer: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Objection {
    pub id: String,
    pub tender_id: String,
    pub bidder_organisation_id: Option<String>,
    pub text: String,
    pub raised_at: DateTime<Utc>,
    pub answer: Option<String>,
    pub answered_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ObjectionList {
    pub items: Vec<Objection>,
}

type Row = (
    String,
    String,
    Option<String>,
    String,
    NaiveDateTime,
    Option<String>,
    Option<NaiveDateTime>,
);

fn load(conn: &mut crate::db::DbConn, tender_id: &str) -> Result<Vec<Objection>, AppError> {
    let rows: Vec<Row> = objections::table
        .filter(objections::tender_id.eq(tender_id))
        .order((objections::raised_at.asc(), objections::id.asc()))
        .select((
            objections::id,
            objections::tender_id,
            objections::bidder_org_id,
            objections::text,
            objections::raised_at,
            objections::answer,
            objections::answered_at,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(
            |(id, tender_id, org, text, raised, answer, answered)| Objection {
                id,
                tender_id,
                bidder_organisation_id: org,
                text,
                raised_at: from_db_time(raised),
                answer,
                answered_at: answered.map(from_db_time),
            },
        )
        .collect())
}

/// A bidder objects during the opening (it must have bid on the tender).
#[utoipa::path(
    tag = "opening",
    params(("id" = String, Path)),
    request_body = ObjectionInput,
    responses(
        (status = 201, body = Objection),
        (status = 403, body = crate::error::Problem),
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
    let role = principal.require_any(&[Role::Bidder])?;
    let mut errors = Vec::new();
    check_text(&mut errors, "text", &body.text, true, 5000);
    AppError::check(errors)?;
    let (user, org) = match (&principal.user_id, &principal.organisation) {
        (Some(u), Some(o)) => (u.clone(), o.clone()),
        _ => {
            return Err(AppError::Forbidden(
                "only a bidding enterprise objects".into(),
            ));
        }
    };
    let text = body.into_inner().text;
    let objection = crate::hall::write_then_publish(&state.db, &state.hall.hub, move |conn| {
        tenders::lock(conn, &id)?;
        let row = tenders::load_visible(conn, &id, &principal)?;
        if row.status()? != TenderStatus::Opening {
            return Err(AppError::IllegalTransition(
                "objections to the opening are raised while it is under way".into(),
            ));
        }
        let bid: i64 = bids::table
            .filter(bids::tender_id.eq(&row.id))
            .filter(bids::bidder_org_id.eq(org.as_str()))
            .count()
            .get_result(conn)?;
        if bid == 0 {
            return Err(AppError::Forbidden(
                "only an enterprise that bid on this tender may object to its opening".into(),
            ));
        }
        let oid = uuid::Uuid::new_v4().to_string();
        diesel::insert_into(objections::table)
            .values((
                objections::id.eq(&oid),
                objections::tender_id.eq(&row.id),
                objections::raised_by.eq(user.as_str()),
                objections::bidder_org_id.eq(org.as_str()),
                objections::text.eq(&text),
                objections::raised_at.eq(to_db_time(ctx.now)),
            ))
            .execute(conn)?;
        audit::record(
            conn,
            &ctx.clone().acting_as(role),
            "opening.objection_raised",
            "objection",
            &oid,
            Some(&row.id),
            &serde_json::json!({ "text": text, "bidder": org }),
        )?;
        let objection = load(conn, &row.id)?
            .into_iter()
            .find(|o| o.id == oid)
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("objection vanished")))?;
        let event =
            crate::hall::store::append(conn, &id, "opening.objection_raised", &objection, ctx.now)?;
        Ok((objection, vec![event]))
    })
    .await?;
    Ok(HttpResponse::Created().json(objection))
}

/// The objections raised at a tender's opening and their answers.
#[utoipa::path(
    tag = "opening",
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
            load(conn, &row.id)
        })
        .await?;
    Ok(web::Json(ObjectionList { items }))
}

/// The tender's manager answers an objection (once).
#[utoipa::path(
    tag = "opening",
    params(("id" = String, Path), ("objection" = String, Path)),
    request_body = AnswerInput,
    responses(
        (status = 200, body = Objection),
        (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem)
    )
)]
#[post("/tenders/{id}/objections/{objection}/answer")]
pub async fn answer_objection(
    state: web::Data<AppState>,
    principal: Principal,
    ctx: AuditContext,
    path: web::Path<(String, String)>,
    body: web::Json<AnswerInput>,
) -> Result<web::Json<Objection>, AppError> {
    let (id, oid) = path.into_inner();
    let id = parse_id(&id)?;
    if uuid::Uuid::parse_str(&oid).is_err() {
        return Err(AppError::not_found("objection"));
    }
    principal.require_any(&[Role::Tenderer, Role::Agent, Role::Operator])?;
    let mut errors = Vec::new();
    check_text(&mut errors, "answer", &body.answer, true, 5000);
    AppError::check(errors)?;
    let answer = body.into_inner().answer;
    let objection = crate::hall::write_then_publish(&state.db, &state.hall.hub, move |conn| {
        tenders::lock(conn, &id)?;
        let (row, role) = tenders::load_managed(conn, &id, &principal)?;
        let updated = diesel::update(
            objections::table
                .filter(objections::id.eq(&oid))
                .filter(objections::tender_id.eq(&row.id))
                .filter(objections::answer.is_null()),
        )
        .set((
            objections::answer.eq(&answer),
            objections::answered_at.eq(to_db_time(ctx.now)),
            objections::answered_by.eq(principal.user_id.as_ref().map(|u| u.as_str())),
        ))
        .execute(conn)?;
        if updated != 1 {
            return Err(AppError::Conflict(
                "no unanswered objection of this tender has that id".into(),
            ));
        }
        let ctx = ctx.clone().acting_as(role);
        audit::record(
            conn,
            &ctx,
            "opening.objection_answered",
            "objection",
            &oid,
            Some(&row.id),
            &serde_json::json!({ "answer": answer }),
        )?;
        let (raised_by, text): (String, String) = objections::table
            .find(&oid)
            .select((objections::raised_by, objections::text))
            .first(conn)?;
        let answered = super::messages::ObjectionAnswer {
            objection_id: &oid,
            raised_by: &raised_by,
            objection: &text,
            answer: &answer,
        };
        super::messages::objection_answered(conn, &ctx, &row, &answered)?;
        let objection = load(conn, &row.id)?
            .into_iter()
            .find(|o| o.id == oid)
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("objection vanished")))?;
        let event = crate::hall::store::append(
            conn,
            &id,
            "opening.objection_answered",
            &objection,
            ctx.now,
        )?;
        Ok((objection, vec![event]))
    })
    .await?;
    Ok(web::Json(objection))
}
