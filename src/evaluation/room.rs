//! An evaluation room, pure: its state is the fold of its events
//! ([`State::apply`]), and an action is decided against the state
//! ([`State::decide`]): refused with a reason, or turned into the events to
//! append. No clock, no database: time and identities come in as data.
//!
//! The procedure (招标投标法实施条例 第48–53条; 财政部令第87号 第50–64条):
//! members declare they have no conflict of interest (or recuse, and a
//! reserve takes the seat); they elect a chair by majority. Then the
//! rounds, each over every lot: the **review** (pass/fail on each of the
//! tender's items, and on the category's other grounds; a bid failed by a
//! majority is rejected on a legal ground and never scored; a bid above the
//! ceiling is rejected without a vote; the chair may correct an arithmetic
//! error, which binds once the bidder confirms it; any member may ask the
//! bidder to explain an abnormally low price), then for comprehensive
//! scoring the **technical** and **commercial** rounds (within each
//! criterion's points, a reason where asked; objective items must agree,
//! the chair resolves a disagreement; a score far from the others' mean is
//! flagged). The chair closes a round once every sitting member has done
//! it. When the technical round closes a blind room learns whose bid is
//! whose. After the last round the outcome follows by rule
//! ([`super::outcome`]): price scores by formula, rankings and at most
//! three candidates per lot, and the report; each member signs its hash, or
//! refuses (with a reason: a dissent; without: agreement, 条例 第53条). The
//! room closes when every sitting member has signed or refused.
//!
//! A replacement takes over what the member it replaces did (条例 第48条):
//! the replaced member's votes and scores count no more, and the newcomer
//! owes them for every round already closed before the report is made.

use super::outcome::{GENERAL_ITEM, LotOutcome};
pub use crate::reasons::{Refusal, Refusing, refuse};
use crate::tenders::model::{Category, Criterion, CriterionKind, Evaluation, ReviewItem};
use crate::tenders::rules::Ground;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

/// One bid as the room knows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RoomBid {
    /// "A", "B", "C", … in a random order.
    pub label: String,
    pub bid_id: String,
    pub bidder_org_id: String,
    pub bidder: String,
    /// The total price read at the opening.
    pub price_fen: i64,
    /// The price per lot number, where the bid priced lots.
    #[serde(default)]
    pub lot_prices: BTreeMap<u32, i64>,
    /// Declared a small or micro enterprise (中小企业声明函).
    #[serde(default)]
    pub sme: bool,
    /// The share of the contract its consortium agreement or
    /// subcontracting intention gives small and micro enterprises, in
    /// percent, where it declared one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sme_share_percent: Option<u32>,
}

/// One lot as the room evaluates it (lot 0: the tender as one).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RoomLot {
    pub lot: u32,
    pub title: String,
    pub evaluation: Evaluation,
    /// The ceiling price in force: the lot's (or the tender's) ceiling,
    /// and in government procurement its budget too.
    pub ceiling_fen: Option<i64>,
}

/// One member of the committee as seated when the room opened (or later,
/// as a replacement).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RoomMember {
    pub expert: String,
    pub name: String,
    pub league: String,
    /// The league of the venue it sits at.
    pub venue: String,
    /// The tenderer's (purchaser's) representative, named and not drawn.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub representative: bool,
}

/// What the room is set up with (the `room.opened` event's stored form).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Setup {
    pub tender_id: String,
    pub category: Category,
    pub lots: Vec<RoomLot>,
    /// Whether bids are compared per lot (they priced lots); else the
    /// tender is lot 0 and each bid's total is its price.
    pub per_lot: bool,
    pub bids: Vec<RoomBid>,
    pub members: Vec<RoomMember>,
    /// The pass/fail items the committee reviews (the compliance items, and
    /// the qualification items unless the purchaser reviewed them).
    pub items: Vec<ReviewItem>,
    /// The small-enterprise price deduction, in percent.
    pub sme_deduction_percent: Option<f64>,
    /// The deduction for a consortium with, or subcontracting to, small
    /// enterprises (财库〔2020〕46号 第9条第二款), in percent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sme_partnership_deduction_percent: Option<f64>,
    /// The fewest compliant bids a lot needs, and why.
    pub min_compliant: u32,
    pub min_compliant_basis: String,
    /// Technical parts evaluated without knowing whose bid is whose.
    pub blind: bool,
    /// A score more than this far (percent) from the others' mean is flagged.
    pub deviation_percent: u32,
}

/// A round of the room.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Round {
    /// Pass/fail: qualification and compliance; rejections.
    Review,
    Technical,
    Commercial,
}

impl Setup {
    /// The rounds, in order: the review, then the criterion kinds some lot
    /// scores by hand.
    pub fn rounds(&self) -> Vec<Round> {
        let mut rounds = vec![Round::Review];
        for (kind, round) in [
            (CriterionKind::Technical, Round::Technical),
            (CriterionKind::Commercial, Round::Commercial),
        ] {
            if self
                .lots
                .iter()
                .any(|l| criteria(l).iter().any(|c| c.kind == kind))
            {
                rounds.push(round);
            }
        }
        rounds
    }

    pub fn lot(&self, lot: u32) -> Option<&RoomLot> {
        self.lots.iter().find(|l| l.lot == lot)
    }

    pub fn bid(&self, label: &str) -> Option<&RoomBid> {
        self.bids.iter().find(|b| b.label == label)
    }

    /// The price `label` offers for `lot`: its total where the tender is
    /// one lot; its lot price where bids are compared per lot.
    pub fn price(&self, lot: u32, label: &str) -> Option<i64> {
        let bid = self.bid(label)?;
        if self.per_lot {
            bid.lot_prices.get(&lot).copied()
        } else {
            Some(bid.price_fen)
        }
    }

    pub fn ceiling(&self, lot: u32) -> Option<i64> {
        self.lot(lot).and_then(|l| l.ceiling_fen)
    }

    /// The bids in a lot: those that priced it (where bids are compared
    /// per lot, a bid with a total only is in every lot, to be rejected).
    pub fn bids_in(&self, lot: u32) -> impl Iterator<Item = &RoomBid> {
        self.bids.iter().filter(move |b| {
            !self.per_lot || b.lot_prices.is_empty() || b.lot_prices.contains_key(&lot)
        })
    }

    fn criterion(&self, lot: u32, code: &str) -> Option<&Criterion> {
        self.lot(lot)
            .and_then(|l| criteria(l).iter().find(|c| c.code == code))
    }
}

impl Round {
    fn kind(self) -> Option<CriterionKind> {
        match self {
            Round::Review => None,
            Round::Technical => Some(CriterionKind::Technical),
            Round::Commercial => Some(CriterionKind::Commercial),
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Round::Review => "review",
            Round::Technical => "technical",
            Round::Commercial => "commercial",
        }
    }
}

/// A lot's criteria (none unless it is scored).
pub fn criteria(lot: &RoomLot) -> &[Criterion] {
    match &lot.evaluation {
        Evaluation::ComprehensiveScoring { criteria, .. } => criteria,
        _ => &[],
    }
}

