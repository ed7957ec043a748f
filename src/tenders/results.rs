//! Results from the committee's signed report, by category (issue 22).
//!
//! - **Construction** (engineering_construction): the candidates of each
//!   lot (at most three, ranked) are the signed report's, never typed. The
//!   tenderer publicises them within 3 days of receiving the report, for at
//!   least 3 days (招标投标法实施条例 第54条: "招标人应当自收到评标报告之日起
//!   3日内公示中标候选人，公示期不得少于3日"); the notice is generated from the
//!   report with the content 《招标公告和公示信息发布管理办法》(国家发展改革委令
//!   第10号) 第6条 requires: ranking, names, bid prices, quality and period, the evaluation,
//!   and how to object ([`publicity_text`]). The report is "received" when
//!   the room closes on the last member's signature. The award waits for the
//!   publicity period (`limits::check_award`) and takes each lot's first
//!   candidate, or another candidate with the reason on the record
//!   (第55条: for state-funded projects the first, unless it gives up, cannot
//!   perform or is disqualified).
//! - **Government procurement**: no candidate publicity (`lifecycle`). The
//!   purchaser confirms the winner from the report's candidates, in their
//!   order, within 5 working days of the report (财政部令第87号 第68条:
//!   "采购人应当自收到评标报告之日起5个工作日内，在评标报告确定的中标候选人
//!   名单中按顺序确定中标人……采购人在收到评标报告5个工作日内未按评标报告推荐
//!   的中标候选人顺序确定中标人，又不能说明合法理由的，视同按评标报告推荐的顺序
//!   确定排名第一的中标候选人为中标人"; 政府采购法实施条例 第43条 the same 5
//!   working days). Past the 5 working days the
//!   first candidate stands: the platform awards it as its own act
//!   ([`award_by_default`], run under the cluster's duties), and a late
//!   award by the purchaser may only confirm the first. The result notice
//!   (with the committee's names) is due within 2 working days of the
//!   decision (第69条: "自中标人确定之日起2个工作日内……公告中标结果"); the platform publishes it in the award's own
//!   transaction, so it is never late.
//! - **Land and property**: until the auction issue lands, an award carries
//!   the organiser's signed record of how the price was reached
//!   ([`PriceRecord`]: CMS SignedData, DER, signed with the certificate of
//!   the tenderer or its agent, accepted by the tender's league), kept as a
//!   document of the procedure.
//!
//! The value of a lot's award is the winning bid's price for the lot as
//! the committee corrected it and the bidder confirmed (a correction binds
//! only once the bidder confirms it: 财政部令第87号 第59条 for procurement,
//! 七部委令第30号 第53条 for construction — both check; 条例 第52条 only
//! bars a clarification from changing the bid's substance), else as read out
//! at the opening; never the evaluated price, which only compares (a small
//! enterprise's price deduction is not a discount the purchaser gets).

use crate::error::{AppError, FieldError};
use crate::reasons::time;
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use serde_json::Value;

/// Days within which construction candidates are publicised after the
/// report is received (条例 第54条).
pub const PUBLICITY_WITHIN_DAYS: i64 = 3;

/// Working days the purchaser has to confirm the winner (87号令 第68条).
pub const CONFIRMATION_WORKING_DAYS: u32 = 5;

/// Where the award rule of a category is.
pub fn award_rule(category: super::model::Category) -> &'static str {
    use super::model::Category as C;
    match category {
        C::GovernmentProcurement => {
            "财政部令第87号 第68条: the purchaser takes the report's candidates in their order"
        }
        C::EngineeringConstruction => {
            "招标投标法实施条例 第55条: for a state-funded project the first-ranked candidate \
             wins unless it gives up, cannot perform or is disqualified"
        }
        C::LandMiningRights | C::StateOwnedProperty => {
            "the winner is the report's first unless the organiser records why not"
        }
    }
}

/// A candidate as the signed report ranks it in one lot.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Candidate {
    pub rank: u32,
    pub label: String,
    pub bid_id: String,
    pub bidder: String,
    /// The committee's total score (scoring methods).
    pub total: Option<f64>,
    /// The bid's price for the lot, as read out at the opening.
    pub price_fen: i64,
    /// The price as the committee corrected it and the bidder confirmed.
    pub corrected_price_fen: Option<i64>,
    /// The price the evaluation compared.
    pub evaluated_price_fen: i64,
}

