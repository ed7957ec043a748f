//! Evaluation experts: the pool shared across leagues (`pool`), the
//! specialty code tree (`specialties`), the verifiable draw of a tender's
//! committee (`draw`, pure), and the committee's storage: commitment, draw,
//! invitations, replacements (`committee`), invitations that lapse
//! unanswered (`expiry`). `routes` is the HTTP shell, `cli` replays a draw
//! (`ggzy draw verify`).

pub mod cli;
pub mod committee;
pub mod draw;
pub mod expiry;
pub mod pool;
pub mod routes;
pub mod specialties;
