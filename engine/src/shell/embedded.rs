//! Scripts hidden in the strings a program is given.
//!
//! Programs run commands hidden in their arguments: `awk 'BEGIN{system("sudo id")}'`,
//! `tar --checkpoint-action=exec=sudo`, `ssh -o ProxyCommand=';sudo id'`, `git -c
//! alias.x='!sh -c "kill 1"'`, `python -c 'os.system("k" "ill 1")'`, a here-document
//! fed to an interpreter. Which option of which of hundreds of programs runs its value
//! cannot be listed, so every string a command is given is scanned for *command
//! positions* — the start, after `;|&(){}[]!` and backquotes, after an attached `=`,
//! `$(`, and after words such as `exec`, `system` or `spawn` — and, in code and in data
//! written to a file, for string literals. What starts there is handed back as a script,
//! which the walker analyses like any other, only speculatively: a script that does not
//! parse, or a word it cannot resolve, proves nothing about a string that may be prose.
//!
//! Prose is left alone: the value of `git commit -m`, and every argument of a command
//! whose arguments are only names (`echo`, `grep`) while what it prints is read.

use super::invocation::{Invocation, Stdin};
use super::programs::{NamesOnly, command_key, command_option};
use super::word::ShellWord;

/// How a string is read: as shell text, as a program's code, or as data written to a
/// file (where a quoted value may be a command: `{"preinstall": "sudo id"}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    Shell,
    Code,
    Data,
}

/// Whether a segment's arguments are only names to it, or else how its strings read.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Exemption {
    NamesOnly(&'static NamesOnly),
    Scan(Mode),
}

/// A string to scan, and the program that is given it.
#[derive(Debug)]
pub(crate) struct Text<'w> {
    pub raw: &'w str,
    values: Vec<String>,
    mode: Mode,
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
    "ext",
    "do",
    "then",
    "else",
    "elif",
    "if",
    "while",
    "until",
    "time",
    "nohup",
    // Emacs Lisp: `(term "cmd")`, `(start-process "x" nil "cmd")`, `(call-process "cmd")`.
    "term",
    "process",
];
/// Prefixes of function names that run commands (`execvp`, `execSync`, `spawnSync`).
const KEYWORD_PREFIXES: &[&str] = &["exec", "spawn", "popen", "system", "callcommand", "runcommand", "shellexec"];
/// Words after which a string literal is output, not a command (`print "kill"`).
/// Also what raises or asserts with a message (`raise X("…")`, `panic!("…")`,
/// `new Error("…")`): the message is text for a reader.
const PRINTERS: &[&str] = &[
    "print",
    "println",
    "printf",
    "puts",
    "echo",
    "say",
    "log",
    "warn",
    "write",
    "die",
    "info",
    "debug",
    "error",
    "eprintln",
    "eprint",
    "format",
    "warning",
    "fatal",
    "critical",
    "exception",
    "panic",
    "raise",
    "throw",
    "assert",
    "expect",
    "bail",
    "errorf",
    "infof",
    "warnf",
    "debugf",
    "fatalf",
    "logf",
    "sprintf",
    "fprintf",
    "message",
    "notice",
    "trace",
    "alert",
    "confirm",
    "systemexit",
];

/// Characters after which a command may start.
fn is_separator(c: char) -> bool {
    matches!(c, ';' | '|' | '&' | '(' | ')' | '{' | '}' | '[' | ']' | '!' | '`' | '\n' | '\r')
}

/// Characters a run (the command from a position) ends at, outside quotes and `$( )`;
/// `,` too, which separates the parts of `exec:cmd,pty` and `path=cmd,argv1=x`.
fn ends_run(c: char) -> bool {
    matches!(c, ';' | '|' | '&' | ')' | '}' | '`' | ',' | '\n' | '\r')
}

