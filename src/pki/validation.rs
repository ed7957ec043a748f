//! Gathers the facts about a certificate with openssl (path building and
//! signatures, CRL signatures and entries) and x509-parser (fields, key
//! usages), and hands them to the policy.

use super::policy::{self, Decision, Facts, PathFact, Purpose, RevocationFact, UsageFacts, Window};
use chrono::{DateTime, Utc};
use openssl::asn1::{Asn1Time, Asn1TimeRef};
use openssl::hash::MessageDigest;
use openssl::stack::Stack;
use openssl::x509::store::X509StoreBuilder;
use openssl::x509::verify::X509VerifyFlags;
use openssl::x509::{CrlStatus, X509, X509Crl, X509StoreContext};
use serde::Serialize;
use x509_parser::prelude::{FromDer, X509Certificate};

/// Trust anchors, intermediate CAs that may complete a path, and CRLs.
#[derive(Default)]
pub struct TrustMaterial {
    pub anchors: Vec<X509>,
    pub intermediates: Vec<X509>,
    pub crls: Vec<X509Crl>,
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
}

/// Reads one certificate, PEM or DER. Anything else is refused.
pub fn parse_certificate(bytes: &[u8]) -> Result<X509, String> {
    let trimmed = bytes.trim_ascii_start();
    let (cert, der) = if trimmed.starts_with(b"-----BEGIN") {
        let cert = X509::from_pem(trimmed).map_err(|e| format!("not a PEM certificate: {e}"))?;
        let der = cert
            .to_der()
            .map_err(|e| format!("cannot re-encode the certificate: {e}"))?;
        (cert, der)
    } else {
        let cert = X509::from_der(bytes).map_err(|e| format!("not a DER certificate: {e}"))?;
        (cert, bytes.to_vec())
    };
    match X509Certificate::from_der(&der) {
        Ok(([], _)) => Ok(cert),
        Ok(_) => Err("trailing bytes after the certificate".into()),
        Err(e) => Err(format!("malformed certificate: {e}")),
    }
}

fn utc(t: &Asn1TimeRef) -> Option<DateTime<Utc>> {
    let epoch = Asn1Time::from_unix(0).ok()?;
    let diff = epoch.diff(t).ok()?;
    DateTime::from_timestamp(i64::from(diff.days) * 86_400 + i64::from(diff.secs), 0)
}

fn hex(bytes: &[u8]) -> String {
    crate::identity::hex(bytes)
}

fn window(cert: &X509Certificate<'_>) -> Window {
    let stamp = |t: i64| DateTime::from_timestamp(t, 0).unwrap_or_default();
    Window {
        subject: cert.subject().to_string(),
        not_before: stamp(cert.validity().not_before.timestamp()),
        not_after: stamp(cert.validity().not_after.timestamp()),
    }
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
        facts.eku_client_auth = Some(eku.value.client_auth);
        facts.eku_time_stamping = Some(eku.value.time_stamping);
        facts.eku_any = eku.value.any;
    }
    Ok(facts)
}

/// Builds and checks the path with openssl, leaving time to the policy.
fn build_path(
    cert: &X509,
    trust: &TrustMaterial,
) -> Result<(PathFact, Vec<X509>), openssl::error::ErrorStack> {
    let mut builder = X509StoreBuilder::new()?;
    for anchor in &trust.anchors {
        builder.add_cert(anchor.clone())?;
    }
    builder.set_flags(X509VerifyFlags::NO_CHECK_TIME)?;
    let store = builder.build();
    let mut untrusted = Stack::new()?;
    for ca in &trust.intermediates {
        untrusted.push(ca.clone())?;
    }
    let mut ctx = X509StoreContext::new()?;
    let (ok, code, message, depth, chain) = ctx.init(&store, cert, &untrusted, |c| {
        let ok = c.verify_cert()?;
        let chain: Vec<X509> = c
            .chain()
            .map(|s| s.iter().map(|x| x.to_owned()).collect())
            .unwrap_or_default();
        Ok((
            ok,
            c.error().as_raw(),
            c.error().error_string().to_string(),
            c.error_depth(),
            chain,
        ))
    })?;
    if ok {
        return Ok((PathFact::Built, chain));
    }
    let why = format!("{message} (at depth {depth})");
    // X509_V_ERR_* codes, from openssl/x509_vfy.h.
    let fact = match code {
        2 | 18 | 19 | 20 | 21 => PathFact::NoPath(why),
        4 | 6 | 7 => PathFact::BadSignature(why),
        24 | 25 | 26 | 41 | 42 | 43 => PathFact::Constraints(why),
        _ => PathFact::NoPath(why),
    };
    Ok((fact, Vec::new()))
}

