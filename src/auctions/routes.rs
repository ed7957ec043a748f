//! HTTP for trades found by price: the organiser's set-up, applications
//! and their qualification and deposits, quotes with their receipts, and
//! the price board everyone reads.
//!
//! Who may call what:
//! - `GET …/auction` (the board): whoever sees the tender (the public once
//!   it is published): prices and bidder numbers, never names.
//! - `PUT …/auction`: the tender's tenderer, agent or its league's
//!   operators (`identity::policy::Area::TenderProcedures`), while a draft.
//! - `POST …/auction/applications`, `POST …/auction/quotes`, `GET
//!   …/auction/receipts`: a bidder signed in with its enterprise's
//!   certificate, for its own enterprise.
//! - `GET …/auction/applications`: the tender's managers (all); a bidder
//!   (its own enterprise's application only).
//! - `POST …/auction/applications/{org}/decision` and `…/deposit`: the
//!   tender's managers.
//!
//! Supervisors read and change nothing here (the supervision guard refuses
//! their writes everywhere).

use super::store::{
    self, ApplicantView, DepositSource, QuoteInput, QuoteReceipt, SetUp, TradeView,
};
use crate::app::AppState;
use crate::audit::AuditContext;
use crate::error::AppError;
use crate::identity::sessions::Binding;
use crate::identity::{Principal, Role};
use crate::tenders::routes::parse_id;
use crate::tenders::store as tenders;
use actix_web::{HttpMessage, HttpRequest, HttpResponse, get, post, put, web};
use serde::{Deserialize, Serialize};
use serde_json::json;

/// A bidder signed in with its enterprise's certificate: (user, enterprise).
fn bidder(principal: &Principal, req: &HttpRequest) -> Result<(String, String), AppError> {
    principal.require_any(&[Role::Bidder])?;
    if req.extensions().get::<Binding>().is_none() {
        return Err(AppError::Unauthenticated(
            "a trade is entered in a certificate session: sign in with the enterprise's certificate (POST /api/v1/auth/login)".into(),
        )
        .because("auction.certificate-session", json!({})));
    }
    match (&principal.user_id, &principal.organisation) {
        (Some(user), Some(org)) => Ok((user.to_string(), org.to_string())),
        _ => Err(AppError::Forbidden(
            "this account belongs to no enterprise and cannot enter a trade".into(),
        )
        .because("bid.no-enterprise", json!({}))),
    }
}

fn org_id(raw: &str) -> Result<String, AppError> {
    uuid::Uuid::parse_str(raw)
        .map(|u| u.to_string())
        .map_err(|_| AppError::not_found("applicant"))
}

/// The trade's price board: terms, phase (as the time makes it now),
/// the least next quote, every accepted quote by number, the outcome.
#[utoipa::path(
    tag = "auctions",
    params(("id" = String, Path)),
    responses((status = 200, body = TradeView), (status = 404, body = crate::error::Problem))
)]
#[get("/tenders/{id}/auction")]
pub async fn get_trade(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<String>,
) -> Result<web::Json<TradeView>, AppError> {
    let id = parse_id(&id)?;
    let now = state.clock.now();
    let view = state
        .db
        .read(move |conn| {
            let row = tenders::load_visible(conn, &id, &principal)?;
            let trade = store::require(conn, &row.id)?;
            store::view(conn, &trade, now)
        })
        .await?;
    Ok(web::Json(view))
}

