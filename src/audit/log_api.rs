//! The transparency log's HTTP API: the key, signed checkpoints, entries,
//! and inclusion and consistency proofs (RFC 9162 §2.1.3, §2.1.4).
//!
//! Checkpoints, the key and proofs are public (they reveal hashes only);
//! entries are for operators and supervisors, and an entry outside a
//! supervisor's scope is given as its leaf hash alone, so every supervisor
//! can still check the whole tree. So is, to every reader, an entry that
//! names a bidder of a tender not yet opened ([`super::sealing`]): the
//! hash covers it in full, its content waits for the opening. So does, to a
//! league's operators, an entry about a tender's committee or evaluation
//! room until the tender's result is decided (招标投标法 第37条, 第44条).

use super::entry::AuditEvent;
use super::merkle;
use super::tlog::{self, SignedCheckpoint};
use crate::app::AppState;
use crate::error::AppError;
use crate::identity::{Principal, Role};
use actix_web::{HttpResponse, get, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;

/// The most entries one request returns.
pub const MAX_ENTRIES: u64 = 1000;

fn non_negative(n: i64, name: &str) -> Result<u64, AppError> {
    u64::try_from(n).map_err(|_| {
        AppError::InvalidQuery(format!("{name} must not be negative"))
            .because("query.not-negative", json!({ "name": name }))
    })
}

fn b64(bytes: &[u8]) -> String {
    openssl::base64::encode_block(bytes)
}

/// The log's public key.
#[derive(Serialize, utoipa::ToSchema)]
pub struct LogKeyInfo {
    /// The key's name: also every checkpoint's origin line.
    pub name: String,
    /// The note verifier key: `name+keyid+base64(0x01 || Ed25519 key)`.
    pub vkey: String,
    /// The same Ed25519 key as a PEM SubjectPublicKeyInfo.
    pub public_key_pem: String,
}

/// The key checkpoints are signed with.
#[utoipa::path(tag = "audit", responses((status = 200, body = LogKeyInfo)))]
#[get("/audit/log/key")]
pub async fn key(state: web::Data<AppState>) -> Result<web::Json<LogKeyInfo>, AppError> {
    let public = &state.audit_log.key.public;
    Ok(web::Json(LogKeyInfo {
        name: public.name.clone(),
        vkey: public.vkey(),
        public_key_pem: public.public_pem().map_err(AppError::Internal)?,
    }))
}

async fn latest(state: &AppState) -> Result<SignedCheckpoint, AppError> {
    state
        .db
        .read(tlog::latest_checkpoint)
        .await?
        .ok_or_else(|| AppError::Unavailable("the audit log has no checkpoint yet".into()))
}

/// The latest signed checkpoint, a C2SP signed note (text/plain).
#[utoipa::path(
    tag = "audit",
    responses(
        (status = 200, description = "C2SP signed note: origin, tree size, base64 root hash, `time <unix seconds>`, an empty line, an Ed25519 signature line", content_type = "text/plain", body = String),
        (status = 503, body = crate::error::Problem)
    )
)]
#[get("/audit/log/checkpoint")]
pub async fn checkpoint(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let latest = latest(&state).await?;
    Ok(HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .insert_header(("Cache-Control", "no-store"))
        .body(latest.note))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct CheckpointInfo {
    pub tree_size: u64,
    /// Base64.
    pub root_hash: String,
    pub time: DateTime<Utc>,
    /// The signed note.
    pub note: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct CheckpointList {
    pub checkpoints: Vec<CheckpointInfo>,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct CheckpointQuery {
    /// Checkpoints of at least this many entries.
    #[param(minimum = 0)]
    pub from_size: Option<i64>,
    /// At most this many (1 to 1000, default 100).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u32>,
}

/// Every checkpoint signed so far, smallest tree first.
#[utoipa::path(
    tag = "audit",
    params(CheckpointQuery),
    responses((status = 200, body = CheckpointList), (status = 400, body = crate::error::Problem))
)]
#[get("/audit/log/checkpoints")]
pub async fn checkpoints(
    state: web::Data<AppState>,
    query: web::Query<CheckpointQuery>,
) -> Result<web::Json<CheckpointList>, AppError> {
    let limit = query.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(AppError::InvalidQuery("limit is 1 to 1000".into()).because(
            "query.range",
            json!({ "name": "limit", "min": 1, "max": 1000 }),
        ));
    }
    let from = non_negative(query.from_size.unwrap_or(0), "from_size")?;
    let list = state
        .db
        .read(move |conn| tlog::checkpoints(conn, from, limit as i64))
        .await?;
    Ok(web::Json(CheckpointList {
        checkpoints: list
            .into_iter()
            .map(|c| CheckpointInfo {
                tree_size: c.tree_size,
                root_hash: b64(&c.root),
                time: c.signed_at,
                note: c.note,
            })
            .collect(),
    }))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct EntriesQuery {
    /// The first entry's index.
    #[param(minimum = 0)]
    pub start: i64,
    /// One past the last (at most 1000 more than `start`, and at most the
    /// latest checkpoint's size).
    #[param(minimum = 0)]
    pub end: i64,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct LogEntry {
    pub index: u64,
    /// SHA-256(0x00 || leaf_input), base64.
    pub leaf_hash: String,
    /// The canonical encoding, base64; null outside the reader's scope,
    /// while it names a bidder of a tender not yet opened, and (to a
    /// league's operators) while it tells of a committee before the result.
    pub leaf_input: Option<String>,
    /// The event; null when `leaf_input` is.
    pub event: Option<AuditEvent>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct EntryList {
    pub entries: Vec<LogEntry>,
}

/// Entries `[start, end)` of the log, as the database holds them now; an
/// entry outside the reader's scope, or naming a bidder of a tender not yet
/// opened, as its leaf hash alone.
#[utoipa::path(
    tag = "audit",
    params(EntriesQuery),
    responses(
        (status = 200, body = EntryList),
        (status = 400, body = crate::error::Problem),
        (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem)
    )
)]
#[get("/audit/log/entries")]
pub async fn entries(
    state: web::Data<AppState>,
    principal: Principal,
    req: actix_web::HttpRequest,
) -> Result<web::Json<EntryList>, AppError> {
    principal.require_any(&[Role::Operator, Role::Supervisor])?;
    let EntriesQuery { start, end } = crate::supervision::query(&req)?;
    let (start, end) = (non_negative(start, "start")?, non_negative(end, "end")?);
    if end < start || end - start > MAX_ENTRIES {
        return Err(AppError::InvalidQuery(format!(
            "entries are asked as start <= end, at most {MAX_ENTRIES} at a time"
        ))
        .because("audit.entries-range", json!({ "max": MAX_ENTRIES })));
    }
    let size = latest(&state).await?.tree_size;
    if end > size {
        return Err(AppError::InvalidQuery(format!(
            "end {end} is beyond the latest checkpoint's {size} entries"
        ))
        .because(
            "audit.beyond-log",
            json!({ "name": "end", "value": end, "size": size }),
        ));
    }
    let list = state
        .db
        .read(move |conn| {
            let reader = crate::supervision::reader(conn, &principal)?;
            Ok(crate::supervision::placed_entries(conn, start, end)?
                .into_iter()
                .map(|entry| {
                    let input = entry.event.leaf_input();
                    let visible = entry.seen_by(&reader);
                    LogEntry {
                        index: entry.index,
                        leaf_hash: b64(&merkle::leaf_hash(&input)),
                        leaf_input: visible.then(|| b64(&input)),
                        event: visible.then_some(entry.event),
                    }
                })
                .collect())
        })
        .await?;
    Ok(web::Json(EntryList { entries: list }))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct InclusionQuery {
    #[param(minimum = 0)]
    pub index: i64,
    /// The tree the proof is for: at most the latest checkpoint's size.
    #[param(minimum = 0)]
    pub tree_size: i64,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct InclusionProof {
    pub index: u64,
    pub tree_size: u64,
    /// The root of the first `tree_size` entries, base64.
    pub root_hash: String,
    /// The audit path, deepest first, base64.
    pub hashes: Vec<String>,
}

async fn check_size(state: &AppState, size: u64, name: &str) -> Result<(), AppError> {
    let latest = latest(state).await?.tree_size;
    if size > latest {
        return Err(AppError::InvalidQuery(format!(
            "{name} {size} is beyond the log: the latest checkpoint has {latest} entries"
        ))
        .because(
            "audit.beyond-log",
            json!({ "name": name, "value": size, "size": latest }),
        ));
    }
    Ok(())
}

/// The inclusion proof of entry `index` in the tree of `tree_size` entries.
#[utoipa::path(
    tag = "audit",
    params(InclusionQuery),
    responses((status = 200, body = InclusionProof), (status = 400, body = crate::error::Problem))
)]
#[get("/audit/log/proof/inclusion")]
pub async fn inclusion(
    state: web::Data<AppState>,
    query: web::Query<InclusionQuery>,
) -> Result<web::Json<InclusionProof>, AppError> {
    let InclusionQuery { index, tree_size } = query.into_inner();
    let (index, tree_size) = (
        non_negative(index, "index")?,
        non_negative(tree_size, "tree_size")?,
    );
    check_size(&state, tree_size, "tree_size").await?;
    if index >= tree_size {
        return Err(AppError::InvalidQuery(format!(
            "index {index} is not in a tree of {tree_size} entries"
        ))
        .because(
            "audit.index-outside-tree",
            json!({ "index": index, "size": tree_size }),
        ));
    }
    let (root, hashes) = state
        .db
        .read(move |conn| {
            tlog::with_nodes(conn, |get| {
                (
                    merkle::root(tree_size, get),
                    merkle::inclusion_proof(index, tree_size, get),
                )
            })
        })
        .await?;
    Ok(web::Json(InclusionProof {
        index,
        tree_size,
        root_hash: b64(&root),
        hashes: hashes.iter().map(|h| b64(h)).collect(),
    }))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ConsistencyQuery {
    /// The older tree's size (at least 1).
    #[param(minimum = 1)]
    pub first: i64,
    /// The newer tree's size: at least `first`, at most the latest
    /// checkpoint's size.
    #[param(minimum = 1)]
    pub second: i64,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ConsistencyProof {
    pub first: u64,
    pub second: u64,
    /// Base64, as RFC 9162 §2.1.4 orders them.
    pub hashes: Vec<String>,
}

/// The consistency proof between the trees of `first` and `second` entries.
#[utoipa::path(
    tag = "audit",
    params(ConsistencyQuery),
    responses((status = 200, body = ConsistencyProof), (status = 400, body = crate::error::Problem))
)]
#[get("/audit/log/proof/consistency")]
pub async fn consistency(
    state: web::Data<AppState>,
    query: web::Query<ConsistencyQuery>,
) -> Result<web::Json<ConsistencyProof>, AppError> {
    let ConsistencyQuery { first, second } = query.into_inner();
    let (first, second) = (
        non_negative(first, "first")?,
        non_negative(second, "second")?,
    );
    if first == 0 || first > second {
        return Err(AppError::InvalidQuery(
            "a consistency proof is between sizes 0 < first <= second".into(),
        )
        .because("audit.consistency-sizes", json!({})));
    }
    check_size(&state, second, "second").await?;
    let hashes = state
        .db
        .read(move |conn| {
            tlog::with_nodes(conn, |get| merkle::consistency_proof(first, second, get))
        })
        .await?;
    Ok(web::Json(ConsistencyProof {
        first,
        second,
        hashes: hashes.iter().map(|h| b64(h)).collect(),
    }))
}
