//! Live fan-out across nodes through PostgreSQL's `LISTEN`/`NOTIFY`.
//!
//! A module that appends a live event (a hall or room event, a round of the
//! audit log) calls [`announce`] inside the transaction that appends it.
//! PostgreSQL delivers the notice to every listening connection when, and
//! only when, that transaction commits, in commit order. Each node listens
//! on one connection of its own; what it hears from the other nodes goes to
//! the [`Relay`] registered for the notice's topic, which publishes to the
//! node's own hub. The notice is only a wake-up: it names a channel and a
//! sequence number, and the relay reads the events from the database, as
//! a live socket does whenever it sees a gap. A lost notice (a node
//! disconnected from the database for a while) therefore costs latency,
//! never an event: when the bus reconnects, every relay is asked to
//! [`Relay::resync`], and each socket's cursor fills any gap from the
//! database and skips what it has sent, so nothing reaches a client twice
//! or out of order.
//!
//! On SQLite there is one process and nothing to announce.

use crate::db::{Db, DbConn};
use crate::error::AppError;
use crate::hall::hub::{Hub, Sequenced};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The PostgreSQL notification channel all nodes listen on.
pub const CHANNEL: &str = "ggzy_live";

/// How often the listener looks for notices (libpq reads what has
/// arrived without blocking; the wait between looks bounds the latency).
const POLL: Duration = Duration::from_millis(5);

/// How often an idle listener checks that its connection still answers.
const PROBE: Duration = Duration::from_secs(5);

/// One wake-up: `node` committed event `seq` of `channel` in `topic`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    #[serde(rename = "n")]
    pub node: String,
    #[serde(rename = "t")]
    pub topic: String,
    #[serde(rename = "c")]
    pub channel: String,
    #[serde(rename = "s")]
    pub seq: i64,
}

/// Announces, inside the transaction that appended it, that event `seq`
/// of `channel` in `topic` exists: every node hears it at commit (nothing
/// if the transaction rolls back). Nothing on SQLite.
pub fn announce(conn: &mut DbConn, topic: &str, channel: &str, seq: i64) -> Result<(), AppError> {
    if let DbConn::Pg(pg) = conn {
        let payload = serde_json::to_string(&Notice {
            node: super::node_id().to_string(),
            topic: topic.to_string(),
            channel: channel.to_string(),
            seq,
        })
        .map_err(|e| AppError::Internal(anyhow::Error::new(e).context("a bus notice")))?;
        diesel::sql_query("SELECT pg_notify($1, $2)")
            .bind::<diesel::sql_types::Text, _>(CHANNEL)
            .bind::<diesel::sql_types::Text, _>(payload)
            .execute(pg)?;
    }
    Ok(())
}

/// What a node does with the notices of one topic from other nodes.
pub trait Relay: Send + Sync + 'static {
    /// Notices of this topic from other nodes, in commit order.
    fn heard(&self, notices: &[Notice]);
    /// The bus has (re)connected: notices may have been missed meanwhile.
    fn resync(&self);
}

#[derive(Default)]
struct Stats {
    heard: AtomicU64,
    reconnects: AtomicU64,
    connected: AtomicBool,
    /// Microseconds from a notice's arrival at this node to its relay
    /// having published it, summed (with `heard`, an average).
    relay_micros: AtomicU64,
}

/// The node's bus: the relays per topic, and the listener's figures.
#[derive(Clone, Default)]
pub struct Bus {
    relays: Arc<Mutex<HashMap<String, Arc<dyn Relay>>>>,
    stats: Arc<Stats>,
}

/// Ends the listener when dropped (the server's background tasks hold it,
/// so the listener ends with the server).
pub struct Listening {
    stop: Arc<AtomicBool>,
}

impl Drop for Listening {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
    }
}

impl Bus {
    /// Sends the notices of `topic` from other nodes to `relay`.
    pub fn relay(&self, topic: &str, relay: impl Relay) {
        self.relays
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(topic.to_string(), Arc::new(relay));
    }

    /// Notices heard from other nodes since start.
    pub fn heard(&self) -> u64 {
        self.stats.heard.load(Ordering::Relaxed)
    }

