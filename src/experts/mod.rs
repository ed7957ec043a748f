//! Evaluation experts: the pool shared across leagues (`pool`), the
//! specialty code tree (`specialties`), the verifiable draw of a tender's
//! committee (`draw`, pure), who may sit on a committee by law
//! (`composition`, pure: size, experts' share, the tenderer's
//! representatives), and the committee's storage: commitment, draw,
//! invitations, replacements (`committee`), invitations that lapse
//! unanswered (`expiry`). `routes` is the HTTP shell, `cli` replays a draw
//! (`ggzy draw verify`).

pub mod cli;
pub mod committee;
pub mod composition;
pub mod draw;
pub mod expiry;
pub mod pool;
pub mod routes;
pub mod specialties;