/// Where the room is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Members declare; the chair is elected.
    Opening,
    /// The rounds.
    Scoring,
    /// The report is ready; members sign it.
    Signing,
    Closed,
}

/// One member's standing in the room.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct MemberState {
    pub declared: bool,
    pub recused: bool,
    pub vote: Option<String>,
    pub signed: bool,
    /// Refused to sign (with a reason: a dissent; without: agreement).
    pub refused: bool,
    pub dissent: Option<String>,
    /// The round in progress when it took its seat (0 for the first).
    pub joined_round: usize,
}

/// A score given.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Score {
    pub points: f64,
    pub reason: Option<String>,
}

/// A member's pass/fail on one review item of one bid in one lot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewVote {
    pub pass: bool,
    pub ground: Option<Ground>,
    pub reason: Option<String>,
}

/// What a clarification asks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Topic {
    /// Something unclear in the bid (条例 第52条).
    #[default]
    Question,
    /// Explain an abnormally low price, or be rejected (87号令 第60条).
    LowPrice,
    /// Confirm an arithmetic correction of the price, or be rejected
    /// (87号令 第59条).
    Correction,
}

/// A clarification asked of a bidder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Clarification {
    pub id: String,
    pub bid: String,
    #[serde(default)]
    pub lot: u32,
    #[serde(default)]
    pub topic: Topic,
    pub question: String,
    pub answer: Option<String>,
    /// The corrected price proposed (a correction).
    #[serde(default)]
    pub price_fen: Option<i64>,
    /// The bidder's confirmation of a correction.
    #[serde(default)]
    pub confirmed: Option<bool>,
}

/// An arithmetic correction of a bid's price in a lot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Correction {
    pub clarification: String,
    pub price_fen: i64,
    pub confirmed: Option<bool>,
}

/// (expert, lot, bid label, criterion or item).
pub type Key = (String, u32, String, String);

/// The room's state: the fold of its events.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct State {
    pub setup: Setup,
    pub phase: Phase,
    pub members: BTreeMap<String, MemberState>,
    /// Members in the order they took their seat.
    pub roster: Vec<RoomMember>,
    pub chair: Option<String>,
    /// The round being done (index into `setup.rounds()`).
    pub round: usize,
    pub scores: BTreeMap<Key, Score>,
    pub reviews: BTreeMap<Key, ReviewVote>,
    /// (lot, bid, criterion) → the chair's resolution of an objective item.
    pub resolved: BTreeMap<(u32, String, String), Score>,
    pub corrections: BTreeMap<(u32, String), Correction>,
    pub flagged: BTreeSet<Key>,
    pub clarifications: Vec<Clarification>,
    pub unblinded: bool,
    pub report_sha256: Option<String>,
}

/// An event as the fold reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub kind: String,
    pub payload: Value,
}

impl Event {
    fn new(kind: &str, payload: Value) -> Event {
        Event {
            kind: kind.to_string(),
            payload,
        }
    }
}

/// Who acts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// A member of the committee (by expert id).
    Member(String),
    /// Anyone else in the room (supervisors watch).
    Watcher,
}

/// An action a member takes. `lot` is the lot number (0, the default,
/// where the tender is evaluated as one).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Action {
    Declare {
        id: String,
    },
    Recuse {
        id: String,
        reason: String,
    },
    Vote {
        id: String,
        candidate: String,
    },
    /// Pass or fail a bid on a review item (`general`: fail it on a ground
    /// of the category's list not tied to an item).
    Review {
        id: String,
        #[serde(default)]
        lot: u32,
        bid: String,
        item: String,
        pass: bool,
        /// Required to fail: a ground from the category's list.
        ground: Option<Ground>,
        /// Required to fail.
        reason: Option<String>,
    },
    Score {
        id: String,
        #[serde(default)]
        lot: u32,
        bid: String,
        criterion: String,
        points: f64,
        reason: Option<String>,
    },
    /// The chair settles an objective item the members disagree on.
    Resolve {
        id: String,
        #[serde(default)]
        lot: u32,
        bid: String,
        criterion: String,
        points: f64,
        reason: String,
    },
    Clarify {
        id: String,
        #[serde(default)]
        lot: u32,
        bid: String,
        question: String,
        /// `question` (default) or `low_price`; a correction is `correct`.
        #[serde(default)]
        topic: Topic,
    },
    /// The chair corrects an arithmetic error in a bid's price; the bidder
    /// confirms or refuses through the clarification it gets.
    Correct {
        id: String,
        #[serde(default)]
        lot: u32,
        bid: String,
        price_fen: i64,
        reason: String,
    },
    CloseRound {
        id: String,
    },
    Sign {
        id: String,
        /// Base64 of the raw signature over [`report_signing_text`].
        signature: String,
        /// A dissenting member's reason (it signs all the same).
        dissent: Option<String>,
    },
    /// Refuse to sign: with a reason, a recorded dissent; without one, it
    /// counts as agreement (招标投标法实施条例 第53条).
    RefuseToSign {
        id: String,
        reason: Option<String>,
    },
}

impl Action {
    /// The client's id of this message.
    pub fn id(&self) -> &str {
        match self {
            Action::Declare { id }
            | Action::Recuse { id, .. }
            | Action::Vote { id, .. }
            | Action::Review { id, .. }
            | Action::Score { id, .. }
            | Action::Resolve { id, .. }
            | Action::Clarify { id, .. }
            | Action::Correct { id, .. }
            | Action::CloseRound { id }
            | Action::Sign { id, .. }
            | Action::RefuseToSign { id, .. } => id,
        }
    }
}

/// The text a member signs: the report's hash, bound to the tender.
pub fn report_signing_text(tender_id: &str, report_sha256: &str) -> String {
    format!("ggzy-evaluation-report-v1\n{tender_id}\n{report_sha256}\n")
}

fn text_ok(text: &str, max: usize) -> bool {
    let t = text.trim();
    !t.is_empty() && t.chars().count() <= max && !crate::types::has_control_chars(t)
}

/// Points with at most two decimals, within 0..=max.
fn points_ok(points: f64, max: u32, code: &str) -> Result<(), Refusal> {
    if !points.is_finite() || points < 0.0 || points > f64::from(max) {
        return refuse("range", format!("{code} is scored from 0 to {max}"))
            .because("room.points-range", json!({"criterion": code, "max": max}));
    }
    // Two decimals, as typed: 16.1 is 1610.0000000000002 hundredths in
    // binary, so compare with the nearest whole number of hundredths.
    let hundredths = points * 100.0;
    if (hundredths - hundredths.round()).abs() > 1e-6 {
        return refuse("range", "points have at most two decimals")
            .because("room.points-decimals", json!({}));
    }
    Ok(())
}

/// What is still to be done before a round may close.
#[derive(Debug, Default, PartialEq)]
pub struct Missing {
    pub votes: usize,
    pub scores: usize,
    /// Objective items the members disagree on, unresolved.
    pub disagreements: Vec<(u32, String, String)>,
}

