//! Accounts as operators manage them: created, listed, their roles and a
//! supervisor's scope set, disabled and enabled again.
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
//!
//! Creating an account and changing its roles follow the same rule
//! ([`may_create`], [`may_set_roles`]): a league's operators make and change
//! ordinary accounts of their league (tenderers, agents, bidders, experts),
//! never an operator or a supervisor, and never an account of no league; a
//! platform operator any account, its own roles excepted (no one widens or
//! narrows their own authority). A supervisor's scope decides what it
//! watches across leagues, so only a platform operator sets it
//! ([`set_scope`]). An account made here has no token: it signs in with the
//! certificate its credit code (enterprises) or resident identity number
//! (persons) binds it to.

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
    /// A supervisor's scope (what it watches); `None` for other accounts.
    #[serde(skip_deserializing)]
    pub scope: Option<crate::supervision::Scope>,
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
    let roles: Vec<Role> = roles.iter().filter_map(|r| Role::from_code(r)).collect();
    let scope = if roles.contains(&Role::Supervisor) {
        Some(crate::supervision::scope_of_account(
            conn,
            &id,
            league.as_deref(),
        )?)
    } else {
        None
    };
    Ok(AccountView {
        id,
        name,
        roles,
        league,
        organisation_id,
        disabled,
        created_at: from_db_time(created_at),
        scope,
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

/// `POST /users`: a new account.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAccount {
    /// The person's or the account's display name, 1 to 200 characters.
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    /// At least one role.
    #[schema(min_items = 1)]
    pub roles: Vec<Role>,
    /// The league the account acts in; none for a platform account (a
    /// platform operator makes those).
    #[serde(default)]
    #[schema(max_length = 16)]
    pub league: Option<String>,
    /// The organisation's name (created in the league if absent).
    #[serde(default)]
    #[schema(max_length = 200)]
    pub organisation: Option<String>,
    /// The organisation's unified social credit code: an enterprise's
    /// certificate with this code signs in to the account.
    #[serde(default)]
    pub credit_code: Option<String>,
    /// A person's resident identity number: a personal certificate with this
    /// number signs in to the account (experts, supervisors, operators).
    #[serde(default)]
    pub id_number: Option<String>,
}

/// `PUT /users/{id}/roles`: the account's roles, replacing its own.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RolesChange {
    #[schema(min_items = 1)]
    pub roles: Vec<Role>,
    /// Why; recorded in the audit log. 1 to 500 characters.
    #[schema(min_length = 1, max_length = 500)]
    pub reason: String,
}

/// `PUT /users/{id}/supervision-scope`: what a supervisor watches.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScopeChange {
    pub kind: Option<crate::supervision::SupervisorKind>,
    /// The category of trade, for administrative supervision only.
    #[serde(default)]
    pub category: Option<crate::tenders::model::Category>,
    /// The league; none for the whole region.
    #[serde(default)]
    #[schema(max_length = 16)]
    pub league: Option<String>,
}

/// Roles only a platform operator gives, takes or changes the account of.
fn guarded(roles: &[Role]) -> bool {
    roles
        .iter()
        .any(|r| matches!(r, Role::Operator | Role::Supervisor))
}

fn platform_only() -> AppError {
    AppError::Forbidden(
        "accounts of operators and supervisors are changed by a platform operator only".into(),
    )
    .because("accounts.platform-operator-only", serde_json::json!({}))
}

/// Whether `actor` may make an account of `league` with `roles` (pure):
/// a platform operator any; a league's operators ordinary accounts of
/// their league (`identity::policy`, `Area::Accounts`).
pub fn may_create(actor: &Principal, league: Option<&str>, roles: &[Role]) -> Result<(), AppError> {
    require_operator(actor, Area::Accounts, league)?;
    if guarded(roles) && !actor.is_platform_operator() {
        return Err(platform_only());
    }
    Ok(())
}

/// Whether `actor` may give `target` the roles `roles` (pure): as
/// [`may_change`] for the account as it is, and as [`may_create`] for the
/// roles it would hold; never one's own roles.
pub fn may_set_roles(
    actor: &Principal,
    target: &AccountView,
    roles: &[Role],
) -> Result<(), AppError> {
    if actor.user_id.as_ref().map(|u| u.as_str()) == Some(target.id.as_str()) {
        return Err(
            AppError::Forbidden("an operator cannot change its own roles".into())
                .because("accounts.own-roles", serde_json::json!({})),
        );
    }
    may_act_for(actor, target)?;
    may_create(actor, target.league.as_deref(), roles)
}

fn check_roles(errors: &mut Vec<FieldError>, roles: &[Role]) {
    if roles.is_empty() {
        errors.push(
            FieldError::new("roles", "at least one role is needed")
                .because("list.empty", serde_json::json!({})),
        );
    }
    let mut seen = Vec::new();
    for r in roles {
        if seen.contains(r) {
            errors.push(
                FieldError::new("roles", format!("{} is given twice", r.code()))
                    .because("list.duplicate", serde_json::json!({ "value": r.code() })),
            );
            return;
        }
        seen.push(*r);
    }
}

