use super::*;
use chrono::TimeZone;

const START: i64 = 1_200_000_000; // 12,000,000.00 yuan
const INC: i64 = 10_000_000; // 100,000.00 yuan

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 1, 0, 0).unwrap()
}
fn at(secs: i64) -> DateTime<Utc> {
    t0() + Duration::seconds(secs)
}
const DAY: i64 = 86_400;

fn numbers(n: &[&str]) -> Vec<Number> {
    n.iter().map(|s| s.to_string()).collect()
}

/// A land listing of ten days from t0, a 300 s window and countdown.
fn listing(reserve_sealed: bool) -> Terms {
    Terms::of_kind(
        TradeKind::LandListing,
        START,
        INC,
        t0(),
        at(10 * DAY),
        reserve_sealed,
    )
}

/// An online bidding of property: an hour of free bidding from t0.
fn online(reserve_sealed: bool) -> Terms {
    Terms::of_kind(
        TradeKind::PropertyOnlineBidding,
        START,
        INC,
        t0(),
        at(3600),
        reserve_sealed,
    )
}

/// Steps the trade, keeping every recorded event in `log`; the command's
/// own result is returned.
fn act(
    trade: &mut Trade,
    log: &mut Vec<Recorded>,
    command: Command,
    now: DateTime<Utc>,
) -> Result<Vec<Recorded>, Refusal> {
    let step = trade.step(&command, now);
    log.extend(step.advanced.iter().cloned());
    if let Ok(made) = &step.decided {
        log.extend(made.iter().cloned());
    }
    step.decided
}

fn quote(number: &str, amount_fen: i64) -> Command {
    Command::Quote {
        number: number.into(),
        amount_fen,
    }
}

fn reason(r: Result<Vec<Recorded>, Refusal>) -> &'static str {
    match r {
        Ok(made) => panic!("accepted: {made:?}"),
        Err(refusal) => refusal.reason,
    }
}

#[test]
fn the_terms_check_themselves() {
    assert!(listing(false).check().is_ok());
    let mut t = listing(false);
    t.increment_fen = 0;
    assert_eq!(t.check().unwrap_err().reason, "auction.amount-range");
    let mut t = listing(false);
    t.start_fen = MAX_AMOUNT_FEN + 1;
    assert_eq!(t.check().unwrap_err().reason, "auction.amount-range");
    let mut t = listing(false);
    t.free_until = t.starts_at;
    assert_eq!(t.check().unwrap_err().reason, "auction.period-order");
    let mut t = listing(false);
    t.countdown_secs = 9;
    assert_eq!(t.check().unwrap_err().reason, "auction.countdown-range");
    let mut t = online(false);
    t.restart = Restart::WithinLast {
        window_secs: 301,
        extend_secs: 60,
    };
    assert_eq!(t.check().unwrap_err().reason, "auction.restart-window");
    let mut t = online(false);
    t.continue_rule = Some(ContinueRule::Declared {
        min_participants: 2,
    });
    assert_eq!(t.check().unwrap_err().reason, "auction.continue-rule");
}

