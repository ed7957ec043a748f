//! The pool's storage: expert profiles, their availability, their history,
//! and who may see which part of a profile.
//!
//! Operators manage profiles and see all of them; supervisors read them
//! without contact details; an expert sees its own. Nobody else reads the
//! pool: tenderers and bidders must not learn who might be drawn. A
//! profile's committees are shown by [`SeatSight`]: before a tender's
//! result only to the expert, the platform's operators and supervisors
//! whose scope holds the tender (招标投标法 第37条).

use super::draw::PoolExpert;
use super::specialties;
use crate::audit::{self, AuditContext};
use crate::db::schema::{committee_members, experts, tenders, user_roles, users};
use crate::db::{DbConn, from_db_time, to_db_time};
use crate::error::{AppError, FieldError};
use crate::identity::policy::{Area, require_operator};
use crate::identity::{Principal, Role};
use crate::types::{CreditCode, ExpertId, has_control_chars};
use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

/// An organisation the expert must be kept away from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Relation {
    /// Its unified social credit code.
    pub credit_code: String,
    /// How the expert is related: former employer, a relative's company, …
    #[schema(max_length = 200)]
    pub relation: String,
}

/// The expert's employer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Employer {
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    pub credit_code: Option<String>,
}

/// A profile, as an operator enters it.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExpertInput {
    /// The expert's account (it must hold the expert role). Only when
    /// creating.
    pub user_id: Option<String>,
    pub employer: Employer,
    #[serde(default)]
    pub related: Vec<Relation>,
    /// Codes of the specialty tree, at least one.
    pub specialties: Vec<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    /// Whether the expert is in the pool (default true); a removed expert
    /// keeps its history.
    pub active: Option<bool>,
}

/// What an expert says about its availability.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AvailabilityInput {
    pub available: bool,
    /// Why, or until when (up to 500 characters).
    pub note: Option<String>,
}

/// One past or current committee seat.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct HistoryEntry {
    pub tender_id: String,
    pub reference: String,
    pub title: String,
    /// invited, accepted, declined, no_show, recused or expired.
    pub status: String,
    pub venue_league: String,
    pub invited_at: DateTime<Utc>,
    pub answered_at: Option<DateTime<Utc>>,
    /// The tender's league and category (whose supervisors read the seat).
    #[serde(skip)]
    pub place: (String, String),
    /// Whether the tender's result is decided (its committee is public).
    #[serde(skip)]
    pub decided: bool,
}

/// Whose seats a reader of profiles sees in their history: who sits on a
/// committee is confidential until the tender's result (招标投标法
/// 第37条), so a seat is shown by the rule of
/// [`crate::audit::sealing::sees_committee`], the expert's own to itself.
#[derive(Debug, Clone)]
pub enum SeatSight {
    /// The expert itself: every seat of its own.
    Own,
    /// A platform operator: every seat.
    Platform,
    /// A supervisor: seats on tenders in its scope, others once decided.
    Supervisor(crate::supervision::Scope),
    /// A league's operator: seats on tenders whose result is decided.
    League,
}

impl SeatSight {
    /// How `principal` reads seats (`own`: the profile is its own).
    pub fn of(conn: &mut DbConn, principal: &Principal, own: bool) -> Result<SeatSight, AppError> {
        if own {
            return Ok(SeatSight::Own);
        }
        Ok(
            match principal.require_any(&[Role::Operator, Role::Supervisor])? {
                Role::Operator if principal.is_platform_operator() => SeatSight::Platform,
                Role::Operator => SeatSight::League,
                _ => SeatSight::Supervisor(crate::supervision::scope_of(conn, principal)?),
            },
        )
    }

    /// Whether this reader sees `seat`.
    pub fn shows(&self, seat: &HistoryEntry) -> bool {
        use crate::audit::sealing::{Standing, sees_committee};
        use crate::identity::policy::OperatorKind;
        let standing = match self {
            SeatSight::Own => return true,
            SeatSight::Platform => Standing {
                operator: Some(OperatorKind::Platform),
                ..Standing::default()
            },
            SeatSight::Supervisor(scope) => Standing {
                supervises: scope.covers(&seat.place.0, &seat.place.1),
                ..Standing::default()
            },
            // Its league is not the platform: no operator standing counts.
            SeatSight::League => Standing::default(),
        };
        sees_committee(seat.decided, &standing)
    }
}

