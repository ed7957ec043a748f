//! The fan-out of committed events to live subscribers, per channel (a
//! tender's hall; later, an evaluation room).
//!
//! Each subscriber has a bounded queue. Publishing never waits: an event is
//! offered to every queue of its channel, and a subscriber whose queue is
//! full is dropped there and then (it drains what it has, then learns it was
//! dropped and closes its socket; its client resumes from its last sequence
//! number). The hub is a convenience for latency, not the record: what is
//! delivered is read from the database whenever the live stream has a gap,
//! so a publish that never happened (a crash after commit) costs nothing.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use tokio::sync::mpsc;

/// An event the hub can route: it names its channel and its number there.
pub trait Sequenced: Clone + Send + Sync + 'static {
    fn channel(&self) -> &str;
    fn seq(&self) -> i64;
}

struct Slot<E> {
    id: u64,
    tx: mpsc::Sender<Arc<E>>,
    dropped: Arc<AtomicBool>,
}

struct Shared<E> {
    capacity: usize,
    next_id: AtomicU64,
    dropped_total: AtomicU64,
    channels: Mutex<HashMap<String, Vec<Slot<E>>>>,
}

impl<E> Shared<E> {
    fn channels(&self) -> MutexGuard<'_, HashMap<String, Vec<Slot<E>>>> {
        // Nothing here panics while holding the lock; if something ever
        // did, the map is still consistent, so carry on with it.
        self.channels.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Live subscribers per channel; cheap to clone (clones share the state).
pub struct Hub<E: Sequenced = super::store::HallEvent> {
    shared: Arc<Shared<E>>,
}

impl<E: Sequenced> Clone for Hub<E> {
    fn clone(&self) -> Self {
        Hub {
            shared: self.shared.clone(),
        }
    }
}

impl<E: Sequenced> Hub<E> {
    /// A hub whose subscribers may each have `capacity` events waiting
    /// (at least 1).
    pub fn new(capacity: usize) -> Self {
        Hub {
            shared: Arc::new(Shared {
                capacity: capacity.max(1),
                next_id: AtomicU64::new(1),
                dropped_total: AtomicU64::new(0),
                channels: Mutex::new(HashMap::new()),
            }),
        }
    }

    /// How many events a subscriber may have waiting before it is dropped.
    pub fn capacity(&self) -> usize {
        self.shared.capacity
    }

    /// Starts receiving the events published to `channel` from now on.
    pub fn subscribe(&self, channel: &str) -> Subscription<E> {
        let (tx, rx) = mpsc::channel(self.shared.capacity);
        let id = self.shared.next_id.fetch_add(1, Ordering::Relaxed);
        let dropped = Arc::new(AtomicBool::new(false));
        self.shared
            .channels()
            .entry(channel.to_string())
            .or_default()
            .push(Slot {
                id,
                tx,
                dropped: dropped.clone(),
            });
        Subscription {
            channel: channel.to_string(),
            id,
            rx,
            dropped,
            hub: Arc::downgrade(&self.shared),
        }
    }

    /// Offers a committed event to every subscriber of its channel, without
    /// waiting: a subscriber whose queue is full is dropped, one that has
    /// gone away is forgotten. Call it after the transaction that appended
    /// the event has committed, never before.
    pub fn publish(&self, event: &E) {
        let mut channels = self.shared.channels();
        let Some(slots) = channels.get_mut(event.channel()) else {
            return;
        };
        let event = Arc::new(event.clone());
        slots.retain(|slot| match slot.tx.try_send(event.clone()) {
            Ok(()) => true,
            Err(mpsc::error::TrySendError::Full(_)) => {
                slot.dropped.store(true, Ordering::Release);
                self.shared.dropped_total.fetch_add(1, Ordering::Relaxed);
                tracing::info!(
                    channel = event.channel(),
                    seq = event.seq(),
                    capacity = self.shared.capacity,
                    "live subscriber too slow; dropped"
                );
                false
            }
            Err(mpsc::error::TrySendError::Closed(_)) => false,
        });
        if slots.is_empty() {
            channels.remove(event.channel());
        }
    }

    /// Live subscribers of `channel`.
    pub fn subscribers(&self, channel: &str) -> usize {
        self.shared.channels().get(channel).map_or(0, Vec::len)
    }

    /// The channels that have subscribers now.
    pub fn channels(&self) -> Vec<String> {
        self.shared.channels().keys().cloned().collect()
    }

    /// Subscribers dropped for being too slow, since the hub was made.
    pub fn dropped_total(&self) -> u64 {
        self.shared.dropped_total.load(Ordering::Relaxed)
    }
}

/// One subscriber's queue. Dropping it unsubscribes.
pub struct Subscription<E: Sequenced> {
    channel: String,
    id: u64,
    rx: mpsc::Receiver<Arc<E>>,
    dropped: Arc<AtomicBool>,
    hub: Weak<Shared<E>>,
}

impl<E: Sequenced> Subscription<E> {
    /// The next event, in publish order; `None` once the subscriber has been
    /// dropped (see [`Subscription::was_dropped`]) or the hub is gone, and
    /// its queue is drained.
    pub async fn recv(&mut self) -> Option<Arc<E>> {
        self.rx.recv().await
    }

