//! Objections, complaints and suspensions in the database: filing within
//! the rules' windows ([`super::rules`]), answering, what a pending
//! objection or a suspension blocks ([`guard`]), and the supervisor's
//! handling of a complaint. Every write is audited in its transaction.

use super::rules::{self, ObjectionSubject, Regime};
use crate::audit::{self, AuditContext};
use crate::db::schema::{
    bids, complaints, document_takers, notices, objections, procedure_suspensions,
};
use crate::db::{DbConn, from_db_time, to_db_time};
use crate::error::AppError;
use crate::identity::{Principal, Role};
use crate::opendata::OcdsSettings;
use crate::supervision::SupervisorKind;
use crate::tenders::lifecycle::Action;
use crate::tenders::model::{Category, NoticeKind, TenderStatus};
use crate::tenders::store::TenderRow;
use chrono::{DateTime, Duration, NaiveDateTime, SecondsFormat, Utc};
use diesel::prelude::*;
use serde::Serialize;
use serde_json::json;

fn at(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

pub fn regime_of(row: &TenderRow) -> Result<Regime, AppError> {
    Ok(Regime::of(Category::from_db(&row.category)?))
}

/// An objection (异议 or 质疑) as it is shown.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Objection {
    pub id: String,
    pub tender_id: String,
    pub subject: ObjectionSubject,
    /// tendering (异议) or procurement (质疑), by the tender's category.
    pub regime: Regime,
    /// The enterprise that raised it: shown on the opening, result and
    /// process (its bidders are public from the opening) and to the
    /// enterprise itself; never on the documents, where it would tell who
    /// took them before the opening (招标投标法 第22条).
    pub bidder_organisation_id: Option<String>,
    pub text: String,
    pub raised_at: DateTime<Utc>,
    /// The end of the answer clock (none: answered on the spot).
    pub answer_due_at: Option<DateTime<Utc>>,
    pub answer: Option<String>,
    pub answered_at: Option<DateTime<Utc>>,
    /// The lifecycle step waiting for the answer.
    pub blocks: Option<Action>,
    pub article: String,
    /// Until when its enterprise may complain of it to the supervisor,
    /// counted from its answer or the end of its answer clock (none for
    /// one answered on the spot and not yet answered, or where the
    /// calendar does not reach that far yet): 招标投标法实施条例 第60条; 政府采购法 第55条.
    pub complaint_until: Option<DateTime<Utc>>,
    /// The complaint rule's article, as `complaint_until` reads it.
    pub complaint_article: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ObjectionList {
    pub items: Vec<Objection>,
}

/// A stored objection.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = objections)]
pub struct ObjectionRow {
    pub id: String,
    pub tender_id: String,
    pub raised_by: String,
    pub bidder_org_id: Option<String>,
    pub text: String,
    pub raised_at: NaiveDateTime,
    pub answer: Option<String>,
    pub answered_by: Option<String>,
    pub answered_at: Option<NaiveDateTime>,
    pub subject: String,
    pub answer_due_at: Option<NaiveDateTime>,
}

impl ObjectionRow {
    pub fn subject(&self) -> Result<ObjectionSubject, AppError> {
        ObjectionSubject::from_db(&self.subject)
    }

    fn shown(&self, regime: Regime, viewer_org: Option<&str>) -> Result<Objection, AppError> {
        let subject = self.subject()?;
        let rule = rules::rule(regime, subject).ok();
        let own = viewer_org.is_some() && viewer_org == self.bidder_org_id.as_deref();
        Ok(Objection {
            id: self.id.clone(),
            tender_id: self.tender_id.clone(),
            subject,
            regime,
            bidder_organisation_id: if subject != ObjectionSubject::Documents || own {
                self.bidder_org_id.clone()
            } else {
                None
            },
            text: self.text.clone(),
            raised_at: from_db_time(self.raised_at),
            answer_due_at: self.answer_due_at.map(from_db_time),
            answer: self.answer.clone(),
            answered_at: self.answered_at.map(from_db_time),
            blocks: rule.and_then(|r| r.blocks),
            article: rule.map(|r| r.article.to_string()).unwrap_or_default(),
            complaint_until: None,
            complaint_article: rules::complaint_rule(regime).article.to_string(),
        })
    }

    /// As shown, with the end of its complaint window read on `cal` (a
    /// calendar that does not reach it yet leaves it unsaid).
    fn shown_on(
        &self,
        regime: Regime,
        viewer_org: Option<&str>,
        cal: &crate::calendar::Calendar,
    ) -> Result<Objection, AppError> {
        let mut o = self.shown(regime, viewer_org)?;
        let answered = rules::Answered {
            answered_at: self.answered_at.map(from_db_time),
            answer_due_at: self.answer_due_at.map(from_db_time),
        };
        o.complaint_until = rules::complaint_window(rules::complaint_rule(regime), answered, cal)
            .ok()
            .flatten();
        Ok(o)
    }
}

fn rows_of(conn: &mut DbConn, tender_id: &str) -> Result<Vec<ObjectionRow>, AppError> {
    Ok(objections::table
        .filter(objections::tender_id.eq(tender_id))
        .order((objections::raised_at.asc(), objections::id.asc()))
        .select(ObjectionRow::as_select())
        .load(conn)?)
}

fn row_of(conn: &mut DbConn, tender_id: &str, id: &str) -> Result<ObjectionRow, AppError> {
    objections::table
        .filter(objections::id.eq(id))
        .filter(objections::tender_id.eq(tender_id))
        .select(ObjectionRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| AppError::not_found("objection"))
}

/// The tender's objections as `principal` sees them.
pub fn list(
    conn: &mut DbConn,
    row: &TenderRow,
    principal: &Principal,
) -> Result<Vec<Objection>, AppError> {
    let regime = regime_of(row)?;
    let org = principal.organisation.as_ref().map(|o| o.as_str());
    let cal = crate::calendar::current(conn)?;
    rows_of(conn, &row.id)?
        .iter()
        .map(|r| r.shown_on(regime, org, &cal))
        .collect()
}

pub fn one(
    conn: &mut DbConn,
    row: &TenderRow,
    id: &str,
    principal: &Principal,
) -> Result<Objection, AppError> {
    let org = principal.organisation.as_ref().map(|o| o.as_str());
    let cal = crate::calendar::current(conn)?;
    row_of(conn, &row.id, id)?.shown_on(regime_of(row)?, org, &cal)
}

/// The facts the filing window reads, for an objector of `org`.
fn facts(conn: &mut DbConn, row: &TenderRow, org: &str) -> Result<rules::Facts, AppError> {
    let obtained: Option<NaiveDateTime> = document_takers::table
        .filter(document_takers::tender_id.eq(&row.id))
        .filter(document_takers::organisation_id.eq(org))
        .select(diesel::dsl::min(document_takers::first_at))
        .first(conn)?;
    let result: Option<NaiveDateTime> = notices::table
        .filter(notices::tender_id.eq(&row.id))
        .filter(notices::kind.eq_any([NoticeKind::Candidates.code(), NoticeKind::Award.code()]))
        .select(diesel::dsl::min(notices::published_at))
        .first(conn)?;
    let dates = row.key_dates();
    Ok(rules::Facts {
        status: row.status()?,
        bid_deadline: dates.bid_deadline,
        documents_available_at: dates.documents_available_at,
        documents_obtained_at: obtained.map(from_db_time),
        status_changed_at: from_db_time(row.status_changed_at),
        publicity_days: dates.publicity_days,
        result_published_at: result.map(from_db_time),
    })
}

/// Files an objection on `subject` by the enterprise `org` (user `user`),
/// within its window; the caller holds the tender's lock.
pub fn raise(
    conn: &mut DbConn,
    ctx: &AuditContext,
    row: &TenderRow,
    user: &str,
    org: &str,
    subject: ObjectionSubject,
    text: &str,
) -> Result<ObjectionRow, AppError> {
    refuse_if_suspended(conn, &row.id, ctx.now)?;
    let regime = regime_of(row)?;
    let rule = rules::rule(regime, subject)?;
    let cal = crate::calendar::current(conn)?;
    let facts = facts(conn, row, org)?;
    rules::check_filing(rule, &facts, &cal, ctx.now)?;
    let bid: i64 = bids::table
        .filter(bids::tender_id.eq(&row.id))
        .filter(bids::bidder_org_id.eq(org))
        .filter(bids::status.eq(crate::bids::store::BidStatus::Submitted.code()))
        .count()
        .get_result(conn)?;
    let standing = rules::Standing {
        took_documents: facts.documents_obtained_at.is_some(),
        bid: bid > 0,
    };
    rules::check_standing(regime, subject, standing)?;
    let due = rule.answer.due(ctx.now, &cal)?;
    let oid = uuid::Uuid::new_v4().to_string();
    diesel::insert_into(objections::table)
        .values((
            objections::id.eq(&oid),
            objections::tender_id.eq(&row.id),
            objections::raised_by.eq(user),
            objections::bidder_org_id.eq(org),
            objections::text.eq(text),
            objections::raised_at.eq(to_db_time(ctx.now)),
            objections::subject.eq(subject.code()),
            objections::answer_due_at.eq(due.map(to_db_time)),
        ))
        .execute(conn)?;
    // Recorded in the bidder's role: sealed until the opening like a bid
    // (`audit::sealing`); the payload names the enterprise only where
    // the objection shows it.
    let bidder = (subject != ObjectionSubject::Documents).then_some(org);
    audit::record(
        conn,
        &ctx.clone().acting_as(Role::Bidder),
        if subject == ObjectionSubject::Opening {
            "opening.objection_raised"
        } else {
            "objection.raised"
        },
        "objection",
        &oid,
        Some(&row.id),
        &serde_json::json!({
            "subject": subject.code(),
            "regime": regime.code(),
            "text": text,
            "bidder": bidder,
            "answer_due_at": due,
        }),
    )?;
    row_of(conn, &row.id, &oid)
}

/// One subject's filing window as an enterprise sees it before it files:
/// the same checks [`raise`] makes (`rules::check_filing`,
/// `rules::check_standing`, a suspension), said instead of refused.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ObjectionWindow {
    pub subject: ObjectionSubject,
    /// tendering (异议) or procurement (质疑), by the tender's category.
    pub regime: Regime,
    /// Whether this enterprise may file one now.
    pub open: bool,
    /// The window's last instant, where it has one and it is known yet
    /// (none during the opening: "on the spot").
    pub closes_at: Option<DateTime<Utc>>,
    /// Why not, where it may not: the reason and params the refusal would
    /// carry (translated by the portal's catalogue).
    pub reason: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub params: Option<serde_json::Value>,
    /// The lifecycle step that waits for the answer.
    pub blocks: Option<Action>,
    /// The article the window and the answer clock come from.
    pub article: String,
}

