//! Demo data for a fresh database: leagues of one region, organisations, a
//! tenderer and an agent, and tenders in several states with documents,
//! an amendment and an answered clarification; and a working trust fabric
//! ([`fabric`]): registered CAs, CRLs and recognitions, the enterprise
//! accounts bound to their credit codes, expert and supervisor accounts,
//! and the keys written to `<data_dir>/pki-demo`. Loaded only into an empty
//! database, through the same store functions (and audit hook) as the API.

pub mod auctions;
pub mod fabric;
pub mod procedure;
pub mod welcome;

use crate::audit::AuditContext;
use crate::db::Db;
use crate::db::schema::leagues;
use crate::error::AppError;
use crate::identity::sessions::bind_certificate_identities;
use crate::identity::store::{NewUser, create_user, find_or_create_organisation};
use crate::identity::{Principal, Role};
use crate::leagues::League;
use crate::opendata::OcdsSettings;
use crate::store::BlobStore;
use crate::tenders::clarifications::{AnswerInput, QuestionInput, answer, ask};
use crate::tenders::documents::{NewDocument, record_document};
use crate::tenders::lifecycle::Action;
use crate::tenders::model::*;
use crate::tenders::store::{self as tenders, AmendmentInput, Parties, TransitionInput};
use crate::types::{CreditCode, Currency, LeagueCode, Money, OrganisationId, TenderId, UserId};
use anyhow::Context;
use chrono::{DateTime, Duration, SubsecRound, Utc};
use diesel::prelude::*;
use std::path::Path;

/// The demo leagues: code, name, English name, parent region.
pub const LEAGUES: &[(&str, &str, &str, &str)] = &[
    (
        "GX",
        "广西壮族自治区公共资源交易中心",
        "Guangxi Public Resource Trading Centre",
        "CN",
    ),
    (
        "NNG",
        "南宁市公共资源交易中心",
        "Nanning Public Resource Trading Centre",
        "GX",
    ),
    (
        "LZH",
        "柳州市公共资源交易中心",
        "Liuzhou Public Resource Trading Centre",
        "GX",
    ),
    (
        "GLN",
        "桂林市公共资源交易中心",
        "Guilin Public Resource Trading Centre",
        "GX",
    ),
    (
        "BHY",
        "北海市公共资源交易中心",
        "Beihai Public Resource Trading Centre",
        "GX",
    ),
];

/// An organisation of the demo data: its league, its name and the first 17
/// characters of its unified social credit code (the check digit is added).
/// `ggzy pki demo` issues certificates to the same organisations.
pub struct DemoOrganisation {
    pub league: &'static str,
    pub name: &'static str,
    pub credit17: &'static str,
}

impl DemoOrganisation {
    pub fn credit_code(&self) -> CreditCode {
        credit(self.credit17)
    }
}

/// The demo organisations.
pub const ORGANISATIONS: &[DemoOrganisation] = &[
    DemoOrganisation {
        league: "NNG",
        name: "南宁市教育局",
        credit17: "11450100MB1234567",
    },
    DemoOrganisation {
        league: "NNG",
        name: "广西华信招标代理有限公司",
        credit17: "91450100MA5K12345",
    },
    DemoOrganisation {
        league: "LZH",
        name: "柳州市城市建设投资发展集团有限公司",
        credit17: "91450200MA5N54321",
    },
    DemoOrganisation {
        league: "GLN",
        name: "桂林市自然资源局",
        credit17: "11450300MB7654321",
    },
    DemoOrganisation {
        league: "BHY",
        name: "北海市国有资本投资运营有限公司",
        credit17: "91450500MA5Q24680",
    },
    DemoOrganisation {
        league: "NNG",
        name: "广西建工集团有限公司",
        credit17: "91450000MA5L13579",
    },
    // The bidders of the demo procedures ([`procedure`]): enrolled as
    // bidders when they first bid, as at a first sign-in.
    DemoOrganisation {
        league: "NNG",
        name: "南宁智慧校园科技有限公司",
        credit17: "91450100MA5R10017",
    },
    DemoOrganisation {
        league: "NNG",
        name: "广西华蓝教育装备有限公司",
        credit17: "91450100MA5R20025",
    },
    DemoOrganisation {
        league: "NNG",
        name: "南宁博创电子设备有限公司",
        credit17: "91450100MA5R30033",
    },
    DemoOrganisation {
        league: "LZH",
        name: "柳州鹏达教学设备有限公司",
        credit17: "91450200MA5R40041",
    },
    // The land trades' organiser and bidders ([`auctions`]): the bureau
    // that sells the land-use rights, and three developers, enrolled as
    // bidders when they first apply, as at a first sign-in.
    DemoOrganisation {
        league: "NNG",
        name: "南宁市自然资源局",
        credit17: "11450100MB0246813",
    },
    DemoOrganisation {
        league: "NNG",
        name: "南宁五象新城置业有限公司",
        credit17: "91450100MA5R60051",
    },
    DemoOrganisation {
        league: "NNG",
        name: "广西邕江城市发展有限公司",
        credit17: "91450100MA5R70068",
    },
    DemoOrganisation {
        league: "NNG",
        name: "南宁青秀山房地产开发有限公司",
        credit17: "91450100MA5R80076",
    },
];

