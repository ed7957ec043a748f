//! The platform's document-signing key: it signs the documents the
//! platform issues in a procedure (the notice of award and the result
//! notices, `tenders::award`) as CMS SignedData (RFC 5652) with the content
//! attached, so that anyone holding a document and the platform's
//! certificate checks it with
//! `openssl cms -verify -inform DER -CAfile documents.cert.pem`.
//!
//! The key is ECDSA P-256 (`documents.key.pem`, owner-only), its certificate
//! self-signed (`documents.cert.pem`): key usage digitalSignature and
//! nonRepudiation, extended key usage emailProtection (what OpenSSL's S/MIME
//! signing purpose asks of a signer), not a CA. The certificate is served at
//! `GET /api/v1/platform/document-signing-certificate`.

use anyhow::Context;
use chrono::{DateTime, Utc};
use openssl::cms::{CMSOptions, CmsContentInfo};
use openssl::hash::MessageDigest;
use openssl::pkey::{PKey, Private};
use openssl::x509::X509;
use std::path::Path;

/// The private key's file in the key folder.
pub const KEY_FILE: &str = "documents.key.pem";
/// The certificate's file in the key folder.
pub const CERT_FILE: &str = "documents.cert.pem";

/// The subject's common name of the platform's document-signing certificate.
pub const SUBJECT: &str = "ggzy platform document signing";

/// Signs the platform's documents.
pub struct DocumentSigner {
    key: PKey<Private>,
    pub certificate: X509,
}

impl DocumentSigner {
    /// Loads the key and certificate from `dir`, making what is missing (a
    /// key, then a certificate for it); refuses a certificate of another key.
    pub fn load_or_create(dir: &Path, now: DateTime<Utc>) -> anyhow::Result<DocumentSigner> {
        let key = load_or_create_key(&dir.join(KEY_FILE))?;
        let cert_path = dir.join(CERT_FILE);
        let certificate = if cert_path.exists() {
            let pem = std::fs::read(&cert_path)
                .with_context(|| format!("reading {}", cert_path.display()))?;
            X509::from_pem(&pem)
                .with_context(|| format!("{} is not a PEM certificate", cert_path.display()))?
        } else {
            let cert = certificate_for(&key, now)?;
            std::fs::write(&cert_path, cert.to_pem()?)
                .with_context(|| format!("writing {}", cert_path.display()))?;
            tracing::info!(path = %cert_path.display(), "made the platform's document-signing certificate");
            cert
        };
        anyhow::ensure!(
            certificate.public_key()?.public_eq(&key),
            "{} is not the certificate of the document-signing key {}",
            cert_path.display(),
            dir.join(KEY_FILE).display()
        );
        Ok(DocumentSigner { key, certificate })
    }

    /// `content` signed as CMS SignedData, DER: the content attached, the
    /// signer's certificate included, signed attributes with the content
    /// type, the signing time and the SHA-256 message digest (OpenSSL's
    /// default digest for a P-256 key).
    pub fn sign(&self, content: &[u8]) -> anyhow::Result<Vec<u8>> {
        let cms = CmsContentInfo::sign(
            Some(&self.certificate),
            Some(&self.key),
            None,
            Some(content),
            CMSOptions::BINARY,
        )
        .context("signing a document")?;
        Ok(cms.to_der()?)
    }

    /// The certificate, PEM.
    pub fn certificate_pem(&self) -> anyhow::Result<Vec<u8>> {
        Ok(self.certificate.to_pem()?)
    }
}

fn load_or_create_key(path: &Path) -> anyhow::Result<PKey<Private>> {
    if path.exists() {
        let pem = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        return PKey::private_key_from_pem(&pem)
            .with_context(|| format!("{} is not a PEM private key", path.display()));
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let group = openssl::ec::EcGroup::from_curve_name(openssl::nid::Nid::X9_62_PRIME256V1)?;
    let key = PKey::from_ec_key(openssl::ec::EcKey::generate(&group)?)?;
    crate::pki::keys::write_private(path, &key.private_key_to_pem_pkcs8()?)?;
    tracing::info!(path = %path.display(), "made a new platform key");
    Ok(key)
}

/// The self-signed certificate of the document-signing key, valid from an
/// hour before `now` for twenty years (a document is checked against it
/// long after it was signed).
fn certificate_for(key: &PKey<Private>, now: DateTime<Utc>) -> anyhow::Result<X509> {
    use openssl::x509::extension::{
        BasicConstraints, ExtendedKeyUsage, KeyUsage, SubjectKeyIdentifier,
    };
    let mut b = crate::pki::keys::certificate_builder(SUBJECT, key, None, now, 365 * 20)?;
    b.append_extension(BasicConstraints::new().critical().build()?)?;
    b.append_extension(
        KeyUsage::new()
            .critical()
            .digital_signature()
            .non_repudiation()
            .build()?,
    )?;
    b.append_extension(ExtendedKeyUsage::new().email_protection().build()?)?;
    let ski = SubjectKeyIdentifier::new().build(&b.x509v3_context(None, None))?;
    b.append_extension(ski)?;
    b.sign(key, MessageDigest::sha256())?;
    Ok(b.build())
}

#[cfg(test)]
mod tests {
    use super::*;
    use openssl::x509::store::X509StoreBuilder;

    fn verify(signer: &DocumentSigner, der: &[u8]) -> Result<Vec<u8>, openssl::error::ErrorStack> {
        let mut store = X509StoreBuilder::new()?;
        store.add_cert(signer.certificate.clone())?;
        let store = store.build();
        let mut cms = CmsContentInfo::from_der(der)?;
        let mut out = Vec::new();
        cms.verify(None, Some(&store), None, Some(&mut out), CMSOptions::BINARY)?;
        Ok(out)
    }

    #[test]
    fn made_once_then_loaded_and_what_it_signs_verifies_against_its_certificate() {
        let dir = tempfile::tempdir().unwrap();
        let now = Utc::now();
        let a = DocumentSigner::load_or_create(dir.path(), now).unwrap();
        let b = DocumentSigner::load_or_create(dir.path(), now).unwrap();
        assert_eq!(
            a.certificate.to_der().unwrap(),
            b.certificate.to_der().unwrap()
        );
        let content = "中标通知书 {\"a\":1}".as_bytes();
        let der = b.sign(content).unwrap();
        assert_eq!(verify(&a, &der).unwrap(), content);
        // One byte changed anywhere in the content: refused.
        let at = der
            .windows(content.len())
            .position(|w| w == content)
            .expect("the content is attached");
        let mut tampered = der.clone();
        tampered[at + 3] ^= 0x01;
        assert!(verify(&a, &tampered).is_err());
        // Another platform's certificate does not verify it.
        let other = tempfile::tempdir().unwrap();
        let c = DocumentSigner::load_or_create(other.path(), now).unwrap();
        assert!(verify(&c, &der).is_err());
    }

    #[test]
    fn a_certificate_of_another_key_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let other = tempfile::tempdir().unwrap();
        DocumentSigner::load_or_create(dir.path(), Utc::now()).unwrap();
        DocumentSigner::load_or_create(other.path(), Utc::now()).unwrap();
        std::fs::copy(other.path().join(CERT_FILE), dir.path().join(CERT_FILE)).unwrap();
        let err = DocumentSigner::load_or_create(dir.path(), Utc::now())
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("is not the certificate"), "{err}");
    }
}
