//! After a crash, every kept bid file has its bid, or it goes, on the
//! record. A bid's file is moved into place and synced before its row is
//! written ([`super::upload::Uploads::keep_as_bid`]), so a row never names a
//! missing file; a stop between the two leaves a file nobody was told was
//! received. At start-up, before the server takes a request, each such file
//! is removed with an audit event naming the file and its SHA-256, and
//! nothing of who sent it (bidders stay sealed until the opening). Part
//! files no upload session owns (one-shot submissions cut off by the stop)
//! go the same way, and upload sessions left without their part file (it
//! had become a kept file, or the stop came before it was made) end, on the
//! record as any dropped session.
//!
//! Every node of the platform runs the sweep when it starts, on the folder
//! all of them share, while the others serve: it takes only what is
//! provably abandoned. A file goes only if it has been untouched for
//! [`crate::store::ABANDONED_AFTER`] (a kept file is touched as it is kept,
//! a part file whenever bytes arrive) and, asked again in the transaction
//! that records its removal, still has no row; a session without its part
//! file ends only once it is that old and nobody holds its claim. One node
//! sweeps at a time (the cluster-wide [`ClusterDuty::FileSweep`] lock).

use super::store;
use super::upload::Uploads;
use crate::audit::{self, AuditContext};
use crate::db::schema::bids;
use crate::db::{ClusterDuty, Db};
use crate::error::AppError;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use std::collections::HashSet;
use std::path::PathBuf;

/// The audit action of a kept file removed for having no bid.
pub const FILE_REMOVED: &str = "bid.file_removed";

/// The audit action of a part file removed for having no upload session.
pub const PART_REMOVED: &str = "bid.upload_part_removed";

/// The kept files whose bid id has no row (pure).
pub fn without_rows(
    kept: Vec<(String, PathBuf)>,
    recorded: &HashSet<String>,
) -> Vec<(String, PathBuf)> {
    kept.into_iter()
        .filter(|(id, _)| !recorded.contains(id))
        .collect()
}

/// How a kept file is named in the audit log: its place under the data
/// folder and its content's SHA-256.
pub fn audit_name(bid_id: &str, sha256: &str) -> String {
    format!("bids/{bid_id}.p7m#sha256={sha256}")
}

/// How a part file is named in the audit log.
pub fn part_audit_name(upload_id: &str, sha256: &str) -> String {
    format!("uploads/{upload_id}.part#sha256={sha256}")
}

/// What the start-up sweep did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Swept {
    /// Kept files without a bid, removed.
    pub files: usize,
    /// Part files without a session, removed.
    pub parts: usize,
    /// Upload sessions without their bytes, ended.
    pub sessions: usize,
}

/// The audit payload of a removed file: no bidder, no tender.
#[derive(Serialize)]
struct Removed<'a> {
    file: &'a str,
    sha256: &'a str,
    size: u64,
    why: &'static str,
}

/// Removes kept files without a bid and ends upload sessions without their
/// bytes, each on the record. Called at each node's start-up.
pub fn sweep(db: &Db, uploads: &Uploads, now: DateTime<Utc>) -> Result<Swept, AppError> {
    db.exclusively(ClusterDuty::FileSweep, || sweep_alone(db, uploads, now))?
}

