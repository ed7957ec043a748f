//! HTTP for bids: one-shot submission, resumable upload sessions
//! (`POST` a session, `PATCH` chunks at `Upload-Offset`, `HEAD` to learn
//! where to resume), receipts, withdrawal, and the listing each party may
//! see. Every path that can accept a bid ends in [`complete`]. Until the
//! opening, a bid and its receipt are its own enterprise's alone
//! ([`crate::audit::sealing`]).

use super::arrival::Checked;
use super::store::{self, BidStatus, BidView, Receipt, ReceiptStamp, UploadRow, UploadView};
use super::upload::Appended;
use crate::app::AppState;
use crate::audit::AuditContext;
use crate::error::{AppError, FieldError};
use crate::identity::sessions::Binding;
use crate::identity::{Principal, Role};
use crate::tenders::invitees;
use crate::tenders::model::TenderStatus;
use crate::tenders::routes::parse_id;
use crate::tenders::store::{self as tenders, TenderRow};
use crate::types::{OrganisationId, TenderId, UserId};
use actix_web::http::header;
use actix_web::{HttpMessage, HttpRequest, HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::path::PathBuf;

/// Who may submit: a signed-in bidder of an enterprise, by certificate.
struct Bidder {
    user: UserId,
    organisation: OrganisationId,
    certificate: Vec<u8>,
}

fn bidder(principal: &Principal, req: &HttpRequest) -> Result<Bidder, AppError> {
    principal.require_any(&[Role::Bidder])?;
    let binding = req.extensions().get::<Binding>().cloned().ok_or_else(|| {
        AppError::Unauthenticated(
            "bids are submitted in a certificate session: sign in with the enterprise's \
             certificate (POST /api/v1/auth/login or mutual TLS)"
                .into(),
        )
        .because("bid.certificate-session", json!({}))
    })?;
    let (Some(user), Some(organisation)) = (&principal.user_id, &principal.organisation) else {
        return Err(no_enterprise());
    };
    Ok(Bidder {
        user: user.clone(),
        organisation: organisation.clone(),
        certificate: binding.certificate,
    })
}

fn no_enterprise() -> AppError {
    AppError::Forbidden("this account belongs to no enterprise and cannot bid".into())
        .because("bid.no-enterprise", json!({}))
}

/// The tender must be taking bids at `at` (by the one deadline rule): it
/// is published, or its opening has started but this bid's last byte came
/// before the deadline.
fn open_for_bids(row: &TenderRow, at: DateTime<Utc>) -> Result<(), AppError> {
    match row.status()? {
        TenderStatus::Published | TenderStatus::Opening => {}
        other => {
            return Err(AppError::IllegalTransition(format!(
                "the tender is {}: bids are accepted only while it is published",
                other.code()
            ))
            .because("bid.tender-not-open", json!({ "status": other.code() })));
        }
    }
    super::deadline::check(crate::db::from_db_time(row.bid_deadline), at)
}

/// Inside the recording transaction: as [`open_for_bids`], and if the
/// opening has started, it has not begun decrypting (it waits for bids
/// being checked, see `Uploads::arriving`).
fn accepting(
    conn: &mut crate::db::DbConn,
    row: &TenderRow,
    at: DateTime<Utc>,
) -> Result<(), AppError> {
    open_for_bids(row, at)?;
    crate::auctions::store::refuse_sealed_bids(conn, &row.id)?;
    crate::objections::store::refuse_if_suspended(conn, &row.id, at)?;
    if row.status()? == TenderStatus::Opening
        && crate::opening::record::opening_status(conn, &row.id)?
            != Some(crate::opening::OpeningStatus::CollectingShares)
    {
        return Err(AppError::Internal(anyhow::anyhow!(
            "a bid that arrived in time found the opening decrypting"
        )));
    }
    Ok(())
}

fn declared_length(req: &HttpRequest) -> Option<u64> {
    req.headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<u64>().ok())
}

/// Whether a refusal is the bid's own (the upload session then ends) rather
/// than the platform's (the session stays, to be completed again).
fn bidders_fault(e: &AppError) -> bool {
    !matches!(
        e.base(),
        AppError::Internal(_) | AppError::Unavailable(_) | AppError::ProcedureSuspended(_)
    )
}

