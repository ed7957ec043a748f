//! Collusion and misconduct signals, in pure code over plain facts about
//! one tender: the patterns supervisors hunt for. Each signal names the
//! audit events it rests on, and has a fingerprint so the same finding is
//! raised once however often it is recomputed. A signal about bidders also
//! says which bidders it names, and has a summary without their names (nor
//! the value they share) for supervisors before the opening, to which the
//! bidders' labels are added ([`Signal::sealed_summary`]). Each says the
//! same as a key and params too ([`super::said`]), in both forms
//! ([`Signal::said`], [`Signal::sealed_said`]).

use super::said::Said;
use crate::reasons::{time, yuan};
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};

/// One bid, as the record knows it.
#[derive(Debug, Clone, Default)]
pub struct BidFact {
    pub bid_id: String,
    pub bidder_org: String,
    pub bidder_name: String,
    pub client_addr: Option<String>,
    /// The device the bidding client reported (`Device-Fingerprint`).
    pub device: Option<String>,
    pub signer_cert_sha256: String,
    pub signer_subject: String,
    /// After the opening: the price schedule as read out, and its total.
    pub schedule_sha256: Option<String>,
    pub price_fen: Option<i64>,
    /// After the opening: its documents, `(name, SHA-256 hex)`.
    pub documents: Vec<(String, String)>,
    /// The audit events about this bid (`seq`): submission, opening.
    pub events: Vec<i64>,
}

/// An action on the tender recorded in the audit log.
#[derive(Debug, Clone)]
pub struct ActionFact {
    pub seq: i64,
    pub actor_role: String,
    pub actor_id: Option<String>,
    /// The actor's name, where the actor is a known user.
    pub actor_name: Option<String>,
    pub action: String,
    pub at: DateTime<Utc>,
}

/// What the signals look at for one tender.
#[derive(Debug, Clone)]
pub struct TenderFacts {
    pub bid_deadline: DateTime<Utc>,
    /// Current bids (replaced and withdrawn ones left out).
    pub bids: Vec<BidFact>,
    /// SHA-256 (hex) of the tender's own documents: a form the tenderer
    /// supplied is the same in every bid, and proves nothing.
    pub supplied: std::collections::HashSet<String>,
    pub actions: Vec<ActionFact>,
}

/// Thresholds, configurable per platform.
#[derive(Debug, Clone, Copy)]
pub struct Thresholds {
    /// All prices within this fraction of their mean (e.g. 0.005 = 0.5%).
    pub price_band: f64,
    /// Differences between consecutive prices equal within this fraction
    /// of the step.
    pub progression_tolerance: f64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            price_band: 0.005,
            progression_tolerance: 0.001,
        }
    }
}

crate::types::text_enum! {
    /// How grave an alert is (the word it is sent with).
    pub enum Severity {
        Info = "info",
        Warning = "warning",
        Critical = "critical",
    }
}

/// The kinds of signal; stored as their codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SignalKind {
    SameClientAddress,
    SameDevice,
    SameSigner,
    IdenticalPriceSchedule,
    IdenticalDocuments,
    PricesInProgression,
    PricesInNarrowBand,
    OperatorActionAfterDeadline,
    /// An expert's score far from the other members' mean (raised by the
    /// evaluation room).
    ScoreDeviation,
    /// An objection (异议/质疑) unanswered past its answer clock (raised
    /// by `objections::overdue`).
    ObjectionAnswerOverdue,
    /// A complaint neither accepted nor refused in its time.
    ComplaintAcceptanceOverdue,
    /// An accepted complaint undecided past its time.
    ComplaintDecisionOverdue,
    /// No contract signed by both parties 30 days after the award
    /// (招标投标法 第46条, 政府采购法 第46条; raised by `contracts`).
    ContractNotSigned,
    /// A signed government procurement contract not published within 2
    /// working days (政府采购法实施条例 第50条; raised by `contracts`).
    ContractNotPublished,
}

