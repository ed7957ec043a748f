//! What the opening tells people, each written inside the transaction of
//! the change that causes it (see `crate::notify`): an objection's answer to
//! whoever raised it, the finished opening record to the enterprises whose
//! bids were opened, and, when too few bid for the bids to be opened, that
//! news to the enterprises that bid.
//!
//! Those enterprises are told through every account of theirs that bids
//! (the Bidder role), not only the one that uploaded: the record concerns
//! the enterprise's bid, its colleagues follow the procedure too, and the
//! uploader's account may have been closed since. Once the bids are opened
//! who bid is public, so telling the whole enterprise reveals nothing.

use crate::audit::AuditContext;
use crate::db::DbConn;
use crate::db::schema::{bid_openings, bids};
use crate::error::AppError;
use crate::identity::Role;
use crate::notify::{self, Kind, Message};
use crate::tenders::store::TenderRow;
use chrono::{DateTime, Utc};
use diesel::prelude::*;

/// The bidding accounts of every enterprise whose bid the opening opened.
pub fn opened_bidders(conn: &mut DbConn, tender_id: &str) -> Result<Vec<String>, AppError> {
    let opened = bid_openings::table
        .filter(bid_openings::tender_id.eq(tender_id))
        .select(bid_openings::bid_id);
    let organisations: Vec<String> = bids::table
        .filter(bids::id.eq_any(opened))
        .select(bids::bidder_org_id)
        .distinct()
        .load(conn)?;
    let mut users = Vec::new();
    for organisation in organisations {
        users.extend(notify::users_of(conn, &organisation, Role::Bidder)?);
    }
    Ok(users)
}

/// The opening record of `count` bids, completed at `opened_at`, to the
/// enterprises whose bids were opened. Written once per tender whichever
/// node completes the opening: the completion happens once (under the
/// tender's lock and the opening's lease), and the cause is the tender's.
pub fn opening_record(
    conn: &mut DbConn,
    ctx: &AuditContext,
    row: &TenderRow,
    opened_at: DateTime<Utc>,
    count: usize,
) -> Result<usize, AppError> {
    let bidders = opened_bidders(conn, &row.id)?;
    let message = Message::new(Kind::OpeningRecord, format!("tender:{}:opening", row.id))
        .tender(&row.id, &row.league_code)
        .field("title", row.title.as_str())
        .field("reference", row.reference.as_str())
        .time("opened_at", opened_at)
        .field("count", count.to_string())
        .link(format!("/api/v1/tenders/{}/opening", row.id));
    notify::send(conn, ctx, &message, &bidders)
}

/// The bids were not opened, to every enterprise that bid (`bids`, the
/// current bids at the deadline): fewer bidders than the procedure's
/// `minimum`. Once the deadline has passed, who bid is no secret from the
/// enterprises themselves, and each learns only that its own bid stays
/// unopened.
pub fn not_opened(
    conn: &mut DbConn,
    ctx: &AuditContext,
    row: &TenderRow,
    bids: &[crate::bids::store::BidRow],
    minimum: u32,
) -> Result<usize, AppError> {
    let mut organisations: Vec<&str> = bids.iter().map(|b| b.bidder_org_id.as_str()).collect();
    organisations.sort_unstable();
    organisations.dedup();
    let mut users = Vec::new();
    for organisation in organisations {
        users.extend(notify::users_of(conn, organisation, Role::Bidder)?);
    }
    let message = Message::new(Kind::BidsNotOpened, format!("tender:{}:not_opened", row.id))
        .tender(&row.id, &row.league_code)
        .field("title", row.title.as_str())
        .field("reference", row.reference.as_str())
        .field("bidders", bids.len().to_string())
        .field("minimum", minimum.to_string())
        .link(format!("/api/v1/tenders/{}/opening", row.id));
    notify::send(conn, ctx, &message, &users)
}

/// An objection's answer, to the user who raised it.
pub struct ObjectionAnswer<'a> {
    pub objection_id: &'a str,
    pub raised_by: &'a str,
    pub objection: &'a str,
    pub answer: &'a str,
}

/// An objection's answer, to the user who raised it (only).
pub fn objection_answered(
    conn: &mut DbConn,
    ctx: &AuditContext,
    row: &TenderRow,
    answered: &ObjectionAnswer<'_>,
) -> Result<usize, AppError> {
    let message = Message::new(
        Kind::ObjectionAnswered,
        format!("objection:{}:answered", answered.objection_id),
    )
    .tender(&row.id, &row.league_code)
    .field("title", row.title.as_str())
    .field("reference", row.reference.as_str())
    .field("objection", answered.objection)
    .field("answer", answered.answer)
    .link(format!("/api/v1/tenders/{}/objections", row.id));
    notify::send(conn, ctx, &message, &[answered.raised_by.to_string()])
}
