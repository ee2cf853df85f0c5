//! `netclaw mcp permissions`: per audience, each MCP server and tool, whether it is
//! granted, its approval mode, and why — every answer from the authorizer itself.

use std::collections::{BTreeSet, HashMap};

use schemars::JsonSchema;
use serde::Serialize;

use super::authorize::CallClass;
use super::tool_name::ToolName;
use super::{CompiledPolicy, PolicyKind, Rule};
use crate::config::Audience;
use crate::cores::on_both_cores;
use crate::decision::{AuthorizeRequest, Decision, Effect, Layer};
use crate::reason::ReasonCode;

/// Stands for "a tool of this server that no config names".
pub const ANY_OTHER_TOOL: &str = "*";

#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AudiencePermissions {
    pub audience: Audience,
    pub servers: Vec<ServerPermissions>,
}

#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ServerPermissions {
    pub server: String,
    pub allowed: bool,
    pub tools: Vec<ToolPermission>,
}

/// How a granted tool runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
pub enum Mode {
    Auto,
    Approval,
    Deny,
}

#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ToolPermission {
    /// The tool's name on the server, or `*` for any tool no config names.
    pub tool: String,
    pub granted: bool,
    /// The approval mode, for a granted tool.
    pub mode: Option<Mode>,
    pub policies: Vec<String>,
    pub sources: Vec<String>,
}

impl CompiledPolicy {
    /// The decision an interactive caller of `audience` gets for `tool`.
    pub(crate) fn probe(&self, audience: Audience, tool: &str) -> Decision {
        self.authorize_as(audience, &self.probe_request(audience, tool))
    }

    /// [`permission_mode`] of each probe, asked on both cores, and once per
    /// [`CallClass`]: in a large config most MCP tools are set apart by nothing but
    /// their name, and doctor would otherwise ask Cedar about each of them three times.
    pub(crate) fn probe_modes(&self, asked: &[(Audience, &str)]) -> Vec<Option<Mode>> {
        let classes = on_both_cores(asked, |(a, t)| self.call_class(&self.probe_request(*a, t), *a));
        let mut class_index: HashMap<CallClass<'_>, usize> = HashMap::new();
        let mut questions: Vec<(Audience, &str)> = Vec::new();
        let mut answer_of = Vec::with_capacity(asked.len());
        for (probe, class) in asked.iter().zip(classes) {
            let mut ask = || {
                questions.push(*probe);
                questions.len() - 1
            };
            let index = match class {
                Some(class) => *class_index.entry(class).or_insert_with(ask),
                None => ask(),
            };
            answer_of.push(index);
        }
        let answers = on_both_cores(&questions, |(a, t)| permission_mode(&self.probe(*a, t)));
        answer_of.into_iter().map(|i| answers.get(i).copied().flatten()).collect()
    }

    fn probe_request(&self, audience: Audience, tool: &str) -> AuthorizeRequest {
        // The shell is asked about a harmless command: with none, hard deny would answer.
        let mut arguments = serde_json::Map::new();
        let name = ToolName::parse(tool);
        if name == ToolName::FirstParty(crate::config::SHELL_TOOL.to_owned()) {
            arguments.insert("command".to_owned(), "true".into());
        }
        // A file tool is asked about a file it may reach, if any: without a path every
        // file call is denied, which would read as "not granted" for a tool granted
        // under `Roots` (`Roots: ["/"]` is all of the disk).
        if let ToolName::FirstParty(first_party) = &name
            && let Some(access) = crate::hard_deny::file_tool_access(first_party)
        {
            arguments.insert("path".to_owned(), self.probe_path(audience, access).into());
        }
        AuthorizeRequest {
            channel: "tui".to_owned(),
            audience: None,
            slack: None,
            interactive: true,
            tool: tool.to_owned(),
            arguments,
            working_directory: None,
            session_directory: None,
            session_id: None,
        }
    }

