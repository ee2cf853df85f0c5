//! netclaw's configuration: the typed models of every file in the home, and loading
//! them into an effective configuration with the provenance of each value.

mod audience;
mod env;
mod hard_deny_overrides;
mod listing;
mod load;
mod netclaw;
mod provenance;
mod secret;
mod tool_approvals;
mod tools;
mod webhook_route;

pub use audience::Audience;
pub use env::{ENV_PREFIX, EnvVar};
pub use hard_deny_overrides::HardDenyRule;
pub use listing::{ConfigEntry, ConfigListing};
pub use load::HomeConfig;
pub(crate) use load::{Checked, EffectiveConfig};
pub(crate) use netclaw::{ExposureMode, NetclawConfig};
pub(crate) use provenance::Source;
pub(crate) use tool_approvals::{ApprovalEntry, ShellApproval, ShellMatch, ToolApprovals};
pub(crate) use tools::{ApprovalMode, AudienceProfile, FileAccessMode, GrantMode, ShellExecutionMode, is_plain_name};
pub use tools::{PUBLIC_TOOLS, SHELL_TOOL, TEAM_EXTRA_TOOLS};

pub(crate) use webhook_route::{Verification, VerificationKind, WebhookRoute};

/// Only publishing the JSON Schemas names this type; the loader returns it inside
/// [`HomeConfig`].
#[cfg(test)]
pub(crate) use hard_deny_overrides::HardDenyOverrides;
