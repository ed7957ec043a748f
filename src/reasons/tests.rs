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
    let mut tables: Vec<(&str, Vec<&str>)> = vec![
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
    tables.push(("what", THINGS.to_vec()));
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
    assert_eq!(
        time_ms(at + chrono::Duration::milliseconds(7)),
        "2026-12-02T00:00:00.007+08:00"
    );
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

/// The refusals of [`AppError`] that must say why: every variant of the enum
/// (read from src/error.rs, so that a new one is covered too) but the
/// server's own failures (`Internal`, and `Unavailable`, a 503), `Reasoned`
/// (a refusal with its reason) and `Validation` (whose field errors say why,
/// each by its rule: a `FieldError::new` is held to `.because(` instead).
fn refusal_variants(src: &Path) -> BTreeSet<String> {
    let text = std::fs::read_to_string(src.join("error.rs")).expect("error.rs");
    let file = syn::parse_file(&text).expect("error.rs parses");
    let mut variants = BTreeSet::new();
    for item in &file.items {
        if let syn::Item::Enum(e) = item
            && e.ident == "AppError"
        {
            variants.extend(e.variants.iter().map(|v| v.ident.to_string()));
        }
    }
    for not_a_refusal in ["Internal", "Unavailable", "Reasoned", "Validation"] {
        assert!(
            variants.remove(not_a_refusal),
            "AppError::{not_a_refusal} is gone: say here what the scan is to hold"
        );
    }
    assert!(variants.len() > 20, "refusal variants: {variants:?}");
    variants
}

/// Whether `attrs` make an item a test's (`#[test]`, `#[actix_web::test]`,
/// `#[cfg(test)]`).
fn is_test(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        let path = a.path();
        if path.segments.last().is_some_and(|s| s.ident == "test") {
            return true;
        }
        if path.is_ident("cfg") {
            let said = quote_of(&a.meta);
            return said.contains("test") && !said.contains("not");
        }
        false
    })
}

fn quote_of(tokens: &impl quote::ToTokens) -> String {
    tokens.to_token_stream().to_string()
}

/// Reads one source file for refusals that do not say why.
struct Unsaid<'a> {
    variants: &'a BTreeSet<String>,
    file: String,
    /// The functions the scan is in (for the report).
    within: Vec<String>,
    found: Vec<String>,
}

impl Unsaid<'_> {
    /// What `path` makes, if it is a refusal that says no why by itself:
    /// `AppError::<refusal>` (called, or as a function value such as
    /// `map_err(AppError::Conflict)`) or `FieldError::new`.
    fn makes(&self, path: &syn::Path) -> Option<String> {
        let names: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
        match names.as_slice() {
            [.., ty, v] if ty == "AppError" && self.variants.contains(v) => {
                Some(format!("AppError::{v}"))
            }
            [.., ty, v] if ty == "FieldError" && v == "new" => Some("FieldError::new".into()),
            _ => None,
        }
    }

    fn makes_expr(&self, e: &syn::Expr) -> Option<String> {
        match e {
            syn::Expr::Path(p) => self.makes(&p.path),
            _ => None,
        }
    }

    fn flag(&mut self, what: &str, at: &impl quote::ToTokens) {
        let mut said = quote_of(at);
        if said.len() > 160 {
            let cut = (0..=160)
                .rev()
                .find(|i| said.is_char_boundary(*i))
                .unwrap_or(0);
            said.truncate(cut);
            said.push('…');
        }
        self.found.push(format!(
            "{} in fn {}: {what} without .because(…): {said}",
            self.file,
            self.within.join("::")
        ));
    }

    /// The arguments of a `.because(…)`: instants are given in Beijing time
    /// (`reasons::time`), never as UTC text.
    fn check_params(&mut self, call: &syn::ExprMethodCall) {
        let said = quote_of(&call.args);
        if said.contains("to_rfc3339") {
            self.found.push(format!(
                "{} in fn {}: an instant in a reason's params not by reasons::time: {said}",
                self.file,
                self.within.join("::")
            ));
        }
    }
}

