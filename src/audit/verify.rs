//! `ggzy audit verify`: checks the audit log from outside, as a supervisor
//! would, trusting nothing the platform says without a proof.
//!
//! 1. The latest checkpoint must carry a good signature of the log's key
//!    (pinned with `--vkey`, or remembered in the state file from the last
//!    run) and be consistent with the checkpoint the last run saw. Every
//!    checkpoint must name the one signed before it (none deleted).
//! 2. Every entry is downloaded (or read from an export): indices without
//!    gaps, each leaf hash recomputed from its canonical encoding, each
//!    encoding equal to the event shown beside it.
//! 3. The tree is rebuilt from the entries and its root at every signed
//!    checkpoint's size must be that checkpoint's root. Where one is not,
//!    the entries between the last good checkpoint and it are checked one by
//!    one with inclusion proofs, and the changed ones are named.
//! 4. Each entry's time must fit when it joined the log: not after the
//!    checkpoint that first covers it, not long before the one that did not.
//!    A row inserted into the database afterwards with an earlier time is
//!    caught here.
//! 5. The platform's current state must be on the record: every tender the
//!    API lists has its `tender.create` entry.

use super::entry::AuditEvent;
use super::merkle::{self, Hash, MemoryTree};
use super::note::{Checkpoint, NoteVerifier};
use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// An event stamped longer than this before it joined the log is flagged
/// as backdated (events are stamped when their request starts: a slow
/// upload of a large document takes minutes).
pub const MAX_LAG_SECONDS: i64 = 3600;
/// Clock tolerance between an event's time and its checkpoint's (whole
/// seconds in the note).
const SKEW_SECONDS: i64 = 2;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EntryJson {
    pub index: u64,
    pub leaf_hash: String,
    pub leaf_input: Option<String>,
    pub event: Option<AuditEvent>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CheckpointJson {
    pub tree_size: u64,
    pub root_hash: String,
    pub note: String,
}

/// Everything the checks read: what a download gathers, what an export holds.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Snapshot {
    pub vkey: String,
    pub latest: String,
    pub checkpoints: Vec<CheckpointJson>,
    pub entries: Vec<EntryJson>,
    /// Tender ids the platform lists now.
    pub tenders: Vec<String>,
}

/// What the last run saw (the state file).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct State {
    pub vkey: String,
    pub checkpoint: String,
}

/// The outcome: findings empty means the log checks out.
#[derive(Debug, Default)]
pub struct Report {
    pub size: u64,
    pub checkpoints: usize,
    pub findings: Vec<String>,
}

fn b64_hash(text: &str) -> Option<Hash> {
    openssl::base64::decode_block(text).ok()?.try_into().ok()
}

/// Fetches an inclusion proof `(index, tree_size)`; absent when checking
/// an export offline.
pub type Prover<'a> = Option<&'a mut dyn FnMut(u64, u64) -> anyhow::Result<Vec<Hash>>>;

