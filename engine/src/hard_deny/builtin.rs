//! The built-in hard-deny rules: one table, one function per rule.
//!
//! Each rule sees one command — the one a segment runs, or one it may run through an
//! argument or a string (see `operation`) — and says why it matches. Names compare
//! lowercase (macOS runs `SUDO`). A rule whose decisive argument is only known at run
//! time (`rm -rf "$(echo /)"`) answers [`Verdict::Unknown`]: denied as unresolved.
//! They cannot be turned off.

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use super::ShellEnv;
use super::touch::{Touch, touches};
use crate::glob::matches as glob_matches;
use crate::paths::{normalize, without_proc_root};
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
    /// Command names (lowercase) the rule looks at.
    pub names: &'static [&'static str],
    /// Name prefixes it looks at (`mkfs.` covers `mkfs.ext4`).
    pub prefixes: &'static [&'static str],
    /// It also looks at every command's redirections.
    pub all_commands: bool,
    pub check: fn(&Command<'_>, &ShellEnv<'_>) -> Option<Verdict>,
}

/// The rules that look at a command of this name, in table order; with `runs`, also
/// the ones that look at every command a segment runs.
pub(crate) fn rules_for(name: &str, runs: bool) -> impl Iterator<Item = &'static BuiltinRule> {
    static BY_NAME: LazyLock<HashMap<&str, Vec<usize>>> = LazyLock::new(|| {
        let mut map: HashMap<&str, Vec<usize>> = HashMap::new();
        for (index, rule) in BUILTIN_RULES.iter().enumerate() {
            for name in rule.names {
                map.entry(name).or_default().push(index);
            }
        }
        map
    });
    let named = BY_NAME.get(name).map(Vec::as_slice).unwrap_or_default();
    BUILTIN_RULES.iter().enumerate().filter_map(move |(index, rule)| {
        let looks =
            named.contains(&index) || (runs && rule.all_commands) || rule.prefixes.iter().any(|p| name.starts_with(p));
        looks.then_some(rule)
    })
}

/// Programs that run a command as another user, always.
const PRIVILEGE: &[&str] = &[
    "sudo",
    "sudoedit",
    "sudo-rs",
    "su",
    "doas",
    "pkexec",
    "run0",
    "ksu",
    "kdesu",
    "kdesudo",
    "gksu",
    "gksudo",
    "please",
    "calife",
    "pfexec",
    "dzdo",
    "pbrun",
    "runuser",
    "beesu",
    "lxqt-sudo",
    "lxsu",
    "newgrp",
    "opendoas",
];
/// Programs that do so with some arguments (`systemd-run --uid=0`, `ssh root@localhost`).
const PRIVILEGE_WITH: &[&str] = &["systemd-run", "machinectl", "ssh", "osascript", "docker", "podman", "nerdctl", "sg"];
const KILLERS: &[&str] = &[
    "kill", "killall", "killall5", "pkill", "skill", "snice", "tkill", "xkill", "fkill", "fuser", "gdb", "strace",
    "ltrace", "prlimit",
];
const SERVICE_MANAGERS: &[&str] = &[
    "netclaw",
    "systemctl",
    "service",
    "launchctl",
    "rc-service",
    "sv",
    "supervisorctl",
    "initctl",
    "pm2",
    "start-stop-daemon",
    "s6-svc",
    "s6-rc",
    "dinitctl",
    "monit",
    "herd",
];
const SHUTDOWN: &[&str] = &[
    "shutdown",
    "reboot",
    "halt",
    "poweroff",
    "kexec",
    "init",
    "telinit",
    "systemctl",
    "loginctl",
    "dbus-send",
    "busctl",
    "gdbus",
    "qdbus",
    "osascript",
    "rtcwake",
    "gnome-session-quit",
    "xfce4-session-logout",
    "lxqt-leave",
    "openrc-shutdown",
    "runit-init",
    "fasthalt",
    "fastreboot",
    "pmset",
];
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
    "wipe",
    "badblocks",
    "nvme",
    "cryptsetup",
    "hdparm",
    "zpool",
    "gpt",
    "fdisk",
    "sfdisk",
    "cfdisk",
    "gdisk",
    "sgdisk",
    "cgdisk",
    "parted",
    "mdadm",
    "pvcreate",
    "pvremove",
    "vgremove",
    "lvremove",
    "zfs",
    "sg_format",
    "flash_erase",
    "flash_eraseall",
    "nwipe",
    "scrub",
    "mknod",
];
/// Programs that write `dd`-style `of=` operands.
const DD: &[&str] = &["dd", "dcfldd", "dc3dd"];