/// Revocation of each certificate of the path but the anchor, from the CRLs
/// its issuer signed and that are current at `at`.
fn revocation_facts(chain: &[X509], crls: &[X509Crl], at: DateTime<Utc>) -> Vec<RevocationFact> {
    let Ok(at_asn1) = Asn1Time::from_unix(at.timestamp()) else {
        return Vec::new();
    };
    chain
        .windows(2)
        .map(|pair| {
            let (cert, issuer) = (&pair[0], &pair[1]);
            let subject = X509Certificate::from_der(&cert.to_der().unwrap_or_default())
                .map(|(_, c)| c.subject().to_string())
                .unwrap_or_default();
            let issuer_der = cert.issuer_name().to_der().unwrap_or_default();
            let Ok(issuer_key) = issuer.public_key() else {
                return RevocationFact::Unknown {
                    subject,
                    why: "the issuer's key is unreadable".into(),
                };
            };
            let signed: Vec<&X509Crl> = crls
                .iter()
                .filter(|crl| {
                    crl.issuer_name().to_der().ok().as_deref() == Some(issuer_der.as_slice())
                })
                .filter(|crl| crl.verify(&issuer_key).unwrap_or(false))
                .collect();
            if signed.is_empty() {
                return RevocationFact::Unknown {
                    subject,
                    why: "no CRL signed by its issuer".into(),
                };
            }
            let current = signed.into_iter().find(|crl| {
                crl.last_update() <= at_asn1 && crl.next_update().is_none_or(|next| next >= at_asn1)
            });
            let Some(crl) = current else {
                return RevocationFact::Unknown {
                    subject,
                    why: "its issuer's CRL is not current at the validation time".into(),
                };
            };
            match crl.get_by_serial(cert.serial_number()) {
                CrlStatus::Revoked(entry) => match utc(entry.revocation_date()) {
                    Some(revoked_at) => RevocationFact::Revoked {
                        subject,
                        at: revoked_at,
                    },
                    None => RevocationFact::Unknown {
                        subject,
                        why: "unreadable revocation date".into(),
                    },
                },
                CrlStatus::NotRevoked | CrlStatus::RemoveFromCrl(_) => {
                    RevocationFact::Good { subject }
                }
            }
        })
        .collect()
}

/// Validates a certificate (PEM or DER) for `purpose` at time `at`.
pub fn validate(
    bytes: &[u8],
    trust: &TrustMaterial,
    at: DateTime<Utc>,
    purpose: Purpose,
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
    let (path, chain) = match build_path(&cert, trust) {
        Ok(built) => built,
        Err(e) => (
            PathFact::NoPath(format!("path building failed: {e}")),
            Vec::new(),
        ),
    };
    let mut windows = vec![window(&parsed)];
    for ca in chain.iter().skip(1) {
        if let Ok(ca_der) = ca.to_der()
            && let Ok((_, ca_parsed)) = X509Certificate::from_der(&ca_der)
        {
            windows.push(window(&ca_parsed));
        }
    }
    let revocation = if path == PathFact::Built {
        revocation_facts(&chain, &trust.crls, at)
    } else {
        Vec::new()
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
        sha256: cert.digest(MessageDigest::sha256()).ok().map(|d| hex(&d)),
        not_before: Some(windows[0].not_before),
        not_after: Some(windows[0].not_after),
        chain: windows.into_iter().map(|w| w.subject).collect(),
    }
}
