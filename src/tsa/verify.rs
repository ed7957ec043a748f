//! The offline check of a timestamp (for `ggzy bid verify-receipt`): OpenSSL's
//! verifier decides; we say why in words when it refuses.

use chrono::{DateTime, Utc};
use foreign_types::{ForeignType, ForeignTypeRef};
use openssl::error::ErrorStack;
use openssl::pkcs7::{Pkcs7, Pkcs7Flags, Pkcs7Ref};
use openssl::stack::Stack;
use openssl::x509::store::X509StoreBuilder;
use openssl::x509::verify::X509VerifyParam;
use openssl::x509::{X509, X509Ref};
use x509_parser::prelude::{FromDer, X509Certificate};

use super::TsaError;
use super::ffi::{self, TsResp, TsTstInfo, TsTstInfoRef};
use super::token::{TstFields, check_granted, read_tst_info, verify_context};

/// What a verified timestamp says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// `TSTInfo.genTime`, to the second.
    pub gen_time: DateTime<Utc>,
    /// The token's serial number, upper-case hex.
    pub serial_hex: String,
    /// The subject of the certificate that signed the token.
    pub tsa_subject: String,
    /// `TSTInfo.policy`, dotted.
    pub policy_oid: String,
}

/// What was handed in: a whole response, or the token alone.
enum Input {
    Response(TsResp),
    Token(Pkcs7, TsTstInfo),
}

/// Checks that `der` — a `TimeStampResp` or a bare `TimeStampToken` — is a
/// granted timestamp over exactly `sha256` (SHA-256 imprint), signed by a
/// TSA certificate that chains to one of `roots` at time `at`
/// (intermediates may come from the token's own certificates or
/// `untrusted`). `at` is usually now, as `openssl ts -verify` does; a caller
/// may choose the token's time instead. Revocation is not checked.
pub fn verify(
    der: &[u8],
    sha256: &[u8; 32],
    roots: &[X509],
    untrusted: &[X509],
    at: DateTime<Utc>,
) -> Result<Verified, TsaError> {
    // Start from an empty error queue: the refusal is read from it.
    let _ = ErrorStack::get();
    let input = parse(der)?;
    if let Input::Response(response) = &input {
        check_granted(response)?;
    }

    let ctx = verify_context(
        sha256,
        None,
        ffi::TS_VFY_SIGNATURE | ffi::TS_VFY_VERSION | ffi::TS_VFY_IMPRINT | ffi::TS_VFY_SIGNER,
    )?;
    let mut store = X509StoreBuilder::new()?;
    for root in roots {
        store.add_cert(root.clone())?;
    }
    let mut param = X509VerifyParam::new()?;
    // `time_t` is 32 bits on some targets.
    #[allow(clippy::useless_conversion)]
    param.set_time(
        at.timestamp()
            .try_into()
            .map_err(|_| TsaError::Time(at.to_rfc3339()))?,
    );
    store.set_param(&param)?;
    let store = store.build();
    let certs = stack_of(untrusted)?;
    // SAFETY: the context is live; both setters take ownership of what they
    // are given (OpenSSL 3.0 `TS_VERIFY_CTX_set_store`/`_set_certs`: freed by
    // `TS_VERIFY_CTX_free`), so it is released from Rust with `ffi::into_ptr`.
    unsafe {
        ffi::TS_VERIFY_CTX_set_store(ctx.as_ptr(), ffi::into_ptr(store));
        ffi::TS_VERIFY_CTX_set_certs(ctx.as_ptr(), ffi::into_ptr(stack_of(untrusted)?));
    }

    // SAFETY: the context and the response or token are live.
    let verified = unsafe {
        match &input {
            Input::Response(response) => {
                ffi::TS_RESP_verify_response(ctx.as_ptr(), response.as_ptr())
            }
            Input::Token(token, _) => ffi::TS_RESP_verify_token(ctx.as_ptr(), token.as_ptr()),
        }
    };
    if verified != 1 {
        return Err(refusal(&ErrorStack::get()));
    }

    // SAFETY: a granted, verified response holds its token and TSTInfo,
    // borrowed while `input` lives.
    let (token, tst): (&Pkcs7Ref, &TsTstInfoRef) = unsafe {
        match &input {
            Input::Response(response) => (
                Pkcs7Ref::from_ptr(ffi::cvt_p(ffi::TS_RESP_get_token(response.as_ptr()))?),
                TsTstInfoRef::from_ptr(ffi::cvt_p(ffi::TS_RESP_get_tst_info(response.as_ptr()))?),
            ),
            Input::Token(token, tst) => (&**token, &**tst),
        }
    };
    let TstFields {
        gen_time,
        serial_hex,
        policy_oid,
    } = read_tst_info(tst)?;
    // The signer, found as the verifier found it (untrusted first, then the
    // token's certificates).
    let signer = token
        .signers(&certs, Pkcs7Flags::empty())?
        .into_iter()
        .next()
        .ok_or_else(|| TsaError::Invalid("no signer certificate".into()))?;
    Ok(Verified {
        gen_time,
        serial_hex,
        tsa_subject: subject_of(&signer),
        policy_oid,
    })
}

