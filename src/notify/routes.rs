//! The inbox, a user's address and choices, and the operators' dead
//! letters.
//!
//! Who may call what:
//! - `/me/notifications…`, `/me/notification-settings`, `/me/email`,
//!   `/me/subscriptions`: any signed-in user, for its own only.
//! - `POST /email-verifications`: anyone holding a link's token (the token
//!   is the proof).
//! - `/notifications/dead-letters…`: operators (platform: all; league: its
//!   league's), as `identity::policy::Area::Notifications` says. A letter
//!   that would tell who bid on a tender not yet opened shows only its
//!   state.

use super::Kind;
use super::outbox::State;
use super::settings::{self, ChoicesInput, Subscription};
use crate::app::AppState;
use crate::audit::{self, AuditContext};
use crate::db::schema::{email_deliveries, notifications};
use crate::db::{DbConn, from_db_time, to_db_time};
use crate::error::AppError;
use crate::http::{Page, PageQuery};
use crate::identity::Principal;
use crate::identity::policy::{Area, require_operator};
use actix_web::{HttpResponse, delete, get, post, put, web};
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

fn me(principal: &Principal) -> Result<String, AppError> {
    principal
        .user_id
        .as_ref()
        .map(|u| u.as_str().to_string())
        .ok_or_else(crate::identity::sign_in_first)
}

/// An inbox entry.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct InboxItem {
    pub id: String,
    pub kind: Kind,
    pub tender_id: Option<String>,
    pub subject: String,
    pub created_at: DateTime<Utc>,
    pub read_at: Option<DateTime<Utc>>,
    /// Where the message points in the platform.
    pub link: Option<String>,
    /// The e-mail's state, if one was sent: pending, sending, sent, dead.
    pub email: Option<State>,
}

/// One message in full.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct InboxMessage {
    #[serde(flatten)]
    pub item: InboxItem,
    pub body_text: String,
    pub body_html: String,
    pub attachments: Vec<AttachmentInfo>,
    /// The e-mail's Message-ID, if one was sent.
    pub message_id: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AttachmentInfo {
    pub n: usize,
    pub filename: String,
    pub media_type: String,
    pub size: usize,
    /// Where to download it.
    pub href: String,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct InboxQuery {
    /// Only unread messages.
    pub unread: Option<bool>,
    pub page: Option<u32>,
    pub per_page: Option<u32>,
}

type ItemRow = (
    String,
    String,
    Option<String>,
    String,
    NaiveDateTime,
    Option<NaiveDateTime>,
    Option<String>,
    Option<String>,
);

fn item_of(row: ItemRow) -> Result<InboxItem, AppError> {
    let (id, kind, tender_id, subject, created, read, link, email) = row;
    Ok(InboxItem {
        id,
        kind: Kind::from_db(&kind)?,
        tender_id,
        subject,
        created_at: from_db_time(created),
        read_at: read.map(from_db_time),
        link,
        email: email.map(|s| State::from_db(&s)).transpose()?,
    })
}

macro_rules! item_columns {
    () => {
        (
            notifications::id,
            notifications::kind,
            notifications::tender_id,
            notifications::subject,
            notifications::created_at,
            notifications::read_at,
            notifications::link,
            email_deliveries::state.nullable(),
        )
    };
}

/// My inbox, newest first.
#[utoipa::path(
    tag = "notifications",
    params(InboxQuery),
    responses((status = 200, body = Page<InboxItem>), (status = 400, body = crate::error::Problem), (status = 401, body = crate::error::Problem))
)]
#[get("/me/notifications")]
pub async fn inbox(
    state: web::Data<AppState>,
    principal: Principal,
    query: web::Query<InboxQuery>,
) -> Result<web::Json<Page<InboxItem>>, AppError> {
    let user = me(&principal)?;
    let q = query.into_inner();
    let paging = PageQuery {
        page: q.page,
        per_page: q.per_page,
    }
    .validate()?;
    let unread = q.unread.unwrap_or(false);
    let page = state
        .db
        .read(move |conn| {
            let mut count = notifications::table
                .filter(notifications::user_id.eq(&user))
                .filter(notifications::in_inbox.eq(true))
                .into_boxed();
            let mut rows = notifications::table
                .left_join(email_deliveries::table)
                .filter(notifications::user_id.eq(&user))
                .filter(notifications::in_inbox.eq(true))
                .into_boxed();
            if unread {
                count = count.filter(notifications::read_at.is_null());
                rows = rows.filter(notifications::read_at.is_null());
            }
            let total: i64 = count.count().get_result(conn)?;
            let rows: Vec<ItemRow> = rows
                .order((notifications::created_at.desc(), notifications::id.desc()))
                .offset(((paging.page - 1) as i64) * paging.per_page as i64)
                .limit(paging.per_page as i64)
                .select(item_columns!())
                .load(conn)?;
            Ok(Page {
                items: rows.into_iter().map(item_of).collect::<Result<_, _>>()?,
                page: paging.page,
                per_page: paging.per_page,
                total,
            })
        })
        .await?;
    Ok(web::Json(page))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct UnreadCount {
    pub unread: i64,
}

/// How many of my messages are unread.
#[utoipa::path(
    tag = "notifications",
    responses((status = 200, body = UnreadCount), (status = 401, body = crate::error::Problem))
)]
#[get("/me/notifications/unread-count")]
pub async fn unread_count(
    state: web::Data<AppState>,
    principal: Principal,
) -> Result<web::Json<UnreadCount>, AppError> {
    let user = me(&principal)?;
    let unread = state.db.read(move |conn| unread_of(conn, &user)).await?;
    Ok(web::Json(UnreadCount { unread }))
}