/// A profile as the reader may see it: contact details only for operators
/// and the expert itself.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ExpertView {
    pub id: ExpertId,
    pub user_id: String,
    pub name: String,
    pub league: String,
    pub employer: Employer,
    pub related: Vec<Relation>,
    pub specialties: Vec<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub active: bool,
    pub available: bool,
    pub availability_note: Option<String>,
    pub availability_confirmed_at: Option<DateTime<Utc>>,
    pub history: Vec<HistoryEntry>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = experts)]
pub struct ExpertRow {
    pub id: String,
    pub user_id: String,
    pub name: String,
    pub league_code: String,
    pub employer_name: String,
    pub employer_credit_code: Option<String>,
    pub related_json: String,
    pub specialties_json: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub active: bool,
    pub available: bool,
    pub availability_note: Option<String>,
    pub availability_confirmed_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl ExpertRow {
    fn related(&self) -> Result<Vec<Relation>, AppError> {
        serde_json::from_str(&self.related_json)
            .map_err(|e| AppError::Internal(anyhow::Error::new(e).context("stored relations")))
    }

    pub fn specialties(&self) -> Result<Vec<String>, AppError> {
        serde_json::from_str(&self.specialties_json)
            .map_err(|e| AppError::Internal(anyhow::Error::new(e).context("stored specialties")))
    }
}

/// How much of the pool a principal may read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sight {
    /// Every profile; contact details of the experts of the leagues the
    /// operator manages the pool for (`None`: a platform operator, all).
    Operator(Option<String>),
    /// Every profile, without contact details.
    Supervisor,
}

impl Sight {
    /// Whether this reader sees the contact details of an expert of `league`.
    pub fn contact(&self, league: &str) -> bool {
        match self {
            Sight::Operator(None) => true,
            Sight::Operator(Some(mine)) => mine == league,
            Sight::Supervisor => false,
        }
    }
}

/// Operators and supervisors read the pool; anyone else is refused. A
/// league's operators read other leagues' experts without their contact
/// details (the pool is shared; its experts are each league's own).
pub fn sight(principal: &Principal) -> Result<Sight, AppError> {
    match principal.require_any(&[Role::Operator, Role::Supervisor])? {
        Role::Operator => Ok(Sight::Operator(
            principal.league.as_ref().map(|l| l.as_str().to_string()),
        )),
        _ => Ok(Sight::Supervisor),
    }
}

fn check_contact(errors: &mut Vec<FieldError>, input: &ExpertInput) {
    if let Some(phone) = &input.phone {
        let ok = (5..=20).contains(&phone.len())
            && phone
                .chars()
                .all(|c| c.is_ascii_digit() || matches!(c, '+' | '-' | ' '));
        if !ok {
            errors.push(
                FieldError::new("phone", "5 to 20 characters of digits, '+', '-' or spaces")
                    .because("experts.phone", serde_json::json!({ "min": 5, "max": 20 })),
            );
        }
    }
    if let Some(email) = &input.email {
        let ok = email.len() <= 200
            && !has_control_chars(email)
            && !email.contains(char::is_whitespace)
            && email
                .split_once('@')
                .is_some_and(|(l, d)| !l.is_empty() && d.contains('.') && !d.contains('@'));
        if !ok {
            errors.push(
                FieldError::new("email", "an email address")
                    .because("experts.email", serde_json::json!({ "max": 200 })),
            );
        }
    }
}