/// Runs checks 2 to 5 over a snapshot whose latest checkpoint `latest`
/// has already been verified.
pub fn check(
    snapshot: &Snapshot,
    verifier: &NoteVerifier,
    latest: &Checkpoint,
    seen: Option<&Checkpoint>,
    mut prove: Prover<'_>,
) -> Report {
    let mut report = Report {
        size: latest.size,
        ..Report::default()
    };
    let f = &mut report.findings;
    // Checkpoints: signatures, ascending sizes and times.
    let mut signed: Vec<Checkpoint> = Vec::new();
    for c in &snapshot.checkpoints {
        match verifier.open(&c.note) {
            Ok(cp) if cp.size == c.tree_size && b64_hash(&c.root_hash) == Some(cp.root) => {
                if let Some(prev) = signed.last()
                    && (cp.size <= prev.size || cp.time < prev.time)
                {
                    f.push(format!(
                        "checkpoint of {} entries (time {}) does not follow the one of {} (time {})",
                        cp.size, cp.time, prev.size, prev.time
                    ));
                }
                signed.push(cp);
            }
            Ok(_) => f.push(format!(
                "checkpoint of {} entries: the listing does not match its signed note",
                c.tree_size
            )),
            Err(e) => f.push(format!("checkpoint of {} entries: {e:#}", c.tree_size)),
        }
    }
    // The chain: each checkpoint names the one signed just before it, so
    // none can be deleted unnoticed (an older log's first checkpoints,
    // signed before chaining, name none).
    for (k, cp) in signed.iter().enumerate() {
        let before = k.checked_sub(1).map(|j| &signed[j]);
        match (cp.prev, before) {
            (Some((size, root)), Some(b)) if b.size == size && b.root == root => {}
            (Some((size, _)), _) => f.push(format!(
                "the checkpoint of {} entries follows one of {size} entries that is not listed: checkpoints deleted from the database?",
                cp.size
            )),
            (None, Some(b)) if b.prev.is_some() => f.push(format!(
                "the checkpoint of {} entries does not name the one of {} entries before it",
                cp.size, b.size
            )),
            (None, _) => {}
        }
    }
    if signed.last() != Some(latest) {
        f.push(format!(
            "the latest checkpoint ({} entries) is not the last of the listed checkpoints",
            latest.size
        ));
    }
    if let Some(seen) = seen
        && !signed
            .iter()
            .any(|c| c.size == seen.size && c.root == seen.root)
    {
        f.push(format!(
            "the checkpoint of {} entries seen last time is no longer listed: deleted from the database?",
            seen.size
        ));
    }
    report.checkpoints = signed.len();
    // Entries: contiguous, each hash recomputed, each encoding its event.
    let mut tree = MemoryTree::default();
    let mut times: Vec<Option<i64>> = Vec::with_capacity(snapshot.entries.len());
    for e in &snapshot.entries {
        let expected = tree.size();
        if e.index != expected {
            f.push(format!(
                "entry {expected} is missing (the next one given is {}): deleted from the database?",
                e.index
            ));
            return report;
        }
        let Some(given) = b64_hash(&e.leaf_hash) else {
            f.push(format!(
                "entry {}: the leaf hash is not 32 bytes of base64",
                e.index
            ));
            return report;
        };
        let mut time = None;
        if let Some(input) = &e.leaf_input {
            // (An unreadable entry is reported and the tree still takes
            // its given hash, so the entries after it are checked too.)
            let Ok(bytes) = openssl::base64::decode_block(input) else {
                f.push(format!("entry {}: leaf_input is not base64", e.index));
                times.push(None);
                tree.push(given);
                continue;
            };
            if merkle::leaf_hash(&bytes) != given {
                f.push(format!(
                    "entry {}: its leaf hash is not its encoding's",
                    e.index
                ));
            }
            match AuditEvent::from_leaf_input(&bytes) {
                Some(decoded) if Some(&decoded) == e.event.as_ref() => {
                    time = Some(decoded.occurred_at.timestamp())
                }
                Some(_) => f.push(format!(
                    "entry {}: the event shown is not the one encoded",
                    e.index
                )),
                None => f.push(format!("entry {}: the encoding is malformed", e.index)),
            }
        }
        times.push(time);
        tree.push(given);
    }
    if tree.size() != latest.size {
        f.push(format!(
            "{} entries given for a checkpoint of {}",
            tree.size(),
            latest.size
        ));
        return report;
    }
    // The checkpoint the last run saw must be a prefix of this log.
    if let Some(seen) = seen
        && (seen.size > tree.size() || tree.root_at(seen.size) != seen.root)
    {
        f.push(format!(
            "the checkpoint of {} entries seen last time is not consistent with these entries: the log was rewritten",
            seen.size
        ));
    }
    // Every checkpoint's root from the entries; pinpoint what differs.
    let mut good = 0u64;
    for cp in &signed {
        if cp.size > tree.size() {
            continue;
        }
        if tree.root_at(cp.size) == cp.root {
            good = cp.size;
            continue;
        }
        let mut named = 0;
        if let Some(prove) = prove.as_deref_mut() {
            for index in good..cp.size {
                let leaf = tree.get(merkle::NodeId::leaf(index));
                match prove(index, cp.size) {
                    Ok(path)
                        if merkle::verify_inclusion(index, cp.size, &leaf, &path, &cp.root) => {}
                    Ok(_) => {
                        named += 1;
                        let what = snapshot.entries[index as usize]
                            .event
                            .as_ref()
                            .map(|e| {
                                format!(
                                    " (seq {}, {} on {} {})",
                                    e.seq, e.action, e.object_type, e.object_id
                                )
                            })
                            .unwrap_or_default();
                        f.push(format!(
                            "entry {index}{what} is not what the checkpoint of {} entries (time {}) signed: changed in the database",
                            cp.size, cp.time
                        ));
                    }
                    Err(e) => f.push(format!("inclusion proof of entry {index}: {e:#}")),
                }
                if named >= 20 {
                    break;
                }
            }
        }
        if named == 0 {
            f.push(format!(
                "the entries do not give the root the checkpoint of {} entries (time {}) signed: an entry between {good} and {} was changed",
                cp.size, cp.time, cp.size
            ));
        }
        // Later checkpoints would repeat the same finding.
        break;
    }
    // Times: each entry joined the log at the first checkpoint covering it.
    let mut covering = signed.iter().peekable();
    let mut before: Option<&Checkpoint> = None;
    for (index, time) in times.iter().enumerate() {
        while let Some(cp) = covering.peek() {
            if cp.size > index as u64 {
                break;
            }
            before = covering.next();
        }
        let (Some(time), Some(first)) = (time, covering.peek()) else {
            continue;
        };
        if *time > first.time + SKEW_SECONDS {
            f.push(format!(
                "entry {index} claims a time ({time}) after the checkpoint that first logged it (time {})",
                first.time
            ));
        }
        if let Some(prev) = before
            && *time < prev.time - MAX_LAG_SECONDS
        {
            f.push(format!(
                "entry {index} claims a time ({time}) long before it joined the log (after the checkpoint of {} entries, time {}): inserted afterwards?",
                prev.size, prev.time
            ));
        }
    }
    // The state: every listed tender was created on the record.
    let created: std::collections::HashSet<&str> = snapshot
        .entries
        .iter()
        .filter_map(|e| e.event.as_ref())
        .filter(|e| e.action == "tender.create")
        .map(|e| e.object_id.as_str())
        .collect();
    let hidden = snapshot.entries.iter().any(|e| e.event.is_none());
    for t in &snapshot.tenders {
        if !created.contains(t.as_str()) && !hidden {
            f.push(format!(
                "tender {t} exists but its creation is not in the log"
            ));
        }
    }
    report
}

