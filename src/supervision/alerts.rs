//! Alerts: the signals of [`super::signals`], computed from the record after
//! each round of the audit log's sequencer, kept once each, shown to the
//! supervisors whose scope holds the tender, and acknowledged by them with
//! a note. Raising and acknowledging are both audit events.
//!
//! Until the tender's opening an alert names its bidders by label only
//! ("bidder 1", "bidder 2", the same on every alert of the tender, given the
//! first time an alert names the bidder); from the opening, by name, to
//! those who then see the tender's bidders ([`crate::audit::sealing`]).
//! Each alert says so in English (`summary`) and as a key with params
//! (`reason`, `params`: [`super::said`]) in the same form.

use super::said::Said;
use super::signals::{self, ActionFact, BidFact, Signal, TenderFacts, Thresholds};
use crate::app::AppState;
use crate::audit::{AuditContext, record};
use crate::db::schema::{
    audit_events, bid_openings, bids, organisations, sealed_bidder_labels, supervision_alerts,
    tender_documents, tenders, users,
};
use crate::db::{DbConn, from_db_time, to_db_time};
use crate::error::AppError;
use crate::identity::{Principal, Role};
use actix_web::{get, post, web};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// The facts the signals read for one tender.
pub fn facts(conn: &mut DbConn, tender_id: &str) -> Result<Option<TenderFacts>, AppError> {
    let Some(deadline) = tenders::table
        .find(tender_id)
        .select(tenders::bid_deadline)
        .first::<chrono::NaiveDateTime>(conn)
        .optional()?
    else {
        return Ok(None);
    };
    type BidRow = (
        String,
        String,
        String,
        Option<String>,
        Option<String>,
        String,
        String,
    );
    let rows: Vec<BidRow> = bids::table
        .inner_join(organisations::table.on(organisations::id.eq(bids::bidder_org_id)))
        .filter(bids::tender_id.eq(tender_id))
        .filter(bids::status.eq(crate::bids::store::BidStatus::Submitted.code()))
        .select((
            bids::id,
            bids::bidder_org_id,
            organisations::name,
            bids::client_addr,
            bids::device_fingerprint,
            bids::signer_cert_sha256,
            bids::signer_subject,
        ))
        .load(conn)?;
    type Opened = (Option<String>, Option<i64>, Option<String>);
    let opened: HashMap<String, Opened> = bid_openings::table
        .filter(bid_openings::tender_id.eq(tender_id))
        .select((
            bid_openings::bid_id,
            bid_openings::schedule_json,
            bid_openings::total_price_fen,
            bid_openings::documents_manifest,
        ))
        .load::<(String, Option<String>, Option<i64>, Option<String>)>(conn)?
        .into_iter()
        .map(|(id, schedule, price, manifest)| (id, (schedule, price, manifest)))
        .collect();
    let supplied = tender_documents::table
        .filter(tender_documents::tender_id.eq(tender_id))
        .select(tender_documents::sha256)
        .load::<String>(conn)?
        .into_iter()
        .collect();
    let events: Vec<(
        i64,
        String,
        Option<String>,
        String,
        String,
        chrono::NaiveDateTime,
    )> = audit_events::table
        .filter(audit_events::tender_id.eq(tender_id))
        .order(audit_events::seq.asc())
        .select((
            audit_events::seq,
            audit_events::actor_role,
            audit_events::actor_id,
            audit_events::action,
            audit_events::object_id,
            audit_events::occurred_at,
        ))
        .load(conn)?;
    let mut by_object: HashMap<&str, Vec<i64>> = HashMap::new();
    for (seq, _, _, _, object, _) in &events {
        by_object.entry(object.as_str()).or_default().push(*seq);
    }
    let bids = rows
        .into_iter()
        .map(|(id, org, name, addr, device, cert, subject)| {
            let (schedule, price, manifest) = opened.get(&id).cloned().unwrap_or_default();
            BidFact {
                documents: manifest.as_deref().map(manifest_lines).unwrap_or_default(),
                device,
                events: by_object.get(id.as_str()).cloned().unwrap_or_default(),
                schedule_sha256: schedule
                    .map(|s| crate::identity::hex(&openssl::sha::sha256(s.as_bytes()))),
                price_fen: price,
                bid_id: id,
                bidder_org: org,
                bidder_name: name,
                client_addr: addr,
                signer_cert_sha256: cert,
                signer_subject: subject,
            }
        })
        .collect();
    // The operators' names, for the alerts about their actions.
    let mut operators: Vec<&str> = events
        .iter()
        .filter(|(_, role, ..)| role == "operator")
        .filter_map(|(_, _, actor, ..)| actor.as_deref())
        .collect();
    operators.sort_unstable();
    operators.dedup();
    let names: HashMap<String, String> = users::table
        .filter(users::id.eq_any(&operators))
        .select((users::id, users::name))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect();
    let actions = events
        .iter()
        .map(|(seq, role, actor, action, _, at)| ActionFact {
            seq: *seq,
            actor_role: role.clone(),
            actor_id: actor.clone(),
            actor_name: actor.as_ref().and_then(|a| names.get(a).cloned()),
            action: action.clone(),
            at: from_db_time(*at),
        })
        .collect();
    Ok(Some(TenderFacts {
        bid_deadline: from_db_time(deadline),
        bids,
        supplied,
        actions,
    }))
}

