//! Tender value types and their validation (pure).

use crate::error::{FieldError, check_text};
use crate::types::{LeagueCode, Money, OrganisationId, text_enum};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

text_enum! {
    /// The four kinds of public-resource trade.
    pub enum Category {
        GovernmentProcurement = "government_procurement",
        EngineeringConstruction = "engineering_construction",
        LandMiningRights = "land_mining_rights",
        StateOwnedProperty = "state_owned_property",
    }
}

text_enum! {
    /// Procurement or transfer method.
    pub enum Method {
        OpenTendering = "open_tendering",
        InvitedTendering = "invited_tendering",
        CompetitiveNegotiation = "competitive_negotiation",
        CompetitiveConsultation = "competitive_consultation",
        Inquiry = "inquiry",
        SingleSource = "single_source",
        Auction = "auction",
        Listing = "listing",
    }
}

text_enum! {
    /// Where a tender is in its lifecycle.
    pub enum TenderStatus {
        Draft = "draft",
        Published = "published",
        Opening = "opening",
        Evaluating = "evaluating",
        CandidatesPublicised = "candidates_publicised",
        Awarded = "awarded",
        Closed = "closed",
        Cancelled = "cancelled",
        Failed = "failed",
    }
}

text_enum! {
    /// The kind of a published notice.
    pub enum NoticeKind {
        Tender = "tender",
        Amendment = "amendment",
        Clarification = "clarification",
        Opening = "opening",
        Evaluation = "evaluation",
        Candidates = "candidates",
        Award = "award",
        Closure = "closure",
        Cancellation = "cancellation",
        Failure = "failure",
        /// A supervisor's decision on a complaint (投诉处理决定).
        ComplaintDecision = "complaint_decision",
        /// A procedure suspended or resumed by the supervisor.
        Suspension = "suspension",
        /// A signed contract published (政府采购法实施条例 第50条).
        Contract = "contract",
    }
}

impl NoticeKind {
    /// The notice's name as a trading centre titles it (招标公告, 开标公告,
    /// …): a notice published on a transition is titled "<tender> — <name>",
    /// in the language of the notice itself, not by its code.
    pub fn name_zh(self) -> &'static str {
        match self {
            NoticeKind::Tender => "招标公告",
            NoticeKind::Amendment => "变更公告",
            NoticeKind::Clarification => "澄清公告",
            NoticeKind::Opening => "开标公告",
            NoticeKind::Evaluation => "评标公告",
            NoticeKind::Candidates => "中标候选人公示",
            NoticeKind::Award => "中标结果公告",
            NoticeKind::Closure => "结束公告",
            NoticeKind::Cancellation => "终止公告",
            NoticeKind::Failure => "流标公告",
            NoticeKind::ComplaintDecision => "投诉处理决定",
            NoticeKind::Suspension => "暂停或恢复公告",
            NoticeKind::Contract => "合同公告",
        }
    }
}

text_enum! {
    /// What a scoring criterion judges.
    pub enum CriterionKind {
        Technical = "technical",
        Commercial = "commercial",
        Price = "price",
    }
}

text_enum! {
    /// What is bought (OCDS `mainProcurementCategory`): government
    /// procurement's scoring rules differ for goods and for services.
    pub enum Subject {
        Goods = "goods",
        Services = "services",
        Works = "works",
    }
}

/// One criterion of comprehensive scoring. Weights are points out of 100.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Criterion {
    /// Short code, unique within the tender, e.g. `tech-plan`.
    #[schema(pattern = "^[A-Za-z0-9_-]{1,40}$")]
    pub code: String,
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    pub kind: CriterionKind,
    /// Points this criterion contributes (the weights sum to 100).
    #[schema(minimum = 1, maximum = 100)]
    pub weight: u32,
    /// Experts must give a reason with their score.
    #[serde(default)]
    pub requires_reason: bool,
    /// An objective item (a fact: a certificate held, a delivery time
    /// offered): every member must give the same points, and the chair
    /// resolves a disagreement. A subjective item is each member's judgment.
    #[serde(default)]
    pub objective: bool,
}

