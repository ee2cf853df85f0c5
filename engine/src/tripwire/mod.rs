//! The prompt-injection tripwire (`netclaw scan`): text from outside (a webhook body,
//! a fetched page, an email) checked for the marks of an injection before an agent
//! reads it. High risk rejects, medium warns, low is noted.
//!
//! A tripwire, not a firewall, as the guide says: it catches the known phrasings and
//! the cheap disguises of them — look-alike letters, fullwidth and mathematical
//! letters, invisible characters between letters ([`normalize`]), instructions spelled
//! in Unicode tag characters ("ASCII smuggling"), and phrases hidden in Base64 or hex
//! blobs, which are decoded and scanned again (bounded). A new phrasing, a synonym or
//! another language gets through. Findings carry byte offsets into the text as given.

mod characters;
mod decode;
mod normalize;
mod phrases;
mod scanner;

use schemars::JsonSchema;
use serde::Serialize;

pub use scanner::{scan, scan_stream};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Risk {
    None,
    Low,
    Medium,
    High,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ScanAction {
    Allow,
    Warn,
    Reject,
}

impl Risk {
    /// netclaw's actions: high rejects, medium warns.
    pub fn action(self) -> ScanAction {
        match self {
            Risk::High => ScanAction::Reject,
            Risk::Medium => ScanAction::Warn,
            Risk::Low | Risk::None => ScanAction::Allow,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct ScanFinding {
    /// Stable: `role-reset`, `exfiltration`, `zero-width`, `tag-smuggling`, …; a
    /// phrase found inside a decoded blob is `base64/role-reset` or `hex/…`.
    pub id: String,
    pub risk: Risk,
    /// Byte offsets into the input (for a decoded phrase: the blob it was in).
    pub start: usize,
    pub end: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct ScanReport {
    pub risk: Risk,
    pub action: ScanAction,
    pub findings: Vec<ScanFinding>,
    /// Findings past the first thousand are counted, not listed.
    #[serde(skip_serializing_if = "is_zero")]
    pub omitted: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

#[cfg(test)]
mod tests;