/// Checks the arrived file, stamps it and records the bid: the end of every
/// submission. `at` is when the last byte arrived; it decides the deadline.
/// The file is `part`; on success it has moved to the bid's place, on a
/// failure it is still at `part`.
#[allow(clippy::too_many_arguments)]
async fn complete(
    state: &web::Data<AppState>,
    ctx: AuditContext,
    who: &Bidder,
    tender_id: &TenderId,
    part: PathBuf,
    upload: Option<&UploadRow>,
    at: DateTime<Utc>,
    checked: Option<Result<Checked, AppError>>,
) -> Result<Receipt, AppError> {
    // The opening does not begin decrypting while this is checked.
    // (On this node, and, for the other nodes, on the record.)
    let arriving = state.uploads.arriving(tender_id.as_str());
    let arrival = super::arrivals::begin(&state.db, tender_id.as_str(), state.clock.now()).await;
    let result = check_and_record(state, ctx, who, tender_id, part, upload, at, checked).await;
    arrival.end().await;
    drop(arriving);
    crate::opening::run::start_if_ready(state, tender_id.as_str()).await;
    result
}

#[allow(clippy::too_many_arguments)]
async fn check_and_record(
    state: &web::Data<AppState>,
    ctx: AuditContext,
    who: &Bidder,
    tender_id: &TenderId,
    part: PathBuf,
    upload: Option<&UploadRow>,
    at: DateTime<Utc>,
    checked: Option<Result<Checked, AppError>>,
) -> Result<Receipt, AppError> {
    let ctx = AuditContext { now: at, ..ctx }.acting_as(Role::Bidder);
    let (row, opening, credit) = {
        let id = tender_id.clone();
        let org = who.organisation.clone();
        state
            .db
            .read(move |conn| {
                let row = tenders::load_row(conn, &id)?;
                let opening = crate::opening::store::opening_certificate(conn, &row.id)?
                    .ok_or_else(|| {
                        AppError::Conflict("the tender has no opening key".into())
                            .because("bid.no-opening-key", json!({}))
                    })?;
                let credit: Option<String> = {
                    use crate::db::schema::organisations;
                    use diesel::prelude::*;
                    organisations::table
                        .find(org.as_str())
                        .select(organisations::credit_code)
                        .first(conn)?
                };
                Ok((row, opening, credit))
            })
            .await?
    };
    open_for_bids(&row, at)?;
    // Checked as it arrived, or else read again now.
    let (sha256, size, outer) = match checked {
        Some(checked) => checked?,
        None => {
            let read_path = part.clone();
            web::block(move || super::arrival::read_upload(&read_path, &opening))
                .await
                .map_err(|e| AppError::Internal(anyhow::anyhow!("reading the upload: {e}")))??
        }
    };
    if let Some(expected) = upload.and_then(|u| u.declared_sha256.as_deref())
        && expected != sha256
    {
        return Err(AppError::BidRejected(format!(
            "the uploaded file's SHA-256 is {sha256}, not the {expected} declared for this upload"
        ))
        .because(
            "bid.sha256-mismatch",
            json!({ "sha256": sha256, "expected": expected }),
        ));
    }
    let snapshot = state.trust.get(&state.db, at).await?;
    let league = crate::types::LeagueCode::parse(&row.league_code)
        .map_err(|e| AppError::Internal(anyhow::anyhow!(e)))?;
    let arrival = super::arrival::identify(
        &snapshot,
        &league,
        credit.as_deref(),
        &who.certificate,
        sha256,
        size,
        &outer,
        at,
    )?;
    let digest = hex_digest(&arrival.sha256)?;
    let tsa = state.tsa.clone();
    let stamp = web::block(move || tsa.stamp(&digest, at))
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("timestamping: {e}")))?
        .map_err(|e| AppError::Internal(anyhow::Error::new(e).context("timestamping a bid")))?;
    let stamp = ReceiptStamp {
        response_der: stamp.response_der,
        serial_hex: stamp.serial_hex,
        gen_time: stamp.gen_time,
    };
    // Kept in its own file, synced, before the bid is recorded: a receipt
    // never names a file that is not there.
    let bid_id = uuid::Uuid::new_v4().to_string();
    let kept = state.uploads.keep_as_bid(&part, &bid_id)?;
    let (id, org, user) = (
        tender_id.clone(),
        who.organisation.clone(),
        who.user.clone(),
    );
    let upload_id = upload.map(|u| u.id.clone());
    let recorded = state
        .db
        .write(move |conn| {
            tenders::lock(conn, &id)?;
            let row = tenders::load_row(conn, &id)?;
            invitees::require_invited(conn, &row, Some(org.as_str()), invitees::Step::Bid)?;
            accepting(conn, &row, ctx.now)?;
            let bid = store::record_bid(
                conn,
                &ctx,
                &row,
                &org,
                &user,
                upload_id.as_deref(),
                &arrival,
                &stamp,
                &bid_id,
            )?;
            bid.receipt()
        })
        .await;
    if recorded.is_err() {
        // Not a bid: the file goes back where it came from.
        if let Err(e) = std::fs::rename(&kept, &part) {
            tracing::error!(error = %e, path = %kept.display(), "returning a refused upload");
            let _ = std::fs::remove_file(&kept);
        }
    }
    recorded
}

