//! Who may change a league's entries in the trust registry (its services,
//! their status and revocation sources, the CRLs of its services, and the
//! recognitions it grants): a platform operator (the operator role and no
//! league) for any league, a league operator for its own league only. Pure:
//! the principal's role and league in, allowed or refused with a reason out.
//! (A local rule until the central policy in `identity` covers the trust
//! registry; it distinguishes operator kinds the same way.)

use crate::error::AppError;
use crate::identity::{Principal, Role};
use crate::types::LeagueCode;

/// The kind of operator a principal is, as far as the registry is concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OperatorKind {
    /// Holds the operator role and no league: acts for every league.
    Platform,
    /// Holds the operator role for one league.
    League(LeagueCode),
}

/// The operator kind of `principal`, if it is an operator at all.
pub fn operator_kind(principal: &Principal) -> Option<OperatorKind> {
    if !principal.has(Role::Operator) {
        return None;
    }
    Some(match &principal.league {
        None => OperatorKind::Platform,
        Some(league) => OperatorKind::League(league.clone()),
    })
}

/// Whether an operator of `kind` may change `league`'s registry entries;
/// the refusal says why.
pub fn may_manage(kind: &OperatorKind, league: &LeagueCode) -> Result<(), String> {
    match kind {
        OperatorKind::Platform => Ok(()),
        OperatorKind::League(own) if own == league => Ok(()),
        OperatorKind::League(own) => Err(format!(
            "an operator of league {own} changes only league {own}'s trust registry entries, \
             not league {league}'s; a platform operator (no league) may change any league's"
        )),
    }
}

/// The principal's operator kind, or the refusal (401 when not signed in,
/// 403 when not an operator).
pub fn require_operator(principal: &Principal) -> Result<OperatorKind, AppError> {
    principal.require_any(&[Role::Operator])?;
    operator_kind(principal)
        .ok_or_else(|| AppError::Forbidden("only operators change the trust registry".into()))
}

/// Refuses (403) unless an operator of `kind` may change `league`'s entries.
pub fn authorise(kind: &OperatorKind, league: &LeagueCode) -> Result<(), AppError> {
    may_manage(kind, league).map_err(AppError::Forbidden)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lc(code: &str) -> LeagueCode {
        LeagueCode::parse(code).unwrap()
    }

    #[test]
    fn a_platform_operator_manages_every_league() {
        assert!(may_manage(&OperatorKind::Platform, &lc("NNG")).is_ok());
        assert!(may_manage(&OperatorKind::Platform, &lc("LZH")).is_ok());
    }

    #[test]
    fn a_league_operator_manages_its_own_league_only() {
        let lzh = OperatorKind::League(lc("LZH"));
        assert!(may_manage(&lzh, &lc("LZH")).is_ok());
        let refused = may_manage(&lzh, &lc("NNG")).unwrap_err();
        assert!(refused.contains("league LZH") && refused.contains("NNG"));
    }

    #[test]
    fn operator_kinds_follow_role_and_league() {
        let mut p = Principal::public();
        assert_eq!(operator_kind(&p), None);
        p.roles = vec![Role::Operator];
        assert_eq!(operator_kind(&p), Some(OperatorKind::Platform));
        p.league = Some(lc("NNG"));
        assert_eq!(operator_kind(&p), Some(OperatorKind::League(lc("NNG"))));
        p.roles = vec![Role::Bidder];
        assert_eq!(operator_kind(&p), None);
    }
}
