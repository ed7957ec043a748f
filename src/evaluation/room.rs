//! An evaluation room, pure: its state is the fold of its events
//! ([`State::apply`]), and an action is decided against the state
//! ([`State::decide`]): refused with a reason, or turned into the events to
//! append. No clock, no database: time and identities come in as data.
//!
//! The procedure: members declare they have no conflict of interest (or
//! recuse, and a reserve takes the seat); they elect a chair by majority;
//! they score every bid on every criterion of the current round (technical,
//! then commercial: the kinds the tender's criteria have), within the
//! criterion's points, with a reason where the criterion asks for one; a
//! score far from the other members' mean is flagged; the chair closes a
//! round once every member present has scored it. When the technical round
//! closes, a blind room learns which bid is whose. After the last round the
//! price scores are computed by the tender's formula, never typed; the
//! ranking and the report follow, and every member signs the report's hash
//! (a dissent is recorded with its reason). The room closes when all have
//! signed.

use crate::tenders::model::{Criterion, CriterionKind, PriceFormula};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

/// One bid as the room knows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RoomBid {
    /// "A", "B", "C", … in the order of the opening record.
    pub label: String,
    pub bid_id: String,
    pub bidder_org_id: String,
    pub bidder: String,
    pub price_fen: i64,
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
}

/// What the room is set up with (the `room.opened` event's stored form).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Setup {
    pub tender_id: String,
    pub criteria: Vec<Criterion>,
    pub price_formula: PriceFormula,
    pub bids: Vec<RoomBid>,
    pub members: Vec<RoomMember>,
    /// Technical parts evaluated without knowing whose bid is whose.
    pub blind: bool,
    /// A score more than this far (percent) from the others' mean is flagged.
    pub deviation_percent: u32,
}

impl Setup {
    /// The rounds, in order: the criterion kinds scored by hand.
    pub fn rounds(&self) -> Vec<CriterionKind> {
        [CriterionKind::Technical, CriterionKind::Commercial]
            .into_iter()
            .filter(|k| self.criteria.iter().any(|c| c.kind == *k))
            .collect()
    }

    fn criterion(&self, code: &str) -> Option<&Criterion> {
        self.criteria.iter().find(|c| c.code == code)
    }
}

/// Where the room is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Members declare; the chair is elected.
    Opening,
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
    pub dissent: Option<String>,
}

/// A score given.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Score {
    pub points: f64,
    pub reason: Option<String>,
}

/// A clarification asked of a bidder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Clarification {
    pub id: String,
    pub bid: String,
    pub question: String,
    pub answer: Option<String>,
}

/// The room's state: the fold of its events.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct State {
    pub setup: Setup,
    pub phase: Phase,
    pub members: BTreeMap<String, MemberState>,
    /// Members in the order they took their seat.
    pub roster: Vec<RoomMember>,
    pub chair: Option<String>,
    /// The round being scored (index into `setup.rounds()`).
    pub round: usize,
    /// (expert, bid label, criterion) → score.
    pub scores: BTreeMap<(String, String, String), Score>,
    pub flagged: BTreeSet<(String, String, String)>,
    pub clarifications: Vec<Clarification>,
    pub unblinded: bool,
    pub price_scores: BTreeMap<String, f64>,
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

/// An action a member takes.
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
    Score {
        id: String,
        bid: String,
        criterion: String,
        points: f64,
        reason: Option<String>,
    },
    Clarify {
        id: String,
        bid: String,
        question: String,
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
}

impl Action {
    /// The client's id of this message.
    pub fn id(&self) -> &str {
        match self {
            Action::Declare { id }
            | Action::Recuse { id, .. }
            | Action::Vote { id, .. }
            | Action::Score { id, .. }
            | Action::Clarify { id, .. }
            | Action::CloseRound { id }
            | Action::Sign { id, .. } => id,
        }
    }
}

/// Why an action was refused: a stable code and a sentence for the member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub code: &'static str,
    pub message: String,
}

fn refuse<T>(code: &'static str, message: impl Into<String>) -> Result<T, Refusal> {
    Err(Refusal {
        code,
        message: message.into(),
    })
}

/// The text a member signs: the report's hash, bound to the tender.
pub fn report_signing_text(tender_id: &str, report_sha256: &str) -> String {
    format!("ggzy-evaluation-report-v1\n{tender_id}\n{report_sha256}\n")
}

