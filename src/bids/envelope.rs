//! The bid envelope: sign, encrypt, sign, with CMS (RFC 5652) as the plain
//! `openssl cms` command line makes it.
//!
//! # The layers
//! 1. **Inner signature**: the container (see `container`) in an attached
//!    `SignedData`, signed by the enterprise certificate, with a
//!    signingTime attribute (`openssl cms -sign -nodetach -binary`).
//! 2. **Encryption** of that DER to the tender's opening certificate:
//!    `AuthEnvelopedData` with AES-256-GCM (RFC 5083/5084;
//!    `openssl cms -encrypt -aes-256-gcm`), or, for older tools,
//!    `EnvelopedData` with AES-256-CBC (`-aes-256-cbc`). Nothing else.
//! 3. **Outer signature** (optional): the encrypted DER in an attached
//!    `SignedData` by the same certificate, so that the platform can tell
//!    on arrival who sent the bid without being able to read it. Without
//!    it, the bid is identified by the uploading bidder's session and
//!    checked fully at opening.
//!
//! Envelopes are DER or BER (indefinite lengths and constructed OCTET
//! STRINGs, as `openssl cms -stream` writes them), never PEM or S/MIME.
//!
//! # Arrival
//! [`unwrap_outer`] reads the upload once, as a stream, with a few hundred
//! KiB of buffers whatever its size: it copies the encrypted content out as
//! it passes, digests it for the outer signature and walks its structure
//! (to find its recipients and cipher), keeps only the small rest
//! (certificates, signer information), and then verifies the outer
//! signature with OpenSSL. It does what `CMS_verify` does with the flags
//! `CMS_NO_SIGNER_CERT_VERIFY | CMS_BINARY`, in the same steps and with the
//! same OpenSSL functions, but over content that has already streamed
//! past: `CMS_dataInit` makes the digest BIOs of the signature's digest
//! algorithms (read before the content), the content is written through
//! them, and afterwards a *detached* `SignedData` re-assembled from the
//! kept parts gives the signer information for `CMS_SignerInfo_verify`
//! (the signature over the signed attributes) and
//! `CMS_SignerInfo_verify_content` (their messageDigest against the
//! digest of what streamed past). Signatures digest with SHA-256, SHA-384,
//! SHA-512 or SM3; MD5 and SHA-1 are refused.
//!
//! # Opening
//! [`decrypt`] has OpenSSL decrypt the ciphertext that
//! [`unwrap_outer_into`] set aside (from a file, beside the envelope's
//! other parts, so that nothing is held whole in memory) and verifies the
//! inner signature the same way as it streams; [`inspect_container`] reads
//! the container and verifies its seal signature against the documents
//! digest.
//!
//! Whether a signer's certificate is valid and recognised at its signing
//! time is not decided here: the caller asks the trust registry with the
//! [`Signer`]s returned (and passes a trust callback for the seal).

use super::container::{self, Container, ContainerError, ScheduleError};
use crate::pki::policy::{Decision, Indication};
use crate::seals::{self, CertRole, DocumentInput, SignatureReport};
use chrono::{DateTime, Utc};
use openssl::cms::{CMSOptions, CmsContentInfo};
use openssl::error::ErrorStack;
use openssl::pkey::{PKey, Private};
use openssl::stack::Stack;
use openssl::x509::{X509, X509Ref};
use serde::Serialize;
use std::io::{self, Read, Write};
use x509_parser::prelude::{FromDer, X509Certificate, X509Name};

use ber::{Meter, Reader, from_io};
use cms::{Oid, PREFIX, Tee, content_type_of, read_detached, read_enveloped, read_signed};

