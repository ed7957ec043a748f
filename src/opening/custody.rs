//! Custody of a tender's opening key: a fresh RSA key pair whose
//! certificate bidders encrypt to, its private key split k-of-n (Shamir)
//! and each share encrypted to one custodian's certificate as CMS
//! EnvelopedData (`share_envelope`), so a custodian opens theirs with plain
//! `openssl cms -decrypt` or in the browser. The whole private key exists only in memory while
//! it is split, and that memory is wiped; only encrypted shares leave.
//!
//! No clock read here: the validity period is a parameter.

use super::shamir::{self, Share};
use chrono::{DateTime, Utc};
use openssl::asn1::Asn1Time;
use openssl::bn::BigNum;
use openssl::hash::MessageDigest;
use openssl::pkey::{PKey, Private};
use openssl::rsa::Rsa;
use openssl::x509::extension::{BasicConstraints, KeyUsage};
use openssl::x509::{X509, X509NameBuilder};

/// Overwrites secret bytes so they do not linger in freed memory.
pub fn wipe(bytes: &mut [u8]) {
    for b in bytes.iter_mut() {
        // SAFETY: `b` is a valid, aligned, exclusive reference to a byte.
        unsafe { std::ptr::write_volatile(b, 0) };
    }
    std::sync::atomic::compiler_fence(std::sync::atomic::Ordering::SeqCst);
}

/// A custodian: who they are and the certificate their share is encrypted to.
pub struct Custodian {
    pub label: String,
    pub certificate: X509,
}

/// A share encrypted to its custodian.
pub struct EncryptedShare {
    pub custodian: String,
    /// The share's evaluation point (public: it says nothing of the key).
    pub x: u8,
    /// CMS EnvelopedData (DER) of the share: one byte `x`, then `y`.
    pub cms_der: Vec<u8>,
    /// SHA-256 (hex) of the plain share (`x` then `y`): a commitment that
    /// lets a released share be checked on its own, before k are in.
    pub share_sha256: String,
}

/// What remains of an opening key after custody: the certificate bidders
/// encrypt to, and the encrypted shares.
pub struct OpeningKey {
    pub certificate: X509,
    pub threshold: usize,
    pub shares: Vec<EncryptedShare>,
}

