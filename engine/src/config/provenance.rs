//! Where every effective value came from.
//!
//! Layers are applied lowest first (defaults, `netclaw.json`, `secrets.json`, env);
//! objects merge and everything else replaces, and each replacement re-records the
//! source of every leaf it brings. A leaf is a scalar, an array (arrays replace whole)
//! or an empty object. Later issues cite these sources in every decision.

use std::collections::BTreeMap;
use std::fmt;

use schemars::JsonSchema;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::json_pointer;

/// Where one effective value came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Source {
    /// netclaw's built-in default.
    Default,
    /// A file under the home; `pointer` is in the file's own key spelling.
    File { file: String, pointer: String, line: Option<u32>, column: Option<u32> },
    /// A `NETCLAW_*` environment variable.
    Env { var: String },
}

impl Source {
    pub fn is_default(&self) -> bool {
        matches!(self, Source::Default)
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Default => f.write_str("default"),
            Source::File { file, pointer, line, column } => {
                f.write_str(file)?;
                if let (Some(line), Some(column)) = (line, column) {
                    write!(f, ":{line}:{column}")?;
                }
                write!(f, " {pointer}")
            }
            Source::Env { var } => write!(f, "env {var}"),
        }
    }
}

/// Canonical pointer of each effective leaf → its source.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Provenance {
    leaves: BTreeMap<String, Source>,
}

impl Provenance {
    /// The source of the value at `pointer`: its own, or that of the leaf containing it
    /// (an array element's source is the array's).
    pub(crate) fn source_of(&self, pointer: &str) -> Option<&Source> {
        let mut candidate = pointer;
        loop {
            if let Some(source) = self.leaves.get(candidate) {
                return Some(source);
            }
            candidate = candidate.get(..candidate.rfind('/')?)?;
        }
    }

    /// Every leaf in pointer order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&str, &Source)> {
        self.leaves.iter().map(|(p, s)| (p.as_str(), s))
    }

    fn forget_within(&mut self, pointer: &str) {
        self.leaves.retain(|p, _| !json_pointer::is_within(p, pointer));
    }

    fn record_leaves(&mut self, value: &Value, pointer: &str, source: &dyn Fn(&str) -> Source) {
        match value {
            Value::Object(object) if !object.is_empty() => {
                for (key, child) in object {
                    self.record_leaves(child, &json_pointer::join(pointer, key), source);
                }
            }
            _ => {
                self.leaves.insert(pointer.to_owned(), source(pointer));
            }
        }
    }
}

/// The canonical pointer of every leaf of `value`, in pointer order.
pub(super) fn leaves(value: &Value) -> Vec<String> {
    let mut provenance = Provenance::default();
    provenance.record_leaves(value, "", &|_| Source::Default);
    provenance.leaves.into_keys().collect()
}

/// A document built up layer by layer, with the provenance of every leaf.
#[derive(Debug, Clone)]
pub(crate) struct Layered {
    pub value: Value,
    pub provenance: Provenance,
}

impl Layered {
    pub(super) fn new(defaults: Value) -> Self {
        let mut provenance = Provenance::default();
        provenance.record_leaves(&defaults, "", &|_| Source::Default);
        Self { value: defaults, provenance }
    }

    /// Merges `layer` on top; `source` names where the value at a canonical pointer came from.
    pub(super) fn overlay(&mut self, layer: &Value, source: &dyn Fn(&str) -> Source) {
        merge(&mut self.value, layer, "", &mut self.provenance, source);
    }
}

fn merge(base: &mut Value, layer: &Value, pointer: &str, provenance: &mut Provenance, source: &dyn Fn(&str) -> Source) {
    match (base, layer) {
        (Value::Object(base), Value::Object(layer)) => {
            for (key, child) in layer {
                let child_pointer = json_pointer::join(pointer, key);
                match base.get_mut(key) {
                    Some(existing) => merge(existing, child, &child_pointer, provenance, source),
                    None => {
                        provenance.record_leaves(child, &child_pointer, source);
                        base.insert(key.clone(), child.clone());
                    }
                }
            }
            // An empty object that gained keys is no longer a leaf of its own.
            if !base.is_empty() {
                provenance.leaves.remove(pointer);
            }
        }
        (base, layer) => {
            provenance.forget_within(pointer);
            provenance.record_leaves(layer, pointer, source);
            *base = layer.clone();
        }
    }
}

/// A JSON object holding `value` at the canonical `pointer`.
pub(crate) fn nest(pointer: &str, value: Value) -> Value {
    json_pointer::tokens(pointer).into_iter().rev().fold(value, |inner, key| {
        let mut object = Map::new();
        object.insert(key, inner);
        Value::Object(object)
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn file(pointer: &str) -> Source {
        Source::File { file: "config/netclaw.json".into(), pointer: pointer.into(), line: None, column: None }
    }

    #[test]
    fn objects_merge_and_arrays_replace() {
        let mut layered = Layered::new(
            json!({"Slack": {"Enabled": false, "AllowedUserIds": ["U1", "U2"]}, "Daemon": {"Port": 5199}}),
        );
        layered.overlay(&json!({"Slack": {"AllowedUserIds": ["U3"]}}), &file);
        assert_eq!(
            layered.value,
            json!({"Slack": {"Enabled": false, "AllowedUserIds": ["U3"]}, "Daemon": {"Port": 5199}})
        );
        assert_eq!(layered.provenance.source_of("/Slack/Enabled"), Some(&Source::Default));
        assert_eq!(layered.provenance.source_of("/Slack/AllowedUserIds"), Some(&file("/Slack/AllowedUserIds")));
        assert_eq!(layered.provenance.source_of("/Slack/AllowedUserIds/0"), Some(&file("/Slack/AllowedUserIds")));
    }

    #[test]
    fn later_layers_win_and_take_the_provenance() {
        let mut layered = Layered::new(json!({"Security": {"ShellExecutionMode": null}}));
        layered.overlay(&json!({"Security": {"ShellExecutionMode": "HostAllowed"}}), &file);
        let env = |_: &str| Source::Env { var: "NETCLAW_Security__ShellExecutionMode".into() };
        layered.overlay(&json!({"Security": {"ShellExecutionMode": "Off"}}), &env);
        assert_eq!(layered.value, json!({"Security": {"ShellExecutionMode": "Off"}}));
        assert_eq!(layered.provenance.source_of("/Security/ShellExecutionMode"), Some(&env("")));
    }

    /// A map default like `ToolOverrides: {}` is listed until a layer fills it.
    #[test]
    fn empty_objects_are_leaves_until_filled() {
        let mut layered = Layered::new(json!({"ToolOverrides": {}}));
        assert_eq!(layered.provenance.source_of("/ToolOverrides"), Some(&Source::Default));
        layered.overlay(&json!({"ToolOverrides": {"shell_execute": "Auto"}}), &file);
        let leaves: Vec<_> = layered.provenance.iter().map(|(p, _)| p.to_owned()).collect();
        assert_eq!(leaves, vec!["/ToolOverrides/shell_execute"]);
    }

    #[test]
    fn nest_builds_the_path() {
        assert_eq!(nest("/A/b~1c", json!(1)), json!({"A": {"b/c": 1}}));
    }
}