impl State {
    /// The room as it opens.
    pub fn new(setup: Setup) -> State {
        let members = setup
            .members
            .iter()
            .map(|m| (m.expert.clone(), MemberState::default()))
            .collect();
        State {
            roster: setup.members.clone(),
            setup,
            phase: Phase::Opening,
            members,
            chair: None,
            round: 0,
            scores: BTreeMap::new(),
            reviews: BTreeMap::new(),
            resolved: BTreeMap::new(),
            corrections: BTreeMap::new(),
            flagged: BTreeSet::new(),
            clarifications: Vec::new(),
            unblinded: false,
            report_sha256: None,
        }
    }

    /// Members still sitting (not recused).
    pub fn active(&self) -> Vec<&str> {
        self.roster
            .iter()
            .map(|m| m.expert.as_str())
            .filter(|e| self.members.get(*e).is_some_and(|s| !s.recused))
            .collect()
    }

    pub fn current_round(&self) -> Option<Round> {
        self.setup.rounds().get(self.round).copied()
    }

    fn round_index(&self, round: Round) -> Option<usize> {
        self.setup.rounds().iter().position(|r| *r == round)
    }

    /// Decides an action: the events it adds, or why not.
    pub fn decide(&self, actor: &Actor, action: &Action) -> Result<Vec<Event>, Refusal> {
        let Actor::Member(me) = actor else {
            return refuse(
                "role",
                "only members of the committee act in the room; supervisors and staff watch",
            )
            .because("room.watchers-only-watch", json!({}));
        };
        let Some(mine) = self.members.get(me) else {
            return refuse("role", "you are not a member of this committee")
                .because("room.not-member", json!({}));
        };
        if mine.recused {
            return refuse("role", "you have recused yourself from this evaluation")
                .because("room.recused", json!({}));
        }
        if self.phase == Phase::Closed {
            return refuse("phase", "the evaluation is closed").because("room.closed", json!({}));
        }
        match action {
            Action::Declare { .. } => {
                if mine.declared {
                    return refuse("duplicate", "you have declared already")
                        .because("room.declared-already", json!({}));
                }
                Ok(vec![Event::new("member.declared", json!({"expert": me}))])
            }
            Action::Recuse { reason, .. } => {
                if !text_ok(reason, 500) {
                    return refuse("invalid", "give a reason, 1 to 500 characters")
                        .because("room.recusal-reason", json!({"max": 500}));
                }
                if self.phase == Phase::Signing {
                    return refuse("phase", "the report is ready; recuse before it, or dissent")
                        .because("room.recuse-too-late", json!({}));
                }
                Ok(vec![Event::new(
                    "member.recused",
                    json!({"expert": me, "reason": reason.trim()}),
                )])
            }
            Action::Vote { candidate, .. } => self.vote(me, mine, candidate),
            Action::Review {
                lot,
                bid,
                item,
                pass,
                ground,
                reason,
                ..
            } => self.review(me, mine, *lot, bid, item, *pass, *ground, reason.as_deref()),
            Action::Score {
                lot,
                bid,
                criterion,
                points,
                reason,
                ..
            } => self.score(me, mine, *lot, bid, criterion, *points, reason.as_deref()),
            Action::Resolve {
                lot,
                bid,
                criterion,
                points,
                reason,
                ..
            } => self.resolve(me, *lot, bid, criterion, *points, reason),
            Action::Clarify {
                lot,
                bid,
                question,
                topic,
                ..
            } => {
                self.scoring(mine)?;
                self.bid_in_lot(*lot, bid)?;
                if *topic == Topic::Correction {
                    return refuse("invalid", "a correction is the chair's: send \"correct\"")
                        .because("room.correction-is-chairs", json!({}));
                }
                if !text_ok(question, 2000) {
                    return refuse("invalid", "ask a question of 1 to 2000 characters")
                        .because("room.question-length", json!({"max": 2000}));
                }
                let id = format!("q{}", self.clarifications.len() + 1);
                Ok(vec![Event::new(
                    "clarification.requested",
                    json!({"id": id, "expert": me, "lot": lot, "bid": bid, "topic": topic,
                           "question": question.trim()}),
                )])
            }
            Action::Correct {
                lot,
                bid,
                price_fen,
                reason,
                ..
            } => {
                self.scoring(mine)?;
                if self.chair.as_deref() != Some(me.as_str()) {
                    return refuse("role", "the chair corrects a price, for the committee")
                        .because("room.chair-only", json!({"action": "correct"}));
                }
                if self.current_round() != Some(Round::Review) {
                    return refuse("phase", "prices are corrected during the review")
                        .because("room.correct-during-review", json!({}));
                }
                self.bid_in_lot(*lot, bid)?;
                if *price_fen <= 0 {
                    return refuse("invalid", "the corrected price is a positive amount in fen")
                        .because("room.price-positive", json!({}));
                }
                if !text_ok(reason, 2000) {
                    return refuse("invalid", "say what the error is, 1 to 2000 characters")
                        .because("room.correction-reason", json!({"max": 2000}));
                }
                if self.corrections.contains_key(&(*lot, bid.clone())) {
                    return refuse("duplicate", "this bid's price has been corrected already")
                        .because("room.corrected-already", json!({"lot": lot, "bid": bid}));
                }
                let id = format!("q{}", self.clarifications.len() + 1);
                Ok(vec![Event::new(
                    "clarification.requested",
                    json!({"id": id, "expert": me, "lot": lot, "bid": bid, "topic": Topic::Correction,
                           "question": reason.trim(), "price_fen": price_fen}),
                )])
            }
            Action::CloseRound { .. } => self.close_round(me),
            Action::Sign {
                signature, dissent, ..
            } => {
                self.signing(mine)?;
                if signature.is_empty() || signature.len() > 8192 {
                    return refuse("invalid", "the signature is missing or too long")
                        .because("room.signature-missing", json!({}));
                }
                if let Some(d) = dissent
                    && !text_ok(d, 2000)
                {
                    return refuse(
                        "invalid",
                        "a dissent needs a reason of 1 to 2000 characters",
                    )
                    .because("room.dissent-reason", json!({"max": 2000}));
                }
                Ok(self.finish_if_done(
                    me,
                    Event::new(
                        "report.signed",
                        json!({"expert": me, "signature": signature,
                               "dissent": dissent.as_deref().map(str::trim)}),
                    ),
                ))
            }
            Action::RefuseToSign { reason, .. } => {
                self.signing(mine)?;
                let reason = reason.as_deref().map(str::trim).filter(|r| !r.is_empty());
                if let Some(r) = reason
                    && !text_ok(r, 2000)
                {
                    return refuse("invalid", "a reason is 1 to 2000 characters")
                        .because("room.reason-length", json!({"max": 2000}));
                }
                Ok(self.finish_if_done(
                    me,
                    Event::new(
                        "report.refused",
                        json!({"expert": me, "reason": reason,
                               "counts_as_agreement": reason.is_none()}),
                    ),
                ))
            }
        }
    }

