//! Persistence of tenders and their read models (summary and detail).

use super::lifecycle::{self, Action};
use super::limits::{self, DateFacts};
use super::model::{
    Category, Evaluation, KeyDates, Method, NoticeKind, ProcedureTerms, TenderInput, TenderStatus,
};
use super::notice_words::{self, Written};
use crate::audit::{self, AuditContext};
use crate::db::schema::{
    clarifications, leagues, notices, openings, tender_documents, tender_lots, tenders,
};
use crate::db::{DbConn, from_db_time, like_pattern, lower, to_db_time};
use crate::error::{AppError, check_text};
use crate::http::{Page, Paging};
use crate::identity::policy::{Area, OperatorKind};
use crate::identity::store::{OrganisationRef, organisation_ref};
use crate::identity::{Principal, Role};
use crate::opendata::{self, OcdsSettings};
use crate::opening::OpeningStatus;
use crate::types::{Currency, DocumentId, LeagueCode, Money, OrganisationId, TenderId};
use chrono::{DateTime, Datelike, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = tenders)]
pub struct TenderRow {
    pub id: String,
    pub reference: String,
    pub title: String,
    pub description: String,
    pub category: String,
    pub method: String,
    pub league_code: String,
    pub tenderer_org_id: String,
    pub agent_org_id: Option<String>,
    pub budget_fen: i64,
    pub currency: String,
    pub evaluation_json: String,
    pub documents_available_at: NaiveDateTime,
    pub clarification_deadline: NaiveDateTime,
    pub bid_deadline: NaiveDateTime,
    pub publicity_days: i32,
    pub status: String,
    pub status_changed_at: NaiveDateTime,
    pub amendment_version: i32,
    pub published_at: Option<NaiveDateTime>,
    pub created_by: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub seal_required: bool,
    pub terms_json: String,
}

impl TenderRow {
    pub fn status(&self) -> Result<TenderStatus, AppError> {
        TenderStatus::from_db(&self.status)
    }

    pub fn facts(&self) -> Result<DateFacts, AppError> {
        Ok(DateFacts::new(
            Category::from_db(&self.category)?,
            Method::from_db(&self.method)?,
            &self.key_dates(),
        ))
    }

    pub fn key_dates(&self) -> KeyDates {
        KeyDates {
            documents_available_at: from_db_time(self.documents_available_at),
            clarification_deadline: from_db_time(self.clarification_deadline),
            bid_deadline: from_db_time(self.bid_deadline),
            publicity_days: u32::try_from(self.publicity_days).unwrap_or(0),
        }
    }

    pub fn budget(&self) -> Money {
        Money {
            amount_fen: self.budget_fen,
            currency: Currency::from_db(self.currency.clone()),
        }
    }

    pub fn evaluation(&self) -> Result<Evaluation, AppError> {
        serde_json::from_str(&self.evaluation_json).map_err(|e| {
            AppError::Internal(anyhow::Error::new(e).context("stored evaluation method"))
        })
    }

    pub fn terms(&self) -> Result<ProcedureTerms, AppError> {
        serde_json::from_str(&self.terms_json).map_err(|e| {
            AppError::Internal(anyhow::Error::new(e).context("stored procedure terms"))
        })
    }

    /// The role in which the principal manages this tender: a member of its
    /// tenderer organisation holding the tenderer role, a member of its agent
    /// organisation holding the agent role, or an operator of the tender's
    /// league (its trading centre's staff; see `identity::policy`). A
    /// platform operator and other leagues' operators do not manage it.
    pub fn managing_role(&self, principal: &Principal) -> Option<Role> {
        let org = principal.organisation.as_ref().map(|o| o.as_str());
        if principal.has(Role::Tenderer) && org == Some(self.tenderer_org_id.as_str()) {
            Some(Role::Tenderer)
        } else if principal.has(Role::Agent) && org.is_some() && org == self.agent_org_id.as_deref()
        {
            Some(Role::Agent)
        } else if principal.operates(Area::TenderProcedures, Some(&self.league_code)) {
            Some(Role::Operator)
        } else {
            None
        }
    }

    pub fn managed_by(&self, principal: &Principal) -> bool {
        self.managing_role(principal).is_some()
    }

    /// Until it is published, a tender is seen only by those who manage it
    /// (a draft cancelled before publication stays private).
    pub fn visible_to(&self, principal: &Principal) -> bool {
        self.published_at.is_some() || self.managed_by(principal)
    }
}

