//! What the platform itself writes in a notice, as a key and its params
//! beside the Chinese text (pure).
//!
//! A notice has a title and a body. Some are written by people (a tender's
//! title and description, an amendment, a cancellation's reason) and are
//! published as written; others are the platform's sentences ("<tender> —
//! 开标记录", "开标完成：开启投标文件 3 份……"). Those are made here, once,
//! as a [`Written`]: the Chinese text that is stored, published and put in
//! the open data, and the [`NoticeWords`] (a key and its params per part)
//! from which the portal says the same in the reader's language
//! (`frontend/src/i18n/messages/notices.ts`, `notice.words.*`). People's
//! text inside a sentence (a reason, a question) is a param, kept as
//! written.
//!
//! Notices stored before the words were kept carry none: [`derive`] reads
//! their words back from the text the platform wrote then (its patterns
//! were fixed), at read time, so old and new notices are shown alike on
//! SQLite and PostgreSQL without rewriting published rows.

use super::model::{Category, NoticeKind};
use super::vocabulary::{notice_name_zh, term_zh};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

/// One part of a notice in words: a message key and its params.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Said {
    /// `kind`, `clarification`, `opening_record`, `complaint_refused`,
    /// `suspended`, `resumed`, `contract` (titles); `clarification`,
    /// `opening_record`, `suspended`, `resumed`, `contract` (bodies).
    pub key: String,
    /// Numbers, codes and people's text (as written).
    #[schema(value_type = Object)]
    pub params: Map<String, Value>,
}

/// The parts of a notice the platform wrote; a part absent was written by
/// people (or is text without a key) and is shown as stored.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct NoticeWords {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<Said>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<Said>,
}

impl NoticeWords {
    pub fn is_empty(&self) -> bool {
        self.title.is_none() && self.body.is_none()
    }
}

/// A notice as the platform writes it: Chinese text and its words.
#[derive(Debug, Clone, PartialEq)]
pub struct Written {
    pub title: String,
    pub body: String,
    pub words: NoticeWords,
}

impl Said {
    /// A key and its params (an object; anything else is no params).
    pub fn new(key: &str, params: Value) -> Said {
        Said {
            key: key.into(),
            params: match params {
                Value::Object(m) => m,
                _ => Map::new(),
            },
        }
    }
}

fn said(key: &str, params: Value) -> Option<Said> {
    Some(Said::new(key, params))
}

/// A notice of a tender's transition (开标公告, 流标公告, …) titled by its
/// kind in the category's words; the body is the organiser's reason.
pub fn transition(category: Category, kind: NoticeKind, tender: &str, reason: &str) -> Written {
    Written {
        title: format!("{tender} — {}", notice_name_zh(category, kind)),
        body: reason.to_string(),
        words: NoticeWords {
            title: said("kind", json!({ "tender": tender, "kind": kind.code() })),
            body: None,
        },
    }
}

/// An answered clarification, published to all (招标投标法 第23条; the
/// asker is never named).
pub fn clarification(tender: &str, number: i32, question: &str, answer: &str) -> Written {
    Written {
        title: format!("{tender} — 澄清 第{number}号"),
        body: format!("问：{question}\n答：{answer}"),
        words: NoticeWords {
            title: said(
                "clarification",
                json!({ "tender": tender, "number": number }),
            ),
            body: said(
                "clarification",
                json!({ "question": question, "answer": answer }),
            ),
        },
    }
}

/// How an opening ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OpeningResult {
    Proceeds,
    /// Fewer valid bids than `minimum` (the article in `basis`).
    Fails {
        minimum: i64,
        basis: String,
    },
}

