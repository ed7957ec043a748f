//! What the platform checks when a bid has arrived, before it can be
//! recorded: it reads the uploaded file once, streaming (a bid of several
//! GiB is never in memory), hashing it, checking the outer signature when
//! there is one, and that the encrypted content is addressed to the
//! tender's opening certificate; then it decides who sent it. The platform
//! cannot read the bid: the inner signature and the content wait for the
//! opening.

use super::envelope::{self, EnvelopeError, Outer};
use super::store::Arrival;
use crate::error::AppError;
use crate::pki::identity::{CertIdentity, identity_of};
use crate::pki::policy::Purpose;
use crate::trust::model::ServiceType;
use crate::trust::registry::Snapshot;
use crate::types::LeagueCode;
use chrono::{DateTime, Utc};
use openssl::x509::X509;
use serde_json::json;
use std::io::Read;
use std::path::Path;

/// A reader that hashes what passes through it.
struct Hashing<R> {
    inner: R,
    hasher: openssl::sha::Sha256,
    size: u64,
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        self.size += n as u64;
        Ok(n)
    }
}

fn rejected(e: EnvelopeError) -> AppError {
    let (reason, params) = match &e {
        EnvelopeError::NotSigned(_) => ("bid.envelope-not-signed", json!({})),
        EnvelopeError::Detached => ("bid.envelope-detached", json!({})),
        EnvelopeError::UnsupportedDigest(algorithm) => {
            ("bid.envelope-digest", json!({ "algorithm": algorithm }))
        }
        EnvelopeError::BadSignature(_) | EnvelopeError::NotCovered(_) => {
            ("bid.envelope-signature-invalid", json!({}))
        }
        EnvelopeError::NotEncrypted(_) => ("bid.envelope-not-encrypted", json!({})),
        EnvelopeError::UnsupportedCipher(cipher) => {
            ("bid.envelope-cipher", json!({ "cipher": cipher }))
        }
        EnvelopeError::NotAddressed(_) => ("bid.not-for-this-tender", json!({})),
        EnvelopeError::SignerMismatch(_) => ("bid.envelope-signer-mismatch", json!({})),
        _ => ("bid.envelope-invalid", json!({})),
    };
    AppError::BidRejected(e.to_string()).because(reason, params)
}

/// What reading an upload found: the SHA-256 (hex) and size of the whole
/// file, and what its outer layer says.
pub type Checked = (String, u64, Outer);

/// Reads the uploaded file once more (an upload resumed across requests,
/// or one whose check must be redone after a restart): see [`check`].
pub fn read_upload(path: &Path, opening: &X509) -> Result<Checked, AppError> {
    let file = std::fs::File::open(path)
        .map_err(|e| AppError::Internal(anyhow::Error::new(e).context("reading the upload")))?;
    let mut reader = Hashing {
        inner: std::io::BufReader::with_capacity(256 * 1024, file),
        hasher: openssl::sha::Sha256::new(),
        size: 0,
    };
    let outer = check(&mut reader, opening)?;
    let sha256 = crate::identity::hex(&reader.hasher.finish());
    Ok((sha256, reader.size, outer))
}

/// Reads an upload from `input` to its end: its outer layer, nothing after
/// it, and encrypted to `opening`. Used on the file, or on the bytes as
/// they arrive (see [`super::upload::Uploads::append`]).
pub fn check<R: Read>(mut input: R, opening: &X509) -> Result<Outer, AppError> {
    let outer = envelope::unwrap_outer(&mut input, std::io::sink()).map_err(rejected)?;
    // Anything after the envelope has been read by unwrap_outer's end check.
    let mut rest = [0u8; 1];
    if input
        .read(&mut rest)
        .map_err(|e| AppError::Internal(e.into()))?
        != 0
    {
        return Err(
            AppError::BidRejected("there are bytes after the end of the envelope".into())
                .because("bid.envelope-trailing-bytes", json!({})),
        );
    }
    outer
        .envelope
        .check_addressed_to(opening)
        .map_err(|e| match e {
            EnvelopeError::NotAddressed(why) => AppError::BidRejected(format!(
                "the bid is not encrypted to this tender's opening certificate: {why}"
            ))
            .because("bid.not-for-this-tender", json!({})),
            other => rejected(other),
        })?;
    Ok(outer)
}

