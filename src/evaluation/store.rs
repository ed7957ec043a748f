//! The rooms' storage: opening a room, its events (appended inside the
//! transaction of the action, numbered per room from 1 without gaps, read
//! back by number), and the room's state rebuilt as the fold of its events
//! (kept in memory between actions; rebuilt from the database whenever the
//! memory is behind, so a restarted server rebuilds every open room).

use super::room::{
    self, Action, Actor, Event, Refusal, RoomBid, RoomLot, RoomMember, Setup, State,
};
use crate::audit::{self, AuditContext};
use crate::db::schema::{
    bid_openings, bids, committee_members, evaluation_rooms, experts, organisations, room_events,
};
use crate::db::{DbConn, from_db_time, to_db_time};
use crate::error::AppError;
use crate::experts::committee::{self, MemberStatus};
use crate::hall::hub::Sequenced;
use crate::tenders::model::{Category, Evaluation, Method, TenderStatus};
use crate::tenders::store::TenderRow;
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// The most events one read returns.
pub const MAX_BATCH: i64 = 500;

/// The bus topic of room events (the channel is the tender).
pub const TOPIC: &str = "room";

/// One event of a room, as stored and as delivered.
#[derive(Debug, Clone)]
pub struct RoomEvent {
    pub tender_id: String,
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub kind: String,
    /// The member (expert id) or user who caused it; none for the room's own.
    pub actor: Option<String>,
    pub payload: Box<RawValue>,
}

impl Sequenced for RoomEvent {
    fn channel(&self) -> &str {
        &self.tender_id
    }

    fn seq(&self) -> i64 {
        self.seq
    }
}

impl RoomEvent {
    /// The event as the fold reads it.
    pub fn to_event(&self) -> Event {
        Event {
            kind: self.kind.clone(),
            payload: serde_json::from_str(self.payload.get()).unwrap_or(Value::Null),
        }
    }

    /// The frame sent to clients.
    pub fn to_text(&self) -> String {
        #[derive(Serialize)]
        struct Frame<'a> {
            r#type: &'static str,
            seq: i64,
            kind: &'a str,
            at: DateTime<Utc>,
            actor: Option<&'a str>,
            payload: &'a RawValue,
        }
        serde_json::to_string(&Frame {
            r#type: "event",
            seq: self.seq,
            kind: &self.kind,
            at: self.at,
            actor: self.actor.as_deref(),
            payload: &self.payload,
        })
        .unwrap_or_default()
    }
}

fn internal(what: &str, e: impl std::error::Error + Send + Sync + 'static) -> AppError {
    AppError::Internal(anyhow::Error::new(e).context(what.to_string()))
}

/// Appends one event, numbered one past the room's last (the caller holds
/// the tender's lock, inside the action's transaction).
fn append(
    conn: &mut DbConn,
    tender_id: &str,
    kind: &str,
    actor: Option<&str>,
    client_id: Option<&str>,
    payload: &Value,
    now: DateTime<Utc>,
) -> Result<RoomEvent, AppError> {
    let text = serde_json::to_string(payload).map_err(|e| internal("room event", e))?;
    let raw = RawValue::from_string(text.clone()).map_err(|e| internal("room event", e))?;
    let seq = last_seq(conn, tender_id)? + 1;
    let at = to_db_time(now);
    diesel::insert_into(room_events::table)
        .values((
            room_events::tender_id.eq(tender_id),
            room_events::seq.eq(seq),
            room_events::occurred_at.eq(at),
            room_events::kind.eq(kind),
            room_events::actor_id.eq(actor),
            room_events::client_id.eq(client_id),
            room_events::payload_json.eq(&text),
        ))
        .execute(conn)?;
    crate::cluster::bus::announce(conn, TOPIC, tender_id, seq)?;
    Ok(RoomEvent {
        tender_id: tender_id.to_string(),
        seq,
        at: from_db_time(at),
        kind: kind.to_string(),
        actor: actor.map(str::to_string),
        payload: raw,
    })
}

/// Appends one event and puts it on the audit record (`room.<kind>`, its
/// payload): every room event but the opening goes through here.
#[allow(clippy::too_many_arguments)]
fn append_recorded(
    conn: &mut DbConn,
    ctx: &AuditContext,
    tender_id: &str,
    kind: &str,
    actor: Option<&str>,
    client_id: Option<&str>,
    payload: &Value,
) -> Result<RoomEvent, AppError> {
    audit::record(
        conn,
        ctx,
        &format!("room.{kind}"),
        "room",
        tender_id,
        Some(tender_id),
        payload,
    )?;
    append(conn, tender_id, kind, actor, client_id, payload, ctx.now)
}

pub fn last_seq(conn: &mut DbConn, tender_id: &str) -> Result<i64, AppError> {
    Ok(room_events::table
        .filter(room_events::tender_id.eq(tender_id))
        .select(diesel::dsl::max(room_events::seq))
        .first::<Option<i64>>(conn)?
        .unwrap_or(0))
}

/// The room's events numbered after `after`, in order, at most `limit`.
pub fn events_since(
    conn: &mut DbConn,
    tender_id: &str,
    after: i64,
    limit: i64,
) -> Result<Vec<RoomEvent>, AppError> {
    let rows: Vec<(i64, NaiveDateTime, String, Option<String>, String)> = room_events::table
        .filter(room_events::tender_id.eq(tender_id))
        .filter(room_events::seq.gt(after))
        .select((
            room_events::seq,
            room_events::occurred_at,
            room_events::kind,
            room_events::actor_id,
            room_events::payload_json,
        ))
        .order(room_events::seq.asc())
        .limit(limit.clamp(1, MAX_BATCH))
        .load(conn)?;
    rows.into_iter()
        .map(|(seq, at, kind, actor, payload)| {
            Ok(RoomEvent {
                tender_id: tender_id.to_string(),
                seq,
                at: from_db_time(at),
                kind,
                actor,
                payload: RawValue::from_string(payload)
                    .map_err(|e| internal("stored room event", e))?,
            })
        })
        .collect()
}

