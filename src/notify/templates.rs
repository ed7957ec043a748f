//! The messages' texts: one TOML file per kind under `templates/notify`,
//! with a Chinese and an English subject, plain text and HTML body, built
//! into the binary. `{{name}}` marks a field. What fills a field is made
//! safe for where it goes: in the subject (a header) every control
//! character is removed, so no value can end the header or start another;
//! in the plain text control characters other than line breaks are
//! removed; in HTML the value is escaped. Invisible direction overrides are
//! removed everywhere (they make a text read differently than it is).
//! Pure, but for the platform's URL in links.

use super::{Kind, Message, Value};
use crate::error::AppError;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// The languages messages are written in; Chinese unless the user chose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Language {
    #[default]
    Zh,
    En,
}

impl Language {
    pub fn code(self) -> &'static str {
        match self {
            Language::Zh => "zh",
            Language::En => "en",
        }
    }

    pub fn from_code(code: &str) -> Option<Language> {
        match code {
            "zh" | "zh-CN" => Some(Language::Zh),
            "en" => Some(Language::En),
            _ => None,
        }
    }
}

/// A message in one language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Texts {
    subject: String,
    text: String,
    html: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Template {
    zh: Texts,
    en: Texts,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LayoutTexts {
    text_footer: String,
    html: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Layout {
    zh: LayoutTexts,
    en: LayoutTexts,
}

/// Every kind's template file, as built into the binary.
fn source(kind: Kind) -> &'static str {
    macro_rules! file {
        ($name:literal) => {
            include_str!(concat!("../../templates/notify/", $name, ".toml"))
        };
    }
    match kind {
        Kind::EmailVerification => file!("email_verification"),
        Kind::TenderPublished => file!("tender_published"),
        Kind::TenderInvitation => file!("tender_invitation"),
        Kind::TenderAmended => file!("tender_amended"),
        Kind::ClarificationAnswered => file!("clarification_answered"),
        Kind::BidReceipt => file!("bid_receipt"),
        Kind::OpeningRecord => file!("opening_record"),
        Kind::BidsNotOpened => file!("bids_not_opened"),
        Kind::ObjectionAnswered => file!("objection_answered"),
        Kind::ExpertInvitation => file!("expert_invitation"),
        Kind::RoomOpened => file!("room_opened"),
        Kind::EvaluationFinished => file!("evaluation_finished"),
        Kind::CandidatesPublicised => file!("candidates_publicised"),
        Kind::AwardNotice => file!("award_notice"),
        Kind::ResultNotice => file!("result_notice"),
        Kind::SupervisionAlert => file!("supervision_alert"),
        Kind::ShareRequest => file!("share_request"),
    }
}

struct Loaded {
    templates: BTreeMap<&'static str, Template>,
    layout: Layout,
    terms: BTreeMap<String, BTreeMap<String, String>>,
}

fn loaded() -> Result<&'static Loaded, AppError> {
    static LOADED: OnceLock<Result<Loaded, String>> = OnceLock::new();
    LOADED
        .get_or_init(|| {
            let mut templates = BTreeMap::new();
            for kind in Kind::ALL {
                let t: Template = toml::from_str(source(*kind))
                    .map_err(|e| format!("templates/notify/{}.toml: {e}", kind.code()))?;
                templates.insert(kind.code(), t);
            }
            let layout: Layout =
                toml::from_str(include_str!("../../templates/notify/_layout.toml"))
                    .map_err(|e| format!("templates/notify/_layout.toml: {e}"))?;
            let terms = toml::from_str(include_str!("../../templates/notify/_terms.toml"))
                .map_err(|e| format!("templates/notify/_terms.toml: {e}"))?;
            Ok(Loaded {
                templates,
                layout,
                terms,
            })
        })
        .as_ref()
        .map_err(|e| AppError::Internal(anyhow::anyhow!("{e}")))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Place {
    Subject,
    Text,
    Html,
}

/// Characters that make a text display otherwise than it reads.
fn invisible_override(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}')
}

