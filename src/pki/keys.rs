//! The platform's own signing keys (trust lists now; checkpoints and
//! receipts later), kept as PEM files under `<data_dir>/keys`, made on first
//! use with owner-only permissions. Production may place its own keys there.

use anyhow::Context;
use openssl::hash::MessageDigest;
use openssl::pkey::{PKey, Private, Public};
use openssl::rsa::Rsa;
use openssl::sign::{Signer, Verifier};
use std::path::Path;

/// An RSA signing key (RS256 in JWS terms).
pub struct SigningKey {
    key: PKey<Private>,
    /// SHA-256 of the DER SubjectPublicKeyInfo, hex: the key id.
    pub key_id: String,
    pub public_pem: String,
}

impl SigningKey {
    /// Loads `<dir>/<name>.pem`, or makes a 3072-bit RSA key there.
    pub fn load_or_create(dir: &Path, name: &str) -> anyhow::Result<SigningKey> {
        Self::from_key(load_or_create_rsa(dir, name)?)
    }

    pub fn from_key(key: PKey<Private>) -> anyhow::Result<SigningKey> {
        anyhow::ensure!(
            key.id() == openssl::pkey::Id::RSA && key.bits() >= 2048,
            "the platform signing key must be RSA of 2048 bits or more (it signs RS256)"
        );
        let spki = key.public_key_to_der()?;
        Ok(SigningKey {
            key_id: crate::identity::hex(&openssl::sha::sha256(&spki)),
            public_pem: String::from_utf8(key.public_key_to_pem()?)?,
            key,
        })
    }

    /// RSASSA-PKCS1-v1_5 with SHA-256 over `data`.
    pub fn sign(&self, data: &[u8]) -> anyhow::Result<Vec<u8>> {
        let mut signer = Signer::new(MessageDigest::sha256(), &self.key)?;
        signer.update(data)?;
        Ok(signer.sign_to_vec()?)
    }
}

/// Loads the private key `<dir>/<name>.pem`, or makes a 3072-bit RSA key
/// there (owner-only permissions).
pub fn load_or_create_rsa(dir: &Path, name: &str) -> anyhow::Result<PKey<Private>> {
    let path = dir.join(format!("{name}.pem"));
    if path.exists() {
        let pem = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
        return PKey::private_key_from_pem(&pem)
            .with_context(|| format!("{} is not a PEM private key", path.display()));
    }
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let key = PKey::from_rsa(Rsa::generate(3072)?)?;
    write_private(&path, &key.private_key_to_pem_pkcs8()?)?;
    tracing::info!(path = %path.display(), "made a new platform key");
    Ok(key)
}

/// A certificate of the platform's own (subject `C=CN, O=ggzy, CN=subject`)
/// up to its extensions: a random 127-bit serial, `key`'s public key, the
/// issuer's subject (its own when self-signed), valid from an hour before
/// `now` for `days`. The caller adds the extensions and signs.
pub fn certificate_builder(
    subject: &str,
    key: &PKey<Private>,
    issuer: Option<&openssl::x509::X509>,
    now: chrono::DateTime<chrono::Utc>,
    days: i64,
) -> anyhow::Result<openssl::x509::X509Builder> {
    use openssl::asn1::Asn1Time;
    use openssl::bn::{BigNum, MsbOption};
    use openssl::x509::{X509, X509NameBuilder};
    let mut name = X509NameBuilder::new()?;
    name.append_entry_by_text("C", "CN")?;
    name.append_entry_by_text("O", "ggzy")?;
    name.append_entry_by_text("CN", subject)?;
    let name = name.build();
    let mut b = X509::builder()?;
    b.set_version(2)?;
    let mut serial = BigNum::new()?;
    serial.rand(127, MsbOption::MAYBE_ZERO, false)?;
    let serial = serial.to_asn1_integer()?;
    b.set_serial_number(&serial)?;
    b.set_subject_name(&name)?;
    b.set_issuer_name(issuer.map_or(&name, |c| c.subject_name()))?;
    b.set_pubkey(key)?;
    let from = Asn1Time::from_unix((now - chrono::Duration::hours(1)).timestamp())?;
    let until = Asn1Time::from_unix((now + chrono::Duration::days(days)).timestamp())?;
    b.set_not_before(&from)?;
    b.set_not_after(&until)?;
    Ok(b)
}

