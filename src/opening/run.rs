//! The opening itself. Once k shares are released the platform rebuilds the
//! opening key in memory, opens every current bid one by one (decrypt,
//! verify the inner signature, the seal and the signer's league recognition
//! at the signing time, read the price schedule), records each result in
//! its own transaction, and finally publishes the opening record; fewer
//! valid bids than the procedure's minimum (`tenders::limits`) fail the
//! tender. The key and the released shares are wiped when it ends. A
//! server stopped half way resumes where it stopped: bids already recorded
//! are not opened again.
//!
//! Before any of that, once every bid that arrived before the deadline is
//! recorded: where the procedure counts bidders at the deadline (tendering:
//! 招标投标法实施条例 第44条, 87号令 第43条), fewer of them than its minimum
//! means the bids are **not opened**. Nothing is decrypted, the key is
//! never rebuilt, the released shares (if any) are erased, and the tender
//! fails with a notice citing the rule; the bids stay stored as they were
//! submitted, sealed.

use super::OpeningStatus;
use super::record::{Found, OpenedBid, Outcome, opened_bid, opened_bids, opening_status};
use crate::app::AppState;
use crate::audit::AuditContext;
use crate::bids::store::{self as bids, BidRow};
use crate::db::schema::{bid_openings, openings};
use crate::db::{DbConn, from_db_time, to_db_time};
use crate::error::AppError;
use crate::tenders::limits::{self, MinimumBids};
use crate::tenders::model::TenderStatus;
use crate::tenders::notice_words::OpeningResult;
use crate::tenders::store::{self as tenders, TenderRow};
use crate::types::TenderId;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use futures_util::StreamExt as _;
use openssl::pkey::{PKey, Private};
use openssl::x509::X509;
use serde::Serialize;

/// Starts the opening of a tender in the background if enough shares are
/// in and it is not already running; or, once every bid that arrived in
/// time is recorded, ends it unopened if there are fewer bidders than the
/// procedure's minimum ([`not_opened_if_too_few`]). Called when the opening
/// starts, after each release and each bid recorded, and for every
/// unfinished opening when the server starts and every
/// [`RESUME_EVERY`] after.
pub async fn start_if_ready(state: &actix_web::web::Data<AppState>, tender_id: &str) {
    let id = TenderId::from_db(tender_id.to_string());
    let now = state.clock.now();
    let settings = state.ocds.clone();
    // Bids that arrived before the deadline and are still being checked go
    // in first; their submission calls here again when done.
    let arriving = state.uploads.any_arriving(tender_id);
    let ready = crate::hall::write_then_publish(&state.db, &state.hall.hub, move |conn| {
        tenders::lock(conn, &id)?;
        let Some(status) = opening_status(conn, id.as_str())? else {
            return Ok((false, vec![]));
        };
        // And those being checked on other nodes.
        let arriving = arriving
            || (status == OpeningStatus::CollectingShares
                && crate::bids::arrivals::any(conn, id.as_str(), now)?);
        // Every bidder is in: are there enough to open?
        if status == OpeningStatus::CollectingShares
            && !arriving
            && let Some(events) = not_opened_if_too_few(conn, &settings, &id, now)?
        {
            return Ok((false, events));
        }
        let (released, threshold) = super::store::release_count(conn, id.as_str())?;
        match status {
            OpeningStatus::CollectingShares if released >= threshold && !arriving => {
                diesel::update(openings::table.find(id.as_str()))
                    .set((
                        openings::status.eq(OpeningStatus::Decrypting.code()),
                        openings::decrypting_at.eq(to_db_time(now)),
                    ))
                    .execute(conn)?;
                crate::audit::record(
                    conn,
                    &AuditContext::system(now),
                    "opening.decrypting",
                    "opening",
                    id.as_str(),
                    Some(id.as_str()),
                    &serde_json::json!({ "shares": released, "threshold": threshold }),
                )?;
                let event = crate::hall::store::append(
                    conn,
                    &id,
                    "opening.decrypting",
                    &serde_json::json!({ "shares": released, "threshold": threshold }),
                    now,
                )?;
                Ok((claim(conn, id.as_str(), now)?, vec![event]))
            }
            OpeningStatus::Decrypting => Ok((claim(conn, id.as_str(), now)?, vec![])),
            _ => Ok((false, vec![])),
        }
    })
    .await;
    match ready {
        Ok(true) => {
            if !state.openings_running.begin(tender_id) {
                return;
            }
            let state = state.clone();
            let id = tender_id.to_string();
            actix_web::rt::spawn(async move {
                // The lease is renewed while the opening runs, and ends
                // with it (a node that dies stops renewing).
                let renewing = actix_web::rt::spawn(renew_while_running(state.clone(), id.clone()));
                match run(&state, &id).await {
                    Ok(()) => {}
                    Err(AppError::Conflict(why)) => {
                        tracing::warn!(tender = %id, %why, "the opening is another node's now");
                    }
                    Err(e) => {
                        tracing::error!(tender = %id, error = %e, "the opening stopped; it resumes on the next release or restart");
                    }
                }
                renewing.abort();
                let (db, tender) = (state.db.clone(), id.clone());
                if let Err(e) = db.write(move |conn| release(conn, &tender)).await {
                    tracing::warn!(tender = %id, error = %e, "giving the opening's lease back");
                }
                state.openings_running.end(&id);
            });
        }
        Ok(false) => {}
        Err(e) => tracing::error!(tender = %tender_id, error = %e, "checking whether to open"),
    }
}

