//! The built-in hard-deny rules: one table, one function per rule.
//!
//! Each rule sees one resolved segment (command name after wrappers, its arguments)
//! and says why it matches. They cannot be turned off.

use std::path::{Path, PathBuf};

use super::ShellEnv;
use crate::reason::ReasonCode;
use crate::shell::{Resolved, Segment, ShellWord, brace_expansions};

pub(crate) struct BuiltinRule {
    /// Stable kebab-case id.
    pub id: &'static str,
    /// snake_case category.
    pub category: &'static str,
    pub reason: ReasonCode,
    /// What the rule denies, for docs and `netclaw shell rules`.
    pub summary: &'static str,
    pub check: fn(&Segment, &Resolved, &ShellEnv<'_>) -> Option<String>,
}

pub(crate) const BUILTIN_RULES: &[BuiltinRule] = &[
    BuiltinRule {
        id: "privilege-escalation",
        category: "privilege_escalation",
        reason: ReasonCode::HardDenyPrivilegeEscalation,
        summary: "sudo, su, doas, pkexec",
        check: privilege_escalation,
    },
    BuiltinRule {
        id: "process-kill",
        category: "process_control",
        reason: ReasonCode::HardDenySelfDestructive,
        summary: "kill, killall, pkill",
        check: process_kill,
    },
    BuiltinRule {
        id: "netclaw-daemon-stop",
        category: "self_destructive",
        reason: ReasonCode::HardDenySelfDestructive,
        summary: "netclaw daemon stop|kill, systemctl stop|kill netclaw, service netclaw stop",
        check: netclaw_daemon_stop,
    },
    BuiltinRule {
        id: "recursive-force-rm-root-or-home",
        category: "system_destructive",
        reason: ReasonCode::HardDenySystemDestructive,
        summary: "rm with recursive and force flags aimed at /, ~ or the home directory",
        check: recursive_force_rm,
    },
    BuiltinRule {
        id: "mkfs",
        category: "system_destructive",
        reason: ReasonCode::HardDenySystemDestructive,
        summary: "mkfs and mkfs.*",
        check: mkfs,
    },
    BuiltinRule {
        id: "fork-bomb",
        category: "system_destructive",
        reason: ReasonCode::HardDenySystemDestructive,
        summary: "a function that runs itself in the background or a pipeline",
        check: fork_bomb,
    },
];

fn args<'s>(segment: &'s Segment, resolved: &Resolved) -> &'s [ShellWord] {
    segment.words.get(resolved.args..).unwrap_or_default()
}

/// The static, non-option arguments, in order.
fn operands<'s>(segment: &'s Segment, resolved: &Resolved) -> Vec<&'s str> {
    args(segment, resolved).iter().filter_map(ShellWord::text).filter(|t| !t.starts_with('-')).collect()
}

fn privilege_escalation(_: &Segment, resolved: &Resolved, _: &ShellEnv<'_>) -> Option<String> {
    matches!(resolved.name.as_str(), "sudo" | "su" | "doas" | "pkexec").then(|| format!("runs {}", resolved.name))
}

fn process_kill(_: &Segment, resolved: &Resolved, _: &ShellEnv<'_>) -> Option<String> {
    matches!(resolved.name.as_str(), "kill" | "killall" | "pkill")
        .then(|| format!("runs {}, which can stop netclaw itself", resolved.name))
}

fn netclaw_daemon_stop(segment: &Segment, resolved: &Resolved, _: &ShellEnv<'_>) -> Option<String> {
    let operands = operands(segment, resolved);
    let is_netclaw = |unit: &&str| unit.starts_with("netclaw");
    let stops = match resolved.name.as_str() {
        "netclaw" => matches!(operands.as_slice(), ["daemon", "stop" | "kill", ..]),
        "systemctl" => match operands.split_first() {
            Some((&("stop" | "kill"), units)) => units.iter().any(is_netclaw),
            Some((&"disable", units)) => {
                let now = args(segment, resolved).iter().any(|w| w.text() == Some("--now"));
                now && units.iter().any(is_netclaw)
            }
            _ => false,
        },
        "service" => matches!(operands.as_slice(), [unit, "stop", ..] if is_netclaw(unit)),
        _ => false,
    };
    stops.then(|| "stops the netclaw daemon".to_owned())
}

fn recursive_force_rm(segment: &Segment, resolved: &Resolved, env: &ShellEnv<'_>) -> Option<String> {
    if resolved.name != "rm" {
        return None;
    }
    let (mut recursive, mut force, mut options_done) = (false, false, false);
    let mut targets = Vec::new();
    for word in args(segment, resolved) {
        let text = word.text().unwrap_or_default();
        if !options_done && text == "--" {
            options_done = true;
        } else if !options_done && text.starts_with("--") {
            recursive |= text == "--recursive";
            force |= text == "--force";
        } else if !options_done && text.starts_with('-') && text.len() > 1 {
            recursive |= text.contains(['r', 'R']);
            force |= text.contains('f');
        } else {
            targets.push(word);
        }
    }
    if !(recursive && force) {
        return None;
    }
    let hit = targets.into_iter().find(|word| is_root_or_home(word, env))?;
    Some(format!("removes `{}` recursively and by force", hit.raw))
}

/// `/`, `//`, `/*`, `~`, `~/`, `$HOME`, `${HOME}`, the home path, `/tmp/..`, `{/,}`…
fn is_root_or_home(word: &ShellWord, env: &ShellEnv<'_>) -> bool {
    let Some(literal) = &word.literal else { return false };
    let texts = brace_expansions(&literal.text, 64).unwrap_or_else(|| vec![literal.text.clone()]);
    texts.iter().any(|text| {
        let path = if literal.home_relative {
            Path::new("/home-of-user").join(text.trim_start_matches('/'))
        } else if text.starts_with('/') {
            PathBuf::from(text)
        } else {
            return false;
        };
        let mut normal = crate::paths::normalize(&path);
        // `/*` and `~/.*` remove everything in the directory.
        if normal.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.contains(['*', '?', '['])) {
            normal.pop();
        }
        let home = env.paths.user_home();
        normal == Path::new("/")
            || (literal.home_relative && normal == Path::new("/home-of-user"))
            || (!literal.home_relative && home.is_some_and(|h| normal == crate::paths::normalize(h)))
    })
}

fn mkfs(_: &Segment, resolved: &Resolved, _: &ShellEnv<'_>) -> Option<String> {
    resolved.name.starts_with("mkfs").then(|| format!("runs {}, which formats a file system", resolved.name))
}

/// Structure, not spelling: `:(){ :|:& };:`, `bomb(){ bomb | bomb & }; bomb`,
/// `f(){ f & f & }; f` all define a function that runs itself detached.
fn fork_bomb(segment: &Segment, resolved: &Resolved, _: &ShellEnv<'_>) -> Option<String> {
    let function = segment.function.as_deref()?;
    (segment.detached && resolved.name == function)
        .then(|| format!("function `{function}` runs itself in the background or a pipeline: a fork bomb"))
}
