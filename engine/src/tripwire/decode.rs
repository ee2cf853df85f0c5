//! Base64 and hex blobs in the text, decoded when what they hold is text, so a phrase
//! hidden in one is scanned like any other. Bounded: blobs of at most 64 KiB, at
//! most 256 per window, two levels deep (Base64 of Base64).

use std::sync::LazyLock;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use regex::Regex;

const MAX_BLOB: usize = 64 * 1024;
const MAX_BLOBS: usize = 256;

/// A blob and the text it decoded to.
pub(super) struct Decoded {
    pub encoding: &'static str,
    pub start: usize,
    pub end: usize,
    pub text: String,
}

static BASE64: LazyLock<Option<Regex>> = LazyLock::new(|| Regex::new(r"[A-Za-z0-9+/_-]{16,}={0,2}").ok());
static HEX: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"(?-u:\b)(?:0x)?(?:[0-9a-fA-F]{2}[ :]?){12,}|(?:\\x[0-9a-fA-F]{2}){8,}").ok());

/// The blobs of `text` that decode to readable text, with offsets in `text`.
pub(super) fn blobs(text: &str) -> Vec<Decoded> {
    let mut out = Vec::new();
    for (encoding, regex) in [("base64", &*BASE64), ("hex", &*HEX)] {
        let Some(regex) = regex else { continue };
        for found in regex.find_iter(text).take(MAX_BLOBS) {
            if found.len() > MAX_BLOB {
                continue;
            }
            let bytes = match encoding {
                "base64" => base64(found.as_str()),
                _ => hex(found.as_str()),
            };
            if let Some(text) = bytes.and_then(readable) {
                out.push(Decoded { encoding, start: found.start(), end: found.end(), text });
            }
        }
    }
    out
}

fn base64(blob: &str) -> Option<Vec<u8>> {
    [&STANDARD, &STANDARD_NO_PAD, &URL_SAFE, &URL_SAFE_NO_PAD].iter().find_map(|engine| engine.decode(blob).ok())
}

fn hex(blob: &str) -> Option<Vec<u8>> {
    let blob = blob.strip_prefix("0x").unwrap_or(blob).replace("\\x", "");
    let digits: Vec<u8> = blob.bytes().filter(u8::is_ascii_hexdigit).collect();
    digits
        .chunks_exact(2)
        .map(|pair| std::str::from_utf8(pair).ok().and_then(|p| u8::from_str_radix(p, 16).ok()))
        .collect()
}

/// UTF-8 text that is mostly letters, digits, punctuation and spaces (a hash or an
/// image decodes to bytes, not to words), or another blob to open.
fn readable(bytes: Vec<u8>) -> Option<String> {
    let text = String::from_utf8(bytes).ok()?;
    let total = text.chars().count();
    let printable = text.chars().filter(|c| !c.is_control() || c.is_whitespace()).count();
    let spaced = text.contains(' ') || text.contains('\n');
    let encoded = text.len() >= 16 && text.bytes().all(|b| b.is_ascii_alphanumeric() || b"+/=_-".contains(&b));
    (total >= 8 && printable * 10 >= total * 9 && (spaced || encoded)).then_some(text)
}