/// A tender in lists.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TenderSummary {
    pub id: TenderId,
    pub reference: String,
    pub title: String,
    pub category: Category,
    pub method: Method,
    #[schema(value_type = String)]
    pub league_code: LeagueCode,
    pub league_name: String,
    pub status: TenderStatus,
    /// Where the tender's opening is, once it has started (absent before):
    /// a tender stays `opening` after its opening completed until the
    /// evaluation starts (`lifecycle`), so pages say "opened, awaiting
    /// evaluation" from `completed`, not "opening in progress".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opening: Option<OpeningStatus>,
    pub budget: Money,
    pub documents_available_at: DateTime<Utc>,
    pub bid_deadline: DateTime<Utc>,
    pub published_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Lot {
    pub number: i32,
    pub title: String,
    pub description: String,
    pub budget_fen: i64,
    /// This lot's own method (else the tender's).
    pub evaluation: Option<Evaluation>,
    pub ceiling_price_fen: Option<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Document {
    pub id: DocumentId,
    pub title: String,
    pub filename: String,
    pub media_type: String,
    pub size: i64,
    /// SHA-256 of the content, hex.
    pub sha256: String,
    pub published: bool,
    pub published_at: Option<DateTime<Utc>>,
    /// The amendment that published it (0 for the original notice).
    pub amendment_version: Option<i32>,
    pub download_url: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Notice {
    pub seq: i32,
    pub kind: NoticeKind,
    /// The title in Chinese, as published (and in the open data).
    pub title: String,
    pub body: String,
    pub published_at: DateTime<Utc>,
    /// The parts the platform wrote, as message keys and params, for a
    /// reader of another language (`super::notice_words`); absent: written
    /// by people, shown as written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub words: Option<super::notice_words::NoticeWords>,
}

/// A notice's words: as stored, or read back from its text for one stored
/// before they were kept; none when people wrote it all.
pub(crate) fn words_of(
    category: Category,
    kind: NoticeKind,
    tender_title: &str,
    title: &str,
    body: &str,
    stored: Option<&str>,
) -> Option<super::notice_words::NoticeWords> {
    let words = match stored
        .and_then(|j| serde_json::from_str::<super::notice_words::NoticeWords>(j).ok())
    {
        // Stored before the platform kept a body's words (an award's
        // result, a failure's reason): read back from its text.
        Some(mut w) => {
            if w.body.is_none() {
                w.body = super::notice_words::derive_body(kind, body);
            }
            w
        }
        None => super::notice_words::derive(category, kind, tender_title, title, body),
    };
    (!words.is_empty()).then_some(words)
}

/// An answered clarification, as everyone sees it: never who asked.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PublicClarification {
    pub number: i32,
    pub question: String,
    pub answer: String,
    /// When the question was asked (public once answered, as in
    /// `GET /tenders/{id}/clarifications`).
    pub asked_at: DateTime<Utc>,
    pub answered_at: DateTime<Utc>,
}

crate::types::text_enum! {
    /// Whether a tender's evaluation room exists yet.
    pub enum RoomPresence {
        /// Not opened yet (the tenderer opens it once the evaluation starts).
        NotOpen = "not_open",
        Open = "open",
    }
}

crate::types::text_enum! {
    /// Whether a tender's evaluation report is signed yet.
    pub enum ReportPresence {
        /// The room is open and its committee has not all signed the report.
        NotSigned = "not_signed",
        /// Every sitting member signed or refused: the room is closed and
        /// the report exists (`GET /tenders/{id}/evaluation/report`).
        Signed = "signed",
    }
}

/// A tender with everything the public may see (and, for its managers,
/// documents not yet published).
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TenderDetail {
    #[serde(flatten)]
    pub summary: TenderSummary,
    pub description: String,
    pub tenderer: OrganisationRef,
    pub agent: Option<OrganisationRef>,
    pub lots: Vec<Lot>,
    pub evaluation: Evaluation,
    /// Subject, ceiling price, bid validity, review items, small-enterprise
    /// deduction.
    pub terms: ProcedureTerms,
    pub dates: KeyDates,
    /// Bids must carry the enterprise's seal signature.
    pub seal_required: bool,
    pub amendment_version: i32,
    pub status_changed_at: DateTime<Utc>,
    pub documents: Vec<Document>,
    pub notices: Vec<Notice>,
    pub clarifications: Vec<PublicClarification>,
    /// Lifecycle actions open to the viewer now (empty for the public).
    pub allowed_actions: Vec<Action>,
    /// From the opening on: whether the evaluation room is open, so that a
    /// page asks the room only once it exists (the room answers 404
    /// before). Absent before the opening, and for a tender cancelled or
    /// failed without a room.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evaluation_room: Option<RoomPresence>,
    /// Once the room is open: whether its report is signed, so that a page
    /// asks for the report only once there is one (the report answers 409
    /// before, and its readers other than the committee and supervisors
    /// read it only once signed). Absent without a room.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evaluation_report: Option<ReportPresence>,
    /// Government procurement by tendering, from the evaluation on: where
    /// the purchaser's qualification review before the room stands
    /// (政府采购货物和服务招标投标管理办法 第44条; its findings at
    /// `GET /tenders/{id}/qualification-review`). Absent in procedures
    /// whose committee reviews qualification in its room, and before the
    /// evaluation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qualification_review: Option<crate::evaluation::qualification::store::ReviewStatus>,
    /// Invited tendering: the invited enterprises, for the tender's
    /// managers, supervisors in scope and operators who may see them
    /// (`tenders::invitees`); absent for everyone else, and on other methods.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invitees: Option<Vec<super::invitees::Invitee>>,
    /// Invited tendering, for a signed-in enterprise user: whether its
    /// enterprise is invited (only invitees take the documents and bid).
    /// Absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invited: Option<bool>,
}

/// How `principal` stands to the tender `row` (its manager, a supervisor
/// whose scope holds it, an operator): what the sealing rules ask
/// (`audit::sealing::sees_bidders`).
pub fn standing<'a>(
    conn: &mut DbConn,
    row: &TenderRow,
    principal: &'a Principal,
) -> Result<crate::audit::sealing::Standing<'a>, AppError> {
    let supervises = principal.has(Role::Supervisor)
        && crate::supervision::scope_of(conn, principal)?
            .covers(row.league_code.as_str(), &row.category);
    Ok(crate::audit::sealing::Standing {
        manages: matches!(
            row.managing_role(principal),
            Some(Role::Tenderer | Role::Agent)
        ),
        supervises,
        operator: principal.operator_kind(),
    })
}

pub fn load_row(conn: &mut DbConn, id: &TenderId) -> Result<TenderRow, AppError> {
    tenders::table
        .filter(tenders::id.eq(id.as_str()))
        .select(TenderRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| AppError::not_found("tender"))
}

/// Loads a tender the principal may see; others get 404, as if absent.
pub fn load_visible(
    conn: &mut DbConn,
    id: &TenderId,
    principal: &Principal,
) -> Result<TenderRow, AppError> {
    let row = load_row(conn, id)?;
    if row.visible_to(principal) {
        Ok(row)
    } else {
        Err(AppError::not_found("tender"))
    }
}

/// Serialises writers of one tender until the transaction ends, so that
/// concurrent requests on PostgreSQL cannot both act on the same state.
/// Every write to a tender takes it before reading the tender.
pub fn lock(conn: &mut DbConn, id: &TenderId) -> Result<(), AppError> {
    crate::db::lock_in_transaction(conn, &format!("tender:{id}"))
}

/// Loads a tender the principal manages, with the role it acts in; 404 if
/// invisible, 403 if visible but managed by someone else.
pub fn load_managed(
    conn: &mut DbConn,
    id: &TenderId,
    principal: &Principal,
) -> Result<(TenderRow, Role), AppError> {
    let row = load_visible(conn, id, principal)?;
    if let Some(role) = row.managing_role(principal) {
        Ok((row, role))
    } else if !principal.is_authenticated() {
        Err(
            AppError::Unauthenticated("sign in as the tender's tenderer or agent".into())
                .because("tender.sign-in-as-manager", serde_json::json!({})),
        )
    } else {
        Err(AppError::Forbidden(
            "only the tender's tenderer, its agent or an operator of its league may do this".into(),
        )
        .because("tender.managers-only", serde_json::json!({})))
    }
}

pub(crate) fn league_name(conn: &mut DbConn, code: &str) -> Result<String, AppError> {
    Ok(leagues::table
        .filter(leagues::code.eq(code))
        .select(leagues::name)
        .first(conn)
        .optional()?
        .unwrap_or_default())
}

pub(crate) fn summary(
    row: &TenderRow,
    league_name: String,
    opening: Option<OpeningStatus>,
) -> Result<TenderSummary, AppError> {
    Ok(TenderSummary {
        id: TenderId::from_db(row.id.clone()),
        reference: row.reference.clone(),
        title: row.title.clone(),
        category: Category::from_db(&row.category)?,
        method: Method::from_db(&row.method)?,
        league_code: LeagueCode::from_db(row.league_code.clone()),
        league_name,
        status: row.status()?,
        opening,
        budget: row.budget(),
        documents_available_at: from_db_time(row.documents_available_at),
        bid_deadline: from_db_time(row.bid_deadline),
        published_at: row.published_at.map(from_db_time),
    })
}