/// A demo organisation as created: its id and credit code.
struct DemoOrg {
    id: OrganisationId,
    credit_code: CreditCode,
}

/// Creates (or finds) a demo organisation of [`ORGANISATIONS`] by name.
fn demo_organisation(
    conn: &mut crate::db::DbConn,
    ctx: &AuditContext,
    name: &str,
) -> Result<DemoOrg, AppError> {
    let org = ORGANISATIONS
        .iter()
        .find(|o| o.name == name)
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("no demo organisation {name}")))?;
    let credit_code = org.credit_code();
    let id =
        find_or_create_organisation(conn, ctx, &code(org.league), org.name, Some(&credit_code))?;
    Ok(DemoOrg { id, credit_code })
}

/// Loads the demo data if there are no leagues yet, and writes the demo
/// trust fabric's files (keys included) to `fabric_dir`. The fabric's GX
/// timestamp authority becomes the platform's, installed in `tsa_into`;
/// with none (a provisioned key set, never written), the platform's own
/// stays.
///
/// Returns the demo procedures and trades to run once the server listens
/// ([`procedure::finish`], [`procedure::open_live`], [`auctions::run`])
/// when it loaded them: on this node only, so in a cluster once. The live
/// tender opens `timing.live_minutes` after the load, the land auction
/// `timing.auction_minutes` after it. The trades' receipts are stamped by
/// `tsa`, the platform's timestamp authority when it is provisioned;
/// without one, by the demo fabric's GX authority, which becomes the
/// platform's.
#[allow(clippy::too_many_arguments)]
pub fn load_if_empty(
    db: &Db,
    blobs: &BlobStore,
    settings: &OcdsSettings,
    fabric_dir: &Path,
    tsa_into: Option<&Path>,
    tsa: Option<&crate::tsa::Tsa>,
    clock: &dyn crate::clock::Clock,
    timing: Timing,
    platform: &openssl::x509::X509,
) -> anyhow::Result<Option<Plan>> {
    let now = clock.now().trunc_subsecs(0);
    let loaded = db.write_blocking(|conn| {
        // Nodes starting together on an empty database take turns: the
        // first loads, the others then find the leagues there.
        crate::db::cluster_duty_in_transaction(conn, crate::db::ClusterDuty::DemoData)?;
        let n: i64 = leagues::table.count().get_result(conn)?;
        if n > 0 {
            return Ok(None);
        }
        let plan = load(
            conn,
            blobs,
            settings,
            fabric_dir,
            now,
            &Later { clock, timing },
            tsa,
            platform,
        )?;
        Ok(Some(plan))
    });
    match loaded {
        Ok(Some(plan)) => {
            tracing::info!("demo data loaded");
            if let Some(keys_dir) = tsa_into {
                let gx = fabric_dir.join("GX");
                let read = |name: &str| std::fs::read(gx.join(name));
                crate::pki::keys::install_tsa(
                    keys_dir,
                    &read("timestamp-authority.cert.pem")?,
                    &read("root-ca.cert.pem")?,
                    &read("timestamp-authority.key.pem")?,
                )
                .context("installing the demo timestamp authority")?;
            }
            tracing::warn!(
                path = %fabric_dir.display(),
                "demo trust fabric written: its unencrypted keys sign in as the demo enterprises, experts, supervisors and the platform operator (DEMO MATERIAL — NOT FOR PRODUCTION)"
            );
            Ok(Some(plan))
        }
        Ok(None) => Ok(None),
        Err(e) => anyhow::bail!("loading demo data: {e}"),
    }
}

