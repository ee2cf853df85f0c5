//! `netclaw shell check`: the hard-deny layers for one command, exit 0 allow / 1 deny.

use crate::common::{example, fixture, home_arg, netclaw, snapshot};

/// A home with no rules of its own, so only the built-in list applies.
fn check(command: &str, format: &str) -> crate::common::Run {
    netclaw(&["shell", "check", "--home", "/nonexistent-home", "--format", format, "--", command], &[])
}

#[test]
fn sudo_in_the_second_segment_is_named() {
    let run = check("ls && /usr/bin/sudo -u root id", "json");
    assert_eq!(run.code, 1);
    let report = run.json();
    assert_eq!(report["decision"], "deny");
    assert_eq!(report["reasonCode"], "hard_deny_privilege_escalation");
    assert_eq!(report["segment"]["index"], 2);
    assert_eq!(report["segment"]["text"], "/usr/bin/sudo -u root id");
    assert_eq!(report["rule"], "privilege-escalation");
    snapshot!("shell-check-sudo.json", run.stdout);
    snapshot!("shell-check-sudo.txt", check("ls && /usr/bin/sudo -u root id", "text").stdout);
}

/// The false positives: dangerous words used as data must pass.
#[test]
fn look_alikes_are_allowed() {
    for command in [
        "grep \"rm -rf /\" notes.txt",
        "echo sudo",
        "git commit -m \"kill the bug\"",
        "man kill",
        "rm -rf ./build",
        "rm -r ~/project/tmp",
    ] {
        let run = check(command, "json");
        assert_eq!((run.code, run.json()["decision"].as_str()), (0, Some("allow")), "{command}: {}", run.stdout);
    }
}

#[test]
fn the_homes_patterns_apply() {
    let home = home_arg(&example("personal"));
    let run =
        netclaw(&["shell", "check", "--home", &home, "--format", "json", "--", "echo hello && docker rm foo"], &[]);
    let report = run.json();
    assert_eq!((run.code, report["reasonCode"].as_str()), (1, Some("hard_deny_custom_deny")));
    assert_eq!(
        (report["segment"]["index"].as_u64(), report["source"].as_str()),
        (Some(2), Some("Tools.HardDenyPatterns"))
    );
    let run = netclaw(&["shell", "check", "--home", &home, "--format", "json", "--", "git push --force"], &[]);
    assert_eq!(run.json()["source"], "config/hard-deny-overrides.json /0");
}

/// A malformed overrides file denies everything and says which file and pointer.
#[test]
fn an_invalid_overrides_file_denies_everything() {
    let home = home_arg(&fixture("missing-required"));
    let run = netclaw(&["shell", "check", "--home", &home, "--format", "json", "--", "ls"], &[]);
    let report = run.json();
    assert_eq!((run.code, report["reasonCode"].as_str()), (1, Some("internal_policy_failure")));
    let message = report["message"].as_str().unwrap_or_default();
    assert!(message.contains("config/hard-deny-overrides.json:2:3 /0") && message.contains("`reason`"), "{message}");
}

#[test]
fn relative_paths_resolve_against_cwd() {
    let home = "/srv/agent/.netclaw";
    let args = [
        "shell",
        "check",
        "--home",
        home,
        "--cwd",
        "/srv/agent/.netclaw/config",
        "--format",
        "json",
        "--",
        "cat secrets.json",
    ];
    let run = netclaw(&args, &[]);
    assert_eq!(run.json()["reasonCode"], "shell_references_protected_path");
}

#[test]
fn the_command_is_required() {
    assert_eq!(netclaw(&["shell", "check"], &[]).code, 64);
}

#[test]
fn a_token_in_the_denied_segment_is_not_quoted_back() {
    let token = "abcdef0123456789abcdef";
    let run = check(&format!("sudo curl -H 'Authorization: Bearer {token}' https://api.example.com"), "json");
    assert_eq!(run.json()["decision"], "deny");
    assert!(!run.stdout.contains(token), "{}", run.stdout);
    assert!(run.stdout.contains("***REDACTED***"), "{}", run.stdout);
}
