//! HTTP for evaluation rooms: opening a room, joining it over a WebSocket
//! (members act, supervisors watch), its events as pages, the bids'
//! documents, bidders' answers to clarifications, venue sign-in sheets and
//! the report (JSON and printable HTML).

use super::live::RoomChannel;
use super::room::{Actor, RoomMember, State};
use super::store::{self, RoomEvent, RoomSettings};
use crate::app::AppState;
use crate::audit::AuditContext;
use crate::db::DbConn;
use crate::error::AppError;
use crate::identity::{Principal, Role};
use crate::tenders::routes::parse_id;
use crate::tenders::store::{self as tenders, TenderRow};
use crate::types::TenderId;
use actix_web::{HttpMessage, HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use serde_json::json;
use tracing::Instrument;

/// Who `principal` is in the room: a sitting member (an expert, or the
/// tenderer's representative as `rep-<account id>`), or a watcher
/// (operators, supervisors in scope); anyone else is refused.
fn role_in_room(
    conn: &mut DbConn,
    principal: &Principal,
    tender: &TenderRow,
    state: &State,
) -> Result<(Actor, Option<RoomMember>), AppError> {
    let mine = if principal.has(Role::Expert)
        && let Ok(expert) = crate::experts::pool::of_user(conn, principal)
    {
        Some(expert.id)
    } else {
        crate::experts::committee::representative_of(conn, principal, &tender.id)?
    };
    if let Some(mine) = mine
        && let Some(member) = state.roster.iter().find(|m| m.expert == mine)
    {
        if state.members.get(&member.expert).is_some_and(|m| m.recused) {
            return Err(AppError::Forbidden(
                "you have recused yourself from this evaluation".into(),
            )
            .because("room.recused", json!({})));
        }
        return Ok((Actor::Member(member.expert.clone()), Some(member.clone())));
    }
    if crate::experts::committee::reads_in_full(conn, principal, tender)? {
        return Ok((Actor::Watcher, None));
    }
    if !principal.is_authenticated() {
        return Err(crate::identity::sign_in_first());
    }
    Err(AppError::Forbidden(
        "only the committee's members and the supervisors whose scope holds the tender join its room".into(),
    )
    .because("room.members-and-supervisors", json!({})))
}

/// The role a member acts in, for the record: the tenderer's
/// representative as the tenderer, the others as experts.
fn member_role(member: &str) -> Role {
    if crate::experts::committee::representative_user(member).is_some() {
        Role::Tenderer
    } else {
        Role::Expert
    }
}

/// Opens the room of a tender whose evaluation has started: the valid bids
/// are labelled A, B, C… and the seated members are its members. By the
/// tender's organiser, once.
#[utoipa::path(
    tag = "evaluation",
    params(("id" = String, Path)),
    request_body = RoomSettings,
    responses(
        (status = 201, description = "The room's first event (room.opened)", body = Object),
        (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)
    )
)]
#[post("/tenders/{id}/evaluation/room")]
pub async fn open_room(
    state: web::Data<AppState>,
    ctx: AuditContext,
    id: web::Path<String>,
    body: web::Json<RoomSettings>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    let settings = body.into_inner();
    let event = crate::hall::write_then_publish(&state.db, &state.rooms.hub, move |conn| {
        tenders::lock(conn, &id)?;
        let (row, role) = tenders::load_managed(conn, &id, &ctx.principal)?;
        let event = store::open(conn, &ctx.acting_as(role), &row, &settings)?;
        Ok((event.clone(), vec![event]))
    })
    .await?;
    Ok(HttpResponse::Created()
        .content_type("application/json")
        .body(event.to_text()))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct RoomQuery {
    /// Send only events numbered after this one (0, the default: all).
    #[param(minimum = 0)]
    pub after: Option<i64>,
}

fn check_after(after: Option<i64>) -> Result<i64, AppError> {
    match after {
        None => Ok(0),
        Some(n) if n >= 0 => Ok(n),
        Some(_) => Err(
            AppError::InvalidQuery("after is a sequence number, 0 or more".into())
                .because("room.after-seq", json!({})),
        ),
    }
}

/// Joins a tender's evaluation room over a WebSocket.
///
/// Members join with their certificate session; supervisors whose scope
/// holds the tender (and operators) join to watch. The server sends every
/// event after `after` (`{"type":"event","seq":n,"kind":"…","at":"…","actor":…,"payload":{…}}`),
/// then `{"type":"live","last_seq":n}`, then each event as it is stored.
/// Members send actions, each with an `id` of their choosing:
/// `{"type":"declare","id":…}`, `recuse` (`reason`), `vote` (`candidate`),
/// `review` (`lot`, `bid`, `item`, `pass`, and to fail `ground` and
/// `reason`), `score` (`lot`, `bid`, `criterion`, `points`, `reason`),
/// `resolve` (the chair: `lot`, `bid`, `criterion`, `points`, `reason`),
/// `clarify` (`lot`, `bid`, `question`, `topic`: question or low_price),
/// `correct` (the chair: `lot`, `bid`, `price_fen`, `reason`),
/// `close_round` (the chair), `sign` (`signature`, `dissent`),
/// `refuse_to_sign` (`reason`). `lot` is 0 (the default) where the tender
/// is evaluated as one.
/// Each is answered with `{"type":"ack","id":…,"seq":n,"duplicate":false}`
/// or `{"type":"error","id":…,"code":"…","message":"…","reason":"room.…","params":{…}}`
/// (`reason` and `params` as a problem's: a stable key the portal says in
/// the member's language with the values it names, e.g.
/// `"reason":"room.round-closed","params":{"round":"technical"}`); an id
/// sent again is acknowledged as a duplicate and applied once. Anyone may send `{"type":"resume","after":n}`.
#[utoipa::path(
    tag = "evaluation",
    params(("id" = String, Path), RoomQuery),
    responses(
        (status = 101, description = "Switching Protocols: the room"),
        (status = 400, body = crate::error::Problem),
        (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem),
        (status = 426, description = "Not a WebSocket handshake", body = crate::error::Problem)
    )
)]
#[get("/tenders/{id}/evaluation/room/live")]
pub async fn live(
    req: HttpRequest,
    body: web::Payload,
    state: web::Data<AppState>,
    ctx: AuditContext,
    id: web::Path<String>,
    query: web::Query<RoomQuery>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    let after = check_after(query.after)?;
    let binding = req
        .extensions()
        .get::<crate::identity::sessions::Binding>()
        .cloned();
    let principal = ctx.principal.clone();
    let states = state.rooms.states.clone();
    let tid = id.clone();
    let (actor, member) = state
        .db
        .read(move |conn| {
            let (row, room) = room_of(conn, &states, &tid, &principal)?;
            role_in_room(conn, &principal, &row, &room)
        })
        .await?;
    if member.is_some() && binding.is_none() {
        return Err(AppError::Unauthenticated(
            "members join the room with their certificate session (sign in with your certificate)"
                .into(),
        )
        .because("room.certificate-session", json!({})));
    }
    let (response, session, stream) = crate::hall::live::upgrade(&req, body)?;
    let subscription = state.rooms.hub.subscribe(id.as_str());
    if let Some(member) = member.clone() {
        let ctx = ctx.clone().acting_as(member_role(&member.expert));
        let tid = id.as_str().to_string();
        crate::hall::write_then_publish(&state.db, &state.rooms.hub, move |conn| {
            let event = store::sign_in(conn, &ctx, &tid, &member)?;
            Ok(((), event.into_iter().collect::<Vec<RoomEvent>>()))
        })
        .await?;
    }
    let ctx = match &actor {
        Actor::Member(member) => ctx.acting_as(member_role(member)),
        Actor::Watcher => ctx,
    };
    let span = tracing::info_span!("room_live", tender_id = %id, after);
    let live = crate::hall::live::Live {
        session,
        stream,
        subscription,
        channel: RoomChannel {
            state: state.clone(),
            tender_id: id.as_str().to_string(),
            actor,
            ctx,
            certificate: binding.map(|b| b.certificate),
            token: crate::identity::middleware::bearer(&req),
        },
        after,
        settings: state.rooms.settings,
    };
    actix_web::rt::spawn(live.run().instrument(span));
    Ok(response)
}

