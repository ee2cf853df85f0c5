//! Tool access grants (the guide's "Tool grants" and "MCP"): which tools and MCP
//! servers and tools each audience may use at all, asked as the `invoke` action. A
//! denial here is final: no approval can lift it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use super::{Action, Generator, PolicyEffect, Resource, Rule, SliceKey, audience_uid, group, quote, tool_uid};
use crate::config::{Audience, AudienceProfile, FileAccessMode, GrantMode, SHELL_TOOL, ShellExecutionMode};
use crate::hard_deny::FILE_TOOLS;
use crate::paths::{Access, scope_root};
use crate::policy::tool_name::{ToolName, canonical};

/// Cedar terms that hold when `context.filePath` is `root` or inside it. `like` is
/// Cedar's only prefix test; its one wildcard, `*`, is escaped (`\*`) where the root has one.
fn within(root: &Path) -> Vec<String> {
    let text = root.to_string_lossy();
    let text = text.trim_end_matches('/');
    let literal = quote(text).replace('*', "\\*");
    let open = literal.strip_suffix('"').unwrap_or(&literal);
    let mut terms = vec![format!("context.filePath like {open}/*\"")];
    if !text.is_empty() {
        terms.push(format!("context.filePath == {}", quote(text)));
    }
    terms
}

/// `McpServerToolGrants` by canonical server and tool. Two keys that name one server
/// (`Notion`, `notion`) grant only what both grant: an ambiguous config must not widen.
fn tool_grants(profile: &AudienceProfile) -> BTreeMap<String, BTreeSet<String>> {
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (server, tools) in &profile.mcp_server_tool_grants {
        let tools: BTreeSet<String> = tools.iter().map(|t| canonical(t.rsplit('/').next().unwrap_or(t))).collect();
        let server = canonical(server);
        let merged = match out.remove(&server) {
            Some(earlier) => earlier.intersection(&tools).cloned().collect(),
            None => tools,
        };
        out.insert(server, merged);
    }
    out
}

