//! The typed model of `config/tool-approvals.json` (format version 3): persisted
//! "approve always" answers, per audience and tool.
//!
//! Entries either cover a shell command by its leading tokens or a non-shell tool call
//! by its verb; `directory: null` means everywhere. Removing an entry revokes it.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::audience::Audience;
use crate::shell::{Limits, Start, parse};

/// The only format version this build reads; anything else is refused, not guessed at.
pub(super) const APPROVALS_FORMAT_VERSION: u32 = 3;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schemars(title = "tool-approvals.json", description = "Persisted \"approve always\" grants (format version 3).")]
pub(crate) struct ToolApprovals {
    #[schemars(extend("const" = 3))]
    pub version: u32,
    #[serde(default)]
    pub audiences: ApprovalAudiences,
}

impl Default for ToolApprovals {
    fn default() -> Self {
        Self { version: APPROVALS_FORMAT_VERSION, audiences: ApprovalAudiences::default() }
    }
}

/// Tool name (`shell_execute`, `server/tool`) → its persisted grants.
pub(super) type ToolGrants = BTreeMap<String, Vec<ApprovalEntry>>;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub(crate) struct ApprovalAudiences {
    pub personal: ToolGrants,
    pub team: ToolGrants,
    pub public: ToolGrants,
}

impl ApprovalAudiences {
    pub(crate) fn get(&self, audience: Audience) -> &ToolGrants {
        match audience {
            Audience::Personal => &self.personal,
            Audience::Team => &self.team,
            Audience::Public => &self.public,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub(crate) enum ApprovalEntry {
    Shell(ShellApproval),
    Tool(ToolApproval),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) enum ShellMatch {
    /// The command's normalised words start with `verbTokens`.
    TokenPrefix,
    /// The command's normalised words are exactly `verbTokens`.
    Exact,
}

/// Covers shell commands whose words start with `verbTokens` (e.g. `git status`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct ShellApproval {
    /// The command as the human saw it when approving.
    pub shell: String,
    #[serde(rename = "match")]
    pub match_kind: ShellMatch,
    #[schemars(length(min = 1))]
    pub verb_tokens: Vec<String>,
    /// Where the grant applies: the working directory and every directory a `cd` in the
    /// command reaches must be inside it. `null` means everywhere.
    #[schemars(length(min = 1))]
    pub directory: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repository: Option<String>,
    pub created_at: String,
}

impl ShellApproval {
    /// Whether `shell` is exactly the command `verbTokens` spell, read the way the
    /// authorizer reads a command: one bare command (no assignments, redirections or
    /// wrappers) whose words are `verbTokens`. `tokenPrefix` then grants that command
    /// with any further arguments; a `shell` text that said more (`git status` for
    /// `["git"]`) would grant what the reviewer did not read.
    pub(crate) fn covers_its_own_text(&self) -> bool {
        let parsed = parse(&self.shell, &Limits::default(), &Start::default());
        let [segment] = parsed.segments.as_slice() else { return false };
        parsed.refusals.is_empty() && segment.is_bare() && segment.verb_words().is_some_and(|w| w == self.verb_tokens)
    }
}

/// Covers calls of a non-shell tool with this verb (e.g. `notion/notion-delete-page`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct ToolApproval {
    pub verb: String,
    /// Where the grant applies; `null` means everywhere.
    #[schemars(length(min = 1))]
    pub directory: Option<String>,
    pub created_at: String,
}

impl ApprovalEntry {
    pub(crate) fn created_at(&self) -> &str {
        match self {
            Self::Shell(shell) => &shell.created_at,
            Self::Tool(tool) => &tool.created_at,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(json: &str) -> Result<ApprovalEntry, serde_json::Error> {
        serde_json::from_str(json)
    }

    /// Each kind refuses the other's keys, so an entry that mixes them is refused,
    /// never half-read as the kind that happens to fit.
    #[test]
    fn an_entry_is_the_kind_its_keys_say_and_a_mixed_one_is_refused() {
        let shell = r#"{"shell": "git status", "match": "exact", "verbTokens": ["git", "status"],
                        "directory": null, "createdAt": "2026-11-01T00:00:00Z"}"#;
        let tool = r#"{"verb": "notion/delete_page", "directory": "/srv", "createdAt": "2026-11-01T00:00:00Z"}"#;
        assert!(matches!(entry(shell), Ok(ApprovalEntry::Shell(s)) if s.directory.is_none()));
        assert!(matches!(entry(tool), Ok(ApprovalEntry::Tool(t)) if t.verb == "notion/delete_page"));
        let mixed = r#"{"shell": "git status", "verb": "x", "match": "exact", "verbTokens": ["git", "status"],
                        "directory": null, "createdAt": "2026-11-01T00:00:00Z"}"#;
        assert!(entry(mixed).is_err());
        assert!(entry(r#"{"verb": "x", "directory": null, "createdAt": "t", "everywhere": true}"#).is_err());
        assert!(entry(r#"{"shell": "ls", "directory": null, "createdAt": "t"}"#).is_err(), "missing verbTokens");
        assert!(entry(r#""notion/x""#).is_err());
    }
}
