//! The first two layers: operation hard deny (what a shell command does) and resource
//! hard deny (which protected paths a call touches). They run before any grant or
//! approval, and nothing can override them.
//!
//! The result is evidence, not a bool: which rule, which segment, which word, which
//! reason code, which config it came from. The policy layer feeds it into Cedar's
//! context.

mod builtin;
mod custom;
mod operation;
mod resource;
mod touch;

use std::collections::HashSet;
use std::path::Path;
use std::sync::LazyLock;

use schemars::JsonSchema;
use serde::Serialize;

use crate::config::{HardDenyRule, HomeConfig};
use crate::decision::Layer;
use crate::diagnostic::Diagnostic;
use crate::paths::{Access, ProtectedPaths};
use crate::reason::ReasonCode;
use crate::redaction::redact;
use crate::shell::{Limits, ParsedCommand, Start, parse};

use custom::Pattern;
use operation::Found;

/// Where the built-in rules come from, as cited in decisions.
pub(crate) const BUILTIN_SOURCE: &str = "built-in hard-deny list";
const PATTERNS_SOURCE: &str = "Tools.HardDenyPatterns";
const OVERRIDES_SOURCE: &str = "config/hard-deny-overrides.json";

/// One reason a call is hard-denied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct HardDenyMatch {
    pub layer: Layer,
    /// Stable rule id: a built-in id (`privilege-escalation`), `pattern:<text>` or
    /// `override:<index>`.
    pub rule: String,
    pub category: String,
    pub reason_code: ReasonCode,
    /// The segment that matched, when the call was a shell command.
    pub segment: Option<SegmentRef>,
    /// The word that matched, as written (`/usr/bin/sudo`, `'BEGIN{system("sudo id")}'`).
    pub word: Option<String>,
    pub message: String,
    /// The rule's origin: the built-in list, a config key or a file and pointer.
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct SegmentRef {
    /// 1-based.
    pub index: usize,
    pub total: usize,
    pub text: String,
}

/// The user's rules, compiled once per config generation.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HardDenyRules {
    patterns: Vec<Pattern>,
    overrides: Vec<HardDenyRule>,
    /// Command names (lowercase) the user's rules look at.
    names: Vec<String>,
    prefixes: Vec<String>,
}

impl HardDenyRules {
    /// The rules a home configures. An invalid `netclaw.json` (or overlay) or
    /// overrides file is an error: callers deny everything on it (fail closed).
    pub fn from_home(home: &HomeConfig) -> Result<Self, Vec<Diagnostic>> {
        match (&home.config, &home.hard_deny_overrides) {
            (Ok(config), Ok(overrides)) => Ok(Self::new(&config.config.tools.hard_deny_patterns, overrides)),
            (config, overrides) => {
                let errors = config.as_ref().err().into_iter().chain(overrides.as_ref().err()).flatten();
                let mut errors: Vec<Diagnostic> = errors.cloned().collect();
                errors.dedup();
                Err(errors)
            }
        }
    }

    pub fn new(patterns: &[String], overrides: &[HardDenyRule]) -> Self {
        let patterns: Vec<Pattern> = patterns.iter().filter_map(|p| Pattern::new(p)).collect();
        let mut names: Vec<String> = patterns.iter().flat_map(Pattern::programs).collect();
        let mut prefixes = Vec::new();
        for rule in overrides {
            if let Some(pattern) = rule.verb.as_ref().and_then(|v| Pattern::new(&v.join(" "))) {
                names.extend(pattern.programs());
            }
            if let Some(prefix) = &rule.verb_prefix {
                prefixes.push(prefix.to_lowercase());
            }
        }
        Self { patterns, overrides: overrides.to_vec(), names, prefixes }
    }

    /// Every rule in force, built-in ones first, as the artifacts list them.
    pub(crate) fn listing(&self) -> Vec<ListedRule> {
        let builtin = builtin::BUILTIN_RULES.iter().map(|rule| ListedRule {
            id: rule.id.to_owned(),
            source: BUILTIN_SOURCE.to_owned(),
            reason: rule.reason,
            text: rule.category.to_owned(),
        });
        let patterns = self.patterns.iter().enumerate().map(|(index, pattern)| ListedRule {
            id: format!("pattern:{index}"),
            source: format!("Tools.HardDenyPatterns[{index}]"),
            reason: ReasonCode::HardDenyCustomDeny,
            text: pattern.text.clone(),
        });
        let overrides = self.overrides.iter().enumerate().map(|(index, rule)| ListedRule {
            id: format!("override:{index}"),
            source: format!("config/hard-deny-overrides.json /{index}"),
            reason: ReasonCode::HardDenyCustomDeny,
            text: serde_json::to_string(rule).unwrap_or_default(),
        });
        builtin.chain(patterns).chain(overrides).collect()
    }

