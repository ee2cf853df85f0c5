//! The entity store a proof is pinned to, and the policy rewrites that let two sets
//! share it.
//!
//! symcc compares two policy sets only over one symbolic environment. Pinning that
//! environment's store to the config's entities makes a proof about this config's
//! groups, not every possible grouping. Two configs (a diff) have two stores, so the
//! old config's groups are renamed `before:…` in its policies and its store, and the
//! two stores merged: every tool then carries both configs' memberships side by side.
//! A monotonicity proof compares two audiences over one request by writing each
//! audience into the policies in place of `principal`.
//!
//! The pinned store also records what the policies cannot check: a named MCP tool's
//! server (as its parent), and which tools are named at all.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use cedar_policy::{Entities, Entity, EntityTypeName, EntityUid, Policy, PolicySet};
use serde_json::{Value, json};

use super::est::EstSet;
use super::{VerifyError, cedar_error};
use crate::policy::slices::entity_literals;

/// The group every McpTool a config names is put in, for the realizable-request check.
pub(super) const NAMED_TOOLS: &str = "verify.named_tools";
/// The servers a partition is about, and every server the config names.
const PARTITION: &str = "verify.partition";
const NAMED_SERVERS: &str = "verify.named_servers";

/// Named MCP tools a partition holds at most, counted after [`quotient`]: the
/// solver's work grows much faster than the store (a monotonicity query over 800
/// tools took 56 s where 200 took 1.2 s).
const TOOLS_PER_PARTITION: usize = 250;

/// A slice of the MCP requests, by their server, proved on its own. Under the
/// realizable-request precondition a named tool only ever comes with its own server,
/// so in a partition every other server's tools and servers compare unequal and can
/// be written out of the policies and the store: the same answers, a far smaller
/// problem. The partitions together cover every server, named or not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Partition {
    /// Requests for first-party tools and Slack: no MCP tool is in the store.
    FirstParty,
    /// Requests whose server is one of `servers` (named servers) and, with
    /// `also_unnamed` (every server the config names), those whose server is none of
    /// them: a server the config never names has no tool in the store, so it adds
    /// nothing to the problem, and proving it on its own cost every query again.
    Mcp { servers: BTreeSet<String>, also_unnamed: Option<BTreeSet<String>> },
}

impl Partition {
    /// The MCP partitions of a store: named servers in chunks, the last of which also
    /// takes every server the config does not name. A chunk is sized by the tools its
    /// store keeps: those a policy names (`literals`), and one of each kind of the
    /// others. The `covered` servers are in no chunk: another server's proof is
    /// theirs ([`super::symmetry`]).
    pub(super) fn of_mcp(store: &Merged, literals: &HashSet<EntityUid>, covered: &BTreeSet<String>) -> Vec<Partition> {
        // Per server, its named tools and the kinds of the others.
        let mut kept: BTreeMap<&str, (usize, HashSet<Kind<'_>>)> = BTreeMap::new();
        for (uid, parents) in store.iter() {
            match uid.type_name().basename() {
                "McpTool" => {
                    let (named, kinds) = kept.entry(server_of(uid.id().unescaped())).or_default();
                    if literals.contains(uid) {
                        *named += 1;
                    } else {
                        kinds.insert(kind_of(uid, parents));
                    }
                }
                "McpServer" if !uid.id().unescaped().is_empty() => {
                    kept.entry(uid.id().unescaped()).or_default();
                }
                _ => {}
            }
        }
        let tools: BTreeMap<String, usize> =
            kept.into_iter().map(|(server, (named, kinds))| (server.to_owned(), named + kinds.len())).collect();
        let mut chunks = vec![BTreeSet::new()];
        let mut size = 0;
        for (server, count) in tools.iter().filter(|(server, _)| !covered.contains(*server)) {
            if chunks.last().is_some_and(|chunk| !chunk.is_empty()) && size + count > TOOLS_PER_PARTITION {
                chunks.push(BTreeSet::new());
                size = 0;
            }
            chunks.last_mut().map(|chunk| chunk.insert(server.clone()));
            size += count;
        }
        let last = chunks.len() - 1;
        let named: BTreeSet<String> = tools.into_keys().collect();
        let also_unnamed = |index| (index == last).then(|| named.clone());
        chunks
            .into_iter()
            .enumerate()
            .map(|(index, servers)| Partition::Mcp { servers, also_unnamed: also_unnamed(index) })
            .collect()
    }

    /// Whether a request of this partition can come with `server`.
    fn admits(&self, server: &str) -> bool {
        match self {
            Partition::FirstParty => true,
            Partition::Mcp { servers, also_unnamed } => {
                servers.contains(server) || also_unnamed.as_ref().is_some_and(|named| !named.contains(server))
            }
        }
    }

    /// The antecedent that keeps a proof inside the partition.
    pub(super) fn precondition(&self) -> Option<&'static str> {
        match self {
            Partition::FirstParty => None,
            Partition::Mcp { also_unnamed: None, .. } => Some(
                "@id(\"verify.partition\")\nforbid (principal, action, resource) unless { context.server in Netclaw::Group::\"verify.partition\" };",
            ),
            Partition::Mcp { also_unnamed: Some(_), .. } => Some(
                "@id(\"verify.partition\")\nforbid (principal, action, resource) unless { context.server in Netclaw::Group::\"verify.partition\" || !(context.server in Netclaw::Group::\"verify.named_servers\") };",
            ),
        }
    }

