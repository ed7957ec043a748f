//! The trade engine, pure: a trade's state is the fold of its recorded
//! events, and what happens next is decided from that state and the time
//! given, never from when a timer fired. The store records what
//! [`Trade::step`] returns, in one transaction under the tender's lock, so
//! that replaying the events ([`replay`]) reproduces every phase, the
//! winner, the price and the countdown's end.
//!
//! Time drives some transitions (quoting opens, the listing period ends, a
//! declaration window ends, the countdown runs out). They happen at their
//! **scheduled** instant, whatever the time at which the engine is next
//! asked: [`Trade::advance`] records each with `at` = the instant it was
//! due. So a quote that arrives at the countdown's end or after it finds
//! the trade closed at the end (and is refused), and one a microsecond
//! before is accepted and, with [`Restart::EveryQuote`], starts the
//! countdown again from its own time.
//!
//! A quote is accepted only from a qualified bidder, while quoting is open
//! to it, at least the current price plus one increment (the start price
//! for the first), a whole number of increments above the current price
//! (or the start), never more increments than the trade allows. Two equal
//! quotes cannot both be accepted: the second is below the floor the first
//! made, so "报价相同的，先提交报价单者为竞得人" (39号令 第19条(二)) holds by
//! the order in which the store takes them.

use super::rules::{ContinueRule, Restart, SingleBuyer, TradeKind};
use crate::reasons::{Refusal, refuse, time, yuan};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::BTreeSet;

/// The largest amount a quote, a price or an increment may name: 10^15 fen
/// (ten trillion yuan), beyond any trade and far from `i64`'s end, so that
/// a price plus an increment never overflows.
pub const MAX_AMOUNT_FEN: i64 = 1_000_000_000_000_000;

/// A bidder's anonymous number (竞买号): all that the public, the other
/// bidders and the engine know of it.
pub type Number = String;

/// A trade's terms, fixed when it is set up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(as = AuctionTerms)]
pub struct Terms {
    pub kind: TradeKind,
    /// 起始价: the first quote's least amount.
    pub start_fen: i64,
    /// 增价幅度: each quote adds a whole number of these.
    pub increment_fen: i64,
    /// The most increments one quote may add (`None`: any whole number).
    pub max_increments: Option<u32>,
    /// Quoting opens.
    pub starts_at: DateTime<Utc>,
    /// The listing period ends (listings), or the free bidding does and
    /// the countdown starts (auctions, online bidding).
    pub free_until: DateTime<Utc>,
    pub countdown_secs: u32,
    pub restart: Restart,
    /// Listings: when the timed phase follows.
    pub continue_rule: Option<ContinueRule>,
    /// Listings: seconds after the listing period for declarations.
    pub continue_window_secs: u32,
    pub join_requires_quote: bool,
    pub leader_may_raise: bool,
    /// Fewer qualified bidders at the start: no trade.
    pub min_bidders: u32,
    pub single_buyer: SingleBuyer,
    /// A reserve price is sealed: the outcome waits for it at the close.
    pub reserve_sealed: bool,
}

impl Terms {
    /// A kind's terms with its rules' defaults.
    pub fn of_kind(
        kind: TradeKind,
        start_fen: i64,
        increment_fen: i64,
        starts_at: DateTime<Utc>,
        free_until: DateTime<Utc>,
        reserve_sealed: bool,
    ) -> Terms {
        let rules = kind.rules();
        Terms {
            kind,
            start_fen,
            increment_fen,
            max_increments: None,
            starts_at,
            free_until,
            countdown_secs: rules.default_countdown_secs,
            restart: rules.restart,
            continue_rule: rules.continue_rule,
            continue_window_secs: rules.continue_window_secs,
            join_requires_quote: rules.join_requires_quote,
            leader_may_raise: rules.leader_may_raise,
            min_bidders: rules.min_bidders,
            single_buyer: rules.single_buyer,
            reserve_sealed,
        }
    }

