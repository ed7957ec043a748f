//! Identity endpoints: who is asking, and accounts as operators manage them.

use super::Principal;
use super::accounts::{
    self, AccountChange, AccountFilter, AccountView, NewAccount, RolesChange, ScopeChange,
};
use crate::app::AppState;
use crate::audit::AuditContext;
use crate::error::{AppError, Problem};
use crate::http::{Page, PageQuery};
use crate::identity::Role;
use actix_web::{HttpResponse, get, post, put, web};

/// The problems a change to an existing account answers with: signed out
/// (401), not an operator who may change it (403), no such account (404),
/// a change the account's state refuses (409), a body that does not hold
/// (422). Only its OpenAPI is used: the handlers answer with
/// [`AppError`].
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)]
enum AccountChangeProblems {
    #[response(status = 401)]
    Unauthorized(Problem),
    #[response(status = 403)]
    Forbidden(Problem),
    #[response(status = 404)]
    NotFound(Problem),
    #[response(status = 409)]
    Conflict(Problem),
    #[response(status = 422)]
    Unprocessable(Problem),
}

/// The principal the request is made as (public when no token is sent).
#[utoipa::path(tag = "identity", responses((status = 200, body = Principal)))]
#[get("/me")]
pub async fn me(principal: Principal) -> web::Json<Principal> {
    web::Json(principal)
}

/// Accounts: every account for a platform operator, its own league's for a
/// league operator.
#[utoipa::path(
    tag = "identity",
    params(AccountFilter),
    responses(
        (status = 200, body = Page<AccountView>),
        (status = 400, body = Problem),
        (status = 401, body = Problem),
        (status = 403, body = Problem)
    )
)]
#[get("/users")]
pub async fn list_users(
    state: web::Data<AppState>,
    principal: Principal,
    query: web::Query<AccountFilter>,
) -> Result<web::Json<Page<AccountView>>, AppError> {
    // Who asks first: a non-operator learns nothing about the query's form.
    principal.require_any(&[Role::Operator])?;
    let filter = query.into_inner();
    if let Some(league) = &filter.league {
        crate::http::league_query(league)?;
    }
    let paging = PageQuery {
        page: filter.page,
        per_page: filter.per_page,
    }
    .validate()?;
    let page = state
        .db
        .read(move |conn| accounts::list(conn, &principal, &filter, paging))
        .await?;
    Ok(web::Json(page))
}

/// Disables an account: its tokens and sessions stop at once.
#[utoipa::path(
    tag = "identity",
    params(("id" = String, Path)),
    request_body = AccountChange,
    responses((status = 200, body = AccountView), AccountChangeProblems)
)]
#[post("/users/{id}/disable")]
pub async fn disable_user(
    state: web::Data<AppState>,
    ctx: AuditContext,
    id: web::Path<String>,
    body: web::Json<AccountChange>,
) -> Result<web::Json<AccountView>, AppError> {
    set_disabled(state, ctx, id, body, true).await
}

/// Enables a disabled account again.
#[utoipa::path(
    tag = "identity",
    params(("id" = String, Path)),
    request_body = AccountChange,
    responses((status = 200, body = AccountView), AccountChangeProblems)
)]
#[post("/users/{id}/enable")]
pub async fn enable_user(
    state: web::Data<AppState>,
    ctx: AuditContext,
    id: web::Path<String>,
    body: web::Json<AccountChange>,
) -> Result<web::Json<AccountView>, AppError> {
    set_disabled(state, ctx, id, body, false).await
}

async fn set_disabled(
    state: web::Data<AppState>,
    ctx: AuditContext,
    id: web::Path<String>,
    body: web::Json<AccountChange>,
    disabled: bool,
) -> Result<web::Json<AccountView>, AppError> {
    ctx.principal.require_any(&[Role::Operator])?;
    let ctx = ctx.acting_as(Role::Operator);
    let id = crate::http::uuid_id(&id, "account")?;
    let change = body.into_inner();
    let view = state
        .db
        .write(move |conn| accounts::set_disabled(conn, &ctx, &id, disabled, &change))
        .await?;
    Ok(web::Json(view))
}