/// The tender (as `principal` may see it) and its room's state.
fn room_of(
    conn: &mut DbConn,
    states: &store::States,
    id: &TenderId,
    principal: &Principal,
) -> Result<(TenderRow, State), AppError> {
    let row = tenders::load_visible(conn, id, principal)?;
    let (_, room) = store::state(conn, states, &row.id)?;
    Ok((row, room))
}

/// Members, supervisors in scope and operators read the room.
async fn readable_room(
    state: &web::Data<AppState>,
    principal: Principal,
    id: TenderId,
) -> Result<(TenderRow, State, Actor), AppError> {
    let states = state.rooms.states.clone();
    state
        .db
        .read(move |conn| {
            let (row, room) = room_of(conn, &states, &id, &principal)?;
            let (actor, _) = role_in_room(conn, &principal, &row, &room)?;
            Ok((row, room, actor))
        })
        .await
}

/// The room now: phase, round, chair, members and where each stands.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RoomView {
    pub phase: super::room::Phase,
    pub round: Option<super::room::Round>,
    pub chair: Option<String>,
    pub members: Vec<RoomMemberView>,
    /// Bids: labels, and (for watchers, or once unblinded) whose and at
    /// what price.
    #[schema(value_type = Vec<Object>)]
    pub bids: Vec<Value>,
    pub blind: bool,
    pub unblinded: bool,
    pub report_sha256: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RoomMemberView {
    pub expert: String,
    pub name: String,
    pub league: String,
    pub venue: String,
    pub declared: bool,
    pub recused: bool,
    pub signed: bool,
    pub dissent: Option<String>,
}

