//! Legal time limits per category and method, in one table, and the checks
//! that apply them (pure: `now` is a parameter).
//!
//! Periods the law states in working days are held here as ⌈n × 7 ⁄ 5⌉
//! calendar days, which covers n working days of ordinary weeks. Statutory
//! holidays are not modelled yet: a working-day period that spans the Spring
//! Festival or National Day needs a later deadline than this table demands,
//! and the tenderer must set it. Land listing's own minimum listing period
//! (10 working days, after the 20-day notice) is not checked separately.
//!
//! The same table holds how many bids each procedure needs
//! ([`MinimumBids`]: counted at the deadline, where too few bidders means
//! the bids are not opened, and again among the valid bids) and who reviews
//! the bidders' qualification ([`QualificationReview`]: the purchaser
//! before the room in government procurement tendering, the committee in
//! the room otherwise). Articles marked "check" are to be verified against
//! their text.

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
    /// How many bids the procedure needs.
    pub minimum_bids: MinimumBids,
    /// Who reviews the bidders' qualification, and when.
    pub qualification_review: QualificationReview,
}

/// How many bids a procedure needs: a property of its category and method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum MinimumBids {
    /// The winner is found by price in a live auction or listing, not by
    /// counting sealed bids: no minimum is applied here (the auction rules,
    /// with their own counts of bidders, are another issue's).
    NotByCount { basis: &'static str },
    /// At least `bids` bids.
    AtLeast {
        bids: u32,
        /// Counted at the deadline (the opening time): with fewer bidders
        /// the bids are not opened at all and the procedure fails.
        before_opening: bool,
        /// Where the count at the deadline comes from.
        basis: &'static str,
        /// Where it comes from that fewer valid bids than `bids` after the
        /// opening (or qualified ones after a review) fail the procedure.
        valid_basis: &'static str,
    },
}

impl MinimumBids {
    /// The minimum, if the procedure counts bids.
    pub fn bids(&self) -> Option<u32> {
        match self {
            MinimumBids::NotByCount { .. } => None,
            MinimumBids::AtLeast { bids, .. } => Some(*bids),
        }
    }

    /// Whether `bidders` bids at the deadline are too few to be opened.
    pub fn refuses_opening(&self, bidders: usize) -> bool {
        match self {
            MinimumBids::AtLeast {
                bids,
                before_opening: true,
                ..
            } => bidders < *bids as usize,
            _ => false,
        }
    }

    /// Whether `valid` bids (valid at the opening, or qualified after a
    /// review) are too few for the procedure to go on.
    pub fn too_few(&self, valid: usize) -> bool {
        self.bids().is_some_and(|bids| valid < bids as usize)
    }
}