    /// Consistent in itself (the legal periods are the set-up's to check,
    /// with the calendar).
    pub fn check(&self) -> Result<(), Refusal> {
        for (field, fen) in [("start", self.start_fen), ("increment", self.increment_fen)] {
            if fen <= 0 || fen > MAX_AMOUNT_FEN {
                return refuse(
                    "range",
                    format!("the {field} is 0.01 to {} yuan", yuan(MAX_AMOUNT_FEN)),
                )
                .because(
                    "auction.amount-range",
                    json!({ "max": yuan(MAX_AMOUNT_FEN) }),
                );
            }
        }
        if self.free_until <= self.starts_at {
            return refuse("invalid", "quoting ends after it starts")
                .because("auction.period-order", json!({}));
        }
        if !COUNTDOWN_SECS.contains(&self.countdown_secs) {
            return refuse(
                "range",
                format!(
                    "the countdown is {} to {} seconds",
                    COUNTDOWN_SECS.start(),
                    COUNTDOWN_SECS.end()
                ),
            )
            .because(
                "auction.countdown-range",
                json!({ "min": COUNTDOWN_SECS.start(), "max": COUNTDOWN_SECS.end() }),
            );
        }
        if let Restart::WithinLast {
            window_secs,
            extend_secs,
        } = self.restart
            && (window_secs == 0
                || window_secs > self.countdown_secs
                || !COUNTDOWN_SECS.contains(&extend_secs))
        {
            return refuse("invalid", "a quote near the end extends it: a window within the countdown and an extension of 10 s to 1 h")
                .because("auction.restart-window", json!({}));
        }
        if self.kind.is_listing() != self.continue_rule.is_some() {
            return refuse(
                "invalid",
                "only a listing has a timed phase after its period",
            )
            .because("auction.continue-rule", json!({}));
        }
        Ok(())
    }
}

/// The countdown's allowed lengths, in seconds.
pub const COUNTDOWN_SECS: std::ops::RangeInclusive<u32> = 10..=3600;

/// Where a trade is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(as = AuctionPhase)]
#[serde(tag = "phase", rename_all = "snake_case")]
pub enum Phase {
    /// Before quoting opens.
    Scheduled,
    /// The listing period, or the free bidding before the countdown:
    /// quotes until `until`.
    Open { until: DateTime<Utc> },
    /// After a listing's period: bidders say whether they continue, until
    /// `until`; no quotes.
    Deciding { until: DateTime<Utc> },
    /// The countdown: quotes from the participants until `ends_at`
    /// (exclusive).
    Timed { ends_at: DateTime<Utc> },
    /// Closed; the outcome waits for the sealed reserve.
    AwaitingReserve { closed_at: DateTime<Utc> },
    /// Closed and decided.
    Decided { closed_at: DateTime<Utc> },
}

/// Why quoting closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CloseWhy {
    /// The countdown ran out.
    Countdown,
    /// A listing's period ended and too few continued.
    ListingEnded,
    /// Fewer bidders were qualified than the trade needs.
    TooFewBidders,
    /// One qualified buyer: an agreement, no bidding.
    SingleBuyer,
}

/// Why there was no sale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NoSale {
    /// Nobody quoted.
    NoQuote,
    /// The highest quote was below the reserve.
    BelowReserve,
    /// Fewer bidders than the trade needs.
    TooFewBidders,
}

/// What a trade came to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(as = AuctionOutcome)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum Outcome {
    /// The highest quote, at or above the reserve.
    Sold {
        number: Number,
        price_fen: i64,
        basis: String,
    },
    NoSale {
        why: NoSale,
        basis: String,
    },
    /// One qualified buyer: an agreement at no less than `floor_fen`.
    Agreement {
        number: Number,
        floor_fen: i64,
        basis: String,
    },
    /// The sealed reserve could not be revealed as committed: the trade
    /// is void (the organiser's fault, not the bidders').
    Void {
        why: String,
    },
}

/// What happened, as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(as = AuctionEventKind)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Event {
    /// Quoting opened.
    Opened,
    QuoteAccepted {
        number: Number,
        amount_fen: i64,
        /// In the timed phase: the countdown's end after this quote.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        ends_at: Option<DateTime<Utc>>,
    },
    ContinueDeclared {
        number: Number,
    },
    /// 挂牌期间可根据竞买人竞价情况调整增价幅度 (39号令 第18条).
    IncrementChanged {
        increment_fen: i64,
    },
    /// A listing's period ended, with this leader.
    ListingEnded {
        leader: Option<Number>,
        amount_fen: Option<i64>,
    },
    TimedStarted {
        participants: Vec<Number>,
        ends_at: DateTime<Utc>,
    },
    Closed {
        why: CloseWhy,
        leader: Option<Number>,
        amount_fen: Option<i64>,
    },
    ReserveRevealed {
        reserve_fen: i64,
    },
    ReserveFailed {
        why: String,
    },
    Decided {
        outcome: Outcome,
    },
    AgreementRecorded {
        price_fen: i64,
    },
}

