//! The evaluation rules of each category and method, as data, and the
//! draft-time check that applies them (pure).
//!
//! - Which evaluation methods a category and method may use.
//! - Government procurement's price scoring: by the lowest price only
//!   (低价优先法), with the price's share of the points within the bounds
//!   for goods and for services.
//! - The small and micro enterprises' price deduction (政府采购促进中小企业
//!   发展管理办法 财库〔2020〕46号 第9条, raised by 财库〔2022〕19号).
//! - The fixed lists of grounds a bid is rejected on in review.
//!
//! Figures change by notice: they are rows here, each with its basis, so a
//! change is one line and the README's table follows.

use super::model::{Category, Evaluation, Method, PriceFormula, Subject, TenderInput};
use crate::error::FieldError;
use crate::types::text_enum;
use serde::Serialize;
use serde_json::json;

text_enum! {
    /// An evaluation method, without its parameters.
    pub enum MethodKind {
        ComprehensiveScoring = "comprehensive_scoring",
        LowestEvaluatedPrice = "lowest_evaluated_price",
        LowestPrice = "lowest_price",
        HighestPrice = "highest_price",
    }
}

impl Evaluation {
    pub fn kind(&self) -> MethodKind {
        match self {
            Evaluation::ComprehensiveScoring { .. } => MethodKind::ComprehensiveScoring,
            Evaluation::LowestEvaluatedPrice => MethodKind::LowestEvaluatedPrice,
            Evaluation::LowestPrice => MethodKind::LowestPrice,
            Evaluation::HighestPrice => MethodKind::HighestPrice,
        }
    }

    /// Whether a committee evaluates bids by this method (an auction's
    /// price is reached live, not evaluated).
    pub fn by_committee(&self) -> bool {
        self.kind() != MethodKind::HighestPrice
    }
}

/// The evaluation methods a category and method may use.
#[derive(Debug, Clone, Copy, Serialize, utoipa::ToSchema)]
pub struct AllowedMethods {
    pub category: Category,
    pub method: Method,
    pub evaluation: &'static [MethodKind],
    pub basis: &'static str,
}

use MethodKind as K;

pub const ALLOWED: &[AllowedMethods] = &[
    AllowedMethods {
        category: Category::GovernmentProcurement,
        method: Method::OpenTendering,
        evaluation: &[K::ComprehensiveScoring, K::LowestEvaluatedPrice],
        basis: "政府采购货物和服务招标投标管理办法 (财政部令第87号) 第53条",
    },
    AllowedMethods {
        category: Category::GovernmentProcurement,
        method: Method::InvitedTendering,
        evaluation: &[K::ComprehensiveScoring, K::LowestEvaluatedPrice],
        basis: "财政部令第87号 第53条",
    },
    AllowedMethods {
        category: Category::GovernmentProcurement,
        method: Method::CompetitiveConsultation,
        evaluation: &[K::ComprehensiveScoring],
        basis: "竞争性磋商采购方式管理暂行办法 (财库〔2014〕214号) 第23条",
    },
    AllowedMethods {
        category: Category::GovernmentProcurement,
        method: Method::CompetitiveNegotiation,
        evaluation: &[K::LowestPrice],
        basis: "政府采购非招标采购方式管理办法 (财政部令第74号) 第35条: 质量和服务相等且报价最低",
    },
    AllowedMethods {
        category: Category::GovernmentProcurement,
        method: Method::Inquiry,
        evaluation: &[K::LowestPrice],
        basis: "财政部令第74号 第48条: 质量和服务相等且报价最低",
    },
    AllowedMethods {
        category: Category::GovernmentProcurement,
        method: Method::SingleSource,
        evaluation: &[K::LowestPrice],
        basis: "财政部令第74号 第42条 (one supplier; the price is negotiated)",
    },
    AllowedMethods {
        category: Category::EngineeringConstruction,
        method: Method::OpenTendering,
        evaluation: &[K::ComprehensiveScoring, K::LowestEvaluatedPrice],
        basis: "评标委员会和评标方法暂行规定 (七部委令第12号) 第29条",
    },
    AllowedMethods {
        category: Category::EngineeringConstruction,
        method: Method::InvitedTendering,
        evaluation: &[K::ComprehensiveScoring, K::LowestEvaluatedPrice],
        basis: "七部委令第12号 第29条",
    },
    AllowedMethods {
        category: Category::LandMiningRights,
        method: Method::OpenTendering,
        evaluation: &[K::ComprehensiveScoring, K::HighestPrice],
        basis: "招标拍卖挂牌出让国有建设用地使用权规定 (国土资源部令第39号) 第12条 (check)",
    },
    AllowedMethods {
        category: Category::LandMiningRights,
        method: Method::Auction,
        evaluation: &[K::HighestPrice],
        basis: "国土资源部令第39号 第15–17条: the highest bid at or above the reserve",
    },
    AllowedMethods {
        category: Category::LandMiningRights,
        method: Method::Listing,
        evaluation: &[K::HighestPrice],
        basis: "国土资源部令第39号 第18–19条: the highest quote at or above the reserve",
    },
    AllowedMethods {
        category: Category::StateOwnedProperty,
        method: Method::Listing,
        evaluation: &[K::HighestPrice],
        basis: "企业国有资产交易监督管理办法 (国资委 财政部令第32号) 第22条 (check)",
    },
    AllowedMethods {
        category: Category::StateOwnedProperty,
        method: Method::Auction,
        evaluation: &[K::HighestPrice],
        basis: "国资委 财政部令第32号 第22条 (check)",
    },
    AllowedMethods {
        category: Category::StateOwnedProperty,
        method: Method::OpenTendering,
        evaluation: &[K::ComprehensiveScoring, K::HighestPrice],
        basis: "国资委 财政部令第32号 第22条 (check)",
    },
];