/// Whether a string needs scanning at all: a single word is covered by the argument
/// check, and a URL's `?q=sudo` is not a command.
fn worth_scanning(text: &str) -> bool {
    let scheme = text.find("://").is_some_and(|at| {
        text.get(..at)
            .is_some_and(|s| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || "+.-".contains(c)))
    });
    !scheme && text.chars().any(|c| c.is_whitespace() || is_separator(c) || "=:\"'$\\,".contains(c))
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
    let args = resolved.and_then(|r| words.get(r.args()..)).unwrap_or_default();
    // `PAGER=sudo` runs its value as surely as `PAGER='sudo id'`: scanned even when plain.
    let mut out: Vec<Text<'w>> = assignments.iter().map(|w| text_of(w, Mode::Shell)).collect();
    match exemption {
        Exemption::NamesOnly(entry) => {
            out.extend(option_values(args, entry.runs).map(|(w, value)| Text {
                raw: &w.raw,
                values: vec![value],
                mode: Mode::Shell,
            }));
        }
        Exemption::Scan(mode) => {
            // Scripts the resolver found (`sh -c`, `eval`) are analysed exactly instead.
            let scripted = resolved.is_some_and(|r| !r.scripts.is_empty());
            let end = match (scripted, resolved) {
                (true, Some(r)) => r.args(),
                _ => words.len(),
            };
            let scanned = words.iter().take(end).enumerate().filter(|(i, w)| !prose.contains(i) && worth(w));
            for (_, word) in scanned {
                out.push(text_of(word, mode));
                out.extend(attached_value(word, mode));
            }
            // What `printf` prints, pieces put together (`printf '%s%s' ki 'll 1'`).
            if let (Mode::Data, Some(resolved)) = (mode, resolved)
                && resolved.name == "printf"
                && let Some(output) = printf_output(args)
            {
                let raw = words.get(resolved.at).map_or("printf", |w| w.raw.as_str());
                out.push(Text { raw, values: vec![output], mode });
            }
            let shell = resolved.is_some_and(|r| super::programs::is_shell(&r.name));
            if let (Stdin::Text(text), false) = (stdin, shell) {
                let mode = if mode == Mode::Shell { Mode::Data } else { mode };
                out.push(text_of(text, mode));
            }
        }
    }
    out
}

fn worth(word: &ShellWord) -> bool {
    if word.values.is_empty() {
        return worth_scanning(&word.raw);
    }
    word.values.iter().any(|v| worth_scanning(&v.text))
}

/// What `printf FORMAT ARGS…` prints, when every word is static: `%s`, `%b`, `%c`,
/// `%d` and the like take the arguments in turn (the format repeats while any are
/// left), and the format's escapes are decoded.
fn printf_output(args: &[ShellWord]) -> Option<String> {
    let texts: Vec<&str> = args.iter().map(ShellWord::text).collect::<Option<_>>()?;
    let (format, mut rest) = match texts.as_slice() {
        ["--", format, rest @ ..] | [format, rest @ ..] if !format.starts_with('-') || *format == "-" => {
            (*format, rest)
        }
        _ => return None,
    };
    let mut out = String::new();
    for _ in 0..64 {
        let mut chars = format.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '%' => {
                    while chars.peek().is_some_and(|c| "-+ #0123456789.".contains(*c)) {
                        chars.next();
                    }
                    match chars.next() {
                        Some('%') => out.push('%'),
                        Some(_) => {
                            out.push_str(rest.first().copied().unwrap_or_default());
                            rest = rest.get(1..).unwrap_or_default();
                        }
                        None => {}
                    }
                }
                '\\' => match chars.next() {
                    Some('n') => out.push('\n'),
                    Some('t') => out.push('\t'),
                    Some(other) => out.push(other),
                    None => out.push('\\'),
                },
                c => out.push(c),
            }
        }
        if rest.is_empty() {
            return Some(out);
        }
    }
    Some(out)
}

/// `-I'sudo id'`, `-le'kill 9, 1'`: the value attached to a short option (after one
/// or two option letters), which a program may run whole.
fn attached_value(word: &ShellWord, mode: Mode) -> Option<Text<'_>> {
    let text = word.text()?;
    let letters = text.strip_prefix('-').filter(|t| !t.starts_with('-'))?;
    let values: Vec<String> = (1..=2)
        .filter(|n| letters.chars().take(*n).all(|c| c.is_ascii_alphabetic()))
        .filter_map(|n| letters.get(n..).filter(|v| worth_scanning(v)).map(str::to_owned))
        .collect();
    (!values.is_empty()).then(|| Text { raw: &word.raw, values, mode })
}

fn text_of(word: &ShellWord, mode: Mode) -> Text<'_> {
    let values = if word.values.is_empty() {
        vec![word.raw.clone()]
    } else {
        word.values.iter().map(|v| v.text.clone()).collect()
    };
    Text { raw: &word.raw, values, mode }
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

impl Text<'_> {
    pub(super) fn is_code(&self) -> bool {
        self.mode == Mode::Code
    }
}

