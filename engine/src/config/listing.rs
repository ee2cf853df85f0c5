//! The effective config as a list of values with their sources: what
//! `netclaw config show` prints, computed here so the CLI only formats it.

use serde::Serialize;
use serde_json::Value;

use super::load::EffectiveConfig;
use super::provenance::Source;
use super::secret::MASK;
use crate::json_pointer;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConfigEntry {
    /// Dotted key (`Security.ShellExecutionMode`).
    pub key: String,
    /// Canonical RFC 6901 pointer.
    pub pointer: String,
    /// The value, or the mask when `secret`.
    pub value: Value,
    pub secret: bool,
    pub source: Source,
}

impl EffectiveConfig {
    /// Every leaf value in key order; with `include_defaults` false, only the ones a
    /// file or the environment set.
    pub fn entries(&self, include_defaults: bool) -> Vec<ConfigEntry> {
        self.provenance
            .iter()
            .filter(|(_, source)| include_defaults || !source.is_default())
            .map(|(pointer, source)| {
                let secret = self.is_secret(pointer);
                let value = self.value.pointer(pointer).cloned().unwrap_or(Value::Null);
                // An unset secret (null) is shown as unset; anything else is masked.
                let value = if secret && !value.is_null() { Value::String(MASK.to_owned()) } else { value };
                ConfigEntry {
                    key: json_pointer::dotted(pointer),
                    pointer: pointer.to_owned(),
                    value,
                    secret,
                    source: source.clone(),
                }
            })
            .collect()
    }
}
