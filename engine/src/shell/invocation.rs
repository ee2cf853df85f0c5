//! What a simple command actually runs, seen through wrappers.
//!
//! `/usr/bin/env -i nice -n 5 sudo id` runs `sudo`; `bash -c 'sudo id'` and
//! `eval "sudo id"` run a script that must itself be analysed; `echo … | sh` runs
//! commands nobody can see. This module turns a segment's words into one of those
//! answers. A command word that cannot be known statically is `Unresolved`, which the
//! hard-deny layer refuses: the agent can always write the plain command instead.

use super::word::{ShellWord, brace_expansions};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Invocation {
    /// Only assignments or redirections.
    Empty,
    Command(Resolved),
    Unresolved {
        word: String,
        why: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// The command's name: quote-removed, path prefix stripped (`sudo`).
    pub name: String,
    /// Index in the segment's words of the first argument.
    pub args: usize,
    /// Wrappers looked through, outermost first (`env`, `nice`).
    pub through: Vec<String>,
    /// Scripts the command runs (`sh -c`, `eval`, `find -exec`, `watch`, a here-string
    /// fed to a shell): analysed as segments of their own.
    pub scripts: Vec<String>,
}

/// What feeds the command's standard input, for shells that read commands from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stdin<'a> {
    Inherited,
    Pipe,
    Text(&'a ShellWord),
}

const SHELLS: &[&str] = &["sh", "bash", "zsh", "dash", "ksh", "ash", "mksh", "fish"];

/// Wrappers that run their operand as a command, with the options that take a value.
const WRAPPERS: &[(&str, &[&str])] = &[
    ("env", &["-u", "--unset", "-C", "--chdir"]),
    ("command", &[]),
    ("exec", &["-a"]),
    ("nohup", &[]),
    ("nice", &["-n", "--adjustment"]),
    ("timeout", &["-s", "--signal", "-k", "--kill-after"]),
    ("xargs", &["-I", "-L", "-n", "-P", "-d", "-E", "-s", "-a", "--arg-file", "--delimiter", "--max-args"]),
    ("time", &["-f", "--format", "-o", "--output"]),
    ("builtin", &[]),
    ("stdbuf", &["-i", "-o", "-e"]),
    ("setsid", &[]),
    ("ionice", &["-c", "-n", "-p", "-P", "-u"]),
    ("busybox", &[]),
];

/// Wrappers that take one positional operand before the command (`timeout 5 cmd`).
const WRAPPERS_WITH_OPERAND: &[&str] = &["timeout", "chroot"];

/// How many wrappers deep we look before calling the command unresolvable.
const MAX_WRAPPERS: usize = 16;

pub fn resolve(words: &[ShellWord], stdin: Stdin<'_>) -> Invocation {
    let mut through = Vec::new();
    let mut at = 0;
    for _ in 0..MAX_WRAPPERS {
        let Some(word) = words.get(at) else {
            return match through.pop() {
                Some(name) => command(name, at, through, Vec::new()),
                None => Invocation::Empty,
            };
        };
        let name = match command_name(word) {
            Ok(name) => name,
            Err(why) => return Invocation::Unresolved { word: word.raw.clone(), why },
        };
        let rest = words.get(at + 1..).unwrap_or_default();
        if let Some(next) = unwrap(&name, rest) {
            through.push(name);
            at += 1 + next;
            continue;
        }
        return special(name, at, through, rest, stdin);
    }
    let raw = words.get(at).map(|w| w.raw.clone()).unwrap_or_default();
    Invocation::Unresolved { word: raw, why: "wrapped too many times".to_owned() }
}

fn command(name: String, args: usize, through: Vec<String>, scripts: Vec<String>) -> Invocation {
    Invocation::Command(Resolved { name, args, through, scripts })
}

/// The basename of a static command word, or why it has none.
pub fn command_name(word: &ShellWord) -> Result<String, String> {
    let Some(literal) = &word.literal else {
        return Err("its value is only known at run time".to_owned());
    };
    if literal.glob {
        return Err("it is a glob pattern the shell would expand".to_owned());
    }
    // `{su,}do id` runs `sudo do id`: the first expansion is the command.
    let expanded = match literal.braces {
        true => brace_expansions(&literal.text, 64).and_then(|all| all.into_iter().next()),
        false => Some(literal.text.clone()),
    };
    let Some(text) = expanded else {
        return Err("it is a brace expansion too large to follow".to_owned());
    };
    let name = text.rsplit('/').next().unwrap_or_default();
    if name.is_empty() || name.contains(char::is_whitespace) {
        return Err("it is not a command name".to_owned());
    }
    Ok(name.to_owned())
}

/// For a wrapper, how many of `rest` belong to it before the wrapped command.
fn unwrap(name: &str, rest: &[ShellWord]) -> Option<usize> {
    let (_, valued) = WRAPPERS.iter().find(|(wrapper, _)| *wrapper == name)?;
    let mut at = 0;
    let mut operand_pending = WRAPPERS_WITH_OPERAND.contains(&name);
    while let Some(word) = rest.get(at) {
        let text = word.text().unwrap_or_default();
        if text == "--" {
            at += 1;
            break;
        }
        let is_assignment = name == "env" && text.contains('=') && !text.starts_with('-');
        if is_assignment {
            at += 1;
        } else if text.starts_with('-') && text.len() > 1 {
            // `command -v x` only looks `x` up; `env -S` is handled as a script.
            if (name == "command" && (text.starts_with("-v") || text.starts_with("-V")))
                || (name == "env" && (text.starts_with("-S") || text.starts_with("--split-string")))
            {
                return None;
            }
            at += if valued.contains(&text) { 2 } else { 1 };
        } else if operand_pending {
            operand_pending = false;
            at += 1;
        } else {
            break;
        }
    }
    Some(at)
}

/// Commands that run other commands through their arguments or input.
fn special(name: String, at: usize, through: Vec<String>, rest: &[ShellWord], stdin: Stdin<'_>) -> Invocation {
    let scripts = if SHELLS.contains(&name.as_str()) {
        match shell_script(rest, stdin) {
            Ok(scripts) => scripts,
            Err((word, why)) => return Invocation::Unresolved { word, why },
        }
    } else if name == "source" || name == "." {
        match rest.first().map_or(Ok(Vec::new()), |file| script_file(file, stdin)) {
            Ok(scripts) => scripts,
            Err((word, why)) => return Invocation::Unresolved { word, why },
        }
    } else if name == "alias" {
        // `alias x=sudo` makes `x` run `sudo`: the value is a command.
        rest.iter().filter_map(|w| w.text()?.split_once('=').map(|(_, value)| value.to_owned())).collect()
    } else {
        let joined = match name.as_str() {
            "eval" => Some(rest),
            "watch" => Some(skip_options(rest, &["-n", "--interval", "-d", "--differences"])),
            "env" => env_split_string(rest),
            // `trap 'cmd' EXIT` runs `cmd` later; `script -c` and `flock -c` run it now.
            "trap" => rest.first().filter(|w| w.text() != Some("-")).map(std::slice::from_ref),
            "script" | "flock" => option_value(rest, &["-c", "--command"]).map(std::slice::from_ref),
            _ => None,
        };
        match joined.map(static_script).transpose() {
            Ok(script) => script.into_iter().chain(exec_scripts(&name, rest)).collect(),
            Err((word, why)) => return Invocation::Unresolved { word, why },
        }
    };
    command(name, at + 1, through, scripts)
}

type Refusal = (String, String);

/// `sh -c SCRIPT`, a shell fed a here-string, or a shell reading a pipe.
fn shell_script(rest: &[ShellWord], stdin: Stdin<'_>) -> Result<Vec<String>, Refusal> {
    let mut at = 0;
    let mut has_c = false;
    while let Some(text) = rest.get(at).and_then(ShellWord::text) {
        let is_flag = (text.starts_with('-') || text.starts_with('+')) && text.len() > 1 && text != "--";
        if !is_flag {
            break;
        }
        has_c |= !text.starts_with("--") && text.contains('c');
        at += if ["-o", "+o", "-O", "+O", "--rcfile", "--init-file"].contains(&text) { 2 } else { 1 };
    }
    if rest.get(at).is_some_and(|w| w.text() == Some("--")) {
        at += 1;
    }
    if has_c {
        let script = rest.get(at).ok_or_else(|| ("-c".to_owned(), "`-c` has no script".to_owned()))?;
        return static_script(std::slice::from_ref(script)).map(|s| vec![s]);
    }
    if let Some(file) = rest.get(at) {
        return script_file(file, stdin);
    }
    match stdin {
        Stdin::Inherited => Ok(Vec::new()),
        Stdin::Text(word) => static_script(std::slice::from_ref(word)).map(|s| vec![s]),
        Stdin::Pipe => {
            Err(("|".to_owned(), "a shell reading commands from a pipe runs text nobody can see".to_owned()))
        }
    }
}

/// Paths through which a script file is really standard input.
const STDIN_PATHS: &[&str] = &["-", "/dev/stdin", "/dev/fd/0", "/proc/self/fd/0"];

/// A script a shell or `source` reads from a file. A named file is not ours to see,
/// but a file that is only known at run time (`<(curl …)`, `$F`) or that is standard
/// input is text nobody can see, or the here-string it comes from.
fn script_file(file: &ShellWord, stdin: Stdin<'_>) -> Result<Vec<String>, Refusal> {
    match file.text() {
        None => Err((file.raw.clone(), "the script it runs is only known at run time".to_owned())),
        Some(path) if STDIN_PATHS.contains(&path) => match stdin {
            Stdin::Text(word) => static_script(std::slice::from_ref(word)).map(|s| vec![s]),
            Stdin::Pipe => Err((file.raw.clone(), "it runs commands read from a pipe".to_owned())),
            Stdin::Inherited => Ok(Vec::new()),
        },
        Some(_) => Ok(Vec::new()),
    }
}

/// The words joined into a script, if all are static.
fn static_script(words: &[ShellWord]) -> Result<String, Refusal> {
    let mut parts = Vec::new();
    for word in words {
        match word.text() {
            Some(text) if !word.literal.as_ref().is_some_and(|l| l.home_relative) => parts.push(text.to_owned()),
            Some(_) => parts.push(word.raw.clone()),
            None => return Err((word.raw.clone(), "the script is only known at run time".to_owned())),
        }
    }
    Ok(parts.join(" "))
}

fn skip_options<'w>(rest: &'w [ShellWord], valued: &[&str]) -> &'w [ShellWord] {
    let mut at = 0;
    while let Some(text) = rest.get(at).and_then(ShellWord::text) {
        if !text.starts_with('-') {
            break;
        }
        at += if valued.contains(&text) { 2 } else { 1 };
    }
    rest.get(at..).unwrap_or_default()
}