/// Sets up (or, while the tender is a draft, changes) the tender's trade:
/// its kind must be the tender's category and method; quoting opens no
/// earlier than the tender's bid deadline (applications close then) and
/// the notice period; a listing lasts its least period (in working days
/// where the rule says so, on the platform's calendar). The tender's
/// tenderer, agent or its league's operators.
#[utoipa::path(
    tag = "auctions",
    params(("id" = String, Path)),
    request_body = SetUp,
    responses(
        (status = 200, body = TradeView),
        (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)
    )
)]
#[put("/tenders/{id}/auction")]
pub async fn put_trade(
    state: web::Data<AppState>,
    principal: Principal,
    ctx: AuditContext,
    id: web::Path<String>,
    body: web::Json<SetUp>,
) -> Result<web::Json<TradeView>, AppError> {
    let id = parse_id(&id)?;
    let input = body.into_inner();
    let view = state
        .db
        .write(move |conn| {
            tenders::lock(conn, &id)?;
            let (row, role) = tenders::load_managed(conn, &id, &principal)?;
            let trade = store::set_up(conn, &ctx.clone().acting_as(role), &row, &input)?;
            store::view(conn, &trade, ctx.now)
        })
        .await?;
    Ok(web::Json(view))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ApplicantList {
    pub items: Vec<ApplicantView>,
}

/// An enterprise applies to the trade (竞买申请), signed in with its
/// certificate, while the tender is published and before its bid
/// deadline. Once the organiser qualifies it and its deposit is confirmed
/// it gets its number (竞买号).
#[utoipa::path(
    tag = "auctions",
    params(("id" = String, Path)),
    responses(
        (status = 201, body = ApplicantView),
        (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem),
        (status = 410, body = crate::error::Problem)
    )
)]
#[post("/tenders/{id}/auction/applications")]
pub async fn apply(
    state: web::Data<AppState>,
    principal: Principal,
    ctx: AuditContext,
    req: HttpRequest,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    let (user, org) = bidder(&principal, &req)?;
    let clock = state.clock.clone();
    let view = state
        .db
        .write(move |conn| {
            tenders::lock(conn, &id)?;
            let row = tenders::load_visible(conn, &id, &principal)?;
            // The time is read under the lock, as a bid's arrival is.
            let ctx = AuditContext {
                now: clock.now(),
                ..ctx
            }
            .acting_as(Role::Bidder);
            let a = store::apply(conn, &ctx, &row, &org, &user)?;
            store::applicant_view(conn, &a)
        })
        .await?;
    Ok(HttpResponse::Created().json(view))
}

/// The applications: every one for the tender's managers; a bidder's own
/// enterprise's alone (an empty list if it has not applied). Nobody else.
#[utoipa::path(
    tag = "auctions",
    params(("id" = String, Path)),
    responses(
        (status = 200, body = ApplicantList),
        (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem)
    )
)]
#[get("/tenders/{id}/auction/applications")]
pub async fn list_applications(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<String>,
) -> Result<web::Json<ApplicantList>, AppError> {
    let id = parse_id(&id)?;
    let items = state
        .db
        .read(move |conn| {
            let row = tenders::load_visible(conn, &id, &principal)?;
            store::require(conn, &row.id)?;
            if row.managed_by(&principal) {
                return store::applicants(conn, &row.id);
            }
            if !principal.is_authenticated() {
                return Err(crate::identity::sign_in_first());
            }
            match (&principal.organisation, principal.has(Role::Bidder)) {
                (Some(org), true) => store::applicant(conn, &row.id, org.as_str())?
                    .map(|a| store::applicant_view(conn, &a))
                    .into_iter()
                    .collect(),
                _ => Err(AppError::Forbidden(
                    "who applied is sealed: only the tender's managers read the applications, and each bidder its own".into(),
                )
                .because("auction.applicants-sealed", json!({}))),
            }
        })
        .await?;
    Ok(web::Json(ApplicantList { items }))
}

/// The organiser's decision on an application.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[schema(as = ApplicantDecision)]
#[serde(deny_unknown_fields)]
pub struct Decision {
    pub qualified: bool,
    /// Why (required to refuse).
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub reason: Option<String>,
}

