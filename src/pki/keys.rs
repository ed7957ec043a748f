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

/// Checks an RS256 signature with a PEM public key.
pub fn verify_rs256(public_pem: &[u8], data: &[u8], signature: &[u8]) -> anyhow::Result<bool> {
    let key: PKey<Public> = PKey::public_key_from_pem(public_pem)?;
    let mut verifier = Verifier::new(MessageDigest::sha256(), &key)?;
    verifier.update(data)?;
    Ok(verifier.verify(signature)?)
}

#[cfg(unix)]
fn write_private(path: &Path, pem: &[u8]) -> anyhow::Result<()> {
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
fn write_private(path: &Path, pem: &[u8]) -> anyhow::Result<()> {
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
