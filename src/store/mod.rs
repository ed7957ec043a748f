//! A content-addressed file store on disk: files are streamed in, hashed
//! with SHA-256 on the way, and kept under their hash. Never held whole in
//! memory; a file is visible under its hash only once completely written.
//!
//! The store lives under the folder every node shares (`GGZY_SHARED_DIR`,
//! an NFS or CephFS mount when several nodes serve one platform), so a file
//! stored through one node is read through any other. What it asks of that
//! folder, and does:
//! - a file is written under a temporary name in `tmp/` (on the same mount
//!   as its final place), whose name carries this node's id and a random
//!   UUID ([`temp_name`]): two nodes never write to the same temporary file;
//! - the file is synced (`fsync`), then renamed to `sha256/<xx>/<hash>`
//!   (atomic on POSIX file systems and on NFS, where a rename is one
//!   server operation), then its folder is synced, so the name is durable
//!   before any row names the file;
//! - another node opening the file after the row naming it is committed
//!   sees all of it: NFS's close-to-open consistency (the writer closed the
//!   file before the rename; the reader opens it afresh).
//!
//! Nothing on a node's own disk is needed to read a stored file; a node may
//! be lost at any moment and its half-written temporary files are removed
//! by a later sweep once they are older than [`ABANDONED_AFTER`].

use crate::error::AppError;
use actix_web::web::Bytes;
use futures_util::{Stream, StreamExt};
use std::path::{Path, PathBuf};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[derive(Debug, Clone)]
pub struct BlobStore {
    root: PathBuf,
}

/// What was stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredBlob {
    pub sha256: String,
    pub size: u64,
}

/// How long a file on the shared folder must have gone untouched, with no
/// row naming it, before a sweep may take it for abandoned: a node that is
/// still writing or recording it (perhaps a node other than the sweeping
/// one) touches it well within this time.
pub const ABANDONED_AFTER: std::time::Duration = std::time::Duration::from_secs(60 * 60);

/// A temporary file name unique across the nodes sharing a folder: the
/// node's id and a random UUID (never a process id alone).
pub fn temp_name() -> String {
    format!(
        "{}-{}",
        crate::cluster::node_id(),
        uuid::Uuid::new_v4().simple()
    )
}

/// Whether a file was last written before `now - ABANDONED_AFTER` (`false`
/// if its time cannot be read: then it is not provably abandoned).
pub fn untouched_since_grace(path: &Path, now: std::time::SystemTime) -> bool {
    std::fs::metadata(path)
        .and_then(|m| m.modified())
        .is_ok_and(|t| t + ABANDONED_AFTER < now)
}

/// Marks a file as in use now (its modification time), so that no sweep on
/// any node takes it for abandoned while a row is about to name it.
pub fn touch(path: &Path) -> std::io::Result<()> {
    std::fs::File::options()
        .write(true)
        .open(path)?
        .set_modified(std::time::SystemTime::now())
}

fn is_sha256_hex(s: &str) -> bool {
    s.len() == 64
        && s.chars()
            .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
}

impl BlobStore {
    pub fn open(root: &Path) -> std::io::Result<BlobStore> {
        std::fs::create_dir_all(root.join("tmp"))?;
        std::fs::create_dir_all(root.join("sha256"))?;
        Ok(BlobStore {
            root: root.to_path_buf(),
        })
    }

    /// Where a blob lives; `None` for anything that is not a SHA-256 hex.
    pub fn path_of(&self, sha256: &str) -> Option<PathBuf> {
        is_sha256_hex(sha256).then(|| self.root.join("sha256").join(&sha256[..2]).join(sha256))
    }

