//! A trade's sealed reserve price (底价): set by the seller, read by nobody,
//! the platform's operators included, until quoting has closed.
//!
//! 39号令 第11条: "招标标底和拍卖挂牌的底价，在招标开标前和拍卖挂牌出让活动
//! 结束之前应当保密" (the reserve is decided collectively, and kept secret
//! until the trade ends); the property exchanges keep a transferor's
//! 保留价 the same way.
//!
//! **Sealing.** The seller writes the plain text ([`plain_text`]):
//!
//! ```text
//! ggzy-reserve-v1
//! tender <tender id>
//! reserve_fen <amount in fen>
//! salt <at least 32 hex digits, random>
//! ```
//!
//! takes its SHA-256 (`sha256sum`), the **commitment**, and encrypts it to
//! the tender's opening certificate alone (`openssl cms -encrypt -binary
//! -aes-256-gcm -recip opening.pem -outform DER`, or `-aes-256-cbc`). The
//! platform stores the envelope and puts the commitment in the audit log.
//! The opening key's private half exists only as shares in its custodians'
//! hands (`opening::custody`), so the platform cannot decrypt the envelope
//! alone, and the salt keeps the commitment from being guessed by trying
//! amounts.
//!
//! **Revealing.** Once the trade has closed and waits for its reserve
//! (`engine::Phase::AwaitingReserve`), the tender's custodians release
//! their shares, as at an opening; with enough of them the key is rebuilt,
//! the envelope decrypted, and the plain text's SHA-256 compared with the
//! commitment. A match reveals the reserve and decides the trade; anything
//! else (no reserve sealed before quoting opened, an envelope the key does
//! not open, a plain text that is not the format, names another tender or
//! does not match its commitment) records why and voids the trade, the
//! seller's fault and never a bidder's (`engine::Outcome::Void`).

use super::engine::{Command, Phase};
use super::store::{self, Record, TradeRow};
use crate::audit::{self, AuditContext};
use crate::db::schema::auction_reserves;
use crate::db::{DbConn, from_db_time, to_db_time};
use crate::error::{AppError, FieldError};
use crate::tenders::model::TenderStatus;
use crate::tenders::store::TenderRow;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::Deserialize;
use serde_json::json;

/// The plain text's first line.
pub const FORMAT: &str = "ggzy-reserve-v1";
/// The least salt, in hex digits (128 bits).
pub const MIN_SALT_HEX: usize = 32;
/// The most an envelope may weigh: a few hundred bytes of text, wrapped.
pub const MAX_ENVELOPE: usize = 64 * 1024;

/// The plain text a reserve is sealed as (see the module).
pub fn plain_text(tender_id: &str, reserve_fen: i64, salt_hex: &str) -> String {
    format!("{FORMAT}\ntender {tender_id}\nreserve_fen {reserve_fen}\nsalt {salt_hex}\n")
}

/// The commitment to a plain text: its SHA-256, lowercase hex.
pub fn commitment(plain: &[u8]) -> String {
    crate::identity::hex(&openssl::sha::sha256(plain))
}

/// Reads a revealed plain text: the reserve, or why it is not one for
/// this tender.
pub fn read_plain(tender_id: &str, plain: &[u8]) -> Result<i64, String> {
    let text = std::str::from_utf8(plain).map_err(|_| "the plain text is not UTF-8".to_string())?;
    let lines: Vec<&str> = text
        .strip_suffix('\n')
        .unwrap_or(text)
        .split('\n')
        .collect();
    let [format, tender, reserve, salt] = lines.as_slice() else {
        return Err(format!("the plain text is not four lines of {FORMAT}"));
    };
    if *format != FORMAT {
        return Err(format!("the plain text does not begin with {FORMAT}"));
    }
    if tender.strip_prefix("tender ") != Some(tender_id) {
        return Err("the plain text names another tender".into());
    }
    let amount = reserve
        .strip_prefix("reserve_fen ")
        .and_then(|a| a.parse::<i64>().ok())
        .filter(|a| (0..=super::engine::MAX_AMOUNT_FEN).contains(a))
        .ok_or_else(|| "the plain text's reserve_fen is not an amount in fen".to_string())?;
    let salt = salt.strip_prefix("salt ").unwrap_or_default();
    if salt.len() < MIN_SALT_HEX || !salt.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(format!(
            "the plain text's salt is not {MIN_SALT_HEX} or more hex digits"
        ));
    }
    Ok(amount)
}

