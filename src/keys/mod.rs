//! The platform's identity: the one key set every node of a platform holds
//! (the audit log's key, the trust-list signing key, the timestamp
//! authority, the opening-key custodian, the document-signing key), where a
//! node gets it, and the
//! fingerprints that tell one set from another.
//!
//! A node alone makes its keys on first start under `<data_dir>/keys`. A
//! platform of several nodes makes one set once (`ggzy keys init`) and gives
//! every node that folder (`keys_dir`, `GGZY_KEYS_DIR`): a node then only
//! reads it, and a missing file stops the start. Either way the first node
//! to start records the public keys' fingerprints in the database
//! ([`store`]), and a node holding another key refuses to start.

pub mod cli;
pub mod documents;
pub mod routes;
pub mod store;

use crate::audit::note::LogKey;
use crate::opening::platform::PlatformCustodian;
use crate::pki::keys::SigningKey;
use anyhow::Context;
use chrono::{DateTime, Utc};
use openssl::pkey::{Id, PKey, PKeyRef, Public};
use std::path::{Path, PathBuf};

/// What a platform key is for: one row each in `platform_keys`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Purpose {
    AuditLog,
    TrustList,
    Tsa,
    PlatformCustodian,
    /// Signs the documents of a procedure the platform issues (notices of
    /// award, result notices).
    Documents,
}

impl Purpose {
    pub const ALL: [Purpose; 5] = [
        Purpose::AuditLog,
        Purpose::TrustList,
        Purpose::Tsa,
        Purpose::PlatformCustodian,
        Purpose::Documents,
    ];

    /// The stable code stored in the database.
    pub fn code(self) -> &'static str {
        match self {
            Purpose::AuditLog => "audit_log",
            Purpose::TrustList => "trust_list",
            Purpose::Tsa => "tsa",
            Purpose::PlatformCustodian => "platform_custodian",
            Purpose::Documents => "documents",
        }
    }

    pub fn from_code(code: &str) -> Option<Purpose> {
        Purpose::ALL.into_iter().find(|p| p.code() == code)
    }

    /// The key, in words, with the file it is read from.
    pub fn describe(self) -> &'static str {
        match self {
            Purpose::AuditLog => "audit log's signing key (audit-log.ed25519.pem)",
            Purpose::TrustList => "trust-list signing key (trust-list-signing.pem)",
            Purpose::Tsa => "timestamp authority's key (tsa.cert.pem, tsa.key.pem)",
            Purpose::PlatformCustodian => {
                "opening-key custodian key (opening-custodian.pem, opening-custodian.cert.pem)"
            }
            Purpose::Documents => "document-signing key (documents.key.pem, documents.cert.pem)",
        }
    }
}

/// A public key as the platform knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fingerprint {
    pub purpose: Purpose,
    /// `Ed25519`, `RSA-3072`, `EC-prime256v1`, …
    pub algorithm: String,
    /// SHA-256 of the DER SubjectPublicKeyInfo, lower-case hex.
    pub spki_sha256: String,
}

impl Fingerprint {
    pub fn of(purpose: Purpose, key: &PKey<Public>) -> anyhow::Result<Fingerprint> {
        let spki = key.public_key_to_der().context("encoding a public key")?;
        Ok(Fingerprint {
            purpose,
            algorithm: algorithm(key),
            spki_sha256: crate::identity::hex(&openssl::sha::sha256(&spki)),
        })
    }
}

/// A key's algorithm and size or curve, in a few characters.
pub fn algorithm(key: &PKeyRef<Public>) -> String {
    match key.id() {
        Id::ED25519 => "Ed25519".into(),
        Id::RSA => format!("RSA-{}", key.bits()),
        Id::EC => key
            .ec_key()
            .ok()
            .and_then(|ec| ec.group().curve_name())
            .and_then(|nid| nid.short_name().ok())
            .map_or_else(|| "EC".into(), |curve| format!("EC-{curve}")),
        other => format!("key type {}", other.as_raw()),
    }
}

