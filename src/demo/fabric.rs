//! The demo data's trust fabric: a fresh `ggzy pki demo` fabric for GX, NNG
//! and LZH, registered in the trust registry with its CRLs and recognition
//! agreements, the platform's staff CA (a `staff_ca` service of no league),
//! and person accounts for its experts, supervisors and the platform
//! operator (an account of no league the staff CA vouches for), so that
//! the demo accounts can sign in with the keys written to
//! `<data_dir>/pki-demo`. DEMO MATERIAL — NOT FOR PRODUCTION: the keys are
//! written unencrypted. Everything goes through the registry's and the
//! accounts' store functions, audited as system actions.

use crate::audit::AuditContext;
use crate::db::DbConn;
use crate::error::AppError;
use crate::identity::Role;
use crate::identity::sessions::bind_certificate_identities;
use crate::identity::store::{NewUser, insert_user};
use crate::pki::demo::{DemoFabric, DemoKind, ManifestCertificate};
use crate::trust::model::ServiceType;
use crate::trust::store::{NewRecognition, NewService, load_crl, recognise, register};
use crate::types::{LeagueCode, ResidentId};
use anyhow::Context;
use chrono::{DateTime, Utc};
use std::path::Path;

/// The leagues of the demo fabric: those `ggzy pki demo` makes by default.
pub const LEAGUES: &[&str] = crate::pki::demo::DEFAULT_LEAGUES;

/// The demo's recognition agreements: (league, recognised league, types).
///
/// Experts and supervisors are drawn across the region, so every league
/// recognises every other league's personal CA. The regional centre (GX)
/// recognises the city leagues' enterprise CAs and seal authorities, and
/// the cities (NNG, LZH) recognise each other's; the cities do not
/// recognise GX's enterprise CA and seal authority, so a GX enterprise's
/// seal is refused when checked for NNG or LZH (a refusal to show).
/// Timestamp authorities are recognised by no other league.
pub const RECOGNITIONS: &[(&str, &str, &[ServiceType])] = &[
    ("GX", "NNG", ENTERPRISE_SEAL_PERSONAL),
    ("GX", "LZH", ENTERPRISE_SEAL_PERSONAL),
    ("NNG", "LZH", ENTERPRISE_SEAL_PERSONAL),
    ("LZH", "NNG", ENTERPRISE_SEAL_PERSONAL),
    ("NNG", "GX", &[ServiceType::PersonalCa]),
    ("LZH", "GX", &[ServiceType::PersonalCa]),
];

const ENTERPRISE_SEAL_PERSONAL: &[ServiceType] = &[
    ServiceType::EnterpriseCa,
    ServiceType::SealAuthority,
    ServiceType::PersonalCa,
];

/// The service type a demo authority is registered as. The root is
/// registered too, so that paths run on to it and its status and CRL
/// count; the registry decides by the service nearest to the end entity,
/// so the root's type only matters for what it issues directly (the CAs
/// and authorities, each registered itself).
fn service_type(kind: DemoKind) -> Option<ServiceType> {
    match kind {
        DemoKind::RootCa | DemoKind::EnterpriseCa => Some(ServiceType::EnterpriseCa),
        DemoKind::PersonalCa => Some(ServiceType::PersonalCa),
        DemoKind::SealAuthority => Some(ServiceType::SealAuthority),
        DemoKind::TimestampAuthority => Some(ServiceType::TimestampAuthority),
        // The platform's own, for its operators (registered without a league).
        DemoKind::StaffCa => Some(ServiceType::StaffCa),
        DemoKind::Enterprise | DemoKind::Expert | DemoKind::Supervisor | DemoKind::Operator => None,
    }
}

/// Builds the fabric in memory (about 2 s in a debug build, nearly all of
/// it generating LZH's five RSA keys).
pub fn build(now: DateTime<Utc>) -> anyhow::Result<DemoFabric> {
    let leagues = LEAGUES
        .iter()
        .map(|c| LeagueCode::parse(c).map_err(anyhow::Error::msg))
        .collect::<anyhow::Result<Vec<_>>>()?;
    crate::pki::demo::build(&leagues, now)
}