impl Candidate {
    /// What an award to this candidate is worth (see the module).
    pub fn value_fen(&self) -> i64 {
        self.corrected_price_fen.unwrap_or(self.price_fen)
    }
}

/// One lot of a signed report (lot 0: the tender as one).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReportLot {
    pub lot: u32,
    pub title: Option<String>,
    pub failed: bool,
    /// Best first, at most three.
    pub candidates: Vec<Candidate>,
    /// How many bids the committee rejected in this lot.
    pub rejected: usize,
}

/// The lots of a report (`ggzy-evaluation-report-v2`) with their
/// candidates, as the report has them. Entries it does not resolve are
/// left out. Pure.
pub fn report_lots(report: &Value) -> Vec<ReportLot> {
    let lots = report["lots"].as_array().cloned().unwrap_or_default();
    lots.iter()
        .filter_map(|l| {
            let lot = u32::try_from(l["lot"].as_u64()?).ok()?;
            let bids = l["bids"].as_array().cloned().unwrap_or_default();
            let mut candidates: Vec<Candidate> = l["candidates"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|c| {
                    let label = c["label"].as_str()?.to_string();
                    let bid = bids.iter().find(|b| b["label"] == label.as_str())?;
                    Some(Candidate {
                        rank: u32::try_from(c["rank"].as_u64()?).ok()?,
                        bid_id: c["bid_id"].as_str()?.to_string(),
                        bidder: c["bidder"].as_str().unwrap_or_default().to_string(),
                        total: c["total"].as_f64(),
                        price_fen: bid["price_fen"].as_i64()?,
                        corrected_price_fen: bid["corrected_price_fen"].as_i64(),
                        evaluated_price_fen: bid["evaluated_price_fen"]
                            .as_i64()
                            .or_else(|| bid["price_fen"].as_i64())?,
                        label,
                    })
                })
                .collect();
            candidates.sort_by_key(|c| c.rank);
            Some(ReportLot {
                lot,
                title: l["title"].as_str().map(str::to_string),
                failed: l["failed"].as_bool().unwrap_or(false) || candidates.is_empty(),
                candidates,
                rejected: l["rejected"].as_array().map_or(0, Vec::len),
            })
        })
        .collect()
}

/// The winning candidate of `lot`: the one named (which must be one of the
/// report's candidates for the lot, and valid at the opening), else the
/// first; another than the first needs a reason (`rule` says why). `field`
/// names the input that named it. Pure.
pub fn choose_in_lot(
    lot: &ReportLot,
    named: Option<&str>,
    valid: &[&str],
    reason: &str,
    field: &str,
    rule: &str,
) -> Result<Candidate, AppError> {
    let which = if lot.lot == 0 {
        "the tender".to_string()
    } else {
        format!("lot {}", lot.lot)
    };
    let chosen = match named {
        None => lot.candidates.first().cloned().ok_or_else(|| {
            AppError::invalid_field(
                FieldError::new(
                    field,
                    format!("the committee's signed report names no candidate for {which}"),
                )
                .because("award.no-candidate", serde_json::json!({})),
            )
        })?,
        Some(bid) => lot
            .candidates
            .iter()
            .find(|c| c.bid_id == bid)
            .cloned()
            .ok_or_else(|| {
                let listed: Vec<String> = lot
                    .candidates
                    .iter()
                    .map(|c| format!("{} {} ({})", c.rank, c.bidder, c.bid_id))
                    .collect();
                AppError::invalid_field(
                    FieldError::new(
                        field,
                        format!(
                            "{bid} is not a candidate for {which} in the committee's signed \
                             report (candidates: {}); the winner is taken from the report's \
                             candidates, never typed ({rule})",
                            if listed.is_empty() {
                                "none".to_string()
                            } else {
                                listed.join(", ")
                            }
                        ),
                    )
                    .because("award.not-candidate", serde_json::json!({ "bid": bid })),
                )
            })?,
    };
    if !valid.contains(&chosen.bid_id.as_str()) {
        return Err(AppError::invalid_field(
            FieldError::new(
                field,
                format!(
                    "{} was not read out as valid at the opening; only such a bid can win",
                    chosen.bid_id
                ),
            )
            .because(
                "award.not-valid-bid",
                serde_json::json!({ "bid": chosen.bid_id }),
            ),
        ));
    }
    if chosen.rank != 1 && reason.trim().is_empty() {
        return Err(AppError::invalid_field(
            FieldError::new(
                "reason",
                format!(
                    "say why the candidate ranked {} wins {which}: {rule}",
                    chosen.rank
                ),
            )
            .because(
                "award.reason-not-first",
                serde_json::json!({ "rank": chosen.rank }),
            ),
        ));
    }
    Ok(chosen)
}

