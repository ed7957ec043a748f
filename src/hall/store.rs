//! The hall's event log: events are appended inside the transaction of the
//! change they report, numbered per tender from 1 without gaps, and read
//! back by number.

use crate::db::schema::hall_events;
use crate::db::{DbConn, from_db_time, to_db_time};
use crate::error::AppError;
use crate::types::TenderId;
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use serde_json::value::RawValue;

/// The most events one read returns.
pub const MAX_BATCH: i64 = 500;

/// The bus topic of hall events (the channel is the tender).
pub const TOPIC: &str = "hall";

/// The longest event kind (`tender.status`, `opening.bid_read`, …).
const MAX_KIND_CHARS: usize = 64;

/// One event of a tender's hall, as stored and as delivered.
#[derive(Debug, Clone)]
pub struct HallEvent {
    pub tender_id: TenderId,
    /// 1, 2, 3, … per tender, in commit order.
    pub seq: i64,
    /// When it happened, to the microsecond (as stored, so live and replayed
    /// events are identical).
    pub at: DateTime<Utc>,
    /// What happened, dotted lower case: `tender.status`.
    pub kind: String,
    /// A JSON object whose shape depends on `kind`, exactly as stored: its
    /// members stay in the order they were written (a bid's key terms are
    /// read out in the bidder's order).
    pub payload: Box<RawValue>,
}

impl PartialEq for HallEvent {
    fn eq(&self, other: &Self) -> bool {
        self.tender_id == other.tender_id
            && self.seq == other.seq
            && self.at == other.at
            && self.kind == other.kind
            && self.payload.get() == other.payload.get()
    }
}

impl super::hub::Sequenced for HallEvent {
    fn channel(&self) -> &str {
        self.tender_id.as_str()
    }

    fn seq(&self) -> i64 {
        self.seq
    }
}

fn valid_kind(kind: &str) -> bool {
    !kind.is_empty()
        && kind.len() <= MAX_KIND_CHARS
        && kind.split('.').all(|part| {
            !part.is_empty()
                && part
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        })
}

/// Appends one event to a tender's hall, numbered one past its last, and
/// returns it; publish it with [`super::hub::Hub::publish`] once the
/// transaction has committed (or use [`super::write_then_publish`]).
///
/// Precondition: call it inside the write transaction of the change it
/// reports, after taking the tender's lock (`tenders::store::lock`). On
/// PostgreSQL that lock (an advisory transaction lock on the tender) lets one
/// transaction at a time compute `max + 1`, and the next only after the
/// previous has committed, so numbers are gap-free and a number becomes
/// visible only after every lower one; on SQLite the in-process writer lock
/// does the same. A caller that breaks the precondition cannot create a
/// duplicate or a gap: two transactions that computed the same number meet
/// the primary key, and the second fails (`AppError::Conflict`) and rolls
/// back.
pub fn append(
    conn: &mut DbConn,
    tender_id: &TenderId,
    kind: &str,
    payload: &impl Serialize,
    now: DateTime<Utc>,
) -> Result<HallEvent, AppError> {
    if !valid_kind(kind) {
        return Err(AppError::Internal(anyhow::anyhow!(
            "hall event kind {kind:?} is not dotted lower case"
        )));
    }
    let payload = serde_json::to_string(payload)
        .and_then(RawValue::from_string)
        .map_err(|e| AppError::Internal(anyhow::Error::new(e).context("hall event payload")))?;
    if !payload.get().starts_with('{') {
        return Err(AppError::Internal(anyhow::anyhow!(
            "the payload of a {kind} hall event is not a JSON object"
        )));
    }
    let seq = last_seq(conn, tender_id)? + 1;
    let at = to_db_time(now);
    diesel::insert_into(hall_events::table)
        .values((
            hall_events::tender_id.eq(tender_id.as_str()),
            hall_events::seq.eq(seq),
            hall_events::occurred_at.eq(at),
            hall_events::kind.eq(kind),
            hall_events::payload_json.eq(payload.get()),
        ))
        .execute(conn)?;
    crate::cluster::bus::announce(conn, TOPIC, tender_id.as_str(), seq)?;
    Ok(HallEvent {
        tender_id: tender_id.clone(),
        seq,
        at: from_db_time(at),
        kind: kind.to_string(),
        payload,
    })
}

/// The number of the tender's last event; 0 if it has none.
pub fn last_seq(conn: &mut DbConn, tender_id: &TenderId) -> Result<i64, AppError> {
    Ok(hall_events::table
        .filter(hall_events::tender_id.eq(tender_id.as_str()))
        .select(diesel::dsl::max(hall_events::seq))
        .first::<Option<i64>>(conn)?
        .unwrap_or(0))
}

/// The tender's events numbered after `after_seq`, in order, at most
/// `limit` of them (clamped to 1..=[`MAX_BATCH`]).
pub fn events_since(
    conn: &mut DbConn,
    tender_id: &TenderId,
    after_seq: i64,
    limit: i64,
) -> Result<Vec<HallEvent>, AppError> {
    let rows: Vec<(i64, NaiveDateTime, String, String)> = hall_events::table
        .filter(hall_events::tender_id.eq(tender_id.as_str()))
        .filter(hall_events::seq.gt(after_seq))
        .select((
            hall_events::seq,
            hall_events::occurred_at,
            hall_events::kind,
            hall_events::payload_json,
        ))
        .order(hall_events::seq.asc())
        .limit(limit.clamp(1, MAX_BATCH))
        .load(conn)?;
    rows.into_iter()
        .map(|(seq, at, kind, payload_json)| {
            let payload = RawValue::from_string(payload_json).map_err(|e| {
                AppError::Internal(
                    anyhow::Error::new(e).context(format!("stored hall event {tender_id}/{seq}")),
                )
            })?;
            Ok(HallEvent {
                tender_id: tender_id.clone(),
                seq,
                at: from_db_time(at),
                kind,
                payload,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::valid_kind;

    #[test]
    fn kinds_are_dotted_lower_case() {
        for ok in ["tender.status", "opening.bid_read", "a", "x.y2.z"] {
            assert!(valid_kind(ok), "{ok}");
        }
        for bad in [
            "",
            "Tender.status",
            "tender..status",
            ".x",
            "x.",
            "a b",
            "tender-status",
        ] {
            assert!(!valid_kind(bad), "{bad}");
        }
        assert!(!valid_kind(&"a".repeat(65)));
    }
}
