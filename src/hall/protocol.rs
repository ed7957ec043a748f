//! The live channel's wire protocol, pure: the JSON messages either side
//! sends, the reassembly of fragmented client messages under a size limit,
//! and the cursor that keeps delivery gap-free and duplicate-free.
//!
//! Server → client (text frames):
//! - `{"type":"event","seq":n,"kind":"…","at":"RFC 3339","payload":{…}}`
//! - `{"type":"live","last_seq":n}`: the replay is done; everything up to `n`
//!   has been sent, and what follows arrives as it happens
//! - `{"type":"error","message":"…","reason":"live.…","params":{}}`: a client
//!   message was not understood (the reason a key of
//!   [`crate::reasons::REASONS`], as a problem's); the socket stays open
//!
//! Client → server (text frames): `{"type":"resume","after":n}` (optional):
//! send again everything after `n`, then carry on live.

use super::store::HallEvent;
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;

/// A message from the server.
#[derive(Debug, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerMessage<'a> {
    Event {
        seq: i64,
        kind: &'a str,
        at: DateTime<Utc>,
        payload: &'a serde_json::value::RawValue,
    },
    Live {
        last_seq: i64,
    },
    Error {
        message: &'a str,
        /// Why, as a key the pages translate (`live.not-understood`,
        /// `live.binary`); with `params` as a refusal's.
        reason: &'static str,
        params: Value,
    },
}

impl<'a> ServerMessage<'a> {
    pub fn event(event: &'a HallEvent) -> Self {
        ServerMessage::Event {
            seq: event.seq,
            kind: &event.kind,
            at: event.at,
            payload: &event.payload,
        }
    }

    /// A message not understood, with its reason (a key of
    /// [`crate::reasons::REASONS`] with no params).
    pub fn error(message: &'a str, reason: &'static str) -> Self {
        ServerMessage::Error {
            message,
            reason,
            params: Value::Object(Default::default()),
        }
    }

    pub fn to_text(&self) -> String {
        // A tag, numbers, strings and a JSON value: serialising cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// A message from the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientMessage {
    Resume { after: i64 },
}

const EXPECTED: &str = r#"the only message understood is {"type":"resume","after":n}"#;

/// Reads a client's text message. The error is a message for the client; it
/// never repeats what the client sent.
pub fn parse_client(text: &str) -> Result<ClientMessage, String> {
    let value: Value = serde_json::from_str(text).map_err(|_| format!("not JSON; {EXPECTED}"))?;
    let Some(object) = value.as_object() else {
        return Err(format!("not a JSON object; {EXPECTED}"));
    };
    match object.get("type").and_then(Value::as_str) {
        Some("resume") => {}
        Some(_) => return Err(format!("unknown message type; {EXPECTED}")),
        None => return Err(format!("\"type\" is missing; {EXPECTED}")),
    }
    if object.keys().any(|k| k != "type" && k != "after") {
        return Err(format!("unknown field; {EXPECTED}"));
    }
    match object.get("after").and_then(Value::as_i64) {
        Some(after) if after >= 0 => Ok(ClientMessage::Resume { after }),
        _ => Err("\"after\" must be a whole number, 0 or more".into()),
    }
}

/// Whether a client's text is a `resume` message (well-formed or not);
/// other messages go to the channel.
pub fn is_resume(text: &str) -> bool {
    serde_json::from_str::<Value>(text)
        .ok()
        .and_then(|v| v.get("type").and_then(Value::as_str).map(|t| t == "resume"))
        .unwrap_or(false)
}

/// What to do with an event that arrives live.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Already sent (by the replay, or published twice): skip it.
    Skip,
    /// The next one: send it.
    Send,
    /// Events between the last sent and this one have not arrived live
    /// (published out of order, or never): read them from the database first.
    Fill,
}

/// The number of the last event sent to one client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    pub last: i64,
}

impl Cursor {
    pub fn step(&self, seq: i64) -> Step {
        if seq <= self.last {
            Step::Skip
        } else if seq == self.last + 1 {
            Step::Send
        } else {
            Step::Fill
        }
    }
}

/// Why a client message could not be reassembled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// Larger than the limit, in all its fragments together.
    TooBig,
    /// A continuation without a start, or a new start inside one.
    OutOfOrder,
    /// A text message that is not UTF-8.
    NotUtf8,
}

/// A reassembled client message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Whole {
    Text(String),
    Binary(usize),
}

/// Reassembles fragmented client messages (RFC 6455 §5.4), never holding
/// more than `limit` bytes.
#[derive(Debug)]
pub struct Assembler {
    limit: usize,
    text: bool,
    buf: Option<Vec<u8>>,
}

