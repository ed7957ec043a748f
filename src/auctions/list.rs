//! The public list of trades found by price (`GET /api/v1/auctions`): each
//! published trade's tender, kind, phase and price now, by bidder number,
//! never by name, for the pages' list of trades and to tell, without a
//! refusal, whether a tender is a trade (`?tender=`).

use super::engine::Phase;
use super::store::{self, TradeRow};
use crate::app::AppState;
use crate::db::schema::{auction_trades, tenders};
use crate::error::AppError;
use crate::tenders::model::TenderStatus;
use actix_web::{get, web};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

/// The most trades one list gives.
pub const MAX_TRADES: i64 = 200;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct TradeFilter {
    /// Only this tender's trade (an empty list when it is none), for
    /// whoever sees the tender: its managers see a draft's.
    pub tender: Option<String>,
}

/// One trade as the list shows it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TradeSummary {
    pub tender_id: String,
    pub reference: String,
    pub title: String,
    pub kind: super::rules::TradeKind,
    pub phase: Phase,
    pub starts_at: DateTime<Utc>,
    /// The highest accepted quote, or the starting price before any.
    pub price_fen: i64,
    pub leader_number: Option<String>,
    pub quotes: usize,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TradeSummaries {
    pub items: Vec<TradeSummary>,
}

/// The trades of published tenders (and later), newest start first, with
/// their phase and price now. Public; with `tender`, that tender's trade
/// for whoever sees the tender (404 otherwise).
#[utoipa::path(
    tag = "auctions",
    params(TradeFilter),
    responses(
        (status = 200, body = TradeSummaries),
        (status = 400, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem)
    )
)]
#[get("/auctions")]
pub async fn list_trades(
    state: web::Data<AppState>,
    principal: crate::identity::Principal,
    query: web::Query<TradeFilter>,
) -> Result<web::Json<TradeSummaries>, AppError> {
    let now = state.clock.now();
    let only = match query.into_inner().tender {
        Some(raw) => Some(crate::tenders::routes::parse_id(&raw)?),
        None => None,
    };
    let items = state
        .db
        .read(move |conn| {
            let mut q = auction_trades::table
                .inner_join(tenders::table.on(tenders::id.eq(auction_trades::tender_id)))
                .select((TradeRow::as_select(), tenders::reference, tenders::title))
                .limit(MAX_TRADES)
                .into_boxed();
            match &only {
                Some(id) => {
                    // Whoever sees the tender (its managers, a draft).
                    crate::tenders::store::load_visible(conn, id, &principal)?;
                    q = q.filter(auction_trades::tender_id.eq(id.as_str().to_string()));
                }
                None => q = q.filter(tenders::status.ne(TenderStatus::Draft.code())),
            }
            let rows: Vec<(TradeRow, String, String)> = q.load(conn)?;
            let mut items = Vec::new();
            for (trade, reference, title) in rows {
                let view = store::view(conn, &trade, now)?;
                items.push(TradeSummary {
                    tender_id: trade.tender_id.clone(),
                    reference,
                    title,
                    kind: view.terms.kind,
                    phase: view.phase,
                    starts_at: view.terms.starts_at,
                    price_fen: view
                        .leader
                        .as_ref()
                        .map_or(view.terms.start_fen, |l| l.amount_fen),
                    leader_number: view.leader.map(|l| l.number),
                    quotes: view.quotes.len(),
                });
            }
            items.sort_by_key(|t| std::cmp::Reverse(t.starts_at));
            Ok(items)
        })
        .await?;
    Ok(web::Json(TradeSummaries { items }))
}