/// Who reviews the bidders' qualification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(tag = "by", rename_all = "snake_case")]
pub enum QualificationReview {
    /// The purchaser or its agent, after the opening and before the
    /// committee's room; with fewer qualified bidders than the minimum the
    /// bids are not evaluated and the procedure fails.
    PurchaserOrAgent { basis: &'static str },
    /// The committee (or the negotiation, consultation or inquiry group),
    /// in the room.
    Committee,
    /// Bidders are admitted at registration, before an auction or listing
    /// (the auction rules, another issue's).
    AtRegistration,
}

#[allow(clippy::too_many_arguments)]
const fn limits(
    docs: i64,
    amend: i64,
    clar: i64,
    publicity: i64,
    basis: &'static str,
    minimum_bids: MinimumBids,
    qualification_review: QualificationReview,
) -> Limits {
    Limits {
        documents_to_deadline_days: docs,
        amendment_before_deadline_days: amend,
        clarification_before_deadline_days: clar,
        publicity_days: publicity,
        basis,
        minimum_bids,
        qualification_review,
    }
}

const fn at_least(
    bids: u32,
    before_opening: bool,
    basis: &'static str,
    valid_basis: &'static str,
) -> MinimumBids {
    MinimumBids::AtLeast {
        bids,
        before_opening,
        basis,
        valid_basis,
    }
}

/// Government procurement by tendering: three bidders at the deadline,
/// three qualified after the purchaser's review, three compliant after the
/// committee's.
const GP_TENDERING_BIDS: MinimumBids = at_least(
    3,
    true,
    "政府采购货物和服务招标投标管理办法 (财政部令第87号) 第43条 (check): 投标截止后投标人不足3家的，不开标，依法重新招标或经批准改用其他采购方式",
    "政府采购法 第36条: 符合专业条件的供应商或者对招标文件作实质响应的供应商不足三家的，应予废标",
);
/// 87号令 第44条: the purchaser reviews qualification after the opening.
const GP_TENDERING_REVIEW: QualificationReview = QualificationReview::PurchaserOrAgent {
    basis: "政府采购货物和服务招标投标管理办法 (财政部令第87号) 第44条: 开标结束后，采购人或者采购代理机构依法对投标人的资格进行审查；合格投标人不足3家的，不得评标",
};
const GP_NEGOTIATION_BIDS: MinimumBids = at_least(
    3,
    true,
    "政府采购非招标采购方式管理办法 (财政部令第74号) 第12条、第37条 (check): 符合要求的供应商不足3家的，终止竞争性谈判",
    "财政部令第74号 第37条 (check): 符合竞争要求的供应商不足3家的，终止竞争性谈判",
);
const GP_INQUIRY_BIDS: MinimumBids = at_least(
    3,
    true,
    "政府采购非招标采购方式管理办法 (财政部令第74号) 第12条、第48条 (check): 符合要求的供应商不足3家的，终止询价",
    "财政部令第74号 第48条 (check): 符合竞争要求的供应商不足3家的，终止询价",
);
/// Competitive consultation: 3. 财库〔2015〕124号 lets a consultation for
/// government-purchased services (PPP included) go on with 2; not applied.
const GP_CONSULTATION_BIDS: MinimumBids = at_least(
    3,
    true,
    "竞争性磋商采购方式管理暂行办法 (财库〔2014〕214号) 第6条、第35条 (check): 符合要求的供应商不足3家的，终止竞争性磋商 (财库〔2015〕124号 allows 2 for government-purchased services and PPP projects: not applied here)",
    "财库〔2014〕214号 第35条 (check): 符合要求的供应商不足3家的，终止竞争性磋商",
);
const GP_SINGLE_SOURCE_BIDS: MinimumBids = at_least(
    1,
    true,
    "政府采购法 第31条、第39条 (check): 单一来源采购与唯一的供应商进行",
    "政府采购法 第31条、第39条 (check): 单一来源采购与唯一的供应商进行",
);
const CONSTRUCTION_BIDS: MinimumBids = at_least(
    3,
    true,
    "招标投标法 第28条; 招标投标法实施条例 第44条: 投标人少于3个的，不得开标；招标人应当重新招标",
    "评标委员会和评标方法暂行规定 (七部委令第12号) 第27条 (check): 有效投标不足三个使得投标明显缺乏竞争的，可以否决全部投标，招标人应当依法重新招标",
);
const LAND_TENDERING_BIDS: MinimumBids = at_least(
    3,
    true,
    "招标拍卖挂牌出让国有建设用地使用权规定 (国土资源部令第39号) 第13条 (check): 投标人少于三人的，出让人应当终止招标活动",
    "国土资源部令第39号 第13条 (check)",
);
const PROPERTY_TENDERING_BIDS: MinimumBids = at_least(
    3,
    true,
    "招标投标法 第28条 (check: whether a transfer of state-owned property by tender follows the tendering law's minimum)",
    "招标投标法 第28条 (check)",
);
/// Auctions and listings find the highest price; the 3-bid rule of
/// tendering does not apply.
const BY_PRICE: MinimumBids = MinimumBids::NotByCount {
    basis: "价高者得: 招标拍卖挂牌出让国有建设用地使用权规定 (国土资源部令第39号) 第15–19条; 企业国有资产交易监督管理办法 第22条 (check); the auction rules are another issue's",
};
const BY_COMMITTEE: QualificationReview = QualificationReview::Committee;
const AT_REGISTRATION: QualificationReview = QualificationReview::AtRegistration;

const GP_TENDERING: &str =
    "政府采购法; 政府采购货物和服务招标投标管理办法 (财政部令第87号) 第16、27条";
const GP_NON_TENDERING: &str =
    "政府采购非招标采购方式管理办法 (财政部令第74号); 竞争性磋商采购方式管理暂行办法";
const CONSTRUCTION: &str = "招标投标法 第23、24条; 招标投标法实施条例 第21、22、54条";
const LAND: &str = "招标拍卖挂牌出让国有建设用地使用权规定 (国土资源部令第39号) 第10条";
const PROPERTY: &str =
    "企业国有资产交易监督管理办法 (国资委 财政部令第32号) 第13条 (20 working days)";

/// The table: which methods each category may use, their minimum periods,
/// their minimum bids and who reviews qualification.
pub const TABLE: &[(Category, Method, Limits)] = &[
    (
        Category::GovernmentProcurement,
        Method::OpenTendering,
        limits(
            20,
            15,
            0,
            3,
            GP_TENDERING,
            GP_TENDERING_BIDS,
            GP_TENDERING_REVIEW,
        ),
    ),
    (
        Category::GovernmentProcurement,
        Method::InvitedTendering,
        limits(
            20,
            15,
            0,
            3,
            GP_TENDERING,
            GP_TENDERING_BIDS,
            GP_TENDERING_REVIEW,
        ),
    ),
    (
        Category::GovernmentProcurement,
        Method::CompetitiveNegotiation,
        limits(
            5,
            5,
            0,
            3,
            GP_NON_TENDERING,
            GP_NEGOTIATION_BIDS,
            BY_COMMITTEE,
        ),
    ),
    (
        Category::GovernmentProcurement,
        Method::CompetitiveConsultation,
        limits(
            10,
            5,
            0,
            3,
            GP_NON_TENDERING,
            GP_CONSULTATION_BIDS,
            BY_COMMITTEE,
        ),
    ),
    (
        Category::GovernmentProcurement,
        Method::Inquiry,
        limits(5, 5, 0, 3, GP_NON_TENDERING, GP_INQUIRY_BIDS, BY_COMMITTEE),
    ),
    (
        Category::GovernmentProcurement,
        Method::SingleSource,
        limits(
            7,
            5,
            0,
            3,
            GP_NON_TENDERING,
            GP_SINGLE_SOURCE_BIDS,
            BY_COMMITTEE,
        ),
    ),
    (
        Category::EngineeringConstruction,
        Method::OpenTendering,
        limits(20, 15, 10, 3, CONSTRUCTION, CONSTRUCTION_BIDS, BY_COMMITTEE),
    ),
    (
        Category::EngineeringConstruction,
        Method::InvitedTendering,
        limits(20, 15, 10, 3, CONSTRUCTION, CONSTRUCTION_BIDS, BY_COMMITTEE),
    ),
    (
        Category::LandMiningRights,
        Method::OpenTendering,
        limits(20, 15, 0, 3, LAND, LAND_TENDERING_BIDS, BY_COMMITTEE),
    ),
    (
        Category::LandMiningRights,
        Method::Auction,
        limits(20, 15, 0, 3, LAND, BY_PRICE, AT_REGISTRATION),
    ),
    (
        Category::LandMiningRights,
        Method::Listing,
        limits(20, 15, 0, 3, LAND, BY_PRICE, AT_REGISTRATION),
    ),
    (
        Category::StateOwnedProperty,
        Method::Listing,
        limits(28, 15, 0, 3, PROPERTY, BY_PRICE, AT_REGISTRATION),
    ),
    (
        Category::StateOwnedProperty,
        Method::Auction,
        limits(28, 15, 0, 3, PROPERTY, BY_PRICE, AT_REGISTRATION),
    ),
    (
        Category::StateOwnedProperty,
        Method::OpenTendering,
        limits(
            28,
            15,
            0,
            3,
            PROPERTY,
            PROPERTY_TENDERING_BIDS,
            BY_COMMITTEE,
        ),
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

/// The minimum bids of a category and method (refusing a method the
/// category cannot use).
pub fn minimum_bids(category: Category, method: Method) -> Result<MinimumBids, AppError> {
    Ok(require(category, method)?.minimum_bids)
}

/// Who reviews qualification in a category and method.
pub fn qualification_review(
    category: Category,
    method: Method,
) -> Result<QualificationReview, AppError> {
    Ok(require(category, method)?.qualification_review)
}

impl MinimumBids {
    /// Why the bids are not opened, in Chinese then English, citing the
    /// rule (for the failure notice): `None` if `bidders` are enough.
    pub fn not_opened_reason(&self, bidders: usize) -> Option<String> {
        match self {
            MinimumBids::AtLeast { bids, basis, .. } if self.refuses_opening(bidders) => {
                Some(format!(
                    "投标截止时投标人不足{bids}家（{bidders} 家），投标文件不予开启，本次采购失败，应当重新组织采购。\
                     Fewer than {bids} bidders at the deadline ({bidders}): the bids are not opened and \
                     the procedure fails; it must be run again. 依据 Basis: {basis}"
                ))
            }
            _ => None,
        }
    }

    /// Why `valid` valid bids at the opening fail the procedure, in
    /// Chinese then English, citing the rule: `None` if they are enough.
    pub fn too_few_valid_reason(&self, valid: usize) -> Option<String> {
        match self {
            MinimumBids::AtLeast {
                bids, valid_basis, ..
            } if self.too_few(valid) => Some(format!(
                "开标有效投标不足{bids}家（{valid} 家），本次采购失败。\
                 Fewer than {bids} valid bids at the opening ({valid}): the procedure fails. \
                 依据 Basis: {valid_basis}"
            )),
            _ => None,
        }
    }
}

/// The README's table of minimum bids, made from [`TABLE`] (a unit test
/// keeps the README's copy equal to it).
pub fn minimums_markdown() -> String {
    let mut out = String::from(
        "| category | method | minimum bids | fewer bidders at the deadline | qualification reviewed by | basis |\n\
         |---|---|---|---|---|---|\n",
    );
    for (category, method, l) in TABLE {
        let (minimum, at_deadline, basis) = match l.minimum_bids {
            MinimumBids::NotByCount { basis } => {
                ("not by count".to_string(), "—", basis.to_string())
            }
            MinimumBids::AtLeast {
                bids,
                before_opening,
                basis,
                valid_basis,
            } => (
                bids.to_string(),
                if before_opening {
                    "not opened; the procedure fails"
                } else {
                    "opened"
                },
                if basis == valid_basis {
                    basis.to_string()
                } else {
                    format!("{basis}; valid bids: {valid_basis}")
                },
            ),
        };
        let (review, basis) = match l.qualification_review {
            QualificationReview::PurchaserOrAgent { basis: review } => (
                "the purchaser or its agent, before the room",
                format!("{basis}; qualification: {review}"),
            ),
            QualificationReview::Committee => ("the committee, in the room", basis),
            QualificationReview::AtRegistration => ("at registration, before the auction", basis),
        };
        out.push_str(&format!(
            "| {} | {} | {minimum} | {at_deadline} | {review} | {basis} |\n",
            category.code(),
            method.code()
        ));
    }
    out
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
    fn minimum_bids_per_category_and_method() {
        use Category as C;
        use Method as M;
        let min = |c, m| minimum_bids(c, m).unwrap();
        // Tendering: three bidders at the deadline, or the bids stay shut.
        for (c, m) in [
            (C::EngineeringConstruction, M::OpenTendering),
            (C::EngineeringConstruction, M::InvitedTendering),
            (C::GovernmentProcurement, M::OpenTendering),
            (C::GovernmentProcurement, M::InvitedTendering),
            (C::LandMiningRights, M::OpenTendering),
            (C::StateOwnedProperty, M::OpenTendering),
        ] {
            let rule = min(c, m);
            assert_eq!(rule.bids(), Some(3), "{c:?} {m:?}");
            assert!(rule.refuses_opening(2) && rule.refuses_opening(0));
            assert!(!rule.refuses_opening(3));
            assert!(rule.too_few(2) && !rule.too_few(3));
        }
        // Government procurement's other methods have their own minimums.
        for m in [
            M::CompetitiveNegotiation,
            M::CompetitiveConsultation,
            M::Inquiry,
        ] {
            assert_eq!(min(C::GovernmentProcurement, m).bids(), Some(3), "{m:?}");
        }
        let single = min(C::GovernmentProcurement, M::SingleSource);
        assert_eq!(single.bids(), Some(1));
        assert!(single.refuses_opening(0) && !single.refuses_opening(1));
        assert!(!single.too_few(1));
        // Listing and auction are decided by price, never by count.
        for (c, m) in [
            (C::LandMiningRights, M::Auction),
            (C::LandMiningRights, M::Listing),
            (C::StateOwnedProperty, M::Auction),
            (C::StateOwnedProperty, M::Listing),
        ] {
            let rule = min(c, m);
            assert!(
                matches!(rule, MinimumBids::NotByCount { .. }),
                "{c:?} {m:?}"
            );
            assert_eq!(rule.bids(), None);
            assert!(!rule.refuses_opening(0) && !rule.too_few(0));
            assert_eq!(rule.not_opened_reason(0), None);
            assert_eq!(rule.too_few_valid_reason(0), None);
        }
        assert!(minimum_bids(C::EngineeringConstruction, M::Auction).is_err());
        // Every rule says where it comes from.
        for (_, _, l) in TABLE {
            match l.minimum_bids {
                MinimumBids::NotByCount { basis } => assert!(!basis.is_empty()),
                MinimumBids::AtLeast {
                    bids,
                    basis,
                    valid_basis,
                    ..
                } => {
                    assert!(bids >= 1);
                    assert!(basis.contains('第') && valid_basis.contains('第'));
                }
            }
        }
    }

    #[test]
    fn the_purchaser_reviews_qualification_in_government_procurement_tendering_only() {
        for (c, m, l) in TABLE {
            let purchaser = matches!(
                l.qualification_review,
                QualificationReview::PurchaserOrAgent { .. }
            );
            let gp_tendering = *c == Category::GovernmentProcurement
                && matches!(m, Method::OpenTendering | Method::InvitedTendering);
            assert_eq!(purchaser, gp_tendering, "{c:?} {m:?}");
        }
        let QualificationReview::PurchaserOrAgent { basis } =
            qualification_review(Category::GovernmentProcurement, Method::OpenTendering).unwrap()
        else {
            panic!("the purchaser reviews");
        };
        assert!(basis.contains("第44条"), "{basis}");
    }

    #[test]
    fn failure_reasons_are_chinese_then_english_and_cite_the_rule() {
        let rule = minimum_bids(Category::EngineeringConstruction, Method::OpenTendering).unwrap();
        let why = rule.not_opened_reason(2).unwrap();
        assert!(why.starts_with("投标截止时投标人不足3家（2 家）"), "{why}");
        assert!(
            why.contains("Fewer than 3 bidders at the deadline (2)"),
            "{why}"
        );
        assert!(why.contains("招标投标法实施条例 第44条"), "{why}");
        assert_eq!(rule.not_opened_reason(3), None);
        let why = minimum_bids(Category::GovernmentProcurement, Method::OpenTendering)
            .unwrap()
            .too_few_valid_reason(1)
            .unwrap();
        assert!(why.starts_with("开标有效投标不足3家（1 家）"), "{why}");
        assert!(why.contains("政府采购法 第36条"), "{why}");
    }

    #[test]
    fn the_readme_holds_the_table_of_minimums() {
        let readme = include_str!("../../README.md");
        let table = minimums_markdown();
        assert!(
            readme.contains(&table),
            "README.md must hold the table of tenders::limits::minimums_markdown():\n{table}"
        );
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
