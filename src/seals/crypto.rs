//! The three signature algorithms a seal or a seal signature may use, each
//! with the digest it implies for the document: RSA and ECDSA P-256 with
//! SHA-256, SM2 with SM3. openssl does the work; SM2 needs the signer ID set
//! on the key context through the FFI (`EVP_PKEY_CTX_set1_id`), which the
//! `openssl` crate does not wrap.

use der::asn1::ObjectIdentifier;
use foreign_types::{ForeignType, ForeignTypeRef};
use openssl::error::ErrorStack;
use openssl::hash::{MessageDigest, hash};
use openssl::md::Md;
use openssl::md_ctx::MdCtx;
use openssl::nid::Nid;
use openssl::pkey::{HasPrivate, HasPublic, Id, PKey, PKeyRef, Private, Public};
use openssl::pkey_ctx::PkeyCtx;
use openssl::sign::{Signer, Verifier};
use serde::Serialize;
use std::ffi::{c_int, c_void};

use super::asn1::oid;

/// The SM2 signer ID (distinguishing identifier) of GB/T 35276, the one every
/// implementation uses when none is agreed.
pub const SM2_DEFAULT_ID: &[u8] = b"1234567812345678";

/// A signature algorithm of a seal or a seal signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Algorithm {
    /// sha256WithRSAEncryption (PKCS #1 v1.5); document digest SHA-256.
    RsaSha256,
    /// ecdsa-with-SHA256 on P-256, DER `Ecdsa-Sig-Value`; document digest SHA-256.
    EcdsaP256Sha256,
    /// SM2 with SM3 (signer ID `1234567812345678`), DER `SM2Signature`;
    /// document digest SM3.
    Sm2Sm3,
}

impl Algorithm {
    pub fn oid(self) -> ObjectIdentifier {
        match self {
            Algorithm::RsaSha256 => oid::SHA256_WITH_RSA,
            Algorithm::EcdsaP256Sha256 => oid::ECDSA_WITH_SHA256,
            Algorithm::Sm2Sm3 => oid::SM2_WITH_SM3,
        }
    }

    pub fn from_oid(oid: &ObjectIdentifier) -> Option<Self> {
        [
            Algorithm::RsaSha256,
            Algorithm::EcdsaP256Sha256,
            Algorithm::Sm2Sm3,
        ]
        .into_iter()
        .find(|a| a.oid() == *oid)
    }

    /// The algorithm a key signs with; `Err` for keys we do not sign with.
    pub fn for_key<T: HasPublic>(key: &PKeyRef<T>) -> Result<Self, String> {
        if is_sm2(key) {
            return Ok(Algorithm::Sm2Sm3);
        }
        match key.id() {
            Id::RSA if key.bits() >= 2048 => Ok(Algorithm::RsaSha256),
            Id::RSA => Err(format!("RSA key of {} bits: at least 2048", key.bits())),
            Id::SM2 => Ok(Algorithm::Sm2Sm3),
            Id::EC => {
                let curve = key
                    .ec_key()
                    .ok()
                    .and_then(|ec| ec.group().curve_name())
                    .ok_or("EC key without a named curve")?;
                match curve {
                    Nid::X9_62_PRIME256V1 => Ok(Algorithm::EcdsaP256Sha256),
                    Nid::SM2 => Ok(Algorithm::Sm2Sm3),
                    other => Err(format!(
                        "EC curve {} is not supported (P-256 or SM2)",
                        other.short_name().unwrap_or("unknown")
                    )),
                }
            }
            other => Err(format!("{other:?} keys are not supported")),
        }
    }

    /// The digest of a document signed with this algorithm (`dataHash`).
    pub fn document_digest(self, data: &[u8]) -> Result<Vec<u8>, ErrorStack> {
        Ok(hash(self.digest(), data)?.to_vec())
    }

    /// The name of the document digest.
    pub fn digest_name(self) -> &'static str {
        match self {
            Algorithm::Sm2Sm3 => "SM3",
            _ => "SHA-256",
        }
    }

    fn digest(self) -> MessageDigest {
        match self {
            Algorithm::Sm2Sm3 => MessageDigest::sm3(),
            _ => MessageDigest::sha256(),
        }
    }

    /// Signs `data` with `key`, which must be a key of this algorithm.
    pub fn sign(self, key: &PKeyRef<Private>, data: &[u8]) -> Result<Vec<u8>, ErrorStack> {
        match self {
            Algorithm::Sm2Sm3 => sm2_sign(&*as_sm2_private(key)?, SM2_DEFAULT_ID, data),
            _ => {
                let mut signer = Signer::new(self.digest(), key)?;
                signer.update(data)?;
                signer.sign_to_vec()
            }
        }
    }

    /// Verifies `signature` over `data` with `key`; `Err` says why it could
    /// not be checked (a key of another algorithm, an openssl failure).
    pub fn verify(
        self,
        key: &PKeyRef<Public>,
        data: &[u8],
        signature: &[u8],
    ) -> Result<bool, String> {
        let key_algorithm = Algorithm::for_key(key)?;
        if key_algorithm != self {
            return Err(format!(
                "the certificate's key is for {key_algorithm:?}, the signature says {self:?}"
            ));
        }
        match self {
            Algorithm::Sm2Sm3 => {
                let key = as_sm2_public(key).map_err(|e| e.to_string())?;
                Ok(sm2_verify(&key, SM2_DEFAULT_ID, data, signature))
            }
            _ => {
                let result = (|| {
                    let mut verifier = Verifier::new(self.digest(), key)?;
                    verifier.update(data)?;
                    verifier.verify(signature)
                })();
                // openssl reports a malformed signature as an error: it is
                // as much a failed signature as a wrong one.
                Ok(result.unwrap_or(false))
            }
        }
    }
}

