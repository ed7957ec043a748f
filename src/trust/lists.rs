//! Signed trust lists: per league, the services it lists (with status
//! history and revocation sources) and the agreements by which it recognises
//! other leagues; and the combined list of all leagues' lists.
//!
//! Format (documented in README): a JWS in flattened JSON serialisation
//! (RFC 7515 §7.2.2) with `alg` RS256, `kid` the SHA-256 of the platform
//! key's SubjectPublicKeyInfo and `typ` `ggzy-trust-list+json` (or
//! `ggzy-trust-lists+json` for the combined list); the payload is the JSON
//! list below. Anyone verifies it with the public key from
//! `/api/v1/trust/signing-key`, for instance with
//! `openssl dgst -sha256 -verify key.pem -signature sig.bin signing-input`
//! where signing-input is `protected + "." + payload` and sig.bin the
//! base64url-decoded `signature`.

use super::model::{Recognition, ServiceStatus, ServiceType, StatusChange};
use super::store::Service;
use crate::error::AppError;
use crate::pki::keys::SigningKey;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub const LIST_FORMAT: &str = "ggzy-trust-list/1";
pub const LISTS_FORMAT: &str = "ggzy-trust-lists/1";

/// One league's trust list.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TrustList {
    pub format: String,
    pub league: String,
    pub league_name: String,
    pub issued_at: DateTime<Utc>,
    /// The list must be fetched again by then.
    pub next_update: DateTime<Utc>,
    pub services: Vec<ListedService>,
    /// Agreements by which this league recognises other leagues' services,
    /// ended ones included.
    pub recognitions: Vec<ListedRecognition>,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ListedService {
    pub id: String,
    pub service_type: ServiceType,
    pub subject: String,
    pub sha256: String,
    /// The certificate, base64 DER.
    pub certificate: String,
    pub status: Option<ServiceStatus>,
    pub history: Vec<ListedStatus>,
    pub ocsp_url: Option<String>,
    pub crl_urls: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ListedStatus {
    pub status: ServiceStatus,
    pub effective_from: DateTime<Utc>,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ListedRecognition {
    pub id: String,
    pub recognised_league: String,
    pub service_type: ServiceType,
    pub effective_from: DateTime<Utc>,
    pub effective_until: Option<DateTime<Utc>>,
}

/// All leagues' lists in one signed document.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TrustLists {
    pub format: String,
    pub issued_at: DateTime<Utc>,
    pub next_update: DateTime<Utc>,
    pub lists: Vec<TrustList>,
}

/// A JWS in flattened JSON serialisation.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Jws {
    /// base64url of the protected header JSON.
    pub protected: String,
    /// base64url of the payload JSON.
    pub payload: String,
    /// base64url of the RS256 signature over `protected.payload`.
    pub signature: String,
}

fn history(changes: &[StatusChange]) -> Vec<ListedStatus> {
    changes
        .iter()
        .map(|c| ListedStatus {
            status: c.status,
            effective_from: c.effective_from,
            reason: c.reason.clone(),
        })
        .collect()
}

/// Builds one league's list (pure: the caller supplies the time).
pub fn build(
    league: &crate::leagues::League,
    services: &[(Service, Vec<u8>)],
    recognitions: &[Recognition],
    now: DateTime<Utc>,
) -> TrustList {
    TrustList {
        format: LIST_FORMAT.into(),
        league: league.code.to_string(),
        league_name: league.name.clone(),
        issued_at: now,
        next_update: now + chrono::Duration::hours(24),
        services: services
            .iter()
            .filter(|(s, _)| s.league.as_ref() == Some(&league.code))
            .map(|(s, der)| ListedService {
                id: s.id.clone(),
                service_type: s.service_type,
                subject: s.subject.clone(),
                sha256: s.sha256.clone(),
                certificate: openssl::base64::encode_block(der),
                status: s.status,
                history: history(&s.history),
                ocsp_url: s.ocsp_url.clone(),
                crl_urls: s.crl_urls.clone(),
            })
            .collect(),
        recognitions: recognitions
            .iter()
            .filter(|r| r.league == league.code)
            .map(|r| ListedRecognition {
                id: r.id.clone(),
                recognised_league: r.recognised_league.to_string(),
                service_type: r.service_type,
                effective_from: r.effective_from,
                effective_until: r.effective_until,
            })
            .collect(),
    }
}

