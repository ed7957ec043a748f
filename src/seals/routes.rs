//! HTTP for seals: verify a seal signature over a document, or a seal on its
//! own, against the trust registry: the signer must be vouched for by an
//! enterprise or personal CA and the seal by a seal authority, each
//! recognised by the league asked about at the time that matters (the
//! signing time claimed in the signature, or the time given for a seal).

use super::{CertRole, DocumentInput, SealReport, SignatureReport, verify_seal, verify_signature};
use crate::app::AppState;
use crate::error::{AppError, FieldError};
use crate::identity::Principal;
use crate::pki::policy::{Check, CheckResult, Decision, Purpose};
use crate::trust::model::ServiceType;
use crate::trust::registry::{Snapshot, TrustReport};
use crate::types::LeagueCode;
use actix_web::{post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::sync::Mutex;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerifySignatureRequest {
    /// The SES_Signature, base64 of DER.
    pub signature: String,
    /// The signed document, base64 (or give `document_digest`).
    #[serde(default)]
    pub document: Option<String>,
    /// The document's digest, hex: SHA-256 (RSA, ECDSA signers) or SM3 (SM2).
    #[serde(default)]
    pub document_digest: Option<String>,
    /// Decide recognition in this league (default: any league).
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub league: Option<LeagueCode>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerifySealRequest {
    /// The SES_Seal, base64 of DER.
    pub seal: String,
    /// The time that matters (default: now).
    #[serde(default)]
    pub at: Option<DateTime<Utc>>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub league: Option<LeagueCode>,
}

/// A certificate met while verifying, with its registry report.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CertificateCheck {
    pub role: CertRole,
    pub report: TrustReport,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SignatureVerification {
    #[serde(flatten)]
    pub result: SignatureReport,
    pub certificates: Vec<CertificateCheck>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SealVerification {
    #[serde(flatten)]
    pub result: SealReport,
    pub certificates: Vec<CertificateCheck>,
}

fn base64(text: &str, field: &str) -> Result<Vec<u8>, AppError> {
    let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    openssl::base64::decode_block(&compact).map_err(|_| {
        AppError::invalid_field(
            FieldError::new(field, "expected base64").because("encoding.base64", json!({})),
        )
    })
}

fn hex(text: &str, field: &str) -> Result<Vec<u8>, AppError> {
    let text = text.trim();
    let ok = text.len() == 64 && text.chars().all(|c| c.is_ascii_hexdigit());
    if !ok {
        return Err(digest_hex(field));
    }
    (0..32)
        .map(|i| u8::from_str_radix(&text[2 * i..2 * i + 2], 16))
        .collect::<Result<_, _>>()
        .map_err(|_| digest_hex(field))
}

fn digest_hex(field: &str) -> AppError {
    AppError::invalid_field(
        FieldError::new(field, "expected 64 hex digits (SHA-256 or SM3)")
            .because("encoding.hex-digits", json!({ "digits": 64 })),
    )
}

/// The registry's verdict on each certificate a seal structure shows,
/// remembering the reports.
fn trust_callback<'a>(
    snapshot: &'a Snapshot,
    league: Option<&'a LeagueCode>,
    judge_at: Option<DateTime<Utc>>,
    seen: &'a Mutex<Vec<CertificateCheck>>,
) -> impl Fn(&[u8], CertRole, DateTime<Utc>) -> Decision + 'a {
    move |der, role, at| {
        let at = judge_at.unwrap_or(at);
        let types: &[ServiceType] = match role {
            CertRole::Signer => &[ServiceType::EnterpriseCa, ServiceType::PersonalCa],
            CertRole::SealAuthority => &[ServiceType::SealAuthority],
        };
        let report = snapshot.check(der, Purpose::Signing, types, league, at);
        let decision = report.report.decision.clone();
        if let Ok(mut seen) = seen.lock() {
            seen.push(CertificateCheck { role, report });
        }
        decision
    }
}

/// Verifies a seal signature (SES_Signature) over a document.
#[utoipa::path(
    tag = "seals",
    request_body = VerifySignatureRequest,
    responses(
        (status = 200, body = SignatureVerification),
        (status = 401, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)
    )
)]
#[post("/seals/verify-signature")]
pub async fn verify_seal_signature(
    state: web::Data<AppState>,
    principal: Principal,
    body: web::Json<VerifySignatureRequest>,
) -> Result<web::Json<SignatureVerification>, AppError> {
    if !principal.is_authenticated() {
        return Err(
            AppError::Unauthenticated("verification is for signed-in users".into())
                .because("auth.sign-in-first", json!({})),
        );
    }
    let request = body.into_inner();
    let signature = base64(&request.signature, "signature")?;
    let document = match (&request.document, &request.document_digest) {
        (Some(doc), None) => (true, base64(doc, "document")?),
        (None, Some(digest)) => (false, hex(digest, "document_digest")?),
        _ => {
            return Err(AppError::invalid_field(
                FieldError::new(
                    "document",
                    "give exactly one of document and document_digest",
                )
                .because("seal.document-or-digest", json!({})),
            ));
        }
    };
    let now = state.clock.now();
    let snapshot = state.trust.get(&state.db, now).await?;
    let league = request.league;
    let verification = crate::db::off_executor(move || {
        let seen = Mutex::new(Vec::new());
        let input = if document.0 {
            DocumentInput::Bytes(&document.1)
        } else {
            DocumentInput::Digest(&document.1)
        };
        // The signing time in a seal signature is the signer's own claim;
        // without a verified timestamp it proves nothing, so certificates
        // and recognition are judged now (a revoked key cannot backdate).
        let mut result = verify_signature(
            &signature,
            input,
            trust_callback(&snapshot, league.as_ref(), Some(now), &seen),
        );
        result.decision.checks.push(Check {
            name: "trust_time",
            result: CheckResult::Passed,
            detail: format!(
                "no verified timestamp: certificates judged at the verification time {}, not at \
                 the claimed signing time",
                now.to_rfc3339()
            ),
        });
        Ok(SignatureVerification {
            result,
            certificates: seen.into_inner().unwrap_or_default(),
        })
    })
    .await?;
    Ok(web::Json(verification))
}

/// Verifies a seal (SES_Seal) on its own at a given time.
#[utoipa::path(
    tag = "seals",
    request_body = VerifySealRequest,
    responses(
        (status = 200, body = SealVerification),
        (status = 401, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)
    )
)]
#[post("/seals/verify-seal")]
pub async fn verify_seal_alone(
    state: web::Data<AppState>,
    principal: Principal,
    body: web::Json<VerifySealRequest>,
) -> Result<web::Json<SealVerification>, AppError> {
    if !principal.is_authenticated() {
        return Err(
            AppError::Unauthenticated("verification is for signed-in users".into())
                .because("auth.sign-in-first", json!({})),
        );
    }
    let request = body.into_inner();
    let seal = base64(&request.seal, "seal")?;
    let now = state.clock.now();
    let at = request.at.unwrap_or(now);
    let snapshot = state.trust.get(&state.db, now).await?;
    let league = request.league;
    let verification = crate::db::off_executor(move || {
        let seen = Mutex::new(Vec::new());
        let result = verify_seal(
            &seal,
            at,
            trust_callback(&snapshot, league.as_ref(), None, &seen),
        );
        Ok(SealVerification {
            result,
            certificates: seen.into_inner().unwrap_or_default(),
        })
    })
    .await?;
    Ok(web::Json(verification))
}
