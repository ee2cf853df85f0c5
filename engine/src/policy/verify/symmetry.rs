//! Servers the proofs need not tell apart.
//!
//! Cedar sees an entity only through equality with a literal and through `in`, never
//! through the text of its id. So when renaming server `a` (and its tools `a/…`) to
//! `b`, and `b` to `a`, leaves every policy set and the pinned store as they were,
//! the requests with server `a` and those with server `b` meet the same problem up
//! to that renaming: a property holds on one exactly when it holds on the other.
//! Only one server of each such class is proved; a config of 200 servers granted
//! alike has two or three classes.
//!
//! The test is textual and errs towards proving apart. Each server's key is what the
//! policies that name it become inside its own partition and outside it, with its
//! name replaced by a placeholder, and its own entities in the store, likewise. The
//! policies that name neither of two servers are the same for both. A policy left
//! naming any other server after the partition's rewrite (a literal in a set, say),
//! or a store entity under another server, keeps the servers it names apart.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use cedar_policy::EntityUid;
use serde_json::Value;

use super::est::EstSet;
use super::store::{Merged, SingleServerForms, literal_server, server_named, single_server_forms};

/// Stands for the server a key is about; no entity id is compared with it.
const PLACEHOLDER: &str = "\u{0}server";

/// The named servers whose proof is another server's: every class's members but
/// its first (by name), which is proved in their place.
pub(super) fn covered(store: &Merged, literals: &HashSet<EntityUid>, sets: &[&EstSet]) -> BTreeSet<String> {
    let mut keys = Keys::default();
    keys.read_store(store, literals);
    for (index, set) in sets.iter().enumerate() {
        for (_, json) in set.policies() {
            keys.read_policy(index, json);
        }
    }
    keys.covered()
}

#[derive(Default)]
struct Keys {
    /// Per named server, everything that could set it apart, in no particular order.
    keys: BTreeMap<String, Vec<String>>,
    /// Servers proved on their own whatever their keys say.
    apart: BTreeSet<String>,
}

impl Keys {
    /// Each server's own entities: itself and its tools, with their ancestors. The
    /// tools no policy names (not in `literals`) count by kind, as the partition's
    /// store keeps them ([`super::store`]): one of each. An entity under another
    /// server's (the store never has one) keeps both apart.
    fn read_store(&mut self, store: &Merged, literals: &HashSet<EntityUid>) {
        let mut kinds: HashSet<(&str, Vec<String>)> = HashSet::new();
        // Thousands of tools sit in a handful of groups: each group is written once.
        let mut written: HashMap<&EntityUid, String> = HashMap::new();
        for (uid, parents) in store.iter() {
            let Some(own) = mcp_server(uid) else {
                // Not a server's entity: only an ancestor of a server's matters.
                self.apart.extend(parents.iter().filter_map(mcp_server).map(str::to_owned));
                continue;
            };
            let mut ancestors = Vec::new();
            for ancestor in parents {
                match mcp_server(ancestor) {
                    Some(theirs) if theirs == own => ancestors.push(anonymised(ancestor, own)),
                    Some(theirs) => self.apart.extend([theirs, own].map(str::to_owned)),
                    None => ancestors.push(written.entry(ancestor).or_insert_with(|| ancestor.to_string()).clone()),
                }
            }
            ancestors.sort();
            if uid.type_name().basename() == "McpTool" && !literals.contains(uid) {
                kinds.insert((own, ancestors));
            } else {
                let entry = format!("entity {} in {ancestors:?}", anonymised(uid, own));
                self.keys.entry(own.to_owned()).or_default().push(entry);
            }
        }
        for (server, ancestors) in kinds {
            self.keys.entry(server.to_owned()).or_default().push(format!("a tool in {ancestors:?}"));
        }
    }

    /// A policy of set `index`: to each server it names, what it is inside that
    /// server's partition and in the partitions of servers it does not name.
    fn read_policy(&mut self, index: usize, est: &Value) {
        let SingleServerForms { outside, mut inside } = single_server_forms(est);
        inside.retain(|server, _| self.keys.contains_key(server));
        if inside.is_empty() {
            return;
        }
        let named: Vec<String> = inside.keys().cloned().collect();
        let outside = text(outside, None);
        let inside: Option<Vec<(String, String)>> =
            inside.into_iter().map(|(server, form)| text(form, Some(&server)).map(|t| (server, t))).collect();
        let (Some(outside), Some(inside)) = (outside, inside) else {
            self.apart.extend(named);
            return;
        };
        for (server, text) in inside {
            let key = self.keys.entry(server).or_default();
            key.push(format!("set {index} inside {text}"));
            key.push(format!("set {index} outside {outside}"));
        }
    }

