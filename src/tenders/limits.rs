//! Legal time limits per category and method, in one table, and the checks
//! that apply them (pure: `now` is a parameter).
//!
//! Periods the law states in working days are held here as ⌈n × 7 ⁄ 5⌉
//! calendar days, which covers n working days of ordinary weeks. Statutory
//! holidays are not modelled yet: a working-day period that spans the Spring
//! Festival or National Day needs a later deadline than this table demands,
//! and the tenderer must set it. Land listing's own minimum listing period
//! (10 working days, after the 20-day notice) is not checked separately.

use super::model::{Category, KeyDates, Method, TenderStatus};
use crate::error::AppError;
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

/// Minimum periods, in calendar days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Limits {
    /// From the documents being available to the bid deadline.
    pub documents_to_deadline_days: i64,
    /// An amendment that changes bids must be published at least this long
    /// before the deadline, or the deadline moves.
    pub amendment_before_deadline_days: i64,
    /// Clarification requests close at least this long before the deadline.
    pub clarification_before_deadline_days: i64,
    /// Candidates are publicised for at least this long.
    pub publicity_days: i64,
    /// Where the rule comes from.
    pub basis: &'static str,
}

const fn limits(docs: i64, amend: i64, clar: i64, publicity: i64, basis: &'static str) -> Limits {
    Limits {
        documents_to_deadline_days: docs,
        amendment_before_deadline_days: amend,
        clarification_before_deadline_days: clar,
        publicity_days: publicity,
        basis,
    }
}

const GP_TENDERING: &str =
    "政府采购法; 政府采购货物和服务招标投标管理办法 (财政部令第87号) 第16、27条";
const GP_NON_TENDERING: &str =
    "政府采购非招标采购方式管理办法 (财政部令第74号); 竞争性磋商采购方式管理暂行办法";
const CONSTRUCTION: &str = "招标投标法 第23、24条; 招标投标法实施条例 第21、22、54条";
const LAND: &str = "招标拍卖挂牌出让国有建设用地使用权规定 (国土资源部令第39号) 第10条";
const PROPERTY: &str =
    "企业国有资产交易监督管理办法 (国资委 财政部令第32号) 第13条 (20 working days)";

/// The table: which methods each category may use, and their minimum periods.
pub const TABLE: &[(Category, Method, Limits)] = &[
    (
        Category::GovernmentProcurement,
        Method::OpenTendering,
        limits(20, 15, 0, 3, GP_TENDERING),
    ),
    (
        Category::GovernmentProcurement,
        Method::InvitedTendering,
        limits(20, 15, 0, 3, GP_TENDERING),
    ),
    (
        Category::GovernmentProcurement,
        Method::CompetitiveNegotiation,
        limits(5, 5, 0, 3, GP_NON_TENDERING),
    ),
    (
        Category::GovernmentProcurement,
        Method::CompetitiveConsultation,
        limits(10, 5, 0, 3, GP_NON_TENDERING),
    ),
    (
        Category::GovernmentProcurement,
        Method::Inquiry,
        limits(5, 5, 0, 3, GP_NON_TENDERING),
    ),
    (
        Category::GovernmentProcurement,
        Method::SingleSource,
        limits(7, 5, 0, 3, GP_NON_TENDERING),
    ),
    (
        Category::EngineeringConstruction,
        Method::OpenTendering,
        limits(20, 15, 10, 3, CONSTRUCTION),
    ),
    (
        Category::EngineeringConstruction,
        Method::InvitedTendering,
        limits(20, 15, 10, 3, CONSTRUCTION),
    ),
    (
        Category::LandMiningRights,
        Method::OpenTendering,
        limits(20, 15, 0, 3, LAND),
    ),
    (
        Category::LandMiningRights,
        Method::Auction,
        limits(20, 15, 0, 3, LAND),
    ),
    (
        Category::LandMiningRights,
        Method::Listing,
        limits(20, 15, 0, 3, LAND),
    ),
    (
        Category::StateOwnedProperty,
        Method::Listing,
        limits(28, 15, 0, 3, PROPERTY),
    ),
    (
        Category::StateOwnedProperty,
        Method::Auction,
        limits(28, 15, 0, 3, PROPERTY),
    ),
    (
        Category::StateOwnedProperty,
        Method::OpenTendering,
        limits(28, 15, 0, 3, PROPERTY),
    ),
];

/// The limits for a category and method, or `None` if the method is not
/// allowed for the category.
pub fn for_procedure(category: Category, method: Method) -> Option<Limits> {
    TABLE
        .iter()
        .find(|(c, m, _)| *c == category && *m == method)
        .map(|(_, _, l)| *l)
}

/// `for_procedure`, refusing a method the category cannot use.
pub fn require(category: Category, method: Method) -> Result<Limits, AppError> {
    for_procedure(category, method).ok_or_else(|| {
        let allowed: Vec<&str> = TABLE
            .iter()
            .filter(|(c, _, _)| *c == category)
            .map(|(_, m, _)| m.code())
            .collect();
        AppError::invalid(
            "method",
            format!(
                "{} cannot use {}; allowed: {}",
                category.code(),
                method.code(),
                allowed.join(", ")
            ),
        )
    })
}