/// Creates an account (operators: a league's for its league's ordinary
/// accounts, the platform's for any). It has no token: it signs in with
/// the certificate its credit code or identity number binds.
#[utoipa::path(
    tag = "identity",
    request_body = NewAccount,
    responses(
        (status = 201, body = AccountView),
        (status = 401, body = Problem),
        (status = 403, body = Problem),
        (status = 409, body = Problem),
        (status = 422, body = Problem)
    )
)]
#[post("/users")]
pub async fn create_user(
    state: web::Data<AppState>,
    ctx: AuditContext,
    body: web::Json<NewAccount>,
) -> Result<HttpResponse, AppError> {
    ctx.principal.require_any(&[Role::Operator])?;
    let ctx = ctx.acting_as(Role::Operator);
    let new = body.into_inner();
    let view = state
        .db
        .write(move |conn| accounts::create(conn, &ctx, &new))
        .await?;
    Ok(HttpResponse::Created().json(view))
}

/// One account, as operators see it (who may list it may read it).
#[utoipa::path(
    tag = "identity",
    params(("id" = String, Path)),
    responses(
        (status = 200, body = AccountView),
        (status = 401, body = Problem),
        (status = 403, body = Problem),
        (status = 404, body = Problem)
    )
)]
#[get("/users/{id}")]
pub async fn get_user(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<String>,
) -> Result<web::Json<AccountView>, AppError> {
    principal.require_any(&[Role::Operator])?;
    let id = crate::http::uuid_id(&id, "account")?;
    let view = state
        .db
        .read(move |conn| {
            let view = accounts::load(conn, &id)?.ok_or_else(|| AppError::not_found("account"))?;
            crate::identity::policy::require_operator(
                &principal,
                crate::identity::policy::Area::Accounts,
                view.league.as_deref(),
            )?;
            Ok(view)
        })
        .await?;
    Ok(web::Json(view))
}

/// Replaces an account's roles (as for creating it; never one's own).
#[utoipa::path(
    tag = "identity",
    params(("id" = String, Path)),
    request_body = RolesChange,
    responses((status = 200, body = AccountView), AccountChangeProblems)
)]
#[put("/users/{id}/roles")]
pub async fn set_roles(
    state: web::Data<AppState>,
    ctx: AuditContext,
    id: web::Path<String>,
    body: web::Json<RolesChange>,
) -> Result<web::Json<AccountView>, AppError> {
    ctx.principal.require_any(&[Role::Operator])?;
    let ctx = ctx.acting_as(Role::Operator);
    let id = crate::http::uuid_id(&id, "account")?;
    let change = body.into_inner();
    let view = state
        .db
        .write(move |conn| accounts::set_roles(conn, &ctx, &id, &change))
        .await?;
    Ok(web::Json(view))
}

/// Sets what a supervisor watches: kind, category, league (platform
/// operators).
#[utoipa::path(
    tag = "identity",
    params(("id" = String, Path)),
    request_body = ScopeChange,
    responses(
        (status = 200, body = AccountView),
        (status = 401, body = Problem),
        (status = 403, body = Problem),
        (status = 404, body = Problem),
        (status = 422, body = Problem)
    )
)]
#[put("/users/{id}/supervision-scope")]
pub async fn set_scope(
    state: web::Data<AppState>,
    ctx: AuditContext,
    id: web::Path<String>,
    body: web::Json<ScopeChange>,
) -> Result<web::Json<AccountView>, AppError> {
    ctx.principal.require_any(&[Role::Operator])?;
    let ctx = ctx.acting_as(Role::Operator);
    let id = crate::http::uuid_id(&id, "account")?;
    let change = body.into_inner();
    let view = state
        .db
        .write(move |conn| accounts::set_scope(conn, &ctx, &id, &change))
        .await?;
    Ok(web::Json(view))
}
