//! `ggzy trust …`: the registry from the server's command line. Every change
//! is audited as a system action, like the API's.

use super::model::{ServiceStatus, ServiceType};
use super::store::{self, EndRecognition, NewRecognition, NewService, NewStatus};
use crate::audit::AuditContext;
use crate::config::Config;
use crate::types::LeagueCode;
use anyhow::Context;
use chrono::{DateTime, Utc};
use clap::Subcommand;
use std::path::PathBuf;

/// Service types, spelt as in the API.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
#[value(rename_all = "snake_case")]
pub enum TypeArg {
    EnterpriseCa,
    PersonalCa,
    SealAuthority,
    TimestampAuthority,
    CrlIssuer,
    /// The platform's own staff CA, for its operators (no `--league`).
    StaffCa,
}

impl From<TypeArg> for ServiceType {
    fn from(t: TypeArg) -> Self {
        match t {
            TypeArg::EnterpriseCa => ServiceType::EnterpriseCa,
            TypeArg::PersonalCa => ServiceType::PersonalCa,
            TypeArg::SealAuthority => ServiceType::SealAuthority,
            TypeArg::TimestampAuthority => ServiceType::TimestampAuthority,
            TypeArg::CrlIssuer => ServiceType::CrlIssuer,
            TypeArg::StaffCa => ServiceType::StaffCa,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum TrustCommand {
    /// Register certificates (PEM or DER files) as a league's trust services,
    /// or, with `--type staff_ca` and no `--league`, as the platform's own
    /// staff CA, which certifies the platform operators who sign in.
    Import {
        /// The league that lists them; omitted for the platform's staff CA
        /// (and required for every other type: the registry says so).
        #[arg(long)]
        league: Option<String>,
        #[arg(long = "type", value_enum)]
        service_type: TypeArg,
        #[arg(long)]
        ocsp_url: Option<String>,
        /// Where the service publishes CRLs; repeat for several.
        #[arg(long = "crl-url")]
        crl_urls: Vec<String>,
        /// RFC 3339 time the service is trusted from [default: now].
        #[arg(long)]
        effective_from: Option<DateTime<Utc>>,
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// List the registered services.
    List {
        #[arg(long)]
        league: Option<String>,
    },
    /// Suspend a service from a time [default: now].
    Suspend {
        id: String,
        #[arg(long)]
        reason: String,
        #[arg(long)]
        effective_from: Option<DateTime<Utc>>,
    },
    /// Grant a suspended service again.
    Reinstate {
        id: String,
        #[arg(long)]
        reason: String,
        #[arg(long)]
        effective_from: Option<DateTime<Utc>>,
    },
    /// Withdraw a service for good from a time [default: now].
    Withdraw {
        id: String,
        #[arg(long)]
        reason: String,
        #[arg(long)]
        effective_from: Option<DateTime<Utc>>,
    },
    /// Load a CRL (PEM or DER) signed by a registered service.
    Crl {
        file: PathBuf,
        #[arg(long)]
        source_url: Option<String>,
    },
    /// Fetch the CRLs every service publishes (its CRL URLs, http only) and
    /// load them; run it from cron before the loaded CRLs' next update.
    FetchCrls {
        /// Seconds to wait for each download.
        #[arg(long, default_value_t = 20)]
        timeout: u64,
    },
    /// Record that LEAGUE recognises another league's services of a type.
    Recognise {
        #[arg(long)]
        league: String,
        #[arg(long)]
        recognises: String,
        #[arg(long = "type", value_enum)]
        service_type: TypeArg,
        #[arg(long)]
        effective_from: Option<DateTime<Utc>>,
        #[arg(long)]
        reason: Option<String>,
    },
    /// End a recognition agreement from a time [default: now].
    EndRecognition {
        id: String,
        #[arg(long)]
        reason: String,
        #[arg(long)]
        effective_until: Option<DateTime<Utc>>,
    },
    /// List recognition agreements, ended ones included.
    Recognitions {
        #[arg(long)]
        league: Option<String>,
    },
    /// Check a signed trust list (JWS JSON) with a PEM public key and print it.
    VerifyList {
        file: PathBuf,
        #[arg(long)]
        key: PathBuf,
    },
}

/// The largest CRL fetched.
const MAX_CRL_BYTES: u64 = 50 * 1024 * 1024;

/// Downloads a CRL over plain HTTP (CRLs are signed; TLS adds nothing).
fn fetch(url: &str, timeout: std::time::Duration) -> anyhow::Result<Vec<u8>> {
    anyhow::ensure!(
        url.starts_with("http://"),
        "only http:// CRL URLs are fetched"
    );
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(timeout))
        .max_redirects(3)
        .http_status_as_error(false)
        .build()
        .into();
    let mut response = agent.get(url).call().context("downloading")?;
    anyhow::ensure!(
        response.status() == 200,
        "the server answered HTTP {}",
        response.status()
    );
    Ok(response
        .body_mut()
        .with_config()
        .limit(MAX_CRL_BYTES)
        .read_to_vec()?)
}

fn league(code: &str) -> anyhow::Result<LeagueCode> {
    LeagueCode::parse(code).map_err(anyhow::Error::msg)
}

fn app<T>(r: Result<T, crate::AppError>) -> anyhow::Result<T> {
    r.map_err(|e| anyhow::anyhow!("{e}"))
}

pub fn run(config: &Config, command: TrustCommand) -> anyhow::Result<()> {
    if let TrustCommand::VerifyList { file, key } = &command {
        let jws: super::lists::Jws = serde_json::from_slice(
            &std::fs::read(file).with_context(|| format!("reading {}", file.display()))?,
        )
        .context("the file is not a JWS in flattened JSON")?;
        let key = std::fs::read(key).with_context(|| format!("reading {}", key.display()))?;
        let payload = super::lists::verify(&jws, &key).map_err(anyhow::Error::msg)?;
        let value: serde_json::Value = serde_json::from_slice(&payload)?;
        eprintln!("signature OK");
        println!("{}", serde_json::to_string_pretty(&value)?);
        return Ok(());
    }
    let db = crate::db::Db::connect(&config.effective_database_url(), 1)?;
    db.migrate()?;
    let now = Utc::now();
    let ctx = AuditContext::system(now);
    let status = |id: String, status, reason, effective_from| -> anyhow::Result<()> {
        let change = NewStatus {
            status,
            effective_from,
            reason,
        };
        let s = app(db.write_blocking(|conn| store::change_status(conn, &ctx, &id, &change)))?;
        println!(
            "{}\t{}\t{}",
            s.id,
            s.status.map_or("-", |st| st.code()),
            s.subject
        );
        Ok(())
    };
    match command {
        TrustCommand::Import {
            league: l,
            service_type,
            ocsp_url,
            crl_urls,
            effective_from,
            files,
        } => {
            let code = l.as_deref().map(league).transpose()?;
            for file in files {
                let bytes =
                    std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
                let certificate = if bytes.trim_ascii_start().starts_with(b"-----BEGIN") {
                    String::from_utf8(bytes).context("PEM must be text")?
                } else {
                    openssl::base64::encode_block(&bytes)
                };
                let new = NewService {
                    league: code.clone(),
                    service_type: service_type.into(),
                    certificate,
                    // Files are imported in order: give a root before the
                    // CAs it issued.
                    issuers: Vec::new(),
                    ocsp_url: ocsp_url.clone(),
                    crl_urls: crl_urls.clone(),
                    effective_from,
                    reason: Some(format!("imported from {}", file.display())),
                };
                let s = app(db.write_blocking(|conn| store::register(conn, &ctx, &new)))
                    .with_context(|| format!("importing {}", file.display()))?;
                println!(
                    "{}\t{}\t{}\t{}",
                    s.id,
                    s.league.as_ref().map_or("-", LeagueCode::as_str),
                    s.service_type.code(),
                    s.subject
                );
            }
        }
        TrustCommand::List { league: l } => {
            let code = l.as_deref().map(league).transpose()?;
            let all = app(db.write_blocking(|conn| store::list(conn, code.as_ref(), now)))?;
            for s in all {
                let s = s.service;
                println!(
                    "{}\t{}\t{}\t{}\t{}",
                    s.id,
                    s.league.as_ref().map_or("-", LeagueCode::as_str),
                    s.service_type.code(),
                    s.status.map_or("-", |st| st.code()),
                    s.subject
                );
            }
        }
        TrustCommand::Suspend {
            id,
            reason,
            effective_from,
        } => status(id, ServiceStatus::Suspended, reason, effective_from)?,
        TrustCommand::Reinstate {
            id,
            reason,
            effective_from,
        } => status(id, ServiceStatus::Granted, reason, effective_from)?,
        TrustCommand::Withdraw {
            id,
            reason,
            effective_from,
        } => status(id, ServiceStatus::Withdrawn, reason, effective_from)?,
        TrustCommand::Crl { file, source_url } => {
            let bytes =
                std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
            let info = app(db.write_blocking(|conn| {
                store::load_crl(conn, &ctx, &bytes, source_url.as_deref())
            }))?;
            println!(
                "{}\t{}\t{} revoked\tnext update {}",
                info.sha256,
                info.issuer,
                info.revoked_count,
                info.next_update.map_or("-".into(), |t| t.to_rfc3339())
            );
        }
        TrustCommand::FetchCrls { timeout } => {
            let services = app(db.write_blocking(|conn| store::list(conn, None, now)))?;
            let mut failures = 0;
            for s in services {
                for url in &s.service.crl_urls {
                    let fetched =
                        fetch(url, std::time::Duration::from_secs(timeout)).and_then(|bytes| {
                            app(db.write_blocking(|conn| {
                                store::load_crl(conn, &ctx, &bytes, Some(url))
                            }))
                        });
                    match fetched {
                        Ok(info) => println!(
                            "{url}\t{}\t{} revoked\tnext update {}",
                            info.issuer,
                            info.revoked_count,
                            info.next_update.map_or("-".into(), |t| t.to_rfc3339())
                        ),
                        Err(e) => {
                            failures += 1;
                            eprintln!("{url}: {e:#}");
                        }
                    }
                }
            }
            anyhow::ensure!(
                failures == 0,
                "{failures} CRL(s) could not be fetched or loaded"
            );
        }
        TrustCommand::Recognise {
            league: l,
            recognises,
            service_type,
            effective_from,
            reason,
        } => {
            let new = NewRecognition {
                league: league(&l)?,
                recognised_league: league(&recognises)?,
                service_type: service_type.into(),
                effective_from,
                reason,
            };
            let r = app(db.write_blocking(|conn| store::recognise(conn, &ctx, &new)))?;
            println!(
                "{}\t{} recognises {} {} from {}",
                r.id,
                r.league,
                r.recognised_league,
                r.service_type.code(),
                r.effective_from.to_rfc3339()
            );
        }
        TrustCommand::EndRecognition {
            id,
            reason,
            effective_until,
        } => {
            let end = EndRecognition {
                effective_until,
                reason,
            };
            let r = app(db.write_blocking(|conn| store::end_recognition(conn, &ctx, &id, &end)))?;
            println!(
                "{}\tended {}",
                r.id,
                r.effective_until.map_or("-".into(), |t| t.to_rfc3339())
            );
        }
        TrustCommand::Recognitions { league: l } => {
            let code = l.as_deref().map(league).transpose()?;
            for r in app(db.write_blocking(|conn| store::recognitions(conn, code.as_ref())))? {
                println!(
                    "{}\t{} recognises {} {}\t{} .. {}",
                    r.id,
                    r.league,
                    r.recognised_league,
                    r.service_type.code(),
                    r.effective_from.to_rfc3339(),
                    r.effective_until.map_or("".into(), |t| t.to_rfc3339())
                );
            }
        }
        TrustCommand::VerifyList { .. } => unreachable!("handled above"),
    }
    Ok(())
}
