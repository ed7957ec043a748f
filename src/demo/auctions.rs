//! The demo data's two trades found by price (issue 25), so that a
//! newcomer sees a land listing's timed phase live on the first start, and
//! an online auction open a few minutes later:
//!
//! - **The listing** (南宁市五象新区 NNG-2026-08 号地块, land_listing): its
//!   notice 33 days before the start, applications closed 12 days ago, the
//!   listing period of eleven days ended minutes before the load. Three
//!   developers applied, were qualified and paid their deposits, quoted
//!   during the listing, and two of them declared that they continue, so
//!   that with the leader three take part in the timed phase (39号令
//!   第19条). Its countdown (`demo_auction_countdown_secs`, 300 by default,
//!   the land rules') started half a countdown before the load, and a quote
//!   just before the load restarted it: it is running when the server
//!   starts. Once the server listens, the bidders quote three more times,
//!   [`LIVE_GAP`] apart, each restarting the countdown; then nobody quotes,
//!   and the trade closes and is sold at the countdown's end.
//! - **The auction** (南宁市良庆区 NNG-2026-11 号地块, land_auction): its
//!   notice 22 days before, applications closed two hours before the load,
//!   the same three qualified with their deposits. Quoting opens
//!   `demo_auction_minutes` (5 by default) after the load; free bidding
//!   lasts [`AUCTION_FREE`], then the countdown. The bidders quote twice in
//!   the free bidding and twice in the countdown, and it closes, sold.
//!
//! Neither has a sealed reserve: the highest quote wins.
//!
//! As with the tendering procedures ([`super::procedure`]), nothing is
//! written by hand: the tenders are drafted, set up as trades while drafts,
//! and published through the tender and trade stores
//! ([`crate::auctions::store`]); applications, decisions, deposits, quotes
//! and declarations dated in the past are made while the demo data loads,
//! in the order of their times, before the audit log's first checkpoint,
//! each at its time by a clock that reads that time; every quote gets its
//! receipt with an RFC 3161 timestamp from the platform's authority. After
//! the server listens, the bidders quote at the real time through what the
//! routes call ([`crate::auctions::live::quote`]: recorded, then published
//! to the trade's watchers), and the ticker records the close.

use crate::app::AppState;
use crate::auctions::rules::TradeKind;
use crate::auctions::store::{self, DepositSource, QuoteInput, SetUp};
use crate::audit::AuditContext;
use crate::db::DbConn;
use crate::error::AppError;
use crate::identity::{Principal, Role};
use crate::opendata::OcdsSettings;
use crate::pki::demo::{DemoFabric, DemoKind};
use crate::store::BlobStore;
use crate::tenders::model::*;
use crate::tenders::store::{self as tenders, Parties};
use crate::types::{Currency, Money, TenderId};
use actix_web::web;
use chrono::{DateTime, Duration, Utc};

/// The listing's title, as the notice board shows it.
pub const LISTING_TITLE: &str = "南宁市五象新区 NNG-2026-08 号地块国有建设用地使用权挂牌出让";
/// The auction's title.
pub const AUCTION_TITLE: &str = "南宁市良庆区 NNG-2026-11 号地块国有建设用地使用权网上拍卖出让";

/// The developers who enter both trades, by their names in
/// [`super::ORGANISATIONS`].
pub const DEVELOPERS: [&str; 3] = [
    "南宁五象新城置业有限公司",
    "广西邕江城市发展有限公司",
    "南宁青秀山房地产开发有限公司",
];

/// The time between the demo bidders' live quotes.
pub const LIVE_GAP: std::time::Duration = std::time::Duration::from_secs(25);
/// When the first live quote in the listing comes, after the server
/// listens.
pub const FIRST_LIVE_QUOTE: std::time::Duration = std::time::Duration::from_secs(15);
/// The auction's free bidding, before its countdown starts.
pub const AUCTION_FREE: Duration = Duration::minutes(2);

/// What [`set_up`] made, for [`run`].
#[derive(Debug, Clone)]
pub struct Plan {
    pub listing: DemoTrade,
    pub auction: DemoTrade,
}

/// One demo trade and its bidders.
#[derive(Debug, Clone)]
pub struct DemoTrade {
    pub tender: TenderId,
    pub starts_at: DateTime<Utc>,
    pub free_until: DateTime<Utc>,
    pub bidders: Vec<Bidder>,
}

/// A demo bidder: its account and enterprise.
#[derive(Debug, Clone)]
pub struct Bidder {
    pub name: &'static str,
    pub user: String,
    pub org: String,
}

