//! The opening record as it stands: the status of a tender's opening and
//! what it found in each bid (read by the runner in `run`, the routes and
//! the evaluation).

use super::OpeningStatus;
use crate::bids::store::{self as bids, BidRow};
use crate::db::schema::{bid_openings, openings};
use crate::db::{DbConn, from_db_time};
use crate::error::AppError;
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

crate::types::text_enum! {
    /// What the opening found in a bid.
    pub enum Outcome {
        /// Decrypted and verified: it is read out and goes to evaluation.
        Valid = "valid",
        /// Unreadable or unverifiable through the bidder's doing (wrong
        /// recipient, bad signature, signer not accepted, bad schedule):
        /// counts as revoked.
        Revoked = "revoked",
        /// Lost through no fault of the bidder (the platform could not read
        /// its stored copy): counts as withdrawn; the bidder may claim.
        Withdrawn = "withdrawn",
    }
}

/// One line of the opening record.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct OpenedBid {
    pub bid_id: String,
    pub bidder_organisation_id: String,
    pub bidder_name: String,
    pub outcome: Outcome,
    /// Why the bid is not valid.
    pub reason: Option<String>,
    pub signer_subject: Option<String>,
    /// The inner signature's signing time.
    pub signing_time: Option<DateTime<Utc>>,
    pub sealed: bool,
    pub seal_name: Option<String>,
    pub total_price_fen: Option<i64>,
    pub duration_days: Option<i32>,
    /// The price schedule as the bidder wrote it, its key terms in the
    /// bidder's order.
    #[schema(value_type = Option<Object>)]
    pub schedule: Option<Box<serde_json::value::RawValue>>,
    pub opened_at: DateTime<Utc>,
}

/// The opening as anyone may follow it.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct OpeningView {
    pub tender_id: String,
    pub status: OpeningStatus,
    pub started_at: DateTime<Utc>,
    pub completed_at: Option<DateTime<Utc>>,
    pub shares_released: usize,
    pub threshold: usize,
    /// Bids opened so far (all of them once completed).
    pub bids: Vec<OpenedBid>,
    pub valid_bids: Option<i32>,
    /// Set once completed: whether the procedure goes on to evaluation (or,
    /// not opened, why not).
    pub result: Option<String>,
    /// For an opening that opened nothing (`not_opened`): how many bidders
    /// there were at the deadline.
    pub bidders: Option<i64>,
}

pub fn opening_status(
    conn: &mut DbConn,
    tender_id: &str,
) -> Result<Option<OpeningStatus>, AppError> {
    let status: Option<String> = openings::table
        .find(tender_id)
        .select(openings::status)
        .first(conn)
        .optional()?;
    status.map(|s| OpeningStatus::from_db(&s)).transpose()
}

type OpeningRow = (
    String,
    NaiveDateTime,
    Option<NaiveDateTime>,
    Option<i32>,
    Option<String>,
);

/// The opening of a tender as it stands.
pub fn view(conn: &mut DbConn, tender_id: &str) -> Result<Option<OpeningView>, AppError> {
    let row: Option<OpeningRow> = openings::table
        .find(tender_id)
        .select((
            openings::status,
            openings::started_at,
            openings::completed_at,
            openings::valid_bids,
            openings::record_json,
        ))
        .first(conn)
        .optional()?;
    let Some((status, started, completed, valid, record)) = row else {
        return Ok(None);
    };
    let (released, threshold) = super::store::release_count(conn, tender_id)?;
    let record = record
        .as_deref()
        .and_then(|r| serde_json::from_str::<serde_json::Value>(r).ok());
    let result = record
        .as_ref()
        .and_then(|v| v["result"].as_str().map(str::to_string));
    let status = OpeningStatus::from_db(&status)?;
    let bidders = record
        .as_ref()
        .filter(|_| status == OpeningStatus::NotOpened)
        .and_then(|v| v["bidders"].as_i64());
    Ok(Some(OpeningView {
        tender_id: tender_id.to_string(),
        status,
        started_at: from_db_time(started),
        completed_at: completed.map(from_db_time),
        shares_released: released,
        threshold,
        bids: opened_bids(conn, tender_id)?,
        valid_bids: valid,
        result,
        bidders,
    }))
}

type OpenedRow = (
    String,
    String,
    Option<String>,
    Option<String>,
    Option<NaiveDateTime>,
    bool,
    Option<String>,
    Option<i64>,
    Option<i32>,
    Option<String>,
    NaiveDateTime,
);

pub(crate) fn opened_bids(conn: &mut DbConn, tender_id: &str) -> Result<Vec<OpenedBid>, AppError> {
    let rows: Vec<OpenedRow> = bid_openings::table
        .filter(bid_openings::tender_id.eq(tender_id))
        .order((bid_openings::opened_at.asc(), bid_openings::bid_id.asc()))
        .select((
            bid_openings::bid_id,
            bid_openings::outcome,
            bid_openings::reason,
            bid_openings::signer_subject,
            bid_openings::signing_time,
            bid_openings::sealed,
            bid_openings::seal_name,
            bid_openings::total_price_fen,
            bid_openings::duration_days,
            bid_openings::schedule_json,
            bid_openings::opened_at,
        ))
        .load(conn)?;
    let mut out = Vec::with_capacity(rows.len());
    for (bid_id, outcome, reason, signer, signing, sealed, seal, price, days, schedule, at) in rows
    {
        let bid = bids::bid(conn, &bid_id)?;
        let found = Found {
            outcome: Outcome::from_db(&outcome)?,
            reason,
            signer_subject: signer,
            signing_time: signing.map(from_db_time),
            sealed,
            seal_name: seal,
            total_price_fen: price,
            duration_days: days,
            schedule_json: schedule,
            // Not part of the read-out.
            documents_manifest: None,
        };
        out.push(opened_bid(conn, &bid, found, from_db_time(at))?);
    }
    Ok(out)
}

/// One bid's line of the opening record.
pub(crate) fn opened_bid(
    conn: &mut DbConn,
    bid: &BidRow,
    found: Found,
    at: DateTime<Utc>,
) -> Result<OpenedBid, AppError> {
    let view = bids::view_of(conn, bid)?;
    Ok(OpenedBid {
        bid_id: bid.id.clone(),
        bidder_organisation_id: view.bidder_organisation_id,
        bidder_name: view.bidder_name,
        outcome: found.outcome,
        reason: found.reason,
        signer_subject: found.signer_subject,
        signing_time: found.signing_time,
        sealed: found.sealed,
        seal_name: found.seal_name,
        total_price_fen: found.total_price_fen,
        duration_days: found.duration_days,
        schedule: found
            .schedule_json
            .and_then(|s| serde_json::value::RawValue::from_string(s).ok()),
        opened_at: at,
    })
}

/// What opening one bid found (before it is recorded).
#[derive(Clone)]
pub struct Found {
    pub outcome: Outcome,
    pub reason: Option<String>,
    pub signer_subject: Option<String>,
    pub signing_time: Option<DateTime<Utc>>,
    pub sealed: bool,
    pub seal_name: Option<String>,
    pub total_price_fen: Option<i64>,
    pub duration_days: Option<i32>,
    pub schedule_json: Option<String>,
    /// A valid bid's documents and their SHA-256 (the container's
    /// manifest text), kept for the supervisors' signals.
    pub documents_manifest: Option<String>,
}
