//! The supervisors' live feed as a service: the hub the sequencer's rounds
//! are published through (the sockets are in `live`).

use crate::hall::hub::{Hub, Sequenced};
use std::time::Duration;

/// The one channel of the hub.
pub const CHANNEL: &str = "audit";

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