pub fn documents(
    conn: &mut DbConn,
    row: &TenderRow,
    include_unpublished: bool,
) -> Result<Vec<Document>, AppError> {
    let mut q = tender_documents::table
        .filter(tender_documents::tender_id.eq(&row.id))
        .into_boxed();
    if !include_unpublished {
        q = q.filter(tender_documents::published_at.is_not_null());
    }
    type DocumentRow = (
        String,
        String,
        String,
        String,
        i64,
        String,
        Option<NaiveDateTime>,
        Option<i32>,
    );
    let rows: Vec<DocumentRow> = q
        .select((
            tender_documents::id,
            tender_documents::title,
            tender_documents::filename,
            tender_documents::media_type,
            tender_documents::size_bytes,
            tender_documents::sha256,
            tender_documents::published_at,
            tender_documents::amendment_version,
        ))
        .order((
            tender_documents::uploaded_at.asc(),
            tender_documents::id.asc(),
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(
            |(id, title, filename, media_type, size, sha256, published_at, amendment_version)| {
                Document {
                    download_url: format!("/api/v1/tenders/{}/documents/{}", row.id, id),
                    id: DocumentId::from_db(id),
                    title,
                    filename,
                    media_type,
                    size,
                    sha256,
                    published: published_at.is_some(),
                    published_at: published_at.map(from_db_time),
                    amendment_version,
                }
            },
        )
        .collect())
}

pub fn notices_of(conn: &mut DbConn, row: &TenderRow) -> Result<Vec<Notice>, AppError> {
    type NoticeRow = (i32, String, String, String, NaiveDateTime, Option<String>);
    let rows: Vec<NoticeRow> = notices::table
        .filter(notices::tender_id.eq(&row.id))
        .select((
            notices::seq,
            notices::kind,
            notices::title,
            notices::body,
            notices::published_at,
            notices::words_json,
        ))
        .order(notices::seq.asc())
        .load(conn)?;
    let category = Category::from_db(&row.category)?;
    rows.into_iter()
        .map(|(seq, kind, title, body, at, words)| {
            let kind = NoticeKind::from_db(&kind)?;
            Ok(Notice {
                seq,
                kind,
                words: words_of(category, kind, &row.title, &title, &body, words.as_deref()),
                title,
                body,
                published_at: from_db_time(at),
            })
        })
        .collect()
}

pub fn answered_clarifications(
    conn: &mut DbConn,
    tender_id: &str,
) -> Result<Vec<PublicClarification>, AppError> {
    type AnsweredRow = (
        Option<i32>,
        String,
        Option<String>,
        NaiveDateTime,
        Option<NaiveDateTime>,
    );
    // Never `asked_by`: who asked is nobody's business but the asker's.
    let rows: Vec<AnsweredRow> = clarifications::table
        .filter(clarifications::tender_id.eq(tender_id))
        .filter(clarifications::answered_at.is_not_null())
        .select((
            clarifications::number,
            clarifications::question,
            clarifications::answer,
            clarifications::asked_at,
            clarifications::answered_at,
        ))
        .order(clarifications::number.asc())
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(number, question, answer, asked, at)| {
            Some(PublicClarification {
                number: number?,
                question,
                answer: answer?,
                asked_at: from_db_time(asked),
                answered_at: from_db_time(at?),
            })
        })
        .collect())
}

/// A tender's lots, in number order.
pub fn lots_of(conn: &mut DbConn, tender_id: &str) -> Result<Vec<Lot>, AppError> {
    type Row = (i32, String, String, i64, Option<String>, Option<i64>);
    let rows: Vec<Row> = tender_lots::table
        .filter(tender_lots::tender_id.eq(tender_id))
        .select((
            tender_lots::number,
            tender_lots::title,
            tender_lots::description,
            tender_lots::budget_fen,
            tender_lots::evaluation_json,
            tender_lots::ceiling_price_fen,
        ))
        .order(tender_lots::number.asc())
        .load(conn)?;
    rows.into_iter()
        .map(
            |(number, title, description, budget_fen, evaluation, ceiling_price_fen)| {
                Ok(Lot {
                    number,
                    title,
                    description,
                    budget_fen,
                    evaluation: evaluation
                        .map(|j| {
                            serde_json::from_str(&j).map_err(|e| {
                                AppError::Internal(
                                    anyhow::Error::new(e).context("stored lot evaluation"),
                                )
                            })
                        })
                        .transpose()?,
                    ceiling_price_fen,
                })
            },
        )
        .collect()
}

/// The full view of a tender for `viewer`.
pub fn detail(
    conn: &mut DbConn,
    row: &TenderRow,
    viewer: &Principal,
) -> Result<TenderDetail, AppError> {
    let manages = row.managed_by(viewer);
    let tenderer = organisation_ref(conn, &row.tenderer_org_id)?
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("tenderer organisation missing")))?;
    let agent = match &row.agent_org_id {
        Some(id) => organisation_ref(conn, id)?,
        None => None,
    };
    let status = row.status()?;
    let (invitees, invited) = super::invitees::for_viewer(conn, row, viewer)?;
    Ok(TenderDetail {
        summary: summary(
            row,
            league_name(conn, &row.league_code)?,
            crate::opening::record::opening_status(conn, &row.id)?,
        )?,
        description: row.description.clone(),
        tenderer,
        agent,
        lots: lots_of(conn, &row.id)?,
        evaluation: row.evaluation()?,
        terms: row.terms()?,
        dates: row.key_dates(),
        seal_required: row.seal_required,
        amendment_version: row.amendment_version,
        status_changed_at: from_db_time(row.status_changed_at),
        documents: documents(conn, row, manages)?,
        notices: notices_of(conn, row)?,
        clarifications: answered_clarifications(conn, &row.id)?,
        allowed_actions: if manages {
            lifecycle::allowed(row.facts()?.category, status)
        } else {
            Vec::new()
        },
        evaluation_room: match status {
            TenderStatus::Draft | TenderStatus::Published => None,
            _ if crate::evaluation::store::room_exists(conn, &row.id)? => Some(RoomPresence::Open),
            // Ended without a room: none will open.
            TenderStatus::Cancelled | TenderStatus::Failed => None,
            _ => Some(RoomPresence::NotOpen),
        },
        evaluation_report: crate::evaluation::store::report_presence(conn, &row.id)?,
        qualification_review: crate::evaluation::qualification::store::status_of(conn, row)?,
        invitees,
        invited,
    })
}

/// Filters of the public list.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct TenderFilter {
    pub category: Option<Category>,
    pub league: Option<String>,
    pub status: Option<TenderStatus>,
    /// Text to find in the title, reference or description.
    pub q: Option<String>,
    /// Only the tenders the caller runs: its organisation's as tenderer or
    /// as agent (drafts included), or a league operator's league's. For
    /// tenderers, agents and league operators (401 signed out, 403 for
    /// anyone else).
    pub mine: Option<bool>,
    /// `true`: only the tenders whose record the caller reads (a
    /// supervisor's scope: its league and, for an administrative
    /// supervisor, its category; a league operator's league; the platform
    /// operator's all), for the pickers of the audit events and the
    /// cockpit. Supervisors and operators only.
    pub in_scope: Option<bool>,
    /// Page number, from 1.
    #[param(minimum = 1, maximum = 1000000)]
    pub page: Option<u32>,
    /// Items per page, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<u32>,
}