/// Why an envelope is refused. Each variant is one kind of refusal, with a
/// stable [`code`](EnvelopeError::code).
#[derive(Debug, thiserror::Error)]
pub enum EnvelopeError {
    #[error("the bid envelope is empty")]
    Empty,
    #[error("the bid envelope is not CMS: {0}")]
    NotCms(String),
    #[error("the bid envelope is truncated: {0}")]
    Truncated(String),
    #[error("the bid envelope is malformed: {0}")]
    Malformed(String),
    #[error("the bid envelope is not signed: {0}")]
    NotSigned(String),
    #[error(
        "the signature carries no content (a detached signature): sign with -nodetach so that the signed data travels inside"
    )]
    Detached,
    #[error("the signature uses {0}: sign with SHA-256, SHA-384, SHA-512 or SM3")]
    UnsupportedDigest(String),
    #[error("the signature does not verify: {0}")]
    BadSignature(String),
    #[error("the signature does not cover the content: {0}")]
    NotCovered(String),
    #[error("the bid is not encrypted: {0}")]
    NotEncrypted(String),
    #[error(
        "the bid is encrypted with {0}: use AES-256-GCM (AuthEnvelopedData) or AES-256-CBC (EnvelopedData)"
    )]
    UnsupportedCipher(String),
    #[error("the bid is not addressed to this opening certificate: {0}")]
    NotAddressed(String),
    #[error("the bid cannot be decrypted: {0}")]
    CannotDecrypt(String),
    #[error("the inner and outer signatures are not by the same certificate: {0}")]
    SignerMismatch(String),
    #[error(transparent)]
    Container(ContainerError),
    #[error(transparent)]
    Schedule(#[from] ScheduleError),
    #[error("reading the bid envelope failed: {0}")]
    Read(String),
    #[error("writing the bid envelope's content failed: {0}")]
    Write(String),
    /// Making an envelope: bad input or an OpenSSL failure.
    #[error("the bid envelope cannot be made: {0}")]
    Pack(String),
}

impl From<ContainerError> for EnvelopeError {
    fn from(e: ContainerError) -> Self {
        match e {
            ContainerError::BadSchedule(s) => EnvelopeError::Schedule(s),
            other => EnvelopeError::Container(other),
        }
    }
}

impl EnvelopeError {
    /// A stable machine code for this refusal.
    pub fn code(&self) -> &'static str {
        match self {
            EnvelopeError::Empty => "envelope_empty",
            EnvelopeError::NotCms(_) => "envelope_not_cms",
            EnvelopeError::Truncated(_) => "envelope_truncated",
            EnvelopeError::Malformed(_) => "envelope_malformed",
            EnvelopeError::NotSigned(_) => "envelope_not_signed",
            EnvelopeError::Detached => "envelope_detached_signature",
            EnvelopeError::UnsupportedDigest(_) => "envelope_unsupported_digest",
            EnvelopeError::BadSignature(_) => "envelope_bad_signature",
            EnvelopeError::NotCovered(_) => "envelope_content_not_covered",
            EnvelopeError::NotEncrypted(_) => "envelope_not_encrypted",
            EnvelopeError::UnsupportedCipher(_) => "envelope_unsupported_cipher",
            EnvelopeError::NotAddressed(_) => "envelope_not_addressed",
            EnvelopeError::CannotDecrypt(_) => "envelope_cannot_decrypt",
            EnvelopeError::SignerMismatch(_) => "envelope_signer_mismatch",
            EnvelopeError::Container(e) => e.code(),
            EnvelopeError::Schedule(_) => "schedule_invalid",
            EnvelopeError::Read(_) => "envelope_read",
            EnvelopeError::Write(_) => "envelope_write",
            EnvelopeError::Pack(_) => "envelope_pack",
        }
    }
}

type Result<T, E = EnvelopeError> = std::result::Result<T, E>;

/// The OpenSSL errors queued on this thread, in words (and off the queue).
fn openssl_why() -> String {
    let stack = ErrorStack::get();
    if stack.errors().is_empty() {
        "OpenSSL gave no reason".into()
    } else {
        stack.to_string()
    }
}

/// The content encryption of the middle layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ContentCipher {
    /// AES-256-GCM in AuthEnvelopedData.
    Gcm,
    /// AES-256-CBC in EnvelopedData.
    Cbc,
}

