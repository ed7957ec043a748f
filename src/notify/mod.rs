//! Notifications: what the platform tells people, never lost, never twice.
//!
//! A notification is one message to one user. It is written by [`send`]
//! inside the transaction of the change that causes it (like the audit
//! event), so a committed change always has its messages and a rolled-back
//! one has none. At once it is the user's **inbox** entry; where the user has
//! a verified address and has not switched the kind off, it is also a row of
//! the **e-mail outbox**, which the [`worker`] (one node of a cluster at a
//! time) delivers over SMTP, or to `.eml` files when no SMTP server is
//! configured ([`mail`]). Each notification has one Message-ID for life; the
//! delivery state is committed before and after the SMTP transaction
//! ([`outbox`]), so a restart resumes where it stopped.
//!
//! Texts come from templates in the repository (`templates/notify`), one
//! file per kind in Chinese and English, plain text and HTML
//! ([`templates`]); what users typed is put into them escaped, and never
//! into a header.
//!
//! The modules: [`kinds`] (what is sent, and which kinds a user may switch
//! off), [`templates`], [`settings`] (addresses, languages, choices,
//! subscriptions), [`outbox`], [`mail`], [`worker`], [`routes`].

pub mod kinds;
pub mod mail;
pub mod outbox;
pub mod routes;
pub mod settings;
pub mod templates;
pub mod worker;

pub use kinds::Kind;

use crate::audit::AuditContext;
use crate::db::schema::{notification_settings, notifications, users};
use crate::db::{DbConn, to_db_time};
use crate::error::AppError;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

static PUBLIC_URL: OnceLock<String> = OnceLock::new();

/// Sets the absolute URL the platform is reached at, used in the links
/// messages carry (the first value stands for the life of the process).
pub fn set_public_url(url: &str) -> &'static str {
    PUBLIC_URL.get_or_init(|| url.trim_end_matches('/').to_string())
}

/// The platform's absolute URL, for links in messages.
pub fn public_url() -> &'static str {
    PUBLIC_URL.get_or_init(|| "http://127.0.0.1:8080".into())
}

/// The host part of the public URL (the right-hand side of Message-IDs).
pub fn mail_domain() -> String {
    let url = public_url();
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let host = rest.split(['/', ':']).next().unwrap_or("");
    let host: String = host
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-'))
        .collect();
    if host.is_empty() {
        "ggzy.invalid".into()
    } else {
        host
    }
}

/// A file sent with a message (small: a timestamp token, a signed notice).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Attachment {
    pub filename: String,
    pub media_type: String,
    /// The content, base64.
    pub content: String,
}

impl Attachment {
    pub fn new(filename: &str, media_type: &str, bytes: &[u8]) -> Attachment {
        Attachment {
            filename: filename.to_string(),
            media_type: media_type.to_string(),
            content: openssl::base64::encode_block(bytes),
        }
    }

    pub fn bytes(&self) -> Result<Vec<u8>, AppError> {
        openssl::base64::decode_block(&self.content)
            .map_err(|e| AppError::Internal(anyhow::Error::new(e).context("attachment")))
    }
}

/// A template field's value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Text(String),
    Time(chrono::DateTime<chrono::Utc>),
    Yuan(i64),
    Term(String),
}

/// A message to send: its kind, what caused it, and the values its template
/// is filled with.
#[derive(Debug, Clone)]
pub struct Message {
    pub kind: Kind,
    /// What caused it, unique per recipient (e.g. `tender:<id>:published`):
    /// the same cause never notifies the same user twice.
    pub cause: String,
    pub tender_id: Option<String>,
    /// The league whose operators see its delivery problems (the tender's).
    pub league: Option<String>,
    /// Whether it tells who bid on a tender not yet opened (a bid receipt):
    /// operators then see its delivery state only.
    pub sealed: bool,
    /// Values for the template's fields.
    pub fields: BTreeMap<&'static str, Value>,
    /// Where in the platform the message points (a path, e.g.
    /// `/api/v1/tenders/<id>`); `{{link}}` in the templates.
    pub link: Option<String>,
    pub attachments: Vec<Attachment>,
    /// Whether the recipient's inbox lists it (all but the link that
    /// verifies an address: that proves the address only if it is read
    /// there).
    pub in_inbox: bool,
}