/// Tenders visible to `viewer`, newest first.
pub fn list(
    conn: &mut DbConn,
    filter: &TenderFilter,
    viewer: &Principal,
    paging: Paging,
) -> Result<Page<TenderSummary>, AppError> {
    // The reader's scope, as `supervision::Reader::covers` decides it.
    let scope: Option<(Option<String>, Option<String>)> = if filter.in_scope == Some(true) {
        use crate::supervision::{Reader, SupervisorKind};
        Some(match crate::supervision::reader(conn, viewer)? {
            Reader::Operator(league) => (league.map(|l| l.as_str().to_string()), None),
            Reader::Supervisor(scope) => (
                scope.league.map(|l| l.as_str().to_string()),
                match scope.kind {
                    // An administrative supervisor without a category
                    // watches none (`Scope::covers`).
                    Some(SupervisorKind::Administrative) => Some(
                        scope
                            .category
                            .map(|c| c.code().to_string())
                            .unwrap_or_default(),
                    ),
                    _ => None,
                },
            ),
        })
    } else {
        None
    };
    let build = || {
        let mut q = tenders::table.into_boxed();
        if let Some((league, category)) = &scope {
            if let Some(l) = league {
                q = q.filter(tenders::league_code.eq(l.clone()));
            }
            if let Some(c) = category {
                q = q.filter(tenders::category.eq(c.clone()));
            }
        }
        // The same rule as `TenderRow::visible_to`, in SQL.
        let mine = filter.mine == Some(true);
        let centre = match viewer.operator_kind() {
            Some(OperatorKind::League(l)) if viewer.operates(Area::TenderProcedures, Some(l)) => {
                Some(l.to_string())
            }
            _ => None,
        };
        if let Some(league) = centre {
            // A league's operators see its drafts, and only its; its own
            // league's tenders are the ones it runs ("mine").
            q = if mine {
                q.filter(tenders::league_code.eq(league))
            } else {
                q.filter(
                    tenders::published_at
                        .is_not_null()
                        .or(tenders::league_code.eq(league)),
                )
            };
        } else {
            // "Mine": the published ones fall away, the organiser's own stay.
            let published = tenders::published_at
                .is_not_null()
                .and(diesel::IntoSql::into_sql::<diesel::sql_types::Bool>(!mine));
            let org = viewer.organisation.as_ref().map(|o| o.as_str().to_string());
            let (as_tenderer, as_agent) = (viewer.has(Role::Tenderer), viewer.has(Role::Agent));
            q = match org {
                Some(org) if as_tenderer && as_agent => q.filter(
                    published
                        .or(tenders::tenderer_org_id.eq(org.clone()))
                        .or(tenders::agent_org_id.eq(org).assume_not_null()),
                ),
                Some(org) if as_tenderer => {
                    q.filter(published.or(tenders::tenderer_org_id.eq(org)))
                }
                Some(org) if as_agent => {
                    q.filter(published.or(tenders::agent_org_id.eq(org).assume_not_null()))
                }
                _ => q.filter(published),
            };
        }
        if let Some(c) = filter.category {
            q = q.filter(tenders::category.eq(c.code()));
        }
        if let Some(l) = &filter.league {
            q = q.filter(tenders::league_code.eq(l.clone()));
        }
        if let Some(s) = filter.status {
            q = q.filter(tenders::status.eq(s.code()));
        }
        if let Some(text) = filter.q.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            let pattern = like_pattern(text);
            q = q.filter(
                lower(tenders::title)
                    .like(pattern.clone())
                    .escape('\\')
                    .or(lower(tenders::reference).like(pattern.clone()).escape('\\'))
                    .or(lower(tenders::description).like(pattern).escape('\\')),
            );
        }
        q
    };
    let total: i64 = build().count().get_result(conn)?;
    let rows: Vec<TenderRow> = build()
        .order((tenders::bid_deadline.desc(), tenders::id.asc()))
        .offset(paging.offset())
        .limit(paging.limit())
        .select(TenderRow::as_select())
        .load(conn)?;
    let names: std::collections::HashMap<String, String> = leagues::table
        .select((leagues::code, leagues::name))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect();
    let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
    let openings: std::collections::HashMap<String, String> = openings::table
        .filter(openings::tender_id.eq_any(&ids))
        .select((openings::tender_id, openings::status))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect();
    let items = rows
        .iter()
        .map(|row| {
            summary(
                row,
                names.get(&row.league_code).cloned().unwrap_or_default(),
                openings
                    .get(&row.id)
                    .map(|s| OpeningStatus::from_db(s))
                    .transpose()?,
            )
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(paging.page(items, total))
}

/// Who the new tender belongs to, resolved by the handler.
pub struct Parties {
    pub league: LeagueCode,
    pub tenderer: OrganisationId,
    pub agent: Option<OrganisationId>,
}

fn next_reference(
    conn: &mut DbConn,
    league: &LeagueCode,
    now: DateTime<Utc>,
) -> Result<String, AppError> {
    let prefix = format!("{}-{}-", league, now.year());
    crate::db::lock_in_transaction(conn, &format!("tender-reference:{prefix}"))?;
    let taken: Vec<String> = tenders::table
        .filter(tenders::reference.like(format!("{prefix}%")))
        .select(tenders::reference)
        .load(conn)?;
    let max = taken
        .iter()
        .filter_map(|r| r.strip_prefix(&prefix)?.parse::<u32>().ok())
        .max()
        .unwrap_or(0);
    Ok(format!("{prefix}{:04}", max + 1))
}

fn write_lots(conn: &mut DbConn, id: &str, input: &TenderInput) -> Result<(), AppError> {
    diesel::delete(tender_lots::table.filter(tender_lots::tender_id.eq(id))).execute(conn)?;
    for (i, lot) in input.lots.iter().enumerate() {
        diesel::insert_into(tender_lots::table)
            .values((
                tender_lots::tender_id.eq(id),
                tender_lots::number.eq(i as i32 + 1),
                tender_lots::title.eq(&lot.title),
                tender_lots::description.eq(&lot.description),
                tender_lots::budget_fen.eq(lot.budget_fen),
                tender_lots::evaluation_json.eq(lot
                    .evaluation
                    .as_ref()
                    .map(serde_json::to_string)
                    .transpose()
                    .map_err(|e| AppError::Internal(e.into()))?),
                tender_lots::ceiling_price_fen.eq(lot.ceiling_price_fen),
            ))
            .execute(conn)?;
    }
    Ok(())
}

fn evaluation_json(input: &TenderInput) -> Result<String, AppError> {
    serde_json::to_string(&input.evaluation)
        .map_err(|e| AppError::Internal(anyhow::Error::new(e).context("evaluation")))
}

fn terms_json(input: &TenderInput) -> Result<String, AppError> {
    serde_json::to_string(&input.terms)
        .map_err(|e| AppError::Internal(anyhow::Error::new(e).context("procedure terms")))
}

/// Creates a draft. The input has been validated by the caller.
pub fn insert_draft(
    conn: &mut DbConn,
    ctx: &AuditContext,
    input: &TenderInput,
    parties: &Parties,
) -> Result<TenderId, AppError> {
    let id = TenderId::new();
    let now = to_db_time(ctx.now);
    let created_by = ctx
        .principal
        .user_id
        .as_ref()
        .map(|u| u.as_str().to_string())
        .unwrap_or_default();
    diesel::insert_into(tenders::table)
        .values((
            tenders::id.eq(id.as_str()),
            tenders::reference.eq(next_reference(conn, &parties.league, ctx.now)?),
            tenders::title.eq(&input.title),
            tenders::description.eq(&input.description),
            tenders::category.eq(input.category.code()),
            tenders::method.eq(input.method.code()),
            tenders::league_code.eq(parties.league.as_str()),
            tenders::tenderer_org_id.eq(parties.tenderer.as_str()),
            tenders::agent_org_id.eq(parties.agent.as_ref().map(|a| a.as_str())),
            tenders::budget_fen.eq(input.budget.amount_fen),
            tenders::currency.eq(input.budget.currency.as_str()),
            tenders::evaluation_json.eq(evaluation_json(input)?),
            tenders::terms_json.eq(terms_json(input)?),
            tenders::documents_available_at.eq(to_db_time(input.dates.documents_available_at)),
            tenders::clarification_deadline.eq(to_db_time(input.dates.clarification_deadline)),
            tenders::bid_deadline.eq(to_db_time(input.dates.bid_deadline)),
            tenders::publicity_days.eq(input.dates.publicity_days as i32),
            tenders::seal_required.eq(input.seal_required),
            tenders::status.eq(TenderStatus::Draft.code()),
            tenders::status_changed_at.eq(now),
            tenders::amendment_version.eq(0),
            tenders::created_by.eq(created_by),
            tenders::created_at.eq(now),
            tenders::updated_at.eq(now),
        ))
        .execute(conn)?;
    write_lots(conn, id.as_str(), input)?;
    super::invitees::write(conn, id.as_str(), &input.invitees)?;
    audit::record(
        conn,
        ctx,
        "tender.create",
        "tender",
        id.as_str(),
        Some(id.as_str()),
        input,
    )?;
    Ok(id)
}

/// Replaces a draft's fields (only drafts can be edited freely).
pub fn update_draft(
    conn: &mut DbConn,
    ctx: &AuditContext,
    row: &TenderRow,
    input: &TenderInput,
) -> Result<(), AppError> {
    if row.status()? != TenderStatus::Draft {
        return Err(AppError::IllegalTransition(
            "only a draft can be edited; a published tender changes through amendments".into(),
        )
        .because("tender.draft-only", serde_json::json!({})));
    }
    diesel::update(tenders::table.filter(tenders::id.eq(&row.id)))
        .set((
            tenders::title.eq(&input.title),
            tenders::description.eq(&input.description),
            tenders::category.eq(input.category.code()),
            tenders::method.eq(input.method.code()),
            tenders::budget_fen.eq(input.budget.amount_fen),
            tenders::currency.eq(input.budget.currency.as_str()),
            tenders::evaluation_json.eq(evaluation_json(input)?),
            tenders::terms_json.eq(terms_json(input)?),
            tenders::documents_available_at.eq(to_db_time(input.dates.documents_available_at)),
            tenders::clarification_deadline.eq(to_db_time(input.dates.clarification_deadline)),
            tenders::bid_deadline.eq(to_db_time(input.dates.bid_deadline)),
            tenders::publicity_days.eq(input.dates.publicity_days as i32),
            tenders::seal_required.eq(input.seal_required),
            tenders::updated_at.eq(to_db_time(ctx.now)),
        ))
        .execute(conn)?;
    write_lots(conn, &row.id, input)?;
    super::invitees::write(conn, &row.id, &input.invitees)?;
    audit::record(
        conn,
        ctx,
        "tender.update",
        "tender",
        &row.id,
        Some(&row.id),
        input,
    )
}

/// Publishes a notice written by people (an amendment: its title and
/// body as they wrote them), with its OCDS release built from the tender
/// as it stands now (the caller has already applied its change) and, once
/// the opening is complete, the bids it opened.
pub fn publish_notice(
    conn: &mut DbConn,
    ctx: &AuditContext,
    settings: &OcdsSettings,
    tender_id: &str,
    kind: NoticeKind,
    title: &str,
    body: &str,
) -> Result<i32, AppError> {
    let written = Written {
        title: title.to_string(),
        body: body.to_string(),
        words: Default::default(),
    };
    publish_notice_with(conn, ctx, settings, tender_id, kind, &written, &|_| {})
}

/// Publishes a notice the platform wrote ([`super::notice_words`]): its
/// Chinese text, and its words beside it for readers of other languages.
pub fn publish_written(
    conn: &mut DbConn,
    ctx: &AuditContext,
    settings: &OcdsSettings,
    tender_id: &str,
    kind: NoticeKind,
    written: &Written,
) -> Result<i32, AppError> {
    publish_notice_with(conn, ctx, settings, tender_id, kind, written, &|_| {})
}

/// [`publish_written`], with `extend` adding to the notice's OCDS release
/// what the tender's detail does not hold (a contract's award and
/// contract sections).
pub fn publish_notice_with(
    conn: &mut DbConn,
    ctx: &AuditContext,
    settings: &OcdsSettings,
    tender_id: &str,
    kind: NoticeKind,
    written: &Written,
    extend: &dyn Fn(&mut serde_json::Value),
) -> Result<i32, AppError> {
    let seq: i32 = notices::table
        .filter(notices::tender_id.eq(tender_id))
        .select(diesel::dsl::max(notices::seq))
        .first::<Option<i32>>(conn)?
        .unwrap_or(0)
        + 1;
    let row = load_row(conn, &TenderId::from_db(tender_id.to_string()))?;
    let mut snapshot = detail(conn, &row, &Principal::public())?;
    let words = (!written.words.is_empty()).then(|| written.words.clone());
    let notice = Notice {
        seq,
        kind,
        title: written.title.clone(),
        body: written.body.clone(),
        published_at: ctx.now,
        words: words.clone(),
    };
    snapshot.notices.push(notice.clone());
    let opening = opendata::opening::completed_record(conn, tender_id)?;
    let mut release = opendata::ocds::release(settings, &snapshot, &notice, opening.as_ref());
    extend(&mut release);
    let release_json = serde_json::to_string(&release).map_err(|e| AppError::Internal(e.into()))?;
    let words_json = words
        .map(|w| serde_json::to_string(&w))
        .transpose()
        .map_err(|e| AppError::Internal(e.into()))?;
    diesel::insert_into(notices::table)
        .values((
            notices::tender_id.eq(tender_id),
            notices::seq.eq(seq),
            notices::kind.eq(kind.code()),
            notices::title.eq(&written.title),
            notices::body.eq(&written.body),
            notices::published_at.eq(to_db_time(ctx.now)),
            notices::release_json.eq(release_json),
            notices::words_json.eq(words_json),
        ))
        .execute(conn)?;
    Ok(seq)
}

fn changed_meanwhile() -> AppError {
    AppError::Conflict(
        "the tender changed while this request was handled; reload it and retry".into(),
    )
    .because("tender.changed-meanwhile", serde_json::json!({}))
}

/// Body of a lifecycle action.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransitionInput {
    pub action: Action,
    /// Why (required to cancel or fail a tender); published in the notice.
    #[serde(default)]
    #[schema(max_length = 5000)]
    pub reason: String,
    /// Who holds the opening key's shares (publication only; see
    /// `CustodyInput` for the default).
    #[serde(default)]
    pub custody: Option<crate::opening::store::CustodyInput>,
    /// The winning bid (award only): by default the first-ranked bid of
    /// the committee's signed report. Another bid, or any bid without a
    /// signed report, needs a `reason` (招标投标法实施条例 第55条).
    #[serde(default)]
    pub winner_bid_id: Option<String>,
    /// The winners per lot (award only, where the report has lots): each
    /// lot not named here takes its first candidate.
    #[serde(default)]
    pub lots: Vec<LotChoice>,
    /// Land and property awards only (required there): the organiser's
    /// signed record of how the price was reached, CMS SignedData (DER,
    /// content attached), base64; signed with the certificate of the
    /// tenderer or its agent (`super::results`).
    #[serde(default)]
    #[schema(max_length = 2000000)]
    pub price_record: Option<String>,
}

