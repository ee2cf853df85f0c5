//! The `NETCLAW_*` environment overlay: `NETCLAW_Security__ShellExecutionMode=Off`.
//!
//! Each `__`-separated segment is matched case-insensitively against the schema, and
//! the text is coerced to the type the schema expects there (arrays and objects as
//! JSON). A variable that names no key is an error, not a no-op: it is almost always a
//! typo in a setting someone believes is in force.

use serde_json::Value;

use crate::diagnostic::{Diagnostic, Location, Problem, did_you_mean};
use crate::json_pointer;
use crate::schema::SchemaNode;

pub const ENV_PREFIX: &str = "NETCLAW_";

/// `NETCLAW_*` variables that are not config keys: the home, and where proofs are
/// remembered (a machine's cache, not a setting of the home).
const NOT_CONFIG: &[&str] = &["HOME", "PROOF_CACHE"];

/// One variable's contribution: the canonical pointer it sets and the value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct EnvSetting {
    pub var: String,
    pub pointer: String,
    pub value: Value,
}

/// A variable's value, or `None` when it was not valid Unicode.
pub type EnvVar = (String, Option<String>);

pub(crate) fn env_settings(vars: &[EnvVar], schema: SchemaNode<'_>) -> (Vec<EnvSetting>, Vec<Diagnostic>) {
    let mut settings = Vec::new();
    let mut diagnostics = Vec::new();
    let mut relevant: Vec<&EnvVar> = vars.iter().filter(|(name, _)| config_key_part(name).is_some()).collect();
    relevant.sort_by(|a, b| a.0.cmp(&b.0));
    for (name, value) in relevant {
        match setting(name, value.as_deref(), schema) {
            // Names match case-insensitively, so two variables can name one key; which
            // one wins would be decided by their spelling. Neither does.
            Ok(setting) if let Some(earlier) = settings.iter().find(|s: &&EnvSetting| s.pointer == setting.pointer) => {
                let problem = Problem::EnvVarConflict { var: name.clone(), other: earlier.var.clone() };
                diagnostics.push(Diagnostic::error(Location::file(format!("env:{name}")), problem));
            }
            Ok(setting) => settings.push(setting),
            Err(problem) => diagnostics.push(Diagnostic::error(Location::file(format!("env:{name}")), problem)),
        }
    }
    (settings, diagnostics)
}

fn config_key_part(name: &str) -> Option<&str> {
    let prefix = name.get(..ENV_PREFIX.len())?;
    let rest = name.get(ENV_PREFIX.len()..)?;
    let is_config = prefix.eq_ignore_ascii_case(ENV_PREFIX)
        && !rest.is_empty()
        && !NOT_CONFIG.iter().any(|n| n.eq_ignore_ascii_case(rest));
    is_config.then_some(rest)
}

fn setting(name: &str, value: Option<&str>, schema: SchemaNode<'_>) -> Result<EnvSetting, Problem> {
    let rest = config_key_part(name).unwrap_or_default();
    let mut node = schema;
    let mut pointer = String::new();
    let mut spelled = Vec::new();
    for segment in rest.split("__") {
        let Some((key, child)) = node.child(segment).filter(|_| !segment.is_empty()) else {
            let suggestion = suggest_var(node, segment, &spelled);
            return Err(Problem::UnknownEnvVar { var: name.to_owned(), suggestion });
        };
        pointer = json_pointer::join(&pointer, &key);
        spelled.push(key);
        node = child;
    }
    let invalid = || Problem::InvalidEnvValue { var: name.to_owned(), expected: node.types().join(" or ") };
    let text = value.ok_or_else(invalid)?;
    // `VAR=` reads as "unset" to a person but would replace the file's value with
    // nothing, and the posture default would then decide (`ShellExecutionMode=`
    // turning the shell on): it is an error, never a silent reset.
    if text.trim().is_empty() {
        return Err(Problem::EmptyEnvValue { var: name.to_owned() });
    }
    let value = coerce(text, node).ok_or_else(invalid)?;
    Ok(EnvSetting { var: name.to_owned(), pointer, value })
}

/// The whole variable name the user probably meant.
fn suggest_var(node: SchemaNode<'_>, segment: &str, spelled: &[String]) -> Option<String> {
    let candidate = did_you_mean(segment, node.property_names())?;
    let mut path = spelled.to_vec();
    path.push(candidate);
    Some(format!("{ENV_PREFIX}{}", path.join("__")))
}

fn holds_null(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Array(items) => items.iter().any(holds_null),
        Value::Object(map) => map.values().any(holds_null),
        _ => false,
    }
}

/// The text as the JSON value the schema wants at this place, if it can be one.
fn coerce(text: &str, node: SchemaNode<'_>) -> Option<Value> {
    if let Some(canonical) = node.canonical_enum_value(text) {
        return Some(Value::String(canonical.to_owned()));
    }
    for kind in node.types() {
        let value = match kind {
            "boolean" if text.eq_ignore_ascii_case("true") => Some(Value::Bool(true)),
            "boolean" if text.eq_ignore_ascii_case("false") => Some(Value::Bool(false)),
            "integer" => text.parse::<i64>().ok().map(Value::from),
            "number" => text.parse::<f64>().ok().and_then(serde_json::Number::from_f64).map(Value::Number),
            "string" if !node.has_enum() => Some(Value::String(text.to_owned())),
            // A null inside would reset the file's value, as an empty variable would.
            "array" => serde_json::from_str::<Value>(text).ok().filter(|v| v.is_array() && !holds_null(v)),
            "object" => serde_json::from_str::<Value>(text).ok().filter(|v| v.is_object() && !holds_null(v)),
            _ => None,
        };
        if value.is_some() {
            return value;
        }
    }
    None
}