#[derive(Debug, thiserror::Error)]
pub enum CustodyError {
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Shamir(#[from] shamir::ShamirError),
    #[error("openssl: {0}")]
    Crypto(#[from] openssl::error::ErrorStack),
}

/// A self-signed certificate for `key`, for key encipherment only.
pub fn self_signed(
    key: &PKey<Private>,
    subject: &str,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<X509, CustodyError> {
    let mut name = X509NameBuilder::new()?;
    name.append_entry_by_text("C", "CN")?;
    name.append_entry_by_text("CN", subject)?;
    let name = name.build();
    let mut builder = X509::builder()?;
    builder.set_version(2)?;
    let mut serial = BigNum::new()?;
    serial.rand(127, openssl::bn::MsbOption::MAYBE_ZERO, false)?;
    let serial = serial.to_asn1_integer()?;
    builder.set_serial_number(&serial)?;
    builder.set_subject_name(&name)?;
    builder.set_issuer_name(&name)?;
    builder.set_pubkey(key)?;
    let (not_before, not_after) = (
        Asn1Time::from_unix(from.timestamp())?,
        Asn1Time::from_unix(until.timestamp())?,
    );
    builder.set_not_before(&not_before)?;
    builder.set_not_after(&not_after)?;
    builder.append_extension(BasicConstraints::new().critical().build()?)?;
    builder.append_extension(KeyUsage::new().critical().key_encipherment().build()?)?;
    builder.sign(key, MessageDigest::sha256())?;
    Ok(builder.build())
}

/// A fresh RSA-3072 key pair for one opening key, not yet in custody.
/// Making it is the slow part of custody (0.3–1.7 s), so it can be made
/// ahead, off any transaction ([`super::keypool`]). It is only ever in
/// memory, is used for one tender, and OpenSSL clears its private parts
/// when it is freed.
pub struct FreshKey(PKey<Private>);

impl FreshKey {
    pub fn generate() -> Result<FreshKey, CustodyError> {
        Ok(FreshKey(PKey::from_rsa(Rsa::generate(3072)?)?))
    }

    /// SHA-256 (hex) of the public key (SubjectPublicKeyInfo, DER): what
    /// the opening certificate will carry.
    pub fn public_sha256(&self) -> Result<String, CustodyError> {
        Ok(crate::identity::hex(&openssl::sha::sha256(
            &self.0.public_key_to_der()?,
        )))
    }
}

/// Makes an opening key for `subject`, valid from `from` until `until`, and
/// puts its private key in the custody of `custodians`, `threshold` of whom
/// are needed to open.
pub fn create(
    subject: &str,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
    threshold: usize,
    custodians: &[Custodian],
) -> Result<OpeningKey, CustodyError> {
    create_with(
        FreshKey::generate()?,
        subject,
        from,
        until,
        threshold,
        custodians,
    )
}

/// [`create`] with a key pair made beforehand: the certificate, the split
/// and the encryption of each share (milliseconds), after which the whole
/// private key is gone.
pub fn create_with(
    key: FreshKey,
    subject: &str,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
    threshold: usize,
    custodians: &[Custodian],
) -> Result<OpeningKey, CustodyError> {
    if until <= from {
        return Err(CustodyError::Invalid(
            "the opening key must be valid for some time".into(),
        ));
    }
    let n = custodians.len();
    if !(2..=n).contains(&threshold) {
        return Err(CustodyError::Invalid(format!(
            "{threshold} of {n} custodians: the threshold must be between 2 and the number of custodians"
        )));
    }
    let FreshKey(key) = key;
    let certificate = self_signed(&key, subject, from, until)?;
    let mut der = key.private_key_to_der()?;
    drop(key);
    let split = shamir::split(&der, threshold, n, |buf| {
        openssl::rand::rand_bytes(buf).map_err(|e| e.to_string())
    });
    wipe(&mut der);
    let mut shares = split?;
    let mut encrypted = Vec::with_capacity(n);
    let mut result = Ok(());
    for (share, custodian) in shares.iter().zip(custodians) {
        let mut plain = Vec::with_capacity(share.y.len() + 1);
        plain.push(share.x);
        plain.extend_from_slice(&share.y);
        let share_sha256 = share_digest(&plain);
        let sealed = super::share_envelope::seal(&custodian.certificate, &plain);
        wipe(&mut plain);
        match sealed {
            Ok(cms_der) => encrypted.push(EncryptedShare {
                custodian: custodian.label.clone(),
                x: share.x,
                cms_der,
                share_sha256,
            }),
            Err(e) => {
                result = Err(CustodyError::Crypto(e));
                break;
            }
        }
    }
    for share in &mut shares {
        wipe(&mut share.y);
    }
    result?;
    Ok(OpeningKey {
        certificate,
        threshold,
        shares: encrypted,
    })
}

/// A released share's bytes (`x` then `y`), wiped when dropped.
pub struct PlainShare(Vec<u8>);

impl PlainShare {
    pub fn new(bytes: Vec<u8>) -> PlainShare {
        PlainShare(bytes)
    }

    pub fn bytes(&self) -> &[u8] {
        &self.0
    }
}

impl Drop for PlainShare {
    fn drop(&mut self) {
        wipe(&mut self.0);
    }
}

/// SHA-256 (hex) of a plain share as a custodian releases it.
pub fn share_digest(plain: &[u8]) -> String {
    crate::identity::hex(&openssl::sha::sha256(plain))
}

/// Whether CMS can encrypt to this certificate's key (RSA key transport or
/// EC key agreement); SM2 certificates cannot receive OpenSSL CMS envelopes.
pub fn can_receive(certificate: &X509) -> bool {
    let Ok(key) = certificate.public_key() else {
        return false;
    };
    match key.id() {
        openssl::pkey::Id::RSA => key.bits() >= 2048,
        openssl::pkey::Id::EC => key
            .ec_key()
            .map(|ec| ec.group().curve_name() != Some(openssl::nid::Nid::SM2))
            .unwrap_or(false),
        _ => false,
    }
}

/// Reads a decrypted share (`x` then `y`, as a custodian's `openssl cms
/// -decrypt` prints it).
pub fn read_share(plain: &[u8]) -> Result<Share, CustodyError> {
    match plain.split_first() {
        Some((&x, y)) if x != 0 && !y.is_empty() => Ok(Share { x, y: y.to_vec() }),
        _ => Err(CustodyError::Invalid(
            "not a share: one byte x (1..=255) and the share bytes".into(),
        )),
    }
}

/// Rebuilds the opening private key from released shares and checks it is
/// the key of `certificate`.
pub fn reconstruct(shares: &[Share], certificate: &X509) -> Result<PKey<Private>, CustodyError> {
    let mut der = shamir::combine(shares)?;
    let key = PKey::private_key_from_der(&der);
    wipe(&mut der);
    let key = key.map_err(|_| {
        CustodyError::Invalid("the shares do not rebuild a key: too few, or not of this key".into())
    })?;
    if !certificate.public_key()?.public_eq(&key) {
        return Err(CustodyError::Invalid(
            "the rebuilt key is not the opening certificate's".into(),
        ));
    }
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use openssl::cms::CmsContentInfo;
    use std::process::Command;

    fn openssl(dir: &std::path::Path, args: &[&str]) -> Vec<u8> {
        let out = Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    }

    /// Custodian certificates made by the openssl command line.
    fn custodians(dir: &std::path::Path, names: &[&str]) -> Vec<Custodian> {
        names
            .iter()
            .map(|name| {
                openssl(
                    dir,
                    &[
                        "req",
                        "-x509",
                        "-newkey",
                        "rsa:2048",
                        "-nodes",
                        "-keyout",
                        &format!("{name}.key"),
                        "-out",
                        &format!("{name}.pem"),
                        "-subj",
                        &format!("/CN={name}"),
                        "-days",
                        "30",
                    ],
                );
                Custodian {
                    label: name.to_string(),
                    certificate: X509::from_pem(
                        &std::fs::read(dir.join(format!("{name}.pem"))).unwrap(),
                    )
                    .unwrap(),
                }
            })
            .collect()
    }

    #[test]
    fn custodians_open_their_shares_with_openssl_and_k_of_them_rebuild_the_key() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let people = custodians(d, &["agent", "supervisor", "platform"]);
        let now = Utc::now();
        let key = create(
            "Opening key of T-1",
            now,
            now + chrono::Duration::days(60),
            2,
            &people,
        )
        .unwrap();
        assert_eq!(key.shares.len(), 3);
        // Each custodian decrypts their own share with the plain CLI.
        let plain: Vec<Vec<u8>> = key
            .shares
            .iter()
            .map(|s| {
                let file = format!("{}.share.der", s.custodian);
                std::fs::write(d.join(&file), &s.cms_der).unwrap();
                openssl(
                    d,
                    &[
                        "cms",
                        "-decrypt",
                        "-binary",
                        "-inform",
                        "DER",
                        "-in",
                        &file,
                        "-recip",
                        &format!("{}.pem", s.custodian),
                        "-inkey",
                        &format!("{}.key", s.custodian),
                    ],
                )
            })
            .collect();
        // Any two rebuild the key of the certificate; one does not.
        for pair in [[0, 1], [0, 2], [1, 2]] {
            let shares: Vec<Share> = pair
                .iter()
                .map(|&i| read_share(&plain[i]).unwrap())
                .collect();
            let private = reconstruct(&shares, &key.certificate).unwrap();
            assert!(key.certificate.public_key().unwrap().public_eq(&private));
        }
        let one = [read_share(&plain[0]).unwrap()];
        assert!(reconstruct(&one, &key.certificate).is_err());
        // A share opened with the wrong custodian's key fails in openssl.
        std::fs::write(d.join("x.der"), &key.shares[0].cms_der).unwrap();
        let wrong = Command::new("openssl")
            .args([
                "cms",
                "-decrypt",
                "-inform",
                "DER",
                "-in",
                "x.der",
                "-recip",
                "supervisor.pem",
                "-inkey",
                "supervisor.key",
            ])
            .current_dir(d)
            .output()
            .unwrap();
        assert!(!wrong.status.success());
        // Bidders can encrypt to the opening certificate with plain openssl.
        std::fs::write(d.join("opening.pem"), key.certificate.to_pem().unwrap()).unwrap();
        std::fs::write(d.join("bid.txt"), "投标报价 1000 元").unwrap();
        openssl(
            d,
            &[
                "cms",
                "-encrypt",
                "-binary",
                "-aes-256-cbc",
                "-in",
                "bid.txt",
                "-outform",
                "DER",
                "-out",
                "bid.p7m",
                "opening.pem",
            ],
        );
        let shares: Vec<Share> = plain[1..].iter().map(|p| read_share(p).unwrap()).collect();
        let private = reconstruct(&shares, &key.certificate).unwrap();
        let bid = CmsContentInfo::from_der(&std::fs::read(d.join("bid.p7m")).unwrap()).unwrap();
        assert_eq!(
            bid.decrypt(&private, &key.certificate).unwrap(),
            "投标报价 1000 元".as_bytes()
        );
    }

    #[test]
    fn bad_custody_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let people = custodians(dir.path(), &["a", "b"]);
        let now = Utc::now();
        let later = now + chrono::Duration::days(1);
        assert!(create("T", now, later, 3, &people).is_err());
        assert!(create("T", now, later, 1, &people).is_err());
        assert!(create("T", later, now, 2, &people).is_err());
        assert!(read_share(&[]).is_err());
        assert!(read_share(&[0, 1, 2]).is_err());
        assert!(read_share(&[1]).is_err());
        let mut secret = vec![7u8; 16];
        wipe(&mut secret);
        assert!(secret.iter().all(|&b| b == 0));
    }
}
