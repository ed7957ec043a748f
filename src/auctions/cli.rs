//! `ggzy auction verify`: replays a decided trade from its published
//! record (downloaded from a platform, or a saved file) with the same pure
//! engine the platform runs, and says whether the record holds: every
//! event what the rules make at its time, in order, numbered without gaps,
//! and the winner, the price and the countdown's end as the platform says.

use super::engine::{self, Phase, Recorded};
use super::store::{RECORD_FORMAT, TradeRecord};
use anyhow::{Context, bail};
use clap::Subcommand;
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum AuctionCommand {
    /// Replay a decided trade from its record and say whether the platform's
    /// outcome follows from it. Exit status 1 on any finding.
    Verify {
        /// The platform, e.g. http://127.0.0.1:8080 (with --tender).
        #[arg(long, requires = "tender", conflicts_with = "record")]
        url: Option<String>,
        /// The tender whose trade to replay.
        #[arg(long)]
        tender: Option<String>,
        /// A session token (a draft tender's managers; anyone once published).
        #[arg(long, env = "GGZY_TOKEN")]
        token: Option<String>,
        /// CA certificates (PEM) to trust for HTTPS.
        #[arg(long)]
        ca_file: Option<PathBuf>,
        /// A saved record (the JSON of …/auction/record).
        #[arg(long)]
        record: Option<PathBuf>,
        /// Also write the downloaded record to this file.
        #[arg(long)]
        save: Option<PathBuf>,
    },
}

/// What a replay found: the lines to print, and the findings.
#[derive(Debug, Default)]
pub struct Report {
    pub lines: Vec<String>,
    pub findings: Vec<String>,
}

/// Replays a record, offline.
pub fn replay(record: &TradeRecord) -> Report {
    let mut report = Report::default();
    if record.format != RECORD_FORMAT {
        report.findings.push(format!(
            "the record's format is {:?}, not {RECORD_FORMAT}",
            record.format
        ));
        return report;
    }
    for (i, e) in record.events.iter().enumerate() {
        if e.seq != i as i64 + 1 {
            report.findings.push(format!(
                "event {} is numbered {}: the record's numbers have a gap or a repeat",
                i + 1,
                e.seq
            ));
            return report;
        }
    }
    let events: Vec<Recorded> = record.events.iter().map(|e| e.recorded.clone()).collect();
    match engine::replay(record.terms.clone(), record.qualified.clone(), &events) {
        Err(divergence) => report.findings.push(format!(
            "event {} parts from the rules: {divergence}",
            divergence.index + 1
        )),
        Ok(trade) => {
            report.lines.push(format!(
                "{} events replayed by the rules of {}",
                events.len(),
                record.terms.kind.code()
            ));
            if let Some((number, amount)) = trade.leader() {
                report.lines.push(format!(
                    "highest quote: {} yuan by {number}",
                    crate::reasons::yuan(amount)
                ));
            }
            let ended = events.iter().rev().find_map(|r| match &r.event {
                engine::Event::Closed { .. } => Some(r.at),
                _ => None,
            });
            if let Some(at) = ended {
                report
                    .lines
                    .push(format!("quoting closed at {}", at.to_rfc3339()));
            }
            match trade.outcome() {
                Some(outcome) => report.lines.push(format!(
                    "outcome: {}",
                    serde_json::to_string(outcome).unwrap_or_default()
                )),
                None => report
                    .findings
                    .push("the record ends before the trade is decided".into()),
            }
            if trade.outcome() != record.outcome.as_ref() {
                report.findings.push(format!(
                    "the platform says the outcome is {}, the replay makes it {}",
                    serde_json::to_string(&record.outcome).unwrap_or_default(),
                    serde_json::to_string(&trade.outcome()).unwrap_or_default()
                ));
            }
            for finding in
                super::reserve::findings(&record.tender_id, record.reserve.as_ref(), &events)
            {
                report.findings.push(finding);
            }
            if let Some(reserve) = trade.reserve_fen() {
                report.lines.push(format!(
                    "reserve revealed: {} yuan, as sealed under commitment {}",
                    crate::reasons::yuan(reserve),
                    record
                        .reserve
                        .as_ref()
                        .and_then(|r| r.commitment.as_deref())
                        .unwrap_or("-")
                ));
            }
            if !matches!(trade.phase(), Phase::Decided { .. }) {
                report
                    .findings
                    .push(format!("the replay leaves the trade {:?}", trade.phase()));
            }
        }
    }
    report
}

pub fn run(command: AuctionCommand) -> anyhow::Result<()> {
    let AuctionCommand::Verify {
        url,
        tender,
        token,
        ca_file,
        record,
        save,
    } = command;
    let record: TradeRecord = match (&record, &url, &tender) {
        (Some(path), _, _) => serde_json::from_slice(
            &std::fs::read(path).with_context(|| format!("reading {}", path.display()))?,
        )
        .with_context(|| format!("{} is not a trade's record", path.display()))?,
        (None, Some(url), Some(tender)) => {
            let mut api = crate::bids::cli::Api::new(url, ca_file.as_deref())?;
            api.token = token;
            api.get(&format!("/api/v1/tenders/{tender}/auction/record"))?
                .expect(200, "downloading the trade's record")?
                .json()?
        }
        _ => bail!("give --url and --tender (download the record) or --record FILE"),
    };
    if let Some(path) = &save {
        std::fs::write(path, serde_json::to_vec_pretty(&record)?)
            .with_context(|| format!("writing {}", path.display()))?;
    }
    let report = replay(&record);
    for line in &report.lines {
        println!("{line}");
    }
    if report.findings.is_empty() {
        println!("the record holds: the outcome follows from its events by the rules");
        Ok(())
    } else {
        for finding in &report.findings {
            eprintln!("FINDING: {finding}");
        }
        std::process::exit(1);
    }
}
