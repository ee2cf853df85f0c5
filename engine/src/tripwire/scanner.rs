//! Putting it together, over a text or a stream of any size.

use std::collections::HashSet;
use std::io::{self, Read};
use std::sync::LazyLock;

use regex::bytes::{Regex, RegexBuilder, RegexSet, RegexSetBuilder};

use super::characters::{self, TagRun};
use super::decode::{self, Decoded};
use super::normalize::Normalized;
use super::phrases::{Phrase, phrases};
use super::{Risk, ScanFinding, ScanReport};

/// Findings listed in a report; the rest are counted.
const MAX_LISTED: usize = 1000;
/// A stream is scanned in windows of this size …
const WINDOW: usize = 1024 * 1024;
/// … each starting this far before the previous one ended, so a phrase across the
/// cut is seen whole in one of them.
const OVERLAP: usize = 4096;
/// How deep blobs inside blobs are opened.
const MAX_DEPTH: usize = 2;

struct Phrases {
    list: Vec<Phrase>,
    set: RegexSet,
    regexes: Vec<Regex>,
}

static PHRASES: LazyLock<Result<Phrases, String>> = LazyLock::new(|| {
    let list = phrases();
    // ASCII word boundaries: the phrases are English words, and Unicode `\b` over
    // non-Latin text sends the regex engine to its slowest path (1 MB/s on binary).
    let set = RegexSetBuilder::new(list.iter().map(|p| p.regex.as_str()))
        .unicode(false)
        .build()
        .map_err(|e| e.to_string())?;
    let regexes = list
        .iter()
        .map(|p| RegexBuilder::new(&p.regex).unicode(false).build())
        .collect::<Result<_, _>>()
        .map_err(|e| e.to_string())?;
    Ok(Phrases { list, set, regexes })
});

/// Scans one text.
pub fn scan(text: &[u8]) -> ScanReport {
    let mut findings = Vec::new();
    window(text, 0, &mut findings);
    report(findings, 0)
}

/// Scans a stream in overlapping windows, in bounded memory.
pub fn scan_stream(input: &mut dyn Read) -> io::Result<ScanReport> {
    let mut findings: Vec<ScanFinding> = Vec::new();
    let mut seen: HashSet<(String, usize)> = HashSet::new();
    let mut omitted = 0;
    let mut buffer: Vec<u8> = Vec::with_capacity(WINDOW + OVERLAP);
    let mut base = 0usize;
    let mut done = false;
    while !done {
        let wanted = WINDOW.saturating_sub(buffer.len());
        let read = (&mut *input).take(wanted as u64).read_to_end(&mut buffer)?;
        done = read < wanted;
        let mut found = Vec::new();
        window(&buffer, base, &mut found);
        for finding in found {
            if seen.insert((finding.id.clone(), finding.start)) {
                if findings.len() < MAX_LISTED { findings.push(finding) } else { omitted += 1 }
            }
        }
        // Keep the tail for the next window, cut at a character boundary.
        let keep = if done { 0 } else { tail(&buffer, OVERLAP) };
        let drop = buffer.len() - keep;
        buffer.drain(..drop);
        base += drop;
        // Offsets before the kept tail can never be found again.
        seen.retain(|(_, start)| *start >= base);
    }
    Ok(report(findings, omitted))
}

/// The length of a tail of about `n` bytes that starts on a UTF-8 character boundary.
fn tail(buffer: &[u8], n: usize) -> usize {
    let mut keep = n.min(buffer.len());
    while keep < buffer.len() && buffer.get(buffer.len() - keep).is_some_and(|b| (b & 0xC0) == 0x80) {
        keep += 1;
    }
    keep
}

fn report(mut findings: Vec<ScanFinding>, omitted: usize) -> ScanReport {
    findings.sort_by(|a, b| (a.start, b.risk, &a.id).cmp(&(b.start, a.risk, &b.id)));
    let risk = findings.iter().map(|f| f.risk).max().unwrap_or(Risk::None);
    ScanReport { risk, action: risk.action(), findings, omitted }
}

