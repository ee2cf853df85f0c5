//! One shell word, expanded statically as far as that is possible.
//!
//! Quote removal, backslashes and ANSI-C strings (`$'\x73udo'`) are undone so that
//! `"su"do`, `r\m` and `$'\x73udo'` all read as what the shell would run. Parameters
//! assigned earlier in the same script expand to every value they can hold (`x=/; rm
//! -rf "$x"`), `$PWD` to the directories the command can be in. What cannot be known
//! before run time — command output, parameters set outside the script — leaves the
//! word *open*: a caller that needs the value refuses it. `~` and `$HOME` at the start
//! are kept symbolic: whose home they mean is the caller's business.
//!
//! Brace expansion happens before all of this, on the raw text, as bash does it:
//! [`expand_braces`] turns `{env,sudo}` into two words.

use brush_parser::ParserOptions;
use brush_parser::word::{
    self, BraceExpressionMember, BraceExpressionOrText, Parameter, ParameterExpr, ParameterTransformOp, TildeExpr,
    WordPiece, WordPieceWithSource,
};
use std::cell::Cell;

use super::arithmetic::is_arithmetic;
use super::cwd::Cwd;
use super::vars::{Lookup, Variables};

/// How many values a word may expand to before it is treated as unknown.
const MAX_VALUES: usize = 16;
/// How many words one brace expression may produce before it is refused.
pub(crate) const MAX_BRACE_WORDS: usize = 64;
/// How deeply variable values that name other variables are followed.
const MAX_VARIABLE_DEPTH: usize = 4;

/// A word as the shell would see it after expansion and quote removal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShellWord {
    /// As written, quotes and all.
    pub raw: String,
    /// The values the word can take, as far as they are known statically.
    pub values: Vec<Literal>,
    /// The word can also take a value not in `values`: it holds command output, or a
    /// parameter whose value is only known at run time.
    pub open: bool,
    /// For an open word, the static text after its last unknown part (`/keys` in
    /// `"$DIR/keys"`): enough to recognise some paths whatever the unknown part is.
    pub tail: Option<String>,
    /// For an open word, the static text before its first unknown part (`~/x/` in
    /// `~/x/"$F"`): the directory an unknown file name is in.
    pub head: Option<Literal>,
    /// For an open word, its static text with every unknown part taken as empty
    /// (`k$()ill` is `kill` when the substitution prints nothing).
    pub collapsed: Option<String>,
    /// Scripts the word runs when expanded: `$(…)`, backticks, including those hidden
    /// in `${x:-$(…)}`, `$(( … ))` and prompt expansions of known values.
    pub substitutions: Vec<String>,
    /// Why expanding the word runs code that cannot be seen (`${x@P}` of an unknown `x`).
    pub runs_unseen: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Literal {
    /// Quote-removed text; after the home prefix when `home_relative`.
    pub text: String,
    /// Starts with an unquoted `~` or with `$HOME` / `${HOME}`.
    pub home_relative: bool,
    /// The word as a glob pattern (quoted metacharacters escaped with `\`), when it
    /// has an unquoted `*`, `?` or `[…]` the shell would expand.
    pub glob: Option<String>,
    /// Part of it comes from an unquoted expansion holding whitespace: the shell would
    /// split it into several words.
    pub splits: bool,
}

/// What a word's parameters mean: the variables of the script and where it runs.
#[derive(Clone, Copy)]
pub(crate) struct Scope<'a> {
    pub options: &'a ParserOptions,
    pub vars: &'a Variables,
    pub cwd: &'a Cwd,
    /// Words left to expand for this command: variables whose values name themselves
    /// (`x=$x$x; x=$x$x; …`) multiply the work at every level, so once it is spent a
    /// word is only known at run time (fail closed, and in bounded time).
    pub budget: &'a Cell<usize>,
}

/// Words expanded per analysed command: ordinary commands use a few hundred.
pub(crate) const EXPANSION_BUDGET: usize = 20_000;

impl ShellWord {
    pub(crate) fn parse(raw: &str, scope: &Scope<'_>) -> Self {
        Self::parse_at(raw, scope, 0)
    }

