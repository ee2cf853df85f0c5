//! The operation layer: what each segment runs, or may run, checked against the rules.
//!
//! Three kinds of command are checked for every segment:
//! - the one it runs, through the wrappers the resolver knows (`env nice sudo id`);
//! - every argument, as a command the program may run — unless the program only
//!   *names* programs (`man kill`): the wrapper table can never list every program
//!   that runs its operands (`flock FILE cmd`, `docker run IMAGE cmd`);
//! - every command found at a command position inside a string it is given.
//!
//! A command word only known at run time is denied; so is a rule's decisive argument
//! (`rm -rf "$(echo /)"`). Fork bombs are found over the whole script.

use std::collections::{BTreeMap, BTreeSet};

use super::builtin::{BuiltinRule, Command, Verdict, rules_for};
use super::custom::{Matched, override_matches};
use super::{BUILTIN_SOURCE, HardDenyMatch, HardDenyRules, OVERRIDES_SOURCE, PATTERNS_SOURCE, SegmentRef, ShellEnv};
use crate::decision::Layer;
use crate::glob;
use crate::reason::ReasonCode;
use crate::shell::{Invocation, ParsedCommand, Segment, ShellWord, Stdin, Stdout, is_shell, wrapper_option_values};

/// How a command was found in a segment; the earlier, the more direct.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Found {
    /// The segment runs it.
    Runs,
    /// It is an argument of the command the segment runs.
    Argument,
    /// It is at a command position in a string the command is given.
    InString,
    /// The segment runs something only known at run time.
    Unresolved,
}

/// Every operation-layer match of a parsed command, with how each was found.
pub(crate) fn matches(
    parsed: &ParsedCommand,
    rules: &HardDenyRules,
    env: &ShellEnv<'_>,
) -> Vec<(Found, HardDenyMatch)> {
    let total = parsed.segments.len();
    let mut out = Vec::new();
    for segment in &parsed.segments {
        let mut checker = Checker { segment, total, rules, env, out: &mut out };
        checker.segment();
    }
    out.extend(fork_bombs(parsed, total).into_iter().map(|m| (Found::Runs, m)));
    out
}

struct Checker<'c, 'e> {
    segment: &'c Segment,
    total: usize,
    rules: &'c HardDenyRules,
    env: &'c ShellEnv<'e>,
    out: &'c mut Vec<(Found, HardDenyMatch)>,
}

impl Checker<'_, '_> {
    /// How a command the segment runs was found: directly, or — for a segment read from
    /// a string (`awk 'BEGIN{system("…")}'`) — inside that string.
    fn runs(&self) -> Found {
        if self.segment.found_in.is_some() { Found::InString } else { Found::Runs }
    }

    /// For a segment read from a string, where: prefixed to its messages.
    fn inside(&self) -> String {
        self.segment.found_in.as_deref().map_or_else(String::new, |source| format!("in `{source}`, "))
    }

    fn segment(&mut self) {
        let segment = self.segment;
        let resolved = match &segment.invocation {
            Invocation::Unresolved { word, why, reads_input } => {
                // A string may be prose: what cannot be resolved in it proves nothing —
                // unless it feeds its input to a shell (`curl … | socat - EXEC:sh`).
                if segment.found_in.is_none() || *reads_input {
                    let message = format!(
                        "{}the command `{word}` cannot be resolved statically: {why}; write the plain command",
                        self.inside()
                    );
                    let found = builtin_match(
                        "unresolved-command",
                        "obfuscation",
                        ReasonCode::HardDenyUnresolvedCommand,
                        message,
                        Some(word.clone()),
                    );
                    self.push(Found::Unresolved, found);
                }
                // `for c in ls sudo; do $c id`: each value it can take is checked too.
                if let Some((first, rest)) = segment.words.split_first() {
                    self.candidate(first, rest, self.runs(), "");
                }
                return;
            }
            Invocation::Empty => {
                let command = Command { name: "", args: &[], redirects: &segment.redirects, cwd: &segment.cwd };
                return self.check(&command, self.runs(), None, None, None);
            }
            Invocation::Command(resolved) => resolved,
        };
        let args = segment.words.get(resolved.args()..).unwrap_or_default();
        let command = Command { name: &resolved.name, args, redirects: &segment.redirects, cwd: &segment.cwd };
        let through = (!resolved.through.is_empty()).then(|| resolved.through.join(", "));
        let word = segment.words.get(resolved.at);
        let how = segment.found_in.as_ref().map(|source| format!("`{source}` runs `{}`", resolved.name));
        // In a string, `s/sudo //` is a sed expression, not the program `./s/sudo`.
        let relative_path = word.and_then(ShellWord::text).is_some_and(|t| program_name(t) != resolved.name);
        if segment.found_in.is_none() || !relative_path {
            self.check(&command, self.runs(), through.as_deref(), how, word.map(|w| w.raw.clone()));
        }
        self.raw_text_overrides();
        // Arguments as commands: all of them, or only a wrapper's for a names-only
        // program; wrappers themselves too (`systemd-run --uid=0 cmd`).
        let end = if segment.names_only.is_some() { resolved.at } else { segment.words.len() };
        let option_values = wrapper_option_values(&resolved.through, &segment.words, resolved.at);
        for index in 0..end {
            if index == resolved.at || segment.prose.contains(&index) || option_values.contains(&index) {
                continue;
            }
            let rest = segment.words.get(index + 1..).unwrap_or_default();
            let Some(word) = segment.words.get(index) else { continue };
            self.candidate(word, rest, Found::Argument, &resolved.name);
        }
    }