/// The room's events of one kind, in order (sign-ins, signatures).
pub fn events_of_kind(
    conn: &mut DbConn,
    tender_id: &str,
    kind: &str,
) -> Result<Vec<RoomEvent>, AppError> {
    let rows: Vec<(i64, NaiveDateTime, Option<String>, String)> = room_events::table
        .filter(room_events::tender_id.eq(tender_id))
        .filter(room_events::kind.eq(kind))
        .select((
            room_events::seq,
            room_events::occurred_at,
            room_events::actor_id,
            room_events::payload_json,
        ))
        .order(room_events::seq.asc())
        .load(conn)?;
    rows.into_iter()
        .map(|(seq, at, actor, payload)| {
            Ok(RoomEvent {
                tender_id: tender_id.to_string(),
                seq,
                at: from_db_time(at),
                kind: kind.to_string(),
                actor,
                payload: RawValue::from_string(payload)
                    .map_err(|e| internal("stored room event", e))?,
            })
        })
        .collect()
}

/// How the organiser opens a room.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoomSettings {
    /// Evaluate the technical round without knowing whose bid is whose.
    #[serde(default)]
    pub blind_technical: bool,
    /// Flag scores this far (percent) from the other members' mean; 1 to
    /// 100, default 30.
    pub deviation_percent: Option<u32>,
}

pub fn setup_of(conn: &mut DbConn, tender_id: &str) -> Result<Option<Setup>, AppError> {
    let json: Option<String> = evaluation_rooms::table
        .find(tender_id)
        .select(evaluation_rooms::setup_json)
        .first(conn)
        .optional()?;
    json.map(|j| serde_json::from_str(&j).map_err(|e| internal("stored room setup", e)))
        .transpose()
}

/// Whether the tender's room has been opened.
pub fn room_exists(conn: &mut DbConn, tender_id: &str) -> Result<bool, AppError> {
    Ok(
        diesel::select(diesel::dsl::exists(evaluation_rooms::table.find(tender_id)))
            .get_result(conn)?,
    )
}

/// Whether the tender's report is signed: none without a room; signed
/// once the room has closed (`room.closed` follows the last member's
/// signature or refusal, and nothing else).
pub fn report_presence(
    conn: &mut DbConn,
    tender_id: &str,
) -> Result<Option<crate::tenders::store::ReportPresence>, AppError> {
    use crate::tenders::store::ReportPresence;
    if !room_exists(conn, tender_id)? {
        return Ok(None);
    }
    let closed: bool = diesel::select(diesel::dsl::exists(
        room_events::table
            .filter(room_events::tender_id.eq(tender_id))
            .filter(room_events::kind.eq("room.closed")),
    ))
    .get_result(conn)?;
    Ok(Some(if closed {
        ReportPresence::Signed
    } else {
        ReportPresence::NotSigned
    }))
}

fn member_of(conn: &mut DbConn, expert_id: &str, venue: &str) -> Result<RoomMember, AppError> {
    let (name, league): (String, String) = experts::table
        .find(expert_id)
        .select((experts::name, experts::league_code))
        .first(conn)?;
    Ok(RoomMember {
        expert: expert_id.to_string(),
        name,
        league,
        venue: venue.to_string(),
        representative: false,
    })
}

/// What `room.opened` tells everyone in the room: in a blind room, no
/// bidder and no price.
fn opened_payload(setup: &Setup, venues: &[crate::experts::draw::Venue]) -> Value {
    let bids: Vec<Value> = setup
        .bids
        .iter()
        .map(|b| {
            if setup.blind {
                json!({"label": b.label})
            } else {
                json!({"label": b.label, "bidder": b.bidder, "price_fen": b.price_fen,
                       "lot_prices": b.lot_prices, "sme": b.sme,
                       "sme_share_percent": b.sme_share_percent})
            }
        })
        .collect();
    let grounds: Vec<Value> = crate::tenders::rules::grounds(setup.category)
        .iter()
        .map(|g| json!({"ground": g.ground, "zh": g.zh, "en": g.en, "basis": g.basis}))
        .collect();
    // Bids out before anyone votes (priced above the lot's ceiling, or
    // priced as a whole where lots are compared): the room refuses to
    // review them, so members are told at once. In a blind room this says
    // no more than the review's own summary will: that the bid is out, and
    // on which ground, never its price.
    let out: Vec<Value> = setup
        .lots
        .iter()
        .flat_map(|lot| {
            setup.bids.iter().filter_map(move |b| {
                let ground = match setup.price(lot.lot, &b.label) {
                    None => Some(crate::tenders::rules::Ground::NotResponsive),
                    Some(price) => setup
                        .ceiling(lot.lot)
                        .filter(|ceiling| price > *ceiling)
                        .map(|_| crate::tenders::rules::Ground::AboveCeiling),
                }?;
                Some(json!({"lot": lot.lot, "bid": b.label, "ground": ground}))
            })
        })
        .collect();
    json!({
        "lots": setup.lots,
        "per_lot": setup.per_lot,
        "out": out,
        "items": setup.items,
        "grounds": grounds,
        "rounds": setup.rounds(),
        "sme_deduction_percent": setup.sme_deduction_percent,
        "sme_partnership_deduction_percent": setup.sme_partnership_deduction_percent,
        "min_compliant": setup.min_compliant,
        "blind_technical": setup.blind,
        "deviation_percent": setup.deviation_percent,
        "bids": bids,
        "members": setup.members,
        "venues": venues,
    })
}

/// The fewest compliant bids a lot needs, and why: the procedure's
/// minimum where fewer compliant bids fail it (government procurement:
/// 政府采购法 第36条(一); its other methods, 财政部令第74号), else one — in
/// tendering with fewer than three the committee may reject all (评标委员会和
/// 评标方法暂行规定 第27条), which is its decision, not a count.
fn min_compliant(category: Category, method: Method) -> Result<(u32, String), AppError> {
    use crate::tenders::limits::MinimumBids;
    let rule = crate::tenders::limits::minimum_bids(category, method)?;
    Ok(match (category, rule) {
        (
            Category::GovernmentProcurement,
            MinimumBids::AtLeast {
                bids, valid_basis, ..
            },
        ) => (bids, valid_basis.to_string()),
        _ => (
            1,
            "at least one compliant bid; with fewer than three the committee may reject all \
             (评标委员会和评标方法暂行规定 第27条)"
                .to_string(),
        ),
    })
}

