//! The demo data's two procedures, so that a newcomer sees an opening
//! record, a room's events and a signed report on the first start, and can
//! watch an opening live a few minutes later.
//!
//! - **Finished** (南宁市第三中学 laboratory equipment, government
//!   procurement of goods, open tendering, comprehensive scoring): its bid
//!   deadline falls [`FINISHED_DEADLINE_AFTER`] after the demo data is
//!   loaded. Four demo enterprises bid, their bids opened, a committee of
//!   five drawn, the committee evaluates in the room and signs its report,
//!   the purchaser confirms the first candidate, and the contract is
//!   signed by both parties and published, all within seconds of the
//!   start.
//! - **Live** (南宁市第十四中学 classroom furniture): its deadline falls
//!   `demo_live_opening_minutes` (default 10) after the first start, with
//!   three bids in. At the deadline the opening starts and its custodians
//!   release their shares a few seconds apart, so the hall shows it happen
//!   without anyone typing; the bids are opened and the record published.
//!
//! Nothing is written by hand: the tenders are drafted, published and their
//! draws committed through the tender and committee stores while the demo
//! data loads ([`set_up`], dated as the demo data is, before the audit log's
//! first checkpoint: the log refuses no order there, and these entries come
//! in the order of their times); everything after happens at the real time,
//! after the server listens ([`finish`], [`open_live`]), through what the
//! routes call: bids packed as `ggzy bid pack` packs them and submitted as
//! an upload is ([`crate::bids::routes::submit_envelope`]), transitions
//! ([`crate::tenders::routes::transition`]), shares decrypted with the
//! custodians' keys and released
//! ([`crate::opening::routes::release_custodian_share`]), the opening
//! runner, the draw with a supervisor's contribution, invitations
//! accepted, and the room driven by its members' actions through
//! [`crate::evaluation::store::act`], the report signed with the members'
//! own keys from `<data_dir>/pki-demo`. Every key used is the demo
//! fabric's (DEMO MATERIAL).
//!
//! The procedures run on the node that loaded the demo data (once in a
//! cluster); a server stopped half way does not take them up again (an
//! opening with its shares in resumes, as any opening does).

use crate::app::AppState;
use crate::audit::AuditContext;
use crate::bids::container::{KeyTerms, PriceSchedule};
use crate::db::DbConn;
use crate::error::AppError;
use crate::evaluation::room::{self, Action, Actor, Phase, Round, State};
use crate::evaluation::store::{self as rooms, Acted};
use crate::experts::committee;
use crate::experts::draw::{CrossSite, Venue};
use crate::identity::{Principal, Role};
use crate::opening::OpeningStatus;
use crate::pki::demo::{DemoKind, Manifest, ManifestCertificate};
use crate::tenders::lifecycle::Action as Move;
use crate::tenders::model::*;
use crate::tenders::store::{self as tenders, Parties, TransitionInput};
use crate::types::{Currency, Money, OrganisationId, TenderId, UserId};
use actix_web::web;
use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use std::path::{Path, PathBuf};

/// How long after the demo data is loaded the finished procedure's bid
/// deadline falls: time for the server to start and its bids to arrive
/// (a few seconds in a debug build on two cores), no more.
pub const FINISHED_DEADLINE_AFTER: Duration = Duration::seconds(15);

/// What [`set_up`] made, for [`finish`] and [`open_live`].
#[derive(Debug, Clone)]
pub struct Plan {
    /// Where the demo fabric's keys are (`<data_dir>/pki-demo`).
    pub fabric_dir: PathBuf,
    pub finished: Procedure,
    pub live: Procedure,
}

/// One demo tender to take further.
#[derive(Debug, Clone)]
pub struct Procedure {
    pub tender: TenderId,
    pub deadline: DateTime<Utc>,
    /// The agent who runs it (and holds a share of its opening key).
    pub organiser: UserId,
    /// Its bidders and what they bid.
    pub bids: &'static [DemoBid],
}

/// A demo enterprise's bid.
#[derive(Debug)]
pub struct DemoBid {
    /// The enterprise, by its name in [`super::ORGANISATIONS`].
    pub bidder: &'static str,
    pub price_fen: i64,
    pub delivery_days: u32,
}

const FINISHED_BIDS: &[DemoBid] = &[
    DemoBid {
        bidder: "南宁智慧校园科技有限公司",
        price_fen: 245_800_000,
        delivery_days: 40,
    },
    DemoBid {
        bidder: "广西华蓝教育装备有限公司",
        price_fen: 239_600_000,
        delivery_days: 45,
    },
    DemoBid {
        bidder: "南宁博创电子设备有限公司",
        price_fen: 251_260_000,
        delivery_days: 30,
    },
    DemoBid {
        bidder: "柳州鹏达教学设备有限公司",
        price_fen: 243_000_000,
        delivery_days: 35,
    },
];

const LIVE_BIDS: &[DemoBid] = &[
    DemoBid {
        bidder: "广西华蓝教育装备有限公司",
        price_fen: 86_450_000,
        delivery_days: 30,
    },
    DemoBid {
        bidder: "南宁博创电子设备有限公司",
        price_fen: 88_900_000,
        delivery_days: 25,
    },
    DemoBid {
        bidder: "南宁智慧校园科技有限公司",
        price_fen: 84_720_000,
        delivery_days: 35,
    },
];

/// The committee both draws are for: five (the least for tendering in
/// government procurement below ¥10 million, 87号令 第47条), two at least
/// from leagues other than NNG, sitting at their own league's centre.
fn committee_rules() -> committee::RulesInput {
    let venue = |league: &str, name: &str, main: bool| Venue {
        league: league.into(),
        name: name.into(),
        main,
    };
    committee::RulesInput {
        size: 5,
        quotas: vec![],
        cross_site: Some(CrossSite {
            min_other_league_percent: 40,
        }),
        venues: vec![
            venue("NNG", "南宁市公共资源交易中心评标室", true),
            venue("GX", "自治区公共资源交易中心远程评标分会场", false),
            venue("LZH", "柳州市公共资源交易中心远程评标分会场", false),
        ],
        history_days: None,
        avoid_recent_committees: None,
        max_declines: None,
        representatives: vec![],
        complex: false,
        complex_reason: None,
    }
}

