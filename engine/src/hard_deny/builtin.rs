//! The built-in hard-deny rules: one table, one function per rule.
//!
//! Each rule sees one command — the one a segment runs, or one it may run through an
//! argument or a string (see `operation`) — and says why it matches. Names compare
//! lowercase (macOS runs `SUDO`). A rule whose decisive argument is only known at run
//! time (`rm -rf "$(echo /)"`) answers [`Verdict::Unknown`]: denied as unresolved.
//! They cannot be turned off.

use std::path::{Path, PathBuf};

use super::ShellEnv;
use super::glob::matches as glob_matches;
use crate::paths::normalize;
use crate::reason::ReasonCode;
use crate::shell::{Cwd, Literal, Redirect, ShellWord};

/// One command, as a rule sees it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Command<'a> {
    /// Lowercase basename (`sudo`).
    pub name: &'a str,
    pub args: &'a [ShellWord],
    /// The segment's redirections (none for a command found inside an argument).
    pub redirects: &'a [Redirect],
    pub cwd: &'a Cwd,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Verdict {
    Denied {
        message: String,
        word: Option<String>,
    },
    /// The rule would match for some value of an argument only known at run time.
    Unknown {
        message: String,
        word: String,
    },
}

pub(crate) struct BuiltinRule {
    /// Stable kebab-case id.
    pub id: &'static str,
    /// snake_case category.
    pub category: &'static str,
    pub reason: ReasonCode,
    /// What the rule denies, for docs and reports.
    pub summary: &'static str,
    /// Command names (lowercase) the rule looks at.
    pub names: &'static [&'static str],
    /// Name prefixes it looks at (`mkfs.` covers `mkfs.ext4`).
    pub prefixes: &'static [&'static str],
    /// It also looks at every command's redirections.
    pub all_commands: bool,
    pub check: fn(&Command<'_>, &ShellEnv<'_>) -> Option<Verdict>,
}

impl BuiltinRule {
    pub fn looks_at(&self, name: &str) -> bool {
        self.names.contains(&name) || self.prefixes.iter().any(|p| name.starts_with(p))
    }
}

const PRIVILEGE: &[&str] = &[
    "sudo", "sudoedit", "sudo-rs", "su", "doas", "pkexec", "run0", "ksu", "kdesu", "kdesudo", "gksu", "gksudo",
    "please", "calife", "pfexec", "dzdo", "pbrun", "runuser",
];
const KILLERS: &[&str] = &["kill", "killall", "killall5", "pkill", "skill", "tkill", "xkill", "fuser"];
const SERVICE_MANAGERS: &[&str] =
    &["netclaw", "systemctl", "service", "launchctl", "rc-service", "sv", "supervisorctl", "initctl", "pm2"];
const SHUTDOWN: &[&str] = &["shutdown", "reboot", "halt", "poweroff", "kexec", "init", "telinit", "systemctl"];
const FORMATTERS: &[&str] = &[
    "mkfs",
    "mke2fs",
    "mkswap",
    "mkntfs",
    "mkdosfs",
    "mkexfatfs",
    "mkreiserfs",
    "mkudffs",
    "wipefs",
    "newfs",
    "blkdiscard",
    "diskutil",
];

