//! What the public reads of an evaluation report once the tender's result
//! is decided. Pure.
//!
//! The evaluation and the comparison of the bids are confidential until
//! the result (招标投标法 第44条: members "不得透露对投标文件的评审和比较、
//! 中标候选人的推荐以及与评标有关的其他情况"); who reads the whole report
//! before then is [`crate::audit::sealing::report_sight`]. After the result
//! the law publishes the outcome, not the deliberation: the committee's
//! list (政府采购法实施条例 第43条; 87号令 第69条 "评审专家名单"; for
//! construction 第37条 protects it only until the result), the candidates
//! with their scores and prices (招标投标法实施条例 第54条 publicises them),
//! the bids rejected and on what ground. Never a member's own marks, its
//! reasons, the flags raised on them, the members' review votes, nor the
//! bidders' answers to clarifications (each bidder's own business).
//!
//! [`public_report`] keeps only fields it names (a field a later report
//! version adds stays private until it is named here), and reads both
//! shapes of the report: with per-lot results (`lots`) and without.
//! What each losing bidder learns of its own marks is not decided here.

use serde_json::{Map, Value, json};

/// The version of the published shape.
pub const PUBLIC_VERSION: &str = "ggzy-evaluation-report-public-v1";

/// Fields of a member that are published: its name, its league, whether
/// it chaired. Its expert id, venue and recusal are not.
const MEMBER: &[&str] = &["name", "league", "chair"];

/// Fields of a bid that are published: the committee's result for it.
const BID: &[&str] = &[
    "label",
    "bid_id",
    "bidder",
    "lot",
    "price_fen",
    "evaluated_price_fen",
    "criteria",
    "total",
    "rejected",
];

/// Fields of a ranking's entry.
const RANKED: &[&str] = &[
    "rank",
    "label",
    "bid_id",
    "bidder",
    "lot",
    "total",
    "price_fen",
    "evaluated_price_fen",
    // A tie the stated rules leave (并列, 87号令 第56条, 第57条): part of
    // the ranking the law publishes.
    "tied",
    "tied_with",
];

/// Fields of a rejected bid: which, and on what ground (条例 第51条).
const REJECTED: &[&str] = &[
    "label",
    "bid_id",
    "bidder",
    "ground",
    "ground_text",
    "basis",
];

/// Fields of a lot's result; its lists are filtered apart.
const LOT: &[&str] = &[
    "lot",
    "title",
    "method",
    "evaluation",
    "ceiling_fen",
    "failed",
];

/// Fields of a criterion as the tender published it.
const CRITERION: &[&str] = &["code", "name", "kind", "weight", "objective", "lot"];

/// Copies the `keys` of `from` that it holds (an object) into a new object.
fn pick(from: &Value, keys: &[&str]) -> Value {
    let mut out = Map::new();
    if let Value::Object(map) = from {
        for key in keys {
            if let Some(v) = map.get(*key) {
                out.insert((*key).to_string(), v.clone());
            }
        }
    }
    Value::Object(out)
}

/// `from[key]` as a list of objects picked to `keys` (an absent or
/// malformed list: empty).
fn pick_all(from: &Value, key: &str, keys: &[&str]) -> Vec<Value> {
    from.get(key)
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter(|item| item.is_object())
                .map(|item| pick(item, keys))
                .collect()
        })
        .unwrap_or_default()
}

/// A bid's per-criterion means: a map of numbers (or null for a criterion
/// not scored); anything else is left out.
fn means(criteria: &Value) -> Value {
    let mut out = Map::new();
    if let Value::Object(map) = criteria {
        for (code, v) in map {
            if v.is_number() || v.is_null() {
                out.insert(code.clone(), v.clone());
            }
        }
    }
    Value::Object(out)
}

