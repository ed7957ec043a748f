//! HTTP for the purchaser's qualification review: record a finding,
//! conclude, read it.

use super::FindingInput;
use super::store::{self, FindingView, ReviewView};
use crate::app::AppState;
use crate::audit::AuditContext;
use crate::error::AppError;
use crate::identity::Principal;
use crate::tenders::routes::parse_id;
use crate::tenders::store as tenders;
use actix_web::{HttpResponse, get, post, web};

/// The qualification review of a tender (government procurement
/// tendering): its findings, what is still to review, and its conclusion.
/// The tender's managers, supervisors in scope and operators read it all;
/// a bidder reads the findings on its own bids; everyone reads the findings
/// once the result is out.
#[utoipa::path(
    tag = "evaluation",
    params(("id" = String, Path)),
    responses(
        (status = 200, body = ReviewView),
        (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem)
    )
)]
#[get("/tenders/{id}/qualification-review")]
pub async fn get_review(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<String>,
) -> Result<web::Json<ReviewView>, AppError> {
    let id = parse_id(&id)?;
    let view = state
        .db
        .read(move |conn| {
            let row = tenders::load_visible(conn, &id, &principal)?;
            store::view(conn, &row, &principal)
        })
        .await?;
    Ok(web::Json(view))
}

/// Records the finding on one valid bid: qualified or not, the reason (required when not),
/// the document judged. By the tender's tenderer or agent (or its league's
/// operator), once the evaluation has started and before the review is
/// concluded; once per bid. In other procedures the committee reviews
/// qualification in the room (409).
#[utoipa::path(
    tag = "evaluation",
    params(("id" = String, Path)),
    request_body = FindingInput,
    responses(
        (status = 201, body = FindingView),
        (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)
    )
)]
#[post("/tenders/{id}/qualification-review/findings")]
pub async fn record_finding(
    state: web::Data<AppState>,
    ctx: AuditContext,
    id: web::Path<String>,
    body: web::Json<FindingInput>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    let input = body.into_inner();
    let finding = state
        .db
        .write(move |conn| {
            tenders::lock(conn, &id)?;
            let (row, role) = tenders::load_managed(conn, &id, &ctx.principal)?;
            store::record(conn, &ctx.acting_as(role), &row, &input)
        })
        .await?;
    Ok(HttpResponse::Created().json(finding))
}

/// Concludes the review once every valid bid has its finding: with fewer
/// qualified bidders than the minimum the bids are not evaluated and the
/// tender fails (87号令 第44条); otherwise the room may open, with the
/// qualified bids only. By the tender's tenderer or agent, once.
#[utoipa::path(
    tag = "evaluation",
    params(("id" = String, Path)),
    responses(
        (status = 200, body = ReviewView),
        (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem)
    )
)]
#[post("/tenders/{id}/qualification-review/conclusion")]
pub async fn conclude(
    state: web::Data<AppState>,
    ctx: AuditContext,
    id: web::Path<String>,
) -> Result<web::Json<ReviewView>, AppError> {
    let id = parse_id(&id)?;
    let settings = state.ocds.clone();
    let tender = id.clone();
    let (failed, view) = crate::hall::write_then_publish(&state.db, &state.hall.hub, move |conn| {
        tenders::lock(conn, &id)?;
        let (row, role) = tenders::load_managed(conn, &id, &ctx.principal)?;
        let (failed, event) = store::conclude(conn, &ctx.clone().acting_as(role), &settings, &row)?;
        let row = tenders::load_row(conn, &id)?;
        let view = store::view(conn, &row, &ctx.principal)?;
        Ok(((failed, view), event.into_iter().collect()))
    })
    .await?;
    if failed {
        // No evaluation will happen: the decrypted bids go.
        crate::opening::bid::purge_opened(state.config.shared(), tender.as_str());
    }
    Ok(web::Json(view))
}