/// Checks a profile; returns its specialties sorted and deduplicated.
fn check_input(input: &ExpertInput) -> Result<Vec<String>, AppError> {
    let mut errors = Vec::new();
    crate::error::check_text(
        &mut errors,
        "employer.name",
        &input.employer.name,
        true,
        200,
    );
    if let Some(code) = &input.employer.credit_code
        && let Err(e) = CreditCode::parse(code)
    {
        errors.push(
            FieldError::new("employer.credit_code", e)
                .because("id.credit-code", serde_json::json!({})),
        );
    }
    if input.related.len() > 50 {
        errors.push(
            FieldError::new("related", "at most 50 organisations")
                .because("list.too-many", serde_json::json!({ "max": 50 })),
        );
    }
    for (i, r) in input.related.iter().enumerate() {
        if let Err(e) = CreditCode::parse(&r.credit_code) {
            errors.push(
                FieldError::new(format!("related[{i}].credit_code"), e)
                    .because("id.credit-code", serde_json::json!({})),
            );
        }
        crate::error::check_text(
            &mut errors,
            &format!("related[{i}].relation"),
            &r.relation,
            true,
            200,
        );
    }
    if input.specialties.is_empty() || input.specialties.len() > 20 {
        errors.push(
            FieldError::new("specialties", "1 to 20 codes of the specialty tree").because(
                "list.count-range",
                serde_json::json!({ "min": 1, "max": 20 }),
            ),
        );
    }
    for (i, code) in input.specialties.iter().enumerate() {
        if specialties::find(code).is_none() {
            errors.push(
                FieldError::new(
                    format!("specialties[{i}]"),
                    "not a code of the specialty tree (GET /api/v1/experts/specialties)",
                )
                .because("experts.specialty-code", serde_json::json!({})),
            );
        }
    }
    check_contact(&mut errors, input);
    AppError::check(errors)?;
    let mut codes = input.specialties.clone();
    codes.sort();
    codes.dedup();
    Ok(codes)
}

fn json(value: &impl Serialize) -> Result<String, AppError> {
    serde_json::to_string(value).map_err(|e| AppError::Internal(anyhow::Error::new(e)))
}

/// Adds an expert to the pool (operators).
pub fn create(
    conn: &mut DbConn,
    ctx: &AuditContext,
    input: &ExpertInput,
) -> Result<ExpertId, AppError> {
    let codes = check_input(input)?;
    let Some(user_id) = input.user_id.as_deref() else {
        return Err(AppError::invalid_field(
            FieldError::new("user_id", "the expert's account is required")
                .because("value.required", serde_json::json!({})),
        ));
    };
    let user: Option<(String, Option<String>, bool)> = users::table
        .find(user_id)
        .select((users::name, users::league_code, users::disabled))
        .first(conn)
        .optional()?;
    let Some((name, league, disabled)) = user else {
        return Err(AppError::invalid_field(
            FieldError::new("user_id", "no such account")
                .because("id.unknown", serde_json::json!({})),
        ));
    };
    // A league's operators put their own league's experts in the pool.
    require_operator(&ctx.principal, Area::ExpertPool, league.as_deref())?;
    let is_expert = user_roles::table
        .filter(user_roles::user_id.eq(user_id))
        .filter(user_roles::role.eq(Role::Expert.code()))
        .count()
        .get_result::<i64>(conn)?
        > 0;
    if !is_expert || disabled {
        return Err(AppError::invalid_field(
            FieldError::new(
                "user_id",
                "the account must be enabled and hold the expert role",
            )
            .because("experts.not-expert-account", serde_json::json!({})),
        ));
    }
    let Some(league) = league else {
        return Err(AppError::invalid_field(
            FieldError::new("user_id", "the account belongs to no league")
                .because("experts.account-no-league", serde_json::json!({})),
        ));
    };
    let taken = experts::table
        .filter(experts::user_id.eq(user_id))
        .count()
        .get_result::<i64>(conn)?
        > 0;
    if taken {
        return Err(
            AppError::Conflict("this account already has an expert profile".into())
                .because("experts.profile-exists", serde_json::json!({})),
        );
    }
    let id = ExpertId::new();
    let now = to_db_time(ctx.now);
    diesel::insert_into(experts::table)
        .values((
            experts::id.eq(id.as_str()),
            experts::user_id.eq(user_id),
            experts::name.eq(&name),
            experts::league_code.eq(&league),
            experts::employer_name.eq(input.employer.name.trim()),
            experts::employer_credit_code.eq(input.employer.credit_code.as_deref()),
            experts::related_json.eq(json(&input.related)?),
            experts::specialties_json.eq(json(&codes)?),
            experts::phone.eq(input.phone.as_deref()),
            experts::email.eq(input.email.as_deref()),
            experts::active.eq(input.active.unwrap_or(true)),
            // Available once the expert says so.
            experts::available.eq(false),
            experts::created_at.eq(now),
            experts::updated_at.eq(now),
        ))
        .execute(conn)?;
    audit::record(
        conn,
        ctx,
        "expert.created",
        "expert",
        id.as_str(),
        None,
        &serde_json::json!({
            "user_id": user_id, "league": league, "employer": input.employer,
            "related": input.related, "specialties": codes,
            "phone": input.phone, "email": input.email,
        }),
    )?;
    Ok(id)
}