impl Event {
    /// The event's kind, as stored.
    pub fn kind(&self) -> &'static str {
        match self {
            Event::Opened => "opened",
            Event::QuoteAccepted { .. } => "quote_accepted",
            Event::ContinueDeclared { .. } => "continue_declared",
            Event::IncrementChanged { .. } => "increment_changed",
            Event::ListingEnded { .. } => "listing_ended",
            Event::TimedStarted { .. } => "timed_started",
            Event::Closed { .. } => "closed",
            Event::ReserveRevealed { .. } => "reserve_revealed",
            Event::ReserveFailed { .. } => "reserve_failed",
            Event::Decided { .. } => "decided",
            Event::AgreementRecorded { .. } => "agreement_recorded",
        }
    }
}

/// An event with its time: the instant it was due (by the time), or the
/// server's time of the command that made it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(as = AuctionRecordedEvent)]
pub struct Recorded {
    pub at: DateTime<Utc>,
    #[serde(flatten)]
    pub event: Event,
}

/// What a trade is asked to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Quote {
        number: Number,
        amount_fen: i64,
    },
    /// Wants to continue into the timed phase (listings).
    Continue {
        number: Number,
    },
    /// The organiser changes the increment during a listing's period.
    ChangeIncrement {
        increment_fen: i64,
    },
    /// The sealed reserve, opened and checked against its commitment.
    RevealReserve {
        reserve_fen: i64,
    },
    /// The sealed reserve could not be opened, or did not match.
    ReserveFailed {
        why: String,
    },
    /// The agreed price of a single buyer's agreement.
    RecordAgreement {
        price_fen: i64,
    },
    /// Nothing but the time passing.
    Tick,
}

/// What [`Trade::step`] did: the events the time made, then those of the
/// command (or why it was refused). Both lists are already applied.
#[derive(Debug)]
pub struct Step {
    pub advanced: Vec<Recorded>,
    pub decided: Result<Vec<Recorded>, Refusal>,
}

/// A trade's state: the fold of its events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trade {
    terms: Terms,
    qualified: BTreeSet<Number>,
    phase: Phase,
    increment_fen: i64,
    /// The highest accepted quote: number, amount.
    leader: Option<(Number, i64)>,
    quotes: u64,
    quoted_in_listing: BTreeSet<Number>,
    declared: BTreeSet<Number>,
    participants: BTreeSet<Number>,
    closed: Option<CloseWhy>,
    reserve_fen: Option<i64>,
    outcome: Option<Outcome>,
    agreed_fen: Option<i64>,
    last_at: Option<DateTime<Utc>>,
}

impl Trade {
    /// A trade set up with these terms, its qualified bidders' numbers
    /// known (they are fixed before quoting opens).
    pub fn new(terms: Terms, qualified: impl IntoIterator<Item = Number>) -> Trade {
        Trade {
            increment_fen: terms.increment_fen,
            terms,
            qualified: qualified.into_iter().collect(),
            phase: Phase::Scheduled,
            leader: None,
            quotes: 0,
            quoted_in_listing: BTreeSet::new(),
            declared: BTreeSet::new(),
            participants: BTreeSet::new(),
            closed: None,
            reserve_fen: None,
            outcome: None,
            agreed_fen: None,
            last_at: None,
        }
    }

    pub fn terms(&self) -> &Terms {
        &self.terms
    }
    pub fn phase(&self) -> &Phase {
        &self.phase
    }
    pub fn increment_fen(&self) -> i64 {
        self.increment_fen
    }
    /// The leading number and its amount.
    pub fn leader(&self) -> Option<(&str, i64)> {
        self.leader.as_ref().map(|(n, a)| (n.as_str(), *a))
    }
    /// Accepted quotes so far.
    pub fn quotes(&self) -> u64 {
        self.quotes
    }
    /// The timed phase's participants (empty before it).
    pub fn participants(&self) -> &BTreeSet<Number> {
        &self.participants
    }
    pub fn outcome(&self) -> Option<&Outcome> {
        self.outcome.as_ref()
    }
    pub fn reserve_fen(&self) -> Option<i64> {
        self.reserve_fen
    }
    pub fn agreed_fen(&self) -> Option<i64> {
        self.agreed_fen
    }
    /// The time of the last event.
    pub fn last_at(&self) -> Option<DateTime<Utc>> {
        self.last_at
    }

