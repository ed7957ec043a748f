//! Opening key pairs made ahead of time. Making an RSA-3072 key pair takes
//! 0.3–1.7 s; made inside publication's write transaction it held every
//! other writer back for that long (SQLite has one writer, and on
//! PostgreSQL the tender's lock). A background thread keeps a few ready;
//! publication takes one in microseconds and the thread makes the next.
//!
//! What custody promises stays: a key pair is made in this process's memory
//! only, is never written anywhere, serves one tender, and its private key
//! is split and gone within publication's transaction. A pooled pair waits
//! at most [`MAX_AGE`]; older ones are freed (OpenSSL clears their private
//! parts) and replaced, which bounds what a snapshot of the memory could
//! tell about tenders published later. When publications come faster than
//! pairs are made and none is ready, publication makes its own, as before
//! (counted, so that it shows).
//!
//! The pool is one per process ([`shared`]), started at start-up; the
//! policy (how many, how old) is plain data with unit tests.

use super::custody::{CustodyError, FreshKey};
use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// How many key pairs wait ready: a burst of this many publications
/// finds one each.
pub const POOL_SIZE: usize = 8;

/// How long a ready key pair may wait before it is replaced.
pub const MAX_AGE: Duration = Duration::from_secs(30 * 60);

/// How many recent handed-out public keys are remembered (for
/// [`KeyPool::was_ready`]).
const REMEMBERED: usize = 256;

/// Counters, for metrics and tests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Pairs ready now.
    pub ready: usize,
    /// Publications that found a pair ready.
    pub taken_ready: u64,
    /// Publications that had to make their own.
    pub made_on_demand: u64,
    /// Pairs freed unused for being too old.
    pub expired: u64,
}

struct Ready {
    keys: VecDeque<(Instant, FreshKey)>,
    /// SHA-256 of the public keys of the last pairs handed out ready.
    handed_out: VecDeque<String>,
    stats: Stats,
}

/// Which ready pairs are too old at `now`: how many from the front (the
/// oldest) to drop (pure).
pub fn stale(made: &[Instant], now: Instant, max_age: Duration) -> usize {
    made.iter()
        .take_while(|at| now.saturating_duration_since(**at) >= max_age)
        .count()
}

/// How long the refiller may sleep: until the oldest ready pair is due
/// for replacement, or at once if one is missing (pure).
pub fn sleep_for(
    ready: usize,
    target: usize,
    oldest: Option<Instant>,
    now: Instant,
    max_age: Duration,
) -> Duration {
    if ready < target {
        return Duration::ZERO;
    }
    match oldest {
        Some(at) => max_age.saturating_sub(now.saturating_duration_since(at)),
        None => max_age,
    }
}

pub struct KeyPool {
    ready: Mutex<Ready>,
    /// Signalled when a pair is taken (the refiller makes the next).
    taken: Condvar,
    target: usize,
    max_age: Duration,
}

