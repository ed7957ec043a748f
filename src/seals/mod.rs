//! Electronic seals (电子印章) and seal signatures (电子签章) as GB/T
//! 38540-2020 defines them (structure version 4), in DER: making them,
//! reading them from untrusted bytes, and verifying them with a structured
//! result (`pki::policy::Decision`, modelled on ETSI EN 319 102-1). Pure
//! code over openssl: no HTTP, no database, no clock (time is a parameter),
//! no trust registry (a callback decides about certificates).
//!
//! # What is where
//! - A **seal** (`SES_Seal`) is an image and properties (`SES_SealInfo`)
//!   signed by a seal authority, whose certificate it carries. The
//!   properties: `esID` (seal id), `name` (seal name), `type` (1
//!   organisation, 2 personal), the validity period, and the certificates
//!   allowed to use the seal (`certListType` 1, the certificates; or 2,
//!   `CertDigestObj`s with `type` "SM3" or "SHA256" and the digest of the
//!   certificate DER).
//! - The **owner organisation** and its 18-character unified social credit
//!   code (GB 32100) have no field in the standard: they travel in
//!   `SES_SealInfo.extDatas`, in a non-critical `ExtData` whose `extnID` is
//!   `2.25.293571946508129564846321932684640972334` (a UUID OID, ITU-T
//!   X.667, needing no registration) and whose `extnValue` is the DER of
//!   `SEQUENCE { organizationName UTF8String, unifiedSocialCreditCode
//!   PrintableString }`. The code's check digit is verified on reading.
//! - A **seal signature** (`SES_Signature`) signs `TBS_Sign`: the whole
//!   seal, the signing time (`timeInfo`), the document digest (`dataHash`)
//!   and `propertyInfo`, with the signer's certificate, which it carries.
//!   `dataHash` is SHA-256 of the document for RSA and ECDSA signers and SM3
//!   for SM2 signers (the digest of the signature algorithm).
//!
//! # Algorithms
//! sha256WithRSAEncryption (1.2.840.113549.1.1.11), ecdsa-with-SHA256 on
//! P-256 (1.2.840.10045.4.3.2) and SM2 with SM3 (1.2.156.10197.1.501, signer
//! ID "1234567812345678", signature DER `SEQUENCE { r, s }`), for both the
//! seal authority and the signer. Signature values sit in BIT STRINGs with
//! no unused bits.
//!
//! # Verifying
//! [`verify_signature`] and [`verify_seal`] list their checks and decide as
//! `pki::policy` does; see [`verify_signature`] for the table of checks and
//! sub-indications. Whether a certificate is valid at the signing time and
//! issued under a recognised anchor is the caller's `trust` callback's to
//! say: it gets the certificate DER, its [`CertRole`] and the time.

mod asn1;
mod build;
mod crypto;
pub mod routes;
mod verify;

#[cfg(test)]
mod tests;

pub use build::{CertListForm, Picture, SealSpec, VENDOR_ID, make_seal, sign};
pub use crypto::{Algorithm, SM2_DEFAULT_ID};
pub use verify::{
    CertRole, SealDetails, SealReport, SignatureDetails, SignatureReport, parse_seal,
    parse_signature, verify_seal, verify_signature,
};

/// The ggzy owner extension's OID (see the module documentation).
pub const OWNER_EXTENSION_OID: &str = asn1::OWNER_EXTENSION;

use serde::Serialize;

/// The document a seal signature covers: its bytes, or the digest of them
/// (SHA-256 for RSA and ECDSA signatures, SM3 for SM2 signatures).
#[derive(Debug, Clone, Copy)]
pub enum DocumentInput<'a> {
    Bytes(&'a [u8]),
    Digest(&'a [u8]),
}

/// `SES_ESPropertyInfo.type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SealType {
    /// 1: an organisation's seal (单位印章).
    Organisation,
    /// 2: a person's seal (个人印章).
    Personal,
    /// Any other code; the details keep the code.
    Other,
}

impl SealType {
    /// The code written for this type (`Other` is never written: 0).
    pub fn code(self) -> u32 {
        match self {
            SealType::Organisation => 1,
            SealType::Personal => 2,
            SealType::Other => 0,
        }
    }
    pub fn from_code(code: u32) -> Self {
        match code {
            1 => SealType::Organisation,
            2 => SealType::Personal,
            _ => SealType::Other,
        }
    }
}

/// Why a seal or a seal signature could not be made.
#[derive(Debug, thiserror::Error)]
pub enum SealError {
    #[error("{0}")]
    Invalid(String),
    #[error("openssl: {0}")]
    Crypto(#[from] openssl::error::ErrorStack),
    #[error("DER encoding: {0}")]
    Der(#[from] der::Error),
}
