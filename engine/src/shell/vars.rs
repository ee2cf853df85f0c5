//! Variables a script assigns, so that `x=/; rm -rf "$x"` reads as `rm -rf /`.
//!
//! A pre-pass collects every assignment in a script wherever it is — a loop body, a
//! function, a branch that may not run — so a variable's possible values are all of
//! them (an over-approximation, which is the safe side for a denylist). A value the
//! pass cannot see (`x=$(cmd)`, `read x`, a sourced file) makes the variable unknown.
//! Whether a variable may still hold the value it had before the script ran is decided
//! while walking: only an assignment on the straight-line path before the use rules
//! that out (see [`Variables::mark_assigned`]).

use std::collections::{HashMap, HashSet};

use brush_parser::ast::{
    self, AssignmentName, AssignmentValue, Command, CommandPrefixOrSuffixItem, CompoundCommand, CompoundList,
};

/// `$(( … ))` and nothing else: its value is a number.
fn is_arithmetic_expansion(raw: &str) -> bool {
    raw.starts_with("$((") && raw.ends_with("))") && raw.matches("$((").count() == 1
}

/// Builtins that set variables named by their arguments, to values nobody can see.
const READERS: &[&str] = &["read", "mapfile", "readarray", "getopts", "unset", "select"];
/// Builtins that take `NAME=value` arguments.
const DECLARERS: &[&str] = &["declare", "typeset", "local", "export", "readonly"];
/// Builtins after which any variable may hold anything.
const POISONERS: &[&str] = &["source", ".", "eval", "let"];

#[derive(Debug, Clone, Default)]
struct Facts {
    /// Raw value words, as written after the `=`.
    values: Vec<String>,
    unknown: bool,
    /// What is unknown is only ever a number: array elements assigned `$(( … ))`.
    unknown_is_number: bool,
    /// Some value is a `for` list word: already globbed, so `"$f"` is any file the
    /// pattern matches.
    globbed: bool,
}

#[derive(Debug, Clone, Default)]
struct Table {
    vars: HashMap<String, Facts>,
    /// A sourced file, `eval` or a nameref can have set anything.
    poisoned: bool,
    /// What set anything may have set it to text only known at run time: not only to a
    /// number, as an arithmetic assignment does.
    poisoned_with_text: bool,
    /// Names declared associative arrays (`declare -A`): their subscripts are text.
    associative: HashSet<String>,
    /// Assigned on the straight-line path before the current position.
    definite: HashSet<String>,
}

/// The variables of a script and of the scripts around it (a `bash -c` or `$( … )`
/// script sees its parent's variables).
#[derive(Debug, Clone, Default)]
pub(crate) struct Variables {
    tables: Vec<Table>,
}

/// What a variable can hold at one use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Lookup<'a> {
    /// Raw value words; each still needs expanding.
    pub values: Vec<&'a str>,
    /// It may also hold something else.
    pub open: bool,
    /// Values are globbed already (a `for` loop's): patterns even when quoted.
    pub globbed: bool,
    /// It may hold text only known at run time (`read x`, `x=$(cmd)`, a sourced file),
    /// not only a value above, the environment's, or a number arithmetic assigned.
    pub unknown_text: bool,
}

impl Variables {
    /// Enters a script: collects its assignments.
    pub(crate) fn enter(&mut self, program: &ast::Program) {
        let mut table = Table::default();
        for list in &program.complete_commands {
            collect_list(list, &mut table);
        }
        self.tables.push(table);
    }

    pub(crate) fn leave(&mut self) {
        self.tables.pop();
    }

    /// `name` is assigned on the straight-line path of the innermost script.
    pub(crate) fn mark_assigned(&mut self, name: &str) {
        if let Some(table) = self.tables.last_mut() {
            table.definite.insert(name.to_owned());
        }
    }

