use super::*;
use crate::error::{AppError, PROBLEMS};
use std::collections::BTreeSet;
use std::path::Path;

/// The portal's catalogue of problems, reasons and rules.
const CATALOGUE: &str = include_str!("../../frontend/src/i18n/problems.json");
const LANGS: [&str; 2] = ["zh", "en"];

fn catalogue() -> Value {
    serde_json::from_str(CATALOGUE).expect("problems.json is JSON")
}

fn text<'a>(c: &'a Value, lang: &str, group: &str, key: &str) -> Option<&'a str> {
    c.get(lang)?.get(group)?.get(key)?.as_str()
}

/// The placeholders of a vue-i18n message (`{name}`), refusing what the
/// message syntax would read otherwise: `@` (a linked message), `|` (a
/// plural), `%` and unbalanced braces, unless written as a literal
/// (`{'@'}`).
fn placeholders(message: &str) -> Result<BTreeSet<String>, String> {
    let mut names = BTreeSet::new();
    let mut rest = message;
    while let Some(i) = rest.find(['{', '}', '@', '|', '%']) {
        let c = rest[i..].chars().next().unwrap_or('{');
        if c != '{' {
            return Err(format!("{c:?} outside a literal in {message:?}"));
        }
        let after = &rest[i + 1..];
        let Some(end) = after.find('}') else {
            return Err(format!("unclosed brace in {message:?}"));
        };
        let inner = &after[..end];
        if inner.starts_with('\'') && inner.ends_with('\'') && inner.len() >= 2 {
            // A literal: {'@'}.
        } else if !inner.is_empty() && inner.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            names.insert(inner.to_string());
        } else {
            return Err(format!("placeholder {{{inner}}} in {message:?}"));
        }
        rest = &after[end + 1..];
    }
    Ok(names)
}

#[test]
fn every_problem_code_has_a_title_and_an_explanation_in_both_languages() {
    let c = catalogue();
    for (code, ..) in PROBLEMS {
        for lang in LANGS {
            for part in ["title", "explain"] {
                let said = c[lang]["problems"][code][part].as_str().unwrap_or("");
                assert!(
                    !said.trim().is_empty(),
                    "problems.{code}.{part} is missing in {lang}"
                );
                assert_eq!(
                    placeholders(said),
                    Ok(BTreeSet::new()),
                    "problems.{code}.{part} ({lang})"
                );
            }
        }
    }
    for lang in LANGS {
        let listed: BTreeSet<&str> = PROBLEMS.iter().map(|p| p.0).collect();
        let said: BTreeSet<&str> = c[lang]["problems"]
            .as_object()
            .expect("problems")
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(said, listed, "the {lang} catalogue's problem codes");
    }
}