    fn parse_at(raw: &str, scope: &Scope<'_>, depth: usize) -> Self {
        // Most words are plain (`status`, `--short`, `src/main.rs`): nothing to expand.
        if is_plain(raw) {
            return Self::literal(raw);
        }
        let mut builder = Builder::new(scope, depth);
        let Some(left) = scope.budget.get().checked_sub(1) else {
            builder.lose();
            return builder.finish(raw);
        };
        scope.budget.set(left);
        // bash 5.3 and mksh run `${ cmd; }` and `${| cmd; }` in the current shell.
        builder.substitutions.extend(function_substitutions(raw));
        match word::parse(raw, scope.options) {
            Ok(pieces) => builder.pieces(&pieces, raw, false),
            Err(_) => builder.lose(),
        }
        builder.finish(raw)
    }

    /// A word of static text, as the analysis builds them for strings it scans.
    pub(crate) fn literal(text: &str) -> Self {
        Self {
            raw: text.to_owned(),
            values: vec![Literal { text: text.to_owned(), home_relative: false, glob: None, splits: false }],
            open: false,
            tail: None,
            head: None,
            collapsed: None,
            substitutions: Vec::new(),
            runs_unseen: None,
        }
    }

    /// The one static value, if the word has exactly one.
    pub fn value(&self) -> Option<&Literal> {
        match self.values.as_slice() {
            [only] if !self.open => Some(only),
            _ => None,
        }
    }

    /// The static text of the one value, if there is one (home prefix not applied).
    pub fn text(&self) -> Option<&str> {
        self.value().map(|l| l.text.as_str())
    }

    /// The static text of a plain word: one value, no home prefix, no glob.
    pub fn plain(&self) -> Option<&str> {
        self.value().filter(|l| !l.home_relative && l.glob.is_none()).map(|l| l.text.as_str())
    }
}

/// One value being built, piece by piece.
#[derive(Debug, Clone, Default)]
struct Partial {
    text: String,
    pattern: String,
    home_relative: bool,
    glob: bool,
    splits: bool,
}

struct Builder<'s> {
    scope: &'s Scope<'s>,
    depth: usize,
    partials: Vec<Partial>,
    /// Some piece's value is unknown: `partials` no longer describe the word.
    lost: bool,
    open: bool,
    tail: String,
    head: Option<Literal>,
    collapsed: String,
    substitutions: Vec<String>,
    runs_unseen: Option<String>,
}

impl<'s> Builder<'s> {
    fn new(scope: &'s Scope<'s>, depth: usize) -> Self {
        Self {
            scope,
            depth,
            partials: vec![Partial::default()],
            lost: false,
            open: false,
            tail: String::new(),
            head: None,
            collapsed: String::new(),
            substitutions: Vec::new(),
            runs_unseen: None,
        }
    }

    fn at_start(&self) -> bool {
        !self.lost && self.partials.iter().all(|p| p.text.is_empty() && !p.home_relative)
    }

    fn lose(&mut self) {
        if !self.lost
            && let [only] = self.partials.as_slice()
        {
            let text = only.text.clone();
            self.head = Some(Literal { text, home_relative: only.home_relative, glob: None, splits: false });
        }
        self.lost = true;
        self.open = true;
        self.tail.clear();
    }

    /// Appends text the shell takes literally (quoted, escaped or plain).
    fn push(&mut self, text: &str, quoted: bool) {
        let glob = !quoted && is_glob(text);
        for partial in &mut self.partials {
            partial.text.push_str(text);
            partial.glob |= glob;
            if quoted {
                for c in text.chars() {
                    if matches!(c, '*' | '?' | '[' | ']' | '\\') {
                        partial.pattern.push('\\');
                    }
                    partial.pattern.push(c);
                }
            } else {
                partial.pattern.push_str(text);
            }
        }
        self.tail.push_str(text);
        self.collapsed.push_str(text);
    }

    /// Appends one of several values to every partial (a parameter's expansion).
    fn push_choice(&mut self, values: &[Literal], quoted: bool) {
        if self.lost {
            return;
        }
        let mut next = Vec::new();
        for partial in &self.partials {
            for value in values {
                let mut p = partial.clone();
                p.home_relative |= value.home_relative && p.text.is_empty();
                p.text.push_str(&value.text);
                if quoted {
                    p.pattern.push_str(&escape_pattern(&value.text));
                } else {
                    // An unquoted expansion is split and globbed by the shell.
                    p.splits |= value.text.contains([' ', '\t', '\n']);
                    p.glob |= is_glob(&value.text) || value.glob.is_some();
                    p.pattern.push_str(value.glob.as_deref().unwrap_or(&value.text));
                }
                next.push(p);
            }
        }
        if next.len() > MAX_VALUES || next.is_empty() {
            return self.lose();
        }
        self.partials = next;
        self.tail.clear();
    }