#[test]
fn every_bad_quote_is_refused_with_its_reason() {
    let mut terms = listing(false);
    terms.max_increments = Some(3);
    let mut trade = Trade::new(terms, numbers(&["217", "402"]));
    let mut log = Vec::new();
    // Before quoting opens.
    assert_eq!(
        reason(act(&mut trade, &mut log, quote("217", START), at(-1))),
        "auction.not-open"
    );
    // A number no qualified bidder has (a forged or unregistered one).
    assert_eq!(
        reason(act(&mut trade, &mut log, quote("999", START), at(1))),
        "auction.not-qualified"
    );
    // Amounts out of range, overflowing ones included.
    for amount in [0, -1, MAX_AMOUNT_FEN + 1, i64::MAX, i64::MIN] {
        assert_eq!(
            reason(act(&mut trade, &mut log, quote("217", amount), at(2))),
            "auction.amount-range",
            "{amount}"
        );
    }
    // Below the start; not a whole number of increments above it; too many.
    assert_eq!(
        reason(act(&mut trade, &mut log, quote("217", START - INC), at(3))),
        "auction.below-floor"
    );
    assert_eq!(
        reason(act(
            &mut trade,
            &mut log,
            quote("217", START + INC / 2),
            at(3)
        )),
        "auction.not-multiple"
    );
    assert_eq!(
        reason(act(
            &mut trade,
            &mut log,
            quote("217", START + 4 * INC),
            at(3)
        )),
        "auction.too-many-increments"
    );
    // The start price itself is a quote (no increment needed for the first).
    act(&mut trade, &mut log, quote("217", START), at(4)).unwrap();
    assert_eq!(trade.floor_fen(), START + INC);
    // The leader may not raise itself; the same amount again is below the floor.
    assert_eq!(
        reason(act(&mut trade, &mut log, quote("217", START + INC), at(5))),
        "auction.leader-may-not-raise"
    );
    assert_eq!(
        reason(act(&mut trade, &mut log, quote("402", START), at(5))),
        "auction.below-floor"
    );
    // Three increments above the current price, not the start: accepted.
    act(&mut trade, &mut log, quote("402", START + 3 * INC), at(6)).unwrap();
    assert_eq!(trade.leader(), Some(("402", START + 3 * INC)));
    // Nothing refused changed the trade: two quotes, in the order taken.
    let quotes: Vec<_> = log
        .iter()
        .filter(|r| matches!(r.event, Event::QuoteAccepted { .. }))
        .collect();
    assert_eq!(quotes.len(), 2);
    assert_eq!(trade.quotes(), 2);
}

#[test]
fn equal_quotes_the_earlier_wins_and_the_later_is_refused() {
    let mut trade = Trade::new(listing(false), numbers(&["217", "402", "555"]));
    let mut log = Vec::new();
    act(&mut trade, &mut log, quote("217", START), at(10)).unwrap();
    act(&mut trade, &mut log, quote("402", START + INC), at(11)).unwrap();
    assert_eq!(
        reason(act(&mut trade, &mut log, quote("555", START + INC), at(11))),
        "auction.below-floor"
    );
    assert_eq!(trade.leader(), Some(("402", START + INC)));
}

#[test]
fn the_countdown_refuses_a_quote_at_its_end_and_takes_one_just_before() {
    let mut trade = Trade::new(online(false), numbers(&["101", "102"]));
    let mut log = Vec::new();
    // Free bidding for an hour, then the countdown (300 s) from its end.
    act(&mut trade, &mut log, quote("101", START), at(60)).unwrap();
    act(&mut trade, &mut log, Command::Tick, at(3600)).unwrap();
    assert_eq!(trade.phase(), &Phase::Timed { ends_at: at(3900) });
    // A microsecond before the end: accepted, and the countdown starts again from it.
    let just_before = at(3900) - Duration::microseconds(1);
    let made = act(&mut trade, &mut log, quote("102", START + INC), just_before).unwrap();
    assert_eq!(made[0].at, just_before);
    let new_end = just_before + Duration::seconds(300);
    assert_eq!(trade.phase(), &Phase::Timed { ends_at: new_end });
    // Exactly at the end: refused, the trade closed at the end itself.
    let step = trade.step(&quote("101", START + 2 * INC), new_end);
    assert_eq!(step.decided.unwrap_err().reason, "auction.closed");
    assert_eq!(
        step.advanced[0],
        Recorded {
            at: new_end,
            event: Event::Closed {
                why: CloseWhy::Countdown,
                leader: Some("102".into()),
                amount_fen: Some(START + INC)
            },
        }
    );
    assert!(
        matches!(trade.outcome(), Some(Outcome::Sold { number, price_fen, .. }) if number == "102" && *price_fen == START + INC)
    );
}

