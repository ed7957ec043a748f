//! The audit log's benchmarks (`cargo bench --bench audit_log`).
//!
//! 1. **Proofs at 1 and 10 million entries.** A tree of N leaves with its
//!    perfect subtrees stored (what `audit_tree_nodes` holds) answers
//!    inclusion and consistency proofs from O(log N) stored hashes; the
//!    same proofs are then computed by rehashing every leaf (RFC 6962's
//!    definition), in the same run, and the ratio printed. Also the number
//!    of stored nodes each proof reads, which must stay logarithmic.
//!    Then the same subtrees are written to `audit_tree_nodes` (SQLite,
//!    or PostgreSQL as below) and proofs are answered from the table, as
//!    the API does (`tlog::with_nodes`: one query per tree level).
//! 2. **Sustained appends with checkpointing on**, on SQLite and (with
//!    `GGZY_BENCH_DATABASE_URL=postgres://…/postgres`, a fresh database
//!    made through that one) PostgreSQL: writer threads record audit events
//!    in their own transactions, as handlers do, while the sequencer appends
//!    and signs a checkpoint every second; the rate is events per second
//!    until the last one is in a signed checkpoint.
//!
//! `GGZY_BENCH_ONLY=proofs` or `=appends` runs one part;
//! `GGZY_BENCH_SIZES=1000000` changes the tree sizes.

mod support;

use ggzy::audit::merkle::{self, Hash, MemoryTree, NodeId};
use ggzy::audit::{AuditContext, note::LogKey, record, tlog};
use ggzy::db::{Db, DbConn};
use std::time::{Duration, Instant};

fn main() {
    let only = std::env::var("GGZY_BENCH_ONLY").unwrap_or_default();
    if only.is_empty() || only == "proofs" {
        let sizes: Vec<u64> = std::env::var("GGZY_BENCH_SIZES")
            .ok()
            .map(|s| s.split(',').filter_map(|n| n.trim().parse().ok()).collect())
            .unwrap_or_else(|| vec![1_000_000, 10_000_000]);
        for size in sizes {
            proofs(size);
        }
    }
    if only.is_empty() || only == "appends" {
        appends();
    }
}

/// A deterministic pseudo-random sequence (xorshift), for proof positions.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

fn proofs(size: u64) {
    println!("\n== proofs in a log of {size} entries");
    let started = Instant::now();
    let leaves: Vec<Hash> = (0..size)
        .map(|i| merkle::leaf_hash(&i.to_be_bytes()))
        .collect();
    let mut tree = MemoryTree::default();
    for leaf in &leaves {
        tree.push(*leaf);
    }
    println!(
        "built: {} leaves and their stored subtrees in {:.1} s",
        size,
        started.elapsed().as_secs_f64()
    );
    let root = tree.root_at(size);
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    // Stored subtrees: many proofs, each verified.
    let rounds = 20_000;
    let positions: Vec<(u64, u64)> = (0..rounds)
        .map(|_| (rng.below(size), 1 + rng.below(size - 1)))
        .collect();
    let mut reads = 0usize;
    let t = Instant::now();
    for (index, _) in &positions {
        let path = merkle::inclusion_proof(*index, size, &mut |id| {
            reads += 1;
            tree.get(id)
        });
        assert!(merkle::verify_inclusion(
            *index,
            size,
            &leaves[*index as usize],
            &path,
            &root
        ));
    }
    let inclusion_stored = t.elapsed().as_secs_f64() / rounds as f64;
    let inclusion_reads = reads as f64 / rounds as f64;
    reads = 0;
    let t = Instant::now();
    for (_, first) in &positions {
        let path = merkle::consistency_proof(*first, size, &mut |id| {
            reads += 1;
            tree.get(id)
        });
        assert!(merkle::verify_consistency(
            *first,
            size,
            &tree.root_at(*first),
            &root,
            &path
        ));
    }
    let consistency_stored = t.elapsed().as_secs_f64() / rounds as f64;
    let consistency_reads = reads as f64 / rounds as f64;
    // The naive way: rehash the tree for each proof (a few, it is slow).
    let naive_rounds = 3;
    let t = Instant::now();
    for (index, _) in positions.iter().take(naive_rounds) {
        let path = merkle::naive_inclusion_proof(*index as usize, &leaves);
        assert_eq!(
            path,
            merkle::inclusion_proof(*index, size, &mut |id| tree.get(id))
        );
    }
    let inclusion_naive = t.elapsed().as_secs_f64() / naive_rounds as f64;
    let t = Instant::now();
    for (_, first) in positions.iter().take(naive_rounds) {
        let path = merkle::naive_consistency_proof(*first as usize, &leaves);
        assert_eq!(
            path,
            merkle::consistency_proof(*first, size, &mut |id| tree.get(id))
        );
    }
    let consistency_naive = t.elapsed().as_secs_f64() / naive_rounds as f64;
    println!(
        "inclusion proof:   stored subtrees {:>8.2} µs ({:.1} nodes read) | full rehash {:>8.1} ms | ratio {:.0}x",
        inclusion_stored * 1e6,
        inclusion_reads,
        inclusion_naive * 1e3,
        inclusion_naive / inclusion_stored
    );
    println!(
        "consistency proof: stored subtrees {:>8.2} µs ({:.1} nodes read) | full rehash {:>8.1} ms | ratio {:.0}x",
        consistency_stored * 1e6,
        consistency_reads,
        consistency_naive * 1e3,
        consistency_naive / consistency_stored
    );
    proofs_from_the_database(&tree, &positions);
}