/// The report as the public reads it after the result: the version it was
/// made from, the tender, the criteria, the price formula, the committee
/// by name (members who recused are left out: they did not evaluate, and
/// why they left is theirs), each bid with the committee's means per
/// criterion and total, the ranking, and per lot (when the report has
/// lots) its title, method, ranking, candidates, rejected bids with their
/// grounds, and whether it failed. Scores, reasons, flags, review votes
/// and clarifications are left out, and so is every field not named here.
pub fn public_report(report: &Value) -> Value {
    let members: Vec<Value> = report
        .get("members")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|m| m.is_object() && m.get("recused") != Some(&Value::Bool(true)))
        .map(|m| pick(m, MEMBER))
        .collect();
    let bids: Vec<Value> = pick_all(report, "bids", BID)
        .into_iter()
        .map(|mut b| {
            if let Some(c) = b.get("criteria").cloned() {
                b["criteria"] = means(&c);
            }
            b
        })
        .collect();
    let mut out = json!({
        "version": PUBLIC_VERSION,
        "report_version": report.get("version").cloned().unwrap_or(Value::Null),
        "tender_id": report.get("tender_id").cloned().unwrap_or(Value::Null),
        "criteria": pick_all(report, "criteria", CRITERION),
        "price_formula": report.get("price_formula").cloned().unwrap_or(Value::Null),
        "members": members,
        "bids": bids,
        "ranking": pick_all(report, "ranking", RANKED),
    });
    if let Some(lots) = report.get("lots").and_then(Value::as_array) {
        let lots: Vec<Value> = lots
            .iter()
            .filter(|lot| lot.is_object())
            .map(|lot| {
                let mut out = pick(lot, LOT);
                if lot.get("bids").is_some() {
                    out["bids"] = Value::Array(
                        pick_all(lot, "bids", BID)
                            .into_iter()
                            .map(|mut b| {
                                if let Some(c) = b.get("criteria").cloned() {
                                    b["criteria"] = means(&c);
                                }
                                b
                            })
                            .collect(),
                    );
                }
                out["ranking"] = Value::Array(pick_all(lot, "ranking", RANKED));
                if let Some(ties) = lot.get("ties") {
                    out["ties"] = ties.clone();
                }
                out["candidates"] = Value::Array(pick_all(lot, "candidates", RANKED));
                out["rejected"] = Value::Array(pick_all(lot, "rejected", REJECTED));
                out
            })
            .collect();
        out["lots"] = Value::Array(lots);
    }
    out
}

