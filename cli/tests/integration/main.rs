#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a test fails by panicking"
)]

//! End-to-end tests of the `netclaw` binary: real processes over real homes.
//!
//! One test binary (see `autotests = false`), one module per command.

mod common;

mod approval_prompts;
mod approvals;
mod audit;
mod bad_input;
mod config_show;
mod conventions;
mod daemon;
mod doctor;
mod fail_closed;
mod mcp_and_diff;
mod policy;
mod policy_verify;
mod redact;
mod scan;
mod secrets;
mod shell_check;
mod webhooks;
