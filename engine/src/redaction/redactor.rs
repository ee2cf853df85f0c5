//! The matching itself, over bytes: logs are not always UTF-8, and a secret next to
//! an invalid byte is still a secret.

use std::borrow::Cow;
use std::io::{self, Write};
use std::ops::Range;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use regex::bytes::{Regex, RegexBuilder, RegexSet, RegexSetBuilder};

use super::MASK;
use super::patterns::{Kind, PATTERNS, Pattern, is_secret_key, is_worth_redacting};

#[derive(Debug)]
pub(crate) struct Redactor {
    triggers: AhoCorasick,
    set: RegexSet,
    regexes: Vec<Regex>,
    pem_begin: Regex,
    pem_end: Regex,
}

/// Whether a stream is inside a private-key block (carried from one read to the next).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct PemState {
    pub inside: bool,
}

impl Redactor {
    pub(super) fn new() -> Result<Self, String> {
        let literals: Vec<&str> = PATTERNS.iter().flat_map(|p| p.triggers.iter().copied()).collect();
        let triggers = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::LeftmostFirst)
            .build(literals)
            .map_err(|e| e.to_string())?;
        // ASCII classes and word boundaries: secrets are ASCII, and Unicode-aware `\b`
        // over arbitrary bytes makes the fast automata give up (100× slower on binary).
        let set =
            RegexSetBuilder::new(PATTERNS.iter().map(|p| p.regex)).unicode(false).build().map_err(|e| e.to_string())?;
        let regexes = PATTERNS
            .iter()
            .map(|p| RegexBuilder::new(p.regex).unicode(false).build())
            .collect::<Result<_, _>>()
            .map_err(|e| e.to_string())?;
        // A block starts with its marker and a line break, real or escaped (`\n` in a
        // JSON string): a sentence that mentions the marker is not a key.
        let pem_begin = Regex::new(r"-----BEGIN [A-Z0-9 ]{0,40}PRIVATE KEY[A-Z ]{0,10}-----(?P<nl>\r?\n|\\(?:r\\)?n)")
            .map_err(|e| e.to_string())?;
        let pem_end = Regex::new(r"-----END [A-Z0-9 ]{0,40}PRIVATE KEY[A-Z ]{0,10}-----").map_err(|e| e.to_string())?;
        Ok(Self { triggers, set, regexes, pem_begin, pem_end })
    }

    pub(crate) fn redact_str<'t>(&self, text: &'t str) -> Cow<'t, str> {
        let mut out = Vec::new();
        let mut pem = PemState::default();
        match self.write_redacted(text.as_bytes(), &mut pem, &mut out) {
            Ok(0) => Cow::Borrowed(text),
            // Whole secrets are replaced by ASCII and the rest is copied, so the text
            // stays UTF-8; if it somehow did not, show nothing rather than a guess.
            Ok(_) => String::from_utf8(out).map_or_else(|_| Cow::Owned(MASK.to_owned()), Cow::Owned),
            Err(_) => Cow::Owned(MASK.to_owned()),
        }
    }

    /// Writes `text` with its secrets replaced; returns how many were.
    pub(crate) fn write_redacted(&self, text: &[u8], pem: &mut PemState, out: &mut dyn Write) -> io::Result<usize> {
        let mut rest = text;
        let mut count = 0;
        loop {
            if pem.inside {
                // Everything up to the end marker is key material.
                let Some(end) = self.pem_end.find(rest) else { return Ok(count) };
                rest = rest.get(end.start()..).unwrap_or_default();
                pem.inside = false;
            }
            let Some(begin) = self.pem_begin.captures(rest) else {
                return Ok(count + self.write_lines(rest, out)?);
            };
            let (Some(whole), Some(newline)) = (begin.get(0), begin.name("nl")) else {
                return Ok(count + self.write_lines(rest, out)?);
            };
            let (before, after) = rest.split_at(whole.end());
            count += self.write_lines(before, out)? + 1;
            // The body's line breaks as the text writes them, so JSON stays JSON.
            out.write_all(MASK.as_bytes())?;
            out.write_all(newline.as_bytes())?;
            pem.inside = true;
            rest = after;
        }
    }

    /// Copies `text`, running the patterns only on lines that hold a trigger.
    fn write_lines(&self, text: &[u8], out: &mut dyn Write) -> io::Result<usize> {
        let mut copied = 0;
        let mut count = 0;
        for hit in self.triggers.find_iter(text) {
            if hit.start() < copied {
                continue;
            }
            let start = text.get(..hit.start()).and_then(|b| b.iter().rposition(|&c| c == b'\n')).map_or(0, |i| i + 1);
            let start = start.max(copied);
            let end = text
                .get(hit.end()..)
                .and_then(|b| b.iter().position(|&c| c == b'\n'))
                .map_or(text.len(), |i| hit.end() + i);
            let line = text.get(start..end).unwrap_or_default();
            out.write_all(text.get(copied..start).unwrap_or_default())?;
            count += self.write_line(line, out)?;
            copied = end;
        }
        out.write_all(text.get(copied..).unwrap_or_default())?;
        Ok(count)
    }

    fn write_line(&self, line: &[u8], out: &mut dyn Write) -> io::Result<usize> {
        let spans = self.spans(line);
        let mut at = 0;
        for span in &spans {
            out.write_all(line.get(at..span.start).unwrap_or_default())?;
            out.write_all(MASK.as_bytes())?;
            at = span.end;
        }
        out.write_all(line.get(at..).unwrap_or_default())?;
        Ok(spans.len())
    }

    /// The secret spans of one line, sorted and merged.
    pub(crate) fn spans(&self, line: &[u8]) -> Vec<Range<usize>> {
        let mut spans: Vec<Range<usize>> = Vec::new();
        for index in self.set.matches(line).iter() {
            let (Some(pattern), Some(regex)) = (PATTERNS.get(index), self.regexes.get(index)) else { continue };
            for captures in regex.captures_iter(line) {
                if let Some(span) = secret_span(pattern, &captures) {
                    spans.push(span);
                }
                // The second value of a pair (an AWS key id and its secret key).
                if let Some(second) = captures.name("v2").filter(|_| pattern.kind == Kind::Shape) {
                    spans.push(second.range());
                }
            }
        }
        merge(spans)
    }

    /// The noun of the first shape `value` contains, if any. As in redaction, a value
    /// without a trigger holds no secret: doctor asks this of every string in a
    /// config, and most are names that the trigger scan rules out at once.
    pub(crate) fn shape_of(&self, value: &[u8]) -> Option<&'static str> {
        if !self.triggers.is_match(value) {
            return None;
        }
        self.any_shape(value)
    }

    /// [`Self::shape_of`] without the trigger scan: the tests hold the two equal.
    pub(super) fn any_shape(&self, value: &[u8]) -> Option<&'static str> {
        self.set.matches(value).iter().find_map(|index| {
            let (pattern, regex) = (PATTERNS.get(index)?, self.regexes.get(index)?);
            let found =
                pattern.kind == Kind::Shape && regex.captures_iter(value).any(|c| secret_span(pattern, &c).is_some());
            found.then_some(pattern.noun)
        })
    }
}

