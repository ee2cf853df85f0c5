//! The typed model of one inbound webhook route, `config/webhooks/<route>.json`.
//!
//! Keys are camelCase (the guide's PascalCase example is accepted too: keys match
//! case-insensitively). A route without verification is not a route: `verification`
//! and its `secret` are required so an unauthenticated endpoint cannot be configured
//! by omission.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::audience::Audience;
use super::secret::Secret;

/// What a route file's stem must look like (`config/webhooks/<route>.json`).
pub(super) const ROUTE_NAME_PATTERN: &str = "^[a-z0-9]+(?:-[a-z0-9]+)*$";

/// Whether `name` is a valid route name; hand-written so it needs no regex engine.
pub(super) fn is_valid_route_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .split('-')
            .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()))
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schemars(title = "webhook route", description = "One inbound webhook route: config/webhooks/<route>.json.")]
pub(crate) struct WebhookRoute {
    #[serde(default = "default_true")]
    pub enabled: bool,
    /// The prompt the agent runs for each accepted delivery.
    #[schemars(length(min = 1))]
    pub prompt: String,
    pub verification: Verification,
    #[serde(default = "default_event_header")]
    pub event_header_name: String,
    #[serde(default = "default_delivery_header")]
    pub delivery_id_header_name: String,
    /// Event names accepted; empty accepts all.
    #[serde(default)]
    pub events: Vec<String>,
    /// Keep it `Public` unless the prompt truly needs more tools.
    #[serde(default = "default_audience")]
    pub audience: Audience,
    #[serde(default = "default_max_body_bytes")]
    #[schemars(range(min = 1))]
    pub max_body_bytes: u64,
    /// Per route, not global.
    #[serde(default = "default_rate_limit")]
    #[schemars(range(min = 1))]
    pub rate_limit_per_minute: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub(crate) enum VerificationKind {
    /// HMAC of the raw body, hex in a header.
    Hmac,
    /// Stripe-style `t=…,v1=…`: HMAC over `timestamp.body`, replay-bounded.
    HmacTimestamped,
    /// A shared secret compared in constant time against a header.
    HeaderSecret,
}

impl VerificationKind {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            VerificationKind::Hmac => "Hmac",
            VerificationKind::HmacTimestamped => "HmacTimestamped",
            VerificationKind::HeaderSecret => "HeaderSecret",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
pub(crate) enum HmacAlgorithm {
    #[default]
    Sha256,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct Verification {
    pub kind: VerificationKind,
    #[serde(default)]
    pub hmac_algorithm: HmacAlgorithm,
    pub secret: Secret,
    #[serde(default = "default_signature_header")]
    pub signature_header_name: String,
    /// Stripped before comparing, e.g. `sha256=` for GitHub.
    #[serde(default)]
    pub signature_prefix: Option<String>,
    #[serde(default = "default_secret_header")]
    pub secret_header_name: String,
    /// How old a timestamped signature may be.
    #[serde(default = "default_tolerance")]
    #[schemars(range(min = 1, max = 3600))]
    pub tolerance_seconds: u32,
    #[serde(default = "default_timestamp_field")]
    pub timestamp_field: String,
    #[serde(default = "default_signature_field")]
    pub signature_field: String,
    #[serde(default = "default_separator")]
    pub signed_payload_separator: String,
}

fn default_true() -> bool {
    true
}
fn default_event_header() -> String {
    "X-Webhook-Event".to_owned()
}
fn default_delivery_header() -> String {
    "X-Webhook-Delivery".to_owned()
}
fn default_audience() -> Audience {
    Audience::Public
}
fn default_max_body_bytes() -> u64 {
    1_048_576
}
fn default_rate_limit() -> u32 {
    30
}
fn default_signature_header() -> String {
    "X-Webhook-Signature".to_owned()
}
fn default_secret_header() -> String {
    "X-Webhook-Secret".to_owned()
}
fn default_tolerance() -> u32 {
    300
}
fn default_timestamp_field() -> String {
    "t".to_owned()
}
fn default_signature_field() -> String {
    "v1".to_owned()
}
fn default_separator() -> String {
    ".".to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn route_names_follow_the_contract_pattern() {
        for good in ["github", "a", "ci-builds", "x1-2y"] {
            assert!(is_valid_route_name(good), "{good}");
        }
        for bad in ["", "GitHub", "my_route", "-a", "a-", "a--b", "a.b", "ä"] {
            assert!(!is_valid_route_name(bad), "{bad}");
        }
    }
}
