//! Who may act where: the operators' areas of authority, as data.
//!
//! The platform has two kinds of operator. A **platform operator** runs the
//! region's platform: an account holding the `operator` role and belonging
//! to no league. A **league operator** is one trading centre's staff: the
//! `operator` role in an account of league L, acting for L only. Each area
//! of the platform says what each kind may do there ([`Area::grant`]);
//! routes ask [`require_operator`] with the area and the league of the
//! object they act on, and the README's role × area table is
//! [`markdown_table`] of the same data (a test keeps them equal).
//!
//! Pure: no database, no clock. Rules that need the object's state (a
//! tender's organiser, a supervisor's scope) live with their domain and call
//! in here for the operator part.

use super::{Principal, Role};
use crate::error::AppError;
use crate::trust::model::ServiceType;
use serde_json::json;

/// What an operator kind may do in an area.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grant {
    /// In every league.
    Everywhere,
    /// Only for objects of the operator's own league.
    OwnLeague,
    /// Not at all.
    Nothing,
}

/// The areas of the platform that operators act in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Area {
    /// Registering leagues.
    Leagues,
    /// The platform's own keys: its opening-key share, the audit log's,
    /// trust list's and timestamp authority's keys.
    PlatformKeys,
    /// Accounts: creating and listing them, their roles, disabling and
    /// enabling them, revoking sessions (a supervisor's scope: the
    /// platform's operators, `identity::accounts::set_scope`).
    Accounts,
    /// New trust anchors: roots, and CAs admitted on issuers brought along.
    TrustAnchors,
    /// A league's trust services under its registered roots, their status,
    /// revocation sources and CRLs.
    TrustServices,
    /// Mutual recognition, changed by (an operator of) the recognising league.
    Recognitions,
    /// Running a tender's procedure on the tenderer's behalf: drafts,
    /// publication, amendments, documents, clarifications, objections,
    /// committee rules, cancellation.
    TenderProcedures,
    /// Reading who an invited tender invites (`GET /tenders/{id}/invitees`,
    /// the detail's `invitees`): as close to who bids as who took the
    /// documents, so kept from the public and other bidders
    /// (`tenders::invitees`); the platform's operators read it as they
    /// read the audit record, which holds it.
    Invitees,
    /// The shared expert pool: a league's experts.
    ExpertPool,
    /// A league's evaluation venue: its sign-in sheet.
    Venue,
    /// Reading the audit events and the supervision feed.
    AuditLog,
    /// E-mails the platform could not deliver (dead letters): seeing and
    /// retrying them.
    Notifications,
    /// The working-day calendar (public holidays and make-up working days
    /// per year): one for the whole region, so the platform's.
    Calendar,
}

impl Area {
    pub const ALL: [Area; 13] = [
        Area::Leagues,
        Area::PlatformKeys,
        Area::Accounts,
        Area::TrustAnchors,
        Area::TrustServices,
        Area::Recognitions,
        Area::TenderProcedures,
        Area::Invitees,
        Area::ExpertPool,
        Area::Venue,
        Area::AuditLog,
        Area::Notifications,
        Area::Calendar,
    ];

    /// (platform operator, league operator)
    pub const fn grant(self) -> (Grant, Grant) {
        use Grant::*;
        match self {
            Area::Leagues => (Everywhere, Nothing),
            Area::PlatformKeys => (Everywhere, Nothing),
            Area::Accounts => (Everywhere, OwnLeague),
            // Whoever adds an anchor can issue any account's certificate.
            Area::TrustAnchors => (Everywhere, Nothing),
            Area::TrustServices => (Everywhere, OwnLeague),
            Area::Recognitions => (Everywhere, OwnLeague),
            // The platform's operators hold the platform's keys; a tender's
            // procedure is its tenderer's and its league's centre's.
            Area::TenderProcedures => (Nothing, OwnLeague),
            // Read only, as the audit record that holds the list is read.
            Area::Invitees => (Everywhere, OwnLeague),
            Area::ExpertPool => (Everywhere, OwnLeague),
            Area::Venue => (Everywhere, OwnLeague),
            Area::AuditLog => (Everywhere, OwnLeague),
            // A dead letter of a league's tender is its centre's to chase.
            Area::Notifications => (Everywhere, OwnLeague),
            // Every league's periods are counted on the same calendar.
            Area::Calendar => (Everywhere, Nothing),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Area::Leagues => "leagues",
            Area::PlatformKeys => "the platform's keys and opening-key share",
            Area::Accounts => "accounts (create, list, roles, disable, enable, revoke sessions)",
            Area::TrustAnchors => "trust anchors (root CAs, CAs with their issuers supplied)",
            Area::TrustServices => {
                "trust services under registered roots, their status, revocation sources, CRLs"
            }
            Area::Recognitions => "mutual recognition (by the recognising league)",
            Area::TenderProcedures => "tender procedures (drafts to cancellation)",
            Area::Invitees => "an invited tender's invitees (read)",
            Area::ExpertPool => "the expert pool",
            Area::Venue => "evaluation venues (sign-in sheet)",
            Area::AuditLog => "audit events, live supervision feed",
            Area::Notifications => "undelivered e-mails (dead letters): read, retry",
            Area::Calendar => "the working-day calendar (holidays, make-up working days)",
        }
    }