    /// Whether some rule, built-in or the user's, looks at commands of this name.
    fn is_trigger(&self, name: &str) -> bool {
        static BUILTIN: LazyLock<HashSet<&str>> =
            LazyLock::new(|| builtin::BUILTIN_RULES.iter().flat_map(|r| r.names.iter().copied()).collect());
        BUILTIN.contains(name)
            || builtin::BUILTIN_RULES.iter().any(|r| r.prefixes.iter().any(|p| name.starts_with(p)))
            || self.names.iter().any(|n| n == name)
            || self.prefixes.iter().any(|p| name.starts_with(p.as_str()))
    }

    /// Every name some rule looks at (prefix rules by their prefix).
    fn trigger_names(&self) -> impl Iterator<Item = &str> {
        let builtin = builtin::BUILTIN_RULES.iter().flat_map(|r| r.names.iter().chain(r.prefixes).copied());
        builtin.chain(self.names.iter().map(String::as_str)).chain(self.prefixes.iter().map(String::as_str))
    }
}

/// One hard-deny rule as the artifacts list it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ListedRule {
    pub id: String,
    /// `built-in hard-deny list`, or the config key or file entry it came from.
    pub source: String,
    pub reason: ReasonCode,
    /// The category of a built-in rule; the pattern or the rule (JSON) of the user's.
    pub text: String,
}

/// What `~`, relative paths and the protected paths mean for this call.
#[derive(Debug, Clone, Copy)]
pub struct ShellEnv<'a> {
    pub paths: &'a ProtectedPaths,
    pub working_directory: Option<&'a Path>,
}

/// The hard-deny verdict on one shell command.
#[derive(Debug, Clone, PartialEq)]
pub struct ShellVerdict {
    pub parsed: ParsedCommand,
    /// Every match; the first decides. Operation-layer matches come before resource-layer
    /// ones, and what a segment runs before what it may run.
    pub matches: Vec<HardDenyMatch>,
}

impl ShellVerdict {
    pub fn denial(&self) -> Option<&HardDenyMatch> {
        self.matches.first()
    }
}

pub fn check_shell(command: &str, rules: &HardDenyRules, env: &ShellEnv<'_>) -> ShellVerdict {
    let start = Start { cwd: env.working_directory, user_home: env.paths.user_home() };
    let parsed = parse(command, &Limits::default(), &start);
    let total = parsed.segments.len();
    let mut found: Vec<(Found, HardDenyMatch)> =
        refusals(&parsed, total).into_iter().map(|m| (Found::Unresolved, m)).collect();
    found.extend(operation::matches(&parsed, rules, env));
    if found.is_empty() {
        let mut resolver = resource::Resolver::new(env);
        found.extend(
            parsed.segments.iter().filter_map(|s| resolver.segment(s, total)).map(|m| (Found::Runs, m)).take(1),
        );
    }
    // Every match denies; the most direct one is reported first, so `bash -c 'sudo
    // id'` reads as privilege escalation in the script rather than as a string.
    found.sort_by_key(|(how, m)| (*how, m.segment.as_ref().map_or(0, |s| s.index)));
    ShellVerdict { parsed, matches: found.into_iter().map(|(_, m)| m).collect() }
}

/// Text that could not be analysed is denied: what cannot be read cannot be allowed.
fn refusals(parsed: &ParsedCommand, total: usize) -> Vec<HardDenyMatch> {
    parsed
        .refusals
        .iter()
        .map(|refusal| HardDenyMatch {
            layer: Layer::OperationHardDeny,
            rule: "unanalysable-command".to_owned(),
            category: "obfuscation".to_owned(),
            reason_code: ReasonCode::HardDenyUnresolvedCommand,
            segment: refusal.segment.and_then(|i| parsed.segments.get(i - 1)).map(|s| SegmentRef {
                index: s.index,
                total,
                text: s.text.clone(),
            }),
            word: refusal.word.clone(),
            message: refusal.message.clone(),
            source: BUILTIN_SOURCE.to_owned(),
        })
        .collect()
}

/// The first-party file tools and the access each needs.
pub(crate) const FILE_TOOLS: &[(&str, Access)] = &[
    ("attach_file", Access::Read),
    ("file_list", Access::Read),
    ("file_read", Access::Read),
    ("file_search", Access::Read),
    ("file_delete", Access::Write),
    ("file_edit", Access::Write),
    ("file_write", Access::Write),
];

