//! The purchaser's qualification review, kept: findings, the conclusion,
//! what each viewer reads, and what the room asks of it. Everything here
//! runs inside the caller's transaction and records its audit event there.

use super::{Conclusion, FindingInput, Sight};
use crate::audit::{self, AuditContext};
use crate::db::schema::qualification_findings as findings;
use crate::db::schema::{bid_openings, bids, organisations, qualification_conclusions};
use crate::db::{DbConn, from_db_time, to_db_time};
use crate::error::AppError;
use crate::identity::{Principal, Role};
use crate::opening::record::Outcome;
use crate::tenders::limits;
use crate::tenders::model::{Category, Method, TenderStatus};
use crate::tenders::store::{self as tenders, TenderRow};
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use serde_json::json;
use std::collections::BTreeMap;

crate::types::text_enum! {
    /// Where a review stands.
    pub enum ReviewStatus {
        /// Findings are being recorded.
        InProgress = "in_progress",
        /// Concluded with enough qualified bidders: the room may open.
        Passed = "passed",
        /// Concluded with too few: the procedure failed.
        Failed = "failed",
    }
}

/// One bid's finding.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FindingView {
    pub bid_id: String,
    pub bidder_organisation_id: String,
    pub bidder_name: String,
    pub qualified: bool,
    /// Why not qualified (or a remark).
    pub reason: Option<String>,
    /// The document judged.
    pub document: String,
    pub reviewed_at: DateTime<Utc>,
    /// The user who recorded it (for those who read everything).
    pub reviewed_by: Option<String>,
}

/// A valid bid without a finding yet.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PendingBid {
    pub bid_id: String,
    pub bidder_organisation_id: String,
    pub bidder_name: String,
}

/// A tender's qualification review as one viewer reads it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReviewView {
    pub tender_id: String,
    /// The rule: who reviews, and that too few qualified fail.
    pub basis: &'static str,
    /// Qualified bidders needed for the bids to be evaluated.
    pub minimum: u32,
    pub status: ReviewStatus,
    pub concluded_at: Option<DateTime<Utc>>,
    /// Bids reviewed and found qualified, once concluded (for those who
    /// read the whole review).
    pub reviewed: Option<i32>,
    pub qualified: Option<i32>,
    pub findings: Vec<FindingView>,
    /// Valid bids still to review (for the tender's managers and those who
    /// watch them; empty for others).
    pub pending: Vec<PendingBid>,
}

/// The review's rule for the tender's procedure: its basis and minimum; a
/// procedure whose committee reviews qualification in the room has none
/// (Conflict, saying so).
fn rule(row: &TenderRow) -> Result<(&'static str, u32), AppError> {
    let (category, method) = (
        Category::from_db(&row.category)?,
        Method::from_db(&row.method)?,
    );
    let l = limits::require(category, method)?;
    super::rule_of(l.qualification_review, l.minimum_bids).map_err(|why| {
        AppError::Conflict(format!(
            "{} by {}: {why} (政府采购货物和服务招标投标管理办法 第44条 puts the purchaser's review \
             before the room in government procurement tendering only)",
            category.code(),
            method.code()
        ))
        .because(
            match l.qualification_review {
                limits::QualificationReview::AtRegistration => "qualification.at-registration",
                _ => "qualification.by-committee",
            },
            json!({ "category": category.code(), "method": method.code() }),
        )
    })
}

/// Findings are recorded, and the review concluded, while the tender is
/// evaluating.
fn check_stage(row: &TenderRow) -> Result<(), AppError> {
    let status = row.status()?;
    super::check_stage(status).map_err(|why| {
        let reason = match status {
            TenderStatus::Draft | TenderStatus::Published | TenderStatus::Opening => {
                "qualification.before-evaluation"
            }
            _ => "qualification.over",
        };
        AppError::IllegalTransition(why).because(reason, json!({ "status": status.code() }))
    })
}

/// Whether the tender's procedure has the purchaser's review.
fn applies(row: &TenderRow) -> Result<bool, AppError> {
    let (category, method) = (
        Category::from_db(&row.category)?,
        Method::from_db(&row.method)?,
    );
    let l = limits::require(category, method)?;
    Ok(super::rule_of(l.qualification_review, l.minimum_bids).is_ok())
}

