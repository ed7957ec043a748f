//! The trust fabric's registry: each league's trust services (enterprise and
//! personal CAs, seal and timestamp authorities) with their status history
//! and revocation sources, mutual recognition between leagues, the signed
//! trust lists published from them, and the validation of certificates
//! against all of it (`registry`). The rule deciding acceptance is pure
//! (`model::accept`); certificate checks are in `pki`.

pub mod admission;
pub mod authority;
pub mod cli;
pub mod lists;
pub mod model;
pub mod registry;
pub mod routes;
pub mod store;