fn goods_terms(delivery: &str) -> ProcedureTerms {
    ProcedureTerms {
        subject: Some(Subject::Goods),
        bid_validity_days: Some(90),
        qualification: vec![ReviewItem {
            code: "licence".into(),
            name: "具有独立承担民事责任的能力".into(),
            document: "营业执照".into(),
        }],
        compliance: vec![ReviewItem {
            code: "delivery".into(),
            name: delivery.into(),
            document: "投标函".into(),
        }],
        ..ProcedureTerms::default()
    }
}

/// A government procurement of goods by open tendering below ¥10 million,
/// whose documents became available 21 days before its deadline.
fn tender_input(
    title: &str,
    description: &str,
    budget_fen: i64,
    deadline: DateTime<Utc>,
    scoring: &Evaluation,
    delivery: &str,
) -> TenderInput {
    TenderInput {
        title: title.into(),
        description: description.into(),
        category: Category::GovernmentProcurement,
        method: Method::OpenTendering,
        league: None,
        tenderer_org_id: None,
        budget: Money {
            amount_fen: budget_fen,
            currency: Currency::cny(),
        },
        lots: vec![],
        evaluation: scoring.clone(),
        dates: KeyDates {
            documents_available_at: deadline - Duration::days(21),
            clarification_deadline: deadline - Duration::days(16),
            bid_deadline: deadline,
            publicity_days: 3,
        },
        seal_required: true,
        terms: goods_terms(delivery),
        invitees: Vec::new(),
    }
}

/// Drafts and publishes both tenders and commits their draws, while the
/// demo data loads: the finished one's deadline [`FINISHED_DEADLINE_AFTER`]
/// after `now` (read when this runs, not when the load began), the live
/// one's `live_minutes` after it. In the order of their times: both
/// published 21 days before their deadlines, then both draws committed
/// eleven minutes before their deadlines (or now, if that is sooner), past
/// the ten minutes the commitment must precede the deadline by.
#[allow(clippy::too_many_arguments)]
pub(super) fn set_up(
    conn: &mut DbConn,
    blobs: &crate::store::BlobStore,
    settings: &crate::opendata::OcdsSettings,
    platform: &openssl::x509::X509,
    agent: &Principal,
    parties: &Parties,
    scoring: &Evaluation,
    now: DateTime<Utc>,
    live_minutes: u32,
    fabric_dir: &Path,
) -> Result<Plan, AppError> {
    let finished_deadline = now + FINISHED_DEADLINE_AFTER;
    let live_deadline = now + Duration::minutes(i64::from(live_minutes));
    let finished = super::publish(
        conn,
        blobs,
        settings,
        platform,
        agent,
        parties,
        &tender_input(
            "南宁市第三中学理化生实验室设备采购项目",
            "采购物理、化学、生物实验室成套设备及安装调试。演示数据：投标、开标、抽取评标委员会、评标与签署评标报告在平台首次启动后数秒内完成。",
            268_000_000,
            finished_deadline,
            scoring,
            "交货期不超过 45 日",
        ),
    )?;
    let live = super::publish(
        conn,
        blobs,
        settings,
        platform,
        agent,
        parties,
        &tender_input(
            "南宁市第十四中学教室课桌椅采购项目",
            "采购学生课桌椅 1800 套、教师讲台 45 张。演示数据：投标截止于平台首次启动后数分钟，届时在开标大厅现场开标。",
            92_000_000,
            live_deadline,
            scoring,
            "交货期不超过 30 日",
        ),
    )?;
    let margin = committee::COMMIT_MARGIN + Duration::minutes(1);
    for (id, deadline) in [(&finished, finished_deadline), (&live, live_deadline)] {
        let at = (deadline - margin).min(now);
        let row = tenders::load_row(conn, id)?;
        let ctx = super::context(agent, at).acting_as(Role::Agent);
        committee::commit(conn, &ctx, &row, &committee_rules())?;
    }
    let organiser = agent
        .user_id
        .clone()
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("the demo agent has no account")))?;
    Ok(Plan {
        fabric_dir: fabric_dir.to_path_buf(),
        finished: Procedure {
            tender: finished,
            deadline: finished_deadline,
            organiser: organiser.clone(),
            bids: FINISHED_BIDS,
        },
        live: Procedure {
            tender: live,
            deadline: live_deadline,
            organiser,
            bids: LIVE_BIDS,
        },
    })
}

// ---------------------------------------------------------------------------
// The people, with their keys from the demo fabric
// ---------------------------------------------------------------------------

/// A demo person or enterprise: its account and its certificate's key.
struct Party {
    principal: Principal,
    signer: crate::bids::cli::Signer,
}

fn demo_error(e: impl std::fmt::Display) -> AppError {
    AppError::Internal(anyhow::anyhow!("demo procedure: {e}"))
}

fn manifest(dir: &Path) -> Result<Manifest, AppError> {
    let bytes = std::fs::read(dir.join("manifest.json")).map_err(demo_error)?;
    serde_json::from_slice(&bytes).map_err(demo_error)
}

fn signer_of(
    dir: &Path,
    entry: &ManifestCertificate,
) -> Result<crate::bids::cli::Signer, AppError> {
    let read = |rel: &str| std::fs::read(dir.join(rel)).map_err(demo_error);
    let cert = openssl::x509::X509::from_pem(&read(&entry.cert)?).map_err(demo_error)?;
    let key = openssl::pkey::PKey::private_key_from_pem(&read(&entry.key)?).map_err(demo_error)?;
    let mut chain = Vec::new();
    for rel in &entry.chain {
        chain.push(openssl::x509::X509::from_pem(&read(rel)?).map_err(demo_error)?);
    }
    Ok(crate::bids::cli::Signer { cert, key, chain })
}

fn der(signer: &crate::bids::cli::Signer) -> Result<Vec<u8>, AppError> {
    signer.cert.to_der().map_err(demo_error)
}

/// `by` acting now.
fn context(state: &AppState, by: &Principal, role: Role) -> AuditContext {
    super::context(by, state.clock.now()).acting_as(role)
}

async fn principal_of(state: &AppState, user: String) -> Result<Principal, AppError> {
    state
        .db
        .read(move |conn| crate::identity::store::load_principal(conn, &user))
        .await?
        .ok_or_else(|| demo_error("a demo account is missing or disabled"))
}

