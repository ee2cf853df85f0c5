//! The approval gate (the guide's "Approval modes"): whether an admitted call runs on
//! its own (`auto_run`), needs a human, or is denied. Precedence — ToolOverrides →
//! McpServerDefaults → the Personal shell rule → DefaultMode — is written into the
//! policies as `unless` exclusions, so the full set decides exactly as any slice does.

use std::collections::BTreeMap;

use super::{
    Action, GeneratedPolicy, Generator, PolicyEffect, Resource, Rule, SliceKey, group, id_part, quote, tool_uid,
};
use crate::config::{ApprovalMode, Audience, AudienceProfile, SHELL_TOOL};
use crate::json_pointer;
use crate::policy::tool_name::{ToolName, canonical};

impl Generator<'_> {
    pub(super) fn approval(&mut self, audience: Audience, profile: &AudienceProfile) {
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
                ToolName::FirstParty(name) => format!("{a}.tool.{}.{}", id_part(name), mode.key()),
                ToolName::Mcp { server, tool } => {
                    format!("{a}.mcp.{}.{}.{}", id_part(server), id_part(tool), mode.key())
                }
            };
            let pointer = json_pointer::join(&format!("{base}/ToolOverrides"), key);
            let resource = Resource::Eq(tool_uid(tool));
            let p = self.mode_policy(id, *mode, &pointer, resource).of(audience).in_slice(SliceKey::Tool(tool.id()));
            self.push(gated(p, *mode, Vec::new()));
        }
        let excluded = format!("resource in {}", group(&overridden));
        for (server, (mode, key)) in
            stricter_by_name(policy.mcp_server_defaults.iter().map(|(k, m)| (canonical(k), k, *m)))
        {
            self.member("McpServer", &server, &server_defaults);
            let pointer = json_pointer::join(&format!("{base}/McpServerDefaults"), &key);
            let id = format!("{a}.mcp_server.{}.{}", id_part(&server), mode.key());
            let p = self
                .mode_policy(id, mode, &pointer, Resource::Is("Netclaw::McpTool"))
                .of(audience)
                .in_slice(SliceKey::Server(server.clone()))
                .when(vec![format!("context.server == Netclaw::McpServer::{}", quote(&server))]);
            self.push(gated(p, mode, vec![excluded.clone()]));
        }
        let shell = ToolName::FirstParty(SHELL_TOOL.to_owned());
        if audience == Audience::Personal && !overrides.contains_key(&shell) {
            // The Personal fail-closed rule: shell_execute needs approval unless explicitly Auto.
            let mode = ApprovalMode::Approval;
            let id = "personal.tool.shell_execute.fail_closed".to_owned();
            let p = self
                .mode_policy(id, mode, &format!("{base}/ToolOverrides"), Resource::Eq(tool_uid(&shell)))
                .stating("Personal fail-closed rule (shell_execute needs approval unless ToolOverrides says Auto)")
                .of(audience)
                .in_slice(SliceKey::Tool(SHELL_TOOL.to_owned()));
            self.push(gated(p, mode, Vec::new()));
        }
        let mode = policy.default_mode;
        let id = format!("{a}.approval.default.{}", mode.key());
        let p = self.mode_policy(id, mode, &format!("{base}/DefaultMode"), Resource::Any).of(audience);
        let elsewhere = vec![excluded, format!("context.server in {}", group(&server_defaults))];
        self.push(gated(p, mode, elsewhere));
    }

    /// One approval mode as a policy: Auto permits running unasked, Approval forbids it,
    /// Deny forbids the call.
    fn mode_policy(&self, id: String, mode: ApprovalMode, pointer: &str, resource: Resource) -> GeneratedPolicy {
        let (effect, action) = match mode {
            ApprovalMode::Auto => (PolicyEffect::Permit, Action::AutoRun),
            ApprovalMode::Approval => (PolicyEffect::Forbid, Action::AutoRun),
            ApprovalMode::Deny => (PolicyEffect::Forbid, Action::Invoke),
        };
        self.policy(id, Rule::ApprovalMode(mode), pointer, effect, action, resource)
    }
}

/// The calls a higher-precedence rule decides (`exclusions`) are left to it; an
/// Approval forbid also yields to a persisted "approve always".
fn gated(policy: GeneratedPolicy, mode: ApprovalMode, mut exclusions: Vec<String>) -> GeneratedPolicy {
    if mode == ApprovalMode::Approval {
        exclusions.push("context.approvedAlways".to_owned());
    }
    policy.unless(exclusions)
}

/// ToolOverrides by canonical tool. When two keys name one tool (`notion/x`,
/// `notion__x`, `Notion/X`) the stricter mode wins: an ambiguous config must not widen.
fn resolve_overrides(overrides: &BTreeMap<String, ApprovalMode>) -> BTreeMap<ToolName, (ApprovalMode, String)> {
    stricter_by_name(overrides.iter().map(|(key, mode)| (ToolName::parse(key), key, *mode)))
}

/// Modes by the canonical name their keys spell, the stricter one where keys collide;
/// each with the key it came from, for citing.
fn stricter_by_name<'k, N: Ord>(
    entries: impl Iterator<Item = (N, &'k String, ApprovalMode)>,
) -> BTreeMap<N, (ApprovalMode, String)> {
    let strictness = |mode: ApprovalMode| match mode {
        ApprovalMode::Auto => 0,
        ApprovalMode::Approval => 1,
        ApprovalMode::Deny => 2,
    };
    let mut out: BTreeMap<N, (ApprovalMode, String)> = BTreeMap::new();
    for (name, key, mode) in entries {
        let stricter = out.get(&name).is_none_or(|(existing, _)| strictness(mode) > strictness(*existing));
        if stricter {
            out.insert(name, (mode, key.clone()));
        }
    }
    out
}