/// What the demo procedures are timed by: the clock when they are set up
/// (the load's `now` is read before the fabric's keys are made), and the
/// minutes to the live opening and the auction.
struct Later<'a> {
    clock: &'a dyn crate::clock::Clock,
    timing: Timing,
}

/// When the demo's live parts happen (the configuration's
/// `demo_live_opening_minutes`, `demo_auction_minutes` and
/// `demo_auction_countdown_secs`).
#[derive(Debug, Clone, Copy)]
pub struct Timing {
    pub live_minutes: u32,
    pub auction_minutes: u32,
    pub countdown_secs: u32,
}

/// What the demo runs once the server listens: the tendering procedures
/// and the trades found by price.
#[derive(Debug, Clone)]
pub struct Plan {
    pub procedures: procedure::Plan,
    pub trades: auctions::Plan,
}

/// Custody for a demo tender: the publisher if it has a certificate, a
/// supervisor of the tender's league (or of the regional centre, GX, for
/// leagues without one) and the platform, two of them needed.
fn demo_custody(
    conn: &mut crate::db::DbConn,
    league: &LeagueCode,
    publisher: &Principal,
) -> Result<crate::opening::store::CustodyInput, AppError> {
    use crate::db::schema::{custody_certificates, user_roles, users};
    let mut custodians = Vec::new();
    if let Some(me) = &publisher.user_id {
        let has: i64 = custody_certificates::table
            .filter(custody_certificates::user_id.eq(me.as_str()))
            .count()
            .get_result(conn)?;
        if has > 0 {
            custodians.push(me.clone());
        }
    }
    for candidate in [league.as_str(), "GX"] {
        let supervisor: Option<String> = users::table
            .inner_join(user_roles::table.on(user_roles::user_id.eq(users::id)))
            .inner_join(custody_certificates::table.on(custody_certificates::user_id.eq(users::id)))
            .filter(user_roles::role.eq(Role::Supervisor.code()))
            .filter(users::league_code.eq(candidate))
            .select(users::id)
            .first(conn)
            .optional()?;
        if let Some(s) = supervisor {
            custodians.push(UserId::from_db(s));
            break;
        }
    }
    Ok(crate::opening::store::CustodyInput {
        threshold: 2,
        custodians,
        platform: true,
    })
}

/// Drafts a demo tender as `by` two hours before its documents become
/// available, attaches its document, and publishes it then, with the
/// demo's custody of its opening key: as its organiser would through the
/// API, dated when it happened.
fn publish(
    conn: &mut crate::db::DbConn,
    blobs: &BlobStore,
    settings: &OcdsSettings,
    platform: &openssl::x509::X509,
    by: &Principal,
    parties: &Parties,
    input: &TenderInput,
) -> Result<TenderId, AppError> {
    publish_with(
        conn,
        blobs,
        settings,
        platform,
        by,
        parties,
        input,
        |_, _, _| Ok(()),
    )
}

