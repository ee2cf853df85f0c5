//! User rules: `Tools.HardDenyPatterns` and `config/hard-deny-overrides.json`.
//! They only add denials; nothing here can allow what a built-in rule denies.
//!
//! A pattern's first word is a command name; its other words must follow among the
//! arguments in order, with anything in between: `docker rm` matches `docker
//! --context x rm` and `docker container rm` too. Everything compares lowercase.

use super::ShellEnv;
use super::builtin::Command;
use crate::config::HardDenyRule;
use crate::shell::ShellWord;

/// A pattern, lowercase and split into words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Pattern {
    pub text: String,
    /// The command name (basename of the first word).
    pub name: String,
    pub rest: Vec<String>,
}

impl Pattern {
    pub fn new(text: &str) -> Option<Self> {
        let mut words = text.split_whitespace().map(str::to_lowercase);
        let first = words.next()?;
        let name = first.rsplit('/').next().unwrap_or(&first).to_owned();
        Some(Self { text: text.to_owned(), name, rest: words.collect() })
    }

    /// Whether `command` runs the pattern: its name, then its words in order.
    pub fn matches(&self, command: &Command<'_>) -> bool {
        command.name == self.name && in_order(command.args, &self.rest)
    }
}

/// Whether `words` appear among `args`, in order; an argument matches a word if any of
/// its values does (lowercase).
fn in_order(args: &[ShellWord], words: &[String]) -> bool {
    let mut args = args.iter();
    words.iter().all(|word| args.any(|arg| arg.values.iter().any(|v| v.text.to_lowercase() == *word)))
}

/// Whether an overrides rule matches this command.
pub(crate) fn override_matches(rule: &HardDenyRule, command: &Command<'_>, text: &str, env: &ShellEnv<'_>) -> bool {
    if let Some(verb) = &rule.verb {
        let Some(pattern) = Pattern::new(&verb.join(" ")) else { return false };
        if !pattern.matches(command) {
            return false;
        }
        let flags_ok = rule.arg_flags.is_empty() || rule.arg_flags.iter().any(|flag| has_flag(command.args, flag));
        let path_ok = rule.first_path.as_ref().is_none_or(|first| {
            let operand =
                command.args.iter().skip(pattern.rest.len()).find(|w| !w.text().is_some_and(|t| t.starts_with('-')));
            operand.is_some_and(|o| first.one_of.iter().any(|p| same_path(o, p, command, env)))
        });
        return flags_ok && path_ok;
    }
    if let Some(prefix) = &rule.verb_prefix {
        return command.name.starts_with(&prefix.to_lowercase());
    }
    if let Some(raw) = &rule.raw_text {
        let raw = raw.to_lowercase();
        let words: Vec<&str> = command.args.iter().filter_map(ShellWord::text).collect();
        let joined = format!("{} {}", command.name, words.join(" ")).to_lowercase();
        return text.to_lowercase().contains(&raw) || joined.contains(&raw);
    }
    false
}

/// `-f` is present as itself or inside a cluster like `-rf`; long flags match whole
/// or before `=`.
fn has_flag(args: &[ShellWord], flag: &str) -> bool {
    let flag = flag.to_lowercase();
    let short = flag.strip_prefix('-').filter(|f| f.len() == 1 && !f.starts_with('-'));
    args.iter().filter_map(ShellWord::text).any(|arg| {
        let lower = arg.to_lowercase();
        lower == flag
            || lower.split_once('=').is_some_and(|(name, _)| name == flag)
            || short.is_some_and(|s| arg.starts_with('-') && !arg.starts_with("--") && arg.contains(s))
    })
}

fn same_path(operand: &ShellWord, listed: &str, command: &Command<'_>, env: &ShellEnv<'_>) -> bool {
    let resolve = |text: &str, home: bool| -> Vec<std::path::PathBuf> {
        if home {
            return env
                .paths
                .user_home()
                .map(|h| crate::paths::normalize(&h.join(text.trim_start_matches('/'))))
                .into_iter()
                .collect();
        }
        command.cwd.join(text)
    };
    let listed = match listed.strip_prefix('~') {
        Some(rest) => resolve(rest, true),
        None => resolve(listed, false),
    };
    operand.values.iter().any(|v| resolve(&v.text, v.home_relative).iter().any(|p| listed.contains(p)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shell::Cwd;

    fn command<'a>(name: &'a str, args: &'a [ShellWord], cwd: &'a Cwd) -> Command<'a> {
        Command { name, args, redirects: &[], cwd }
    }

    fn words(text: &str) -> Vec<ShellWord> {
        text.split(' ').map(ShellWord::literal).collect()
    }

    #[test]
    fn patterns_match_across_global_options_and_case() {
        let cwd = Cwd::unknown();
        let pattern = Pattern::new("Docker RM").unwrap();
        assert!(pattern.matches(&command("docker", &words("rm foo"), &cwd)));
        assert!(pattern.matches(&command("docker", &words("--context x rm foo"), &cwd)));
        assert!(pattern.matches(&command("docker", &words("container RM foo"), &cwd)));
        assert!(!pattern.matches(&command("docker", &words("rmi foo"), &cwd)));
        assert!(!pattern.matches(&command("docker", &words("ps"), &cwd)));
        assert!(Pattern::new("/usr/bin/docker rm").unwrap().matches(&command("docker", &words("rm"), &cwd)));
    }

    #[test]
    fn flags_match_in_clusters() {
        assert!(has_flag(&words("-rf x"), "-f"));
        assert!(has_flag(&words("--force=yes"), "--force"));
        assert!(has_flag(&words("--FORCE"), "--force"));
        assert!(!has_flag(&words("--fast"), "-f"));
        assert!(!has_flag(&words("file"), "-f"));
    }
}