    /// Streams `body` into the store, refusing it past `limit` bytes. A
    /// failed or refused upload leaves nothing behind.
    pub async fn put_stream<S, E>(&self, mut body: S, limit: u64) -> Result<StoredBlob, AppError>
    where
        S: Stream<Item = Result<Bytes, E>> + Unpin,
        E: std::fmt::Display,
    {
        let tmp = self.root.join("tmp").join(temp_name());
        let result = async {
            let mut file = tokio::fs::File::create(&tmp).await?;
            let mut hasher = openssl::sha::Sha256::new();
            let mut size: u64 = 0;
            while let Some(chunk) = body.next().await {
                let chunk = chunk.map_err(|e| {
                    AppError::UploadIncomplete(format!("the upload was interrupted: {e}"))
                        .because("upload.interrupted", serde_json::json!({}))
                })?;
                size += chunk.len() as u64;
                if size > limit {
                    return Err(AppError::PayloadTooLarge(format!(
                        "the file exceeds the limit of {limit} bytes"
                    ))
                    .because("upload.over-limit", serde_json::json!({ "limit": limit })));
                }
                hasher.update(&chunk);
                file.write_all(&chunk).await?;
            }
            file.sync_all().await?;
            drop(file);
            let sha256 = crate::identity::hex(&hasher.finish());
            let target = self.path_of(&sha256).expect("a SHA-256 hex");
            if let Some(dir) = target.parent() {
                tokio::fs::create_dir_all(dir).await?;
            }
            if tokio::fs::try_exists(&target).await? {
                // Stored before (perhaps unnamed, by a refused upload):
                // fresh again, so no sweep removes it before its row.
                let touched = target.clone();
                tokio::task::spawn_blocking(move || touch(&touched))
                    .await
                    .map_err(std::io::Error::other)??;
                tokio::fs::remove_file(&tmp).await?;
            } else {
                tokio::fs::rename(&tmp, &target).await?;
                // The move is durable before any row names the file.
                let dir = target.parent().map(Path::to_path_buf);
                tokio::task::spawn_blocking(move || dir.map_or(Ok(()), |d| sync_dir(&d)))
                    .await
                    .map_err(std::io::Error::other)??;
            }
            Ok(StoredBlob { sha256, size })
        }
        .await;
        if result.is_err() {
            let _ = tokio::fs::remove_file(&tmp).await;
        }
        result
    }

    /// Stores a small in-memory file (demo data and tools).
    pub fn put_bytes(&self, bytes: &[u8]) -> std::io::Result<StoredBlob> {
        let sha256 = crate::identity::hex(&openssl::sha::sha256(bytes));
        let target = self.path_of(&sha256).expect("a SHA-256 hex");
        if target.exists() {
            touch(&target)?;
        } else {
            let tmp = self.root.join("tmp").join(temp_name());
            let mut file = std::fs::File::create(&tmp)?;
            std::io::Write::write_all(&mut file, bytes)?;
            file.sync_all()?;
            drop(file);
            if let Some(dir) = target.parent() {
                std::fs::create_dir_all(dir)?;
            }
            std::fs::rename(&tmp, &target)?;
            if let Some(dir) = target.parent() {
                sync_dir(dir)?;
            }
        }
        Ok(StoredBlob {
            sha256,
            size: bytes.len() as u64,
        })
    }

    /// Every stored file, by the SHA-256 its name says (anything else under
    /// `sha256/` is not the store's and is left alone).
    pub fn stored(&self) -> std::io::Result<Vec<(String, PathBuf)>> {
        let mut found = Vec::new();
        for prefix in std::fs::read_dir(self.root.join("sha256"))? {
            let prefix = prefix?;
            if !prefix.file_type()?.is_dir() {
                continue;
            }
            for entry in std::fs::read_dir(prefix.path())? {
                let entry = entry?;
                let name = entry.file_name().to_string_lossy().into_owned();
                if is_sha256_hex(&name)
                    && name[..2] == *prefix.file_name().to_string_lossy()
                    && entry.file_type()?.is_file()
                {
                    found.push((name, entry.path()));
                }
            }
        }
        found.sort();
        Ok(found)
    }

    /// Removes a stored file that no row names, durably.
    pub fn remove(&self, sha256: &str) -> std::io::Result<()> {
        let path = self
            .path_of(sha256)
            .ok_or_else(|| std::io::Error::other("not a SHA-256"))?;
        std::fs::remove_file(&path)?;
        path.parent().map_or(Ok(()), sync_dir)
    }

    /// Removes what unfinished writes left in `tmp/`: never a stored file,
    /// only its beginning, and only one untouched for [`ABANDONED_AFTER`]
    /// (another node may be writing the others right now).
    pub fn clear_unfinished(&self, now: std::time::SystemTime) -> std::io::Result<usize> {
        let mut removed = 0;
        for entry in std::fs::read_dir(self.root.join("tmp"))? {
            let entry = entry?;
            if entry.file_type()?.is_file() && untouched_since_grace(&entry.path(), now) {
                std::fs::remove_file(entry.path())?;
                removed += 1;
            }
        }
        Ok(removed)
    }

