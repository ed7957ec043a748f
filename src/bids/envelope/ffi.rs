//! The OpenSSL functions the `openssl` crate does not wrap, each behind an
//! owning type or a function that states why the call is sound.

use super::{EnvelopeError, Result, Signer, openssl_why};
use chrono::{DateTime, Utc};
use foreign_types::{ForeignType, ForeignTypeRef};
use openssl::cms::CmsContentInfo;
use openssl::md_ctx::MdCtx;
use openssl::x509::X509Ref;
use openssl_sys::{
    BIO, BIO_ctrl, BIO_free_all, BIO_write, CMS_ContentInfo, EVP_MD, EVP_MD_CTX,
    EVP_MD_CTX_copy_ex, NID_sha256, OPENSSL_STACK, OPENSSL_sk_num, OPENSSL_sk_value,
};
use std::ffi::{c_int, c_uint, c_void};
use std::ptr;

#[allow(non_camel_case_types)]
enum CMS_SignerInfo {}

// Declared here: openssl-sys 0.9 does not bind them. All are functions
// of OpenSSL 3.0's public CMS API (openssl/cms.h).
unsafe extern "C" {
    fn CMS_dataInit(cms: *mut CMS_ContentInfo, icont: *mut BIO) -> *mut BIO;
    fn CMS_get0_SignerInfos(cms: *mut CMS_ContentInfo) -> *mut OPENSSL_STACK;
    fn CMS_set1_signers_certs(
        cms: *mut CMS_ContentInfo,
        certs: *mut c_void,
        flags: c_uint,
    ) -> c_int;
    fn CMS_SignerInfo_get0_algs(
        si: *mut CMS_SignerInfo,
        pk: *mut *mut c_void,
        signer: *mut *mut openssl_sys::X509,
        pdig: *mut *mut c_void,
        psig: *mut *mut c_void,
    );
    fn CMS_signed_get_attr_count(si: *const CMS_SignerInfo) -> c_int;
    fn CMS_SignerInfo_verify(si: *mut CMS_SignerInfo) -> c_int;
    fn CMS_SignerInfo_verify_content(si: *mut CMS_SignerInfo, chain: *mut BIO) -> c_int;
    // openssl/bio.h and openssl/evp.h, OpenSSL 3.0.
    fn BIO_find_type(b: *mut BIO, bio_type: c_int) -> *mut BIO;
    fn BIO_next(b: *mut BIO) -> *mut BIO;
    fn EVP_MD_CTX_get0_md(ctx: *const EVP_MD_CTX) -> *const EVP_MD;
    fn EVP_MD_get_type(md: *const EVP_MD) -> c_int;
    fn BIO_new_file(filename: *const std::ffi::c_char, mode: *const std::ffi::c_char) -> *mut BIO;
    fn BIO_s_null() -> *const openssl_sys::BIO_METHOD;
}

/// `BIO_TYPE_MD` and `BIO_C_GET_MD_CTX` (the `BIO_get_md_ctx` macro) of
/// openssl/bio.h.
const BIO_TYPE_MD: c_int = 8 | 0x0200;
const BIO_C_GET_MD_CTX: c_int = 120;

/// The digest BIOs of a SignedData's digest algorithms (as `CMS_verify`
/// makes them with `CMS_dataInit`), in front of a null BIO: content
/// written in is digested and dropped.
pub(super) struct DigestChain {
    /// Owned: freed with `BIO_free_all` on drop.
    bio: *mut BIO,
    /// The SignedData the chain was made from, kept alive with it
    /// (OpenSSL 3.0's chain holds no pointer into it, but this costs
    /// nothing and does not depend on that).
    _cms: CmsContentInfo,
}

