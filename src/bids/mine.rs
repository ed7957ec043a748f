//! "My tenders": a bidding enterprise's own part in each tender it has
//! touched — documents taken, questions asked, bids (every version, with
//! its state), unfinished upload sessions, its own opening lines and
//! objections, the objection windows open to it, and its own result once
//! decided. Only the caller's enterprise's rows are read: who else took the
//! documents, asked or bid stays sealed (招标投标法 第22条), so nothing here
//! names or counts another bidder.

use super::store::{self, BidView, UploadRow, UploadView};
use crate::app::AppState;
use crate::db::schema::{
    bid_openings, bid_uploads, bids, clarifications, document_takers, objections, users,
};
use crate::db::{DbConn, from_db_time};
use crate::error::AppError;
use crate::evaluation::routes::RoomClarification;
use crate::evaluation::store::States;
use crate::identity::Principal;
use crate::objections::store::{Objection, ObjectionWindow};
use crate::tenders::clarifications::ClarificationView;
use crate::tenders::own_result::OwnResult;
use crate::tenders::routes::parse_id;
use crate::tenders::store::{self as tenders, TenderRow, TenderSummary};
use crate::types::{ClarificationId, TenderId};
use actix_web::{get, web};
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use std::collections::BTreeSet;

/// How the opening read one of the enterprise's bids.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OwnOpening {
    pub bid_id: String,
    /// `valid`, or why not (`revoked`, `withdrawn`, …).
    pub outcome: String,
    pub reason: Option<String>,
    pub total_price_fen: Option<i64>,
    pub sealed: bool,
    pub opened_at: DateTime<Utc>,
}

/// One tender as the enterprise sees its own part in it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MyTender {
    pub tender: TenderSummary,
    pub clarification_deadline: DateTime<Utc>,
    /// When one of the enterprise's users first downloaded a document.
    pub documents_taken_at: Option<DateTime<Utc>>,
    /// The questions the enterprise's users asked (answered or not).
    pub questions: Vec<ClarificationView>,
    /// Every version of its bid, newest first: `submitted` is the current
    /// one, `replaced` and `withdrawn` the others.
    pub bids: Vec<BidView>,
    /// Upload sessions not completed and not expired: resume them at
    /// `offset` (`PATCH /api/v1/bid-uploads/{id}`).
    pub uploads: Vec<UploadView>,
    /// Its own lines of the opening record, once opened.
    pub opening: Vec<OwnOpening>,
    /// The objections it raised.
    pub objections: Vec<Objection>,
    /// Each objection subject's window for this enterprise, now.
    pub objection_windows: Vec<ObjectionWindow>,
    /// What the evaluation committee asked of its bids (and its answers),
    /// once the room is open: answer at
    /// `POST /tenders/{id}/evaluation/clarifications/{question}/answer`.
    pub committee_questions: Vec<RoomClarification>,
    /// Its own result once the tender is decided and one of its bids was
    /// opened (the same as `GET /tenders/{id}/result/mine`).
    pub result: Option<OwnResult>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MyTenderList {
    /// Newest bid deadline first.
    pub items: Vec<MyTender>,
}

/// The users of the enterprise (its questions are theirs).
fn members(conn: &mut DbConn, org: &str) -> Result<Vec<String>, AppError> {
    Ok(users::table
        .filter(users::organisation_id.eq(org))
        .select(users::id)
        .load(conn)?)
}

