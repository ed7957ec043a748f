//! The public notice list: every published notice of every tender, newest
//! first, by kind, category, centre and text, and each notice on its own.
//!
//! Notices are public: the law publishes them (招标投标法 第16条, 政府采购法
//! 第11条), and a tender has notices only once it is published (a draft
//! cancelled before publication gets none, `store::transition`). So anyone,
//! signed in or not, reads the same list; it holds notices of published
//! tenders only, which anyone may read one by one under
//! `GET /tenders/{id}/notices` too (an invited tender's notices included:
//! its notice is public, its invitees are not, and no notice names them).

use super::model::{Category, Method, NoticeKind};
use super::store::{Notice, words_of};
use crate::app::AppState;
use crate::db::schema::{leagues, notices, tenders};
use crate::db::{DbConn, from_db_time, like_pattern, lower};
use crate::error::AppError;
use crate::http::{Page, PageQuery, Paging};
use crate::types::{LeagueCode, TenderId};
use actix_web::{get, web};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// A notice with the tender it belongs to.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PublicNotice {
    pub tender_id: TenderId,
    pub tender_title: String,
    pub tender_reference: String,
    pub category: Category,
    pub method: Method,
    pub league_code: LeagueCode,
    /// The league's name, empty if unknown.
    pub league_name: String,
    pub notice: Notice,
    /// The notice's own page in the portal (a stable address).
    pub page: String,
}

/// Filters of the notice list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct NoticeFilter {
    pub kind: Option<NoticeKind>,
    pub category: Option<Category>,
    /// A league's code (e.g. `NNG`).
    pub league: Option<String>,
    /// Text to find in the notice's title or body, or its tender's title or
    /// reference (at most 200 characters).
    pub q: Option<String>,
    /// Page number, from 1.
    #[param(minimum = 1, maximum = 1000000)]
    pub page: Option<u32>,
    /// Items per page, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<u32>,
}

type Row = (
    String,
    i32,
    String,
    String,
    String,
    NaiveDateTime,
    Option<String>,
    (String, String, String, String, String),
);

/// The columns of a notice with its tender's, in `Row`'s order.
type RowColumns = (
    notices::tender_id,
    notices::seq,
    notices::kind,
    notices::title,
    notices::body,
    notices::published_at,
    notices::words_json,
    (
        tenders::title,
        tenders::reference,
        tenders::category,
        tenders::method,
        tenders::league_code,
    ),
);

fn select_row() -> RowColumns {
    (
        notices::tender_id,
        notices::seq,
        notices::kind,
        notices::title,
        notices::body,
        notices::published_at,
        notices::words_json,
        (
            tenders::title,
            tenders::reference,
            tenders::category,
            tenders::method,
            tenders::league_code,
        ),
    )
}

fn to_public(row: Row, league_names: &HashMap<String, String>) -> Result<PublicNotice, AppError> {
    let (
        tender_id,
        seq,
        kind,
        title,
        body,
        at,
        words,
        (t_title, reference, category, method, league),
    ) = row;
    let category = Category::from_db(&category)?;
    let kind = NoticeKind::from_db(&kind)?;
    Ok(PublicNotice {
        page: format!("/#/notices/{tender_id}/{seq}"),
        notice: Notice {
            seq,
            kind,
            words: words_of(category, kind, &t_title, &title, &body, words.as_deref()),
            title,
            body,
            published_at: from_db_time(at),
        },
        tender_id: TenderId::from_db(tender_id),
        tender_title: t_title,
        tender_reference: reference,
        category,
        method: Method::from_db(&method)?,
        league_name: league_names.get(&league).cloned().unwrap_or_default(),
        league_code: LeagueCode::from_db(league),
    })
}

fn league_names(
    conn: &mut DbConn,
    codes: Vec<String>,
) -> Result<HashMap<String, String>, AppError> {
    Ok(leagues::table
        .filter(leagues::code.eq_any(codes))
        .select((leagues::code, leagues::name))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect())
}