    /// What the other roles do in the area, for the README's table.
    fn others(self) -> [&'static str; 3] {
        // tenderer / agent, supervisor, bidder / expert / public
        match self {
            Area::Leagues => ["read", "read", "read"],
            Area::PlatformKeys => ["—", "—", "public keys only"],
            Area::Accounts => ["own sessions", "own sessions", "own sessions"],
            Area::TrustAnchors => ["read", "read", "read"],
            Area::TrustServices => ["read", "read", "read"],
            Area::Recognitions => ["read", "read", "read"],
            Area::TenderProcedures => ["own organisation's tenders", "read", "published only"],
            Area::Invitees => [
                "own organisation's tenders (named in the draft)",
                "read in scope",
                "bidder: whether its own enterprise is invited",
            ],
            Area::ExpertPool => [
                "—",
                "read in scope, no contact details",
                "expert: own profile",
            ],
            Area::Venue => ["—", "read in scope", "—"],
            Area::AuditLog => ["—", "read in scope", "log proofs only"],
            Area::Notifications => ["own inbox", "own inbox", "own inbox"],
            Area::Calendar => ["read", "read", "read"],
        }
    }
}

/// The kind of operator a principal is, if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OperatorKind<'a> {
    Platform,
    League(&'a str),
}

impl OperatorKind<'_> {
    /// Whether an operator of this kind acts in `area` for an object of
    /// `league` (`None`: an object of no league, or of every league).
    pub fn operates(self, area: Area, league: Option<&str>) -> bool {
        let (platform, own) = area.grant();
        match self {
            OperatorKind::Platform => platform == Grant::Everywhere,
            OperatorKind::League(mine) => match own {
                Grant::Everywhere => true,
                Grant::OwnLeague => league == Some(mine),
                Grant::Nothing => false,
            },
        }
    }
}

impl Principal {
    /// The operator kind of this principal: `operator` in an account of no
    /// league is a platform operator, in an account of league L a league
    /// operator of L.
    pub fn operator_kind(&self) -> Option<OperatorKind<'_>> {
        if !self.has(Role::Operator) {
            return None;
        }
        Some(match &self.league {
            None => OperatorKind::Platform,
            Some(l) => OperatorKind::League(l.as_str()),
        })
    }

    pub fn is_platform_operator(&self) -> bool {
        self.operator_kind() == Some(OperatorKind::Platform)
    }

    /// Whether this principal acts as an operator in `area` for an object
    /// of `league` (`None`: an object of no league, or of every league).
    pub fn operates(&self, area: Area, league: Option<&str>) -> bool {
        self.operator_kind()
            .is_some_and(|kind| kind.operates(area, league))
    }
}

