//! Open-data endpoints (public): the release feed, a tender's releases and
//! its compiled record.

use super::ocds;
use crate::app::AppState;
use crate::db::schema::notices;
use crate::db::{DbConn, from_db_time};
use crate::error::AppError;
use crate::http::PageQuery;
use crate::tenders::routes::parse_id;
use crate::types::TenderId;
use actix_web::{HttpResponse, get, web};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Deserialize;
use serde_json::Value;

fn parse_releases(
    rows: Vec<(String, NaiveDateTime)>,
) -> Result<(Vec<Value>, Option<NaiveDateTime>), AppError> {
    let latest = rows.iter().map(|r| r.1).max();
    let releases = rows
        .into_iter()
        .map(|(json, _)| {
            serde_json::from_str(&json)
                .map_err(|e| AppError::Internal(anyhow::Error::new(e).context("stored release")))
        })
        .collect::<Result<Vec<Value>, _>>()?;
    Ok((releases, latest))
}

fn tender_releases(
    conn: &mut DbConn,
    id: &TenderId,
) -> Result<(Vec<Value>, NaiveDateTime), AppError> {
    let rows: Vec<(String, NaiveDateTime)> = notices::table
        .filter(notices::tender_id.eq(id.as_str()))
        .select((notices::release_json, notices::published_at))
        .order(notices::seq.asc())
        .load(conn)?;
    let (releases, latest) = parse_releases(rows)?;
    match latest {
        Some(latest) if !releases.is_empty() => Ok((releases, latest)),
        _ => Err(AppError::not_found("published tender")),
    }
}

fn json_response(value: &Value) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .json(value)
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct FeedQuery {
    /// Page number, from 1.
    #[param(minimum = 1, maximum = 1000000)]
    pub page: Option<u32>,
    /// Items per page, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<u32>,
}

/// The release feed: every published notice of every tender as an OCDS
/// release package, oldest first, paged (`links.next` points onward).
#[utoipa::path(
    tag = "opendata",
    params(FeedQuery),
    responses((status = 200, description = "OCDS 1.1 release package", content_type = "application/json", body = Object),
              (status = 404, body = crate::error::Problem))
)]
#[get("/opendata/releases")]
pub async fn release_feed(
    state: web::Data<AppState>,
    query: web::Query<FeedQuery>,
) -> Result<HttpResponse, AppError> {
    let paging = PageQuery {
        page: query.page,
        per_page: query.per_page,
    }
    .validate()?;
    let (releases, latest, total) = state
        .db
        .read(move |conn| {
            let total: i64 = notices::table.count().get_result(conn)?;
            let rows: Vec<(String, NaiveDateTime)> = notices::table
                .select((notices::release_json, notices::published_at))
                .order((
                    notices::published_at.asc(),
                    notices::tender_id.asc(),
                    notices::seq.asc(),
                ))
                .offset(paging.offset())
                .limit(paging.limit())
                .load(conn)?;
            let (releases, latest) = parse_releases(rows)?;
            Ok((releases, latest, total))
        })
        .await?;
    let Some(latest) = latest else {
        return Err(AppError::NotFound("no releases on this page".into())
            .because("opendata.page-empty", serde_json::json!({})));
    };
    let uri = format!(
        "/api/v1/opendata/releases?page={}&per_page={}",
        paging.page, paging.per_page
    );
    let mut package = ocds::release_package(&state.ocds, &uri, releases, from_db_time(latest));
    let mut links = serde_json::Map::new();
    if paging.offset() + paging.limit() < total {
        links.insert(
            "next".into(),
            Value::String(state.ocds.url(&format!(
                "/api/v1/opendata/releases?page={}&per_page={}",
                paging.page + 1,
                paging.per_page
            ))),
        );
    }
    if paging.page > 1 {
        links.insert(
            "prev".into(),
            Value::String(state.ocds.url(&format!(
                "/api/v1/opendata/releases?page={}&per_page={}",
                paging.page - 1,
                paging.per_page
            ))),
        );
    }
    if !links.is_empty() {
        package["links"] = Value::Object(links);
    }
    Ok(json_response(&package))
}

/// All releases of one tender as an OCDS release package.
#[utoipa::path(
    tag = "opendata",
    params(("id" = String, Path)),
    responses((status = 200, description = "OCDS 1.1 release package", content_type = "application/json", body = Object),
              (status = 404, body = crate::error::Problem))
)]
#[get("/opendata/tenders/{id}/releases")]
pub async fn tender_release_package(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    let query_id = id.clone();
    let (releases, latest) = state
        .db
        .read(move |conn| tender_releases(conn, &query_id))
        .await?;
    let uri = format!("/api/v1/opendata/tenders/{id}/releases");
    Ok(json_response(&ocds::release_package(
        &state.ocds,
        &uri,
        releases,
        from_db_time(latest),
    )))
}

/// The OCDS record of one tender: its releases and the compiled release.
#[utoipa::path(
    tag = "opendata",
    params(("id" = String, Path)),
    responses((status = 200, description = "OCDS 1.1 record package", content_type = "application/json", body = Object),
              (status = 404, body = crate::error::Problem))
)]
#[get("/opendata/tenders/{id}/record")]
pub async fn tender_record(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    let query_id = id.clone();
    let (releases, latest) = state
        .db
        .read(move |conn| tender_releases(conn, &query_id))
        .await?;
    let uri = format!("/api/v1/opendata/tenders/{id}/record");
    let ocid = state.ocds.ocid(id.as_str());
    Ok(json_response(&ocds::record_package(
        &state.ocds,
        &uri,
        &ocid,
        releases,
        from_db_time(latest),
    )))
}