/// How a recipient of the encrypted content gets the content key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RecipientKind {
    /// `ktri` (RSA).
    KeyTransport,
    /// `kari` (ECDH).
    KeyAgreement,
    /// `kekri`, `pwri` or `ori`: not a certificate.
    Other(String),
}

/// Which certificate a recipient is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecipientId {
    /// The certificate's issuer (DER of the Name) and serial number (the
    /// content octets of its INTEGER).
    IssuerSerial {
        issuer: Vec<u8>,
        serial: Vec<u8>,
    },
    SubjectKeyId(Vec<u8>),
}

/// One recipient of the encrypted content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient {
    pub kind: RecipientKind,
    /// `None` for recipients that are not certificates.
    pub id: Option<RecipientId>,
}

impl Recipient {
    /// Whether this recipient is `cert`.
    pub fn is(&self, cert: &X509Ref) -> bool {
        match &self.id {
            Some(RecipientId::IssuerSerial { issuer, serial }) => {
                let Ok(der) = cert.to_der() else { return false };
                match X509Certificate::from_der(&der) {
                    Ok((_, parsed)) => {
                        parsed.tbs_certificate.issuer.as_raw() == issuer.as_slice()
                            && parsed.tbs_certificate.raw_serial() == serial.as_slice()
                    }
                    Err(_) => false,
                }
            }
            Some(RecipientId::SubjectKeyId(skid)) => cert
                .subject_key_id()
                .is_some_and(|own| own.as_slice() == skid.as_slice()),
            None => false,
        }
    }

    /// The recipient in words, for messages.
    pub fn describe(&self) -> String {
        match &self.id {
            Some(RecipientId::IssuerSerial { issuer, serial }) => {
                let issuer = X509Name::from_der(issuer)
                    .map(|(_, name)| name.to_string())
                    .unwrap_or_else(|_| "an unreadable issuer".into());
                format!(
                    "the certificate of serial {} issued by {issuer}",
                    crate::identity::hex(serial)
                )
            }
            Some(RecipientId::SubjectKeyId(skid)) => {
                format!(
                    "the certificate of key identifier {}",
                    crate::identity::hex(skid)
                )
            }
            None => match &self.kind {
                RecipientKind::Other(kind) => format!("a {kind} recipient"),
                _ => "an unidentified recipient".into(),
            },
        }
    }
}

/// The CMS content type of the encrypted layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ContentType {
    /// `id-ct-authEnvelopedData` (1.2.840.113549.1.9.16.1.23).
    AuthEnvelopedData,
    /// `id-envelopedData` (1.2.840.113549.1.7.3).
    EnvelopedData,
}

/// What the encrypted layer says about itself (read without decrypting).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvelopeInfo {
    pub content_type: ContentType,
    /// Always AES-256-GCM in AuthEnvelopedData and AES-256-CBC in
    /// EnvelopedData: anything else is refused.
    pub cipher: ContentCipher,
    pub recipients: Vec<Recipient>,
    /// The same ContentInfo without its encrypted content (which goes
    /// beside it to OpenSSL for decrypting: see [`decrypt`]); a few KiB.
    pub detached: Vec<u8>,
}

impl EnvelopeInfo {
    /// Whether `cert` is one of the recipients.
    pub fn addressed_to(&self, cert: &X509Ref) -> bool {
        self.recipients.iter().any(|r| r.is(cert))
    }

    /// `Err(NotAddressed)` unless `cert` is one of the recipients.
    pub fn check_addressed_to(&self, cert: &X509Ref) -> Result<()> {
        if self.addressed_to(cert) {
            return Ok(());
        }
        let to: Vec<String> = self.recipients.iter().map(Recipient::describe).collect();
        Err(EnvelopeError::NotAddressed(format!(
            "it is encrypted to {}",
            if to.is_empty() {
                "nobody".to_string()
            } else {
                to.join("; ")
            }
        )))
    }
}

