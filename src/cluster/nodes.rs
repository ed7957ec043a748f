//! The nodes of the platform: each running node keeps its row in
//! `cluster_nodes` fresh, so that any node can say which peers it runs
//! with (at `/readyz`) and operators see a node that stopped beating.

use crate::db::schema::cluster_nodes;
use crate::db::{DbConn, from_db_time, to_db_time};
use crate::error::AppError;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use std::time::Duration;

/// How often a node beats.
pub const HEARTBEAT: Duration = Duration::from_secs(2);

/// A node not seen for this long is not counted among the peers.
pub const ALIVE_WITHIN: chrono::Duration = chrono::Duration::seconds(10);

/// A node not seen for this long is forgotten.
const FORGET_AFTER: chrono::Duration = chrono::Duration::days(7);

/// One node as the others see it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Node {
    pub node_id: String,
    pub started_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub version: String,
    /// The address it listens on.
    pub listen: String,
    /// The cluster duties it held at its last beat (`sequencer`), or none.
    pub duties: String,
}

/// What this node says of itself at each beat.
#[derive(Debug, Clone)]
pub struct Beat<'a> {
    pub node_id: &'a str,
    pub started_at: DateTime<Utc>,
    pub listen: &'a str,
    pub duties: &'a str,
}

/// Records this node as alive now (and forgets nodes long gone).
pub fn beat(conn: &mut DbConn, me: &Beat<'_>, now: DateTime<Utc>) -> Result<(), AppError> {
    let seen = to_db_time(now);
    let updated = diesel::update(cluster_nodes::table.find(me.node_id))
        .set((
            cluster_nodes::last_seen_at.eq(seen),
            cluster_nodes::duties.eq(me.duties),
        ))
        .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(cluster_nodes::table)
            .values((
                cluster_nodes::node_id.eq(me.node_id),
                cluster_nodes::started_at.eq(to_db_time(me.started_at)),
                cluster_nodes::last_seen_at.eq(seen),
                cluster_nodes::version.eq(env!("CARGO_PKG_VERSION")),
                cluster_nodes::listen.eq(me.listen),
                cluster_nodes::duties.eq(me.duties),
            ))
            .execute(conn)?;
    }
    diesel::delete(
        cluster_nodes::table.filter(cluster_nodes::last_seen_at.lt(seen - FORGET_AFTER)),
    )
    .execute(conn)?;
    Ok(())
}

/// The oldest heartbeat of a node still alive at `now`.
pub fn alive_since(now: DateTime<Utc>) -> chrono::NaiveDateTime {
    to_db_time(now) - ALIVE_WITHIN
}

/// The nodes seen alive at `now` (this one included, once it has beaten).
pub fn alive(conn: &mut DbConn, now: DateTime<Utc>) -> Result<Vec<Node>, AppError> {
    let since = alive_since(now);
    let rows: Vec<(
        String,
        chrono::NaiveDateTime,
        chrono::NaiveDateTime,
        String,
        String,
        String,
    )> = cluster_nodes::table
        .filter(cluster_nodes::last_seen_at.ge(since))
        .order(cluster_nodes::node_id.asc())
        .select((
            cluster_nodes::node_id,
            cluster_nodes::started_at,
            cluster_nodes::last_seen_at,
            cluster_nodes::version,
            cluster_nodes::listen,
            cluster_nodes::duties,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(node_id, started, seen, version, listen, duties)| Node {
            node_id,
            started_at: from_db_time(started),
            last_seen_at: from_db_time(seen),
            version,
            listen,
            duties,
        })
        .collect())
}
