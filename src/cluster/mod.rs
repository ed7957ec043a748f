//! One platform on one or many nodes: the pieces the domains are given so
//! that several `ggzy serve` processes on one PostgreSQL database act as
//! one.
//!
//! - [`node_id`]: this process's name among the nodes.
//! - [`nodes`]: each node's heartbeat row, and the peers seen alive.
//! - [`bus`]: PostgreSQL `LISTEN`/`NOTIFY`, so that a commit on any node
//!   wakes the live channels (hall, rooms, supervision feed) of every node.
//! - [`duty`]: the cluster-wide duties (the audit log's sequencer and the
//!   alerts computed after each of its rounds) done by one node at a time,
//!   under a PostgreSQL advisory lock that passes to another node within
//!   seconds when its holder dies.
//!
//! On SQLite the database belongs to one process: the bus is silent (the
//! node's own hubs are all there is), and this node holds every duty.

pub mod bus;
pub mod duty;
pub mod nodes;

use std::sync::OnceLock;

static NODE_ID: OnceLock<String> = OnceLock::new();

/// This process's node id: the configured one, else the host's name and a
/// random suffix (set once, at start-up, by [`set_node_id`]; a process that
/// never set it, a command-line tool, gets a generated one on first use).
pub fn node_id() -> &'static str {
    NODE_ID.get_or_init(generated_node_id)
}

/// Sets the node id (from the configuration, or generated); the first
/// value stands for the life of the process.
pub fn set_node_id(configured: Option<&str>) -> &'static str {
    NODE_ID.get_or_init(|| configured.map_or_else(generated_node_id, str::to_string))
}

fn generated_node_id() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .unwrap_or_default();
    let host: String = host
        .trim()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        .take(40)
        .collect();
    let suffix = &uuid::Uuid::new_v4().simple().to_string()[..8];
    if host.is_empty() {
        format!("node-{suffix}")
    } else {
        format!("{host}-{suffix}")
    }
}
