//! Persistence of upload sessions, bids and receipts. Every function runs
//! inside the caller's transaction and records its audit event there (and
//! a bid's receipt is sent to its bidder there too).

use crate::audit::{self, AuditContext};
use crate::db::schema::{bid_uploads, bids, organisations};
use crate::db::{DbConn, from_db_time, to_db_time};
use crate::error::AppError;
use crate::tenders::store::TenderRow;
use crate::types::{OrganisationId, UserId};
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

crate::types::text_enum! {
    /// Where a bid stands before the opening.
    pub enum BidStatus {
        /// The bidder's current bid: the one the opening reads.
        Submitted = "submitted",
        /// Superseded by a later bid of the same bidder.
        Replaced = "replaced",
        /// Withdrawn by the bidder before the deadline.
        Withdrawn = "withdrawn",
    }
}

/// An upload session as its owner sees it.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct UploadView {
    pub id: String,
    pub tender_id: String,
    /// The bid's size in bytes, as declared when the upload began.
    pub size: i64,
    /// SHA-256 (hex) the client declared, checked on completion.
    pub sha256: Option<String>,
    /// Bytes received so far: resume from here.
    pub offset: i64,
    pub created_at: DateTime<Utc>,
    /// After this the session and its bytes are gone: the end of the
    /// configured lifetime or the bid deadline, whichever comes first.
    pub expires_at: DateTime<Utc>,
    /// The bid this upload became, once complete.
    pub bid_id: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = bid_uploads)]
pub struct UploadRow {
    pub id: String,
    pub tender_id: String,
    pub bidder_org_id: String,
    pub user_id: String,
    pub declared_size: i64,
    pub declared_sha256: Option<String>,
    pub received_bytes: i64,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub last_byte_at: Option<NaiveDateTime>,
    pub completed_at: Option<NaiveDateTime>,
    pub bid_id: Option<String>,
}

impl UploadRow {
    /// When this session ends, given its tender's bid deadline as it
    /// stands (see [`super::deadline::upload_expiry`]).
    pub fn expires(&self, bid_deadline: DateTime<Utc>) -> DateTime<Utc> {
        super::deadline::upload_expiry(from_db_time(self.expires_at), bid_deadline)
    }

    /// The session as its owner sees it, `offset` bytes in, for a tender
    /// whose bid deadline is `bid_deadline`.
    pub fn view(&self, offset: u64, bid_deadline: DateTime<Utc>) -> UploadView {
        UploadView {
            id: self.id.clone(),
            tender_id: self.tender_id.clone(),
            size: self.declared_size,
            sha256: self.declared_sha256.clone(),
            offset: offset as i64,
            created_at: from_db_time(self.created_at),
            expires_at: self.expires(bid_deadline),
            bid_id: self.bid_id.clone(),
        }
    }
}

/// Opens an upload session, which lasts `lifetime` (the configured hours)
/// or until the tender's bid deadline, whichever ends first; the stored
/// lifetime's end stays as it was configured, so that an amendment moving the
/// deadline moves the session's expiry with it.
#[allow(clippy::too_many_arguments)]
pub fn start_upload(
    conn: &mut DbConn,
    ctx: &AuditContext,
    tender: &TenderRow,
    bidder: &OrganisationId,
    user: &UserId,
    size: u64,
    sha256: Option<&str>,
    lifetime: chrono::Duration,
) -> Result<UploadRow, AppError> {
    let id = uuid::Uuid::new_v4().to_string();
    let lifetime_ends = ctx.now + lifetime;
    let expires_at =
        super::deadline::upload_expiry(lifetime_ends, from_db_time(tender.bid_deadline));
    diesel::insert_into(bid_uploads::table)
        .values((
            bid_uploads::id.eq(&id),
            bid_uploads::tender_id.eq(&tender.id),
            bid_uploads::bidder_org_id.eq(bidder.as_str()),
            bid_uploads::user_id.eq(user.as_str()),
            bid_uploads::declared_size.eq(size as i64),
            bid_uploads::declared_sha256.eq(sha256),
            bid_uploads::received_bytes.eq(0i64),
            bid_uploads::created_at.eq(to_db_time(ctx.now)),
            bid_uploads::expires_at.eq(to_db_time(lifetime_ends)),
        ))
        .execute(conn)?;
    audit::record(
        conn,
        ctx,
        "bid.upload_started",
        "bid_upload",
        &id,
        Some(&tender.id),
        &serde_json::json!({ "size": size, "sha256": sha256, "expires_at": expires_at }),
    )?;
    upload(conn, &id)
}

