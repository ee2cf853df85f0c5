//! What a simple command runs, seen through the wrappers this module knows.
//!
//! `/usr/bin/env -i nice -n 5 sudo id` runs `sudo`; `bash -c 'sudo id'` and
//! `eval "sudo id"` run a script that must itself be analysed; `echo … | sh` runs
//! commands nobody can see. This table exists for precise explanations ("runs sudo
//! through env, nice"); it is not the only line of defence — any argument of any
//! command is also checked as a command it may run (see `embedded`). A command word
//! that cannot be known statically is `Unresolved`, which the hard-deny layer refuses:
//! the agent can always write the plain command instead.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use super::programs::{interpreter, is_shell, prints_setup};
use super::word::{Literal, ShellWord};
use crate::paths::normalize;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Invocation {
    /// Only assignments or redirections.
    Empty,
    Command(Resolved),
    Unresolved {
        word: String,
        why: String,
        /// It runs text from its input, which nobody can see (a pipe, `< <(…)`).
        reads_input: bool,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// The command's name: quote-removed, path prefix stripped, lowercase (`sudo`).
    pub name: String,
    /// Index in the segment's words of the command word.
    pub at: usize,
    /// Wrappers looked through, outermost first (`env`, `nice`).
    pub through: Vec<String>,
    /// Scripts the command runs (`sh -c`, `eval`, `find -exec`, `watch`, a here-string
    /// fed to a shell): analysed as segments of their own.
    pub scripts: Vec<String>,
    /// Indexes of the words it runs as script files (`bash FILE`, `source FILE`).
    pub script_files: Vec<usize>,
}

impl Resolved {
    /// Index in the segment's words of the first argument.
    pub fn args(&self) -> usize {
        self.at + 1
    }
}

/// What feeds a command's standard input, for shells that read commands from it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Stdin {
    #[default]
    Inherited,
    /// Another command's output.
    Pipe,
    /// A here-string or here-document.
    Text(ShellWord),
    /// A file (`< script.sh`).
    File(ShellWord),
    /// Something only known at run time (`< <(curl …)`, `<&3` of an unknown descriptor).
    Unseen,
}

/// A wrapper: a program that runs its operand as a command.
struct Wrapper {
    name: &'static str,
    /// Options that take the next word as their value (`-n 5`).
    valued: &'static [&'static str],
    /// Positional operands before the command (`timeout DURATION cmd`).
    operands: usize,
    /// Subcommands that must come first (`npm exec cmd`); empty for none.
    subcommands: &'static [&'static str],
}

