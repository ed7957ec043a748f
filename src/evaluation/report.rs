//! The evaluation report as a printable HTML page (the JSON is the room's
//! [`super::room::State::report`], whose SHA-256 the members sign). Pure.

use serde_json::Value;
use std::fmt::Write;

fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => esc(s),
        Value::Null => "—".into(),
        other => esc(&other.to_string()),
    }
}

fn yuan(fen: &Value) -> String {
    fen.as_i64()
        .map_or("—".into(), |f| format!("{}.{:02}", f / 100, f % 100))
}

/// The page: committee, bids with each criterion's mean and the totals,
/// the ranking, flags, clarifications, the report's SHA-256 and who signed
/// (with any dissent).
pub fn html(tender_title: &str, report: &Value, sha256: &str, signatures: &[Value]) -> String {
    let mut h = String::new();
    let _ = write!(
        h,
        "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>评标报告 {t}</title>\
         <style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse;margin:1em 0}}\
         td,th{{border:1px solid #444;padding:.3em .6em;text-align:left}}code{{word-break:break-all}}\
         @media print{{a{{color:inherit}}}}</style></head><body>\
         <h1>评标报告 Evaluation report</h1><p>{t}</p><p>Tender <code>{id}</code></p>",
        t = esc(tender_title),
        id = text(&report["tender_id"]),
    );
    h.push_str("<h2>评标委员会 Committee</h2><table><tr><th>Expert</th><th>League</th><th>Venue</th><th></th></tr>");
    for m in report["members"].as_array().into_iter().flatten() {
        let role = if m["chair"] == true {
            "chair 组长"
        } else if m["recused"] == true {
            "recused 回避"
        } else {
            ""
        };
        let _ = write!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            text(&m["name"]),
            text(&m["league"]),
            text(&m["venue"]),
            role
        );
    }
    h.push_str("</table>");
    for lot in report["lots"].as_array().into_iter().flatten() {
        let _ = write!(
            h,
            "<h2>{} — {}</h2><p>{}</p>",
            if lot["lot"] == 0 {
                "评审结果 Result".to_string()
            } else {
                format!("第 {} 包 Lot {}", text(&lot["lot"]), text(&lot["lot"]))
            },
            text(&lot["title"]),
            text(&lot["method"])
        );
        let criteria: Vec<String> = lot["evaluation"]["criteria"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|c| c["code"].as_str().unwrap_or_default().to_string())
            .collect();
        h.push_str(
            "<table><tr><th>Bid</th><th>Bidder</th><th>Price (yuan)</th><th>Evaluated (yuan)</th>",
        );
        for c in &criteria {
            let _ = write!(h, "<th>{}</th>", esc(c));
        }
        h.push_str("<th>Total</th></tr>");
        for b in lot["bids"].as_array().into_iter().flatten() {
            let _ = write!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td>",
                text(&b["label"]),
                text(&b["bidder"]),
                yuan(&b["price_fen"]),
                yuan(&b["evaluated_price_fen"])
            );
            for c in &criteria {
                let _ = write!(h, "<td>{}</td>", text(&b["criteria"][c]));
            }
            let total = if b["rejected"] == true {
                "否决 rejected".to_string()
            } else {
                text(&b["total"])
            };
            let _ = write!(h, "<td><b>{total}</b></td></tr>");
        }
        h.push_str("</table>");
        let rejected = lot["rejected"].as_array().cloned().unwrap_or_default();
        if !rejected.is_empty() {
            h.push_str("<h3>否决投标 Rejected bids</h3><ul>");
            for r in &rejected {
                let _ = write!(
                    h,
                    "<li>Bid {} ({}): {} [{}] — {}</li>",
                    text(&r["label"]),
                    text(&r["bidder"]),
                    text(&r["ground_text"]),
                    text(&r["basis"]),
                    text(&r["detail"])
                );
            }
            h.push_str("</ul>");
        }
        match lot["failed"].as_str() {
            Some(why) => {
                let _ = write!(h, "<p><b>本包失败 The lot fails:</b> {}</p>", esc(why));
            }
            None => {
                h.push_str("<h3>中标候选人 Candidates</h3><ol>");
                for r in lot["candidates"].as_array().into_iter().flatten() {
                    let _ = write!(
                        h,
                        "<li>Bid {} — {} — {} — {} yuan</li>",
                        text(&r["label"]),
                        text(&r["bidder"]),
                        text(&r["total"]),
                        yuan(&r["evaluated_price_fen"])
                    );
                }
                h.push_str("</ol>");
            }
        }
    }
    let flags = report["flags"].as_array().cloned().unwrap_or_default();
    if !flags.is_empty() {
        h.push_str("<h2>偏离提示 Scores flagged far from the others</h2><ul>");
        for f in &flags {
            let _ = write!(
                h,
                "<li>{} · bid {} · {}</li>",
                text(&f["expert"]),
                text(&f["bid"]),
                text(&f["criterion"])
            );
        }
        h.push_str("</ul>");
    }
    let clarifications = report["clarifications"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    if !clarifications.is_empty() {
        h.push_str("<h2>澄清 Clarifications</h2><ul>");
        for c in &clarifications {
            let _ = write!(
                h,
                "<li>Bid {}: {} — {}</li>",
                text(&c["bid"]),
                text(&c["question"]),
                text(&c["answer"])
            );
        }
        h.push_str("</ul>");
    }
    let _ = write!(
        h,
        "<h2>签署 Signatures</h2><p>SHA-256 of the report (canonical JSON): <code>{}</code></p><ul>",
        esc(sha256)
    );
    for s in signatures {
        let dissent = match s["dissent"].as_str() {
            Some(d) => format!(" — 保留意见 dissent: {}", esc(d)),
            None => String::new(),
        };
        let did = if s["refused"] == true {
            "refused to sign 拒签"
        } else {
            "signed"
        };
        let _ = write!(h, "<li>{} {did}{}</li>", text(&s["name"]), dissent);
    }
    h.push_str("</ul></body></html>");
    h
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_value_is_escaped() {
        let report = json!({
            "tender_id": "t<1>",
            "members": [{"name": "<script>alert(1)</script>", "league": "NNG", "venue": "NNG", "chair": true}],
            "lots": [{"lot": 0, "title": "<u>t</u>", "method": "comprehensive_scoring",
                "evaluation": {"criteria": [{"code": "tech"}]},
                "bids": [{"label": "A", "bidder": "A&B \"公司\"", "price_fen": 12345,
                          "evaluated_price_fen": 12345, "criteria": {"tech": 40.5}, "total": 70.5}],
                "rejected": [{"label": "B", "bidder": "<q>", "ground_text": "x", "basis": "y", "detail": "<z>"}],
                "candidates": [{"label": "A", "bidder": "A&B", "total": 70.5, "evaluated_price_fen": 12345}],
                "failed": null}],
            "flags": [], "clarifications": [],
        });
        let page = html(
            "<b>招标</b>",
            &report,
            "ab12",
            &[json!({"name": "x", "dissent": "<i>no</i>"})],
        );
        assert!(!page.contains("<script>") && !page.contains("<b>招标") && !page.contains("<i>no"));
        assert!(!page.contains("<u>t") && !page.contains("<q>") && !page.contains("<z>"));
        assert!(page.contains("&lt;script&gt;") && page.contains("A&amp;B &quot;公司&quot;"));
        assert!(page.contains("123.45") && page.contains("40.5") && page.contains("ab12"));
    }
}