    /// `store` cut down to this partition: the other servers' tools left out, every
    /// server marked named and, if in the partition, as such; then [`quotient`]ed by
    /// the `literals` of the partition's policies.
    pub(super) fn store(&self, store: &Merged, literals: &HashSet<EntityUid>) -> Result<Quotient, VerifyError> {
        let (partition, named) = (uid("Group", PARTITION)?, uid("Group", NAMED_SERVERS)?);
        let mut kept: BTreeMap<EntityUid, HashSet<EntityUid>> = BTreeMap::new();
        let mut servers = BTreeSet::new();
        for (this, parents) in store.iter() {
            let kept_here = match this.type_name().basename() {
                "McpTool" => {
                    let server = server_of(this.id().unescaped());
                    servers.insert(server);
                    *self != Partition::FirstParty && self.admits(server)
                }
                "McpServer" => {
                    servers.insert(this.id().unescaped());
                    true
                }
                _ => true,
            };
            // Only what stays is copied: a partition keeps a fraction of the tools.
            if kept_here {
                kept.insert(this.clone(), parents.clone());
            }
        }
        for server in servers.into_iter().filter(|s| !s.is_empty()) {
            let slot = kept.entry(uid("McpServer", server)?).or_default();
            slot.insert(named.clone());
            if matches!(self, Partition::Mcp { servers, .. } if servers.contains(server)) {
                slot.insert(partition.clone());
            }
        }
        quotient(kept, literals)
    }
}

/// A partition's store, with the names it leaves out though the config has them.
pub(super) struct Quotient {
    pub entities: Entities,
    /// To the proof these are tools or servers the config does not name; a
    /// counterexample naming one is renamed before it is shown.
    pub written_out: HashSet<EntityUid>,
}

