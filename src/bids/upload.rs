//! Resumable uploads on the shared folder: each upload session has one
//! part file under `<shared_dir>/uploads`, appended to at a stated offset,
//! by whichever node the request reaches. A part file is never a bid: only
//! a complete, checked upload becomes one (moved to `<shared_dir>/bids`),
//! and an abandoned or expired session leaves nothing.
//!
//! Across nodes, the database decides: one request at a time uses a session
//! by holding its claim (a conditional update of the session's row, renewed
//! while the request runs, released at its end; a dead node's claim lapses
//! after [`CLAIM_LEASE`]). The offset every node reports is the one the
//! last request to end committed to the row. A request that takes the claim
//! first adopts what the part file holds: after a node died mid-chunk, the
//! bytes that reached the shared file are kept, and the client resumes from
//! there (the file's length, read on a freshly opened file, is the truth
//! about how much arrived; the declared SHA-256 and the envelope's
//! signature are checked when the last byte is in).

use super::arrival::{self, Checked};
use super::envelope::Outer;
use super::store;
use crate::clock::Clock;
use crate::db::Db;
use crate::error::AppError;
use actix_web::web::{Bytes, BytesMut};
use futures_util::{FutureExt, Stream, StreamExt};
use openssl::x509::X509;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use tokio::sync::mpsc;

/// How long a claim on an upload session lasts unless renewed: a node that
/// dies mid-request leaves the session usable by any node after this.
pub const CLAIM_LEASE: std::time::Duration = std::time::Duration::from_secs(60);

/// How often a running request renews its claim.
const RENEW_EVERY: std::time::Duration = std::time::Duration::from_secs(15);

/// A request stops writing this long before its claim would lapse without
/// a renewal, so that it has stopped before another node may take the
/// session (node clocks are assumed to agree to within this).
const STOP_BEFORE_LAPSE: chrono::Duration = chrono::Duration::seconds(10);

pub struct Uploads {
    dir: PathBuf,
    /// Where accepted bids are kept, one file per bid.
    bids: PathBuf,
    /// Where the sessions' claims are taken.
    db: Db,
    clock: Arc<dyn Clock>,
    /// Per tender, submissions whose last byte is in and which are being
    /// checked and recorded on this node: the opening waits for them.
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

/// Exclusive use of one part file for the length of a request: for an
/// upload session, its claim in the database (see the module docs); for a
/// one-shot submission, whose part file no other request knows, nothing.
pub struct Claim {
    id: String,
    lease: Option<Lease>,
}

/// A session's claim held in the database, renewed by a task of its own.
struct Lease {
    db: Db,
    by: String,
    clock: Arc<dyn Clock>,
    /// Until when the claim is surely held (the last successful renewal's
    /// end, in milliseconds since the epoch).
    held_until: Arc<AtomicI64>,
    lost: Arc<AtomicBool>,
    renewer: actix_web::rt::task::JoinHandle<()>,
    released: bool,
}

impl Claim {
    /// Whether the claim is lost, or about to lapse because its renewals
    /// failed (the database unreachable): the request must stop writing.
    pub fn lost(&self) -> bool {
        self.lease.as_ref().is_some_and(|l| {
            l.lost.load(Ordering::SeqCst)
                || (l.clock.now() + STOP_BEFORE_LAPSE).timestamp_millis()
                    >= l.held_until.load(Ordering::SeqCst)
        })
    }

