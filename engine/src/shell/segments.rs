//! Shell text → every simple command it contains, wherever it is.
//!
//! `&&`, `||`, `;`, `|`, `&`, newlines, `( … )`, `{ …; }`, `$( … )`, backticks,
//! `<( … )`, `if`/`while`/`for`/`case` bodies, function bodies, and the scripts that
//! `sh -c`, `eval`, `find -exec` and friends run: each simple command becomes a
//! [`Segment`], numbered in reading order (a command before what it contains).
//!
//! Input is bounded before it reaches the parser — length, nesting, script depth — so
//! no command can exhaust the stack or the clock; what exceeds a bound is a
//! [`Refusal`], which the hard-deny layer turns into a denial.

use brush_parser::ast::{
    self, AndOrList, Command, CommandPrefixOrSuffixItem, CompoundCommand, CompoundList, IoFileRedirectKind,
    IoFileRedirectTarget, IoRedirect, Pipeline, SeparatorOperator,
};
use brush_parser::{Parser, ParserOptions};

use super::invocation::{Invocation, Stdin, resolve};
use super::word::ShellWord;

/// Bounds on what is analysed; beyond them a command is refused, never half-read.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_bytes: usize,
    pub max_nesting: usize,
    pub max_script_depth: usize,
    pub max_segments: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self { max_bytes: 256 * 1024, max_nesting: 64, max_script_depth: 8, max_segments: 50_000 }
    }
}

/// One simple command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    /// 1-based, in reading order.
    pub index: usize,
    /// The command as written (assignments and words, quotes kept).
    pub text: String,
    /// The command word and its arguments (assignments and redirections excluded).
    pub words: Vec<ShellWord>,
    pub invocation: Invocation,
    /// Redirection targets: (writes?, target).
    pub redirects: Vec<(bool, ShellWord)>,
    /// The segment whose expansion or arguments contain this one.
    pub parent: Option<usize>,
    /// The function whose body this is in, if any.
    pub function: Option<String>,
    /// Runs in the background (`&`) or as one stage of a multi-command pipeline.
    pub detached: bool,
}

/// Why a command was not (fully) analysed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// The segment it concerns, when there is one.
    pub segment: Option<usize>,
    pub message: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParsedCommand {
    pub segments: Vec<Segment>,
    pub refusals: Vec<Refusal>,
}

pub fn parse(text: &str, limits: &Limits) -> ParsedCommand {
    let mut walker = Walker { limits, options: ParserOptions::default(), out: ParsedCommand::default() };
    walker.script(text, None, 0);
    walker.out
}

struct Walker<'l> {
    limits: &'l Limits,
    options: ParserOptions,
    out: ParsedCommand,
}

/// Where a command sits, as far as the rules care.
#[derive(Debug, Clone, Default)]
struct Context {
    parent: Option<usize>,
    function: Option<String>,
    detached: bool,
    piped: bool,
    depth: usize,
}