/// The value a match captured, if it is a secret.
fn secret_span(pattern: &Pattern, captures: &regex::bytes::Captures<'_>) -> Option<Range<usize>> {
    let value = ["v", "v2", "v3"].iter().find_map(|name| captures.name(name))?;
    match pattern.kind {
        Kind::Shape if pattern.id == "api-key" => {
            // `sk-` words in prose (`sk-learn`) have no digit; keys always do.
            value.as_bytes().iter().any(u8::is_ascii_digit).then(|| value.range())
        }
        Kind::Shape => Some(value.range()),
        Kind::KeyValue => {
            let key = captures.name("key").and_then(|k| std::str::from_utf8(k.as_bytes()).ok())?;
            (is_secret_key(key) && is_worth_redacting(value.as_bytes())).then(|| trimmed(value))
        }
    }
}

/// A value's range without the trailing blanks an unquoted YAML value runs into.
fn trimmed(value: regex::bytes::Match<'_>) -> Range<usize> {
    let trailing = value.as_bytes().iter().rev().take_while(|b| b.is_ascii_whitespace()).count();
    value.start()..value.end() - trailing
}

fn merge(mut spans: Vec<Range<usize>>) -> Vec<Range<usize>> {
    spans.sort_by_key(|span| (span.start, std::cmp::Reverse(span.end)));
    let mut merged: Vec<Range<usize>> = Vec::with_capacity(spans.len());
    for span in spans {
        match merged.last_mut() {
            Some(last) if span.start <= last.end => last.end = last.end.max(span.end),
            _ => merged.push(span),
        }
    }
    merged
}