/// The last instant construction candidates may be publicised: the end
/// (24:00 Beijing time) of the 3rd day after the day the report was
/// received (the day itself not counted, 民法典 第201条).
pub fn publicity_deadline(report_at: DateTime<Utc>) -> DateTime<Utc> {
    crate::calendar::end_of(
        crate::calendar::beijing_date(report_at) + Duration::days(PUBLICITY_WITHIN_DAYS - 1),
    )
}

/// Refuses a publicity after [`publicity_deadline`]. Pure.
pub fn check_publicity(report_at: DateTime<Utc>, now: DateTime<Utc>) -> Result<(), AppError> {
    let deadline = publicity_deadline(report_at);
    if now >= deadline {
        return Err(AppError::TimeLimit(format!(
            "the candidates had to be publicised within 3 days of the evaluation report \
             (signed {}), by {}: 招标投标法实施条例 第54条 \"招标人应当自收到评标报告之日起3日内\
             公示中标候选人\"",
            report_at.to_rfc3339(),
            deadline.to_rfc3339()
        ))
        .because(
            "tender.publicity-too-late",
            serde_json::json!({ "signed": time(report_at), "deadline": time(deadline) }),
        ));
    }
    Ok(())
}

/// The end of the purchaser's 5 working days after the report (87号令 第68条).
pub fn confirmation_deadline(
    calendar: &crate::calendar::Calendar,
    report_at: DateTime<Utc>,
) -> Result<DateTime<Utc>, AppError> {
    calendar.working_deadline(report_at, CONFIRMATION_WORKING_DAYS)
}

/// Refuses a purchaser's late award of another than the first candidate:
/// past the 5 working days the first stands (87号令 第68条). Pure.
pub fn check_confirmation(
    deadline: DateTime<Utc>,
    now: DateTime<Utc>,
    ranks: &[u32],
) -> Result<(), AppError> {
    if now >= deadline && ranks.iter().any(|r| *r != 1) {
        return Err(AppError::TimeLimit(format!(
            "the purchaser had 5 working days from the evaluation report, until {}, to confirm \
             another candidate; past them the first-ranked candidate stands (财政部令第87号 \
             第68条)",
            deadline.to_rfc3339()
        ))
        .because(
            "award.confirmation-over",
            serde_json::json!({ "deadline": time(deadline) }),
        ));
    }
    Ok(())
}

/// What the publicity says of one candidate's bid beyond the report: the
/// period and the quality terms the bidder committed to (its schedule).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BidTerms {
    pub duration_days: Option<i32>,
    /// The schedule's key terms (质量, 质保期, …), as "name: value".
    pub key_terms: Vec<String>,
}

/// 1234567 fen as "12345.67".
fn yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", fen.abs() / 100, fen.abs() % 100)
}

fn beijing_text(at: DateTime<Utc>) -> String {
    at.with_timezone(&crate::calendar::beijing())
        .format("%Y年%m月%d日 %H:%M")
        .to_string()
}

/// What a candidate publicity tells (see [`publicity_text`]).
pub struct Publicity<'a> {
    pub title: &'a str,
    pub reference: &'a str,
    pub tenderer: &'a str,
    pub report_sha256: &'a str,
    pub report_at: DateTime<Utc>,
    pub from: DateTime<Utc>,
    pub days: u32,
    pub lots: &'a [ReportLot],
    /// Per bid id.
    pub terms: &'a std::collections::BTreeMap<String, BidTerms>,
    /// What the tenderer adds, if anything.
    pub remark: &'a str,
}