/// Every subject's window for the enterprise `org` on the tender at `now`,
/// in the rules table's order (a subject the regime has no row for is not
/// listed). Reads only; nothing is kept.
pub fn windows(
    conn: &mut DbConn,
    row: &TenderRow,
    org: &str,
    now: DateTime<Utc>,
) -> Result<Vec<ObjectionWindow>, AppError> {
    let regime = regime_of(row)?;
    let cal = crate::calendar::current(conn)?;
    let facts = facts(conn, row, org)?;
    let bid: i64 = bids::table
        .filter(bids::tender_id.eq(&row.id))
        .filter(bids::bidder_org_id.eq(org))
        .filter(bids::status.eq(crate::bids::store::BidStatus::Submitted.code()))
        .count()
        .get_result(conn)?;
    let standing = rules::Standing {
        took_documents: facts.documents_obtained_at.is_some(),
        bid: bid > 0,
    };
    let said = |e: &AppError| match e.reason() {
        Some((r, p)) => (r.to_string(), p.clone()),
        None => ("objection.not-now".to_string(), json!({})),
    };
    let suspended = refuse_if_suspended(conn, &row.id, now)
        .err()
        .map(|e| said(&e));
    let mut out = Vec::new();
    for rule in rules::RULES.iter().filter(|r| r.regime == regime) {
        // In the order `raise` checks: suspension, window, standing.
        let refusal = match &suspended {
            Some(s) => Some(s.clone()),
            None => rules::check_filing(rule, &facts, &cal, now)
                .and_then(|()| rules::check_standing(regime, rule.subject, standing))
                .err()
                .map(|e| said(&e)),
        };
        let open = refusal.is_none();
        let (reason, params) = refusal.unzip();
        out.push(ObjectionWindow {
            subject: rule.subject,
            regime,
            open,
            // Where the window is not the tender's stage's (yet, or any
            // more), a date computed from another stage would mislead.
            closes_at: (open || reason.as_deref() == Some("objection.window-closed"))
                .then(|| rules::closes(rule, &facts, &cal).ok().flatten())
                .flatten(),
            reason,
            params,
            blocks: rule.blocks,
            article: rule.article.to_string(),
        });
    }
    Ok(out)
}