impl DigestChain {
    /// `signed_start`: a ContentInfo with a detached SignedData and no
    /// signers (its version, digest algorithms and content type).
    pub(super) fn new(signed_start: &[u8]) -> Result<DigestChain> {
        let cms = CmsContentInfo::from_der(signed_start).map_err(|_| {
            EnvelopeError::Malformed(format!(
                "the start of the SignedData cannot be read: {}",
                openssl_why()
            ))
        })?;
        // SAFETY: `cms` is a live SignedData ContentInfo. With no
        // content BIO given and no content in `cms`, CMS_dataInit
        // returns a new chain (one digest BIO per digest algorithm,
        // ending in a null BIO) owned by the caller, or NULL.
        let bio = unsafe { CMS_dataInit(cms.as_ptr(), ptr::null_mut()) };
        if bio.is_null() {
            return Err(EnvelopeError::Malformed(format!(
                "the signature's digest algorithms cannot be used: {}",
                openssl_why()
            )));
        }
        Ok(DigestChain { bio, _cms: cms })
    }

    pub(super) fn update(&mut self, data: &[u8]) -> Result<()> {
        for chunk in data.chunks(1 << 20) {
            let len = c_int::try_from(chunk.len()).unwrap_or(c_int::MAX);
            // SAFETY: `self.bio` is the live chain we own; `chunk` is
            // valid for `len` bytes (at most 1 MiB), which BIO_write
            // only reads.
            let written = unsafe { BIO_write(self.bio, chunk.as_ptr().cast(), len) };
            if written != len {
                return Err(EnvelopeError::Read(format!(
                    "digesting the signed content: {}",
                    openssl_why()
                )));
            }
        }
        Ok(())
    }
}

impl DigestChain {
    /// The SHA-256 of everything written so far, when SHA-256 is one of
    /// the chain's digests (read from a copy: the chain goes on as before).
    pub(super) fn sha256(&self) -> Option<[u8; 32]> {
        let mut bio = self.bio;
        loop {
            // SAFETY: `bio` is the chain we own or a BIO further along it
            // (BIO_next), or NULL, which BIO_find_type returns NULL for.
            bio = unsafe { BIO_find_type(bio, BIO_TYPE_MD) };
            if bio.is_null() {
                return None;
            }
            let mut ctx: *mut EVP_MD_CTX = ptr::null_mut();
            // SAFETY: `bio` is a live digest BIO; BIO_get_md_ctx stores a
            // pointer to its context (owned by the BIO) in `ctx`.
            let got = unsafe { BIO_ctrl(bio, BIO_C_GET_MD_CTX, 0, (&raw mut ctx).cast()) };
            // SAFETY: `ctx` is the BIO's live context when `got` > 0.
            if got > 0 && !ctx.is_null() && unsafe { is_sha256(ctx) } {
                let mut copy = MdCtx::new().ok()?;
                let mut out = [0u8; 32];
                // SAFETY: `copy` is a new context we own and `ctx` a live
                // one; copying leaves `ctx` as it was.
                let copied = unsafe { EVP_MD_CTX_copy_ex(copy.as_ptr(), ctx) } == 1;
                return (copied && copy.digest_final(&mut out).ok() == Some(32)).then_some(out);
            }
            // SAFETY: `bio` is live; its successor is part of our chain.
            bio = unsafe { BIO_next(bio) };
        }
    }
}

/// Whether a digest context computes SHA-256.
///
/// # Safety
/// `ctx` must be a live `EVP_MD_CTX`.
unsafe fn is_sha256(ctx: *const EVP_MD_CTX) -> bool {
    // SAFETY: the caller's promise; the EVP_MD returned (or NULL) is owned
    // by OpenSSL.
    let md = unsafe { EVP_MD_CTX_get0_md(ctx) };
    // SAFETY: `md` is a live EVP_MD when not NULL.
    !md.is_null() && unsafe { EVP_MD_get_type(md) } == NID_sha256
}

impl Drop for DigestChain {
    fn drop(&mut self) {
        // SAFETY: we own the chain and free it once; no reference to it
        // outlives `self`.
        unsafe { BIO_free_all(self.bio) };
    }
}

