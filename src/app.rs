//! The state every handler is given: the platform's services, below the
//! domains. This module depends on no route module; `startup` builds the
//! state and wires the routes, and every route module reads this one.

use crate::clock::Clock;
use crate::config::Config;
use crate::db::Db;
use crate::http::metrics::Metrics;
use crate::opendata::OcdsSettings;
use crate::store::BlobStore;
use crate::{audit, hall};
use chrono::{DateTime, Utc};
use std::sync::Arc;

/// Everything a handler may reach.
pub struct AppState {
    pub db: Db,
    pub config: Arc<Config>,
    pub clock: Arc<dyn Clock>,
    pub blobs: BlobStore,
    pub metrics: Arc<Metrics>,
    pub ocds: OcdsSettings,
    pub started_at: DateTime<Utc>,
    /// The trust registry, cached for validation.
    pub trust: Arc<crate::trust::registry::TrustCache>,
    /// Signs trust lists.
    pub signing_key: Arc<crate::pki::keys::SigningKey>,
    /// The platform's custodian key for opening-key shares.
    pub platform_custodian: Arc<crate::opening::platform::PlatformCustodian>,
    /// The platform's timestamp authority (bid receipts).
    pub tsa: Arc<crate::tsa::Tsa>,
    /// Signs the documents the platform issues (notices of award).
    pub document_signer: Arc<crate::keys::documents::DocumentSigner>,
    /// Resumable bid uploads in progress.
    pub uploads: Arc<crate::bids::upload::Uploads>,
    /// Openings decrypting in this process.
    pub openings_running: Arc<crate::opening::running::Running>,
    /// The opening hall's live subscribers and socket settings.
    pub hall: hall::Hall,
    /// Evaluation rooms: their hub, states and socket settings.
    pub rooms: crate::evaluation::Rooms,
    /// Trades found by price: their live channel's hub and settings.
    pub auctions: crate::auctions::feed::Auctions,
    /// The transparency log's key and sequencer interval.
    pub audit_log: Arc<audit::AuditLog>,
    /// Supervisors' live feed of the log.
    pub supervision_feed: crate::supervision::feed::Feed,
    /// Other nodes' commits, heard through the database.
    pub bus: crate::cluster::bus::Bus,
    /// Whether this node does the cluster's duties now.
    pub duties: crate::cluster::duty::Duties,
    /// E-mail out: the mailer, the retry policy, this process's figures.
    pub mail: Arc<crate::notify::worker::Delivery>,
    /// The demo data's procedures to run, when this node loaded them.
    pub demo: Option<crate::demo::Plan>,
}

#[cfg(test)]
mod tests {
    /// The layering this module exists for: nothing but the wiring
    /// (`startup`, and the command line that runs it) reaches `startup`,
    /// and the state reaches no route module, so no route can sit in an
    /// import circle with the state it is given.
    #[test]
    fn the_state_sits_below_the_routes() {
        let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut files = vec![src.clone()];
        let mut offenders = Vec::new();
        while let Some(path) = files.pop() {
            if path.is_dir() {
                for entry in std::fs::read_dir(&path).unwrap() {
                    files.push(entry.unwrap().path());
                }
                continue;
            }
            let rel = path
                .strip_prefix(&src)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            if !rel.ends_with(".rs") || ["startup.rs", "cli.rs", "main.rs"].contains(&rel.as_str())
            {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let code = text.split("#[cfg(test)]\nmod tests").next().unwrap();
            if code.contains("crate::startup") {
                offenders.push(format!("{rel} reaches startup"));
            }
        }
        let app = std::fs::read_to_string(src.join("app.rs")).unwrap();
        let body = &app[..app.find("#[cfg(test)]").unwrap()];
        for word in ["routes", "::live", "startup", "crate::cli"] {
            if body
                .lines()
                .any(|l| !l.trim_start().starts_with("//") && l.contains(word))
            {
                offenders.push(format!("app.rs names {word}"));
            }
        }
        assert!(offenders.is_empty(), "{offenders:?}");
    }
}
