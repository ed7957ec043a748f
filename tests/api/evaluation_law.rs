//! Evaluation by the rules of each category and method, through the real
//! server and room sockets: the set-up refused where the law forbids it;
//! a construction tender by lowest evaluated price, reviewed, with a bid
//! above the ceiling out without a vote, a bid rejected by majority on a
//! ground, an arithmetic correction the bidder confirms, and the report
//! closed with a refusal to sign that counts as agreement; a government
//! procurement tender of two lots whose bids are priced per lot, ranked
//! per lot; and a procurement tender whose three bids are out on a refused
//! correction, an unexplained low price and a voted ground, so the lot
//! fails. Then each method through the room to its report: an inquiry by
//! lowest price (a rejection, a tie), a tender whose two lots are ranked by
//! two methods, a chair who resolves an objective item's disagreement (and
//! a low price explained, which stays in), and the grounds of each list
//! not voted elsewhere, voted by majority on bids never scored after; and the price deduction
//! for a consortium with, or subcontracting to, small enterprises.

use crate::bids::sign_in;
use crate::helpers::Options;
use crate::rooms::{
    Client, Fixture, close, elect, evaluation_started_with, evaluation_started_with_more, league,
    open_room, report_of, score, sign_all,
};
use crate::trust::Registry;
use serde_json::{Value, json};

fn fields(reply: &crate::helpers::Reply) -> Vec<String> {
    reply.json()["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_string())
        .collect()
}

#[actix_web::test]
async fn the_set_up_is_checked_against_the_categorys_rules_at_draft_time() {
    let r = Registry::with(Options::default()).await;
    let app = &r.app;
    let tenderer = app.user(
        "采购科",
        ggzy::identity::Role::Tenderer,
        "NNG",
        "南宁市教育局",
    );
    let draft = |edit: &dyn Fn(&mut Value)| {
        let mut body = app.tender_body("规则");
        edit(&mut body);
        body
    };
    type Edit = Box<dyn Fn(&mut Value)>;
    let cases: Vec<(Edit, &str)> = vec![
        (
            Box::new(|b| {
                b["evaluation"]["price_formula"] = json!({"kind": "average_deviation",
                    "above_deduct_per_pct": 1.0, "below_deduct_per_pct": 0.5})
            }),
            "evaluation.price_formula",
        ),
        (
            Box::new(|b| {
                b["evaluation"]["criteria"][0]["weight"] = json!(60);
                b["evaluation"]["criteria"][2]["weight"] = json!(20);
            }),
            "evaluation.criteria",
        ),
        (
            Box::new(|b| b["terms"]["sme_price_deduction_percent"] = json!(6)),
            "terms.sme_price_deduction_percent",
        ),
        (
            // Goods take 4 to 6 % for a consortium or subcontract with
            // small enterprises (财库〔2022〕19号).
            Box::new(|b| b["terms"]["sme_partnership_deduction_percent"] = json!(3)),
            "terms.sme_partnership_deduction_percent",
        ),
        (
            Box::new(|b| {
                b["terms"].as_object_mut().unwrap().remove("subject");
            }),
            "terms.subject",
        ),
        (
            Box::new(|b| b["method"] = json!("inquiry")),
            "evaluation.method",
        ),
        (
            Box::new(|b| b["terms"]["ceiling_price_fen"] = json!(200_000_000)),
            "terms.ceiling_price_fen",
        ),
    ];
    for (edit, field) in cases {
        let reply = app
            .post_json("/api/v1/tenders", Some(&tenderer), &draft(&*edit))
            .await;
        reply.assert_problem(422, "validation-failed");
        assert!(
            fields(&reply).contains(&field.to_string()),
            "{field}: {}",
            reply.json()
        );
    }
    // Services may weigh the price from 10 %; the SME deduction of 10 % is in bounds.
    let ok = draft(&|b| {
        b["terms"]["subject"] = json!("services");
        b["terms"]["sme_price_deduction_percent"] = json!(10);
        b["evaluation"]["criteria"][0]["weight"] = json!(60);
        b["evaluation"]["criteria"][2]["weight"] = json!(20);
    });
    app.post_json("/api/v1/tenders", Some(&tenderer), &ok)
        .await
        .assert_status(201);
    // A land listing is never evaluated by lowest price.
    let listing = draft(&|b| {
        b["category"] = json!("land_mining_rights");
        b["method"] = json!("listing");
        b["evaluation"] = json!({"method": "lowest_evaluated_price"});
    });
    let reply = app
        .post_json("/api/v1/tenders", Some(&tenderer), &listing)
        .await;
    reply.assert_problem(422, "validation-failed");
    assert!(fields(&reply).contains(&"evaluation.method".to_string()));
}

/// A report lot's rejected bids: (label, ground, automatic).
fn rejections(lot: &Value) -> Vec<(String, String, bool)> {
    lot["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["label"].as_str().unwrap().to_string(),
                x["ground"].as_str().unwrap().to_string(),
                x["automatic"].as_bool().unwrap(),
            )
        })
        .collect()
}

