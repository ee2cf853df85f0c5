//! `netclaw doctor --fix`: safe, mechanical changes only.
//!
//! A fix never makes a choice a human must make (posture, audiences, grants); it only
//! tightens modes, moves credentials where they belong, pins safe settings and drops
//! entries that refer to nothing. Each file is changed at most once per run: its
//! edits are applied together, the original is kept as `<file>.bak` (same mode), and
//! the new text replaces it atomically with its mode kept.

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::os::unix::fs::PermissionsExt;

use serde_json::{Map, Value};

use crate::doctor::FixSummary;
use crate::home::{Home, NETCLAW_JSON, SECRETS_JSON};
use crate::json_pointer;
use crate::secrets::{CONFIG_SCOPE, Keyring, is_sealed, label, seal};
use crate::state_file::{mode_of, write_atomic};

/// One change `--fix` can make. Pointers are in the file's own spelling of its keys.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Fix {
    /// Sets the permission bits of a home-relative path.
    Mode { path: String, mode: u32 },
    /// Sets a (non-secret) value, creating the objects on the way.
    Set { file: String, pointer: String, value: Value },
    /// Removes a key or an array element.
    Remove { file: String, pointer: String },
    /// Moves the credential at `pointer` of `netclaw.json` to the same key of
    /// `secrets.json`. The value is read when the fix is applied, so it is never held,
    /// printed or logged by a report.
    MoveToSecrets { pointer: String },
    /// Encrypts the plaintext credential at `pointer` of `secrets.json` with the
    /// home's key (offered only when there is one: a fix never creates key material).
    Encrypt { pointer: String },
}

impl Fix {
    fn describe(&self) -> String {
        match self {
            Fix::Mode { path, mode } => format!("{path}: chmod {mode:o}"),
            Fix::Set { file, pointer, value } => format!("{file}: set {pointer} to {value}"),
            Fix::Remove { file, pointer } => format!("{file}: remove {pointer}"),
            Fix::MoveToSecrets { pointer } => format!("{NETCLAW_JSON}: move {pointer} to {SECRETS_JSON}"),
            Fix::Encrypt { pointer } => format!("{SECRETS_JSON}: encrypt {pointer}"),
        }
    }

    fn files(&self) -> Vec<&str> {
        match self {
            Fix::Mode { path, .. } => vec![path],
            Fix::Set { file, .. } | Fix::Remove { file, .. } => vec![file],
            Fix::MoveToSecrets { .. } => vec![NETCLAW_JSON, SECRETS_JSON],
            Fix::Encrypt { .. } => vec![SECRETS_JSON],
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum FixError {
    #[error("cannot fix `{file}`: {reason}")]
    Io { file: String, reason: String },
    #[error("cannot fix `{file}`: it is not valid JSON any more (was it edited during the run?)")]
    NotJson { file: String },
    #[error("cannot fix `{file}`: nothing at `{pointer}` (was it edited during the run?)")]
    Missing { file: String, pointer: String },
    #[error("cannot encrypt `{pointer}`: {reason}")]
    Encrypt { pointer: String, reason: String },
}

fn io_error(file: &str) -> impl Fn(io::Error) -> FixError + '_ {
    move |err| FixError::Io { file: file.to_owned(), reason: err.kind().to_string() }
}

/// What `fixes` would change, without changing it.
pub(crate) fn plan(fixes: &[Fix]) -> FixSummary {
    summary(fixes, true)
}

/// The fixes that touch no symbolic link. A chmod follows a link wherever it points
/// (out of the home, to a system file when run as root), and an atomic rewrite would
/// replace the link with a plain file; a linked file is fixed by hand, where it lives.
pub(crate) fn safe(home: &Home, fixes: Vec<Fix>) -> Vec<Fix> {
    let linked = |file: &str| fs::symlink_metadata(home.path(file)).is_ok_and(|m| m.file_type().is_symlink());
    fixes.into_iter().filter(|fix| !fix.files().iter().any(|file| linked(file))).collect()
}

/// Applies `fixes`: JSON edits file by file, then modes.
pub(crate) fn apply(home: &Home, fixes: &[Fix]) -> Result<FixSummary, FixError> {
    let mut documents: BTreeMap<String, Value> = BTreeMap::new();
    let mut removals: Vec<(String, String)> = Vec::new();
    let keys = Keyring::read(home);
    for fix in fixes {
        match fix {
            Fix::Mode { .. } => {}
            Fix::Set { file, pointer, value } => {
                json_pointer::insert(document(home, &mut documents, file)?, pointer, value.clone())
            }
            Fix::Remove { file, pointer } => removals.push((file.clone(), pointer.clone())),
            Fix::MoveToSecrets { pointer } => {
                let value = document(home, &mut documents, NETCLAW_JSON)?
                    .pointer(pointer)
                    .cloned()
                    .ok_or_else(|| FixError::Missing { file: NETCLAW_JSON.to_owned(), pointer: pointer.clone() })?;
                // secrets.json wins over netclaw.json: a value already there is the one
                // in force, and stays.
                let secrets = document(home, &mut documents, SECRETS_JSON)?;
                if json_pointer::spelled_in(secrets, pointer).is_none() {
                    json_pointer::insert(secrets, pointer, value);
                    encrypt(secrets, pointer, &keys)?;
                }
                removals.push((NETCLAW_JSON.to_owned(), pointer.clone()));
            }
            Fix::Encrypt { pointer } => encrypt(document(home, &mut documents, SECRETS_JSON)?, pointer, &keys)?,
        }
    }
    // Later array elements first, so earlier indices still mean what they meant.
    removals.sort_by_key(|removal| std::cmp::Reverse(order_key(removal)));
    for (file, pointer) in &removals {
        remove(document(home, &mut documents, file)?, pointer)
            .ok_or_else(|| FixError::Missing { file: file.clone(), pointer: pointer.clone() })?;
    }
    // secrets.json first: a credential moved out of netclaw.json is written to its new
    // place before it leaves the old one, so a failure in between loses nothing.
    let mut order: Vec<(&String, &Value)> = documents.iter().collect();
    order.sort_by_key(|(file, _)| file.as_str() != SECRETS_JSON);
    for (file, value) in order {
        write_json(home, file, value)?;
    }
    for fix in fixes {
        if let Fix::Mode { path, mode } = fix {
            let target = home.path(path);
            if fs::symlink_metadata(&target).is_ok_and(|m| m.file_type().is_symlink()) {
                continue;
            }
            fs::set_permissions(target, fs::Permissions::from_mode(*mode)).map_err(io_error(path))?;
        }
    }
    Ok(summary(fixes, false))
}

fn summary(fixes: &[Fix], dry_run: bool) -> FixSummary {
    let mut files: Vec<String> = fixes.iter().flat_map(Fix::files).map(str::to_owned).collect();
    files.sort();
    files.dedup();
    FixSummary {
        requested: true,
        dry_run,
        changed_files: u32::try_from(files.len()).unwrap_or(u32::MAX),
        files,
        changes: fixes.iter().map(Fix::describe).collect(),
    }
}

/// The parsed file, read once however many fixes touch it; an absent file is `{}`.
fn document<'d>(
    home: &Home,
    documents: &'d mut BTreeMap<String, Value>,
    file: &str,
) -> Result<&'d mut Value, FixError> {
    if !documents.contains_key(file) {
        let value = match fs::read_to_string(home.path(file)) {
            Ok(text) => serde_json::from_str(&text).map_err(|_| FixError::NotJson { file: file.to_owned() })?,
            Err(err) if err.kind() == io::ErrorKind::NotFound => Value::Object(Map::new()),
            Err(err) => return Err(io_error(file)(err)),
        };
        documents.insert(file.to_owned(), value);
    }
    documents.get_mut(file).ok_or_else(|| FixError::NotJson { file: file.to_owned() })
}

