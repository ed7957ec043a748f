//! The timestamp authority: a signing certificate and key that OpenSSL's TSA
//! responder accepts, and [`Tsa::stamp`], which runs that responder.

use chrono::{DateTime, Utc};
use foreign_types::{ForeignType, ForeignTypeRef};
use openssl::asn1::{Asn1Integer, Asn1Object};
use openssl::bn::BigNum;
use openssl::error::ErrorStack;
use openssl::nid::Nid;
use openssl::pkcs7::Pkcs7Ref;
use openssl::pkey::{Id, PKey, Private};
use openssl::stack::Stack;
use openssl::x509::X509;
use openssl_sys::ASN1_INTEGER;
use std::ffi::{c_int, c_long, c_void};
use std::path::Path;
use x509_parser::prelude::{FromDer, X509Certificate};

use super::TsaError;
use super::ffi::{self, TS_RESP_CTX, TsResp, TsRespCtx};
use super::request::timestamp_request;
use super::token::{check_granted, read_tst_info, verify_context};

/// The ggzy TSA policy, `2.25.37825210005988289862048977379120771669` (a
/// UUID OID, ITU-T X.667: `1c74ded6-7cec-4e22-822b-4ef50dddf255`): what
/// [`Tsa::load`] puts in `TSTInfo.policy`.
pub const DEFAULT_POLICY_OID: &str = "2.25.37825210005988289862048977379120771669";

/// The last second a GeneralizedTime can hold (9999-12-31T23:59:59Z).
const LAST_SECOND: i64 = 253_402_300_799;

/// A timestamp authority: its signing certificate and key, the chain sent
/// along with its tokens, and the policy its tokens name.
pub struct Tsa {
    cert: X509,
    key: PKey<Private>,
    chain: Vec<X509>,
    policy: Asn1Object,
}

/// A granted timestamp, as issued.
#[derive(Debug, Clone)]
pub struct Stamp {
    /// The DER `TimeStampResp` (`openssl ts -verify -in`).
    pub response_der: Vec<u8>,
    /// The DER `TimeStampToken` inside it (`openssl ts -verify -token_in`).
    pub token_der: Vec<u8>,
    /// The token's serial number, upper-case hex.
    pub serial_hex: String,
    /// `TSTInfo.genTime`: the time passed to [`Tsa::stamp`], to the second.
    pub gen_time: DateTime<Utc>,
}

impl std::fmt::Debug for Tsa {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tsa")
            .field("subject", &self.cert.subject_name())
            .field("chain", &self.chain.len())
            .field("policy", &self.policy.to_string())
            .finish_non_exhaustive()
    }
}

impl Tsa {
    /// A TSA signing with `key` under `cert`, which must be a timestamping
    /// certificate (RFC 3161 §2.3: the extended key usage is `timeStamping`
    /// alone and critical) for that key. `chain` (intermediates, possibly the
    /// root) goes into tokens for relying parties to build the path.
    pub fn new(
        cert: X509,
        key: PKey<Private>,
        chain: Vec<X509>,
        policy_oid: &str,
    ) -> Result<Tsa, TsaError> {
        // Dotted form only: openssl would also take names (and the
        // `openssl` crate panics on a NUL). Not `der`'s `ObjectIdentifier`,
        // which limits arcs to 32 bits and so refuses UUID OIDs.
        if !is_dotted_oid(policy_oid) {
            return Err(TsaError::Policy(format!("{policy_oid:?}")));
        }
        let policy = Asn1Object::from_str(policy_oid)?;
        check_timestamping_profile(&cert)?;
        check_key(&key)?;
        if !cert.public_key()?.public_eq(&key) {
            return Err(TsaError::KeyMismatch);
        }
        let tsa = Tsa {
            cert,
            key,
            chain,
            policy,
        };
        // OpenSSL's own checks of the configuration, once, now.
        tsa.responder()?;
        Ok(tsa)
    }

