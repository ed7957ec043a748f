//! HTTP for custody and the opening: the published opening key, a
//! custodian's encrypted share, share release (custodians, and operators for
//! the platform's share), the opening's state and record, and objections.

use super::store::{self, CustodyView, Released, Releaser};
use crate::app::AppState;
use crate::audit::AuditContext;
use crate::db::DbConn;
use crate::error::AppError;
use crate::identity::{Principal, Role};
use crate::tenders::routes::parse_id;
use crate::tenders::store::{self as tenders, TenderRow};
use crate::types::{TenderId, UserId};
use actix_web::{HttpResponse, get, post, web};
use serde::{Deserialize, Serialize};
use serde_json::json;

/// The tender's opening certificate (bids are encrypted to it), threshold
/// and custodians, with which shares are released.
#[utoipa::path(
    tag = "opening",
    params(("id" = String, Path)),
    responses((status = 200, body = CustodyView), (status = 404, body = crate::error::Problem))
)]
#[get("/tenders/{id}/opening-key")]
pub async fn opening_key(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<String>,
) -> Result<web::Json<CustodyView>, AppError> {
    let id = parse_id(&id)?;
    let view = state
        .db
        .read(move |conn| {
            let row = tenders::load_visible(conn, &id, &principal)?;
            store::custody_of(conn, &row.id)?.ok_or_else(no_key_yet)
        })
        .await?;
    Ok(web::Json(view))
}

/// The opening certificate alone, PEM (`openssl cms -encrypt ... opening.pem`).
#[utoipa::path(
    tag = "opening",
    params(("id" = String, Path)),
    responses(
        (status = 200, description = "PEM certificate", content_type = "application/x-pem-file", body = String),
        (status = 404, body = crate::error::Problem)
    )
)]
#[get("/tenders/{id}/opening-key/certificate.pem")]
pub async fn opening_certificate(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    let pem = state
        .db
        .read(move |conn| {
            let row = tenders::load_visible(conn, &id, &principal)?;
            store::custody_of(conn, &row.id)?
                .map(|v| v.certificate_pem)
                .ok_or_else(no_key_yet)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .content_type("application/x-pem-file")
        .body(pem))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CustodianCandidateList {
    pub items: Vec<store::CustodianCandidate>,
    /// What publication does without a choice: the publishing user, the
    /// league's most recently certified supervisor and the platform, 2 of
    /// them needed (`opening::store::CustodyInput`).
    pub default_threshold: u32,
}

/// Who the tender's organiser may choose as custodians of its opening key
/// at publication (`custody.custodians` of the publish transition): its
/// tenderer's and agent's staff and its league's supervisors with a
/// certificate on record, neither bidders nor operators. For the tender's
/// managers only (it names people).
#[utoipa::path(
    tag = "opening",
    params(("id" = String, Path)),
    responses(
        (status = 200, body = CustodianCandidateList),
        (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem)
    )
)]
#[get("/tenders/{id}/opening-key/custodian-candidates")]
pub async fn custodian_candidates(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<String>,
) -> Result<web::Json<CustodianCandidateList>, AppError> {
    let id = parse_id(&id)?;
    let items = state
        .db
        .read(move |conn| {
            let (row, _) = tenders::load_managed(conn, &id, &principal)?;
            store::custodian_candidates(conn, &row)
        })
        .await?;
    Ok(web::Json(CustodianCandidateList {
        items,
        default_threshold: 2,
    }))
}

