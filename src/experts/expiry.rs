//! Invitations that lapse: every few seconds, one node of the cluster (the
//! cluster's duties, like the e-mail worker) looks for invitations not
//! answered by their deadline and marks each `expired`, which frees the
//! seat for the next suitable reserve as a decline does
//! ([`committee::expire`]), with the reserve's own invitation. Each lapse
//! is one transaction, under the tender's lock, that checks again what it
//! found: an answer that came meanwhile wins.
//!
//! Once the evaluation room is open, invitations no longer lapse (nor are
//! they answered): the members join the room, and a member who cannot sit
//! recuses there, so the committee changes only through the room's record.

use super::committee;
use crate::audit::AuditContext;
use crate::clock::Clock;
use crate::db::Db;
use crate::error::AppError;
use crate::tenders::model::TenderStatus;
use crate::types::TenderId;
use std::sync::Arc;
use std::time::Duration;

/// How often the sweep looks for lapsed invitations.
pub const EVERY: Duration = Duration::from_secs(2);

/// Most invitations lapsed in one round (the next round takes the rest).
const ROUND: i64 = 100;

/// One sweep: lapses every invitation past its deadline (up to a round's
/// worth). Returns how many lapsed.
pub async fn round(db: &Db, clock: &Arc<dyn Clock>) -> usize {
    let now = clock.now();
    let due = match db
        .read(move |conn| committee::lapsed(conn, now, ROUND))
        .await
    {
        Ok(due) => due,
        Err(e) => {
            tracing::warn!(error = %e, "looking for lapsed invitations");
            return 0;
        }
    };
    let mut lapsed = 0;
    for (tender, expert) in due {
        let now = clock.now();
        let (t, e) = (tender.clone(), expert.clone());
        match db.write(move |conn| lapse(conn, now, &t, &e)).await {
            Ok(true) => {
                lapsed += 1;
                tracing::info!(tender = %tender, expert = %expert, "an invitation lapsed");
            }
            Ok(false) => {}
            Err(e) => {
                tracing::warn!(error = %e, tender = %tender, "lapsing an invitation");
            }
        }
    }
    lapsed
}

/// Lapses one invitation, if it still should: the tender's committee still
/// forms, its room is not open, and the invitation is still open and due.
fn lapse(
    conn: &mut crate::db::DbConn,
    now: chrono::DateTime<chrono::Utc>,
    tender_id: &str,
    expert_id: &str,
) -> Result<bool, AppError> {
    let id = TenderId::from_db(tender_id.to_string());
    crate::tenders::store::lock(conn, &id)?;
    let tender = crate::tenders::store::load_row(conn, &id)?;
    let forming = matches!(
        tender.status()?,
        TenderStatus::Published | TenderStatus::Opening | TenderStatus::Evaluating
    );
    if !forming || crate::evaluation::store::setup_of(conn, tender_id)?.is_some() {
        return Ok(false);
    }
    let ctx = AuditContext::system(now);
    Ok(committee::expire(conn, &ctx, tender_id, expert_id)?.is_some())
}
