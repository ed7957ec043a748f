//! Deposits told by the bank: a bank registered for a league (`ggzy banks
//! add`, which makes its HMAC key) posts a notification when an applicant's
//! deposit arrives, signed with HMAC-SHA256 over the exact body. The
//! platform checks the signature (in constant time), that the bank serves
//! the tender's league, that the amount covers the trade's deposit and that
//! the payer applied; then confirms the deposit as the organiser would. The
//! same (bank, reference) again is answered as the first time and changes
//! nothing; the same reference for another payment is refused.

use super::store::{self, DepositSource};
use crate::audit::{self, AuditContext};
use crate::db::schema::{deposit_banks, deposit_notifications, organisations};
use crate::db::{DbConn, to_db_time};
use crate::error::AppError;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::json;

/// The header naming the bank.
pub const BANK_HEADER: &str = "X-GGZY-Bank";
/// The header carrying HMAC-SHA256(key, body), lower-case hex.
pub const SIGNATURE_HEADER: &str = "X-GGZY-Signature";

/// A notification's body (the bytes signed).
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Notification {
    /// The bank's reference for the transfer: once per bank.
    #[schema(min_length = 1, max_length = 128)]
    pub reference: String,
    pub tender_id: String,
    /// The payer's unified social credit code.
    #[schema(min_length = 18, max_length = 18)]
    pub payer_credit_code: String,
    pub amount_fen: i64,
    pub paid_at: DateTime<Utc>,
}

/// What the bank is answered.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = DepositAcknowledgement)]
pub struct Acknowledgement {
    pub bank: String,
    pub reference: String,
    /// The deposit is confirmed for the payer's application.
    pub confirmed: bool,
    /// This reference was notified before: nothing changed now.
    pub duplicate: bool,
}

fn signature_refused() -> AppError {
    AppError::Unauthenticated(format!(
        "a deposit notification names its bank in {BANK_HEADER} and carries HMAC-SHA256 of the exact body under the bank's key, in lower-case hex, in {SIGNATURE_HEADER}"
    ))
    .because("deposit.signature-invalid", json!({}))
}

fn hex_decode(text: &str) -> Option<Vec<u8>> {
    let lower = |b: u8| b.is_ascii_digit() || (b'a'..=b'f').contains(&b);
    if text.len() != 64 || !text.bytes().all(lower) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).ok())
        .collect()
}

/// HMAC-SHA256 of `body` under `key` (OpenSSL's).
pub fn hmac(key: &[u8], body: &[u8]) -> Result<Vec<u8>, AppError> {
    let key = openssl::pkey::PKey::hmac(key)
        .map_err(|e| AppError::Internal(anyhow::Error::new(e).context("an HMAC key")))?;
    let mut signer = openssl::sign::Signer::new(openssl::hash::MessageDigest::sha256(), &key)
        .map_err(|e| AppError::Internal(anyhow::Error::new(e).context("HMAC")))?;
    signer
        .sign_oneshot_to_vec(body)
        .map_err(|e| AppError::Internal(anyhow::Error::new(e).context("HMAC")))
}

/// The bank a request is from, if its signature holds.
pub fn authenticate(
    conn: &mut DbConn,
    bank: Option<&str>,
    signature: Option<&str>,
    body: &[u8],
) -> Result<(String, String), AppError> {
    let (Some(bank), Some(signature)) = (bank, signature) else {
        return Err(signature_refused());
    };
    let Some(given) = hex_decode(signature) else {
        return Err(signature_refused());
    };
    let found: Option<(String, Vec<u8>)> = deposit_banks::table
        .find(bank)
        .select((deposit_banks::league_code, deposit_banks::hmac_key))
        .first(conn)
        .optional()?;
    // An unknown bank is refused as a wrong signature is: nothing says
    // which banks exist.
    let Some((league, key)) = found else {
        return Err(signature_refused());
    };
    let expected = hmac(&key, body)?;
    if !openssl::memcmp::eq(&expected, &given) {
        return Err(signature_refused());
    }
    Ok((bank.to_string(), league))
}

