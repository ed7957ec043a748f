//! OCSP (RFC 6960, as profiled by RFC 5019): asks a certificate's responder
//! whether it is revoked, and checks the answer before believing it.
//!
//! For a certificate and its issuer: the responder is the one configured for
//! the issuer (by the SHA-256 of the issuer certificate) or else the ones the
//! certificate names in its authorityInfoAccess. The request carries one
//! SHA-1 CertID (RFC 5019) and a random nonce; it is POSTed over plain HTTP
//! (OCSP answers are signed, so TLS adds nothing to their integrity) with a
//! time limit. The answer is believed only if it is signed by the issuer, or
//! by a responder certificate the issuer issued with the OCSPSigning extended
//! key usage; if it echoes a nonce, the nonce must be ours; and it must be
//! current (thisUpdate not in the future, nextUpdate not past, allowing
//! [`CLOCK_SKEW`]; without a nextUpdate, thisUpdate must be recent).
//!
//! Limits, stated plainly:
//! - plain `http://` responders only, no proxy, no redirects;
//! - a response without a nonce is accepted (RFC 5019 responders pre-produce
//!   their answers and do not echo nonces); its freshness then rests on its
//!   thisUpdate/nextUpdate window alone;
//! - the delegated responder certificate's own revocation is not checked (as
//!   with id-pkix-ocsp-nocheck, which such certificates normally carry);
//! - good and revoked answers are cached in memory until their nextUpdate
//!   (or [`MAX_AGE_WITHOUT_NEXT_UPDATE`] after thisUpdate when there is
//!   none), keyed by issuer, serial number and responder. A cached answer
//!   is served without a new nonce: it stays within the window the
//!   responder itself declared valid, which is what RFC 5019 clients rely
//!   on anyway. "Unknown" answers and failures are never cached.

use chrono::{DateTime, NaiveDateTime, Utc};
use openssl::asn1::Asn1GeneralizedTimeRef;
use openssl::hash::MessageDigest;
use openssl::ocsp::{
    OcspCertId, OcspCertStatus, OcspFlag, OcspRequest, OcspResponse, OcspResponseStatus,
};
use openssl::stack::Stack;
use openssl::x509::X509;
use openssl::x509::store::X509StoreBuilder;
use openssl::x509::verify::X509VerifyFlags;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use x509_parser::asn1_rs::{Any, Class, FromDer, Tag};

use super::policy::reason_name;

/// Clock difference allowed between us and a responder.
pub const CLOCK_SKEW: chrono::Duration = chrono::Duration::minutes(5);
/// How long an answer without a nextUpdate is believed after its thisUpdate.
pub const MAX_AGE_WITHOUT_NEXT_UPDATE: chrono::Duration = chrono::Duration::minutes(5);
/// Larger answers are refused (a response with a few certificates is a few KiB).
const MAX_RESPONSE_BYTES: u64 = 256 * 1024;
/// Cached answers kept at most (expired ones are dropped first).
const MAX_CACHE_ENTRIES: usize = 10_000;
/// id-pkix-ocsp-nonce, 1.3.6.1.5.5.7.48.1.2, DER-encoded with its tag.
const NONCE_OID: &[u8] = &[
    0x06, 0x09, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01, 0x02,
];

/// The SHA-256 of a certificate's DER encoding: how an issuer is named in
/// the OCSP settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CertSha256([u8; 32]);

impl CertSha256 {
    pub fn of(cert: &X509) -> Result<CertSha256, String> {
        let digest = cert
            .digest(MessageDigest::sha256())
            .map_err(|e| format!("cannot hash the certificate: {e}"))?;
        let bytes: [u8; 32] = digest
            .as_ref()
            .try_into()
            .map_err(|_| "SHA-256 digest of unexpected length".to_string())?;
        Ok(CertSha256(bytes))
    }

    /// Parses 64 hex digits (either case; colons allowed between bytes).
    pub fn from_hex(text: &str) -> Result<CertSha256, String> {
        let digits: String = text.chars().filter(|c| *c != ':').collect();
        if digits.len() != 64 || !digits.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err("a SHA-256 fingerprint is 64 hex digits".into());
        }
        let mut bytes = [0u8; 32];
        for (i, byte) in bytes.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&digits[2 * i..2 * i + 2], 16)
                .map_err(|_| "a SHA-256 fingerprint is 64 hex digits".to_string())?;
        }
        Ok(CertSha256(bytes))
    }
}

