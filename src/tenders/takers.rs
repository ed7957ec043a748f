//! Who took a tender's documents: every enterprise user who downloaded a
//! published document, noted once, so that amendments and answered
//! clarifications reach them all (招标投标法实施条例 第21条: "通知所有获取
//! 招标文件的潜在投标人"). Who took the documents is as sealed as who bid
//! (招标投标法 第22条: the tenderer may not disclose the potential bidders):
//! no API shows it to anyone else and it is not on the audit record; it is
//! read to address those messages, and each enterprise reads its own entry
//! (`GET /me/tenders`, `bids::mine`).

use crate::db::schema::document_takers;
use crate::db::{DbConn, to_db_time};
use crate::error::AppError;
use chrono::{DateTime, Utc};
use diesel::prelude::*;

/// A user who takes documents, as the download knows it.
#[derive(Debug, Clone)]
pub struct Taker {
    pub user_id: String,
    pub organisation_id: Option<String>,
}

/// Whether the user is already noted as a taker of the tender's documents
/// (the download asks first, so that only a first download writes).
pub fn noted(conn: &mut DbConn, tender_id: &str, user_id: &str) -> Result<bool, AppError> {
    Ok(document_takers::table
        .find((tender_id, user_id))
        .count()
        .get_result::<i64>(conn)?
        > 0)
}

/// Notes the user as a taker of the tender's documents, once: a second
/// note (another download that raced this one) changes nothing. Whether
/// this call noted it.
pub fn note(
    conn: &mut DbConn,
    tender_id: &str,
    taker: &Taker,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    // In a savepoint, so that losing a race on PostgreSQL leaves the
    // transaction usable.
    let inserted = conn.transaction(|conn| {
        diesel::insert_into(document_takers::table)
            .values((
                document_takers::tender_id.eq(tender_id),
                document_takers::user_id.eq(&taker.user_id),
                document_takers::organisation_id.eq(taker.organisation_id.as_deref()),
                document_takers::first_at.eq(to_db_time(now)),
            ))
            .execute(conn)
    });
    match inserted {
        Ok(n) => Ok(n == 1),
        Err(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        )) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// The users who took the tender's documents, in the order they first did.
pub fn users(conn: &mut DbConn, tender_id: &str) -> Result<Vec<String>, AppError> {
    Ok(document_takers::table
        .filter(document_takers::tender_id.eq(tender_id))
        .order((
            document_takers::first_at.asc(),
            document_takers::user_id.asc(),
        ))
        .select(document_takers::user_id)
        .load(conn)?)
}