/// The tender's manager answers an objection, once; the caller holds the
/// lock and has checked the principal manages the tender.
pub fn answer(
    conn: &mut DbConn,
    ctx: &AuditContext,
    row: &TenderRow,
    user: Option<&str>,
    oid: &str,
    answer: &str,
) -> Result<ObjectionRow, AppError> {
    let before = row_of(conn, &row.id, oid)?;
    let updated = diesel::update(
        objections::table
            .filter(objections::id.eq(oid))
            .filter(objections::tender_id.eq(&row.id))
            .filter(objections::answer.is_null()),
    )
    .set((
        objections::answer.eq(answer),
        objections::answered_at.eq(to_db_time(ctx.now)),
        objections::answered_by.eq(user),
    ))
    .execute(conn)?;
    if updated != 1 {
        return Err(AppError::Conflict(
            "no unanswered objection of this tender has that id".into(),
        )
        .because("objection.not-unanswered", json!({})));
    }
    let late = before
        .answer_due_at
        .is_some_and(|due| ctx.now > from_db_time(due));
    audit::record(
        conn,
        ctx,
        if before.subject()? == ObjectionSubject::Opening {
            "opening.objection_answered"
        } else {
            "objection.answered"
        },
        "objection",
        oid,
        Some(&row.id),
        &serde_json::json!({ "answer": answer, "late": late }),
    )?;
    row_of(conn, &row.id, oid)
}

/// The suspension in force on a tender at `now`, if any.
pub fn suspension_in_force(
    conn: &mut DbConn,
    tender_id: &str,
    now: DateTime<Utc>,
) -> Result<Option<SuspensionRow>, AppError> {
    let rows: Vec<SuspensionRow> = procedure_suspensions::table
        .filter(procedure_suspensions::tender_id.eq(tender_id))
        .filter(procedure_suspensions::resumed_at.is_null())
        .select(SuspensionRow::as_select())
        .load(conn)?;
    Ok(rows
        .into_iter()
        .find(|s| s.until.is_none_or(|u| from_db_time(u) > now)))
}