/// What the set-up uses of the demo load.
pub(super) struct Context<'a> {
    pub blobs: &'a BlobStore,
    pub settings: &'a OcdsSettings,
    pub platform: &'a openssl::x509::X509,
    pub built: &'a DemoFabric,
    pub tsa: &'a crate::tsa::Tsa,
}

/// A clock that reads one instant: the demo's past actions are judged at
/// their own time, as the store reads it under the tender's lock.
struct At(DateTime<Utc>);

impl crate::clock::Clock for At {
    fn now(&self) -> DateTime<Utc> {
        self.0
    }
}

fn demo_error(e: impl std::fmt::Display) -> AppError {
    AppError::Internal(anyhow::anyhow!("demo trades: {e}"))
}

fn file<'a>(built: &'a DemoFabric, rel: &str) -> Result<&'a [u8], AppError> {
    built
        .files
        .iter()
        .find(|(p, _)| p == std::path::Path::new(rel))
        .map(|(_, bytes)| bytes.as_slice())
        .ok_or_else(|| demo_error(format!("the demo fabric has no {rel}")))
}

/// The demo fabric's GX timestamp authority, as the platform loads it once
/// installed (its certificate, then its root): the platform's authority
/// when the demo data installs it.
pub(super) fn fabric_tsa(built: &DemoFabric) -> Result<crate::tsa::Tsa, AppError> {
    let cert = openssl::x509::X509::from_pem(file(built, "GX/timestamp-authority.cert.pem")?)
        .map_err(demo_error)?;
    let root =
        openssl::x509::X509::from_pem(file(built, "GX/root-ca.cert.pem")?).map_err(demo_error)?;
    let key =
        openssl::pkey::PKey::private_key_from_pem(file(built, "GX/timestamp-authority.key.pem")?)
            .map_err(demo_error)?;
    crate::tsa::Tsa::new(cert, key, vec![root], crate::tsa::DEFAULT_POLICY_OID).map_err(demo_error)
}

/// A developer's account as its first certificate sign-in makes it
/// ([`crate::identity::sessions::account_for`]), at `at`.
fn enrol(
    conn: &mut DbConn,
    built: &DemoFabric,
    name: &'static str,
    at: DateTime<Utc>,
) -> Result<(Bidder, Principal), AppError> {
    let entry = built
        .manifest
        .certificates
        .iter()
        .find(|c| c.kind == DemoKind::Enterprise && c.name == name && !c.revoked)
        .ok_or_else(|| demo_error(format!("the demo fabric has no enterprise {name}")))?;
    let cert = openssl::x509::X509::from_pem(file(built, &entry.cert)?).map_err(demo_error)?;
    let der = cert.to_der().map_err(demo_error)?;
    let identity = crate::pki::identity::identity_of(&der).map_err(demo_error)?;
    let league = crate::types::LeagueCode::parse(&entry.league).map_err(demo_error)?;
    let ctx = AuditContext {
        principal: Principal::public(),
        role: None,
        client_addr: None,
        device: None,
        request_id: None,
        now: at,
    };
    let user = crate::identity::sessions::account_for(conn, &ctx, &identity, Some(&league))?;
    let principal = crate::identity::store::load_principal(conn, user.as_str())?
        .ok_or_else(|| demo_error(format!("no account for {name}")))?;
    let org = principal
        .organisation
        .clone()
        .ok_or_else(|| demo_error(format!("{name}'s account has no organisation")))?;
    Ok((
        Bidder {
            name,
            user: user.as_str().to_string(),
            org: org.as_str().to_string(),
        },
        principal,
    ))
}

fn land_input(
    title: &str,
    description: &str,
    method: Method,
    start_fen: i64,
    documents: DateTime<Utc>,
    deadline: DateTime<Utc>,
) -> TenderInput {
    TenderInput {
        title: title.into(),
        description: description.into(),
        category: Category::LandMiningRights,
        method,
        league: None,
        tenderer_org_id: None,
        budget: Money {
            amount_fen: start_fen,
            currency: Currency::cny(),
        },
        lots: vec![],
        evaluation: Evaluation::HighestPrice,
        dates: KeyDates {
            documents_available_at: documents,
            clarification_deadline: documents + Duration::days(10),
            bid_deadline: deadline,
            publicity_days: 3,
        },
        seal_required: false,
        invitees: Vec::new(),
        terms: ProcedureTerms::default(),
    }
}

/// One trade's terms and dates.
struct Sale<'a> {
    title: &'a str,
    description: &'a str,
    kind: TradeKind,
    start_fen: i64,
    increment_fen: i64,
    deposit_fen: i64,
    documents: DateTime<Utc>,
    deadline: DateTime<Utc>,
    starts_at: DateTime<Utc>,
    free_until: DateTime<Utc>,
    countdown_secs: u32,
}

