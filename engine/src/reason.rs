//! netclaw's reason codes: the stable, machine-readable "why" of every denial.
//!
//! The names are netclaw's own (REFERENCE.md). The rest are this project's additions,
//! named in the same families: `hard_deny_unresolved_command` (a command word that
//! cannot be known before run time), `hard_deny_protected_path` (a file tool aimed at
//! a protected path), `file_path_not_allowed_for_audience_profile` (a path outside
//! the audience's `ReadFiles`/`WriteFiles` scope), `approval_denied` and
//! `approval_timed_out` (a human said no, or no one answered in time), and the channel ACL's `audience_invalid` and `slack_*` codes,
//! for which REFERENCE.md names none.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    JsonSchema,
    strum::Display,
    strum::EnumString,
    strum::IntoStaticStr,
    strum::VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
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
    FilePathNotAllowedForAudienceProfile,
    ToolDeniedByApprovalPolicy,
    ApprovalRequiredUnattended,
    ApprovalStoreUnavailable,
    ApprovalDenied,
    ApprovalTimedOut,
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
    /// The code as netclaw writes it (`hard_deny_privilege_escalation`): the one name
    /// used in decisions, `@reason` annotations, the CLI and the README.
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use strum::VariantArray;

    /// One name per code, whichever way it is written: printed, serialised, parsed.
    #[test]
    fn every_code_has_one_name() {
        for code in ReasonCode::VARIANTS {
            assert_eq!(serde_json::to_value(code).ok(), Some(serde_json::Value::from(code.as_str())));
            assert_eq!(code.to_string(), code.as_str());
            assert_eq!(code.as_str().parse::<ReasonCode>().ok(), Some(*code));
        }
    }
}