/// What the record of an opening that opened nothing says.
#[derive(Serialize)]
struct NotOpenedRecord<'a> {
    not_opened_at: DateTime<Utc>,
    /// Bidders (current bids) at the deadline.
    bidders: usize,
    minimum: u32,
    result: &'a str,
    basis: &'a str,
    /// The bids, kept as submitted and never decrypted.
    bid_ids: Vec<&'a str>,
}

/// Inside the opening's transaction, once every bid that arrived before the
/// deadline is recorded: if the tender's procedure counts bidders at the
/// deadline and there are fewer than its minimum (招标投标法实施条例 第44条:
/// "投标人少于3个的，不得开标"; 87号令 第43条; see `tenders::limits`), the
/// bids are not opened. The opening ends `not_opened` with its record, the
/// released shares (if any) are erased, the enterprises that bid are told,
/// and the tender fails with a notice citing the rule, in Chinese and
/// English. Nothing is decrypted and the key is never rebuilt; the bids
/// stay stored, sealed, as submitted. Returns the hall's events, or `None`
/// if the opening goes on.
fn not_opened_if_too_few(
    conn: &mut DbConn,
    settings: &crate::opendata::OcdsSettings,
    id: &TenderId,
    now: DateTime<Utc>,
) -> Result<Option<Vec<crate::hall::store::HallEvent>>, AppError> {
    let row = tenders::load_row(conn, id)?;
    if row.status()? != TenderStatus::Opening {
        return Ok(None);
    }
    let facts = row.facts()?;
    let rule = limits::minimum_bids(facts.category, facts.method)?;
    let current = bids::current_bids(conn, &row.id)?;
    let (Some(reason), MinimumBids::AtLeast { bids, basis, .. }) =
        (rule.not_opened_reason(current.len()), rule)
    else {
        return Ok(None);
    };
    let result = format!(
        "not opened: {} bidder(s) at the deadline, fewer than {bids}",
        current.len()
    );
    let record = NotOpenedRecord {
        not_opened_at: now,
        bidders: current.len(),
        minimum: bids,
        result: &result,
        basis,
        bid_ids: current.iter().map(|b| b.id.as_str()).collect(),
    };
    let record_json = serde_json::to_string(&record).map_err(|e| AppError::Internal(e.into()))?;
    diesel::update(openings::table.find(id.as_str()))
        .set((
            openings::status.eq(OpeningStatus::NotOpened.code()),
            openings::completed_at.eq(to_db_time(now)),
            openings::record_json.eq(record_json),
        ))
        .execute(conn)?;
    super::store::erase_released(conn, id.as_str())?;
    let ctx = AuditContext::system(now);
    crate::audit::record(
        conn,
        &ctx,
        "opening.not_opened",
        "opening",
        id.as_str(),
        Some(id.as_str()),
        &record,
    )?;
    let mut events = vec![crate::hall::store::append(
        conn,
        id,
        "opening.not_opened",
        &serde_json::json!({ "bidders": current.len(), "minimum": bids, "result": result,
            "basis": basis }),
        now,
    )?];
    super::messages::not_opened(conn, &ctx, &row, &current, bids)?;
    let failed = tenders::transition(
        conn,
        &ctx,
        settings,
        &row,
        &tenders::TransitionInput {
            action: crate::tenders::lifecycle::Action::Fail,
            reason,
            custody: None,
            winner_bid_id: None,
            lots: Vec::new(),
            price_record: None,
        },
    )?;
    events.push(failed.event);
    Ok(Some(events))
}

