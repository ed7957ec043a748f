//! A read-only snapshot of the registry, ready for validation: the anchors,
//! CRLs and agreements in memory, with the openssl trust material built once.
//! The snapshot is cached and rebuilt when the registry changes (or after a
//! short while, for changes made by another instance).

use super::model::{self, PathService, Recognition, ServiceType, Vouching};
use super::store::{self, LoadedService};
use crate::db::{Db, DbConn};
use crate::error::AppError;
use crate::pki::ocsp::{CertSha256, OcspCache, OcspSettings, ResponderUrl};
use crate::pki::policy::{Check, CheckResult, Indication, Purpose, SubIndication};
use crate::pki::validation::{Report, TrustMaterial, validate};
use crate::types::LeagueCode;
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

pub struct Snapshot {
    pub services: Vec<LoadedService>,
    pub recognitions: Vec<Recognition>,
    pub material: TrustMaterial,
}

/// A validation report with the trust registry's verdict folded in.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TrustReport {
    #[serde(flatten)]
    pub report: Report,
    /// The registered service (and so the league) vouching for the certificate.
    pub vouched_by: Option<Vouching>,
    /// The league whose acceptance was asked, if any.
    #[schema(value_type = Option<String>)]
    pub for_league: Option<LeagueCode>,
}

impl TrustReport {
    pub fn passed(&self) -> bool {
        self.report.decision.indication == Indication::Passed
    }
}

impl Snapshot {
    /// Loads the registry; OCSP answers are kept in `ocsp_cache` across
    /// snapshots.
    pub fn load(
        conn: &mut DbConn,
        now: DateTime<Utc>,
        ocsp_cache: Arc<OcspCache>,
    ) -> Result<Snapshot, AppError> {
        let services = store::list(conn, None, now)?;
        let recognitions = store::recognitions(conn, None)?;
        let crls = store::crls(conn)?.into_iter().map(|(_, crl)| crl).collect();
        // A registered CA certified by another registered CA is an
        // intermediate, so paths run on to the top (and a withdrawn or
        // revoked upper CA counts); the rest (roots, and CAs registered
        // without their issuer) are anchors.
        let (mut anchors, mut intermediates) = (Vec::new(), Vec::new());
        for s in &services {
            let issued_by_registered = !s.service.self_signed
                && services.iter().any(|other| {
                    other.service.sha256 != s.service.sha256
                        && issued(&other.certificate, &s.certificate)
                });
            if issued_by_registered {
                intermediates.push(s.certificate.clone());
            } else {
                anchors.push(s.certificate.clone());
            }
        }
        // Operators' OCSP responders, per issuing service.
        let responders = services
            .iter()
            .filter_map(|s| {
                let url = ResponderUrl::parse(s.service.ocsp_url.as_deref()?).ok()?;
                Some((CertSha256::from_hex(&s.service.sha256).ok()?, url))
            })
            .collect();
        let material = TrustMaterial {
            anchors,
            intermediates,
            crls,
            ocsp: OcspSettings {
                responders,
                cache: ocsp_cache,
                ..OcspSettings::default()
            },
            ..TrustMaterial::default()
        };
        Ok(Snapshot {
            services,
            recognitions,
            material,
        })
    }

    /// The registered services met on a path (by fingerprint), nearest to the
    /// end entity first; where a certificate is listed by several leagues,
    /// the listing of `league` is preferred.
    fn path_services(
        &self,
        chain_sha256: &[String],
        league: Option<&LeagueCode>,
    ) -> Vec<PathService> {
        chain_sha256
            .iter()
            .filter_map(|sha| {
                let listed: Vec<&LoadedService> = self
                    .services
                    .iter()
                    .filter(|s| &s.service.sha256 == sha)
                    .collect();
                listed
                    .iter()
                    .find(|s| Some(&s.service.league) == league)
                    .or(listed.first())
                    .map(|s| PathService {
                        id: s.service.id.clone(),
                        league: s.service.league.clone(),
                        service_type: s.service.service_type,
                        subject: s.service.subject.clone(),
                        history: s.service.history.clone(),
                    })
            })
            .collect()
    }

    /// Validates a certificate for `purpose` at `at`, and decides whether a
    /// service of one of `types` vouches for it in `league` (any league when
    /// `None`) at that time.
    pub fn check(
        &self,
        certificate: &[u8],
        purpose: Purpose,
        types: &[ServiceType],
        league: Option<&LeagueCode>,
        at: DateTime<Utc>,
    ) -> TrustReport {
        let mut report = validate(certificate, &self.material, at, purpose);
        let mut vouched_by = None;
        if !report.chain_sha256.is_empty()
            && report.decision.sub_indication != Some(SubIndication::FormatFailure)
            && !report.chain.is_empty()
            && report.decision.sub_indication != Some(SubIndication::NoCertificateChainFound)
        {
            let services = self.path_services(&report.chain_sha256, league);
            let acceptance = model::accept(&services, types, league, &self.recognitions, at);
            vouched_by = acceptance.vouching.clone();
            let type_failed = acceptance
                .checks
                .iter()
                .any(|c| c.name == "trust_service_type" && c.result == CheckResult::Failed);
            report.decision.checks.extend(acceptance.checks);
            if !acceptance.accepted && report.decision.indication == Indication::Passed {
                report.decision.indication = Indication::Indeterminate;
                report.decision.sub_indication = Some(if type_failed {
                    SubIndication::ChainConstraintsFailure
                } else {
                    SubIndication::NoCertificateChainFound
                });
            }
        } else if report.decision.sub_indication == Some(SubIndication::NoCertificateChainFound) {
            report.decision.checks.push(Check {
                name: "trust_service",
                result: CheckResult::Failed,
                detail: "no registered trust service vouches for this certificate".into(),
            });
        }
        TrustReport {
            report,
            vouched_by,
            for_league: league.cloned(),
        }
    }
}

/// Whether `issuer` issued `cert`: names chain and the signature verifies.
fn issued(issuer: &openssl::x509::X509, cert: &openssl::x509::X509) -> bool {
    let names_match = match (issuer.subject_name().to_der(), cert.issuer_name().to_der()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    names_match
        && issuer
            .public_key()
            .and_then(|key| cert.verify(&key))
            .unwrap_or(false)
}

/// The cached snapshot shared by the handlers.
#[derive(Default)]
pub struct TrustCache {
    slot: RwLock<Option<(Instant, Arc<Snapshot>)>>,
    ocsp: Arc<OcspCache>,
}

/// How long a snapshot is used before it is reloaded anyway.
const MAX_AGE: Duration = Duration::from_secs(30);

impl TrustCache {
    /// Forgets the snapshot; call after every registry change.
    pub fn invalidate(&self) {
        if let Ok(mut slot) = self.slot.write() {
            *slot = None;
        }
    }

    /// The current snapshot, loading it if needed.
    pub async fn get(&self, db: &Db, now: DateTime<Utc>) -> Result<Arc<Snapshot>, AppError> {
        if let Ok(slot) = self.slot.read()
            && let Some((loaded, snapshot)) = slot.as_ref()
            && loaded.elapsed() < MAX_AGE
        {
            return Ok(snapshot.clone());
        }
        let ocsp = self.ocsp.clone();
        let snapshot = Arc::new(db.read(move |conn| Snapshot::load(conn, now, ocsp)).await?);
        if let Ok(mut slot) = self.slot.write() {
            *slot = Some((Instant::now(), snapshot.clone()));
        }
        Ok(snapshot)
    }
}