/// Proofs answered from the database: `tree`'s perfect subtrees written
/// to `audit_tree_nodes`, then inclusion and consistency proofs read from
/// it, each checked against the tree in memory.
fn proofs_from_the_database(tree: &MemoryTree, positions: &[(u64, u64)]) {
    use diesel::{ExpressionMethods, RunQueryDsl};
    use ggzy::db::schema::audit_tree_nodes as nodes;
    let size = tree.size();
    let dir = tempfile::tempdir().expect("temp dir");
    let database = support::BenchDatabase::new(dir.path(), "ggzy_bench_proofs");
    let db = Db::connect(&database.url, 2).expect("database");
    db.migrate().expect("migrations");
    let t = Instant::now();
    let mut written = 0u64;
    for level in 0..64u8 {
        let count = size >> level;
        if count == 0 {
            break;
        }
        let mut index = 0;
        while index < count {
            let end = (index + 100_000).min(count);
            let rows: Vec<_> = (index..end)
                .map(|i| {
                    let hash = tree.get(NodeId { level, index: i });
                    (
                        nodes::level.eq(level as i32),
                        nodes::idx.eq(i as i64),
                        nodes::hash.eq(hash.to_vec()),
                    )
                })
                .collect();
            db.write_blocking(move |conn| {
                for chunk in rows.chunks(5_000) {
                    let insert = diesel::insert_into(nodes::table).values(chunk);
                    match conn {
                        DbConn::Sqlite(c) => insert.execute(c)?,
                        DbConn::Pg(c) => insert.execute(c)?,
                    };
                }
                Ok(())
            })
            .expect("write nodes");
            written += end - index;
            index = end;
        }
    }
    println!(
        "{}: {written} stored subtrees written in {:.0} s",
        database.backend(),
        t.elapsed().as_secs_f64()
    );
    let root = tree.root_at(size);
    let rounds = 500;
    let t = Instant::now();
    for (index, _) in positions.iter().take(rounds) {
        let index = *index;
        let path = db
            .write_blocking(move |conn| {
                tlog::with_nodes(conn, |get| merkle::inclusion_proof(index, size, get))
            })
            .expect("inclusion proof");
        let leaf = tree.get(NodeId::leaf(index));
        assert!(merkle::verify_inclusion(index, size, &leaf, &path, &root));
    }
    let inclusion = t.elapsed().as_secs_f64() / rounds as f64;
    let t = Instant::now();
    for (_, first) in positions.iter().take(rounds) {
        let first = *first;
        let path = db
            .write_blocking(move |conn| {
                tlog::with_nodes(conn, |get| merkle::consistency_proof(first, size, get))
            })
            .expect("consistency proof");
        assert!(merkle::verify_consistency(
            first,
            size,
            &tree.root_at(first),
            &root,
            &path
        ));
    }
    let consistency = t.elapsed().as_secs_f64() / rounds as f64;
    println!(
        "from the {} table: inclusion proof {:.2} ms, consistency proof {:.2} ms ({rounds} each, verified)",
        database.backend(),
        inclusion * 1e3,
        consistency * 1e3
    );
    drop(db);
    drop(database);
}