fn hex_digest(hex: &str) -> Result<[u8; 32], AppError> {
    let mut out = [0u8; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = hex
            .get(2 * i..2 * i + 2)
            .and_then(|h| u8::from_str_radix(h, 16).ok())
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("bad digest {hex}")))?;
    }
    Ok(out)
}

/// Submits a bid in one request: the body is the envelope (DER), streamed
/// to disk. Not resumable: for large bids use an upload session.
#[utoipa::path(
    tag = "bids",
    params(("id" = String, Path)),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "the bid envelope (CMS, DER); sent as application/pkcs7-mime or application/octet-stream"),
    responses(
        (status = 201, body = Receipt),
        (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem),
        (status = 413, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)
    )
)]
#[post("/tenders/{id}/bids")]
pub async fn submit_bid(
    state: web::Data<AppState>,
    principal: Principal,
    ctx: AuditContext,
    id: web::Path<String>,
    req: HttpRequest,
    body: web::Payload,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    let who = bidder(&principal, &req)?;
    // A malformed Device-Fingerprint is refused before any byte is kept.
    crate::audit::device_of(&req)?;
    let limit = state.config.max_bid_bytes;
    if let Some(len) = declared_length(&req)
        && len > limit
    {
        return Err(AppError::PayloadTooLarge(format!(
            "the bid has {len} bytes; the limit is {limit}"
        ))
        .because("bid.too-large", json!({ "size": len, "limit": limit })));
    }
    check_tender(&state, &id, &principal).await?;
    let opening = opening_certificate(&state, &id).await?;
    let part_id = uuid::Uuid::new_v4().to_string();
    state.uploads.create(&part_id)?;
    let claim = state.uploads.private(&part_id);
    let appended = state.uploads.append(&claim, 0, limit, body, opening).await;
    let now = state.clock.now();
    let part = state.uploads.part_path(&part_id);
    let result = match appended {
        Ok(Appended::Done(_, checked)) => {
            complete(&state, ctx, &who, &id, part, None, now, checked).await
        }
        Ok(Appended::Interrupted(_, why)) => {
            Err(AppError::UploadIncomplete(why).because("upload.interrupted", json!({})))
        }
        Err(e) => Err(e),
    };
    state.uploads.remove(&part_id);
    let receipt = result?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/bids/{}", receipt.bid_id)))
        .json(receipt))
}

/// Submits an envelope made on this server, as [`submit_bid`] submits one
/// uploaded in one request: kept as an upload's part, then checked, stamped
/// and recorded by [`complete`]. The demo data's bidders bid through it
/// (`crate::demo::procedure`), signed in as their enterprise's certificate
/// (`certificate`, DER).
pub async fn submit_envelope(
    state: &web::Data<AppState>,
    ctx: AuditContext,
    principal: &Principal,
    certificate: Vec<u8>,
    tender_id: &TenderId,
    envelope: &[u8],
) -> Result<Receipt, AppError> {
    principal.require_any(&[Role::Bidder])?;
    let (Some(user), Some(organisation)) = (&principal.user_id, &principal.organisation) else {
        return Err(no_enterprise());
    };
    let who = Bidder {
        user: user.clone(),
        organisation: organisation.clone(),
        certificate,
    };
    check_tender(state, tender_id, principal).await?;
    let part_id = uuid::Uuid::new_v4().to_string();
    state.uploads.create(&part_id)?;
    let part = state.uploads.part_path(&part_id);
    let written = std::fs::write(&part, envelope)
        .map_err(|e| AppError::Internal(anyhow::Error::new(e).context("keeping the envelope")));
    let result = match written {
        Ok(()) => {
            let now = state.clock.now();
            complete(state, ctx, &who, tender_id, part, None, now, None).await
        }
        Err(e) => Err(e),
    };
    state.uploads.remove(&part_id);
    result
}

/// The tender's opening certificate, to check a bid against as it arrives.
async fn opening_certificate(
    state: &web::Data<AppState>,
    id: &TenderId,
) -> Result<Option<openssl::x509::X509>, AppError> {
    let id = id.clone();
    state
        .db
        .read(move |conn| crate::opening::store::opening_certificate(conn, id.as_str()))
        .await
}

