//! Tender documents: streamed upload into the content-addressed store, and
//! download with the content's SHA-256 in the headers; at start-up, stored
//! files that no document names are removed on the record.

use super::model::TenderStatus;
use super::routes::parse_id;
use super::store::{self, Document, TenderRow};
use super::takers::{self, Taker};
use crate::app::AppState;
use crate::audit::{self, AuditContext};
use crate::db::DbConn;
use crate::db::schema::tender_documents;
use crate::db::to_db_time;
use crate::error::AppError;
use crate::identity::{Principal, Role};
use crate::store::StoredBlob;
use crate::types::DocumentId;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::json;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct UploadQuery {
    /// The file's name as the bidders will download it.
    pub filename: String,
    /// A title for the notice board (defaults to the file name).
    pub title: Option<String>,
}

fn check_filename(name: &str) -> Result<(), AppError> {
    let bad = name.trim().is_empty()
        || name.chars().count() > 255
        || name.contains(['/', '\\', '\0'])
        || name == "."
        || name == ".."
        || name.chars().any(char::is_control);
    if bad {
        return Err(AppError::InvalidQuery(
            "filename must be 1 to 255 characters with no path separators or control characters"
                .into(),
        )
        .because("upload.filename", json!({ "max": 255 })));
    }
    Ok(())
}

fn check_media_type(req: &HttpRequest) -> Result<String, AppError> {
    let Some(value) = req.headers().get(header::CONTENT_TYPE) else {
        return Ok("application/octet-stream".into());
    };
    let text = value.to_str().map_err(|_| {
        AppError::UnsupportedMediaType("unreadable Content-Type".into())
            .because("upload.content-type-invalid", json!({}))
    })?;
    let mime: mime::Mime = text.parse().map_err(|_| {
        AppError::UnsupportedMediaType(format!("invalid Content-Type {text:?}"))
            .because("upload.content-type-invalid", json!({}))
    })?;
    if mime.type_() == "multipart" {
        return Err(AppError::UnsupportedMediaType(
            "send the file itself as the body (not a multipart form), with its own Content-Type"
                .into(),
        )
        .because("upload.not-multipart", json!({})));
    }
    Ok(mime.essence_str().to_string())
}

/// Uploads a tender document. The body is the file itself, streamed to the
/// store. Documents added to a draft are published with it; documents added
/// after publication are published by the amendment that lists them.
#[utoipa::path(
    tag = "tenders",
    params(("id" = String, Path), UploadQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "the file"),
    responses(
        (status = 201, body = Document),
        (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem),
        (status = 413, body = crate::error::Problem)
    )
)]
#[post("/tenders/{id}/documents")]
pub async fn upload_document(
    state: web::Data<AppState>,
    principal: Principal,
    ctx: AuditContext,
    id: web::Path<String>,
    query: web::Query<UploadQuery>,
    req: HttpRequest,
    body: web::Payload,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    principal.require_any(&[Role::Tenderer, Role::Agent, Role::Operator])?;
    let query = query.into_inner();
    check_filename(&query.filename)?;
    let title = query
        .title
        .clone()
        .unwrap_or_else(|| query.filename.clone());
    if title.trim().is_empty() || title.chars().count() > 300 {
        return Err(
            AppError::InvalidQuery("title must be 1 to 300 characters".into())
                .because("query.length", json!({ "name": "title", "max": 300 })),
        );
    }
    let media_type = check_media_type(&req)?;
    let limit = state.config.max_document_bytes;
    if let Some(len) = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<u64>().ok())
        && len > limit
    {
        return Err(AppError::PayloadTooLarge(format!(
            "the file has {len} bytes; the limit is {limit}"
        ))
        .because("upload.too-large", json!({ "size": len, "limit": limit })));
    }
    // Refuse before reading the body if the caller may not upload here.
    let check_id = id.clone();
    let check_principal = principal.clone();
    state
        .db
        .read(move |conn| {
            let (row, _) = store::load_managed(conn, &check_id, &check_principal)?;
            open_for_documents(row.status()?)
        })
        .await?;
    let blob = state.blobs.put_stream(body, limit).await?;
    let document = state
        .db
        .write(move |conn| {
            store::lock(conn, &id)?;
            let (row, role) = store::load_managed(conn, &id, &principal)?;
            let ctx = ctx.acting_as(role);
            open_for_documents(row.status()?)?;
            let new = NewDocument {
                title: &title,
                filename: &query.filename,
                media_type: &media_type,
                blob: &blob,
            };
            let doc_id = record_document(conn, &ctx, &row, &new)?;
            let docs = store::documents(conn, &row, true)?;
            docs.into_iter().find(|d| d.id == doc_id).ok_or_else(|| {
                AppError::Internal(anyhow::anyhow!("document vanished after insert"))
            })
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", document.download_url.clone()))
        .json(document))
}