/// A container's manifest text (`<sha256>  <name>` per line) as `(name,
/// sha256)` pairs.
fn manifest_lines(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter_map(|line| line.split_once("  "))
        .map(|(sha, name)| (name.to_string(), sha.to_string()))
        .collect()
}

/// Recomputes the signals of `tender_id` and keeps the new ones; returns them.
pub fn refresh(
    conn: &mut DbConn,
    tender_id: &str,
    now: DateTime<Utc>,
) -> Result<Vec<Alert>, AppError> {
    let Some(facts) = facts(conn, tender_id)? else {
        return Ok(Vec::new());
    };
    let ctx = AuditContext::system(now);
    let mut raised = Vec::new();
    for signal in signals::detect(&facts, Thresholds::default()) {
        let exists: bool = diesel::select(diesel::dsl::exists(
            supervision_alerts::table
                .filter(supervision_alerts::tender_id.eq(tender_id))
                .filter(supervision_alerts::kind.eq(signal.kind.code()))
                .filter(supervision_alerts::fingerprint.eq(&signal.fingerprint)),
        ))
        .get_result(conn)?;
        if exists {
            continue;
        }
        let alert = insert(conn, &ctx, tender_id, &signal)?;
        raised.push(alert);
    }
    Ok(raised)
}

/// Raises an alert found outside the signals (an evaluation room's flagged
/// score, a contract's clock run out), once per fingerprint; it names no
/// bidder, and `said` says what `summary` says. Returns whether it was
/// raised now.
#[allow(clippy::too_many_arguments)]
pub fn raise(
    conn: &mut DbConn,
    ctx: &AuditContext,
    tender_id: &str,
    kind: signals::SignalKind,
    fingerprint: &str,
    summary: &str,
    said: Said,
    events: &[i64],
) -> Result<bool, AppError> {
    let signal = Signal {
        kind,
        fingerprint: fingerprint.to_string(),
        summary: summary.to_string(),
        events: events.to_vec(),
        bidders: Vec::new(),
        sealed_head: summary.to_string(),
        sealed_head_said: said.clone(),
        said,
    };
    let exists: bool = diesel::select(diesel::dsl::exists(
        supervision_alerts::table
            .filter(supervision_alerts::tender_id.eq(tender_id))
            .filter(supervision_alerts::kind.eq(kind.code()))
            .filter(supervision_alerts::fingerprint.eq(fingerprint)),
    ))
    .get_result(conn)?;
    if !exists {
        insert(conn, &AuditContext::system(ctx.now), tender_id, &signal)?;
    }
    Ok(!exists)
}