fn appends() {
    let dir = tempfile::tempdir().expect("temp dir");
    let database = support::BenchDatabase::new(dir.path(), "ggzy_bench_log");
    let backend = database.backend();
    let writers = 8;
    let per_writer = 2_500;
    let total = writers * per_writer;
    println!(
        "\n== sustained appends on {backend}: {writers} writers × {per_writer} events, checkpoint every second"
    );
    let db = Db::connect(&database.url, writers as u32 + 2).expect("database");
    db.migrate().expect("migrations");
    let key =
        std::sync::Arc::new(LogKey::load_or_create(dir.path(), "bench/audit-log").expect("key"));
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let started = Instant::now();
    // The sequencer, as the server runs it.
    let sequencer = {
        let (db, key, done) = (db.clone(), key.clone(), done.clone());
        std::thread::spawn(move || {
            let mut checkpoints = 0;
            loop {
                let round = Instant::now();
                let cp = db
                    .write_blocking(|conn| tlog::integrate(conn, &key, &chrono::Utc::now))
                    .expect("integrate");
                if let Some(cp) = cp {
                    checkpoints += 1;
                    if cp.tree_size as usize >= total {
                        return (started.elapsed(), checkpoints);
                    }
                }
                if done.load(std::sync::atomic::Ordering::Acquire)
                    && round.elapsed() > Duration::from_secs(5)
                {
                    panic!("the sequencer fell behind");
                }
                std::thread::sleep(Duration::from_secs(1).saturating_sub(round.elapsed()));
            }
        })
    };
    let threads: Vec<_> = (0..writers)
        .map(|w| {
            let db = db.clone();
            std::thread::spawn(move || {
                for n in 0..per_writer {
                    let ctx = AuditContext::system(chrono::Utc::now());
                    db.write_blocking(|conn| {
                        record(
                            conn,
                            &ctx,
                            "bench.append",
                            "bench",
                            &format!("{w}-{n}"),
                            None,
                            &serde_json::json!({"writer": w, "n": n}),
                        )
                    })
                    .expect("record");
                }
            })
        })
        .collect();
    for t in threads {
        t.join().expect("writer");
    }
    let recorded = started.elapsed();
    done.store(true, std::sync::atomic::Ordering::Release);
    let (logged, checkpoints) = sequencer.join().expect("sequencer");
    println!(
        "recorded {total} events in {:.2} s ({:.0}/s); all in a signed checkpoint after {:.2} s: {:.0} appends/s sustained, {checkpoints} checkpoints",
        recorded.as_secs_f64(),
        total as f64 / recorded.as_secs_f64(),
        logged.as_secs_f64(),
        total as f64 / logged.as_secs_f64()
    );
    // The stored log answers a proof from its tables.
    let size = total as u64;
    let t = Instant::now();
    let rounds = 200;
    let mut rng = Rng(42);
    for _ in 0..rounds {
        let index = rng.below(size);
        db.write_blocking(|conn| {
            tlog::with_nodes(conn, |get| merkle::inclusion_proof(index, size, get))
        })
        .expect("proof");
    }
    println!(
        "inclusion proof from the database at {size} entries: {:.2} ms",
        t.elapsed().as_secs_f64() * 1e3 / rounds as f64
    );
    // The pool goes before its database.
    drop(db);
    drop(database);
}