/// A pass/fail item of the review: a qualification (资格性审查) or a
/// compliance (符合性审查) requirement, each judged on a named document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewItem {
    /// Short code, unique within the tender, e.g. `licence`.
    #[schema(pattern = "^[A-Za-z0-9_-]{1,40}$")]
    pub code: String,
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    /// The document of the bid the item is judged on, e.g. "营业执照".
    #[schema(min_length = 1, max_length = 200)]
    pub document: String,
}

/// How the price criterion is scored; computed from the prices, never typed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum PriceFormula {
    /// 低价优先法: score = weight × lowest valid price ÷ bid price.
    LowestPriceBase,
    /// 平均值偏差法: the base is the mean valid price; a bid loses the given
    /// points per 1 % above the base, or per 1 % below it.
    AverageDeviation {
        above_deduct_per_pct: f64,
        below_deduct_per_pct: f64,
    },
}

/// The evaluation method.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "method", rename_all = "snake_case", deny_unknown_fields)]
pub enum Evaluation {
    /// 综合评分法: weighted criteria, price scored by formula.
    ComprehensiveScoring {
        criteria: Vec<Criterion>,
        price_formula: PriceFormula,
    },
    /// 经评审的最低投标价法 (最低评标价法 in government procurement): among
    /// the compliant bids, the lowest price after arithmetic corrections,
    /// the small-enterprise deduction and the committee's quantified
    /// adjustments ranks first.
    LowestEvaluatedPrice,
    /// 最低价 (inquiry, negotiation, single source): among the compliant
    /// bids, the lowest price as corrected ranks first; nothing is scored.
    LowestPrice,
    /// Listing and auction (挂牌, 拍卖) and the property exchanges' online
    /// bidding: the highest price reached wins. No committee evaluates it:
    /// the trading engine of the auction issue decides it.
    HighestPrice,
}

/// The key dates. The bid deadline is also the opening time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct KeyDates {
    pub documents_available_at: DateTime<Utc>,
    pub clarification_deadline: DateTime<Utc>,
    pub bid_deadline: DateTime<Utc>,
    /// Days the candidates are publicised before the award.
    #[schema(minimum = 1, maximum = 60)]
    pub publicity_days: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LotInput {
    #[schema(min_length = 1, max_length = 300)]
    pub title: String,
    #[serde(default)]
    #[schema(max_length = 50000)]
    pub description: String,
    #[schema(minimum = 0)]
    pub budget_fen: i64,
    /// This lot's own method; by default the tender's.
    #[serde(default)]
    pub evaluation: Option<Evaluation>,
    /// This lot's ceiling price (最高投标限价) in fen; by default none
    /// beyond the tender's.
    #[serde(default)]
    #[schema(minimum = 1)]
    pub ceiling_price_fen: Option<i64>,
}