pub fn base64url(bytes: &[u8]) -> String {
    openssl::base64::encode_block(bytes)
        .trim_end_matches('=')
        .replace('+', "-")
        .replace('/', "_")
}

pub fn base64url_decode(text: &str) -> Result<Vec<u8>, String> {
    if text
        .chars()
        .any(|c| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
    {
        return Err("not base64url".into());
    }
    let mut standard = text.replace('-', "+").replace('_', "/");
    while !standard.len().is_multiple_of(4) {
        standard.push('=');
    }
    openssl::base64::decode_block(&standard).map_err(|_| "not base64url".to_string())
}

/// Signs a payload as a flattened JWS with RS256.
pub fn sign(key: &SigningKey, typ: &str, payload: &impl Serialize) -> Result<Jws, AppError> {
    let header = serde_json::json!({ "alg": "RS256", "kid": key.key_id, "typ": typ });
    let protected = base64url(header.to_string().as_bytes());
    let body = serde_json::to_vec(payload).map_err(|e| AppError::Internal(e.into()))?;
    let payload = base64url(&body);
    let signature = key
        .sign(format!("{protected}.{payload}").as_bytes())
        .map_err(AppError::Internal)?;
    Ok(Jws {
        protected,
        payload,
        signature: base64url(&signature),
    })
}

/// Verifies a JWS made by [`sign`] with a PEM public key and returns its
/// payload bytes.
pub fn verify(jws: &Jws, public_pem: &[u8]) -> Result<Vec<u8>, String> {
    let header = base64url_decode(&jws.protected)?;
    let header: serde_json::Value =
        serde_json::from_slice(&header).map_err(|_| "the protected header is not JSON")?;
    if header.get("alg").and_then(|a| a.as_str()) != Some("RS256") {
        return Err("only RS256 is accepted".into());
    }
    let typ = header.get("typ").and_then(|t| t.as_str());
    if !matches!(typ, Some("ggzy-trust-list+json" | "ggzy-trust-lists+json")) {
        return Err(format!("not a ggzy trust list (typ {typ:?})"));
    }
    let signature = base64url_decode(&jws.signature)?;
    let input = format!("{}.{}", jws.protected, jws.payload);
    match crate::pki::keys::verify_rs256(public_pem, input.as_bytes(), &signature) {
        Ok(true) => base64url_decode(&jws.payload),
        Ok(false) => Err("the signature does not verify".into()),
        Err(e) => Err(format!("cannot verify: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64url_round_trips() {
        for data in [&b""[..], b"f", b"fo", b"foo", b"\xff\xfe\xfd\x00"] {
            assert_eq!(base64url_decode(&base64url(data)).unwrap(), data);
        }
        assert!(base64url_decode("a+b").is_err());
    }

    #[test]
    fn signed_lists_verify_and_tampering_is_caught() {
        let dir = tempfile::tempdir().unwrap();
        let key = SigningKey::load_or_create(dir.path(), "k").unwrap();
        let jws = sign(&key, "ggzy-trust-list+json", &serde_json::json!({"a": 1})).unwrap();
        let payload = verify(&jws, key.public_pem.as_bytes()).unwrap();
        assert_eq!(payload, br#"{"a":1}"#);
        let mut tampered = jws.clone();
        tampered.payload = base64url(br#"{"a":2}"#);
        assert!(verify(&tampered, key.public_pem.as_bytes()).is_err());
        let other = sign(&key, "something-else", &serde_json::json!({"a": 1})).unwrap();
        assert!(verify(&other, key.public_pem.as_bytes()).is_err());
    }
}