fn own_message(conn: &mut DbConn, user: &str, id: &str) -> Result<InboxMessage, AppError> {
    type Full = (ItemRow, (String, String, String, Option<String>));
    let row: Option<Full> = notifications::table
        .left_join(email_deliveries::table)
        .filter(notifications::id.eq(id))
        .filter(notifications::user_id.eq(user))
        .filter(notifications::in_inbox.eq(true))
        .select((
            item_columns!(),
            (
                notifications::body_text,
                notifications::body_html,
                notifications::attachments_json,
                email_deliveries::message_id.nullable(),
            ),
        ))
        .first(conn)
        .optional()?;
    // Another user's message is not found, as one that does not exist.
    let (item, (text, html, attachments, message_id)) =
        row.ok_or_else(|| AppError::not_found("notification"))?;
    let item = item_of(item)?;
    let attachments: Vec<super::Attachment> = serde_json::from_str(&attachments)
        .map_err(|e| AppError::Internal(anyhow::Error::new(e).context("attachments")))?;
    Ok(InboxMessage {
        attachments: attachments
            .iter()
            .enumerate()
            .map(|(n, a)| AttachmentInfo {
                n,
                filename: a.filename.clone(),
                media_type: a.media_type.clone(),
                size: a.bytes().map(|b| b.len()).unwrap_or(0),
                href: format!("/api/v1/me/notifications/{}/attachments/{n}", item.id),
            })
            .collect(),
        item,
        body_text: text,
        body_html: html,
        message_id,
    })
}

/// One of my messages, in full.
#[utoipa::path(
    tag = "notifications",
    params(("id" = String, Path)),
    responses((status = 200, body = InboxMessage), (status = 401, body = crate::error::Problem), (status = 404, body = crate::error::Problem))
)]
#[get("/me/notifications/{id}")]
pub async fn message(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<String>,
) -> Result<web::Json<InboxMessage>, AppError> {
    let user = me(&principal)?;
    let id = id.into_inner();
    let message = state
        .db
        .read(move |conn| own_message(conn, &user, &id))
        .await?;
    Ok(web::Json(message))
}

/// An attachment of one of my messages.
#[utoipa::path(
    tag = "notifications",
    params(("id" = String, Path), ("n" = usize, Path)),
    responses((status = 200, content_type = "application/octet-stream", body = Vec<u8>), (status = 401, body = crate::error::Problem), (status = 404, body = crate::error::Problem))
)]
#[get("/me/notifications/{id}/attachments/{n}")]
pub async fn attachment(
    state: web::Data<AppState>,
    principal: Principal,
    path: web::Path<(String, usize)>,
) -> Result<HttpResponse, AppError> {
    let user = me(&principal)?;
    let (id, n) = path.into_inner();
    let found = state
        .db
        .read(move |conn| {
            let json: String = notifications::table
                .filter(notifications::id.eq(&id))
                .filter(notifications::user_id.eq(&user))
                .filter(notifications::in_inbox.eq(true))
                .select(notifications::attachments_json)
                .first(conn)
                .optional()?
                .ok_or_else(|| AppError::not_found("notification"))?;
            let list: Vec<super::Attachment> = serde_json::from_str(&json)
                .map_err(|e| AppError::Internal(anyhow::Error::new(e).context("attachments")))?;
            list.into_iter()
                .nth(n)
                .ok_or_else(|| AppError::not_found("attachment"))
        })
        .await?;
    let bytes = found.bytes()?;
    let name: String = found
        .filename
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
        .collect();
    Ok(HttpResponse::Ok()
        .content_type(found.media_type.as_str())
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"{name}\""),
        ))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .body(bytes))
}