/// A value only known at run time in a place that runs it: an interpreter's code
/// (`python3 -c "$X"`, `awk "$(…)"`), an option that takes a command (`rsync -e "$X"`,
/// `-o ProxyCommand="$(…)"`), a variable that holds one (`PAGER="$(…)" man x`). As
/// `sh -c "$X"` is, it is a command only known at run time. The word and why.
pub(crate) fn unknown_code(
    program: Option<&str>,
    args: &[ShellWord],
    command_assignments: &[(String, ShellWord)],
) -> Option<(String, String)> {
    if let Some((name, word)) = command_assignments.iter().find(|(_, w)| w.open) {
        return Some((word.raw.clone(), format!("`{name}` holds a command only known at run time")));
    }
    let program = program?;
    let why = |what: &str| format!("`{program}` runs {what}, which is only known at run time");
    let mut previous: Option<&str> = None;
    for word in args {
        if word.open {
            // `core.pager="$(…)"`, `ProxyCommand=$X`: a setting that holds a command.
            let static_start = word.head.as_ref().map_or("", |h| h.text.as_str());
            let key = static_start.split_once('=').map(|(k, _)| k.rsplit(' ').next().unwrap_or(k));
            if key.is_some_and(command_key) {
                return Some((word.raw.clone(), why("a setting's command")));
            }
            if key.is_none() && previous.is_some_and(|o| command_option(program, o)) {
                return Some((word.raw.clone(), why("an option's command")));
            }
            // `-e"$X"`: the option with its value attached.
            let attached = word.raw.get(..2).filter(|o| o.starts_with('-') && !o.starts_with("--"));
            if key.is_none() && attached.is_some_and(|o| command_option(program, o)) {
                return Some((word.raw.clone(), why("an option's command")));
            }
        }
        previous = word.text();
    }
    // `git config core.pager "$(…)"`: a setting that holds a command.
    if program == "git" {
        let texts: Vec<Option<&str>> = args.iter().map(ShellWord::text).collect();
        let config = texts.iter().position(|t| *t == Some("config"));
        let operands: Vec<&ShellWord> = config
            .map(|at| args.iter().skip(at + 1).filter(|w| !w.text().is_some_and(|t| t.starts_with('-'))).collect())
            .unwrap_or_default();
        if let [key, value, ..] = operands.as_slice()
            && key.text().is_some_and(command_key)
            && value.open
        {
            return Some((value.raw.clone(), why("a setting's command")));
        }
    }
    // awk's and sed's program is their first operand unless an option gives it.
    let awk = matches!(super::programs::unversioned(program), "awk" | "gawk" | "mawk" | "nawk" | "sed");
    let given = |t: &str| {
        t.starts_with("-f")
            || t == "--file"
            || (program == "sed" && (t.starts_with("-e") || t.starts_with("--expression")))
    };
    if awk && !args.iter().any(|w| w.text().is_some_and(given)) {
        let mut words = args.iter();
        while let Some(word) = words.next() {
            match word.text() {
                Some("-v" | "-F") => {
                    words.next();
                }
                Some(t) if t.starts_with('-') => {}
                _ => return word.open.then(|| (word.raw.clone(), why("its program"))),
            }
        }
    }
    None
}

/// Every script the text may run: from each command position, the rest of that
/// command; in code and data, the content of each string literal at such a place.
pub(crate) fn scripts(text: &Text<'_>) -> Scripts {
    let mut out = Scripts::default();
    for value in &text.values {
        let value = match text.mode {
            // `echo -e 'a\nsudo id'` and `printf`: an escaped newline is a newline.
            Mode::Shell | Mode::Data => value.replace("\\n", "\n").replace("\\t", "\t").replace("\\r", "\r"),
            Mode::Code => value.clone(),
        };
        let mut scanner = Scanner { text: &value, mode: text.mode, out: Vec::new(), computed: None };
        scanner.scan();
        out.found.extend(scanner.out);
        out.computed = out.computed.or(scanner.computed);
    }
    out.found.retain(|s| !s.trim().is_empty());
    out.found.dedup();
    out
}

/// What a string may run.
#[derive(Debug, Default)]
pub(crate) struct Scripts {
    /// Commands written out in it.
    pub found: Vec<String>,
    /// In code, a call that runs a command the code computes (`os.system(input())`,
    /// `system($0)`): as written.
    pub computed: Option<String>,
}

struct Scanner<'t> {
    text: &'t str,
    mode: Mode,
    out: Vec<String>,
    computed: Option<String>,
}

