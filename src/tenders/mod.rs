//! Tenders: drafting, the lifecycle state machine and its legal time limits,
//! documents, amendments, clarifications, and the public notice board.
//!
//! `model`, `lifecycle` and `limits` are pure (no database, no clock);
//! `store` persists; `takers` notes who took the documents; `messages` is
//! what the tender's changes tell people; `routes`, `documents` and
//! `clarifications` are the HTTP shell.

pub mod clarifications;
pub mod documents;
pub mod lifecycle;
pub mod limits;
pub mod messages;
pub mod model;
pub mod routes;
pub mod store;
pub mod takers;
