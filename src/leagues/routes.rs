//! The leagues' HTTP routes.

use super::{League, insert, list};
use crate::app::AppState;
use crate::audit::AuditContext;
use crate::error::AppError;
use crate::identity::policy::Area;
use crate::identity::{Principal, Role};
use actix_web::{HttpResponse, get, post, web};
use serde::Serialize;

#[derive(Serialize, utoipa::ToSchema)]
pub struct LeagueList {
    pub items: Vec<League>,
}

/// All leagues.
#[utoipa::path(tag = "leagues", responses((status = 200, body = LeagueList)))]
#[get("/leagues")]
pub async fn list_leagues(state: web::Data<AppState>) -> Result<web::Json<LeagueList>, AppError> {
    let items = state.db.read(list).await?;
    Ok(web::Json(LeagueList { items }))
}

/// One league.
#[utoipa::path(
    tag = "leagues",
    params(("code" = String, Path)),
    responses((status = 200, body = League), (status = 404, body = crate::error::Problem))
)]
#[get("/leagues/{code}")]
pub async fn get_league(
    state: web::Data<AppState>,
    code: web::Path<String>,
) -> Result<web::Json<League>, AppError> {
    let code = code.into_inner();
    let all = state.db.read(list).await?;
    all.into_iter()
        .find(|l| l.code.as_str() == code)
        .map(web::Json)
        .ok_or_else(|| AppError::not_found("league"))
}

/// Registers a league (operators only).
#[utoipa::path(
    tag = "leagues",
    request_body = League,
    responses(
        (status = 201, body = League),
        (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)
    )
)]
#[post("/leagues")]
pub async fn create_league(
    state: web::Data<AppState>,
    principal: Principal,
    ctx: AuditContext,
    body: web::Json<League>,
) -> Result<HttpResponse, AppError> {
    crate::identity::policy::require_operator(&principal, Area::Leagues, None)?;
    let league = body.into_inner();
    let saved = league.clone();
    state
        .db
        .write(move |conn| insert(conn, &ctx.acting_as(Role::Operator), &league))
        .await?;
    Ok(HttpResponse::Created().json(saved))
}
