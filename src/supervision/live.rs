//! Supervisors' live feed: every audit event in their scope as it joins the
//! log, numbered by its leaf index (0, 1, 2, … without gaps, so a client
//! resumes with `after=` the last index it saw), with filters. Events that
//! name a bidder of a tender not yet opened are left out, as from every
//! reading of the record ([`crate::audit::sealing`]); from the opening on,
//! a replay (`after=`) brings them.
//!
//! After each round of the sequencer commits, the hub carries one notice:
//! the log now ends at index n. A socket replays from the database what
//! came after `after`, then on each notice reads the new entries from the
//! database and sends those in its scope; a round of any size is one
//! notice, so a burst of events drops nobody. A client whose queue of
//! notices still fills is dropped (close 1013) without slowing anyone else;
//! it reconnects with its last index.
//!
//! Each event comes with the names the reader may know
//! ([`crate::audit::names`]): `actor_name`, `object_name`, `tender_title`.
//!
//! A client may send `{"type":"resume","after":n}` (the hall's message,
//! [`crate::hall::protocol`]): the feed sends again what is in scope after
//! `n`, then `{"type":"live","last_index":m}`. A browser cannot see the
//! server's pings, so this is how it learns its connection still works; a
//! resume from where the client already is (nothing in scope after `n` was
//! sent on this socket, and `n` is not before where the socket started) is
//! answered with `live` at once, without reading the log again.
//!
//! The credential a feed was opened with is checked again every
//! [`Feed::recheck`]: a token revoked, an account disabled or a session
//! whose certificate stopped passing ends the feed (close 1008), and a
//! changed scope applies from then on.

use super::feed::{CHANNEL, Head};
use crate::app::AppState;
use crate::audit::tlog;
use crate::db::Db;
use crate::error::AppError;
use crate::hall::hub::Subscription;
use crate::hall::protocol::ClientMessage;
use crate::identity::{Principal, Role};
use actix_web::{HttpRequest, HttpResponse, get, web};
use actix_ws::{CloseCode, CloseReason, Message, Session};
use futures_util::StreamExt;
use serde::Deserialize;
use std::time::Duration;

#[derive(Debug, Clone, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct FeedQuery {
    /// Replay every entry after this leaf index first (none: from now on).
    #[param(minimum = 0)]
    pub after: Option<i64>,
    /// Only this tender's events.
    pub tender_id: Option<String>,
    /// Only actions starting with this, e.g. `opening.` or `bid.submitted`.
    pub action: Option<String>,
    /// Only events about tenders of this league (events of no tender are
    /// of no league: left out). Within the reader's scope as every event.
    pub league: Option<String>,
}

impl FeedQuery {
    fn matches(&self, reader: &super::Reader, item: &super::PlacedEntry) -> bool {
        item.seen_by(reader)
            && self
                .tender_id
                .as_ref()
                .is_none_or(|t| item.event.tender_id.as_ref() == Some(t))
            && self
                .action
                .as_ref()
                .is_none_or(|a| item.event.action.starts_with(a.as_str()))
            && self
                .league
                .as_ref()
                .is_none_or(|l| item.place.as_ref().is_some_and(|(league, _)| league == l))
    }
}

/// Supervisors' (and operators') live feed of the audit log over WebSocket:
/// `{"type":"event","index":n,"event":{…}}` for each entry in scope (but
/// those naming a bidder of a tender not yet opened), after a replay
/// `{"type":"live","last_index":n}`; pings every 15 s. The client may send
/// `{"type":"resume","after":n}`: what is in scope after `n` again, then
/// `live`.
#[utoipa::path(
    tag = "supervision",
    params(FeedQuery),
    responses(
        (status = 101, description = "Switching Protocols: the live feed"),
        (status = 400, body = crate::error::Problem),
        (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem),
        (status = 426, description = "Not a WebSocket handshake", body = crate::error::Problem)
    )
)]
#[get("/supervision/live")]
pub async fn live(
    req: HttpRequest,
    body: web::Payload,
    state: web::Data<AppState>,
    principal: Principal,
) -> Result<HttpResponse, AppError> {
    principal.require_any(&[Role::Operator, Role::Supervisor])?;
    let query: FeedQuery = super::query(&req)?;
    if query.after.is_some_and(|a| a < 0) {
        return Err(
            AppError::InvalidQuery("after is a leaf index, 0 or more".into())
                .because("supervision.after-index", serde_json::json!({})),
        );
    }
    super::check_tender_filter(query.tender_id.as_deref())?;
    if query
        .action
        .as_deref()
        .is_some_and(|a| !crate::audit::routes::action_code(a))
    {
        return Err(
            AppError::InvalidQuery("action is a code such as opening.".into())
                .because("supervision.action-code", serde_json::json!({})),
        );
    }
    if let Some(league) = query.league.as_deref() {
        crate::http::league_query(league)?;
    }
    let reader = state
        .db
        .read(move |conn| super::reader(conn, &principal))
        .await?;
    let (response, session, stream) = crate::hall::live::upgrade(&req, body)?;
    let subscription = state.supervision_feed.hub.subscribe(CHANNEL);
    let token = crate::identity::middleware::bearer(&req);
    actix_web::rt::spawn(async move {
        let reason = run(
            session.clone(),
            stream,
            subscription,
            state,
            token,
            reader,
            query,
        )
        .await;
        let _ = session.close(Some(reason)).await;
    });
    Ok(response)
}