/// The tenders the enterprise has any part in.
fn touched(conn: &mut DbConn, org: &str, people: &[String]) -> Result<BTreeSet<String>, AppError> {
    let mut ids = BTreeSet::new();
    ids.extend(
        document_takers::table
            .filter(document_takers::organisation_id.eq(org))
            .select(document_takers::tender_id)
            .load::<String>(conn)?,
    );
    ids.extend(
        clarifications::table
            .filter(clarifications::asked_by.eq_any(people))
            .select(clarifications::tender_id)
            .load::<String>(conn)?,
    );
    ids.extend(
        bids::table
            .filter(bids::bidder_org_id.eq(org))
            .select(bids::tender_id)
            .load::<String>(conn)?,
    );
    ids.extend(
        bid_uploads::table
            .filter(bid_uploads::bidder_org_id.eq(org))
            .select(bid_uploads::tender_id)
            .load::<String>(conn)?,
    );
    ids.extend(
        objections::table
            .filter(objections::bidder_org_id.eq(org))
            .select(objections::tender_id)
            .load::<String>(conn)?,
    );
    Ok(ids)
}

/// The enterprise's part in one tender, at `now`.
fn entry(
    conn: &mut DbConn,
    row: &TenderRow,
    org: &str,
    people: &[String],
    principal: &Principal,
    states: &States,
    now: DateTime<Utc>,
) -> Result<MyTender, AppError> {
    let league = tenders::league_name(conn, &row.league_code)?;
    let taken: Option<NaiveDateTime> = document_takers::table
        .filter(document_takers::tender_id.eq(&row.id))
        .filter(document_takers::organisation_id.eq(org))
        .select(diesel::dsl::min(document_takers::first_at))
        .first(conn)?;
    type Q = (
        String,
        Option<i32>,
        String,
        Option<String>,
        NaiveDateTime,
        Option<NaiveDateTime>,
    );
    let questions: Vec<Q> = clarifications::table
        .filter(clarifications::tender_id.eq(&row.id))
        .filter(clarifications::asked_by.eq_any(people))
        .order((clarifications::asked_at.asc(), clarifications::id.asc()))
        .select((
            clarifications::id,
            clarifications::number,
            clarifications::question,
            clarifications::answer,
            clarifications::asked_at,
            clarifications::answered_at,
        ))
        .load(conn)?;
    let questions = questions
        .into_iter()
        .map(
            |(id, number, question, answer, asked_at, answered_at)| ClarificationView {
                id: ClarificationId::from_db(id),
                number,
                question,
                answer,
                asked_at: from_db_time(asked_at),
                answered_at: answered_at.map(from_db_time),
                asked_by_me: true,
            },
        )
        .collect();
    let mut bid_rows = store::bids_of(conn, &row.id, Some(org))?;
    bid_rows.sort_by_key(|b| std::cmp::Reverse(b.version));
    let bids = bid_rows
        .iter()
        .map(|b| store::view_of(conn, b))
        .collect::<Result<Vec<_>, _>>()?;
    let deadline = from_db_time(row.bid_deadline);
    let uploads: Vec<UploadRow> = bid_uploads::table
        .filter(bid_uploads::tender_id.eq(&row.id))
        .filter(bid_uploads::bidder_org_id.eq(org))
        .filter(bid_uploads::completed_at.is_null())
        .order(bid_uploads::created_at.asc())
        .select(UploadRow::as_select())
        .load(conn)?;
    let uploads = uploads
        .iter()
        .filter(|u| u.last_byte_at.is_some() || u.expires(deadline) > now)
        .map(|u| u.view(u64::try_from(u.received_bytes).unwrap_or(0), deadline))
        .collect();
    type O = (
        String,
        String,
        Option<String>,
        Option<i64>,
        bool,
        NaiveDateTime,
    );
    let opening: Vec<O> = bid_openings::table
        .inner_join(bids::table.on(bids::id.eq(bid_openings::bid_id)))
        .filter(bid_openings::tender_id.eq(&row.id))
        .filter(bids::bidder_org_id.eq(org))
        .order(bid_openings::opened_at.asc())
        .select((
            bid_openings::bid_id,
            bid_openings::outcome,
            bid_openings::reason,
            bid_openings::total_price_fen,
            bid_openings::sealed,
            bid_openings::opened_at,
        ))
        .load(conn)?;
    let opening = opening
        .into_iter()
        .map(
            |(bid_id, outcome, reason, total_price_fen, sealed, opened_at)| OwnOpening {
                bid_id,
                outcome,
                reason,
                total_price_fen,
                sealed,
                opened_at: from_db_time(opened_at),
            },
        )
        .collect();
    let objections = crate::objections::store::list(conn, row, principal)?
        .into_iter()
        .filter(|o| {
            // `list` names the raiser to its own enterprise on every subject.
            o.bidder_organisation_id.as_deref() == Some(org)
        })
        .collect();
    let objection_windows = crate::objections::store::windows(conn, row, org, now)?;
    let committee_questions = match crate::evaluation::store::state(conn, states, &row.id) {
        Ok((_, room)) => crate::evaluation::store::clarifications_for(&room, org)
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
            .collect(),
        // No room (yet): nothing asked.
        Err(e) if matches!(e.base(), AppError::NotFound(_)) => Vec::new(),
        Err(e) => return Err(e),
    };
    let result = if crate::audit::sealing::decided(row.status()?) {
        // Refused (403) when none of its bids was opened: then no result.
        crate::tenders::own_result::own_result(conn, row, org).ok()
    } else {
        None
    };
    Ok(MyTender {
        tender: tenders::summary(
            row,
            league,
            crate::opening::record::opening_status(conn, &row.id)?,
        )?,
        clarification_deadline: from_db_time(row.clarification_deadline),
        documents_taken_at: taken.map(from_db_time),
        questions,
        bids,
        uploads,
        opening,
        objections,
        objection_windows,
        committee_questions,
        result,
    })
}