    /// The next event if one is waiting.
    pub fn try_recv(&mut self) -> Option<Arc<E>> {
        self.rx.try_recv().ok()
    }

    /// Whether the hub dropped this subscriber because its queue was full.
    pub fn was_dropped(&self) -> bool {
        self.dropped.load(Ordering::Acquire)
    }

    pub fn channel(&self) -> &str {
        &self.channel
    }
}

impl<E: Sequenced> Drop for Subscription<E> {
    fn drop(&mut self) {
        let Some(shared) = self.hub.upgrade() else {
            return;
        };
        let mut channels = shared.channels();
        if let Some(slots) = channels.get_mut(&self.channel) {
            slots.retain(|slot| slot.id != self.id);
            if slots.is_empty() {
                channels.remove(&self.channel);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    #[derive(Debug, Clone, PartialEq)]
    struct Ev {
        channel: &'static str,
        seq: i64,
    }

    impl Sequenced for Ev {
        fn channel(&self) -> &str {
            self.channel
        }
        fn seq(&self) -> i64 {
            self.seq
        }
    }

    fn ev(channel: &'static str, seq: i64) -> Ev {
        Ev { channel, seq }
    }

    fn drain(sub: &mut Subscription<Ev>) -> Vec<i64> {
        std::iter::from_fn(|| sub.try_recv())
            .map(|e| e.seq)
            .collect()
    }

    #[test]
    fn every_subscriber_gets_every_event_in_publish_order() {
        let hub = Hub::new(128);
        let mut a = hub.subscribe("t1");
        let mut b = hub.subscribe("t1");
        for seq in 1..=100 {
            hub.publish(&ev("t1", seq));
        }
        let all: Vec<i64> = (1..=100).collect();
        assert_eq!(drain(&mut a), all);
        assert_eq!(drain(&mut b), all);
        assert!(!a.was_dropped() && !b.was_dropped());
    }

    #[test]
    fn channels_are_separate_and_late_subscribers_see_only_later_events() {
        let hub = Hub::new(8);
        let mut t1 = hub.subscribe("t1");
        hub.publish(&ev("t1", 1));
        let mut t2 = hub.subscribe("t2");
        let mut late = hub.subscribe("t1");
        hub.publish(&ev("t2", 1));
        hub.publish(&ev("t1", 2));
        assert_eq!(drain(&mut t1), [1, 2]);
        assert_eq!(drain(&mut late), [2]);
        assert_eq!(drain(&mut t2), [1]);
        hub.publish(&ev("nobody-listens", 1));
        assert_eq!(hub.subscribers("nobody-listens"), 0);
    }

    #[test]
    fn a_full_subscriber_is_dropped_and_the_others_keep_everything() {
        let hub = Hub::new(4);
        let mut slow = hub.subscribe("t1");
        let mut fast = hub.subscribe("t1");
        let mut got = Vec::new();
        for seq in 1..=10 {
            hub.publish(&ev("t1", seq));
            got.extend(drain(&mut fast));
        }
        assert_eq!(got, (1..=10).collect::<Vec<_>>());
        assert!(slow.was_dropped());
        assert!(!fast.was_dropped());
        assert_eq!(hub.subscribers("t1"), 1);
        assert_eq!(hub.dropped_total(), 1);
        // What it had queued is intact and in order; then it hears nothing.
        assert_eq!(drain(&mut slow), [1, 2, 3, 4]);
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        assert!(rt.block_on(slow.recv()).is_none(), "the queue is closed");
    }

    #[test]
    fn publishing_never_waits_for_a_subscriber_that_does_not_read() {
        let hub = Hub::new(4);
        let _stalled: Vec<_> = (0..50).map(|_| hub.subscribe("t1")).collect();
        let mut reader = hub.subscribe("t1");
        let started = Instant::now();
        let mut got = 0;
        for seq in 1..=100_000 {
            hub.publish(&ev("t1", seq));
            got += drain(&mut reader).len();
        }
        assert_eq!(got, 100_000);
        assert_eq!(hub.subscribers("t1"), 1, "only the reader is left");
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "publishing took {:?}",
            started.elapsed()
        );
    }

    #[test]
    fn dropping_a_subscription_unsubscribes() {
        let hub: Hub<Ev> = Hub::new(4);
        let a = hub.subscribe("t1");
        let b = hub.subscribe("t1");
        assert_eq!(hub.subscribers("t1"), 2);
        drop(a);
        assert_eq!(hub.subscribers("t1"), 1);
        drop(b);
        assert_eq!(hub.subscribers("t1"), 0);
        assert!(hub.shared.channels().is_empty(), "no empty channel is kept");
        // A subscription may outlive its hub.
        let c = hub.subscribe("t1");
        drop(hub);
        assert!(!c.was_dropped());
        drop(c);
    }
}