impl Scanner<'_> {
    fn scan(&mut self) {
        let text = self.text;
        let mut at_position = true;
        // The last two characters that were not whitespace, to tell `==` from `=`.
        let mut before: (char, char) = (' ', ' ');
        let mut after_printer = false;
        let mut after_deleter = false;
        let mut i = 0;
        while let Some(c) = text.get(i..).and_then(|r| r.chars().next()) {
            let last = before;
            if !c.is_whitespace() {
                before = (before.1, c);
            }
            let width = c.len_utf8();
            // Perl's and Ruby's backticks run a shell command; one built from variables
            // (`` `$x` ``, `` `#{c}` ``) is computed.
            if self.mode == Mode::Code && c == '`' {
                let body = text.get(i + 1..).unwrap_or_default();
                if let Some(end) = body.find('`') {
                    let command = body.get(..end).unwrap_or_default();
                    if command.contains("#{") || perl_variable(command) {
                        self.computed.get_or_insert_with(|| format!("`{command}`"));
                    } else {
                        self.out.push(command.to_owned());
                    }
                    i += end + 2;
                    at_position = false;
                    continue;
                }
            }
            let literal_trigger = self.mode != Mode::Shell && (c == ',' || (self.mode == Mode::Data && c == ':'));
            // `^cmd` (rsyslog's program action) only in data, not in a sed or grep regex.
            if is_separator(c) || literal_trigger || (self.mode == Mode::Data && c == '^') {
                at_position = true;
                // `console.log("…")`: the call's parenthesis still belongs to the printer.
                after_printer = after_printer && c == '(';
                after_deleter = after_deleter && c == '(';
                i += width;
                continue;
            }
            if c.is_whitespace() || c == '\\' {
                i += width;
                continue;
            }
            if c == '"' || c == '\'' {
                let (literal, end) = literal_at(text, i);
                match self.mode {
                    // A quoted string where a command would start (`exec { 'sudo id': }`).
                    Mode::Shell => {
                        if at_position {
                            self.out.push(literal);
                        }
                    }
                    // `shutil.rmtree("/home/me")` is `rm -rf /home/me`.
                    Mode::Code if after_deleter => {
                        self.out.push(format!("rm -rf -- '{}'", literal.replace('\'', "'\\''")));
                        after_deleter = false;
                    }
                    Mode::Code | Mode::Data => {
                        // Unless it is compared with (`$1 == "kill"`) or printed (`print "kill"`).
                        let compared = matches!(last.1, '<' | '>' | '~')
                            || (last.1 == '=' && matches!(last.0, '=' | '!' | '<' | '>'));
                        if at_position && !compared && !after_printer {
                            let (joined, joined_end) = join_adjacent(text, literal, end);
                            self.out.push(joined);
                            i = joined_end;
                            at_position = false;
                            continue;
                        }
                    }
                }
                i = end;
                at_position = false;
                continue;
            }
            if c == '=' {
                // An attached `=` assigns, and a command may follow (`exec=cmd`); `==`,
                // `!=`, `<=`, `>=`, `=~` compare, and ` = ` is code assigning a value.
                // In shell text only a setting that holds a command is one
                // (`ProxyCommand=cmd`, not `USER=sudo`).
                let next = text.get(i + 1..).and_then(|r| r.chars().next());
                let spaced = text.get(..i).and_then(|b| b.chars().last()).is_some_and(char::is_whitespace);
                let holds_command = self.mode != Mode::Shell || command_key(key_before(text, i));
                at_position = holds_command
                    && !spaced
                    && !matches!(last.1, '=' | '!' | '<' | '>')
                    && !matches!(next, Some('=' | '~'));
                i += width;
                continue;
            }
            if c == ':' || (c == '$' && text.get(i + 1..).is_some_and(|r| r.starts_with('('))) {
                i += width;
                continue;
            }
            let len = token_len(text.get(i..).unwrap_or_default());
            let token = text.get(i..i + len).unwrap_or_default();
            let rest = text.get(i + len..).unwrap_or_default();
            if self.mode == Mode::Code
                && self.computed.is_none()
                && (runs_commands(token) || is_deleter(token))
                && computed_argument(rest)
            {
                let call: String = rest.chars().take_while(|c| *c != ')' && *c != ';').collect();
                self.computed = Some(format!("{token}{call})"));
            }
            // `os.kill(1, 9)`, `process.kill(pid)`, `posix_kill(1, 9)`: `kill` with those arguments.
            if self.mode == Mode::Code && is_killer(token) {
                let arguments = rest.trim_start().strip_prefix('(').map(first_argument_list);
                if let Some(arguments) = arguments.filter(|a| !a.trim().is_empty()) {
                    self.out.push(format!("kill {}", arguments.replace(',', " ")));
                }
            }
            // `kill=1` is a key, not a command.
            let is_key = rest.starts_with('=') && !rest.starts_with("==");
            if at_position && !is_key {
                self.out.push(run_at(text, i));
            }
            at_position = is_keyword(token);
            after_printer = is_printer(token);
            after_deleter = self.mode == Mode::Code && is_deleter(token);
            i += len.max(width);
        }
    }
}

