//! A user's e-mail address (added, then verified by a single-use link),
//! language, the optional kinds switched off and the opt-in kinds switched
//! on, and the categories whose new tenders the user follows.

use super::Message;
use super::kinds::{Class, Kind};
use super::templates::Language;
use crate::audit::{self, AuditContext};
use crate::db::schema::{email_verifications, notification_settings, notification_subscriptions};
use crate::db::{DbConn, from_db_time, to_db_time};
use crate::error::{AppError, FieldError};
use crate::tenders::model::Category;
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::json;

/// How long a verification link works.
pub const VERIFY_WITHIN: chrono::Duration = chrono::Duration::hours(24);

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = notification_settings)]
pub struct SettingsRow {
    pub user_id: String,
    pub email: Option<String>,
    pub email_verified_at: Option<NaiveDateTime>,
    pub language: String,
    pub muted_json: String,
    pub wanted_json: String,
    pub updated_at: NaiveDateTime,
}

/// A user's choices, read.
#[derive(Debug, Clone, Default)]
pub struct Choices {
    pub language: Language,
    pub email: Option<String>,
    pub verified: bool,
    pub muted: Vec<Kind>,
    pub wanted: Vec<Kind>,
}

fn kinds_of(json: &str) -> Vec<Kind> {
    serde_json::from_str::<Vec<String>>(json)
        .unwrap_or_default()
        .iter()
        .filter_map(|c| Kind::from_code(c))
        .collect()
}

impl Choices {
    pub fn of(row: &SettingsRow) -> Choices {
        Choices {
            language: Language::from_code(&row.language).unwrap_or_default(),
            email: row.email.clone(),
            verified: row.email_verified_at.is_some(),
            muted: kinds_of(&row.muted_json),
            wanted: kinds_of(&row.wanted_json),
        }
    }

    /// Whether the user gets `kind` at all (opt-in kinds only if asked for).
    pub fn wants(&self, kind: Kind) -> bool {
        kind.class() != Class::OptIn || self.wanted.contains(&kind)
    }

    /// The verified address to send `kind` to, if the user gets it by
    /// e-mail.
    pub fn address_for(&self, kind: Kind) -> Option<String> {
        if !self.verified || !self.wants(kind) {
            return None;
        }
        if kind.class() == Class::Optional && self.muted.contains(&kind) {
            return None;
        }
        self.email.clone()
    }
}

pub fn load(conn: &mut DbConn, user_id: &str) -> Result<Choices, AppError> {
    let row: Option<SettingsRow> = notification_settings::table
        .find(user_id)
        .select(SettingsRow::as_select())
        .first(conn)
        .optional()?;
    Ok(row.as_ref().map(Choices::of).unwrap_or_default())
}

/// Checks an e-mail address as entered: one mailbox, no display name, no
/// white space or control characters, at most 254 characters.
pub fn parse_address(raw: &str) -> Result<String, AppError> {
    let bad = |why: &str| {
        AppError::invalid_field(
            crate::error::FieldError::new("address", why)
                .because("notify.address", serde_json::json!({})),
        )
    };
    if raw.len() > 254 {
        return Err(bad("at most 254 characters"));
    }
    if raw.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(bad(
            "an address has no spaces, line breaks or control characters",
        ));
    }
    let parsed: lettre::Address = raw
        .parse()
        .map_err(|_| bad("not an e-mail address (name@example.com)"))?;
    if !parsed.domain().contains('.') && parsed.domain() != "localhost" {
        return Err(bad("the domain needs a dot (name@example.com)"));
    }
    Ok(parsed.to_string())
}

fn save(
    conn: &mut DbConn,
    user_id: &str,
    choices: &Choices,
    now: DateTime<Utc>,
    verified_at: Option<NaiveDateTime>,
) -> Result<(), AppError> {
    let codes = |kinds: &[Kind]| {
        serde_json::to_string(&kinds.iter().map(|k| k.code()).collect::<Vec<_>>())
            .unwrap_or_else(|_| "[]".into())
    };
    let exists: i64 = notification_settings::table
        .find(user_id)
        .count()
        .get_result(conn)?;
    let values = (
        notification_settings::email.eq(choices.email.as_deref()),
        notification_settings::email_verified_at.eq(verified_at),
        notification_settings::language.eq(choices.language.code()),
        notification_settings::muted_json.eq(codes(&choices.muted)),
        notification_settings::wanted_json.eq(codes(&choices.wanted)),
        notification_settings::updated_at.eq(to_db_time(now)),
    );
    if exists > 0 {
        diesel::update(notification_settings::table.find(user_id))
            .set(values)
            .execute(conn)?;
    } else {
        diesel::insert_into(notification_settings::table)
            .values((notification_settings::user_id.eq(user_id), values))
            .execute(conn)?;
    }
    Ok(())
}

