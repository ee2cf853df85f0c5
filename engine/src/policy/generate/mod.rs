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
//! One module per layer, each next to the part of the guide that defines it:
//! [`channel_acl`] (Slack), [`tool_grants`] (shell, tools, MCP servers and tools) and
//! [`approval`] (modes and their precedence). What each policy is — its layer and the
//! reason a denial by it gives — is a [`Rule`], kept beside the set, never read back
//! from the text.

mod approval;
mod channel_acl;
mod tool_grants;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;

use crate::config::{ApprovalMode, Audience, EffectiveConfig, Source};
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
pub(super) enum PolicyEffect {
    Permit,
    Forbid,
}

/// Which slice a policy belongs to, beyond its principal and action.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum SliceKey {
    /// Applies to any tool.
    Any,
    /// Only to tools of this MCP server.
    Server(String),
    /// Only to this tool (canonical id).
    Tool(String),
}

/// What a generated policy is. Its layer, and the reason code a denial by it gives,
/// follow from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    SlackDisabled,
    SlackChannelsAllowed,
    SlackChannelNotAllowed,
    SlackDirectMessagesAllowed,
    SlackDirectMessagesDisabled,
    SlackMentionOnly,
    SlackUserAllowlist,
    ShellDisabled,
    ShellRequiresSandboxBackend,
    ShellRequiresPersonalContext,
    ToolsAll,
    ToolNotAllowed,
    ToolsAllowlist,
    McpServersAll,
    McpServerNotAllowed,
    McpOpenServers,
    McpToolNotGranted,
    McpToolsGranted,
    /// `ReadFiles` / `WriteFiles`: a file tool aimed outside the audience's scope.
    FileScope,
    /// A tool override, a server default, the default mode or the Personal shell rule.
    ApprovalMode(ApprovalMode),
}

impl Rule {
    pub fn layer(self) -> Layer {
        match self {
            Rule::SlackDisabled
            | Rule::SlackChannelsAllowed
            | Rule::SlackChannelNotAllowed
            | Rule::SlackDirectMessagesAllowed
            | Rule::SlackDirectMessagesDisabled
            | Rule::SlackMentionOnly
            | Rule::SlackUserAllowlist => Layer::ChannelAcl,
            Rule::ApprovalMode(_) => Layer::ApprovalGate,
            _ => Layer::ToolAccessGrant,
        }
    }

    pub fn reason(self) -> Option<ReasonCode> {
        Some(match self {
            Rule::SlackDisabled => ReasonCode::SlackDisabled,
            Rule::SlackChannelNotAllowed => ReasonCode::SlackChannelNotAllowed,
            Rule::SlackDirectMessagesDisabled => ReasonCode::SlackDirectMessagesDisabled,
            Rule::SlackMentionOnly => ReasonCode::SlackMentionRequired,
            Rule::SlackUserAllowlist => ReasonCode::SlackUserNotAllowed,
            Rule::ShellDisabled => ReasonCode::ShellDisabled,
            Rule::ShellRequiresSandboxBackend => ReasonCode::ShellRequiresSandboxBackend,
            Rule::ShellRequiresPersonalContext => ReasonCode::ShellRequiresPersonalContext,
            Rule::ToolNotAllowed => ReasonCode::ToolNotAllowedForAudienceProfile,
            Rule::McpServerNotAllowed => ReasonCode::McpServerNotAllowedForAudienceProfile,
            Rule::McpToolNotGranted => ReasonCode::McpToolNotAllowedForAudienceProfile,
            Rule::FileScope => ReasonCode::FilePathNotAllowedForAudienceProfile,
            Rule::ApprovalMode(ApprovalMode::Deny) => ReasonCode::ToolDeniedByApprovalPolicy,
            _ => return None,
        })
    }
}

/// The resource a policy constrains.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Resource {
    Any,
    /// Of an entity type (`Netclaw::McpTool`).
    Is(&'static str),
    /// One entity (a rendered uid).
    Eq(String),
    /// Members of a group (a rendered uid).
    In(String),
}

