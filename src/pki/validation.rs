//! Gathers the facts about a certificate with OpenSSL's verifier (RFC 5280
//! path validation: names, signatures, constraints, policies, CRLs; see
//! `verifier`), OCSP answers and x509-parser (fields, key usages), and hands
//! them to the policy.
//!
//! What depends only on the trust material, not on the certificate or the
//! time, is made once per `TrustMaterial` and kept (`PreparedTrust`): the
//! openssl store of anchors, the stack of intermediates, the CRLs. Whether a
//! CRL is current is judged at each validation time, and OCSP keeps its own
//! cache.

use super::ocsp::{self, OcspFact, OcspSettings};
use super::policy::{
    self, Decision, Facts, PathFact, PolicyInputs, Purpose, RevocationAnswer, RevocationFact,
    RevocationSource, RevocationStatus, UsageFacts, Window,
};
use super::verifier::{self, Finding, Kind};
use chrono::{DateTime, Utc};
use foreign_types::{ForeignType, ForeignTypeRef};
use openssl::asn1::{Asn1Time, Asn1TimeRef};
use openssl::error::ErrorStack;
use openssl::hash::MessageDigest;
use openssl::stack::Stack;
use openssl::x509::store::{X509Store, X509StoreBuilder};
use openssl::x509::{CrlStatus, ReasonCode, X509, X509Crl, X509Ref, X509VerifyResult};
use serde::Serialize;
use std::sync::{Arc, RwLock};
use x509_parser::prelude::{FromDer, X509Certificate};

/// Trust anchors, intermediate CAs that may complete a path, CRLs, and how
/// OCSP responders are consulted (by default: on, 5 s per responder).
/// Build it with `..TrustMaterial::default()`; keep it and reuse it, as the
/// trust registry's snapshot does, so that what is prepared is reused.
#[derive(Default)]
pub struct TrustMaterial {
    pub anchors: Vec<X509>,
    pub intermediates: Vec<X509>,
    pub crls: Vec<X509Crl>,
    pub ocsp: OcspSettings,
    /// Worked out from `anchors`, `intermediates` and `crls` on first use;
    /// leave it at its default. It notices when those fields have been
    /// changed or replaced since, and is then worked out afresh.
    pub prepared: PreparedTrust,
}

/// What validation derives from a `TrustMaterial` alone, kept between
/// validations. Opaque; made empty by `Default` and filled on first use.
#[derive(Default)]
pub struct PreparedTrust(RwLock<Option<Arc<Prepared>>>);

/// The openssl objects for path building, made from given anchors,
/// intermediates and CRLs, which it holds.
struct Prepared {
    /// The material this was made from, held so that it stays alive and
    /// compared by identity (the openssl object each entry points to). While
    /// held, an object's address cannot be reused by another one, and the
    /// objects are immutable, so the same addresses mean the same material.
    anchors: Vec<X509>,
    intermediates: Stack<X509>,
    crls: Vec<X509Crl>,
    store: X509Store,
}

fn same_objects<T: ForeignType>(
    held: impl ExactSizeIterator<Item = *mut T::CType>,
    given: &[T],
) -> bool {
    held.len() == given.len() && held.zip(given).all(|(a, b)| a == b.as_ptr())
}

impl Prepared {
    fn new(trust: &TrustMaterial) -> Result<Prepared, ErrorStack> {
        // Any registered anchor ends a path (partial chains are allowed by
        // the verifier: trust lists list services, not only roots).
        let mut builder = X509StoreBuilder::new()?;
        for anchor in &trust.anchors {
            builder.add_cert(anchor.clone())?;
        }
        let mut intermediates = Stack::new()?;
        for ca in &trust.intermediates {
            intermediates.push(ca.clone())?;
        }
        let crls = trust.crls.iter().map(share_crl).collect::<Result<_, _>>()?;
        Ok(Prepared {
            anchors: trust.anchors.clone(),
            intermediates,
            crls,
            store: builder.build(),
        })
    }

    /// Whether this was made from exactly the material now in `trust`.
    fn is_for(&self, trust: &TrustMaterial) -> bool {
        same_objects::<X509>(self.anchors.iter().map(|c| c.as_ptr()), &trust.anchors)
            && same_objects::<X509>(
                self.intermediates.iter().map(|c| c.as_ptr()),
                &trust.intermediates,
            )
            && same_objects::<X509Crl>(self.crls.iter().map(|c| c.as_ptr()), &trust.crls)
    }
}

