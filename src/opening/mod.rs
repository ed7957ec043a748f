//! The opening hall (issue 4, begun): custody of a tender's opening key.
//! So far only the pure part: splitting a secret k-of-n among custodians
//! and putting it back together (`shamir`). Key creation, encrypting each
//! share to its custodian's certificate and the opening itself come next.

pub mod shamir;
