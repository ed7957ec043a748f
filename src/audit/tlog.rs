//! The transparency log over the audit events, in the database.
//!
//! Events are recorded in their own transactions (see [`super::record`]);
//! one *sequencer* then appends them to the Merkle tree: it takes the events
//! that have no place yet in `seq` order, gives them the next leaf indices
//! (0, 1, 2, … without gaps: it is the only writer of indices, and it runs
//! under a lock — SQLite's writer lock, a PostgreSQL advisory lock — so two
//! servers on one database take turns), stores every perfect subtree the new
//! leaves complete, moves the head and signs a checkpoint, all in one
//! transaction. An event committed late (PostgreSQL numbers rows when they
//! are inserted, not when they commit) simply gets the next place: the leaf
//! index, not the row number, is the log's order.
//!
//! Proofs and tree heads are assembled from O(log n) stored nodes.

use super::entry::{AuditEvent, AuditRow};
use super::merkle::{self, Hash, NodeId};
use super::note::{Checkpoint, LogKey};
use crate::db::schema::{audit_checkpoints, audit_events, audit_log_head, audit_tree_nodes};
use crate::db::{DbConn, from_db_time, lock_in_transaction, to_db_time};
use crate::error::AppError;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use std::collections::HashMap;

/// Events appended per round at most (a round is one transaction).
pub const BATCH: i64 = 2000;

/// A checkpoint the platform signed.
#[derive(Debug, Clone)]
pub struct SignedCheckpoint {
    pub tree_size: u64,
    pub root: Hash,
    pub signed_at: DateTime<Utc>,
    pub note: String,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = audit_checkpoints)]
struct CheckpointRow {
    tree_size: i64,
    root_hash: Vec<u8>,
    signed_at: chrono::NaiveDateTime,
    note: String,
}

impl TryFrom<CheckpointRow> for SignedCheckpoint {
    type Error = AppError;
    fn try_from(r: CheckpointRow) -> Result<Self, AppError> {
        Ok(SignedCheckpoint {
            tree_size: r.tree_size as u64,
            root: to_hash(r.root_hash)?,
            signed_at: from_db_time(r.signed_at),
            note: r.note,
        })
    }
}

fn to_hash(bytes: Vec<u8>) -> Result<Hash, AppError> {
    bytes
        .try_into()
        .map_err(|_| AppError::Internal(anyhow::anyhow!("a stored log hash is not 32 bytes")))
}

fn internal(what: String) -> AppError {
    AppError::Internal(anyhow::anyhow!(what))
}

