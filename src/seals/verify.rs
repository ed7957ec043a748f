//! Reading seals and seal signatures from untrusted DER, and verifying them
//! as GB/T 38540-2020 §6.3 and §7.3 do, each step a listed check. Whether a
//! certificate is valid and its issuer recognised is not decided here: the
//! caller's trust callback decides (the trust registry lives elsewhere).

use chrono::{DateTime, Utc};
use der::asn1::{Any, BitString, GeneralizedTime, ObjectIdentifier};
use der::{Decode, Encode};
use openssl::hash::{MessageDigest, hash};
use openssl::pkey::{PKey, Public};
use openssl::x509::X509;
use serde::Serialize;
use x509_parser::prelude::{FromDer, X509Certificate};

use super::asn1::{self, CertList, ExtData};
use super::crypto::{self, Algorithm};
use super::{DocumentInput, SealType};
use crate::pki::policy::{self, Check, CheckResult, Decision, Indication, SubIndication};
use crate::types::CreditCode;

/// Which certificate the trust callback is asked about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CertRole {
    /// The certificate that applied the seal (signed the `TBS_Sign`).
    Signer,
    /// The seal authority's certificate (signed the `SES_SealInfo`).
    SealAuthority,
}

/// What a seal says, read from its DER.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct SealDetails {
    /// `esID`.
    pub seal_id: String,
    pub seal_name: String,
    pub seal_type: SealType,
    /// `SES_ESPropertyInfo.type` as encoded.
    pub seal_type_code: u32,
    /// From the ggzy owner extension; `None` for seals made elsewhere.
    pub owner_name: Option<String>,
    pub credit_code: Option<String>,
    pub created: DateTime<Utc>,
    pub valid_from: DateTime<Utc>,
    pub valid_to: DateTime<Utc>,
    /// `SES_Header.vid`, the maker's software.
    pub vendor_id: String,
    pub picture_type: String,
    pub picture_width_mm: u32,
    pub picture_height_mm: u32,
    pub picture_bytes: usize,
    /// 1: certificates listed, 2: certificate digests listed.
    pub cert_list_type: u32,
    pub listed_certificates: usize,
    pub authority_subject: String,
    /// SHA-256 of the seal authority certificate (DER), hex.
    pub authority_cert_sha256: String,
    /// `None` when the seal names an algorithm we do not support.
    pub algorithm: Option<Algorithm>,
}

/// The result of verifying a seal on its own.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SealReport {
    #[serde(flatten)]
    pub decision: Decision,
    pub validation_time: DateTime<Utc>,
    pub seal: Option<SealDetails>,
}

/// The result of verifying a seal signature.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SignatureReport {
    #[serde(flatten)]
    pub decision: Decision,
    /// `timeInfo`: the signing time the signer claims.
    pub signing_time: Option<DateTime<Utc>>,
    pub algorithm: Option<Algorithm>,
    pub signer_subject: Option<String>,
    /// SHA-256 of the signer certificate (DER), hex.
    pub signer_cert_sha256: Option<String>,
    /// `propertyInfo`: what the signer says the signature covers.
    pub property_info: Option<String>,
    /// `dataHash`, hex.
    pub document_digest: Option<String>,
    /// Whether a `timeStamp` is present (it is not verified here).
    pub has_time_stamp: bool,
    pub seal: Option<SealDetails>,
}

/// A certificate read from a seal structure.
struct Cert {
    der: Vec<u8>,
    key: PKey<Public>,
    subject: String,
    sha256: String,
}

fn read_cert(what: &str, der: &[u8]) -> Result<Cert, String> {
    match X509Certificate::from_der(der) {
        Ok(([], parsed)) => {
            let subject = parsed.subject().to_string();
            let cert = X509::from_der(der).map_err(|e| format!("{what}: {e}"))?;
            let key = cert
                .public_key()
                .map_err(|e| format!("{what}: unusable public key: {e}"))?;
            Ok(Cert {
                der: der.to_vec(),
                key,
                subject,
                sha256: crate::identity::hex(
                    &hash(MessageDigest::sha256(), der).map_err(|e| format!("{what}: {e}"))?,
                ),
            })
        }
        Ok(_) => Err(format!("{what}: trailing bytes after the certificate")),
        Err(e) => Err(format!("{what}: malformed certificate: {e}")),
    }
}