    /// The least amount the next quote may name.
    pub fn floor_fen(&self) -> i64 {
        match &self.leader {
            Some((_, amount)) => amount.saturating_add(self.increment_fen),
            None => self.terms.start_fen,
        }
    }

    /// When the time next changes the trade by itself.
    pub fn due(&self) -> Option<DateTime<Utc>> {
        match &self.phase {
            Phase::Scheduled => Some(self.terms.starts_at),
            Phase::Open { until } | Phase::Deciding { until } => Some(*until),
            Phase::Timed { ends_at } => Some(*ends_at),
            Phase::AwaitingReserve { .. } | Phase::Decided { .. } => None,
        }
    }

    /// Applies a recorded event. The events are those this engine made, in
    /// their order ([`replay`] checks that they are).
    pub fn apply(&mut self, r: &Recorded) {
        self.last_at = Some(self.last_at.map_or(r.at, |t| t.max(r.at)));
        match &r.event {
            Event::Opened => {
                self.phase = Phase::Open {
                    until: self.terms.free_until,
                }
            }
            Event::QuoteAccepted {
                number,
                amount_fen,
                ends_at,
            } => {
                self.leader = Some((number.clone(), *amount_fen));
                self.quotes += 1;
                if matches!(self.phase, Phase::Open { .. }) {
                    self.quoted_in_listing.insert(number.clone());
                }
                if let (Phase::Timed { .. }, Some(end)) = (&self.phase, ends_at) {
                    self.phase = Phase::Timed { ends_at: *end };
                }
            }
            Event::ContinueDeclared { number } => {
                self.declared.insert(number.clone());
            }
            Event::IncrementChanged { increment_fen } => self.increment_fen = *increment_fen,
            Event::ListingEnded { .. } => {
                self.phase = Phase::Deciding {
                    until: r.at + secs(self.terms.continue_window_secs),
                }
            }
            Event::TimedStarted {
                participants,
                ends_at,
            } => {
                self.participants = participants.iter().cloned().collect();
                self.phase = Phase::Timed { ends_at: *ends_at };
            }
            Event::Closed { why, .. } => {
                self.closed = Some(*why);
                self.phase = Phase::AwaitingReserve { closed_at: r.at };
            }
            Event::ReserveRevealed { reserve_fen } => self.reserve_fen = Some(*reserve_fen),
            Event::ReserveFailed { .. } => {}
            Event::Decided { outcome } => {
                let closed_at = match self.phase {
                    Phase::AwaitingReserve { closed_at } | Phase::Decided { closed_at } => {
                        closed_at
                    }
                    _ => r.at,
                };
                self.outcome = Some(outcome.clone());
                self.phase = Phase::Decided { closed_at };
            }
            Event::AgreementRecorded { price_fen } => self.agreed_fen = Some(*price_fen),
        }
    }

    /// The events the time makes up to `now`, each at the instant it was
    /// due, applied to the trade.
    pub fn advance(&mut self, now: DateTime<Utc>) -> Vec<Recorded> {
        let mut out = Vec::new();
        while let Some(due) = self.due().filter(|d| *d <= now) {
            let before = out.len();
            for event in self.by_time() {
                let r = Recorded { at: due, event };
                self.apply(&r);
                out.push(r);
            }
            debug_assert!(out.len() > before, "a due transition makes an event");
            if out.len() == before {
                break;
            }
        }
        out
    }

    /// Asks the trade to do something at `now` (the server's time, read
    /// under the tender's lock): the time's events first, then the
    /// command's. `now` earlier than the last event (a clock stepped back)
    /// counts as the last event's time, so time never runs backwards.
    pub fn step(&mut self, command: &Command, now: DateTime<Utc>) -> Step {
        let now = self.last_at.map_or(now, |t| now.max(t));
        let advanced = self.advance(now);
        let decided = self.decide(command, now).map(|events| {
            let recorded: Vec<Recorded> = events
                .into_iter()
                .map(|event| Recorded { at: now, event })
                .collect();
            for r in &recorded {
                self.apply(r);
            }
            recorded
        });
        Step { advanced, decided }
    }