pub(crate) const BUILTIN_RULES: &[BuiltinRule] = &[
    BuiltinRule {
        id: "privilege-escalation",
        category: "privilege_escalation",
        reason: ReasonCode::HardDenyPrivilegeEscalation,
        summary: "sudo, sudoedit, su, doas, pkexec, run0, ksu, kdesu, please and the like",
        names: PRIVILEGE,
        prefixes: &[],
        all_commands: false,
        check: privilege_escalation,
    },
    BuiltinRule {
        id: "process-kill",
        category: "process_control",
        reason: ReasonCode::HardDenySelfDestructive,
        summary: "kill, killall, killall5, pkill, skill, tkill, fuser -k",
        names: KILLERS,
        prefixes: &[],
        all_commands: false,
        check: process_kill,
    },
    BuiltinRule {
        id: "netclaw-daemon-stop",
        category: "self_destructive",
        reason: ReasonCode::HardDenySelfDestructive,
        summary: "stopping, killing or restarting netclaw: `netclaw daemon stop`, systemctl, service, launchctl, /etc/init.d",
        names: SERVICE_MANAGERS,
        prefixes: &[],
        all_commands: false,
        check: netclaw_daemon_stop,
    },
    BuiltinRule {
        id: "system-shutdown",
        category: "self_destructive",
        reason: ReasonCode::HardDenySelfDestructive,
        summary: "shutdown, reboot, halt, poweroff, `init 0`, `systemctl poweroff|reboot|isolate`",
        names: SHUTDOWN,
        prefixes: &[],
        all_commands: false,
        check: system_shutdown,
    },
    BuiltinRule {
        id: "recursive-force-rm-root-or-home",
        category: "system_destructive",
        reason: ReasonCode::HardDenySystemDestructive,
        summary: "rm -r (any spelling) aimed at /, a top-level directory, ~ or the home directory",
        names: &["rm", "grm"],
        prefixes: &[],
        all_commands: false,
        check: recursive_rm,
    },
    BuiltinRule {
        id: "delete-tree-root-or-home",
        category: "system_destructive",
        reason: ReasonCode::HardDenySystemDestructive,
        summary: "find -delete (or -exec rm), rsync --delete, tar --remove-files, zip -m, mv of /, a system directory or the home",
        names: &["find", "rsync", "tar", "zip", "mv"],
        prefixes: &[],
        all_commands: false,
        check: delete_tree,
    },
    BuiltinRule {
        id: "mkfs",
        category: "system_destructive",
        reason: ReasonCode::HardDenySystemDestructive,
        summary: "mkfs, mkfs.*, mke2fs, mkswap, wipefs, newfs, blkdiscard, diskutil eraseDisk",
        names: FORMATTERS,
        prefixes: &["mkfs.", "mkfs_", "newfs_"],
        all_commands: false,
        check: mkfs,
    },
    BuiltinRule {
        id: "raw-device-write",
        category: "system_destructive",
        reason: ReasonCode::HardDenySystemDestructive,
        summary: "writing a disk device: `dd of=/dev/sda`, `> /dev/sda`, shred of a device",
        names: &["dd", "shred"],
        prefixes: &[],
        all_commands: true,
        check: raw_device_write,
    },
];

/// The static, non-option arguments, lowercase; `None` for one only known at run time.
fn operands(command: &Command<'_>) -> Vec<Option<String>> {
    command
        .args
        .iter()
        .filter(|w| !w.text().is_some_and(|t| t.starts_with('-') && t.len() > 1))
        .map(|w| w.text().map(str::to_lowercase))
        .collect()
}

/// Flags compare lowercase, as names do: over-reading `-K` as `-k` is the safe side.
fn has_flag(command: &Command<'_>, short: char, long: &str) -> bool {
    command.args.iter().filter_map(ShellWord::text).map(str::to_lowercase).any(|t| {
        t == long
            || (long.len() > 3 && t.starts_with("--") && long.starts_with(t.as_str()) && t.len() >= 4)
            || (t.starts_with('-') && !t.starts_with("--") && t.contains(short))
    })
}

fn privilege_escalation(command: &Command<'_>, _: &ShellEnv<'_>) -> Option<Verdict> {
    Some(Verdict::Denied { message: format!("runs `{}`, which changes user", command.name), word: None })
}

fn process_kill(command: &Command<'_>, _: &ShellEnv<'_>) -> Option<Verdict> {
    if command.name == "fuser" && !has_flag(command, 'k', "--kill") {
        return None;
    }
    Some(Verdict::Denied { message: format!("runs `{}`, which can stop netclaw itself", command.name), word: None })
}

const STOP_VERBS: &[&str] = &[
    "stop",
    "kill",
    "restart",
    "try-restart",
    "reload-or-restart",
    "try-reload-or-restart",
    "condrestart",
    "force-reload",
];

/// `netclaw`, `netclaw.service`, or a pattern that could match them (`net*`).
/// Service managers match unit patterns themselves (`systemctl stop 'net*'`), so a
/// quoted pattern counts as much as one the shell would expand.
fn names_netclaw(word: &ShellWord) -> bool {
    word.values.iter().any(|value| {
        let text = value.text.to_lowercase();
        let own_pattern = text.contains(['*', '?', '[']).then_some(text.as_str());
        text.contains("netclaw")
            || value.glob.as_deref().or(own_pattern).is_some_and(|g| {
                let pattern = g.to_lowercase();
                let unit = pattern.rsplit('/').next().unwrap_or(&pattern).to_owned();
                ["netclaw", "netclaw.service", "com.netclaw.daemon"].iter().any(|n| glob_matches(&unit, n))
            })
    })
}