/// A signer of a `SignedData`, whose signature verified.
#[derive(Clone)]
pub struct Signer {
    /// The certificate the signature verified with (from the envelope);
    /// its validity and issuer are for the trust registry to judge.
    pub certificate: X509,
    /// The signingTime attribute, if the signer put one.
    pub signing_time: Option<DateTime<Utc>>,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signer")
            .field("subject", &self.certificate.subject_name())
            .field("signing_time", &self.signing_time)
            .finish()
    }
}

/// What arrival learned of an upload.
#[derive(Debug)]
pub struct Outer {
    /// The outer signers, or `None` for an envelope sent without the outer
    /// signature (then `content_*` describe the whole upload).
    pub signers: Option<Vec<Signer>>,
    /// The encrypted layer's cipher and recipients.
    pub envelope: EnvelopeInfo,
    /// SHA-256 and size of the encrypted layer written to `content_out`.
    pub content_sha256: [u8; 32],
    pub content_size: u64,
    /// The most bytes held in buffers at once while reading (our own
    /// buffers; OpenSSL's digest state is a few hundred bytes).
    pub peak_buffered: usize,
}

/// An opened bid, held in memory (tests; the opening streams through
/// [`decrypt`]).
#[cfg(test)]
#[derive(Debug)]
pub struct Opened {
    pub envelope: EnvelopeInfo,
    /// The inner signers (one for a bid made as documented).
    pub signers: Vec<Signer>,
    /// The container (a ZIP; see `container`).
    pub container: Vec<u8>,
}

// ---------------------------------------------------------------------------
// Making an envelope
// ---------------------------------------------------------------------------

fn pack_err(what: &str) -> impl FnOnce(ErrorStack) -> EnvelopeError + '_ {
    move |e| EnvelopeError::Pack(format!("{what}: {e}"))
}

/// Signs `container` with the signer's certificate and key (an attached
/// `SignedData` with a signingTime, which OpenSSL takes from the clock;
/// `chain` travels along), encrypts that to `opening_cert` and, if `outer`,
/// signs the encrypted DER again. Returns DER.
pub fn pack(
    container: &[u8],
    signer_cert: &X509,
    signer_key: &PKey<Private>,
    chain: &[X509],
    opening_cert: &X509,
    cipher: ContentCipher,
    outer: bool,
) -> Result<Vec<u8>> {
    let public = signer_cert
        .public_key()
        .map_err(pack_err("the signer certificate's key"))?;
    if !public.public_eq(signer_key) {
        return Err(EnvelopeError::Pack(
            "the key is not the signer certificate's".into(),
        ));
    }
    let mut extra = Stack::new().map_err(pack_err("a certificate stack"))?;
    for cert in chain {
        extra
            .push(cert.clone())
            .map_err(pack_err("a certificate stack"))?;
    }
    let sign = |data: &[u8]| {
        CmsContentInfo::sign(
            Some(signer_cert),
            Some(signer_key),
            Some(&extra),
            Some(data),
            CMSOptions::BINARY,
        )
        .and_then(|cms| cms.to_der())
        .map_err(pack_err("signing"))
    };
    let inner = sign(container)?;
    let mut recipients = Stack::new().map_err(pack_err("a certificate stack"))?;
    recipients
        .push(opening_cert.clone())
        .map_err(pack_err("a certificate stack"))?;
    let symm = match cipher {
        ContentCipher::Gcm => openssl::symm::Cipher::aes_256_gcm(),
        ContentCipher::Cbc => openssl::symm::Cipher::aes_256_cbc(),
    };
    let enveloped = CmsContentInfo::encrypt(&recipients, &inner, symm, CMSOptions::BINARY)
        .and_then(|cms| cms.to_der())
        .map_err(pack_err("encrypting"))?;
    if outer {
        sign(&enveloped)
    } else {
        Ok(enveloped)
    }
}

// ---------------------------------------------------------------------------
// Arrival
// ---------------------------------------------------------------------------