pub(crate) const BUILTIN_RULES: &[BuiltinRule] = &[
    BuiltinRule {
        id: "privilege-escalation",
        category: "privilege_escalation",
        reason: ReasonCode::HardDenyPrivilegeEscalation,
        names: PRIVILEGE,
        prefixes: &[],
        all_commands: false,
        check: privilege_escalation,
    },
    BuiltinRule {
        id: "privilege-escalation-options",
        category: "privilege_escalation",
        reason: ReasonCode::HardDenyPrivilegeEscalation,
        names: PRIVILEGE_WITH,
        prefixes: &[],
        all_commands: false,
        check: privilege_by_options,
    },
    BuiltinRule {
        id: "netclaw-self-approval",
        category: "privilege_escalation",
        reason: ReasonCode::HardDenyPrivilegeEscalation,
        names: &["netclaw"],
        prefixes: &[],
        all_commands: false,
        check: netclaw_self_approval,
    },
    BuiltinRule {
        id: "process-kill",
        category: "process_control",
        reason: ReasonCode::HardDenySelfDestructive,
        names: KILLERS,
        prefixes: &[],
        all_commands: false,
        check: process_kill,
    },
    BuiltinRule {
        id: "netclaw-daemon-stop",
        category: "self_destructive",
        reason: ReasonCode::HardDenySelfDestructive,
        names: SERVICE_MANAGERS,
        prefixes: &[],
        all_commands: false,
        check: netclaw_daemon_stop,
    },
    BuiltinRule {
        id: "system-shutdown",
        category: "self_destructive",
        reason: ReasonCode::HardDenySelfDestructive,
        names: SHUTDOWN,
        prefixes: &[],
        all_commands: false,
        check: system_shutdown,
    },
    BuiltinRule {
        id: "recursive-force-rm-root-or-home",
        category: "system_destructive",
        reason: ReasonCode::HardDenySystemDestructive,
        names: &["rm", "grm"],
        prefixes: &[],
        all_commands: false,
        check: recursive_rm,
    },
    BuiltinRule {
        id: "delete-tree-root-or-home",
        category: "system_destructive",
        reason: ReasonCode::HardDenySystemDestructive,
        names: &["find", "rsync", "tar", "zip", "mv", "rclone", "git"],
        prefixes: &[],
        all_commands: false,
        check: delete_tree,
    },
    BuiltinRule {
        id: "mkfs",
        category: "system_destructive",
        reason: ReasonCode::HardDenySystemDestructive,
        names: FORMATTERS,
        prefixes: &["mkfs.", "mkfs_", "newfs_"],
        all_commands: false,
        check: mkfs,
    },
    BuiltinRule {
        id: "raw-device-write",
        category: "system_destructive",
        reason: ReasonCode::HardDenySystemDestructive,
        names: &["dd", "dcfldd", "dc3dd", "shred"],
        prefixes: &[],
        all_commands: true,
        check: raw_device_write,
    },
    BuiltinRule {
        id: "kernel-control-write",
        category: "self_destructive",
        reason: ReasonCode::HardDenySelfDestructive,
        names: &[],
        prefixes: &[],
        all_commands: true,
        check: kernel_control_write,
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

/// `netclaw approvals answer …`: the agent approving its own gated calls. The command
/// reads the approver's token, which the agent itself is never given.
fn netclaw_self_approval(command: &Command<'_>, _: &ShellEnv<'_>) -> Option<Verdict> {
    let words: Vec<&ShellWord> =
        command.args.iter().filter(|w| !w.text().is_some_and(|t| t.starts_with('-') && t.len() > 1)).collect();
    let is = |word: &ShellWord, name: &str| word.text().is_some_and(|t| t.eq_ignore_ascii_case(name));
    // Anywhere among the first words: a global option's value may come before them.
    if words
        .windows(2)
        .take(4)
        .any(|pair| matches!(pair, [group, verb] if is(group, "approvals") && is(verb, "answer")))
    {
        let message = "answers an approval prompt, which only a human may do".to_owned();
        return Some(Verdict::Denied { message, word: None });
    }
    None
}

fn privilege_escalation(command: &Command<'_>, _: &ShellEnv<'_>) -> Option<Verdict> {
    Some(Verdict::Denied { message: format!("runs `{}`, which changes user", command.name), word: None })
}

/// The value of `option` if the argument at `i` is it: `--opt=value` or `--opt value`.
fn option_at<'a>(texts: &[&'a str], i: usize, option: &str) -> Option<&'a str> {
    let text = *texts.get(i)?;
    match text.strip_prefix(option) {
        Some("") => texts.get(i + 1).copied(),
        Some(rest) => rest.strip_prefix('='),
        None => None,
    }
}

