//! Policy slicing: for each question, only the policies that can apply to it.
//!
//! Cedar has no policy index; every `is_authorized` call evaluates every policy it is
//! given. A slice holds the policies whose scope and conditions can be satisfied by a
//! question's principal, action, resource type, tool or server, and values of the
//! context facts that gate policies (hard-deny evidence, a persisted approval, an
//! interactive session). Every policy left out is one that cannot be satisfied, so a
//! slice decides — allowed, and by which policies — exactly as the full set would; the
//! engine test `slices_decide_as_the_full_set` checks that for every request kind.
//!
//! A slice's policy set is built the first time a question needs it: most of the
//! (tool, fact values) combinations are never asked, and compile time is the
//! hot-reload latency of every config change.

use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

use cedar_policy::{ActionConstraint, EntityUid, Policy, PolicySet, PrincipalConstraint, ResourceConstraint};
use serde_json::Value;

use super::generate::{Action, SliceKey};
use super::tool_name::ToolName;
use crate::config::Audience;
use crate::decision::Layer;

/// `None` stands for the "invalid" audience.
pub(super) type Principal = Option<Audience>;

/// A context fact a policy can be gated on, by its path in the Cedar context.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fact {
    Operation,
    Resource,
    Approved,
    Interactive,
}

impl Fact {
    fn at(path: &str) -> Option<Fact> {
        Some(match path {
            "context.hardDeny.operation" => Fact::Operation,
            "context.hardDeny.resource" => Fact::Resource,
            "context.approvedAlways" => Fact::Approved,
            "context.interactive" => Fact::Interactive,
            _ => return None,
        })
    }

    fn bit(self) -> u8 {
        match self {
            Fact::Operation => 1,
            Fact::Resource => 2,
            Fact::Approved => 4,
            Fact::Interactive => 8,
        }
    }
}

/// The facts a policy needs true (a `when` that is just the fact) and needs false (an
/// `unless` with the fact among its alternatives) to apply at all, and whether its
/// conditions say anything else.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Gate {
    needs: u8,
    excludes: u8,
    more: bool,
}

impl Gate {
    /// From a policy's conditions: `(true, terms)` for `when { a || b }`, `(false, terms)`
    /// for `unless { a || b }`, each term as Cedar text.
    pub(super) fn of<'t>(conditions: impl IntoIterator<Item = (bool, &'t [String])>) -> Gate {
        let mut gate = Gate::default();
        for (when, terms) in conditions {
            let facts: Vec<Option<Fact>> = terms.iter().map(|t| Fact::at(t.trim())).collect();
            gate.more |= facts.iter().any(Option::is_none);
            match (when, facts.as_slice()) {
                (true, [Some(fact)]) => gate.needs |= fact.bit(),
                (true, _) => gate.more = true,
                (false, _) => gate.excludes |= facts.iter().flatten().fold(0, |bits, f| bits | f.bit()),
            }
        }
        gate
    }

    /// From a policy's JSON form (Cedar's EST), for the static policies.
    fn of_est(est: &Value) -> Gate {
        let mut gate = Gate::default();
        for condition in est.get("conditions").and_then(Value::as_array).into_iter().flatten() {
            let Some(body) = condition.get("body") else { continue };
            // `when`: every conjunct must hold; `unless`: no alternative may.
            let (op, bits) = match condition.get("kind").and_then(Value::as_str) {
                Some("when") => ("&&", &mut gate.needs),
                Some("unless") => ("||", &mut gate.excludes),
                _ => {
                    gate.more = true;
                    continue;
                }
            };
            let mut terms = Vec::new();
            flatten(body, op, &mut terms);
            let facts: Vec<Option<Fact>> = terms.into_iter().map(est_fact).collect();
            *bits |= facts.iter().flatten().fold(0, |bits, f| bits | f.bit());
            gate.more |= facts.iter().any(Option::is_none);
        }
        gate
    }

    fn holds(self, facts: FactValues) -> bool {
        let bits = facts.bits();
        bits & self.needs == self.needs && bits & self.excludes == 0
    }
}

/// `a op b op c` as its operands.
fn flatten<'v>(expr: &'v Value, op: &str, out: &mut Vec<&'v Value>) {
    match expr.get(op) {
        Some(pair) => {
            for side in ["left", "right"] {
                if let Some(operand) = pair.get(side) {
                    flatten(operand, op, out);
                }
            }
        }
        None => out.push(expr),
    }
}