/// Another owner of the same CRL object (openssl reference counting;
/// `X509Crl` is not `Clone`).
pub fn share_crl(crl: &X509Crl) -> Result<X509Crl, ErrorStack> {
    // SAFETY: `crl` is a valid CRL; once X509_CRL_up_ref has taken one more
    // reference, the new owner holds it and gives it back on drop.
    unsafe {
        if openssl_sys::X509_CRL_up_ref(crl.as_ptr()) != 1 {
            return Err(ErrorStack::get());
        }
        Ok(X509Crl::from_ptr(crl.as_ptr()))
    }
}

impl TrustMaterial {
    /// The prepared form of the material as it is now: the one kept if it
    /// was made from this very material, else a new one (then kept).
    fn prepared(&self) -> Result<Arc<Prepared>, ErrorStack> {
        if let Ok(slot) = self.prepared.0.read()
            && let Some(prepared) = slot.as_ref()
            && prepared.is_for(self)
        {
            return Ok(prepared.clone());
        }
        let prepared = Arc::new(Prepared::new(self)?);
        if let Ok(mut slot) = self.prepared.0.write() {
            *slot = Some(prepared.clone());
        }
        Ok(prepared)
    }
}

/// The validation report: the decision, and what was validated.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Report {
    #[serde(flatten)]
    pub decision: Decision,
    pub validation_time: DateTime<Utc>,
    pub subject: Option<String>,
    pub issuer: Option<String>,
    /// Serial number, hex.
    pub serial: Option<String>,
    /// SHA-256 fingerprint of the DER certificate, hex.
    pub sha256: Option<String>,
    pub not_before: Option<DateTime<Utc>>,
    pub not_after: Option<DateTime<Utc>>,
    /// Subjects of the path, end entity first, anchor last.
    pub chain: Vec<String>,
    /// SHA-256 fingerprints (hex) of the path, in the same order.
    pub chain_sha256: Vec<String>,
}

/// Decodes a single PEM certificate block; anything around it but white
/// space is refused, so the bytes validated are the bytes presented.
fn pem_to_der(text: &[u8]) -> Result<Vec<u8>, String> {
    const BEGIN: &str = "-----BEGIN CERTIFICATE-----";
    const END: &str = "-----END CERTIFICATE-----";
    let text = std::str::from_utf8(text).map_err(|_| "PEM must be ASCII text".to_string())?;
    let body = text
        .trim()
        .strip_prefix(BEGIN)
        .and_then(|rest| rest.strip_suffix(END))
        .ok_or_else(|| "expected exactly one PEM CERTIFICATE block and nothing else".to_string())?;
    if body.contains("-----") {
        return Err("expected exactly one PEM CERTIFICATE block and nothing else".into());
    }
    let base64: String = body.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    openssl::base64::decode_block(&base64).map_err(|e| format!("bad base64 in PEM: {e}"))
}

/// Reads one certificate, PEM or DER. Anything else is refused, including
/// trailing bytes and a second certificate.
pub fn parse_certificate(bytes: &[u8]) -> Result<X509, String> {
    let der = if bytes.trim_ascii_start().starts_with(b"-----BEGIN") {
        pem_to_der(bytes)?
    } else {
        bytes.to_vec()
    };
    match X509Certificate::from_der(&der) {
        Ok(([], _)) => {}
        Ok(_) => return Err("trailing bytes after the certificate".into()),
        Err(e) => return Err(format!("malformed certificate: {e}")),
    }
    X509::from_der(&der).map_err(|e| format!("not a DER certificate: {e}"))
}

/// An ASN.1 time as UTC, read by openssl; `None` if out of range.
pub fn utc(t: &Asn1TimeRef) -> Option<DateTime<Utc>> {
    let epoch = Asn1Time::from_unix(0).ok()?;
    let diff = epoch.diff(t).ok()?;
    DateTime::from_timestamp(i64::from(diff.days) * 86_400 + i64::from(diff.secs), 0)
}

fn subject_of(cert: &X509) -> String {
    cert.to_der()
        .ok()
        .and_then(|der| {
            X509Certificate::from_der(&der)
                .ok()
                .map(|(_, c)| c.subject().to_string())
        })
        .unwrap_or_else(|| "(unreadable subject)".into())
}