    /// `word` with `rest` as a command, if its name is one a rule looks at — or a shell
    /// the segment's unseen input may reach (`curl … | docker run -i img sh`).
    fn candidate(&mut self, word: &ShellWord, rest: &[ShellWord], found: Found, context: &str) {
        let inside = self.inside();
        for name in candidate_names(word, self.rules) {
            let command = Command { name: &name, args: rest, redirects: &[], cwd: &self.segment.cwd };
            let how = match (found, &self.segment.stdout) {
                (Found::Argument, Stdout::Inherited) => {
                    format!("{inside}`{}` is an argument of `{context}`, which may run it", word.raw)
                }
                (Found::Argument, Stdout::File) => {
                    format!("{inside}`{context}` writes `{}` to a file, from where it may be run", word.raw)
                }
                (Found::Argument, Stdout::Pipe { into }) => format!(
                    "{inside}`{context}` passes `{}` on to `{}`, which may run it",
                    word.raw,
                    into.as_deref().unwrap_or("the next command")
                ),
                _ => format!("{inside}`{}` can be `{name}`", word.raw),
            };
            self.check(&command, found, None, Some(how), Some(word.raw.clone()));
        }
        let unseen_input = matches!(self.segment.stdin, Stdin::Pipe | Stdin::Unseen);
        let has_script = rest
            .iter()
            .any(|w| w.text().is_some_and(|t| t.starts_with('-') && !t.starts_with("--") && t.contains('c')));
        if found == Found::Argument
            && unseen_input
            && !has_script
            && word.text().and_then(|t| t.rsplit('/').next()).is_some_and(is_shell)
        {
            let message = format!(
                "{inside}`{context}` is fed input nobody can see and given `{}`, a shell that would run it",
                word.raw
            );
            let m = builtin_match(
                "unresolved-command",
                "obfuscation",
                ReasonCode::HardDenyUnresolvedCommand,
                message,
                Some(word.raw.clone()),
            );
            self.push(Found::Unresolved, m);
        }
    }

