//! The CMS structures of an envelope, read as a stream with `ber`:
//! SignedData (its content passed on as it streams, the rest kept and
//! verified through `ffi`), EnvelopedData and AuthEnvelopedData (their
//! recipients and cipher), signing times.

use super::ber::{
    Frame, GENERALIZED_TIME, INTEGER, Meter, OCTET_STRING, OID, OctetReader, Reader, SEQUENCE, SET,
    Tag, UTC_TIME, from_io, tlv, to_io,
};
use super::{
    ContentCipher, ContentType, EnvelopeError, EnvelopeInfo, Recipient, RecipientId, RecipientKind,
    Result, Signer, ffi,
};
use chrono::{DateTime, NaiveDate, Utc};
use openssl::sha::Sha256;
use std::io::{self, Read, Write};

/// How much of the input decides what it is.
pub(super) const PREFIX: usize = 64;
/// The most the kept parts of a SignedData may take (each).
pub(super) const MAX_CERTIFICATES: usize = 2 << 20;
pub(super) const MAX_CRLS: usize = 2 << 20;
pub(super) const MAX_SIGNER_INFOS: usize = 1 << 20;
pub(super) const MAX_SMALL: usize = 64 * 1024;

/// Passes what it reads to a writer, counting it and, unless its SHA-256
/// is known otherwise, hashing it.
pub(super) struct Tee<R, W> {
    input: R,
    out: W,
    hasher: Option<Sha256>,
    size: u64,
}

impl<R: Read, W: Write> Tee<R, W> {
    pub(super) fn new(input: R, out: W) -> Self {
        Tee {
            input,
            out,
            hasher: Some(Sha256::new()),
            size: 0,
        }
    }
    /// A tee that only counts: the caller has the SHA-256 already.
    pub(super) fn counting(input: R, out: W) -> Self {
        Tee {
            hasher: None,
            ..Tee::new(input, out)
        }
    }
    pub(super) fn finish(self) -> (Option<[u8; 32]>, u64) {
        (self.hasher.map(Sha256::finish), self.size)
    }
}

impl<R: Read, W: Write> Read for Tee<R, W> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.input.read(buf)?;
        let chunk = buf
            .get(..n)
            .ok_or_else(|| io::Error::other("a reader claimed more than it read"))?;
        self.out
            .write_all(chunk)
            .map_err(|e| to_io(EnvelopeError::Write(e.to_string())))?;
        if let Some(h) = &mut self.hasher {
            h.update(chunk);
        }
        self.size += n as u64;
        Ok(n)
    }
}

/// Passes what it reads through the signature's digest BIOs.
pub(super) struct Digesting<'c, R> {
    input: R,
    digests: &'c mut ffi::DigestChain,
}

impl<R: Read> Read for Digesting<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.input.read(buf)?;
        let chunk = buf
            .get(..n)
            .ok_or_else(|| io::Error::other("a reader claimed more than it read"))?;
        self.digests.update(chunk).map_err(to_io)?;
        Ok(n)
    }
}

/// The content types we tell apart (DER bodies of their OIDs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Oid {
    Signed,
    Enveloped,
    AuthEnveloped,
}

pub(super) mod oid {
    pub const DATA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01];
    pub const SIGNED_DATA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02];
    pub const ENVELOPED_DATA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x03];
    pub const AUTH_ENVELOPED_DATA: &[u8] = &[
        0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x10, 0x01, 0x17,
    ];
    pub const SHA256: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01];
    pub const SHA384: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02];
    pub const SHA512: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03];
    pub const SM3: &[u8] = &[0x2a, 0x81, 0x1c, 0xcf, 0x55, 0x01, 0x83, 0x11];
    pub const SIGNING_TIME: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x05];
    pub const AES_256_CBC: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x01, 0x2a];
    pub const AES_256_GCM: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x01, 0x2e];
}