    /// A file inside the audience's first root for `access`, or anywhere under `All`.
    fn probe_path(&self, audience: Audience, access: crate::paths::Access) -> String {
        let profile = self.config.tools.audience_profiles.get(audience);
        let files = match access {
            crate::paths::Access::Read => &profile.read_files,
            crate::paths::Access::Write => &profile.write_files,
        };
        let root = (files.mode == crate::config::FileAccessMode::Roots).then(|| files.roots.first()).flatten();
        let Some(root) = root else { return "/srv/netclaw-probe/file".to_owned() };
        let expanded = match (root.strip_prefix('~'), self.paths.user_home()) {
            (Some(rest), Some(home)) => format!("{}{rest}", home.display()),
            _ => root.clone(),
        };
        format!("{}/netclaw-probe", expanded.trim_end_matches('/'))
    }

    /// Every MCP server and tool any part of the config names, by server.
    pub(crate) fn named_mcp_tools(&self) -> Vec<(String, BTreeSet<String>)> {
        let mut servers: std::collections::BTreeMap<String, BTreeSet<String>> = Default::default();
        for audience in Audience::ALL {
            let profile = self.config.tools.audience_profiles.get(audience);
            let policy = &profile.approval_policy;
            let named = profile.allowed_mcp_servers.iter().chain(policy.mcp_server_defaults.keys());
            for server in named.chain(profile.mcp_server_tool_grants.keys()) {
                servers.entry(server.clone()).or_default();
            }
            for (server, tools) in &profile.mcp_server_tool_grants {
                let names = tools.iter().map(|t| t.rsplit('/').next().unwrap_or(t).to_owned());
                servers.entry(server.clone()).or_default().extend(names);
            }
            for key in policy.tool_overrides.keys() {
                if let ToolName::Mcp { server, tool } = ToolName::parse(key) {
                    servers.entry(server).or_default().insert(tool);
                }
            }
        }
        servers.into_iter().collect()
    }

    pub fn mcp_permissions(&self, only: Option<Audience>) -> Vec<AudiencePermissions> {
        let named = self.named_mcp_tools();
        Audience::ALL
            .into_iter()
            .rev()
            .filter(|a| only.is_none_or(|o| o == *a))
            .map(|audience| AudiencePermissions {
                audience,
                servers: named.iter().map(|(server, tools)| self.server_permissions(audience, server, tools)).collect(),
            })
            .collect()
    }

    fn server_permissions(&self, audience: Audience, server: &str, tools: &BTreeSet<String>) -> ServerPermissions {
        let all = tools.iter().map(String::as_str).chain([ANY_OTHER_TOOL]);
        let tools: Vec<ToolPermission> =
            all.map(|tool| permission(tool, &self.probe(audience, &format!("{server}/{tool}")))).collect();
        let server_rule = PolicyKind::Generated(Rule::McpServerNotAllowed);
        let server_denied = |p: &ToolPermission| {
            !p.granted && p.policies.iter().any(|id| self.record(id).is_some_and(|r| r.kind == server_rule))
        };
        let allowed = !tools.iter().all(server_denied);
        ServerPermissions { server: server.to_owned(), allowed, tools }
    }
}

/// The approval mode a probe's decision shows; `None` when the tool is not granted.
pub(crate) fn permission_mode(decision: &Decision) -> Option<Mode> {
    let admitted = !(decision.decision == Effect::Deny && decision.layer <= Layer::ToolAccessGrant);
    match (decision.decision, decision.reason_code) {
        _ if !admitted => None,
        (Effect::Allow, _) => Some(Mode::Auto),
        (Effect::ApprovalRequired, _) | (Effect::Deny, Some(ReasonCode::ApprovalRequiredUnattended)) => {
            Some(Mode::Approval)
        }
        (Effect::Deny, _) => Some(Mode::Deny),
    }
}