/// The access a file tool needs; `None` for any other tool.
pub(crate) fn file_tool_access(tool: &str) -> Option<Access> {
    FILE_TOOLS.iter().find(|(name, _)| *name == tool).map(|(_, access)| *access)
}

/// The resource layer for a file tool's `path` argument.
pub(crate) fn check_file_path(tool: &str, path: &str, env: &ShellEnv<'_>) -> Option<HardDenyMatch> {
    let access = file_tool_access(tool)?;
    let label = resource::file_path(tool, path, access, env)?;
    Some(HardDenyMatch {
        layer: Layer::ResourceHardDeny,
        rule: "protected-path".to_owned(),
        category: "protected_path".to_owned(),
        reason_code: ReasonCode::HardDenyProtectedPath,
        segment: None,
        word: Some(path.to_owned()),
        message: format!(
            "`{tool}` on `{path}` touches {label}, which agents may not {}",
            match access {
                Access::Read => "read",
                Access::Write => "write",
            }
        ),
        source: BUILTIN_SOURCE.to_owned(),
    })
}

/// What `netclaw shell check` reports (CONTRACT §2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ShellCheckReport {
    pub decision: ShellDecision,
    pub reason_code: Option<ReasonCode>,
    pub layer: Option<Layer>,
    pub segment: Option<SegmentRef>,
    /// The word that matched, as written.
    pub word: Option<String>,
    pub rule: Option<String>,
    pub message: String,
    pub source: Option<String>,
    /// How many segments the command has.
    pub segments: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ShellDecision {
    Allow,
    Deny,
}

impl ShellCheckReport {
    pub fn from_verdict(verdict: &ShellVerdict) -> Self {
        let segments = verdict.parsed.segments.len();
        match verdict.denial() {
            Some(denial) => Self {
                decision: ShellDecision::Deny,
                reason_code: Some(denial.reason_code),
                layer: Some(denial.layer),
                // The command is quoted back: a token in it must not be.
                segment: denial
                    .segment
                    .as_ref()
                    .map(|s| SegmentRef { text: redact(&s.text).into_owned(), ..s.clone() }),
                word: denial.word.as_deref().map(|word| redact(word).into_owned()),
                rule: Some(denial.rule.clone()),
                message: redact(&match &denial.segment {
                    Some(s) => format!("segment {} of {}, `{}`: {}", s.index, s.total, s.text, denial.message),
                    None => denial.message.clone(),
                })
                .into_owned(),
                source: Some(denial.source.clone()),
                segments,
            },
            None => Self {
                decision: ShellDecision::Allow,
                reason_code: None,
                layer: None,
                segment: None,
                word: None,
                rule: None,
                message: format!("{segments} segment(s); no hard-deny rule matched"),
                source: None,
                segments,
            },
        }
    }

    /// Everything denied because the rules themselves could not be loaded.
    pub fn invalid_config(diagnostics: &[Diagnostic]) -> Self {
        let problems: Vec<String> = diagnostics.iter().map(ToString::to_string).collect();
        Self {
            decision: ShellDecision::Deny,
            reason_code: Some(ReasonCode::InternalPolicyFailure),
            layer: Some(Layer::OperationHardDeny),
            segment: None,
            word: None,
            rule: None,
            message: format!(
                "the hard-deny rules cannot be loaded, so every command is denied: {}",
                problems.join("; ")
            ),
            source: diagnostics.first().map(|d| d.location.file.clone()),
            segments: 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn builtin_rule_ids_are_unique_and_kebab_case() {
        let ids: Vec<_> = builtin::BUILTIN_RULES.iter().map(|rule| rule.id).collect();
        assert_eq!(ids.iter().collect::<HashSet<_>>().len(), ids.len());
        assert!(ids.iter().all(|id| id.bytes().all(|b| b.is_ascii_lowercase() || b == b'-')));
    }

    /// The README's rule table is what users read when a command is denied: every
    /// built-in rule is a row of it, with the reason code the rule gives.
    #[test]
    fn the_readme_rule_table_lists_every_builtin_rule() {
        let readme = include_str!("../../../README.md");
        let rows: Vec<&str> = readme.lines().filter(|line| line.starts_with("| `")).collect();
        for rule in builtin::BUILTIN_RULES {
            let row = format!("| `{}` | `{}` |", rule.id, rule.reason.as_str());
            assert!(rows.iter().any(|r| r.starts_with(&row)), "README has no row starting {row}");
        }
    }
}