/// An OID in words, for messages.
pub(super) fn oid_name(body: &[u8]) -> String {
    let known: &[(&[u8], &str)] = &[
        (oid::DATA, "plain data (id-data)"),
        (oid::SIGNED_DATA, "SignedData"),
        (oid::ENVELOPED_DATA, "EnvelopedData"),
        (oid::AUTH_ENVELOPED_DATA, "AuthEnvelopedData"),
        (
            &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x05],
            "DigestedData",
        ),
        (
            &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x06],
            "EncryptedData (password encryption)",
        ),
        (
            &[
                0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x10, 0x01, 0x09,
            ],
            "CompressedData",
        ),
        (
            &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x01, 0x02],
            "AES-128-CBC",
        ),
        (
            &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x01, 0x06],
            "AES-128-GCM",
        ),
        (
            &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x01, 0x16],
            "AES-192-CBC",
        ),
        (&[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x02, 0x05], "MD5"),
        (&[0x2b, 0x0e, 0x03, 0x02, 0x1a], "SHA-1"),
        (
            &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x04],
            "SHA-224",
        ),
        (oid::AES_256_CBC, "AES-256-CBC"),
        (oid::AES_256_GCM, "AES-256-GCM"),
        (
            &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x03, 0x07],
            "3DES-CBC",
        ),
        (&[0x2a, 0x81, 0x1c, 0xcf, 0x55, 0x01, 0x68, 0x02], "SM4-CBC"),
    ];
    known
        .iter()
        .find(|(b, _)| *b == body)
        .map(|(_, name)| (*name).to_string())
        .unwrap_or_else(|| {
            der::asn1::ObjectIdentifier::from_bytes(body)
                .map(|o| format!("the OID {o}"))
                .unwrap_or_else(|_| "an unreadable OID".into())
        })
}

/// What the first bytes of an input say it is.
pub(super) fn content_type_of(prefix: &[u8]) -> Result<Oid> {
    if prefix.is_empty() {
        return Err(EnvelopeError::Empty);
    }
    let hint = if prefix.starts_with(b"-----BEGIN") {
        Some("it is PEM text: send DER (openssl cms … -outform DER)")
    } else if prefix.starts_with(b"MIME-Version") || prefix.starts_with(b"Content-Type") {
        Some("it is S/MIME text: send DER (openssl cms … -outform DER)")
    } else if prefix.starts_with(b"PK\x03\x04") {
        Some("it is a ZIP file: the bid container must be signed and encrypted first")
    } else {
        None
    };
    if let Some(hint) = hint {
        return Err(EnvelopeError::NotCms(hint.into()));
    }
    let meter = Meter::default();
    let mut reader = Reader::with_buffer(prefix, &meter, prefix.len());
    let (oid, _, _) = content_info(&mut reader)?;
    match oid.as_slice() {
        oid::SIGNED_DATA => Ok(Oid::Signed),
        oid::ENVELOPED_DATA => Ok(Oid::Enveloped),
        oid::AUTH_ENVELOPED_DATA => Ok(Oid::AuthEnveloped),
        other => Err(EnvelopeError::NotEncrypted(format!(
            "it is {}, neither signed nor encrypted data",
            oid_name(other)
        ))),
    }
}

/// Reads a ContentInfo's start: its content type, its own frame, and the
/// frame of its `[0] EXPLICIT` content (close that, then the ContentInfo).
pub(super) fn content_info<R: Read>(reader: &mut Reader<'_, R>) -> Result<(Vec<u8>, Frame, Frame)> {
    let what = "the ContentInfo";
    let h = reader.header(what)?;
    if h.tag != SEQUENCE {
        return Err(EnvelopeError::NotCms(
            "it does not start with an ASN.1 SEQUENCE".into(),
        ));
    }
    let ci = reader.enter(&h, 0, what)?;
    let oid = match reader.next(&ci, what)? {
        Some(h) if h.tag == OID => reader.value(&h, 64, what)?,
        _ => {
            return Err(EnvelopeError::NotCms(
                "its SEQUENCE does not start with a content type".into(),
            ));
        }
    };
    let explicit = reader.expect(&ci, Tag::context(0, true), what)?;
    let content = reader.enter(&explicit, ci.depth, what)?;
    Ok((oid, ci, content))
}

/// The parts of a SignedData other than its content, as read (each a
/// whole element, possibly BER).
pub(super) struct SignedParts {
    version: Vec<u8>,
    digest_algorithms: Vec<u8>,
    content_type: Vec<u8>,
    certificates: Option<Vec<u8>>,
    crls: Option<Vec<u8>>,
    signer_infos: Vec<u8>,
}