fn known_league(conn: &mut DbConn, league: &crate::types::LeagueCode) -> Result<(), AppError> {
    if crate::leagues::exists(conn, league)? {
        return Ok(());
    }
    Err(AppError::invalid_field(
        FieldError::new("league", format!("no league {league}")).because(
            "league.unknown",
            serde_json::json!({ "league": league.as_str() }),
        ),
    ))
}

/// Makes an account, on the record (`user.create`, and its identities
/// bound: `user.identity.bind`). Who may is settled first, then the
/// fields; nothing is written on a refusal.
pub fn create(
    conn: &mut DbConn,
    ctx: &AuditContext,
    new: &NewAccount,
) -> Result<AccountView, AppError> {
    use crate::types::{CreditCode, LeagueCode, ResidentId};
    let league_raw = new
        .league
        .as_deref()
        .map(str::trim)
        .filter(|l| !l.is_empty());
    may_create(&ctx.principal, league_raw, &new.roles)?;
    let mut errors: Vec<FieldError> = Vec::new();
    let name = new.name.trim();
    check_text(&mut errors, "name", name, true, 200);
    check_roles(&mut errors, &new.roles);
    let league = match league_raw.map(LeagueCode::parse) {
        Some(Err(e)) => {
            errors
                .push(FieldError::new("league", e).because("id.malformed", serde_json::json!({})));
            None
        }
        Some(Ok(l)) => Some(l),
        None => None,
    };
    let organisation = new
        .organisation
        .as_deref()
        .map(str::trim)
        .filter(|o| !o.is_empty());
    if let Some(o) = organisation {
        check_text(&mut errors, "organisation", o, true, 200);
        if league_raw.is_none() {
            errors.push(
                FieldError::new(
                    "organisation",
                    "an organisation belongs to a league: give one",
                )
                .because("accounts.organisation-needs-league", serde_json::json!({})),
            );
        }
    }
    let credit_code = match new
        .credit_code
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
    {
        Some(raw) => match CreditCode::parse(raw) {
            Ok(c) => Some(c),
            Err(e) => {
                errors.push(
                    FieldError::new("credit_code", e)
                        .because("id.credit-code", serde_json::json!({})),
                );
                None
            }
        },
        None => None,
    };
    if credit_code.is_some() && organisation.is_none() {
        errors.push(
            FieldError::new(
                "organisation",
                "a credit code is an organisation's: give the organisation's name",
            )
            .because(
                "accounts.credit-code-needs-organisation",
                serde_json::json!({}),
            ),
        );
    }
    let id_number = match new
        .id_number
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
    {
        Some(raw) => match ResidentId::parse(raw) {
            Ok(c) => Some(c),
            Err(e) => {
                errors.push(
                    FieldError::new("id_number", e)
                        .because("id.resident-id", serde_json::json!({})),
                );
                None
            }
        },
        None => None,
    };
    AppError::check(errors)?;
    if let Some(l) = &league {
        known_league(conn, l)?;
    }
    let organisation = match (organisation, &league) {
        (Some(o), Some(l)) => Some(super::store::find_or_create_organisation(
            conn,
            ctx,
            l,
            o,
            credit_code.as_ref(),
        )?),
        _ => None,
    };
    let id = super::store::insert_user(
        conn,
        ctx,
        &super::store::NewUser {
            name,
            roles: &new.roles,
            league: league.as_ref(),
            organisation: organisation.as_ref(),
        },
    )?;
    // An enterprise's credit code bound to another account already is a
    // refusal here (the command line leaves it unbound).
    if let Some(code) = &credit_code
        && new
            .roles
            .iter()
            .any(|r| super::sessions::Profile::Enterprise.roles().contains(r))
    {
        super::sessions::bind_identity(conn, ctx, &id, "enterprise", code.as_str())?;
    }
    super::sessions::bind_certificate_identities(
        conn,
        ctx,
        &id,
        &new.roles,
        None,
        id_number.as_ref(),
    )?;
    load(conn, id.as_str())?.ok_or_else(|| AppError::not_found("account"))
}

