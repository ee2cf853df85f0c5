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
pub use hard_deny_overrides::{FirstPath, HardDenyOverrides, HardDenyRule};
pub use listing::ConfigEntry;
pub use load::{Checked, EffectiveConfig, HomeConfig, WebhookRoutes};
pub use netclaw::{
    DaemonConfig, ExposureMode, NetclawConfig, NotificationsConfig, SecurityConfig, SlackConfig, WebhooksConfig,
};
pub use provenance::{Provenance, Source};
pub use secret::{MASK, Secret};
pub use tool_approvals::{
    APPROVALS_FORMAT_VERSION, ApprovalAudiences, ApprovalEntry, ShellApproval, ShellMatch, ToolApproval, ToolApprovals,
};
pub use tools::{
    ApprovalMode, ApprovalPolicy, AudienceProfile, AudienceProfiles, FileAccess, FileAccessMode, GrantMode,
    PUBLIC_TOOLS, SHELL_TOOL, ShellExecutionMode, TEAM_EXTRA_TOOLS, ToolsConfig,
};
pub use webhook_route::{HmacAlgorithm, ROUTE_NAME_PATTERN, Verification, VerificationKind, WebhookRoute};