fn permission(tool: &str, decision: &Decision) -> ToolPermission {
    let mode = permission_mode(decision);
    ToolPermission {
        tool: tool.to_owned(),
        granted: mode.is_some(),
        mode,
        policies: decision.policies.clone(),
        sources: decision.sources.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{EnvVar, HomeConfig};
    use crate::home::HomeFiles;
    use crate::paths::ProtectedPaths;

    const CONFIG: &str = r#"{
        "Security": {"DeploymentPosture": "Team"},
        "Tools": {"AudienceProfiles": {
            "Personal": {"AllowedMcpServers": ["alpha", "beta"], "McpServerToolGrants": {"alpha": ["read", "delete"]}},
            "Team": {
                "AllowedMcpServers": ["alpha", "beta"],
                "McpServerToolGrants": {"alpha": ["read", "write", "delete"], "beta": ["x"]},
                "ApprovalPolicy": {"DefaultMode": "Approval", "ToolOverrides": {"alpha/write": "Auto"},
                                   "McpServerDefaults": {"beta": "Auto"}}},
            "Public": {"ApprovalPolicy": {"DefaultMode": "Deny"}}}}}"#;

    /// Team may call `alpha/read` anywhere without asking.
    const APPROVALS: &str = r#"{"version": 3, "audiences": {"team": {"alpha/read": [
        {"verb": "alpha/read", "directory": null, "createdAt": "2026-11-01T00:00:00Z"}]}}}"#;

    fn compiled(dir: &std::path::Path) -> CompiledPolicy {
        compiled_from(dir, CONFIG, APPROVALS)
    }

    pub(super) fn compiled_from(dir: &std::path::Path, config: &str, approvals: &str) -> CompiledPolicy {
        let files = HomeFiles::empty().with_netclaw(config).with_tool_approvals(approvals);
        let home = HomeConfig::load(&files, &[] as &[EnvVar]);
        CompiledPolicy::compile(&home, ProtectedPaths::new(dir, None)).unwrap_or_else(|e| unreachable!("{e}"))
    }

    fn class<'p>(policy: &'p CompiledPolicy, audience: Audience, tool: &str) -> Option<CallClass<'p>> {
        policy.call_class(&policy.probe_request(audience, tool), audience)
    }

    #[test]
    fn probes_asked_once_per_class_get_every_probe_its_own_answer() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let policy = compiled(dir.path());
        let tools = [
            "alpha/read",
            "alpha/write",
            "alpha/delete",
            "alpha/other",
            "alpha/*",
            "beta/x",
            "beta/y",
            "beta/*",
            "gamma/z",
            "gamma/*",
            "web_fetch",
            "Alpha/Read",
            "ALPHA/delete",
            "Beta/Y",
        ];
        let asked: Vec<(Audience, &str)> = Audience::ALL.iter().flat_map(|a| tools.map(|t| (*a, t))).collect();
        let one_by_one: Vec<Option<Mode>> = asked.iter().map(|(a, t)| permission_mode(&policy.probe(*a, t))).collect();
        assert_eq!(policy.probe_modes(&asked), one_by_one);
        // Each distinction the class draws changes an answer here.
        let team = |tool| permission_mode(&policy.probe(Audience::Team, tool));
        assert_eq!(
            (team("alpha/read"), team("alpha/delete"), team("alpha/other")),
            (Some(Mode::Auto), Some(Mode::Approval), None)
        );
        assert_ne!(
            class(&policy, Audience::Team, "alpha/read"),
            class(&policy, Audience::Team, "alpha/delete"),
            "approved"
        );
        assert_ne!(
            class(&policy, Audience::Team, "alpha/delete"),
            class(&policy, Audience::Team, "alpha/other"),
            "granted"
        );
        assert_eq!(class(&policy, Audience::Team, "alpha/write"), None, "a policy of its own");
        assert_eq!(class(&policy, Audience::Team, "web_fetch"), None, "first-party");
        assert_eq!(class(&policy, Audience::Team, "alpha/réad"), None, "not a plain name");
        // And the classes do fold: two granted tools of one server are asked once.
        let read = class(&policy, Audience::Personal, "alpha/read");
        assert!(read.is_some() && read == class(&policy, Audience::Personal, "alpha/delete"));
        assert_ne!(read, class(&policy, Audience::Personal, "beta/y"), "another server");
        // Another spelling of a tool is the same tool, approval and all.
        assert_eq!(class(&policy, Audience::Team, "Alpha/Read"), class(&policy, Audience::Team, "alpha/read"));
        assert_ne!(class(&policy, Audience::Team, "ALPHA/READ"), class(&policy, Audience::Team, "alpha/delete"));
        Ok(())
    }
}

/// Folding probes into classes must never change an answer, whatever the config.
#[cfg(test)]
mod folding {
    use proptest::prelude::*;
    use serde_json::{Value, json};

