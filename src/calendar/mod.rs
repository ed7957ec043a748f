//! The working-day calendar: which days are public holidays and which
//! weekend days are official make-up working days (调休), per year, as data.
//!
//! Periods the law states in working days (工作日) skip Saturdays, Sundays
//! and public holidays, and count the make-up working days the State
//! Council announces each year (国务院办公厅关于部分节假日安排的通知). No
//! formula gives those: the calendar is loaded per year, and a period that
//! reaches a year the calendar does not hold is refused rather than
//! guessed ([`Calendar::add_working_days`]).
//!
//! All dates are Beijing dates (UTC+8): a period "within n working days"
//! of an instant ends at 24:00 Beijing time of the n-th working day after
//! that instant's Beijing date ([`Calendar::working_deadline`]).

use crate::error::AppError;
use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveDate, TimeZone, Utc, Weekday};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

pub mod shipped;

/// What a listed day is; days not listed are working days from Monday to
/// Friday and rest days on Saturday and Sunday.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DayKind {
    /// A public holiday or a day off of its arrangement (放假).
    Holiday,
    /// A Saturday or Sunday worked in exchange (调休上班).
    Workday,
}

/// One listed day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Day {
    pub date: NaiveDate,
    pub kind: DayKind,
    /// The holiday it belongs to (e.g. 国庆节).
    pub name: String,
}

/// The calendar of the years it holds.
#[derive(Debug, Clone, Default)]
pub struct Calendar {
    days: BTreeMap<NaiveDate, DayKind>,
    years: BTreeSet<i32>,
}

/// Beijing time (UTC+8, no daylight saving).
pub fn beijing() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset")
}

/// The Beijing date of an instant.
pub fn beijing_date(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&beijing()).date_naive()
}

impl Calendar {
    /// A calendar of `years`, with `days` listed (each within those years).
    pub fn new(years: impl IntoIterator<Item = i32>, days: &[Day]) -> Calendar {
        Calendar {
            days: days.iter().map(|d| (d.date, d.kind)).collect(),
            years: years.into_iter().collect(),
        }
    }

    /// The official calendars the platform ships with ([`shipped`]).
    pub fn shipped() -> Calendar {
        let years: Vec<i32> = shipped::YEARS.iter().map(|y| y.year).collect();
        let days: Vec<Day> = shipped::YEARS.iter().flat_map(|y| y.days()).collect();
        Calendar::new(years, &days)
    }

    /// The years the calendar holds.
    pub fn years(&self) -> impl Iterator<Item = i32> + '_ {
        self.years.iter().copied()
    }

    /// Whether `date` is a working day, or `None` for a year not held.
    pub fn is_working_day(&self, date: NaiveDate) -> Option<bool> {
        if !self.years.contains(&date.year()) {
            return None;
        }
        Some(match self.days.get(&date) {
            Some(DayKind::Holiday) => false,
            Some(DayKind::Workday) => true,
            None => !matches!(date.weekday(), Weekday::Sat | Weekday::Sun),
        })
    }

    /// The `n`-th working day after `start` (`start` itself not counted;
    /// `n` = 0 gives `start`).
    pub fn add_working_days(&self, start: NaiveDate, n: u32) -> Result<NaiveDate, AppError> {
        let mut date = start;
        let mut left = n;
        while left > 0 {
            date = date.succ_opt().ok_or_else(|| beyond(date))?;
            match self.is_working_day(date) {
                Some(true) => left -= 1,
                Some(false) => {}
                None => return Err(beyond(date)),
            }
        }
        Ok(date)
    }

    /// The end (24:00 Beijing time) of the `n`-th working day after the
    /// Beijing date of `from`: the last instant of a period "within n
    /// working days" that starts at `from`.
    pub fn working_deadline(&self, from: DateTime<Utc>, n: u32) -> Result<DateTime<Utc>, AppError> {
        let last = self.add_working_days(beijing_date(from), n)?;
        Ok(end_of(last))
    }

    /// How many working days lie after `from`'s Beijing date up to and
    /// including `to`'s (0 when `to` is on the same day or earlier).
    pub fn working_days_between(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<u32, AppError> {
        let (mut date, end) = (beijing_date(from), beijing_date(to));
        let mut count = 0;
        while date < end {
            date = date.succ_opt().ok_or_else(|| beyond(date))?;
            match self.is_working_day(date) {
                Some(true) => count += 1,
                Some(false) => {}
                None => return Err(beyond(date)),
            }
        }
        Ok(count)
    }
}

