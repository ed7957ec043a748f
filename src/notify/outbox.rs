//! The e-mail outbox: each message's delivery state, committed before and
//! after every SMTP transaction.
//!
//! ```text
//! pending ──claim──▶ sending ──250──▶ sent
//!    ▲                  │ 4xx, no connection: again later (backoff with jitter)
//!    └──────────────────┤
//!                       └ 5xx, or too many tries ──▶ dead ──operator retries──▶ pending
//! ```
//!
//! A row is `sending` only while one process sends it. A process that dies
//! there leaves it `sending`; it is sent again (with the same Message-ID)
//! once that process is known to be gone: at once on SQLite (one process
//! owns the database, so a row another process left is an orphan), after
//! [`ORPHANED_AFTER`] on PostgreSQL (longer than a send may take).

use crate::db::schema::{email_deliveries, notifications};
use crate::db::{DbConn, from_db_time, to_db_time};
use crate::error::AppError;
use crate::types::text_enum;
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use std::time::Duration;

text_enum! {
    /// Where an e-mail stands.
    pub enum State {
        Pending = "pending",
        Sending = "sending",
        Sent = "sent",
        /// Refused for good, or failed too often: an operator may retry it.
        Dead = "dead",
    }
}

/// How long a send may take before its row counts as orphaned (the SMTP
/// client's own time-out is half of it).
pub const ORPHANED_AFTER: chrono::Duration = chrono::Duration::seconds(120);

/// When and how often to try again.
#[derive(Debug, Clone, Copy)]
pub struct Retry {
    /// The wait after the first failure; it doubles with each further one.
    pub base: Duration,
    /// The longest wait.
    pub cap: Duration,
    /// Tries before a message becomes a dead letter.
    pub max_attempts: u32,
}

impl Default for Retry {
    fn default() -> Self {
        Retry {
            base: Duration::from_secs(30),
            cap: Duration::from_secs(3600),
            max_attempts: 10,
        }
    }
}

impl Retry {
    /// The wait after `attempts` failed tries: exponential, capped, with
    /// "equal jitter" (half fixed, half random, from `unit` in [0, 1)),
    /// so that messages failed together do not come back together.
    pub fn delay(&self, attempts: u32, unit: f64) -> Duration {
        let exp = attempts.saturating_sub(1).min(30);
        let full = self.base.saturating_mul(1u32 << exp.min(20)).min(self.cap);
        let half = full / 2;
        half + half.mul_f64(unit.clamp(0.0, 1.0))
    }
}

/// Puts an e-mail in the outbox (inside the transaction that writes its
/// notification). The Message-ID is fixed here, for life.
pub fn enqueue(
    conn: &mut DbConn,
    notification_id: &str,
    address: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    diesel::insert_into(email_deliveries::table)
        .values((
            email_deliveries::notification_id.eq(notification_id),
            email_deliveries::address.eq(address),
            email_deliveries::message_id
                .eq(format!("<{notification_id}@{}>", super::mail_domain())),
            email_deliveries::state.eq(State::Pending.code()),
            email_deliveries::attempts.eq(0),
            email_deliveries::next_attempt_at.eq(to_db_time(now)),
            email_deliveries::created_at.eq(to_db_time(now)),
        ))
        .execute(conn)?;
    Ok(())
}

/// One e-mail to send, with its notification.
#[derive(Debug, Clone)]
pub struct Due {
    pub notification_id: String,
    pub address: String,
    pub message_id: String,
    pub attempts: i32,
    pub kind: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: String,
    pub attachments_json: String,
    pub request_id: Option<String>,
    pub language: String,
    pub created_at: DateTime<Utc>,
    /// The message tells who bid on a tender not yet opened: left out of
    /// every figure, and its events sealed like the bid's.
    pub sealed: bool,
    pub tender_id: Option<String>,
}

impl Due {
    /// How an audit event about this e-mail names its object: a sealed
    /// message's events name its tender and are sealed with the bids.
    pub fn audit_object(&self) -> (&'static str, Option<&str>) {
        if self.sealed {
            (
                crate::audit::sealing::SEALED_NOTIFICATION,
                self.tender_id.as_deref(),
            )
        } else {
            ("notification", None)
        }
    }
}

