//! The trust registry's vocabulary: service types, statuses and the pure rule
//! deciding whether a league accepts a certificate path at a given time.

use crate::pki::policy::{Check, CheckResult};
use crate::types::{LeagueCode, text_enum};
use chrono::{DateTime, Utc};
use serde::Serialize;

text_enum! {
    /// What a trust service issues or signs (after ETSI TS 119 612 service types).
    pub enum ServiceType {
        /// Issues certificates to enterprises (bidders, tenderers, agents).
        EnterpriseCa = "enterprise_ca",
        /// Issues certificates to persons (experts, supervisors, operators).
        PersonalCa = "personal_ca",
        /// Signs electronic seals (GB/T 38540).
        SealAuthority = "seal_authority",
        /// Issues RFC 3161 timestamps.
        TimestampAuthority = "timestamp_authority",
        /// Signs CRLs only (keyUsage cRLSign without keyCertSign), possibly
        /// indirect ones, for a CA this league lists. It vouches for
        /// nothing: no certificate is accepted because of it.
        CrlIssuer = "crl_issuer",
        /// The platform's own staff CA: registered for the platform, not
        /// for any league, it certifies the platform's operators (accounts
        /// of no league) and vouches for nothing else: not for enterprises,
        /// not for a league's staff, not for seals or timestamps
        /// (`identity::policy::signin_vouching`).
        StaffCa = "staff_ca",
    }
}

text_enum! {
    /// The status of a trust service, effective from a given time.
    pub enum ServiceStatus {
        /// Trusted.
        Granted = "granted",
        /// Temporarily not trusted; may be granted again.
        Suspended = "suspended",
        /// No longer trusted, from the effective time on.
        Withdrawn = "withdrawn",
    }
}

/// One entry of a service's status history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct StatusChange {
    pub status: ServiceStatus,
    pub effective_from: DateTime<Utc>,
    pub reason: String,
    pub recorded_at: DateTime<Utc>,
}

/// The status in force at `at`: the last change effective at or before it.
/// Before the first change the service was not trusted at all.
pub fn status_at(history: &[StatusChange], at: DateTime<Utc>) -> Option<ServiceStatus> {
    history
        .iter()
        .filter(|c| c.effective_from <= at)
        .max_by(|a, b| {
            a.effective_from
                .cmp(&b.effective_from)
                .then(a.recorded_at.cmp(&b.recorded_at))
        })
        .map(|c| c.status)
}

/// A recognition agreement: `league` accepts `recognised_league`'s services of
/// `service_type` from `effective_from` until `effective_until` (exclusive).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Recognition {
    pub id: String,
    #[schema(value_type = String)]
    pub league: LeagueCode,
    #[schema(value_type = String)]
    pub recognised_league: LeagueCode,
    pub service_type: ServiceType,
    pub effective_from: DateTime<Utc>,
    pub effective_until: Option<DateTime<Utc>>,
    pub reason: String,
    /// Why the agreement ended, once it has.
    pub end_reason: Option<String>,
}

impl Recognition {
    pub fn in_force(&self, at: DateTime<Utc>) -> bool {
        self.effective_from <= at && self.effective_until.is_none_or(|until| at < until)
    }
}

/// Whose a service is, in words: "league NNG", or "the platform" for its
/// own staff CA.
pub fn owner_text(league: Option<&LeagueCode>) -> String {
    league.map_or_else(|| "the platform".to_string(), |l| format!("league {l}"))
}

/// A registered service met on a certificate path.
#[derive(Debug, Clone)]
pub struct PathService {
    pub id: String,
    /// None: the platform's own (its staff CA).
    pub league: Option<LeagueCode>,
    pub service_type: ServiceType,
    pub subject: String,
    pub history: Vec<StatusChange>,
}

/// Which league and service vouch for a certificate, if any.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Vouching {
    pub service_id: String,
    /// None: the platform's own staff CA.
    #[schema(value_type = Option<String>)]
    pub league: Option<LeagueCode>,
    pub service_type: ServiceType,
}

/// The outcome of the trust rule, as checks for the validation report.
#[derive(Debug, Clone)]
pub struct Acceptance {
    pub accepted: bool,
    pub vouching: Option<Vouching>,
    pub checks: Vec<Check>,
}

fn check(name: &'static str, ok: bool, detail: String) -> Check {
    Check {
        name,
        result: if ok {
            CheckResult::Passed
        } else {
            CheckResult::Failed
        },
        detail,
    }
}

