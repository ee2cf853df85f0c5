//! The engine's integration tests, one binary, one module per concern.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a test fails by panicking"
)]

mod common;

mod authorize_scenarios;
mod cedar_cli;
mod config_mutants;
mod content_corpus;
mod policy_diff;
mod policy_properties;
mod readme;
mod shell_corpus;
mod shell_robustness;
mod slices;