/// Verifies every signer of `detached` (a SignedData without content)
/// against the content digested in `digests`, as `CMS_verify` does with
/// `CMS_NO_SIGNER_CERT_VERIFY`: each signer's certificate must be in the
/// SignedData, its signature over the signed attributes must verify
/// (`CMS_SignerInfo_verify`) and the messageDigest attribute, or without
/// attributes the signature itself, must match the content's digest
/// (`CMS_SignerInfo_verify_content`). `times` are the signers' signing
/// times, in order.
pub(super) fn verify(
    detached: &[u8],
    digests: &DigestChain,
    times: Vec<Option<DateTime<Utc>>>,
) -> Result<Vec<Signer>> {
    let cms = CmsContentInfo::from_der(detached).map_err(|_| {
        EnvelopeError::Malformed(format!(
            "the signer information cannot be read: {}",
            openssl_why()
        ))
    })?;
    // SAFETY: `cms` is live; the stack returned (or NULL) belongs to it
    // and is not freed here; it lives as long as `cms`.
    let infos = unsafe { CMS_get0_SignerInfos(cms.as_ptr()) };
    // SAFETY: `infos` is a live stack when not NULL.
    let count = if infos.is_null() {
        0
    } else {
        unsafe { OPENSSL_sk_num(infos) }
    };
    if count <= 0 {
        return Err(EnvelopeError::NotSigned("it has no signer".into()));
    }
    if usize::try_from(count).ok() != Some(times.len()) {
        return Err(EnvelopeError::Malformed(
            "the signer information is read differently by OpenSSL".into(),
        ));
    }
    // SAFETY: `cms` is live; with no extra certificates, OpenSSL looks
    // for each signer's certificate among those `cms` carries and sets
    // it (with its key) on the signer info, taking its own reference.
    if unsafe { CMS_set1_signers_certs(cms.as_ptr(), ptr::null_mut(), 0) } < 0 {
        return Err(EnvelopeError::Malformed(format!(
            "the certificates cannot be read: {}",
            openssl_why()
        )));
    }
    let mut signers = Vec::with_capacity(times.len());
    for (i, signing_time) in (0..count).zip(times) {
        // SAFETY: 0 <= i < count; the element is a CMS_SignerInfo owned
        // by `cms`.
        let si = unsafe { OPENSSL_sk_value(infos, i) }.cast::<CMS_SignerInfo>();
        if si.is_null() {
            return Err(EnvelopeError::Malformed("a missing signer".into()));
        }
        let mut cert: *mut openssl_sys::X509 = ptr::null_mut();
        // SAFETY: `si` is live; only the signer certificate is asked
        // for (the other out-pointers are NULL, which OpenSSL allows).
        unsafe {
            CMS_SignerInfo_get0_algs(
                si,
                ptr::null_mut(),
                &mut cert,
                ptr::null_mut(),
                ptr::null_mut(),
            )
        };
        if cert.is_null() {
            let _ = openssl_why();
            return Err(EnvelopeError::NotSigned(format!(
                "the certificate of signer {} is not in the envelope",
                i + 1
            )));
        }
        // SAFETY: `cert` is a live X509 borrowed from `cms`; `to_owned`
        // takes a reference of our own (X509_up_ref).
        let certificate = unsafe { X509Ref::from_ptr(cert) }.to_owned();
        // SAFETY: `si` is live and has its certificate and key set.
        let with_attributes = unsafe { CMS_signed_get_attr_count(si) } >= 0;
        if with_attributes && unsafe { CMS_SignerInfo_verify(si) } <= 0 {
            return Err(EnvelopeError::BadSignature(openssl_why()));
        }
        // SAFETY: `si` is live; `digests.bio` is a live chain of digest
        // BIOs, which OpenSSL only reads (it copies the digest state).
        if unsafe { CMS_SignerInfo_verify_content(si, digests.bio) } <= 0 {
            return Err(EnvelopeError::NotCovered(openssl_why()));
        }
        signers.push(Signer {
            certificate,
            signing_time,
        });
    }
    // Leave nothing on the thread's OpenSSL error queue.
    let _ = openssl::error::ErrorStack::get();
    Ok(signers)
}

/// `BIO_CTRL_FLUSH` of openssl/bio.h (the `BIO_flush` macro).
const BIO_CTRL_FLUSH: c_int = 11;