impl SignedParts {
    /// The same SignedData without its content (detached), in a
    /// ContentInfo; without signers, only what comes before the content.
    pub(super) fn detached(&self, with_signers: bool) -> Vec<u8> {
        let encapsulated = tlv(0x30, &[&self.content_type]);
        let mut body: Vec<&[u8]> = vec![&self.version, &self.digest_algorithms, &encapsulated];
        const NO_SIGNERS: &[u8] = &[0x31, 0x00];
        if with_signers {
            if let Some(certificates) = &self.certificates {
                body.push(certificates);
            }
            if let Some(crls) = &self.crls {
                body.push(crls);
            }
            body.push(&self.signer_infos);
        } else {
            body.push(NO_SIGNERS);
        }
        let signed = tlv(0x30, &body);
        let content_type = tlv(0x06, &[oid::SIGNED_DATA]);
        tlv(0x30, &[&content_type, &tlv(0xa0, &[&signed])])
    }
}

/// Reads an attached SignedData from `reader`, passing its content (as a
/// stream) to `content`, and verifies every signer's signature over it.
/// `content` is told whether SHA-256 is among the signature's digests:
/// then the content's SHA-256 is returned too, and need not be computed
/// twice.
pub(super) fn read_signed<R: Read, T>(
    reader: &mut Reader<'_, R>,
    content: impl FnOnce(&mut dyn Read, bool) -> Result<T>,
) -> Result<(Vec<Signer>, T, Option<[u8; 32]>)> {
    read_signed_over(reader, None, content)
}

/// Reads a detached SignedData from `reader` (one whose encapsulated
/// content is absent) and verifies every signer's signature over
/// `detached`, exactly as [`read_signed`] does over attached content: the
/// same digest algorithms, the same OpenSSL steps. A SignedData that
/// carries content of its own is refused.
pub(super) fn read_detached<R: Read>(
    reader: &mut Reader<'_, R>,
    detached: &[u8],
) -> Result<Vec<Signer>> {
    let (signers, (), _) = read_signed_over(reader, Some(detached), |content, _| {
        io::copy(content, &mut io::sink()).map_err(from_io)?;
        Ok(())
    })?;
    Ok(signers)
}

/// [`read_signed`], or over `detached` content when given.
fn read_signed_over<R: Read, T>(
    reader: &mut Reader<'_, R>,
    detached: Option<&[u8]>,
    content: impl FnOnce(&mut dyn Read, bool) -> Result<T>,
) -> Result<(Vec<Signer>, T, Option<[u8; 32]>)> {
    let what = "the SignedData";
    let (content_type, ci, explicit) = content_info(reader)?;
    if content_type != oid::SIGNED_DATA {
        return Err(EnvelopeError::NotSigned(format!(
            "it is {}",
            oid_name(&content_type)
        )));
    }
    let h = reader.expect(&explicit, SEQUENCE, what)?;
    let sd = reader.enter(&h, explicit.depth, what)?;
    let h = reader.expect(&sd, INTEGER, "the SignedData version")?;
    let version = reader.capture(&h, sd.depth, 16, "the SignedData version")?;
    let h = reader.expect(&sd, SET, "the digest algorithms")?;
    let digest_algorithms = reader.capture(&h, sd.depth, MAX_SMALL, "the digest algorithms")?;
    let digests_sha256 = check_digest_algorithms(&digest_algorithms)?;
    let h = reader.expect(&sd, SEQUENCE, "the encapsulated content")?;
    let encapsulated = reader.enter(&h, sd.depth, "the encapsulated content")?;
    let h = reader.expect(&encapsulated, OID, "the signed content type")?;
    let content_type = reader.capture(&h, encapsulated.depth, 64, "the signed content type")?;
    let next = reader.next(&encapsulated, "the encapsulated content")?;
    if let Some(detached) = detached {
        if next.is_some() {
            return Err(EnvelopeError::Malformed(
                "the signature carries content of its own; a detached signature is expected".into(),
            ));
        }
        let parts = SignedParts {
            version,
            digest_algorithms,
            content_type,
            certificates: None,
            crls: None,
            signer_infos: Vec::new(),
        };
        let mut digests = ffi::DigestChain::new(&parts.detached(false))?;
        let value = {
            let mut digesting = Digesting {
                input: detached,
                digests: &mut digests,
            };
            let value = content(&mut digesting, digests_sha256)?;
            io::copy(&mut digesting, &mut io::sink()).map_err(from_io)?;
            value
        };
        reader.close(&encapsulated, "the encapsulated content")?;
        return read_signers(reader, &sd, &explicit, &ci, parts, digests, value);
    }
    let Some(h) = next else {
        return Err(EnvelopeError::Detached);
    };
    if h.tag != Tag::context(0, true) {
        return Err(EnvelopeError::Malformed(format!(
            "the signed content: expected a [0] element, found {}",
            h.tag
        )));
    }
    let econtent = reader.enter(&h, encapsulated.depth, "the signed content")?;
    let Some(octets) = reader.next(&econtent, "the signed content")? else {
        return Err(EnvelopeError::Malformed(
            "the signed content is missing".into(),
        ));
    };
    let parts = SignedParts {
        version,
        digest_algorithms,
        content_type,
        certificates: None,
        crls: None,
        signer_infos: Vec::new(),
    };
    let mut digests = ffi::DigestChain::new(&parts.detached(false))?;
    let value = {
        let octets = OctetReader::new(reader, &octets, econtent.depth)?;
        let mut digesting = Digesting {
            input: octets,
            digests: &mut digests,
        };
        let value = content(&mut digesting, digests_sha256)?;
        // Whatever the handler left is signed content too.
        io::copy(&mut digesting, &mut io::sink()).map_err(from_io)?;
        value
    };
    reader.close(&econtent, "the signed content")?;
    reader.close(&encapsulated, "the encapsulated content")?;
    read_signers(reader, &sd, &explicit, &ci, parts, digests, value)
}