    fn check(
        &mut self,
        command: &Command<'_>,
        found: Found,
        through: Option<&str>,
        how: Option<String>,
        found_word: Option<String>,
    ) {
        let explain = |message: String| match (&how, through) {
            (Some(how), _) => format!("{how}: {message}"),
            (None, Some(through)) => format!("{message} (through {through})"),
            (None, None) => message,
        };
        for rule in rules_for(command.name, found == Found::Runs) {
            if let Some(verdict) = (rule.check)(command, self.env) {
                let m = verdict_match(rule, verdict, &explain, found_word.clone());
                self.push(found, m);
            }
        }
        if command.name.is_empty() {
            return;
        }
        for pattern in &self.rules.patterns {
            match pattern.matching(command) {
                Matched::Yes => {
                    let message = explain(format!("matches the hard-deny pattern `{}`", pattern.text));
                    self.push(
                        found,
                        custom_match(
                            format!("pattern:{}", pattern.text),
                            "custom",
                            message,
                            PATTERNS_SOURCE.to_owned(),
                            found_word.clone(),
                        ),
                    );
                }
                // `kubectl delete $(…)`: whether it is the pattern is only known at run time.
                Matched::Maybe(word) if found == Found::Runs => {
                    let message = explain(format!(
                        "`{word}` is only known at run time, and may make this the hard-deny pattern `{}`; write it out",
                        pattern.text
                    ));
                    let m = builtin_match(
                        "unresolved-command",
                        "obfuscation",
                        ReasonCode::HardDenyUnresolvedCommand,
                        message,
                        Some(word),
                    );
                    self.push(Found::Unresolved, m);
                }
                Matched::Maybe(_) | Matched::No => {}
            }
        }
        for (index, rule) in self.rules.overrides.iter().enumerate() {
            if rule.raw_text.is_none() && override_matches(rule, command, "", self.env) {
                let category = rule.category.clone().unwrap_or_else(|| "custom".to_owned());
                let source = format!("{OVERRIDES_SOURCE} /{index}");
                self.push(
                    found,
                    custom_match(
                        format!("override:{index}"),
                        &category,
                        explain(rule.reason.clone()),
                        source,
                        found_word.clone(),
                    ),
                );
            }
        }
    }

    /// `rawText` overrides look at the segment as written, once.
    fn raw_text_overrides(&mut self) {
        let text = self.segment.text.as_str();
        let command = Command { name: "", args: &[], redirects: &[], cwd: &self.segment.cwd };
        for (index, rule) in self.rules.overrides.iter().enumerate() {
            if rule.raw_text.is_some() && override_matches(rule, &command, text, self.env) {
                let category = rule.category.clone().unwrap_or_else(|| "custom".to_owned());
                let source = format!("{OVERRIDES_SOURCE} /{index}");
                self.push(
                    Found::Runs,
                    custom_match(format!("override:{index}"), &category, rule.reason.clone(), source, None),
                );
            }
        }
    }

    fn push(&mut self, found: Found, mut m: HardDenyMatch) {
        m.segment = Some(SegmentRef { index: self.segment.index, total: self.total, text: self.segment.text.clone() });
        if m.word.is_none() {
            m.word = self.segment.words.first().map(|w| w.raw.clone());
        }
        self.out.push((found, m));
    }
}

/// The names a word can be as a command, among those some rule looks at: its name
/// (the basename of a path), lowercase; for a glob (`/usr/bin/su?o`), every such name
/// it matches; for a word with parts only known at run time, what it is when they are
/// empty (`k$()ill`); for an option with a value attached (`-ekill`), the value.
fn candidate_names(word: &ShellWord, rules: &HardDenyRules) -> Vec<String> {
    let mut names = Vec::new();
    let collapsed = word.collapsed.iter().filter(|_| word.values.is_empty());
    let texts =
        word.values.iter().map(|v| (v.text.as_str(), v.glob.as_deref())).chain(collapsed.map(|c| (c.as_str(), None)));
    for (text, glob) in texts {
        // A URL or a directory is not a program.
        if text.contains("://") || text.ends_with('/') {
            continue;
        }
        match glob {
            Some(pattern) => {
                let (dir, base) = pattern.rsplit_once('/').unwrap_or(("", pattern));
                let literal = base.chars().filter(|c| c.is_alphanumeric()).count();
                // `*` alone is any file here, and `keys/*` any key; `s?d?` or `/usr/bin/?u`
                // aim at a program.
                let program_dir =
                    dir.rsplit('/').next().is_some_and(|d| glob::matches(d, "bin") || glob::matches(d, "sbin"));
                let aimed = if dir.is_empty() { literal >= 2 } else { program_dir };
                if aimed {
                    let lower = base.to_lowercase();
                    names.extend(rules.trigger_names().filter(|n| glob::matches(&lower, n)).map(str::to_owned));
                }
            }
            None => {
                let name = program_name(text);
                if rules.is_trigger(&name) {
                    names.push(name);
                }
                // `rsync -ekill`, `tar -Ikill`: a short option's attached value.
                let attached =
                    text.strip_prefix('-').filter(|t| !t.starts_with('-') && t.len() > 2).and_then(|t| t.get(1..));
                if let Some(value) = attached.map(program_name).filter(|n| rules.is_trigger(n)) {
                    names.push(value);
                }
            }
        }
    }
    names.sort();
    names.dedup();
    names
}

