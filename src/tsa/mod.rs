//! The platform's RFC 3161 timestamp authority (TSA), and the offline check of
//! its timestamps.
//!
//! A bid receipt carries a timestamp token over the bid's SHA-256, so anyone
//! can later prove the bid existed, unchanged, at that time, with nothing but
//! `openssl ts -verify`. To be sure that what we issue is what OpenSSL
//! accepts, we do not build tokens ourselves: [`Tsa::stamp`] runs OpenSSL's
//! own TSA responder (`TS_RESP_CTX`, `TS_RESP_create_response`) and
//! [`verify`] runs its verifier (`TS_RESP_verify_response` /
//! `TS_RESP_verify_token`). Our code only supplies what they need: the
//! request (`request`, encoded with `der`), a random 128-bit serial, the
//! trust anchors, and the times — the stamp's and the one to check the
//! chain at are parameters, since the core never reads the clock.
//!
//! Tokens are signed with SHA-256 (RSA or ECDSA), name the signing
//! certificate with an ESS `SigningCertificateV2` (SHA-256), carry the TSA's
//! name, and include the signer's certificate and chain when asked (our
//! requests always ask). The chain is not listed in the ESS attribute
//! (`TS_ESS_CERT_ID_CHAIN` is off): were it listed, OpenSSL's verifier would
//! insist that every listed certificate be on the path it builds, and a
//! receipt would stop verifying for a relying party whose path goes through
//! a re-issued intermediate or a cross-certificate. One caveat: OpenSSL's PKCS #7 signer adds a CMS
//! `signingTime` attribute from the machine clock; the time that counts,
//! `genTime`, is the one passed in.
//!
//! FFI safety: OpenSSL's `ts` functions are declared in `ffi` (openssl-sys
//! has none), each object we own is held by a `foreign-types` wrapper that
//! frees it once, borrowed pointers are only used while their parent lives,
//! every return value that can report a failure is checked, and ownership transfers (`into_ptr`) happen
//! only into functions documented to take ownership. A responder context is
//! made per stamp, so [`Tsa`] holds only thread-safe openssl types and can be
//! shared.

mod authority;
mod ffi;
mod request;
pub mod routes;
#[cfg(test)]
mod tests;
mod token;
mod verify;

pub use authority::{DEFAULT_POLICY_OID, Stamp, Tsa};
pub use verify::{Verified, verify};

use openssl::error::ErrorStack;
use std::path::PathBuf;

/// Why a TSA could not be set up, a timestamp not issued, or a timestamp not
/// accepted.
#[derive(Debug, thiserror::Error)]
pub enum TsaError {
    #[error("cannot read {path}: {reason}")]
    Load { path: PathBuf, reason: String },
    #[error("the certificate cannot sign timestamps: {0}")]
    Certificate(String),
    #[error("the private key does not match the timestamp authority certificate")]
    KeyMismatch,
    #[error("unsupported timestamp authority key: {0}")]
    Key(String),
    #[error("not a valid policy OID: {0}")]
    Policy(String),
    #[error("the time {0} cannot be put in a timestamp")]
    Time(String),
    #[error("the timestamp authority refused: {0}")]
    Refused(String),
    #[error("not a timestamp response or token")]
    NotATimestamp,
    #[error("the timestamp does not cover this hash")]
    HashMismatch,
    #[error("the timestamp authority is not trusted: {0}")]
    Untrusted(String),
    #[error("the timestamp's signature does not verify")]
    BadSignature,
    #[error("the timestamp is not valid: {0}")]
    Invalid(String),
    #[error("openssl failed: {0}")]
    OpenSsl(#[from] ErrorStack),
    #[error("cannot encode the timestamp request: {0}")]
    Encoding(#[from] der::Error),
}
