//! Resumable uploads on disk: each upload session has one part file under
//! `<data_dir>/uploads`, appended to at a stated offset. The file's length
//! is the truth about how much arrived (a request cut off mid-chunk leaves
//! what it wrote, and the client resumes from there). A part file is never
//! a bid: only a complete, checked upload becomes one, and an abandoned or
//! expired session leaves nothing.

use crate::error::AppError;
use actix_web::web::Bytes;
use futures_util::{Stream, StreamExt};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use tokio::io::AsyncWriteExt;

pub struct Uploads {
    dir: PathBuf,
    busy: Mutex<HashSet<String>>,
}

/// Exclusive use of one upload session for the length of a request.
pub struct Claim<'a> {
    uploads: &'a Uploads,
    id: String,
}

impl Drop for Claim<'_> {
    fn drop(&mut self) {
        let mut busy = self.uploads.busy.lock().unwrap_or_else(|p| p.into_inner());
        busy.remove(&self.id);
    }
}

/// How a chunk went.
pub enum Appended {
    /// The whole body was written; the part file now has this many bytes.
    Done(u64),
    /// The body stopped early; this many bytes are safely in the part file.
    Interrupted(u64, String),
}

impl Uploads {
    pub fn open(dir: &Path) -> std::io::Result<Uploads> {
        std::fs::create_dir_all(dir)?;
        Ok(Uploads {
            dir: dir.to_path_buf(),
            busy: Mutex::default(),
        })
    }

    /// The part file of an upload (ids are UUIDs, checked by the caller).
    pub fn part_path(&self, id: &str) -> PathBuf {
        self.dir.join(format!("{id}.part"))
    }

    /// One request at a time per upload session.
    pub fn claim(&self, id: &str) -> Result<Claim<'_>, AppError> {
        let mut busy = self.busy.lock().unwrap_or_else(|p| p.into_inner());
        if !busy.insert(id.to_string()) {
            return Err(AppError::Conflict(
                "another request is writing to this upload right now; wait for it to finish".into(),
            ));
        }
        Ok(Claim {
            uploads: self,
            id: id.to_string(),
        })
    }

    /// Makes the empty part file of a new session.
    pub fn create(&self, id: &str) -> Result<(), AppError> {
        std::fs::File::create(self.part_path(id))
            .map(|_| ())
            .map_err(|e| AppError::Internal(anyhow::Error::new(e).context("creating upload part")))
    }

    /// Bytes received so far (0 if the part file is gone).
    pub fn received(&self, id: &str) -> u64 {
        std::fs::metadata(self.part_path(id))
            .map(|m| m.len())
            .unwrap_or(0)
    }

    /// Appends `body` at `offset`, which must be where the part file ends,
    /// never letting it grow past `size`.
    pub async fn append<S, E>(
        &self,
        _claim: &Claim<'_>,
        offset: u64,
        size: u64,
        mut body: S,
    ) -> Result<Appended, AppError>
    where
        S: Stream<Item = Result<Bytes, E>> + Unpin,
        E: std::fmt::Display,
    {
        let path = self.part_path(&_claim.id);
        let have = tokio::fs::metadata(&path)
            .await
            .map(|m| m.len())
            .map_err(|_| AppError::NotFound("this upload has no data file any more".into()))?;
        if have != offset {
            return Err(AppError::Conflict(format!(
                "the upload is at offset {have}, not {offset}: resume from {have}"
            )));
        }
        let mut file = tokio::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .await
            .map_err(|e| {
                AppError::Internal(anyhow::Error::new(e).context("opening upload part"))
            })?;
        let mut at = have;
        let mut stopped = None;
        while let Some(chunk) = body.next().await {
            let chunk = match chunk {
                Ok(c) => c,
                Err(e) => {
                    stopped = Some(format!("the upload was interrupted: {e}"));
                    break;
                }
            };
            if at + chunk.len() as u64 > size {
                file.flush().await.ok();
                return Err(AppError::PayloadTooLarge(format!(
                    "the upload was declared as {size} bytes; this chunk goes past that"
                )));
            }
            file.write_all(&chunk)
                .await
                .map_err(|e| AppError::Internal(anyhow::Error::new(e).context("writing upload")))?;
            at += chunk.len() as u64;
        }
        file.sync_data()
            .await
            .map_err(|e| AppError::Internal(anyhow::Error::new(e).context("syncing upload")))?;
        Ok(match stopped {
            None => Appended::Done(at),
            Some(why) => Appended::Interrupted(at, why),
        })
    }

    /// Removes a session's part file.
    pub fn remove(&self, id: &str) {
        let _ = std::fs::remove_file(self.part_path(id));
    }
}
