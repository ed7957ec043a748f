//! Resumable uploads on disk: each upload session has one part file under
//! `<data_dir>/uploads`, appended to at a stated offset. The file's length
//! is the truth about how much arrived (a request cut off mid-chunk leaves
//! what it wrote, and the client resumes from there). A part file is never
//! a bid: only a complete, checked upload becomes one, and an abandoned or
//! expired session leaves nothing.

use super::arrival::{self, Checked};
use super::envelope::Outer;
use crate::error::AppError;
use actix_web::web::{Bytes, BytesMut};
use futures_util::{FutureExt, Stream, StreamExt};
use openssl::x509::X509;
use std::collections::HashSet;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use tokio::sync::mpsc;

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
    /// When the body started at offset 0 and a check was asked for, the
    /// check of everything it held, made as the bytes arrived.
    Done(u64, Option<Result<Checked, AppError>>),
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
    /// recorded. A stop between this and the record leaves a kept file
    /// without its bid: the next start removes it, on the record (see
    /// [`super::orphans`]).
    pub fn keep_as_bid(&self, part: &Path, bid_id: &str) -> Result<PathBuf, AppError> {
        let target = self.bid_path(bid_id);
        let io =
            |e: std::io::Error| AppError::Internal(anyhow::Error::new(e).context("keeping a bid"));
        std::fs::rename(part, &target).map_err(io)?;
        std::fs::File::open(&self.bids)
            .and_then(|d| d.sync_all())
            .map_err(io)?;
        if std::env::var_os(ABORT_AFTER_KEEPING_BID).is_some() {
            tracing::error!(path = %target.display(), "{ABORT_AFTER_KEEPING_BID} is set: aborting");
            std::process::abort();
        }
        Ok(target)
    }

    /// The files kept as bids, by the bid id their name carries (file
    /// names that are not `<uuid>.p7m` are not the platform's and are
    /// left alone).
    pub fn kept_bids(&self) -> std::io::Result<Vec<(String, PathBuf)>> {
        let mut kept = Vec::new();
        for entry in std::fs::read_dir(&self.bids)? {
            let entry = entry?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if let Some(id) = name.strip_suffix(".p7m")
                && uuid::Uuid::parse_str(id).is_ok()
                && entry.file_type()?.is_file()
            {
                kept.push((id.to_string(), entry.path()));
            }
        }
        kept.sort();
        Ok(kept)
    }

    /// The part files, by the upload id their name carries.
    pub fn parts(&self) -> std::io::Result<Vec<(String, PathBuf)>> {
        let mut parts = Vec::new();
        for entry in std::fs::read_dir(&self.dir)? {
            let entry = entry?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if let Some(id) = name.strip_suffix(".part")
                && uuid::Uuid::parse_str(id).is_ok()
                && entry.file_type()?.is_file()
            {
                parts.push((id.to_string(), entry.path()));
            }
        }
        parts.sort();
        Ok(parts)
    }

    /// Removes a kept file that is no bid, durably (the folder is synced).
    pub fn remove_kept(&self, path: &Path) -> std::io::Result<()> {
        std::fs::remove_file(path)?;
        std::fs::File::open(&self.bids)?.sync_all()
    }

    /// Removes a part file no session owns, durably.
    pub fn remove_part(&self, path: &Path) -> std::io::Result<()> {
        std::fs::remove_file(path)?;
        std::fs::File::open(&self.dir)?.sync_all()
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
    ///
    /// The bytes are written by a blocking thread while this task receives
    /// the next ones and hashes them. Given the tender's opening certificate
    /// and a body from offset 0, that thread also reads the envelope as it
    /// passes ([`arrival::check`]), so a bid sent in one request is checked
    /// without reading the file again: its receipt follows its last byte by
    /// no more than the fsync.
    pub async fn append<S, E>(
        &self,
        claim: &Claim<'_>,
        offset: u64,
        size: u64,
        mut body: S,
        check: Option<X509>,
    ) -> Result<Appended, AppError>
    where
        S: Stream<Item = Result<Bytes, E>> + Unpin,
        E: std::fmt::Display,
    {
        let path = self.part_path(&claim.id);
        let have = tokio::fs::metadata(&path)
            .await
            .map(|m| m.len())
            .map_err(|_| AppError::NotFound("this upload has no data file any more".into()))?;
        if have != offset {
            return Err(AppError::Conflict(format!(
                "the upload is at offset {have}, not {offset}: resume from {have}"
            )));
        }
        let file = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .map_err(|e| {
                AppError::Internal(anyhow::Error::new(e).context("opening upload part"))
            })?;
        let check = check.filter(|_| offset == 0);
        let (tx, rx) = mpsc::channel::<Bytes>(CHUNKS_IN_FLIGHT);
        let writer = tokio::task::spawn_blocking(move || write_through(file, rx, check));
        let mut hasher = openssl::sha::Sha256::new();
        let mut at = have;
        let mut stopped = None;
        let mut too_large = false;
        // Chunks arrive as the socket gives them (a few KiB); they go to
        // the writer gathered into batches of what has already arrived,
        // which keeps its wake-ups and write calls few without holding back
        // a slow sender's bytes.
        let mut batch = BytesMut::new();
        loop {
            let next = match body.next().now_or_never() {
                Some(next) => next,
                None => {
                    if !hand_over(&tx, &mut hasher, &mut batch).await {
                        break;
                    }
                    body.next().await
                }
            };
            let Some(chunk) = next else { break };
            let chunk = match chunk {
                Ok(c) => c,
                Err(e) => {
                    stopped = Some(format!("the upload was interrupted: {e}"));
                    break;
                }
            };
            if at + chunk.len() as u64 > size {
                too_large = true;
                break;
            }
            at += chunk.len() as u64;
            if batch.is_empty() {
                batch.reserve(BATCH);
            }
            batch.extend_from_slice(&chunk);
            if batch.len() >= BATCH && !hand_over(&tx, &mut hasher, &mut batch).await {
                break;
            }
        }
        hand_over(&tx, &mut hasher, &mut batch).await;
        drop(tx);
        let (written, checked) = writer
            .await
            .map_err(|e| AppError::Internal(anyhow::anyhow!("writing upload: {e}")))?
            .map_err(|e| AppError::Internal(anyhow::Error::new(e).context("writing upload")))?;
        if have + written != at {
            return Err(AppError::Internal(anyhow::anyhow!(
                "writing upload: {written} of {} bytes written",
                at - have
            )));
        }
        if too_large {
            return Err(AppError::PayloadTooLarge(format!(
                "the upload was declared as {size} bytes; this chunk goes past that"
            )));
        }
        Ok(match stopped {
            None => {
                let sha256 = crate::identity::hex(&hasher.finish());
                Appended::Done(at, checked.map(|r| r.map(|outer| (sha256, at, outer))))
            }
            Some(why) => Appended::Interrupted(at, why),
        })
    }

    /// Removes a session's part file.
    pub fn remove(&self, id: &str) {
        let _ = std::fs::remove_file(self.part_path(id));
    }
}

