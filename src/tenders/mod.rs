//! Tenders: drafting, the lifecycle state machine and its legal time limits,
//! documents, amendments, clarifications, and the public notice board.
//!
//! `model`, `lifecycle` and `limits` are pure (no database, no clock);
//! `store` persists; `takers` notes who took the documents; `messages` is
//! what the tender's changes tell people; `routes`, `documents` and
//! `clarifications` are the HTTP shell. `award` decides the winner and
//! issues the signed notices of award and result notices, which
//! `procedure_documents` keeps and serves. `invitees` holds who an invited
//! tender invites, the only enterprises that may take its documents and bid.
//! `vocabulary` holds each category's words, and `notice_words` what the
//! platform writes in a notice, as a key and params beside its Chinese text.

pub mod award;
pub mod clarifications;
pub mod default_award;
pub mod documents;
pub mod invitees;
pub mod lifecycle;
pub mod limits;
pub mod messages;
pub mod model;
pub mod notice_words;
pub mod notices;
pub mod own_result;
pub mod price_record;
pub mod procedure_documents;
pub mod results;
pub mod routes;
pub mod rules;
pub mod store;
pub mod takers;
pub mod vocabulary;