/// What the room evaluates: the lots (each with its method and ceiling),
/// the bids, the items the committee reviews, the deduction and the
/// minimum. Bids are compared per lot where they priced lots; a tender
/// whose bids priced it only as a whole is one lot, numbered 0.
fn room_setup(
    tender: &TenderRow,
    evaluation: &Evaluation,
    terms: &crate::tenders::model::ProcedureTerms,
    lots: &[crate::tenders::store::Lot],
    bids: Vec<RoomBid>,
    members: Vec<RoomMember>,
    settings: &RoomSettings,
) -> Result<Setup, AppError> {
    let facts = tender.facts()?;
    let gp = facts.category == Category::GovernmentProcurement;
    let per_lot = !lots.is_empty() && bids.iter().any(|b| !b.lot_prices.is_empty());
    // In government procurement the budget is a ceiling too (87号令 第63条(四)).
    let ceiling = |own: Option<i64>, budget: i64| -> Option<i64> {
        match (own, gp) {
            (Some(c), true) => Some(c.min(budget)),
            (None, true) => Some(budget),
            (own, false) => own,
        }
    };
    let room_lots: Vec<RoomLot> = if per_lot {
        lots.iter()
            .map(|l| RoomLot {
                lot: l.number as u32,
                title: l.title.clone(),
                evaluation: l.evaluation.clone().unwrap_or_else(|| evaluation.clone()),
                ceiling_fen: ceiling(l.ceiling_price_fen, l.budget_fen),
            })
            .collect()
    } else {
        vec![RoomLot {
            lot: 0,
            title: tender.title.clone(),
            evaluation: evaluation.clone(),
            ceiling_fen: ceiling(terms.ceiling_price_fen, tender.budget_fen),
        }]
    };
    // Government procurement tendering: the purchaser or its agent reviews
    // qualification before the room (财政部令第87号 第44条); the committee
    // reviews compliance (第50条). Elsewhere the committee reviews both.
    let purchaser_qualifies = matches!(
        crate::tenders::limits::qualification_review(facts.category, facts.method)?,
        crate::tenders::limits::QualificationReview::PurchaserOrAgent { .. }
    );
    let mut items = terms.compliance.clone();
    if !purchaser_qualifies {
        items.splice(0..0, terms.qualification.iter().cloned());
    }
    let (min, basis) = min_compliant(facts.category, facts.method)?;
    Ok(Setup {
        tender_id: tender.id.clone(),
        category: facts.category,
        lots: room_lots,
        per_lot,
        bids,
        members,
        items,
        sme_deduction_percent: terms.sme_price_deduction_percent.filter(|_| gp),
        sme_partnership_deduction_percent: terms.sme_partnership_deduction_percent.filter(|_| gp),
        min_compliant: min,
        min_compliant_basis: basis,
        blind: settings.blind_technical,
        deviation_percent: settings.deviation_percent.unwrap_or(30),
    })
}

