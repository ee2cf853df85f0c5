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
    /// A word no command word can equal: empty, or several words in one (`"git push"`).
    NeverMatches { word: String },
}

/// Every shape problem of one rule, each with the pointer below the rule (`verb/0`)
/// that it points at.
pub(super) fn rule_shape_problems(rule: &HardDenyRule) -> Vec<(Option<String>, RuleShapeProblem)> {
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
            problems.push((Some("argFlags".to_owned()), RuleShapeProblem::RefinementWithoutVerb { key: "argFlags" }));
        }
        if rule.first_path.is_some() {
            problems.push((Some("firstPath".to_owned()), RuleShapeProblem::RefinementWithoutVerb { key: "firstPath" }));
        }
    }
    let words = [("verb", rule.verb.as_deref().unwrap_or_default()), ("argFlags", &rule.arg_flags)];
    for (key, list) in words {
        for (index, word) in list.iter().enumerate() {
            if !is_one_word(word) {
                problems.push((Some(format!("{key}/{index}")), RuleShapeProblem::NeverMatches { word: word.clone() }));
            }
        }
    }
    if let Some(prefix) = rule.verb_prefix.as_ref().filter(|p| !is_one_word(p)) {
        problems.push((Some("verbPrefix".to_owned()), RuleShapeProblem::NeverMatches { word: prefix.clone() }));
    }
    if rule.raw_text.as_ref().is_some_and(|text| text.trim().is_empty()) {
        problems.push((Some("rawText".to_owned()), RuleShapeProblem::NeverMatches { word: String::new() }));
    }
    problems
}

/// Command words are split on whitespace before rules see them, so a rule word with
/// whitespace in it (or none at all) can never equal one.
pub(crate) fn is_one_word(word: &str) -> bool {
    !word.is_empty() && !word.contains(char::is_whitespace)
}
