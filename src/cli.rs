//! The `ggzy` command line: `serve` (the default), `migrate`, admin
//! commands, and the bidder's and custodian's client commands (`bid`,
//! `opening`; in `bids::cli` and `opening::cli`).

use crate::audit::AuditContext;
use crate::config::ConfigArgs;
use crate::db::Db;
use crate::identity::Role;
use crate::identity::store::{NewUser, create_user, find_or_create_organisation};
use crate::types::{CreditCode, LeagueCode};
use anyhow::Context;
use clap::{Parser, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "ggzy",
    version,
    about = "Public-resource e-trading and remote bid-evaluation platform"
)]
pub struct Cli {
    #[command(flatten)]
    pub config: ConfigArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the platform (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Manage user accounts.
    Users {
        #[command(subcommand)]
        command: UsersCommand,
    },
    /// Manage the league registry.
    Leagues {
        #[command(subcommand)]
        command: LeaguesCommand,
    },
    /// Manage the trust registry: league trust services, CRLs, recognition.
    Trust {
        #[command(subcommand)]
        command: crate::trust::cli::TrustCommand,
    },
    /// The platform's key set, one for all its nodes: make it (`init`),
    /// show its fingerprints.
    Keys {
        #[command(subcommand)]
        command: crate::keys::cli::KeysCommand,
    },
    /// Certificates and trust material.
    Pki {
        #[command(subcommand)]
        command: PkiCommand,
    },
    /// For bidders: pack a bid, submit it, check its receipt (talks to a
    /// platform over HTTP; no database or configuration needed).
    Bid {
        #[command(subcommand)]
        command: crate::bids::cli::BidCommand,
    },
    /// For custodians of opening keys: release a share (over HTTP).
    Opening {
        #[command(subcommand)]
        command: crate::opening::cli::OpeningCommand,
    },
    /// For supervisors: check the audit log (over HTTP, or an export).
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// For anyone: replay a trade found by price from its record.
    Auction {
        #[command(subcommand)]
        command: crate::auctions::cli::AuctionCommand,
    },
    /// For anyone: replay a committee draw from its published inputs.
    Draw {
        #[command(subcommand)]
        command: crate::experts::cli::DrawCommand,
    },
    /// Open the database's own client (sqlite3 or psql), on the record:
    /// the session and its reason go into the audit log first.
    Database {
        #[command(subcommand)]
        command: DatabaseCommand,
    },
    /// Banks that notify trades' deposits (on the server).
    Banks {
        #[command(subcommand)]
        command: BanksCommand,
    },
    /// Set a supervisor's scope (on the server).
    Supervision {
        #[command(subcommand)]
        command: SupervisionCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Download the audit log (or read an export) and check every
    /// checkpoint's signature and consistency, every entry's inclusion, and
    /// the platform's tenders against it. Exit status 1 on any finding.
    Verify {
        /// The platform, e.g. http://127.0.0.1:8080.
        #[arg(long, conflicts_with = "from_export")]
        url: Option<String>,
        /// An operator's or supervisor's session token (entries need one).
        #[arg(long, env = "GGZY_TOKEN")]
        token: Option<String>,
        /// CA certificates (PEM) to trust for HTTPS.
        #[arg(long)]
        ca_file: Option<PathBuf>,
        /// The log's verifier key (name+id+key) to pin; else the state
        /// file's, else the published one.
        #[arg(long)]
        vkey: Option<String>,
        /// Remembers the key and the last checkpoint between runs, so the
        /// next run proves the log only grew.
        #[arg(long)]
        state: Option<PathBuf>,
        /// Also write what was downloaded to this file.
        #[arg(long)]
        export: Option<PathBuf>,
        /// Check an export instead of downloading.
        #[arg(long)]
        from_export: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum BanksCommand {
    /// Register a bank for a league's trades: prints its HMAC-SHA256 key
    /// (hex) once, for the bank to sign its deposit notifications with.
    Add {
        /// The bank's code, as it names itself in X-GGZY-Bank (A-Z, 0-9, -).
        #[arg(long)]
        code: String,
        /// The league whose trades it serves.
        #[arg(long)]
        league: String,
        #[arg(long)]
        name: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum SupervisionCommand {
    /// Set what a supervisor supervises.
    Scope {
        /// The supervisor's user id.
        #[arg(long)]
        user: String,
        /// administrative, discipline or audit.
        #[arg(long)]
        kind: String,
        /// For administrative supervision: the category of trade.
        #[arg(long)]
        category: Option<String>,
        /// The league; none for the whole region.
        #[arg(long)]
        league: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum PkiCommand {
    /// Generate a demo trust fabric (DEMO MATERIAL — NOT FOR PRODUCTION:
    /// every private key is written unencrypted).
    Demo {
        /// The directory to write into (created if absent).
        #[arg(long)]
        out: std::path::PathBuf,
        /// The leagues, comma-separated.
        #[arg(long, value_delimiter = ',', default_value = "GX,NNG,LZH")]
        leagues: Vec<String>,
        /// Replace the demo fabric in a directory that is not empty.
        #[arg(long)]
        force: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum UsersCommand {
    /// Create a user and print a session token (shown once, stored hashed).
    Add {
        /// The person's or account's display name.
        #[arg(long)]
        name: String,
        /// A role; repeat for several.
        #[arg(long = "role", required = true, value_enum)]
        roles: Vec<Role>,
        /// The league the user acts in.
        #[arg(long)]
        league: Option<String>,
        /// The user's organisation (created in the league if absent).
        #[arg(long)]
        org: Option<String>,
        /// The organisation's unified social credit code, when creating it.
        #[arg(long)]
        credit_code: Option<String>,
        /// The person's resident identity number, to sign in with a personal
        /// certificate (experts, supervisors, operators).
        #[arg(long)]
        id_number: Option<String>,
        /// Days the token stays valid [default: 90].
        #[arg(long, default_value_t = 90)]
        valid_days: i64,
    },
    /// List accounts: id, league, roles, enabled or disabled, name.
    List {
        /// Only this league's accounts.
        #[arg(long)]
        league: Option<String>,
    },
    /// Disable an account: its tokens and sessions stop at once (audited).
    Disable {
        /// The account's id (see `ggzy users list`).
        #[arg(long)]
        id: String,
        /// Why; recorded in the audit log.
        #[arg(long)]
        reason: String,
    },
    /// Enable a disabled account again (audited).
    Enable {
        #[arg(long)]
        id: String,
        #[arg(long)]
        reason: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum DatabaseCommand {
    /// Start `sqlite3` or `psql` on the platform's database (interactive,
    /// or running `--command` and exiting); recorded in the audit log as
    /// `database.session.open` before and `database.session.close` after.
    Shell {
        /// Why the database is opened; recorded.
        #[arg(long)]
        reason: String,
        /// One statement to run instead of an interactive session.
        #[arg(long)]
        command: Option<String>,
    },
    /// List the sessions opened with `shell`: id, opened, closed, exit
    /// code, operating-system account, reason.
    Sessions,
}

#[derive(Debug, Subcommand)]
pub enum LeaguesCommand {
    /// List the leagues.
    List,
    /// Register a league.
    Add {
        #[arg(long)]
        code: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        name_en: String,
        #[arg(long)]
        parent_region: String,
    },
}

pub fn run(cli: Cli) -> anyhow::Result<()> {
    // The client commands run on a bidder's or custodian's machine: they
    // read no server configuration and log nothing but their own output.
    let command = match cli.command {
        Some(Command::Bid { command }) => return crate::bids::cli::run(command),
        Some(Command::Opening { command }) => return crate::opening::cli::run(command),
        Some(Command::Draw { command }) => return crate::experts::cli::run(command),
        Some(Command::Auction { command }) => return crate::auctions::cli::run(command),
        Some(Command::Audit {
            command:
                AuditCommand::Verify {
                    url,
                    token,
                    ca_file,
                    vkey,
                    state,
                    export,
                    from_export,
                },
        }) => {
            return crate::audit::verify::run(crate::audit::verify::Options {
                url,
                token,
                ca_file,
                vkey,
                state,
                export,
                from_export,
            });
        }
        other => other,
    };
    let config = cli.config.resolve()?;
    crate::telemetry::init(&config);
    match command.unwrap_or(Command::Serve) {
        Command::Serve => serve(config),
        Command::Migrate => {
            let db = Db::connect(&config.effective_database_url(), 1)?;
            let applied = db.migrate()?;
            println!("{} migration(s) applied", applied.len());
            let now = chrono::Utc::now();
            let installed =
                db.write_blocking(|conn| crate::calendar::store::install_shipped(conn, now))?;
            if !installed.is_empty() {
                println!("calendar years installed: {installed:?}");
            }
            Ok(())
        }
        Command::Users { command } => users(config, command),
        Command::Leagues { command } => leagues(config, command),
        Command::Banks {
            command: BanksCommand::Add { code, league, name },
        } => {
            let db = admin_db(&config)?;
            let league = LeagueCode::parse(&league).map_err(anyhow::Error::msg)?;
            let ctx = AuditContext::system(chrono::Utc::now());
            let key = db
                .write_blocking(|conn| {
                    crate::auctions::banks::add(conn, &ctx, &code, league.as_str(), &name)
                })
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            eprintln!(
                "bank {code} registered for league {league}; its HMAC key follows (shown once):"
            );
            println!("{key}");
            Ok(())
        }
        Command::Trust { command } => crate::trust::cli::run(&config, command),
        Command::Keys { command } => crate::keys::cli::run(&config, command),
        Command::Pki { command } => pki(command),
        Command::Bid { command } => crate::bids::cli::run(command),
        Command::Opening { command } => crate::opening::cli::run(command),
        Command::Audit { .. } | Command::Draw { .. } | Command::Auction { .. } => {
            unreachable!("handled before configuration")
        }
        Command::Database {
            command: DatabaseCommand::Sessions,
        } => {
            for line in crate::db::shell::list(&admin_db(&config)?)? {
                println!("{line}");
            }
            Ok(())
        }
        Command::Database {
            command: DatabaseCommand::Shell { reason, command },
        } => {
            let db = admin_db(&config)?;
            let url = config.effective_database_url();
            let code = crate::db::shell::run(&db, &url, &reason, command.as_deref())?;
            if code != 0 {
                std::process::exit(code);
            }
            Ok(())
        }
        Command::Supervision { command } => supervision(config, command),
    }
}

fn supervision(config: crate::config::Config, command: SupervisionCommand) -> anyhow::Result<()> {
    let SupervisionCommand::Scope {
        user,
        kind,
        category,
        league,
    } = command;
    use crate::supervision::{Scope, SupervisorKind};
    let kind = SupervisorKind::from_code(&kind)
        .with_context(|| format!("--kind is administrative, discipline or audit, not {kind:?}"))?;
    let category = category
        .map(|c| {
            crate::tenders::model::Category::from_code(&c)
                .with_context(|| format!("no category {c:?}"))
        })
        .transpose()?;
    let league = league
        .map(|l| LeagueCode::parse(&l))
        .transpose()
        .map_err(anyhow::Error::msg)?;
    let scope = Scope {
        kind: Some(kind),
        category,
        league,
    };
    let db = admin_db(&config)?;
    let ctx = AuditContext::system(chrono::Utc::now());
    db.write_blocking(|conn| crate::supervision::set_scope(conn, &ctx, &user, &scope))
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    println!(
        "{user}: {} supervision of {} in {}",
        kind.code(),
        category.map(|c| c.code()).unwrap_or("every category"),
        scope
            .league
            .as_ref()
            .map(|l| l.as_str())
            .unwrap_or("the whole region")
    );
    Ok(())
}

fn pki(command: PkiCommand) -> anyhow::Result<()> {
    let PkiCommand::Demo {
        out,
        leagues,
        force,
    } = command;
    let leagues = crate::pki::demo::parse_leagues(&leagues)?;
    let fabric = crate::pki::demo::build(&leagues, chrono::Utc::now())?;
    crate::pki::demo::write(&out, &fabric, force)?;
    let m = &fabric.manifest;
    println!(
        "wrote {} certificates, {} CRLs and {} seals for {} to {} (see manifest.json)",
        m.certificates.len(),
        m.crls.len(),
        m.seals.len(),
        m.leagues.join(","),
        out.display()
    );
    eprintln!("{}", crate::pki::demo::DEMO_NOTICE);
    Ok(())
}

fn serve(config: crate::config::Config) -> anyhow::Result<()> {
    let state = crate::startup::prepare(config, crate::startup::system_clock())?;
    actix_web::rt::System::new().block_on(async move {
        let (db, config) = (state.db.clone(), state.config.clone());
        let app = crate::startup::Application::build(state)?;
        tracing::info!(port = app.port(), "ggzy listening");
        // The first screen (standard output; the logs go to standard
        // error): where to open the portal, and the demo accounts' files.
        let url = crate::demo::welcome::url(&config.listen, app.port(), config.tls_cert.is_some());
        let fabric = config.data_dir.join("pki-demo");
        let dir = fabric.clone();
        let accounts = db
            .read(move |conn| crate::demo::welcome::accounts(conn, &dir))
            .await
            .unwrap_or_else(|e| {
                tracing::warn!(error = %e, "the demo accounts could not be listed");
                Vec::new()
            });
        {
            use std::io::Write;
            let mut out = std::io::stdout().lock();
            let _ =
                out.write_all(crate::demo::welcome::render(&url, &fabric, &accounts).as_bytes());
            let _ = out.flush();
        }
        app.run().await.context("running the server")
    })
}

/// Opens and migrates the database for an admin command.
fn admin_db(config: &crate::config::Config) -> anyhow::Result<Db> {
    let db = Db::connect(&config.effective_database_url(), 1)?;
    db.migrate()?;
    Ok(db)
}

fn users(config: crate::config::Config, command: UsersCommand) -> anyhow::Result<()> {
    let (name, roles, league, org, credit_code, id_number, valid_days) = match command {
        UsersCommand::Add {
            name,
            roles,
            league,
            org,
            credit_code,
            id_number,
            valid_days,
        } => (name, roles, league, org, credit_code, id_number, valid_days),
        UsersCommand::List { league } => return list_users(config, league),
        UsersCommand::Disable { id, reason } => return set_disabled(config, &id, &reason, true),
        UsersCommand::Enable { id, reason } => return set_disabled(config, &id, &reason, false),
    };
    let id_number = id_number
        .map(|n| crate::types::ResidentId::parse(&n))
        .transpose()
        .map_err(anyhow::Error::msg)?;
    anyhow::ensure!(
        (1..=3650).contains(&valid_days),
        "--valid-days must be between 1 and 3650"
    );
    anyhow::ensure!(
        !crate::types::has_control_chars(&name) && !name.trim().is_empty(),
        "--name must be readable text"
    );
    let league = league
        .map(|l| LeagueCode::parse(&l))
        .transpose()
        .map_err(anyhow::Error::msg)?;
    let credit_code = credit_code
        .map(|c| CreditCode::parse(&c))
        .transpose()
        .map_err(anyhow::Error::msg)?;
    anyhow::ensure!(org.is_none() || league.is_some(), "--org needs --league");
    let db = admin_db(&config)?;
    let ctx = AuditContext::system(chrono::Utc::now());
    let (id, token) = db
        .write_blocking(|conn| {
            if let Some(l) = &league
                && !crate::leagues::exists(conn, l)?
            {
                return Err(crate::AppError::invalid_field(
                    crate::error::FieldError::new(
                        "league",
                        format!("no league {l}; see `ggzy leagues list`"),
                    )
                    .because(
                        "league.unknown",
                        serde_json::json!({ "league": l.as_str() }),
                    ),
                ));
            }
            let organisation = match (&org, &league) {
                (Some(o), Some(l)) => Some(find_or_create_organisation(
                    conn,
                    &ctx,
                    l,
                    o,
                    credit_code.as_ref(),
                )?),
                _ => None,
            };
            let new = NewUser {
                name: &name,
                roles: &roles,
                league: league.as_ref(),
                organisation: organisation.as_ref(),
            };
            let (id, token) = create_user(
                conn,
                &ctx,
                &new,
                Some(ctx.now + chrono::Duration::days(valid_days)),
            )?;
            crate::identity::sessions::bind_certificate_identities(
                conn,
                &ctx,
                &id,
                &roles,
                credit_code.as_ref(),
                id_number.as_ref(),
            )?;
            Ok((id, token))
        })
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    eprintln!("created user {id}; its session token follows (shown once):");
    println!("{token}");
    Ok(())
}

fn leagues(config: crate::config::Config, command: LeaguesCommand) -> anyhow::Result<()> {
    let db = admin_db(&config)?;
    match command {
        LeaguesCommand::List => {
            let all = db
                .write_blocking(crate::leagues::list)
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            for l in all {
                println!("{}\t{}\t{}\t{}", l.code, l.parent_region, l.name, l.name_en);
            }
        }
        LeaguesCommand::Add {
            code,
            name,
            name_en,
            parent_region,
        } => {
            let league = crate::leagues::League {
                code: LeagueCode::parse(&code).map_err(anyhow::Error::msg)?,
                name,
                name_en,
                parent_region,
            };
            let ctx = AuditContext::system(chrono::Utc::now());
            db.write_blocking(|conn| crate::leagues::insert(conn, &ctx, &league))
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("league {code} registered");
        }
    }
    Ok(())
}

/// `ggzy users list`: every account (the command line acts as the platform).
fn list_users(config: crate::config::Config, league: Option<String>) -> anyhow::Result<()> {
    use crate::identity::accounts;
    if let Some(l) = &league {
        LeagueCode::parse(l).map_err(anyhow::Error::msg)?;
    }
    let db = admin_db(&config)?;
    let system = crate::identity::Principal::system();
    let mut page = 1;
    loop {
        let filter = accounts::AccountFilter {
            league: league.clone(),
            disabled: None,
            page: Some(page),
            per_page: Some(100),
        };
        let paging = crate::http::Paging {
            page,
            per_page: 100,
        };
        let list = db
            .write_blocking(|conn| accounts::list(conn, &system, &filter, paging))
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        for a in &list.items {
            let roles: Vec<&str> = a.roles.iter().map(|r| r.code()).collect();
            println!(
                "{}\t{}\t{}\t{}\t{}",
                a.id,
                a.league.as_deref().unwrap_or("-"),
                roles.join(","),
                if a.disabled { "disabled" } else { "enabled" },
                a.name
            );
        }
        if i64::from(page) * 100 >= list.total {
            return Ok(());
        }
        page += 1;
    }
}

/// `ggzy users disable|enable`: on the record, as the platform.
fn set_disabled(
    config: crate::config::Config,
    id: &str,
    reason: &str,
    disabled: bool,
) -> anyhow::Result<()> {
    let db = admin_db(&config)?;
    let ctx = AuditContext::system(chrono::Utc::now());
    let change = crate::identity::accounts::AccountChange {
        reason: reason.to_string(),
    };
    let view = db
        .write_blocking(|conn| {
            crate::identity::accounts::set_disabled(conn, &ctx, id, disabled, &change)
        })
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    println!(
        "account {} ({}) {}",
        view.id,
        view.name,
        if view.disabled { "disabled" } else { "enabled" }
    );
    Ok(())
}