const fn wrapper(name: &'static str, valued: &'static [&'static str]) -> Wrapper {
    Wrapper { name, valued, operands: 0, subcommands: &[] }
}

const fn runner(name: &'static str, subcommands: &'static [&'static str]) -> Wrapper {
    Wrapper { name, valued: &[], operands: 0, subcommands }
}

const WRAPPERS: &[Wrapper] = &[
    wrapper("env", &["-u", "--unset", "-C", "--chdir"]),
    wrapper("command", &[]),
    wrapper("builtin", &[]),
    wrapper("exec", &["-a"]),
    wrapper("nohup", &[]),
    wrapper("nice", &["-n", "--adjustment"]),
    Wrapper { operands: 1, ..wrapper("timeout", &["-s", "--signal", "-k", "--kill-after"]) },
    wrapper(
        "xargs",
        &[
            "-a",
            "--arg-file",
            "-d",
            "--delimiter",
            "-E",
            "-I",
            "-J",
            "-L",
            "-n",
            "--max-args",
            "-P",
            "--max-procs",
            "-s",
            "--max-chars",
            "--process-slot-var",
        ],
    ),
    wrapper("time", &["-f", "--format", "-o", "--output"]),
    wrapper("stdbuf", &["-i", "-o", "-e", "--input", "--output", "--error"]),
    wrapper("setsid", &[]),
    wrapper("ionice", &["-c", "--class", "-n", "--classdata", "-p", "--pid", "-P", "--pgid", "-u", "--uid"]),
    wrapper("busybox", &[]),
    wrapper("toybox", &[]),
    Wrapper { operands: 1, ..wrapper("chroot", &["--userspec", "--groups"]) },
    Wrapper { operands: 1, ..wrapper("flock", &["-w", "--timeout", "-E", "--conflict-exit-code"]) },
    Wrapper { operands: 1, ..wrapper("taskset", &[]) },
    Wrapper { operands: 1, ..wrapper("chrt", &["-T", "--sched-runtime", "-P", "--sched-period", "-D"]) },
    Wrapper { operands: 1, ..wrapper("setarch", &[]) },
    wrapper("unshare", &["-S", "--setuid", "-G", "--setgid", "-R", "--root", "-w", "--wd"]),
    wrapper("nsenter", &["-t", "--target", "-S", "--setuid", "-G", "--setgid", "-r", "-w"]),
    wrapper("setpriv", &[]),
    wrapper("strace", &["-o", "-e", "-p", "-s", "-u", "-E", "-a", "-b", "-I", "-O", "-P", "-S", "-X"]),
    wrapper("ltrace", &["-o", "-e", "-p", "-s", "-u", "-n", "-a", "-A", "-D", "-F", "-l", "-x"]),
    wrapper("valgrind", &[]),
    wrapper(
        "systemd-run",
        &[
            "-p",
            "--property",
            "-u",
            "--unit",
            "-M",
            "-H",
            "-E",
            "--setenv",
            "--uid",
            "--gid",
            "--slice",
            "--description",
        ],
    ),
    wrapper("firejail", &[]),
    wrapper("rlwrap", &["-a", "-b", "-f", "-H", "-l", "-p", "-P", "-s", "-S", "-t", "-w", "-z"]),
    wrapper("sshpass", &["-p", "-f", "-d", "-P"]),
    wrapper("torsocks", &["-u", "-p", "-a", "-P"]),
    wrapper("torify", &[]),
    wrapper("proxychains", &["-f"]),
    wrapper("proxychains4", &["-f"]),
    wrapper("ssh-agent", &["-a", "-E", "-t", "-P"]),
    wrapper("dbus-launch", &[]),
    wrapper("catchsegv", &[]),
    wrapper("eatmydata", &[]),
    wrapper("fakeroot", &[]),
    wrapper("unbuffer", &[]),
    wrapper("caffeinate", &["-t", "-w"]),
    wrapper("cpulimit", &["-l", "--limit", "-p", "--pid", "-e", "--exe"]),
    wrapper("choom", &["-n", "-p"]),
    wrapper("aa-exec", &["-p", "--profile", "-n", "--namespace"]),
    wrapper("pexec", &[]),
    wrapper("multitime", &["-n", "-s"]),
    wrapper("softlimit", &["-a", "-c", "-d", "-f", "-l", "-m", "-o", "-p", "-r", "-s", "-t"]),
    Wrapper { operands: 1, ..wrapper("setlock", &[]) },
    Wrapper { operands: 1, ..wrapper("logsave", &[]) },
    runner("npm", &["exec", "x"]),
    runner("npx", &[]),
    runner("yarn", &["exec", "dlx"]),
    runner("pnpm", &["exec", "dlx"]),
    runner("uv", &["run"]),
    runner("uvx", &[]),
    runner("bundle", &["exec"]),
    runner("cabal", &["exec", "run"]),
    runner("poetry", &["run"]),
    runner("pipenv", &["run"]),
    runner("pdm", &["run"]),
    runner("hatch", &["run"]),
    runner("conda", &["run"]),
];

/// What besides its words decides what a command runs.
pub(crate) struct Surroundings<'a> {
    pub stdin: &'a Stdin,
    /// Functions that run their arguments (`run() { "$@"; }`), lowercase.
    pub wrapper_functions: &'a HashSet<String>,
    /// What an input descriptor other than 0 holds (`3<<<…`, `exec 3<…`).
    pub descriptor: &'a dyn Fn(i32) -> Stdin,
}

/// How many wrappers deep we look before calling the command unresolvable.
const MAX_WRAPPERS: usize = 16;

/// Resolves a segment's command words.
pub(crate) fn resolve(words: &[ShellWord], surroundings: &Surroundings<'_>) -> Invocation {
    let mut through: Vec<String> = Vec::new();
    let mut wrapper_at = Vec::new();
    let mut at = 0;
    for _ in 0..MAX_WRAPPERS {
        let Some(word) = words.get(at) else {
            // A wrapper with nothing to wrap (`env`, `nohup`) is the command itself.
            return match (through.pop(), wrapper_at.pop()) {
                (Some(name), Some(index)) => command(name, index, through),
                _ => Invocation::Empty,
            };
        };
        let name = match command_name(word) {
            Ok(name) => name,
            Err(why) => return Invocation::Unresolved { word: word.raw.clone(), why, reads_input: false },
        };
        let rest = words.get(at + 1..).unwrap_or_default();
        let function = surroundings.wrapper_functions.contains(&name).then_some(0);
        if let Some(next) = function.or_else(|| unwrap(&name, rest)) {
            through.push(name);
            wrapper_at.push(at);
            at += 1 + next;
            continue;
        }
        return special(name, at, through, rest, surroundings);
    }
    let raw = words.get(at).map(|w| w.raw.clone()).unwrap_or_default();
    Invocation::Unresolved { word: raw, why: "wrapped too many times".to_owned(), reads_input: false }
}

/// `xargs CMD…` runs CMD with words read from its input: appended, or — with `-I R`
/// — in place of each R. Those words join the segment's, open: nobody sees them, and
/// `xargs env` or `xargs -I{} sh -c {}` runs whatever they are. Whether it changed
/// the words.
pub(crate) fn feed_xargs(words: &mut Vec<ShellWord>) -> bool {
    let Some(at) = words.iter().position(|w| command_name(w).is_ok_and(|n| n == "xargs")) else { return false };
    let rest = words.get(at + 1..).unwrap_or_default();
    let count = unwrap("xargs", rest).unwrap_or(0);
    let replace = replace_string(rest.get(..count).unwrap_or_default());
    let Some(replace) = replace else {
        words.push(ShellWord { open: true, values: Vec::new(), ..ShellWord::literal("<input>") });
        return true;
    };
    for word in words.iter_mut().skip(at + 1 + count).filter(|w| w.raw.contains(&replace)) {
        // `~/.netclaw/config/{}`: a file in a known directory.
        let head = word.value().and_then(|v| {
            let (before, _) = v.text.split_once(&replace)?;
            Some(Literal { text: before.to_owned(), glob: None, splits: false, ..v.clone() })
        });
        let tail = word.value().and_then(|v| v.text.rsplit_once(&replace)).map(|(_, after)| after.to_owned());
        *word = ShellWord {
            open: true,
            values: Vec::new(),
            head,
            tail: tail.filter(|t| !t.is_empty()),
            ..ShellWord::literal(&word.raw)
        };
    }
    true
}

/// xargs's replace string: `-I R`, `-IR`, `-J R`, `-i[R]`, `--replace[=R]` (`{}` by default).
fn replace_string(options: &[ShellWord]) -> Option<String> {
    let mut words = options.iter().filter_map(ShellWord::text);
    while let Some(text) = words.next() {
        match text {
            "-I" | "-J" => return words.next().map(str::to_owned),
            "-i" | "--replace" => return Some("{}".to_owned()),
            _ => {}
        }
        let attached = text
            .strip_prefix("--replace=")
            .or_else(|| text.strip_prefix("-I"))
            .or_else(|| text.strip_prefix("-J"))
            .or_else(|| text.strip_prefix("-i"));
        if let Some(value) = attached.filter(|v| !v.is_empty()) {
            return Some(value.to_owned());
        }
    }
    None
}

fn command(name: String, at: usize, through: Vec<String>) -> Invocation {
    Invocation::Command(Resolved { name, at, through, scripts: Vec::new(), script_files: Vec::new() })
}

/// The lowercase basename of a static command word, or why it has none. Case is
/// folded because macOS file systems are case-insensitive: `SUDO` runs sudo there.
pub(crate) fn command_name(word: &ShellWord) -> Result<String, String> {
    if word.open {
        return Err("its value is only known at run time".to_owned());
    }
    let literal = match word.values.as_slice() {
        [only] => only,
        _ => return Err("it takes several values".to_owned()),
    };
    if literal.glob.is_some() {
        return Err("it is a glob pattern the shell would expand".to_owned());
    }
    let name = literal.text.rsplit('/').next().unwrap_or_default();
    if name.is_empty() || name.contains(char::is_whitespace) {
        return Err("it is not a command name".to_owned());
    }
    Ok(name.to_lowercase())
}

/// `ld-linux-x86-64.so.2 PROGRAM` runs PROGRAM: the dynamic loader is a wrapper too.
fn is_dynamic_loader(name: &str) -> bool {
    name == "ld.so" || name.starts_with("ld-linux") || name.starts_with("ld64.so") || name.starts_with("ld-musl")
}

const LOADER: Wrapper = wrapper("ld.so", &["--library-path", "--preload", "--audit", "--argv0"]);

/// For a wrapper, how many of `rest` belong to it before the wrapped command.
fn wrapper_spec(name: &str) -> Option<&'static Wrapper> {
    static BY_NAME: LazyLock<HashMap<&str, &Wrapper>> =
        LazyLock::new(|| WRAPPERS.iter().map(|w| (w.name, w)).collect());
    BY_NAME.get(name).copied().or_else(|| is_dynamic_loader(name).then_some(&LOADER))
}

