//! Who sits on a committee, by law: how many members at least, odd, at
//! least two thirds of them experts drawn from the pool, the rest the
//! tenderer's representatives, named by the tenderer and not drawn. One
//! table per (category, method) with the article each figure comes from,
//! and the check the organiser's rules go through when the draw is
//! committed. Pure: no database, no clock.
//!
//! The figures, and where they come from:
//! - Tendering (engineering construction; land and property sold by
//!   tender): 招标投标法 第37条 — 5 or more, odd, experts in technical,
//!   economic and other fields at least two thirds; the tenderer's
//!   representative (招标人的代表) may sit.
//! - Government procurement by tendering: 政府采购货物和服务招标投标管理办法
//!   (财政部令第87号) 第47条 — 采购人代表 and experts, 5 or more, odd,
//!   experts at least two thirds; 7 or more when the budget is ¥10 million
//!   or more, or the project is technically complex, or of large social
//!   impact (the organiser says so, with a reason: `complex`). The same
//!   article: an expert of the purchaser's own unit sits only as its
//!   representative, and the agent's staff do not sit.
//! - Competitive negotiation and inquiry: 政府采购非招标采购方式管理办法
//!   (财政部令第74号) 第7条 — 采购人代表 and experts, 3 or more, odd, experts
//!   at least two thirds; 5 or more when the project reaches the public
//!   tendering threshold (a figure of the region's procurement catalogue:
//!   [`PUBLIC_TENDERING_THRESHOLD_FEN`], check).
//! - Competitive consultation: 竞争性磋商采购方式管理暂行办法 (财库〔2014〕214号)
//!   第14条 — 3 or more, odd, experts at least two thirds (check).
//! - Single source: 政府采购法 第39条 and 74号令 第41条 have the purchaser
//!   agree the price with the supplier through "personnel with relevant
//!   experience", no committee size (check): kept at 3, odd, experts at least
//!   two thirds, the platform's floor.
//! - Land and property by listing or auction: the highest price wins; there
//!   is no committee (issue 25 brings auctions), so no rules are set.
//!
//! Budgets in a currency other than CNY cannot be compared with a figure in
//! yuan: the larger minimum applies (the organiser can always choose more).

use crate::error::FieldError;
use crate::tenders::model::{Category, Method};
use serde::Serialize;
use serde_json::json;

/// ¥10 million in fen: a government procurement tender at or above it has 7
/// members or more (87号令 第47条第二款第一项).
pub const LARGE_GP_TENDERING_FEN: i64 = 10_000_000 * 100;

/// The public tendering threshold of government procurement (公开招标数额标准)
/// in fen: negotiation and inquiry committees of projects at or above it
/// have 5 members or more (74号令 第7条). The region's catalogue sets it: 广西
/// 政府集中采购目录及标准 ¥4 million for goods and services (check the edition
/// in force; the central units' is ¥2 million, 国办发〔2019〕41号). Works
/// reach it at the tendering scale of 必须招标的工程项目规定 第5条 (¥4 million
/// for construction): the same figure, until tenders say what they buy.
pub const PUBLIC_TENDERING_THRESHOLD_FEN: i64 = 4_000_000 * 100;

/// The most members a committee may have on this platform (not a legal
/// figure: a bound on what one room can run).
pub const MAX_MEMBERS: u32 = 25;

/// When a committee must be larger than its category's least.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Larger {
    /// The budget reaches `at_fen`, or the organiser marks the project
    /// technically complex or of large social impact.
    BudgetOrComplex { at_fen: i64, members: u32 },
    /// The budget reaches `at_fen`.
    Budget { at_fen: i64, members: u32 },
}

/// One row of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    pub category: Category,
    pub method: Method,
    /// The least number of members (odd).
    pub members: u32,
    pub larger: Option<Larger>,
    /// Where the figures come from.
    pub basis: &'static str,
}

const TENDERING: &str = "招标投标法 第37条";
const GP_TENDERING: &str = "政府采购货物和服务招标投标管理办法 (财政部令第87号) 第47条";
const GP_NEGOTIATION: &str = "政府采购非招标采购方式管理办法 (财政部令第74号) 第7条";
const GP_CONSULTATION: &str = "竞争性磋商采购方式管理暂行办法 (财库〔2014〕214号) 第14条 (check)";
const GP_SINGLE_SOURCE: &str =
    "政府采购法 第39条; 财政部令第74号 第41条 (no size in law: the platform's floor of 3, check)";