/// A value made safe for `place`.
fn safe(value: &str, place: Place) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        if invisible_override(c) {
            continue;
        }
        match place {
            Place::Subject => {
                if c.is_control() {
                    out.push(' ');
                } else {
                    out.push(c);
                }
            }
            Place::Text => {
                if c == '\n' || c == '\t' || !c.is_control() {
                    out.push(c);
                }
            }
            Place::Html => match c {
                '&' => out.push_str("&amp;"),
                '<' => out.push_str("&lt;"),
                '>' => out.push_str("&gt;"),
                '"' => out.push_str("&quot;"),
                '\'' => out.push_str("&#39;"),
                '\n' => out.push_str("<br>"),
                c if c.is_control() && c != '\t' => {}
                c => out.push(c),
            },
        }
    }
    out
}

fn format_value(loaded: &Loaded, value: &Value, language: Language) -> Result<String, AppError> {
    Ok(match value {
        Value::Text(t) => t.clone(),
        Value::Time(t) => {
            let local = *t + chrono::Duration::hours(8);
            match language {
                Language::Zh => format!("{}（北京时间）", local.format("%Y-%m-%d %H:%M:%S")),
                Language::En => {
                    format!(
                        "{} (Beijing time, UTC+8)",
                        local.format("%Y-%m-%d %H:%M:%S")
                    )
                }
            }
        }
        Value::Yuan(fen) => {
            let sign = if *fen < 0 { "-" } else { "" };
            let abs = fen.unsigned_abs();
            match language {
                Language::Zh => format!("{sign}{}.{:02} 元", abs / 100, abs % 100),
                Language::En => format!("CNY {sign}{}.{:02}", abs / 100, abs % 100),
            }
        }
        Value::Term(code) => loaded
            .terms
            .get(language.code())
            .and_then(|t| t.get(code))
            .cloned()
            .ok_or_else(|| {
                AppError::Internal(anyhow::anyhow!(
                    "no {} wording for the term {code:?} (templates/notify/_terms.toml)",
                    language.code()
                ))
            })?,
    })
}