/// The room's state (members, supervisors in scope, operators).
#[utoipa::path(
    tag = "evaluation",
    params(("id" = String, Path)),
    responses((status = 200, body = RoomView), (status = 401, body = crate::error::Problem),
              (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem))
)]
#[get("/tenders/{id}/evaluation/room")]
pub async fn get_room(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<String>,
) -> Result<web::Json<RoomView>, AppError> {
    let id = parse_id(&id)?;
    let (_, room, actor) = readable_room(&state, principal, id).await?;
    let open = actor == Actor::Watcher || !room.setup.blind || room.unblinded;
    Ok(web::Json(RoomView {
        phase: room.phase,
        round: room.current_round(),
        chair: room.chair.clone(),
        members: room
            .roster
            .iter()
            .map(|m| {
                let s = &room.members[&m.expert];
                RoomMemberView {
                    expert: m.expert.clone(),
                    name: m.name.clone(),
                    league: m.league.clone(),
                    venue: m.venue.clone(),
                    declared: s.declared,
                    recused: s.recused,
                    signed: s.signed,
                    dissent: s.dissent.clone(),
                }
            })
            .collect(),
        bids: room
            .setup
            .bids
            .iter()
            .map(|b| {
                if open {
                    serde_json::json!({"label": b.label, "bidder": b.bidder, "price_fen": b.price_fen})
                } else {
                    serde_json::json!({"label": b.label})
                }
            })
            .collect(),
        blind: room.setup.blind,
        unblinded: room.unblinded,
        report_sha256: room.report_sha256.clone(),
    }))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct EventsQuery {
    #[param(minimum = 0)]
    pub after: Option<i64>,
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
}

/// The room's events after `after`, as JSON lines of the socket's frames.
#[utoipa::path(
    tag = "evaluation",
    params(("id" = String, Path), EventsQuery),
    responses((status = 200, description = "One event frame per line", content_type = "application/jsonl", body = String),
              (status = 400, body = crate::error::Problem), (status = 401, body = crate::error::Problem),
              (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem))
)]
#[get("/tenders/{id}/evaluation/room/events")]
pub async fn list_events(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<String>,
    query: web::Query<EventsQuery>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    let after = check_after(query.after)?;
    let limit = query.limit.unwrap_or(100);
    if !(1..=500).contains(&limit) {
        return Err(AppError::InvalidQuery("limit is 1 to 500".into()).because(
            "query.range",
            json!({ "name": "limit", "min": 1, "max": 500 }),
        ));
    }
    let (row, _, _) = readable_room(&state, principal, id).await?;
    let events = state
        .db
        .read(move |conn| store::events_since(conn, &row.id, after, limit))
        .await?;
    let mut body = String::new();
    for e in events {
        body.push_str(&e.to_text());
        body.push('\n');
    }
    Ok(HttpResponse::Ok()
        .content_type("application/jsonl")
        .body(body))
}