async fn send(session: &mut Session, value: &serde_json::Value) -> Result<(), CloseReason> {
    session
        .text(value.to_string())
        .await
        .map_err(|_| CloseReason {
            code: CloseCode::Away,
            description: None,
        })
}

fn close(code: CloseCode, text: String) -> CloseReason {
    CloseReason {
        code,
        description: Some(text),
    }
}

/// Sends entries `[next, upto)` in scope, read from the database, noting
/// the last one sent in `sent`; returns the index after the last passed.
async fn catch_up(
    session: &mut Session,
    db: &Db,
    reader: &super::Reader,
    query: &FeedQuery,
    sent: &mut Option<u64>,
    mut next: u64,
    upto: u64,
) -> Result<u64, CloseReason> {
    while next < upto {
        let end = (next + 500).min(upto);
        let start = next;
        let (for_query, for_reader) = (query.clone(), reader.clone());
        // One visit to the database per batch: the entries, those in scope,
        // and their names as this reader may know them.
        let passed = db
            .read(move |conn| {
                let items: Vec<super::PlacedEntry> = super::placed_entries(conn, start, end)?
                    .into_iter()
                    .filter(|item| for_query.matches(&for_reader, item))
                    .collect();
                let events = items.iter().map(|item| item.event.clone()).collect();
                let named = crate::audit::names::named(conn, &for_reader, events)?;
                Ok::<_, AppError>(
                    items
                        .into_iter()
                        .map(|i| i.index)
                        .zip(named)
                        .collect::<Vec<_>>(),
                )
            })
            .await
            .map_err(|_| {
                close(
                    CloseCode::Error,
                    format!(
                        "the database could not be read; reconnect with after={}",
                        next.saturating_sub(1)
                    ),
                )
            })?;
        for (index, event) in passed {
            send(
                session,
                &serde_json::json!({"type": "event", "index": index, "event": event}),
            )
            .await?;
            *sent = Some(sent.map_or(index, |s| s.max(index)));
        }
        next = end;
    }
    Ok(next)
}

/// The reader the feed's credential stands for now (see [`Feed::recheck`]).
async fn recheck(state: &AppState, token: &str) -> Result<super::Reader, AppError> {
    let principal = crate::identity::middleware::recheck(state, token).await?;
    state
        .db
        .read(move |conn| super::reader(conn, &principal))
        .await
}

/// `live`: everything in scope before `next` has been sent.
fn live_message(next: u64) -> serde_json::Value {
    serde_json::json!({"type": "live", "last_index": next.checked_sub(1)})
}