/// Refuses early (before a body is read) what would be refused at the end:
/// a tender the bidder cannot see, one it is not invited to (invited
/// tendering, 403 `not-invited`), one not taking bids.
async fn check_tender(
    state: &web::Data<AppState>,
    id: &TenderId,
    principal: &Principal,
) -> Result<TenderRow, AppError> {
    let now = state.clock.now();
    let (id, principal) = (id.clone(), principal.clone());
    let row = state
        .db
        .read(move |conn| {
            let row = tenders::load_visible(conn, &id, &principal)?;
            let org = principal.organisation.as_ref().map(|o| o.as_str());
            invitees::require_invited(conn, &row, org, invitees::Step::Bid)?;
            Ok(row)
        })
        .await?;
    open_for_bids(&row, now)?;
    Ok(row)
}

/// Unfinished upload sessions one enterprise may have per tender.
const MAX_OPEN_UPLOADS: i64 = 3;

/// Body of a new upload session.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUpload {
    /// The envelope's exact size in bytes.
    #[schema(minimum = 1)]
    pub size: u64,
    /// Its SHA-256 (hex), checked when the last byte is in.
    pub sha256: Option<String>,
}

/// Opens a resumable upload session for a bid.
#[utoipa::path(
    tag = "bids",
    params(("id" = String, Path)),
    request_body = NewUpload,
    responses(
        (status = 201, body = UploadView),
        (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem),
        (status = 413, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)
    )
)]
#[post("/tenders/{id}/bid-uploads")]
pub async fn start_upload(
    state: web::Data<AppState>,
    principal: Principal,
    ctx: AuditContext,
    id: web::Path<String>,
    req: HttpRequest,
    body: web::Json<NewUpload>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    let who = bidder(&principal, &req)?;
    let body = body.into_inner();
    let limit = state.config.max_bid_bytes;
    if body.size == 0 || body.size > limit {
        return Err(AppError::PayloadTooLarge(format!(
            "a bid has 1 to {limit} bytes; {} declared",
            body.size
        ))
        .because(
            "bid.size-declared",
            json!({ "size": body.size, "limit": limit }),
        ));
    }
    let sha = match body.sha256.as_deref().map(str::to_ascii_lowercase) {
        Some(s) if s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit()) => Some(s),
        Some(_) => {
            return Err(AppError::invalid_field(
                FieldError::new("sha256", "64 hexadecimal digits")
                    .because("encoding.hex-digits", json!({ "digits": 64 })),
            ));
        }
        None => None,
    };
    check_tender(&state, &id, &principal).await?;
    // A session lasts its hours or until the deadline, whichever ends first
    // (and the sweep ends sessions whose tender's deadline has passed,
    // wherever an amendment has moved it).
    let lifetime = Duration::hours(i64::from(state.config.bid_upload_hours));
    let (upload_id, deadline) = {
        let ctx = ctx.acting_as(Role::Bidder);
        let (org, user) = (who.organisation.clone(), who.user.clone());
        state
            .db
            .write(move |conn| {
                tenders::lock(conn, &id)?;
                let row = tenders::load_row(conn, &id)?;
                invitees::require_invited(conn, &row, Some(org.as_str()), invitees::Step::Bid)?;
                open_for_bids(&row, ctx.now)?;
                crate::auctions::store::refuse_sealed_bids(conn, &row.id)?;
                if store::open_uploads_of(conn, &row.id, &org)? >= MAX_OPEN_UPLOADS {
                    return Err(AppError::Conflict(format!(
                        "this enterprise already has {MAX_OPEN_UPLOADS} unfinished uploads for \
                         this tender: finish or abandon one first"
                    ))
                    .because("bid.uploads-open", json!({ "max": MAX_OPEN_UPLOADS })));
                }
                let upload = store::start_upload(
                    conn,
                    &ctx,
                    &row,
                    &org,
                    &user,
                    body.size,
                    sha.as_deref(),
                    lifetime,
                )?;
                Ok((upload, crate::db::from_db_time(row.bid_deadline)))
            })
            .await?
    };
    state.uploads.create(&upload_id.id)?;
    let view = upload_id.view(0, deadline);
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/bid-uploads/{}", view.id)))
        .insert_header(("Upload-Offset", "0"))
        .insert_header(("Upload-Length", view.size.to_string()))
        .json(view))
}