/// How long a runner's hold on an opening lasts unless renewed.
const LEASE: chrono::Duration = chrono::Duration::seconds(10);

/// How often a runner renews its hold.
const RENEW: std::time::Duration = std::time::Duration::from_secs(3);

/// How often every node looks for openings to start or take over
/// ([`resume_all`]).
pub const RESUME_EVERY: std::time::Duration = std::time::Duration::from_secs(3);

/// Takes the opening for this node, inside its transaction: if nobody
/// runs it, this node already does, or its runner's lease has run out (a
/// node that died mid-opening). Whether this node is its runner now.
fn claim(conn: &mut DbConn, tender_id: &str, now: DateTime<Utc>) -> Result<bool, AppError> {
    let me = crate::cluster::node_id();
    let at = to_db_time(now);
    let taken = diesel::update(
        openings::table.find(tender_id).filter(
            openings::runner
                .is_null()
                .or(openings::runner.eq(me))
                .or(openings::runner_until.lt(at)),
        ),
    )
    .set((
        openings::runner.eq(me),
        openings::runner_until.eq(at + LEASE),
    ))
    .execute(conn)?;
    Ok(taken == 1)
}

/// Inside a transaction that records part of the opening: refuses
/// (`Conflict`) unless this node still holds the opening, so that of two
/// runners (a node thought dead that was only slow) only the holder
/// records; the other stops.
fn still_mine(conn: &mut DbConn, tender_id: &str) -> Result<(), AppError> {
    let runner: Option<Option<String>> = openings::table
        .find(tender_id)
        .select(openings::runner)
        .first(conn)
        .optional()?;
    match runner.flatten() {
        Some(r) if r == crate::cluster::node_id() => Ok(()),
        other => Err(AppError::Conflict(format!(
            "the opening of {tender_id} is run by {} now",
            other.as_deref().unwrap_or("no node")
        ))
        .because("opening.run-elsewhere", serde_json::json!({}))),
    }
}

/// Gives the opening's lease back (the opening ended or stopped here).
fn release(conn: &mut DbConn, tender_id: &str) -> Result<(), AppError> {
    diesel::update(
        openings::table
            .find(tender_id)
            .filter(openings::runner.eq(crate::cluster::node_id())),
    )
    .set((
        openings::runner.eq(None::<String>),
        openings::runner_until.eq(None::<chrono::NaiveDateTime>),
    ))
    .execute(conn)?;
    Ok(())
}

/// Renews this node's lease on an opening every [`RENEW`] until aborted.
async fn renew_while_running(state: actix_web::web::Data<AppState>, tender_id: String) {
    let mut tick = actix_web::rt::time::interval(RENEW);
    loop {
        tick.tick().await;
        let until = to_db_time(state.clock.now() + LEASE);
        let id = tender_id.clone();
        let renewed = state
            .db
            .write(move |conn| {
                Ok(diesel::update(
                    openings::table
                        .find(&id)
                        .filter(openings::runner.eq(crate::cluster::node_id())),
                )
                .set(openings::runner_until.eq(until))
                .execute(conn)?)
            })
            .await;
        match renewed {
            Ok(1) => {}
            Ok(_) => return,
            Err(e) => {
                tracing::warn!(tender = %tender_id, error = %e, "renewing the opening's lease")
            }
        }
    }
}

/// Resumes every opening left unfinished (decrypting when the server
/// stopped or its runner died, or with enough shares but not yet started);
/// called at start-up and then every [`RESUME_EVERY`] on every node, so an
/// opening that stopped on an error is retried, and one whose node died is
/// taken over once its lease has run out.
pub async fn resume_all(state: &actix_web::web::Data<AppState>) {
    let pending = state
        .db
        .read(|conn| {
            Ok(openings::table
                .filter(openings::status.eq_any([
                    OpeningStatus::Decrypting.code(),
                    OpeningStatus::CollectingShares.code(),
                ]))
                .select(openings::tender_id)
                .load::<String>(conn)?)
        })
        .await;
    match pending {
        Ok(ids) => {
            for id in ids {
                start_if_ready(state, &id).await;
            }
        }
        Err(e) => tracing::error!(error = %e, "finding interrupted openings"),
    }
}

