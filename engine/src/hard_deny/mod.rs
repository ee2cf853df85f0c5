//! The first two layers: operation hard deny (what a shell command does) and resource
//! hard deny (which protected paths a call touches). They run before any grant or
//! approval, and nothing can override them.
//!
//! The result is evidence, not a bool: which rule, which segment, which reason code,
//! which config it came from. The policy layer feeds it into Cedar's context.

mod builtin;
mod custom;

use std::path::Path;

use schemars::JsonSchema;
use serde::Serialize;

use crate::config::{HardDenyRule, HomeConfig};
use crate::decision::Layer;
use crate::diagnostic::Diagnostic;
use crate::paths::{Access, ProtectedPaths, canonical};
use crate::reason::ReasonCode;
use crate::shell::{Invocation, Limits, ParsedCommand, Segment, parse};

/// Where the built-in rules come from, as cited in decisions.
pub const BUILTIN_SOURCE: &str = "built-in hard-deny list";
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
    patterns: Vec<(String, Vec<String>)>,
    overrides: Vec<HardDenyRule>,
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
        let patterns = patterns
            .iter()
            .map(|p| (p.clone(), p.split_whitespace().map(str::to_owned).collect::<Vec<_>>()))
            .filter(|(_, words)| !words.is_empty())
            .collect();
        Self { patterns, overrides: overrides.to_vec() }
    }
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
    /// Every match; the first decides. Operation-layer matches come before resource-layer ones.
    pub matches: Vec<HardDenyMatch>,
}

impl ShellVerdict {
    pub fn denial(&self) -> Option<&HardDenyMatch> {
        self.matches.first()
    }
}

pub fn check_shell(command: &str, rules: &HardDenyRules, env: &ShellEnv<'_>) -> ShellVerdict {
    let parsed = parse(command, &Limits::default());
    let total = parsed.segments.len();
    let mut matches = refusals(&parsed, total);
    for segment in &parsed.segments {
        operation_matches(segment, total, rules, env, &mut matches);
    }
    if matches.is_empty() {
        for segment in &parsed.segments {
            matches.extend(resource_match(segment, total, env));
        }
    }
    // Every match denies; the most specific one is reported first, so `$(sudo id)`
    // reads as privilege escalation rather than as an unresolvable word.
    matches.sort_by_key(|m| m.reason_code == ReasonCode::HardDenyUnresolvedCommand);
    ShellVerdict { parsed, matches }
}

fn segment_ref(segment: &Segment, total: usize) -> SegmentRef {
    SegmentRef { index: segment.index, total, text: segment.text.clone() }
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
            segment: refusal.segment.and_then(|i| parsed.segments.get(i - 1)).map(|s| segment_ref(s, total)),
            message: refusal.message.clone(),
            source: BUILTIN_SOURCE.to_owned(),
        })
        .collect()
}

fn operation_matches(
    segment: &Segment,
    total: usize,
    rules: &HardDenyRules,
    env: &ShellEnv<'_>,
    out: &mut Vec<HardDenyMatch>,
) {
    let at = || Some(segment_ref(segment, total));
    let resolved = match &segment.invocation {
        Invocation::Empty => return,
        Invocation::Unresolved { word, why } => {
            return out.push(HardDenyMatch {
                layer: Layer::OperationHardDeny,
                rule: "unresolved-command".to_owned(),
                category: "obfuscation".to_owned(),
                reason_code: ReasonCode::HardDenyUnresolvedCommand,
                segment: at(),
                message: format!("the command `{word}` cannot be resolved statically: {why}; write the plain command"),
                source: BUILTIN_SOURCE.to_owned(),
            });
        }
        Invocation::Command(resolved) => resolved,
    };
    for rule in builtin::BUILTIN_RULES {
        if let Some(why) = (rule.check)(segment, resolved, env) {
            out.push(HardDenyMatch {
                layer: Layer::OperationHardDeny,
                rule: rule.id.to_owned(),
                category: rule.category.to_owned(),
                reason_code: rule.reason,
                segment: at(),
                message: why,
                source: BUILTIN_SOURCE.to_owned(),
            });
        }
    }
    let words = custom::chain(segment, resolved);
    for (text, pattern) in &rules.patterns {
        if custom::starts_with(&words, pattern) {
            out.push(HardDenyMatch {
                layer: Layer::OperationHardDeny,
                rule: format!("pattern:{text}"),
                category: "custom".to_owned(),
                reason_code: ReasonCode::HardDenyCustomDeny,
                segment: at(),
                message: format!("matches the hard-deny pattern `{text}`"),
                source: PATTERNS_SOURCE.to_owned(),
            });
        }
    }
    for (index, rule) in rules.overrides.iter().enumerate() {
        if custom::override_matches(rule, segment, resolved, env) {
            out.push(HardDenyMatch {
                layer: Layer::OperationHardDeny,
                rule: format!("override:{index}"),
                category: rule.category.clone().unwrap_or_else(|| "custom".to_owned()),
                reason_code: ReasonCode::HardDenyCustomDeny,
                segment: at(),
                message: rule.reason.clone(),
                source: format!("{OVERRIDES_SOURCE} /{index}"),
            });
        }
    }
}

