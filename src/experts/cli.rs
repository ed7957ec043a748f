//! `ggzy draw verify`: replays a committee draw from its published record
//! (downloaded from a platform, or a saved file) and says whether it
//! matches. Offline it checks every commitment, the seed, the committee,
//! the reserves, the exclusions and each replacement. Online it also checks
//! the tree head's signature with the log's key, that it is the last
//! checkpoint signed at or before the deadline, that the commitment is an
//! entry of its tree (made before the seed could be known), and that the
//! contribution and the draw as recorded are what the audit log holds.

use super::committee::DrawRecord;
use super::draw::{self, Rules, SeedInputs, Snapshot};
use crate::audit::merkle;
use crate::audit::note::NoteVerifier;
use anyhow::{Context, bail};
use clap::Subcommand;
use std::collections::BTreeSet;
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum DrawCommand {
    /// Replay a committee draw from its published inputs and say whether
    /// the platform's result matches. Exit status 1 on any finding.
    Verify {
        /// The platform, e.g. http://127.0.0.1:8080 (with --tender).
        #[arg(long, requires = "tender", conflicts_with = "record")]
        url: Option<String>,
        /// The tender whose draw to replay.
        #[arg(long)]
        tender: Option<String>,
        /// A session token (operators and supervisors read a draw before
        /// the evaluation starts; anyone after).
        #[arg(long, env = "GGZY_TOKEN")]
        token: Option<String>,
        /// CA certificates (PEM) to trust for HTTPS.
        #[arg(long)]
        ca_file: Option<PathBuf>,
        /// The audit log's verifier key to check the tree head with;
        /// online, the published one is used when none is given.
        #[arg(long)]
        vkey: Option<String>,
        /// A saved draw record (the JSON of .../committee/draw-record).
        #[arg(long)]
        record: Option<PathBuf>,
        /// Also write the downloaded record to this file.
        #[arg(long)]
        save: Option<PathBuf>,
    },
}

/// The outcome of a replay: what was checked, and what did not match.
#[derive(Debug, Default)]
pub struct Report {
    pub checked: Vec<String>,
    pub findings: Vec<String>,
}

impl Report {
    fn check(&mut self, ok: bool, what: &str, finding: impl FnOnce() -> String) {
        if ok {
            self.checked.push(what.to_string());
        } else {
            self.findings.push(finding());
        }
    }
}

fn hex_decode(text: &str) -> Option<Vec<u8>> {
    // Lower-case hex only, as the platform writes it: one value, one text.
    let lower = |b: u8| b.is_ascii_digit() || (b'a'..=b'f').contains(&b);
    if !text.len().is_multiple_of(2) || !text.bytes().all(lower) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).ok())
        .collect()
}

