//! `netclaw secrets set|list|encrypt|rotate-key`: edits of the files that hold
//! credentials (`secrets.json`, and the `Verification.Secret` of each route file).
//!
//! Every command first opens every encrypted value it could touch; if one does not
//! open (no key, another key, altered), it stops before writing anything and names
//! the value and the key file. Writes are atomic and never widen a file's mode.
//! Comments in a rewritten file are not kept: these files are JSON.

use std::fs;
use std::io::ErrorKind;

use schemars::JsonSchema;
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use serde_json::Value;
use zeroize::Zeroizing;

use super::keyring::{Key, Keyring};
use super::{CONFIG_SCOPE, SecretsError, UnsealError, cipher};
use crate::home::{Home, SECRETS_JSON, WEBHOOKS_DIR};
use crate::json_pointer;
use crate::schema::{SchemaId, SchemaNode};
use crate::state_file::{mode_of, write_atomic};

/// A credential as `netclaw secrets list` shows it: where, and in what state.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SecretListing {
    /// Home-relative file.
    pub file: String,
    /// Dotted key as written in the file.
    pub key: String,
    pub pointer: String,
    pub state: SecretState,
    /// Why an encrypted value does not open (never the value).
    pub problem: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SecretState {
    Plaintext,
    Encrypted,
    Undecryptable,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RotateReport {
    /// The key id values were sealed with before (none if there was no key).
    pub old_key: Option<String>,
    pub new_key: String,
    /// Encrypted values now sealed with the new key.
    pub reencrypted: usize,
    /// Values still in plaintext (`netclaw secrets encrypt` seals them).
    pub plaintext: usize,
}

/// Every credential in the home's files, in file then document order.
pub fn list(home: &Home) -> Result<Vec<SecretListing>, SecretsError> {
    let keyring = Keyring::read(home);
    let mut out = Vec::new();
    for file in credential_files(home)? {
        for (pointer, stored) in file.credentials() {
            let (state, problem) = if !cipher::is_sealed(stored) {
                (SecretState::Plaintext, None)
            } else {
                match cipher::open(&keyring, &cipher::label(&file.scope, &pointer), stored) {
                    Ok(_) => (SecretState::Encrypted, None),
                    Err(err) => (SecretState::Undecryptable, Some(err.to_string())),
                }
            };
            let key = json_pointer::dotted(&pointer);
            out.push(SecretListing { file: file.relative.clone(), key, pointer, state, problem });
        }
    }
    Ok(out)
}

/// Stores `value` encrypted at the config credential `key` (dotted, any case) of
/// `secrets.json`, creating the key and the file if needed. Returns the key in the
/// schema's spelling.
pub fn set(home: &Home, key: &str, value: &SecretString) -> Result<String, SecretsError> {
    let pointer = credential_pointer(key)?;
    let dotted = json_pointer::dotted(&pointer);
    if value.expose_secret().is_empty() {
        return Err(SecretsError::Empty { key: dotted });
    }
    let mut file = CredentialFile::read(home, SECRETS_JSON, CONFIG_SCOPE.to_owned())?;
    // Checked before a key is created: values sealed under a key that is gone must
    // say so, not be joined by values under a new one.
    file.check_opens(&Keyring::read(home))?;
    let keyring = Keyring::ensure_current(home)?;
    let key = sealing_key(&keyring)?;
    let sealed = cipher::seal(key, &cipher::label(CONFIG_SCOPE, &pointer), value.expose_secret())?;
    json_pointer::insert(&mut file.value, &pointer, Value::String(sealed));
    file.write(home)?;
    Ok(dotted)
}

/// Encrypts every plaintext credential in place (creating the key on first use);
/// returns how many were sealed.
pub fn encrypt_all(home: &Home) -> Result<usize, SecretsError> {
    let mut files = credential_files(home)?;
    let existing = Keyring::read(home);
    for file in &files {
        file.check_opens(&existing)?;
    }
    let keyring = Keyring::ensure_current(home)?;
    let key = sealing_key(&keyring)?;
    let mut sealed = 0;
    for file in &mut files {
        let plaintext: Vec<(String, Zeroizing<String>)> = file
            .credentials()
            .into_iter()
            .filter(|(_, stored)| !stored.is_empty() && !cipher::is_sealed(stored))
            .map(|(pointer, stored)| (pointer, Zeroizing::new(stored.to_owned())))
            .collect();
        for (pointer, stored) in &plaintext {
            let value = cipher::seal(key, &cipher::label(&file.scope, pointer), stored)?;
            file.replace(pointer, value);
        }
        if !plaintext.is_empty() {
            file.write(home)?;
            sealed += plaintext.len();
        }
    }
    Ok(sealed)
}

/// Re-encrypts every encrypted value under a new key, then retires the old one.
/// Interrupted, it resumes where it stopped when run again: until it finishes, both
/// keys are on disk and every value opens with one of them.
pub fn rotate_key(home: &Home) -> Result<RotateReport, SecretsError> {
    let before = Keyring::read(home);
    let mut files = credential_files(home)?;
    for file in &files {
        file.check_opens(&before)?;
    }
    let old_key = before.current().map(|key| key.id().to_string());
    let keyring = Keyring::begin_rotation(home)?;
    let key = sealing_key(&keyring)?;
    let (mut reencrypted, mut plaintext) = (0, 0);
    for file in &mut files {
        let mut changed = false;
        for (pointer, stored) in file.owned_credentials() {
            if !cipher::is_sealed(&stored) {
                plaintext += usize::from(!stored.is_empty());
                continue;
            }
            let label = cipher::label(&file.scope, &pointer);
            let value = cipher::open(&keyring, &label, &stored).map_err(|source| unseal(&pointer, source))?;
            file.replace(&pointer, cipher::seal(key, &label, value.expose_secret())?);
            reencrypted += 1;
            changed = true;
        }
        if changed {
            file.write(home)?;
        }
    }
    let new_key = key.id().to_string();
    Keyring::finish_rotation(home)?;
    Ok(RotateReport { old_key, new_key, reencrypted, plaintext })
}

fn sealing_key(keyring: &Keyring) -> Result<&Key, SecretsError> {
    keyring.sealing_key().ok_or_else(|| SecretsError::Unseal { key: String::new(), source: UnsealError::NoKey })
}

fn unseal(pointer: &str, source: UnsealError) -> SecretsError {
    SecretsError::Unseal { key: json_pointer::dotted(pointer), source }
}

/// The canonical pointer of a config credential named `key` (dotted, any case).
fn credential_pointer(key: &str) -> Result<String, SecretsError> {
    let schema = SchemaId::Netclaw.compiled();
    let mut node = schema.root();
    let mut pointer = String::new();
    for token in key.split('.') {
        let Some((name, child)) = node.child(token) else { return Err(not_a_credential(key)) };
        pointer = json_pointer::join(&pointer, &name);
        node = child;
    }
    if node.is_write_only() { Ok(pointer) } else { Err(not_a_credential(key)) }
}

fn not_a_credential(key: &str) -> SecretsError {
    let mut known = Vec::new();
    write_only_keys(SchemaId::Netclaw.compiled().root(), String::new(), 0, &mut known);
    SecretsError::NotACredential { key: key.to_owned(), known: format!("known: {}", known.join(", ")) }
}

/// The dotted keys of every credential the schema declares (named properties only).
fn write_only_keys(node: SchemaNode<'_>, pointer: String, depth: usize, out: &mut Vec<String>) {
    if node.is_write_only() {
        out.push(json_pointer::dotted(&pointer));
        return;
    }
    if depth > 8 {
        return;
    }
    for name in node.property_names() {
        if let Some((name, child)) = node.child(name) {
            write_only_keys(child, json_pointer::join(&pointer, &name), depth + 1, out);
        }
    }
}

/// A file that holds credentials, parsed, with the scope its values are bound to.
struct CredentialFile {
    relative: String,
    scope: String,
    value: Value,
    /// Absent files are written only if something is set in them.
    existed: bool,
}

impl CredentialFile {
    fn read(home: &Home, relative: &str, scope: String) -> Result<Self, SecretsError> {
        refuse_link(home, relative)?;
        let text = match fs::read_to_string(home.path(relative)) {
            Ok(text) => Zeroizing::new(text),
            Err(err) if err.kind() == ErrorKind::NotFound => {
                let value = Value::Object(serde_json::Map::new());
                return Ok(Self { relative: relative.to_owned(), scope, value, existed: false });
            }
            Err(err) => return Err(SecretsError::Io { file: relative.to_owned(), reason: err.kind().to_string() }),
        };
        let not_json = |detail: String| SecretsError::NotJson { file: relative.to_owned(), detail };
        let value: Value = serde_json::from_str(&text).map_err(|err| {
            // serde's message quotes no input, only the place.
            not_json(format!("line {} column {}", err.line(), err.column()))
        })?;
        if !value.is_object() {
            return Err(not_json("the top level is not an object".to_owned()));
        }
        Ok(Self { relative: relative.to_owned(), scope, value, existed: true })
    }

    /// The credential strings and their pointers: every string of `secrets.json`, the
    /// `Verification.Secret` of a route.
    fn credentials(&self) -> Vec<(String, &str)> {
        let strings = json_pointer::strings(&self.value);
        if self.scope == CONFIG_SCOPE {
            return strings;
        }
        strings.into_iter().filter(|(pointer, _)| pointer.eq_ignore_ascii_case("/verification/secret")).collect()
    }

    fn owned_credentials(&self) -> Vec<(String, Zeroizing<String>)> {
        self.credentials().into_iter().map(|(p, s)| (p, Zeroizing::new(s.to_owned()))).collect()
    }

    /// Fails on the first encrypted value that does not open with `keyring`.
    fn check_opens(&self, keyring: &Keyring) -> Result<(), SecretsError> {
        for (pointer, stored) in self.credentials() {
            if cipher::is_sealed(stored) {
                cipher::open(keyring, &cipher::label(&self.scope, &pointer), stored).map_err(|source| {
                    let key = json_pointer::dotted(&pointer);
                    match self.scope.as_str() {
                        CONFIG_SCOPE => SecretsError::Unseal { key, source },
                        _ => SecretsError::Unseal { key: format!("{} {key}", self.relative), source },
                    }
                })?;
            }
        }
        Ok(())
    }

    fn replace(&mut self, pointer: &str, sealed: String) {
        if let Some(slot) = self.value.pointer_mut(pointer) {
            *slot = Value::String(sealed);
        }
    }

    /// Writes the file atomically at its mode without group or other bits (600 new).
    fn write(&self, home: &Home) -> Result<(), SecretsError> {
        let path = home.path(&self.relative);
        let io = |err: std::io::Error| SecretsError::Io { file: self.relative.clone(), reason: err.kind().to_string() };
        if let Some(dir) = path.parent().filter(|_| !self.existed) {
            fs::create_dir_all(dir).map_err(io)?;
        }
        let mode = match mode_of(&path).map(|mode| mode & 0o600) {
            Some(0) | None => 0o600,
            Some(mode) => mode,
        };
        let mut text = Zeroizing::new(
            serde_json::to_string_pretty(&self.value)
                .map_err(|err| SecretsError::NotJson { file: self.relative.clone(), detail: err.to_string() })?,
        );
        text.push('\n');
        write_atomic(&path, text.as_bytes(), mode).map_err(io)
    }
}

/// `secrets.json` and every route file (links not followed out of the directory).
fn credential_files(home: &Home) -> Result<Vec<CredentialFile>, SecretsError> {
    let mut files = vec![CredentialFile::read(home, SECRETS_JSON, CONFIG_SCOPE.to_owned())?];
    refuse_link(home, WEBHOOKS_DIR)?;
    let mut routes: Vec<String> = Vec::new();
    for entry in fs::read_dir(home.path(WEBHOOKS_DIR)).into_iter().flatten().flatten() {
        let Some(name) = entry.file_name().to_str().map(str::to_owned).filter(|n| n.ends_with(".json")) else {
            continue;
        };
        if entry.file_type().is_ok_and(|t| t.is_file() || t.is_symlink()) {
            routes.push(name);
        }
    }
    routes.sort();
    for name in routes {
        let route = name.trim_end_matches(".json");
        let scope = route_scope(route);
        files.push(CredentialFile::read(home, &format!("{WEBHOOKS_DIR}/{name}"), scope)?);
    }
    Ok(files)
}

/// A file or directory these commands would write through a symbolic link: they
/// refuse, because the write would land wherever the link points (out of the home,
/// at the link target's mode) and leave the plaintext there.
pub(super) fn refuse_link(home: &Home, relative: &str) -> Result<(), SecretsError> {
    match fs::symlink_metadata(home.path(relative)) {
        Ok(meta) if meta.file_type().is_symlink() => Err(SecretsError::Linked { file: relative.to_owned() }),
        _ => Ok(()),
    }
}

/// The scope a route's secret is bound to.
pub(crate) fn route_scope(route: &str) -> String {
    format!("webhooks/{route}")
}
