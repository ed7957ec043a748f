//! A trade's live channel: the hall's machinery (replay from the record,
//! then each event as it commits, gap-free, resumable, slow clients
//! dropped) over the trade's events, and quotes sent on the socket.
//!
//! Everyone who sees the tender may watch; what they see is the board's:
//! numbers and amounts, never names. A bidder whose socket was opened in a
//! certificate session may send `{"type":"quote","id":…,"amount_fen":…}`
//! and gets `{"type":"ack",…,"receipt":{…}}` or `{"type":"error",…}` with
//! the same reasons as over HTTP. `{"type":"clock"}` is answered with the
//! server's time (`{"type":"clock","now":…}`), from which a page shows the
//! countdown by the server's clock, not the browser's.
//!
//! Every event is stored before it is broadcast: the writes publish what
//! they recorded once their transaction commits, and announce it on the
//! cluster's bus for the other nodes' watchers ([`super::feed`]).

use super::feed::{AuctionEvent, announced, events_since};
use super::store;
use crate::app::AppState;
use crate::audit::AuditContext;
use crate::error::AppError;
use crate::hall::live::Channel;
use actix_web::web;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{Value, json};

/// A quote sent on the socket.
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
enum ClientMessage {
    Quote {
        id: String,
        amount_fen: i64,
        #[serde(default)]
        number: Option<String>,
    },
    Clock,
}

/// One client of a trade's channel.
pub struct AuctionChannel {
    pub state: web::Data<AppState>,
    pub tender_id: String,
    /// The bidder (user, enterprise) in a certificate session, if any.
    pub bidder: Option<(String, String)>,
    pub ctx: AuditContext,
    /// The bearer token the socket was opened with, re-checked at every
    /// heartbeat and before each quote.
    pub token: Option<String>,
}

fn error(id: Option<&str>, e: &AppError) -> String {
    let (reason, params) = e
        .reason()
        .map_or(("auction.not-stored", json!({})), |(r, p)| (r, p.clone()));
    json!({"type": "error", "id": id, "code": e.code(), "message": e.to_string(),
           "reason": reason, "params": params})
    .to_string()
}

fn clock(now: DateTime<Utc>) -> String {
    json!({"type": "clock", "now": now}).to_string()
}

impl Channel for AuctionChannel {
    type Event = AuctionEvent;

    async fn load(&self, after: i64, limit: i64) -> Result<Vec<AuctionEvent>, AppError> {
        let tender_id = self.tender_id.clone();
        self.state
            .db
            .read(move |conn| events_since(conn, &tender_id, after, limit))
            .await
    }

    fn render(event: &AuctionEvent) -> String {
        event.to_text()
    }

    async fn still_allowed(&self) -> bool {
        match &self.token {
            Some(token) => crate::identity::middleware::recheck(&self.state, token)
                .await
                .is_ok(),
            None => true,
        }
    }

    async fn on_message(&mut self, text: &str) -> Vec<String> {
        let id = serde_json::from_str::<Value>(text)
            .ok()
            .and_then(|v| v.get("id").and_then(Value::as_str).map(str::to_string));
        let id = id.as_deref();
        let message: ClientMessage = match serde_json::from_str(text) {
            Ok(m) => m,
            Err(_) => {
                let e = AppError::MalformedJson(
                    "not a message of the trade's protocol: {\"type\":\"quote\",\"id\":…,\"amount_fen\":…} or {\"type\":\"clock\"}".into(),
                )
                .because("live.not-understood", json!({}));
                return vec![error(id, &e)];
            }
        };
        let (id, amount_fen, number) = match message {
            ClientMessage::Clock => return vec![clock(self.state.clock.now())],
            ClientMessage::Quote {
                id,
                amount_fen,
                number,
            } => (id, amount_fen, number),
        };
        let Some((user, org)) = self.bidder.clone() else {
            let e = AppError::Unauthenticated(
                "you watch this trade: a bidder quotes on a socket opened in its certificate session".into(),
            )
            .because("auction.certificate-session", json!({}));
            return vec![error(Some(&id), &e)];
        };
        if !self.still_allowed().await {
            return vec![error(Some(&id), &crate::identity::sign_in_first())];
        }
        let input = store::QuoteInput {
            id: id.clone(),
            amount_fen,
            number,
        };
        match quote(
            &self.state,
            self.ctx.clone(),
            &self.tender_id,
            user,
            org,
            input,
        )
        .await
        {
            Ok(receipt) => vec![
                json!({"type": "ack", "id": id, "seq": receipt.seq, "duplicate": receipt.duplicate,
                       "receipt": receipt})
                .to_string(),
            ],
            Err(e) => vec![error(Some(&id), &e)],
        }
    }
}

/// A quote, over HTTP or the socket: recorded in one transaction, what it
/// recorded (the time's events and its own) published once committed,
/// whether the quote was accepted or refused.
pub async fn quote(
    state: &AppState,
    ctx: AuditContext,
    tender_id: &str,
    user: String,
    org: String,
    input: store::QuoteInput,
) -> Result<store::QuoteReceipt, AppError> {
    let clock = state.clock.clone();
    let tsa = state.tsa.clone();
    let tender_id = tender_id.to_string();
    crate::hall::write_then_publish(&state.db, &state.auctions.hub, move |conn| {
        let trade = store::require(conn, &tender_id)?;
        let ctx = ctx.acting_as(crate::identity::Role::Bidder);
        let quoted = store::quote(
            conn,
            &ctx,
            &tsa,
            clock.as_ref(),
            &trade,
            &org,
            &user,
            &input,
        )?;
        let events = announced(conn, &tender_id, quoted.recorded)?;
        Ok((quoted.receipt, events))
    })
    .await?
}