/// A response, else a token (whose content must be a `TSTInfo`); DER only,
/// nothing after it.
fn parse(der: &[u8]) -> Result<Input, TsaError> {
    // SAFETY: d2i_TS_RESP makes a TS_RESP.
    if let Some(response) = unsafe { ffi::from_der::<TsResp>(der, ffi::d2i_TS_RESP) } {
        return Ok(Input::Response(response));
    }
    // SAFETY: d2i_PKCS7 makes a PKCS7.
    let token = unsafe { ffi::from_der::<Pkcs7>(der, openssl_sys::d2i_PKCS7) }
        .ok_or(TsaError::NotATimestamp)?;
    // SAFETY: a live token; the TSTInfo returned is a new object we own.
    let tst = unsafe { ffi::PKCS7_to_TS_TST_INFO(token.as_ptr()) };
    if tst.is_null() {
        let _ = ErrorStack::get();
        return Err(TsaError::NotATimestamp);
    }
    // SAFETY: as above.
    Ok(Input::Token(token, unsafe { TsTstInfo::from_ptr(tst) }))
}

/// OpenSSL's reason for refusing, in words.
fn refusal(errors: &ErrorStack) -> TsaError {
    for e in errors.errors() {
        match (e.library_code(), e.reason_code()) {
            (ffi::ERR_LIB_TS, ffi::TS_R_MESSAGE_IMPRINT_MISMATCH) => return TsaError::HashMismatch,
            (ffi::ERR_LIB_TS, ffi::TS_R_CERTIFICATE_VERIFY_ERROR) => {
                let why = e
                    .data()
                    .map(|d| d.trim_start_matches("Verify error:").to_string())
                    .unwrap_or_else(|| "no path to a trusted root".into());
                return TsaError::Untrusted(why);
            }
            (ffi::ERR_LIB_TS, ffi::TS_R_SIGNATURE_FAILURE)
            | (ffi::ERR_LIB_TS, ffi::TS_R_ESS_SIGNING_CERTIFICATE_ERROR)
            | (ffi::ERR_LIB_ESS, _) => return TsaError::BadSignature,
            (ffi::ERR_LIB_TS, ffi::TS_R_TSA_NAME_MISMATCH) => {
                return TsaError::Invalid("the TSA name is not the signer's".into());
            }
            (ffi::ERR_LIB_TS, ffi::TS_R_UNSUPPORTED_VERSION) => {
                return TsaError::Invalid("unsupported TSTInfo version".into());
            }
            _ => {}
        }
    }
    TsaError::Invalid(if errors.errors().is_empty() {
        "refused by OpenSSL".into()
    } else {
        errors.to_string()
    })
}

fn stack_of(certs: &[X509]) -> Result<Stack<X509>, ErrorStack> {
    let mut stack = Stack::new()?;
    for cert in certs {
        stack.push(cert.clone())?;
    }
    Ok(stack)
}

/// A certificate's subject, RFC 4514 style.
fn subject_of(cert: &X509Ref) -> String {
    cert.to_der()
        .ok()
        .and_then(|der| {
            X509Certificate::from_der(&der)
                .ok()
                .map(|(_, c)| c.subject().to_string())
        })
        .unwrap_or_else(|| "(unreadable subject)".into())
}