/// As [`publish`], with `prepare` run on the draft an hour before its
/// publication (a trade's set-up, made while the tender is a draft).
#[allow(clippy::too_many_arguments)]
fn publish_with(
    conn: &mut crate::db::DbConn,
    blobs: &BlobStore,
    settings: &OcdsSettings,
    platform: &openssl::x509::X509,
    by: &Principal,
    parties: &Parties,
    input: &TenderInput,
    prepare: impl FnOnce(&mut crate::db::DbConn, &AuditContext, &TenderId) -> Result<(), AppError>,
) -> Result<TenderId, AppError> {
    let start = input.dates.documents_available_at;
    let created = context(by, start - Duration::hours(2));
    let id = tenders::insert_draft(conn, &created, input, parties)?;
    let doc = format!(
        "# {}\n\n招标文件（示例）。本文件为演示数据，由平台首次启动时生成。\n",
        input.title
    );
    let blob = blobs.put_bytes(doc.as_bytes())?;
    let row = tenders::load_row(conn, &id)?;
    record_document(
        conn,
        &created,
        &row,
        &NewDocument {
            title: "招标文件",
            filename: "招标文件.md",
            media_type: "text/markdown",
            blob: &blob,
        },
    )?;
    prepare(conn, &context(by, start - Duration::hours(1)), &id)?;
    let row = tenders::load_row(conn, &id)?;
    let publish = TransitionInput {
        action: Action::Publish,
        reason: String::new(),
        custody: Some(demo_custody(conn, &parties.league, by)?),
        winner_bid_id: None,
        lots: Vec::new(),
        price_record: None,
    };
    let published = context(by, start);
    tenders::transition(conn, &published, settings, &row, &publish)?;
    // The opening key pair from the pool made ahead at start-up, as a
    // publication through the API takes it.
    let key = crate::opening::keypool::shared()
        .take_or_make()
        .map_err(|e| AppError::Internal(anyhow::Error::new(e).context("opening key pair")))?;
    let mut key = Some(key);
    crate::opening::store::on_transition(conn, &published, &row, &publish, platform, &mut key)?;
    Ok(id)
}

/// `by` acting at `at`, as a request of theirs would be recorded.
fn context(by: &Principal, at: DateTime<Utc>) -> AuditContext {
    AuditContext {
        principal: by.clone(),
        role: by.roles.first().copied(),
        client_addr: None,
        device: None,
        request_id: None,
        now: at,
    }
}

fn code(raw: &str) -> LeagueCode {
    LeagueCode::parse(raw).expect("demo league codes are valid")
}

fn credit(first17: &str) -> CreditCode {
    CreditCode::with_check_digit(first17).expect("demo credit codes are valid")
}

/// Loads everything in one transaction. The fabric's files are written
/// last, so a failed load leaves none behind that the database does not
/// know (a later start overwrites them).
#[allow(clippy::too_many_arguments)]
fn load(
    conn: &mut crate::db::DbConn,
    blobs: &BlobStore,
    settings: &OcdsSettings,
    fabric_dir: &Path,
    now: DateTime<Utc>,
    later: &Later<'_>,
    tsa: Option<&crate::tsa::Tsa>,
    platform: &openssl::x509::X509,
) -> Result<Plan, AppError> {
    // Key generation, RSA above all, is most of the demo load's time.
    let built = fabric::build(now).context("building the demo trust fabric")?;
    let fabric_tsa;
    let tsa = match tsa {
        Some(tsa) => tsa,
        None => {
            fabric_tsa = auctions::fabric_tsa(&built)?;
            &fabric_tsa
        }
    };
    let plan = load_records(
        conn,
        blobs,
        settings,
        now,
        &built,
        platform,
        |conn, agent, parties, land, land_parties| {
            let procedures = procedure::set_up(
                conn,
                blobs,
                settings,
                platform,
                agent,
                parties,
                &scoring(),
                later.clock.now().trunc_subsecs(0),
                later.timing.live_minutes,
                fabric_dir,
            )?;
            let trades = auctions::set_up(
                conn,
                &auctions::Context {
                    blobs,
                    settings,
                    platform,
                    built: &built,
                    tsa,
                },
                land,
                land_parties,
                later.clock.now().trunc_subsecs(0),
                later.timing,
            )?;
            Ok(Plan { procedures, trades })
        },
    )?;
    fabric::write(fabric_dir, &built)?;
    Ok(plan)
}

/// The demo's comprehensive scoring (government procurement of goods: the
/// price weighs 30 of 100, scored from the lowest price).
fn scoring() -> Evaluation {
    Evaluation::ComprehensiveScoring {
        criteria: vec![
            Criterion {
                code: "tech".into(),
                name: "技术方案".into(),
                kind: CriterionKind::Technical,
                weight: 50,
                requires_reason: true,
                objective: false,
            },
            Criterion {
                code: "service".into(),
                name: "商务与售后服务".into(),
                kind: CriterionKind::Commercial,
                weight: 20,
                requires_reason: false,
                objective: true,
            },
            Criterion {
                code: "price".into(),
                name: "价格".into(),
                kind: CriterionKind::Price,
                weight: 30,
                requires_reason: false,
                objective: true,
            },
        ],
        price_formula: PriceFormula::LowestPriceBase,
    }
}