/// The procedure's terms the evaluation applies: what is bought, the
/// ceiling price, how long bids stay valid, the review items and the
/// small-enterprise price deduction. Checked against the category's rules
/// ([`super::rules`]).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProcedureTerms {
    /// Goods, services or works; government procurement must say.
    #[serde(default)]
    pub subject: Option<Subject>,
    /// The ceiling price (最高投标限价, 招标投标法实施条例 第27条) in fen: a bid
    /// above it is rejected (第51条(五)); in government procurement the
    /// budget is a ceiling too (87号令 第63条(四)).
    #[serde(default)]
    #[schema(minimum = 1)]
    pub ceiling_price_fen: Option<i64>,
    /// Days bids stay valid from the bid deadline (投标有效期, 条例 第25条);
    /// tendering must set it.
    #[serde(default)]
    #[schema(minimum = 1, maximum = 365)]
    pub bid_validity_days: Option<u32>,
    /// Qualification items (资格性审查), pass/fail.
    #[serde(default)]
    pub qualification: Vec<ReviewItem>,
    /// Compliance items (符合性审查: the substantive requirements), pass/fail.
    #[serde(default)]
    pub compliance: Vec<ReviewItem>,
    /// The price deduction, in percent, for bids declared by small and
    /// micro enterprises (government procurement not reserved for them;
    /// bounds in [`super::rules::sme_deduction`]). `None`: no deduction.
    #[serde(default)]
    pub sme_price_deduction_percent: Option<f64>,
    /// The price deduction, in percent, for a bid whose consortium
    /// agreement or subcontracting intention gives small and micro
    /// enterprises at least 30 % of the contract (财库〔2020〕46号 第9条第二款;
    /// bounds in [`super::rules::sme_partnership_deduction`]). `None`: no
    /// deduction.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sme_partnership_deduction_percent: Option<f64>,
}

/// The body that creates a draft tender or replaces a draft's fields.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TenderInput {
    #[schema(min_length = 1, max_length = 300)]
    pub title: String,
    #[serde(default)]
    #[schema(max_length = 50000)]
    pub description: String,
    pub category: Category,
    pub method: Method,
    /// The league that runs the procedure; defaults to the caller's league.
    #[schema(value_type = Option<String>, pattern = "^[A-Z0-9-]{2,16}$")]
    pub league: Option<LeagueCode>,
    /// The tenderer organisation; required when an agent creates the tender,
    /// and must be the caller's own organisation when a tenderer does.
    pub tenderer_org_id: Option<OrganisationId>,
    pub budget: Money,
    #[serde(default)]
    pub lots: Vec<LotInput>,
    pub evaluation: Evaluation,
    pub dates: KeyDates,
    /// Whether each bid must carry the enterprise's electronic seal
    /// signature (GB/T 38540) over its documents; a bid without one is then
    /// not valid at the opening. Default: not required (an unsealed bid is
    /// recorded as unsealed).
    #[serde(default)]
    pub seal_required: bool,
    /// Invited tendering only: the unified social credit codes (GB 32100)
    /// of the enterprises invited to bid, at least 3 and none twice
    /// (招标投标法 第17条; 政府采购法 第34条). Only they may take the
    /// documents and bid. Fixed at publication; shown only to the tender's
    /// managers, supervisors in scope and operators (see `tenders::invitees`).
    #[serde(default)]
    #[schema(max_items = 200)]
    pub invitees: Vec<String>,
    /// What the evaluation applies: subject, ceiling, bid validity, review
    /// items, small-enterprise deduction.
    #[serde(default)]
    pub terms: ProcedureTerms,
}

/// At least this many invitees (招标投标法 第17条: "三个以上";
/// 政府采购法 第34条: "三家以上").
pub const MIN_INVITEES: usize = 3;
pub const MAX_INVITEES: usize = 200;

pub const MAX_TITLE_CHARS: usize = 300;
pub const MAX_TEXT_CHARS: usize = 50_000;
pub const MAX_LOTS: usize = 200;