impl SignalKind {
    pub const ALL: &'static [SignalKind] = &[
        SignalKind::SameClientAddress,
        SignalKind::SameDevice,
        SignalKind::SameSigner,
        SignalKind::IdenticalPriceSchedule,
        SignalKind::IdenticalDocuments,
        SignalKind::PricesInProgression,
        SignalKind::PricesInNarrowBand,
        SignalKind::OperatorActionAfterDeadline,
        SignalKind::ScoreDeviation,
        SignalKind::ObjectionAnswerOverdue,
        SignalKind::ComplaintAcceptanceOverdue,
        SignalKind::ComplaintDecisionOverdue,
        SignalKind::ContractNotSigned,
        SignalKind::ContractNotPublished,
    ];

    /// How grave a signal of this kind is: what the bids share that only
    /// one hand makes (one signing certificate, one set of files, one price
    /// schedule, one device) is critical; what points at collusion without
    /// proving it (one address, prices in a pattern, an operator's action
    /// after the deadline, a member's score far from the others') is a
    /// warning; prices close together, common in a tight market, are for
    /// information.
    pub fn severity(self) -> Severity {
        match self {
            SignalKind::SameSigner
            | SignalKind::IdenticalDocuments
            | SignalKind::IdenticalPriceSchedule
            | SignalKind::SameDevice => Severity::Critical,
            SignalKind::SameClientAddress
            | SignalKind::PricesInProgression
            | SignalKind::OperatorActionAfterDeadline
            | SignalKind::ScoreDeviation
            | SignalKind::ObjectionAnswerOverdue
            | SignalKind::ComplaintAcceptanceOverdue
            | SignalKind::ComplaintDecisionOverdue => Severity::Warning,
            SignalKind::ContractNotSigned | SignalKind::ContractNotPublished => Severity::Warning,
            SignalKind::PricesInNarrowBand => Severity::Info,
        }
    }

    pub fn from_code(code: &str) -> Option<SignalKind> {
        SignalKind::ALL.iter().copied().find(|k| k.code() == code)
    }

    pub fn code(self) -> &'static str {
        match self {
            SignalKind::SameClientAddress => "same_client_address",
            SignalKind::SameDevice => "same_device",
            SignalKind::SameSigner => "same_signer",
            SignalKind::IdenticalPriceSchedule => "identical_price_schedule",
            SignalKind::IdenticalDocuments => "identical_documents",
            SignalKind::PricesInProgression => "prices_in_progression",
            SignalKind::PricesInNarrowBand => "prices_in_narrow_band",
            SignalKind::OperatorActionAfterDeadline => "operator_action_after_deadline",
            SignalKind::ScoreDeviation => "score_deviation",
            SignalKind::ObjectionAnswerOverdue => "objection_answer_overdue",
            SignalKind::ComplaintAcceptanceOverdue => "complaint_acceptance_overdue",
            SignalKind::ComplaintDecisionOverdue => "complaint_decision_overdue",
            SignalKind::ContractNotSigned => "contract_not_signed",
            SignalKind::ContractNotPublished => "contract_not_published",
        }
    }
}

/// Fingerprints longer than this are kept as their SHA-256.
const FINGERPRINT_MAX: usize = 256;

/// A fingerprint that fits the alerts' unique index: as it is when short
/// (so the alerts already recorded keep theirs), else `sha256:` and the
/// hex of its SHA-256. A finding naming every bidder of a large tender
/// (70 bidders behind one address made an index row of 7 KiB, past
/// PostgreSQL's limit of 2,704 bytes, and the alert was never recorded)
/// is still one fingerprint per finding.
fn bounded(fingerprint: String) -> String {
    if fingerprint.len() <= FINGERPRINT_MAX {
        fingerprint
    } else {
        format!(
            "sha256:{}",
            crate::identity::hex(&openssl::sha::sha256(fingerprint.as_bytes()))
        )
    }
}

/// A finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signal {
    pub kind: SignalKind,
    /// The same finding gives the same fingerprint.
    pub fingerprint: String,
    pub summary: String,
    /// The audit events it rests on, ascending.
    pub events: Vec<i64>,
    /// The bidders it names (organisation ids, sorted); none for a signal
    /// about prices alone or about staff.
    pub bidders: Vec<String>,
    /// The summary without names or shared values, for before the opening
    /// (see [`Signal::sealed_summary`]).
    pub sealed_head: String,
    /// The summary as a key and params.
    pub said: Said,
    /// The sealed head as a key and params, the bidders' labels not yet
    /// among them (see [`Signal::sealed_said`]); for a signal naming no
    /// bidder, the same as `said`.
    pub sealed_head_said: Said,
}

