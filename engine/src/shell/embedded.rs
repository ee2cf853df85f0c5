//! Commands inside the strings a program is given.
//!
//! Programs run commands hidden in their arguments: `awk 'BEGIN{system("sudo id")}'`,
//! `tar --checkpoint-action=exec=sudo`, `ssh -o ProxyCommand=';sudo id'`, `vim -c
//! ':!sudo id'`, `python -c 'os.system("sudo id")'`, and a here-document fed to an
//! interpreter. Which option of which of hundreds of programs runs its value cannot be
//! listed, so every string a command is given is scanned for *command positions* — the
//! start, after `;|&(){}[]!,` and backquotes, after `=`, `$(`, and after words such as
//! `exec`, `system` or `spawn` — and the words from there are checked as a command.
//!
//! Prose is left alone: the value of `git commit -m`, and every argument of a
//! command whose arguments are only names (`echo`, `grep`) while what it prints is
//! read, not stored or run.

use super::invocation::{Invocation, Stdin};
use super::programs::NamesOnly;
use super::word::{Scope, ShellWord};

/// A command found inside a string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Embedded {
    /// The string as written (the word, the assignment value or the here-document).
    pub source: String,
    /// Byte offset of the command in the string.
    pub offset: usize,
    /// The command and its arguments.
    pub words: Vec<ShellWord>,
}

/// A string to scan, and the program that is given it.
#[derive(Debug)]
pub(crate) struct Text<'w> {
    raw: &'w str,
    values: Vec<String>,
    program: &'w str,
    /// Code, or data written to a file: the start of a string literal inside it is a
    /// command position too (`CALL "SYSTEM" USING "sudo id"`, `{"preinstall": "sudo"}`).
    literals: bool,
}

/// Words after which the next word is a command (`exec sudo`, `system "sudo"`), and the
/// shell's own keywords that precede one (`do sudo id`).
const KEYWORDS: &[&str] = &[
    "exec",
    "execute",
    "system",
    "spawn",
    "popen",
    "shell",
    "script",
    "command",
    "run",
    "call",
    "eval",
    "passthru",
    "syscmd",
    "esyscmd",
    "write18",
    "proxycommand",
    "localcommand",
    "do",
    "then",
    "else",
    "elif",
    "if",
    "while",
    "until",
    "time",
    "nohup",
];
/// Prefixes of function names that run commands (`execvp`, `execSync`, `spawnSync`).
const KEYWORD_PREFIXES: &[&str] = &["exec", "spawn", "popen", "system", "callcommand", "runcommand", "shellexec"];

/// Characters after which a command may start.
fn is_separator(c: char) -> bool {
    matches!(c, ';' | '|' | '&' | '(' | ')' | '{' | '}' | '[' | ']' | '!' | ',' | '`' | '\n' | '\r')
}

/// Characters a run (the command from a position) ends at.
fn ends_run(c: char) -> bool {
    matches!(c, ';' | '|' | '&' | ')' | '}' | ']' | ',' | '`' | '"' | '\'' | '\n' | '\r')
}

/// Whether a word needs scanning at all: text with no separator or space is one word,
/// which the argument check already covers.
fn worth_scanning(text: &str) -> bool {
    text.chars().any(|c| c.is_whitespace() || is_separator(c) || matches!(c, '=' | ':' | '"' | '\'' | '$' | '\\'))
}

/// The strings of one segment to scan.
pub(crate) fn strings<'w>(
    words: &'w [ShellWord],
    assignments: &'w [ShellWord],
    stdin: &'w Stdin,
    invocation: &'w Invocation,
    exemption: Exemption,
    prose: &[usize],
) -> Vec<Text<'w>> {
    let resolved = match invocation {
        Invocation::Command(resolved) => Some(resolved),
        _ => None,
    };
    let program = resolved.map_or("", |r| r.name.as_str());
    let args = resolved.and_then(|r| words.get(r.args()..)).unwrap_or_default();
    // `PAGER=sudo` runs its value as surely as `PAGER='sudo id'`: scanned even when plain.
    let mut out: Vec<Text<'w>> = assignments.iter().map(|w| text_of(w, program, false)).collect();
    match exemption {
        Exemption::NamesOnly(entry) => {
            out.extend(option_values(args, entry.runs).map(|(w, value)| Text {
                raw: &w.raw,
                values: vec![value],
                program,
                literals: false,
            }));
        }
        Exemption::None { code } => {
            // Scripts the resolver found (`sh -c`, `eval`) are analysed exactly instead.
            let scripted = resolved.is_some_and(|r| !r.scripts.is_empty());
            let end = match (scripted, resolved) {
                (true, Some(r)) => r.args(),
                _ => words.len(),
            };
            let scanned = words.iter().take(end).enumerate().filter(|(i, w)| !prose.contains(i) && worth(w));
            out.extend(scanned.map(|(_, w)| text_of(w, program, code)));
            let shell = resolved.is_some_and(|r| super::programs::is_shell(&r.name));
            if let (Stdin::Text(text), false) = (stdin, shell) {
                out.push(text_of(text, program, true));
            }
        }
    }
    out
}

