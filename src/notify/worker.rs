//! The outbox's worker: one node of a cluster at a time (the cluster's
//! duties) takes due e-mails one by one, commits each claim, sends it, and
//! commits how it went. Each delivery is traced in a span that carries the
//! id of the request that caused the message.

use super::mail::Mailer;
use super::outbox::{self, After, Outcome, Retry};
use crate::clock::Clock;
use crate::db::Db;
use lettre::message::Mailbox;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tracing::Instrument;

/// How often the worker looks for due e-mails.
pub const POLL: Duration = Duration::from_millis(500);

/// Most e-mails sent in one round (the next round follows at once when
/// there were more).
const ROUND: usize = 50;

/// Counters for /metrics, of this process.
#[derive(Default)]
pub struct Stats {
    pub sent: AtomicU64,
    pub temporary_failures: AtomicU64,
    pub permanent_failures: AtomicU64,
    pub dead: AtomicU64,
    send_micros: AtomicU64,
    sends: AtomicU64,
    max_send_micros: AtomicU64,
}

impl Stats {
    fn observe(&self, elapsed: Duration) {
        let micros = elapsed.as_micros().min(u64::MAX as u128) as u64;
        self.send_micros.fetch_add(micros, Ordering::Relaxed);
        self.sends.fetch_add(1, Ordering::Relaxed);
        self.max_send_micros.fetch_max(micros, Ordering::Relaxed);
    }

    /// (sends, seconds in all, longest in seconds)
    pub fn latency(&self) -> (u64, f64, f64) {
        (
            self.sends.load(Ordering::Relaxed),
            self.send_micros.load(Ordering::Relaxed) as f64 / 1e6,
            self.max_send_micros.load(Ordering::Relaxed) as f64 / 1e6,
        )
    }
}

/// What delivering needs: the mailer, the sender's address, the retry
/// policy, and this process's counters.
pub struct Delivery {
    pub mailer: Mailer,
    pub from: Mailbox,
    pub retry: Retry,
    pub stats: Stats,
    /// This process (a node's id and a random part): whose `sending` rows
    /// are whose.
    pub me: String,
}

impl Delivery {
    pub fn new(mailer: Mailer, from: Mailbox, retry: Retry) -> Delivery {
        Delivery {
            mailer,
            from,
            retry,
            stats: Stats::default(),
            me: format!("{}#{}", crate::cluster::node_id(), uuid::Uuid::new_v4()),
        }
    }
}

fn jitter() -> f64 {
    let mut b = [0u8; 4];
    if openssl::rand::rand_bytes(&mut b).is_err() {
        return 0.5;
    }
    u32::from_le_bytes(b) as f64 / (u32::MAX as f64 + 1.0)
}

/// How often the worker looks for e-mails another process left half-sent
/// (and at its first round).
pub const RECLAIM_EVERY: Duration = Duration::from_secs(30);

/// Sends what is due, at most one round's worth; returns how many were
/// tried. `reclaim`: first look for rows another process left `sending`
/// (`sole_process`: one process owns the database, SQLite, so they are
/// orphans at once). Nothing is written when nothing is due.
pub async fn round(
    db: &Db,
    clock: &Arc<dyn Clock>,
    delivery: &Arc<Delivery>,
    sole_process: bool,
    reclaim: bool,
) -> usize {
    if reclaim {
        let (me, now) = (delivery.me.clone(), clock.now());
        if let Err(e) = db
            .write(move |conn| outbox::reclaim_orphans(conn, &me, sole_process, now))
            .await
        {
            tracing::warn!(error = %e, "looking for e-mails left half-sent");
        }
    }
    let now = clock.now();
    match db.read(move |conn| outbox::any_due(conn, now)).await {
        Ok(true) => {}
        Ok(false) => return 0,
        Err(e) => {
            tracing::warn!(error = %e, "looking for due e-mails");
            return 0;
        }
    }
    let mut tried = 0;
    while tried < ROUND {
        let (me, now) = (delivery.me.clone(), clock.now());
        let due = match db
            .write(move |conn| outbox::claim_next(conn, &me, now))
            .await
        {
            Ok(Some(due)) => due,
            Ok(None) => break,
            Err(e) => {
                tracing::warn!(error = %e, "claiming the next e-mail");
                break;
            }
        };
        tried += 1;
        let span = tracing::info_span!(
            "notify.deliver",
            notification_id = %due.notification_id,
            kind = %due.kind,
            attempt = due.attempts,
            request_id = due.request_id.as_deref().unwrap_or(""),
        );
        deliver(db, clock, delivery, due).instrument(span).await;
    }
    tried
}

/// Sends one claimed e-mail and records how it went.
async fn deliver(db: &Db, clock: &Arc<dyn Clock>, delivery: &Arc<Delivery>, due: outbox::Due) {
    let started = Instant::now();
    let (d, sending) = (delivery.clone(), due.clone());
    let outcome = tokio::task::spawn_blocking(move || d.mailer.send(&d.from, &sending))
        .await
        .unwrap_or_else(|e| Outcome::Temporary(format!("the sending task failed: {e}")));
    // A message that tells who bid is left out of the figures (see
    // `outbox::depth`).
    let counted = !due.sealed;
    if counted {
        delivery.stats.observe(started.elapsed());
        let counter = match &outcome {
            Outcome::Sent => &delivery.stats.sent,
            Outcome::Temporary(_) => &delivery.stats.temporary_failures,
            Outcome::Permanent(_) => &delivery.stats.permanent_failures,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }
    let (me, now, retry, unit) = (delivery.me.clone(), clock.now(), delivery.retry, jitter());
    let (finishing, recorded) = (due.clone(), outcome.clone());
    let after = db
        .write(move |conn| {
            let after = outbox::finish(conn, &finishing, &me, &recorded, &retry, unit, now)?;
            if after == After::Dead {
                let (object_type, tender_id) = finishing.audit_object();
                crate::audit::record(
                    conn,
                    &crate::audit::AuditContext::system(now),
                    "notification.dead_letter",
                    object_type,
                    &finishing.notification_id,
                    tender_id,
                    &serde_json::json!({
                        "kind": finishing.kind,
                        "attempts": finishing.attempts,
                    }),
                )?;
            }
            Ok(after)
        })
        .await;
    match (&outcome, after) {
        (_, Ok(After::Sent)) => tracing::info!(message_id = %due.message_id, "e-mail sent"),
        (Outcome::Temporary(e), Ok(After::Again(at))) => {
            tracing::warn!(error = %e, next_attempt_at = %at, "e-mail not sent; trying again later")
        }
        (e, Ok(After::Dead)) => {
            if counted {
                delivery.stats.dead.fetch_add(1, Ordering::Relaxed);
            }
            tracing::error!(outcome = ?e, "e-mail refused for good: a dead letter for the operators")
        }
        (_, Ok(other)) => tracing::warn!(?other, "the e-mail's row moved while it was sent"),
        // Sent (perhaps) but not recorded: the row stays `sending` and goes
        // out again, same Message-ID, once it is orphaned.
        (_, Err(e)) => tracing::error!(error = %e, "recording the e-mail's delivery failed"),
    }
}