/// Changes a profile (operators).
pub fn update(
    conn: &mut DbConn,
    ctx: &AuditContext,
    id: &ExpertId,
    input: &ExpertInput,
) -> Result<(), AppError> {
    if input.user_id.is_some() {
        return Err(AppError::invalid_field(
            FieldError::new("user_id", "an expert's account cannot be changed")
                .because("value.unchangeable", serde_json::json!({})),
        ));
    }
    let row = load(conn, id)?;
    require_operator(&ctx.principal, Area::ExpertPool, Some(&row.league_code))?;
    let codes = check_input(input)?;
    diesel::update(experts::table.find(id.as_str()))
        .set((
            experts::employer_name.eq(input.employer.name.trim()),
            experts::employer_credit_code.eq(input.employer.credit_code.as_deref()),
            experts::related_json.eq(json(&input.related)?),
            experts::specialties_json.eq(json(&codes)?),
            experts::phone.eq(input.phone.as_deref()),
            experts::email.eq(input.email.as_deref()),
            experts::active.eq(input.active.unwrap_or(true)),
            experts::updated_at.eq(to_db_time(ctx.now)),
        ))
        .execute(conn)?;
    audit::record(
        conn,
        ctx,
        "expert.updated",
        "expert",
        id.as_str(),
        None,
        &serde_json::json!({
            "employer": input.employer, "related": input.related, "specialties": codes,
            "phone": input.phone, "email": input.email, "active": input.active.unwrap_or(true),
        }),
    )?;
    Ok(())
}

pub fn load(conn: &mut DbConn, id: &ExpertId) -> Result<ExpertRow, AppError> {
    experts::table
        .find(id.as_str())
        .select(ExpertRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| AppError::not_found("expert"))
}

/// The profile of the signed-in expert.
pub fn of_user(conn: &mut DbConn, principal: &Principal) -> Result<ExpertRow, AppError> {
    principal.require_any(&[Role::Expert])?;
    let Some(user) = &principal.user_id else {
        return Err(crate::identity::sign_in_first());
    };
    experts::table
        .filter(experts::user_id.eq(user.as_str()))
        .select(ExpertRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| {
            AppError::NotFound("this account has no expert profile".into())
                .because("experts.no-profile", serde_json::json!({}))
        })
}

/// The expert says whether it is available.
pub fn set_availability(
    conn: &mut DbConn,
    ctx: &AuditContext,
    row: &ExpertRow,
    input: &AvailabilityInput,
) -> Result<(), AppError> {
    let mut errors = Vec::new();
    if let Some(note) = &input.note {
        crate::error::check_text(&mut errors, "note", note, false, 500);
    }
    AppError::check(errors)?;
    diesel::update(experts::table.find(&row.id))
        .set((
            experts::available.eq(input.available),
            experts::availability_note.eq(input.note.as_deref()),
            experts::availability_confirmed_at.eq(Some(to_db_time(ctx.now))),
            experts::updated_at.eq(to_db_time(ctx.now)),
        ))
        .execute(conn)?;
    audit::record(
        conn,
        ctx,
        "expert.availability",
        "expert",
        &row.id,
        None,
        &serde_json::json!({"available": input.available, "note": input.note}),
    )
}

type HistoryRow = (
    (String, String, String, String, String, String),
    (String, NaiveDateTime, Option<NaiveDateTime>, String),
);

/// The expert's committees, newest first.
pub fn history(conn: &mut DbConn, expert_id: &str) -> Result<Vec<HistoryEntry>, AppError> {
    let rows: Vec<HistoryRow> = committee_members::table
        .inner_join(tenders::table)
        .filter(committee_members::expert_id.eq(expert_id))
        .select((
            (
                tenders::id,
                tenders::reference,
                tenders::title,
                tenders::league_code,
                tenders::category,
                committee_members::status,
            ),
            (
                committee_members::venue_league,
                committee_members::invited_at,
                committee_members::answered_at,
                tenders::status,
            ),
        ))
        .order(committee_members::invited_at.desc())
        .limit(500)
        .load(conn)?;
    rows.into_iter()
        .map(
            |(
                (tender_id, reference, title, league, category, status),
                (venue_league, invited, answered, tender_status),
            )| {
                Ok(HistoryEntry {
                    decided: crate::audit::sealing::decided(
                        crate::tenders::model::TenderStatus::from_db(&tender_status)?,
                    ),
                    place: (league, category),
                    tender_id,
                    reference,
                    title,
                    status,
                    venue_league,
                    invited_at: from_db_time(invited),
                    answered_at: answered.map(from_db_time),
                })
            },
        )
        .collect()
}

