//! What each bidder learns of its own bid once the result is decided
//! (issue 22): per lot, its rank, the committee's total score, the prices
//! (as read out, as corrected and confirmed, as evaluated), the ground on
//! which it was rejected, and whether it won; never another bid's.
//!
//! Before the result (the tender awarded or closed, `audit::sealing::
//! decided`) the evaluation and comparison of the bids are confidential
//! (招标投标法 第44条; see `crate::evaluation::disclosure`): refused (409).
//! After it, each enterprise whose bid was opened reads its own bids'
//! outcome (87号令 第69条 (check) has the result notice tell the
//! unsuccessful suppliers their own score and rank; the platform gives
//! the same to every category).

use super::routes::parse_id;
use super::store;
use crate::app::AppState;
use crate::audit::sealing;
use crate::db::DbConn;
use crate::db::schema::{bid_openings, bids};
use crate::error::AppError;
use crate::identity::{Principal, Role};
use actix_web::{get, web};
use diesel::prelude::*;
use serde::Serialize;
use serde_json::Value;

/// Why a bid was rejected, as the report says.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct OwnRejection {
    pub ground: String,
    /// The ground in words (Chinese).
    pub ground_text: Option<String>,
    /// Where the ground is in law.
    pub basis: Option<String>,
    pub detail: Option<String>,
}

/// One's own bid in one lot of the report (lot 0: the tender as one).
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct OwnLot {
    pub lot: u32,
    /// Its rank among the bids the committee ranked (none if rejected).
    pub rank: Option<u32>,
    /// The committee's total score (scoring methods).
    pub total: Option<f64>,
    pub price_fen: Option<i64>,
    pub corrected_price_fen: Option<i64>,
    pub evaluated_price_fen: Option<i64>,
    pub rejected: Option<OwnRejection>,
    /// Whether this bid won the lot.
    pub awarded: bool,
}

/// One of the enterprise's bids.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct OwnBid {
    pub bid_id: String,
    /// How the opening read it (`valid`, or why not).
    pub opening_outcome: String,
    pub opening_reason: Option<String>,
    /// Its outcome per lot in the committee's signed report (none when
    /// it was not evaluated).
    pub lots: Vec<OwnLot>,
}

/// The caller's enterprise's result in a tender.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct OwnResult {
    pub tender_id: String,
    pub organisation_id: String,
    pub bids: Vec<OwnBid>,
}

/// `bid_id`'s outcome in each lot of `report` where it was evaluated;
/// `awarded` the lots it won. Reads nothing of any other bid. Pure.
pub fn own_lots(report: &Value, bid_id: &str, awarded: &[u32]) -> Vec<OwnLot> {
    let lots = report["lots"].as_array().cloned().unwrap_or_default();
    lots.iter()
        .filter_map(|l| {
            let lot = u32::try_from(l["lot"].as_u64()?).ok()?;
            let bid = l["bids"]
                .as_array()?
                .iter()
                .find(|b| b["bid_id"] == bid_id)?;
            let rank = l["ranking"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|r| r["bid_id"] == bid_id)
                .and_then(|r| r["rank"].as_u64())
                .and_then(|r| u32::try_from(r).ok());
            let rejected = l["rejected"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|r| r["bid_id"] == bid_id)
                .map(|r| OwnRejection {
                    ground: r["ground"].as_str().unwrap_or_default().to_string(),
                    ground_text: r["ground_text"].as_str().map(str::to_string),
                    basis: r["basis"].as_str().map(str::to_string),
                    detail: r["detail"]
                        .as_str()
                        .filter(|d| !d.is_empty())
                        .map(str::to_string),
                });
            Some(OwnLot {
                lot,
                rank,
                total: bid["total"].as_f64(),
                price_fen: bid["price_fen"].as_i64(),
                corrected_price_fen: bid["corrected_price_fen"].as_i64(),
                evaluated_price_fen: bid["evaluated_price_fen"].as_i64(),
                rejected,
                awarded: awarded.contains(&lot),
            })
        })
        .collect()
}