/// The files of a complete key set, as a node's first start (or `ggzy keys
/// init`) writes them. `tsa: true` marks the timestamp authority's, which
/// `tsa_cert`/`tsa_key` may replace.
pub const FILES: [(&str, bool); 10] = [
    ("audit-log.ed25519.pem", false),
    ("audit-log.name", false),
    ("trust-list-signing.pem", false),
    ("opening-custodian.pem", false),
    ("opening-custodian.cert.pem", false),
    ("tsa.cert.pem", true),
    ("tsa.key.pem", true),
    ("tsa-root.cert.pem", true),
    (documents::KEY_FILE, false),
    (documents::CERT_FILE, false),
];

/// Where a node's platform keys are, and whether it may make them.
#[derive(Debug, Clone)]
pub struct KeyFolder {
    pub dir: PathBuf,
    /// Provisioned for the platform (`keys_dir` set): read, never written.
    pub provisioned: bool,
}

impl KeyFolder {
    pub fn of(config: &crate::config::Config) -> KeyFolder {
        KeyFolder {
            dir: config.keys_dir(),
            provisioned: config.keys_provisioned(),
        }
    }

    /// In a provisioned folder every file of the set must already be there
    /// (the timestamp authority's only when `tsa_configured` is false): the
    /// first missing one is named, with what to do.
    pub fn check_complete(&self, tsa_configured: bool) -> anyhow::Result<()> {
        if !self.provisioned {
            return Ok(());
        }
        let missing = missing_files(&self.dir, tsa_configured);
        let Some(first) = missing.first() else {
            return Ok(());
        };
        if missing.iter().all(|path| is_added_since(path)) {
            anyhow::bail!(
                "the platform key folder {dir} (keys_dir, GGZY_KEYS_DIR) has no {file}: its key \
                 set was made before the platform signed documents. Add the document-signing \
                 key to it once, for every node, with `ggzy keys complete --dir {dir}` (no key \
                 of the set is replaced), then start the nodes",
                dir = self.dir.display(),
                file = first.display(),
            );
        }
        anyhow::bail!(
            "the platform key folder {dir} (keys_dir, GGZY_KEYS_DIR) has no {file}, and a \
             node given a key folder never makes keys: give this node the platform's key \
             folder, every file of it, or for a new platform make one with `ggzy keys init \
             --dir {dir}`",
            dir = self.dir.display(),
            file = first.display(),
        );
    }
}

/// Whether `path` is a file of a purpose added to the key set after the
/// first platforms made theirs (the document-signing key).
fn is_added_since(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| [documents::KEY_FILE, documents::CERT_FILE].contains(&n))
}

/// Adds to the complete key set of an existing platform in `dir` the keys
/// of purposes added since it was made (the document-signing key), with
/// the functions a first start uses: what is missing is made (a
/// certificate for a key that is there); nothing is ever replaced. Refuses a folder missing
/// anything else. Returns the fingerprints of the whole set afterwards.
pub fn complete(dir: &Path, now: DateTime<Utc>) -> anyhow::Result<Vec<Fingerprint>> {
    let missing = missing_files(dir, false);
    if let Some(other) = missing.iter().find(|path| !is_added_since(path)) {
        anyhow::bail!(
            "{} is not a platform key set (no {}): `ggzy keys complete` only adds keys of new \
             purposes to a set; for a new platform use `ggzy keys init`",
            dir.display(),
            other.display()
        );
    }
    let (key, cert) = (
        dir.join(documents::KEY_FILE),
        dir.join(documents::CERT_FILE),
    );
    if !key.exists() && cert.exists() {
        anyhow::bail!(
            "{} has a document-signing certificate but not its key ({}): restore the key, or \
             remove the certificate to have a new pair made",
            dir.display(),
            key.display()
        );
    }
    documents::DocumentSigner::load_or_create(dir, now)
        .context("making the platform's document-signing key")?;
    read(dir)
}