pub fn upload(conn: &mut DbConn, id: &str) -> Result<UploadRow, AppError> {
    bid_uploads::table
        .find(id)
        .select(UploadRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| AppError::not_found("upload"))
}

/// Takes the claim on upload `id` for `by` until `until`, if nobody holds
/// a live one (none, or one that lapsed before `now`): the one statement
/// that decides, across every node, which request may use the session.
/// `false` if another request holds it (or the session is complete or gone).
pub fn claim_upload(
    conn: &mut DbConn,
    id: &str,
    by: &str,
    now: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<bool, AppError> {
    let taken = diesel::update(
        bid_uploads::table
            .find(id)
            .filter(bid_uploads::completed_at.is_null())
            .filter(
                bid_uploads::claimed_until
                    .is_null()
                    .or(bid_uploads::claimed_until.lt(to_db_time(now))),
            ),
    )
    .set((
        bid_uploads::claimed_by.eq(by),
        bid_uploads::claimed_until.eq(to_db_time(until)),
    ))
    .execute(conn)?;
    Ok(taken == 1)
}

/// Extends `by`'s claim to `until`; `false` if it is not `by`'s any more.
pub fn renew_claim(
    conn: &mut DbConn,
    id: &str,
    by: &str,
    until: DateTime<Utc>,
) -> Result<bool, AppError> {
    let renewed = diesel::update(
        bid_uploads::table
            .find(id)
            .filter(bid_uploads::claimed_by.eq(by)),
    )
    .set(bid_uploads::claimed_until.eq(to_db_time(until)))
    .execute(conn)?;
    Ok(renewed == 1)
}

/// Releases `by`'s claim (nothing if it is not `by`'s).
pub fn release_claim(conn: &mut DbConn, id: &str, by: &str) -> Result<(), AppError> {
    diesel::update(
        bid_uploads::table
            .find(id)
            .filter(bid_uploads::claimed_by.eq(by)),
    )
    .set((
        bid_uploads::claimed_by.eq(None::<String>),
        bid_uploads::claimed_until.eq(None::<NaiveDateTime>),
    ))
    .execute(conn)?;
    Ok(())
}

/// Records how far an upload got: the offset committed by the request that
/// held the session's claim (what every node reports as the offset).
pub fn note_progress(conn: &mut DbConn, id: &str, offset: u64) -> Result<(), AppError> {
    diesel::update(bid_uploads::table.find(id))
        .set(bid_uploads::received_bytes.eq(offset as i64))
        .execute(conn)?;
    Ok(())
}

/// Ends a session without a bid (abandoned by its owner, or expired).
pub fn drop_upload(
    conn: &mut DbConn,
    ctx: &AuditContext,
    row: &UploadRow,
    why: &str,
) -> Result<(), AppError> {
    diesel::delete(bid_uploads::table.find(&row.id)).execute(conn)?;
    audit::record(
        conn,
        ctx,
        "bid.upload_dropped",
        "bid_upload",
        &row.id,
        Some(&row.tender_id),
        &serde_json::json!({ "why": why, "received_bytes": row.received_bytes }),
    )?;
    Ok(())
}

/// Sessions not completed and past their expiry or their tender's bid
/// deadline (an amendment may have moved it either way); a session whose
/// last byte arrived in time is kept until it is completed.
pub fn expired_uploads(conn: &mut DbConn, now: DateTime<Utc>) -> Result<Vec<UploadRow>, AppError> {
    use crate::db::schema::tenders;
    let now = to_db_time(now);
    Ok(bid_uploads::table
        .inner_join(tenders::table.on(tenders::id.eq(bid_uploads::tender_id)))
        .filter(bid_uploads::completed_at.is_null())
        .filter(bid_uploads::last_byte_at.is_null())
        .filter(
            bid_uploads::expires_at
                .le(now)
                .or(tenders::bid_deadline.le(now)),
        )
        .select(UploadRow::as_select())
        .load(conn)?)
}

/// Every session not completed (their part files are kept).
pub fn open_upload_ids(conn: &mut DbConn) -> Result<Vec<String>, AppError> {
    Ok(bid_uploads::table
        .filter(bid_uploads::completed_at.is_null())
        .select(bid_uploads::id)
        .load(conn)?)
}

/// How many unfinished sessions an enterprise has for a tender.
pub fn open_uploads_of(
    conn: &mut DbConn,
    tender_id: &str,
    bidder: &OrganisationId,
) -> Result<i64, AppError> {
    Ok(bid_uploads::table
        .filter(bid_uploads::tender_id.eq(tender_id))
        .filter(bid_uploads::bidder_org_id.eq(bidder.as_str()))
        .filter(bid_uploads::completed_at.is_null())
        .count()
        .get_result(conn)?)
}

/// Records when an upload's last byte arrived (once) and returns it: the
/// time that decides whether the bid is in time, even if checking it is
/// finished later (after a restart, say).
pub fn note_last_byte(
    conn: &mut DbConn,
    id: &str,
    at: DateTime<Utc>,
) -> Result<DateTime<Utc>, AppError> {
    diesel::update(
        bid_uploads::table
            .find(id)
            .filter(bid_uploads::last_byte_at.is_null()),
    )
    .set(bid_uploads::last_byte_at.eq(to_db_time(at)))
    .execute(conn)?;
    let stored: Option<NaiveDateTime> = bid_uploads::table
        .find(id)
        .select(bid_uploads::last_byte_at)
        .first(conn)?;
    Ok(stored.map(from_db_time).unwrap_or(at))
}

/// What the platform checked about a bid when it arrived.
#[derive(Debug, Clone)]
pub struct Arrival {
    /// SHA-256 (hex) and size of the file exactly as uploaded.
    pub sha256: String,
    pub size: u64,
    /// SHA-256 (hex) of the encrypted content inside an outer signature
    /// (the same as `sha256` without one).
    pub content_sha256: String,
    /// `enveloped_data` or `auth_enveloped_data`.
    pub content_type: String,
    pub outer_signed: bool,
    /// The certificate that identifies the sender: the outer signer's, or
    /// the session's without an outer signature.
    pub signer_sha256: String,
    pub signer_subject: String,
}

/// The receipt: what the platform received, when, from whom, with an RFC
/// 3161 timestamp token over the bid's SHA-256.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Receipt {
    /// Always `ggzy-bid-receipt/1`.
    pub format: String,
    pub tender_id: String,
    pub tender_reference: String,
    pub tender_title: String,
    pub bid_id: String,
    /// 1 for the first bid of this bidder on this tender, then 2, 3… as it
    /// is replaced.
    pub version: i32,
    pub bidder_organisation_id: String,
    pub bidder_name: String,
    pub bidder_credit_code: Option<String>,
    pub submitted_by: String,
    /// SHA-256 (hex) of the file exactly as uploaded.
    pub sha256: String,
    pub size_bytes: i64,
    pub received_at: DateTime<Utc>,
    /// Whether the bid carried an outer signature (else it was identified
    /// by the uploading session's certificate).
    pub outer_signed: bool,
    pub signer_subject: String,
    pub signer_cert_sha256: String,
    /// The timestamp authority's serial number for the token (hex).
    pub timestamp_serial: String,
    /// The timestamp's time (RFC 3161 genTime).
    pub timestamp_time: DateTime<Utc>,
    /// TimeStampResp (DER), base64: `openssl ts -verify -in <file> -digest <sha256> ...`.
    pub timestamp_response: String,
}

