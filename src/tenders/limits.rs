//! Legal time limits per category and method, in one table, and the checks
//! that apply them (pure: `now` and the working-day calendar are
//! parameters).
//!
//! Each period says its unit ([`DayUnit`]) and its article ([`Period`]):
//! calendar days (日) are counted on the clock; working days (工作日) are
//! counted on the working-day calendar ([`crate::calendar`]), which skips
//! weekends and public holidays and counts the official make-up working
//! days, so a period that spans National Day or the Spring Festival ends
//! where the official arrangement says. A period in working days that
//! reaches a year the calendar does not hold is refused, not guessed.
//! Callers load the calendar with `crate::calendar::current(conn)`.
//!
//! Working-day periods in the table: state-owned property's 20 working
//! days of disclosure (企业国有资产交易监督管理办法 第13条), and government
//! procurement's non-tendering methods (negotiation and inquiry: 3 working
//! days for responses and before the deadline for changes; single source:
//! 5 working days of publicity). Land listing's own listing period
//! (国土资源部令第39号: 10 days, check whether calendar or working days)
//! is not checked separately: a tender here has no listing start apart
//! from its deadline.
//!
//! The same table holds how many bids each procedure needs
//! ([`MinimumBids`]: counted at the deadline, where too few bidders means
//! the bids are not opened, and again among the valid bids) and who reviews
//! the bidders' qualification ([`QualificationReview`]: the purchaser
//! before the room in government procurement tendering, the committee in
//! the room otherwise). Articles marked "check" are to be verified against
//! their text.

use super::model::{Category, KeyDates, Method, TenderStatus};
use crate::calendar::Calendar;
use crate::error::{AppError, FieldError};
use crate::reasons::time;
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use serde_json::json;

/// Whether a period counts calendar days or working days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DayUnit {
    /// 日: every day counts.
    CalendarDays,
    /// 工作日: counted on the working-day calendar (`GET /calendar`).
    WorkingDays,
}

/// A minimum period: so many days of a unit, from an article.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Period {
    /// 0: no such period in this procedure.
    pub days: u32,
    pub unit: DayUnit,
    /// Where it comes from.
    pub basis: &'static str,
    /// The article alone, as a refusal's sentence cites it in either
    /// language (`《政府采购法》第三十五条`): the `basis` param of the
    /// `tender.*-period` reasons.
    #[serde(skip)]
    pub cite: &'static str,
}

impl Period {
    /// A period in calendar days (日).
    pub const fn calendar(days: u32, basis: &'static str) -> Period {
        Period {
            days,
            unit: DayUnit::CalendarDays,
            basis,
            cite: basis,
        }
    }

    /// A period in working days (工作日), counted on the calendar.
    pub const fn working(days: u32, basis: &'static str) -> Period {
        Period {
            days,
            unit: DayUnit::WorkingDays,
            basis,
            cite: basis,
        }
    }

    /// The same period, citing its article as `cite`.
    pub const fn cited(self, cite: &'static str) -> Period {
        Period { cite, ..self }
    }

    /// The unit's code, as the reasons' `unit` param gives it.
    pub fn unit_code(&self) -> &'static str {
        match self.unit {
            DayUnit::CalendarDays => "calendar_days",
            DayUnit::WorkingDays => "working_days",
        }
    }

    /// The earliest end of this period started at `from`: `from` plus the
    /// days, or the end (24:00 Beijing time) of the n-th working day after
    /// `from`'s date. Refused for working days the calendar does not hold.
    pub fn end(&self, from: DateTime<Utc>, calendar: &Calendar) -> Result<DateTime<Utc>, AppError> {
        match self.unit {
            DayUnit::CalendarDays => Ok(from + days(i64::from(self.days))),
            DayUnit::WorkingDays => calendar.working_deadline(from, self.days),
        }
    }

    /// "20 working days", "15 calendar days".
    pub fn describe(&self) -> String {
        match self.unit {
            DayUnit::CalendarDays => format!("{} calendar days", self.days),
            DayUnit::WorkingDays => format!("{} working days", self.days),
        }
    }
}

