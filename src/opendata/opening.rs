//! What open data reads of a tender's opening (shell): the completed
//! opening record, as plain data for `ocds::release`. Nothing before the
//! opening is complete: until it starts who bid, and how many, is sealed
//! (招标投标法 第22条; `audit::sealing`), and while it runs the record is
//! not yet whole.

use super::ocds::{OpenedBid, OpeningRecord};
use crate::db::schema::{bids, openings};
use crate::db::{DbConn, from_db_time};
use crate::error::AppError;
use crate::opening::OpeningStatus;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Deserialize;

/// The price per lot, all open data reads of a stored price schedule.
#[derive(Deserialize)]
struct Schedule {
    #[serde(default)]
    lots: Vec<LotPrice>,
}

#[derive(Deserialize)]
struct LotPrice {
    lot: u32,
    price_fen: i64,
}

/// The tender's opening record once its opening has completed with at
/// least one bid opened; `None` before that (not started, still running,
/// or aborted by a cancellation), and when no bid was opened.
pub fn completed_record(
    conn: &mut DbConn,
    tender_id: &str,
) -> Result<Option<OpeningRecord>, AppError> {
    let row: Option<(String, Option<NaiveDateTime>)> = openings::table
        .find(tender_id)
        .select((openings::status, openings::completed_at))
        .first(conn)
        .optional()?;
    let completed_at = match row {
        Some((status, Some(at)))
            if OpeningStatus::from_db(&status)? == OpeningStatus::Completed =>
        {
            from_db_time(at)
        }
        _ => return Ok(None),
    };
    let opened = crate::opening::record::opened_bids(conn, tender_id)?;
    if opened.is_empty() {
        return Ok(None);
    }
    let received: std::collections::HashMap<String, NaiveDateTime> = bids::table
        .filter(bids::id.eq_any(opened.iter().map(|b| b.bid_id.as_str())))
        .select((bids::id, bids::received_at))
        .load(conn)?
        .into_iter()
        .collect();
    let bids = opened
        .into_iter()
        .map(|b| {
            // Every opened bid is a bid row (a foreign key); its opening
            // time stands in should it somehow not be found.
            let received_at = received
                .get(&b.bid_id)
                .map_or(b.opened_at, |at| from_db_time(*at));
            let lot_prices = b
                .schedule
                .as_ref()
                .and_then(|raw| match serde_json::from_str::<Schedule>(raw.get()) {
                    Ok(s) => Some(s.lots.into_iter().map(|l| (l.lot, l.price_fen)).collect()),
                    Err(e) => {
                        tracing::warn!(bid = %b.bid_id, error = %e, "a stored price schedule without readable lots");
                        None
                    }
                })
                .unwrap_or_default();
            OpenedBid {
                bid_id: b.bid_id,
                bidder_id: b.bidder_organisation_id,
                bidder_name: b.bidder_name,
                outcome: b.outcome,
                received_at,
                total_price_fen: b.total_price_fen,
                lot_prices,
            }
        })
        .collect();
    Ok(Some(OpeningRecord { completed_at, bids }))
}