/// Indexes (in `words`) of the values of the wrappers' own options before `at`, the
/// command word: `KILL` in `timeout -s KILL 60 cmd` is a signal name, not a command.
pub(crate) fn wrapper_option_values(through: &[String], words: &[ShellWord], at: usize) -> Vec<usize> {
    let signals = through.iter().any(|w| w == "timeout");
    let is_signal_option = |t: &str| signals && matches!(t, "-s" | "--signal");
    (1..at).filter(|i| words.get(i - 1).and_then(ShellWord::text).is_some_and(is_signal_option)).collect()
}

fn unwrap(name: &str, rest: &[ShellWord]) -> Option<usize> {
    let spec = wrapper_spec(name)?;
    let mut at = 0;
    if !spec.subcommands.is_empty() {
        let first = rest.first()?.text()?.to_ascii_lowercase();
        if !spec.subcommands.contains(&first.as_str()) {
            return None;
        }
        at = 1;
    }
    let mut operands = spec.operands;
    let mut options_done = false;
    while let Some(word) = rest.get(at) {
        let text = word.text().unwrap_or_default();
        if !options_done && text == "--" {
            options_done = true;
            at += 1;
            continue;
        }
        if !options_done && text.starts_with('-') && text.len() > 1 {
            // `command -v x` only looks `x` up; `env -S` and `watch` are scripts.
            if (name == "command" && (text.starts_with("-v") || text.starts_with("-V")))
                || (name == "env"
                    && (text.starts_with("--split-string") || (!text.starts_with("--") && text.contains('S'))))
                || (name == "flock"
                    && (text.starts_with("--command") || (!text.starts_with("--") && text.contains('c'))))
            {
                return None;
            }
            at += if spec.valued.contains(&text) { 2 } else { 1 };
        } else if name == "env" && (text.contains('=') || text == "-") {
            at += 1;
        } else if operands > 0 {
            operands -= 1;
            at += 1;
        } else {
            break;
        }
    }
    Some(at)
}

/// Why a command is unresolved: the word, the reason, and whether it runs its input.
struct Refusal {
    word: String,
    why: String,
    reads_input: bool,
}

fn refusal(word: &str, why: &str) -> Refusal {
    Refusal { word: word.to_owned(), why: why.to_owned(), reads_input: false }
}

/// Programs that run commands read from their input (`echo 'sudo id' | at now`); with
/// the options that give them a file instead.
const INPUT_RUNNERS: &[(&str, &[&str])] = &[
    ("at", &["-f"]),
    ("batch", &["-f"]),
    ("crontab", &[]),
    ("m4", &[]),
    ("ed", &[]),
    ("red", &[]),
    ("ex", &["-c", "-s"]),
    ("ftp", &[]),
    ("lftp", &["-c", "-f"]),
    ("dc", &["-e", "-f"]),
    ("gdb", &["-ex", "-x", "--command", "-batch"]),
    ("parallel", &["-a", "--arg-file", ":::", "::::"]),
    ("script", &["-c", "--command"]),
];

/// Options whose value is a script file the program runs; `-` or `/dev/stdin` there
/// reads the script from the program's input (`curl … | make -f -`).
const SCRIPT_FILE_OPTIONS: &[(&str, &[&str])] = &[
    ("make", &["-f", "--file", "--makefile"]),
    ("gmake", &["-f", "--file", "--makefile"]),
    ("cmake", &["-P", "-C"]),
    ("gdb", &["-x", "--command", "-ix", "--init-command"]),
    ("vim", &["-s", "-S", "-u"]),
    ("vi", &["-s", "-S", "-u"]),
    ("nvim", &["-s", "-S", "-u"]),
    ("ex", &["-s", "-S", "-u"]),
    ("view", &["-s", "-S", "-u"]),
    ("awk", &["-f", "--file"]),
    ("gawk", &["-f", "--file"]),
    ("mawk", &["-f"]),
    ("nawk", &["-f"]),
    ("sed", &["-f", "--file"]),
    ("expect", &["-f"]),
    ("sqlite3", &["-init"]),
    ("deno", &["run"]),
    ("bun", &["run"]),
];

/// A script file option naming the input (`make -f -`, `vim -s /dev/stdin`): what
/// the input holds, when it is text; unresolved when nobody can see it.
fn script_from_input(
    name: &str,
    rest: &[ShellWord],
    around: &Surroundings<'_>,
) -> Option<Result<Vec<String>, Refusal>> {
    let (_, options) = SCRIPT_FILE_OPTIONS.iter().find(|(n, _)| *n == name)?;
    let value = options.iter().find_map(|option| {
        let short = if option.len() == 2 { option.chars().last()? } else { '\0' };
        option_value(rest, short, option)
    })?;
    let fd = descriptor_path(value.text()?)?;
    let input = if fd == 0 { around.stdin.clone() } else { (around.descriptor)(fd) };
    Some(match input {
        Stdin::Pipe | Stdin::Unseen => Err(Refusal {
            word: value.raw.clone(),
            why: format!("`{name}` reads a script from input nobody can see"),
            reads_input: true,
        }),
        // Text it reads is scanned as the segment's input.
        _ => Ok(Vec::new()),
    })
}