/// A bid's decrypted container (ZIP), for the room's members and watchers;
/// every read is on the record. In a blind room, members get the documents
/// only (no price schedule, no seal) until the technical round closes.
#[utoipa::path(
    tag = "evaluation",
    params(("id" = String, Path), ("label" = String, Path)),
    responses((status = 200, description = "ZIP", content_type = "application/zip", body = Vec<u8>),
              (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem),
              (status = 404, body = crate::error::Problem))
)]
#[get("/tenders/{id}/evaluation/bids/{label}/container")]
pub async fn bid_container(
    state: web::Data<AppState>,
    ctx: AuditContext,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (id, label) = path.into_inner();
    let id = parse_id(&id)?;
    let (row, room, actor) = readable_room(&state, ctx.principal.clone(), id).await?;
    // Members of a blind room read the documents only until the technical
    // round closes: the price schedule and the seal would say whose bid it is.
    let blind = actor != Actor::Watcher && room.setup.blind && !room.unblinded;
    let Some(bid) = room.setup.bids.iter().find(|b| b.label == label).cloned() else {
        return Err(AppError::not_found("bid"));
    };
    let tid = row.id.clone();
    let bid_id = bid.bid_id.clone();
    let label2 = label.clone();
    state
        .db
        .write(move |conn| {
            crate::audit::record(
                conn,
                &ctx,
                "room.container_read",
                "bid",
                &bid_id,
                Some(&tid),
                &serde_json::json!({"label": label2, "documents_only": blind}),
            )
        })
        .await?;
    let path = crate::opening::bid::opened_container(state.config.shared(), &row.id, &bid.bid_id);
    let mut bytes = tokio::fs::read(&path).await.map_err(|_| {
        AppError::NotFound("the decrypted bid is no longer kept".into())
            .because("opening.container-gone", json!({}))
    })?;
    if blind {
        bytes = crate::db::off_executor(move || {
            crate::bids::container::documents_only(&bytes).map_err(AppError::Internal)
        })
        .await?;
    }
    Ok(HttpResponse::Ok()
        .content_type("application/zip")
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"bid-{label}.zip\""),
        ))
        .body(bytes))
}

/// A clarification asked of the bidder's bid.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RoomClarification {
    pub id: String,
    pub bid_id: String,
    /// The lot it is about (0: the tender as one).
    pub lot: u32,
    /// question, low_price (explain it or be rejected) or correction
    /// (confirm the corrected price or be rejected).
    pub topic: super::room::Topic,
    pub question: String,
    pub corrected_price_fen: Option<i64>,
    pub answer: Option<String>,
    pub confirmed: Option<bool>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RoomClarificationList {
    pub items: Vec<RoomClarification>,
}

/// The enterprise of a bidding account (401 signed out, 403 otherwise).
pub(crate) fn bidder_org(principal: &Principal) -> Result<String, AppError> {
    principal.require_any(&[Role::Bidder])?;
    principal
        .organisation
        .as_ref()
        .map(|o| o.as_str().to_string())
        .ok_or_else(|| {
            AppError::Forbidden("the account belongs to no enterprise".into())
                .because("account.no-enterprise", json!({}))
        })
}

