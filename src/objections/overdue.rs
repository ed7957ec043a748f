//! Electronic efficiency monitoring: an objection unanswered past its
//! answer clock, a complaint neither accepted nor refused in its time, and
//! an accepted complaint undecided past its time each raise a supervision
//! alert, once (`supervision::alerts::raise`, fingerprinted by the
//! objection or complaint). One node of the cluster (the cluster's duties)
//! looks every [`EVERY`].

use crate::audit::AuditContext;
use crate::clock::Clock;
use crate::db::schema::{complaints, objections, supervision_alerts};
use crate::db::{Db, DbConn, from_db_time, to_db_time};
use crate::error::AppError;
use crate::supervision::said::Said;
use crate::supervision::signals::SignalKind;
use chrono::{DateTime, NaiveDateTime, SecondsFormat, Utc};
use diesel::prelude::*;
use std::sync::Arc;
use std::time::Duration;

/// How often the sweep looks.
pub const EVERY: Duration = Duration::from_secs(2);

/// One clock run out: (tender, kind, object id, summary, said).
type Due = (String, SignalKind, String, String, Said);

fn at(t: NaiveDateTime) -> String {
    from_db_time(t).to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// A due time as an alert's params name it (Beijing time).
fn due_param(t: Option<NaiveDateTime>) -> String {
    t.map(|t| crate::reasons::time(from_db_time(t)))
        .unwrap_or_default()
}

/// Whether an alert of `kind` about `id` is already kept.
fn alerted(conn: &mut DbConn, kind: SignalKind, id: &str) -> Result<bool, AppError> {
    Ok(diesel::select(diesel::dsl::exists(
        supervision_alerts::table
            .filter(supervision_alerts::kind.eq(kind.code()))
            .filter(supervision_alerts::fingerprint.eq(id)),
    ))
    .get_result(conn)?)
}

/// The clocks run out at `now` that have no alert yet.
pub fn due(conn: &mut DbConn, now: DateTime<Utc>) -> Result<Vec<Due>, AppError> {
    let now = to_db_time(now);
    let mut out = Vec::new();
    let unanswered: Vec<(String, String, String, Option<NaiveDateTime>)> = objections::table
        .filter(objections::answer.is_null())
        .filter(objections::answer_due_at.lt(now))
        .select((
            objections::id,
            objections::tender_id,
            objections::subject,
            objections::answer_due_at,
        ))
        .load(conn)?;
    for (id, tender, subject, due) in unanswered {
        if !alerted(conn, SignalKind::ObjectionAnswerOverdue, &id)? {
            let said = Said::new(
                "alert.objection-answer-overdue",
                serde_json::json!({"subject": subject, "due": due_param(due)}),
            );
            let due = due.map(at).unwrap_or_default();
            out.push((
                tender,
                SignalKind::ObjectionAnswerOverdue,
                id,
                format!(
                    "an objection on the {subject} is unanswered past its answer clock ({due})"
                ),
                said,
            ));
        }
    }
    let filed: Vec<(String, String, NaiveDateTime)> = complaints::table
        .filter(complaints::status.eq("filed"))
        .filter(complaints::accept_due_at.lt(now))
        .select((
            complaints::id,
            complaints::tender_id,
            complaints::accept_due_at,
        ))
        .load(conn)?;
    for (id, tender, due) in filed {
        if !alerted(conn, SignalKind::ComplaintAcceptanceOverdue, &id)? {
            out.push((
                tender,
                SignalKind::ComplaintAcceptanceOverdue,
                id,
                format!(
                    "a complaint is neither accepted nor refused past its time ({})",
                    at(due)
                ),
                Said::new(
                    "alert.complaint-acceptance-overdue",
                    serde_json::json!({"due": due_param(Some(due))}),
                ),
            ));
        }
    }
    let undecided: Vec<(String, String, Option<NaiveDateTime>)> = complaints::table
        .filter(complaints::status.eq_any(["filed", "accepted"]))
        .filter(complaints::decide_due_at.lt(now))
        .select((
            complaints::id,
            complaints::tender_id,
            complaints::decide_due_at,
        ))
        .load(conn)?;
    for (id, tender, due) in undecided {
        if !alerted(conn, SignalKind::ComplaintDecisionOverdue, &id)? {
            let said = Said::new(
                "alert.complaint-decision-overdue",
                serde_json::json!({"due": due_param(due)}),
            );
            let due = due.map(at).unwrap_or_default();
            out.push((
                tender,
                SignalKind::ComplaintDecisionOverdue,
                id,
                format!("a complaint is undecided past its time ({due})"),
                said,
            ));
        }
    }
    Ok(out)
}

/// One sweep: raises an alert for each clock run out. Returns how many.
pub async fn round(db: &Db, clock: &Arc<dyn Clock>) -> usize {
    let now = clock.now();
    let found = match db.read(move |conn| due(conn, now)).await {
        Ok(found) => found,
        Err(e) => {
            tracing::warn!(error = %e, "looking for overdue objection clocks");
            return 0;
        }
    };
    let n = found.len();
    for (tender, kind, id, summary, said) in found {
        let now = clock.now();
        let raised = db
            .write(move |conn| {
                crate::supervision::alerts::raise(
                    conn,
                    &AuditContext::system(now),
                    &tender,
                    kind,
                    &id,
                    &summary,
                    said,
                    &[],
                )
            })
            .await;
        if let Err(e) = raised {
            tracing::warn!(error = %e, "raising an overdue clock's alert");
        }
    }
    n
}
