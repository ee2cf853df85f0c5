//! Secrets JSON: where credentials live and who can read them.
//!
//! `secrets.json` must be private (600) and its values encrypted (`ENC:…`) with key
//! material under a private `keys/` (700); a credential written into `netclaw.json`
//! itself is a failure, because that file is meant to be read, diffed and reviewed.
//! Messages name keys, never values.

use crate::config::{EffectiveConfig, Source};
use crate::diagnostic::Location;
use crate::doctor::modes::Guarded;
use crate::doctor::{Check, CheckOutcome, DoctorContext, Finding, Fix};
use crate::document::JsonDocument;
use crate::home::{FileRead, KEYS_DIR, NETCLAW_JSON, SECRETS_JSON};
use crate::json_pointer;
use crate::redaction;
use crate::schema::{SchemaId, SchemaNode};
use crate::secrets::{CONFIG_SCOPE, UnsealError, is_sealed, label, open};

const SECRETS_FILE: Guarded =
    Guarded { path: SECRETS_JSON, mode: 0o600, code: "secrets-file-mode", holds: "the credentials" };
const KEYS: Guarded = Guarded { path: KEYS_DIR, mode: 0o700, code: "keys-dir-mode", holds: "the encryption keys" };
const KEY_FILE: Guarded = Guarded { path: KEYS_DIR, mode: 0o600, code: "key-file-mode", holds: "an encryption key" };

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
        match &context.config.config {
            Ok(config) => {
                let (plaintext, encrypts): (Vec<Finding>, Vec<Option<Fix>>) =
                    plaintext_secrets(context, config).into_iter().unzip();
                findings.extend(plaintext);
                fixes.extend(encrypts.into_iter().flatten());
                findings.extend(undecryptable(context, config));
            }
            Err(_) => findings.extend(unloaded_secrets(context)),
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

/// Plaintext values in `secrets.json`, each with the fix that encrypts it when the
/// home has a key to encrypt with.
fn plaintext_secrets(context: &DoctorContext<'_>, config: &EffectiveConfig) -> Vec<(Finding, Option<Fix>)> {
    let has_key = context.files.keys.sealing_key().is_some();
    let mut out = Vec::new();
    for (pointer, source) in config.provenance.iter() {
        let Source::File { file, .. } = source else { continue };
        let Some(text) = config.value.pointer(pointer).and_then(|v| v.as_str()) else { continue };
        if file != SECRETS_JSON || text.is_empty() || is_sealed(text) {
            continue;
        }
        let message = format!("`{}` is stored in plaintext", json_pointer::dotted(pointer));
        let finding = Finding::warning("plaintext-secret", config.locate(pointer), message)
            .with_help("encrypt it: `netclaw secrets encrypt` (or `netclaw doctor --fix` once keys/ holds a key)");
        out.push((finding, has_key.then(|| Fix::Encrypt { pointer: pointer.to_owned() })));
    }
    out
}

/// When the config does not load, `secrets.json` as written: every plaintext string
/// in it (any key, any spelling, duplicates included), or, if it cannot be read at
/// all, a warning that nothing was checked. Never a silent pass.
fn unloaded_secrets(context: &DoctorContext<'_>) -> Vec<Finding> {
    let FileRead::Text(text) = &context.files.secrets else { return Vec::new() };
    let Ok(document) = JsonDocument::parse(SECRETS_JSON, text.clone()) else {
        let message = "`config/secrets.json` does not parse, so its values were not checked".to_owned();
        return vec![
            Finding::warning("secrets-not-checked", Location::file(SECRETS_JSON), message)
                .with_help("fix the file first (see Config Schema), then run doctor again"),
        ];
    };
    json_pointer::strings(&document.value)
        .into_iter()
        .filter(|(_, value)| !value.is_empty() && !is_sealed(value))
        .map(|(pointer, _)| {
            let message = format!("`{}` is stored in plaintext", json_pointer::dotted(&pointer));
            Finding::warning("plaintext-secret", document.locate(&pointer), message)
                .with_help("encrypt it: `netclaw secrets encrypt` once the file loads")
        })
        .collect()
}

/// Encrypted values of `secrets.json` that do not open with the home's keys: whatever
/// needs them (Slack, a signature check) cannot work.
fn undecryptable(context: &DoctorContext<'_>, config: &EffectiveConfig) -> Vec<Finding> {
    let mut out = Vec::new();
    for (pointer, source) in config.provenance.iter() {
        let Source::File { file, .. } = source else { continue };
        let Some(text) = config.value.pointer(pointer).and_then(|v| v.as_str()) else { continue };
        if file != SECRETS_JSON || !is_sealed(text) {
            continue;
        }
        let Err(err) = open(&context.files.keys, &label(CONFIG_SCOPE, pointer), text) else { continue };
        let code = if err == UnsealError::NoKey { "encrypted-without-key" } else { "secret-does-not-decrypt" };
        let message = format!("`{}` {err}: netclaw cannot use it", json_pointer::dotted(pointer));
        out.push(Finding::error(code, config.locate(pointer), message).with_help(
            "restore the key that sealed it into keys/ (mode 600, directory 700), or set the secret again with `netclaw secrets set`",
        ));
    }
    out
}

/// Credentials written in `netclaw.json`: a credential key (moved by `--fix`), or a
/// value shaped like a token anywhere, arrays included (moved by hand: where it belongs
/// is a choice). Read from the file itself, not the effective config: a token in the
/// file is exposed even when `secrets.json` or the environment overrides it.
fn credentials_in_config(context: &DoctorContext<'_>) -> Vec<(Finding, Option<Fix>)> {
    let FileRead::Text(text) = &context.files.netclaw else { return Vec::new() };
    let Ok(document) = JsonDocument::parse(NETCLAW_JSON, text.clone()) else { return Vec::new() };
    let schema = SchemaId::Netclaw.compiled();
    let mut strings = Vec::new();
    schema_strings(&document.value, Some(schema.root()), String::new(), &mut strings);
    let mut out = Vec::new();
    for (pointer, value, write_only) in strings {
        let key = json_pointer::dotted(&pointer);
        if write_only {
            let message = format!("`{key}` is a credential written in netclaw.json");
            let finding = Finding::error("credential-in-config", document.locate(&pointer), message).with_help(
                "move it to secrets.json (`netclaw doctor --fix` does), then rotate it if netclaw.json was ever shared",
            );
            out.push((finding, Some(Fix::MoveToSecrets { pointer })));
        } else if let Some(shape) = redaction::shape_of(value) {
            let message = format!("`{key}` holds what looks like {shape}");
            let finding = Finding::error("credential-shaped-value", document.locate(&pointer), message)
                .with_help("remove it from netclaw.json and rotate it; credentials belong in secrets.json");
            out.push((finding, None));
        }
    }
    out
}

/// Every string in `value` with its pointer and whether the schema marks it a
/// credential, found in one walk of document and schema together (a large config has
/// thousands of strings; resolving each pointer from the root costs a step per token).
fn schema_strings<'v>(
    value: &'v serde_json::Value,
    node: Option<SchemaNode<'_>>,
    pointer: String,
    out: &mut Vec<(String, &'v str, bool)>,
) {
    if let serde_json::Value::String(text) = value {
        return out.push((pointer, text, node.is_some_and(SchemaNode::is_write_only)));
    }
    let mut descend = |token: &str, child: &'v serde_json::Value| {
        schema_strings(child, node.and_then(|n| n.step(token)), json_pointer::join(&pointer, token), out);
    };
    match value {
        serde_json::Value::Object(object) => object.iter().for_each(|(key, child)| descend(key, child)),
        serde_json::Value::Array(items) => {
            items.iter().enumerate().for_each(|(i, child)| descend(&i.to_string(), child))
        }
        _ => {}
    }
}