/// Minimum periods, each with its unit and article.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Limits {
    /// From the documents being available to the bid deadline.
    pub documents_to_deadline: Period,
    /// An amendment that changes bids must be published at least this long
    /// before the deadline, or the deadline moves.
    pub amendment_before_deadline: Period,
    /// Clarification requests close at least this long before the deadline.
    pub clarification_before_deadline: Period,
    /// Candidates are publicised for at least this long (calendar days).
    pub publicity: Period,
    /// The procedure's rules.
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

const fn limits(
    periods: [Period; 4],
    basis: &'static str,
    minimum_bids: MinimumBids,
    qualification_review: QualificationReview,
) -> Limits {
    let [
        documents_to_deadline,
        amendment_before_deadline,
        clarification_before_deadline,
        publicity,
    ] = periods;
    Limits {
        documents_to_deadline,
        amendment_before_deadline,
        clarification_before_deadline,
        publicity,
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
    "政府采购非招标采购方式管理办法 (财政部令第74号) 第12条、第37条: 符合要求的供应商不足3家的，终止竞争性谈判",
    "财政部令第74号 第37条: 符合竞争要求的供应商不足3家的，终止竞争性谈判",
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
    "政府采购法 第31条、第39条: 单一来源采购与唯一的供应商进行",
    "政府采购法 第31条、第39条: 单一来源采购与唯一的供应商进行",
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
    "招标投标法 第28条: 投标人少于三个的，招标人应当依照本法重新招标",
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

// The periods, each with its article.
const GP_DOCS: Period = Period::calendar(
    20,
    "政府采购法 第35条: 自招标文件开始发出之日起至投标人提交投标文件截止之日止，不得少于二十日",
)
.cited("《政府采购法》第三十五条");
const GP_AMEND: Period = Period::calendar(
    15,
    "政府采购货物和服务招标投标管理办法 (财政部令第87号) 第27条: 澄清或者修改的内容可能影响投标文件编制的，应当在投标截止时间至少15日前通知；不足15日的，顺延投标截止时间",
)
.cited("《政府采购货物和服务招标投标管理办法》（财政部令第87号）第二十七条");
const NEGOTIATION_DOCS: Period = Period::working(
    3,
    "政府采购非招标采购方式管理办法 (财政部令第74号) 第29条: 从谈判文件发出之日起至供应商提交首次响应文件截止之日止不得少于3个工作日",
)
.cited("《政府采购非招标采购方式管理办法》（财政部令第74号）第二十九条");
const INQUIRY_DOCS: Period = Period::working(
    3,
    "财政部令第74号 第45条: 从询价通知书发出之日起至供应商提交响应文件截止之日止不得少于3个工作日",
)
.cited("《政府采购非招标采购方式管理办法》（财政部令第74号）第四十五条");
const NON_TENDERING_AMEND: Period = Period::working(
    3,
    "财政部令第74号 第29条 (谈判)、第45条 (询价): 澄清或者修改的内容可能影响响应文件编制的，应当在提交首次响应文件截止之日3个工作日前通知；不足3个工作日的，顺延",
)
.cited("《政府采购非招标采购方式管理办法》（财政部令第74号）第二十九条、第四十五条");
const CONSULTATION_DOCS: Period = Period::calendar(
    10,
    "竞争性磋商采购方式管理暂行办法 (财库〔2014〕214号) 第10条: 从磋商文件发出之日起至供应商提交首次响应文件截止之日止不得少于10日",
)
.cited("《政府采购竞争性磋商采购方式管理暂行办法》（财库〔2014〕214号）第十条");
const CONSULTATION_AMEND: Period = Period::calendar(
    5,
    "财库〔2014〕214号 第10条: 澄清或者修改的内容可能影响响应文件编制的，应当在提交首次响应文件截止时间至少5日前通知",
)
.cited("《政府采购竞争性磋商采购方式管理暂行办法》（财库〔2014〕214号）第十条");
const SINGLE_SOURCE_DOCS: Period = Period::working(
    5,
    "政府采购法实施条例 第38条: 单一来源采购的公示期不得少于5个工作日 (held here as the least time before the response deadline)",
)
.cited("《政府采购法实施条例》第三十八条");
const CONSTRUCTION_DOCS: Period = Period::calendar(
    20,
    "招标投标法 第24条: 自招标文件开始发出之日起至投标人提交投标文件截止之日止，最短不得少于二十日",
)
.cited("《招标投标法》第二十四条");
const CONSTRUCTION_AMEND: Period = Period::calendar(
    15,
    "招标投标法 第23条; 招标投标法实施条例 第21条: 澄清或者修改的内容可能影响投标文件编制的，应当在投标截止时间至少15日前通知",
)
.cited("《招标投标法》第二十三条；《招标投标法实施条例》第二十一条");
const CONSTRUCTION_CLARIFICATION: Period = Period::calendar(
    10,
    "招标投标法实施条例 第22条: 对招标文件有异议的，应当在投标截止时间10日前提出",
)
.cited("《招标投标法实施条例》第二十二条");
const LAND_DOCS: Period = Period::calendar(
    20,
    "招标拍卖挂牌出让国有建设用地使用权规定 (国土资源部令第39号) 第10条: 出让人应当至少在投标、拍卖或者挂牌开始日前20日发布公告",
)
.cited("《招标拍卖挂牌出让国有建设用地使用权规定》（国土资源部令第39号）第十条");
const PROPERTY_DOCS: Period = Period::working(
    20,
    "企业国有资产交易监督管理办法 (国资委 财政部令第32号) 第13条: 正式披露信息时间不得少于20个工作日; counted on the official calendar, holidays skipped and make-up days worked (企业国有产权交易操作规则 第18条, check)",
)
.cited("《企业国有资产交易监督管理办法》（国资委 财政部令第32号）第十三条");
const PLATFORM_AMEND: Period = Period::calendar(
    15,
    "the platform's rule, after 招标投标法 第23条 (the category's own rules set no period for amendments: check)",
)
.cited("本平台规则（参照《招标投标法》第二十三条）");
const NO_CLARIFICATION_CLOSE: Period = Period::calendar(
    0,
    "none: the procedure's rules close no clarification requests before the deadline",
)
.cited("无");
const PUBLICITY: Period = Period::calendar(
    3,
    "招标投标法实施条例 第54条: 中标候选人公示期不得少于3日 (applied to every procedure until its own results rules)",
)
.cited("《招标投标法实施条例》第五十四条");

/// The table: which methods each category may use, their minimum periods,
/// their minimum bids and who reviews qualification.
pub const TABLE: &[(Category, Method, Limits)] = &[
    (
        Category::GovernmentProcurement,
        Method::OpenTendering,
        limits(
            [GP_DOCS, GP_AMEND, NO_CLARIFICATION_CLOSE, PUBLICITY],
            GP_TENDERING,
            GP_TENDERING_BIDS,
            GP_TENDERING_REVIEW,
        ),
    ),
    (
        Category::GovernmentProcurement,
        Method::InvitedTendering,
        limits(
            [GP_DOCS, GP_AMEND, NO_CLARIFICATION_CLOSE, PUBLICITY],
            GP_TENDERING,
            GP_TENDERING_BIDS,
            GP_TENDERING_REVIEW,
        ),
    ),
    (
        Category::GovernmentProcurement,
        Method::CompetitiveNegotiation,
        limits(
            [
                NEGOTIATION_DOCS,
                NON_TENDERING_AMEND,
                NO_CLARIFICATION_CLOSE,
                PUBLICITY,
            ],
            GP_NON_TENDERING,
            GP_NEGOTIATION_BIDS,
            BY_COMMITTEE,
        ),
    ),
    (
        Category::GovernmentProcurement,
        Method::CompetitiveConsultation,
        limits(
            [
                CONSULTATION_DOCS,
                CONSULTATION_AMEND,
                NO_CLARIFICATION_CLOSE,
                PUBLICITY,
            ],
            GP_NON_TENDERING,
            GP_CONSULTATION_BIDS,
            BY_COMMITTEE,
        ),
    ),
    (
        Category::GovernmentProcurement,
        Method::Inquiry,
        limits(
            [
                INQUIRY_DOCS,
                NON_TENDERING_AMEND,
                NO_CLARIFICATION_CLOSE,
                PUBLICITY,
            ],
            GP_NON_TENDERING,
            GP_INQUIRY_BIDS,
            BY_COMMITTEE,
        ),
    ),
    (
        Category::GovernmentProcurement,
        Method::SingleSource,
        limits(
            [
                SINGLE_SOURCE_DOCS,
                NON_TENDERING_AMEND,
                NO_CLARIFICATION_CLOSE,
                PUBLICITY,
            ],
            GP_NON_TENDERING,
            GP_SINGLE_SOURCE_BIDS,
            BY_COMMITTEE,
        ),
    ),
    (
        Category::EngineeringConstruction,
        Method::OpenTendering,
        limits(
            [
                CONSTRUCTION_DOCS,
                CONSTRUCTION_AMEND,
                CONSTRUCTION_CLARIFICATION,
                PUBLICITY,
            ],
            CONSTRUCTION,
            CONSTRUCTION_BIDS,
            BY_COMMITTEE,
        ),
    ),
    (
        Category::EngineeringConstruction,
        Method::InvitedTendering,
        limits(
            [
                CONSTRUCTION_DOCS,
                CONSTRUCTION_AMEND,
                CONSTRUCTION_CLARIFICATION,
                PUBLICITY,
            ],
            CONSTRUCTION,
            CONSTRUCTION_BIDS,
            BY_COMMITTEE,
        ),
    ),
    (
        Category::LandMiningRights,
        Method::OpenTendering,
        limits(
            [LAND_DOCS, PLATFORM_AMEND, NO_CLARIFICATION_CLOSE, PUBLICITY],
            LAND,
            LAND_TENDERING_BIDS,
            BY_COMMITTEE,
        ),
    ),
    (
        Category::LandMiningRights,
        Method::Auction,
        limits(
            [LAND_DOCS, PLATFORM_AMEND, NO_CLARIFICATION_CLOSE, PUBLICITY],
            LAND,
            BY_PRICE,
            AT_REGISTRATION,
        ),
    ),
    (
        Category::LandMiningRights,
        Method::Listing,
        limits(
            [LAND_DOCS, PLATFORM_AMEND, NO_CLARIFICATION_CLOSE, PUBLICITY],
            LAND,
            BY_PRICE,
            AT_REGISTRATION,
        ),
    ),
    (
        Category::StateOwnedProperty,
        Method::Listing,
        limits(
            [
                PROPERTY_DOCS,
                PLATFORM_AMEND,
                NO_CLARIFICATION_CLOSE,
                PUBLICITY,
            ],
            PROPERTY,
            BY_PRICE,
            AT_REGISTRATION,
        ),
    ),
    (
        Category::StateOwnedProperty,
        Method::Auction,
        limits(
            [
                PROPERTY_DOCS,
                PLATFORM_AMEND,
                NO_CLARIFICATION_CLOSE,
                PUBLICITY,
            ],
            PROPERTY,
            BY_PRICE,
            AT_REGISTRATION,
        ),
    ),
    (
        Category::StateOwnedProperty,
        Method::OpenTendering,
        limits(
            [
                PROPERTY_DOCS,
                PLATFORM_AMEND,
                NO_CLARIFICATION_CLOSE,
                PUBLICITY,
            ],
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
        AppError::invalid_field(
            FieldError::new(
                "method",
                format!(
                    "{} cannot use {}; allowed: {}",
                    category.code(),
                    method.code(),
                    allowed.join(", ")
                ),
            )
            .because(
                "tender.method-not-allowed",
                json!({ "category": category.code(), "method": method.code() }),
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

/// The README's table of minimum periods with their units, made from
/// [`TABLE`] (a unit test keeps the README's copy equal to it).
pub fn periods_markdown() -> String {
    let mut out = String::from(
        "| category | method | documents available to the bid deadline | amendment changing bids, before the deadline | clarification requests close before the deadline | candidates publicised |\n\
         |---|---|---|---|---|---|\n",
    );
    let cell = |p: &Period| {
        if p.days == 0 {
            "—".to_string()
        } else {
            p.describe()
        }
    };
    for (category, method, l) in TABLE {
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} |\n",
            category.code(),
            method.code(),
            cell(&l.documents_to_deadline),
            cell(&l.amendment_before_deadline),
            cell(&l.clarification_before_deadline),
            cell(&l.publicity),
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
        return Err(AppError::invalid_field(
            FieldError::new("dates.bid_deadline", "the bid deadline is in the past")
                .because("time.future", json!({})),
        ));
    }
    Ok(())
}

/// Publishing: the documents must be available for the legal minimum before
/// the deadline, counted from when they really become available (not before
/// publication), and the other periods must hold. Periods in working days
/// are counted on `calendar`.
pub fn check_publish(
    facts: &DateFacts,
    now: DateTime<Utc>,
    calendar: &Calendar,
) -> Result<(), AppError> {
    let l = require(facts.category, facts.method)?;
    if facts.bid_deadline <= now {
        return Err(
            AppError::TimeLimit("the bid deadline has already passed".into())
                .because("tender.bid-deadline-passed", json!({})),
        );
    }
    let available = facts.documents_available_at.max(now);
    let period = l.documents_to_deadline;
    let earliest = period.end(available, calendar)?;
    if facts.bid_deadline < earliest {
        return Err(AppError::TimeLimit(format!(
            "{} by {} needs at least {} from the documents being available ({}) to the bid deadline ({}): the earliest deadline is {}; this tender gives {} [{}]",
            facts.category.code(),
            facts.method.code(),
            period.describe(),
            available.to_rfc3339(),
            facts.bid_deadline.to_rfc3339(),
            earliest.to_rfc3339(),
            whole_days(facts.bid_deadline - available),
            period.basis
        ))
        .because(
            "tender.documents-period",
            json!({
                "category": facts.category.code(),
                "method": facts.method.code(),
                "days": period.days,
                "unit": period.unit_code(),
                "available": time(available),
                "deadline": time(facts.bid_deadline),
                "earliest": time(earliest),
                "basis": period.cite,
            }),
        ));
    }
    if facts.clarification_deadline <= now {
        return Err(
            AppError::TimeLimit("the clarification deadline has already passed".into())
                .because("tender.clarification-deadline-passed", json!({})),
        );
    }
    check_clarification_period(facts, calendar)?;
    check_publicity_days(facts, &l)
}

/// Clarification requests must close long enough before the bid deadline.
pub fn check_clarification_period(facts: &DateFacts, calendar: &Calendar) -> Result<(), AppError> {
    let l = require(facts.category, facts.method)?;
    if facts.clarification_deadline > facts.bid_deadline {
        return Err(AppError::invalid_field(
            FieldError::new(
                "dates.clarification_deadline",
                "must not be after the bid deadline",
            )
            .because("tender.clarification-after-bid-deadline", json!({})),
        ));
    }
    let period = l.clarification_before_deadline;
    if period.days > 0 && facts.bid_deadline < period.end(facts.clarification_deadline, calendar)? {
        return Err(AppError::TimeLimit(format!(
            "clarification requests must close at least {} before the bid deadline [{}]",
            period.describe(),
            period.basis
        ))
        .because(
            "tender.clarification-period",
            json!({ "days": period.days, "unit": period.unit_code(), "basis": period.cite }),
        ));
    }
    Ok(())
}

fn check_publicity_days(facts: &DateFacts, l: &Limits) -> Result<(), AppError> {
    if facts.publicity_days < l.publicity.days {
        return Err(AppError::TimeLimit(format!(
            "candidates must be publicised for at least {}, not {} [{}]",
            l.publicity.describe(),
            facts.publicity_days,
            l.publicity.basis
        ))
        .because(
            "tender.publicity-period",
            json!({
                "days": l.publicity.days,
                "unit": l.publicity.unit_code(),
                "given": facts.publicity_days,
                "basis": l.publicity.cite,
            }),
        ));
    }
    Ok(())
}

/// An amendment before the deadline. Returns the deadline in force after it:
/// an amendment that changes bids within the minimum period needs a new
/// deadline far enough away; a deadline may only move later. Periods in
/// working days are counted on `calendar`.
pub fn check_amendment(
    facts: &DateFacts,
    status: TenderStatus,
    changes_bids: bool,
    new_deadline: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    calendar: &Calendar,
) -> Result<DateTime<Utc>, AppError> {
    let l = require(facts.category, facts.method)?;
    if status != TenderStatus::Published {
        return Err(AppError::IllegalTransition(format!(
            "only a published tender can be amended; this one is {}",
            status.code()
        ))
        .because(
            "tender.amend-published-only",
            json!({ "status": status.code() }),
        ));
    }
    if now >= facts.bid_deadline {
        return Err(AppError::DeadlinePassed(
            "the bid deadline has passed; the tender can no longer be amended".into(),
        )
        .because(
            "tender.amend-after-deadline",
            json!({ "deadline": time(facts.bid_deadline) }),
        ));
    }
    let deadline = match new_deadline {
        Some(d) if d < facts.bid_deadline => {
            return Err(AppError::invalid_field(
                FieldError::new("new_bid_deadline", "a deadline can only be moved later").because(
                    "tender.deadline-only-later",
                    json!({ "deadline": time(facts.bid_deadline) }),
                ),
            ));
        }
        Some(d) => d,
        None => facts.bid_deadline,
    };
    if !changes_bids {
        return Ok(deadline);
    }
    let period = l.amendment_before_deadline;
    let earliest = period.end(now, calendar)?;
    if deadline < earliest {
        return Err(AppError::TimeLimit(format!(
            "an amendment that changes bids must be published at least {} before the deadline; \
             move the deadline (new_bid_deadline) to {} or later [{}]",
            period.describe(),
            earliest.to_rfc3339(),
            period.basis
        ))
        .because(
            "tender.amendment-period",
            json!({
                "days": period.days,
                "unit": period.unit_code(),
                "earliest": time(earliest),
                "basis": period.cite,
            }),
        ));
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
        ))
        .because(
            "opening.before-deadline",
            json!({ "deadline": time(bid_deadline) }),
        ));
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
        ))
        .because("tender.publicity-running", json!({ "until": time(ends) })));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn cal() -> Calendar {
        Calendar::shipped()
    }

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
        assert!(check_publish(&ok, t0(), &cal()).is_ok());
        let short = DateFacts {
            bid_deadline: ok.bid_deadline - Duration::seconds(1),
            ..ok
        };
        assert!(matches!(
            check_publish(&short, t0(), &cal()).map_err(|e| e.base().code()),
            Err("time-limit")
        ));
        // Published a day later than planned: the period counts from publication.
        assert!(matches!(
            check_publish(&ok, t0() + days(1), &cal()).map_err(|e| e.base().code()),
            Err("time-limit")
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
            assert!(l.publicity.days >= 3);
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
        assert!(check_publish(&f, t0(), &cal()).is_err());
        f.clarification_deadline = f.bid_deadline - days(10);
        assert!(check_publish(&f, t0(), &cal()).is_ok());
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
        assert!(check_publish(&f, t0(), &cal()).is_err());
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
            check_amendment(&f, published, true, None, t0() + days(10), &cal()).unwrap(),
            f.bid_deadline
        );
        // 10 days before: refused unless the deadline moves 15 days out.
        let late = t0() + days(20);
        assert!(matches!(
            check_amendment(&f, published, true, None, late, &cal()).map_err(|e| e.code()),
            Err("time-limit")
        ));
        assert!(check_amendment(&f, published, true, Some(late + days(14)), late, &cal()).is_err());
        assert_eq!(
            check_amendment(&f, published, true, Some(late + days(15)), late, &cal()).unwrap(),
            late + days(15)
        );
        // A change that does not affect bids needs no extension.
        assert!(check_amendment(&f, published, false, None, late, &cal()).is_ok());
        // Never earlier, never after the deadline, never for a draft.
        assert!(
            check_amendment(
                &f,
                published,
                false,
                Some(f.bid_deadline - days(1)),
                late,
                &cal()
            )
            .is_err()
        );
        assert!(matches!(
            check_amendment(&f, published, false, None, f.bid_deadline, &cal())
                .map_err(|e| e.code()),
            Err("deadline-passed")
        ));
        assert!(check_amendment(&f, TenderStatus::Draft, false, None, late, &cal()).is_err());
    }

    /// A state-owned property listing published at 10:00 Beijing time on
    /// Monday 21 September 2026: its 20 working days of disclosure skip
    /// 中秋节 (25–27 Sep) and 国庆节 (1–7 Oct), count Saturday 10 October
    /// (worked), and end with Monday 26 October; ⌈20 × 7 ⁄ 5⌉ = 28 calendar
    /// days would have ended on 19 October.
    #[test]
    fn property_disclosure_spans_national_day_in_working_days() {
        let published = Utc.with_ymd_and_hms(2026, 9, 21, 2, 0, 0).unwrap();
        let first_valid = Utc.with_ymd_and_hms(2026, 10, 26, 16, 0, 0).unwrap();
        let property = |deadline| DateFacts {
            category: Category::StateOwnedProperty,
            method: Method::Listing,
            documents_available_at: published,
            clarification_deadline: deadline,
            bid_deadline: deadline,
            publicity_days: 3,
        };
        let old_rule = published + days(28) + Duration::hours(6);
        let Err(refused) = check_publish(&property(old_rule), published, &cal()) else {
            panic!("a deadline 28 days on is too early across National Day");
        };
        let AppError::TimeLimit(why) = refused.base() else {
            panic!("{refused:?}");
        };
        assert!(why.contains("20 working days"), "{why}");
        assert!(why.contains("第13条"), "{why}");
        assert!(why.contains("2026-10-26T16:00:00+00:00"), "{why}");
        // Said for the portal: the period, its unit and article, and the
        // earliest deadline in Beijing time (the end of 26 October).
        let (reason, params) = refused.reason().expect("a reason");
        assert_eq!(reason, "tender.documents-period");
        assert_eq!(params["days"], 20);
        assert_eq!(params["unit"], "working_days");
        assert_eq!(params["earliest"], "2026-10-27T00:00:00+08:00");
        assert_eq!(params["available"], "2026-09-21T10:00:00+08:00");
        assert_eq!(params["category"], "state_owned_property");
        assert_eq!(params["method"], "listing");
        assert!(
            params["basis"].as_str().unwrap().contains("第十三条"),
            "{params}"
        );
        assert!(
            check_publish(
                &property(first_valid - Duration::seconds(1)),
                published,
                &cal()
            )
            .is_err()
        );
        assert!(check_publish(&property(first_valid), published, &cal()).is_ok());
        // In weeks without holidays 20 working days are 4 weeks: published
        // Monday 2 November, the period ends with Monday 30 November.
        let plain = Utc.with_ymd_and_hms(2026, 11, 2, 2, 0, 0).unwrap();
        let end = Utc.with_ymd_and_hms(2026, 11, 30, 16, 0, 0).unwrap();
        let facts = DateFacts {
            documents_available_at: plain,
            ..property(end)
        };
        assert!(check_publish(&facts, plain, &cal()).is_ok());
        // A calendar without the year refuses rather than guesses.
        let none = Calendar::new([], &[]);
        assert!(matches!(
            check_publish(&facts, plain, &none).as_ref().map_err(|e| e.base()),
            Err(AppError::TimeLimit(m)) if m.contains("no entry for 2026")
        ));
    }

    #[test]
    fn non_tendering_amendments_count_working_days() {
        // Competitive negotiation: a change 3 working days before the
        // deadline. Asked on Wednesday 30 September 2026, the 3rd working
        // day after is Saturday 10 October (worked): 8, 9, 10.
        let asked = Utc.with_ymd_and_hms(2026, 9, 30, 2, 0, 0).unwrap();
        let deadline = Utc.with_ymd_and_hms(2026, 10, 5, 2, 0, 0).unwrap();
        let f = DateFacts {
            category: Category::GovernmentProcurement,
            method: Method::CompetitiveNegotiation,
            documents_available_at: asked - days(10),
            clarification_deadline: deadline,
            bid_deadline: deadline,
            publicity_days: 3,
        };
        let earliest = Utc.with_ymd_and_hms(2026, 10, 10, 16, 0, 0).unwrap();
        let Err(refused) = check_amendment(
            &f,
            TenderStatus::Published,
            true,
            Some(earliest - Duration::seconds(1)),
            asked,
            &cal(),
        ) else {
            panic!("too early");
        };
        let AppError::TimeLimit(why) = refused.base() else {
            panic!("{refused:?}");
        };
        assert_eq!(
            refused
                .reason()
                .map(|(r, p)| (r, p["days"].clone(), p["unit"].clone())),
            Some(("tender.amendment-period", 3.into(), "working_days".into()))
        );
        assert!(
            why.contains("3 working days") && why.contains("第29条"),
            "{why}"
        );
        assert_eq!(
            check_amendment(
                &f,
                TenderStatus::Published,
                true,
                Some(earliest),
                asked,
                &cal()
            )
            .unwrap(),
            earliest
        );
    }

    #[test]
    fn every_period_says_its_unit_and_article() {
        for (c, m, l) in TABLE {
            for p in [
                l.documents_to_deadline,
                l.amendment_before_deadline,
                l.clarification_before_deadline,
                l.publicity,
            ] {
                assert!(!p.basis.is_empty(), "{c:?} {m:?}");
                if p.days > 0 {
                    assert!(p.basis.contains('第'), "{c:?} {m:?}: {}", p.basis);
                    // The short citation the refusals give (`Period::cited`).
                    assert!(
                        p.cite != p.basis
                            && (p.cite.starts_with('《') || p.cite.starts_with("本平台")),
                        "{c:?} {m:?}: {}",
                        p.basis
                    );
                }
            }
            // The award counts the publicity in calendar days.
            assert_eq!(l.publicity.unit, DayUnit::CalendarDays);
            let working = l.documents_to_deadline.unit == DayUnit::WorkingDays;
            assert_eq!(
                working,
                *c == Category::StateOwnedProperty
                    || matches!(
                        m,
                        Method::CompetitiveNegotiation | Method::Inquiry | Method::SingleSource
                    ),
                "{c:?} {m:?}"
            );
        }
        let property = for_procedure(Category::StateOwnedProperty, Method::Listing).unwrap();
        assert_eq!(
            (
                property.documents_to_deadline.days,
                property.documents_to_deadline.unit
            ),
            (20, DayUnit::WorkingDays)
        );
        let json = serde_json::to_value(property).unwrap();
        assert_eq!(json["documents_to_deadline"]["unit"], "working_days");
    }

    #[test]
    fn the_readme_holds_the_table_of_periods() {
        let readme = include_str!("../../README.md");
        let table = periods_markdown();
        assert!(
            readme.contains(&table),
            "README.md must hold the table of tenders::limits::periods_markdown():\n{table}"
        );
    }

    #[test]
    fn opening_and_award_timing() {
        assert!(check_opening(t0(), t0() - Duration::seconds(1)).is_err());
        assert!(check_opening(t0(), t0()).is_ok());
        assert!(check_award(t0(), 3, t0() + days(3) - Duration::seconds(1)).is_err());
        assert!(check_award(t0(), 3, t0() + days(3)).is_ok());
    }
}
