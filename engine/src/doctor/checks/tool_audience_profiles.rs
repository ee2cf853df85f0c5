//! Tool Audience Profiles: keys of the audience profiles that refer to nothing.
//!
//! An override, a server default or a grant list for a server or tool the audience
//! cannot reach never applies, and says nothing when it does not: almost always a
//! misspelling or a server left out of `AllowedMcpServers`. Each is a warning with the
//! key's place; the config still loads (the key is harmless, only useless).

use crate::config::{Audience, AudienceProfile, EffectiveConfig, GrantMode};
use crate::diagnostic::{Diagnostic, Problem};
use crate::doctor::{Check, CheckOutcome, DoctorContext, Finding};
use crate::json_pointer;
use crate::policy::{ToolName, canonical};

#[derive(Debug)]
pub(crate) struct ToolAudienceProfiles;

impl Check for ToolAudienceProfiles {
    fn id(&self) -> &'static str {
        "tool-audience-profiles"
    }

    fn name(&self) -> &'static str {
        "Tool Audience Profiles"
    }

    fn run(&self, context: &DoctorContext<'_>) -> CheckOutcome {
        let Ok(config) = &context.config.config else {
            return CheckOutcome::skipped();
        };
        let findings: Vec<Finding> = Audience::ALL
            .into_iter()
            .flat_map(|audience| dangling_keys(config, audience))
            .map(|d| Finding::from(&d))
            .collect();
        let message = match findings.len() {
            0 => "every override, server default and grant list names something the audience can use".to_owned(),
            n => format!("{n} key(s) refer to nothing the audience can use, so they never apply"),
        };
        let remediation = (!findings.is_empty())
            .then(|| "correct the name, allow the server in AllowedMcpServers, or remove the key".to_owned());
        CheckOutcome { message, remediation, findings }
    }
}

fn dangling_keys(config: &EffectiveConfig, audience: Audience) -> Vec<Diagnostic> {
    let profile = config.config.tools.audience_profiles.get(audience);
    let base = format!("/Tools/AudienceProfiles/{}", audience.as_str());
    let policy = &profile.approval_policy;
    let mut out = Vec::new();
    let mut warn = |map: &str, key: &str, why: String| {
        let pointer = json_pointer::join(&format!("{base}/{map}"), key);
        let problem = Problem::KeyRefersToNothing { key: json_pointer::dotted(&pointer), why };
        out.push(Diagnostic::warning(config.locate(&pointer), problem));
    };
    for key in policy.tool_overrides.keys() {
        match ToolName::parse(key) {
            ToolName::Mcp { server, .. } if !server_allowed(profile, &server) => {
                warn("ApprovalPolicy/ToolOverrides", key, unreachable_server(audience, &server));
            }
            ToolName::FirstParty(tool) if !first_party_granted(profile, &tool) => {
                warn("ApprovalPolicy/ToolOverrides", key, format!("{} may not use `{tool}`", audience.as_str()));
            }
            _ => {}
        }
    }
    for server in policy.mcp_server_defaults.keys().filter(|s| !server_allowed(profile, s)) {
        warn("ApprovalPolicy/McpServerDefaults", server, unreachable_server(audience, &canonical(server)));
    }
    for server in profile.mcp_server_tool_grants.keys().filter(|s| !server_allowed(profile, s)) {
        warn("McpServerToolGrants", server, unreachable_server(audience, &canonical(server)));
    }
    out
}

fn unreachable_server(audience: Audience, server: &str) -> String {
    format!("{} may not use MCP server `{server}` (it is not in AllowedMcpServers)", audience.as_str())
}

/// Whether the audience may reach a server at all.
fn server_allowed(profile: &AudienceProfile, server: &str) -> bool {
    let server = canonical(server);
    profile.mcp_servers_mode == GrantMode::All || profile.allowed_mcp_servers.iter().any(|s| canonical(s) == server)
}

/// Whether a first-party tool is one the audience may use. Under `ToolsMode: All` any
/// name may be a tool netclaw has, so nothing is reported.
fn first_party_granted(profile: &AudienceProfile, tool: &str) -> bool {
    profile.tools_mode == GrantMode::All || profile.allowed_tools.iter().any(|t| canonical(t) == tool)
}