/// A reserve as the seller seals it (`PUT /tenders/{id}/auction/reserve`).
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SealInput {
    /// The CMS envelope (EnvelopedData or AuthEnvelopedData) of the plain
    /// text, encrypted to the tender's opening certificate alone: DER in
    /// base64, or PEM.
    #[schema(max_length = 90000)]
    pub envelope: String,
    /// The plain text's SHA-256, 64 hex digits.
    #[schema(min_length = 64, max_length = 64)]
    pub commitment: String,
}

fn invalid(field: &'static str, message: &str, reason: &'static str) -> AppError {
    AppError::invalid_field(FieldError::new(field, message).because(reason, json!({})))
}

/// Seals a trade's reserve: by its seller (the tender's tenderer or agent,
/// not the centre's operators), once the tender is published (its opening
/// certificate exists) and before quoting opens, once.
pub fn seal(
    conn: &mut DbConn,
    ctx: &AuditContext,
    row: &TenderRow,
    trade: &TradeRow,
    input: &SealInput,
) -> Result<store::ReserveView, AppError> {
    let terms = trade.terms()?;
    if !terms.reserve_sealed {
        return Err(AppError::Conflict(
            "this trade's terms have no sealed reserve: set reserve_sealed when the trade is set up".into(),
        )
        .because("auction.no-reserve", json!({})));
    }
    let status = row.status()?;
    if status != TenderStatus::Published {
        return Err(AppError::IllegalTransition(format!(
            "the tender is {}: a reserve is sealed once it is published (to its opening certificate) and before quoting opens",
            status.code()
        ))
        .because(
            "auction.reserve-seal-not-now",
            json!({ "status": status.code() }),
        ));
    }
    let recorded = !store::events(conn, &row.id)?.is_empty();
    if ctx.now >= terms.starts_at || recorded {
        return Err(AppError::IllegalTransition(format!(
            "quoting opened at {}: a reserve is sealed before",
            crate::reasons::time(terms.starts_at)
        ))
        .because(
            "auction.reserve-too-late",
            json!({ "starts_at": crate::reasons::time(terms.starts_at) }),
        ));
    }
    if let Some(sealed) = store::reserve_row(conn, &row.id)? {
        return Err(AppError::Conflict(format!(
            "the reserve was sealed at {} and stays as sealed",
            crate::reasons::time(from_db_time(sealed.sealed_at))
        ))
        .because("auction.reserve-sealed-already", json!({})));
    }
    let commitment = input.commitment.trim().to_ascii_lowercase();
    if commitment.len() != 64 || !commitment.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(invalid(
            "commitment",
            "the commitment is the plain text's SHA-256: 64 hex digits",
            "auction.reserve-commitment",
        ));
    }
    let envelope = crate::pki::pem_or_base64(input.envelope.trim())
        .filter(|b| !b.is_empty())
        .ok_or_else(|| {
            invalid(
                "envelope",
                "expected the CMS envelope as base64 DER or PEM",
                "encoding.base64",
            )
        })?;
    if envelope.len() > MAX_ENVELOPE {
        return Err(invalid(
            "envelope",
            "the envelope is larger than a reserve's plain text could make it",
            "auction.reserve-envelope",
        ));
    }
    let certificate = crate::opening::store::opening_certificate(conn, &row.id)?
        .ok_or_else(|| AppError::not_found("opening key"))?;
    let outer =
        crate::bids::envelope::unwrap_outer(envelope.as_slice(), std::io::sink()).map_err(|e| {
            AppError::invalid_field(
                FieldError::new("envelope", format!("the reserve's envelope: {e}"))
                    .because("auction.reserve-envelope", json!({})),
            )
        })?;
    let recipients = &outer.envelope.recipients;
    if outer.signers.is_some()
        || recipients.len() != 1
        || !outer.envelope.addressed_to(&certificate)
    {
        return Err(AppError::invalid_field(
            FieldError::new(
                "envelope",
                "the reserve is encrypted to the tender's opening certificate and to nobody else, unsigned (openssl cms -encrypt -recip opening.pem)",
            )
            .because("auction.reserve-recipients", json!({ "recipients": recipients.len() })),
        ));
    }
    let envelope_sha256 = crate::identity::hex(&openssl::sha::sha256(&envelope));
    let sealed_by = ctx
        .principal
        .user_id
        .as_ref()
        .map(|u| u.to_string())
        .ok_or_else(crate::identity::sign_in_first)?;
    diesel::insert_into(auction_reserves::table)
        .values((
            auction_reserves::tender_id.eq(&row.id),
            auction_reserves::envelope.eq(&envelope),
            auction_reserves::envelope_sha256.eq(&envelope_sha256),
            auction_reserves::commitment.eq(&commitment),
            auction_reserves::sealed_by.eq(&sealed_by),
            auction_reserves::sealed_at.eq(to_db_time(ctx.now)),
        ))
        .execute(conn)?;
    audit::record(
        conn,
        ctx,
        "auction.reserve_sealed",
        store::TRADE_OBJECT,
        &row.id,
        Some(&row.id),
        &json!({ "commitment": commitment, "envelope_sha256": envelope_sha256 }),
    )?;
    store::reserve_view(conn, trade, None)
}