#[test]
fn every_reason_and_rule_is_said_in_both_languages_with_its_placeholders() {
    let c = catalogue();
    for (group, list) in [("reasons", REASONS), ("rules", RULES)] {
        let mut keys = BTreeSet::new();
        for (key, params) in list {
            assert!(keys.insert(*key), "{group}: {key} is listed twice");
            assert!(
                key.split('.').count() >= 2
                    && key.split('.').all(|s| !s.is_empty()
                        && s.chars()
                            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')),
                "{group}: {key} is not a key such as room.round-closed"
            );
            let wanted: BTreeSet<String> = params.iter().map(|p| p.to_string()).collect();
            for lang in LANGS {
                let said = text(&c, lang, group, key)
                    .unwrap_or_else(|| panic!("{group}.{key} is missing in {lang}"));
                assert!(!said.trim().is_empty(), "{group}.{key} is empty in {lang}");
                assert_eq!(
                    placeholders(said).as_ref(),
                    Ok(&wanted),
                    "{group}.{key} ({lang}) names other values than its params"
                );
            }
        }
        // A key is never a prefix group of another (the pages nest keys
        // at their dots).
        for a in &keys {
            for b in &keys {
                assert!(
                    !b.starts_with(&format!("{a}.")),
                    "{group}: {a} is both a text and a group"
                );
            }
        }
        for lang in LANGS {
            let said: BTreeSet<&str> = c[lang][group]
                .as_object()
                .unwrap_or_else(|| panic!("{lang}.{group}"))
                .keys()
                .map(String::as_str)
                .collect();
            assert_eq!(
                said, keys,
                "the {lang} catalogue's {group}, against the list"
            );
        }
    }
}

#[test]
fn the_values_a_sentence_names_are_said_in_both_languages() {
    let c = catalogue();
    let zh = c["zh"]["values"].as_object().expect("zh values");
    let en = c["en"]["values"].as_object().expect("en values");
    assert_eq!(zh.keys().collect::<Vec<_>>(), en.keys().collect::<Vec<_>>());
    for (param, table) in zh {
        let zh_keys: BTreeSet<&String> = table.as_object().expect("table").keys().collect();
        let en_keys: BTreeSet<&String> = en[param].as_object().expect("table").keys().collect();
        assert_eq!(zh_keys, en_keys, "values.{param}");
        for (value, said) in table.as_object().expect("table") {
            for (lang, said) in [("zh", said), ("en", &en[param][value])] {
                let said = said.as_str().unwrap_or("");
                assert!(!said.is_empty(), "values.{param}.{value} ({lang})");
                assert_eq!(placeholders(said), Ok(BTreeSet::new()));
            }
        }
    }
    // The values the source gives for translated params.
    for round in ["review", "technical", "commercial"] {
        assert!(zh["round"].get(round).is_some(), "round {round}");
    }
    for role in crate::identity::Role::ALL {
        assert!(
            zh["role"].get(role.code()).is_some(),
            "role {}",
            role.code()
        );
    }
    for area in crate::identity::policy::Area::ALL {
        assert!(
            zh["area"].get(format!("{area:?}")).is_some(),
            "area {area:?}"
        );
    }
    // Every code a table's param can carry, so that no sentence shows a
    // bare code (the tables are checked in both languages above).
    let tables: Vec<(&str, Vec<&str>)> = vec![
        (
            "status",
            crate::tenders::model::TenderStatus::ALL
                .iter()
                .map(|s| s.code())
                .collect(),
        ),
        (
            "action",
            crate::tenders::lifecycle::Action::ALL
                .iter()
                .map(|s| s.code())
                .collect(),
        ),
        (
            "category",
            crate::tenders::model::Category::ALL
                .iter()
                .map(|s| s.code())
                .collect(),
        ),
        (
            "method",
            crate::tenders::model::Method::ALL
                .iter()
                .map(|s| s.code())
                .collect(),
        ),
        (
            "purchase",
            crate::tenders::model::Subject::ALL
                .iter()
                .map(|s| s.code())
                .collect(),
        ),
        (
            "evaluation",
            crate::tenders::rules::MethodKind::ALL
                .iter()
                .map(|s| s.code())
                .collect(),
        ),
        ("unit", vec!["calendar_days", "working_days"]),
        (
            "bid_status",
            crate::bids::store::BidStatus::ALL
                .iter()
                .map(|s| s.code())
                .collect(),
        ),
        (
            "opening",
            crate::opening::OpeningStatus::ALL
                .iter()
                .map(|s| s.code())
                .chain(["not_started"])
                .collect(),
        ),
        (
            "regime",
            crate::objections::rules::Regime::ALL
                .iter()
                .map(|s| s.code())
                .collect(),
        ),
        (
            "subject",
            crate::objections::rules::ObjectionSubject::ALL
                .iter()
                .map(|s| s.code())
                .collect(),
        ),
        (
            "complaint_status",
            crate::objections::store::ComplaintStatus::ALL
                .iter()
                .map(|s| s.code())
                .collect(),
        ),
        (
            "party",
            crate::contracts::rules::Party::ALL
                .iter()
                .map(|s| s.code())
                .collect(),
        ),
        (
            "service",
            crate::trust::model::ServiceType::ALL
                .iter()
                .map(|s| s.code())
                .collect(),
        ),
        (
            "service_status",
            crate::trust::model::ServiceStatus::ALL
                .iter()
                .map(|s| s.code())
                .collect(),
        ),
        (
            "delivery",
            crate::notify::outbox::State::ALL
                .iter()
                .map(|s| s.code())
                .collect(),
        ),
    ];
    for (param, codes) in tables {
        for code in codes {
            assert!(
                zh.get(param).and_then(|t| t.get(code)).is_some(),
                "values.{param}.{code}"
            );
        }
    }
}

/// Every `.rs` file under `dir`, with its text.
fn sources(dir: &Path, out: &mut Vec<(String, String)>) {
    for entry in std::fs::read_dir(dir).expect("src").flatten() {
        let path = entry.path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(&path).expect("source");
            out.push((path.display().to_string(), text));
        }
    }
}

/// Whether `path` is this module (which lists the keys, not gives them).
fn is_this_module(path: &str) -> bool {
    let path = path.replace('\\', "/");
    path.ends_with("/src/reasons.rs") || path.contains("/src/reasons/")
}

/// The string literals that follow `because(` in `text`.
fn given_keys(text: &str) -> Vec<String> {
    let mut keys = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find("because(") {
        rest = &rest[i + "because(".len()..];
        let trimmed = rest.trim_start();
        if let Some(lit) = trimmed.strip_prefix('"')
            && let Some(end) = lit.find('"')
        {
            keys.push(lit[..end].to_string());
        }
    }
    keys
}

