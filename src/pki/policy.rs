//! The validation policy (pure): facts about a certificate in, an indication
//! with its sub-indication and the list of checks out.

use chrono::{DateTime, Utc};
use serde::Serialize;

/// The overall result, as in ETSI EN 319 102-1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Indication {
    Passed,
    Failed,
    Indeterminate,
}

/// Why a validation did not pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SubIndication {
    /// The certificate could not be parsed.
    FormatFailure,
    /// No path to a trust anchor could be built.
    NoCertificateChainFound,
    /// A signature in the chain does not verify.
    SigCryptoFailure,
    /// The certificate or one in its chain expired before the validation time.
    Expired,
    /// The certificate or one in its chain is not yet valid at the validation time.
    NotYetValid,
    /// The certificate or one in its chain was revoked before the validation time.
    Revoked,
    /// No usable revocation information: try again later.
    TryLater,
    /// Basic constraints, key usage or extended key usage forbid this use.
    ChainConstraintsFailure,
    /// A digest of signed data (a document's) does not match the one signed.
    HashFailure,
    /// The signature does not meet a constraint of the validation policy
    /// (e.g. a seal applied with a certificate the seal does not list).
    SigConstraintsFailure,
    /// An algorithm or key size is not supported or not strong enough.
    CryptoConstraintsFailure,
}

/// What the certificate is to be used for; each use needs its key usages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Purpose {
    /// Signing documents and bids (digitalSignature or nonRepudiation).
    Signing,
    /// TLS client authentication (digitalSignature; EKU clientAuth if EKUs are listed).
    ClientAuth,
    /// Time-stamping (EKU timeStamping, required).
    TimeStamping,
}

/// The certificate-policy inputs of RFC 5280 §6.1.1 (c), (e), (f), (g):
/// the acceptable policies and whether the path must carry one, may map
/// policies, may satisfy a policy with anyPolicy. The default accepts any
/// policy and requires none, as a validation without policy inputs does.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PolicyInputs {
    /// user-initial-policy-set: policy OIDs (dotted), any of which is
    /// acceptable; empty means anyPolicy (2.5.29.32.0).
    #[serde(default)]
    pub initial_policies: Vec<String>,
    /// initial-explicit-policy: the path must be valid for one of them.
    #[serde(default)]
    pub explicit_policy: bool,
    /// initial-policy-mapping-inhibit.
    #[serde(default)]
    pub inhibit_policy_mapping: bool,
    /// initial-any-policy-inhibit.
    #[serde(default)]
    pub inhibit_any_policy: bool,
}

impl PolicyInputs {
    /// Whether every OID is dotted decimal with at least two arcs (what
    /// openssl will accept), and there are at most [`MAX_POLICIES`] of them.
    pub fn check(&self) -> Result<(), PolicyInputsError> {
        if self.initial_policies.len() > MAX_POLICIES {
            return Err(PolicyInputsError::TooMany);
        }
        for oid in &self.initial_policies {
            let arcs: Vec<&str> = oid.split('.').collect();
            let ok = oid.len() <= 128
                && arcs.len() >= 2
                && arcs.iter().all(|a| {
                    !a.is_empty() && a.len() <= 19 && a.bytes().all(|b| b.is_ascii_digit())
                })
                && matches!(arcs[0], "0" | "1" | "2");
            if !ok {
                return Err(PolicyInputsError::NotAnOid(oid.clone()));
            }
        }
        Ok(())
    }
}

/// The most initial policies a validation takes.
pub const MAX_POLICIES: usize = 32;

/// Why policy inputs are refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyInputsError {
    #[error("at most {MAX_POLICIES} initial policies")]
    TooMany,
    #[error("{0:?} is not a policy OID in dotted decimal form")]
    NotAnOid(String),
}

/// How path building ended (openssl's verdict, without the time checks).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathFact {
    /// A path to an anchor was built and its signatures and constraints hold.
    Built,
    /// No path to an anchor: unknown issuer, or self-signed and untrusted.
    NoPath(String),
    /// A signature in the path does not verify.
    BadSignature(String),
    /// A CA constraint in the path is broken (not a CA, path length, purpose).
    Constraints(String),
}

/// The validity window of one certificate of the path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Window {
    pub subject: String,
    pub not_before: DateTime<Utc>,
    pub not_after: DateTime<Utc>,
}