/// The clarifications the room asked of the signed-in bidder.
#[utoipa::path(
    tag = "evaluation",
    params(("id" = String, Path)),
    responses((status = 200, body = RoomClarificationList), (status = 401, body = crate::error::Problem),
              (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem))
)]
#[get("/tenders/{id}/evaluation/clarifications")]
pub async fn my_clarifications(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<String>,
) -> Result<web::Json<RoomClarificationList>, AppError> {
    let id = parse_id(&id)?;
    let org = bidder_org(&principal)?;
    let states = state.rooms.states.clone();
    let items = state
        .db
        .read(move |conn| {
            let (_, room) = room_of(conn, &states, &id, &principal)?;
            Ok(store::clarifications_for(&room, &org)
                .into_iter()
                .map(|(c, bid_id)| RoomClarification {
                    id: c.id,
                    bid_id,
                    lot: c.lot,
                    topic: c.topic,
                    question: c.question,
                    corrected_price_fen: c.price_fen,
                    answer: c.answer,
                    confirmed: c.confirmed,
                })
                .collect())
        })
        .await?;
    Ok(web::Json(RoomClarificationList { items }))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClarificationAnswer {
    /// 1 to 5000 characters.
    pub answer: String,
    /// A correction of the price: whether the bidder confirms the
    /// corrected price (required then; refusing rejects the bid, 87号令
    /// 第59条). Not sent otherwise.
    pub confirm: Option<bool>,
}

/// The bidder answers a clarification from its own session; the answer
/// reaches the room live.
#[utoipa::path(
    tag = "evaluation",
    params(("id" = String, Path), ("question" = String, Path)),
    request_body = ClarificationAnswer,
    responses((status = 200, description = "The room event", body = Object), (status = 401, body = crate::error::Problem),
              (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem),
              (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem))
)]
#[post("/tenders/{id}/evaluation/clarifications/{question}/answer")]
pub async fn answer_clarification(
    state: web::Data<AppState>,
    ctx: AuditContext,
    path: web::Path<(String, String)>,
    body: web::Json<ClarificationAnswer>,
) -> Result<HttpResponse, AppError> {
    let (id, question) = path.into_inner();
    let id = parse_id(&id)?;
    let ClarificationAnswer { answer, confirm } = body.into_inner();
    let mut errors = Vec::new();
    crate::error::check_text(&mut errors, "answer", &answer, true, 5000);
    AppError::check(errors)?;
    let role = ctx.principal.require_any(&[Role::Bidder])?;
    let ctx = ctx.acting_as(role);
    let states = state.rooms.states.clone();
    let (event, room) = crate::hall::write_then_publish(&state.db, &state.rooms.hub, move |conn| {
        let row = tenders::load_visible(conn, &id, &ctx.principal)?;
        let (event, room) =
            store::answer_clarification(conn, &ctx, &states, &row.id, &question, &answer, confirm)?;
        Ok(((event.clone(), room), vec![event]))
    })
    .await?;
    state.rooms.states.put(&event.tender_id, event.seq, room);
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .body(event.to_text()))
}

/// One member's sign-in at a venue.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SignInRow {
    pub expert: String,
    pub name: String,
    pub signed_in_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SignInSheet {
    pub venue: crate::experts::draw::Venue,
    pub members: Vec<SignInRow>,
}

