//! The organiser's signed record of how a land or property price was
//! reached (issue 22, until the auction issue lands): the award of a land
//! or property transfer carries it (`TransitionInput::price_record`), a CMS
//! SignedData (DER, content attached, base64) signed with the enterprise
//! certificate of the tender's tenderer or agent. Like a bid's outer
//! signature, the signature is checked against the certificate it carries
//! and that certificate against the trust registry (accepted by the
//! tender's league for signing, issued by an enterprise CA), and its
//! unified social credit code must be the tenderer's or the agent's. The
//! record is kept, as signed, as a document of the procedure
//! (`price_record`, addressed to the signing organiser).

use crate::error::AppError;
use crate::pki::identity::{CertIdentity, identity_of};
use crate::pki::policy::Purpose;
use crate::trust::model::ServiceType;
use crate::trust::registry::Snapshot;
use crate::types::LeagueCode;
use chrono::{DateTime, Utc};
use openssl::pkcs7::{Pkcs7, Pkcs7Flags};
use openssl::stack::Stack;
use openssl::x509::X509;
use openssl::x509::store::X509StoreBuilder;
use serde_json::json;

/// The largest record accepted (DER).
pub const MAX_BYTES: usize = 1_000_000;

/// A record whose signature and signer were checked.
#[derive(Debug, Clone)]
pub struct PriceRecord {
    /// The CMS SignedData as received (DER).
    pub der: Vec<u8>,
    /// The unified social credit code of the signing enterprise.
    pub signer_credit_code: String,
}

/// A record that is not a CMS SignedData of one signer over its content.
fn bad(why: impl Into<String>) -> AppError {
    refused(why, "price-record.unreadable", json!({}))
}

fn refused(why: impl Into<String>, rule: &'static str, params: serde_json::Value) -> AppError {
    AppError::invalid_field(
        crate::error::FieldError::new("price_record", why).because(rule, params),
    )
}

/// Decodes and checks `b64` (see the module) at `now` for a tender of
/// `league`. The signer's organisation is checked in the award's
/// transaction ([`check_signer`]).
pub fn verify(
    b64: &str,
    snapshot: &Snapshot,
    league: &LeagueCode,
    now: DateTime<Utc>,
) -> Result<PriceRecord, AppError> {
    let compact: String = b64.chars().filter(|c| !c.is_whitespace()).collect();
    let der = openssl::base64::decode_block(&compact)
        .map_err(|_| bad("is not base64 (a CMS SignedData in DER, base64-encoded)"))?;
    if der.is_empty() || der.len() > MAX_BYTES {
        return Err(bad(format!(
            "must be a CMS SignedData of 1 to {MAX_BYTES} bytes"
        )));
    }
    let pkcs7 = Pkcs7::from_der(&der).map_err(|_| bad("is not a CMS SignedData (DER)"))?;
    let none = Stack::<X509>::new().map_err(|e| AppError::Internal(e.into()))?;
    let signers = pkcs7
        .signers(&none, Pkcs7Flags::empty())
        .map_err(|_| bad("carries no signer certificate"))?;
    let [signer] = signers.iter().collect::<Vec<_>>()[..] else {
        return Err(bad("must have exactly one signer: the organiser"));
    };
    let store = X509StoreBuilder::new()
        .map_err(|e| AppError::Internal(e.into()))?
        .build();
    let mut content = Vec::new();
    // The signature against the certificate it carries; the certificate's
    // trust is the registry's to judge, below.
    pkcs7
        .verify(
            &none,
            &store,
            None,
            Some(&mut content),
            Pkcs7Flags::NOVERIFY | Pkcs7Flags::BINARY,
        )
        .map_err(|_| {
            refused(
                "the signature does not verify (or the content is detached)",
                "price-record.signature-invalid",
                json!({}),
            )
        })?;
    if content.is_empty() {
        return Err(bad("signs no content: attach the record to its signature"));
    }
    let cert_der = signer.to_der().map_err(|e| AppError::Internal(e.into()))?;
    let report = snapshot.check(
        &cert_der,
        Purpose::Signing,
        &[ServiceType::EnterpriseCa],
        Some(league),
        now,
    );
    if !report.passed() {
        return Err(AppError::CertificateRejected(format!(
            "the price record's signer certificate is not accepted by league {league}: {}",
            report.report.decision.verdict()
        ))
        .because(
            "price-record.certificate-rejected",
            json!({
                "league": league.as_str(),
                "cause": crate::identity::login::cause(&report.report.decision),
            }),
        ));
    }
    match identity_of(&cert_der) {
        Ok(CertIdentity::Enterprise { credit_code, .. }) => Ok(PriceRecord {
            der,
            signer_credit_code: credit_code.as_str().to_string(),
        }),
        Ok(_) => Err(refused(
            "is signed with a personal certificate; the organiser signs with its enterprise's",
            "price-record.personal-certificate",
            json!({}),
        )),
        Err(why) => Err(bad(format!("the signer certificate: {why}"))),
    }
}

/// The organisation (tenderer or agent, `candidates` as (id, credit code))
/// that signed `record`, or 422.
pub fn check_signer(
    record: &PriceRecord,
    candidates: &[(String, Option<String>)],
) -> Result<String, AppError> {
    candidates
        .iter()
        .find(|(_, code)| code.as_deref() == Some(record.signer_credit_code.as_str()))
        .map(|(id, _)| id.clone())
        .ok_or_else(|| {
            refused(
                format!(
                    "is signed by the enterprise {}, which is neither this tender's tenderer nor \
                     its agent",
                    record.signer_credit_code
                ),
                "price-record.other-signer",
                json!({ "signer": record.signer_credit_code }),
            )
        })
}