/// Rebuilds the key from the released shares.
pub fn rebuild_key(conn: &mut DbConn, tender_id: &str) -> Result<(PKey<Private>, X509), AppError> {
    let certificate = super::store::opening_certificate(conn, tender_id)?.ok_or_else(|| {
        AppError::Internal(anyhow::anyhow!("tender {tender_id} has no opening key"))
    })?;
    let released = super::store::released_shares(conn, tender_id)?;
    let mut shares = Vec::with_capacity(released.len());
    for share in &released {
        shares.push(
            super::custody::read_share(share.bytes())
                .map_err(|e| AppError::Internal(anyhow::anyhow!("a released share: {e}")))?,
        );
    }
    let key = super::custody::reconstruct(&shares, &certificate);
    for share in &mut shares {
        super::custody::wipe(&mut share.y);
    }
    let key =
        key.map_err(|e| AppError::Internal(anyhow::anyhow!("rebuilding the opening key: {e}")))?;
    Ok((key, certificate))
}

/// Opens every current bid not yet opened, then completes the opening.
async fn run(state: &actix_web::web::Data<AppState>, tender_id: &str) -> Result<(), AppError> {
    use crate::db::schema::organisations;
    let id = TenderId::from_db(tender_id.to_string());
    let snapshot = state.trust.get(&state.db, state.clock.now()).await?;
    let (key, certificate, tender, pending) = {
        let id = id.clone();
        state
            .db
            .read(move |conn| {
                let tender = tenders::load_row(conn, &id)?;
                let (key, cert) = rebuild_key(conn, &tender.id)?;
                let done: Vec<String> = bid_openings::table
                    .filter(bid_openings::tender_id.eq(&tender.id))
                    .select(bid_openings::bid_id)
                    .load(conn)?;
                let mut pending = Vec::new();
                for bid in bids::current_bids(conn, &tender.id)? {
                    if done.contains(&bid.id) {
                        continue;
                    }
                    let credit: Option<String> = organisations::table
                        .find(&bid.bidder_org_id)
                        .select(organisations::credit_code)
                        .first(conn)?;
                    pending.push((bid, credit));
                }
                Ok((key, cert, tender, pending))
            })
            .await?
    };
    let key = std::sync::Arc::new(key);
    // Bids are decrypted and checked on as many blocking threads as there
    // are cores, a few ahead of the one being recorded, within a budget of
    // bid bytes (each streams through working files of about three times
    // its size): small bids go together, a large one alone. They are
    // recorded one by one, in order.
    let ahead = std::thread::available_parallelism().map_or(2, |n| n.get().clamp(2, 8));
    let budget = std::sync::Arc::new(tokio::sync::Semaphore::new(OPENING_BUDGET_MIB as usize));
    let mut opening = futures_util::stream::iter(pending)
        .map(|(bid, credit)| {
            let (state2, key, cert, tender, snapshot, budget) = (
                state.clone(),
                key.clone(),
                certificate.clone(),
                tender.clone(),
                snapshot.clone(),
                budget.clone(),
            );
            async move {
                let _room = budget
                    .acquire_many_owned(budget_for(bid.size_bytes))
                    .await
                    .map_err(|e| AppError::Internal(anyhow::anyhow!("opening budget: {e}")))?;
                let opened = actix_web::web::block({
                    let bid = bid.clone();
                    move || {
                        let cx = super::bid::Context {
                            uploads: &state2.uploads,
                            shared_dir: state2.config.shared(),
                            snapshot: &snapshot,
                            key: &key,
                            certificate: &cert,
                            tender: &tender,
                        };
                        super::bid::open_one(&cx, &bid, credit.as_deref())
                    }
                })
                .await
                .map_err(|e| AppError::Internal(anyhow::anyhow!("opening worker: {e}")))?;
                Ok::<_, AppError>((bid, opened))
            }
        })
        .buffered(ahead);
    while let Some(next) = opening.next().await {
        let (bid, opened) = next?;
        // Cancelled or failed meanwhile: record nothing more.
        let still = {
            let id = id.clone();
            state
                .db
                .read(move |conn| opening_status(conn, id.as_str()))
                .await?
        };
        if still != Some(OpeningStatus::Decrypting) {
            // The bids being decrypted are let finish, then what they kept
            // goes: an aborted opening leaves no decrypted bid behind.
            while opening.next().await.is_some() {}
            if still == Some(OpeningStatus::Aborted) {
                super::bid::purge_opened(state.config.shared(), tender_id);
            }
            return Ok(());
        }
        let now = state.clock.now();
        let tender_id = TenderId::from_db(tender.id.clone());
        crate::hall::write_then_publish(&state.db, &state.hall.hub, move |conn| {
            tenders::lock(conn, &tender_id)?;
            still_mine(conn, tender_id.as_str())?;
            let event = record_opened(conn, &tender_id, &bid, &opened, now)?;
            Ok(((), event.into_iter().collect()))
        })
        .await?;
    }
    drop(opening);
    drop(key);
    let settings = state.ocds.clone();
    let now = state.clock.now();
    let failed = crate::hall::write_then_publish(&state.db, &state.hall.hub, move |conn| {
        complete(conn, &settings, &id, now)
    })
    .await?;
    if failed {
        super::bid::purge_opened(state.config.shared(), tender_id);
    }
    Ok(())
}