/// The winner the award names for one lot.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LotChoice {
    /// The lot's number in the report (its number in the tender).
    pub lot: u32,
    /// One of the report's candidates for the lot; by default its first.
    #[serde(default)]
    pub winner_bid_id: Option<String>,
    /// Why another than the first candidate wins (then required).
    #[serde(default)]
    #[schema(max_length = 5000)]
    pub reason: String,
}

impl TransitionInput {
    /// An action with a reason and nothing else.
    pub fn of(action: Action, reason: impl Into<String>) -> TransitionInput {
        TransitionInput {
            action,
            reason: reason.into(),
            custody: None,
            winner_bid_id: None,
            lots: Vec::new(),
            price_record: None,
        }
    }
}

/// What a lifecycle action did.
#[derive(Debug)]
pub struct Transition {
    pub to: TenderStatus,
    /// The hall's `tender.status` event (publish it once committed).
    pub event: crate::hall::HallEvent,
    /// The award's decision (award only): its notices are still to issue
    /// ([`super::award::issue`]).
    pub award: Option<super::award::Award>,
}

/// Applies a lifecycle action: checks the state machine and the time limits,
/// decides an award's winner, updates the tender, publishes the notice,
/// records the audit event (an award's names the winning bid) and appends a
/// `tender.status` event to the tender's hall (returned, for the caller to
/// publish once the transaction has committed).
pub fn transition(
    conn: &mut DbConn,
    ctx: &AuditContext,
    settings: &OcdsSettings,
    row: &TenderRow,
    input: &TransitionInput,
) -> Result<Transition, AppError> {
    // A suspended procedure, or a step an objection holds (issue 22).
    crate::objections::store::guard(conn, row, input.action, ctx.now)?;
    let from = row.status()?;
    let category = row.facts()?.category;
    let to = lifecycle::next(category, from, input.action).ok_or_else(|| {
        let allowed: Vec<&str> = lifecycle::allowed(category, from)
            .iter()
            .map(|a| a.code())
            .collect();
        let reason = if allowed.is_empty() {
            "tender.status-final"
        } else {
            "tender.action-not-now"
        };
        AppError::IllegalTransition(format!(
            "a tender that is {} cannot {}; allowed now: {}",
            from.code(),
            input.action.code(),
            if allowed.is_empty() {
                "nothing (final state)".to_string()
            } else {
                allowed.join(", ")
            }
        ))
        .because(
            reason,
            serde_json::json!({ "status": from.code(), "action": input.action.code() }),
        )
    })?;
    // What closing and failing after the award wait for, once the
    // suspension and the lifecycle have had their say.
    match (input.action, from) {
        (Action::Close, _) => {
            crate::objections::store::refuse_close_while_open(conn, row, ctx.now)?;
            crate::contracts::store::refuse_close_without_contracts(conn, row)?;
        }
        (Action::Fail, TenderStatus::Awarded) => {
            crate::contracts::store::refuse_fail_after_signing(conn, row)?;
        }
        _ => {}
    }
    let facts = row.facts()?;
    let mut errors = Vec::new();
    check_text(
        &mut errors,
        "reason",
        &input.reason,
        matches!(input.action, Action::Cancel | Action::Fail),
        5000,
    );
    if input.action != Action::Award {
        if input.winner_bid_id.is_some() {
            errors.push(
                crate::error::FieldError::new("winner_bid_id", "names the winner of an award only")
                    .because("award.award-only", serde_json::json!({})),
            );
        }
        if !input.lots.is_empty() {
            errors.push(
                crate::error::FieldError::new("lots", "names the winners of an award only")
                    .because("award.award-only", serde_json::json!({})),
            );
        }
        if input.price_record.is_some() {
            errors.push(
                crate::error::FieldError::new("price_record", "belongs to an award only")
                    .because("award.award-only", serde_json::json!({})),
            );
        }
    }
    for (i, lot) in input.lots.iter().enumerate() {
        check_text(
            &mut errors,
            &format!("lots[{i}].reason"),
            &lot.reason,
            false,
            5000,
        );
    }
    AppError::check(errors)?;
    match input.action {
        Action::Publish => {
            limits::check_publish(&facts, ctx.now, &crate::calendar::current(conn)?)?
        }
        Action::StartOpening => limits::check_opening(facts.bid_deadline, ctx.now)?,
        Action::Award if from == TenderStatus::CandidatesPublicised => limits::check_award(
            from_db_time(row.status_changed_at),
            facts.publicity_days,
            ctx.now,
        )?,
        _ => {}
    }
    // Construction: the candidates are the signed report's, publicised
    // within 3 days of it (招标投标法实施条例 第54条), in a notice generated
    // from it (`super::results`).
    let publicity = match input.action {
        Action::PubliciseCandidates => Some(candidate_publicity(conn, row, input, ctx.now)?),
        _ => None,
    };
    let decided_by = if ctx.principal.user_id.is_none() {
        "platform"
    } else {
        "organiser"
    };
    let award = match input.action {
        Action::Award => Some(super::award::choose(conn, row, input, ctx.now, decided_by)?),
        _ => None,
    };
    let now = to_db_time(ctx.now);
    let updated = diesel::update(
        tenders::table
            .filter(tenders::id.eq(&row.id))
            .filter(tenders::status.eq(from.code())),
    )
    .set((
        tenders::status.eq(to.code()),
        tenders::status_changed_at.eq(now),
        tenders::updated_at.eq(now),
    ))
    .execute(conn)?;
    if updated != 1 {
        return Err(changed_meanwhile());
    }
    if input.action == Action::Publish {
        diesel::update(tenders::table.filter(tenders::id.eq(&row.id)))
            .set(tenders::published_at.eq(now))
            .execute(conn)?;
        diesel::update(tender_documents::table.filter(tender_documents::tender_id.eq(&row.id)))
            .set((
                tender_documents::published_at.eq(now),
                tender_documents::amendment_version.eq(0),
            ))
            .execute(conn)?;
    }
    // The tender's own notice is its title and description as its organiser
    // wrote them; every later one is titled by the platform in the
    // category's words (`super::vocabulary`).
    let mut written = match input.action {
        Action::Publish => Written {
            title: row.title.clone(),
            body: row.description.clone(),
            words: Default::default(),
        },
        Action::PubliciseCandidates => {
            let (text, said) = publicity.clone().unwrap_or_default();
            let mut w =
                notice_words::transition(category, NoticeKind::Candidates, &row.title, &text);
            w.words.body = said;
            w
        }
        other => {
            let mut w =
                notice_words::transition(category, other.notice_kind(), &row.title, &input.reason);
            // A failure the platform declared from the minimum number of
            // bids (`limits::MinimumBids`) gives its reason in words.
            if other == Action::Fail {
                w.words.body = notice_words::failure_reason(&input.reason);
            }
            w
        }
    };
    if let Some(award) = &award {
        written.words.body = Some(super::award::result_words(award, &written.body));
    }
    // Government procurement publishes the committee's names with the
    // result (政府采购法实施条例 第43条; 财政部令第87号 第69条第二款: "……以及评审专家名单");
    // until now they were confidential (招标投标法 第37条).
    if let Some(award) = &award {
        written.body = super::award::result_text(award, &written.body);
    }
    if input.action == Action::Award && category == Category::GovernmentProcurement {
        let names = crate::evaluation::store::evaluators(conn, &row.id)?;
        if !names.is_empty() {
            written.body = format!(
                "{}\n评审专家名单（评标委员会成员）：{}",
                written.body,
                names.join("、")
            );
            if let Some(w) = &mut written.words.body {
                w.params.insert("experts".into(), serde_json::json!(names));
            }
        }
    }
    // The awards, one per lot, are fixed before the notice so that its OCDS
    // release carries them; they are stored with the notice's number.
    let records = award
        .as_ref()
        .map(|a| super::award::records(row, a, ctx.now, None))
        .unwrap_or_default();
    // Its OCDS release carries them (`awards[]`, one per lot).
    let mut awarded = Vec::new();
    for a in &records {
        let name = crate::identity::store::organisation_ref(conn, &a.supplier_org_id)?
            .map(|o| o.name)
            .unwrap_or_default();
        awarded.push(opendata::ocds::AwardedTo {
            award_id: a.id.clone(),
            lot: a.lot,
            supplier_id: a.supplier_org_id.clone(),
            supplier_name: name,
            value_fen: a.value_fen,
            date: crate::db::from_db_time(a.decided_at),
        });
    }
    let currency = row.budget().currency.as_str().to_string();
    // A procedure failing after its award cancels the awards.
    let cancelled: Vec<String> = if input.action == Action::Fail {
        super::award::awards_of(conn, &row.id)?
            .into_iter()
            .map(|a| a.id)
            .collect()
    } else {
        Vec::new()
    };
    let with_awards = |release: &mut serde_json::Value| {
        if !awarded.is_empty() {
            opendata::ocds::add_awards(release, &awarded, &currency);
        }
        if !cancelled.is_empty() {
            opendata::ocds::cancel_awards(release, &cancelled);
        }
    };
    // A draft cancelled before publication was never public: no notice.
    let seq = if row.published_at.is_none() && input.action != Action::Publish {
        None
    } else {
        Some(publish_notice_with(
            conn,
            ctx,
            settings,
            &row.id,
            input.action.notice_kind(),
            &written,
            &with_awards,
        )?)
    };
    #[derive(Serialize)]
    struct Transitioned<'a> {
        from: &'static str,
        to: &'static str,
        reason: &'a str,
        notice_seq: Option<i32>,
        #[serde(skip_serializing_if = "Option::is_none")]
        award: Option<&'a super::award::Award>,
    }
    if award.is_some() {
        let records: Vec<super::award::AwardRecord> = records
            .into_iter()
            .map(|r| super::award::AwardRecord {
                notice_seq: seq,
                ..r
            })
            .collect();
        super::award::record(conn, &records)?;
    }
    audit::record(
        conn,
        ctx,
        &format!("tender.{}", input.action.code()),
        "tender",
        &row.id,
        Some(&row.id),
        &Transitioned {
            from: from.code(),
            to: to.code(),
            reason: &input.reason,
            notice_seq: seq,
            award: award.as_ref(),
        },
    )?;
    match input.action {
        Action::Publish if super::invitees::by_invitation(row) => {
            super::messages::invitations(conn, ctx, row)?;
        }
        Action::Publish => {
            super::messages::published(conn, ctx, row)?;
        }
        Action::PubliciseCandidates => {
            super::messages::candidates_publicised(conn, ctx, row)?;
        }
        _ => {}
    }
    let event = crate::hall::store::append(
        conn,
        &TenderId::from_db(row.id.clone()),
        "tender.status",
        &serde_json::json!({
            "action": input.action.code(),
            "from": from.code(),
            "to": to.code(),
            "reason": input.reason,
            "notice_seq": seq,
        }),
        ctx.now,
    )?;
    Ok(Transition { to, event, award })
}

