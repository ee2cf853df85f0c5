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
    /// A word no command word can equal (`"git push"` as one, `/usr/bin/shred`, `'rm'`).
    NeverMatches { word: String, why: &'static str },
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
    let mut never = |key: String, word: &str, why| {
        problems.push((Some(key), RuleShapeProblem::NeverMatches { word: word.to_owned(), why }));
    };
    for (index, word) in rule.verb.iter().flatten().enumerate() {
        if let Some(why) = word_flaw(word, index == 0) {
            never(format!("verb/{index}"), word, why);
        }
    }
    for (index, flag) in rule.arg_flags.iter().enumerate() {
        if let Some(why) = word_flaw(flag, false).or_else(|| flag_flaw(flag)) {
            never(format!("argFlags/{index}"), flag, why);
        }
    }
    for (index, path) in rule.first_path.iter().flat_map(|f| &f.one_of).enumerate() {
        if path.contains('$') {
            never(
                format!("firstPath/oneOf/{index}"),
                path,
                "paths are matched as written; a variable is never expanded",
            );
        }
    }
    if let Some((prefix, why)) = rule.verb_prefix.as_ref().and_then(|p| Some((p, word_flaw(p, true)?))) {
        never("verbPrefix".to_owned(), prefix, why);
    }
    if rule.raw_text.as_ref().is_some_and(|text| text.trim().is_empty()) {
        never("rawText".to_owned(), "", "empty text matches nothing useful");
    }
    problems
}

/// Why a rule word can never equal a command word, if it cannot. Commands reach rules
/// split on whitespace, with quotes removed, lowercase and (the command) by name.
pub(crate) fn word_flaw(word: &str, is_command: bool) -> Option<&'static str> {
    if word.is_empty() {
        Some("an empty word matches no command")
    } else if word.contains(char::is_whitespace) {
        Some("it is several words in one; write each as its own item")
    } else if word.contains(['\'', '"', '\\']) {
        Some("quotes and backslashes are removed from commands before rules see them")
    } else if word.contains(['*', '?', '[']) {
        Some("rule words are matched literally, not as glob patterns")
    } else if word.contains('$') {
        Some("rule words are matched as written; a variable is never expanded")
    } else if is_command && word.contains('/') {
        Some("commands are matched by name (`shred`, not `/usr/bin/shred`)")
    } else {
        None
    }
}

/// A flag that no argument can be: one without its dash, or cut at `=`.
fn flag_flaw(flag: &str) -> Option<&'static str> {
    (!flag.starts_with('-') || flag == "-" || flag.ends_with('='))
        .then_some("a flag is written as given on the command line (`--force`, `-f`)")
}
