//! A trade's storage: its terms, its applicants and their numbers, and its
//! record of events. Every write to a trade takes the tender's lock first
//! and reads the time after it, so that two quotes at once are ordered and
//! the second is judged against the first; the state is always the fold
//! of the stored events ([`engine::Trade`]), never a copy kept beside them.
//!
//! Who applied is sealed as bidders are: the applicants are read by each
//! applicant itself and by the tender's managers, who qualify them at
//! registration (资格审查 at registration for these procedures,
//! `tenders::limits`); the public, other bidders and operators of any other
//! standing see numbers (竞买号) only. The audit log records every action,
//! with the applicant as its object, sealed like a bidder's events.

use super::engine::{self, Command, Event, Outcome, Phase, Recorded, Terms, Trade};
use super::rules::{Restart, TradeKind};
use crate::audit::{self, AuditContext};
use crate::db::schema::{
    auction_applicants, auction_events, auction_reserves, auction_trades, organisations,
};
use crate::db::{DbConn, from_db_time, to_db_time};
use crate::error::AppError;
use crate::reasons::{Refusal, time, yuan};
use crate::tenders::model::TenderStatus;
use crate::tenders::store::TenderRow;
use chrono::{DateTime, NaiveDateTime, SubsecRound, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::json;

/// The audit log's object type for a trade, and for one of its applicants
/// (sealed as a bidder is: `audit::sealing::BIDDER_OBJECTS`).
pub const TRADE_OBJECT: &str = "auction";
pub const APPLICANT_OBJECT: &str = "auction_applicant";

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = auction_trades)]
pub struct TradeRow {
    pub tender_id: String,
    pub kind: String,
    pub terms_json: String,
    pub deposit_fen: i64,
    pub set_by: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl TradeRow {
    pub fn terms(&self) -> Result<Terms, AppError> {
        serde_json::from_str(&self.terms_json)
            .map_err(|e| AppError::Internal(anyhow::Error::new(e).context("stored auction terms")))
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = auction_applicants)]
pub struct ApplicantRow {
    pub tender_id: String,
    pub org_id: String,
    pub applied_by: String,
    pub applied_at: NaiveDateTime,
    pub status: String,
    pub decided_by: Option<String>,
    pub decided_at: Option<NaiveDateTime>,
    pub reason: Option<String>,
    pub deposit_confirmed_at: Option<NaiveDateTime>,
    pub deposit_source: Option<String>,
    pub deposit_reference: Option<String>,
    pub number: Option<String>,
}

/// The organiser's set-up of a trade (`PUT /tenders/{id}/auction`).
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetUp {
    /// Which trade: it must be the tender's category and method.
    pub kind: TradeKind,
    /// 起始价, in fen.
    #[schema(minimum = 1, maximum = 1_000_000_000_000_000_i64)]
    pub start_fen: i64,
    /// 增价幅度, in fen: each quote adds a whole number of these.
    #[schema(minimum = 1, maximum = 1_000_000_000_000_000_i64)]
    pub increment_fen: i64,
    /// The most increments one quote may add (none: any whole number).
    #[serde(default)]
    #[schema(minimum = 1)]
    pub max_increments: Option<u32>,
    /// 竞买保证金, in fen (0: none). An applicant quotes only once it is
    /// confirmed.
    #[schema(minimum = 0, maximum = 1_000_000_000_000_000_i64)]
    pub deposit_fen: i64,
    /// Quoting opens: at or after the tender's bid deadline (applications
    /// close then) and the notice period after publication.
    pub starts_at: DateTime<Utc>,
    /// The listing period ends (listings), or the free bidding does and
    /// the countdown starts (auctions, online bidding).
    pub free_until: DateTime<Utc>,
    /// The countdown (限时竞价), seconds; the kind's default if absent.
    #[serde(default)]
    #[schema(minimum = 10, maximum = 3600)]
    pub countdown_secs: Option<u32>,
    /// How a quote moves the countdown; the kind's rule if absent.
    #[serde(default)]
    pub restart: Option<Restart>,
    /// A sealed reserve price (底价) decides the sale: the seller seals it
    /// after publication and before quoting opens
    /// (`PUT …/auction/reserve`), and it is revealed after the close.
    #[serde(default)]
    pub reserve_sealed: bool,
}

/// An applicant as its readers see it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ApplicantView {
    pub organisation_id: String,
    pub name: String,
    pub applied_at: DateTime<Utc>,
    /// applied | qualified | refused
    pub status: String,
    pub reason: Option<String>,
    pub deposit_confirmed_at: Option<DateTime<Utc>>,
    pub deposit_source: Option<String>,
    /// 竞买号, once qualified with the deposit confirmed.
    pub number: Option<String>,
}

/// An accepted quote as everyone sees it: the number, never the name.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct QuoteView {
    pub seq: i64,
    pub number: String,
    pub amount_fen: i64,
    pub at: DateTime<Utc>,
}

/// A trade as everyone reads it (the live price board).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TradeView {
    pub tender_id: String,
    pub terms: Terms,
    pub deposit_fen: i64,
    /// Where the trade is at `now` (by the time, even before the record
    /// catches up with it).
    pub phase: Phase,
    /// The server's time this view was made at.
    pub now: DateTime<Utc>,
    /// The least amount the next quote may name.
    pub floor_fen: i64,
    pub increment_fen: i64,
    pub leader: Option<QuoteView>,
    pub quotes: Vec<QuoteView>,
    pub outcome: Option<Outcome>,
    /// The sealed reserve's commitment, and its value once revealed.
    pub reserve: ReserveView,
    /// The articles: the kind's rules.
    pub rules: &'static super::rules::KindRules,
}

