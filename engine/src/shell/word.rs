//! One shell word, resolved statically as far as that is possible.
//!
//! Quote removal, backslashes and ANSI-C strings (`$'\x73udo'`) are undone so that
//! `"su"do`, `r\m` and `$'\x73udo'` all read as what the shell would run. What cannot be
//! known before run time — parameters, command output, globs and brace expansion in a
//! command word — is kept as such, so a caller can refuse it. `~` and `$HOME` at the
//! start are kept symbolic: whose home they mean is the caller's business.

use brush_parser::ParserOptions;
use brush_parser::word::{self, Parameter, ParameterExpr, TildeExpr, WordPiece, WordPieceWithSource};

/// A word as the shell would see it after quote removal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShellWord {
    /// As written, quotes and all.
    pub raw: String,
    /// The static value, or `None` when it depends on run time.
    pub literal: Option<Literal>,
    /// Scripts the word runs when expanded: `$(…)`, backticks, including those hidden
    /// in `${x:-$(…)}` and `$(( … ))`.
    pub substitutions: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Literal {
    /// Quote-removed text; after the home prefix when `home_relative`.
    pub text: String,
    /// Starts with an unquoted `~` or with `$HOME` / `${HOME}`.
    pub home_relative: bool,
    /// Contains an unquoted `*`, `?` or `[`: the shell would glob it.
    pub glob: bool,
    /// Contains an unquoted `{`: the shell may brace-expand it.
    pub braces: bool,
}

impl ShellWord {
    pub fn parse(raw: &str, options: &ParserOptions) -> Self {
        let mut substitutions = Vec::new();
        let literal = match word::parse(raw, options) {
            Ok(pieces) => {
                let mut builder = LiteralBuilder::default();
                builder.pieces(&pieces, raw, false, &mut substitutions, options);
                builder.finish()
            }
            Err(_) => None,
        };
        Self { raw: raw.to_owned(), literal, substitutions }
    }

    /// The static text, if the word has one (home prefix not applied).
    pub fn text(&self) -> Option<&str> {
        self.literal.as_ref().map(|l| l.text.as_str())
    }

    /// The static text of a plain word: no home prefix, glob or braces.
    pub fn plain(&self) -> Option<&str> {
        self.literal.as_ref().filter(|l| !l.home_relative && !l.glob && !l.braces).map(|l| l.text.as_str())
    }
}

#[derive(Default)]
struct LiteralBuilder {
    text: String,
    dynamic: bool,
    home_relative: bool,
    glob: bool,
    braces: bool,
}

impl LiteralBuilder {
    fn pieces(
        &mut self,
        pieces: &[WordPieceWithSource],
        raw: &str,
        quoted: bool,
        substitutions: &mut Vec<String>,
        options: &ParserOptions,
    ) {
        for piece in pieces {
            let at_start = self.text.is_empty() && !self.dynamic && !self.home_relative;
            match &piece.piece {
                WordPiece::Text(text) => {
                    if !quoted {
                        self.glob |= is_glob(text);
                        self.braces |= text.contains('{');
                    }
                    self.text.push_str(text);
                }
                WordPiece::SingleQuotedText(text) => self.text.push_str(text),
                WordPiece::AnsiCQuotedText(text) => match decode_ansi_c(text) {
                    Some(decoded) => self.text.push_str(&decoded),
                    None => self.dynamic = true,
                },
                WordPiece::DoubleQuotedSequence(inner) | WordPiece::GettextDoubleQuotedSequence(inner) => {
                    self.pieces(inner, raw, true, substitutions, options);
                }
                WordPiece::EscapeSequence(escaped) => {
                    let unescaped = escaped.strip_prefix('\\').unwrap_or(escaped);
                    // A backslash-newline is a line continuation: it vanishes.
                    if unescaped != "\n" {
                        self.text.push_str(unescaped);
                    }
                }
                WordPiece::TildeExpansion(TildeExpr::Home) if at_start && !quoted => self.home_relative = true,
                WordPiece::ParameterExpansion(ParameterExpr::Parameter {
                    parameter: Parameter::Named(name),
                    indirect: false,
                }) if name == "HOME" && at_start => self.home_relative = true,
                WordPiece::CommandSubstitution(script) | WordPiece::BackquotedCommandSubstitution(script) => {
                    substitutions.push(script.clone());
                    self.dynamic = true;
                }
                WordPiece::ArithmeticExpression(expression) => {
                    // Also a script: see `Walker::arithmetic_scripts`.
                    substitutions.push(expression.value.clone());
                    let inner = raw.get(piece.start_index..piece.end_index).unwrap_or_default();
                    if inner.contains("$(") || inner.contains('`') {
                        substitutions.extend(ShellWord::parse(expansion_body(inner), options).substitutions);
                    }
                    self.dynamic = true;
                }
                WordPiece::ParameterExpansion(_) => {
                    // `${x:-$(cmd)}` and `$(( $(cmd) ))` run `cmd`: find it in the raw text.
                    let inner = raw.get(piece.start_index..piece.end_index).unwrap_or_default();
                    if inner.contains("$(") || inner.contains('`') {
                        substitutions.extend(ShellWord::parse(expansion_body(inner), options).substitutions);
                    }
                    self.dynamic = true;
                }
                WordPiece::TildeExpansion(_) => self.dynamic = true,
            }
        }
    }

