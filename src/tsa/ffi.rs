//! The part of OpenSSL's `ts` library we use, declared here because
//! openssl-sys 0.9 binds none of it, and owning wrappers (`foreign-types`)
//! that free each object exactly once.
//!
//! Ownership follows OpenSSL 3.0 (checked against `crypto/ts/*.c`):
//! `TS_RESP_CTX_set_signer_cert`/`_set_signer_key` take a reference of their
//! own, `_set_certs` and `_set_def_policy` copy, `_add_md`,
//! `_set_signer_digest` and `_set_ess_cert_id_digest` keep the pointer (we
//! pass the static `EVP_sha256()`). `TS_VERIFY_CTX_set_store` and
//! `_set_certs` take ownership: the verify context frees them. The getters
//! `TS_RESP_get_*`, `TS_STATUS_INFO_get0_*`, `TS_TST_INFO_get_*` return
//! pointers into their parent, borrowed here as `&…Ref` tied to it.

#![allow(non_camel_case_types)]

use foreign_types::{ForeignType, ForeignTypeRef, foreign_type};
use openssl::error::ErrorStack;
use openssl_sys::{
    ASN1_GENERALIZEDTIME, ASN1_INTEGER, ASN1_OBJECT, BIO, EVP_MD, EVP_PKEY, OPENSSL_STACK, PKCS7,
    X509, X509_STORE, stack_st_X509,
};
use std::ffi::{c_char, c_int, c_long, c_uchar, c_void};
use std::marker::PhantomData;

macro_rules! opaque {
    ($($name:ident),*) => {$(
        #[repr(C)]
        pub struct $name {
            _private: [u8; 0],
        }
    )*};
}

opaque!(
    TS_REQ,
    TS_RESP,
    TS_RESP_CTX,
    TS_STATUS_INFO,
    TS_TST_INFO,
    TS_VERIFY_CTX
);

/// `TS_serial_cb`: a fresh serial number, owned by the caller (OpenSSL frees
/// it), or NULL on failure.
pub type SerialCb = unsafe extern "C" fn(*mut TS_RESP_CTX, *mut c_void) -> *mut ASN1_INTEGER;
/// `TS_time_cb`: seconds and microseconds since 1970; non-zero on success.
pub type TimeCb =
    unsafe extern "C" fn(*mut TS_RESP_CTX, *mut c_void, *mut c_long, *mut c_long) -> c_int;

/// `TS_RESP_CTX_add_flags`: put the TSA's name (the signer's subject) in the TSTInfo.
pub const TS_TSA_NAME: c_int = 0x01;

pub const TS_VFY_SIGNATURE: c_int = 1 << 0;
pub const TS_VFY_VERSION: c_int = 1 << 1;
pub const TS_VFY_IMPRINT: c_int = 1 << 3;
pub const TS_VFY_NONCE: c_int = 1 << 5;
pub const TS_VFY_SIGNER: c_int = 1 << 6;

pub const TS_STATUS_GRANTED: c_long = 0;
pub const TS_STATUS_GRANTED_WITH_MODS: c_long = 1;
pub const TS_STATUS_REJECTION: c_int = 2;
pub const TS_INFO_ADD_INFO_NOT_AVAILABLE: c_int = 17;

/// `X509_PURPOSE_TIMESTAMP_SIGN`: the purpose `TS_RESP_CTX_set_signer_cert` checks.
pub const X509_PURPOSE_TIMESTAMP_SIGN: c_int = 9;

pub const ERR_LIB_TS: c_int = 47;
pub const ERR_LIB_ESS: c_int = 54;
pub const TS_R_CERTIFICATE_VERIFY_ERROR: c_int = 100;
pub const TS_R_ESS_SIGNING_CERTIFICATE_ERROR: c_int = 101;
pub const TS_R_MESSAGE_IMPRINT_MISMATCH: c_int = 103;
pub const TS_R_SIGNATURE_FAILURE: c_int = 109;
pub const TS_R_TSA_NAME_MISMATCH: c_int = 111;
pub const TS_R_UNSUPPORTED_VERSION: c_int = 113;