    /// A TSA from PEM files: the certificate file holds the TSA certificate
    /// first, then any chain; the key file its private key. The policy is
    /// [`DEFAULT_POLICY_OID`].
    pub fn load(cert_pem: &Path, key_pem: &Path) -> Result<Tsa, TsaError> {
        let read = |path: &Path| {
            std::fs::read(path).map_err(|e| TsaError::Load {
                path: path.to_path_buf(),
                reason: e.to_string(),
            })
        };
        let unreadable = |path: &Path, reason: String| TsaError::Load {
            path: path.to_path_buf(),
            reason,
        };
        let mut certs = X509::stack_from_pem(&read(cert_pem)?)
            .map_err(|e| unreadable(cert_pem, format!("not PEM certificates: {e}")))?
            .into_iter();
        let cert = certs
            .next()
            .ok_or_else(|| unreadable(cert_pem, "no certificate in it".into()))?;
        let key = PKey::private_key_from_pem(&read(key_pem)?)
            .map_err(|e| unreadable(key_pem, format!("not a PEM private key: {e}")))?;
        Tsa::new(cert, key, certs.collect(), DEFAULT_POLICY_OID)
    }

    /// The TSA's signing certificate.
    pub fn certificate(&self) -> &X509 {
        &self.cert
    }

    /// The chain sent along with tokens (intermediates, possibly the root).
    pub fn chain(&self) -> &[X509] {
        &self.chain
    }

    /// The self-signed root the chain ends in, if it is there: the last
    /// certificate, issued by itself and signed with its own key.
    pub fn root(&self) -> Option<&X509> {
        let last = self.chain.last().unwrap_or(&self.cert);
        let own_key = last.public_key().ok()?;
        (last.issued(last) == openssl::x509::X509VerifyResult::OK
            && last.verify(&own_key).unwrap_or(false))
        .then_some(last)
    }

    /// A timestamp over `sha256` at `now` (kept to the second): OpenSSL's
    /// responder answers our request for it (with a random nonce, asking for
    /// the certificates), and we check the answer covers what we asked.
    pub fn stamp(&self, sha256: &[u8; 32], now: DateTime<Utc>) -> Result<Stamp, TsaError> {
        if !(0..=LAST_SECOND).contains(&now.timestamp()) {
            return Err(TsaError::Time(now.to_rfc3339()));
        }
        let time = GenTime {
            sec: c_long::try_from(now.timestamp()).map_err(|_| TsaError::Time(now.to_rfc3339()))?,
            // Below a million (chrono shows a leap second as more), so it
            // fits any `c_long`.
            usec: now.timestamp_subsec_micros().min(999_999) as c_long,
        };
        let mut nonce = [0u8; 8];
        openssl::rand::rand_bytes(&mut nonce)?;
        let nonce = u64::from_be_bytes(nonce);
        let request = timestamp_request(sha256, Some(nonce), true)?;

        let ctx = self.responder()?;
        let bio = ffi::ReadBio::new(&request)?;
        // SAFETY: `ctx` and `bio` are live; `time` outlives the
        // `TS_RESP_create_response` call, the only one that reads it; the
        // response returned is ours.
        let response = unsafe {
            ffi::TS_RESP_CTX_set_time_cb(
                ctx.as_ptr(),
                fixed_time,
                (&raw const time).cast_mut().cast(),
            );
            TsResp::from_ptr(ffi::cvt_p(ffi::TS_RESP_create_response(
                ctx.as_ptr(),
                bio.as_ptr(),
            ))?)
        };
        drop(ctx);
        if let Err(e) = check_granted(&response) {
            let detail = ErrorStack::get();
            return Err(match e {
                TsaError::Refused(status) if !detail.errors().is_empty() => {
                    TsaError::Refused(format!("{status} ({detail})"))
                }
                other => other,
            });
        }

        // OpenSSL's check that the answer is to our request: version,
        // imprint (SHA-256 over `sha256`), nonce.
        let check = verify_context(
            sha256,
            Some(nonce),
            ffi::TS_VFY_VERSION | ffi::TS_VFY_IMPRINT | ffi::TS_VFY_NONCE,
        )?;
        // SAFETY: both live.
        ffi::cvt(unsafe { ffi::TS_RESP_verify_response(check.as_ptr(), response.as_ptr()) })?;

        // SAFETY: a granted response holds a token and its TSTInfo, borrowed
        // here while `response` lives.
        let (token, tst) = unsafe {
            let token = ffi::cvt_p(ffi::TS_RESP_get_token(response.as_ptr()))?;
            let tst = ffi::cvt_p(ffi::TS_RESP_get_tst_info(response.as_ptr()))?;
            (Pkcs7Ref::from_ptr(token), ffi::TsTstInfoRef::from_ptr(tst))
        };
        let fields = read_tst_info(tst)?;
        Ok(Stamp {
            // SAFETY: i2d_TS_RESP encodes a TS_RESP.
            response_der: unsafe { ffi::to_der(&*response, ffi::i2d_TS_RESP) }?,
            token_der: token.to_der()?,
            serial_hex: fields.serial_hex,
            gen_time: fields.gen_time,
        })
    }