/// Tools (and servers) that no policy names and that have the same ancestors are
/// the same to every policy: Cedar sees an entity only through equality with a
/// literal and through `in`. One of each kind stays in the store. Each one left out
/// behaves, to the proof, as a tool the config does not name, which the proof
/// covers anyway, and the kept one stands for its real behaviour: the proof ranges
/// over the same behaviours in a far smaller problem (the benchmark config's 4,000
/// tools are 700 kinds). A server some kept tool sits under always stays.
fn quotient(
    kept: BTreeMap<EntityUid, HashSet<EntityUid>>,
    literals: &HashSet<EntityUid>,
) -> Result<Quotient, VerifyError> {
    let parents_of_kept: HashSet<&EntityUid> = kept.values().flatten().collect();
    let mut kinds = HashSet::new();
    let mut written_out = HashSet::new();
    for (uid, parents) in &kept {
        let collapsible = matches!(uid.type_name().basename(), "McpTool" | "McpServer")
            && !literals.contains(uid)
            && !parents_of_kept.contains(uid);
        if collapsible && !kinds.insert(kind_of(uid, parents)) {
            written_out.insert(uid.clone());
        }
    }
    let entities = kept
        .into_iter()
        .filter(|(uid, _)| !written_out.contains(uid))
        .map(|(uid, parents)| Entity::new_no_attrs(uid, parents));
    let entities = Entities::from_entities(entities, None).map_err(cedar_error)?;
    Ok(Quotient { entities, written_out })
}

/// What the policies can tell about an entity they do not name: its type and ancestors.
fn kind_of<'a>(uid: &'a EntityUid, ancestors: &'a HashSet<EntityUid>) -> Kind<'a> {
    let mut ancestors: Vec<&EntityUid> = ancestors.iter().collect();
    ancestors.sort_unstable();
    Kind { kind: uid.type_name(), ancestors }
}

/// An entity's type and its ancestors, sorted. Compared as they are, not as text:
/// thousands of tools share a handful of kinds.
#[derive(PartialEq, Eq, Hash)]
struct Kind<'a> {
    kind: &'a EntityTypeName,
    ancestors: Vec<&'a EntityUid>,
}

/// The entity types a request reaches: its principal and resource, the server in
/// its context, and their groups. The others are netclaw's records (hard-deny
/// rules, persisted approvals, channel audiences, webhook routes), in entities.json
/// for people to read: no policy netclaw writes names one, so the pinned store
/// leaves them out (10,000 approvals on a large home) and a set that names one is
/// not proved ([`literals`]).
pub(super) const MODELLED: &[&str] =
    &["Audience", "Group", "Tool", "McpServer", "McpTool", "SlackUser", "SlackChannel"];

/// Every entity the policies of `sets` name, in a scope or a condition. A policy
/// naming an entity of a type the proofs do not model is refused, not proved about.
pub(super) fn literals<'a>(
    policies: impl IntoIterator<Item = (&'a Policy, &'a Value)>,
) -> Result<HashSet<EntityUid>, VerifyError> {
    let mut found = HashSet::new();
    for (policy, json) in policies {
        let mut unmodelled = None;
        entity_literals(json, &mut |literal| {
            let Ok(uid) = EntityUid::from_json(literal.clone()) else { return };
            let kind = uid.type_name().basename();
            if !MODELLED.contains(&kind) && kind != "Action" {
                unmodelled.get_or_insert_with(|| uid.to_string());
            }
            found.insert(uid);
        });
        if let Some(uid) = unmodelled {
            let detail = format!("it names `{uid}`, a record the proofs leave out");
            return Err(VerifyError::Unsupported { policy: policy.id().to_string(), detail });
        }
    }
    Ok(found)
}

pub(super) fn server_of(tool: &str) -> &str {
    tool.split_once('/').map_or(tool, |(server, _)| server)
}

/// One config's store as it enters a pinned store: its groups prefixed by `prefix`.
pub(super) struct Source<'a> {
    pub prefix: &'a str,
    pub entities: &'a Entities,
}

/// The stores merged, before any partition: each entity with its ancestors as
/// parents, groups renamed per source, named MCP tools in [`NAMED_TOOLS`] and under
/// their server. Only a partition's store is closed into Cedar's [`Entities`]:
/// closing this one, every tool of a large home, took longer than proving.
pub(super) struct Merged(BTreeMap<EntityUid, HashSet<EntityUid>>);