/// The signed-in custodian's share, encrypted to their certificate (CMS
/// EnvelopedData, DER): `openssl cms -decrypt -inform DER -binary -inkey
/// my.key -recip my.pem` opens it.
#[utoipa::path(
    tag = "opening",
    params(("id" = String, Path)),
    responses(
        (status = 200, description = "CMS EnvelopedData (DER)", content_type = "application/pkcs7-mime", body = Vec<u8>),
        (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem)
    )
)]
#[get("/tenders/{id}/opening-key/my-share")]
pub async fn my_share(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    let user = principal.user_id.clone().ok_or_else(sign_in_as_custodian)?;
    let (x, der) = state
        .db
        .read(move |conn| {
            let row = tenders::load_visible(conn, &id, &principal)?;
            // Who holds a share first; then whether it may be had now.
            let share =
                store::encrypted_share_of(conn, &row.id, &user).map_err(|_| store::no_share())?;
            // Not before the opening: nobody gathers shares ahead of time.
            check_releasable(conn, &row)?;
            Ok(share)
        })
        .await?;
    Ok(share_response(x, der))
}

/// A custodian's encrypted share as served: the CMS EnvelopedData (DER),
/// with its x in `X-Share-X`.
pub fn share_response(x: i32, der: Vec<u8>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/pkcs7-mime; smime-type=enveloped-data")
        .insert_header(("X-Share-X", x.to_string()))
        .body(der)
}

/// A released share: the bytes `openssl cms -decrypt` printed, in base64.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ShareInput {
    /// Base64 of the decrypted share (one byte x, then the share).
    #[schema(max_length = 20000)]
    pub share: String,
}

/// How far share release has got.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ReleaseView {
    pub released: usize,
    pub threshold: usize,
    /// Whether enough shares are in for the bids to be decrypted.
    pub ready: bool,
}

pub fn released_view(outcome: Released) -> Result<web::Json<ReleaseView>, AppError> {
    match outcome {
        Released::Accepted {
            released,
            threshold,
            ..
        } => Ok(web::Json(ReleaseView {
            released,
            threshold,
            ready: released >= threshold,
        })),
        Released::Refused {
            reason,
            said,
            params,
            ..
        } => Err(AppError::ShareRejected(reason).because(said, params)),
    }
}

/// A tender published before opening keys, or not yet published.
fn no_key_yet() -> AppError {
    AppError::NotFound("the tender has no opening key yet".into())
        .because("opening.no-key-yet", json!({}))
}

fn sign_in_as_custodian() -> AppError {
    AppError::Unauthenticated("sign in as a custodian first".into())
        .because("opening.sign-in-as-custodian", json!({}))
}

/// Checks the tender is where shares may be released: its opening has
/// started (after the bid deadline) and is not over.
fn check_releasable(
    conn: &mut crate::db::DbConn,
    row: &tenders::TenderRow,
) -> Result<(), AppError> {
    use crate::tenders::model::TenderStatus;
    match row.status()? {
        TenderStatus::Opening => {}
        TenderStatus::Draft | TenderStatus::Published => {
            return Err(AppError::IllegalTransition(
                "shares are released only in the opening, which starts after the bid deadline"
                    .into(),
            )
            .because("opening.shares-before-opening", json!({})));
        }
        other => {
            return Err(AppError::IllegalTransition(format!(
                "the tender is {}; its opening is over",
                other.code()
            ))
            .because("opening.over", json!({ "status": other.code() })));
        }
    }
    match super::record::opening_status(conn, &row.id)? {
        Some(super::OpeningStatus::CollectingShares) => Ok(()),
        Some(_) => Err(AppError::Conflict(
            "enough shares are in: the bids are being or have been opened".into(),
        )
        .because("opening.enough-shares", json!({}))),
        None => Err(not_started()),
    }
}

fn not_started() -> AppError {
    AppError::IllegalTransition("the opening has not started".into())
        .because("opening.not-started", json!({}))
}