/// The name of the member `expert` as a published signature shows it;
/// `None` for a member who recused (it signed nothing it evaluated) or one
/// the report does not hold.
pub fn signer_name(report: &Value, expert: &str) -> Option<String> {
    report
        .get("members")?
        .as_array()?
        .iter()
        .find(|m| m.get("expert").and_then(Value::as_str) == Some(expert))
        .filter(|m| m.get("recused") != Some(&Value::Bool(true)))
        .and_then(|m| m.get("name"))
        .and_then(Value::as_str)
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A report as the room makes it today (no lots).
    fn flat() -> Value {
        json!({
            "version": "ggzy-evaluation-report-v1",
            "tender_id": "t1",
            "criteria": [
                {"code": "tech", "name": "技术", "kind": "technical", "weight": 40.0},
                {"code": "price", "name": "价格", "kind": "price", "weight": 30.0, "secret": "x"}
            ],
            "price_formula": {"kind": "lowest_price_base"},
            "blind_technical": true,
            "members": [
                {"expert": "e1", "name": "张三", "league": "NNG", "venue": "NNG", "recused": false, "chair": true},
                {"expert": "e2", "name": "李四", "league": "LZH", "venue": "LZH", "recused": true, "chair": false},
                {"expert": "e3", "name": "王五", "league": "LZH", "venue": "LZH", "recused": false, "chair": false}
            ],
            "bids": [
                {"label": "A", "bid_id": "b1", "bidder": "甲公司", "price_fen": 100,
                 "criteria": {"tech": 35.5, "price": 30.0, "biz": null, "odd": "x"}, "total": 65.5,
                 "note": "internal"},
                {"label": "B", "bid_id": "b2", "bidder": "乙公司", "price_fen": 200,
                 "criteria": {"tech": 30.0, "price": 15.0}, "total": 45.0}
            ],
            "scores": [
                {"expert": "e1", "bid": "A", "criterion": "tech", "points": 36.0, "reason": "方案完整"},
                {"expert": "e3", "bid": "A", "criterion": "tech", "points": 35.0, "reason": "较好"}
            ],
            "flags": [{"expert": "e3", "bid": "B", "criterion": "tech"}],
            "clarifications": [{"id": "q1", "bid": "B", "question": "工期？", "answer": "90天"}],
            "ranking": [
                {"rank": 1, "label": "A", "total": 65.5},
                {"rank": 2, "label": "B", "total": 45.0}
            ]
        })
    }

    /// The same with per-lot results, review votes and reasons.
    fn with_lots() -> Value {
        let mut r = flat();
        r["version"] = json!("ggzy-evaluation-report-v2");
        r["scores"][0]["lot"] = json!("1");
        r["review"] = json!([
            {"expert": "e1", "bid": "B", "item": "资格", "pass": false, "reason": "资质过期"}
        ]);
        r["lots"] = json!([
            {
                "lot": "1", "title": "第一包", "method": "comprehensive_scoring",
                "ranking": [{"rank": 1, "label": "A", "total": 65.5, "votes": 3}],
                "candidates": [
                    {"rank": 1, "label": "A", "bid_id": "b1", "bidder": "甲公司", "total": 65.5,
                     "reasoning": "委员会意见"}
                ],
                "rejected": [
                    {"label": "B", "bid_id": "b2", "bidder": "乙公司", "ground": "qualification",
                     "ground_text": "不具备资格条件", "basis": "条例 第51条", "votes": {"e1": false}}
                ],
                "failed": null,
                "deliberation": "private"
            },
            {
                "lot": "2", "title": "第二包", "method": "lowest_evaluated_price",
                "ranking": [], "candidates": [], "rejected": [],
                "failed": "fewer than three valid bids"
            },
            "not a lot"
        ]);
        r
    }

    fn text(v: &Value) -> String {
        serde_json::to_string(v).unwrap()
    }

    #[test]
    fn no_member_s_marks_reasons_flags_votes_or_clarifications_are_published() {
        for report in [flat(), with_lots()] {
            let public = public_report(&report);
            let t = text(&public);
            for key in [
                "scores",
                "flags",
                "clarifications",
                "review",
                "blind_technical",
            ] {
                assert!(public.get(key).is_none(), "{key} in {t}");
            }
            // Not a reason, an expert id, a venue, a vote, a question.
            for secret in [
                "方案完整",
                "较好",
                "资质过期",
                "e1",
                "e2",
                "e3",
                "工期",
                "90天",
                "votes",
                "reasoning",
                "deliberation",
                "internal",
                "venue",
                "recused",
                "secret",
            ] {
                assert!(!t.contains(secret), "{secret} in {t}");
            }
        }
    }

    #[test]
    fn the_committee_is_named_without_ids_and_without_members_who_recused() {
        let public = public_report(&flat());
        assert_eq!(
            public["members"],
            json!([
                {"name": "张三", "league": "NNG", "chair": true},
                {"name": "王五", "league": "LZH", "chair": false}
            ])
        );
    }

    #[test]
    fn bids_keep_the_committee_s_means_totals_and_prices() {
        let public = public_report(&flat());
        assert_eq!(
            public["bids"][0],
            json!({"label": "A", "bid_id": "b1", "bidder": "甲公司", "price_fen": 100,
                   "criteria": {"tech": 35.5, "price": 30.0, "biz": null}, "total": 65.5})
        );
        assert_eq!(public["bids"][1]["total"], 45.0);
        assert_eq!(public["ranking"], flat()["ranking"]);
        assert_eq!(
            public["price_formula"],
            json!({"kind": "lowest_price_base"})
        );
        assert_eq!(
            public["criteria"][1],
            json!({"code": "price", "name": "价格", "kind": "price", "weight": 30.0})
        );
    }

    #[test]
    fn the_version_and_tender_are_kept_and_the_shape_is_named() {
        let public = public_report(&with_lots());
        assert_eq!(public["version"], PUBLIC_VERSION);
        assert_eq!(public["report_version"], "ggzy-evaluation-report-v2");
        assert_eq!(public["tender_id"], "t1");
    }

    #[test]
    fn a_report_without_lots_has_none_published() {
        assert!(public_report(&flat()).get("lots").is_none());
    }

    #[test]
    fn lots_keep_title_method_ranking_candidates_rejections_and_failure() {
        let public = public_report(&with_lots());
        let lots = public["lots"].as_array().unwrap();
        assert_eq!(lots.len(), 2, "what is not a lot is dropped: {lots:?}");
        assert_eq!(
            lots[0],
            json!({
                "lot": "1", "title": "第一包", "method": "comprehensive_scoring", "failed": null,
                "ranking": [{"rank": 1, "label": "A", "total": 65.5}],
                "candidates": [{"rank": 1, "label": "A", "bid_id": "b1", "bidder": "甲公司", "total": 65.5}],
                "rejected": [{"label": "B", "bid_id": "b2", "bidder": "乙公司", "ground": "qualification",
                              "ground_text": "不具备资格条件", "basis": "条例 第51条"}]
            })
        );
        assert_eq!(lots[1]["failed"], "fewer than three valid bids");
        assert_eq!(lots[1]["candidates"], json!([]));
    }

    #[test]
    fn a_lowest_evaluated_price_candidate_keeps_its_evaluated_price() {
        let mut r = with_lots();
        r["lots"][1]["candidates"] = json!([
            {"rank": 1, "label": "C", "bid_id": "b3", "bidder": "丙公司", "evaluated_price_fen": 9900,
             "price_fen": 10000, "adjustments": [{"reason": "工期"}]}
        ]);
        let public = public_report(&r);
        assert_eq!(
            public["lots"][1]["candidates"][0],
            json!({"rank": 1, "label": "C", "bid_id": "b3", "bidder": "丙公司",
                   "evaluated_price_fen": 9900, "price_fen": 10000})
        );
    }

    #[test]
    fn malformed_reports_give_an_empty_but_well_formed_publication() {
        for report in [
            Value::Null,
            json!([]),
            json!("text"),
            json!({}),
            json!({"members": "x", "bids": {"a": 1}, "ranking": null, "lots": "x"}),
            json!({"members": [1, null, "x"], "bids": [[], 2], "criteria": [3]}),
        ] {
            let public = public_report(&report);
            assert_eq!(public["version"], PUBLIC_VERSION, "{report}");
            for list in ["members", "bids", "ranking", "criteria"] {
                assert_eq!(public[list], json!([]), "{list} of {report}");
            }
            assert!(public.get("lots").is_none(), "{report}");
        }
        // A bid whose means are not a map publishes none.
        let odd = public_report(&json!({"bids": [{"label": "A", "criteria": [1, 2]}]}));
        assert_eq!(odd["bids"][0], json!({"label": "A", "criteria": {}}));
    }

    #[test]
    fn publishing_twice_changes_nothing_more() {
        for report in [flat(), with_lots()] {
            let once = public_report(&report);
            let mut twice = public_report(&once);
            // The second pass reads the published version as the report's.
            twice["report_version"] = once["report_version"].clone();
            assert_eq!(twice, once);
        }
    }

    #[test]
    fn signers_are_named_from_the_report_and_recused_members_never() {
        let r = flat();
        assert_eq!(signer_name(&r, "e1").as_deref(), Some("张三"));
        assert_eq!(signer_name(&r, "e2"), None);
        assert_eq!(signer_name(&r, "nobody"), None);
        assert_eq!(signer_name(&Value::Null, "e1"), None);
    }
}
