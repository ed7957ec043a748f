//! Identity endpoints: who is asking, and accounts as operators manage them.

use super::Principal;
use super::accounts::{self, AccountChange, AccountFilter, AccountView};
use crate::app::AppState;
use crate::audit::AuditContext;
use crate::error::AppError;
use crate::http::{Page, PageQuery};
use crate::identity::Role;
use actix_web::{get, post, web};

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
        (status = 400, body = crate::error::Problem),
        (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem)
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
    responses(
        (status = 200, body = AccountView),
        (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)
    )
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
    responses(
        (status = 200, body = AccountView),
        (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)
    )
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