    fn finish(self) -> Option<Literal> {
        (!self.dynamic).then_some(Literal {
            text: self.text,
            home_relative: self.home_relative,
            glob: self.glob,
            braces: self.braces,
        })
    }
}

/// `*`, `?` or a bracket expression `[…]`; a lone `[` (the test command) is not one.
fn is_glob(text: &str) -> bool {
    text.contains(['*', '?'])
        || text.find('[').is_some_and(|open| text.get(open + 1..).is_some_and(|rest| rest.contains(']')))
}

/// `${…}` → `…`, `$((…))` → `…`: the part that may hold nested substitutions.
fn expansion_body(inner: &str) -> &str {
    let stripped = inner
        .strip_prefix("$((")
        .and_then(|s| s.strip_suffix("))"))
        .or_else(|| inner.strip_prefix("${").and_then(|s| s.strip_suffix('}')));
    stripped.unwrap_or(inner)
}

/// Decodes the body of `$'…'` as bash does; `None` for an escape it would not accept.
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
        out.push(char::from_u32(u32::from_str_radix(&digits, radix).ok()?)?);
    }
    Some(out)
}

/// The words a brace expression expands to (`{su,}do` → `sudo`, `do`), at most
/// `limit` of them; `None` when there are more, so a caller can refuse rather than guess.
pub fn brace_expansions(text: &str, limit: usize) -> Option<Vec<String>> {
    let Some((open, close)) = first_brace_group(text) else {
        return Some(vec![text.to_owned()]);
    };
    let (prefix, body, suffix) = (text.get(..open)?, text.get(open + 1..close)?, text.get(close + 1..)?);
    let alternatives = split_top_level_commas(body);
    if alternatives.len() < 2 {
        // `{x}` and `{a..b}` sequences are not comma lists; keep the text as written.
        let rest = brace_expansions(suffix, limit)?;
        return Some(rest.into_iter().map(|r| format!("{prefix}{{{body}}}{r}")).collect());
    }
    let mut out = Vec::new();
    for alternative in alternatives {
        for expanded in brace_expansions(&format!("{prefix}{alternative}{suffix}"), limit)? {
            out.push(expanded);
            if out.len() > limit {
                return None;
            }
        }
    }
    Some(out)
}

fn first_brace_group(text: &str) -> Option<(usize, usize)> {
    let open = text.find('{')?;
    let mut depth = 0usize;
    for (i, c) in text.char_indices().skip_while(|(i, _)| *i < open) {
        match c {
            '{' => depth += 1,
            '}' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return Some((open, i));
                }
            }
            _ => {}
        }
    }
    None
}

fn split_top_level_commas(body: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0usize, 0usize);
    for (i, c) in body.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                parts.push(body.get(start..i).unwrap_or_default());
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(body.get(start..).unwrap_or_default());
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn word(raw: &str) -> ShellWord {
        ShellWord::parse(raw, &ParserOptions::default())
    }

    #[test]
    fn quotes_and_backslashes_are_removed() {
        assert_eq!(word("\"su\"do").plain(), Some("sudo"));
        assert_eq!(word("r\\m").plain(), Some("rm"));
        assert_eq!(word("'s'u'd'o").plain(), Some("sudo"));
        assert_eq!(word("$'\\x73\\165do'").plain(), Some("sudo"));
    }

    #[test]
    fn home_prefixes_stay_symbolic() {
        for raw in ["~", "~/", "$HOME", "${HOME}", "\"$HOME\"/"] {
            let w = word(raw);
            assert!(w.literal.as_ref().is_some_and(|l| l.home_relative), "{raw}: {w:?}");
        }
        assert!(word("'~'").literal.as_ref().is_some_and(|l| !l.home_relative), "a quoted tilde is literal");
    }

    #[test]
    fn run_time_values_are_dynamic_and_substitutions_are_found() {
        assert_eq!(word("$X").literal, None);
        assert_eq!(word("${IFS}").literal, None);
        assert_eq!(word("$(echo rm)").substitutions, vec!["echo rm"]);
        assert_eq!(word("`whoami`").substitutions, vec!["whoami"]);
        assert_eq!(word("${x:-$(sudo id)}").substitutions, vec!["sudo id"]);
        assert_eq!(word("$(( $(sudo id) + 1 ))").substitutions, vec![" $(sudo id) + 1 ", "sudo id"]);
    }

    #[test]
    fn unquoted_globs_and_braces_are_flagged() {
        assert!(word("/usr/bin/su?o").literal.is_some_and(|l| l.glob));
        assert!(word("'su?o'").literal.is_some_and(|l| !l.glob));
        assert!(word("{su,}do").literal.is_some_and(|l| l.braces));
        assert!(word("[").literal.is_some_and(|l| !l.glob), "the test command is not a glob");
        assert!(word("x[ab]").literal.is_some_and(|l| l.glob));
    }

    #[test]
    fn brace_expansion_lists_alternatives() {
        assert_eq!(brace_expansions("{su,}do", 8), Some(vec!["sudo".to_owned(), "do".to_owned()]));
        assert_eq!(brace_expansions("/{etc,}", 8), Some(vec!["/etc".to_owned(), "/".to_owned()]));
        assert_eq!(brace_expansions("{a,b}{c,d}{e,f}{g,h}", 8), None);
        assert_eq!(brace_expansions("{1..3}", 8), Some(vec!["{1..3}".to_owned()]));
    }
}