fn file<'a>(fabric: &'a DemoFabric, path: &str) -> Result<&'a [u8], AppError> {
    fabric
        .files
        .iter()
        .find(|(p, _)| p == Path::new(path))
        .map(|(_, bytes)| bytes.as_slice())
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("the demo fabric has no {path}")))
}

fn league(code: &str) -> Result<LeagueCode, AppError> {
    LeagueCode::parse(code).map_err(|e| AppError::Internal(anyhow::anyhow!(e)))
}

/// A manifest's league: none for the platform's own (`""`).
fn platform_or_league(code: &str) -> Result<Option<LeagueCode>, AppError> {
    if code.is_empty() {
        Ok(None)
    } else {
        league(code).map(Some)
    }
}

/// Registers the fabric's authorities, loads its CRLs, records the
/// recognition agreements and creates the person accounts, at `ctx.now`
/// (the fabric's certificates start an hour before).
pub fn register_fabric(
    conn: &mut DbConn,
    ctx: &AuditContext,
    fabric: &DemoFabric,
) -> Result<(), AppError> {
    // Written into the registry the leagues' staff read: in Chinese, like
    // the rest of the platform's data.
    const REASON: &str = "演示信任体系（演示材料，不得用于生产）";
    let m = &fabric.manifest;
    // Roots first: the order is the manifest's, root-ca leading each league.
    for c in &m.certificates {
        let Some(service_type) = service_type(c.kind) else {
            continue;
        };
        let pem = String::from_utf8(file(fabric, &c.cert)?.to_vec())
            .map_err(|e| AppError::Internal(e.into()))?;
        register(
            conn,
            ctx,
            &NewService {
                league: platform_or_league(&c.league)?,
                service_type,
                certificate: pem,
                issuers: Vec::new(),
                ocsp_url: None,
                crl_urls: Vec::new(),
                effective_from: None,
                reason: Some(REASON.into()),
            },
        )?;
    }
    for crl in &m.crls {
        load_crl(conn, ctx, file(fabric, &crl.path)?, None)?;
    }
    for (by, of, types) in RECOGNITIONS {
        for service_type in *types {
            recognise(
                conn,
                ctx,
                &NewRecognition {
                    league: league(by)?,
                    recognised_league: league(of)?,
                    service_type: *service_type,
                    effective_from: None,
                    reason: Some(format!(
                        "演示：{by} 认可 {of} 的{}",
                        service_name(*service_type)
                    )),
                },
            )?;
        }
    }
    for c in &m.certificates {
        person_account(conn, ctx, c)?;
    }
    Ok(())
}

/// An account for an expert's, a supervisor's or the platform operator's
/// certificate, bound to the identity number it names (no token: the person
/// signs in by certificate). The operator's account is the platform's (no
/// league): only the platform's staff CA vouches for it.
fn person_account(
    conn: &mut DbConn,
    ctx: &AuditContext,
    c: &ManifestCertificate,
) -> Result<(), AppError> {
    let role = match c.kind {
        DemoKind::Expert => Role::Expert,
        DemoKind::Supervisor => Role::Supervisor,
        DemoKind::Operator => Role::Operator,
        _ => return Ok(()),
    };
    let id_number = c
        .id_number
        .as_deref()
        .context("a demo person names no identity number")
        .and_then(|id| ResidentId::parse(id).map_err(anyhow::Error::msg))?;
    let league = platform_or_league(&c.league)?;
    let user = insert_user(
        conn,
        ctx,
        &NewUser {
            name: &c.name,
            roles: &[role],
            league: league.as_ref(),
            organisation: None,
        },
    )?;
    bind_certificate_identities(conn, ctx, &user, &[role], None, Some(&id_number))?;
    if role == Role::Expert {
        expert_profile(conn, ctx, c, &user)?;
    }
    if role == Role::Supervisor
        && let Some(scope) = supervisor_scope(&c.league)?
    {
        crate::supervision::set_scope(conn, ctx, user.as_str(), &scope)?;
    }
    Ok(())
}

