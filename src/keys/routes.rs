//! The platform's public keys served to anyone: the certificate that checks
//! the documents the platform signs.

use crate::app::AppState;
use crate::error::AppError;
use actix_web::{HttpResponse, get, web};

/// The platform's document-signing certificate (PEM, self-signed): what
/// `openssl cms -verify -inform DER -CAfile` takes to check a notice of
/// award or a result notice. Its SHA-256 fingerprint (of the DER
/// certificate, hex) is in `X-Certificate-Sha256`.
#[utoipa::path(
    tag = "tenders",
    responses((status = 200, description = "PEM certificate", content_type = "application/x-pem-file", body = String))
)]
#[get("/platform/document-signing-certificate")]
pub async fn document_signing_certificate(
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let signer = &state.document_signer;
    let pem = signer.certificate_pem().map_err(AppError::Internal)?;
    let der = signer
        .certificate
        .to_der()
        .map_err(|e| AppError::Internal(e.into()))?;
    Ok(HttpResponse::Ok()
        .content_type("application/x-pem-file")
        .insert_header((
            "X-Certificate-Sha256",
            crate::identity::hex(&openssl::sha::sha256(&der)),
        ))
        .body(pem))
}