/// A profile as `contact` readers (operators of the expert's league, the
/// expert) or others see it, with the seats `seats` shows: before a
/// tender's result, who sits on its committee is sealed.
pub fn view(
    conn: &mut DbConn,
    row: ExpertRow,
    contact: bool,
    seats: &SeatSight,
) -> Result<ExpertView, AppError> {
    let mut history = history(conn, &row.id)?;
    history.retain(|h| seats.shows(h));
    Ok(ExpertView {
        related: row.related()?,
        specialties: row.specialties()?,
        id: ExpertId::from_db(row.id),
        user_id: row.user_id,
        name: row.name,
        league: row.league_code,
        employer: Employer {
            name: row.employer_name,
            credit_code: row.employer_credit_code,
        },
        phone: row.phone.filter(|_| contact),
        email: row.email.filter(|_| contact),
        active: row.active,
        available: row.available,
        availability_note: row.availability_note,
        availability_confirmed_at: row.availability_confirmed_at.map(from_db_time),
        history,
    })
}

/// Filters of the pool list.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PoolQuery {
    pub league: Option<String>,
    /// Experts with a specialty under this code.
    pub specialty: Option<String>,
    pub available: Option<bool>,
}

/// The pool, filtered; contact details per `sight`.
pub fn list(
    conn: &mut DbConn,
    sight: Sight,
    seats: &SeatSight,
    query: &PoolQuery,
) -> Result<Vec<ExpertView>, AppError> {
    let mut q = experts::table.select(ExpertRow::as_select()).into_boxed();
    if let Some(league) = &query.league {
        q = q.filter(experts::league_code.eq(league.clone()));
    }
    if let Some(available) = query.available {
        q = q.filter(experts::available.eq(available));
    }
    let rows: Vec<ExpertRow> = q.order(experts::id.asc()).limit(2000).load(conn)?;
    let mut out = Vec::new();
    for row in rows {
        if let Some(code) = &query.specialty
            && !row
                .specialties()?
                .iter()
                .any(|s| specialties::is_under(s, code))
        {
            continue;
        }
        let contact = sight.contact(&row.league_code);
        out.push(view(conn, row, contact, seats)?);
    }
    Ok(out)
}

/// The pool as the draw sees it now: active experts, with their committees
/// of `tenderer_org` and their declines in the last `history_days`.
pub fn snapshot(
    conn: &mut DbConn,
    tenderer_org: &str,
    history_days: u32,
    now: DateTime<Utc>,
) -> Result<Vec<PoolExpert>, AppError> {
    let since = to_db_time(now - Duration::days(i64::from(history_days)));
    let rows: Vec<ExpertRow> = experts::table
        .filter(experts::active.eq(true))
        .select(ExpertRow::as_select())
        .order(experts::id.asc())
        .load(conn)?;
    let seats: Vec<(String, String, String)> = committee_members::table
        .inner_join(tenders::table)
        .filter(committee_members::invited_at.ge(since))
        .select((
            committee_members::expert_id,
            committee_members::status,
            tenders::tenderer_org_id,
        ))
        .load(conn)?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let mine = seats.iter().filter(|(e, _, _)| *e == row.id);
        let (mut recent, mut declines) = (0u32, 0u32);
        for (_, status, org) in mine {
            match status.as_str() {
                // Seated on one of this tenderer's committees, whether or
                // not it answered the invitation before the room opened.
                "accepted" | "invited" if org == tenderer_org => recent += 1,
                // An invitation left unanswered counts as declined.
                "declined" | "no_show" | "expired" => declines += 1,
                _ => {}
            }
        }
        let mut related: Vec<String> = row.related()?.into_iter().map(|r| r.credit_code).collect();
        related.sort();
        related.dedup();
        out.push(PoolExpert {
            specialties: row.specialties()?,
            id: row.id,
            league: row.league_code,
            employer: row.employer_credit_code,
            related,
            available: row.available,
            recent_with_tenderer: recent,
            declines,
        });
    }
    Ok(out)
}
