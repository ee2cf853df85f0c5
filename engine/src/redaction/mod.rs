//! Redaction: every recognised secret in a text replaced by `***REDACTED***`, for
//! `netclaw redact`, doctor's reports, and anything else that writes text a person or
//! a log store will read.
//!
//! One pass per line at most: an Aho-Corasick scan for the literals every pattern
//! needs (`xox`, `sk-`, `token`, `://`, …) picks the lines worth a look, a `RegexSet`
//! says which patterns match there, and only those run to find the spans. Most log
//! lines never reach a regex. Private-key blocks are a state across lines, so a PEM
//! body is hidden however it is cut into reads.

mod patterns;
mod redactor;
mod stream;

use std::borrow::Cow;
use std::sync::LazyLock;

pub(crate) use redactor::Redactor;
pub use stream::{RedactStats, redact_stream};

/// What every secret is replaced with.
pub const MASK: &str = "***REDACTED***";

static REDACTOR: LazyLock<Result<Redactor, String>> = LazyLock::new(Redactor::new);

/// The shared redactor; `Err` only if the built-in patterns failed to compile, which
/// a unit test rules out (callers then hide the whole text: fail closed).
pub(crate) fn redactor() -> Result<&'static Redactor, &'static str> {
    REDACTOR.as_ref().map_err(String::as_str)
}

/// `text` with every recognised secret replaced; borrowed when there is none.
pub fn redact(text: &str) -> Cow<'_, str> {
    match redactor() {
        Ok(redactor) => redactor.redact_str(text),
        Err(_) => Cow::Owned(MASK.to_owned()),
    }
}

/// What kind of credential `value` looks like on its own (no key to go by), if any:
/// a token pasted into a setting.
pub(crate) fn shape_of(value: &str) -> Option<&'static str> {
    redactor().ok()?.shape_of(value.as_bytes())
}

#[cfg(test)]
mod tests;