/// Whether the trade waits for its reserve now (its record caught up).
pub fn awaiting(conn: &mut DbConn, trade: &TradeRow) -> Result<bool, AppError> {
    let (state, _, _) = store::state(conn, trade)?;
    Ok(matches!(state.phase(), Phase::AwaitingReserve { .. }))
}

/// What the record can say of the reserve without the custodians: a trade
/// waiting for a reserve that was never sealed is void at once. Call it
/// under the tender's lock, after the record has caught up with the time.
pub fn void_if_unsealed(
    conn: &mut DbConn,
    trade: &TradeRow,
    now: DateTime<Utc>,
) -> Result<Record, AppError> {
    if !trade.terms()?.reserve_sealed
        || store::reserve_row(conn, &trade.tender_id)?.is_some()
        || !awaiting(conn, trade)?
    {
        return Ok(Vec::new());
    }
    let why = "no reserve was sealed before quoting opened".to_string();
    record_system(conn, trade, &Command::ReserveFailed { why }, now)
}

/// The engine's answer to the reserve, recorded by the system.
fn record_system(
    conn: &mut DbConn,
    trade: &TradeRow,
    command: &Command,
    now: DateTime<Utc>,
) -> Result<Record, AppError> {
    let ctx = AuditContext::system(now);
    let (decided, mut recorded) = store::act(conn, &ctx, trade, command, now, None)?;
    recorded.extend(decided.map_err(store::refused)?);
    Ok(recorded)
}

/// A custodian's share released for the reserve (checked against its
/// commitment, as at an opening), once the trade has closed and waits for
/// its reserve; with enough shares in, the reserve is revealed. Under the
/// tender's lock. Returns the release and the events recorded on the way
/// (the time's, then the reveal's).
pub fn release(
    conn: &mut DbConn,
    ctx: &AuditContext,
    trade: &TradeRow,
    releaser: &crate::opening::store::Releaser,
    plain: &[u8],
) -> Result<(crate::opening::store::Released, Record), AppError> {
    use crate::opening::store::Released;
    let now = ctx.now;
    let mut recorded = store::catch_up(conn, trade, now)?;
    recorded.extend(void_if_unsealed(conn, trade, now)?);
    let (state, _, _) = store::state(conn, trade)?;
    match state.phase() {
        Phase::AwaitingReserve { .. } => {}
        Phase::Decided { .. } => {
            return Err(AppError::Conflict(
                "the trade is decided: its reserve needs no more shares".into(),
            )
            .because("auction.reserve-decided", json!({})));
        }
        _ => {
            return Err(AppError::IllegalTransition(
                "the reserve is revealed after quoting closes, and not before: nobody gathers shares ahead of time".into(),
            )
            .because("auction.reserve-not-due", json!({})));
        }
    }
    let released = crate::opening::store::release(conn, ctx, &trade.tender_id, releaser, plain)?;
    if let Released::Accepted {
        released: n,
        threshold,
        ..
    } = &released
        && n >= threshold
    {
        recorded.extend(reveal(conn, trade, now)?);
    }
    Ok((released, recorded))
}

