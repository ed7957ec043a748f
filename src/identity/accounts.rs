//! Accounts as operators manage them: listed, disabled and enabled again.
//!
//! A disabled account stops at once: every request with one of its API
//! tokens or certificate sessions is refused from the next request on
//! (`store::load_principal` reads the flag each time), and its open live
//! sockets are closed by their credential re-check. Nothing is deleted:
//! enabling it again restores its tokens and sessions that have not
//! expired. Who may: a platform operator, any account but its own; a league
//! operator, accounts of its league that are neither operators nor
//! supervisors (a centre does not switch off its supervisors or its peers).
//! Every change is an audit event with its reason.

use super::policy::{Area, require_operator};
use super::{Principal, Role};
use crate::audit::{self, AuditContext};
use crate::db::schema::{user_roles, users};
use crate::db::{DbConn, from_db_time};
use crate::error::{AppError, FieldError, check_text};
use crate::http::{Page, Paging};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

/// An account as operators see it.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AccountView {
    pub id: String,
    pub name: String,
    pub roles: Vec<Role>,
    /// None: a platform account (of no league).
    pub league: Option<String>,
    pub organisation_id: Option<String>,
    pub disabled: bool,
    pub created_at: DateTime<Utc>,
}

/// `GET /users` filters.
#[derive(Debug, Clone, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AccountFilter {
    /// Accounts of this league (a league operator sees only its own).
    #[param(max_length = 16)]
    pub league: Option<String>,
    pub disabled: Option<bool>,
    /// Page number, from 1.
    #[param(minimum = 1, maximum = 1000000)]
    pub page: Option<u32>,
    /// Items per page, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<u32>,
}

/// Why an account is disabled or enabled, for the record.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AccountChange {
    /// Why; recorded in the audit log. 1 to 500 characters.
    #[schema(min_length = 1, max_length = 500)]
    pub reason: String,
}

type Row = (
    String,
    String,
    Option<String>,
    Option<String>,
    bool,
    chrono::NaiveDateTime,
);

fn view(conn: &mut DbConn, row: Row) -> Result<AccountView, AppError> {
    let (id, name, league, organisation_id, disabled, created_at) = row;
    let roles: Vec<String> = user_roles::table
        .filter(user_roles::user_id.eq(&id))
        .select(user_roles::role)
        .order(user_roles::role)
        .load(conn)?;
    Ok(AccountView {
        id,
        name,
        roles: roles.iter().filter_map(|r| Role::from_code(r)).collect(),
        league,
        organisation_id,
        disabled,
        created_at: from_db_time(created_at),
    })
}

fn select() -> (
    users::id,
    users::name,
    users::league_code,
    users::organisation_id,
    users::disabled,
    users::created_at,
) {
    (
        users::id,
        users::name,
        users::league_code,
        users::organisation_id,
        users::disabled,
        users::created_at,
    )
}

/// The accounts `viewer` may manage: all for a platform operator, its
/// league's for a league operator.
pub fn list(
    conn: &mut DbConn,
    viewer: &Principal,
    filter: &AccountFilter,
    paging: Paging,
) -> Result<Page<AccountView>, AppError> {
    let league = match (&viewer.league, &filter.league) {
        (Some(mine), _) => Some(mine.as_str().to_string()),
        (None, wanted) => wanted.clone(),
    };
    require_operator(viewer, Area::Accounts, league.as_deref())?;
    if let (Some(mine), Some(wanted)) = (&viewer.league, &filter.league)
        && mine.as_str() != wanted
    {
        return Err(super::policy::forbidden(
            viewer,
            Area::Accounts,
            Some(wanted),
        ));
    }
    let build = || {
        let mut q = users::table.into_boxed();
        if let Some(l) = &league {
            q = q.filter(users::league_code.eq(l.clone()));
        }
        if let Some(d) = filter.disabled {
            q = q.filter(users::disabled.eq(d));
        }
        q
    };
    let total: i64 = build().count().get_result(conn)?;
    let rows: Vec<Row> = build()
        .select(select())
        .order((users::created_at.asc(), users::id.asc()))
        .offset(paging.offset())
        .limit(paging.limit())
        .load(conn)?;
    let items = rows
        .into_iter()
        .map(|r| view(conn, r))
        .collect::<Result<_, _>>()?;
    Ok(paging.page(items, total))
}

/// Whether `actor` may change `target`'s account, and why not (pure).
pub fn may_change(actor: &Principal, target: &AccountView) -> Result<(), AppError> {
    if actor.user_id.as_ref().map(|u| u.as_str()) == Some(target.id.as_str()) {
        return Err(AppError::Forbidden(
            "an operator cannot disable or enable its own account".into(),
        )
        .because("accounts.own-account", serde_json::json!({})));
    }
    may_act_for(actor, target)
}