/// The candidate publicity of a construction tender: the signed report's
/// candidates per lot, refused without a signed report with candidates or
/// later than 3 days after it (`super::results`). Returns the notice's body.
fn candidate_publicity(
    conn: &mut DbConn,
    row: &TenderRow,
    input: &TransitionInput,
    now: DateTime<Utc>,
) -> Result<(String, Option<notice_words::Said>), AppError> {
    use crate::db::schema::bid_openings;
    let Some(report) = crate::evaluation::store::signed_report(conn, &row.id)? else {
        return Err(AppError::Conflict(
            "the candidates are taken from the committee's evaluation report, which is not \
             signed by its whole committee yet"
                .into(),
        )
        .because("tender.report-not-signed", serde_json::json!({})));
    };
    super::results::check_publicity(report.signed_at, now)?;
    let lots = super::results::report_lots(&report.json);
    if lots.iter().all(|l| l.failed) {
        return Err(AppError::Conflict(
            "the signed report has no candidate in any lot: there is no one to publicise; \
             fail the tender instead"
                .into(),
        )
        .because("tender.no-candidates", serde_json::json!({})));
    }
    let mut terms = std::collections::BTreeMap::new();
    for lot in &lots {
        for c in &lot.candidates {
            let found: Option<(Option<i32>, Option<String>)> = bid_openings::table
                .find(&c.bid_id)
                .select((bid_openings::duration_days, bid_openings::schedule_json))
                .first(conn)
                .optional()?;
            let Some((duration_days, schedule)) = found else {
                continue;
            };
            let key_terms = schedule
                .and_then(|s| serde_json::from_str::<serde_json::Value>(&s).ok())
                .and_then(|s| s["key_terms"].as_object().cloned())
                .map(|m| {
                    m.iter()
                        .map(|(k, v)| match v.as_str() {
                            Some(v) => format!("{k}: {v}"),
                            None => format!("{k}: {v}"),
                        })
                        .collect()
                })
                .unwrap_or_default();
            terms.insert(
                c.bid_id.clone(),
                super::results::BidTerms {
                    duration_days,
                    key_terms,
                },
            );
        }
    }
    let tenderer = organisation_ref(conn, &row.tenderer_org_id)?
        .map(|o| o.name)
        .unwrap_or_default();
    let publicity = super::results::Publicity {
        title: &row.title,
        reference: &row.reference,
        tenderer: &tenderer,
        report_sha256: &report.sha256,
        report_at: report.signed_at,
        from: now,
        days: row.facts()?.publicity_days,
        lots: &lots,
        terms: &terms,
        remark: &input.reason,
    };
    Ok((
        super::results::publicity_text(&publicity),
        Some(super::results::publicity_words(&publicity)),
    ))
}

