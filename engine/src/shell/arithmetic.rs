//! Telling arithmetic from commands.
//!
//! brush reads `( ( cmd ) )` — nested subshells to bash — as the arithmetic command
//! `(( cmd ))`, and `$(( … ))` can hide a command too. Reading every arithmetic body
//! as a script would deny `echo $(( $a + $b ))` (`$a` is not a command name), so a body
//! is read as a script only when it is not an arithmetic expression at all: two
//! operands in a row (`sudo id`), an expression that ends on an operator (`rm -rf /`).
//!
//! And telling arithmetic that runs only what can be seen from arithmetic that can
//! run anything ([`runs_unseen`]).

use std::sync::LazyLock;

use regex::Regex;

use super::vars::Variables;

/// Where bash evaluates text as arithmetic: `$(( ))`, `(( ))`, `$[ ]`, `let`, the
/// numeric operators of `[[ ]]`, `declare -i`, and a subscript that is not a literal
/// number (`a[n]`, `${a[$i]}`, `[ -v 'a[x]' ]`, `b[x]=1`).
static EVALUATES: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"\$\(\(|\(\(|\$\[|\blet\b|\s-(?:eq|ne|lt|le|gt|ge)\s",
        r"|\b(?:declare|typeset|local|export|readonly)\s+(?:-\w+\s+)*-\w*i",
        r"|[A-Za-z_][A-Za-z0-9_]*\[[\d\s@*\-]*[^\]\d\s@*\-]|=\([^)]*\[[\d\s\-]*[^\]\d\s\-]",
    ))
    .unwrap_or_else(|_| unreachable!("a fixed pattern"))
});

/// Where a command gets text it does not write itself: input, another command's
/// output, arguments, a sourced file, a regex match, indirection, namerefs.
static RUNTIME_TEXT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"\b(?:read|mapfile|readarray|getopts|select|source|eval)\b|(?:^|[;&|({]\s*)\.\s",
        r"|\$\([^(]|\$\(\s*$|`|\bprintf\s+-v|=~|\$_\b|\$\{_\}|\$[0-9@*]|\$\{[0-9@*!]",
        r"|\b(?:declare|typeset|local)\s+(?:-\w+\s+)*-\w*n",
        // `for f in *`: file names, chosen by whoever made the files.
        r"|\bfor\s+\w+\s+in\b[^;\n]*[*?\[]",
    ))
    .unwrap_or_else(|_| unreachable!("a fixed pattern"))
});

/// Substitutions whose output is a number whatever the files and the input say.
static NUMERIC_SUBSTITUTION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"\$\(\s*(?:nproc(?:\s+--all)?|id\s+-[ug]r?|date\s+\+%s|wc\s+-[lcwm]\s*<\s*[\w./-]+",
        r"|git\s+rev-list\s+--count(?:\s+[\w./-]+)*)\s*\)",
        // The keys of an array: numbers, or for an associative array text that came
        // from somewhere this pattern does not hide.
        r"|\$\{![A-Za-z_][A-Za-z0-9_]*\[[@*]\]\}",
    ))
    .unwrap_or_else(|_| unreachable!("a fixed pattern"))
});

/// A belt to [`runs_unseen`]'s braces. Arithmetic evaluation hides in many places
/// (nested expansions, here-strings, `case` subjects, subscripts of builtins'
/// operands) and variables get text in many ways (`read` into `REPLY`, `$_`,
/// `BASH_REMATCH`, `printf -v`): following each is a list that is never complete. So
/// a command that both evaluates arithmetic somewhere and takes text from anywhere at
/// run time is refused as a whole, whatever the path between them. The two
/// substrings found are returned, for the message.
pub(crate) fn runtime_arithmetic(text: &str) -> Option<(String, String)> {
    // `re""ad`, `l\et`, a line continuation: the words as the shell reads them.
    let text = text.replace("\\\n", "").replace(['"', '\'', '\\'], "");
    let text = text.as_str();
    let associative = associative_arrays(text);
    let evaluates = EVALUATES.find_iter(text).find(|found| !counts_only(text, found, &associative))?;
    let without_numeric = NUMERIC_SUBSTITUTION.replace_all(text, "0");
    let source = RUNTIME_TEXT.find(&without_numeric)?;
    Some((evaluates.as_str().trim().to_owned(), source.as_str().trim().to_owned()))
}

