//! A read-only snapshot of the registry, ready for validation: the services,
//! CRLs and agreements in memory, with the openssl trust material built per
//! league view and kept.
//!
//! Two rules keep one league from poisoning another. A stored certificate
//! takes part in path building only if it is whole (`admission::whole`: a
//! root by its own signature, anything else under a whole certificate of its
//! own league or the issuers supplied with it), so an altered copy never
//! becomes an anchor. And path building for league L only ever uses a view
//! of what L lists and what L recognises at the validation time: nothing
//! another league lists changes L's decisions. A decision for no league in
//! particular (sign-in) is taken in the view of each league that lists the
//! certificate's issuer, in turn.
//!
//! The snapshot is cached and reused while the registry's generation (a
//! counter in the database, bumped with every change by any node) is the
//! one it was loaded at; it is checked before each use.

use super::admission;
use super::model::{self, PathService, Recognition, ServiceType, Vouching};
use super::requirements::{self, PolicyRequirement};
use super::store::{self, LoadedService};
use crate::db::{Db, DbConn};
use crate::error::AppError;
use crate::pki::ocsp::{CertSha256, OcspCache, OcspSettings, ResponderUrl};
use crate::pki::policy::PolicyInputs;
use crate::pki::policy::{Check, CheckResult, Indication, Purpose, SubIndication};
use crate::pki::validation::{Report, TrustMaterial, parse_certificate, share_crl, validate_with};
use crate::types::LeagueCode;
use chrono::{DateTime, Utc};
use openssl::x509::X509Crl;
use serde::Serialize;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

pub struct Snapshot {
    pub services: Vec<LoadedService>,
    pub recognitions: Vec<Recognition>,
    /// Each league's certificate-policy requirement per service type.
    pub requirements: Vec<PolicyRequirement>,
    /// The registry's generation this was loaded at.
    pub generation: i64,
    /// Per service (same order): whether its certificate is whole and so
    /// may take part in path building.
    admitted: Vec<bool>,
    crls: Vec<X509Crl>,
    ocsp_cache: Arc<OcspCache>,
    /// Trust material per view, built on first use.
    views: RwLock<HashMap<ViewKey, Arc<TrustMaterial>>>,
}

/// Which services a view holds: a league's own listings and those of the
/// (league, service type) pairs it recognises; `league: None` is every
/// league's listings at once.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct ViewKey {
    league: Option<LeagueCode>,
    recognised: Vec<(LeagueCode, ServiceType)>,
    /// The platform's own services only (`league` none, nothing recognised).
    platform: bool,
}

impl ViewKey {
    /// What `league` lists and recognises at `at`.
    fn at(league: &LeagueCode, recognitions: &[Recognition], at: DateTime<Utc>) -> ViewKey {
        let mut recognised: Vec<(LeagueCode, ServiceType)> = recognitions
            .iter()
            .filter(|r| r.league == *league && r.in_force(at))
            .map(|r| (r.recognised_league.clone(), r.service_type))
            .collect();
        recognised.sort_by(|a, b| (a.0.as_str(), a.1.code()).cmp(&(b.0.as_str(), b.1.code())));
        recognised.dedup();
        ViewKey {
            league: Some(league.clone()),
            recognised,
            platform: false,
        }
    }

    /// What `league` lists itself.
    fn own(league: &LeagueCode) -> ViewKey {
        ViewKey {
            league: Some(league.clone()),
            recognised: Vec::new(),
            platform: false,
        }
    }

    /// Every league's listings (not the platform's own).
    fn everything() -> ViewKey {
        ViewKey {
            league: None,
            recognised: Vec::new(),
            platform: false,
        }
    }

    /// The platform's own services (its staff CA), which no league lists
    /// or recognises: a view of their own, so that a league's decision is
    /// never taken on the platform's staff CA and the other way round.
    fn platform() -> ViewKey {
        ViewKey {
            league: None,
            recognised: Vec::new(),
            platform: true,
        }
    }