fn insert(
    conn: &mut DbConn,
    ctx: &AuditContext,
    tender_id: &str,
    signal: &Signal,
) -> Result<Alert, AppError> {
    let id = uuid::Uuid::new_v4().to_string();
    let evidence = serde_json::to_string(&signal.events)
        .map_err(|e| AppError::Internal(anyhow::Error::new(e).context("alert evidence")))?;
    let labels = label_bidders(conn, tender_id, &signal.bidders)?;
    let sealed_summary = signal.sealed_summary(&labels);
    let sealed_said = signal.sealed_said(&labels);
    diesel::insert_into(supervision_alerts::table)
        .values((
            supervision_alerts::id.eq(&id),
            supervision_alerts::tender_id.eq(tender_id),
            supervision_alerts::kind.eq(signal.kind.code()),
            supervision_alerts::fingerprint.eq(&signal.fingerprint),
            supervision_alerts::summary.eq(&signal.summary),
            supervision_alerts::evidence_json.eq(&evidence),
            supervision_alerts::raised_at.eq(to_db_time(ctx.now)),
            supervision_alerts::sealed_summary.eq(&sealed_summary),
            supervision_alerts::reason.eq(signal.said.reason),
            supervision_alerts::params_json.eq(signal.said.params_json()),
            supervision_alerts::sealed_reason.eq(sealed_said.reason),
            supervision_alerts::sealed_params_json.eq(sealed_said.params_json()),
        ))
        .execute(conn)?;
    let alert = Alert {
        id: id.clone(),
        tender_id: tender_id.to_string(),
        kind: signal.kind.code().to_string(),
        summary: signal.summary.clone(),
        reason: Some(signal.said.reason.to_string()),
        params: Some(signal.said.params.clone()),
        events: signal.events.clone(),
        raised_at: ctx.now,
        acknowledged_by: None,
        acknowledged_at: None,
        note: None,
        sealed: false,
    };
    record(
        conn,
        ctx,
        "supervision.alert_raised",
        "alert",
        &id,
        Some(tender_id),
        // The log's entries and their payload hashes are read before the
        // opening too: the payload holds only what a sealed alert shows, so
        // no guess at the bidders' names, addresses, devices or signers can
        // be confirmed against its hash, nor which entries are the hidden
        // bids (招标投标法 第22条). An alert about a member's marks names
        // the member, whom a league's operators may not know before the
        // result (and the pool's names are few enough to try each): its
        // entry holds only what they are shown, the kind (招标投标法 第44条).
        &sealed_payload(
            &id,
            signal.kind.code(),
            &if signal.kind == signals::SignalKind::ScoreDeviation {
                committee_sealed_summary(signal.kind.code())
            } else {
                sealed_summary.clone()
            },
        ),
    )?;
    notify_raised(conn, ctx, &alert, &signal.summary, &sealed_summary)?;
    Ok(alert)
}

/// The alert's message to the supervisors in scope who asked for alerts
/// (an opt-in kind: [`crate::notify::send`] leaves out the others). It
/// says what the alert list says to each of them: until the opening, the
/// summary with the bidders by label. Its cause is the alert, kept once
/// per fingerprint, so a recomputation never sends it again.
fn notify_raised(
    conn: &mut DbConn,
    ctx: &AuditContext,
    alert: &Alert,
    summary: &str,
    sealed_summary: &str,
) -> Result<(), AppError> {
    let (title, reference, league, category): (String, String, String, String) = tenders::table
        .find(&alert.tender_id)
        .select((
            tenders::title,
            tenders::reference,
            tenders::league_code,
            tenders::category,
        ))
        .first(conn)?;
    let opened = crate::audit::sealing::tender_opened(conn, &alert.tender_id)?;
    let (mut revealed, mut sealed) = (Vec::new(), Vec::new());
    for (user, scope) in super::supervisors_in_scope(conn, &league, &category)? {
        if super::Reader::Supervisor(scope).sees_bidders(opened, &league) {
            revealed.push(user);
        } else {
            sealed.push(user);
        }
    }
    for (users, detail) in [(revealed, summary), (sealed, sealed_summary)] {
        if users.is_empty() {
            continue;
        }
        let message = alert_message(alert, &title, &reference, &league, detail);
        crate::notify::send(conn, ctx, &message, &users)?;
    }
    Ok(())
}

