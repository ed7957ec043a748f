//! A key share encrypted to its custodian's certificate as CMS
//! EnvelopedData that both `openssl cms -decrypt` and a web browser's own
//! WebCrypto can open, so a custodian may release a share from the command
//! line or from the web page without any other software:
//!
//! - RSA certificates: key transport with RSAES-OAEP, SHA-256 and MGF1 with
//!   SHA-256 (RFC 3560). WebCrypto has no RSA PKCS#1 v1.5 decryption, and
//!   OAEP is the padding RFC 8017 asks new applications to use.
//! - EC certificates: ephemeral-static ECDH, `dhSinglePass-stdDH-sha256kdf`
//!   with AES-256 key wrap (RFC 5753), as OpenSSL makes it, but with the
//!   X9.63 KDF over SHA-256 instead of OpenSSL's default SHA-1.
//! - The content: AES-256-CBC.
//!
//! The `openssl` crate's `CmsContentInfo::encrypt` takes no key-transport
//! parameters, so this does what `openssl cms -encrypt -keyopt …` does:
//! a partial EnvelopedData, the recipient added with its key context left
//! open for parameters, then finished over the content.

use foreign_types::{ForeignType, ForeignTypeRef};
use openssl::cms::CmsContentInfo;
use openssl::error::ErrorStack;
use openssl::md::Md;
use openssl::pkey::Id;
use openssl::pkey_ctx::PkeyCtxRef;
use openssl::rsa::Padding;
use openssl::symm::Cipher;
use openssl::x509::X509Ref;
use openssl_sys::{
    BIO, BIO_free_all, BIO_new_mem_buf, CMS_ContentInfo, EVP_MD, EVP_PKEY_CTX, X509,
};
use std::ffi::{c_int, c_uint, c_void};
use std::ptr;

#[allow(non_camel_case_types)]
enum CMS_RecipientInfo {}

// Declared here: openssl-sys 0.9 does not bind them. All are functions of
// OpenSSL 3.0's public API (openssl/cms.h, openssl/ec.h, openssl/evp.h).
unsafe extern "C" {
    fn CMS_add1_recipient_cert(
        cms: *mut CMS_ContentInfo,
        recip: *mut X509,
        flags: c_uint,
    ) -> *mut CMS_RecipientInfo;
    fn CMS_RecipientInfo_get0_pkey_ctx(ri: *mut CMS_RecipientInfo) -> *mut EVP_PKEY_CTX;
    fn CMS_final(
        cms: *mut CMS_ContentInfo,
        data: *mut BIO,
        dcont: *mut BIO,
        flags: c_uint,
    ) -> c_int;
    fn EVP_PKEY_CTX_set_ecdh_kdf_md(ctx: *mut EVP_PKEY_CTX, md: *const EVP_MD) -> c_int;
}