impl TenderInput {
    /// Structural checks that need neither the database nor the clock.
    pub fn validate(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        check_text(&mut errors, "title", &self.title, true, MAX_TITLE_CHARS);
        check_text(
            &mut errors,
            "description",
            &self.description,
            false,
            MAX_TEXT_CHARS,
        );
        if let Err(e) = self.budget.validate() {
            errors.push(
                FieldError::new("budget.amount_fen", e)
                    .because("number.not-negative", serde_json::json!({})),
            );
        }
        if self.lots.len() > MAX_LOTS {
            errors.push(
                FieldError::new("lots", format!("at most {MAX_LOTS} lots"))
                    .because("list.too-many", serde_json::json!({ "max": MAX_LOTS })),
            );
        }
        let mut lot_sum: i64 = 0;
        for (i, lot) in self.lots.iter().enumerate() {
            check_text(
                &mut errors,
                &format!("lots[{i}].title"),
                &lot.title,
                true,
                MAX_TITLE_CHARS,
            );
            check_text(
                &mut errors,
                &format!("lots[{i}].description"),
                &lot.description,
                false,
                MAX_TEXT_CHARS,
            );
            if lot.budget_fen < 0 {
                errors.push(
                    FieldError::new(format!("lots[{i}].budget_fen"), "must not be negative")
                        .because("number.not-negative", serde_json::json!({})),
                );
            }
            lot_sum = lot_sum.saturating_add(lot.budget_fen.max(0));
        }
        if lot_sum > self.budget.amount_fen {
            errors.push(
                FieldError::new(
                    "lots",
                    "the lots' budgets add up to more than the tender's budget",
                )
                .because("tender.lots-over-budget", serde_json::json!({})),
            );
        }
        errors.extend(self.evaluation.validate());
        for (i, lot) in self.lots.iter().enumerate() {
            if let Some(evaluation) = &lot.evaluation {
                for e in evaluation.validate() {
                    errors.push(FieldError {
                        field: format!("lots[{i}].{}", e.field),
                        ..e
                    });
                }
            }
            if let Some(ceiling) = lot.ceiling_price_fen
                && (ceiling <= 0 || ceiling > lot.budget_fen.max(0))
            {
                errors.push(
                    FieldError::new(
                        format!("lots[{i}].ceiling_price_fen"),
                        "more than 0 and not above the lot's budget",
                    )
                    .because("tender.ceiling-within-budget", serde_json::json!({})),
                );
            }
        }
        errors.extend(self.terms.validate(self.budget.amount_fen));
        errors.extend(self.dates.validate_order());
        errors.extend(self.validate_invitees());
        if errors.is_empty() {
            errors.extend(super::rules::check(self));
        }
        errors
    }

    /// The invitees: valid credit codes, none twice, at least
    /// [`MIN_INVITEES`] for invited tendering and none for other methods.
    fn validate_invitees(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        let invited = self.method == Method::InvitedTendering;
        if !invited && !self.invitees.is_empty() {
            errors.push(
                FieldError::new("invitees", "only an invited tendering names invitees")
                    .because("tender.invitees-not-invited", serde_json::json!({})),
            );
            return errors;
        }
        if invited && self.invitees.len() < MIN_INVITEES {
            errors.push(
                FieldError::new(
                    "invitees",
                    format!(
                        "invited tendering invites at least {MIN_INVITEES} enterprises \
                         (招标投标法 第17条; 政府采购法 第34条), not {}",
                        self.invitees.len()
                    ),
                )
                .because(
                    "tender.invitees-too-few",
                    serde_json::json!({ "min": MIN_INVITEES, "given": self.invitees.len() }),
                ),
            );
        }
        if self.invitees.len() > MAX_INVITEES {
            errors.push(
                FieldError::new("invitees", format!("at most {MAX_INVITEES} invitees"))
                    .because("list.too-many", serde_json::json!({ "max": MAX_INVITEES })),
            );
        }
        let mut seen = HashSet::new();
        for (i, code) in self.invitees.iter().enumerate() {
            if let Err(e) = crate::types::CreditCode::parse(code) {
                errors.push(
                    FieldError::new(format!("invitees[{i}]"), e)
                        .because("id.credit-code", serde_json::json!({})),
                );
            } else if !seen.insert(code.as_str()) {
                errors.push(
                    FieldError::new(format!("invitees[{i}]"), "invited twice")
                        .because("list.duplicate", serde_json::json!({ "value": code })),
                );
            }
        }
        errors
    }