/// Opens the room of a tender under evaluation (its organiser, once).
pub fn open(
    conn: &mut DbConn,
    ctx: &AuditContext,
    tender: &TenderRow,
    settings: &RoomSettings,
) -> Result<RoomEvent, AppError> {
    if tender.status()? != TenderStatus::Evaluating {
        return Err(AppError::IllegalTransition(
            "the room opens when the tender's evaluation has started".into(),
        )
        .because("evaluation.not-started", json!({})));
    }
    if setup_of(conn, &tender.id)?.is_some() {
        return Err(AppError::Conflict("the room is open already".into())
            .because("evaluation.room-open-already", json!({})));
    }
    if super::qualification::required_and_pending(conn, tender)? {
        return Err(AppError::Conflict(
            "the purchaser's qualification review is not concluded: the room opens after it \
             (政府采购货物和服务招标投标管理办法 第44条)"
                .into(),
        )
        .because("evaluation.qualification-pending", json!({})));
    }
    let deviation_percent = settings.deviation_percent.unwrap_or(30);
    if !(1..=100).contains(&deviation_percent) {
        return Err(AppError::invalid_field(
            crate::error::FieldError::new("deviation_percent", "from 1 to 100")
                .because("number.range", json!({ "min": 1, "max": 100 })),
        ));
    }
    let evaluation = tender.evaluation()?;
    let terms = tender.terms()?;
    let tender_lots = crate::tenders::store::lots_of(conn, &tender.id)?;
    let auctions = tender_lots
        .iter()
        .map(|l| l.evaluation.as_ref().unwrap_or(&evaluation))
        .chain(tender_lots.is_empty().then_some(&evaluation))
        .any(|e| !e.by_committee());
    if auctions {
        return Err(AppError::Conflict(
            "a price reached by auction or listing is not evaluated by a committee".into(),
        )
        .because("evaluation.by-auction", json!({})));
    }
    let draw = committee::load(conn, &tender.id)?
        .filter(|d| d.drawn_at.is_some())
        .ok_or_else(committee::not_drawn)?;
    let venues = draw.rules()?.venues;
    // A member who let its invitation lapse does not sit, even if the
    // sweep has not come by yet: the lapse, and its replacement, first.
    committee::expire_due(conn, &AuditContext::system(ctx.now), &tender.id)?;
    let seated: Vec<(String, String, String)> = committee_members::table
        .filter(committee_members::tender_id.eq(&tender.id))
        .filter(
            committee_members::status
                .eq_any([MemberStatus::Invited.code(), MemberStatus::Accepted.code()]),
        )
        .order((
            committee_members::invited_at.asc(),
            committee_members::expert_id.asc(),
        ))
        .select((
            committee_members::expert_id,
            committee_members::venue_league,
            committee_members::status,
        ))
        .load(conn)?;
    let size = draw.rules()?.size as usize;
    if seated.len() < size {
        return Err(AppError::Conflict(format!(
            "the committee is short: {} of {size} seats are held; the room opens with a full committee",
            seated.len()
        ))
        .because(
            "evaluation.committee-short",
            json!({ "seated": seated.len(), "size": size }),
        ));
    }
    let mut members = Vec::new();
    for (expert, venue, _) in &seated {
        members.push(member_of(conn, expert, venue)?);
    }
    // The tenderer's representatives sit as members too, at the main
    // venue (招标投标法 第37条): named, not drawn.
    for r in committee::seated_representatives(conn, &tender.id)? {
        members.push(RoomMember {
            expert: r.member,
            name: r.name,
            league: r.league,
            venue: r.venue,
            representative: true,
        });
    }
    type Opened = (String, String, String, Option<i64>, Option<String>);
    let opened: Vec<Opened> = bid_openings::table
        .inner_join(bids::table.on(bids::id.eq(bid_openings::bid_id)))
        .inner_join(organisations::table.on(organisations::id.eq(bids::bidder_org_id)))
        .filter(bid_openings::tender_id.eq(&tender.id))
        .filter(bid_openings::outcome.eq(crate::opening::record::Outcome::Valid.code()))
        .order((bid_openings::opened_at.asc(), bid_openings::bid_id.asc()))
        .select((
            bids::id,
            organisations::id,
            organisations::name,
            bid_openings::total_price_fen,
            bid_openings::schedule_json,
        ))
        .load(conn)?;
    // Bids the purchaser's review found not qualified are not evaluated.
    let excluded = super::qualification::excluded(conn, &tender.id)?;
    let mut opened: Vec<_> = opened
        .into_iter()
        .filter(|(bid_id, ..)| !excluded.contains_key(bid_id))
        .filter_map(|(bid_id, org, name, price, schedule)| {
            Some((bid_id, org, name, price?, schedule))
        })
        .collect();
    // Labels in a random order: in the opening record's order, "Bid A"
    // would be the first bidder read out in public.
    shuffle(&mut opened)?;
    let mut bids = Vec::new();
    for (i, (bid_id, bidder_org_id, bidder, price_fen, schedule)) in opened.into_iter().enumerate()
    {
        let schedule: Option<crate::bids::container::PriceSchedule> = schedule
            .map(|j| serde_json::from_str(&j).map_err(|e| internal("stored price schedule", e)))
            .transpose()?;
        bids.push(RoomBid {
            label: label(i),
            bid_id,
            bidder_org_id,
            bidder,
            price_fen,
            lot_prices: schedule
                .as_ref()
                .map(|s| s.lots.iter().map(|l| (l.lot, l.price_fen)).collect())
                .unwrap_or_default(),
            sme: schedule.as_ref().is_some_and(|s| s.sme),
            sme_share_percent: schedule.as_ref().and_then(|s| s.sme_share_percent),
        });
    }
    if bids.is_empty() {
        return Err(AppError::Conflict("no valid bid to evaluate".into())
            .because("evaluation.no-valid-bid", json!({})));
    }
    let setup = room_setup(
        tender,
        &evaluation,
        &terms,
        &tender_lots,
        bids,
        members,
        settings,
    )?;
    let setup_json = serde_json::to_string(&setup).map_err(|e| internal("room setup", e))?;
    diesel::insert_into(evaluation_rooms::table)
        .values((
            evaluation_rooms::tender_id.eq(&tender.id),
            evaluation_rooms::setup_json.eq(&setup_json),
            evaluation_rooms::opened_at.eq(to_db_time(ctx.now)),
            evaluation_rooms::opened_by.eq(ctx.principal.user_id.as_ref().map(|u| u.as_str())),
        ))
        .execute(conn)?;
    let payload = opened_payload(&setup, &venues);
    audit::record(
        conn,
        ctx,
        "room.opened",
        "room",
        &tender.id,
        Some(&tender.id),
        &setup,
    )?;
    notify_opened(conn, ctx, tender, &setup.members)?;
    append(
        conn,
        &tender.id,
        "room.opened",
        None,
        None,
        &payload,
        ctx.now,
    )
}

/// Tells every member seated in the room (those who accepted and those
/// who have not answered yet: all of them sit) that it is open. Sealed:
/// whom it went to is who sits, confidential until the result (招标投标法
/// 第37条), so an undelivered one shows operators only its state.
fn notify_opened(
    conn: &mut DbConn,
    ctx: &AuditContext,
    tender: &TenderRow,
    members: &[RoomMember],
) -> Result<(), AppError> {
    let ids: Vec<&str> = members.iter().map(|m| m.expert.as_str()).collect();
    let mut users: Vec<String> = experts::table
        .filter(experts::id.eq_any(&ids))
        .select(experts::user_id)
        .load(conn)?;
    users.extend(
        ids.iter()
            .filter_map(|m| committee::representative_user(m))
            .map(str::to_string),
    );
    let message = crate::notify::Message::new(
        crate::notify::Kind::RoomOpened,
        format!("tender:{}:room_opened", tender.id),
    )
    .tender(&tender.id, &tender.league_code)
    .field("title", tender.title.clone())
    .field("reference", tender.reference.clone())
    .link(format!("/api/v1/tenders/{}/evaluation/room", tender.id))
    .sealed();
    crate::notify::send(conn, ctx, &message, &users)?;
    Ok(())
}

/// Fisher–Yates with the platform's random source.
fn shuffle<T>(items: &mut [T]) -> Result<(), AppError> {
    for i in (1..items.len()).rev() {
        let mut bytes = [0u8; 8];
        openssl::rand::rand_bytes(&mut bytes).map_err(|e| internal("random labels", e))?;
        let j = (u64::from_le_bytes(bytes) % (i as u64 + 1)) as usize;
        items.swap(i, j);
    }
    Ok(())
}

