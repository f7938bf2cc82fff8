//! The pure domain model of mamori.
//!
//! Everything here is plain data and rules: no database, web or async types, and no clock —
//! callers pass the current time in. Values are built by parsing, so an invalid one cannot exist.

pub mod account;
pub mod approval;
pub mod asset;
pub mod audit;
pub mod authority;
pub mod backup;
pub mod body;
pub mod classification;
pub mod committee;
pub mod diff;
pub mod error;
pub mod fiscal_year;
pub mod ids;
pub mod incident;
pub mod org;
pub mod policy;
pub mod risk;
pub mod separation;
pub mod text;
pub mod transfer;
pub mod wareki;

pub use error::DomainError;