    /// OpenSSL's TSA responder, set up with our certificate, key, chain and
    /// policy: SHA-256 signatures, SHA-256 imprints only, the TSA name in
    /// tokens, random serials. The time callback is set per stamp.
    fn responder(&self) -> Result<TsRespCtx, TsaError> {
        // SAFETY: every pointer passed is live for the call; the context
        // takes its own references to (or copies of) the certificate, key,
        // chain and policy, and keeps only the static `EVP_sha256()`.
        unsafe {
            let ctx = TsRespCtx::from_ptr(ffi::cvt_p(ffi::TS_RESP_CTX_new())?);
            let ptr = ctx.as_ptr();
            ffi::cvt(ffi::TS_RESP_CTX_set_signer_cert(ptr, self.cert.as_ptr()))
                .map_err(|e| TsaError::Certificate(format!("OpenSSL's TSA refuses it ({e})")))?;
            ffi::cvt(ffi::TS_RESP_CTX_set_signer_key(ptr, self.key.as_ptr()))?;
            let sha256 = openssl_sys::EVP_sha256();
            ffi::cvt(ffi::TS_RESP_CTX_set_signer_digest(ptr, sha256))?;
            ffi::cvt(ffi::TS_RESP_CTX_set_ess_cert_id_digest(ptr, sha256))?;
            ffi::cvt(ffi::TS_RESP_CTX_add_md(ptr, sha256))?;
            ffi::cvt(ffi::TS_RESP_CTX_set_def_policy(ptr, self.policy.as_ptr()))?;
            if !self.chain.is_empty() {
                let mut chain = Stack::new()?;
                for cert in &self.chain {
                    chain.push(cert.clone())?;
                }
                ffi::cvt(ffi::TS_RESP_CTX_set_certs(ptr, chain.as_ptr()))?;
            }
            ffi::TS_RESP_CTX_add_flags(ptr, ffi::TS_TSA_NAME);
            ffi::TS_RESP_CTX_set_serial_cb(ptr, random_serial, std::ptr::null_mut());
            Ok(ctx)
        }
    }
}

/// `arc.arc[.arc…]` in decimal without leading zeros, the first arc 0, 1 or
/// 2, the second below 40 under 0 and 1 (X.660).
fn is_dotted_oid(text: &str) -> bool {
    let arcs: Vec<&str> = text.split('.').collect();
    let decimal = |arc: &&str| {
        !arc.is_empty()
            && arc.bytes().all(|b| b.is_ascii_digit())
            && (*arc == "0" || !arc.starts_with('0'))
    };
    if text.len() > 200 || !arcs.iter().all(decimal) {
        return false;
    }
    match arcs.as_slice() {
        ["0" | "1", second, ..] => second.parse::<u8>().is_ok_and(|n| n < 40),
        ["2", _, ..] => true,
        _ => false,
    }
}

