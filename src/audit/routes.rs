//! Reading the audit events (operators, and supervisors within their
//! scope): a query with filters and pages, and exports as CSV or JSON Lines.
//! Events that name a bidder of a tender not yet opened are left out of
//! both until the opening, and events about a tender's committee or room,
//! for a league's operators, until its result ([`super::sealing`]). Each
//! event comes with the names its reader may know ([`super::names`]),
//! derived at read time: extra fields in the listing and the JSON Lines,
//! extra columns at the end of the CSV.

use super::entry::{AuditEvent, AuditRow};
use super::names::{NamedEvent, named};
use crate::app::AppState;
use crate::db::schema::{audit_events, tenders};
use crate::db::{DbConn, to_db_time};
use crate::error::AppError;
use crate::http::{Page, PageQuery};
use crate::identity::{Principal, Role};
use crate::supervision::{Reader, SupervisorKind};
use actix_web::{HttpResponse, get, web};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

/// Whether `text` looks like an action code (or its prefix): lower-case
/// letters, dots and underscores, at most 64.
pub fn action_code(text: &str) -> bool {
    text.len() <= 64
        && text
            .chars()
            .all(|c| c.is_ascii_lowercase() || c == '.' || c == '_')
}

/// The filters both the query and the export take.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct EventFilter {
    /// Only events about this tender.
    pub tender_id: Option<String>,
    /// Only events with this action, e.g. `tender.publish`.
    pub action: Option<String>,
    /// Only events by this user.
    pub actor_id: Option<String>,
    /// Only events from this client address.
    pub client_addr: Option<String>,
    /// Only events at or after this time (RFC 3339).
    pub from: Option<DateTime<Utc>>,
    /// Only events before this time (RFC 3339).
    pub to: Option<DateTime<Utc>>,
    /// Only events numbered after this (`seq`), to resume.
    pub after_seq: Option<i64>,
}

impl EventFilter {
    fn validate(&self) -> Result<(), AppError> {
        crate::supervision::check_tender_filter(self.tender_id.as_deref())?;
        if self.action.as_deref().is_some_and(|a| !action_code(a)) {
            return Err(
                AppError::InvalidQuery("action is a code such as tender.publish".into())
                    .because("supervision.action-code", serde_json::json!({})),
            );
        }
        if self
            .actor_id
            .as_deref()
            .is_some_and(|a| crate::types::UserId::parse(a).is_none())
        {
            return Err(
                AppError::InvalidQuery("actor_id must be a user's id".into())
                    .because("supervision.actor-id", serde_json::json!({})),
            );
        }
        if self
            .client_addr
            .as_deref()
            .is_some_and(|a| a.parse::<std::net::IpAddr>().is_err())
        {
            return Err(
                AppError::InvalidQuery("client_addr must be an IP address".into())
                    .because("supervision.client-addr", serde_json::json!({})),
            );
        }
        if let (Some(from), Some(to)) = (self.from, self.to)
            && from > to
        {
            return Err(AppError::InvalidQuery("from must not be after to".into())
                .because("supervision.from-after-to", serde_json::json!({})));
        }
        Ok(())
    }

