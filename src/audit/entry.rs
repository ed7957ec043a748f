//! One audit event as read back from the database, and its canonical
//! encoding: the bytes that become a leaf of the transparency log.
//!
//! ```text
//! 0x01                      version
//! u64 big-endian            seq (the event's row number)
//! i64 big-endian            occurred_at, microseconds since the Unix epoch (UTC)
//! nine optional UTF-8 strings, in this order:
//!   actor_id, actor_role, action, object_type, object_id, tender_id,
//!   client_addr, request_id, payload_sha256
//! each: 0x00 when absent, or 0x01 || u32 big-endian length || the bytes
//! ```
//!
//! Length prefixes make the encoding unambiguous and easy to rebuild in any
//! language (the independent checker in `tests/independent/audit_log.py`
//! does); it carries every column, so changing any of them changes the leaf.

use crate::db::schema::audit_events;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

pub const VERSION: u8 = 1;

/// An audit event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AuditEvent {
    pub seq: i64,
    pub occurred_at: DateTime<Utc>,
    pub actor_id: Option<String>,
    pub actor_role: String,
    pub action: String,
    pub object_type: String,
    pub object_id: String,
    pub tender_id: Option<String>,
    pub client_addr: Option<String>,
    pub request_id: Option<String>,
    pub payload_sha256: String,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = audit_events)]
pub struct AuditRow {
    seq: i64,
    occurred_at: chrono::NaiveDateTime,
    actor_id: Option<String>,
    actor_role: String,
    action: String,
    object_type: String,
    object_id: String,
    tender_id: Option<String>,
    client_addr: Option<String>,
    request_id: Option<String>,
    payload_sha256: String,
}

impl From<AuditRow> for AuditEvent {
    fn from(r: AuditRow) -> Self {
        AuditEvent {
            seq: r.seq,
            occurred_at: crate::db::from_db_time(r.occurred_at),
            actor_id: r.actor_id,
            actor_role: r.actor_role,
            action: r.action,
            object_type: r.object_type,
            object_id: r.object_id,
            tender_id: r.tender_id,
            client_addr: r.client_addr,
            request_id: r.request_id,
            payload_sha256: r.payload_sha256,
        }
    }
}

impl AuditEvent {
    /// The canonical encoding (see the module's documentation).
    pub fn leaf_input(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(256);
        out.push(VERSION);
        out.extend_from_slice(&(self.seq as u64).to_be_bytes());
        out.extend_from_slice(&self.occurred_at.timestamp_micros().to_be_bytes());
        for field in [
            self.actor_id.as_deref(),
            Some(self.actor_role.as_str()),
            Some(self.action.as_str()),
            Some(self.object_type.as_str()),
            Some(self.object_id.as_str()),
            self.tender_id.as_deref(),
            self.client_addr.as_deref(),
            self.request_id.as_deref(),
            Some(self.payload_sha256.as_str()),
        ] {
            match field {
                None => out.push(0),
                Some(text) => {
                    out.push(1);
                    out.extend_from_slice(&(text.len() as u32).to_be_bytes());
                    out.extend_from_slice(text.as_bytes());
                }
            }
        }
        out
    }

    pub fn leaf_hash(&self) -> super::merkle::Hash {
        super::merkle::leaf_hash(&self.leaf_input())
    }

    /// Reads an encoding back; `None` when it is not one.
    pub fn from_leaf_input(bytes: &[u8]) -> Option<AuditEvent> {
        let mut r = Reader(bytes);
        if r.take(1)? != [VERSION] {
            return None;
        }
        let seq = i64::try_from(u64::from_be_bytes(r.take(8)?.try_into().ok()?)).ok()?;
        let micros = i64::from_be_bytes(r.take(8)?.try_into().ok()?);
        let occurred_at = DateTime::from_timestamp_micros(micros)?;
        let mut fields = Vec::with_capacity(9);
        for _ in 0..9 {
            fields.push(r.optional()?);
        }
        if !r.0.is_empty() {
            return None;
        }
        let mut f = fields.into_iter();
        let mut next = || f.next().flatten();
        Some(AuditEvent {
            seq,
            occurred_at,
            actor_id: next(),
            actor_role: next()?,
            action: next()?,
            object_type: next()?,
            object_id: next()?,
            tender_id: next(),
            client_addr: next(),
            request_id: next(),
            payload_sha256: next()?,
        })
    }
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.0.len() < n {
            return None;
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Some(head)
    }

    fn optional(&mut self) -> Option<Option<String>> {
        match self.take(1)? {
            [0] => Some(None),
            [1] => {
                let len = u32::from_be_bytes(self.take(4)?.try_into().ok()?) as usize;
                let text = std::str::from_utf8(self.take(len)?).ok()?;
                Some(Some(text.to_string()))
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event() -> AuditEvent {
        AuditEvent {
            seq: 42,
            occurred_at: DateTime::from_timestamp_micros(1_795_000_000_123_456).unwrap(),
            actor_id: Some("u-1".into()),
            actor_role: "tenderer".into(),
            action: "tender.create".into(),
            object_type: "tender".into(),
            object_id: "t-1".into(),
            tender_id: Some("t-1".into()),
            client_addr: None,
            request_id: Some("r".into()),
            payload_sha256: "ab".into(),
        }
    }

    #[test]
    fn encoding_round_trips_and_is_fixed() {
        let e = event();
        let bytes = e.leaf_input();
        assert_eq!(AuditEvent::from_leaf_input(&bytes), Some(e.clone()));
        // The layout, byte by byte, as documented.
        assert_eq!(&bytes[..17], {
            let mut head = vec![1u8];
            head.extend_from_slice(&42u64.to_be_bytes());
            head.extend_from_slice(&1_795_000_000_123_456i64.to_be_bytes());
            head
        });
        assert_eq!(&bytes[17..25], b"\x01\x00\x00\x00\x03u-1");
        assert!(bytes.ends_with(b"\x01\x00\x00\x00\x01r\x01\x00\x00\x00\x02ab"));
    }

    #[test]
    fn every_field_changes_the_leaf() {
        let base = event().leaf_hash();
        type Change = Box<dyn Fn(&mut AuditEvent)>;
        let changes: Vec<Change> = vec![
            Box::new(|e| e.seq += 1),
            Box::new(|e| e.occurred_at += chrono::Duration::microseconds(1)),
            Box::new(|e| e.actor_id = None),
            Box::new(|e| e.actor_role.push('x')),
            Box::new(|e| e.action.push('x')),
            Box::new(|e| e.object_type.push('x')),
            Box::new(|e| e.object_id.push('x')),
            Box::new(|e| e.tender_id = None),
            Box::new(|e| e.client_addr = Some(String::new())),
            Box::new(|e| e.request_id = None),
            Box::new(|e| e.payload_sha256.push('x')),
        ];
        for change in changes {
            let mut e = event();
            change(&mut e);
            assert_ne!(e.leaf_hash(), base, "{e:?}");
        }
    }

    #[test]
    fn malformed_encodings_are_refused() {
        let bytes = event().leaf_input();
        for cut in 0..bytes.len() {
            assert_eq!(AuditEvent::from_leaf_input(&bytes[..cut]), None, "{cut}");
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert_eq!(AuditEvent::from_leaf_input(&longer), None);
        let mut version = bytes;
        version[0] = 2;
        assert_eq!(AuditEvent::from_leaf_input(&version), None);
    }
}
