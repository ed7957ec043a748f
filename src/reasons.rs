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
//!
//! Keys are grouped by area, the part before the first dot (`tender.`,
//! `bid.`, `opening.`, `objection.`, `contract.`, `trust.`…); rules that
//! any field may break are generic (`text.`, `number.`, `list.`, `id.`,
//! `value.`, `time.`, `encoding.`), and an area has rules of its own only
//! where the law or the procedure sets them (`award.`, `tender.`,
//! `contract.`). What params carry:
//!
//! - instants as [`time`] says them: RFC 3339 in Beijing time with its
//!   offset (`2026-12-01T09:00:00+08:00`);
//! - amounts as [`yuan`] says them (`12345.67`), the sentence naming the
//!   unit;
//! - an article as [`cite`] says it, in `basis` (`招标投标法实施条例
//!   第22条`; the legal time limits' own, `tenders::limits::Period::cite`);
//! - the kind of record a `record.not-found` names, as `what`: one of
//!   [`THINGS`], said through the catalogue's `values.what`;
//! - codes (a tender's `status`, an `action`, a `category`, a `method`, a
//!   `bid_status`, a `regime`…) as the API gives them: the catalogue's
//!   `values.<param>` says each in both languages, and a test holds every
//!   code of those enums to its table.

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::Value;

/// An instant as a reason's params name it: RFC 3339 to the second, in
/// Beijing time with its offset (`2026-12-01T09:00:00+08:00`), so that a
/// sentence shows the time the procedure runs on, its zone said.
pub fn time(at: DateTime<Utc>) -> String {
    at.with_timezone(&crate::calendar::beijing())
        .to_rfc3339_opts(SecondsFormat::Secs, false)
}

/// As [`time`], to the millisecond, for a moment that a second does not
/// tell apart (a bid a moment late is late).
pub fn time_ms(at: DateTime<Utc>) -> String {
    at.with_timezone(&crate::calendar::beijing())
        .to_rfc3339_opts(SecondsFormat::Millis, false)
}

/// An amount in fen as a reason's params name it: yuan with two decimals
/// (`12345.67`), the unit its sentence says.
pub fn yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    format!(
        "{sign}{}.{:02}",
        fen.unsigned_abs() / 100,
        fen.unsigned_abs() % 100
    )
}

/// An article's citation alone, as a reason's `basis` param names it: the
/// part of a rule's basis before the text it quotes (`…: 不得少于二十日`)
/// or an English note (`(check)`, `(one supplier; …)`), so that either
/// language's sentence cites it (`招标投标法实施条例 第22条`).
pub fn cite(basis: &str) -> &str {
    let basis = basis.split(": ").next().unwrap_or(basis);
    let note = basis
        .match_indices(" (")
        .find(|(i, _)| {
            basis[i + 2..]
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_lowercase())
        })
        .map(|(i, _)| i);
    basis[..note.unwrap_or(basis.len())].trim()
}

/// Why an action was refused, where the refusal is not an HTTP problem of
/// its own (the evaluation room's actions, an auction's quotes): a stable
/// code, a sentence for the actor (English), and the reason the pages say in
/// the actor's language: a key of [`REASONS`] and the values its sentence names, sent
/// as the error's `reason` and `params` (as a problem's are).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub code: &'static str,
    pub message: String,
    pub reason: &'static str,
    pub params: Value,
}

/// A refusal being made: it is one once it says why ([`Refusing::because`]).
#[must_use = "a refusal says why: finish it with .because(reason, params)"]
pub struct Refusing {
    code: &'static str,
    message: String,
}

impl Refusing {
    /// The refusal, with its reason's key and values.
    pub fn because<T>(self, reason: &'static str, params: Value) -> Result<T, Refusal> {
        Err(Refusal::new(self.code, self.message, reason, params))
    }
}

impl Refusal {
    fn new(
        code: &'static str,
        message: impl Into<String>,
        reason: &'static str,
        params: Value,
    ) -> Refusal {
        debug_assert!(
            matches(REASONS, reason, &params),
            "reason {reason} with params {params} is not in reasons::REASONS as used"
        );
        Refusal {
            code,
            message: message.into(),
            reason,
            params,
        }
    }
}

/// Refuses an action: finished by [`Refusing::because`].
pub fn refuse(code: &'static str, message: impl Into<String>) -> Refusing {
    Refusing {
        code,
        message: message.into(),
    }
}

