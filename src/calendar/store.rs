//! The calendar's storage: `calendar_years` and `calendar_days`.
//!
//! The shipped years ([`super::shipped`]) are installed at start-up when
//! absent ([`install_shipped`]); a year an operator replaced is never
//! overwritten by what ships. Every read goes to the database, so every
//! node of a cluster computes with the same calendar.

use super::{Calendar, Day, DayKind, shipped};
use crate::audit::{self, AuditContext};
use crate::db::schema::{calendar_changes, calendar_days, calendar_years};
use crate::db::{DbConn, from_db_time, lock_in_transaction, to_db_time};
use crate::error::AppError;
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;

/// Writers of the calendar take turns on this key (PostgreSQL advisory lock).
const LOCK: &str = "calendar";

/// One stored year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredYear {
    pub year: i32,
    pub official: bool,
    pub source: String,
    /// The operator who last replaced it; `None`: as shipped.
    pub changed_by: Option<String>,
    pub changed_at: DateTime<Utc>,
    pub days: Vec<Day>,
}

/// What an audit event records of a year.
#[derive(Serialize)]
struct Snapshot<'a> {
    official: bool,
    source: &'a str,
    days: &'a [Day],
}

fn kind_code(kind: DayKind) -> &'static str {
    match kind {
        DayKind::Holiday => "holiday",
        DayKind::Workday => "workday",
    }
}

fn day_of(row: (String, String, String)) -> Result<Day, AppError> {
    let (day, kind, name) = row;
    let date = NaiveDate::parse_from_str(&day, "%Y-%m-%d")
        .map_err(|e| anyhow::anyhow!("calendar day {day:?}: {e}"))?;
    let kind = match kind.as_str() {
        "holiday" => DayKind::Holiday,
        "workday" => DayKind::Workday,
        other => return Err(anyhow::anyhow!("calendar day {day}: kind {other:?}").into()),
    };
    Ok(Day { date, kind, name })
}

/// The whole stored calendar.
pub fn load(conn: &mut DbConn) -> Result<Calendar, AppError> {
    let years: Vec<i32> = calendar_years::table
        .select(calendar_years::year)
        .load(conn)?;
    let rows: Vec<(String, String, String)> = calendar_days::table
        .select((calendar_days::day, calendar_days::kind, calendar_days::name))
        .load(conn)?;
    let days = rows
        .into_iter()
        .map(day_of)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Calendar::new(years, &days))
}

type YearRow = (i32, bool, String, Option<String>, NaiveDateTime);

fn year_of(row: YearRow, days: Vec<Day>) -> StoredYear {
    let (year, official, source, changed_by, changed_at) = row;
    StoredYear {
        year,
        official,
        source,
        changed_by,
        changed_at: from_db_time(changed_at),
        days,
    }
}

/// Every stored year with its days (in date order), in year order.
pub fn years(conn: &mut DbConn) -> Result<Vec<StoredYear>, AppError> {
    stored(conn, i32::MIN, i32::MAX)
}

/// One stored year with its days (in date order), if held.
pub fn year(conn: &mut DbConn, year: i32) -> Result<Option<StoredYear>, AppError> {
    Ok(stored(conn, year, year)?.into_iter().next())
}

/// The stored years from `first` to `last` with their days.
fn stored(conn: &mut DbConn, first: i32, last: i32) -> Result<Vec<StoredYear>, AppError> {
    let rows: Vec<YearRow> = calendar_years::table
        .filter(calendar_years::year.between(first, last))
        .select((
            calendar_years::year,
            calendar_years::official,
            calendar_years::source,
            calendar_years::changed_by,
            calendar_years::changed_at,
        ))
        .order(calendar_years::year)
        .load(conn)?;
    let day_rows: Vec<(i32, String, String, String)> = calendar_days::table
        .filter(calendar_days::year.between(first, last))
        .select((
            calendar_days::year,
            calendar_days::day,
            calendar_days::kind,
            calendar_days::name,
        ))
        .order(calendar_days::day)
        .load(conn)?;
    let mut days: std::collections::BTreeMap<i32, Vec<Day>> = Default::default();
    for (year, day, kind, name) in day_rows {
        days.entry(year)
            .or_default()
            .push(day_of((day, kind, name))?);
    }
    Ok(rows
        .into_iter()
        .map(|r| {
            let year_days = days.remove(&r.0).unwrap_or_default();
            year_of(r, year_days)
        })
        .collect())
}