unsafe extern "C" {
    pub fn d2i_TS_REQ(a: *mut *mut TS_REQ, pp: *mut *const c_uchar, length: c_long) -> *mut TS_REQ;
    pub fn TS_REQ_free(a: *mut TS_REQ);
    pub fn TS_REQ_to_TS_VERIFY_CTX(req: *mut TS_REQ, ctx: *mut TS_VERIFY_CTX)
    -> *mut TS_VERIFY_CTX;

    pub fn d2i_TS_RESP(
        a: *mut *mut TS_RESP,
        pp: *mut *const c_uchar,
        length: c_long,
    ) -> *mut TS_RESP;
    pub fn i2d_TS_RESP(a: *const TS_RESP, pp: *mut *mut c_uchar) -> c_int;
    pub fn TS_RESP_free(a: *mut TS_RESP);
    pub fn TS_RESP_get_status_info(a: *mut TS_RESP) -> *mut TS_STATUS_INFO;
    pub fn TS_RESP_get_token(a: *mut TS_RESP) -> *mut PKCS7;
    pub fn TS_RESP_get_tst_info(a: *mut TS_RESP) -> *mut TS_TST_INFO;

    pub fn TS_STATUS_INFO_get0_status(a: *const TS_STATUS_INFO) -> *const ASN1_INTEGER;
    pub fn TS_STATUS_INFO_get0_text(a: *const TS_STATUS_INFO) -> *const OPENSSL_STACK;

    pub fn PKCS7_to_TS_TST_INFO(token: *mut PKCS7) -> *mut TS_TST_INFO;
    pub fn TS_TST_INFO_free(a: *mut TS_TST_INFO);
    pub fn TS_TST_INFO_get_policy_id(a: *mut TS_TST_INFO) -> *mut ASN1_OBJECT;
    pub fn TS_TST_INFO_get_serial(a: *const TS_TST_INFO) -> *const ASN1_INTEGER;
    pub fn TS_TST_INFO_get_time(a: *const TS_TST_INFO) -> *const ASN1_GENERALIZEDTIME;

    pub fn TS_RESP_CTX_new() -> *mut TS_RESP_CTX;
    pub fn TS_RESP_CTX_free(ctx: *mut TS_RESP_CTX);
    pub fn TS_RESP_CTX_set_signer_cert(ctx: *mut TS_RESP_CTX, signer: *mut X509) -> c_int;
    pub fn TS_RESP_CTX_set_signer_key(ctx: *mut TS_RESP_CTX, key: *mut EVP_PKEY) -> c_int;
    pub fn TS_RESP_CTX_set_signer_digest(ctx: *mut TS_RESP_CTX, md: *const EVP_MD) -> c_int;
    pub fn TS_RESP_CTX_set_ess_cert_id_digest(ctx: *mut TS_RESP_CTX, md: *const EVP_MD) -> c_int;
    pub fn TS_RESP_CTX_set_def_policy(ctx: *mut TS_RESP_CTX, policy: *const ASN1_OBJECT) -> c_int;
    pub fn TS_RESP_CTX_set_certs(ctx: *mut TS_RESP_CTX, certs: *mut stack_st_X509) -> c_int;
    pub fn TS_RESP_CTX_add_md(ctx: *mut TS_RESP_CTX, md: *const EVP_MD) -> c_int;
    pub fn TS_RESP_CTX_add_flags(ctx: *mut TS_RESP_CTX, flags: c_int);
    pub fn TS_RESP_CTX_set_serial_cb(ctx: *mut TS_RESP_CTX, cb: SerialCb, data: *mut c_void);
    pub fn TS_RESP_CTX_set_time_cb(ctx: *mut TS_RESP_CTX, cb: TimeCb, data: *mut c_void);
    pub fn TS_RESP_CTX_set_status_info(
        ctx: *mut TS_RESP_CTX,
        status: c_int,
        text: *const c_char,
    ) -> c_int;
    pub fn TS_RESP_CTX_add_failure_info(ctx: *mut TS_RESP_CTX, failure: c_int) -> c_int;
    pub fn TS_RESP_create_response(ctx: *mut TS_RESP_CTX, req_bio: *mut BIO) -> *mut TS_RESP;

    pub fn TS_VERIFY_CTX_free(ctx: *mut TS_VERIFY_CTX);
    pub fn TS_VERIFY_CTX_set_flags(ctx: *mut TS_VERIFY_CTX, f: c_int) -> c_int;
    pub fn TS_VERIFY_CTX_set_store(ctx: *mut TS_VERIFY_CTX, s: *mut X509_STORE) -> *mut X509_STORE;
    pub fn TS_VERIFY_CTX_set_certs(
        ctx: *mut TS_VERIFY_CTX,
        certs: *mut stack_st_X509,
    ) -> *mut stack_st_X509;
    pub fn TS_RESP_verify_response(ctx: *mut TS_VERIFY_CTX, response: *mut TS_RESP) -> c_int;
    pub fn TS_RESP_verify_token(ctx: *mut TS_VERIFY_CTX, token: *mut PKCS7) -> c_int;

    pub fn X509_check_purpose(x: *mut X509, id: c_int, ca: c_int) -> c_int;
}

foreign_type! {
    type CType = TS_REQ;
    fn drop = TS_REQ_free;
    /// A `TimeStampReq`.
    pub struct TsReq;
    pub struct TsReqRef;
}