/// Where a revocation answer came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RevocationSource {
    /// A CRL signed by the certificate's issuer.
    Crl,
    /// An OCSP responder (`None` when no responder could be found).
    Ocsp { responder: Option<String> },
}

impl std::fmt::Display for RevocationSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RevocationSource::Crl => f.write_str("CRL"),
            RevocationSource::Ocsp {
                responder: Some(url),
            } => write!(f, "OCSP {url}"),
            RevocationSource::Ocsp { responder: None } => f.write_str("OCSP"),
        }
    }
}

/// What one source says of one certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RevocationStatus {
    /// Not revoked, as far as this source knows, at the validation time.
    Good,
    /// Revoked at `at`; it still was good before that instant.
    Revoked {
        at: DateTime<Utc>,
        /// The CRLReason name (RFC 5280), when the source gave one.
        reason: Option<String>,
    },
    /// This source gave no usable answer.
    Unknown { why: String },
}

/// One source's answer about one certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevocationAnswer {
    pub source: RevocationSource,
    pub status: RevocationStatus,
}

/// Revocation facts of one certificate of the path (anchors excluded): the
/// answers of every source consulted (CRLs, OCSP).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevocationFact {
    pub subject: String,
    pub answers: Vec<RevocationAnswer>,
}

/// The name RFC 5280 gives a CRLReason code (the same codes serve OCSP).
pub fn reason_name(code: i64) -> String {
    match code {
        0 => "unspecified".into(),
        1 => "keyCompromise".into(),
        2 => "cACompromise".into(),
        3 => "affiliationChanged".into(),
        4 => "superseded".into(),
        5 => "cessationOfOperation".into(),
        6 => "certificateHold".into(),
        8 => "removeFromCRL".into(),
        9 => "privilegeWithdrawn".into(),
        10 => "aACompromise".into(),
        other => format!("reason {other}"),
    }
}

/// How the sources, together, judge one certificate at `at`.
enum Verdict<'a> {
    /// Some source says it was revoked at or before `at` (this one wins
    /// over any other source calling it good).
    Revoked(&'a RevocationAnswer, DateTime<Utc>),
    /// No source says so, and at least one vouches for it at `at` (a
    /// revocation after `at` means it was good at `at`).
    Good(&'a RevocationAnswer),
    /// No source could say.
    Unknown,
}

fn judge(fact: &RevocationFact, at: DateTime<Utc>) -> Verdict<'_> {
    let revoked = fact.answers.iter().find_map(|a| match &a.status {
        RevocationStatus::Revoked { at: when, .. } if *when <= at => Some((a, *when)),
        _ => None,
    });
    if let Some((answer, when)) = revoked {
        return Verdict::Revoked(answer, when);
    }
    match fact
        .answers
        .iter()
        .find(|a| !matches!(a.status, RevocationStatus::Unknown { .. }))
    {
        Some(answer) => Verdict::Good(answer),
        None => Verdict::Unknown,
    }
}

fn describe(answer: &RevocationAnswer, at: DateTime<Utc>) -> String {
    match &answer.status {
        RevocationStatus::Good => format!("{}: good", answer.source),
        RevocationStatus::Revoked { at: when, reason } => {
            let reason = reason
                .as_deref()
                .map(|r| format!(" ({r})"))
                .unwrap_or_default();
            if *when <= at {
                format!(
                    "{}: revoked at {}{reason}",
                    answer.source,
                    when.to_rfc3339()
                )
            } else {
                format!(
                    "{}: good at the validation time, revoked later at {}{reason}",
                    answer.source,
                    when.to_rfc3339()
                )
            }
        }
        RevocationStatus::Unknown { why } => format!("{}: {why}", answer.source),
    }
}

/// Key-usage facts of the end-entity certificate.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UsageFacts {
    pub is_ca: bool,
    /// `None` when the certificate has no keyUsage extension.
    pub digital_signature: Option<bool>,
    pub non_repudiation: Option<bool>,
    /// `None` when the certificate has no extendedKeyUsage extension.
    pub eku_client_auth: Option<bool>,
    pub eku_time_stamping: Option<bool>,
    pub eku_any: bool,
    /// Whether the listed purposes leave room for signing documents
    /// (`None` when no extendedKeyUsage is present).
    pub eku_allows_signing: Option<bool>,
}