impl std::fmt::Display for CertSha256 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&crate::identity::hex(&self.0))
    }
}

/// An OCSP responder address: an absolute `http://` URL with a host.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ResponderUrl(String);

impl ResponderUrl {
    pub fn parse(text: &str) -> Result<ResponderUrl, String> {
        let text = text.trim();
        let rest = text
            .strip_prefix("http://")
            .ok_or_else(|| format!("{text}: only http:// OCSP responders are supported"))?;
        let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
        if host.is_empty() || host.contains('@') {
            return Err(format!(
                "{text}: the responder URL needs a host (and no user)"
            ));
        }
        if text.chars().any(|c| c.is_ascii_control() || c == ' ') {
            return Err(format!("{text}: the responder URL has spaces or controls"));
        }
        Ok(ResponderUrl(text.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for ResponderUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// How OCSP is used during validation.
#[derive(Debug, Clone)]
pub struct OcspSettings {
    pub enabled: bool,
    /// Time limit for one exchange with a responder (connect, send, read).
    pub timeout: Duration,
    /// Responders set by operators per issuer (keyed by the SHA-256 of the
    /// issuer's certificate); they take precedence over the certificate's
    /// own authorityInfoAccess.
    pub responders: HashMap<CertSha256, ResponderUrl>,
    /// Answers already checked; share it (clone the settings) to share it.
    pub cache: Arc<OcspCache>,
}

impl Default for OcspSettings {
    fn default() -> Self {
        OcspSettings {
            enabled: true,
            timeout: Duration::from_secs(5),
            responders: HashMap::new(),
            cache: Arc::new(OcspCache::default()),
        }
    }
}

/// What a responder said, once every check passed, or why nothing usable
/// came back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OcspFact {
    Good {
        this_update: DateTime<Utc>,
        next_update: Option<DateTime<Utc>>,
    },
    Revoked {
        at: DateTime<Utc>,
        reason: Option<String>,
        this_update: DateTime<Utc>,
        next_update: Option<DateTime<Utc>>,
    },
    /// The responder does not know the certificate.
    Unknown,
    /// No trustworthy answer: no responder, network failure, bad signature,
    /// stale answer, wrong nonce...
    Unavailable(String),
}

impl OcspFact {
    /// Until when the answer holds: its nextUpdate, or a short time after
    /// its thisUpdate when it gives none. `None` for non-answers.
    pub fn valid_until(&self) -> Option<DateTime<Utc>> {
        match self {
            OcspFact::Good {
                this_update,
                next_update,
            }
            | OcspFact::Revoked {
                this_update,
                next_update,
                ..
            } => Some(next_update.unwrap_or(*this_update + MAX_AGE_WITHOUT_NEXT_UPDATE)),
            OcspFact::Unknown | OcspFact::Unavailable(_) => None,
        }
    }
}

/// A fact and the responder it came from (`None` when none was found).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OcspAnswer {
    pub responder: Option<ResponderUrl>,
    pub fact: OcspFact,
    /// Whether the answer was served from the cache.
    pub cached: bool,
    /// Whether this answer echoed the nonce just sent (false when cached,
    /// and when the responder sent no nonce).
    pub nonce_echoed: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct CacheKey {
    issuer: CertSha256,
    serial: Vec<u8>,
    responder: ResponderUrl,
}

/// Checked good and revoked answers, held until they lapse.
#[derive(Debug, Default)]
pub struct OcspCache {
    entries: Mutex<HashMap<CacheKey, OcspFact>>,
}

impl OcspCache {
    fn get(&self, key: &CacheKey, now: DateTime<Utc>) -> Option<OcspFact> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries
            .get(key)
            .filter(|fact| fact.valid_until().is_some_and(|until| now <= until))
            .cloned()
    }

    fn put(&self, key: CacheKey, fact: &OcspFact, now: DateTime<Utc>) {
        if fact.valid_until().is_none_or(|until| until < now) {
            return;
        }
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= MAX_CACHE_ENTRIES {
            entries.retain(|_, f| f.valid_until().is_some_and(|until| now <= until));
        }
        if entries.len() < MAX_CACHE_ENTRIES {
            entries.insert(key, fact.clone());
        }
    }

    /// Number of answers held (expired ones included until swept).
    pub fn len(&self) -> usize {
        self.entries.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The responders to ask about a certificate: the operator's choice for its
/// issuer, else those its authorityInfoAccess names (http only).
fn responders(cert: &X509, issuer: &CertSha256, settings: &OcspSettings) -> Vec<ResponderUrl> {
    if let Some(url) = settings.responders.get(issuer) {
        return vec![url.clone()];
    }
    cert.ocsp_responders()
        .map(|urls| {
            urls.iter()
                .filter_map(|url| std::str::from_utf8(url.as_bytes()).ok())
                .filter_map(|url| ResponderUrl::parse(url).ok())
                .collect()
        })
        .unwrap_or_default()
}

/// Asks about `cert` (issued by `issuer`); `now` is the current time, used
/// to judge the answer's freshness and the cache.
pub fn check(
    cert: &X509,
    issuer: &X509,
    settings: &OcspSettings,
    now: DateTime<Utc>,
) -> OcspAnswer {
    let unavailable = |responder, why: String| OcspAnswer {
        responder,
        fact: OcspFact::Unavailable(why),
        cached: false,
        nonce_echoed: false,
    };
    let issuer_id = match CertSha256::of(issuer) {
        Ok(id) => id,
        Err(why) => return unavailable(None, why),
    };
    let serial = match cert.serial_number().to_bn() {
        Ok(bn) => bn.to_vec(),
        Err(e) => return unavailable(None, format!("unreadable serial number: {e}")),
    };
    let urls = responders(cert, &issuer_id, settings);
    let mut last = unavailable(
        None,
        "no OCSP responder: the certificate names no http responder and none is configured for its issuer"
            .into(),
    );
    for url in urls {
        let key = CacheKey {
            issuer: issuer_id,
            serial: serial.clone(),
            responder: url.clone(),
        };
        if let Some(fact) = settings.cache.get(&key, now) {
            return OcspAnswer {
                responder: Some(url),
                fact,
                cached: true,
                nonce_echoed: false,
            };
        }
        let (fact, nonce_echoed) = ask(cert, issuer, &url, settings.timeout, now);
        tracing::debug!(responder = %url, ?fact, "OCSP answer");
        settings.cache.put(key, &fact, now);
        let answered = !matches!(fact, OcspFact::Unavailable(_));
        last = OcspAnswer {
            responder: Some(url),
            fact,
            cached: false,
            nonce_echoed,
        };
        if answered {
            break;
        }
    }
    last
}

/// One exchange with one responder, and the checks of its answer; with
/// whether the answer echoed our nonce.
fn ask(
    cert: &X509,
    issuer: &X509,
    url: &ResponderUrl,
    timeout: Duration,
    now: DateTime<Utc>,
) -> (OcspFact, bool) {
    let exchange = || -> Result<(OcspFact, bool), String> {
        let mut nonce = [0u8; 16];
        openssl::rand::rand_bytes(&mut nonce)
            .map_err(|e| format!("no randomness for the nonce: {e}"))?;
        let nonce_value = der(0x04, &nonce);
        let request = build_request(cert, issuer, &nonce_value)?;
        let body = post(url, &request, timeout)?;
        interpret(&body, cert, issuer, &nonce_value, now)
    };
    exchange().unwrap_or_else(|why| (OcspFact::Unavailable(why), false))
}

/// The DER request: one SHA-1 CertID (RFC 5019) and the nonce extension.
fn build_request(cert: &X509, issuer: &X509, nonce_value: &[u8]) -> Result<Vec<u8>, String> {
    let bad = |e: openssl::error::ErrorStack| format!("cannot build the OCSP request: {e}");
    let id = OcspCertId::from_cert(MessageDigest::sha1(), cert, issuer).map_err(bad)?;
    let mut request = OcspRequest::new().map_err(bad)?;
    request.add_id(id).map_err(bad)?;
    let plain = request.to_der().map_err(bad)?;
    with_nonce(&plain, nonce_value)
}

/// Encodes `content` under a one-byte `tag`, in DER.
fn der(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
    out.extend_from_slice(content);
    out
}

fn is_sequence(any: &Any<'_>) -> bool {
    any.header.class() == Class::Universal && any.header.tag() == Tag::Sequence
}

/// Adds `requestExtensions [2] { nonce }` to an unsigned DER OCSPRequest
/// (the openssl bindings have no call for it).
fn with_nonce(request: &[u8], nonce_value: &[u8]) -> Result<Vec<u8>, String> {
    let malformed = || "malformed OCSP request".to_string();
    let (rest, outer) = Any::from_der(request).map_err(|_| malformed())?;
    if !rest.is_empty() || !is_sequence(&outer) {
        return Err(malformed());
    }
    let (rest, tbs) = Any::from_der(outer.data).map_err(|_| malformed())?;
    if !rest.is_empty() || !is_sequence(&tbs) {
        return Err(malformed());
    }
    let extension = der(0x30, &[NONCE_OID, &der(0x04, nonce_value)].concat());
    let extensions = der(0xa2, &der(0x30, &extension));
    let tbs = der(0x30, &[tbs.data, &extensions].concat());
    Ok(der(0x30, &tbs))
}

fn malformed() -> String {
    "malformed OCSP response".to_string()
}

/// One DER element and what follows it.
fn parse(bytes: &[u8]) -> Result<(&[u8], Any<'_>), String> {
    Any::from_der(bytes).map_err(|_| malformed())
}

/// The elements a constructed element's content is made of.
fn children(mut rest: &[u8]) -> Result<Vec<Any<'_>>, String> {
    let mut out = Vec::new();
    while !rest.is_empty() {
        let (next, any) = parse(rest)?;
        out.push(any);
        rest = next;
    }
    Ok(out)
}

/// The nonce extension's value in a DER OCSPResponse, if it has one.
fn response_nonce(response: &[u8]) -> Result<Option<Vec<u8>>, String> {
    // OCSPResponse ::= SEQUENCE { responseStatus, responseBytes [0] EXPLICIT
    //   SEQUENCE { responseType OID, response OCTET STRING } }
    let (_, outer) = parse(response)?;
    let bytes = children(outer.data)?
        .into_iter()
        .find(|c| c.header.class() == Class::ContextSpecific && c.header.tag() == Tag(0))
        .ok_or_else(malformed)?;
    let (_, response_bytes) = parse(bytes.data)?;
    let octets = children(response_bytes.data)?
        .into_iter()
        .find(|c| c.header.tag() == Tag::OctetString)
        .ok_or_else(malformed)?;
    // BasicOCSPResponse ::= SEQUENCE { tbsResponseData ResponseData, ... }
    let (_, basic) = parse(octets.data)?;
    let (_, data) = parse(basic.data)?;
    // ResponseData ::= SEQUENCE { version [0] OPTIONAL, responderID ([1] |
    //   [2]), producedAt, responses SEQUENCE, responseExtensions [1] OPTIONAL }
    // The [1] that matters comes after the responses.
    let fields = children(data.data)?;
    let responses = fields
        .iter()
        .position(|f| f.header.class() == Class::Universal && f.header.tag() == Tag::Sequence)
        .ok_or_else(malformed)?;
    let Some(extensions) = fields[responses + 1..]
        .iter()
        .find(|f| f.header.class() == Class::ContextSpecific && f.header.tag() == Tag(1))
    else {
        return Ok(None);
    };
    let (_, list) = parse(extensions.data)?;
    for extension in children(list.data)? {
        // Extension ::= SEQUENCE { extnID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING }
        let (value_rest, _oid) = parse(extension.data)?;
        let oid_len = extension.data.len() - value_rest.len();
        if extension.data[..oid_len] != *NONCE_OID {
            continue;
        }
        let value = children(value_rest)?
            .into_iter()
            .find(|c| c.header.tag() == Tag::OctetString)
            .ok_or_else(malformed)?;
        return Ok(Some(value.data.to_vec()));
    }
    Ok(None)
}

/// POSTs the request; the body of a 200 `application/ocsp-response` answer.
fn post(url: &ResponderUrl, request: &[u8], timeout: Duration) -> Result<Vec<u8>, String> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(timeout))
        .max_redirects(0)
        .http_status_as_error(false)
        .proxy(None)
        .build()
        .into();
    let mut response = agent
        .post(url.as_str())
        .header("Content-Type", "application/ocsp-request")
        .header("Accept", "application/ocsp-response")
        .send(request)
        .map_err(|e| format!("responder unreachable: {e}"))?;
    if response.status() != 200 {
        return Err(format!("responder answered HTTP {}", response.status()));
    }
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    if !content_type.starts_with("application/ocsp-response") {
        return Err(format!(
            "responder answered with content type {content_type:?}, not application/ocsp-response"
        ));
    }
    response
        .body_mut()
        .with_config()
        .limit(MAX_RESPONSE_BYTES)
        .read_to_vec()
        .map_err(|e| format!("cannot read the responder's answer: {e}"))
}

/// openssl prints a GeneralizedTime as `Jan  2 03:04:05[.fff] 2026 GMT`.
fn utc(time: &Asn1GeneralizedTimeRef) -> Result<DateTime<Utc>, String> {
    let text = time.to_string();
    let bare = text
        .strip_suffix(" GMT")
        .ok_or_else(|| format!("time not in UTC: {text}"))?;
    NaiveDateTime::parse_from_str(bare, "%b %e %H:%M:%S%.f %Y")
        .map(|t| t.and_utc())
        .map_err(|_| format!("unreadable time: {text}"))
}

/// Checks a DER OCSPResponse about `cert` and says what it means, and
/// whether it echoed the nonce.
fn interpret(
    body: &[u8],
    cert: &X509,
    issuer: &X509,
    nonce_value: &[u8],
    now: DateTime<Utc>,
) -> Result<(OcspFact, bool), String> {
    let response =
        OcspResponse::from_der(body).map_err(|e| format!("not an OCSP response: {e}"))?;
    let status = response.status();
    if status != OcspResponseStatus::SUCCESSFUL {
        let name = match status {
            OcspResponseStatus::MALFORMED_REQUEST => "malformedRequest",
            OcspResponseStatus::INTERNAL_ERROR => "internalError",
            OcspResponseStatus::TRY_LATER => "tryLater",
            OcspResponseStatus::SIG_REQUIRED => "sigRequired",
            OcspResponseStatus::UNAUTHORIZED => "unauthorized",
            _ => "an unknown status",
        };
        return Err(format!("responder answered {name}"));
    }
    let basic = response
        .basic()
        .map_err(|e| format!("not a basic OCSP response: {e}"))?;

    // Who may sign: the issuer, or a certificate it issued for OCSP signing
    // (openssl checks the OCSPSigning EKU of a delegated signer). The issuer
    // alone is trusted here, hence a partial chain; NO_EXPLICIT refuses the
    // fallback on "trusted for OCSP signing" store settings.
    let unverified = |e| format!("the response's signer is not authorised by the issuer: {e}");
    let mut store = X509StoreBuilder::new().map_err(unverified)?;
    store.add_cert(issuer.clone()).map_err(unverified)?;
    store
        .set_flags(X509VerifyFlags::PARTIAL_CHAIN)
        .map_err(unverified)?;
    let store = store.build();
    let no_extra_certs = Stack::new().map_err(unverified)?;
    basic
        .verify(&no_extra_certs, &store, OcspFlag::NO_EXPLICIT)
        .map_err(unverified)?;

    let nonce_echoed = match response_nonce(body)? {
        Some(echoed) if echoed != nonce_value => {
            return Err("the response's nonce is not the one sent (replayed answer?)".into());
        }
        Some(_) => true,
        None => false,
    };

    let id = OcspCertId::from_cert(MessageDigest::sha1(), cert, issuer)
        .map_err(|e| format!("cannot compute the CertID: {e}"))?;
    let single = basic
        .find_status(&id)
        .ok_or("the response does not speak of this certificate")?;
    let this_update = utc(single.this_update)?;
    let next_update = single.next_update().map(utc).transpose()?;
    if this_update > now + CLOCK_SKEW {
        return Err(format!(
            "the response's thisUpdate {} is in the future",
            this_update.to_rfc3339()
        ));
    }
    match next_update {
        Some(next) if next < this_update => {
            return Err("the response's nextUpdate precedes its thisUpdate".into());
        }
        Some(next) if next + CLOCK_SKEW < now => {
            return Err(format!(
                "the response is stale: nextUpdate {}",
                next.to_rfc3339()
            ));
        }
        None if this_update + MAX_AGE_WITHOUT_NEXT_UPDATE + CLOCK_SKEW < now => {
            return Err(format!(
                "the response is stale: thisUpdate {} and no nextUpdate",
                this_update.to_rfc3339()
            ));
        }
        _ => {}
    }
    let fact = match single.status {
        OcspCertStatus::GOOD => OcspFact::Good {
            this_update,
            next_update,
        },
        OcspCertStatus::REVOKED => {
            let at = single
                .revocation_time
                .ok_or("a revoked status without a revocation time")
                .map_err(str::to_string)
                .and_then(utc)?;
            let reason = match single.reason.as_raw() {
                -1 => None, // OCSP_REVOKED_STATUS_NOSTATUS: no reason given
                code => Some(reason_name(i64::from(code))),
            };
            OcspFact::Revoked {
                at,
                reason,
                this_update,
                next_update,
            }
        }
        _ => OcspFact::Unknown,
    };
    Ok((fact, nonce_echoed))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn der_lengths_use_the_shortest_form() {
        assert_eq!(der(0x04, &[1, 2]), vec![0x04, 2, 1, 2]);
        let long = der(0x04, &[0; 200]);
        assert_eq!(&long[..3], &[0x04, 0x81, 200]);
        let longer = der(0x04, &[0; 300]);
        assert_eq!(&longer[..4], &[0x04, 0x82, 0x01, 0x2c]);
    }

    #[test]
    fn the_nonce_is_added_where_openssl_reads_it() {
        let plain = OcspRequest::new()
            .and_then(|r| r.to_der())
            .expect("an empty request");
        let nonce = der(0x04, &[7; 16]);
        let with = with_nonce(&plain, &nonce).expect("spliced");
        let parsed = OcspRequest::from_der(&with).expect("openssl reads it back");
        assert_eq!(parsed.to_der().expect("DER"), with);
        assert!(with.windows(NONCE_OID.len()).any(|w| w == NONCE_OID));
        assert!(with_nonce(b"\x30\x00trailing", &nonce).is_err());
        assert!(with_nonce(b"", &nonce).is_err());
    }

    #[test]
    fn garbage_responses_are_refused_not_panicked_on() {
        for bytes in [
            &b""[..],
            b"\x30",
            b"\x30\x03\x0a\x01\x00",
            b"\xff\xff\xff\xff",
        ] {
            assert!(response_nonce(bytes).is_err(), "{bytes:?}");
        }
    }

    #[test]
    fn fingerprints_and_urls_are_checked_at_the_edge() {
        let hex = "AB".repeat(32);
        let id = CertSha256::from_hex(&hex).expect("64 hex digits");
        assert_eq!(id.to_string(), "ab".repeat(32));
        assert!(CertSha256::from_hex("abcd").is_err());
        assert!(CertSha256::from_hex(&"zz".repeat(32)).is_err());
        assert!(ResponderUrl::parse("http://ocsp.example.cn/").is_ok());
        assert!(ResponderUrl::parse("http://127.0.0.1:8080").is_ok());
        for bad in [
            "https://ocsp.example.cn/",
            "ldap://x",
            "http://",
            "http:///path",
            "http://user@host/",
            "http://host/a b",
        ] {
            assert!(ResponderUrl::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn openssl_time_text_is_read_back() {
        use openssl::asn1::Asn1GeneralizedTime;
        let t = Asn1GeneralizedTime::from_str("20260102030405Z").expect("time");
        assert_eq!(
            utc(&t).expect("read").to_rfc3339(),
            "2026-01-02T03:04:05+00:00"
        );
    }

    #[test]
    fn answers_hold_until_next_update_or_briefly() {
        let t = DateTime::from_timestamp(1_800_000_000, 0).expect("time");
        let good = OcspFact::Good {
            this_update: t,
            next_update: None,
        };
        assert_eq!(good.valid_until(), Some(t + MAX_AGE_WITHOUT_NEXT_UPDATE));
        let later = t + chrono::Duration::days(1);
        let good = OcspFact::Good {
            this_update: t,
            next_update: Some(later),
        };
        assert_eq!(good.valid_until(), Some(later));
        assert_eq!(OcspFact::Unknown.valid_until(), None);
        let cache = OcspCache::default();
        let key = CacheKey {
            issuer: CertSha256([0; 32]),
            serial: vec![1],
            responder: ResponderUrl("http://x".into()),
        };
        cache.put(key.clone(), &OcspFact::Unknown, t);
        assert!(cache.is_empty());
        cache.put(key.clone(), &good, t);
        assert_eq!(cache.get(&key, t), Some(good));
        assert_eq!(cache.get(&key, later + chrono::Duration::seconds(1)), None);
    }
}
