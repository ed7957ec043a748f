//! The timestamp authority's certificates, published so that anyone holding
//! a receipt can check its timestamp with `openssl ts -verify` and nothing
//! from the platform's disk.

use crate::app::AppState;
use crate::error::AppError;
use actix_web::{HttpResponse, get, web};
use openssl::x509::X509;

fn pem(certs: &[&X509]) -> Result<HttpResponse, AppError> {
    let mut body = Vec::new();
    for cert in certs {
        body.extend(cert.to_pem().map_err(|e| AppError::Internal(e.into()))?);
    }
    Ok(HttpResponse::Ok()
        .content_type("application/x-pem-file")
        .body(body))
}

/// The timestamp authority's signing certificate, then the chain its
/// tokens carry (PEM): `openssl ts -verify -untrusted` takes it.
#[utoipa::path(
    tag = "bids",
    responses((status = 200, description = "PEM certificates", content_type = "application/x-pem-file", body = String))
)]
#[get("/timestamp-authority/certificates.pem")]
pub async fn certificates(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let tsa = &state.tsa;
    let all: Vec<&X509> = std::iter::once(tsa.certificate())
        .chain(tsa.chain())
        .collect();
    pem(&all)
}

/// The self-signed root the timestamp authority's chain ends in (PEM):
/// what `openssl ts -verify -CAfile` takes to check a receipt.
#[utoipa::path(
    tag = "bids",
    responses(
        (status = 200, description = "PEM certificate", content_type = "application/x-pem-file", body = String),
        (status = 404, body = crate::error::Problem)
    )
)]
#[get("/timestamp-authority/root.pem")]
pub async fn root(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    match state.tsa.root() {
        Some(root) => pem(&[root]),
        None => Err(AppError::NotFound(
            "the timestamp authority's configured chain does not end in a self-signed root; \
             its operator publishes the root elsewhere"
                .into(),
        )
        .because("tsa.no-root", serde_json::json!({}))),
    }
}
