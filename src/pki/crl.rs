//! Issuing a certificate revocation list: a signed X.509 v2 CRL (RFC 5280
//! §5) with a CRL number, the issuer's key identifier and, per revoked
//! certificate, its serial, revocation date and reason code, sorted by
//! serial and signed with SHA-256.
//!
//! rust-openssl's `X509CrlBuilder` does the building and signing; the one
//! thing it lacks, the reason-code entry extension, is added through
//! openssl-sys (`X509_REVOKED_add_ext`, which copies the extension).

use chrono::{DateTime, Utc};
use foreign_types::ForeignType;
use openssl::asn1::{Asn1Integer, Asn1Object, Asn1OctetString, Asn1Time};
use openssl::bn::BigNum;
use openssl::error::ErrorStack;
use openssl::hash::MessageDigest;
use openssl::pkey::{HasPrivate, PKeyRef};
use openssl::x509::X509Crl;
use openssl::x509::{X509CrlBuilder, X509Extension, X509Ref, X509Revoked, X509RevokedBuilder};

/// Why a certificate was revoked (RFC 5280 §5.3.1 CRLReason). `removeFromCRL`
/// belongs to delta CRLs, which we do not issue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RevocationReason {
    Unspecified,
    KeyCompromise,
    CaCompromise,
    AffiliationChanged,
    Superseded,
    CessationOfOperation,
    CertificateHold,
    PrivilegeWithdrawn,
    AaCompromise,
}

impl RevocationReason {
    /// The CRLReason ENUMERATED value.
    pub fn code(self) -> u8 {
        match self {
            Self::Unspecified => 0,
            Self::KeyCompromise => 1,
            Self::CaCompromise => 2,
            Self::AffiliationChanged => 3,
            Self::Superseded => 4,
            Self::CessationOfOperation => 5,
            Self::CertificateHold => 6,
            Self::PrivilegeWithdrawn => 9,
            Self::AaCompromise => 10,
        }
    }
}

/// One revoked certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revocation {
    /// The certificate's serial number, unsigned big-endian.
    pub serial: Vec<u8>,
    pub revoked_at: DateTime<Utc>,
    /// `None` leaves the reason out, as RFC 5280 asks for "unspecified".
    pub reason: Option<RevocationReason>,
}

impl Revocation {
    /// The revocation of `cert`.
    pub fn of(
        cert: &X509Ref,
        revoked_at: DateTime<Utc>,
        reason: Option<RevocationReason>,
    ) -> Result<Self, CrlError> {
        Ok(Self {
            serial: cert.serial_number().to_bn()?.to_vec(),
            revoked_at,
            reason,
        })
    }
}

/// What a CRL states.
pub struct CrlContents<'a> {
    /// The CA certificate whose name and key identifier the CRL carries.
    pub issuer: &'a X509Ref,
    /// Monotonically increasing per issuer (RFC 5280 §5.2.3).
    pub number: u64,
    pub this_update: DateTime<Utc>,
    pub next_update: DateTime<Utc>,
    pub revoked: &'a [Revocation],
}