/// The first instant after `date` ends in Beijing (its 24:00), in UTC.
pub fn end_of(date: NaiveDate) -> DateTime<Utc> {
    let midnight = date.and_hms_opt(0, 0, 0).expect("midnight exists") + Duration::days(1);
    beijing()
        .from_local_datetime(&midnight)
        .single()
        .expect("a fixed offset has one local time")
        .with_timezone(&Utc)
}

fn beyond(date: NaiveDate) -> AppError {
    AppError::TimeLimit(format!(
        "the working-day calendar has no entry for {}: a period in working days cannot be \
         computed into a year whose official holiday arrangement is not loaded (platform \
         operators load it when the State Council publishes it)",
        date.year()
    ))
    .because(
        "calendar.year-missing",
        serde_json::json!({ "year": date.year() }),
    )
}

/// The calendar in force: the years stored in the database (the shipped
/// ones, installed at start-up, and those operators replaced), read afresh
/// on every call so that every node of a cluster sees an operator's change
/// at once (a hundred rows or so a year).
pub fn current(conn: &mut crate::db::DbConn) -> Result<Calendar, AppError> {
    store::load(conn)
}

/// The years the platform accepts in its calendar.
pub const YEAR_RANGE: std::ops::RangeInclusive<i32> = 2000..=2100;
/// At most this many listed days per year (an arrangement lists some forty).
pub const MAX_DAYS: usize = 120;
const MAX_NAME: usize = 50;
const MAX_SOURCE: usize = 500;

/// A year's arrangement as an operator loads it (`PUT /calendar/{year}`).
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct YearInput {
    /// Whether this is the State Council's published arrangement (with its
    /// make-up working days), or only the statutory holidays awaiting it.
    pub official: bool,
    /// Where the days come from (the notice's title and date).
    #[schema(min_length = 1, max_length = 500)]
    pub source: String,
    /// The year's holidays (every day off, weekends within a holiday
    /// included) and make-up working days; other days follow the week.
    #[schema(max_items = 120)]
    pub days: Vec<DayInput>,
}

/// One listed day as an operator gives it.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DayInput {
    /// `YYYY-MM-DD`, within the year.
    #[schema(example = "2026-10-01")]
    pub date: String,
    pub kind: DayKind,
    /// The holiday it belongs to (e.g. 国庆节).
    #[schema(min_length = 1, max_length = 50)]
    pub name: String,
}