/// Encrypts `plain` to `recipient` (an RSA or EC certificate; see the
/// module's note for the algorithms). Returns the ContentInfo, DER.
pub fn seal(recipient: &X509Ref, plain: &[u8]) -> Result<Vec<u8>, ErrorStack> {
    let key_id = recipient.public_key()?.id();
    let flags = openssl_sys::CMS_BINARY;
    // SAFETY: with no recipients and no content, CMS_PARTIAL asks for an
    // empty EnvelopedData to be finished later; the cipher is a static
    // OpenSSL object. The result (or NULL) is owned here.
    let cms = unsafe {
        openssl_sys::CMS_encrypt(
            ptr::null_mut(),
            ptr::null_mut(),
            Cipher::aes_256_cbc().as_ptr(),
            flags | openssl_sys::CMS_PARTIAL,
        )
    };
    if cms.is_null() {
        return Err(ErrorStack::get());
    }
    // SAFETY: `cms` is a new, owned ContentInfo; the wrapper frees it.
    let cms = unsafe { CmsContentInfo::from_ptr(cms) };
    // SAFETY: both pointers are live; OpenSSL takes its own reference to
    // the certificate. CMS_KEY_PARAM leaves the recipient's key context
    // made and open for parameters; the RecipientInfo belongs to `cms`.
    let ri = unsafe {
        CMS_add1_recipient_cert(
            cms.as_ptr(),
            recipient.as_ptr(),
            flags | openssl_sys::CMS_KEY_PARAM,
        )
    };
    if ri.is_null() {
        return Err(ErrorStack::get());
    }
    // SAFETY: `ri` is a live RecipientInfo of `cms`; its key context (if
    // any) lives as long as it does and is only borrowed here.
    let pctx = unsafe { CMS_RecipientInfo_get0_pkey_ctx(ri) };
    if pctx.is_null() {
        return Err(ErrorStack::get());
    }
    match key_id {
        Id::RSA => {
            // SAFETY: `pctx` is the live context of an RSA recipient.
            let ctx = unsafe { PkeyCtxRef::<()>::from_ptr_mut(pctx) };
            ctx.set_rsa_padding(Padding::PKCS1_OAEP)?;
            ctx.set_rsa_oaep_md(Md::sha256())?;
            ctx.set_rsa_mgf1_md(Md::sha256())?;
        }
        Id::EC => {
            // SAFETY: `pctx` is the live derive context of an EC recipient;
            // the digest is a static OpenSSL object.
            let set = unsafe { EVP_PKEY_CTX_set_ecdh_kdf_md(pctx, Md::sha256().as_ptr()) };
            if set <= 0 {
                return Err(ErrorStack::get());
            }
        }
        // Other keys are refused before a share is made (custody::can_receive);
        // CMS_final below says what OpenSSL thinks of anything else.
        _ => {}
    }
    let len = c_int::try_from(plain.len()).expect("a key share is small");
    // SAFETY: a read-only memory BIO over `plain`, which outlives it; it is
    // freed below on every path.
    let data = unsafe { BIO_new_mem_buf(plain.as_ptr() as *const c_void, len) };
    if data.is_null() {
        return Err(ErrorStack::get());
    }
    // SAFETY: `cms` and `data` are live; CMS_final reads the content from
    // `data`, encrypts it and the content key to the recipient.
    let done = unsafe { CMS_final(cms.as_ptr(), data, ptr::null_mut(), flags) };
    // SAFETY: `data` was made above and is no longer used.
    unsafe { BIO_free_all(data) };
    if done <= 0 {
        return Err(ErrorStack::get());
    }
    cms.to_der()
}

#[cfg(test)]
mod tests {
    use super::*;
    use openssl::ec::{EcGroup, EcKey};
    use openssl::nid::Nid;
    use openssl::pkey::PKey;

    fn certificate(key: &PKey<openssl::pkey::Private>) -> openssl::x509::X509 {
        let now = chrono::Utc::now();
        crate::opening::custody::self_signed(
            key,
            "share test",
            now - chrono::Duration::hours(1),
            now + chrono::Duration::days(1),
        )
        .unwrap()
    }

    /// The algorithm identifiers a browser looks for, as `openssl cms
    /// -cmsout -print` names them, and the content back with OpenSSL.
    fn opens_with(key: &PKey<openssl::pkey::Private>, algorithm: &str, parameter: &str) {
        let cert = certificate(key);
        let der = seal(&cert, b"\x03share bytes").unwrap();
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("share.der"), &der).unwrap();
        let printed = std::process::Command::new("openssl")
            .args(["cms", "-cmsout", "-print", "-inform", "DER", "-in"])
            .arg(dir.path().join("share.der"))
            .output()
            .unwrap();
        let printed = String::from_utf8_lossy(&printed.stdout);
        assert!(printed.contains(algorithm), "{printed}");
        assert!(printed.contains(parameter), "{printed}");
        assert!(printed.contains("aes-256-cbc"), "{printed}");
        let cms = CmsContentInfo::from_der(&der).unwrap();
        assert_eq!(cms.decrypt(key, &cert).unwrap(), b"\x03share bytes");
    }

    #[test]
    fn rsa_custodians_get_oaep_with_sha256() {
        let key = PKey::from_rsa(openssl::rsa::Rsa::generate(2048).unwrap()).unwrap();
        // OAEP's parameters name SHA-256 and MGF1.
        opens_with(&key, "rsaesOaep", "mgf1");
    }

    #[test]
    fn ec_custodians_get_ecdh_with_a_sha256_kdf_and_aes_key_wrap() {
        let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).unwrap();
        let key = PKey::from_ec_key(EcKey::generate(&group).unwrap()).unwrap();
        opens_with(
            &key,
            "dhSinglePass-stdDH-sha256kdf-scheme",
            "id-aes256-wrap",
        );
    }
}
