//! Secrets JSON: where credentials live and who can read them.
//!
//! `secrets.json` must be private (600) and its values encrypted (`ENC:…`) with key
//! material under a private `keys/` (700); a credential written into `netclaw.json`
//! itself is a failure, because that file is meant to be read, diffed and reviewed.
//! Messages name keys, never values.

use std::borrow::Cow;

use crate::config::{EffectiveConfig, Source};
use crate::diagnostic::Location;
use crate::doctor::modes::Guarded;
use crate::doctor::{Check, CheckOutcome, DoctorContext, Finding, Fix};
use crate::document::JsonDocument;
use crate::home::{FileRead, KEYS_DIR, NETCLAW_JSON, SECRETS_JSON};
use crate::json_pointer;
use crate::redaction;
use crate::schema::{ByKey, SchemaId, SchemaNode};
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
        let stored = context.config.config.as_ref().map_or(0, |config| stored(config).count());
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

/// The canonical pointers of the values `secrets.json` sets.
fn stored(config: &EffectiveConfig) -> impl Iterator<Item = &str> {
    config.provenance.iter().filter_map(|(pointer, source)| match source {
        Source::File { file, .. } if file == SECRETS_JSON => Some(pointer),
        _ => None,
    })
}

/// The strings `secrets.json` sets, by canonical pointer. Filtered by source first:
/// the provenance also holds every leaf of a large `netclaw.json`.
fn stored_strings(config: &EffectiveConfig) -> impl Iterator<Item = (&str, &str)> {
    stored(config).filter_map(|pointer| Some((pointer, config.value.pointer(pointer)?.as_str()?)))
}

/// Plaintext values in `secrets.json`, each with the fix that encrypts it when the
/// home has a key to encrypt with.
fn plaintext_secrets(context: &DoctorContext<'_>, config: &EffectiveConfig) -> Vec<(Finding, Option<Fix>)> {
    let has_key = context.files.keys.sealing_key().is_some();
    let mut out = Vec::new();
    for (pointer, text) in stored_strings(config) {
        if text.is_empty() || is_sealed(text) {
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
    for (pointer, text) in stored_strings(config).filter(|(_, text)| is_sealed(text)) {
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
    let mut walk = Credentials::default();
    walk.value(&document.value, Some((schema.root(), false)));
    let mut out = Vec::new();
    for (pointer, credential) in walk.found {
        let key = json_pointer::dotted(&pointer);
        let location = document.locate(&pointer);
        match credential {
            Credential::Key => {
                let message = format!("`{key}` is a credential written in netclaw.json");
                let finding = Finding::error("credential-in-config", location, message).with_help(
                    "move it to secrets.json (`netclaw doctor --fix` does), then rotate it if netclaw.json was ever shared",
                );
                out.push((finding, Some(Fix::MoveToSecrets { pointer })));
            }
            Credential::Shaped(shape) => {
                let message = format!("`{key}` holds what looks like {shape}");
                let finding = Finding::error("credential-shaped-value", location, message)
                    .with_help("remove it from netclaw.json and rotate it; credentials belong in secrets.json");
                out.push((finding, None));
            }
        }
    }
    out
}

enum Credential {
    /// Under a key the schema marks write-only.
    Key,
    /// Shaped like a token of this kind.
    Shaped(&'static str),
}

/// A walk of a document and its schema together, collecting the credentials in it.
/// A large config has thousands of strings, most in lists that share a schema node:
/// each step of the schema is taken once per node and token, and a string's pointer
/// is joined only when it is a credential.
#[derive(Default)]
struct Credentials<'v, 's> {
    /// Each schema node's children: their schema and whether it is write-only.
    steps: ByKey<Option<(SchemaNode<'s>, bool)>>,
    path: Vec<Cow<'v, str>>,
    found: Vec<(String, Credential)>,
}

impl<'v, 's> Credentials<'v, 's> {
    fn value(&mut self, value: &'v serde_json::Value, node: Option<(SchemaNode<'s>, bool)>) {
        match value {
            serde_json::Value::String(text) => {
                let credential = match node {
                    Some((_, true)) => Some(Credential::Key),
                    _ => redaction::shape_of(text).map(Credential::Shaped),
                };
                if let Some(credential) = credential {
                    self.found.push((json_pointer::from_tokens(&self.path), credential));
                }
            }
            serde_json::Value::Object(object) => {
                object.iter().for_each(|(key, child)| self.descend(Cow::Borrowed(key), child, node));
            }
            serde_json::Value::Array(items) => {
                items.iter().enumerate().for_each(|(i, child)| self.descend(Cow::Owned(i.to_string()), child, node));
            }
            _ => {}
        }
    }

    fn descend(&mut self, token: Cow<'v, str>, child: &'v serde_json::Value, node: Option<(SchemaNode<'s>, bool)>) {
        let next = node.and_then(|(node, _)| self.step(node, &token));
        self.path.push(token);
        self.value(child, next);
        self.path.pop();
    }

    fn step(&mut self, node: SchemaNode<'s>, token: &str) -> Option<(SchemaNode<'s>, bool)> {
        self.steps.get_or(node, token, || node.step(token).map(|child| (child, child.is_write_only())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A credential is found at any depth, in lists and under keys that must be
    /// escaped, and pointed at as the file spells it.
    #[test]
    fn credentials_are_found_at_any_depth_with_their_pointers() {
        let url = "https://bot:hunter2hunter2@example.com/hook";
        // netclaw reads keys in any case: `slack.bottoken` is the credential key too.
        let value = serde_json::json!({
            "Slack": {"BotToken": "xoxb-000000000000-fixture-not-real", "AllowedChannelIds": ["C0123ABCDEF", url]},
            "Tools": {"AudienceProfiles": {"Team": {"McpServerToolGrants": {"a/b~c": ["read", url]}}}},
            "slack": {"bottoken": "not-token-shaped"}
        });
        let schema = SchemaId::Netclaw.compiled();
        let mut walk = Credentials::default();
        walk.value(&value, Some((schema.root(), false)));
        let found: Vec<(&str, bool)> = walk
            .found
            .iter()
            .map(|(pointer, credential)| (pointer.as_str(), matches!(credential, Credential::Key)))
            .collect();
        assert_eq!(
            found,
            vec![
                ("/Slack/BotToken", true),
                ("/Slack/AllowedChannelIds/1", false),
                ("/Tools/AudienceProfiles/Team/McpServerToolGrants/a~1b~0c/1", false),
                ("/slack/bottoken", true)
            ]
        );
    }
}