/// The opening record's notice (招标投标法 第36条).
pub fn opening_record(
    category: Category,
    tender: &str,
    opened: usize,
    valid: usize,
    result: &OpeningResult,
) -> Written {
    // The category's words (`super::vocabulary`): 开标完成 / 报价开启完成, …
    let (done, files) = (term_zh(category, "openingDone"), term_zh(category, "bids"));
    let (outcome, mut params) = match result {
        OpeningResult::Proceeds => (
            term_zh(category, "afterOpening").to_string(),
            json!({ "result": "proceeds" }),
        ),
        OpeningResult::Fails { minimum, basis } => (
            format!("有效{files}不足 {minimum} 份，本项目失败（{basis}）"),
            json!({ "result": "fails", "minimum": minimum, "basis": basis }),
        ),
    };
    if let Value::Object(m) = &mut params {
        m.insert("opened".into(), json!(opened));
        m.insert("valid".into(), json!(valid));
        m.insert("category".into(), json!(category.code()));
    }
    Written {
        title: format!("{tender} — {}", term_zh(category, "openingRecord")),
        body: format!("{done}：开启{files} {opened} 份，有效 {valid} 份；{outcome}。"),
        words: NoticeWords {
            title: said(
                "opening_record",
                json!({ "tender": tender, "category": category.code() }),
            ),
            body: said("opening_record", params),
        },
    }
}

/// A complaint not accepted: a decision too, published with its reason.
pub fn complaint_refused(tender: &str, reason: &str) -> Written {
    Written {
        title: format!("{tender} — 投诉不予受理"),
        body: reason.to_string(),
        words: NoticeWords {
            title: said("complaint_refused", json!({ "tender": tender })),
            body: None,
        },
    }
}

/// A procedure suspended while a complaint is handled (政府采购法 第57条),
/// `until` a Beijing date if the supervisor set one.
pub fn suspended(tender: &str, until: Option<&str>, reason: &str) -> Written {
    Written {
        title: format!("{tender} — 暂停"),
        body: format!(
            "行政监督部门处理投诉期间，暂停本项目{}：{reason}",
            until.map(|u| format!("（至{u}）")).unwrap_or_default()
        ),
        words: NoticeWords {
            title: said("suspended", json!({ "tender": tender })),
            body: said(
                "suspended",
                match until {
                    Some(u) => json!({ "until": u, "reason": reason }),
                    None => json!({ "reason": reason }),
                },
            ),
        },
    }
}

/// The reason the platform gives when a procedure resumes because the
/// complaint was decided (`objections::store::decide`).
pub const COMPLAINT_DECIDED: &str = "投诉处理决定已作出";

/// A suspended procedure resumed.
pub fn resumed(tender: &str, reason: &str) -> Written {
    Written {
        title: format!("{tender} — 恢复"),
        body: format!("行政监督部门决定恢复本项目：{reason}"),
        words: NoticeWords {
            title: said("resumed", json!({ "tender": tender })),
            body: said("resumed", resumed_params(reason)),
        },
    }
}

fn resumed_params(reason: &str) -> Value {
    if reason == COMPLAINT_DECIDED {
        json!({ "reason": reason, "decided": true })
    } else {
        json!({ "reason": reason })
    }
}

/// A complaint's decision (政府采购法 第56条; 招标投标法实施条例 第61条):
/// `regime` is `tendering` (异议) or `procurement` (质疑), `subject` the
/// objection's subject code, `decision` the supervisor's words.
pub fn complaint_decided(
    category: Category,
    tender: &str,
    regime: &str,
    subject: &str,
    decision: &str,
    upheld: bool,
) -> Written {
    let word = if regime == "procurement" {
        "质疑"
    } else {
        "异议"
    };
    let mut w = transition(
        category,
        NoticeKind::ComplaintDecision,
        tender,
        &format!(
            "关于本项目{word}事项（{subject}）的投诉，处理决定如下：{decision}\n投诉{}。",
            if upheld { "成立" } else { "不成立" }
        ),
    );
    w.words.body = said(
        "complaint_decision",
        json!({ "regime": regime, "subject": subject, "decision": decision, "upheld": upheld }),
    );
    w
}