/// The account a person of the fabric signs in to (bound by its identity
/// number when the demo data was loaded).
async fn person(
    state: &AppState,
    dir: &Path,
    entry: &ManifestCertificate,
) -> Result<Party, AppError> {
    use crate::db::schema::user_identities;
    let id_number = entry
        .id_number
        .clone()
        .ok_or_else(|| demo_error(format!("{} names no identity number", entry.name)))?;
    let user: String = state
        .db
        .read(move |conn| {
            Ok(user_identities::table
                .filter(user_identities::kind.eq("person"))
                .filter(user_identities::identifier.eq(&id_number))
                .select(user_identities::user_id)
                .first(conn)?)
        })
        .await?;
    Ok(Party {
        principal: principal_of(state, user).await?,
        signer: signer_of(dir, entry)?,
    })
}

/// A demo enterprise as it signs in with its certificate: its account, or,
/// the first time, its enrolment as a bidder of its league (what a first
/// certificate sign-in does, [`crate::identity::sessions::account_for`]).
async fn enterprise(
    state: &AppState,
    dir: &Path,
    m: &Manifest,
    name: &str,
) -> Result<Party, AppError> {
    let entry = m
        .certificates
        .iter()
        .find(|c| c.kind == DemoKind::Enterprise && c.name == name && !c.revoked)
        .ok_or_else(|| demo_error(format!("the demo fabric has no enterprise {name}")))?;
    let signer = signer_of(dir, entry)?;
    let cert = der(&signer)?;
    let league = crate::types::LeagueCode::parse(&entry.league).map_err(demo_error)?;
    let ctx = AuditContext {
        principal: Principal::public(),
        role: None,
        client_addr: None,
        device: None,
        request_id: None,
        now: state.clock.now(),
    };
    let user = state
        .db
        .write(move |conn| {
            let identity = crate::pki::identity::identity_of(&cert).map_err(demo_error)?;
            crate::identity::sessions::account_for(conn, &ctx, &identity, Some(&league))
        })
        .await?;
    Ok(Party {
        principal: principal_of(state, user.as_str().to_string()).await?,
        signer,
    })
}

fn entry<'a>(
    m: &'a Manifest,
    league: &str,
    kind: DemoKind,
) -> Result<&'a ManifestCertificate, AppError> {
    m.certificates
        .iter()
        .find(|c| c.league == league && c.kind == kind)
        .ok_or_else(|| demo_error(format!("the demo fabric has no {kind:?} in {league}")))
}

/// The organiser (the agent, holding its enterprise's key) and the NNG
/// supervisor: the tenders' two personal custodians.
async fn custodians(
    state: &AppState,
    dir: &Path,
    m: &Manifest,
    p: &Procedure,
) -> Result<(Party, Party), AppError> {
    let organiser = principal_of(state, p.organiser.as_str().to_string()).await?;
    let org = organiser
        .organisation
        .clone()
        .ok_or_else(|| demo_error("the demo agent has no organisation"))?;
    let code = organisation_credit_code(state, org).await?;
    let entry = m
        .certificates
        .iter()
        .find(|c| c.kind == DemoKind::Enterprise && c.credit_code.as_deref() == Some(code.as_str()))
        .ok_or_else(|| demo_error("the demo agent's enterprise has no certificate"))?;
    let organiser = Party {
        principal: organiser,
        signer: signer_of(dir, entry)?,
    };
    let supervisor = person(state, dir, entry_of(m, "NNG", DemoKind::Supervisor)?).await?;
    Ok((organiser, supervisor))
}

fn entry_of<'a>(
    m: &'a Manifest,
    league: &str,
    kind: DemoKind,
) -> Result<&'a ManifestCertificate, AppError> {
    entry(m, league, kind)
}

async fn organisation_credit_code(
    state: &AppState,
    org: OrganisationId,
) -> Result<String, AppError> {
    use crate::db::schema::organisations;
    state
        .db
        .read(move |conn| {
            let code: Option<String> = organisations::table
                .find(org.as_str())
                .select(organisations::credit_code)
                .first(conn)?;
            code.ok_or_else(|| demo_error("an organisation without a credit code"))
        })
        .await
}

// ---------------------------------------------------------------------------
// Steps, each as its user takes it
// ---------------------------------------------------------------------------

/// Packs a bid as `ggzy bid pack` does (documents, price schedule, the
/// enterprise's seal over the documents, signed, encrypted to the tender's
/// opening certificate, signed again) and submits it.
async fn bid(
    state: &web::Data<AppState>,
    dir: &Path,
    m: &Manifest,
    p: &Procedure,
    b: &DemoBid,
) -> Result<(), AppError> {
    let who = enterprise(state, dir, m, b.bidder).await?;
    let seal = seal_of(dir, m, b.bidder)?;
    let tender = p.tender.clone();
    let opening = state
        .db
        .read(move |conn| crate::opening::store::opening_certificate(conn, tender.as_str()))
        .await?
        .ok_or_else(|| demo_error("the tender has no opening certificate"))?;
    let title = tender_title(state, &p.tender).await?;
    let name = b.bidder.to_string();
    let (price, days) = (b.price_fen, b.delivery_days);
    let signer = crate::bids::cli::Signer {
        cert: who.signer.cert.clone(),
        key: who.signer.key.clone(),
        chain: who.signer.chain.clone(),
    };
    let envelope = web::block(move || -> anyhow::Result<Vec<u8>> {
        let folder = std::env::temp_dir().join(format!("ggzy-demo-bid-{}", uuid::Uuid::new_v4()));
        let made = (|| {
            std::fs::create_dir_all(&folder)?;
            std::fs::write(
                folder.join("投标函.md"),
                format!(
                    "# 投标函\n\n致：{title}\n\n我方 {name} 愿以人民币 {:.2} 元（含税）承担本项目，交货期 {days} 日，投标有效期 90 日。\n\n（演示数据）\n",
                    price as f64 / 100.0
                ),
            )?;
            std::fs::write(
                folder.join("技术响应.md"),
                format!("# 技术响应\n\n{name} 对采购需求逐条响应，详见偏离表。\n\n（演示数据）\n"),
            )?;
            let manifest = crate::bids::container::manifest_of_dir(&folder)?;
            let schedule = PriceSchedule {
                total_price_fen: price,
                duration_days: days,
                key_terms: KeyTerms(vec![
                    ("交货期".into(), format!("{days} 日")),
                    ("质保期".into(), "3 年".into()),
                ]),
                lots: vec![],
                sme: false,
                sme_share_percent: None,
            };
            crate::bids::cli::pack_envelope(
                &folder,
                &manifest,
                &schedule,
                &signer,
                seal.as_deref().map(|s| (s, "the enterprise's seal")),
                &opening,
                crate::bids::envelope::ContentCipher::Gcm,
                true,
            )
        })();
        let _ = std::fs::remove_dir_all(&folder);
        made
    })
    .await
    .map_err(demo_error)?
    .map_err(AppError::Internal)?;
    let ctx = context(state, &who.principal, Role::Bidder);
    let certificate = der(&who.signer)?;
    crate::bids::routes::submit_envelope(
        state,
        ctx,
        &who.principal,
        certificate,
        &p.tender,
        &envelope,
    )
    .await?;
    tracing::debug!(tender = %p.tender, bidder = b.bidder, "demo: bid submitted");
    Ok(())
}