/// The bids the opening found valid, with their bidders, in the opening
/// record's order.
fn valid_bids(
    conn: &mut DbConn,
    tender_id: &str,
) -> Result<Vec<(String, String, String)>, AppError> {
    Ok(bid_openings::table
        .inner_join(bids::table.on(bids::id.eq(bid_openings::bid_id)))
        .inner_join(organisations::table.on(organisations::id.eq(bids::bidder_org_id)))
        .filter(bid_openings::tender_id.eq(tender_id))
        .filter(bid_openings::outcome.eq(Outcome::Valid.code()))
        .order((bid_openings::opened_at.asc(), bid_openings::bid_id.asc()))
        .select((bids::id, organisations::id, organisations::name))
        .load(conn)?)
}

type ConclusionRow = (i32, i32, bool, NaiveDateTime);

fn conclusion_of(conn: &mut DbConn, tender_id: &str) -> Result<Option<ConclusionRow>, AppError> {
    Ok(qualification_conclusions::table
        .find(tender_id)
        .select((
            qualification_conclusions::reviewed,
            qualification_conclusions::qualified,
            qualification_conclusions::passed,
            qualification_conclusions::concluded_at,
        ))
        .first(conn)
        .optional()?)
}

fn concluded_refusal() -> AppError {
    AppError::Conflict("the qualification review is concluded; its findings stand".into())
        .because("qualification.concluded", json!({}))
}

type FindingRow = (
    String,
    String,
    String,
    bool,
    String,
    String,
    NaiveDateTime,
    Option<String>,
);

fn findings_of(
    conn: &mut DbConn,
    tender_id: &str,
    organisation: Option<&str>,
) -> Result<Vec<FindingView>, AppError> {
    let mut query = findings::table
        .inner_join(bids::table.on(bids::id.eq(findings::bid_id)))
        .inner_join(organisations::table.on(organisations::id.eq(bids::bidder_org_id)))
        .filter(findings::tender_id.eq(tender_id))
        .into_boxed();
    if let Some(org) = organisation {
        query = query.filter(bids::bidder_org_id.eq(org.to_string()));
    }
    let rows: Vec<FindingRow> = query
        .order((findings::reviewed_at.asc(), findings::bid_id.asc()))
        .select((
            findings::bid_id,
            organisations::id,
            organisations::name,
            findings::qualified,
            findings::reason,
            findings::document,
            findings::reviewed_at,
            findings::reviewed_by,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(
            |(bid_id, org, name, qualified, reason, document, at, by)| FindingView {
                bid_id,
                bidder_organisation_id: org,
                bidder_name: name,
                qualified,
                reason: (!reason.is_empty()).then_some(reason),
                document,
                reviewed_at: from_db_time(at),
                reviewed_by: by,
            },
        )
        .collect())
}

/// Records one bid's finding (the tender's manager, `ctx` acting in its
/// role): the procedure has the purchaser's review, the evaluation has
/// started, the review is not concluded, the bid is one the opening found
/// valid and has no finding yet.
pub fn record(
    conn: &mut DbConn,
    ctx: &AuditContext,
    row: &TenderRow,
    input: &FindingInput,
) -> Result<FindingView, AppError> {
    AppError::check(input.validate())?;
    rule(row)?;
    check_stage(row)?;
    if conclusion_of(conn, &row.id)?.is_some() {
        return Err(concluded_refusal());
    }
    let valid = valid_bids(conn, &row.id)?;
    if !valid.iter().any(|(b, _, _)| *b == input.bid_id) {
        return Err(AppError::invalid_field(
            crate::error::FieldError::new(
                "bid_id",
                "not a bid of this tender that the opening found valid",
            )
            .because("qualification.not-valid-bid", json!({})),
        ));
    }
    let already: i64 = findings::table
        .find(&input.bid_id)
        .count()
        .get_result(conn)?;
    if already > 0 {
        return Err(AppError::Conflict(format!(
            "bid {} already has its finding; a finding is recorded once",
            input.bid_id
        ))
        .because(
            "qualification.found-already",
            json!({ "bid": input.bid_id }),
        ));
    }
    let reason = input.reason.trim();
    let document = input.document.trim();
    diesel::insert_into(findings::table)
        .values((
            findings::bid_id.eq(&input.bid_id),
            findings::tender_id.eq(&row.id),
            findings::qualified.eq(input.qualified),
            findings::reason.eq(reason),
            findings::document.eq(document),
            findings::reviewed_by.eq(ctx.principal.user_id.as_ref().map(|u| u.as_str())),
            findings::reviewed_at.eq(to_db_time(ctx.now)),
        ))
        .execute(conn)?;
    audit::record(
        conn,
        ctx,
        "qualification.finding_recorded",
        "bid",
        &input.bid_id,
        Some(&row.id),
        &serde_json::json!({
            "qualified": input.qualified, "reason": reason, "document": document,
        }),
    )?;
    findings_of(conn, &row.id, None)?
        .into_iter()
        .find(|f| f.bid_id == input.bid_id)
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("the finding just recorded is gone")))
}

