//! Certificates: validation of a certificate against a set of trust anchors
//! and revocation lists at a given time, with a structured result modelled on
//! ETSI EN 319 102-1 / DSS. openssl does the cryptography (`validation`
//! gathers the facts); a pure policy decides (`policy`). `identity` reads
//! whom a certificate names under the league certificate profiles, `crl`
//! issues revocation lists, and `demo` makes a demo trust fabric.
//!
//! Revocation is learnt from CRLs and from OCSP responders (`ocsp`); the
//! policy combines what every source said.
//!
//! The trust registry (`crate::trust`), seals (`crate::seals`) and
//! certificate login (`crate::identity::login`) build on it.

pub mod crl;
pub mod demo;
pub mod identity;
pub mod keys;
pub mod ocsp;
pub mod policy;
pub mod validation;
pub mod verifier;

/// Bytes given as text in JSON: PEM kept as it is, anything else read as
/// base64 (white space ignored); `None` if it is neither.
pub fn pem_or_base64(text: &str) -> Option<Vec<u8>> {
    if text.trim_start().starts_with("-----BEGIN") {
        return Some(text.as_bytes().to_vec());
    }
    let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    openssl::base64::decode_block(&compact).ok()
}