/// The rest of a SignedData after its content: certificates, CRLs and the
/// signer information, whose signatures are verified over `digests`.
fn read_signers<R: Read, T>(
    reader: &mut Reader<'_, R>,
    sd: &Frame,
    explicit: &Frame,
    ci: &Frame,
    mut parts: SignedParts,
    digests: ffi::DigestChain,
    value: T,
) -> Result<(Vec<Signer>, T, Option<[u8; 32]>)> {
    let what = "the SignedData";
    let digests_sha256 = check_digest_algorithms(&parts.digest_algorithms)?;
    while let Some(h) = reader.next(sd, what)? {
        let first = parts.signer_infos.is_empty();
        if h.tag == Tag::context(0, true) && first && parts.certificates.is_none() {
            parts.certificates =
                Some(reader.capture(&h, sd.depth, MAX_CERTIFICATES, "the certificates")?);
        } else if h.tag == Tag::context(1, true) && first && parts.crls.is_none() {
            parts.crls = Some(reader.capture(&h, sd.depth, MAX_CRLS, "the CRLs")?);
        } else if h.tag == SET && first {
            parts.signer_infos =
                reader.capture(&h, sd.depth, MAX_SIGNER_INFOS, "the signer information")?;
        } else {
            return Err(EnvelopeError::Malformed(format!(
                "unexpected {} in the SignedData",
                h.tag
            )));
        }
    }
    if parts.signer_infos.is_empty() {
        return Err(EnvelopeError::Malformed(
            "the signer information is missing".into(),
        ));
    }
    reader.close(explicit, what)?;
    reader.close(ci, what)?;
    let times = signing_times(&parts.signer_infos)?;
    let signers = ffi::verify(&parts.detached(true), &digests, times)?;
    let sha256 = if digests_sha256 {
        Some(digests.sha256().ok_or_else(|| {
            EnvelopeError::Malformed("the content's SHA-256 cannot be read back".into())
        })?)
    } else {
        None
    };
    Ok((signers, value, sha256))
}

/// The most digest algorithms a SignedData may list (the content is
/// digested once for each).
pub(super) const MAX_DIGEST_ALGORITHMS: usize = 4;