    /// `None`: the script never assigns it (its value comes from the environment).
    pub(crate) fn lookup(&self, name: &str) -> Option<Lookup<'_>> {
        let poisoned = self.tables.iter().any(|t| t.poisoned);
        let with_text = self.tables.iter().any(|t| t.poisoned_with_text);
        let facts: Vec<&Facts> = self.tables.iter().filter_map(|t| t.vars.get(name)).collect();
        if facts.is_empty() {
            return poisoned.then(|| Lookup {
                values: Vec::new(),
                open: true,
                globbed: false,
                unknown_text: with_text,
            });
        }
        let definite = self.tables.iter().any(|t| t.definite.contains(name));
        let unknown = facts.iter().any(|f| f.unknown);
        let unknown_text = facts.iter().any(|f| f.unknown && !f.unknown_is_number);
        Some(Lookup {
            values: facts.iter().flat_map(|f| f.values.iter().map(String::as_str)).collect(),
            open: poisoned || !definite || unknown,
            globbed: facts.iter().any(|f| f.globbed),
            unknown_text: with_text || unknown_text,
        })
    }

    /// Like [`Variables::lookup`], but only for a variable the script itself assigns:
    /// `HOME` and `PWD` keep their meaning unless the script sets them.
    pub(crate) fn lookup_assigned(&self, name: &str) -> Option<Lookup<'_>> {
        self.tables.iter().any(|t| t.vars.contains_key(name)).then(|| self.lookup(name)).flatten()
    }

    /// Whether the script declares `name` an associative array (`declare -A name`).
    pub(crate) fn is_associative(&self, name: &str) -> bool {
        self.tables.iter().any(|t| t.associative.contains(name))
    }

    /// The script changes `IFS`: unquoted expansions split in ways not followed here.
    pub(crate) fn ifs_changed(&self) -> bool {
        self.tables.iter().any(|t| t.vars.contains_key("IFS"))
    }
}

impl Table {
    fn assign(&mut self, name: &str, value: Option<&str>) {
        let facts = self.vars.entry(name.to_owned()).or_default();
        match value {
            Some(raw) => facts.values.push(raw.to_owned()),
            None => {
                facts.unknown = true;
                facts.unknown_is_number = false;
            }
        }
    }

    fn assignment(&mut self, assignment: &ast::Assignment) {
        let name = match &assignment.name {
            AssignmentName::VariableName(name) | AssignmentName::ArrayElementName(name, _) => name,
        };
        // `counts[$w]=$((counts[$w] + 1))`: an element only ever set to a number.
        if let (AssignmentValue::Scalar(word), AssignmentName::ArrayElementName(..)) =
            (&assignment.value, &assignment.name)
            && is_arithmetic_expansion(&word.value)
        {
            let facts = self.vars.entry(name.to_owned()).or_default();
            if !facts.unknown {
                facts.unknown_is_number = true;
            }
            facts.unknown = true;
            return;
        }
        let scalar = match (&assignment.value, &assignment.name, assignment.append) {
            (AssignmentValue::Scalar(word), AssignmentName::VariableName(_), false) => Some(word.value.as_str()),
            _ => None,
        };
        self.assign(name, scalar);
    }
}

fn collect_list(list: &CompoundList, table: &mut Table) {
    for item in &list.0 {
        let pipelines = std::iter::once(&item.0.first).chain(item.0.additional.iter().map(|next| match next {
            ast::AndOr::And(p) | ast::AndOr::Or(p) => p,
        }));
        for pipeline in pipelines {
            for command in &pipeline.seq {
                collect_command(command, table);
            }
        }
    }
}

fn collect_command(command: &Command, table: &mut Table) {
    match command {
        Command::Simple(simple) => collect_simple(simple, table),
        Command::Compound(compound, _) => collect_compound(compound, table),
        Command::Function(function) => collect_compound(&function.body.0, table),
        Command::ExtendedTest(..) => {}
    }
}