fn mark_read(
    conn: &mut DbConn,
    ctx: &AuditContext,
    user: &str,
    id: Option<&str>,
) -> Result<usize, AppError> {
    let now = to_db_time(ctx.now);
    let n = match id {
        Some(id) => {
            let exists: i64 = notifications::table
                .filter(notifications::id.eq(id))
                .filter(notifications::user_id.eq(user))
                .filter(notifications::in_inbox.eq(true))
                .count()
                .get_result(conn)?;
            if exists == 0 {
                return Err(AppError::not_found("notification"));
            }
            diesel::update(
                notifications::table
                    .filter(notifications::id.eq(id))
                    .filter(notifications::read_at.is_null()),
            )
            .set(notifications::read_at.eq(now))
            .execute(conn)?
        }
        None => diesel::update(
            notifications::table
                .filter(notifications::user_id.eq(user))
                .filter(notifications::in_inbox.eq(true))
                .filter(notifications::read_at.is_null()),
        )
        .set(notifications::read_at.eq(now))
        .execute(conn)?,
    };
    if n > 0 {
        audit::record(
            conn,
            ctx,
            "notification.read",
            "user",
            user,
            None,
            &serde_json::json!({ "notification": id, "count": n }),
        )?;
    }
    Ok(n)
}

/// Marks one of my messages read.
#[utoipa::path(
    tag = "notifications",
    params(("id" = String, Path)),
    responses((status = 200, body = UnreadCount), (status = 401, body = crate::error::Problem), (status = 404, body = crate::error::Problem))
)]
#[post("/me/notifications/{id}/read")]
pub async fn read_one(
    state: web::Data<AppState>,
    principal: Principal,
    ctx: AuditContext,
    id: web::Path<String>,
) -> Result<web::Json<UnreadCount>, AppError> {
    let user = me(&principal)?;
    let id = id.into_inner();
    let unread = state
        .db
        .write(move |conn| {
            mark_read(conn, &ctx, &user, Some(&id))?;
            unread_of(conn, &user)
        })
        .await?;
    Ok(web::Json(UnreadCount { unread }))
}

fn unread_of(conn: &mut DbConn, user: &str) -> Result<i64, AppError> {
    Ok(notifications::table
        .filter(notifications::user_id.eq(user))
        .filter(notifications::in_inbox.eq(true))
        .filter(notifications::read_at.is_null())
        .count()
        .get_result(conn)?)
}

/// Marks all my messages read.
#[utoipa::path(
    tag = "notifications",
    responses((status = 200, body = UnreadCount), (status = 401, body = crate::error::Problem))
)]
#[post("/me/notifications/read-all")]
pub async fn read_all(
    state: web::Data<AppState>,
    principal: Principal,
    ctx: AuditContext,
) -> Result<web::Json<UnreadCount>, AppError> {
    let user = me(&principal)?;
    let unread = state
        .db
        .write(move |conn| {
            mark_read(conn, &ctx, &user, None)?;
            unread_of(conn, &user)
        })
        .await?;
    Ok(web::Json(UnreadCount { unread }))
}

/// A kind, and whether the user can choose.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct KindChoice {
    pub kind: Kind,
    /// procedural (always sent), optional (sent unless muted), opt_in
    /// (sent only if wanted).
    pub class: &'static str,
    /// Whether this user gets it by e-mail (given a verified address).
    pub by_email: bool,
}

/// A user's address, language and choices.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SettingsView {
    pub email: Option<String>,
    pub email_verified: bool,
    pub language: String,
    pub kinds: Vec<KindChoice>,
}