/// A trade's reserve as everyone reads it: its commitment, and the value
/// once revealed.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(as = AuctionReserve)]
pub struct ReserveView {
    /// The trade's terms call for a sealed reserve.
    pub required: bool,
    /// The commitment (SHA-256 of the sealed plain text), once sealed.
    pub commitment: Option<String>,
    /// SHA-256 of the stored envelope.
    pub envelope_sha256: Option<String>,
    pub sealed_at: Option<DateTime<Utc>>,
    pub revealed_at: Option<DateTime<Utc>>,
    /// The reserve, once revealed (fen).
    pub reserve_fen: Option<i64>,
    /// What the envelope held, once opened after the close, base64: its
    /// SHA-256 is to be the commitment (`ggzy auction verify` checks it).
    pub revealed_plain: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = auction_reserves)]
pub struct ReserveRow {
    pub envelope: Vec<u8>,
    pub envelope_sha256: String,
    pub commitment: String,
    pub sealed_by: String,
    pub sealed_at: NaiveDateTime,
    pub revealed_at: Option<NaiveDateTime>,
    pub revealed_plain: Option<Vec<u8>>,
}

pub fn reserve_row(conn: &mut DbConn, tender_id: &str) -> Result<Option<ReserveRow>, AppError> {
    Ok(auction_reserves::table
        .find(tender_id)
        .select(ReserveRow::as_select())
        .first(conn)
        .optional()?)
}

/// The reserve's public view (the value only once the record reveals it).
pub fn reserve_view(
    conn: &mut DbConn,
    trade: &TradeRow,
    revealed_fen: Option<i64>,
) -> Result<ReserveView, AppError> {
    let required = trade.terms()?.reserve_sealed;
    let row = reserve_row(conn, &trade.tender_id)?;
    Ok(ReserveView {
        required,
        commitment: row.as_ref().map(|r| r.commitment.clone()),
        envelope_sha256: row.as_ref().map(|r| r.envelope_sha256.clone()),
        sealed_at: row.as_ref().map(|r| from_db_time(r.sealed_at)),
        revealed_at: row.as_ref().and_then(|r| r.revealed_at.map(from_db_time)),
        reserve_fen: revealed_fen,
        revealed_plain: row
            .as_ref()
            .and_then(|r| r.revealed_plain.as_deref())
            .map(openssl::base64::encode_block),
    })
}

/// An accepted quote's receipt: what was accepted, when by the server's
/// clock, its place in the trade's record, and an RFC 3161 timestamp over
/// the receipt's `text` (`openssl ts -verify -data <text> -in <token>`).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct QuoteReceipt {
    pub tender_id: String,
    pub seq: i64,
    pub number: String,
    pub amount_fen: i64,
    pub at: DateTime<Utc>,
    /// The countdown's end after this quote (in the timed phase).
    pub ends_at: Option<DateTime<Utc>>,
    /// The bytes timestamped: `ggzy-auction-quote-v1` lines.
    pub text: String,
    /// The RFC 3161 TimeStampResp over the SHA-256 of `text`, DER, base64
    /// (`openssl ts -verify -data text -in response -CAfile tsa-root`).
    pub timestamp_response: String,
    /// The same request seen again (its client id): nothing new recorded.
    pub duplicate: bool,
}

/// The text a quote's receipt timestamps.
pub fn receipt_text(
    tender_id: &str,
    seq: i64,
    number: &str,
    amount_fen: i64,
    at: DateTime<Utc>,
) -> String {
    format!(
        "ggzy-auction-quote-v1\ntender {tender_id}\nseq {seq}\nnumber {number}\namount_fen {amount_fen}\nat {}\n",
        at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
    )
}

/// The server's time as the record keeps it (to the microsecond, as both
/// databases store it), so the engine decides on the time it records.
pub fn record_time(now: DateTime<Utc>) -> DateTime<Utc> {
    now.trunc_subsecs(6)
}

/// An engine's refusal as an HTTP problem.
pub fn refused(r: Refusal) -> AppError {
    let (reason, params) = (r.reason, r.params);
    match r.code {
        "role" => AppError::Forbidden(r.message).because(reason, params),
        "phase" => AppError::IllegalTransition(r.message).because(reason, params),
        "duplicate" => AppError::Conflict(r.message).because(reason, params),
        _ => AppError::TradeRefused(r.message).because(reason, params),
    }
}