/// Drafts the tender, sets it up as a trade while a draft, publishes it;
/// the developers apply (a day apart from three days after the notice),
/// and the organiser qualifies them and records their deposits an hour
/// and two after applications close.
fn open_sale(
    conn: &mut DbConn,
    cx: &Context<'_>,
    organiser: &Principal,
    parties: &Parties,
    bidders: &[(Bidder, Principal)],
    sale: &Sale<'_>,
) -> Result<(TenderId, store::TradeRow), AppError> {
    let method = sale.kind.procedure().1;
    let input = land_input(
        sale.title,
        sale.description,
        method,
        sale.start_fen,
        sale.documents,
        sale.deadline,
    );
    let set_up = SetUp {
        kind: sale.kind,
        start_fen: sale.start_fen,
        increment_fen: sale.increment_fen,
        max_increments: None,
        deposit_fen: sale.deposit_fen,
        starts_at: sale.starts_at,
        free_until: sale.free_until,
        countdown_secs: Some(sale.countdown_secs),
        restart: None,
        reserve_sealed: false,
    };
    let id = super::publish_with(
        conn,
        cx.blobs,
        cx.settings,
        cx.platform,
        organiser,
        parties,
        &input,
        |conn, ctx, id| {
            let row = tenders::load_row(conn, id)?;
            store::set_up(conn, &ctx.clone().acting_as(Role::Tenderer), &row, &set_up)?;
            Ok(())
        },
    )?;
    let row = tenders::load_row(conn, &id)?;
    for (i, (b, principal)) in bidders.iter().enumerate() {
        let at = sale.documents + Duration::days(3 + i as i64);
        let ctx = super::context(principal, at).acting_as(Role::Bidder);
        store::apply(conn, &ctx, &row, &b.org, &b.user)?;
    }
    let trade = store::require(conn, id.as_str())?;
    // Applications close at the deadline; the organiser decides within
    // the hour after it, well before quoting opens.
    let decided = sale.deadline.min(sale.starts_at - Duration::hours(2));
    for (i, (b, _)) in bidders.iter().enumerate() {
        let at = decided + Duration::minutes(10 + i as i64);
        let ctx = super::context(organiser, at).acting_as(Role::Tenderer);
        store::decide(conn, &ctx, &trade, &b.org, true, None)?;
        let ctx = super::context(organiser, at + Duration::minutes(30)).acting_as(Role::Tenderer);
        store::confirm_deposit(
            conn,
            &ctx,
            &trade,
            &b.org,
            DepositSource::Organiser,
            &format!("GXBBW-DEMO-{}-{}", &id.as_str()[..8], i + 1),
        )?;
    }
    Ok((id, trade))
}

/// A bidder's quote at `at`, judged by the store as a request at that
/// time would be; refused quotes are the demo's bug.
#[allow(clippy::too_many_arguments)]
fn quote_at(
    conn: &mut DbConn,
    cx: &Context<'_>,
    trade: &store::TradeRow,
    who: &(Bidder, Principal),
    at: DateTime<Utc>,
    amount_fen: i64,
    id: &str,
) -> Result<(), AppError> {
    let ctx = super::context(&who.1, at).acting_as(Role::Bidder);
    let quoted = store::quote(
        conn,
        &ctx,
        cx.tsa,
        &At(at),
        trade,
        &who.0.org,
        &who.0.user,
        &QuoteInput {
            id: id.into(),
            amount_fen,
            number: None,
        },
    )?;
    quoted.receipt.map(|_| ())
}

fn declare_at(
    conn: &mut DbConn,
    trade: &store::TradeRow,
    who: &(Bidder, Principal),
    at: DateTime<Utc>,
    id: &str,
) -> Result<(), AppError> {
    let ctx = super::context(&who.1, at).acting_as(Role::Bidder);
    let (declared, _) = store::declare(conn, &ctx, &At(at), trade, &who.0.org, &who.0.user, id)?;
    declared.map(|_| ())
}