pub fn allowed(category: Category, method: Method) -> Option<&'static AllowedMethods> {
    ALLOWED
        .iter()
        .find(|a| a.category == category && a.method == method)
}

/// The price's share of the points (percent of 100) government procurement
/// allows, per method and subject.
#[derive(Debug, Clone, Copy, Serialize, utoipa::ToSchema)]
pub struct PriceWeight {
    pub method: Method,
    pub subject: Subject,
    pub min: u32,
    pub max: u32,
    pub basis: &'static str,
}

const GP_87: &str = "政府采购货物和服务招标投标管理办法 (财政部令第87号) 第55条";
const GP_214: &str = "竞争性磋商采购方式管理暂行办法 (财库〔2014〕214号) 第24条";

pub const GP_PRICE_WEIGHTS: &[PriceWeight] = &[
    PriceWeight {
        method: Method::OpenTendering,
        subject: Subject::Goods,
        min: 30,
        max: 100,
        basis: GP_87,
    },
    PriceWeight {
        method: Method::OpenTendering,
        subject: Subject::Services,
        min: 10,
        max: 100,
        basis: GP_87,
    },
    PriceWeight {
        method: Method::InvitedTendering,
        subject: Subject::Goods,
        min: 30,
        max: 100,
        basis: GP_87,
    },
    PriceWeight {
        method: Method::InvitedTendering,
        subject: Subject::Services,
        min: 10,
        max: 100,
        basis: GP_87,
    },
    PriceWeight {
        method: Method::CompetitiveConsultation,
        subject: Subject::Goods,
        min: 30,
        max: 60,
        basis: GP_214,
    },
    PriceWeight {
        method: Method::CompetitiveConsultation,
        subject: Subject::Services,
        min: 10,
        max: 30,
        basis: GP_214,
    },
];

/// The small and micro enterprises' price deduction, in percent, per
/// subject: the tender sets a figure within the bounds, and a declared
/// small or micro enterprise's price is reduced by it for the evaluation
/// (never for the contract).
#[derive(Debug, Clone, Copy, Serialize, utoipa::ToSchema)]
pub struct SmeDeduction {
    pub subject: Subject,
    pub min_percent: f64,
    pub max_percent: f64,
    pub basis: &'static str,
}

pub const SME_DEDUCTIONS: &[SmeDeduction] = &[
    SmeDeduction {
        subject: Subject::Goods,
        min_percent: 10.0,
        max_percent: 20.0,
        basis: "财库〔2020〕46号 第9条, raised from 6–10 % by 财库〔2022〕19号 (2022-07-01)",
    },
    SmeDeduction {
        subject: Subject::Services,
        min_percent: 10.0,
        max_percent: 20.0,
        basis: "财库〔2020〕46号 第9条, raised from 6–10 % by 财库〔2022〕19号 (2022-07-01)",
    },
    SmeDeduction {
        subject: Subject::Works,
        min_percent: 3.0,
        max_percent: 5.0,
        basis: "财库〔2020〕46号 第9条 (works)",
    },
];

