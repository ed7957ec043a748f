//! The supervisors' live feed as a service: the hub the sequencer's rounds
//! are published through (the sockets are in `live`), and its relay from
//! the node that runs the sequencer to every other node.

use crate::cluster::bus::{Notice, Relay};
use crate::db::Db;
use crate::hall::hub::{Hub, Sequenced};
use std::time::Duration;

/// The one channel of the hub.
pub const CHANNEL: &str = "audit";

/// The bus topic a round of the sequencer is announced on.
pub const TOPIC: &str = "audit";

/// The notice a round of the sequencer publishes: the log now has `size`
/// entries.
#[derive(Debug, Clone, Copy)]
pub struct Head {
    pub size: u64,
}

impl Sequenced for Head {
    fn channel(&self) -> &str {
        CHANNEL
    }
    fn seq(&self) -> i64 {
        self.size as i64
    }
}

/// The feed's hub (shared by the sequencer and the sockets).
#[derive(Clone)]
pub struct Feed {
    pub hub: Hub<Head>,
    /// How often an open feed checks its credential and scope again.
    pub recheck: Duration,
}

impl Default for Feed {
    fn default() -> Self {
        Feed {
            hub: Hub::new(64),
            recheck: Duration::from_secs(10),
        }
    }
}

/// Another node's sequencer round, heard on the bus, wakes this node's
/// feeds (which read the new entries from the database themselves).
pub struct FeedRelay {
    pub db: Db,
    pub feed: Feed,
}

impl Relay for FeedRelay {
    fn heard(&self, notices: &[Notice]) {
        if let Some(size) = notices.iter().map(|n| n.seq).max()
            && size > 0
        {
            self.feed.hub.publish(&Head { size: size as u64 });
        }
    }

    fn resync(&self) {
        match self.db.read_blocking(crate::audit::tlog::latest_checkpoint) {
            Ok(Some(cp)) => self.feed.hub.publish(&Head { size: cp.tree_size }),
            Ok(None) => {}
            Err(e) => tracing::warn!(error = %e, "catching up the supervision feed"),
        }
    }
}