/// The validity window, read by openssl; `None` if it cannot be read (the
/// policy then cannot conclude: nothing is skipped silently).
fn window(cert: &X509) -> Option<Window> {
    Some(Window {
        subject: subject_of(cert),
        not_before: utc(cert.not_before())?,
        not_after: utc(cert.not_after())?,
    })
}

fn usage_facts(cert: &X509Certificate<'_>) -> Result<UsageFacts, String> {
    let bad = |e| format!("malformed extension: {e}");
    let mut facts = UsageFacts::default();
    if let Some(bc) = cert.basic_constraints().map_err(bad)? {
        facts.is_ca = bc.value.ca;
    }
    if let Some(ku) = cert.key_usage().map_err(bad)? {
        facts.digital_signature = Some(ku.value.digital_signature());
        facts.non_repudiation = Some(ku.value.non_repudiation());
    }
    if let Some(eku) = cert.extended_key_usage().map_err(bad)? {
        let e = eku.value;
        facts.eku_client_auth = Some(e.client_auth);
        facts.eku_time_stamping = Some(e.time_stamping);
        facts.eku_any = e.any;
        // Purposes under which signing documents is plausible; a certificate
        // limited to TLS servers, time-stamping or OCSP is not for signing.
        facts.eku_allows_signing = Some(
            e.any || e.client_auth || e.email_protection || e.code_signing || !e.other.is_empty(),
        );
    }
    Ok(facts)
}

/// Whether `issuer` issued `cert`: the names (and key identifiers, when
/// both carry them) match as openssl judges it, and `cert`'s signature
/// verifies with `issuer`'s key.
pub fn signed_by(issuer: &X509Ref, cert: &X509Ref) -> bool {
    issuer.issued(cert) == X509VerifyResult::OK
        && issuer
            .public_key()
            .and_then(|key| cert.verify(&key))
            .unwrap_or(false)
}

/// How many candidate paths are tried after openssl's own choice failed,
/// and how long one may be.
const MAX_CANDIDATES: usize = 16;
const MAX_DEPTH: usize = 8;

/// The paths from `cert` to an anchor of `trust` whose every signature
/// verifies: (the anchor, the intermediates in order). Several CAs may
/// carry the name a certificate names as its issuer (a re-keyed CA, or a
/// look-alike someone registered); each is followed only if the signature
/// verifies with its key.
fn candidate_paths(cert: &X509, trust: &Prepared) -> Vec<(X509, Vec<X509>)> {
    fn walk(
        cert: &X509Ref,
        trust: &Prepared,
        above: &mut Vec<X509>,
        out: &mut Vec<(X509, Vec<X509>)>,
    ) {
        if out.len() >= MAX_CANDIDATES || above.len() > MAX_DEPTH {
            return;
        }
        for anchor in &trust.anchors {
            if signed_by(anchor, cert) && out.len() < MAX_CANDIDATES {
                out.push((anchor.clone(), above.clone()));
            }
        }
        for ca in trust.intermediates.iter() {
            let seen = above.iter().any(|a| a.as_ptr() == ca.as_ptr());
            if !seen && ca.as_ptr() != cert.as_ptr() && signed_by(ca, cert) {
                above.push(ca.to_owned());
                walk(ca, trust, above, out);
                above.pop();
            }
        }
    }
    let mut out = Vec::new();
    walk(cert, trust, &mut Vec::new(), &mut out);
    out
}

/// A path and everything the verifier found on it.
struct Path {
    fact: PathFact,
    /// End entity first, anchor last; empty unless `fact` is `Built`.
    chain: Vec<X509>,
    findings: Vec<Finding>,
}