/// Checks a year's arrangement and returns its days in date order; every
/// fault is a field error (`days[i].date`, …), and nothing is stored.
///
/// Refused: a year outside [`YEAR_RANGE`]; an empty source; no holiday at
/// all (every year has the statutory ones, 全国年节及纪念日放假办法 第2条);
/// more than [`MAX_DAYS`] entries; a malformed date or one outside the
/// year; the same date twice (overlapping entries, whatever their kinds); a
/// make-up working day (调休上班) that is not a Saturday or Sunday (Monday
/// to Friday are working days already); an empty or overlong name. A
/// holiday may fall on any day: an arrangement lists the weekend days
/// within a holiday period too.
pub fn validate_year(year: i32, input: &YearInput) -> Result<Vec<Day>, AppError> {
    use crate::error::{FieldError, check_text};
    if !YEAR_RANGE.contains(&year) {
        return Err(AppError::invalid_field(
            FieldError::new(
                "year",
                format!(
                    "the calendar holds years {} to {}",
                    YEAR_RANGE.start(),
                    YEAR_RANGE.end()
                ),
            )
            .because(
                "number.range",
                serde_json::json!({ "min": YEAR_RANGE.start(), "max": YEAR_RANGE.end() }),
            ),
        ));
    }
    let mut errors = Vec::new();
    check_text(&mut errors, "source", &input.source, true, MAX_SOURCE);
    if input.days.len() > MAX_DAYS {
        errors.push(
            FieldError::new(
                "days",
                format!(
                    "at most {MAX_DAYS} listed days a year, not {}",
                    input.days.len()
                ),
            )
            .because("list.too-many", serde_json::json!({ "max": MAX_DAYS })),
        );
        return AppError::check(errors).map(|_| Vec::new());
    }
    if !input.days.iter().any(|d| d.kind == DayKind::Holiday) {
        errors.push(
            FieldError::new(
                "days",
                "a year lists its public holidays (at least the statutory ones of 全国年节及纪念日放假办法 第2条)",
            )
            .because("calendar.holidays-needed", serde_json::json!({})),
        );
    }
    let mut seen: BTreeMap<NaiveDate, usize> = BTreeMap::new();
    let mut days = Vec::new();
    for (i, d) in input.days.iter().enumerate() {
        let field = |f: &str| format!("days[{i}].{f}");
        check_text(&mut errors, &field("name"), &d.name, true, MAX_NAME);
        let date = match parse_date(&d.date) {
            Some(date) => date,
            None => {
                errors.push(
                    FieldError::new(
                        field("date"),
                        format!("{:?} is not a date (YYYY-MM-DD)", d.date),
                    )
                    .because("time.date", serde_json::json!({})),
                );
                continue;
            }
        };
        if date.year() != year {
            errors.push(
                FieldError::new(field("date"), format!("{date} is not in {year}"))
                    .because("calendar.other-year", serde_json::json!({ "year": year })),
            );
            continue;
        }
        if let Some(first) = seen.insert(date, i) {
            errors.push(
                FieldError::new(
                    field("date"),
                    format!("{date} is listed twice (days[{first}] and days[{i}])"),
                )
                .because(
                    "list.duplicate",
                    serde_json::json!({ "value": date.to_string() }),
                ),
            );
            continue;
        }
        if d.kind == DayKind::Workday && !matches!(date.weekday(), Weekday::Sat | Weekday::Sun) {
            errors.push(
                FieldError::new(
                    field("kind"),
                    format!(
                        "a make-up working day (调休上班) is a Saturday or Sunday; {date} is a {}",
                        date.weekday()
                    ),
                )
                .because(
                    "calendar.workday-weekend",
                    serde_json::json!({ "date": date.to_string() }),
                ),
            );
        }
        days.push(Day {
            date,
            kind: d.kind,
            name: d.name.trim().to_string(),
        });
    }
    AppError::check(errors)?;
    days.sort_by_key(|d| d.date);
    Ok(days)
}

/// A strict `YYYY-MM-DD` (no missing zeros, no time, no spaces).
fn parse_date(text: &str) -> Option<NaiveDate> {
    let b = text.as_bytes();
    let shape = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    shape
        .then(|| NaiveDate::parse_from_str(text, "%Y-%m-%d").ok())
        .flatten()
}

impl Calendar {
    /// How many working days `month` of `year` has, or `None` for a year
    /// not held (or a month that does not exist).
    pub fn working_days_in(&self, year: i32, month: u32) -> Option<u32> {
        let mut date = NaiveDate::from_ymd_opt(year, month, 1)?;
        let mut count = 0;
        while date.month() == month {
            if self.is_working_day(date)? {
                count += 1;
            }
            match date.succ_opt() {
                Some(next) => date = next,
                None => break,
            }
        }
        Some(count)
    }
}