/// Loads an upload session of the caller's enterprise, still open.
async fn own_upload(
    state: &web::Data<AppState>,
    who: &Bidder,
    id: &str,
) -> Result<UploadRow, AppError> {
    if uuid::Uuid::parse_str(id).is_err() {
        return Err(AppError::not_found("upload"));
    }
    let id = id.to_string();
    let row = state.db.read(move |conn| store::upload(conn, &id)).await?;
    if row.bidder_org_id != who.organisation.as_str() {
        return Err(AppError::not_found("upload"));
    }
    if row.completed_at.is_some() {
        return Err(AppError::Conflict(format!(
            "this upload is complete: it became bid {}",
            row.bid_id.clone().unwrap_or_default()
        ))
        .because(
            "bid.upload-complete",
            json!({ "bid": row.bid_id.clone().unwrap_or_default() }),
        ));
    }
    Ok(row)
}

fn expired(state: &web::Data<AppState>, row: &UploadRow) -> bool {
    crate::db::from_db_time(row.expires_at) <= state.clock.now()
}

/// The bid deadline of an upload's tender, as it stands now.
async fn deadline_of(
    state: &web::Data<AppState>,
    row: &UploadRow,
) -> Result<DateTime<Utc>, AppError> {
    let id = TenderId::from_db(row.tender_id.clone());
    let row = state
        .db
        .read(move |conn| tenders::load_row(conn, &id))
        .await?;
    Ok(crate::db::from_db_time(row.bid_deadline))
}

/// Where an upload stands: resume at `offset`.
#[utoipa::path(
    tag = "bids",
    params(("upload" = String, Path)),
    responses((status = 200, body = UploadView), (status = 404, body = crate::error::Problem))
)]
#[get("/bid-uploads/{upload}")]
pub async fn get_upload(
    state: web::Data<AppState>,
    principal: Principal,
    upload: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let who = bidder(&principal, &req)?;
    let row = own_upload(&state, &who, &upload).await?;
    let deadline = deadline_of(&state, &row).await?;
    // (A session whose last byte is in only waits to be completed.)
    if row.last_byte_at.is_none() && row.expires(deadline) <= state.clock.now() {
        return Err(AppError::NotFound("upload not found (it expired)".into())
            .because("upload.expired", json!({})));
    }
    let offset = offset_of(&state, &row).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Upload-Offset", offset.to_string()))
        .insert_header(("Upload-Length", row.declared_size.to_string()))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(row.view(offset, deadline)))
}

/// The offset to resume at, the same on every node: if no request is using
/// the session, what its part file holds (adopted as the committed offset
/// when a node died before committing it); while one is, the offset the
/// last request to end committed.
async fn offset_of(state: &web::Data<AppState>, row: &UploadRow) -> Result<u64, AppError> {
    let committed = u64::try_from(row.received_bytes).unwrap_or(0);
    match state.uploads.claim(&row.id).await {
        Ok(claim) => {
            let adopted = state.uploads.adopt(&claim, committed).await;
            claim.release().await;
            Ok(adopted?.unwrap_or(committed))
        }
        Err(e) if matches!(e.base(), AppError::Conflict(_)) => Ok(committed),
        Err(e) => Err(e),
    }
}

/// Appends a chunk at `Upload-Offset`. When the last byte is in, the bid is
/// checked and recorded and the answer is its receipt (201); before that,
/// 204 with the new `Upload-Offset`.
#[utoipa::path(
    tag = "bids",
    params(("upload" = String, Path), ("Upload-Offset" = u64, Header, description = "where this chunk starts")),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "the chunk's bytes (application/offset+octet-stream, as tus clients send, is accepted too)"),
    responses(
        (status = 201, body = Receipt),
        (status = 204, description = "chunk stored; see Upload-Offset"),
        (status = 409, body = crate::error::Problem),
        (status = 413, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)
    )
)]
#[patch("/bid-uploads/{upload}")]
pub async fn append_upload(
    state: web::Data<AppState>,
    principal: Principal,
    ctx: AuditContext,
    upload: web::Path<String>,
    req: HttpRequest,
    body: web::Payload,
) -> Result<HttpResponse, AppError> {
    let who = bidder(&principal, &req)?;
    // A malformed Device-Fingerprint is refused before any byte is kept.
    crate::audit::device_of(&req)?;
    let row = own_upload(&state, &who, &upload).await?;
    let offset = req
        .headers()
        .get("Upload-Offset")
        .and_then(|v| v.to_str().ok()?.parse::<u64>().ok())
        .ok_or_else(|| {
            AppError::InvalidQuery("the Upload-Offset header (a byte offset) is required".into())
                .because("upload.offset-required", json!({}))
        })?;
    let claim = state.uploads.claim(&row.id).await?;
    let result = append_claimed(
        &state, principal, ctx, &who, &row, offset, &claim, req, body,
    )
    .await;
    claim.release().await;
    result
}

