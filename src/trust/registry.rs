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
    /// end entity first. The first listed certificate of the path vouches,
    /// under the listing of the league asked about if it lists it, else one
    /// that league recognises, else any (which `model::accept` then refuses).
    /// Above it, deciding for a league, only that league's listings and those
    /// of leagues it recognises for the listing's type at `at` count: another
    /// league's listing or status never changes this league's decision.
    fn path_services(
        &self,
        chain_sha256: &[String],
        league: Option<&LeagueCode>,
        at: DateTime<Utc>,
    ) -> Vec<PathService> {
        let own = |s: &LoadedService| Some(&s.service.league) == league;
        let relevant = |s: &LoadedService| match league {
            None => true,
            Some(l) => {
                s.service.league == *l
                    || self.recognitions.iter().any(|r| {
                        r.league == *l
                            && r.recognised_league == s.service.league
                            && r.service_type == s.service.service_type
                            && r.in_force(at)
                    })
            }
        };
        let as_path = |s: &LoadedService| PathService {
            id: s.service.id.clone(),
            league: s.service.league.clone(),
            service_type: s.service.service_type,
            subject: s.service.subject.clone(),
            history: s.service.history.clone(),
        };
        let mut out = Vec::new();
        for sha in chain_sha256 {
            let listed: Vec<&LoadedService> = self
                .services
                .iter()
                .filter(|s| &s.service.sha256 == sha)
                .collect();
            let chosen = if out.is_empty() {
                listed
                    .iter()
                    .find(|s| own(s))
                    .or_else(|| listed.iter().find(|s| relevant(s)))
                    .or(listed.first())
            } else {
                listed
                    .iter()
                    .find(|s| own(s))
                    .or_else(|| listed.iter().find(|s| relevant(s)))
            };
            if let Some(s) = chosen {
                out.push(as_path(s));
            }
        }
        out
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
            let services = self.path_services(&report.chain_sha256, league, at);
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

/// Whether `issuer` issued `cert`, as openssl judges it (names compared in
/// canonical form, key identifiers), and the signature verifies.
fn issued(issuer: &openssl::x509::X509, cert: &openssl::x509::X509) -> bool {
    issuer.issued(cert) == openssl::x509::X509VerifyResult::OK
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
    /// Bumped by every invalidation: a snapshot loaded across a change is
    /// used once but not kept.
    generation: std::sync::atomic::AtomicU64,
}

/// How long a snapshot is used before it is reloaded anyway.
const MAX_AGE: Duration = Duration::from_secs(30);

impl TrustCache {
    /// Forgets the snapshot; call after every registry change.
    pub fn invalidate(&self) {
        self.generation
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
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
        let generation = self.generation.load(std::sync::atomic::Ordering::SeqCst);
        let snapshot = Arc::new(db.read(move |conn| Snapshot::load(conn, now, ocsp)).await?);
        if let Ok(mut slot) = self.slot.write()
            && self.generation.load(std::sync::atomic::Ordering::SeqCst) == generation
        {
            *slot = Some((Instant::now(), snapshot.clone()));
        }
        Ok(snapshot)
    }
}