    /// The events this filter and the reader's scope let through.
    fn query<'a>(&self, reader: &Reader) -> audit_events::BoxedQuery<'a, crate::db::MultiBackend> {
        let mut q = audit_events::table.into_boxed();
        if let Some(t) = &self.tender_id {
            q = q.filter(audit_events::tender_id.eq(t.clone()));
        }
        if let Some(a) = &self.action {
            q = q.filter(audit_events::action.eq(a.clone()));
        }
        if let Some(a) = &self.actor_id {
            q = q.filter(audit_events::actor_id.eq(a.clone()));
        }
        if let Some(a) = &self.client_addr {
            q = q.filter(audit_events::client_addr.eq(a.clone()));
        }
        if let Some(t) = self.from {
            q = q.filter(audit_events::occurred_at.ge(to_db_time(t)));
        }
        if let Some(t) = self.to {
            q = q.filter(audit_events::occurred_at.lt(to_db_time(t)));
        }
        if let Some(s) = self.after_seq {
            q = q.filter(audit_events::seq.gt(s));
        }
        q = q.filter(unsealed(reader));
        if !reader.sees_committee(false) {
            q = q.filter(committee_unsealed());
        }
        if let Reader::Operator(Some(league)) = reader {
            // A league's operators read its tenders' events only.
            let theirs = tenders::table
                .select(tenders::id.nullable())
                .filter(tenders::league_code.eq(league.as_str().to_string()));
            q = q.filter(audit_events::tender_id.eq_any(theirs));
        }
        if let Reader::Supervisor(scope) = reader {
            use diesel::IntoSql;
            use diesel::sql_types::{Nullable, Text};
            let league: Option<String> = scope.league.as_ref().map(|l| l.as_str().to_string());
            let administrative = scope.kind == Some(SupervisorKind::Administrative);
            let category: Option<String> =
                administrative.then(|| scope.category.map(|c| c.code()).unwrap_or("").to_string());
            let in_scope = tenders::table
                .select(tenders::id.nullable())
                .filter(
                    league
                        .clone()
                        .into_sql::<Nullable<Text>>()
                        .is_null()
                        .or(tenders::league_code.nullable().eq(league)),
                )
                .filter(
                    category
                        .clone()
                        .into_sql::<Nullable<Text>>()
                        .is_null()
                        .or(tenders::category.nullable().eq(category)),
                );
            q = if administrative {
                q.filter(audit_events::tender_id.eq_any(in_scope))
            } else {
                q.filter(
                    audit_events::tender_id
                        .eq_any(in_scope)
                        .or(audit_events::tender_id.is_null()),
                )
            };
        }
        q
    }
}

/// The events `reader` may read as far as bidders go: those that name no
/// bidder of a tender, and those about a tender opened whose bidders the
/// reader sees (the rule of [`super::sealing`], in SQL). Sealed events are
/// left out whole, from the items and from the count: a row standing in
/// for each would tell how many took part.
fn unsealed(
    reader: &Reader,
) -> Box<
    dyn BoxableExpression<
            audit_events::table,
            crate::db::MultiBackend,
            SqlType = diesel::sql_types::Nullable<diesel::sql_types::Bool>,
        >,
> {
    use super::sealing::{BIDDER_OBJECTS, BIDDER_ROLE, status_codes};
    use crate::db::schema::openings;
    use diesel::IntoSql;
    use diesel::sql_types::{Nullable, Text};
    let (opened, ended) = status_codes();
    let league: Option<String> = reader.bidders_league().map(|l| l.as_str().to_string());
    let revealed = tenders::table
        .select(tenders::id.nullable())
        .filter(
            tenders::status.eq_any(opened).or(tenders::status
                .eq_any(ended)
                .and(tenders::id.eq_any(openings::table.select(openings::tender_id)))),
        )
        .filter(
            league
                .clone()
                .into_sql::<Nullable<Text>>()
                .is_null()
                .or(tenders::league_code.nullable().eq(league)),
        );
    Box::new(
        audit_events::tender_id
            .is_null()
            .nullable()
            .or(audit_events::actor_role
                .ne(BIDDER_ROLE)
                .and(audit_events::object_type.ne_all(BIDDER_OBJECTS))
                .nullable())
            .or(audit_events::tender_id.eq_any(revealed)),
    )
}

/// The events a reader who does not read committees before the result (a
/// league's operators) may read: those that tell nothing of a committee or
/// its room, and those about a tender whose result is decided (the rule of
/// [`super::sealing::concerns_committee`], in SQL). As with bidders, the
/// sealed ones are left out whole, from the items and the count.
fn committee_unsealed() -> Box<
    dyn BoxableExpression<
            audit_events::table,
            crate::db::MultiBackend,
            SqlType = diesel::sql_types::Nullable<diesel::sql_types::Bool>,
        >,