/// The message of an alert, saying `detail` of it.
fn alert_message(
    alert: &Alert,
    title: &str,
    reference: &str,
    league: &str,
    detail: &str,
) -> crate::notify::Message {
    let severity = signals::SignalKind::from_code(&alert.kind)
        .map_or(signals::Severity::Warning, |k| k.severity());
    crate::notify::Message::new(
        crate::notify::Kind::SupervisionAlert,
        format!("supervision_alert:{}", alert.id),
    )
    .tender(&alert.tender_id, league)
    .field("title", title)
    .field("reference", reference)
    .term("rule", &alert.kind)
    .term("severity", severity.code())
    .field("detail", detail)
    .link(format!(
        "/api/v1/supervision/alerts?tender_id={}",
        alert.tender_id
    ))
}

/// An alert about a member's marks as a reader who may not know the
/// committee before the result reads it: its kind alone.
pub fn committee_sealed_summary(kind: &str) -> String {
    format!("{kind}: the details name a committee member and its marks, sealed until the result")
}

/// What `supervision.alert_raised` records: the alert as it is shown while
/// the tender's bidders are sealed (its kind and its summary with the
/// bidders by label), never the names or the events it rests on.
pub fn sealed_payload(id: &str, kind: &str, sealed_summary: &str) -> serde_json::Value {
    serde_json::json!({ "alert_id": id, "kind": kind, "sealed_summary": sealed_summary })
}

/// The labels of `bidders` on `tender_id`, giving the next numbers to
/// those an alert names for the first time; returns every label of the
/// tender (organisation id → number).
fn label_bidders(
    conn: &mut DbConn,
    tender_id: &str,
    bidders: &[String],
) -> Result<HashMap<String, i32>, AppError> {
    let taken: Vec<(String, i32)> = sealed_bidder_labels::table
        .filter(sealed_bidder_labels::tender_id.eq(tender_id))
        .select((
            sealed_bidder_labels::bidder_org_id,
            sealed_bidder_labels::label,
        ))
        .load(conn)?;
    let new = crate::audit::sealing::assign_labels(&taken, bidders);
    for (bidder, label) in &new {
        diesel::insert_into(sealed_bidder_labels::table)
            .values((
                sealed_bidder_labels::tender_id.eq(tender_id),
                sealed_bidder_labels::bidder_org_id.eq(bidder),
                sealed_bidder_labels::label.eq(label),
            ))
            .execute(conn)?;
    }
    Ok(taken.into_iter().chain(new).collect())
}

/// An alert as supervisors see it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Alert {
    pub id: String,
    pub tender_id: String,
    /// same_client_address, same_device, same_signer,
    /// identical_price_schedule, identical_documents, prices_in_progression,
    /// prices_in_narrow_band, operator_action_after_deadline,
    /// score_deviation, objection_answer_overdue,
    /// complaint_acceptance_overdue, complaint_decision_overdue.
    pub kind: String,
    /// What it found, in English, as its reader may see it (see `sealed`).
    pub summary: String,
    /// The same as `summary`, as a stable key (the portal's catalogue
    /// `frontend/src/i18n/alerts.json` says it in Chinese and English; the
    /// keys are listed in `supervision::said::ALERTS`): for example
    /// `alert.same-client-address`, or `alert.same-client-address-sealed`
    /// while the bidders are sealed. Absent on alerts kept before keys
    /// were: their `summary` is all they say.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The values the reason's sentence names, as a JSON object: bidders
    /// by name (`bidders`) or, sealed, by label number (`labels`: 1 for
    /// "bidder 1"); people by name; times in Beijing time with the offset;
    /// amounts in yuan (`12345.67`); present with `reason`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub params: Option<serde_json::Value>,
    /// The audit events (`seq`) it rests on; empty while `sealed`, since
    /// they would point at the hidden bid events.
    pub events: Vec<i64>,
    pub raised_at: DateTime<Utc>,
    pub acknowledged_by: Option<String>,
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub note: Option<String>,
    /// True until the tender's opening (and, after it, for an operator of
    /// another league): the summary then names the bidders by label only
    /// ("bidder 1", the same on every alert of the tender), never by name.
    /// True as well, for a league's operators, on a `score_deviation`
    /// alert until the tender's result: the summary then says only that
    /// the details name a member and its marks.
    pub sealed: bool,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = supervision_alerts)]