async fn tender_title(state: &AppState, id: &TenderId) -> Result<String, AppError> {
    let id = id.clone();
    state
        .db
        .read(move |conn| Ok(tenders::load_row(conn, &id)?.title))
        .await
}

async fn transition(
    state: &web::Data<AppState>,
    by: &Principal,
    p: &Procedure,
    action: Move,
    role: Role,
) -> Result<(), AppError> {
    let input = TransitionInput {
        action,
        reason: String::new(),
        custody: None,
        winner_bid_id: None,
        lots: Vec::new(),
        price_record: None,
    };
    let ctx = context(state, by, role);
    crate::tenders::routes::transition(state, by.clone(), ctx, p.tender.clone(), input).await?;
    tracing::debug!(tender = %p.tender, action = action.code(), "demo: the tender moves");
    Ok(())
}

/// The organiser (the agent) moves the tender.
async fn organiser_moves(
    state: &web::Data<AppState>,
    organiser: &Party,
    p: &Procedure,
    action: Move,
) -> Result<(), AppError> {
    transition(state, &organiser.principal, p, action, Role::Agent).await
}

/// A custodian fetches its encrypted share, decrypts it with its own key
/// (`openssl cms -decrypt`), and releases it.
async fn release(
    state: &web::Data<AppState>,
    who: &Party,
    role: Role,
    p: &Procedure,
) -> Result<(), AppError> {
    let user = who
        .principal
        .user_id
        .clone()
        .ok_or_else(|| demo_error("a custodian without an account"))?;
    let tender = p.tender.clone();
    let (_, encrypted) = state
        .db
        .read(move |conn| crate::opening::store::encrypted_share_of(conn, tender.as_str(), &user))
        .await?;
    let cms = openssl::cms::CmsContentInfo::from_der(&encrypted).map_err(demo_error)?;
    let plain = cms
        .decrypt(&who.signer.key, &who.signer.cert)
        .map_err(demo_error)?;
    let plain = crate::opening::custody::PlainShare::new(plain);
    let ctx = context(state, &who.principal, role);
    crate::opening::routes::release_custodian_share(
        state,
        who.principal.clone(),
        ctx,
        p.tender.clone(),
        plain,
    )
    .await?;
    tracing::debug!(tender = %p.tender, custodian = %who.principal.name, "demo: share released");
    Ok(())
}

async fn opening_status(
    state: &AppState,
    p: &Procedure,
) -> Result<Option<OpeningStatus>, AppError> {
    let id = p.tender.clone();
    state
        .db
        .read(move |conn| crate::opening::record::opening_status(conn, id.as_str()))
        .await
}

/// Polls `check` every half second until it holds, for at most `limit`.
async fn wait_for<F, Fut>(
    what: &str,
    limit: std::time::Duration,
    mut check: F,
) -> Result<(), AppError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<bool, AppError>>,
{
    let until = std::time::Instant::now() + limit;
    loop {
        if check().await? {
            return Ok(());
        }
        if std::time::Instant::now() > until {
            return Err(demo_error(format!("gave up waiting for {what}")));
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(500)).await;
    }
}

/// Sleeps until the clock reads `at`.
pub(super) async fn sleep_until(state: &AppState, at: DateTime<Utc>) {
    loop {
        let left = at - state.clock.now();
        if left <= Duration::zero() {
            return;
        }
        let left = left
            .to_std()
            .unwrap_or_default()
            .min(std::time::Duration::from_secs(1));
        actix_web::rt::time::sleep(left).await;
    }
}

// ---------------------------------------------------------------------------
// The finished procedure
// ---------------------------------------------------------------------------

/// Bids, waits for the deadline, opens, draws, evaluates and signs (see
/// the module's documentation). Errors are logged: the server goes on.
pub async fn finish(state: web::Data<AppState>, plan: Plan) {
    let began = std::time::Instant::now();
    match run_finished(&state, &plan).await {
        Ok(()) => tracing::info!(
            tender = %plan.finished.tender,
            seconds = began.elapsed().as_secs_f64(),
            "demo: the finished procedure is done: its opening record, room events, signed report, award and published contract are in"
        ),
        Err(e) => {
            tracing::error!(tender = %plan.finished.tender, error = %e, "demo: the finished procedure stopped")
        }
    }
}

async fn run_finished(state: &web::Data<AppState>, plan: &Plan) -> Result<(), AppError> {
    let dir = &plan.fabric_dir;
    let m = manifest(dir)?;
    let p = &plan.finished;
    for b in p.bids {
        bid(state, dir, &m, p, b).await?;
    }
    if state.clock.now() >= p.deadline {
        return Err(demo_error(
            "the bids came after the deadline (the machine was slower than FINISHED_DEADLINE_AFTER allows)",
        ));
    }
    let (organiser, supervisor) = custodians(state, dir, &m, p).await?;
    sleep_until(state, p.deadline + Duration::milliseconds(500)).await;
    organiser_moves(state, &organiser, p, Move::StartOpening).await?;
    release(state, &organiser, Role::Agent, p).await?;
    release(state, &supervisor, Role::Supervisor, p).await?;
    wait_for(
        "the opening",
        std::time::Duration::from_secs(180),
        || async {
            match opening_status(state, p).await? {
                Some(OpeningStatus::Completed) => Ok(true),
                Some(OpeningStatus::Aborted) => Err(demo_error("the opening was aborted")),
                _ => Ok(false),
            }
        },
    )
    .await?;
    draw(state, &supervisor, p).await?;
    accept_invitations(state, dir, &m, p).await?;
    organiser_moves(state, &organiser, p, Move::StartEvaluation).await?;
    qualify(state, &organiser.principal, p).await?;
    open_room(state, &organiser.principal, p).await?;
    evaluate(state, dir, &m, p).await?;
    conclude(state, dir, &m, p).await
}

