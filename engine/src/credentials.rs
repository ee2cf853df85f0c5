//! What a credential looks like: the token shapes of the services netclaw talks to.
//!
//! Used where a value must be recognised as a secret without a key name to go by (a
//! token pasted into a setting of `netclaw.json`). Prefixes are the vendors' own, long
//! enough that a channel id (`C0123ABCDEF`) or a user id never matches.

use std::sync::LazyLock;

use regex::{Regex, RegexSet};

/// Each shape with the name a message may use for it (never the value).
const SHAPES: [(&str, &str); 11] = [
    ("a Slack token", r"\bxox[abeprs]-[0-9A-Za-z-]{8,}"),
    ("a Slack app token", r"\bxapp-[0-9A-Za-z-]{8,}"),
    ("a Slack webhook URL", r"hooks\.slack\.com/services/T[0-9A-Z]+/B[0-9A-Z]+/[0-9A-Za-z]+"),
    ("a GitHub token", r"\b(?:gh[pousr]_[0-9A-Za-z]{20,}|github_pat_[0-9A-Za-z_]{20,})"),
    ("an API key", r"\bsk-(?:ant-|proj-)?[0-9A-Za-z_-]{8,}"),
    ("an AWS access key id", r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),
    ("a JSON Web Token", r"\beyJ[0-9A-Za-z_-]+\.eyJ[0-9A-Za-z_-]+\.[0-9A-Za-z_-]+"),
    ("a private key", r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
    ("a webhook signing secret", r"\bwhsec_[0-9A-Za-z+/=]{16,}"),
    ("a URL with a password", r"[a-z][a-z0-9+.-]*://[^/\s:@]+:[^/\s@]+@"),
    ("a bearer token", r"(?i)\bbearer\s+[0-9A-Za-z._~+/-]{16,}"),
];

static SET: LazyLock<Option<RegexSet>> = LazyLock::new(|| RegexSet::new(SHAPES.iter().map(|(_, re)| *re)).ok());

/// All the shapes in one pattern, for masking.
static ANY: LazyLock<Option<Regex>> = LazyLock::new(|| {
    let alternation = SHAPES.iter().map(|(_, re)| format!("(?:{re})")).collect::<Vec<_>>().join("|");
    Regex::new(&alternation).ok()
});

/// `text` with every token-shaped part replaced, for text that quotes user input
/// (a host, a key) where a credential may have been pasted by mistake.
pub(crate) fn masked(text: &str) -> String {
    match ANY.as_ref() {
        Some(any) => any.replace_all(text, "***REDACTED***").into_owned(),
        // Fail closed: a text that cannot be checked is not shown.
        None => "***REDACTED***".to_owned(),
    }
}

/// What kind of credential `value` looks like, if any.
pub(crate) fn shape_of(value: &str) -> Option<&'static str> {
    let set = SET.as_ref()?;
    let index = set.matches(value).iter().next()?;
    SHAPES.get(index).map(|(name, _)| *name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shapes_compile() {
        assert!(SET.is_some());
    }

    #[test]
    fn masking_hides_tokens_and_keeps_the_rest() {
        assert_eq!(masked("host `xoxb-5555555555-LEAK` is not loopback"), "host `***REDACTED***` is not loopback");
        assert_eq!(masked("channel C0123ABCDEF"), "channel C0123ABCDEF");
    }

    #[test]
    fn tokens_are_recognised_and_ids_are_not() {
        assert_eq!(shape_of("xoxb-1234567890-abcdefgh"), Some("a Slack token"));
        assert_eq!(shape_of("ghp_0123456789abcdefghijABCD"), Some("a GitHub token"));
        assert_eq!(shape_of("sk-ant-api03-abcdefgh"), Some("an API key"));
        assert_eq!(shape_of("AKIAIOSFODNN7EXAMPLE"), Some("an AWS access key id"));
        assert_eq!(shape_of("https://bot:hunter2@example.com/x"), Some("a URL with a password"));
        for benign in ["C0123ABCDEF", "U0123ABCDEF", "notion", "https://example.com/a", "127.0.0.1", "risk-assessment"]
        {
            assert_eq!(shape_of(benign), None, "{benign}");
        }
    }
}
