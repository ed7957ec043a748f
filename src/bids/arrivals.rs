//! Bids being checked, as every node sees them.
//!
//! A bid whose last byte arrived before the deadline is checked (signatures,
//! timestamp) and recorded, which can take a while for a large one. The
//! opening must not begin decrypting meanwhile, or the bid would be left
//! out. Within a node the upload folder counts such bids in memory
//! (`Uploads::arriving`); on PostgreSQL, where other nodes may start the
//! opening, each check also has a row here for its length, and an opening
//! waits while any row of its tender belongs to a node that is alive. The
//! row of a node that died is ignored once its heartbeat is older than
//! `cluster::nodes::ALIVE_WITHIN`, and removed later.

use crate::db::schema::{bid_arrivals, cluster_nodes};
use crate::db::{Db, DbConn, to_db_time};
use crate::error::AppError;
use chrono::{DateTime, Utc};
use diesel::prelude::*;

/// A check under way, on the record until [`Arrival::end`].
pub struct Arrival {
    db: Db,
    id: Option<String>,
}

/// Records that a bid of `tender` is being checked on this node (on
/// PostgreSQL; nothing on SQLite, where the node is alone).
pub async fn begin(db: &Db, tender: &str, now: DateTime<Utc>) -> Arrival {
    if db.backend() != crate::db::Backend::Postgres {
        return Arrival {
            db: db.clone(),
            id: None,
        };
    }
    let id = uuid::Uuid::new_v4().to_string();
    let (row, tender) = (id.clone(), tender.to_string());
    let written = db
        .write(move |conn| {
            diesel::insert_into(bid_arrivals::table)
                .values((
                    bid_arrivals::id.eq(&row),
                    bid_arrivals::tender_id.eq(&tender),
                    bid_arrivals::node_id.eq(crate::cluster::node_id()),
                    bid_arrivals::started_at.eq(to_db_time(now)),
                ))
                .execute(conn)?;
            Ok(())
        })
        .await;
    if let Err(e) = &written {
        // The bid's own transaction will meet the same database; the
        // in-memory count still holds this node's openings back.
        tracing::warn!(error = %e, "recording a bid being checked");
    }
    Arrival {
        db: db.clone(),
        id: written.ok().map(|_| id),
    }
}

impl Arrival {
    /// The check is over (recorded or refused).
    pub async fn end(mut self) {
        if let Some(id) = self.id.take() {
            let gone = self
                .db
                .write(move |conn| {
                    diesel::delete(bid_arrivals::table.find(&id)).execute(conn)?;
                    Ok(())
                })
                .await;
            if let Err(e) = gone {
                tracing::warn!(error = %e, "removing a finished bid check; it is ignored once stale");
            }
        }
    }
}

impl Drop for Arrival {
    /// A check abandoned half way (the request dropped with its
    /// connection) leaves no row behind.
    fn drop(&mut self) {
        if let Some(id) = self.id.take() {
            let db = self.db.clone();
            actix_web::rt::spawn(async move {
                let _ = db
                    .write(move |conn| {
                        diesel::delete(bid_arrivals::table.find(&id)).execute(conn)?;
                        Ok(())
                    })
                    .await;
            });
        }
    }
}

/// Whether a bid of `tender` is being checked on a node that is alive at
/// `now` (this one included).
pub fn any(conn: &mut DbConn, tender: &str, now: DateTime<Utc>) -> Result<bool, AppError> {
    let alive_since = crate::cluster::nodes::alive_since(now);
    let alive = cluster_nodes::table
        .filter(cluster_nodes::last_seen_at.ge(alive_since))
        .select(cluster_nodes::node_id);
    // However large, no bid takes an hour to check: an older row is a
    // leftover.
    let recent = to_db_time(now) - chrono::Duration::hours(1);
    let n: i64 = bid_arrivals::table
        .filter(bid_arrivals::tender_id.eq(tender))
        .filter(bid_arrivals::started_at.ge(recent))
        .filter(
            bid_arrivals::node_id
                .eq(crate::cluster::node_id())
                .or(bid_arrivals::node_id.eq_any(alive)),
        )
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// Removes the rows of other nodes not seen for a minute, and (`starting`)
/// this node's own, left from before a restart under the same id.
pub fn forget_stale(conn: &mut DbConn, now: DateTime<Utc>, starting: bool) -> Result<(), AppError> {
    let since = to_db_time(now) - chrono::Duration::minutes(1);
    let alive = cluster_nodes::table
        .filter(cluster_nodes::last_seen_at.ge(since))
        .select(cluster_nodes::node_id);
    diesel::delete(
        bid_arrivals::table
            .filter(bid_arrivals::node_id.ne(crate::cluster::node_id()))
            .filter(diesel::dsl::not(bid_arrivals::node_id.eq_any(alive))),
    )
    .execute(conn)?;
    if starting {
        diesel::delete(
            bid_arrivals::table.filter(bid_arrivals::node_id.eq(crate::cluster::node_id())),
        )
        .execute(conn)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::nodes::{Beat, beat};

    fn db() -> (tempfile::TempDir, Db) {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::connect(
            &format!("sqlite://{}", dir.path().join("t.db").display()),
            1,
        )
        .unwrap();
        db.migrate().unwrap();
        (dir, db)
    }

    fn row(conn: &mut DbConn, id: &str, node: &str, at: DateTime<Utc>) {
        diesel::insert_into(bid_arrivals::table)
            .values((
                bid_arrivals::id.eq(id),
                bid_arrivals::tender_id.eq("t1"),
                bid_arrivals::node_id.eq(node),
                bid_arrivals::started_at.eq(to_db_time(at)),
            ))
            .execute(conn)
            .unwrap();
    }

    fn beat_as(conn: &mut DbConn, node: &str, at: DateTime<Utc>) {
        let me = Beat {
            node_id: node,
            started_at: at,
            listen: "127.0.0.1:1",
            duties: "",
        };
        beat(conn, &me, at).unwrap();
    }

    #[test]
    fn an_opening_waits_for_checks_on_live_nodes_only() {
        let (_dir, db) = db();
        let now = Utc::now();
        db.write_blocking(|conn| {
            assert!(!any(conn, "t1", now)?, "nothing being checked");
            // Another node, alive, is checking a bid of t1.
            beat_as(conn, "other", now);
            row(conn, "a1", "other", now);
            assert!(any(conn, "t1", now)?);
            assert!(
                !any(conn, "t2", now)?,
                "another tender's opening does not wait"
            );
            // Its heartbeat stops: after ten seconds its check no longer counts.
            let later = now + chrono::Duration::seconds(11);
            assert!(!any(conn, "t1", later)?);
            // This node's own check counts without a heartbeat.
            row(conn, "a2", crate::cluster::node_id(), later);
            assert!(any(conn, "t1", later)?);
            // but not once it is an hour old (a leftover).
            assert!(!any(conn, "t1", later + chrono::Duration::minutes(61))?);
            // A minute on, the dead node's rows go; a restart removes this
            // node's own.
            forget_stale(conn, now + chrono::Duration::minutes(2), false)?;
            let left: Vec<String> = bid_arrivals::table.select(bid_arrivals::id).load(conn)?;
            assert_eq!(left, vec!["a2".to_string()]);
            beat_as(conn, crate::cluster::node_id(), now);
            forget_stale(conn, now, true)?;
            let left: i64 = bid_arrivals::table.count().get_result(conn)?;
            assert_eq!(left, 0);
            Ok(())
        })
        .unwrap();
    }
}