fn view(choices: &settings::Choices) -> SettingsView {
    use super::kinds::Class;
    SettingsView {
        email: choices.email.clone(),
        email_verified: choices.verified,
        language: choices.language.code().into(),
        kinds: Kind::ALL
            .iter()
            .filter(|k| **k != Kind::EmailVerification)
            .map(|k| KindChoice {
                kind: *k,
                class: match k.class() {
                    Class::Procedural => "procedural",
                    Class::Optional => "optional",
                    Class::OptIn => "opt_in",
                },
                by_email: match k.class() {
                    Class::Procedural => true,
                    Class::Optional => !choices.muted.contains(k),
                    Class::OptIn => choices.wanted.contains(k),
                },
            })
            .collect(),
    }
}

/// My address, language and which messages I get.
#[utoipa::path(
    tag = "notifications",
    responses((status = 200, body = SettingsView), (status = 401, body = crate::error::Problem))
)]
#[get("/me/notification-settings")]
pub async fn get_settings(
    state: web::Data<AppState>,
    principal: Principal,
) -> Result<web::Json<SettingsView>, AppError> {
    let user = me(&principal)?;
    let choices = state
        .db
        .read(move |conn| settings::load(conn, &user))
        .await?;
    Ok(web::Json(view(&choices)))
}

/// Changes my language, the optional messages I do not want by e-mail
/// (`muted`) and the opt-in messages I want (`wanted`). Procedural
/// messages cannot be muted: 422.
#[utoipa::path(
    tag = "notifications",
    request_body = ChoicesInput,
    responses((status = 200, body = SettingsView), (status = 401, body = crate::error::Problem), (status = 422, body = crate::error::Problem))
)]
#[put("/me/notification-settings")]
pub async fn put_settings(
    state: web::Data<AppState>,
    principal: Principal,
    ctx: AuditContext,
    body: web::Json<ChoicesInput>,
) -> Result<web::Json<SettingsView>, AppError> {
    let user = me(&principal)?;
    let input = body.into_inner();
    let choices = state
        .db
        .write(move |conn| settings::change(conn, &ctx, &user, &input))
        .await?;
    Ok(web::Json(view(&choices)))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddressInput {
    #[schema(max_length = 254)]
    pub address: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AddressAdded {
    pub address: String,
    pub verified: bool,
    /// What happens next, in words.
    pub detail: String,
}

/// Sets my e-mail address: a single-use link is sent there, and nothing
/// else is until it is opened. An address that is not one: 422.
#[utoipa::path(
    tag = "notifications",
    request_body = AddressInput,
    responses((status = 202, body = AddressAdded), (status = 401, body = crate::error::Problem), (status = 422, body = crate::error::Problem))
)]
#[put("/me/email")]
pub async fn put_email(
    state: web::Data<AppState>,
    principal: Principal,
    ctx: AuditContext,
    body: web::Json<AddressInput>,
) -> Result<HttpResponse, AppError> {
    let user = me(&principal)?;
    let raw = body.into_inner().address;
    let address = state
        .db
        .write(move |conn| settings::add_address(conn, &ctx, &user, &raw))
        .await?;
    Ok(HttpResponse::Accepted().json(AddressAdded {
        detail: format!(
            "a link was sent to {address}; open it within {} hours to verify the address",
            settings::VERIFY_WITHIN.num_hours()
        ),
        address,
        verified: false,
    }))
}

/// Removes my e-mail address.
#[utoipa::path(
    tag = "notifications",
    responses((status = 204), (status = 401, body = crate::error::Problem))
)]
#[delete("/me/email")]
pub async fn delete_email(
    state: web::Data<AppState>,
    principal: Principal,
    ctx: AuditContext,
) -> Result<HttpResponse, AppError> {
    let user = me(&principal)?;
    state
        .db
        .write(move |conn| settings::remove_address(conn, &ctx, &user))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerificationInput {
    pub token: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Verified {
    pub verified: bool,
}

/// Verifies an address with the token its link carried (once; within 24
/// hours; only the newest link of a user works).
#[utoipa::path(
    tag = "notifications",
    request_body = VerificationInput,
    responses((status = 200, body = Verified), (status = 422, body = crate::error::Problem))
)]
#[post("/email-verifications")]
pub async fn verify_email(
    state: web::Data<AppState>,
    ctx: AuditContext,
    body: web::Json<VerificationInput>,
) -> Result<web::Json<Verified>, AppError> {
    let token = body.into_inner().token;
    state
        .db
        .write(move |conn| settings::verify(conn, &ctx, &token))
        .await?;
    Ok(web::Json(Verified { verified: true }))
}