/// The words of a failure's reason the platform wrote from the minimum
/// number of bids (`limits::MinimumBids::not_opened_reason`,
/// `too_few_valid_reason`): `not_opened` or `too_few_valid`, with the
/// numbers and the rule's basis; `None` for a reason people wrote.
pub fn failure_reason(body: &str) -> Option<Said> {
    if let Some(rest) = body.strip_prefix("投标截止时投标人不足") {
        let (bids, rest) = rest.split_once("家（")?;
        let (bidders, rest) = rest.split_once(" 家）")?;
        let (_, basis) = rest.split_once(" 依据 Basis: ")?;
        return said(
            "not_opened",
            json!({ "bids": bids.parse::<u64>().ok()?, "bidders": bidders.parse::<u64>().ok()?, "basis": basis }),
        );
    }
    if let Some(rest) = body.strip_prefix("资格审查合格投标人不足") {
        let (bids, rest) = rest.split_once("家（")?;
        let (qualified, rest) = rest.split_once(" 家）")?;
        let (_, basis) = rest.split_once(" 依据 Basis: ")?;
        return said(
            "not_qualified",
            json!({ "bids": bids.parse::<u64>().ok()?, "qualified": qualified.parse::<u64>().ok()?, "basis": basis }),
        );
    }
    let rest = body.strip_prefix("开标有效投标不足")?;
    let (bids, rest) = rest.split_once("家（")?;
    let (valid, rest) = rest.split_once(" 家）")?;
    let (_, basis) = rest.split_once(" 依据 Basis: ")?;
    said(
        "too_few_valid",
        json!({ "bids": bids.parse::<u64>().ok()?, "valid": valid.parse::<u64>().ok()?, "basis": basis }),
    )
}

/// The words of an award notice's body (`award::result_text`, with the
/// committee's names government procurement adds), read back from its
/// text: for notices published before these words were kept.
fn award_body(body: &str) -> Option<Said> {
    let rest = body.strip_prefix("中标结果：\n")?;
    let (rest, experts) = match rest.split_once("评审专家名单（评标委员会成员）：")
    {
        Some((r, e)) => (r.trim_end_matches('\n'), Some(e)),
        None => (rest, None),
    };
    let mut lots = Vec::new();
    let mut reason = Vec::new();
    for line in rest.split('\n') {
        let lot_line = line
            .strip_prefix("本项目：中标人 ")
            .map(|r| (0u64, r))
            .or_else(|| {
                let r = line.strip_prefix('第')?;
                let (n, r) = r.split_once("标段：中标人 ")?;
                Some((n.parse().ok()?, r))
            });
        let Some((lot, r)) = lot_line.filter(|_| reason.is_empty()) else {
            reason.push(line);
            continue;
        };
        let (winner, r) = r.rsplit_once("，中标价 ")?;
        let (value, r) = r.split_once(" 元")?;
        let mut l = json!({ "lot": lot, "winner": winner, "value": value });
        let r = match r.strip_prefix("（评标报告排名第") {
            Some(x) => {
                let (rank, x) = x.split_once('）')?;
                l["rank"] = json!(rank.parse::<u64>().ok()?);
                x
            }
            None => r,
        };
        if let Some(why) = r.strip_prefix("；理由：") {
            l["reason"] = json!(why);
        } else if !r.is_empty() {
            return None;
        }
        lots.push(l);
    }
    if lots.is_empty() {
        return None;
    }
    let reason = reason.join("\n");
    let mut params = json!({ "lots": lots, "reason": reason });
    if reason == super::default_award::REASON {
        params["standing"] = json!(true);
    }
    if let Some(e) = experts {
        params["experts"] = json!(e.split('、').collect::<Vec<_>>());
    }
    said("award", params)
}

/// The words of a body the platform wrote that a kind's notice may carry
/// (an award's result, a failure's reason from the minimum number of
/// bids), read back from its text; `None` for people's text.
pub fn derive_body(kind: NoticeKind, body: &str) -> Option<Said> {
    match kind {
        NoticeKind::Award => award_body(body),
        NoticeKind::Failure => failure_reason(body),
        NoticeKind::ComplaintDecision => complaint_decision_body(body),
        _ => None,
    }
}

fn complaint_decision_body(body: &str) -> Option<Said> {
    let rest = body.strip_prefix("关于本项目")?;
    let (regime, rest) = if let Some(r) = rest.strip_prefix("质疑事项（") {
        ("procurement", r)
    } else {
        ("tendering", rest.strip_prefix("异议事项（")?)
    };
    let (subject, rest) = rest.split_once("）的投诉，处理决定如下：")?;
    let (decision, upheld) = if let Some(d) = rest.strip_suffix("\n投诉成立。") {
        (d, true)
    } else {
        (rest.strip_suffix("\n投诉不成立。")?, false)
    };
    said(
        "complaint_decision",
        json!({ "regime": regime, "subject": subject, "decision": decision, "upheld": upheld }),
    )
}