/// [`append_upload`] once the session's claim is held.
#[allow(clippy::too_many_arguments)]
async fn append_claimed(
    state: &web::Data<AppState>,
    principal: Principal,
    ctx: AuditContext,
    who: &Bidder,
    row: &UploadRow,
    offset: u64,
    claim: &super::upload::Claim,
    req: HttpRequest,
    body: web::Payload,
) -> Result<HttpResponse, AppError> {
    let (state, row) = (state.clone(), row.clone());
    let size = row.declared_size as u64;
    // What the part file holds becomes the committed offset if the last
    // request to write (perhaps on a node since lost) did not commit it.
    let committed = u64::try_from(row.received_bytes).unwrap_or(0);
    if state.uploads.adopt(claim, committed).await?.is_none() {
        return Err(
            AppError::NotFound("this upload has no data file any more".into())
                .because("upload.data-gone", json!({})),
        );
    }
    let tender = TenderId::from_db(row.tender_id.clone());
    // Late already, or expired? The session ends here, nothing kept. (A
    // session whose last byte is in has had its time fixed: it only needs
    // completing.)
    if row.last_byte_at.is_none() {
        if let Err(e) = check_tender(&state, &tender, &principal).await {
            drop_session(&state, &ctx, &row, &e.to_string()).await;
            return Err(e);
        }
        if expired(&state, &row) {
            drop_session(&state, &ctx, &row, "expired").await;
            return Err(AppError::NotFound("upload not found (it expired)".into())
                .because("upload.expired", json!({})));
        }
    }
    // A request that carries the whole upload from offset 0 is checked as
    // it arrives; a first part of it would only be checked in vain.
    let opening = match offset {
        0 if declared_length(&req) == Some(size) => opening_certificate(&state, &tender).await?,
        _ => None,
    };
    let appended = state
        .uploads
        .append(claim, offset, size, body, opening)
        .await?;
    let (at, checked) = match appended {
        Appended::Done(at, checked) => (at, checked.filter(|_| at == size)),
        // Everything is in, even if the connection then broke: complete.
        Appended::Interrupted(at, _) if at == size => (at, None),
        Appended::Interrupted(at, why) => {
            note(&state, &row.id, at).await;
            return Err(AppError::UploadIncomplete(format!(
                "{why}; {at} bytes are kept: resume at offset {at}"
            ))
            .because("upload.resume-at", json!({ "offset": at })));
        }
    };
    if at < size {
        note(&state, &row.id, at).await;
        return Ok(HttpResponse::NoContent()
            .insert_header(("Upload-Offset", at.to_string()))
            .finish());
    }
    // The last byte is in: this time, stored once, decides the deadline,
    // even if checking finishes after a restart.
    let now = state.clock.now();
    let last = {
        let id = row.id.clone();
        state
            .db
            .write(move |conn| {
                store::note_progress(conn, &id, size)?;
                store::note_last_byte(conn, &id, now)
            })
            .await?
    };
    let part = state.uploads.part_path(&row.id);
    match complete(
        &state,
        ctx.clone(),
        who,
        &tender,
        part,
        Some(&row),
        last,
        checked,
    )
    .await
    {
        Ok(receipt) => Ok(HttpResponse::Created()
            .insert_header((header::LOCATION, format!("/api/v1/bids/{}", receipt.bid_id)))
            .json(receipt)),
        Err(e) => {
            if bidders_fault(&e) {
                drop_session(&state, &ctx, &row, &e.to_string()).await;
            }
            Err(e)
        }
    }
}

async fn note(state: &web::Data<AppState>, id: &str, at: u64) {
    let id = id.to_string();
    if let Err(e) = state
        .db
        .write(move |conn| store::note_progress(conn, &id, at))
        .await
    {
        tracing::warn!(error = %e, "noting upload progress");
    }
}

/// Ends a session whose bid was refused or is late: its bytes go.
async fn drop_session(state: &web::Data<AppState>, ctx: &AuditContext, row: &UploadRow, why: &str) {
    state.uploads.remove(&row.id);
    let (ctx, row, why) = (ctx.clone(), row.clone(), why.to_string());
    if let Err(e) = state
        .db
        .write(move |conn| store::drop_upload(conn, &ctx, &row, &why))
        .await
    {
        tracing::warn!(error = %e, "dropping an upload session");
    }
}

