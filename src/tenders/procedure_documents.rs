//! Documents of a procedure that the platform issues and keeps: the notice
//! of award and the result notices ([`super::award`]), each CMS SignedData
//! (DER) signed by the platform, written in the award's transaction and
//! never changed.
//!
//! Who reads them: each recipient enterprise's users read their own; the
//! tender's tenderer and agent, supervisors whose scope holds it, the
//! platform operator and operators of its league read all (the rule that
//! shows them the bidders once a tender is opened, `audit::sealing`); the
//! public reads none (whether results are published is issue 22's).

use crate::app::AppState;
use crate::audit::sealing::sees_bidders;
use crate::db::schema::{organisations, procedure_documents};
use crate::db::{DbConn, from_db_time, to_db_time};
use crate::error::AppError;
use crate::identity::Principal;
use crate::types::text_enum;
use actix_web::{HttpResponse, get, web};
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;

use super::routes::parse_id;
use super::store::{self, TenderRow};

text_enum! {
    /// What a document of the procedure is.
    pub enum DocumentKind {
        /// 中标通知书, to the winner.
        AwardNotice = "award_notice",
        /// 中标结果通知书, to every other bidder.
        ResultNotice = "result_notice",
        /// The organiser's signed record of how a land or property price
        /// was reached (`super::price_record`), kept as it signed it and
        /// addressed to the organiser that signed it.
        PriceRecord = "price_record",
    }
}

/// A document to keep.
pub struct NewDocument<'a> {
    pub id: &'a str,
    pub tender_id: &'a str,
    pub kind: DocumentKind,
    pub recipient_org_id: &'a str,
    /// The CMS SignedData, DER.
    pub signed: &'a [u8],
}

/// Keeps a signed document (in the caller's transaction); returns its
/// SHA-256, hex.
pub fn keep(conn: &mut DbConn, doc: &NewDocument, now: DateTime<Utc>) -> Result<String, AppError> {
    let sha256 = crate::identity::hex(&openssl::sha::sha256(doc.signed));
    diesel::insert_into(procedure_documents::table)
        .values((
            procedure_documents::id.eq(doc.id),
            procedure_documents::tender_id.eq(doc.tender_id),
            procedure_documents::kind.eq(doc.kind.code()),
            procedure_documents::recipient_org_id.eq(doc.recipient_org_id),
            procedure_documents::sha256.eq(&sha256),
            procedure_documents::signed.eq(doc.signed),
            procedure_documents::created_at.eq(to_db_time(now)),
        ))
        .execute(conn)?;
    Ok(sha256)
}

/// A document of the procedure, as listed.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ResultNotice {
    pub id: String,
    pub kind: DocumentKind,
    pub recipient: crate::identity::store::OrganisationRef,
    /// The file name it is sent and served under.
    pub filename: String,
    pub media_type: &'static str,
    /// SHA-256 of the signed document (DER), hex.
    pub sha256: String,
    pub size: usize,
    pub created_at: DateTime<Utc>,
    pub download_url: String,
}

/// The documents of a tender's procedure listed.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ResultNotices {
    pub items: Vec<ResultNotice>,
}

/// What a principal may read of a tender's notices.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Reads {
    All,
    /// Those addressed to this organisation.
    Own(String),
}

/// What `principal` reads of `row`'s notices: all, its own organisation's,
/// or nothing (refused: 401 for the public, 403 for the rest).
fn reads(conn: &mut DbConn, row: &TenderRow, principal: &Principal) -> Result<Reads, AppError> {
    if !principal.is_authenticated() {
        return Err(AppError::Unauthenticated(
            "sign in: notices of award and result notices are for their recipients and the \
             procedure's staff"
                .into(),
        )
        .because("notice.sign-in", serde_json::json!({})));
    }
    let standing = super::store::standing(conn, row, principal)?;
    if sees_bidders(true, &standing, &row.league_code) {
        return Ok(Reads::All);
    }
    match &principal.organisation {
        Some(org) => Ok(Reads::Own(org.as_str().to_string())),
        None => Err(refused()),
    }
}

fn refused() -> AppError {
    AppError::Forbidden(
        "a notice of award or result notice is read by its recipient enterprise, the tender's \
         tenderer and agent, supervisors in scope and the operators of its league"
            .into(),
    )
    .because("notice.restricted", serde_json::json!({}))
}

type Row = (
    String,
    String,
    String,
    String,
    String,
    Vec<u8>,
    NaiveDateTime,
);

fn listed(row: &TenderRow, r: Row) -> Result<ResultNotice, AppError> {
    let (id, kind, org_id, org_name, sha256, signed, at) = r;
    let kind = DocumentKind::from_db(&kind)?;
    Ok(ResultNotice {
        filename: super::award::filename(kind, &row.id, &org_id),
        download_url: format!("/api/v1/tenders/{}/result-notices/{id}", row.id),
        id,
        kind,
        recipient: crate::identity::store::OrganisationRef {
            id: crate::types::OrganisationId::from_db(org_id),
            name: org_name,
        },
        media_type: super::award::SIGNED_MEDIA_TYPE,
        sha256,
        size: signed.len(),
        created_at: from_db_time(at),
    })
}