impl Merged {
    /// Each entity with its parents (its own ancestors, not its server's).
    pub(super) fn iter(&self) -> impl Iterator<Item = (&EntityUid, &HashSet<EntityUid>)> {
        self.0.iter()
    }
}

pub(super) fn pinned(sources: &[Source<'_>]) -> Result<Merged, VerifyError> {
    let mut parents: BTreeMap<EntityUid, HashSet<EntityUid>> = BTreeMap::new();
    let named = uid("Group", NAMED_TOOLS)?;
    // Made once per server, not once per tool (4,000 on a large home).
    let mut servers: HashMap<String, EntityUid> = HashMap::new();
    for source in sources {
        for entity in source.entities.iter() {
            let original = entity.uid();
            if !MODELLED.contains(&original.type_name().basename()) {
                continue;
            }
            let this = renamed(&original, source.prefix)?;
            let slot = parents.entry(this).or_default();
            for ancestor in source.entities.ancestors(&original).into_iter().flatten() {
                slot.insert(renamed(ancestor, source.prefix)?);
            }
            if original.type_name().basename() == "McpTool" {
                let server = server_of(original.id().unescaped());
                let server = match servers.get(server) {
                    Some(uid) => uid.clone(),
                    None => servers.entry(server.to_owned()).or_insert(uid("McpServer", server)?).clone(),
                };
                slot.insert(server);
                slot.insert(named.clone());
            }
        }
    }
    Ok(Merged(parents))
}

fn uid(kind: &str, id: &str) -> Result<EntityUid, VerifyError> {
    EntityUid::from_json(json!({"type": format!("Netclaw::{kind}"), "id": id})).map_err(cedar_error)
}

/// A group with `prefix` in front of its id; every other entity as it is.
fn renamed(entity: &EntityUid, prefix: &str) -> Result<EntityUid, VerifyError> {
    if prefix.is_empty() || entity.type_name().basename() != "Group" {
        return Ok(entity.clone());
    }
    uid("Group", &format!("{prefix}{}", entity.id().unescaped()))
}

/// How a set is rewritten before it is compiled.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Rewrite<'a> {
    /// Every group literal gets this prefix (the old config of a diff).
    pub group_prefix: &'a str,
    /// `principal` is this audience; a policy scoped to another one drops out.
    pub principal: Option<&'a EntityUid>,
    /// Tools and servers outside the partition compare unequal (a policy scoped to
    /// such a tool drops out).
    pub partition: Option<&'a Partition>,
}

/// The policies of `set` as [`Rewrite`] has them; those that drop out are left out.
pub(super) fn rewrite(set: &EstSet, how: Rewrite<'_>) -> Result<PolicySet, VerifyError> {
    let mut out = PolicySet::new();
    for rewritten in rewrite_each(set, how) {
        let (policy, est) = rewritten?;
        let unsupported = |err: &dyn std::fmt::Display| unsupported(policy, err.to_string());
        let rewritten = Policy::from_json(Some(policy.id().clone()), est).map_err(|err| unsupported(&err))?;
        out.add(rewritten).map_err(|err| unsupported(&err))?;
    }
    Ok(out)
}