/// Sets up both trades while the demo data loads (see the module's
/// documentation), `now` being the load's time.
pub(super) fn set_up(
    conn: &mut DbConn,
    cx: &Context<'_>,
    organiser: &Principal,
    parties: &Parties,
    now: DateTime<Utc>,
    timing: super::Timing,
) -> Result<Plan, AppError> {
    let countdown = Duration::seconds(i64::from(timing.countdown_secs));
    let window = Duration::seconds(i64::from(
        TradeKind::LandListing.rules().continue_window_secs,
    ));
    // The listing: its timed phase began half a countdown before `now`.
    let timed_from = now - countdown / 2;
    let free_until = timed_from - window;
    let starts_at = now - Duration::days(11);
    let deadline = starts_at - Duration::days(1);
    let documents = starts_at - Duration::days(22);
    let bidders: Vec<(Bidder, Principal)> = DEVELOPERS
        .iter()
        .enumerate()
        .map(|(i, name)| {
            enrol(
                conn,
                cx.built,
                name,
                documents + Duration::days(2 + i as i64),
            )
        })
        .collect::<Result<_, _>>()?;
    let listing_sale = Sale {
        title: LISTING_TITLE,
        description: "宗地面积 38,620 平方米，用途为城镇住宅用地（兼容商业），容积率不大于 2.8，出让年限 70 年。起始价 18,600 万元，增价幅度 100 万元，竞买保证金 3,720 万元。演示数据：挂牌期已届满，两家竞买人表示继续竞价，平台首次启动时正处于限时竞价阶段；启动后演示竞买人继续报价，倒计时结束无人报价即成交。",
        kind: TradeKind::LandListing,
        start_fen: 18_600_000_000,
        increment_fen: 100_000_000,
        deposit_fen: 3_720_000_000,
        documents,
        deadline,
        starts_at,
        free_until,
        countdown_secs: timing.countdown_secs,
    };
    let (listing, trade) = open_sale(conn, cx, organiser, parties, &bidders, &listing_sale)?;
    let (start, inc) = (listing_sale.start_fen, listing_sale.increment_fen);
    let [a, b, c] = [&bidders[0], &bidders[1], &bidders[2]];
    // The listing period: five quotes over its days, b leading at its end.
    quote_at(
        conn,
        cx,
        &trade,
        a,
        starts_at + Duration::days(1),
        start,
        "demo-l1",
    )?;
    quote_at(
        conn,
        cx,
        &trade,
        b,
        starts_at + Duration::days(3),
        start + inc,
        "demo-l2",
    )?;
    quote_at(
        conn,
        cx,
        &trade,
        c,
        starts_at + Duration::days(5),
        start + 3 * inc,
        "demo-l3",
    )?;
    quote_at(
        conn,
        cx,
        &trade,
        a,
        starts_at + Duration::days(8),
        start + 4 * inc,
        "demo-l4",
    )?;
    quote_at(
        conn,
        cx,
        &trade,
        b,
        free_until - Duration::hours(2),
        start + 5 * inc,
        "demo-l5",
    )?;
    // a and c declare that they continue: one during the period, one in
    // the window after it; with the leader, three take part.
    declare_at(conn, &trade, a, free_until - Duration::hours(1), "demo-d1")?;
    declare_at(
        conn,
        &trade,
        c,
        free_until + Duration::seconds(40),
        "demo-d2",
    )?;
    // The timed phase starts at the window's end (recorded with c's quote
    // in it, two seconds before the load, which restarts the countdown).
    quote_at(
        conn,
        cx,
        &trade,
        c,
        now - Duration::seconds(2),
        start + 6 * inc,
        "demo-l6",
    )?;

    // The auction: quoting opens minutes after the load.
    let auction_starts = now + Duration::minutes(i64::from(timing.auction_minutes));
    let auction_sale = Sale {
        title: AUCTION_TITLE,
        description: "宗地面积 26,450 平方米，用途为商务金融用地，容积率不大于 4.5，出让年限 40 年。起始价 9,650 万元，增价幅度 50 万元，竞买保证金 1,930 万元。演示数据：网上拍卖于平台首次启动后数分钟开始，自由报价两分钟后进入限时竞价。",
        kind: TradeKind::LandAuction,
        start_fen: 9_650_000_000,
        increment_fen: 50_000_000,
        deposit_fen: 1_930_000_000,
        documents: now - Duration::days(22),
        deadline: now - Duration::hours(2),
        starts_at: auction_starts,
        free_until: auction_starts + AUCTION_FREE,
        countdown_secs: timing.countdown_secs,
    };
    let (auction, _) = open_sale(conn, cx, organiser, parties, &bidders, &auction_sale)?;
    let bidders: Vec<Bidder> = bidders.into_iter().map(|(b, _)| b).collect();
    Ok(Plan {
        listing: DemoTrade {
            tender: listing,
            starts_at,
            free_until,
            bidders: bidders.clone(),
        },
        auction: DemoTrade {
            tender: auction,
            starts_at: auction_starts,
            free_until: auction_starts + AUCTION_FREE,
            bidders,
        },
    })
}

