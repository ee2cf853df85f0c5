//! Tool Audience Profiles: overly permissive grants, and keys that refer to nothing.
//!
//! The grants are read from the compiled policy set, asking the authorizer itself (the
//! answers `netclaw mcp permissions` gives), not from a second reading of the JSON:
//! `Auto` on a destructive-sounding tool for Team or Public, a Public default other
//! than `Deny` while webhook routes (unattended, from outside) run as Public, and a
//! narrower audience granted more than a broader one.
//!
//! An override, a server default or a grant list for a server or tool the audience
//! cannot reach never applies, and says nothing when it does not: almost always a
//! misspelling or a server left out of `AllowedMcpServers`. Each is a warning with the
//! key's place; the config still loads (the key is harmless, only useless).

use crate::config::{
    Audience, AudienceProfile, EffectiveConfig, GrantMode, PUBLIC_TOOLS, SHELL_TOOL, TEAM_EXTRA_TOOLS,
};
use crate::diagnostic::{Diagnostic, Location, Problem};
use crate::doctor::{Check, CheckOutcome, DoctorContext, Finding, place};
use crate::json_pointer;
use crate::policy::{ANY_OTHER_TOOL, CompiledPolicy, Mode, ToolName, canonical};

/// Words in a tool name that say it changes or sends something.
const DESTRUCTIVE: [&str; 16] = [
    "delete", "drop", "destroy", "remove", "write", "exec", "send", "update", "create", "edit", "move", "kill",
    "purge", "truncate", "post", "publish",
];

#[derive(Debug)]
pub(crate) struct ToolAudienceProfiles;

impl Check for ToolAudienceProfiles {
    fn id(&self) -> &'static str {
        "tool-audience-profiles"
    }

    fn name(&self) -> &'static str {
        "Tool Audience Profiles"
    }

    fn reads_policies(&self) -> bool {
        true
    }

    fn run(&self, context: &DoctorContext<'_>) -> CheckOutcome {
        let Ok(config) = &context.config.config else {
            return CheckOutcome::skipped();
        };
        let mut findings = Vec::new();
        if let Ok(policy) = context.compiled() {
            let tools = tools_named(policy);
            let asked: Vec<(Audience, &str)> =
                Audience::ALL.iter().flat_map(|a| tools.iter().map(move |t| (*a, t.as_str()))).collect();
            let mut answers = context.tool_modes(policy, &asked).into_iter();
            let modes: Modes =
                Audience::ALL.iter().map(|a| (*a, answers.by_ref().take(tools.len()).collect())).collect();
            findings.extend(auto_on_destructive(config, &tools, &modes));
            findings.extend(narrower_granted_more(config, &tools, &modes));
            findings.extend(public_default_for_webhooks(context, config));
        }
        findings.extend(Audience::ALL.into_iter().flat_map(|a| dangling_keys(config, a)).map(|d| Finding::from(&d)));
        CheckOutcome::found(
            findings,
            "no audience gets more than a broader one, nothing destructive runs unasked for Team or Public, every key applies",
            "narrow the grants named below; correct or remove keys that refer to nothing",
        )
    }
}

/// Every first-party tool, and every MCP tool the config names (with `*` for the
/// tools of a server no config names), as `server/tool`.
fn tools_named(policy: &CompiledPolicy) -> Vec<String> {
    let first_party = PUBLIC_TOOLS.iter().chain(TEAM_EXTRA_TOOLS).chain([&SHELL_TOOL]).map(|t| (*t).to_owned());
    let mcp = policy.named_mcp_tools().into_iter().flat_map(|(server, tools)| {
        tools.into_iter().chain([ANY_OTHER_TOOL.to_owned()]).map(move |tool| format!("{server}/{tool}"))
    });
    let mut seen = std::collections::HashSet::new();
    // `Notion` and `notion` name one server: ask about each tool once.
    first_party.chain(mcp).filter(|tool| seen.insert(ToolName::parse(tool).id())).collect()
}

/// Per audience, the mode of each tool of [`tools_named`], in its order.
type Modes = Vec<(Audience, Vec<Option<Mode>>)>;

fn modes_of(modes: &Modes, audience: Audience) -> &[Option<Mode>] {
    modes.iter().find(|(a, _)| *a == audience).map_or(&[], |(_, m)| m.as_slice())
}

/// How much a grant allows: none < Deny < Approval < Auto.
fn rank(mode: Option<Mode>) -> u8 {
    match mode {
        None => 0,
        Some(Mode::Deny) => 1,
        Some(Mode::Approval) => 2,
        Some(Mode::Auto) => 3,
    }
}