impl KeyPool {
    pub fn new(target: usize, max_age: Duration) -> KeyPool {
        KeyPool {
            ready: Mutex::new(Ready {
                keys: VecDeque::new(),
                handed_out: VecDeque::new(),
                stats: Stats::default(),
            }),
            taken: Condvar::new(),
            target,
            max_age,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Ready> {
        self.ready.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Drops pairs too old to hand out.
    fn drop_stale(&self, ready: &mut Ready, now: Instant) {
        let made: Vec<Instant> = ready.keys.iter().map(|(at, _)| *at).collect();
        for _ in 0..stale(&made, now, self.max_age) {
            ready.keys.pop_front();
            ready.stats.expired += 1;
        }
    }

    /// A ready pair, if one is (the oldest still young enough).
    pub fn take(&self) -> Option<FreshKey> {
        let mut ready = self.lock();
        self.drop_stale(&mut ready, Instant::now());
        let (_, key) = ready.keys.pop_front()?;
        ready.stats.taken_ready += 1;
        if let Ok(sha) = key.public_sha256() {
            if ready.handed_out.len() == REMEMBERED {
                ready.handed_out.pop_front();
            }
            ready.handed_out.push_back(sha);
        }
        drop(ready);
        self.taken.notify_one();
        Some(key)
    }

    /// A pair taken for a publication that did not happen (refused, or its
    /// transaction failed before using it): ready again, never used.
    pub fn give_back(&self, key: FreshKey) {
        let mut ready = self.lock();
        if ready.keys.len() < self.target {
            ready.keys.push_back((Instant::now(), key));
        }
    }

    /// A ready pair, or else one made now (slow: the fallback).
    pub fn take_or_make(&self) -> Result<FreshKey, CustodyError> {
        if let Some(key) = self.take() {
            return Ok(key);
        }
        self.lock().stats.made_on_demand += 1;
        tracing::warn!(
            "no opening key pair was ready: this publication makes its own (slow, inside its \
             transaction)"
        );
        FreshKey::generate()
    }

    pub fn stats(&self) -> Stats {
        let ready = self.lock();
        Stats {
            ready: ready.keys.len(),
            ..ready.stats
        }
    }

    /// Whether the public key (SHA-256 hex of its DER) was handed out
    /// ready by this pool recently.
    pub fn was_ready(&self, public_sha256: &str) -> bool {
        self.lock().handed_out.iter().any(|s| s == public_sha256)
    }

    /// Adds one pair if the pool is short, replacing stale ones; waits
    /// (without holding the lock while a pair is made) until there is
    /// something to do. Returns after one step.
    pub fn refill_step(&self) -> Result<(), CustodyError> {
        {
            let mut ready = self.lock();
            loop {
                let now = Instant::now();
                self.drop_stale(&mut ready, now);
                let oldest = ready.keys.front().map(|(at, _)| *at);
                let wait = sleep_for(ready.keys.len(), self.target, oldest, now, self.max_age);
                if wait.is_zero() {
                    break;
                }
                ready = self
                    .taken
                    .wait_timeout(ready, wait)
                    .unwrap_or_else(|p| p.into_inner())
                    .0;
            }
        }
        let key = FreshKey::generate()?;
        self.lock().keys.push_back((Instant::now(), key));
        Ok(())
    }

    /// Keeps the pool full, forever (on its own thread).
    fn run(self: Arc<Self>) {
        loop {
            if let Err(e) = self.refill_step() {
                tracing::error!(error = %e, "making an opening key pair ahead");
                std::thread::sleep(Duration::from_secs(5));
            }
        }
    }
}

/// This process's pool; the first call starts its refiller thread.
pub fn shared() -> &'static KeyPool {
    static POOL: OnceLock<Arc<KeyPool>> = OnceLock::new();
    POOL.get_or_init(|| {
        let pool = Arc::new(KeyPool::new(POOL_SIZE, MAX_AGE));
        let refiller = pool.clone();
        if let Err(e) = std::thread::Builder::new()
            .name("opening-key-pool".into())
            .spawn(move || refiller.run())
        {
            tracing::error!(error = %e, "starting the opening key pool: keys are made on demand");
        }
        pool
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pair_given_back_is_handed_out_again_and_the_pool_stays_bounded() {
        let pool = KeyPool::new(1, Duration::from_secs(3600));
        let key = FreshKey::generate().unwrap();
        let sha = key.public_sha256().unwrap();
        pool.give_back(key);
        let again = pool.take().expect("the pair given back");
        assert_eq!(again.public_sha256().unwrap(), sha);
        pool.give_back(again);
        pool.give_back(FreshKey::generate().unwrap());
        assert_eq!(pool.lock().keys.len(), 1, "never more than the target");
    }

    #[test]
    fn stale_pairs_are_the_oldest_ones_past_the_age() {
        let now = Instant::now();
        let age = Duration::from_secs(60);
        let made = [
            now - Duration::from_secs(90),
            now - Duration::from_secs(60),
            now - Duration::from_secs(59),
            now,
        ];
        assert_eq!(stale(&made, now, age), 2);
        assert_eq!(stale(&made[2..], now, age), 0);
        assert_eq!(stale(&[], now, age), 0);
    }

    #[test]
    fn the_refiller_works_when_short_and_sleeps_until_the_oldest_is_due() {
        let now = Instant::now();
        let age = Duration::from_secs(600);
        assert_eq!(sleep_for(3, 4, Some(now), now, age), Duration::ZERO);
        assert_eq!(sleep_for(0, 4, None, now, age), Duration::ZERO);
        let oldest = now - Duration::from_secs(100);
        assert_eq!(
            sleep_for(4, 4, Some(oldest), now, age),
            Duration::from_secs(500)
        );
        assert_eq!(sleep_for(4, 4, Some(now - age), now, age), Duration::ZERO);
    }

    #[test]
    fn a_pair_is_handed_out_once_and_the_pool_refills() {
        let pool = KeyPool::new(1, Duration::from_secs(600));
        assert!(
            pool.take().is_none(),
            "nothing is ready before the refiller"
        );
        pool.refill_step().unwrap();
        assert_eq!(pool.stats().ready, 1);
        let key = pool.take().unwrap();
        assert!(pool.was_ready(&key.public_sha256().unwrap()));
        assert!(pool.take().is_none(), "each pair serves one tender");
        let made = pool.take_or_make().unwrap();
        assert!(!pool.was_ready(&made.public_sha256().unwrap()));
        let stats = pool.stats();
        assert_eq!((stats.taken_ready, stats.made_on_demand), (1, 1));
    }

    #[test]
    fn an_old_pair_is_not_handed_out() {
        let pool = KeyPool::new(1, Duration::from_millis(50));
        pool.refill_step().unwrap();
        std::thread::sleep(Duration::from_millis(60));
        assert!(pool.take().is_none());
        assert_eq!(pool.stats().expired, 1);
    }
}