fn utc(t: &GeneralizedTime) -> Result<DateTime<Utc>, String> {
    i64::try_from(t.to_unix_duration().as_secs())
        .ok()
        .and_then(|secs| DateTime::from_timestamp(secs, 0))
        .ok_or_else(|| "a time out of range".to_string())
}

fn oid_text(body: &[u8]) -> String {
    if body == asn1::uuid_oid_body(asn1::OWNER_EXTENSION_UUID) {
        return asn1::OWNER_EXTENSION.into();
    }
    ObjectIdentifier::from_bytes(body)
        .map(|oid| oid.to_string())
        .unwrap_or_else(|_| format!("(OID {})", crate::identity::hex(body)))
}

/// Reads the owner extension; refuses critical extensions we do not know.
fn read_extensions(exts: &[ExtData]) -> Result<Option<(String, CreditCode)>, String> {
    let owner_oid = asn1::uuid_oid_body(asn1::OWNER_EXTENSION_UUID);
    let mut owner = None;
    for ext in exts {
        let body = ext.oid_body()?;
        if body == owner_oid {
            if owner.is_some() {
                return Err("the owner extension appears twice".into());
            }
            let value = asn1::SealOwner::from_der(ext.extn_value.as_bytes())
                .map_err(|e| format!("owner extension: {e}"))?;
            let code = CreditCode::parse(value.credit_code.as_str())?;
            if value.organization_name.trim().is_empty() {
                return Err("owner extension: empty organisation name".into());
            }
            owner = Some((value.organization_name, code));
        } else if ext.critical {
            return Err(format!(
                "unrecognised critical extension {}",
                oid_text(body)
            ));
        }
    }
    Ok(owner)
}

/// A seal read from DER, with what verification needs.
struct ParsedSeal {
    details: SealDetails,
    /// The DER of `SES_SealInfo`, as received: what the authority signed.
    info_der: Vec<u8>,
    authority: Cert,
    sign_alg: ObjectIdentifier,
    signed_value: BitString,
    cert_list: CertList,
}

fn parse_seal_any(seal: &Any) -> Result<ParsedSeal, String> {
    let outer = seal
        .decode_as::<asn1::Seal>()
        .map_err(|e| format!("SES_Seal: {e}"))?;
    let info = outer
        .seal_info
        .decode_as::<asn1::SealInfo>()
        .map_err(|e| format!("SES_SealInfo: {e}"))?;
    if info.header.id.as_str() != asn1::HEADER_ID || info.header.version != asn1::VERSION {
        return Err(format!(
            "SES_Header: expected id \"ES\" and version 4, found {:?} and {}",
            info.header.id.as_str(),
            info.header.version
        ));
    }
    let property = &info.property;
    let cert_list = property.cert_list()?;
    let listed = match &cert_list {
        CertList::Certificates(certs) => certs.len(),
        CertList::Digests(digests) => digests.len(),
    };
    let owner = read_extensions(info.ext_datas.as_deref().unwrap_or_default())?;
    let authority = read_cert("seal authority certificate", outer.cert.as_bytes())?;
    let info_der = outer
        .seal_info
        .to_der()
        .map_err(|e| format!("SES_SealInfo: {e}"))?;
    let details = SealDetails {
        seal_id: info.es_id.as_str().to_string(),
        seal_name: property.name.clone(),
        seal_type: SealType::from_code(property.seal_type),
        seal_type_code: property.seal_type,
        owner_name: owner.as_ref().map(|(name, _)| name.clone()),
        credit_code: owner.map(|(_, code)| code.as_str().to_string()),
        created: utc(&property.create_date)?,
        valid_from: utc(&property.valid_start)?,
        valid_to: utc(&property.valid_end)?,
        vendor_id: info.header.vid.as_str().to_string(),
        picture_type: info.picture.picture_type.as_str().to_string(),
        picture_width_mm: info.picture.width,
        picture_height_mm: info.picture.height,
        picture_bytes: info.picture.data.as_bytes().len(),
        cert_list_type: property.cert_list_type,
        listed_certificates: listed,
        authority_subject: authority.subject.clone(),
        authority_cert_sha256: authority.sha256.clone(),
        algorithm: Algorithm::from_oid(&outer.sign_alg),
    };
    Ok(ParsedSeal {
        details,
        info_der,
        authority,
        sign_alg: outer.sign_alg,
        signed_value: outer.signed_value,
        cert_list,
    })
}