/// The name a `=` at `at` assigns: the text before it back to whitespace, a quote or
/// a separator (`--checkpoint-action` in `--checkpoint-action=exec=…`, `exec` after it).
fn key_before(text: &str, at: usize) -> &str {
    let before = text.get(..at).unwrap_or_default();
    let start = before
        .char_indices()
        .rev()
        .find(|(_, c)| c.is_whitespace() || is_separator(*c) || matches!(c, '"' | '\'' | '='))
        .map_or(0, |(i, c)| i + c.len_utf8());
    before.get(start..).unwrap_or_default()
}

/// The length of a token: up to whitespace, a separator, a quote, `=` or `:`; a `[…]`
/// inside a token, closed before any space, is a glob, not a separator (`/bin/kil[l]`).
fn token_len(rest: &str) -> usize {
    let mut chars = rest.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        // `ki${x}ll`: a parameter expansion inside a word belongs to it.
        if c == '$' && rest.get(i + 1..).is_some_and(|r| r.starts_with('{')) {
            let close = rest.get(i..).and_then(|r| r.find('}'));
            if let Some(close) = close {
                let skip = rest.get(i + 1..=i + close).map_or(0, |s| s.chars().count());
                for _ in 0..skip {
                    chars.next();
                }
                continue;
            }
        }
        if c == '[' && i > 0 {
            let class = rest.get(i + 1..).unwrap_or_default();
            let close = class.find(|c: char| c == ']' || c.is_whitespace() || "$()".contains(c));
            if let Some(close) = close.filter(|at| class.get(*at..).is_some_and(|r| r.starts_with(']'))) {
                let skip = class.get(..=close).map_or(0, |s| s.chars().count());
                for _ in 0..skip {
                    chars.next();
                }
                continue;
            }
        }
        if c.is_whitespace() || is_separator(c) || "\"'=:,".contains(c) {
            return i;
        }
    }
    rest.len()
}

/// The command that starts at `start`: up to an unquoted terminator, quotes kept, so
/// that `sh -c "kill 1"` is one command; an unbalanced quote ends it.
fn run_at(text: &str, start: usize) -> String {
    let rest = text.get(start..).unwrap_or_default();
    let mut quote: Option<char> = None;
    let mut escaped = false;
    let mut end = rest.len();
    let mut last_balanced = 0;
    // Inside `$( … )`, where `)` and `;` belong to the substitution; inside `${ … }`.
    let mut depth = 0usize;
    let mut braces = 0usize;
    let mut previous = ' ';
    for (i, c) in rest.char_indices() {
        if escaped {
            escaped = false;
            continue;
        }
        let redirection =
            c == '&' && (matches!(previous, '>' | '<') || rest.get(i + 1..).is_some_and(|r| r.starts_with('>')));
        previous = c;
        match (quote, c) {
            (Some('\''), '\'') | (Some('"'), '"') => {
                quote = None;
                last_balanced = i + 1;
            }
            (Some('"'), '\\') | (None, '\\') => escaped = true,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, '(')
                if i > 0 && rest.get(..i).is_some_and(|b| b.ends_with('$') || b.ends_with('<') || b.ends_with('>')) =>
            {
                depth += 1
            }
            (None, ')') if depth > 0 => depth -= 1,
            (None, '{') if rest.get(..i).is_some_and(|b| b.ends_with('$')) => braces += 1,
            (None, '}') if braces > 0 => braces -= 1,
            (None, c) if depth == 0 && braces == 0 && !redirection && ends_run(c) => {
                end = i;
                break;
            }
            (None, _) => last_balanced = i + c.len_utf8(),
        }
    }
    if quote.is_some() {
        end = end.min(last_balanced);
    }
    rest.get(..end).unwrap_or_default().to_owned()
}