    /// Whether the listener is connected (always false on SQLite).
    pub fn connected(&self) -> bool {
        self.stats.connected.load(Ordering::Relaxed)
    }

    /// Times the listener had to connect again.
    pub fn reconnects(&self) -> u64 {
        self.stats.reconnects.load(Ordering::Relaxed)
    }

    /// Average microseconds from a notice's arrival to its relay's publish.
    pub fn average_relay_micros(&self) -> u64 {
        self.stats
            .relay_micros
            .load(Ordering::Relaxed)
            .checked_div(self.heard())
            .unwrap_or(0)
    }

    /// Starts listening on PostgreSQL at `url` (a thread with a connection
    /// of its own; nothing on SQLite). The listener ends when the returned
    /// guard is dropped.
    pub fn listen(&self, url: &str) -> Option<Listening> {
        if crate::db::Backend::of_url(url) != crate::db::Backend::Postgres {
            return None;
        }
        let stop = Arc::new(AtomicBool::new(false));
        let (bus, url, flag) = (self.clone(), url.to_string(), stop.clone());
        let spawned = std::thread::Builder::new()
            .name("ggzy-bus".into())
            .spawn(move || bus.run(&url, &flag));
        if let Err(e) = spawned {
            tracing::error!(error = %e, "the bus listener could not start; live events from other nodes arrive only with the next local one");
        }
        Some(Listening { stop })
    }

    fn run(&self, url: &str, stop: &AtomicBool) {
        let mut first = true;
        while !stop.load(Ordering::Acquire) {
            match listen_on(url) {
                Ok(mut conn) => {
                    if !first {
                        self.stats.reconnects.fetch_add(1, Ordering::Relaxed);
                    }
                    first = false;
                    self.stats.connected.store(true, Ordering::Relaxed);
                    tracing::info!(
                        node = super::node_id(),
                        "listening for other nodes' commits"
                    );
                    self.resync_all();
                    if let Err(e) = self.pump(&mut conn, stop) {
                        tracing::warn!(error = %e, "the bus connection was lost; connecting again");
                    }
                    self.stats.connected.store(false, Ordering::Relaxed);
                }
                Err(e) => {
                    tracing::warn!(error = %e, "the bus cannot connect; trying again");
                }
            }
            // Wait a second before connecting again, watching for the stop.
            for _ in 0..10 {
                if stop.load(Ordering::Acquire) {
                    return;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        }
    }

    /// Hands what arrives to the relays until the connection fails or the
    /// listener is stopped.
    fn pump(&self, conn: &mut diesel::PgConnection, stop: &AtomicBool) -> anyhow::Result<()> {
        let me = super::node_id();
        let mut last_probe = Instant::now();
        while !stop.load(Ordering::Acquire) {
            let mut batch = Vec::new();
            for notification in conn.notifications_iter() {
                let notification = notification?;
                match serde_json::from_str::<Notice>(&notification.payload) {
                    Ok(notice) if notice.node != me => batch.push(notice),
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "an unreadable bus notice, ignored"),
                }
            }
            if batch.is_empty() {
                if last_probe.elapsed() >= PROBE {
                    diesel::sql_query("SELECT 1").execute(conn)?;
                    last_probe = Instant::now();
                }
                std::thread::sleep(POLL);
                continue;
            }
            let arrived = Instant::now();
            self.dispatch(&batch);
            self.stats
                .heard
                .fetch_add(batch.len() as u64, Ordering::Relaxed);
            self.stats.relay_micros.fetch_add(
                arrived.elapsed().as_micros() as u64 * batch.len() as u64,
                Ordering::Relaxed,
            );
        }
        Ok(())
    }

    /// Gives each topic's relay its notices, keeping their order.
    fn dispatch(&self, batch: &[Notice]) {
        let relays = self
            .relays
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        let mut start = 0;
        while start < batch.len() {
            let topic = &batch[start].topic;
            let end = batch[start..]
                .iter()
                .position(|n| &n.topic != topic)
                .map_or(batch.len(), |p| start + p);
            if let Some(relay) = relays.get(topic) {
                relay.heard(&batch[start..end]);
            }
            start = end;
        }
    }

    fn resync_all(&self) {
        let relays: Vec<_> = self
            .relays
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .values()
            .cloned()
            .collect();
        for relay in relays {
            relay.resync();
        }
    }
}

/// A connection of its own, listening.
fn listen_on(url: &str) -> anyhow::Result<diesel::PgConnection> {
    use diesel::connection::SimpleConnection;
    let mut conn = diesel::PgConnection::establish(url)?;
    conn.batch_execute(&format!("LISTEN {CHANNEL}"))?;
    Ok(conn)
}

/// Reads a channel's events after `after`, at most `limit` of them.
pub type LoadAfter<E> = fn(&mut DbConn, &str, i64, i64) -> Result<Vec<E>, AppError>;

/// Reads the number of a channel's last event (0: none).
pub type LastSeq = fn(&mut DbConn, &str) -> Result<i64, AppError>;

/// The relay of a hub whose events are stored per channel with gap-free
/// numbers (the hall's, the rooms'): for each channel this node has
/// subscribers on, it reads the announced events and publishes them here.
pub struct HubRelay<E: Sequenced> {
    pub db: Db,
    pub hub: Hub<E>,
    pub load: LoadAfter<E>,
    pub last: LastSeq,
}

impl<E: Sequenced> HubRelay<E> {
    fn publish_range(&self, channel: &str, from: i64, to: i64) -> Result<(), AppError> {
        let events = self
            .db
            .read_blocking(|conn| (self.load)(conn, channel, from - 1, to - from + 1))?;
        for event in &events {
            self.hub.publish(event);
        }
        Ok(())
    }
}

impl<E: Sequenced> Relay for HubRelay<E> {
    fn heard(&self, notices: &[Notice]) {
        // Per channel, in the order first heard: the range announced.
        let mut ranges: Vec<(&str, i64, i64)> = Vec::new();
        for n in notices {
            match ranges.iter_mut().find(|(c, _, _)| *c == n.channel) {
                Some((_, from, to)) => {
                    *from = (*from).min(n.seq);
                    *to = (*to).max(n.seq);
                }
                None => ranges.push((&n.channel, n.seq, n.seq)),
            }
        }
        for (channel, from, to) in ranges {
            if self.hub.subscribers(channel) == 0 {
                continue;
            }
            if let Err(e) = self.publish_range(channel, from.max(1), to) {
                tracing::warn!(channel, error = %e, "relaying another node's events");
            }
        }
    }