/// Releases the signed-in custodian's share (after the deadline, in the
/// opening). A share that is not theirs is refused and the attempt recorded.
#[utoipa::path(
    tag = "opening",
    params(("id" = String, Path)),
    request_body = ShareInput,
    responses(
        (status = 200, body = ReleaseView),
        (status = 403, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)
    )
)]
#[post("/tenders/{id}/opening/shares")]
pub async fn release_share(
    state: web::Data<AppState>,
    principal: Principal,
    ctx: AuditContext,
    id: web::Path<String>,
    body: web::Json<ShareInput>,
) -> Result<web::Json<ReleaseView>, AppError> {
    let id = parse_id(&id)?;
    if principal.user_id.is_none() {
        return Err(sign_in_as_custodian());
    }
    let plain = crate::pki::pem_or_base64(body.share.trim()).ok_or_else(|| {
        AppError::invalid_field(
            crate::error::FieldError::new("share", "expected base64")
                .because("encoding.base64", json!({})),
        )
    })?;
    let plain = super::custody::PlainShare::new(plain);
    release_custodian_share(&state, principal, ctx, id, plain).await
}

/// Releases a custodian's share, decrypted with its own key: what
/// [`release_share`] does once the request is read, and what the demo
/// data's custodians do (`crate::demo::procedure`).
pub async fn release_custodian_share(
    state: &web::Data<AppState>,
    principal: Principal,
    ctx: AuditContext,
    id: TenderId,
    plain: super::custody::PlainShare,
) -> Result<web::Json<ReleaseView>, AppError> {
    let user = principal.user_id.clone().ok_or_else(sign_in_as_custodian)?;
    let role =
        principal.require_any(&[Role::Tenderer, Role::Agent, Role::Supervisor, Role::Expert])?;
    let custodian = Some(user.clone());
    release_one(state, principal, ctx, id, custodian, move |_, _, _| {
        Ok((role, Releaser::User(user), plain))
    })
    .await
}

/// Releases the platform's share: an operator asks, the server decrypts it
/// with the platform's custodian key (after the deadline, in the opening).
#[utoipa::path(
    tag = "opening",
    params(("id" = String, Path)),
    responses(
        (status = 200, body = ReleaseView),
        (status = 403, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem)
    )
)]
#[post("/tenders/{id}/opening/platform-share")]
pub async fn release_platform_share(
    state: web::Data<AppState>,
    principal: Principal,
    ctx: AuditContext,
    id: web::Path<String>,
) -> Result<web::Json<ReleaseView>, AppError> {
    let id = parse_id(&id)?;
    // The platform's share is the platform's: its operators release it,
    // never a league's staff.
    crate::identity::policy::require_operator(
        &principal,
        crate::identity::policy::Area::PlatformKeys,
        None,
    )?;
    let role = Role::Operator;
    let custodian = state.platform_custodian.clone();
    release_one(&state, principal, ctx, id, None, move |conn, row, _| {
        let encrypted = store::platform_share_of(conn, &row.id)?;
        let plain = super::custody::PlainShare::new(
            custodian
                .decrypt_share(&encrypted)
                .map_err(AppError::Internal)?,
        );
        Ok((role, Releaser::Platform, plain))
    })
    .await
}

/// Releases one share of a tender's opening key, in one transaction: the
/// tender locked and loaded, its shares releasable now, then `share` says
/// as which role, by whom and what is released; the release (or its
/// refusal) is recorded and told to the hall. Enough shares in, the bids
/// are opened.
async fn release_one<F>(
    state: &web::Data<AppState>,
    principal: Principal,
    ctx: AuditContext,
    id: TenderId,
    custodian: Option<UserId>,
    share: F,
) -> Result<web::Json<ReleaseView>, AppError>
where
    F: FnOnce(
            &mut DbConn,
            &TenderRow,
            &Principal,
        ) -> Result<(Role, Releaser, super::custody::PlainShare), AppError>
        + Send
        + 'static,
{
    let tender = id.clone();
    let outcome = crate::hall::write_then_publish(&state.db, &state.hall.hub, move |conn| {
        tenders::lock(conn, &id)?;
        let row = tenders::load_visible(conn, &id, &principal)?;
        // Authority before state: one who holds no share hears that, and
        // nothing about where the opening stands.
        if let Some(user) = &custodian {
            store::encrypted_share_of(conn, &row.id, user).map_err(|_| store::no_share())?;
        }
        check_releasable(conn, &row)?;
        let (role, releaser, plain) = share(conn, &row, &principal)?;
        let ctx = ctx.acting_as(role);
        let outcome = store::release(conn, &ctx, &row.id, &releaser, plain.bytes())?;
        let event = store::release_event(conn, &row.id, &outcome, ctx.now)?;
        Ok((outcome, vec![event]))
    })
    .await?;
    super::run::start_if_ready(state, tender.as_str()).await;
    released_view(outcome)
}

