//! Who is asking: roles, the `Principal` resolved from a session token by
//! middleware, and user accounts. Certificate login (a later issue) resolves
//! into the same `Principal`.

pub mod accounts;
pub mod login;
pub mod middleware;
pub mod policy;
pub mod routes;
pub mod sessions;
pub mod store;

use crate::error::AppError;
use crate::types::{LeagueCode, OrganisationId, UserId};
use serde::{Deserialize, Serialize};
use serde_json::json;

/// The roles of the platform. Stored as their snake_case text codes.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
    clap::ValueEnum,
)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Runs the platform: leagues, accounts, registries.
    Operator,
    /// Publishes tenders for its own organisation.
    Tenderer,
    /// A procurement agent running tenders on a tenderer's behalf.
    Agent,
    /// A bidding enterprise.
    Bidder,
    /// An evaluation expert.
    Expert,
    /// Administrative supervision, discipline inspection or audit.
    Supervisor,
}

impl Role {
    pub const ALL: [Role; 6] = [
        Role::Operator,
        Role::Tenderer,
        Role::Agent,
        Role::Bidder,
        Role::Expert,
        Role::Supervisor,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Role::Operator => "operator",
            Role::Tenderer => "tenderer",
            Role::Agent => "agent",
            Role::Bidder => "bidder",
            Role::Expert => "expert",
            Role::Supervisor => "supervisor",
        }
    }

    pub fn from_code(code: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.code() == code)
    }
}

/// The party behind a request. Anonymous requests get the public principal.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Principal {
    pub user_id: Option<UserId>,
    pub name: String,
    pub roles: Vec<Role>,
    pub league: Option<LeagueCode>,
    pub organisation: Option<OrganisationId>,
}

impl Principal {
    pub fn public() -> Self {
        Principal {
            user_id: None,
            name: "public".into(),
            roles: Vec::new(),
            league: None,
            organisation: None,
        }
    }

    /// A principal for actions taken from the command line on the server.
    pub fn system() -> Self {
        Principal {
            user_id: None,
            name: "system".into(),
            roles: vec![Role::Operator],
            league: None,
            organisation: None,
        }
    }

    pub fn is_authenticated(&self) -> bool {
        self.user_id.is_some()
    }

    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    /// The first of `allowed` this principal holds, or a refusal that says
    /// which roles would do.
    pub fn require_any(&self, allowed: &[Role]) -> Result<Role, AppError> {
        if let Some(role) = allowed.iter().copied().find(|r| self.has(*r)) {
            return Ok(role);
        }
        if !self.is_authenticated() {
            return Err(sign_in_first());
        }
        let names: Vec<&str> = allowed.iter().map(|r| r.code()).collect();
        Err(AppError::Forbidden(format!(
            "this action needs one of the roles: {}",
            names.join(", ")
        ))
        .because("auth.role-missing", json!({ "roles": names })))
    }

    /// The role recorded in the audit log for an action this principal takes.
    pub fn audit_role(&self) -> &'static str {
        self.roles.first().map(|r| r.code()).unwrap_or("public")
    }
}

/// The refusal of a request that needs a signed-in account and came
/// without one (401).
pub fn sign_in_first() -> AppError {
    AppError::Unauthenticated(
        "sign in first: send a session token as 'Authorization: Bearer <token>'".into(),
    )
    .because("auth.sign-in-first", json!({}))
}

/// Session tokens are 32 random bytes, shown once, stored only as SHA-256.
pub fn new_token() -> anyhow::Result<String> {
    let mut bytes = [0u8; 32];
    openssl::rand::rand_bytes(&mut bytes)?;
    Ok(format!("ggzy_{}", hex(&bytes)))
}

pub fn token_hash(token: &str) -> String {
    hex(&openssl::sha::sha256(token.as_bytes()))
}

pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip() {
        for role in Role::ALL {
            assert_eq!(Role::from_code(role.code()), Some(role));
        }
        assert_eq!(Role::from_code("admin"), None);
    }

    #[test]
    fn public_is_refused_with_401_and_others_with_403() {
        let public = Principal::public();
        assert!(matches!(
            public.require_any(&[Role::Tenderer]),
            Err(e) if matches!(e.base(), AppError::Unauthenticated(_))
        ));
        let mut bidder = Principal::public();
        bidder.user_id = Some(UserId::new());
        bidder.roles = vec![Role::Bidder];
        assert!(matches!(
            bidder.require_any(&[Role::Tenderer]),
            Err(e) if matches!(e.base(), AppError::Forbidden(_))
        ));
        assert_eq!(
            bidder.require_any(&[Role::Tenderer, Role::Bidder]).unwrap(),
            Role::Bidder
        );
    }

    #[test]
    fn tokens_are_random_and_hashed() {
        let a = new_token().unwrap();
        let b = new_token().unwrap();
        assert_ne!(a, b);
        assert_eq!(token_hash(&a).len(), 64);
        assert_ne!(token_hash(&a), a);
    }
}
