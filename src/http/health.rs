//! Liveness, readiness, metrics and the problem-type documentation.

use crate::app::AppState;
use crate::error::{AppError, PROBLEMS};
use actix_web::{HttpResponse, get, web};
use serde::Serialize;

#[derive(Serialize, utoipa::ToSchema)]
pub struct Health {
    pub status: &'static str,
}

/// The process is up.
#[utoipa::path(tag = "operations", responses((status = 200, body = Health)))]
#[get("/healthz")]
pub async fn healthz() -> web::Json<Health> {
    web::Json(Health { status: "ok" })
}

/// What a node says at `/readyz`: that it is ready, who it is, and the
/// nodes of the platform seen alive (itself included).
#[derive(Serialize, utoipa::ToSchema)]
pub struct Ready {
    pub status: &'static str,
    /// This node's id (`GGZY_NODE_ID`, or the host's name and a suffix).
    pub node_id: String,
    /// Whether this node does the cluster's duties (the audit log's
    /// sequencer and the alerts) now.
    pub duties: bool,
    /// Whether this node hears the other nodes' commits (PostgreSQL's
    /// LISTEN); false on SQLite, where it is alone.
    pub bus_connected: bool,
    /// The nodes whose heartbeat was seen in the last 10 seconds.
    pub peers: Vec<crate::cluster::nodes::Node>,
}

/// The database answers; 503 otherwise. Names this node and its peers.
#[utoipa::path(
    tag = "operations",
    responses((status = 200, body = Ready), (status = 503, body = crate::error::Problem))
)]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> Result<web::Json<Ready>, AppError> {
    let now = state.clock.now();
    match state
        .db
        .read(move |conn| crate::cluster::nodes::alive(conn, now))
        .await
    {
        Ok(peers) => Ok(web::Json(Ready {
            status: "ready",
            node_id: crate::cluster::node_id().to_string(),
            duties: state.duties.held(),
            bus_connected: state.bus.connected(),
            peers,
        })),
        Err(_) => Err(AppError::Unavailable(
            "the database is not reachable".into(),
        )),
    }
}

/// One figure of the JSON form.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Figure {
    pub name: &'static str,
    pub help: &'static str,
    pub value: f64,
}

/// The metrics as JSON (`/metrics` with `Accept: application/json`): the
/// same figures as the Prometheus text, for the operators' health page.
#[derive(Serialize, utoipa::ToSchema)]
pub struct MetricsJson {
    /// The node these figures are from.
    pub node_id: String,
    pub version: &'static str,
    pub figures: Vec<Figure>,
    /// Requests per route (the bids' routes counted together, unnamed).
    pub routes: Vec<super::metrics::RouteFigures>,
}

