//! Opening one bid: read the stored upload, decrypt it with the rebuilt
//! opening key, verify the inner signature (and that it is the outer
//! signer's), judge the signer with the trust registry at the signing time
//! for the tender's league, check the signer is the bidding enterprise, read
//! the container and its seal, and keep the decrypted container where only
//! the tender's evaluators and supervisors can read it. Whatever fails is a
//! reason on the record; the caller goes on with the next bid.

use super::record::{Found, Outcome};
use crate::bids::container::Container;
use crate::bids::envelope::{self, EnvelopeError, SealVerdict};
use crate::bids::store::BidRow;
use crate::pki::identity::{CertIdentity, identity_of};
use crate::pki::policy::Purpose;
use crate::seals::CertRole;
use crate::tenders::store::TenderRow;
use crate::trust::model::ServiceType;
use crate::trust::registry::Snapshot;
use crate::types::LeagueCode;
use chrono::{DateTime, Utc};
use openssl::pkey::{PKey, Private};
use openssl::x509::X509;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Where a tender's decrypted containers are kept: under the folder every
/// node shares, so that evaluation on any node reads what the opening on
/// another kept.
pub fn opened_dir(shared_dir: &Path, tender_id: &str) -> PathBuf {
    shared_dir.join("opened").join(tender_id)
}

/// The decrypted container of a bid, if kept.
pub fn opened_container(shared_dir: &Path, tender_id: &str, bid_id: &str) -> PathBuf {
    opened_dir(shared_dir, tender_id).join(format!("{bid_id}.zip"))
}

/// Deletes a tender's decrypted containers (once evaluation no longer needs
/// them: the tender closed, failed or was cancelled).
pub fn purge_opened(shared_dir: &Path, tender_id: &str) {
    let dir = opened_dir(shared_dir, tender_id);
    if dir.exists()
        && let Err(e) = std::fs::remove_dir_all(&dir)
    {
        tracing::error!(path = %dir.display(), error = %e, "removing decrypted bids");
    }
}

fn revoked(reason: impl Into<String>) -> Found {
    Found {
        outcome: Outcome::Revoked,
        reason: Some(reason.into()),
        signer_subject: None,
        signing_time: None,
        sealed: false,
        seal_name: None,
        total_price_fen: None,
        duration_days: None,
        schedule_json: None,
        documents_manifest: None,
    }
}

/// Everything the opening needs about one bid, apart from the bid.
pub struct Context<'a> {
    pub uploads: &'a crate::bids::upload::Uploads,
    pub shared_dir: &'a Path,
    pub snapshot: &'a Snapshot,
    pub key: &'a PKey<Private>,
    pub certificate: &'a X509,
    pub tender: &'a TenderRow,
}

/// Where one bid's opening writes as it goes, beside the tender's kept
/// containers: the ciphertext, the decrypted SignedData and the container
/// before it is kept. Removed when dropped (the container once kept has
/// been moved away). Their names carry the node and a random part, so that
/// no two nodes on the shared folder ever write to the same scratch file.
struct Scratch {
    encrypted: PathBuf,
    signed: PathBuf,
    container: PathBuf,
}

impl Scratch {
    fn new(shared_dir: &Path, tender_id: &str, bid_id: &str) -> std::io::Result<Scratch> {
        let dir = opened_dir(shared_dir, tender_id);
        std::fs::create_dir_all(&dir)?;
        let unique = crate::store::temp_name();
        let at = |suffix: &str| dir.join(format!("{bid_id}.{unique}.{suffix}.tmp"));
        Ok(Scratch {
            encrypted: at("encrypted"),
            signed: at("signed"),
            container: at("zip"),
        })
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        for path in [&self.encrypted, &self.signed, &self.container] {
            match std::fs::remove_file(path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                    tracing::warn!(path = %path.display(), error = %e, "removing an opening scratch file");
                }
                _ => {}
            }
        }
    }
}

