//! Certificates: validation of a certificate against a set of trust anchors
//! and revocation lists at a given time, with a structured result modelled on
//! ETSI EN 319 102-1 / DSS. openssl does the cryptography (`validation`
//! gathers the facts); a pure policy decides (`policy`). `identity` reads
//! whom a certificate names under the league certificate profiles, `crl`
//! issues revocation lists, and `demo` makes a demo trust fabric.
//!
//! This is the first part of the trust-fabric issue: the registry of league
//! anchors, mutual recognition, OCSP, seals and certificate login build on it.

pub mod crl;
pub mod demo;
pub mod identity;
pub mod keys;
pub mod policy;
pub mod validation;
