//! Reading the audit log (operators and supervisors).

use crate::db::from_db_time;
use crate::db::schema::audit_events;
use crate::error::AppError;
use crate::http::{Page, PageQuery};
use crate::identity::{Principal, Role};
use crate::startup::AppState;
use actix_web::{get, web};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AuditEvent {
    pub seq: i64,
    pub occurred_at: DateTime<Utc>,
    pub actor_id: Option<String>,
    pub actor_role: String,
    pub action: String,
    pub object_type: String,
    pub object_id: String,
    pub tender_id: Option<String>,
    pub client_addr: Option<String>,
    pub request_id: Option<String>,
    pub payload_sha256: String,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    /// Only events about this tender.
    pub tender_id: Option<String>,
    /// Only events with this action, e.g. `tender.publish`.
    pub action: Option<String>,
    pub page: Option<u32>,
    pub per_page: Option<u32>,
}

/// Audit events, oldest first.
#[utoipa::path(
    tag = "audit",
    params(AuditQuery),
    responses(
        (status = 200, body = Page<AuditEvent>),
        (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem)
    )
)]
#[get("/audit/events")]
pub async fn list_events(
    state: web::Data<AppState>,
    principal: Principal,
    query: web::Query<AuditQuery>,
) -> Result<web::Json<Page<AuditEvent>>, AppError> {
    principal.require_any(&[Role::Operator, Role::Supervisor])?;
    let query = query.into_inner();
    let paging = PageQuery { page: query.page, per_page: query.per_page }.validate()?;
    let page = state
        .db
        .read(move |conn| {
            let filtered = || {
                let mut q = audit_events::table.into_boxed();
                if let Some(t) = &query.tender_id {
                    q = q.filter(audit_events::tender_id.eq(t.clone()));
                }
                if let Some(a) = &query.action {
                    q = q.filter(audit_events::action.eq(a.clone()));
                }
                q
            };
            let total: i64 = filtered().count().get_result(conn)?;
            let rows: Vec<(
                i64,
                chrono::NaiveDateTime,
                Option<String>,
                String,
                String,
                String,
                String,
                Option<String>,
                Option<String>,
                Option<String>,
                String,
            )> = filtered()
                .order(audit_events::seq.asc())
                .offset(paging.offset())
                .limit(paging.limit())
                .load(conn)?;
            let items = rows
                .into_iter()
                .map(|r| AuditEvent {
                    seq: r.0,
                    occurred_at: from_db_time(r.1),
                    actor_id: r.2,
                    actor_role: r.3,
                    action: r.4,
                    object_type: r.5,
                    object_id: r.6,
                    tender_id: r.7,
                    client_addr: r.8,
                    request_id: r.9,
                    payload_sha256: r.10,
                })
                .collect();
            Ok(paging.page(items, total))
        })
        .await?;
    Ok(web::Json(page))
}