#[derive(Debug, thiserror::Error)]
pub enum CrlError {
    #[error("{0}")]
    Invalid(String),
    #[error("openssl: {0}")]
    OpenSsl(#[from] ErrorStack),
}

fn invalid(why: impl Into<String>) -> CrlError {
    CrlError::Invalid(why.into())
}

fn asn1_time(t: DateTime<Utc>) -> Result<Asn1Time, ErrorStack> {
    Asn1Time::from_unix(t.timestamp())
}

/// DER of a short DER item: tag, definite short length, contents.
fn der_short(tag: u8, contents: &[u8]) -> Result<Vec<u8>, CrlError> {
    let len = u8::try_from(contents.len())
        .ok()
        .filter(|l| *l < 0x80)
        .ok_or_else(|| invalid("value too long for a short DER length"))?;
    let mut out = vec![tag, len];
    out.extend_from_slice(contents);
    Ok(out)
}

/// A non-critical extension from its OID and DER value.
fn extension(oid: &str, der: &[u8]) -> Result<X509Extension, CrlError> {
    let oid: Asn1Object = Asn1Object::from_str(oid)?;
    let value: Asn1OctetString = Asn1OctetString::new_from_bytes(der)?;
    Ok(X509Extension::new_from_der(&oid, false, &value)?)
}

/// authorityKeyIdentifier ::= SEQUENCE { keyIdentifier [0] IMPLICIT OCTET STRING }
fn authority_key_identifier(issuer: &X509Ref) -> Result<X509Extension, CrlError> {
    let key_id = issuer
        .subject_key_id()
        .ok_or_else(|| invalid("the issuer certificate has no subjectKeyIdentifier"))?;
    let value = der_short(0x30, &der_short(0x80, key_id.as_slice())?)?;
    extension("2.5.29.35", &value)
}

/// reasonCode ::= ENUMERATED, an entry extension (RFC 5280 §5.3.1).
fn reason_code(reason: RevocationReason) -> Result<X509Extension, CrlError> {
    extension("2.5.29.21", &der_short(0x0a, &[reason.code()])?)
}

fn revoked_entry(r: &Revocation) -> Result<X509Revoked, CrlError> {
    if r.serial.is_empty() || r.serial.len() > 20 {
        return Err(invalid(
            "a serial number must have 1 to 20 octets (RFC 5280 §4.1.2.2)",
        ));
    }
    let mut entry = X509RevokedBuilder::new()?;
    let serial: BigNum = BigNum::from_slice(&r.serial)?;
    let serial: Asn1Integer = Asn1Integer::from_bn(&serial)?;
    entry.set_serial_number(&serial)?;
    let date: Asn1Time = asn1_time(r.revoked_at)?;
    entry.set_revocation_date(&date)?;
    let entry = entry.build();
    if let Some(reason) = r.reason {
        let ext = reason_code(reason)?;
        // SAFETY: both pointers are valid for the call; X509_REVOKED_add_ext
        // copies the extension (X509v3_add_ext duplicates it), so `ext`
        // keeps its own and frees it when dropped.
        let ok = unsafe { openssl_sys::X509_REVOKED_add_ext(entry.as_ptr(), ext.as_ptr(), -1) };
        if ok != 1 {
            return Err(ErrorStack::get().into());
        }
    }
    Ok(entry)
}

/// Builds a CRL and signs it with the issuer's key (SHA-256).
///
/// Refused: a key that is not the issuer's, an issuer that is not a CA
/// allowed to sign CRLs, nextUpdate not after thisUpdate, a revocation
/// dated after thisUpdate, a serial listed twice or out of range.
pub fn build_crl<T: HasPrivate>(
    contents: &CrlContents<'_>,
    key: &PKeyRef<T>,
) -> Result<X509Crl, CrlError> {
    let issuer = contents.issuer;
    if !issuer.public_key()?.public_eq(key) {
        return Err(invalid(
            "the signing key is not the issuer certificate's key",
        ));
    }
    let der = issuer.to_der()?;
    let (_, parsed) = x509_parser::parse_x509_certificate(&der)
        .map_err(|e| invalid(format!("unreadable issuer certificate: {e}")))?;
    if !parsed.is_ca() {
        return Err(invalid("the issuer certificate is not a CA"));
    }
    if let Ok(Some(ku)) = parsed.key_usage()
        && !ku.value.crl_sign()
    {
        return Err(invalid("the issuer certificate's key usage lacks cRLSign"));
    }
    if contents.next_update <= contents.this_update {
        return Err(invalid("nextUpdate must be after thisUpdate"));
    }
    let mut seen = std::collections::HashSet::new();
    for r in contents.revoked {
        if r.revoked_at > contents.this_update {
            return Err(invalid("a revocation is dated after the CRL's thisUpdate"));
        }
        if !seen.insert(r.serial.as_slice()) {
            return Err(invalid("a serial number is listed twice"));
        }
    }

    let mut crl = X509CrlBuilder::new()?;
    crl.set_issuer_name(issuer.subject_name())?;
    let (this_update, next_update): (Asn1Time, Asn1Time) = (
        asn1_time(contents.this_update)?,
        asn1_time(contents.next_update)?,
    );
    crl.set_last_update(&this_update)?;
    crl.set_next_update(&next_update)?;
    crl.append_extension(authority_key_identifier(issuer)?)?;
    let number: BigNum = BigNum::from_dec_str(&contents.number.to_string())?;
    crl.append_extension(openssl::x509::extension::CrlNumber::new(number)?.build()?)?;
    for r in contents.revoked {
        crl.add_revoked(revoked_entry(r)?)?;
    }
    crl.sort()?;
    crl.sign(key, MessageDigest::sha256())?;
    Ok(crl.build()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pki::policy::{Indication, Purpose, SubIndication};
    use crate::pki::validation::{TrustMaterial, validate};
    use chrono::Duration;
    use openssl::ec::{EcGroup, EcKey};
    use openssl::nid::Nid;
    use openssl::pkey::{PKey, Private};
    use openssl::x509::extension::{
        AuthorityKeyIdentifier, BasicConstraints, KeyUsage, SubjectKeyIdentifier,
    };
    use openssl::x509::{X509, X509NameBuilder};
    use std::process::Command;

    fn key() -> PKey<Private> {
        let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).unwrap();
        PKey::from_ec_key(EcKey::generate(&group).unwrap()).unwrap()
    }

    fn cert(
        cn: &str,
        key: &PKey<Private>,
        issuer: Option<(&X509, &PKey<Private>)>,
        ca: bool,
        serial: u32,
    ) -> X509 {
        let mut name = X509NameBuilder::new().unwrap();
        name.append_entry_by_text("C", "CN").unwrap();
        name.append_entry_by_text("CN", cn).unwrap();
        let name = name.build();
        let mut b = X509::builder().unwrap();
        b.set_version(2).unwrap();
        b.set_serial_number(&Asn1Integer::from_bn(&BigNum::from_u32(serial).unwrap()).unwrap())
            .unwrap();
        b.set_subject_name(&name).unwrap();
        b.set_issuer_name(issuer.map_or(&*name, |(c, _)| c.subject_name()))
            .unwrap();
        b.set_pubkey(key).unwrap();
        b.set_not_before(&Asn1Time::days_from_now(0).unwrap())
            .unwrap();
        b.set_not_after(&Asn1Time::days_from_now(30).unwrap())
            .unwrap();
        if ca {
            b.append_extension(BasicConstraints::new().critical().ca().build().unwrap())
                .unwrap();
            b.append_extension(
                KeyUsage::new()
                    .critical()
                    .key_cert_sign()
                    .crl_sign()
                    .build()
                    .unwrap(),
            )
            .unwrap();
        } else {
            b.append_extension(BasicConstraints::new().build().unwrap())
                .unwrap();
            b.append_extension(
                KeyUsage::new()
                    .critical()
                    .digital_signature()
                    .non_repudiation()
                    .build()
                    .unwrap(),
            )
            .unwrap();
        }
        let ski = SubjectKeyIdentifier::new()
            .build(&b.x509v3_context(issuer.map(|(c, _)| &**c), None))
            .unwrap();
        b.append_extension(ski).unwrap();
        if let Some((c, _)) = issuer {
            let aki = AuthorityKeyIdentifier::new()
                .keyid(true)
                .build(&b.x509v3_context(Some(c), None))
                .unwrap();
            b.append_extension(aki).unwrap();
        }
        b.sign(issuer.map_or(key, |(_, k)| k), MessageDigest::sha256())
            .unwrap();
        b.build()
    }

    struct Setup {
        root: X509,
        root_key: PKey<Private>,
        good: X509,
        revoked: X509,
    }

    fn setup() -> Setup {
        let root_key = key();
        let root = cert("Demo Root", &root_key, None, true, 1);
        let good = cert("Good", &key(), Some((&root, &root_key)), false, 0x1001);
        let revoked = cert("Revoked", &key(), Some((&root, &root_key)), false, 0x1002);
        Setup {
            root,
            root_key,
            good,
            revoked,
        }
    }

    fn openssl_cli(dir: &std::path::Path, args: &[&str]) -> (bool, String) {
        let out = Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .output()
            .expect("run openssl");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.success(), text)
    }