fn load_records(
    conn: &mut crate::db::DbConn,
    blobs: &BlobStore,
    settings: &OcdsSettings,
    now: DateTime<Utc>,
    built: &crate::pki::demo::DemoFabric,
    platform: &openssl::x509::X509,
    procedures: impl FnOnce(
        &mut crate::db::DbConn,
        &Principal,
        &Parties,
        &Principal,
        &Parties,
    ) -> Result<Plan, AppError>,
) -> Result<Plan, AppError> {
    let system = AuditContext::system(now - Duration::days(40));
    for (c, name, name_en, parent) in LEAGUES {
        crate::leagues::insert(
            conn,
            &system,
            &League {
                code: code(c),
                name: (*name).into(),
                name_en: (*name_en).into(),
                parent_region: (*parent).into(),
            },
        )?;
    }
    let nng = code("NNG");
    let edu = demo_organisation(conn, &system, "南宁市教育局")?;
    let agency = demo_organisation(conn, &system, "广西华信招标代理有限公司")?;
    let lzh_org = demo_organisation(conn, &system, "柳州市城市建设投资发展集团有限公司")?;
    let gln_org = demo_organisation(conn, &system, "桂林市自然资源局")?;
    let bhy_org = demo_organisation(conn, &system, "北海市国有资本投资运营有限公司")?;
    let builder = demo_organisation(conn, &system, "广西建工集团有限公司")?;
    let land_bureau = demo_organisation(conn, &system, "南宁市自然资源局")?;

    // Each account signs in with its token or with its organisation's
    // certificate (the demo fabric's, bound by credit code).
    let mut actor = |name: &str,
                     role: Role,
                     league: &LeagueCode,
                     org: &DemoOrg|
     -> Result<Principal, AppError> {
        let (id, token) = create_user(
            conn,
            &system,
            &NewUser {
                name,
                roles: &[role],
                league: Some(league),
                organisation: Some(&org.id),
            },
            Some(now + Duration::days(30)),
        )?;
        bind_certificate_identities(conn, &system, &id, &[role], Some(&org.credit_code), None)?;
        tracing::warn!(user = name, role = role.code(), %token, "demo account token (valid 30 days; demo data only)");
        Ok(Principal {
            user_id: Some(id),
            name: name.into(),
            roles: vec![role],
            league: Some(league.clone()),
            organisation: Some(org.id.clone()),
        })
    };
    let _edu_user = actor("南宁市教育局 采购科", Role::Tenderer, &nng, &edu)?;
    let agent_user = actor("华信招标 项目经理", Role::Agent, &nng, &agency)?;
    let lzh_user = actor("柳州城投 招采部", Role::Tenderer, &code("LZH"), &lzh_org)?;
    let gln_user = actor(
        "桂林市自然资源局 出让科",
        Role::Tenderer,
        &code("GLN"),
        &gln_org,
    )?;
    let bhy_user = actor("北海国资 产权部", Role::Tenderer, &code("BHY"), &bhy_org)?;
    let bidder = actor("广西建工集团 投标部", Role::Bidder, &nng, &builder)?;
    let land_user = actor(
        "南宁市自然资源局 土地出让科",
        Role::Tenderer,
        &nng,
        &land_bureau,
    )?;
    // The enterprise reads the platform's messages by e-mail and follows
    // two categories: with no SMTP server configured, what it is sent
    // appears as .eml files under <data_dir>/mail from the first start.
    let bidder_id = bidder
        .user_id
        .as_ref()
        .map(|u| u.as_str().to_string())
        .unwrap_or_default();
    crate::notify::settings::demo_address(
        conn,
        &bidder_id,
        "toubiao@gxjg.example.com",
        system.now,
    )?;
    crate::notify::settings::set_subscriptions(
        conn,
        &system,
        &bidder_id,
        &[
            crate::notify::settings::Subscription {
                category: Category::GovernmentProcurement,
                league: "*".into(),
            },
            crate::notify::settings::Subscription {
                category: Category::EngineeringConstruction,
                league: "*".into(),
            },
        ],
    )?;

    let scoring = scoring();
    let ctx = context;
    let dates = |start: DateTime<Utc>, days: i64| KeyDates {
        documents_available_at: start,
        clarification_deadline: start + Duration::days(days - 12),
        bid_deadline: start + Duration::days(days),
        publicity_days: 3,
    };

    struct Demo {
        by: Principal,
        tenderer: OrganisationId,
        agent: Option<OrganisationId>,
        league: LeagueCode,
        input: TenderInput,
    }
    let demos = vec![
        Demo {
            by: agent_user.clone(),
            tenderer: edu.id.clone(),
            agent: Some(agency.id.clone()),
            league: nng.clone(),
            input: TenderInput {
                title: "南宁市中小学智慧教室设备采购项目".into(),
                description: "采购交互式智能黑板、学生终端及配套软件，分两个包组。".into(),
                category: Category::GovernmentProcurement,
                method: Method::OpenTendering,
                league: None,
                tenderer_org_id: None,
                budget: Money {
                    amount_fen: 1_280_000_000,
                    currency: Currency::cny(),
                },
                lots: vec![
                    LotInput {
                        title: "第一包：交互式智能黑板".into(),
                        description: "共 320 套".into(),
                        budget_fen: 800_000_000,
                        evaluation: None,
                        ceiling_price_fen: None,
                    },
                    LotInput {
                        title: "第二包：学生终端".into(),
                        description: "共 2400 台".into(),
                        budget_fen: 480_000_000,
                        evaluation: None,
                        ceiling_price_fen: None,
                    },
                ],
                evaluation: scoring.clone(),
                dates: dates(now - Duration::days(2), 26),
                seal_required: false,
                invitees: Vec::new(),
                terms: ProcedureTerms {
                    subject: Some(Subject::Goods),
                    bid_validity_days: Some(90),
                    sme_price_deduction_percent: Some(10.0),
                    qualification: vec![ReviewItem {
                        code: "licence".into(),
                        name: "具有独立承担民事责任的能力".into(),
                        document: "营业执照".into(),
                    }],
                    compliance: vec![ReviewItem {
                        code: "delivery".into(),
                        name: "交货期不超过 60 日".into(),
                        document: "投标函".into(),
                    }],
                    ..ProcedureTerms::default()
                },
            },
        },
        Demo {
            by: lzh_user.clone(),
            tenderer: lzh_org.id.clone(),
            agent: None,
            league: code("LZH"),
            input: TenderInput {
                title: "柳州市柳东新区道路改造工程施工招标".into(),
                description: "柳东新区 3.2 公里城市主干道改造，含排水、照明及绿化工程。".into(),
                category: Category::EngineeringConstruction,
                method: Method::OpenTendering,
                league: None,
                tenderer_org_id: None,
                budget: Money {
                    amount_fen: 8_650_000_000,
                    currency: Currency::cny(),
                },
                lots: vec![],
                evaluation: Evaluation::LowestEvaluatedPrice,
                dates: dates(now - Duration::days(1), 30),
                seal_required: false,
                invitees: Vec::new(),
                terms: ProcedureTerms {
                    subject: Some(Subject::Works),
                    ceiling_price_fen: Some(8_400_000_000),
                    bid_validity_days: Some(90),
                    qualification: vec![ReviewItem {
                        code: "grade".into(),
                        name: "市政公用工程施工总承包二级及以上资质".into(),
                        document: "资质证书".into(),
                    }],
                    compliance: vec![ReviewItem {
                        code: "period".into(),
                        name: "工期不超过 540 日历天".into(),
                        document: "投标函".into(),
                    }],
                    ..ProcedureTerms::default()
                },
            },
        },
        Demo {
            by: gln_user.clone(),
            tenderer: gln_org.id.clone(),
            agent: None,
            league: code("GLN"),
            input: TenderInput {
                title: "桂林市临桂区 GLN-2026-17 号地块国有建设用地使用权挂牌出让".into(),
                description: "宗地面积 45,210 平方米，用途为商住用地，出让年限 70 年。".into(),
                category: Category::LandMiningRights,
                method: Method::Listing,
                league: None,
                tenderer_org_id: None,
                budget: Money {
                    amount_fen: 21_000_000_000,
                    currency: Currency::cny(),
                },
                lots: vec![],
                evaluation: Evaluation::HighestPrice,
                dates: dates(now - Duration::days(40), 25),
                seal_required: false,
                invitees: Vec::new(),
                terms: ProcedureTerms::default(),
            },
        },
        Demo {
            by: bhy_user.clone(),
            tenderer: bhy_org.id.clone(),
            agent: None,
            league: code("BHY"),
            input: TenderInput {
                title: "北海市某国有企业 35% 股权转让项目".into(),
                description: "转让标的企业 35% 股权，意向受让方须具备相应资质。".into(),
                category: Category::StateOwnedProperty,
                method: Method::Listing,
                league: None,
                tenderer_org_id: None,
                budget: Money {
                    amount_fen: 5_600_000_000,
                    currency: Currency::cny(),
                },
                lots: vec![],
                evaluation: Evaluation::HighestPrice,
                dates: dates(now, 35),
                seal_required: false,
                invitees: Vec::new(),
                terms: ProcedureTerms::default(),
            },
        },
    ];

    // The fabric's authorities and people, and the certificates the demo
    // accounts' opening-key shares are encrypted to.
    fabric::register_fabric(conn, &AuditContext::system(now), built)?;
    fabric::record_custody_certificates(conn, built, now)?;

    let mut ids: Vec<(TenderId, Principal, DateTime<Utc>)> = Vec::new();
    for demo in demos {
        let start = demo.input.dates.documents_available_at;
        let parties = Parties {
            league: demo.league.clone(),
            tenderer: demo.tenderer.clone(),
            agent: demo.agent.clone(),
        };
        let id = publish(
            conn,
            blobs,
            settings,
            platform,
            &demo.by,
            &parties,
            &demo.input,
        )?;
        ids.push((id, demo.by, start));
    }

    // The school tender: the enterprise takes its documents, asks; an
    // answered clarification and an amendment (both sent to it).
    let (school, school_by, start) = &ids[0];
    crate::tenders::takers::note(
        conn,
        school.as_str(),
        &crate::tenders::takers::Taker {
            user_id: bidder_id.clone(),
            organisation_id: Some(builder.id.as_str().to_string()),
        },
        *start + Duration::hours(2),
    )?;
    let asked = *start + Duration::hours(20);
    let row = tenders::load_row(conn, school)?;
    let question = QuestionInput {
        question: "第一包是否接受 86 英寸以上的产品？".into(),
    };
    let asked_view = ask(conn, &ctx(&bidder, asked), &row, &question)?;
    let reply = AnswerInput {
        answer: "接受，尺寸不小于 86 英寸即可。".into(),
        changes_bids: false,
    };
    answer(
        conn,
        &ctx(school_by, asked + Duration::hours(3)),
        settings,
        &row,
        &asked_view.id,
        &reply,
    )?;
    let row = tenders::load_row(conn, school)?;
    tenders::amend(
        conn,
        &ctx(school_by, *start + Duration::days(1)),
        settings,
        &row,
        &AmendmentInput {
            title: "更正公告（第1号）".into(),
            body: "第二包学生终端内存要求由 8GB 调整为 16GB。".into(),
            changes_bids: true,
            new_bid_deadline: None,
            document_ids: vec![],
            changes: Default::default(),
        },
    )?;

    // The land listing: its deadline has passed and the opening has begun.
    let (land, land_by, land_start) = &ids[2];
    let row = tenders::load_row(conn, land)?;
    let opened = *land_start + Duration::days(25);
    let start_opening = TransitionInput {
        action: Action::StartOpening,
        reason: String::new(),
        custody: None,
        winner_bid_id: None,
        lots: Vec::new(),
        price_record: None,
    };
    let opening = ctx(land_by, opened);
    tenders::transition(conn, &opening, settings, &row, &start_opening)?;
    crate::opening::store::on_transition(
        conn,
        &opening,
        &row,
        &start_opening,
        platform,
        &mut None,
    )?;

    // The procedures that run once the server listens: a tender of the
    // agent's for the education bureau, finished within seconds, and one
    // opened live minutes later (`procedure`).
    procedures(
        conn,
        &agent_user,
        &Parties {
            league: nng.clone(),
            tenderer: edu.id.clone(),
            agent: Some(agency.id.clone()),
        },
        &land_user,
        &Parties {
            league: nng.clone(),
            tenderer: land_bureau.id.clone(),
            agent: None,
        },
    )
}