/// Whether a certificate vouched for by a trust service of `voucher_league`
/// (`None`: the platform's own) of type `voucher_type` signs in to an
/// account of `account_league` (`None`: a platform account) holding
/// `account_roles`; `recognised(account league, voucher league)` says
/// whether the account's league recognises that league's services of that
/// type now. The one rule of who vouches for whom at sign-in:
///
/// - a league's account: a service of its own league, or of one it
///   recognises for that type (mutual recognition, DOMAIN.md);
/// - a platform account (no league): only the platform's staff CA, never a
///   league's CA. A platform operator holds the platform's keys (its
///   opening-key share, the audit log's and trust list's keys): were a
///   league's CA to vouch for it, that league's operators, who register
///   their league's CAs, could issue themselves the platform's authority;
/// - the platform's staff CA vouches only for the platform's own operators
///   (accounts of no league with the operator role): not for enterprises
///   (their certificates come from the CAs the law recognises for them,
///   《电子签名法》第十六条), not for a league's staff, experts or
///   supervisors, who are each league's to certify.
pub fn signin_vouching(
    voucher_league: Option<&str>,
    voucher_type: ServiceType,
    account_league: Option<&str>,
    account_roles: &[Role],
    recognised: impl Fn(&str, &str) -> bool,
) -> Result<(), AppError> {
    let staff_ca = voucher_type == ServiceType::StaffCa;
    match (voucher_league, account_league) {
        (None, None) if staff_ca && account_roles.contains(&Role::Operator) => Ok(()),
        (None, _) => Err(AppError::CertificateRejected(format!(
            "the platform's staff CA vouches only for the platform's own operators (accounts of \
             no league with the operator role), not for an account {}",
            account_league.map_or_else(
                || "without the operator role".to_string(),
                |l| format!("of league {l}")
            )
        ))
        .because("signin.staff-ca-platform-operators-only", json!({}))),
        (Some(league), None) => Err(AppError::CertificateRejected(format!(
            "the account is the platform's (of no league): only the platform's staff CA vouches \
             for it, not a CA of league {league}"
        ))
        .because(
            "signin.platform-account-needs-staff-ca",
            json!({ "league": league }),
        )),
        (Some(league), Some(own)) if own == league || recognised(own, league) => {
            if staff_ca {
                // Registration refuses a staff CA for a league; kept whole
                // here should one ever be stored.
                return Err(AppError::CertificateRejected(
                    "a staff CA belongs to the platform, not to a league".into(),
                )
                .because("signin.staff-ca-platform-operators-only", json!({})));
            }
            Ok(())
        }
        (Some(league), Some(own)) => Err(AppError::CertificateRejected(format!(
            "the account belongs to league {own}, which does not accept {} certificates of \
             league {league}",
            voucher_type.code()
        ))
        .because(
            "signin.league-not-accepted",
            json!({ "account_league": own, "service": voucher_type.code(), "league": league }),
        )),
    }
}

/// Refuses unless `principal` acts as an operator in `area` for `league`:
/// 401 signed out, 403 with the reason otherwise.
pub fn require_operator(
    principal: &Principal,
    area: Area,
    league: Option<&str>,
) -> Result<(), AppError> {
    if principal.operates(area, league) {
        return Ok(());
    }
    if !principal.is_authenticated() {
        return Err(super::sign_in_first());
    }
    Err(forbidden(principal, area, league))
}

/// The 403 of a failed operator check: its words, and its reason for the
/// pages (`area` is the area's code, the [`Area`] variant's name).
pub fn forbidden(principal: &Principal, area: Area, league: Option<&str>) -> AppError {
    let (_, own) = area.grant();
    let code = format!("{area:?}");
    let (reason, params) = match principal.operator_kind() {
        None => ("auth.needs-operator", json!({ "area": code })),
        Some(OperatorKind::Platform) => ("auth.league-operators-only", json!({ "area": code })),
        Some(OperatorKind::League(mine)) => match (own, league) {
            (Grant::Nothing, _) | (_, None) => {
                ("auth.platform-operator-only", json!({ "area": code }))
            }
            (_, Some(other)) => (
                "auth.other-league",
                json!({ "area": code, "mine": mine, "other": other }),
            ),
        },
    };
    AppError::Forbidden(refusal(principal, area, league)).because(reason, params)
}

/// Why an operator check failed, in words.
pub fn refusal(principal: &Principal, area: Area, league: Option<&str>) -> String {
    let (platform, own) = area.grant();
    let what = area.name();
    match principal.operator_kind() {
        None => format!("{what}: this needs an operator"),
        Some(OperatorKind::Platform) => {
            debug_assert_ne!(platform, Grant::Everywhere);
            format!("{what}: the league's own operators act here, not the platform's")
        }
        Some(OperatorKind::League(mine)) => match (own, league) {
            (Grant::Nothing, _) => format!("{what}: only a platform operator may act here"),
            (_, Some(other)) => format!(
                "{what}: an operator of league {mine} acts for {mine} only, and this belongs \
                 to league {other}"
            ),
            (_, None) => format!("{what}: only a platform operator may act here"),
        },
    }
}

fn cell(grant: Grant) -> &'static str {
    match grant {
        Grant::Everywhere => "yes, all leagues",
        Grant::OwnLeague => "own league only",
        Grant::Nothing => "no",
    }
}