/// Fills `template`'s fields. An unknown field is a bug in the template
/// (a test renders every one).
fn fill(
    loaded: &Loaded,
    template: &str,
    message: &Message,
    language: Language,
    place: Place,
    extra: &BTreeMap<&str, String>,
) -> Result<String, AppError> {
    let mut out = String::with_capacity(template.len() + 256);
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after.find("}}").ok_or_else(|| {
            AppError::Internal(anyhow::anyhow!(
                "an unclosed {{{{ in a notification template"
            ))
        })?;
        let name = after[..end].trim();
        let value = if let Some(v) = extra.get(name) {
            // Made by us (the link, the laid-out content): already safe.
            v.clone()
        } else {
            let value = message.fields.get(name).ok_or_else(|| {
                AppError::Internal(anyhow::anyhow!(
                    "the {} template names the field {name:?}, which was not given",
                    message.kind.code()
                ))
            })?;
            safe(&format_value(loaded, value, language)?, place)
        };
        out.push_str(&value);
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

/// The absolute URL of a link in the platform.
pub fn absolute(path: &str) -> String {
    format!("{}{}", super::public_url(), path)
}

/// The message of `kind` in `language`, filled from `message`.
pub fn render(kind: Kind, language: Language, message: &Message) -> Result<Rendered, AppError> {
    let loaded = loaded()?;
    let template = loaded
        .templates
        .get(kind.code())
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("no template for {}", kind.code())))?;
    let (texts, layout) = match language {
        Language::Zh => (&template.zh, &loaded.layout.zh),
        Language::En => (&template.en, &loaded.layout.en),
    };
    let link = message.link.as_deref().map(absolute).unwrap_or_default();
    let mut extra = BTreeMap::new();
    extra.insert("link", safe(&link, Place::Text));
    let subject = fill(
        loaded,
        &texts.subject,
        message,
        language,
        Place::Subject,
        &extra,
    )?;
    let subject: String = subject.split_whitespace().collect::<Vec<_>>().join(" ");
    let subject: String = subject.chars().take(200).collect();
    let mut text = fill(loaded, &texts.text, message, language, Place::Text, &extra)?;
    text = text.trim_end().to_string();
    text.push_str("\n\n");
    text.push_str(layout.text_footer.trim_end());
    text.push('\n');
    extra.insert("link", safe(&link, Place::Html));
    let content = fill(loaded, &texts.html, message, language, Place::Html, &extra)?;
    let mut page = BTreeMap::new();
    page.insert("subject", safe(&subject, Place::Html));
    page.insert("content", content);
    page.insert("link", safe(&link, Place::Html));
    let html = fill(loaded, &layout.html, message, language, Place::Html, &page)?;
    Ok(Rendered {
        subject,
        text,
        html,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A message with every field any template names, each holding an
    /// attack.
    fn everything(kind: Kind) -> Message {
        let evil = "x\r\nBcc: victim@example.com\r\n<script>alert(1)</script>\u{202E}";
        let mut m = Message::new(kind, "test").link("/api/v1/tenders/t1");
        for name in [
            "title",
            "reference",
            "league",
            "name",
            "answer",
            "question",
            "objection",
            "bid_id",
            "sha256",
            "version",
            "body",
            "rule",
            "detail",
            "token",
            "address",
            "role",
            "winner",
            "reason",
            "label",
            "tender_id",
            "venue",
            "expert",
            "notice_id",
            "number",
            "count",
            "organisation",
            "severity",
            "amendment",
            "bidders",
            "minimum",
            "tenderer",
        ] {
            m = m.field(name, evil);
        }
        for name in [
            "bid_deadline",
            "received_at",
            "answer_by",
            "opened_at",
            "at",
            "starts_at",
            "expires_at",
            "decided_at",
        ] {
            m = m.time(
                name,
                chrono::DateTime::from_timestamp(1_800_000_000, 0).unwrap(),
            );
        }
        m = m.yuan("price", 123_456).yuan("budget", 100);
        m = m
            .term("category", "government_procurement")
            .term("method", "open_tendering");
        m
    }

    #[test]
    fn every_template_renders_in_both_languages_and_nothing_injects() {
        for kind in Kind::ALL {
            for language in [Language::Zh, Language::En] {
                let r = render(*kind, language, &everything(*kind))
                    .unwrap_or_else(|e| panic!("{kind:?} {language:?}: {e:?}"));
                assert!(
                    !r.subject.contains('\r') && !r.subject.contains('\n'),
                    "{kind:?}"
                );
                assert!(!r.subject.contains('\u{202E}'));
                assert!(!r.text.contains('\r'), "{kind:?}");
                assert!(!r.html.contains("<script>"), "{kind:?}");
                assert!(!r.html.contains("{{") && !r.text.contains("{{"), "{kind:?}");
                assert!(!r.subject.is_empty() && r.subject.chars().count() <= 200);
            }
        }
    }

    #[test]
    fn chinese_by_default_and_english_on_request() {
        let m = Message::new(Kind::TenderPublished, "c")
            .field("title", "道路工程")
            .field("reference", "GX-1")
            .field("league", "GX")
            .term("category", "engineering_construction")
            .term("method", "open_tendering")
            .time(
                "bid_deadline",
                chrono::DateTime::from_timestamp(0, 0).unwrap(),
            )
            .link("/x");
        let zh = render(Kind::TenderPublished, Language::default(), &m).unwrap();
        assert!(zh.text.contains("工程建设"), "{}", zh.text);
        assert!(
            zh.text.contains("1970-01-01 08:00:00（北京时间）"),
            "{}",
            zh.text
        );
        let en = render(Kind::TenderPublished, Language::En, &m).unwrap();
        assert!(en.text.contains("Beijing time"), "{}", en.text);
        assert!(en.text.contains("http://"), "{}", en.text);
    }

    #[test]
    fn a_missing_field_is_an_error_not_a_blank() {
        let m = Message::new(Kind::TenderPublished, "c");
        assert!(render(Kind::TenderPublished, Language::Zh, &m).is_err());
    }

    #[test]
    fn values_are_made_safe_for_their_place() {
        assert_eq!(safe("a\r\nb", Place::Subject), "a  b");
        assert_eq!(safe("a\r\nb", Place::Text), "a\nb");
        assert_eq!(
            safe("<a href=\"x\">", Place::Html),
            "&lt;a href=&quot;x&quot;&gt;"
        );
        assert_eq!(safe("a\u{202E}b", Place::Text), "ab");
    }
}
