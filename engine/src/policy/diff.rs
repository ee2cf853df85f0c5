//! `netclaw policy diff`: what a config change grants or takes away, semantically.
//!
//! Both configs are compiled and asked the same questions — every audience, every
//! tool either names (and the first-party catalog), every Slack channel either names —
//! and the answers compared. A change that lets anything run that did not, or run
//! with less friction, widens access: that is what a PR gate wants a reviewer for.

use std::collections::{BTreeMap, BTreeSet};

use schemars::JsonSchema;
use serde::Serialize;
use serde_json::Value;

use super::CompiledPolicy;
use super::permissions::ANY_OTHER_TOOL;
use super::verify::ProvedWidening;
use crate::config::{Audience, FileAccessMode, PUBLIC_TOOLS, SHELL_TOOL, TEAM_EXTRA_TOOLS};
use crate::decision::{AuthorizeRequest, Decision, Effect, Layer, Ruling, SlackContext};

#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PolicyDiff {
    /// Whether any change lets something run more freely than before.
    pub widens: bool,
    pub changes: Vec<Change>,
    /// With `--prove`: what the solver found newly allowed (empty: proved that nothing is).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proof: Option<Vec<ProvedWidening>>,
}

impl PolicyDiff {
    /// Adds the solver's answer; a proved widening widens the diff.
    pub fn with_proof(mut self, widenings: Vec<ProvedWidening>) -> Self {
        self.widens |= !widenings.is_empty();
        self.proof = Some(widenings);
        self
    }
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
    /// Inputs decided on outside Cedar (entities.json): a hard-deny rule, a persisted
    /// approval, a webhook route, a file scope.
    Added,
    Removed,
    Widened,
    Narrowed,
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
    /// What the probed call got before and after; `None` for inputs compared as
    /// entries (a rule, an approval, a route, a file scope).
    pub from: Option<Effect>,
    pub to: Option<Effect>,
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
    let mut changes = tool_changes(from, to);
    changes.extend(slack_changes(from, to));
    changes.extend(input_changes(from, to));
    changes.extend(file_scope_changes(from, to));
    PolicyDiff { widens: changes.iter().any(|c| c.widens), changes, proof: None }
}

/// Every audience asked about every tool either config names (and those none names).
fn tool_changes(from: &CompiledPolicy, to: &CompiledPolicy) -> Vec<Change> {
    let mut changes = Vec::new();
    for subject in tools(from, to) {
        for audience in Audience::ALL.into_iter().rev() {
            let (before, after) = (from.probe(audience, &subject), to.probe(audience, &subject));
            changes.extend(change(Some(audience), &subject, &before, &after));
        }
    }
    changes
}

/// Who a Slack probe comes from and how; `suffix` names the probe in the report.
struct Sender {
    user: String,
    mentioned: bool,
    is_dm: bool,
    suffix: String,
}

/// Each channel as a listed user's mention; then from anyone (an emptied
/// AllowedUserIds) and from each user only one config lists; without a mention
/// (MentionOnly turned off); and as a DM channel (a DM can be mapped by its id).
fn senders(from: &CompiledPolicy, to: &CompiledPolicy) -> Vec<Sender> {
    let user = probe_user(from, to);
    let sender = |user: &str, mentioned, is_dm, suffix: &str| Sender {
        user: user.to_owned(),
        mentioned,
        is_dm,
        suffix: suffix.to_owned(),
    };
    let mut senders = vec![
        sender(&user, true, false, ""),
        sender(UNLISTED_USER, true, false, " from any user"),
        sender(&user, false, false, " unmentioned"),
        sender(&user, true, true, " as a DM"),
    ];
    senders.extend(listed_by_one(from, to).iter().map(|u| sender(u, true, false, &format!(" from {u}"))));
    senders
}

