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

#[derive(Queryable, Selectable)]
#[diesel(table_name = audit_events)]
struct AuditRow {
    seq: i64,
    occurred_at: chrono::NaiveDateTime,
    actor_id: Option<String>,
    actor_role: String,
    action: String,
    object_type: String,
    object_id: String,
    tender_id: Option<String>,
    client_addr: Option<String>,
    request_id: Option<String>,
    payload_sha256: String,
}

impl From<AuditRow> for AuditEvent {
    fn from(r: AuditRow) -> Self {
        AuditEvent {
            seq: r.seq,
            occurred_at: from_db_time(r.occurred_at),
            actor_id: r.actor_id,
            actor_role: r.actor_role,
            action: r.action,
            object_type: r.object_type,
            object_id: r.object_id,
            tender_id: r.tender_id,
            client_addr: r.client_addr,
            request_id: r.request_id,
            payload_sha256: r.payload_sha256,
        }
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    /// Only events about this tender.
    pub tender_id: Option<String>,
    /// Only events with this action, e.g. `tender.publish`.
    pub action: Option<String>,
    /// Page number, from 1.
    #[param(minimum = 1, maximum = 1000000)]
    pub page: Option<u32>,
    /// Items per page, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
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
    if query
        .tender_id
        .as_deref()
        .is_some_and(|t| crate::types::TenderId::parse(t).is_none())
    {
        return Err(AppError::InvalidQuery(
            "tender_id must be a tender's id".into(),
        ));
    }
    let action_ok = |a: &str| {
        a.len() <= 64
            && a.chars()
                .all(|c| c.is_ascii_lowercase() || c == '.' || c == '_')
    };
    if query.action.as_deref().is_some_and(|a| !action_ok(a)) {
        return Err(AppError::InvalidQuery(
            "action is a code such as tender.publish".into(),
        ));
    }
    let paging = PageQuery {
        page: query.page,
        per_page: query.per_page,
    }
    .validate()?;
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
            let rows: Vec<AuditRow> = filtered()
                .order(audit_events::seq.asc())
                .offset(paging.offset())
                .limit(paging.limit())
                .select(AuditRow::as_select())
                .load(conn)?;
            let items = rows.into_iter().map(AuditEvent::from).collect();
            Ok(paging.page(items, total))
        })
        .await?;
    Ok(web::Json(page))
}