/// 409 `procedure-suspended` while a supervisor's suspension is in force.
pub fn refuse_if_suspended(
    conn: &mut DbConn,
    tender_id: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    if let Some(s) = suspension_in_force(conn, tender_id, now)? {
        let until = s
            .until
            .map(|u| format!(" until {}", at(from_db_time(u))))
            .unwrap_or_default();
        let (reason, params) = match s.until {
            Some(u) => (
                "procedure.suspended-until",
                json!({ "until": crate::reasons::time(from_db_time(u)) }),
            ),
            None => ("procedure.suspended", json!({})),
        };
        return Err(AppError::ProcedureSuspended(format!(
            "the procedure is suspended{until} by the administrative supervisor handling \
             complaint {} (政府采购法 第57条; 招标投标法实施条例 第62条): nothing moves \
             until it is resumed",
            s.complaint_id
        ))
        .because(reason, params));
    }
    Ok(())
}

/// Before a lifecycle step: refused while the procedure is suspended, or
/// while an objection on the subject the step concerns awaits its answer
/// (409 `objection-pending`, naming it and its article). Called by
/// `tenders::store::transition`.
pub fn guard(
    conn: &mut DbConn,
    row: &TenderRow,
    action: Action,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    refuse_if_suspended(conn, &row.id, now)?;
    refuse_if_pending(conn, row, action)
}

/// 409 `objection-pending` while an objection holding `action` awaits its
/// answer.
pub fn refuse_if_pending(
    conn: &mut DbConn,
    row: &TenderRow,
    action: Action,
) -> Result<(), AppError> {
    let regime = regime_of(row)?;
    let pending: Vec<ObjectionRow> = objections::table
        .filter(objections::tender_id.eq(&row.id))
        .filter(objections::answer.is_null())
        .select(ObjectionRow::as_select())
        .load(conn)?;
    for o in pending {
        let Ok(rule) = rules::rule(regime, o.subject()?) else {
            continue;
        };
        if rule.blocks == Some(action) {
            return Err(AppError::ObjectionPending(format!(
                "the {} {} on {} raised at {} awaits its answer, and {} waits for it ({})",
                regime.word(),
                o.id,
                rule.subject.code(),
                at(from_db_time(o.raised_at)),
                action.code(),
                rule.article
            ))
            .because(
                "objection.pending",
                json!({
                    "regime": regime.code(),
                    "subject": rule.subject.code(),
                    "raised": crate::reasons::time(from_db_time(o.raised_at)),
                    "action": action.code(),
                    "basis": rules::cite(rule.article),
                }),
            ));
        }
    }
    Ok(())
}

/// Whether any objection of the tender blocking `action` is unanswered
/// (for other slices: a contract waits for the result's objections).
pub fn pending_blocking(
    conn: &mut DbConn,
    row: &TenderRow,
    action: Action,
) -> Result<bool, AppError> {
    match refuse_if_pending(conn, row, action) {
        Ok(()) => Ok(false),
        Err(e) if matches!(e.base(), AppError::ObjectionPending(_)) => Ok(true),
        Err(e) => Err(e),
    }
}

/// Refuses to close `row` (the platform files the procedure away) while
/// the law still gives someone a say: an objection awaiting its answer
/// (409 `objection-pending`), a complaint not yet refused or decided, the
/// window for objections on the result still open (government
/// procurement: 7 working days after the result notice, 政府采购法实施条例
/// 第53条(三)), or an answered objection whose complaint window is still
/// open (条例 第60条; 政府采购法 第55条) and that has no complaint yet.
pub fn refuse_close_while_open(
    conn: &mut DbConn,
    row: &TenderRow,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let regime = regime_of(row)?;
    let raised: Vec<ObjectionRow> = objections::table
        .filter(objections::tender_id.eq(&row.id))
        .select(ObjectionRow::as_select())
        .load(conn)?;
    if let Some(o) = raised.iter().find(|o| o.answered_at.is_none()) {
        return Err(AppError::ObjectionPending(format!(
            "objection {} awaits its answer: the procedure does not close before it",
            o.id
        ))
        .because(
            "procedure.objection-unanswered",
            json!({
                "regime": regime.code(),
                "raised": crate::reasons::time(from_db_time(o.raised_at)),
            }),
        ));
    }
    let open: Option<String> = complaints::table
        .filter(complaints::tender_id.eq(&row.id))
        .filter(complaints::status.eq_any([
            ComplaintStatus::Filed.code(),
            ComplaintStatus::Accepted.code(),
        ]))
        .select(complaints::id)
        .first(conn)
        .optional()?;
    if let Some(c) = open {
        return Err(AppError::Conflict(format!(
            "complaint {c} is still being handled: the procedure does not close before it is \
             refused or decided"
        ))
        .because("procedure.complaint-open", json!({})));
    }
    let cal = crate::calendar::current(conn)?;
    // The tendering law's objections on the result are raised during the
    // candidates' publicity (条例 第54条), over before any award; a 质疑
    // follows the result notice.
    if regime == Regime::Procurement
        && let Ok(rule) = rules::rule(regime, ObjectionSubject::Result)
        && let Some(last) = rules::closes(rule, &facts(conn, row, "")?, &cal)?
        && now <= last
    {
        return Err(AppError::Conflict(format!(
            "the window for a {} on the result runs until {}: the procedure closes after it ({})",
            regime.word(),
            last.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            rule.article
        ))
        .because(
            "procedure.objection-window-open",
            json!({
                "regime": regime.code(),
                "until": crate::reasons::time(last),
                "basis": rules::cite(rule.article),
            }),
        ));
    }
    let complaint = rules::complaint_rule(regime);
    for o in &raised {
        let has_complaint: bool = diesel::select(diesel::dsl::exists(
            complaints::table.filter(complaints::objection_id.eq(&o.id)),
        ))
        .get_result(conn)?;
        if has_complaint {
            continue;
        }
        let answered = rules::Answered {
            answered_at: o.answered_at.map(from_db_time),
            answer_due_at: o.answer_due_at.map(from_db_time),
        };
        if let Some(last) = rules::complaint_deadline(complaint, answered, &cal)?
            && now <= last
        {
            return Err(AppError::Conflict(format!(
                "a complaint on objection {} may be filed until {}: the procedure closes after \
                 that ({})",
                o.id,
                last.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                complaint.article
            ))
            .because(
                "procedure.complaint-window-open",
                json!({
                    "until": crate::reasons::time(last),
                    "basis": rules::cite(complaint.article),
                }),
            ));
        }
    }
    Ok(())
}