    #[test]
    fn a_crl_that_openssl_and_our_validation_both_read() {
        let s = setup();
        let now = Utc::now();
        let revoked_at = now - Duration::hours(1);
        let crl = build_crl(
            &CrlContents {
                issuer: &s.root,
                number: 7,
                this_update: now,
                next_update: now + Duration::days(30),
                revoked: &[Revocation::of(
                    &s.revoked,
                    revoked_at,
                    Some(RevocationReason::KeyCompromise),
                )
                .unwrap()],
            },
            &s.root_key,
        )
        .unwrap();
        assert!(crl.verify(&s.root_key).unwrap());

        let dir = tempfile::tempdir().unwrap();
        let p = dir.path();
        std::fs::write(p.join("root.pem"), s.root.to_pem().unwrap()).unwrap();
        std::fs::write(p.join("good.pem"), s.good.to_pem().unwrap()).unwrap();
        std::fs::write(p.join("revoked.pem"), s.revoked.to_pem().unwrap()).unwrap();
        std::fs::write(p.join("root.crl"), crl.to_pem().unwrap()).unwrap();

        let (ok, text) = openssl_cli(p, &["crl", "-in", "root.crl", "-noout", "-text"]);
        assert!(ok, "{text}");
        assert!(text.contains("Version 2"), "{text}");
        let number = text
            .lines()
            .skip_while(|l| !l.contains("CRL Number"))
            .nth(1)
            .map(str::trim);
        assert_eq!(number, Some("7"), "{text}");
        assert!(text.contains("X509v3 Authority Key Identifier"), "{text}");
        assert!(text.contains("Serial Number: 1002"), "{text}");
        assert!(text.contains("Key Compromise"), "{text}");
        assert!(text.contains("ecdsa-with-SHA256"), "{text}");

        let (ok, text) = openssl_cli(
            p,
            &["crl", "-in", "root.crl", "-noout", "-CAfile", "root.pem"],
        );
        assert!(ok && text.contains("verify OK"), "{text}");

        let (ok, text) = openssl_cli(
            p,
            &[
                "verify",
                "-crl_check",
                "-CAfile",
                "root.pem",
                "-CRLfile",
                "root.crl",
                "revoked.pem",
            ],
        );
        assert!(!ok && text.contains("certificate revoked"), "{text}");
        let (ok, text) = openssl_cli(
            p,
            &[
                "verify",
                "-crl_check",
                "-CAfile",
                "root.pem",
                "-CRLfile",
                "root.crl",
                "good.pem",
            ],
        );
        assert!(ok, "{text}");

        let trust = TrustMaterial {
            anchors: vec![s.root.clone()],
            intermediates: vec![],
            crls: vec![crl],
            ..TrustMaterial::default()
        };
        let report = validate(&s.revoked.to_pem().unwrap(), &trust, now, Purpose::Signing);
        assert_eq!(report.decision.indication, Indication::Failed, "{report:?}");
        assert_eq!(report.decision.sub_indication, Some(SubIndication::Revoked));
        let report = validate(&s.good.to_pem().unwrap(), &trust, now, Purpose::Signing);
        assert_eq!(report.decision.indication, Indication::Passed, "{report:?}");
    }