/// The facts a contract's notice states (政府采购法实施条例 第50条).
pub struct ContractFacts<'a> {
    pub title: &'a str,
    pub purchaser: &'a str,
    pub supplier: &'a str,
    /// The Beijing date it was signed, `YYYY-MM-DD`.
    pub date: &'a str,
    /// The amount in yuan, as written in the notice (`1234.56`).
    pub amount: &'a str,
    pub currency: &'a str,
}

/// A signed contract's notice.
pub fn contract(category: Category, c: &ContractFacts<'_>) -> Written {
    Written {
        title: format!(
            "{}：{}",
            notice_name_zh(category, NoticeKind::Contract),
            c.title
        ),
        body: format!(
            "{}与{}于{}签订合同，合同金额 {} 元。",
            c.purchaser, c.supplier, c.date, c.amount
        ),
        words: NoticeWords {
            title: said(
                "contract",
                json!({ "contract": c.title, "category": category.code() }),
            ),
            body: said(
                "contract",
                json!({
                    "purchaser": c.purchaser, "supplier": c.supplier, "date": c.date,
                    "amount": c.amount, "currency": c.currency,
                }),
            ),
        },
    }
}

/// The words of a notice stored without them, read back from the text the
/// platform wrote before they were kept (a part it cannot recognise is
/// people's text, shown as stored). `tender` is the tender's title.
pub fn derive(
    category: Category,
    kind: NoticeKind,
    tender: &str,
    title: &str,
    body: &str,
) -> NoticeWords {
    let mut words = NoticeWords::default();
    let Some(rest) = title
        .strip_prefix(tender)
        .and_then(|r| r.strip_prefix(" — "))
    else {
        if let Some(c) = title.strip_prefix("合同公告：") {
            words.title = said(
                "contract",
                json!({ "contract": c, "category": category.code() }),
            );
        }
        return words;
    };
    if rest == kind.name_zh() || rest == notice_name_zh(category, kind) {
        words.title = said("kind", json!({ "tender": tender, "kind": kind.code() }));
    } else if let Some(n) = rest
        .strip_prefix("澄清 / clarification ")
        .and_then(|n| n.parse::<i32>().ok())
    {
        words.title = said("clarification", json!({ "tender": tender, "number": n }));
        if let Some((q, a)) = body
            .strip_prefix("问 Q: ")
            .and_then(|b| b.split_once("\n答 A: "))
        {
            words.body = said("clarification", json!({ "question": q, "answer": a }));
        }
    } else if rest == "开标记录 / opening record" {
        words.title = said(
            "opening_record",
            json!({ "tender": tender, "category": category.code() }),
        );
        words.body = legacy_opening_body(category, body);
    } else if rest == "投诉不予受理" {
        words.title = said("complaint_refused", json!({ "tender": tender }));
    } else if rest == "暂停" {
        words.title = said("suspended", json!({ "tender": tender }));
        if let Some(b) = body.strip_prefix("行政监督部门处理投诉期间，暂停本项目")
        {
            let (until, reason) = match b.strip_prefix("（至").and_then(|r| r.split_once("）："))
            {
                Some((u, r)) => (Some(u), r),
                None => (None, b.strip_prefix('：').unwrap_or(b)),
            };
            words.body = said(
                "suspended",
                match until {
                    Some(u) => json!({ "until": u, "reason": reason }),
                    None => json!({ "reason": reason }),
                },
            );
        }
    } else if rest == "恢复" {
        words.title = said("resumed", json!({ "tender": tender }));
        if let Some(r) = body.strip_prefix("行政监督部门决定恢复本项目：") {
            words.body = said("resumed", resumed_params(r));
        }
    }
    if words.body.is_none() {
        words.body = derive_body(kind, body);
    }
    words
}