// ---------------------------------------------------------------- complaints

crate::types::text_enum! {
    /// Where a complaint stands.
    pub enum ComplaintStatus {
        Filed = "filed",
        Accepted = "accepted",
        Refused = "refused",
        Decided = "decided",
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = complaints)]
pub struct ComplaintRow {
    pub id: String,
    pub tender_id: String,
    pub objection_id: String,
    pub filed_by: String,
    pub filer_org_id: Option<String>,
    pub text: String,
    pub filed_at: NaiveDateTime,
    pub accept_due_at: NaiveDateTime,
    pub decide_due_at: Option<NaiveDateTime>,
    pub status: String,
    pub handled_by: Option<String>,
    pub accepted_at: Option<NaiveDateTime>,
    pub refusal: Option<String>,
    pub decision: Option<String>,
    pub upheld: Option<bool>,
    pub decided_at: Option<NaiveDateTime>,
    pub notice_seq: Option<i32>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = procedure_suspensions)]
pub struct SuspensionRow {
    pub id: String,
    pub tender_id: String,
    pub complaint_id: String,
    pub reason: String,
    pub suspended_by: String,
    pub suspended_at: NaiveDateTime,
    pub until: Option<NaiveDateTime>,
    pub resumed_by: Option<String>,
    pub resumed_at: Option<NaiveDateTime>,
}

/// A suspension as shown.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Suspension {
    pub id: String,
    pub reason: String,
    pub suspended_at: DateTime<Utc>,
    /// When it lapses by law (government procurement: 30 days at most).
    pub until: Option<DateTime<Utc>>,
    pub resumed_at: Option<DateTime<Utc>>,
}

/// A complaint (投诉) as shown.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Complaint {
    pub id: String,
    pub tender_id: String,
    pub objection_id: String,
    /// The complaining enterprise, where its objection shows it.
    pub filer_organisation_id: Option<String>,
    pub text: String,
    pub filed_at: DateTime<Utc>,
    pub status: ComplaintStatus,
    /// The supervisor accepts or refuses it by then.
    pub accept_due_at: DateTime<Utc>,
    /// And decides it by then (tendering law: set on acceptance).
    pub decide_due_at: Option<DateTime<Utc>>,
    pub accepted_at: Option<DateTime<Utc>>,
    pub refusal: Option<String>,
    pub decision: Option<String>,
    pub upheld: Option<bool>,
    pub decided_at: Option<DateTime<Utc>>,
    /// The public notice of the decision.
    pub notice_seq: Option<i32>,
    pub suspensions: Vec<Suspension>,
    pub article: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ComplaintList {
    pub items: Vec<Complaint>,
}

fn complaint_row(conn: &mut DbConn, tender_id: &str, id: &str) -> Result<ComplaintRow, AppError> {
    complaints::table
        .filter(complaints::id.eq(id))
        .filter(complaints::tender_id.eq(tender_id))
        .select(ComplaintRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| AppError::not_found("complaint"))
}

fn show_complaint(
    conn: &mut DbConn,
    row: &TenderRow,
    c: ComplaintRow,
    principal: &Principal,
) -> Result<Complaint, AppError> {
    let regime = regime_of(row)?;
    let objection = one(conn, row, &c.objection_id, principal)?;
    let suspensions: Vec<SuspensionRow> = procedure_suspensions::table
        .filter(procedure_suspensions::complaint_id.eq(&c.id))
        .order(procedure_suspensions::suspended_at.asc())
        .select(SuspensionRow::as_select())
        .load(conn)?;
    Ok(Complaint {
        filer_organisation_id: objection.bidder_organisation_id.clone(),
        status: ComplaintStatus::from_db(&c.status)?,
        id: c.id,
        tender_id: c.tender_id,
        objection_id: c.objection_id,
        text: c.text,
        filed_at: from_db_time(c.filed_at),
        accept_due_at: from_db_time(c.accept_due_at),
        decide_due_at: c.decide_due_at.map(from_db_time),
        accepted_at: c.accepted_at.map(from_db_time),
        refusal: c.refusal,
        decision: c.decision,
        upheld: c.upheld,
        decided_at: c.decided_at.map(from_db_time),
        notice_seq: c.notice_seq,
        suspensions: suspensions
            .into_iter()
            .map(|s| Suspension {
                id: s.id,
                reason: s.reason,
                suspended_at: from_db_time(s.suspended_at),
                until: s.until.map(from_db_time),
                resumed_at: s.resumed_at.map(from_db_time),
            })
            .collect(),
        article: rules::complaint_rule(regime).article.to_string(),
    })
}