const LAND_TENDERING: &str =
    "招标拍卖挂牌出让国有建设用地使用权规定 (国土资源部令第39号) 第14条; 招标投标法 第37条 (check)";
const PROPERTY_TENDERING: &str = "招标投标法 第37条, applied to transfers by tender (check)";

const fn rule(
    category: Category,
    method: Method,
    members: u32,
    larger: Option<Larger>,
    basis: &'static str,
) -> Rule {
    Rule {
        category,
        method,
        members,
        larger,
        basis,
    }
}

const GP_LARGE: Option<Larger> = Some(Larger::BudgetOrComplex {
    at_fen: LARGE_GP_TENDERING_FEN,
    members: 7,
});
const GP_THRESHOLD: Option<Larger> = Some(Larger::Budget {
    at_fen: PUBLIC_TENDERING_THRESHOLD_FEN,
    members: 5,
});

/// The table: every (category, method) that has a committee. A method of
/// the tenders' table (`tenders::limits::TABLE`) missing here has none.
pub const TABLE: &[Rule] = &[
    rule(
        Category::GovernmentProcurement,
        Method::OpenTendering,
        5,
        GP_LARGE,
        GP_TENDERING,
    ),
    rule(
        Category::GovernmentProcurement,
        Method::InvitedTendering,
        5,
        GP_LARGE,
        GP_TENDERING,
    ),
    rule(
        Category::GovernmentProcurement,
        Method::CompetitiveNegotiation,
        3,
        GP_THRESHOLD,
        GP_NEGOTIATION,
    ),
    rule(
        Category::GovernmentProcurement,
        Method::Inquiry,
        3,
        GP_THRESHOLD,
        GP_NEGOTIATION,
    ),
    rule(
        Category::GovernmentProcurement,
        Method::CompetitiveConsultation,
        3,
        None,
        GP_CONSULTATION,
    ),
    rule(
        Category::GovernmentProcurement,
        Method::SingleSource,
        3,
        None,
        GP_SINGLE_SOURCE,
    ),
    rule(
        Category::EngineeringConstruction,
        Method::OpenTendering,
        5,
        None,
        TENDERING,
    ),
    rule(
        Category::EngineeringConstruction,
        Method::InvitedTendering,
        5,
        None,
        TENDERING,
    ),
    rule(
        Category::LandMiningRights,
        Method::OpenTendering,
        5,
        None,
        LAND_TENDERING,
    ),
    rule(
        Category::StateOwnedProperty,
        Method::OpenTendering,
        5,
        None,
        PROPERTY_TENDERING,
    ),
];

/// The row for a procedure, or `None` when it has no committee.
pub fn rule_for(category: Category, method: Method) -> Option<&'static Rule> {
    TABLE
        .iter()
        .find(|r| r.category == category && r.method == method)
}

/// Why a procedure has no committee, to say when rules are set for it.
pub fn no_committee(category: Category, method: Method) -> String {
    match method {
        Method::Listing | Method::Auction => format!(
            "{} by {} has no evaluation committee: the highest price wins (a committee evaluates only where the method is tendering)",
            category.code(),
            method.code()
        ),
        _ => format!(
            "{} by {} has no evaluation committee on this platform",
            category.code(),
            method.code()
        ),
    }
}

/// What the minimum depends on.
#[derive(Debug, Clone, Copy)]
pub struct Facts {
    pub category: Category,
    pub method: Method,
    /// The tender's budget, in the currency's minor unit.
    pub budget_fen: i64,
    /// Whether the budget is in yuan (CNY); if not, it is not compared
    /// with the figures in yuan and the larger minimum applies.
    pub budget_in_cny: bool,
    /// The organiser marked the project technically complex or of large
    /// social impact (87号令 第47条).
    pub complex: bool,
}

/// The least committee for a procedure, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Minimum {
    /// The least number of members.
    pub members: u32,
    /// The rule, with the article, and the reason a larger committee is
    /// needed, if it is.
    pub basis: String,
}

/// ⌈2⁄3 × members⌉: the least number of experts among `members`.
pub fn least_experts(members: u32) -> u32 {
    (u64::from(members) * 2).div_ceil(3) as u32
}

/// The most representatives a committee of `members` may hold.
pub fn most_representatives(members: u32) -> u32 {
    members - least_experts(members)
}

const COMPLEX: &str =
    "the organiser marks the project technically complex or of large social impact";