    fn covered(self) -> BTreeSet<String> {
        let mut classes: BTreeMap<Vec<String>, Vec<String>> = BTreeMap::new();
        for (server, mut key) in self.keys {
            if self.apart.contains(&server) {
                continue;
            }
            key.sort();
            classes.entry(key).or_default().push(server);
        }
        classes.into_values().flat_map(|servers| servers.into_iter().skip(1)).collect()
    }
}

/// A policy's form (`None`: dropped out) as text, with `server` anonymised; `None`
/// if it names another server.
fn text(form: Option<Value>, server: Option<&str>) -> Option<String> {
    let Some(mut form) = form else { return Some("dropped".to_owned()) };
    let mut anonymous = true;
    anonymise(&mut form, server, &mut anonymous);
    anonymous.then(|| form.to_string())
}

/// Each literal of `server` or its tools given the placeholder's name; `anonymous`
/// cleared on a literal of another server.
fn anonymise(node: &mut Value, server: Option<&str>, anonymous: &mut bool) {
    if let Some(own) = literal_server(node) {
        match server {
            Some(server) if own == server => {
                let rest = node["id"].as_str().and_then(|id| id.get(server.len()..)).unwrap_or_default().to_owned();
                node["id"] = Value::String(format!("{PLACEHOLDER}{rest}"));
            }
            _ => *anonymous = false,
        }
        return;
    }
    match node {
        Value::Object(map) => map.values_mut().for_each(|value| anonymise(value, server, anonymous)),
        Value::Array(items) => items.iter_mut().for_each(|item| anonymise(item, server, anonymous)),
        _ => {}
    }
}

/// The server of an MCP server or tool entity, if it names one (not `""`).
fn mcp_server(uid: &EntityUid) -> Option<&str> {
    server_named(uid.type_name().basename(), uid.id().unescaped())
}