fn days(d: i64) -> Duration {
    Duration::days(d)
}

fn whole_days(d: Duration) -> String {
    let secs = d.num_seconds();
    format!("{}d {}h", secs / 86_400, (secs % 86_400) / 3600)
}

/// The facts the checks read.
#[derive(Debug, Clone, Copy)]
pub struct DateFacts {
    pub category: Category,
    pub method: Method,
    pub documents_available_at: DateTime<Utc>,
    pub clarification_deadline: DateTime<Utc>,
    pub bid_deadline: DateTime<Utc>,
    pub publicity_days: u32,
}

impl DateFacts {
    pub fn new(category: Category, method: Method, dates: &KeyDates) -> DateFacts {
        DateFacts {
            category,
            method,
            documents_available_at: dates.documents_available_at,
            clarification_deadline: dates.clarification_deadline,
            bid_deadline: dates.bid_deadline,
            publicity_days: dates.publicity_days,
        }
    }
}

/// A deadline given for a draft must still be ahead.
pub fn check_draft(facts: &DateFacts, now: DateTime<Utc>) -> Result<(), AppError> {
    require(facts.category, facts.method)?;
    if facts.bid_deadline <= now {
        return Err(AppError::invalid(
            "dates.bid_deadline",
            "the bid deadline is in the past",
        ));
    }
    Ok(())
}

/// Publishing: the documents must be available for the legal minimum before
/// the deadline, counted from when they really become available (not before
/// publication), and the other periods must hold.
pub fn check_publish(facts: &DateFacts, now: DateTime<Utc>) -> Result<(), AppError> {
    let l = require(facts.category, facts.method)?;
    if facts.bid_deadline <= now {
        return Err(AppError::TimeLimit(
            "the bid deadline has already passed".into(),
        ));
    }
    let available = facts.documents_available_at.max(now);
    let period = facts.bid_deadline - available;
    if period < days(l.documents_to_deadline_days) {
        return Err(AppError::TimeLimit(format!(
            "{} by {} needs at least {} days from the documents being available ({}) to the bid deadline ({}); this tender gives {} [{}]",
            facts.category.code(),
            facts.method.code(),
            l.documents_to_deadline_days,
            available.to_rfc3339(),
            facts.bid_deadline.to_rfc3339(),
            whole_days(period),
            l.basis
        )));
    }
    if facts.clarification_deadline <= now {
        return Err(AppError::TimeLimit(
            "the clarification deadline has already passed".into(),
        ));
    }
    check_clarification_period(facts)?;
    check_publicity_days(facts, &l)
}

/// Clarification requests must close long enough before the bid deadline.
pub fn check_clarification_period(facts: &DateFacts) -> Result<(), AppError> {
    let l = require(facts.category, facts.method)?;
    if facts.clarification_deadline > facts.bid_deadline {
        return Err(AppError::invalid(
            "dates.clarification_deadline",
            "must not be after the bid deadline",
        ));
    }
    if facts.bid_deadline - facts.clarification_deadline
        < days(l.clarification_before_deadline_days)
    {
        return Err(AppError::TimeLimit(format!(
            "clarification requests must close at least {} days before the bid deadline [{}]",
            l.clarification_before_deadline_days, l.basis
        )));
    }
    Ok(())
}

fn check_publicity_days(facts: &DateFacts, l: &Limits) -> Result<(), AppError> {
    if i64::from(facts.publicity_days) < l.publicity_days {
        return Err(AppError::TimeLimit(format!(
            "candidates must be publicised for at least {} days, not {}",
            l.publicity_days, facts.publicity_days
        )));
    }
    Ok(())
}