/// The command's options.
pub struct Options {
    pub url: Option<String>,
    pub token: Option<String>,
    pub ca_file: Option<PathBuf>,
    pub vkey: Option<String>,
    pub state: Option<PathBuf>,
    pub export: Option<PathBuf>,
    pub from_export: Option<PathBuf>,
}

/// Runs the command; prints a report; errs when anything is wrong.
pub fn run(opts: Options) -> anyhow::Result<()> {
    let previous: Option<State> = match &opts.state {
        Some(p) if p.exists() => Some(
            serde_json::from_slice(
                &std::fs::read(p).with_context(|| format!("reading {}", p.display()))?,
            )
            .with_context(|| format!("{} is not a state file", p.display()))?,
        ),
        _ => None,
    };
    let api = match &opts.url {
        Some(url) => {
            let mut api = crate::bids::cli::Api::new(url, opts.ca_file.as_deref())?;
            api.token = opts.token.clone();
            Some(api)
        }
        None => None,
    };
    let snapshot = match (&opts.from_export, &api) {
        (Some(path), _) => serde_json::from_slice(
            &std::fs::read(path).with_context(|| format!("reading {}", path.display()))?,
        )
        .with_context(|| format!("{} is not an export of the audit log", path.display()))?,
        (None, Some(api)) => download(api)?,
        (None, None) => bail!("give --url (download the log) or --from-export FILE"),
    };
    if let Some(path) = &opts.export {
        std::fs::write(path, serde_json::to_vec(&snapshot)?)
            .with_context(|| format!("writing {}", path.display()))?;
    }
    // The key: pinned, or remembered, or (first run) taken as published.
    let pinned = opts
        .vkey
        .clone()
        .or_else(|| previous.as_ref().map(|p| p.vkey.clone()));
    if let Some(pinned) = &pinned
        && pinned.trim() != snapshot.vkey
    {
        bail!(
            "the log's key is not the one expected: {} (published: {})",
            pinned.trim(),
            snapshot.vkey
        );
    }
    let verifier = NoteVerifier::parse(&snapshot.vkey)?;
    let latest = verifier
        .open(&snapshot.latest)
        .context("the latest checkpoint")?;
    let mut findings_before = Vec::new();
    let seen = previous
        .as_ref()
        .map(|prev| verifier.open(&prev.checkpoint))
        .transpose()
        .context("the checkpoint in the state file")?;
    if let Some(seen) = &seen {
        let consistent = if seen.size > latest.size {
            false
        } else if let Some(api) = &api {
            let path = if seen.size == 0 {
                Vec::new()
            } else {
                fetch_consistency(api, seen.size, latest.size)?
            };
            merkle::verify_consistency(seen.size, latest.size, &seen.root, &latest.root, &path)
        } else {
            true // checked against the entries in `check`
        };
        if !consistent {
            findings_before.push(format!(
                "the checkpoint of {} entries seen last time is not consistent with the latest of {}: the log was rewritten",
                seen.size, latest.size
            ));
        }
    }
    let mut prove = |index: u64, size: u64| -> anyhow::Result<Vec<Hash>> {
        let api = api.as_ref().context("no server")?;
        let reply = api
            .get(&format!(
                "/api/v1/audit/log/proof/inclusion?index={index}&tree_size={size}"
            ))?
            .expect(200, "an inclusion proof")?;
        let proof: serde_json::Value = reply.json()?;
        hashes(&proof["hashes"])
    };
    let prover: Prover<'_> = if api.is_some() {
        Some(&mut prove)
    } else {
        None
    };
    let mut report = check(&snapshot, &verifier, &latest, seen.as_ref(), prover);
    findings_before.append(&mut report.findings);
    report.findings = findings_before;
    println!(
        "audit log {}: {} entries, {} signed checkpoints checked",
        verifier.name, report.size, report.checkpoints
    );
    if report.findings.is_empty() {
        println!("OK: every checkpoint is consistent, every entry included and unchanged");
        if let Some(path) = &opts.state {
            let state = State {
                vkey: snapshot.vkey.clone(),
                checkpoint: snapshot.latest.clone(),
            };
            write_state(path, &state)?;
        }
        return Ok(());
    }
    for finding in &report.findings {
        println!("FAIL: {finding}");
    }
    bail!(
        "the audit log does not verify ({} findings): {}",
        report.findings.len(),
        report.findings.join("; ")
    )
}

