//! What decides a call outside Cedar, as entities of the artifacts.
//!
//! The hard-deny rules run on the command before Cedar is asked, persisted approvals
//! are matched against it, and Slack mappings and webhook routes set the audience.
//! None of that is a policy, yet each can turn a denial into an allow. Listing them in
//! `entities.json` (types declared in the schema, attributes only) makes the artifacts
//! show everything that decides, so `policy compile --check` fails when any of it
//! changes and a reviewer sees the change in the diff.
//!
//! Kept typed and serialised when asked for: a large home has tens of thousands of
//! them, and as JSON values they took more memory and time than the rest of their
//! compiled set's bookkeeping (every compile builds them; only the digest, the
//! artifacts and `policy diff` read them).

use serde::Serialize;
use serde_json::Value;

use crate::config::{ApprovalEntry, Audience, NetclawConfig, ShellMatch, ToolApprovals, WebhookRoute};
use crate::hard_deny::HardDenyRules;

/// One entity of `entities.json`, serialised exactly as its JSON is written there.
#[derive(Debug, Serialize)]
pub(super) struct InputEntity {
    uid: Uid,
    attrs: Attrs,
    parents: [(); 0],
}

#[derive(Debug, Serialize)]
struct Uid {
    #[serde(rename = "type")]
    entity_type: &'static str,
    id: String,
}

/// Fields in the order the artifacts list them.
#[derive(Debug, Serialize)]
#[serde(untagged)]
enum Attrs {
    HardDenyRule {
        source: String,
        #[serde(rename = "reasonCode")]
        reason_code: &'static str,
        rule: String,
    },
    PersistedApproval {
        audience: &'static str,
        tool: String,
        grants: String,
        directory: String,
        everywhere: bool,
    },
    ChannelAudience {
        audience: &'static str,
    },
    WebhookRoute {
        enabled: bool,
        audience: &'static str,
        events: String,
        verification: String,
    },
}

impl InputEntity {
    fn new(entity_type: &'static str, id: String, attrs: Attrs) -> Self {
        Self { uid: Uid { entity_type, id }, attrs, parents: [] }
    }

    /// `Netclaw::PersistedApproval`, …
    pub(super) fn entity_type(&self) -> &'static str {
        self.uid.entity_type
    }

    /// As a JSON value, for the readers that compare attributes by name.
    pub(super) fn value(&self) -> Value {
        serde_json::to_value(self).unwrap_or_default()
    }
}

/// The entities, in a fixed order: rules, approvals, channel audiences, routes.
pub(super) fn input_entities(
    config: &NetclawConfig,
    approvals: &ToolApprovals,
    hard_deny: &HardDenyRules,
    routes: &[(String, WebhookRoute)],
) -> Vec<InputEntity> {
    let rules = hard_deny.listing().into_iter().map(|rule| {
        let attrs = Attrs::HardDenyRule { source: rule.source, reason_code: rule.reason.as_str(), rule: rule.text };
        InputEntity::new("Netclaw::HardDenyRule", rule.id, attrs)
    });
    let approvals = Audience::ALL.into_iter().flat_map(|audience| {
        approvals.audiences.get(audience).iter().flat_map(move |(tool, entries)| {
            entries.iter().enumerate().map(move |(index, entry)| approval(audience, tool, index, entry))
        })
    });
    let channels = config.slack.channel_audiences.iter().map(|(key, audience)| {
        InputEntity::new(
            "Netclaw::ChannelAudience",
            key.clone(),
            Attrs::ChannelAudience { audience: audience.as_str() },
        )
    });
    // A route is served only when webhooks are on at all.
    let routes = routes.iter().map(|(name, route)| {
        let attrs = Attrs::WebhookRoute {
            enabled: route.enabled && config.webhooks.enabled,
            audience: route.audience.as_str(),
            events: if route.events.is_empty() { "(all)".to_owned() } else { route.events.join(",") },
            verification: format!("{:?}", route.verification.kind),
        };
        InputEntity::new("Netclaw::WebhookRoute", name.clone(), attrs)
    });
    rules.chain(approvals).chain(channels).chain(routes).collect()
}

fn approval(audience: Audience, tool: &str, index: usize, entry: &ApprovalEntry) -> InputEntity {
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
    let attrs = Attrs::PersistedApproval {
        audience: audience.as_str(),
        tool: tool.to_owned(),
        grants,
        directory: directory.clone().unwrap_or_default(),
        everywhere: directory.is_none(),
    };
    InputEntity::new("Netclaw::PersistedApproval", format!("{}/{tool}/{index}", audience.key()), attrs)
}