/// A stored file about to become a tender document.
pub struct NewDocument<'a> {
    pub title: &'a str,
    pub filename: &'a str,
    pub media_type: &'a str,
    pub blob: &'a StoredBlob,
}

/// Records a stored file as a document of the tender (unpublished until the
/// tender or an amendment publishes it), with its audit event.
pub fn record_document(
    conn: &mut DbConn,
    ctx: &AuditContext,
    row: &TenderRow,
    new: &NewDocument<'_>,
) -> Result<DocumentId, AppError> {
    let doc_id = DocumentId::new();
    let uploaded_by = ctx
        .principal
        .user_id
        .as_ref()
        .map(|u| u.as_str())
        .unwrap_or_default();
    diesel::insert_into(tender_documents::table)
        .values((
            tender_documents::id.eq(doc_id.as_str()),
            tender_documents::tender_id.eq(&row.id),
            tender_documents::title.eq(new.title),
            tender_documents::filename.eq(new.filename),
            tender_documents::media_type.eq(new.media_type),
            tender_documents::size_bytes.eq(new.blob.size as i64),
            tender_documents::sha256.eq(&new.blob.sha256),
            tender_documents::uploaded_by.eq(uploaded_by),
            tender_documents::uploaded_at.eq(to_db_time(ctx.now)),
        ))
        .execute(conn)?;
    #[derive(Serialize)]
    struct Uploaded<'a> {
        filename: &'a str,
        title: &'a str,
        media_type: &'a str,
        size: u64,
        sha256: &'a str,
    }
    audit::record(
        conn,
        ctx,
        "tender.document.upload",
        "document",
        doc_id.as_str(),
        Some(&row.id),
        &Uploaded {
            filename: new.filename,
            title: new.title,
            media_type: new.media_type,
            size: new.blob.size,
            sha256: &new.blob.sha256,
        },
    )?;
    Ok(doc_id)
}

/// The audit action of a stored file removed for being no document's.
pub const FILE_REMOVED: &str = "tender.document.file_removed";