    fn scoring(&self, mine: &MemberState) -> Result<(), Refusal> {
        if !mine.declared {
            return refuse(
                "phase",
                "declare that you have no conflict of interest first",
            )
            .because("room.declare-first", json!({}));
        }
        if self.phase != Phase::Scoring {
            return refuse(
                "phase",
                "the committee reviews and scores once the chair is elected, before the report",
            )
            .because("room.not-scoring", json!({}));
        }
        Ok(())
    }

    fn signing(&self, mine: &MemberState) -> Result<(), Refusal> {
        if self.phase != Phase::Signing {
            return refuse("phase", "there is no report to sign yet")
                .because("room.no-report-yet", json!({}));
        }
        if mine.signed || mine.refused {
            return refuse("duplicate", "you have answered the report already")
                .because("room.answered-report", json!({}));
        }
        Ok(())
    }

    /// The event, and the room's closing when every other sitting member
    /// has signed or refused.
    fn finish_if_done(&self, me: &str, event: Event) -> Vec<Event> {
        let mut events = vec![event];
        let others_done = self
            .active()
            .iter()
            .filter(|e| **e != me)
            .all(|e| self.members[*e].signed || self.members[*e].refused);
        if others_done {
            events.push(Event::new("room.closed", json!({})));
        }
        events
    }

    fn bid_in_lot(&self, lot: u32, bid: &str) -> Result<(), Refusal> {
        if self.setup.lot(lot).is_none() {
            let lots: Vec<u32> = self.setup.lots.iter().map(|l| l.lot).collect();
            return refuse(
                "invalid",
                format!("no lot {lot} in this room; lots: {lots:?}"),
            )
            .because("room.no-lot", json!({"lot": lot, "lots": lots}));
        }
        if !self.setup.bids_in(lot).any(|b| b.label == bid) {
            return refuse("invalid", format!("no bid {bid:?} in lot {lot}"))
                .because("room.no-bid", json!({"lot": lot, "bid": bid}));
        }
        Ok(())
    }

    /// Whether `me` may still act on `round`: the round in progress, or
    /// one closed before it took its seat (a replacement owes it).
    fn may_act_on(&self, mine: &MemberState, round: Round) -> Result<(), Refusal> {
        let Some(index) = self.round_index(round) else {
            return refuse(
                "invalid",
                format!("this room has no {} round", round.code()),
            )
            .because("room.no-such-round", json!({"round": round.code()}));
        };
        if index > self.round {
            return refuse(
                "locked",
                format!(
                    "the {} round is not open yet: rounds are done in order",
                    round.code()
                ),
            )
            .because("room.round-not-open", json!({"round": round.code()}));
        }
        if index < self.round && mine.joined_round <= index {
            return refuse(
                "locked",
                format!(
                    "the {} round is closed: what was given there is final",
                    round.code()
                ),
            )
            .because("room.round-closed", json!({"round": round.code()}));
        }
        Ok(())
    }

    fn vote(&self, me: &str, mine: &MemberState, candidate: &str) -> Result<Vec<Event>, Refusal> {
        if self.chair.is_some() || !matches!(self.phase, Phase::Opening | Phase::Scoring) {
            return refuse("phase", "the chair is elected already")
                .because("room.chair-elected-already", json!({}));
        }
        if !mine.declared {
            return refuse(
                "phase",
                "declare that you have no conflict of interest first",
            )
            .because("room.declare-first", json!({}));
        }
        if mine.vote.is_some() {
            return refuse("duplicate", "you have voted already")
                .because("room.voted-already", json!({}));
        }
        if !self.active().contains(&candidate) {
            return refuse("invalid", "the candidate is not a sitting member")
                .because("room.candidate-not-sitting", json!({}));
        }
        // 财政部关于进一步规范政府采购评审工作有关问题的通知 (财库〔2012〕69号):
        // 评审委员会应当推选组长，但采购人代表不得担任组长.
        if self.setup.category == Category::GovernmentProcurement
            && self
                .roster
                .iter()
                .any(|m| m.expert == candidate && m.representative)
        {
            return refuse(
                "invalid",
                "the purchaser's representative does not chair a government procurement \
                 committee: vote for an expert (财库〔2012〕69号: 采购人代表不得担任组长)",
            )
            .because("room.representative-not-chair", json!({}));
        }
        let mut events = vec![Event::new(
            "chair.vote",
            json!({"expert": me, "candidate": candidate}),
        )];
        let votes = 1 + self
            .members
            .iter()
            .filter(|(e, s)| !s.recused && e.as_str() != me && s.vote.as_deref() == Some(candidate))
            .count();
        if votes * 2 > self.active().len() {
            events.push(Event::new("chair.elected", json!({"expert": candidate})));
            // A chair elected again (the first one left) takes over the
            // round in progress.
            if self.phase == Phase::Opening
                && let Some(round) = self.setup.rounds().first()
            {
                events.push(Event::new("round.started", json!({"round": round})));
            }
        }
        Ok(events)
    }

    #[allow(clippy::too_many_arguments)]
    fn review(
        &self,
        me: &str,
        mine: &MemberState,
        lot: u32,
        bid: &str,
        item: &str,
        pass: bool,
        ground: Option<Ground>,
        reason: Option<&str>,
    ) -> Result<Vec<Event>, Refusal> {
        self.scoring(mine)?;
        self.may_act_on(mine, Round::Review)?;
        self.bid_in_lot(lot, bid)?;
        let listed = self.setup.items.iter().any(|i| i.code == item);
        if !listed && item != GENERAL_ITEM {
            let codes: Vec<&str> = self.setup.items.iter().map(|i| i.code.as_str()).collect();
            return refuse(
                "invalid",
                format!("no review item {item:?}; items: {codes:?} and {GENERAL_ITEM:?}"),
            )
            .because("room.no-review-item", json!({"item": item, "items": codes}));
        }
        if let Some(r) = self.rejection(lot, bid).filter(|r| r.automatic) {
            return refuse("rejected", format!("this bid is out already: {}", r.detail))
                .because("room.bid-out", json!({"lot": lot, "bid": bid}));
        }
        let reason = reason.map(str::trim).filter(|r| !r.is_empty());
        if let Some(r) = reason
            && !text_ok(r, 2000)
        {
            return refuse("invalid", "a reason is 1 to 2000 characters")
                .because("room.reason-length", json!({"max": 2000}));
        }
        if pass {
            if item == GENERAL_ITEM {
                return refuse(
                    "invalid",
                    "the general item is voted on only to fail a bid on a ground",
                )
                .because("room.general-item-fails-only", json!({}));
            }
            if ground.is_some() {
                return refuse("invalid", "a pass has no ground")
                    .because("room.pass-no-ground", json!({}));
            }
        } else {
            let Some(ground) = ground else {
                let codes: Vec<&str> = crate::tenders::rules::grounds(self.setup.category)
                    .iter()
                    .map(|g| g.ground.code())
                    .collect();
                return refuse(
                    "invalid",
                    format!("a fail names its legal ground, one of {codes:?}"),
                )
                .because("room.fail-needs-ground", json!({"grounds": codes}));
            };
            if crate::tenders::rules::ground(self.setup.category, ground).is_none() {
                return refuse(
                    "invalid",
                    format!("{} is not a ground in this category's list", ground.code()),
                )
                .because("room.ground-not-listed", json!({"ground": ground.code()}));
            }
            if reason.is_none() {
                return refuse("invalid", "a fail gives its reason")
                    .because("room.fail-needs-reason", json!({}));
            }
        }
        let key = (me.to_string(), lot, bid.to_string(), item.to_string());
        if self.reviews.contains_key(&key) {
            return refuse(
                "duplicate",
                "you have reviewed this already; a review is final once given",
            )
            .because("room.reviewed-already", json!({}));
        }
        Ok(vec![Event::new(
            "review.given",
            json!({"expert": me, "lot": lot, "bid": bid, "item": item, "pass": pass,
                   "ground": ground, "reason": reason}),
        )])
    }