pub fn load(conn: &mut DbConn, tender_id: &str) -> Result<Option<TradeRow>, AppError> {
    Ok(auction_trades::table
        .find(tender_id)
        .select(TradeRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn require(conn: &mut DbConn, tender_id: &str) -> Result<TradeRow, AppError> {
    load(conn, tender_id)?.ok_or_else(|| AppError::not_found("auction"))
}

/// A tender run as a trade found by price takes quotes, not sealed bids.
pub fn refuse_sealed_bids(conn: &mut DbConn, tender_id: &str) -> Result<(), AppError> {
    match load(conn, tender_id)? {
        None => Ok(()),
        Some(_) => Err(AppError::IllegalTransition(
            "this tender is a trade found by price: apply to it and quote (POST …/auction/applications, …/auction/quotes); it takes no sealed bids".into(),
        )
        .because("auction.no-sealed-bids", json!({}))),
    }
}

/// Checks a set-up against the tender and the law's periods, and makes its
/// terms.
pub fn check_set_up(
    row: &TenderRow,
    input: &SetUp,
    calendar: &crate::calendar::Calendar,
) -> Result<Terms, AppError> {
    let status = row.status()?;
    if status != TenderStatus::Draft {
        return Err(AppError::IllegalTransition(format!(
            "the tender is {}: a trade's terms are set while the tender is a draft, and published with it",
            status.code()
        ))
        .because("auction.terms-fixed", json!({ "status": status.code() })));
    }
    let mut terms = Terms::of_kind(
        input.kind,
        input.start_fen,
        input.increment_fen,
        record_time(input.starts_at),
        record_time(input.free_until),
        input.reserve_sealed,
    );
    terms.max_increments = input.max_increments;
    if let Some(secs) = input.countdown_secs {
        terms.countdown_secs = secs;
    }
    if let Some(restart) = input.restart {
        terms.restart = restart;
    }
    check_terms(row, &terms, input.deposit_fen, calendar)?;
    Ok(terms)
}

/// The longest a trade may be set ahead of its bid deadline, or last.
pub const MAX_SPAN_DAYS: i64 = 366;

/// Checks a trade's terms against its tender as the tender is now (its
/// category and method, its bid deadline and documents' date) and the
/// law's periods: at set-up, and again at publication and at each
/// amendment, since the tender's dates may have moved since.
pub fn check_terms(
    row: &TenderRow,
    terms: &Terms,
    deposit_fen: i64,
    calendar: &crate::calendar::Calendar,
) -> Result<(), AppError> {
    let kind = terms.kind;
    let (category, method) = kind.procedure();
    if (category.code(), method.code()) != (row.category.as_str(), row.method.as_str()) {
        return Err(AppError::TradeRefused(format!(
            "a {} trade runs a tender of {} by {}; this tender is {} by {}",
            kind.code(),
            category.code(),
            method.code(),
            row.category,
            row.method
        ))
        .because(
            "auction.kind-procedure",
            json!({ "kind": kind.code(), "category": category.code(), "method": method.code() }),
        ));
    }
    if !(0..=engine::MAX_AMOUNT_FEN).contains(&deposit_fen) {
        return Err(AppError::TradeRefused(format!(
            "the deposit is 0 to {} yuan",
            yuan(engine::MAX_AMOUNT_FEN)
        ))
        .because(
            "auction.amount-range",
            json!({ "max": yuan(engine::MAX_AMOUNT_FEN) }),
        ));
    }
    if terms.max_increments == Some(0) {
        return Err(
            AppError::TradeRefused("a quote may add at least one increment".into())
                .because("auction.too-many-increments", json!({ "max": 0 })),
        );
    }
    terms.check().map_err(refused)?;
    let deadline = from_db_time(row.bid_deadline);
    let span = chrono::Duration::days(MAX_SPAN_DAYS);
    if terms.starts_at > deadline + span || terms.free_until > terms.starts_at + span {
        return Err(AppError::TradeRefused(format!(
            "a trade starts within {MAX_SPAN_DAYS} days of its bid deadline and quotes for at most {MAX_SPAN_DAYS} days"
        ))
        .because("auction.period-range", json!({ "days": MAX_SPAN_DAYS })));
    }
    if terms.starts_at < deadline {
        return Err(AppError::TimeLimit(format!(
            "quoting opens at {}, before applications close at the tender's bid deadline ({}): the qualified bidders are known before the first quote",
            time(terms.starts_at),
            time(deadline)
        ))
        .because(
            "auction.starts-before-applications-close",
            json!({ "starts_at": time(terms.starts_at), "deadline": time(deadline) }),
        ));
    }
    let rules = kind.rules();
    let notice = rules.notice_before_start;
    let available = from_db_time(row.documents_available_at);
    let earliest = notice.end(available, calendar)?;
    if terms.starts_at < earliest {
        return Err(AppError::TimeLimit(format!(
            "the notice comes at least {} before the trade starts [{}]: from {} the earliest start is {}",
            notice.describe(),
            notice.basis,
            time(available),
            time(earliest)
        ))
        .because(
            "auction.notice-period",
            json!({
                "days": notice.days, "unit": notice.unit_code(),
                "earliest": time(earliest), "basis": notice.cite,
            }),
        ));
    }
    if let Some(listing) = rules.listing_min {
        let earliest = listing.end(terms.starts_at, calendar)?;
        if terms.free_until < earliest {
            return Err(AppError::TimeLimit(format!(
                "the listing lasts at least {} [{}]: from {} it ends no earlier than {}",
                listing.describe(),
                listing.basis,
                time(terms.starts_at),
                time(earliest)
            ))
            .because(
                "auction.listing-period",
                json!({
                    "days": listing.days, "unit": listing.unit_code(),
                    "earliest": time(earliest), "basis": listing.cite,
                }),
            ));
        }
    }
    Ok(())
}

/// A tender's transition, as it concerns its trade (if it has one): at
/// publication the terms are checked again against the tender as
/// published; a trade has no opening (nor what follows one): its
/// applicants stay sealed and its outcome is the engine's.
pub fn before_transition(
    conn: &mut DbConn,
    row: &TenderRow,
    action: crate::tenders::lifecycle::Action,
) -> Result<(), AppError> {
    use crate::tenders::lifecycle::Action;
    let Some(trade) = load(conn, &row.id)? else {
        return Ok(());
    };
    match action {
        Action::Publish => recheck(conn, row, &trade),
        Action::StartOpening | Action::StartEvaluation => Err(AppError::IllegalTransition(
            "this tender is a trade found by price: it has no opening or evaluation; its outcome is the trade's".into(),
        )
        .because("auction.no-opening", json!({}))),
        _ => Ok(()),
    }
}

/// Checks a trade's stored terms against its tender as it is now (after an
/// amendment, say), if it has a trade.
pub fn recheck_if_trade(conn: &mut DbConn, row: &TenderRow) -> Result<(), AppError> {
    match load(conn, &row.id)? {
        Some(trade) => recheck(conn, row, &trade),
        None => Ok(()),
    }
}

fn recheck(conn: &mut DbConn, row: &TenderRow, trade: &TradeRow) -> Result<(), AppError> {
    let calendar = crate::calendar::current(conn)?;
    check_terms(row, &trade.terms()?, trade.deposit_fen, &calendar)
}

/// Records a trade's set-up (or replaces it, while the tender is a draft).
pub fn set_up(
    conn: &mut DbConn,
    ctx: &AuditContext,
    row: &TenderRow,
    input: &SetUp,
) -> Result<TradeRow, AppError> {
    let calendar = crate::calendar::current(conn)?;
    let terms = check_set_up(row, input, &calendar)?;
    let now = to_db_time(ctx.now);
    let terms_json = serde_json::to_string(&terms)
        .map_err(|e| AppError::Internal(anyhow::Error::new(e).context("auction terms")))?;
    let set_by = ctx
        .principal
        .user_id
        .as_ref()
        .map(|u| u.to_string())
        .ok_or_else(crate::identity::sign_in_first)?;
    let existing = load(conn, &row.id)?;
    if existing.is_some() {
        diesel::update(auction_trades::table.find(&row.id))
            .set((
                auction_trades::kind.eq(input.kind.code()),
                auction_trades::terms_json.eq(&terms_json),
                auction_trades::deposit_fen.eq(input.deposit_fen),
                auction_trades::set_by.eq(&set_by),
                auction_trades::updated_at.eq(now),
            ))
            .execute(conn)?;
    } else {
        diesel::insert_into(auction_trades::table)
            .values((
                auction_trades::tender_id.eq(&row.id),
                auction_trades::kind.eq(input.kind.code()),
                auction_trades::terms_json.eq(&terms_json),
                auction_trades::deposit_fen.eq(input.deposit_fen),
                auction_trades::set_by.eq(&set_by),
                auction_trades::created_at.eq(now),
                auction_trades::updated_at.eq(now),
            ))
            .execute(conn)?;
    }
    audit::record(
        conn,
        ctx,
        if existing.is_some() {
            "auction.terms_changed"
        } else {
            "auction.set_up"
        },
        TRADE_OBJECT,
        &row.id,
        Some(&row.id),
        &json!({ "terms": terms, "deposit_fen": input.deposit_fen }),
    )?;
    require(conn, &row.id)
}

/// A trade's events with their sequence numbers, in order.
pub type Record = Vec<(i64, Recorded)>;

/// The trade's record, in order.
pub fn events(conn: &mut DbConn, tender_id: &str) -> Result<Record, AppError> {
    let rows: Vec<(i64, NaiveDateTime, String)> = auction_events::table
        .filter(auction_events::tender_id.eq(tender_id))
        .order(auction_events::seq.asc())
        .select((
            auction_events::seq,
            auction_events::occurred_at,
            auction_events::payload_json,
        ))
        .load(conn)?;
    rows.into_iter()
        .map(|(seq, at, payload)| {
            let event: Event = serde_json::from_str(&payload).map_err(|e| {
                AppError::Internal(anyhow::Error::new(e).context("a stored auction event"))
            })?;
            Ok((
                seq,
                Recorded {
                    at: from_db_time(at),
                    event,
                },
            ))
        })
        .collect()
}

/// The numbers of the bidders who may quote: qualified, deposit confirmed
/// (or none asked), numbered.
pub fn qualified_numbers(conn: &mut DbConn, tender_id: &str) -> Result<Vec<String>, AppError> {
    Ok(auction_applicants::table
        .filter(auction_applicants::tender_id.eq(tender_id))
        .filter(auction_applicants::number.is_not_null())
        .select(auction_applicants::number.assume_not_null())
        .order(auction_applicants::number.asc())
        .load(conn)?)
}

/// The trade as its record makes it, with the last sequence number.
pub fn state(conn: &mut DbConn, trade: &TradeRow) -> Result<(Trade, i64, Record), AppError> {
    let terms = trade.terms()?;
    let numbers = qualified_numbers(conn, &trade.tender_id)?;
    let mut state = Trade::new(terms, numbers);
    let record = events(conn, &trade.tender_id)?;
    for (_, r) in &record {
        state.apply(r);
    }
    let last = record.last().map_or(0, |(seq, _)| *seq);
    Ok((state, last, record))
}

/// Appends events to the record (and the audit log), numbered after
/// `last`; returns the new last number. The first of `by`'s events is the
/// actor's (with its client id and, for a quote, the amount and token).
#[allow(clippy::too_many_arguments)]
fn append(
    conn: &mut DbConn,
    ctx: &AuditContext,
    tender_id: &str,
    last: &mut i64,
    recorded: &[Recorded],
    actor: Option<(&str, &str, &str)>,
    token: Option<&[u8]>,
) -> Result<Vec<i64>, AppError> {
    let mut seqs = Vec::new();
    for (i, r) in recorded.iter().enumerate() {
        *last += 1;
        let payload = serde_json::to_string(&r.event)
            .map_err(|e| AppError::Internal(anyhow::Error::new(e).context("auction event")))?;
        let mine = if i == 0 { actor } else { None };
        let amount = match &r.event {
            Event::QuoteAccepted { amount_fen, .. } => Some(*amount_fen),
            _ => None,
        };
        diesel::insert_into(auction_events::table)
            .values((
                auction_events::tender_id.eq(tender_id),
                auction_events::seq.eq(*last),
                auction_events::occurred_at.eq(to_db_time(r.at)),
                auction_events::kind.eq(r.event.kind()),
                auction_events::payload_json.eq(&payload),
                auction_events::actor_id.eq(mine.map(|m| m.0)),
                auction_events::org_id.eq(mine.map(|m| m.1)),
                auction_events::client_id.eq(mine.map(|m| m.2)),
                auction_events::amount_fen.eq(amount),
                auction_events::timestamp_token.eq(if i == 0 { token } else { None }),
            ))
            .execute(conn)?;
        let (object_type, object_id) = match mine {
            Some((_, org, _)) => (APPLICANT_OBJECT, org.to_string()),
            None => (TRADE_OBJECT, tender_id.to_string()),
        };
        let event_ctx = if mine.is_some() {
            ctx.clone()
        } else {
            AuditContext {
                now: r.at,
                ..AuditContext::system(r.at)
            }
        };
        audit::record(
            conn,
            &event_ctx,
            &format!("auction.{}", r.event.kind()),
            object_type,
            &object_id,
            Some(tender_id),
            &json!({ "seq": *last, "at": r.at, "event": r.event }),
        )?;
        seqs.push(*last);
    }
    Ok(seqs)
}

/// Asks the trade to do `command` at `now` (under the tender's lock): the
/// time's due events are recorded first, by the system, then the
/// command's, by `ctx` (with `actor`: user, organisation and client id, on
/// the first). Returns the command's recorded events or the engine's
/// refusal, and the time's events, recorded either way.
pub fn act(
    conn: &mut DbConn,
    ctx: &AuditContext,
    trade: &TradeRow,
    command: &Command,
    now: DateTime<Utc>,
    actor: Option<(&str, &str, &str)>,
) -> Result<(Result<Record, Refusal>, Record), AppError> {
    let (mut state, mut last, _) = state(conn, trade)?;
    let step = state.step(command, now);
    let advanced = append_by_time(conn, &trade.tender_id, &mut last, step.advanced, now)?;
    let decided = match step.decided {
        Ok(events) => {
            let seqs = append(conn, ctx, &trade.tender_id, &mut last, &events, actor, None)?;
            Ok(seqs.into_iter().zip(events).collect())
        }
        Err(refusal) => Err(refusal),
    };
    Ok((decided, advanced))
}

/// Records what the time has made of a trade by `now` (each event at the
/// instant it was due). Idempotent: a second call at the same time records
/// nothing. Call it under the tender's lock.
pub fn catch_up(
    conn: &mut DbConn,
    trade: &TradeRow,
    now: DateTime<Utc>,
) -> Result<Vec<(i64, Recorded)>, AppError> {
    let (mut state, mut last, _) = state(conn, trade)?;
    let advanced = state.advance(record_time(now));
    append_by_time(conn, &trade.tender_id, &mut last, advanced, now)
}

/// Records the time's events (by the system, each at the instant it was
/// due), numbered after `last`.
fn append_by_time(
    conn: &mut DbConn,
    tender_id: &str,
    last: &mut i64,
    advanced: Vec<Recorded>,
    now: DateTime<Utc>,
) -> Result<Record, AppError> {
    let system = AuditContext::system(now);
    let seqs = append(conn, &system, tender_id, last, &advanced, None, None)?;
    Ok(seqs.into_iter().zip(advanced).collect())
}

/// The trades whose record may be behind the time: set up, published, not
/// decided.
pub fn undecided(conn: &mut DbConn) -> Result<Vec<TradeRow>, AppError> {
    use crate::db::schema::tenders;
    let decided: Vec<String> = auction_events::table
        .filter(auction_events::kind.eq("decided"))
        .select(auction_events::tender_id)
        .load(conn)?;
    let rows: Vec<TradeRow> = auction_trades::table
        .inner_join(tenders::table.on(tenders::id.eq(auction_trades::tender_id)))
        .filter(tenders::status.eq(TenderStatus::Published.code()))
        .select(TradeRow::as_select())
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter(|r| !decided.contains(&r.tender_id))
        .collect())
}

fn quote_view(seq: i64, r: &Recorded) -> Option<QuoteView> {
    match &r.event {
        Event::QuoteAccepted {
            number, amount_fen, ..
        } => Some(QuoteView {
            seq,
            number: number.clone(),
            amount_fen: *amount_fen,
            at: r.at,
        }),
        _ => None,
    }
}

/// The trade as everyone reads it at `now`.
pub fn view(
    conn: &mut DbConn,
    trade: &TradeRow,
    now: DateTime<Utc>,
) -> Result<TradeView, AppError> {
    let (mut state, _, record) = state(conn, trade)?;
    // What the time has made of it by now, whether or not recorded yet.
    state.advance(record_time(now).max(state.last_at().unwrap_or(now)));
    let quotes: Vec<QuoteView> = record
        .iter()
        .filter_map(|(seq, r)| quote_view(*seq, r))
        .collect();
    Ok(TradeView {
        tender_id: trade.tender_id.clone(),
        terms: state.terms().clone(),
        deposit_fen: trade.deposit_fen,
        phase: state.phase().clone(),
        now,
        floor_fen: state.floor_fen(),
        increment_fen: state.increment_fen(),
        leader: quotes.last().cloned(),
        quotes,
        outcome: state.outcome().cloned(),
        reserve: reserve_view(conn, trade, state.reserve_fen())?,
        rules: state.terms().kind.rules(),
    })
}

/// A decided trade's whole record, for anyone to replay (`ggzy auction
/// verify`): its terms, the numbers that could quote, every event in
/// order, and the outcome the platform holds.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TradeRecord {
    /// `ggzy-auction-record-v1`
    pub format: String,
    pub tender_id: String,
    pub terms: Terms,
    /// The qualified bidders' numbers (sealed until the trade is decided).
    pub qualified: Vec<String>,
    pub events: Vec<RecordedEvent>,
    pub outcome: Option<Outcome>,
    /// The sealed reserve: its commitment and what its envelope held, for
    /// the reveal to be checked (absent from records of before it).
    #[serde(default)]
    pub reserve: Option<ReserveView>,
}

/// One event of a record with its number.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RecordedEvent {
    pub seq: i64,
    #[serde(flatten)]
    pub recorded: Recorded,
}