    fn pieces(&mut self, pieces: &[WordPieceWithSource], raw: &str, quoted: bool) {
        for piece in pieces {
            let at_start = self.at_start();
            match &piece.piece {
                WordPiece::Text(text) => self.push(text, quoted),
                WordPiece::SingleQuotedText(text) => self.push(text, true),
                WordPiece::AnsiCQuotedText(text) => match decode_ansi_c(text) {
                    Some(decoded) => self.push(&decoded, true),
                    None => self.lose(),
                },
                WordPiece::DoubleQuotedSequence(inner) | WordPiece::GettextDoubleQuotedSequence(inner) => {
                    self.pieces(inner, raw, true);
                }
                WordPiece::EscapeSequence(escaped) => {
                    let unescaped = escaped.strip_prefix('\\').unwrap_or(escaped);
                    // A backslash-newline is a line continuation: it vanishes.
                    if unescaped != "\n" {
                        self.push(unescaped, true);
                    }
                }
                WordPiece::TildeExpansion(TildeExpr::Home) if at_start && !quoted => self.home(),
                WordPiece::TildeExpansion(TildeExpr::WorkingDir) => self.working_directory(quoted),
                WordPiece::TildeExpansion(_) => self.lose(),
                WordPiece::CommandSubstitution(script) | WordPiece::BackquotedCommandSubstitution(script) => {
                    let backquoted = matches!(piece.piece, WordPiece::BackquotedCommandSubstitution(_));
                    self.command_substitution(script, backquoted, quoted);
                }
                WordPiece::ArithmeticExpression(expression) => {
                    self.arithmetic(&expression.value);
                    self.lose();
                }
                WordPiece::ParameterExpansion(expr) => {
                    self.parameter(expr, raw.get(piece.start_index..piece.end_index), at_start, quoted);
                }
            }
        }
    }

    /// `$(…)` runs a script; what it prints is unknown — except `$(mktemp …)`, a new
    /// name under the temporary directory, which can never be `/` or the home.
    fn command_substitution(&mut self, script: &str, backquoted: bool, quoted: bool) {
        // Inside backquotes, `\``, `\\` and `\$` stand for themselves one level down.
        let script = if backquoted {
            script.replace("\\`", "`").replace("\\$", "$").replace("\\\\", "\\")
        } else {
            script.to_owned()
        };
        let mktemp = script.split_whitespace().next().is_some_and(|c| c == "mktemp");
        // `$(pwd)` is the working directory, as `$PWD` is.
        let pwd = matches!(script.trim(), "pwd" | "pwd -L" | "pwd -P");
        self.substitutions.push(script);
        if pwd {
            return self.working_directory(quoted);
        }
        if mktemp {
            let fresh =
                Literal { text: "/tmp/tmp.XXXXXXXXXX".to_owned(), home_relative: false, glob: None, splits: false };
            return self.push_choice(&[fresh], quoted);
        }
        self.lose();
    }

    fn home(&mut self) {
        match self.scope.vars.lookup_assigned("HOME") {
            // Assigned in the script: `HOME=/; rm -rf ~` means `/`.
            Some(lookup) => self.variable_values(&lookup, true),
            None => {
                for partial in &mut self.partials {
                    partial.home_relative = true;
                }
            }
        }
    }

    /// `$PWD` is where the command runs — which the analysis believes it knows, but
    /// which is only certain at run time: the value stays open.
    fn working_directory(&mut self, quoted: bool) {
        let cwd = self.scope.cwd;
        let values: Vec<Literal> = cwd
            .dirs
            .iter()
            .map(|d| Literal {
                text: d.to_string_lossy().into_owned(),
                home_relative: false,
                glob: None,
                splits: false,
            })
            .collect();
        if values.is_empty() {
            return self.lose();
        }
        self.push_choice(&values, quoted);
        // Where the command may be is known, unless a `cd` went somewhere unknown.
        self.open |= cwd.unknown;
    }