/// The opening: shares released, bids opened so far, and, once completed,
/// the opening record (bidder, price, duration, key terms) and its result.
#[utoipa::path(
    tag = "opening",
    params(("id" = String, Path)),
    responses(
        (status = 200, body = super::record::OpeningView),
        (status = 404, body = crate::error::Problem)
    )
)]
#[get("/tenders/{id}/opening")]
pub async fn get_opening(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<String>,
) -> Result<web::Json<super::record::OpeningView>, AppError> {
    let id = parse_id(&id)?;
    let view = state
        .db
        .read(move |conn| {
            let row = tenders::load_visible(conn, &id, &principal)?;
            super::record::view(conn, &row.id)?.ok_or_else(|| {
                AppError::NotFound("the opening has not started".into())
                    .because("opening.not-started", json!({}))
            })
        })
        .await?;
    Ok(web::Json(view))
}

/// A bid's decrypted container (the ZIP the bidder signed), once opened:
/// for the tender's supervisors (and its evaluators, when evaluation
/// rooms exist), kept only until the tender closes, fails or is cancelled.
#[utoipa::path(
    tag = "opening",
    params(("id" = String, Path), ("bid" = String, Path)),
    responses(
        (status = 200, description = "the bid container (ZIP)", content_type = "application/zip", body = Vec<u8>),
        (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem)
    )
)]
#[get("/tenders/{id}/bids/{bid}/container")]
pub async fn bid_container(
    state: web::Data<AppState>,
    principal: Principal,
    ctx: AuditContext,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (id, bid) = path.into_inner();
    let id = parse_id(&id)?;
    if uuid::Uuid::parse_str(&bid).is_err() {
        return Err(AppError::not_found("bid"));
    }
    let role = principal.require_any(&[Role::Supervisor])?;
    let tender = id.clone();
    let bid_id = bid.clone();
    // Reading a decrypted bid is on the record too.
    state
        .db
        .write(move |conn| {
            let row = tenders::load_visible(conn, &tender, &principal)?;
            if !crate::supervision::scope_of(conn, &principal)?
                .covers(row.league_code.as_str(), &row.category)
            {
                return Err(AppError::Forbidden(
                    "only supervisors whose scope holds the tender read its bids".into(),
                )
                .because("opening.bids-supervisors-only", json!({})));
            }
            let found: i64 = {
                use crate::db::schema::bid_openings;
                use diesel::prelude::*;
                bid_openings::table
                    .filter(bid_openings::bid_id.eq(&bid_id))
                    .filter(bid_openings::tender_id.eq(&row.id))
                    .filter(bid_openings::outcome.eq(super::record::Outcome::Valid.code()))
                    .count()
                    .get_result(conn)?
            };
            if found == 0 {
                return Err(AppError::not_found("opened bid"));
            }
            crate::audit::record(
                conn,
                &ctx.acting_as(role),
                "opening.container_read",
                "bid",
                &bid_id,
                Some(&row.id),
                &serde_json::json!({}),
            )
        })
        .await?;
    let path = super::bid::opened_container(state.config.shared(), id.as_str(), &bid);
    let bytes = tokio::fs::read(&path).await.map_err(|_| {
        AppError::NotFound("the decrypted bid is no longer kept".into())
            .because("opening.container-gone", json!({}))
    })?;
    Ok(HttpResponse::Ok()
        .content_type("application/zip")
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"{bid}.zip\""),
        ))
        .body(bytes))
}