    #[test]
    fn entries_are_sorted_and_reasons_optional() {
        let s = setup();
        let now = Utc::now();
        let entry = |serial: &[u8], reason| Revocation {
            serial: serial.to_vec(),
            revoked_at: now - Duration::days(1),
            reason,
        };
        let crl = build_crl(
            &CrlContents {
                issuer: &s.root,
                number: 1,
                this_update: now,
                next_update: now + Duration::days(1),
                revoked: &[
                    entry(&[0x30], None),
                    entry(&[0x10], Some(RevocationReason::Superseded)),
                    entry(&[0x20], Some(RevocationReason::PrivilegeWithdrawn)),
                ],
            },
            &s.root_key,
        )
        .unwrap();
        let der = crl.to_der().unwrap();
        let (_, parsed) =
            <x509_parser::revocation_list::CertificateRevocationList as x509_parser::prelude::FromDer<_>>::from_der(&der).unwrap();
        let serials: Vec<u64> = parsed
            .iter_revoked_certificates()
            .map(|r| r.serial().try_into().unwrap())
            .collect();
        assert_eq!(serials, [0x10, 0x20, 0x30]);
        let reasons: Vec<Option<u8>> = parsed
            .iter_revoked_certificates()
            .map(|r| r.reason_code().map(|(_, c)| c.0))
            .collect();
        assert_eq!(reasons, [Some(4), Some(9), None]);
        assert_eq!(parsed.crl_number().map(|n| n.to_string()), Some("1".into()));
        // No critical extension: our validation relies only on complete CRLs.
        assert!(parsed.extensions().iter().all(|e| !e.critical));

        // An empty CRL is a CRL too.
        let empty = build_crl(
            &CrlContents {
                issuer: &s.root,
                number: 2,
                this_update: now,
                next_update: now + Duration::days(1),
                revoked: &[],
            },
            &s.root_key,
        )
        .unwrap();
        assert!(empty.get_revoked().is_none());
    }