    /// The method each lot is evaluated by: (lot number, method); a tender
    /// without lots is one lot, numbered 0.
    pub fn lot_methods(&self) -> Vec<(u32, &Evaluation)> {
        if self.lots.is_empty() {
            return vec![(0, &self.evaluation)];
        }
        self.lots
            .iter()
            .enumerate()
            .map(|(i, l)| {
                (
                    i as u32 + 1,
                    l.evaluation.as_ref().unwrap_or(&self.evaluation),
                )
            })
            .collect()
    }
}

fn check_code(errors: &mut Vec<FieldError>, field: &str, code: &str) {
    let ok = !code.is_empty()
        && code.len() <= 40
        && code
            .chars()
            .all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '_');
    if !ok {
        errors.push(code_format(field));
    }
}

/// A code (of a review item, a criterion) that is not 1 to 40 of
/// `a-z 0-9 - _`.
fn code_format(field: &str) -> FieldError {
    FieldError::new(field, "1 to 40 characters of a-z, 0-9, '-' or '_'")
        .because("tender.code-format", serde_json::json!({ "max": 40 }))
}

impl ProcedureTerms {
    pub const MAX_ITEMS: usize = 100;

    /// Structural checks; the category's rules are in [`super::rules`].
    pub fn validate(&self, budget_fen: i64) -> Vec<FieldError> {
        let mut errors = Vec::new();
        if let Some(ceiling) = self.ceiling_price_fen
            && (ceiling <= 0 || ceiling > budget_fen)
        {
            errors.push(
                FieldError::new(
                    "terms.ceiling_price_fen",
                    "more than 0 and not above the budget",
                )
                .because("tender.ceiling-within-budget", serde_json::json!({})),
            );
        }
        if let Some(days) = self.bid_validity_days
            && !(1..=365).contains(&days)
        {
            errors.push(
                FieldError::new("terms.bid_validity_days", "between 1 and 365 days")
                    .because("number.range", serde_json::json!({ "min": 1, "max": 365 })),
            );
        }
        let mut codes = HashSet::new();
        for (list, items) in [
            ("qualification", &self.qualification),
            ("compliance", &self.compliance),
        ] {
            if items.len() > Self::MAX_ITEMS {
                errors.push(
                    FieldError::new(
                        format!("terms.{list}"),
                        format!("at most {} items", Self::MAX_ITEMS),
                    )
                    .because(
                        "list.too-many",
                        serde_json::json!({ "max": Self::MAX_ITEMS }),
                    ),
                );
            }
            for (i, item) in items.iter().enumerate() {
                let at = format!("terms.{list}[{i}]");
                check_code(&mut errors, &format!("{at}.code"), &item.code);
                if !codes.insert(item.code.as_str()) {
                    errors.push(
                        FieldError::new(format!("{at}.code"), "review item codes must be unique")
                            .because("list.duplicate", serde_json::json!({ "value": item.code })),
                    );
                }
                check_text(&mut errors, &format!("{at}.name"), &item.name, true, 200);
                check_text(
                    &mut errors,
                    &format!("{at}.document"),
                    &item.document,
                    true,
                    200,
                );
            }
        }
        for (field, percent) in [
            (
                "terms.sme_price_deduction_percent",
                self.sme_price_deduction_percent,
            ),
            (
                "terms.sme_partnership_deduction_percent",
                self.sme_partnership_deduction_percent,
            ),
        ] {
            if let Some(p) = percent
                && (!p.is_finite() || p <= 0.0 || p >= 100.0)
            {
                errors.push(
                    FieldError::new(field, "a percentage above 0 and below 100")
                        .because("number.percentage", serde_json::json!({})),
                );
            }
        }
        errors
    }

    /// A review item by code.
    pub fn item(&self, code: &str) -> Option<&ReviewItem> {
        self.qualification
            .iter()
            .chain(&self.compliance)
            .find(|i| i.code == code)
    }
}

