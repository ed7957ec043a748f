//! The audit hook: every state-changing action records one event through
//! [`record`], inside the same transaction as the change, so a change without
//! its event (or an event without its change) cannot be committed. The
//! events become the leaves of a transparency log ([`tlog`]): an RFC 6962
//! Merkle tree ([`merkle`]) over their canonical encoding ([`entry`]), whose
//! heads the platform signs as checkpoints ([`note`]), and which
//! `ggzy audit verify` ([`verify`]) checks from outside. Events that name a
//! bidder stay sealed to every reader until the tender's opening
//! ([`sealing`]). Readers get them with display names derived at read time
//! ([`names`]), never logged.

pub mod entry;
pub mod log_api;
pub mod merkle;
pub mod names;
pub mod note;
mod request;
pub mod routes;
pub mod sealing;
pub mod tlog;
pub mod verify;

use crate::db::schema::audit_events;
use crate::db::{DbConn, to_db_time};
use crate::error::AppError;
use crate::identity::{Principal, Role};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;

/// The transparency log's key and how often the sequencer runs.
pub struct AuditLog {
    pub key: note::LogKey,
    /// How often events are appended and a checkpoint signed.
    pub interval: std::time::Duration,
}

impl AuditLog {
    /// The log's name (the checkpoints' origin) for a platform at
    /// `public_url`: its host and port, then `/audit-log`.
    pub fn name_for(public_url: &str) -> String {
        let host = public_url
            .split_once("://")
            .map_or(public_url, |(_, rest)| rest)
            .split('/')
            .next()
            .unwrap_or("");
        let host: String = host
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '+')
            .collect();
        let host = if host.is_empty() { "ggzy".into() } else { host };
        format!("{host}/audit-log")
    }

    /// Appends what is waiting and signs a checkpoint, now.
    pub async fn integrate(
        self: &std::sync::Arc<Self>,
        db: &crate::db::Db,
        clock: std::sync::Arc<dyn crate::clock::Clock>,
    ) -> Result<Option<tlog::SignedCheckpoint>, AppError> {
        let log = self.clone();
        db.write(move |conn| {
            let round = tlog::integrate(conn, &log.key, &|| clock.now())?;
            if let Some(cp) = &round {
                crate::cluster::bus::announce(
                    conn,
                    crate::supervision::feed::TOPIC,
                    crate::supervision::feed::CHANNEL,
                    cp.tree_size as i64,
                )?;
            }
            Ok(round)
        })
        .await
    }
}

/// Who acts, from where, and when; built once per request.
#[derive(Debug, Clone)]
pub struct AuditContext {
    pub principal: Principal,
    /// The role the principal acts in, once the handler has decided it.
    pub role: Option<Role>,
    pub client_addr: Option<String>,
    /// The device the client reports (the `Device-Fingerprint` header), as
    /// bidding clients send it with a bid.
    pub device: Option<String>,
    pub request_id: Option<String>,
    pub now: DateTime<Utc>,
}

/// The request header a client names its device in: an opaque identifier
/// of the machine, 8 to 128 visible ASCII characters (`ggzy bid submit`
/// sends a SHA-256 of the machine id). Compared across bidders, never
/// trusted for anything else.
pub const DEVICE_HEADER: &str = "Device-Fingerprint";

/// The device fingerprint a request carries: `Ok(None)` without the
/// header, an error when the header is there but not one.
pub fn device_of(req: &actix_web::HttpRequest) -> Result<Option<String>, AppError> {
    let Some(value) = req.headers().get(DEVICE_HEADER) else {
        return Ok(None);
    };
    match value.to_str() {
        Ok(text)
            if (8..=128).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_graphic()) =>
        {
            Ok(Some(text.to_string()))
        }
        _ => Err(AppError::Validation {
            detail: format!("the {DEVICE_HEADER} header must be 8 to 128 visible ASCII characters"),
            errors: vec![
                crate::error::FieldError::new(DEVICE_HEADER, "8 to 128 visible ASCII characters")
                    .because(
                        "audit.device-header",
                        serde_json::json!({ "min": 8, "max": 128 }),
                    ),
            ],
        }),
    }
}

impl AuditContext {
    /// Records actions as taken in `role`.
    pub fn acting_as(mut self, role: Role) -> Self {
        self.role = Some(role);
        self
    }

    /// For actions taken on the server's command line.
    pub fn system(now: DateTime<Utc>) -> Self {
        AuditContext {
            principal: Principal::system(),
            role: Some(Role::Operator),
            client_addr: None,
            device: None,
            request_id: None,
            now,
        }
    }
}

/// SHA-256 (hex) of the payload's canonical JSON (object keys sorted, no
/// insignificant white space).
pub fn payload_hash(payload: &impl Serialize) -> Result<String, AppError> {
    let value = serde_json::to_value(payload)
        .map_err(|e| AppError::Internal(anyhow::Error::new(e).context("audit payload")))?;
    let canonical = serde_json::to_vec(&value)
        .map_err(|e| AppError::Internal(anyhow::Error::new(e).context("audit payload")))?;
    Ok(crate::identity::hex(&openssl::sha::sha256(&canonical)))
}

/// Records one audit event. Call it inside the write transaction.
pub fn record(
    conn: &mut DbConn,
    ctx: &AuditContext,
    action: &str,
    object_type: &str,
    object_id: &str,
    tender_id: Option<&str>,
    payload: &impl Serialize,
) -> Result<(), AppError> {
    let hash = payload_hash(payload)?;
    diesel::insert_into(audit_events::table)
        .values((
            audit_events::occurred_at.eq(to_db_time(ctx.now)),
            audit_events::actor_id.eq(ctx.principal.user_id.as_ref().map(|u| u.as_str())),
            audit_events::actor_role.eq(ctx
                .role
                .map(Role::code)
                .unwrap_or_else(|| ctx.principal.audit_role())),
            audit_events::action.eq(action),
            audit_events::object_type.eq(object_type),
            audit_events::object_id.eq(object_id),
            audit_events::tender_id.eq(tender_id),
            audit_events::client_addr.eq(ctx.client_addr.as_deref()),
            audit_events::request_id.eq(ctx.request_id.as_deref()),
            audit_events::payload_sha256.eq(hash),
        ))
        .execute(conn)?;
    // Debug: the audit log holds every event; at the default level they
    // would bury the server's own messages (hundreds at a first start).
    tracing::debug!(action, object_type, object_id, "audit event recorded");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payload_hash_is_canonical() {
        #[derive(Serialize)]
        struct A {
            b: u8,
            a: u8,
        }
        #[derive(Serialize)]
        struct B {
            a: u8,
            b: u8,
        }
        assert_eq!(
            payload_hash(&A { b: 1, a: 2 }).unwrap(),
            payload_hash(&B { a: 2, b: 1 }).unwrap()
        );
        assert_ne!(
            payload_hash(&B { a: 1, b: 2 }).unwrap(),
            payload_hash(&B { a: 2, b: 1 }).unwrap()
        );
    }
}
