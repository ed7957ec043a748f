//! One run of OpenSSL's certificate verifier (RFC 5280 §6 path
//! validation) with what the crate does not reach: the validation time and
//! flags on the run's own parameters, the CRLs handed to the run, the
//! certificate-policy inputs, and a callback that records every error with
//! its depth and lets the run go on, so that everything wrong with a path
//! is known, not just the first thing.
//!
//! OpenSSL processes the CRLs (issuer by RFC 5280 §7.1 name comparison and
//! key identifier, the CRL issuer's own path and keyUsage cRLSign,
//! issuingDistributionPoint scope, indirect CRLs, delta CRLs, critical
//! extensions of CRLs and entries) and the policies (§6.1.3–6.1.5). What
//! the findings mean for the platform is `validation`'s business.

use super::policy::PolicyInputs;
use chrono::{DateTime, Utc};
use foreign_types::{ForeignType, ForeignTypeRef};
use openssl::asn1::Asn1Object;
use openssl::error::ErrorStack;
use openssl::stack::Stack;
use openssl::x509::store::X509StoreRef;
use openssl::x509::verify::X509VerifyFlags;
use openssl::x509::{X509, X509Crl, X509StoreContext};
use openssl_sys as ffi;
use std::cell::RefCell;
use std::os::raw::c_int;

// Exported by libcrypto (OpenSSL 1.1 and 3), not declared by openssl-sys.
unsafe extern "C" {
    fn X509_STORE_CTX_get0_param(ctx: *mut ffi::X509_STORE_CTX) -> *mut ffi::X509_VERIFY_PARAM;
    fn X509_STORE_CTX_set0_crls(ctx: *mut ffi::X509_STORE_CTX, crls: *mut ffi::stack_st_X509_CRL);
    fn X509_VERIFY_PARAM_add0_policy(
        param: *mut ffi::X509_VERIFY_PARAM,
        policy: *mut ffi::ASN1_OBJECT,
    ) -> c_int;
    fn X509_STORE_CTX_get0_parent_ctx(ctx: *mut ffi::X509_STORE_CTX) -> *mut ffi::X509_STORE_CTX;
    fn X509_STORE_CTX_set_verify_cb(
        ctx: *mut ffi::X509_STORE_CTX,
        cb: Option<unsafe extern "C" fn(c_int, *mut ffi::X509_STORE_CTX) -> c_int>,
    );
}

/// anyPolicy (RFC 5280 §4.2.1.4).
pub const ANY_POLICY: &str = "2.5.29.32.0";

/// One error OpenSSL reported: its `X509_V_ERR_*` code, the depth in the
/// chain (0 the end entity) and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub code: i32,
    pub depth: usize,
    pub message: String,
}

/// What a run found.
pub struct Verification {
    /// The chain OpenSSL built, end entity first (as far as it got).
    pub chain: Vec<X509>,
    /// Every error, in the order reported.
    pub findings: Vec<Finding>,
}

/// How to run.
pub struct Run<'a> {
    /// The validation time: CRLs must be current at it (certificates'
    /// windows are reported as `Kind::Time` findings, for the policy to judge).
    pub at: DateTime<Utc>,
    /// CRLs to consult; `None` turns revocation checking off.
    pub crls: Option<&'a [X509Crl]>,
    pub policies: &'a PolicyInputs,
}

thread_local! {
    /// The findings of the run on this thread (the callback has no other
    /// way back; a run is synchronous and never nested).
    static FINDINGS: RefCell<Vec<(c_int, c_int)>> = const { RefCell::new(Vec::new()) };
}