/// Commands that run other commands through their arguments or input.
fn special(name: String, at: usize, through: Vec<String>, rest: &[ShellWord], around: &Surroundings<'_>) -> Invocation {
    let mut script_files = Vec::new();
    let found: Result<Vec<String>, Refusal> = if is_shell(&name) {
        shell_script(&name, rest, around).map(|(scripts, file)| {
            script_files.extend(file.map(|i| at + 1 + i));
            scripts
        })
    } else if name == "source" || name == "." {
        match rest.first() {
            Some(file) => script_file(file, around).map(|(scripts, named)| {
                if named {
                    script_files.push(at + 1);
                }
                scripts
            }),
            // fish's `source` with no file reads its input.
            None => stdin_script(around.stdin, "`source`"),
        }
    } else if let Some(found) = script_from_input(&name, rest, around) {
        found
    } else if let Some(code_options) = interpreter(&name) {
        // `python3 FILE`: the file is its program (checked against files the command writes).
        let has_code = rest.iter().any(|w| w.text().is_some_and(|t| code_options.iter().any(|o| t.starts_with(o))));
        let file = rest.iter().position(|w| !w.text().is_some_and(|t| t.starts_with('-')));
        script_files.extend(file.filter(|_| !has_code).map(|i| at + 1 + i));
        interpreter_program(&name, code_options, rest, around.stdin).map(|_| Vec::new())
    } else if name == "sed" {
        sed_scripts(rest)
    } else if SQL_CLIENTS.contains(&name.as_str()) {
        sql_scripts(&name, rest, around.stdin)
    } else if let Some(reader) =
        runs_its_input(&name, rest).filter(|_| matches!(around.stdin, Stdin::Pipe | Stdin::Unseen))
    {
        Err(Refusal {
            word: "|".to_owned(),
            why: format!("{reader} runs the commands on its input, which nobody can see"),
            reads_input: true,
        })
    } else if let Some((_, file_options)) = INPUT_RUNNERS
        .iter()
        .find(|(n, _)| *n == name)
        .filter(|_| !(name == "script" && option_value(rest, 'c', "--command").is_some()))
    {
        input_runner(&name, file_options, rest, around.stdin)
    } else {
        other_scripts(&name, rest)
    };
    match found {
        Ok(scripts) => Invocation::Command(Resolved { name, at, through, scripts, script_files }),
        Err(Refusal { word, why, reads_input }) => Invocation::Unresolved { word, why, reads_input },
    }
}

/// Database clients: they run SQL, and only their shell escapes run commands.
const SQL_CLIENTS: &[&str] = &["psql", "mysql", "mariadb", "sqlite3", "duckdb"];

/// The commands a database client's shell escapes run (`\! cmd` in psql and mysql,
/// `.shell cmd` and `.system cmd` in sqlite3, mysql's `system cmd`), from SQL given in
/// options, operands or a here-string; SQL from a pipe nobody can see is unresolved.
fn sql_scripts(name: &str, rest: &[ShellWord], stdin: &Stdin) -> Result<Vec<String>, Refusal> {
    let from_file =
        rest.iter().filter_map(ShellWord::text).any(|t| matches!(t, "-f" | "--file") || t.starts_with("--file="));
    let given =
        rest.iter().filter_map(ShellWord::text).any(|t| matches!(t, "-c" | "-e" | "--command" | "--execute" | "-cmd"));
    let mut texts: Vec<String> =
        rest.iter().filter_map(ShellWord::text).filter(|t| !t.starts_with('-')).map(str::to_owned).collect();
    match stdin {
        Stdin::Text(text) => texts.extend(text.text().map(str::to_owned)),
        // sqlite3 with SQL as an operand, or psql/mysql with -c/-e/-f, does not read input.
        Stdin::Pipe | Stdin::Unseen if !(from_file || given || (name == "sqlite3" && texts.len() > 1)) => {
            return Err(Refusal {
                word: "|".to_owned(),
                why: format!("`{name}` runs SQL from input nobody can see, and SQL can run shell commands"),
                reads_input: true,
            });
        }
        _ => {}
    }
    let escapes = texts
        .iter()
        .flat_map(|text| text.split(['\n', ';']))
        .filter_map(|statement| {
            let statement = statement.trim_start();
            let lower = statement.to_ascii_lowercase();
            ["\\!", ".shell", ".system", "system ", "\\system"]
                .iter()
                .find(|prefix| lower.starts_with(*prefix))
                .and_then(|prefix| statement.get(prefix.len()..))
                .map(|command| command.trim().to_owned())
        })
        .filter(|command| !command.is_empty())
        .collect();
    Ok(escapes)
}

/// Programs that take their input as commands in some modes: vim's ex mode
/// (`vim -es`, `ex`) and ssh without a remote command (the input goes to a login
/// shell). What they are, for the message.
fn runs_its_input(name: &str, rest: &[ShellWord]) -> Option<&'static str> {
    let texts: Vec<&str> = rest.iter().filter_map(ShellWord::text).collect();
    let ex_mode = texts.iter().any(|t| t.starts_with('-') && !t.starts_with("--") && t.contains(['e', 'E']));
    match name {
        "ex" => Some("ex"),
        "vim" | "vi" | "nvim" | "view" if ex_mode => Some("vim's ex mode"),
        "ssh" => {
            // `ssh [options] HOST`: nothing after the host means a login shell reading input.
            const VALUED: &[&str] = &[
                "-b", "-c", "-D", "-E", "-e", "-F", "-I", "-i", "-J", "-L", "-l", "-m", "-O", "-o", "-p", "-Q", "-R",
                "-S", "-W", "-w",
            ];
            let mut words = texts.iter();
            let mut operands = 0;
            while let Some(t) = words.next() {
                if VALUED.contains(t) {
                    words.next();
                } else if !t.starts_with('-') {
                    operands += 1;
                }
            }
            (operands == 1 && texts.len() == rest.len()).then_some("ssh without a command")
        }
        _ => None,
    }
}

