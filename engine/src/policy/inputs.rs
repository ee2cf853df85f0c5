//! What decides a call outside Cedar, as entities of the artifacts.
//!
//! The hard-deny rules run on the command before Cedar is asked, persisted approvals
//! are matched against it, and Slack mappings and webhook routes set the audience.
//! None of that is a policy, yet each can turn a denial into an allow. Listing them in
//! `entities.json` (types declared in the schema, attributes only) makes the artifacts
//! show everything that decides, so `policy compile --check` fails when any of it
//! changes and a reviewer sees the change in the diff.

use serde_json::{Value, json};

use crate::config::{ApprovalEntry, Audience, NetclawConfig, ShellMatch, ToolApprovals, WebhookRoute};
use crate::hard_deny::HardDenyRules;

/// The entities, in a fixed order: rules, approvals, channel audiences, routes.
pub(super) fn input_entities(
    config: &NetclawConfig,
    approvals: &ToolApprovals,
    hard_deny: &HardDenyRules,
    routes: &[(String, WebhookRoute)],
) -> Vec<Value> {
    let rules = hard_deny.listing().into_iter().map(|rule| {
        entity(
            "HardDenyRule",
            &rule.id,
            json!({"source": rule.source, "reasonCode": rule.reason.as_str(), "rule": rule.text}),
        )
    });
    let approvals = Audience::ALL.into_iter().flat_map(|audience| {
        approvals.audiences.get(audience).iter().flat_map(move |(tool, entries)| {
            entries.iter().enumerate().map(move |(index, entry)| approval(audience, tool, index, entry))
        })
    });
    let channels = config
        .slack
        .channel_audiences
        .iter()
        .map(|(key, audience)| entity("ChannelAudience", key, json!({"audience": audience.as_str()})));
    // A route is served only when webhooks are on at all.
    let routes = routes.iter().map(|(name, route)| {
        let events = if route.events.is_empty() { "(all)".to_owned() } else { route.events.join(",") };
        let attrs = json!({"enabled": route.enabled && config.webhooks.enabled, "audience": route.audience.as_str(),
            "events": events, "verification": format!("{:?}", route.verification.kind)});
        entity("WebhookRoute", name, attrs)
    });
    rules.chain(approvals).chain(channels).chain(routes).collect()
}

fn approval(audience: Audience, tool: &str, index: usize, entry: &ApprovalEntry) -> Value {
    let id = format!("{}/{tool}/{index}", audience.key());
    let (grants, directory) = match entry {
        ApprovalEntry::Shell(shell) => {
            let kind = match shell.match_kind {
                ShellMatch::TokenPrefix => "commands starting",
                ShellMatch::Exact => "exactly the command",
            };
            (format!("{kind} {:?}", shell.verb_tokens.join(" ")), &shell.directory)
        }
        ApprovalEntry::Tool(grant) => (format!("calls of {:?}", grant.verb), &grant.directory),
    };
    let attrs = json!({
        "audience": audience.as_str(),
        "tool": tool,
        "grants": grants,
        "directory": directory.as_deref().unwrap_or_default(),
        "everywhere": directory.is_none(),
    });
    entity("PersistedApproval", &id, attrs)
}

fn entity(entity_type: &str, id: &str, attrs: Value) -> Value {
    json!({"uid": {"type": format!("Netclaw::{entity_type}"), "id": id}, "attrs": attrs, "parents": []})
}
