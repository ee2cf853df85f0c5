//! `netclaw policy diff`: what a config change grants or takes away, semantically.
//!
//! Both configs are compiled and asked the same questions — every audience, every
//! tool either names (and the first-party catalog), every Slack channel either names —
//! and the answers compared. A change that lets anything run that did not, or run
//! with less friction, widens access: that is what a PR gate wants a reviewer for.

use std::collections::BTreeSet;

use schemars::JsonSchema;
use serde::Serialize;

use super::CompiledPolicy;
use super::permissions::ANY_OTHER_TOOL;
use crate::config::{Audience, PUBLIC_TOOLS, SHELL_TOOL, TEAM_EXTRA_TOOLS};
use crate::decision::{AuthorizeRequest, Decision, Effect, Layer, SlackContext};

#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PolicyDiff {
    /// Whether any change lets something run more freely than before.
    pub widens: bool,
    pub changes: Vec<Change>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    NewlyAllowed,
    NewlyGated,
    NewlyDenied,
    /// A Slack channel now maps to a wider audience (more tools).
    AudienceWidened,
    AudienceNarrowed,
}

#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Change {
    pub kind: ChangeKind,
    pub widens: bool,
    /// `None` for Slack channel entries, which precede any audience.
    pub audience: Option<Audience>,
    /// The tool (`server/*` for any other tool of a server), or `slack:<channel>`.
    pub subject: String,
    pub from: Effect,
    pub to: Effect,
    pub layer: Layer,
    /// The config keys behind the new answer (or the old one, for a denial).
    pub sources: Vec<String>,
    pub policies: Vec<String>,
}

fn rank(effect: Effect) -> u8 {
    match effect {
        Effect::Deny => 0,
        Effect::ApprovalRequired => 1,
        Effect::Allow => 2,
    }
}

pub fn diff(from: &CompiledPolicy, to: &CompiledPolicy) -> PolicyDiff {
    let mut changes = Vec::new();
    for subject in tools(from, to) {
        for audience in Audience::ALL.into_iter().rev() {
            let (before, after) = (from.probe(audience, &subject), to.probe(audience, &subject));
            changes.extend(change(Some(audience), &subject, &before, &after));
        }
    }
    let user = probe_user(from, to);
    for channel in slack_channels(from, to) {
        let request = slack_request(&channel, &user);
        let (before, after) = (from.authorize(&request), to.authorize(&request));
        let admitted = |d: &Decision| !(d.decision == Effect::Deny && d.layer == Layer::ChannelAcl);
        let (b, a) = (
            if admitted(&before) { Effect::Allow } else { Effect::Deny },
            if admitted(&after) { Effect::Allow } else { Effect::Deny },
        );
        // A channel row is about the channel: keep what the channel ACL and the channel's
        // audience mapping cite, not the probe tool's sources.
        let normalised = |compiled: &CompiledPolicy, d: &Decision, effect| {
            let acl = d.policies.iter().filter_map(|id| compiled.record(id)).filter(|r| r.layer == Layer::ChannelAcl);
            let mut sources: Vec<String> = acl.map(|r| r.source.clone()).collect();
            sources.extend(compiled.channel_mapping(&channel, channel == "dm").map(|(source, _)| source));
            sources.dedup();
            Decision { decision: effect, sources, ..d.clone() }
        };
        let subject = format!("slack:{channel}");
        changes.extend(change(None, &subject, &normalised(from, &before, b), &normalised(to, &after, a)));
        if let (Effect::Allow, Effect::Allow, Some(old), Some(new)) = (b, a, before.audience, after.audience)
            && old != new
        {
            let kind = if new > old { ChangeKind::AudienceWidened } else { ChangeKind::AudienceNarrowed };
            changes.push(Change {
                kind,
                widens: new > old,
                audience: Some(new),
                subject,
                from: Effect::Allow,
                to: Effect::Allow,
                layer: Layer::ChannelAcl,
                sources: after.sources.clone(),
                policies: Vec::new(),
            });
        }
    }
    PolicyDiff { widens: changes.iter().any(|c| c.widens), changes }
}

fn change(audience: Option<Audience>, subject: &str, before: &Decision, after: &Decision) -> Option<Change> {
    if before.decision == after.decision {
        return None;
    }
    let widens = rank(after.decision) > rank(before.decision);
    let kind = match after.decision {
        Effect::Allow => ChangeKind::NewlyAllowed,
        Effect::ApprovalRequired => ChangeKind::NewlyGated,
        Effect::Deny => ChangeKind::NewlyDenied,
    };
    // A new denial is explained by what now denies; anything else by what now permits.
    let explaining = after;
    Some(Change {
        kind,
        widens,
        audience,
        subject: subject.to_owned(),
        from: before.decision,
        to: after.decision,
        layer: explaining.layer,
        sources: explaining.sources.clone(),
        policies: explaining.policies.clone(),
    })
}

/// The first-party catalog and every tool either config names.
fn tools(from: &CompiledPolicy, to: &CompiledPolicy) -> BTreeSet<String> {
    let mut all: BTreeSet<String> =
        PUBLIC_TOOLS.iter().chain(TEAM_EXTRA_TOOLS).chain([&SHELL_TOOL]).map(|t| (*t).to_owned()).collect();
    for policy in [from, to] {
        for audience in Audience::ALL {
            let profile = policy.config.tools.audience_profiles.get(audience);
            all.extend(profile.allowed_tools.iter().cloned());
            all.extend(profile.approval_policy.tool_overrides.keys().cloned());
        }
        for (server, tools) in policy.named_mcp_tools() {
            all.extend(tools.iter().map(|t| format!("{server}/{t}")));
            all.insert(format!("{server}/{ANY_OTHER_TOOL}"));
        }
    }
    all.into_iter().map(|t| super::tool_name::ToolName::parse(&t).id()).collect()
}

fn slack_channels(from: &CompiledPolicy, to: &CompiledPolicy) -> BTreeSet<String> {
    let mut channels = BTreeSet::from(["dm".to_owned()]);
    for policy in [from, to] {
        let slack = &policy.config.slack;
        channels.extend(slack.allowed_channel_ids.iter().chain(slack.default_channel_id.as_ref()).cloned());
        channels.extend(slack.channel_audiences.keys().cloned());
    }
    channels
}

/// A user both configs allow if there is one (the first of either allowlist), so the
/// comparison isolates the channel rules.
fn probe_user(from: &CompiledPolicy, to: &CompiledPolicy) -> String {
    let users = |p: &CompiledPolicy| p.config.slack.allowed_user_ids.clone();
    let (before, after) = (users(from), users(to));
    let shared = before.iter().find(|u| after.is_empty() || after.contains(u));
    shared.or(after.first()).or(before.first()).cloned().unwrap_or_default()
}

/// A mentioned message from `user` in `channel`.
fn slack_request(channel: &str, user: &str) -> AuthorizeRequest {
    let is_dm = channel == "dm";
    AuthorizeRequest {
        channel: "slack".to_owned(),
        audience: None,
        slack: Some(SlackContext { channel_id: channel.to_owned(), user_id: user.to_owned(), is_dm, mentioned: true }),
        interactive: true,
        tool: "file_read".to_owned(),
        arguments: serde_json::Map::new(),
        working_directory: None,
        session_directory: None,
    }
}