/// "A", "B", …, "Z", "AA", "AB", …
fn label(i: usize) -> String {
    let mut n = i + 1;
    let mut out = Vec::new();
    while n > 0 {
        n -= 1;
        out.push(b'A' + (n % 26) as u8);
        n /= 26;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// Rooms' states kept between actions, with the number of the last event
/// folded in.
#[derive(Clone, Default)]
pub struct States {
    inner: Arc<Mutex<HashMap<String, (i64, State)>>>,
}

impl States {
    fn get(&self, tender_id: &str, last: i64) -> Option<State> {
        let map = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        map.get(tender_id)
            .filter(|(seq, _)| *seq == last)
            .map(|(_, s)| s.clone())
    }

    /// Keeps a state once the transaction that made it has committed.
    pub fn put(&self, tender_id: &str, last: i64, state: State) {
        let mut map = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let newer = map.get(tender_id).is_none_or(|(seq, _)| *seq <= last);
        if newer {
            map.insert(tender_id.to_string(), (last, state));
        }
    }
}

/// The room's state now: from memory when it is up to date, else the fold
/// of every stored event.
pub fn state(
    conn: &mut DbConn,
    states: &States,
    tender_id: &str,
) -> Result<(i64, State), AppError> {
    let Some(setup) = setup_of(conn, tender_id)? else {
        return Err(
            AppError::NotFound("the tender's evaluation room is not open".into())
                .because("room.not-open", serde_json::json!({})),
        );
    };
    let last = last_seq(conn, tender_id)?;
    if let Some(state) = states.get(tender_id, last) {
        return Ok((last, state));
    }
    let mut state = State::new(setup);
    let mut after = 0;
    loop {
        let batch = events_since(conn, tender_id, after, MAX_BATCH)?;
        for event in &batch {
            state.apply(&event.to_event());
            after = event.seq;
        }
        if (batch.len() as i64) < MAX_BATCH {
            break;
        }
    }
    Ok((after, state))
}

/// The committee's report signed by every sitting member (the room closed):
/// the hash they signed, the ranking, the report itself and when the last
/// member signed (the room closed: the tenderer has the report from then,
/// 招标投标法实施条例 第54条 "收到评标报告之日").
#[derive(Debug, Clone, PartialEq)]
pub struct SignedReport {
    pub sha256: String,
    /// Best first.
    pub ranking: Vec<room::Ranked>,
    /// The report (`ggzy-evaluation-report-v2`) as signed.
    pub json: Value,
    /// When the room closed on the last signature.
    pub signed_at: DateTime<Utc>,
}

/// The tender's signed report, rebuilt from the room's events; `None` when
/// the tender has no room or the committee has not all signed. A report
/// whose rebuilt form is not what the members signed (its canonical JSON's
/// SHA-256) is an internal error, never a ranking.
pub fn signed_report(conn: &mut DbConn, tender_id: &str) -> Result<Option<SignedReport>, AppError> {
    if setup_of(conn, tender_id)?.is_none() {
        return Ok(None);
    }
    let (_, room) = state(conn, &States::default(), tender_id)?;
    let (room::Phase::Closed, Some(signed)) = (room.phase, room.report_sha256.clone()) else {
        return Ok(None);
    };
    let report = room.report();
    let rebuilt = crate::experts::draw::sha256_hex(room::canonical(&report).as_bytes());
    if rebuilt != signed {
        return Err(AppError::Internal(anyhow::anyhow!(
            "the evaluation report of tender {tender_id} rebuilt from its room's events has \
             SHA-256 {rebuilt}, not the {signed} its committee signed"
        )));
    }
    let closed: Option<NaiveDateTime> = room_events::table
        .filter(room_events::tender_id.eq(tender_id))
        .filter(room_events::kind.eq("room.closed"))
        .select(room_events::occurred_at)
        .order(room_events::seq.desc())
        .first(conn)
        .optional()?;
    let signed_at = closed.map(from_db_time).ok_or_else(|| {
        AppError::Internal(anyhow::anyhow!(
            "the room of tender {tender_id} is closed without a room.closed event"
        ))
    })?;
    Ok(Some(SignedReport {
        sha256: signed,
        ranking: room::ranked_bids(&report),
        json: report,
        signed_at,
    }))
}

/// The names of the members who evaluated (sat to the end) in the room of
/// `tender_id`, in the order they took their seats; none without a room.
pub fn evaluators(conn: &mut DbConn, tender_id: &str) -> Result<Vec<String>, AppError> {
    if setup_of(conn, tender_id)?.is_none() {
        return Ok(Vec::new());
    }
    let (_, room) = state(conn, &States::default(), tender_id)?;
    let active = room.active();
    Ok(room
        .roster
        .iter()
        .filter(|m| active.contains(&m.expert.as_str()))
        .map(|m| m.name.clone())
        .collect())
}

/// What became of an action.
#[derive(Debug)]
pub enum Acted {
    /// Applied: the events it added (publish them after commit) and the
    /// state after them.
    Applied {
        events: Vec<RoomEvent>,
        state: Box<State>,
    },
    /// This client id was applied before, as event `seq`: nothing again.
    Duplicate {
        seq: i64,
    },
    Refused(Refusal),
}

/// Verifies a member's signature of the report with the certificate of its
/// session.
fn check_signature(
    certificate: Option<&[u8]>,
    text: &str,
    signature_b64: &str,
) -> Result<(), Refusal> {
    use serde_json::json;
    let Some(der) = certificate else {
        return room::refuse(
            "signature",
            "sign in with your certificate: the report is signed with the key of the session's certificate",
        )
        .because("room.sign-with-certificate", json!({}));
    };
    let Ok(cert) = openssl::x509::X509::from_der(der) else {
        return room::refuse("signature", "the session's certificate cannot be read")
            .because("room.certificate-unreadable", json!({}));
    };
    let Ok(signature) = openssl::base64::decode_block(signature_b64) else {
        return room::refuse("signature", "the signature is not base64")
            .because("room.signature-not-base64", json!({}));
    };
    match crate::identity::login::verify_raw(&cert, text.as_bytes(), &signature) {
        Ok(()) => Ok(()),
        Err(why) => room::refuse(
            "signature",
            format!(
                "{why}; sign the text ggzy-evaluation-report-v1\\n<tender>\\n<report sha256>\\n"
            ),
        )
        .because("room.signature-invalid", json!({})),
    }
}

/// Applies a member's action, inside a write transaction: refused, a
/// duplicate, or its events appended (with what follows from them: a
/// recusal's replacement, a flagged score's supervision alert) and on the
/// record.
pub fn act(
    conn: &mut DbConn,
    ctx: &AuditContext,
    states: &States,
    tender_id: &str,
    actor: &Actor,
    action: &Action,
    certificate: Option<&[u8]>,
) -> Result<Acted, AppError> {
    crate::db::lock_in_transaction(conn, &format!("tender:{tender_id}"))?;
    let (_, mut state) = state(conn, states, tender_id)?;
    let actor_id = match actor {
        Actor::Member(e) => Some(e.as_str()),
        Actor::Watcher => None,
    };
    let client_id = action.id();
    if client_id.is_empty() || client_id.len() > 64 || crate::types::has_control_chars(client_id) {
        return Ok(room::refuse(
            "invalid",
            "every action carries an \"id\" of 1 to 64 characters, unique per member",
        )
        .because("room.action-id", serde_json::json!({"max": 64}))
        .unwrap_or_else(Acted::Refused));
    }
    if let Some(expert) = actor_id {
        let seen: Option<i64> = room_events::table
            .filter(room_events::tender_id.eq(tender_id))
            .filter(room_events::actor_id.eq(expert))
            .filter(room_events::client_id.eq(client_id))
            .select(room_events::seq)
            .first(conn)
            .optional()?;
        if let Some(seq) = seen {
            return Ok(Acted::Duplicate { seq });
        }
    }
    let decided = match state.decide(actor, action) {
        Ok(events) => events,
        Err(refusal) => return Ok(Acted::Refused(refusal)),
    };
    if let Action::Sign { signature, .. } = action {
        let sha = state.report_sha256.clone().unwrap_or_default();
        if let Err(refusal) = check_signature(
            certificate,
            &room::report_signing_text(tender_id, &sha),
            signature,
        ) {
            return Ok(Acted::Refused(refusal));
        }
    }
    let mut appended = Vec::new();
    let mut first = true;
    let mut queue: std::collections::VecDeque<Event> = decided.into();
    while let Some(event) = queue.pop_front() {
        // The member's own action names it; what follows from it (a flag,
        // an election, a replacement) is the room's.
        let stored = append_recorded(
            conn,
            ctx,
            tender_id,
            &event.kind,
            if first { actor_id } else { None },
            if first { Some(client_id) } else { None },
            &event.payload,
        )?;
        first = false;
        state.apply(&event);
        match event.kind.as_str() {
            "member.recused" => {
                let expert = event.payload["expert"].as_str().unwrap_or_default();
                let reason = event.payload["reason"].as_str().unwrap_or_default();
                let why = committee::Leaving::Recused;
                queue.push_back(replacement(conn, ctx, tender_id, expert, why, reason)?.0);
            }
            "score.flagged" => raise_alert(conn, ctx, tender_id, &stored)?,
            "room.closed" => tell_finished(conn, ctx, tender_id, &state)?,
            _ => {}
        }
        appended.push(stored);
    }
    Ok(Acted::Applied {
        events: appended,
        state: Box::new(state),
    })
}

/// A member leaves the committee (recused, or absent): the next suitable
/// reserve is invited; the room's `member.replaced` event says who, if any.
fn replacement(
    conn: &mut DbConn,
    ctx: &AuditContext,
    tender_id: &str,
    expert: &str,
    why: committee::Leaving,
    reason: &str,
) -> Result<(Event, Option<crate::experts::draw::Seat>), AppError> {
    let seat = committee::leave(conn, ctx, tender_id, expert, why, reason)?;
    let replacement = seat
        .as_ref()
        .map(|s| member_of(conn, &s.expert, &s.venue))
        .transpose()?;
    let event = Event {
        kind: "member.replaced".into(),
        payload: json!({"expert": expert, "replacement": replacement}),
    };
    Ok((event, seat))
}

/// What marking a member absent did.
pub struct Absence {
    /// The reserve invited instead, if one fitted.
    pub seat: Option<crate::experts::draw::Seat>,
    /// Room events to publish (none before the room opens).
    pub events: Vec<RoomEvent>,
    /// The room's state after them, with its last number.
    pub state: Option<(i64, State)>,
}

/// The organiser marks a member who did not come: only once the evaluation
/// has started (before, identities are sealed and the committee is not the
/// organiser's to change), and only a member who has not joined the room.
/// The next suitable reserve is invited; in an open room the member leaves
/// it as a recused one does and the reserve joins.
pub fn mark_absent(
    conn: &mut DbConn,
    ctx: &AuditContext,
    states: &States,
    tender: &TenderRow,
    expert: &str,
    reason: &str,
) -> Result<Absence, AppError> {
    let tender_id = tender.id.as_str();
    crate::db::lock_in_transaction(conn, &format!("tender:{tender_id}"))?;
    if tender.status()? != TenderStatus::Evaluating {
        return Err(AppError::IllegalTransition(
            "a member is marked absent once the evaluation has started, and not after".into(),
        )
        .because("evaluation.absence-not-now", json!({})));
    }
    let joined = events_of_kind(conn, tender_id, "member.signed_in")?
        .iter()
        .any(|e| e.actor.as_deref() == Some(expert));
    if joined {
        return Err(AppError::Conflict(
            "this member has joined the room: only the member itself can leave it (by recusing)"
                .into(),
        )
        .because("evaluation.member-joined", json!({})));
    }
    let why = committee::Leaving::NoShow;
    if setup_of(conn, tender_id)?.is_none() {
        let seat = committee::leave(conn, ctx, tender_id, expert, why, reason)?;
        return Ok(Absence {
            seat,
            events: Vec::new(),
            state: None,
        });
    }
    let (_, mut state) = state(conn, states, tender_id)?;
    if !state.active().contains(&expert) {
        return Err(
            AppError::NotFound("this expert does not sit in the room".into())
                .because("evaluation.not-sitting", json!({})),
        );
    }
    if matches!(state.phase, room::Phase::Signing | room::Phase::Closed) {
        return Err(AppError::IllegalTransition(
            "the report is ready: the committee no longer changes".into(),
        )
        .because("evaluation.report-ready", json!({})));
    }
    let absent = Event {
        kind: "member.recused".into(),
        payload: json!({"expert": expert, "reason": reason.trim(), "absent": true}),
    };
    let (replaced, seat) = replacement(conn, ctx, tender_id, expert, why, reason)?;
    let mut stored = Vec::new();
    for event in [absent, replaced] {
        stored.push(append_recorded(
            conn,
            ctx,
            tender_id,
            &event.kind,
            None,
            None,
            &event.payload,
        )?);
        state.apply(&event);
    }
    let last = stored.last().map_or(0, |e| e.seq);
    Ok(Absence {
        seat,
        events: stored,
        state: Some((last, state)),
    })
}

/// A flagged score is also a supervision alert, for supervisors who are
/// not in the room; it rests on the audit events of the scores its mean
/// is of and of the flag ([`flag_evidence`]). It names the member by its
/// name (the supervisors in scope read the committee from the draw on,
/// `audit::sealing::sees_committee`; a league's operators read only that
/// it is sealed until the result), the bid by the label the room gives it
/// (a letter, blind or not) and the criterion by its name.
fn raise_alert(
    conn: &mut DbConn,
    ctx: &AuditContext,
    tender_id: &str,
    event: &RoomEvent,
) -> Result<(), AppError> {
    let p: Value = serde_json::from_str(event.payload.get()).unwrap_or(Value::Null);
    let evidence = flag_evidence(conn, tender_id, &p)?;
    let s = |k: &str| p[k].as_str().unwrap_or_default().to_string();
    let (expert_id, bid, code) = (s("expert"), s("bid"), s("criterion"));
    let expert = experts::table
        .find(&expert_id)
        .select(experts::name)
        .first::<String>(conn)
        .optional()?
        .unwrap_or_else(|| expert_id.clone());
    let lot = p["lot"].as_u64().and_then(|l| u32::try_from(l).ok());
    let setup = setup_of(conn, tender_id)?;
    // A tender in several lots evaluates each bid once per lot: the lot
    // tells one flag from another and is said.
    let per_lot = setup.as_ref().is_some_and(|s| s.lots.len() > 1);
    let criterion = setup
        .and_then(|setup| {
            let lot = setup.lot(lot.unwrap_or(0))?;
            room::criteria(lot)
                .iter()
                .find(|c| c.code == code)
                .map(|c| c.name.clone())
        })
        .unwrap_or_else(|| code.clone());
    let deviation = p["deviation_percent"].as_f64();
    let summary = format!(
        "expert {expert} scored bid {bid}{} on {criterion} {} points, {} from the members' mean of {}",
        match (per_lot, lot) {
            (true, Some(lot)) => format!(" in lot {lot}"),
            _ => String::new(),
        },
        p["points"],
        deviation.map_or("far".to_string(), |d| format!("{d}%")),
        p["mean"]
    );
    let mut params = json!({"expert": expert, "bid": bid, "criterion": criterion,
                            "points": p["points"]});
    if let Some(deviation) = deviation {
        params["mean"] = p["mean"].clone();
        params["deviation"] = json!(deviation);
    }
    if per_lot {
        params["lot"] = json!(lot);
    }
    let reason = match (deviation.is_some(), per_lot) {
        (true, false) => "alert.score-deviation",
        (true, true) => "alert.score-deviation-in-lot",
        // The others gave nothing: no percentage is far enough to say.
        (false, false) => "alert.score-deviation-zero-mean",
        (false, true) => "alert.score-deviation-zero-mean-in-lot",
    };
    let said = crate::supervision::said::Said::new(reason, params);
    // One alert per member, lot, bid and criterion: a bid is scored once in
    // each lot it is in, and a flag in another lot is another finding.
    crate::supervision::alerts::raise(
        conn,
        ctx,
        tender_id,
        crate::supervision::signals::SignalKind::ScoreDeviation,
        &score_deviation_fingerprint(&expert_id, lot.unwrap_or(0), &bid, &code),
        &summary,
        said,
        &evidence,
    )?;
    Ok(())
}

/// The fingerprint of a flagged score's alert: the member, the lot, the
/// bid and the criterion.
pub fn score_deviation_fingerprint(expert: &str, lot: u32, bid: &str, criterion: &str) -> String {
    format!("{expert}/{lot}/{bid}/{criterion}")
}

/// The audit events (`seq`, ascending) a flag rests on: every member's
/// `room.score.given` of the flagged bid and criterion so far (the mean is
/// of them) and the `room.score.flagged` itself. Each room event is on the
/// record with its own payload ([`append_recorded`]), so each is found by
/// its action and its payload's hash.
fn flag_evidence(conn: &mut DbConn, tender_id: &str, flag: &Value) -> Result<Vec<i64>, AppError> {
    use crate::db::schema::audit_events;
    let given: Vec<String> = room_events::table
        .filter(room_events::tender_id.eq(tender_id))
        .filter(room_events::kind.eq("score.given"))
        .select(room_events::payload_json)
        .load(conn)?;
    let mut scores = Vec::new();
    for text in given {
        let score: Value =
            serde_json::from_str(&text).map_err(|e| internal("stored room event", e))?;
        if ["lot", "bid", "criterion"]
            .iter()
            .all(|k| score[k] == flag[k])
        {
            scores.push(audit::payload_hash(&score)?);
        }
    }
    let flagged = audit::payload_hash(flag)?;
    let mut seqs: Vec<i64> = audit_events::table
        .filter(audit_events::tender_id.eq(tender_id))
        .filter(
            audit_events::action
                .eq("room.score.given")
                .and(audit_events::payload_sha256.eq_any(&scores))
                .or(audit_events::action
                    .eq("room.score.flagged")
                    .and(audit_events::payload_sha256.eq(&flagged))),
        )
        .select(audit_events::seq)
        .load(conn)?;
    seqs.sort_unstable();
    Ok(seqs)
}

/// The report signed by every member (the room has closed): the
/// tenderer's staff and its agent's are told, with the report's hash.
fn tell_finished(
    conn: &mut DbConn,
    ctx: &AuditContext,
    tender_id: &str,
    state: &State,
) -> Result<(), AppError> {
    use crate::identity::Role;
    use crate::notify::{self, Kind, Message};
    let row = crate::tenders::store::load_row(
        conn,
        &crate::types::TenderId::from_db(tender_id.to_string()),
    )?;
    let mut to = notify::users_of(conn, &row.tenderer_org_id, Role::Tenderer)?;
    if let Some(agent) = &row.agent_org_id {
        to.extend(notify::users_of(conn, agent, Role::Agent)?);
    }
    let sha256 = state
        .report_sha256
        .clone()
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("a room closed without a report")))?;
    let message = Message::new(
        Kind::EvaluationFinished,
        format!("tender:{tender_id}:evaluation_finished"),
    )
    .tender(&row.id, &row.league_code)
    .field("title", row.title.as_str())
    .field("reference", row.reference.as_str())
    .field("sha256", sha256)
    .link(format!(
        "/api/v1/tenders/{tender_id}/evaluation/report.html"
    ));
    notify::send(conn, ctx, &message, &to)?;
    Ok(())
}