impl Evaluation {
    pub fn validate(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        let Evaluation::ComprehensiveScoring {
            criteria,
            price_formula,
        } = self
        else {
            return errors;
        };
        if criteria.is_empty() {
            errors.push(
                FieldError::new(
                    "evaluation.criteria",
                    "comprehensive scoring needs criteria",
                )
                .because("tender.criteria-needed", serde_json::json!({})),
            );
            return errors;
        }
        let mut codes = HashSet::new();
        let mut total: u64 = 0;
        let mut price_weight = None;
        for (i, c) in criteria.iter().enumerate() {
            let at = format!("evaluation.criteria[{i}]");
            let code_ok = !c.code.is_empty()
                && c.code.len() <= 40
                && c.code
                    .chars()
                    .all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '_');
            if !code_ok {
                errors.push(code_format(&format!("{at}.code")));
            }
            if !codes.insert(c.code.as_str()) {
                errors.push(
                    FieldError::new(format!("{at}.code"), "codes must be unique")
                        .because("list.duplicate", serde_json::json!({ "value": c.code })),
                );
            }
            check_text(&mut errors, &format!("{at}.name"), &c.name, true, 200);
            if c.weight == 0 || c.weight > 100 {
                errors.push(
                    FieldError::new(format!("{at}.weight"), "between 1 and 100 points")
                        .because("number.range", serde_json::json!({ "min": 1, "max": 100 })),
                );
            }
            total += u64::from(c.weight);
            if c.kind == CriterionKind::Price {
                if price_weight.is_some() {
                    errors.push(
                        FieldError::new(
                            format!("{at}.kind"),
                            "only one price criterion is allowed",
                        )
                        .because("tender.one-price-criterion", serde_json::json!({})),
                    );
                }
                price_weight = Some(c.weight);
            }
        }
        if total != 100 {
            errors.push(
                FieldError::new(
                    "evaluation.criteria",
                    format!("weights must add up to 100, not {total}"),
                )
                .because(
                    "tender.weights-total",
                    serde_json::json!({ "total": total }),
                ),
            );
        }
        match price_weight {
            None => errors.push(
                FieldError::new(
                    "evaluation.criteria",
                    "one criterion must be the price (kind \"price\")",
                )
                .because("tender.price-criterion-needed", serde_json::json!({})),
            ),
            Some(weight) => {
                if let PriceFormula::AverageDeviation {
                    above_deduct_per_pct,
                    below_deduct_per_pct,
                } = price_formula
                {
                    for (name, v) in [
                        ("above_deduct_per_pct", above_deduct_per_pct),
                        ("below_deduct_per_pct", below_deduct_per_pct),
                    ] {
                        if !v.is_finite() || *v < 0.0 || *v > f64::from(weight) {
                            errors.push(
                                FieldError::new(
                                    format!("evaluation.price_formula.{name}"),
                                    format!("between 0 and the price weight ({weight})"),
                                )
                                .because(
                                    "number.range",
                                    serde_json::json!({ "min": 0, "max": weight }),
                                ),
                            );
                        }
                    }
                }
            }
        }
        errors
    }
}

impl KeyDates {
    /// The dates must come in order; the legal periods are checked by `limits`.
    pub fn validate_order(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        if self.clarification_deadline <= self.documents_available_at {
            errors.push(
                FieldError::new(
                    "dates.clarification_deadline",
                    "must be after documents_available_at",
                )
                .because(
                    "tender.clarification-before-documents",
                    serde_json::json!({}),
                ),
            );
        }
        if self.bid_deadline < self.clarification_deadline {
            errors.push(
                FieldError::new(
                    "dates.bid_deadline",
                    "must not be before clarification_deadline",
                )
                .because(
                    "tender.bid-deadline-before-clarification",
                    serde_json::json!({}),
                ),
            );
        }
        if self.publicity_days == 0 || self.publicity_days > 60 {
            errors.push(
                FieldError::new("dates.publicity_days", "between 1 and 60 days")
                    .because("number.range", serde_json::json!({ "min": 1, "max": 60 })),
            );
        }
        errors
    }

