//! The opening: custody of each tender's opening key and the opening hall.
//!
//! - `shamir` splits a secret k-of-n and puts it back together (pure).
//! - `custody` makes the opening key pair and certificate, splits the
//!   private key and encrypts each share to its custodian's certificate
//!   (CMS), and rebuilds the key from released shares.
//! - `keypool` makes key pairs ahead of time, so that publication's
//!   transaction does not wait for RSA key generation.
//! - `share_envelope` is that CMS: RSA-OAEP or ECDH key transport that a
//!   browser's WebCrypto can open as well as `openssl cms -decrypt`.
//! - `platform` is the platform's own custodian key.
//! - `store` keeps custody per tender (made at publication), custodians'
//!   certificates, and share releases.
//! - `run` decrypts and checks every bid once enough shares are released,
//!   and records the opening, or, with fewer bidders at the deadline than
//!   the procedure's minimum, opens nothing and fails the tender; `routes`
//!   is the HTTP side.
//! - `messages` is what the opening tells bidders (its record, the answers
//!   to their objections; objections themselves are `crate::objections`).

pub mod bid;
pub mod cli;
pub mod custody;
pub mod keypool;
pub mod messages;
pub mod platform;
pub mod record;
pub mod routes;
pub mod run;
pub mod running;
pub mod shamir;
pub mod share_envelope;
pub mod store;

crate::types::text_enum! {
    /// Where an opening is.
    pub enum OpeningStatus {
        /// Started after the deadline; custodians are releasing shares.
        CollectingShares = "collecting_shares",
        /// Enough shares: the bids are being decrypted and checked.
        Decrypting = "decrypting",
        /// Every bid is recorded and the opening record is published.
        Completed = "completed",
        /// The tender was cancelled or failed before the opening finished;
        /// the released shares are erased and no more bids are opened.
        Aborted = "aborted",
        /// Fewer bidders at the deadline than the procedure's minimum
        /// (招标投标法实施条例 第44条 and its like, `tenders::limits`): no bid
        /// was decrypted, the key was never rebuilt, and the tender failed.
        NotOpened = "not_opened",
    }
}
