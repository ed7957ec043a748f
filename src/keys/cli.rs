//! `ggzy keys …`: the platform's key set from the command line, for a
//! platform of several nodes (one node alone makes its own on first start).

use crate::config::Config;
use clap::Subcommand;
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Make the key set of a new platform (audit-log key, trust-list signing
    /// key, timestamp authority, opening-key custodian, document-signing
    /// key) in a folder without
    /// one, private keys owner-only, and print the fingerprints. Give every
    /// node that folder as GGZY_KEYS_DIR. The audit log is named from
    /// --public-url, as the nodes will be.
    Init {
        /// The folder [default: the configured keys_dir, else <data_dir>/keys].
        #[arg(long)]
        dir: Option<PathBuf>,
    },
    /// Add to an existing platform's key set the keys of purposes added
    /// since it was made (the document-signing key), replacing nothing, and
    /// print the fingerprints. Run it once on the folder every node is
    /// given, before starting the nodes of the new version.
    Complete {
        /// The folder [default: the configured keys_dir, else <data_dir>/keys].
        #[arg(long)]
        dir: Option<PathBuf>,
    },
    /// Print the fingerprints of a complete key set: purpose, algorithm,
    /// SHA-256 of the public key (what the platform records at first use).
    Fingerprints {
        /// The folder [default: the configured keys_dir, else <data_dir>/keys].
        #[arg(long)]
        dir: Option<PathBuf>,
    },
}

pub fn run(config: &Config, command: KeysCommand) -> anyhow::Result<()> {
    match command {
        KeysCommand::Init { dir } => {
            let dir = dir.unwrap_or_else(|| config.keys_dir());
            let log_name = crate::audit::AuditLog::name_for(&config.public_url);
            let made = super::init(&dir, &log_name, chrono::Utc::now())?;
            eprintln!(
                "made the platform key set in {} (private keys readable by their owner only); \
                 its fingerprints (SHA-256 of each public key) follow",
                dir.display()
            );
            print(&made);
            eprintln!(
                "give every node this folder (GGZY_KEYS_DIR={}): the first to start records \
                 these fingerprints in the database, and a node with other keys is refused",
                dir.display()
            );
        }
        KeysCommand::Complete { dir } => {
            let dir = dir.unwrap_or_else(|| config.keys_dir());
            let all = super::complete(&dir, chrono::Utc::now())?;
            eprintln!(
                "the key set in {} is complete; its fingerprints follow (the nodes record the \
                 new ones at their next start)",
                dir.display()
            );
            print(&all);
        }
        KeysCommand::Fingerprints { dir } => {
            let dir = dir.unwrap_or_else(|| config.keys_dir());
            print(&super::read(&dir)?);
        }
    }
    Ok(())
}

fn print(fingerprints: &[super::Fingerprint]) {
    for fp in fingerprints {
        println!(
            "{}\t{}\t{}",
            fp.purpose.code(),
            fp.algorithm,
            fp.spki_sha256
        );
    }
}