/// For tests only: when this environment variable is set, the process
/// aborts right after a bid's file is moved into place and before the bid
/// is recorded (the crash the start-up sweep repairs).
pub const ABORT_AFTER_KEEPING_BID: &str = "GGZY_TEST_ABORT_AFTER_KEEPING_BID";

/// Bytes gathered before they go to the writer, and how many such batches
/// may wait for it: per upload, memory stays within 5 MiB whatever its size.
const BATCH: usize = 1 << 20;
const CHUNKS_IN_FLIGHT: usize = 4;

/// Hashes what `batch` gathered and hands it to the writer; `false` if the
/// writer has stopped (its error is reported when it is joined).
async fn hand_over(
    tx: &mpsc::Sender<Bytes>,
    hasher: &mut openssl::sha::Sha256,
    batch: &mut BytesMut,
) -> bool {
    if batch.is_empty() {
        return true;
    }
    let bytes = batch.split().freeze();
    hasher.update(&bytes);
    tx.send(bytes).await.is_ok()
}

/// The writing thread of [`Uploads::append`]: writes every chunk, reads
/// the envelope from them when asked to, syncs. Returns the bytes written
/// and the check's result.
fn write_through(
    file: std::fs::File,
    rx: mpsc::Receiver<Bytes>,
    check: Option<X509>,
) -> std::io::Result<(u64, Option<Result<Outer, AppError>>)> {
    let mut feed = Feed {
        rx,
        file,
        written: 0,
        pending: Bytes::new(),
        failed: false,
    };
    let checked = check.map(|opening| arrival::check(&mut feed, &opening));
    // What the check did not read (it stopped early, or there was none) is
    // written all the same: the part file holds every byte received.
    while feed.next_chunk()? {}
    feed.file.sync_data()?;
    Ok((feed.written, checked))
}

/// The received chunks as a reader, each written to the part file as it
/// is taken from the channel.
struct Feed {
    rx: mpsc::Receiver<Bytes>,
    file: std::fs::File,
    written: u64,
    /// What of the last chunk has not been read yet.
    pending: Bytes,
    /// A write failed: the part file is not to be trusted any more.
    failed: bool,
}

impl Feed {
    /// Takes and writes the next chunk; `false` at the end of the body.
    fn next_chunk(&mut self) -> std::io::Result<bool> {
        if self.failed {
            return Err(std::io::Error::other("an earlier write failed"));
        }
        let Some(chunk) = self.rx.blocking_recv() else {
            return Ok(false);
        };
        if let Err(e) = self.file.write_all(&chunk) {
            self.failed = true;
            return Err(e);
        }
        self.written += chunk.len() as u64;
        self.pending = chunk;
        Ok(true)
    }
}

impl Read for Feed {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.pending.is_empty() {
            if !self.next_chunk()? {
                return Ok(0);
            }
        }
        let n = buf.len().min(self.pending.len());
        buf[..n].copy_from_slice(&self.pending[..n]);
        self.pending = self.pending.slice(n..);
        Ok(n)
    }
}
