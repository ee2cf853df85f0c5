//! Shell text → every simple command it contains, wherever it is.
//!
//! `&&`, `||`, `;`, `|`, `&`, newlines, `( … )`, `{ …; }`, `$( … )`, backticks,
//! `<( … )`, `if`/`while`/`for`/`case` bodies, function bodies, and the scripts that
//! `sh -c`, `eval`, `find -exec` and friends run: each simple command becomes a
//! [`Segment`], numbered in reading order (a command before what it contains).
//!
//! The walk follows what bash does statically: brace expansion, variables assigned in
//! the script, the working directory through `cd`, what feeds each command's input
//! (a pipe, a here-string — also one given to a whole `{ …; }` group — or a file
//! descriptor opened by `exec 3<<<…`), where its output goes, and which files the
//! script itself writes (running one of those is running text nobody has seen).
//!
//! Input is bounded before it reaches the parser — length, nesting, script depth — so
//! no command can exhaust the stack or the clock; what exceeds a bound is a
//! [`Refusal`], which the hard-deny layer turns into a denial.

use std::cell::Cell;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use brush_parser::ast::{
    self, AndOrList, AssignmentName, AssignmentValue, Command, CommandPrefixOrSuffixItem, CompoundCommand,
    CompoundList, IoFileRedirectKind, IoFileRedirectTarget, IoRedirect, Pipeline, ProcessSubstitutionKind,
    SeparatorOperator,
};
use brush_parser::{Parser, ParserOptions};

use super::cwd::Cwd;
use super::embedded::{self, Exemption, Mode};
use super::invocation::{Invocation, Stdin, Surroundings, descriptor_path, feed_xargs, resolve};
use super::programs;
use super::programs::command_key;
use super::vars::Variables;
use super::word::{EXPANSION_BUDGET, Scope, ShellWord, expand_braces};

/// How many scripts found in strings one command may hold before it is refused.
const MAX_SPECULATIVE_SCRIPTS: usize = 4096;

/// Command words by which a function runs its own arguments.
const RUNS_ARGUMENTS: &[&str] = &["$@", "\"$@\"", "${@}", "\"${@}\"", "$*", "\"$*\"", "$1", "\"$1\""];

/// Bounds on what is analysed; beyond them a command is refused, never half-read.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
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

/// Where a script starts: its working directory (`None`: unknown) and what `~` means.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Start<'a> {
    pub cwd: Option<&'a Path>,
    pub user_home: Option<&'a Path>,
}

/// One simple command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    /// 1-based, in reading order.
    pub index: usize,
    /// The command as written (assignments and words, quotes kept).
    pub text: String,
    /// The command word and its arguments, brace-expanded (assignments and
    /// redirections excluded).
    pub words: Vec<ShellWord>,
    /// The values of its assignments (`PAGER=… git log`, `export X=…`): text that a
    /// later expansion or the command may run.
    pub assignments: Vec<ShellWord>,
    pub invocation: Invocation,
    pub redirects: Vec<Redirect>,
    pub stdin: Stdin,
    pub stdout: Stdout,
    /// For a command found inside a string another command is given (`awk
    /// 'BEGIN{system("…")}'`), that string: such a segment is read speculatively.
    pub found_in: Option<String>,
    /// Why its arguments are only names to it (`man kill`), when they are.
    pub names_only: Option<&'static str>,
    /// Index in `words` of the first word after which an argument that prose
    /// (`git commit -m "kill the bug"`) is not taken for a command.
    pub prose: Vec<usize>,
    /// The segment whose expansion or arguments contain this one.
    pub parent: Option<usize>,
    /// The function whose body this is in, if any.
    pub function: Option<String>,
    /// Runs in the background (`&`, `coproc`).
    pub background: bool,
    /// Runs as one stage of a multi-command pipeline.
    pub piped: bool,
    /// Where it may run (shared by the segments a `cd` does not separate).
    pub cwd: Arc<Cwd>,
    /// Where it may run besides: directories its options name (`tar -C DIR`, `env -C DIR`).
    pub option_dirs: Vec<PathBuf>,
}

/// A redirection's target and whether it is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redirect {
    pub writes: bool,
    pub target: ShellWord,
}

/// Where a command's standard output goes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Stdout {
    /// Wherever the script's goes: the caller reads it.
    #[default]
    Inherited,
    /// A file, or a process substitution.
    File,
    /// The next stage of a pipeline, with its command name when that is static.
    Pipe { into: Option<String> },
}

/// Why a command was not (fully) analysed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// The segment it concerns, when there is one.
    pub segment: Option<usize>,
    /// The word it concerns, when there is one.
    pub word: Option<String>,
    pub message: String,
}

impl Segment {
    /// Whether the segment is its command and arguments alone: no variable assignments
    /// (`LD_PRELOAD=… git status`), no redirections and no wrapper (`env X=… git`), all
    /// of which change what runs or where its output goes. Only such a segment can be
    /// the command a human approved.
    pub(crate) fn is_bare(&self) -> bool {
        let unwrapped = matches!(&self.invocation, Invocation::Command(resolved) if resolved.through.is_empty() && resolved.at == 0);
        unwrapped && self.assignments.is_empty() && self.redirects.is_empty()
    }

    /// The command's name and the literal arguments up to the first one only known at
    /// run time: what an approval's `verbTokens` are compared with.
    pub(crate) fn verb_words(&self) -> Option<Vec<String>> {
        let Invocation::Command(resolved) = &self.invocation else { return None };
        let args = self.words.get(resolved.args()..).unwrap_or_default();
        let literal = args.iter().map_while(|word| word.text().map(str::to_owned));
        Some(std::iter::once(resolved.name.clone()).chain(literal).collect())
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParsedCommand {
    pub segments: Vec<Segment>,
    pub refusals: Vec<Refusal>,
    /// Names of the functions the script defines.
    pub functions: BTreeSet<String>,
    /// Symbolic links the script makes (`ln -s ~ /tmp/h`): link → target, resolved.
    pub links: Vec<(PathBuf, PathBuf)>,
}

pub(crate) fn parse(text: &str, limits: &Limits, start: &Start<'_>) -> ParsedCommand {
    let cwd = Arc::new(start.cwd.map_or_else(Cwd::unknown, Cwd::at));
    let mut walker = Walker {
        limits,
        expansions: Cell::new(EXPANSION_BUDGET),
        options: ParserOptions::default(),
        out: ParsedCommand::default(),
        vars: Variables::default(),
        cwd,
        user_home: start.user_home.map(Path::to_path_buf),
        descriptors: HashMap::new(),
        written: Vec::new(),
        source: String::new(),
        wrapper_functions: HashSet::new(),
        stdin: Stdin::Inherited,
        speculative_scripts: 0,
    };
    if text.contains('\0') {
        walker.refuse(None, "the command contains a NUL byte, which shells read in different ways".to_owned());
        return walker.out;
    }
    walker.script(text, &Context::default());
    if let Some((evaluated, source)) = super::arithmetic::runtime_arithmetic(text) {
        let segment = Some(walker.out.segments.len().max(1));
        let message = format!(
            "`{evaluated}` evaluates arithmetic and `{source}` brings in text only known at run time: bash runs any `a[$(…)]` in such text"
        );
        walker.out.refusals.push(Refusal { segment, word: Some(evaluated), message });
    }
    walker.out
}

struct Walker<'l> {
    limits: &'l Limits,
    /// What is left of [`EXPANSION_BUDGET`] for the whole text.
    expansions: Cell<usize>,
    options: ParserOptions,
    out: ParsedCommand,
    vars: Variables,
    cwd: Arc<Cwd>,
    user_home: Option<PathBuf>,
    /// Input descriptors opened by `exec N<…`.
    descriptors: HashMap<i32, Stdin>,
    /// Files the script writes, resolved.
    written: Vec<PathBuf>,
    /// The text of the script being walked (for source positions).
    source: String,
    /// Functions that run their arguments (`run() { "$@"; }`): calls are wrappers.
    wrapper_functions: HashSet<String>,
    /// What the script's own input is, once `exec <…` has changed it.
    stdin: Stdin,
    /// How many scripts found in strings have been analysed so far.
    speculative_scripts: usize,
}

/// Where a command sits, as far as the rules care.
#[derive(Debug, Clone, Default)]
struct Context {
    parent: Option<usize>,
    function: Option<String>,
    background: bool,
    piped: bool,
    depth: usize,
    /// Not on the straight-line path: a branch, a loop, a function, a subshell.
    conditional: bool,
    /// Input imposed by an enclosing group's redirection or a pipeline.
    stdin: Option<Stdin>,
    stdout: Option<Stdout>,
    /// Inside a script found in a string (the string, as written): read speculatively.
    found_in: Option<String>,
    /// How many strings deep that is: a string in a string is read, one more is not.
    speculation: u8,
    /// A script the current shell runs (`eval`, `source`, `trap`, an alias): its `cd`
    /// moves the commands after it.
    same_shell: bool,
}

impl Context {
    fn conditional(&self) -> Self {
        Self { conditional: true, ..self.clone() }
    }
}

impl Walker<'_> {
    /// A refusal about `word` of a construct that is not a segment itself (`[[ … ]]`,
    /// `(( … ))`): it names the segment it is in, else the last one before it.
    fn refuse_word(&mut self, context: &Context, word: &str, message: String) {
        let segment = context.parent.unwrap_or_else(|| self.out.segments.len().max(1));
        self.out.refusals.push(Refusal { segment: Some(segment), word: Some(word.trim().to_owned()), message });
    }