/// A venue's sign-in sheet: the members who sit there and when each first
/// joined. Venue staff (operators of the venue's league) see their venue
/// only; platform operators and supervisors in scope see every venue.
#[utoipa::path(
    tag = "evaluation",
    params(("id" = String, Path), ("league" = String, Path)),
    responses((status = 200, body = SignInSheet), (status = 401, body = crate::error::Problem),
              (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem))
)]
#[get("/tenders/{id}/evaluation/venues/{league}/sign-in")]
pub async fn venue_sign_in(
    state: web::Data<AppState>,
    principal: Principal,
    path: web::Path<(String, String)>,
) -> Result<web::Json<SignInSheet>, AppError> {
    let (id, league) = path.into_inner();
    let id = parse_id(&id)?;
    // Who asks before what exists: only staff and supervisors go further.
    principal.require_any(&[Role::Operator, Role::Supervisor])?;
    let states = state.rooms.states.clone();
    let sheet = state
        .db
        .read(move |conn| {
            let (row, room) = room_of(conn, &states, &id, &principal)?;
            let draw = crate::experts::committee::load(conn, &row.id)?
                .ok_or_else(|| AppError::not_found("venue"))?;
            let Some(venue) = draw
                .rules()?
                .venues
                .into_iter()
                .find(|v| v.league == league)
            else {
                return Err(AppError::not_found("venue"));
            };
            let staff = principal.operates(crate::identity::policy::Area::Venue, Some(&league));
            let supervises = principal.has(Role::Supervisor)
                && crate::experts::committee::reads_in_full(conn, &principal, &row)?;
            if !staff && !supervises {
                return Err(AppError::Forbidden(
                    "venue staff see their own venue's sign-in only".into(),
                )
                .because("room.own-venue-only", json!({})));
            }
            let sign_ins = store::events_of_kind(conn, &row.id, "member.signed_in")?;
            let members = room
                .roster
                .iter()
                .filter(|m| m.venue == league)
                .map(|m| SignInRow {
                    expert: m.expert.clone(),
                    name: m.name.clone(),
                    signed_in_at: sign_ins
                        .iter()
                        .find(|e| {
                            e.kind == "member.signed_in"
                                && e.actor.as_deref() == Some(m.expert.as_str())
                        })
                        .map(|e| e.at),
                })
                .collect();
            Ok(SignInSheet { venue, members })
        })
        .await?;
    Ok(web::Json(sheet))
}

/// The report and its signatures.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ReportView {
    pub sha256: String,
    /// The report whose canonical JSON (keys sorted, no spaces) has that
    /// SHA-256; or, for a reader who gets it as published (`sight`
    /// `public`), what the public reads of it (its hash is still the
    /// signed report's).
    #[schema(value_type = Object)]
    pub report: Value,
    /// The text each member signed.
    pub signed_text: String,
    /// Each member's signature (`full`: expert, signature, dissent, name,
    /// at); published: name and time only.
    #[schema(value_type = Vec<Object>)]
    pub signatures: Vec<Value>,
    pub closed: bool,
    /// `full`, or `public`: what the law publishes after the result.
    pub sight: crate::audit::sealing::ReportSight,
}

/// Refuses a reader who may not read the report now (see
/// [`crate::audit::sealing::report_sight`]).
fn report_refused(principal: &Principal, closed: bool) -> AppError {
    if !principal.is_authenticated() {
        return AppError::Unauthenticated(
            "sign in: the evaluation report is confidential until the tender's result (招标投标法 第44条)"
                .into(),
        )
        .because("room.report-confidential", json!({}));
    }
    let reason = if closed {
        "room.report-until-result"
    } else {
        "room.report-members-only"
    };
    AppError::Forbidden(if closed {
        "the evaluation report is confidential until the tender's result is decided \
         (招标投标法 第44条): the tenderer and its agent read it once the room has closed \
         (招标投标法实施条例 第53条), the public what is published once the tender is awarded"
            .into()
    } else {
        "only the committee's members and the supervisors whose scope holds the tender read \
         the report before the room closes"
            .into()
    })
    .because(reason, json!({}))
}