static DECLARE_ASSOCIATIVE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(?:declare|typeset|local)\s+(?:-\w+\s+)*-\w*A\w*\s+([A-Za-z_][A-Za-z0-9_]*)")
        .unwrap_or_else(|_| unreachable!("a fixed pattern"))
});

/// Arrays the text declares associative (`declare -A counts`).
fn associative_arrays(text: &str) -> Vec<String> {
    DECLARE_ASSOCIATIVE.captures_iter(text).filter_map(|c| c.get(1)).map(|m| m.as_str().to_owned()).collect()
}

/// Whether an arithmetic context found in `text` only counts in associative arrays
/// whose elements the text sets to numbers alone (`counts[$w]=$((counts[$w] + 1))`):
/// their subscripts are text, not arithmetic, and their values are numbers.
fn counts_only(text: &str, found: &regex::Match<'_>, associative: &[String]) -> bool {
    let is_associative = |name: &str| associative.iter().any(|a| a == name);
    let matched = found.as_str();
    if let Some((name, _)) = matched.split_once('[') {
        return is_associative(name);
    }
    if !matches!(matched, "$((" | "((") {
        return false;
    }
    let body = text.get(found.end()..).unwrap_or_default();
    let body = body.get(..closing(body, '(', ')').unwrap_or(body.len())).unwrap_or_default();
    let names = names_with(body, &is_associative);
    !names.is_empty() && names.iter().all(|name| is_associative(name) && numbers_only(text, name))
}

/// Whether every element of `name` the text sets is set to `$(( … ))`, and nothing
/// else sets the array (`read`, `mapfile`, a whole assignment).
fn numbers_only(text: &str, name: &str) -> bool {
    let name = regex::escape(name);
    let elements = Regex::new(&format!(r"\b{name}\[[^\]]*\]\+?=(\S*)"));
    let otherwise = Regex::new(&format!(r"\b{name}\+?=|\b(?:read|mapfile|readarray)\b[^;&|\n]*\b{name}\b"));
    let (Ok(elements), Ok(otherwise)) = (elements, otherwise) else { return false };
    !otherwise.is_match(text)
        && elements.captures_iter(text).all(|c| c.get(1).is_some_and(|v| v.as_str().starts_with("$((")))
}

/// A value that is a number by construction: a numeric substitution, or the keys of
/// an indexed array (`"${!arr[@]}"`).
fn is_numeric_source(value: &str, vars: &Variables) -> bool {
    let whole = |found: regex::Match<'_>| found.start() == 0 && found.end() == value.len();
    let Some(found) = NUMERIC_SUBSTITUTION.find(value).filter(|f| whole(*f)) else { return false };
    match found.as_str().strip_prefix("${!") {
        Some(keys) => !vars.is_associative(keys.split('[').next().unwrap_or_default()),
        None => true,
    }
}

/// Shell variables that only ever hold numbers.
const NUMERIC: &[&str] = &[
    "RANDOM",
    "SRANDOM",
    "SECONDS",
    "EPOCHSECONDS",
    "LINENO",
    "BASHPID",
    "PPID",
    "UID",
    "EUID",
    "OPTIND",
    "COLUMNS",
    "LINES",
    "SHLVL",
    "HISTCMD",
];
/// Commands whose output is a number, whatever they are given.
const NUMERIC_OUTPUT: &[&str] = &["nproc", "nproc --all", "id -u", "id -g", "id -ur", "id -gr"];
/// How deep a value naming another variable is followed.
const MAX_DEPTH: usize = 8;

/// Why evaluating `expression` as arithmetic can run a command no one can see, if it
/// can. Bash evaluates the value of every variable an expression names as arithmetic
/// in turn, and an array subscript in a value runs the substitutions in it: with
/// `n='a[$(cmd)]'` read from a file, `echo $((n))` runs `cmd`. So every name must hold
/// a value the script itself sets to plain arithmetic; one only known at run time
/// (`read n`, `n=$(cat f)`, a command's output in the expression) is refused. A name
/// the script never sets comes from the environment the runtime started it with.
pub(crate) fn runs_unseen(expression: &str, vars: &Variables) -> Option<String> {
    if let Some(output) = substituted(expression).into_iter().find(|command| !NUMERIC_OUTPUT.contains(&command.trim()))
    {
        return Some(format!(
            "arithmetic on the output of `{}`, only known at run time, runs any `a[$(…)]` it prints",
            output.trim()
        ));
    }
    unseen_names(expression, vars, 0)
}