/// The purchaser of the finished procedure (南宁市教育局, whose tender
/// it is) confirms the first candidate of the signed report as the winner
/// (87号令 第68条: the result notice follows), drafts the contract from
/// the award, the winner and the purchaser each sign it with their
/// enterprise certificate and organisation seal (a detached CMS signature,
/// as `openssl cms -sign -binary` makes, and a GB/T 38540 seal signature
/// over the same bytes), and the purchaser publishes it: the contract
/// notice and OCDS `award` and `contract` releases.
async fn conclude(
    state: &web::Data<AppState>,
    dir: &Path,
    m: &Manifest,
    p: &Procedure,
) -> Result<(), AppError> {
    let purchaser = enterprise(state, dir, m, PURCHASER).await?;
    transition(state, &purchaser.principal, p, Move::Award, Role::Tenderer).await?;
    let tender = p.tender.as_str().to_string();
    let award = state
        .db
        .read(move |conn| crate::tenders::award::awards_of(conn, &tender))
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| demo_error("the award left no award record"))?;
    let winner = award.supplier_org_id.clone();
    let winner: String = state
        .db
        .read(move |conn| {
            use crate::db::schema::organisations;
            Ok(organisations::table
                .find(&winner)
                .select(organisations::name)
                .first(conn)?)
        })
        .await?;
    let supplier = enterprise(state, dir, m, &winner).await?;
    let today = crate::calendar::beijing_date(state.clock.now());
    let terms: crate::contracts::rules::TermsInput = serde_json::from_value(serde_json::json!({
        "subject": "理化生实验室成套设备的供货、安装、调试及培训",
        "performance_period": {
            "start": (today + Duration::days(7)).to_string(),
            "end": (today + Duration::days(52)).to_string()
        },
        "payment_terms": "合同签订后支付 30% 预付款，验收合格后支付至 100%",
        "place": "南宁市第三中学",
        "performance_bond_fen": award.value_fen / 20,
        "clauses": ["质保期三年，自验收合格之日起计算", "演示数据，不具法律效力"]
    }))
    .map_err(demo_error)?;
    let ctx = context(state, &purchaser.principal, Role::Tenderer);
    let drafted = crate::contracts::routes::draft(
        state,
        purchaser.principal.clone(),
        ctx,
        p.tender.clone(),
        crate::contracts::store::NewContract {
            award_id: award.id.clone(),
            terms: Some(terms),
        },
    )
    .await?;
    let contract = drafted.id.clone();
    for (who, owner, role) in [
        (&supplier, winner.as_str(), Role::Bidder),
        (&purchaser, PURCHASER, Role::Tenderer),
    ] {
        let document = crate::contracts::routes::document(
            state,
            who.principal.clone(),
            p.tender.clone(),
            contract.clone(),
        )
        .await?;
        let seal = seal_of(dir, m, owner)?
            .ok_or_else(|| demo_error(format!("the demo fabric has no seal for {owner}")))?;
        let (cms, seal_signature) = sign_contract(who, &seal, &document, state.clock.now())?;
        crate::contracts::routes::sign(
            state,
            who.principal.clone(),
            context(state, &who.principal, role),
            p.tender.clone(),
            contract.clone(),
            cms,
            seal_signature,
        )
        .await?;
        tracing::debug!(tender = %p.tender, party = %who.principal.name, "demo: contract signed");
    }
    crate::contracts::routes::publish(
        state,
        purchaser.principal.clone(),
        context(state, &purchaser.principal, Role::Tenderer),
        p.tender.clone(),
        contract,
        crate::contracts::store::Publication::default(),
    )
    .await?;
    tracing::debug!(tender = %p.tender, "demo: the contract is signed by both parties and published");
    Ok(())
}

/// The finished procedure's purchaser, by its name in
/// [`super::ORGANISATIONS`].
const PURCHASER: &str = "南宁市教育局";

/// The organisation seal of the demo enterprise `owner` (by its name in
/// [`super::ORGANISATIONS`]), from the demo fabric, if it has one.
fn seal_of(dir: &Path, m: &Manifest, owner: &str) -> Result<Option<Vec<u8>>, AppError> {
    m.seals
        .iter()
        .find(|s| s.owner == owner)
        .map(|s| std::fs::read(dir.join(&s.path)))
        .transpose()
        .map_err(demo_error)
}

/// A party's two signatures over a contract's document: the detached CMS
/// SignedData by its enterprise certificate (with its chain), and the
/// seal signature with its organisation seal by the same certificate.
fn sign_contract(
    who: &Party,
    seal: &[u8],
    document: &[u8],
    now: DateTime<Utc>,
) -> Result<(Vec<u8>, Vec<u8>), AppError> {
    use openssl::cms::{CMSOptions, CmsContentInfo};
    let mut chain = openssl::stack::Stack::new().map_err(demo_error)?;
    for c in &who.signer.chain {
        chain.push(c.clone()).map_err(demo_error)?;
    }
    let cms = CmsContentInfo::sign(
        Some(&who.signer.cert),
        Some(&who.signer.key),
        Some(&chain),
        Some(document),
        CMSOptions::BINARY | CMSOptions::DETACHED,
    )
    .and_then(|c| c.to_der())
    .map_err(demo_error)?;
    let seal_signature = crate::seals::sign(
        seal,
        crate::seals::DocumentInput::Bytes(document),
        "contract.json",
        now,
        &who.signer.cert,
        &who.signer.key,
    )
    .map_err(demo_error)?;
    Ok((cms, seal_signature))
}

/// The supervisor contributes to the seed once the audit log has signed
/// its checkpoint after the deadline (until then the draw answers 503, and
/// a supervisor tries again).
async fn draw(
    state: &web::Data<AppState>,
    supervisor: &Party,
    p: &Procedure,
) -> Result<(), AppError> {
    let window = Duration::minutes(i64::from(state.config.invitation_answer_minutes));
    let until = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let ctx = context(state, &supervisor.principal, Role::Supervisor);
        let id = p.tender.clone();
        let drawn = state
            .db
            .write(move |conn| {
                tenders::lock(conn, &id)?;
                let row = tenders::load_visible(conn, &id, &ctx.principal)?;
                if !committee::reads_in_full(conn, &ctx.principal, &row)? {
                    return Err(AppError::Forbidden("the demo supervisor's scope".into())
                        .because("draw.not-in-scope", serde_json::json!({})));
                }
                committee::contribute_and_draw(
                    conn,
                    &ctx,
                    &row,
                    "演示数据：监督员掷骰 4 2 6",
                    window,
                )
            })
            .await;
        match drawn {
            Ok(_) => {
                tracing::debug!(tender = %p.tender, "demo: committee drawn");
                return Ok(());
            }
            Err(e)
                if matches!(e.base(), AppError::Unavailable(_))
                    && std::time::Instant::now() < until =>
            {
                actix_web::rt::time::sleep(std::time::Duration::from_millis(500)).await;
            }
            Err(e) => return Err(e),
        }
    }
}

