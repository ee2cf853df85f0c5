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

use std::collections::{BTreeMap, HashSet};

use cedar_policy::{Entities, Entity, EntityUid, Policy, PolicyId, PolicySet};
use serde_json::{Value, json};

use super::VerifyError;

/// The group every McpTool a config names is put in, for the realizable-request check.
pub(super) const NAMED_TOOLS: &str = "verify.named_tools";

/// One config's store as it enters a pinned store: its groups prefixed by `prefix`.
pub(super) struct Source<'a> {
    pub prefix: &'a str,
    pub entities: &'a Entities,
}

/// The stores merged: each entity with its ancestors as parents (the same answers,
/// transitively closed), groups renamed per source, named MCP tools in
/// [`NAMED_TOOLS`] and under their server.
pub(super) fn pinned(sources: &[Source<'_>]) -> Result<Entities, VerifyError> {
    let mut parents: BTreeMap<EntityUid, HashSet<EntityUid>> = BTreeMap::new();
    let named = uid("Group", NAMED_TOOLS)?;
    for source in sources {
        for entity in source.entities.iter() {
            let original = entity.uid();
            let this = renamed(&original, source.prefix)?;
            let slot = parents.entry(this).or_default();
            for ancestor in source.entities.ancestors(&original).into_iter().flatten() {
                slot.insert(renamed(ancestor, source.prefix)?);
            }
            if original.type_name().basename() == "McpTool" {
                let id = original.id().unescaped();
                slot.insert(uid("McpServer", id.split_once('/').map_or(id, |(server, _)| server))?);
                slot.insert(named.clone());
            }
        }
    }
    let entities = parents.into_iter().map(|(uid, parents)| Entity::new_no_attrs(uid, parents));
    Entities::from_entities(entities, None).map_err(|err| VerifyError::Cedar(err.to_string()))
}

fn uid(kind: &str, id: &str) -> Result<EntityUid, VerifyError> {
    EntityUid::from_json(json!({"type": format!("Netclaw::{kind}"), "id": id}))
        .map_err(|err| VerifyError::Cedar(err.to_string()))
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
}

pub(super) fn rewrite(policies: &PolicySet, how: Rewrite<'_>) -> Result<PolicySet, VerifyError> {
    if how.group_prefix.is_empty() && how.principal.is_none() {
        return Ok(policies.clone());
    }
    let mut out = PolicySet::new();
    for policy in policies.policies() {
        if let Some(rewritten) = rewrite_policy(policy, how)? {
            out.add(rewritten).map_err(|err| VerifyError::Cedar(err.to_string()))?;
        }
    }
    Ok(out)
}

fn rewrite_policy(policy: &Policy, how: Rewrite<'_>) -> Result<Option<Policy>, VerifyError> {
    let id = policy.id().to_string();
    let unsupported = |detail: &str| VerifyError::Unsupported { policy: id.clone(), detail: detail.to_owned() };
    let mut est = policy.to_json().map_err(|err| unsupported(&err.to_string()))?;
    if let Some(principal) = how.principal {
        let scope = est.get_mut("principal").ok_or_else(|| unsupported("a policy without a principal scope"))?;
        match scope.get("op").and_then(Value::as_str) {
            Some("All") => {}
            Some("==") => {
                let same =
                    scope.get("entity").cloned().and_then(|e| EntityUid::from_json(e).ok()).as_ref() == Some(principal);
                if !same {
                    return Ok(None);
                }
                *scope = json!({"op": "All"});
            }
            other => return Err(unsupported(&format!("a `{}` principal scope", other.unwrap_or("?")))),
        }
    }
    let est = rewritten(est, how);
    Policy::from_json(Some(PolicyId::new(&id)), est).map(Some).map_err(|err| unsupported(&err.to_string()))
}

/// Every group literal renamed and every `principal` replaced, anywhere in the EST
/// (scopes, conditions). The annotations are text and stay as they are.
fn rewritten(node: Value, how: Rewrite<'_>) -> Value {
    match node {
        Value::Object(mut map) => {
            if let (Some(principal), Some(Value::String(var))) = (how.principal, map.get("Var"))
                && var == "principal"
            {
                return json!({"Value": {"__entity": {"type": principal.type_name().to_string(), "id": principal.id().unescaped()}}});
            }
            let is_group = map.get("type").and_then(Value::as_str) == Some("Netclaw::Group");
            if is_group
                && !how.group_prefix.is_empty()
                && let Some(Value::String(id)) = map.get_mut("id")
            {
                *id = format!("{}{id}", how.group_prefix);
            }
            for (key, value) in map.iter_mut() {
                if key != "annotations" {
                    *value = rewritten(value.take(), how);
                }
            }
            Value::Object(map)
        }
        Value::Array(items) => Value::Array(items.into_iter().map(|item| rewritten(item, how)).collect()),
        other => other,
    }
}