/// Whether each channel admits each probe, and the audience it maps the message to.
fn slack_changes(from: &CompiledPolicy, to: &CompiledPolicy) -> Vec<Change> {
    let mut changes = Vec::new();
    let senders = senders(from, to);
    for channel in slack_channels(from, to) {
        for sender in &senders {
            let is_dm = sender.is_dm || channel == "dm";
            let request = slack_request(&channel, &sender.user, sender.mentioned, is_dm);
            let (before, after) = (from.authorize(&request), to.authorize(&request));
            let admitted = |d: &Decision| !(d.decision == Effect::Deny && d.layer == Layer::ChannelAcl);
            let (b, a) = (
                if admitted(&before) { Effect::Allow } else { Effect::Deny },
                if admitted(&after) { Effect::Allow } else { Effect::Deny },
            );
            // A channel row is about the channel: keep what the channel ACL and the
            // channel's audience mapping cite, not the probe tool's sources.
            let normalised = |compiled: &CompiledPolicy, d: &Decision, effect| {
                let acl =
                    d.policies.iter().filter_map(|id| compiled.record(id)).filter(|r| r.layer == Layer::ChannelAcl);
                let mut sources: Vec<String> = acl.map(|r| r.source.clone()).collect();
                sources.extend(compiled.channel_mapping(&channel, is_dm).map(|(source, _)| source));
                sources.dedup();
                let ruling = Ruling { decision: effect, sources, ..Ruling::clone(d) };
                Decision { decision_id: d.decision_id.clone(), ruling: std::sync::Arc::new(ruling) }
            };
            let subject = format!("slack:{channel}{}", sender.suffix);
            changes.extend(change(None, &subject, &normalised(from, &before, b), &normalised(to, &after, a)));
            let audience_probe = sender.suffix.is_empty() || sender.is_dm;
            if let (true, Effect::Allow, Effect::Allow, Some(old), Some(new)) =
                (audience_probe, b, a, before.audience, after.audience)
                && old != new
            {
                changes.push(audience_change(subject, old, new, after.sources.clone()));
            }
        }
    }
    changes
}

/// A channel now mapped to another audience (more tools, or fewer).
fn audience_change(subject: String, old: Audience, new: Audience, sources: Vec<String>) -> Change {
    Change {
        kind: if new > old { ChangeKind::AudienceWidened } else { ChangeKind::AudienceNarrowed },
        widens: new > old,
        audience: Some(new),
        subject,
        from: Some(Effect::Allow),
        to: Some(Effect::Allow),
        layer: Layer::ChannelAcl,
        sources,
        policies: Vec::new(),
    }
}

/// Hard-deny rules, persisted approvals and webhook routes, compared as the artifacts
/// list them (entities.json). A rule is compared by what it matches, not by its place
/// in a list; an approval by what it grants and where.
fn input_changes(from: &CompiledPolicy, to: &CompiledPolicy) -> Vec<Change> {
    let mut changes = Vec::new();
    let keyed = |policy: &CompiledPolicy, kind: &str| -> BTreeMap<String, Value> {
        policy
            .inputs
            .iter()
            .filter(|e| e.entity_type().strip_prefix("Netclaw::") == Some(kind))
            .map(super::inputs::InputEntity::value)
            .map(|e| (input_key(kind, &e), e.get("attrs").cloned().unwrap_or_default()))
            .collect()
    };
    for (kind, removal_widens) in [("HardDenyRule", true), ("PersistedApproval", false)] {
        let (before, after) = (keyed(from, kind), keyed(to, kind));
        // An approval only widens where no approval before already reached (the same
        // grant everywhere, or in a directory above); the reverse for a removal.
        let covered = |attrs: &Value, by: &BTreeMap<String, Value>| {
            kind == "PersistedApproval" && by.values().any(|other| approval_covers(other, attrs))
        };
        for (key, attrs) in before.iter().filter(|(k, _)| !after.contains_key(*k)) {
            let widens = removal_widens && !covered(attrs, &after);
            changes.push(input_change(ChangeKind::Removed, widens, &key_subject(kind, key), attrs));
        }
        for (key, attrs) in after.iter().filter(|(k, _)| !before.contains_key(*k)) {
            let widens = !removal_widens && !covered(attrs, &before);
            changes.push(input_change(ChangeKind::Added, widens, &key_subject(kind, key), attrs));
        }
    }
    let (before, after) = (keyed(from, "WebhookRoute"), keyed(to, "WebhookRoute"));
    for name in before.keys().chain(after.keys()).collect::<BTreeSet<_>>() {
        let (old, new) = (route_reach(before.get(name)), route_reach(after.get(name)));
        if old != new {
            let widens = route_widens(old.as_ref(), new.as_ref());
            let kind = if widens { ChangeKind::Widened } else { ChangeKind::Narrowed };
            let attrs = after.get(name).or(before.get(name)).cloned().unwrap_or_default();
            let audience = new.as_ref().or(old.as_ref()).and_then(|r| r.audience);
            changes.push(Change { audience, ..input_change(kind, widens, &format!("webhook:{name}"), &attrs) });
        }
    }
    changes
}