/// The files of the set that `dir` lacks (in [`FILES`] order).
pub fn missing_files(dir: &Path, tsa_configured: bool) -> Vec<PathBuf> {
    FILES
        .iter()
        .filter(|(_, tsa)| !(tsa_configured && *tsa))
        .map(|(name, _)| dir.join(name))
        .filter(|path| !path.exists())
        .collect()
}

/// The platform's signing keys (the timestamp authority apart: the demo
/// data may install its own, so it is loaded after the demo data).
pub struct PlatformKeys {
    /// The folder the keys were read from.
    pub dir: PathBuf,
    pub log_key: LogKey,
    pub signing_key: SigningKey,
    pub custodian: PlatformCustodian,
    pub documents: documents::DocumentSigner,
}

impl PlatformKeys {
    /// Loads the set from `dir`, making what is missing: the functions a
    /// node's first start and `ggzy keys init` both use. `log_name` names a
    /// new audit log (a kept name wins).
    pub fn load_or_create(
        dir: &Path,
        log_name: &str,
        now: DateTime<Utc>,
    ) -> anyhow::Result<PlatformKeys> {
        let custodian = PlatformCustodian::load_or_create(dir, now)
            .context("loading the platform's opening-key custodian key")?;
        let signing_key = SigningKey::load_or_create(dir, "trust-list-signing")
            .context("loading the trust-list signing key")?;
        let log_key =
            LogKey::load_or_create(dir, log_name).context("loading the audit log's signing key")?;
        let documents = documents::DocumentSigner::load_or_create(dir, now)
            .context("loading the platform's document-signing key")?;
        Ok(PlatformKeys {
            dir: dir.to_path_buf(),
            log_key,
            signing_key,
            custodian,
            documents,
        })
    }

    /// The fingerprints of the set and of the timestamp authority `tsa`, in
    /// [`Purpose::ALL`] order.
    pub fn fingerprints(&self, tsa: &crate::tsa::Tsa) -> anyhow::Result<Vec<Fingerprint>> {
        let pem = |pem: &str| PKey::public_key_from_pem(pem.as_bytes());
        Ok(vec![
            Fingerprint::of(Purpose::AuditLog, &pem(&self.log_key.public.public_pem()?)?)?,
            Fingerprint::of(Purpose::TrustList, &pem(&self.signing_key.public_pem)?)?,
            Fingerprint::of(Purpose::Tsa, &tsa.certificate().public_key()?)?,
            Fingerprint::of(
                Purpose::PlatformCustodian,
                &self.custodian.certificate.public_key()?,
            )?,
            Fingerprint::of(
                Purpose::Documents,
                &self.documents.certificate.public_key()?,
            )?,
        ])
    }

    /// Records the set's fingerprints (with `tsa`'s) as the platform's if
    /// they are not recorded yet, as `node`; refuses, changing nothing, when
    /// the platform recorded another key for any purpose.
    pub fn record_or_refuse(
        &self,
        db: &crate::db::Db,
        tsa: &crate::tsa::Tsa,
        node: &str,
        now: DateTime<Utc>,
    ) -> anyhow::Result<()> {
        let mine = self.fingerprints(tsa)?;
        let ctx = crate::audit::AuditContext::system(now);
        let outcome = db
            .write_blocking(|conn| store::record_or_compare(conn, &ctx, node, &mine))
            .map_err(|e| anyhow::anyhow!("recording the platform's key fingerprints: {e}"))?;
        match outcome {
            Ok(recorded) => {
                for fp in recorded {
                    tracing::info!(
                        purpose = fp.purpose.code(),
                        algorithm = fp.algorithm,
                        spki_sha256 = fp.spki_sha256,
                        "recorded as the platform's key"
                    );
                }
                Ok(())
            }
            Err(mismatch) => Err(anyhow::anyhow!(
                "this node's keys (in {}) are not the platform's, so it does not start.\n{mismatch}",
                self.dir.display()
            )),
        }
    }
}