/// A bid as its bidder and the tender's managers see it (never its content).
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct BidView {
    pub id: String,
    pub tender_id: String,
    pub bidder_organisation_id: String,
    pub bidder_name: String,
    pub version: i32,
    pub status: BidStatus,
    pub sha256: String,
    pub size_bytes: i64,
    pub outer_signed: bool,
    pub signer_subject: String,
    pub received_at: DateTime<Utc>,
    pub withdrawn_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = bids)]
pub struct BidRow {
    pub id: String,
    pub tender_id: String,
    pub bidder_org_id: String,
    pub submitted_by: String,
    pub version: i32,
    pub status: String,
    pub sha256: String,
    pub size_bytes: i64,
    pub content_sha256: String,
    pub content_type: String,
    pub outer_signed: bool,
    pub signer_cert_sha256: String,
    pub signer_subject: String,
    pub client_addr: Option<String>,
    pub received_at: NaiveDateTime,
    pub timestamp_token: Vec<u8>,
    pub receipt_json: String,
    pub withdrawn_at: Option<NaiveDateTime>,
}

impl BidRow {
    pub fn status(&self) -> Result<BidStatus, AppError> {
        BidStatus::from_db(&self.status)
    }

    pub fn receipt(&self) -> Result<Receipt, AppError> {
        serde_json::from_str(&self.receipt_json)
            .map_err(|e| AppError::Internal(anyhow::Error::new(e).context("stored receipt")))
    }
}