#[test]
fn every_reason_the_source_gives_is_listed_and_every_listed_one_is_given() {
    let mut files = Vec::new();
    sources(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut files,
    );
    let listed: BTreeSet<&str> = REASONS.iter().chain(RULES).map(|(k, _)| *k).collect();
    let mut given = BTreeSet::new();
    for (path, text) in &files {
        if is_this_module(path) {
            continue;
        }
        for key in given_keys(text) {
            assert!(
                listed.contains(key.as_str()),
                "{path} gives the reason {key:?}, which reasons::REASONS (or RULES) does not list"
            );
            given.insert(key);
        }
    }
    assert!(given.len() > 100, "the scan found {} reasons", given.len());
    for key in listed {
        let quoted = format!("\"{key}\"");
        assert!(
            files
                .iter()
                .any(|(path, text)| !is_this_module(path) && text.contains(&quoted)),
            "{key} is listed but no refusal gives it"
        );
    }
}

#[test]
fn the_placeholder_reader_refuses_what_vue_i18n_would_misread() {
    assert_eq!(
        placeholders("{a} and {b_c}"),
        Ok(["a".to_string(), "b_c".to_string()].into())
    );
    assert_eq!(placeholders("mail {'@'} here"), Ok(BTreeSet::new()));
    assert!(placeholders("a@b").is_err());
    assert!(placeholders("yes | no").is_err());
    assert!(placeholders("50%").is_err());
    assert!(placeholders("{open").is_err());
    assert!(placeholders("close}").is_err());
    assert!(placeholders("{not a name}").is_err());
}

#[actix_web::test]
async fn a_refusal_with_a_reason_keeps_its_code_status_and_detail() {
    use actix_web::ResponseError;
    use serde_json::json;
    let plain = AppError::Conflict("the round is closed".into());
    let reasoned = AppError::Conflict("the round is closed".into())
        .because("room.round-closed", json!({"round": "technical"}));
    assert_eq!(reasoned.code(), plain.code());
    assert_eq!(reasoned.status_code(), plain.status_code());
    assert_eq!(reasoned.to_string(), plain.to_string());
    assert!(matches!(reasoned.base(), AppError::Conflict(_)));
    let body = actix_web::body::to_bytes(reasoned.error_response().into_body())
        .await
        .expect("body");
    let problem: Value = serde_json::from_slice(&body).expect("problem");
    assert_eq!(problem["code"], "conflict");
    assert_eq!(problem["status"], 409);
    assert_eq!(problem["detail"], "the round is closed");
    assert_eq!(problem["reason"], "room.round-closed");
    assert_eq!(problem["params"], json!({"round": "technical"}));
    // Without a reason, no member at all.
    let body = actix_web::body::to_bytes(plain.error_response().into_body())
        .await
        .expect("body");
    let problem: Value = serde_json::from_slice(&body).expect("problem");
    assert!(problem.get("reason").is_none() && problem.get("params").is_none());
    // A validation failure keeps its fields and their rules.
    let mut errors = Vec::new();
    crate::error::check_text(&mut errors, "reason", &"x".repeat(600), true, 500);
    let invalid = AppError::check(errors).unwrap_err();
    let body = actix_web::body::to_bytes(invalid.error_response().into_body())
        .await
        .expect("body");
    let problem: Value = serde_json::from_slice(&body).expect("problem");
    assert_eq!(problem["errors"][0]["rule"], "text.too-long");
    assert_eq!(problem["errors"][0]["params"], json!({"max": 500}));
    // A server failure says nothing more.
    let internal =
        AppError::Internal(anyhow::anyhow!("boom")).because("room.not-stored", json!({}));
    assert!(internal.reason().is_none());
}

#[test]
fn a_basis_is_cited_without_the_text_it_quotes_or_an_english_note() {
    assert_eq!(
        cite(
            "政府采购法 第35条: 自招标文件开始发出之日起至投标人提交投标文件截止之日止，不得少于二十日"
        ),
        "政府采购法 第35条"
    );
    assert_eq!(
        cite("政府采购货物和服务招标投标管理办法 (财政部令第87号) 第53条"),
        "政府采购货物和服务招标投标管理办法 (财政部令第87号) 第53条"
    );
    assert_eq!(
        cite("财政部令第74号 第42条 (one supplier; the price is negotiated)"),
        "财政部令第74号 第42条"
    );
    assert_eq!(
        cite("财政部令第87号 第40条: 对开标过程有疑义的当场提出 (check)"),
        "财政部令第87号 第40条"
    );
}