/// `at`, `crontab -`, `sqlite3`…: commands from input nobody can see are unresolved;
/// from a here-string, `at` and `batch` run shell text.
fn input_runner(name: &str, file_options: &[&str], rest: &[ShellWord], stdin: &Stdin) -> Result<Vec<String>, Refusal> {
    let from_file = rest.iter().any(|w| w.text().is_some_and(|t| file_options.iter().any(|o| t.starts_with(o))));
    // crontab, m4 and ed read a file operand when they have one; `-` is input.
    let operand = rest.iter().find(|w| !w.text().is_some_and(|t| t.starts_with('-') && t != "-"));
    let reads_operand =
        matches!(name, "crontab" | "m4" | "ed" | "red" | "parallel") && operand.is_some_and(|w| w.text() != Some("-"));
    if from_file || reads_operand {
        return Ok(Vec::new());
    }
    match stdin {
        Stdin::Text(text) if matches!(name, "at" | "batch") => static_script(&[text]).map(|s| vec![s]),
        // A crontab line is five time fields (or `@reboot`) and a command.
        Stdin::Text(text) if name == "crontab" => {
            let table = static_script(&[text])?;
            Ok(table.lines().filter(|l| !l.trim_start().starts_with('#')).filter_map(crontab_command).collect())
        }
        Stdin::Pipe | Stdin::Unseen => Err(Refusal {
            word: "|".to_owned(),
            why: format!("`{name}` runs commands from input nobody can see"),
            reads_input: true,
        }),
        _ => Ok(Vec::new()),
    }
}

/// The command of a crontab line (`*/5 * * * * cmd`, `@daily cmd`); `None` for a
/// variable setting or a blank line.
fn crontab_command(line: &str) -> Option<String> {
    let line = line.trim();
    let fields = if line.starts_with('@') { 1 } else { 5 };
    let mut rest = line;
    for _ in 0..fields {
        rest = rest.trim_start().split_once(char::is_whitespace)?.1;
    }
    let first = line.split_whitespace().next()?;
    (!first.contains('=')).then(|| rest.trim().to_owned())
}

/// sed runs the text after an `e` command, to the end of its line; an `e` alone or an
/// `s///e` flag runs the pattern space, which comes from its input.
fn sed_scripts(rest: &[ShellWord]) -> Result<Vec<String>, Refusal> {
    // Scripts: operands, `-e SCRIPT`, `-eSCRIPT`, `--expression=SCRIPT` (file names too,
    // which hold no `e` commands).
    let programs: Vec<&str> = rest
        .iter()
        .filter_map(ShellWord::text)
        .filter_map(|t| match t.strip_prefix("--expression=") {
            Some(script) => Some(script),
            None if t.starts_with("-e") && t.len() > 2 => t.get(2..),
            None => (!t.starts_with('-')).then_some(t),
        })
        .collect();
    let runs_pattern_space = programs.iter().any(|script| {
        script.split([';', '\n']).any(|command| {
            let command = without_address(command.trim());
            command == "e" || substitution_flags(command).is_some_and(|flags| flags.contains('e'))
        })
    });
    if runs_pattern_space {
        return Err(refusal("e", "sed's `e` runs text made from its input, which nobody can see"));
    }
    Ok(programs.iter().flat_map(|script| script.lines()).filter_map(sed_e_command).collect())
}

/// The command of a line's `e CMD` (`1e kill 1`, `/x/{e kill 1`, `p;e kill 1`).
fn sed_e_command(line: &str) -> Option<String> {
    let mut rest = line;
    loop {
        let command = without_address(rest.trim_start().trim_start_matches(['{', ' ', '\t']));
        let command = command.trim_start_matches(['{', ' ', '\t']);
        if let Some(script) = command.strip_prefix('e').filter(|c| c.starts_with([' ', '\t'])) {
            return Some(script.trim().to_owned());
        }
        rest = rest.split_once(';')?.1;
    }
}

/// A sed command without its address (`1,$`, `/re/`, `\%re%`, `0~2`, `!`).
fn without_address(mut command: &str) -> &str {
    loop {
        command =
            command.trim_start_matches(|c: char| c.is_ascii_digit() || matches!(c, '$' | ',' | '~' | '!' | ' ' | '+'));
        let delimiter = match command.chars().next() {
            Some('/') => '/',
            Some('\\') => match command.chars().nth(1) {
                Some(d) => d,
                None => return command,
            },
            _ => return command,
        };
        let start = if delimiter == '/' { 1 } else { 2 };
        let body = command.get(start..).unwrap_or_default();
        let mut escaped = false;
        let end = body.char_indices().find(|(_, c)| {
            let hit = !escaped && *c == delimiter;
            escaped = !escaped && *c == '\\';
            hit
        });
        let Some((end, _)) = end else { return command };
        command = body.get(end + 1..).unwrap_or_default().trim_start_matches('I');
    }
}

/// The flags of a sed `s` command (`s/a/b/ge` → `ge`).
fn substitution_flags(command: &str) -> Option<&str> {
    let body = without_address(command).strip_prefix('s')?;
    let delimiter = body.chars().next().filter(|c| !c.is_alphanumeric() && !c.is_whitespace())?;
    let mut parts = 0;
    let mut escaped = false;
    for (i, c) in body.char_indices().skip(1) {
        if escaped {
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == delimiter {
            parts += 1;
            if parts == 2 {
                return body.get(i + c.len_utf8()..);
            }
        }
    }
    None
}

fn other_scripts(name: &str, rest: &[ShellWord]) -> Result<Vec<String>, Refusal> {
    if name == "alias" {
        // `alias x=sudo` makes `x` run `sudo`: the value is a command.
        return Ok(rest.iter().filter_map(|w| w.text()?.split_once('=').map(|(_, value)| value.to_owned())).collect());
    }
    if name == "find" {
        return Ok(exec_scripts(rest));
    }
    // `printf -v 'a[$(cmd)]'`, `test -v 'a[$(cmd)]'`, `unset 'a[$(cmd)]'`: bash evaluates
    // an array subscript in a variable name, running its substitutions.
    let names: Vec<Cow<'_, ShellWord>> = match name {
        "printf" => option_value(rest, 'v', "-v").into_iter().collect(),
        "test" | "[" | "[[" => rest
            .windows(2)
            .filter(|w| w.first().and_then(ShellWord::text) == Some("-v"))
            .filter_map(|w| w.get(1).map(Cow::Borrowed))
            .collect(),
        "unset" | "declare" | "typeset" | "local" | "export" | "readonly" => rest.iter().map(Cow::Borrowed).collect(),
        _ => Vec::new(),
    };
    let subscripts: Vec<String> = names.iter().filter_map(|w| subscript_script(w.text()?)).collect();
    if !subscripts.is_empty() {
        return Ok(subscripts);
    }
    let joined: Option<Vec<Cow<'_, ShellWord>>> = match name {
        "eval" => Some(rest.iter().skip_while(|w| w.text() == Some("--")).map(Cow::Borrowed).collect()),
        "watch" => watch_script(rest).map(|words| words.into_iter().map(Cow::Borrowed).collect()),
        "env" => env_split_string(rest),
        // `trap 'cmd' EXIT` runs `cmd` later; `script -c` and `flock -c` run it now.
        "trap" => {
            rest.first().filter(|w| !matches!(w.text(), Some("-" | "-p" | "-l" | "--"))).map(|w| vec![Cow::Borrowed(w)])
        }
        "script" | "flock" => option_value(rest, 'c', "--command").map(|w| vec![w]),
        // Callbacks: `mapfile -C cmd`, `compgen -C cmd`, `complete -C cmd`.
        "mapfile" | "readarray" | "compgen" | "complete" => option_value(rest, 'C', "-C").map(|w| vec![w]),
        _ => None,
    };
    match joined {
        Some(words) => static_script(&words.iter().map(|w| &**w).collect::<Vec<_>>()).map(|script| vec![script]),
        None => Ok(Vec::new()),
    }
}