/// Opens one bid; never fails: a failure is the finding. The bid streams
/// through files (see `Scratch`), so a bid of several GiB is opened in
/// bounded memory.
pub fn open_one(cx: &Context<'_>, bid: &BidRow, bidder_credit_code: Option<&str>) -> Found {
    let scratch = match Scratch::new(cx.shared_dir, &cx.tender.id, &bid.id) {
        Ok(s) => s,
        Err(e) => return lost(&format!("the platform cannot write its working files: {e}")),
    };
    let path = cx.uploads.bid_path(&bid.id);
    let file = match std::fs::File::open(&path) {
        Ok(f) => f,
        Err(e) => return lost(&format!("the platform cannot read its stored copy: {e}")),
    };
    let outer = match std::fs::File::create(&scratch.encrypted).map(std::io::BufWriter::new) {
        Ok(mut encrypted) => envelope::unwrap_outer_into(
            std::io::BufReader::new(file),
            std::io::sink(),
            &mut encrypted,
        )
        .and_then(|outer| {
            encrypted
                .flush()
                .map_err(|e| EnvelopeError::Write(e.to_string()))?;
            Ok(outer)
        }),
        Err(e) => Err(EnvelopeError::Write(e.to_string())),
    };
    let outer = match outer {
        Ok(o) => o,
        Err(EnvelopeError::Write(e)) => {
            return lost(&format!("the platform cannot write its working files: {e}"));
        }
        Err(e) => {
            return lost(&format!(
                "the stored copy no longer reads as it did on arrival: {e}"
            ));
        }
    };
    let signers = match std::fs::File::create(&scratch.container).map(std::io::BufWriter::new) {
        Ok(mut container) => envelope::decrypt(
            &outer.envelope,
            &scratch.encrypted,
            cx.key,
            cx.certificate,
            &scratch.signed,
            &mut container,
        ),
        Err(e) => Err(EnvelopeError::Write(e.to_string())),
    };
    let signers = match signers {
        Ok(s) => s,
        Err(EnvelopeError::Read(e) | EnvelopeError::Write(e)) => {
            return lost(&format!("the platform's working files failed: {e}"));
        }
        Err(e) => return revoked(format!("cannot be opened: {e}")),
    };
    if let Some(outer_signers) = &outer.signers
        && let Err(e) = envelope::check_same_signer(outer_signers, &signers)
    {
        return revoked(e.to_string());
    }
    let [signer] = signers.as_slice() else {
        return revoked(format!(
            "the bid is signed by {} certificates; one, the enterprise's, is expected",
            signers.len()
        ));
    };
    let der = match signer.certificate.to_der() {
        Ok(d) => d,
        Err(e) => return revoked(format!("the signer certificate: {e}")),
    };
    let subject = x509_parser::parse_x509_certificate(&der)
        .map(|(_, c)| c.subject().to_string())
        .unwrap_or_default();
    // Judged at the signing time the signature claims, but never later than
    // the bid's arrival (the receipt's time) and never earlier than a day
    // before it: a claimed time cannot rescue a certificate revoked before
    // the bid was sent.
    let received = crate::db::from_db_time(bid.received_at);
    let at = signer
        .signing_time
        .filter(|t| *t <= received && *t > received - chrono::Duration::days(1))
        .unwrap_or(received);
    let league = LeagueCode::parse(&cx.tender.league_code).ok();
    let report = cx.snapshot.check(
        &der,
        Purpose::Signing,
        &[ServiceType::EnterpriseCa],
        league.as_ref(),
        at,
    );
    let mut found = revoked("");
    found.signer_subject = Some(subject);
    found.signing_time = signer.signing_time;
    if !report.passed() {
        found.reason = Some(format!(
            "the signer's certificate is not accepted by league {} at {}: {}",
            cx.tender.league_code,
            at.to_rfc3339(),
            report.report.decision.verdict()
        ));
        return found;
    }
    match identity_of(&der) {
        Ok(CertIdentity::Enterprise { credit_code, .. })
            if Some(credit_code.as_str()) == bidder_credit_code => {}
        Ok(_) => {
            found.reason = Some(
                "the bid is signed by a certificate of another party than the bidding enterprise"
                    .into(),
            );
            return found;
        }
        Err(e) => {
            found.reason = Some(format!("the signer certificate names no enterprise: {e}"));
            return found;
        }
    }
    let league_ref = league.as_ref();
    let trust = |der: &[u8], role: CertRole, when: DateTime<Utc>| {
        let types: &[ServiceType] = match role {
            CertRole::Signer => &[ServiceType::EnterpriseCa],
            CertRole::SealAuthority => &[ServiceType::SealAuthority],
        };
        let when = if when <= received { when } else { received };
        cx.snapshot
            .check(der, Purpose::Signing, types, league_ref, when)
            .report
            .decision
    };
    let inspected = std::fs::File::open(&scratch.container)
        .map_err(|e| e.to_string())
        .map(|file| envelope::inspect_container(std::io::BufReader::new(file), trust));
    let (container, verdict): (Container, SealVerdict) = match inspected {
        Ok(Ok(v)) => v,
        Ok(Err(e)) => {
            found.reason = Some(e.to_string());
            return found;
        }
        Err(e) => return lost(&format!("the platform's working files failed: {e}")),
    };
    match &verdict {
        SealVerdict::Sealed { report } => {
            found.sealed = true;
            found.seal_name = report.seal.as_ref().map(|s| s.seal_name.clone());
        }
        SealVerdict::Unsealed if cx.tender.seal_required => {
            found.reason = Some(
                "the tender requires the enterprise's electronic seal signature over the \
                 documents, and the bid has none"
                    .into(),
            );
            return found;
        }
        SealVerdict::Unsealed => {}
        SealVerdict::Invalid { reason, .. } => {
            found.reason = Some(format!("the seal signature does not verify: {reason}"));
            return found;
        }
    }
    let keep = opened_container(cx.shared_dir, &cx.tender.id, &bid.id);
    if let Err(e) = keep_container(&scratch.container, &keep) {
        tracing::error!(path = %keep.display(), error = %e, "keeping a decrypted bid");
        return lost("the platform could not keep the decrypted bid for evaluation");
    }
    found.outcome = Outcome::Valid;
    found.reason = None;
    found.total_price_fen = Some(container.schedule.total_price_fen);
    found.duration_days = i32::try_from(container.schedule.duration_days).ok();
    found.schedule_json = serde_json::to_string(&container.schedule).ok();
    found.documents_manifest = Some(container.manifest.text());
    found
}

fn lost(reason: &str) -> Found {
    Found {
        outcome: Outcome::Withdrawn,
        ..revoked(reason)
    }
}

/// Keeps the decrypted container durably (file and folder synced): the
/// key that could decrypt it again is gone once the opening ends.
fn keep_container(written: &Path, path: &Path) -> std::io::Result<()> {
    std::fs::File::open(written)?.sync_all()?;
    std::fs::rename(written, path)?;
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::File::open(dir)?.sync_all()
}