/// Everything the policy looks at.
#[derive(Debug, Clone)]
pub struct Facts {
    pub at: DateTime<Utc>,
    pub path: PathFact,
    /// End entity first, anchor last (only the end entity when no path was built).
    pub windows: Vec<Window>,
    pub revocation: Vec<RevocationFact>,
    pub usage: UsageFacts,
    pub purpose: Purpose,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CheckResult {
    Passed,
    Failed,
    Indeterminate,
}

/// One check the policy made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Check {
    pub name: &'static str,
    pub result: CheckResult,
    pub detail: String,
}

/// The decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Decision {
    pub indication: Indication,
    pub sub_indication: Option<SubIndication>,
    pub checks: Vec<Check>,
}

impl Decision {
    /// The indication and sub-indication in words, e.g. `Failed / Revoked`.
    pub fn verdict(&self) -> String {
        match self.sub_indication {
            Some(sub) => format!("{:?} / {sub:?}", self.indication),
            None => format!("{:?}", self.indication),
        }
    }
}

/// The decision for a certificate that could not be parsed.
pub fn format_failure(why: &str) -> Decision {
    Decision {
        indication: Indication::Failed,
        sub_indication: Some(SubIndication::FormatFailure),
        checks: vec![Check {
            name: "format",
            result: CheckResult::Failed,
            detail: why.to_string(),
        }],
    }
}

fn purpose_check(usage: &UsageFacts, purpose: Purpose) -> Result<String, String> {
    let signs = usage.digital_signature.unwrap_or(true) || usage.non_repudiation.unwrap_or(false);
    match purpose {
        Purpose::Signing if usage.digital_signature.is_some() && !signs => {
            Err("keyUsage allows neither digitalSignature nor nonRepudiation".into())
        }
        Purpose::Signing if usage.eku_allows_signing == Some(false) => {
            Err("extendedKeyUsage limits the key to purposes other than signing".into())
        }
        Purpose::Signing => Ok("keyUsage allows signing".into()),
        Purpose::ClientAuth if usage.digital_signature == Some(false) => {
            Err("keyUsage does not allow digitalSignature".into())
        }
        Purpose::ClientAuth if usage.eku_client_auth == Some(false) && !usage.eku_any => {
            Err("extendedKeyUsage does not list clientAuth".into())
        }
        Purpose::ClientAuth => Ok("usable for client authentication".into()),
        Purpose::TimeStamping if usage.eku_time_stamping != Some(true) => {
            Err("extendedKeyUsage must list timeStamping".into())
        }
        Purpose::TimeStamping => Ok("usable for time-stamping".into()),
    }
}