/// The platform timestamp authority's files in `dir`: `tsa.cert.pem` (the
/// TSA certificate, then its root) and `tsa.key.pem`, and the root alone in
/// `tsa-root.cert.pem` (what `openssl ts -verify -CAfile` takes). Made on
/// first use: a root "ggzy platform TSA root" and a TSA certificate under
/// it whose extended key usage is timeStamping alone, critical (RFC 3161).
pub fn ensure_tsa_files(
    dir: &Path,
    now: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<(std::path::PathBuf, std::path::PathBuf)> {
    use openssl::x509::X509;
    use openssl::x509::extension::{BasicConstraints, ExtendedKeyUsage, KeyUsage};
    let (cert_path, key_path) = (dir.join("tsa.cert.pem"), dir.join("tsa.key.pem"));
    if cert_path.exists() && key_path.exists() {
        return Ok((cert_path, key_path));
    }
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let build = |subject: &str,
                 key: &PKey<Private>,
                 issuer: Option<(&X509, &PKey<Private>)>,
                 ca: bool|
     -> anyhow::Result<X509> {
        let days = if ca { 7300 } else { 3650 };
        let mut b = certificate_builder(subject, key, issuer.map(|(c, _)| c), now, days)?;
        if ca {
            b.append_extension(BasicConstraints::new().critical().ca().build()?)?;
            b.append_extension(
                KeyUsage::new()
                    .critical()
                    .key_cert_sign()
                    .crl_sign()
                    .build()?,
            )?;
        } else {
            b.append_extension(BasicConstraints::new().build()?)?;
            b.append_extension(
                KeyUsage::new()
                    .critical()
                    .digital_signature()
                    .non_repudiation()
                    .build()?,
            )?;
            b.append_extension(ExtendedKeyUsage::new().critical().time_stamping().build()?)?;
        }
        b.sign(issuer.map_or(key, |(_, k)| k), MessageDigest::sha256())?;
        Ok(b.build())
    };
    // ECDSA P-256: quick to make, and verified by any RFC 3161 client.
    let p256 = || -> anyhow::Result<PKey<Private>> {
        let group = openssl::ec::EcGroup::from_curve_name(openssl::nid::Nid::X9_62_PRIME256V1)?;
        Ok(PKey::from_ec_key(openssl::ec::EcKey::generate(&group)?)?)
    };
    let root_key = p256()?;
    let root = build("ggzy platform TSA root", &root_key, None, true)?;
    let key = p256()?;
    let cert = build(
        "ggzy platform timestamp authority",
        &key,
        Some((&root, &root_key)),
        false,
    )?;
    drop(root_key);
    let mut chain = cert.to_pem()?;
    chain.extend_from_slice(&root.to_pem()?);
    std::fs::write(dir.join("tsa-root.cert.pem"), root.to_pem()?)?;
    std::fs::write(&cert_path, chain)?;
    let _ = std::fs::remove_file(&key_path);
    write_private(&key_path, &key.private_key_to_pem_pkcs8()?)?;
    tracing::info!(path = %cert_path.display(), "made the platform timestamp authority");
    Ok((cert_path, key_path))
}

/// Installs a timestamp authority's certificate (then `root`) and key as
/// the platform's (the demo puts its GX timestamp authority there).
pub fn install_tsa(dir: &Path, cert: &[u8], root: &[u8], key: &[u8]) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)?;
    let mut chain = cert.to_vec();
    chain.extend_from_slice(root);
    std::fs::write(dir.join("tsa.cert.pem"), chain)?;
    std::fs::write(dir.join("tsa-root.cert.pem"), root)?;
    let key_path = dir.join("tsa.key.pem");
    let _ = std::fs::remove_file(&key_path);
    write_private(&key_path, key)
}

/// Checks an RS256 signature with a PEM public key.
pub fn verify_rs256(public_pem: &[u8], data: &[u8], signature: &[u8]) -> anyhow::Result<bool> {
    let key: PKey<Public> = PKey::public_key_from_pem(public_pem)?;
    let mut verifier = Verifier::new(MessageDigest::sha256(), &key)?;
    verifier.update(data)?;
    Ok(verifier.verify(signature)?)
}

#[cfg(unix)]
pub(crate) fn write_private(path: &Path, pem: &[u8]) -> anyhow::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("creating {}", path.display()))?;
    file.write_all(pem)?;
    Ok(())
}

#[cfg(not(unix))]
pub(crate) fn write_private(path: &Path, pem: &[u8]) -> anyhow::Result<()> {
    std::fs::write(path, pem).with_context(|| format!("creating {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn made_once_then_loaded_and_signatures_verify() {
        let dir = tempfile::tempdir().unwrap();
        let a = SigningKey::load_or_create(dir.path(), "k").unwrap();
        let b = SigningKey::load_or_create(dir.path(), "k").unwrap();
        assert_eq!(a.key_id, b.key_id);
        let sig = a.sign(b"hello").unwrap();
        assert!(verify_rs256(b.public_pem.as_bytes(), b"hello", &sig).unwrap());
        assert!(!verify_rs256(b.public_pem.as_bytes(), b"hellO", &sig).unwrap());
    }
}