fn parse_seal_der(der: &[u8]) -> Result<ParsedSeal, String> {
    let any = Any::from_der(der).map_err(|e| format!("SES_Seal: {e}"))?;
    parse_seal_any(&any)
}

/// Reads a seal (`SES_Seal`, DER) without verifying it.
pub fn parse_seal(der: &[u8]) -> Result<SealDetails, String> {
    parse_seal_der(der).map(|seal| seal.details)
}

/// A seal signature read from DER.
struct ParsedSignature {
    seal: ParsedSeal,
    tbs_der: Vec<u8>,
    signer: Cert,
    signature_alg: ObjectIdentifier,
    signature: BitString,
    time: DateTime<Utc>,
    data_hash: BitString,
    property_info: String,
    has_time_stamp: bool,
}

fn parse_signature_der(der: &[u8]) -> Result<ParsedSignature, String> {
    let outer = asn1::Signature::from_der(der).map_err(|e| format!("SES_Signature: {e}"))?;
    let tbs = outer
        .to_sign
        .decode_as::<asn1::TbsSign>()
        .map_err(|e| format!("TBS_Sign: {e}"))?;
    if tbs.version != asn1::VERSION {
        return Err(format!(
            "TBS_Sign: expected version 4, found {}",
            tbs.version
        ));
    }
    // The extensions of TBS_Sign carry nothing we read; a critical one we
    // do not know forbids accepting the signature.
    if let Some(exts) = &tbs.ext_datas {
        for ext in exts {
            let body = ext.oid_body()?;
            if ext.critical {
                return Err(format!(
                    "TBS_Sign: unrecognised critical extension {}",
                    oid_text(body)
                ));
            }
        }
    }
    let seal = parse_seal_any(&tbs.eseal)?;
    let signer = read_cert("signer certificate", outer.cert.as_bytes())?;
    let tbs_der = outer
        .to_sign
        .to_der()
        .map_err(|e| format!("TBS_Sign: {e}"))?;
    Ok(ParsedSignature {
        seal,
        tbs_der,
        signer,
        signature_alg: outer.signature_alg,
        signature: outer.signature,
        time: utc(&tbs.time_info)?,
        data_hash: tbs.data_hash,
        property_info: tbs.property_info.as_str().to_string(),
        has_time_stamp: outer.time_stamp.is_some(),
    })
}

/// What a seal signature says, read without verifying it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SignatureDetails {
    pub signing_time: DateTime<Utc>,
    pub algorithm: Option<Algorithm>,
    pub signer_subject: String,
    pub signer_cert_sha256: String,
    pub property_info: String,
    pub document_digest: String,
    pub has_time_stamp: bool,
    pub seal: SealDetails,
}

/// Reads a seal signature (`SES_Signature`, DER) without verifying it.
pub fn parse_signature(der: &[u8]) -> Result<SignatureDetails, String> {
    let sig = parse_signature_der(der)?;
    Ok(SignatureDetails {
        signing_time: sig.time,
        algorithm: Algorithm::from_oid(&sig.signature_alg),
        signer_subject: sig.signer.subject,
        signer_cert_sha256: sig.signer.sha256,
        property_info: sig.property_info,
        document_digest: crate::identity::hex(sig.data_hash.raw_bytes()),
        has_time_stamp: sig.has_time_stamp,
        seal: sig.seal.details,
    })
}