/// How many MiB of bids the opening decrypts at once. Opening a bid takes
/// a few times its size in memory; a bid larger than this is opened alone.
const OPENING_BUDGET_MIB: u32 = 512;

/// The part of [`OPENING_BUDGET_MIB`] a bid of `size` bytes takes.
fn budget_for(size: i64) -> u32 {
    let mib = u64::try_from(size).unwrap_or(0).div_ceil(1 << 20);
    u32::try_from(mib)
        .unwrap_or(u32::MAX)
        .clamp(1, OPENING_BUDGET_MIB)
}

fn record_opened(
    conn: &mut DbConn,
    tender: &TenderId,
    bid: &BidRow,
    found: &Found,
    now: DateTime<Utc>,
) -> Result<Option<crate::hall::store::HallEvent>, AppError> {
    let tender_id = tender.as_str();
    let exists: i64 = bid_openings::table.find(&bid.id).count().get_result(conn)?;
    if exists > 0 {
        return Ok(None);
    }
    diesel::insert_into(bid_openings::table)
        .values((
            bid_openings::bid_id.eq(&bid.id),
            bid_openings::tender_id.eq(tender_id),
            bid_openings::outcome.eq(found.outcome.code()),
            bid_openings::reason.eq(found.reason.as_deref()),
            bid_openings::signer_subject.eq(found.signer_subject.as_deref()),
            bid_openings::signing_time.eq(found.signing_time.map(to_db_time)),
            bid_openings::sealed.eq(found.sealed),
            bid_openings::seal_name.eq(found.seal_name.as_deref()),
            bid_openings::total_price_fen.eq(found.total_price_fen),
            bid_openings::duration_days.eq(found.duration_days),
            bid_openings::schedule_json.eq(found.schedule_json.as_deref()),
            bid_openings::documents_manifest.eq(found.documents_manifest.as_deref()),
            bid_openings::opened_at.eq(to_db_time(now)),
        ))
        .execute(conn)?;
    crate::audit::record(
        conn,
        &AuditContext::system(now),
        "opening.bid_opened",
        "bid",
        &bid.id,
        Some(tender_id),
        &serde_json::json!({
            "outcome": found.outcome.code(), "reason": found.reason,
            "total_price_fen": found.total_price_fen, "duration_days": found.duration_days,
            "sealed": found.sealed, "signer_subject": found.signer_subject,
            "signing_time": found.signing_time,
        }),
    )?;
    // Read out in the hall: who, what outcome, the price and the terms.
    let line = opened_bid(conn, bid, found.clone(), from_db_time(to_db_time(now)))?;
    let event = crate::hall::store::append(conn, tender, "opening.bid_opened", &line, now)?;
    Ok(Some(event))
}

/// The published opening record (kept as written, key terms in order).
#[derive(Serialize)]
struct OpeningRecord<'a> {
    opened_at: DateTime<Utc>,
    bids: &'a [OpenedBid],
    valid_bids: usize,
    result: &'a str,
}