/// The fact an EST expression reads, when it is nothing but a fact.
fn est_fact(expr: &Value) -> Option<Fact> {
    fn path(expr: &Value) -> Option<String> {
        if expr.get("Var").and_then(Value::as_str) == Some("context") {
            return Some("context".to_owned());
        }
        let access = expr.get(".")?;
        Some(format!("{}.{}", path(access.get("left")?)?, access.get("attr")?.as_str()?))
    }
    Fact::at(&path(expr)?)
}

/// The values a question has of the gating facts. Hard-deny evidence names one layer,
/// so there are 3 × 2 × 2 combinations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct FactValues {
    pub hard_deny: Option<Layer>,
    pub approved: bool,
    pub interactive: bool,
}

const COMBINATIONS: usize = 12;

impl FactValues {
    fn bits(self) -> u8 {
        let hard_deny = match self.hard_deny {
            Some(Layer::OperationHardDeny) => Fact::Operation.bit(),
            Some(Layer::ResourceHardDeny) => Fact::Resource.bit(),
            _ => 0,
        };
        let flag = |on: bool, fact: Fact| if on { fact.bit() } else { 0 };
        hard_deny | flag(self.approved, Fact::Approved) | flag(self.interactive, Fact::Interactive)
    }

    fn index(self) -> usize {
        let hard_deny = match self.hard_deny {
            Some(Layer::OperationHardDeny) => 1,
            Some(Layer::ResourceHardDeny) => 2,
            _ => 0,
        };
        hard_deny * 4 + usize::from(self.approved) * 2 + usize::from(self.interactive)
    }
}

/// The resource types a policy can apply to, as bits.
const TOOL: u8 = 1;
const MCP_TOOL: u8 = 2;

fn kind_of_type(type_name: &str) -> u8 {
    match type_name {
        "Netclaw::Tool" => TOOL,
        "Netclaw::McpTool" => MCP_TOOL,
        _ => 0,
    }
}

/// What is known about one policy for slicing, read once.
#[derive(Debug)]
struct Placed {
    member: Member,
    principals: Principals,
    actions: Vec<Action>,
    kinds: u8,
    key: SliceKey,
}

/// A policy in a slice.
#[derive(Debug, Clone, Copy)]
struct Member {
    index: u32,
    gate: Gate,
    /// Satisfied whenever its gate holds: any resource, no condition but facts.
    only_facts: bool,
}

/// A slice for one combination of fact values: its policies, and Cedar's answer when
/// the facts alone decide it (every policy is satisfied whenever it is present).
#[derive(Debug)]
pub(super) struct Slice {
    pub set: PolicySet,
    /// Allowed?, and the policies that decided (Cedar's determining policies).
    pub decided: Option<(bool, Vec<String>)>,
}

/// One slice entry: its policies, and the [`Slice`] for each combination of fact
/// values, built when first asked for.
#[derive(Debug)]
struct Entry {
    members: Vec<Member>,
    slices: [OnceLock<Result<Slice, String>>; COMBINATIONS],
    /// Whether a member names an MCP tool; see [`Slices::tells_no_tool_apart`].
    names_mcp_tool: OnceLock<bool>,
}

impl Entry {
    fn new(members: Vec<Member>) -> Self {
        Entry { members, slices: std::array::from_fn(|_| OnceLock::new()), names_mcp_tool: OnceLock::new() }
    }
}

#[derive(Debug)]
struct Table {
    /// First-party tools with no policy of their own.
    first_party: Entry,
    /// MCP tools of servers with no policy of their own.
    mcp: Entry,
    by_server: HashMap<String, Entry>,
    by_tool: HashMap<String, Entry>,
}

#[derive(Debug)]
pub(super) struct Slices {
    policies: Vec<Policy>,
    /// Per policy, whether it names an MCP tool: read when first asked (doctor's
    /// probes), not at compile time.
    names_mcp_tool: Vec<OnceLock<bool>>,
    tables: HashMap<(Principal, Action), Table>,
    ingress: PolicySet,
}

/// How `Slices::build` is told where a generated policy belongs: the slice its config
/// key narrows it to, and the facts its conditions are gated on.
pub(super) type Placements = HashMap<String, (SliceKey, Gate)>;