async fn report_of(
    state: &web::Data<AppState>,
    principal: Principal,
    id: TenderId,
) -> Result<(TenderRow, ReportView), AppError> {
    use crate::audit::sealing::{ReportSight, report_sight};
    let states = state.rooms.states.clone();
    state
        .db
        .read(move |conn| {
            let (row, room) = room_of(conn, &states, &id, &principal)?;
            let closed = room.phase == super::room::Phase::Closed;
            // The evaluation and the comparison are confidential until the
            // result (招标投标法 第44条): who reads what is one rule.
            let member = matches!(
                role_in_room(conn, &principal, &row, &room),
                Ok((Actor::Member(_), _))
            );
            let standing = tenders::standing(conn, &row, &principal)?;
            let Some(sight) = report_sight(row.status()?, closed, member, &standing) else {
                return Err(report_refused(&principal, closed));
            };
            let Some(sha256) = room.report_sha256.clone() else {
                return Err(AppError::Conflict("the report is not ready yet".into())
                    .because("room.no-report-yet", json!({})));
            };
            let report = room.report();
            let mut signatures = Vec::new();
            let mut answered = store::events_of_kind(conn, &row.id, "report.signed")?;
            answered.extend(store::events_of_kind(conn, &row.id, "report.refused")?);
            answered.sort_by_key(|e| e.seq);
            for e in answered {
                let p: Value = serde_json::from_str(e.payload.get()).unwrap_or(Value::Null);
                let expert = p["expert"].as_str().unwrap_or_default();
                let refused = e.kind == "report.refused";
                let signature = match sight {
                    ReportSight::Full => {
                        let mut p = p.clone();
                        if refused {
                            p["refused"] = serde_json::json!(true);
                            p["dissent"] = p["reason"].clone();
                        }
                        let name = room
                            .roster
                            .iter()
                            .find(|m| m.expert == expert)
                            .map(|m| m.name.clone());
                        p["name"] = serde_json::json!(name);
                        p["at"] = serde_json::json!(e.at);
                        p
                    }
                    // Who signed or refused, and when: not the signature
                    // (its certificate), nor a dissent (the deliberation).
                    ReportSight::Public => serde_json::json!({
                        "name": super::disclosure::signer_name(&report, expert),
                        "refused": refused,
                        "at": e.at,
                    }),
                };
                signatures.push(signature);
            }
            let view = ReportView {
                signed_text: super::room::report_signing_text(&row.id, &sha256),
                sha256,
                report: match sight {
                    ReportSight::Full => report,
                    ReportSight::Public => super::disclosure::public_report(&report),
                },
                signatures,
                closed,
                sight,
            };
            Ok((row, view))
        })
        .await
}

/// The evaluation report (JSON) with its hash and signatures, confidential
/// until the tender's result (招标投标法 第44条): for the room's members and
/// watchers (supervisors in scope, platform operators) once ready; for the
/// tenderer's and agent's staff once the room has closed (条例 第53条); for
/// everyone else who sees the tender, once it is awarded or closed, what
/// the law publishes (`sight` `public`: the committee's names, the bids'
/// means, totals, ranking, candidates and rejections, no member's marks).
#[utoipa::path(
    tag = "evaluation",
    params(("id" = String, Path)),
    responses((status = 200, body = ReportView), (status = 401, body = crate::error::Problem),
              (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem),
              (status = 409, body = crate::error::Problem))
)]
#[get("/tenders/{id}/evaluation/report")]
pub async fn get_report(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<String>,
) -> Result<web::Json<ReportView>, AppError> {
    let id = parse_id(&id)?;
    Ok(web::Json(report_of(&state, principal, id).await?.1))
}

/// The evaluation report as a printable HTML page, to the same readers as
/// the JSON and as much of it as they read.
#[utoipa::path(
    tag = "evaluation",
    params(("id" = String, Path)),
    responses((status = 200, description = "HTML", content_type = "text/html", body = String),
              (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem),
              (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem))
)]
#[get("/tenders/{id}/evaluation/report.html")]
pub async fn report_html(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    let (row, view) = report_of(&state, principal, id).await?;
    let page = super::report::html(&row.title, &view.report, &view.sha256, &view.signatures);
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(page))
}
