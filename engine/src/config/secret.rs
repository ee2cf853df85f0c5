//! A string that must never be printed: config values that are credentials.
//!
//! The type carries its own secrecy so no caller has to remember it: `Debug` and
//! `Display` mask it, and its JSON Schema is marked `writeOnly`, which is how the
//! schema walker and `config show` know to mask the value at that pointer.

use std::borrow::Cow;
use std::fmt;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Serialize};

/// What every masked value is printed as.
pub(super) const MASK: &str = "********";

#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub(crate) struct Secret(String);

impl Secret {
    /// The value, for the few places that must compare or verify with it (a webhook
    /// signature, doctor's strength test). Never for printing.
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret({MASK})")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(MASK)
    }
}

impl JsonSchema for Secret {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        "Secret".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "writeOnly": true,
            "description": "A credential. Keep it in config/secrets.json, encrypted (`ENC:…`)."
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A secret that leaks through `{:?}` in a log line is the classic leak.
    #[test]
    fn debug_and_display_never_show_the_value() {
        let secret: Secret = serde_json::from_str("\"xoxb-very-secret-token\"").unwrap();
        assert!(!format!("{secret:?}").contains("xoxb"));
        assert!(!format!("{secret}").contains("xoxb"));
        assert_eq!(serde_json::to_value(&secret).ok(), Some("xoxb-very-secret-token".into()), "kept as read");
    }
}