/// Refuses digest algorithms other than SHA-256, SHA-384, SHA-512 and SM3
/// (MD5 and SHA-1 no longer protect a signature), and more than a few.
/// Says whether SHA-256 is one of them.
fn check_digest_algorithms(raw: &[u8]) -> Result<bool> {
    let w = "the digest algorithms";
    let meter = Meter::default();
    let mut r = Reader::with_buffer(raw, &meter, raw.len());
    let h = r.header(w)?;
    let set = r.enter(&h, 0, w)?;
    let mut count = 0;
    let mut sha256 = false;
    while let Some(h) = r.next(&set, w)? {
        count += 1;
        if count > MAX_DIGEST_ALGORITHMS {
            return Err(EnvelopeError::UnsupportedDigest(format!(
                "more than {MAX_DIGEST_ALGORITHMS} digest algorithms"
            )));
        }
        if h.tag != SEQUENCE {
            return Err(EnvelopeError::Malformed(format!("{w}: found {}", h.tag)));
        }
        let alg = r.enter(&h, set.depth, w)?;
        let o = r.expect(&alg, OID, w)?;
        let digest = r.value(&o, 64, w)?;
        if ![oid::SHA256, oid::SHA384, oid::SHA512, oid::SM3].contains(&digest.as_slice()) {
            return Err(EnvelopeError::UnsupportedDigest(oid_name(&digest)));
        }
        sha256 |= digest == oid::SHA256;
        r.skip_rest(&alg, w)?;
    }
    r.expect_end(w)?;
    Ok(sha256)
}