/// Whether `actor`, as an operator, acts on `target`'s account (its state
/// or its sessions): its league's operators on ordinary accounts, the
/// platform's on all (pure).
pub fn may_act_for(actor: &Principal, target: &AccountView) -> Result<(), AppError> {
    require_operator(actor, Area::Accounts, target.league.as_deref())?;
    let guarded = target
        .roles
        .iter()
        .any(|r| matches!(r, Role::Operator | Role::Supervisor));
    if guarded && !actor.is_platform_operator() {
        return Err(AppError::Forbidden(
            "accounts of operators and supervisors are changed by a platform operator only".into(),
        )
        .because("accounts.platform-operator-only", serde_json::json!({})));
    }
    Ok(())
}

/// Disables (or enables) an account, on the record. Changing it to what it
/// already is is refused with 409, so every audit event is a real change.
pub fn set_disabled(
    conn: &mut DbConn,
    ctx: &AuditContext,
    id: &str,
    disabled: bool,
    change: &AccountChange,
) -> Result<AccountView, AppError> {
    let before = load(conn, id)?.ok_or_else(|| AppError::not_found("account"))?;
    // Who may, before anything about the request or the account's state.
    may_change(&ctx.principal, &before)?;
    let reason = change.reason.trim();
    let mut errors: Vec<FieldError> = Vec::new();
    check_text(&mut errors, "reason", reason, true, 500);
    if let Some(e) = errors.pop() {
        return Err(AppError::invalid_field(e));
    }
    if before.disabled == disabled {
        return Err(AppError::Conflict(format!(
            "the account is already {}",
            if disabled { "disabled" } else { "enabled" }
        ))
        .because(
            if disabled {
                "accounts.disabled-already"
            } else {
                "accounts.enabled-already"
            },
            serde_json::json!({}),
        ));
    }
    diesel::update(users::table.filter(users::id.eq(id)))
        .set(users::disabled.eq(disabled))
        .execute(conn)?;
    audit::record(
        conn,
        ctx,
        if disabled {
            "user.disable"
        } else {
            "user.enable"
        },
        "user",
        id,
        None,
        &serde_json::json!({ "reason": reason, "league": before.league }),
    )?;
    Ok(AccountView { disabled, ..before })
}

/// An account as operators see it, if it exists.
pub fn load(conn: &mut DbConn, id: &str) -> Result<Option<AccountView>, AppError> {
    let row: Option<Row> = users::table
        .filter(users::id.eq(id))
        .select(select())
        .first(conn)
        .optional()?;
    row.map(|r| view(conn, r)).transpose()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::{LeagueCode, UserId};

    fn principal(roles: &[Role], league: Option<&str>) -> Principal {
        Principal {
            user_id: Some(UserId::new()),
            name: "x".into(),
            roles: roles.to_vec(),
            league: league.map(|l| LeagueCode::parse(l).unwrap()),
            organisation: None,
        }
    }

    fn account(roles: &[Role], league: Option<&str>) -> AccountView {
        AccountView {
            id: UserId::new().as_str().to_string(),
            name: "t".into(),
            roles: roles.to_vec(),
            league: league.map(String::from),
            organisation_id: None,
            disabled: false,
            created_at: Utc::now(),
        }
    }

    #[test]
    fn league_operators_change_their_leagues_ordinary_accounts_only() {
        let nng = principal(&[Role::Operator], Some("NNG"));
        assert!(may_change(&nng, &account(&[Role::Bidder], Some("NNG"))).is_ok());
        assert!(may_change(&nng, &account(&[Role::Bidder], Some("LZH"))).is_err());
        assert!(may_change(&nng, &account(&[Role::Supervisor], Some("NNG"))).is_err());
        assert!(may_change(&nng, &account(&[Role::Operator], Some("NNG"))).is_err());
        assert!(may_change(&nng, &account(&[Role::Operator], None)).is_err());
    }

    #[test]
    fn platform_operators_change_any_account_but_their_own() {
        let platform = principal(&[Role::Operator], None);
        assert!(may_change(&platform, &account(&[Role::Supervisor], Some("LZH"))).is_ok());
        assert!(may_change(&platform, &account(&[Role::Operator], None)).is_ok());
        let mut me = account(&[Role::Operator], None);
        me.id = platform.user_id.as_ref().unwrap().as_str().to_string();
        assert!(may_change(&platform, &me).is_err());
        let tenderer = principal(&[Role::Tenderer], Some("NNG"));
        assert!(may_change(&tenderer, &account(&[Role::Bidder], Some("NNG"))).is_err());
    }
}