fn verified_at(conn: &mut DbConn, user_id: &str) -> Result<Option<NaiveDateTime>, AppError> {
    Ok(notification_settings::table
        .find(user_id)
        .select(notification_settings::email_verified_at)
        .first::<Option<NaiveDateTime>>(conn)
        .optional()?
        .flatten())
}

/// What a user changes of its choices.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChoicesInput {
    /// `zh` (the default) or `en`.
    pub language: Option<String>,
    /// Optional kinds not to get by e-mail (they still reach the inbox).
    pub muted: Option<Vec<Kind>>,
    /// Opt-in kinds to get (supervision alerts).
    pub wanted: Option<Vec<Kind>>,
}

/// Changes a user's language and choices; procedural kinds cannot be
/// muted, and only opt-in kinds are "wanted".
pub fn change(
    conn: &mut DbConn,
    ctx: &AuditContext,
    user_id: &str,
    input: &ChoicesInput,
) -> Result<Choices, AppError> {
    let mut errors = Vec::new();
    let mut choices = load(conn, user_id)?;
    if let Some(code) = &input.language {
        match Language::from_code(code) {
            Some(l) => choices.language = l,
            None => errors.push(
                FieldError::new("language", "zh or en")
                    .because("value.one-of", json!({ "allowed": ["zh", "en"] })),
            ),
        }
    }
    if let Some(muted) = &input.muted {
        for kind in muted {
            if kind.class() != Class::Optional {
                errors.push(
                    FieldError::new(
                        "muted",
                        format!(
                            "{} cannot be switched off: the procedure depends on it, or it is opt-in",
                            kind.code()
                        ),
                    )
                    .because("notify.not-optional", json!({})),
                );
            }
        }
        choices.muted = muted.clone();
    }
    if let Some(wanted) = &input.wanted {
        for kind in wanted {
            if kind.class() != Class::OptIn {
                errors.push(
                    FieldError::new("wanted", format!("{} is not an opt-in kind", kind.code()))
                        .because("notify.not-opt-in", json!({})),
                );
            }
        }
        choices.wanted = wanted.clone();
    }
    AppError::check(errors)?;
    choices.muted.sort_by_key(|k| k.code());
    choices.muted.dedup();
    choices.wanted.sort_by_key(|k| k.code());
    choices.wanted.dedup();
    let verified = verified_at(conn, user_id)?;
    save(conn, user_id, &choices, ctx.now, verified)?;
    #[derive(Serialize)]
    struct Changed<'a> {
        language: &'a str,
        muted: Vec<&'a str>,
        wanted: Vec<&'a str>,
    }
    audit::record(
        conn,
        ctx,
        "notification.settings_changed",
        "user",
        user_id,
        None,
        &Changed {
            language: choices.language.code(),
            muted: choices.muted.iter().map(|k| k.code()).collect(),
            wanted: choices.wanted.iter().map(|k| k.code()).collect(),
        },
    )?;
    Ok(choices)
}

