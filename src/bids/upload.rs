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
    /// Where accepted bids are kept, one file per bid.
    bids: PathBuf,
    busy: Mutex<HashSet<String>>,
    /// When this process opened the folder: older part files without a
    /// session are leftovers of an earlier run.
    opened_at: std::time::SystemTime,
    /// Per tender, submissions whose last byte is in and which are being
    /// checked and recorded: the opening waits for them.
    arriving: Mutex<std::collections::HashMap<String, usize>>,
}

/// A submission being checked and recorded (see [`Uploads::arriving`]).
pub struct Arriving<'a> {
    uploads: &'a Uploads,
    tender: String,
}

impl Drop for Arriving<'_> {
    fn drop(&mut self) {
        let mut arriving = self
            .uploads
            .arriving
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if let Some(n) = arriving.get_mut(&self.tender) {
            *n -= 1;
            if *n == 0 {
                arriving.remove(&self.tender);
            }
        }
    }
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
    /// Opens `<data_dir>/uploads` and `<data_dir>/bids`.
    pub fn open(data_dir: &Path) -> std::io::Result<Uploads> {
        let (dir, bids) = (data_dir.join("uploads"), data_dir.join("bids"));
        std::fs::create_dir_all(&dir)?;
        std::fs::create_dir_all(&bids)?;
        Ok(Uploads {
            dir,
            bids,
            busy: Mutex::default(),
            opened_at: std::time::SystemTime::now(),
            arriving: Mutex::default(),
        })
    }

    /// Marks a submission to `tender` as arrived and being checked.
    pub fn arriving(&self, tender: &str) -> Arriving<'_> {
        let mut arriving = self.arriving.lock().unwrap_or_else(|p| p.into_inner());
        *arriving.entry(tender.to_string()).or_insert(0) += 1;
        Arriving {
            uploads: self,
            tender: tender.to_string(),
        }
    }

    /// Whether submissions to `tender` are being checked right now.
    pub fn any_arriving(&self, tender: &str) -> bool {
        let arriving = self.arriving.lock().unwrap_or_else(|p| p.into_inner());
        arriving.get(tender).is_some_and(|n| *n > 0)
    }

    /// Where an accepted bid's file is.
    pub fn bid_path(&self, bid_id: &str) -> PathBuf {
        self.bids.join(format!("{bid_id}.p7m"))
    }

    /// Moves a complete, synced part file to where bid `bid_id` is kept, and
    /// makes the move durable (the folder is synced) before the bid is
    /// recorded.
    pub fn keep_as_bid(&self, part: &Path, bid_id: &str) -> Result<PathBuf, AppError> {
        let target = self.bid_path(bid_id);
        let io =
            |e: std::io::Error| AppError::Internal(anyhow::Error::new(e).context("keeping a bid"));
        std::fs::rename(part, &target).map_err(io)?;
        std::fs::File::open(&self.bids)
            .and_then(|d| d.sync_all())
            .map_err(io)?;
        Ok(target)
    }

    /// Removes part files no session owns (one-shot uploads cut off by a
    /// stop); call at start-up, before anything uploads.
    pub fn remove_orphans(&self, sessions: &HashSet<String>) {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let id = name.strip_suffix(".part").unwrap_or(&name);
            let older = entry
                .metadata()
                .and_then(|m| m.modified())
                .is_ok_and(|t| t < self.opened_at);
            if older && !sessions.contains(id) {
                let _ = std::fs::remove_file(entry.path());
            }
        }
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