/// "开标完成：开启投标文件 N 份，有效 M 份。The opening is complete: … the
/// procedure proceeds to evaluation | fails: M valid bid(s), fewer than K
/// (basis)."
fn legacy_opening_body(category: Category, body: &str) -> Option<Said> {
    let rest = body.strip_prefix("开标完成：开启投标文件 ")?;
    let (opened, rest) = rest.split_once(" 份，有效 ")?;
    let (valid, rest) = rest.split_once(" 份。")?;
    let (opened, valid) = (opened.parse::<u64>().ok()?, valid.parse::<u64>().ok()?);
    let (_, result) = rest.split_once("; the procedure ")?;
    let result = result.strip_suffix('.').unwrap_or(result);
    let mut params = json!({ "opened": opened, "valid": valid, "category": category.code() });
    if result == "proceeds to evaluation" {
        params["result"] = json!("proceeds");
    } else {
        let (_, after) = result.split_once("fewer than ")?;
        let (minimum, basis) = after.split_once(" (")?;
        params["result"] = json!("fails");
        params["minimum"] = json!(minimum.parse::<u64>().ok()?);
        params["basis"] = json!(basis.strip_suffix(')').unwrap_or(basis));
    }
    said("opening_record", params)
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: &str = "南宁市道路工程";

    /// What the platform wrote before the words were kept is read back to
    /// the same words it writes now.
    #[test]
    fn legacy_texts_derive_the_words_written_now() {
        let c = Category::EngineeringConstruction;
        let now = transition(c, NoticeKind::Failure, T, "有效投标不足");
        let old = derive(
            c,
            NoticeKind::Failure,
            T,
            &format!("{T} — 流标公告"),
            "有效投标不足",
        );
        assert_eq!(old, now.words);

        let now = clarification(T, 2, "工期？", "180 天");
        let old = derive(
            c,
            NoticeKind::Clarification,
            T,
            &format!("{T} — 澄清 / clarification 2"),
            "问 Q: 工期？\n答 A: 180 天",
        );
        assert_eq!(old, now.words);

        let now = opening_record(c, T, 4, 3, &OpeningResult::Proceeds);
        let old = derive(
            c,
            NoticeKind::Opening,
            T,
            &format!("{T} — 开标记录 / opening record"),
            "开标完成：开启投标文件 4 份，有效 3 份。The opening is complete: 4 bid(s) opened, \
             3 valid; the procedure proceeds to evaluation.",
        );
        assert_eq!(old, now.words);

        let fails = OpeningResult::Fails {
            minimum: 3,
            basis: "招标投标法实施条例 第44条".into(),
        };
        let now = opening_record(c, T, 2, 2, &fails);
        let old = derive(
            c,
            NoticeKind::Opening,
            T,
            &format!("{T} — 开标记录 / opening record"),
            "开标完成：开启投标文件 2 份，有效 2 份。The opening is complete: 2 bid(s) opened, \
             2 valid; the procedure fails: 2 valid bid(s), fewer than 3 (招标投标法实施条例 第44条).",
        );
        assert_eq!(old, now.words);

        let now = suspended(T, Some("2026-12-20"), "调查取证");
        let old = derive(c, NoticeKind::Suspension, T, &now.title, &now.body);
        assert_eq!(old, now.words);
        let now = suspended(T, None, "调查取证");
        assert_eq!(
            derive(c, NoticeKind::Suspension, T, &now.title, &now.body),
            now.words
        );
        let now = resumed(T, "已作出决定");
        assert_eq!(
            derive(c, NoticeKind::Suspension, T, &now.title, &now.body),
            now.words
        );
        let now = complaint_refused(T, "超过期限");
        assert_eq!(
            derive(c, NoticeKind::ComplaintDecision, T, &now.title, &now.body),
            now.words
        );
    }

    /// A title and body written by people have no words.
    #[test]
    fn people_s_text_has_no_words() {
        let c = Category::LandMiningRights;
        assert!(derive(c, NoticeKind::Tender, T, T, "出让宗地位于……").is_empty());
        assert!(derive(c, NoticeKind::Amendment, T, "关于起始价的补充公告", "……").is_empty());
        // A title merely starting with the tender's title is not the platform's.
        assert!(
            derive(
                c,
                NoticeKind::Amendment,
                T,
                &format!("{T} — 第二次补充"),
                ""
            )
            .is_empty()
        );
    }

    /// The failure reasons the minimum number of bids gives are the
    /// platform's: their numbers and basis are read back as words.
    #[test]
    fn failure_reasons_from_the_minimum_are_words() {
        use crate::tenders::limits::MinimumBids;
        let rule = MinimumBids::AtLeast {
            bids: 3,
            before_opening: true,
            basis: "政府采购法实施条例 第X条",
            valid_basis: "财政部令第87号 第Y条",
        };
        let w = failure_reason(&rule.not_opened_reason(2).unwrap()).unwrap();
        assert_eq!(w.key, "not_opened");
        assert_eq!(
            Value::Object(w.params),
            json!({ "bids": 3, "bidders": 2, "basis": "政府采购法实施条例 第X条" })
        );
        let w = failure_reason(&rule.too_few_valid_reason(1).unwrap()).unwrap();
        assert_eq!(w.key, "too_few_valid");
        assert_eq!(
            Value::Object(w.params),
            json!({ "bids": 3, "valid": 1, "basis": "财政部令第87号 第Y条" })
        );
        assert!(failure_reason("招标人决定终止").is_none());
        let w = failure_reason(
            "资格审查合格投标人不足3家（2 家），不得评标，本次采购失败。Fewer than 3 bidders \
             qualified in the qualification review (2): the bids are not evaluated and the \
             procedure fails. 依据 Basis: 财政部令第87号 第44条",
        )
        .unwrap();
        assert_eq!(
            (w.key.as_str(), Value::Object(w.params)),
            (
                "not_qualified",
                json!({ "bids": 3, "qualified": 2, "basis": "财政部令第87号 第44条" })
            )
        );
        // Read back for a failure notice stored with its title's words only.
        let d = derive(
            Category::GovernmentProcurement,
            NoticeKind::Failure,
            T,
            &format!("{T} — 废标公告"),
            &rule.too_few_valid_reason(1).unwrap(),
        );
        assert_eq!(d.body.unwrap().key, "too_few_valid");
    }

    /// An award's result and a complaint's decision, as written then, are
    /// read back to the words written now.
    #[test]
    fn award_and_decision_bodies_derive_the_words_written_now() {
        use crate::tenders::award::{Award, Bidder, LotAward, result_text, result_words};
        let bidder = |n: &str| Bidder {
            organisation_id: n.into(),
            name: n.into(),
            credit_code: None,
            bid_id: format!("b-{n}"),
        };
        let award = Award {
            winner: bidder("甲公司"),
            rank_in_report: Some(1),
            report_sha256: None,
            decided_by: "organiser",
            lots: vec![
                LotAward {
                    lot: 1,
                    winner: bidder("甲公司"),
                    rank_in_report: Some(1),
                    value_fen: 123_456,
                    reason: String::new(),
                },
                LotAward {
                    lot: 2,
                    winner: bidder("乙公司，有限"),
                    rank_in_report: None,
                    value_fen: 700,
                    reason: "第一名放弃".into(),
                },
            ],
            others: vec![],
        };
        let text = result_text(&award, "依评标报告确定");
        let now = result_words(&award, "依评标报告确定");
        assert_eq!(derive_body(NoticeKind::Award, &text), Some(now.clone()));
        assert_eq!(now.params["lots"][1]["value"], json!("7.00"));
        assert_eq!(now.params["lots"][1]["reason"], json!("第一名放弃"));

        let with = format!("{text}\n评审专家名单（评标委员会成员）：张三、李四");
        let d = derive_body(NoticeKind::Award, &with).unwrap();
        assert_eq!(d.params["experts"], json!(["张三", "李四"]));
        assert_eq!(d.params["reason"], json!("依评标报告确定"));

        let c = Category::GovernmentProcurement;
        for upheld in [true, false] {
            let now = complaint_decided(c, T, "procurement", "result", "责令重新评审", upheld);
            assert_eq!(
                derive(c, NoticeKind::ComplaintDecision, T, &now.title, &now.body),
                now.words
            );
        }
        assert!(derive_body(NoticeKind::Award, "招标人说明").is_none());
    }

    #[test]
    fn land_and_property_notices_speak_their_words() {
        let w = transition(Category::LandMiningRights, NoticeKind::Award, T, "");
        assert_eq!(w.title, format!("{T} — 出让结果公告"));
        let w = opening_record(
            Category::StateOwnedProperty,
            T,
            2,
            2,
            &OpeningResult::Proceeds,
        );
        assert!(
            !w.title.contains("开标") && !w.body.contains("投标"),
            "{w:?}"
        );
        // New rows name their category's words; they are read back too.
        let old = derive(
            Category::LandMiningRights,
            NoticeKind::Award,
            T,
            &format!("{T} — 中标结果公告"),
            "",
        );
        assert_eq!(old.title.unwrap().key, "kind");
    }
}