/// The categories whose new tenders I am told of.
#[utoipa::path(
    tag = "notifications",
    responses((status = 200, body = Vec<Subscription>), (status = 401, body = crate::error::Problem))
)]
#[get("/me/subscriptions")]
pub async fn get_subscriptions(
    state: web::Data<AppState>,
    principal: Principal,
) -> Result<web::Json<Vec<Subscription>>, AppError> {
    let user = me(&principal)?;
    let subs = state
        .db
        .read(move |conn| settings::subscriptions(conn, &user))
        .await?;
    Ok(web::Json(subs))
}

/// Replaces the categories (each in a league, or `*` for all) whose new
/// tenders I am told of.
#[utoipa::path(
    tag = "notifications",
    request_body = Vec<Subscription>,
    responses((status = 200, body = Vec<Subscription>), (status = 401, body = crate::error::Problem), (status = 422, body = crate::error::Problem))
)]
#[put("/me/subscriptions")]
pub async fn put_subscriptions(
    state: web::Data<AppState>,
    principal: Principal,
    ctx: AuditContext,
    body: web::Json<Vec<Subscription>>,
) -> Result<web::Json<Vec<Subscription>>, AppError> {
    let user = me(&principal)?;
    let wanted = body.into_inner();
    let subs = state
        .db
        .write(move |conn| settings::set_subscriptions(conn, &ctx, &user, &wanted))
        .await?;
    Ok(web::Json(subs))
}

/// An e-mail that could not be delivered.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DeadLetter {
    pub notification_id: String,
    pub kind: Kind,
    pub tender_id: Option<String>,
    pub league: Option<String>,
    /// Whether the recipient, address, subject, error, tender and league
    /// are withheld: the message tells who bid on a tender not yet opened
    /// (and that the tender had a bid: as sealed as who bid, 招标投标法
    /// 第22条), or who was invited to a committee (or sits in its room)
    /// before the result.
    pub sealed: bool,
    pub user_id: Option<String>,
    pub address: Option<String>,
    pub subject: Option<String>,
    pub message_id: String,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// Undelivered e-mails: all for a platform operator, its league's for a