/// Owns a BIO chain: freed with `BIO_free_all` on drop.
struct OwnedBio(*mut BIO);

impl OwnedBio {
    fn file(path: &std::path::Path, mode: &std::ffi::CStr) -> Option<OwnedBio> {
        use std::os::unix::ffi::OsStrExt;
        let path = std::ffi::CString::new(path.as_os_str().as_bytes()).ok()?;
        // SAFETY: two valid C strings; the result (or NULL) is owned here.
        let bio = unsafe { BIO_new_file(path.as_ptr(), mode.as_ptr()) };
        (!bio.is_null()).then_some(OwnedBio(bio))
    }

    fn null() -> Option<OwnedBio> {
        // SAFETY: BIO_s_null returns a static method; the BIO is owned here.
        let bio = unsafe { openssl_sys::BIO_new(BIO_s_null()) };
        (!bio.is_null()).then_some(OwnedBio(bio))
    }
}

impl Drop for OwnedBio {
    fn drop(&mut self) {
        // SAFETY: owned, not freed elsewhere.
        unsafe { BIO_free_all(self.0) };
    }
}

/// Decrypts an EnvelopedData or AuthEnvelopedData whose encrypted content
/// is not inside it (`detached`, a ContentInfo) but in the file
/// `encrypted`, writing the plaintext to the file `plain`: OpenSSL's
/// `CMS_decrypt` with the content beside the structure, which streams it
/// through the cipher a few KiB at a time. An AES-GCM tag or CBC padding
/// that does not check out fails the whole; what was written is then to be
/// thrown away. `CMS_DEBUG_DECRYPT`: a content key that does not decrypt
/// fails at once instead of OpenSSL going on with a random key (its
/// defence against a padding oracle, which a one-time opening with a
/// one-tender key does not offer), so that the retry below cannot succeed
/// by chance on a bad bid.
pub(super) fn decrypt_detached(
    detached: &[u8],
    encrypted: &std::path::Path,
    key: &openssl::pkey::PKeyRef<openssl::pkey::Private>,
    cert: &X509Ref,
    plain: &std::path::Path,
) -> Result<()> {
    let cms = CmsContentInfo::from_der(detached).map_err(|_| {
        EnvelopeError::Malformed(format!("OpenSSL cannot read it: {}", openssl_why()))
    })?;
    let run = |out: &OwnedBio| -> Result<bool> {
        let content = OwnedBio::file(encrypted, c"rb").ok_or_else(|| {
            EnvelopeError::Read(format!("the encrypted content: {}", openssl_why()))
        })?;
        // SAFETY: every pointer is live for the call; CMS_decrypt reads
        // `content`, writes `out` and frees neither.
        let done = unsafe {
            openssl_sys::CMS_decrypt(
                cms.as_ptr(),
                key.as_ptr(),
                cert.as_ptr(),
                content.0,
                out.0,
                openssl_sys::CMS_BINARY | openssl_sys::CMS_DEBUG_DECRYPT,
            )
        };
        Ok(done > 0)
    };
    let out = OwnedBio::file(plain, c"wb")
        .ok_or_else(|| EnvelopeError::Write(format!("the decrypted bid: {}", openssl_why())))?;
    if run(&out)? {
        // SAFETY: `out` is a live file BIO.
        let flushed = unsafe { BIO_ctrl(out.0, BIO_CTRL_FLUSH, 0, ptr::null_mut()) } > 0;
        return if flushed {
            Ok(())
        } else {
            Err(EnvelopeError::Write(
                "the decrypted bid could not be written".into(),
            ))
        };
    }
    let why = openssl_why();
    // Failing to write the plaintext (a full disk) must not pass for a bid
    // that cannot be decrypted: decrypt again into nothing to tell which.
    let null = OwnedBio::null().ok_or_else(|| EnvelopeError::Write(openssl_why()))?;
    if run(&null)? {
        return Err(EnvelopeError::Write(format!(
            "the decrypted bid could not be written: {why}"
        )));
    }
    Err(EnvelopeError::CannotDecrypt(why))
}