/// Reads an upload: an outer `SignedData` around the encrypted bid, or the
/// encrypted bid itself (`EnvelopedData` or `AuthEnvelopedData`). Copies
/// the encrypted bid to `content_out` as it streams past, verifies the
/// outer signature if there is one (see the module documentation), and
/// says who signed, when they say they did, and to whom and how the bid is
/// encrypted. Memory stays bounded whatever the size of the input.
///
/// The caller then checks [`EnvelopeInfo::check_addressed_to`] with the
/// tender's opening certificate and asks the trust registry about the
/// signers. On error, what was written to `content_out` is to be thrown
/// away.
pub fn unwrap_outer<R: Read, W: Write>(input: R, content_out: W) -> Result<Outer> {
    unwrap_outer_with(input, content_out, None)
}

/// [`unwrap_outer`], also passing the encrypted content's own bytes (the
/// ciphertext, without its CMS framing) to `encrypted` as they stream past:
/// what [`decrypt`] takes with [`EnvelopeInfo::detached`] at the opening.
pub fn unwrap_outer_into<R: Read, W: Write>(
    input: R,
    content_out: W,
    encrypted: &mut dyn Write,
) -> Result<Outer> {
    unwrap_outer_with(input, content_out, Some(encrypted))
}

fn unwrap_outer_with<R: Read, W: Write>(
    mut input: R,
    mut content_out: W,
    encrypted: Option<&mut dyn Write>,
) -> Result<Outer> {
    let meter = Meter::default();
    // Enough of the start to see what the input is; it is read again below.
    let mut prefix = Vec::with_capacity(PREFIX);
    (&mut input)
        .take(PREFIX as u64)
        .read_to_end(&mut prefix)
        .map_err(from_io)?;
    let kind = content_type_of(&prefix)?;
    let input = io::Cursor::new(prefix).chain(input);
    match kind {
        Oid::Signed => {
            let mut reader = Reader::new(input, &meter);
            let (signers, (envelope, hashed, size), digested) =
                read_signed(&mut reader, |content: &mut dyn Read, digests_sha256| {
                    // The signature digests the content; with SHA-256 it
                    // gives the content's hash, which is not taken twice.
                    let mut tee = if digests_sha256 {
                        Tee::counting(content, &mut content_out)
                    } else {
                        Tee::new(content, &mut content_out)
                    };
                    let mut inner = Reader::new(&mut tee, &meter);
                    let envelope = read_enveloped(&mut inner, "the signed content", encrypted)?;
                    inner.expect_end("the encrypted bid inside the signature")?;
                    drop(inner);
                    let (hashed, size) = tee.finish();
                    Ok((envelope, hashed, size))
                })?;
            let sha256 = digested.or(hashed).ok_or_else(|| {
                EnvelopeError::Malformed("the signed content's SHA-256 is missing".into())
            })?;
            reader.expect_end("the envelope")?;
            drop(reader);
            content_out
                .flush()
                .map_err(|e| EnvelopeError::Write(e.to_string()))?;
            Ok(Outer {
                signers: Some(signers),
                envelope,
                content_sha256: sha256,
                content_size: size,
                peak_buffered: meter.peak(),
            })
        }
        Oid::Enveloped | Oid::AuthEnveloped => {
            let mut tee = Tee::new(input, &mut content_out);
            let mut reader = Reader::new(&mut tee, &meter);
            let envelope = read_enveloped(&mut reader, "the envelope", encrypted)?;
            reader.expect_end("the envelope")?;
            drop(reader);
            let (sha256, size) = tee.finish();
            let sha256 = sha256.ok_or_else(|| {
                EnvelopeError::Malformed("the envelope's SHA-256 is missing".into())
            })?;
            content_out
                .flush()
                .map_err(|e| EnvelopeError::Write(e.to_string()))?;
            Ok(Outer {
                signers: None,
                envelope,
                content_sha256: sha256,
                content_size: size,
                peak_buffered: meter.peak(),
            })
        }
    }
}