    fn resync(&self) {
        for channel in self.hub.channels() {
            let last = self.db.read_blocking(|conn| (self.last)(conn, &channel));
            match last {
                Ok(last) if last > 0 => {
                    if let Err(e) = self.publish_range(&channel, last, last) {
                        tracing::warn!(channel, error = %e, "catching up a live channel");
                    }
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(channel, error = %e, "catching up a live channel"),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Default)]
    struct Seen(Mutex<Vec<(String, i64)>>);

    impl Relay for Arc<Seen> {
        fn heard(&self, notices: &[Notice]) {
            let mut seen = self.0.lock().unwrap();
            seen.extend(notices.iter().map(|n| (n.topic.clone(), n.seq)));
        }
        fn resync(&self) {}
    }

    fn notice(topic: &str, seq: i64) -> Notice {
        Notice {
            node: "other".into(),
            topic: topic.into(),
            channel: "c".into(),
            seq,
        }
    }

    #[test]
    fn notices_reach_their_topics_relay_in_order() {
        let bus = Bus::default();
        let (a, b) = (Arc::new(Seen::default()), Arc::new(Seen::default()));
        bus.relay("a", a.clone());
        bus.relay("b", b.clone());
        bus.dispatch(&[
            notice("a", 1),
            notice("a", 2),
            notice("b", 7),
            notice("a", 3),
            notice("x", 9),
        ]);
        assert_eq!(
            *a.0.lock().unwrap(),
            vec![("a".into(), 1), ("a".into(), 2), ("a".into(), 3)]
        );
        assert_eq!(*b.0.lock().unwrap(), vec![("b".into(), 7)]);
    }

    #[test]
    fn a_notice_reads_back_as_sent() {
        let n = notice("hall", 42);
        let text = serde_json::to_string(&n).unwrap();
        assert!(text.len() < 200, "{text}");
        assert_eq!(serde_json::from_str::<Notice>(&text).unwrap(), n);
    }
}
