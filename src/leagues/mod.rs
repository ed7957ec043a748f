//! The league registry: regional trading centres (code, name, parent region).

use crate::audit::{self, AuditContext};
use crate::db::schema::leagues;
use crate::db::{DbConn, to_db_time};
use crate::error::{AppError, check_text};
use crate::types::LeagueCode;
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
        return Err(
            AppError::Conflict(format!("league {} already exists", league.code)).because(
                "league.exists",
                serde_json::json!({ "league": league.code.as_str() }),
            ),
        );
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

pub mod routes;