/// Whether approval `wide` grants all that `narrow` does: the same audience, tool and
/// grant, everywhere or in a directory that holds `narrow`'s.
fn approval_covers(wide: &Value, narrow: &Value) -> bool {
    let text = |attrs: &Value, key: &str| attrs.get(key).and_then(Value::as_str).unwrap_or_default().to_owned();
    let everywhere = |attrs: &Value| attrs.get("everywhere") == Some(&Value::Bool(true));
    let same = ["audience", "tool", "grants"].iter().all(|key| text(wide, key) == text(narrow, key));
    let place = everywhere(wide)
        || (!everywhere(narrow)
            && std::path::Path::new(&text(narrow, "directory")).starts_with(text(wide, "directory")));
    same && place
}

/// What a served route lets in: its audience, the events it accepts (`None`: all)
/// and whether a shared header secret (weaker than a signature) verifies it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct RouteReach {
    audience: Option<Audience>,
    events: Option<BTreeSet<String>>,
    header_secret: bool,
}

fn route_reach(attrs: Option<&Value>) -> Option<RouteReach> {
    let attrs = attrs.filter(|a| a.get("enabled") == Some(&Value::Bool(true)))?;
    let text = |key: &str| attrs.get(key).and_then(Value::as_str).unwrap_or_default();
    Some(RouteReach {
        audience: text("audience").parse().ok(),
        events: (text("events") != "(all)").then(|| text("events").split(',').map(str::to_owned).collect()),
        header_secret: text("verification") == "HeaderSecret",
    })
}

/// A route newly served, or serving a wider audience, more events, or with weaker
/// verification, widens.
fn route_widens(old: Option<&RouteReach>, new: Option<&RouteReach>) -> bool {
    match (old, new) {
        (_, None) => false,
        (None, Some(_)) => true,
        (Some(old), Some(new)) => {
            let more_events = match (&old.events, &new.events) {
                (_, None) => old.events.is_some(),
                (None, Some(_)) => false,
                (Some(before), Some(after)) => !after.is_subset(before),
            };
            new.audience > old.audience || more_events || (new.header_secret && !old.header_secret)
        }
    }
}

fn input_key(kind: &str, entity: &Value) -> String {
    let text =
        |key: &str| entity.pointer(&format!("/attrs/{key}")).and_then(Value::as_str).unwrap_or_default().to_owned();
    match kind {
        "HardDenyRule" => format!("{} ({})", text("rule"), text("reasonCode")),
        "PersistedApproval" => {
            let everywhere = entity.pointer("/attrs/everywhere") == Some(&Value::Bool(true));
            let place = if everywhere { "everywhere".to_owned() } else { format!("in {}", text("directory")) };
            format!("{} {}: {} {place}", text("audience"), text("tool"), text("grants"))
        }
        _ => entity.pointer("/uid/id").and_then(Value::as_str).unwrap_or_default().to_owned(),
    }
}

fn key_subject(kind: &str, key: &str) -> String {
    match kind {
        "HardDenyRule" => format!("hard-deny rule {key}"),
        _ => format!("approve-always {key}"),
    }
}

fn input_change(kind: ChangeKind, widens: bool, subject: &str, attrs: &Value) -> Change {
    let source = attrs.get("source").and_then(Value::as_str).map(str::to_owned).into_iter().collect();
    Change {
        kind,
        widens,
        audience: attrs.get("audience").and_then(Value::as_str).and_then(|a| a.parse().ok()),
        subject: subject.to_owned(),
        from: None,
        to: None,
        layer: if subject.starts_with("hard-deny") {
            Layer::OperationHardDeny
        } else if subject.starts_with("webhook") {
            Layer::ChannelAcl
        } else {
            Layer::ApprovalGate
        },
        sources: source,
        policies: Vec::new(),
    }
}