/// The committee's seated experts, by expert id, with their accounts and
/// keys.
async fn members(
    state: &AppState,
    dir: &Path,
    m: &Manifest,
    p: &Procedure,
) -> Result<Vec<(String, Party)>, AppError> {
    use crate::db::schema::{committee_members, experts, user_identities};
    let id = p.tender.clone();
    let seated: Vec<(String, String)> = state
        .db
        .read(move |conn| {
            Ok(committee_members::table
                .inner_join(experts::table.on(experts::id.eq(committee_members::expert_id)))
                .inner_join(
                    user_identities::table.on(user_identities::user_id.eq(experts::user_id)),
                )
                .filter(committee_members::tender_id.eq(id.as_str()))
                .filter(committee_members::status.eq_any([
                    committee::MemberStatus::Invited.code(),
                    committee::MemberStatus::Accepted.code(),
                ]))
                .filter(user_identities::kind.eq("person"))
                .select((committee_members::expert_id, user_identities::identifier))
                .load(conn)?)
        })
        .await?;
    let mut out = Vec::new();
    for (expert, id_number) in seated {
        let entry = m
            .certificates
            .iter()
            .find(|c| {
                c.kind == DemoKind::Expert && c.id_number.as_deref() == Some(id_number.as_str())
            })
            .ok_or_else(|| demo_error("a seated expert is not of the demo fabric"))?;
        out.push((expert, person(state, dir, entry).await?));
    }
    Ok(out)
}

async fn accept_invitations(
    state: &web::Data<AppState>,
    dir: &Path,
    m: &Manifest,
    p: &Procedure,
) -> Result<(), AppError> {
    for (_, expert) in members(state, dir, m, p).await? {
        let ctx = context(state, &expert.principal, Role::Expert);
        let id = p.tender.clone();
        state
            .db
            .write(move |conn| {
                tenders::lock(conn, &id)?;
                let row = crate::experts::pool::of_user(conn, &ctx.principal)?;
                committee::answer(conn, &ctx, id.as_str(), &row, true, None)
            })
            .await?;
    }
    tracing::debug!(tender = %p.tender, "demo: the committee accepted");
    Ok(())
}

/// The agent reviews the bidders' qualification before the room
/// (government procurement tendering, 87号令 第44条): every bid valid at
/// the opening is found qualified on its business licence, and the review
/// is concluded.
async fn qualify(
    state: &web::Data<AppState>,
    by: &Principal,
    p: &Procedure,
) -> Result<(), AppError> {
    use crate::db::schema::bid_openings;
    use crate::evaluation::qualification::{FindingInput, store as review};
    let ctx = context(state, by, Role::Agent);
    let id = p.tender.clone();
    let settings = state.ocds.clone();
    crate::hall::write_then_publish(&state.db, &state.hall.hub, move |conn| {
        tenders::lock(conn, &id)?;
        let (row, role) = tenders::load_managed(conn, &id, &ctx.principal)?;
        let ctx = ctx.acting_as(role);
        let valid: Vec<String> = bid_openings::table
            .filter(bid_openings::tender_id.eq(id.as_str()))
            .filter(bid_openings::outcome.eq(crate::opening::record::Outcome::Valid.code()))
            .order(bid_openings::bid_id.asc())
            .select(bid_openings::bid_id)
            .load(conn)?;
        for bid_id in valid {
            let input = FindingInput {
                bid_id,
                qualified: true,
                reason: String::new(),
                document: "营业执照、资格声明函（演示数据）".into(),
            };
            review::record(conn, &ctx, &row, &input)?;
        }
        let (failed, event) = review::conclude(conn, &ctx, &settings, &row)?;
        if failed {
            return Err(demo_error("the qualification review failed the tender"));
        }
        Ok(((), event.into_iter().collect()))
    })
    .await?;
    tracing::debug!(tender = %p.tender, "demo: qualification reviewed");
    Ok(())
}

async fn open_room(
    state: &web::Data<AppState>,
    by: &Principal,
    p: &Procedure,
) -> Result<(), AppError> {
    let ctx = context(state, by, Role::Agent);
    let id = p.tender.clone();
    let settings = rooms::RoomSettings {
        blind_technical: true,
        deviation_percent: None,
    };
    crate::hall::write_then_publish(&state.db, &state.rooms.hub, move |conn| {
        tenders::lock(conn, &id)?;
        let (row, role) = tenders::load_managed(conn, &id, &ctx.principal)?;
        let event = rooms::open(conn, &ctx.acting_as(role), &row, &settings)?;
        Ok(((), vec![event]))
    })
    .await?;
    tracing::debug!(tender = %p.tender, "demo: the room is open");
    Ok(())
}

// ---------------------------------------------------------------------------
// The room
// ---------------------------------------------------------------------------

/// What a member does next in the room, read from its state.
#[derive(Debug, Clone, PartialEq)]
pub enum Next {
    /// This member takes this action.
    Act { expert: String, action: Action },
    /// This member signs the report (the text to sign).
    Sign { expert: String, text: String },
    /// The room is closed.
    Done,
    /// Nothing the demo's members know how to do (a state it does not
    /// drive), with what it is.
    Stuck(String),
}

/// The points a member gives: a bid's figure for the criterion (bids told
/// apart by their label, as in a blind room), give or take a point by
/// member; objective criteria alike from every member.
fn points(criterion: &Criterion, bid: usize, member: usize) -> f64 {
    const BASE: [f64; 5] = [0.84, 0.76, 0.9, 0.8, 0.72];
    const SPREAD: [f64; 5] = [0.0, 1.0, -1.0, 0.5, -0.5];
    let weight = f64::from(criterion.weight);
    let base = (BASE[bid % BASE.len()] * weight * 2.0).round() / 2.0;
    let given = if criterion.objective {
        base
    } else {
        base + SPREAD[member % SPREAD.len()]
    };
    given.clamp(0.0, weight)
}

/// The criterion kind a round scores (none: the review).
fn round_kind(round: Round) -> Option<CriterionKind> {
    match round {
        Round::Review => None,
        Round::Technical => Some(CriterionKind::Technical),
        Round::Commercial => Some(CriterionKind::Commercial),
    }
}