impl Walker<'_> {
    fn refuse(&mut self, segment: Option<usize>, message: String) {
        self.out.refusals.push(Refusal { segment, message });
    }

    fn script(&mut self, text: &str, parent: Option<usize>, depth: usize) {
        if depth > self.limits.max_script_depth {
            return self.refuse(parent, format!("scripts nest more than {} levels deep", self.limits.max_script_depth));
        }
        if text.len() > self.limits.max_bytes {
            return self.refuse(parent, format!("the command is longer than {} bytes", self.limits.max_bytes));
        }
        if nesting(text) > self.limits.max_nesting {
            return self.refuse(parent, format!("the command nests more than {} levels deep", self.limits.max_nesting));
        }
        let mut parser = Parser::new(text.as_bytes(), &self.options);
        // brush-parser has `unwrap`s of its own; a panic in it is a refusal, not a crash.
        let parsed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| parser.parse_program()));
        match parsed {
            Ok(Ok(program)) => {
                let context = Context { parent, depth, ..Context::default() };
                for list in &program.complete_commands {
                    self.compound_list(list, &context);
                }
            }
            Ok(Err(err)) => self.refuse(parent, format!("the shell text does not parse: {err}")),
            Err(_) => self.refuse(parent, "the shell parser failed on this text".to_owned()),
        }
    }

    fn compound_list(&mut self, list: &CompoundList, context: &Context) {
        for item in &list.0 {
            let detached = context.detached || matches!(item.1, SeparatorOperator::Async);
            self.and_or(&item.0, &Context { detached, ..context.clone() });
        }
    }

    fn and_or(&mut self, list: &AndOrList, context: &Context) {
        self.pipeline(&list.first, context);
        for next in &list.additional {
            let (ast::AndOr::And(pipeline) | ast::AndOr::Or(pipeline)) = next;
            self.pipeline(pipeline, context);
        }
    }

    fn pipeline(&mut self, pipeline: &Pipeline, context: &Context) {
        let multi = pipeline.seq.len() > 1;
        for (position, command) in pipeline.seq.iter().enumerate() {
            let context = Context { detached: context.detached || multi, piped: position > 0, ..context.clone() };
            self.command(command, &context);
        }
    }

    fn command(&mut self, command: &Command, context: &Context) {
        match command {
            Command::Simple(simple) => self.simple(simple, context),
            Command::Compound(compound, redirects) => {
                self.compound(compound, context);
                for redirect in redirects.iter().flat_map(|r| r.0.iter()) {
                    self.redirect_scripts(redirect, context);
                }
            }
            Command::Function(function) => {
                let context = Context { function: Some(function.fname.value.clone()), ..context.clone() };
                self.compound(&function.body.0, &context);
            }
            Command::ExtendedTest(test, _) => self.extended_test(&test.expr, context),
        }
    }

    fn compound(&mut self, compound: &CompoundCommand, context: &Context) {
        match compound {
            CompoundCommand::BraceGroup(group) => self.compound_list(&group.list, context),
            CompoundCommand::Subshell(subshell) => self.compound_list(&subshell.list, context),
            CompoundCommand::ForClause(clause) => {
                for value in clause.values.iter().flatten() {
                    self.word_scripts(&value.value, context);
                }
                self.compound_list(&clause.body.list, context);
            }
            CompoundCommand::CaseClause(clause) => {
                self.word_scripts(&clause.value.value, context);
                for case in &clause.cases {
                    for pattern in &case.patterns {
                        self.word_scripts(&pattern.value, context);
                    }
                    if let Some(list) = &case.cmd {
                        self.compound_list(list, context);
                    }
                }
            }
            CompoundCommand::IfClause(clause) => {
                self.compound_list(&clause.condition, context);
                self.compound_list(&clause.then, context);
                for branch in clause.elses.iter().flatten() {
                    if let Some(condition) = &branch.condition {
                        self.compound_list(condition, context);
                    }
                    self.compound_list(&branch.body, context);
                }
            }
            CompoundCommand::WhileClause(clause) | CompoundCommand::UntilClause(clause) => {
                self.compound_list(&clause.0, context);
                self.compound_list(&clause.1.list, context);
            }
            CompoundCommand::Arithmetic(arithmetic) => self.arithmetic_scripts(&arithmetic.expr.value, context),
            CompoundCommand::ArithmeticForClause(clause) => {
                for expr in [&clause.initializer, &clause.condition, &clause.updater].into_iter().flatten() {
                    self.arithmetic_scripts(&expr.value, context);
                }
                self.compound_list(&clause.body.list, context);
            }
            CompoundCommand::Coprocess(coprocess) => {
                let context = Context { detached: true, ..context.clone() };
                self.command(&coprocess.body, &context);
            }
        }
    }

    fn extended_test(&mut self, expr: &ast::ExtendedTestExpr, context: &Context) {
        use ast::ExtendedTestExpr as E;
        match expr {
            E::And(a, b) | E::Or(a, b) => {
                self.extended_test(a, context);
                self.extended_test(b, context);
            }
            E::Not(inner) | E::Parenthesized(inner) => self.extended_test(inner, context),
            E::UnaryTest(_, word) => self.word_scripts(&word.value, context),
            E::BinaryTest(_, left, right) => {
                self.word_scripts(&left.value, context);
                self.word_scripts(&right.value, context);
            }
        }
    }

    fn simple(&mut self, simple: &ast::SimpleCommand, context: &Context) {
        let mut text = Vec::new();
        let mut words = Vec::new();
        let mut redirects = Vec::new();
        let mut here = None;
        let mut nested = Vec::new();
        let items = simple.prefix.iter().flat_map(|p| p.0.iter()).chain(simple.suffix.iter().flat_map(|s| s.0.iter()));
        let command_word = simple.word_or_name.iter();
        // Prefix first, then the command word, then the suffix: reading order.
        let prefix_len = simple.prefix.as_ref().map_or(0, |p| p.0.len());
        for (position, item) in items.enumerate() {
            if position == prefix_len {
                for word in command_word.clone() {
                    text.push(word.value.clone());
                    words.push(ShellWord::parse(&word.value, &self.options));
                }
            }
            match item {
                CommandPrefixOrSuffixItem::Word(word) => {
                    text.push(word.value.clone());
                    words.push(ShellWord::parse(&word.value, &self.options));
                }
                CommandPrefixOrSuffixItem::AssignmentWord(_, word) => {
                    text.push(word.value.clone());
                    let parsed = ShellWord::parse(&word.value, &self.options);
                    // After the command word (`alias x=sudo`, `export A=b`) it is an
                    // argument, whose substitutions are collected with the others.
                    if position >= prefix_len {
                        words.push(parsed);
                    } else {
                        nested.extend(parsed.substitutions);
                    }
                }
                CommandPrefixOrSuffixItem::IoRedirect(redirect) => {
                    match redirect {
                        IoRedirect::File(_, kind, IoFileRedirectTarget::Filename(target)) => {
                            let writes = !matches!(kind, IoFileRedirectKind::Read | IoFileRedirectKind::DuplicateInput);
                            redirects.push((writes, ShellWord::parse(&target.value, &self.options)));
                        }
                        IoRedirect::HereString(_, word) => here = Some(ShellWord::parse(&word.value, &self.options)),
                        IoRedirect::HereDocument(_, doc) => here = Some(here_document(doc, &self.options)),
                        _ => {}
                    }
                    self.redirect_scripts(redirect, context);
                }
                CommandPrefixOrSuffixItem::ProcessSubstitution(_, subshell) => {
                    // An operand whose value (a `/dev/fd/N` path) exists only at run time.
                    text.push("<(…)".to_owned());
                    words.push(ShellWord { raw: "<(…)".to_owned(), literal: None, substitutions: Vec::new() });
                    self.compound_list(&subshell.list, context);
                }
            }
        }
        if prefix_len
            >= simple.prefix.iter().flat_map(|p| p.0.iter()).count()
                + simple.suffix.iter().flat_map(|s| s.0.iter()).count()
        {
            for word in command_word {
                text.push(word.value.clone());
                words.push(ShellWord::parse(&word.value, &self.options));
            }
        }
        let stdin = match (&here, context.piped) {
            (Some(word), _) => Stdin::Text(word),
            (None, true) => Stdin::Pipe,
            (None, false) => Stdin::Inherited,
        };
        let invocation = resolve(&words, stdin);
        let index = self.out.segments.len() + 1;
        if index > self.limits.max_segments {
            return self.refuse(None, format!("the command has more than {} segments", self.limits.max_segments));
        }
        nested.extend(words.iter().flat_map(|w| w.substitutions.iter().cloned()));
        if let Invocation::Command(resolved) = &invocation {
            nested.extend(resolved.scripts.iter().cloned());
        }
        self.out.segments.push(Segment {
            index,
            text: text.join(" "),
            words,
            invocation,
            redirects,
            parent: context.parent,
            function: context.function.clone(),
            detached: context.detached,
        });
        for script in nested {
            self.script(&script, Some(index), context.depth + 1);
        }
    }

    fn redirect_scripts(&mut self, redirect: &IoRedirect, context: &Context) {
        match redirect {
            IoRedirect::File(_, _, IoFileRedirectTarget::ProcessSubstitution(_, subshell)) => {
                self.compound_list(&subshell.list, context);
            }
            IoRedirect::File(_, _, IoFileRedirectTarget::Filename(word) | IoFileRedirectTarget::Duplicate(word))
            | IoRedirect::HereString(_, word)
            | IoRedirect::OutputAndError(word, _) => self.word_scripts(&word.value, context),
            IoRedirect::HereDocument(_, doc) => {
                for script in here_document(doc, &self.options).substitutions {
                    self.script(&script, context.parent, context.depth + 1);
                }
            }
            IoRedirect::File(_, _, IoFileRedirectTarget::Fd(_)) => {}
        }
    }

    /// Scripts run by expanding a word that is not a command's own (a `for` list, a
    /// `case` subject, a redirection target).
    fn word_scripts(&mut self, raw: &str, context: &Context) {
        for script in ShellWord::parse(raw, &self.options).substitutions {
            self.script(&script, context.parent, context.depth + 1);
        }
    }

    /// An arithmetic body is also analysed as a script: brush reads `( ( cmd ) )` —
    /// nested subshells to bash — as the arithmetic command `(( cmd ))`, and a real
    /// arithmetic expression parses as a command no rule matches.
    fn arithmetic_scripts(&mut self, expression: &str, context: &Context) {
        self.word_scripts(&format!("\"{expression}\""), context);
        self.script(expression, context.parent, context.depth + 1);
    }
}