/// Qualifies an applicant or refuses it (with a reason), before quoting
/// opens. The tender's managers.
#[utoipa::path(
    tag = "auctions",
    params(("id" = String, Path), ("org" = String, Path)),
    request_body = Decision,
    responses(
        (status = 200, body = ApplicantView),
        (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)
    )
)]
#[post("/tenders/{id}/auction/applications/{org}/decision")]
pub async fn decide(
    state: web::Data<AppState>,
    principal: Principal,
    ctx: AuditContext,
    path: web::Path<(String, String)>,
    body: web::Json<Decision>,
) -> Result<web::Json<ApplicantView>, AppError> {
    let (id, org) = path.into_inner();
    let id = parse_id(&id)?;
    let org = org_id(&org)?;
    let input = body.into_inner();
    if let Some(reason) = &input.reason {
        crate::error::text_field("reason", reason, false, 2000)?;
    }
    let clock = state.clock.clone();
    let view = state
        .db
        .write(move |conn| {
            tenders::lock(conn, &id)?;
            let (row, role) = tenders::load_managed(conn, &id, &principal)?;
            let trade = store::require(conn, &row.id)?;
            let ctx = AuditContext {
                now: clock.now(),
                ..ctx
            }
            .acting_as(role);
            let a = store::decide(
                conn,
                &ctx,
                &trade,
                &org,
                input.qualified,
                input.reason.as_deref(),
            )?;
            store::applicant_view(conn, &a)
        })
        .await?;
    Ok(web::Json(view))
}

/// A deposit's arrival as the organiser records it.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DepositInput {
    /// The bank's reference for the transfer.
    #[schema(min_length = 1, max_length = 128)]
    pub reference: String,
}

/// Records that an applicant's deposit arrived, before quoting opens; a
/// second record changes nothing (200 either way). The tender's managers.
#[utoipa::path(
    tag = "auctions",
    params(("id" = String, Path), ("org" = String, Path)),
    request_body = DepositInput,
    responses(
        (status = 200, body = ApplicantView),
        (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)
    )
)]
#[post("/tenders/{id}/auction/applications/{org}/deposit")]
pub async fn deposit(
    state: web::Data<AppState>,
    principal: Principal,
    ctx: AuditContext,
    path: web::Path<(String, String)>,
    body: web::Json<DepositInput>,
) -> Result<web::Json<ApplicantView>, AppError> {
    let (id, org) = path.into_inner();
    let id = parse_id(&id)?;
    let org = org_id(&org)?;
    let input = body.into_inner();
    crate::error::text_field("reference", &input.reference, true, 128)?;
    let clock = state.clock.clone();
    let view = state
        .db
        .write(move |conn| {
            tenders::lock(conn, &id)?;
            let (row, role) = tenders::load_managed(conn, &id, &principal)?;
            let trade = store::require(conn, &row.id)?;
            let ctx = AuditContext {
                now: clock.now(),
                ..ctx
            }
            .acting_as(role);
            let (a, _) = store::confirm_deposit(
                conn,
                &ctx,
                &trade,
                &org,
                DepositSource::Organiser,
                &input.reference,
            )?;
            store::applicant_view(conn, &a)
        })
        .await?;
    Ok(web::Json(view))
}

/// A quote, by a qualified bidder signed in with its enterprise's
/// certificate: accepted if the trade is open to it by the server's clock
/// and the amount is at least the current price plus one increment, a
/// whole number of increments above it. 201 with the receipt (an RFC 3161
/// timestamp over its text); the same client id again answers 200 with
/// the first receipt and records nothing.
#[utoipa::path(
    tag = "auctions",
    params(("id" = String, Path)),
    request_body = QuoteInput,
    responses(
        (status = 200, body = QuoteReceipt),
        (status = 201, body = QuoteReceipt),
        (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)
    )
)]
#[post("/tenders/{id}/auction/quotes")]
pub async fn quote(
    state: web::Data<AppState>,
    principal: Principal,
    ctx: AuditContext,
    req: HttpRequest,
    id: web::Path<String>,
    body: web::Json<QuoteInput>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    let (user, org) = bidder(&principal, &req)?;
    let input = body.into_inner();
    let visible = id.clone();
    state
        .db
        .read(move |conn| tenders::load_visible(conn, &visible, &principal).map(|_| ()))
        .await?;
    let receipt = super::live::quote(&state, ctx, id.as_str(), user, org, input).await?;
    Ok(if receipt.duplicate {
        HttpResponse::Ok().json(receipt)
    } else {
        HttpResponse::Created().json(receipt)
    })
}