/// Terms an amendment may change. Any of them changes how bids are
/// prepared, so the 15-day rule applies whenever one is present. An
/// invited tender's invitees are not among them: they are fixed at
/// publication, when the invitations all went out (`super::invitees`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AmendedTerms {
    pub budget: Option<Money>,
    /// Replaces all lots.
    pub lots: Option<Vec<super::model::LotInput>>,
    pub evaluation: Option<Evaluation>,
    pub clarification_deadline: Option<DateTime<Utc>>,
    /// Never accepted (422): an invited tender's invitees are fixed at
    /// publication (see above); to invite others, cancel and tender again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Vec<String>>)]
    pub invitees: Option<serde_json::Value>,
}

impl AmendedTerms {
    fn is_empty(&self) -> bool {
        self.budget.is_none()
            && self.lots.is_none()
            && self.evaluation.is_none()
            && self.clarification_deadline.is_none()
    }
}

/// Body of an amendment.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AmendmentInput {
    #[schema(min_length = 1, max_length = 300)]
    pub title: String,
    /// What changes, published to everyone.
    #[schema(min_length = 1, max_length = 50000)]
    pub body: String,
    /// Whether the change can affect how bids are prepared (then the
    /// 15-day rule applies). Changed terms or new documents always do.
    pub changes_bids: bool,
    /// A later bid deadline, when the rule requires one or the tenderer wants one.
    pub new_bid_deadline: Option<DateTime<Utc>>,
    /// Documents uploaded since publication that this amendment publishes.
    #[serde(default)]
    pub document_ids: Vec<DocumentId>,
    /// Terms of the tender this amendment changes.
    #[serde(default)]
    pub changes: AmendedTerms,
}

