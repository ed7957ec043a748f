//! What a room's votes and scores add up to, per lot (pure): which bids
//! are rejected and on what ground, the evaluated prices, the price scores
//! by the lot's formula, the totals, the ranking, the candidates (at most
//! three) or the lot's failure. The report is built from it.
//!
//! - A bid above the ceiling price is rejected without a vote
//!   (招标投标法实施条例 第51条(五); 财政部令第87号 第63条(四)).
//! - A corrected price binds once the bidder confirms it; unconfirmed when
//!   the review closes, the bid is rejected (87号令 第59条).
//! - An abnormally low price the bidder has not explained when the review
//!   closes is rejected (87号令 第60条; 条例 第51条(五)).
//! - Otherwise a bid is rejected on an item when more than half of the
//!   sitting members fail it (87号令 第62条: 少数服从多数), on the ground
//!   most of them gave.
//! - Price is always scored by formula over the compliant bids' evaluated
//!   prices (the corrected price, less the small-enterprise deduction where
//!   the tender grants one: 财库〔2020〕46号 第9条; or the smaller one for a
//!   consortium with or subcontracting to small enterprises, 第9条第二款).
//! - Ranked by the stated rules: by total, then by evaluated price, under
//!   comprehensive scoring (财政部令第87号 第57条: "得分相同的，按投标报价
//!   由低到高顺序排列。得分且投标报价相同的并列"); by evaluated price under
//!   the lowest-price methods (第56条: "投标报价相同的并列"). Tenders under
//!   the tendering law rank the same way (the documents state no other
//!   rule here). What the rules leave equal is a tie (并列), marked as such
//!   and listed in label order: the tenderer decides between tied
//!   candidates by the method its documents state, or else by lot (第68条:
//!   "中标候选人并列的，由采购人或者采购人委托评标委员会按照招标文件规定的
//!   方式确定中标人；招标文件未规定的，采取随机抽取的方式确定").
//! - At most three ranked candidates per lot (条例 第53条); a government
//!   procurement tendering with fewer than three compliant bids in a lot
//!   fails there (政府采购法 第36条(一)).

use super::room::{Round, State, round2};
use crate::tenders::model::{CriterionKind, Evaluation, PriceFormula};
use crate::tenders::rules::Ground;
use serde::Serialize;
use std::collections::BTreeMap;

/// The item every bid is open to a vote on beyond the tender's own: a
/// ground from the category's list not tied to an item (collusion, two
/// bids from one bidder…). Members vote on it only to fail a bid.
pub const GENERAL_ITEM: &str = "general";

/// Why a bid is out of a lot's evaluation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rejection {
    pub ground: Ground,
    /// The review item failed (`general` for a ground alone), or `None`
    /// when no vote was needed.
    pub item: Option<String>,
    /// How many sitting members failed it.
    pub votes: usize,
    pub automatic: bool,
    pub detail: String,
}

/// One bid in one lot, evaluated.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LotBid {
    pub label: String,
    pub price_fen: i64,
    /// The price as corrected and confirmed by the bidder, if it was.
    pub corrected_price_fen: Option<i64>,
    /// The price the evaluation compares.
    pub evaluated_price_fen: i64,
    pub sme: bool,
    pub rejection: Option<Rejection>,
    /// The committee's points per criterion (the members' mean, or the
    /// chair's resolution of an objective item), and the price's.
    pub criteria: BTreeMap<String, Option<f64>>,
    pub total: Option<f64>,
}

/// One lot's outcome.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LotOutcome {
    pub lot: u32,
    pub bids: Vec<LotBid>,
    /// Labels of the compliant bids, best first.
    pub ranking: Vec<String>,
    /// Groups of labels the stated rules leave equal (并列), each in
    /// ranking order; a label is in one group at most.
    pub ties: Vec<Vec<String>>,
    /// The first three of the ranking, unless the lot failed.
    pub candidates: Vec<String>,
    pub failed: Option<String>,
}

impl State {
    /// Whether the review round has closed.
    pub fn review_closed(&self) -> bool {
        self.setup
            .rounds()
            .iter()
            .position(|r| *r == Round::Review)
            .is_some_and(|i| self.round > i)
    }