/// Reasons: (key, names of its params).
pub const REASONS: &[(&str, &[&str])] = &[
    // Trades found by price (auctions::engine, auctions::store).
    ("auction.agreement-below", &["floor"]),
    ("auction.agreement-recorded", &[]),
    ("auction.amount-range", &["max"]),
    ("auction.applicants-sealed", &[]),
    ("auction.applied-already", &[]),
    ("auction.below-floor", &["floor"]),
    ("auction.bidders-fixed", &["starts_at"]),
    ("auction.certificate-session", &[]),
    ("auction.closed", &[]),
    ("auction.continue-needs-quote", &[]),
    ("auction.continue-rule", &[]),
    ("auction.countdown-range", &["min", "max"]),
    ("auction.decided-already", &["status"]),
    ("auction.deciding", &["until"]),
    ("auction.declarations-over", &[]),
    ("auction.declared-already", &[]),
    ("auction.id-reused", &[]),
    ("auction.increment-not-now", &[]),
    ("auction.kind-procedure", &["kind", "category", "method"]),
    ("auction.leader-may-not-raise", &[]),
    (
        "auction.listing-period",
        &["days", "unit", "earliest", "basis"],
    ),
    ("auction.no-agreement", &[]),
    ("auction.no-declarations", &[]),
    ("auction.no-sealed-bids", &[]),
    ("auction.not-a-participant", &[]),
    ("auction.not-multiple", &["base", "increment"]),
    ("auction.not-open", &["starts_at"]),
    ("auction.not-qualified", &[]),
    ("auction.not-stored", &[]),
    ("auction.no-opening", &[]),
    ("auction.not-taking-applications", &["status"]),
    (
        "auction.notice-period",
        &["days", "unit", "earliest", "basis"],
    ),
    ("auction.number-not-yours", &[]),
    ("auction.period-order", &[]),
    ("auction.period-range", &["days"]),
    ("auction.record-after-close", &[]),
    ("auction.no-reserve", &[]),
    ("auction.reserve-decided", &[]),
    ("auction.reserve-not-due", &[]),
    ("auction.reserve-not-now", &[]),
    ("auction.reserve-seal-not-now", &["status"]),
    ("auction.reserve-sealed-already", &[]),
    ("auction.reserve-sellers", &[]),
    ("auction.reserve-too-late", &["starts_at"]),
    ("auction.restart-window", &[]),
    (
        "auction.starts-before-applications-close",
        &["starts_at", "deadline"],
    ),
    ("auction.tender-not-published", &["status"]),
    ("auction.terms-fixed", &["status"]),
    ("auction.too-many-increments", &["max"]),
    // Deposits told by banks (auctions::banks).
    ("deposit.amount-short", &["required"]),
    ("deposit.no-applicant", &[]),
    ("deposit.other-league", &["mine", "other"]),
    ("deposit.reference-reused", &[]),
    ("deposit.signature-invalid", &[]),
    // Signing in first, and the common 401/403.
    ("auth.bearer-form", &[]),
    ("auth.certificate-no-longer-valid", &["cause"]),
    ("auth.league-operators-only", &["area"]),
    ("auth.needs-operator", &["area"]),
    ("auth.not-certificate-session", &[]),
    ("auth.other-league", &["area", "mine", "other"]),
    ("auth.platform-operator-only", &["area"]),
    ("auth.role-missing", &["roles"]),
    ("auth.session-needs-mtls", &[]),
    ("auth.session-other-certificate", &[]),
    ("auth.sign-in-first", &[]),
    ("auth.token-unknown", &[]),
    // Signing in with a certificate.
    ("signin.cannot-sign-in", &[]),
    ("signin.certificate-invalid", &["cause", "checks"]),
    ("signin.certificate-unreadable", &[]),
    ("signin.challenge-unknown", &[]),
    ("signin.challenge-used", &[]),
    ("signin.disabled", &[]),
    ("signin.key-unreadable", &[]),
    ("signin.key-unsupported", &[]),
    (
        "signin.league-not-accepted",
        &["account_league", "service", "league"],
    ),
    ("signin.no-client-certificate", &[]),
    ("signin.no-role", &["profile", "roles"]),
    ("signin.no-vouching", &[]),
    ("signin.not-enrolled", &[]),
    ("signin.platform-account-needs-staff-ca", &["league"]),
    ("signin.profile-mismatch", &[]),
    ("signin.signature-invalid", &[]),
    ("signin.staff-ca-platform-operators-only", &[]),
    ("signin.wrong-service", &["profile", "expected", "actual"]),
    // What the signed-in account is (its league, organisation, enterprise).
    ("account.no-enterprise", &[]),
    ("account.no-league", &[]),
    ("account.no-organisation", &[]),
    // Query strings and headers.
    ("query.filter", &[]),
    ("query.league-code", &["name"]),
    ("query.length", &["name", "max"]),
    ("query.malformed", &[]),
    ("query.missing-parameter", &["name"]),
    ("query.not-negative", &["name"]),
    ("query.one-of", &["name", "allowed"]),
    ("query.parameter-twice", &["name"]),
    ("query.range", &["name", "min", "max"]),
    ("query.text", &["name", "max"]),
    ("query.unknown-parameter", &["name"]),
    ("query.value-one-of", &["allowed"]),
    ("query.whole-number", &["name"]),
    // A tender: drafting, publishing, amending, its lifecycle and the legal
    // time limits (`tenders::limits`; `basis` cites the article).
    ("tender.action-not-now", &["status", "action"]),
    ("tender.amend-after-deadline", &["deadline"]),
    ("tender.amend-published-only", &["status"]),
    (
        "tender.amendment-period",
        &["days", "unit", "earliest", "basis"],
    ),
    ("tender.bid-deadline-passed", &[]),
    ("tender.changed-meanwhile", &[]),
    ("tender.clarification-deadline-passed", &[]),
    ("tender.clarification-period", &["days", "unit", "basis"]),
    ("tender.documents-closed", &["status"]),
    (
        "tender.documents-period",
        &[
            "category",
            "method",
            "days",
            "unit",
            "available",
            "deadline",
            "earliest",
            "basis",
        ],
    ),
    ("tender.draft-only", &[]),
    ("tender.invited-sign-in", &[]),
    ("tender.invitees-restricted", &[]),
    ("tender.managers-only", &[]),
    ("tender.mine-organisers-only", &[]),
    ("tender.no-candidates", &[]),
    ("tender.not-invited-ask", &[]),
    ("tender.not-invited-bid", &[]),
    ("tender.not-invited-documents", &[]),
    ("tender.own-league-only", &["mine", "league"]),
    (
        "tender.publicity-period",
        &["days", "unit", "given", "basis"],
    ),
    ("tender.publicity-running", &["until"]),
    ("tender.publicity-too-late", &["signed", "deadline"]),
    ("tender.report-not-signed", &[]),
    ("tender.sign-in-as-manager", &[]),
    ("tender.status-final", &["status", "action"]),
    (
        "tender.tenderer-other-league",
        &["tenderer_league", "league"],
    ),
    ("tender.tenderer-own-organisation", &[]),
    // The working-day calendar the periods in working days are counted on.
    ("calendar.year-missing", &["year"]),
    // Clarification questions and their answers.
    ("clarification.answer-before-deadline", &[]),
    ("clarification.answered-already", &[]),
    ("clarification.deadline-passed", &["deadline"]),
    ("clarification.tender-not-published", &["status"]),
    // Uploading a file: tender documents, bid uploads.
    ("upload.busy", &[]),
    ("upload.content-type-invalid", &[]),
    ("upload.data-gone", &[]),
    ("upload.expired", &[]),
    ("upload.filename", &["max"]),
    ("upload.interrupted", &[]),
    ("upload.not-multipart", &[]),
    ("upload.offset-mismatch", &["offset", "have"]),
    ("upload.offset-required", &[]),
    ("upload.over-limit", &["limit"]),
    ("upload.past-declared", &["size"]),
    ("upload.resume-at", &["offset"]),
    ("upload.too-large", &["size", "limit"]),
    // Bids: submitting, the envelope, the deadline, withdrawing.
    ("bid.certificate-session", &[]),
    ("bid.deadline-passed", &["deadline", "now"]),
    ("bid.envelope-cipher", &["cipher"]),
    ("bid.envelope-detached", &[]),
    ("bid.envelope-digest", &["algorithm"]),
    ("bid.envelope-invalid", &[]),
    ("bid.envelope-not-encrypted", &[]),
    ("bid.envelope-not-signed", &[]),
    ("bid.envelope-signature-invalid", &[]),
    ("bid.envelope-signer-mismatch", &[]),
    ("bid.envelope-trailing-bytes", &[]),
    ("bid.no-enterprise", &[]),
    ("bid.no-opening-key", &[]),
    ("bid.not-current", &["bid_status"]),
    ("bid.not-for-this-tender", &[]),
    ("bid.one-signer", &["signers"]),
    ("bid.other-enterprise", &["signer"]),
    ("bid.personal-certificate", &[]),
    ("bid.session-certificate-rejected", &["league", "cause"]),
    ("bid.sha256-mismatch", &["sha256", "expected"]),
    ("bid.sign-in", &[]),
    ("bid.signer-certificate-rejected", &["league", "cause"]),
    ("bid.signer-certificate-unreadable", &[]),
    ("bid.size-declared", &["size", "limit"]),
    ("bid.tender-not-open", &["status"]),
    ("bid.too-large", &["size", "limit"]),
    ("bid.upload-complete", &["bid"]),
    ("bid.uploads-open", &["max"]),
    // The opening: the opening key, its shares, the opened bids.
    ("opening.before-deadline", &["deadline"]),
    ("opening.bids-supervisors-only", &[]),
    ("opening.container-gone", &[]),
    ("opening.enough-shares", &[]),
    ("opening.no-key-yet", &[]),
    ("opening.no-platform-share", &[]),
    ("opening.no-share", &[]),
    ("opening.not-completed", &["opening"]),
    ("opening.not-started", &[]),
    ("opening.over", &["status"]),
    ("opening.run-elsewhere", &[]),
    ("opening.share-not-committed", &[]),
    ("opening.share-other", &["presented", "held"]),
    ("opening.share-released-already", &["custodian"]),
    ("opening.share-unreadable", &[]),
    ("opening.shares-before-opening", &[]),
    ("opening.sign-in-as-custodian", &[]),
    // The opening key's custodians, named at publication.
    ("custody.bidder", &["user"]),
    ("custody.no-certificate", &["user"]),
    ("custody.one-party", &["shares", "threshold"]),
    ("custody.operator", &["user"]),
    ("custody.too-few", &[]),
    // The purchaser's qualification review (government procurement).
    ("qualification.at-registration", &["category", "method"]),
    ("qualification.before-evaluation", &["status"]),
    ("qualification.by-committee", &["category", "method"]),
    ("qualification.concluded", &[]),
    ("qualification.found-already", &["bid"]),
    ("qualification.over", &["status"]),
    ("qualification.pending", &["pending", "valid"]),
    ("qualification.restricted", &[]),
    // The evaluation: opening its room, the committee, clarifications of bids.
    ("evaluation.absence-not-now", &[]),
    ("evaluation.answered-already", &[]),
    ("evaluation.bidder-answers", &[]),
    ("evaluation.by-auction", &[]),
    ("evaluation.committee-short", &["seated", "size"]),
    ("evaluation.member-joined", &[]),
    ("evaluation.no-valid-bid", &[]),
    ("evaluation.not-sitting", &[]),
    ("evaluation.not-started", &[]),
    ("evaluation.qualification-pending", &[]),
    ("evaluation.report-ready", &[]),
    ("evaluation.room-open-already", &[]),
    ("evaluation.scoring-over", &[]),
    // The committee's composition and its members.
    ("committee.left-already", &[]),
    ("committee.none", &["category", "method"]),
    ("committee.none-by-price", &["category", "method"]),
    ("committee.not-drawn", &[]),
    ("committee.not-member", &[]),
    // The evaluation room (its socket's `error` messages, and over HTTP).
    ("room.action-id", &["max"]),
    ("room.after-seq", &[]),
    ("room.answered-report", &[]),
    ("room.bid-out", &["lot", "bid"]),
    ("room.bid-rejected", &["lot", "bid", "ground"]),
    ("room.candidate-not-sitting", &[]),
    ("room.certificate-session", &[]),
    ("room.certificate-unreadable", &[]),
    ("room.chair-elected-already", &[]),
    ("room.chair-only", &["action"]),
    ("room.closed", &[]),
    ("room.correct-during-review", &[]),
    ("room.corrected-already", &["lot", "bid"]),
    ("room.correction-is-chairs", &[]),
    ("room.correction-reason", &["max"]),
    ("room.declare-first", &[]),
    ("room.declared-already", &[]),
    ("room.disagreements", &["items"]),
    ("room.dissent-reason", &["max"]),
    ("room.fail-needs-ground", &["grounds"]),
    ("room.fail-needs-reason", &[]),
    ("room.general-item-fails-only", &[]),
    ("room.ground-not-listed", &["ground"]),
    ("room.members-and-supervisors", &[]),
    ("room.no-bid", &["lot", "bid"]),
    ("room.no-criterion", &["lot", "criterion"]),
    ("room.no-lot", &["lot", "lots"]),
    ("room.no-report-yet", &[]),
    ("room.no-review-item", &["item", "items"]),
    ("room.no-round-open", &[]),
    ("room.no-such-round", &["round"]),
    ("room.not-an-action", &[]),
    ("room.not-json", &[]),
    ("room.not-member", &[]),
    ("room.not-open", &[]),
    ("room.not-scoring", &[]),
    ("room.not-stored", &[]),
    ("room.nothing-to-resolve", &[]),
    ("room.own-venue-only", &[]),
    ("room.pass-no-ground", &[]),
    ("room.points-decimals", &[]),
    ("room.points-range", &["criterion", "max"]),
    ("room.price-computed", &[]),
    ("room.price-positive", &[]),
    ("room.question-length", &["max"]),
    ("room.reason-length", &["max"]),
    ("room.reason-required", &["criterion"]),
    ("room.recusal-reason", &["max"]),
    ("room.recuse-too-late", &[]),
    ("room.recused", &[]),
    ("room.report-confidential", &[]),
    ("room.report-members-only", &[]),
    ("room.report-until-result", &[]),
    ("room.representative-not-chair", &[]),
    ("room.resolve-before-report", &[]),
    ("room.resolve-objective-only", &[]),
    ("room.reviewed-already", &[]),
    ("room.round-closed", &["round"]),
    ("room.round-incomplete", &["votes", "scores"]),
    ("room.round-not-open", &["round"]),
    ("room.scored-already", &[]),
    ("room.sign-with-certificate", &[]),
    ("room.signature-invalid", &[]),
    ("room.signature-missing", &[]),
    ("room.signature-not-base64", &[]),
    ("room.voted-already", &[]),
    ("room.watchers-only-watch", &[]),
    // Any live socket (the hall's, the room's) that does not understand a
    // message.
    ("live.binary", &[]),
    ("live.not-understood", &[]),
    ("live.subprotocol", &["protocol"]),
    ("live.websocket-only", &[]),
    // An expert's invitations.
    ("invitation.answered-already", &[]),
    ("invitation.lapsed", &[]),
    ("invitation.lapsed-at", &["deadline"]),
    ("invitation.none", &[]),
    ("invitation.room-open", &[]),
    // The expert pool and an expert's profile.
    ("experts.no-profile", &[]),
    ("experts.profile-exists", &[]),
    // The committee's draw and the supervisor's contribution.
    ("draw.before-deadline", &["deadline"]),
    ("draw.checkpoint-pending", &[]),
    ("draw.commit-too-late", &["minutes", "deadline"]),
    ("draw.commit-while-published", &["status"]),
    ("draw.commitment-not-logged", &[]),
    ("draw.committed-already", &[]),
    ("draw.drawn-already", &[]),
    ("draw.not-configured", &[]),
    ("draw.not-in-scope", &[]),
    ("draw.record-restricted", &[]),
    ("draw.tender-ended", &[]),
    // The award: its winner, taken from the signed report, and its time limits.
    ("award.confirmation-over", &["deadline"]),
    // The signed price record of a land or property award.
    ("price-record.certificate-rejected", &["league", "cause"]),
    // A bidder's own result.
    ("result.no-opened-bid", &[]),
    ("result.not-decided", &[]),
    ("result.sign-in-as-bidder", &[]),
    // Notices of award and result notices.
    ("notice.restricted", &[]),
    ("notice.sign-in", &[]),
    // Objections (异议) and challenges (质疑): who raises them, and when.
    ("objection.documents-obtained-only", &[]),
    ("objection.enterprise-only", &[]),
    (
        "objection.not-now",
        &["regime", "subject", "status", "basis"],
    ),
    ("objection.not-unanswered", &[]),
    ("objection.opening-bidders-only", &[]),
    (
        "objection.pending",
        &["regime", "subject", "raised", "action", "basis"],
    ),
    ("objection.process-participants-only", &[]),
    ("objection.result-bidders-only", &[]),
    ("objection.result-not-published", &["regime", "basis"]),
    (
        "objection.window-closed",
        &["regime", "subject", "closed", "basis"],
    ),
    // Complaints (投诉) to the administrative supervisor.
    ("complaint.administrative-only", &[]),
    ("complaint.answer-awaited", &["basis"]),
    ("complaint.answer-awaited-until", &["until", "basis"]),
    ("complaint.filed-already", &[]),
    ("complaint.not-accepted", &["complaint_status"]),
    ("complaint.not-being-handled", &["complaint_status"]),
    ("complaint.not-filed", &["complaint_status"]),
    ("complaint.objector-only", &[]),
    ("complaint.outside-scope", &[]),
    ("complaint.window-closed", &["closed", "basis"]),
    // The procedure as a whole: suspended, or kept open by objections and
    // complaints.
    ("procedure.complaint-open", &[]),
    ("procedure.complaint-window-open", &["until", "basis"]),
    ("procedure.ended", &[]),
    ("procedure.not-suspended-by-complaint", &[]),
    ("procedure.objection-unanswered", &["regime", "raised"]),
    (
        "procedure.objection-window-open",
        &["regime", "until", "basis"],
    ),
    ("procedure.suspended", &[]),
    ("procedure.suspended-already", &[]),
    ("procedure.suspended-until", &["until"]),
    ("procedure.suspension-too-long", &["max", "basis"]),
    // Contracts: drafting, signing, publishing.
    ("contract.award-has-contract", &[]),
    ("contract.changed-meanwhile", &[]),
    ("contract.close-needs-published", &["open", "awards"]),
    ("contract.close-needs-signed", &["open", "awards"]),
    ("contract.cms-invalid", &[]),
    ("contract.cms-one-signer", &["signers"]),
    ("contract.drafters-only", &[]),
    ("contract.frozen", &[]),
    ("contract.no-credit-code", &["party"]),
    ("contract.not-awarded", &["status"]),
    ("contract.objection-pending", &[]),
    ("contract.other-enterprise", &["signer", "party_code"]),
    ("contract.parties-only", &[]),
    ("contract.party-signed-already", &["party"]),
    ("contract.personal-certificate", &[]),
    ("contract.publish-signed-only", &[]),
    ("contract.published-already", &[]),
    ("contract.seal-invalid", &["cause"]),
    ("contract.seal-other-certificate", &[]),
    ("contract.seal-other-owner", &["owner", "party_code"]),
    ("contract.seal-unreadable", &[]),
    ("contract.signed-already", &[]),
    ("contract.signed-no-fail", &["signed"]),
    ("contract.signer-certificate-rejected", &["cause"]),
    ("contract.signer-certificate-unreadable", &[]),
    // The trust registry: services, CRLs, recognitions.
    ("trust.agreement-ended", &[]),
    ("trust.crl-issuer-not-yours", &[]),
    ("trust.listed-already", &["league"]),
    ("trust.no-issuer", &[]),
    (
        "trust.recognised-already",
        &["league", "recognised", "service"],
    ),
    ("trust.signature-invalid", &[]),
    ("trust.status-already", &["service_status"]),
    ("trust.unfit", &[]),
    ("trust.withdrawn", &[]),
    // Accounts managed by operators.
    ("accounts.disabled-already", &[]),
    ("accounts.enabled-already", &[]),
    ("accounts.identity-taken", &[]),
    ("accounts.own-account", &[]),
    ("accounts.own-roles", &[]),
    ("accounts.platform-operator-only", &[]),
    ("accounts.roles-unchanged", &[]),
    // Leagues.
    ("league.exists", &["league"]),
    // E-mail notifications and their settings.
    ("notify.not-dead-letter", &["delivery"]),
    // The audit log and its API.
    ("audit.beyond-log", &["name", "value", "size"]),
    ("audit.consistency-sizes", &[]),
    ("audit.entries-range", &["max"]),
    ("audit.index-outside-tree", &["index", "size"]),
    // Supervision: alerts, the feed's and the record's filters.
    ("supervision.action-code", &[]),
    ("supervision.actor-id", &[]),
    ("supervision.after-index", &[]),
    ("supervision.alert-acknowledged", &[]),
    ("supervision.client-addr", &[]),
    ("supervision.from-after-to", &[]),
    ("supervision.no-alert", &[]),
    ("supervision.read-only", &[]),
    ("supervision.tender-id", &[]),
    // The request itself: its body, its address, its method.
    ("http.body-too-large", &["limit"]),
    ("http.body-unreadable", &[]),
    ("http.json-cut-short", &[]),
    ("http.json-only", &[]),
    ("http.method-not-allowed", &["method", "allowed"]),
    ("http.no-resource", &[]),
    ("http.not-json", &["line", "column"]),
    // Any record: none such, or one that already exists.
    ("record.exists-already", &[]),
    ("record.not-found", &["what"]),
    ("record.refers-to-missing", &[]),
    // Open data.
    ("opendata.page-empty", &[]),
    // The timestamp authority.
    ("tsa.no-root", &[]),
];