foreign_type! {
    type CType = TS_RESP;
    fn drop = TS_RESP_free;
    /// A `TimeStampResp`.
    pub struct TsResp;
    pub struct TsRespRef;
}

foreign_type! {
    type CType = TS_TST_INFO;
    fn drop = TS_TST_INFO_free;
    /// A `TSTInfo`, the signed content of a timestamp token.
    pub struct TsTstInfo;
    pub struct TsTstInfoRef;
}

foreign_type! {
    type CType = TS_RESP_CTX;
    fn drop = TS_RESP_CTX_free;
    /// OpenSSL's TSA responder context.
    pub struct TsRespCtx;
    pub struct TsRespCtxRef;
}

foreign_type! {
    type CType = TS_VERIFY_CTX;
    fn drop = TS_VERIFY_CTX_free;
    /// What `TS_RESP_verify_*` check, and against what.
    pub struct TsVerifyCtx;
    pub struct TsVerifyCtxRef;
}

/// Hands an owned object's pointer to OpenSSL, which will free it
/// (foreign-types 0.3 has no `into_ptr`).
pub fn into_ptr<T: ForeignType>(object: T) -> *mut T::CType {
    let ptr = object.as_ptr();
    std::mem::forget(object);
    ptr
}

/// A pointer OpenSSL returned, or the error it left on the queue if NULL.
pub fn cvt_p<T>(p: *mut T) -> Result<*mut T, ErrorStack> {
    if p.is_null() {
        Err(ErrorStack::get())
    } else {
        Ok(p)
    }
}

/// A return value of 1 (success), or the error OpenSSL left on the queue.
pub fn cvt(r: c_int) -> Result<(), ErrorStack> {
    if r == 1 {
        Ok(())
    } else {
        Err(ErrorStack::get())
    }
}

/// A read-only memory BIO over borrowed bytes (`BIO_new_mem_buf` does not
/// copy): it cannot outlive them.
pub struct ReadBio<'a> {
    ptr: *mut BIO,
    _data: PhantomData<&'a [u8]>,
}

impl<'a> ReadBio<'a> {
    pub fn new(data: &'a [u8]) -> Result<ReadBio<'a>, ErrorStack> {
        let len = c_int::try_from(data.len()).map_err(|_| ErrorStack::get())?;
        // SAFETY: `data` is live for 'a and the BIO only reads it.
        let ptr = cvt_p(unsafe { openssl_sys::BIO_new_mem_buf(data.as_ptr().cast(), len) })?;
        Ok(ReadBio {
            ptr,
            _data: PhantomData,
        })
    }

    pub fn as_ptr(&self) -> *mut BIO {
        self.ptr
    }
}

impl Drop for ReadBio<'_> {
    fn drop(&mut self) {
        // SAFETY: we own the BIO.
        unsafe { openssl_sys::BIO_free_all(self.ptr) };
    }
}

/// Parses DER with a `d2i_*` function, refusing trailing bytes.
///
/// # Safety
/// `d2i` must be a `d2i_*` function returning a new object of `T::CType`.
pub unsafe fn from_der<T: ForeignType>(
    der: &[u8],
    d2i: unsafe extern "C" fn(*mut *mut T::CType, *mut *const c_uchar, c_long) -> *mut T::CType,
) -> Option<T> {
    let len = c_long::try_from(der.len()).ok()?;
    let mut p = der.as_ptr();
    // SAFETY: `p` points to `len` readable bytes; d2i advances it past what
    // it read and returns a new object or NULL.
    let ptr = unsafe { d2i(std::ptr::null_mut(), &mut p, len) };
    if ptr.is_null() {
        let _ = ErrorStack::get();
        return None;
    }
    // SAFETY: a new object we now own.
    let object = unsafe { T::from_ptr(ptr) };
    let read = (p as usize).wrapping_sub(der.as_ptr() as usize);
    (read == der.len()).then_some(object)
}

/// DER of an object through its `i2d_*` function.
///
/// # Safety
/// `i2d` must be the `i2d_*` function of `T::CType`.
pub unsafe fn to_der<T: ForeignTypeRef>(
    object: &T,
    i2d: unsafe extern "C" fn(*const T::CType, *mut *mut c_uchar) -> c_int,
) -> Result<Vec<u8>, ErrorStack> {
    // SAFETY: a live object; a NULL output asks for the length.
    let len = unsafe { i2d(object.as_ptr(), std::ptr::null_mut()) };
    let len = usize::try_from(len).map_err(|_| ErrorStack::get())?;
    let mut buf = vec![0u8; len];
    let mut p = buf.as_mut_ptr();
    // SAFETY: `buf` has room for the `len` bytes i2d said it writes.
    let written = unsafe { i2d(object.as_ptr(), &mut p) };
    if usize::try_from(written).ok() != Some(len) {
        return Err(ErrorStack::get());
    }
    Ok(buf)
}