/// Abandons an upload session; its bytes are deleted.
#[utoipa::path(
    tag = "bids",
    params(("upload" = String, Path)),
    responses((status = 204), (status = 404, body = crate::error::Problem))
)]
#[delete("/bid-uploads/{upload}")]
pub async fn abandon_upload(
    state: web::Data<AppState>,
    principal: Principal,
    ctx: AuditContext,
    upload: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let who = bidder(&principal, &req)?;
    let row = own_upload(&state, &who, &upload).await?;
    let claim = state.uploads.claim(&row.id).await?;
    drop_session(
        &state,
        &ctx.acting_as(Role::Bidder),
        &row,
        "abandoned by the bidder",
    )
    .await;
    claim.release().await;
    Ok(HttpResponse::NoContent().finish())
}

/// Removes upload sessions past their expiry (and their bytes). Every node
/// runs it: a session is ended by the node that takes its claim (none while
/// a request uses it), so each is ended, and recorded, once.
pub async fn sweep_expired(state: &web::Data<AppState>) {
    let now = state.clock.now();
    let expired = state
        .db
        .read(move |conn| store::expired_uploads(conn, now))
        .await;
    match expired {
        Ok(rows) => {
            for row in rows {
                if let Ok(claim) = state.uploads.claim(&row.id).await {
                    let ctx = AuditContext::system(now);
                    drop_session(state, &ctx, &row, "expired").await;
                    claim.release().await;
                }
            }
        }
        Err(e) => tracing::warn!(error = %e, "sweeping expired uploads"),
    }
}

/// A tender's bids as the caller may see them.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BidList {
    /// How many bidders have a current bid: only for those who may see
    /// every bid, once the opening has started (absent otherwise).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bidders: Option<usize>,
    /// The bids the caller may see: before the opening its own
    /// enterprise's and nobody else's (staff get none); from the opening,
    /// all of them for the tender's managers, supervisors in scope, the
    /// platform operator and the operators of the tender's league.
    pub items: Vec<BidView>,
    /// Until the opening starts, why `items` holds no other enterprise's
    /// bid (the same text for everyone, whether or not anyone bid);
    /// absent from the opening on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sealed: Option<String>,
}

/// Whether `principal` sees every bid of the tender (not just its own
/// enterprise's): nobody before the opening has started (who bid and how
/// many is no one's business but each bidder's own, 招标投标法 第22条);
/// after it, the tender's managers (tenderer, agent), the supervisors whose
/// scope holds it, the platform operator (no league) and the operators of
/// the tender's league.
fn sees_all_bids(
    conn: &mut crate::db::DbConn,
    row: &TenderRow,
    principal: &Principal,
    opened: bool,
) -> Result<bool, AppError> {
    if !opened {
        return Ok(false);
    }
    let standing = crate::tenders::store::standing(conn, row, principal)?;
    Ok(crate::audit::sealing::sees_bidders(
        opened,
        &standing,
        &row.league_code,
    ))
}

/// The bids of a tender (metadata only: bids stay sealed until the opening).
/// Before the opening starts, each enterprise gets its own bids and
/// everyone else an empty list, with `sealed` saying why: neither who bid
/// nor how many is told.
#[utoipa::path(
    tag = "bids",
    params(("id" = String, Path)),
    responses(
        (status = 200, body = BidList),
        (status = 401, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem)
    )
)]
#[get("/tenders/{id}/bids")]
pub async fn list_bids(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<String>,
) -> Result<web::Json<BidList>, AppError> {
    if !principal.is_authenticated() {
        return Err(AppError::Unauthenticated("sign in to see bids".into())
            .because("bid.sign-in", json!({})));
    }
    let id = parse_id(&id)?;
    let list = state
        .db
        .read(move |conn| {
            let row = tenders::load_visible(conn, &id, &principal)?;
            let opened = crate::audit::sealing::tender_opened(conn, &row.id)?;
            let all = sees_all_bids(conn, &row, &principal, opened)?;
            let current = if all {
                Some(store::current_bids(conn, &row.id)?.len())
            } else {
                None
            };
            let rows = if all {
                store::bids_of(conn, &row.id, None)?
            } else if let Some(org) = &principal.organisation {
                store::bids_of(conn, &row.id, Some(org.as_str()))?
            } else {
                Vec::new()
            };
            let items = rows
                .iter()
                .map(|b| store::view_of(conn, b))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(BidList {
                bidders: current,
                items,
                sealed: (!opened).then(|| crate::audit::sealing::SEALED_NOTE.to_string()),
            })
        })
        .await?;
    Ok(web::Json(list))
}