    use super::tests::compiled_from;
    use super::*;

    const SERVERS: [&str; 3] = ["alpha", "beta", "gamma"];
    const TOOLS: [&str; 4] = ["read", "write", "delete_page", "send"];
    const MODES: [&str; 3] = ["Auto", "Approval", "Deny"];

    fn server_tool() -> impl Strategy<Value = String> {
        (0..SERVERS.len(), 0..TOOLS.len()).prop_map(|(s, t)| format!("{}/{}", SERVERS[s], TOOLS[t]))
    }

    fn profile() -> impl Strategy<Value = Value> {
        let servers = proptest::sample::subsequence(SERVERS.to_vec(), 0..=SERVERS.len());
        let grants = proptest::collection::btree_map(
            proptest::sample::select(SERVERS.to_vec()),
            proptest::sample::subsequence(TOOLS.to_vec(), 0..=TOOLS.len()),
            0..=2,
        );
        let overrides = proptest::collection::btree_map(server_tool(), proptest::sample::select(MODES.to_vec()), 0..=3);
        let defaults = proptest::collection::btree_map(
            proptest::sample::select(SERVERS.to_vec()),
            proptest::sample::select(MODES.to_vec()),
            0..=2,
        );
        (servers, any::<bool>(), grants, proptest::sample::select(MODES.to_vec()), overrides, defaults).prop_map(
            |(servers, all, grants, default, overrides, defaults)| {
                json!({
                    "AllowedMcpServers": servers,
                    "McpServersMode": if all { "All" } else { "Allowlist" },
                    "McpServerToolGrants": grants,
                    "ApprovalPolicy": {"DefaultMode": default, "ToolOverrides": overrides, "McpServerDefaults": defaults}
                })
            },
        )
    }

    /// Approvals for random tools, some covering everywhere, some one directory.
    fn approvals() -> impl Strategy<Value = Value> {
        let entry = (server_tool(), any::<bool>()).prop_map(|(tool, everywhere)| {
            let directory = if everywhere { Value::Null } else { json!("/srv/project") };
            (tool.clone(), json!({"verb": tool, "directory": directory, "createdAt": "2026-11-01T00:00:00Z"}))
        });
        proptest::collection::vec((proptest::sample::select(vec!["personal", "team", "public"]), entry), 0..=4)
            .prop_map(|entries| {
                let mut audiences = serde_json::Map::new();
                for (audience, (tool, entry)) in entries {
                    let by_tool = audiences.entry(audience).or_insert_with(|| json!({}));
                    let list = by_tool.as_object_mut().map(|m| m.entry(tool).or_insert_with(|| json!([])));
                    list.and_then(Value::as_array_mut).into_iter().for_each(|l| l.push(entry.clone()));
                }
                json!({"version": 3, "audiences": audiences})
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]
        #[test]
        fn every_folded_answer_is_the_probes_own(
            posture in proptest::sample::select(vec!["Personal", "Team", "Public"]),
            profiles in (profile(), profile(), profile()),
            approvals in approvals(),
        ) {
            let config = json!({
                "Security": {"DeploymentPosture": posture},
                "Tools": {"AudienceProfiles": {"Personal": profiles.0, "Team": profiles.1, "Public": profiles.2}}
            });
            let dir = tempfile::tempdir().map_err(|e| TestCaseError::fail(e.to_string()))?;
            let policy = compiled_from(dir.path(), &config.to_string(), &approvals.to_string());
            let tools: Vec<String> = SERVERS
                .iter()
                .flat_map(|s| TOOLS.iter().chain(&[ANY_OTHER_TOOL]).map(move |t| format!("{s}/{t}")))
                .chain(["delta/read".to_owned(), "web_fetch".to_owned()])
                .collect();
            let asked: Vec<(Audience, &str)> =
                Audience::ALL.iter().flat_map(|a| tools.iter().map(move |t| (*a, t.as_str()))).collect();
            let one_by_one: Vec<Option<Mode>> =
                asked.iter().map(|(a, t)| permission_mode(&policy.probe(*a, t))).collect();
            prop_assert_eq!(policy.probe_modes(&asked), one_by_one);
        }
    }
}