    /// The transition due now, as events (the phase says which).
    fn by_time(&self) -> Vec<Event> {
        match &self.phase {
            Phase::Scheduled => {
                let n = self.qualified.len() as u64;
                if n < u64::from(self.terms.min_bidders.max(1)) {
                    vec![
                        Event::Opened,
                        Event::Closed {
                            why: CloseWhy::TooFewBidders,
                            leader: None,
                            amount_fen: None,
                        },
                        Event::Decided {
                            outcome: Outcome::NoSale {
                                why: NoSale::TooFewBidders,
                                basis: self.terms.kind.rules().min_bidders_basis.into(),
                            },
                        },
                    ]
                } else if n == 1 && self.terms.single_buyer == SingleBuyer::Agreement {
                    let mut out = vec![
                        Event::Opened,
                        Event::Closed {
                            why: CloseWhy::SingleBuyer,
                            leader: None,
                            amount_fen: None,
                        },
                    ];
                    if !self.terms.reserve_sealed {
                        out.push(Event::Decided {
                            outcome: self.decide_outcome(CloseWhy::SingleBuyer, None),
                        });
                    }
                    out
                } else {
                    vec![Event::Opened]
                }
            }
            Phase::Open { until } => {
                if self.terms.kind.is_listing() {
                    let ended = Event::ListingEnded {
                        leader: self.leader.as_ref().map(|(n, _)| n.clone()),
                        amount_fen: self.leader.as_ref().map(|(_, a)| *a),
                    };
                    // With no window to declare in, the timed phase (or the
                    // close) follows at once.
                    let windowless = self.terms.continue_window_secs == 0
                        || matches!(
                            self.terms.continue_rule,
                            Some(ContinueRule::Automatic { .. })
                        );
                    if windowless {
                        let mut out = vec![ended];
                        out.extend(self.after_listing(*until));
                        out
                    } else {
                        vec![ended]
                    }
                } else {
                    vec![Event::TimedStarted {
                        participants: self.qualified.iter().cloned().collect(),
                        ends_at: *until + secs(self.terms.countdown_secs),
                    }]
                }
            }
            Phase::Deciding { until } => self.after_listing(*until),
            Phase::Timed { .. } => self.close(CloseWhy::Countdown),
            Phase::AwaitingReserve { .. } | Phase::Decided { .. } => Vec::new(),
        }
    }

    /// A listing's period (and its window) over at `at`: the timed phase if
    /// enough take part, else the close.
    fn after_listing(&self, at: DateTime<Utc>) -> Vec<Event> {
        let Some(rule) = self.terms.continue_rule else {
            return self.close(CloseWhy::ListingEnded);
        };
        let eligible =
            |n: &Number| !self.terms.join_requires_quote || self.quoted_in_listing.contains(n);
        let participants: BTreeSet<Number> = match rule {
            ContinueRule::Declared { .. } => self
                .declared
                .iter()
                .filter(|n| eligible(n))
                .cloned()
                .chain(self.leader.as_ref().map(|(n, _)| n.clone()))
                .collect(),
            ContinueRule::Automatic { .. } => self.quoted_in_listing.clone(),
        };
        if participants.len() as u64 >= u64::from(rule.min_participants()) {
            vec![Event::TimedStarted {
                participants: participants.into_iter().collect(),
                ends_at: at + secs(self.terms.countdown_secs),
            }]
        } else {
            self.close(CloseWhy::ListingEnded)
        }
    }

    /// Quoting closes: decided at once unless the sealed reserve must be
    /// revealed first (only when there is someone it could sell to).
    fn close(&self, why: CloseWhy) -> Vec<Event> {
        let mut out = vec![Event::Closed {
            why,
            leader: self.leader.as_ref().map(|(n, _)| n.clone()),
            amount_fen: self.leader.as_ref().map(|(_, a)| *a),
        }];
        if !self.terms.reserve_sealed || self.leader.is_none() {
            out.push(Event::Decided {
                outcome: self.decide_outcome(why, None),
            });
        }
        out
    }

