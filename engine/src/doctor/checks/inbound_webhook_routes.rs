//! Inbound Webhook Routes: every `config/webhooks/<route>.json` against the route
//! schema and the file names (a route's name is its URL path segment), then what
//! makes a valid route unsafe: a secret an attacker can guess or learn from another
//! route, limits that invite abuse, an audience wider than an outside sender deserves,
//! and a directory others can read the secrets from.

use std::collections::HashMap;

use crate::config::{Audience, WebhookRoute};
use crate::diagnostic::Location;
use crate::doctor::modes::Guarded;
use crate::doctor::{Check, CheckOutcome, DoctorContext, Finding};
use crate::document::JsonDocument;
use crate::home::{FileRead, WEBHOOKS_DIR, WebhookDir};
use crate::secrets::UnsealError;

/// REFERENCE: `maxBodyBytes` and `rateLimitPerMinute` defaults; above them is a choice
/// worth a second look.
const DEFAULT_MAX_BODY_BYTES: u64 = 1024 * 1024;
const DEFAULT_RATE_LIMIT: u32 = 30;
/// A secret shorter than this, or with less estimated entropy, can be brute-forced
/// offline from one signed delivery.
const MIN_SECRET_CHARS: usize = 16;
const MIN_SECRET_BITS: f64 = 64.0;
const PLACEHOLDERS: [&str; 12] = [
    "changeme",
    "change-me",
    "change_me",
    "secret",
    "password",
    "example",
    "test",
    "webhook",
    "default",
    "todo",
    "replace",
    "your",
];

const WEBHOOKS: Guarded =
    Guarded { path: WEBHOOKS_DIR, mode: 0o700, code: "webhooks-dir-mode", holds: "the route secrets" };

#[derive(Debug)]
pub(crate) struct InboundWebhookRoutes;

impl Check for InboundWebhookRoutes {
    fn id(&self) -> &'static str {
        "inbound-webhook-routes"
    }

    fn name(&self) -> &'static str {
        "Inbound Webhook Routes"
    }

    fn run(&self, context: &DoctorContext<'_>) -> CheckOutcome {
        let routes = &context.config.webhook_routes;
        let mut findings: Vec<Finding> = routes.diagnostics.iter().map(Finding::from).collect();
        let mut fixes = Vec::new();
        if let Some((finding, fix)) = WEBHOOKS.check(context) {
            findings.push(finding);
            fixes.push(fix);
        }
        let mut secrets: HashMap<&str, &str> = HashMap::new();
        for (name, route) in &routes.routes {
            let place = |pointer: &str| locate(context, name, pointer);
            findings.extend(weak_secret(route).map(|why| {
                Finding::error(
                    "weak-secret",
                    place("/verification/secret"),
                    format!("route `{name}`: the secret {why}"),
                )
                .with_help("use 32 or more random bytes, e.g. `openssl rand -hex 32`, and set the same at the sender")
            }));
            let secret = route.verification.secret.expose();
            match secret.ok().and_then(|secret| secrets.get(secret).map(|first| (secret, first))) {
                Some((secret, first)) if !secret.is_empty() => findings.push(
                    Finding::error(
                        "shared-secret",
                        place("/verification/secret"),
                        format!(
                            "route `{name}` uses the same secret as route `{first}`: either sender can sign for both"
                        ),
                    )
                    .with_help("give every route its own secret"),
                ),
                _ => {
                    if let Ok(secret) = secret {
                        secrets.insert(secret, name);
                    }
                }
            }
            findings.extend(limits(route, name, &place));
            if let Err(err) = secret {
                let code = if *err == UnsealError::NoKey { "encrypted-without-key" } else { "secret-does-not-decrypt" };
                findings.push(
                    Finding::error(
                        code,
                        place("/verification/secret"),
                        format!("route `{name}`: the secret {err}: every delivery is rejected"),
                    )
                    .with_help("restore the key that sealed it into keys/, or set the route's secret again and run `netclaw secrets encrypt`"),
                );
            }
        }
        let valid = routes.routes.len();
        let served = if context.config.config.as_ref().is_ok_and(|c| c.config.webhooks.enabled) || valid == 0 {
            String::new()
        } else {
            "; `Webhooks.Enabled` is false, so none is served".to_owned()
        };
        let clean = match valid {
            0 => "no webhook routes configured".to_owned(),
            n => format!("{n} route(s) valid: {}{served}", names(context)),
        };
        CheckOutcome::found(findings, clean, "fix or remove the routes named below; an invalid route is never served")
            .with_fixes(fixes)
    }
}

fn names(context: &DoctorContext<'_>) -> String {
    let routes = &context.config.webhook_routes.routes;
    routes.iter().map(|(name, _)| name.as_str()).collect::<Vec<_>>().join(", ")
}

