//! What an alert says, for the portal to say it in the user's language
//! (issue 23: "every string translated"). An alert's `summary` is an
//! English sentence, kept for readers of the raw API, for the mail and for
//! alerts kept before this; beside it the alert carries a stable `reason`
//! key and the `params` its sentence names, as a refusal does
//! ([`crate::reasons`]), in the form its reader may see: with the bidders
//! by name, or until the opening by label only (`labels`: the numbers of
//! "bidder 1", "bidder 2"…), or, for a league's operators before the
//! result, only that a member's marks are sealed.
//!
//! Every key is listed in [`ALERTS`] with the names of its params; the
//! portal's catalogue (`frontend/src/i18n/alerts.json`) says each in
//! Chinese and English with the same `{placeholders}`, and names every
//! kind of alert (`kinds`); `cargo test --lib reasons` holds them together.
//! What params carry, beside the conventions of [`crate::reasons`] (times
//! via [`crate::reasons::time`], amounts via [`crate::reasons::yuan`],
//! articles via [`crate::reasons::cite`] in `basis`):
//!
//! - `bidders`: the bidders' names, as a list; `labels`: the bidders'
//!   label numbers, as a list (the portal says "投标人1" / "bidder 1");
//! - `prices` and `step`: amounts in yuan (a list, one);
//! - `files`: the documents found in several bids, each
//!   `{"sha256": first 12 hex digits, "held": [{"bidder", "file"}]}`;
//! - `kind`, `subject`, `audit_action`: codes the portal names (an alert's
//!   kind, an objection's subject, an action of the audit record);
//! - people by their names (`expert`, `operator`), bids by the label the
//!   evaluation room gives them (`bid`), criteria by their names.
//!
//! A key is never reused for another meaning; a new meaning is a new key.

use serde_json::Value;

/// Alerts' sentences: (key, names of its params).
pub const ALERTS: &[(&str, &[&str])] = &[
    // Bids of different bidders sharing a trait: by name after the opening,
    // by label before it (the shared value then withheld too).
    (
        "alert.same-client-address",
        &["count", "address", "bidders"],
    ),
    ("alert.same-client-address-sealed", &["count", "labels"]),
    ("alert.same-device", &["count", "device", "bidders"]),
    ("alert.same-device-sealed", &["count", "labels"]),
    ("alert.same-signer", &["count", "certificate", "bidders"]),
    ("alert.same-signer-sealed", &["count", "labels"]),
    (
        "alert.identical-price-schedule",
        &["count", "sha256", "bidders"],
    ),
    (
        "alert.identical-price-schedule-sealed",
        &["count", "labels"],
    ),
    (
        "alert.identical-documents",
        &["count", "documents", "files"],
    ),
    (
        "alert.identical-documents-more",
        &["count", "documents", "files", "more"],
    ),
    (
        "alert.identical-documents-sealed",
        &["count", "documents", "labels"],
    ),
    // Prices, once opened: they name no bidder.
    ("alert.prices-in-progression", &["count", "step", "prices"]),
    ("alert.prices-in-narrow-band", &["count", "band", "prices"]),
    // Staff.
    (
        "alert.operator-action-after-deadline",
        &["operator", "audit_action", "at"],
    ),
    // The evaluation room's flagged score.
    (
        "alert.score-deviation",
        &["expert", "bid", "criterion", "points", "mean", "deviation"],
    ),
    (
        "alert.score-deviation-zero-mean",
        &["expert", "bid", "criterion", "points"],
    ),
    // The same in a tender of several lots: the lot said.
    (
        "alert.score-deviation-in-lot",
        &[
            "expert",
            "lot",
            "bid",
            "criterion",
            "points",
            "mean",
            "deviation",
        ],
    ),
    (
        "alert.score-deviation-zero-mean-in-lot",
        &["expert", "lot", "bid", "criterion", "points"],
    ),
    // Clocks run out: objections, complaints, contracts.
    ("alert.objection-answer-overdue", &["subject", "due"]),
    ("alert.complaint-acceptance-overdue", &["due"]),
    ("alert.complaint-decision-overdue", &["due"]),
    ("alert.contract-not-signed", &["award", "due", "basis"]),
    ("alert.contract-not-published", &["award", "due", "basis"]),
    // What a reader is not shown: a member and its marks before the result
    // (a league's operators), the bidders of an alert kept before sealed
    // summaries existed (before the opening).
    ("alert.committee-sealed", &["kind"]),
    ("alert.details-sealed", &["kind"]),
];

/// An alert's sentence: its key and the values it names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Said {
    pub reason: &'static str,
    pub params: Value,
}

impl Said {
    /// The sentence `reason` naming `params` (a JSON object), which
    /// [`ALERTS`] must list with exactly those params.
    pub fn new(reason: &'static str, params: Value) -> Said {
        debug_assert!(
            crate::reasons::matches(ALERTS, reason, &params),
            "alert sentence {reason} with params {params} is not in supervision::said::ALERTS as used"
        );
        Said { reason, params }
    }

    /// The params as stored (JSON text).
    pub fn params_json(&self) -> String {
        self.params.to_string()
    }
}