/// The tenders the caller's enterprise has a part in (documents taken, a
/// question, a bid or an upload, an objection), each with that part only:
/// a bidding account's own (401 signed out, 403 for every other role).
#[utoipa::path(
    tag = "bids",
    responses(
        (status = 200, body = MyTenderList),
        (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem)
    )
)]
#[get("/me/tenders")]
pub async fn my_tenders(
    state: web::Data<AppState>,
    principal: Principal,
) -> Result<web::Json<MyTenderList>, AppError> {
    let org = crate::evaluation::routes::bidder_org(&principal)?;
    let now = state.clock.now();
    let states = state.rooms.states.clone();
    let items = state
        .db
        .read(move |conn| {
            let people = members(conn, &org)?;
            let mut items = Vec::new();
            for id in touched(conn, &org, &people)? {
                let row = tenders::load_row(conn, &TenderId::from_db(id))?;
                if !row.visible_to(&principal) {
                    continue;
                }
                items.push(entry(conn, &row, &org, &people, &principal, &states, now)?);
            }
            items.sort_by(|a, b| {
                b.tender
                    .bid_deadline
                    .cmp(&a.tender.bid_deadline)
                    .then_with(|| a.tender.reference.cmp(&b.tender.reference))
            });
            Ok(items)
        })
        .await?;
    Ok(web::Json(MyTenderList { items }))
}

/// The caller's enterprise's part in one published tender, whether or not
/// it has taken part yet (then every list is empty and the objection
/// windows say what is open to it): a bidding account's own (401 signed
/// out, 403 for other roles, 404 for a tender it cannot see).
#[utoipa::path(
    tag = "bids",
    params(("id" = String, Path)),
    responses(
        (status = 200, body = MyTender),
        (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem)
    )
)]
#[get("/me/tenders/{id}")]
pub async fn my_tender(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<String>,
) -> Result<web::Json<MyTender>, AppError> {
    let org = crate::evaluation::routes::bidder_org(&principal)?;
    let id = parse_id(&id)?;
    let now = state.clock.now();
    let states = state.rooms.states.clone();
    let item = state
        .db
        .read(move |conn| {
            let row = tenders::load_visible(conn, &id, &principal)?;
            let people = members(conn, &org)?;
            entry(conn, &row, &org, &people, &principal, &states, now)
        })
        .await?;
    Ok(web::Json(item))
}