/// Published notices, newest first.
pub fn list(
    conn: &mut DbConn,
    filter: &NoticeFilter,
    paging: Paging,
) -> Result<Page<PublicNotice>, AppError> {
    let build = || {
        let mut q = notices::table
            .inner_join(tenders::table)
            .filter(tenders::published_at.is_not_null())
            .into_boxed();
        if let Some(k) = filter.kind {
            q = q.filter(notices::kind.eq(k.code()));
        }
        if let Some(c) = filter.category {
            q = q.filter(tenders::category.eq(c.code()));
        }
        if let Some(l) = &filter.league {
            q = q.filter(tenders::league_code.eq(l.clone()));
        }
        if let Some(text) = filter.q.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            let pattern = like_pattern(text);
            q = q.filter(
                lower(notices::title)
                    .like(pattern.clone())
                    .escape('\\')
                    .or(lower(notices::body).like(pattern.clone()).escape('\\'))
                    .or(lower(tenders::title).like(pattern.clone()).escape('\\'))
                    .or(lower(tenders::reference).like(pattern).escape('\\')),
            );
        }
        q
    };
    let total: i64 = build().count().get_result(conn)?;
    let rows: Vec<Row> = build()
        .order((
            notices::published_at.desc(),
            notices::tender_id.asc(),
            notices::seq.desc(),
        ))
        .offset(paging.offset())
        .limit(paging.limit())
        .select(select_row())
        .load(conn)?;
    let names = league_names(conn, rows.iter().map(|r| r.7.4.clone()).collect())?;
    Ok(Page {
        items: rows
            .into_iter()
            .map(|r| to_public(r, &names))
            .collect::<Result<_, _>>()?,
        page: paging.page,
        per_page: paging.per_page,
        total,
    })
}

/// One published notice.
pub fn one(conn: &mut DbConn, tender: &TenderId, seq: i32) -> Result<PublicNotice, AppError> {
    let row: Option<Row> = notices::table
        .inner_join(tenders::table)
        .filter(tenders::published_at.is_not_null())
        .filter(notices::tender_id.eq(tender.as_str()))
        .filter(notices::seq.eq(seq))
        .select(select_row())
        .first(conn)
        .optional()?;
    let row = row.ok_or_else(|| AppError::not_found("notice"))?;
    let names = league_names(conn, vec![row.7.4.clone()])?;
    to_public(row, &names)
}

/// Every published notice of every tender, newest first, filtered and
/// paged: public, the same for everyone (notices of published tenders only).
#[utoipa::path(
    tag = "tenders",
    params(NoticeFilter),
    responses((status = 200, body = Page<PublicNotice>), (status = 400, body = crate::error::Problem))
)]
#[get("/notices")]
pub async fn list_all(
    state: web::Data<AppState>,
    query: web::Query<NoticeFilter>,
) -> Result<web::Json<Page<PublicNotice>>, AppError> {
    let filter = query.into_inner();
    let paging = PageQuery {
        page: filter.page,
        per_page: filter.per_page,
    }
    .validate()?;
    crate::http::search_text_query(filter.q.as_deref())?;
    if let Some(league) = &filter.league {
        crate::http::league_query(league)?;
    }
    let page = state
        .db
        .read(move |conn| list(conn, &filter, paging))
        .await?;
    Ok(web::Json(page))
}

/// One notice of a tender, with its tender: public once the tender is
/// published (404 otherwise, as for a notice that does not exist).
#[utoipa::path(
    tag = "tenders",
    params(("id" = String, Path), ("seq" = i32, Path, description = "The notice's number in its tender, from 1")),
    responses((status = 200, body = PublicNotice), (status = 404, body = crate::error::Problem))
)]
#[get("/tenders/{id}/notices/{seq}")]
pub async fn get_one(
    state: web::Data<AppState>,
    path: web::Path<(String, i32)>,
) -> Result<web::Json<PublicNotice>, AppError> {
    let (id, seq) = path.into_inner();
    let id = super::routes::parse_id(&id)?;
    let notice = state.db.read(move |conn| one(conn, &id, seq)).await?;
    Ok(web::Json(notice))
}