> {
    use super::sealing::{COMMITTEE_ACTIONS, EXPERT_ROLE, decided_codes};
    let decided = tenders::table
        .select(tenders::id.nullable())
        .filter(tenders::status.eq_any(decided_codes()));
    let mut about: Box<
        dyn BoxableExpression<
                audit_events::table,
                crate::db::MultiBackend,
                SqlType = diesel::sql_types::Bool,
            >,
    > = Box::new(audit_events::actor_role.eq(EXPERT_ROLE));
    for prefix in COMMITTEE_ACTIONS {
        about = Box::new(about.or(audit_events::action.like(format!("{prefix}%"))));
    }
    Box::new(
        audit_events::tender_id
            .is_null()
            .nullable()
            .or(diesel::dsl::not(about).nullable())
            .or(audit_events::tender_id.eq_any(decided)),
    )
}

/// A page of audit events, and what is left out of it until the opening.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct EventPage {
    /// The events, each with the names this reader may know.
    pub items: Vec<NamedEvent>,
    pub page: u32,
    pub per_page: u32,
    /// Events in scope that the filter lets through (sealed ones not
    /// counted).
    pub total: i64,
    /// Always there, whether or not anything was left out: events whose
    /// actor or subject is a bidder of a tender not yet opened are not
    /// listed, nor counted, until the opening; nor, to a league's
    /// operators, events about a committee or its room until the result.
    pub sealed: String,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// Page number, from 1.
    #[param(minimum = 1, maximum = 1000000)]
    pub page: Option<u32>,
    /// Items per page, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<u32>,
}

/// Audit events in scope, oldest first. Until a tender's opening starts,
/// events whose actor or subject is one of its bidders are left out (and
/// not counted); until its result is decided, so are events about its
/// committee or room, to everyone but supervisors in scope and platform
/// operators (招标投标法 第37条, 第44条); the answer's `sealed` says so.
/// Each event carries the names the reader may know (`actor_name`,
/// `object_name`, `tender_title`), derived at read time, never logged.
#[utoipa::path(
    tag = "audit",
    params(EventFilter, PageParams),
    responses(
        (status = 200, body = EventPage),
        (status = 400, body = crate::error::Problem),
        (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem)
    )
)]
#[get("/audit/events")]
pub async fn list_events(
    state: web::Data<AppState>,
    principal: Principal,
    query: web::Query<std::collections::HashMap<String, String>>,
) -> Result<web::Json<EventPage>, AppError> {
    // Who asks, before what is asked: a stranger learns nothing of the
    // query's rules.
    principal.require_any(&[Role::Operator, Role::Supervisor])?;
    let (filter, paging) = split_query(query.into_inner())?;
    let paging = paging.validate()?;
    let page = state
        .db
        .read(move |conn| {
            let reader = crate::supervision::reader(conn, &principal)?;
            let total: i64 = filter.query(&reader).count().get_result(conn)?;
            let rows: Vec<AuditRow> = filter
                .query(&reader)
                .order(audit_events::seq.asc())
                .offset(paging.offset())
                .limit(paging.limit())
                .select(AuditRow::as_select())
                .load(conn)?;
            let items = named(
                conn,
                &reader,
                rows.into_iter().map(AuditEvent::from).collect(),
            )?;
            let Page {
                items,
                page,
                per_page,
                total,
            } = paging.page(items, total);
            Ok(EventPage {
                items,
                page,
                per_page,
                total,
                sealed: format!(
                    "{} {}",
                    super::sealing::SEALED_NOTE,
                    super::sealing::COMMITTEE_NOTE
                ),
            })
        })
        .await?;
    Ok(web::Json(page))
}

/// The query string as a filter and a page, refusing unknown parameters.
fn split_query(
    mut raw: std::collections::HashMap<String, String>,
) -> Result<(EventFilter, PageQuery), AppError> {
    let number = |v: Option<String>, name: &str| -> Result<Option<u32>, AppError> {
        v.map(|v| {
            v.parse().map_err(|_| {
                AppError::InvalidQuery(format!("{name} must be a whole number"))
                    .because("query.whole-number", serde_json::json!({ "name": name }))
            })
        })
        .transpose()
    };
    let paging = PageQuery {
        page: number(raw.remove("page"), "page")?,
        per_page: number(raw.remove("per_page"), "per_page")?,
    };
    let filter = filter_from(raw)?;
    Ok((filter, paging))
}

