//! Effective config → Cedar policies and entities, for humans first.
//!
//! Every policy has a stable `@id` that reads like a sentence
//! (`team.mcp.notion.notion-delete-page.approval`), `@layer`, `@reason` (the reason
//! code a denial by it produces) and `@source` (the config key), and a comment naming
//! where that key's value came from. Lists in the config (allowed tools, servers,
//! channels) compile to group memberships in the entities, so a grant is one line of
//! data rather than one policy; overrides and server defaults, where precedence
//! lives, are one policy each. Order is fixed, so a one-line config change is a
//! small diff.
//!
//! Precedence (ToolOverrides → McpServerDefaults → the Personal shell rule →
//! DefaultMode) is written into the policies as `unless` exclusions, so the full set
//! decides exactly as any slice of it does.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use crate::config::{
    ApprovalMode, Audience, AudienceProfile, EffectiveConfig, GrantMode, SHELL_TOOL, ShellExecutionMode, Source,
};
use crate::decision::Layer;
use crate::json_pointer;
use crate::reason::ReasonCode;

use super::tool_name::ToolName;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    Invoke,
    AutoRun,
    Ask,
    Ingress,
}

impl Action {
    pub const TOOL_ACTIONS: [Action; 3] = [Action::Invoke, Action::AutoRun, Action::Ask];