/// The word after the first of `options`.
fn option_value<'w>(rest: &'w [ShellWord], options: &[&str]) -> Option<&'w ShellWord> {
    let at = rest.iter().position(|w| w.text().is_some_and(|t| options.contains(&t)))?;
    rest.get(at + 1)
}

/// `env -S 'cmd args'` / `env --split-string=…`: the string is split into a command.
fn env_split_string(rest: &[ShellWord]) -> Option<&[ShellWord]> {
    let at = rest.iter().position(|w| {
        let text = w.text().unwrap_or_default();
        text.starts_with("-S") || text.starts_with("--split-string")
    })?;
    rest.get(at + 1..)
}

/// `find … -exec CMD … ;` runs CMD for every match.
fn exec_scripts(name: &str, rest: &[ShellWord]) -> Vec<String> {
    if name != "find" {
        return Vec::new();
    }
    let mut scripts = Vec::new();
    let mut words = rest.iter();
    while let Some(word) = words.next() {
        if matches!(word.text(), Some("-exec" | "-execdir" | "-ok" | "-okdir")) {
            let command: Vec<&str> =
                words.by_ref().take_while(|w| !matches!(w.text(), Some(";" | "+"))).map(|w| w.raw.as_str()).collect();
            scripts.push(command.join(" "));
        }
    }
    scripts
}