/// A fragment of a client message.
#[derive(Debug, Clone, Copy)]
pub enum Fragment<'a> {
    FirstText(&'a [u8]),
    FirstBinary(&'a [u8]),
    Continue(&'a [u8]),
    Last(&'a [u8]),
}

impl Assembler {
    pub fn new(limit: usize) -> Self {
        Assembler {
            limit,
            text: false,
            buf: None,
        }
    }

    /// Takes one fragment; returns the whole message after its last one.
    pub fn push(&mut self, fragment: Fragment<'_>) -> Result<Option<Whole>, Refused> {
        let (bytes, first, last) = match fragment {
            Fragment::FirstText(b) => (b, Some(true), false),
            Fragment::FirstBinary(b) => (b, Some(false), false),
            Fragment::Continue(b) => (b, None, false),
            Fragment::Last(b) => (b, None, true),
        };
        match (first, &self.buf) {
            (Some(_), Some(_)) | (None, None) => {
                self.buf = None;
                return Err(Refused::OutOfOrder);
            }
            (Some(text), None) => {
                self.text = text;
                self.buf = Some(Vec::new());
            }
            (None, Some(_)) => {}
        }
        let buf = self.buf.get_or_insert_with(Vec::new);
        if buf.len() + bytes.len() > self.limit {
            self.buf = None;
            return Err(Refused::TooBig);
        }
        buf.extend_from_slice(bytes);
        if !last {
            return Ok(None);
        }
        let whole = self.buf.take().unwrap_or_default();
        if self.text {
            String::from_utf8(whole)
                .map(|t| Some(Whole::Text(t)))
                .map_err(|_| Refused::NotUtf8)
        } else {
            Ok(Some(Whole::Binary(whole.len())))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::TenderId;
    use serde_json::json;

    #[test]
    fn events_are_sent_in_the_documented_shape() {
        let event = HallEvent {
            tender_id: TenderId::new(),
            seq: 7,
            at: DateTime::parse_from_rfc3339("2026-11-23T08:00:00.5Z")
                .unwrap()
                .with_timezone(&Utc),
            kind: "tender.status".into(),
            payload: serde_json::value::to_raw_value(&json!({"to": "opening"})).unwrap(),
        };
        let text = ServerMessage::event(&event).to_text();
        let value: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            value,
            json!({"type": "event", "seq": 7, "kind": "tender.status",
                   "at": "2026-11-23T08:00:00.500Z", "payload": {"to": "opening"}})
        );
        let at = value["at"].as_str().unwrap();
        assert!(DateTime::parse_from_rfc3339(at).is_ok());
        assert_eq!(
            ServerMessage::Live { last_seq: 3 }.to_text(),
            r#"{"type":"live","last_seq":3}"#
        );
        assert_eq!(
            ServerMessage::error("no", "live.not-understood").to_text(),
            r#"{"type":"error","message":"no","reason":"live.not-understood","params":{}}"#
        );
    }

    #[test]
    fn only_resume_is_understood() {
        assert_eq!(
            parse_client(r#"{"type":"resume","after":12}"#),
            Ok(ClientMessage::Resume { after: 12 })
        );
        assert_eq!(
            parse_client(r#"{"after":0,"type":"resume"}"#),
            Ok(ClientMessage::Resume { after: 0 })
        );
        for bad in [
            "",
            "resume",
            "[1]",
            "null",
            r#"{"after":1}"#,
            r#"{"type":"subscribe","after":1}"#,
            r#"{"type":"resume"}"#,
            r#"{"type":"resume","after":-1}"#,
            r#"{"type":"resume","after":1.5}"#,
            r#"{"type":"resume","after":"1"}"#,
            r#"{"type":"resume","after":1,"extra":true}"#,
            r#"{"type":"resume","after":99999999999999999999}"#,
        ] {
            let err = parse_client(bad).expect_err(bad);
            assert!(!err.is_empty());
        }
        let echo = "x".repeat(10_000);
        let err = parse_client(&format!(r#"{{"type":"{echo}"}}"#)).unwrap_err();
        assert!(err.len() < 200, "the client's text is not echoed");
    }

    #[test]
    fn the_cursor_skips_what_was_sent_and_fills_gaps() {
        let cursor = Cursor { last: 5 };
        assert_eq!(cursor.step(3), Step::Skip);
        assert_eq!(cursor.step(5), Step::Skip);
        assert_eq!(cursor.step(6), Step::Send);
        assert_eq!(cursor.step(8), Step::Fill);
        assert_eq!(Cursor { last: 0 }.step(1), Step::Send);
    }

    #[test]
    fn fragments_are_reassembled_within_the_limit() {
        let mut a = Assembler::new(10);
        assert_eq!(a.push(Fragment::FirstText(b"{\"ty")), Ok(None));
        assert_eq!(a.push(Fragment::Continue(b"pe\"")), Ok(None));
        assert_eq!(
            a.push(Fragment::Last(b":1}")),
            Ok(Some(Whole::Text("{\"type\":1}".into())))
        );
        // The limit counts all fragments together.
        assert_eq!(a.push(Fragment::FirstBinary(&[0; 6])), Ok(None));
        assert_eq!(a.push(Fragment::Last(&[0; 5])), Err(Refused::TooBig));
        assert_eq!(a.push(Fragment::FirstBinary(&[0; 2])), Ok(None));
        assert_eq!(a.push(Fragment::Last(&[0; 2])), Ok(Some(Whole::Binary(4))));
        assert_eq!(a.push(Fragment::Continue(b"x")), Err(Refused::OutOfOrder));
        assert_eq!(a.push(Fragment::FirstText(b"x")), Ok(None));
        assert_eq!(a.push(Fragment::FirstText(b"x")), Err(Refused::OutOfOrder));
        assert_eq!(a.push(Fragment::FirstText(&[0xff])), Ok(None));
        assert_eq!(a.push(Fragment::Last(b"")), Err(Refused::NotUtf8));
    }
}