/// Who sent the bid: the outer signer when there is one (it must be the
/// enterprise the session speaks for, and its certificate accepted by the
/// tender's league now), else the session's own certificate (accepted by
/// the league likewise). Returns the arrival record.
#[allow(clippy::too_many_arguments)]
pub fn identify(
    snapshot: &Snapshot,
    league: &LeagueCode,
    bidder_credit_code: Option<&str>,
    session_certificate: &[u8],
    sha256: String,
    size: u64,
    outer: &Outer,
    now: DateTime<Utc>,
) -> Result<Arrival, AppError> {
    let (der, outer_signed) = match &outer.signers {
        Some(signers) => {
            let [signer] = signers.as_slice() else {
                return Err(AppError::BidRejected(format!(
                    "the outer signature has {} signers; the bidding enterprise alone signs",
                    signers.len()
                ))
                .because("bid.one-signer", json!({ "signers": signers.len() })));
            };
            let der = signer.certificate.to_der().map_err(|e| {
                AppError::BidRejected(format!("the signer certificate: {e}"))
                    .because("bid.signer-certificate-unreadable", json!({}))
            })?;
            (der, true)
        }
        None => (session_certificate.to_vec(), false),
    };
    let purpose = if outer_signed {
        Purpose::Signing
    } else {
        Purpose::ClientAuth
    };
    let report = snapshot.check(
        &der,
        purpose,
        &[ServiceType::EnterpriseCa],
        Some(league),
        now,
    );
    if !report.passed() {
        return Err(AppError::CertificateRejected(format!(
            "the {} certificate is not accepted by league {league} for bids: {}",
            if outer_signed {
                "signer's"
            } else {
                "session's"
            },
            report.report.decision.verdict()
        ))
        .because(
            if outer_signed {
                "bid.signer-certificate-rejected"
            } else {
                "bid.session-certificate-rejected"
            },
            json!({
                "league": league.as_str(),
                "cause": crate::identity::login::cause(&report.report.decision),
            }),
        ));
    }
    let credit = match identity_of(&der) {
        Ok(CertIdentity::Enterprise { credit_code, .. }) => credit_code,
        Ok(_) => {
            return Err(AppError::BidRejected(
                "a bid is signed with an enterprise certificate, not a personal one".into(),
            )
            .because("bid.personal-certificate", json!({})));
        }
        Err(e) => {
            return Err(
                AppError::BidRejected(format!("the signer certificate: {e}"))
                    .because("bid.signer-certificate-unreadable", json!({})),
            );
        }
    };
    if Some(credit.as_str()) != bidder_credit_code {
        return Err(AppError::BidRejected(format!(
            "the bid is signed by the enterprise {}, not the one this session speaks for",
            credit.as_str()
        ))
        .because("bid.other-enterprise", json!({ "signer": credit.as_str() })));
    }
    let subject = x509_parser::parse_x509_certificate(&der)
        .map(|(_, c)| c.subject().to_string())
        .unwrap_or_default();
    Ok(Arrival {
        sha256,
        size,
        content_sha256: crate::identity::hex(&outer.content_sha256),
        content_type: match outer.envelope.cipher {
            envelope::ContentCipher::Gcm => "auth_enveloped_data".into(),
            envelope::ContentCipher::Cbc => "enveloped_data".into(),
        },
        outer_signed,
        signer_sha256: crate::identity::hex(&openssl::sha::sha256(&der)),
        signer_subject: subject,
    })
}
