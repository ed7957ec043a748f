//! Bids (issue 3, begun): what a bidder sends and how it is checked, as
//! pure code. `container` is the documented ZIP a bid's documents, its
//! machine-readable price schedule and its optional seal signature travel
//! in; `envelope` signs, encrypts and signs that container again with CMS
//! (sign, encrypt, sign), checks an envelope on arrival while streaming it
//! (who sent it, to whom it is encrypted, without reading it), and opens it
//! with the opening key. No HTTP, no database, no clock.

pub mod container;
pub mod envelope;