/// Whether a host name or address is this machine's loopback, however written
/// (`localhost`, `127.1`, `2130706433`, `0x7f000001`, `::1`, `[::ffff:127.0.0.1]`).
fn loopback(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']').trim_end_matches('.');
    let number = |part: &str| match part.strip_prefix("0x") {
        Some(hex) => u32::from_str_radix(hex, 16).ok(),
        None if part.len() > 1 && part.starts_with('0') => u32::from_str_radix(part, 8).ok(),
        None => part.parse::<u32>().ok(),
    };
    let parts: Vec<&str> = host.split('.').collect();
    // inet_aton reads `a`, `a.b`, `a.b.c` and `a.b.c.d`; the first part is the top byte
    // unless the whole address is one number.
    let ipv4_top = match parts.as_slice() {
        [one] => number(one).map(|n| n >> 24),
        [first, ..] if parts.len() <= 4 && parts.iter().all(|p| number(p).is_some()) => number(first),
        _ => None,
    };
    matches!(
        host,
        "localhost" | "localhost.localdomain" | "ip6-localhost" | "ip6-loopback" | "0.0.0.0" | "0" | "::" | "::1"
    ) || host.ends_with(".localhost")
        || host.replace("0:", ":").trim_start_matches(':') == "1"
        || host.strip_prefix("::ffff:").is_some_and(loopback)
        || ipv4_top == Some(127)
}

/// The static arguments, lowercase, `None` for one only known at run time.
fn lowercase_args(command: &Command<'_>) -> Vec<Option<String>> {
    command.args.iter().map(|w| w.text().map(str::to_lowercase)).collect()
}

fn privilege_by_options(command: &Command<'_>, _: &ShellEnv<'_>) -> Option<Verdict> {
    let args = lowercase_args(command);
    let texts: Vec<&str> = args.iter().map(|a| a.as_deref().unwrap_or_default()).collect();
    let root = |t: &str| matches!(t, "0" | "root");
    let why = match command.name {
        "systemd-run" => texts.iter().enumerate().any(|(i, t)| {
            t.strip_prefix("--uid=").is_some_and(root)
                || (*t == "--uid" && texts.get(i + 1).is_some_and(|v| root(v)))
                || t.ends_with("user=root")
                || t.ends_with("user=0")
        }),
        // `machinectl shell` logs in as root unless told otherwise.
        "machinectl" => texts.iter().position(|t| matches!(*t, "shell" | "login")).is_some_and(|at| {
            texts.get(at + 1).is_none_or(|target| target.starts_with("root@") || !target.contains('@'))
        }),
        "ssh" => {
            let as_root = texts.iter().any(|t| t.starts_with("root@") || t.ends_with("user=root") || *t == "-lroot")
                || texts.windows(2).any(|w| matches!(w, ["-l", "root"]));
            as_root && texts.iter().any(|t| loopback(t.rsplit('@').next().unwrap_or(t)))
        }
        "osascript" => texts.iter().any(|t| {
            let collapsed: String = t.split_whitespace().collect::<Vec<_>>().join(" ");
            collapsed.contains("administrator privileges") || collapsed.contains("administratorprivileges")
        }),
        // `sg GROUP CMD` runs a command as a group; ast-grep installs as `sg` too.
        "sg" => {
            let ast_grep = ["run", "scan", "new", "test", "lsp", "completions", "help"];
            let first = texts.iter().find(|t| !t.starts_with('-'));
            !first.is_some_and(|f| ast_grep.contains(f))
                && !texts.iter().any(|t| {
                    matches!(
                        *t,
                        "-p" | "--pattern"
                            | "-l"
                            | "--lang"
                            | "-r"
                            | "--rewrite"
                            | "--help"
                            | "-h"
                            | "--version"
                            | "-V"
                    )
                })
        }
        // A privileged container, or one in the host's process namespace, is root on the host.
        _ => {
            let runs = texts.iter().any(|t| matches!(*t, "run" | "create" | "exec"));
            let value = |i: usize, option: &str| option_at(&texts, i, option);
            runs && texts.iter().enumerate().any(|(i, t)| {
                (t.starts_with("--privileged") && !t.ends_with("=false"))
                    || value(i, "--pid") == Some("host")
                    || value(i, "--userns") == Some("host")
                    || value(i, "--cap-add").is_some_and(|c| matches!(c, "all" | "sys_admin" | "sys_ptrace" | "sys_module"))
                    // A disk handed to the container is written as root.
                    || value(i, "--device").is_some()
            })
        }
    };
    why.then(|| Verdict::Denied {
        message: format!("`{}` with these arguments runs commands as root", command.name),
        word: None,
    })
}

fn process_kill(command: &Command<'_>, _: &ShellEnv<'_>) -> Option<Verdict> {
    if command.name == "fuser" && !has_flag(command, 'k', "--kill") || only_asks(command) {
        return None;
    }
    let args = lowercase_args(command);
    let texts: Vec<&str> = args.iter().map(|a| a.as_deref().unwrap_or_default()).collect();
    match command.name {
        // A debugger attached to a process can end it; so can strace's fault injection.
        // `gdb -p PID`, `gdb -ex 'attach PID'`, `gdb PROGRAM PID`.
        "gdb" => {
            let operands: Vec<&&str> = texts.iter().filter(|t| !t.starts_with('-')).collect();
            let attaches =
                texts.iter().any(|t| matches!(*t, "-p" | "--pid") || t.starts_with("--pid=") || t.contains("attach"))
                    || operands.get(1).is_some_and(|pid| pid.chars().all(|c| c.is_ascii_digit()))
                    || command
                        .args
                        .iter()
                        .filter(|w| !w.text().is_some_and(|t| t.starts_with('-')))
                        .nth(1)
                        .is_some_and(|w| w.open);
            if !attaches {
                return None;
            }
        }
        // `prlimit --pid N --cpu=0` starves a running process.
        "prlimit" if !texts.iter().any(|t| matches!(*t, "-p" | "--pid") || t.starts_with("--pid=")) => return None,
        "strace" | "ltrace" if !texts.iter().any(|t| t.contains("inject") || t.contains("signal=")) => return None,
        _ => {}
    }
    Some(Verdict::Denied { message: format!("runs `{}`, which can stop netclaw itself", command.name), word: None })
}