/// The string literal starting at `at` (a quote), decoded as C-like languages do
/// (`\"`, `\x6b`, `\153`, `\u006b`), and the offset after it.
fn literal_at(text: &str, at: usize) -> (String, usize) {
    let Some(quote) = text.get(at..).and_then(|r| r.chars().next()) else { return (String::new(), text.len()) };
    let mut out = String::new();
    let mut chars = text.get(at + 1..).unwrap_or_default().char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c == quote {
            return (out, at + 1 + i + c.len_utf8());
        }
        if c != '\\' {
            out.push(c);
            continue;
        }
        let Some((_, escape)) = chars.next() else { break };
        let (radix, digits, first) = match escape {
            'x' => (16, 2, None),
            'u' => (16, 4, None),
            '0'..='7' => (8, 3, Some(escape)),
            'n' => {
                out.push('\n');
                continue;
            }
            't' => {
                out.push('\t');
                continue;
            }
            other => {
                out.push(other);
                continue;
            }
        };
        let mut number: String = first.into_iter().collect();
        while number.len() < digits && chars.peek().is_some_and(|(_, d)| d.is_digit(radix)) {
            number.extend(chars.next().map(|(_, d)| d));
        }
        out.extend(u32::from_str_radix(&number, radix).ok().and_then(char::from_u32));
    }
    (out, text.len())
}

/// Literals written next to each other, or joined by `+`, `.` or `..`, are one string
/// (`"k" "ill 1"`, `"su" + "do"`).
fn join_adjacent(text: &str, mut joined: String, mut end: usize) -> (String, usize) {
    loop {
        let rest = text.get(end..).unwrap_or_default();
        let skipped = rest.len() - rest.trim_start_matches(|c: char| c.is_whitespace() || matches!(c, '+' | '.')).len();
        let next = rest.get(skipped..).unwrap_or_default();
        if !(next.starts_with('"') || next.starts_with('\'')) || joined.len() > 4096 {
            return (joined, end);
        }
        let (more, after) = literal_at(text, end + skipped);
        joined.push_str(&more);
        end = after;
    }
}

fn is_keyword(token: &str) -> bool {
    let bare = token.trim_start_matches(['.', '!', ':', '@', '\\', '%']).to_ascii_lowercase();
    // `os.system`, `child_process.execSync`, `run-shell-command`, `pcntl_exec`.
    let mut parts = bare.split(|c: char| !c.is_ascii_alphanumeric());
    parts.any(|p| KEYWORDS.contains(&p) || KEYWORD_PREFIXES.iter().any(|k| p.starts_with(k)))
}

/// Functions that run a shell command, by their last name part (`os.system`,
/// `child_process.execSync`, awk's `system`). `exec` and `run` only with a receiver
/// that makes them processes (`subprocess.run`, not `asyncio.run` or `regex.exec`).
fn runs_commands(token: &str) -> bool {
    const RUNNERS: &[&str] = &[
        "system",
        "popen",
        "popen2",
        "popen3",
        "passthru",
        "shell_exec",
        "proc_open",
        "execsync",
        "spawn",
        "spawnsync",
        "execvp",
        "execv",
        "execve",
        "execl",
        "execlp",
        "getoutput",
        "getstatusoutput",
        "check_output",
        "check_call",
        "capture2",
        "capture3",
        "syscmd",
        "esyscmd",
    ];
    let lower = token.to_ascii_lowercase();
    let (receiver, last) = lower.rsplit_once(['.', ':']).unwrap_or(("", &lower));
    let receiver = receiver.trim_end_matches(':');
    RUNNERS.contains(&last)
        || (last == "exec" && (receiver.is_empty() || receiver.ends_with("process") || receiver == "os"))
        || (last == "execute" && receiver == "os")
        || (matches!(last, "run" | "call" | "popen") && receiver.ends_with("subprocess"))
}

/// Whether a call's command argument is computed rather than written out. Written
/// out is a string literal without interpolation, a list of them, or literals joined
/// by `+` or `.`: anything else — a variable, a call (`chr(105)`, `"".join(…)`,
/// `.reverse`), formatting (`%`, `f"{c}"`, `"#{c}"`, `"$c"`, `` `${c}` ``), slicing —
/// builds the command at run time. Without parentheses (Perl, Ruby), a variable, a
/// read or a call (`system $cmd`, `system <STDIN>`, `system sprintf(…)`).
fn computed_argument(rest: &str) -> bool {
    let trimmed = rest.trim_start();
    let Some(inner) = trimmed.strip_prefix('(') else {
        return trimmed.chars().next().is_some_and(|c| matches!(c, '$' | '@' | '<') || c.is_ascii_alphabetic());
    };
    !written_out(first_argument(inner))
}