/// Appends every event not yet in the log (in rounds of [`BATCH`]) and
/// signs a checkpoint for the new size. Returns the new checkpoint, if the
/// log grew (or had none).
pub fn integrate(
    conn: &mut DbConn,
    key: &LogKey,
    clock: &dyn Fn() -> DateTime<Utc>,
) -> Result<Option<SignedCheckpoint>, AppError> {
    lock_in_transaction(conn, "audit-log-sequencer")?;
    // Read once the lock is held: every event appended here was committed
    // before this moment.
    let now = clock();
    let (size, head_root): (i64, Vec<u8>) = audit_log_head::table
        .find(1)
        .select((audit_log_head::tree_size, audit_log_head::root_hash))
        .first(conn)?;
    let mut size = size as u64;
    let mut root = to_hash(head_root)?;
    // The head is what the last round signed (both are written in one
    // transaction). A latest checkpoint that is not the head means
    // checkpoints were deleted: signing now would chain the next one over
    // the gap, so the sequencer refuses.
    let head = (size, root);
    let last = latest_checkpoint(conn)?;
    if let Some(l) = &last
        && (l.tree_size, l.root) != head
    {
        return Err(internal(format!(
            "the audit log's latest checkpoint ({} entries) is not its head ({size} entries): checkpoints were deleted; refusing to sign",
            l.tree_size
        )));
    }
    let frontier_ids = merkle::frontier(size);
    let stored = nodes(conn, &frontier_ids)?;
    if let Some(missing) = frontier_ids.iter().find(|id| !stored.contains_key(id)) {
        return Err(internal(format!(
            "the audit log's node {missing:?} is missing: refusing to append"
        )));
    }
    let mut frontier: Vec<Hash> = frontier_ids.iter().map(|id| stored[id]).collect();
    // The stored nodes must still make the head's root: a node changed in
    // the database would otherwise be built on silently.
    if merkle::root(size, &mut |id| stored[&id]) != root {
        return Err(internal(format!(
            "the audit log's stored nodes no longer give its head (size {size}): refusing to append"
        )));
    }
    let mut grew = false;
    loop {
        let rows: Vec<(i64, AuditRow)> = audit_events::table
            .filter(audit_events::leaf_index.is_null())
            .order(audit_events::seq.asc())
            .limit(BATCH)
            .select((audit_events::seq, AuditRow::as_select()))
            .load(conn)?;
        if rows.is_empty() {
            break;
        }
        let count = rows.len();
        let (seqs, leaves): (Vec<i64>, Vec<Hash>) = rows
            .into_iter()
            .map(|(seq, r)| (seq, AuditEvent::from(r).leaf_hash()))
            .unzip();
        let (made, new_root) = merkle::append(size, &frontier, &leaves);
        insert_nodes(conn, &made)?;
        set_leaf_indices(conn, &seqs, size)?;
        // The next round builds on the new frontier: nodes of this round,
        // or of the frontier this round started from.
        let mut known: HashMap<NodeId, Hash> = merkle::frontier(size)
            .into_iter()
            .zip(frontier.iter().copied())
            .collect();
        known.extend(made);
        size += count as u64;
        root = new_root;
        frontier = merkle::frontier(size)
            .iter()
            .map(|id| {
                known
                    .get(id)
                    .copied()
                    .ok_or_else(|| internal(format!("the audit log's new frontier lacks {id:?}")))
            })
            .collect::<Result<_, _>>()?;
        grew = true;
        if (count as i64) < BATCH {
            break;
        }
    }
    if !grew && last.is_some() {
        return Ok(None);
    }
    diesel::update(audit_log_head::table.find(1))
        .set((
            audit_log_head::tree_size.eq(size as i64),
            audit_log_head::root_hash.eq(root.to_vec()),
            audit_log_head::updated_at.eq(to_db_time(now)),
        ))
        .execute(conn)?;
    // Checkpoint times never go back, whatever the clock does.
    let signed_at = last.as_ref().map_or(now, |l| l.signed_at.max(now));
    let checkpoint = Checkpoint {
        origin: key.name.clone(),
        size,
        root,
        time: signed_at.timestamp(),
        prev: last.as_ref().map(|_| head),
    };
    let note = key.sign(&checkpoint).map_err(AppError::Internal)?;
    diesel::insert_into(audit_checkpoints::table)
        .values((
            audit_checkpoints::tree_size.eq(size as i64),
            audit_checkpoints::root_hash.eq(root.to_vec()),
            audit_checkpoints::signed_at.eq(to_db_time(signed_at)),
            audit_checkpoints::note.eq(&note),
        ))
        .execute(conn)?;
    Ok(Some(SignedCheckpoint {
        tree_size: size,
        root,
        signed_at,
        note,
    }))
}

/// Gives the events `seqs` the leaf indices `first`, `first + 1`, …
/// PostgreSQL takes them in one statement (one row update each was what
/// bounded its append rate); SQLite's per-row updates are cheap in-process.
fn set_leaf_indices(conn: &mut DbConn, seqs: &[i64], first: u64) -> Result<(), AppError> {
    match conn {
        DbConn::Pg(c) => {
            use diesel::sql_types::{Array, BigInt};
            let indices: Vec<i64> = (0..seqs.len()).map(|i| (first + i as u64) as i64).collect();
            diesel::sql_query(
                "UPDATE audit_events SET leaf_index = v.idx \
                 FROM unnest($1::bigint[], $2::bigint[]) AS v(seq, idx) \
                 WHERE audit_events.seq = v.seq",
            )
            .bind::<Array<BigInt>, _>(seqs)
            .bind::<Array<BigInt>, _>(&indices)
            .execute(c)?;
        }
        DbConn::Sqlite(c) => {
            for (i, seq) in seqs.iter().enumerate() {
                diesel::update(audit_events::table.find(seq))
                    .set(audit_events::leaf_index.eq((first + i as u64) as i64))
                    .execute(c)?;
            }
        }
    }
    Ok(())
}

/// Stores new nodes, many to a statement.
fn insert_nodes(conn: &mut DbConn, made: &[(NodeId, Hash)]) -> Result<(), AppError> {
    for chunk in made.chunks(500) {
        let values: Vec<_> = chunk
            .iter()
            .map(|(id, hash)| {
                (
                    audit_tree_nodes::level.eq(id.level as i32),
                    audit_tree_nodes::idx.eq(id.index as i64),
                    audit_tree_nodes::hash.eq(hash.to_vec()),
                )
            })
            .collect();
        let insert = diesel::insert_into(audit_tree_nodes::table).values(values);
        match conn {
            DbConn::Sqlite(c) => insert.execute(c)?,
            DbConn::Pg(c) => insert.execute(c)?,
        };
    }
    Ok(())
}