/// An amendment before the deadline. Returns the deadline in force after it:
/// an amendment that changes bids within the minimum period needs a new
/// deadline far enough away; a deadline may only move later.
pub fn check_amendment(
    facts: &DateFacts,
    status: TenderStatus,
    changes_bids: bool,
    new_deadline: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<DateTime<Utc>, AppError> {
    let l = require(facts.category, facts.method)?;
    if status != TenderStatus::Published {
        return Err(AppError::IllegalTransition(format!(
            "only a published tender can be amended; this one is {}",
            status.code()
        )));
    }
    if now >= facts.bid_deadline {
        return Err(AppError::DeadlinePassed(
            "the bid deadline has passed; the tender can no longer be amended".into(),
        ));
    }
    let deadline = match new_deadline {
        Some(d) if d < facts.bid_deadline => {
            return Err(AppError::invalid(
                "new_bid_deadline",
                "a deadline can only be moved later",
            ));
        }
        Some(d) => d,
        None => facts.bid_deadline,
    };
    let lead = days(l.amendment_before_deadline_days);
    if changes_bids && deadline - now < lead {
        let earliest = now + lead;
        return Err(AppError::TimeLimit(format!(
            "an amendment that changes bids must be published at least {} days before the deadline; \
             move the deadline (new_bid_deadline) to {} or later [{}]",
            l.amendment_before_deadline_days,
            earliest.to_rfc3339(),
            l.basis
        )));
    }
    Ok(deadline)
}

/// Lifecycle timing: opening only after the deadline; award only after the
/// publicity period.
pub fn check_opening(bid_deadline: DateTime<Utc>, now: DateTime<Utc>) -> Result<(), AppError> {
    if now < bid_deadline {
        return Err(AppError::TimeLimit(format!(
            "the opening starts at the bid deadline ({}), not before",
            bid_deadline.to_rfc3339()
        )));
    }
    Ok(())
}

pub fn check_award(
    publicised_at: DateTime<Utc>,
    publicity_days: u32,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let ends = publicised_at + days(i64::from(publicity_days));
    if now < ends {
        return Err(AppError::TimeLimit(format!(
            "the candidates' publicity period runs until {}; the award can be made after it",
            ends.to_rfc3339()
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap()
    }

    fn facts(category: Category, method: Method, docs: i64, deadline_days: i64) -> DateFacts {
        DateFacts {
            category,
            method,
            documents_available_at: t0() + days(docs),
            clarification_deadline: t0() + days(deadline_days) - days(10),
            bid_deadline: t0() + days(deadline_days),
            publicity_days: 3,
        }
    }

    #[test]
    fn open_tendering_needs_20_days() {
        let ok = facts(
            Category::GovernmentProcurement,
            Method::OpenTendering,
            0,
            20,
        );
        assert!(check_publish(&ok, t0()).is_ok());
        let short = DateFacts {
            bid_deadline: ok.bid_deadline - Duration::seconds(1),
            ..ok
        };
        assert!(matches!(
            check_publish(&short, t0()),
            Err(AppError::TimeLimit(_))
        ));
        // Published a day later than planned: the period counts from publication.
        assert!(matches!(
            check_publish(&ok, t0() + days(1)),
            Err(AppError::TimeLimit(_))
        ));
    }

    #[test]
    fn every_category_has_a_rule_and_refuses_foreign_methods() {
        for c in Category::ALL {
            assert!(TABLE.iter().any(|(tc, _, _)| tc == c));
        }
        assert!(for_procedure(Category::EngineeringConstruction, Method::Auction).is_none());
        assert!(require(Category::EngineeringConstruction, Method::Auction).is_err());
        for (_, _, l) in TABLE {
            assert!(l.publicity_days >= 3);
        }
    }

    #[test]
    fn construction_clarifications_close_10_days_before() {
        let mut f = facts(
            Category::EngineeringConstruction,
            Method::OpenTendering,
            0,
            25,
        );
        f.clarification_deadline = f.bid_deadline - days(9);
        assert!(check_publish(&f, t0()).is_err());
        f.clarification_deadline = f.bid_deadline - days(10);
        assert!(check_publish(&f, t0()).is_ok());
    }

    #[test]
    fn publicity_at_least_3_days() {
        let mut f = facts(
            Category::GovernmentProcurement,
            Method::OpenTendering,
            0,
            30,
        );
        f.publicity_days = 2;
        assert!(check_publish(&f, t0()).is_err());
    }

    #[test]
    fn amendments_15_days_before_or_the_deadline_moves() {
        let f = facts(
            Category::GovernmentProcurement,
            Method::OpenTendering,
            0,
            30,
        );
        let published = TenderStatus::Published;
        // 20 days before the deadline: fine as it is.
        assert_eq!(
            check_amendment(&f, published, true, None, t0() + days(10)).unwrap(),
            f.bid_deadline
        );
        // 10 days before: refused unless the deadline moves 15 days out.
        let late = t0() + days(20);
        assert!(matches!(
            check_amendment(&f, published, true, None, late),
            Err(AppError::TimeLimit(_))
        ));
        assert!(check_amendment(&f, published, true, Some(late + days(14)), late).is_err());
        assert_eq!(
            check_amendment(&f, published, true, Some(late + days(15)), late).unwrap(),
            late + days(15)
        );
        // A change that does not affect bids needs no extension.
        assert!(check_amendment(&f, published, false, None, late).is_ok());
        // Never earlier, never after the deadline, never for a draft.
        assert!(
            check_amendment(&f, published, false, Some(f.bid_deadline - days(1)), late).is_err()
        );
        assert!(matches!(
            check_amendment(&f, published, false, None, f.bid_deadline),
            Err(AppError::DeadlinePassed(_))
        ));
        assert!(check_amendment(&f, TenderStatus::Draft, false, None, late).is_err());
    }

    #[test]
    fn opening_and_award_timing() {
        assert!(check_opening(t0(), t0() - Duration::seconds(1)).is_err());
        assert!(check_opening(t0(), t0()).is_ok());
        assert!(check_award(t0(), 3, t0() + days(3) - Duration::seconds(1)).is_err());
        assert!(check_award(t0(), 3, t0() + days(3)).is_ok());
    }
}
