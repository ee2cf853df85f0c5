use std::fs;
use std::os::unix::fs::PermissionsExt;

use secrecy::{ExposeSecret, SecretString};

use super::keyring::Keyring;
use super::*;
use crate::home::Home;
use crate::state_file::mode_of;

type Result = std::result::Result<(), Box<dyn std::error::Error>>;

fn home() -> std::result::Result<(tempfile::TempDir, Home), std::io::Error> {
    let dir = tempfile::tempdir()?;
    let home = Home::new(dir.path());
    fs::create_dir_all(home.path("config"))?;
    Ok((dir, home))
}

fn secret(text: &str) -> SecretString {
    SecretString::from(text.to_owned())
}

fn stored(home: &Home, file: &str, pointer: &str) -> std::result::Result<String, Box<dyn std::error::Error>> {
    let value: serde_json::Value = serde_json::from_str(&fs::read_to_string(home.path(file))?)?;
    Ok(value.pointer(pointer).and_then(|v| v.as_str()).ok_or("no string there")?.to_owned())
}

#[test]
fn a_sealed_value_opens_only_under_its_own_label_and_unaltered() -> Result {
    let (_dir, home) = home()?;
    let keyring = Keyring::ensure_current(&home)?;
    let key = keyring.sealing_key().ok_or("a key")?;
    let label = label(CONFIG_SCOPE, "/Slack/BotToken");
    let sealed = seal(key, &label, "xoxb-123456789-secret")?;
    assert!(sealed.starts_with("ENC:v1:") && !sealed.contains("xoxb"));
    assert_eq!(open(&keyring, &label, &sealed)?.expose_secret(), "xoxb-123456789-secret");
    assert_eq!(
        open(&keyring, "secrets#/slack/bottoken", &sealed)?.expose_secret(),
        "xoxb-123456789-secret",
        "any case"
    );
    let moved = open(&keyring, &super::label(CONFIG_SCOPE, "/Slack/AppToken"), &sealed);
    assert!(matches!(moved, Err(UnsealError::Altered { .. })), "{moved:?}");
    let mut bytes = sealed.clone().into_bytes();
    let last = bytes.len() - 3;
    bytes[last] = if bytes[last] == b'A' { b'B' } else { b'A' };
    let altered = open(&keyring, &label, &String::from_utf8(bytes)?);
    assert!(matches!(altered, Err(UnsealError::Altered { .. }) | Err(UnsealError::Malformed)), "{altered:?}");
    assert_eq!(open(&keyring, &label, "ENC:v1:4q0J1wQm5dXlYk3uS8pX2g==").err(), Some(UnsealError::Malformed));
    assert_eq!(open(&Keyring::default(), &label, &sealed).err(), Some(UnsealError::NoKey));
    Ok(())
}

#[test]
fn set_creates_private_key_and_file_and_never_writes_the_value() -> Result {
    let (_dir, home) = home()?;
    assert_eq!(set(&home, "slack.bottoken", &secret("xoxb-123456789-secret"))?, "Slack.BotToken");
    let text = fs::read_to_string(home.path("config/secrets.json"))?;
    assert!(!text.contains("xoxb"), "{text}");
    assert_eq!(mode_of(&home.path("config/secrets.json")), Some(0o600));
    assert_eq!(mode_of(&home.path("keys")), Some(0o700));
    assert_eq!(mode_of(&home.path(KEY_FILE)), Some(0o600));
    let listed = list(&home)?;
    assert_eq!(listed.len(), 1);
    assert_eq!((listed[0].key.as_str(), listed[0].state), ("Slack.BotToken", SecretState::Encrypted));
    let keyring = Keyring::read(&home);
    let value = stored(&home, "config/secrets.json", "/Slack/BotToken")?;
    assert_eq!(
        open(&keyring, &label(CONFIG_SCOPE, "/Slack/BotToken"), &value)?.expose_secret(),
        "xoxb-123456789-secret"
    );
    Ok(())
}

