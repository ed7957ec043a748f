//! The cluster's duties, done by one node at a time: the audit log's
//! sequencer (a round appends what was recorded and signs a checkpoint)
//! and what follows each round (the supervision alerts and the feed's
//! wake-up).
//!
//! On PostgreSQL the node that holds a session-level advisory lock on a
//! connection of its own holds the duties. The others try for the lock
//! every second. When the holder dies its connection closes and PostgreSQL
//! releases the lock at once (a process killed, a node stopped); a machine
//! that vanishes from the network is noticed by PostgreSQL's TCP
//! keepalives, which this connection sets to give up after about 11 s.
//! A holder that can no longer reach the database gives the duties up at
//! its next check. Work done under the duties stays safe if two nodes ever
//! overlapped for a moment: each round of the sequencer runs under a
//! transaction lock of its own (`audit::tlog::integrate`), and alerts are
//! recomputed from the record.
//!
//! On SQLite the one process holds the duties.

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

/// How often a node tries for the duties, and its holder checks its hold.
const CHECK: Duration = Duration::from_secs(1);

/// The advisory-lock key of the duties: "ggzy" in ASCII, then 0x10.
const KEY: i64 = (0x6767_7a79 << 16) + 0x10;

#[derive(Default)]
struct Shared {
    held: AtomicBool,
    /// Times this node took the duties up.
    taken: AtomicU64,
}

/// Whether this node holds the cluster's duties.
#[derive(Clone, Default)]
pub struct Duties {
    shared: Arc<Shared>,
}

/// Ends the contest (and gives the duties up) when dropped.
pub struct Contending {
    stop: Arc<AtomicBool>,
}

impl Drop for Contending {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
    }
}

impl Duties {
    /// Duties always held: the one process on SQLite.
    pub fn sole() -> Duties {
        let duties = Duties::default();
        duties.shared.held.store(true, Ordering::Release);
        duties.shared.taken.store(1, Ordering::Relaxed);
        duties
    }

    pub fn held(&self) -> bool {
        self.shared.held.load(Ordering::Acquire)
    }

    /// Times this node took the duties up since it started.
    pub fn times_taken(&self) -> u64 {
        self.shared.taken.load(Ordering::Relaxed)
    }

    /// Starts contending for the duties on PostgreSQL at `url` (a thread
    /// with a connection of its own). The contest ends, and the duties are
    /// given up, when the returned guard is dropped.
    ///
    /// The first try is made here, before this returns: a node that finds
    /// the duties free starts with them (a lone node does its duties from
    /// its first second, whatever the load on the machine).
    pub fn contend(&self, url: &str) -> Contending {
        let stop = Arc::new(AtomicBool::new(false));
        let first = connect(url).ok().and_then(|mut c| match try_take(&mut c) {
            Ok(took) => {
                if took {
                    self.took();
                }
                Some(c)
            }
            Err(_) => None,
        });
        let (duties, url, flag) = (self.clone(), url.to_string(), stop.clone());
        let spawned = std::thread::Builder::new()
            .name("ggzy-duties".into())
            .spawn(move || duties.run(&url, &flag, first));
        if let Err(e) = spawned {
            tracing::error!(error = %e, "this node cannot contend for the cluster's duties");
        }
        Contending { stop }
    }

    fn took(&self) {
        self.shared.held.store(true, Ordering::Release);
        self.shared.taken.fetch_add(1, Ordering::Relaxed);
        tracing::info!(
            node = super::node_id(),
            "this node now does the cluster's duties"
        );
    }

    fn run(&self, url: &str, stop: &AtomicBool, first: Option<diesel::PgConnection>) {
        let mut conn = first;
        if conn.is_some() {
            std::thread::sleep(CHECK);
        }
        while !stop.load(Ordering::Acquire) {
            if conn.is_none() {
                match connect(url) {
                    Ok(c) => conn = Some(c),
                    Err(e) => {
                        tracing::debug!(error = %e, "contending for the cluster's duties");
                        std::thread::sleep(CHECK);
                        continue;
                    }
                }
            }
            let step = match conn.as_mut() {
                None => Ok(()),
                Some(c) if self.held() => diesel::sql_query("SELECT 1")
                    .execute(c)
                    .map(|_| ())
                    .map_err(anyhow::Error::from),
                Some(c) => try_take(c).map(|took| {
                    if took {
                        self.took();
                    }
                }),
            };
            if let Err(e) = step {
                if self.shared.held.swap(false, Ordering::AcqRel) {
                    tracing::warn!(error = %e, "lost the database: this node gives the cluster's duties up");
                } else {
                    tracing::debug!(error = %e, "contending for the cluster's duties");
                }
                // A new connection: the lock, if PostgreSQL still thinks we
                // hold it, goes with the old one.
                conn = None;
            }
            std::thread::sleep(CHECK);
        }
        self.shared.held.store(false, Ordering::Release);
        // Dropping the connection releases the lock.
    }
}

fn connect(url: &str) -> anyhow::Result<diesel::PgConnection> {
    let mut conn = diesel::PgConnection::establish(url)?;
    // PostgreSQL notices a holder that vanished without closing its
    // connection after 5 s of silence and 3 unanswered probes 2 s apart.
    conn.batch_execute(
        "SET tcp_keepalives_idle = 5; SET tcp_keepalives_interval = 2; \
         SET tcp_keepalives_count = 3",
    )?;
    Ok(conn)
}

fn try_take(conn: &mut diesel::PgConnection) -> anyhow::Result<bool> {
    #[derive(QueryableByName)]
    struct Took {
        #[diesel(sql_type = diesel::sql_types::Bool)]
        took: bool,
    }
    let took: Took = diesel::sql_query(format!("SELECT pg_try_advisory_lock({KEY}) AS took"))
        .get_result(conn)?;
    Ok(took.took)
}