impl Resource {
    fn render(&self) -> String {
        match self {
            Resource::Any => "resource".to_owned(),
            Resource::Is(entity_type) => format!("resource is {entity_type}"),
            Resource::Eq(uid) => format!("resource == {uid}"),
            Resource::In(group) => format!("resource in {group}"),
        }
    }
}

/// A `when` or `unless` clause: it holds when any of its terms (Cedar expressions) does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Condition {
    When(Vec<String>),
    Unless(Vec<String>),
}

impl Condition {
    /// Dropped when there is nothing to say.
    fn render(&self) -> Option<String> {
        let (keyword, terms) = match self {
            Condition::When(terms) => ("when", terms),
            Condition::Unless(terms) => ("unless", terms),
        };
        (!terms.is_empty()).then(|| format!("{keyword} {{ {} }}", terms.join(" || ")))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct GeneratedPolicy {
    pub id: String,
    pub rule: Rule,
    /// The config key it was compiled from (dotted), or the built-in rule it states.
    pub source: String,
    /// Where that key's value came from (file and pointer, env var, default).
    pub origin: String,
    pub effect: PolicyEffect,
    pub principal: Option<Audience>,
    pub action: Action,
    pub resource: Resource,
    pub conditions: Vec<Condition>,
    pub slice: SliceKey,
}

impl GeneratedPolicy {
    /// The context facts its conditions are gated on, for slicing.
    pub(crate) fn gate(&self) -> super::slices::Gate {
        super::slices::Gate::of(self.conditions.iter().map(|condition| match condition {
            Condition::When(terms) => (true, terms.as_slice()),
            Condition::Unless(terms) => (false, terms.as_slice()),
        }))
    }

    pub(super) fn layer(&self) -> Layer {
        self.rule.layer()
    }

    pub(super) fn reason(&self) -> Option<ReasonCode> {
        self.rule.reason()
    }

    /// The policy as Cedar text, with its provenance comment.
    pub(super) fn text(&self) -> String {
        let mut out = format!("// {}\n", comment(&format!("{} — from {}", self.source, self.origin)));
        let _ = writeln!(out, "@id({})", quote(&self.id));
        let _ = writeln!(out, "@layer({})", quote(self.layer().as_str()));
        if let Some(reason) = self.reason() {
            let _ = writeln!(out, "@reason({})", quote(reason.as_str()));
        }
        let _ = writeln!(out, "@source({})", quote(&self.source));
        let principal = self.principal.map_or("principal".to_owned(), |a| format!("principal == {}", audience_uid(a)));
        let action = format!("action == Netclaw::Action::{}", quote(self.action.id()));
        let effect = match self.effect {
            PolicyEffect::Permit => "permit",
            PolicyEffect::Forbid => "forbid",
        };
        let _ = write!(out, "{effect} (\n  {principal},\n  {action},\n  {}\n)", self.resource.render());
        for condition in self.conditions.iter().filter_map(Condition::render) {
            let _ = write!(out, "\n{condition}");
        }
        out.push_str(";\n");
        out
    }
}

/// One entity of entities.json: type, id, and the groups it belongs to.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct EntityDecl {
    pub entity_type: &'static str,
    pub id: String,
    pub parents: BTreeSet<String>,
}

/// As entities.json writes it. Serialised straight from the declaration: a large
/// home declares thousands, and a JSON value of each is only written out again.
impl serde::Serialize for EntityDecl {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(serde::Serialize)]
        struct Uid<'a> {
            #[serde(rename = "type")]
            entity_type: std::borrow::Cow<'a, str>,
            id: &'a str,
        }
        #[derive(serde::Serialize)]
        struct NoAttributes {}
        #[derive(serde::Serialize)]
        struct Entity<'a> {
            uid: Uid<'a>,
            attrs: NoAttributes,
            parents: Vec<Uid<'a>>,
        }
        let group = |id| Uid { entity_type: "Netclaw::Group".into(), id };
        Entity {
            uid: Uid { entity_type: format!("Netclaw::{}", self.entity_type).into(), id: &self.id },
            attrs: NoAttributes {},
            parents: self.parents.iter().map(|g| group(g)).collect(),
        }
        .serialize(serializer)
    }
}