/// Sets a new, unverified address and sends it a single-use link. The
/// returned token is only ever in that message.
pub fn add_address(
    conn: &mut DbConn,
    ctx: &AuditContext,
    user_id: &str,
    raw: &str,
) -> Result<String, AppError> {
    let address = parse_address(raw)?;
    let mut choices = load(conn, user_id)?;
    choices.email = Some(address.clone());
    save(conn, user_id, &choices, ctx.now, None)?;
    // Earlier links stop working: only the newest address can be verified.
    diesel::update(
        email_verifications::table
            .filter(email_verifications::user_id.eq(user_id))
            .filter(email_verifications::used_at.is_null()),
    )
    .set(email_verifications::used_at.eq(to_db_time(ctx.now)))
    .execute(conn)?;
    let token = crate::identity::new_token().map_err(AppError::Internal)?;
    let expires = ctx.now + VERIFY_WITHIN;
    diesel::insert_into(email_verifications::table)
        .values((
            email_verifications::token_sha256.eq(crate::identity::token_hash(&token)),
            email_verifications::user_id.eq(user_id),
            email_verifications::email.eq(&address),
            email_verifications::created_at.eq(to_db_time(ctx.now)),
            email_verifications::expires_at.eq(to_db_time(expires)),
        ))
        .execute(conn)?;
    let message = Message::new(
        Kind::EmailVerification,
        format!("email:{}", crate::identity::token_hash(&token)),
    )
    .field("address", address.clone())
    .time("expires_at", expires)
    .link(format!("/#/verify-email/{token}"))
    .email_only();
    let id = super::send_to_address(conn, ctx, &message, user_id, choices.language, &address)?;
    #[derive(Serialize)]
    struct Added<'a> {
        address_sha256: String,
        notification: &'a str,
    }
    // The address itself stays out of the log (it is personal data); its
    // hash shows which one was verified later.
    audit::record(
        conn,
        ctx,
        "notification.email_added",
        "user",
        user_id,
        None,
        &Added {
            address_sha256: crate::identity::hex(&openssl::sha::sha256(address.as_bytes())),
            notification: &id,
        },
    )?;
    Ok(address)
}

/// Verifies the address a token was sent to, once, before it expires, and
/// only if it is still the user's address.
pub fn verify(conn: &mut DbConn, ctx: &AuditContext, token: &str) -> Result<String, AppError> {
    let refused = || {
        AppError::invalid_field(
            crate::error::FieldError::new(
                "token",
                "this link is unknown, was used already, was replaced by a newer one, or has expired",
            )
            .because("notify.link-invalid", serde_json::json!({})),
        )
    };
    if token.len() > 128
        || !token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_')
    {
        return Err(refused());
    }
    let hash = crate::identity::token_hash(token);
    let row: Option<(String, String, NaiveDateTime, Option<NaiveDateTime>)> =
        email_verifications::table
            .find(&hash)
            .select((
                email_verifications::user_id,
                email_verifications::email,
                email_verifications::expires_at,
                email_verifications::used_at,
            ))
            .first(conn)
            .optional()?;
    let Some((user_id, email, expires, used)) = row else {
        return Err(refused());
    };
    if used.is_some() || from_db_time(expires) < ctx.now {
        return Err(refused());
    }
    let choices = load(conn, &user_id)?;
    if choices.email.as_deref() != Some(email.as_str()) {
        return Err(refused());
    }
    let marked = diesel::update(
        email_verifications::table
            .find(&hash)
            .filter(email_verifications::used_at.is_null()),
    )
    .set(email_verifications::used_at.eq(to_db_time(ctx.now)))
    .execute(conn)?;
    if marked != 1 {
        return Err(refused());
    }
    save(conn, &user_id, &choices, ctx.now, Some(to_db_time(ctx.now)))?;
    #[derive(Serialize)]
    struct Verified {
        address_sha256: String,
    }
    audit::record(
        conn,
        ctx,
        "notification.email_verified",
        "user",
        &user_id,
        None,
        &Verified {
            address_sha256: crate::identity::hex(&openssl::sha::sha256(email.as_bytes())),
        },
    )?;
    Ok(user_id)
}

/// Demo data only: gives a demo account an address taken as verified (an
/// `example.com` one, so the `.eml` files show what the platform sends
/// from the first start), without the link a real user must open.
pub fn demo_address(
    conn: &mut DbConn,
    user_id: &str,
    address: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let mut choices = load(conn, user_id)?;
    choices.email = Some(parse_address(address)?);
    save(conn, user_id, &choices, now, Some(to_db_time(now)))
}

/// Removes the user's address: nothing more is sent by e-mail; what is
/// queued still goes to the address it was queued for.
pub fn remove_address(
    conn: &mut DbConn,
    ctx: &AuditContext,
    user_id: &str,
) -> Result<(), AppError> {
    let mut choices = load(conn, user_id)?;
    choices.email = None;
    save(conn, user_id, &choices, ctx.now, None)?;
    audit::record(
        conn,
        ctx,
        "notification.email_removed",
        "user",
        user_id,
        None,
        &serde_json::json!({}),
    )?;
    Ok(())
}