impl Slices {
    /// `placements` covers the generated policies; the static ones are read from their
    /// Cedar form. `group_kinds`: for each group, the resource types of its members.
    pub(super) fn build(
        set: &PolicySet,
        placements: &Placements,
        group_kinds: &HashMap<String, u8>,
    ) -> Result<Self, String> {
        let mut policies = Vec::new();
        let mut placed = Vec::new();
        let mut ingress = PolicySet::new();
        for policy in set.policies() {
            let actions = actions_of(policy);
            if actions.contains(&Action::Ingress) {
                ingress.add(policy.clone()).map_err(|e| e.to_string())?;
            }
            let actions: Vec<Action> = actions.into_iter().filter(|a| *a != Action::Ingress).collect();
            if actions.is_empty() {
                continue;
            }
            let index = u32::try_from(policies.len()).map_err(|e| e.to_string())?;
            let (key, gate) = match placements.get(&policy.id().to_string()) {
                Some((key, gate)) => (key.clone(), *gate),
                None => (default_key(policy), Gate::of_est(&policy.to_json().map_err(|e| e.to_string())?)),
            };
            let kinds = kinds_of(policy, group_kinds);
            let only_facts = !gate.more && matches!(policy.resource_constraint(), ResourceConstraint::Any);
            let member = Member { index, gate, only_facts };
            placed.push(Placed { member, principals: Principals::of(policy), actions, kinds, key });
            policies.push(policy.clone());
        }
        let mut tables = HashMap::new();
        for principal in [Some(Audience::Public), Some(Audience::Team), Some(Audience::Personal), None] {
            for action in Action::TOOL_ACTIONS {
                let relevant = placed
                    .iter()
                    .filter(|p| p.principals.matches(principal) && p.actions.contains(&action) && p.kinds != 0);
                tables.insert((principal, action), Table::build(relevant));
            }
        }
        let names_mcp_tool = policies.iter().map(|_| OnceLock::new()).collect();
        Ok(Slices { policies, names_mcp_tool, tables, ingress })
    }

    /// The policies that can decide this question. `tool` is the canonical id.
    pub(super) fn get(
        &self,
        principal: Principal,
        action: Action,
        tool: &str,
        server: Option<&str>,
        facts: FactValues,
    ) -> Result<&Slice, String> {
        let table = self.tables.get(&(principal, action)).ok_or_else(|| format!("no policy slice for {action:?}"))?;
        let generic = if server.is_some() { &table.mcp } else { &table.first_party };
        let by_server = || server.and_then(|s| table.by_server.get(s));
        let entry = table.by_tool.get(tool).or_else(by_server).unwrap_or(generic);
        let slot = entry.slices.get(facts.index()).ok_or("fact values out of range")?;
        slot.get_or_init(|| self.slice(entry, facts)).as_ref().map_err(Clone::clone)
    }

    fn slice(&self, entry: &Entry, facts: FactValues) -> Result<Slice, String> {
        let members: Vec<&Member> = entry.members.iter().filter(|m| m.gate.holds(facts)).collect();
        let mut set = PolicySet::new();
        for member in &members {
            let policy = self.policies.get(member.index as usize).ok_or("a slice names a missing policy")?;
            set.add(policy.clone()).map_err(|e| e.to_string())?;
        }
        // Cedar's rule: any satisfied forbid denies, by those forbids; else any
        // satisfied permit allows, by those permits; else deny, by none.
        let decided = members.iter().all(|m| m.only_facts).then(|| {
            let ids = |permit: bool| -> Vec<String> {
                set.policies()
                    .filter(|p| (p.effect() == cedar_policy::Effect::Permit) == permit)
                    .map(|p| p.id().to_string())
                    .collect()
            };
            let (forbids, permits) = (ids(false), ids(true));
            if forbids.is_empty() { (!permits.is_empty(), permits) } else { (false, forbids) }
        });
        Ok(Slice { set, decided })
    }

    /// Whether every tool question about `tool` goes to a slice it shares with the
    /// other tools of `server` that have no policy of their own, and none of those
    /// slices names an MCP tool: then only the tool's ancestors can set it apart.
    pub(super) fn tells_no_tool_apart(&self, principal: Principal, tool: &str, server: &str) -> bool {
        Action::TOOL_ACTIONS.iter().all(|action| {
            let Some(table) = self.tables.get(&(principal, *action)) else { return false };
            let entry = table.by_server.get(server).unwrap_or(&table.mcp);
            let named = || entry.members.iter().any(|m| self.names_mcp_tool(m.index));
            !table.by_tool.contains_key(tool) && !*entry.names_mcp_tool.get_or_init(named)
        })
    }

    fn names_mcp_tool(&self, index: u32) -> bool {
        let Some(slot) = self.names_mcp_tool.get(index as usize) else { return true };
        *slot.get_or_init(|| {
            let Some(json) = self.policies.get(index as usize).and_then(|p| p.to_json().ok()) else { return true };
            let mut named = false;
            entity_literals(&json, &mut |literal| {
                named |= literal.get("type").and_then(Value::as_str) == Some("Netclaw::McpTool");
            });
            named
        })
    }