impl Signal {
    /// The summary as supervisors read it before the opening: the sealed
    /// head and the bidders by label (`labels`: organisation id → label
    /// number on this tender), lowest first; a signal that names no bidder
    /// reads as it is.
    pub fn sealed_summary(&self, labels: &HashMap<String, i32>) -> String {
        if self.bidders.is_empty() {
            return self.summary.clone();
        }
        let numbers = self.label_numbers(labels);
        let named: Vec<String> = numbers
            .into_iter()
            .map(crate::audit::sealing::label)
            .collect();
        format!("{}: {}", self.sealed_head, named.join(", "))
    }

    /// The label numbers of the bidders it names (`labels`: organisation
    /// id → label number on this tender), lowest first.
    fn label_numbers(&self, labels: &HashMap<String, i32>) -> Vec<i32> {
        let mut numbers: Vec<i32> = self
            .bidders
            .iter()
            .filter_map(|b| labels.get(b).copied())
            .collect();
        numbers.sort_unstable();
        numbers
    }

    /// [`Signal::sealed_summary`] as a key and params: the sealed head's,
    /// with the bidders' label numbers (`labels`), lowest first; a signal
    /// that names no bidder says what it says to everyone.
    pub fn sealed_said(&self, labels: &HashMap<String, i32>) -> Said {
        if self.bidders.is_empty() {
            return self.said.clone();
        }
        let numbers = self.label_numbers(labels);
        let mut params = self.sealed_head_said.params.clone();
        if let Some(object) = params.as_object_mut() {
            object.insert("labels".into(), json!(numbers));
        }
        Said::new(self.sealed_head_said.reason, params)
    }
}

/// A sealed head's key and params, the labels added later: not checked
/// against [`super::said::ALERTS`] until then.
fn unlabelled(reason: &'static str, params: Value) -> Said {
    Said { reason, params }
}

/// Operator actions that are part of the procedure after the deadline.
const ROUTINE_AFTER_DEADLINE: &[&str] = &["opening.share_released"];

