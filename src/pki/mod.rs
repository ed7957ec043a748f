//! Certificates: validation of a certificate against a set of trust anchors
//! and revocation lists at a given time, with a structured result modelled on
//! ETSI EN 319 102-1 / DSS. openssl does the cryptography (`validation`
//! gathers the facts); a pure policy decides (`policy`).
//!
//! Revocation is learnt from CRLs and from OCSP responders (`ocsp`); the
//! policy combines what every source said.
//!
//! This is the first part of the trust-fabric issue: the registry of league
//! anchors, mutual recognition, seals and certificate login build on it.

pub mod ocsp;
pub mod policy;
pub mod validation;