/// The next step of the room, in the order its members would take it:
/// every member declares; all vote for the first member as chair; in the
/// review each passes every bid on every item; in a scoring round each
/// scores every compliant bid of every lot on the round's criteria; the chair closes
/// the round; each signs the report. `n` numbers the actions' ids. A new
/// kind of step is one more arm here.
pub fn next(room: &State, tender_id: &str, n: u64) -> Next {
    let id = format!("demo-{n}");
    let active = room.active();
    if room.phase == Phase::Closed {
        return Next::Done;
    }
    let act = |expert: &str, action: Action| Next::Act {
        expert: expert.to_string(),
        action,
    };
    if let Some(e) = active.iter().find(|e| !room.members[**e].declared) {
        return act(e, Action::Declare { id });
    }
    let Some(chair) = room.chair.clone() else {
        let Some(candidate) = active.first() else {
            return Next::Stuck("no member sits".into());
        };
        return match active.iter().find(|e| room.members[**e].vote.is_none()) {
            Some(e) => act(
                e,
                Action::Vote {
                    id,
                    candidate: candidate.to_string(),
                },
            ),
            None => Next::Stuck("every member voted and no chair is elected".into()),
        };
    };
    match room.phase {
        Phase::Scoring => {
            let Some(round) = room.current_round() else {
                return Next::Stuck("scoring with no round open".into());
            };
            let setup = &room.setup;
            for lot in &setup.lots {
                let bids: Vec<(usize, &str)> = setup
                    .bids_in(lot.lot)
                    .map(|b| b.label.as_str())
                    .enumerate()
                    .collect();
                for (b, label) in bids {
                    let rejection = room.rejection(lot.lot, label);
                    for (m, expert) in active.iter().enumerate() {
                        let Some(kind) = round_kind(round) else {
                            // The review: every item passed, by every member.
                            if rejection.as_ref().is_some_and(|r| r.automatic) {
                                continue;
                            }
                            for item in &setup.items {
                                let key = (
                                    expert.to_string(),
                                    lot.lot,
                                    label.to_string(),
                                    item.code.clone(),
                                );
                                if !room.reviews.contains_key(&key) {
                                    return act(
                                        expert,
                                        Action::Review {
                                            id,
                                            lot: lot.lot,
                                            bid: label.to_string(),
                                            item: item.code.clone(),
                                            pass: true,
                                            ground: None,
                                            reason: None,
                                        },
                                    );
                                }
                            }
                            continue;
                        };
                        if rejection.is_some() {
                            continue;
                        }
                        let Evaluation::ComprehensiveScoring { criteria, .. } = &lot.evaluation
                        else {
                            continue;
                        };
                        for c in criteria.iter().filter(|c| c.kind == kind) {
                            let key = (
                                expert.to_string(),
                                lot.lot,
                                label.to_string(),
                                c.code.clone(),
                            );
                            if !room.scores.contains_key(&key) {
                                return act(
                                    expert,
                                    Action::Score {
                                        id,
                                        lot: lot.lot,
                                        bid: label.to_string(),
                                        criterion: c.code.clone(),
                                        points: points(c, b, m),
                                        reason: Some(
                                            if c.requires_reason {
                                                "方案完整，满足采购需求（演示数据）"
                                            } else {
                                                "按评分标准计分（演示数据）"
                                            }
                                            .into(),
                                        ),
                                    },
                                );
                            }
                        }
                    }
                }
            }
            act(&chair, Action::CloseRound { id })
        }
        Phase::Signing => match active.iter().find(|e| !room.members[**e].signed) {
            Some(e) => Next::Sign {
                expert: e.to_string(),
                text: room::report_signing_text(
                    tender_id,
                    room.report_sha256.as_deref().unwrap_or_default(),
                ),
            },
            None => Next::Stuck("everyone signed and the room is not closed".into()),
        },
        Phase::Opening => Next::Stuck("a chair is elected but the room has not moved on".into()),
        Phase::Closed => Next::Done,
    }
}

/// The members join the room (their sign-in at their venue) and take its
/// steps one after another until the report is signed and the room closed.
async fn evaluate(
    state: &web::Data<AppState>,
    dir: &Path,
    m: &Manifest,
    p: &Procedure,
) -> Result<(), AppError> {
    let members = members(state, dir, m, p).await?;
    let tender = p.tender.as_str().to_string();
    for (expert, who) in &members {
        let ctx = context(state, &who.principal, Role::Expert);
        let (tid, expert) = (tender.clone(), expert.clone());
        crate::hall::write_then_publish(&state.db, &state.rooms.hub, move |conn| {
            let setup =
                rooms::setup_of(conn, &tid)?.ok_or_else(|| demo_error("the room is not open"))?;
            let member = setup
                .members
                .iter()
                .find(|m| m.expert == expert)
                .cloned()
                .ok_or_else(|| demo_error("a member the room does not seat"))?;
            let event = rooms::sign_in(conn, &ctx, &tid, &member)?;
            Ok(((), event.into_iter().collect()))
        })
        .await?;
    }
    for n in 1..=2000u64 {
        let (tid, states) = (tender.clone(), state.rooms.states.clone());
        let (_, room) = state
            .db
            .read(move |conn| rooms::state(conn, &states, &tid))
            .await?;
        let (expert, action) = match next(&room, &tender, n) {
            Next::Done => {
                tracing::debug!(tender = %p.tender, "demo: the report is signed and the room closed");
                return Ok(());
            }
            Next::Stuck(why) => return Err(demo_error(format!("the room: {why}"))),
            Next::Act { expert, action } => (expert, action),
            Next::Sign { expert, text } => {
                let who = member(&members, &expert)?;
                let algorithm =
                    crate::seals::Algorithm::for_key(&who.signer.key).map_err(demo_error)?;
                let signature = algorithm
                    .sign(&who.signer.key, text.as_bytes())
                    .map_err(demo_error)?;
                let action = Action::Sign {
                    id: format!("demo-{n}"),
                    signature: openssl::base64::encode_block(&signature),
                    dissent: None,
                };
                (expert, action)
            }
        };
        let who = member(&members, &expert)?;
        act(state, &tender, &expert, who, action).await?;
    }
    Err(demo_error("the room took more steps than a demo room has"))
}

fn member<'a>(members: &'a [(String, Party)], expert: &str) -> Result<&'a Party, AppError> {
    members
        .iter()
        .find(|(e, _)| e == expert)
        .map(|(_, who)| who)
        .ok_or_else(|| demo_error("an action for someone not on the committee"))
}