#[test]
fn the_time_records_each_transition_at_its_instant_however_late_it_is_asked() {
    // Nobody asks the trade anything for a year: its events still carry
    // the instants they were due.
    let mut trade = Trade::new(listing(false), numbers(&["217", "402"]));
    let mut log = Vec::new();
    act(&mut trade, &mut log, quote("217", START), at(DAY)).unwrap();
    act(&mut trade, &mut log, quote("402", START + INC), at(2 * DAY)).unwrap();
    act(&mut trade, &mut log, Command::Tick, at(365 * DAY)).unwrap();
    let times: Vec<(&str, DateTime<Utc>)> = log.iter().map(|r| (r.event.kind(), r.at)).collect();
    assert_eq!(
        times,
        vec![
            ("opened", t0()),
            ("quote_accepted", at(DAY)),
            ("quote_accepted", at(2 * DAY)),
            ("listing_ended", at(10 * DAY)),
            ("closed", at(10 * DAY + 300)),
            ("decided", at(10 * DAY + 300)),
        ]
    );
    // 第19条(二): two quoted, nobody continued, the highest wins.
    assert!(matches!(trade.outcome(), Some(Outcome::Sold { number, .. }) if number == "402"));
}

#[test]
fn a_listing_goes_to_its_timed_phase_when_the_leader_and_another_take_part() {
    let mut trade = Trade::new(listing(false), numbers(&["217", "402", "555"]));
    let mut log = Vec::new();
    act(&mut trade, &mut log, quote("217", START), at(DAY)).unwrap();
    act(&mut trade, &mut log, quote("402", START + INC), at(2 * DAY)).unwrap();
    // 555 never quoted: it may not continue (join_requires_quote).
    assert_eq!(
        reason(act(
            &mut trade,
            &mut log,
            Command::Continue {
                number: "555".into()
            },
            at(3 * DAY)
        )),
        "auction.continue-needs-quote"
    );
    // 217 declares during the listing; a second time is refused.
    act(
        &mut trade,
        &mut log,
        Command::Continue {
            number: "217".into(),
        },
        at(3 * DAY),
    )
    .unwrap();
    assert_eq!(
        reason(act(
            &mut trade,
            &mut log,
            Command::Continue {
                number: "217".into()
            },
            at(3 * DAY + 1)
        )),
        "auction.declared-already"
    );
    // After the period: no quotes while bidders decide.
    act(&mut trade, &mut log, Command::Tick, at(10 * DAY)).unwrap();
    assert_eq!(
        trade.phase(),
        &Phase::Deciding {
            until: at(10 * DAY + 300)
        }
    );
    assert_eq!(
        reason(act(
            &mut trade,
            &mut log,
            quote("217", START + 2 * INC),
            at(10 * DAY + 1)
        )),
        "auction.deciding"
    );
    // The window ends: the leader (402) and 217 take part.
    act(&mut trade, &mut log, Command::Tick, at(10 * DAY + 300)).unwrap();
    assert_eq!(
        trade.phase(),
        &Phase::Timed {
            ends_at: at(10 * DAY + 600)
        }
    );
    assert_eq!(
        trade.participants().iter().cloned().collect::<Vec<_>>(),
        numbers(&["217", "402"])
    );
    // 555 does not; declarations are over.
    assert_eq!(
        reason(act(
            &mut trade,
            &mut log,
            quote("555", START + 5 * INC),
            at(10 * DAY + 301)
        )),
        "auction.not-a-participant"
    );
    assert_eq!(
        reason(act(
            &mut trade,
            &mut log,
            Command::Continue {
                number: "402".into()
            },
            at(10 * DAY + 301)
        )),
        "auction.declarations-over"
    );
    act(
        &mut trade,
        &mut log,
        quote("217", START + 2 * INC),
        at(10 * DAY + 400),
    )
    .unwrap();
    assert_eq!(
        trade.phase(),
        &Phase::Timed {
            ends_at: at(10 * DAY + 700)
        }
    );
    act(&mut trade, &mut log, Command::Tick, at(11 * DAY)).unwrap();
    assert!(
        matches!(trade.outcome(), Some(Outcome::Sold { number, price_fen, .. }) if number == "217" && *price_fen == START + 2 * INC)
    );
    assert_eq!(
        trade.phase(),
        &Phase::Decided {
            closed_at: at(10 * DAY + 700)
        }
    );
}

