//! One module per command.

pub mod approvals;
pub mod audit;
pub mod authorize;
pub mod compiled;
pub mod config_show;
pub mod daemon;
pub mod doctor;
pub mod mcp_permissions;
pub mod policy;
pub mod policy_diff;
pub mod policy_verify;
pub mod redact;
pub mod scan;
pub mod secrets;
pub mod shell_check;
pub mod webhooks;