/// Seals the plaintext string at `pointer` (any spelling) of `secrets.json` in place,
/// when the home has a key; anything else is left as it is.
fn encrypt(secrets: &mut Value, pointer: &str, keys: &Keyring) -> Result<(), FixError> {
    let Some(key) = keys.sealing_key() else { return Ok(()) };
    let Some(slot) = json_pointer::spelled_in(secrets, pointer).and_then(|spelled| secrets.pointer_mut(&spelled))
    else {
        return Err(FixError::Missing { file: SECRETS_JSON.to_owned(), pointer: pointer.to_owned() });
    };
    let Some(text) = slot.as_str().filter(|text| !text.is_empty() && !is_sealed(text)) else { return Ok(()) };
    let sealed = seal(key, &label(CONFIG_SCOPE, pointer), text)
        .map_err(|err| FixError::Encrypt { pointer: pointer.to_owned(), reason: err.to_string() })?;
    *slot = Value::String(sealed);
    Ok(())
}

fn remove(root: &mut Value, pointer: &str) -> Option<Value> {
    let tokens = json_pointer::tokens(pointer);
    let (last, parents) = tokens.split_last()?;
    let parent_pointer: String = parents.iter().fold(String::new(), |p, t| json_pointer::join(&p, t));
    match root.pointer_mut(&parent_pointer)? {
        Value::Object(object) => object.shift_remove(last),
        Value::Array(items) => {
            let index: usize = last.parse().ok()?;
            (index < items.len()).then(|| items.remove(index))
        }
        _ => None,
    }
}

/// Sorts removals so that, within one array, higher indices come later.
fn order_key((file, pointer): &(String, String)) -> (String, Vec<(u64, String)>) {
    let tokens = json_pointer::tokens(pointer).into_iter().map(|t| (t.parse().unwrap_or(0), t)).collect();
    (file.clone(), tokens)
}

/// Writes the new text atomically with the file's mode (600 for a new `secrets.json`),
/// keeping the old text as `<file>.bak`, private (600): the old text may hold the very
/// credential the fix moved out of it.
fn write_json(home: &Home, file: &str, value: &Value) -> Result<(), FixError> {
    let path = home.path(file);
    let mode = mode_of(&path).unwrap_or(0o600) & 0o777;
    if let Ok(old) = fs::read(&path) {
        let backup = home.path(&format!("{file}.bak"));
        write_atomic(&backup, &old, 0o600).map_err(io_error(file))?;
    }
    let mut text = serde_json::to_string_pretty(value).map_err(|_| FixError::NotJson { file: file.to_owned() })?;
    text.push('\n');
    write_atomic(&path, text.as_bytes(), mode).map_err(io_error(file))
}
