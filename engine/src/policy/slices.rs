//! Policy slicing: per (audience, action) and tool or server, the policies that can
//! apply, prepared at compile time.
//!
//! Cedar has no policy index; every `is_authorized` call evaluates every policy it is
//! given. A slice holds exactly the policies whose scope and server condition can
//! match, so evaluating it decides as the full set would, in a fraction of the time.

use std::collections::{BTreeMap, HashMap};

use cedar_policy::{ActionConstraint, EntityUid, Policy, PolicySet, PrincipalConstraint, ResourceConstraint};

use super::generate::{Action, SliceKey};
use crate::config::Audience;

/// `None` stands for the "invalid" audience.
pub(super) type Principal = Option<Audience>;

#[derive(Debug, Default)]
struct Table {
    generic: PolicySet,
    by_server: HashMap<String, PolicySet>,
    by_tool: HashMap<String, PolicySet>,
}

#[derive(Debug, Default)]
pub(super) struct Slices {
    tables: HashMap<(Principal, Action), Table>,
}

impl Slices {
    /// `placements` maps policy id → slice key for policies narrower than their scope.
    pub(super) fn build(set: &PolicySet, placements: &HashMap<String, SliceKey>) -> Result<Self, String> {
        let principals = [Some(Audience::Public), Some(Audience::Team), Some(Audience::Personal), None];
        let mut slices = Slices::default();
        for principal in principals {
            for action in Action::TOOL_ACTIONS {
                let mut generic = Vec::new();
                let mut by_server: BTreeMap<String, Vec<&Policy>> = BTreeMap::new();
                let mut by_tool: BTreeMap<String, Vec<&Policy>> = BTreeMap::new();
                for policy in set.policies() {
                    if !matches_principal(policy, principal) || !matches_action(policy, action) {
                        continue;
                    }
                    match placement(policy, placements) {
                        SliceKey::Any => generic.push(policy),
                        SliceKey::Server(server) => by_server.entry(server).or_default().push(policy),
                        SliceKey::Tool(tool) => by_tool.entry(tool).or_default().push(policy),
                    }
                }
                let mut table = Table { generic: set_of(generic.iter().copied())?, ..Table::default() };
                for (server, policies) in &by_server {
                    table.by_server.insert(server.clone(), set_of(generic.iter().chain(policies).copied())?);
                }
                for (tool, policies) in &by_tool {
                    let server = tool.split_once('/').map(|(s, _)| s);
                    let server_policies = server.and_then(|s| by_server.get(s)).into_iter().flatten();
                    let all = generic.iter().chain(server_policies).chain(policies).copied();
                    table.by_tool.insert(tool.clone(), set_of(all)?);
                }
                slices.tables.insert((principal, action), table);
            }
        }
        Ok(slices)
    }

    /// The policies that can decide this call.
    pub(super) fn get(
        &self,
        principal: Principal,
        action: Action,
        tool: &str,
        server: Option<&str>,
    ) -> Option<&PolicySet> {
        let table = self.tables.get(&(principal, action))?;
        table.by_tool.get(tool).or_else(|| server.and_then(|s| table.by_server.get(s))).or(Some(&table.generic))
    }

    /// How many policy sets were prepared (for the compile report and benchmarks).
    pub(super) fn count(&self) -> usize {
        self.tables.values().map(|t| 1 + t.by_server.len() + t.by_tool.len()).sum()
    }
}

fn set_of<'p>(policies: impl Iterator<Item = &'p Policy>) -> Result<PolicySet, String> {
    let mut set = PolicySet::new();
    for policy in policies {
        set.add(policy.clone()).map_err(|e| e.to_string())?;
    }
    Ok(set)
}

fn placement(policy: &Policy, placements: &HashMap<String, SliceKey>) -> SliceKey {
    if let Some(key) = placements.get(&policy.id().to_string()) {
        return key.clone();
    }
    match policy.resource_constraint() {
        ResourceConstraint::Eq(uid) => SliceKey::Tool(uid.id().unescaped().to_owned()),
        _ => SliceKey::Any,
    }
}

fn audience_of(uid: &EntityUid) -> Option<Principal> {
    if uid.type_name().to_string() != "Netclaw::Audience" {
        return None;
    }
    Some(uid.id().unescaped().parse::<Audience>().ok())
}

fn matches_principal(policy: &Policy, principal: Principal) -> bool {
    match policy.principal_constraint() {
        PrincipalConstraint::Eq(uid) => audience_of(&uid) == Some(principal),
        // `is`/`in` constraints are not generated; keep such a policy everywhere.
        _ => true,
    }
}

fn matches_action(policy: &Policy, action: Action) -> bool {
    let named = |uid: &EntityUid| uid.id().unescaped() == action.id();
    match policy.action_constraint() {
        ActionConstraint::Any => true,
        ActionConstraint::Eq(uid) => named(&uid),
        ActionConstraint::In(uids) => uids.iter().any(named),
    }
}