/// Prometheus metrics (text exposition format); the same as JSON when the
/// request accepts `application/json` (and not text/plain first).
#[utoipa::path(tag = "operations", responses((status = 200, content((String = "text/plain"), (MetricsJson = "application/json")))))]
#[get("/metrics")]
pub async fn metrics(state: web::Data<AppState>, req: actix_web::HttpRequest) -> HttpResponse {
    let db_up = if state.db.ping().await { 1.0 } else { 0.0 };
    let uptime = (state.clock.now() - state.started_at).num_milliseconds() as f64 / 1000.0;
    let now = state.clock.now();
    // The outbox is the platform's (every node sees the same queue); the
    // counters below it are this node's sends.
    let depth = state
        .db
        .read(move |conn| crate::notify::outbox::depth(conn, now))
        .await
        .unwrap_or_default();
    let stats = &state.mail.stats;
    let (sends, send_seconds, longest) = stats.latency();
    let count =
        |c: &std::sync::atomic::AtomicU64| c.load(std::sync::atomic::Ordering::Relaxed) as f64;
    let figures: Vec<(&'static str, &'static str, f64)> = vec![
        (
            "ggzy_mail_queue_depth",
            "E-mails waiting to be sent or being sent (the whole platform's outbox).",
            depth.queued as f64,
        ),
        (
            "ggzy_mail_oldest_unsent_seconds",
            "Age of the oldest e-mail not yet sent (0 when none waits).",
            depth.oldest_seconds,
        ),
        (
            "ggzy_mail_dead_letters",
            "E-mails refused for good or failed too often, waiting for an operator.",
            depth.dead as f64,
        ),
        (
            "ggzy_mail_sent_total",
            "E-mails this node sent.",
            count(&stats.sent),
        ),
        (
            "ggzy_mail_temporary_failures_total",
            "Sends by this node that failed for now (retried later).",
            count(&stats.temporary_failures),
        ),
        (
            "ggzy_mail_permanent_failures_total",
            "Sends by this node the server refused for good.",
            count(&stats.permanent_failures),
        ),
        (
            "ggzy_mail_dead_letters_total",
            "E-mails this node turned into dead letters.",
            count(&stats.dead),
        ),
        (
            "ggzy_mail_send_seconds_sum",
            "Time this node spent in SMTP transactions (or writing .eml files).",
            send_seconds,
        ),
        (
            "ggzy_mail_send_seconds_count",
            "SMTP transactions (or .eml files) this node attempted.",
            sends as f64,
        ),
        (
            "ggzy_mail_send_seconds_max",
            "The longest send by this node since it started.",
            longest,
        ),
        (
            "ggzy_database_up",
            "Whether the database answered this scrape.",
            db_up,
        ),
        (
            "ggzy_uptime_seconds",
            "Seconds since the server started.",
            uptime,
        ),
        (
            "ggzy_cluster_duties_held",
            "Whether this node does the cluster's duties (sequencer, alerts) now.",
            if state.duties.held() { 1.0 } else { 0.0 },
        ),
        (
            "ggzy_cluster_duties_taken_total",
            "Times this node took the cluster's duties up since it started.",
            state.duties.times_taken() as f64,
        ),
        (
            "ggzy_bus_connected",
            "Whether this node listens for other nodes' commits (PostgreSQL only).",
            if state.bus.connected() { 1.0 } else { 0.0 },
        ),
        (
            "ggzy_bus_notices_heard_total",
            "Notices of other nodes' commits this node has heard.",
            state.bus.heard() as f64,
        ),
        (
            "ggzy_bus_reconnects_total",
            "Times this node's bus listener connected again after losing the database.",
            state.bus.reconnects() as f64,
        ),
        (
            "ggzy_bus_relay_seconds_average",
            "Average time from a notice's arrival to its events' publication on this node.",
            state.bus.average_relay_micros() as f64 / 1e6,
        ),
    ];
    if wants_json(&req) {
        return HttpResponse::Ok().json(MetricsJson {
            node_id: crate::cluster::node_id().to_string(),
            version: env!("CARGO_PKG_VERSION"),
            figures: figures
                .into_iter()
                .map(|(name, help, value)| Figure { name, help, value })
                .collect(),
            routes: state.metrics.routes(),
        });
    }
    let body = state.metrics.render(&figures);
    // Every figure here is this node's own; this names the node (its id
    // has only letters, digits, '.', '_' and '-': nothing to escape).
    let body = format!(
        "{body}# HELP ggzy_node_info The node these figures are from.\n\
         # TYPE ggzy_node_info gauge\n\
         ggzy_node_info{{node=\"{}\",version=\"{}\"}} 1\n",
        crate::cluster::node_id(),
        env!("CARGO_PKG_VERSION")
    );
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(body)
}

/// Whether the request's `Accept` asks for JSON before plain text.
fn wants_json(req: &actix_web::HttpRequest) -> bool {
    let accept = req
        .headers()
        .get(actix_web::http::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let json = accept.find("application/json");
    let text = accept.find("text/plain");
    match (json, text) {
        (Some(j), Some(t)) => j < t,
        (Some(_), None) => true,
        _ => false,
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ProblemType {
    pub code: &'static str,
    pub status: u16,
    pub title: &'static str,
    pub description: &'static str,
}

impl ProblemType {
    fn of(entry: &(&'static str, u16, &'static str, &'static str)) -> Self {
        let (code, status, title, description) = *entry;
        ProblemType {
            code,
            status,
            title,
            description,
        }
    }
}

/// Every problem type the API returns.
#[utoipa::path(tag = "operations", responses((status = 200, body = Vec<ProblemType>)))]
#[get("/problems")]
pub async fn problem_types() -> web::Json<Vec<ProblemType>> {
    web::Json(PROBLEMS.iter().map(ProblemType::of).collect())
}

/// One problem type, the target of a problem's `type` URI.
#[utoipa::path(
    tag = "operations",
    params(("code" = String, Path, description = "problem code")),
    responses((status = 200, body = ProblemType), (status = 404, body = crate::error::Problem))
)]
#[get("/problems/{code}")]
pub async fn problem_type(code: web::Path<String>) -> Result<web::Json<ProblemType>, AppError> {
    PROBLEMS
        .iter()
        .find(|p| p.0 == code.as_str())
        .map(|entry| web::Json(ProblemType::of(entry)))
        .ok_or_else(|| AppError::not_found("problem type"))
}
