//! Secrets JSON: where credentials live and who can read them.
//!
//! `secrets.json` must be private (600) and its values encrypted (`ENC:…`) with key
//! material under a private `keys/` (700); a credential written into `netclaw.json`
//! itself is a failure, because that file is meant to be read, diffed and reviewed.
//! Messages name keys, never values.

use crate::config::{EffectiveConfig, Source};
use crate::credentials;
use crate::doctor::modes::Guarded;
use crate::doctor::{Check, CheckOutcome, DoctorContext, Finding, Fix};
use crate::document::JsonDocument;
use crate::home::{FileRead, KEYS_DIR, NETCLAW_JSON, SECRETS_JSON};
use crate::json_pointer;
use crate::schema::{SchemaId, SchemaNode};

const SECRETS_FILE: Guarded =
    Guarded { path: SECRETS_JSON, mode: 0o600, code: "secrets-file-mode", holds: "the credentials" };
const KEYS: Guarded = Guarded { path: KEYS_DIR, mode: 0o700, code: "keys-dir-mode", holds: "the encryption keys" };
const KEY_FILE: Guarded = Guarded { path: KEYS_DIR, mode: 0o600, code: "key-file-mode", holds: "an encryption key" };
const ENCRYPTED: &str = "ENC:";

#[derive(Debug)]
pub(crate) struct SecretsJson;

impl Check for SecretsJson {
    fn id(&self) -> &'static str {
        "secrets-json"
    }

    fn name(&self) -> &'static str {
        "Secrets JSON"
    }

    fn run(&self, context: &DoctorContext<'_>) -> CheckOutcome {
        let (mut findings, mut fixes): (Vec<Finding>, Vec<Fix>) = modes(context).into_iter().unzip();
        if let Ok(config) = &context.config.config {
            findings.extend(plaintext_secrets(config));
            findings.extend(encrypted_without_key(context, config));
        }
        let (misplaced, moves): (Vec<Finding>, Vec<Option<Fix>>) = credentials_in_config(context).into_iter().unzip();
        findings.extend(misplaced);
        fixes.extend(moves.into_iter().flatten());
        let stored = secret_leaves(context).len();
        let clean = match stored {
            0 => "no credentials in the config files".to_owned(),
            n => format!("{n} credential(s) in secrets.json, encrypted, file and keys private"),
        };
        CheckOutcome::found(findings, clean, "keep credentials in secrets.json, encrypted, readable by you alone")
            .with_fixes(fixes)
    }
}

fn modes(context: &DoctorContext<'_>) -> Vec<(Finding, Fix)> {
    let mut out: Vec<(Finding, Fix)> =
        [SECRETS_FILE.check(context), KEYS.check(context)].into_iter().flatten().collect();
    for (relative, is_dir) in key_tree(context) {
        let rule = if is_dir { &KEYS } else { &KEY_FILE };
        out.extend(rule.check_path(context, &relative));
    }
    out
}

/// Everything under `keys/` (home-relative, sorted; links not followed), and whether
/// each is a directory: a key may sit in a subdirectory.
fn key_tree(context: &DoctorContext<'_>) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    let mut pending = vec![KEYS_DIR.to_owned()];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(context.home.path(&dir)) else { continue };
        for entry in entries.flatten() {
            let relative = format!("{dir}/{}", entry.file_name().to_string_lossy());
            let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
            // Bounded: a key directory is shallow.
            if is_dir && relative.matches('/').count() < 8 {
                pending.push(relative.clone());
            }
            out.push((relative, is_dir));
        }
    }
    out.sort();
    out
}

/// The canonical pointers of the values `secrets.json` sets, with their sources.
fn secret_leaves(context: &DoctorContext<'_>) -> Vec<(String, Source)> {
    let Ok(config) = &context.config.config else { return Vec::new() };
    config
        .provenance
        .iter()
        .filter(|(_, source)| matches!(source, Source::File { file, .. } if file == SECRETS_JSON))
        .map(|(pointer, source)| (pointer.to_owned(), source.clone()))
        .collect()
}

