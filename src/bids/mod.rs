//! Bids: what a bidder sends, how it arrives, and what the platform keeps.
//!
//! - `container` is the documented ZIP a bid's documents, its
//!   machine-readable price schedule and its optional seal signature travel
//!   in (pure).
//! - `envelope` signs, encrypts and signs that container again with CMS
//!   (sign, encrypt, sign), checks an envelope on arrival while streaming it
//!   (who sent it, to whom it is encrypted, without reading it), and opens it
//!   with the opening key (pure, over openssl).
//! - `deadline` is the one rule for "in time".
//! - `upload` keeps resumable uploads on disk; `arrival` checks a finished
//!   upload; `store` records bids, receipts and upload sessions; `routes`
//!   is the HTTP side.
//! - `mine` is the bidder's own view of its tenders (`GET /me/tenders`).
//! - `orphans` is the start-up sweep that gives every kept bid file its bid
//!   or removes it, on the record.

pub mod arrival;
pub mod arrivals;
pub mod cli;
pub mod container;
pub mod deadline;
pub mod envelope;
pub mod mine;
pub mod orphans;
pub mod routes;
pub mod store;
pub mod upload;