/// Reads an EnvelopedData or AuthEnvelopedData to its end and says how and
/// to whom it is encrypted. Its encrypted content streams into `encrypted`
/// (or past, with `None`); the rest is small and kept,
/// as the same structure without its encrypted content
/// ([`EnvelopeInfo::detached`]), which OpenSSL decrypts with the content
/// given beside it.
pub(super) fn read_enveloped<R: Read>(
    reader: &mut Reader<'_, R>,
    what: &str,
    encrypted: Option<&mut dyn Write>,
) -> Result<EnvelopeInfo> {
    let (content_type, ci, explicit) = content_info(reader).map_err(|e| match e {
        EnvelopeError::NotCms(why) if what != "the envelope" => {
            EnvelopeError::NotEncrypted(format!("{what} is not a CMS envelope: {why}"))
        }
        EnvelopeError::Empty if what != "the envelope" => {
            EnvelopeError::NotEncrypted(format!("{what} is empty"))
        }
        other => other,
    })?;
    let authenticated = match content_type.as_slice() {
        oid::AUTH_ENVELOPED_DATA => true,
        oid::ENVELOPED_DATA => false,
        other => {
            return Err(EnvelopeError::NotEncrypted(format!(
                "{what} is {}",
                oid_name(other)
            )));
        }
    };
    let d = "the encrypted bid";
    let h = reader.expect(&explicit, SEQUENCE, d)?;
    let ed = reader.enter(&h, explicit.depth, d)?;
    // Kept, in order: every element but the encrypted content.
    let mut kept: Vec<Vec<u8>> = Vec::new();
    let h = reader.expect(&ed, INTEGER, d)?;
    kept.push(reader.capture(&h, ed.depth, 16, d)?);
    let mut h = reader.expect_any(&ed, d)?;
    if h.tag == Tag::context(0, true) {
        // originatorInfo: certificates of the sender, not needed but kept.
        kept.push(reader.capture(&h, ed.depth, MAX_CERTIFICATES, "the originator information")?);
        h = reader.expect_any(&ed, d)?;
    }
    if h.tag != SET {
        return Err(EnvelopeError::Malformed(format!(
            "{d}: expected the recipients (a SET), found {}",
            h.tag
        )));
    }
    let raw = reader.capture(&h, ed.depth, MAX_SMALL * 16, "the recipients")?;
    let recipients = parse_recipients(&raw)?;
    kept.push(raw);
    let h = reader.expect(&ed, SEQUENCE, "the encrypted content information")?;
    let eci = reader.enter(&h, ed.depth, "the encrypted content information")?;
    let h = reader.expect(&eci, OID, "the encrypted content type")?;
    let inner_type = reader.capture(&h, eci.depth, 64, "the encrypted content type")?;
    let h = reader.expect(&eci, SEQUENCE, "the content encryption algorithm")?;
    let algorithm = reader.capture(&h, eci.depth, MAX_SMALL, "the content encryption algorithm")?;
    let cipher_oid = algorithm_oid(&algorithm)?;
    let cipher = match (authenticated, cipher_oid.as_slice()) {
        (true, oid::AES_256_GCM) => ContentCipher::Gcm,
        (false, oid::AES_256_CBC) => ContentCipher::Cbc,
        (true, other) => return Err(EnvelopeError::UnsupportedCipher(oid_name(other))),
        (false, other) => {
            return Err(EnvelopeError::UnsupportedCipher(format!(
                "{} in EnvelopedData",
                oid_name(other)
            )));
        }
    };
    kept.push(tlv(0x30, &[&inner_type, &algorithm]));
    match reader.next(&eci, "the encrypted content")? {
        Some(h) if h.tag.class == 2 && h.tag.number == 0 => match encrypted {
            None => reader.skip(&h, eci.depth, "the encrypted content")?,
            Some(encrypted) => {
                let mut octets = OctetReader::implicit(reader, &h, eci.depth)?;
                let mut buf = vec![0u8; COPY_BUFFER];
                loop {
                    let n = octets.read_some(&mut buf)?;
                    if n == 0 {
                        break;
                    }
                    encrypted
                        .write_all(&buf[..n])
                        .map_err(|e| EnvelopeError::Write(e.to_string()))?;
                }
            }
        },
        Some(h) => {
            return Err(EnvelopeError::Malformed(format!(
                "the encrypted content: expected a [0] element, found {}",
                h.tag
            )));
        }
        None => {
            return Err(EnvelopeError::Malformed(
                "the encrypted content is missing (detached)".into(),
            ));
        }
    }
    reader.close(&eci, "the encrypted content information")?;
    // What may follow, once each and in order: in an EnvelopedData its
    // unprotected attributes [1]; in an AuthEnvelopedData the tag (mac)
    // alone. Attributes around the tag are refused: OpenSSL 3.0 reads them
    // at other tags than RFC 5083's and does not authenticate them, so such
    // a bid could not be opened.
    let mut mac = false;
    let mut attributes = false;
    while let Some(h) = reader.next(&ed, d)? {
        let cap = if authenticated {
            if h.tag == OCTET_STRING && !mac {
                mac = true;
                MAX_TAG
            } else if h.tag.class == 2 && (h.tag.number == 1 || h.tag.number == 2) {
                return Err(EnvelopeError::Malformed(
                    "authenticated or unauthenticated attributes in the AuthEnvelopedData are \
                     not supported: send it without them (as openssl cms -encrypt makes it)"
                        .into(),
                ));
            } else {
                return Err(EnvelopeError::Malformed(format!(
                    "unexpected {} after the authentication tag",
                    h.tag
                )));
            }
        } else if h.tag == Tag::context(1, true) && !attributes {
            attributes = true;
            MAX_SMALL * 16
        } else {
            return Err(EnvelopeError::Malformed(format!(
                "unexpected {} after the encrypted content",
                h.tag
            )));
        };
        kept.push(reader.capture(&h, ed.depth, cap, d)?);
    }
    if authenticated && !mac {
        return Err(EnvelopeError::Malformed(
            "the authentication tag is missing".into(),
        ));
    }
    reader.close(&explicit, d)?;
    reader.close(&ci, d)?;
    let parts: Vec<&[u8]> = kept.iter().map(Vec::as_slice).collect();
    let detached = tlv(
        0x30,
        &[
            &tlv(0x06, &[&content_type]),
            &tlv(0xa0, &[&tlv(0x30, &parts)]),
        ],
    );
    // What the opening will hand OpenSSL must be what OpenSSL reads: a bid
    // it could not is refused now, while the bidder can still send another.
    if openssl::cms::CmsContentInfo::from_der(&detached).is_err() {
        return Err(EnvelopeError::Malformed(format!(
            "OpenSSL cannot read the envelope: {}",
            super::openssl_why()
        )));
    }
    let content_type = if authenticated {
        ContentType::AuthEnvelopedData
    } else {
        ContentType::EnvelopedData
    };
    Ok(EnvelopeInfo {
        content_type,
        cipher,
        recipients,
        detached,
    })
}

/// How much encrypted content is passed on at a time.
const COPY_BUFFER: usize = 64 * 1024;
/// The longest authentication tag kept (AES-GCM's is 12 to 16 bytes).
const MAX_TAG: usize = 64;

/// The OID of an AlgorithmIdentifier, read from its bytes.
fn algorithm_oid(raw: &[u8]) -> Result<Vec<u8>> {
    let what = "the content encryption algorithm";
    let meter = Meter::default();
    let mut reader = Reader::with_buffer(raw, &meter, raw.len());
    let h = reader.header(what)?;
    let alg = reader.enter(&h, 0, what)?;
    let h = reader.expect(&alg, OID, what)?;
    reader.value(&h, 64, what)
}

