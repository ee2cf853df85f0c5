//! `netclaw secrets …` and what the rest of netclaw does with what it writes.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use crate::common::{Run, fixture, home_arg, netclaw, netclaw_stdin};
use crate::doctor::CopiedHome;

const TOKEN: &str = "xoxb-000000000000-integration-secret";

/// `netclaw --home HOME ARGS` with `input` on stdin.
fn with_stdin(home: &Path, args: &[&str], input: &str) -> Run {
    let home = home_arg(home);
    let mut all = vec!["--home", &home];
    all.extend_from_slice(args);
    netclaw_stdin(&all, input.as_bytes())
}

fn mode(path: &Path) -> u32 {
    fs::metadata(path).map(|m| m.permissions().mode() & 0o777).unwrap_or(0)
}

fn secrets(home: &Path, args: &[&str]) -> Run {
    let home = home_arg(home);
    let mut all = vec!["--home", &home, "secrets"];
    all.extend_from_slice(args);
    netclaw(&all, &[])
}

fn everything_under(root: &Path) -> String {
    let mut out = String::new();
    for entry in walk(root) {
        out.push_str(&String::from_utf8_lossy(&fs::read(&entry).unwrap_or_default()));
    }
    out
}

fn walk(root: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in fs::read_dir(root).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() { out.extend(walk(&path)) } else { out.push(path) }
    }
    out
}

#[test]
fn set_reads_stdin_and_stores_only_ciphertext_with_private_modes() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    let run = with_stdin(&home, &["secrets", "set", "slack.bottoken", "--format", "json"], &format!("{TOKEN}\n"));
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.json()["key"], "Slack.BotToken");
    assert!(!everything_under(&home).contains(TOKEN), "the value is on disk in plaintext");
    assert!(!run.stdout.contains(TOKEN) && !run.stderr.contains(TOKEN));
    assert_eq!(mode(&home.join("config/secrets.json")), 0o600);
    assert_eq!(mode(&home.join("keys")), 0o700);
    assert_eq!(mode(&home.join("keys/secrets.key")), 0o600);
    let listed = secrets(&home, &["list", "--format", "json"]).json();
    assert_eq!(listed[0]["key"], "Slack.BotToken");
    assert_eq!(listed[0]["state"], "encrypted");
    // The loaded config holds the plaintext, and never shows it.
    let shown = netclaw(&["--home", &home_arg(&home), "config", "show", "--effective"], &[]);
    assert!(!shown.stdout.contains(TOKEN) && !shown.stdout.contains("ENC:"), "{}", shown.stdout);
}

#[test]
fn set_refuses_a_setting_an_empty_value_and_argv() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    let setting = with_stdin(&home, &["secrets", "set", "Security.DeploymentPosture"], "Personal");
    assert_eq!((setting.code, setting.stderr.contains("secrets.not_a_credential")), (64, true), "{}", setting.stderr);
    let empty = with_stdin(&home, &["secrets", "set", "Slack.BotToken"], "\n");
    assert_eq!((empty.code, empty.stderr.contains("secrets.empty")), (64, true), "{}", empty.stderr);
    let argv = with_stdin(&home, &["secrets", "set", "Slack.BotToken", TOKEN], "");
    assert_eq!(argv.code, 64, "a value on the command line is a usage error: {}", argv.stderr);
    assert!(!home.join("config/secrets.json").exists());
}

#[test]
fn a_webhook_route_sealed_by_encrypt_still_verifies_deliveries() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    fs::create_dir_all(home.join("config/webhooks")).unwrap();
    let secret = "3c9a1f0e7b2d4a6c8e0f1a3b5c7d9e1f2a4b6c8d0e2f4a6b8c0d2e4f6a8b0c2d";
    let route = format!(r#"{{"Prompt": "p", "Verification": {{"Kind": "Hmac", "Secret": "{secret}"}}}}"#);
    fs::write(home.join("config/webhooks/ci.json"), route).unwrap();
    fs::set_permissions(home.join("config/webhooks"), fs::Permissions::from_mode(0o700)).unwrap();
    let run = secrets(&home, &["encrypt", "--format", "json"]);
    assert_eq!((run.code, run.json()["encrypted"].as_u64()), (0, Some(1)), "{}", run.stderr);
    assert!(!everything_under(&home).contains(secret));
    // Doctor opens it to judge it: a strong secret that opens is no finding.
    let doctor =
        netclaw(&["doctor", "--home", &home_arg(&home), "--only", "inbound-webhook-routes", "--format", "json"], &[]);
    assert_eq!(doctor.json()["checks"][0]["findings"], serde_json::json!([]), "{}", doctor.stdout);
    // Without its key the route cannot verify anything, and doctor says so.
    fs::remove_file(home.join("keys/secrets.key")).unwrap();
    let doctor = netclaw(&["doctor", "--home", &home_arg(&home), "--only", "inbound-webhook-routes"], &[]);
    assert!(doctor.stdout.contains("encrypted-without-key"), "{}", doctor.stdout);
    assert_eq!(doctor.code, 1);
}

#[test]
fn rotation_keeps_every_value_readable_and_retires_the_old_key() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    assert_eq!(with_stdin(&home, &["secrets", "set", "Slack.BotToken"], TOKEN).code, 0);
    let old_key = fs::read(home.join("keys/secrets.key")).unwrap();
    let run = secrets(&home, &["rotate-key", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.json()["reencrypted"], 1);
    assert_ne!(fs::read(home.join("keys/secrets.key")).unwrap(), old_key);
    assert_eq!(mode(&home.join("keys/secrets.key")), 0o600);
    assert_eq!(secrets(&home, &["list", "--format", "json"]).json()[0]["state"], "encrypted");
    // Put the old key back: it no longer opens anything, and every command says which key is wanted.
    fs::write(home.join("keys/secrets.key"), &old_key).unwrap();
    let before = fs::read(home.join("config/secrets.json")).unwrap();
    let encrypt = secrets(&home, &["encrypt"]);
    assert_eq!(encrypt.code, 1);
    assert!(
        encrypt.stderr.contains("secrets.other_key") && encrypt.stderr.contains("keys/secrets.key"),
        "{}",
        encrypt.stderr
    );
    assert_eq!(fs::read(home.join("config/secrets.json")).unwrap(), before, "nothing written");
}

#[test]
fn doctor_fix_encrypts_plaintext_only_when_a_key_exists() {
    let with_key = CopiedHome::new(&fixture("secrets-plaintext"), &[]);
    let run = netclaw(&["doctor", "--home", &home_arg(&with_key.root), "--only", "secrets-json", "--fix"], &[]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(!fs::read_to_string(with_key.root.join("config/secrets.json")).unwrap().contains("xoxb-"));
    let listed = secrets(&with_key.root, &["list", "--format", "json"]).json();
    assert!(listed.as_array().unwrap().iter().all(|entry| entry["state"] == "encrypted"), "{listed:#}");

    // No key: the credential moves to secrets.json but no key material is invented.
    let without = CopiedHome::new(&fixture("credential-in-config"), &[]);
    netclaw(&["doctor", "--home", &home_arg(&without.root), "--fix"], &[]);
    assert!(!without.root.join("keys/secrets.key").exists());
    let listed = secrets(&without.root, &["list", "--format", "json"]).json();
    assert_eq!(listed[0]["state"], "plaintext", "{listed:#}");
}