    pub fn id(self) -> &'static str {
        match self {
            Action::Invoke => "invoke",
            Action::AutoRun => "auto_run",
            Action::Ask => "ask",
            Action::Ingress => "ingress",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyEffect {
    Permit,
    Forbid,
}

/// Which slice a policy belongs to, beyond its principal and action.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SliceKey {
    /// Applies to any tool.
    Any,
    /// Only to tools of this MCP server.
    Server(String),
    /// Only to this tool (canonical id).
    Tool(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedPolicy {
    pub id: String,
    pub layer: Layer,
    pub reason: Option<ReasonCode>,
    /// The config key it was compiled from (dotted).
    pub source: String,
    /// Where that key's value came from (file and pointer, env var, default).
    pub origin: String,
    pub permit: bool,
    pub principal: Option<Audience>,
    pub action: Action,
    pub resource: String,
    /// `when { … }` / `unless { … }`, already rendered.
    pub conditions: Vec<String>,
    pub slice: SliceKey,
}

/// One entity of entities.json: type, id, and the groups it belongs to.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct EntityDecl {
    pub entity_type: &'static str,
    pub id: String,
    pub parents: BTreeSet<String>,
}

#[derive(Debug, Clone, Default)]
pub struct Generated {
    pub policies: Vec<GeneratedPolicy>,
    pub entities: Vec<EntityDecl>,
}

/// A Cedar string literal.
pub fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

pub fn group(id: &str) -> String {
    format!("Netclaw::Group::{}", quote(id))
}

fn audience_uid(audience: Audience) -> String {
    format!("Netclaw::Audience::{}", quote(audience.as_str()))
}

fn tool_uid(tool: &ToolName) -> String {
    format!("Netclaw::{}::{}", tool.entity_type(), quote(&tool.id()))
}

impl GeneratedPolicy {
    /// The policy as Cedar text, with its provenance comment.
    pub fn text(&self) -> String {
        let mut out = format!("// {} — from {}\n", self.source, self.origin);
        let _ = writeln!(out, "@id({})", quote(&self.id));
        let _ = writeln!(out, "@layer({})", quote(self.layer.as_str()));
        if let Some(reason) = self.reason {
            let _ = writeln!(out, "@reason({})", quote(reason.as_str()));
        }
        let _ = writeln!(out, "@source({})", quote(&self.source));
        let principal = self.principal.map_or("principal".to_owned(), |a| format!("principal == {}", audience_uid(a)));
        let action = format!("action == Netclaw::Action::{}", quote(self.action.id()));
        let effect = if self.permit { "permit" } else { "forbid" };
        let _ = write!(out, "{effect} (\n  {principal},\n  {action},\n  {}\n)", self.resource);
        for condition in &self.conditions {
            let _ = write!(out, "\n{condition}");
        }
        out.push_str(";\n");
        out
    }
}

/// Renders `when { a || b }` (or `unless`), dropping it when there is nothing to say.
fn condition(keyword: &str, terms: &[String]) -> Option<String> {
    (!terms.is_empty()).then(|| format!("{keyword} {{ {} }}", terms.join(" || ")))
}

struct Generator<'c> {
    config: &'c EffectiveConfig,
    out: Generated,
    /// Entity (type, id) → parents.
    members: BTreeMap<(&'static str, String), BTreeSet<String>>,
    groups: BTreeSet<String>,
}

pub fn generate(config: &EffectiveConfig) -> Generated {
    let mut generator =
        Generator { config, out: Generated::default(), members: BTreeMap::new(), groups: BTreeSet::new() };
    generator.slack();
    generator.shell();
    for audience in Audience::ALL {
        let profile = config.config.tools.audience_profiles.get(audience);
        generator.tool_access(audience, profile);
        generator.mcp_access(audience, profile);
        generator.approval(audience, profile);
    }
    generator.finish()
}

impl Generator<'_> {
    /// Where the value at a canonical pointer came from, for the policy comment.
    fn origin(&self, pointer: &str) -> String {
        match self.config.provenance.source_of(pointer) {
            Some(Source::File { file, pointer, .. }) => format!("{file} {pointer}"),
            Some(Source::Env { var }) => format!("env {var}"),
            Some(Source::Default) | None => "built-in default".to_owned(),
        }
    }

    fn profile_pointer(audience: Audience, key: &str) -> String {
        format!("/Tools/AudienceProfiles/{}/{key}", audience.as_str())
    }

    fn member(&mut self, entity_type: &'static str, id: &str, group_id: &str) {
        self.groups.insert(group_id.to_owned());
        self.members.entry((entity_type, id.to_owned())).or_default().insert(group_id.to_owned());
    }

    fn push(&mut self, policy: GeneratedPolicy) {
        self.out.policies.push(policy);
    }

    #[expect(clippy::too_many_arguments, reason = "one call site per policy shape reads better than a builder")]
    fn policy(
        &self,
        id: String,
        layer: Layer,
        reason: Option<ReasonCode>,
        pointer: &str,
        effect: PolicyEffect,
        principal: Option<Audience>,
        action: Action,
        resource: String,
        conditions: Vec<Option<String>>,
        slice: SliceKey,
    ) -> GeneratedPolicy {
        GeneratedPolicy {
            id,
            layer,
            reason,
            source: json_pointer::dotted(pointer),
            origin: self.origin(pointer),
            permit: effect == PolicyEffect::Permit,
            principal,
            action,
            resource,
            conditions: conditions.into_iter().flatten().collect(),
            slice,
        }
    }

    fn slack(&mut self) {
        let slack = &self.config.config.slack;
        let channels = group("slack.channels");
        let any = || "resource".to_owned();
        for channel in slack.allowed_channel_ids.iter().chain(slack.default_channel_id.as_ref()) {
            self.member("SlackChannel", channel, "slack.channels");
        }
        for user in &slack.allowed_user_ids {
            self.member("SlackUser", user, "slack.users");
        }
        let acl = Layer::ChannelAcl;
        let mut policies = Vec::new();
        if !slack.enabled {
            policies.push(self.policy(
                "slack.disabled".into(),
                acl,
                Some(ReasonCode::SlackDisabled),
                "/Slack/Enabled",
                PolicyEffect::Forbid,
                None,
                Action::Ingress,
                any(),
                vec![],
                SliceKey::Any,
            ));
        }
        let not_dm = condition("unless", &["context.isDm".to_owned()]);
        policies.push(self.policy(
            "slack.channels.allowed".into(),
            acl,
            None,
            "/Slack/AllowedChannelIds",
            PolicyEffect::Permit,
            None,
            Action::Ingress,
            format!("resource in {channels}"),
            vec![not_dm],
            SliceKey::Any,
        ));
        let outside = condition("unless", &["context.isDm".to_owned(), format!("resource in {channels}")]);
        policies.push(self.policy(
            "slack.channels.not_allowed".into(),
            acl,
            Some(ReasonCode::SlackChannelNotAllowed),
            "/Slack/AllowedChannelIds",
            PolicyEffect::Forbid,
            None,
            Action::Ingress,
            any(),
            vec![outside],
            SliceKey::Any,
        ));
        let dm = condition("when", &["context.isDm".to_owned()]);
        policies.push(if slack.allow_direct_messages {
            self.policy(
                "slack.direct_messages.allowed".into(),
                acl,
                None,
                "/Slack/AllowDirectMessages",
                PolicyEffect::Permit,
                None,
                Action::Ingress,
                any(),
                vec![dm],
                SliceKey::Any,
            )
        } else {
            self.policy(
                "slack.direct_messages.disabled".into(),
                acl,
                Some(ReasonCode::SlackDirectMessagesDisabled),
                "/Slack/AllowDirectMessages",
                PolicyEffect::Forbid,
                None,
                Action::Ingress,
                any(),
                vec![dm],
                SliceKey::Any,
            )
        });
        if slack.mention_only {
            let unmentioned = condition("unless", &["context.mentioned".to_owned(), "context.isDm".to_owned()]);
            policies.push(self.policy(
                "slack.mention_only".into(),
                acl,
                Some(ReasonCode::SlackMentionRequired),
                "/Slack/MentionOnly",
                PolicyEffect::Forbid,
                None,
                Action::Ingress,
                any(),
                vec![unmentioned],
                SliceKey::Any,
            ));
        }
        if !slack.allowed_user_ids.is_empty() {
            let stranger = condition("unless", &[format!("principal in {}", group("slack.users"))]);
            policies.push(self.policy(
                "slack.users.allowlist".into(),
                acl,
                Some(ReasonCode::SlackUserNotAllowed),
                "/Slack/AllowedUserIds",
                PolicyEffect::Forbid,
                None,
                Action::Ingress,
                any(),
                vec![stranger],
                SliceKey::Any,
            ));
        }
        policies.into_iter().for_each(|p| self.push(p));
    }

    /// Effective mode: `Tools.ShellMode` ?? `Security.ShellExecutionMode` ?? posture default.
    fn shell_mode(&self) -> (ShellExecutionMode, &'static str) {
        let config = &self.config.config;
        if let Some(mode) = config.tools.shell_mode {
            return (mode, "/Tools/ShellMode");
        }
        if let Some(mode) = config.security.shell_execution_mode {
            return (mode, "/Security/ShellExecutionMode");
        }
        match config.security.deployment_posture {
            Some(Audience::Personal) => (ShellExecutionMode::HostAllowed, "/Security/DeploymentPosture"),
            _ => (ShellExecutionMode::Off, "/Security/DeploymentPosture"),
        }
    }

    fn shell(&mut self) {
        let shell = tool_uid(&ToolName::FirstParty(SHELL_TOOL.to_owned()));
        let resource = format!("resource == {shell}");
        let grant = Layer::ToolAccessGrant;
        let slice = SliceKey::Tool(SHELL_TOOL.to_owned());
        let (mode, pointer) = self.shell_mode();
        let mut policies = Vec::new();
        match mode {
            ShellExecutionMode::Off => policies.push(self.policy(
                "shell.disabled".into(),
                grant,
                Some(ReasonCode::ShellDisabled),
                pointer,
                PolicyEffect::Forbid,
                None,
                Action::Invoke,
                resource.clone(),
                vec![],
                slice.clone(),
            )),
            ShellExecutionMode::SandboxOnly if self.config.config.security.sandbox_backend.is_none() => {
                policies.push(self.policy(
                    "shell.requires_sandbox_backend".into(),
                    grant,
                    Some(ReasonCode::ShellRequiresSandboxBackend),
                    "/Security/SandboxBackend",
                    PolicyEffect::Forbid,
                    None,
                    Action::Invoke,
                    resource.clone(),
                    vec![],
                    slice.clone(),
                ));
            }
            _ => {}
        }
        let personal = condition("unless", &[format!("principal == {}", audience_uid(Audience::Personal))]);
        policies.push(GeneratedPolicy {
            source: "shell is only ever available to the Personal audience".into(),
            origin: "netclaw's built-in rules".into(),
            ..self.policy(
                "shell.requires_personal_context".into(),
                grant,
                Some(ReasonCode::ShellRequiresPersonalContext),
                "",
                PolicyEffect::Forbid,
                None,
                Action::Invoke,
                resource,
                vec![personal],
                slice,
            )
        });
        policies.into_iter().for_each(|p| self.push(p));
    }

    fn tool_access(&mut self, audience: Audience, profile: &AudienceProfile) {
        let a = audience.key();
        let grant = Layer::ToolAccessGrant;
        let tools_group = format!("{a}.tools");
        self.groups.insert(tools_group.clone());
        let policy = match profile.tools_mode {
            GrantMode::All => {
                let pointer = Self::profile_pointer(audience, "ToolsMode");
                self.policy(
                    format!("{a}.tools.all"),
                    grant,
                    None,
                    &pointer,
                    PolicyEffect::Permit,
                    Some(audience),
                    Action::Invoke,
                    "resource is Netclaw::Tool".into(),
                    vec![],
                    SliceKey::Any,
                )
            }
            GrantMode::Allowlist => {
                for tool in &profile.allowed_tools {
                    self.member("Tool", tool, &tools_group);
                }
                let pointer = Self::profile_pointer(audience, "AllowedTools");
                let not_listed = condition("unless", &[format!("resource in {}", group(&tools_group))]);
                let explainer = self.policy(
                    format!("{a}.tools.not_allowed"),
                    grant,
                    Some(ReasonCode::ToolNotAllowedForAudienceProfile),
                    &pointer,
                    PolicyEffect::Forbid,
                    Some(audience),
                    Action::Invoke,
                    "resource is Netclaw::Tool".into(),
                    vec![not_listed],
                    SliceKey::Any,
                );
                self.push(explainer);
                self.policy(
                    format!("{a}.tools.allowlist"),
                    grant,
                    None,
                    &pointer,
                    PolicyEffect::Permit,
                    Some(audience),
                    Action::Invoke,
                    format!("resource in {}", group(&tools_group)),
                    vec![],
                    SliceKey::Any,
                )
            }
        };
        self.push(policy);
    }

    fn mcp_access(&mut self, audience: Audience, profile: &AudienceProfile) {
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
        let mut allowed: BTreeSet<&str> = profile.allowed_mcp_servers.iter().map(String::as_str).collect();
        if all_servers {
            allowed.extend(profile.mcp_server_tool_grants.keys().map(String::as_str));
        }
        for server in &allowed {
            self.member("McpServer", server, &servers);
            match profile.mcp_server_tool_grants.get(*server) {
                // Server denial beats a tool grant: only allowed servers' lists count.
                Some(granted) => {
                    self.member("McpServer", server, &restricted);
                    for tool in granted {
                        let tool = tool.rsplit('/').next().unwrap_or(tool);
                        self.member("McpTool", &format!("{server}/{tool}"), &tools);
                    }
                }
                None => self.member("McpServer", server, &open),
            }
        }
        let grant = Layer::ToolAccessGrant;
        let is_mcp = || "resource is Netclaw::McpTool".to_owned();
        let servers_pointer =
            Self::profile_pointer(audience, if all_servers { "McpServersMode" } else { "AllowedMcpServers" });
        let grants_pointer = Self::profile_pointer(audience, "McpServerToolGrants");
        let mut policies = Vec::new();
        if all_servers {
            let unrestricted = condition("unless", &[format!("context.server in {}", group(&restricted))]);
            policies.push(self.policy(
                format!("{a}.mcp.servers.all"),
                grant,
                None,
                &servers_pointer,
                PolicyEffect::Permit,
                Some(audience),
                Action::Invoke,
                is_mcp(),
                vec![unrestricted],
                SliceKey::Any,
            ));
        } else {
            let outside = condition("unless", &[format!("context.server in {}", group(&servers))]);
            policies.push(self.policy(
                format!("{a}.mcp.server_not_allowed"),
                grant,
                Some(ReasonCode::McpServerNotAllowedForAudienceProfile),
                &servers_pointer,
                PolicyEffect::Forbid,
                Some(audience),
                Action::Invoke,
                is_mcp(),
                vec![outside],
                SliceKey::Any,
            ));
            let open_server = condition("when", &[format!("context.server in {}", group(&open))]);
            policies.push(self.policy(
                format!("{a}.mcp.open_servers"),
                grant,
                None,
                &servers_pointer,
                PolicyEffect::Permit,
                Some(audience),
                Action::Invoke,
                is_mcp(),
                vec![open_server],
                SliceKey::Any,
            ));
        }
        let restricted_server = condition("when", &[format!("context.server in {}", group(&restricted))]);
        let not_granted = condition("unless", &[format!("resource in {}", group(&tools))]);
        policies.push(self.policy(
            format!("{a}.mcp.tool_not_granted"),
            grant,
            Some(ReasonCode::McpToolNotAllowedForAudienceProfile),
            &grants_pointer,
            PolicyEffect::Forbid,
            Some(audience),
            Action::Invoke,
            is_mcp(),
            vec![restricted_server, not_granted],
            SliceKey::Any,
        ));
        policies.push(self.policy(
            format!("{a}.mcp.tools.granted"),
            grant,
            None,
            &grants_pointer,
            PolicyEffect::Permit,
            Some(audience),
            Action::Invoke,
            format!("resource in {}", group(&tools)),
            vec![],
            SliceKey::Any,
        ));
        policies.into_iter().for_each(|p| self.push(p));
    }

    fn approval(&mut self, audience: Audience, profile: &AudienceProfile) {
        let a = audience.key();
        let policy = &profile.approval_policy;
        let (overridden, server_defaults) =
            (format!("{a}.approval.overridden"), format!("{a}.approval.server_defaults"));
        self.groups.insert(overridden.clone());
        self.groups.insert(server_defaults.clone());
        let overrides = resolve_overrides(&policy.tool_overrides);
        let base = Self::profile_pointer(audience, "ApprovalPolicy");
        for (tool, (mode, key)) in &overrides {
            self.member(tool.entity_type(), &tool.id(), &overridden);
            let id = match tool {
                ToolName::FirstParty(name) => format!("{a}.tool.{name}.{}", mode.key()),
                ToolName::Mcp { server, tool } => format!("{a}.mcp.{server}.{tool}.{}", mode.key()),
            };
            let pointer = json_pointer::join(&format!("{base}/ToolOverrides"), key);
            let resource = format!("resource == {}", tool_uid(tool));
            let slice = SliceKey::Tool(tool.id());
            let p = self.mode_policy(id, *mode, audience, &pointer, resource, vec![], slice);
            self.push(p);
        }
        let excluded = format!("resource in {}", group(&overridden));
        for (server, mode) in &policy.mcp_server_defaults {
            self.member("McpServer", server, &server_defaults);
            let pointer = json_pointer::join(&format!("{base}/McpServerDefaults"), server);
            let on_server = condition("when", &[format!("context.server == Netclaw::McpServer::{}", quote(server))]);
            let p = self.mode_policy(
                format!("{a}.mcp.{server}.default.{}", mode.key()),
                *mode,
                audience,
                &pointer,
                "resource is Netclaw::McpTool".into(),
                vec![on_server, Some(excluded.clone())],
                SliceKey::Server(server.clone()),
            );
            self.push(p);
        }
        let shell = ToolName::FirstParty(SHELL_TOOL.to_owned());
        if audience == Audience::Personal && !overrides.contains_key(&shell) {
            // The Personal fail-closed rule: shell_execute needs approval unless explicitly Auto.
            let p = GeneratedPolicy {
                source: "Personal fail-closed rule (shell_execute needs approval unless ToolOverrides says Auto)"
                    .into(),
                origin: "netclaw's built-in rules".into(),
                ..self.mode_policy(
                    "personal.tool.shell_execute.fail_closed".into(),
                    ApprovalMode::Approval,
                    audience,
                    &format!("{base}/ToolOverrides"),
                    format!("resource == {}", tool_uid(&shell)),
                    vec![],
                    SliceKey::Tool(SHELL_TOOL.to_owned()),
                )
            };
            self.push(p);
        }
        let elsewhere = vec![Some(excluded), Some(format!("context.server in {}", group(&server_defaults)))];
        let p = self.mode_policy(
            format!("{a}.approval.default.{}", policy.default_mode.key()),
            policy.default_mode,
            audience,
            &format!("{base}/DefaultMode"),
            "resource".into(),
            elsewhere,
            SliceKey::Any,
        );
        self.push(p);
    }

    /// One approval mode as a policy. `exclusions` name the calls a higher-precedence
    /// rule decides; an Approval forbid also yields to a persisted "approve always".
    #[expect(clippy::too_many_arguments, reason = "mirrors `policy`")]
    fn mode_policy(
        &self,
        id: String,
        mode: ApprovalMode,
        audience: Audience,
        pointer: &str,
        resource: String,
        mut exclusions: Vec<Option<String>>,
        slice: SliceKey,
    ) -> GeneratedPolicy {
        let gate = Layer::ApprovalGate;
        let (when, rest): (Vec<_>, Vec<_>) = exclusions.drain(..).flatten().partition(|c| c.starts_with("when "));
        let mut conditions: Vec<Option<String>> = when.into_iter().map(Some).collect();
        let mut unless = rest;
        let (effect, action, reason) = match mode {
            ApprovalMode::Auto => (PolicyEffect::Permit, Action::AutoRun, None),
            ApprovalMode::Approval => {
                unless.push("context.approvedAlways".to_owned());
                (PolicyEffect::Forbid, Action::AutoRun, None)
            }
            ApprovalMode::Deny => (PolicyEffect::Forbid, Action::Invoke, Some(ReasonCode::ToolDeniedByApprovalPolicy)),
        };
        conditions.push(condition("unless", &unless));
        self.policy(id, gate, reason, pointer, effect, Some(audience), action, resource, conditions, slice)
    }

    fn finish(mut self) -> Generated {
        let groups: Vec<EntityDecl> = self
            .groups
            .iter()
            .map(|g| EntityDecl { entity_type: "Group", id: g.clone(), parents: BTreeSet::new() })
            .collect();
        let members =
            self.members.into_iter().map(|((entity_type, id), parents)| EntityDecl { entity_type, id, parents });
        self.out.entities = groups.into_iter().chain(members).collect();
        self.out.entities.sort();
        self.out
    }
}

/// ToolOverrides by canonical tool. When two keys name one tool (`notion/x` and
/// `notion__x`) the stricter mode wins: an ambiguous config must not widen access.
fn resolve_overrides(overrides: &BTreeMap<String, ApprovalMode>) -> BTreeMap<ToolName, (ApprovalMode, String)> {
    let strictness = |mode: ApprovalMode| match mode {
        ApprovalMode::Auto => 0,
        ApprovalMode::Approval => 1,
        ApprovalMode::Deny => 2,
    };
    let mut out: BTreeMap<ToolName, (ApprovalMode, String)> = BTreeMap::new();
    for (key, mode) in overrides {
        let tool = ToolName::parse(key);
        let stricter = out.get(&tool).is_none_or(|(existing, _)| strictness(*mode) > strictness(*existing));
        if stricter {
            out.insert(tool, (*mode, key.clone()));
        }
    }
    out
}