/// Whether a key is an SM2 key. OpenSSL 3 loads SM2 keys as provider keys
/// without a numeric type (`EVP_PKEY_id` is -1): ask by name.
fn is_sm2<T>(key: &PKeyRef<T>) -> bool {
    // SAFETY: a live key and a NUL-terminated name.
    unsafe { openssl_sys::EVP_PKEY_is_a(key.as_ptr(), c"SM2".as_ptr()) == 1 }
}

/// An SM2-curve key typed as plain EC (made with `EcKey`, say) signs ECDSA
/// in OpenSSL 3; decoding it again yields an SM2-typed key.
fn as_sm2_private(key: &PKeyRef<Private>) -> Result<PKey<Private>, ErrorStack> {
    PKey::private_key_from_der(&key.private_key_to_der()?)
}

fn as_sm2_public(key: &PKeyRef<Public>) -> Result<PKey<Public>, ErrorStack> {
    PKey::public_key_from_der(&key.public_key_to_der()?)
}

mod ffi {
    use super::{c_int, c_void};
    use openssl_sys::{EVP_MD_CTX, EVP_PKEY_CTX};

    // Declared here: openssl-sys 0.9 does not bind them. Both are functions
    // in OpenSSL 3 (`EVP_PKEY_CTX_set1_id` was a macro in 1.1.1).
    unsafe extern "C" {
        pub fn EVP_PKEY_CTX_set1_id(ctx: *mut EVP_PKEY_CTX, id: *const c_void, len: c_int)
        -> c_int;
        pub fn EVP_MD_CTX_set_pkey_ctx(ctx: *mut EVP_MD_CTX, pctx: *mut EVP_PKEY_CTX);
    }
}

/// A digest context with our own key context attached, the SM2 signer ID
/// set on it before `EVP_DigestSignInit`/`EVP_DigestVerifyInit` pick it up.
/// Field order matters: the digest context is dropped before the key
/// context it borrows (`EVP_MD_CTX_set_pkey_ctx` does not pass ownership).
struct Sm2Context<T> {
    md: MdCtx,
    _pkey: PkeyCtx<T>,
}

fn sm2_context<T>(key: &PKeyRef<T>, id: &[u8]) -> Result<Sm2Context<T>, ErrorStack> {
    let pkey = PkeyCtx::new(key)?;
    let len = c_int::try_from(id.len()).map_err(|_| ErrorStack::get())?;
    // SAFETY: `pkey` is a live EVP_PKEY_CTX; openssl copies `id`.
    if unsafe { ffi::EVP_PKEY_CTX_set1_id(pkey.as_ptr(), id.as_ptr().cast(), len) } <= 0 {
        return Err(ErrorStack::get());
    }
    let md = MdCtx::new()?;
    // SAFETY: both contexts are live; `Sm2Context` keeps `pkey` alive for as
    // long as `md` and drops `md` first.
    unsafe { ffi::EVP_MD_CTX_set_pkey_ctx(md.as_ptr(), pkey.as_ptr()) };
    Ok(Sm2Context { md, _pkey: pkey })
}

/// SM2 signature with SM3 over `data` (the Z value from `id` included).
pub(super) fn sm2_sign<T: HasPrivate>(
    key: &PKeyRef<T>,
    id: &[u8],
    data: &[u8],
) -> Result<Vec<u8>, ErrorStack> {
    let mut ctx = sm2_context(key, id)?;
    ctx.md.digest_sign_init(Some(Md::sm3()), key)?;
    let mut signature = Vec::new();
    ctx.md.digest_sign_to_vec(data, &mut signature)?;
    Ok(signature)
}

/// Verifies an SM2-with-SM3 signature; any openssl error counts as a failure.
pub(super) fn sm2_verify<T: HasPublic>(
    key: &PKeyRef<T>,
    id: &[u8],
    data: &[u8],
    signature: &[u8],
) -> bool {
    let result = (|| {
        let mut ctx = sm2_context(key, id)?;
        ctx.md.digest_verify_init(Some(Md::sm3()), key)?;
        ctx.md.digest_verify(data, signature)
    })();
    // Leave no error behind on the thread's openssl error queue.
    let _ = ErrorStack::get();
    result.unwrap_or(false)
}

/// Whether two keys are the same public key.
pub(super) fn same_public_key<A: HasPublic, B: HasPublic>(a: &PKeyRef<A>, b: &PKeyRef<B>) -> bool {
    match (a.public_key_to_der(), b.public_key_to_der()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// The digest named in a `CertDigestObj.type` (case-insensitive): `SM3` or
/// `SHA256`/`SHA-256`.
pub(super) fn named_digest(name: &str) -> Option<MessageDigest> {
    match name.to_ascii_uppercase().as_str() {
        "SM3" => Some(MessageDigest::sm3()),
        "SHA256" | "SHA-256" => Some(MessageDigest::sha256()),
        _ => None,
    }
}
