//! The typed model of `config/hard-deny-overrides.json`: extra hard-deny rules.
//!
//! Rules only add to the built-in list. Each names exactly one matcher (`verb`,
//! `verbPrefix` or `rawText`), and `argFlags` / `firstPath` refine verb rules only.
//! JSON Schema cannot say that with a useful error message, so the schema documents
//! it and [`rule_shape_problems`] enforces it, pointer by pointer.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The file is an array of rules.
pub(crate) type HardDenyOverrides = Vec<HardDenyRule>;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schemars(
    title = "hard-deny rule",
    description = "Exactly one of `verb`, `verbPrefix`, `rawText`; `argFlags` and `firstPath` only with `verb`."
)]
pub struct HardDenyRule {
    /// Command words that trigger the rule (`["terraform", "destroy"]` matches that chain).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1))]
    pub verb: Option<Vec<String>>,
    /// A prefix of the normalised command word (`mkfs` matches `mkfs.ext4`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1))]
    pub verb_prefix: Option<String>,
    /// Text that, found anywhere in a segment, triggers the rule.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1))]
    pub raw_text: Option<String>,
    /// With `verb`: the rule triggers only if one of these flags is present.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub arg_flags: Vec<String>,
    /// With `verb`: the rule triggers only if the first path operand is one of these.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_path: Option<FirstPath>,
    /// Shown to the operator when the rule denies a command.
    #[schemars(length(min = 1))]
    pub reason: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$"))]
    pub category: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FirstPath {
    #[schemars(length(min = 1))]
    pub one_of: Vec<String>,
}

/// A rule that is well-typed but says something the matcher cannot mean.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum RuleShapeProblem {
    /// None or several of `verb`, `verbPrefix`, `rawText`.
    MatcherCount { present: Vec<&'static str> },
    /// `argFlags` or `firstPath` on a rule that is not a `verb` rule.
    RefinementWithoutVerb { key: &'static str },
}

/// Every shape problem of one rule, each with the key (camelCase) it points at.
pub(super) fn rule_shape_problems(rule: &HardDenyRule) -> Vec<(Option<&'static str>, RuleShapeProblem)> {
    let present: Vec<&'static str> = [
        ("verb", rule.verb.is_some()),
        ("verbPrefix", rule.verb_prefix.is_some()),
        ("rawText", rule.raw_text.is_some()),
    ]
    .into_iter()
    .filter_map(|(key, set)| set.then_some(key))
    .collect();
    let mut problems = Vec::new();
    if present.len() != 1 {
        problems.push((None, RuleShapeProblem::MatcherCount { present }));
    }
    if rule.verb.is_none() {
        if !rule.arg_flags.is_empty() {
            problems.push((Some("argFlags"), RuleShapeProblem::RefinementWithoutVerb { key: "argFlags" }));
        }
        if rule.first_path.is_some() {
            problems.push((Some("firstPath"), RuleShapeProblem::RefinementWithoutVerb { key: "firstPath" }));
        }
    }
    problems
}