fn unseen_names(expression: &str, vars: &Variables, depth: usize) -> Option<String> {
    for name in names(expression, vars) {
        if NUMERIC.contains(&name.as_str()) || name.chars().all(|c| c.is_ascii_digit()) {
            continue;
        }
        // `bash -c '… $((n)) …' _ 'a[$(cmd)]'`: the arguments are whatever the caller passed.
        if name.starts_with('$') {
            return Some(format!(
                "arithmetic on `{name}`, an argument only known at run time, runs any `a[$(…)]` it holds"
            ));
        }
        let Some(lookup) = vars.lookup(&name) else { continue };
        let why = || format!("arithmetic on `{name}`, a value only known at run time, runs any `a[$(…)]` it holds");
        if lookup.unknown_text || depth >= MAX_DEPTH {
            return Some(why());
        }
        for value in lookup.values {
            let value = value.trim_matches(|c| c == '\'' || c == '"');
            // What `$(( … ))`, `$(nproc)`, `$(wc -l < f)` or an indexed array's keys
            // assign is a number.
            if value.starts_with("$((") && value.ends_with("))") || is_numeric_source(value, vars) {
                continue;
            }
            // A `for` over a glob: file names, which whoever made the files chose.
            if lookup.globbed && value.contains(['*', '?', '[']) {
                return Some(why());
            }
            if value.contains(['[', '`']) || value.contains("$(") {
                return Some(why());
            }
            if let Some(inner) = unseen_names(value, vars, depth + 1) {
                return Some(inner);
            }
        }
    }
    None
}

/// The variable names an expression evaluates: bare (`n + 1`), `$n` and `${n}`;
/// positional parameters (`$1`) by their number. Not those in the subscript of an
/// associative array (`counts[$w]`), which is text, not arithmetic.
fn names(expression: &str, vars: &Variables) -> Vec<String> {
    names_with(expression, &|name| vars.is_associative(name))
}

fn names_with(expression: &str, is_associative: &dyn Fn(&str) -> bool) -> Vec<String> {
    let chars: Vec<char> = expression.chars().collect();
    let mut out = Vec::new();
    let mut at = 0;
    // For each open `[`: whether it subscripts an associative array.
    let mut subscripts: Vec<bool> = Vec::new();
    let mut last_name: Option<(String, usize)> = None;
    while let Some(&c) = chars.get(at) {
        match c {
            '[' => subscripts.push(last_name.as_ref().is_some_and(|(name, end)| *end == at && is_associative(name))),
            ']' => {
                subscripts.pop();
            }
            _ => {}
        }
        let in_text = subscripts.iter().any(|associative| *associative);
        let after_digit = at > 0 && chars.get(at - 1).is_some_and(|p| p.is_ascii_alphanumeric() || *p == '#');
        if (c.is_ascii_alphabetic() || c == '_') && !after_digit {
            let start = at;
            while chars.get(at).is_some_and(|c| c.is_ascii_alphanumeric() || *c == '_') {
                at += 1;
            }
            // `m = 5` assigns `m` without reading it (`m += 5` reads it).
            let mut next = at;
            while chars.get(next).is_some_and(|c| c.is_whitespace()) {
                next += 1;
            }
            let assigned = chars.get(next) == Some(&'=') && chars.get(next + 1) != Some(&'=');
            let name: String = chars.get(start..at).unwrap_or_default().iter().collect();
            if !assigned && !in_text {
                out.push(name.clone());
            }
            last_name = Some((name, at));
            continue;
        }
        if c == '$' && chars.get(at + 1).is_some_and(char::is_ascii_digit) {
            out.push(format!("${}", chars.get(at + 1).copied().unwrap_or('0')));
        }
        at += 1;
    }
    out
}

/// Where the bracket already open before `text` closes: the byte offset of its `close`.
pub(super) fn closing(text: &str, open: char, close: char) -> Option<usize> {
    let mut depth = 1usize;
    text.char_indices().find_map(|(i, c)| {
        if c == open {
            depth += 1;
        } else if c == close {
            depth -= 1;
        }
        (depth == 0).then_some(i)
    })
}

/// The commands of the `$( … )` and backquote substitutions in `expression`.
fn substituted(expression: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = expression;
    while let Some(start) = rest.find("$(").filter(|&i| !rest.get(i..).is_some_and(|r| r.starts_with("$(("))) {
        let body = rest.get(start + 2..).unwrap_or_default();
        let Some(end) = closing(body, '(', ')') else {
            out.push(body.to_owned());
            break;
        };
        out.push(body.get(..end).unwrap_or_default().to_owned());
        rest = body.get(end + 1..).unwrap_or_default();
    }
    let ticks: Vec<&str> = expression.split('`').collect();
    out.extend(ticks.iter().skip(1).step_by(2).map(|s| (*s).to_owned()));
    out
}