#[test]
fn the_leader_alone_wishing_to_continue_is_no_timed_phase() {
    let mut trade = Trade::new(listing(false), numbers(&["217", "402"]));
    let mut log = Vec::new();
    act(&mut trade, &mut log, quote("217", START), at(DAY)).unwrap();
    act(&mut trade, &mut log, quote("402", START + INC), at(2 * DAY)).unwrap();
    act(
        &mut trade,
        &mut log,
        Command::Continue {
            number: "402".into(),
        },
        at(10 * DAY + 10),
    )
    .unwrap();
    act(&mut trade, &mut log, Command::Tick, at(10 * DAY + 300)).unwrap();
    assert!(
        !log.iter()
            .any(|r| matches!(r.event, Event::TimedStarted { .. }))
    );
    assert!(matches!(trade.outcome(), Some(Outcome::Sold { number, .. }) if number == "402"));
}

#[test]
fn article_19_no_quote_no_sale_and_one_quote_at_or_above_the_reserve_sells() {
    // (三) no quote: no sale, without waiting for the reserve.
    let mut trade = Trade::new(listing(true), numbers(&["217"]));
    let mut log = Vec::new();
    act(&mut trade, &mut log, Command::Tick, at(11 * DAY)).unwrap();
    assert!(matches!(
        trade.outcome(),
        Some(Outcome::NoSale {
            why: NoSale::NoQuote,
            ..
        })
    ));
    // (一) one bidder quoted: sold if at or above the reserve, revealed after the close.
    for (reserve, sold) in [(START, true), (START + INC, false), (0, true)] {
        let mut trade = Trade::new(listing(true), numbers(&["217"]));
        let mut log = Vec::new();
        act(&mut trade, &mut log, quote("217", START), at(DAY)).unwrap();
        assert_eq!(
            reason(act(
                &mut trade,
                &mut log,
                Command::RevealReserve {
                    reserve_fen: reserve
                },
                at(2 * DAY)
            )),
            "auction.reserve-not-now"
        );
        act(&mut trade, &mut log, Command::Tick, at(11 * DAY)).unwrap();
        assert_eq!(
            trade.phase(),
            &Phase::AwaitingReserve {
                closed_at: at(10 * DAY + 300)
            }
        );
        assert!(
            trade.outcome().is_none(),
            "the outcome waits for the reserve"
        );
        act(
            &mut trade,
            &mut log,
            Command::RevealReserve {
                reserve_fen: reserve,
            },
            at(12 * DAY),
        )
        .unwrap();
        match trade.outcome().unwrap() {
            Outcome::Sold {
                number, price_fen, ..
            } => {
                assert!(sold, "{reserve}");
                assert_eq!((number.as_str(), *price_fen), ("217", START));
            }
            Outcome::NoSale { why, .. } => {
                assert!(!sold, "{reserve}");
                assert_eq!(*why, NoSale::BelowReserve);
            }
            other => panic!("{other:?}"),
        }
        // Revealed once.
        assert_eq!(
            reason(act(
                &mut trade,
                &mut log,
                Command::RevealReserve {
                    reserve_fen: reserve
                },
                at(12 * DAY)
            )),
            "auction.reserve-not-now"
        );
        assert_eq!(
            trade.phase(),
            &Phase::Decided {
                closed_at: at(10 * DAY + 300)
            }
        );
    }
}

#[test]
fn a_reserve_that_does_not_match_its_commitment_voids_the_trade() {
    let mut trade = Trade::new(online(true), numbers(&["101", "102"]));
    let mut log = Vec::new();
    act(&mut trade, &mut log, quote("101", START), at(10)).unwrap();
    act(&mut trade, &mut log, Command::Tick, at(5000)).unwrap();
    act(
        &mut trade,
        &mut log,
        Command::ReserveFailed {
            why: "the revealed reserve does not match its commitment".into(),
        },
        at(5001),
    )
    .unwrap();
    assert!(matches!(trade.outcome(), Some(Outcome::Void { .. })));
}