    /// The outcome at the close, with the reserve if one was sealed.
    fn decide_outcome(&self, why: CloseWhy, reserve: Option<i64>) -> Outcome {
        let rules = self.terms.kind.rules();
        if why == CloseWhy::SingleBuyer {
            let number = self.qualified.iter().next().cloned().unwrap_or_default();
            return Outcome::Agreement {
                number,
                floor_fen: reserve.map_or(self.terms.start_fen, |r| r.max(self.terms.start_fen)),
                basis: rules.single_buyer_basis.into(),
            };
        }
        match &self.leader {
            None => Outcome::NoSale {
                why: NoSale::NoQuote,
                basis: rules.outcome_basis.into(),
            },
            Some((_, amount)) if reserve.is_some_and(|r| *amount < r) => Outcome::NoSale {
                why: NoSale::BelowReserve,
                basis: rules.outcome_basis.into(),
            },
            Some((number, amount)) => Outcome::Sold {
                number: number.clone(),
                price_fen: *amount,
                basis: rules.outcome_basis.into(),
            },
        }
    }

    /// Decides a command on a trade already advanced to `now`.
    fn decide(&self, command: &Command, now: DateTime<Utc>) -> Result<Vec<Event>, Refusal> {
        match command {
            Command::Tick => Ok(Vec::new()),
            Command::Quote { number, amount_fen } => self.quote(number, *amount_fen, now),
            Command::Continue { number } => self.declare(number),
            Command::ChangeIncrement { increment_fen } => {
                if !(self.terms.kind.is_listing() && matches!(self.phase, Phase::Open { .. })) {
                    return refuse(
                        "phase",
                        "the increment changes only during a listing's period",
                    )
                    .because("auction.increment-not-now", json!({}));
                }
                if *increment_fen <= 0 || *increment_fen > MAX_AMOUNT_FEN {
                    return refuse("range", "the increment is out of range").because(
                        "auction.amount-range",
                        json!({ "max": yuan(MAX_AMOUNT_FEN) }),
                    );
                }
                Ok(vec![Event::IncrementChanged {
                    increment_fen: *increment_fen,
                }])
            }
            Command::RevealReserve { reserve_fen } => {
                let why = self.awaiting_reserve()?;
                if *reserve_fen < 0 || *reserve_fen > MAX_AMOUNT_FEN {
                    return refuse("range", "the reserve is out of range").because(
                        "auction.amount-range",
                        json!({ "max": yuan(MAX_AMOUNT_FEN) }),
                    );
                }
                Ok(vec![
                    Event::ReserveRevealed {
                        reserve_fen: *reserve_fen,
                    },
                    Event::Decided {
                        outcome: self.decide_outcome(why, Some(*reserve_fen)),
                    },
                ])
            }
            Command::ReserveFailed { why } => {
                self.awaiting_reserve()?;
                Ok(vec![
                    Event::ReserveFailed { why: why.clone() },
                    Event::Decided {
                        outcome: Outcome::Void { why: why.clone() },
                    },
                ])
            }
            Command::RecordAgreement { price_fen } => {
                let Some(Outcome::Agreement { floor_fen, .. }) = &self.outcome else {
                    return refuse("phase", "only a single buyer's trade ends in an agreement")
                        .because("auction.no-agreement", json!({}));
                };
                if self.agreed_fen.is_some() {
                    return refuse("duplicate", "the agreed price is recorded already")
                        .because("auction.agreement-recorded", json!({}));
                }
                if *price_fen < *floor_fen || *price_fen > MAX_AMOUNT_FEN {
                    return refuse(
                        "range",
                        format!("the agreed price is at least {} yuan", yuan(*floor_fen)),
                    )
                    .because(
                        "auction.agreement-below",
                        json!({ "floor": yuan(*floor_fen) }),
                    );
                }
                Ok(vec![Event::AgreementRecorded {
                    price_fen: *price_fen,
                }])
            }
        }
    }

    /// Why quoting closed, when the outcome waits for the reserve.
    fn awaiting_reserve(&self) -> Result<CloseWhy, Refusal> {
        if let (Phase::AwaitingReserve { .. }, Some(why)) = (&self.phase, self.closed) {
            Ok(why)
        } else {
            refuse(
                "phase",
                "the reserve is revealed once quoting has closed, and once",
            )
            .because("auction.reserve-not-now", json!({}))
        }
    }

