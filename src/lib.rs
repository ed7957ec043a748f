//! ggzy: public-resource e-trading and remote bid evaluation.
//!
//! Modules are cut by domain; each owns its routes, its storage and its pure
//! logic. Shared plumbing (`config`, `db`, `http`, `telemetry`, `store`) stays
//! small.

pub mod app;
pub mod auctions;
pub mod audit;
pub mod bids;
pub mod calendar;
pub mod cli;
pub mod clock;
pub mod cluster;
pub mod config;
pub mod contracts;
pub mod db;
pub mod demo;
pub mod error;
pub mod evaluation;
pub mod experts;
pub mod frontend;
pub mod hall;
pub mod http;
pub mod identity;
pub mod keys;
pub mod leagues;
pub mod notify;
pub mod objections;
pub mod opendata;
pub mod opening;
pub mod pki;
pub mod reasons;
pub mod seals;
pub mod startup;
pub mod store;
pub mod supervision;
pub mod telemetry;
pub mod tenders;
pub mod trust;
pub mod tsa;
pub mod types;

pub use error::AppError;