    /// `$(( … ))`: a substitution inside it runs; an expression that is not
    /// arithmetic at all is also read as a script (see [`is_arithmetic`]).
    fn arithmetic(&mut self, expression: &str) {
        self.evaluated(expression);
        let as_word = format!("\"{}\"", expression.replace('"', "\\\""));
        let nested = ShellWord::parse_at(&as_word, self.scope, self.depth);
        self.substitutions.extend(nested.substitutions);
        if !is_arithmetic(expression) {
            self.substitutions.push(expression.to_owned());
        }
    }

    /// An arithmetic expression this word evaluates: a value only known at run time
    /// in it can run commands no one sees.
    fn evaluated(&mut self, expression: &str) {
        if self.runs_unseen.is_none() {
            self.runs_unseen = super::arithmetic::runs_unseen(expression, self.scope.vars);
        }
    }

    fn parameter(&mut self, expr: &ParameterExpr, inner: Option<&str>, at_start: bool, quoted: bool) {
        // `${a[$n]}` and `${x:$n:1}` evaluate the subscript, the offset and the length.
        if let ParameterExpr::Substring { offset, length, .. } = expr {
            self.evaluated(&offset.value);
            if let Some(length) = length {
                self.evaluated(&length.value);
            }
        }
        // An associative array's subscript is text (`${counts[$k]}`).
        if let Some((name, index)) = inner.and_then(subscript)
            && !self.scope.vars.is_associative(name)
        {
            self.evaluated(index);
        }
        // `${x:-$(cmd)}` runs `cmd`: find it in the raw text.
        if let Some(inner) = inner.filter(|i| i.contains("$(") || i.contains('`')) {
            let body = expansion_body(inner);
            let nested = ShellWord::parse_at(&format!("\"{}\"", body.replace('"', "\\\"")), self.scope, self.depth);
            self.substitutions.extend(nested.substitutions);
        }
        fn named(parameter: &Parameter) -> Option<&str> {
            match parameter {
                Parameter::Named(name) => Some(name.as_str()),
                _ => None,
            }
        }
        match expr {
            ParameterExpr::Parameter { parameter, indirect: false }
            | ParameterExpr::IndicateErrorIfNullOrUnset { parameter, indirect: false, .. } => match named(parameter) {
                Some("HOME") if at_start && self.scope.vars.lookup_assigned("HOME").is_none() => self.home(),
                Some("PWD") if self.scope.vars.lookup_assigned("PWD").is_none() => self.working_directory(quoted),
                Some(name) => self.variable(name, quoted),
                None => self.lose(),
            },
            ParameterExpr::Transform { parameter, indirect: false, op: ParameterTransformOp::PromptExpand } => {
                self.prompt_expansion(named(parameter));
            }
            _ => self.lose(),
        }
    }

    fn variable(&mut self, name: &str, quoted: bool) {
        match self.scope.vars.lookup(name) {
            Some(lookup) => self.variable_values(&lookup, quoted),
            None => self.lose(),
        }
    }

    fn variable_values(&mut self, lookup: &Lookup<'_>, quoted: bool) {
        if self.depth >= MAX_VARIABLE_DEPTH || (!quoted && self.scope.vars.ifs_changed()) {
            return self.lose();
        }
        let mut values = Vec::new();
        let mut open = lookup.open;
        for raw in &lookup.values {
            let word = ShellWord::parse_at(raw, self.scope, self.depth + 1);
            // A substitution in the value ran at the assignment: only its output matters here.
            open |= word.open || word.runs_unseen.is_some();
            values.extend(word.values);
        }
        if values.is_empty() {
            return self.lose();
        }
        self.push_choice(&values, quoted && !lookup.globbed);
        self.open |= open;
    }

    /// `${x@P}` expands `x` as a prompt, running the command substitutions in its value.
    fn prompt_expansion(&mut self, name: Option<&str>) {
        let lookup = name.and_then(|n| self.scope.vars.lookup(n));
        match lookup {
            Some(lookup) if !lookup.open => {
                for raw in lookup.values {
                    // The value is text the prompt expansion reads like a double-quoted word.
                    let dequoted = ShellWord::parse_at(raw, self.scope, self.depth + 1);
                    // `x=$(… | base64 -d); echo ${x@P}`: output no one has seen, run.
                    if dequoted.open || dequoted.runs_unseen.is_some() {
                        self.runs_unseen = Some(
                            "`@P` expands a value only known at run time as a prompt, running the commands in it"
                                .into(),
                        );
                    }
                    for value in dequoted.values {
                        let as_prompt = format!("\"{}\"", value.text.replace('"', "\\\""));
                        let prompt = ShellWord::parse_at(&as_prompt, self.scope, self.depth + 1);
                        self.substitutions.extend(prompt.substitutions);
                    }
                }
            }
            _ => {
                self.runs_unseen =
                    Some("`@P` expands a value only known at run time as a prompt, running the commands in it".into());
            }
        }
        self.lose();
    }