/// Publishes the opening record (to the hall, to the bidders, and as a
/// notice with its open-data release), wipes the released shares, and
/// fails the tender when fewer bids are valid than its procedure's minimum
/// (`tenders::limits`: e.g. 政府采购法 第36条 for government procurement
/// tendering; none for a listing or an auction), citing the rule.
fn complete(
    conn: &mut DbConn,
    settings: &crate::opendata::OcdsSettings,
    id: &TenderId,
    now: DateTime<Utc>,
) -> Result<(bool, Vec<crate::hall::store::HallEvent>), AppError> {
    tenders::lock(conn, id)?;
    if opening_status(conn, id.as_str())? != Some(OpeningStatus::Decrypting) {
        return Ok((false, vec![]));
    }
    still_mine(conn, id.as_str())?;
    let opened = opened_bids(conn, id.as_str())?;
    let valid = opened
        .iter()
        .filter(|b| b.outcome == Outcome::Valid)
        .count();
    let row: TenderRow = tenders::load_row(conn, id)?;
    let facts = row.facts()?;
    let rule = limits::minimum_bids(facts.category, facts.method)?;
    let failure = rule.too_few_valid_reason(valid);
    let result = match (&failure, rule) {
        (
            Some(_),
            MinimumBids::AtLeast {
                bids, valid_basis, ..
            },
        ) => format!("fails: {valid} valid bid(s), fewer than {bids} ({valid_basis})"),
        _ => "proceeds to evaluation".to_string(),
    };
    let said = match (&failure, rule) {
        (
            Some(_),
            MinimumBids::AtLeast {
                bids, valid_basis, ..
            },
        ) => OpeningResult::Fails {
            minimum: i64::from(bids),
            basis: valid_basis.to_string(),
        },
        _ => OpeningResult::Proceeds,
    };
    let record = OpeningRecord {
        opened_at: now,
        bids: &opened,
        valid_bids: valid,
        result: &result,
    };
    diesel::update(openings::table.find(id.as_str()))
        .set((
            openings::status.eq(OpeningStatus::Completed.code()),
            openings::completed_at.eq(to_db_time(now)),
            openings::valid_bids.eq(valid as i32),
            openings::record_json
                .eq(serde_json::to_string(&record).map_err(|e| AppError::Internal(e.into()))?),
        ))
        .execute(conn)?;
    super::store::erase_released(conn, id.as_str())?;
    let ctx = AuditContext::system(now);
    crate::audit::record(
        conn,
        &ctx,
        "opening.completed",
        "opening",
        id.as_str(),
        Some(id.as_str()),
        &record,
    )?;
    super::messages::opening_record(conn, &ctx, &row, now, opened.len())?;
    // The record is public once read out (招标投标法 第36条: the bidders'
    // names and prices are read out in public): a notice, whose OCDS
    // release is the first to carry the bids.
    tenders::publish_written(
        conn,
        &ctx,
        settings,
        id.as_str(),
        crate::tenders::model::NoticeKind::Opening,
        &crate::tenders::notice_words::opening_record(
            facts.category,
            &row.title,
            opened.len(),
            valid,
            &said,
        ),
    )?;
    let mut events = vec![crate::hall::store::append(
        conn,
        id,
        "opening.completed",
        &serde_json::json!({ "valid_bids": valid, "bids": opened.len(), "result": result }),
        now,
    )?];
    let fails = failure.is_some();
    if let Some(reason) = failure {
        let failed = tenders::transition(
            conn,
            &ctx,
            settings,
            &row,
            &tenders::TransitionInput {
                action: crate::tenders::lifecycle::Action::Fail,
                reason,
                custody: None,
                winner_bid_id: None,
                lots: Vec::new(),
                price_record: None,
            },
        )?
        .event;
        events.push(failed);
    }
    Ok((fails, events))
}

#[cfg(test)]
mod tests {
    use super::{OPENING_BUDGET_MIB, budget_for};

    #[test]
    fn small_bids_share_the_opening_budget_and_a_large_one_takes_it_all() {
        assert_eq!(budget_for(0), 1);
        assert_eq!(budget_for(1), 1);
        assert_eq!(budget_for(1 << 20), 1);
        assert_eq!(budget_for((1 << 20) + 1), 2);
        assert_eq!(budget_for(100 << 20), 100);
        assert_eq!(budget_for(2 << 30), OPENING_BUDGET_MIB);
        assert_eq!(budget_for(-5), 1);
    }
}