impl Message {
    pub fn new(kind: Kind, cause: impl Into<String>) -> Message {
        Message {
            kind,
            cause: cause.into(),
            tender_id: None,
            league: None,
            sealed: false,
            fields: BTreeMap::new(),
            link: None,
            attachments: Vec::new(),
            in_inbox: true,
        }
    }

    /// Sent by e-mail only, never listed in the inbox.
    pub fn email_only(mut self) -> Message {
        self.in_inbox = false;
        self
    }

    pub fn tender(mut self, tender_id: &str, league: &str) -> Message {
        self.tender_id = Some(tender_id.to_string());
        self.league = Some(league.to_string());
        self
    }

    /// A text field (what users typed goes in only this way: escaped for
    /// HTML, control characters removed).
    pub fn field(mut self, name: &'static str, value: impl Into<String>) -> Message {
        self.fields.insert(name, Value::Text(value.into()));
        self
    }

    /// A time, shown in Beijing time with the zone.
    pub fn time(mut self, name: &'static str, at: chrono::DateTime<chrono::Utc>) -> Message {
        self.fields.insert(name, Value::Time(at));
        self
    }

    /// An amount in fen, shown in yuan.
    pub fn yuan(mut self, name: &'static str, fen: i64) -> Message {
        self.fields.insert(name, Value::Yuan(fen));
        self
    }

    /// A code the templates translate (a category, a method, an answer).
    pub fn term(mut self, name: &'static str, code: &str) -> Message {
        self.fields.insert(name, Value::Term(code.to_string()));
        self
    }

    pub fn link(mut self, path: impl Into<String>) -> Message {
        self.link = Some(path.into());
        self
    }

    pub fn attach(mut self, attachment: Attachment) -> Message {
        self.attachments.push(attachment);
        self
    }

    pub fn sealed(mut self) -> Message {
        self.sealed = true;
        self
    }
}

/// A user's language and e-mail choices, as [`send`] needs them.
struct Recipient {
    language: templates::Language,
    /// A verified address the user wants this kind at.
    email: Option<String>,
    /// Whether the user gets this kind at all (opt-in kinds).
    wanted: bool,
}

fn recipients(
    conn: &mut DbConn,
    kind: Kind,
    user_ids: &[String],
) -> Result<Vec<(String, Recipient)>, AppError> {
    let mut out = Vec::new();
    for chunk in user_ids.chunks(500) {
        let active: Vec<String> = users::table
            .filter(users::id.eq_any(chunk))
            .filter(users::disabled.eq(false))
            .select(users::id)
            .load(conn)?;
        let rows: Vec<settings::SettingsRow> = notification_settings::table
            .filter(notification_settings::user_id.eq_any(chunk))
            .select(settings::SettingsRow::as_select())
            .load(conn)?;
        let by_user: HashMap<String, settings::SettingsRow> =
            rows.into_iter().map(|r| (r.user_id.clone(), r)).collect();
        for id in chunk {
            if !active.contains(id) {
                continue;
            }
            let choices = by_user
                .get(id)
                .map(settings::Choices::of)
                .unwrap_or_default();
            out.push((
                id.clone(),
                Recipient {
                    language: choices.language,
                    email: choices.address_for(kind),
                    wanted: choices.wants(kind),
                },
            ));
        }
    }
    Ok(out)
}