    fn finish(self, raw: &str) -> ShellWord {
        let values = if self.lost {
            Vec::new()
        } else {
            self.partials
                .into_iter()
                .map(|p| Literal {
                    glob: p.glob.then_some(p.pattern),
                    text: p.text,
                    home_relative: p.home_relative,
                    splits: p.splits,
                })
                .collect()
        };
        let tail = (self.lost && !self.tail.is_empty()).then_some(self.tail);
        let collapsed = (self.open && !self.collapsed.is_empty()).then_some(self.collapsed);
        ShellWord {
            raw: raw.to_owned(),
            values,
            open: self.open,
            tail,
            head: self.head,
            collapsed,
            substitutions: self.substitutions,
            runs_unseen: self.runs_unseen,
        }
    }
}

/// The scripts of `${ …; }` and `${| …; }` substitutions, which brush does not know.
fn function_substitutions(raw: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = raw;
    while let Some(at) = rest.find("${") {
        let after = rest.get(at + 2..).unwrap_or_default();
        let body = after.strip_prefix('|').unwrap_or(after);
        // `${ cmd; }`, which the parser may hand over as `${cmd;}`: a name followed by a
        // space or `;` cannot start a parameter expansion.
        let name_len = body.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(body.len());
        let command = name_len > 0 && body.get(name_len..).is_some_and(|r| r.starts_with([' ', '\t', ';']));
        if (body.starts_with(char::is_whitespace) || command)
            && let Some(end) = body.find('}')
        {
            out.push(body.get(..end).unwrap_or_default().trim().trim_end_matches(';').to_owned());
        }
        rest = after;
    }
    out
}

/// A word the shell takes as it is: no quoting, expansion, globbing or tilde.
fn is_plain(raw: &str) -> bool {
    !raw.is_empty()
        && !raw.starts_with('~')
        && raw.bytes().all(|b| {
            b.is_ascii_alphanumeric()
                || matches!(b, b'-' | b'_' | b'.' | b'/' | b':' | b'@' | b'%' | b'+' | b',' | b'=')
        })
}

/// `*`, `?` or a bracket expression `[…]`; a lone `[` (the test command) is not one.
fn is_glob(text: &str) -> bool {
    text.contains(['*', '?'])
        || text.contains("@(")
        || text.contains("+(")
        || text.contains("!(")
        || text.find('[').is_some_and(|open| text.get(open + 1..).is_some_and(|rest| rest.contains(']')))
}

fn escape_pattern(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// `${…}` → `…`, `$((…))` → `…`: the part that may hold nested substitutions.
pub(crate) fn expansion_body(inner: &str) -> &str {
    let stripped = inner
        .strip_prefix("$((")
        .and_then(|s| s.strip_suffix("))"))
        .or_else(|| inner.strip_prefix("${").and_then(|s| s.strip_suffix('}')));
    stripped.unwrap_or(inner)
}

/// Decodes the body of `$'…'` as bash does; `None` for an escape it would not accept.
/// A NUL ends the string, as it does in bash (`$'su\0do'` is `su`).
fn decode_ansi_c(body: &str) -> Option<String> {
    let mut out = String::new();
    let mut chars = body.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let escape = chars.next()?;
        let simple = match escape {
            'a' => Some('\u{7}'),
            'b' => Some('\u{8}'),
            'e' | 'E' => Some('\u{1b}'),
            'f' => Some('\u{c}'),
            'n' => Some('\n'),
            'r' => Some('\r'),
            't' => Some('\t'),
            'v' => Some('\u{b}'),
            '\\' | '\'' | '"' | '?' => Some(escape),
            _ => None,
        };
        if let Some(c) = simple {
            out.push(c);
            continue;
        }
        let (radix, max_digits) = match escape {
            'x' => (16, 2),
            'u' => (16, 4),
            'U' => (16, 8),
            '0'..='7' => (8, 3),
            'c' => {
                let control = chars.next()?;
                out.push(char::from_u32(u32::from(control) & 0x1f)?);
                continue;
            }
            other => {
                out.push('\\');
                out.push(other);
                continue;
            }
        };
        let mut digits = String::new();
        if radix == 8 {
            digits.push(escape);
        }
        while digits.len() < max_digits && chars.peek().is_some_and(|d| d.is_digit(radix)) {
            digits.push(chars.next()?);
        }
        let decoded = char::from_u32(u32::from_str_radix(&digits, radix).ok()?)?;
        if decoded == '\0' {
            break;
        }
        out.push(decoded);
    }
    Some(out)
}

