//! A string that must never be printed: config values that are credentials.
//!
//! The type carries its own secrecy so no caller has to remember it: `Debug`,
//! `Display` and `Serialize` mask it, the bytes are zeroed when dropped (`secrecy`),
//! and its JSON Schema is marked `writeOnly`, which is how the schema walker and
//! `config show` know to mask the value at that pointer. An `ENC:` value is opened
//! when the config is loaded ([`Secret::unseal`]); one that does not open is kept as
//! such, so whatever needs it fails closed and says why.

use std::borrow::Cow;
use std::fmt;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::secrets::{Keyring, UnsealError, is_sealed, open};

/// What every masked value is printed as.
pub(super) const MASK: &str = "********";

#[derive(Clone)]
pub(crate) struct Secret {
    /// The plaintext; for a value that did not open, the stored ciphertext.
    value: SecretString,
    state: State,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum State {
    Plaintext,
    Decrypted,
    Undecryptable(UnsealError),
}

impl Secret {
    /// The plaintext, for the few places that must compare or verify with it (a
    /// webhook signature, doctor's strength test); never for printing. An encrypted
    /// value that did not open has none.
    pub(crate) fn expose(&self) -> Result<&str, &UnsealError> {
        match &self.state {
            State::Undecryptable(err) => Err(err),
            _ => Ok(self.value.expose_secret()),
        }
    }

    /// The stored ciphertext of a value that did not open (nothing secret in it).
    pub(crate) fn unopened(&self) -> Option<&str> {
        matches!(self.state, State::Undecryptable(_)).then(|| self.value.expose_secret())
    }

    /// Opens an `ENC:` value with `keyring`; `label` is where it is stored.
    pub(crate) fn unseal(&mut self, keyring: &Keyring, label: &str) {
        if self.state != State::Plaintext || !is_sealed(self.value.expose_secret()) {
            return;
        }
        match open(keyring, label, self.value.expose_secret()) {
            Ok(plain) => (self.value, self.state) = (plain, State::Decrypted),
            Err(err) => self.state = State::Undecryptable(err),
        }
    }
}

impl PartialEq for Secret {
    fn eq(&self, other: &Self) -> bool {
        self.state == other.state && self.value.expose_secret() == other.value.expose_secret()
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Ok(Secret { value: SecretString::from(text), state: State::Plaintext })
    }
}

/// Written out, a secret is its mask: nothing serialises a credential by accident.
impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(MASK)
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
    fn debug_display_and_serialize_never_show_the_value() {
        let secret: Secret = serde_json::from_str("\"xoxb-very-secret-token\"").unwrap();
        assert!(!format!("{secret:?}").contains("xoxb"));
        assert!(!format!("{secret}").contains("xoxb"));
        assert_eq!(serde_json::to_value(&secret).ok(), Some(MASK.into()));
        assert_eq!(secret.expose(), Ok("xoxb-very-secret-token"), "kept as read");
    }

    #[test]
    fn an_encrypted_value_without_its_key_has_no_plaintext() {
        let mut secret: Secret = serde_json::from_str("\"ENC:v1:4q0J1wQm5dXlYk3uS8pX2g==\"").unwrap();
        secret.unseal(&Keyring::default(), "secrets#/slack/bottoken");
        assert_eq!(secret.expose(), Err(&UnsealError::Malformed));
        assert_eq!(secret.unopened(), Some("ENC:v1:4q0J1wQm5dXlYk3uS8pX2g=="));
    }
}