pub mod routes;
pub mod store;

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn national_day_2026_and_its_make_up_saturday() {
        let c = Calendar::shipped();
        assert_eq!(c.is_working_day(d(2026, 10, 1)), Some(false));
        assert_eq!(c.is_working_day(d(2026, 10, 7)), Some(false));
        assert_eq!(
            c.is_working_day(d(2026, 10, 10)),
            Some(true),
            "调休上班 (Saturday)"
        );
        assert_eq!(
            c.is_working_day(d(2026, 9, 20)),
            Some(true),
            "调休上班 (Sunday)"
        );
        // Wednesday 30 September: the 5th working day after it is not in
        // the holiday but Tuesday 13 October: 8, 9, 10 (Saturday, worked),
        // 12, 13.
        assert_eq!(
            c.add_working_days(d(2026, 9, 30), 5).unwrap(),
            d(2026, 10, 13)
        );
        // Without the calendar, ⌈5 × 7 ⁄ 5⌉ = 7 calendar days would end on
        // 7 October, inside the holiday.
    }

    #[test]
    fn deadlines_end_at_midnight_beijing_and_unknown_years_are_refused() {
        let c = Calendar::shipped();
        // 16:30 UTC on 30 Sep is 00:30 on 1 Oct in Beijing.
        let from = Utc.with_ymd_and_hms(2026, 9, 30, 16, 30, 0).unwrap();
        assert_eq!(beijing_date(from), d(2026, 10, 1));
        let end = c.working_deadline(from, 1).unwrap();
        assert_eq!(end, Utc.with_ymd_and_hms(2026, 10, 8, 16, 0, 0).unwrap());
        assert_eq!(
            c.working_days_between(from, end - Duration::seconds(1))
                .unwrap(),
            1
        );
        let late = Utc.with_ymd_and_hms(2030, 1, 1, 0, 0, 0).unwrap();
        assert!(c.working_deadline(late, 1).is_err());
    }

    #[test]
    fn months_count_their_working_days() {
        let c = Calendar::shipped();
        // October 2026: 22 weekdays, 5 of them in the holiday (1, 2, 5, 6,
        // 7), and Saturday 10 October worked: 18.
        assert_eq!(c.working_days_in(2026, 10), Some(18));
        // September 2026: 22 weekdays, Friday 25 (中秋节) off, Sunday 20
        // worked: 22.
        assert_eq!(c.working_days_in(2026, 9), Some(22));
        assert_eq!(c.working_days_in(2030, 1), None);
        assert_eq!(c.working_days_in(2026, 13), None);
    }

    fn input(days: &[(&str, DayKind, &str)]) -> YearInput {
        YearInput {
            official: true,
            source: "国务院办公厅关于2026年部分节假日安排的通知".into(),
            days: days
                .iter()
                .map(|(date, kind, name)| DayInput {
                    date: (*date).into(),
                    kind: *kind,
                    name: (*name).into(),
                })
                .collect(),
        }
    }

    fn fields(err: AppError) -> Vec<String> {
        match err {
            AppError::Validation { errors, .. } => errors.into_iter().map(|e| e.field).collect(),
            other => panic!("not a validation error: {other:?}"),
        }
    }

    #[test]
    fn the_shipped_years_pass_the_operators_checks() {
        for y in shipped::YEARS {
            let days = y.days();
            let given = input(
                &days
                    .iter()
                    .map(|d| (d.date.to_string(), d.kind, d.name.clone()))
                    .collect::<Vec<_>>()
                    .iter()
                    .map(|(a, k, n)| (a.as_str(), *k, n.as_str()))
                    .collect::<Vec<_>>(),
            );
            assert_eq!(validate_year(y.year, &given).unwrap(), days, "{}", y.year);
        }
    }

    #[test]
    fn faulty_years_are_refused_field_by_field() {
        use DayKind::{Holiday as H, Workday as W};
        let ok = input(&[("2026-10-10", W, "国庆节"), ("2026-10-01", H, "国庆节")]);
        let days = validate_year(2026, &ok).unwrap();
        assert_eq!(days[0].date, d(2026, 10, 1), "sorted by date");
        // Malformed, outside the year, twice, a weekday "make-up" day, no
        // name: each names its entry.
        let bad = input(&[
            ("2026-10-01", H, "国庆节"),
            ("2026-1-2", H, "元旦"),
            ("2026-02-30", H, "春节"),
            ("2027-01-01", H, "元旦"),
            ("2026-10-01", W, "国庆节"),
            ("2026-10-09", W, "国庆节"),
            ("2026-10-02", H, " "),
        ]);
        assert_eq!(
            fields(validate_year(2026, &bad).unwrap_err()),
            [
                "days[1].date",
                "days[2].date",
                "days[3].date",
                "days[4].date",
                "days[5].kind",
                "days[6].name"
            ]
        );
        // A holiday on a weekend is part of an arrangement.
        assert!(validate_year(2026, &input(&[("2026-10-03", H, "国庆节")])).is_ok());
        // No holiday at all, no source, too many entries, a year out of range.
        assert_eq!(
            fields(validate_year(2026, &input(&[("2026-10-10", W, "国庆节")])).unwrap_err()),
            ["days"]
        );
        let mut nameless = ok.clone();
        nameless.source = String::new();
        assert_eq!(
            fields(validate_year(2026, &nameless).unwrap_err()),
            ["source"]
        );
        let mut many = ok.clone();
        many.days = (0..=MAX_DAYS as u32)
            .map(|i| DayInput {
                date: (d(2026, 1, 1) + Duration::days(i.into())).to_string(),
                kind: H,
                name: "假".into(),
            })
            .collect();
        assert_eq!(fields(validate_year(2026, &many).unwrap_err()), ["days"]);
        assert_eq!(fields(validate_year(1999, &ok).unwrap_err()), ["year"]);
        assert_eq!(parse_date("2026-10-01 "), None);
        assert_eq!(parse_date("+2026-10-1"), None);
    }
}