/// Whether a segment's arguments are only names to it, or else whether they are code
/// (an interpreter's, or data a names-only program writes somewhere).
#[derive(Debug, Clone, Copy)]
pub(crate) enum Exemption {
    NamesOnly(&'static NamesOnly),
    None { code: bool },
}

fn worth(word: &ShellWord) -> bool {
    if word.values.is_empty() {
        return worth_scanning(&word.raw);
    }
    word.values.iter().any(|v| worth_scanning(&v.text))
}

fn text_of<'w>(word: &'w ShellWord, program: &'w str, literals: bool) -> Text<'w> {
    let values = if word.values.is_empty() {
        vec![word.raw.clone()]
    } else {
        word.values.iter().map(|v| v.text.clone()).collect()
    };
    Text { raw: &word.raw, values, program, literals }
}

/// The values of the given options: the next word, or attached (`--pre=x`, `-Px`).
fn option_values<'w>(
    args: &'w [ShellWord],
    options: &'static [&'static str],
) -> impl Iterator<Item = (&'w ShellWord, String)> {
    args.iter().enumerate().filter_map(move |(i, word)| {
        let text = word.text()?;
        if options.contains(&text) {
            let value = args.get(i + 1)?;
            return Some((value, value.text().unwrap_or(&value.raw).to_owned()));
        }
        options.iter().find_map(|o| {
            let value = match o.starts_with("--") {
                true => text.strip_prefix(o)?.strip_prefix('=')?,
                false => text.strip_prefix(o).filter(|v| !v.is_empty())?,
            };
            Some((word, value.to_owned()))
        })
    })
}

/// Every command found at a command position of the text.
pub(crate) fn runs(text: &Text<'_>, scope: &Scope<'_>) -> Vec<Embedded> {
    let mut out = Vec::new();
    for value in &text.values {
        // `echo -e 'a\nsudo id'` and `printf`: an escaped newline is a newline.
        let unescaped = value.replace("\\n", "\n").replace("\\t", "\t").replace("\\r", "\r");
        for offset in command_positions(&unescaped, text.program, text.literals) {
            let run = unescaped.get(offset..).unwrap_or_default();
            let end = run.find(ends_run).unwrap_or(run.len());
            let words: Vec<ShellWord> =
                run.get(..end).unwrap_or_default().split_whitespace().map(|token| token_word(token, scope)).collect();
            if !words.is_empty() {
                out.push(Embedded { source: text.raw.to_owned(), offset, words });
            }
        }
    }
    out
}

/// One token of a run as the word a shell would make of it, or as plain text when it
/// is not well-formed shell (`"sudo` cut at a quote).
fn token_word(token: &str, scope: &Scope<'_>) -> ShellWord {
    let word = ShellWord::parse(token, scope);
    if word.values.is_empty() && !word.open {
        return ShellWord::literal(token.trim_matches(['"', '\'']));
    }
    word
}