/// Everything found in one window whose first byte is at `base`.
fn window(bytes: &[u8], base: usize, out: &mut Vec<ScanFinding>) {
    let mut tags = Vec::new();
    for chunk in valid_chunks(bytes) {
        characters::findings(chunk.1, base + chunk.0, out, &mut tags);
    }
    let normalized = Normalized::new(bytes);
    phrase_findings(&normalized, |id, risk, start, end| {
        out.push(ScanFinding { id: id.to_owned(), risk, start: base + start, end: base + end })
    });
    for TagRun { start, end, hidden } in tags {
        // Text nobody can see that reads as an instruction is an injection.
        phrase_findings(&Normalized::new(hidden.as_bytes()), |id, risk, _, _| {
            out.push(ScanFinding { id: format!("tag-smuggling/{id}"), risk: risk.max(Risk::High), start, end })
        });
    }
    blob_findings(bytes, base, 1, out);
}

/// The valid UTF-8 parts of `bytes` with their offsets.
fn valid_chunks(bytes: &[u8]) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut offset = 0;
    for chunk in bytes.utf8_chunks() {
        out.push((offset, chunk.valid()));
        offset += chunk.valid().len() + chunk.invalid().len();
    }
    out
}

/// Phrases in normalised text, reported with original offsets.
fn phrase_findings(normalized: &Normalized, mut report: impl FnMut(&str, Risk, usize, usize)) {
    let Ok(phrases) = PHRASES.as_ref() else {
        // Fail closed: patterns that did not compile (ruled out by a unit test) reject.
        return report("tripwire-unavailable", Risk::High, 0, 0);
    };
    let text = normalized.text.as_bytes();
    for index in phrases.set.matches(text).iter() {
        let (Some(phrase), Some(regex)) = (phrases.list.get(index), phrases.regexes.get(index)) else { continue };
        for found in regex.find_iter(text) {
            if phrase.negatable && negated(text, found.start()) {
                continue;
            }
            if SECRET_PHRASES.contains(&phrase.id) && about_a_secret(text, found.end()) {
                continue;
            }
            let (start, end) = normalized.original(found.start(), found.end());
            report(phrase.id, phrase.risk, start, end);
        }
    }
}

/// Phrases that end on a secret noun.
const SECRET_PHRASES: [&str; 2] = ["exfiltration", "secret-encoding"];

/// Whether the secret noun that ends at `at` is only part of a name for something
/// else: "send you a password *reset* link", "fetch the token *endpoint*".
fn about_a_secret(text: &[u8], at: usize) -> bool {
    const ABOUT: [&[u8]; 16] = [
        b"reset",
        b"endpoint",
        b"policy",
        b"header",
        b"link",
        b"expiry",
        b"expiration",
        b"rotation",
        b"field",
        b"format",
        b"length",
        b"manager",
        b"strength",
        b"requirements",
        b"prompt",
        b"hint",
    ];
    let after = text.get(at..).unwrap_or_default().trim_ascii_start();
    let next = after.split(|b| !b.is_ascii_alphanumeric()).next().unwrap_or_default();
    ABOUT.contains(&next)
}

/// Whether the word right before `at` (or the two, for "do not") negates what follows:
/// advice ("never send your password by email") is not an instruction. Only the
/// nearest words count, so "never mind, ignore previous instructions" still trips.
fn negated(text: &[u8], at: usize) -> bool {
    const ONE: [&[u8]; 10] =
        [b"never", b"not", b"don't", b"dont", b"cannot", b"can't", b"won't", b"shouldn't", b"mustn't", b"nobody"];
    let before = text.get(..at).unwrap_or_default().trim_ascii_end();
    let mut words = before.rsplit(|&b| b == b' ');
    let last = words.next().unwrap_or_default();
    let second = words.next().unwrap_or_default();
    ONE.contains(&last) || (last == b"ever" && ONE.contains(&second))
}

/// Phrases inside Base64 and hex blobs (and blobs inside those), at the blob's offsets.
fn blob_findings(bytes: &[u8], base: usize, depth: usize, out: &mut Vec<ScanFinding>) {
    for (offset, text) in valid_chunks(bytes) {
        for Decoded { encoding, start, end, text: decoded } in decode::blobs(text) {
            let (start, end) = (base + offset + start, base + offset + end);
            phrase_findings(&Normalized::new(decoded.as_bytes()), |id, risk, _, _| {
                out.push(ScanFinding { id: format!("{encoding}/{id}"), risk, start, end })
            });
            if depth < MAX_DEPTH {
                let mut inner = Vec::new();
                blob_findings(decoded.as_bytes(), 0, depth + 1, &mut inner);
                out.extend(inner.into_iter().map(|f| ScanFinding {
                    id: format!("{encoding}/{}", f.id),
                    start,
                    end,
                    ..f
                }));
            }
        }
    }
}