/// Builds and checks the path with OpenSSL's verifier (RFC 5280 §6: names,
/// signatures, constraints, policies, CRLs), leaving the certificates' time
/// windows to the policy. OpenSSL follows one issuer per name; if that path
/// fails, every other path whose signatures verify is tried before giving
/// up, so that a look-alike CA cannot hide the real one.
fn build_path(
    cert: &X509,
    trust: &Prepared,
    at: DateTime<Utc>,
    policies: &PolicyInputs,
) -> Result<Path, ErrorStack> {
    let run = verifier::Run {
        at,
        crls: Some(&trust.crls),
        policies,
    };
    let first = verify_path(cert, &trust.store, &trust.intermediates, &run);
    if matches!(first.fact, PathFact::Built) {
        return Ok(first);
    }
    for (anchor, intermediates) in candidate_paths(cert, trust) {
        let mut builder = X509StoreBuilder::new()?;
        builder.add_cert(anchor)?;
        let store = builder.build();
        let mut stack = Stack::new()?;
        for ca in intermediates {
            stack.push(ca)?;
        }
        let tried = verify_path(cert, &store, &stack, &run);
        if matches!(tried.fact, PathFact::Built) {
            return Ok(tried);
        }
    }
    Ok(first)
}

/// "message (at depth d: subject)" for a finding on `chain`.
fn describe_finding(finding: &Finding, chain: &[X509], cert: &X509) -> String {
    let subject = chain
        .get(finding.depth)
        .or((finding.depth == 0).then_some(cert))
        .map(subject_of);
    match subject {
        Some(subject) => format!(
            "{} (at depth {}: {subject})",
            finding.message, finding.depth
        ),
        None => format!("{} (at depth {})", finding.message, finding.depth),
    }
}

/// One verifier run, and what its first finding on the path itself (not
/// time, not revocation) says.
fn verify_path(
    cert: &X509,
    store: &X509Store,
    intermediates: &Stack<X509>,
    run: &verifier::Run<'_>,
) -> Path {
    let verification = match verifier::verify(store, cert, intermediates, run) {
        Ok(v) => v,
        Err(e) => {
            return Path {
                fact: PathFact::NoPath(format!(
                    "the verifier cannot process this path (an unsupported key or \
                     algorithm, such as DSA parameters inherited from the issuer): {e}"
                )),
                chain: Vec::new(),
                findings: Vec::new(),
            };
        }
    };
    let first = verification.findings.iter().find(|f| {
        matches!(
            verifier::kind(f.code),
            Kind::NoPath | Kind::Signature | Kind::Constraints
        )
    });
    let fact = match first {
        None => PathFact::Built,
        Some(f) => {
            let why = describe_finding(f, &verification.chain, cert);
            match verifier::kind(f.code) {
                Kind::NoPath => PathFact::NoPath(why),
                Kind::Signature => PathFact::BadSignature(why),
                _ => PathFact::Constraints(why),
            }
        }
    };
    let chain = if fact == PathFact::Built {
        verification.chain
    } else {
        Vec::new()
    };
    Path {
        fact,
        chain,
        findings: verification.findings,
    }
}

