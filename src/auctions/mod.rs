//! Trades found by price, live: land and mining-rights listings (挂牌) and
//! auctions (拍卖), and state-owned property's online bidding (网络竞价).
//! Their winner is the highest valid quote, not a committee's score:
//!
//! - **Listing** (招标拍卖挂牌出让国有建设用地使用权规定, 国土资源部令第39号,
//!   第17–19条): quotes over a listing period of at least ten days; at its
//!   end the leader is announced and bidders say whether they continue;
//!   with enough taking part a timed phase follows, whose countdown starts
//!   again with each valid quote; otherwise the highest quote at or above
//!   the reserve wins (第19条).
//! - **Auction** and **online bidding** (39号令 第15–16条; 企业国有资产交易
//!   监督管理办法 第22条): free bidding, then the countdown; the highest
//!   quote at or above the reserve wins; below it there is no sale. A
//!   single qualified property buyer comes to an agreement instead, at no
//!   less than the listing price and the reserve.
//!
//! [`rules`] holds what differs between kinds, as data with the articles;
//! [`engine`] is the trade itself, a pure function of its recorded events
//! and the time, which the store records under the tender's lock and which
//! [`engine::replay`] reproduces from the record.

pub mod engine;
pub mod rules;