/// The notices of `row` that `principal` reads, the winner's first. An
/// enterprise that received none of them is refused.
pub fn visible(
    conn: &mut DbConn,
    row: &TenderRow,
    principal: &Principal,
) -> Result<Vec<ResultNotice>, AppError> {
    let reads = reads(conn, row, principal)?;
    let mut q = procedure_documents::table
        .inner_join(
            organisations::table.on(organisations::id.eq(procedure_documents::recipient_org_id)),
        )
        .filter(procedure_documents::tender_id.eq(&row.id))
        .into_boxed();
    if let Reads::Own(org) = &reads {
        q = q.filter(procedure_documents::recipient_org_id.eq(org.clone()));
    }
    let rows: Vec<Row> = q
        .select((
            procedure_documents::id,
            procedure_documents::kind,
            procedure_documents::recipient_org_id,
            organisations::name,
            procedure_documents::sha256,
            procedure_documents::signed,
            procedure_documents::created_at,
        ))
        .order((
            procedure_documents::kind.asc(),
            organisations::name.asc(),
            procedure_documents::id.asc(),
        ))
        .load(conn)?;
    if rows.is_empty() && reads != Reads::All {
        return Err(refused());
    }
    rows.into_iter().map(|r| listed(row, r)).collect()
}

/// The signed document `doc` of `row`, for `principal`: (filename, sha256,
/// DER). 404 when the tender has no such document, 403 when it is another
/// enterprise's.
pub fn read(
    conn: &mut DbConn,
    row: &TenderRow,
    principal: &Principal,
    doc: &str,
) -> Result<(String, String, Vec<u8>), AppError> {
    let reads = reads(conn, row, principal)?;
    let found: Option<(String, String, String, Vec<u8>)> = procedure_documents::table
        .filter(procedure_documents::id.eq(doc))
        .filter(procedure_documents::tender_id.eq(&row.id))
        .select((
            procedure_documents::kind,
            procedure_documents::recipient_org_id,
            procedure_documents::sha256,
            procedure_documents::signed,
        ))
        .first(conn)
        .optional()?;
    let Some((kind, recipient, sha256, signed)) = found else {
        return Err(AppError::not_found("result notice"));
    };
    match reads {
        Reads::Own(org) if org != recipient => Err(refused()),
        _ => Ok((
            super::award::filename(DocumentKind::from_db(&kind)?, &row.id, &recipient),
            sha256,
            signed,
        )),
    }
}

/// The notice of award and the result notices of a tender that the caller
/// reads (see the module): their recipients, hashes and where to download
/// them.
#[utoipa::path(
    tag = "tenders",
    params(("id" = String, Path)),
    responses(
        (status = 200, body = ResultNotices),
        (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem)
    )
)]
#[get("/tenders/{id}/result-notices")]
pub async fn list_result_notices(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<String>,
) -> Result<web::Json<ResultNotices>, AppError> {
    let id = parse_id(&id)?;
    let items = state
        .db
        .read(move |conn| {
            let row = store::load_visible(conn, &id, &principal)?;
            visible(conn, &row, &principal)
        })
        .await?;
    Ok(web::Json(ResultNotices { items }))
}

/// A notice of award or result notice: the CMS SignedData (DER) the
/// platform signed, which `openssl cms -verify -inform DER -CAfile` checks
/// against the certificate at `/api/v1/platform/document-signing-certificate`.
#[utoipa::path(
    tag = "tenders",
    params(("id" = String, Path), ("doc" = String, Path)),
    responses(
        (status = 200, description = "CMS SignedData, DER", content_type = "application/pkcs7-mime", body = Vec<u8>,
         headers(("X-Content-SHA256" = String, description = "SHA-256 of the document, hex"))),
        (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem)
    )
)]
#[get("/tenders/{id}/result-notices/{doc}")]
pub async fn download_result_notice(
    state: web::Data<AppState>,
    principal: Principal,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (id, doc) = path.into_inner();
    let id = parse_id(&id)?;
    let doc = uuid::Uuid::parse_str(&doc)
        .map_err(|_| AppError::not_found("result notice"))?
        .to_string();
    let (filename, sha256, signed) = state
        .db
        .read(move |conn| {
            let row = store::load_visible(conn, &id, &principal)?;
            read(conn, &row, &principal, &doc)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .content_type(super::award::SIGNED_MEDIA_TYPE)
        .insert_header(("X-Content-SHA256", sha256))
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"{filename}\""),
        ))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .body(signed))
}