/// An entity of `server` (itself or a tool) as text, with the placeholder for its name.
fn anonymised(uid: &EntityUid, server: &str) -> String {
    let rest = uid.id().unescaped().get(server.len()..).unwrap_or_default();
    format!("{}::{PLACEHOLDER}{rest}", uid.type_name())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test fails by panicking")]

    use std::path::Path;

    use cedar_policy::{Policy, PolicyId};
    use serde_json::json;

    use super::*;
    use crate::policy::CompiledPolicy;
    use crate::policy::verify::{properties, store};
    use crate::{HomeConfig, HomeFiles, ProtectedPaths};

    /// Servers `a`…`g` with tools `t0`…`t3` for Team and Personal, `t1` needing
    /// approval everywhere; `f` is not Personal's, `g/t2` is denied to Team.
    fn config() -> CompiledPolicy {
        let servers = ["a", "b", "c", "d", "e", "f", "g"];
        let grants: serde_json::Map<String, Value> =
            servers.iter().map(|s| ((*s).to_owned(), json!(["t0", "t1", "t2", "t3"]))).collect();
        let mut overrides: serde_json::Map<String, Value> =
            servers.iter().map(|s| (format!("{s}/t1"), json!("Approval"))).collect();
        overrides.insert("g/t2".into(), json!("Deny"));
        let text = json!({"Security": {"DeploymentPosture": "Team"}, "Tools": {"AudienceProfiles": {
            "Personal": {"AllowedMcpServers": ["a", "b", "c", "d", "e", "g"], "McpServerToolGrants": grants},
            "Team": {"AllowedMcpServers": servers, "McpServerToolGrants": grants,
                     "ApprovalPolicy": {"ToolOverrides": overrides}}}}});
        let loaded = HomeConfig::load(&HomeFiles::empty().with_netclaw(text.to_string()), &[]);
        CompiledPolicy::compile(&loaded, ProtectedPaths::new(Path::new("/h/.netclaw"), None)).unwrap()
    }

    /// `covered` as the proofs ask it: over the config's set and the properties' bounds.
    fn covered_in(policy: &CompiledPolicy) -> Vec<String> {
        let store = store::pinned(&[store::Source { prefix: "", entities: policy.unsliced().1 }]).unwrap();
        let properties = properties::all(policy).unwrap();
        let config = EstSet::new(policy.unsliced().0).unwrap();
        let sets = super::super::sets(&config, &properties);
        let literals = store::literals(sets.iter().flat_map(|set| set.policies())).unwrap();
        covered(&store, &literals, &sets).into_iter().collect()
    }

    fn with(mut policy: CompiledPolicy, id: &str, text: &str) -> CompiledPolicy {
        policy.policies.add(Policy::parse(Some(PolicyId::new(id)), text).unwrap()).unwrap();
        policy
    }

    #[test]
    fn servers_granted_alike_are_proved_once() {
        // `f` differs in the store (not Personal's), `g` in a policy (its Deny).
        assert_eq!(covered_in(&config()), ["b", "c", "d", "e"]);
    }

    #[test]
    fn a_policy_on_one_server_sets_it_apart() {
        let rogue = r#"permit (principal, action, resource == Netclaw::McpTool::"c/t3");"#;
        assert_eq!(covered_in(&with(config(), "rogue", rogue)), ["b", "d", "e"]);
        // The same policy on every one of them leaves them alike.
        let mut policy = config();
        for server in ["a", "b", "c", "d", "e"] {
            let text = format!(r#"permit (principal, action, resource == Netclaw::McpTool::"{server}/t3");"#);
            policy = with(policy, &format!("rogue.{server}"), &text);
        }
        assert_eq!(covered_in(&policy), ["b", "c", "d", "e"]);
        // A condition on one server's requests (not a scope) does too.
        let condition = r#"permit (principal, action, resource) when { context.server == Netclaw::McpServer::"d" };"#;
        assert_eq!(covered_in(&with(config(), "rogue", condition)), ["b", "c", "e"]);
    }

    #[test]
    fn servers_a_policy_names_together_other_than_by_comparison_stay_apart() {
        let set = r#"permit (principal, action, resource) when { resource in [Netclaw::McpTool::"b/t0", Netclaw::McpTool::"d/t0"] };"#;
        assert_eq!(covered_in(&with(config(), "rogue", set)), ["c", "e"]);
        let record =
            r#"permit (principal, action, resource) when { {annotations: Netclaw::McpServer::"e"} has annotations };"#;
        assert_eq!(covered_in(&with(config(), "rogue", record)), ["b", "c", "d"]);
    }

    #[test]
    fn more_tools_of_a_kind_set_no_server_apart() {
        let servers = ["a", "b", "c"];
        let mut grants: serde_json::Map<String, Value> =
            servers.iter().map(|s| ((*s).to_owned(), json!(["t0", "t1"]))).collect();
        grants.insert("b".into(), json!(["t0", "t1", "t2"]));
        let overrides: serde_json::Map<String, Value> =
            ["a/t1", "b/t1", "c/t1"].iter().map(|t| ((*t).to_owned(), json!("Approval"))).collect();
        let compiled = |team: Value| {
            let text = json!({"Security": {"DeploymentPosture": "Team"}, "Tools": {"AudienceProfiles": {
                "Personal": {"AllowedMcpServers": servers, "McpServerToolGrants": grants,
                             "ApprovalPolicy": {"ToolOverrides": overrides}},
                "Team": team}}});
            let loaded = HomeConfig::load(&HomeFiles::empty().with_netclaw(text.to_string()), &[]);
            CompiledPolicy::compile(&loaded, ProtectedPaths::new(Path::new("/h/.netclaw"), None)).unwrap()
        };
        assert_eq!(covered_in(&compiled(json!({}))), ["b", "c"], "tools no policy names count by kind");
        // `c/t5` is Team's and not Personal's: a kind no other server has.
        let team = json!({"AllowedMcpServers": servers,
            "McpServerToolGrants": {"a": ["t0", "t1"], "b": ["t0", "t1", "t2"], "c": ["t0", "t1", "t5"]}});
        assert_eq!(covered_in(&compiled(team)), ["b"]);
    }
}
