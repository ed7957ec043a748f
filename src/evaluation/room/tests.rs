use super::*;
use crate::tenders::model::PriceFormula;

fn criterion(code: &str, kind: CriterionKind, weight: u32, objective: bool) -> Criterion {
    Criterion {
        code: code.into(),
        name: code.into(),
        kind,
        weight,
        requires_reason: kind == CriterionKind::Technical,
        objective,
    }
}

fn scoring() -> Evaluation {
    Evaluation::ComprehensiveScoring {
        criteria: vec![
            criterion("tech", CriterionKind::Technical, 50, false),
            criterion("biz", CriterionKind::Commercial, 20, true),
            criterion("price", CriterionKind::Price, 30, true),
        ],
        price_formula: PriceFormula::LowestPriceBase,
    }
}

fn bid(i: usize, price: i64) -> RoomBid {
    RoomBid {
        label: ["A", "B", "C", "D", "E"][i].to_string(),
        bid_id: format!("bid{i}"),
        bidder_org_id: format!("org{i}"),
        bidder: format!("公司{i}"),
        price_fen: price,
        lot_prices: BTreeMap::new(),
        sme: false,
        sme_share_percent: None,
    }
}

fn setup(blind: bool) -> Setup {
    Setup {
        tender_id: "t".into(),
        category: Category::EngineeringConstruction,
        lots: vec![RoomLot {
            lot: 0,
            title: "t".into(),
            evaluation: scoring(),
            ceiling_fen: Some(200_000),
        }],
        per_lot: false,
        bids: (0..3)
            .map(|i| bid(i, 100_000 + i as i64 * 10_000))
            .collect(),
        members: (1..=5)
            .map(|i| RoomMember {
                expert: format!("e{i}"),
                name: format!("专家{i}"),
                league: "NNG".into(),
                venue: "NNG".into(),
                representative: false,
            })
            .collect(),
        items: vec![ReviewItem {
            code: "period".into(),
            name: "工期".into(),
            document: "投标函".into(),
        }],
        sme_deduction_percent: None,
        sme_partnership_deduction_percent: None,
        min_compliant: 1,
        min_compliant_basis: "rule".into(),
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
        lot: 0,
        bid: bid.into(),
        criterion: criterion.into(),
        points,
        reason: Some("理由".into()),
    }
}

fn pass(lot: u32, bid: &str, item: &str) -> Action {
    Action::Review {
        id: "r".into(),
        lot,
        bid: bid.into(),
        item: item.into(),
        pass: true,
        ground: None,
        reason: None,
    }
}

fn fail(lot: u32, bid: &str, item: &str, ground: Ground) -> Action {
    Action::Review {
        id: "r".into(),
        lot,
        bid: bid.into(),
        item: item.into(),
        pass: false,
        ground: Some(ground),
        reason: Some("不满足".into()),
    }
}

fn close(s: &mut State) -> Result<Vec<Event>, Refusal> {
    let chair = s.chair.clone().unwrap();
    act(s, &chair, Action::CloseRound { id: "c".into() })
}