/// Stored nodes by id; an id with no stored node is left out.
pub fn nodes(conn: &mut DbConn, ids: &[NodeId]) -> Result<HashMap<NodeId, Hash>, AppError> {
    let mut by_level: HashMap<u8, Vec<i64>> = HashMap::new();
    for id in ids {
        by_level.entry(id.level).or_default().push(id.index as i64);
    }
    let mut out = HashMap::with_capacity(ids.len());
    for (level, indices) in by_level {
        let rows: Vec<(i64, Vec<u8>)> = audit_tree_nodes::table
            .filter(audit_tree_nodes::level.eq(level as i32))
            .filter(audit_tree_nodes::idx.eq_any(indices))
            .select((audit_tree_nodes::idx, audit_tree_nodes::hash))
            .load(conn)?;
        for (index, hash) in rows {
            out.insert(
                NodeId {
                    level,
                    index: index as u64,
                },
                to_hash(hash)?,
            );
        }
    }
    Ok(out)
}

/// Runs a tree computation over the stored nodes: first finds which nodes
/// it needs, fetches them in one query per level, then runs it.
pub fn with_nodes<T>(
    conn: &mut DbConn,
    compute: impl Fn(&mut dyn FnMut(NodeId) -> Hash) -> T,
) -> Result<T, AppError> {
    let ids = merkle::needed(&compute);
    let map = nodes(conn, &ids)?;
    if let Some(missing) = ids.iter().find(|id| !map.contains_key(id)) {
        return Err(internal(format!(
            "the audit log's node {missing:?} is missing from the database"
        )));
    }
    Ok(compute(&mut |id| map[&id]))
}

pub fn latest_checkpoint(conn: &mut DbConn) -> Result<Option<SignedCheckpoint>, AppError> {
    audit_checkpoints::table
        .order(audit_checkpoints::tree_size.desc())
        .select(CheckpointRow::as_select())
        .first::<CheckpointRow>(conn)
        .optional()?
        .map(SignedCheckpoint::try_from)
        .transpose()
}

/// The tree head at `time`: the last checkpoint signed at or before it,
/// and whether the log has signed a checkpoint after it (so that no later
/// checkpoint can still be signed at or before `time`: checkpoint times
/// never go back).
pub fn checkpoint_at(
    conn: &mut DbConn,
    time: DateTime<Utc>,
) -> Result<(Option<SignedCheckpoint>, bool), AppError> {
    let at = to_db_time(time);
    let head = audit_checkpoints::table
        .filter(audit_checkpoints::signed_at.le(at))
        .order(audit_checkpoints::tree_size.desc())
        .select(CheckpointRow::as_select())
        .first::<CheckpointRow>(conn)
        .optional()?
        .map(SignedCheckpoint::try_from)
        .transpose()?;
    let later = audit_checkpoints::table
        .filter(audit_checkpoints::signed_at.gt(at))
        .count()
        .get_result::<i64>(conn)?
        > 0;
    Ok((head, later))
}

/// Signed checkpoints of at least `from_size` leaves, smallest first.
pub fn checkpoints(
    conn: &mut DbConn,
    from_size: u64,
    limit: i64,
) -> Result<Vec<SignedCheckpoint>, AppError> {
    audit_checkpoints::table
        .filter(audit_checkpoints::tree_size.ge(from_size as i64))
        .order(audit_checkpoints::tree_size.asc())
        .limit(limit)
        .select(CheckpointRow::as_select())
        .load::<CheckpointRow>(conn)?
        .into_iter()
        .map(SignedCheckpoint::try_from)
        .collect()
}

/// The events at leaf indices `[start, end)` as the database holds them
/// now, by index. A row deleted from the database is simply absent.
pub fn entries(
    conn: &mut DbConn,
    start: u64,
    end: u64,
) -> Result<Vec<(u64, AuditEvent)>, AppError> {
    let rows: Vec<(Option<i64>, AuditRow)> = audit_events::table
        .filter(audit_events::leaf_index.ge(start as i64))
        .filter(audit_events::leaf_index.lt(end as i64))
        .order(audit_events::leaf_index.asc())
        .select((audit_events::leaf_index, AuditRow::as_select()))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(i, r)| Some((i? as u64, AuditEvent::from(r))))
        .collect())
}