/// The recipients in a RecipientInfos SET (DER or BER).
pub(super) fn parse_recipients(raw: &[u8]) -> Result<Vec<Recipient>> {
    let w = "the recipients";
    let meter = Meter::default();
    let mut r = Reader::with_buffer(raw, &meter, raw.len());
    let h = r.header(w)?;
    let set = r.enter(&h, 0, w)?;
    let mut out = Vec::new();
    while let Some(h) = r.next(&set, w)? {
        if h.tag == SEQUENCE {
            // KeyTransRecipientInfo: version, rid, algorithm, encryptedKey.
            let f = r.enter(&h, set.depth, w)?;
            let v = r.expect(&f, INTEGER, w)?;
            r.value(&v, 8, w)?;
            let id = read_recipient_id(&mut r, &f, false)?;
            r.skip_rest(&f, w)?;
            out.push(Recipient {
                kind: RecipientKind::KeyTransport,
                id: Some(id),
            });
        } else if h.tag == Tag::context(1, true) {
            // KeyAgreeRecipientInfo: version, originator, ukm?, algorithm,
            // recipientEncryptedKeys.
            let f = r.enter(&h, set.depth, w)?;
            let v = r.expect(&f, INTEGER, w)?;
            r.value(&v, 8, w)?;
            let originator = r.expect(&f, Tag::context(0, true), w)?;
            r.skip(&originator, f.depth, w)?;
            let mut h = r.expect_any(&f, w)?;
            if h.tag == Tag::context(1, true) {
                r.skip(&h, f.depth, w)?;
                h = r.expect_any(&f, w)?;
            }
            if h.tag != SEQUENCE {
                return Err(EnvelopeError::Malformed(format!(
                    "{w}: expected the key encryption algorithm, found {}",
                    h.tag
                )));
            }
            r.skip(&h, f.depth, w)?;
            let keys = r.expect(&f, SEQUENCE, w)?;
            let keys = r.enter(&keys, f.depth, w)?;
            while let Some(k) = r.next(&keys, w)? {
                if k.tag != SEQUENCE {
                    return Err(EnvelopeError::Malformed(format!(
                        "{w}: a recipient key is {}",
                        k.tag
                    )));
                }
                let kf = r.enter(&k, keys.depth, w)?;
                let id = read_recipient_id(&mut r, &kf, true)?;
                r.skip_rest(&kf, w)?;
                out.push(Recipient {
                    kind: RecipientKind::KeyAgreement,
                    id: Some(id),
                });
            }
            r.close(&f, w)?;
        } else if h.tag.class == 2 && (2..=4).contains(&h.tag.number) {
            let kind = match h.tag.number {
                2 => "kekri (a shared key)",
                3 => "pwri (a password)",
                _ => "ori (another method)",
            };
            r.skip(&h, set.depth, w)?;
            out.push(Recipient {
                kind: RecipientKind::Other(kind.into()),
                id: None,
            });
        } else {
            return Err(EnvelopeError::Malformed(format!(
                "{w}: a recipient is {}",
                h.tag
            )));
        }
    }
    r.expect_end(w)?;
    Ok(out)
}

/// `issuerAndSerialNumber`, or a subject key identifier (`[0] IMPLICIT
/// OCTET STRING` for key transport, inside `[0] RecipientKeyIdentifier` for
/// key agreement).
pub(super) fn read_recipient_id<R: Read>(
    r: &mut Reader<'_, R>,
    f: &Frame,
    key_agreement: bool,
) -> Result<RecipientId> {
    let w = "a recipient identifier";
    match r.next(f, w)? {
        Some(h) if h.tag == SEQUENCE => {
            let g = r.enter(&h, f.depth, w)?;
            let name = r.expect(&g, SEQUENCE, w)?;
            let issuer = r.capture(&name, g.depth, MAX_SMALL, w)?;
            let serial = r.expect(&g, INTEGER, w)?;
            let serial = r.value(&serial, 64, w)?;
            r.close(&g, w)?;
            Ok(RecipientId::IssuerSerial { issuer, serial })
        }
        Some(h) if !key_agreement && h.tag == Tag::context(0, false) => {
            Ok(RecipientId::SubjectKeyId(r.value(&h, 64, w)?))
        }
        Some(h) if key_agreement && h.tag == Tag::context(0, true) => {
            let g = r.enter(&h, f.depth, w)?;
            let skid = r.expect(&g, OCTET_STRING, w)?;
            let skid = r.value(&skid, 64, w)?;
            r.skip_rest(&g, w)?;
            Ok(RecipientId::SubjectKeyId(skid))
        }
        Some(h) => Err(EnvelopeError::Malformed(format!("{w} is {}", h.tag))),
        None => Err(EnvelopeError::Malformed(format!("{w} is missing"))),
    }
}