/// The JSON form of each policy of `set` that stays under `how`, rewritten.
pub(super) fn rewrite_each<'a>(
    set: &'a EstSet,
    how: Rewrite<'a>,
) -> impl Iterator<Item = Result<(&'a Policy, Value), VerifyError>> + 'a {
    set.policies().filter_map(move |(policy, json)| match rewrite_est(json, how) {
        Ok(kept) => kept.map(|est| Ok((policy, est))),
        Err(detail) => Some(Err(unsupported(policy, detail))),
    })
}

fn unsupported(policy: &Policy, detail: String) -> VerifyError {
    VerifyError::Unsupported { policy: policy.id().to_string(), detail }
}

/// A policy's JSON form rewritten (see [`Rewrite`]); `None` when the policy drops out.
/// The error is a shape the rewrite does not handle. Only a policy that stays is
/// copied: in a partition most drop out.
pub(super) fn rewrite_est(est: &Value, how: Rewrite<'_>) -> Result<Option<Value>, String> {
    let mut all_principals = false;
    if let Some(principal) = how.principal {
        let scope = est.get("principal").ok_or("a policy without a principal scope")?;
        match scope.get("op").and_then(Value::as_str) {
            Some("All") => {}
            Some("==") => {
                let same =
                    scope.get("entity").cloned().and_then(|e| EntityUid::from_json(e).ok()).as_ref() == Some(principal);
                if !same {
                    return Ok(None);
                }
                all_principals = true;
            }
            other => return Err(format!("a `{}` principal scope", other.unwrap_or("?"))),
        }
    }
    if let Some(partition) = how.partition
        && let Some(server) = scoped_server(est)
        && !partition.admits(&server)
    {
        return Ok(None);
    }
    // First-party and Slack requests never have an MCP tool as their resource.
    let mcp_scoped = |scope: &Value| match scope.get("op").and_then(Value::as_str) {
        Some("==") => scope.pointer("/entity/type").and_then(Value::as_str) == Some("Netclaw::McpTool"),
        Some("is") => scope.get("entity_type").and_then(Value::as_str) == Some("Netclaw::McpTool"),
        _ => false,
    };
    if how.partition == Some(&Partition::FirstParty) && est.get("resource").is_some_and(mcp_scoped) {
        return Ok(None);
    }
    let mut est = est.clone();
    if all_principals && let Some(scope) = est.get_mut("principal") {
        *scope = json!({"op": "All"});
    }
    // The policy's annotations are text; a record's `annotations`, deeper, is not.
    let annotations = est.as_object_mut().and_then(|policy| policy.shift_remove("annotations"));
    let mut est = rewritten(est, how);
    if let (Some(annotations), Some(policy)) = (annotations, est.as_object_mut()) {
        policy.insert("annotations".to_owned(), annotations);
    }
    Ok(Some(est))
}

/// Every group literal renamed and every `principal` replaced, anywhere in the EST
/// (scopes, conditions).
fn rewritten(node: Value, how: Rewrite<'_>) -> Value {
    match node {
        Value::Object(mut map) => {
            if let (Some(principal), Some(Value::String(var))) = (how.principal, map.get("Var"))
                && var == "principal"
            {
                return json!({"Value": {"__entity": {"type": principal.type_name().to_string(), "id": principal.id().unescaped()}}});
            }
            if let (Some(partition), Some(Value::Object(operands))) = (how.partition, map.get("=="))
                && outside(partition, operands)
            {
                return json!({"Value": false});
            }
            let is_group = map.get("type").and_then(Value::as_str) == Some("Netclaw::Group");
            if is_group
                && !how.group_prefix.is_empty()
                && let Some(Value::String(id)) = map.get_mut("id")
            {
                *id = format!("{}{id}", how.group_prefix);
            }
            for value in map.values_mut() {
                *value = rewritten(value.take(), how);
            }
            simplified(map)
        }
        Value::Array(items) => Value::Array(items.into_iter().map(|item| rewritten(item, how)).collect()),
        other => other,
    }
}

/// A node whose operands the rewrite made constant, folded: what is left of a
/// comparison with every server, in one partition, is the comparison with its own
/// ones, so the proofs of two servers alike read alike ([`super::symmetry`]). Only
/// folds that keep Cedar's evaluation, errors included: `e || false` is `e` for a
/// boolean `e`, but `e && false` is not `false` when `e` errors, so it stays.
fn simplified(mut map: serde_json::Map<String, Value>) -> Value {
    fn constant(node: Option<&Value>) -> Option<bool> {
        node?.get("Value")?.as_bool()
    }
    if map.len() == 1 {
        if let Some(not) = constant(map.get("!").and_then(|not| not.get("arg"))) {
            return json!({"Value": !not});
        }
        for op in ["||", "&&"] {
            let Some(pair) = map.get(op) else { continue };
            let (left, right) = (constant(pair.get("left")), constant(pair.get("right")));
            let folded = match (op, left, right) {
                ("||", Some(true), _) | ("&&", Some(false), _) => return json!({"Value": left}),
                ("||", Some(false), _) | ("&&", Some(true), _) => "right",
                ("||", _, Some(false)) | ("&&", _, Some(true)) => "left",
                _ => continue,
            };
            return map.get_mut(op).and_then(|pair| pair.get_mut(folded)).map(Value::take).unwrap_or(Value::Null);
        }
    }
    Value::Object(map)
}

/// `resource == McpTool::"s/t"` or `context.server == McpServer::"s"` with `s`
/// outside the partition: false on every request of it.
fn outside(partition: &Partition, operands: &serde_json::Map<String, Value>) -> bool {
    compared_server(operands).is_some_and(|server| !partition.admits(&server))
}

/// The `s` of `resource == McpTool::"s/t"` or `context.server == McpServer::"s"`.
fn compared_server(operands: &serde_json::Map<String, Value>) -> Option<String> {
    let (left, right) = (operands.get("left")?, operands.get("right")?);
    let literal = |kind| mcp_literal(right.get("Value").and_then(|v| v.get("__entity")), kind);
    let is_resource = left.get("Var").and_then(Value::as_str) == Some("resource");
    let is_server = left.pointer("/./attr").and_then(Value::as_str) == Some("server")
        && left.pointer("/./left/Var").and_then(Value::as_str) == Some("context");
    match (is_resource, is_server) {
        (true, _) => literal("McpTool").map(|tool| server_of(&tool).to_owned()),
        (_, true) => literal("McpServer"),
        _ => None,
    }
}

/// The server of the tool a policy's resource scope is (`resource == McpTool::"s/t"`).
fn scoped_server(est: &Value) -> Option<String> {
    let resource = est.get("resource").filter(|scope| scope.get("op").and_then(Value::as_str) == Some("=="))?;
    mcp_literal(resource.get("entity"), "McpTool").map(|tool| server_of(&tool).to_owned())
}

/// A policy as every partition of one server sees it: `inside` for each server it
/// names, `outside` for every other server; `None` where it drops out. The same as
/// [`rewrite_est`] with the partition and nothing else, without annotations, but in
/// one pass: a policy naming every server would otherwise be rewritten once per
/// server, in time growing with the square of their number.
pub(super) struct SingleServerForms {
    pub outside: Option<Value>,
    pub inside: BTreeMap<String, Option<Value>>,
}

pub(super) fn single_server_forms(est: &Value) -> SingleServerForms {
    let scoped = scoped_server(est);
    // The policy's annotations are text and left out; a record's `annotations`, deeper, is not.
    let (outside, inside) = match est {
        Value::Object(policy) => object_forms(policy.iter().filter(|(key, _)| *key != "annotations").collect()),
        other => forms(other),
    };
    let kept = |server: Option<&str>, form| match &scoped {
        Some(scoped) if Some(scoped.as_str()) != server => None,
        _ => Some(form),
    };
    SingleServerForms {
        outside: kept(None, outside),
        inside: inside.into_iter().map(|(server, form)| (server.clone(), kept(Some(&server), form))).collect(),
    }
}

/// `node` rewritten for a partition of no server, and for each server whose literal
/// it holds, for that server's own.
fn forms(node: &Value) -> Forms {
    // Most of a policy names no server and holds no constant to fold: it reads the
    // same in every partition, and is copied whole rather than rebuilt node by node.
    if !partition_dependent(node) {
        return (node.clone(), BTreeMap::new());
    }
    let Value::Object(map) = node else {
        let Value::Array(items) = node else { return (node.clone(), BTreeMap::new()) };
        return joined(items.iter().map(forms).collect(), Value::Array);
    };
    if let Some(Value::Object(operands)) = map.get("==")
        && let Some(server) = compared_server(operands)
    {
        let inside = if server.is_empty() { BTreeMap::new() } else { BTreeMap::from([(server, node.clone())]) };
        return (json!({"Value": false}), inside);
    }
    if let Some(server) = literal_server(node) {
        return (node.clone(), BTreeMap::from([(server.to_owned(), node.clone())]));
    }
    object_forms(map.iter().collect())
}

fn object_forms(entries: Vec<(&String, &Value)>) -> Forms {
    let children = entries.iter().map(|(_, value)| forms(value)).collect();
    joined(children, |values| simplified(entries.iter().map(|(key, _)| (*key).clone()).zip(values).collect()))
}

/// Whether a partition's rewrite can change `node`: it holds an MCP server or tool
/// literal (a comparison with one folds to `false` outside its partition) or a
/// boolean constant ([`simplified`] folds those).
fn partition_dependent(node: &Value) -> bool {
    match node {
        Value::Object(map) => {
            let mcp =
                matches!(map.get("type").and_then(Value::as_str), Some("Netclaw::McpTool" | "Netclaw::McpServer"));
            mcp || map.get("Value").is_some_and(Value::is_boolean) || map.values().any(partition_dependent)
        }
        Value::Array(items) => items.iter().any(partition_dependent),
        _ => false,
    }
}

/// A node's form outside the partitions of the servers it names, and its form inside
/// each one's.
type Forms = (Value, BTreeMap<String, Value>);

/// A node's forms from its children's: a server's form takes the child's form for
/// that server where the child has one, its form outside elsewhere.
///
/// A child's form for a server is moved up, not copied: a policy naming every server
/// (a bound on a 200-server allowlist) would otherwise copy each server's form once
/// per level of its `||` tree.
fn joined(mut children: Vec<Forms>, build: impl Fn(Vec<Value>) -> Value) -> Forms {
    let servers: BTreeSet<String> = children.iter().flat_map(|(_, inside)| inside.keys().cloned()).collect();
    let inside = servers
        .into_iter()
        .map(|server| {
            let values =
                children.iter_mut().map(|(outside, inside)| inside.remove(&server).unwrap_or_else(|| outside.clone()));
            let form = build(values.collect());
            (server, form)
        })
        .collect();
    (build(children.into_iter().map(|(outside, _)| outside).collect()), inside)
}

/// The server an MCP server or tool literal (`{"type": …, "id": …}`) names (see
/// [`server_named`]).
pub(super) fn literal_server(literal: &Value) -> Option<&str> {
    let kind = literal.get("type")?.as_str()?.strip_prefix("Netclaw::")?;
    server_named(kind, literal.get("id")?.as_str()?)
}

/// The server an entity of type `kind` (`McpServer`, `McpTool`) and id `id` names, if
/// not `""`: a server's whole id, a tool's part before the first `/`.
pub(super) fn server_named<'a>(kind: &str, id: &'a str) -> Option<&'a str> {
    let server = match kind {
        "McpServer" => id,
        "McpTool" => server_of(id),
        _ => return None,
    };
    (!server.is_empty()).then_some(server)
}