/// The README's role × area table, made from [`Area::grant`].
pub fn markdown_table() -> String {
    let mut out = String::from(
        "| area | platform operator | league operator | tenderer / agent | supervisor | \
         bidder / expert / public |\n|---|---|---|---|---|---|\n",
    );
    for area in Area::ALL {
        let (platform, own) = area.grant();
        let [tenderer, supervisor, others] = area.others();
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} |\n",
            area.name(),
            cell(platform),
            cell(own),
            tenderer,
            supervisor,
            others
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::{LeagueCode, UserId};

    #[test]
    fn who_vouches_for_whom_at_sign_in() {
        let none = |_: &str, _: &str| false;
        let reason = |r: Result<(), AppError>| r.unwrap_err().reason().map(|r| r.0.to_string());
        let staff = ServiceType::StaffCa;
        let personal = ServiceType::PersonalCa;
        // The staff CA: the platform's operators, and no one else.
        assert!(signin_vouching(None, staff, None, &[Role::Operator], none).is_ok());
        for (league, roles) in [
            (Some("NNG"), &[Role::Operator][..]),
            (Some("NNG"), &[Role::Expert][..]),
            (None, &[Role::Supervisor][..]),
            (Some("NNG"), &[Role::Bidder][..]),
        ] {
            assert_eq!(
                reason(signin_vouching(None, staff, league, roles, none)).as_deref(),
                Some("signin.staff-ca-platform-operators-only")
            );
        }
        // A platform account: never a league's CA, recognised or not.
        assert_eq!(
            reason(signin_vouching(
                Some("NNG"),
                personal,
                None,
                &[Role::Operator],
                |_, _| true
            ))
            .as_deref(),
            Some("signin.platform-account-needs-staff-ca")
        );
        // A league's account: its own league, or one it recognises.
        assert!(
            signin_vouching(Some("NNG"), personal, Some("NNG"), &[Role::Operator], none).is_ok()
        );
        assert_eq!(
            reason(signin_vouching(
                Some("LZH"),
                personal,
                Some("NNG"),
                &[Role::Expert],
                none
            ))
            .as_deref(),
            Some("signin.league-not-accepted")
        );
        assert!(
            signin_vouching(
                Some("LZH"),
                personal,
                Some("NNG"),
                &[Role::Expert],
                |a, b| a == "NNG" && b == "LZH"
            )
            .is_ok()
        );
    }

    fn operator(league: Option<&str>) -> Principal {
        Principal {
            user_id: Some(UserId::new()),
            name: "op".into(),
            roles: vec![Role::Operator],
            league: league.map(|l| LeagueCode::parse(l).unwrap()),
            organisation: None,
        }
    }

    #[test]
    fn league_operators_act_for_their_league_only() {
        let nng = operator(Some("NNG"));
        for area in Area::ALL {
            let (_, own) = area.grant();
            assert_eq!(
                nng.operates(area, Some("NNG")),
                own != Grant::Nothing,
                "{area:?}"
            );
            assert_eq!(
                nng.operates(area, Some("LZH")),
                own == Grant::Everywhere,
                "{area:?}"
            );
        }
        let err = require_operator(&nng, Area::TrustServices, Some("LZH")).unwrap_err();
        assert!(matches!(err.base(), AppError::Forbidden(m) if m.contains("league LZH")));
        assert_eq!(err.reason().map(|r| r.0), Some("auth.other-league"));
        assert!(require_operator(&nng, Area::PlatformKeys, None).is_err());
        assert!(require_operator(&nng, Area::Leagues, None).is_err());
    }

    #[test]
    fn platform_operators_hold_the_platform_but_not_the_procedures() {
        let platform = operator(None);
        assert!(platform.is_platform_operator());
        assert!(platform.operates(Area::PlatformKeys, None));
        assert!(platform.operates(Area::TrustServices, Some("LZH")));
        assert!(!platform.operates(Area::TenderProcedures, Some("NNG")));
        assert!(Principal::system().is_platform_operator());
    }

    #[test]
    fn others_are_refused_and_signed_out_gets_401() {
        let mut bidder = operator(Some("NNG"));
        bidder.roles = vec![Role::Bidder];
        for area in Area::ALL {
            assert!(!bidder.operates(area, Some("NNG")));
        }
        assert!(matches!(
            require_operator(&Principal::public(), Area::Accounts, None),
            Err(e) if matches!(e.base(), AppError::Unauthenticated(_))
        ));
    }

    #[test]
    fn the_readme_shows_this_table() {
        let readme = include_str!("../../README.md");
        assert!(
            readme.contains(&markdown_table()),
            "README.md must hold the table of identity::policy::markdown_table():\n{}",
            markdown_table()
        );
    }
}
