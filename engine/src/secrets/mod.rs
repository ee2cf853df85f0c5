//! Secrets at rest: `ENC:` values in `secrets.json` (and route files), the keys under
//! `keys/` that open them, and the maintenance commands (`netclaw secrets …`).
//!
//! A value that does not open is never treated as absent or as its ciphertext: the
//! component that needs it fails closed (a webhook route rejects every delivery) and
//! doctor names the key and why. Errors name keys and key files, never values.

mod cipher;
mod keyring;
mod store;

pub(crate) use cipher::{is_sealed, label, open, seal};
pub(crate) use keyring::{CURRENT as KEY_FILE, Keyring};
pub(crate) use store::route_scope;
pub use store::{RotateReport, SecretListing, SecretState, encrypt_all, list, rotate_key, set};

/// The scope of the config's credentials in a label (see [`label`]).
pub(crate) const CONFIG_SCOPE: &str = "secrets";

/// Why a stored `ENC:` value does not open.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UnsealError {
    #[error("is encrypted, but there is no key: {KEY_FILE} does not exist")]
    NoKey,
    #[error("is encrypted, but {file} cannot be used: {reason}")]
    KeyUnusable { file: String, reason: String },
    #[error("was encrypted with key {wanted}, and {KEY_FILE} is key {have}")]
    OtherKey { wanted: String, have: String },
    #[error("does not decrypt with key {key}: it was altered, or copied from another key or file")]
    Altered { key: String },
    #[error("is not a netclaw ciphertext (`ENC:v1:` then Base64)")]
    Malformed,
}

impl UnsealError {
    /// Stable code for reports.
    pub fn code(&self) -> &'static str {
        match self {
            UnsealError::NoKey => "secrets.no_key",
            UnsealError::KeyUnusable { .. } => "secrets.key_unusable",
            UnsealError::OtherKey { .. } => "secrets.other_key",
            UnsealError::Altered { .. } => "secrets.altered",
            UnsealError::Malformed => "secrets.malformed",
        }
    }
}

/// Why a `netclaw secrets` command changed nothing.
#[derive(Debug, thiserror::Error)]
pub enum SecretsError {
    #[error("`{key}` is not a credential netclaw reads; secrets.json holds credentials only ({known})")]
    NotACredential { key: String, known: String },
    #[error("the value for `{key}` is empty")]
    Empty { key: String },
    #[error("`{key}` in config/secrets.json {source}; nothing was changed")]
    Unseal { key: String, source: UnsealError },
    #[error("{file} cannot be used: {reason}; nothing was changed")]
    KeyUnusable { file: String, reason: String },
    #[error("{file} is not valid JSON: {detail}; nothing was changed")]
    NotJson { file: String, detail: String },
    #[error("cannot write {file}: {reason}")]
    Io { file: String, reason: String },
    #[error(
        "{file} is a symbolic link; netclaw does not write credentials through one (replace it with the file itself)"
    )]
    Linked { file: String },
    #[error("no randomness from the operating system: {0}")]
    Random(String),
}

impl SecretsError {
    /// Stable code for reports and exit handling.
    pub fn code(&self) -> &'static str {
        match self {
            SecretsError::NotACredential { .. } => "secrets.not_a_credential",
            SecretsError::Empty { .. } => "secrets.empty",
            SecretsError::Unseal { source, .. } => source.code(),
            SecretsError::KeyUnusable { .. } => "secrets.key_unusable",
            SecretsError::NotJson { .. } => "secrets.not_json",
            SecretsError::Io { .. } => "secrets.io",
            SecretsError::Random(_) => "secrets.random",
            SecretsError::Linked { .. } => "secrets.linked",
        }
    }
}

#[cfg(test)]
mod tests;