    /// The Slack ingress policies: the channel ACL.
    pub(super) fn ingress(&self) -> &PolicySet {
        &self.ingress
    }

    /// How many slices were prepared (for the compile report and benchmarks).
    pub(super) fn count(&self) -> usize {
        let entries = |t: &Table| 2 + t.by_server.len() + t.by_tool.len();
        self.tables.values().map(entries).sum()
    }
}

impl Table {
    fn build<'p>(relevant: impl Iterator<Item = &'p Placed>) -> Table {
        let mut generic: Vec<&Placed> = Vec::new();
        let mut by_server: BTreeMap<&str, Vec<&Placed>> = BTreeMap::new();
        let mut by_tool: BTreeMap<&str, Vec<&Placed>> = BTreeMap::new();
        for placed in relevant {
            match &placed.key {
                SliceKey::Any => generic.push(placed),
                SliceKey::Server(server) => by_server.entry(server).or_default().push(placed),
                SliceKey::Tool(tool) => by_tool.entry(tool).or_default().push(placed),
            }
        }
        let entry = |kind: u8, groups: &[&[&Placed]]| {
            let members = groups.iter().flat_map(|g| g.iter()).filter(|p| p.kinds & kind != 0);
            Entry::new(members.map(|p| p.member).collect())
        };
        let mut table = Table {
            first_party: entry(TOOL, &[&generic]),
            mcp: entry(MCP_TOOL, &[&generic]),
            by_server: HashMap::new(),
            by_tool: HashMap::new(),
        };
        for (server, policies) in &by_server {
            table.by_server.insert((*server).to_owned(), entry(MCP_TOOL, &[&generic, policies]));
        }
        for (tool, policies) in &by_tool {
            let entry = match ToolName::parse(tool).server() {
                Some(server) => {
                    let server_policies = by_server.get(server).map_or(&[][..], Vec::as_slice);
                    entry(MCP_TOOL, &[&generic, server_policies, policies])
                }
                None => entry(TOOL, &[&generic, policies]),
            };
            table.by_tool.insert((*tool).to_owned(), entry);
        }
        table
    }
}

fn default_key(policy: &Policy) -> SliceKey {
    match policy.resource_constraint() {
        ResourceConstraint::Eq(uid) => SliceKey::Tool(uid.id().unescaped().to_owned()),
        _ => SliceKey::Any,
    }
}

/// The resource types a policy's scope can match. A group's members are known from
/// the entities; a group without members matches no tool at all.
fn kinds_of(policy: &Policy, group_kinds: &HashMap<String, u8>) -> u8 {
    let of_uid = |uid: &EntityUid| kind_of_type(&uid.type_name().to_string());
    match policy.resource_constraint() {
        ResourceConstraint::Any => TOOL | MCP_TOOL,
        ResourceConstraint::Eq(uid) => of_uid(&uid),
        ResourceConstraint::Is(type_name) | ResourceConstraint::IsIn(type_name, _) => {
            kind_of_type(&type_name.to_string())
        }
        ResourceConstraint::In(uid) if uid.type_name().to_string() == "Netclaw::Group" => {
            group_kinds.get(uid.id().unescaped()).copied().unwrap_or(0)
        }
        // `in` another entity: its descendants could be of any type.
        ResourceConstraint::In(_) => TOOL | MCP_TOOL,
    }
}

/// Calls `found` with every entity literal (`{"type": …, "id": …}`) in a policy's JSON
/// form, in its scope or its conditions. The policy's annotations are text, not
/// literals (`@id`/`@type` would read as one); a record's `annotations` attribute,
/// deeper down, is an expression like any other.
pub(super) fn entity_literals(policy: &Value, found: &mut dyn FnMut(&Value)) {
    match policy {
        Value::Object(map) => {
            map.iter().filter(|(key, _)| *key != "annotations").for_each(|(_, value)| literals_in(value, found));
        }
        other => literals_in(other, found),
    }
}

fn literals_in(node: &Value, found: &mut dyn FnMut(&Value)) {
    match node {
        Value::Object(map) => {
            if let (Some(Value::String(_)), Some(Value::String(_))) = (map.get("type"), map.get("id")) {
                found(node);
            }
            map.values().for_each(|value| literals_in(value, found));
        }
        Value::Array(items) => items.iter().for_each(|item| literals_in(item, found)),
        _ => {}
    }
}

/// The resource-type bit of an entity type as entity declarations name it (`McpTool`).
pub(super) fn kind_of_decl(entity_type: &str) -> u8 {
    kind_of_type(&format!("Netclaw::{entity_type}"))
}

