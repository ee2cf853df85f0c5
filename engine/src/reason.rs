//! netclaw's reason codes: the stable, machine-readable "why" of every denial.
//!
//! The names are netclaw's own (REFERENCE.md). The rest are this project's additions,
//! named in the same families: `hard_deny_unresolved_command` (a command word that
//! cannot be known before run time), `hard_deny_protected_path` (a file tool aimed at
//! a protected path), and the channel ACL's `audience_invalid` and `slack_*` codes,
//! for which REFERENCE.md names none.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReasonCode {
    HardDenyCustomDeny,
    HardDenySelfDestructive,
    HardDenySystemDestructive,
    HardDenyPrivilegeEscalation,
    HardDenyUnresolvedCommand,
    HardDenyProtectedPath,
    ShellReferencesProtectedPath,
    ShellDisabled,
    ShellRequiresSandboxBackend,
    ShellRequiresPersonalContext,
    ToolNotAllowedForAudienceProfile,
    McpServerNotAllowedForAudienceProfile,
    McpToolNotAllowedForAudienceProfile,
    ToolDeniedByApprovalPolicy,
    ApprovalRequiredUnattended,
    ApprovalStoreUnavailable,
    InternalPolicyFailure,
    AudienceInvalid,
    SlackDisabled,
    SlackContextMissing,
    SlackChannelNotAllowed,
    SlackUserNotAllowed,
    SlackMentionRequired,
    SlackDirectMessagesDisabled,
}

impl ReasonCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ReasonCode::HardDenyCustomDeny => "hard_deny_custom_deny",
            ReasonCode::HardDenySelfDestructive => "hard_deny_self_destructive",
            ReasonCode::HardDenySystemDestructive => "hard_deny_system_destructive",
            ReasonCode::HardDenyPrivilegeEscalation => "hard_deny_privilege_escalation",
            ReasonCode::HardDenyUnresolvedCommand => "hard_deny_unresolved_command",
            ReasonCode::HardDenyProtectedPath => "hard_deny_protected_path",
            ReasonCode::ShellReferencesProtectedPath => "shell_references_protected_path",
            ReasonCode::ShellDisabled => "shell_disabled",
            ReasonCode::ShellRequiresSandboxBackend => "shell_requires_sandbox_backend",
            ReasonCode::ShellRequiresPersonalContext => "shell_requires_personal_context",
            ReasonCode::ToolNotAllowedForAudienceProfile => "tool_not_allowed_for_audience_profile",
            ReasonCode::McpServerNotAllowedForAudienceProfile => "mcp_server_not_allowed_for_audience_profile",
            ReasonCode::McpToolNotAllowedForAudienceProfile => "mcp_tool_not_allowed_for_audience_profile",
            ReasonCode::ToolDeniedByApprovalPolicy => "tool_denied_by_approval_policy",
            ReasonCode::ApprovalRequiredUnattended => "approval_required_unattended",
            ReasonCode::ApprovalStoreUnavailable => "approval_store_unavailable",
            ReasonCode::InternalPolicyFailure => "internal_policy_failure",
            ReasonCode::AudienceInvalid => "audience_invalid",
            ReasonCode::SlackDisabled => "slack_disabled",
            ReasonCode::SlackContextMissing => "slack_context_missing",
            ReasonCode::SlackChannelNotAllowed => "slack_channel_not_allowed",
            ReasonCode::SlackUserNotAllowed => "slack_user_not_allowed",
            ReasonCode::SlackMentionRequired => "slack_mention_required",
            ReasonCode::SlackDirectMessagesDisabled => "slack_direct_messages_disabled",
        }
    }

    /// Every code, for lookups by name (`@reason` annotations) and for tests.
    pub const ALL: [ReasonCode; 24] = [
        ReasonCode::HardDenyCustomDeny,
        ReasonCode::HardDenySelfDestructive,
        ReasonCode::HardDenySystemDestructive,
        ReasonCode::HardDenyPrivilegeEscalation,
        ReasonCode::HardDenyUnresolvedCommand,
        ReasonCode::HardDenyProtectedPath,
        ReasonCode::ShellReferencesProtectedPath,
        ReasonCode::ShellDisabled,
        ReasonCode::ShellRequiresSandboxBackend,
        ReasonCode::ShellRequiresPersonalContext,
        ReasonCode::ToolNotAllowedForAudienceProfile,
        ReasonCode::McpServerNotAllowedForAudienceProfile,
        ReasonCode::McpToolNotAllowedForAudienceProfile,
        ReasonCode::ToolDeniedByApprovalPolicy,
        ReasonCode::ApprovalRequiredUnattended,
        ReasonCode::ApprovalStoreUnavailable,
        ReasonCode::InternalPolicyFailure,
        ReasonCode::AudienceInvalid,
        ReasonCode::SlackDisabled,
        ReasonCode::SlackContextMissing,
        ReasonCode::SlackChannelNotAllowed,
        ReasonCode::SlackUserNotAllowed,
        ReasonCode::SlackMentionRequired,
        ReasonCode::SlackDirectMessagesDisabled,
    ];

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|code| code.as_str() == name)
    }
}

impl std::fmt::Display for ReasonCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `as_str` and the serde name must agree: one is printed, the other serialised.
    #[test]
    fn display_matches_serialisation() {
        for code in [
            ReasonCode::HardDenyCustomDeny,
            ReasonCode::ShellReferencesProtectedPath,
            ReasonCode::InternalPolicyFailure,
        ] {
            assert_eq!(serde_json::to_value(code).ok(), Some(serde_json::Value::from(code.as_str())));
        }
    }
}