pub fn complaints_of(
    conn: &mut DbConn,
    row: &TenderRow,
    principal: &Principal,
) -> Result<Vec<Complaint>, AppError> {
    let rows: Vec<ComplaintRow> = complaints::table
        .filter(complaints::tender_id.eq(&row.id))
        .order((complaints::filed_at.asc(), complaints::id.asc()))
        .select(ComplaintRow::as_select())
        .load(conn)?;
    rows.into_iter()
        .map(|c| show_complaint(conn, row, c, principal))
        .collect()
}

pub fn complaint(
    conn: &mut DbConn,
    row: &TenderRow,
    id: &str,
    principal: &Principal,
) -> Result<Complaint, AppError> {
    let c = complaint_row(conn, &row.id, id)?;
    show_complaint(conn, row, c, principal)
}

/// The enterprise that raised an objection escalates it to the
/// administrative supervisor, within the complaint window.
#[allow(clippy::too_many_arguments)]
pub fn file_complaint(
    conn: &mut DbConn,
    ctx: &AuditContext,
    row: &TenderRow,
    user: &str,
    org: &str,
    oid: &str,
    text: &str,
) -> Result<String, AppError> {
    let o = row_of(conn, &row.id, oid)?;
    if o.bidder_org_id.as_deref() != Some(org) && o.raised_by != user {
        return Err(AppError::Forbidden(
            "only the enterprise that raised the objection may complain of its answer".into(),
        )
        .because("complaint.objector-only", json!({})));
    }
    let exists: i64 = complaints::table
        .filter(complaints::objection_id.eq(oid))
        .count()
        .get_result(conn)?;
    if exists > 0 {
        return Err(
            AppError::Conflict("this objection already has its complaint".into())
                .because("complaint.filed-already", json!({})),
        );
    }
    let regime = regime_of(row)?;
    let rule = rules::complaint_rule(regime);
    let cal = crate::calendar::current(conn)?;
    rules::check_complaint_filing(
        rule,
        rules::Answered {
            answered_at: o.answered_at.map(from_db_time),
            answer_due_at: o.answer_due_at.map(from_db_time),
        },
        &cal,
        ctx.now,
    )?;
    let accept_due = rule.accept_within.due(ctx.now, &cal)?.expect("a clock");
    let decide_due = if rule.decide_from_acceptance {
        None
    } else {
        rule.decide_within.due(ctx.now, &cal)?
    };
    let id = uuid::Uuid::new_v4().to_string();
    diesel::insert_into(complaints::table)
        .values((
            complaints::id.eq(&id),
            complaints::tender_id.eq(&row.id),
            complaints::objection_id.eq(oid),
            complaints::filed_by.eq(user),
            complaints::filer_org_id.eq(org),
            complaints::text.eq(text),
            complaints::filed_at.eq(to_db_time(ctx.now)),
            complaints::accept_due_at.eq(to_db_time(accept_due)),
            complaints::decide_due_at.eq(decide_due.map(to_db_time)),
            complaints::status.eq(ComplaintStatus::Filed.code()),
        ))
        .execute(conn)?;
    audit::record(
        conn,
        &ctx.clone().acting_as(Role::Bidder),
        "complaint.filed",
        "complaint",
        &id,
        Some(&row.id),
        &serde_json::json!({
            "objection_id": oid,
            "text": text,
            "accept_due_at": accept_due,
            "decide_due_at": decide_due,
        }),
    )?;
    Ok(id)
}

/// The administrative supervisor whose scope holds the tender: the only
/// writer of a complaint's handling. Discipline and audit supervisors, and
/// administrative supervisors of another league or category, get 403.
pub fn handling_supervisor(
    conn: &mut DbConn,
    row: &TenderRow,
    principal: &Principal,
) -> Result<String, AppError> {
    principal.require_any(&[Role::Supervisor])?;
    let scope = crate::supervision::scope_of(conn, principal)?;
    if scope.kind != Some(SupervisorKind::Administrative) {
        return Err(AppError::Forbidden(
            "complaints are handled by the administrative supervisor of the tender's category; \
             discipline inspection and audit read the record and change nothing"
                .into(),
        )
        .because("complaint.administrative-only", json!({})));
    }
    if !scope.covers(&row.league_code, &row.category) {
        return Err(AppError::Forbidden(
            "this tender is outside your supervision scope: its complaints are handled by the \
             administrative supervisor whose league and category hold it"
                .into(),
        )
        .because("complaint.outside-scope", json!({})));
    }
    principal
        .user_id
        .as_ref()
        .map(|u| u.as_str().to_string())
        .ok_or_else(|| {
            AppError::Unauthenticated("sign in first".into())
                .because("auth.sign-in-first", json!({}))
        })
}