pub(crate) fn own_result(
    conn: &mut DbConn,
    row: &store::TenderRow,
    org: &str,
) -> Result<OwnResult, AppError> {
    if !sealing::decided(row.status()?) {
        return Err(AppError::Conflict(
            "the result is not decided yet: until the award the evaluation and comparison of the \
             bids are confidential (招标投标法 第44条); each bidder reads its own score and rank \
             once the tender is awarded"
                .into(),
        )
        .because("result.not-decided", serde_json::json!({})));
    }
    let opened: Vec<(String, String, Option<String>)> = bid_openings::table
        .inner_join(bids::table.on(bids::id.eq(bid_openings::bid_id)))
        .filter(bid_openings::tender_id.eq(&row.id))
        .filter(bids::bidder_org_id.eq(org))
        .order(bid_openings::bid_id.asc())
        .select((bids::id, bid_openings::outcome, bid_openings::reason))
        .load(conn)?;
    if opened.is_empty() {
        return Err(AppError::Forbidden(
            "your enterprise has no bid opened in this tender: a result is read by the \
             enterprises whose bids were opened"
                .into(),
        )
        .because("result.no-opened-bid", serde_json::json!({})));
    }
    let report = crate::evaluation::store::signed_report(conn, &row.id)?;
    let awards = super::award::awards_of(conn, &row.id)?;
    let bids = opened
        .into_iter()
        .map(|(bid_id, outcome, reason)| {
            let won: Vec<u32> = awards
                .iter()
                .filter(|a| a.bid_id == bid_id)
                .filter_map(|a| u32::try_from(a.lot).ok())
                .collect();
            let lots = report
                .as_ref()
                .map(|r| own_lots(&r.json, &bid_id, &won))
                .unwrap_or_else(|| {
                    won.iter()
                        .map(|lot| OwnLot {
                            lot: *lot,
                            rank: None,
                            total: None,
                            price_fen: None,
                            corrected_price_fen: None,
                            evaluated_price_fen: None,
                            rejected: None,
                            awarded: true,
                        })
                        .collect()
                });
            OwnBid {
                bid_id,
                opening_outcome: outcome,
                opening_reason: reason,
                lots,
            }
        })
        .collect();
    Ok(OwnResult {
        tender_id: row.id.clone(),
        organisation_id: org.to_string(),
        bids,
    })
}

/// The caller's own result in a tender (see the module): for a bidding
/// account of an enterprise whose bid was opened, once the tender is
/// awarded (409 before, 403 for anyone else, 401 signed out).
#[utoipa::path(
    tag = "tenders",
    params(("id" = String, Path)),
    responses(
        (status = 200, body = OwnResult),
        (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem)
    )
)]
#[get("/tenders/{id}/result/mine")]
pub async fn own(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<String>,
) -> Result<web::Json<OwnResult>, AppError> {
    let id = parse_id(&id)?;
    if !principal.is_authenticated() {
        return Err(AppError::Unauthenticated(
            "sign in with your enterprise's bidding account to read its result".into(),
        )
        .because("result.sign-in-as-bidder", serde_json::json!({})));
    }
    principal.require_any(&[Role::Bidder])?;
    let Some(org) = principal.organisation.clone() else {
        return Err(
            AppError::Forbidden("your account speaks for no enterprise".into())
                .because("account.no-enterprise", serde_json::json!({})),
        );
    };
    let result = state
        .db
        .read(move |conn| {
            let row = store::load_visible(conn, &id, &principal)?;
            own_result(conn, &row, org.as_str())
        })
        .await?;
    Ok(web::Json(result))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_bidder_reads_its_own_rank_score_and_rejection_and_nothing_else() {
        let report = json!({"lots": [
            {"lot": 1,
             "bids": [
                {"label": "A", "bid_id": "mine", "price_fen": 100, "corrected_price_fen": 98,
                 "evaluated_price_fen": 98, "total": 80.5},
                {"label": "B", "bid_id": "other", "price_fen": 90, "evaluated_price_fen": 90, "total": 90.0}],
             "ranking": [{"rank": 1, "bid_id": "other"}, {"rank": 2, "bid_id": "mine"}],
             "rejected": []},
            {"lot": 2,
             "bids": [{"label": "A", "bid_id": "mine", "price_fen": 50, "evaluated_price_fen": 50}],
             "ranking": [],
             "rejected": [{"bid_id": "mine", "ground": "price_above_ceiling",
                           "ground_text": "投标报价高于最高投标限价", "basis": "条例 第51条", "detail": ""}]},
            {"lot": 3, "bids": [{"bid_id": "other"}], "ranking": [], "rejected": []}
        ]});
        let lots = own_lots(&report, "mine", &[2]);
        assert_eq!(lots.len(), 2, "lot 3 had no bid of its own");
        assert_eq!(lots[0].rank, Some(2));
        assert_eq!(lots[0].total, Some(80.5));
        assert_eq!(lots[0].corrected_price_fen, Some(98));
        assert!(!lots[0].awarded && lots[1].awarded);
        let rejection = lots[1].rejected.as_ref().unwrap();
        assert_eq!(rejection.ground, "price_above_ceiling");
        assert_eq!(rejection.detail, None);
        assert_eq!(lots[1].rank, None);
        let text = serde_json::to_string(&lots).unwrap();
        assert!(!text.contains("other") && !text.contains("90"), "{text}");
    }
}