    #[allow(clippy::too_many_arguments)]
    fn score(
        &self,
        me: &str,
        mine: &MemberState,
        lot: u32,
        bid: &str,
        criterion: &str,
        points: f64,
        reason: Option<&str>,
    ) -> Result<Vec<Event>, Refusal> {
        self.scoring(mine)?;
        self.bid_in_lot(lot, bid)?;
        let Some(c) = self.setup.criterion(lot, criterion) else {
            return refuse(
                "invalid",
                format!("no criterion {criterion:?} in lot {lot}"),
            )
            .because(
                "room.no-criterion",
                json!({"lot": lot, "criterion": criterion}),
            );
        };
        let round = match c.kind {
            CriterionKind::Price => {
                return refuse(
                    "invalid",
                    "price scores are computed by the tender's formula, never typed",
                )
                .because("room.price-computed", json!({}));
            }
            CriterionKind::Technical => Round::Technical,
            CriterionKind::Commercial => Round::Commercial,
        };
        self.may_act_on(mine, round)?;
        if let Some(r) = self.rejection(lot, bid) {
            return refuse(
                "rejected",
                format!(
                    "bid {bid} is rejected in lot {lot} ({}): a rejected bid is never scored",
                    r.ground.code()
                ),
            )
            .because(
                "room.bid-rejected",
                json!({"lot": lot, "bid": bid, "ground": r.ground.code()}),
            );
        }
        points_ok(points, c.weight, &c.code)?;
        let reason = reason.map(str::trim).filter(|r| !r.is_empty());
        if c.requires_reason && reason.is_none() {
            return refuse(
                "invalid",
                format!("{} needs a reason with the score", c.code),
            )
            .because("room.reason-required", json!({"criterion": c.code}));
        }
        if let Some(r) = reason
            && !text_ok(r, 2000)
        {
            return refuse("invalid", "a reason is 1 to 2000 characters")
                .because("room.reason-length", json!({"max": 2000}));
        }
        let key = (me.to_string(), lot, bid.to_string(), criterion.to_string());
        if self.scores.contains_key(&key) {
            return refuse(
                "duplicate",
                "you have scored this already; scores are final once given",
            )
            .because("room.scored-already", json!({}));
        }
        let mut events = vec![Event::new(
            "score.given",
            json!({"expert": me, "lot": lot, "bid": bid, "criterion": criterion,
                   "points": points, "reason": reason}),
        )];
        let mut after = self.scores.clone();
        after.insert(
            key,
            Score {
                points,
                reason: reason.map(str::to_string),
            },
        );
        for flag in deviations(&after, &self.active(), self.setup.deviation_percent) {
            if !self.flagged.contains(&(
                flag.expert.clone(),
                flag.lot,
                flag.bid.clone(),
                flag.criterion.clone(),
            )) {
                events.push(Event::new(
                    "score.flagged",
                    serde_json::to_value(&flag).unwrap_or_default(),
                ));
            }
        }
        Ok(events)
    }

    fn resolve(
        &self,
        me: &str,
        lot: u32,
        bid: &str,
        criterion: &str,
        points: f64,
        reason: &str,
    ) -> Result<Vec<Event>, Refusal> {
        if self.chair.as_deref() != Some(me) {
            return refuse("role", "only the chair resolves a disagreement")
                .because("room.chair-only", json!({"action": "resolve"}));
        }
        if self.phase != Phase::Scoring {
            return refuse("phase", "disagreements are resolved before the report")
                .because("room.resolve-before-report", json!({}));
        }
        self.bid_in_lot(lot, bid)?;
        let Some(c) = self.setup.criterion(lot, criterion) else {
            return refuse(
                "invalid",
                format!("no criterion {criterion:?} in lot {lot}"),
            )
            .because(
                "room.no-criterion",
                json!({"lot": lot, "criterion": criterion}),
            );
        };
        if !c.objective {
            return refuse(
                "invalid",
                "only an objective item is resolved; a subjective one is each member's judgment",
            )
            .because("room.resolve-objective-only", json!({}));
        }
        if !self
            .disagreements()
            .contains(&(lot, bid.to_string(), criterion.to_string()))
        {
            return refuse(
                "invalid",
                "the members agree on this item (or have not all scored it): nothing to resolve",
            )
            .because("room.nothing-to-resolve", json!({}));
        }
        points_ok(points, c.weight, &c.code)?;
        if !text_ok(reason, 2000) {
            return refuse("invalid", "say why, 1 to 2000 characters")
                .because("room.reason-length", json!({"max": 2000}));
        }
        Ok(vec![Event::new(
            "score.resolved",
            json!({"expert": me, "lot": lot, "bid": bid, "criterion": criterion,
                   "points": points, "reason": reason.trim()}),
        )])
    }

    /// Objective items every sitting member has scored, not all alike,
    /// and not resolved by the chair.
    pub fn disagreements(&self) -> Vec<(u32, String, String)> {
        let active = self.active();
        let mut out = Vec::new();
        for lot in &self.setup.lots {
            for c in criteria(lot).iter().filter(|c| c.objective) {
                for b in self.setup.bids_in(lot.lot) {
                    let key = (lot.lot, b.label.clone(), c.code.clone());
                    if self.resolved.contains_key(&key) {
                        continue;
                    }
                    let points: Vec<f64> = active
                        .iter()
                        .filter_map(|e| {
                            self.scores.get(&(
                                e.to_string(),
                                lot.lot,
                                b.label.clone(),
                                c.code.clone(),
                            ))
                        })
                        .map(|s| s.points)
                        .collect();
                    let all = points.len() == active.len() && !points.is_empty();
                    if all && points.iter().any(|p| (p - points[0]).abs() > 1e-9) {
                        out.push(key);
                    }
                }
            }
        }
        out
    }

