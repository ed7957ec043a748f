//! Building and running the application: state, routes, middleware.

use crate::app::AppState;
use crate::clock::{Clock, SystemClock};
use crate::config::Config;
use crate::db::Db;
use crate::http::metrics::Metrics;
use crate::opendata::OcdsSettings;
use crate::store::BlobStore;
use crate::{audit, frontend, hall, http, identity, leagues, opendata, tenders, trust};
use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{App, HttpResponse, get, web};
use anyhow::Context;
use std::net::TcpListener;
use std::sync::Arc;
use utoipa::OpenApi;
use utoipa_actix_web::{AppExt, scope};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "ggzy — public-resource trading platform API",
        description = "Public-resource e-trading: tenders and notices, certificate login and trust registries, seals, sealed bids with RFC 3161 receipts, the opening, expert draws and evaluation rooms, supervision and the audit log, open data (OCDS 1.1). Errors are RFC 9457 problem+json; see /problems.",
        license(name = "Apache-2.0")
    ),
    components(schemas(crate::error::Problem)),
    modifiers(&BearerAuth)
)]
struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, api: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
        let components = api.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
        api.security = Some(vec![
            utoipa::openapi::security::SecurityRequirement::default(),
            utoipa::openapi::security::SecurityRequirement::new("bearer", Vec::<String>::new()),
        ]);
    }
}