/// Rows another process left `sending` go back to `pending` (see the
/// module's note for when).
pub fn reclaim_orphans(
    conn: &mut DbConn,
    me: &str,
    sole_process: bool,
    now: DateTime<Utc>,
) -> Result<usize, AppError> {
    let stale = to_db_time(now - ORPHANED_AFTER);
    let base = email_deliveries::table.filter(email_deliveries::state.eq(State::Sending.code()));
    let n = if sole_process {
        diesel::update(base.filter(email_deliveries::sending_by.ne(me)))
            .set((
                email_deliveries::state.eq(State::Pending.code()),
                email_deliveries::next_attempt_at.eq(to_db_time(now)),
            ))
            .execute(conn)?
    } else {
        diesel::update(base.filter(email_deliveries::sending_since.lt(stale)))
            .set((
                email_deliveries::state.eq(State::Pending.code()),
                email_deliveries::next_attempt_at.eq(to_db_time(now)),
            ))
            .execute(conn)?
    };
    if n > 0 {
        tracing::warn!(
            count = n,
            "e-mails left half-sent by a process that stopped go out again, with their Message-IDs"
        );
    }
    Ok(n)
}

/// Whether any e-mail is due (a read: the worker takes the write lock only
/// when there is something to send).
pub fn any_due(conn: &mut DbConn, now: DateTime<Utc>) -> Result<bool, AppError> {
    let n: i64 = email_deliveries::table
        .filter(email_deliveries::state.eq(State::Pending.code()))
        .filter(email_deliveries::next_attempt_at.le(to_db_time(now)))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// Claims the next due e-mail for `me` and commits the claim (call it in a
/// transaction of its own): `sending`, one more attempt.
pub fn claim_next(
    conn: &mut DbConn,
    me: &str,
    now: DateTime<Utc>,
) -> Result<Option<Due>, AppError> {
    type Row = (
        (String, String, String, i32),
        (
            String,
            String,
            String,
            String,
            String,
            Option<String>,
            String,
            NaiveDateTime,
        ),
        (bool, Option<String>),
    );
    let row: Option<Row> = email_deliveries::table
        .inner_join(notifications::table)
        .filter(email_deliveries::state.eq(State::Pending.code()))
        .filter(email_deliveries::next_attempt_at.le(to_db_time(now)))
        .order((
            email_deliveries::next_attempt_at,
            email_deliveries::created_at,
        ))
        .select((
            (
                email_deliveries::notification_id,
                email_deliveries::address,
                email_deliveries::message_id,
                email_deliveries::attempts,
            ),
            (
                notifications::kind,
                notifications::subject,
                notifications::body_text,
                notifications::body_html,
                notifications::attachments_json,
                notifications::request_id,
                notifications::language,
                notifications::created_at,
            ),
            (notifications::sealed, notifications::tender_id),
        ))
        .first(conn)
        .optional()?;
    let Some((
        (id, address, message_id, attempts),
        (kind, subject, text, html, att, req, lang, created),
        (sealed, tender_id),
    )) = row
    else {
        return Ok(None);
    };
    let claimed = diesel::update(
        email_deliveries::table
            .find(&id)
            .filter(email_deliveries::state.eq(State::Pending.code())),
    )
    .set((
        email_deliveries::state.eq(State::Sending.code()),
        email_deliveries::attempts.eq(attempts + 1),
        email_deliveries::sending_by.eq(me),
        email_deliveries::sending_since.eq(to_db_time(now)),
    ))
    .execute(conn)?;
    if claimed != 1 {
        return Ok(None);
    }
    Ok(Some(Due {
        notification_id: id,
        address,
        message_id,
        attempts: attempts + 1,
        kind,
        subject,
        body_text: text,
        body_html: html,
        attachments_json: att,
        request_id: req,
        language: lang,
        created_at: from_db_time(created),
        sealed,
        tender_id,
    }))
}

/// How a send ended.
#[derive(Debug, Clone)]
pub enum Outcome {
    Sent,
    /// Try again later.
    Temporary(String),
    /// Refused for good.
    Permanent(String),
}

/// What became of the row after a send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum After {
    Sent,
    Again(DateTime<Utc>),
    Dead,
    /// The row was no longer ours (an operator, or another node, moved it).
    Lost,
}