/// Revocation of each certificate of the path but the anchor: what the CRLs
/// say at `at` (as the verifier found), and (when enabled) what OCSP says
/// now. `now` is the current time, by which OCSP answers are judged fresh.
fn revocation_facts(
    path: &Path,
    trust: &TrustMaterial,
    prepared: &Prepared,
    at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Vec<RevocationFact> {
    path.chain
        .windows(2)
        .enumerate()
        .map(|(depth, pair)| {
            let (cert, issuer) = (&pair[0], &pair[1]);
            let mut answers = vec![RevocationAnswer {
                source: RevocationSource::Crl,
                status: crl_status(cert, depth, path, prepared, at),
            }];
            if trust.ocsp.enabled {
                answers.push(ocsp_answer(cert, issuer, &trust.ocsp, at, now));
            }
            RevocationFact {
                subject: subject_of(cert),
                answers,
            }
        })
        .collect()
}

/// What OCSP says of `cert` at `at`. A good answer vouches for any time up
/// to the end of its window (revocation does not undo itself); past it, it
/// says nothing.
fn ocsp_answer(
    cert: &X509,
    issuer: &X509,
    settings: &OcspSettings,
    at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> RevocationAnswer {
    let answer = ocsp::check(cert, issuer, settings, now);
    let status = match (&answer.fact, answer.fact.valid_until()) {
        (OcspFact::Good { .. }, Some(until)) if at <= until => RevocationStatus::Good,
        (OcspFact::Good { .. }, _) => RevocationStatus::Unknown {
            why: "the OCSP answer does not reach the validation time".into(),
        },
        (OcspFact::Revoked { at, reason, .. }, _) => RevocationStatus::Revoked {
            at: *at,
            reason: reason.clone(),
        },
        (OcspFact::Unknown, _) => RevocationStatus::Unknown {
            why: "the responder does not know the certificate".into(),
        },
        (OcspFact::Unavailable(why), _) => RevocationStatus::Unknown { why: why.clone() },
    };
    RevocationAnswer {
        source: RevocationSource::Ocsp {
            responder: answer.responder.map(|url| url.to_string()),
        },
        status,
    }
}

/// What the CRLs say of the certificate at `depth` of the path, as the
/// verifier found: revoked (with the entry's date and reason), no usable
/// CRL (each reason the verifier gave), or good.
fn crl_status(
    cert: &X509,
    depth: usize,
    path: &Path,
    trust: &Prepared,
    at: DateTime<Utc>,
) -> RevocationStatus {
    let here: Vec<&Finding> = path
        .findings
        .iter()
        .filter(|f| f.depth == depth && verifier::kind(f.code) == Kind::Revocation)
        .collect();
    // The verifier's callback lets a run go on after each error: after a
    // CRL it found unusable (out of scope, expired, badly signed…) it goes
    // on to read that CRL anyway. A "revoked" counts only from a CRL no
    // error was reported about before it, at that certificate.
    let revoked = here
        .iter()
        .take_while(|f| f.code == openssl_sys::X509_V_ERR_CERT_REVOKED || !unusable_crl(f.code))
        .any(|f| f.code == openssl_sys::X509_V_ERR_CERT_REVOKED);
    if revoked {
        // The entry the verifier went by: one listing this certificate (by
        // serial and issuer, indirect CRLs included) and not removing it.
        let entry = trust
            .crls
            .iter()
            .filter_map(|crl| listing(crl, cert))
            .find(|l| l.reason != Some(REMOVE_FROM_CRL))
            .map(|l| (l.when, l.reason.map(policy::reason_name)));
        let (when, reason) = entry.unwrap_or((None, None));
        return RevocationStatus::Revoked {
            at: when.unwrap_or(at),
            reason,
        };
    }
    // OpenSSL goes by one CRL per scope (the newest by thisUpdate; the
    // first of equals). Revocation other than a hold is for good, so a full
    // CRL of the issuer's, current at `at`, listing the certificate proves
    // it revoked whichever CRL OpenSSL chose: an older CRL reloaded beside a
    // newer one cannot hide a revocation.
    if let Some(issuer) = path.chain.get(depth + 1)
        && let Some((when, reason)) = revoked_for_good(cert, issuer, &trust.crls, at)
    {
        return RevocationStatus::Revoked { at: when, reason };
    }
    if here.is_empty() {
        return RevocationStatus::Good;
    }
    let mut whys: Vec<String> = here.iter().map(|f| f.message.clone()).collect();
    whys.dedup();
    RevocationStatus::Unknown {
        why: whys.join("; "),
    }
}

/// Whether an error says the CRL at hand cannot be used (as opposed to
/// "revoked", or "no CRL at all").
fn unusable_crl(code: i32) -> bool {
    code != openssl_sys::X509_V_ERR_CERT_REVOKED
        && code != openssl_sys::X509_V_ERR_UNABLE_TO_GET_CRL
}

/// A revocation of `cert` (not a hold, not a removal) listed by a CRL
/// signed with `issuer`'s key and current at `at`: its date and reason.
fn revoked_for_good(
    cert: &X509,
    issuer: &X509,
    crls: &[X509Crl],
    at: DateTime<Utc>,
) -> Option<(DateTime<Utc>, Option<String>)> {
    let at = Asn1Time::from_unix(at.timestamp()).ok()?;
    crls.iter().find_map(|crl| {
        let listed = listing(crl, cert)?;
        let current = crl.last_update() <= at && crl.next_update().is_none_or(|next| next >= at);
        let for_good = !matches!(listed.reason, Some(CERTIFICATE_HOLD | REMOVE_FROM_CRL));
        let signed = || {
            issuer
                .public_key()
                .is_ok_and(|key| crl.verify(&key).unwrap_or(false))
        };
        if !(current && for_good && is_full(crl) && signed()) {
            return None;
        }
        Some((listed.when?, listed.reason.map(policy::reason_name)))
    })
}

/// CRLReason codes (RFC 5280 §5.3.1) that do not revoke for good.
const CERTIFICATE_HOLD: i64 = 6;
const REMOVE_FROM_CRL: i64 = 8;

/// An entry of a CRL about a certificate: its revocation date and reason.
struct Listing {
    when: Option<DateTime<Utc>>,
    reason: Option<i64>,
}

/// The entry of `crl` listing `cert` (by serial and issuer, indirect CRLs
/// included), if there is one.
fn listing(crl: &X509Crl, cert: &X509) -> Option<Listing> {
    let CrlStatus::Revoked(entry) = crl.get_by_cert(cert) else {
        return None;
    };
    Some(Listing {
        when: utc(entry.revocation_date()),
        reason: entry
            .extension::<ReasonCode>()
            .ok()
            .flatten()
            .and_then(|(_, code)| code.get_i64().ok()),
    })
}

/// Whether a CRL is a full CRL of its issuer: no issuingDistributionPoint
/// (a partition, or only some reasons) and no deltaCRLIndicator. Only such
/// a CRL speaks for every certificate of its issuer.
fn is_full(crl: &X509Crl) -> bool {
    let Ok(der) = crl.to_der() else {
        return false;
    };
    let Ok((_, parsed)) = x509_parser::revocation_list::CertificateRevocationList::from_der(&der)
    else {
        return false;
    };
    !parsed.extensions().iter().any(|ext| {
        let oid = ext.oid.to_id_string();
        oid == "2.5.29.28" || oid == "2.5.29.27"
    })
}

/// SHA-256 of the DER certificate, hex.
pub fn fingerprint(cert: &X509) -> String {
    cert.digest(MessageDigest::sha256())
        .map(|d| crate::identity::hex(&d))
        .unwrap_or_default()
}

/// Validates a certificate (PEM or DER) for `purpose` at time `at`.
pub fn validate(
    bytes: &[u8],
    trust: &TrustMaterial,
    at: DateTime<Utc>,
    purpose: Purpose,
) -> Report {
    validate_with(bytes, trust, at, purpose, &PolicyInputs::default())
}

/// `validate` with certificate-policy inputs (RFC 5280 §6.1.1).
pub fn validate_with(
    bytes: &[u8],
    trust: &TrustMaterial,
    at: DateTime<Utc>,
    purpose: Purpose,
    policies: &PolicyInputs,
) -> Report {
    let failure = |why: String| Report {
        decision: policy::format_failure(&why),
        validation_time: at,
        subject: None,
        issuer: None,
        serial: None,
        sha256: None,
        not_before: None,
        not_after: None,
        chain: Vec::new(),
        chain_sha256: Vec::new(),
    };
    let cert = match parse_certificate(bytes) {
        Ok(cert) => cert,
        Err(why) => return failure(why),
    };
    let der = match cert.to_der() {
        Ok(der) => der,
        Err(e) => return failure(e.to_string()),
    };
    let Ok((_, parsed)) = X509Certificate::from_der(&der) else {
        return failure("malformed certificate".into());
    };
    let usage = match usage_facts(&parsed) {
        Ok(usage) => usage,
        Err(why) => return failure(why),
    };
    let prepared = trust.prepared();
    if let Err(why) = policies.check() {
        return failure(format!("policy inputs: {why}"));
    }
    let built = prepared
        .as_ref()
        .map_err(Clone::clone)
        .and_then(|prepared| build_path(&cert, prepared, at, policies));
    let found = match built {
        Ok(built) => built,
        Err(e) => Path {
            fact: PathFact::NoPath(format!("path building failed: {e}")),
            chain: Vec::new(),
            findings: Vec::new(),
        },
    };
    let (path, chain) = (found.fact.clone(), found.chain.clone());
    let path_certs: Vec<&X509> = if chain.is_empty() {
        vec![&cert]
    } else {
        chain.iter().collect()
    };
    let (path, windows) = match path_certs
        .iter()
        .map(|c| window(c))
        .collect::<Option<Vec<Window>>>()
    {
        Some(windows) => (path, windows),
        None => (
            PathFact::NoPath("a validity period in the path cannot be read".into()),
            Vec::new(),
        ),
    };
    let leaf_window = windows.first().cloned();
    let revocation = match (&path, &prepared) {
        (PathFact::Built, Ok(prepared)) => {
            revocation_facts(&found, trust, prepared, at, Utc::now())
        }
        _ => Vec::new(),
    };
    let decision = policy::decide(&Facts {
        at,
        path,
        windows: windows.clone(),
        revocation,
        usage,
        purpose,
    });
    Report {
        decision,
        validation_time: at,
        subject: Some(parsed.subject().to_string()),
        issuer: Some(parsed.issuer().to_string()),
        serial: cert
            .serial_number()
            .to_bn()
            .ok()
            .and_then(|bn| bn.to_hex_str().ok())
            .map(|s| s.to_string()),
        sha256: Some(fingerprint(&cert)),
        not_before: leaf_window.as_ref().map(|w| w.not_before),
        not_after: leaf_window.as_ref().map(|w| w.not_after),
        chain: windows.into_iter().map(|w| w.subject).collect(),
        chain_sha256: path_certs.iter().map(|c| fingerprint(c)).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use openssl::asn1::{Asn1Integer, Asn1Time};
    use openssl::bn::BigNum;
    use openssl::ec::{EcGroup, EcKey};
    use openssl::nid::Nid;
    use openssl::pkey::{PKey, Private};
    use openssl::x509::extension::{BasicConstraints, KeyUsage};
    use openssl::x509::{X509Builder, X509Name};

    fn key() -> PKey<Private> {
        let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).unwrap();
        PKey::from_ec_key(EcKey::generate(&group).unwrap()).unwrap()
    }

    fn name(cn: &str) -> X509Name {
        let mut b = X509Name::builder().unwrap();
        b.append_entry_by_text("CN", cn).unwrap();
        b.build()
    }

    /// A certificate for `subject` (a CA if `ca`), signed by `signer` under
    /// the issuer name `issuer`; no key identifiers, so only the name and
    /// the signature link it to its issuer.
    fn cert(
        subject: &str,
        key: &PKey<Private>,
        issuer: &str,
        signer: &PKey<Private>,
        ca: bool,
    ) -> X509 {
        let mut b = X509Builder::new().unwrap();
        b.set_version(2).unwrap();
        let serial = Asn1Integer::from_bn(&BigNum::from_u32(7).unwrap()).unwrap();
        b.set_serial_number(&serial).unwrap();
        b.set_subject_name(&name(subject)).unwrap();
        b.set_issuer_name(&name(issuer)).unwrap();
        b.set_pubkey(key).unwrap();
        b.set_not_before(&Asn1Time::days_from_now(0).unwrap())
            .unwrap();
        b.set_not_after(&Asn1Time::days_from_now(30).unwrap())
            .unwrap();
        if ca {
            b.append_extension(BasicConstraints::new().critical().ca().build().unwrap())
                .unwrap();
            b.append_extension(KeyUsage::new().key_cert_sign().crl_sign().build().unwrap())
                .unwrap();
        } else {
            b.append_extension(KeyUsage::new().digital_signature().build().unwrap())
                .unwrap();
        }
        b.sign(signer, MessageDigest::sha256()).unwrap();
        b.build()
    }

    #[test]
    fn among_anchors_of_one_name_the_one_whose_signature_verifies_is_found() {
        let real_key = key();
        let real = cert("Root", &real_key, "Root", &real_key, true);
        // Look-alikes: the same name, other keys, each whole by itself.
        let mut anchors: Vec<X509> = (0..8)
            .map(|_| {
                let k = key();
                cert("Root", &k, "Root", &k, true)
            })
            .collect();
        anchors.push(real.clone());
        let leaf_key = key();
        let leaf = cert("Leaf", &leaf_key, "Root", &real_key, false);
        let trust = TrustMaterial {
            anchors,
            ocsp: OcspSettings {
                enabled: false,
                ..OcspSettings::default()
            },
            ..TrustMaterial::default()
        };
        let report = validate(
            &leaf.to_der().unwrap(),
            &trust,
            Utc::now(),
            Purpose::Signing,
        );
        assert_eq!(report.chain_sha256.len(), 2, "{report:#?}");
        assert_eq!(report.chain_sha256[1], fingerprint(&real));
        // A certificate no anchor signed finds no path however many share
        // its issuer's name.
        let stranger_key = key();
        let stray = cert("Stray", &stranger_key, "Root", &stranger_key, false);
        let report = validate(
            &stray.to_der().unwrap(),
            &trust,
            Utc::now(),
            Purpose::Signing,
        );
        assert_ne!(report.decision.indication, policy::Indication::Passed);
    }
}