/// Opens the database, applies migrations, loads demo data when asked, and
/// returns the shared state.
pub fn prepare(config: Config, clock: Arc<dyn Clock>) -> anyhow::Result<AppState> {
    // OpenSSL is set up by us first (the PostgreSQL client would otherwise
    // do it, registering OpenSSL's clean-up at exit, which frees what the
    // opening key pool's thread may be using as the process ends).
    openssl::init();
    let node = crate::cluster::set_node_id(config.node_id.as_deref());
    crate::notify::set_public_url(&config.public_url);
    tracing::info!(node, "this node's id");
    let db = Db::connect(&config.effective_database_url(), config.db_pool_size)?;
    let applied = db.migrate()?;
    if !applied.is_empty() {
        tracing::info!(?applied, "migrations applied");
    }
    // The working-day calendar's shipped years, before anything (the demo
    // data included) computes a period with it.
    let installed =
        db.write_blocking(|conn| crate::calendar::store::install_shipped(conn, clock.now()))?;
    if !installed.is_empty() {
        tracing::info!(?installed, "shipped calendar years installed");
    }
    let blobs = BlobStore::open(&config.blob_dir()).context("opening the file store")?;
    // Opening key pairs start being made ahead now, off any transaction.
    crate::opening::keypool::shared();
    let ocds = OcdsSettings {
        ocid_prefix: config.ocid_prefix.clone(),
        public_url: config.public_url.clone(),
        publisher_name: config.publisher_name.clone(),
    };
    // The platform's keys: a provisioned set is only read (every file must
    // be there); the default folder is made on first start.
    let folder = crate::keys::KeyFolder::of(&config);
    folder.check_complete(config.tsa_cert.is_some())?;
    let keys = crate::keys::PlatformKeys::load_or_create(
        &folder.dir,
        &audit::AuditLog::name_for(&config.public_url),
        clock.now(),
    )?;
    let load_tsa = || -> anyhow::Result<crate::tsa::Tsa> {
        let (cert, key) = match (&config.tsa_cert, &config.tsa_key) {
            (Some(cert), Some(key)) => (cert.clone(), key.clone()),
            _ => crate::pki::keys::ensure_tsa_files(&folder.dir, clock.now())?,
        };
        crate::tsa::Tsa::load(&cert, &key)
            .with_context(|| format!("loading the timestamp authority {}", cert.display()))
    };
    let node = node.to_string();
    // Whether this node's keys are the platform's is settled before it
    // writes anything else. Only the default folder's timestamp authority
    // can still change (the demo data installs its own there), so that
    // set is checked once the demo data is in.
    let early_tsa = if folder.provisioned {
        let tsa = load_tsa()?;
        keys.record_or_refuse(&db, &tsa, &node, clock.now())?;
        Some(tsa)
    } else {
        None
    };
    let demo = if config.demo_data {
        crate::demo::load_if_empty(
            &db,
            &blobs,
            &ocds,
            &config.data_dir.join("pki-demo"),
            (!folder.provisioned).then_some(folder.dir.as_path()),
            early_tsa.as_ref(),
            clock.as_ref(),
            crate::demo::Timing {
                live_minutes: config.demo_live_opening_minutes,
                auction_minutes: config.demo_auction_minutes,
                countdown_secs: config.demo_auction_countdown_secs,
            },
            &keys.custodian.certificate,
        )?
    } else {
        None
    };
    let tsa = match early_tsa {
        Some(tsa) => tsa,
        None => {
            let tsa = load_tsa()?;
            keys.record_or_refuse(&db, &tsa, &node, clock.now())?;
            tsa
        }
    };
    let uploads = crate::bids::upload::Uploads::open(config.shared(), db.clone(), clock.clone())
        .context("opening the upload folder")?;
    // After a crash every stored file has its row, or goes (on the record),
    // before anything new arrives.
    match crate::bids::orphans::sweep(&db, &uploads, clock.now()) {
        Ok(swept) if swept != Default::default() => {
            tracing::warn!(
                ?swept,
                "bid files and upload sessions left by a stop, removed"
            );
        }
        Ok(_) => {}
        Err(e) => tracing::error!(error = %e, "sweeping bid files without bids"),
    }
    if let Err(e) = crate::tenders::documents::sweep_unnamed(&db, &blobs, clock.now()) {
        tracing::error!(error = %e, "sweeping stored files without documents");
    }
    let crate::keys::PlatformKeys {
        log_key,
        signing_key,
        custodian: platform_custodian,
        documents: document_signer,
        ..
    } = keys;
    // Whatever was recorded before (demo data, a server stopped between
    // rounds) joins the log now, and the log has a checkpoint from the start.
    db.write_blocking(|conn| audit::tlog::integrate(conn, &log_key, &|| clock.now()))
        .context("appending to the audit log")?;
    let backend = db.backend();
    let mail = mail_delivery(&config)?;
    tracing::info!(to = %mail.mailer.describe(), "e-mail");
    Ok(AppState {
        mail: Arc::new(mail),
        db,
        config: Arc::new(config),
        started_at: clock.now(),
        clock,
        blobs,
        metrics: Arc::new(Metrics::default()),
        ocds,
        trust: Arc::default(),
        signing_key: Arc::new(signing_key),
        platform_custodian: Arc::new(platform_custodian),
        tsa: Arc::new(tsa),
        document_signer: Arc::new(document_signer),
        uploads: Arc::new(uploads),
        openings_running: Arc::default(),
        hall: hall::Hall::default(),
        rooms: crate::evaluation::Rooms::default(),
        auctions: crate::auctions::feed::Auctions::default(),
        audit_log: Arc::new(audit::AuditLog {
            key: log_key,
            interval: std::time::Duration::from_secs(1),
        }),
        supervision_feed: crate::supervision::feed::Feed::default(),
        bus: crate::cluster::bus::Bus::default(),
        demo,
        duties: match backend {
            crate::db::Backend::Sqlite => crate::cluster::duty::Duties::sole(),
            crate::db::Backend::Postgres => crate::cluster::duty::Duties::default(),
        },
    })
}

/// Where e-mail goes, from the configuration: the SMTP server, or `.eml`
/// files under the data folder.
fn mail_delivery(config: &Config) -> anyhow::Result<crate::notify::worker::Delivery> {
    use crate::notify::{mail, outbox, worker};
    let mailer = match &config.smtp_url {
        Some(url) => mail::Mailer::smtp(mail::SmtpServer::parse(url)?, config.smtp_ca.as_deref())?,
        None => mail::Mailer::files(config.mail_dir())?,
    };
    let from = config
        .mail_from
        .parse()
        .with_context(|| format!("mail_from {:?}", config.mail_from))?;
    let retry = outbox::Retry {
        base: std::time::Duration::from_secs(config.mail_retry_seconds.into()),
        max_attempts: config.mail_max_attempts,
        ..Default::default()
    };
    Ok(worker::Delivery::new(mailer, from, retry))
}