/// The checks made so far and the verdict they add up to: FAILED outranks
/// INDETERMINATE; within each, the first check in order gives the
/// sub-indication (as `pki::policy::decide` does).
#[derive(Default)]
struct Checks {
    checks: Vec<Check>,
    failed: Option<SubIndication>,
    indeterminate: Option<SubIndication>,
}

type Outcome = Result<String, (CheckResult, SubIndication, String)>;

impl Checks {
    fn record(&mut self, name: &'static str, outcome: Outcome) {
        let (result, detail) = match outcome {
            Ok(detail) => (CheckResult::Passed, detail),
            Err((result, sub, detail)) => {
                match result {
                    CheckResult::Failed => {
                        self.failed.get_or_insert(sub);
                    }
                    _ => {
                        self.indeterminate.get_or_insert(sub);
                    }
                }
                (result, detail)
            }
        };
        self.checks.push(Check {
            name,
            result,
            detail,
        });
    }

    fn decision(self) -> Decision {
        let (indication, sub_indication) = match (self.failed, self.indeterminate) {
            (Some(sub), _) => (Indication::Failed, Some(sub)),
            (None, Some(sub)) => (Indication::Indeterminate, Some(sub)),
            (None, None) => (Indication::Passed, None),
        };
        Decision {
            indication,
            sub_indication,
            checks: self.checks,
        }
    }
}

fn failed(sub: SubIndication, detail: impl Into<String>) -> Outcome {
    Err((CheckResult::Failed, sub, detail.into()))
}

fn indeterminate(sub: SubIndication, detail: impl Into<String>) -> Outcome {
    Err((CheckResult::Indeterminate, sub, detail.into()))
}

/// A signature made with the key of `cert` over `data`.
fn signature_outcome(
    whose: &str,
    alg: &ObjectIdentifier,
    cert: &Cert,
    data: &[u8],
    value: &BitString,
) -> Outcome {
    let Some(algorithm) = Algorithm::from_oid(alg) else {
        return indeterminate(
            SubIndication::CryptoConstraintsFailure,
            format!("{whose} signature algorithm {alg} is not supported"),
        );
    };
    let key_algorithm = match Algorithm::for_key(&cert.key) {
        Ok(a) => a,
        Err(why) => {
            return indeterminate(
                SubIndication::CryptoConstraintsFailure,
                format!("{whose} key: {why}"),
            );
        }
    };
    if key_algorithm != algorithm {
        return failed(
            SubIndication::SigCryptoFailure,
            format!("{whose} signature says {algorithm:?} but the key is for {key_algorithm:?}"),
        );
    }
    let Some(bytes) = value.as_bytes() else {
        return failed(
            SubIndication::SigCryptoFailure,
            format!("{whose} signature value is not a whole number of bytes"),
        );
    };
    match algorithm.verify(&cert.key, data, bytes) {
        Ok(true) => Ok(format!("{whose} signature ({algorithm:?}) verifies")),
        Ok(false) => failed(
            SubIndication::SigCryptoFailure,
            format!("{whose} signature ({algorithm:?}) does not verify"),
        ),
        Err(why) => failed(SubIndication::SigCryptoFailure, why),
    }
}

/// The trust callback's decision as one check.
fn trust_outcome(what: &str, decision: Decision) -> Outcome {
    let why = || {
        let reasons: Vec<String> = decision
            .checks
            .iter()
            .filter(|c| c.result != CheckResult::Passed)
            .map(|c| format!("{}: {}", c.name, c.detail))
            .collect();
        if reasons.is_empty() {
            format!("{what} is not accepted")
        } else {
            format!("{what}: {}", reasons.join("; "))
        }
    };
    match decision.indication {
        Indication::Passed => Ok(format!("{what} is valid and recognised")),
        Indication::Failed => failed(
            decision
                .sub_indication
                .unwrap_or(SubIndication::SigCryptoFailure),
            why(),
        ),
        Indication::Indeterminate => indeterminate(
            decision
                .sub_indication
                .unwrap_or(SubIndication::NoCertificateChainFound),
            why(),
        ),
    }
}

