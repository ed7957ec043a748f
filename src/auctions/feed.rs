//! A trade's events as its watchers get them: the hub that fans them out
//! on this node, the cluster bus's relay from the other nodes, and the
//! reads of the record they come from. Below the routes and the state:
//! nothing here knows of a request.

use super::engine::Recorded;
use crate::db::schema::auction_events;
use crate::db::{DbConn, from_db_time};
use crate::error::AppError;
use crate::hall::LiveSettings;
use crate::hall::hub::{Hub, Sequenced};
use diesel::prelude::*;
use serde_json::{Value, json};

/// The bus topic of trade events (the channel is the tender).
pub const TOPIC: &str = "auction";

/// One recorded event of a trade, as watchers get it.
#[derive(Debug, Clone)]
pub struct AuctionEvent {
    pub tender_id: String,
    pub seq: i64,
    pub recorded: Recorded,
}

impl Sequenced for AuctionEvent {
    fn channel(&self) -> &str {
        &self.tender_id
    }
    fn seq(&self) -> i64 {
        self.seq
    }
}

impl AuctionEvent {
    /// `{"type":"event","seq":n,"at":…,"kind":…, …the event's fields}`.
    pub fn to_text(&self) -> String {
        let mut value = serde_json::to_value(&self.recorded).unwrap_or(Value::Null);
        if let Value::Object(map) = &mut value {
            map.insert("type".into(), json!("event"));
            map.insert("seq".into(), json!(self.seq));
        }
        value.to_string()
    }
}

/// The trades' hub and socket settings.
#[derive(Clone)]
pub struct Auctions {
    pub hub: Hub<AuctionEvent>,
    pub settings: LiveSettings,
}

impl Default for Auctions {
    fn default() -> Self {
        let settings = LiveSettings::default();
        Auctions {
            hub: Hub::new(settings.queue_capacity),
            settings,
        }
    }
}

impl Auctions {
    /// The relay on the cluster's bus: another node's trade events reach
    /// this node's watchers.
    pub fn relay(&self, db: &crate::db::Db) -> crate::cluster::bus::HubRelay<AuctionEvent> {
        crate::cluster::bus::HubRelay {
            db: db.clone(),
            hub: self.hub.clone(),
            load: events_since,
            last: last_seq,
        }
    }
}

/// The events numbered after `after`, at most `limit`.
pub fn events_since(
    conn: &mut DbConn,
    tender_id: &str,
    after: i64,
    limit: i64,
) -> Result<Vec<AuctionEvent>, AppError> {
    let rows: Vec<(i64, chrono::NaiveDateTime, String)> = auction_events::table
        .filter(auction_events::tender_id.eq(tender_id))
        .filter(auction_events::seq.gt(after))
        .order(auction_events::seq.asc())
        .limit(limit.clamp(1, crate::hall::store::MAX_BATCH))
        .select((
            auction_events::seq,
            auction_events::occurred_at,
            auction_events::payload_json,
        ))
        .load(conn)?;
    rows.into_iter()
        .map(|(seq, at, payload)| {
            let event = serde_json::from_str(&payload).map_err(|e| {
                AppError::Internal(anyhow::Error::new(e).context("a stored auction event"))
            })?;
            Ok(AuctionEvent {
                tender_id: tender_id.to_string(),
                seq,
                recorded: Recorded {
                    at: from_db_time(at),
                    event,
                },
            })
        })
        .collect()
}

pub fn last_seq(conn: &mut DbConn, tender_id: &str) -> Result<i64, AppError> {
    Ok(auction_events::table
        .filter(auction_events::tender_id.eq(tender_id))
        .select(diesel::dsl::max(auction_events::seq))
        .first::<Option<i64>>(conn)?
        .unwrap_or(0))
}

/// The events a write recorded, for publishing after its commit; announced
/// on the bus inside the transaction.
pub fn announced(
    conn: &mut DbConn,
    tender_id: &str,
    recorded: Vec<(i64, Recorded)>,
) -> Result<Vec<AuctionEvent>, AppError> {
    if let Some((last, _)) = recorded.last() {
        crate::cluster::bus::announce(conn, TOPIC, tender_id, *last)?;
    }
    Ok(recorded
        .into_iter()
        .map(|(seq, recorded)| AuctionEvent {
            tender_id: tender_id.to_string(),
            seq,
            recorded,
        })
        .collect())
}