fn filter_from(raw: std::collections::HashMap<String, String>) -> Result<EventFilter, AppError> {
    let value = serde_json::to_value(raw)
        .map_err(|e| AppError::Internal(anyhow::Error::new(e).context("query")))?;
    let mut value = value;
    if let Some(s) = value.get("after_seq").and_then(|v| v.as_str()) {
        let n: i64 = s.parse().map_err(|_| {
            AppError::InvalidQuery("after_seq must be a whole number".into()).because(
                "query.whole-number",
                serde_json::json!({ "name": "after_seq" }),
            )
        })?;
        value["after_seq"] = n.into();
    }
    let filter: EventFilter = serde_json::from_value(value).map_err(|e| {
        AppError::InvalidQuery(format!("bad filter: {e}"))
            .because("query.filter", serde_json::json!({}))
    })?;
    filter.validate()?;
    Ok(filter)
}

#[derive(Debug, Clone, Copy, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ExportFormat {
    Csv,
    Jsonl,
}

/// Rows read from the database per step of an export.
const EXPORT_BATCH: i64 = 1000;

/// Every audit event in scope that the filter lets through, oldest first,
/// as CSV (`format=csv`) or JSON Lines (`format=jsonl`), streamed. As in
/// the listing, events whose actor or subject is a bidder of a tender not
/// yet opened are left out until the opening; and each event carries the
/// names the reader may know (`actor_name`, `object_name`,
/// `tender_title`: the CSV's last three columns), derived at read time.
#[utoipa::path(
    tag = "audit",
    params(
        EventFilter,
        ("format" = inline(ExportFormat), Query, description = "csv or jsonl")
    ),
    responses(
        (status = 200, description = "CSV with a header row, or one JSON object per line", content((String = "text/csv"), (String = "application/jsonl"))),
        (status = 400, body = crate::error::Problem),
        (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem)
    )
)]
#[get("/audit/events/export")]
pub async fn export_events(
    state: web::Data<AppState>,
    principal: Principal,
    query: web::Query<std::collections::HashMap<String, String>>,
) -> Result<HttpResponse, AppError> {
    principal.require_any(&[Role::Operator, Role::Supervisor])?;
    let mut raw = query.into_inner();
    let format = match raw.remove("format").as_deref() {
        Some("csv") => ExportFormat::Csv,
        Some("jsonl") => ExportFormat::Jsonl,
        _ => {
            return Err(
                AppError::InvalidQuery("format is csv or jsonl".into()).because(
                    "query.one-of",
                    serde_json::json!({ "name": "format", "allowed": ["csv", "jsonl"] }),
                ),
            );
        }
    };
    let filter = filter_from(raw)?;
    let principal_for_check = principal.clone();
    let reader = state
        .db
        .read(move |conn| crate::supervision::reader(conn, &principal_for_check))
        .await?;
    let db = state.db.clone();
    let header = match format {
        ExportFormat::Csv => Some(web::Bytes::from_static(
            b"seq,occurred_at,actor_id,actor_role,action,object_type,object_id,tender_id,client_addr,request_id,payload_sha256,actor_name,object_name,tender_title\r\n",
        )),
        ExportFormat::Jsonl => None,
    };
    let start = futures_util::stream::iter(header.map(Ok::<_, AppError>));
    let rest = futures_util::stream::try_unfold((filter, Some(0i64)), move |(filter, after)| {
        let db = db.clone();
        let reader = reader.clone();
        async move {
            let Some(after) = after else {
                return Ok(None);
            };
            let mut step = filter.clone();
            step.after_seq = Some(after.max(filter.after_seq.unwrap_or(0)));
            let rows = db
                .read(move |conn: &mut DbConn| {
                    let rows = step
                        .query(&reader)
                        .order(audit_events::seq.asc())
                        .limit(EXPORT_BATCH)
                        .select(AuditRow::as_select())
                        .load::<AuditRow>(conn)?;
                    named(
                        conn,
                        &reader,
                        rows.into_iter().map(AuditEvent::from).collect(),
                    )
                })
                .await?;
            if rows.is_empty() {
                return Ok(None);
            }
            let more = rows.len() as i64 == EXPORT_BATCH;
            let mut out = Vec::with_capacity(rows.len() * 256);
            let mut last = after;
            for event in rows {
                last = event.event.seq;
                write_event(&mut out, &event, format)?;
            }
            Ok(Some((
                web::Bytes::from(out),
                (filter, more.then_some(last)),
            )))
        }
    });
    use futures_util::StreamExt;
    let body = start.chain(rest);
    let (content_type, ext) = match format {
        ExportFormat::Csv => ("text/csv; charset=utf-8", "csv"),
        ExportFormat::Jsonl => ("application/jsonl; charset=utf-8", "jsonl"),
    };
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"audit-events.{ext}\""),
        ))
        .streaming(body))
}