/// `Err(SignerMismatch)` unless the outer and inner signatures are by the
/// same certificate(s).
pub fn check_same_signer(outer: &[Signer], inner: &[Signer]) -> Result<()> {
    let ders = |signers: &[Signer]| -> Result<Vec<Vec<u8>>> {
        let mut ders = signers
            .iter()
            .map(|s| s.certificate.to_der())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| EnvelopeError::Malformed(format!("a signer certificate: {e}")))?;
        ders.sort();
        ders.dedup();
        Ok(ders)
    };
    if ders(outer)? == ders(inner)? {
        return Ok(());
    }
    let names = |signers: &[Signer]| {
        signers
            .iter()
            .map(|s| subject_of(&s.certificate))
            .collect::<Vec<_>>()
            .join(", ")
    };
    Err(EnvelopeError::SignerMismatch(format!(
        "outside by {}, inside by {}",
        names(outer),
        names(inner)
    )))
}

fn subject_of(cert: &X509Ref) -> String {
    cert.to_der()
        .ok()
        .and_then(|der| {
            X509Certificate::from_der(&der)
                .ok()
                .map(|(_, c)| c.subject().to_string())
        })
        .unwrap_or_else(|| "an unreadable certificate".into())
}

// ---------------------------------------------------------------------------
// Opening
// ---------------------------------------------------------------------------

/// Decrypts a bid and verifies its inner signature, streaming: `envelope`
/// is the bid's encrypted layer as [`unwrap_outer_into`] read it, and
/// `encrypted` the file it wrote the ciphertext to. Checks the bid is
/// addressed to `opening_cert`; OpenSSL decrypts it with `opening_key`
/// (AES-256-GCM, its tag checked, or AES-256-CBC) into the file `signed`;
/// that SignedData is then read and its signature verified over the
/// container, which goes to `container_out` as it streams. Memory stays
/// bounded whatever the size of the bid; on error, what was written to
/// `signed` and `container_out` is to be thrown away. Returns the inner
/// signers.
///
/// [`EnvelopeError::Read`] and [`EnvelopeError::Write`] are the platform's
/// own files failing, not the bid.
pub fn decrypt(
    envelope: &EnvelopeInfo,
    encrypted: &std::path::Path,
    opening_key: &PKey<Private>,
    opening_cert: &X509,
    signed: &std::path::Path,
    container_out: &mut dyn Write,
) -> Result<Vec<Signer>> {
    envelope.check_addressed_to(opening_cert)?;
    ffi::decrypt_detached(
        &envelope.detached,
        encrypted,
        opening_key,
        opening_cert,
        signed,
    )?;
    let file = std::fs::File::open(signed).map_err(|e| EnvelopeError::Read(e.to_string()))?;
    let meter = Meter::default();
    let mut reader = Reader::new(io::BufReader::new(file), &meter);
    let (signers, (), _) = read_signed(&mut reader, |content: &mut dyn Read, _| {
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = content.read(&mut buf).map_err(from_io)?;
            if n == 0 {
                return Ok(());
            }
            container_out
                .write_all(&buf[..n])
                .map_err(|e| EnvelopeError::Write(e.to_string()))?;
        }
    })
    .map_err(|e| match e {
        EnvelopeError::Empty => EnvelopeError::NotSigned("the decrypted content is empty".into()),
        EnvelopeError::NotCms(why) => {
            EnvelopeError::NotSigned(format!("the decrypted content is not CMS: {why}"))
        }
        other => other,
    })?;
    reader.expect_end("the signed bid")?;
    container_out
        .flush()
        .map_err(|e| EnvelopeError::Write(e.to_string()))?;
    Ok(signers)
}