/// Every kind bit, for a group whose members include groups.
pub(super) const ANY_KIND: u8 = TOOL | MCP_TOOL;

fn audience_of(uid: &EntityUid) -> Option<Principal> {
    if uid.type_name().to_string() != "Netclaw::Audience" {
        return None;
    }
    Some(uid.id().unescaped().parse::<Audience>().ok())
}

/// The audiences a policy's principal constraint can match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Principals {
    /// No constraint, or `is`/`in` ones (not generated; such a policy is kept everywhere).
    Any,
    One(Principal),
    /// An entity that is no audience: it never asks a tool question.
    Nobody,
}

impl Principals {
    fn of(policy: &Policy) -> Self {
        match policy.principal_constraint() {
            PrincipalConstraint::Eq(uid) => audience_of(&uid).map_or(Principals::Nobody, Principals::One),
            _ => Principals::Any,
        }
    }

    fn matches(self, principal: Principal) -> bool {
        match self {
            Principals::Any => true,
            Principals::One(only) => only == principal,
            Principals::Nobody => false,
        }
    }
}

fn actions_of(policy: &Policy) -> Vec<Action> {
    let all = [Action::Invoke, Action::AutoRun, Action::Ask, Action::Ingress];
    let named = |uid: &EntityUid| all.into_iter().find(|a| uid.id().unescaped() == a.id());
    match policy.action_constraint() {
        ActionConstraint::Any => all.to_vec(),
        ActionConstraint::Eq(uid) => named(&uid).into_iter().collect(),
        ActionConstraint::In(uids) => uids.iter().filter_map(named).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn static_gate(id: &str) -> Gate {
        let set: PolicySet = crate::policy::STATIC_POLICIES.parse().unwrap_or_default();
        let policy = set.policies().find(|p| p.annotation("id") == Some(id));
        policy.and_then(|p| p.to_json().ok()).map(|est| Gate::of_est(&est)).unwrap_or_default()
    }

    #[test]
    fn gates_are_read_from_static_and_generated_conditions_alike() {
        let operation = Gate { needs: Fact::Operation.bit(), excludes: 0, more: false };
        assert_eq!(static_gate("netclaw.hard_deny.operation"), operation);
        let unattended = Gate { needs: 0, excludes: Fact::Interactive.bit(), more: false };
        assert_eq!(static_gate("netclaw.approval.unattended"), unattended);
        let terms = ["resource in Netclaw::Group::\"x\"".to_owned(), "context.approvedAlways".to_owned()];
        let approval_mode = Gate::of([(false, &terms[..])]);
        assert_eq!(approval_mode, Gate { needs: 0, excludes: Fact::Approved.bit(), more: true });
        // `when { a || context.interactive }` does not need the fact: `a` may hold alone.
        let either = ["context.server == x".to_owned(), "context.interactive".to_owned()];
        assert_eq!(Gate::of([(true, &either[..])]), Gate { needs: 0, excludes: 0, more: true });
    }

    /// A policy outside any tool's own slice that names an MCP tool sets that tool
    /// apart from the rest of its server: doctor must then ask about each on its own.
    #[test]
    fn a_shared_slice_that_names_an_mcp_tool_tells_tools_apart() -> Result<(), String> {
        let slices = |condition: &str| -> Result<Slices, String> {
            let text = format!("permit (principal, action, resource is Netclaw::McpTool) when {{ {condition} }};");
            let set: PolicySet = text.parse().map_err(|e| format!("{e}"))?;
            Slices::build(&set, &Placements::new(), &HashMap::new())
        };
        let team = Some(Audience::Team);
        let named = slices(r#"resource == Netclaw::McpTool::"alpha/read""#)?;
        assert!(!named.tells_no_tool_apart(team, "alpha/other", "alpha"));
        let in_a_set = slices(r#"[Netclaw::McpTool::"beta/x"].contains(resource)"#)?;
        assert!(!in_a_set.tells_no_tool_apart(team, "alpha/other", "alpha"));
        let by_group = slices(r#"resource in Netclaw::Group::"team.mcp.tools""#)?;
        assert!(by_group.tells_no_tool_apart(team, "alpha/other", "alpha"));
        Ok(())
    }

    #[test]
    fn fact_values_index_twelve_slots() {
        let mut seen = std::collections::HashSet::new();
        for hard_deny in [None, Some(Layer::OperationHardDeny), Some(Layer::ResourceHardDeny)] {
            for (approved, interactive) in [(false, false), (false, true), (true, false), (true, true)] {
                let index = FactValues { hard_deny, approved, interactive }.index();
                assert!(index < COMBINATIONS && seen.insert(index));
            }
        }
    }
}