struct AlertRow {
    id: String,
    tender_id: String,
    kind: String,
    summary: String,
    evidence_json: String,
    raised_at: chrono::NaiveDateTime,
    acknowledged_by: Option<String>,
    acknowledged_at: Option<chrono::NaiveDateTime>,
    ack_note: Option<String>,
    sealed_summary: Option<String>,
    reason: Option<String>,
    params_json: Option<String>,
    sealed_reason: Option<String>,
    sealed_params_json: Option<String>,
}

/// A stored key and its params, as an alert gives them: none unless both
/// are there and the params read.
fn stored_said(
    reason: Option<String>,
    params: Option<String>,
) -> (Option<String>, Option<serde_json::Value>) {
    match (
        reason,
        params.and_then(|p| serde_json::from_str::<serde_json::Value>(&p).ok()),
    ) {
        (Some(reason), Some(params)) if params.is_object() => (Some(reason), Some(params)),
        _ => (None, None),
    }
}

/// A sentence said on reading, never stored (`alert.committee-sealed`,
/// `alert.details-sealed`), naming the alert's kind.
fn said_of_kind(reason: &'static str, kind: &str) -> (Option<String>, Option<serde_json::Value>) {
    let said = Said::new(reason, serde_json::json!({ "kind": kind }));
    (Some(said.reason.to_string()), Some(said.params))
}

impl AlertRow {
    /// The alert as shown to a reader who sees the tender's bidders
    /// (`revealed`) or not.
    fn shown(self, revealed: bool) -> Alert {
        let (summary, (reason, params)) = if revealed {
            (self.summary, stored_said(self.reason, self.params_json))
        } else {
            match self.sealed_summary {
                Some(sealed) => (
                    sealed,
                    stored_said(self.sealed_reason, self.sealed_params_json),
                ),
                // An alert kept before sealed summaries existed says only
                // its kind until the opening.
                None => (
                    format!(
                        "{}: the details name bidders and are sealed until the opening",
                        self.kind
                    ),
                    said_of_kind("alert.details-sealed", &self.kind),
                ),
            }
        };
        Alert {
            id: self.id,
            tender_id: self.tender_id,
            kind: self.kind,
            summary,
            reason,
            params,
            // Sealed, the events say which rows of the log are the hidden
            // bids (and their neighbours, who made them): none is shown.
            events: if revealed {
                serde_json::from_str(&self.evidence_json).unwrap_or_default()
            } else {
                Vec::new()
            },
            raised_at: from_db_time(self.raised_at),
            acknowledged_by: self.acknowledged_by,
            acknowledged_at: self.acknowledged_at.map(from_db_time),
            note: self.ack_note,
            sealed: !revealed,
        }
    }
}