/// The kinds of thing a `record.not-found` names (`what`), as
/// [`crate::error::AppError::not_found`] is given them; the catalogue's
/// `values.what` says each in both languages.
pub const THINGS: &[&str] = &[
    "account",
    "applicant",
    "attachment",
    "auction",
    "bid",
    "calendar year",
    "challenge",
    "clarification",
    "clarification request",
    "complaint",
    "contract",
    "contract document",
    "dead letter",
    "document",
    "expert",
    "file",
    "league",
    "notice",
    "notification",
    "objection",
    "opened bid",
    "opening key",
    "problem type",
    "published tender",
    "recognition agreement",
    "record",
    "result notice",
    "seal signature",
    "service type",
    "session",
    "signature",
    "tender",
    "trust service",
    "upload",
    "venue",
];

/// Field rules: (key, names of its params).
pub const RULES: &[(&str, &[&str])] = &[
    // The sealed reserve's envelope and commitment (auctions::reserve).
    ("auction.reserve-commitment", &[]),
    ("auction.reserve-envelope", &[]),
    ("auction.reserve-recipients", &["recipients"]),
    // Text fields.
    ("text.control-chars", &[]),
    ("text.empty", &[]),
    ("text.too-long", &["max"]),
    // Numbers.
    ("number.at-least", &["min"]),
    ("number.not-negative", &[]),
    ("number.percentage", &[]),
    ("number.positive", &[]),
    ("number.range", &["min", "max"]),
    // Lists.
    ("list.count-range", &["min", "max"]),
    ("list.duplicate", &["value"]),
    ("list.empty", &[]),
    ("list.too-many", &["max"]),
    // Ids and references.
    ("id.credit-code", &[]),
    ("id.malformed", &[]),
    ("id.resident-id", &[]),
    ("id.unknown", &[]),
    // Any value.
    ("value.given-twice", &[]),
    ("value.invalid", &[]),
    ("value.one-of", &["allowed"]),
    ("value.required", &[]),
    ("value.unchangeable", &[]),
    ("value.unknown-field", &[]),
    ("value.wrong-type", &[]),
    // Times.
    ("time.date", &[]),
    ("time.end-before-start", &[]),
    ("time.future", &[]),
    ("time.not-before", &["earliest"]),
    // Encoded values (base64, hex, PEM).
    ("encoding.base64", &[]),
    ("encoding.base64-or-pem", &[]),
    ("encoding.certificate", &[]),
    ("encoding.crl", &[]),
    ("encoding.hex-digits", &["digits"]),
    ("encoding.policy-oid", &["oid"]),
    // Leagues.
    ("league.unknown", &["league"]),
    // A supervisor's scope.
    ("scope.category-needed", &[]),
    ("scope.kind-needed", &[]),
    ("scope.no-category", &[]),
    ("scope.not-supervisor", &[]),
    // A tender's fields.
    ("tender.agent-names-tenderer", &[]),
    ("tender.bid-deadline-before-clarification", &[]),
    ("tender.bid-validity-needed", &[]),
    ("tender.ceiling-within-budget", &[]),
    ("tender.clarification-after-bid-deadline", &[]),
    ("tender.clarification-before-documents", &[]),
    ("tender.code-format", &["max"]),
    ("tender.criteria-needed", &[]),
    ("tender.deadline-only-later", &["deadline"]),
    ("tender.document-not-pending", &["document"]),
    (
        "tender.evaluation-not-allowed",
        &["category", "method", "evaluation", "basis"],
    ),
    ("tender.gp-lowest-price-base", &[]),
    ("tender.invitees-fixed", &[]),
    ("tender.invitees-not-invited", &[]),
    ("tender.invitees-too-few", &["min", "given"]),
    ("tender.lots-over-budget", &[]),
    ("tender.method-not-allowed", &["category", "method"]),
    ("tender.one-price-criterion", &[]),
    ("tender.price-criterion-needed", &[]),
    (
        "tender.price-weight",
        &["weight", "purchase", "method", "min", "max", "basis"],
    ),
    ("tender.purchase-needed", &[]),
    ("tender.sme-deduction-gp-only", &[]),
    (
        "tender.sme-deduction-range",
        &["purchase", "min", "max", "basis"],
    ),
    ("tender.weights-total", &["total"]),
    // The opening key's custody.
    ("custody.publish-only", &[]),
    ("custody.shared-certificate", &[]),
    // The award's winner and reason.
    ("award.award-only", &[]),
    ("award.every-lot-failed", &[]),
    ("award.lot-not-in-report", &["lot"]),
    ("award.name-each-lot", &[]),
    ("award.name-winner", &[]),
    ("award.no-candidate", &[]),
    ("award.no-price", &["bid"]),
    ("award.not-candidate", &["bid"]),
    ("award.not-valid-bid", &["bid"]),
    ("award.one-winner-without-report", &[]),
    ("award.reason-no-report", &[]),
    ("award.reason-not-first", &["rank"]),
    ("award.reason-unranked", &[]),
    ("award.report-not-signed", &[]),
    // The signed price record of a land or property award.
    ("price-record.not-taken", &[]),
    ("price-record.other-signer", &["signer"]),
    ("price-record.personal-certificate", &[]),
    ("price-record.required", &[]),
    ("price-record.signature-invalid", &[]),
    ("price-record.unreadable", &[]),
    // Objections.
    ("objection.no-such-subject", &["regime", "subject"]),
    // Contracts.
    ("contract.bond-ceiling", &["max", "value"]),
    ("contract.lot-fixed", &["lot"]),
    ("contract.no-such-award", &[]),
    ("contract.no-such-clause", &["clause", "clauses"]),
    ("contract.supplier-fixed", &[]),
    ("contract.value-fixed", &["value"]),
    // Seals.
    ("seal.document-or-digest", &[]),
    // The trust registry.
    ("trust.crl-critical-extension", &[]),
    ("trust.crl-from-future", &[]),
    ("trust.crl-issuer-no-issuers", &[]),
    ("trust.crl-issuer-no-requirement", &[]),
    ("trust.crl-signer-not-allowed", &["signer"]),
    ("trust.crl-unknown-signer", &[]),
    ("trust.league-required", &[]),
    ("trust.ocsp-url", &[]),
    ("trust.recognise-own-league", &[]),
    ("trust.source-url", &["max"]),
    ("trust.staff-ca-is-the-platforms", &[]),
    ("trust.staff-ca-not-recognised", &[]),
    // The expert pool.
    ("experts.account-no-league", &[]),
    ("experts.email", &["max"]),
    ("experts.not-expert-account", &[]),
    ("experts.phone", &["min", "max"]),
    ("experts.specialty-code", &[]),
    // The qualification review.
    ("qualification.not-valid-bid", &[]),
    ("qualification.reason-needed", &[]),
    // The evaluation.
    ("evaluation.confirm-correction", &[]),
    ("evaluation.confirm-only-correction", &[]),
    // Notification settings.
    ("notify.address", &[]),
    ("notify.league-or-every", &["league"]),
    ("notify.link-invalid", &[]),
    ("notify.not-opt-in", &[]),
    ("notify.not-optional", &[]),
    // Accounts.
    ("accounts.credit-code-needs-organisation", &[]),
    ("accounts.id-number-for-persons", &["roles"]),
    ("accounts.organisation-needs-league", &[]),
    ("accounts.person-needs-league", &[]),
    // Request headers.
    ("audit.device-header", &["min", "max"]),
    // A bid's price schedule.
    ("bid.lots-sum-overflow", &[]),
    ("bid.total-is-lots-sum", &["sum"]),
    // The working-day calendar.
    ("calendar.holidays-needed", &[]),
    ("calendar.other-year", &["year"]),
    ("calendar.workday-weekend", &["date"]),
    // The committee's composition and its draw.
    ("committee.complex-gp-only", &[]),
    ("committee.complex-reason-alone", &[]),
    (
        "committee.experts-two-thirds",
        &["members", "experts", "max", "basis"],
    ),
    ("committee.representative-of-tenderer", &[]),
    ("committee.representatives-fill", &["representatives"]),
    ("committee.size", &["min", "members", "basis"]),
    ("committee.size-max", &["max"]),
    ("draw.avoidance-operator-only", &[]),
    ("draw.cross-site-venue", &[]),
    ("draw.declines-operator-only", &["min", "max"]),
    ("draw.history-operator-only", &["min"]),
    ("draw.one-main-venue", &[]),
    ("draw.one-venue-per-league", &["league"]),
    ("draw.quotas-over-seats", &["seats", "size"]),
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
