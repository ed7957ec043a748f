//! Evaluation by the rules of each category and method, through the real
//! server and room sockets: the set-up refused where the law forbids it;
//! a construction tender by lowest evaluated price, reviewed, with a bid
//! above the ceiling out without a vote, a bid rejected by majority on a
//! ground, an arithmetic correction the bidder confirms, and the report
//! closed with a refusal to sign that counts as agreement; a government
//! procurement tender of two lots whose bids are priced per lot, ranked
//! per lot; and a procurement tender whose three bids are out on a refused
//! correction, an unexplained low price and a voted ground, so the lot
//! fails. Every ground of each list is voted in the room's unit tests.

use crate::bids::sign_in;
use crate::helpers::Options;
use crate::rooms::{Client, evaluation_started_with, league, score, token_of};
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

/// Opens the room of `f`'s tender with `options` and joins every member:
/// their clients and session tokens, in the committee's order.
async fn open_room(
    r: &Registry,
    f: &crate::rooms::Fixture,
    options: Value,
) -> (Vec<Client>, Vec<String>) {
    let (app, tender) = (&r.app, &f.tender);
    app.post_json(
        &format!("/api/v1/tenders/{tender}/evaluation/room"),
        Some(&f.tenderer),
        &options,
    )
    .await
    .assert_status(201);
    let mut clients = Vec::new();
    let mut tokens = Vec::new();
    for e in &f.members {
        let token = token_of(r, e).await;
        clients.push(Client::open(app, tender, &token).await);
        tokens.push(token);
    }
    (clients, tokens)
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
    let (mut clients, tokens) = open_room(&r, &f, json!({})).await;
    let opened = &clients[0].events[0]["payload"];
    assert_eq!(
        opened["rounds"],
        json!(["review"]),
        "nothing is scored by hand"
    );
    assert_eq!(opened["items"][0]["code"], "period");
    for c in clients.iter_mut() {
        c.ok(json!({"type": "declare"})).await;
    }
    let chair = f.members[0].id.clone();
    for c in clients.iter_mut().take(3) {
        c.ok(json!({"type": "vote", "candidate": chair})).await;
    }
    let bids = labels_by_price(app, &tender, &tokens[0]).await;
    let (low, mid, high) = (bids[0].0.clone(), bids[1].0.clone(), bids[2].0.clone());
    // 1,000,000 yuan is above the 960,000 ceiling: out without a vote.
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
    let report = app
        .get(
            &format!("/api/v1/tenders/{tender}/evaluation/report"),
            Some(&f.supervisor),
        )
        .await
        .json();
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
            let (one, two) = (90_000_000 + i * 1_000_000, 40_000_000 - i * 1_000_000);
            json!({"total_price_fen": one + two, "duration_days": 90, "key_terms": {"质保期": "3 年"},
                   "lots": [{"lot": 1, "price_fen": one}, {"lot": 2, "price_fen": two}]})
        })
        .collect();
    let f = evaluation_started_with(&r, |_| {}, &schedules).await;
    let (app, tender) = (&r.app, f.tender.clone());
    app.post_json(
        &format!("/api/v1/tenders/{tender}/evaluation/room"),
        Some(&f.tenderer),
        &json!({"blind_technical": true}),
    )
    .await
    .assert_status(201);
    let mut clients = Vec::new();
    for e in &f.members {
        let token = token_of(&r, e).await;
        clients.push(Client::open(app, &tender, &token).await);
    }
    let opened = clients[0].events[0]["payload"].clone();
    assert_eq!(opened["per_lot"], true);
    assert_eq!(opened["lots"].as_array().unwrap().len(), 2);
    assert!(opened["bids"][0]["price_fen"].is_null(), "blind: no price");
    let labels: Vec<String> = opened["bids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["label"].as_str().unwrap().to_string())
        .collect();
    for c in clients.iter_mut() {
        c.ok(json!({"type": "declare"})).await;
    }
    let chair = f.members[2].id.clone();
    for c in clients.iter_mut().take(3) {
        c.ok(json!({"type": "vote", "candidate": chair})).await;
    }
    clients[2].ok(json!({"type": "close_round"})).await;
    // Lot 0 is not in a tender evaluated per lot.
    clients[0]
        .refused(score(&labels[0], "tech", 30.0), "invalid")
        .await;
    for criterion in ["tech", "biz"] {
        for c in clients.iter_mut() {
            for (n, label) in labels.iter().enumerate() {
                for lot in [1, 2] {
                    let points = if criterion == "tech" {
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
        let closed = clients[2].ok(json!({"type": "close_round"})).await;
        clients[2].until(closed + 1).await;
    }
    let report = app
        .get(
            &format!("/api/v1/tenders/{tender}/evaluation/report"),
            Some(&f.supervisor),
        )
        .await
        .json();
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
    // Lot 1's lowest price is 广西第二建设's, lot 2's 广西建工's: the lots'
    // price scores differ.
    assert_ne!(
        lots[0]["bids"][0]["criteria"]["price"],
        lots[1]["bids"][0]["criteria"]["price"]
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
    let (mut clients, tokens) = open_room(&r, &f, json!({})).await;
    for c in clients.iter_mut() {
        c.ok(json!({"type": "declare"})).await;
    }
    let chair = f.members[0].id.clone();
    for c in clients.iter_mut().take(3) {
        c.ok(json!({"type": "vote", "candidate": chair})).await;
    }
    let bids = labels_by_price(app, &tender, &tokens[0]).await;
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
    let report = app
        .get(
            &format!("/api/v1/tenders/{tender}/evaluation/report"),
            Some(&f.supervisor),
        )
        .await
        .json();
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
