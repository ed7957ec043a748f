//! The integration suite: one binary, the real server, real HTTP.

mod audit;
mod audit_log;
mod bad_input;
mod bid_cli;
mod bids;
mod browser;
mod cli;
mod custody;
mod demo;
mod documents;
mod experts;
mod fabric;
mod hall;
mod health;
mod helpers;
mod identity;
mod login;
mod ocsp;
mod opendata;
mod pki;
mod rooms;
mod seals;
mod stored_files;
mod supervision;
mod tenders;
mod trust;