    /// Releases the claim now, before the answer goes out, so that the
    /// client's next request (on any node) finds the session free.
    pub async fn release(mut self) {
        if let Some(lease) = &mut self.lease {
            lease.renewer.abort();
            lease.released = true;
            let (db, id, by) = (lease.db.clone(), self.id.clone(), lease.by.clone());
            if let Err(e) = db
                .write(move |conn| store::release_claim(conn, &id, &by))
                .await
            {
                tracing::warn!(error = %e, "releasing an upload claim; it lapses by itself");
            }
        }
    }
}

impl Drop for Claim {
    fn drop(&mut self) {
        let Some(lease) = &mut self.lease else { return };
        lease.renewer.abort();
        if lease.released {
            return;
        }
        // A request cut short: released in the background if a runtime is
        // still there; else the claim lapses after its lease.
        let (db, id, by) = (lease.db.clone(), self.id.clone(), lease.by.clone());
        if let Ok(handle) = tokio::runtime::Handle::try_current() {
            handle.spawn_blocking(move || {
                db.write_blocking(|conn| store::release_claim(conn, &id, &by))
            });
        }
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
    /// Opens `<shared_dir>/uploads` and `<shared_dir>/bids`; sessions are
    /// claimed in `db`, for leases counted on `clock`.
    pub fn open(shared_dir: &Path, db: Db, clock: Arc<dyn Clock>) -> std::io::Result<Uploads> {
        let (dir, bids) = (shared_dir.join("uploads"), shared_dir.join("bids"));
        std::fs::create_dir_all(&dir)?;
        std::fs::create_dir_all(&bids)?;
        Ok(Uploads {
            dir,
            bids,
            db,
            clock,
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
    /// without its bid: a later start removes it, on the record (see
    /// [`super::orphans`]). The file is touched first: a sweep on another
    /// node takes only files untouched for a long while for abandoned.
    pub fn keep_as_bid(&self, part: &Path, bid_id: &str) -> Result<PathBuf, AppError> {
        let target = self.bid_path(bid_id);
        let io =
            |e: std::io::Error| AppError::Internal(anyhow::Error::new(e).context("keeping a bid"));
        crate::store::touch(part).map_err(io)?;
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

    /// The part file of an upload (ids are UUIDs, checked by the caller).
    pub fn part_path(&self, id: &str) -> PathBuf {
        self.dir.join(format!("{id}.part"))
    }

    /// The claim of a one-shot submission's part file, which no other
    /// request knows of (its name is a fresh UUID).
    pub fn private(&self, id: &str) -> Claim {
        Claim {
            id: id.to_string(),
            lease: None,
        }
    }

    /// One request at a time per upload session, across every node: takes
    /// the session's claim in the database, and keeps renewing it until it
    /// is released (or dropped). A 409 if another request holds it.
    pub async fn claim(&self, id: &str) -> Result<Claim, AppError> {
        let by = format!("{}/{}", crate::cluster::node_id(), uuid::Uuid::new_v4());
        let lease = chrono::Duration::from_std(CLAIM_LEASE)
            .map_err(|e| AppError::Internal(anyhow::anyhow!(e)))?;
        let now = self.clock.now();
        let taken = {
            let (id, by) = (id.to_string(), by.clone());
            self.db
                .write(move |conn| store::claim_upload(conn, &id, &by, now, now + lease))
                .await?
        };
        if !taken {
            return Err(AppError::Conflict(
                "another request is writing to this upload right now; wait for it to finish".into(),
            )
            .because("upload.busy", serde_json::json!({})));
        }
        let lost = Arc::new(AtomicBool::new(false));
        let held = Arc::new(AtomicI64::new((now + lease).timestamp_millis()));
        let renewer = {
            let (db, clock, id, by, lost, held) = (
                self.db.clone(),
                self.clock.clone(),
                id.to_string(),
                by.clone(),
                lost.clone(),
                held.clone(),
            );
            actix_web::rt::spawn(async move {
                let mut held_until = now + lease;
                loop {
                    actix_web::rt::time::sleep(RENEW_EVERY).await;
                    let until = clock.now() + lease;
                    let (id, by) = (id.clone(), by.clone());
                    match db
                        .write(move |conn| store::renew_claim(conn, &id, &by, until))
                        .await
                    {
                        Ok(true) => {
                            held_until = until;
                            held.store(until.timestamp_millis(), Ordering::SeqCst);
                        }
                        Ok(false) => {
                            lost.store(true, Ordering::SeqCst);
                            return;
                        }
                        Err(e) if clock.now() >= held_until => {
                            tracing::error!(error = %e, "an upload claim lapsed");
                            lost.store(true, Ordering::SeqCst);
                            return;
                        }
                        Err(e) => tracing::warn!(error = %e, "renewing an upload claim"),
                    }
                }
            })
        };
        Ok(Claim {
            id: id.to_string(),
            lease: Some(Lease {
                db: self.db.clone(),
                by,
                clock: self.clock.clone(),
                held_until: held,
                lost,
                renewer,
                released: false,
            }),
        })
    }

    /// Makes the empty part file of a new session.
    pub fn create(&self, id: &str) -> Result<(), AppError> {
        std::fs::File::create(self.part_path(id))
            .map(|_| ())
            .map_err(|e| AppError::Internal(anyhow::Error::new(e).context("creating upload part")))
    }

    /// Under the session's claim: what the part file holds (read on a file
    /// opened afresh, so written through any node), made the committed
    /// offset if the last request to write did not commit it (its node
    /// died). `None` if the part file is gone.
    pub async fn adopt(&self, claim: &Claim, committed: u64) -> Result<Option<u64>, AppError> {
        let path = self.part_path(&claim.id);
        let have = tokio::task::spawn_blocking(move || -> std::io::Result<Option<u64>> {
            let file = match std::fs::File::open(&path) {
                Ok(f) => f,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
                Err(e) => return Err(e),
            };
            let len = file.metadata()?.len();
            Ok(Some(len))
        })
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("reading an upload part: {e}")))?
        .map_err(|e| AppError::Internal(anyhow::Error::new(e).context("reading an upload part")))?;
        if let Some(have) = have
            && have != committed
        {
            if have < committed {
                tracing::error!(
                    upload = claim.id,
                    have,
                    committed,
                    "an upload's part file is shorter than its committed offset"
                );
            }
            let id = claim.id.clone();
            self.db
                .write(move |conn| store::note_progress(conn, &id, have))
                .await?;
        }
        Ok(have)
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
        claim: &Claim,
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
        // Opened first, its length read from the open file: on a shared
        // mount, what every node wrote and closed before (close-to-open).
        let file = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .map_err(|_| {
                AppError::NotFound("this upload has no data file any more".into())
                    .because("upload.data-gone", serde_json::json!({}))
            })?;
        let have = file.metadata().map(|m| m.len()).map_err(|e| {
            AppError::Internal(anyhow::Error::new(e).context("reading upload part"))
        })?;
        if have != offset {
            return Err(AppError::Conflict(format!(
                "the upload is at offset {have}, not {offset}: resume from {have}"
            ))
            .because(
                "upload.offset-mismatch",
                serde_json::json!({ "offset": offset, "have": have }),
            ));
        }
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
            if claim.lost() {
                stopped = Some("this request lost its claim on the upload".to_string());
                break;
            }
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
            ))
            .because("upload.past-declared", serde_json::json!({ "size": size })));
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