/// A here-document body as a word: expanded like a double-quoted string unless its
/// delimiter was quoted.
fn here_document(doc: &ast::IoHereDocument, options: &ParserOptions) -> ShellWord {
    if !doc.requires_expansion {
        let quoted = format!("'{}'", doc.doc.value.replace('\'', "'\\''"));
        return ShellWord::parse(&quoted, options);
    }
    let mut word = ShellWord::parse(&format!("\"{}\"", doc.doc.value.replace('"', "\\\"")), options);
    word.raw.clone_from(&doc.doc.value);
    word
}

/// An upper bound on how deeply `text` nests, computed without parsing: brackets, and
/// the compound keywords that open and close blocks. Quotes are ignored on purpose —
/// the bound may overestimate, never underestimate.
fn nesting(text: &str) -> usize {
    let (mut depth, mut max) = (0usize, 0usize);
    let mut word = String::new();
    let close_word = |word: &mut String, depth: &mut usize, max: &mut usize| {
        match word.as_str() {
            "if" | "case" | "while" | "until" | "for" | "select" => *depth += 1,
            "fi" | "esac" | "done" => *depth = depth.saturating_sub(1),
            _ => {}
        }
        *max = (*max).max(*depth);
        word.clear();
    };
    for c in text.chars() {
        match c {
            '(' | '{' => {
                close_word(&mut word, &mut depth, &mut max);
                depth += 1;
                max = max.max(depth);
            }
            ')' | '}' => {
                close_word(&mut word, &mut depth, &mut max);
                depth = depth.saturating_sub(1);
            }
            c if c.is_whitespace() || matches!(c, ';' | '&' | '|' | '`') => close_word(&mut word, &mut depth, &mut max),
            c => word.push(c),
        }
    }
    close_word(&mut word, &mut depth, &mut max);
    max
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(command: &str) -> Vec<String> {
        let parsed = parse(command, &Limits::default());
        assert!(parsed.refusals.is_empty(), "{command}: {:?}", parsed.refusals);
        parsed.segments.into_iter().map(|s| s.text).collect()
    }

    #[test]
    fn every_operator_splits_segments() {
        assert_eq!(texts("a && b || c; d | e & f\ng"), ["a", "b", "c", "d", "e", "f", "g"]);
    }

    #[test]
    fn nested_commands_follow_their_parent() {
        assert_eq!(texts("echo $(sudo id) `whoami`"), ["echo $(sudo id) `whoami`", "sudo id", "whoami"]);
        assert_eq!(texts("diff <(ls a) <(ls b)"), ["ls a", "ls b", "diff <(…) <(…)"]);
        assert_eq!(texts("(cd /; ls) && { pwd; }"), ["cd /", "ls", "pwd"]);
        assert_eq!(texts("x=$(sudo id) ls"), ["x=$(sudo id) ls", "sudo id"]);
        assert_eq!(texts("export x=$(sudo id)"), ["export x=$(sudo id)", "sudo id"]);
    }

    #[test]
    fn control_flow_and_function_bodies_are_walked() {
        let all = texts(
            "if a; then b; elif c; then d; else e; fi; while f; do g; done; for x in $(h); do i; done; case $(j) in k) l;; esac; m() { n; }",
        );
        assert_eq!(all, ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "l", "n"]);
    }

    #[test]
    fn scripts_run_by_commands_are_segments_too() {
        assert_eq!(texts("bash -c 'sudo id'"), ["bash -c 'sudo id'", "sudo id"]);
        assert_eq!(texts("eval \"rm -rf /\""), ["eval \"rm -rf /\"", "rm -rf /"]);
        assert_eq!(texts("find . -exec rm -rf / \\;"), ["find . -exec rm -rf / \\;", "rm -rf /"]);
        assert_eq!(texts("bash <<< 'sudo id'"), ["bash", "sudo id"]);
    }

    #[test]
    fn pipelines_and_background_are_detached() {
        let parsed = parse("a | b; c &", &Limits::default());
        let detached: Vec<bool> = parsed.segments.iter().map(|s| s.detached).collect();
        assert_eq!(detached, [true, true, true]);
        assert!(!parse("a; b", &Limits::default()).segments.iter().any(|s| s.detached));
    }

    #[test]
    fn limits_refuse_instead_of_overflowing() {
        let deep = format!("{}ls{}", "(".repeat(10_000), ")".repeat(10_000));
        let parsed = parse(&deep, &Limits::default());
        assert_eq!(parsed.segments.len(), 0);
        assert!(parsed.refusals.first().is_some_and(|r| r.message.contains("nests")));
        // Spaced: `((` would open an arithmetic command.
        let ok = format!("{}ls{}", "( ".repeat(6), " )".repeat(6));
        assert_eq!(texts(&ok), ["ls"]);
    }

    /// brush reads `( ( cmd ) )` as arithmetic; bash runs `cmd`.
    #[test]
    fn spaced_nested_subshells_are_not_mistaken_for_arithmetic() {
        assert_eq!(texts("( ( sudo id ) )"), ["sudo id"]);
        assert!(texts("(( i = 1 + 2 ))").iter().all(|t| !t.contains("sudo")));
    }

    #[test]
    fn unparseable_text_is_refused() {
        assert!(!parse("echo 'unterminated", &Limits::default()).refusals.is_empty());
    }
}