fn organisation_name(conn: &mut DbConn, org: &str) -> Result<(String, Option<String>), AppError> {
    Ok(organisations::table
        .find(org)
        .select((organisations::name, organisations::credit_code))
        .first(conn)?)
}

pub fn view_of(conn: &mut DbConn, row: &BidRow) -> Result<BidView, AppError> {
    let (name, _) = organisation_name(conn, &row.bidder_org_id)?;
    Ok(BidView {
        id: row.id.clone(),
        tender_id: row.tender_id.clone(),
        bidder_organisation_id: row.bidder_org_id.clone(),
        bidder_name: name,
        version: row.version,
        status: row.status()?,
        sha256: row.sha256.clone(),
        size_bytes: row.size_bytes,
        outer_signed: row.outer_signed,
        signer_subject: row.signer_subject.clone(),
        received_at: from_db_time(row.received_at),
        withdrawn_at: row.withdrawn_at.map(from_db_time),
    })
}

/// The timestamp a receipt carries.
pub struct ReceiptStamp {
    pub response_der: Vec<u8>,
    pub serial_hex: String,
    pub gen_time: DateTime<Utc>,
}

/// Records an arrived, checked bid: the bidder's earlier current bid, if
/// any, is replaced; the upload session (if any) is completed.
#[allow(clippy::too_many_arguments)]
pub fn record_bid(
    conn: &mut DbConn,
    ctx: &AuditContext,
    tender: &TenderRow,
    bidder: &OrganisationId,
    user: &UserId,
    upload_id: Option<&str>,
    arrival: &Arrival,
    stamp: &ReceiptStamp,
    id: &str,
) -> Result<BidRow, AppError> {
    let previous: Option<i32> = bids::table
        .filter(bids::tender_id.eq(&tender.id))
        .filter(bids::bidder_org_id.eq(bidder.as_str()))
        .select(diesel::dsl::max(bids::version))
        .first(conn)?;
    let version = previous.unwrap_or(0) + 1;
    let replaced = diesel::update(
        bids::table
            .filter(bids::tender_id.eq(&tender.id))
            .filter(bids::bidder_org_id.eq(bidder.as_str()))
            .filter(bids::status.eq(BidStatus::Submitted.code())),
    )
    .set(bids::status.eq(BidStatus::Replaced.code()))
    .execute(conn)?;
    let (bidder_name, credit_code) = organisation_name(conn, bidder.as_str())?;
    let id = id.to_string();
    let receipt = Receipt {
        format: "ggzy-bid-receipt/1".into(),
        tender_id: tender.id.clone(),
        tender_reference: tender.reference.clone(),
        tender_title: tender.title.clone(),
        bid_id: id.clone(),
        version,
        bidder_organisation_id: bidder.to_string(),
        bidder_name,
        bidder_credit_code: credit_code,
        submitted_by: user.to_string(),
        sha256: arrival.sha256.clone(),
        size_bytes: arrival.size as i64,
        received_at: ctx.now,
        outer_signed: arrival.outer_signed,
        signer_subject: arrival.signer_subject.clone(),
        signer_cert_sha256: arrival.signer_sha256.clone(),
        timestamp_serial: stamp.serial_hex.clone(),
        timestamp_time: stamp.gen_time,
        timestamp_response: openssl::base64::encode_block(&stamp.response_der),
    };
    let receipt_json = serde_json::to_string(&receipt)
        .map_err(|e| AppError::Internal(anyhow::Error::new(e).context("receipt")))?;
    let now = to_db_time(ctx.now);
    diesel::insert_into(bids::table)
        .values((
            bids::id.eq(&id),
            bids::tender_id.eq(&tender.id),
            bids::bidder_org_id.eq(bidder.as_str()),
            bids::submitted_by.eq(user.as_str()),
            bids::version.eq(version),
            bids::status.eq(BidStatus::Submitted.code()),
            bids::sha256.eq(&arrival.sha256),
            bids::size_bytes.eq(arrival.size as i64),
            bids::content_sha256.eq(&arrival.content_sha256),
            bids::content_type.eq(&arrival.content_type),
            bids::outer_signed.eq(arrival.outer_signed),
            bids::signer_cert_sha256.eq(&arrival.signer_sha256),
            bids::signer_subject.eq(&arrival.signer_subject),
            bids::client_addr.eq(ctx.client_addr.as_deref()),
            bids::device_fingerprint.eq(ctx.device.as_deref()),
            bids::received_at.eq(now),
            bids::timestamp_token.eq(&stamp.response_der),
            bids::receipt_json.eq(&receipt_json),
        ))
        .execute(conn)?;
    if let Some(upload) = upload_id {
        diesel::update(bid_uploads::table.find(upload))
            .set((
                bid_uploads::completed_at.eq(now),
                bid_uploads::received_bytes.eq(arrival.size as i64),
                bid_uploads::bid_id.eq(&id),
            ))
            .execute(conn)?;
    }
    audit::record(
        conn,
        ctx,
        "bid.submitted",
        "bid",
        &id,
        Some(&tender.id),
        &serde_json::json!({
            "bidder": bidder, "version": version, "replaces_current": replaced > 0,
            "sha256": arrival.sha256, "size": arrival.size,
            "content_sha256": arrival.content_sha256, "content_type": arrival.content_type,
            "outer_signed": arrival.outer_signed, "signer_cert_sha256": arrival.signer_sha256,
            "upload_id": upload_id, "timestamp_serial": stamp.serial_hex,
            "device_fingerprint": ctx.device,
        }),
    )?;
    let message = receipt_message(tender, &receipt, &stamp.response_der);
    crate::notify::send(conn, ctx, &message, &[user.to_string()])?;
    bid(conn, &id)
}

