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
}

/// The calendar in force: the shipped years. (Operators' edits, kept in
/// the database, take their place when the calendar is stored.)
pub fn current(_conn: &mut crate::db::DbConn) -> Result<Calendar, AppError> {
    Ok(Calendar::shipped())
}

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
}