/// Each signer's signingTime attribute, in the order of the SignerInfos.
pub(super) fn signing_times(raw: &[u8]) -> Result<Vec<Option<DateTime<Utc>>>> {
    let w = "the signer information";
    let meter = Meter::default();
    let mut r = Reader::with_buffer(raw, &meter, raw.len());
    let h = r.header(w)?;
    let set = r.enter(&h, 0, w)?;
    let mut times = Vec::new();
    while let Some(h) = r.next(&set, w)? {
        if h.tag != SEQUENCE {
            return Err(EnvelopeError::Malformed(format!("{w}: found {}", h.tag)));
        }
        let si = r.enter(&h, set.depth, w)?;
        let version = r.expect(&si, INTEGER, w)?;
        r.value(&version, 8, w)?;
        let sid = r.expect_any(&si, w)?;
        r.skip(&sid, si.depth, w)?;
        let digest = r.expect(&si, SEQUENCE, w)?;
        r.skip(&digest, si.depth, w)?;
        let mut time = None;
        let h = r.expect_any(&si, w)?;
        if h.tag == Tag::context(0, true) {
            let attrs = r.enter(&h, si.depth, w)?;
            while let Some(a) = r.next(&attrs, w)? {
                let af = r.enter(&a, attrs.depth, w)?;
                let t = r.expect(&af, OID, w)?;
                let attr_type = r.value(&t, 64, w)?;
                let values = r.expect(&af, SET, w)?;
                let vf = r.enter(&values, af.depth, w)?;
                if attr_type == oid::SIGNING_TIME {
                    if time.is_some() {
                        return Err(EnvelopeError::Malformed(
                            "a signer gives two signing times".into(),
                        ));
                    }
                    let v = r.expect_any(&vf, w)?;
                    let text = r.value(&v, 64, w)?;
                    time = Some(parse_time(v.tag, &text).ok_or_else(|| {
                        EnvelopeError::Malformed(format!(
                            "the signing time {:?} cannot be read",
                            String::from_utf8_lossy(&text)
                        ))
                    })?);
                    r.close(&vf, "the signing time (one value)")?;
                } else {
                    r.skip_rest(&vf, w)?;
                }
                r.close(&af, w)?;
            }
        } else {
            r.skip(&h, si.depth, w)?;
        }
        r.skip_rest(&si, w)?;
        times.push(time);
    }
    r.expect_end(w)?;
    Ok(times)
}

/// A UTCTime (`YYMMDDHHMMSSZ`, years 1950 to 2049) or GeneralizedTime
/// (`YYYYMMDDHHMMSS[.f]Z`), as DER writes them.
pub(super) fn parse_time(tag: Tag, bytes: &[u8]) -> Option<DateTime<Utc>> {
    let text = std::str::from_utf8(bytes).ok()?;
    let digits = |s: &str| -> Option<u32> {
        s.bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| s.parse().ok())
            .flatten()
    };
    let (year, rest) = if tag == UTC_TIME {
        let yy = digits(text.get(..2)?)?;
        let year = if yy >= 50 { 1900 + yy } else { 2000 + yy };
        (year, text.get(2..)?)
    } else if tag == GENERALIZED_TIME {
        (digits(text.get(..4)?)?, text.get(4..)?)
    } else {
        return None;
    };
    let rest = rest.strip_suffix('Z')?;
    let main = match rest.split_once('.') {
        Some((main, fraction)) if tag == GENERALIZED_TIME && digits(fraction).is_some() => main,
        Some(_) => return None,
        None => rest,
    };
    if main.len() != 10 {
        return None;
    }
    let field = |i: usize| digits(main.get(i..i + 2)?);
    NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, field(0)?, field(2)?)?
        .and_hms_opt(field(4)?, field(6)?, field(8)?)
        .map(|t| t.and_utc())
}
