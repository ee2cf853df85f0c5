//! `Tools`: per-audience grants and the approval policy.
//!
//! The defaults here are netclaw's published ones and must stay monotonic
//! (Public ⊆ Team ⊆ Personal); a test below holds them to it.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::audience::Audience;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "PascalCase", deny_unknown_fields, default)]
pub(crate) struct ToolsConfig {
    /// Wins over `Security.ShellExecutionMode`.
    pub shell_mode: Option<ShellExecutionMode>,
    /// Command-word chains (`docker rm`) denied in every segment of a shell command.
    /// They add to the built-in hard-deny list; nothing can remove a built-in rule.
    pub hard_deny_patterns: Vec<String>,
    pub audience_profiles: AudienceProfiles,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "PascalCase", deny_unknown_fields, default)]
pub(crate) struct AudienceProfiles {
    pub personal: AudienceProfile,
    pub team: AudienceProfile,
    pub public: AudienceProfile,
}

impl Default for AudienceProfiles {
    fn default() -> Self {
        Self {
            personal: AudienceProfile::default_for(Audience::Personal),
            team: AudienceProfile::default_for(Audience::Team),
            public: AudienceProfile::default_for(Audience::Public),
        }
    }
}

impl AudienceProfiles {
    pub(crate) fn get(&self, audience: Audience) -> &AudienceProfile {
        match audience {
            Audience::Personal => &self.personal,
            Audience::Team => &self.team,
            Audience::Public => &self.public,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub(crate) enum ShellExecutionMode {
    Off,
    SandboxOnly,
    HostAllowed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub(crate) enum GrantMode {
    /// Only what the list names.
    Allowlist,
    All,
}

/// Its defaults differ per audience, so the shared schema definition publishes none;
/// `AudienceProfiles` carries each audience's. `Default` is Public's: the narrowest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "PascalCase", deny_unknown_fields, default)]
#[schemars(transform = crate::schema::without_property_defaults)]
pub(crate) struct AudienceProfile {
    pub tools_mode: GrantMode,
    pub allowed_tools: Vec<String>,
    pub mcp_servers_mode: GrantMode,
    pub allowed_mcp_servers: Vec<String>,
    /// Server → the tools of it this audience may call. An allowed server with no
    /// entry here exposes all its tools; a denied server exposes none, whatever is listed.
    pub mcp_server_tool_grants: BTreeMap<String, Vec<String>>,
    pub read_files: FileAccess,
    pub write_files: FileAccess,
    pub approval_policy: ApprovalPolicy,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub(crate) enum FileAccessMode {
    None,
    /// Only under `Roots` (and, always, the session's own directory).
    Roots,
    All,
}

/// Its defaults differ per audience, so the shared schema definition publishes none;
/// `AudienceProfiles` carries each audience's. `Default` is Public's: the narrowest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "PascalCase", deny_unknown_fields, default)]
#[schemars(transform = crate::schema::without_property_defaults)]
pub(crate) struct FileAccess {
    pub mode: FileAccessMode,
    /// At most 32: each root is one term of the scope's Cedar condition.
    #[schemars(length(max = 32))]
    pub roots: Vec<String>,
}

impl FileAccess {
    fn session_only() -> Self {
        Self { mode: FileAccessMode::Roots, roots: Vec::new() }
    }

    fn of(mode: FileAccessMode) -> Self {
        Self { mode, roots: Vec::new() }
    }
}

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    JsonSchema,
    strum::Display,
    strum::IntoStaticStr,
    strum::EnumProperty,
)]
pub enum ApprovalMode {
    #[strum(props(key = "auto"))]
    Auto,
    #[strum(props(key = "approval"))]
    Approval,
    #[strum(props(key = "deny"))]
    Deny,
}

impl ApprovalMode {
    /// As policy ids write it (`team.tool.web_fetch.approval`).
    pub fn key(self) -> &'static str {
        strum::EnumProperty::get_str(&self, "key").unwrap_or_default()
    }
}

/// Its defaults differ per audience, so the shared schema definition publishes none;
/// `AudienceProfiles` carries each audience's. `Default` is Public's: the narrowest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "PascalCase", deny_unknown_fields, default)]
#[schemars(transform = crate::schema::without_property_defaults)]
pub(crate) struct ApprovalPolicy {
    pub default_mode: ApprovalMode,
    /// `tool` or `server/tool` (`server__tool` also matches) → mode. Wins over everything.
    pub tool_overrides: BTreeMap<String, ApprovalMode>,
    /// MCP server → mode for all its tools without an override.
    pub mcp_server_defaults: BTreeMap<String, ApprovalMode>,
}

impl ApprovalPolicy {
    fn with_default(default_mode: ApprovalMode) -> Self {
        Self { default_mode, tool_overrides: BTreeMap::new(), mcp_server_defaults: BTreeMap::new() }
    }
}

/// Tool, server and channel names are ASCII without spaces or control characters, as
/// netclaw's own are: a config key that is not such a name matches no request, and a
/// request naming a tool otherwise (`ſhell_execute`, a trailing space) is denied.
pub(crate) fn is_plain_name(name: &str) -> bool {
    !name.is_empty() && name.chars().all(|c| c.is_ascii_graphic())
}

/// Tools Public may use: read-only, confined to its own session directory.
pub const PUBLIC_TOOLS: &[&str] = &["attach_file", "file_list", "file_read", "file_search", "tool_output_read"];

/// Tools Team adds on top of Public's: all file tools, the web, skills, reminders.
pub const TEAM_EXTRA_TOOLS: &[&str] = &[
    "file_delete",
    "file_edit",
    "file_write",
    "reminder_cancel",
    "reminder_create",
    "reminder_list",
    "set_working_directory",
    "skill_manage",
    "web_fetch",
    "web_search",
];

/// The one tool only Personal gets: the shell.
pub const SHELL_TOOL: &str = "shell_execute";

impl AudienceProfile {
    pub(crate) fn default_for(audience: Audience) -> Self {
        let (tools_mode, allowed_tools, read, write, approval) = match audience {
            Audience::Public => (
                GrantMode::Allowlist,
                PUBLIC_TOOLS.to_vec(),
                FileAccess::session_only(),
                FileAccess::of(FileAccessMode::None),
                ApprovalMode::Deny,
            ),
            Audience::Team => {
                let mut tools = PUBLIC_TOOLS.to_vec();
                tools.extend_from_slice(TEAM_EXTRA_TOOLS);
                tools.sort_unstable();
                (
                    GrantMode::Allowlist,
                    tools,
                    FileAccess::session_only(),
                    FileAccess::session_only(),
                    ApprovalMode::Approval,
                )
            }
            Audience::Personal => (
                GrantMode::All,
                Vec::new(),
                FileAccess::of(FileAccessMode::All),
                FileAccess::of(FileAccessMode::All),
                ApprovalMode::Auto,
            ),
        };
        Self {
            tools_mode,
            allowed_tools: allowed_tools.into_iter().map(str::to_owned).collect(),
            // A new MCP server starts with zero grants for every audience.
            mcp_servers_mode: GrantMode::Allowlist,
            allowed_mcp_servers: Vec::new(),
            mcp_server_tool_grants: BTreeMap::new(),
            read_files: read,
            write_files: write,
            approval_policy: ApprovalPolicy::with_default(approval),
        }
    }
}

impl Default for AudienceProfile {
    fn default() -> Self {
        Self::default_for(Audience::Public)
    }
}

impl Default for FileAccess {
    fn default() -> Self {
        Self::of(FileAccessMode::None)
    }
}

impl Default for ApprovalPolicy {
    fn default() -> Self {
        Self::with_default(ApprovalMode::Deny)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grants(profile: &AudienceProfile, tool: &str) -> bool {
        profile.tools_mode == GrantMode::All || profile.allowed_tools.iter().any(|t| t == tool)
    }

    /// The published promise is Public ⊆ Team ⊆ Personal; a default that broke it would
    /// give a narrower audience something a wider one lacks.
    #[test]
    fn default_tool_grants_are_monotonic() {
        let profiles = AudienceProfiles::default();
        for tool in PUBLIC_TOOLS.iter().chain(TEAM_EXTRA_TOOLS).chain([&SHELL_TOOL]) {
            if grants(&profiles.public, tool) {
                assert!(grants(&profiles.team, tool), "{tool}: Public has it, Team not");
            }
            if grants(&profiles.team, tool) {
                assert!(grants(&profiles.personal, tool), "{tool}: Team has it, Personal not");
            }
        }
        assert!(!grants(&profiles.team, SHELL_TOOL), "Team must never get the shell by default");
        assert!(grants(&profiles.personal, SHELL_TOOL));
    }

    #[test]
    fn default_approval_modes_follow_the_guide() {
        let profiles = AudienceProfiles::default();
        assert_eq!(profiles.personal.approval_policy.default_mode, ApprovalMode::Auto);
        assert_eq!(profiles.team.approval_policy.default_mode, ApprovalMode::Approval);
        assert_eq!(profiles.public.approval_policy.default_mode, ApprovalMode::Deny);
        for audience in Audience::ALL {
            let profile = profiles.get(audience);
            assert!(profile.allowed_mcp_servers.is_empty(), "{audience:?} starts with an MCP grant");
            assert_eq!(profile.mcp_servers_mode, GrantMode::Allowlist);
        }
    }
}
