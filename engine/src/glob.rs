//! Shell glob patterns, matched the way bash matches them against path names.
//!
//! `*` and `?` never match `/`; `[…]` is a class with ranges and `!`/`^` negation;
//! `\` quotes the next character (the word parser escapes quoted metacharacters so).

/// Whether `pattern` matches all of `text`. An extended glob group (`@(a|b)`,
/// `!(x)`, shopt extglob) counts as `*`: it can match more than it says.
pub(crate) fn matches(pattern: &str, text: &str) -> bool {
    let pattern: Vec<char> = without_extglob(pattern).chars().collect();
    let text: Vec<char> = text.chars().collect();
    match_from(&pattern, &text)
}

fn without_extglob(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len());
    let mut chars = pattern.chars().peekable();
    while let Some(c) = chars.next() {
        if matches!(c, '?' | '*' | '+' | '@' | '!') && chars.peek() == Some(&'(') {
            let mut depth = 0usize;
            for inner in chars.by_ref() {
                match inner {
                    '(' => depth += 1,
                    ')' => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    _ => {}
                }
            }
            out.push('*');
        } else {
            out.push(c);
        }
    }
    out
}

fn match_from(pattern: &[char], text: &[char]) -> bool {
    // Iterative with one backtrack point per `*`, as classic wildcard matchers do.
    let (mut p, mut t) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        let here = text.get(t).copied();
        match pattern.get(p) {
            Some('*') => {
                star = Some((p, t));
                p += 1;
                continue;
            }
            Some('?') if here != Some('/') => {
                p += 1;
                t += 1;
                continue;
            }
            Some('[') => {
                if let (Some(c), Some((matched, len))) = (here, class(pattern.get(p..).unwrap_or_default(), here)) {
                    if matched && c != '/' {
                        p += len;
                        t += 1;
                        continue;
                    }
                } else if here == Some('[') {
                    p += 1;
                    t += 1;
                    continue;
                }
            }
            Some('\\') if pattern.get(p + 1).copied() == here => {
                p += 2;
                t += 1;
                continue;
            }
            Some(c) if *c != '\\' && Some(*c) == here => {
                p += 1;
                t += 1;
                continue;
            }
            _ => {}
        }
        // Mismatch: let the last `*` take one more character, unless that would be `/`.
        match star {
            Some((star_p, star_t)) if text.get(star_t) != Some(&'/') => {
                star = Some((star_p, star_t + 1));
                p = star_p + 1;
                t = star_t + 1;
            }
            _ => return false,
        }
    }
    pattern.get(p..).unwrap_or_default().iter().all(|c| *c == '*')
}

/// A bracket class at the start of `pattern`: whether it matches `c`, and its length;
/// `None` when the `[` opens no class (it is then a literal `[`).
fn class(pattern: &[char], c: Option<char>) -> Option<(bool, usize)> {
    let c = c?;
    let mut at = 1;
    let negated = matches!(pattern.get(at), Some('!' | '^'));
    if negated {
        at += 1;
    }
    let mut matched = false;
    let mut first = true;
    loop {
        let member = *pattern.get(at)?;
        if member == ']' && !first {
            return Some((matched != negated, at + 1));
        }
        first = false;
        if pattern.get(at + 1) == Some(&'-') && pattern.get(at + 2).is_some_and(|e| *e != ']') {
            let end = *pattern.get(at + 2)?;
            matched |= (member..=end).contains(&c);
            at += 3;
        } else {
            matched |= member == c;
            at += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_match_like_bash() {
        assert!(matches("secrets.js?n", "secrets.json"));
        assert!(matches("k*", "keys"));
        assert!(matches("/h*", "/home"));
        assert!(!matches("/*", "/home/me"), "`*` does not cross `/`");
        assert!(matches("/*/me", "/home/me"));
        assert!(matches("[a-z]*", "sudo"));
        assert!(matches("[!x]udo", "sudo"));
        assert!(!matches("[!s]udo", "sudo"));
        assert!(matches("a\\*b", "a*b"));
        assert!(!matches("a\\*b", "axb"));
        assert!(matches("*", ""));
        assert!(!matches("?", ""));
        assert!(matches("[", "["));
        assert!(matches("!(netclaw).json", "secrets.json"), "extglob counts as *");
    }
}