/// Writes a year's row and days in place of what was there (no audit).
fn write_year(
    conn: &mut DbConn,
    year: i32,
    official: bool,
    source: &str,
    changed_by: Option<&str>,
    at: DateTime<Utc>,
    days: &[Day],
) -> Result<(), AppError> {
    diesel::delete(calendar_days::table.filter(calendar_days::year.eq(year))).execute(conn)?;
    diesel::delete(calendar_years::table.filter(calendar_years::year.eq(year))).execute(conn)?;
    diesel::insert_into(calendar_years::table)
        .values((
            calendar_years::year.eq(year),
            calendar_years::official.eq(official),
            calendar_years::source.eq(source),
            calendar_years::changed_by.eq(changed_by),
            calendar_years::changed_at.eq(to_db_time(at)),
        ))
        .execute(conn)?;
    for d in days {
        diesel::insert_into(calendar_days::table)
            .values((
                calendar_days::day.eq(d.date.format("%Y-%m-%d").to_string()),
                calendar_days::year.eq(year),
                calendar_days::kind.eq(kind_code(d.kind)),
                calendar_days::name.eq(&d.name),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Installs the shipped years the database does not hold, and refreshes a
/// shipped year nobody has edited when this binary ships it differently (a
/// later release with the official arrangement in place of the statutory
/// holidays). A year an operator replaced is left alone. Returns the years
/// written. Runs in the caller's transaction; nodes starting together take
/// turns on the calendar's lock.
pub fn install_shipped(conn: &mut DbConn, now: DateTime<Utc>) -> Result<Vec<i32>, AppError> {
    lock_in_transaction(conn, LOCK)?;
    let mut written = Vec::new();
    for y in shipped::YEARS {
        let stored: Option<(Option<String>, String, bool)> = calendar_years::table
            .filter(calendar_years::year.eq(y.year))
            .select((
                calendar_years::changed_by,
                calendar_years::source,
                calendar_years::official,
            ))
            .first(conn)
            .optional()?;
        let stale = match stored {
            None => true,
            Some((None, source, official)) => source != y.source || official != y.official,
            Some((Some(_), _, _)) => false,
        };
        if stale {
            write_year(conn, y.year, y.official, y.source, None, now, &y.days())?;
            written.push(y.year);
        }
    }
    Ok(written)
}

/// Replaces (or adds) a year with checked days, recording
/// `calendar.year_replaced` with the year before and after.
pub fn replace_year(
    conn: &mut DbConn,
    ctx: &AuditContext,
    year: i32,
    official: bool,
    source: &str,
    days: &[Day],
) -> Result<StoredYear, AppError> {
    lock_in_transaction(conn, LOCK)?;
    let before = self::year(conn, year)?;
    let by = ctx
        .principal
        .user_id
        .as_ref()
        .map(|u| u.as_str().to_string());
    write_year(conn, year, official, source, by.as_deref(), ctx.now, days)?;
    let payload = serde_json::json!({
        "year": year,
        "before": before.as_ref().map(|b| Snapshot {
            official: b.official,
            source: &b.source,
            days: &b.days,
        }),
        "after": Snapshot { official, source, days },
    });
    // The same canonical JSON the audit event's hash is taken over.
    let canonical = serde_json::to_string(&payload)
        .map_err(|e| anyhow::Error::new(e).context("calendar change"))?;
    diesel::insert_into(calendar_changes::table)
        .values((
            calendar_changes::id.eq(uuid::Uuid::new_v4().to_string()),
            calendar_changes::year.eq(year),
            calendar_changes::changed_by.eq(by.as_deref()),
            calendar_changes::changed_at.eq(to_db_time(ctx.now)),
            calendar_changes::payload.eq(&canonical),
        ))
        .execute(conn)?;
    audit::record(
        conn,
        ctx,
        "calendar.year_replaced",
        "calendar_year",
        &year.to_string(),
        None,
        &payload,
    )?;
    self::year(conn, year)?
        .ok_or_else(|| anyhow::anyhow!("calendar year {year} vanished in its transaction").into())
}