/// The routes, and the OpenAPI document collected from them: every handler
/// is registered through `service`, so none can be left out of the document.
pub fn configure(
    state: web::Data<AppState>,
) -> (
    App<
        impl actix_web::dev::ServiceFactory<
            actix_web::dev::ServiceRequest,
            Config = (),
            Response = actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>,
            Error = actix_web::Error,
            InitError = (),
        >,
    >,
    utoipa::openapi::OpenApi,
) {
    let json_limit = state.config.max_json_bytes;
    let (app, api) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .app_data(state)
        .app_data(http::json_config(json_limit))
        .app_data(http::query_config())
        .app_data(http::path_config())
        .service(openapi_json)
        .service(http::health::healthz)
        .service(http::health::readyz)
        .service(http::health::metrics)
        .service(http::health::problem_types)
        .service(http::health::problem_type)
        .service(frontend::index)
        .service(frontend::asset)
        .service(
            scope("/api/v1")
                .service(identity::routes::me)
                .service(crate::notify::routes::inbox)
                .service(crate::notify::routes::unread_count)
                .service(crate::notify::routes::read_all)
                .service(crate::notify::routes::message)
                .service(crate::notify::routes::attachment)
                .service(crate::notify::routes::read_one)
                .service(crate::notify::routes::get_settings)
                .service(crate::notify::routes::put_settings)
                .service(crate::notify::routes::put_email)
                .service(crate::notify::routes::delete_email)
                .service(crate::notify::routes::verify_email)
                .service(crate::notify::routes::get_subscriptions)
                .service(crate::notify::routes::put_subscriptions)
                .service(crate::notify::routes::dead_letters)
                .service(crate::notify::routes::retry_dead_letter)
                .service(identity::login::create_challenge)
                .service(identity::login::login)
                .service(identity::login::login_mtls)
                .service(identity::login::list_sessions)
                .service(identity::login::logout)
                .service(identity::login::revoke_session)
                .service(identity::routes::list_users)
                .service(identity::routes::create_user)
                .service(identity::routes::get_user)
                .service(identity::routes::set_roles)
                .service(identity::routes::set_scope)
                .service(identity::routes::disable_user)
                .service(identity::routes::enable_user)
                .service(leagues::routes::list_leagues)
                .service(leagues::routes::get_league)
                .service(leagues::routes::create_league)
                .service(tenders::routes::time_limits)
                .service(crate::calendar::routes::list_years)
                .service(crate::calendar::routes::get_year)
                .service(crate::calendar::routes::put_year)
                .service(tenders::routes::my_tenderers)
                .service(tenders::routes::create_tender)
                .service(tenders::routes::list_tenders)
                .service(tenders::routes::get_tender)
                .service(tenders::routes::update_tender)
                .service(tenders::routes::list_notices)
                .service(tenders::notices::list_all)
                .service(tenders::notices::get_one)
                .service(http::site::get_site)
                .service(tenders::routes::list_invitees)
                .service(tenders::routes::transition_tender)
                .service(tenders::routes::amend_tender)
                .service(tenders::documents::upload_document)
                .service(tenders::documents::download_document)
                .service(tenders::procedure_documents::list_result_notices)
                .service(tenders::procedure_documents::download_result_notice)
                .service(crate::contracts::routes::list_contracts)
                .service(crate::contracts::routes::create_contract)
                .service(crate::contracts::routes::get_contract)
                .service(crate::contracts::routes::edit_contract)
                .service(crate::contracts::routes::contract_document)
                .service(crate::contracts::routes::contract_signature)
                .service(crate::contracts::routes::sign_contract)
                .service(crate::contracts::routes::publish_contract)
                .service(crate::auctions::list::list_trades)
                .service(crate::auctions::routes::get_trade)
                .service(crate::auctions::routes::put_trade)
                .service(crate::auctions::routes::apply)
                .service(crate::auctions::routes::list_applications)
                .service(crate::auctions::routes::decide)
                .service(crate::auctions::routes::deposit)
                .service(crate::auctions::routes::quote)
                .service(crate::auctions::routes::declare)
                .service(crate::auctions::routes::my_receipts)
                .service(crate::auctions::routes::live)
                .service(crate::auctions::routes::record)
                .service(crate::auctions::routes::seal_reserve)
                .service(crate::auctions::routes::reserve_share)
                .service(crate::auctions::routes::release_reserve_share)
                .service(crate::auctions::routes::release_reserve_platform_share)
                .service(crate::auctions::routes::bank_notification)
                .service(tenders::own_result::own)
                .service(tenders::clarifications::ask_question)
                .service(tenders::clarifications::list_clarifications)
                .service(tenders::clarifications::answer_question)
                .service(crate::tsa::routes::certificates)
                .service(crate::tsa::routes::root)
                .service(crate::keys::routes::document_signing_certificate)
                .service(hall::routes::live)
                .service(hall::routes::list_events)
                .service(opendata::routes::release_feed)
                .service(opendata::routes::tender_release_package)
                .service(opendata::routes::tender_record)
                .service(audit::routes::list_events)
                .service(audit::routes::export_events)
                .service(audit::log_api::key)
                .service(audit::log_api::checkpoint)
                .service(audit::log_api::checkpoints)
                .service(audit::log_api::entries)
                .service(audit::log_api::inclusion)
                .service(audit::log_api::consistency)
                .service(crate::supervision::alerts::list_alerts)
                .service(crate::supervision::alerts::acknowledge)
                .service(crate::supervision::live::live)
                .service(crate::experts::routes::list_specialties)
                .service(crate::experts::routes::my_profile)
                .service(crate::experts::routes::set_availability)
                .service(crate::experts::routes::my_invitations)
                .service(crate::experts::routes::answer_invitation)
                .service(crate::experts::routes::list_experts)
                .service(crate::experts::routes::create_expert)
                .service(crate::experts::routes::get_expert)
                .service(crate::experts::routes::update_expert)
                .service(crate::experts::routes::get_committee)
                .service(crate::experts::routes::representative_candidates)
                .service(crate::experts::routes::commit_draw)
                .service(crate::experts::routes::contribute)
                .service(crate::experts::routes::mark_no_show)
                .service(crate::experts::routes::draw_record)
                .service(crate::evaluation::qualification::routes::get_review)
                .service(crate::evaluation::qualification::routes::record_finding)
                .service(crate::evaluation::qualification::routes::conclude)
                .service(crate::evaluation::routes::open_room)
                .service(crate::evaluation::routes::get_room)
                .service(crate::evaluation::routes::live)
                .service(crate::evaluation::routes::list_events)
                .service(crate::evaluation::routes::bid_container)
                .service(crate::evaluation::routes::my_clarifications)
                .service(crate::evaluation::routes::answer_clarification)
                .service(crate::evaluation::routes::venue_sign_in)
                .service(crate::evaluation::routes::get_report)
                .service(crate::evaluation::routes::report_html)
                .service(trust::routes::list_services)
                .service(trust::routes::get_service)
                .service(trust::routes::register_service)
                .service(trust::routes::change_status)
                .service(trust::routes::set_revocation)
                .service(trust::routes::list_crls)
                .service(trust::routes::load_crl)
                .service(trust::routes::list_recognitions)
                .service(trust::routes::recognise)
                .service(trust::routes::end_recognition)
                .service(trust::routes::list_policy_requirements)
                .service(trust::routes::set_policy_requirement)
                .service(trust::routes::validate_certificate)
                .service(trust::routes::signing_key)
                .service(trust::routes::league_list)
                .service(trust::routes::all_lists)
                .service(crate::seals::routes::verify_seal_signature)
                .service(crate::seals::routes::verify_seal_alone)
                .service(crate::bids::routes::submit_bid)
                .service(crate::bids::routes::start_upload)
                .service(crate::bids::routes::get_upload)
                .service(crate::bids::routes::append_upload)
                .service(crate::bids::routes::abandon_upload)
                .service(crate::bids::routes::list_bids)
                .service(crate::bids::mine::my_tenders)
                .service(crate::bids::mine::my_tender)
                .service(crate::bids::routes::get_bid)
                .service(crate::bids::routes::get_receipt)
                .service(crate::bids::routes::get_receipt_token)
                .service(crate::bids::routes::withdraw_bid)
                .service(crate::opening::routes::opening_key)
                .service(crate::opening::routes::opening_certificate)
                .service(crate::opening::routes::custodian_candidates)
                .service(crate::opening::routes::my_share)
                .service(crate::opening::routes::release_share)
                .service(crate::opening::routes::release_platform_share)
                .service(crate::opening::routes::get_opening)
                .service(crate::opening::routes::bid_container)
                .service(crate::objections::routes::raise_objection)
                .service(crate::objections::routes::list_objections)
                .service(crate::objections::routes::answer_objection)
                .service(crate::objections::routes::file_complaint)
                .service(crate::objections::routes::list_complaints)
                .service(crate::objections::routes::accept_complaint)
                .service(crate::objections::routes::decide_complaint)
                .service(crate::objections::routes::suspend_procedure)
                .service(crate::objections::routes::resume_procedure),
        )
        .split_for_parts();
    let mut api = api;
    http::openapi::document_problems(&mut api);
    let app = app
        .app_data(web::Data::new(http::openapi::RouteIndex::from_api(&api)))
        .app_data(web::Data::new(OpenApiDocument(api.clone())))
        .default_service(web::to(http::not_found))
        .wrap(from_fn(crate::supervision::read_only))
        .wrap(from_fn(identity::middleware::resolve_principal))
        .wrap(from_fn(http::request_span));
    (app, api)
}