    #[test]
    fn refusals() {
        let s = setup();
        let now = Utc::now();
        let base = |revoked: &'static [Revocation]| (now, now + Duration::days(1), revoked);
        let attempt = |issuer: &X509,
                       key: &PKey<Private>,
                       (this_update, next_update, revoked): (
            DateTime<Utc>,
            DateTime<Utc>,
            &[Revocation],
        )| {
            build_crl(
                &CrlContents {
                    issuer,
                    number: 1,
                    this_update,
                    next_update,
                    revoked,
                },
                key,
            )
            .map(|_| ())
            .map_err(|e| e.to_string())
        };
        // Another key than the issuer's.
        let err = attempt(&s.root, &key(), base(&[])).unwrap_err();
        assert!(err.contains("not the issuer"), "{err}");
        // A leaf as issuer (not a CA); its own key, so that only the CA check can fail.
        let leaf_key = key();
        let leaf = cert("Leaf", &leaf_key, Some((&s.root, &s.root_key)), false, 9);
        let err = attempt(&leaf, &leaf_key, base(&[])).unwrap_err();
        assert!(err.contains("not a CA"), "{err}");
        // nextUpdate not after thisUpdate.
        let err = attempt(&s.root, &s.root_key, (now, now, &[])).unwrap_err();
        assert!(err.contains("nextUpdate"), "{err}");
        // A revocation dated in the future, a duplicate, a bad serial.
        let later = vec![Revocation {
            serial: vec![1],
            revoked_at: now + Duration::hours(1),
            reason: None,
        }];
        let err =
            attempt(&s.root, &s.root_key, (now, now + Duration::days(1), &later)).unwrap_err();
        assert!(err.contains("after"), "{err}");
        let twice = vec![
            Revocation {
                serial: vec![1],
                revoked_at: now,
                reason: None,
            };
            2
        ];
        let err =
            attempt(&s.root, &s.root_key, (now, now + Duration::days(1), &twice)).unwrap_err();
        assert!(err.contains("twice"), "{err}");
        let long = vec![Revocation {
            serial: vec![1; 21],
            revoked_at: now,
            reason: None,
        }];
        let err = attempt(&s.root, &s.root_key, (now, now + Duration::days(1), &long)).unwrap_err();
        assert!(err.contains("20 octets"), "{err}");
    }
}