    fn quote(&self, number: &str, amount: i64, now: DateTime<Utc>) -> Result<Vec<Event>, Refusal> {
        if !self.qualified.contains(number) {
            return refuse("role", "no qualified bidder has this number")
                .because("auction.not-qualified", json!({}));
        }
        let ends_at = match &self.phase {
            Phase::Scheduled => {
                return refuse("phase", "quoting has not opened").because(
                    "auction.not-open",
                    json!({ "starts_at": time(self.terms.starts_at) }),
                );
            }
            Phase::Deciding { until } => {
                return refuse(
                    "phase",
                    "the listing's period is over: bidders are saying whether they continue",
                )
                .because("auction.deciding", json!({ "until": time(*until) }));
            }
            Phase::AwaitingReserve { .. } | Phase::Decided { .. } => {
                return refuse("phase", "quoting has closed").because("auction.closed", json!({}));
            }
            Phase::Open { .. } => None,
            Phase::Timed { ends_at } => {
                if !self.participants.contains(number) {
                    return refuse("role", "this number does not take part in the timed phase")
                        .because("auction.not-a-participant", json!({}));
                }
                Some(*ends_at)
            }
        };
        if !self.terms.leader_may_raise && self.leader.as_ref().is_some_and(|(n, _)| n == number) {
            return refuse("role", "the leading bidder may not raise its own quote")
                .because("auction.leader-may-not-raise", json!({}));
        }
        if amount <= 0 || amount > MAX_AMOUNT_FEN {
            return refuse(
                "range",
                format!("a quote is 0.01 to {} yuan", yuan(MAX_AMOUNT_FEN)),
            )
            .because(
                "auction.amount-range",
                json!({ "max": yuan(MAX_AMOUNT_FEN) }),
            );
        }
        let floor = self.floor_fen();
        if amount < floor {
            return refuse(
                "range",
                format!("a quote is at least {} yuan now", yuan(floor)),
            )
            .because("auction.below-floor", json!({ "floor": yuan(floor) }));
        }
        let base = self
            .leader
            .as_ref()
            .map_or(self.terms.start_fen, |(_, a)| *a);
        let above = amount - base;
        if above % self.increment_fen != 0 {
            return refuse(
                "range",
                format!(
                    "a quote is {} yuan plus a whole number of increments of {} yuan",
                    yuan(base),
                    yuan(self.increment_fen)
                ),
            )
            .because(
                "auction.not-multiple",
                json!({ "base": yuan(base), "increment": yuan(self.increment_fen) }),
            );
        }
        if let Some(max) = self.terms.max_increments
            && above / self.increment_fen > i64::from(max)
        {
            return refuse("range", format!("a quote adds at most {max} increments"))
                .because("auction.too-many-increments", json!({ "max": max }));
        }
        let ends_at = ends_at.map(|end| self.new_end(end, now));
        Ok(vec![Event::QuoteAccepted {
            number: number.to_string(),
            amount_fen: amount,
            ends_at,
        }])
    }

    /// The countdown's end after a quote at `at`.
    fn new_end(&self, end: DateTime<Utc>, at: DateTime<Utc>) -> DateTime<Utc> {
        match self.terms.restart {
            Restart::EveryQuote => at + secs(self.terms.countdown_secs),
            Restart::WithinLast {
                window_secs,
                extend_secs,
            } => {
                if end - at <= secs(window_secs) {
                    end.max(at + secs(extend_secs))
                } else {
                    end
                }
            }
            Restart::Never => end,
        }
    }

    fn declare(&self, number: &str) -> Result<Vec<Event>, Refusal> {
        if !matches!(
            self.terms.continue_rule,
            Some(ContinueRule::Declared { .. })
        ) {
            return refuse("phase", "this trade takes no declarations to continue")
                .because("auction.no-declarations", json!({}));
        }
        if !self.qualified.contains(number) {
            return refuse("role", "no qualified bidder has this number")
                .because("auction.not-qualified", json!({}));
        }
        match &self.phase {
            Phase::Open { .. } | Phase::Deciding { .. } => {}
            Phase::Scheduled => {
                return refuse("phase", "quoting has not opened").because(
                    "auction.not-open",
                    json!({ "starts_at": time(self.terms.starts_at) }),
                );
            }
            _ => {
                return refuse("phase", "declarations to continue are over")
                    .because("auction.declarations-over", json!({}));
            }
        }
        if self.terms.join_requires_quote && !self.quoted_in_listing.contains(number) {
            return refuse(
                "role",
                "only a bidder who quoted in the listing period may continue",
            )
            .because("auction.continue-needs-quote", json!({}));
        }
        if self.declared.contains(number) {
            return refuse("duplicate", "this number has declared already")
                .because("auction.declared-already", json!({}));
        }
        Ok(vec![Event::ContinueDeclared {
            number: number.to_string(),
        }])
    }
}