impl AlertRow {
    /// An alert about a member's marks (a score far from the others') as
    /// shown to a reader who does not read the committee before the result
    /// (a league's operators): its kind and that it is sealed, neither the
    /// member nor the marks nor the events (招标投标法 第37条, 第44条).
    fn committee_sealed(self) -> Alert {
        let (reason, params) = said_of_kind("alert.committee-sealed", &self.kind);
        Alert {
            summary: committee_sealed_summary(&self.kind),
            reason,
            params,
            id: self.id,
            tender_id: self.tender_id,
            kind: self.kind,
            events: Vec::new(),
            raised_at: from_db_time(self.raised_at),
            acknowledged_by: self.acknowledged_by,
            acknowledged_at: self.acknowledged_at.map(from_db_time),
            note: self.ack_note,
            sealed: true,
        }
    }
}

/// Whether `reader` sees the bidders of `tender_id` (of league `league`).
fn revealed(
    reader: &super::Reader,
    opened: &std::collections::HashSet<String>,
    tender_id: &str,
    places: &HashMap<String, (String, String)>,
) -> bool {
    places
        .get(tender_id)
        .is_some_and(|(league, _)| reader.sees_bidders(opened.contains(tender_id), league))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AlertQuery {
    /// Only this tender's alerts.
    pub tender_id: Option<String>,
    /// Only alerts not yet acknowledged.
    pub open: Option<bool>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct AlertList {
    pub items: Vec<Alert>,
}

/// Alerts on tenders in the reader's scope, newest first (at most 500);
/// until a tender's opening, its alerts name bidders by label only.
#[utoipa::path(
    tag = "supervision",
    params(AlertQuery),
    responses(
        (status = 200, body = AlertList),
        (status = 400, body = crate::error::Problem),
        (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem)
    )
)]
#[get("/supervision/alerts")]
pub async fn list_alerts(
    state: web::Data<AppState>,
    principal: Principal,
    req: actix_web::HttpRequest,
) -> Result<web::Json<AlertList>, AppError> {
    principal.require_any(&[Role::Operator, Role::Supervisor])?;
    let query: AlertQuery = super::query(&req)?;
    super::check_tender_filter(query.tender_id.as_deref())?;
    let items = state
        .db
        .read(move |conn| {
            let reader = super::reader(conn, &principal)?;
            let mut q = supervision_alerts::table.into_boxed();
            if let Some(t) = &query.tender_id {
                q = q.filter(supervision_alerts::tender_id.eq(t.clone()));
            }
            if query.open == Some(true) {
                q = q.filter(supervision_alerts::acknowledged_at.is_null());
            }
            let rows: Vec<AlertRow> = q
                .order(supervision_alerts::raised_at.desc())
                .select(AlertRow::as_select())
                .load(conn)?;
            let tenders: Vec<String> = rows.iter().map(|r| r.tender_id.clone()).collect();
            let places = super::tender_places(conn, &tenders)?;
            let opened = crate::audit::sealing::opened_tenders(conn, &tenders)?;
            let decided = crate::audit::sealing::decided_tenders(conn, &tenders)?;
            Ok(rows
                .into_iter()
                .filter(|r| super::sees_event(&reader, Some(&r.tender_id), &places))
                .take(500)
                .map(|r| {
                    let committee = r.kind == signals::SignalKind::ScoreDeviation.code()
                        && !reader.sees_committee(decided.contains(&r.tender_id));
                    if committee {
                        return r.committee_sealed();
                    }
                    let shown = revealed(&reader, &opened, &r.tender_id, &places);
                    r.shown(shown)
                })
                .collect())
        })
        .await?;
    Ok(web::Json(AlertList { items }))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Acknowledgement {
    /// What the supervisor found or did (1 to 2000 characters).
    pub note: String,
}

/// A supervisor in scope acknowledges an alert with a note, on the record.
#[utoipa::path(
    tag = "supervision",
    request_body = Acknowledgement,
    responses(
        (status = 200, body = Alert),
        (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)
    )
)]
#[post("/supervision/alerts/{id}/acknowledge")]
pub async fn acknowledge(
    state: web::Data<AppState>,
    ctx: AuditContext,
    path: web::Path<String>,
    body: web::Json<Acknowledgement>,
) -> Result<web::Json<Alert>, AppError> {
    ctx.principal.require_any(&[Role::Supervisor])?;
    let id = path.into_inner();
    let note = body.into_inner().note;
    let mut errors = Vec::new();
    crate::error::check_text(&mut errors, "note", &note, true, 2000);
    if !errors.is_empty() {
        return Err(AppError::Validation {
            detail: "the note is missing or too long".into(),
            errors,
        });
    }
    let alert = state
        .db
        .write(move |conn| {
            let scope = super::scope_of(conn, &ctx.principal)?;
            let row: Option<AlertRow> = supervision_alerts::table
                .find(&id)
                .select(AlertRow::as_select())
                .first(conn)
                .optional()?;
            let Some(row) = row else {
                return Err(AppError::NotFound("no such alert".into())
                    .because("supervision.no-alert", serde_json::json!({})));
            };
            let places = super::tender_places(conn, std::slice::from_ref(&row.tender_id))?;
            let reader = super::Reader::Supervisor(scope);
            if !super::sees_event(&reader, Some(&row.tender_id), &places) {
                return Err(AppError::NotFound("no such alert".into())
                    .because("supervision.no-alert", serde_json::json!({})));
            }
            if row.acknowledged_at.is_some() {
                return Err(
                    AppError::Conflict("the alert is already acknowledged".into())
                        .because("supervision.alert-acknowledged", serde_json::json!({})),
                );
            }
            let user = ctx
                .principal
                .user_id
                .as_ref()
                .map(|u| u.as_str().to_string());
            let changed = diesel::update(
                supervision_alerts::table
                    .find(&id)
                    .filter(supervision_alerts::acknowledged_at.is_null()),
            )
            .set((
                supervision_alerts::acknowledged_by.eq(&user),
                supervision_alerts::acknowledged_at.eq(to_db_time(ctx.now)),
                supervision_alerts::ack_note.eq(&note),
            ))
            .execute(conn)?;
            if changed != 1 {
                return Err(
                    AppError::Conflict("the alert is already acknowledged".into())
                        .because("supervision.alert-acknowledged", serde_json::json!({})),
                );
            }
            let ctx = ctx.clone().acting_as(Role::Supervisor);
            let opened =
                crate::audit::sealing::opened_tenders(conn, std::slice::from_ref(&row.tender_id))?;
            let shown = revealed(&reader, &opened, &row.tender_id, &places);
            let mut alert = row.shown(shown);
            alert.acknowledged_by = user;
            alert.acknowledged_at = Some(ctx.now);
            alert.note = Some(note);
            record(
                conn,
                &ctx,
                "supervision.alert_acknowledged",
                "alert",
                &id,
                Some(&alert.tender_id),
                &alert,
            )?;
            Ok(alert)
        })
        .await?;
    Ok(web::Json(alert))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notify::templates::{Language, render};

    #[test]
    fn every_kind_of_alert_is_worded_in_both_languages() {
        for kind in signals::SignalKind::ALL {
            let alert = Alert {
                id: "a1".into(),
                tender_id: "t1".into(),
                kind: kind.code().into(),
                summary: "bidder 1, bidder 2".into(),
                reason: None,
                params: None,
                events: vec![],
                raised_at: chrono::DateTime::from_timestamp(1_800_000_000, 0).unwrap(),
                acknowledged_by: None,
                acknowledged_at: None,
                note: None,
                sealed: false,
            };
            let message = alert_message(&alert, "道路工程", "GX-1", "NNG", "bidder 1, bidder 2");
            assert_eq!(message.cause, "supervision_alert:a1");
            for language in [Language::Zh, Language::En] {
                let r = render(crate::notify::Kind::SupervisionAlert, language, &message)
                    .unwrap_or_else(|e| panic!("{kind:?} {language:?}: {e:?}"));
                assert!(
                    !r.text.contains(kind.code()),
                    "{kind:?} is worded: {}",
                    r.text
                );
                assert!(r.text.contains("bidder 1, bidder 2"));
            }
        }
    }
}
