//! A room's socket: the hall's live machinery (replay, live events, resume,
//! heartbeats, slow clients dropped) with actions. Members' actions are
//! decided and stored, then broadcast; the sender gets an `ack` with the
//! number of the first event its action added, or an `error` with a stable
//! code. Watchers (supervisors) may only listen.

use super::room::{Action, Actor};
use super::store::{self, Acted, RoomEvent};
use crate::app::AppState;
use crate::audit::AuditContext;
use crate::error::AppError;
use crate::hall::live::Channel;
use actix_web::web;
use serde_json::{Value, json};

/// One client of a room.
pub struct RoomChannel {
    pub state: web::Data<AppState>,
    pub tender_id: String,
    pub actor: Actor,
    /// Who acts, for the record (its request's principal, address, id).
    pub ctx: AuditContext,
    /// The member's session certificate (DER), which signs the report.
    pub certificate: Option<Vec<u8>>,
    /// The bearer token the socket was opened with, re-checked at every
    /// heartbeat and before every action (a disabled account or revoked
    /// session stops acting at once).
    pub token: Option<String>,
}

fn error(id: Option<&str>, code: &str, message: &str) -> String {
    json!({"type": "error", "id": id, "code": code, "message": message}).to_string()
}

impl Channel for RoomChannel {
    type Event = RoomEvent;

    async fn load(&self, after: i64, limit: i64) -> Result<Vec<RoomEvent>, AppError> {
        let tender_id = self.tender_id.clone();
        self.state
            .db
            .read(move |conn| store::events_since(conn, &tender_id, after, limit))
            .await
    }

    fn render(event: &RoomEvent) -> String {
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
        let value: Value = match serde_json::from_str(text) {
            Ok(v) => v,
            Err(_) => return vec![error(None, "malformed", "not JSON")],
        };
        let id = value.get("id").and_then(Value::as_str).map(str::to_string);
        let id = id.as_deref();
        let action: Action = match serde_json::from_value(value) {
            Ok(a) => a,
            Err(e) => {
                // serde's message names the field or variant, never the
                // client's values.
                let why = e.to_string();
                let why: String = why.chars().take(200).collect();
                return vec![error(
                    id,
                    "malformed",
                    &format!("not an action of the room protocol: {why}"),
                )];
            }
        };
        if self.actor == Actor::Watcher {
            return vec![error(
                id,
                "role",
                "you watch this room: supervisors and staff see every event and change nothing",
            )];
        }
        let mut ctx = self.ctx.clone();
        ctx.now = self.state.clock.now();
        let states = self.state.rooms.states.clone();
        let tender_id = self.tender_id.clone();
        let actor = self.actor.clone();
        let certificate = self.certificate.clone();
        let outcome =
            crate::hall::write_then_publish(&self.state.db, &self.state.rooms.hub, move |conn| {
                let acted = store::act(
                    conn,
                    &ctx,
                    &states,
                    &tender_id,
                    &actor,
                    &action,
                    certificate.as_deref(),
                )?;
                let events = match &acted {
                    Acted::Applied { events, .. } => events.clone(),
                    _ => Vec::new(),
                };
                Ok((acted, events))
            })
            .await;
        match outcome {
            Ok(Acted::Applied { events, state }) => {
                let last = events.last().map_or(0, |e| e.seq);
                self.state.rooms.states.put(&self.tender_id, last, *state);
                let first = events.first().map_or(0, |e| e.seq);
                vec![json!({"type": "ack", "id": id, "seq": first, "duplicate": false}).to_string()]
            }
            Ok(Acted::Duplicate { seq }) => {
                vec![json!({"type": "ack", "id": id, "seq": seq, "duplicate": true}).to_string()]
            }
            Ok(Acted::Refused(refusal)) => vec![error(id, refusal.code, &refusal.message)],
            Err(e) => {
                tracing::warn!(error = %e, "a room action failed");
                vec![error(
                    id,
                    "server",
                    "the action could not be stored; send it again with the same id",
                )]
            }
        }
    }
}
