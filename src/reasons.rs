//! The reasons a refusal gives, beside its problem code (issue 23: "every
//! string translated, including the API's problem `detail` shown to users").
//!
//! A problem's `code` says what kind of refusal it is (`conflict`,
//! `forbidden`…); its English `detail` says why, for a reader of the raw
//! response. For the portal to say *why* in the user's language, a refusal
//! may also carry a stable `reason` key and the `params` its sentence names
//! ([`crate::error::AppError::because`]; the evaluation room's refusals on
//! its socket carry the same, [`crate::evaluation::room::Refusing`]), and a
//! field error a `rule` with `params` ([`crate::error::FieldError::because`]).
//!
//! Every key is listed here with the names of its params; the portal's
//! catalogue (`frontend/src/i18n/problems.json`) says each in Chinese and
//! English with the same `{placeholders}`. The tests below hold the three
//! together: every problem code, reason and rule is in the catalogue in both
//! languages, with the placeholders its params name, and every key the
//! source gives (`.because("…"`) is listed here. A key is never reused for
//! another meaning; a new meaning is a new key.

use serde_json::Value;

/// Reasons: (key, names of its params).
pub const REASONS: &[(&str, &[&str])] = &[
    // Signing in, and the common 401/403.
    ("auth.sign-in-first", &[]),
    ("auth.token-unknown", &[]),
    ("auth.bearer-form", &[]),
    ("auth.session-other-certificate", &[]),
    ("auth.session-needs-mtls", &[]),
    ("auth.certificate-no-longer-valid", &["cause"]),
    ("auth.not-certificate-session", &[]),
    ("auth.role-missing", &["roles"]),
    ("auth.needs-operator", &["area"]),
    ("auth.league-operators-only", &["area"]),
    ("auth.platform-operator-only", &["area"]),
    ("auth.other-league", &["area", "mine", "other"]),
    ("signin.challenge-unknown", &[]),
    ("signin.challenge-used", &[]),
    ("signin.certificate-unreadable", &[]),
    ("signin.certificate-invalid", &["cause", "checks"]),
    ("signin.key-unreadable", &[]),
    ("signin.key-unsupported", &[]),
    ("signin.signature-invalid", &[]),
    ("signin.profile-mismatch", &[]),
    ("signin.no-vouching", &[]),
    ("signin.wrong-service", &["profile", "expected", "actual"]),
    ("signin.disabled", &[]),
    (
        "signin.league-not-accepted",
        &["account_league", "service", "league"],
    ),
    ("signin.cannot-sign-in", &[]),
    ("signin.no-role", &["profile", "roles"]),
    ("signin.not-enrolled", &[]),
    ("signin.no-client-certificate", &[]),
    // The evaluation room (its socket's `error` messages).
    ("room.points-range", &["criterion", "max"]),
    ("room.points-decimals", &[]),
    ("room.watchers-only-watch", &[]),
    ("room.not-member", &[]),
    ("room.recused", &[]),
    ("room.closed", &[]),
    ("room.declared-already", &[]),
    ("room.recusal-reason", &["max"]),
    ("room.recuse-too-late", &[]),
    ("room.correction-is-chairs", &[]),
    ("room.question-length", &["max"]),
    ("room.chair-only", &["action"]),
    ("room.correct-during-review", &[]),
    ("room.price-positive", &[]),
    ("room.correction-reason", &["max"]),
    ("room.corrected-already", &["lot", "bid"]),
    ("room.signature-missing", &[]),
    ("room.dissent-reason", &["max"]),
    ("room.reason-length", &["max"]),
    ("room.declare-first", &[]),
    ("room.not-scoring", &[]),
    ("room.no-report-yet", &[]),
    ("room.answered-report", &[]),
    ("room.no-lot", &["lot", "lots"]),
    ("room.no-bid", &["lot", "bid"]),
    ("room.no-such-round", &["round"]),
    ("room.round-not-open", &["round"]),
    ("room.round-closed", &["round"]),
    ("room.chair-elected-already", &[]),
    ("room.representative-not-chair", &[]),
    ("room.voted-already", &[]),
    ("room.candidate-not-sitting", &[]),
    ("room.no-review-item", &["item", "items"]),
    ("room.bid-out", &["lot", "bid"]),
    ("room.general-item-fails-only", &[]),
    ("room.pass-no-ground", &[]),
    ("room.fail-needs-ground", &["grounds"]),
    ("room.ground-not-listed", &["ground"]),
    ("room.fail-needs-reason", &[]),
    ("room.reviewed-already", &[]),
    ("room.no-criterion", &["lot", "criterion"]),
    ("room.price-computed", &[]),
    ("room.bid-rejected", &["lot", "bid", "ground"]),
    ("room.reason-required", &["criterion"]),
    ("room.scored-already", &[]),
    ("room.resolve-before-report", &[]),
    ("room.resolve-objective-only", &[]),
    ("room.nothing-to-resolve", &[]),
    ("room.no-round-open", &[]),
    ("room.round-incomplete", &["votes", "scores"]),
    ("room.disagreements", &["items"]),
    ("room.action-id", &["max"]),
    ("room.sign-with-certificate", &[]),
    ("room.certificate-unreadable", &[]),
    ("room.signature-not-base64", &[]),
    ("room.signature-invalid", &[]),
    ("room.not-json", &[]),
    ("room.not-an-action", &[]),
    ("room.not-stored", &[]),
    // Any live socket (the hall's, the room's) that does not understand a
    // message.
    ("live.not-understood", &[]),
    ("live.binary", &[]),
    // The evaluation room over HTTP (joining it, its report, its venue).
    ("room.members-and-supervisors", &[]),
    ("room.after-seq", &[]),
    ("room.certificate-session", &[]),
    ("room.own-venue-only", &[]),
    ("room.report-confidential", &[]),
    ("room.report-until-result", &[]),
    ("room.report-members-only", &[]),
    ("room.not-open", &[]),
    // An expert's invitations and profile.
    ("invitation.lapsed-at", &["deadline"]),
    ("invitation.lapsed", &[]),
    ("invitation.answered-already", &[]),
    ("invitation.none", &[]),
    ("invitation.room-open", &[]),
    ("experts.no-profile", &[]),
    // The committee's draw and the supervisor's contribution.
    ("draw.record-restricted", &[]),
    ("draw.not-configured", &[]),
    ("draw.drawn-already", &[]),
    ("draw.before-deadline", &["deadline"]),
    ("draw.tender-ended", &[]),
    ("draw.checkpoint-pending", &[]),
    ("draw.commitment-not-logged", &[]),
    ("draw.not-in-scope", &[]),
    // Supervision: alerts, the feed's and the record's filters.
    ("supervision.no-alert", &[]),
    ("supervision.alert-acknowledged", &[]),
    ("supervision.after-index", &[]),
    ("supervision.action-code", &[]),
    ("supervision.read-only", &[]),
    ("supervision.tender-id", &[]),
    ("supervision.actor-id", &[]),
    ("supervision.client-addr", &[]),
    ("supervision.from-after-to", &[]),
    ("query.whole-number", &["name"]),
];

/// Field rules: (key, names of its params).
pub const RULES: &[(&str, &[&str])] = &[
    ("text.empty", &[]),
    ("text.control-chars", &[]),
    ("text.too-long", &["max"]),
    ("scope.category-needed", &[]),
    ("scope.no-category", &[]),
    ("scope.kind-needed", &[]),
    ("scope.not-supervisor", &[]),
    ("league.unknown", &["league"]),
];

/// Whether `key` is listed in `list` with exactly the params `params` has
/// (a JSON object; `{}` for none).
pub fn matches(list: &[(&str, &[&str])], key: &str, params: &Value) -> bool {
    let Some((_, names)) = list.iter().find(|(k, _)| *k == key) else {
        return false;
    };
    let Some(given) = params.as_object() else {
        return false;
    };
    given.len() == names.len() && names.iter().all(|n| given.contains_key(*n))
}

#[cfg(test)]
mod tests;