/// A declaration to continue (listings).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContinueInput {
    /// The client's id for this request (1 to 64 characters).
    #[schema(min_length = 1, max_length = 64)]
    pub id: String,
}

/// What a declaration came to.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Declared {
    /// The declaration's place in the trade's record.
    pub seq: i64,
    /// The same id was declared before: nothing new recorded.
    pub duplicate: bool,
}

/// A listing's bidder says it wants to continue into the timed phase
/// (39号令 第19条), during the listing period or the window after it,
/// signed in with its enterprise's certificate. 201 (200 for the same id
/// again); refused as a quote is, with its reason.
#[utoipa::path(
    tag = "auctions",
    params(("id" = String, Path)),
    request_body = ContinueInput,
    responses(
        (status = 200, body = Declared),
        (status = 201, body = Declared),
        (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)
    )
)]
#[post("/tenders/{id}/auction/continue")]
pub async fn declare(
    state: web::Data<AppState>,
    principal: Principal,
    ctx: AuditContext,
    req: HttpRequest,
    id: web::Path<String>,
    body: web::Json<ContinueInput>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    let (user, org) = bidder(&principal, &req)?;
    let input = body.into_inner();
    let clock = state.clock.clone();
    let declared = crate::hall::write_then_publish(&state.db, &state.auctions.hub, move |conn| {
        let row = tenders::load_visible(conn, &id, &principal)?;
        let trade = store::require(conn, &row.id)?;
        let ctx = ctx.acting_as(Role::Bidder);
        let (declared, recorded) =
            store::declare(conn, &ctx, clock.as_ref(), &trade, &org, &user, &input.id)?;
        let events = super::feed::announced(conn, &row.id, recorded)?;
        Ok((declared, events))
    })
    .await??;
    let (seq, duplicate) = declared;
    let body = Declared { seq, duplicate };
    Ok(if duplicate {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::Created().json(body)
    })
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ReceiptList {
    pub items: Vec<QuoteReceipt>,
}

/// The caller's enterprise's accepted quotes, with their receipts.
#[utoipa::path(
    tag = "auctions",
    params(("id" = String, Path)),
    responses(
        (status = 200, body = ReceiptList),
        (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem)
    )
)]
#[get("/tenders/{id}/auction/receipts")]
pub async fn my_receipts(
    state: web::Data<AppState>,
    principal: Principal,
    req: HttpRequest,
    id: web::Path<String>,
) -> Result<web::Json<ReceiptList>, AppError> {
    let id = parse_id(&id)?;
    let (_, org) = bidder(&principal, &req)?;
    let items = state
        .db
        .read(move |conn| {
            let row = tenders::load_visible(conn, &id, &principal)?;
            store::require(conn, &row.id)?;
            store::my_receipts(conn, &row.id, &org)
        })
        .await?;
    Ok(web::Json(ReceiptList { items }))
}