/// The receipt as a message to the user who submitted the bid (only: until
/// the opening who bid is sealed, so it is marked sealed for the operators
/// who see delivery problems). Its RFC 3161 TimeStampResp goes with it as
/// `receipt-<bid>.tsr`, which `openssl ts -verify` checks. Each bid, a
/// replacing one too, has its own.
fn receipt_message(
    tender: &TenderRow,
    receipt: &Receipt,
    timestamp_response: &[u8],
) -> crate::notify::Message {
    use crate::notify::{Attachment, Kind, Message};
    Message::new(Kind::BidReceipt, format!("bid:{}:receipt", receipt.bid_id))
        .tender(&tender.id, &tender.league_code)
        .sealed()
        .field("title", tender.title.as_str())
        .field("reference", tender.reference.as_str())
        .field("bid_id", receipt.bid_id.as_str())
        .field("sha256", receipt.sha256.as_str())
        .time("received_at", receipt.received_at)
        .link(format!("/api/v1/bids/{}/receipt", receipt.bid_id))
        .attach(Attachment::new(
            &format!("receipt-{}.tsr", receipt.bid_id),
            "application/timestamp-reply",
            timestamp_response,
        ))
}

pub fn bid(conn: &mut DbConn, id: &str) -> Result<BidRow, AppError> {
    bids::table
        .find(id)
        .select(BidRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| AppError::not_found("bid"))
}

/// Withdraws a bidder's current bid.
pub fn withdraw(conn: &mut DbConn, ctx: &AuditContext, row: &BidRow) -> Result<BidRow, AppError> {
    if row.status()? != BidStatus::Submitted {
        return Err(AppError::Conflict(format!(
            "this bid is {}, not the bidder's current bid",
            row.status
        ))
        .because(
            "bid.not-current",
            serde_json::json!({ "bid_status": row.status }),
        ));
    }
    diesel::update(bids::table.find(&row.id))
        .set((
            bids::status.eq(BidStatus::Withdrawn.code()),
            bids::withdrawn_at.eq(to_db_time(ctx.now)),
        ))
        .execute(conn)?;
    audit::record(
        conn,
        ctx,
        "bid.withdrawn",
        "bid",
        &row.id,
        Some(&row.tender_id),
        &serde_json::json!({ "bidder": row.bidder_org_id, "version": row.version }),
    )?;
    bid(conn, &row.id)
}

/// A tender's bids, oldest first; only `bidder`'s when given.
pub fn bids_of(
    conn: &mut DbConn,
    tender_id: &str,
    bidder: Option<&str>,
) -> Result<Vec<BidRow>, AppError> {
    let mut query = bids::table
        .filter(bids::tender_id.eq(tender_id))
        .into_boxed();
    if let Some(org) = bidder {
        query = query.filter(bids::bidder_org_id.eq(org));
    }
    Ok(query
        .order((bids::received_at.asc(), bids::id.asc()))
        .select(BidRow::as_select())
        .load(conn)?)
}

/// The bids the opening reads: each bidder's current one.
pub fn current_bids(conn: &mut DbConn, tender_id: &str) -> Result<Vec<BidRow>, AppError> {
    Ok(bids::table
        .filter(bids::tender_id.eq(tender_id))
        .filter(bids::status.eq(BidStatus::Submitted.code()))
        .order((bids::received_at.asc(), bids::id.asc()))
        .select(BidRow::as_select())
        .load(conn)?)
}