/// RFC 3161 §2.3 and what OpenSSL's TSA insists on, said plainly.
fn check_timestamping_profile(cert: &X509) -> Result<(), TsaError> {
    let der = cert.to_der()?;
    let (_, parsed) = X509Certificate::from_der(&der)
        .map_err(|e| TsaError::Certificate(format!("unreadable: {e}")))?;
    let eku = parsed
        .extended_key_usage()
        .map_err(|e| TsaError::Certificate(format!("unreadable extended key usage: {e}")))?
        .ok_or_else(|| TsaError::Certificate("it has no extended key usage".into()))?;
    let usage = eku.value;
    let others = usage.any
        || usage.server_auth
        || usage.client_auth
        || usage.code_signing
        || usage.email_protection
        || usage.ocsp_signing
        || !usage.other.is_empty();
    if !usage.time_stamping || others {
        return Err(TsaError::Certificate(
            "its extended key usage must be timeStamping alone".into(),
        ));
    }
    if !eku.critical {
        return Err(TsaError::Certificate(
            "its timeStamping extended key usage is not critical".into(),
        ));
    }
    // SAFETY: a live certificate; the check only caches extension data in it.
    let purpose_ok =
        unsafe { ffi::X509_check_purpose(cert.as_ptr(), ffi::X509_PURPOSE_TIMESTAMP_SIGN, 0) == 1 };
    if !purpose_ok {
        let _ = ErrorStack::get();
        return Err(TsaError::Certificate(
            "OpenSSL does not accept it for timestamping (its key usage?)".into(),
        ));
    }
    Ok(())
}

/// RSA of at least 2048 bits, or ECDSA on P-256 or P-384.
fn check_key(key: &PKey<Private>) -> Result<(), TsaError> {
    match key.id() {
        Id::RSA if key.bits() >= 2048 => Ok(()),
        Id::RSA => Err(TsaError::Key(format!(
            "RSA key of {} bits: at least 2048",
            key.bits()
        ))),
        Id::EC => {
            let curve = key.ec_key().ok().and_then(|ec| ec.group().curve_name());
            match curve {
                Some(Nid::X9_62_PRIME256V1 | Nid::SECP384R1) => Ok(()),
                _ => Err(TsaError::Key("EC keys must be on P-256 or P-384".into())),
            }
        }
        _ => Err(TsaError::Key("RSA or ECDSA (P-256, P-384) only".into())),
    }
}

/// The time a stamp states, handed to OpenSSL's time callback.
struct GenTime {
    sec: c_long,
    usec: c_long,
}

/// `TS_time_cb`: the [`GenTime`] `data` points to.
unsafe extern "C" fn fixed_time(
    _ctx: *mut TS_RESP_CTX,
    data: *mut c_void,
    sec: *mut c_long,
    usec: *mut c_long,
) -> c_int {
    if data.is_null() || sec.is_null() || usec.is_null() {
        return 0;
    }
    // SAFETY: `stamp` set `data` to a `GenTime` that outlives the response's
    // creation; `sec` and `usec` are OpenSSL's out-parameters.
    unsafe {
        let time = &*data.cast_const().cast::<GenTime>();
        *sec = time.sec;
        *usec = time.usec;
    }
    1
}

/// `TS_serial_cb`: 128 random bits with the top one set (so every serial
/// has 32 hex digits); OpenSSL owns and frees the integer returned.
unsafe extern "C" fn random_serial(ctx: *mut TS_RESP_CTX, _data: *mut c_void) -> *mut ASN1_INTEGER {
    match random_serial_number() {
        Ok(serial) => ffi::into_ptr(serial),
        Err(_) => {
            // SAFETY: `ctx` is the live context OpenSSL called us with; the
            // text is copied.
            unsafe {
                ffi::TS_RESP_CTX_set_status_info(
                    ctx,
                    ffi::TS_STATUS_REJECTION,
                    c"Error during serial number generation.".as_ptr(),
                );
                ffi::TS_RESP_CTX_add_failure_info(ctx, ffi::TS_INFO_ADD_INFO_NOT_AVAILABLE);
            }
            std::ptr::null_mut()
        }
    }
}

fn random_serial_number() -> Result<Asn1Integer, ErrorStack> {
    let mut bytes = [0u8; 16];
    openssl::rand::rand_bytes(&mut bytes)?;
    bytes[0] |= 0x80;
    BigNum::from_slice(&bytes)?.to_asn1_integer()
}