#[derive(Debug, Clone, Default)]
pub(super) struct Generated {
    pub policies: Vec<GeneratedPolicy>,
    pub entities: Vec<EntityDecl>,
}

/// A Cedar string literal.
pub(crate) fn quote(text: &str) -> String {
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

/// Comment text that stays one comment whatever a config key holds: a line break
/// would end it and let the rest be read as Cedar.
fn comment(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}' | '\u{85}') {
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    out
}

/// A name (tool, server) as one component of a policy id. Dots separate components
/// and each kind of policy has its own shape, so ids cannot collide once a name cannot
/// hold a dot: anything but `[a-z0-9_-]` is written `%XX` (`a.b` → `a%2eb`).
pub(super) fn id_part(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for byte in name.bytes() {
        if byte.is_ascii_lowercase() || byte.is_ascii_digit() || byte == b'_' || byte == b'-' {
            out.push(char::from(byte));
        } else {
            let _ = write!(out, "%{byte:02x}");
        }
    }
    out
}

pub(super) fn group(id: &str) -> String {
    format!("Netclaw::Group::{}", quote(id))
}

fn audience_uid(audience: Audience) -> String {
    format!("Netclaw::Audience::{}", quote(audience.as_str()))
}

fn tool_uid(tool: &ToolName) -> String {
    format!("Netclaw::{}::{}", tool.entity_type(), quote(&tool.id()))
}

struct Generator<'c> {
    config: &'c EffectiveConfig,
    user_home: Option<&'c Path>,
    out: Generated,
    /// Entity (type, id) → parents.
    members: BTreeMap<(&'static str, String), BTreeSet<String>>,
    groups: BTreeSet<String>,
}

/// `user_home` is what `~` means in `ReadFiles` / `WriteFiles` roots.
pub(super) fn generate(config: &EffectiveConfig, user_home: Option<&Path>) -> Generated {
    let mut generator =
        Generator { config, user_home, out: Generated::default(), members: BTreeMap::new(), groups: BTreeSet::new() };
    generator.slack();
    generator.shell();
    for audience in Audience::ALL {
        let profile = config.config.tools.audience_profiles.get(audience);
        generator.tool_access(audience, profile);
        generator.file_scopes(audience, profile);
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

    /// A policy compiled from the config key at `pointer`: any principal, any slice, no
    /// conditions until given.
    fn policy(
        &self,
        id: String,
        rule: Rule,
        pointer: &str,
        effect: PolicyEffect,
        action: Action,
        resource: Resource,
    ) -> GeneratedPolicy {
        GeneratedPolicy {
            id,
            rule,
            source: json_pointer::dotted(pointer),
            origin: self.origin(pointer),
            effect,
            principal: None,
            action,
            resource,
            conditions: Vec::new(),
            slice: SliceKey::Any,
        }
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

impl GeneratedPolicy {
    fn of(mut self, audience: Audience) -> Self {
        self.principal = Some(audience);
        self
    }

    fn when(mut self, terms: Vec<String>) -> Self {
        self.conditions.push(Condition::When(terms));
        self
    }

    fn unless(mut self, terms: Vec<String>) -> Self {
        self.conditions.push(Condition::Unless(terms));
        self
    }

    fn in_slice(mut self, slice: SliceKey) -> Self {
        self.slice = slice;
        self
    }

    /// A policy that states one of netclaw's fixed rules rather than a config value.
    fn stating(mut self, rule: &str) -> Self {
        self.source = rule.to_owned();
        self.origin = "netclaw's built-in rules".to_owned();
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The loader refuses names with line breaks; the generator does not rely on it.
    #[test]
    fn comments_and_ids_stay_one_line_and_one_component() {
        let text = comment("key\npermit (principal, action, resource);\u{2028}x\r");
        assert!(!text.contains(['\n', '\r', '\u{2028}']), "{text}");
        assert_eq!(id_part("a.b/c"), "a%2eb%2fc");
        assert_eq!(id_part("notion-search_2"), "notion-search_2");
    }
}