/// A bid the caller may see: its enterprise's own; from the opening, any
/// for those who see all of the tender's bids ([`sees_all_bids`]). Any
/// other is not found, whether or not it exists.
async fn visible_bid(
    state: &web::Data<AppState>,
    principal: &Principal,
    id: &str,
) -> Result<store::BidRow, AppError> {
    if uuid::Uuid::parse_str(id).is_err() {
        return Err(AppError::not_found("bid"));
    }
    let (id, principal) = (id.to_string(), principal.clone());
    state
        .db
        .read(move |conn| {
            let bid = store::bid(conn, &id)?;
            let own = principal.organisation.as_ref().map(|o| o.as_str())
                == Some(bid.bidder_org_id.as_str());
            if own {
                return Ok(bid);
            }
            let tender = tenders::load_row(conn, &TenderId::from_db(bid.tender_id.clone()))?;
            let opened = crate::audit::sealing::tender_opened(conn, &tender.id)?;
            if sees_all_bids(conn, &tender, &principal, opened)? {
                Ok(bid)
            } else {
                Err(AppError::not_found("bid"))
            }
        })
        .await
}

/// One bid's metadata.
#[utoipa::path(
    tag = "bids",
    params(("bid" = String, Path)),
    responses((status = 200, body = BidView), (status = 404, body = crate::error::Problem))
)]
#[get("/bids/{bid}")]
pub async fn get_bid(
    state: web::Data<AppState>,
    principal: Principal,
    bid: web::Path<String>,
) -> Result<web::Json<BidView>, AppError> {
    let row = visible_bid(&state, &principal, &bid).await?;
    let view = state
        .db
        .read(move |conn| store::view_of(conn, &row))
        .await?;
    Ok(web::Json(view))
}

/// A bid's receipt (JSON, with the RFC 3161 timestamp response in base64).
#[utoipa::path(
    tag = "bids",
    params(("bid" = String, Path)),
    responses((status = 200, body = Receipt), (status = 404, body = crate::error::Problem))
)]
#[get("/bids/{bid}/receipt")]
pub async fn get_receipt(
    state: web::Data<AppState>,
    principal: Principal,
    bid: web::Path<String>,
) -> Result<web::Json<Receipt>, AppError> {
    let row = visible_bid(&state, &principal, &bid).await?;
    Ok(web::Json(row.receipt()?))
}

/// A bid's RFC 3161 timestamp response (DER), for `openssl ts -verify -in
/// receipt.tsr -digest <sha256> -CAfile <tsa root>`.
#[utoipa::path(
    tag = "bids",
    params(("bid" = String, Path)),
    responses(
        (status = 200, description = "TimeStampResp (DER)", content_type = "application/timestamp-reply", body = Vec<u8>),
        (status = 404, body = crate::error::Problem)
    )
)]
#[get("/bids/{bid}/receipt.tsr")]
pub async fn get_receipt_token(
    state: web::Data<AppState>,
    principal: Principal,
    bid: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let row = visible_bid(&state, &principal, &bid).await?;
    Ok(HttpResponse::Ok()
        .content_type("application/timestamp-reply")
        .body(row.timestamp_token))
}

/// Withdraws the caller's enterprise's current bid (before the deadline).
#[utoipa::path(
    tag = "bids",
    params(("bid" = String, Path)),
    responses(
        (status = 200, body = BidView),
        (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem)
    )
)]
#[post("/bids/{bid}/withdraw")]
pub async fn withdraw_bid(
    state: web::Data<AppState>,
    principal: Principal,
    ctx: AuditContext,
    bid: web::Path<String>,
    req: HttpRequest,
) -> Result<web::Json<BidView>, AppError> {
    let who = bidder(&principal, &req)?;
    let row = visible_bid(&state, &principal, &bid).await?;
    if row.bidder_org_id != who.organisation.as_str() {
        return Err(AppError::not_found("bid"));
    }
    let ctx = ctx.acting_as(Role::Bidder);
    let view = state
        .db
        .write(move |conn| {
            let tender_id = TenderId::from_db(row.tender_id.clone());
            tenders::lock(conn, &tender_id)?;
            let tender = tenders::load_row(conn, &tender_id)?;
            open_for_bids(&tender, ctx.now)?;
            let row = store::bid(conn, &row.id)?;
            if row.status()? != BidStatus::Submitted {
                return Err(AppError::Conflict(format!(
                    "this bid is {}; only the current bid can be withdrawn",
                    row.status
                ))
                .because("bid.not-current", json!({ "bid_status": row.status })));
            }
            let row = store::withdraw(conn, &ctx, &row)?;
            store::view_of(conn, &row)
        })
        .await?;
    Ok(web::Json(view))
}