#[test]
fn times_and_amounts_are_said_in_beijing_time_and_yuan() {
    use chrono::TimeZone;
    let at = chrono::Utc.with_ymd_and_hms(2026, 12, 1, 16, 0, 0).unwrap();
    assert_eq!(time(at), "2026-12-02T00:00:00+08:00");
    assert_eq!(yuan(1_234_567), "12345.67");
    assert_eq!(yuan(-5), "-0.05");
    assert_eq!(yuan(0), "0.00");
}

/// The portal's catalogue of what alerts say.
const ALERT_CATALOGUE: &str = include_str!("../../frontend/src/i18n/alerts.json");

/// Whether `path` lists the alerts' keys rather than gives them.
fn lists_alerts(path: &str) -> bool {
    path.replace('\\', "/")
        .ends_with("/src/supervision/said.rs")
        || is_this_module(path)
}

#[test]
fn every_alert_sentence_and_kind_is_said_in_both_languages_with_its_placeholders() {
    use crate::supervision::said::ALERTS;
    let c: Value = serde_json::from_str(ALERT_CATALOGUE).expect("alerts.json is JSON");
    let mut keys = BTreeSet::new();
    for (key, params) in ALERTS {
        assert!(keys.insert(*key), "{key} is listed twice");
        let rest = key.strip_prefix("alert.").unwrap_or("");
        assert!(
            !rest.is_empty()
                && rest
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
            "{key} is not a key such as alert.same-client-address"
        );
        let wanted: BTreeSet<String> = params.iter().map(|p| p.to_string()).collect();
        for lang in LANGS {
            let said = text(&c, lang, "said", key)
                .unwrap_or_else(|| panic!("said.{key} is missing in {lang}"));
            assert!(!said.trim().is_empty(), "said.{key} is empty in {lang}");
            assert_eq!(
                placeholders(said).as_ref(),
                Ok(&wanted),
                "said.{key} ({lang}) names other values than its params"
            );
        }
    }
    // Every kind of alert is named, and nothing else.
    let kinds: BTreeSet<&str> = crate::supervision::signals::SignalKind::ALL
        .iter()
        .map(|k| k.code())
        .collect();
    // The parts a sentence's values are said with (lib/alerts.ts).
    let parts: BTreeSet<(&str, BTreeSet<String>)> = [
        ("bidder", &["n"][..]),
        ("document", &["sha256", "held"][..]),
        ("held", &["bidder", "file"][..]),
    ]
    .into_iter()
    .map(|(k, ps)| (k, ps.iter().map(|p| p.to_string()).collect()))
    .collect();
    for lang in LANGS {
        let group = |name: &str| -> BTreeSet<&str> {
            c[lang][name]
                .as_object()
                .unwrap_or_else(|| panic!("{lang}.{name}"))
                .keys()
                .map(String::as_str)
                .collect()
        };
        assert_eq!(group("said"), keys, "the {lang} catalogue's sentences");
        assert_eq!(group("kinds"), kinds, "the {lang} catalogue's kinds");
        for kind in &kinds {
            let said = text(&c, lang, "kinds", kind).unwrap_or("");
            assert!(!said.trim().is_empty(), "kinds.{kind} ({lang})");
            assert_eq!(placeholders(said), Ok(BTreeSet::new()), "kinds.{kind}");
        }
        let said_parts: BTreeSet<(&str, BTreeSet<String>)> = group("parts")
            .into_iter()
            .map(|k| {
                let said = text(&c, lang, "parts", k).unwrap_or("");
                (k, placeholders(said).unwrap_or_default())
            })
            .collect();
        assert_eq!(said_parts, parts, "the {lang} catalogue's parts");
    }
    // No sentence key is a group of another's (the page nests them at
    // their dots).
    for a in &keys {
        assert!(keys.iter().all(|b| !b.starts_with(&format!("{a}."))), "{a}");
    }
}

#[test]
fn every_alert_sentence_the_source_gives_is_listed_and_every_listed_one_is_given() {
    use crate::supervision::said::ALERTS;
    let mut files = Vec::new();
    sources(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut files,
    );
    let listed: BTreeSet<&str> = ALERTS.iter().map(|(k, _)| *k).collect();
    let mut given = BTreeSet::new();
    for (path, text) in &files {
        if lists_alerts(path) {
            continue;
        }
        let mut rest = text.as_str();
        while let Some(i) = rest.find("\"alert.") {
            rest = &rest[i + 1..];
            let key = &rest[..rest.find('"').unwrap_or(rest.len())];
            assert!(
                listed.contains(key),
                "{path} says the alert sentence {key:?}, which supervision::said::ALERTS does not list"
            );
            given.insert(key.to_string());
        }
    }
    let given: BTreeSet<&str> = given.iter().map(String::as_str).collect();
    assert_eq!(
        given, listed,
        "the sentences the source gives, against the list"
    );
}
