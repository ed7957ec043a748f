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

/// The database answers; 503 otherwise.
#[utoipa::path(
    tag = "operations",
    responses((status = 200, body = Health), (status = 503, body = crate::error::Problem))
)]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> Result<web::Json<Health>, AppError> {
    if state.db.ping().await {
        Ok(web::Json(Health { status: "ready" }))
    } else {
        Err(AppError::Unavailable(
            "the database is not reachable".into(),
        ))
    }
}

/// Prometheus metrics (text exposition format).
#[utoipa::path(tag = "operations", responses((status = 200, content_type = "text/plain", body = String)))]
#[get("/metrics")]
pub async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    let db_up = if state.db.ping().await { 1.0 } else { 0.0 };
    let uptime = (state.clock.now() - state.started_at).num_milliseconds() as f64 / 1000.0;
    let body = state.metrics.render(&[
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
    ]);
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(body)
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