    fn refuse(&mut self, segment: Option<usize>, message: String) {
        self.out.refusals.push(Refusal { segment, word: None, message });
    }

    fn scope(&self) -> Scope<'_> {
        Scope { options: &self.options, vars: &self.vars, cwd: &self.cwd, budget: &self.expansions }
    }

    fn word(&self, raw: &str) -> ShellWord {
        ShellWord::parse(raw, &self.scope())
    }

    /// A script: the whole text, or one that a command runs (`sh -c`, `$( … )`).
    fn script(&mut self, text: &str, context: &Context) {
        let parent = context.parent;
        let speculative = context.found_in.is_some();
        if speculative
            && (context.depth > self.limits.max_script_depth
                || text.len() > self.limits.max_bytes
                || nesting(text) > self.limits.max_nesting)
        {
            return;
        }
        if context.depth > self.limits.max_script_depth {
            return self.refuse(parent, format!("scripts nest more than {} levels deep", self.limits.max_script_depth));
        }
        if text.len() > self.limits.max_bytes {
            return self.refuse(parent, format!("the command is longer than {} bytes", self.limits.max_bytes));
        }
        if nesting(text) > self.limits.max_nesting {
            return self.refuse(parent, format!("the command nests more than {} levels deep", self.limits.max_nesting));
        }
        let program = match self.parse_program(text) {
            Ok(program) => program,
            // A string that is not quite shell text (`sudo id 1>&0 2>`, cut from a
            // longer string) is read up to what a shell would reject; else it is prose.
            Err(_) if speculative => match speculative_fallback(text).and_then(|t| self.parse_program(&t).ok()) {
                Some(program) => program,
                None => return,
            },
            Err(message) => return self.refuse(parent, message),
        };
        self.vars.enter(&program);
        let saved_cwd = self.cwd.clone();
        let saved_source = std::mem::replace(&mut self.source, text.to_owned());
        for list in &program.complete_commands {
            self.compound_list(list, context);
        }
        self.source = saved_source;
        // A nested script runs in its own shell (`bash -c`, `$( … )`): a `cd` in it
        // does not move its parent. One the shell runs itself may, or may not have run.
        if context.same_shell {
            let moved = std::mem::replace(&mut self.cwd, saved_cwd);
            Arc::make_mut(&mut self.cwd).merge(&moved);
        } else if context.depth > 0 {
            self.cwd = saved_cwd;
        }
        self.vars.leave();
    }

    fn parse_program(&self, text: &str) -> Result<ast::Program, String> {
        let attempt = |text: &str| {
            let mut parser = Parser::new(text.as_bytes(), &self.options);
            // brush-parser has `unwrap`s of its own; a panic in it is a refusal, not a crash.
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| parser.parse_program()))
        };
        match attempt(text) {
            Ok(Ok(program)) => Ok(program),
            // brush does not know `select`, which loops exactly like `for`.
            Ok(Err(_)) if text.contains("select") => match attempt(&select_as_for(text)) {
                Ok(Ok(program)) => Ok(program),
                _ => Err("the shell text does not parse".to_owned()),
            },
            Ok(Err(err)) => Err(format!("the shell text does not parse: {err}")),
            Err(_) => Err("the shell parser failed on this text".to_owned()),
        }
    }

    fn compound_list(&mut self, list: &CompoundList, context: &Context) {
        for item in &list.0 {
            let background = matches!(item.1, SeparatorOperator::Async);
            let context = if background {
                Context { background: true, conditional: true, ..context.clone() }
            } else {
                context.clone()
            };
            self.and_or(&item.0, &context);
        }
    }

    fn and_or(&mut self, list: &AndOrList, context: &Context) {
        self.pipeline(&list.first, context);
        for next in &list.additional {
            let (ast::AndOr::And(pipeline) | ast::AndOr::Or(pipeline)) = next;
            self.pipeline(pipeline, &context.conditional());
        }
    }

    fn pipeline(&mut self, pipeline: &Pipeline, context: &Context) {
        if pipeline.seq.len() < 2 {
            for command in &pipeline.seq {
                self.command(command, context);
            }
            return;
        }
        // Each stage runs in a subshell: what it changes stays there.
        let saved_cwd = self.cwd.clone();
        let last = pipeline.seq.len() - 1;
        for (position, command) in pipeline.seq.iter().enumerate() {
            let stdout = if position < last {
                Some(Stdout::Pipe { into: pipeline.seq.get(position + 1).and_then(|c| self.command_name(c)) })
            } else {
                context.stdout.clone()
            };
            // What `echo`/`printf` of static text print is known (`echo 'ls -la' | bash`).
            let previous = position.checked_sub(1).and_then(|p| pipeline.seq.get(p));
            let printed = previous.and_then(|c| self.printed_text(c));
            // A shell or interpreter fed a file's copy still runs what it reads.
            let runs_input = || {
                self.command_name(command).is_some_and(|n| {
                    let n = n.rsplit('/').next().unwrap_or(&n).to_lowercase();
                    programs::is_shell(&n) || programs::interpreter(&n).is_some() || n == "source" || n == "."
                })
            };
            let catted = previous.and_then(|c| self.catted_file(c)).filter(|_| !runs_input());
            let stdin = match (position, printed, catted) {
                (0, _, _) => context.stdin.clone(),
                (_, Some(text), _) => Some(Stdin::Text(ShellWord::literal(&text))),
                // `cat dump.sql | psql` reads the file as `psql < dump.sql` does.
                (_, None, Some(file)) => Some(Stdin::File(file)),
                (_, None, None) => Some(Stdin::Pipe),
            };
            let stage = Context { piped: true, conditional: true, stdin, stdout, ..context.clone() };
            self.command(command, &stage);
            self.cwd = saved_cwd.clone();
        }
    }

    /// The file a simple `cat FILE…` (or `zcat`, `gunzip -c`…) copies out, when that is
    /// all it does: a stage fed by it reads a file, not a stream of unknown origin.
    fn catted_file(&self, command: &Command) -> Option<ShellWord> {
        const COPIERS: &[&str] =
            &["cat", "zcat", "gzcat", "bzcat", "xzcat", "zstdcat", "lz4cat", "gunzip", "gzip", "bunzip2", "xz", "zstd"];
        let Command::Simple(simple) = command else { return None };
        if simple.prefix.is_some() {
            return None;
        }
        let name = super::invocation::command_name(&self.word(&simple.word_or_name.as_ref()?.value)).ok()?;
        if !COPIERS.contains(&name.as_str()) {
            return None;
        }
        let mut files = Vec::new();
        for item in simple.suffix.iter().flat_map(|s| s.0.iter()) {
            let CommandPrefixOrSuffixItem::Word(word) = item else { return None };
            let word = self.word(&word.value);
            match word.text() {
                Some("-c" | "-d" | "-dc" | "-cd" | "-k") => {}
                Some(text) if !text.starts_with('-') && descriptor_path(text).is_none() && !word.open => {
                    files.push(word)
                }
                _ => return None,
            }
        }
        (!files.is_empty()).then(|| files.swap_remove(0))
    }

    /// What a simple `echo` or `printf` of static words prints, when that is all it does.
    fn printed_text(&self, command: &Command) -> Option<String> {
        let Command::Simple(simple) = command else { return None };
        if simple.prefix.is_some() {
            return None;
        }
        let name = super::invocation::command_name(&self.word(&simple.word_or_name.as_ref()?.value)).ok()?;
        let mut args = Vec::new();
        for item in simple.suffix.iter().flat_map(|s| s.0.iter()) {
            let CommandPrefixOrSuffixItem::Word(word) = item else { return None };
            args.push(self.word(&word.value).plain()?.to_owned());
        }
        match name.as_str() {
            "echo" => {
                let flags = args
                    .iter()
                    .take_while(|a| a.len() > 1 && a.starts_with('-') && a.chars().skip(1).all(|c| "neE".contains(c)));
                let escapes = flags.clone().any(|f| f.contains('e'));
                let skip = flags.count();
                let text = args.get(skip..).unwrap_or_default().join(" ");
                Some(if escapes { unescape(&text) } else { text })
            }
            "printf" => {
                let (format, values) = args.split_first()?;
                let mut values = values.iter();
                let mut out = String::new();
                let mut rest = format.as_str();
                while let Some(at) = rest.find('%') {
                    out.push_str(rest.get(..at)?);
                    let spec = rest.get(at + 1..at + 2)?;
                    if spec == "%" {
                        out.push('%');
                    } else {
                        out.push_str(values.next().map_or("", String::as_str));
                    }
                    rest = rest.get(at + 2..)?;
                }
                out.push_str(rest);
                Some(unescape(&out))
            }
            _ => None,
        }
    }

    /// The static command name of a simple command, lowercase, for pipeline targets.
    fn command_name(&self, command: &Command) -> Option<String> {
        let Command::Simple(simple) = command else { return None };
        let word = self.word(&simple.word_or_name.as_ref()?.value);
        super::invocation::command_name(&word).ok()
    }

    fn command(&mut self, command: &Command, context: &Context) {
        match command {
            Command::Simple(simple) => self.simple(simple, context),
            Command::Compound(compound, redirects) => {
                let context = match redirects {
                    Some(list) if !list.0.is_empty() => self.group_redirects(&list.0, context),
                    _ => context.clone(),
                };
                self.compound(compound, &context);
            }
            Command::Function(function) => {
                self.out.functions.insert(function.fname.value.clone());
                let context = Context { function: Some(function.fname.value.clone()), ..context.conditional() };
                let context = match &function.body.1 {
                    Some(list) if !list.0.is_empty() => self.group_redirects(&list.0, &context),
                    _ => context,
                };
                self.compound(&function.body.0, &context);
            }
            Command::ExtendedTest(test, _) => self.extended_test(&test.expr, context),
        }
    }

    /// The redirections of a whole group or loop (`while …; done < secrets.json`,
    /// `{ bash; } <<< '…'`): a segment of their own, so their paths are checked, and
    /// the input and output of every command inside.
    fn group_redirects(&mut self, redirects: &[IoRedirect], context: &Context) -> Context {
        let mut io = Io::default();
        for redirect in redirects {
            self.redirect(redirect, &mut io, context);
        }
        let stdin = io.stdin.clone().or_else(|| context.stdin.clone());
        let stdout = io.stdout.clone().or_else(|| context.stdout.clone());
        let text = redirects.iter().map(ToString::to_string).collect::<Vec<_>>().join(" ");
        self.push_segment(
            Segment {
                index: 0,
                text,
                words: Vec::new(),
                assignments: Vec::new(),
                invocation: Invocation::Empty,
                redirects: io.redirects,
                stdin: stdin.clone().unwrap_or_default(),
                stdout: stdout.clone().unwrap_or_default(),
                found_in: context.found_in.clone(),
                names_only: None,
                prose: Vec::new(),
                parent: context.parent,
                function: context.function.clone(),
                background: context.background,
                piped: context.piped,
                cwd: self.cwd.clone(),
                option_dirs: Vec::new(),
            },
            io.scripts,
            Vec::new(),
            context,
        );
        Context { stdin, stdout, ..context.clone() }
    }

    fn compound(&mut self, compound: &CompoundCommand, context: &Context) {
        let inner = context.conditional();
        match compound {
            CompoundCommand::BraceGroup(group) => self.compound_list(&group.list, context),
            CompoundCommand::Subshell(subshell) => {
                let saved_cwd = self.cwd.clone();
                self.compound_list(&subshell.list, &inner);
                self.cwd = saved_cwd;
            }
            CompoundCommand::ForClause(clause) => {
                for value in clause.values.iter().flatten() {
                    self.word_scripts(&value.value, context);
                }
                // `for c in ls sudo`: on a straight line, a static list runs the body
                // with the variable set to one of its words, never to an inherited value.
                let values = clause.values.iter().flatten();
                let static_list = clause.values.as_ref().is_some_and(|v| !v.is_empty())
                    && values.clone().all(|v| self.word(&v.value).value().is_some_and(|l| l.glob.is_none()));
                if static_list && !context.conditional {
                    self.vars.mark_assigned(&clause.variable_name);
                }
                self.compound_list(&clause.body.list, &inner);
            }
            CompoundCommand::CaseClause(clause) => {
                self.word_scripts(&clause.value.value, context);
                for case in &clause.cases {
                    for pattern in &case.patterns {
                        self.word_scripts(&pattern.value, context);
                    }
                    if let Some(list) = &case.cmd {
                        self.compound_list(list, &inner);
                    }
                }
            }
            CompoundCommand::IfClause(clause) => {
                self.compound_list(&clause.condition, context);
                self.compound_list(&clause.then, &inner);
                for branch in clause.elses.iter().flatten() {
                    if let Some(condition) = &branch.condition {
                        self.compound_list(condition, &inner);
                    }
                    self.compound_list(&branch.body, &inner);
                }
            }
            CompoundCommand::WhileClause(clause) | CompoundCommand::UntilClause(clause) => {
                self.compound_list(&clause.0, &inner);
                self.compound_list(&clause.1.list, &inner);
            }
            CompoundCommand::Arithmetic(arithmetic) => {
                // `((` is arithmetic; `( (` — which brush reads the same — is two subshells.
                let start = arithmetic.loc.start.index;
                let spaced = self.source.chars().skip(start).nth(1).is_some_and(char::is_whitespace);
                self.arithmetic(&arithmetic.expr.value, spaced, context);
            }
            CompoundCommand::ArithmeticForClause(clause) => {
                for expr in [&clause.initializer, &clause.condition, &clause.updater].into_iter().flatten() {
                    self.arithmetic(&expr.value, false, context);
                }
                self.compound_list(&clause.body.list, &inner);
            }
            CompoundCommand::Coprocess(coprocess) => {
                let context = Context { background: true, ..inner };
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
            E::UnaryTest(predicate, word) => {
                let evaluated = matches!(predicate, ast::UnaryPredicate::ShellVariableIsSetAndAssigned);
                self.test_operand(&word.value, evaluated, context);
            }
            E::BinaryTest(predicate, left, right) => {
                use ast::BinaryPredicate as B;
                let evaluated = matches!(
                    predicate,
                    B::ArithmeticEqualTo
                        | B::ArithmeticNotEqualTo
                        | B::ArithmeticLessThan
                        | B::ArithmeticLessThanOrEqualTo
                        | B::ArithmeticGreaterThan
                        | B::ArithmeticGreaterThanOrEqualTo
                );
                self.test_operand(&left.value, evaluated, context);
                self.test_operand(&right.value, evaluated, context);
            }
        }
    }

    /// `[[ … ]]` evaluates some operands as arithmetic (`-eq`, `-v`), and an array
    /// subscript there runs its substitutions even from a quoted literal
    /// (`[[ -v 'a[$(cmd)]' ]]`): such a literal is read as the expression it becomes.
    /// `evaluated`: the operator evaluates its operands as arithmetic, so a value only
    /// known at run time can run commands too ([`super::arithmetic::runs_unseen`]).
    fn test_operand(&mut self, raw: &str, evaluated: bool, context: &Context) {
        self.word_scripts(raw, context);
        let word = self.word(raw);
        if let Some(text) = word.text().filter(|t| t.contains("$(") || t.contains('`')) {
            self.arithmetic(text, false, context);
        }
        if !evaluated {
            return;
        }
        if word.open {
            let message = format!(
                "`{raw}` is only known at run time, and `[[` evaluates it as arithmetic, which runs any `a[$(…)]` it holds"
            );
            self.refuse_word(context, raw, message);
        }
        let unseen = word.values.iter().find_map(|value| super::arithmetic::runs_unseen(&value.text, &self.vars));
        if let Some(why) = unseen {
            self.refuse_word(context, raw, why);
        }
    }

    fn simple(&mut self, simple: &ast::SimpleCommand, context: &Context) {
        let mut text = Vec::new();
        let mut words = Vec::new();
        let mut assignments = Vec::new();
        // The ones whose variable holds a command (`PAGER=…`), to scan as commands.
        let mut command_assignments: Vec<(String, ShellWord)> = Vec::new();
        let mut assigned = Vec::new();
        let mut io = Io::default();
        let mut nested = Vec::new();
        let prefix: Vec<&CommandPrefixOrSuffixItem> = simple.prefix.iter().flat_map(|p| p.0.iter()).collect();
        let suffix: Vec<&CommandPrefixOrSuffixItem> = simple.suffix.iter().flat_map(|s| s.0.iter()).collect();
        let has_command = simple.word_or_name.is_some();
        for item in &prefix {
            self.item(item, &mut text, &mut words, &mut io, context);
            if let CommandPrefixOrSuffixItem::AssignmentWord(assignment, word) = item {
                text.push(word.value.clone());
                let values = self.assignment_values(assignment, &mut nested);
                let name = assignment_name(assignment);
                // Arrays hold commands (`cmd=(sudo id)`); a substitution kept as text
                // runs when the value is evaluated (`declare -i n; n='a[$(cmd)]'`).
                let array = matches!(assignment.value, AssignmentValue::Array(_));
                let evaluated = values.iter().filter_map(ShellWord::text).any(|t| t.contains("$(") || t.contains('`'));
                if command_key(&name) || array || evaluated {
                    command_assignments.extend(values.iter().map(|v| (name.clone(), v.clone())));
                }
                assignments.extend(values);
                if !has_command {
                    assigned.push(assignment_name(assignment));
                }
            }
        }
        if let Some(word) = &simple.word_or_name {
            text.push(word.value.clone());
            self.push_words(&word.value, &mut words, context.parent);
        }
        for item in &suffix {
            self.item(item, &mut text, &mut words, &mut io, context);
            if let CommandPrefixOrSuffixItem::AssignmentWord(assignment, word) = item {
                // After the command word (`export A=b`, `alias x=sudo`) it is an argument.
                text.push(word.value.clone());
                self.push_words(&word.value, &mut words, context.parent);
                assignments.extend(self.assignment_values(assignment, &mut nested));
            }
        }
        let inherited = context.stdin.clone().unwrap_or_else(|| self.stdin.clone());
        let stdin = io.stdin.clone().unwrap_or(inherited);
        let stdout = io.stdout.clone().or_else(|| context.stdout.clone()).unwrap_or_default();
        let invocation = self.invocation(&mut words, &stdin, &io, context);
        if let Invocation::Command(resolved) = &invocation {
            let arguments = words.get_mut(resolved.args()..).unwrap_or_default();
            evaluated_arguments(&resolved.name, arguments, &self.vars);
        }
        let (exemption, names_only, prose) = match &invocation {
            Invocation::Command(resolved) => {
                let exemption = exemption(resolved, &words, &stdout, &io.redirects);
                let names_only = match exemption {
                    Exemption::NamesOnly(entry) => Some(entry.why),
                    Exemption::Scan(_) => None,
                };
                (exemption, names_only, prose_words(resolved, &words))
            }
            _ => (Exemption::Scan(Mode::Shell), None, Vec::new()),
        };
        let scanned_assignments: Vec<ShellWord> = command_assignments.iter().map(|(_, w)| w.clone()).collect();
        let strings = match context.speculation {
            0 | 1 => embedded::strings(&words, &scanned_assignments, &stdin, &invocation, exemption, &prose),
            _ => Vec::new(),
        };
        let unknown = match &invocation {
            Invocation::Command(resolved) => embedded::unknown_code(
                Some(&resolved.name),
                words.get(resolved.args()..).unwrap_or_default(),
                &command_assignments,
            ),
            _ => embedded::unknown_code(None, &[], &command_assignments),
        };
        let scanned: Vec<(&embedded::Text<'_>, embedded::Scripts)> =
            strings.iter().map(|t| (t, embedded::scripts(t))).collect();
        let computed = scanned.iter().find_map(|(t, s)| Some((t.raw.to_owned(), s.computed.clone()?)));
        let mut found: Vec<(String, String, bool)> = scanned
            .into_iter()
            .flat_map(|(t, s)| s.found.into_iter().map(|s| (t.raw.to_owned(), s, t.is_code())))
            .collect();
        let mut seen_scripts = HashSet::new();
        found.retain(|(_, script, _)| seen_scripts.insert(script.clone()));
        self.speculative_scripts += found.len();
        if self.speculative_scripts > MAX_SPECULATIVE_SCRIPTS && context.found_in.is_none() {
            self.refuse(
                context.parent,
                format!("the strings in the command hold more than {MAX_SPECULATIVE_SCRIPTS} commands to analyse"),
            );
            found.clear();
        }
        // `gh pr create --body "$(cat <<EOF … EOF)"`: what fills a prose option is prose.
        let mut prose_text = Vec::new();
        for (i, word) in words.iter().enumerate() {
            let into = if prose.contains(&i) { &mut prose_text } else { &mut nested };
            into.extend(word.substitutions.iter().cloned());
        }
        nested.extend(assignments.iter().flat_map(|w| w.substitutions.iter().cloned()));
        nested.append(&mut io.scripts);
        // `export x=$(cmd)` is both a word and an assignment: run `cmd` once.
        let mut seen = HashSet::new();
        nested.retain(|script| seen.insert(script.clone()));
        let scripts = match &invocation {
            Invocation::Command(resolved) => resolved.scripts.clone(),
            _ => Vec::new(),
        };
        // What the command itself runs (`$(…)`, `sh -c`) is analysed for real already.
        found.retain(|(_, script, _)| !nested.contains(script) && !scripts.contains(script));
        let option_dirs = self.option_dirs(&words);
        let segment = Segment {
            index: 0,
            text: text.join(" "),
            words,
            assignments,
            invocation,
            redirects: std::mem::take(&mut io.redirects),
            stdin: stdin.clone(),
            stdout,
            found_in: context.found_in.clone(),
            names_only,
            prose,
            parent: context.parent,
            function: context.function.clone(),
            background: context.background,
            piped: context.piped,
            cwd: Arc::clone(&self.cwd),
            option_dirs,
        };
        let Some(index) = self.push_segment(segment, nested, scripts, context) else { return };
        let prose_context = Context {
            parent: Some(index),
            depth: context.depth + 1,
            stdin: None,
            stdout: Some(Stdout::Inherited),
            piped: false,
            background: false,
            same_shell: false,
            ..context.conditional()
        };
        for script in prose_text {
            self.script(&script, &prose_context);
        }
        // `BASH_ENV=FILE bash -c …`: a start-up file this command wrote.
        let start_up = command_assignments.iter().find(|(name, word)| {
            matches!(name.as_str(), "BASH_ENV" | "ENV" | "PYTHONSTARTUP")
                && word.values.iter().any(|v| self.paths_of(v).iter().any(|p| self.written.contains(p)))
        });
        if let Some((name, word)) = start_up {
            let message = format!("`{name}` names a file this command writes, which the shell runs at start-up");
            self.out.refusals.push(Refusal { segment: Some(index), word: Some(word.raw.clone()), message });
        }
        if let (Some((word, message)), None) = (unknown, &context.found_in) {
            self.out.refusals.push(Refusal { segment: Some(index), word: Some(word), message });
        }
        if let (Some((source, call)), None) = (computed, &context.found_in) {
            let message = format!("`{call}` runs a command the code computes, which nobody can see");
            self.out.refusals.push(Refusal { segment: Some(index), word: Some(source), message });
        }
        // Scripts found in strings: the segment's input goes on to them (`socat - EXEC:sh`).
        for (source, script, code) in found {
            let inner = Context {
                parent: Some(index),
                depth: context.depth + 1,
                stdin: Some(stdin.clone()),
                stdout: None,
                piped: false,
                background: false,
                found_in: Some(source),
                // Text cut from code is a guess already: its own words are not scanned again.
                speculation: if code { u8::MAX } else { context.speculation.saturating_add(1) },
                ..context.conditional()
            };
            self.script(&script, &inner);
        }
        if context.found_in.is_none() {
            self.after(index, &io, &assigned, context);
        }
    }

    /// What the words run, through wrappers, functions that run their arguments, and
    /// the input descriptors this command and the script have opened.
    fn invocation(&mut self, words: &mut Vec<ShellWord>, stdin: &Stdin, io: &Io, context: &Context) -> Invocation {
        let descriptor = |fd: i32| {
            let here = io.descriptors.iter().rev().find(|(n, _)| *n == fd).map(|(_, s)| s.clone());
            here.or_else(|| self.descriptors.get(&fd).cloned()).unwrap_or(Stdin::Unseen)
        };
        let surroundings = Surroundings { stdin, wrapper_functions: &self.wrapper_functions, descriptor: &descriptor };
        let mut invocation = resolve(words, &surroundings);
        if let Invocation::Command(resolved) = &invocation
            && resolved.through.iter().any(|w| w == "xargs")
            && feed_xargs(words)
        {
            invocation = resolve(words, &surroundings);
        }
        if let Invocation::Command(resolved) = &invocation
            && let Some((word, why)) = self.runs_written_file(words, resolved)
        {
            invocation = Invocation::Unresolved { word, why, reads_input: false };
        }
        // `bash < FILE` (or `cat FILE | bash`) of a file this command writes.
        if let (Invocation::Command(resolved), Stdin::File(file)) = (&invocation, stdin)
            && (programs::is_shell(&resolved.name) || programs::interpreter(&resolved.name).is_some())
            && file.values.iter().any(|v| self.paths_of(v).iter().any(|p| self.written.contains(p)))
        {
            let why = "it reads a script from a file this command writes, whose content is not analysed".to_owned();
            invocation = Invocation::Unresolved { word: file.raw.clone(), why, reads_input: false };
        }
        // `run() { "$@"; }`: the function runs its arguments; each call is checked instead.
        if let (Invocation::Unresolved { word, .. }, Some(function)) = (&invocation, &context.function)
            && RUNS_ARGUMENTS.contains(&word.as_str())
        {
            self.wrapper_functions.insert(function.to_lowercase());
            invocation = Invocation::Empty;
        }
        invocation
    }

    /// Directories a command's options make it work in (`tar -C DIR`, `env --chdir=DIR`,
    /// `git -C DIR`, `make -C DIR`): relative paths it is given may be under them.
    fn option_dirs(&self, words: &[ShellWord]) -> Vec<PathBuf> {
        let mut dirs = Vec::new();
        for (i, word) in words.iter().enumerate() {
            let Some(text) = word.text() else { continue };
            let value = match text {
                "-C" | "--chdir" | "--directory" | "--cwd" | "--workdir" | "-D" => words.get(i + 1),
                _ => None,
            };
            let attached =
                ["--chdir=", "--directory=", "--cwd=", "--workdir="].iter().find_map(|p| text.strip_prefix(p));
            let texts: Vec<&super::word::Literal> = match (value, attached) {
                (Some(value), _) => value.values.iter().collect(),
                _ => Vec::new(),
            };
            for literal in texts {
                dirs.extend(self.paths_of(literal));
            }
            if let Some(attached) = attached {
                dirs.extend(self.cwd.join(attached));
            }
        }
        dirs
    }

    /// A prefix or suffix item other than an assignment.
    fn item(
        &mut self,
        item: &CommandPrefixOrSuffixItem,
        text: &mut Vec<String>,
        words: &mut Vec<ShellWord>,
        io: &mut Io,
        context: &Context,
    ) {
        match item {
            CommandPrefixOrSuffixItem::Word(word) => {
                text.push(word.value.clone());
                self.push_words(&word.value, words, context.parent);
            }
            CommandPrefixOrSuffixItem::IoRedirect(redirect) => {
                text.push(redirect.to_string());
                self.redirect(redirect, io, context);
            }
            CommandPrefixOrSuffixItem::ProcessSubstitution(kind, subshell) => {
                // An operand whose value (a `/dev/fd/N` path) exists only at run time.
                text.push("<(…)".to_owned());
                // The raw word keeps the script, for what reads it to recognise (`source <(…)`).
                let raw = format!("<({})", subshell.list.to_string().trim().trim_end_matches(';'));
                words.push(ShellWord { open: true, values: Vec::new(), ..ShellWord::literal(&raw) });
                let stdin = matches!(kind, ProcessSubstitutionKind::Write).then_some(Stdin::Pipe);
                // It runs alongside the command (`f(){ cat <(f) <(f); }` forks without end).
                let inner = Context { stdin, stdout: None, background: true, ..context.conditional() };
                self.compound_list(&subshell.list, &inner);
            }
            CommandPrefixOrSuffixItem::AssignmentWord(..) => {}
        }
    }

    /// Brace-expands a raw word and parses each result; splits what the shell would.
    fn push_words(&mut self, raw: &str, words: &mut Vec<ShellWord>, parent: Option<usize>) {
        let Some(expanded) = expand_braces(raw, &self.options) else {
            self.refuse(parent, format!("`{raw}` brace-expands to too many words to follow"));
            words.push(ShellWord { open: true, values: Vec::new(), ..ShellWord::literal(raw) });
            return;
        };
        for raw in expanded {
            // `{sudo,} id`: an empty alternative is no word at all.
            if raw.is_empty() {
                continue;
            }
            let word = self.word(&raw);
            match word.value() {
                // `x="sudo id"; $x` runs `sudo` with `id`: unquoted expansions split.
                Some(value) if value.splits => {
                    words.extend(value.text.split_whitespace().map(|part| ShellWord {
                        raw: raw.clone(),
                        substitutions: word.substitutions.clone(),
                        ..ShellWord::literal(part)
                    }));
                }
                _ => words.push(word),
            }
        }
    }

    fn assignment_values(&mut self, assignment: &ast::Assignment, nested: &mut Vec<String>) -> Vec<ShellWord> {
        if let AssignmentName::ArrayElementName(_, index) = &assignment.name {
            // `a[$(cmd)]=1` runs `cmd` while evaluating the subscript.
            nested.extend(self.word(&format!("\"{index}\"")).substitutions);
        }
        match &assignment.value {
            AssignmentValue::Scalar(word) => vec![self.word(&word.value)],
            AssignmentValue::Array(elements) => {
                // `x=([$(cmd)]=y)`: each key is a subscript too.
                for key in elements.iter().filter_map(|(key, _)| key.as_ref()) {
                    nested.extend(self.word(&format!("\"{}\"", key.value)).substitutions);
                }
                elements.iter().map(|(_, word)| self.word(&word.value)).collect()
            }
        }
    }

    /// Whether a word is unknown only through variables of the environment the
    /// command runs in (`"export PATH=$PATH:/x"`), none the command itself sets or
    /// fills with output.
    fn environment_only(&self, word: &ShellWord) -> bool {
        let mut names = word.raw.split('$').skip(1).map(|after| {
            let after = after.trim_start_matches('{');
            let end = after.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(after.len());
            after.get(..end).unwrap_or_default()
        });
        word.substitutions.is_empty()
            && word.runs_unseen.is_none()
            && names.all(|name| !name.is_empty() && self.vars.lookup(name).is_none())
    }

    /// Running a file this script writes runs text nobody has reviewed.
    fn runs_written_file(
        &self,
        words: &[ShellWord],
        resolved: &super::invocation::Resolved,
    ) -> Option<(String, String)> {
        let command_word = words.get(resolved.at).filter(|w| w.text().is_some_and(|t| t.contains('/')));
        let files = resolved.script_files.iter().filter_map(|i| words.get(*i));
        for word in command_word.into_iter().chain(files) {
            let written = word.values.iter().any(|value| {
                let paths = self.paths_of(value);
                paths.iter().any(|p| self.written.contains(p))
            });
            if written {
                return Some((
                    word.raw.clone(),
                    "it runs a file this command writes, whose content is not analysed".into(),
                ));
            }
        }
        None
    }

    fn paths_of(&self, value: &super::word::Literal) -> Vec<PathBuf> {
        if value.home_relative {
            return self
                .user_home
                .iter()
                .map(|h| crate::paths::normalize(&h.join(value.text.trim_start_matches('/'))))
                .collect();
        }
        self.cwd.join(&value.text)
    }

    fn redirect(&mut self, redirect: &IoRedirect, io: &mut Io, context: &Context) {
        let is_stdin = |fd: &Option<i32>| fd.is_none_or(|fd| fd == 0);
        let is_stdout = |fd: &Option<i32>| fd.is_none_or(|fd| fd == 1);
        match redirect {
            IoRedirect::File(fd, kind, IoFileRedirectTarget::Filename(word)) => {
                let target = self.word(&word.value);
                io.scripts.extend(target.substitutions.iter().cloned());
                let reads = matches!(kind, IoFileRedirectKind::Read | IoFileRedirectKind::ReadAndWrite);
                let writes = !matches!(kind, IoFileRedirectKind::Read);
                if reads {
                    self.set_input(fd.unwrap_or(0), Stdin::File(target.clone()), io);
                }
                if writes && is_stdout(fd) && !is_terminal(&target) {
                    io.stdout = Some(Stdout::File);
                }
                io.redirects.push(Redirect { writes, target });
            }
            IoRedirect::File(fd, kind, IoFileRedirectTarget::Duplicate(word)) => {
                let target = self.word(&word.value);
                io.scripts.extend(target.substitutions.iter().cloned());
                let descriptor = target.text().and_then(|t| t.trim_end_matches('-').parse::<i32>().ok());
                match (kind, descriptor) {
                    (IoFileRedirectKind::DuplicateInput, Some(from)) if is_stdin(fd) && from > 2 => {
                        io.stdin = Some(self.descriptors.get(&from).cloned().unwrap_or(Stdin::Unseen));
                    }
                    (IoFileRedirectKind::DuplicateInput, None) if is_stdin(fd) => io.stdin = Some(Stdin::Unseen),
                    // `>& file` is `&> file`.
                    (IoFileRedirectKind::DuplicateOutput, None) => {
                        io.stdout = Some(Stdout::File);
                        io.redirects.push(Redirect { writes: true, target });
                    }
                    _ => {}
                }
            }
            IoRedirect::File(fd, _, IoFileRedirectTarget::ProcessSubstitution(kind, subshell)) => {
                let (stdin, stdout) = match kind {
                    ProcessSubstitutionKind::Read => (None, None),
                    ProcessSubstitutionKind::Write => (Some(Stdin::Pipe), None),
                };
                let inner = Context { stdin, stdout, background: true, ..context.conditional() };
                self.compound_list(&subshell.list, &inner);
                match kind {
                    ProcessSubstitutionKind::Read => self.set_input(fd.unwrap_or(0), Stdin::Unseen, io),
                    ProcessSubstitutionKind::Write if is_stdout(fd) => io.stdout = Some(Stdout::File),
                    ProcessSubstitutionKind::Write => {}
                }
            }
            IoRedirect::File(_, _, IoFileRedirectTarget::Fd(_)) => {}
            IoRedirect::HereString(fd, word) => {
                let text = self.word(&word.value);
                io.scripts.extend(text.substitutions.iter().cloned());
                self.set_input(fd.unwrap_or(0), Stdin::Text(text), io);
            }
            IoRedirect::HereDocument(fd, doc) => {
                let text = here_document(doc, &self.scope());
                io.scripts.extend(text.substitutions.iter().cloned());
                self.set_input(fd.unwrap_or(0), Stdin::Text(text), io);
            }
            IoRedirect::OutputAndError(word, _) => {
                let target = self.word(&word.value);
                io.scripts.extend(target.substitutions.iter().cloned());
                io.stdout = Some(Stdout::File);
                io.redirects.push(Redirect { writes: true, target });
            }
        }
    }

    fn set_input(&mut self, fd: i32, source: Stdin, io: &mut Io) {
        if fd == 0 {
            io.stdin = Some(source);
        } else {
            io.descriptors.push((fd, source));
        }
    }

    /// Records a segment and analyses the scripts it runs. `None` past the bound.
    /// Records a segment and analyses the scripts it runs: `substitutions`, whose output
    /// becomes words of the segment's command, and `scripts`, which the command runs.
    fn push_segment(
        &mut self,
        mut segment: Segment,
        substitutions: Vec<String>,
        scripts: Vec<String>,
        context: &Context,
    ) -> Option<usize> {
        let index = self.out.segments.len() + 1;
        if index > self.limits.max_segments {
            self.refuse(None, format!("the command has more than {} segments", self.limits.max_segments));
            return None;
        }
        segment.index = index;
        let unseen = segment
            .words
            .iter()
            .chain(&segment.assignments)
            .find_map(|w| Some((w.raw.clone(), w.runs_unseen.clone()?)));
        if let (Some((word, message)), None) = (unseen, &segment.found_in) {
            self.out.refusals.push(Refusal { segment: Some(index), word: Some(word), message });
        }
        // What a substitution prints becomes part of this command (`eval "$(echo …)"`).
        let into = match &segment.invocation {
            Invocation::Command(resolved) => Some(resolved.name.clone()),
            _ => None,
        };
        self.out.segments.push(segment);
        let inner = Context {
            parent: Some(index),
            depth: context.depth + 1,
            stdin: None,
            stdout: None,
            piped: false,
            background: false,
            same_shell: false,
            ..context.conditional()
        };
        let captured = Context { stdout: Some(Stdout::Pipe { into }), ..inner.clone() };
        for script in substitutions {
            self.script(&script, &captured);
        }
        // What a command runs (`sh -c`, `env -S`, `find -exec`) reads the command's
        // input — unless the script is that input (`bash <<< 'cmd'`).
        let stdin = self.out.segments.last().map(|s| s.stdin.clone()).unwrap_or_default();
        let from_input = |script: &String| match &stdin {
            Stdin::Text(text) => text.text() == Some(script.as_str()),
            _ => false,
        };
        let same_shell = self.out.segments.last().is_some_and(|s| match &s.invocation {
            Invocation::Command(r) => matches!(r.name.as_str(), "eval" | "source" | "." | "trap" | "alias"),
            _ => false,
        });
        for script in scripts {
            let stdin = (!from_input(&script)).then(|| stdin.clone());
            self.script(&script, &Context { stdin, same_shell, ..inner.clone() });
        }
        Some(index)
    }

    /// What a command changes for the ones after it: variables, the working
    /// directory, open descriptors, files written.
    fn after(&mut self, index: usize, io: &Io, assigned: &[String], context: &Context) {
        if !context.conditional {
            for name in assigned {
                self.vars.mark_assigned(name);
            }
        }
        let Some(segment) = self.out.segments.get(index - 1) else { return };
        let resolved = match &segment.invocation {
            Invocation::Command(resolved) => Some(resolved),
            _ => None,
        };
        let name = resolved.map_or("", |r| r.name.as_str());
        let args: Vec<ShellWord> =
            resolved.map(|r| segment.words.get(r.args()..).unwrap_or_default().to_vec()).unwrap_or_default();
        if matches!(name, "cd" | "pushd" | "popd") {
            let target = args.iter().find(|w| !w.text().is_some_and(|t| t.starts_with('-') && t != "-"));
            // `cd -P` follows links first, so `..` after one (or `/proc/self/cwd/..`)
            // is not where it reads.
            let physical = args.iter().any(|w| w.text() == Some("-P"));
            let through_links = target.is_some_and(|t| {
                t.values.iter().any(|v| v.text.starts_with("/proc/") || (physical && v.text.contains("..")))
            });
            // `cd` alone goes to `$HOME`, which the script may have changed; a relative
            // name is looked up in `CDPATH` when the script sets one.
            let home = self.user_home.as_deref().filter(|_| self.vars.lookup_assigned("HOME").is_none());
            let searched = self.vars.lookup_assigned("CDPATH").is_some()
                && target.and_then(ShellWord::text).is_some_and(|t| {
                    !(t.starts_with(['/', '~']) || t.starts_with("./") || t.starts_with("../") || t == "." || t == "..")
                });
            if name == "popd" || searched || through_links {
                Arc::make_mut(&mut self.cwd).unknown = true;
            } else {
                Arc::make_mut(&mut self.cwd).change(target, home);
            }
        }
        if name == "exec" || (resolved.is_none() && segment.words.is_empty()) {
            for (fd, source) in &io.descriptors {
                self.descriptors.insert(*fd, source.clone());
            }
            // `exec < FILE` gives every later command that input.
            if let Some(stdin) = io.stdin.as_ref().filter(|_| name == "exec") {
                self.stdin = stdin.clone();
            }
        }
        let mut written: Vec<&ShellWord> = segment.redirects.iter().filter(|r| r.writes).map(|r| &r.target).collect();
        if matches!(name, "tee" | "cp" | "mv" | "install" | "ln" | "curl" | "wget") {
            written.extend(args.iter().filter(|w| !w.text().is_some_and(|t| t.starts_with('-'))));
        }
        // A file another program runs on its own (`Makefile` for make, a git hook), written
        // with content nobody can see here, runs that content.
        let seen = || {
            programs::names_only(name, &[]).is_some_and(|entry| entry.prints)
                && args.iter().all(|w| !w.open || self.environment_only(w))
                && matches!(segment.stdin, Stdin::Inherited | Stdin::Text(_))
        };
        let implicit = written.iter().find(|w| w.values.iter().any(|v| runs_implicitly(&v.text)));
        if let Some(file) = implicit.filter(|_| !seen()) {
            let message = format!(
                "`{}` is a file other programs run on their own, written here with content nobody can see",
                file.raw
            );
            let refusal = Refusal { segment: Some(index), word: Some(file.raw.clone()), message };
            self.out.refusals.push(refusal);
        }
        let paths: Vec<PathBuf> = written.iter().flat_map(|w| w.values.iter().flat_map(|v| self.paths_of(v))).collect();
        self.written.extend(paths);
    }

    /// Scripts run by expanding a word that is not a command's own (a `for` list, a
    /// `case` subject, a test operand).
    fn word_scripts(&mut self, raw: &str, context: &Context) {
        let scripts = self.word(raw).substitutions;
        let inner = Context { depth: context.depth + 1, ..context.clone() };
        for script in scripts {
            self.script(&script, &inner);
        }
    }

    /// An arithmetic command: its substitutions run; a body that is not arithmetic
    /// at all (or that brush took for `((` when bash sees two subshells) is a script.
    fn arithmetic(&mut self, expression: &str, subshells: bool, context: &Context) {
        let inner = Context { depth: context.depth + 1, ..context.clone() };
        if !subshells && let Some(why) = super::arithmetic::runs_unseen(expression, &self.vars) {
            self.refuse_word(context, expression, why);
        }
        if subshells || !super::arithmetic::is_arithmetic(expression) {
            self.script(expression, &inner);
            return;
        }
        self.word_scripts(&format!("\"{}\"", expression.replace('"', "\\\"")), context);
    }
}

/// `let` evaluates its arguments as arithmetic, and `declare -i` every later assignment
/// to the names it declares: a value only known at run time there can run commands
/// ([`super::arithmetic::runs_unseen`]). Marks the argument that can.
fn evaluated_arguments(command: &str, arguments: &mut [ShellWord], vars: &super::vars::Variables) {
    let integer_flag = |w: &ShellWord| w.text().is_some_and(|t| t.starts_with('-') && t.contains('i'));
    let declares = matches!(command, "declare" | "typeset" | "local" | "export" | "readonly");
    for word in arguments.iter_mut() {
        if word.runs_unseen.is_some() {
            continue;
        }
        if declares && integer_flag(word) {
            word.runs_unseen = Some(format!(
                "`{command} -i` makes every later assignment arithmetic, which runs any `a[$(…)]` a value holds"
            ));
        } else if command == "let" && word.open {
            word.runs_unseen = Some(format!("`let` evaluates `{}`, only known at run time, as arithmetic", word.raw));
        } else if command == "let" {
            word.runs_unseen = word.values.iter().find_map(|v| super::arithmetic::runs_unseen(&v.text, vars));
        }
    }
}

/// The input, output and redirections one command's redirections set up.
#[derive(Debug, Default)]
struct Io {
    stdin: Option<Stdin>,
    stdout: Option<Stdout>,
    redirects: Vec<Redirect>,
    descriptors: Vec<(i32, Stdin)>,
    scripts: Vec<String>,
}

fn assignment_name(assignment: &ast::Assignment) -> String {
    match &assignment.name {
        AssignmentName::VariableName(name) | AssignmentName::ArrayElementName(name, _) => name.clone(),
    }
}

/// `/dev/null`, `/dev/stdout`, `/dev/stderr`, `/dev/tty`: output nobody stores.
fn is_terminal(target: &ShellWord) -> bool {
    matches!(target.text(), Some("/dev/null" | "/dev/stdout" | "/dev/stderr" | "/dev/tty"))
}

/// Whether a command's arguments are only names to it, or else how to read its strings.
///
/// A names-only program stays exempt — except one that prints its arguments, once what
/// it prints is stored in a file or fed to a program that may run it (`echo 'sudo id'
/// | at now`, `echo '{"preinstall": "sudo id"}' > package.json`); that text is then
/// read as data. Documentation is prose wherever it goes (`echo 'Run with sudo' >>
/// README.md`). An interpreter's strings are code.
fn exemption(
    resolved: &super::invocation::Resolved,
    words: &[ShellWord],
    stdout: &Stdout,
    redirects: &[Redirect],
) -> Exemption {
    let args_words = words.get(resolved.args()..).unwrap_or_default();
    let args: Vec<Option<&str>> = args_words.iter().map(ShellWord::text).collect();
    let Some(entry) = programs::names_only(&resolved.name, &args) else {
        let code = programs::interpreter(&resolved.name).is_some();
        return Exemption::Scan(if code { Mode::Code } else { Mode::Shell });
    };
    let prose = |word: &ShellWord| !word.values.is_empty() && word.values.iter().all(|v| is_prose_file(&v.text));
    let stored = match stdout {
        Stdout::Inherited => false,
        Stdout::File => !redirects.iter().filter(|r| r.writes).all(|r| prose(&r.target)),
        Stdout::Pipe { into } => into.as_deref().is_none_or(|next| programs::names_only(next, &[]).is_none()),
    };
    // `tee FILE` stores its input in FILE as well.
    let files = args_words.iter().filter(|w| !w.text().is_some_and(|t| t.starts_with('-')));
    let tee_stores = resolved.name == "tee" && !files.clone().all(prose);
    if entry.prints && (stored || tee_stores) { Exemption::Scan(Mode::Data) } else { Exemption::NamesOnly(entry) }
}

/// Files a program runs without being told to: build files, test and start-up hooks,
/// git hooks and config, shell start-up files.
fn runs_implicitly(path: &str) -> bool {
    const NAMES: &[&str] = &[
        "makefile",
        "gnumakefile",
        "package.json",
        "conftest.py",
        "setup.py",
        "noxfile.py",
        "build.rs",
        "sitecustomize.py",
        "usercustomize.py",
        "rakefile",
        "justfile",
        ".envrc",
        ".bashrc",
        ".bash_profile",
        ".bash_login",
        ".profile",
        ".zshrc",
        ".zshenv",
        ".zprofile",
        ".npmrc",
        ".gitconfig",
        ".pythonrc",
        "pre-commit",
        "prepare-commit-msg",
        "commit-msg",
        "post-commit",
        "pre-push",
        "pre-rebase",
        "post-checkout",
        "post-merge",
        "post-rewrite",
        "pre-receive",
        "post-receive",
        "update",
        "pre-applypatch",
        "post-applypatch",
        "pre-merge-commit",
        "fsmonitor-watchman",
        "push-to-checkout",
        "reference-transaction",
    ];
    let lower = path.to_ascii_lowercase();
    let name = lower.rsplit('/').next().unwrap_or(&lower);
    NAMES.contains(&name)
        || name.ends_with(".mk")
        || name.ends_with(".pth")
        || lower.contains(".git/hooks/")
        || lower.ends_with(".git/config")
}

/// Documentation and notes, whose text is prose however it reads (by name or extension).
fn is_prose_file(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    let name = lower.rsplit('/').next().unwrap_or(&lower);
    let extension = name.rsplit_once('.').map(|(_, e)| e);
    // CMake reads its build script from a `.txt` file.
    let code = name == "cmakelists.txt";
    !code && matches!(extension, Some("md" | "markdown" | "txt" | "rst" | "adoc" | "org" | "log" | "csv" | "tsv"))
        || ["readme", "changelog", "license", "notes", "todo", "authors", "contributing", "dockerfile", "containerfile"]
            .iter()
            .any(|p| name.starts_with(p))
        || name.ends_with("ignore")
        || lower.contains(".github/")
        || lower.contains(".gitlab-ci")
        || matches!(lower.as_str(), "/dev/null" | "/dev/stdout" | "/dev/stderr" | "/dev/tty")
}

/// Indexes of the words that are prose values of options (`-m "…"`, `--message=…`).
fn prose_words(resolved: &super::invocation::Resolved, words: &[ShellWord]) -> Vec<usize> {
    let mut prose = Vec::new();
    // `git config user.name "Sudo Bot"`: a setting's value is data unless the setting
    // holds a command (`alias.x`, `core.pager`).
    if resolved.name == "git" {
        let args = words.get(resolved.args()..).unwrap_or_default();
        let texts: Vec<Option<&str>> = args.iter().map(ShellWord::text).collect();
        if let Some(at) = texts.iter().position(|t| *t == Some("config")) {
            let rest =
                (at + 1..texts.len()).filter(|i| !texts.get(*i).copied().flatten().is_some_and(|t| t.starts_with('-')));
            let operands: Vec<usize> = rest.collect();
            if let [key, value, ..] = operands.as_slice()
                && texts.get(*key).copied().flatten().is_some_and(|k| !programs::command_key(k))
            {
                prose.push(resolved.args() + value);
            }
        }
    }
    for (i, word) in words.iter().enumerate().skip(resolved.args()) {
        let Some(text) = word.text() else { continue };
        if programs::prose_attached(&resolved.name, text) {
            prose.push(i);
        } else if programs::prose_option(&resolved.name, text) {
            prose.push(i + 1);
        }
    }
    prose
}

/// A here-document body as a word: expanded like a double-quoted string unless its
/// delimiter was quoted.
fn here_document(doc: &ast::IoHereDocument, scope: &Scope<'_>) -> ShellWord {
    if !doc.requires_expansion {
        let quoted = format!("'{}'", doc.doc.value.replace('\'', "'\\''"));
        return ShellWord::parse(&quoted, scope);
    }
    let mut word = ShellWord::parse(&format!("\"{}\"", doc.doc.value.replace('"', "\\\"")), scope);
    word.raw.clone_from(&doc.doc.value);
    word
}

/// `\n` and `\t` as `echo -e` and `printf` print them.
fn unescape(text: &str) -> String {
    text.replace("\\n", "\n").replace("\\t", "\t")
}

/// A command cut from a string, without what keeps it from parsing: redirections and
/// everything after them (`sudo id 1>&0` → `sudo id`), else its first word alone.
fn speculative_fallback(text: &str) -> Option<String> {
    let cut = text.find(['<', '>', '#']).map_or(text, |at| text.get(..at).unwrap_or_default());
    let cut = cut.trim_end_matches(|c: char| c.is_ascii_digit() || c.is_whitespace() || c == '&');
    if !cut.is_empty() && cut != text {
        return Some(cut.to_owned());
    }
    let first = text.split_whitespace().next()?;
    (first != text).then(|| first.trim_matches(['"', '\'', '(', ')', '{', '}']).to_owned())
}

/// `select NAME in …` rewritten as `for NAME in …`, padded so offsets stay put.
fn select_as_for(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("select") {
        let (before, after) = rest.split_at(at);
        let boundary_before =
            before.chars().last().is_none_or(|c| c.is_whitespace() || matches!(c, ';' | '&' | '|' | '(' | '{'));
        let boundary_after = after.chars().nth(6).is_some_and(char::is_whitespace);
        out.push_str(before);
        out.push_str(if boundary_before && boundary_after { "for   " } else { "select" });
        rest = after.get(6..).unwrap_or_default();
    }
    out.push_str(rest);
    out
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

    fn parsed(command: &str) -> ParsedCommand {
        parse(
            command,
            &Limits::default(),
            &Start { cwd: Some(Path::new("/work")), user_home: Some(Path::new("/home/me")) },
        )
    }

    fn texts(command: &str) -> Vec<String> {
        let parsed = parsed(command);
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
        assert_eq!(texts("bash <<< 'sudo id'"), ["bash <<< 'sudo id'", "sudo id"]);
        assert_eq!(texts("{ bash; } <<< 'sudo id'"), ["<<< 'sudo id'", "bash", "sudo id"]);
        assert_eq!(texts("exec 3<<<'sudo id'; bash <&3"), ["exec 3<<< 'sudo id'", "bash <& 3", "sudo id"]);
    }

    #[test]
    fn variables_and_braces_are_expanded() {
        let parsed = parsed("x=/; rm -rf \"$x\"; {env,sudo} id");
        let real: Vec<&Segment> = parsed.segments.iter().filter(|s| s.found_in.is_none()).collect();
        let rm = real.get(1).unwrap();
        assert_eq!(rm.words.get(2).and_then(ShellWord::text), Some("/"));
        let braces = real.get(2).unwrap();
        assert_eq!(braces.words.iter().filter_map(ShellWord::text).collect::<Vec<_>>(), ["env", "sudo", "id"]);
    }

    #[test]
    fn the_working_directory_follows_cd() {
        let parsed = parsed("cd /etc && ls; (cd /tmp); pwd");
        let dirs = |i: usize| parsed.segments.get(i).unwrap().cwd.dirs.clone();
        assert_eq!(dirs(1), [PathBuf::from("/work"), PathBuf::from("/etc")]);
        assert!(!dirs(3).contains(&PathBuf::from("/tmp")), "a subshell's cd stays in it");
    }

    #[test]
    fn output_destinations_are_known() {
        let parsed = parsed("echo a > f; echo b | grep b; echo c | sh");
        let stdout = |i: usize| parsed.segments.get(i).unwrap().stdout.clone();
        assert_eq!(stdout(0), Stdout::File);
        assert_eq!(stdout(1), Stdout::Pipe { into: Some("grep".into()) });
        assert!(parsed.segments.get(1).unwrap().names_only.is_some());
        assert!(parsed.segments.get(3).unwrap().names_only.is_none(), "echo into sh is not just printing");
    }

    #[test]
    fn running_a_file_the_script_wrote_is_unresolved() {
        let parsed = parsed("echo x > /tmp/run.sh; bash /tmp/run.sh; ./run2; cat > run2 <<< x");
        assert!(matches!(parsed.segments.get(1).unwrap().invocation, Invocation::Unresolved { .. }));
    }

    #[test]
    fn pipelines_and_background_are_marked() {
        let parsed = parsed("a | b; c &");
        let marks: Vec<(bool, bool)> = parsed.segments.iter().map(|s| (s.piped, s.background)).collect();
        assert_eq!(marks, [(true, false), (true, false), (false, true)]);
    }

    #[test]
    fn limits_refuse_instead_of_overflowing() {
        let deep = format!("{}ls{}", "(".repeat(10_000), ")".repeat(10_000));
        let parsed = parsed(&deep);
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
        assert!(texts("(( i = 1 + 2 ))").is_empty());
        assert!(texts("(( $# > 1 ))").is_empty());
    }

    #[test]
    fn select_loops_parse() {
        assert_eq!(texts("select x in a b; do echo $x; done"), ["echo $x"]);
    }

    #[test]
    fn unparseable_text_and_nul_bytes_are_refused() {
        assert!(!parsed("echo 'unterminated").refusals.is_empty());
        assert!(!parsed("echo a\0b").refusals.is_empty());
    }
}
