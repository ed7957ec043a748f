//! Storage of users, their roles, organisations and session tokens.

use super::{Principal, Role, new_token, token_hash};
use crate::audit::{self, AuditContext};
use crate::db::schema::{api_tokens, organisations, user_roles, users};
use crate::db::{DbConn, from_db_time, to_db_time};
use crate::error::AppError;
use crate::types::{CreditCode, LeagueCode, OrganisationId, UserId};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;

/// Looks up the principal behind a token, if it is valid at `now`.
pub fn principal_for_token(
    conn: &mut DbConn,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Option<Principal>, AppError> {
    let hash = token_hash(token);
    let row: Option<(
        String,
        Option<chrono::NaiveDateTime>,
        Option<chrono::NaiveDateTime>,
    )> = api_tokens::table
        .filter(api_tokens::token_hash.eq(&hash))
        .select((
            api_tokens::user_id,
            api_tokens::expires_at,
            api_tokens::revoked_at,
        ))
        .first(conn)
        .optional()?;
    let Some((user_id, expires_at, revoked_at)) = row else {
        return Ok(None);
    };
    if revoked_at.is_some() || expires_at.is_some_and(|t| from_db_time(t) <= now) {
        return Ok(None);
    }
    load_principal(conn, &user_id)
}

pub fn load_principal(conn: &mut DbConn, user_id: &str) -> Result<Option<Principal>, AppError> {
    type UserRow = (String, String, Option<String>, Option<String>, bool);
    let user: Option<UserRow> = users::table
        .filter(users::id.eq(user_id))
        .select((
            users::id,
            users::name,
            users::league_code,
            users::organisation_id,
            users::disabled,
        ))
        .first(conn)
        .optional()?;
    let Some((id, name, league, organisation, disabled)) = user else {
        return Ok(None);
    };
    if disabled {
        return Ok(None);
    }
    let role_codes: Vec<String> = user_roles::table
        .filter(user_roles::user_id.eq(&id))
        .select(user_roles::role)
        .order(user_roles::role)
        .load(conn)?;
    Ok(Some(Principal {
        user_id: Some(UserId::from_db(id)),
        name,
        roles: role_codes
            .iter()
            .filter_map(|c| Role::from_code(c))
            .collect(),
        league: league.map(LeagueCode::from_db),
        organisation: organisation.map(OrganisationId::from_db),
    }))
}

/// An organisation as the public sees it.
#[derive(Debug, Clone, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct OrganisationRef {
    pub id: OrganisationId,
    pub name: String,
}

pub fn organisation_ref(conn: &mut DbConn, id: &str) -> Result<Option<OrganisationRef>, AppError> {
    let name: Option<String> = organisations::table
        .filter(organisations::id.eq(id))
        .select(organisations::name)
        .first(conn)
        .optional()?;
    Ok(name.map(|name| OrganisationRef {
        id: OrganisationId::from_db(id.to_string()),
        name,
    }))
}

/// The league an organisation is registered in.
pub fn organisation_league(conn: &mut DbConn, id: &str) -> Result<Option<String>, AppError> {
    Ok(organisations::table
        .filter(organisations::id.eq(id))
        .select(organisations::league_code)
        .first(conn)
        .optional()?)
}

/// Finds an organisation by league and name, creating it if absent.
pub fn find_or_create_organisation(
    conn: &mut DbConn,
    ctx: &AuditContext,
    league: &LeagueCode,
    name: &str,
    credit_code: Option<&CreditCode>,
) -> Result<OrganisationId, AppError> {
    let existing: Option<String> = organisations::table
        .filter(organisations::league_code.eq(league.as_str()))
        .filter(organisations::name.eq(name))
        .select(organisations::id)
        .first(conn)
        .optional()?;
    if let Some(id) = existing {
        return Ok(OrganisationId::from_db(id));
    }
    let id = OrganisationId::new();
    diesel::insert_into(organisations::table)
        .values((
            organisations::id.eq(id.as_str()),
            organisations::name.eq(name),
            organisations::credit_code.eq(credit_code.map(|c| c.as_str())),
            organisations::league_code.eq(league.as_str()),
            organisations::created_at.eq(to_db_time(ctx.now)),
        ))
        .execute(conn)?;
    #[derive(Serialize)]
    struct Created<'a> {
        name: &'a str,
        league: &'a str,
        credit_code: Option<&'a str>,
    }
    audit::record(
        conn,
        ctx,
        "organisation.create",
        "organisation",
        id.as_str(),
        None,
        &Created {
            name,
            league: league.as_str(),
            credit_code: credit_code.map(|c| c.as_str()),
        },
    )?;
    Ok(id)
}

pub struct NewUser<'a> {
    pub name: &'a str,
    pub roles: &'a [Role],
    pub league: Option<&'a LeagueCode>,
    pub organisation: Option<&'a OrganisationId>,
}

/// Creates a user with its roles and a first session token; returns the
/// user id and the token (shown once, stored hashed).
pub fn create_user(
    conn: &mut DbConn,
    ctx: &AuditContext,
    new: &NewUser<'_>,
    token_valid_until: Option<DateTime<Utc>>,
) -> Result<(UserId, String), AppError> {
    let id = insert_user(conn, ctx, new)?;
    let token = new_token()?;
    diesel::insert_into(api_tokens::table)
        .values((
            api_tokens::token_hash.eq(token_hash(&token)),
            api_tokens::user_id.eq(id.as_str()),
            api_tokens::label.eq("cli"),
            api_tokens::created_at.eq(to_db_time(ctx.now)),
            api_tokens::expires_at.eq(token_valid_until.map(to_db_time)),
        ))
        .execute(conn)?;
    Ok((id, token))
}

/// Creates a user with its roles (and no token: it signs in by certificate).
pub fn insert_user(
    conn: &mut DbConn,
    ctx: &AuditContext,
    new: &NewUser<'_>,
) -> Result<UserId, AppError> {
    if new.name.trim().is_empty() {
        return Err(AppError::invalid_field(
            crate::error::FieldError::new("name", "must not be empty")
                .because("text.empty", serde_json::json!({})),
        ));
    }
    if new.roles.is_empty() {
        return Err(AppError::invalid_field(
            crate::error::FieldError::new("roles", "at least one role is needed")
                .because("list.empty", serde_json::json!({})),
        ));
    }
    let id = UserId::new();
    diesel::insert_into(users::table)
        .values((
            users::id.eq(id.as_str()),
            users::name.eq(new.name),
            users::league_code.eq(new.league.map(|l| l.as_str())),
            users::organisation_id.eq(new.organisation.map(|o| o.as_str())),
            users::disabled.eq(false),
            users::created_at.eq(to_db_time(ctx.now)),
        ))
        .execute(conn)?;
    for role in new.roles {
        diesel::insert_into(user_roles::table)
            .values((
                user_roles::user_id.eq(id.as_str()),
                user_roles::role.eq(role.code()),
            ))
            .execute(conn)?;
    }
    #[derive(Serialize)]
    struct Created<'a> {
        name: &'a str,
        roles: Vec<&'static str>,
        league: Option<&'a str>,
        organisation: Option<&'a str>,
    }
    audit::record(
        conn,
        ctx,
        "user.create",
        "user",
        id.as_str(),
        None,
        &Created {
            name: new.name,
            roles: new.roles.iter().map(|r| r.code()).collect(),
            league: new.league.map(|l| l.as_str()),
            organisation: new.organisation.map(|o| o.as_str()),
        },
    )?;
    Ok(id)
}
