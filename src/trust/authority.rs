//! Who may change a league's entries in the trust registry (its services,
//! their status and revocation sources, the CRLs of its services, and the
//! recognitions it grants). The rule is `identity::policy`'s
//! ([`Area::TrustServices`], [`Area::Recognitions`]): a platform operator
//! for any league, a league operator for its own only. This module carries
//! the asking principal into the write, where the entry's league is known.

use crate::error::AppError;
use crate::identity::policy::{self, Area};
use crate::identity::{Principal, Role};
use crate::types::LeagueCode;

/// An operator about to change the registry, not yet told for which league.
#[derive(Debug, Clone)]
pub struct Changer(Principal);

/// The caller as a registry changer, or the refusal (401 when not signed
/// in, 403 when not an operator), before anything else is read.
pub fn require_operator(principal: &Principal) -> Result<Changer, AppError> {
    principal.require_any(&[Role::Operator])?;
    Ok(Changer(principal.clone()))
}

/// Refuses (403) unless the changer may change `league`'s services, their
/// revocation sources and CRLs (`None`: the platform's own staff CA, its
/// operators' alone).
pub fn authorise(changer: &Changer, league: Option<&LeagueCode>) -> Result<(), AppError> {
    policy::require_operator(
        &changer.0,
        Area::TrustServices,
        league.map(LeagueCode::as_str),
    )
}

/// Refuses (403) unless the changer may grant or end `league`'s
/// recognitions (`league` being the recognising league).
pub fn authorise_recognition(changer: &Changer, league: &LeagueCode) -> Result<(), AppError> {
    policy::require_operator(&changer.0, Area::Recognitions, Some(league.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::UserId;

    fn lc(code: &str) -> LeagueCode {
        LeagueCode::parse(code).unwrap()
    }

    fn operator(league: Option<&str>) -> Principal {
        Principal {
            user_id: Some(UserId::new()),
            name: "op".into(),
            roles: vec![Role::Operator],
            league: league.map(lc),
            organisation: None,
        }
    }

    #[test]
    fn a_platform_operator_manages_every_league() {
        let c = require_operator(&operator(None)).unwrap();
        assert!(authorise(&c, Some(&lc("NNG"))).is_ok());
        assert!(authorise(&c, None).is_ok());
        assert!(authorise_recognition(&c, &lc("LZH")).is_ok());
    }

    #[test]
    fn a_league_operator_manages_its_own_league_only() {
        let lzh = require_operator(&operator(Some("LZH"))).unwrap();
        assert!(authorise(&lzh, Some(&lc("LZH"))).is_ok());
        assert!(authorise(&lzh, None).is_err());
        let refused = authorise(&lzh, Some(&lc("NNG"))).unwrap_err();
        assert!(
            matches!(refused.base(), AppError::Forbidden(m) if m.contains("league LZH") && m.contains("NNG"))
        );
        assert!(authorise_recognition(&lzh, &lc("NNG")).is_err());
    }

    #[test]
    fn others_are_refused_before_any_league_is_asked() {
        let mut bidder = operator(Some("NNG"));
        bidder.roles = vec![Role::Bidder];
        assert!(matches!(
            require_operator(&bidder),
            Err(e) if matches!(e.base(), AppError::Forbidden(_))
        ));
        assert!(matches!(
            require_operator(&Principal::public()),
            Err(e) if matches!(e.base(), AppError::Unauthenticated(_))
        ));
    }
}