pub const RECORD_FORMAT: &str = "ggzy-auction-record-v1";

/// The record of a decided trade (409 before: the numbers that could quote
/// tell how many took part).
pub fn record(conn: &mut DbConn, trade: &TradeRow) -> Result<TradeRecord, AppError> {
    let (state, _, events) = state(conn, trade)?;
    let Some(outcome) = state.outcome().cloned() else {
        return Err(AppError::IllegalTransition(
            "the trade's record is published once it is decided; until then its board shows every accepted quote".into(),
        )
        .because("auction.record-after-close", json!({})));
    };
    Ok(TradeRecord {
        format: RECORD_FORMAT.into(),
        tender_id: trade.tender_id.clone(),
        terms: trade.terms()?,
        qualified: qualified_numbers(conn, &trade.tender_id)?,
        events: events
            .into_iter()
            .map(|(seq, recorded)| RecordedEvent { seq, recorded })
            .collect(),
        outcome: Some(outcome),
        reserve: Some(reserve_view(conn, trade, state.reserve_fen())?),
    })
}

// --- Applicants.

pub fn applicant(
    conn: &mut DbConn,
    tender_id: &str,
    org: &str,
) -> Result<Option<ApplicantRow>, AppError> {
    Ok(auction_applicants::table
        .find((tender_id, org))
        .select(ApplicantRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn applicant_view(conn: &mut DbConn, a: &ApplicantRow) -> Result<ApplicantView, AppError> {
    let name: String = organisations::table
        .find(&a.org_id)
        .select(organisations::name)
        .first(conn)?;
    Ok(ApplicantView {
        organisation_id: a.org_id.clone(),
        name,
        applied_at: from_db_time(a.applied_at),
        status: a.status.clone(),
        reason: a.reason.clone(),
        deposit_confirmed_at: a.deposit_confirmed_at.map(from_db_time),
        deposit_source: a.deposit_source.clone(),
        number: a.number.clone(),
    })
}

pub fn applicants(conn: &mut DbConn, tender_id: &str) -> Result<Vec<ApplicantView>, AppError> {
    let rows: Vec<ApplicantRow> = auction_applicants::table
        .filter(auction_applicants::tender_id.eq(tender_id))
        .order(auction_applicants::applied_at.asc())
        .select(ApplicantRow::as_select())
        .load(conn)?;
    rows.iter().map(|a| applicant_view(conn, a)).collect()
}

/// Applications are taken while the tender is published, until its bid
/// deadline (to the second, as bids are).
fn taking_applications(row: &TenderRow, now: DateTime<Utc>) -> Result<(), AppError> {
    let status = row.status()?;
    if status != TenderStatus::Published {
        return Err(AppError::IllegalTransition(format!(
            "the tender is {}: applications are taken only while it is published",
            status.code()
        ))
        .because(
            "auction.not-taking-applications",
            json!({ "status": status.code() }),
        ));
    }
    crate::bids::deadline::check(from_db_time(row.bid_deadline), now)
}

/// An enterprise applies (竞买申请).
pub fn apply(
    conn: &mut DbConn,
    ctx: &AuditContext,
    row: &TenderRow,
    org: &str,
    user: &str,
) -> Result<ApplicantRow, AppError> {
    require(conn, &row.id)?;
    taking_applications(row, ctx.now)?;
    if applicant(conn, &row.id, org)?.is_some() {
        return Err(
            AppError::Conflict("your enterprise has applied to this trade already".into())
                .because("auction.applied-already", json!({})),
        );
    }
    diesel::insert_into(auction_applicants::table)
        .values((
            auction_applicants::tender_id.eq(&row.id),
            auction_applicants::org_id.eq(org),
            auction_applicants::applied_by.eq(user),
            auction_applicants::applied_at.eq(to_db_time(ctx.now)),
            auction_applicants::status.eq("applied"),
        ))
        .execute(conn)?;
    audit::record(
        conn,
        ctx,
        "auction.applied",
        APPLICANT_OBJECT,
        org,
        Some(&row.id),
        &json!({}),
    )?;
    applicant(conn, &row.id, org)?.ok_or_else(|| AppError::not_found("applicant"))
}

/// The organiser's decisions on an applicant are made before quoting
/// opens: the qualified bidders are fixed then (by the clock, and by the
/// record: nothing recorded yet, whatever this node's clock says).
fn before_quoting(conn: &mut DbConn, trade: &TradeRow, now: DateTime<Utc>) -> Result<(), AppError> {
    let terms = trade.terms()?;
    let recorded: i64 = auction_events::table
        .filter(auction_events::tender_id.eq(&trade.tender_id))
        .count()
        .get_result(conn)?;
    if now >= terms.starts_at || recorded > 0 {
        return Err(AppError::IllegalTransition(format!(
            "quoting opened at {}: the qualified bidders are fixed",
            time(terms.starts_at)
        ))
        .because(
            "auction.bidders-fixed",
            json!({ "starts_at": time(terms.starts_at) }),
        ));
    }
    Ok(())
}

/// A 竞买号: six random digits, unique in the trade.
fn new_number(conn: &mut DbConn, tender_id: &str) -> Result<String, AppError> {
    loop {
        let mut bytes = [0u8; 4];
        openssl::rand::rand_bytes(&mut bytes)
            .map_err(|e| AppError::Internal(anyhow::Error::new(e).context("a bidder number")))?;
        let number = format!("{:06}", u32::from_be_bytes(bytes) % 1_000_000);
        let taken: i64 = auction_applicants::table
            .filter(auction_applicants::tender_id.eq(tender_id))
            .filter(auction_applicants::number.eq(&number))
            .count()
            .get_result(conn)?;
        if taken == 0 {
            return Ok(number);
        }
    }
}

/// Numbers the applicant once it is qualified with its deposit confirmed.
fn number_if_ready(
    conn: &mut DbConn,
    trade: &TradeRow,
    org: &str,
) -> Result<ApplicantRow, AppError> {
    let a =
        applicant(conn, &trade.tender_id, org)?.ok_or_else(|| AppError::not_found("applicant"))?;
    let paid = trade.deposit_fen == 0 || a.deposit_confirmed_at.is_some();
    if a.status == "qualified" && paid && a.number.is_none() {
        let number = new_number(conn, &trade.tender_id)?;
        diesel::update(auction_applicants::table.find((&trade.tender_id, org)))
            .set(auction_applicants::number.eq(&number))
            .execute(conn)?;
        return applicant(conn, &trade.tender_id, org)?
            .ok_or_else(|| AppError::not_found("applicant"));
    }
    Ok(a)
}

/// The organiser qualifies an applicant or refuses it, with a reason.
pub fn decide(
    conn: &mut DbConn,
    ctx: &AuditContext,
    trade: &TradeRow,
    org: &str,
    qualify: bool,
    reason: Option<&str>,
) -> Result<ApplicantRow, AppError> {
    before_quoting(conn, trade, ctx.now)?;
    let a =
        applicant(conn, &trade.tender_id, org)?.ok_or_else(|| AppError::not_found("applicant"))?;
    if a.status != "applied" {
        return Err(
            AppError::Conflict(format!("the applicant is {} already", a.status))
                .because("auction.decided-already", json!({ "status": a.status })),
        );
    }
    if !qualify && reason.is_none_or(|r| r.trim().is_empty()) {
        return Err(AppError::invalid_field(
            crate::error::FieldError::new("reason", "a refusal says why")
                .because("text.empty", json!({})),
        ));
    }
    let status = if qualify { "qualified" } else { "refused" };
    diesel::update(auction_applicants::table.find((&trade.tender_id, org)))
        .set((
            auction_applicants::status.eq(status),
            auction_applicants::decided_by.eq(ctx
                .principal
                .user_id
                .as_ref()
                .map(|u| u.to_string())),
            auction_applicants::decided_at.eq(to_db_time(ctx.now)),
            auction_applicants::reason.eq(reason),
        ))
        .execute(conn)?;
    audit::record(
        conn,
        ctx,
        if qualify {
            "auction.qualified"
        } else {
            "auction.refused"
        },
        APPLICANT_OBJECT,
        org,
        Some(&trade.tender_id),
        &json!({ "reason": reason }),
    )?;
    number_if_ready(conn, trade, org)
}

/// Where a deposit's confirmation came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DepositSource {
    Organiser,
    Bank,
}

impl DepositSource {
    pub fn code(self) -> &'static str {
        match self {
            DepositSource::Organiser => "organiser",
            DepositSource::Bank => "bank",
        }
    }
}

/// The deposit arrived (recorded by the organiser, or told by the bank).
/// Idempotent: a second confirmation changes nothing and says so.
pub fn confirm_deposit(
    conn: &mut DbConn,
    ctx: &AuditContext,
    trade: &TradeRow,
    org: &str,
    source: DepositSource,
    reference: &str,
) -> Result<(ApplicantRow, bool), AppError> {
    let a =
        applicant(conn, &trade.tender_id, org)?.ok_or_else(|| AppError::not_found("applicant"))?;
    if a.deposit_confirmed_at.is_some() {
        return Ok((a, false));
    }
    before_quoting(conn, trade, ctx.now)?;
    diesel::update(auction_applicants::table.find((&trade.tender_id, org)))
        .set((
            auction_applicants::deposit_confirmed_at.eq(to_db_time(ctx.now)),
            auction_applicants::deposit_source.eq(source.code()),
            auction_applicants::deposit_reference.eq(reference),
        ))
        .execute(conn)?;
    audit::record(
        conn,
        ctx,
        "auction.deposit_confirmed",
        APPLICANT_OBJECT,
        org,
        Some(&trade.tender_id),
        &json!({ "source": source.code(), "reference": reference, "amount_fen": trade.deposit_fen }),
    )?;
    Ok((number_if_ready(conn, trade, org)?, true))
}

// --- Quoting.

/// A quote as asked.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuoteInput {
    /// The client's id for this request (1 to 64 characters): the same id
    /// again is the same quote, answered with its receipt.
    #[schema(min_length = 1, max_length = 64)]
    pub id: String,
    /// The amount quoted, in fen.
    pub amount_fen: i64,
    /// The bidder's number as the client knows it: if given, it must be
    /// the caller's.
    #[serde(default)]
    #[schema(max_length = 16)]
    pub number: Option<String>,
}