/// The least committee for `facts`; `None` when the procedure has none.
pub fn minimum(facts: &Facts) -> Option<Minimum> {
    let rule = rule_for(facts.category, facts.method)?;
    let reaches = |at: i64| !facts.budget_in_cny || facts.budget_fen >= at;
    let budget = |at: i64| {
        if facts.budget_in_cny {
            format!("the budget reaches ¥{}", at / 100)
        } else {
            format!(
                "the budget is not in CNY, so it is taken to reach ¥{}",
                at / 100
            )
        }
    };
    let larger = match rule.larger {
        Some(Larger::BudgetOrComplex { members, .. }) if facts.complex => {
            Some((members, COMPLEX.to_string()))
        }
        Some(Larger::BudgetOrComplex { at_fen, members })
        | Some(Larger::Budget { at_fen, members })
            if reaches(at_fen) =>
        {
            Some((members, budget(at_fen)))
        }
        _ => None,
    };
    Some(match larger {
        Some((members, why)) => Minimum {
            members,
            basis: format!("{} ({why})", rule.basis),
        },
        None => Minimum {
            members: rule.members,
            basis: rule.basis.to_string(),
        },
    })
}

/// Whether `complex` means anything for the procedure (only where a
/// larger committee follows from it).
pub fn complex_applies(category: Category, method: Method) -> bool {
    rule_for(category, method)
        .is_some_and(|r| matches!(r.larger, Some(Larger::BudgetOrComplex { .. })))
}