/// Every signal the facts show, in a stable order.
pub fn detect(facts: &TenderFacts, t: Thresholds) -> Vec<Signal> {
    let mut out = Vec::new();
    // Bids of different bidders grouped by a shared trait.
    // `said`: the key of the sentence with names, the name of the shared
    // value among its params, and the key of the sealed one.
    let mut shared = |kind: SignalKind,
                      key: &dyn Fn(&BidFact) -> Option<String>,
                      what: &str,
                      sealed_what: &str,
                      said: (&'static str, &str, &'static str)| {
        let mut groups: BTreeMap<String, Vec<&BidFact>> = BTreeMap::new();
        for bid in &facts.bids {
            if let Some(k) = key(bid) {
                groups.entry(k).or_default().push(bid);
            }
        }
        for (value, bids) in groups {
            let mut orgs: Vec<&str> = bids.iter().map(|b| b.bidder_org.as_str()).collect();
            orgs.sort_unstable();
            orgs.dedup();
            if orgs.len() < 2 {
                continue;
            }
            let mut names: Vec<&str> = bids.iter().map(|b| b.bidder_name.as_str()).collect();
            names.sort_unstable();
            names.dedup();
            let (reason, value_param, sealed_reason) = said;
            let mut params = serde_json::Map::new();
            params.insert("count".into(), json!(orgs.len()));
            params.insert(value_param.into(), json!(value));
            params.insert("bidders".into(), json!(names));
            out.push(Signal {
                said: Said::new(reason, Value::Object(params)),
                sealed_head_said: unlabelled(sealed_reason, json!({"count": orgs.len()})),
                kind,
                fingerprint: bounded(format!("{value}|{}", orgs.join(","))),
                summary: format!(
                    "{} bidders {what} {value}: {}",
                    orgs.len(),
                    names.join(", ")
                ),
                events: events_of(&bids),
                sealed_head: format!("{} bidders {sealed_what}", orgs.len()),
                bidders: orgs.iter().map(|o| o.to_string()).collect(),
            });
        }
    };
    shared(
        SignalKind::SameClientAddress,
        &|b| b.client_addr.clone(),
        "submitted from the same address",
        "submitted from the same address",
        (
            "alert.same-client-address",
            "address",
            "alert.same-client-address-sealed",
        ),
    );
    shared(
        SignalKind::SameDevice,
        &|b| b.device.clone(),
        "sent their bids from the same device, fingerprint",
        "sent their bids from the same device",
        ("alert.same-device", "device", "alert.same-device-sealed"),
    );
    shared(
        SignalKind::SameSigner,
        &|b| Some(b.signer_cert_sha256.clone()),
        "signed with the same certificate",
        "signed with the same certificate",
        (
            "alert.same-signer",
            "certificate",
            "alert.same-signer-sealed",
        ),
    );
    shared(
        SignalKind::IdenticalPriceSchedule,
        &|b| b.schedule_sha256.clone(),
        "read out an identical price schedule, SHA-256",
        "read out an identical price schedule",
        (
            "alert.identical-price-schedule",
            "sha256",
            "alert.identical-price-schedule-sealed",
        ),
    );
    identical_documents(facts, &mut out);
    // Prices (once opened).
    let mut priced: Vec<(&BidFact, i64)> = facts
        .bids
        .iter()
        .filter_map(|b| b.price_fen.map(|p| (b, p)))
        .collect();
    priced.sort_by_key(|(_, p)| *p);
    if priced.len() >= 3 {
        let prices: Vec<i64> = priced.iter().map(|(_, p)| *p).collect();
        let bids: Vec<&BidFact> = priced.iter().map(|(b, _)| *b).collect();
        let list = prices
            .iter()
            .map(|p| format!("{:.2}", *p as f64 / 100.0))
            .collect::<Vec<_>>()
            .join(", ");
        let fingerprint = bounded(
            prices
                .iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(","),
        );
        let said_prices: Vec<String> = prices.iter().map(|p| yuan(*p)).collect();
        let mut price_signal = |kind, summary: String, said: Said| {
            out.push(Signal {
                kind,
                fingerprint: fingerprint.clone(),
                sealed_head: summary.clone(),
                summary,
                events: events_of(&bids),
                bidders: Vec::new(),
                sealed_head_said: said.clone(),
                said,
            })
        };
        if in_progression(&prices, t.progression_tolerance) {
            price_signal(
                SignalKind::PricesInProgression,
                format!(
                    "the {} prices step evenly by about {:.2} yuan: {list}",
                    prices.len(),
                    (prices[1] - prices[0]) as f64 / 100.0
                ),
                Said::new(
                    "alert.prices-in-progression",
                    json!({"count": prices.len(), "step": yuan(prices[1] - prices[0]),
                           "prices": said_prices}),
                ),
            );
        }
        if in_band(&prices, t.price_band) {
            price_signal(
                SignalKind::PricesInNarrowBand,
                format!(
                    "the {} prices lie within {:.1}% of their mean: {list}",
                    prices.len(),
                    t.price_band * 100.0
                ),
                Said::new(
                    "alert.prices-in-narrow-band",
                    json!({"count": prices.len(), "band": (t.price_band * 1000.0).round() / 10.0,
                           "prices": said_prices}),
                ),
            );
        }
    }
    // Operators acting on the tender after its deadline.
    for a in &facts.actions {
        // A person acting as operator: the platform's own steps (the
        // opening, alerts) carry no actor.
        if a.actor_role == "operator"
            && a.actor_id.is_some()
            && a.at > facts.bid_deadline
            && !a.action.starts_with("supervision.")
            && !ROUTINE_AFTER_DEADLINE.contains(&a.action.as_str())
        {
            // By name where the operator is a known user, else by id.
            let operator = a.actor_name.as_deref().or(a.actor_id.as_deref());
            let said = Said::new(
                "alert.operator-action-after-deadline",
                json!({"operator": operator, "audit_action": a.action, "at": time(a.at)}),
            );
            out.push(Signal {
                kind: SignalKind::OperatorActionAfterDeadline,
                fingerprint: a.seq.to_string(),
                summary: format!(
                    "an operator{} did {} after the bid deadline ({})",
                    a.actor_id
                        .as_deref()
                        .map(|id| format!(" ({id})"))
                        .unwrap_or_default(),
                    a.action,
                    a.at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
                ),
                events: vec![a.seq],
                bidders: Vec::new(),
                sealed_head: String::new(),
                said: said.clone(),
                sealed_head_said: said,
            });
        }
    }
    out
}