impl Unsaid<'_> {
    /// A `not_found` (and the id checks that give one, `uuid_id`,
    /// `check_uuid`) names a thing of [`THINGS`], which the catalogue says.
    fn check_thing(&mut self, c: &syn::ExprCall) {
        let syn::Expr::Path(f) = &*c.func else {
            return;
        };
        let named = f.path.segments.last().map(|s| s.ident.to_string());
        if !named.is_some_and(|n| ["not_found", "uuid_id", "check_uuid"].contains(&n.as_str())) {
            return;
        }
        for arg in &c.args {
            if let syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(s),
                ..
            }) = arg
                && !THINGS.contains(&s.value().as_str())
            {
                self.found.push(format!(
                    "{} in fn {}: not found names {:?}, which reasons::THINGS does not list",
                    self.file,
                    self.within.join("::"),
                    s.value()
                ));
            }
        }
    }
}

impl<'ast> syn::visit::Visit<'ast> for Unsaid<'_> {
    fn visit_item_mod(&mut self, m: &'ast syn::ItemMod) {
        if !is_test(&m.attrs) {
            syn::visit::visit_item_mod(self, m);
        }
    }

    fn visit_item_impl(&mut self, i: &'ast syn::ItemImpl) {
        if !is_test(&i.attrs) {
            syn::visit::visit_item_impl(self, i);
        }
    }

    fn visit_item_fn(&mut self, f: &'ast syn::ItemFn) {
        if is_test(&f.attrs) {
            return;
        }
        self.within.push(f.sig.ident.to_string());
        syn::visit::visit_item_fn(self, f);
        self.within.pop();
    }

    fn visit_impl_item_fn(&mut self, f: &'ast syn::ImplItemFn) {
        if is_test(&f.attrs) {
            return;
        }
        self.within.push(f.sig.ident.to_string());
        syn::visit::visit_impl_item_fn(self, f);
        self.within.pop();
    }

    fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
        if m.method == "because" {
            self.check_params(m);
            // The refusal made right here, saying why: look only inside.
            let said = match &*m.receiver {
                syn::Expr::Call(c) if self.makes_expr(&c.func).is_some() => {
                    c.args.iter().for_each(|a| self.visit_expr(a));
                    true
                }
                syn::Expr::Struct(s) if self.makes(&s.path).is_some() => {
                    s.fields.iter().for_each(|f| self.visit_expr(&f.expr));
                    true
                }
                _ => false,
            };
            if said {
                m.args.iter().for_each(|a| self.visit_expr(a));
                return;
            }
        }
        syn::visit::visit_expr_method_call(self, m);
    }

    fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
        self.check_thing(c);
        if let Some(what) = self.makes_expr(&c.func) {
            self.flag(&what, c);
            c.args.iter().for_each(|a| self.visit_expr(a));
            return;
        }
        syn::visit::visit_expr_call(self, c);
    }

    fn visit_expr_struct(&mut self, s: &'ast syn::ExprStruct) {
        if let Some(what) = self.makes(&s.path) {
            self.flag(&what, s);
        }
        syn::visit::visit_expr_struct(self, s);
    }

    fn visit_expr_path(&mut self, p: &'ast syn::ExprPath) {
        if let Some(what) = self.makes(&p.path) {
            self.flag(&what, p);
        }
    }

    /// A macro's arguments where they are expressions (`vec![…]`,
    /// `assert!(…)`); `matches!` holds patterns, not refusals made.
    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        if m.path.segments.last().is_some_and(|s| s.ident == "matches") {
            return;
        }
        let exprs = m.parse_body_with(
            syn::punctuated::Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated,
        );
        if let Ok(exprs) = exprs {
            exprs.iter().for_each(|e| self.visit_expr(e));
        }
    }
}

/// The refusals in `file` (named `name` in the report) that do not say why.
fn unsaid(name: &str, file: &syn::File, variants: &BTreeSet<String>) -> Vec<String> {
    use syn::visit::Visit;
    let mut scan = Unsaid {
        variants,
        file: name.to_string(),
        within: Vec::new(),
        found: Vec::new(),
    };
    scan.visit_file(file);
    scan.found
}

