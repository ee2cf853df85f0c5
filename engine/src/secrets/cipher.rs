//! `ENC:v1:` values: XChaCha20-Poly1305, so a value that was altered, or moved to
//! another key, fails to open instead of opening to something else.
//!
//! Layout after the prefix, Base64 (standard, padded): key id (4 bytes) ‖ nonce (24)
//! ‖ ciphertext and tag. The nonce is random: 192 bits never repeat by chance, so no
//! counter has to survive a crash. The associated data is the value's *label* (the
//! key it is stored under, see [`label`]): swapping two ciphertexts inside
//! `secrets.json`, or copying one into a route file, is detected.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chacha20poly1305::aead::{Aead, Payload};
use chacha20poly1305::{KeyInit, XChaCha20Poly1305, XNonce};
use secrecy::SecretString;

use super::keyring::{Key, KeyId, Keyring};
use super::{SecretsError, UnsealError};

/// What every encrypted value starts with.
pub(crate) const PREFIX: &str = "ENC:";
const VERSION: &str = "ENC:v1:";
const NONCE: usize = 24;
const TAG: usize = 16;

/// Whether a stored value is meant to be encrypted (well-formed or not).
pub(crate) fn is_sealed(stored: &str) -> bool {
    stored.starts_with(PREFIX)
}

/// The label a value is bound to: where it lives, matched case-insensitively as
/// netclaw matches keys. `scope` is `secrets` for the config's credentials (whichever
/// file holds them) and `webhooks/<route>` for a route file's.
pub(crate) fn label(scope: &str, pointer: &str) -> String {
    format!("{scope}#{}", pointer.to_lowercase())
}

/// Encrypts `plaintext` under `key`, bound to `label`.
pub(crate) fn seal(key: &Key, label: &str, plaintext: &str) -> Result<String, SecretsError> {
    let mut nonce = [0u8; NONCE];
    getrandom::fill(&mut nonce).map_err(|err| SecretsError::Random(err.to_string()))?;
    let cipher = XChaCha20Poly1305::new(key.bytes().into());
    let payload = Payload { msg: plaintext.as_bytes(), aad: label.as_bytes() };
    let sealed = cipher
        .encrypt(XNonce::from_slice(&nonce), payload)
        .map_err(|_| SecretsError::Random("the cipher refused the value".to_owned()))?;
    let mut blob = Vec::with_capacity(4 + NONCE + sealed.len());
    blob.extend_from_slice(&key.id().0);
    blob.extend_from_slice(&nonce);
    blob.extend_from_slice(&sealed);
    Ok(format!("{VERSION}{}", STANDARD.encode(blob)))
}

/// Decrypts a stored `ENC:v1:` value bound to `label` with whichever key of `keyring`
/// sealed it.
pub(crate) fn open(keyring: &Keyring, label: &str, stored: &str) -> Result<SecretString, UnsealError> {
    let blob = decode(stored)?;
    let (id, rest) = blob.split_at(4);
    let id = KeyId(id.try_into().map_err(|_| UnsealError::Malformed)?);
    let (nonce, sealed) = rest.split_at(NONCE);
    let key = keyring.find(id)?;
    let cipher = XChaCha20Poly1305::new(key.bytes().into());
    let plain = cipher
        .decrypt(XNonce::from_slice(nonce), Payload { msg: sealed, aad: label.as_bytes() })
        .map_err(|_| UnsealError::Altered { key: id.to_string() })?;
    String::from_utf8(plain).map(SecretString::from).map_err(|_| UnsealError::Malformed)
}

/// The bytes of a stored value: at least a key id, a nonce and a tag.
fn decode(stored: &str) -> Result<Vec<u8>, UnsealError> {
    let encoded = stored.strip_prefix(VERSION).ok_or(UnsealError::Malformed)?;
    let blob = STANDARD.decode(encoded.trim()).map_err(|_| UnsealError::Malformed)?;
    if blob.len() < 4 + NONCE + TAG {
        return Err(UnsealError::Malformed);
    }
    Ok(blob)
}