/// Documents found byte for byte in the bids of different bidders (the
/// tender's own documents excepted): one signal per set of bidders, naming
/// every document they share.
fn identical_documents(facts: &TenderFacts, out: &mut Vec<Signal>) {
    let mut by_hash: BTreeMap<&str, Vec<(&BidFact, &str)>> = BTreeMap::new();
    for bid in &facts.bids {
        for (name, sha) in &bid.documents {
            if !facts.supplied.contains(sha) {
                by_hash.entry(sha).or_default().push((bid, name));
            }
        }
    }
    // Bidders (sorted) → the hashes they share, their bids, what each holds
    // (as the summary says it, and as params).
    type Shared<'a> = (Vec<&'a str>, Vec<&'a BidFact>, Vec<String>, Vec<Value>);
    let mut by_bidders: BTreeMap<Vec<&str>, Shared<'_>> = BTreeMap::new();
    for (sha, mut holders) in by_hash {
        // In one order however the bids were read.
        holders.sort_by(|(a, x), (b, y)| (&a.bidder_name, x).cmp(&(&b.bidder_name, y)));
        let mut orgs: Vec<&str> = holders.iter().map(|(b, _)| b.bidder_org.as_str()).collect();
        orgs.sort_unstable();
        orgs.dedup();
        if orgs.len() < 2 {
            continue;
        }
        let entry = by_bidders.entry(orgs).or_default();
        entry.0.push(sha);
        entry.1.extend(holders.iter().map(|(b, _)| *b));
        let held: Vec<String> = holders
            .iter()
            .map(|(b, name)| format!("{} {name}", b.bidder_name))
            .collect();
        entry.2.push(format!(
            "SHA-256 {}…: {}",
            &sha[..sha.len().min(12)],
            held.join(", ")
        ));
        let held: Vec<Value> = holders
            .iter()
            .map(|(b, name)| json!({"bidder": b.bidder_name, "file": name}))
            .collect();
        entry
            .3
            .push(json!({"sha256": &sha[..sha.len().min(12)], "held": held}));
    }
    for (orgs, (hashes, bids, lines, files)) in by_bidders {
        let head = format!(
            "{} bidders' bids hold {} identical document(s)",
            orgs.len(),
            hashes.len()
        );
        let shown = lines.len().min(5);
        let more = if lines.len() > shown {
            format!("; and {} more", lines.len() - shown)
        } else {
            String::new()
        };
        let count = orgs.len();
        let files = &files[..shown];
        let said = if lines.len() > shown {
            Said::new(
                "alert.identical-documents-more",
                json!({"count": count, "documents": hashes.len(), "files": files,
                       "more": lines.len() - shown}),
            )
        } else {
            Said::new(
                "alert.identical-documents",
                json!({"count": count, "documents": hashes.len(), "files": files}),
            )
        };
        out.push(Signal {
            said,
            sealed_head_said: unlabelled(
                "alert.identical-documents-sealed",
                json!({"count": count, "documents": hashes.len()}),
            ),
            kind: SignalKind::IdenticalDocuments,
            // Hashed: the list of shared files can be longer than an index
            // entry may be.
            fingerprint: crate::identity::hex(&openssl::sha::sha256(
                format!("{}|{}", hashes.join(","), orgs.join(",")).as_bytes(),
            )),
            summary: format!("{head}: {}{more}", lines[..shown].join("; ")),
            events: events_of(&bids),
            bidders: orgs.iter().map(|o| o.to_string()).collect(),
            sealed_head: head,
        });
    }
}

fn events_of(bids: &[&BidFact]) -> Vec<i64> {
    let mut events: Vec<i64> = bids.iter().flat_map(|b| b.events.iter().copied()).collect();
    events.sort_unstable();
    events.dedup();
    events
}

/// Sorted prices whose consecutive differences are equal (within
/// `tolerance` of the step) and not zero.
pub fn in_progression(sorted: &[i64], tolerance: f64) -> bool {
    if sorted.len() < 3 {
        return false;
    }
    let steps: Vec<i64> = sorted.windows(2).map(|w| w[1] - w[0]).collect();
    let first = steps[0];
    if first <= 0 {
        return false;
    }
    let slack = (first as f64 * tolerance).max(1.0);
    steps.iter().all(|s| ((s - first) as f64).abs() <= slack)
}