fn validity_outcome(seal: &SealDetails, at: DateTime<Utc>) -> Outcome {
    if at < seal.valid_from {
        failed(
            SubIndication::NotYetValid,
            format!(
                "the seal is valid only from {}, not at {}",
                seal.valid_from.to_rfc3339(),
                at.to_rfc3339()
            ),
        )
    } else if at > seal.valid_to {
        failed(
            SubIndication::Expired,
            format!(
                "the seal expired at {}, before {}",
                seal.valid_to.to_rfc3339(),
                at.to_rfc3339()
            ),
        )
    } else {
        Ok(format!(
            "{} lies within the seal's validity ({} to {})",
            at.to_rfc3339(),
            seal.valid_from.to_rfc3339(),
            seal.valid_to.to_rfc3339()
        ))
    }
}

/// Whether the seal lists the signer's certificate, by value or by digest.
fn listed_outcome(list: &CertList, signer: &Cert) -> Outcome {
    let listed = match list {
        CertList::Certificates(certs) => certs.iter().any(|c| c.as_bytes() == signer.der),
        CertList::Digests(digests) => {
            let mut listed = false;
            for d in digests {
                let Some(md) = crypto::named_digest(d.digest_type.as_str()) else {
                    return indeterminate(
                        SubIndication::CryptoConstraintsFailure,
                        format!(
                            "the seal lists certificate digests of unknown type {:?}",
                            d.digest_type.as_str()
                        ),
                    );
                };
                if hash(md, &signer.der).is_ok_and(|h| *h == *d.value.as_bytes()) {
                    listed = true;
                }
            }
            listed
        }
    };
    if listed {
        Ok(format!(
            "the seal lists the signer certificate {}",
            signer.subject
        ))
    } else {
        indeterminate(
            SubIndication::SigConstraintsFailure,
            format!(
                "the seal does not list the signer certificate {} (sha256 {})",
                signer.subject, signer.sha256
            ),
        )
    }
}

fn digest_outcome(
    alg: &ObjectIdentifier,
    data_hash: &BitString,
    document: DocumentInput<'_>,
) -> Outcome {
    let Some(algorithm) = Algorithm::from_oid(alg) else {
        return indeterminate(
            SubIndication::CryptoConstraintsFailure,
            "no document digest is known for this signature algorithm",
        );
    };
    let Some(signed) = data_hash.as_bytes() else {
        return failed(
            SubIndication::HashFailure,
            "dataHash is not a whole number of bytes",
        );
    };
    let computed = match document {
        DocumentInput::Bytes(bytes) => match algorithm.document_digest(bytes) {
            Ok(digest) => digest,
            Err(e) => {
                return indeterminate(SubIndication::CryptoConstraintsFailure, e.to_string());
            }
        },
        DocumentInput::Digest(digest) => digest.to_vec(),
    };
    if computed == signed {
        Ok(format!(
            "the document's {} digest matches dataHash",
            algorithm.digest_name()
        ))
    } else {
        failed(
            SubIndication::HashFailure,
            format!(
                "the document's {} digest {} differs from dataHash {}",
                algorithm.digest_name(),
                crate::identity::hex(&computed),
                crate::identity::hex(signed)
            ),
        )
    }
}

/// Verifies a seal on its own at time `at`: the authority's signature over
/// the seal information, the authority certificate (by `trust`), and the
/// seal's validity period.
pub fn verify_seal(
    der: &[u8],
    at: DateTime<Utc>,
    trust: impl Fn(&[u8], CertRole, DateTime<Utc>) -> Decision,
) -> SealReport {
    let seal = match parse_seal_der(der) {
        Ok(seal) => seal,
        Err(why) => {
            return SealReport {
                decision: policy::format_failure(&why),
                validation_time: at,
                seal: None,
            };
        }
    };
    let mut checks = Checks::default();
    check_seal(&mut checks, &seal, at, &trust);
    SealReport {
        decision: checks.decision(),
        validation_time: at,
        seal: Some(seal.details),
    }
}