/// The raw words brace expansion makes of one raw word (`{su,}do` → `sudo`, `do`;
/// `s{u..u}do` → `sudo`), quotes kept for the word parser. `None` when there would be
/// more than [`MAX_BRACE_WORDS`], so a caller can refuse rather than guess.
pub(crate) fn expand_braces(raw: &str, options: &ParserOptions) -> Option<Vec<String>> {
    if !raw.contains('{') {
        return Some(vec![raw.to_owned()]);
    }
    match word::parse_brace_expansions(raw, options) {
        Ok(Some(pieces)) => {
            let mut out = vec![String::new()];
            for piece in &pieces {
                out = concat(out, &expand_piece(piece)?)?;
            }
            Some(out)
        }
        // Not a brace expression after all (`{}`, `${x}`): the word stays as written.
        _ => Some(vec![raw.to_owned()]),
    }
}

fn concat(prefixes: Vec<String>, suffixes: &[String]) -> Option<Vec<String>> {
    if prefixes.len().saturating_mul(suffixes.len()) > MAX_BRACE_WORDS {
        return None;
    }
    Some(prefixes.iter().flat_map(|p| suffixes.iter().map(move |s| format!("{p}{s}"))).collect())
}

fn expand_piece(piece: &BraceExpressionOrText) -> Option<Vec<String>> {
    match piece {
        BraceExpressionOrText::Text(text) => Some(vec![text.clone()]),
        BraceExpressionOrText::Expr(members) => {
            let mut out = Vec::new();
            for member in members {
                out.extend(expand_member(member)?);
                if out.len() > MAX_BRACE_WORDS {
                    return None;
                }
            }
            Some(out)
        }
    }
}

fn expand_member(member: &BraceExpressionMember) -> Option<Vec<String>> {
    match member {
        BraceExpressionMember::Child(pieces) => {
            let mut out = vec![String::new()];
            for piece in pieces {
                out = concat(out, &expand_piece(piece)?)?;
            }
            Some(out)
        }
        BraceExpressionMember::NumberSequence { start, end, increment } => {
            sequence(*start, *end, *increment, |n| Some(n.to_string()))
        }
        BraceExpressionMember::CharSequence { start, end, increment } => {
            sequence(i64::from(u32::from(*start)), i64::from(u32::from(*end)), *increment, |n| {
                let c = char::from_u32(u32::try_from(n).ok()?)?;
                // bash escapes the characters between `Z` and `a` that are special to it.
                Some(if c.is_ascii_alphanumeric() { c.to_string() } else { format!("\\{c}") })
            })
        }
    }
}

fn sequence(start: i64, end: i64, increment: i64, render: impl Fn(i64) -> Option<String>) -> Option<Vec<String>> {
    let step = increment.checked_abs().filter(|s| *s > 0).unwrap_or(1);
    let count = start.abs_diff(end) / step.unsigned_abs() + 1;
    if count > MAX_BRACE_WORDS as u64 {
        return None;
    }
    let mut out = Vec::new();
    let mut n = start;
    for _ in 0..count {
        out.push(render(n)?);
        n = if start <= end { n.checked_add(step)? } else { n.checked_sub(step)? };
    }
    Some(out)
}