/// A member joins: its first sign-in is recorded (venue staff read it).
pub fn sign_in(
    conn: &mut DbConn,
    ctx: &AuditContext,
    tender_id: &str,
    member: &RoomMember,
) -> Result<Option<RoomEvent>, AppError> {
    crate::db::lock_in_transaction(conn, &format!("tender:{tender_id}"))?;
    let seen = room_events::table
        .filter(room_events::tender_id.eq(tender_id))
        .filter(room_events::kind.eq("member.signed_in"))
        .filter(room_events::actor_id.eq(&member.expert))
        .count()
        .get_result::<i64>(conn)?
        > 0;
    if seen {
        return Ok(None);
    }
    let payload = json!({"expert": member.expert, "venue": member.venue});
    append_recorded(
        conn,
        ctx,
        tender_id,
        "member.signed_in",
        Some(&member.expert),
        None,
        &payload,
    )
    .map(Some)
}

/// A bidder answers a clarification asked of its bid.
pub fn answer_clarification(
    conn: &mut DbConn,
    ctx: &AuditContext,
    states: &States,
    tender_id: &str,
    question_id: &str,
    answer: &str,
    confirm: Option<bool>,
) -> Result<(RoomEvent, State), AppError> {
    crate::db::lock_in_transaction(conn, &format!("tender:{tender_id}"))?;
    let (_, mut state) = state(conn, states, tender_id)?;
    let Some(question) = state
        .clarifications
        .iter()
        .find(|c| c.id == question_id)
        .cloned()
    else {
        return Err(
            AppError::NotFound("no such clarification request".into()).because(
                "record.not-found",
                json!({ "what": "clarification request" }),
            ),
        );
    };
    let bid = state
        .setup
        .bids
        .iter()
        .find(|b| b.label == question.bid)
        .cloned()
        .ok_or_else(|| {
            AppError::NotFound("no such clarification request".into()).because(
                "record.not-found",
                json!({ "what": "clarification request" }),
            )
        })?;
    let org = ctx.principal.organisation.as_ref().map(|o| o.as_str());
    if !ctx.principal.has(crate::identity::Role::Bidder) || org != Some(bid.bidder_org_id.as_str())
    {
        return Err(
            AppError::Forbidden("only the bidder asked answers a clarification".into())
                .because("evaluation.bidder-answers", json!({})),
        );
    }
    if question.answer.is_some() {
        return Err(
            AppError::Conflict("this clarification is answered already".into())
                .because("evaluation.answered-already", json!({})),
        );
    }
    if state.phase != room::Phase::Scoring {
        return Err(AppError::IllegalTransition(
            "the scoring is over; answers are no longer taken".into(),
        )
        .because("evaluation.scoring-over", json!({})));
    }
    let correction = question.topic == room::Topic::Correction;
    if correction != confirm.is_some() {
        let field = if correction {
            crate::error::FieldError::new(
                "confirm",
                "a corrected price is confirmed (true) or refused (false)",
            )
            .because("evaluation.confirm-correction", json!({}))
        } else {
            crate::error::FieldError::new("confirm", "only a correction of the price is confirmed")
                .because("evaluation.confirm-only-correction", json!({}))
        };
        return Err(AppError::invalid_field(field));
    }
    let payload = json!({"id": question_id, "lot": question.lot, "bid": question.bid,
                         "answer": answer.trim(), "confirmed": confirm});
    // No actor in the room: in a blind room the bidder's account would say
    // whose bid it is. The audit record keeps who answered.
    let event = append_recorded(
        conn,
        ctx,
        tender_id,
        "clarification.answered",
        None,
        None,
        &payload,
    )?;
    state.apply(&event.to_event());
    Ok((event, state))
}

/// Clarifications asked of the bids of `org`.
pub fn clarifications_for(state: &State, org: &str) -> Vec<(room::Clarification, String)> {
    state
        .clarifications
        .iter()
        .filter_map(|c| {
            let bid = state.setup.bids.iter().find(|b| b.label == c.bid)?;
            (bid.bidder_org_id == org).then(|| (c.clone(), bid.bid_id.clone()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn labels_run_like_spreadsheet_columns() {
        let labels: Vec<String> = [0, 1, 25, 26, 27, 701, 702]
            .iter()
            .map(|i| super::label(*i))
            .collect();
        assert_eq!(labels, ["A", "B", "Z", "AA", "AB", "ZZ", "AAA"]);
    }
}