    /// Streams a stored blob out in 64 KiB chunks.
    pub async fn read_stream(
        &self,
        sha256: &str,
    ) -> Result<impl Stream<Item = Result<Bytes, std::io::Error>> + use<>, AppError> {
        let path = self
            .path_of(sha256)
            .ok_or_else(|| AppError::not_found("file"))?;
        let file = tokio::fs::File::open(&path).await.map_err(|e| {
            AppError::Internal(
                anyhow::Error::new(e).context(format!("stored file {sha256} is missing")),
            )
        })?;
        Ok(futures_util::stream::unfold(
            Some(file),
            |file| async move {
                let mut file = file?;
                let mut buf = vec![0u8; 64 * 1024];
                match file.read(&mut buf).await {
                    Ok(0) => None,
                    Ok(n) => {
                        buf.truncate(n);
                        Some((Ok(Bytes::from(buf)), Some(file)))
                    }
                    Err(e) => Some((Err(e), None)),
                }
            },
        ))
    }
}

/// Makes a folder's entries (a file moved in or removed) durable.
pub fn sync_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::File::open(dir)?.sync_all()
}

/// SHA-256 (hex) and size of a file, read streaming.
pub fn sha256_of_file(path: &Path) -> std::io::Result<(String, u64)> {
    use std::io::Read;
    let mut file = std::fs::File::open(path)?;
    let mut hasher = openssl::sha::Sha256::new();
    let mut buf = vec![0u8; 256 * 1024];
    let mut size = 0u64;
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        size += n as u64;
    }
    Ok((crate::identity::hex(&hasher.finish()), size))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[actix_web::test]
    async fn stores_by_hash_and_refuses_oversize() {
        let dir = tempfile::tempdir().unwrap();
        let store = BlobStore::open(dir.path()).unwrap();
        let chunks = vec![
            Ok::<_, std::io::Error>(Bytes::from_static(b"ab")),
            Ok(Bytes::from_static(b"c")),
        ];
        let blob = store
            .put_stream(futures_util::stream::iter(chunks), 10)
            .await
            .unwrap();
        assert_eq!(
            blob.sha256,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(blob.size, 3);
        let mut out = Vec::new();
        let mut s = Box::pin(store.read_stream(&blob.sha256).await.unwrap());
        while let Some(chunk) = s.next().await {
            out.extend_from_slice(&chunk.unwrap());
        }
        assert_eq!(out, b"abc");
        let big = vec![Ok::<_, std::io::Error>(Bytes::from(vec![0u8; 11]))];
        assert!(matches!(
            store
                .put_stream(futures_util::stream::iter(big), 10)
                .await
                .map_err(|e| e.code()),
            Err("payload-too-large")
        ));
        assert_eq!(
            std::fs::read_dir(dir.path().join("tmp")).unwrap().count(),
            0,
            "nothing left behind"
        );
        assert!(store.path_of("../etc/passwd").is_none());
    }

    #[test]
    fn lists_what_it_stores_and_removes_only_what_is_asked() {
        let dir = tempfile::tempdir().unwrap();
        let store = BlobStore::open(dir.path()).unwrap();
        let a = store.put_bytes(b"abc").unwrap();
        let b = store.put_bytes(b"other").unwrap();
        // Not the store's: a stray name, and a hash in the wrong folder.
        std::fs::write(dir.path().join("sha256").join("notes.txt"), b"x").unwrap();
        let stray = dir.path().join("sha256").join("00");
        std::fs::create_dir_all(&stray).unwrap();
        std::fs::write(stray.join(&a.sha256), b"abc").unwrap();
        std::fs::write(dir.path().join("tmp").join("half"), b"ab").unwrap();
        let mut want = vec![a.sha256.clone(), b.sha256.clone()];
        want.sort();
        let listed: Vec<String> = store.stored().unwrap().into_iter().map(|f| f.0).collect();
        assert_eq!(listed, want);
        assert_eq!(
            sha256_of_file(&store.path_of(&a.sha256).unwrap()).unwrap(),
            (a.sha256.clone(), 3)
        );
        store.remove(&a.sha256).unwrap();
        let listed: Vec<String> = store.stored().unwrap().into_iter().map(|f| f.0).collect();
        assert_eq!(listed, vec![b.sha256.clone()]);
        let now = std::time::SystemTime::now();
        assert_eq!(
            store.clear_unfinished(now).unwrap(),
            0,
            "a fresh write stays"
        );
        assert_eq!(
            store.clear_unfinished(now + ABANDONED_AFTER * 2).unwrap(),
            1
        );
        assert!(
            stray.join(&a.sha256).exists(),
            "not the store's: left alone"
        );
    }
}