/// The scope a demo supervisor is given, as a deployment stores one for
/// each supervisor it enrols: a city league's supervisor is the
/// administrative supervisor (行政监督) of the category of its league's demo
/// tenders, so that it accepts, suspends and decides their complaints
/// (投诉) without setting up: NNG's government procurement (the finance
/// department supervises it, 政府采购法 第13条). LZH's supervisor has no
/// stored scope (its league's, every category, as an account enrolled
/// before scopes were stored): the browser tests run LZH's tenders of
/// government procurement and of construction through one supervisor, and
/// an administrative scope names one category. The regional centre's
/// supervisor inspects discipline (纪检监察) across every category of its
/// league, and handles no complaint.
fn supervisor_scope(league: &str) -> Result<Option<crate::supervision::Scope>, AppError> {
    use crate::supervision::{Scope, SupervisorKind};
    use crate::tenders::model::Category;
    let (kind, category) = match league {
        "NNG" => (
            SupervisorKind::Administrative,
            Some(Category::GovernmentProcurement),
        ),
        "GX" => (SupervisorKind::Discipline, None),
        _ => return Ok(None),
    };
    Ok(Some(Scope {
        kind: Some(kind),
        category,
        league: platform_or_league(league)?,
    }))
}

/// The demo expert joins the shared pool, available: teaching equipment
/// (what the demo tenders buy) and one more specialty per league.
fn expert_profile(
    conn: &mut DbConn,
    ctx: &AuditContext,
    c: &ManifestCertificate,
    user: &crate::types::UserId,
) -> Result<(), AppError> {
    use crate::experts::pool;
    let second = match c.league.as_str() {
        "GX" => "E01",
        "NNG" => "C01",
        "LZH" => "A0102",
        _ => "B0101",
    };
    let input = pool::ExpertInput {
        user_id: Some(user.as_str().to_string()),
        employer: pool::Employer {
            name: c
                .organisation
                .clone()
                .unwrap_or_else(|| "（未填写）".into()),
            credit_code: None,
        },
        related: Vec::new(),
        specialties: vec!["B0102".into(), second.into()],
        phone: None,
        email: None,
        active: Some(true),
    };
    let id = pool::create(conn, ctx, &input)?;
    let row = pool::load(conn, &id)?;
    pool::set_availability(
        conn,
        ctx,
        &row,
        &pool::AvailabilityInput {
            available: true,
            note: Some("演示数据".into()),
        },
    )
}

/// Records the certificates of the fabric's enterprises and people as where
/// their accounts' opening-key shares go, as if each had signed in once.
pub fn record_custody_certificates(
    conn: &mut DbConn,
    fabric: &DemoFabric,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    use crate::db::schema::user_identities;
    use diesel::prelude::*;
    for c in &fabric.manifest.certificates {
        if c.revoked {
            continue;
        }
        let key = match (c.kind, &c.credit_code, &c.id_number) {
            (DemoKind::Enterprise, Some(code), _) => ("enterprise", code),
            (DemoKind::Expert | DemoKind::Supervisor, _, Some(id)) => ("person", id),
            _ => continue,
        };
        let users: Vec<String> = user_identities::table
            .filter(user_identities::kind.eq(key.0))
            .filter(user_identities::identifier.eq(key.1))
            .select(user_identities::user_id)
            .load(conn)?;
        let pem = file(fabric, &c.cert)?;
        let der = openssl::x509::X509::from_pem(pem)
            .and_then(|x| x.to_der())
            .map_err(|e| AppError::Internal(e.into()))?;
        for user in users {
            let user = crate::types::UserId::from_db(user);
            crate::opening::store::record_custody_certificate(conn, &user, &der, now)?;
        }
    }
    Ok(())
}

/// Writes the fabric where the demo user finds its keys, replacing a
/// fabric left by an earlier database.
pub fn write(dir: &Path, fabric: &DemoFabric) -> anyhow::Result<()> {
    crate::pki::demo::write(dir, fabric, true)
        .with_context(|| format!("writing the demo trust fabric to {}", dir.display()))
}

/// A trust service's type in Chinese, for the demo's recognitions.
fn service_name(t: ServiceType) -> &'static str {
    match t {
        ServiceType::EnterpriseCa => "企业证书认证机构",
        ServiceType::PersonalCa => "个人证书认证机构",
        ServiceType::SealAuthority => "电子印章制作机构",
        ServiceType::TimestampAuthority => "时间戳服务机构",
        ServiceType::CrlIssuer => "证书撤销列表签发机构",
        ServiceType::StaffCa => "平台工作人员证书认证机构",
    }
}