/// The first argument of a call, from just inside its parenthesis: up to a `,` or `)`
/// at its own level, quotes and brackets respected.
fn first_argument(inner: &str) -> &str {
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for (i, c) in inner.char_indices() {
        if escaped {
            escaped = false;
            continue;
        }
        match (quote, c) {
            (Some(_), '\\') => escaped = true,
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'' | '`') => quote = Some(c),
            (None, '(' | '[' | '{') => depth += 1,
            (None, ')' | ']' | '}') if depth == 0 => return inner.get(..i).unwrap_or_default(),
            (None, ')' | ']' | '}') => depth -= 1,
            (None, ',') if depth == 0 => return inner.get(..i).unwrap_or_default(),
            (None, _) => {}
        }
    }
    inner
}

/// Whether an argument is only string literals (no interpolation), lists of them and
/// `+`/`.` joins.
fn written_out(argument: &str) -> bool {
    let mut chars = argument.char_indices().peekable();
    let mut seen = false;
    let mut formats = false;
    while let Some((i, c)) = chars.next() {
        match c {
            c if c.is_whitespace() || matches!(c, '[' | ']' | ',' | '+' | '.' | '(' | ')') => {}
            // A string prefix (`r"…"`, `b'…'`); `f"…"` formats what is in braces.
            'r' | 'R' | 'b' | 'B' | 'u' | 'U' | 'f' | 'F'
                if chars.peek().is_some_and(|(_, n)| matches!(n, '"' | '\'')) =>
            {
                formats = matches!(c, 'f' | 'F');
            }
            '"' | '\'' | '`' => {
                let (content, end) = literal_at(argument, i);
                let interpolates = (formats && content.contains('{'))
                    || (c != '\'' && (content.contains("#{") || content.contains("${") || perl_variable(&content)));
                formats = false;
                if interpolates {
                    return false;
                }
                seen = true;
                while chars.peek().is_some_and(|(j, _)| *j < end) {
                    chars.next();
                }
            }
            _ => return false,
        }
    }
    seen || argument.trim().is_empty()
}

/// `"$c"` in Perl, PHP or shell: a variable interpolated into the string.
fn perl_variable(content: &str) -> bool {
    content.char_indices().any(|(i, c)| {
        c == '$'
            && content
                .get(i + 1..)
                .and_then(|r| r.chars().next())
                .is_some_and(|n| n.is_alphabetic() || n == '_' || n == '{')
    })
}

/// Library calls that send a signal to a process (`os.kill`, `os.killpg`,
/// `Process.kill`, `posix_kill`).
fn is_killer(token: &str) -> bool {
    let lower = token.to_ascii_lowercase();
    let last = lower.rsplit(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).next().unwrap_or_default();
    matches!(last, "kill" | "killpg" | "posix_kill") && (lower.len() > last.len() || last == "posix_kill")
}

/// All of a call's arguments, from just inside its parenthesis to the closing one.
fn first_argument_list(inner: &str) -> String {
    let mut out = String::new();
    let mut rest = inner;
    loop {
        let argument = first_argument(rest);
        out.push_str(argument);
        let after = rest.get(argument.len()..).unwrap_or_default();
        match after.strip_prefix(',') {
            Some(next) => {
                out.push(',');
                rest = next;
            }
            None => return out,
        }
    }
}

/// Library calls that delete a directory tree (`shutil.rmtree`, `fs.rmSync`,
/// `FileUtils.rm_rf`, File::Path's `rmtree`, `std::fs::remove_dir_all`).
fn is_deleter(token: &str) -> bool {
    const DELETERS: &[&str] =
        &["rmtree", "rmsync", "rm_rf", "rm_r", "remove_dir_all", "remove_tree", "rimraf", "deltree", "removedirs"];
    let lower = token.to_ascii_lowercase();
    lower.rsplit(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).next().is_some_and(|p| DELETERS.contains(&p))
}

