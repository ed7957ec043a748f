//! The platform as a custodian: its share of every opening key is encrypted
//! to a certificate whose key lives in `<data_dir>/keys`, so an operator can
//! release the platform's share after the deadline, and neither the operator
//! nor anyone else holding only that key can open a bid.

use anyhow::Context;
use chrono::{DateTime, Duration, Utc};
use openssl::cms::CmsContentInfo;
use openssl::pkey::{PKey, Private};
use openssl::x509::X509;
use std::path::Path;

pub struct PlatformCustodian {
    key: PKey<Private>,
    pub certificate: X509,
}

impl PlatformCustodian {
    /// Loads `<dir>/opening-custodian.pem` and its certificate, making them
    /// on first use.
    pub fn load_or_create(dir: &Path, now: DateTime<Utc>) -> anyhow::Result<PlatformCustodian> {
        let key = crate::pki::keys::load_or_create_rsa(dir, "opening-custodian")?;
        let cert_path = dir.join("opening-custodian.cert.pem");
        let certificate = match std::fs::read(&cert_path) {
            Ok(pem) => X509::from_pem(&pem)
                .with_context(|| format!("{} is not a PEM certificate", cert_path.display()))?,
            Err(_) => {
                let cert = super::custody::self_signed(
                    &key,
                    "ggzy platform opening-key custodian",
                    now - Duration::minutes(5),
                    now + Duration::days(365 * 20),
                )?;
                std::fs::write(&cert_path, cert.to_pem()?)
                    .with_context(|| format!("writing {}", cert_path.display()))?;
                cert
            }
        };
        anyhow::ensure!(
            certificate.public_key()?.public_eq(&key),
            "{} is not the certificate of the platform custodian key",
            cert_path.display()
        );
        Ok(PlatformCustodian { key, certificate })
    }

    /// Opens the platform's encrypted share (CMS EnvelopedData).
    pub fn decrypt_share(&self, cms_der: &[u8]) -> anyhow::Result<Vec<u8>> {
        let cms = CmsContentInfo::from_der(cms_der).context("the stored share is not CMS")?;
        cms.decrypt(&self.key, &self.certificate)
            .context("the platform's key does not open this share")
    }
}
