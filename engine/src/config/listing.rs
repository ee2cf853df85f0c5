//! The effective config as a list of values with their sources: what
//! `netclaw config show` prints, computed here so the CLI only formats it.

use schemars::JsonSchema;
use serde::Serialize;
use serde_json::Value;

use super::load::{EffectiveConfig, HomeConfig};
use super::provenance::Source;
use super::secret::MASK;
use crate::diagnostic::Diagnostic;
use crate::home::Home;
use crate::json_pointer;

/// `netclaw config show --format json`, published as `schemas/config-show.schema.json`.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[schemars(title = "netclaw config show")]
pub struct ConfigListing {
    /// The home the values were read from.
    pub home: String,
    /// Whether built-in defaults are listed too (`--effective`).
    pub effective: bool,
    /// Every value, in key order.
    pub values: Vec<ConfigEntry>,
}

/// One effective value and where it came from.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
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

impl HomeConfig {
    /// What `config show` lists; `Err` while the config is invalid, since values from a
    /// config netclaw refuses to run would mislead.
    pub fn listing(&self, home: &Home, effective: bool) -> Result<ConfigListing, &[Diagnostic]> {
        let config = self.config.as_ref().map_err(Vec::as_slice)?;
        Ok(ConfigListing { home: home.root().display().to_string(), effective, values: config.entries(effective) })
    }
}

impl EffectiveConfig {
    /// Every leaf value in key order; with `include_defaults` false, only the ones a
    /// file or the environment set.
    pub(crate) fn entries(&self, include_defaults: bool) -> Vec<ConfigEntry> {
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