pub fn sme_deduction(subject: Subject) -> Option<&'static SmeDeduction> {
    SME_DEDUCTIONS.iter().find(|d| d.subject == subject)
}

/// The least share of the contract, in percent, a consortium agreement or
/// subcontracting intention gives small and micro enterprises for the
/// bid's price to be reduced (财库〔2020〕46号 第9条第二款: 30%以上). A small
/// enterprise under the bidder's direct control or management does not
/// count (the same paragraph): the bidder declares the share without it.
pub const SME_PARTNERSHIP_MIN_SHARE_PERCENT: u32 = 30;

/// The price deduction, in percent, per subject, for a bid of a large or
/// medium enterprise in a consortium with small and micro enterprises, or
/// subcontracting to them, at least [`SME_PARTNERSHIP_MIN_SHARE_PERCENT`]
/// of the contract (大中型企业与小微企业组成联合体或者向小微企业分包): the
/// tender sets a figure within the bounds, for the evaluation only.
pub const SME_PARTNERSHIP_DEDUCTIONS: &[SmeDeduction] = &[
    SmeDeduction {
        subject: Subject::Goods,
        min_percent: 4.0,
        max_percent: 6.0,
        basis: "财库〔2020〕46号 第9条第二款, raised from 2–3 % by 财库〔2022〕19号 (2022-07-01)",
    },
    SmeDeduction {
        subject: Subject::Services,
        min_percent: 4.0,
        max_percent: 6.0,
        basis: "财库〔2020〕46号 第9条第二款, raised from 2–3 % by 财库〔2022〕19号 (2022-07-01)",
    },
    SmeDeduction {
        subject: Subject::Works,
        min_percent: 1.0,
        max_percent: 2.0,
        basis: "财库〔2020〕46号 第9条第二款 (works)",
    },
];

pub fn sme_partnership_deduction(subject: Subject) -> Option<&'static SmeDeduction> {
    SME_PARTNERSHIP_DEDUCTIONS
        .iter()
        .find(|d| d.subject == subject)
}

text_enum! {
    /// A legal ground a bid is rejected on (否决投标 / 投标无效) in review.
    pub enum Ground {
        /// Not sealed by the bidder and signed by its representative.
        NotSignedOrSealed = "not_signed_or_sealed",
        /// A consortium without its joint bidding agreement.
        NoConsortiumAgreement = "no_consortium_agreement",
        /// Does not meet the qualification the law or the documents set.
        NotQualified = "not_qualified",
        /// Two or more different bids or prices from one bidder.
        MultipleBids = "multiple_bids",
        /// Priced below cost (an abnormally low price not explained).
        BelowCost = "below_cost",
        /// Priced above the ceiling price (or the budget).
        AboveCeiling = "above_ceiling",
        /// Does not respond to the substantive requirements.
        NotResponsive = "not_responsive",
        /// Collusion, fraud or bribery.
        Collusion = "collusion",
        /// The deposit required was not given.
        NoDeposit = "no_deposit",
        /// Conditions the purchaser cannot accept.
        UnacceptableConditions = "unacceptable_conditions",
        /// The bidder did not confirm the arithmetic correction of its price.
        CorrectionRefused = "correction_refused",
    }
}

/// A ground with its text and article, in one category's list.
#[derive(Debug, Clone, Copy, Serialize, utoipa::ToSchema)]
pub struct GroundRule {
    pub ground: Ground,
    pub zh: &'static str,
    pub en: &'static str,
    pub basis: &'static str,
}

const fn g(ground: Ground, zh: &'static str, en: &'static str, basis: &'static str) -> GroundRule {
    GroundRule {
        ground,
        zh,
        en,
        basis,
    }
}