fn sweep_alone(db: &Db, uploads: &Uploads, now: DateTime<Utc>) -> Result<Swept, AppError> {
    let io = |e: std::io::Error| AppError::Internal(anyhow::Error::new(e).context("bid files"));
    let wall: std::time::SystemTime = now.into();
    let abandoned = |path: &std::path::Path| crate::store::untouched_since_grace(path, wall);
    let kept = uploads.kept_bids().map_err(io)?;
    let ids: Vec<String> = kept.iter().map(|(id, _)| id.clone()).collect();
    let recorded: HashSet<String> = db.write_blocking(|conn| {
        crate::db::found_among(conn, &ids, |conn, chunk| {
            bids::table
                .filter(bids::id.eq_any(chunk))
                .select(bids::id)
                .load(conn)
        })
    })?;
    let ctx = AuditContext::system(now);
    let mut swept = Swept::default();
    for (id, path) in without_rows(kept, &recorded) {
        if !abandoned(&path) {
            continue;
        }
        let (sha256, size) = crate::store::sha256_of_file(&path).map_err(io)?;
        let file = format!("bids/{id}.p7m");
        // Recorded first: a stop before the removal records it again at
        // the next start, never a removal without its record. Asked again
        // here: a bid recorded meanwhile on another node keeps its file.
        let gone = db.write_blocking(|conn| {
            let recorded: i64 = bids::table.find(&id).count().get_result(conn)?;
            if recorded > 0 || !abandoned(&path) {
                return Ok(false);
            }
            audit::record(
                conn,
                &ctx,
                FILE_REMOVED,
                "stored_file",
                &audit_name(&id, &sha256),
                None,
                &Removed {
                    file: &file,
                    sha256: &sha256,
                    size,
                    why: "kept without a bid: the server stopped before the bid was recorded, \
                          and no receipt was given",
                },
            )?;
            Ok(true)
        })?;
        if !gone {
            continue;
        }
        uploads.remove_kept(&path).map_err(io)?;
        tracing::warn!(file, sha256, size, "removed a bid file that has no bid");
        swept.files += 1;
    }
    let open: HashSet<String> = db
        .write_blocking(store::open_upload_ids)?
        .into_iter()
        .collect();
    for (id, path) in without_rows(uploads.parts().map_err(io)?, &open) {
        if !abandoned(&path) {
            continue;
        }
        let (sha256, size) = crate::store::sha256_of_file(&path).map_err(io)?;
        let file = format!("uploads/{id}.part");
        let gone = db.write_blocking(|conn| {
            let session: i64 = crate::db::schema::bid_uploads::table
                .find(&id)
                .count()
                .get_result(conn)?;
            if session > 0 || !abandoned(&path) {
                return Ok(false);
            }
            audit::record(
                conn,
                &ctx,
                PART_REMOVED,
                "stored_file",
                &part_audit_name(&id, &sha256),
                None,
                &Removed {
                    file: &file,
                    sha256: &sha256,
                    size,
                    why: "part of a submission cut off when the server stopped; no receipt was \
                          given",
                },
            )?;
            Ok(true)
        })?;
        if !gone {
            continue;
        }
        uploads.remove_part(&path).map_err(io)?;
        tracing::warn!(
            file,
            sha256,
            size,
            "removed a part file that has no upload session"
        );
        swept.parts += 1;
    }
    let grace = chrono::Duration::from_std(crate::store::ABANDONED_AFTER)
        .map_err(|e| AppError::Internal(anyhow::anyhow!(e)))?;
    let lease = chrono::Duration::from_std(super::upload::CLAIM_LEASE)
        .map_err(|e| AppError::Internal(anyhow::anyhow!(e)))?;
    for id in open {
        if uploads.part_path(&id).exists() {
            continue;
        }
        // Taken as a claim (for longer than any request lasts): no request
        // on any node is using the session while it ends.
        let by = format!("sweep:{}", crate::cluster::node_id());
        let ended = db.write_blocking(|conn| {
            let row = store::upload(conn, &id)?;
            // The claim is asked last: once taken, the session ends.
            if crate::db::from_db_time(row.created_at) + grace > now
                || uploads.part_path(&id).exists()
                || !store::claim_upload(conn, &id, &by, now, now + lease)?
            {
                return Ok(false);
            }
            store::drop_upload(
                conn,
                &ctx,
                &row,
                "its bytes were lost when the server stopped",
            )?;
            Ok(true)
        })?;
        if ended {
            swept.sessions += 1;
        }
    }
    Ok(swept)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_files_without_rows_are_orphans() {
        let kept = vec![
            ("a".to_string(), PathBuf::from("bids/a.p7m")),
            ("b".to_string(), PathBuf::from("bids/b.p7m")),
            ("c".to_string(), PathBuf::from("bids/c.p7m")),
        ];
        let recorded: HashSet<String> = ["a".to_string(), "c".to_string(), "z".to_string()].into();
        let orphans = without_rows(kept.clone(), &recorded);
        assert_eq!(orphans, vec![kept[1].clone()]);
        assert!(without_rows(Vec::new(), &recorded).is_empty());
        assert_eq!(without_rows(kept.clone(), &HashSet::new()), kept);
    }

    #[test]
    fn the_audit_name_says_the_file_and_its_hash_and_nothing_else() {
        assert_eq!(
            audit_name("3f0c", "ab12"),
            "bids/3f0c.p7m#sha256=ab12".to_string()
        );
    }
}