fn limits(route: &WebhookRoute, name: &str, place: &dyn Fn(&str) -> Location) -> Vec<Finding> {
    let mut out = Vec::new();
    if route.max_body_bytes > DEFAULT_MAX_BODY_BYTES {
        let message = format!("route `{name}` accepts bodies of {} bytes, over 1 MiB", route.max_body_bytes);
        out.push(
            Finding::warning("body-limit-high", place("/maxBodyBytes"), message)
                .with_help("keep `maxBodyBytes` at 1048576 or less unless the sender needs more"),
        );
    }
    if route.rate_limit_per_minute > DEFAULT_RATE_LIMIT {
        let message = format!(
            "route `{name}` allows {} deliveries a minute, over the default {DEFAULT_RATE_LIMIT}: each one runs the agent",
            route.rate_limit_per_minute
        );
        out.push(
            Finding::warning("rate-limit-high", place("/rateLimitPerMinute"), message)
                .with_help(format!("lower `rateLimitPerMinute` to {DEFAULT_RATE_LIMIT} unless the sender needs more")),
        );
    }
    if route.audience > Audience::Public {
        let message = format!(
            "route `{name}` runs as `{}`: whoever can sign a delivery gets that audience's tools, unattended",
            route.audience.as_str()
        );
        out.push(
            Finding::error("route-audience-too-broad", place("/audience"), message)
                .with_help("set `audience` to `Public`, and grant Public only what the prompt needs"),
        );
    }
    out
}

/// Why a secret is weak, if it is.
fn weak_secret(route: &WebhookRoute) -> Option<String> {
    // A value that did not open is ciphertext: its strength cannot be judged, but a
    // placeholder written after the `ENC:` prefix is still a placeholder.
    let (secret, encrypted) = match route.verification.secret.unopened() {
        Some(stored) => (stored.strip_prefix("ENC:").unwrap_or(stored), true),
        None => (route.verification.secret.expose().unwrap_or_default(), false),
    };
    let lower = secret.to_ascii_lowercase();
    if secret.contains("...") || secret.contains('<') || lower.contains("xxxx") {
        return Some("is a placeholder".to_owned());
    }
    if let Some(word) = PLACEHOLDERS.iter().find(|w| lower.trim_start_matches("whsec_").starts_with(*w)) {
        return Some(format!("starts with the placeholder word `{word}`"));
    }
    if encrypted {
        return None;
    }
    let chars = secret.chars().count();
    if let Some(period) = period(secret) {
        return Some(format!("repeats a {period}-character pattern"));
    }
    if chars < MIN_SECRET_CHARS {
        return Some(format!("is {chars} characters long; use at least 32 random bytes"));
    }
    let bits = entropy_bits(secret);
    (bits < MIN_SECRET_BITS).then(|| format!("has about {bits:.0} bits of entropy; use at least 128"))
}

/// The length of the pattern `text` repeats, if it is two or more copies of one
/// (`deadbeefdeadbeef`, `0123456789012345…`): character counts cannot see repetition.
fn period(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    (1..=bytes.len() / 2).find(|&p| bytes.iter().zip(bytes.iter().skip(p)).all(|(a, b)| a == b))
}

/// The secret's length times the Shannon entropy of its characters: a rough upper
/// bound, enough to catch repeated and patterned secrets (`aaaa…`, `abababab…`).
fn entropy_bits(secret: &str) -> f64 {
    let mut counts: HashMap<char, usize> = HashMap::new();
    for c in secret.chars() {
        *counts.entry(c).or_default() += 1;
    }
    let total = secret.chars().count() as f64;
    let per_char: f64 = counts.values().map(|&n| n as f64 / total).map(|p| -p * p.log2()).sum();
    per_char * total
}

/// The place of a key of a route file, found by its canonical (camelCase) pointer
/// whatever case the file spells the keys in.
fn locate(context: &DoctorContext<'_>, route: &str, pointer: &str) -> Location {
    let file = format!("{WEBHOOKS_DIR}/{route}.json");
    let WebhookDir::Entries(entries) = &context.files.webhooks else { return Location::at(file, pointer) };
    let text = entries.iter().find(|e| e.name == format!("{route}.json")).and_then(|e| match &e.read {
        FileRead::Text(text) => Some(text.clone()),
        _ => None,
    });
    let Some(document) = text.and_then(|t| JsonDocument::parse(&file, t).ok()) else {
        return Location::at(file, pointer);
    };
    match crate::json_pointer::spelled_in(&document.value, pointer) {
        Some(in_file) => document.locate(&in_file),
        None => Location::at(file, pointer),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_patterns_are_found() {
        assert_eq!(period("deadbeefdeadbeefdeadbeefdeadbeef"), Some(8));
        assert_eq!(period("0123456789012345678901234567890123456789"), Some(10));
        assert_eq!(period("3f9a1c7e5b2d8f40a6c1e9b7d3f5a2c8"), None);
    }

    #[test]
    fn entropy_separates_random_from_patterned() {
        assert!(entropy_bits("3f9a1c7e5b2d8f40a6c1e9b7d3f5a2c8") > 100.0);
        assert!(entropy_bits("abababababababababababab") < MIN_SECRET_BITS);
        assert!(entropy_bits("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa") < 1.0);
    }
}