/// The candidate publicity (中标候选人公示) generated from the signed
/// report, with what 《招标公告和公示信息发布管理办法》第6条 requires:
/// the candidates' ranking, names, bid prices, quality and period, the
/// evaluation, and how to object (条例 第54条). The project manager and the
/// qualifications each candidate committed to (第6条(二)(三)) are not held
/// by the platform. Pure.
pub fn publicity_text(p: &Publicity) -> String {
    let until = p.from + Duration::days(i64::from(p.days));
    let mut out = format!(
        "中标候选人公示\n项目：{}（招标编号 {}）\n招标人：{}\n评标情况：评标委员会已完成评审，\
         全体成员于{}签署评标报告（SHA-256 {}）。\n",
        p.title,
        p.reference,
        p.tenderer,
        beijing_text(p.report_at),
        p.report_sha256
    );
    for lot in p.lots {
        let name = match (&lot.title, lot.lot) {
            (_, 0) => "本项目".to_string(),
            (Some(t), n) => format!("第{n}标段（{t}）"),
            (None, n) => format!("第{n}标段"),
        };
        if lot.candidates.is_empty() {
            out.push_str(&format!("{name}：无中标候选人（本标段评标失败）。\n"));
            continue;
        }
        out.push_str(&format!("{name}：\n"));
        for c in &lot.candidates {
            let terms = p.terms.get(&c.bid_id).cloned().unwrap_or_default();
            let mut line = format!(
                "  第{}中标候选人：{}；投标报价 {} 元",
                c.rank,
                c.bidder,
                yuan(c.price_fen)
            );
            if let Some(corrected) = c.corrected_price_fen {
                line.push_str(&format!("（经投标人确认的修正价 {} 元）", yuan(corrected)));
            }
            line.push_str(&format!("；评标价 {} 元", yuan(c.evaluated_price_fen)));
            if let Some(total) = c.total {
                line.push_str(&format!("；综合得分 {total:.2}"));
            }
            if let Some(days) = terms.duration_days {
                line.push_str(&format!("；工期（交货期）{days} 日"));
            }
            if !terms.key_terms.is_empty() {
                line.push_str(&format!("；质量及承诺：{}", terms.key_terms.join("，")));
            }
            line.push('\n');
            out.push_str(&line);
        }
        if lot.rejected > 0 {
            out.push_str(&format!("  被否决的投标：{} 家。\n", lot.rejected));
        }
    }
    out.push_str(&format!(
        "公示期：{} 至 {}（不少于3日，招标投标法实施条例 第54条）。\n\
         异议：投标人或者其他利害关系人对评标结果有异议的，应当在中标候选人公示期间通过本平台向\
         招标人提出；招标人应当自收到异议之日起3日内作出答复，作出答复前暂停招标投标活动\
         （招标投标法实施条例 第54条）。\n\
         依据：《招标公告和公示信息发布管理办法》第六条。",
        beijing_text(p.from),
        beijing_text(until)
    ));
    if !p.remark.trim().is_empty() {
        out.push_str(&format!("\n招标人说明：{}", p.remark.trim()));
    }
    out
}

