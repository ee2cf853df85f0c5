//! The doctor checks, one module each.

mod config_schema;
mod exposure_mode;
mod hard_deny_overrides;
mod inbound_webhook_routes;
mod policy_compile;
mod policy_invariants;
mod secrets_json;
mod security_policy;
mod slack_acl;
mod sqlite_provisioning;
mod tool_approvals;
mod tool_audience_profiles;

pub(super) use config_schema::ConfigSchema;
pub(super) use exposure_mode::ExposureModeCheck;
pub(super) use hard_deny_overrides::HardDenyOverrides;
pub(super) use inbound_webhook_routes::InboundWebhookRoutes;
pub(super) use policy_compile::PolicyCompile;
pub(super) use policy_invariants::PolicyInvariants;
pub(super) use secrets_json::SecretsJson;
pub(super) use security_policy::SecurityPolicy;
pub(super) use slack_acl::SlackAcl;
pub(super) use sqlite_provisioning::SqliteProvisioning;
pub(super) use tool_approvals::ToolApprovalsCheck;
pub(super) use tool_audience_profiles::ToolAudienceProfiles;
