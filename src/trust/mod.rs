//! The trust fabric's registry: each league's trust services (enterprise and
//! personal CAs, seal and timestamp authorities) with their status history
//! and revocation sources, mutual recognition between leagues, the signed
//! trust lists published from them, and the validation of certificates
//! against all of it (`registry`). The rules are pure: what a certificate
//! must be to be registered (`admission`: fit for its type, a root whole by
//! its own signature, anything else under an issuer of its league or one
//! supplied), who may change a league's entries (`authority`), and whether
//! a league accepts a path (`model::accept`); certificate checks are in
//! `pki`. Path building for a league uses only what it lists and what it
//! recognises, so no league's registrations change another's decisions.

pub mod admission;
pub mod authority;
pub mod cli;
pub mod lists;
pub mod model;
pub mod registry;
pub mod requirements;
pub mod routes;
pub mod store;