/// `kill -l` lists signals and `kill -0 PID` (signal 0) only asks whether a process is
/// alive: neither sends anything.
fn only_asks(command: &Command<'_>) -> bool {
    if !matches!(command.name, "kill" | "killall" | "pkill") {
        return false;
    }
    let texts: Vec<Option<&str>> = command.args.iter().map(ShellWord::text).collect();
    let rest = match texts.as_slice() {
        [Some("-l" | "-L" | "--list" | "--table"), ..] => return true,
        [Some("-0" | "-s0" | "--signal=0"), rest @ ..] | [Some("-s" | "-n" | "--signal"), Some("0"), rest @ ..] => rest,
        _ => return false,
    };
    // A second signal further on (`-9`, `-KILL`, `-s KILL`) is not taken on trust.
    let signal = |t: &str| {
        let bare = t.trim_start_matches('-');
        t.starts_with('-')
            && (bare.chars().all(|c| c.is_ascii_digit())
                || (bare.len() > 1 && bare.chars().all(|c| c.is_ascii_uppercase()))
                || matches!(t, "-s" | "-n" | "--signal")
                || t.starts_with("--signal="))
    };
    rest.iter().all(|t| !t.is_some_and(signal))
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
    "force-stop",
    "freeze",
];

/// A launchd domain as a whole (`gui/501`, `user/501`, `system`).
fn whole_domain(target: &str) -> bool {
    let parts: Vec<&str> = target.split('/').collect();
    matches!(parts.as_slice(), ["system"] | ["gui" | "user" | "login" | "pid", _])
}