/// What is wrong with a committee of `members` of which `representatives`
/// are the tenderer's, against `minimum`: each problem as a field error
/// with its rule, `size` for the count and `representatives` for the share.
pub fn check(members: u32, representatives: u32, minimum: &Minimum) -> Vec<FieldError> {
    let mut problems = Vec::new();
    let basis = crate::reasons::cite(&minimum.basis);
    let described = if representatives == 0 {
        format!("{members} members")
    } else {
        format!(
            "{members} members ({} drawn experts and {representatives} representative{})",
            members.saturating_sub(representatives),
            if representatives == 1 { "" } else { "s" }
        )
    };
    let odd = !members.is_multiple_of(2);
    let enough = members >= minimum.members;
    if !odd || !enough {
        let rule = match (odd, enough) {
            (false, false) => format!(
                "a committee has an odd number of members, at least {}",
                minimum.members
            ),
            (false, true) => "a committee has an odd number of members".to_string(),
            _ => format!("a committee has at least {} members", minimum.members),
        };
        problems.push(
            FieldError::new(
                "size",
                format!("{rule}; this one has {described} ({})", minimum.basis),
            )
            .because(
                "committee.size",
                json!({ "min": minimum.members, "members": members, "basis": basis }),
            ),
        );
    }
    if members > MAX_MEMBERS {
        problems.push(
            FieldError::new(
                "size",
                format!("at most {MAX_MEMBERS} members on this platform"),
            )
            .because("committee.size-max", json!({ "max": MAX_MEMBERS })),
        );
    }
    if representatives > 0 && representatives >= members {
        problems.push(
            FieldError::new(
                "representatives",
                format!(
                    "the committee's size counts its representatives: {representatives} representative{} leave no seat for the experts",
                    if representatives == 1 { "" } else { "s" }
                ),
            )
            .because(
                "committee.representatives-fill",
                json!({ "representatives": representatives }),
            ),
        );
    } else if representatives > most_representatives(members) {
        problems.push(
            FieldError::new(
                "representatives",
                format!(
                    "experts are at least two thirds of the members: a committee of {members} has at least {} experts, so at most {} representative{} ({})",
                    least_experts(members),
                    most_representatives(members),
                    if most_representatives(members) == 1 { "" } else { "s" },
                    minimum.basis
                ),
            )
            .because(
                "committee.experts-two-thirds",
                json!({
                    "members": members,
                    "experts": least_experts(members),
                    "max": most_representatives(members),
                    "basis": basis,
                }),
            ),
        );
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(category: Category, method: Method, yuan: i64) -> Facts {
        Facts {
            category,
            method,
            budget_fen: yuan * 100,
            budget_in_cny: true,
            complex: false,
        }
    }

    const GP: Category = Category::GovernmentProcurement;
    const WORKS: Category = Category::EngineeringConstruction;

    fn least(f: Facts) -> Option<u32> {
        minimum(&f).map(|m| m.members)
    }

    #[test]
    fn the_least_committee_follows_the_category_the_method_and_the_value() {
        assert_eq!(least(facts(WORKS, Method::OpenTendering, 1)), Some(5));
        assert_eq!(
            least(facts(WORKS, Method::InvitedTendering, 900_000_000)),
            Some(5),
            "construction has no larger committee by value"
        );
        assert_eq!(least(facts(GP, Method::OpenTendering, 9_999_999)), Some(5));
        assert_eq!(least(facts(GP, Method::OpenTendering, 10_000_000)), Some(7));
        let m = minimum(&facts(GP, Method::InvitedTendering, 12_000_000)).unwrap();
        assert!(
            m.basis.contains("第87号") && m.basis.contains("¥10000000"),
            "{m:?}"
        );
        let mut complex = facts(GP, Method::OpenTendering, 1_000);
        complex.complex = true;
        let m = minimum(&complex).unwrap();
        assert_eq!(m.members, 7);
        assert!(m.basis.contains("complex"), "{m:?}");
        let mut foreign = facts(GP, Method::OpenTendering, 1_000);
        foreign.budget_in_cny = false;
        assert_eq!(least(foreign), Some(7), "not in CNY: the larger minimum");
        for method in [Method::CompetitiveNegotiation, Method::Inquiry] {
            assert_eq!(least(facts(GP, method, 3_999_999)), Some(3));
            assert_eq!(least(facts(GP, method, 4_000_000)), Some(5));
        }
        assert_eq!(
            least(facts(GP, Method::CompetitiveConsultation, 90_000_000)),
            Some(3)
        );
        assert_eq!(least(facts(GP, Method::SingleSource, 90_000_000)), Some(3));
        assert_eq!(
            least(facts(Category::LandMiningRights, Method::OpenTendering, 1)),
            Some(5)
        );
        assert_eq!(
            least(facts(
                Category::StateOwnedProperty,
                Method::OpenTendering,
                1
            )),
            Some(5)
        );
        for (c, m) in [
            (Category::LandMiningRights, Method::Listing),
            (Category::LandMiningRights, Method::Auction),
            (Category::StateOwnedProperty, Method::Listing),
            (Category::StateOwnedProperty, Method::Auction),
        ] {
            assert_eq!(least(facts(c, m, 1)), None, "{c:?} {m:?}");
            assert!(no_committee(c, m).contains("highest price wins"));
        }
        assert!(complex_applies(GP, Method::OpenTendering));
        assert!(!complex_applies(GP, Method::Inquiry));
        assert!(!complex_applies(WORKS, Method::OpenTendering));
    }

    #[test]
    fn every_procedure_the_tenders_allow_but_listing_and_auction_has_a_committee() {
        for (category, method, _) in crate::tenders::limits::TABLE {
            let has = rule_for(*category, *method).is_some();
            let priced = matches!(method, Method::Listing | Method::Auction);
            assert_eq!(has, !priced, "{category:?} {method:?}");
        }
        for r in TABLE {
            assert!(r.members % 2 == 1 && !r.basis.is_empty(), "{r:?}");
        }
    }

    #[test]
    fn experts_are_at_least_two_thirds() {
        assert_eq!(
            [3, 5, 7, 9, 11].map(least_experts),
            [2, 4, 5, 6, 8],
            "⌈2n⁄3⌉"
        );
        assert_eq!([3, 5, 7, 9, 11].map(most_representatives), [1, 1, 2, 3, 3]);
    }

    #[test]
    fn a_committee_is_odd_large_enough_and_mostly_experts() {
        let five = minimum(&facts(WORKS, Method::OpenTendering, 1)).unwrap();
        let fields = |members, reps| -> Vec<String> {
            check(members, reps, &five)
                .into_iter()
                .map(|e| e.field)
                .collect()
        };
        assert!(fields(5, 0).is_empty());
        assert!(fields(5, 1).is_empty(), "4 experts and a representative");
        assert!(fields(7, 2).is_empty());
        assert_eq!(fields(6, 0), ["size"]);
        assert_eq!(fields(3, 0), ["size"]);
        assert_eq!(fields(4, 0), ["size"]);
        let FieldError { message, .. } = &check(4, 0, &five)[0];
        assert!(
            message.contains("odd number of members, at least 5"),
            "{message}"
        );
        assert_eq!(fields(5, 2), ["representatives"]);
        assert_eq!(fields(27, 0), ["size"]);
        assert_eq!(fields(26, 0), ["size", "size"], "even, and too many");
        assert_eq!(fields(1, 1), ["size", "representatives"]);
        let FieldError { message, .. } = &check(5, 2, &five)[0];
        assert!(
            message.contains("two thirds") && message.contains("招标投标法 第37条"),
            "{message}"
        );
        let FieldError { message, .. } = &check(6, 1, &five)[0];
        assert!(
            message.contains("5 drawn experts and 1 representative"),
            "{message}"
        );
    }
}