/// Replays a record, offline. `vkey`, when given, checks the tree head's
/// signature.
pub fn replay(record: &DrawRecord, vkey: Option<&str>) -> Report {
    let mut report = Report::default();
    report.check(record.version == draw::VERSION, "algorithm", || {
        format!(
            "unknown algorithm {:?}; this replays {}",
            record.version,
            draw::VERSION
        )
    });
    let c = &record.commitment;
    report.check(
        c.tender_id == record.tender_id,
        "commitment names the tender",
        || {
            format!(
                "the commitment is for tender {}, the record for {}",
                c.tender_id, record.tender_id
            )
        },
    );
    report.check(
        c.snapshot_sha256 == draw::sha256_hex(record.snapshot.as_bytes()),
        "pool snapshot matches its commitment",
        || "the pool snapshot is not the one committed (its SHA-256 differs)".into(),
    );
    report.check(
        c.rules_sha256 == draw::sha256_hex(record.rules.as_bytes()),
        "rules match their commitment",
        || "the rules are not the ones committed (their SHA-256 differs)".into(),
    );
    let value = hex_decode(&record.platform_value);
    report.check(
        value.as_deref().map(draw::commitment).as_deref() == Some(c.platform_commitment.as_str()),
        "platform value matches its commitment",
        || "the revealed platform value is not the one committed (its SHA-256 differs)".into(),
    );
    report.check(
        record.committed_at < record.bid_deadline,
        "committed before the bid deadline",
        || {
            format!(
                "committed at {}, not before the deadline {}",
                record.committed_at, record.bid_deadline
            )
        },
    );
    report.check(
        record.tree_head.signed_at <= record.bid_deadline,
        "tree head signed at or before the deadline",
        || {
            format!(
                "the tree head was signed at {}, after the deadline {}",
                record.tree_head.signed_at, record.bid_deadline
            )
        },
    );
    let root: Option<[u8; 32]> = openssl::base64::decode_block(&record.tree_head.root)
        .ok()
        .and_then(|r| r.try_into().ok());
    let Some(root) = root else {
        report
            .findings
            .push("the tree head's root is not 32 bytes of base64".into());
        return report;
    };
    // The checkpoint note says the same size and root.
    let body: Vec<&str> = record.tree_head.checkpoint.lines().take(3).collect();
    report.check(
        body.len() == 3
            && body[1] == record.tree_head.size.to_string()
            && body[2] == record.tree_head.root,
        "checkpoint note names the tree head",
        || "the checkpoint note does not name the tree head's size and root".into(),
    );
    if let Some(vkey) = vkey {
        match NoteVerifier::parse(vkey).and_then(|v| v.open(&record.tree_head.checkpoint)) {
            Ok(cp) => {
                report.check(
                    cp.size == record.tree_head.size && cp.root == root,
                    "checkpoint signed by the log's key",
                    || "the signed checkpoint names another tree".into(),
                );
                report.check(
                    cp.time <= record.bid_deadline.timestamp(),
                    "checkpoint's signed time at or before the deadline",
                    || {
                        format!(
                            "the checkpoint says it was signed at {}, after the deadline",
                            cp.time
                        )
                    },
                );
            }
            Err(e) => report.findings.push(format!(
                "the tree head's checkpoint is not signed by the log's key: {e:#}"
            )),
        }
    }
    let (snapshot, rules) = match (
        serde_json::from_str::<Snapshot>(&record.snapshot),
        serde_json::from_str::<Rules>(&record.rules),
    ) {
        (Ok(s), Ok(r)) => (s, r),
        (Err(e), _) => {
            report
                .findings
                .push(format!("the snapshot cannot be read: {e}"));
            return report;
        }
        (_, Err(e)) => {
            report
                .findings
                .push(format!("the rules cannot be read: {e}"));
            return report;
        }
    };
    let seed = draw::seed(&SeedInputs {
        tender_id: &record.tender_id,
        snapshot: &record.snapshot,
        rules: &record.rules,
        platform_value: &record.platform_value,
        supervisor_contribution: &record.supervisor_contribution,
        tree_size: record.tree_head.size,
        tree_root: root,
    });
    // Before the tender's opening the bidders are sealed: the draw cannot
    // be replayed until the record is fetched again after it.
    let Some(bidders) = &record.bidders else {
        report.findings.push(
            "the bidders are sealed until the tender's opening (招标投标法 第22条): fetch the record again after the opening to replay the draw"
                .into(),
        );
        return report;
    };
    match (&record.bidders_commitment, &record.bidders_salt) {
        (Some(commitment), Some(salt)) => report.check(
            draw::bidders_commitment(salt, bidders) == *commitment,
            "bidders against their salted commitment",
            || "the bidders and the salt do not give the recorded commitment".into(),
        ),
        (Some(_), None) => report
            .findings
            .push("the record commits to the bidders but gives no salt".into()),
        _ => {}
    }
    let bidders: BTreeSet<String> = bidders.iter().cloned().collect();
    let mut replayed = draw::draw(&snapshot, &rules, &bidders, &seed);
    report.check(replayed.seed == record.drawn.seed, "seed", || {
        format!(
            "the seed is {}, the record says {}",
            replayed.seed, record.drawn.seed
        )
    });
    report.check(
        replayed.excluded == record.drawn.excluded,
        "exclusions",
        || "the experts excluded, or the reasons, differ from the replay".into(),
    );
    report.check(
        replayed.committee == record.drawn.committee,
        "committee",
        || {
            let ids = |seats: &[draw::Seat]| {
                seats
                    .iter()
                    .map(|s| s.expert.clone())
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            format!(
                "the committee drawn was [{}]; the replay gives [{}]",
                ids(&record.drawn.committee),
                ids(&replayed.committee)
            )
        },
    );
    report.check(
        replayed.reserves == record.drawn.reserves,
        "reserve order",
        || "the ordered reserve list differs from the replay".into(),
    );
    for (i, r) in record.replacements.iter().enumerate() {
        match replayed.replace(&r.expert, &snapshot, &rules) {
            Ok(seat) => {
                let got = seat.map(|s| s.expert);
                report.check(
                    got == r.replacement,
                    &format!("replacement {}", i + 1),
                    || {
                        format!(
                            "replacement {}: {} left ({}); the replay seats {:?}, the record {:?}",
                            i + 1,
                            r.expert,
                            r.reason,
                            got,
                            r.replacement
                        )
                    },
                )
            }
            Err(e) => report.findings.push(format!("replacement {}: {e}", i + 1)),
        }
    }
    report.check(
        replayed.committee == record.committee,
        "committee after replacements",
        || "the committee now is not what the replacements lead to".into(),
    );
    // The tenderer's representatives are named, not drawn: the committed
    // rules hold how many, the record who; none is a drawn member.
    let named = record.representatives.len();
    report.check(
        u32::try_from(named).ok() == Some(rules.representatives)
            && record.representatives.iter().all(|r| {
                r.member == super::committee::representative_key(&r.user_id)
                    && !record.committee.iter().any(|s| s.expert == r.member)
            }),
        "representatives as committed, not drawn",
        || {
            format!(
                "the committed rules hold {} representative(s); the record names {named}",
                rules.representatives
            )
        },
    );
    report
}

/// One audit entry, read whole (operators and supervisors may).
fn entry_at(
    api: &crate::bids::cli::Api,
    index: u64,
) -> anyhow::Result<Option<(Vec<u8>, crate::audit::entry::AuditEvent)>> {
    #[derive(serde::Deserialize)]
    struct Entries {
        entries: Vec<Entry>,
    }
    #[derive(serde::Deserialize)]
    struct Entry {
        leaf_input: Option<String>,
    }
    let entries: Entries = api
        .get(&format!(
            "/api/v1/audit/log/entries?start={index}&end={}",
            index + 1
        ))?
        .expect(200, "reading an audit entry")?
        .json()?;
    let Some(input) = entries.entries.first().and_then(|e| e.leaf_input.clone()) else {
        return Ok(None);
    };
    let input = openssl::base64::decode_block(&input).context("the entry's leaf input")?;
    Ok(crate::audit::entry::AuditEvent::from_leaf_input(&input).map(|e| (input, e)))
}

/// Whether the audit entry at `index` records `action` on this tender with
/// exactly `payload`.
fn check_entry(
    api: &crate::bids::cli::Api,
    record: &DrawRecord,
    index: Option<u64>,
    action: &str,
    payload: &serde_json::Value,
    report: &mut Report,
) -> anyhow::Result<Option<Vec<u8>>> {
    let Some(index) = index else {
        report.findings.push(format!(
            "the record does not say where {action} is in the audit log"
        ));
        return Ok(None);
    };
    let Some((input, event)) = entry_at(api, index)? else {
        report.findings.push(format!(
            "audit entry {index} ({action}) is not readable with this token"
        ));
        return Ok(None);
    };
    let expected = crate::audit::payload_hash(payload).map_err(|e| anyhow::anyhow!("{e}"))?;
    report.check(
        event.action == action
            && event.tender_id.as_deref() == Some(record.tender_id.as_str())
            && event.payload_sha256 == expected,
        &format!("audit entry {index} records {action} with exactly these values"),
        || format!("audit entry {index} is not this draw's {action}, or records other values"),
    );
    Ok(Some(input))
}

/// Online: the tree head is the last checkpoint signed at or before the
/// deadline (the next one, chained to it, was signed after); the
/// commitment is an entry of its tree, so it was made before the seed could
/// be known; the contribution and the draw as recorded are the ones the log
/// holds.
fn check_in_log(
    api: &crate::bids::cli::Api,
    record: &DrawRecord,
    verifier: Option<&NoteVerifier>,
    report: &mut Report,
) -> anyhow::Result<()> {
    let size = record.tree_head.size;
    #[derive(serde::Deserialize)]
    struct Listed {
        checkpoints: Vec<ListedCheckpoint>,
    }
    #[derive(serde::Deserialize)]
    struct ListedCheckpoint {
        tree_size: u64,
        note: String,
    }
    let listed: Listed = api
        .get(&format!(
            "/api/v1/audit/log/checkpoints?from_size={size}&limit=2"
        ))?
        .expect(200, "reading the log's checkpoints")?
        .json()?;
    let deadline = record.bid_deadline.timestamp();
    match (listed.checkpoints.first(), listed.checkpoints.get(1), verifier) {
        (Some(head), Some(next), Some(v)) if head.tree_size == size => {
            let (head_cp, next_cp) = (v.open(&head.note)?, v.open(&next.note)?);
            let root = head_cp.root;
            report.check(
                head.note == record.tree_head.checkpoint,
                "the tree head is the log's own checkpoint",
                || "the log's checkpoint of that size is not the record's".into(),
            );
            report.check(
                head_cp.time <= deadline
                    && next_cp.time >= deadline
                    && next_cp.prev == Some((size, root)),
                "the tree head is the last checkpoint signed at or before the deadline",
                || {
                    format!(
                        "the tree head (signed at {}) is not the last checkpoint before the deadline {deadline}: the next (size {}, signed at {}) follows it",
                        head_cp.time, next.tree_size, next_cp.time
                    )
                },
            );
        }
        _ => report.findings.push(
            "the log does not list the tree head and a checkpoint signed after it; the tree head's place was not checked"
                .into(),
        ),
    }
    let commitment = serde_json::to_value(&record.commitment)?;
    if let Some(input) = check_entry(
        api,
        record,
        record.commitment_index,
        "draw.committed",
        &commitment,
        report,
    )? && let Some(index) = record.commitment_index
    {
        if index >= size {
            report.findings.push(format!(
                "the commitment is entry {index}, outside the tree head of {size} entries: it was made after the seed's tree head"
            ));
            return Ok(());
        }
        #[derive(serde::Deserialize)]
        struct Proof {
            hashes: Vec<String>,
        }
        let proof: Proof = api
            .get(&format!(
                "/api/v1/audit/log/proof/inclusion?index={index}&tree_size={size}"
            ))?
            .expect(200, "reading the commitment's inclusion proof")?
            .json()?;
        let hashes = proof
            .hashes
            .iter()
            .map(|h| {
                openssl::base64::decode_block(h)
                    .ok()
                    .and_then(|b| <[u8; 32]>::try_from(b).ok())
                    .context("a proof hash is not 32 bytes of base64")
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        let root: [u8; 32] = openssl::base64::decode_block(&record.tree_head.root)?
            .try_into()
            .ok()
            .context("the tree head's root")?;
        report.check(
            merkle::verify_inclusion(index, size, &merkle::leaf_hash(&input), &hashes, &root),
            "commitment included in the tree head (made before the seed was known)",
            || format!("entry {index} is not included in the tree head's tree"),
        );
    }
    let contributed = serde_json::json!({
        "contribution_sha256": draw::sha256_hex(record.supervisor_contribution.as_bytes()),
    });
    check_entry(
        api,
        record,
        record.contributed_index,
        "draw.contributed",
        &contributed,
        report,
    )?;
    let drawn = serde_json::json!({
        "platform_value": record.platform_value,
        "tree_size": record.tree_head.size,
        "tree_root": record.tree_head.root,
        "bidders_commitment": record.bidders_commitment,
        "seed": record.drawn.seed,
        "committee": record.drawn.committee,
    });
    check_entry(
        api,
        record,
        record.drawn_index,
        "draw.drawn",
        &drawn,
        report,
    )?;
    Ok(())
}

pub fn run(command: DrawCommand) -> anyhow::Result<()> {
    let DrawCommand::Verify {
        url,
        tender,
        token,
        ca_file,
        vkey,
        record,
        save,
    } = command;
    let api = match &url {
        Some(url) => {
            let mut api = crate::bids::cli::Api::new(url, ca_file.as_deref())?;
            api.token = token;
            Some(api)
        }
        None => None,
    };
    let record: DrawRecord = match (&record, &api, &tender) {
        (Some(path), _, _) => serde_json::from_slice(
            &std::fs::read(path).with_context(|| format!("reading {}", path.display()))?,
        )
        .with_context(|| format!("{} is not a draw record", path.display()))?,
        (None, Some(api), Some(tender)) => api
            .get(&format!("/api/v1/tenders/{tender}/committee/draw-record"))?
            .expect(200, "downloading the draw record")?
            .json()?,
        _ => bail!("give --url and --tender (download the record) or --record FILE"),
    };
    if let Some(path) = &save {
        std::fs::write(path, serde_json::to_vec_pretty(&record)?)
            .with_context(|| format!("writing {}", path.display()))?;
    }
    let vkey = match (vkey, &api) {
        (Some(v), _) => Some(v),
        (None, Some(api)) => {
            #[derive(serde::Deserialize)]
            struct Key {
                vkey: String,
            }
            let key: Key = api
                .get("/api/v1/audit/log/key")?
                .expect(200, "reading the log's key")?
                .json()?;
            Some(key.vkey)
        }
        (None, None) => None,
    };
    let mut report = replay(&record, vkey.as_deref());
    if let Some(api) = &api {
        let verifier = vkey.as_deref().map(NoteVerifier::parse).transpose()?;
        check_in_log(api, &record, verifier.as_ref(), &mut report)?;
    }
    println!("draw of tender {} ({})", record.tender_id, record.version);
    for what in &report.checked {
        println!("  ok  {what}");
    }
    if vkey.is_none() {
        println!("  --  the checkpoint's signature was not checked (give --vkey, or --url)");
    }
    if api.is_none() {
        println!("  --  the commitment's place in the audit log was not checked (give --url)");
    }
    for finding in &report.findings {
        println!("  BAD {finding}");
    }
    if report.findings.is_empty() {
        println!(
            "the draw matches: committee of {} drawn from {} experts, {} replacement(s)",
            record.committee.len(),
            serde_json::from_str::<Snapshot>(&record.snapshot).map_or(0, |s| s.experts.len()),
            record.replacements.len()
        );
        Ok(())
    } else {
        println!(
            "the draw does NOT match ({} finding(s))",
            report.findings.len()
        );
        std::process::exit(1);
    }
}
