//! `netclaw audit`: decisions recorded by `authorize` and by the daemon, read back.

use std::path::Path;

use crate::common::{home_arg, netclaw};
use crate::webhooks::webhook_home;

fn authorize(home: &Path, request: &str) -> serde_json::Value {
    let file = home.join("request.json");
    std::fs::write(&file, request).unwrap();
    let run =
        netclaw(&["--home", &home_arg(home), "authorize", "--request", &home_arg(&file), "--format", "json"], &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.is_empty(), "recorded without complaint: {}", run.stderr);
    run.json()
}

fn audit(home: &Path, args: &[&str]) -> crate::common::Run {
    let h = home_arg(home);
    let mut all = vec!["--home", h.as_str(), "audit"];
    all.extend_from_slice(args);
    netclaw(&all, &[])
}

const SUDO: &str = r#"{"channel": "tui", "interactive": true, "tool": "shell_execute",
                       "arguments": {"command": "sudo cat /etc/shadow", "env": "GITHUB_TOKEN=ghp_0123456789abcdefghijABCDEFGHIJ012345"}}"#;

#[test]
fn a_denial_is_answerable_later_by_its_id() {
    let home =
        webhook_home(r#"{"Security": {"DeploymentPosture": "Personal", "ShellExecutionMode": "HostAllowed"}}"#, &[]);
    let decision = authorize(home.path(), SUDO);
    assert_eq!(decision["decision"], "deny");
    let id = decision["decisionId"].as_str().unwrap();

    let shown = audit(home.path(), &["show", id, "--format", "json"]);
    assert_eq!(shown.code, 0, "{}", shown.stderr);
    let shown = shown.json();
    assert_eq!(shown["recorded"]["decision"], decision, "read back exactly as decided");
    assert_eq!(shown["changed"], false);
    let request = shown["recorded"]["request"].as_str().unwrap();
    assert!(!request.contains("ghp_0123456789"), "the request is stored redacted: {request}");

    let text = audit(home.path(), &["show", id]).stdout;
    assert!(text.starts_with("DENY `shell_execute`"), "{text}");
    assert!(text.contains("layer:    operation_hard_deny"), "{text}");
    assert!(text.contains("The current config decides the same."), "{text}");

    assert_eq!(audit(home.path(), &["show", "dec_nope"]).code, 1);
}

#[test]
fn a_decision_under_an_old_config_shows_what_changed() {
    let home = webhook_home(r#"{"Security": {"DeploymentPosture": "Personal"}}"#, &[]);
    let decision = authorize(home.path(), r#"{"channel": "tui", "tool": "web_fetch"}"#);
    assert_eq!(decision["decision"], "allow");
    std::fs::write(
        home.path().join("config/netclaw.json"),
        r#"{"Security": {"DeploymentPosture": "Personal"}, "Tools": {"AudienceProfiles": {"Personal": {"ToolsMode": "Allowlist", "AllowedTools": ["web_search"]}}}}"#,
    )
    .unwrap();
    let shown = audit(home.path(), &["show", decision["decisionId"].as_str().unwrap(), "--format", "json"]);
    let shown = shown.json();
    assert_eq!(shown["changed"], true, "{shown}");
    assert_ne!(shown["now"]["decision"], shown["recorded"]["decision"]["decision"], "{shown}");
    let text = audit(home.path(), &["show", decision["decisionId"].as_str().unwrap()]).stdout;
    assert!(text.contains("The config has changed since. Decided now:"), "{text}");
}

#[test]
fn list_and_export_filter_and_speak_ocsf() {
    let home =
        webhook_home(r#"{"Security": {"DeploymentPosture": "Personal", "ShellExecutionMode": "HostAllowed"}}"#, &[]);
    authorize(home.path(), SUDO);
    authorize(home.path(), r#"{"channel": "tui", "tool": "web_search"}"#);
    let all = audit(home.path(), &["list", "--format", "json"]).json();
    assert_eq!(all.as_array().unwrap().len(), 2);
    let denied = audit(home.path(), &["list", "--denied", "--format", "json"]).json();
    assert_eq!(denied.as_array().unwrap().len(), 1);
    assert_eq!(denied[0]["tool"], "shell_execute");
    let searches = audit(home.path(), &["list", "--tool", "web_search", "--since", "1h", "--format", "json"]).json();
    assert_eq!(searches.as_array().unwrap().len(), 1);
    assert_eq!(audit(home.path(), &["list", "--since", "soon"]).code, 64);

    let export = audit(home.path(), &["export", "--format", "jsonl"]);
    let lines: Vec<serde_json::Value> = export.stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 2);
    let blocked = lines.iter().find(|l| l["disposition"] == "Blocked").unwrap();
    assert_eq!(blocked["api"]["operation"], "shell_execute");
    assert_eq!(blocked["unmapped"]["layer"], "operation_hard_deny");
    assert!(blocked["metadata"]["uid"].as_str().unwrap().starts_with("dec_"));
}

#[test]
fn the_daemon_records_decisions_that_read_back_as_the_clis_do() {
    let home = webhook_home(
        r#"{"Daemon": {"Port": 0}, "Security": {"DeploymentPosture": "Personal", "ShellExecutionMode": "HostAllowed"}}"#,
        &[],
    );
    let h = home_arg(home.path());
    let started = netclaw(&["--home", &h, "daemon", "start"], &[]);
    assert_eq!(started.code, 0, "{}", started.stderr);
    let address = netclaw(&["--home", &h, "daemon", "status", "--format", "json"], &[]).json()["address"]
        .as_str()
        .unwrap()
        .to_owned();
    let by_daemon = post(&address, SUDO);
    let stopped = netclaw(&["--home", &h, "daemon", "stop"], &[]);
    assert_eq!(stopped.code, 0, "{}", stopped.stderr);
    let by_cli = authorize(home.path(), SUDO);

    let recorded = |d: &serde_json::Value| {
        audit(home.path(), &["show", d["decisionId"].as_str().unwrap(), "--format", "json"]).json()["recorded"].clone()
    };
    let (daemon_entry, cli_entry) = (recorded(&by_daemon), recorded(&by_cli));
    assert_eq!(daemon_entry["decision"], by_daemon);
    assert_eq!((daemon_entry["recorder"].as_str(), cli_entry["recorder"].as_str()), (Some("daemon"), Some("cli")));
    assert_eq!(daemon_entry["generation"], 1);
    assert_eq!(daemon_entry["policyDigest"], cli_entry["policyDigest"], "same config, same compiled set");
    for key in ["request", "channel", "tool"] {
        assert_eq!(daemon_entry[key], cli_entry[key], "{key}");
    }
    let strip = |mut d: serde_json::Value| {
        d.as_object_mut().unwrap().remove("decisionId");
        d
    };
    assert_eq!(strip(daemon_entry["decision"].clone()), strip(cli_entry["decision"].clone()));
}

fn post(address: &str, body: &str) -> serde_json::Value {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(address).unwrap();
    let head = format!(
        "POST /v1/authorize HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(head.as_bytes()).unwrap();
    let mut raw = String::new();
    stream.read_to_string(&mut raw).unwrap();
    serde_json::from_str(raw.split_once("\r\n\r\n").unwrap().1).unwrap()
}

#[test]
fn a_store_that_cannot_be_written_never_changes_the_decision() {
    let home =
        webhook_home(r#"{"Security": {"DeploymentPosture": "Personal", "ShellExecutionMode": "HostAllowed"}}"#, &[]);
    std::fs::create_dir(home.path().join("netclaw.db")).unwrap();
    let file = home.path().join("request.json");
    std::fs::write(&file, SUDO).unwrap();
    let run = netclaw(
        &["--home", &home_arg(home.path()), "authorize", "--request", &home_arg(&file), "--format", "json"],
        &[],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.json()["decision"], "deny");
    assert!(run.stderr.contains("not recorded in the audit log"), "{}", run.stderr);
    assert!(!run.stderr.contains("ghp_"), "{}", run.stderr);
}