fn seated_with(setup: Setup) -> State {
    let mut s = State::new(setup);
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

fn seated(blind: bool) -> State {
    seated_with(setup(blind))
}

/// Every sitting member passes every bid of every lot on every item, and
/// the chair closes the review.
fn pass_review(s: &mut State) {
    let lots: Vec<(u32, Vec<String>)> = s
        .setup
        .lots
        .iter()
        .map(|l| {
            (
                l.lot,
                s.setup.bids_in(l.lot).map(|b| b.label.clone()).collect(),
            )
        })
        .collect();
    let items: Vec<String> = s.setup.items.iter().map(|i| i.code.clone()).collect();
    let active: Vec<String> = s.active().iter().map(|e| e.to_string()).collect();
    for (lot, bids) in lots {
        for b in bids {
            if s.rejection(lot, &b).is_some_and(|r| r.automatic) {
                continue;
            }
            for item in &items {
                for e in &active {
                    act(s, e, pass(lot, &b, item)).unwrap();
                }
            }
        }
    }
    close(s).unwrap();
}

fn score_round(s: &mut State, criterion: &str, points: &[f64]) {
    let labels: Vec<String> = s
        .setup
        .bids_in(0)
        .filter(|b| s.rejection(0, &b.label).is_none())
        .map(|b| b.label.clone())
        .collect();
    let active: Vec<String> = s.active().iter().map(|e| e.to_string()).collect();
    for (i, b) in labels.iter().enumerate() {
        for e in &active {
            act(s, e, score(b, criterion, points[i])).unwrap();
        }
    }
}

#[test]
fn declare_then_elect_a_chair_by_majority() {
    let mut s = State::new(setup(false));
    let vote = Action::Vote {
        id: "v".into(),
        candidate: "e2".into(),
    };
    assert_eq!(act(&mut s, "e1", vote.clone()).unwrap_err().code, "phase");
    for i in 1..=5 {
        act(&mut s, &format!("e{i}"), Action::Declare { id: "d".into() }).unwrap();
    }
    assert_eq!(
        act(&mut s, "e1", Action::Declare { id: "d".into() })
            .unwrap_err()
            .code,
        "duplicate"
    );
    act(&mut s, "e1", vote.clone()).unwrap();
    assert_eq!(
        act(&mut s, "e1", vote.clone()).unwrap_err().code,
        "duplicate"
    );
    act(&mut s, "e2", vote.clone()).unwrap();
    let third = act(&mut s, "e3", vote).unwrap();
    assert_eq!(
        kinds(&third),
        ["chair.vote", "chair.elected", "round.started"]
    );
    assert_eq!(
        s.current_round(),
        Some(Round::Review),
        "the review comes first"
    );
    assert_eq!(
        s.decide(&Actor::Watcher, &score("A", "tech", 1.0))
            .unwrap_err()
            .code,
        "role"
    );
}

#[test]
fn a_purchasers_representative_never_chairs_a_government_procurement_committee() {
    let vote = |candidate: &str| Action::Vote {
        id: "v".into(),
        candidate: candidate.into(),
    };
    for (category, allowed) in [
        (Category::GovernmentProcurement, false),
        (Category::EngineeringConstruction, true),
    ] {
        let mut setup = setup(false);
        setup.category = category;
        setup.members[4].representative = true;
        let mut s = State::new(setup);
        for i in 1..=5 {
            act(&mut s, &format!("e{i}"), Action::Declare { id: "d".into() }).unwrap();
        }
        let tried = act(&mut s, "e1", vote("e5"));
        assert_eq!(tried.is_ok(), allowed, "{category:?}: {tried:?}");
        if !allowed {
            let refusal = tried.unwrap_err();
            assert_eq!(refusal.code, "invalid");
            assert!(refusal.message.contains("财库〔2012〕69号"));
            // An expert may be elected all the same.
            for i in 1..=3 {
                act(&mut s, &format!("e{i}"), vote("e1")).unwrap();
            }
            assert_eq!(s.chair.as_deref(), Some("e1"));
        }
    }
}

#[test]
fn no_score_before_the_review_closes_and_a_rejected_bid_is_never_scored() {
    let mut s = seated(false);
    assert_eq!(
        act(&mut s, "e1", score("A", "tech", 40.0))
            .unwrap_err()
            .code,
        "locked",
        "the technical round is not open during the review"
    );
    // A fail needs a legal ground of the category's list and a reason.
    let mut no_ground = fail(0, "A", "period", Ground::NotResponsive);
    if let Action::Review { ground, .. } = &mut no_ground {
        *ground = None;
    }
    assert_eq!(act(&mut s, "e1", no_ground).unwrap_err().code, "invalid");
    assert_eq!(
        act(&mut s, "e1", fail(0, "A", "period", Ground::NoDeposit))
            .unwrap_err()
            .code,
        "invalid",
        "no_deposit is government procurement's ground, not construction's"
    );
    assert_eq!(
        act(&mut s, "e1", pass(0, "A", "nope")).unwrap_err().code,
        "invalid"
    );
    // Three of five fail bid A on the period: rejected, not responsive.
    for e in ["e1", "e2", "e3"] {
        act(&mut s, e, fail(0, "A", "period", Ground::NotResponsive)).unwrap();
    }
    for e in ["e4", "e5"] {
        act(&mut s, e, pass(0, "A", "period")).unwrap();
    }
    assert_eq!(
        act(&mut s, "e4", pass(0, "A", "period")).unwrap_err().code,
        "duplicate"
    );
    assert_eq!(close(&mut s).unwrap_err().code, "incomplete");
    for b in ["B", "C"] {
        for i in 1..=5 {
            act(&mut s, &format!("e{i}"), pass(0, b, "period")).unwrap();
        }
    }
    let closed = close(&mut s).unwrap();
    assert_eq!(kinds(&closed), ["round.closed", "round.started"]);
    let r = s.rejection(0, "A").unwrap();
    assert_eq!(
        (r.ground, r.votes, r.automatic),
        (Ground::NotResponsive, 3, false)
    );
    assert_eq!(
        act(&mut s, "e1", score("A", "tech", 40.0))
            .unwrap_err()
            .code,
        "rejected"
    );
    assert_eq!(
        act(&mut s, "e1", pass(0, "B", "period")).unwrap_err().code,
        "locked",
        "the review is final once closed"
    );
    score_round(&mut s, "tech", &[40.0, 45.0]);
    close(&mut s).unwrap();
    score_round(&mut s, "biz", &[15.0, 15.0]);
    let done = close(&mut s).unwrap();
    assert_eq!(
        kinds(&done),
        ["round.closed", "prices.scored", "report.ready"]
    );
    let report = s.report();
    let lot = &report["lots"][0];
    assert_eq!(lot["rejected"][0]["label"], "A");
    assert_eq!(lot["rejected"][0]["ground"], "not_responsive");
    assert_eq!(lot["rejected"][0]["basis"], "招标投标法实施条例 第51条(六)");
    assert_eq!(lot["ranking"].as_array().unwrap().len(), 2);
    // The rejected bid carries no score at all.
    assert!(
        report["scores"]
            .as_array()
            .unwrap()
            .iter()
            .all(|x| x["bid"] != "A")
    );
    // C: 45 + 15 + 30 × 110000/120000 = 87.5; B: 40 + 15 + 30 = 85.
    assert_eq!(lot["candidates"][0]["label"], "C");
    assert_eq!(lot["candidates"][0]["total"], 87.5);
    assert_eq!(lot["candidates"][1]["total"], 85.0);
}

#[test]
fn a_price_above_the_ceiling_is_rejected_without_a_vote() {
    let mut setup = setup(false);
    setup.bids[2].price_fen = 250_000;
    let mut s = seated_with(setup);
    let r = s.rejection(0, "C").unwrap();
    assert_eq!((r.ground, r.automatic), (Ground::AboveCeiling, true));
    assert_eq!(
        act(&mut s, "e1", pass(0, "C", "period")).unwrap_err().code,
        "rejected"
    );
    pass_review(&mut s);
    assert_eq!(s.missing(s.round).scores, 5 * 2, "only A and B are scored");
}

#[test]
fn a_correction_binds_once_confirmed_and_rejects_when_refused_or_unanswered() {
    let mut s = seated(false);
    let correct = |bid: &str, price: i64| Action::Correct {
        id: "k".into(),
        lot: 0,
        bid: bid.into(),
        price_fen: price,
        reason: "单价×数量与总价不符".into(),
    };
    assert_eq!(
        act(&mut s, "e1", correct("A", 99_000)).unwrap_err().code,
        "role",
        "the chair corrects"
    );
    act(&mut s, "e2", correct("A", 99_000)).unwrap();
    act(&mut s, "e2", correct("B", 111_000)).unwrap();
    act(
        &mut s,
        "e3",
        Action::Clarify {
            id: "q".into(),
            lot: 0,
            bid: "C".into(),
            question: "报价明显偏低，请说明".into(),
            topic: Topic::LowPrice,
        },
    )
    .unwrap();
    // A confirms, B refuses, C never explains.
    s.apply(&Event::new(
        "clarification.answered",
        json!({"id": "q1", "lot": 0, "bid": "A", "answer": "确认", "confirmed": true}),
    ));
    s.apply(&Event::new(
        "clarification.answered",
        json!({"id": "q2", "lot": 0, "bid": "B", "answer": "不确认", "confirmed": false}),
    ));
    assert_eq!(s.evaluated_price(0, "A"), Some((99_000, Some(99_000))));
    assert_eq!(
        s.rejection(0, "B").map(|r| r.ground),
        Some(Ground::CorrectionRefused)
    );
    assert!(s.rejection(0, "C").is_none(), "not yet: the review is open");
    pass_review(&mut s);
    assert_eq!(
        s.rejection(0, "C").map(|r| r.ground),
        Some(Ground::BelowCost),
        "unexplained when the review closed"
    );
}

#[test]
fn objective_items_must_agree_and_the_chair_resolves() {
    let mut s = seated(false);
    pass_review(&mut s);
    score_round(&mut s, "tech", &[40.0, 41.0, 42.0]);
    close(&mut s).unwrap();
    // biz is objective: e5 gives A 10, the others 15.
    for e in ["e1", "e2", "e3", "e4"] {
        act(&mut s, e, score("A", "biz", 15.0)).unwrap();
    }
    act(&mut s, "e5", score("A", "biz", 10.0)).unwrap();
    for b in ["B", "C"] {
        for i in 1..=5 {
            act(&mut s, &format!("e{i}"), score(b, "biz", 12.0)).unwrap();
        }
    }
    assert_eq!(close(&mut s).unwrap_err().code, "disagreement");
    let resolve = |criterion: &str| Action::Resolve {
        id: "z".into(),
        lot: 0,
        bid: "A".into(),
        criterion: criterion.into(),
        points: 15.0,
        reason: "核对证明材料".into(),
    };
    assert_eq!(act(&mut s, "e1", resolve("biz")).unwrap_err().code, "role");
    assert_eq!(
        act(&mut s, "e2", resolve("tech")).unwrap_err().code,
        "invalid",
        "subjective"
    );
    act(&mut s, "e2", resolve("biz")).unwrap();
    close(&mut s).unwrap();
    assert_eq!(s.committee_points(0, "A", "biz"), Some(15.0));
    assert_eq!(s.phase, Phase::Signing);
}

#[test]
fn a_replacement_redoes_the_closed_rounds_and_the_replaced_members_conclusions_are_void() {
    let mut s = seated(false);
    pass_review(&mut s);
    score_round(&mut s, "tech", &[40.0, 41.0, 42.0]);
    // e5 leaves mid-way through the technical round; e6 takes the seat.
    act(
        &mut s,
        "e5",
        Action::Recuse {
            id: "x".into(),
            reason: "发现利害关系".into(),
        },
    )
    .unwrap();
    s.apply(&Event::new(
        "member.replaced",
        json!({"expert": "e5", "replacement": {"expert": "e6", "name": "专家6", "league": "NNG", "venue": "NNG"}}),
    ));
    act(&mut s, "e6", Action::Declare { id: "d".into() }).unwrap();
    let missing = s.missing(s.round);
    assert_eq!(
        (missing.votes, missing.scores),
        (3, 3),
        "the newcomer owes the closed review and the round in progress"
    );
    assert_eq!(close(&mut s).unwrap_err().code, "incomplete");
    // Others may not touch the closed review; the newcomer may.
    assert_eq!(
        act(&mut s, "e1", pass(0, "A", "period")).unwrap_err().code,
        "locked"
    );
    for b in ["A", "B", "C"] {
        act(&mut s, "e6", pass(0, b, "period")).unwrap();
        act(&mut s, "e6", score(b, "tech", 40.0)).unwrap();
    }
    close(&mut s).unwrap();
    let report = s.report();
    assert!(
        report["scores"]
            .as_array()
            .unwrap()
            .iter()
            .all(|x| x["expert"] != "e5"),
        "the replaced member's scores are void"
    );
    assert!(
        report["review"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["expert"] == "e6")
    );
}

#[test]
fn lots_are_ranked_apart_with_at_most_three_candidates_and_gp_fails_a_thin_lot() {
    let mut setup = setup(false);
    setup.category = Category::GovernmentProcurement;
    setup.min_compliant = 3;
    setup.per_lot = true;
    setup.items.clear();
    setup.lots = vec![
        RoomLot {
            lot: 1,
            title: "一包".into(),
            evaluation: Evaluation::LowestEvaluatedPrice,
            ceiling_fen: Some(100_000),
        },
        RoomLot {
            lot: 2,
            title: "二包".into(),
            evaluation: Evaluation::LowestEvaluatedPrice,
            ceiling_fen: Some(50_000),
        },
    ];
    setup.sme_deduction_percent = Some(10.0);
    setup.bids = (0..5)
        .map(|i| {
            let mut b = bid(i, 0);
            b.lot_prices.insert(1, 90_000 + i as i64 * 1000);
            if i < 3 {
                b.lot_prices.insert(2, 40_000 + i as i64 * 1000);
            }
            b.price_fen = b.lot_prices.values().sum();
            b
        })
        .collect();
    setup.bids[4].sme = true; // 94,000 less 10 % = 84,600: first in lot 1.
    setup.bids[2].lot_prices.insert(2, 60_000); // above lot 2's ceiling
    let mut s = seated_with(setup);
    assert_eq!(
        s.setup.rounds(),
        [Round::Review],
        "nothing to score by hand"
    );
    pass_review(&mut s);
    assert_eq!(s.phase, Phase::Signing);
    let report = s.report();
    let lots = report["lots"].as_array().unwrap();
    let labels = |v: &Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|c| c["label"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(labels(&lots[0]["ranking"]), ["E", "A", "B", "C", "D"]);
    assert_eq!(labels(&lots[0]["candidates"]), ["E", "A", "B"]);
    assert_eq!(lots[0]["candidates"][0]["evaluated_price_fen"], 84_600);
    assert_eq!(lots[1]["rejected"][0]["ground"], "above_ceiling");
    assert_eq!(labels(&lots[1]["candidates"]), Vec::<String>::new());
    assert!(
        lots[1]["failed"]
            .as_str()
            .unwrap()
            .contains("fewer than the 3")
    );
    assert_eq!(
        candidates_in(&report, Some(1))
            .iter()
            .map(|r| r.bid_id.as_str())
            .collect::<Vec<_>>(),
        ["bid4", "bid0", "bid1"]
    );
}

#[test]
fn a_report_closes_when_all_have_signed_or_refused_and_silence_counts_as_agreement() {
    let mut s = seated(false);
    pass_review(&mut s);
    score_round(&mut s, "tech", &[40.0, 41.0, 42.0]);
    close(&mut s).unwrap();
    score_round(&mut s, "biz", &[10.0, 11.0, 12.0]);
    close(&mut s).unwrap();
    let sign = |dissent: Option<&str>| Action::Sign {
        id: "s".into(),
        signature: "c2ln".into(),
        dissent: dissent.map(str::to_string),
    };
    for e in ["e1", "e2", "e3"] {
        act(&mut s, e, sign(None)).unwrap();
    }
    act(
        &mut s,
        "e4",
        Action::RefuseToSign {
            id: "n".into(),
            reason: Some("对技术评分有异议".into()),
        },
    )
    .unwrap();
    assert_eq!(act(&mut s, "e4", sign(None)).unwrap_err().code, "duplicate");
    let last = act(
        &mut s,
        "e5",
        Action::RefuseToSign {
            id: "n".into(),
            reason: None,
        },
    )
    .unwrap();
    assert_eq!(kinds(&last), ["report.refused", "room.closed"]);
    assert_eq!(last[0].payload["counts_as_agreement"], true);
    assert_eq!(s.members["e4"].dissent.as_deref(), Some("对技术评分有异议"));
    assert_eq!(s.phase, Phase::Closed);
}

#[test]
fn scores_are_checked_final_and_flagged_when_far_from_the_others() {
    let mut s = seated(false);
    pass_review(&mut s);
    for bad in [51.0, -1.0, f64::NAN, 1.005] {
        assert_eq!(
            act(&mut s, "e1", score("A", "tech", bad)).unwrap_err().code,
            "range"
        );
    }
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
    for e in ["e1", "e2", "e3"] {
        act(&mut s, e, score("A", "tech", 40.0)).unwrap();
    }
    let stray = act(&mut s, "e4", score("A", "tech", 5.0)).unwrap();
    assert_eq!(kinds(&stray), ["score.given", "score.flagged"]);
    assert_eq!(stray[1].payload["lot"], 0);
}

#[test]
fn a_blind_room_learns_whose_bid_is_whose_when_the_technical_round_closes() {
    let mut s = seated(true);
    pass_review(&mut s);
    score_round(&mut s, "tech", &[40.0, 41.0, 42.0]);
    let closed = close(&mut s).unwrap();
    assert_eq!(
        kinds(&closed),
        ["round.closed", "bids.unblinded", "round.started"]
    );
    assert!(s.unblinded);
}

#[test]
fn average_deviation_prices() {
    let scores = super::super::outcome::price_scores(
        30.0,
        &PriceFormula::AverageDeviation {
            above_deduct_per_pct: 1.0,
            below_deduct_per_pct: 0.5,
        },
        &[("A".into(), 90), ("B".into(), 100), ("C".into(), 110)],
    );
    assert_eq!(scores["A"], 25.0);
    assert_eq!(scores["B"], 30.0);
    assert_eq!(scores["C"], 20.0);
}

/// Every ground of each category's list rejects a bid when a majority of
/// the sitting members fail it on that ground (two of five do not); a
/// ground of the other category's list only is refused; a bid out on a
/// ground is never scored.
#[test]
fn each_ground_of_the_categorys_list_rejects_by_majority() {
    for category in [
        Category::EngineeringConstruction,
        Category::GovernmentProcurement,
    ] {
        let list = crate::tenders::rules::grounds(category);
        for rule in list {
            let mut setup = setup(false);
            setup.category = category;
            let mut s = seated_with(setup);
            for e in ["e1", "e2"] {
                act(&mut s, e, fail(0, "A", GENERAL_ITEM, rule.ground)).unwrap();
            }
            assert!(s.rejection(0, "A").is_none(), "two of five: {rule:?}");
            act(&mut s, "e3", fail(0, "A", GENERAL_ITEM, rule.ground)).unwrap();
            let out = s.rejection(0, "A").expect("three of five reject");
            assert_eq!(out.ground, rule.ground);
            assert_eq!(out.votes, 3);
            assert!(!out.automatic);
            pass_review(&mut s);
            assert_eq!(
                act(&mut s, "e1", score("A", "tech", 40.0))
                    .unwrap_err()
                    .code,
                "rejected",
                "{rule:?}"
            );
        }
        let other = if category == Category::GovernmentProcurement {
            Category::EngineeringConstruction
        } else {
            Category::GovernmentProcurement
        };
        for rule in crate::tenders::rules::grounds(other) {
            if list.iter().any(|g| g.ground == rule.ground) {
                continue;
            }
            let mut setup = setup(false);
            setup.category = category;
            let mut s = seated_with(setup);
            assert_eq!(
                act(&mut s, "e1", fail(0, "A", GENERAL_ITEM, rule.ground))
                    .unwrap_err()
                    .code,
                "invalid",
                "{:?} is not on {category:?}'s list",
                rule.ground
            );
        }
    }
}

#[test]
fn equal_prices_under_the_lowest_price_method_are_a_tie_marked_in_the_report() {
    // 87号令 第56条: "投标报价相同的并列".
    let mut setup = setup(false);
    setup.items.clear();
    setup.lots[0].evaluation = Evaluation::LowestEvaluatedPrice;
    setup.bids = vec![bid(0, 95_000), bid(1, 90_000), bid(2, 90_000)];
    let mut s = seated_with(setup);
    pass_review(&mut s);
    let outcome = s.outcome();
    assert_eq!(outcome[0].ranking, ["B", "C", "A"]);
    assert_eq!(outcome[0].ties, [vec!["B".to_string(), "C".to_string()]]);
    let report = s.report();
    let lot = &report["lots"][0];
    assert_eq!(lot["ties"], json!([["B", "C"]]));
    let marks: Vec<(Value, Value)> = lot["ranking"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["tied"].clone(), r["tied_with"].clone()))
        .collect();
    assert_eq!(
        marks,
        [
            (json!(true), json!(["C"])),
            (json!(true), json!(["B"])),
            (json!(false), json!([]))
        ]
    );
    assert_eq!(lot["candidates"][0]["tied_with"], json!(["C"]));
    // The published report keeps the marks.
    let public = crate::evaluation::disclosure::public_report(&report);
    assert_eq!(public["lots"][0]["ties"], json!([["B", "C"]]));
    assert_eq!(public["lots"][0]["ranking"][1]["tied"], json!(true));
}

#[test]
fn equal_totals_go_to_the_lower_price_and_only_a_full_tie_is_marked() {
    // 87号令 第57条: "得分相同的，按投标报价由低到高顺序排列。得分且投标报价
    // 相同的并列。"
    let mut setup = setup(false);
    setup.items.clear();
    setup.lots[0].evaluation = Evaluation::ComprehensiveScoring {
        criteria: vec![
            criterion("tech", CriterionKind::Technical, 70, false),
            criterion("price", CriterionKind::Price, 30, true),
        ],
        price_formula: PriceFormula::LowestPriceBase,
    };
    // A and B price alike; C prices higher but scores so that its total
    // equals theirs: C ranks after them on price, A and B tie.
    setup.bids = vec![bid(0, 100_000), bid(1, 100_000), bid(2, 125_000)];
    let mut s = seated_with(setup);
    pass_review(&mut s);
    // Price scores: A, B 30; C 30 × 100,000 / 125,000 = 24. Totals 84.
    score_round(&mut s, "tech", &[54.0, 54.0, 60.0]);
    let outcome = s.outcome();
    let totals: Vec<Option<f64>> = outcome[0].bids.iter().map(|b| b.total).collect();
    assert_eq!(totals, [Some(84.0), Some(84.0), Some(84.0)]);
    assert_eq!(outcome[0].ranking, ["A", "B", "C"]);
    assert_eq!(outcome[0].ties, [vec!["A".to_string(), "B".to_string()]]);
    let report = s.report();
    assert_eq!(report["lots"][0]["ranking"][2]["tied"], json!(false));
    assert_eq!(report["ranking"][0]["tied_with"], json!(["B"]));
}