/// Records a notification from `bank` (of `league`), authenticated.
pub fn notify(
    conn: &mut DbConn,
    now: DateTime<Utc>,
    bank: &str,
    league: &str,
    body: &[u8],
    n: &Notification,
) -> Result<Acknowledgement, AppError> {
    crate::error::text_field("reference", &n.reference, true, 128)?;
    let body_sha256 = crate::identity::hex(&openssl::sha::sha256(body));
    let ack = |duplicate| Acknowledgement {
        bank: bank.to_string(),
        reference: n.reference.clone(),
        confirmed: true,
        duplicate,
    };
    let tender =
        crate::types::TenderId::parse(&n.tender_id).ok_or_else(|| AppError::not_found("tender"))?;
    crate::tenders::store::lock(conn, &tender)?;
    let seen: Option<(String, String, i64)> = deposit_notifications::table
        .find((bank, &n.reference))
        .select((
            deposit_notifications::tender_id,
            deposit_notifications::body_sha256,
            deposit_notifications::amount_fen,
        ))
        .first(conn)
        .optional()?;
    if let Some((tender_id, sha, _)) = seen {
        if tender_id == tender.as_str() && sha == body_sha256 {
            return Ok(ack(true));
        }
        return Err(AppError::Conflict(format!(
            "the reference {} of bank {bank} was notified before for another payment",
            n.reference
        ))
        .because("deposit.reference-reused", json!({})));
    }
    let row = crate::tenders::store::load_row(conn, &tender)?;
    if row.league_code != league {
        return Err(AppError::Forbidden(format!(
            "bank {bank} serves league {league}'s trades; this tender is league {}'s",
            row.league_code
        ))
        .because(
            "deposit.other-league",
            json!({ "mine": league, "other": row.league_code }),
        ));
    }
    let trade = store::require(conn, &row.id)?;
    if n.amount_fen < trade.deposit_fen {
        return Err(AppError::TradeRefused(format!(
            "the trade's deposit is {} yuan; {} yuan does not cover it",
            crate::reasons::yuan(trade.deposit_fen),
            crate::reasons::yuan(n.amount_fen)
        ))
        .because(
            "deposit.amount-short",
            json!({ "required": crate::reasons::yuan(trade.deposit_fen) }),
        ));
    }
    let org: Option<String> = organisations::table
        .filter(organisations::credit_code.eq(&n.payer_credit_code))
        .select(organisations::id)
        .first(conn)
        .optional()?;
    let applied = match org {
        Some(org) => store::applicant(conn, &row.id, &org)?.map(|_| org),
        None => None,
    };
    let Some(org) = applied else {
        return Err(AppError::TradeRefused(
            "the payer has not applied to this trade: its deposit is confirmed once it applies, by the organiser".into(),
        )
        .because("deposit.no-applicant", json!({})));
    };
    let ctx = AuditContext::system(now);
    store::confirm_deposit(conn, &ctx, &trade, &org, DepositSource::Bank, &n.reference)?;
    diesel::insert_into(deposit_notifications::table)
        .values((
            deposit_notifications::bank_code.eq(bank),
            deposit_notifications::reference.eq(&n.reference),
            deposit_notifications::tender_id.eq(&row.id),
            deposit_notifications::org_id.eq(&org),
            deposit_notifications::amount_fen.eq(n.amount_fen),
            deposit_notifications::paid_at.eq(to_db_time(n.paid_at)),
            deposit_notifications::body_sha256.eq(&body_sha256),
            deposit_notifications::received_at.eq(to_db_time(now)),
        ))
        .execute(conn)?;
    audit::record(
        conn,
        &ctx,
        "auction.deposit_notified",
        store::APPLICANT_OBJECT,
        &org,
        Some(&row.id),
        &json!({ "bank": bank, "reference": n.reference, "amount_fen": n.amount_fen,
                 "paid_at": n.paid_at, "body_sha256": body_sha256 }),
    )?;
    Ok(ack(false))
}

/// Registers a bank for a league; returns its HMAC key (hex), shown once.
pub fn add(
    conn: &mut DbConn,
    ctx: &AuditContext,
    code: &str,
    league: &str,
    name: &str,
) -> Result<String, AppError> {
    if code.is_empty()
        || code.len() > 32
        || !code
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-')
    {
        return Err(AppError::invalid_field(
            crate::error::FieldError::new("code", "1 to 32 of A-Z, 0-9 and -")
                .because("text.too-long", json!({ "max": 32 })),
        ));
    }
    crate::error::text_field("name", name, true, 200)?;
    let mut key = [0u8; 32];
    openssl::rand::rand_bytes(&mut key)
        .map_err(|e| AppError::Internal(anyhow::Error::new(e).context("a bank key")))?;
    diesel::insert_into(deposit_banks::table)
        .values((
            deposit_banks::code.eq(code),
            deposit_banks::league_code.eq(league),
            deposit_banks::name.eq(name),
            deposit_banks::hmac_key.eq(key.as_slice()),
            deposit_banks::created_at.eq(to_db_time(ctx.now)),
        ))
        .execute(conn)?;
    audit::record(
        conn,
        ctx,
        "bank.added",
        "bank",
        code,
        None,
        &json!({ "league": league, "name": name,
                 "key_sha256": crate::identity::hex(&openssl::sha::sha256(&key)) }),
    )?;
    Ok(crate::identity::hex(&key))
}