/// The bids in the room's view, label → price (a room that is not blind).
async fn labels_by_price(
    app: &crate::helpers::TestApp,
    tender: &str,
    token: &str,
) -> Vec<(String, i64)> {
    let room = app
        .get(
            &format!("/api/v1/tenders/{tender}/evaluation/room"),
            Some(token),
        )
        .await
        .json();
    let mut bids: Vec<(String, i64)> = room["bids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["label"].as_str().unwrap().to_string(),
                b["price_fen"].as_i64().unwrap(),
            )
        })
        .collect();
    bids.sort_by_key(|b| b.1);
    bids
}

/// The room of `f` opened (not blind) with every member in it and member 0
/// elected chair; the bids by price, the cheapest first: (label, price).
async fn seated(r: &Registry, f: &Fixture) -> (Vec<Client>, Vec<(String, i64)>) {
    let (mut clients, tokens) = open_room(r, f, json!({})).await;
    elect(&mut clients, f, 0).await;
    let bids = labels_by_price(&r.app, &f.tender, &tokens[0]).await;
    (clients, bids)
}

#[actix_web::test]
async fn a_construction_tender_by_lowest_evaluated_price_is_reviewed_rejected_corrected_and_signed()
{
    let r = Registry::with(Options::default()).await;
    let f = evaluation_started_with(
        &r,
        |b| {
            b["category"] = json!("engineering_construction");
            b["lots"] = json!([]);
            b["evaluation"] = json!({"method": "lowest_evaluated_price"});
            b["terms"] = json!({"subject": "works", "bid_validity_days": 90,
                "ceiling_price_fen": 96_000_000,
                "compliance": [{"code": "period", "name": "工期", "document": "投标函"}]});
        },
        &crate::bids::three_schedules(),
    )
    .await;
    let (app, tender) = (&r.app, f.tender.clone());
    let (mut clients, bids) = seated(&r, &f).await;
    let opened = &clients[0].events[0]["payload"];
    assert_eq!(
        opened["rounds"],
        json!(["review"]),
        "nothing is scored by hand"
    );
    assert_eq!(opened["items"][0]["code"], "period");
    let (low, mid, high) = (bids[0].0.clone(), bids[1].0.clone(), bids[2].0.clone());
    // 1,000,000 yuan is above the 960,000 ceiling: out without a vote, and
    // the room says so from its opening (its ground, never the price).
    let opened = clients[0].events[0]["payload"].clone();
    assert_eq!(
        opened["out"],
        json!([{"lot": 0, "bid": high, "ground": "above_ceiling"}])
    );
    clients[1]
        .refused(
            json!({"type": "review", "bid": high, "item": "period", "pass": true}),
            "rejected",
        )
        .await;
    // There is nothing to score in a lowest-evaluated-price tender.
    clients[1]
        .refused(score(&low, "tech", 10.0), "invalid")
        .await;
    // A fail names a ground of construction's list, with a reason.
    clients[1]
        .refused(
            json!({"type": "review", "bid": mid, "item": "period", "pass": false,
                   "ground": "no_deposit", "reason": "x"}),
            "invalid",
        )
        .await;
    // Three of five fail the middle bid on the period.
    for (i, c) in clients.iter_mut().enumerate() {
        let vote = if i < 3 {
            json!({"type": "review", "bid": mid, "item": "period", "pass": false,
                   "ground": "not_responsive", "reason": "工期 600 日历天，超过 540 日历天"})
        } else {
            json!({"type": "review", "bid": mid, "item": "period", "pass": true})
        };
        c.ok(vote).await;
        c.ok(json!({"type": "review", "bid": low, "item": "period", "pass": true}))
            .await;
    }
    // The chair corrects the lowest bid's arithmetic; only its bidder
    // answers, and confirms.
    clients[1]
        .refused(
            json!({"type": "correct", "bid": low, "price_fen": 89_500_000, "reason": "单价合计与总价不符"}),
            "role",
        )
        .await;
    let asked = clients[0]
        .ok(json!({"type": "correct", "bid": low, "price_fen": 89_500_000, "reason": "单价合计与总价不符"}))
        .await;
    clients[0].until(asked).await;
    let question = clients[0].events.last().unwrap()["payload"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let path = format!("/api/v1/tenders/{tender}/evaluation/clarifications/{question}/answer");
    let mut confirmed = false;
    for name in ["second", "third", "builder"] {
        let token = sign_in(&r, &r.nng, name).await;
        let mine = app
            .get(
                &format!("/api/v1/tenders/{tender}/evaluation/clarifications"),
                Some(&token),
            )
            .await
            .json();
        if mine["items"].as_array().unwrap().is_empty() {
            continue;
        }
        assert_eq!(mine["items"][0]["topic"], "correction");
        assert_eq!(mine["items"][0]["corrected_price_fen"], 89_500_000);
        app.post_json(&path, Some(&token), &json!({"answer": "确认"}))
            .await
            .assert_problem(422, "validation-failed");
        app.post_json(
            &path,
            Some(&token),
            &json!({"answer": "确认修正", "confirm": true}),
        )
        .await
        .assert_status(200);
        confirmed = true;
    }
    assert!(confirmed, "the bidder of the corrected bid is asked");
    let ready = clients[0].ok(json!({"type": "close_round"})).await;
    clients[0].until(ready + 2).await;
    assert!(clients[0].kinds().ends_with(&[
        "round.closed".into(),
        "prices.scored".into(),
        "report.ready".into()
    ]));
    let report = report_of(&r, &f).await;
    let lot = &report["report"]["lots"][0];
    assert_eq!(lot["method"], "lowest_evaluated_price");
    let rejected: Vec<(String, String, bool)> = rejections(lot);
    assert!(
        rejected.contains(&(high.clone(), "above_ceiling".into(), true)),
        "{rejected:?}"
    );
    assert!(
        rejected.contains(&(mid.clone(), "not_responsive".into(), false)),
        "{rejected:?}"
    );
    assert_eq!(lot["candidates"].as_array().unwrap().len(), 1);
    assert_eq!(lot["candidates"][0]["label"], low.as_str());
    assert_eq!(lot["candidates"][0]["evaluated_price_fen"], 89_500_000);
    // Four sign; the fifth refuses without a reason, which counts as
    // agreement, and the room closes.
    let text = report["signed_text"].as_str().unwrap().to_string();
    for (i, e) in f.members.iter().enumerate().take(4) {
        let signature = league(&r, e.league).sign_raw(&e.file, &text);
        clients[i]
            .ok(json!({"type": "sign", "signature": signature}))
            .await;
    }
    let last = clients[4].ok(json!({"type": "refuse_to_sign"})).await;
    clients[4].until(last + 1).await;
    assert_eq!(clients[4].events.last().unwrap()["kind"], "room.closed");
    let refused = &clients[4].events[clients[4].events.len() - 2];
    assert_eq!(refused["payload"]["counts_as_agreement"], true);
}

#[actix_web::test]
async fn two_lots_priced_per_lot_are_reviewed_scored_and_ranked_apart() {
    let r = Registry::with(Options::default()).await;
    let schedules: Vec<Value> = (0..3)
        .map(|i: i64| {
            // Lot 2 priced alike by all three (a tie unless the scores part them).
            let (one, two) = (90_000_000 + i * 1_000_000, 40_000_000);
            json!({"total_price_fen": one + two, "duration_days": 90, "key_terms": {"质保期": "3 年"},
                   "lots": [{"lot": 1, "price_fen": one}, {"lot": 2, "price_fen": two}]})
        })
        .collect();
    let f = evaluation_started_with(&r, |_| {}, &schedules).await;
    let (mut clients, _) = open_room(&r, &f, json!({"blind_technical": true})).await;
    let opened = clients[0].events[0]["payload"].clone();
    assert_eq!(opened["per_lot"], true);
    assert_eq!(opened["lots"].as_array().unwrap().len(), 2);
    assert!(opened["bids"][0]["price_fen"].is_null(), "blind: no price");
    let labels = clients[0].bid_labels();
    elect(&mut clients, &f, 2).await;
    clients[2].ok(json!({"type": "close_round"})).await;
    // Lot 0 is not in a tender evaluated per lot.
    clients[0]
        .refused(score(&labels[0], "tech", 30.0), "invalid")
        .await;
    // The last member scores the first bid's technical offer far below the
    // others, in both lots: two findings, one alert each.
    let strays = clients.len() - 1;
    for criterion in ["tech", "biz"] {
        for (m, c) in clients.iter_mut().enumerate() {
            for (n, label) in labels.iter().enumerate() {
                for lot in [1, 2] {
                    let points = if criterion == "tech" && m == strays && n == 0 {
                        5.0
                    } else if criterion == "tech" && lot == 2 {
                        30.0
                    } else if criterion == "tech" {
                        30.0 + n as f64
                    } else {
                        15.0
                    };
                    c.ok(
                        json!({"type": "score", "lot": lot, "bid": label, "criterion": criterion,
                                "points": points, "reason": "符合要求"}),
                    )
                    .await;
                }
            }
        }
        close(&mut clients, 2, 1).await;
    }
    let report = report_of(&r, &f).await;
    let lots = report["report"]["lots"].as_array().unwrap();
    assert_eq!(lots.len(), 2);
    for lot in lots {
        let candidates = lot["candidates"].as_array().unwrap();
        assert_eq!(candidates.len(), 3, "{lot}");
        assert!(lot["failed"].is_null());
        // Price scored per lot: the lot's lowest price takes all 30 points.
        let best_price = lot["bids"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b["criteria"]["price"].as_f64().unwrap())
            .fold(0.0, f64::max);
        assert_eq!(best_price, 30.0);
    }
    // Lot 1's prices differ, lot 2's are alike: the lots' price scores
    // differ.
    let price_scores = |lot: &Value| -> Vec<Value> {
        lot["bids"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b["criteria"]["price"].clone())
            .collect()
    };
    assert_ne!(price_scores(&lots[0]), price_scores(&lots[1]));
    // In lot 2 the second and third bids have the same total and the same
    // price: a tie (并列, 财政部令第87号 第57条), marked, not broken; the
    // first, scored down by one member, ranks last. Lot 1 has none.
    let mut tied = vec![labels[1].clone(), labels[2].clone()];
    tied.sort();
    assert_eq!(lots[1]["ties"], json!([tied]), "{:#}", lots[1]);
    assert_eq!(lots[1]["ranking"][2]["label"], json!(labels[0]));
    let marks: Vec<(Value, Value)> = lots[1]["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["tied"].clone(), c["tied_with"].clone()))
        .collect();
    assert_eq!(
        marks,
        [
            (json!(true), json!([tied[1]])),
            (json!(true), json!([tied[0]])),
            (json!(false), json!([]))
        ]
    );
    assert_eq!(lots[0]["ties"], json!([]));
    // The stray score raised an alert in each lot, each saying its lot.
    let alerts = r
        .app
        .get(
            &format!("/api/v1/supervision/alerts?tender_id={}", f.tender),
            Some(&f.supervisor),
        )
        .await
        .json();
    let mut deviations: Vec<(Value, Value, Value)> = alerts["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["kind"] == "score_deviation")
        .map(|a| {
            (
                a["reason"].clone(),
                a["params"]["lot"].clone(),
                a["params"]["bid"].clone(),
            )
        })
        .collect();
    deviations.sort_by_key(|d| d.1.as_u64());
    let first = json!(labels[0]);
    assert_eq!(
        deviations,
        [
            (
                json!("alert.score-deviation-in-lot"),
                json!(1),
                first.clone()
            ),
            (json!("alert.score-deviation-in-lot"), json!(2), first)
        ],
        "{alerts:#}"
    );
}

/// The committee's clarification requests as the three bidders see them:
/// (the asked bidder's token, the request's id, its topic).
async fn asked(r: &Registry, tender: &str) -> Vec<(String, String, String)> {
    let mut found = Vec::new();
    for name in ["second", "third", "builder"] {
        let token = sign_in(r, &r.nng, name).await;
        let mine = r
            .app
            .get(
                &format!("/api/v1/tenders/{tender}/evaluation/clarifications"),
                Some(&token),
            )
            .await
            .json();
        for q in mine["items"].as_array().unwrap() {
            found.push((
                token.clone(),
                q["id"].as_str().unwrap().to_string(),
                q["topic"].as_str().unwrap().to_string(),
            ));
        }
    }
    found
}

#[actix_web::test]
async fn a_refused_correction_an_unexplained_low_price_and_a_voted_ground_reject_and_the_lot_fails()
{
    let r = Registry::with(Options::default()).await;
    let f = evaluation_started_with(
        &r,
        |b| b["lots"] = json!([]),
        &crate::bids::three_schedules(),
    )
    .await;
    let (app, tender) = (&r.app, f.tender.clone());
    let (mut clients, bids) = seated(&r, &f).await;
    let (low, mid, high) = (bids[0].0.clone(), bids[1].0.clone(), bids[2].0.clone());
    // The chair corrects the lowest bid; a member asks the middle one to
    // explain its price.
    clients[0]
        .ok(
            json!({"type": "correct", "bid": low, "price_fen": 89_000_000,
                   "reason": "分项报价合计 890,000 元，与总价不符"}),
        )
        .await;
    let q = clients[2]
        .ok(json!({"type": "clarify", "bid": mid, "topic": "low_price",
                   "question": "报价明显低于其他投标报价，请说明成本构成"}))
        .await;
    clients[2].until(q).await;
    // Multiple bids are construction's ground, not procurement's.
    clients[3]
        .refused(
            json!({"type": "review", "bid": high, "item": "general", "pass": false,
                   "ground": "multiple_bids", "reason": "x"}),
            "invalid",
        )
        .await;
    // Three of five find the highest bid made in collusion.
    for c in clients.iter_mut().take(3) {
        c.ok(
            json!({"type": "review", "bid": high, "item": "general", "pass": false,
                    "ground": "collusion", "reason": "与另一投标人的投标文件异常一致"}),
        )
        .await;
    }
    let questions = asked(&r, &tender).await;
    assert_eq!(questions.len(), 2, "{questions:?}");
    let (token, id, _) = questions
        .iter()
        .find(|q| q.2 == "correction")
        .unwrap()
        .clone();
    let path = format!("/api/v1/tenders/{tender}/evaluation/clarifications/{id}/answer");
    app.post_json(
        &path,
        Some(&token),
        &json!({"answer": "不同意修正，以投标函总价为准", "confirm": false}),
    )
    .await
    .assert_status(200);
    // Answered once: the answer is final.
    app.post_json(
        &path,
        Some(&token),
        &json!({"answer": "同意", "confirm": true}),
    )
    .await
    .assert_status(409);
    // The refused correction puts the bid out at once.
    clients[1]
        .refused(
            json!({"type": "review", "bid": low, "item": "general", "pass": false,
                   "ground": "not_responsive", "reason": "x"}),
            "rejected",
        )
        .await;
    // Nothing else to review; the middle bidder never explains. The
    // review closes, then the scoring rounds have nothing left to score.
    let mut last = 0;
    for _ in 0..3 {
        last = clients[0].ok(json!({"type": "close_round"})).await;
    }
    clients[0].until(last + 2).await;
    assert!(clients[0].kinds().ends_with(&[
        "round.closed".into(),
        "prices.scored".into(),
        "report.ready".into()
    ]));
    let report = report_of(&r, &f).await;
    let lot = &report["report"]["lots"][0];
    let mut rejected: Vec<(String, String, bool)> = rejections(lot);
    rejected.sort();
    let mut expected = vec![
        (low, "correction_refused".to_string(), true),
        (mid, "below_cost".to_string(), true),
        (high, "collusion".to_string(), false),
    ];
    expected.sort();
    assert_eq!(rejected, expected);
    assert!(lot["candidates"].as_array().unwrap().is_empty());
    assert!(
        lot["failed"].as_str().is_some_and(|s| !s.is_empty()),
        "government procurement fails a lot with fewer than three compliant bids: {lot}"
    );
}

/// A report lot's candidates: (label, evaluated price, total).
fn candidates(lot: &Value) -> Vec<(String, i64, Option<f64>)> {
    lot["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["label"].as_str().unwrap().to_string(),
                c["evaluated_price_fen"].as_i64().unwrap(),
                c["total"].as_f64(),
            )
        })
        .collect()
}

fn priced(prices: &[i64]) -> Vec<Value> {
    prices
        .iter()
        .map(
            |p| json!({"total_price_fen": p, "duration_days": 30, "key_terms": {"质保期": "1 年"}}),
        )
        .collect()
}

fn pass(bid: &str, item: &str) -> Value {
    json!({"type": "review", "bid": bid, "item": item, "pass": true})
}

fn fail(bid: &str, item: &str, ground: &str) -> Value {
    json!({"type": "review", "bid": bid, "item": item, "pass": false, "ground": ground,
           "reason": "经评审委员会核查投标文件"})
}

const FOURTH: (&str, &str, &str) = ("fourth", "广西第四建设有限公司", "91450100MA5T0005E");

#[actix_web::test]
async fn an_inquiry_by_lowest_price_ranks_the_lowest_compliant_price_first_and_signs() {
    let r = Registry::with(Options::default()).await;
    // 880,000 and two at 950,000 yuan; the fourth bidder's 1,200,000.
    let f = evaluation_started_with_more(
        &r,
        |b| {
            b["method"] = json!("inquiry");
            b["lots"] = json!([]);
            b["evaluation"] = json!({"method": "lowest_price"});
            b["terms"] = json!({"subject": "goods",
                "compliance": [{"code": "spec", "name": "技术参数", "document": "报价单"}]});
        },
        &priced(&[95_000_000, 88_000_000, 95_000_000]),
        &[FOURTH],
    )
    .await;
    let (mut clients, bids) = seated(&r, &f).await;
    let opened = &clients[0].events[0]["payload"];
    assert_eq!(
        opened["rounds"],
        json!(["review"]),
        "nothing scored by hand"
    );
    assert_eq!(opened["lots"][0]["evaluation"]["method"], "lowest_price");
    let prices: Vec<i64> = bids.iter().map(|b| b.1).collect();
    assert_eq!(prices, [88_000_000, 95_000_000, 95_000_000, 120_000_000]);
    let cheapest = bids[0].0.clone();
    let mut tied = [bids[1].0.clone(), bids[2].0.clone()];
    tied.sort();
    let dearest = bids[3].0.clone();
    clients[1]
        .refused(score(&cheapest, "tech", 10.0), "invalid")
        .await;
    // Three of five find the cheapest bid's specification short.
    for (i, c) in clients.iter_mut().enumerate() {
        for (label, _) in &bids {
            let vote = if *label == cheapest && i < 3 {
                fail(label, "spec", "not_responsive")
            } else {
                pass(label, "spec")
            };
            c.ok(vote).await;
        }
    }
    close(&mut clients, 0, 2).await;
    assert!(clients[0].kinds().ends_with(&[
        "round.closed".into(),
        "prices.scored".into(),
        "report.ready".into()
    ]));
    let report = report_of(&r, &f).await;
    let lot = &report["report"]["lots"][0];
    assert_eq!(lot["method"], "lowest_price");
    assert_eq!(
        rejections(lot),
        [(cheapest.clone(), "not_responsive".to_string(), false)]
    );
    // The lowest compliant price first; two equal prices in the order of
    // their labels (drawn at random when the room opened); no points.
    assert_eq!(
        candidates(lot),
        [
            (tied[0].clone(), 95_000_000, None),
            (tied[1].clone(), 95_000_000, None),
            (dearest, 120_000_000, None),
        ]
    );
    assert!(lot["failed"].is_null(), "{lot}");
    assert!(report["report"]["scores"].as_array().unwrap().is_empty());
    sign_all(&r, &f, &mut clients).await;
}

#[actix_web::test]
async fn each_lot_is_ranked_by_its_own_method_scoring_on_one_lowest_evaluated_price_on_the_other() {
    let r = Registry::with(Options::default()).await;
    // Lot 1 (scored) 900,000 / 910,000 / 920,000; lot 2 (lowest evaluated
    // price) 380,000 / 390,000 / 400,000 yuan.
    let schedules: Vec<Value> = (0..3)
        .map(|i: i64| {
            let (one, two) = (90_000_000 + i * 1_000_000, 38_000_000 + i * 1_000_000);
            json!({"total_price_fen": one + two, "duration_days": 90, "key_terms": {"质保期": "3 年"},
                   "lots": [{"lot": 1, "price_fen": one}, {"lot": 2, "price_fen": two}]})
        })
        .collect();
    let f = evaluation_started_with(
        &r,
        |b| b["lots"][1]["evaluation"] = json!({"method": "lowest_evaluated_price"}),
        &schedules,
    )
    .await;
    let (mut clients, bids) = seated(&r, &f).await;
    let opened = clients[0].events[0]["payload"].clone();
    assert_eq!(opened["per_lot"], true);
    assert_eq!(
        opened["lots"][0]["evaluation"]["method"],
        "comprehensive_scoring"
    );
    assert_eq!(
        opened["lots"][1]["evaluation"]["method"],
        "lowest_evaluated_price"
    );
    assert_eq!(
        opened["rounds"],
        json!(["review", "technical", "commercial"])
    );
    // By total: 第二建设 (cheapest in both lots), 第三建设, 广西建工.
    let labels: Vec<String> = bids.iter().map(|b| b.0.clone()).collect();
    close(&mut clients, 0, 1).await;
    // Lot 2 has no criteria: nothing in it is scored.
    clients[1]
        .refused(
            json!({"type": "score", "lot": 2, "bid": labels[0], "criterion": "tech",
                   "points": 30.0, "reason": "x"}),
            "invalid",
        )
        .await;
    for criterion in ["tech", "biz"] {
        for c in clients.iter_mut() {
            for (n, label) in labels.iter().enumerate() {
                // In lot 1 the dearest bid is technically the best.
                let points = match (criterion, n) {
                    ("tech", 2) => 50.0,
                    ("tech", _) => 30.0,
                    _ => 15.0,
                };
                c.ok(
                    json!({"type": "score", "lot": 1, "bid": label, "criterion": criterion,
                            "points": points, "reason": "符合要求"}),
                )
                .await;
            }
        }
        let extra = if criterion == "tech" { 1 } else { 2 };
        close(&mut clients, 0, extra).await;
    }
    let report = report_of(&r, &f).await;
    let lots = report["report"]["lots"].as_array().unwrap();
    assert_eq!(lots.len(), 2);
    assert_eq!(lots[0]["method"], "comprehensive_scoring");
    assert_eq!(lots[1]["method"], "lowest_evaluated_price");
    // Lot 1 by points: 50 + 15 + 30 × 900,000 ÷ 920,000 = 94.35 first.
    let one = candidates(&lots[0]);
    let order: Vec<&str> = one.iter().map(|c| c.0.as_str()).collect();
    assert_eq!(order, [&labels[2], &labels[0], &labels[1]]);
    assert_eq!(one[0].2, Some(94.35));
    // Lot 2 by price alone, the cheapest first; no points.
    assert_eq!(
        candidates(&lots[1]),
        [
            (labels[0].clone(), 38_000_000, None),
            (labels[1].clone(), 39_000_000, None),
            (labels[2].clone(), 40_000_000, None),
        ]
    );
    for b in lots[1]["bids"].as_array().unwrap() {
        assert_eq!(b["criteria"], json!({}), "{b}");
    }
    assert!(
        report["report"]["scores"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["lot"] == 1)
    );
    sign_all(&r, &f, &mut clients).await;
}

#[actix_web::test]
async fn the_chair_resolves_an_objective_items_disagreement_and_an_explained_low_price_stays_in() {
    let r = Registry::with(Options::default()).await;
    let f = evaluation_started_with(
        &r,
        |b| {
            b["lots"] = json!([]);
            // 商务 is objective: the members' points must agree.
            b["evaluation"]["criteria"][1]["objective"] = json!(true);
        },
        &crate::bids::three_schedules(),
    )
    .await;
    let (app, tender) = (&r.app, f.tender.clone());
    let (mut clients, bids) = seated(&r, &f).await;
    let (low, mid, high) = (bids[0].0.clone(), bids[1].0.clone(), bids[2].0.clone());
    // A member asks the lowest bidder to explain its price; it does.
    let q = clients[2]
        .ok(json!({"type": "clarify", "bid": low, "topic": "low_price",
                   "question": "报价明显低于其他投标报价，请说明成本构成"}))
        .await;
    clients[2].until(q).await;
    let questions = asked(&r, &tender).await;
    assert_eq!(questions.len(), 1, "{questions:?}");
    let (token, id, topic) = questions[0].clone();
    assert_eq!(topic, "low_price");
    app.post_json(
        &format!("/api/v1/tenders/{tender}/evaluation/clarifications/{id}/answer"),
        Some(&token),
        &json!({"answer": "自有生产线，原材料年度框架协议价，详见成本明细"}),
    )
    .await
    .assert_status(200);
    // The review closes with the explanation given: the bid stays in.
    close(&mut clients, 0, 1).await;
    let summary = clients[0]
        .events
        .iter()
        .rev()
        .find(|e| e["kind"] == "round.closed")
        .unwrap()["payload"]["summary"]
        .clone();
    assert!(summary[0]["bids"][&low]["rejected"].is_null(), "{summary}");
    for c in clients.iter_mut() {
        for label in [&low, &mid, &high] {
            c.ok(score(label, "tech", 30.0)).await;
        }
    }
    close(&mut clients, 0, 1).await;
    // One member gives the lowest bid 10 on the objective item, the rest 15.
    for (i, c) in clients.iter_mut().enumerate() {
        let points = if i == 4 { 10.0 } else { 15.0 };
        c.ok(score(&low, "biz", points)).await;
        c.ok(score(&mid, "biz", 12.0)).await;
        c.ok(score(&high, "biz", 12.0)).await;
    }
    let message = clients[0]
        .refused(json!({"type": "close_round"}), "disagreement")
        .await;
    assert!(message.contains(&format!("bid {low} biz")), "{message}");
    let resolve = |bid: &str, criterion: &str| {
        json!({"type": "resolve", "bid": bid, "criterion": criterion, "points": 15.0,
               "reason": "核对业绩合同原件，应得 15 分"})
    };
    clients[1].refused(resolve(&low, "biz"), "role").await;
    clients[0].refused(resolve(&low, "tech"), "invalid").await;
    clients[0].refused(resolve(&mid, "biz"), "invalid").await;
    let resolved = clients[0].ok(resolve(&low, "biz")).await;
    clients[3].until(resolved).await;
    assert_eq!(clients[3].events.last().unwrap()["kind"], "score.resolved");
    close(&mut clients, 0, 2).await;
    let report = report_of(&r, &f).await["report"].clone();
    assert_eq!(report["resolutions"].as_array().unwrap().len(), 1);
    assert_eq!(report["resolutions"][0]["bid"], low.as_str());
    assert_eq!(report["resolutions"][0]["points"], 15.0);
    let lot = &report["lots"][0];
    assert!(rejections(lot).is_empty(), "{lot}");
    let bid = lot["bids"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["label"] == low.as_str())
        .unwrap();
    assert_eq!(
        bid["criteria"]["biz"], 15.0,
        "the chair's points, not the mean"
    );
    // 30 + 15 + 30: the lowest price takes the price's 30 points.
    assert_eq!(candidates(lot)[0], (low.clone(), 90_000_000, Some(75.0)));
    let explained = report["clarifications"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["topic"] == "low_price")
        .unwrap();
    assert!(explained["answer"].as_str().is_some_and(|a| !a.is_empty()));
}

/// Three of the five members fail each (bid, item, ground) of `votes`.
async fn fail_by_majority(clients: &mut [Client], votes: &[(&str, &str, &str)]) {
    for c in clients.iter_mut().take(3) {
        for (bid, item, ground) in votes {
            c.ok(fail(bid, item, ground)).await;
        }
    }
}

/// Scores the bids `labels` in the two rounds (tech 40, biz 15, each
/// member) and closes them; a rejected bid is refused.
async fn score_rounds(clients: &mut [Client], labels: &[String], rejected: &str) {
    for (criterion, points) in [("tech", 40.0), ("biz", 15.0)] {
        clients[2]
            .refused(score(rejected, criterion, points), "rejected")
            .await;
        for c in clients.iter_mut() {
            for label in labels {
                c.ok(score(label, criterion, points)).await;
            }
        }
        let extra = if criterion == "tech" { 1 } else { 2 };
        close(clients, 0, extra).await;
    }
}

/// A ground of another category's list is refused, on any bid.
async fn not_this_list(client: &mut Client, bid: &str, grounds: &[&str]) {
    for ground in grounds {
        client.refused(fail(bid, GENERAL, ground), "invalid").await;
    }
}

/// The report (of one lot) rejected exactly the bids of `votes` (bid, item,
/// ground), each by the three votes on its item and ground, with the
/// ground's words and on a basis under `law`; and scored none of them.
fn voted_out(report: &Value, votes: &[(&str, &str, &str)], law: &str) {
    let lot = &report["lots"][0];
    let mut rejected = rejections(lot);
    rejected.sort();
    let mut expected: Vec<(String, String, bool)> = votes
        .iter()
        .map(|(bid, _, ground)| (bid.to_string(), ground.to_string(), false))
        .collect();
    expected.sort();
    assert_eq!(rejected, expected);
    for x in lot["rejected"].as_array().unwrap() {
        let (_, item, _) = votes.iter().find(|v| x["label"] == v.0).unwrap();
        assert_eq!(x["item"], *item, "{x}");
        assert_eq!(x["votes"], 3, "{x}");
        assert!(x["basis"].as_str().unwrap().starts_with(law), "{x}");
        assert!(
            x["ground_text"].as_str().is_some_and(|t| !t.is_empty()),
            "{x}"
        );
    }
    let out = |bid: &Value| votes.iter().any(|v| *bid == v.0);
    for s in report["scores"].as_array().unwrap() {
        assert!(!out(&s["bid"]), "{s}");
    }
    for b in lot["bids"].as_array().unwrap() {
        if out(&b["label"]) {
            assert!(b["total"].is_null(), "{b}");
        }
    }
}

#[actix_web::test]
async fn construction_bids_are_rejected_on_qualification_consortium_and_multiple_bids() {
    let r = Registry::with(Options::default()).await;
    let f = evaluation_started_with_more(
        &r,
        |b| {
            b["category"] = json!("engineering_construction");
            b["lots"] = json!([]);
            b["terms"] = json!({"subject": "works", "bid_validity_days": 90,
                "qualification": [{"code": "licence", "name": "建筑工程施工总承包资质",
                                   "document": "资质证书"}]});
        },
        &crate::bids::three_schedules(),
        &[FOURTH],
    )
    .await;
    let (mut clients, bids) = seated(&r, &f).await;
    // Tendering reviews qualification in the room (条例 第51条(三)).
    assert_eq!(
        clients[0].events[0]["payload"]["items"][0]["code"],
        "licence"
    );
    let l: Vec<String> = bids.iter().map(|b| b.0.clone()).collect();
    // Government procurement's grounds are not construction's.
    not_this_list(
        &mut clients[3],
        &l[1],
        &["no_deposit", "unacceptable_conditions"],
    )
    .await;
    let votes = [
        (l[0].as_str(), "licence", "not_qualified"),
        (l[1].as_str(), GENERAL, "no_consortium_agreement"),
        (l[2].as_str(), GENERAL, "multiple_bids"),
    ];
    fail_by_majority(&mut clients, &votes).await;
    for (i, c) in clients.iter_mut().enumerate() {
        for label in &l {
            if i < 3 && *label == l[0] {
                continue;
            }
            c.ok(pass(label, "licence")).await;
        }
    }
    close(&mut clients, 0, 1).await;
    score_rounds(&mut clients, &l[3..], &l[0]).await;
    let report = report_of(&r, &f).await["report"].clone();
    let lot = &report["lots"][0];
    voted_out(&report, &votes, "招标投标法实施条例 第51条");
    assert_eq!(candidates(lot).len(), 1);
    assert_eq!(candidates(lot)[0].0, l[3]);
}

#[actix_web::test]
async fn procurement_bids_are_rejected_on_deposit_signature_and_conditions() {
    let r = Registry::with(Options::default()).await;
    let f = evaluation_started_with_more(
        &r,
        |b| b["lots"] = json!([]),
        &crate::bids::three_schedules(),
        &[
            FOURTH,
            ("fifth", "广西第五建设有限公司", "91450100MA5T0006F"),
            ("sixth", "广西第六建设有限公司", "91450100MA5T0007G"),
        ],
    )
    .await;
    let (mut clients, bids) = seated(&r, &f).await;
    assert_eq!(bids.len(), 6);
    let l: Vec<String> = bids.iter().map(|b| b.0.clone()).collect();
    // Construction's grounds are not government procurement's.
    not_this_list(
        &mut clients[3],
        &l[1],
        &["no_consortium_agreement", "multiple_bids"],
    )
    .await;
    let votes = [
        (l[0].as_str(), GENERAL, "no_deposit"),
        (l[1].as_str(), GENERAL, "not_signed_or_sealed"),
        (l[2].as_str(), GENERAL, "unacceptable_conditions"),
    ];
    fail_by_majority(&mut clients, &votes).await;
    close(&mut clients, 0, 1).await;
    score_rounds(&mut clients, &l[3..], &l[1]).await;
    let report = report_of(&r, &f).await["report"].clone();
    let lot = &report["lots"][0];
    voted_out(&report, &votes, "财政部令第87号 第63条");
    // Three compliant bids remain: the lot does not fail.
    assert!(lot["failed"].is_null(), "{lot}");
    let ranked: Vec<String> = candidates(lot).into_iter().map(|c| c.0).collect();
    assert_eq!(ranked, l[3..].to_vec());
}

const GENERAL: &str = "general";

#[actix_web::test]
async fn a_consortium_or_subcontract_giving_small_enterprises_30_percent_has_its_price_reduced() {
    let r = Registry::with(Options::default()).await;
    // 900,000; 950,000 with 30 % of the contract to small enterprises, less
    // 6 %: 893,000; 1,000,000 with 29 %: no deduction.
    let mut schedules = crate::bids::three_schedules();
    schedules[1]["sme_share_percent"] = json!(30);
    schedules[2]["sme_share_percent"] = json!(29);
    let f = evaluation_started_with(
        &r,
        |b| {
            b["lots"] = json!([]);
            b["evaluation"] = json!({"method": "lowest_evaluated_price"});
            b["terms"]["sme_partnership_deduction_percent"] = json!(6);
        },
        &schedules,
    )
    .await;
    let (mut clients, bids) = seated(&r, &f).await;
    assert_eq!(
        clients[0].events[0]["payload"]["sme_partnership_deduction_percent"],
        6.0
    );
    let (low, mid, high) = (bids[0].0.clone(), bids[1].0.clone(), bids[2].0.clone());
    close(&mut clients, 0, 2).await;
    let report = report_of(&r, &f).await["report"].clone();
    assert_eq!(report["sme_partnership_deduction_percent"], 6.0);
    let lot = &report["lots"][0];
    assert_eq!(
        candidates(lot),
        [
            (mid.clone(), 89_300_000, None),
            (low, 90_000_000, None),
            (high, 100_000_000, None),
        ]
    );
    let declared = lot["bids"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["label"] == mid.as_str())
        .unwrap();
    assert_eq!(declared["sme_share_percent"], 30);
    assert_eq!(declared["price_fen"], 95_000_000, "the price itself stands");
}
