//! The opening hall (issue 4, begun): custody of a tender's opening key.
//! `shamir` splits a secret k-of-n and puts it back together (pure);
//! `custody` makes the opening key pair and certificate, splits the private
//! key and encrypts each share to its custodian's certificate (CMS), and
//! rebuilds the key from released shares. Storing custody per tender,
//! releasing shares over HTTP and the opening itself come next.

pub mod custody;
pub mod shamir;