/// Decides, as ETSI EN 319 102-1 sorts sub-indications: FORMAT_FAILURE,
/// SIG_CRYPTO_FAILURE and REVOKED are FAILED; the others INDETERMINATE.
/// FAILED outranks INDETERMINATE; within each, the first failing check in
/// the order below gives the sub-indication.
pub fn decide(facts: &Facts) -> Decision {
    let mut checks = Vec::new();
    let mut failed: Option<SubIndication> = None;
    let mut indeterminate: Option<SubIndication> = None;
    let mut record =
        |name: &'static str, outcome: Result<String, (CheckResult, SubIndication, String)>| {
            match outcome {
                Ok(detail) => checks.push(Check {
                    name,
                    result: CheckResult::Passed,
                    detail,
                }),
                Err((result, sub, detail)) => {
                    match result {
                        CheckResult::Failed => {
                            failed.get_or_insert(sub);
                        }
                        _ => {
                            indeterminate.get_or_insert(sub);
                        }
                    }
                    checks.push(Check {
                        name,
                        result,
                        detail,
                    });
                }
            }
        };

    record(
        "chain",
        match &facts.path {
            PathFact::Built => Ok(format!(
                "path of {} certificate(s) to a trust anchor",
                facts.windows.len()
            )),
            PathFact::NoPath(why) => Err((
                CheckResult::Indeterminate,
                SubIndication::NoCertificateChainFound,
                why.clone(),
            )),
            PathFact::BadSignature(why) => Err((
                CheckResult::Failed,
                SubIndication::SigCryptoFailure,
                why.clone(),
            )),
            PathFact::Constraints(why) => Err((
                CheckResult::Indeterminate,
                SubIndication::ChainConstraintsFailure,
                why.clone(),
            )),
        },
    );

    let mut window_outcome = Ok(format!("valid at {}", facts.at.to_rfc3339()));
    for w in &facts.windows {
        if facts.at < w.not_before {
            window_outcome = Err((
                CheckResult::Indeterminate,
                SubIndication::NotYetValid,
                format!(
                    "{} is valid only from {}",
                    w.subject,
                    w.not_before.to_rfc3339()
                ),
            ));
            break;
        }
        if facts.at > w.not_after {
            window_outcome = Err((
                CheckResult::Indeterminate,
                SubIndication::Expired,
                format!("{} expired at {}", w.subject, w.not_after.to_rfc3339()),
            ));
            break;
        }
    }
    record("validity_period", window_outcome);

    record(
        "basic_constraints",
        if facts.usage.is_ca {
            Err((
                CheckResult::Indeterminate,
                SubIndication::ChainConstraintsFailure,
                "a CA certificate cannot act as an end entity".into(),
            ))
        } else {
            Ok("end-entity certificate".into())
        },
    );
    record(
        "key_usage",
        purpose_check(&facts.usage, facts.purpose).map_err(|why| {
            (
                CheckResult::Indeterminate,
                SubIndication::ChainConstraintsFailure,
                why,
            )
        }),
    );

    if facts.path == PathFact::Built {
        let mut outcome = Ok("no certificate of the path is revoked".to_string());
        for fact in &facts.revocation {
            match judge(fact, facts.at) {
                Verdict::Revoked(answer, when) => {
                    let reason = match &answer.status {
                        RevocationStatus::Revoked {
                            reason: Some(r), ..
                        } => format!(" ({r})"),
                        _ => String::new(),
                    };
                    outcome = Err((
                        CheckResult::Failed,
                        SubIndication::Revoked,
                        format!(
                            "{} was revoked at {}{reason}, according to {}",
                            fact.subject,
                            when.to_rfc3339(),
                            answer.source
                        ),
                    ));
                    break;
                }
                Verdict::Unknown if outcome.is_ok() => {
                    let whys: Vec<String> =
                        fact.answers.iter().map(|a| describe(a, facts.at)).collect();
                    let whys = if whys.is_empty() {
                        "no revocation source was consulted".to_string()
                    } else {
                        whys.join("; ")
                    };
                    outcome = Err((
                        CheckResult::Indeterminate,
                        SubIndication::TryLater,
                        format!(
                            "no usable revocation information for {}: {whys}",
                            fact.subject
                        ),
                    ));
                }
                _ => {}
            }
        }
        let answered = facts
            .revocation
            .iter()
            .all(|fact| !matches!(judge(fact, facts.at), Verdict::Unknown));
        record("revocation", outcome);
        // Which source answered for each certificate: informational, the
        // verdict is the line above.
        checks.push(Check {
            name: "revocation_sources",
            result: if answered {
                CheckResult::Passed
            } else {
                CheckResult::Indeterminate
            },
            detail: facts
                .revocation
                .iter()
                .map(|fact| {
                    let answers: Vec<String> =
                        fact.answers.iter().map(|a| describe(a, facts.at)).collect();
                    let decided = match judge(fact, facts.at) {
                        Verdict::Revoked(a, _) | Verdict::Good(a) => a.source.to_string(),
                        Verdict::Unknown => "no source".to_string(),
                    };
                    format!(
                        "{} [answered by {decided}] {}",
                        fact.subject,
                        answers.join("; ")
                    )
                })
                .collect::<Vec<_>>()
                .join(" | "),
        });
    }

    let (indication, sub_indication) = match (failed, indeterminate) {
        (Some(sub), _) => (Indication::Failed, Some(sub)),
        (None, Some(sub)) => (Indication::Indeterminate, Some(sub)),
        (None, None) => (Indication::Passed, None),
    };
    Decision {
        indication,
        sub_indication,
        checks,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};

    fn t(day: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, day, 0, 0, 0).unwrap()
    }

    fn leaf(answers: Vec<RevocationAnswer>) -> RevocationFact {
        RevocationFact {
            subject: "leaf".into(),
            answers,
        }
    }

    fn crl(status: RevocationStatus) -> RevocationAnswer {
        RevocationAnswer {
            source: RevocationSource::Crl,
            status,
        }
    }

    fn ocsp(status: RevocationStatus) -> RevocationAnswer {
        RevocationAnswer {
            source: RevocationSource::Ocsp {
                responder: Some("http://ocsp.example/".into()),
            },
            status,
        }
    }

    fn revoked(day: u32) -> RevocationStatus {
        RevocationStatus::Revoked {
            at: t(day),
            reason: Some(reason_name(1)),
        }
    }

    fn unknown(why: &str) -> RevocationStatus {
        RevocationStatus::Unknown { why: why.into() }
    }

    fn good() -> Facts {
        Facts {
            at: t(10),
            path: PathFact::Built,
            windows: vec![
                Window {
                    subject: "leaf".into(),
                    not_before: t(1),
                    not_after: t(20),
                },
                Window {
                    subject: "ca".into(),
                    not_before: t(1),
                    not_after: t(30),
                },
            ],
            revocation: vec![leaf(vec![crl(RevocationStatus::Good)])],
            usage: UsageFacts {
                digital_signature: Some(true),
                ..Default::default()
            },
            purpose: Purpose::Signing,
        }
    }

    #[test]
    fn a_good_certificate_passes_with_every_check_listed() {
        let d = decide(&good());
        assert_eq!(d.indication, Indication::Passed);
        assert_eq!(d.sub_indication, None);
        let names: Vec<&str> = d.checks.iter().map(|c| c.name).collect();
        assert_eq!(
            names,
            [
                "chain",
                "validity_period",
                "basic_constraints",
                "key_usage",
                "revocation",
                "revocation_sources"
            ]
        );
    }

    #[test]
    fn each_fact_maps_to_its_sub_indication() {
        type Case = (Box<dyn Fn(&mut Facts)>, Indication, SubIndication);
        let cases: Vec<Case> = vec![
            (
                Box::new(|f| f.at = t(21)),
                Indication::Indeterminate,
                SubIndication::Expired,
            ),
            (
                Box::new(|f| f.at = t(1) - Duration::seconds(1)),
                Indication::Indeterminate,
                SubIndication::NotYetValid,
            ),
            (
                Box::new(|f| f.path = PathFact::NoPath("unknown issuer".into())),
                Indication::Indeterminate,
                SubIndication::NoCertificateChainFound,
            ),
            (
                Box::new(|f| f.path = PathFact::BadSignature("bad".into())),
                Indication::Failed,
                SubIndication::SigCryptoFailure,
            ),
            (
                Box::new(|f| f.usage.is_ca = true),
                Indication::Indeterminate,
                SubIndication::ChainConstraintsFailure,
            ),
            (
                Box::new(|f| f.revocation = vec![leaf(vec![crl(revoked(5))])]),
                Indication::Failed,
                SubIndication::Revoked,
            ),
            (
                Box::new(|f| f.revocation = vec![leaf(vec![crl(unknown("no CRL"))])]),
                Indication::Indeterminate,
                SubIndication::TryLater,
            ),
            (
                Box::new(|f| {
                    f.usage.digital_signature = Some(false);
                    f.usage.non_repudiation = Some(false);
                }),
                Indication::Indeterminate,
                SubIndication::ChainConstraintsFailure,
            ),
            (
                Box::new(|f| f.purpose = Purpose::TimeStamping),
                Indication::Indeterminate,
                SubIndication::ChainConstraintsFailure,
            ),
        ];
        for (i, (change, indication, sub)) in cases.into_iter().enumerate() {
            let mut f = good();
            change(&mut f);
            let d = decide(&f);
            assert_eq!(
                (d.indication, d.sub_indication),
                (indication, Some(sub)),
                "case {i}: {d:?}"
            );
        }
    }

    #[test]
    fn revocation_after_the_validation_time_does_not_count() {
        let mut f = good();
        f.revocation = vec![leaf(vec![crl(revoked(15))])];
        assert_eq!(decide(&f).indication, Indication::Passed);
    }

    #[test]
    fn failed_outranks_indeterminate() {
        let mut f = good();
        f.at = t(25);
        f.usage.is_ca = true;
        f.revocation = vec![leaf(vec![crl(revoked(5))])];
        let d = decide(&f);
        assert_eq!(
            (d.indication, d.sub_indication),
            (Indication::Failed, Some(SubIndication::Revoked))
        );
        assert!(
            d.checks
                .iter()
                .any(|c| c.name == "validity_period" && c.result == CheckResult::Indeterminate)
        );
        assert!(
            d.checks
                .iter()
                .any(|c| c.name == "basic_constraints" && c.result == CheckResult::Indeterminate)
        );
    }

    #[test]
    fn client_auth_and_time_stamping_usages() {
        let mut f = good();
        f.purpose = Purpose::ClientAuth;
        f.usage.eku_client_auth = Some(false);
        assert_eq!(decide(&f).indication, Indication::Indeterminate);
        f.usage.eku_any = true;
        assert_eq!(decide(&f).indication, Indication::Passed);
        f.purpose = Purpose::TimeStamping;
        f.usage.eku_time_stamping = Some(true);
        assert_eq!(decide(&f).indication, Indication::Passed);
        // A key limited to time-stamping does not sign documents.
        f.purpose = Purpose::Signing;
        f.usage.eku_allows_signing = Some(false);
        assert_eq!(
            decide(&f).sub_indication,
            Some(SubIndication::ChainConstraintsFailure)
        );
    }

    fn verdict(f: &Facts) -> (Indication, Option<SubIndication>) {
        let d = decide(f);
        (d.indication, d.sub_indication)
    }

    #[test]
    fn sources_combine_revoked_first_then_any_good_answer() {
        let mut f = good();
        let passed = (Indication::Passed, None);
        let revoked_now = (Indication::Failed, Some(SubIndication::Revoked));
        let try_later = (Indication::Indeterminate, Some(SubIndication::TryLater));
        let cases = [
            (
                vec![crl(unknown("no CRL")), ocsp(RevocationStatus::Good)],
                passed,
            ),
            (
                vec![ocsp(unknown("timed out")), crl(RevocationStatus::Good)],
                passed,
            ),
            // One source knows of the revocation, the other not yet: revoked.
            (
                vec![crl(RevocationStatus::Good), ocsp(revoked(5))],
                revoked_now,
            ),
            (
                vec![ocsp(revoked(5)), crl(RevocationStatus::Good)],
                revoked_now,
            ),
            // Revoked after the validation time: good at that time.
            (vec![crl(unknown("no CRL")), ocsp(revoked(15))], passed),
            (
                vec![crl(unknown("no CRL")), ocsp(unknown("timed out"))],
                try_later,
            ),
            (vec![], try_later),
        ];
        for (i, (answers, expected)) in cases.into_iter().enumerate() {
            f.revocation = vec![leaf(answers)];
            assert_eq!(verdict(&f), expected, "case {i}");
        }
    }

    #[test]
    fn the_report_names_the_source_that_answered() {
        let mut f = good();
        f.revocation = vec![leaf(vec![
            crl(unknown("no CRL")),
            ocsp(RevocationStatus::Good),
        ])];
        let d = decide(&f);
        let sources = d
            .checks
            .iter()
            .find(|c| c.name == "revocation_sources")
            .expect("a revocation_sources line");
        assert_eq!(sources.result, CheckResult::Passed);
        assert!(
            sources
                .detail
                .contains("answered by OCSP http://ocsp.example/"),
            "{}",
            sources.detail
        );
        assert!(sources.detail.contains("CRL: no CRL"), "{}", sources.detail);

        f.revocation = vec![leaf(vec![crl(RevocationStatus::Good), ocsp(revoked(5))])];
        let d = decide(&f);
        let revocation = d
            .checks
            .iter()
            .find(|c| c.name == "revocation")
            .expect("a revocation line");
        assert!(
            revocation
                .detail
                .contains("(keyCompromise), according to OCSP http://ocsp.example/"),
            "{}",
            revocation.detail
        );

        f.revocation = vec![leaf(vec![
            crl(unknown("no CRL")),
            ocsp(unknown("timed out")),
        ])];
        let d = decide(&f);
        let revocation = d.checks.iter().find(|c| c.name == "revocation");
        assert!(
            revocation.is_some_and(|c| c.detail.contains("CRL: no CRL")
                && c.detail.contains("OCSP http://ocsp.example/: timed out")),
            "{revocation:?}"
        );
    }

    #[test]
    fn reason_codes_have_their_rfc_5280_names() {
        assert_eq!(reason_name(1), "keyCompromise");
        assert_eq!(reason_name(6), "certificateHold");
        assert_eq!(reason_name(7), "reason 7");
    }
}
