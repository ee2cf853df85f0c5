//! Hostile or broken homes: each gives a named file, a non-zero exit and no panic.

use std::fs;
use std::path::Path;

use crate::common::{home_arg, netclaw};

fn home_with(setup: impl FnOnce(&Path)) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    fs::create_dir_all(dir.path().join("config/webhooks")).unwrap_or_else(|e| panic!("{e}"));
    setup(dir.path());
    dir
}

/// Runs doctor (JSON) and returns the first finding of the named check.
fn first_finding(home: &Path, check: &str) -> (i32, serde_json::Value) {
    let run = netclaw(&["doctor", "--home", &home_arg(home), "--format", "json", "--skip", "policy-invariants"], &[]);
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    let report = run.json();
    let checks = report["checks"].as_array().cloned().unwrap_or_default();
    let check = checks.into_iter().find(|c| c["id"] == check).unwrap_or_else(|| panic!("no {check}"));
    (run.code, check["findings"][0].clone())
}

fn write(path: &Path, contents: &[u8]) {
    fs::write(path, contents).unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn a_config_file_that_is_a_directory() {
    let home = home_with(|h| fs::create_dir(h.join("config/netclaw.json")).unwrap_or_else(|e| panic!("{e}")));
    let (code, finding) = first_finding(home.path(), "config-schema");
    assert_eq!((code, finding["code"].as_str()), (1, Some("not-a-file")));
    assert_eq!(finding["file"], "config/netclaw.json");
}

/// Reading a FIFO blocks forever; netclaw must refuse it without opening it.
#[test]
fn a_config_file_that_is_a_fifo_does_not_hang() {
    let home = home_with(|h| {
        let status = std::process::Command::new("mkfifo").arg(h.join("config/tool-approvals.json")).status();
        assert!(status.is_ok_and(|s| s.success()), "mkfifo failed");
    });
    let (code, finding) = first_finding(home.path(), "config-schema");
    assert_eq!((code, finding["code"].as_str()), (1, Some("not-a-file")));
    assert_eq!(finding["file"], "config/tool-approvals.json");
}

/// Unreadable even for root (CI runs as root, so permission bits would prove nothing).
#[test]
fn a_config_file_that_is_a_broken_symlink_is_unreadable_not_missing() {
    let home = home_with(|h| {
        std::os::unix::fs::symlink(h.join("nowhere.json"), h.join("config/netclaw.json"))
            .unwrap_or_else(|e| panic!("{e}"));
    });
    let (code, finding) = first_finding(home.path(), "config-schema");
    assert_eq!((code, finding["code"].as_str()), (1, Some("unreadable-file")));
    assert_eq!(finding["file"], "config/netclaw.json");
}

#[test]
fn a_config_file_that_is_not_utf8() {
    let home = home_with(|h| write(&h.join("config/secrets.json"), b"{\"Slack\": {\"BotToken\": \"\xff\xfe\"}}"));
    let (code, finding) = first_finding(home.path(), "config-schema");
    assert_eq!(
        (code, finding["code"].as_str(), finding["file"].as_str()),
        (1, Some("not-utf8"), Some("config/secrets.json"))
    );
}

#[test]
fn a_home_that_is_a_file() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let home = dir.path().join("home-file");
    write(&home, b"not a directory");
    let (code, finding) = first_finding(&home, "config-schema");
    assert_eq!((code, finding["code"].as_str()), (1, Some("not-a-directory")));
    let run = netclaw(&["config", "show", "--home", &home_arg(&home)], &[]);
    assert_eq!(run.code, 65, "{}", run.stderr);
}

#[test]
fn a_webhooks_directory_that_is_a_file() {
    let home = home_with(|h| {
        fs::remove_dir(h.join("config/webhooks")).unwrap_or_else(|e| panic!("{e}"));
        write(&h.join("config/webhooks"), b"{}");
    });
    let (code, finding) = first_finding(home.path(), "inbound-webhook-routes");
    assert_eq!(
        (code, finding["code"].as_str(), finding["file"].as_str()),
        (1, Some("not-a-directory"), Some("config/webhooks"))
    );
}

/// serde_json's depth limit turns a stack-overflow attempt into an ordinary error.
#[test]
fn deeply_nested_json_is_an_error_not_a_crash() {
    let nested = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let home = home_with(|h| write(&h.join("config/netclaw.json"), nested.as_bytes()));
    let (code, finding) = first_finding(home.path(), "config-schema");
    assert_eq!((code, finding["code"].as_str()), (1, Some("invalid-json")));
}

#[test]
fn a_json_value_of_the_wrong_kind_at_the_top() {
    let home = home_with(|h| write(&h.join("config/hard-deny-overrides.json"), b"{\"verb\": [\"rm\"]}"));
    let (code, finding) = first_finding(home.path(), "config-schema");
    assert_eq!((code, finding["message"].as_str()), (1, Some("expected array, found object")));
}