fn collect_compound(compound: &CompoundCommand, table: &mut Table) {
    match compound {
        CompoundCommand::BraceGroup(group) => collect_list(&group.list, table),
        CompoundCommand::Subshell(subshell) => collect_list(&subshell.list, table),
        CompoundCommand::ForClause(clause) => {
            match &clause.values {
                Some(values) => {
                    values.iter().for_each(|v| table.assign(&clause.variable_name, Some(&v.value)));
                    table.vars.entry(clause.variable_name.clone()).or_default().globbed = true;
                }
                None => table.assign(&clause.variable_name, None),
            }
            collect_list(&clause.body.list, table);
        }
        CompoundCommand::CaseClause(clause) => {
            clause.cases.iter().filter_map(|c| c.cmd.as_ref()).for_each(|list| collect_list(list, table));
        }
        CompoundCommand::IfClause(clause) => {
            collect_list(&clause.condition, table);
            collect_list(&clause.then, table);
            for branch in clause.elses.iter().flatten() {
                if let Some(condition) = &branch.condition {
                    collect_list(condition, table);
                }
                collect_list(&branch.body, table);
            }
        }
        CompoundCommand::WhileClause(clause) | CompoundCommand::UntilClause(clause) => {
            collect_list(&clause.0, table);
            collect_list(&clause.1.list, table);
        }
        // `(( x = 1 ))` assigns; which names it assigns is not worth parsing.
        CompoundCommand::Arithmetic(arithmetic) => {
            table.poisoned |= assigns_in_arithmetic(&arithmetic.expr.value);
        }
        CompoundCommand::ArithmeticForClause(clause) => {
            table.poisoned = true;
            collect_list(&clause.body.list, table);
        }
        CompoundCommand::Coprocess(coprocess) => {
            table.assign(coprocess.name.as_ref().map_or("COPROC", |w| w.value.as_str()), None);
            collect_command(&coprocess.body, table);
        }
    }
}

fn collect_simple(simple: &ast::SimpleCommand, table: &mut Table) {
    let prefix = simple.prefix.iter().flat_map(|p| p.0.iter());
    let suffix: Vec<&CommandPrefixOrSuffixItem> = simple.suffix.iter().flat_map(|s| s.0.iter()).collect();
    for item in prefix.chain(suffix.iter().copied()) {
        if let CommandPrefixOrSuffixItem::AssignmentWord(assignment, word) = item {
            table.assignment(assignment);
            let by_default = assigns_by_default(&word.value);
            table.poisoned |= by_default;
            table.poisoned_with_text |= by_default;
        } else if let CommandPrefixOrSuffixItem::Word(word) = item {
            let by_default = assigns_by_default(&word.value);
            table.poisoned |= by_default || assigns_in_arithmetic_expansion(&word.value);
            table.poisoned_with_text |= by_default;
        }
    }
    // `re""ad n` is `read n`: the name after quote removal.
    let Some(unquoted) = simple.word_or_name.as_ref().map(|w| w.value.replace(['"', '\'', '\\'], "")) else { return };
    let name = unquoted.as_str();
    let operands: Vec<&str> = suffix
        .iter()
        .filter_map(|item| match item {
            CommandPrefixOrSuffixItem::Word(word) => Some(word.value.as_str()),
            _ => None,
        })
        .collect();
    if POISONERS.contains(&name) {
        table.poisoned = true;
        // `let` assigns numbers only.
        table.poisoned_with_text |= name != "let";
    } else if DECLARERS.contains(&name) {
        // `declare -n ref=x` makes `ref` another name for `x`.
        let nameref = operands.iter().any(|o| o.starts_with('-') && o.contains('n'));
        table.poisoned |= nameref;
        table.poisoned_with_text |= nameref;
        if operands.iter().any(|o| o.starts_with('-') && o.contains('A')) {
            table.associative.extend(operands.iter().filter(|o| is_name(o)).map(|o| (*o).to_owned()));
        }
        // `local x` empties `x`; `export x` only marks it.
        if !matches!(name, "export" | "readonly") {
            operands.iter().filter(|o| is_name(o)).for_each(|o| table.assign(o, Some("")));
        }
    } else if name == "printf" || name == "wait" {
        // `printf -v NAME …`, `wait -p NAME`.
        let named = operands.windows(2).filter(|w| matches!(w.first(), Some(&("-v" | "-p"))));
        named.filter_map(|w| w.get(1)).for_each(|o| table.assign(o, None));
    } else if READERS.contains(&name) {
        // Every operand that could be a name: over-approximate, never miss one.
        for operand in operands.iter().filter(|o| is_name(o)) {
            table.assign(operand, None);
        }
    }
}