/// Records how a send ended (committed right after the SMTP transaction).
pub fn finish(
    conn: &mut DbConn,
    due: &Due,
    me: &str,
    outcome: &Outcome,
    retry: &Retry,
    unit: f64,
    now: DateTime<Utc>,
) -> Result<After, AppError> {
    let ours = email_deliveries::table
        .find(&due.notification_id)
        .filter(email_deliveries::state.eq(State::Sending.code()))
        .filter(email_deliveries::sending_by.eq(me));
    let clip = |e: &str| e.chars().take(1000).collect::<String>();
    let (changed, after) = match outcome {
        Outcome::Sent => (
            diesel::update(ours)
                .set((
                    email_deliveries::state.eq(State::Sent.code()),
                    email_deliveries::sent_at.eq(Some(to_db_time(now))),
                    email_deliveries::sending_by.eq(None::<String>),
                    email_deliveries::sending_since.eq(None::<NaiveDateTime>),
                ))
                .execute(conn)?,
            After::Sent,
        ),
        Outcome::Temporary(e) if (due.attempts as u32) < retry.max_attempts => {
            let wait = retry.delay(due.attempts as u32, unit);
            let at = now + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::hours(1));
            (
                diesel::update(ours)
                    .set((
                        email_deliveries::state.eq(State::Pending.code()),
                        email_deliveries::next_attempt_at.eq(to_db_time(at)),
                        email_deliveries::last_error.eq(Some(clip(e))),
                        email_deliveries::sending_by.eq(None::<String>),
                        email_deliveries::sending_since.eq(None::<NaiveDateTime>),
                    ))
                    .execute(conn)?,
                After::Again(at),
            )
        }
        Outcome::Temporary(e) | Outcome::Permanent(e) => {
            let why = match outcome {
                Outcome::Permanent(_) => clip(e),
                _ => clip(&format!("gave up after {} tries: {e}", due.attempts)),
            };
            (
                diesel::update(ours)
                    .set((
                        email_deliveries::state.eq(State::Dead.code()),
                        email_deliveries::last_error.eq(Some(why)),
                        email_deliveries::sending_by.eq(None::<String>),
                        email_deliveries::sending_since.eq(None::<NaiveDateTime>),
                    ))
                    .execute(conn)?,
                After::Dead,
            )
        }
    };
    Ok(if changed == 1 { after } else { After::Lost })
}

/// The figures /metrics shows.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Depth {
    /// E-mails waiting or being sent.
    pub queued: i64,
    /// Age of the oldest of them, in seconds (0 when none).
    pub oldest_seconds: f64,
    pub dead: i64,
}

/// The outbox's figures, leaving out messages that tell who bid (a bid
/// receipt): counted, they would tell anyone who reads /metrics how many
/// bids came in, and when, before any opening.
pub fn depth(conn: &mut DbConn, now: DateTime<Utc>) -> Result<Depth, AppError> {
    let queued_states = [State::Pending.code(), State::Sending.code()];
    let open = || {
        email_deliveries::table
            .inner_join(notifications::table)
            .filter(notifications::sealed.eq(false))
    };
    let queued: i64 = open()
        .filter(email_deliveries::state.eq_any(queued_states))
        .count()
        .get_result(conn)?;
    let oldest: Option<NaiveDateTime> = open()
        .filter(email_deliveries::state.eq_any(queued_states))
        .select(diesel::dsl::min(email_deliveries::created_at))
        .first(conn)?;
    let dead: i64 = open()
        .filter(email_deliveries::state.eq(State::Dead.code()))
        .count()
        .get_result(conn)?;
    Ok(Depth {
        queued,
        oldest_seconds: oldest
            .map(|t| ((now - from_db_time(t)).num_milliseconds().max(0)) as f64 / 1000.0)
            .unwrap_or(0.0),
        dead,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_is_capped_and_jittered() {
        let r = Retry {
            base: Duration::from_secs(10),
            cap: Duration::from_secs(100),
            max_attempts: 5,
        };
        assert_eq!(r.delay(1, 0.0), Duration::from_secs(5));
        assert_eq!(r.delay(1, 1.0), Duration::from_secs(10));
        assert_eq!(r.delay(2, 1.0), Duration::from_secs(20));
        assert_eq!(r.delay(3, 0.5), Duration::from_secs(30));
        assert_eq!(r.delay(10, 1.0), Duration::from_secs(100), "capped");
        assert_eq!(r.delay(99, 1.0), Duration::from_secs(100), "no overflow");
        let spread: std::collections::BTreeSet<_> = [0.0, 0.3, 0.6, 0.9]
            .iter()
            .map(|u| r.delay(3, *u))
            .collect();
        assert_eq!(spread.len(), 4, "jitter spreads retries");
    }
}
