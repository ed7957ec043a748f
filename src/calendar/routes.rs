//! The calendar's HTTP routes: anyone reads it; platform operators replace
//! a year (`identity::policy::Area::Calendar`), audited.

use super::store::{self, StoredYear};
use super::{Calendar, Day, DayKind, YearInput, validate_year};
use crate::app::AppState;
use crate::audit::AuditContext;
use crate::error::AppError;
use crate::identity::policy::{Area, require_operator};
use crate::identity::{Principal, Role};
use actix_web::{get, put, web};
use chrono::{DateTime, Utc};
use serde::Serialize;

/// A year the calendar holds.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct YearSummary {
    pub year: i32,
    /// The State Council's published arrangement; `false`: only the
    /// statutory holidays, awaiting it (no make-up working days).
    pub official: bool,
    /// Where the days come from.
    pub source: String,
    /// As the platform shipped it (no operator has replaced it).
    pub shipped: bool,
    /// When it was installed or last replaced.
    pub changed_at: DateTime<Utc>,
    /// Listed holidays (days off, weekends within a holiday included).
    pub holidays: usize,
    /// Listed make-up working days (调休上班).
    pub workdays: usize,
}

/// The years the calendar holds.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CalendarYears {
    pub years: Vec<YearSummary>,
}

/// A month's working days.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MonthCount {
    pub month: u32,
    pub working_days: u32,
}

/// One year of the calendar with its listed days.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct YearView {
    #[serde(flatten)]
    pub summary: YearSummary,
    /// The listed days in date order; other days are working days Monday
    /// to Friday and rest days on Saturday and Sunday.
    pub days: Vec<Day>,
    /// Each month's working days, January first.
    pub months: Vec<MonthCount>,
    /// The year's working days.
    pub working_days: u32,
}

fn summary(y: &StoredYear) -> YearSummary {
    YearSummary {
        year: y.year,
        official: y.official,
        source: y.source.clone(),
        shipped: y.changed_by.is_none(),
        changed_at: y.changed_at,
        holidays: y.days.iter().filter(|d| d.kind == DayKind::Holiday).count(),
        workdays: y.days.iter().filter(|d| d.kind == DayKind::Workday).count(),
    }
}

fn view(y: StoredYear) -> YearView {
    let calendar = Calendar::new([y.year], &y.days);
    let months: Vec<MonthCount> = (1..=12)
        .map(|month| MonthCount {
            month,
            working_days: calendar.working_days_in(y.year, month).unwrap_or(0),
        })
        .collect();
    YearView {
        summary: summary(&y),
        working_days: months.iter().map(|m| m.working_days).sum(),
        months,
        days: y.days,
    }
}

/// The years the working-day calendar holds, with where each comes from
/// and whether it is the official arrangement (anyone).
#[utoipa::path(tag = "calendar", responses((status = 200, body = CalendarYears)))]
#[get("/calendar")]
pub async fn list_years(state: web::Data<AppState>) -> Result<web::Json<CalendarYears>, AppError> {
    let years = state
        .db
        .read(|conn| Ok(store::years(conn)?.iter().map(summary).collect()))
        .await?;
    Ok(web::Json(CalendarYears { years }))
}

/// One year of the calendar: its holidays and make-up working days, and
/// each month's working days (anyone). 404 for a year not held.
#[utoipa::path(
    tag = "calendar",
    params(("year" = i32, Path, description = "The year, e.g. 2026")),
    responses((status = 200, body = YearView), (status = 404, body = crate::error::Problem))
)]
#[get("/calendar/{year}")]
pub async fn get_year(
    state: web::Data<AppState>,
    year: web::Path<i32>,
) -> Result<web::Json<YearView>, AppError> {
    let year = year.into_inner();
    let stored = state.db.read(move |conn| store::year(conn, year)).await?;
    stored
        .map(|y| web::Json(view(y)))
        .ok_or_else(|| AppError::not_found("calendar year"))
}

/// Replaces (or adds) a year of the calendar: its holidays and make-up
/// working days, e.g. when the State Council publishes the next year's
/// arrangement (platform operators only; league operators, supervisors and
/// everyone else are refused). Checked as a whole (malformed or duplicate
/// dates, dates outside the year, a make-up working day on a weekday, …:
/// 422 with the entries at fault, nothing changed) and recorded as
/// `calendar.year_replaced` with the year before and after. Periods in
/// working days are computed with it from then on, on every node.
#[utoipa::path(
    tag = "calendar",
    params(("year" = i32, Path, description = "The year, e.g. 2027")),
    request_body = YearInput,
    responses(
        (status = 200, body = YearView),
        (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)
    )
)]
#[put("/calendar/{year}")]
pub async fn put_year(
    state: web::Data<AppState>,
    principal: Principal,
    ctx: AuditContext,
    year: web::Path<i32>,
    body: web::Json<YearInput>,
) -> Result<web::Json<YearView>, AppError> {
    require_operator(&principal, Area::Calendar, None)?;
    let year = year.into_inner();
    let input = body.into_inner();
    let days = validate_year(year, &input)?;
    let ctx = ctx.acting_as(Role::Operator);
    let stored = state
        .db
        .write(move |conn| {
            store::replace_year(conn, &ctx, year, input.official, input.source.trim(), &days)
        })
        .await?;
    Ok(web::Json(view(stored)))
}