#[test]
fn set_refuses_settings_and_empty_values() -> Result {
    let (_dir, home) = home()?;
    let err = set(&home, "Security.DeploymentPosture", &secret("Personal")).err().ok_or("refused")?;
    assert_eq!(err.code(), "secrets.not_a_credential");
    assert!(err.to_string().contains("Slack.BotToken"), "names the keys that are: {err}");
    assert_eq!(set(&home, "Slack.BotToken", &secret("")).err().map(|e| e.code()), Some("secrets.empty"));
    assert!(!home.path("config/secrets.json").exists());
    Ok(())
}

#[test]
fn encrypt_seals_every_plaintext_credential_once() -> Result {
    let (_dir, home) = home()?;
    fs::write(home.path("config/secrets.json"), r#"{"Slack": {"BotToken": "xoxb-1", "SigningSecret": ""}}"#)?;
    fs::create_dir_all(home.path("config/webhooks"))?;
    let route = r#"{"Prompt": "p", "Verification": {"Kind": "Hmac", "Secret": "0123456789abcdef0123456789abcdef"}}"#;
    fs::write(home.path("config/webhooks/github.json"), route)?;
    fs::set_permissions(home.path("config/webhooks/github.json"), fs::Permissions::from_mode(0o644))?;
    assert_eq!(encrypt_all(&home)?, 2, "the empty value stays empty");
    assert_eq!(encrypt_all(&home)?, 0);
    let states: Vec<_> = list(&home)?.into_iter().map(|l| (l.file, l.key, l.state)).collect();
    assert_eq!(
        states,
        [
            ("config/secrets.json".to_owned(), "Slack.BotToken".to_owned(), SecretState::Encrypted),
            ("config/secrets.json".to_owned(), "Slack.SigningSecret".to_owned(), SecretState::Plaintext),
            ("config/webhooks/github.json".to_owned(), "Verification.Secret".to_owned(), SecretState::Encrypted),
        ]
    );
    assert_eq!(mode_of(&home.path("config/webhooks/github.json")), Some(0o600), "group and other bits dropped");
    let keyring = Keyring::read(&home);
    let value = stored(&home, "config/webhooks/github.json", "/Verification/Secret")?;
    let opened = open(&keyring, &label(&route_scope("github"), "/Verification/Secret"), &value)?;
    assert_eq!(opened.expose_secret(), "0123456789abcdef0123456789abcdef");
    Ok(())
}

#[test]
fn rotation_moves_every_value_to_a_new_key_and_retires_the_old() -> Result {
    let (_dir, home) = home()?;
    set(&home, "Slack.BotToken", &secret("xoxb-rotate-me"))?;
    fs::write(home.path("keys/old.copy"), fs::read(home.path(KEY_FILE))?)?;
    let report = rotate_key(&home)?;
    assert_eq!(report.reencrypted, 1);
    assert_ne!(report.old_key.as_deref(), Some(report.new_key.as_str()));
    assert!(!home.path("keys/secrets.key.next").exists());
    let keyring = Keyring::read(&home);
    assert_eq!(keyring.current().map(|k| k.id().to_string()), Some(report.new_key.clone()));
    let value = stored(&home, "config/secrets.json", "/Slack/BotToken")?;
    assert_eq!(open(&keyring, &label(CONFIG_SCOPE, "/Slack/BotToken"), &value)?.expose_secret(), "xoxb-rotate-me");
    // The old key no longer opens it.
    fs::rename(home.path("keys/old.copy"), home.path(KEY_FILE))?;
    let old = Keyring::read(&home);
    assert!(matches!(open(&old, &label(CONFIG_SCOPE, "/Slack/BotToken"), &value), Err(UnsealError::OtherKey { .. })));
    Ok(())
}

#[test]
fn an_interrupted_rotation_resumes_and_loses_nothing() -> Result {
    let (_dir, home) = home()?;
    set(&home, "Slack.BotToken", &secret("xoxb-first"))?;
    // A crash after the next key was written and before anything was re-encrypted.
    Keyring::begin_rotation(&home)?;
    set(&home, "Slack.AppToken", &secret("xapp-second"))?;
    assert!(list(&home)?.iter().all(|l| l.state == SecretState::Encrypted), "both keys open during a rotation");
    let report = rotate_key(&home)?;
    assert_eq!(report.reencrypted, 2);
    assert!(list(&home)?.iter().all(|l| l.state == SecretState::Encrypted));
    Ok(())
}

#[test]
fn a_wrong_key_stops_every_command_before_it_writes() -> Result {
    let (_dir, home) = home()?;
    set(&home, "Slack.BotToken", &secret("xoxb-keep"))?;
    let before = fs::read(home.path("config/secrets.json"))?;
    fs::remove_file(home.path(KEY_FILE))?;
    Keyring::ensure_current(&home)?; // someone else's key
    let errors =
        [set(&home, "Slack.AppToken", &secret("xapp-new")).err(), encrypt_all(&home).err(), rotate_key(&home).err()];
    for err in errors {
        let err = err.ok_or("refused")?;
        assert_eq!(err.code(), "secrets.other_key", "{err}");
        assert!(err.to_string().contains("keys/secrets.key") && err.to_string().contains("Slack.BotToken"), "{err}");
    }
    assert_eq!(fs::read(home.path("config/secrets.json"))?, before, "untouched");
    let listed = list(&home)?;
    assert_eq!(listed[0].state, SecretState::Undecryptable);
    Ok(())
}

#[test]
fn an_unusable_key_file_is_named_not_replaced() -> Result {
    let (_dir, home) = home()?;
    fs::create_dir_all(home.path("keys"))?;
    fs::write(home.path(KEY_FILE), "not base64 at all!")?;
    let err = set(&home, "Slack.BotToken", &secret("xoxb-x")).err().ok_or("refused")?;
    assert_eq!(err.code(), "secrets.key_unusable");
    assert!(
        err.to_string().contains("keys/secrets.key: not Base64") || err.to_string().contains("not Base64"),
        "{err}"
    );
    assert_eq!(fs::read_to_string(home.path(KEY_FILE))?, "not base64 at all!");
    Ok(())
}

/// Found by the red team: a linked file or directory was written through, out of the home.
#[test]
fn links_are_refused_not_written_through() -> Result {
    let (dir, home) = home()?;
    let outside = dir.path().join("outside");
    fs::create_dir_all(&outside)?;
    fs::write(outside.join("secrets.json"), r#"{"Slack": {"BotToken": "xoxb-outside"}}"#)?;
    std::os::unix::fs::symlink(outside.join("secrets.json"), home.path("config/secrets.json"))?;
    assert_eq!(encrypt_all(&home).err().map(|e| e.code()), Some("secrets.linked"));
    assert!(fs::symlink_metadata(home.path("config/secrets.json"))?.file_type().is_symlink());
    fs::remove_file(home.path("config/secrets.json"))?;
    std::os::unix::fs::symlink(&outside, home.path("keys"))?;
    let err = set(&home, "Slack.BotToken", &secret("xoxb-new")).err().ok_or("refused")?;
    assert_eq!(err.code(), "secrets.linked");
    assert!(!outside.join("secrets.key").exists(), "no key written outside the home");
    Ok(())
}

/// Found by the red team: with the key gone, `set` made a new one and mixed keys.
#[test]
fn a_missing_key_is_reported_not_replaced() -> Result {
    let (_dir, home) = home()?;
    set(&home, "Slack.BotToken", &secret("xoxb-first"))?;
    fs::remove_file(home.path(KEY_FILE))?;
    for err in [set(&home, "Slack.AppToken", &secret("xapp-second")).err(), encrypt_all(&home).err()] {
        assert_eq!(err.map(|e| e.code()), Some("secrets.no_key"));
    }
    assert!(!home.path(KEY_FILE).exists());
    Ok(())
}
