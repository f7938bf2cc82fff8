//! The integration tests of the mamori binary, in one test binary: the real application over
//! HTTP and the CLI, on a fresh database per test (SQLite, or PostgreSQL with
//! `MAMORI_TEST_POSTGRES_URL`). One module per capability; run one with
//! `cargo test -p mamori --test it -- policy::`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

mod accounts;
mod approvals;
mod approvals_flow;
mod asset_scale;
mod assets;
mod assets_api;
mod assets_import;
mod authorization_matrix;
mod backup;
mod backups_screen;
mod catalog;
mod cli;
mod committee;
mod fuzz_readers;
mod gap;
mod gap_screens;
mod hardening;
mod http;
mod incidents;
mod incidents_screens;
mod notifications;
mod org;
mod org_api;
mod org_import;
mod org_screens;
mod own_policy;
mod permissions;
mod policy;
mod read_log;
mod risks;
mod separation;
mod setup;
mod transfers;