/// A member's action, as the room's socket applies one: decided and stored,
/// broadcast, the state kept.
async fn act(
    state: &web::Data<AppState>,
    tender: &str,
    expert: &str,
    who: &Party,
    action: Action,
) -> Result<(), AppError> {
    let ctx = context(state, &who.principal, Role::Expert);
    let states = state.rooms.states.clone();
    let certificate = der(&who.signer)?;
    let (tid, actor) = (tender.to_string(), Actor::Member(expert.to_string()));
    let outcome = crate::hall::write_then_publish(&state.db, &state.rooms.hub, move |conn| {
        let acted = rooms::act(
            conn,
            &ctx,
            &states,
            &tid,
            &actor,
            &action,
            Some(&certificate),
        )?;
        let events = match &acted {
            Acted::Applied { events, .. } => events.clone(),
            _ => Vec::new(),
        };
        Ok((acted, events))
    })
    .await?;
    match outcome {
        Acted::Applied {
            events,
            state: room,
        } => {
            let last = events.last().map_or(0, |e| e.seq);
            state.rooms.states.put(tender, last, *room);
            Ok(())
        }
        Acted::Duplicate { .. } => Ok(()),
        Acted::Refused(r) => Err(demo_error(format!(
            "the room refused {}: {}",
            r.code, r.message
        ))),
    }
}

// ---------------------------------------------------------------------------
// The live opening
// ---------------------------------------------------------------------------

/// How long the live opening's custodians take between steps, so that the
/// hall shows each one.
const LIVE_PAUSE: std::time::Duration = std::time::Duration::from_secs(5);

/// Bids now, then at the deadline: the opening starts, the organiser
/// releases its share, then the supervisor, a few seconds apart, and the
/// opening runner opens the bids. Errors are logged.
pub async fn open_live(state: web::Data<AppState>, plan: Plan) {
    match run_live(&state, &plan).await {
        Ok(()) => {
            tracing::info!(tender = %plan.live.tender, "demo: the live opening's shares are released; the bids are being opened")
        }
        Err(e) => {
            tracing::error!(tender = %plan.live.tender, error = %e, "demo: the live opening stopped")
        }
    }
}

async fn run_live(state: &web::Data<AppState>, plan: &Plan) -> Result<(), AppError> {
    let dir = &plan.fabric_dir;
    let m = manifest(dir)?;
    let p = &plan.live;
    for b in p.bids {
        bid(state, dir, &m, p, b).await?;
    }
    tracing::info!(
        tender = %p.tender,
        deadline = %p.deadline,
        "demo: the live tender has its bids; it opens at its deadline (watch /api/v1/tenders/<id>/hall/events)"
    );
    let (organiser, supervisor) = custodians(state, dir, &m, p).await?;
    sleep_until(state, p.deadline + Duration::seconds(1)).await;
    organiser_moves(state, &organiser, p, Move::StartOpening).await?;
    actix_web::rt::time::sleep(LIVE_PAUSE).await;
    release(state, &organiser, Role::Agent, p).await?;
    actix_web::rt::time::sleep(LIVE_PAUSE).await;
    release(state, &supervisor, Role::Supervisor, p).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evaluation::room::{RoomBid, RoomLot, RoomMember, Setup};

    fn room() -> State {
        State::new(Setup {
            tender_id: "t".into(),
            category: Category::GovernmentProcurement,
            lots: vec![RoomLot {
                lot: 0,
                title: "t".into(),
                evaluation: super::super::scoring(),
                ceiling_fen: Some(1_000_000),
            }],
            per_lot: false,
            bids: ["A", "B", "C"]
                .iter()
                .enumerate()
                .map(|(i, l)| RoomBid {
                    label: l.to_string(),
                    bid_id: format!("b{i}"),
                    bidder_org_id: format!("o{i}"),
                    bidder: format!("bidder {i}"),
                    price_fen: 100_000 + i as i64 * 1_000,
                    lot_prices: Default::default(),
                    sme: i == 1,
                    sme_share_percent: None,
                })
                .collect(),
            members: (0..5)
                .map(|i| RoomMember {
                    expert: format!("e{i}"),
                    name: format!("expert {i}"),
                    league: "NNG".into(),
                    venue: "NNG".into(),
                    representative: false,
                })
                .collect(),
            items: goods_terms("交货期不超过 30 日").compliance,
            sme_deduction_percent: Some(10.0),
            sme_partnership_deduction_percent: None,
            min_compliant: 3,
            min_compliant_basis: "政府采购法 第36条".into(),
            blind: true,
            deviation_percent: 30,
        })
    }

    /// The driver walks a room from its opening to its close, every step
    /// accepted by the room itself, objective items alike across members.
    #[test]
    fn the_driver_takes_a_room_from_declarations_to_signatures() {
        let mut s = room();
        let mut signed = 0;
        for n in 1..=500 {
            let (expert, action) = match next(&s, "t", n) {
                Next::Done => break,
                Next::Stuck(why) => panic!("stuck: {why}"),
                Next::Act { expert, action } => (expert, action),
                Next::Sign { expert, text } => {
                    assert!(text.starts_with("ggzy-evaluation-report-v1\nt\n"));
                    signed += 1;
                    let action = Action::Sign {
                        id: format!("demo-{n}"),
                        signature: "c2ln".into(),
                        dissent: None,
                    };
                    (expert, action)
                }
            };
            let events = s
                .decide(&Actor::Member(expert), &action)
                .unwrap_or_else(|r| panic!("{action:?}: {r:?}"));
            for e in &events {
                s.apply(e);
            }
        }
        assert_eq!(s.phase, Phase::Closed);
        assert_eq!(signed, 5);
        assert_eq!(s.chair.as_deref(), Some("e0"));
        for ((expert, lot, bid, criterion), score) in &s.scores {
            if criterion == "service" {
                assert_eq!(
                    score.points,
                    s.scores[&("e0".into(), *lot, bid.clone(), criterion.clone())].points,
                    "{expert}"
                );
            }
        }
        assert!(s.flagged.is_empty(), "{:?}", s.flagged);
        assert_eq!(s.reviews.len(), 5 * 3, "every member passed every bid");
        let report = s.report();
        assert_eq!(report["lots"][0]["candidates"].as_array().unwrap().len(), 3);
        assert_eq!(
            report["lots"][0]["bids"][1]["evaluated_price_fen"], 90_900,
            "the small enterprise's price less 10 %"
        );
    }
}