fn write_state(path: &Path, state: &State) -> anyhow::Result<()> {
    std::fs::write(path, serde_json::to_vec_pretty(state)?)
        .with_context(|| format!("writing {}", path.display()))
}

fn hashes(value: &serde_json::Value) -> anyhow::Result<Vec<Hash>> {
    value
        .as_array()
        .context("hashes is a list")?
        .iter()
        .map(|h| {
            h.as_str()
                .and_then(b64_hash)
                .context("a hash is 32 bytes of base64")
        })
        .collect()
}

fn fetch_consistency(
    api: &crate::bids::cli::Api,
    first: u64,
    second: u64,
) -> anyhow::Result<Vec<Hash>> {
    let reply = api
        .get(&format!(
            "/api/v1/audit/log/proof/consistency?first={first}&second={second}"
        ))?
        .expect(200, "a consistency proof")?;
    let proof: serde_json::Value = reply.json()?;
    hashes(&proof["hashes"])
}

/// Downloads the key, the checkpoints, every entry and the tender list.
pub fn download(api: &crate::bids::cli::Api) -> anyhow::Result<Snapshot> {
    // The tenders first, then (after the sequencer has had its second)
    // the log: every tender listed was created before the checkpoint read.
    let mut tenders = Vec::new();
    for page in 1.. {
        let reply = api.get(&format!("/api/v1/tenders?per_page=100&page={page}"))?;
        if reply.status != 200 {
            break;
        }
        let body: serde_json::Value = reply.json()?;
        let items = body["items"].as_array().cloned().unwrap_or_default();
        tenders.extend(
            items
                .iter()
                .filter_map(|t| t["id"].as_str().map(String::from)),
        );
        if items.len() < 100 {
            break;
        }
    }
    std::thread::sleep(std::time::Duration::from_secs(2));
    let key: serde_json::Value = api
        .get("/api/v1/audit/log/key")?
        .expect(200, "the log's key")?
        .json()?;
    let vkey = key["vkey"]
        .as_str()
        .context("the key has no vkey")?
        .to_string();
    let latest = String::from_utf8(
        api.get("/api/v1/audit/log/checkpoint")?
            .expect(200, "the latest checkpoint")?
            .body,
    )
    .context("the checkpoint is not text")?;
    let size: u64 = latest
        .lines()
        .nth(1)
        .and_then(|l| l.parse().ok())
        .context("the checkpoint has no size line")?;
    let mut checkpoints: Vec<CheckpointJson> = Vec::new();
    loop {
        let from = checkpoints.last().map_or(0, |c| c.tree_size + 1);
        let page: serde_json::Value = api
            .get(&format!(
                "/api/v1/audit/log/checkpoints?from_size={from}&limit=1000"
            ))?
            .expect(200, "the checkpoints")?
            .json()?;
        let list: Vec<CheckpointJson> = serde_json::from_value(page["checkpoints"].clone())?;
        let done = list.len() < 1000;
        checkpoints.extend(list.into_iter().filter(|c| c.tree_size <= size));
        if done || checkpoints.last().is_some_and(|c| c.tree_size >= size) {
            break;
        }
    }
    let mut entries = Vec::with_capacity(size as usize);
    let mut start = 0;
    while start < size {
        let end = (start + super::log_api::MAX_ENTRIES).min(size);
        let page: serde_json::Value = api
            .get(&format!(
                "/api/v1/audit/log/entries?start={start}&end={end}"
            ))?
            .expect(200, "the log's entries")?
            .json()?;
        let list: Vec<EntryJson> = serde_json::from_value(page["entries"].clone())?;
        entries.extend(list);
        start = end;
    }
    Ok(Snapshot {
        vkey,
        latest,
        checkpoints,
        entries,
        tenders,
    })
}
