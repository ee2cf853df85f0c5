//! User rules: `Tools.HardDenyPatterns` and `config/hard-deny-overrides.json`.
//! They only add denials; nothing here can allow what a built-in rule denies.

use std::path::Path;

use super::ShellEnv;
use crate::config::HardDenyRule;
use crate::shell::{Resolved, Segment, ShellWord};

/// A segment's normalised command words: the resolved command name, then its static
/// arguments up to the first dynamic one.
pub(crate) fn chain<'s>(segment: &'s Segment, resolved: &'s Resolved) -> Vec<&'s str> {
    let args = segment.words.get(resolved.args..).unwrap_or_default();
    std::iter::once(resolved.name.as_str()).chain(args.iter().map_while(ShellWord::text)).collect()
}

/// Whether `chain` starts with the pattern's words (its first word by basename).
pub(crate) fn starts_with(chain: &[&str], pattern: &[String]) -> bool {
    let Some((first, rest)) = pattern.split_first() else { return false };
    let name = first.rsplit('/').next().unwrap_or(first);
    chain.first() == Some(&name)
        && rest.len() < chain.len()
        && rest.iter().zip(chain.iter().skip(1)).all(|(p, c)| p == c)
}

/// Why an overrides rule matches this segment, if it does.
pub(crate) fn override_matches(
    rule: &HardDenyRule,
    segment: &Segment,
    resolved: &Resolved,
    env: &ShellEnv<'_>,
) -> bool {
    let words = chain(segment, resolved);
    if let Some(verb) = &rule.verb {
        if !starts_with(&words, verb) {
            return false;
        }
        let rest: Vec<&str> = words.get(verb.len()..).unwrap_or_default().to_vec();
        let flags_ok = rule.arg_flags.is_empty() || rule.arg_flags.iter().any(|flag| has_flag(&rest, flag));
        let path_ok = rule.first_path.as_ref().is_none_or(|first| {
            let operand = rest.iter().find(|w| !w.starts_with('-'));
            operand.is_some_and(|o| first.one_of.iter().any(|p| same_path(o, p, env)))
        });
        return flags_ok && path_ok;
    }
    if let Some(prefix) = &rule.verb_prefix {
        return resolved.name.starts_with(prefix.as_str());
    }
    if let Some(raw) = &rule.raw_text {
        return segment.text.contains(raw.as_str()) || words.join(" ").contains(raw.as_str());
    }
    false
}

/// `-f` is present as itself or inside a cluster like `-rf`; long flags match whole
/// or before `=`.
fn has_flag(args: &[&str], flag: &str) -> bool {
    let short = flag.strip_prefix('-').filter(|f| f.len() == 1 && !f.starts_with('-'));
    args.iter().any(|arg| {
        *arg == flag
            || arg.split_once('=').is_some_and(|(name, _)| name == flag)
            || short.is_some_and(|s| arg.starts_with('-') && !arg.starts_with("--") && arg.contains(s))
    })
}

fn same_path(operand: &str, listed: &str, env: &ShellEnv<'_>) -> bool {
    let resolve = |text: &str| {
        let (rest, home) = match text.strip_prefix('~') {
            Some(rest) => (rest, true),
            None => (text, false),
        };
        env.paths.resolve(rest, home, env.working_directory)
    };
    match (resolve(operand), resolve(listed)) {
        (Some(a), Some(b)) => a == b,
        _ => Path::new(operand) == Path::new(listed),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match_word_chains_not_substrings() {
        let pattern = vec!["docker".to_owned(), "rm".to_owned()];
        assert!(starts_with(&["docker", "rm", "foo"], &pattern));
        assert!(starts_with(&["docker", "rm"], &pattern));
        assert!(!starts_with(&["docker", "rmi", "foo"], &pattern));
        assert!(!starts_with(&["docker"], &pattern));
        assert!(starts_with(&["docker", "rm"], &["/usr/bin/docker".to_owned(), "rm".to_owned()]));
    }

    #[test]
    fn flags_match_in_clusters() {
        assert!(has_flag(&["-rf", "x"], "-f"));
        assert!(has_flag(&["--force=yes"], "--force"));
        assert!(!has_flag(&["--fast"], "-f"));
        assert!(!has_flag(&["file"], "-f"));
    }
}