async fn run(
    mut session: Session,
    mut stream: actix_ws::MessageStream,
    mut subscription: Subscription<Head>,
    state: web::Data<AppState>,
    token: Option<String>,
    mut reader: super::Reader,
    query: FeedQuery,
) -> CloseReason {
    let db = state.db.clone();
    // The next index to send.
    let size = match db.read(tlog::latest_checkpoint).await {
        Ok(latest) => latest.map_or(0, |c| c.tree_size),
        Err(_) => return close(CloseCode::Error, "the database could not be read".into()),
    };
    // The last index sent, and the first this socket read from: between
    // the two, nothing else was in scope when read.
    let mut sent: Option<u64> = None;
    let mut floor = query
        .after
        .map_or(size, |a| a.unsigned_abs().saturating_add(1));
    let mut next = match catch_up(&mut session, &db, &reader, &query, &mut sent, floor, size).await
    {
        Ok(n) => n.max(floor),
        Err(reason) => return reason,
    };
    if send(&mut session, &live_message(next)).await.is_err() {
        return close(CloseCode::Away, String::new());
    }
    let mut heartbeat = tokio::time::interval(Duration::from_secs(15));
    heartbeat.tick().await;
    let mut heard = tokio::time::Instant::now();
    let period = state.supervision_feed.recheck;
    let mut credential = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
    loop {
        tokio::select! {
            head = subscription.recv() => {
                let Some(head) = head else {
                    if subscription.was_dropped() {
                        return close(CloseCode::Again, format!("too slow; reconnect with after={}", next as i64 - 1));
                    }
                    return close(CloseCode::Restart, format!("server going away; reconnect with after={}", next as i64 - 1));
                };
                if head.size > next {
                    match catch_up(&mut session, &db, &reader, &query, &mut sent, next, head.size).await {
                        Ok(n) => next = n,
                        Err(reason) => return reason,
                    }
                }
            }
            message = stream.next() => {
                heard = tokio::time::Instant::now();
                match message {
                    None | Some(Err(_)) => return close(CloseCode::Normal, String::new()),
                    Some(Ok(Message::Close(reason))) => return reason.unwrap_or(close(CloseCode::Normal, String::new())),
                    Some(Ok(Message::Ping(bytes))) => {
                        if session.pong(&bytes).await.is_err() {
                            return close(CloseCode::Away, String::new());
                        }
                    }
                    Some(Ok(Message::Text(text))) => {
                        match crate::hall::protocol::parse_client(&text) {
                            Ok(ClientMessage::Resume { after }) => {
                                let after = after.unsigned_abs();
                                // Already where it asks to be: say so at once.
                                let current = sent.is_none_or(|s| after >= s) && after.saturating_add(1) >= floor;
                                if !current {
                                    let from = after.saturating_add(1);
                                    floor = floor.min(from);
                                    if let Err(reason) = catch_up(&mut session, &db, &reader, &query, &mut sent, from, next).await {
                                        return reason;
                                    }
                                }
                                if send(&mut session, &live_message(next)).await.is_err() {
                                    return close(CloseCode::Away, String::new());
                                }
                            }
                            Err(message) => {
                                if send(&mut session, &serde_json::json!({"type": "error", "message": message, "reason": "live.not-understood", "params": {}})).await.is_err() {
                                    return close(CloseCode::Away, String::new());
                                }
                            }
                        }
                    }
                    Some(Ok(Message::Binary(_))) => {
                        if send(&mut session, &serde_json::json!({"type": "error", "message": "binary messages are not understood; send JSON text", "reason": "live.binary", "params": {}})).await.is_err() {
                            return close(CloseCode::Away, String::new());
                        }
                    }
                    Some(Ok(_)) => {}
                }
            }
            _ = credential.tick(), if token.is_some() => {
                match recheck(&state, token.as_deref().unwrap_or_default()).await {
                    Ok(now) => reader = now,
                    Err(e) if matches!(e.base(), AppError::Unauthenticated(_) | AppError::Forbidden(_)) => {
                        // The whole reason as a message: a close frame holds 123 bytes.
                        let (reason, params) = e.reason().map_or(("auth.token-unknown", serde_json::json!({})), |(r, p)| (r, p.clone()));
                        let _ = send(&mut session, &serde_json::json!({"type": "error", "message": e.to_string(), "reason": reason, "params": params})).await;
                        return close(CloseCode::Policy, format!("signed out; sign in again and reconnect with after={}", next as i64 - 1));
                    }
                    // A passing fault (the database busy): the next check decides.
                    Err(e) => tracing::warn!(error = %e, "re-checking a supervision feed's credential"),
                }
            }
            _ = heartbeat.tick() => {
                if heard.elapsed() > Duration::from_secs(45) {
                    return close(CloseCode::Policy, format!("no answer to pings; reconnect with after={}", next as i64 - 1));
                }
                if session.ping(b"").await.is_err() {
                    return close(CloseCode::Away, String::new());
                }
            }
        }
    }
}
