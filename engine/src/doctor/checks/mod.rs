//! The doctor checks, one module each.

mod config_schema;
mod inbound_webhook_routes;
mod policy_invariants;
mod slack_acl;
mod tool_audience_profiles;

pub(super) use config_schema::ConfigSchema;
pub(super) use inbound_webhook_routes::InboundWebhookRoutes;
pub(super) use policy_invariants::PolicyInvariants;
pub(super) use slack_acl::SlackAcl;
pub(super) use tool_audience_profiles::ToolAudienceProfiles;