fn plaintext_secrets(config: &EffectiveConfig) -> Vec<Finding> {
    let mut out = Vec::new();
    for (pointer, source) in config.provenance.iter() {
        let Source::File { file, .. } = source else { continue };
        let Some(text) = config.value.pointer(pointer).and_then(|v| v.as_str()) else { continue };
        if file != SECRETS_JSON || text.is_empty() || text.starts_with(ENCRYPTED) {
            continue;
        }
        let message = format!("`{}` is stored in plaintext", json_pointer::dotted(pointer));
        out.push(
            Finding::warning("plaintext-secret", config.locate(pointer), message)
                .with_help("store it encrypted (`ENC:…`); until then keep secrets.json at mode 600 and out of backups"),
        );
    }
    out
}

fn encrypted_without_key(context: &DoctorContext<'_>, config: &EffectiveConfig) -> Option<Finding> {
    let encrypted = config.provenance.iter().find(|(pointer, source)| {
        matches!(source, Source::File { file, .. } if file == SECRETS_JSON)
            && config.value.pointer(pointer).and_then(|v| v.as_str()).is_some_and(|t| t.starts_with(ENCRYPTED))
    })?;
    (!context.has_key_material()).then(|| {
        let message = format!(
            "`{}` is encrypted but `keys/` holds no key: netclaw cannot decrypt it",
            json_pointer::dotted(encrypted.0)
        );
        Finding::error("encrypted-without-key", config.locate(encrypted.0), message)
            .with_help("restore the key files into keys/ (mode 600, directory 700), or set the secret again")
    })
}

/// Credentials written in `netclaw.json`: a credential key (moved by `--fix`), or a
/// value shaped like a token anywhere, arrays included (moved by hand: where it belongs
/// is a choice). Read from the file itself, not the effective config: a token in the
/// file is exposed even when `secrets.json` or the environment overrides it.
fn credentials_in_config(context: &DoctorContext<'_>) -> Vec<(Finding, Option<Fix>)> {
    let FileRead::Text(text) = &context.files.netclaw else { return Vec::new() };
    let Ok(document) = JsonDocument::parse(NETCLAW_JSON, text.clone()) else { return Vec::new() };
    let schema = SchemaId::Netclaw.compiled();
    let mut leaves = Vec::new();
    string_leaves(&document.value, String::new(), &mut leaves);
    let mut out = Vec::new();
    for (pointer, value) in leaves {
        let key = json_pointer::dotted(&pointer);
        if schema.root().at(&pointer).is_some_and(SchemaNode::is_write_only) {
            let message = format!("`{key}` is a credential written in netclaw.json");
            let finding = Finding::error("credential-in-config", document.locate(&pointer), message).with_help(
                "move it to secrets.json (`netclaw doctor --fix` does), then rotate it if netclaw.json was ever shared",
            );
            out.push((finding, Some(Fix::MoveToSecrets { pointer })));
        } else if let Some(shape) = credentials::shape_of(value) {
            let message = format!("`{key}` holds what looks like {shape}");
            let finding = Finding::error("credential-shaped-value", document.locate(&pointer), message)
                .with_help("remove it from netclaw.json and rotate it; credentials belong in secrets.json");
            out.push((finding, None));
        }
    }
    out
}

/// Every string in `value` with its pointer, in document order.
fn string_leaves<'v>(value: &'v serde_json::Value, pointer: String, out: &mut Vec<(String, &'v str)>) {
    match value {
        serde_json::Value::String(text) => out.push((pointer, text)),
        serde_json::Value::Object(object) => {
            for (key, child) in object {
                string_leaves(child, json_pointer::join(&pointer, key), out);
            }
        }
        serde_json::Value::Array(items) => {
            for (index, child) in items.iter().enumerate() {
                string_leaves(child, json_pointer::join(&pointer, &index.to_string()), out);
            }
        }
        _ => {}
    }
}