#[test]
fn the_scan_tells_a_refusal_that_says_why_from_one_that_does_not() {
    let variants = refusal_variants(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
    let found = |text: &str| -> usize {
        let file = syn::parse_file(text).expect("parses");
        unsaid("x.rs", &file, &variants).len()
    };
    // Said where it is made.
    assert_eq!(
        found(
            r#"fn f() -> Result<(), AppError> {
                Err(AppError::Conflict("x".into()).because("k.k", json!({})))
            }
            fn g(e: Vec<FieldError>) -> Vec<FieldError> {
                vec![FieldError::new("a", "b").because("text.empty", json!({}))]
            }
            fn h() -> AppError { AppError::not_found("tender") }
            fn i(e: &AppError) -> bool {
                matches!(e.base(), AppError::Conflict(_))
                    || matches!(e, AppError::MethodNotAllowed { .. })
            }
            fn j() -> AppError { AppError::Internal(anyhow::anyhow!("x")) }
            #[cfg(test)]
            mod tests {
                fn k() -> AppError { AppError::Forbidden("x".into()) }
            }"#
        ),
        0
    );
    // Not said, or said elsewhere (which the scan cannot tell from never).
    for unsaid in [
        r#"fn f() -> AppError { AppError::Conflict("x".into()) }"#,
        r#"fn f() -> AppError { let e = AppError::Forbidden("x".into()); e.because("k.k", json!({})) }"#,
        r#"fn f(r: Result<(), String>) -> Result<(), AppError> { r.map_err(AppError::InvalidQuery) }"#,
        r#"fn f() -> Vec<FieldError> { vec![FieldError::new("a", "b")] }"#,
        r#"fn f() -> AppError { AppError::MethodNotAllowed { detail: String::new(), allowed: vec![] } }"#,
        r#"fn f() -> AppError { AppError::not_found("no such thing") }"#,
        r#"fn f(at: DateTime<Utc>) -> AppError {
            AppError::Conflict("x".into()).because("k.k", json!({ "at": at.to_rfc3339() }))
        }"#,
    ] {
        assert_eq!(found(unsaid), 1, "{unsaid}");
    }
}

/// The files of the modules declared `#[cfg(test)] mod x;` in `file` (at
/// `path`): `x.rs` beside it, or in the folder named after it.
fn test_module_files(path: &Path, file: &syn::File, out: &mut BTreeSet<std::path::PathBuf>) {
    let dir = path.parent().expect("folder");
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
    let base = if ["mod", "lib", "main"].contains(&stem) {
        dir.to_path_buf()
    } else {
        dir.join(stem)
    };
    for item in &file.items {
        if let syn::Item::Mod(m) = item
            && m.content.is_none()
            && is_test(&m.attrs)
        {
            let name = m.ident.to_string();
            out.insert(base.join(format!("{name}.rs")));
            out.insert(base.join(&name).join("mod.rs"));
        }
    }
}

/// Every refusal says why (issue 23): in the source outside tests, each
/// `AppError::<refusal>` (every 4xx variant) and each `FieldError::new` is
/// made with its `.because(…)` in the same expression, and each
/// `AppError::not_found` names a thing of [`THINGS`]. A refusal made in one
/// place and given its reason in another cannot be told from one that has
/// none, so the source says it where it makes it. The API suite holds the
/// same at run time: every 4xx problem it receives carries a reason
/// (tests/api/helpers.rs, `assert_says_why`).
///
/// What the scan cannot see: the arguments of a macro that are not
/// expressions (`json!`, `format!`'s captures), and a refusal that is not
/// an `AppError` (actix's own answers, which `http::json_config`,
/// `query_config`, `path_config` and the default service turn into
/// refusals with reasons; the connection layer's three codes,
/// `http::wire`, which say all there is by their code).
#[test]
fn every_refusal_in_the_source_says_why() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let variants = refusal_variants(&src);
    let mut files = Vec::new();
    sources(&src, &mut files);
    let parsed: Vec<(String, syn::File)> = files
        .iter()
        .map(|(path, text)| {
            let file = syn::parse_file(text).unwrap_or_else(|e| panic!("{path}: {e}"));
            (path.clone(), file)
        })
        .collect();
    let mut tests = BTreeSet::new();
    for (path, file) in &parsed {
        test_module_files(Path::new(path), file, &mut tests);
    }
    assert!(tests.len() >= 5, "test modules: {tests:?}");
    let mut found = Vec::new();
    let mut scanned = 0;
    for (path, file) in &parsed {
        if tests.contains(Path::new(path)) || is_this_module(path) {
            continue;
        }
        let name = path
            .split_once("/src/")
            .map_or(path.clone(), |(_, p)| format!("src/{p}"));
        found.extend(unsaid(&name, file, &variants));
        scanned += 1;
    }
    assert!(scanned > 100, "scanned {scanned} files");
    assert!(
        found.is_empty(),
        "{} refusals do not say why:\n{}",
        found.len(),
        found.join("\n")
    );
}