/// Concludes the review: every valid bid has its finding; with fewer
/// qualified than the minimum the tender fails by rule (87号令 第44条),
/// otherwise the room may open with the qualified bids. Returns whether
/// it failed and the hall's event of the failure.
pub fn conclude(
    conn: &mut DbConn,
    ctx: &AuditContext,
    settings: &crate::opendata::OcdsSettings,
    row: &TenderRow,
) -> Result<(bool, Option<crate::hall::HallEvent>), AppError> {
    let (basis, minimum) = rule(row)?;
    check_stage(row)?;
    if conclusion_of(conn, &row.id)?.is_some() {
        return Err(concluded_refusal());
    }
    let valid: Vec<String> = valid_bids(conn, &row.id)?
        .into_iter()
        .map(|(b, _, _)| b)
        .collect();
    let found: Vec<(String, bool, String)> = findings::table
        .filter(findings::tender_id.eq(&row.id))
        .select((findings::bid_id, findings::qualified, findings::reason))
        .load(conn)?;
    let pairs: Vec<(String, bool)> = found.iter().map(|(b, q, _)| (b.clone(), *q)).collect();
    let decided = super::conclude(&valid, &pairs, minimum, basis);
    let (qualified, failure) = match decided {
        Conclusion::Pending(pending) => {
            return Err(AppError::Conflict(format!(
                "{} of {} valid bids have no finding yet ({}): every valid bid is reviewed before \
                 the review is concluded",
                pending.len(),
                valid.len(),
                pending.join(", ")
            ))
            .because(
                "qualification.pending",
                json!({ "pending": pending.len(), "valid": valid.len() }),
            ));
        }
        Conclusion::Passes { qualified } => (qualified, None),
        Conclusion::Fails { qualified, reason } => (qualified, Some(reason)),
    };
    diesel::insert_into(qualification_conclusions::table)
        .values((
            qualification_conclusions::tender_id.eq(&row.id),
            qualification_conclusions::reviewed.eq(valid.len() as i32),
            qualification_conclusions::qualified.eq(qualified as i32),
            qualification_conclusions::minimum.eq(minimum as i32),
            qualification_conclusions::passed.eq(failure.is_none()),
            qualification_conclusions::concluded_by.eq(ctx
                .principal
                .user_id
                .as_ref()
                .map(|u| u.as_str())),
            qualification_conclusions::concluded_at.eq(to_db_time(ctx.now)),
        ))
        .execute(conn)?;
    let not_qualified: Vec<serde_json::Value> = found
        .iter()
        .filter(|(_, q, _)| !q)
        .map(|(b, _, reason)| serde_json::json!({ "bid_id": b, "reason": reason }))
        .collect();
    audit::record(
        conn,
        ctx,
        "qualification.concluded",
        "tender",
        &row.id,
        Some(&row.id),
        &serde_json::json!({
            "reviewed": valid.len(), "qualified": qualified, "minimum": minimum,
            "passed": failure.is_none(), "not_qualified": not_qualified, "basis": basis,
        }),
    )?;
    let Some(reason) = failure else {
        return Ok((false, None));
    };
    let failed = tenders::transition(
        conn,
        ctx,
        settings,
        row,
        &tenders::TransitionInput {
            action: crate::tenders::lifecycle::Action::Fail,
            reason,
            custody: None,
            winner_bid_id: None,
            lots: Vec::new(),
            price_record: None,
        },
    )?;
    Ok((true, Some(failed.event)))
}