/// A decided trade's whole record: terms, the numbers that could quote,
/// every event in order and the outcome, which `ggzy auction verify`
/// replays. Whoever sees the tender; 409 until the trade is decided.
#[utoipa::path(
    tag = "auctions",
    params(("id" = String, Path)),
    responses(
        (status = 200, body = store::TradeRecord),
        (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem)
    )
)]
#[get("/tenders/{id}/auction/record")]
pub async fn record(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<String>,
) -> Result<web::Json<store::TradeRecord>, AppError> {
    let id = parse_id(&id)?;
    let record = state
        .db
        .read(move |conn| {
            let row = tenders::load_visible(conn, &id, &principal)?;
            let trade = store::require(conn, &row.id)?;
            store::record(conn, &trade)
        })
        .await?;
    Ok(web::Json(record))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct LiveQuery {
    /// Send only events numbered after this one (0, the default: all).
    #[param(minimum = 0)]
    pub after: Option<i64>,
}

/// Follows a trade live over a WebSocket, and quotes on it.
///
/// After the upgrade the server sends every recorded event numbered after
/// `after` as a JSON text frame (`{"type":"event","seq":n,"at":"RFC 3339",
/// "kind":"quote_accepted","number":"…","amount_fen":…}`, and the other
/// kinds with their fields), then `{"type":"live","last_seq":n}`, then each
/// new event as it commits, in order, without gaps or repeats. Anyone who
/// sees the tender may watch (numbers, never names). `{"type":"clock"}` is
/// answered with `{"type":"clock","now":…}`, the server's time. A bidder
/// whose socket was opened in its certificate session (the token as a
/// bearer header, or the subprotocol `ggzy.bearer.<token>` beside
/// `ggzy.v1`) sends `{"type":"quote","id":…,"amount_fen":…}` and gets
/// `{"type":"ack","id":…,"seq":n,"receipt":{…}}`, or `{"type":"error",
/// "id":…,"code":…,"reason":…,"params":{…}}` as over HTTP.
#[utoipa::path(
    tag = "auctions",
    params(("id" = String, Path), LiveQuery),
    responses(
        (status = 101, description = "Switching Protocols: the WebSocket of the trade's events"),
        (status = 400, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem),
        (status = 426, description = "Not a WebSocket handshake", body = crate::error::Problem)
    )
)]
#[get("/tenders/{id}/auction/live")]
pub async fn live(
    req: HttpRequest,
    body: web::Payload,
    state: web::Data<AppState>,
    principal: Principal,
    ctx: AuditContext,
    id: web::Path<String>,
    query: web::Query<LiveQuery>,
) -> Result<HttpResponse, AppError> {
    use tracing::Instrument;
    let id = parse_id(&id)?;
    let after = crate::hall::routes::check_after(query.after)?;
    let reader = principal.clone();
    let tender = id.clone();
    state
        .db
        .read(move |conn| {
            let row = tenders::load_visible(conn, &tender, &reader)?;
            store::require(conn, &row.id).map(|_| ())
        })
        .await?;
    // A bidder in a certificate session may quote on the socket; anyone
    // else watches.
    let quoting = bidder(&principal, &req).ok();
    let (response, session, stream) = crate::hall::live::upgrade(&req, body)?;
    let subscription = state.auctions.hub.subscribe(id.as_str());
    let span = tracing::info_span!("auction_live", tender_id = %id, after);
    let live = crate::hall::live::Live {
        session,
        stream,
        subscription,
        channel: super::live::AuctionChannel {
            state: state.clone(),
            tender_id: id.to_string(),
            bidder: quoting,
            ctx,
            token: crate::identity::middleware::bearer(&req),
        },
        after,
        settings: state.auctions.settings,
    };
    actix_web::rt::spawn(live.run().instrument(span));
    Ok(response)
}