/// Opens an encrypted bid held in memory (`EnvelopedData` or
/// `AuthEnvelopedData`, DER or BER) through [`decrypt`], with scratch files
/// in a temporary folder: for tests.
#[cfg(test)]
pub(crate) fn open(
    enveloped: &[u8],
    opening_key: &PKey<Private>,
    opening_cert: &X509,
) -> Result<Opened> {
    let scratch = tempfile::tempdir().map_err(|e| EnvelopeError::Write(e.to_string()))?;
    let encrypted_path = scratch.path().join("encrypted");
    let mut encrypted =
        std::fs::File::create(&encrypted_path).map_err(|e| EnvelopeError::Write(e.to_string()))?;
    let meter = Meter::default();
    let mut reader = Reader::new(enveloped, &meter);
    let envelope = read_enveloped(&mut reader, "the envelope", Some(&mut encrypted))?;
    reader.expect_end("the envelope")?;
    drop(encrypted);
    let mut container = Vec::new();
    let signers = decrypt(
        &envelope,
        &encrypted_path,
        opening_key,
        opening_cert,
        &scratch.path().join("signed"),
        &mut container,
    )?;
    Ok(Opened {
        envelope,
        signers,
        container,
    })
}

/// Verifies a detached CMS SignedData (DER or BER, as `openssl cms -sign
/// -binary -outform DER` makes it) over `content`, the same way as a bid's
/// signatures (see the module: `CMS_verify` with
/// `CMS_NO_SIGNER_CERT_VERIFY | CMS_BINARY`, SHA-256/384/512 or SM3).
/// Returns the signers; whether their certificates are recognised is the
/// caller's to ask the trust registry. Used for documents signed by
/// parties, such as contracts.
pub fn verify_detached(signed: &[u8], content: &[u8]) -> Result<Vec<Signer>> {
    if signed.is_empty() {
        return Err(EnvelopeError::Empty);
    }
    let meter = Meter::default();
    let mut reader = Reader::new(signed, &meter);
    let signers = read_detached(&mut reader, content)?;
    reader.expect_end("the signature")?;
    Ok(signers)
}

/// What the container's seal signature says.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum SealVerdict {
    /// A seal signature over the documents digest verified; the report
    /// says which seal (`seal`) and when (`signing_time`).
    Sealed { report: Box<SignatureReport> },
    /// No `seal-signature.der`.
    Unsealed,
    /// A seal signature that does not verify, or whose certificates the
    /// trust callback did not accept.
    Invalid {
        reason: String,
        report: Box<SignatureReport>,
    },
}

/// Verifies the container's seal signature, if any, over its documents
/// (the manifest; see `container`). `trust` judges the signer and seal
/// authority certificates at the signing time (the trust registry's
/// business, as in `seals::verify_signature`).
pub fn verify_seal(
    container: &Container,
    trust: impl Fn(&[u8], CertRole, DateTime<Utc>) -> Decision,
) -> SealVerdict {
    let Some(signature) = &container.seal_signature else {
        return SealVerdict::Unsealed;
    };
    let manifest = container.manifest.text();
    let report =
        seals::verify_signature(signature, DocumentInput::Bytes(manifest.as_bytes()), trust);
    if report.decision.indication == Indication::Passed {
        return SealVerdict::Sealed {
            report: Box::new(report),
        };
    }
    let failures: Vec<String> = report
        .decision
        .checks
        .iter()
        .filter(|c| c.result != crate::pki::policy::CheckResult::Passed)
        .map(|c| format!("{}: {}", c.name, c.detail))
        .collect();
    SealVerdict::Invalid {
        reason: format!("{} ({})", report.decision.verdict(), failures.join("; ")),
        report: Box::new(report),
    }
}

/// Reads an opened bid's container (every rule of `container`) and verifies
/// its seal signature.
pub fn inspect_container<R: Read + io::Seek>(
    container: R,
    trust: impl Fn(&[u8], CertRole, DateTime<Utc>) -> Decision,
) -> Result<(Container, SealVerdict)> {
    let container = container::read_from(container, &container::Limits::default())?;
    let verdict = verify_seal(&container, trust);
    Ok((container, verdict))
}

mod ber;
mod cms;
mod ffi;

#[cfg(test)]
mod tests;