/// `netclaw`, `netclaw.service`, or a pattern that could match them (`net*`).
/// Service managers match unit patterns themselves (`systemctl stop 'net*'`), so a
/// quoted pattern counts as much as one the shell would expand.
fn names_netclaw(word: &ShellWord) -> bool {
    word.values.iter().any(|value| {
        let text = value.text.to_lowercase();
        let own_pattern = text.contains(['*', '?', '[']).then_some(text.as_str());
        // The user's service manager, and units that hold everything it runs.
        let user_manager = text.starts_with("user@")
            || (text.starts_with("user-") && text.ends_with(".slice"))
            || matches!(
                text.as_str(),
                "user.slice"
                    | "app.slice"
                    | "system.slice"
                    | "-.slice"
                    | "default.target"
                    | "multi-user.target"
                    | "graphical.target"
                    | "basic.target"
                    | "all"
            );
        text.contains("netclaw")
            || user_manager
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
            // `systemctl --user exit` ends the user's manager and every service in it.
            if verb_text == "exit" {
                return denied();
            }
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
        // `launchctl bootout gui/501`: a whole domain, netclaw's agent with it.
        "launchctl"
            if words.iter().any(|w| lower(w).is_some_and(|t| t == "bootout"))
                && words.iter().any(|w| lower(w).is_some_and(|t| whole_domain(&t))) =>
        {
            denied()
        }
        // `start-stop-daemon --stop --name netclaw`, `s6-svc -d …/netclaw`: the verb is an option.
        "start-stop-daemon" | "s6-svc" => {
            let stopping = command.args.iter().filter_map(ShellWord::text).any(|t| {
                matches!(t, "--stop" | "-K")
                    || (command.name == "s6-svc" && t.starts_with('-') && t.contains(['d', 'k', 't', 'x', 'D']))
            });
            if !stopping {
                return None;
            }
            if command.args.iter().any(names_netclaw) {
                return denied();
            }
            command.args.iter().find(|w| w.open).and_then(unknown)
        }
        _ => {
            let verbs = ["bootout", "unload", "stop", "kill", "remove", "disable", "down", "delete", "restart"];
            // `launchctl kickstart -k` kills the running instance first.
            let kicks = command.args.iter().any(|w| w.text() == Some("-k"));
            let stopping = words
                .iter()
                .any(|w| lower(w).is_some_and(|t| verbs.contains(&t.as_str()) || (kicks && t == "kickstart")));
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
    "hybrid-sleep",
    "suspend-then-hibernate",
    "soft-reboot",
    "freeze",
    "exit",
];

/// Units whose start stops the machine (`systemctl start poweroff.target`).
const SHUTDOWN_TARGETS: &[&str] = &[
    "poweroff.target",
    "reboot.target",
    "halt.target",
    "kexec.target",
    "soft-reboot.target",
    "rescue.target",
    "emergency.target",
    "shutdown.target",
    "final.target",
    "exit.target",
    "ctrl-alt-del.target",
    "suspend.target",
    "hibernate.target",
    "hybrid-sleep.target",
    "sleep.target",
    "suspend-then-hibernate.target",
    "systemd-poweroff.service",
    "systemd-reboot.service",
    "systemd-halt.service",
    "systemd-kexec.service",
    "systemd-soft-reboot.service",
    "systemd-suspend.service",
    "systemd-hibernate.service",
    "systemd-hybrid-sleep.service",
];

fn system_shutdown(command: &Command<'_>, _: &ShellEnv<'_>) -> Option<Verdict> {
    let operands = operands(command);
    let first = operands.first().cloned().flatten();
    let texts: Vec<String> = lowercase_args(command).into_iter().flatten().collect();
    let shuts_down = match command.name {
        "init" | "telinit" => matches!(first.as_deref(), Some("0" | "6" | "1" | "s" | "single")),
        "systemctl" => {
            let verb = operands.iter().flatten().find(|o| SYSTEMCTL_VERBS.contains(&o.as_str()));
            let target = |o: &String| shutdown_unit(o);
            verb.is_some_and(|verb| match verb.as_str() {
                "poweroff"
                | "reboot"
                | "halt"
                | "kexec"
                | "rescue"
                | "emergency"
                | "isolate"
                | "suspend"
                | "hibernate"
                | "hybrid-sleep"
                | "suspend-then-hibernate"
                | "soft-reboot" => true,
                "start" | "restart" | "reload-or-restart" | "try-restart" => operands.iter().flatten().any(target),
                _ => false,
            })
        }
        "loginctl" => operands.iter().flatten().any(|o| {
            matches!(
                o.as_str(),
                "poweroff"
                    | "reboot"
                    | "halt"
                    | "suspend"
                    | "hibernate"
                    | "kill-user"
                    | "terminate-user"
                    | "kill-session"
                    | "terminate-session"
                    | "terminate-seat"
            )
        }),
        // logind's methods over D-Bus (`org.freedesktop.login1.Manager.Reboot`), and
        // systemd's `StartUnit` of a shutdown unit.
        "dbus-send" | "busctl" | "gdbus" | "qdbus" => {
            let methods = ["reboot", "poweroff", "halt", "kexec", "suspend", "hibernate", "killuser", "terminateuser"];
            let logind = texts.iter().any(|t| t.contains("login1"))
                && texts.iter().any(|t| methods.iter().any(|m| t.rsplit(['.', ' ']).next() == Some(m)));
            let unit = texts.iter().any(|t| t.rsplit([':', ' ']).next().is_some_and(shutdown_unit));
            logind || unit
        }
        "rtcwake" => {
            let sleeps = |m: &str| matches!(m, "off" | "disk" | "mem" | "standby" | "freeze");
            texts.windows(2).any(|w| {
                matches!(w.first().map(String::as_str), Some("-m" | "--mode")) && w.get(1).is_some_and(|m| sleeps(m))
            }) || texts.iter().any(|t| t.strip_prefix("--mode=").is_some_and(sleeps))
        }
        "gnome-session-quit" | "xfce4-session-logout" | "lxqt-leave" => texts.iter().any(|t| {
            let stops = ["--power-off", "--reboot", "--halt", "--suspend", "--hibernate", "--logout", "--shutdown"];
            stops.contains(&t.as_str())
        }),
        "runit-init" => matches!(first.as_deref(), Some("0" | "6")),
        "pmset" => {
            let now = operands.iter().flatten().any(|o| o == "sleepnow");
            let scheduled = texts.windows(2).any(|w| {
                matches!(w.first().map(String::as_str), Some("schedule" | "repeat"))
                    && w.get(1).is_some_and(|v| matches!(v.as_str(), "shutdown" | "sleep" | "restart"))
            });
            now || scheduled
        }
        "osascript" => texts.iter().any(|t| {
            (t.contains("system events") || t.contains("finder") || t.contains("loginwindow"))
                && (t.contains("shut down") || t.contains("restart") || t.contains("log out"))
        }),
        _ => true,
    };
    shuts_down.then(|| Verdict::Denied {
        message: format!("`{}` stops the machine, and netclaw with it", command.name),
        word: None,
    })
}

/// A systemd unit that stops the machine, with or without its suffix
/// (`poweroff.target`, `systemd-reboot`).
fn shutdown_unit(unit: &str) -> bool {
    let lower = unit.to_lowercase();
    let candidates = [lower.clone(), format!("{lower}.target"), format!("{lower}.service")];
    candidates.iter().any(|u| SHUTDOWN_TARGETS.iter().any(|t| glob_matches(u, t)))
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
    let mut targets: Vec<Cow<'_, ShellWord>> = Vec::new();
    for word in command.args {
        // `x='-rf /'; rm $x`: a value the shell splits is several words, flags and all.
        let split: Vec<&str> =
            word.values.iter().filter(|v| v.splits).flat_map(|v| v.text.split_whitespace()).collect();
        let pieces: Vec<Cow<'_, ShellWord>> = if split.is_empty() {
            vec![Cow::Borrowed(word)]
        } else {
            split.into_iter().map(|piece| Cow::Owned(ShellWord::literal(piece))).collect()
        };
        for piece in pieces {
            let lower = piece.text().unwrap_or_default().to_lowercase();
            let text = lower.as_str();
            if !options_done && text == "--" {
                options_done = true;
            } else if !options_done && text.starts_with("--") && text.len() > 2 {
                // getopt accepts any unambiguous prefix: `--rec`, `--no-p`.
                recursive |= text.len() >= 3 && "--recursive".starts_with(text);
            } else if !options_done && text.starts_with('-') && text.len() > 1 {
                recursive |= text.contains('r');
            } else {
                targets.push(piece);
            }
        }
    }
    if !recursive {
        return None;
    }
    destroys_root_or_home(&targets.iter().map(|t| &**t).collect::<Vec<_>>(), command.cwd, env, "removes")
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
            // `find ~ -name .DS_Store -delete` removes those files, not the tree.
            let narrowing = ["-name", "-iname", "-path", "-ipath", "-regex", "-iregex", "-wholename", "-newer"];
            let narrowed = texts.windows(2).any(|w| {
                w.first().is_some_and(|t| narrowing.contains(&t.as_str()))
                    && w.get(1).is_some_and(|p| !p.chars().all(|c| matches!(c, '*' | '?' | '.' | '/')))
            }) && !texts.iter().any(|t| matches!(t.as_str(), "-o" | "-or" | "!" | "-not"));
            if !deletes || narrowed {
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
        // `git clean -fdx` removes every file git does not track: in the home, all of it.
        "git" => {
            let clean = texts.iter().position(|t| t == "clean")?;
            let flags = texts.get(clean + 1..).unwrap_or_default();
            let short = |c: char| flags.iter().any(|t| t.starts_with('-') && !t.starts_with("--") && t.contains(c));
            let forced = short('f') || flags.iter().any(|t| t == "--force");
            if !(forced && (short('d') || short('x'))) {
                return None;
            }
            let directory = texts.iter().position(|t| t == "-c").and_then(|at| command.args.get(at + 1));
            let here = ShellWord::literal(".");
            destroys_root_or_home(&[directory.unwrap_or(&here)], command.cwd, env, "deletes every untracked file under")
        }
        // `rclone purge PATH` deletes a tree, local or remote.
        "rclone"
            if operands()
                .first()
                .and_then(|w| w.text())
                .is_some_and(|v| matches!(v, "purge" | "delete" | "rmdirs")) =>
        {
            destroys_root_or_home(&operands().into_iter().skip(1).collect::<Vec<_>>(), command.cwd, env, "deletes")
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
                message: format!(
                    "{verb} `{}` recursively: the root, a system directory, the home or netclaw's home",
                    word.raw
                ),
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
        critical(&path, home.as_deref(), env.paths.home(), pattern)
    })
}

/// `/`, a system directory or a directory right inside one (`/usr/bin`, `/etc/ssh`),
/// the home, netclaw's home or one of their ancestors — or, for a glob, a pattern that
/// can match one of those. Case is ignored, as macOS does. netclaw's home counts
/// wherever it is (`/opt/netclaw/home`): without it, the next start loads defaults.
fn critical(path: &Path, home: Option<&Path>, netclaw_home: &Path, pattern: bool) -> bool {
    let text = path.to_string_lossy().to_lowercase();
    let parts: Vec<&str> = text.split('/').filter(|p| !p.is_empty()).collect();
    let system = |first: &str| SYSTEM_DIRS.iter().any(|d| d.trim_start_matches('/').eq_ignore_ascii_case(first));
    let depth_ok = match parts.as_slice() {
        [] => true,
        [first] => system(first),
        [first, _] => system(first) && !KEEP_SUBDIRS.contains(first),
        _ => false,
    };
    let depth_ok = depth_ok && !DATA_SUBDIRS.contains(&text.as_str());
    if !pattern && (depth_ok || SYSTEM_TREES.contains(&text.as_str())) {
        return true;
    }
    let mut known: Vec<String> = SYSTEM_DIRS.iter().map(|d| d.to_lowercase()).collect();
    known.push("/".to_owned());
    for home in home.into_iter().chain([netclaw_home]) {
        known.extend(home.ancestors().map(|a| a.to_string_lossy().to_lowercase()));
    }
    if pattern {
        return known.iter().any(|k| glob_matches(&text, k));
    }
    known.contains(&text)
}

/// Directories right inside a system directory that hold ordinary data (a web root).
const DATA_SUBDIRS: &[&str] = &["/var/www", "/var/tmp", "/var/cache", "/usr/src"];

/// Deeper directories that are the system all the same.
const SYSTEM_TREES: &[&str] = &["/nix/store", "/nix/var", "/opt/homebrew", "/opt/local", "/usr/local"];

/// System directories whose subdirectories hold ordinary data (`/opt/myapp`, `/tmp/x`).
const KEEP_SUBDIRS: &[&str] = &["opt", "srv", "snap", "nix", "volumes", "tmp", "mnt", "media"];

fn mkfs(command: &Command<'_>, _: &ShellEnv<'_>) -> Option<Verdict> {
    let operands: Vec<String> = operands(command).into_iter().flatten().collect();
    let texts: Vec<String> = lowercase_args(command).into_iter().flatten().collect();
    let has = |list: &[&str]| texts.iter().any(|t| list.contains(&t.as_str()));
    let verb = |list: &[&str]| operands.iter().any(|o| list.contains(&o.as_str()));
    let destroys = match command.name {
        "diskutil" => operands.iter().take(2).any(|verb| {
            verb.starts_with("erase")
                || verb.starts_with("delete")
                || matches!(verb.as_str(), "zerodisk" | "randomdisk" | "secureerase" | "partitiondisk" | "reformat")
        }),
        "badblocks" => has(&["-w"]) || texts.iter().any(|t| t.starts_with('-') && t.contains('w')),
        "nvme" => verb(&["format", "sanitize", "delete-ns", "detach-ns"]),
        "cryptsetup" => verb(&["luksformat", "erase", "lukserase", "reencrypt"]),
        "hdparm" => texts.iter().any(|t| {
            t.starts_with("--security-erase")
                || matches!(
                    t.as_str(),
                    "--trim-sector-ranges" | "--write-sector" | "--make-bad-sector" | "--dco-restore"
                )
        }),
        "zpool" => verb(&["create", "add", "attach", "replace", "labelclear", "destroy", "split"]),
        "zfs" => verb(&["destroy", "rollback"]),
        "mdadm" => has(&["--zero-superblock", "--create", "-c", "--build", "-b", "--grow", "-g"]),
        // A block or character device node (`mknod d b 8 0`) is a disk under another name.
        "mknod" => verb(&["b", "c", "u"]),
        "gpt" => verb(&["create", "destroy", "migrate", "remove", "recover"]),
        // Partitioners change the table unless asked only to list it.
        "fdisk" | "sfdisk" | "cfdisk" | "gdisk" | "sgdisk" | "cgdisk" | "parted" => {
            let list_flags: &[&str] = match command.name {
                "sfdisk" => &["-l", "--list", "-d", "--dump", "-s", "--show-size", "-V", "--verify", "-J", "--json"],
                "sgdisk" => &["-p", "--print", "-i", "--info", "-v", "--verify", "-O", "--print-mbr"],
                "fdisk" | "gdisk" | "parted" => &["-l", "--list"],
                _ => &[],
            };
            let lists = has(list_flags);
            let prints = command.name == "parted"
                && verb(&["print", "p"])
                && !verb(&["mklabel", "mktable", "mkpart", "rm", "resizepart", "rescue", "name", "set", "toggle"]);
            !(lists || prints)
        }
        _ => true,
    };
    destroys.then(|| Verdict::Denied {
        message: format!("runs `{}` in a way that destroys a disk or file system", command.name),
        word: None,
    })
}

/// Device files that are not disks.
fn harmless_device(path: &str) -> bool {
    let name = path.strip_prefix("/dev/").unwrap_or(path);
    matches!(
        name,
        "null" | "zero" | "full" | "random" | "urandom" | "stdout" | "stderr" | "stdin" | "tty" | "ptmx" | "console"
    ) || ["pts/", "fd/", "shm/", "tty", "mqueue/", "tcp/", "udp/"].iter().any(|p| name.starts_with(p))
}

/// The words a command surely writes: its redirections' targets, and the arguments
/// it is known to write (`cp x DEST`, `tee FILE`, `dd of=FILE`), with `dd`'s `of=`
/// and an attached option's `FILE` taken off.
fn written<'c>(command: &Command<'c>) -> Vec<&'c ShellWord> {
    if !reaches_system_files(command) {
        return Vec::new();
    }
    let touched = touches(command.name, command.args);
    // A program not described may write a disk it is given, unless it is known to
    // only look at disks (`lsblk /dev/sda`).
    let unknown_writes = !DISK_READERS.contains(&command.name);
    let args = command
        .args
        .iter()
        .zip(touched.args)
        .filter(|(_, t)| t.surely_writes() || (unknown_writes && *t == Touch::Any))
        .map(|(w, _)| w);
    let shredded = command.args.iter().filter(|_| command.name == "shred");
    command.redirects.iter().filter(|r| r.writes).map(|r| &r.target).chain(args).chain(shredded).collect()
}