/// A bank tells the platform that an applicant's deposit arrived. Not a
/// user's request: the bank is named in `X-GGZY-Bank` and the body signed
/// with HMAC-SHA256 under the bank's key (`ggzy banks add`), lower-case
/// hex in `X-GGZY-Signature`; anything else is 401. The bank serves the
/// tender's league only (403), the amount covers the trade's deposit and
/// the payer has applied (422), before quoting opens (409). The same
/// reference again answers as the first time and changes nothing; the same
/// reference for another payment is 409.
#[utoipa::path(
    tag = "auctions",
    request_body = super::banks::Notification,
    params(
        ("X-GGZY-Bank" = String, Header, description = "the bank's code"),
        ("X-GGZY-Signature" = String, Header, description = "HMAC-SHA256 of the body under the bank's key, lower-case hex")
    ),
    responses(
        (status = 200, body = super::banks::Acknowledgement),
        (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)
    )
)]
#[post("/auction-deposits")]
pub async fn bank_notification(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<web::Json<super::banks::Acknowledgement>, AppError> {
    use super::banks::{BANK_HEADER, SIGNATURE_HEADER};
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let (bank, signature) = (header(BANK_HEADER), header(SIGNATURE_HEADER));
    let clock = state.clock.clone();
    let ack = state
        .db
        .write(move |conn| {
            let (bank, league) =
                super::banks::authenticate(conn, bank.as_deref(), signature.as_deref(), &body)?;
            let notification: super::banks::Notification = crate::http::parse_json(&body)?;
            super::banks::notify(conn, clock.now(), &bank, &league, &body, &notification)
        })
        .await?;
    Ok(web::Json(ack))
}

// --- The sealed reserve (`super::reserve`).

/// Seals the trade's reserve price: the plain text (`ggzy-reserve-v1`
/// lines) encrypted to the tender's opening certificate alone, and its
/// SHA-256, the commitment, which the audit log keeps. Once, after the
/// tender is published and before quoting opens. The seller only: the
/// tender's tenderer or agent, never the centre's operators.
#[utoipa::path(
    tag = "auctions",
    params(("id" = String, Path)),
    request_body = super::reserve::SealInput,
    responses(
        (status = 200, body = store::ReserveView),
        (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)
    )
)]
#[put("/tenders/{id}/auction/reserve")]
pub async fn seal_reserve(
    state: web::Data<AppState>,
    principal: Principal,
    ctx: AuditContext,
    id: web::Path<String>,
    body: web::Json<super::reserve::SealInput>,
) -> Result<web::Json<store::ReserveView>, AppError> {
    let id = parse_id(&id)?;
    let input = body.into_inner();
    let clock = state.clock.clone();
    let view = state
        .db
        .write(move |conn| {
            tenders::lock(conn, &id)?;
            let (row, role) = tenders::load_managed(conn, &id, &principal)?;
            if !matches!(role, Role::Tenderer | Role::Agent) {
                return Err(AppError::Forbidden(
                    "the reserve is the seller's: the tender's tenderer or its agent seals it"
                        .into(),
                )
                .because("auction.reserve-sellers", json!({})));
            }
            let trade = store::require(conn, &row.id)?;
            let ctx = AuditContext {
                now: clock.now(),
                ..ctx
            }
            .acting_as(role);
            super::reserve::seal(conn, &ctx, &row, &trade, &input)
        })
        .await?;
    Ok(web::Json(view))
}

/// The signed-in custodian's share of the tender's opening key, encrypted
/// to its certificate (CMS, `openssl cms -decrypt`), once the trade has
/// closed and waits for its reserve.
#[utoipa::path(
    tag = "auctions",
    params(("id" = String, Path)),
    responses(
        (status = 200, description = "CMS EnvelopedData (DER)", content_type = "application/pkcs7-mime", body = Vec<u8>),
        (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem)
    )
)]
#[get("/tenders/{id}/auction/reserve/my-share")]
pub async fn reserve_share(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    let user = principal
        .user_id
        .clone()
        .ok_or_else(crate::identity::sign_in_first)?;
    let now = state.clock.now();
    let (x, der) = state
        .db
        .read(move |conn| {
            let row = tenders::load_visible(conn, &id, &principal)?;
            let trade = store::require(conn, &row.id)?;
            let share = crate::opening::store::encrypted_share_of(conn, &row.id, &user)
                .map_err(|_| crate::opening::store::no_share())?;
            let (mut trade_state, _, _) = store::state(conn, &trade)?;
            trade_state.advance(store::record_time(now));
            if !matches!(
                trade_state.phase(),
                super::engine::Phase::AwaitingReserve { .. }
            ) {
                return Err(AppError::IllegalTransition(
                    "the shares are given out once quoting has closed and the trade waits for its reserve".into(),
                )
                .because("auction.reserve-not-due", json!({})));
            }
            Ok(share)
        })
        .await?;
    Ok(crate::opening::routes::share_response(x, der))
}