/// Writes `message` to each of `user_ids` (call it inside the transaction
/// of the change that causes it): an inbox entry for each active user who
/// gets the kind, and an e-mail to send where the user has a verified
/// address and wants the kind by e-mail. A user given the same cause
/// before is skipped. Returns how many were written.
pub fn send(
    conn: &mut DbConn,
    ctx: &AuditContext,
    message: &Message,
    user_ids: &[String],
) -> Result<usize, AppError> {
    let mut ids: Vec<String> = user_ids.to_vec();
    ids.sort();
    ids.dedup();
    let mut written = 0;
    for (user_id, recipient) in recipients(conn, message.kind, &ids)? {
        if !recipient.wanted {
            continue;
        }
        let already: i64 = notifications::table
            .filter(notifications::user_id.eq(&user_id))
            .filter(notifications::cause.eq(&message.cause))
            .count()
            .get_result(conn)?;
        if already > 0 {
            continue;
        }
        let rendered = templates::render(message.kind, recipient.language, message)?;
        let id = uuid::Uuid::new_v4().to_string();
        insert(
            conn,
            ctx,
            &id,
            &user_id,
            message,
            recipient.language,
            &rendered,
        )?;
        if let Some(address) = recipient.email {
            outbox::enqueue(conn, &id, &address, ctx.now)?;
        }
        written += 1;
        tracing::debug!(
            kind = message.kind.code(),
            notification = %id,
            "notification written"
        );
    }
    Ok(written)
}

/// Sends `message` to one address only, whatever the user's settings: the
/// link that verifies a new address goes to that (not yet verified)
/// address, and only there (the message is `email_only`).
pub fn send_to_address(
    conn: &mut DbConn,
    ctx: &AuditContext,
    message: &Message,
    user_id: &str,
    language: templates::Language,
    address: &str,
) -> Result<String, AppError> {
    let rendered = templates::render(message.kind, language, message)?;
    let id = uuid::Uuid::new_v4().to_string();
    insert(conn, ctx, &id, user_id, message, language, &rendered)?;
    outbox::enqueue(conn, &id, address, ctx.now)?;
    Ok(id)
}

fn insert(
    conn: &mut DbConn,
    ctx: &AuditContext,
    id: &str,
    user_id: &str,
    message: &Message,
    language: templates::Language,
    rendered: &templates::Rendered,
) -> Result<(), AppError> {
    let attachments = serde_json::to_string(&message.attachments)
        .map_err(|e| AppError::Internal(anyhow::Error::new(e).context("attachments")))?;
    diesel::insert_into(notifications::table)
        .values((
            notifications::id.eq(id),
            notifications::user_id.eq(user_id),
            notifications::kind.eq(message.kind.code()),
            notifications::cause.eq(&message.cause),
            notifications::tender_id.eq(message.tender_id.as_deref()),
            notifications::league_code.eq(message.league.as_deref()),
            notifications::sealed.eq(message.sealed),
            notifications::language.eq(language.code()),
            notifications::subject.eq(&rendered.subject),
            notifications::body_text.eq(&rendered.text),
            notifications::body_html.eq(&rendered.html),
            notifications::link.eq(message.link.as_deref()),
            notifications::attachments_json.eq(attachments),
            notifications::request_id.eq(ctx.request_id.as_deref()),
            notifications::created_at.eq(to_db_time(ctx.now)),
            notifications::in_inbox.eq(message.in_inbox),
        ))
        .execute(conn)?;
    Ok(())
}

/// The users of an organisation who act in `role` (an enterprise's bidding
/// accounts, a tenderer's staff).
pub fn users_of(
    conn: &mut DbConn,
    organisation_id: &str,
    role: crate::identity::Role,
) -> Result<Vec<String>, AppError> {
    use crate::db::schema::user_roles;
    Ok(users::table
        .inner_join(user_roles::table.on(user_roles::user_id.eq(users::id)))
        .filter(users::organisation_id.eq(organisation_id))
        .filter(user_roles::role.eq(role.code()))
        .filter(users::disabled.eq(false))
        .select(users::id)
        .load(conn)?)
}