/// What a quote came to, with the events recorded on the way (the time's,
/// then the quote's).
pub struct Quoted {
    pub receipt: Result<QuoteReceipt, AppError>,
    pub recorded: Vec<(i64, Recorded)>,
}

fn receipt_of(
    conn: &mut DbConn,
    tender_id: &str,
    seq: i64,
    duplicate: bool,
) -> Result<QuoteReceipt, AppError> {
    let (at, payload, token): (NaiveDateTime, String, Option<Vec<u8>>) = auction_events::table
        .find((tender_id, seq))
        .select((
            auction_events::occurred_at,
            auction_events::payload_json,
            auction_events::timestamp_token,
        ))
        .first(conn)?;
    let at = from_db_time(at);
    let Ok(Event::QuoteAccepted {
        number,
        amount_fen,
        ends_at,
    }) = serde_json::from_str::<Event>(&payload)
    else {
        return Err(id_reused());
    };
    Ok(QuoteReceipt {
        tender_id: tender_id.to_string(),
        seq,
        text: receipt_text(tender_id, seq, &number, amount_fen, at),
        number,
        amount_fen,
        at,
        ends_at,
        timestamp_response: openssl::base64::encode_block(&token.unwrap_or_default()),
        duplicate,
    })
}

/// A bidder's quote, under the tender's lock with the time read after it:
/// the time's due events are recorded first, then the quote if the engine
/// accepts it, with an RFC 3161 timestamp over its receipt. A refused quote
/// records nothing of its own (the time's events stand).
#[allow(clippy::too_many_arguments)]
pub fn quote(
    conn: &mut DbConn,
    ctx: &AuditContext,
    tsa: &crate::tsa::Tsa,
    clock: &dyn crate::clock::Clock,
    trade: &TradeRow,
    org: &str,
    user: &str,
    input: &QuoteInput,
) -> Result<Quoted, AppError> {
    let id = input.id.as_str();
    let (number, now) = match prepare(conn, clock, trade, org, id, input.number.as_deref())? {
        Prepared::Seen(seq) => {
            return Ok(Quoted {
                receipt: receipt_of(conn, &trade.tender_id, seq, true),
                recorded: Vec::new(),
            });
        }
        Prepared::Ready { number, now } => (number, now),
    };
    let ctx = AuditContext { now, ..ctx.clone() };
    let (mut state, mut last, _) = state(conn, trade)?;
    let step = state.step(
        &Command::Quote {
            number: number.clone(),
            amount_fen: input.amount_fen,
        },
        now,
    );
    let mut recorded = append_by_time(conn, &trade.tender_id, &mut last, step.advanced, now)?;
    let events = match step.decided {
        Ok(events) => events,
        Err(refusal) => {
            return Ok(Quoted {
                receipt: Err(refused(refusal)),
                recorded,
            });
        }
    };
    let Some(first) = events.first() else {
        return Err(AppError::Internal(anyhow::anyhow!(
            "an accepted quote made no event"
        )));
    };
    let text = receipt_text(
        &trade.tender_id,
        last + 1,
        &number,
        input.amount_fen,
        first.at,
    );
    let token = tsa
        .stamp(&openssl::sha::sha256(text.as_bytes()), first.at)
        .map_err(|e| AppError::Internal(anyhow::Error::new(e).context("timestamping a quote")))?;
    let seqs = append(
        conn,
        &ctx,
        &trade.tender_id,
        &mut last,
        &events,
        Some((user, org, id)),
        Some(&token.response_der),
    )?;
    let seq = seqs[0];
    recorded.extend(seqs.into_iter().zip(events));
    Ok(Quoted {
        receipt: receipt_of(conn, &trade.tender_id, seq, false),
        recorded,
    })
}