fn text_ok(text: &str, max: usize) -> bool {
    let t = text.trim();
    !t.is_empty() && t.chars().count() <= max && !crate::types::has_control_chars(t)
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
            flagged: BTreeSet::new(),
            clarifications: Vec::new(),
            unblinded: false,
            price_scores: BTreeMap::new(),
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

    pub fn current_round(&self) -> Option<CriterionKind> {
        self.setup.rounds().get(self.round).copied()
    }

    /// The criteria of the current round.
    fn round_criteria(&self) -> Vec<&Criterion> {
        let round = self.current_round();
        self.setup
            .criteria
            .iter()
            .filter(|c| Some(c.kind) == round)
            .collect()
    }

    /// Decides an action: the events it adds, or why not.
    pub fn decide(&self, actor: &Actor, action: &Action) -> Result<Vec<Event>, Refusal> {
        let Actor::Member(me) = actor else {
            return refuse(
                "role",
                "only members of the committee act in the room; supervisors and staff watch",
            );
        };
        let Some(mine) = self.members.get(me) else {
            return refuse("role", "you are not a member of this committee");
        };
        if mine.recused {
            return refuse("role", "you have recused yourself from this evaluation");
        }
        if self.phase == Phase::Closed {
            return refuse("phase", "the evaluation is closed");
        }
        match action {
            Action::Declare { .. } => {
                if mine.declared {
                    return refuse("duplicate", "you have declared already");
                }
                Ok(vec![Event::new("member.declared", json!({"expert": me}))])
            }
            Action::Recuse { reason, .. } => {
                if !text_ok(reason, 500) {
                    return refuse("invalid", "give a reason, 1 to 500 characters");
                }
                if self.phase == Phase::Signing {
                    return refuse("phase", "the report is ready; recuse before it, or dissent");
                }
                Ok(vec![Event::new(
                    "member.recused",
                    json!({"expert": me, "reason": reason.trim()}),
                )])
            }
            Action::Vote { candidate, .. } => self.vote(me, mine, candidate),
            Action::Score {
                bid,
                criterion,
                points,
                reason,
                ..
            } => self.score(me, mine, bid, criterion, *points, reason.as_deref()),
            Action::Clarify { bid, question, .. } => {
                if !mine.declared {
                    return refuse("phase", "declare first");
                }
                if self.phase != Phase::Scoring {
                    return refuse("phase", "clarifications are asked while scoring");
                }
                if !self.setup.bids.iter().any(|b| b.label == *bid) {
                    return refuse("invalid", format!("no bid {bid:?} in this room"));
                }
                if !text_ok(question, 2000) {
                    return refuse("invalid", "ask a question of 1 to 2000 characters");
                }
                let id = format!("q{}", self.clarifications.len() + 1);
                Ok(vec![Event::new(
                    "clarification.requested",
                    json!({"id": id, "expert": me, "bid": bid, "question": question.trim()}),
                )])
            }
            Action::CloseRound { .. } => self.close_round(me),
            Action::Sign {
                signature, dissent, ..
            } => {
                if self.phase != Phase::Signing {
                    return refuse("phase", "there is no report to sign yet");
                }
                if mine.signed {
                    return refuse("duplicate", "you have signed the report already");
                }
                if signature.is_empty() || signature.len() > 8192 {
                    return refuse("invalid", "the signature is missing or too long");
                }
                if let Some(d) = dissent
                    && !text_ok(d, 2000)
                {
                    return refuse(
                        "invalid",
                        "a dissent needs a reason of 1 to 2000 characters",
                    );
                }
                let mut events = vec![Event::new(
                    "report.signed",
                    json!({"expert": me, "signature": signature,
                           "dissent": dissent.as_deref().map(str::trim)}),
                )];
                let others_signed = self
                    .active()
                    .iter()
                    .filter(|e| **e != me.as_str())
                    .all(|e| self.members[*e].signed);
                if others_signed {
                    events.push(Event::new("room.closed", json!({})));
                }
                Ok(events)
            }
        }
    }

    fn vote(&self, me: &str, mine: &MemberState, candidate: &str) -> Result<Vec<Event>, Refusal> {
        if self.chair.is_some() || !matches!(self.phase, Phase::Opening | Phase::Scoring) {
            return refuse("phase", "the chair is elected already");
        }
        if !mine.declared {
            return refuse(
                "phase",
                "declare that you have no conflict of interest first",
            );
        }
        if mine.vote.is_some() {
            return refuse("duplicate", "you have voted already");
        }
        if !self.active().contains(&candidate) {
            return refuse("invalid", "the candidate is not a sitting member");
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

    fn score(
        &self,
        me: &str,
        mine: &MemberState,
        bid: &str,
        criterion: &str,
        points: f64,
        reason: Option<&str>,
    ) -> Result<Vec<Event>, Refusal> {
        if self.phase != Phase::Scoring {
            return refuse(
                "phase",
                "scores are given once the chair is elected, before the report",
            );
        }
        if !mine.declared {
            return refuse(
                "phase",
                "declare that you have no conflict of interest first",
            );
        }
        if !self.setup.bids.iter().any(|b| b.label == bid) {
            return refuse("invalid", format!("no bid {bid:?} in this room"));
        }
        let Some(c) = self.setup.criterion(criterion) else {
            return refuse(
                "invalid",
                format!("no criterion {criterion:?} in this tender"),
            );
        };
        if c.kind == CriterionKind::Price {
            return refuse(
                "invalid",
                "price scores are computed by the tender's formula, never typed",
            );
        }
        if Some(c.kind) != self.current_round() {
            return refuse(
                "locked",
                format!(
                    "the {} round is not open: scores of a closed or later round are refused",
                    c.kind.code()
                ),
            );
        }
        if !points.is_finite() || points < 0.0 || points > f64::from(c.weight) {
            return refuse(
                "range",
                format!("{} is scored from 0 to {}", c.code, c.weight),
            );
        }
        // Two decimals, as typed: 16.1 is 1610.0000000000002 hundredths in
        // binary, so compare with the nearest whole number of hundredths.
        let hundredths = points * 100.0;
        if (hundredths - hundredths.round()).abs() > 1e-6 {
            return refuse("range", "points have at most two decimals");
        }
        let reason = reason.map(str::trim).filter(|r| !r.is_empty());
        if c.requires_reason && reason.is_none() {
            return refuse(
                "invalid",
                format!("{} needs a reason with the score", c.code),
            );
        }
        if let Some(r) = reason
            && !text_ok(r, 2000)
        {
            return refuse("invalid", "a reason is 1 to 2000 characters");
        }
        let key = (me.to_string(), bid.to_string(), criterion.to_string());
        if self.scores.contains_key(&key) {
            return refuse(
                "duplicate",
                "you have scored this already; scores are final once given",
            );
        }
        let mut events = vec![Event::new(
            "score.given",
            json!({"expert": me, "bid": bid, "criterion": criterion, "points": points, "reason": reason}),
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

    fn close_round(&self, me: &str) -> Result<Vec<Event>, Refusal> {
        if self.chair.as_deref() != Some(me) {
            return refuse("role", "only the chair closes a round");
        }
        let Some(round) = self
            .current_round()
            .filter(|_| self.phase == Phase::Scoring)
        else {
            return refuse("phase", "no round is open");
        };
        let mut missing = 0;
        for expert in self.active() {
            for bid in &self.setup.bids {
                for c in self.round_criteria() {
                    if !self.scores.contains_key(&(
                        expert.to_string(),
                        bid.label.clone(),
                        c.code.clone(),
                    )) {
                        missing += 1;
                    }
                }
            }
        }
        if missing > 0 {
            return refuse(
                "incomplete",
                format!("{missing} score(s) of this round are still to be given"),
            );
        }
        let mut events = vec![Event::new(
            "round.closed",
            json!({"round": round, "averages": self.averages_for(round)}),
        )];
        if round == CriterionKind::Technical && self.setup.blind {
            let bids: Vec<Value> = self
                .setup
                .bids
                .iter()
                .map(|b| json!({"label": b.label, "bidder": b.bidder, "price_fen": b.price_fen}))
                .collect();
            events.push(Event::new("bids.unblinded", json!({"bids": bids})));
        }
        match self.setup.rounds().get(self.round + 1) {
            Some(next) => events.push(Event::new("round.started", json!({"round": next}))),
            None => {
                let prices = price_scores(&self.setup);
                events.push(Event::new("prices.scored", json!({"scores": prices})));
                let mut done = self.clone();
                for e in &events {
                    done.apply(e);
                }
                let report = done.report();
                let sha = crate::experts::draw::sha256_hex(canonical(&report).as_bytes());
                events.push(Event::new(
                    "report.ready",
                    json!({"sha256": sha, "ranking": report["ranking"]}),
                ));
            }
        }
        Ok(events)
    }

    /// Per bid label and criterion, the mean of the sitting members' scores.
    fn averages_for(&self, round: CriterionKind) -> BTreeMap<String, BTreeMap<String, f64>> {
        let active = self.active();
        let mut out: BTreeMap<String, BTreeMap<String, f64>> = BTreeMap::new();
        for bid in &self.setup.bids {
            for c in self.setup.criteria.iter().filter(|c| c.kind == round) {
                let points: Vec<f64> = active
                    .iter()
                    .filter_map(|e| {
                        self.scores
                            .get(&(e.to_string(), bid.label.clone(), c.code.clone()))
                    })
                    .map(|s| s.points)
                    .collect();
                if !points.is_empty() {
                    let mean = points.iter().sum::<f64>() / points.len() as f64;
                    out.entry(bid.label.clone())
                        .or_default()
                        .insert(c.code.clone(), round2(mean));
                }
            }
        }
        out
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
                    self.members.entry(member.expert.clone()).or_default();
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
            "score.given" => {
                let key = (s("expert"), s("bid"), s("criterion"));
                let points = p.get("points").and_then(Value::as_f64).unwrap_or(0.0);
                let reason = p.get("reason").and_then(Value::as_str).map(str::to_string);
                self.scores.insert(key, Score { points, reason });
            }
            "score.flagged" => {
                self.flagged.insert((s("expert"), s("bid"), s("criterion")));
            }
            "clarification.requested" => self.clarifications.push(Clarification {
                id: s("id"),
                bid: s("bid"),
                question: s("question"),
                answer: None,
            }),
            "clarification.answered" => {
                let id = s("id");
                if let Some(c) = self.clarifications.iter_mut().find(|c| c.id == id) {
                    c.answer = Some(s("answer"));
                }
            }
            "round.closed" => self.round += 1,
            "bids.unblinded" => self.unblinded = true,
            "prices.scored" => {
                if let Ok(scores) = serde_json::from_value(p["scores"].clone()) {
                    self.price_scores = scores;
                }
            }
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
            "room.closed" => self.phase = Phase::Closed,
            _ => {}
        }
    }

    /// The evaluation report, as JSON: the committee, the bids, every
    /// score of the sitting members, the averages, the price scores, the
    /// totals and the ranking, the flags and the clarifications. Recused
    /// members' scores are left out.
    pub fn report(&self) -> Value {
        let active = self.active();
        let mut totals: Vec<(String, f64, i64)> = Vec::new();
        let mut bids = Vec::new();
        for bid in &self.setup.bids {
            let mut criteria = BTreeMap::new();
            let mut total = 0.0;
            for c in &self.setup.criteria {
                let value = if c.kind == CriterionKind::Price {
                    self.price_scores.get(&bid.label).copied()
                } else {
                    let points: Vec<f64> = active
                        .iter()
                        .filter_map(|e| {
                            self.scores
                                .get(&(e.to_string(), bid.label.clone(), c.code.clone()))
                        })
                        .map(|s| s.points)
                        .collect();
                    (!points.is_empty())
                        .then(|| round2(points.iter().sum::<f64>() / points.len() as f64))
                };
                if let Some(v) = value {
                    total += v;
                }
                criteria.insert(c.code.clone(), value);
            }
            let total = round2(total);
            totals.push((bid.label.clone(), total, bid.price_fen));
            bids.push(json!({
                "label": bid.label, "bid_id": bid.bid_id, "bidder": bid.bidder,
                "price_fen": bid.price_fen, "criteria": criteria, "total": total,
            }));
        }
        totals.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.2.cmp(&b.2)).then(a.0.cmp(&b.0)));
        let ranking: Vec<Value> = totals
            .iter()
            .enumerate()
            .map(|(i, (label, total, _))| json!({"rank": i + 1, "label": label, "total": total}))
            .collect();
        let scores: Vec<Value> = self
            .scores
            .iter()
            .filter(|((e, _, _), _)| active.contains(&e.as_str()))
            .map(|((e, b, c), s)| json!({"expert": e, "bid": b, "criterion": c, "points": s.points, "reason": s.reason}))
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
            .map(|(e, b, c)| json!({"expert": e, "bid": b, "criterion": c}))
            .collect();
        json!({
            "version": "ggzy-evaluation-report-v1",
            "tender_id": self.setup.tender_id,
            "criteria": self.setup.criteria,
            "price_formula": self.setup.price_formula,
            "blind_technical": self.setup.blind,
            "members": members,
            "bids": bids,
            "scores": scores,
            "flags": flags,
            "clarifications": self.clarifications,
            "ranking": ranking,
        })
    }
}

/// A bid as a report ranks it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ranked {
    pub rank: u32,
    pub label: String,
    pub bid_id: String,
}

/// A report's ranking ([`State::report`]'s `ranking`, each label resolved
/// to its bid through the report's `bids`), best first. Entries the report
/// does not resolve are left out.
pub fn ranked_bids(report: &Value) -> Vec<Ranked> {
    let bids = report["bids"].as_array().cloned().unwrap_or_default();
    let mut ranked: Vec<Ranked> = report["ranking"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| {
            let label = r["label"].as_str()?;
            let rank = u32::try_from(r["rank"].as_u64()?).ok()?;
            let bid = bids.iter().find(|b| b["label"].as_str() == Some(label))?;
            Some(Ranked {
                rank,
                label: label.to_string(),
                bid_id: bid["bid_id"].as_str()?.to_string(),
            })
        })
        .collect();
    ranked.sort_by_key(|r| r.rank);
    ranked
}

fn round2(x: f64) -> f64 {
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
    scores: &BTreeMap<(String, String, String), Score>,
    active: &[&str],
    threshold: u32,
) -> Vec<Deviation> {
    let mut items: BTreeMap<(&str, &str), Vec<(&str, f64)>> = BTreeMap::new();
    for ((expert, bid, criterion), score) in scores {
        if active.contains(&expert.as_str()) {
            items
                .entry((bid.as_str(), criterion.as_str()))
                .or_default()
                .push((expert.as_str(), score.points));
        }
    }
    let mut out = Vec::new();
    for ((bid, criterion), given) in items {
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

/// Price scores by the tender's formula, per bid label (to two decimals).
pub fn price_scores(setup: &Setup) -> BTreeMap<String, f64> {
    let Some(weight) = setup
        .criteria
        .iter()
        .find(|c| c.kind == CriterionKind::Price)
        .map(|c| f64::from(c.weight))
    else {
        return BTreeMap::new();
    };
    let prices: Vec<(&str, f64)> = setup
        .bids
        .iter()
        .filter(|b| b.price_fen > 0)
        .map(|b| (b.label.as_str(), b.price_fen as f64))
        .collect();
    if prices.is_empty() {
        return BTreeMap::new();
    }
    let lowest = prices.iter().map(|p| p.1).fold(f64::INFINITY, f64::min);
    let mean = prices.iter().map(|p| p.1).sum::<f64>() / prices.len() as f64;
    prices
        .into_iter()
        .map(|(label, price)| {
            let score = match &setup.price_formula {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn criterion(code: &str, kind: CriterionKind, weight: u32, requires_reason: bool) -> Criterion {
        Criterion {
            code: code.into(),
            name: code.into(),
            kind,
            weight,
            requires_reason,
            objective: false,
        }
    }

    fn setup(blind: bool) -> Setup {
        Setup {
            tender_id: "t".into(),
            criteria: vec![
                criterion("tech", CriterionKind::Technical, 50, true),
                criterion("biz", CriterionKind::Commercial, 20, false),
                criterion("price", CriterionKind::Price, 30, false),
            ],
            price_formula: PriceFormula::LowestPriceBase,
            bids: ["A", "B", "C"]
                .iter()
                .enumerate()
                .map(|(i, l)| RoomBid {
                    label: l.to_string(),
                    bid_id: format!("bid{i}"),
                    bidder_org_id: format!("org{i}"),
                    bidder: format!("公司{i}"),
                    price_fen: 100_000 + i as i64 * 10_000,
                })
                .collect(),
            members: (1..=5)
                .map(|i| RoomMember {
                    expert: format!("e{i}"),
                    name: format!("专家{i}"),
                    league: "NNG".into(),
                    venue: "NNG".into(),
                })
                .collect(),
            blind,
            deviation_percent: 30,
        }
    }

    fn act(state: &mut State, who: &str, action: Action) -> Result<Vec<Event>, Refusal> {
        let events = state.decide(&Actor::Member(who.into()), &action)?;
        for e in &events {
            state.apply(e);
        }
        Ok(events)
    }

    fn kinds(events: &[Event]) -> Vec<&str> {
        events.iter().map(|e| e.kind.as_str()).collect()
    }

    fn score(bid: &str, criterion: &str, points: f64) -> Action {
        Action::Score {
            id: "x".into(),
            bid: bid.into(),
            criterion: criterion.into(),
            points,
            reason: Some("理由".into()),
        }
    }

    fn seated(blind: bool) -> State {
        let mut s = State::new(setup(blind));
        for i in 1..=5 {
            act(&mut s, &format!("e{i}"), Action::Declare { id: "d".into() }).unwrap();
        }
        for i in 1..=3 {
            act(
                &mut s,
                &format!("e{i}"),
                Action::Vote {
                    id: "v".into(),
                    candidate: "e2".into(),
                },
            )
            .unwrap();
        }
        s
    }

    #[test]
    fn declare_then_elect_a_chair_by_majority() {
        let mut s = State::new(setup(false));
        let vote = Action::Vote {
            id: "v".into(),
            candidate: "e2".into(),
        };
        assert_eq!(
            act(&mut s, "e1", vote.clone()).unwrap_err().code,
            "phase",
            "declare first"
        );
        act(&mut s, "e1", Action::Declare { id: "d".into() }).unwrap();
        assert_eq!(
            act(&mut s, "e1", Action::Declare { id: "d".into() })
                .unwrap_err()
                .code,
            "duplicate"
        );
        for i in 2..=5 {
            act(&mut s, &format!("e{i}"), Action::Declare { id: "d".into() }).unwrap();
        }
        assert_eq!(
            kinds(&act(&mut s, "e1", vote.clone()).unwrap()),
            ["chair.vote"]
        );
        assert_eq!(
            act(&mut s, "e1", vote.clone()).unwrap_err().code,
            "duplicate",
            "one vote each"
        );
        let bad = Action::Vote {
            id: "v".into(),
            candidate: "outsider".into(),
        };
        assert_eq!(act(&mut s, "e3", bad).unwrap_err().code, "invalid");
        act(&mut s, "e2", vote.clone()).unwrap();
        let third = act(&mut s, "e3", vote).unwrap();
        assert_eq!(
            kinds(&third),
            ["chair.vote", "chair.elected", "round.started"]
        );
        assert_eq!(s.chair.as_deref(), Some("e2"));
        assert_eq!(s.phase, Phase::Scoring);
        assert_eq!(s.current_round(), Some(CriterionKind::Technical));
        let outsider = s.decide(
            &Actor::Member("e9".into()),
            &Action::Declare { id: "d".into() },
        );
        assert_eq!(outsider.unwrap_err().code, "role");
        assert_eq!(
            s.decide(&Actor::Watcher, &score("A", "tech", 1.0))
                .unwrap_err()
                .code,
            "role"
        );
    }

    #[test]
    fn scores_are_checked_final_and_flagged_when_far_from_the_others() {
        let mut s = seated(false);
        assert_eq!(
            act(&mut s, "e1", score("A", "tech", 51.0))
                .unwrap_err()
                .code,
            "range"
        );
        assert_eq!(
            act(&mut s, "e1", score("A", "tech", -1.0))
                .unwrap_err()
                .code,
            "range"
        );
        assert_eq!(
            act(&mut s, "e1", score("A", "tech", f64::NAN))
                .unwrap_err()
                .code,
            "range"
        );
        assert_eq!(
            act(&mut s, "e1", score("A", "tech", 1.005))
                .unwrap_err()
                .code,
            "range"
        );
        // Two decimals that binary cannot hold exactly are two decimals.
        for ok in [16.1, 4.56, 8.3, 49.99] {
            let decided = s.decide(&Actor::Member("e1".into()), &score("B", "tech", ok));
            assert!(decided.is_ok(), "{ok}: {decided:?}");
        }
        assert_eq!(
            act(&mut s, "e1", score("A", "price", 10.0))
                .unwrap_err()
                .code,
            "invalid"
        );
        assert_eq!(
            act(&mut s, "e1", score("A", "biz", 10.0)).unwrap_err().code,
            "locked"
        );
        assert_eq!(
            act(&mut s, "e1", score("Z", "tech", 10.0))
                .unwrap_err()
                .code,
            "invalid"
        );
        let no_reason = Action::Score {
            id: "x".into(),
            bid: "A".into(),
            criterion: "tech".into(),
            points: 40.0,
            reason: None,
        };
        assert_eq!(act(&mut s, "e1", no_reason).unwrap_err().code, "invalid");
        act(&mut s, "e1", score("A", "tech", 40.0)).unwrap();
        assert_eq!(
            act(&mut s, "e1", score("A", "tech", 41.0))
                .unwrap_err()
                .code,
            "duplicate"
        );
        act(&mut s, "e2", score("A", "tech", 42.0)).unwrap();
        // 20 against a mean of 34: 41 % off; 40 and 42 are within 30 %.
        let flagged = act(&mut s, "e3", score("A", "tech", 20.0)).unwrap();
        assert_eq!(kinds(&flagged), ["score.given", "score.flagged"]);
        assert_eq!(flagged[1].payload["expert"], "e3");
        assert_eq!(flagged[1].payload["mean"], 34.0);
        assert_eq!(flagged[1].payload["deviation_percent"], 41.18);
        // Not raised twice.
        let later = act(&mut s, "e4", score("A", "tech", 41.0)).unwrap();
        assert_eq!(kinds(&later), ["score.given"]);
    }

    fn score_round(s: &mut State, criterion: &str) {
        for i in 1..=5 {
            for (j, bid) in ["A", "B", "C"].iter().enumerate() {
                let e = format!("e{i}");
                if s.members[&e].recused {
                    continue;
                }
                act(s, &e, score(bid, criterion, 10.0 + j as f64)).unwrap();
            }
        }
    }

    #[test]
    fn the_chair_closes_rounds_then_prices_ranking_report_and_signatures() {
        let mut s = seated(true);
        let close = Action::CloseRound { id: "c".into() };
        assert_eq!(
            act(&mut s, "e1", close.clone()).unwrap_err().code,
            "role",
            "only the chair"
        );
        assert_eq!(
            act(&mut s, "e2", close.clone()).unwrap_err().code,
            "incomplete"
        );
        score_round(&mut s, "tech");
        let closed = act(&mut s, "e2", close.clone()).unwrap();
        assert_eq!(
            kinds(&closed),
            ["round.closed", "bids.unblinded", "round.started"]
        );
        assert!(s.unblinded);
        assert_eq!(
            act(&mut s, "e1", score("A", "tech", 1.0)).unwrap_err().code,
            "locked",
            "a closed round"
        );
        score_round(&mut s, "biz");
        let last = act(&mut s, "e2", close).unwrap();
        assert_eq!(
            kinds(&last),
            ["round.closed", "prices.scored", "report.ready"]
        );
        assert_eq!(s.phase, Phase::Signing);
        // Lowest price base: A is lowest (30), B 30×100/110, C 30×100/120.
        assert_eq!(s.price_scores["A"], 30.0);
        assert_eq!(s.price_scores["B"], 27.27);
        assert_eq!(s.price_scores["C"], 25.0);
        let report = s.report();
        // C scored higher by every member on tech and biz (12 + 12) but the
        // price decides: A 10+10+30 = 50, B 11+11+27.27 = 49.27, C 12+12+25 = 49.
        assert_eq!(report["ranking"][0]["label"], "A");
        assert_eq!(report["ranking"][1]["label"], "B");
        let sha = crate::experts::draw::sha256_hex(canonical(&report).as_bytes());
        assert_eq!(s.report_sha256.as_deref(), Some(sha.as_str()));
        let sign = |dissent: Option<&str>| Action::Sign {
            id: "s".into(),
            signature: "c2ln".into(),
            dissent: dissent.map(str::to_string),
        };
        for i in 1..=4 {
            let d = (i == 3).then_some("价格分权重过高");
            assert_eq!(
                kinds(&act(&mut s, &format!("e{i}"), sign(d)).unwrap()),
                ["report.signed"]
            );
        }
        assert_eq!(act(&mut s, "e1", sign(None)).unwrap_err().code, "duplicate");
        assert_eq!(
            kinds(&act(&mut s, "e5", sign(None)).unwrap()),
            ["report.signed", "room.closed"]
        );
        assert_eq!(s.phase, Phase::Closed);
        assert_eq!(s.members["e3"].dissent.as_deref(), Some("价格分权重过高"));
        assert_eq!(
            act(&mut s, "e1", Action::Declare { id: "d".into() })
                .unwrap_err()
                .code,
            "phase"
        );
    }

    #[test]
    fn a_chair_who_leaves_is_replaced_by_a_new_election_mid_round() {
        let mut s = seated(false);
        assert_eq!(s.chair.as_deref(), Some("e2"));
        act(&mut s, "e1", score("A", "tech", 40.0)).unwrap();
        act(
            &mut s,
            "e2",
            Action::Recuse {
                id: "r".into(),
                reason: "发现利害关系".into(),
            },
        )
        .unwrap();
        assert_eq!(s.chair, None);
        assert_eq!(s.phase, Phase::Scoring, "the round goes on");
        // Nobody can close the round; everyone votes again (e1 voted before).
        assert_eq!(
            act(&mut s, "e1", Action::CloseRound { id: "c".into() })
                .unwrap_err()
                .code,
            "role"
        );
        let vote = |c: &str| Action::Vote {
            id: "v".into(),
            candidate: c.into(),
        };
        assert_eq!(
            act(&mut s, "e1", vote("e2")).unwrap_err().code,
            "invalid",
            "not a sitting member"
        );
        act(&mut s, "e1", vote("e3")).unwrap();
        act(&mut s, "e3", vote("e3")).unwrap();
        let elected = act(&mut s, "e4", vote("e3")).unwrap();
        assert_eq!(
            kinds(&elected),
            ["chair.vote", "chair.elected"],
            "no second round.started"
        );
        assert_eq!(s.chair.as_deref(), Some("e3"));
        assert_eq!(s.current_round(), Some(CriterionKind::Technical));
        act(&mut s, "e3", score("A", "tech", 41.0)).unwrap();
    }

    #[test]
    fn a_recused_members_scores_are_left_out() {
        let mut s = seated(false);
        act(&mut s, "e1", score("A", "tech", 50.0)).unwrap();
        act(
            &mut s,
            "e5",
            Action::Recuse {
                id: "r".into(),
                reason: "与投标人有亲属关系".into(),
            },
        )
        .unwrap();
        assert_eq!(
            act(&mut s, "e5", score("B", "tech", 1.0)).unwrap_err().code,
            "role"
        );
        act(&mut s, "e2", score("A", "tech", 10.0)).unwrap();
        // The replacement joins.
        s.apply(&Event::new(
            "member.replaced",
            json!({"expert": "e5", "replacement":
            {"expert": "e6", "name": "专家6", "league": "LZH", "venue": "LZH"}}),
        ));
        assert!(s.active().contains(&"e6") && !s.active().contains(&"e5"));
        let report = s.report();
        assert!(
            report["scores"]
                .as_array()
                .unwrap()
                .iter()
                .all(|x| x["expert"] != "e5")
        );
        act(
            &mut s,
            "e1",
            Action::Recuse {
                id: "r".into(),
                reason: "有利害关系".into(),
            },
        )
        .unwrap();
        assert_eq!(
            s.report()["bids"][0]["criteria"]["tech"],
            10.0,
            "only e2's score stays"
        );
    }

    #[test]
    fn average_deviation_prices() {
        let mut st = setup(false);
        st.price_formula = PriceFormula::AverageDeviation {
            above_deduct_per_pct: 1.0,
            below_deduct_per_pct: 0.5,
        };
        // Mean 110 000: A is 9.09 % below, C 9.09 % above.
        let p = price_scores(&st);
        assert_eq!(p["B"], 30.0);
        assert_eq!(p["A"], 25.45);
        assert_eq!(p["C"], 20.91);
    }

    #[test]
    fn a_reports_ranking_names_its_bids() {
        let report = json!({
            "bids": [
                {"label": "A", "bid_id": "bid-a"},
                {"label": "B", "bid_id": "bid-b"},
                {"label": "C", "bid_id": "bid-c"}
            ],
            "ranking": [
                {"rank": 2, "label": "A", "total": 80.0},
                {"rank": 1, "label": "C", "total": 90.5},
                {"rank": 3, "label": "Z", "total": 10.0}
            ]
        });
        let ranked = ranked_bids(&report);
        assert_eq!(
            ranked,
            [
                Ranked {
                    rank: 1,
                    label: "C".into(),
                    bid_id: "bid-c".into()
                },
                Ranked {
                    rank: 2,
                    label: "A".into(),
                    bid_id: "bid-a".into()
                },
            ]
        );
        assert!(ranked_bids(&json!({})).is_empty());
    }
}