fn netclaw_daemon_stop(command: &Command<'_>, _: &ShellEnv<'_>) -> Option<Verdict> {
    let words: Vec<&ShellWord> =
        command.args.iter().filter(|w| !w.text().is_some_and(|t| t.starts_with('-') && t.len() > 1)).collect();
    let lower = |w: &&ShellWord| w.text().map(str::to_lowercase);
    let stops = |w: &&ShellWord| lower(w).is_some_and(|t| STOP_VERBS.contains(&t.as_str()) || t == "down");
    let denied = || Some(Verdict::Denied { message: "stops the netclaw daemon".to_owned(), word: None });
    let unknown = |w: &ShellWord| {
        Some(Verdict::Unknown {
            message: format!("`{}` stops a service only known at run time, which could be netclaw", command.name),
            word: w.raw.clone(),
        })
    };
    match command.name {
        // `netclaw daemon stop`, and `/etc/init.d/netclaw stop`.
        "netclaw" => {
            let early = words.iter().take(3);
            if early.clone().any(stops) {
                return denied();
            }
            early.clone().find(|w| w.text().is_none()).and_then(|w| unknown(w))
        }
        "systemctl" => {
            let verb = words.iter().position(|w| lower(w).is_some_and(|t| SYSTEMCTL_VERBS.contains(&t.as_str())))?;
            let verb_text = words.get(verb).and_then(lower)?;
            let units = words.get(verb + 1..).unwrap_or_default();
            let now = command.args.iter().any(|w| w.text() == Some("--now"));
            let stopping =
                STOP_VERBS.contains(&verb_text.as_str()) || (now && matches!(verb_text.as_str(), "disable" | "mask"));
            if !stopping {
                return None;
            }
            if units.iter().any(|u| names_netclaw(u)) {
                return denied();
            }
            units.iter().find(|u| u.open).and_then(|u| unknown(u))
        }
        // `service netclaw stop`
        "service" | "rc-service" => {
            let unit = words.first()?;
            if !words.iter().skip(1).any(stops) {
                return None;
            }
            if names_netclaw(unit) {
                denied()
            } else if unit.open {
                unknown(unit)
            } else {
                None
            }
        }
        _ => {
            let verbs = ["bootout", "unload", "stop", "kill", "remove", "disable", "down", "delete", "restart"];
            let stopping = words.iter().any(|w| lower(w).is_some_and(|t| verbs.contains(&t.as_str())));
            if !stopping {
                return None;
            }
            if words.iter().any(|w| names_netclaw(w)) {
                return denied();
            }
            words.iter().find(|w| w.open).and_then(|w| unknown(w))
        }
    }
}

const SYSTEMCTL_VERBS: &[&str] = &[
    "stop",
    "kill",
    "restart",
    "try-restart",
    "reload-or-restart",
    "try-reload-or-restart",
    "condrestart",
    "force-reload",
    "disable",
    "mask",
    "start",
    "status",
    "enable",
    "show",
    "cat",
    "list-units",
    "reload",
    "poweroff",
    "reboot",
    "halt",
    "kexec",
    "rescue",
    "emergency",
    "isolate",
    "suspend",
    "hibernate",
];

fn system_shutdown(command: &Command<'_>, _: &ShellEnv<'_>) -> Option<Verdict> {
    let operands = operands(command);
    let first = operands.first().cloned().flatten();
    let shuts_down = match command.name {
        "init" | "telinit" => matches!(first.as_deref(), Some("0" | "6" | "1" | "s" | "single")),
        "systemctl" => operands.iter().flatten().find(|o| SYSTEMCTL_VERBS.contains(&o.as_str())).is_some_and(|verb| {
            matches!(verb.as_str(), "poweroff" | "reboot" | "halt" | "kexec" | "rescue" | "emergency" | "isolate")
        }),
        _ => true,
    };
    shuts_down.then(|| Verdict::Denied {
        message: format!("`{}` stops the machine, and netclaw with it", command.name),
        word: None,
    })
}