    /// What the sitting members have still to do in the rounds up to
    /// `upto` (index), as the votes stand.
    pub fn missing(&self, upto: usize) -> Missing {
        let rounds = self.setup.rounds();
        let active = self.active();
        let mut missing = Missing::default();
        for round in rounds.iter().take(upto + 1) {
            for lot in &self.setup.lots {
                for b in self.setup.bids_in(lot.lot) {
                    match round.kind() {
                        None => {
                            if self
                                .rejection(lot.lot, &b.label)
                                .is_some_and(|r| r.automatic)
                            {
                                continue;
                            }
                            for item in &self.setup.items {
                                for e in &active {
                                    let key = (
                                        e.to_string(),
                                        lot.lot,
                                        b.label.clone(),
                                        item.code.clone(),
                                    );
                                    if !self.reviews.contains_key(&key) {
                                        missing.votes += 1;
                                    }
                                }
                            }
                        }
                        Some(kind) => {
                            if self.rejection(lot.lot, &b.label).is_some() {
                                continue;
                            }
                            for c in criteria(lot).iter().filter(|c| c.kind == kind) {
                                for e in &active {
                                    let key =
                                        (e.to_string(), lot.lot, b.label.clone(), c.code.clone());
                                    if !self.scores.contains_key(&key) {
                                        missing.scores += 1;
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        let kinds: Vec<CriterionKind> = rounds
            .iter()
            .take(upto + 1)
            .filter_map(|r| r.kind())
            .collect();
        missing.disagreements = self
            .disagreements()
            .into_iter()
            .filter(|(lot, _, code)| {
                self.setup
                    .criterion(*lot, code)
                    .is_some_and(|c| kinds.contains(&c.kind))
            })
            .collect();
        missing
    }

    fn close_round(&self, me: &str) -> Result<Vec<Event>, Refusal> {
        if self.chair.as_deref() != Some(me) {
            return refuse("role", "only the chair closes a round")
                .because("room.chair-only", json!({"action": "close-round"}));
        }
        let Some(round) = self
            .current_round()
            .filter(|_| self.phase == Phase::Scoring)
        else {
            return refuse("phase", "no round is open").because("room.no-round-open", json!({}));
        };
        let missing = self.missing(self.round);
        if missing.votes + missing.scores > 0 {
            return refuse(
                "incomplete",
                format!(
                    "{} review vote(s) and {} score(s) are still to be given (a replacement owes \
                     those of the rounds closed before it sat)",
                    missing.votes, missing.scores
                ),
            )
            .because(
                "room.round-incomplete",
                json!({"votes": missing.votes, "scores": missing.scores}),
            );
        }
        if !missing.disagreements.is_empty() {
            let items: Vec<String> = missing
                .disagreements
                .iter()
                .map(|(lot, bid, c)| format!("lot {lot} bid {bid} {c}"))
                .collect();
            return refuse(
                "disagreement",
                format!(
                    "objective items must agree; the chair resolves: {}",
                    items.join(", ")
                ),
            )
            .because("room.disagreements", json!({"items": items}));
        }
        let mut done = self.clone();
        done.round += 1;
        let mut events = vec![Event::new(
            "round.closed",
            json!({"round": round, "summary": done.round_summary(round)}),
        )];
        if round == Round::Technical && self.setup.blind {
            let bids: Vec<Value> = self
                .setup
                .bids
                .iter()
                .map(|b| {
                    json!({"label": b.label, "bidder": b.bidder, "price_fen": b.price_fen,
                               "lot_prices": b.lot_prices})
                })
                .collect();
            events.push(Event::new("bids.unblinded", json!({"bids": bids})));
        }
        match self.setup.rounds().get(self.round + 1) {
            Some(next) => events.push(Event::new("round.started", json!({"round": next}))),
            None => {
                for e in &events {
                    done.apply(e);
                }
                let outcome = done.outcome();
                let prices: BTreeMap<String, BTreeMap<String, Option<f64>>> = outcome
                    .iter()
                    .map(|l| {
                        (
                            l.lot.to_string(),
                            l.bids
                                .iter()
                                .filter(|b| b.rejection.is_none())
                                .map(|b| {
                                    (b.label.clone(), b.criteria.get("price").copied().flatten())
                                })
                                .collect(),
                        )
                    })
                    .collect();
                events.push(Event::new(
                    "prices.scored",
                    json!({"evaluated": outcome.iter().map(|l| json!({"lot": l.lot,
                        "prices": l.bids.iter().map(|b| json!({"bid": b.label,
                            "evaluated_price_fen": b.evaluated_price_fen})).collect::<Vec<_>>()}))
                        .collect::<Vec<_>>(), "scores": prices}),
                ));
                let report = done.report_from(&outcome);
                let sha = crate::experts::draw::sha256_hex(canonical(&report).as_bytes());
                events.push(Event::new(
                    "report.ready",
                    json!({"sha256": sha, "lots": report["lots"].as_array().map(|lots|
                        lots.iter().map(|l| json!({"lot": l["lot"], "candidates": l["candidates"],
                                                   "failed": l["failed"]})).collect::<Vec<_>>())}),
                ));
            }
        }
        Ok(events)
    }

    /// What a closed round concluded, for everyone in the room: the review's
    /// rejections, or the committee's points per lot, bid and criterion.
    fn round_summary(&self, round: Round) -> Value {
        let mut lots = Vec::new();
        for lot in &self.setup.lots {
            let mut bids = serde_json::Map::new();
            for b in self.setup.bids_in(lot.lot) {
                let rejection = self.rejection(lot.lot, &b.label);
                let value = match round.kind() {
                    None => json!({"rejected": rejection.map(|r| json!({"ground": r.ground,
                        "item": r.item, "votes": r.votes, "automatic": r.automatic}))}),
                    Some(kind) => {
                        if rejection.is_some() {
                            continue;
                        }
                        let points: BTreeMap<String, Option<f64>> = criteria(lot)
                            .iter()
                            .filter(|c| c.kind == kind)
                            .map(|c| {
                                (
                                    c.code.clone(),
                                    self.committee_points(lot.lot, &b.label, &c.code),
                                )
                            })
                            .collect();
                        json!(points)
                    }
                };
                bids.insert(b.label.clone(), value);
            }
            lots.push(json!({"lot": lot.lot, "bids": bids}));
        }
        json!(lots)
    }

    /// Folds one event into the state. Events come from the store, in
    /// order; an event this code does not know is skipped.
    pub fn apply(&mut self, event: &Event) {
        let p = &event.payload;
        let s = |key: &str| {
            p.get(key)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string()
        };
        let lot = p
            .get("lot")
            .and_then(Value::as_u64)
            .and_then(|l| u32::try_from(l).ok())
            .unwrap_or(0);
        match event.kind.as_str() {
            "member.declared" => {
                if let Some(m) = self.members.get_mut(&s("expert")) {
                    m.declared = true;
                }
            }
            "member.recused" => {
                let expert = s("expert");
                if let Some(m) = self.members.get_mut(&expert) {
                    m.recused = true;
                }
                // Votes for a member who left count no more; a chair who
                // left leaves the room without one, and the sitting
                // members elect another (everyone votes again).
                let chair_left = self.chair.as_deref() == Some(expert.as_str());
                if chair_left {
                    self.chair = None;
                }
                for m in self.members.values_mut() {
                    if chair_left || m.vote.as_deref() == Some(expert.as_str()) {
                        m.vote = None;
                    }
                }
            }
            "member.replaced" => {
                if let Ok(member) = serde_json::from_value::<RoomMember>(p["replacement"].clone()) {
                    let joined = self.round;
                    self.members
                        .entry(member.expert.clone())
                        .or_default()
                        .joined_round = joined;
                    self.roster.push(member);
                }
            }
            "chair.vote" => {
                if let Some(m) = self.members.get_mut(&s("expert")) {
                    m.vote = Some(s("candidate"));
                }
            }
            "chair.elected" => {
                self.chair = Some(s("expert"));
                if self.phase == Phase::Opening {
                    self.phase = Phase::Scoring;
                }
            }
            "review.given" => {
                let key = (s("expert"), lot, s("bid"), s("item"));
                let vote = ReviewVote {
                    pass: p.get("pass").and_then(Value::as_bool).unwrap_or(true),
                    ground: p
                        .get("ground")
                        .and_then(Value::as_str)
                        .and_then(Ground::from_code),
                    reason: p.get("reason").and_then(Value::as_str).map(str::to_string),
                };
                self.reviews.insert(key, vote);
            }
            "score.given" => {
                let key = (s("expert"), lot, s("bid"), s("criterion"));
                let points = p.get("points").and_then(Value::as_f64).unwrap_or(0.0);
                let reason = p.get("reason").and_then(Value::as_str).map(str::to_string);
                self.scores.insert(key, Score { points, reason });
            }
            "score.resolved" => {
                let points = p.get("points").and_then(Value::as_f64).unwrap_or(0.0);
                let reason = p.get("reason").and_then(Value::as_str).map(str::to_string);
                self.resolved
                    .insert((lot, s("bid"), s("criterion")), Score { points, reason });
            }
            "score.flagged" => {
                self.flagged
                    .insert((s("expert"), lot, s("bid"), s("criterion")));
            }
            "clarification.requested" => {
                let topic = serde_json::from_value(p["topic"].clone()).unwrap_or_default();
                let price_fen = p.get("price_fen").and_then(Value::as_i64);
                if topic == Topic::Correction
                    && let Some(price_fen) = price_fen
                {
                    self.corrections.insert(
                        (lot, s("bid")),
                        Correction {
                            clarification: s("id"),
                            price_fen,
                            confirmed: None,
                        },
                    );
                }
                self.clarifications.push(Clarification {
                    id: s("id"),
                    bid: s("bid"),
                    lot,
                    topic,
                    question: s("question"),
                    answer: None,
                    price_fen,
                    confirmed: None,
                });
            }
            "clarification.answered" => {
                let id = s("id");
                let confirmed = p.get("confirmed").and_then(Value::as_bool);
                if let Some(c) = self.clarifications.iter_mut().find(|c| c.id == id) {
                    c.answer = Some(s("answer"));
                    c.confirmed = confirmed;
                    if c.topic == Topic::Correction
                        && let Some(k) = self.corrections.get_mut(&(c.lot, c.bid.clone()))
                    {
                        k.confirmed = Some(confirmed.unwrap_or(false));
                    }
                }
            }
            "round.closed" => self.round += 1,
            "bids.unblinded" => self.unblinded = true,
            "report.ready" => {
                self.report_sha256 = Some(s("sha256"));
                self.phase = Phase::Signing;
            }
            "report.signed" => {
                if let Some(m) = self.members.get_mut(&s("expert")) {
                    m.signed = true;
                    m.dissent = p.get("dissent").and_then(Value::as_str).map(str::to_string);
                }
            }
            "report.refused" => {
                if let Some(m) = self.members.get_mut(&s("expert")) {
                    m.refused = true;
                    m.dissent = p.get("reason").and_then(Value::as_str).map(str::to_string);
                }
            }
            "room.closed" => self.phase = Phase::Closed,
            _ => {}
        }
    }

    /// The evaluation report, as JSON.
    pub fn report(&self) -> Value {
        self.report_from(&self.outcome())
    }

    /// The report: the committee, the bids, every sitting member's review
    /// votes and scores, the chair's resolutions, the corrections, and per
    /// lot the evaluated bids, the rejections with their grounds, the
    /// ranking, at most three candidates or the lot's failure; the flags
    /// and the clarifications. Recused members' votes and scores are left
    /// out (条例 第48条: their conclusions are void).
    fn report_from(&self, outcome: &[LotOutcome]) -> Value {
        let active = self.active();
        let category = self.setup.category;
        let bid = |label: &str| self.setup.bid(label);
        let lots: Vec<Value> = outcome
            .iter()
            .map(|l| {
                let lot = self.setup.lot(l.lot);
                let bids: Vec<Value> = l
                    .bids
                    .iter()
                    .map(|b| {
                        let rb = bid(&b.label);
                        let mut v = json!({
                            "label": b.label, "bid_id": rb.map(|x| &x.bid_id),
                            "bidder": rb.map(|x| &x.bidder), "price_fen": b.price_fen,
                            "corrected_price_fen": b.corrected_price_fen,
                            "evaluated_price_fen": b.evaluated_price_fen, "sme": b.sme,
                            "criteria": b.criteria, "total": b.total,
                            "rejected": b.rejection.is_some(),
                        });
                        // Only where declared: reports made before the
                        // field keep their hash.
                        if let Some(share) = rb.and_then(|x| x.sme_share_percent) {
                            v["sme_share_percent"] = json!(share);
                        }
                        v
                    })
                    .collect();
                let rejected: Vec<Value> = l
                    .bids
                    .iter()
                    .filter_map(|b| {
                        let r = b.rejection.as_ref()?;
                        let rule = crate::tenders::rules::ground(category, r.ground);
                        let rb = bid(&b.label);
                        Some(json!({
                            "label": b.label, "bid_id": rb.map(|x| &x.bid_id),
                            "bidder": rb.map(|x| &x.bidder), "ground": r.ground,
                            "ground_text": rule.map(|g| g.zh), "basis": rule.map(|g| g.basis),
                            "item": r.item, "votes": r.votes, "automatic": r.automatic,
                            "detail": r.detail,
                        }))
                    })
                    .collect();
                // A bid the stated rules leave equal to another is marked
                // tied (并列, 87号令 第56条, 第57条) with the labels it ties
                // with: the tenderer decides between them (第68条).
                let tied_with = |label: &String| -> Vec<&String> {
                    l.ties
                        .iter()
                        .find(|g| g.contains(label))
                        .map(|g| g.iter().filter(|x| *x != label).collect())
                        .unwrap_or_default()
                };
                let ranked = |labels: &[String]| -> Vec<Value> {
                    labels
                        .iter()
                        .enumerate()
                        .filter_map(|(i, label)| {
                            let b = l.bids.iter().find(|b| &b.label == label)?;
                            let rb = bid(label);
                            let with = tied_with(label);
                            Some(json!({"rank": i + 1, "label": label,
                                "bid_id": rb.map(|x| &x.bid_id), "bidder": rb.map(|x| &x.bidder),
                                "total": b.total, "evaluated_price_fen": b.evaluated_price_fen,
                                "tied": !with.is_empty(), "tied_with": with}))
                        })
                        .collect()
                };
                json!({
                    "lot": l.lot,
                    "title": lot.map(|x| x.title.as_str()),
                    "method": lot.map(|x| x.evaluation.kind()),
                    "evaluation": lot.map(|x| &x.evaluation),
                    "ceiling_fen": lot.and_then(|x| x.ceiling_fen),
                    "bids": bids,
                    "rejected": rejected,
                    "ranking": ranked(&l.ranking),
                    "ties": l.ties,
                    "candidates": ranked(&l.candidates),
                    "failed": l.failed,
                })
            })
            .collect();
        let scores: Vec<Value> = self
            .scores
            .iter()
            .filter(|((e, ..), _)| active.contains(&e.as_str()))
            .map(|((e, lot, b, c), s)| {
                json!({"expert": e, "lot": lot, "bid": b, "criterion": c,
                                             "points": s.points, "reason": s.reason})
            })
            .collect();
        let review: Vec<Value> = self
            .reviews
            .iter()
            .filter(|((e, ..), _)| active.contains(&e.as_str()))
            .map(|((e, lot, b, item), v)| json!({"expert": e, "lot": lot, "bid": b, "item": item,
                                                "pass": v.pass, "ground": v.ground, "reason": v.reason}))
            .collect();
        let resolutions: Vec<Value> = self
            .resolved
            .iter()
            .map(|((lot, b, c), s)| {
                json!({"lot": lot, "bid": b, "criterion": c,
                                          "points": s.points, "reason": s.reason})
            })
            .collect();
        let corrections: Vec<Value> = self
            .corrections
            .iter()
            .map(|((lot, b), c)| {
                json!({"lot": lot, "bid": b, "price_fen": c.price_fen,
                                        "confirmed": c.confirmed})
            })
            .collect();
        let members: Vec<Value> = self
            .roster
            .iter()
            .map(|m| {
                let st = &self.members[&m.expert];
                json!({"expert": m.expert, "name": m.name, "league": m.league, "venue": m.venue,
                       "recused": st.recused, "chair": self.chair.as_deref() == Some(m.expert.as_str())})
            })
            .collect();
        let flags: Vec<Value> = self
            .flagged
            .iter()
            .map(|(e, lot, b, c)| json!({"expert": e, "lot": lot, "bid": b, "criterion": c}))
            .collect();
        let bids: Vec<Value> = self
            .setup
            .bids
            .iter()
            .map(|b| {
                json!({"label": b.label, "bid_id": b.bid_id, "bidder": b.bidder,
                            "price_fen": b.price_fen, "lot_prices": b.lot_prices, "sme": b.sme})
            })
            .collect();
        // The first lot's ranking, as reports before lots named it.
        let ranking = lots
            .first()
            .map(|l| l["ranking"].clone())
            .unwrap_or(json!([]));
        let mut report = json!({
            "version": "ggzy-evaluation-report-v2",
            "tender_id": self.setup.tender_id,
            "category": category,
            "items": self.setup.items,
            "sme_deduction_percent": self.setup.sme_deduction_percent,
            "blind_technical": self.setup.blind,
            "members": members,
            "bids": bids,
            "lots": lots,
            "review": review,
            "scores": scores,
            "resolutions": resolutions,
            "corrections": corrections,
            "flags": flags,
            "clarifications": self.clarifications,
            "ranking": ranking,
        });
        if let Some(p) = self.setup.sme_partnership_deduction_percent {
            report["sme_partnership_deduction_percent"] = json!(p);
        }
        report
    }
}

/// A bid as a report ranks it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ranked {
    pub rank: u32,
    pub label: String,
    pub bid_id: String,
}

/// A report's candidates for `lot`, best first (the first lot's where the
/// report has no such lot). Entries the report does not resolve are left
/// out.
pub fn ranked_bids(report: &Value) -> Vec<Ranked> {
    candidates_in(report, None)
}

/// A report's candidates in one lot.
pub fn candidates_in(report: &Value, lot: Option<u32>) -> Vec<Ranked> {
    let lots = report["lots"].as_array().cloned().unwrap_or_default();
    let chosen = match lot {
        Some(n) => lots
            .iter()
            .find(|l| l["lot"].as_u64() == Some(u64::from(n))),
        None => lots.first(),
    };
    let mut ranked: Vec<Ranked> = chosen
        .and_then(|l| l["candidates"].as_array())
        .into_iter()
        .flatten()
        .filter_map(|r| {
            Some(Ranked {
                rank: u32::try_from(r["rank"].as_u64()?).ok()?,
                label: r["label"].as_str()?.to_string(),
                bid_id: r["bid_id"].as_str()?.to_string(),
            })
        })
        .collect();
    ranked.sort_by_key(|r| r.rank);
    ranked
}

pub fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// JSON with object keys sorted and no insignificant white space (what the
/// report's hash is taken over).
pub fn canonical(value: &Value) -> String {
    // serde_json's map is ordered by key (no preserve_order feature).
    serde_json::to_string(value).unwrap_or_default()
}

/// A score far from the mean of the sitting members' scores.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Deviation {
    pub expert: String,
    pub lot: u32,
    pub bid: String,
    pub criterion: String,
    pub points: f64,
    /// The mean of every sitting member's score of this bid and criterion.
    pub mean: f64,
    /// How far from that mean, in percent of it (none when the mean is 0).
    pub deviation_percent: Option<f64>,
}

/// Every score that strays more than `threshold` percent from the mean of
/// the sitting members' scores of the same bid and criterion, once at
/// least three members have scored it. (The mean of all, not of the
/// others: with few scores, one outlier would otherwise make its
/// neighbours look stray too.)
pub fn deviations(
    scores: &BTreeMap<Key, Score>,
    active: &[&str],
    threshold: u32,
) -> Vec<Deviation> {
    type Given<'a> = Vec<(&'a str, f64)>;
    let mut items: BTreeMap<(u32, &str, &str), Given> = BTreeMap::new();
    for ((expert, lot, bid, criterion), score) in scores {
        if active.contains(&expert.as_str()) {
            items
                .entry((*lot, bid.as_str(), criterion.as_str()))
                .or_default()
                .push((expert.as_str(), score.points));
        }
    }
    let mut out = Vec::new();
    for ((lot, bid, criterion), given) in items {
        if given.len() < 3 {
            continue;
        }
        let mean = given.iter().map(|g| g.1).sum::<f64>() / given.len() as f64;
        for (expert, points) in given {
            let (stray, percent) = if mean == 0.0 {
                (points > 0.0, None)
            } else {
                let pct = (points - mean).abs() / mean * 100.0;
                (pct > f64::from(threshold), Some(round2(pct)))
            };
            if stray {
                out.push(Deviation {
                    expert: expert.to_string(),
                    lot,
                    bid: bid.to_string(),
                    criterion: criterion.to_string(),
                    points,
                    mean: round2(mean),
                    deviation_percent: percent,
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests;
