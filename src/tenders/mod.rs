//! Tenders: drafting, the lifecycle state machine and its legal time limits,
//! documents, amendments, clarifications, and the public notice board.
//!
//! `model`, `lifecycle` and `limits` are pure (no database, no clock);
//! `store` persists; `routes`, `documents` and `clarifications` are the HTTP
//! shell.

pub mod clarifications;
pub mod documents;
pub mod lifecycle;
pub mod limits;
pub mod model;
pub mod routes;
pub mod store;