/// The id of an EST entity literal of `Netclaw::{kind}`.
fn mcp_literal(entity: Option<&Value>, kind: &str) -> Option<String> {
    let entity = entity?;
    (entity.get("type")?.as_str()? == format!("Netclaw::{kind}"))
        .then(|| entity.get("id")?.as_str().map(str::to_owned))?
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test fails by panicking")]

    use super::*;
    use crate::policy::parse_with_ids;

    /// Hand-written shapes the generator does not produce: both kinds of comparison
    /// under `||`, `&&` and `!`, a scope on one server's tool, literals in a set and
    /// under a record attribute called `annotations`, the no-server server.
    const SHAPES: &str = r#"
@id("either")
permit (principal, action, resource)
when { context.server == Netclaw::McpServer::"a" || (context.server == Netclaw::McpServer::"b" && !(resource == Netclaw::McpTool::"a/x" || resource == Netclaw::McpTool::"c/y")) };
@id("scoped")
forbid (principal, action, resource == Netclaw::McpTool::"b/t")
when { {annotations: Netclaw::McpTool::"c/z"} has annotations };
@id("in_a_set")
permit (principal, action, resource) when { resource in [Netclaw::McpTool::"a/x", Netclaw::McpTool::"b/y"] || context.server in [Netclaw::McpServer::"d/e"] };
@id("no_server")
permit (principal, action, resource) when { false || context.server == Netclaw::McpServer::"" || resource == Netclaw::McpTool::"/x" };
@id("constant")
permit (principal, action, resource) when { (true && context.interactive) || (context.server == Netclaw::McpServer::"a" && true) };
"#;

    fn rewritten_for(est: &Value, servers: &[&str]) -> Option<Value> {
        let partition =
            Partition::Mcp { servers: servers.iter().map(|s| (*s).to_owned()).collect(), also_unnamed: None };
        let mut form = rewrite_est(est, Rewrite { partition: Some(&partition), ..Rewrite::default() }).unwrap();
        if let Some(policy) = form.as_mut().and_then(Value::as_object_mut) {
            policy.shift_remove("annotations");
        }
        form
    }

    /// The pinned store leaves out every entity type but these: each principal and
    /// resource type a request can have must be among them.
    #[test]
    fn every_type_a_request_reaches_is_modelled() {
        let (schema, _) = cedar_policy::Schema::from_cedarschema_str(crate::policy::CEDAR_SCHEMA).unwrap();
        for env in schema.request_envs() {
            for kind in [env.principal(), env.resource()] {
                assert!(MODELLED.contains(&kind.basename()), "{kind} is not modelled");
            }
        }
        assert!(crate::policy::CEDAR_SCHEMA.contains("server: McpServer,"), "the context's entity changed");
    }

    #[test]
    fn one_pass_forms_are_each_partitions_rewrite() {
        let set = parse_with_ids(SHAPES).unwrap();
        for policy in set.policies() {
            let est = policy.to_json().unwrap();
            let forms = single_server_forms(&est);
            let id = policy.id();
            assert_eq!(forms.outside, rewritten_for(&est, &[]), "{id} outside");
            assert_eq!(forms.outside, rewritten_for(&est, &["zzz"]), "{id} in a server it does not name");
            for (server, form) in &forms.inside {
                assert_eq!(*form, rewritten_for(&est, &[server]), "{id} inside {server}");
            }
            let mut named = BTreeSet::new();
            entity_literals(&est, &mut |literal| named.extend(literal_server(literal).map(str::to_owned)));
            assert_eq!(forms.inside.keys().cloned().collect::<BTreeSet<_>>(), named, "{id}: the servers it names");
        }
    }

    #[test]
    fn a_partition_folds_what_it_made_constant() {
        let set = parse_with_ids(SHAPES).unwrap();
        let seen = |id: &str, server: &str| {
            let est = set.policies().find(|p| p.id().to_string() == id).unwrap().to_json().unwrap();
            Policy::from_json(None, rewritten_for(&est, &[server]).unwrap()).unwrap().to_string()
        };
        let permit = |condition: &str| format!("permit(principal, action, resource) when {{ {condition} }};");
        assert_eq!(seen("either", "b"), permit(r#"context.server == Netclaw::McpServer::"b""#));
        assert_eq!(seen("either", "zzz"), permit("false"));
        assert_eq!(seen("constant", "zzz"), permit("context.interactive"));
        assert_eq!(
            seen("constant", "a"),
            permit(r#"context.interactive || (context.server == Netclaw::McpServer::"a")"#)
        );
    }
}