/// Programs that only look at the disks they are given (the ones that can also
/// destroy them are the `mkfs` rule's).
const DISK_READERS: &[&str] = &[
    "lsblk",
    "blkid",
    "smartctl",
    "udevadm",
    "mount",
    "umount",
    "findmnt",
    "dumpe2fs",
    "blockdev",
    "lshw",
    "hwinfo",
    "partprobe",
    "eject",
    "losetup",
    "cryptsetup",
    "dmsetup",
    "pvs",
    "vgs",
    "lvs",
    "pvdisplay",
    "vgdisplay",
    "lvdisplay",
    "sg_inq",
    "fdisk",
    "sfdisk",
    "gdisk",
    "sgdisk",
    "parted",
    "hdparm",
    "nvme",
    "mdadm",
    "badblocks",
    "swapon",
    "swapoff",
    "zpool",
    "diskutil",
    "e2label",
    "fatlabel",
    "xfs_info",
    "btrfs",
    "lsof",
    "fuser",
    "iostat",
    "mkfs",
    "wipefs",
    "file",
];

/// Whether a command can name a device or kernel file at all: one of its words says
/// `dev`, `proc` or `sys`, or it runs in such a directory (or one only known at run
/// time). Most commands do not, and are spared working out what they write.
fn reaches_system_files(command: &Command<'_>) -> bool {
    let system = |text: &[u8]| {
        (0..text.len()).any(|i| {
            let rest = text.get(i..).unwrap_or_default();
            let starts = |needle: &[u8]| rest.get(..needle.len()).is_some_and(|h| h.eq_ignore_ascii_case(needle));
            match rest.first().map(u8::to_ascii_lowercase) {
                Some(b'd') => starts(b"dev"),
                Some(b'p') => starts(b"proc"),
                Some(b's') => starts(b"sys"),
                _ => false,
            }
        })
    };
    let words = command.args.iter().chain(command.redirects.iter().map(|r| &r.target));
    command.cwd.unknown
        || command.cwd.dirs.iter().any(|d| system(d.as_os_str().as_encoded_bytes()))
        || words.clone().any(|w| {
            w.open || system(w.raw.as_bytes()) || w.values.iter().any(|v| v.text != w.raw && system(v.text.as_bytes()))
        })
}

