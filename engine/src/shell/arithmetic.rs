//! Telling arithmetic from commands.
//!
//! brush reads `( ( cmd ) )` — nested subshells to bash — as the arithmetic command
//! `(( cmd ))`, and `$(( … ))` can hide a command too. Reading every arithmetic body
//! as a script would deny `echo $(( $a + $b ))` (`$a` is not a command name), so a body
//! is read as a script only when it is not an arithmetic expression at all: two
//! operands in a row (`sudo id`), an expression that ends on an operator (`rm -rf /`).

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