/// league operator.
#[utoipa::path(
    tag = "notifications",
    params(PageQueryParams),
    responses((status = 200, body = Page<DeadLetter>), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem))
)]
#[get("/notifications/dead-letters")]
pub async fn dead_letters(
    state: web::Data<AppState>,
    principal: Principal,
    query: web::Query<PageQueryParams>,
) -> Result<web::Json<Page<DeadLetter>>, AppError> {
    // A league operator asks for its own league; the platform's, for all.
    let league = principal.league.as_ref().map(|l| l.as_str().to_string());
    require_operator(&principal, Area::Notifications, league.as_deref())?;
    let paging = PageQuery {
        page: query.page,
        per_page: query.per_page,
    }
    .validate()?;
    let page = state
        .db
        .read(move |conn| {
            type Row = (
                (
                    String,
                    String,
                    Option<String>,
                    Option<String>,
                    bool,
                    String,
                    String,
                ),
                (String, String, i32, Option<String>, NaiveDateTime),
            );
            let dead = notifications::table
                .inner_join(email_deliveries::table)
                .filter(email_deliveries::state.eq(State::Dead.code()))
                .into_boxed();
            let dead = match &league {
                Some(l) => dead.filter(notifications::league_code.eq(l.clone())),
                None => dead,
            };
            let rows: Vec<Row> = dead
                .order(email_deliveries::created_at.desc())
                .select((
                    (
                        notifications::id,
                        notifications::kind,
                        notifications::tender_id,
                        notifications::league_code,
                        notifications::sealed,
                        notifications::user_id,
                        notifications::subject,
                    ),
                    (
                        email_deliveries::address,
                        email_deliveries::message_id,
                        email_deliveries::attempts,
                        email_deliveries::last_error,
                        email_deliveries::created_at,
                    ),
                ))
                .load(conn)?;
            let total = rows.len() as i64;
            let tenders: Vec<String> = rows.iter().filter_map(|r| r.0.2.clone()).collect();
            let opened = crate::audit::sealing::opened_tenders(conn, &tenders)?;
            // Who sits on a committee is confidential until the result
            // (招标投标法 第37条): a letter to a member (its invitation, the
            // room's opening) stays withheld until the tender is awarded or
            // closed.
            let decided = crate::audit::sealing::decided_tenders(conn, &tenders)?;
            let items = rows
                .into_iter()
                .skip(((paging.page - 1) * paging.per_page) as usize)
                .take(paging.per_page as usize)
                .map(
                    |(
                        (id, kind, tender, lg, sealed, user, subject),
                        (addr, mid, attempts, err, created),
                    )| {
                        let kind = Kind::from_db(&kind)?;
                        let revealed = match kind {
                            Kind::ExpertInvitation | Kind::RoomOpened => &decided,
                            _ => &opened,
                        };
                        let withheld =
                            sealed && !tender.as_ref().is_some_and(|t| revealed.contains(t));
                        Ok(DeadLetter {
                            notification_id: id,
                            kind,
                            tender_id: tender.filter(|_| !withheld),
                            league: lg.filter(|_| !withheld),
                            sealed: withheld,
                            user_id: (!withheld).then_some(user),
                            address: (!withheld).then_some(addr),
                            subject: (!withheld).then_some(subject),
                            message_id: mid,
                            attempts,
                            last_error: if withheld { None } else { err },
                            created_at: from_db_time(created),
                        })
                    },
                )
                .collect::<Result<Vec<_>, AppError>>()?;
            Ok(Page {
                items,
                page: paging.page,
                per_page: paging.per_page,
                total,
            })
        })
        .await?;
    Ok(web::Json(page))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct PageQueryParams {
    pub page: Option<u32>,
    pub per_page: Option<u32>,
}

/// Sends a dead letter again (from its first try's policy: the count of
/// tries starts again), keeping its Message-ID.
#[utoipa::path(
    tag = "notifications",
    params(("id" = String, Path)),
    responses((status = 200, body = DeadLetterRetried), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem))
)]
#[post("/notifications/dead-letters/{id}/retry")]
pub async fn retry_dead_letter(
    state: web::Data<AppState>,
    principal: Principal,
    ctx: AuditContext,
    id: web::Path<String>,
) -> Result<web::Json<DeadLetterRetried>, AppError> {
    principal.require_any(&[crate::identity::Role::Operator])?;
    let id = id.into_inner();
    let retried = state
        .db
        .write(move |conn| {
            let row: Option<(Option<String>, String, bool, Option<String>)> = notifications::table
                .inner_join(email_deliveries::table)
                .filter(notifications::id.eq(&id))
                .select((
                    notifications::league_code,
                    email_deliveries::state,
                    notifications::sealed,
                    notifications::tender_id,
                ))
                .first(conn)
                .optional()?;
            let Some((league, st, sealed, tender_id)) = row else {
                return Err(AppError::not_found("dead letter"));
            };
            require_operator(&principal, Area::Notifications, league.as_deref())?;
            if st != State::Dead.code() {
                return Err(AppError::Conflict(format!(
                    "this e-mail is {st}, not a dead letter: only dead letters are retried"
                ))
                .because(
                    "notify.not-dead-letter",
                    serde_json::json!({ "delivery": st }),
                ));
            }
            diesel::update(
                email_deliveries::table
                    .find(&id)
                    .filter(email_deliveries::state.eq(State::Dead.code())),
            )
            .set((
                email_deliveries::state.eq(State::Pending.code()),
                email_deliveries::attempts.eq(0),
                email_deliveries::next_attempt_at.eq(to_db_time(ctx.now)),
            ))
            .execute(conn)?;
            // A sealed message's events are sealed with the bids.
            let (object_type, tender) = if sealed {
                (
                    crate::audit::sealing::SEALED_NOTIFICATION,
                    tender_id.as_deref(),
                )
            } else {
                ("notification", None)
            };
            audit::record(
                conn,
                &ctx,
                "notification.retried",
                object_type,
                &id,
                tender,
                &serde_json::json!({}),
            )?;
            Ok(DeadLetterRetried {
                notification_id: id,
                state: State::Pending,
            })
        })
        .await?;
    Ok(web::Json(retried))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DeadLetterRetried {
    pub notification_id: String,
    pub state: State,
}