fn write_event(
    out: &mut Vec<u8>,
    named: &NamedEvent,
    format: ExportFormat,
) -> Result<(), AppError> {
    let e = &named.event;
    match format {
        ExportFormat::Jsonl => {
            serde_json::to_writer(&mut *out, named)
                .map_err(|err| AppError::Internal(anyhow::Error::new(err).context("export")))?;
            out.push(b'\n');
        }
        ExportFormat::Csv => {
            let time = e
                .occurred_at
                .to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
            let seq = e.seq.to_string();
            let fields = [
                seq.as_str(),
                time.as_str(),
                e.actor_id.as_deref().unwrap_or(""),
                &e.actor_role,
                &e.action,
                &e.object_type,
                &e.object_id,
                e.tender_id.as_deref().unwrap_or(""),
                e.client_addr.as_deref().unwrap_or(""),
                e.request_id.as_deref().unwrap_or(""),
                &e.payload_sha256,
                named.actor_name.as_deref().unwrap_or(""),
                named.object_name.as_deref().unwrap_or(""),
                named.tender_title.as_deref().unwrap_or(""),
            ];
            for (i, f) in fields.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                csv_field(out, f);
            }
            out.extend_from_slice(b"\r\n");
        }
    }
    Ok(())
}

/// RFC 4180: quoted when it holds a comma, a quote or a line break; a
/// leading `=`, `+`, `-` or `@` is prefixed with `'` so a spreadsheet does
/// not run it as a formula.
fn csv_field(out: &mut Vec<u8>, field: &str) {
    let guarded = if field.starts_with(['=', '+', '-', '@']) {
        format!("'{field}")
    } else {
        field.to_string()
    };
    if guarded.contains([',', '"', '\r', '\n']) {
        out.push(b'"');
        out.extend_from_slice(guarded.replace('"', "\"\"").as_bytes());
        out.push(b'"');
    } else {
        out.extend_from_slice(guarded.as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_and_formulas_defused() {
        let mut out = Vec::new();
        csv_field(&mut out, "a,b\"c");
        out.push(b'|');
        csv_field(&mut out, "=SUM(A1)");
        out.push(b'|');
        csv_field(&mut out, "plain");
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "\"a,b\"\"c\"|'=SUM(A1)|plain"
        );
    }

    #[test]
    fn filters_are_checked() {
        let q = |pairs: &[(&str, &str)]| {
            filter_from(
                pairs
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
            )
        };
        assert!(q(&[("client_addr", "127.0.0.1")]).is_ok());
        assert!(q(&[("client_addr", "x")]).is_err());
        assert!(
            q(&[
                ("from", "2026-01-02T00:00:00Z"),
                ("to", "2026-01-01T00:00:00Z")
            ])
            .is_err()
        );
        assert!(q(&[("from", "yesterday")]).is_err());
        assert!(q(&[("after_seq", "1x")]).is_err());
        assert!(q(&[("colour", "red")]).is_err());
    }
}