/// The script an array subscript with a substitution runs (`a[$(kill 1)]`).
fn subscript_script(name: &str) -> Option<String> {
    let (_, after) = name.split_once('[')?;
    let (subscript, _) = after.rsplit_once(']')?;
    (subscript.contains("$(") || subscript.contains('`')).then(|| format!(": {subscript}"))
}

/// `sh -c SCRIPT`, `sh FILE`, a shell fed a here-string, or a shell reading a pipe.
/// The second value is the index in `rest` of a script file it runs.
fn shell_script(
    shell: &str,
    rest: &[ShellWord],
    around: &Surroundings<'_>,
) -> Result<(Vec<String>, Option<usize>), Refusal> {
    let powershell = matches!(shell, "pwsh" | "powershell");
    let stdin = around.stdin;
    let mut at = 0;
    let mut scripts = Vec::new();
    let mut command_next = false;
    let mut reads_stdin = false;
    while let Some(word) = rest.get(at) {
        let Some(text) = word.text() else { break };
        let lower = text.to_ascii_lowercase();
        if text == "--" {
            at += 1;
            break;
        }
        let is_option = (text.starts_with('-') || text.starts_with('+')) && text.len() > 1;
        if !is_option {
            break;
        }
        if powershell && (lower.starts_with("-e") || lower.starts_with("--e")) {
            return Err(refusal(&word.raw, "it runs a base64-encoded script"));
        }
        if let Some(value) = text.strip_prefix("--command=").or_else(|| text.strip_prefix("--init-command=")) {
            scripts.push(value.to_owned());
        } else if matches!(lower.as_str(), "-command" | "--command" | "-c" | "-init-command" | "--init-command" | "-C")
            || (!text.starts_with("--") && text.starts_with('-') && text.contains('c'))
        {
            command_next = true;
        } else if matches!(text, "--rcfile" | "--init-file") {
            // A start-up file only known at run time (`--rcfile <(…)`) is unseen text.
            if let Some(file) = rest.get(at + 1).filter(|f| f.text().is_none()) {
                return Err(refusal(&file.raw, "its start-up file is only known at run time"));
            }
        }
        reads_stdin |= !text.starts_with("--") && text.starts_with('-') && text.contains(['s', 'i']);
        at += if ["-o", "+o", "-O", "+O", "--rcfile", "--init-file"].contains(&text) { 2 } else { 1 };
    }
    // Text on a shell's input is read as a script even when the shell has one already:
    // `BASH_ENV=/dev/stdin bash -c :` reads it at start-up.
    if let (Stdin::Text(text), true) = (stdin, command_next || !scripts.is_empty()) {
        scripts.push(static_script(&[text])?);
    }
    if command_next {
        let script = rest.get(at).ok_or_else(|| refusal("-c", "`-c` has no script"))?;
        // PowerShell's `-Command -` reads the script from its input.
        if powershell && script.text() == Some("-") {
            scripts.extend(stdin_script(stdin, "a shell")?);
            return Ok((scripts, None));
        }
        scripts.push(static_script(&[script])?);
        return Ok((scripts, None));
    }
    if !scripts.is_empty() {
        return Ok((scripts, None));
    }
    match rest.get(at) {
        Some(file) if !reads_stdin => {
            let (scripts, named) = script_file(file, around)?;
            Ok((scripts, named.then_some(at)))
        }
        _ => stdin_script(stdin, "a shell").map(|s| (s, None)),
    }
}

/// The script a shell or `source` reads from a file operand, and whether it is a
/// named file (not ours to read, unless this command wrote it: see the walker).
fn script_file(file: &ShellWord, around: &Surroundings<'_>) -> Result<(Vec<String>, bool), Refusal> {
    if file.open && generated_setup(file) {
        return Ok((Vec::new(), false));
    }
    let Some(path) = file.text() else {
        return Err(refusal(&file.raw, "the script it runs is only known at run time"));
    };
    if let Some(fd) = descriptor_path(path) {
        let input = if fd == 0 { around.stdin.clone() } else { (around.descriptor)(fd) };
        return stdin_script(&input, "it").map(|s| (s, false));
    }
    Ok((Vec::new(), true))
}

/// `-`, `/dev/stdin`, `/dev/fd/N`, `/proc/*/fd/N`, however spelled (`/dev/./stdin`):
/// the input descriptor it names.
pub(crate) fn descriptor_path(path: &str) -> Option<i32> {
    if path == "-" {
        return Some(0);
    }
    let normal = normalize(std::path::Path::new(path));
    let text = normal.to_string_lossy();
    if text == "/dev/stdin" {
        return Some(0);
    }
    let number = text.strip_prefix("/dev/fd/").or_else(|| {
        let rest = text.strip_prefix("/proc/")?;
        let (_, fd) = rest.split_once("/fd/")?;
        Some(fd)
    })?;
    number.parse().ok()
}