/// 招标投标法实施条例 第51条 (construction and other tendering), with the
/// bidder's refusal of a correction (第52条 read with 七部委令第12号 第19条).
pub const TENDERING_GROUNDS: &[GroundRule] = &[
    g(
        Ground::NotSignedOrSealed,
        "投标文件未经投标单位盖章和单位负责人签字",
        "not sealed by the bidder and signed by its head",
        "招标投标法实施条例 第51条(一)",
    ),
    g(
        Ground::NoConsortiumAgreement,
        "投标联合体没有提交共同投标协议",
        "a consortium without its joint bidding agreement",
        "招标投标法实施条例 第51条(二)",
    ),
    g(
        Ground::NotQualified,
        "投标人不符合国家或者招标文件规定的资格条件",
        "the bidder does not meet the qualification required",
        "招标投标法实施条例 第51条(三)",
    ),
    g(
        Ground::MultipleBids,
        "同一投标人提交两个以上不同的投标文件或者投标报价",
        "two or more different bids or prices from one bidder",
        "招标投标法实施条例 第51条(四)",
    ),
    g(
        Ground::BelowCost,
        "投标报价低于成本",
        "priced below cost",
        "招标投标法实施条例 第51条(五)",
    ),
    g(
        Ground::AboveCeiling,
        "投标报价高于招标文件设定的最高投标限价",
        "priced above the ceiling price",
        "招标投标法实施条例 第51条(五)",
    ),
    g(
        Ground::NotResponsive,
        "投标文件没有对招标文件的实质性要求和条件作出响应",
        "does not respond to the substantive requirements",
        "招标投标法实施条例 第51条(六)",
    ),
    g(
        Ground::Collusion,
        "投标人有串通投标、弄虚作假、行贿等违法行为",
        "collusion, fraud or bribery",
        "招标投标法实施条例 第51条(七)",
    ),
    g(
        Ground::CorrectionRefused,
        "投标人不接受对其报价计算错误的修正",
        "the bidder refused the correction of its arithmetic error",
        "七部委令第12号 第19条 (check)",
    ),
];

/// 政府采购货物和服务招标投标管理办法 (87号令) 第63条 and the price rules
/// around it (第59、60条).
pub const GP_GROUNDS: &[GroundRule] = &[
    g(
        Ground::NoDeposit,
        "未按照招标文件的规定提交投标保证金",
        "the deposit required was not given",
        "财政部令第87号 第63条(一)",
    ),
    g(
        Ground::NotSignedOrSealed,
        "投标文件未按招标文件要求签署、盖章",
        "not signed and sealed as the documents require",
        "财政部令第87号 第63条(二)",
    ),
    g(
        Ground::NotQualified,
        "不具备招标文件中规定的资格要求",
        "does not meet the qualification required",
        "财政部令第87号 第63条(三)",
    ),
    g(
        Ground::AboveCeiling,
        "报价超过招标文件中规定的预算金额或者最高限价",
        "priced above the budget or the ceiling price",
        "财政部令第87号 第63条(四)",
    ),
    g(
        Ground::UnacceptableConditions,
        "投标文件含有采购人不能接受的附加条件",
        "conditions the purchaser cannot accept",
        "财政部令第87号 第63条(五)",
    ),
    g(
        Ground::NotResponsive,
        "未实质性响应招标文件要求",
        "does not respond to the substantive requirements",
        "财政部令第87号 第63条(六)",
    ),
    g(
        Ground::BelowCost,
        "报价明显低于其他投标报价且不能证明其合理性",
        "an abnormally low price the bidder could not justify",
        "财政部令第87号 第60条",
    ),
    g(
        Ground::CorrectionRefused,
        "投标人不确认修正后的报价",
        "the bidder did not confirm its corrected price",
        "财政部令第87号 第59条",
    ),
    g(
        Ground::Collusion,
        "恶意串通",
        "collusion",
        "政府采购法实施条例 第74条; 财政部令第87号 第37条",
    ),
];

/// The grounds a bid of `category` may be rejected on.
pub fn grounds(category: Category) -> &'static [GroundRule] {
    match category {
        Category::GovernmentProcurement => GP_GROUNDS,
        _ => TENDERING_GROUNDS,
    }
}

pub fn ground(category: Category, ground: Ground) -> Option<&'static GroundRule> {
    grounds(category).iter().find(|g| g.ground == ground)
}

/// Whether a method is a tendering (招标) — the procedures with a
/// bid validity period and a ceiling price.
pub fn tendering(method: Method) -> bool {
    matches!(method, Method::OpenTendering | Method::InvitedTendering)
}