/// Removes stored files that no tender document names: a file is stored
/// (and synced) before its row is written, so a stop in between, or a row
/// refused after the file was stored, leaves one behind. Each removal is
/// recorded with the file and its SHA-256. Unfinished writes in the store's
/// `tmp/` go too (they never were files). Called at every node's start-up
/// while other nodes may be storing files: only a file untouched for
/// [`crate::store::ABANDONED_AFTER`] and still named by no document (asked
/// again just before it goes) is abandoned, and one node sweeps at a time
/// (a cluster-wide lock). Returns how many stored files were removed.
pub fn sweep_unnamed(
    db: &crate::db::Db,
    blobs: &crate::store::BlobStore,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<usize, AppError> {
    db.exclusively(crate::db::ClusterDuty::FileSweep, || {
        sweep_unnamed_alone(db, blobs, now)
    })?
}

fn sweep_unnamed_alone(
    db: &crate::db::Db,
    blobs: &crate::store::BlobStore,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<usize, AppError> {
    let io = |e: std::io::Error| AppError::Internal(anyhow::Error::new(e).context("stored files"));
    let wall: std::time::SystemTime = now.into();
    let unfinished = blobs.clear_unfinished(wall).map_err(io)?;
    if unfinished > 0 {
        tracing::info!(unfinished, "removed unfinished writes of the file store");
    }
    let stored = blobs.stored().map_err(io)?;
    let hashes: Vec<String> = stored.iter().map(|(h, _)| h.clone()).collect();
    let named = db.write_blocking(|conn| {
        crate::db::found_among(conn, &hashes, |conn, chunk| {
            tender_documents::table
                .filter(tender_documents::sha256.eq_any(chunk))
                .select(tender_documents::sha256)
                .load(conn)
        })
    })?;
    #[derive(Serialize)]
    struct Removed<'a> {
        file: &'a str,
        sha256: &'a str,
        size: u64,
        why: &'static str,
    }
    let ctx = AuditContext::system(now);
    let mut removed = 0;
    for (name, path) in stored {
        if named.contains(&name) || !crate::store::untouched_since_grace(&path, wall) {
            continue;
        }
        let (sha256, size) = crate::store::sha256_of_file(&path).map_err(io)?;
        let file = format!("blobs/sha256/{}/{name}", &name[..2]);
        // Recorded first: a stop before the removal records it again at
        // the next start, never a removal without its record. Asked again
        // here: a document recorded meanwhile on another node keeps it.
        let still_unnamed = db.write_blocking(|conn| {
            let named: i64 = tender_documents::table
                .filter(tender_documents::sha256.eq(&name))
                .count()
                .get_result(conn)?;
            if named > 0 || !crate::store::untouched_since_grace(&path, wall) {
                return Ok(false);
            }
            audit::record(
                conn,
                &ctx,
                FILE_REMOVED,
                "stored_file",
                &format!("{file}#sha256={sha256}"),
                None,
                &Removed {
                    file: &file,
                    sha256: &sha256,
                    size,
                    why: "stored without a document: the server stopped, or the document was \
                          refused, after the file was stored",
                },
            )?;
            Ok(true)
        })?;
        if !still_unnamed {
            continue;
        }
        blobs.remove(&name).map_err(io)?;
        tracing::warn!(
            file,
            sha256,
            size,
            "removed a stored file no document names"
        );
        removed += 1;
    }
    Ok(removed)
}

fn open_for_documents(status: TenderStatus) -> Result<(), AppError> {
    match status {
        TenderStatus::Draft | TenderStatus::Published => Ok(()),
        other => Err(AppError::IllegalTransition(format!(
            "documents can be added to a draft or published tender, not to one that is {}",
            other.code()
        ))
        .because("tender.documents-closed", json!({ "status": other.code() }))),
    }
}

/// RFC 8187 encoding of a file name for `filename*`.
fn rfc8187(name: &str) -> String {
    let mut out = String::from("UTF-8''");
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The taker to note for this download of a published document: an
/// enterprise user (the Bidder role) not yet noted for the tender.
fn first_taking(
    conn: &mut DbConn,
    tender_id: &str,
    principal: &Principal,
) -> Result<Option<Taker>, AppError> {
    let Some(user) = principal.user_id.as_ref() else {
        return Ok(None);
    };
    if !principal.has(Role::Bidder) || takers::noted(conn, tender_id, user.as_str())? {
        return Ok(None);
    }
    Ok(Some(Taker {
        user_id: user.as_str().to_string(),
        organisation_id: principal.organisation.as_ref().map(|o| o.to_string()),
    }))
}

/// Notes a first taker of the documents (one small write). A failure is
/// logged (without the taker, which is sealed), not the downloader's: the
/// file is served all the same.
async fn note_taker(state: &AppState, tender_id: &str, taker: Taker) {
    let (tender, now) = (tender_id.to_string(), state.clock.now());
    let noted = state
        .db
        .write(move |conn| takers::note(conn, &tender, &taker, now))
        .await;
    if let Err(e) = noted {
        tracing::error!(
            tender = %tender_id,
            error = %e,
            "noting who took the documents failed: a taker will not be told of amendments"
        );
    }
}

/// Downloads a document. `X-Content-SHA256` (hex) and `Repr-Digest`
/// (RFC 9530) carry the content's hash. An invited tender's documents go
/// only to its invitees and its staff (`super::invitees`).
#[utoipa::path(
    tag = "tenders",
    params(("id" = String, Path), ("doc" = String, Path)),
    responses(
        (status = 200, description = "the file, served with the media type it was uploaded with", content_type = "*/*", body = Vec<u8>,
         headers(("X-Content-SHA256" = String, description = "SHA-256 of the content, hex"),
                 ("Repr-Digest" = String, description = "RFC 9530 digest"))),
        (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem)
    )
)]
#[get("/tenders/{id}/documents/{doc}")]
pub async fn download_document(
    state: web::Data<AppState>,
    principal: Principal,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (id, doc) = path.into_inner();
    let id = parse_id(&id)?;
    let id_for_note = id.as_str().to_string();
    let doc = DocumentId::parse(&doc).ok_or_else(|| AppError::not_found("document"))?;
    let (filename, media_type, size, sha256, first_taker) = state
        .db
        .read(move |conn| {
            let row = store::load_visible(conn, &id, &principal)?;
            // An invited tender's documents are its invitees' (and its
            // staff's): 401 signed out, 403 `not-invited` for others.
            super::invitees::may_take_documents(conn, &row, &principal)?;
            let found: Option<(String, String, i64, String, Option<NaiveDateTime>)> =
                tender_documents::table
                    .filter(tender_documents::id.eq(doc.as_str()))
                    .filter(tender_documents::tender_id.eq(&row.id))
                    .select((
                        tender_documents::filename,
                        tender_documents::media_type,
                        tender_documents::size_bytes,
                        tender_documents::sha256,
                        tender_documents::published_at,
                    ))
                    .first(conn)
                    .optional()?;
            match found {
                Some((f, m, s, h, published))
                    if published.is_some() || row.managed_by(&principal) =>
                {
                    let taker = match published {
                        Some(_) => first_taking(conn, &row.id, &principal)?,
                        None => None,
                    };
                    Ok((f, m, s, h, taker))
                }
                _ => Err(AppError::not_found("document")),
            }
        })
        .await?;
    if let Some(taker) = first_taker {
        note_taker(&state, &id_for_note, taker).await;
    }
    let stream = state.blobs.read_stream(&sha256).await?;
    let digest = openssl::base64::encode_block(
        &(0..sha256.len() / 2)
            .filter_map(|i| u8::from_str_radix(&sha256[2 * i..2 * i + 2], 16).ok())
            .collect::<Vec<u8>>(),
    );
    Ok(HttpResponse::Ok()
        .content_type(media_type)
        .insert_header(("X-Content-SHA256", sha256.clone()))
        .insert_header(("Repr-Digest", format!("sha-256=:{digest}:")))
        .insert_header(("ETag", format!("\"{sha256}\"")))
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename*={}", rfc8187(&filename)),
        ))
        .no_chunking(size as u64)
        .streaming(stream))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filenames() {
        assert!(check_filename("招标文件.pdf").is_ok());
        assert!(check_filename("../x").is_err());
        assert!(check_filename("a\\b").is_err());
        assert!(check_filename("").is_err());
        assert_eq!(rfc8187("a b.pdf"), "UTF-8''a%20b.pdf");
        assert_eq!(rfc8187("文"), "UTF-8''%E6%96%87");
    }
}