/// Releases the signed-in custodian's share for the reserve (the bytes
/// `openssl cms -decrypt` gave, base64), once quoting has closed; with
/// enough shares the reserve is revealed and checked against its
/// commitment, and the trade decided (or void). A custodian of the
/// tender's opening key only.
#[utoipa::path(
    tag = "auctions",
    params(("id" = String, Path)),
    request_body = crate::opening::routes::ShareInput,
    responses(
        (status = 200, body = crate::opening::routes::ReleaseView),
        (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)
    )
)]
#[post("/tenders/{id}/auction/reserve/shares")]
pub async fn release_reserve_share(
    state: web::Data<AppState>,
    principal: Principal,
    ctx: AuditContext,
    id: web::Path<String>,
    body: web::Json<crate::opening::routes::ShareInput>,
) -> Result<web::Json<crate::opening::routes::ReleaseView>, AppError> {
    let id = parse_id(&id)?;
    let user = principal
        .user_id
        .clone()
        .ok_or_else(crate::identity::sign_in_first)?;
    let role =
        principal.require_any(&[Role::Tenderer, Role::Agent, Role::Supervisor, Role::Expert])?;
    let plain = crate::pki::pem_or_base64(body.share.trim()).ok_or_else(|| {
        AppError::invalid_field(
            crate::error::FieldError::new("share", "expected base64")
                .because("encoding.base64", json!({})),
        )
    })?;
    let plain = crate::opening::custody::PlainShare::new(plain);
    release(state, principal, ctx, id, move |conn, tender| {
        crate::opening::store::encrypted_share_of(conn, tender, &user)
            .map_err(|_| crate::opening::store::no_share())?;
        Ok((
            role,
            crate::opening::store::Releaser::User(user.clone()),
            plain,
        ))
    })
    .await
}

/// Releases the platform's share for the reserve: a platform operator
/// asks, the server decrypts it with the platform's custodian key, once
/// quoting has closed.
#[utoipa::path(
    tag = "auctions",
    params(("id" = String, Path)),
    responses(
        (status = 200, body = crate::opening::routes::ReleaseView),
        (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem)
    )
)]
#[post("/tenders/{id}/auction/reserve/platform-share")]
pub async fn release_reserve_platform_share(
    state: web::Data<AppState>,
    principal: Principal,
    ctx: AuditContext,
    id: web::Path<String>,
) -> Result<web::Json<crate::opening::routes::ReleaseView>, AppError> {
    let id = parse_id(&id)?;
    crate::identity::policy::require_operator(
        &principal,
        crate::identity::policy::Area::PlatformKeys,
        None,
    )?;
    let custodian = state.platform_custodian.clone();
    release(state, principal, ctx, id, move |conn, tender| {
        let encrypted = crate::opening::store::platform_share_of(conn, tender)?;
        let plain = custodian
            .decrypt_share(&encrypted)
            .map_err(AppError::Internal)?;
        Ok((
            Role::Operator,
            crate::opening::store::Releaser::Platform,
            crate::opening::custody::PlainShare::new(plain),
        ))
    })
    .await
}

/// One release for the reserve, in one transaction under the tender's
/// lock: `share` says who releases what (after checking it holds a
/// share); the events recorded go to the trade's watchers once committed.
async fn release<F>(
    state: web::Data<AppState>,
    principal: Principal,
    ctx: AuditContext,
    id: crate::types::TenderId,
    share: F,
) -> Result<web::Json<crate::opening::routes::ReleaseView>, AppError>
where
    F: FnOnce(
            &mut crate::db::DbConn,
            &str,
        ) -> Result<
            (
                Role,
                crate::opening::store::Releaser,
                crate::opening::custody::PlainShare,
            ),
            AppError,
        > + Send
        + 'static,
{
    let clock = state.clock.clone();
    let released = crate::hall::write_then_publish(&state.db, &state.auctions.hub, move |conn| {
        tenders::lock(conn, &id)?;
        let row = tenders::load_visible(conn, &id, &principal)?;
        let trade = store::require(conn, &row.id)?;
        // Authority before state: one who holds no share hears that, and
        // nothing about where the trade stands.
        let (role, releaser, plain) = share(conn, &row.id)?;
        let ctx = AuditContext {
            now: store::record_time(clock.now()),
            ..ctx
        }
        .acting_as(role);
        let (released, recorded) =
            super::reserve::release(conn, &ctx, &trade, &releaser, plain.bytes())?;
        let events = super::feed::announced(conn, &row.id, recorded)?;
        Ok((released, events))
    })
    .await?;
    crate::opening::routes::released_view(released)
}