    /// Why `label` is out of `lot`, if it is, with the votes as they stand.
    pub fn rejection(&self, lot: u32, label: &str) -> Option<Rejection> {
        let setup = &self.setup;
        let Some(price) = setup.price(lot, label) else {
            return Some(Rejection {
                ground: Ground::NotResponsive,
                item: None,
                votes: 0,
                automatic: true,
                detail: "the bid gives a total price only; the tender is evaluated per lot".into(),
            });
        };
        if let Some(ceiling) = setup.ceiling(lot)
            && price > ceiling
        {
            return Some(Rejection {
                ground: Ground::AboveCeiling,
                item: None,
                votes: 0,
                automatic: true,
                detail: format!("{price} fen is above the ceiling price of {ceiling} fen"),
            });
        }
        let closed = self.review_closed();
        if let Some(c) = self.corrections.get(&(lot, label.to_string())) {
            let refused = c.confirmed == Some(false) || (closed && c.confirmed.is_none());
            if refused {
                return Some(Rejection {
                    ground: Ground::CorrectionRefused,
                    item: None,
                    votes: 0,
                    automatic: true,
                    detail: format!(
                        "the corrected price of {} fen was not confirmed by the bidder",
                        c.price_fen
                    ),
                });
            }
        }
        if closed
            && self.clarifications.iter().any(|q| {
                q.topic == super::room::Topic::LowPrice
                    && q.lot == lot
                    && q.bid == label
                    && q.answer.is_none()
            })
        {
            return Some(Rejection {
                ground: Ground::BelowCost,
                item: None,
                votes: 0,
                automatic: true,
                detail: "the bidder did not explain its abnormally low price".into(),
            });
        }
        let active = self.active();
        let mut items: Vec<&str> = setup.items.iter().map(|i| i.code.as_str()).collect();
        items.push(GENERAL_ITEM);
        for item in items {
            let fails: Vec<Ground> = active
                .iter()
                .filter_map(|e| {
                    self.reviews
                        .get(&(e.to_string(), lot, label.to_string(), item.to_string()))
                })
                .filter(|v| !v.pass)
                .filter_map(|v| v.ground)
                .collect();
            if fails.len() * 2 > active.len() {
                let order = crate::tenders::rules::grounds(setup.category);
                let mut counts: Vec<(usize, usize, Ground)> = Vec::new();
                for g in &fails {
                    let at = order
                        .iter()
                        .position(|r| r.ground == *g)
                        .unwrap_or(usize::MAX);
                    match counts.iter_mut().find(|c| c.2 == *g) {
                        Some(c) => c.0 += 1,
                        None => counts.push((1, at, *g)),
                    }
                }
                counts.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
                let ground = counts[0].2;
                return Some(Rejection {
                    ground,
                    item: Some(item.to_string()),
                    votes: fails.len(),
                    automatic: false,
                    detail: format!("{} of {} members failed it", fails.len(), active.len()),
                });
            }
        }
        None
    }

    /// The price the evaluation compares for `label` in `lot`.
    pub fn evaluated_price(&self, lot: u32, label: &str) -> Option<(i64, Option<i64>)> {
        let price = self.setup.price(lot, label)?;
        let corrected = self
            .corrections
            .get(&(lot, label.to_string()))
            .filter(|c| c.confirmed == Some(true))
            .map(|c| c.price_fen);
        let base = corrected.unwrap_or(price);
        // A small enterprise's own deduction; else the smaller one for a
        // consortium with, or subcontracting to, small enterprises of 30 %
        // of the contract or more (财库〔2020〕46号 第9条第二款).
        let setup = &self.setup;
        let deduction = setup.bid(label).and_then(|b| {
            if b.sme {
                setup.sme_deduction_percent
            } else if b
                .sme_share_percent
                .is_some_and(|s| s >= crate::tenders::rules::SME_PARTNERSHIP_MIN_SHARE_PERCENT)
            {
                setup.sme_partnership_deduction_percent
            } else {
                None
            }
        });
        let evaluated = match deduction {
            Some(pct) => (base as f64 * (1.0 - pct / 100.0)).round() as i64,
            None => base,
        };
        Some((evaluated, corrected))
    }

    /// The committee's points for one non-price criterion of a bid: the
    /// chair's resolution, else the sitting members' mean.
    pub fn committee_points(&self, lot: u32, label: &str, criterion: &str) -> Option<f64> {
        if let Some(r) = self
            .resolved
            .get(&(lot, label.to_string(), criterion.to_string()))
        {
            return Some(r.points);
        }
        let points: Vec<f64> = self
            .active()
            .iter()
            .filter_map(|e| {
                self.scores
                    .get(&(e.to_string(), lot, label.to_string(), criterion.to_string()))
            })
            .map(|s| s.points)
            .collect();
        (!points.is_empty()).then(|| round2(points.iter().sum::<f64>() / points.len() as f64))
    }

    /// Every lot's outcome as the room stands.
    pub fn outcome(&self) -> Vec<LotOutcome> {
        self.setup
            .lots
            .iter()
            .map(|lot| self.lot_outcome(lot.lot))
            .collect()
    }