#[test]
fn one_qualified_property_buyer_comes_to_an_agreement_at_no_less_than_the_reserve() {
    let mut trade = Trade::new(online(true), numbers(&["101"]));
    let mut log = Vec::new();
    assert_eq!(
        reason(act(&mut trade, &mut log, quote("101", START), at(1))),
        "auction.closed"
    );
    assert_eq!(trade.phase(), &Phase::AwaitingReserve { closed_at: t0() });
    act(
        &mut trade,
        &mut log,
        Command::RevealReserve {
            reserve_fen: START + 5 * INC,
        },
        at(2),
    )
    .unwrap();
    let floor = START + 5 * INC;
    assert!(
        matches!(trade.outcome(), Some(Outcome::Agreement { number, floor_fen, .. }) if number == "101" && *floor_fen == floor)
    );
    assert_eq!(
        reason(act(
            &mut trade,
            &mut log,
            Command::RecordAgreement {
                price_fen: floor - 1
            },
            at(3)
        )),
        "auction.agreement-below"
    );
    act(
        &mut trade,
        &mut log,
        Command::RecordAgreement { price_fen: floor },
        at(4),
    )
    .unwrap();
    assert_eq!(trade.agreed_fen(), Some(floor));
    assert_eq!(
        reason(act(
            &mut trade,
            &mut log,
            Command::RecordAgreement { price_fen: floor },
            at(5)
        )),
        "auction.agreement-recorded"
    );
    // Without a reserve the floor is the listing price, decided at the start.
    let mut trade = Trade::new(online(false), numbers(&["101"]));
    trade.advance(at(1));
    assert!(
        matches!(trade.outcome(), Some(Outcome::Agreement { floor_fen, .. }) if *floor_fen == START)
    );
    // A land auction bids with a single bidder.
    let land = Terms::of_kind(TradeKind::LandAuction, START, INC, t0(), at(60), false);
    let mut trade = Trade::new(land, numbers(&["7"]));
    trade.advance(at(1));
    assert!(matches!(trade.phase(), Phase::Open { .. }));
}

#[test]
fn a_mining_auction_with_fewer_than_three_bidders_does_not_take_place() {
    let terms = Terms::of_kind(TradeKind::MiningAuction, START, INC, t0(), at(3600), true);
    let mut trade = Trade::new(terms, numbers(&["1", "2"]));
    let mut log = Vec::new();
    assert_eq!(
        reason(act(&mut trade, &mut log, quote("1", START), at(1))),
        "auction.closed"
    );
    assert!(matches!(
        trade.outcome(),
        Some(Outcome::NoSale {
            why: NoSale::TooFewBidders,
            ..
        })
    ));
}

#[test]
fn the_increment_changes_only_during_a_listing_and_counts_from_the_current_price() {
    let mut trade = Trade::new(listing(false), numbers(&["217", "402"]));
    let mut log = Vec::new();
    act(&mut trade, &mut log, quote("217", START), at(DAY)).unwrap();
    act(
        &mut trade,
        &mut log,
        Command::ChangeIncrement {
            increment_fen: 3 * INC,
        },
        at(2 * DAY),
    )
    .unwrap();
    assert_eq!(
        reason(act(
            &mut trade,
            &mut log,
            quote("402", START + INC),
            at(3 * DAY)
        )),
        "auction.below-floor"
    );
    assert_eq!(
        reason(act(
            &mut trade,
            &mut log,
            quote("402", START + 4 * INC),
            at(3 * DAY)
        )),
        "auction.not-multiple"
    );
    act(
        &mut trade,
        &mut log,
        quote("402", START + 6 * INC),
        at(3 * DAY),
    )
    .unwrap();
    assert_eq!(
        reason(act(
            &mut trade,
            &mut log,
            Command::ChangeIncrement { increment_fen: 0 },
            at(4 * DAY)
        )),
        "auction.amount-range"
    );
    let mut auction = Trade::new(online(false), numbers(&["101", "102"]));
    assert_eq!(
        reason(act(
            &mut auction,
            &mut log,
            Command::ChangeIncrement { increment_fen: INC },
            at(10)
        )),
        "auction.increment-not-now"
    );
}

