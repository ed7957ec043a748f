//! Trades found by price, live: land and mining-rights listings (挂牌) and
//! auctions (拍卖), and state-owned property's online bidding (网络竞价).
//! Their winner is the highest valid quote, not a committee's score:
//!
//! - **Listing** (招标拍卖挂牌出让国有建设用地使用权规定, 国土资源部令第39号,
//!   第17–19条): quotes over a listing period of at least ten days; at its
//!   end the leader is announced and bidders say whether they continue;
//!   with enough taking part a timed phase follows, whose countdown starts
//!   again with each valid quote; otherwise the highest quote at or above
//!   the reserve wins (第19条).
//! - **Auction** and **online bidding** (39号令 第15–16条; 企业国有资产交易
//!   监督管理办法 第22条): free bidding, then the countdown; the highest
//!   quote at or above the reserve wins; below it there is no sale. A
//!   single qualified property buyer comes to an agreement instead, at no
//!   less than the listing price and the reserve.
//!
//! [`rules`] holds what differs between kinds, as data with the articles;
//! [`engine`] is the trade itself, a pure function of its recorded events
//! and the time, which the store records under the tender's lock and which
//! [`engine::replay`] reproduces from the record.

pub mod banks;
pub mod cli;
pub mod engine;
pub mod feed;
pub mod list;
pub mod live;
pub mod reserve;
pub mod routes;
pub mod rules;
pub mod store;

/// How often the ticker records what the time has made of the trades. A
/// quote never waits for it: each write catches its trade up first, so the
/// ticker only makes the record (and the board's watchers) hear of a
/// transition nobody acted on.
pub const TICK_EVERY: std::time::Duration = std::time::Duration::from_millis(500);

/// One round of the ticker: each undecided trade whose quoting has opened
/// is caught up to now, in its own transaction under its tender's lock
/// (idempotent: the events are those due, at the instants they were due),
/// and what it recorded goes to the trade's watchers once committed.
pub async fn tick_round(state: &crate::app::AppState) {
    let now = state.clock.now();
    let trades = match state.db.read(store::undecided).await {
        Ok(trades) => trades,
        Err(e) => {
            tracing::warn!(error = %e, "listing the trades to tick");
            return;
        }
    };
    for trade in trades {
        if trade.terms().is_ok_and(|t| t.starts_at > now) {
            continue;
        }
        let id = trade.tender_id.clone();
        let caught_up =
            crate::hall::write_then_publish(&state.db, &state.auctions.hub, move |conn| {
                crate::db::lock_in_transaction(conn, &format!("tender:{}", trade.tender_id))?;
                let mut recorded = store::catch_up(conn, &trade, now)?;
                // A reserve that was never sealed cannot be revealed: the
                // trade is void at its close, with no custodian to wait for.
                recorded.extend(reserve::void_if_unsealed(conn, &trade, now)?);
                let events = feed::announced(conn, &trade.tender_id, recorded)?;
                Ok((events.len(), events))
            })
            .await;
        match caught_up {
            Ok(0) => {}
            Ok(n) => tracing::info!(tender = %id, events = n, "trade caught up with the time"),
            Err(e) => tracing::warn!(tender = %id, error = %e, "ticking a trade"),
        }
    }
}