/// The review as `principal` may read it: those who see the tender's
/// bidders read everything; a bidder its own findings; anyone the findings
/// once the result is out; nobody else anything (401, 403). A procedure
/// without the purchaser's review: Conflict, saying whose review it is.
pub fn view(
    conn: &mut DbConn,
    row: &TenderRow,
    principal: &Principal,
) -> Result<ReviewView, AppError> {
    // Those who see the tender's bidders once it is opened (before that
    // the review holds no bid: the opening finds the valid ones).
    let standing = tenders::standing(conn, row, principal)?;
    let sees_bidders = crate::audit::sealing::sees_bidders(true, &standing, &row.league_code);
    let conclusion = conclusion_of(conn, &row.id)?;
    let bidder = match &principal.organisation {
        Some(org) if principal.has(Role::Bidder) => {
            let bid: i64 = bids::table
                .filter(bids::tender_id.eq(&row.id))
                .filter(bids::bidder_org_id.eq(org.as_str()))
                .count()
                .get_result(conn)?;
            (bid > 0).then(|| org.as_str().to_string())
        }
        _ => None,
    };
    let sight = super::sight(
        sees_bidders,
        bidder.as_deref(),
        super::result_out(row.status()?, conclusion.is_some()),
    );
    if sight == Sight::Nothing {
        return Err(if principal.is_authenticated() {
            AppError::Forbidden(
                "until the result, the qualification review is read by the tender's managers, \
                 supervisors in scope and operators, and each bidder reads its own findings"
                    .into(),
            )
            .because("qualification.restricted", json!({}))
        } else {
            AppError::Unauthenticated("sign in to read the qualification review".into())
                .because("auth.sign-in-first", json!({}))
        });
    }
    let (basis, minimum) = rule(row)?;
    let status = match &conclusion {
        None => ReviewStatus::InProgress,
        Some((_, _, true, _)) => ReviewStatus::Passed,
        Some((_, _, false, _)) => ReviewStatus::Failed,
    };
    let mut findings = match &sight {
        Sight::Own(org) => findings_of(conn, &row.id, Some(org))?,
        _ => findings_of(conn, &row.id, None)?,
    };
    if sight != Sight::Everything {
        for f in &mut findings {
            f.reviewed_by = None;
        }
    }
    let pending = if sight == Sight::Everything {
        valid_bids(conn, &row.id)?
            .into_iter()
            .filter(|(b, _, _)| !findings.iter().any(|f| f.bid_id == *b))
            .map(|(bid_id, org, name)| PendingBid {
                bid_id,
                bidder_organisation_id: org,
                bidder_name: name,
            })
            .collect()
    } else {
        Vec::new()
    };
    let counts = matches!(sight, Sight::Everything | Sight::Published);
    Ok(ReviewView {
        tender_id: row.id.clone(),
        basis,
        minimum,
        status,
        concluded_at: conclusion.map(|(_, _, _, at)| from_db_time(at)),
        reviewed: conclusion.filter(|_| counts).map(|(r, _, _, _)| r),
        qualified: conclusion.filter(|_| counts).map(|(_, q, _, _)| q),
        findings,
        pending,
    })
}

/// For the room: the bids the purchaser's review found not qualified, with
/// the reason (none where the procedure has no such review). They are not
/// evaluated.
pub fn excluded(conn: &mut DbConn, tender_id: &str) -> Result<BTreeMap<String, String>, AppError> {
    let rows: Vec<(String, String)> = findings::table
        .filter(findings::tender_id.eq(tender_id))
        .filter(findings::qualified.eq(false))
        .select((findings::bid_id, findings::reason))
        .load(conn)?;
    Ok(rows.into_iter().collect())
}

/// Where the review of a tender stands, for its detail: `None` in a
/// procedure without the purchaser's review, and before the evaluation
/// (a tender that ended before it has no review, unless concluded).
pub fn status_of(conn: &mut DbConn, row: &TenderRow) -> Result<Option<ReviewStatus>, AppError> {
    if !applies(row)? {
        return Ok(None);
    }
    Ok(match conclusion_of(conn, &row.id)? {
        Some((_, _, true, _)) => Some(ReviewStatus::Passed),
        Some((_, _, false, _)) => Some(ReviewStatus::Failed),
        None if row.status()? == TenderStatus::Evaluating => Some(ReviewStatus::InProgress),
        None => None,
    })
}

/// For the room: whether the tender's procedure has the purchaser's review
/// and it is not concluded yet (the room waits for it).
pub fn required_and_pending(conn: &mut DbConn, tender: &TenderRow) -> Result<bool, AppError> {
    Ok(applies(tender)? && conclusion_of(conn, &tender.id)?.is_none())
}