/// Records an error and carries on. Not so in the run OpenSSL starts to
/// check a CRL issuer's own path (extended CRL support): there an error
/// must fail that path, so that its CRL is not believed (OpenSSL then
/// reports "CRL path validation error" at the certificate concerned).
unsafe extern "C" fn record(ok: c_int, ctx: *mut ffi::X509_STORE_CTX) -> c_int {
    // SAFETY: OpenSSL calls this with a live context.
    if !unsafe { X509_STORE_CTX_get0_parent_ctx(ctx) }.is_null() {
        return ok;
    }
    if ok == 0 {
        // SAFETY: OpenSSL calls this with the context of the running
        // verification.
        let (code, depth) = unsafe {
            (
                ffi::X509_STORE_CTX_get_error(ctx),
                ffi::X509_STORE_CTX_get_error_depth(ctx),
            )
        };
        FINDINGS.with(|f| f.borrow_mut().push((code, depth)));
    }
    1
}

fn error_text(code: c_int) -> String {
    // SAFETY: X509_verify_cert_error_string returns a static string for
    // any code.
    unsafe {
        std::ffi::CStr::from_ptr(ffi::X509_verify_cert_error_string(code as _))
            .to_string_lossy()
            .into_owned()
    }
}

/// A raw stack borrowing CRLs for one run (set0: neither the stack nor the
/// context takes ownership; the stack is freed here, the CRLs by their
/// owners).
struct CrlStack(*mut ffi::OPENSSL_STACK);

impl CrlStack {
    fn new(crls: &[X509Crl]) -> Result<CrlStack, ErrorStack> {
        // SAFETY: a fresh empty stack; pushing pointers the caller keeps
        // alive for the run.
        unsafe {
            let stack = ffi::OPENSSL_sk_new_null();
            if stack.is_null() {
                return Err(ErrorStack::get());
            }
            let stack = CrlStack(stack);
            for crl in crls {
                if ffi::OPENSSL_sk_push(stack.0, crl.as_ptr() as *const _) <= 0 {
                    return Err(ErrorStack::get());
                }
            }
            Ok(stack)
        }
    }
}

impl Drop for CrlStack {
    fn drop(&mut self) {
        // SAFETY: made by OPENSSL_sk_new_null; the elements are not owned.
        unsafe { ffi::OPENSSL_sk_free(self.0) }
    }
}

/// Verifies `cert` against the anchors of `store` (partial chains
/// allowed: any certificate in the store is an anchor), with `untrusted`
/// to complete the path and the CRL issuers' paths. `Err` when OpenSSL
/// could not run at all (e.g. an unsupported key: DSA parameters inherited
/// from the issuer).
pub fn verify(
    store: &X509StoreRef,
    cert: &X509,
    untrusted: &Stack<X509>,
    run: &Run<'_>,
) -> Result<Verification, ErrorStack> {
    let mut flags = X509VerifyFlags::PARTIAL_CHAIN | X509VerifyFlags::POLICY_CHECK;
    if run.crls.is_some() {
        flags |= X509VerifyFlags::CRL_CHECK
            | X509VerifyFlags::CRL_CHECK_ALL
            | X509VerifyFlags::EXTENDED_CRL_SUPPORT
            | X509VerifyFlags::USE_DELTAS;
    }
    if run.policies.explicit_policy {
        flags |= X509VerifyFlags::EXPLICIT_POLICY;
    }
    if run.policies.inhibit_policy_mapping {
        flags |= X509VerifyFlags::INHIBIT_MAP;
    }
    if run.policies.inhibit_any_policy {
        flags |= X509VerifyFlags::INHIBIT_ANY;
    }
    // Without a policy set OpenSSL starts from an empty one, not anyPolicy
    // (§6.1.1 (c)): name anyPolicy when no policy is required.
    let mut policies = Vec::new();
    for oid in &run.policies.initial_policies {
        policies.push(Asn1Object::from_str(oid)?);
    }
    if policies.is_empty() {
        policies.push(Asn1Object::from_str(ANY_POLICY)?);
    }
    let crls = run.crls.map(CrlStack::new).transpose()?;
    let at = run.at.timestamp();
    FINDINGS.with(|f| f.borrow_mut().clear());
    let mut ctx = X509StoreContext::new()?;
    let chain = ctx.init(store, cert, untrusted, |c| {
        // SAFETY: the context is initialised; the parameters are its own;
        // add0_policy takes ownership of each object (hence into_ptr); the
        // CRL stack outlives the run.
        unsafe {
            let raw = c.as_ptr();
            let param = X509_STORE_CTX_get0_param(raw);
            if ffi::X509_VERIFY_PARAM_set_flags(param, flags.bits()) != 1 {
                return Err(ErrorStack::get());
            }
            ffi::X509_VERIFY_PARAM_set_time(param, at as _);
            for policy in policies.drain(..) {
                let ptr = policy.as_ptr();
                std::mem::forget(policy);
                if X509_VERIFY_PARAM_add0_policy(param, ptr) != 1 {
                    ffi::ASN1_OBJECT_free(ptr);
                    return Err(ErrorStack::get());
                }
            }
            if let Some(crls) = &crls {
                X509_STORE_CTX_set0_crls(raw, crls.0 as *mut ffi::stack_st_X509_CRL);
            }
            X509_STORE_CTX_set_verify_cb(raw, Some(record));
        }
        c.verify_cert()?;
        Ok(c.chain()
            .map(|s| s.iter().map(|x| x.to_owned()).collect::<Vec<X509>>())
            .unwrap_or_default())
    });
    let findings = FINDINGS.with(|f| std::mem::take(&mut *f.borrow_mut()));
    let chain = chain?;
    Ok(Verification {
        chain,
        findings: findings
            .into_iter()
            .map(|(code, depth)| Finding {
                code,
                depth: usize::try_from(depth).unwrap_or(0),
                message: error_text(code),
            })
            .collect(),
    })
}