/// The OpenAPI document, computed once per worker from the routes.
pub struct OpenApiDocument(pub utoipa::openapi::OpenApi);

/// This API's OpenAPI 3.1 document.
#[utoipa::path(tag = "operations", responses((status = 200, description = "OpenAPI 3.1 document", body = Object)))]
#[get("/api/openapi.json")]
pub async fn openapi_json(doc: web::Data<OpenApiDocument>) -> HttpResponse {
    HttpResponse::Ok().json(&doc.0)
}

/// How long a client has to send its request head after connecting.
pub const CLIENT_REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

/// A bound, not yet running, server.
pub struct Application {
    server: Server,
    port: u16,
    /// The background tasks (openings resumed, uploads swept, the audit
    /// log's sequencer): they end with the server.
    tasks: Vec<tokio::task::AbortHandle>,
}

impl Application {
    pub fn build(state: AppState) -> anyhow::Result<Application> {
        let listener = TcpListener::bind(&state.config.listen)
            .with_context(|| format!("binding {}", state.config.listen))?;
        let port = listener.local_addr()?.port();
        let tls = match (&state.config.tls_cert, &state.config.tls_key) {
            (Some(cert), Some(key)) => Some(tls_acceptor(cert, key)?),
            _ => None,
        };
        let state = web::Data::new(state);
        let mut tasks = Vec::new();
        tasks.push(join_cluster(&state, listener.local_addr()?.to_string()));
        // Openings a stopped server (or a node that died) left half done
        // resume; upload sessions past their expiry go.
        let background = state.clone();
        let task = actix_web::rt::spawn(async move {
            let mut tick = actix_web::rt::time::interval(crate::opening::run::RESUME_EVERY);
            let mut sweep = actix_web::rt::time::interval(std::time::Duration::from_secs(60));
            loop {
                tokio::select! {
                    _ = tick.tick() => crate::opening::run::resume_all(&background).await,
                    _ = sweep.tick() => crate::bids::routes::sweep_expired(&background).await,
                }
            }
        });
        tasks.push(task.abort_handle());
        // The e-mail outbox's worker, under the cluster's duties.
        let mailing = state.clone();
        let task = actix_web::rt::spawn(async move {
            let mut tick = actix_web::rt::time::interval(crate::notify::worker::POLL);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            let sole = mailing.db.backend() == crate::db::Backend::Sqlite;
            let mut reclaimed: Option<std::time::Instant> = None;
            loop {
                tick.tick().await;
                if !mailing.duties.held() {
                    reclaimed = None;
                    continue;
                }
                let reclaim =
                    reclaimed.is_none_or(|at| at.elapsed() >= crate::notify::worker::RECLAIM_EVERY);
                if reclaim {
                    reclaimed = Some(std::time::Instant::now());
                }
                crate::notify::worker::round(
                    &mailing.db,
                    &mailing.clock,
                    &mailing.mail,
                    sole,
                    reclaim,
                )
                .await;
            }
        });
        tasks.push(task.abort_handle());
        // Invitations to committees that lapse unanswered, under the
        // cluster's duties.
        let expiring = state.clone();
        let task = actix_web::rt::spawn(async move {
            let mut tick = actix_web::rt::time::interval(crate::experts::expiry::EVERY);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                if expiring.duties.held() {
                    crate::experts::expiry::round(&expiring.db, &expiring.clock).await;
                }
            }
        });
        tasks.push(task.abort_handle());
        // Objection and complaint clocks that run out raise alerts, under
        // the cluster's duties.
        let overdue = state.clone();
        let task = actix_web::rt::spawn(async move {
            let mut tick = actix_web::rt::time::interval(crate::objections::overdue::EVERY);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                if overdue.duties.held() {
                    crate::objections::overdue::round(&overdue.db, &overdue.clock).await;
                }
            }
        });
        tasks.push(task.abort_handle());
        // Contracts' clocks (30 days to sign, 2 working days to publish),
        // under the cluster's duties.
        let contracts = state.clone();
        let task = actix_web::rt::spawn(async move {
            let mut tick = actix_web::rt::time::interval(crate::contracts::SWEEP_EVERY);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                if contracts.duties.held() {
                    crate::contracts::sweep_round(&contracts.db, &contracts.clock).await;
                }
            }
        });
        tasks.push(task.abort_handle());
        // Trades found by price: what the time makes of them (quoting
        // opens, the listing period ends, the countdown runs out) recorded
        // at the instant it was due, under the cluster's duties.
        let trades = state.clone();
        let task = actix_web::rt::spawn(async move {
            let mut tick = actix_web::rt::time::interval(crate::auctions::TICK_EVERY);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                if trades.duties.held() {
                    crate::auctions::tick_round(&trades).await;
                }
            }
        });
        tasks.push(task.abort_handle());
        // Government procurement results the purchaser did not confirm in
        // 5 working days: the first candidate stands, under the cluster's
        // duties (`tenders::default_award`).
        let defaulting = state.clone();
        let task = actix_web::rt::spawn(async move {
            let mut tick = actix_web::rt::time::interval(crate::tenders::default_award::EVERY);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                if defaulting.duties.held() {
                    crate::tenders::default_award::round(&defaulting).await;
                }
            }
        });
        tasks.push(task.abort_handle());
        // The audit log's sequencer: appends what was recorded and signs a
        // checkpoint, every interval while there is activity.
        // Each round's entries then go to supervisors' live feed, and the
        // tenders they concern have their alerts recomputed.
        let sequencer = state.clone();
        let task = actix_web::rt::spawn(async move {
            let mut tick = actix_web::rt::time::interval(sequencer.audit_log.interval);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            // Alerts are computed through `done` (read from the database
            // once it can be). `to` is the size to compute them up to: at the
            // first round this node runs, what was logged before (a crash
            // between a round and its alerts, the start-up round, the rounds
            // of a node whose duties this one took over), then each new
            // checkpoint. A round whose alerts failed is retried with the
            // next. One node runs the rounds (the cluster's duties).
            let (mut done, mut to): (Option<u64>, Option<u64>) = (None, None);
            let mut held = false;
            loop {
                tick.tick().await;
                if !sequencer.duties.held() {
                    held = false;
                    continue;
                }
                if !held {
                    held = true;
                    done = None;
                    to = sequencer
                        .db
                        .read(audit::tlog::latest_checkpoint)
                        .await
                        .ok()
                        .flatten()
                        .map(|c| c.tree_size);
                }
                let grew = match sequencer
                    .audit_log
                    .integrate(&sequencer.db, sequencer.clock.clone())
                    .await
                {
                    Ok(Some(cp)) => {
                        to = Some(cp.tree_size);
                        true
                    }
                    Ok(None) => false,
                    Err(e) => {
                        tracing::error!(error = %e, "the audit log's sequencer failed");
                        false
                    }
                };
                let Some(size) = to.take() else { continue };
                if done.is_none() {
                    done = sequencer
                        .db
                        .read(crate::supervision::alerts_through)
                        .await
                        .ok();
                }
                if let Some(from) = done
                    && from < size
                    && crate::supervision::after_round(&sequencer, from, size).await
                {
                    done = Some(size);
                } else if done.is_none() && grew {
                    // Not knowing how far alerts went, compute none (and
                    // move no mark): the feed still hears.
                    sequencer
                        .supervision_feed
                        .hub
                        .publish(&crate::supervision::feed::Head { size });
                }
            }
        });
        tasks.push(task.abort_handle());
        // The demo data's procedures, on the node that loaded them.
        if let Some(plan) = state.demo.clone() {
            tasks.push(
                actix_web::rt::spawn(crate::demo::procedure::finish(
                    state.clone(),
                    plan.procedures.clone(),
                ))
                .abort_handle(),
            );
            tasks.push(
                actix_web::rt::spawn(crate::demo::procedure::open_live(
                    state.clone(),
                    plan.procedures,
                ))
                .abort_handle(),
            );
            tasks.push(
                actix_web::rt::spawn(crate::demo::auctions::run(state.clone(), plan.trades))
                    .abort_handle(),
            );
        }
        // actix's default gives a client 5 s to send its request head
        // after connecting; in a deadline surge of thousands of uploads on
        // two cores a bidder's head can wait longer than that in the
        // kernel's queue, and was answered 408 (measured: 100-400 of 2,000
        // concurrent bids). A late head is still a bid in time; whether it
        // is in time is the deadline's decision, not the socket's.
        let server = serve(listener, tls, state)?;
        Ok(Application {
            server,
            port,
            tasks,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Stops the server from elsewhere (tests use it as a crash).
    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    /// Stops the background tasks from elsewhere (tests crash a server that
    /// shares their process: what a crash ends, they end).
    pub fn background(&self) -> Vec<tokio::task::AbortHandle> {
        self.tasks.clone()
    }

    pub async fn run(self) -> std::io::Result<()> {
        let ended = self.server.await;
        for task in &self.tasks {
            task.abort();
        }
        ended
    }
}

/// Joins the cluster: the bus's relays (hall, rooms, supervision feed) and
/// its listener, the contest for the cluster's duties, and this node's
/// heartbeat. On SQLite only the heartbeat runs (the node is alone). The
/// returned task holds the listener and the contest: aborting it (the
/// server ending) ends both.
fn join_cluster(state: &web::Data<AppState>, listen: String) -> tokio::task::AbortHandle {
    let url = state.config.effective_database_url();
    state.bus.relay(
        crate::hall::store::TOPIC,
        hall::relay(&state.db, &state.hall.hub),
    );
    state.bus.relay(
        crate::evaluation::store::TOPIC,
        state.rooms.relay(&state.db),
    );
    state.bus.relay(
        crate::auctions::feed::TOPIC,
        state.auctions.relay(&state.db),
    );
    state.bus.relay(
        crate::supervision::feed::TOPIC,
        crate::supervision::feed::FeedRelay {
            db: state.db.clone(),
            feed: state.supervision_feed.clone(),
        },
    );
    let listening = state.bus.listen(&url);
    let contending =
        (state.db.backend() == crate::db::Backend::Postgres).then(|| state.duties.contend(&url));
    let state = state.clone();
    actix_web::rt::spawn(async move {
        let _held = (listening, contending);
        let mut tick = actix_web::rt::time::interval(crate::cluster::nodes::HEARTBEAT);
        let mut first = true;
        loop {
            tick.tick().await;
            let (state2, now, listen) = (state.clone(), state.clock.now(), listen.clone());
            let beat = state
                .db
                .write(move |conn| {
                    let node = crate::cluster::node_id();
                    let duties = if state2.duties.held() {
                        "sequencer"
                    } else {
                        ""
                    };
                    crate::cluster::nodes::beat(
                        conn,
                        &crate::cluster::nodes::Beat {
                            node_id: node,
                            started_at: state2.started_at,
                            listen: &listen,
                            duties,
                        },
                        now,
                    )?;
                    crate::bids::arrivals::forget_stale(conn, now, first)
                })
                .await;
            match beat {
                Ok(()) => first = false,
                Err(e) => tracing::warn!(error = %e, "this node's heartbeat was not recorded"),
            }
        }
    })
    .abort_handle()
}

/// HTTPS that asks every client for a certificate but lets the handshake
/// finish without one or with any: whether a certificate is trusted is the
/// trust registry's decision (at login), not openssl's.
fn tls_acceptor(
    cert: &std::path::Path,
    key: &std::path::Path,
) -> anyhow::Result<openssl::ssl::SslAcceptorBuilder> {
    use openssl::ssl::{SslAcceptor, SslFiletype, SslMethod, SslVerifyMode};
    let mut builder = SslAcceptor::mozilla_intermediate_v5(SslMethod::tls_server())?;
    builder
        .set_certificate_chain_file(cert)
        .with_context(|| format!("reading the TLS certificate {}", cert.display()))?;
    builder
        .set_private_key_file(key, SslFiletype::PEM)
        .with_context(|| format!("reading the TLS key {}", key.display()))?;
    builder
        .check_private_key()
        .context("the TLS key does not match the certificate")?;
    builder.set_verify_callback(SslVerifyMode::PEER, |_, _| true);
    // Needed for session resumption when client certificates are asked for.
    builder.set_session_id_context(b"ggzy")?;
    Ok(builder)
}

/// The HTTP/1 server on `listener` (over TLS when `tls` is given): what
/// `HttpServer::listen` assembles, with each connection wrapped in
/// `http::wire::ProblemIo`, so that the refusals actix-http writes itself
/// (an unparsable head, a head too large or too slow) are problem+json.
fn serve(
    listener: TcpListener,
    tls: Option<openssl::ssl::SslAcceptorBuilder>,
    state: web::Data<AppState>,
) -> anyhow::Result<Server> {
    use actix_http::HttpService;
    use actix_service::{IntoServiceFactory, ServiceFactoryExt, fn_service, map_config};
    use actix_tls::accept::openssl::{Acceptor, TlsStream};
    use actix_web::dev::AppConfig;
    use actix_web::rt::net::TcpStream;
    use http::wire::{Connection, ProblemIo};

    let tls = tls.map(|mut builder| {
        // HTTP/1.1 only (the server is built without HTTP/2).
        builder.set_alpn_select_callback(|_, offered| {
            openssl::ssl::select_next_proto(b"\x08http/1.1", offered)
                .ok_or(openssl::ssl::AlpnError::NOACK)
        });
        builder.build()
    });
    let addr = listener.local_addr()?;
    let builder = actix_server::Server::build();
    let shutdown = builder.graceful_shutdown_signal();
    let builder = builder.listen("ggzy", listener, move || {
        let shutdown = shutdown.clone();
        // actix's default gives a client 5 s to send its request head
        // after connecting; in a deadline surge of thousands of uploads on
        // two cores a bidder's head can wait longer than that in the
        // kernel's queue, and was answered 408 (measured: 100-400 of 2,000
        // concurrent bids). A late head is still a bid in time; whether it
        // is in time is the deadline's decision, not the socket's.
        let http = HttpService::build()
            .graceful_shutdown_signal(move || {
                let signal = shutdown.clone();
                async move { signal.notified().await }
            })
            .client_request_timeout(CLIENT_REQUEST_TIMEOUT)
            .client_disconnect_timeout(std::time::Duration::from_secs(1))
            .local_addr(addr)
            .on_connect_ext(|io: &_, data: &mut _| keep_client_cert(io, data))
            .h1(map_config(
                configure(state.clone())
                    .0
                    .into_factory()
                    .map_err(|e| e.error_response()),
                // Nothing here reads the configured host or scheme (no URL
                // is generated from them); the default stands.
                |_| AppConfig::default(),
            ));
        let http = http.map_err(|e| tracing::debug!(error = %e, "connection ended"));
        match tls.clone() {
            Some(acceptor) => actix_service::boxed::factory(
                Acceptor::new(acceptor)
                    .map_init_err(|_| ())
                    .map_err(|e| tracing::debug!(error = ?e, "TLS handshake failed"))
                    .map(|io: TlsStream<TcpStream>| {
                        let peer = io.get_ref().peer_addr().ok();
                        (ProblemIo::new(Connection::Tls(io)), peer)
                    })
                    .and_then(http),
            ),
            None => actix_service::boxed::factory(
                fn_service(|io: TcpStream| {
                    let peer = io.peer_addr().ok();
                    std::future::ready(Ok((ProblemIo::new(Connection::Plain(io)), peer)))
                })
                .and_then(http),
            ),
        }
    })?;
    Ok(builder.run())
}

/// Puts the client certificate of a TLS connection where handlers find it.
fn keep_client_cert(
    conn: &http::wire::ProblemIo<http::wire::Connection>,
    data: &mut actix_web::dev::Extensions,
) {
    if let http::wire::Connection::Tls(tls) = conn.get_ref()
        && let Some(cert) = tls.ssl().peer_certificate()
        && let Ok(der) = cert.to_der()
    {
        data.insert(crate::identity::login::ClientCertificate(der));
    }
}

/// The real clock, for `serve`.
pub fn system_clock() -> Arc<dyn Clock> {
    Arc::new(SystemClock)
}