/// Makes the key set of a new platform in `dir` (created if absent, owner
/// only): exactly the files a node's first start would make, with the same
/// functions. Refuses a folder that holds any of them; never replaces a key.
pub fn init(dir: &Path, log_name: &str, now: DateTime<Utc>) -> anyhow::Result<Vec<Fingerprint>> {
    let present: Vec<String> = FILES
        .iter()
        .map(|(name, _)| dir.join(name))
        .filter(|path| path.exists())
        .map(|path| path.display().to_string())
        .collect();
    anyhow::ensure!(
        present.is_empty(),
        "{} already holds platform keys ({}): `ggzy keys init` never replaces a key. Its \
         fingerprints: `ggzy keys fingerprints --dir {}`; for a new platform choose an empty \
         folder",
        dir.display(),
        present.join(", "),
        dir.display()
    );
    if !dir.exists() {
        create_private_dir(dir)?;
    }
    let keys = PlatformKeys::load_or_create(dir, log_name, now)?;
    let (cert, key) = crate::pki::keys::ensure_tsa_files(dir, now)
        .context("making the platform's timestamp authority")?;
    let tsa = crate::tsa::Tsa::load(&cert, &key).context("loading the timestamp authority")?;
    keys.fingerprints(&tsa)
}

/// The fingerprints of the complete set in `dir` (nothing is made).
pub fn read(dir: &Path) -> anyhow::Result<Vec<Fingerprint>> {
    if let Some(missing) = missing_files(dir, false).first() {
        anyhow::bail!(
            "{} is not a complete key set: no {}",
            dir.display(),
            missing.display()
        );
    }
    let keys = PlatformKeys::load_or_create(dir, "unused", Utc::now())?;
    let tsa = crate::tsa::Tsa::load(&dir.join("tsa.cert.pem"), &dir.join("tsa.key.pem"))
        .context("loading the timestamp authority")?;
    keys.fingerprints(&tsa)
}

#[cfg(unix)]
fn create_private_dir(dir: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .with_context(|| format!("creating {}", dir.display()))
}

#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn purposes_have_stable_codes() {
        for p in Purpose::ALL {
            assert_eq!(Purpose::from_code(p.code()), Some(p));
        }
        assert_eq!(Purpose::from_code("tls"), None);
    }

    #[test]
    fn algorithms_are_named() {
        let ed = PKey::generate_ed25519().unwrap();
        let ed = PKey::public_key_from_der(&ed.public_key_to_der().unwrap()).unwrap();
        assert_eq!(algorithm(&ed), "Ed25519");
        let group =
            openssl::ec::EcGroup::from_curve_name(openssl::nid::Nid::X9_62_PRIME256V1).unwrap();
        let ec = PKey::from_ec_key(openssl::ec::EcKey::generate(&group).unwrap()).unwrap();
        let ec = PKey::public_key_from_der(&ec.public_key_to_der().unwrap()).unwrap();
        assert_eq!(algorithm(&ec), "EC-prime256v1");
    }

    #[test]
    fn a_provisioned_folder_must_be_complete_and_names_what_is_missing() {
        let dir = tempfile::tempdir().unwrap();
        let folder = KeyFolder {
            dir: dir.path().to_path_buf(),
            provisioned: true,
        };
        let err = folder.check_complete(false).unwrap_err().to_string();
        assert!(err.contains("audit-log.ed25519.pem"), "{err}");
        assert!(err.contains("ggzy keys init"), "{err}");
        // The default folder is made as needed: nothing is asked of it.
        let default = KeyFolder {
            provisioned: false,
            ..folder.clone()
        };
        default.check_complete(false).unwrap();
        for (name, _) in FILES {
            std::fs::write(dir.path().join(name), b"").unwrap();
        }
        folder.check_complete(false).unwrap();
        std::fs::remove_file(dir.path().join("tsa.key.pem")).unwrap();
        let err = folder.check_complete(false).unwrap_err().to_string();
        assert!(err.contains("tsa.key.pem"), "{err}");
        // A configured timestamp authority stands in for the folder's.
        folder.check_complete(true).unwrap();
    }
}