/// Decides whether a certificate whose path met `services` (nearest to the end
/// entity first) is accepted at `at` for a use needing one of `types`, in
/// `for_league` (or by any league when `None`).
///
/// The service nearest to the end entity is the one that vouches: its type
/// must be one of `types`; every registered service on the path must be
/// granted at `at` (withdrawing a root withdraws what it certified); and the
/// vouching league must be `for_league` itself or recognised by it for that
/// type at `at`.
pub fn accept(
    services: &[PathService],
    types: &[ServiceType],
    for_league: Option<&LeagueCode>,
    recognitions: &[Recognition],
    at: DateTime<Utc>,
) -> Acceptance {
    let mut checks = Vec::new();
    let Some(nearest) = services.first() else {
        checks.push(check(
            "trust_service",
            false,
            "the path ends at no registered trust service".into(),
        ));
        return Acceptance {
            accepted: false,
            vouching: None,
            checks,
        };
    };
    let vouching = Vouching {
        service_id: nearest.id.clone(),
        league: nearest.league.clone(),
        service_type: nearest.service_type,
    };
    // A CRL issuer only signs CRLs: whatever a caller asks, it never makes
    // a certificate acceptable.
    let type_ok =
        nearest.service_type != ServiceType::CrlIssuer && types.contains(&nearest.service_type);
    checks.push(check(
        "trust_service_type",
        type_ok,
        format!(
            "vouched for by {} ({} of {}); this use needs {}",
            nearest.subject,
            nearest.service_type.code(),
            owner_text(nearest.league.as_ref()),
            types
                .iter()
                .map(|t| t.code())
                .collect::<Vec<_>>()
                .join(" or ")
        ),
    ));
    let mut status_ok = true;
    for service in services {
        let status = status_at(&service.history, at);
        let ok = status == Some(ServiceStatus::Granted);
        status_ok &= ok;
        checks.push(check(
            "trust_service_status",
            ok,
            format!(
                "{} ({} of {}) is {} at {}",
                service.subject,
                service.service_type.code(),
                owner_text(service.league.as_ref()),
                status.map_or("not yet listed", |s| s.code()),
                at.to_rfc3339()
            ),
        ));
    }
    let league_ok = match for_league {
        None => true,
        Some(league) if nearest.league.as_ref() == Some(league) => {
            checks.push(check(
                "league_recognition",
                true,
                format!("a service of league {league} itself"),
            ));
            true
        }
        Some(league) => {
            // No league recognises the platform's staff CA: it is no
            // league's, and vouches only for the platform's operators.
            let agreement = recognitions.iter().find(|r| {
                r.league == *league
                    && Some(&r.recognised_league) == nearest.league.as_ref()
                    && r.service_type == nearest.service_type
                    && r.in_force(at)
            });
            let detail = match agreement {
                Some(r) => format!(
                    "league {league} recognises {}'s {} services since {} (agreement {})",
                    owner_text(nearest.league.as_ref()),
                    nearest.service_type.code(),
                    r.effective_from.to_rfc3339(),
                    r.id
                ),
                None => format!(
                    "league {league} does not recognise {}'s {} services at {}",
                    owner_text(nearest.league.as_ref()),
                    nearest.service_type.code(),
                    at.to_rfc3339()
                ),
            };
            checks.push(check("league_recognition", agreement.is_some(), detail));
            agreement.is_some()
        }
    };
    Acceptance {
        accepted: type_ok && status_ok && league_ok,
        vouching: Some(vouching),
        checks,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(day: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, day, 0, 0, 0).unwrap()
    }

    fn lc(code: &str) -> LeagueCode {
        LeagueCode::parse(code).unwrap()
    }

    fn change(status: ServiceStatus, day: u32) -> StatusChange {
        StatusChange {
            status,
            effective_from: t(day),
            reason: String::new(),
            recorded_at: t(day),
        }
    }

    fn service(league: &str, ty: ServiceType, history: Vec<StatusChange>) -> PathService {
        PathService {
            id: format!("{league}-{}", ty.code()),
            league: Some(lc(league)),
            service_type: ty,
            subject: format!("CN={league} CA"),
            history,
        }
    }

    fn recognition(from: u32, until: Option<u32>) -> Recognition {
        Recognition {
            id: "r1".into(),
            league: lc("NNG"),
            recognised_league: lc("LZH"),
            service_type: ServiceType::EnterpriseCa,
            effective_from: t(from),
            effective_until: until.map(t),
            reason: String::new(),
            end_reason: None,
        }
    }

    #[test]
    fn a_crl_issuer_vouches_for_nothing_even_when_asked_for() {
        let path = vec![service(
            "NNG",
            ServiceType::CrlIssuer,
            vec![change(ServiceStatus::Granted, 1)],
        )];
        let got = accept(&path, &[ServiceType::CrlIssuer], None, &[], t(5));
        assert!(!got.accepted);
    }

    #[test]
    fn status_history_is_read_at_the_time() {
        let history = vec![
            change(ServiceStatus::Granted, 2),
            change(ServiceStatus::Suspended, 10),
            change(ServiceStatus::Granted, 12),
            change(ServiceStatus::Withdrawn, 20),
        ];
        assert_eq!(status_at(&history, t(1)), None);
        assert_eq!(status_at(&history, t(2)), Some(ServiceStatus::Granted));
        assert_eq!(status_at(&history, t(11)), Some(ServiceStatus::Suspended));
        assert_eq!(status_at(&history, t(15)), Some(ServiceStatus::Granted));
        assert_eq!(status_at(&history, t(25)), Some(ServiceStatus::Withdrawn));
    }

    #[test]
    fn own_league_accepts_and_others_need_recognition() {
        let path = [service(
            "LZH",
            ServiceType::EnterpriseCa,
            vec![change(ServiceStatus::Granted, 1)],
        )];
        let types = [ServiceType::EnterpriseCa];
        assert!(accept(&path, &types, Some(&lc("LZH")), &[], t(5)).accepted);
        assert!(!accept(&path, &types, Some(&lc("NNG")), &[], t(5)).accepted);
        let agreements = [recognition(10, Some(20))];
        let nng = Some(lc("NNG"));
        assert!(!accept(&path, &types, nng.as_ref(), &agreements, t(9)).accepted);
        assert!(accept(&path, &types, nng.as_ref(), &agreements, t(10)).accepted);
        assert!(!accept(&path, &types, nng.as_ref(), &agreements, t(20)).accepted);
        // One direction only: LZH recognising nothing of NNG's is untouched.
        let nng_path = [service(
            "NNG",
            ServiceType::EnterpriseCa,
            vec![change(ServiceStatus::Granted, 1)],
        )];
        assert!(!accept(&nng_path, &types, Some(&lc("LZH")), &agreements, t(12)).accepted);
        // Any league will do when none is asked for.
        assert!(accept(&path, &types, None, &[], t(5)).accepted);
    }

    #[test]
    fn recognition_is_per_service_type() {
        let path = [service(
            "LZH",
            ServiceType::SealAuthority,
            vec![change(ServiceStatus::Granted, 1)],
        )];
        let agreements = [recognition(1, None)];
        let got = accept(
            &path,
            &[ServiceType::SealAuthority],
            Some(&lc("NNG")),
            &agreements,
            t(5),
        );
        assert!(!got.accepted);
    }

    #[test]
    fn the_nearest_service_must_be_of_the_right_type() {
        let path = [service(
            "NNG",
            ServiceType::PersonalCa,
            vec![change(ServiceStatus::Granted, 1)],
        )];
        let got = accept(&path, &[ServiceType::EnterpriseCa], None, &[], t(5));
        assert!(!got.accepted);
        assert_eq!(got.vouching.unwrap().service_type, ServiceType::PersonalCa);
    }

    #[test]
    fn a_withdrawn_root_withdraws_what_it_certified() {
        let path = [
            service(
                "NNG",
                ServiceType::EnterpriseCa,
                vec![change(ServiceStatus::Granted, 1)],
            ),
            service(
                "NNG",
                ServiceType::EnterpriseCa,
                vec![
                    change(ServiceStatus::Granted, 1),
                    change(ServiceStatus::Withdrawn, 10),
                ],
            ),
        ];
        let types = [ServiceType::EnterpriseCa];
        assert!(accept(&path, &types, None, &[], t(9)).accepted);
        assert!(!accept(&path, &types, None, &[], t(10)).accepted);
    }

    #[test]
    fn no_service_no_acceptance() {
        let got = accept(&[], &[ServiceType::EnterpriseCa], None, &[], t(5));
        assert!(!got.accepted);
        assert!(got.vouching.is_none());
    }
}