fn auto_on_destructive(config: &EffectiveConfig, tools: &[String], modes: &Modes) -> Vec<Finding> {
    let mut out = Vec::new();
    for audience in [Audience::Public, Audience::Team] {
        for (tool, mode) in tools.iter().zip(modes_of(modes, audience)) {
            let name = tool.rsplit(['/', '_', '-']).collect::<Vec<_>>().join(" ").to_ascii_lowercase();
            let Some(word) = DESTRUCTIVE.iter().find(|w| name.split(' ').any(|part| part.starts_with(*w))) else {
                continue;
            };
            if *mode != Some(Mode::Auto) || tool.ends_with(ANY_OTHER_TOOL) {
                continue;
            }
            let message =
                format!("{} runs `{tool}` without asking, and its name says it may {word}", audience.as_str());
            let help = format!("set its mode to `Approval` (or `Deny`) for {}", audience.as_str());
            let finding = if audience == Audience::Public {
                Finding::error("auto-on-destructive-tool", approval_place(config, audience, tool), message)
            } else {
                Finding::warning("auto-on-destructive-tool", approval_place(config, audience, tool), message)
            };
            out.push(finding.with_help(help));
        }
    }
    out
}

fn narrower_granted_more(config: &EffectiveConfig, tools: &[String], modes: &Modes) -> Vec<Finding> {
    let mut out = Vec::new();
    for pair in Audience::ALL.windows(2) {
        let [narrow, broad] = pair else { continue };
        for (i, tool) in tools.iter().enumerate() {
            let (Some(n), Some(b)) = (modes_of(modes, *narrow).get(i), modes_of(modes, *broad).get(i)) else {
                continue;
            };
            if rank(*n) <= rank(*b) {
                continue;
            }
            let say = |m: &Option<Mode>| m.map_or("nothing (not granted)".to_owned(), |m| format!("{m:?}"));
            let message = format!(
                "{} gets `{tool}` as {}, but the broader {} gets {}",
                narrow.as_str(),
                say(n),
                broad.as_str(),
                say(b)
            );
            out.push(
                Finding::warning("narrower-audience-granted-more", approval_place(config, *narrow, tool), message)
                    .with_help(format!("grant {} no more than {}", narrow.as_str(), broad.as_str())),
            );
        }
    }
    out
}

/// Webhook deliveries run unattended as their route's audience (Public by default):
/// a Public default other than `Deny` lets any tool Public can reach run from outside.
fn public_default_for_webhooks(context: &DoctorContext<'_>, config: &EffectiveConfig) -> Option<Finding> {
    let default = config.config.tools.audience_profiles.public.approval_policy.default_mode;
    let routes = &context.config.webhook_routes.routes;
    let public_routes: Vec<&str> =
        routes.iter().filter(|(_, r)| r.enabled && r.audience == Audience::Public).map(|(n, _)| n.as_str()).collect();
    if default == crate::config::ApprovalMode::Deny || public_routes.is_empty() {
        return None;
    }
    let pointer = "/Tools/AudienceProfiles/Public/ApprovalPolicy/DefaultMode";
    let message = format!(
        "Public's `DefaultMode` is `{default:?}` while webhook route(s) {} run as Public, unattended",
        public_routes.join(", ")
    );
    Some(
        Finding::warning("public-default-not-deny", place(config, pointer), message)
            .with_help("set it to `Deny` and allow what the routes need with `ToolOverrides`"),
    )
}

/// The key that sets a tool's mode, by the gate's precedence: its override, its
/// server's default, or the audience's `DefaultMode`.
fn approval_place(config: &EffectiveConfig, audience: Audience, tool: &str) -> Location {
    let base = format!("/Tools/AudienceProfiles/{}/ApprovalPolicy", audience.as_str());
    let policy = &config.config.tools.audience_profiles.get(audience).approval_policy;
    let wanted = ToolName::parse(tool);
    if let Some(key) = policy.tool_overrides.keys().find(|k| ToolName::parse(k) == wanted) {
        return place(config, &json_pointer::join(&format!("{base}/ToolOverrides"), key));
    }
    if let ToolName::Mcp { server, .. } = &wanted
        && let Some(key) = policy.mcp_server_defaults.keys().find(|k| canonical(k) == *server)
    {
        return place(config, &json_pointer::join(&format!("{base}/McpServerDefaults"), key));
    }
    place(config, &format!("{base}/DefaultMode"))
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