/// The program a word names: the basename of a path (`/usr/bin/sudo`, `./kill`,
/// `~/bin/reboot`), else the word itself (`s/sudo` is a sed command, not a path).
fn program_name(text: &str) -> String {
    let path = text.starts_with(['/', '.', '~']) || text.contains("bin/");
    let name = if path { text.rsplit('/').next().unwrap_or(text) } else { text };
    name.to_lowercase()
}

fn builtin_match(
    rule: &str,
    category: &str,
    reason: ReasonCode,
    message: String,
    word: Option<String>,
) -> HardDenyMatch {
    HardDenyMatch {
        layer: Layer::OperationHardDeny,
        rule: rule.to_owned(),
        category: category.to_owned(),
        reason_code: reason,
        segment: None,
        word,
        message,
        source: BUILTIN_SOURCE.to_owned(),
    }
}

fn custom_match(rule: String, category: &str, message: String, source: String, word: Option<String>) -> HardDenyMatch {
    HardDenyMatch {
        layer: Layer::OperationHardDeny,
        rule,
        category: category.to_owned(),
        reason_code: ReasonCode::HardDenyCustomDeny,
        segment: None,
        word,
        message,
        source,
    }
}

fn verdict_match(
    rule: &BuiltinRule,
    verdict: Verdict,
    explain: &dyn Fn(String) -> String,
    found: Option<String>,
) -> HardDenyMatch {
    match verdict {
        Verdict::Denied { message, word } => {
            builtin_match(rule.id, rule.category, rule.reason, explain(message), found.or(word))
        }
        Verdict::Unknown { message, word } => builtin_match(
            rule.id,
            rule.category,
            ReasonCode::HardDenyUnresolvedCommand,
            explain(message),
            found.or(Some(word)),
        ),
    }
}

/// Functions that run themselves — directly or through each other — at least twice
/// at once (a pipeline, `&`), or once in the background: a fork bomb, however named
/// (`:(){ :|:& };:`, `a(){ b & }; b(){ a & }`). A recursive call in one pipeline stage
/// (`walk | sort` inside `walk`) spawns one process at a time and is fine.
fn fork_bombs(parsed: &ParsedCommand, total: usize) -> Vec<HardDenyMatch> {
    let defined: BTreeSet<String> = parsed.functions.iter().map(|f| f.to_lowercase()).collect();
    let mut calls: BTreeMap<String, Vec<(String, &Segment)>> = BTreeMap::new();
    for segment in &parsed.segments {
        let (Some(function), Invocation::Command(resolved)) = (&segment.function, &segment.invocation) else {
            continue;
        };
        if defined.contains(&resolved.name) {
            calls.entry(function.to_lowercase()).or_default().push((resolved.name.clone(), segment));
        }
    }
    let reaches = |from: &str, to: &str| {
        let mut seen = BTreeSet::new();
        let mut stack = vec![from.to_owned()];
        while let Some(current) = stack.pop() {
            if current == to {
                return true;
            }
            if seen.insert(current.clone()) {
                stack.extend(calls.get(&current).into_iter().flatten().map(|(callee, _)| callee.clone()));
            }
        }
        false
    };
    let mut out = Vec::new();
    for (function, sites) in &calls {
        let recursive: Vec<&Segment> =
            sites.iter().filter(|(callee, _)| reaches(callee, function)).map(|(_, s)| *s).collect();
        let concurrent = recursive.iter().filter(|s| s.background || s.piped).count();
        let bomb =
            recursive.iter().find(|s| s.background).or_else(|| (concurrent >= 2).then(|| recursive.first()).flatten());
        if let Some(segment) = bomb {
            let mut m = builtin_match(
                "fork-bomb",
                "system_destructive",
                ReasonCode::HardDenySystemDestructive,
                format!("function `{function}` runs itself in the background or several times at once: a fork bomb"),
                segment.words.first().map(|w| w.raw.clone()),
            );
            m.segment = Some(SegmentRef { index: segment.index, total, text: segment.text.clone() });
            out.push(m);
        }
    }
    out
}