/// With enough shares released, rebuilds the opening key, opens the
/// envelope and checks it against its commitment: the reserve revealed,
/// or why not (the trade then void). The released shares are erased
/// either way. Call it under the tender's lock, the trade waiting for its
/// reserve.
pub fn reveal(conn: &mut DbConn, trade: &TradeRow, now: DateTime<Utc>) -> Result<Record, AppError> {
    let sealed = store::reserve_row(conn, &trade.tender_id)?;
    let (plain, judged) = match &sealed {
        None => (
            None,
            Err("no reserve was sealed before quoting opened".to_string()),
        ),
        Some(sealed) => match open(conn, &trade.tender_id, &sealed.envelope) {
            Ok(plain) => {
                let judged = if commitment(&plain) != sealed.commitment {
                    Err("the revealed plain text does not match the commitment made when the reserve was sealed".to_string())
                } else {
                    read_plain(&trade.tender_id, &plain)
                };
                (Some(plain), judged)
            }
            Err(why) => (None, Err(why)),
        },
    };
    crate::opening::store::erase_released(conn, &trade.tender_id)?;
    if sealed.is_some() {
        diesel::update(auction_reserves::table.find(&trade.tender_id))
            .set((
                auction_reserves::revealed_at.eq(to_db_time(now)),
                auction_reserves::revealed_plain.eq(plain.as_deref()),
            ))
            .execute(conn)?;
    }
    let command = match judged {
        Ok(reserve_fen) => Command::RevealReserve { reserve_fen },
        Err(why) => Command::ReserveFailed { why },
    };
    record_system(conn, trade, &command, now)
}

/// Opens the sealed envelope with the key rebuilt from the released
/// shares: its plain text, or why it does not open.
fn open(conn: &mut DbConn, tender_id: &str, envelope: &[u8]) -> Result<Vec<u8>, String> {
    let (key, certificate) = crate::opening::run::rebuild_key(conn, tender_id)
        .map_err(|e| format!("the opening key could not be rebuilt: {e}"))?;
    openssl::cms::CmsContentInfo::from_der(envelope)
        .and_then(|cms| cms.decrypt(&key, &certificate))
        .map_err(|_| "the envelope does not open with the tender's opening key".to_string())
}

/// What a replay finds wrong with a record's reveal (pure): a revealed
/// reserve must be what the published plain text says, and that text must
/// be what the commitment made at sealing says; a failed reveal must have
/// had a reason to fail.
pub fn findings(
    tender_id: &str,
    reserve: Option<&store::ReserveView>,
    events: &[super::engine::Recorded],
) -> Vec<String> {
    use super::engine::Event;
    let mut out = Vec::new();
    let plain = reserve
        .and_then(|r| r.revealed_plain.as_deref())
        .and_then(|b| openssl::base64::decode_block(b).ok());
    let committed = reserve.and_then(|r| r.commitment.as_deref());
    let judged = match (&plain, committed) {
        (Some(plain), Some(c)) if commitment(plain) == c => read_plain(tender_id, plain),
        (Some(_), Some(_)) => Err("the plain text does not match the commitment".to_string()),
        _ => Err("no plain text and commitment were published".to_string()),
    };
    for r in events {
        match &r.event {
            Event::ReserveRevealed { reserve_fen } => match &judged {
                Ok(amount) if amount == reserve_fen => {}
                Ok(amount) => out.push(format!(
                    "the reserve revealed is {reserve_fen} fen, but the sealed plain text says {amount}"
                )),
                Err(why) => out.push(format!(
                    "a reserve of {reserve_fen} fen was revealed, but {why}"
                )),
            },
            Event::ReserveFailed { .. } => {
                if let Ok(amount) = &judged {
                    out.push(format!(
                        "the reveal was failed, but the published plain text matches its commitment and names {amount} fen"
                    ));
                }
            }
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const SALT: &str = "00112233445566778899aabbccddeeff";

    #[test]
    fn the_plain_text_is_read_back_for_its_own_tender_only() {
        let text = plain_text("t1", 123_400, SALT);
        assert_eq!(read_plain("t1", text.as_bytes()), Ok(123_400));
        assert_eq!(read_plain("t1", text.trim_end().as_bytes()), Ok(123_400));
        assert!(
            read_plain("t2", text.as_bytes())
                .unwrap_err()
                .contains("another tender")
        );
        let short = plain_text("t1", 1, "abcd");
        assert!(
            read_plain("t1", short.as_bytes())
                .unwrap_err()
                .contains("salt")
        );
        let negative = plain_text("t1", -1, SALT);
        assert!(
            read_plain("t1", negative.as_bytes())
                .unwrap_err()
                .contains("reserve_fen")
        );
        let other = text.replace(FORMAT, "ggzy-reserve-v0");
        assert!(read_plain("t1", other.as_bytes()).is_err());
        assert!(read_plain("t1", b"\xff\xfe").is_err());
        assert!(read_plain("t1", format!("{text}extra\n").as_bytes()).is_err());
    }

    #[test]
    fn the_commitment_is_the_plain_texts_sha256() {
        // printf 'abc' | sha256sum
        assert_eq!(
            commitment(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