/// Top-level directories whose removal breaks the system.
const SYSTEM_DIRS: &[&str] = &[
    "/bin",
    "/boot",
    "/dev",
    "/etc",
    "/home",
    "/lib",
    "/lib32",
    "/lib64",
    "/libx32",
    "/opt",
    "/proc",
    "/root",
    "/run",
    "/sbin",
    "/srv",
    "/sys",
    "/usr",
    "/var",
    "/snap",
    "/nix",
    "/System",
    "/Library",
    "/Applications",
    "/Users",
    "/Volumes",
    "/private",
    "/cores",
];

fn recursive_rm(command: &Command<'_>, env: &ShellEnv<'_>) -> Option<Verdict> {
    let (mut recursive, mut options_done) = (false, false);
    let mut targets = Vec::new();
    for word in command.args {
        let lower = word.text().unwrap_or_default().to_lowercase();
        let text = lower.as_str();
        if !options_done && text == "--" {
            options_done = true;
        } else if !options_done && text.starts_with("--") && text.len() > 2 {
            // getopt accepts any unambiguous prefix: `--rec`, `--no-p`.
            recursive |= text.len() >= 3 && "--recursive".starts_with(text);
        } else if !options_done && text.starts_with('-') && text.len() > 1 {
            recursive |= text.contains('r');
        } else {
            targets.push(word);
        }
    }
    if !recursive {
        return None;
    }
    destroys_root_or_home(&targets, command.cwd, env, "removes")
}

/// Other ways to destroy a tree: `find -delete` (or `-exec rm`), `rsync --delete` into
/// it, `tar --remove-files` and `zip -m` of it, `mv` of it elsewhere.
fn delete_tree(command: &Command<'_>, env: &ShellEnv<'_>) -> Option<Verdict> {
    let texts: Vec<String> = command.args.iter().map(|w| w.text().unwrap_or_default().to_lowercase()).collect();
    let has = |flag: &str| texts.iter().any(|t| t == flag || t.starts_with(&format!("{flag}=")));
    let operands = || command.args.iter().filter(|w| !w.text().is_some_and(|t| t.starts_with('-'))).collect::<Vec<_>>();
    match command.name {
        "find" => {
            let deletes = has("-delete")
                || texts.windows(2).any(|w| {
                    matches!(w.first().map(String::as_str), Some("-exec" | "-execdir" | "-ok" | "-okdir"))
                        && w.get(1).is_some_and(|c| matches!(program(c), "rm" | "unlink" | "shred" | "rmdir"))
                });
            if !deletes {
                return None;
            }
            // Start paths come after `-H`, `-L`, `-P`, `-O3`, `-D opts`, `--`.
            let mut at = 0;
            while let Some(text) = texts.get(at) {
                match text.as_str() {
                    "-h" | "-l" | "-p" | "--" => at += 1,
                    "-d" => at += 2,
                    t if t.starts_with("-o") && t.len() <= 3 => at += 1,
                    _ => break,
                }
            }
            let starts: Vec<&ShellWord> = command
                .args
                .iter()
                .skip(at)
                .take_while(|w| !w.text().is_some_and(|t| t.starts_with('-') || t == "(" || t == "!"))
                .collect();
            let here = ShellWord::literal(".");
            let starts = if starts.is_empty() { vec![&here] } else { starts };
            destroys_root_or_home(&starts, command.cwd, env, "deletes everything under")
        }
        "rsync" if texts.iter().any(|t| t.starts_with("--delete") || t == "--remove-source-files") => {
            let operands = operands();
            destroys_root_or_home(&operands.into_iter().rev().take(1).collect::<Vec<_>>(), command.cwd, env, "empties")
        }
        "tar" if has("--remove-files") => destroys_root_or_home(&operands(), command.cwd, env, "archives and deletes"),
        "zip"
            if has("-m")
                || has("--move")
                || texts.iter().any(|t| t.starts_with('-') && !t.starts_with("--") && t.contains('m')) =>
        {
            destroys_root_or_home(
                &operands().into_iter().skip(1).collect::<Vec<_>>(),
                command.cwd,
                env,
                "zips and deletes",
            )
        }
        "mv" => {
            let operands = operands();
            let sources = operands.len().saturating_sub(1);
            destroys_root_or_home(
                &operands.into_iter().take(sources).collect::<Vec<_>>(),
                command.cwd,
                env,
                "moves away",
            )
        }
        _ => None,
    }
}

/// The basename of a program word, lowercase.
fn program(text: &str) -> &str {
    text.rsplit('/').next().unwrap_or(text)
}