    /// Deadlines are kept to the second.
    pub fn truncated(mut self) -> Self {
        use chrono::SubsecRound;
        self.documents_available_at = self.documents_available_at.trunc_subsecs(0);
        self.clarification_deadline = self.clarification_deadline.trunc_subsecs(0);
        self.bid_deadline = self.bid_deadline.trunc_subsecs(0);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn criteria(weights: &[(CriterionKind, u32)]) -> Evaluation {
        Evaluation::ComprehensiveScoring {
            criteria: weights
                .iter()
                .enumerate()
                .map(|(i, (kind, weight))| Criterion {
                    code: format!("c{i}"),
                    name: format!("criterion {i}"),
                    kind: *kind,
                    weight: *weight,
                    requires_reason: false,
                    objective: false,
                })
                .collect(),
            price_formula: PriceFormula::LowestPriceBase,
        }
    }

    #[test]
    fn weights_must_add_to_100_with_one_price() {
        use CriterionKind::*;
        assert!(
            criteria(&[(Technical, 60), (Price, 40)])
                .validate()
                .is_empty()
        );
        assert!(
            !criteria(&[(Technical, 60), (Price, 30)])
                .validate()
                .is_empty()
        );
        assert!(
            !criteria(&[(Technical, 60), (Commercial, 40)])
                .validate()
                .is_empty()
        );
        assert!(!criteria(&[(Price, 60), (Price, 40)]).validate().is_empty());
        assert!(Evaluation::LowestEvaluatedPrice.validate().is_empty());
    }

    #[test]
    fn evaluation_json_shapes() {
        let lowest: Evaluation =
            serde_json::from_str(r#"{"method":"lowest_evaluated_price"}"#).unwrap();
        assert_eq!(lowest, Evaluation::LowestEvaluatedPrice);
        let bad = serde_json::from_str::<Evaluation>(r#"{"method":"coin_toss"}"#);
        assert!(bad.is_err());
        let extra = serde_json::from_str::<Evaluation>(
            r#"{"method":"comprehensive_scoring","criteria":[],"price_formula":{"kind":"lowest_price_base"},"x":1}"#,
        );
        assert!(extra.is_err(), "unknown fields are refused");
    }

    /// The stored code, the JSON form and the OpenAPI enum are one string.
    fn assert_codes<T: serde::Serialize + utoipa::PartialSchema>(
        all: &[T],
        code: fn(&T) -> &'static str,
    ) {
        let schema = serde_json::to_value(T::schema()).unwrap();
        let documented: Vec<String> =
            serde_json::from_value(schema["enum"].clone()).expect("an enum schema");
        for v in all {
            assert_eq!(
                serde_json::to_value(v).unwrap(),
                serde_json::Value::String(code(v).into())
            );
            assert!(
                documented.contains(&code(v).to_string()),
                "{} missing from {documented:?}",
                code(v)
            );
        }
        assert_eq!(documented.len(), all.len());
    }

    #[test]
    fn codes_are_the_wire_and_documented_form() {
        assert_codes(Category::ALL, |v| v.code());
        assert_codes(Method::ALL, |v| v.code());
        assert_codes(TenderStatus::ALL, |v| v.code());
        assert_codes(NoticeKind::ALL, |v| v.code());
        assert_codes(CriterionKind::ALL, |v| v.code());
        assert_codes(crate::tenders::lifecycle::Action::ALL, |v| v.code());
    }

    #[test]
    fn enum_codes_round_trip() {
        for s in TenderStatus::ALL {
            assert_eq!(TenderStatus::from_code(s.code()), Some(*s));
            assert_eq!(
                serde_json::to_value(s).unwrap(),
                serde_json::Value::String(s.code().into())
            );
        }
        for c in Category::ALL {
            assert_eq!(Category::from_code(c.code()), Some(*c));
        }
    }
}