#[test]
fn an_extension_near_the_end_and_a_fixed_end() {
    let mut terms = online(false);
    terms.restart = Restart::WithinLast {
        window_secs: 60,
        extend_secs: 120,
    };
    let mut trade = Trade::new(terms.clone(), numbers(&["101", "102"]));
    let mut log = Vec::new();
    act(&mut trade, &mut log, Command::Tick, at(3600)).unwrap();
    // Far from the end: the end stays.
    act(&mut trade, &mut log, quote("101", START), at(3700)).unwrap();
    assert_eq!(trade.phase(), &Phase::Timed { ends_at: at(3900) });
    // Within the last minute: two minutes from the quote.
    act(&mut trade, &mut log, quote("102", START + INC), at(3850)).unwrap();
    assert_eq!(trade.phase(), &Phase::Timed { ends_at: at(3970) });
    terms.restart = Restart::Never;
    let mut trade = Trade::new(terms, numbers(&["101", "102"]));
    act(&mut trade, &mut log, quote("101", START), at(3899)).unwrap();
    assert_eq!(trade.phase(), &Phase::Timed { ends_at: at(3900) });
}

#[test]
fn time_never_runs_backwards() {
    let mut trade = Trade::new(online(false), numbers(&["101", "102"]));
    let mut log = Vec::new();
    act(&mut trade, &mut log, quote("101", START), at(100)).unwrap();
    // A clock stepped back: the quote counts at the last event's time.
    let made = act(&mut trade, &mut log, quote("102", START + INC), at(50)).unwrap();
    assert_eq!(made[0].at, at(100));
}

/// A small deterministic generator (xorshift), for the random trades below.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// A random trade's log: quotes good and bad, declarations, ticks and a
/// reveal, at increasing times.
fn random_log(seed: u64) -> (Terms, Vec<Number>, Vec<Recorded>, Trade) {
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let terms = match rng.below(3) {
        0 => listing(rng.below(2) == 0),
        1 => online(rng.below(2) == 0),
        _ => {
            let mut t = online(rng.below(2) == 0);
            t.restart = Restart::WithinLast {
                window_secs: 60,
                extend_secs: 90,
            };
            t
        }
    };
    let bidders: Vec<Number> = (0..1 + rng.below(4))
        .map(|i| format!("{}", 100 + i))
        .collect();
    let mut trade = Trade::new(terms.clone(), bidders.clone());
    let mut log = Vec::new();
    let mut now = at(-100);
    let span = (terms.free_until - terms.starts_at).num_seconds() + 2000;
    for _ in 0..200 {
        now += Duration::milliseconds(1 + rng.below((span * 1000 / 100) as u64) as i64);
        let who = bidders[rng.below(bidders.len() as u64) as usize].clone();
        let command = match rng.below(10) {
            0..=5 => {
                let k = rng.below(3) as i64;
                let amount = trade.floor_fen() + k * trade.increment_fen()
                    - if rng.below(8) == 0 { 1 } else { 0 };
                Command::Quote {
                    number: who,
                    amount_fen: amount,
                }
            }
            6 => Command::Continue { number: who },
            7 => Command::RevealReserve {
                reserve_fen: START + rng.below(4) as i64 * INC,
            },
            _ => Command::Tick,
        };
        let _ = act(&mut trade, &mut log, command, now);
    }
    let _ = act(
        &mut trade,
        &mut log,
        Command::Tick,
        now + Duration::days(30),
    );
    (terms, bidders, log, trade)
}

#[test]
fn replaying_the_record_reproduces_the_trade_exactly() {
    let mut outcomes = std::collections::BTreeMap::new();
    for seed in 0..300 {
        let (terms, bidders, log, trade) = random_log(seed);
        let replayed = replay(terms, bidders, &log).unwrap_or_else(|d| panic!("seed {seed}: {d}"));
        assert_eq!(replayed, trade, "seed {seed}");
        let kind = match trade.outcome() {
            Some(Outcome::Sold { .. }) => "sold",
            Some(Outcome::NoSale { .. }) => "no sale",
            Some(Outcome::Agreement { .. }) => "agreement",
            Some(Outcome::Void { .. }) => "void",
            None => "awaiting the reserve",
        };
        *outcomes.entry(kind).or_insert(0) += 1;
        if log
            .iter()
            .any(|r| matches!(r.event, Event::TimedStarted { .. }))
        {
            *outcomes.entry("with a timed phase").or_insert(0) += 1;
        }
    }
    // The random trades reach every kind of end, so the replay is tried on each.
    for kind in [
        "sold",
        "no sale",
        "agreement",
        "awaiting the reserve",
        "with a timed phase",
    ] {
        assert!(
            outcomes.get(kind).copied().unwrap_or(0) > 0,
            "{kind}: {outcomes:?}"
        );
    }
}