// ---------------------------------------------------------------------------
// Live, once the server listens
// ---------------------------------------------------------------------------

/// The listing's live quotes, then the auction's (see the module's
/// documentation). Errors are logged: the server goes on.
pub async fn run(state: web::Data<AppState>, plan: Plan) {
    match run_listing(&state, &plan.listing).await {
        Ok(()) => {
            tracing::info!(tender = %plan.listing.tender, "demo: the listing's live quotes are in; it is sold when its countdown ends")
        }
        Err(e) => {
            tracing::error!(tender = %plan.listing.tender, error = %e, "demo: the listing's live quotes stopped")
        }
    }
    match run_auction(&state, &plan.auction).await {
        Ok(()) => {
            tracing::info!(tender = %plan.auction.tender, "demo: the auction's quotes are in; it is sold when its countdown ends")
        }
        Err(e) => {
            tracing::error!(tender = %plan.auction.tender, error = %e, "demo: the auction's quotes stopped")
        }
    }
}

/// The trade's board now.
async fn board(state: &AppState, tender: &TenderId) -> Result<store::TradeView, AppError> {
    let id = tender.as_str().to_string();
    let now = state.clock.now();
    state
        .db
        .read(move |conn| {
            let trade = store::require(conn, &id)?;
            store::view(conn, &trade, now)
        })
        .await
}

/// `who` quotes `increments` above the current price (the start price
/// for the first quote), as its page would, through what the routes call.
async fn quote_now(
    state: &AppState,
    t: &DemoTrade,
    who: &Bidder,
    increments: i64,
    id: &str,
) -> Result<(), AppError> {
    let view = board(state, &t.tender).await?;
    let amount_fen = view.floor_fen + (increments - 1).max(0) * view.increment_fen;
    let user = who.user.clone();
    let principal = state
        .db
        .read(move |conn| crate::identity::store::load_principal(conn, &user))
        .await?
        .ok_or_else(|| demo_error(format!("{}'s account is missing", who.name)))?;
    let ctx = super::context(&principal, state.clock.now()).acting_as(Role::Bidder);
    let receipt = crate::auctions::live::quote(
        state,
        ctx,
        t.tender.as_str(),
        who.user.clone(),
        who.org.clone(),
        QuoteInput {
            id: id.into(),
            amount_fen,
            number: None,
        },
    )
    .await?;
    tracing::info!(tender = %t.tender, number = %receipt.number, amount_fen, "demo: a live quote");
    Ok(())
}

/// Waits `gap`, or less: a live quote comes at least five seconds before
/// the countdown's end, so that the demo's countdown restarts and is never
/// missed by a slow start.
async fn before_the_end(state: &AppState, t: &DemoTrade, gap: std::time::Duration) {
    let planned = state.clock.now() + Duration::from_std(gap).unwrap_or_default();
    let at = match board(state, &t.tender).await.map(|v| v.phase) {
        Ok(crate::auctions::engine::Phase::Timed { ends_at }) => {
            planned.min(ends_at - Duration::seconds(5))
        }
        _ => planned,
    };
    super::procedure::sleep_until(state, at).await;
}

async fn run_listing(state: &AppState, t: &DemoTrade) -> Result<(), AppError> {
    let [a, b] = [&t.bidders[0], &t.bidders[1]];
    // The third leads from before the start; a, b and a again outbid.
    for (n, (who, increments)) in [(a, 1), (b, 2), (a, 1)].into_iter().enumerate() {
        let gap = if n == 0 { FIRST_LIVE_QUOTE } else { LIVE_GAP };
        before_the_end(state, t, gap).await;
        quote_now(state, t, who, increments, &format!("demo-live-{}", n + 1)).await?;
    }
    Ok(())
}

async fn run_auction(state: &AppState, t: &DemoTrade) -> Result<(), AppError> {
    let [a, b, c] = [&t.bidders[0], &t.bidders[1], &t.bidders[2]];
    super::procedure::sleep_until(state, t.starts_at + Duration::seconds(10)).await;
    quote_now(state, t, a, 1, "demo-a1").await?;
    actix_web::rt::time::sleep(LIVE_GAP).await;
    quote_now(state, t, b, 2, "demo-a2").await?;
    // The countdown: two more quotes, each restarting it.
    super::procedure::sleep_until(state, t.free_until + Duration::seconds(10)).await;
    quote_now(state, t, c, 1, "demo-a3").await?;
    before_the_end(state, t, LIVE_GAP).await;
    quote_now(state, t, a, 1, "demo-a4").await
}
