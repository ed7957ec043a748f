//! The words each category of trade speaks, as data (pure).
//!
//! Tendering (招标投标法, 政府采购法) speaks of 招标, 投标, 开标 and 中标;
//! land and mining rights are *granted* (出让: 招标拍卖挂牌出让国有建设用地
//! 使用权规定, 国土资源部令第39号) to *bidders at auction or listing* (竞买人)
//! who make *quotes* (报价), and the outcome is a *deal* (成交, 第17–21条);
//! state-owned property is *transferred* (转让: 企业国有资产交易监督管理办法,
//! 国资委 财政部令第32号) from a transferor (转让方) to an intending
//! transferee (意向受让方), again by quotes and a deal (第22–33条). The
//! platform writes the notices' Chinese titles with these words
//! ([`notice_name_zh`]) and the opening record's ([`term_zh`]).
//!
//! The table is one file, `frontend/src/i18n/vocabulary.json`, in both
//! languages: the portal loads it as `vocab.*` and the server reads it here
//! (compiled in), so a notice and a page say 出让结果公告 where tendering
//! says 中标结果公告, and the two cannot disagree. A term or kind a
//! category does not name is tendering's (`default`; a kind's name is then
//! [`NoticeKind::name_zh`]).

use super::model::{Category, NoticeKind};
use serde_json::Value;
use std::sync::OnceLock;

/// The table as the portal has it.
const TABLE: &str = include_str!("../../frontend/src/i18n/vocabulary.json");

fn table() -> &'static Value {
    static PARSED: OnceLock<Value> = OnceLock::new();
    // A unit test proves the file parses; should it not, every word is
    // tendering's (no panic).
    PARSED.get_or_init(|| serde_json::from_str(TABLE).unwrap_or(Value::Null))
}

fn zh(category: Category) -> &'static Value {
    &table()["zh"][category.code()]
}

/// A notice's name in its category's words (出让结果公告, 中标结果公告, …).
pub fn notice_name_zh(category: Category, kind: NoticeKind) -> &'static str {
    zh(category)["kind"][kind.code()]
        .as_str()
        .unwrap_or_else(|| kind.name_zh())
}

/// A term in its category's words (`openingRecord`: 报价记录 for land,
/// 开标记录 for tendering), tendering's when the category has none; the
/// empty string for a term the table does not know.
pub fn term_zh(category: Category, term: &str) -> &'static str {
    zh(category)[term]
        .as_str()
        .or_else(|| table()["zh"]["default"][term].as_str())
        .unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Land and property never speak of tenders and bids (招标, 投标, 中标,
    /// 开标, 流标, 评标) in the notices the platform writes.
    #[test]
    fn land_and_property_notices_use_their_own_words() {
        for category in [Category::LandMiningRights, Category::StateOwnedProperty] {
            for kind in NoticeKind::ALL {
                let name = notice_name_zh(category, *kind);
                for word in ["招标", "投标", "中标", "开标", "流标", "评标"] {
                    assert!(!name.contains(word), "{category:?} {kind:?}: {name}");
                }
            }
        }
    }

    /// The table parses, names every category, and says every word in
    /// both languages (a word the portal lacks in English is a word the
    /// server wrote in Chinese only); the kinds it names are notice kinds.
    #[test]
    fn the_table_is_whole_in_both_languages() {
        let t: Value = serde_json::from_str(TABLE).expect("vocabulary.json parses");
        fn keys(v: &Value, at: String, out: &mut Vec<String>) {
            match v.as_object() {
                Some(m) => {
                    for (k, v) in m {
                        keys(v, format!("{at}.{k}"), out);
                    }
                }
                None => {
                    assert!(
                        v.as_str().is_some_and(|s| !s.trim().is_empty()),
                        "{at}: {v}"
                    );
                    out.push(at);
                }
            }
        }
        let (mut zh, mut en) = (Vec::new(), Vec::new());
        keys(&t["zh"], String::new(), &mut zh);
        keys(&t["en"], String::new(), &mut en);
        assert_eq!(zh, en, "zh and en name the same words");
        for category in Category::ALL {
            assert!(t["zh"][category.code()].is_object(), "{category:?}");
        }
        for k in zh.iter().filter_map(|k| k.split(".kind.").nth(1)) {
            assert!(NoticeKind::from_code(k).is_some(), "kind {k}");
        }
        for term in ["openingRecord", "openingDone", "bids", "afterOpening"] {
            assert!(!term_zh(Category::EngineeringConstruction, term).is_empty());
        }
        assert_eq!(
            term_zh(Category::LandMiningRights, "openingRecord"),
            "报价记录"
        );
        assert_eq!(
            term_zh(Category::GovernmentProcurement, "openingRecord"),
            "开标记录"
        );
    }

    #[test]
    fn tendering_keeps_the_kinds_names() {
        for kind in NoticeKind::ALL {
            assert_eq!(
                notice_name_zh(Category::EngineeringConstruction, *kind),
                kind.name_zh()
            );
        }
        assert_eq!(
            notice_name_zh(Category::LandMiningRights, NoticeKind::Award),
            "出让结果公告"
        );
    }
}