/// `print`, `console.log`, `puts`: what follows is output.
fn is_printer(token: &str) -> bool {
    // `println!`, `tracing::info!`: Rust's macros end in `!`.
    let lower = token.trim_end_matches('!').to_ascii_lowercase();
    lower.rsplit(|c: char| !c.is_ascii_alphanumeric()).next().is_some_and(|p| PRINTERS.contains(&p))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(text: &str, mode: Mode) -> Vec<String> {
        let mut scanner = Scanner { text, mode, out: Vec::new(), computed: None };
        scanner.scan();
        scanner.out
    }

    #[test]
    fn commands_are_found_where_programs_run_them() {
        assert!(found("exec=sudo id", Mode::Shell).contains(&"sudo id".to_owned()));
        assert!(found("ProxyCommand=;sudo id 0<&2", Mode::Shell).contains(&"sudo id 0<&2".to_owned()));
        assert!(found(":!sudo id", Mode::Shell).contains(&"sudo id".to_owned()));
        assert!(found("alias.x=!sh -c \"kill 1\"", Mode::Shell).contains(&"sh -c \"kill 1\"".to_owned()));
        assert!(found("/bin/kil[l] 1", Mode::Shell).contains(&"/bin/kil[l] 1".to_owned()));
        assert_eq!(found("core.pager=ki${x}ll 1", Mode::Shell), ["ki${x}ll 1"]);
    }

    fn computed(text: &str) -> Option<String> {
        let mut scanner = Scanner { text, mode: Mode::Code, out: Vec::new(), computed: None };
        scanner.scan();
        scanner.computed
    }

    #[test]
    fn code_running_what_it_computes_is_found() {
        for code in [
            "import os;os.system(input())",
            "system(<STDIN>)",
            "{system($0)}",
            "system $cmd",
            "cp.execSync(c)",
            "os.system(\"k\"+chr(105)+\"ll 1\")",
            "os.system(\"%sill 1\" % \"k\")",
            "os.system(\"\".join([\"ki\",\"ll\"]))",
            "os.system(\"1 llik\"[::-1])",
            "os.system(f\"{c}\")",
            "system(\"$c\")",
            "system(\"#{c}\")",
            "system sprintf(\"%s\", x)",
            "shutil.rmtree(os.path.expanduser(\"~\"))",
        ] {
            assert!(computed(code).is_some(), "{code}");
        }
        for code in [
            "os.system(\"ls\")",
            "subprocess.run([\"ls\"])",
            "asyncio.run(main())",
            "/a/.exec(s)",
            "os.system(f\"ls\")",
        ] {
            assert_eq!(computed(code), None, "{code}");
        }
    }

    #[test]
    fn printf_output_is_put_together() {
        let words = |text: &str| text.split(' ').map(ShellWord::literal).collect::<Vec<_>>();
        assert_eq!(printf_output(&words("%s%s ki ll")).as_deref(), Some("kill"));
        assert_eq!(printf_output(&words("%s\\n a b")).as_deref(), Some("a\nb\n"));
        assert_eq!(printf_output(&words("-v x %s")), None);
    }

    #[test]
    fn library_calls_deleting_trees_read_as_rm() {
        assert!(found("shutil.rmtree(\"/home/me\")", Mode::Code).contains(&"rm -rf -- '/home/me'".to_owned()));
        assert!(found("fs.rmSync('/', {recursive:true})", Mode::Code).contains(&"rm -rf -- '/'".to_owned()));
        assert!(!found("shutil.copytree(\"/home/me\", \"x\")", Mode::Code).iter().any(|s| s.starts_with("rm")));
    }

    #[test]
    fn literals_in_code_are_decoded_and_joined() {
        let awk = found("BEGIN{system(\"k\\\"\\\"ill 1\")}", Mode::Code);
        assert!(awk.contains(&"k\"\"ill 1".to_owned()), "{awk:?}");
        assert!(found("os.system(\"k\" \"ill 1\")", Mode::Code).contains(&"kill 1".to_owned()));
        assert!(found("os.system(\"\\153ill 1\")", Mode::Code).contains(&"kill 1".to_owned()));
        assert!(found("exec \"\\x6bill\", 1", Mode::Code).contains(&"kill".to_owned()));
        assert!(found("spawn(\"su\" + \"do\")", Mode::Code).contains(&"sudo".to_owned()));
    }

    #[test]
    fn prose_and_comparisons_are_not_commands() {
        assert!(found("kill=1", Mode::Shell).iter().all(|s| !s.starts_with("kill")));
        assert!(found("$1 == \"kill\" {print}", Mode::Code).iter().all(|s| s != "kill"));
        assert!(found("{print \"kill\", $1}", Mode::Code).iter().all(|s| s != "kill"));
        assert!(found(".user = \"sudo\"", Mode::Code).iter().all(|s| s != "sudo"));
        assert!(found("console.log(\"shutdown complete\")", Mode::Code).iter().all(|s| !s.starts_with("shutdown")));
        assert!(found("fix the kill handling", Mode::Shell).iter().all(|s| !s.starts_with("kill")));
        assert!(
            found("print(json.dumps({\"action\": \"kill\"}))\n", Mode::Code).iter().all(|s| s != "kill"),
            "{:?}",
            found("print(json.dumps({\"action\": \"kill\"}))\n", Mode::Code)
        );
        assert!(found("{\"scripts\": {\"x\": \"sudo id\"}}", Mode::Data).contains(&"sudo id".to_owned()));
    }
}