/// Every price within `band` (a fraction) of the mean.
pub fn in_band(prices: &[i64], band: f64) -> bool {
    if prices.len() < 3 {
        return false;
    }
    let mean = prices.iter().map(|p| *p as f64).sum::<f64>() / prices.len() as f64;
    mean > 0.0
        && prices
            .iter()
            .all(|p| ((*p as f64 - mean) / mean).abs() <= band)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_fingerprint_is_kept_as_its_hash_and_a_short_one_as_it_is() {
        let short = "10.0.0.1|org-a,org-b".to_string();
        assert_eq!(bounded(short.clone()), short);
        let many: Vec<String> = (0..100)
            .map(|i| format!("7f0c1e2a-0000-4000-8000-{i:012}"))
            .collect();
        let long = format!("10.0.0.1|{}", many.join(","));
        let kept = bounded(long.clone());
        assert!(
            kept.starts_with("sha256:") && kept.len() == 7 + 64,
            "{kept}"
        );
        assert_eq!(
            kept,
            bounded(long),
            "the same finding, the same fingerprint"
        );
        assert_ne!(kept, bounded(format!("10.0.0.2|{}", many.join(","))));
    }

    fn bid(n: usize, org: &str) -> BidFact {
        BidFact {
            bid_id: format!("b{n}"),
            bidder_org: org.into(),
            bidder_name: format!("{org}公司"),
            client_addr: Some(format!("10.0.0.{n}")),
            device: Some(format!("device-{n}")),
            signer_cert_sha256: format!("cert-{org}"),
            signer_subject: format!("CN={org}"),
            schedule_sha256: None,
            price_fen: None,
            documents: vec![(format!("documents/{org}.pdf"), format!("{n:064x}"))],
            events: vec![n as i64 * 10],
        }
    }

    fn facts(bids: Vec<BidFact>) -> TenderFacts {
        TenderFacts {
            bid_deadline: DateTime::from_timestamp(1_800_000_000, 0).unwrap(),
            bids,
            supplied: Default::default(),
            actions: Vec::new(),
        }
    }

    fn kinds(f: &TenderFacts) -> Vec<SignalKind> {
        detect(f, Thresholds::default())
            .iter()
            .map(|s| s.kind)
            .collect()
    }

    #[test]
    fn independent_bids_raise_nothing() {
        let mut bids = vec![bid(1, "a"), bid(2, "b"), bid(3, "c")];
        for (b, p) in bids.iter_mut().zip([10_000_000, 9_350_000, 12_073_000]) {
            b.price_fen = Some(p);
            b.schedule_sha256 = Some(format!("s{p}"));
        }
        assert!(kinds(&facts(bids)).is_empty());
    }

    #[test]
    fn shared_address_signer_and_schedule_are_found_and_cite_their_events() {
        let mut bids = vec![bid(1, "a"), bid(2, "b"), bid(3, "c")];
        bids[1].client_addr = bids[0].client_addr.clone();
        bids[2].signer_cert_sha256 = "cert-a".into();
        bids[1].schedule_sha256 = Some("same".into());
        bids[2].schedule_sha256 = Some("same".into());
        let f = facts(bids);
        let found = detect(&f, Thresholds::default());
        assert_eq!(
            found.iter().map(|s| s.kind).collect::<Vec<_>>(),
            [
                SignalKind::SameClientAddress,
                SignalKind::SameSigner,
                SignalKind::IdenticalPriceSchedule
            ]
        );
        assert_eq!(found[0].events, [10, 20]);
        assert_eq!(found[1].events, [10, 30]);
        assert!(
            found[0].summary.contains("10.0.0.1"),
            "{}",
            found[0].summary
        );
        // Before the opening: no name, no address, the bidders by label.
        assert_eq!(found[0].bidders, ["a", "b"]);
        let labels: HashMap<String, i32> = [("a".to_string(), 2), ("b".to_string(), 1)].into();
        assert_eq!(
            found[0].sealed_summary(&labels),
            "2 bidders submitted from the same address: bidder 1, bidder 2"
        );
        // The same as keys and params: the address and the names, or the
        // labels alone.
        assert_eq!(
            found[0].said,
            Said::new(
                "alert.same-client-address",
                json!({"count": 2, "address": "10.0.0.1", "bidders": ["a公司", "b公司"]})
            )
        );
        assert_eq!(
            found[0].sealed_said(&labels),
            Said::new(
                "alert.same-client-address-sealed",
                json!({"count": 2, "labels": [1, 2]})
            )
        );
        assert_eq!(
            found[1].said,
            Said::new(
                "alert.same-signer",
                json!({"count": 2, "certificate": "cert-a", "bidders": ["a公司", "c公司"]})
            )
        );
        assert_eq!(
            found[2].sealed_said(&[("b".to_string(), 4), ("c".to_string(), 3)].into()),
            Said::new(
                "alert.identical-price-schedule-sealed",
                json!({"count": 2, "labels": [3, 4]})
            )
        );
        // Recomputed, the same fingerprints.
        assert_eq!(detect(&f, Thresholds::default()), found);
    }

    #[test]
    fn the_same_device_and_shared_documents_are_found() {
        let mut bids = vec![bid(1, "a"), bid(2, "b"), bid(3, "c")];
        bids[2].device = bids[0].device.clone();
        // b and c hold the same technical proposal, under other names; all
        // three hold the tender's own form, which proves nothing.
        let proposal = "ab".repeat(32);
        let form = "cd".repeat(32);
        bids[1]
            .documents
            .push(("documents/技术方案.pdf".into(), proposal.clone()));
        bids[2]
            .documents
            .push(("documents/tech.pdf".into(), proposal.clone()));
        for b in &mut bids {
            b.documents
                .push(("documents/投标函格式.docx".into(), form.clone()));
        }
        let mut f = facts(bids);
        f.supplied.insert(form.clone());
        let found = detect(&f, Thresholds::default());
        assert_eq!(
            found.iter().map(|s| s.kind).collect::<Vec<_>>(),
            [SignalKind::SameDevice, SignalKind::IdenticalDocuments]
        );
        assert_eq!(found[0].events, [10, 30]);
        assert_eq!(found[1].events, [20, 30]);
        let summary = &found[1].summary;
        assert!(
            summary.contains("b公司 documents/技术方案.pdf")
                && summary.contains("c公司 documents/tech.pdf")
                && summary.starts_with("2 bidders' bids hold 1 identical document(s)"),
            "{summary}"
        );
        let labels: HashMap<String, i32> = [("b".to_string(), 1), ("c".to_string(), 3)].into();
        assert_eq!(
            found[1].sealed_summary(&labels),
            "2 bidders' bids hold 1 identical document(s): bidder 1, bidder 3"
        );
        assert_eq!(
            found[0].sealed_summary(&[("a".to_string(), 2), ("c".to_string(), 3)].into()),
            "2 bidders sent their bids from the same device: bidder 2, bidder 3"
        );
        assert_eq!(
            found[0].said,
            Said::new(
                "alert.same-device",
                json!({"count": 2, "device": "device-1", "bidders": ["a公司", "c公司"]})
            )
        );
        assert_eq!(
            found[1].said,
            Said::new(
                "alert.identical-documents",
                json!({"count": 2, "documents": 1, "files": [{"sha256": "abababababab", "held": [
                    {"bidder": "b公司", "file": "documents/技术方案.pdf"},
                    {"bidder": "c公司", "file": "documents/tech.pdf"}]}]})
            )
        );
        assert_eq!(
            found[1].sealed_said(&labels),
            Said::new(
                "alert.identical-documents-sealed",
                json!({"count": 2, "documents": 1, "labels": [1, 3]})
            )
        );
        // The tender's form, shared by all, raises nothing once it is
        // known as the tender's; unknown, it would.
        f.supplied.clear();
        let found = detect(&f, Thresholds::default());
        let documents: Vec<&Signal> = found
            .iter()
            .filter(|s| s.kind == SignalKind::IdenticalDocuments)
            .collect();
        assert_eq!(documents.len(), 2, "{documents:#?}");
    }

    #[test]
    fn one_bidders_own_bids_are_not_collusion() {
        let mut a2 = bid(2, "a");
        a2.client_addr = Some("10.0.0.1".into());
        assert!(kinds(&facts(vec![bid(1, "a"), a2, bid(3, "c")])).is_empty());
    }

    #[test]
    fn price_patterns() {
        assert!(in_progression(&[100_000, 101_000, 102_000, 103_000], 0.001));
        assert!(in_progression(&[100_000, 101_000, 102_001], 0.001));
        assert!(!in_progression(&[100_000, 101_000, 102_500], 0.001));
        assert!(!in_progression(&[100_000, 100_000, 100_000], 0.001));
        assert!(!in_progression(&[1, 2], 0.001));
        assert!(in_band(&[1_000_000, 1_002_000, 998_000], 0.005));
        assert!(!in_band(&[1_000_000, 1_020_000, 998_000], 0.005));
        let mut bids = vec![bid(1, "a"), bid(2, "b"), bid(3, "c")];
        for (b, p) in bids.iter_mut().zip([500_000_000, 510_000_000, 520_000_000]) {
            b.price_fen = Some(p);
        }
        let found = detect(&facts(bids), Thresholds::default());
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].kind, SignalKind::PricesInProgression);
        // Prices name no bidder: the same before the opening.
        assert!(found[0].bidders.is_empty());
        assert_eq!(found[0].sealed_summary(&HashMap::new()), found[0].summary);
        assert_eq!(
            found[0].said,
            Said::new(
                "alert.prices-in-progression",
                json!({"count": 3, "step": "100000.00",
                       "prices": ["5000000.00", "5100000.00", "5200000.00"]})
            )
        );
        assert_eq!(found[0].sealed_said(&HashMap::new()), found[0].said);
        let mut close = vec![bid(1, "a"), bid(2, "b"), bid(3, "c")];
        for (b, p) in close.iter_mut().zip([100_000_000, 100_200_000, 99_900_000]) {
            b.price_fen = Some(p);
        }
        let found = detect(&facts(close), Thresholds::default());
        assert_eq!(
            found.iter().map(|s| &s.said).collect::<Vec<_>>(),
            [&Said::new(
                "alert.prices-in-narrow-band",
                json!({"count": 3, "band": 0.5,
                       "prices": ["999000.00", "1000000.00", "1002000.00"]})
            )]
        );
    }

    #[test]
    fn operator_actions_after_the_deadline_except_the_routine_ones() {
        let mut f = facts(vec![]);
        let deadline = f.bid_deadline;
        let act = |seq, role: &str, action: &str, after: i64| ActionFact {
            seq,
            actor_role: role.into(),
            actor_id: Some("u".into()),
            actor_name: None,
            action: action.into(),
            at: deadline + chrono::Duration::seconds(after),
        };
        f.actions = vec![
            act(1, "operator", "tender.amend", -10),
            act(2, "operator", "opening.share_released", 60),
            act(3, "tenderer", "tender.status", 60),
            act(4, "operator", "tender.status", 60),
            act(5, "operator", "supervision.alert_raised", 60),
            ActionFact {
                actor_id: None,
                ..act(6, "operator", "opening.decrypting", 60)
            },
        ];
        let found = detect(&f, Thresholds::default());
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].kind, SignalKind::OperatorActionAfterDeadline);
        assert_eq!(found[0].events, [4]);
        // Said by the operator's id where it has no name; by its name, in
        // Beijing time.
        assert_eq!(
            found[0].said,
            Said::new(
                "alert.operator-action-after-deadline",
                json!({"operator": "u", "audit_action": "tender.status",
                       "at": "2027-01-15T16:01:00+08:00"})
            )
        );
        f.actions[3].actor_name = Some("李运维".into());
        let found = detect(&f, Thresholds::default());
        assert_eq!(found[0].said.params["operator"], "李运维");
        assert_eq!(found[0].sealed_said(&HashMap::new()), found[0].said);
    }

    #[test]
    fn every_kind_has_one_code_and_a_severity() {
        let mut codes: Vec<&str> = SignalKind::ALL.iter().map(|k| k.code()).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), SignalKind::ALL.len());
        for kind in SignalKind::ALL {
            assert_eq!(SignalKind::from_code(kind.code()), Some(*kind));
            assert!(Severity::ALL.contains(&kind.severity()));
        }
        assert_eq!(SignalKind::SameSigner.severity(), Severity::Critical);
        assert_eq!(SignalKind::from_code("nonsense"), None);
    }
}
