//! Hall endpoints: the live WebSocket and the same events as paged JSON.
//! Anyone may follow a published tender; a draft only those who manage it.

use super::live::Live;
use super::store::{self, HallEvent, MAX_BATCH};
use crate::app::AppState;
use crate::error::AppError;
use crate::identity::Principal;
use crate::tenders::routes::parse_id;
use crate::types::TenderId;
use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tracing::Instrument;

/// 404 unless the principal may see the tender (drafts are private).
/// Whether the tender is still visible to whoever the socket's token
/// stands for now (the public, once it is revoked or its account disabled):
/// a draft's socket closes for a manager disabled since; a published
/// tender's stays open, as it would for anyone.
fn still_visible(state: web::Data<AppState>, id: TenderId, token: String) -> super::live::Recheck {
    std::rc::Rc::new(move || {
        let (state, id, token) = (state.clone(), id.clone(), token.clone());
        Box::pin(async move {
            let principal = crate::identity::middleware::recheck(&state, &token)
                .await
                .unwrap_or_else(|_| Principal::public());
            check_visible(&state, &id, principal).await.is_ok()
        })
    })
}

async fn check_visible(
    state: &AppState,
    id: &TenderId,
    principal: Principal,
) -> Result<(), AppError> {
    let id = id.clone();
    state
        .db
        .read(move |conn| {
            crate::tenders::store::load_visible(conn, &id, &principal)?;
            Ok(())
        })
        .await
}

/// A live socket's or a page's `after`: 0 by default, never negative.
pub fn check_after(after: Option<i64>) -> Result<i64, AppError> {
    match after {
        None => Ok(0),
        Some(n) if n >= 0 => Ok(n),
        Some(_) => Err(
            AppError::InvalidQuery("after is a sequence number, 0 or more".into())
                .because("query.not-negative", serde_json::json!({ "name": "after" })),
        ),
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct LiveQuery {
    /// Send only events numbered after this one (0, the default: all).
    #[param(minimum = 0)]
    pub after: Option<i64>,
}

/// Follows a tender's opening hall live over a WebSocket.
///
/// After the upgrade the server sends, as JSON text frames, every event
/// numbered after `after` (`{"type":"event","seq":n,"kind":"…","at":"RFC 3339","payload":{…}}`),
/// then `{"type":"live","last_seq":n}`, then each new event as it commits:
/// in order, without gaps or repeats. The client may send
/// `{"type":"resume","after":n}` to be sent everything after `n` again;
/// anything else is answered with `{"type":"error","message":"…"}`. The
/// server pings every 15 s and closes a client silent for 45 s (1008), one
/// too slow to keep up (1013) and one sending messages over 64 KiB (1009);
/// the close reason names the `after` to reconnect with.
#[utoipa::path(
    tag = "hall",
    params(("id" = String, Path), LiveQuery),
    responses(
        (status = 101, description = "Switching Protocols: the WebSocket of the hall's events"),
        (status = 400, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem),
        (status = 426, description = "Not a WebSocket handshake", body = crate::error::Problem)
    )
)]
#[get("/tenders/{id}/hall/live")]
pub async fn live(
    req: HttpRequest,
    body: web::Payload,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<String>,
    query: web::Query<LiveQuery>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    let after = check_after(query.after)?;
    check_visible(&state, &id, principal).await?;
    let (response, session, stream) = super::live::upgrade(&req, body)?;
    // Subscribe before answering: from the moment the client is connected,
    // every commit reaches it live, and what committed before, the replay.
    let subscription = state.hall.hub.subscribe(id.as_str());
    let span = tracing::info_span!("hall_live", tender_id = %id, after);
    let live = Live {
        session,
        stream,
        subscription,
        channel: super::live::HallChannel {
            db: state.db.clone(),
            tender_id: id.clone(),
            // A socket opened without a token watches a published tender,
            // which stays visible to everyone: nothing to re-check.
            still_allowed: crate::identity::middleware::bearer(&req)
                .map(|token| still_visible(state.clone(), id, token)),
        },
        after,
        settings: state.hall.settings,
    };
    actix_web::rt::spawn(live.run().instrument(span));
    Ok(response)
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct EventsQuery {
    /// Only events numbered after this one (0, the default: from the first).
    #[param(minimum = 0)]
    pub after: Option<i64>,
    /// At most this many events, 1 to 500 (default 100).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
}

/// One event of the hall.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct HallEventView {
    pub seq: i64,
    pub kind: String,
    pub at: DateTime<Utc>,
    #[schema(value_type = Object)]
    pub payload: Box<serde_json::value::RawValue>,
}

impl From<HallEvent> for HallEventView {
    fn from(e: HallEvent) -> Self {
        HallEventView {
            seq: e.seq,
            kind: e.kind,
            at: e.at,
            payload: e.payload,
        }
    }
}

/// A run of hall events; ask again with `after=next_after` for more.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct HallEventPage {
    pub items: Vec<HallEventView>,
    /// The `after` of the next request: the last number here, or the
    /// requested `after` if there was nothing new.
    pub next_after: i64,
    /// Whether more events follow already.
    pub has_more: bool,
    /// The number of the hall's last event so far (0: none yet).
    pub last_seq: i64,
}

/// A tender's hall events after `after`, oldest first: the live stream for
/// clients without WebSocket.
#[utoipa::path(
    tag = "hall",
    params(("id" = String, Path), EventsQuery),
    responses(
        (status = 200, body = HallEventPage),
        (status = 400, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem)
    )
)]
#[get("/tenders/{id}/hall/events")]
pub async fn list_events(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<String>,
    query: web::Query<EventsQuery>,
) -> Result<web::Json<HallEventPage>, AppError> {
    let id = parse_id(&id)?;
    let after = check_after(query.after)?;
    let limit = query.limit.unwrap_or(100);
    if !(1..=MAX_BATCH).contains(&limit) {
        return Err(
            AppError::InvalidQuery(format!("limit must be between 1 and {MAX_BATCH}")).because(
                "query.range",
                serde_json::json!({ "name": "limit", "min": 1, "max": MAX_BATCH }),
            ),
        );
    }
    let (events, last_seq) = state
        .db
        .read(move |conn| {
            crate::tenders::store::load_visible(conn, &id, &principal)?;
            let events = store::events_since(conn, &id, after, limit)?;
            Ok((events, store::last_seq(conn, &id)?))
        })
        .await?;
    let next_after = events.last().map_or(after, |e| e.seq);
    Ok(web::Json(HallEventPage {
        items: events.into_iter().map(HallEventView::from).collect(),
        next_after,
        has_more: last_seq > next_after,
        last_seq,
    }))
}