/// `ReadFiles` / `WriteFiles` per audience: a wider mode, or a root the old scope did
/// not cover, widens; the reverse narrows.
fn file_scope_changes(from: &CompiledPolicy, to: &CompiledPolicy) -> Vec<Change> {
    let mut changes = Vec::new();
    for audience in Audience::ALL {
        for key in ["ReadFiles", "WriteFiles"] {
            let scope = |policy: &CompiledPolicy| {
                let profile = policy.config.tools.audience_profiles.get(audience);
                let scope = if key == "ReadFiles" { &profile.read_files } else { &profile.write_files };
                let rank = match scope.mode {
                    FileAccessMode::None => 0,
                    FileAccessMode::Roots => 1,
                    FileAccessMode::All => 2,
                };
                let roots: BTreeSet<String> = scope.roots.iter().cloned().collect();
                (rank, if scope.mode == FileAccessMode::Roots { roots } else { BTreeSet::new() })
            };
            let ((old_rank, old_roots), (new_rank, new_roots)) = (scope(from), scope(to));
            let subject = format!("Tools.AudienceProfiles.{}.{key}", audience.as_str());
            let mut push = |widens: bool, what: String| {
                let kind = if widens { ChangeKind::Widened } else { ChangeKind::Narrowed };
                changes.push(Change {
                    kind,
                    widens,
                    audience: Some(audience),
                    subject: what,
                    from: None,
                    to: None,
                    layer: Layer::ToolAccessGrant,
                    sources: vec![subject.clone()],
                    policies: Vec::new(),
                });
            };
            if old_rank != new_rank {
                push(new_rank > old_rank, format!("{subject}.Mode"));
            }
            for root in new_roots.difference(&old_roots) {
                push(true, format!("{subject}.Roots: {root}"));
            }
            for root in old_roots.difference(&new_roots) {
                push(false, format!("{subject}.Roots: {root}"));
            }
        }
    }
    changes
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
    // A new denial is explained by what now denies; anything else by what now permits
    // and by what used to stand in the way (the key whose change lifted it).
    let explaining = after;
    let mut sources = after.sources.clone();
    if widens {
        sources.extend(before.sources.iter().filter(|s| !after.sources.contains(s)).cloned());
    }
    Some(Change {
        kind,
        widens,
        audience,
        subject: subject.to_owned(),
        from: Some(before.decision),
        to: Some(after.decision),
        layer: explaining.layer,
        sources,
        policies: explaining.policies.clone(),
    })
}

/// The first-party catalog, every tool either config names, and the tools no config
/// names: `*` (a first-party tool beyond the catalog, what `ToolsMode: All` grants),
/// `*/*` (a tool of a server no config names, what `McpServersMode: All` grants).
fn tools(from: &CompiledPolicy, to: &CompiledPolicy) -> BTreeSet<String> {
    let catalog = PUBLIC_TOOLS.iter().chain(TEAM_EXTRA_TOOLS).chain([&SHELL_TOOL, &ANY_OTHER_TOOL]);
    let mut all: BTreeSet<String> = catalog.map(|t| (*t).to_owned()).collect();
    all.insert(format!("{ANY_OTHER_TOOL}/{ANY_OTHER_TOOL}"));
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
    shared.or(after.first()).or(before.first()).cloned().unwrap_or_else(|| "U-PROBE".to_owned())
}

/// Users one allowlist has and the other has not: adding one admits them.
fn listed_by_one(from: &CompiledPolicy, to: &CompiledPolicy) -> BTreeSet<String> {
    let (before, after) = (&from.config.slack.allowed_user_ids, &to.config.slack.allowed_user_ids);
    before.iter().filter(|u| !after.contains(u)).chain(after.iter().filter(|u| !before.contains(u))).cloned().collect()
}

/// A user id no allowlist names.
const UNLISTED_USER: &str = "U-NOT-LISTED";

/// A message from `user` in `channel`.
fn slack_request(channel: &str, user: &str, mentioned: bool, is_dm: bool) -> AuthorizeRequest {
    AuthorizeRequest {
        channel: "slack".to_owned(),
        audience: None,
        slack: Some(SlackContext { channel_id: channel.to_owned(), user_id: user.to_owned(), is_dm, mentioned }),
        interactive: true,
        tool: "file_read".to_owned(),
        arguments: serde_json::Map::new(),
        working_directory: None,
        session_directory: None,
        session_id: None,
    }
}