/// The tender's current terms, as the input that would create it.
fn current_input(conn: &mut DbConn, row: &TenderRow) -> Result<TenderInput, AppError> {
    let facts = row.facts()?;
    Ok(TenderInput {
        title: row.title.clone(),
        description: row.description.clone(),
        category: facts.category,
        method: facts.method,
        league: None,
        tenderer_org_id: None,
        budget: row.budget(),
        lots: lots_of(conn, &row.id)?
            .into_iter()
            .map(|lot| super::model::LotInput {
                title: lot.title,
                description: lot.description,
                budget_fen: lot.budget_fen,
                evaluation: lot.evaluation,
                ceiling_price_fen: lot.ceiling_price_fen,
            })
            .collect(),
        evaluation: row.evaluation()?,
        dates: row.key_dates(),
        seal_required: row.seal_required,
        // Fixed at publication: an amendment cannot change them.
        invitees: super::invitees::codes(conn, &row.id)?,
        terms: row.terms()?,
    })
}

/// Publishes a versioned amendment: checks the 15-day rule, applies the
/// changed terms, publishes the listed documents, and records it all.
pub fn amend(
    conn: &mut DbConn,
    ctx: &AuditContext,
    settings: &OcdsSettings,
    row: &TenderRow,
    input: &AmendmentInput,
) -> Result<i32, AppError> {
    use chrono::SubsecRound;
    let mut errors = Vec::new();
    check_text(
        &mut errors,
        "title",
        &input.title,
        true,
        super::model::MAX_TITLE_CHARS,
    );
    check_text(
        &mut errors,
        "body",
        &input.body,
        true,
        super::model::MAX_TEXT_CHARS,
    );
    AppError::check(errors)?;
    if input.changes.invitees.is_some() {
        return Err(AppError::invalid_field(
            crate::error::FieldError::new(
                "changes.invitees",
                "an invited tender's invitees are fixed at publication, when the invitations all \
                 went out at once (政府采购货物和服务招标投标管理办法 第14条); an enterprise invited \
                 later would have less than the legal period to prepare its bid (招标投标法 第24条). \
                 To invite others, cancel the tender and tender again",
            )
            .because("tender.invitees-fixed", serde_json::json!({})),
        ));
    }
    let changes_bids =
        input.changes_bids || !input.document_ids.is_empty() || !input.changes.is_empty();
    let new_deadline = input.new_bid_deadline.map(|d| d.trunc_subsecs(0));
    let facts = row.facts()?;
    let deadline = limits::check_amendment(
        &facts,
        row.status()?,
        changes_bids,
        new_deadline,
        ctx.now,
        &crate::calendar::current(conn)?,
    )?;

    // The terms after the amendment must be as valid as a new tender's.
    let mut next = current_input(conn, row)?;
    let terms = &input.changes;
    if let Some(budget) = &terms.budget {
        next.budget = budget.clone();
    }
    if let Some(lots) = &terms.lots {
        next.lots = lots.clone();
    }
    if let Some(evaluation) = &terms.evaluation {
        next.evaluation = evaluation.clone();
    }
    if let Some(clarification) = terms.clarification_deadline {
        let clarification = clarification.trunc_subsecs(0);
        if clarification <= ctx.now {
            return Err(AppError::invalid_field(
                crate::error::FieldError::new(
                    "changes.clarification_deadline",
                    "must be in the future",
                )
                .because("time.future", serde_json::json!({})),
            ));
        }
        next.dates.clarification_deadline = clarification;
    }
    next.dates.bid_deadline = deadline;
    AppError::check(
        next.validate()
            .into_iter()
            .map(|e| crate::error::FieldError {
                field: format!("changes: {}", e.field),
                ..e
            })
            .collect(),
    )?;
    let next_facts = DateFacts {
        clarification_deadline: next.dates.clarification_deadline,
        bid_deadline: deadline,
        ..facts
    };
    limits::check_clarification_period(&next_facts, &crate::calendar::current(conn)?)?;

    let version = row.amendment_version + 1;
    let now = to_db_time(ctx.now);
    for doc in &input.document_ids {
        let updated = diesel::update(
            tender_documents::table
                .filter(tender_documents::id.eq(doc.as_str()))
                .filter(tender_documents::tender_id.eq(&row.id))
                .filter(tender_documents::published_at.is_null()),
        )
        .set((
            tender_documents::published_at.eq(now),
            tender_documents::amendment_version.eq(version),
        ))
        .execute(conn)?;
        if updated != 1 {
            return Err(AppError::invalid_field(
                crate::error::FieldError::new(
                    "document_ids",
                    format!("{doc} is not an unpublished document of this tender"),
                )
                .because(
                    "tender.document-not-pending",
                    serde_json::json!({ "document": doc.as_str() }),
                ),
            ));
        }
    }
    let updated = diesel::update(
        tenders::table
            .filter(tenders::id.eq(&row.id))
            .filter(tenders::amendment_version.eq(row.amendment_version)),
    )
    .set((
        tenders::amendment_version.eq(version),
        tenders::budget_fen.eq(next.budget.amount_fen),
        tenders::currency.eq(next.budget.currency.as_str()),
        tenders::evaluation_json.eq(evaluation_json(&next)?),
        tenders::clarification_deadline.eq(to_db_time(next.dates.clarification_deadline)),
        tenders::bid_deadline.eq(to_db_time(deadline)),
        tenders::updated_at.eq(now),
    ))
    .execute(conn)?;
    if updated != 1 {
        return Err(changed_meanwhile());
    }
    if terms.lots.is_some() {
        write_lots(conn, &row.id, &next)?;
    }
    let seq = publish_notice(
        conn,
        ctx,
        settings,
        &row.id,
        NoticeKind::Amendment,
        &input.title,
        &input.body,
    )?;
    #[derive(Serialize)]
    struct Amended<'a> {
        version: i32,
        notice_seq: i32,
        changes_bids: bool,
        input: &'a AmendmentInput,
        bid_deadline: DateTime<Utc>,
    }
    audit::record(
        conn,
        ctx,
        "tender.amend",
        "tender",
        &row.id,
        Some(&row.id),
        &Amended {
            version,
            notice_seq: seq,
            changes_bids,
            input,
            bid_deadline: deadline,
        },
    )?;
    super::messages::amended(conn, ctx, row, version, &input.title, deadline)?;
    Ok(version)
}