/// The first target that is `/`, a system directory, the home or everything in one.
fn destroys_root_or_home(targets: &[&ShellWord], cwd: &Cwd, env: &ShellEnv<'_>, verb: &str) -> Option<Verdict> {
    for word in targets {
        if word.values.iter().any(|value| is_root_or_home(value, cwd, env)) {
            return Some(Verdict::Denied {
                message: format!("{verb} `{}` recursively: the root, a system directory or the home", word.raw),
                word: Some(word.raw.clone()),
            });
        }
        if word.open && !pinned_below(word) {
            return Some(Verdict::Unknown {
                message: format!(
                    "{verb} `{}` recursively, a path only known at run time that could be / or the home; write the path out",
                    word.raw
                ),
                word: word.raw.clone(),
            });
        }
        let everything_here = word.values.iter().any(|v| !v.home_relative && is_everything_relative(&v.text));
        let unknown_proc = word.values.iter().any(|v| proc_link(&v.text, cwd) == ProcLink::Unknown);
        if (cwd.unknown && everything_here) || unknown_proc {
            return Some(Verdict::Unknown {
                message: format!("{verb} `{}` recursively in a directory only known at run time", word.raw),
                word: word.raw.clone(),
            });
        }
    }
    None
}

/// `"$DIR/build"`: whatever `$DIR` is, the target is a named child, never `/` or `~` —
/// unless the unknown part is a process id (`/proc/$$/root/`).
fn pinned_below(word: &ShellWord) -> bool {
    let under_proc = word.head.as_ref().is_some_and(|h| h.text.starts_with("/proc"));
    !under_proc
        && word.tail.as_deref().and_then(|t| t.trim_end_matches('/').rsplit_once('/')).is_some_and(|(_, name)| {
            !name.is_empty() && name != "." && name != ".." && !name.chars().all(|c| matches!(c, '*' | '?' | '.'))
        })
}

/// `.`, `./`, `*`, `./*`, `..`: the working directory itself, its parent, or all of it.
fn is_everything_relative(text: &str) -> bool {
    let trimmed = text.trim_end_matches('/');
    trimmed.is_empty() || trimmed.split('/').all(|c| c.is_empty() || c == "." || c == ".." || is_everything_glob(c))
}

/// A glob component that matches (almost) any name: `*`, `.*`, `?*`, `[a-z]*`.
fn is_everything_glob(component: &str) -> bool {
    let mut stripped = String::new();
    let mut depth = 0usize;
    for c in component.chars() {
        match c {
            '[' => depth += 1,
            ']' => depth = depth.saturating_sub(1),
            _ if depth > 0 => {}
            c => stripped.push(c),
        }
    }
    stripped.contains('*') && stripped.chars().all(|c| matches!(c, '*' | '?' | '.'))
}

/// What `/proc/PID/cwd/…` or `/proc/PID/root/…` is: `self` reads the working
/// directory of the command itself; another process's is unknown.
#[derive(Debug, Clone, PartialEq, Eq)]
enum ProcLink {
    NotProc,
    Paths(Vec<PathBuf>),
    Unknown,
}

fn proc_link(text: &str, cwd: &Cwd) -> ProcLink {
    let Some(rest) = text.strip_prefix("/proc/") else { return ProcLink::NotProc };
    let (pid, after) = rest.split_once('/').unwrap_or((rest, ""));
    let (link, tail) = after.split_once('/').unwrap_or((after, ""));
    match (link, pid) {
        ("root", _) => ProcLink::Paths(vec![normalize(&Path::new("/").join(tail))]),
        ("cwd", "self" | "thread-self") if !cwd.unknown => {
            ProcLink::Paths(cwd.dirs.iter().map(|d| normalize(&d.join(tail))).collect())
        }
        ("cwd", _) => ProcLink::Unknown,
        _ => ProcLink::NotProc,
    }
}