    fn holds(&self, s: &LoadedService) -> bool {
        let Some(own) = &s.service.league else {
            return self.platform;
        };
        if self.platform {
            return false;
        }
        match &self.league {
            None => true,
            Some(l) => {
                own == l
                    || self
                        .recognised
                        .iter()
                        .any(|(rl, ty)| rl == own && *ty == s.service.service_type)
            }
        }
    }
}

/// Which services are whole: roots verifying by their own signature, and,
/// repeatedly, certificates verifying under a whole certificate of their
/// own league or under the issuers supplied with them.
fn admitted(services: &[LoadedService]) -> Vec<bool> {
    let mut ok = vec![false; services.len()];
    loop {
        let mut changed = false;
        for (i, s) in services.iter().enumerate() {
            if ok[i] {
                continue;
            }
            let league_whole: Vec<openssl::x509::X509> = services
                .iter()
                .enumerate()
                .filter(|(j, other)| {
                    *j != i
                        && ok[*j]
                        && other.service.league == s.service.league
                        && other.service.service_type != ServiceType::CrlIssuer
                })
                .map(|(_, other)| other.certificate.clone())
                .collect();
            if admission::whole(&s.certificate, &league_whole, &s.issuer_chain).is_ok() {
                ok[i] = true;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    for (s, ok) in services.iter().zip(&ok) {
        if !ok {
            tracing::warn!(
                service = %s.service.id,
                league = %super::model::owner_text(s.service.league.as_ref()),
                subject = %s.service.subject,
                "a stored trust service's certificate does not verify; it takes no part in path building"
            );
        }
    }
    ok
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
    /// Loads the registry as of `generation`; OCSP answers are kept in
    /// `ocsp_cache` across snapshots.
    pub fn load(
        conn: &mut DbConn,
        generation: i64,
        now: DateTime<Utc>,
        ocsp_cache: Arc<OcspCache>,
    ) -> Result<Snapshot, AppError> {
        let services = store::list(conn, None, now)?;
        let recognitions = store::recognitions(conn, None)?;
        let requirements = requirements::list(conn, None)?;
        let crls = store::crls(conn)?.into_iter().map(|(_, crl)| crl).collect();
        let admitted = admitted(&services);
        Ok(Snapshot {
            services,
            recognitions,
            requirements,
            generation,
            admitted,
            crls,
            ocsp_cache,
            views: RwLock::new(HashMap::new()),
        })
    }

    /// The indices of the (whole) services a view holds.
    fn members(&self, key: &ViewKey) -> Vec<usize> {
        self.services
            .iter()
            .enumerate()
            .filter(|(i, s)| self.admitted[*i] && key.holds(s))
            .map(|(i, _)| i)
            .collect()
    }

    /// The trust material of a view, built once per snapshot.
    fn material(&self, key: &ViewKey) -> Result<Arc<TrustMaterial>, AppError> {
        if let Ok(views) = self.views.read()
            && let Some(material) = views.get(key)
        {
            return Ok(material.clone());
        }
        let members = self.members(key);
        // A registered CA certified by another registered CA of the view is
        // an intermediate, so paths run on to the top (and a withdrawn or
        // revoked upper CA counts); the rest (roots, and CAs registered with
        // their issuer supplied) are anchors.
        let (mut anchors, mut intermediates) = (Vec::new(), Vec::new());
        for &i in &members {
            let s = &self.services[i];
            let issued_by_member = !s.service.self_signed
                && members.iter().any(|&j| {
                    let other = &self.services[j];
                    other.service.sha256 != s.service.sha256
                        && admission::signed_by(&other.certificate, &s.certificate)
                });
            // A CRL issuer is never an anchor: its certificate only lets
            // openssl build the path of the CRLs it signs, up to a CA.
            if issued_by_member || s.service.service_type == ServiceType::CrlIssuer {
                intermediates.push(s.certificate.clone());
            } else {
                anchors.push(s.certificate.clone());
            }
        }
        // Operators' OCSP responders, per issuing service.
        let responders = members
            .iter()
            .filter_map(|&i| {
                let s = &self.services[i];
                let url = ResponderUrl::parse(s.service.ocsp_url.as_deref()?).ok()?;
                Some((CertSha256::from_hex(&s.service.sha256).ok()?, url))
            })
            .collect();
        let crls = self
            .crls
            .iter()
            .map(share_crl)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| AppError::Internal(anyhow::anyhow!("sharing a CRL: {e}")))?;
        let material = Arc::new(TrustMaterial {
            anchors,
            intermediates,
            crls,
            ocsp: OcspSettings {
                responders,
                cache: self.ocsp_cache.clone(),
                ..OcspSettings::default()
            },
            ..TrustMaterial::default()
        });
        if let Ok(mut views) = self.views.write() {
            views.insert(key.clone(), material.clone());
        }
        Ok(material)
    }

    /// The registered services of a view met on a path (by fingerprint),
    /// nearest to the end entity first. A certificate listed several times
    /// counts under the listing of the league asked about if it lists it,
    /// else the first listing of the view.
    fn path_services(
        &self,
        chain_sha256: &[String],
        key: &ViewKey,
        league: Option<&LeagueCode>,
    ) -> Vec<PathService> {
        let members = self.members(key);
        let as_path = |s: &LoadedService| PathService {
            id: s.service.id.clone(),
            league: s.service.league.clone(),
            service_type: s.service.service_type,
            subject: s.service.subject.clone(),
            history: s.service.history.clone(),
        };
        let mut out = Vec::new();
        for sha in chain_sha256 {
            let listed: Vec<&LoadedService> = members
                .iter()
                .map(|&i| &self.services[i])
                .filter(|s| &s.service.sha256 == sha)
                .collect();
            let chosen = listed
                .iter()
                .find(|s| s.service.league.as_ref() == league)
                .or(listed.first());
            if let Some(s) = chosen {
                out.push(as_path(s));
            }
        }
        out
    }

    /// Validates a certificate for `purpose` at `at`, and decides whether a
    /// service of one of `types` vouches for it in `league` at that time;
    /// with no league, whether some league's own service does (each league
    /// listing its issuer is asked in turn, in its own view).
    pub fn check(
        &self,
        certificate: &[u8],
        purpose: Purpose,
        types: &[ServiceType],
        league: Option<&LeagueCode>,
        at: DateTime<Utc>,
    ) -> TrustReport {
        self.check_with(
            certificate,
            purpose,
            types,
            league,
            at,
            &PolicyInputs::default(),
        )
    }

    /// [`Snapshot::check`] with the certificate-policy inputs of RFC 5280
    /// §6.1.1 (`policies`).
    pub fn check_with(
        &self,
        certificate: &[u8],
        purpose: Purpose,
        types: &[ServiceType],
        league: Option<&LeagueCode>,
        at: DateTime<Utc>,
        policies: &PolicyInputs,
    ) -> TrustReport {
        match league {
            Some(l) => {
                let key = ViewKey::at(l, &self.recognitions, at);
                let mut report =
                    self.check_in(&key, certificate, purpose, types, Some(l), at, policies);
                if report.passed() {
                    return report;
                }
                if !key.recognised.is_empty() {
                    // A recognised league's listing may have ended the path
                    // before the league's own: the own listings alone decide.
                    let own = ViewKey::own(l);
                    let own =
                        self.check_in(&own, certificate, purpose, types, Some(l), at, policies);
                    if own.passed() {
                        return own;
                    }
                }
                self.explain_unlisted(&mut report, certificate, l, at);
                report
            }
            None => {
                let leagues = self.leagues_listing_issuer_of(certificate);
                let mut fallback: Option<TrustReport> = None;
                for l in &leagues {
                    let view = match l {
                        Some(l) => ViewKey::own(l),
                        None => ViewKey::platform(),
                    };
                    let report =
                        self.check_in(&view, certificate, purpose, types, None, at, policies);
                    if report.passed() {
                        return report;
                    }
                    // Prefer a report whose path reached a service (it
                    // says why it failed, e.g. revoked) over one without.
                    let built = report.vouched_by.is_some();
                    if fallback
                        .as_ref()
                        .is_none_or(|f| built && f.vouched_by.is_none())
                    {
                        fallback = Some(report);
                    }
                }
                fallback.unwrap_or_else(|| {
                    self.check_in(
                        &ViewKey::everything(),
                        certificate,
                        purpose,
                        types,
                        None,
                        at,
                        policies,
                    )
                })
            }
        }
    }

    /// When `league` found no path, says why: that a CA of the issuer's
    /// name is listed by `league` but does not verify the certificate (or
    /// its path fails), or which other leagues list the issuer (their
    /// listings are not used: `league` neither lists the issuer nor
    /// recognises such a listing at `at`).
    fn explain_unlisted(
        &self,
        report: &mut TrustReport,
        certificate: &[u8],
        league: &LeagueCode,
        at: DateTime<Utc>,
    ) {
        if report.report.decision.sub_indication != Some(SubIndication::NoCertificateChainFound)
            || report.vouched_by.is_some()
        {
            return;
        }
        let listing = self.leagues_listing_issuer_of(certificate);
        if listing.contains(&Some(league.clone())) {
            // The league does list a CA of that name: say what failed.
            let signed = parse_certificate(certificate).is_ok_and(|cert| {
                self.services.iter().zip(&self.admitted).any(|(s, ok)| {
                    *ok && s.service.league.as_ref() == Some(league)
                        && s.service.service_type != ServiceType::CrlIssuer
                        && admission::signed_by(&s.certificate, &cert)
                })
            });
            let detail = if signed {
                format!(
                    "league {league} lists a CA of the name its issuer bears, and its signature \
                     verifies under it, but no path through that CA validates at {}",
                    at.to_rfc3339()
                )
            } else {
                format!(
                    "league {league} lists a CA of the name its issuer bears, but its signature \
                     does not verify with the key of any such CA: it was issued by another key \
                     of that name, or has been altered"
                )
            };
            report.report.decision.checks.push(Check {
                name: "trust_service",
                result: CheckResult::Failed,
                detail,
            });
            return;
        }
        let others: Vec<String> = listing
            .into_iter()
            .flatten()
            .filter(|l| l != league)
            .map(|l| l.as_str().to_string())
            .collect();
        if others.is_empty() {
            return;
        }
        report.report.decision.checks.push(Check {
            name: "league_recognition",
            result: CheckResult::Failed,
            detail: format!(
                "its issuer is listed by league {}; league {league} does not list it, nor \
                 recognise that listing at {}",
                others.join(", "),
                at.to_rfc3339()
            ),
        });
    }

    /// The leagues (in order) listing, as a whole certificate, the
    /// certificate itself or a CA of the name it names as its issuer.
    /// (`None`: the platform itself, listing its staff CA.)
    fn leagues_listing_issuer_of(&self, certificate: &[u8]) -> Vec<Option<LeagueCode>> {
        let Ok(cert) = parse_certificate(certificate) else {
            return Vec::new();
        };
        let der = cert.to_der().ok();
        let mut leagues: Vec<Option<LeagueCode>> = self
            .services
            .iter()
            .zip(&self.admitted)
            .filter(|(s, ok)| {
                **ok && s.service.service_type != ServiceType::CrlIssuer
                    && (admission::same_name(s.certificate.subject_name(), cert.issuer_name())
                        || s.certificate.to_der().ok() == der)
            })
            .map(|(s, _)| s.service.league.clone())
            .collect();
        leagues.sort_by(|a, b| {
            a.as_ref()
                .map(LeagueCode::as_str)
                .cmp(&b.as_ref().map(LeagueCode::as_str))
        });
        leagues.dedup();
        leagues
    }

    /// The policy inputs a decision in `league`'s view applies: the
    /// request's, combined with the league's requirements for every one of
    /// `types` so that none is loosened (`requirements::combine`). `Err`
    /// when their acceptable policies have none in common. A decision in no
    /// league's view (no league lists the issuer) has only the request's.
    fn effective_policies(
        &self,
        league: Option<&LeagueCode>,
        types: &[ServiceType],
        request: &PolicyInputs,
    ) -> Result<PolicyInputs, String> {
        let Some(league) = league else {
            return Ok(request.clone());
        };
        self.requirements
            .iter()
            .filter(|r| r.league == *league && types.contains(&r.service_type))
            .try_fold(request.clone(), |acc, r| {
                requirements::combine(&acc, &r.policies).map_err(|why| {
                    format!(
                        "league {league} requires certificate policies for its {} services: {why}; \
                         no path can be valid for an acceptable policy",
                        r.service_type.code()
                    )
                })
            })
    }

    /// Validates in one view and folds in the registry's verdict for
    /// `league` (any league when `None`).
    #[allow(clippy::too_many_arguments)]
    fn check_in(
        &self,
        key: &ViewKey,
        certificate: &[u8],
        purpose: Purpose,
        types: &[ServiceType],
        league: Option<&LeagueCode>,
        at: DateTime<Utc>,
        request: &PolicyInputs,
    ) -> TrustReport {
        // The league whose view this is decides which requirements apply.
        let effective = self.effective_policies(key.league.as_ref(), types, request);
        let policies = effective.as_ref().unwrap_or(request);
        let mut report = match self.material(key) {
            Ok(material) => validate_with(certificate, &material, at, purpose, policies),
            Err(e) => {
                tracing::error!(error = ?e, "building trust material");
                validate_with(
                    certificate,
                    &TrustMaterial::default(),
                    at,
                    purpose,
                    policies,
                )
            }
        };
        if let Err(why) = &effective {
            report.decision.checks.push(Check {
                name: "certificate_policies",
                result: CheckResult::Failed,
                detail: why.clone(),
            });
            if report.decision.indication == Indication::Passed {
                report.decision.indication = Indication::Indeterminate;
                report.decision.sub_indication = Some(SubIndication::ChainConstraintsFailure);
            }
        }
        let mut vouched_by = None;
        if !report.chain_sha256.is_empty()
            && report.decision.sub_indication != Some(SubIndication::FormatFailure)
            && !report.chain.is_empty()
            && report.decision.sub_indication != Some(SubIndication::NoCertificateChainFound)
        {
            let services = self.path_services(&report.chain_sha256, key, league);
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

/// The cached snapshot shared by the handlers.
#[derive(Default)]
pub struct TrustCache {
    slot: RwLock<Option<Arc<Snapshot>>>,
    ocsp: Arc<OcspCache>,
}

impl TrustCache {
    /// Forgets the snapshot (a change made here is seen at once anyway,
    /// through the generation; this only frees the memory sooner).
    pub fn invalidate(&self) {
        if let Ok(mut slot) = self.slot.write() {
            *slot = None;
        }
    }

    /// The current snapshot: the cached one if the registry's generation
    /// in the database is still the one it was loaded at (one cheap query),
    /// else a fresh one. A change made by any node sharing the database is
    /// so seen by the next validation on every node.
    pub async fn get(&self, db: &Db, now: DateTime<Utc>) -> Result<Arc<Snapshot>, AppError> {
        let cached = self.slot.read().ok().and_then(|slot| slot.clone());
        let ocsp = self.ocsp.clone();
        let snapshot = db
            .read(move |conn| {
                // Read before the registry itself: a change committed in
                // between only makes the snapshot look older than it is.
                let generation = store::generation(conn)?;
                if let Some(cached) = cached
                    && cached.generation == generation
                {
                    return Ok(cached);
                }
                Ok(Arc::new(Snapshot::load(conn, generation, now, ocsp)?))
            })
            .await?;
        if let Ok(mut slot) = self.slot.write()
            && slot
                .as_ref()
                .is_none_or(|held| held.generation <= snapshot.generation)
        {
            *slot = Some(snapshot.clone());
        }
        Ok(snapshot)
    }
}