fn is_name(text: &str) -> bool {
    let mut chars = text.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// `${x:=value}` and `${x=value}` assign `x`.
fn assigns_by_default(raw: &str) -> bool {
    raw.match_indices("${").any(|(at, _)| {
        let rest = raw.get(at + 2..).unwrap_or_default();
        let name_end = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(rest.len());
        let after = rest.get(name_end..).unwrap_or_default();
        name_end > 0 && (after.starts_with(":=") || after.starts_with('='))
    })
}

fn assigns_in_arithmetic_expansion(raw: &str) -> bool {
    raw.contains("$((") && assigns_in_arithmetic(raw)
}

/// An assignment operator (`=`, `+=`, `++`, …) rather than a comparison.
fn assigns_in_arithmetic(expression: &str) -> bool {
    let bytes = expression.as_bytes();
    if expression.contains("++") || expression.contains("--") {
        return true;
    }
    bytes.iter().enumerate().any(|(i, b)| {
        *b == b'='
            && bytes.get(i + 1) != Some(&b'=')
            && !matches!(i.checked_sub(1).and_then(|p| bytes.get(p)), Some(b'=' | b'!' | b'<' | b'>'))
    })
}

#[cfg(test)]
mod tests {
    use brush_parser::{Parser, ParserOptions};

    use super::*;

    fn vars(script: &str) -> Variables {
        let program = Parser::new(script.as_bytes(), &ParserOptions::default()).parse_program().unwrap();
        let mut vars = Variables::default();
        vars.enter(&program);
        vars
    }

    #[test]
    fn every_assignment_is_a_possible_value() {
        let mut v = vars("x=/; if c; then x=/tmp; fi; for y in a b; do :; done");
        v.mark_assigned("x");
        assert_eq!(
            v.lookup("x"),
            Some(Lookup { values: vec!["/", "/tmp"], open: false, globbed: false, unknown_text: false })
        );
        assert_eq!(
            v.lookup("y"),
            Some(Lookup { values: vec!["a", "b"], open: true, globbed: true, unknown_text: false })
        );
        assert_eq!(v.lookup("z"), None);
    }

    #[test]
    fn invisible_values_make_a_variable_unknown() {
        let v = vars("x=/; read x; y=$(pwd)");
        assert!(v.lookup("x").is_some_and(|l| l.open));
        assert_eq!(v.lookup("y").map(|l| l.values), Some(vec!["$(pwd)"]));
    }

    #[test]
    fn sourcing_or_eval_makes_every_variable_unknown() {
        for script in ["x=/; source ./env.sh", "x=/; eval \"$y\"", "declare -n r=x; x=/", "(( x = 3 ))"] {
            let mut v = vars(script);
            v.mark_assigned("x");
            assert!(v.lookup("x").is_some_and(|l| l.open), "{script}");
            assert!(v.lookup("HOME").is_some_and(|l| l.open), "{script}");
        }
    }

    #[test]
    fn comparisons_are_not_assignments() {
        assert!(!assigns_in_arithmetic("$# > 1 && a == b && c != d && e <= f"));
        assert!(assigns_in_arithmetic("i = 1"));
        assert!(assigns_in_arithmetic("i++"));
    }
}