/// One followed category, in one league or (`"*"`) in every league.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Subscription {
    pub category: Category,
    /// A league code, or `*` for every league.
    pub league: String,
}

pub fn subscriptions(conn: &mut DbConn, user_id: &str) -> Result<Vec<Subscription>, AppError> {
    let rows: Vec<(String, String)> = notification_subscriptions::table
        .filter(notification_subscriptions::user_id.eq(user_id))
        .select((
            notification_subscriptions::category,
            notification_subscriptions::league_code,
        ))
        .order((
            notification_subscriptions::category,
            notification_subscriptions::league_code,
        ))
        .load(conn)?;
    rows.into_iter()
        .map(|(c, league)| {
            Ok(Subscription {
                category: Category::from_db(&c)?,
                league,
            })
        })
        .collect()
}

/// Replaces the user's subscriptions (at most 64; leagues must exist).
pub fn set_subscriptions(
    conn: &mut DbConn,
    ctx: &AuditContext,
    user_id: &str,
    wanted: &[Subscription],
) -> Result<Vec<Subscription>, AppError> {
    use crate::db::schema::leagues;
    let mut errors = Vec::new();
    if wanted.len() > 64 {
        errors.push(
            FieldError::new("subscriptions", "at most 64")
                .because("list.too-many", json!({ "max": 64 })),
        );
    }
    for (i, s) in wanted.iter().enumerate() {
        if s.league != "*" {
            let known: i64 = leagues::table
                .filter(leagues::code.eq(&s.league))
                .count()
                .get_result(conn)?;
            if known == 0 {
                errors.push(
                    FieldError::new(
                        format!("[{i}].league"),
                        "no such league (or * for every league)",
                    )
                    .because("notify.league-or-every", json!({ "league": s.league })),
                );
            }
        }
    }
    AppError::check(errors)?;
    diesel::delete(
        notification_subscriptions::table.filter(notification_subscriptions::user_id.eq(user_id)),
    )
    .execute(conn)?;
    let mut kept: Vec<Subscription> = wanted.to_vec();
    kept.sort_by(|a, b| (a.category.code(), &a.league).cmp(&(b.category.code(), &b.league)));
    kept.dedup();
    for s in &kept {
        diesel::insert_into(notification_subscriptions::table)
            .values((
                notification_subscriptions::user_id.eq(user_id),
                notification_subscriptions::category.eq(s.category.code()),
                notification_subscriptions::league_code.eq(&s.league),
                notification_subscriptions::created_at.eq(to_db_time(ctx.now)),
            ))
            .execute(conn)?;
    }
    audit::record(
        conn,
        ctx,
        "notification.subscriptions_changed",
        "user",
        user_id,
        None,
        &kept,
    )?;
    Ok(kept)
}

/// The users who follow `category` in `league` (or everywhere).
pub fn subscribers(
    conn: &mut DbConn,
    category: Category,
    league: &str,
) -> Result<Vec<String>, AppError> {
    Ok(notification_subscriptions::table
        .filter(notification_subscriptions::category.eq(category.code()))
        .filter(notification_subscriptions::league_code.eq_any([league, "*"]))
        .select(notification_subscriptions::user_id)
        .distinct()
        .load(conn)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_checked_at_entry() {
        assert_eq!(parse_address("a.b@example.com").unwrap(), "a.b@example.com");
        for bad in [
            "",
            "no-at-sign",
            "a@b",
            "a@example.com\r\nBcc: x@example.com",
            "Name <a@example.com>",
            "a @example.com",
            "a@exa mple.com",
        ] {
            assert!(parse_address(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn procedural_kinds_reach_a_verified_address_whatever_was_muted() {
        let c = Choices {
            email: Some("a@example.com".into()),
            verified: true,
            muted: vec![Kind::TenderPublished, Kind::BidReceipt],
            ..Default::default()
        };
        assert_eq!(
            c.address_for(Kind::BidReceipt).as_deref(),
            Some("a@example.com")
        );
        assert_eq!(c.address_for(Kind::TenderPublished), None);
        assert!(!c.wants(Kind::SupervisionAlert));
        let unverified = Choices {
            verified: false,
            ..c
        };
        assert_eq!(unverified.address_for(Kind::BidReceipt), None);
    }
}