/// What a finding is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// No path to an anchor.
    NoPath,
    /// A certificate's signature does not verify.
    Signature,
    /// A certificate's validity window (the policy judges windows itself).
    Time,
    /// Revocation: a CRL says revoked, or no usable CRL.
    Revocation,
    /// Anything else: CA and key-usage constraints, path length, names,
    /// policies, unknown critical extensions.
    Constraints,
}

/// The kind of an `X509_V_ERR_*` code.
pub fn kind(code: c_int) -> Kind {
    use ffi::*;
    match code {
        X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT
        | X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY
        | X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE
        | X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT
        | X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN
        | X509_V_ERR_CERT_CHAIN_TOO_LONG
        | X509_V_ERR_CERT_UNTRUSTED
        | X509_V_ERR_CERT_REJECTED => Kind::NoPath,
        X509_V_ERR_UNABLE_TO_DECRYPT_CERT_SIGNATURE
        | X509_V_ERR_UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY
        | X509_V_ERR_CERT_SIGNATURE_FAILURE => Kind::Signature,
        X509_V_ERR_CERT_NOT_YET_VALID
        | X509_V_ERR_CERT_HAS_EXPIRED
        | X509_V_ERR_ERROR_IN_CERT_NOT_BEFORE_FIELD
        | X509_V_ERR_ERROR_IN_CERT_NOT_AFTER_FIELD => Kind::Time,
        X509_V_ERR_UNABLE_TO_GET_CRL
        | X509_V_ERR_UNABLE_TO_DECRYPT_CRL_SIGNATURE
        | X509_V_ERR_CRL_SIGNATURE_FAILURE
        | X509_V_ERR_CRL_NOT_YET_VALID
        | X509_V_ERR_CRL_HAS_EXPIRED
        | X509_V_ERR_ERROR_IN_CRL_LAST_UPDATE_FIELD
        | X509_V_ERR_ERROR_IN_CRL_NEXT_UPDATE_FIELD
        | X509_V_ERR_CERT_REVOKED
        | X509_V_ERR_UNABLE_TO_GET_CRL_ISSUER
        | X509_V_ERR_KEYUSAGE_NO_CRL_SIGN
        | X509_V_ERR_UNHANDLED_CRITICAL_CRL_EXTENSION
        | X509_V_ERR_DIFFERENT_CRL_SCOPE
        | X509_V_ERR_CRL_PATH_VALIDATION_ERROR => Kind::Revocation,
        _ => Kind::Constraints,
    }
}