fn check_seal(
    checks: &mut Checks,
    seal: &ParsedSeal,
    at: DateTime<Utc>,
    trust: &impl Fn(&[u8], CertRole, DateTime<Utc>) -> Decision,
) {
    checks.record(
        "seal_signature",
        signature_outcome(
            "the seal authority's",
            &seal.sign_alg,
            &seal.authority,
            &seal.info_der,
            &seal.signed_value,
        ),
    );
    checks.record(
        "seal_authority_certificate",
        trust_outcome(
            "the seal authority certificate",
            trust(&seal.authority.der, CertRole::SealAuthority, at),
        ),
    );
    checks.record("seal_validity_period", validity_outcome(&seal.details, at));
}

/// Verifies a seal signature (`SES_Signature`, DER) over a document, as
/// GB/T 38540-2020 §7.3 does. The checks, in order:
///
/// | check | fails as |
/// |---|---|
/// | `signature`: the signer's signature over `TBS_Sign` | FAILED / SIG_CRYPTO_FAILURE |
/// | `signer_in_seal`: the seal lists the signer certificate (itself or its digest) | INDETERMINATE / SIG_CONSTRAINTS_FAILURE |
/// | `signer_certificate`: `trust(signer, Signer, signing time)` | as the callback decides |
/// | `seal_signature`: the authority's signature over `SES_SealInfo` | FAILED / SIG_CRYPTO_FAILURE |
/// | `seal_authority_certificate`: `trust(authority, SealAuthority, signing time)` | as the callback decides |
/// | `seal_validity_period`: the signing time within the seal's period | FAILED / EXPIRED or NOT_YET_VALID |
/// | `document_digest`: the document's digest equals `dataHash` | FAILED / HASH_FAILURE |
///
/// An unsupported algorithm or key gives INDETERMINATE /
/// CRYPTO_CONSTRAINTS_FAILURE; bytes that are not a version-4 signature give
/// FAILED / FORMAT_FAILURE and no other check. The signing time is the one
/// the signer put in `timeInfo`; a `timeStamp` is reported, not verified.
pub fn verify_signature(
    der: &[u8],
    document: DocumentInput<'_>,
    trust: impl Fn(&[u8], CertRole, DateTime<Utc>) -> Decision,
) -> SignatureReport {
    let sig = match parse_signature_der(der) {
        Ok(sig) => sig,
        Err(why) => {
            return SignatureReport {
                decision: policy::format_failure(&why),
                signing_time: None,
                algorithm: None,
                signer_subject: None,
                signer_cert_sha256: None,
                property_info: None,
                document_digest: None,
                has_time_stamp: false,
                seal: None,
            };
        }
    };
    let mut checks = Checks::default();
    checks.record(
        "signature",
        signature_outcome(
            "the signer's",
            &sig.signature_alg,
            &sig.signer,
            &sig.tbs_der,
            &sig.signature,
        ),
    );
    checks.record(
        "signer_in_seal",
        listed_outcome(&sig.seal.cert_list, &sig.signer),
    );
    checks.record(
        "signer_certificate",
        trust_outcome(
            "the signer certificate",
            trust(&sig.signer.der, CertRole::Signer, sig.time),
        ),
    );
    check_seal(&mut checks, &sig.seal, sig.time, &trust);
    checks.record(
        "document_digest",
        digest_outcome(&sig.signature_alg, &sig.data_hash, document),
    );
    SignatureReport {
        decision: checks.decision(),
        signing_time: Some(sig.time),
        algorithm: Algorithm::from_oid(&sig.signature_alg),
        signer_subject: Some(sig.signer.subject),
        signer_cert_sha256: Some(sig.signer.sha256),
        property_info: Some(sig.property_info),
        document_digest: Some(crate::identity::hex(sig.data_hash.raw_bytes())),
        has_time_stamp: sig.has_time_stamp,
        seal: Some(sig.seal.details),
    }
}
