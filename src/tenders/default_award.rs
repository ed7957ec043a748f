//! Government procurement: the first candidate stands when the purchaser
//! does not confirm the winner within 5 working days of the report
//! (财政部令第87号 第68条 "……视同按评标报告推荐的顺序确定排名第一的中标
//! 候选人为中标人").
//!
//! Every few seconds one node of the cluster (the cluster's duties, like
//! the lapsing of committee invitations) looks for government procurement
//! tenders still `evaluating` whose committee signed its report more than 5
//! working days ago (`crate::calendar`), and awards each lot to its first
//! candidate as the platform's own act: the same award transition the
//! purchaser would make (notice with the committee's names, awards per
//! lot, OCDS award release, signed notices of award and result notices),
//! recorded in the audit log with the system as actor and the rule as its
//! reason. Each award is one transaction under the tender's lock that
//! checks again what it found, and the status change is conditional
//! (`store::transition`), so a purchaser's confirmation meanwhile, or two
//! nodes overlapping for a moment, never award twice.

use super::lifecycle::Action;
use super::model::{Category, TenderStatus};
use super::store::{self, TransitionInput};
use crate::app::AppState;
use crate::audit::AuditContext;
use crate::db::DbConn;
use crate::db::schema::{room_events, tenders};
use crate::error::AppError;
use crate::types::TenderId;
use actix_web::web;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use std::time::Duration;

/// How often the duty looks.
pub const EVERY: Duration = Duration::from_secs(2);

/// The reason on the record of an award the platform makes.
pub const REASON: &str = "采购人未在收到评标报告之日起5个工作日内确定中标人，视同按评标报告推荐的顺序\
     确定排名第一的中标候选人为中标人（财政部令第87号 第六十八条）";

/// Whether the platform awards `row` now: government procurement, still
/// evaluating, a signed report with candidates, its 5 working days over.
fn due(conn: &mut DbConn, row: &store::TenderRow, now: DateTime<Utc>) -> Result<bool, AppError> {
    if row.facts()?.category != Category::GovernmentProcurement
        || row.status()? != TenderStatus::Evaluating
    {
        return Ok(false);
    }
    let Some(report) = crate::evaluation::store::signed_report(conn, &row.id)? else {
        return Ok(false);
    };
    if super::results::report_lots(&report.json)
        .iter()
        .all(|l| l.failed)
    {
        return Ok(false);
    }
    let calendar = crate::calendar::current(conn)?;
    let deadline = super::results::confirmation_deadline(&calendar, report.signed_at)?;
    Ok(now >= deadline)
}

/// The tenders to look at: government procurement, evaluating, with a
/// closed room.
fn candidates(conn: &mut DbConn) -> Result<Vec<String>, AppError> {
    let evaluating: Vec<String> = tenders::table
        .filter(tenders::status.eq(TenderStatus::Evaluating.code()))
        .filter(tenders::category.eq(Category::GovernmentProcurement.code()))
        .select(tenders::id)
        .order(tenders::id.asc())
        .load(conn)?;
    if evaluating.is_empty() {
        return Ok(Vec::new());
    }
    Ok(room_events::table
        .filter(room_events::tender_id.eq_any(&evaluating))
        .filter(room_events::kind.eq("room.closed"))
        .select(room_events::tender_id)
        .distinct()
        .order(room_events::tender_id.asc())
        .limit(100)
        .load(conn)?)
}

/// One round: awards every tender due (see the module). Returns how many.
pub async fn round(state: &web::Data<AppState>) -> usize {
    let found = state.db.read(candidates).await;
    let ids = match found {
        Ok(ids) => ids,
        Err(e) => {
            tracing::warn!(error = %e, "looking for unconfirmed procurement results");
            return 0;
        }
    };
    let mut awarded = 0;
    for id in ids {
        let now = state.clock.now();
        let settings = state.ocds.clone();
        let signer = state.document_signer.clone();
        let tender = id.clone();
        let done = crate::hall::write_then_publish(&state.db, &state.hall.hub, move |conn| {
            let id = TenderId::from_db(tender);
            store::lock(conn, &id)?;
            let row = store::load_row(conn, &id)?;
            if !due(conn, &row, now)? {
                return Ok((false, Vec::new()));
            }
            let ctx = AuditContext::system(now);
            let input = TransitionInput::of(Action::Award, REASON);
            let done = store::transition(conn, &ctx, &settings, &row, &input)?;
            if let Some(award) = &done.award {
                super::award::issue(conn, &ctx, &settings, &row, award, &signer)?;
            }
            Ok((true, vec![done.event]))
        })
        .await;
        match done {
            Ok(true) => {
                awarded += 1;
                tracing::info!(tender = %id, "the first candidate stands: awarded by the platform");
            }
            Ok(false) => {}
            Err(e) => tracing::warn!(error = %e, tender = %id, "awarding the first candidate"),
        }
    }
    awarded
}
