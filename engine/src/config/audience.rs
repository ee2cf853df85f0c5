//! Audiences: who a call acts for, narrowest first.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// An audience, narrowest first: the order is the privilege order.
// Parsed without regard to case, as netclaw matches config values.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    JsonSchema,
    strum::Display,
    strum::EnumString,
    strum::IntoStaticStr,
    strum::VariantArray,
    strum::EnumProperty,
)]
#[strum(ascii_case_insensitive)]
pub enum Audience {
    #[strum(props(key = "public"))]
    Public,
    #[strum(props(key = "team"))]
    Team,
    #[strum(props(key = "personal"))]
    Personal,
}

impl Audience {
    pub const ALL: [Audience; 3] = [Audience::Public, Audience::Team, Audience::Personal];

    /// As the config writes it (`Personal`).
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// As policy ids and `tool-approvals.json` write it (`personal`).
    pub fn key(self) -> &'static str {
        strum::EnumProperty::get_str(&self, "key").unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_in_any_case_and_keys_are_lowercase() {
        for audience in Audience::ALL {
            assert_eq!(audience.as_str().to_uppercase().parse::<Audience>().ok(), Some(audience));
            assert_eq!(audience.key(), audience.as_str().to_lowercase());
        }
        assert!("Admin".parse::<Audience>().is_err());
    }
}