/// Whether removing `value` recursively removes `/`, a system directory, or the home.
fn is_root_or_home(value: &Literal, cwd: &Cwd, env: &ShellEnv<'_>) -> bool {
    let home = env.paths.user_home().map(normalize);
    let candidates: Vec<PathBuf> = if value.home_relative {
        match &home {
            Some(home) => vec![normalize(&home.join(value.text.trim_start_matches('/')))],
            // Whose home is unknown: `~` itself is the home all the same.
            None => return value.text.trim_matches('/').is_empty() || is_everything_relative(&value.text),
        }
    } else {
        match proc_link(&value.text, cwd) {
            ProcLink::Paths(paths) => paths,
            ProcLink::Unknown => return false,
            ProcLink::NotProc => cwd.join(&value.text),
        }
    };
    let pattern = value.glob.is_some();
    candidates.iter().any(|path| {
        let mut path = path.clone();
        let name = path.file_name().and_then(|n| n.to_str()).map(str::to_owned);
        if name.as_deref().is_some_and(is_everything_glob) {
            path.pop();
        }
        critical(&path, home.as_deref(), pattern)
    })
}

/// `/`, a system directory or a directory right inside one (`/usr/bin`, `/etc/ssh`),
/// the home or one of its ancestors — or, for a glob, a pattern that can match one of
/// those. Case is ignored, as macOS does.
fn critical(path: &Path, home: Option<&Path>, pattern: bool) -> bool {
    let text = path.to_string_lossy().to_lowercase();
    let parts: Vec<&str> = text.split('/').filter(|p| !p.is_empty()).collect();
    let system = |first: &str| SYSTEM_DIRS.iter().any(|d| d.trim_start_matches('/').eq_ignore_ascii_case(first));
    let depth_ok = match parts.as_slice() {
        [] => true,
        [first] => system(first),
        [first, _] => system(first) && !KEEP_SUBDIRS.contains(first),
        _ => false,
    };
    if !pattern && depth_ok {
        return true;
    }
    let mut known: Vec<String> = SYSTEM_DIRS.iter().map(|d| d.to_lowercase()).collect();
    known.push("/".to_owned());
    if let Some(home) = home {
        known.extend(home.ancestors().map(|a| a.to_string_lossy().to_lowercase()));
    }
    if pattern {
        return known.iter().any(|k| glob_matches(&text, k));
    }
    known.contains(&text)
}

/// System directories whose subdirectories hold ordinary data (`/opt/myapp`, `/tmp/x`).
const KEEP_SUBDIRS: &[&str] = &["opt", "srv", "snap", "nix", "volumes", "tmp", "mnt", "media"];

fn mkfs(command: &Command<'_>, _: &ShellEnv<'_>) -> Option<Verdict> {
    if command.name == "diskutil" {
        let verb = operands(command).into_iter().flatten().next()?;
        let erases = verb.starts_with("erase")
            || matches!(verb.as_str(), "zerodisk" | "randomdisk" | "secureerase" | "partitiondisk" | "reformat");
        if !erases {
            return None;
        }
    }
    Some(Verdict::Denied { message: format!("runs `{}`, which destroys a file system", command.name), word: None })
}

/// Device files that are not disks.
fn harmless_device(path: &str) -> bool {
    let name = path.strip_prefix("/dev/").unwrap_or(path);
    matches!(
        name,
        "null" | "zero" | "full" | "random" | "urandom" | "stdout" | "stderr" | "stdin" | "tty" | "ptmx" | "console"
    ) || ["pts/", "fd/", "shm/", "tty", "mqueue/"].iter().any(|p| name.starts_with(p))
}

fn raw_device_write(command: &Command<'_>, _: &ShellEnv<'_>) -> Option<Verdict> {
    let device = |text: &str| {
        let normal = normalize(Path::new(&text.to_lowercase())).to_string_lossy().into_owned();
        (normal.starts_with("/dev/") && !harmless_device(&normal)).then_some(normal)
    };
    let written: Vec<(&str, String)> = match command.name {
        "dd" => command
            .args
            .iter()
            .filter_map(|w| Some((w.raw.as_str(), w.text()?.to_lowercase().strip_prefix("of=")?.to_owned())))
            .collect(),
        "shred" => command.args.iter().filter_map(|w| Some((w.raw.as_str(), w.text()?.to_owned()))).collect(),
        _ => Vec::new(),
    };
    let redirected = command
        .redirects
        .iter()
        .filter(|r| r.writes)
        .filter_map(|r| Some((r.target.raw.as_str(), r.target.text()?.to_owned())));
    for (raw, text) in written.into_iter().chain(redirected) {
        if let Some(device) = device(&text) {
            return Some(Verdict::Denied {
                message: format!("writes to the device `{device}`, destroying what is on it"),
                word: Some(raw.to_owned()),
            });
        }
    }
    None
}