/// The category's rules applied to a draft; every breach with its article.
pub fn check(input: &TenderInput) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let Some(allowed) = allowed(input.category, input.method) else {
        // The time-limit table refuses the method, with the list.
        return errors;
    };
    let gp = input.category == Category::GovernmentProcurement;
    let terms = &input.terms;
    if gp && terms.subject.is_none() {
        errors.push(
            FieldError::new(
                "terms.subject",
                "government procurement says whether it buys goods, services or works (政府采购法 第2条)",
            )
            .because("tender.purchase-needed", json!({})),
        );
    }
    if tendering(input.method) && allowed.evaluation.iter().any(|k| *k != K::HighestPrice) {
        let by_committee = input.lot_methods().iter().any(|(_, e)| e.by_committee());
        if by_committee && terms.bid_validity_days.is_none() {
            errors.push(
                FieldError::new(
                    "terms.bid_validity_days",
                    "a tendering sets how long bids stay valid (招标投标法实施条例 第25条)",
                )
                .because("tender.bid-validity-needed", json!({})),
            );
        }
    }
    // The tender's method (which lots without one of their own use), and
    // each lot's own.
    let methods = std::iter::once(("evaluation".to_string(), &input.evaluation)).chain(
        input.lots.iter().enumerate().filter_map(|(i, l)| {
            l.evaluation
                .as_ref()
                .map(|e| (format!("lots[{i}].evaluation"), e))
        }),
    );
    for (at, evaluation) in methods {
        let kind = evaluation.kind();
        if !allowed.evaluation.contains(&kind) {
            let names: Vec<&str> = allowed.evaluation.iter().map(|k| k.code()).collect();
            errors.push(
                FieldError::new(
                    format!("{at}.method"),
                    format!(
                        "{} by {} is evaluated by {}, not {} [{}]",
                        input.category.code(),
                        input.method.code(),
                        names.join(" or "),
                        kind.code(),
                        allowed.basis
                    ),
                )
                .because(
                    "tender.evaluation-not-allowed",
                    json!({
                        "category": input.category.code(),
                        "method": input.method.code(),
                        "evaluation": kind.code(),
                        "basis": crate::reasons::cite(allowed.basis),
                    }),
                ),
            );
            continue;
        }
        if let (
            true,
            Evaluation::ComprehensiveScoring {
                criteria,
                price_formula,
            },
        ) = (gp, evaluation)
        {
            if *price_formula != PriceFormula::LowestPriceBase {
                errors.push(
                    FieldError::new(
                        format!("{at}.price_formula"),
                        format!(
                            "government procurement scores price by the lowest price only \
                             (低价优先法: weight × lowest ÷ price) [{GP_87}]"
                        ),
                    )
                    .because("tender.gp-lowest-price-base", json!({})),
                );
            }
            let weight = criteria
                .iter()
                .find(|c| c.kind == super::model::CriterionKind::Price)
                .map(|c| c.weight);
            if let (Some(weight), Some(subject)) = (weight, terms.subject)
                && let Some(bound) = GP_PRICE_WEIGHTS
                    .iter()
                    .find(|b| b.method == input.method && b.subject == subject)
                && !(bound.min..=bound.max).contains(&weight)
            {
                errors.push(
                    FieldError::new(
                        format!("{at}.criteria"),
                        format!(
                            "the price weighs {weight} of 100 points; {} of {} must weigh {} to {} [{}]",
                            subject.code(),
                            input.method.code(),
                            bound.min,
                            bound.max,
                            bound.basis
                        ),
                    )
                    .because(
                        "tender.price-weight",
                        json!({
                            "weight": weight,
                            "purchase": subject.code(),
                            "method": input.method.code(),
                            "min": bound.min,
                            "max": bound.max,
                            "basis": crate::reasons::cite(bound.basis),
                        }),
                    ),
                );
            }
        }
    }
    type Bounds = fn(Subject) -> Option<&'static SmeDeduction>;
    let deductions: [(&str, Option<f64>, Bounds); 2] = [
        (
            "terms.sme_price_deduction_percent",
            terms.sme_price_deduction_percent,
            sme_deduction,
        ),
        (
            "terms.sme_partnership_deduction_percent",
            terms.sme_partnership_deduction_percent,
            sme_partnership_deduction,
        ),
    ];
    for (field, percent, bounds) in deductions {
        let Some(p) = percent else { continue };
        match (gp, terms.subject.and_then(bounds)) {
            (true, Some(bound)) => {
                if p < bound.min_percent || p > bound.max_percent {
                    errors.push(
                        FieldError::new(
                            field,
                            format!(
                                "{} take a deduction of {} % to {} % [{}]",
                                bound.subject.code(),
                                bound.min_percent,
                                bound.max_percent,
                                bound.basis
                            ),
                        )
                        .because(
                            "tender.sme-deduction-range",
                            json!({
                                "purchase": bound.subject.code(),
                                "min": bound.min_percent,
                                "max": bound.max_percent,
                                "basis": crate::reasons::cite(bound.basis),
                            }),
                        ),
                    );
                }
            }
            _ => errors.push(
                FieldError::new(
                    field,
                    "the small-enterprise price deductions are government procurement's (财库〔2020〕46号)",
                )
                .because("tender.sme-deduction-gp-only", json!({})),
            ),
        }
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tenders::model::*;

    fn input(category: Category, method: Method, evaluation: Evaluation) -> TenderInput {
        let now = chrono::Utc::now();
        TenderInput {
            title: "t".into(),
            description: String::new(),
            category,
            method,
            league: None,
            tenderer_org_id: None,
            budget: crate::types::Money {
                amount_fen: 100_000_000,
                currency: crate::types::Currency::cny(),
            },
            lots: vec![],
            evaluation,
            dates: KeyDates {
                documents_available_at: now,
                clarification_deadline: now + chrono::Duration::days(10),
                bid_deadline: now + chrono::Duration::days(30),
                publicity_days: 3,
            },
            seal_required: false,
            invitees: Vec::new(),
            terms: ProcedureTerms {
                subject: Some(Subject::Goods),
                bid_validity_days: Some(90),
                ..ProcedureTerms::default()
            },
        }
    }

    fn scoring(price_weight: u32, formula: PriceFormula) -> Evaluation {
        Evaluation::ComprehensiveScoring {
            criteria: vec![
                Criterion {
                    code: "tech".into(),
                    name: "技术".into(),
                    kind: CriterionKind::Technical,
                    weight: 100 - price_weight,
                    requires_reason: false,
                    objective: false,
                },
                Criterion {
                    code: "price".into(),
                    name: "价格".into(),
                    kind: CriterionKind::Price,
                    weight: price_weight,
                    requires_reason: false,
                    objective: true,
                },
            ],
            price_formula: formula,
        }
    }

    fn fields(input: &TenderInput) -> Vec<String> {
        input.validate().into_iter().map(|e| e.field).collect()
    }

    #[test]
    fn government_procurement_scores_price_by_the_lowest_price_within_its_weights() {
        use Category::GovernmentProcurement as GP;
        let ok = input(
            GP,
            Method::OpenTendering,
            scoring(30, PriceFormula::LowestPriceBase),
        );
        assert!(fields(&ok).is_empty(), "{:?}", ok.validate());
        let low = input(
            GP,
            Method::OpenTendering,
            scoring(20, PriceFormula::LowestPriceBase),
        );
        assert_eq!(fields(&low), ["evaluation.criteria"]);
        // Services may weigh the price from 10.
        let mut services = low.clone();
        services.terms.subject = Some(Subject::Services);
        assert!(fields(&services).is_empty());
        let average = input(
            GP,
            Method::OpenTendering,
            scoring(
                40,
                PriceFormula::AverageDeviation {
                    above_deduct_per_pct: 1.0,
                    below_deduct_per_pct: 0.5,
                },
            ),
        );
        assert_eq!(fields(&average), ["evaluation.price_formula"]);
        // Consultation caps the weight: goods 30 to 60.
        let high = input(
            GP,
            Method::CompetitiveConsultation,
            scoring(70, PriceFormula::LowestPriceBase),
        );
        assert_eq!(fields(&high), ["evaluation.criteria"]);
        // Construction may use the average-deviation formula.
        let construction = input(
            Category::EngineeringConstruction,
            Method::OpenTendering,
            scoring(
                40,
                PriceFormula::AverageDeviation {
                    above_deduct_per_pct: 1.0,
                    below_deduct_per_pct: 0.5,
                },
            ),
        );
        assert!(fields(&construction).is_empty());
    }

    #[test]
    fn methods_follow_the_category() {
        use Category::*;
        let inquiry = input(
            GovernmentProcurement,
            Method::Inquiry,
            Evaluation::LowestEvaluatedPrice,
        );
        assert_eq!(fields(&inquiry), ["evaluation.method"]);
        let inquiry = input(
            GovernmentProcurement,
            Method::Inquiry,
            Evaluation::LowestPrice,
        );
        assert!(fields(&inquiry).is_empty());
        let listing = input(
            LandMiningRights,
            Method::Listing,
            Evaluation::LowestEvaluatedPrice,
        );
        assert_eq!(fields(&listing), ["evaluation.method"]);
        let mut listing = input(LandMiningRights, Method::Listing, Evaluation::HighestPrice);
        listing.terms.subject = None;
        listing.terms.bid_validity_days = None;
        assert!(fields(&listing).is_empty(), "{:?}", listing.validate());
        let mut lots = input(
            EngineeringConstruction,
            Method::OpenTendering,
            Evaluation::LowestEvaluatedPrice,
        );
        lots.lots = vec![LotInput {
            title: "一标段".into(),
            description: String::new(),
            budget_fen: 1000,
            evaluation: Some(Evaluation::HighestPrice),
            ceiling_price_fen: None,
        }];
        assert_eq!(fields(&lots), ["lots[0].evaluation.method"]);
    }

    #[test]
    fn the_terms_the_category_needs() {
        use Category::*;
        let mut gp = input(
            GovernmentProcurement,
            Method::OpenTendering,
            Evaluation::LowestEvaluatedPrice,
        );
        gp.terms.subject = None;
        gp.terms.bid_validity_days = None;
        assert_eq!(fields(&gp), ["terms.subject", "terms.bid_validity_days"]);
        let mut sme = input(
            GovernmentProcurement,
            Method::OpenTendering,
            Evaluation::LowestEvaluatedPrice,
        );
        sme.terms.sme_price_deduction_percent = Some(10.0);
        assert!(fields(&sme).is_empty());
        sme.terms.sme_price_deduction_percent = Some(6.0);
        assert_eq!(fields(&sme), ["terms.sme_price_deduction_percent"]);
        sme.terms.subject = Some(Subject::Works);
        sme.terms.sme_price_deduction_percent = Some(4.0);
        assert!(fields(&sme).is_empty());
        // Consortia and subcontracting with small enterprises: works 1–2 %,
        // goods and services 4–6 % (财库〔2022〕19号).
        sme.terms.sme_partnership_deduction_percent = Some(2.0);
        assert!(fields(&sme).is_empty());
        sme.terms.subject = Some(Subject::Services);
        sme.terms.sme_price_deduction_percent = Some(10.0);
        assert_eq!(fields(&sme), ["terms.sme_partnership_deduction_percent"]);
        sme.terms.sme_partnership_deduction_percent = Some(6.0);
        assert!(fields(&sme).is_empty());
        let mut construction = input(
            EngineeringConstruction,
            Method::OpenTendering,
            Evaluation::LowestEvaluatedPrice,
        );
        construction.terms.sme_price_deduction_percent = Some(10.0);
        assert_eq!(fields(&construction), ["terms.sme_price_deduction_percent"]);
        construction.terms.sme_price_deduction_percent = None;
        construction.terms.sme_partnership_deduction_percent = Some(1.0);
        assert_eq!(
            fields(&construction),
            ["terms.sme_partnership_deduction_percent"]
        );
        construction.terms.sme_partnership_deduction_percent = None;
        construction.terms.ceiling_price_fen = Some(200_000_000);
        assert_eq!(fields(&construction), ["terms.ceiling_price_fen"]);
    }

    #[test]
    fn every_category_has_its_grounds_with_articles() {
        for c in Category::ALL {
            let list = grounds(*c);
            assert!(list.iter().any(|g| g.ground == Ground::AboveCeiling));
            assert!(list.iter().any(|g| g.ground == Ground::NotQualified));
            assert!(list.iter().all(|g| !g.basis.is_empty() && !g.zh.is_empty()));
        }
        for a in ALLOWED {
            assert!(
                crate::tenders::limits::for_procedure(a.category, a.method).is_some(),
                "{a:?} is not in the time-limit table"
            );
        }
    }
}
