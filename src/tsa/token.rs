//! Reading OpenSSL's timestamp objects — a response's status, the fields of
//! a `TSTInfo` — and setting up what a verification checks.

use chrono::{DateTime, Utc};
use foreign_types::{ForeignType, ForeignTypeRef};
use openssl::asn1::{Asn1IntegerRef, Asn1StringRef, Asn1TimeRef};
use openssl::error::ErrorStack;
use std::ffi::c_int;

use super::TsaError;
use super::ffi::{self, TsReq, TsRespRef, TsTstInfoRef, TsVerifyCtx};
use super::request::timestamp_request;

/// `Ok` if the response grants a timestamp (`granted` or `grantedWithMods`);
/// otherwise the status and the TSA's explanation.
pub fn check_granted(response: &TsRespRef) -> Result<(), TsaError> {
    // SAFETY: a live response; the status info, its status and its texts are
    // borrowed from it and read while it lives.
    unsafe {
        let info = ffi::TS_RESP_get_status_info(response.as_ptr());
        if info.is_null() {
            return Err(TsaError::NotATimestamp);
        }
        let status = ffi::TS_STATUS_INFO_get0_status(info);
        if status.is_null() {
            return Err(TsaError::NotATimestamp);
        }
        let status = openssl_sys::ASN1_INTEGER_get(status);
        if status == ffi::TS_STATUS_GRANTED || status == ffi::TS_STATUS_GRANTED_WITH_MODS {
            return Ok(());
        }
        let name = match status {
            2 => "rejection".to_string(),
            3 => "waiting".to_string(),
            4 => "revocationWarning".to_string(),
            5 => "revocationNotification".to_string(),
            other => format!("status {other}"),
        };
        let texts = status_texts(ffi::TS_STATUS_INFO_get0_text(info));
        Err(TsaError::Refused(if texts.is_empty() {
            name
        } else {
            format!("{name}: {}", texts.join("; "))
        }))
    }
}

/// The `statusString` texts (UTF8String), each cut to 200 characters.
///
/// # Safety
/// `stack` is NULL or a live `STACK_OF(ASN1_UTF8STRING)`.
unsafe fn status_texts(stack: *const openssl_sys::OPENSSL_STACK) -> Vec<String> {
    if stack.is_null() {
        return Vec::new();
    }
    // SAFETY: a live stack per the contract; its items are ASN1_STRINGs.
    let count = unsafe { openssl_sys::OPENSSL_sk_num(stack) };
    (0..count.min(8))
        .filter_map(|i| {
            // SAFETY: `i` is in range.
            let item = unsafe { openssl_sys::OPENSSL_sk_value(stack, i) };
            (!item.is_null()).then(|| {
                // SAFETY: a live ASN1_STRING borrowed from the stack.
                let text = unsafe { Asn1StringRef::from_ptr(item.cast()) };
                String::from_utf8_lossy(text.as_slice())
                    .chars()
                    .take(200)
                    .collect()
            })
        })
        .collect()
}

/// What a `TSTInfo` says, read by openssl.
pub struct TstFields {
    pub gen_time: DateTime<Utc>,
    pub serial_hex: String,
    pub policy_oid: String,
}

pub fn read_tst_info(tst: &TsTstInfoRef) -> Result<TstFields, TsaError> {
    // SAFETY: a live TSTInfo; the fields are borrowed from it and read (or
    // copied) while it lives.
    unsafe {
        let time = ffi::TS_TST_INFO_get_time(tst.as_ptr());
        let serial = ffi::TS_TST_INFO_get_serial(tst.as_ptr());
        let policy = ffi::TS_TST_INFO_get_policy_id(tst.as_ptr());
        if time.is_null() || serial.is_null() || policy.is_null() {
            return Err(TsaError::Invalid("incomplete TSTInfo".into()));
        }
        // A GeneralizedTime is an ASN1_TIME to openssl.
        let time = Asn1TimeRef::from_ptr(time.cast_mut().cast());
        let gen_time = crate::pki::validation::utc(time)
            .ok_or_else(|| TsaError::Invalid("unreadable genTime".into()))?;
        let serial_hex = Asn1IntegerRef::from_ptr(serial.cast_mut())
            .to_bn()?
            .to_hex_str()?
            .to_string();
        let policy_oid =
            dotted(policy).ok_or_else(|| TsaError::Invalid("unreadable policy OID".into()))?;
        Ok(TstFields {
            gen_time,
            serial_hex,
            policy_oid,
        })
    }
}

/// An OID in dotted form, however long (OpenSSL says how much room it needs).
///
/// # Safety
/// `object` is a live `ASN1_OBJECT`.
unsafe fn dotted(object: *const openssl_sys::ASN1_OBJECT) -> Option<String> {
    let mut buf = vec![0u8; 64];
    loop {
        let room = c_int::try_from(buf.len()).ok()?;
        // SAFETY: a live object; `buf` has `room` bytes; no_name = 1 asks for
        // numbers only. The result is the length needed, without the NUL.
        let needed = unsafe { openssl_sys::OBJ_obj2txt(buf.as_mut_ptr().cast(), room, object, 1) };
        let needed = usize::try_from(needed).ok().filter(|n| *n > 0)?;
        if needed < buf.len() {
            buf.truncate(needed);
            return String::from_utf8(buf).ok();
        }
        if needed > 4096 {
            return None;
        }
        buf = vec![0u8; needed + 1];
    }
}

/// A verification context that checks `flags` for a timestamp over `sha256`
/// (with SHA-256, and `nonce` if given): OpenSSL takes the imprint, its
/// algorithm and the nonce from a request we make for the purpose.
pub fn verify_context(
    sha256: &[u8; 32],
    nonce: Option<u64>,
    flags: c_int,
) -> Result<TsVerifyCtx, TsaError> {
    let der = timestamp_request(sha256, nonce, false)?;
    // SAFETY: d2i_TS_REQ makes a TS_REQ.
    let request: TsReq = unsafe { ffi::from_der(&der, ffi::d2i_TS_REQ) }
        .ok_or_else(|| TsaError::OpenSsl(ErrorStack::get()))?;
    // SAFETY: a live request, which the new context copies from; the context
    // is ours.
    let ctx = unsafe {
        TsVerifyCtx::from_ptr(ffi::cvt_p(ffi::TS_REQ_to_TS_VERIFY_CTX(
            request.as_ptr(),
            std::ptr::null_mut(),
        ))?)
    };
    // SAFETY: a live context.
    unsafe { ffi::TS_VERIFY_CTX_set_flags(ctx.as_ptr(), flags) };
    Ok(ctx)
}