    fn lot_outcome(&self, lot: u32) -> LotOutcome {
        let setup = &self.setup;
        let evaluation = setup
            .lot(lot)
            .map(|l| l.evaluation.clone())
            .unwrap_or(Evaluation::LowestPrice);
        let mut bids: Vec<LotBid> = setup
            .bids_in(lot)
            .map(|b| {
                let (evaluated, corrected) = self
                    .evaluated_price(lot, &b.label)
                    .unwrap_or((b.price_fen, None));
                LotBid {
                    label: b.label.clone(),
                    price_fen: setup.price(lot, &b.label).unwrap_or(b.price_fen),
                    corrected_price_fen: corrected,
                    evaluated_price_fen: evaluated,
                    sme: b.sme,
                    rejection: self.rejection(lot, &b.label),
                    criteria: BTreeMap::new(),
                    total: None,
                }
            })
            .collect();
        if let Evaluation::ComprehensiveScoring {
            criteria,
            price_formula,
        } = &evaluation
        {
            let weight = criteria
                .iter()
                .find(|c| c.kind == CriterionKind::Price)
                .map(|c| f64::from(c.weight));
            let compliant: Vec<(String, i64)> = bids
                .iter()
                .filter(|b| b.rejection.is_none())
                .map(|b| (b.label.clone(), b.evaluated_price_fen))
                .collect();
            let prices = match weight {
                Some(w) => price_scores(w, price_formula, &compliant),
                None => BTreeMap::new(),
            };
            for b in bids.iter_mut().filter(|b| b.rejection.is_none()) {
                let mut total = 0.0;
                for c in criteria {
                    let v = if c.kind == CriterionKind::Price {
                        prices.get(&b.label).copied()
                    } else {
                        self.committee_points(lot, &b.label, &c.code)
                    };
                    total += v.unwrap_or(0.0);
                    b.criteria.insert(c.code.clone(), v);
                }
                b.total = Some(round2(total));
            }
        }
        let mut ranked: Vec<&LotBid> = bids.iter().filter(|b| b.rejection.is_none()).collect();
        // The stated rules (87号令 第56条, 第57条); what they leave equal
        // is a tie, in label order.
        let scored = matches!(evaluation, Evaluation::ComprehensiveScoring { .. });
        let by_rules = |a: &&LotBid, b: &&LotBid| {
            let price = a.evaluated_price_fen.cmp(&b.evaluated_price_fen);
            if scored {
                b.total
                    .unwrap_or(0.0)
                    .total_cmp(&a.total.unwrap_or(0.0))
                    .then(price)
            } else {
                price
            }
        };
        ranked.sort_by(|a, b| by_rules(a, b).then(a.label.cmp(&b.label)));
        let ranking: Vec<String> = ranked.iter().map(|b| b.label.clone()).collect();
        let mut ties: Vec<Vec<String>> = Vec::new();
        for pair in ranked.windows(2) {
            if by_rules(&pair[0], &pair[1]).is_eq() {
                match ties.last_mut() {
                    Some(group) if group.last() == Some(&pair[0].label) => {
                        group.push(pair[1].label.clone())
                    }
                    _ => ties.push(vec![pair[0].label.clone(), pair[1].label.clone()]),
                }
            }
        }
        let min = setup.min_compliant.max(1) as usize;
        let failed = (ranking.len() < min).then(|| {
            format!(
                "{} compliant bid(s), fewer than the {} the rules require [{}]",
                ranking.len(),
                min,
                setup.min_compliant_basis
            )
        });
        let candidates = if failed.is_some() {
            Vec::new()
        } else {
            ranking.iter().take(3).cloned().collect()
        };
        LotOutcome {
            lot,
            bids,
            ranking,
            ties,
            candidates,
            failed,
        }
    }
}

/// Price scores by a formula, per label, over the compliant bids' evaluated
/// prices (to two decimals).
pub fn price_scores(
    weight: f64,
    formula: &PriceFormula,
    prices: &[(String, i64)],
) -> BTreeMap<String, f64> {
    let prices: Vec<(&str, f64)> = prices
        .iter()
        .filter(|p| p.1 > 0)
        .map(|(l, p)| (l.as_str(), *p as f64))
        .collect();
    if prices.is_empty() {
        return BTreeMap::new();
    }
    let lowest = prices.iter().map(|p| p.1).fold(f64::INFINITY, f64::min);
    let mean = prices.iter().map(|p| p.1).sum::<f64>() / prices.len() as f64;
    prices
        .into_iter()
        .map(|(label, price)| {
            let score = match formula {
                PriceFormula::LowestPriceBase => weight * lowest / price,
                PriceFormula::AverageDeviation {
                    above_deduct_per_pct,
                    below_deduct_per_pct,
                } => {
                    let pct = (price - mean) / mean * 100.0;
                    let deduct = if pct >= 0.0 {
                        pct * above_deduct_per_pct
                    } else {
                        -pct * below_deduct_per_pct
                    };
                    (weight - deduct).max(0.0)
                }
            };
            (label.to_string(), round2(score))
        })
        .collect()
}