/// What a command reading its script from an input runs.
fn stdin_script(stdin: &Stdin, who: &str) -> Result<Vec<String>, Refusal> {
    match stdin {
        Stdin::Inherited | Stdin::File(_) => Ok(Vec::new()),
        Stdin::Text(word) => static_script(&[word]).map(|s| vec![s]),
        Stdin::Pipe => Err(Refusal {
            word: "|".to_owned(),
            why: format!("{who} reads commands from a pipe: text nobody can see"),
            reads_input: true,
        }),
        Stdin::Unseen => Err(Refusal {
            word: "<".to_owned(),
            why: format!("{who} reads commands from input only known at run time"),
            reads_input: true,
        }),
    }
}

/// An interpreter with no code on its command line reads its program from stdin.
fn interpreter_program(name: &str, code_options: &[&str], rest: &[ShellWord], stdin: &Stdin) -> Result<(), Refusal> {
    let has_code = rest.iter().any(|w| w.text().is_some_and(|t| code_options.iter().any(|o| t.starts_with(o))));
    let operand = rest.iter().find(|w| !w.text().is_some_and(|t| t.starts_with('-') && t != "-"));
    let reads_stdin = !has_code && operand.is_none_or(|w| w.text().is_some_and(|t| descriptor_path(t) == Some(0)));
    match stdin {
        // AppleScript is not scanned: a script given on input is unresolved, seen or not.
        Stdin::Text(_) if reads_stdin && name == "osascript" => {
            Err(refusal("<<<", "`osascript` runs AppleScript from its input, which is not analysed"))
        }
        Stdin::Pipe | Stdin::Unseen if reads_stdin => Err(Refusal {
            word: "|".to_owned(),
            why: "it reads its program from input nobody can see".to_owned(),
            reads_input: true,
        }),
        _ => Ok(()),
    }
}

/// The words joined into a script, if all are static.
fn static_script(words: &[&ShellWord]) -> Result<String, Refusal> {
    let mut parts = Vec::new();
    for word in words {
        match word.value() {
            Some(value) if !value.home_relative => parts.push(value.text.clone()),
            Some(_) => parts.push(word.raw.clone()),
            // `eval "$(ssh-agent -s)"`: environment set-up, in the generator's own terms.
            None if generated_setup(word) => {}
            None => return Err(refusal(&word.raw, "the script is only known at run time")),
        }
    }
    Ok(parts.join(" "))
}

/// A word that is only the output of a program printing shell set-up code of its own
/// (`"$(ssh-agent -s)"`, `<(kubectl completion bash)`): what it defines is fixed by
/// the program, not by anything the command could smuggle in.
fn generated_setup(word: &ShellWord) -> bool {
    let raw = word.raw.trim_matches('"');
    let inner = raw
        .strip_prefix("$(")
        .or_else(|| raw.strip_prefix("<("))
        .and_then(|r| r.strip_suffix(')'))
        .or_else(|| raw.strip_prefix('`').and_then(|r| r.strip_suffix('`')));
    inner.is_some_and(prints_setup)
}

/// `watch CMD…` joins its arguments into a `sh -c` script (`watch -x` runs them as
/// they are, which reads the same).
fn watch_script(rest: &[ShellWord]) -> Option<Vec<&ShellWord>> {
    let valued = ["-n", "--interval", "-q", "--equexit", "--errexit"];
    let mut at = 0;
    while let Some(text) = rest.get(at).and_then(ShellWord::text) {
        if !text.starts_with('-') || text == "--" {
            at += usize::from(text == "--");
            break;
        }
        at += if valued.contains(&text) { 2 } else { 1 };
    }
    Some(rest.get(at..).unwrap_or_default().iter().collect())
}

/// The value of `-X`, `-…X` (last in a cluster), `-Xvalue` or `--long=value`/`--long value`.
fn option_value<'w>(rest: &'w [ShellWord], short: char, long: &str) -> Option<Cow<'w, ShellWord>> {
    for (i, word) in rest.iter().enumerate() {
        let Some(text) = word.text() else { continue };
        if text == long || (text.starts_with('-') && !text.starts_with("--") && text.ends_with(short)) {
            return rest.get(i + 1).map(Cow::Borrowed);
        }
        if let Some(value) = text.strip_prefix(long).and_then(|v| v.strip_prefix('=')) {
            return Some(Cow::Owned(ShellWord::literal(value)));
        }
        // `-qc'cmd'`: in a cluster, what follows the option's letter is its value.
        let cluster = text.strip_prefix('-').filter(|c| !c.starts_with('-'));
        if let Some((at, _)) = cluster.and_then(|c| c.char_indices().find(|(_, c)| *c == short)) {
            let value = cluster.and_then(|c| c.get(at + short.len_utf8()..)).unwrap_or_default();
            if !value.is_empty() {
                return Some(Cow::Owned(ShellWord::literal(value)));
            }
        }
    }
    None
}

/// `env -S 'cmd args'` / `env -S'…'` / `env --split-string=…`: a string split into a
/// command, and the words after it.
fn env_split_string(rest: &[ShellWord]) -> Option<Vec<Cow<'_, ShellWord>>> {
    let at = rest.iter().position(|w| {
        let text = w.text().unwrap_or_default();
        text.starts_with("--split-string") || (text.starts_with('-') && !text.starts_with("--") && text.contains('S'))
    })?;
    let value = option_value(rest.get(at..)?, 'S', "--split-string")?;
    let attached = !matches!(value, Cow::Borrowed(_));
    let after = rest.get(at + if attached { 1 } else { 2 }..).unwrap_or_default();
    Some(std::iter::once(value).chain(after.iter().map(Cow::Borrowed)).collect())
}