/// Replaces an account's roles, on the record (`user.roles.set`, before
/// and after). The same roles again is refused (409), so every event is a
/// change. A supervisor's scope goes with its role.
pub fn set_roles(
    conn: &mut DbConn,
    ctx: &AuditContext,
    id: &str,
    change: &RolesChange,
) -> Result<AccountView, AppError> {
    let before = load(conn, id)?.ok_or_else(|| AppError::not_found("account"))?;
    may_set_roles(&ctx.principal, &before, &change.roles)?;
    let reason = change.reason.trim();
    let mut errors: Vec<FieldError> = Vec::new();
    check_roles(&mut errors, &change.roles);
    check_text(&mut errors, "reason", reason, true, 500);
    AppError::check(errors)?;
    let mut after: Vec<Role> = change.roles.clone();
    after.sort_by_key(|r| r.code());
    let mut was = before.roles.clone();
    was.sort_by_key(|r| r.code());
    if after == was {
        return Err(
            AppError::Conflict("the account holds these roles already".into())
                .because("accounts.roles-unchanged", serde_json::json!({})),
        );
    }
    diesel::delete(user_roles::table.filter(user_roles::user_id.eq(id))).execute(conn)?;
    for role in &after {
        diesel::insert_into(user_roles::table)
            .values((user_roles::user_id.eq(id), user_roles::role.eq(role.code())))
            .execute(conn)?;
    }
    if !after.contains(&Role::Supervisor) {
        use crate::db::schema::supervisor_scopes;
        diesel::delete(supervisor_scopes::table.find(id)).execute(conn)?;
    }
    let codes = |r: &[Role]| r.iter().map(|r| r.code()).collect::<Vec<_>>();
    audit::record(
        conn,
        ctx,
        "user.roles.set",
        "user",
        id,
        None,
        &serde_json::json!({
            "before": codes(&was),
            "after": codes(&after),
            "reason": reason,
            "league": before.league,
        }),
    )?;
    load(conn, id)?.ok_or_else(|| AppError::not_found("account"))
}

/// Sets a supervisor's scope (`supervision.scope.set`): a platform
/// operator's to decide, on another's account.
pub fn set_scope(
    conn: &mut DbConn,
    ctx: &AuditContext,
    id: &str,
    change: &ScopeChange,
) -> Result<AccountView, AppError> {
    let before = load(conn, id)?.ok_or_else(|| AppError::not_found("account"))?;
    // The scope reaches across leagues: the platform's operators set it.
    require_operator(&ctx.principal, Area::Accounts, None)?;
    may_change(&ctx.principal, &before)?;
    let league = match change
        .league
        .as_deref()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(crate::types::LeagueCode::parse)
    {
        Some(Err(e)) => {
            return Err(AppError::invalid_field(
                FieldError::new("league", e).because("id.malformed", serde_json::json!({})),
            ));
        }
        Some(Ok(l)) => Some(l),
        None => None,
    };
    let scope = crate::supervision::Scope {
        kind: change.kind,
        category: change.category,
        league,
    };
    crate::supervision::set_scope(conn, ctx, id, &scope)?;
    load(conn, id)?.ok_or_else(|| AppError::not_found("account"))
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
            scope: None,
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

    #[test]
    fn league_operators_make_ordinary_accounts_of_their_league_only() {
        let nng = principal(&[Role::Operator], Some("NNG"));
        assert!(may_create(&nng, Some("NNG"), &[Role::Bidder, Role::Expert]).is_ok());
        assert!(may_create(&nng, Some("LZH"), &[Role::Bidder]).is_err());
        assert!(may_create(&nng, None, &[Role::Bidder]).is_err());
        assert!(may_create(&nng, Some("NNG"), &[Role::Supervisor]).is_err());
        assert!(may_create(&nng, Some("NNG"), &[Role::Operator]).is_err());
        let platform = principal(&[Role::Operator], None);
        assert!(may_create(&platform, None, &[Role::Operator]).is_ok());
        assert!(may_create(&platform, Some("LZH"), &[Role::Supervisor]).is_ok());
        let expert = principal(&[Role::Expert], Some("NNG"));
        assert!(may_create(&expert, Some("NNG"), &[Role::Bidder]).is_err());
    }

    #[test]
    fn roles_are_set_by_whom_may_make_them_and_never_ones_own() {
        let nng = principal(&[Role::Operator], Some("NNG"));
        let bidder = account(&[Role::Bidder], Some("NNG"));
        assert!(may_set_roles(&nng, &bidder, &[Role::Bidder, Role::Tenderer]).is_ok());
        assert!(may_set_roles(&nng, &bidder, &[Role::Supervisor]).is_err());
        assert!(
            may_set_roles(
                &nng,
                &account(&[Role::Supervisor], Some("NNG")),
                &[Role::Expert]
            )
            .is_err()
        );
        let platform = principal(&[Role::Operator], None);
        assert!(may_set_roles(&platform, &bidder, &[Role::Supervisor]).is_ok());
        let mut me = account(&[Role::Operator], None);
        me.id = platform.user_id.as_ref().unwrap().as_str().to_string();
        let err = may_set_roles(&platform, &me, &[Role::Operator, Role::Expert]).unwrap_err();
        assert_eq!(err.reason().map(|r| r.0), Some("accounts.own-roles"));
    }
}