#[test]
fn a_replay_finds_a_changed_amount_a_moved_end_a_missing_close_and_a_late_quote() {
    // A trade with a timed phase and a sale.
    let mut trade = Trade::new(online(false), numbers(&["101", "102"]));
    let mut log = Vec::new();
    act(&mut trade, &mut log, quote("101", START), at(60)).unwrap();
    act(&mut trade, &mut log, quote("102", START + INC), at(3700)).unwrap();
    act(
        &mut trade,
        &mut log,
        quote("101", START + 2 * INC),
        at(3800),
    )
    .unwrap();
    act(&mut trade, &mut log, Command::Tick, at(9999)).unwrap();
    let bidders = numbers(&["101", "102"]);
    assert!(replay(online(false), bidders.clone(), &log).is_ok());
    let position = |kind: &str| log.iter().position(|r| r.event.kind() == kind).unwrap();

    // An amount that is not a whole number of increments.
    let mut bad = log.clone();
    if let Event::QuoteAccepted { amount_fen, .. } = &mut bad[position("timed_started") + 1].event {
        *amount_fen += 1;
    }
    let d = replay(online(false), bidders.clone(), &bad).unwrap_err();
    assert!(d.why.contains("auction.not-multiple"), "{d}");

    // The countdown's end moved later after a quote.
    let mut bad = log.clone();
    if let Event::QuoteAccepted {
        ends_at: Some(end), ..
    } = &mut bad[position("timed_started") + 1].event
    {
        *end += Duration::seconds(30);
    }
    assert!(replay(online(false), bidders.clone(), &bad).is_err());

    // The close taken out: the decision then is not the time's.
    let mut bad = log.clone();
    bad.remove(position("closed"));
    assert!(replay(online(false), bidders.clone(), &bad).is_err());

    // A quote after the close, slipped in.
    let mut bad = log.clone();
    let closed_at = bad[position("closed")].at;
    bad.push(Recorded {
        at: closed_at + Duration::seconds(1),
        event: Event::QuoteAccepted {
            number: "102".into(),
            amount_fen: START + 3 * INC,
            ends_at: Some(closed_at + Duration::seconds(301)),
        },
    });
    let d = replay(online(false), bidders.clone(), &bad).unwrap_err();
    assert!(d.why.contains("auction.closed"), "{d}");

    // A winner changed in the decision.
    let mut bad = log.clone();
    if let Event::Decided {
        outcome: Outcome::Sold { number, .. },
    } = &mut bad[position("decided")].event
    {
        *number = "102".into();
    }
    assert!(replay(online(false), bidders.clone(), &bad).is_err());

    // Another bidder list (a number that was not qualified).
    assert!(replay(online(false), numbers(&["101"]), &log).is_err());
}

#[test]
fn events_are_stored_as_tagged_json_and_read_back() {
    let r = Recorded {
        at: at(1),
        event: Event::QuoteAccepted {
            number: "217".into(),
            amount_fen: START,
            ends_at: None,
        },
    };
    let v = serde_json::to_value(&r).unwrap();
    assert_eq!(v["kind"], "quote_accepted");
    assert_eq!(v["number"], "217");
    assert!(v.get("ends_at").is_none());
    assert_eq!(serde_json::from_value::<Recorded>(v).unwrap(), r);
    for e in [
        Event::Opened,
        Event::Decided {
            outcome: Outcome::NoSale {
                why: NoSale::NoQuote,
                basis: "x".into(),
            },
        },
    ] {
        let r = Recorded {
            at: at(2),
            event: e,
        };
        let v = serde_json::to_value(&r).unwrap();
        assert_eq!(v["kind"], r.event.kind());
        assert_eq!(serde_json::from_value::<Recorded>(v).unwrap(), r);
    }
}