impl Generator<'_> {
    pub(super) fn shell(&mut self) {
        let shell = Resource::Eq(tool_uid(&ToolName::FirstParty(SHELL_TOOL.to_owned())));
        let slice = SliceKey::Tool(SHELL_TOOL.to_owned());
        let (forbid, invoke) = (PolicyEffect::Forbid, Action::Invoke);
        let (mode, pointer) = self.config.config.shell_mode();
        let mut policies = Vec::new();
        match mode {
            ShellExecutionMode::Off => {
                policies.push(self.policy(
                    "shell.disabled".into(),
                    Rule::ShellDisabled,
                    pointer,
                    forbid,
                    invoke,
                    shell.clone(),
                ));
            }
            ShellExecutionMode::SandboxOnly if self.config.config.security.sandbox_backend.is_none() => {
                let id = "shell.requires_sandbox_backend".to_owned();
                let rule = Rule::ShellRequiresSandboxBackend;
                policies.push(self.policy(id, rule, "/Security/SandboxBackend", forbid, invoke, shell.clone()));
            }
            _ => {}
        }
        let id = "shell.requires_personal_context".to_owned();
        let personal_only = self
            .policy(id, Rule::ShellRequiresPersonalContext, "", forbid, invoke, shell)
            .stating("shell is only ever available to the Personal audience")
            .unless(vec![format!("principal == {}", audience_uid(Audience::Personal))]);
        policies.push(personal_only);
        policies.into_iter().map(|p| p.in_slice(slice.clone())).for_each(|p| self.push(p));
    }

    pub(super) fn tool_access(&mut self, audience: Audience, profile: &AudienceProfile) {
        let a = audience.key();
        let tools_group = format!("{a}.tools");
        self.groups.insert(tools_group.clone());
        let any_tool = || Resource::Is("Netclaw::Tool");
        let policy = match profile.tools_mode {
            GrantMode::All => {
                let pointer = Self::profile_pointer(audience, "ToolsMode");
                self.policy(
                    format!("{a}.tools.all"),
                    Rule::ToolsAll,
                    &pointer,
                    PolicyEffect::Permit,
                    Action::Invoke,
                    any_tool(),
                )
            }
            GrantMode::Allowlist => {
                for tool in &profile.allowed_tools {
                    self.member("Tool", &canonical(tool), &tools_group);
                }
                let pointer = Self::profile_pointer(audience, "AllowedTools");
                let id = format!("{a}.tools.not_allowed");
                let explainer = self
                    .policy(id, Rule::ToolNotAllowed, &pointer, PolicyEffect::Forbid, Action::Invoke, any_tool())
                    .of(audience)
                    .unless(vec![format!("resource in {}", group(&tools_group))]);
                self.push(explainer);
                let listed = Resource::In(group(&tools_group));
                self.policy(
                    format!("{a}.tools.allowlist"),
                    Rule::ToolsAllowlist,
                    &pointer,
                    PolicyEffect::Permit,
                    Action::Invoke,
                    listed,
                )
            }
        };
        self.push(policy.of(audience));
    }

    /// `ReadFiles` / `WriteFiles`: one policy per file tool, so a decision about one
    /// tool only ever evaluates its own. `All` needs none; `None` forbids the tool;
    /// `Roots` forbids it outside the roots and the session's own directory.
    pub(super) fn file_scopes(&mut self, audience: Audience, profile: &AudienceProfile) {
        let a = audience.key();
        for (access, scope, key) in
            [(Access::Read, &profile.read_files, "ReadFiles"), (Access::Write, &profile.write_files, "WriteFiles")]
        {
            let (kind, pointer, inside) = match scope.mode {
                FileAccessMode::All => continue,
                FileAccessMode::None => ("none", Self::profile_pointer(audience, &format!("{key}/Mode")), Vec::new()),
                FileAccessMode::Roots => {
                    let mut inside = vec!["context.inSession".to_owned()];
                    inside.extend(
                        scope
                            .roots
                            .iter()
                            .filter_map(|root| scope_root(root, self.user_home))
                            .flat_map(|root| within(&root)),
                    );
                    ("outside_roots", Self::profile_pointer(audience, &format!("{key}/Roots")), inside)
                }
            };
            let verb = match access {
                Access::Read => "read",
                Access::Write => "write",
            };
            for (tool, _) in FILE_TOOLS.iter().filter(|(_, needs)| *needs == access) {
                let id = format!("{a}.files.{verb}.{tool}.{kind}");
                let resource = Resource::Eq(tool_uid(&ToolName::FirstParty((*tool).to_owned())));
                let p = self
                    .policy(id, Rule::FileScope, &pointer, PolicyEffect::Forbid, Action::Invoke, resource)
                    .of(audience)
                    .in_slice(SliceKey::Tool((*tool).to_owned()))
                    .unless(inside.clone());
                self.push(p);
            }
        }
    }

    pub(super) fn mcp_access(&mut self, audience: Audience, profile: &AudienceProfile) {
        let a = audience.key();
        let (servers, open, restricted, tools) = (
            format!("{a}.mcp.servers"),
            format!("{a}.mcp.open_servers"),
            format!("{a}.mcp.restricted_servers"),
            format!("{a}.mcp.tools"),
        );
        for name in [&servers, &open, &restricted, &tools] {
            self.groups.insert(name.clone());
        }
        let all_servers = profile.mcp_servers_mode == GrantMode::All;
        let grants = tool_grants(profile);
        let mut allowed: BTreeSet<String> = profile.allowed_mcp_servers.iter().map(|s| canonical(s)).collect();
        if all_servers {
            allowed.extend(grants.keys().cloned());
        }
        for server in &allowed {
            self.member("McpServer", server, &servers);
            match grants.get(server) {
                // Server denial beats a tool grant: only allowed servers' lists count.
                Some(granted) => {
                    self.member("McpServer", server, &restricted);
                    for tool in granted {
                        self.member("McpTool", &format!("{server}/{tool}"), &tools);
                    }
                }
                None => self.member("McpServer", server, &open),
            }
        }
        let (permit, forbid, invoke) = (PolicyEffect::Permit, PolicyEffect::Forbid, Action::Invoke);
        let any_mcp = || Resource::Is("Netclaw::McpTool");
        let servers_pointer =
            Self::profile_pointer(audience, if all_servers { "McpServersMode" } else { "AllowedMcpServers" });
        let grants_pointer = Self::profile_pointer(audience, "McpServerToolGrants");
        let mut policies = Vec::new();
        if all_servers {
            let all = self.policy(
                format!("{a}.mcp.servers.all"),
                Rule::McpServersAll,
                &servers_pointer,
                permit,
                invoke,
                any_mcp(),
            );
            policies.push(all.unless(vec![format!("context.server in {}", group(&restricted))]));
        } else {
            let id = format!("{a}.mcp.server_not_allowed");
            let outside = self.policy(id, Rule::McpServerNotAllowed, &servers_pointer, forbid, invoke, any_mcp());
            policies.push(outside.unless(vec![format!("context.server in {}", group(&servers))]));
            let open_server = self.policy(
                format!("{a}.mcp.open_servers"),
                Rule::McpOpenServers,
                &servers_pointer,
                permit,
                invoke,
                any_mcp(),
            );
            policies.push(open_server.when(vec![format!("context.server in {}", group(&open))]));
        }
        let id = format!("{a}.mcp.tool_not_granted");
        let not_granted = self
            .policy(id, Rule::McpToolNotGranted, &grants_pointer, forbid, invoke, any_mcp())
            .when(vec![format!("context.server in {}", group(&restricted))])
            .unless(vec![format!("resource in {}", group(&tools))]);
        policies.push(not_granted);
        let granted = Resource::In(group(&tools));
        policies.push(self.policy(
            format!("{a}.mcp.tools.granted"),
            Rule::McpToolsGranted,
            &grants_pointer,
            permit,
            invoke,
            granted,
        ));
        policies.into_iter().map(|p| p.of(audience)).for_each(|p| self.push(p));
    }
}