/// [`publicity_text`] as words (`publicity`), for the portal to say it in
/// the reader's language (`super::notice_words`): the same facts, amounts
/// in yuan as written, times as RFC 3339 instants. Pure.
pub fn publicity_words(p: &Publicity) -> super::notice_words::Said {
    use serde_json::json;
    let until = p.from + Duration::days(i64::from(p.days));
    let lots: Vec<Value> = p
        .lots
        .iter()
        .map(|lot| {
            let candidates: Vec<Value> = lot
                .candidates
                .iter()
                .map(|c| {
                    let terms = p.terms.get(&c.bid_id).cloned().unwrap_or_default();
                    let mut v = json!({
                        "rank": c.rank, "bidder": c.bidder, "price": yuan(c.price_fen),
                        "evaluated": yuan(c.evaluated_price_fen), "terms": terms.key_terms,
                    });
                    if let Some(corrected) = c.corrected_price_fen {
                        v["corrected"] = json!(yuan(corrected));
                    }
                    if let Some(total) = c.total {
                        v["total"] = json!(format!("{total:.2}"));
                    }
                    if let Some(days) = terms.duration_days {
                        v["days"] = json!(days);
                    }
                    v
                })
                .collect();
            json!({ "lot": lot.lot, "title": lot.title, "candidates": candidates, "rejected": lot.rejected })
        })
        .collect();
    super::notice_words::Said::new(
        "publicity",
        json!({
            "tender": p.title, "reference": p.reference, "tenderer": p.tenderer,
            "report_sha256": p.report_sha256, "report_at": p.report_at.to_rfc3339(),
            "from": p.from.to_rfc3339(), "until": until.to_rfc3339(), "days": p.days,
            "lots": lots, "remark": p.remark.trim(),
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use serde_json::json;

    fn report() -> Value {
        json!({"lots": [
            {"lot": 1, "title": "第一包", "failed": false,
             "bids": [
                {"label": "A", "bid_id": "b1", "price_fen": 100, "corrected_price_fen": null, "evaluated_price_fen": 100},
                {"label": "B", "bid_id": "b2", "price_fen": 90, "corrected_price_fen": 95, "evaluated_price_fen": 95},
                {"label": "C", "bid_id": "b3", "price_fen": 80, "corrected_price_fen": null, "evaluated_price_fen": 76},
                {"label": "D", "bid_id": "b4", "price_fen": 70, "evaluated_price_fen": 70}],
             "rejected": [{"label": "D"}],
             "candidates": [
                {"rank": 2, "label": "B", "bid_id": "b2", "bidder": "乙", "total": 88.5},
                {"rank": 1, "label": "C", "bid_id": "b3", "bidder": "丙", "total": 90.0},
                {"rank": 3, "label": "A", "bid_id": "b1", "bidder": "甲", "total": 80.0}]},
            {"lot": 2, "title": "第二包", "failed": true, "bids": [], "rejected": [], "candidates": []}
        ]})
    }

    #[test]
    fn the_reports_lots_give_ranked_candidates_with_their_prices() {
        let lots = report_lots(&report());
        assert_eq!(lots.len(), 2);
        let ranks: Vec<u32> = lots[0].candidates.iter().map(|c| c.rank).collect();
        assert_eq!(ranks, [1, 2, 3]);
        assert_eq!(lots[0].candidates[0].bid_id, "b3");
        assert_eq!(lots[0].rejected, 1);
        assert!(lots[1].failed && lots[1].candidates.is_empty());
        // The value: corrected and confirmed, else as read out; never the
        // evaluated price (b3's SME deduction).
        assert_eq!(lots[0].candidates[0].value_fen(), 80);
        assert_eq!(lots[0].candidates[1].value_fen(), 95);
        assert!(report_lots(&json!({})).is_empty());
    }

    fn field_of(err: AppError) -> String {
        match err {
            AppError::Validation { errors, .. } => errors[0].field.clone(),
            other => panic!("not a validation error: {other:?}"),
        }
    }

    #[test]
    fn only_the_reports_candidates_win_and_another_than_the_first_needs_a_reason() {
        let lots = report_lots(&report());
        let valid = ["b1", "b2", "b3", "b4"];
        let c = choose_in_lot(&lots[0], None, &valid, "", "winner_bid_id", "rule").unwrap();
        assert_eq!((c.bid_id.as_str(), c.rank), ("b3", 1));
        // A bid of the tender, valid, but not a candidate: refused.
        let err = choose_in_lot(
            &lots[0],
            Some("b4"),
            &valid,
            "理由",
            "lots[0].winner_bid_id",
            "R",
        )
        .unwrap_err();
        assert!(err.to_string().contains("not a candidate"), "{err}");
        let AppError::Validation { errors, .. } = &err else {
            panic!("{err:?}");
        };
        assert_eq!(errors[0].rule, Some("award.not-candidate"));
        assert_eq!(errors[0].params, Some(serde_json::json!({ "bid": "b4" })));
        assert_eq!(field_of(err), "lots[0].winner_bid_id");
        let err = choose_in_lot(&lots[0], Some("b2"), &valid, " ", "f", "第55条").unwrap_err();
        assert!(err.to_string().contains("第55条"), "{err}");
        assert_eq!(field_of(err), "reason");
        let c = choose_in_lot(&lots[0], Some("b2"), &valid, "第一名放弃", "f", "r").unwrap();
        assert_eq!(c.rank, 2);
        // Not valid at the opening (should never be a candidate): refused.
        assert_eq!(
            field_of(choose_in_lot(&lots[0], None, &["b1"], "", "f", "r").unwrap_err()),
            "f"
        );
        // A failed lot has no winner.
        assert_eq!(
            field_of(choose_in_lot(&lots[1], None, &valid, "", "g", "r").unwrap_err()),
            "g"
        );
    }

    #[test]
    fn publicity_is_due_by_the_end_of_the_third_day_after_the_report() {
        // Signed 2027-03-01 10:00 Beijing (02:00 UTC): publicise by 03-03 24:00.
        let signed = Utc.with_ymd_and_hms(2027, 3, 1, 2, 0, 0).unwrap();
        let deadline = publicity_deadline(signed);
        assert_eq!(
            deadline,
            Utc.with_ymd_and_hms(2027, 3, 3, 16, 0, 0).unwrap()
        );
        assert!(check_publicity(signed, deadline - Duration::seconds(1)).is_ok());
        let err = check_publicity(signed, deadline).unwrap_err();
        assert!(matches!(err.base(), AppError::TimeLimit(_)));
        assert_eq!(
            err.reason().map(|(r, p)| (r, p["deadline"].clone())),
            Some((
                "tender.publicity-too-late",
                "2027-03-04T00:00:00+08:00".into()
            ))
        );
        assert!(err.to_string().contains("第54条"), "{err}");
    }

    #[test]
    fn past_five_working_days_only_the_first_may_be_confirmed() {
        let calendar = crate::calendar::Calendar::shipped();
        // A report on Friday 2026-09-25: the 5 working days run past the
        // National Day holidays (1–8 Oct), whatever make-up days the
        // shipped calendar has.
        let signed = Utc.with_ymd_and_hms(2026, 9, 25, 2, 0, 0).unwrap();
        let deadline = confirmation_deadline(&calendar, signed).unwrap();
        let last = crate::calendar::beijing_date(deadline - Duration::seconds(1));
        assert_eq!(
            calendar
                .working_days_between(signed, deadline - Duration::seconds(1))
                .unwrap(),
            5,
            "{last}"
        );
        assert!(
            last > chrono::NaiveDate::from_ymd_opt(2026, 10, 8).unwrap(),
            "{last}"
        );
        assert!(check_confirmation(deadline, deadline - Duration::seconds(1), &[2]).is_ok());
        assert!(check_confirmation(deadline, deadline, &[1, 1]).is_ok());
        let err = check_confirmation(deadline, deadline, &[1, 2]).unwrap_err();
        assert!(err.to_string().contains("第68条"), "{err}");
    }

    #[test]
    fn the_publicity_names_ranking_prices_terms_and_how_to_object() {
        let lots = report_lots(&report());
        let mut terms = std::collections::BTreeMap::new();
        terms.insert(
            "b3".to_string(),
            BidTerms {
                duration_days: Some(90),
                key_terms: vec!["质保期: 3 年".into()],
            },
        );
        let at = Utc.with_ymd_and_hms(2027, 3, 1, 2, 0, 0).unwrap();
        let text = publicity_text(&Publicity {
            title: "某工程",
            reference: "NNG-2027-0001",
            tenderer: "某局",
            report_sha256: "ab",
            report_at: at,
            from: at + Duration::hours(1),
            days: 3,
            lots: &lots,
            terms: &terms,
            remark: "",
        });
        for part in [
            "第1标段（第一包）",
            "第1中标候选人：丙；投标报价 0.80 元",
            "经投标人确认的修正价 0.95 元",
            "工期（交货期）90 日",
            "质保期: 3 年",
            "综合得分 90.00",
            "被否决的投标：1 家",
            "第2标段（第二包）：无中标候选人",
            "2027年03月01日 11:00 至 2027年03月04日 11:00",
            "异议",
            "第54条",
            "第六条",
        ] {
            assert!(text.contains(part), "{part}: {text}");
        }
    }
}