fn secs(s: u32) -> Duration {
    Duration::seconds(i64::from(s))
}

/// Where a replay parted from the record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Divergence {
    /// The index of the recorded event at fault.
    pub index: usize,
    pub found: Recorded,
    /// What the engine would have recorded there instead (`None`: nothing,
    /// or a refusal).
    pub expected: Option<Recorded>,
    pub why: String,
}

impl std::fmt::Display for Divergence {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "event {} ({} at {}): {}",
            self.index + 1,
            self.found.event.kind(),
            self.found.at.to_rfc3339(),
            self.why
        )
    }
}

/// Replays a trade from its recorded events: each must be what the engine
/// makes at its time, by the time alone or from the command it records
/// (a quote from a quote, …). Returns the trade as the events leave it
/// (its phase, leader, countdown's end and outcome), or where the record
/// parts from the rules.
pub fn replay(
    terms: Terms,
    qualified: impl IntoIterator<Item = Number>,
    events: &[Recorded],
) -> Result<Trade, Box<Divergence>> {
    let mut trade = Trade::new(terms, qualified);
    let mut i = 0;
    while i < events.len() {
        let found = &events[i];
        let diverge = |why: String, expected: Option<Recorded>| {
            Box::new(Divergence {
                index: i,
                found: found.clone(),
                expected,
                why,
            })
        };
        if trade.last_at.is_some_and(|t| found.at < t) {
            return Err(diverge(
                "recorded before the event that precedes it".into(),
                None,
            ));
        }
        // The time's own events, up to this one's time, must be the next
        // ones recorded.
        let mut probe = trade.clone();
        let due = probe.advance(found.at);
        if !due.is_empty() {
            for (k, expected) in due.iter().enumerate() {
                match events.get(i + k) {
                    Some(r) if r == expected => {}
                    other => {
                        let index = i + k;
                        return Err(Box::new(Divergence {
                            index: index.min(events.len().saturating_sub(1)),
                            found: other.cloned().unwrap_or_else(|| found.clone()),
                            expected: Some(expected.clone()),
                            why: "the time made another event here".into(),
                        }));
                    }
                }
            }
            trade = probe;
            i += due.len();
            continue;
        }
        let command = match &found.event {
            Event::QuoteAccepted {
                number, amount_fen, ..
            } => Command::Quote {
                number: number.clone(),
                amount_fen: *amount_fen,
            },
            Event::ContinueDeclared { number } => Command::Continue {
                number: number.clone(),
            },
            Event::IncrementChanged { increment_fen } => Command::ChangeIncrement {
                increment_fen: *increment_fen,
            },
            Event::ReserveRevealed { reserve_fen } => Command::RevealReserve {
                reserve_fen: *reserve_fen,
            },
            Event::ReserveFailed { why } => Command::ReserveFailed { why: why.clone() },
            Event::AgreementRecorded { price_fen } => Command::RecordAgreement {
                price_fen: *price_fen,
            },
            other => {
                return Err(diverge(
                    format!("a {} that the time did not make then", other.kind()),
                    None,
                ));
            }
        };
        let step = trade.clone().step(&command, found.at);
        let made = match step.decided {
            Ok(made) => made,
            Err(refusal) => {
                return Err(diverge(
                    format!(
                        "the rules refuse it: {} ({})",
                        refusal.message, refusal.reason
                    ),
                    None,
                ));
            }
        };
        for (k, expected) in made.iter().enumerate() {
            if events.get(i + k) != Some(expected) {
                return Err(Box::new(Divergence {
                    index: (i + k).min(events.len() - 1),
                    found: events.get(i + k).cloned().unwrap_or_else(|| found.clone()),
                    expected: Some(expected.clone()),
                    why: "the command makes other events".into(),
                }));
            }
            trade.apply(expected);
        }
        i += made.len();
    }
    Ok(trade)
}

#[cfg(test)]
mod tests;