/// Where a written word points, resolved against the working directory, lowercase
/// (`of=sda` after `cd /dev` is `/dev/sda`).
fn written_paths(word: &ShellWord, cwd: &Cwd) -> Vec<String> {
    word.values
        .iter()
        .flat_map(|v| {
            let text = v.text.as_str();
            // `of=/dev/sda`, socat's `FILE:/dev/sda,creat`.
            let after_of = text.split_once("of=").map(|(_, path)| path);
            // (A URL, `op://vault/item`, names no local file.)
            let address = text
                .rsplit_once(':')
                .filter(|_| !text.contains("://"))
                .map(|(_, path)| path.split(',').next().unwrap_or(path));
            [Some(text), after_of, address].into_iter().flatten().collect::<Vec<_>>()
        })
        .flat_map(|text| cwd.join(text))
        .map(|path| without_proc_root(&path).to_string_lossy().to_lowercase())
        .collect()
}

fn raw_device_write(command: &Command<'_>, _: &ShellEnv<'_>) -> Option<Verdict> {
    for word in written(command) {
        if let Some(device) = written_paths(word, command.cwd).into_iter().find(|p| is_disk(p)) {
            return Some(Verdict::Denied {
                message: format!("writes to the device `{device}`, destroying what is on it"),
                word: Some(word.raw.clone()),
            });
        }
        // `dd of="$DISK"`: whatever it writes is only known at run time.
        if DD.contains(&command.name) && word.open && !pinned_below(word) {
            return Some(Verdict::Unknown {
                message: format!(
                    "`{}` writes `{}`, a file only known at run time that could be a disk",
                    command.name, word.raw
                ),
                word: word.raw.clone(),
            });
        }
    }
    None
}

fn is_disk(path: &str) -> bool {
    path.starts_with("/dev/") && !harmless_device(path)
}

/// Files whose writing stops the machine or the processes in a cgroup.
fn kernel_control_write(command: &Command<'_>, _: &ShellEnv<'_>) -> Option<Verdict> {
    for word in written(command) {
        let control = written_paths(word, command.cwd).into_iter().find(|p| {
            p == "/proc/sysrq-trigger"
                || (p.starts_with("/proc/") && p.ends_with("/mem"))
                || p.starts_with("/sys/power/")
                || (p.starts_with("/sys/fs/cgroup/") && (p.ends_with("/cgroup.kill") || p.ends_with("/cgroup.freeze")))
        });
        if let Some(control) = control {
            return Some(Verdict::Denied {
                message: format!("writes `{control}`, which can stop the machine or netclaw"),
                word: Some(word.raw.clone()),
            });
        }
    }
    None
}