/// Byte offsets where a command may start in `text`.
pub(crate) fn command_positions(text: &str, program: &str, literals: bool) -> Vec<usize> {
    let mut positions = Vec::new();
    let mut at_position = true;
    // The last two characters that were not whitespace, to tell `==` from `=`.
    let mut before: (char, char) = (' ', ' ');
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let last = before;
        if !c.is_whitespace() {
            before = (before.1, c);
        }
        // `^cmd` (rsyslog's program action) only in data, not in a sed or grep regex.
        if is_separator(c) || (literals && c == '^') {
            at_position = true;
            continue;
        }
        if c.is_whitespace() || c == '\\' {
            continue;
        }
        if c == '"' || c == '\'' {
            // In code and in data written to a file, a string literal may be a command,
            // unless it is compared with (`$1 == "kill"`).
            let compared =
                matches!(last.1, '<' | '>' | '~') || (last.1 == '=' && matches!(last.0, '=' | '!' | '<' | '>'));
            at_position |= literals && !compared;
            continue;
        }
        if c == '=' {
            // `==`, `!=`, `<=`, `>=`, `=~` compare; `=` assigns, and a command may follow.
            let before = text.get(..i).and_then(|b| b.chars().last());
            let after = chars.peek().map(|(_, n)| *n);
            at_position = !matches!(before, Some('=' | '!' | '<' | '>')) && !matches!(after, Some('=' | '~'));
            continue;
        }
        if c == ':' || (c == '$' && chars.peek().is_some_and(|(_, n)| *n == '(')) {
            continue;
        }
        let rest = text.get(i..).unwrap_or_default();
        let len = rest
            .find(|c: char| c.is_whitespace() || is_separator(c) || matches!(c, '"' | '\'' | '=' | ':'))
            .unwrap_or(rest.len());
        let token = rest.get(..len).unwrap_or_default();
        let follows = rest.get(len..).and_then(|r| r.chars().next());
        // `kill=1` is a key, not a command.
        let is_key = follows == Some('=') && rest.get(len + 1..).and_then(|r| r.chars().next()) != Some('=');
        if at_position && !is_key {
            positions.push(i);
        }
        at_position = is_keyword(token, program);
        for _ in 1..token.chars().count() {
            chars.next();
        }
    }
    positions
}

fn is_keyword(token: &str, program: &str) -> bool {
    let bare = token.trim_start_matches(['.', '!', ':', '@', '\\', '%']).to_ascii_lowercase();
    // `os.system`, `child_process.execSync`, `run-shell-command`, `pcntl_exec`.
    let parts = bare.split(|c: char| !c.is_ascii_alphanumeric());
    if parts.into_iter().any(|p| KEYWORDS.contains(&p) || KEYWORD_PREFIXES.iter().any(|k| p.starts_with(k))) {
        return true;
    }
    // sed's `e` command runs the rest of the line: `1e cmd`, `$e cmd`, `/re/e cmd`.
    program == "sed"
        && bare.ends_with('e')
        && bare.trim_end_matches('e').chars().all(|c| c.is_ascii_digit() || matches!(c, '$' | ',' | '/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn firsts(text: &str, program: &str) -> Vec<String> {
        command_positions(text, program, false)
            .into_iter()
            .filter_map(|at| {
                text.get(at..)?
                    .split(|c: char| c.is_whitespace() || is_separator(c) || ends_run(c))
                    .next()
                    .map(str::to_owned)
            })
            .collect()
    }

    #[test]
    fn commands_are_found_where_programs_run_them() {
        assert_eq!(firsts("BEGIN {system(\"sudo id\")}", "awk"), ["BEGIN", "system", "sudo"]);
        assert_eq!(firsts("exec=sudo id", "tar"), ["sudo"]);
        assert_eq!(firsts("ProxyCommand=;sudo id 0<&2", "ssh"), ["sudo", "2"]);
        assert_eq!(firsts(":!sudo id", "vim"), ["sudo"]);
        assert_eq!(firsts("exec:sudo id,pty", "socat"), ["exec:sudo", "sudo", "pty"]);
        assert_eq!(firsts("1e sudo id", "sed"), ["1e", "sudo"]);
        assert_eq!(
            firsts("require(\"child_process\").spawn(\"sudo\", [\"id\"])", "node"),
            ["require", "child_process", ".spawn", "sudo", "id"]
        );
        assert_eq!(firsts("do shell script \"sudo id\"", "osascript"), ["do", "shell", "script", "sudo"]);
    }

    #[test]
    fn keys_and_comparisons_are_not_command_positions() {
        assert_eq!(firsts("kill=1", "curl"), ["1"]);
        assert_eq!(firsts("$1 == \"kill\" {print}", "awk"), ["$1", "print"]);
        assert_eq!(firsts("fix the kill handling", "git"), ["fix"]);
    }
}
