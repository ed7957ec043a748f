//! The league registry: regional trading centres (code, name, parent region).

use crate::audit::{self, AuditContext};
use crate::db::schema::leagues;
use crate::db::{DbConn, to_db_time};
use crate::error::{AppError, check_text};
use crate::identity::policy::Area;
use crate::identity::{Principal, Role};
use crate::startup::AppState;
use crate::types::LeagueCode;
use actix_web::{HttpResponse, get, post, web};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct League {
    #[schema(value_type = String, example = "NNG", pattern = "^[A-Z0-9-]{2,16}$")]
    pub code: LeagueCode,
    /// Name in Chinese.
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    /// Name in English.
    #[schema(min_length = 1, max_length = 200)]
    pub name_en: String,
    /// Code of the region the league belongs to.
    #[schema(min_length = 1, max_length = 64)]
    pub parent_region: String,
}

impl League {
    fn validate(&self) -> Result<(), AppError> {
        let mut errors = Vec::new();
        for (field, value, max) in [
            ("name", &self.name, 200),
            ("name_en", &self.name_en, 200),
            ("parent_region", &self.parent_region, 64),
        ] {
            check_text(&mut errors, field, value, true, max);
        }
        AppError::check(errors)
    }
}

pub fn list(conn: &mut DbConn) -> Result<Vec<League>, AppError> {
    let rows: Vec<(String, String, String, String)> = leagues::table
        .select((
            leagues::code,
            leagues::name,
            leagues::name_en,
            leagues::parent_region,
        ))
        .order(leagues::code)
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(code, name, name_en, parent_region)| League {
            code: LeagueCode::from_db(code),
            name,
            name_en,
            parent_region,
        })
        .collect())
}

pub fn exists(conn: &mut DbConn, code: &LeagueCode) -> Result<bool, AppError> {
    let n: i64 = leagues::table
        .filter(leagues::code.eq(code.as_str()))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

pub fn insert(conn: &mut DbConn, ctx: &AuditContext, league: &League) -> Result<(), AppError> {
    league.validate()?;
    if exists(conn, &league.code)? {
        return Err(AppError::Conflict(format!(
            "league {} already exists",
            league.code
        )));
    }
    diesel::insert_into(leagues::table)
        .values((
            leagues::code.eq(league.code.as_str()),
            leagues::name.eq(&league.name),
            leagues::name_en.eq(&league.name_en),
            leagues::parent_region.eq(&league.parent_region),
            leagues::created_at.eq(to_db_time(ctx.now)),
        ))
        .execute(conn)?;
    audit::record(
        conn,
        ctx,
        "league.create",
        "league",
        league.code.as_str(),
        None,
        league,
    )
}

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
