//! A room's socket: the hall's live machinery (replay, live events, resume,
//! heartbeats, slow clients dropped) with actions. Members' actions are
//! decided and stored, then broadcast; the sender gets an `ack` with the
//! number of the first event its action added, or an `error` with a stable
//! code. Watchers (supervisors) may only listen.

use super::room::{Action, Actor, Refusal, refuse};
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

/// A refusal on the socket: its stable code, the member's sentence in
/// English, and the reason (a key of [`crate::reasons::REASONS`]) with the
/// values its sentence names, which the pages say in the member's language
/// as they do a problem's `reason` and `params`.
fn error(id: Option<&str>, refusal: &Refusal) -> String {
    json!({"type": "error", "id": id, "code": refusal.code, "message": refusal.message,
           "reason": refusal.reason, "params": refusal.params})
    .to_string()
}

/// A refusal of the socket's own (not the room's), as made by
/// `refuse(…).because(…)`.
fn refused(id: Option<&str>, refusal: Result<(), Refusal>) -> String {
    match refusal {
        Err(refusal) => error(id, &refusal),
        Ok(()) => error(
            id,
            &Refusal {
                code: "server",
                message: String::new(),
                reason: "room.not-stored",
                params: json!({}),
            },
        ),
    }
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
            Err(_) => {
                return vec![refused(
                    None,
                    refuse("malformed", "not JSON").because("room.not-json", json!({})),
                )];
            }
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
                return vec![refused(
                    id,
                    refuse(
                        "malformed",
                        format!("not an action of the room protocol: {why}"),
                    )
                    .because("room.not-an-action", json!({})),
                )];
            }
        };
        if self.actor == Actor::Watcher {
            return vec![refused(
                id,
                refuse(
                    "role",
                    "you watch this room: supervisors and staff see every event and change nothing",
                )
                .because("room.watchers-only-watch", json!({})),
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
            Ok(Acted::Refused(refusal)) => vec![error(id, &refusal)],
            Err(e) => {
                tracing::warn!(error = %e, "a room action failed");
                vec![refused(
                    id,
                    refuse(
                        "server",
                        "the action could not be stored; send it again with the same id",
                    )
                    .because("room.not-stored", json!({})),
                )]
            }
        }
    }
}