/// Whether `expression` is a well-formed arithmetic expression, as far as telling it
/// from a command goes: operands and operators alternate, brackets balance.
pub(crate) fn is_arithmetic(expression: &str) -> bool {
    let chars: Vec<char> = expression.chars().collect();
    let mut at = 0;
    // Whether the last thing read was an operand (so an operator may follow).
    let mut after_operand = false;
    let mut depth = 0usize;
    while let Some(&c) = chars.get(at) {
        if c.is_whitespace() || c == '"' {
            at += 1;
            continue;
        }
        let operand_len = operand(&chars, at);
        if operand_len > 0 {
            if after_operand {
                return false;
            }
            after_operand = true;
            at += operand_len;
            continue;
        }
        match c {
            '(' if !after_operand => depth += 1,
            ')' if after_operand && depth > 0 => depth -= 1,
            // `++`/`--` after a name, `!`/`~`/`-`/`+` before an operand.
            '+' | '-' if chars.get(at + 1) == Some(&c) => at += 1,
            '!' | '~' | '-' | '+' if !after_operand => {}
            c if "*/%<>=&|^?:,".contains(c) && after_operand => {
                // The rest of a two- or three-character operator.
                while chars.get(at + 1).is_some_and(|n| "*<>=&|".contains(*n)) {
                    at += 1;
                }
                after_operand = false;
            }
            '+' | '-' if after_operand => after_operand = false,
            _ => return false,
        }
        at += 1;
    }
    after_operand && depth == 0
}

/// The length of the operand starting at `at`: a number, a name (with a subscript),
/// or an expansion; 0 if there is none.
fn operand(chars: &[char], at: usize) -> usize {
    let Some(&first) = chars.get(at) else { return 0 };
    let run = |from: usize, ok: &dyn Fn(char) -> bool| chars.iter().skip(from).take_while(|c| ok(**c)).count();
    if first.is_ascii_digit() {
        return run(at, &|c| c.is_ascii_alphanumeric() || c == '#' || c == '_');
    }
    if first.is_ascii_alphabetic() || first == '_' {
        let name = run(at, &|c| c.is_ascii_alphanumeric() || c == '_');
        return name + bracketed(chars, at + name, '[', ']');
    }
    if first == '$' {
        return match chars.get(at + 1) {
            Some('(') | Some('{') => {
                let (open, close) = if chars.get(at + 1) == Some(&'(') { ('(', ')') } else { ('{', '}') };
                1 + bracketed(chars, at + 1, open, close)
            }
            Some(c) if c.is_ascii_alphanumeric() || *c == '_' => {
                1 + run(at + 1, &|c| c.is_ascii_alphanumeric() || c == '_')
            }
            Some('#' | '?' | '@' | '*' | '$' | '!' | '-') => 2,
            _ => 0,
        };
    }
    if first == '`' {
        return chars.iter().skip(at + 1).position(|c| *c == '`').map_or(0, |end| end + 2);
    }
    0
}

/// The length of a balanced `open … close` group starting at `at`, or 0.
fn bracketed(chars: &[char], at: usize, open: char, close: char) -> usize {
    if chars.get(at) != Some(&open) {
        return 0;
    }
    let mut depth = 0usize;
    for (offset, c) in chars.iter().skip(at).enumerate() {
        if *c == open {
            depth += 1;
        } else if *c == close {
            depth -= 1;
            if depth == 0 {
                return offset + 1;
            }
        }
    }
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arithmetic_is_recognised() {
        for expression in [
            "1 + 2",
            " $a + $b ",
            "$# > 1",
            "i = i + 1",
            "i++",
            "x[$(date +%s)] * 2",
            "(a + b) * -c",
            "a ? b : c",
            "a <<= 2",
            "${#arr[@]} - 1",
            "!x && y || z",
            "0x1f & 7",
        ] {
            assert!(is_arithmetic(expression), "{expression}");
        }
    }

    #[test]
    fn commands_are_not_arithmetic() {
        for expression in [" sudo id ", "rm -rf /", "kill -9 1", "sudo -u root id", "ls -la; id", "a b", "(x"] {
            assert!(!is_arithmetic(expression), "{expression}");
        }
    }
}