/// Accepts (受理) or refuses a filed complaint; a refusal is published.
#[allow(clippy::too_many_arguments)]
pub fn accept(
    conn: &mut DbConn,
    ctx: &AuditContext,
    settings: &OcdsSettings,
    row: &TenderRow,
    supervisor: &str,
    cid: &str,
    accepted: bool,
    reason: &str,
) -> Result<(), AppError> {
    let c = complaint_row(conn, &row.id, cid)?;
    if c.status != ComplaintStatus::Filed.code() {
        return Err(AppError::Conflict(format!(
            "the complaint is {}: only a filed complaint is accepted or refused",
            c.status
        ))
        .because(
            "complaint.not-filed",
            json!({ "complaint_status": c.status }),
        ));
    }
    let rule = rules::complaint_rule(regime_of(row)?);
    let cal = crate::calendar::current(conn)?;
    let decide_due = if accepted && rule.decide_from_acceptance {
        rule.decide_within.due(ctx.now, &cal)?
    } else {
        c.decide_due_at.map(from_db_time)
    };
    let status = if accepted {
        ComplaintStatus::Accepted
    } else {
        ComplaintStatus::Refused
    };
    diesel::update(complaints::table.find(cid))
        .set((
            complaints::status.eq(status.code()),
            complaints::handled_by.eq(supervisor),
            complaints::accepted_at.eq(accepted.then(|| to_db_time(ctx.now))),
            complaints::refusal.eq((!accepted).then_some(reason)),
            complaints::decide_due_at.eq(decide_due.map(to_db_time)),
        ))
        .execute(conn)?;
    let late = ctx.now > from_db_time(c.accept_due_at);
    audit::record(
        conn,
        ctx,
        if accepted {
            "complaint.accepted"
        } else {
            "complaint.refused"
        },
        "complaint",
        cid,
        Some(&row.id),
        &serde_json::json!({ "reason": reason, "decide_due_at": decide_due, "late": late }),
    )?;
    if !accepted {
        // A refusal is a decision on the complaint too: published.
        let seq = crate::tenders::store::publish_written(
            conn,
            ctx,
            settings,
            &row.id,
            NoticeKind::ComplaintDecision,
            &crate::tenders::notice_words::complaint_refused(&row.title, reason),
        )?;
        diesel::update(complaints::table.find(cid))
            .set(complaints::notice_seq.eq(seq))
            .execute(conn)?;
    }
    Ok(())
}

/// Decides an accepted complaint and publishes the decision; a suspension
/// it ordered ends with it (it serves the handling: 政府采购法 第57条
/// "在处理投诉事项期间").
#[allow(clippy::too_many_arguments)]
pub fn decide(
    conn: &mut DbConn,
    ctx: &AuditContext,
    settings: &OcdsSettings,
    row: &TenderRow,
    supervisor: &str,
    cid: &str,
    decision: &str,
    upheld: bool,
) -> Result<i32, AppError> {
    let c = complaint_row(conn, &row.id, cid)?;
    if c.status != ComplaintStatus::Accepted.code() {
        return Err(AppError::Conflict(format!(
            "the complaint is {}: only an accepted complaint is decided",
            c.status
        ))
        .because(
            "complaint.not-accepted",
            json!({ "complaint_status": c.status }),
        ));
    }
    resume_all(
        conn,
        ctx,
        row,
        supervisor,
        cid,
        crate::tenders::notice_words::COMPLAINT_DECIDED,
    )?;
    let regime = regime_of(row)?;
    let subject = row_of(conn, &row.id, &c.objection_id)?.subject;
    let seq = crate::tenders::store::publish_written(
        conn,
        ctx,
        settings,
        &row.id,
        NoticeKind::ComplaintDecision,
        &crate::tenders::notice_words::complaint_decided(
            Category::from_db(&row.category)?,
            &row.title,
            match regime {
                Regime::Procurement => "procurement",
                Regime::Tendering => "tendering",
            },
            &subject,
            decision,
            upheld,
        ),
    )?;
    diesel::update(complaints::table.find(cid))
        .set((
            complaints::status.eq(ComplaintStatus::Decided.code()),
            complaints::handled_by.eq(supervisor),
            complaints::decision.eq(decision),
            complaints::upheld.eq(upheld),
            complaints::decided_at.eq(to_db_time(ctx.now)),
            complaints::notice_seq.eq(seq),
        ))
        .execute(conn)?;
    let late = c.decide_due_at.is_some_and(|d| ctx.now > from_db_time(d));
    audit::record(
        conn,
        ctx,
        "complaint.decided",
        "complaint",
        cid,
        Some(&row.id),
        &serde_json::json!({
            "decision": decision, "upheld": upheld, "notice_seq": seq, "late": late
        }),
    )?;
    Ok(seq)
}