/// The name and subscript of `${name[…]…}` (after `!` or `#`), if it has one.
fn subscript(piece: &str) -> Option<(&str, &str)> {
    let text = piece.strip_prefix("${")?.trim_start_matches(['!', '#']);
    let open = text.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))?;
    let name = text.get(..open)?;
    let rest = text.get(open..)?.strip_prefix('[')?;
    let end = super::arithmetic::closing(rest, '[', ']')?;
    rest.get(..end).filter(|index| !matches!(*index, "@" | "*")).map(|index| (name, index))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shell::vars::Variables;

    fn word(raw: &str) -> ShellWord {
        let vars = Variables::default();
        let cwd = Cwd::at(std::path::Path::new("/work"));
        let budget = Cell::new(EXPANSION_BUDGET);
        ShellWord::parse(raw, &Scope { options: &ParserOptions::default(), vars: &vars, cwd: &cwd, budget: &budget })
    }

    #[test]
    fn quotes_and_backslashes_are_removed() {
        assert_eq!(word("\"su\"do").plain(), Some("sudo"));
        assert_eq!(word("r\\m").plain(), Some("rm"));
        assert_eq!(word("'s'u'd'o").plain(), Some("sudo"));
        assert_eq!(word("$'\\x73\\165do'").plain(), Some("sudo"));
    }

    /// bash ends an ANSI-C string at a NUL: `$'su\0do'` runs `su`.
    #[test]
    fn a_nul_ends_an_ansi_c_string() {
        assert_eq!(word("$'su\\0do'").plain(), Some("su"));
        assert_eq!(word("$'su\\x00do'").plain(), Some("su"));
    }

    #[test]
    fn home_prefixes_stay_symbolic() {
        for raw in ["~", "~/", "$HOME", "${HOME}", "\"$HOME\"/", "${HOME:?}"] {
            let w = word(raw);
            assert!(w.value().is_some_and(|l| l.home_relative), "{raw}: {w:?}");
        }
        assert!(word("'~'").value().is_some_and(|l| !l.home_relative), "a quoted tilde is literal");
    }

    #[test]
    fn the_working_directory_is_known() {
        let pwd = word("$PWD/x");
        assert_eq!((pwd.values.first().map(|v| v.text.as_str()), pwd.open), (Some("/work/x"), false));
        assert_eq!(word("~+").values.first().map(|v| v.text.as_str()), Some("/work"));
        assert_eq!(word("$(pwd)").values.first().map(|v| v.text.as_str()), Some("/work"));
    }

    #[test]
    fn run_time_values_are_open_and_substitutions_are_found() {
        assert!(word("$X").open && word("$X").values.is_empty());
        assert!(word("${IFS}").open);
        assert_eq!(word("$(echo rm)").substitutions, vec!["echo rm"]);
        assert_eq!(word("`whoami`").substitutions, vec!["whoami"]);
        assert_eq!(word("${x:-$(sudo id)}").substitutions, vec!["sudo id"]);
        assert_eq!(word("$(( $(sudo id) + 1 ))").substitutions, vec!["sudo id"]);
        assert_eq!(word("\"$DIR/keys\"").tail.as_deref(), Some("/keys"));
    }

    /// Arithmetic is arithmetic: `$a + $b` is not a command.
    #[test]
    fn arithmetic_is_not_read_as_commands() {
        assert!(word("$(( $a + $b ))").substitutions.is_empty());
        assert_eq!(word("$(( sudo id ))").substitutions, vec![" sudo id "]);
    }

    #[test]
    fn unquoted_globs_are_patterns() {
        assert_eq!(word("/usr/bin/su?o").value().and_then(|l| l.glob.clone()).as_deref(), Some("/usr/bin/su?o"));
        assert!(word("'su?o'").value().is_some_and(|l| l.glob.is_none()));
        assert_eq!(word("'a*'b*").value().and_then(|l| l.glob.clone()).as_deref(), Some("a\\*b*"));
        assert!(word("[").value().is_some_and(|l| l.glob.is_none()), "the test command is not a glob");
    }

    #[test]
    fn braces_expand_to_words() {
        let options = ParserOptions::default();
        assert_eq!(expand_braces("{su,}do", &options), Some(vec!["sudo".to_owned(), "do".to_owned()]));
        assert_eq!(expand_braces("s{u..u}do", &options), Some(vec!["sudo".to_owned()]));
        assert_eq!(expand_braces("{rm,-rf,/}", &options), Some(vec!["rm".into(), "-rf".into(), "/".into()]));
        assert_eq!(expand_braces("'{a,b}'", &options), Some(vec!["'{a,b}'".to_owned()]), "quoted braces stay");
        assert_eq!(expand_braces("${x}", &options), Some(vec!["${x}".to_owned()]));
        assert_eq!(expand_braces("{a,b}{c,d}{e,f}{g,h}{i,j}{k,l}{m,n}", &options), None);
        assert_eq!(expand_braces("{1..100000}", &options), None);
    }
}