/// Commands that only list or inspect names and metadata, never file contents.
const LISTING_COMMANDS: &[&str] = &["ls", "stat", "du", "test", "[", "cd", "pwd", "realpath", "dirname", "basename"];
/// Commands that read but never write the files they are given.
const READ_ONLY_COMMANDS: &[&str] =
    &["cat", "less", "more", "head", "tail", "grep", "rg", "jq", "wc", "diff", "file", "md5sum", "sha256sum"];

fn resource_match(segment: &Segment, total: usize, env: &ShellEnv<'_>) -> Option<HardDenyMatch> {
    let name = match &segment.invocation {
        Invocation::Command(resolved) => resolved.name.as_str(),
        _ => "",
    };
    let words = segment.words.iter().map(|w| (false, w));
    let redirects = segment.redirects.iter().map(|(writes, w)| (*writes, w));
    for (redirect_write, word) in words.chain(redirects) {
        let Some(literal) = &word.literal else { continue };
        // `--file=~/x`: some programs expand the `~` after `=` themselves.
        let after_equals = literal.text.split_once('=').map(|(_, v)| match v.strip_prefix('~') {
            Some(rest) if rest.is_empty() || rest.starts_with('/') => (rest, true),
            _ => (v, false),
        });
        let candidates = std::iter::once((literal.text.as_str(), literal.home_relative)).chain(after_equals);
        for (candidate, home_relative) in candidates {
            let Some(path) = env.paths.resolve(candidate, home_relative, env.working_directory) else { continue };
            let path = if candidate.contains('/') || home_relative { canonical(&path) } else { path };
            let label = env.paths.denies(&path, Access::Read).or_else(|| {
                let writes =
                    redirect_write || !(READ_ONLY_COMMANDS.contains(&name) || LISTING_COMMANDS.contains(&name));
                let write_denied = env.paths.denies(&path, Access::Write).filter(|_| writes);
                let lists = LISTING_COMMANDS.contains(&name) && !redirect_write;
                write_denied.or_else(|| env.paths.holds_protected(&path).filter(|_| !lists))
            });
            if let Some(label) = label {
                return Some(HardDenyMatch {
                    layer: Layer::ResourceHardDeny,
                    rule: "protected-path".to_owned(),
                    category: "protected_path".to_owned(),
                    reason_code: ReasonCode::ShellReferencesProtectedPath,
                    segment: Some(segment_ref(segment, total)),
                    message: format!("`{}` names {label}, which agents may not touch", word.raw),
                    source: BUILTIN_SOURCE.to_owned(),
                });
            }
        }
    }
    None
}

/// File tools and the access they need; anything else named here is not a file tool.
pub fn file_tool_access(tool: &str) -> Option<Access> {
    match tool {
        "file_read" | "file_list" | "file_search" | "attach_file" => Some(Access::Read),
        "file_write" | "file_edit" | "file_delete" => Some(Access::Write),
        _ => None,
    }
}

/// The resource layer for a file tool's `path` argument.
pub fn check_file_path(tool: &str, path: &str, env: &ShellEnv<'_>) -> Option<HardDenyMatch> {
    let access = file_tool_access(tool)?;
    let (rest, home_relative) = match path.strip_prefix('~') {
        Some(rest) if rest.is_empty() || rest.starts_with('/') => (rest, true),
        _ => (path, false),
    };
    let resolved = canonical(&env.paths.resolve(rest, home_relative, env.working_directory)?);
    let label = env.paths.denies(&resolved, access).or_else(|| {
        // Searching a directory reads every file under it.
        (tool == "file_search").then(|| env.paths.holds_protected(&resolved)).flatten()
    })?;
    Some(HardDenyMatch {
        layer: Layer::ResourceHardDeny,
        rule: "protected-path".to_owned(),
        category: "protected_path".to_owned(),
        reason_code: ReasonCode::HardDenyProtectedPath,
        segment: None,
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
                segment: denial.segment.clone(),
                rule: Some(denial.rule.clone()),
                message: match &denial.segment {
                    Some(s) => format!("segment {} of {}, `{}`: {}", s.index, s.total, s.text, denial.message),
                    None => denial.message.clone(),
                },
                source: Some(denial.source.clone()),
                segments,
            },
            None => Self {
                decision: ShellDecision::Allow,
                reason_code: None,
                layer: None,
                segment: None,
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

/// Every built-in rule: id, category, reason and what it denies.
pub fn builtin_rules() -> impl Iterator<Item = (&'static str, &'static str, ReasonCode, &'static str)> {
    builtin::BUILTIN_RULES.iter().map(|r| (r.id, r.category, r.reason, r.summary))
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn builtin_rule_ids_are_unique_and_kebab_case() {
        let ids: Vec<_> = builtin_rules().map(|(id, ..)| id).collect();
        assert_eq!(ids.iter().collect::<HashSet<_>>().len(), ids.len());
        assert!(ids.iter().all(|id| id.bytes().all(|b| b.is_ascii_lowercase() || b == b'-')));
    }
}
