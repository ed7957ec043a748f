//! The calendars the platform ships with. Operators replace or add years
//! through the calendar's routes; what ships here is the starting point of
//! a fresh installation.

use super::{Day, DayKind};
use chrono::NaiveDate;

/// (month, day).
pub type MonthDay = (u32, u32);
/// (name, first day, last day) of a holiday period, inclusive.
pub type HolidayPeriod = (&'static str, MonthDay, MonthDay);

/// One year's arrangement.
pub struct Year {
    pub year: i32,
    /// Whether this is the State Council's published arrangement (with its
    /// make-up working days), or only the statutory holidays of 全国年节及
    /// 纪念日放假办法 awaiting it.
    pub official: bool,
    pub source: &'static str,
    /// (name, first day, last day) of each holiday period, inclusive.
    pub holidays: &'static [HolidayPeriod],
    /// (name, date) of each make-up working day.
    pub workdays: &'static [(&'static str, MonthDay)],
}

impl Year {
    /// The year's listed days.
    pub fn days(&self) -> Vec<Day> {
        let date = |(m, d): MonthDay| {
            NaiveDate::from_ymd_opt(self.year, m, d).expect("a shipped date is valid")
        };
        let mut days = Vec::new();
        for (name, from, to) in self.holidays {
            let mut day = date(*from);
            while day <= date(*to) {
                days.push(Day {
                    date: day,
                    kind: DayKind::Holiday,
                    name: (*name).to_string(),
                });
                day = day.succ_opt().expect("within the year");
            }
        }
        for (name, on) in self.workdays {
            days.push(Day {
                date: date(*on),
                kind: DayKind::Workday,
                name: (*name).to_string(),
            });
        }
        days.sort_by_key(|d| d.date);
        days
    }
}

pub const YEARS: &[Year] = &[
    Year {
        year: 2026,
        official: true,
        source: "国务院办公厅关于2026年部分节假日安排的通知 (2025年11月4日)",
        holidays: &[
            ("元旦", (1, 1), (1, 3)),
            ("春节", (2, 15), (2, 23)),
            ("清明节", (4, 4), (4, 6)),
            ("劳动节", (5, 1), (5, 5)),
            ("端午节", (6, 19), (6, 21)),
            ("中秋节", (9, 25), (9, 27)),
            ("国庆节", (10, 1), (10, 7)),
        ],
        workdays: &[
            ("元旦", (1, 4)),
            ("春节", (2, 14)),
            ("春节", (2, 28)),
            ("劳动节", (5, 9)),
            ("国庆节", (9, 20)),
            ("国庆节", (10, 10)),
        ],
    },
    Year {
        year: 2027,
        official: false,
        source: "全国年节及纪念日放假办法 (2024年修订) 第2条: the statutory holidays only (春节 \
                 2月5日除夕至8日, 清明 4月5日, 端午 6月9日, 中秋 9月15日); the State Council's \
                 arrangement for 2027, with its make-up working days, is to be loaded by the \
                 platform's operators",
        holidays: &[
            ("元旦", (1, 1), (1, 1)),
            ("春节", (2, 5), (2, 8)),
            ("清明节", (4, 5), (4, 5)),
            ("劳动节", (5, 1), (5, 2)),
            ("端午节", (6, 9), (6, 9)),
            ("中秋节", (9, 15), (9, 15)),
            ("国庆节", (10, 1), (10, 3)),
        ],
        workdays: &[],
    },
];