/// Suspends the procedure while the complaint is handled.
#[allow(clippy::too_many_arguments)]
pub fn suspend(
    conn: &mut DbConn,
    ctx: &AuditContext,
    settings: &OcdsSettings,
    row: &TenderRow,
    supervisor: &str,
    cid: &str,
    reason: &str,
    days: Option<i64>,
) -> Result<(), AppError> {
    let c = complaint_row(conn, &row.id, cid)?;
    if !matches!(
        ComplaintStatus::from_db(&c.status)?,
        ComplaintStatus::Filed | ComplaintStatus::Accepted
    ) {
        return Err(AppError::Conflict(format!(
            "the complaint is {}: a procedure is suspended only while its complaint is handled",
            c.status
        ))
        .because(
            "complaint.not-being-handled",
            json!({ "complaint_status": c.status }),
        ));
    }
    if suspension_in_force(conn, &row.id, ctx.now)?.is_some() {
        return Err(
            AppError::Conflict("the procedure is already suspended".into())
                .because("procedure.suspended-already", json!({})),
        );
    }
    if matches!(
        row.status()?,
        TenderStatus::Closed | TenderStatus::Cancelled | TenderStatus::Failed
    ) {
        return Err(AppError::IllegalTransition(
            "the procedure has ended: there is nothing to suspend".into(),
        )
        .because("procedure.ended", json!({})));
    }
    let rule = rules::complaint_rule(regime_of(row)?);
    let days = match (days, rule.suspend_max_days) {
        (Some(d), _) if d < 1 => {
            return Err(AppError::invalid_field(
                crate::error::FieldError::new("days", "at least 1")
                    .because("number.at-least", json!({ "min": 1 })),
            ));
        }
        (Some(d), Some(max)) if d > max => {
            return Err(AppError::TimeLimit(format!(
                "a suspension lasts {max} days at most ({})",
                rule.suspend_article
            ))
            .because(
                "procedure.suspension-too-long",
                json!({ "max": max, "basis": rules::cite(rule.suspend_article) }),
            ));
        }
        (d, max) => d.or(max),
    };
    let until = days.map(|d| ctx.now + Duration::days(d));
    let id = uuid::Uuid::new_v4().to_string();
    diesel::insert_into(procedure_suspensions::table)
        .values((
            procedure_suspensions::id.eq(&id),
            procedure_suspensions::tender_id.eq(&row.id),
            procedure_suspensions::complaint_id.eq(cid),
            procedure_suspensions::reason.eq(reason),
            procedure_suspensions::suspended_by.eq(supervisor),
            procedure_suspensions::suspended_at.eq(to_db_time(ctx.now)),
            procedure_suspensions::until.eq(until.map(to_db_time)),
        ))
        .execute(conn)?;
    let seq = crate::tenders::store::publish_written(
        conn,
        ctx,
        settings,
        &row.id,
        NoticeKind::Suspension,
        &crate::tenders::notice_words::suspended(&row.title, until.map(at).as_deref(), reason),
    )?;
    audit::record(
        conn,
        ctx,
        "procedure.suspended",
        "complaint",
        cid,
        Some(&row.id),
        &serde_json::json!({
            "suspension_id": id, "reason": reason, "until": until, "notice_seq": seq,
            "article": rule.suspend_article,
        }),
    )?;
    Ok(())
}

/// Resumes a procedure suspended on this complaint.
pub fn resume(
    conn: &mut DbConn,
    ctx: &AuditContext,
    settings: &OcdsSettings,
    row: &TenderRow,
    supervisor: &str,
    cid: &str,
    reason: &str,
) -> Result<(), AppError> {
    complaint_row(conn, &row.id, cid)?;
    let in_force = suspension_in_force(conn, &row.id, ctx.now)?;
    if in_force.as_ref().is_none_or(|s| s.complaint_id != cid) {
        return Err(AppError::Conflict(
            "no suspension ordered on this complaint is in force".into(),
        )
        .because("procedure.not-suspended-by-complaint", json!({})));
    }
    resume_all(conn, ctx, row, supervisor, cid, reason)?;
    crate::tenders::store::publish_written(
        conn,
        ctx,
        settings,
        &row.id,
        NoticeKind::Suspension,
        &crate::tenders::notice_words::resumed(&row.title, reason),
    )?;
    Ok(())
}

/// Ends every suspension in force ordered on the complaint (audited).
fn resume_all(
    conn: &mut DbConn,
    ctx: &AuditContext,
    row: &TenderRow,
    supervisor: &str,
    cid: &str,
    reason: &str,
) -> Result<(), AppError> {
    let n = diesel::update(
        procedure_suspensions::table
            .filter(procedure_suspensions::complaint_id.eq(cid))
            .filter(procedure_suspensions::resumed_at.is_null()),
    )
    .set((
        procedure_suspensions::resumed_by.eq(supervisor),
        procedure_suspensions::resumed_at.eq(to_db_time(ctx.now)),
    ))
    .execute(conn)?;
    if n > 0 {
        audit::record(
            conn,
            ctx,
            "procedure.resumed",
            "complaint",
            cid,
            Some(&row.id),
            &serde_json::json!({ "reason": reason }),
        )?;
    }
    Ok(())
}