/// Where a bidder's request stands before the engine judges it.
enum Prepared {
    /// The same client id was recorded before, as this event.
    Seen(i64),
    /// The bidder's number, and the time read under the lock.
    Ready { number: String, now: DateTime<Utc> },
}

/// Under the tender's lock: the client id (a repeat is answered as
/// before), the caller's number (qualified, its deposit confirmed; a number
/// claimed must be its own), the tender published and not suspended, and
/// the time, read after the lock so that nothing taken after this request
/// carries an earlier time.
fn prepare(
    conn: &mut DbConn,
    clock: &dyn crate::clock::Clock,
    trade: &TradeRow,
    org: &str,
    id: &str,
    claimed: Option<&str>,
) -> Result<Prepared, AppError> {
    crate::db::lock_in_transaction(conn, &format!("tender:{}", trade.tender_id))?;
    crate::error::text_field("id", id, true, 64)?;
    let seen: Option<i64> = auction_events::table
        .filter(auction_events::tender_id.eq(&trade.tender_id))
        .filter(auction_events::org_id.eq(org))
        .filter(auction_events::client_id.eq(id))
        .select(auction_events::seq)
        .first(conn)
        .optional()?;
    if let Some(seq) = seen {
        return Ok(Prepared::Seen(seq));
    }
    let mine = applicant(conn, &trade.tender_id, org)?;
    let Some(number) = mine.and_then(|a| a.number) else {
        return Err(AppError::Forbidden(
            "your enterprise may not quote in this trade: it has not applied, is not qualified, or its deposit is not confirmed".into(),
        )
        .because("auction.not-qualified", json!({})));
    };
    if claimed.is_some_and(|n| n != number) {
        return Err(AppError::Forbidden(
            "that bidder number is not your enterprise's: you quote under your own".into(),
        )
        .because("auction.number-not-yours", json!({})));
    }
    let now = record_time(clock.now());
    let tender = crate::tenders::store::load_row(
        conn,
        &crate::types::TenderId::from_db(trade.tender_id.clone()),
    )?;
    let status = tender.status()?;
    if status != TenderStatus::Published {
        return Err(AppError::IllegalTransition(format!(
            "the tender is {}: quotes are taken only while it is published",
            status.code()
        ))
        .because(
            "auction.tender-not-published",
            json!({ "status": status.code() }),
        ));
    }
    crate::objections::store::refuse_if_suspended(conn, &trade.tender_id, now)?;
    Ok(Prepared::Ready { number, now })
}