/// `find … -exec CMD … ;` runs CMD for every match, and `-delete` removes it: `{}`
/// stands for anything under the first start path, or — narrowed by one `-name
/// PATTERN` — anything of that name (`START/**/PATTERN`).
fn exec_scripts(rest: &[ShellWord]) -> Vec<String> {
    let start = rest
        .iter()
        .take_while(|w| !w.text().is_some_and(|t| t.starts_with('-') || t == "(" || t == "!"))
        .map(|w| w.raw.as_str())
        .next()
        .unwrap_or(".");
    let texts: Vec<Option<&str>> = rest.iter().map(ShellWord::text).collect();
    let alternatives = texts.iter().flatten().any(|t| matches!(*t, "-o" | "-or" | "!" | "-not"));
    let names: Vec<&ShellWord> = texts
        .windows(2)
        .zip(rest.iter().skip(1))
        .filter(|(w, _)| matches!(w.first(), Some(Some("-name" | "-iname"))))
        .map(|(_, pattern)| pattern)
        .collect();
    // `-maxdepth 1` finds only what is right inside the start path.
    let shallow = texts.windows(2).any(|w| matches!(w, [Some("-maxdepth"), Some("0" | "1")]));
    let depth = if shallow { "" } else { "**/" };
    let matched = match names.as_slice() {
        // find matches `-name` as a glob, however it is quoted.
        [one] if !alternatives && !one.open => {
            format!("{}/{depth}{}", start.trim_end_matches('/'), one.text().unwrap_or(&one.raw))
        }
        _ => format!("{}/**", start.trim_end_matches('/')),
    };
    let mut scripts = Vec::new();
    let mut words = rest.iter();
    while let Some(word) = words.next() {
        match word.text() {
            Some("-exec" | "-execdir" | "-ok" | "-okdir") => {
                let command: Vec<String> = words
                    .by_ref()
                    .take_while(|w| !matches!(w.text(), Some(";" | "+")))
                    .map(|w| if w.text() == Some("{}") { matched.clone() } else { w.raw.clone() })
                    .collect();
                scripts.push(command.join(" "));
            }
            Some("-delete") => scripts.push(format!("rm -rf -- {matched}")),
            _ => {}
        }
    }
    scripts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<ShellWord> {
        text.split(' ').map(ShellWord::literal).collect()
    }

    fn resolve_with(text: &str, stdin: &Stdin) -> Invocation {
        let functions = HashSet::new();
        let descriptor = |_| Stdin::Unseen;
        resolve(&words(text), &Surroundings { stdin, wrapper_functions: &functions, descriptor: &descriptor })
    }

    fn resolved(text: &str) -> Resolved {
        match resolve_with(text, &Stdin::Inherited) {
            Invocation::Command(resolved) => resolved,
            other => panic!("{text}: {other:?}"),
        }
    }

    #[test]
    fn wrapper_options_are_parsed() {
        for (text, at) in [
            ("timeout -- 5 sudo id", 3),
            ("xargs --max-procs 2 sudo", 3),
            ("stdbuf --output L sudo", 3),
            ("env - sudo", 2),
            ("flock /tmp/l sudo id", 2),
            ("chroot / sudo", 2),
            ("npm exec sudo", 2),
            ("/lib64/ld-linux-x86-64.so.2 /usr/bin/sudo id", 1),
            ("NICE -n 5 SUDO id", 3),
        ] {
            let r = resolved(text);
            assert_eq!((r.name.as_str(), r.at), ("sudo", at), "{text}");
        }
    }

    #[test]
    fn scripts_are_found() {
        assert_eq!(resolved("bash -c ls").scripts, ["ls"]);
        assert_eq!(resolved("eval -- sudo id").scripts, ["sudo id"]);
        assert_eq!(resolved("script -qc id /dev/null").scripts, ["id"]);
        assert_eq!(resolved("env -Ssudo id").scripts, ["sudo id"]);
        assert_eq!(resolved("env -iSsudo id").scripts, ["sudo id"]);
        assert_eq!(resolved("script -qcsudo /dev/null").scripts, ["sudo"]);
        assert_eq!(resolved("flock --command=id x").scripts, ["id"]);
        assert_eq!(resolved("find ~ -exec rm -rf {} +").scripts, ["rm -rf ~/**"]);
        assert_eq!(resolved("find ~/.netclaw -delete").scripts, ["rm -rf -- ~/.netclaw/**"]);
        assert_eq!(resolved("find . -name *.pyc -delete").scripts, ["rm -rf -- ./**/*.pyc"]);
        assert_eq!(resolved("bash run.sh").script_files, [1]);
    }

    #[test]
    fn descriptor_paths_are_recognised_however_spelled() {
        for path in ["-", "/dev/stdin", "/dev/./stdin", "/dev/fd/0", "/proc/self/fd/0", "/proc/1/fd/0"] {
            assert_eq!(descriptor_path(path), Some(0), "{path}");
        }
        assert_eq!(descriptor_path("/dev/fd/3"), Some(3));
        assert_eq!(descriptor_path("/proc/self/fd/0/x"), None);
    }

    #[test]
    fn sed_runs_its_e_commands_and_only_those() {
        for script in
            ["s/.*/sudo id/e", "s/a/b/ge", "1e", "$ e", "s|x|y|e", "/x/s/.*/sudo id/e", "1,/y/ s/a/b/e", "/x/!e"]
        {
            assert!(sed_scripts(&[ShellWord::literal(script)]).is_err(), "{script}");
        }
        let scripts = |script: &str| sed_scripts(&[ShellWord::literal(script)]).unwrap_or_default();
        assert_eq!(scripts("1e sudo id"), ["sudo id"]);
        assert_eq!(sed_scripts(&[ShellWord::literal("-e1e sudo id")]).unwrap_or_default(), ["sudo id"]);
        assert_eq!(scripts("p;/x/{e kill 1; id"), ["kill 1; id"]);
        assert_eq!(scripts("2e  kill 1\np"), ["kill 1"]);
        for script in ["s/sudo //", "s/e/f/g", "/e/d", "s/kill -9/kill -15/"] {
            assert_eq!(scripts(script), Vec::<String>::new(), "{script}");
        }
    }

    #[test]
    fn shells_and_interpreters_reading_a_pipe_are_unresolved() {
        for text in ["bash", "sh -s", "python3", "perl -", "tcsh", "ksh93"] {
            assert!(matches!(resolve_with(text, &Stdin::Pipe), Invocation::Unresolved { .. }), "{text}");
        }
        assert!(matches!(resolve_with("python3 -c x", &Stdin::Pipe), Invocation::Command(_)));
        assert!(matches!(resolve_with("pwsh -EncodedCommand x", &Stdin::Inherited), Invocation::Unresolved { .. }));
    }
}