/// A declaration's number in the record and whether it was seen before,
/// or why it was refused.
pub type Declaration = Result<(i64, bool), AppError>;

/// A listing's bidder declares that it continues into the timed phase
/// (39号令 第19条: "询问竞买人是否愿意继续竞价"). Returns the event's
/// number, or why it was refused, with the events recorded on the way.
pub fn declare(
    conn: &mut DbConn,
    ctx: &AuditContext,
    clock: &dyn crate::clock::Clock,
    trade: &TradeRow,
    org: &str,
    user: &str,
    id: &str,
) -> Result<(Declaration, Record), AppError> {
    let (number, now) = match prepare(conn, clock, trade, org, id, None)? {
        Prepared::Seen(seq) => {
            let kind: String = auction_events::table
                .find((&trade.tender_id, seq))
                .select(auction_events::kind)
                .first(conn)?;
            if kind != "continue_declared" {
                return Err(id_reused());
            }
            return Ok((Ok((seq, true)), Vec::new()));
        }
        Prepared::Ready { number, now } => (number, now),
    };
    let ctx = AuditContext { now, ..ctx.clone() };
    let (decided, recorded) = act(
        conn,
        &ctx,
        trade,
        &Command::Continue { number },
        now,
        Some((user, org, id)),
    )?;
    let events = match decided {
        Ok(events) => events,
        Err(refusal) => return Ok((Err(refused(refusal)), recorded)),
    };
    let Some(seq) = events.first().map(|(seq, _)| *seq) else {
        return Err(AppError::Internal(anyhow::anyhow!(
            "a declaration made no event"
        )));
    };
    let mut recorded = recorded;
    recorded.extend(events);
    Ok((Ok((seq, false)), recorded))
}

fn id_reused() -> AppError {
    AppError::Conflict(
        "this id was used for another request: send each request with its own id".into(),
    )
    .because("auction.id-reused", json!({}))
}

/// The caller's own quotes' receipts.
pub fn my_receipts(
    conn: &mut DbConn,
    tender_id: &str,
    org: &str,
) -> Result<Vec<QuoteReceipt>, AppError> {
    let seqs: Vec<i64> = auction_events::table
        .filter(auction_events::tender_id.eq(tender_id))
        .filter(auction_events::org_id.eq(org))
        .filter(auction_events::kind.eq("quote_accepted"))
        .order(auction_events::seq.asc())
        .select(auction_events::seq)
        .load(conn)?;
    seqs.into_iter()
        .map(|seq| receipt_of(conn, tender_id, seq, false))
        .collect()
}
