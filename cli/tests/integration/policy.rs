//! `netclaw authorize` and `netclaw policy compile|validate` over the example homes.

use std::path::Path;

use serde_json::json;

use crate::common::{example, fixture, home_arg, netclaw, snapshot};

#[test]
fn compiled_policies_of_every_example_are_snapshotted_and_deterministic() {
    for name in ["personal", "team", "public"] {
        let home = home_arg(&example(name));
        let first = netclaw(&["policy", "compile", "--home", &home], &[]);
        let second = netclaw(&["policy", "compile", "--home", &home], &[]);
        assert_eq!(first.code, 0, "{}", first.stderr);
        assert_eq!(first.stdout, second.stdout, "compile must be byte-for-byte deterministic");
        snapshot!(format!("policy-{name}.cedar"), first.stdout);
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let out = home_arg(dir.path());
        assert_eq!(netclaw(&["policy", "compile", "--home", &home, "--out", &out], &[]).code, 0);
        let entities = std::fs::read_to_string(dir.path().join("entities.json")).unwrap_or_default();
        snapshot!(format!("policy-{name}.entities.json"), entities);
    }
}

/// Everything that decides a call is in the artifacts, so `--check` fails when any of
/// it changes: a persisted approval added, a hard-deny pattern removed, a channel
/// mapping or a route audience changed.
#[test]
fn compile_check_sees_every_input_that_decides() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let home = dir.path().join("home");
    let out = home_arg(&dir.path().join("compiled"));
    std::fs::create_dir_all(home.join("config/webhooks")).unwrap_or_else(|e| panic!("{e}"));
    let write = |relative: &str, value: serde_json::Value| {
        std::fs::write(home.join(relative), value.to_string()).unwrap_or_else(|e| panic!("{e}"));
    };
    let route = |audience: &str| json!({"prompt": "p", "audience": audience, "verification": {"kind": "HeaderSecret", "secret": "s"}});
    write(
        "config/netclaw.json",
        json!({"Tools": {"HardDenyPatterns": ["docker rm"]},
        "Slack": {"ChannelAudiences": {"C1": "public"}}}),
    );
    write("config/webhooks/ci.json", route("Public"));
    let home = home_arg(&home);
    assert_eq!(netclaw(&["policy", "compile", "--home", &home, "--out", &out], &[]).code, 0);
    let check = || netclaw(&["policy", "compile", "--home", &home, "--out", &out, "--check"], &[]).code;
    assert_eq!(check(), 0);
    let approval = json!({"version": 3, "audiences": {"personal": {"shell_execute": [
        {"shell": "git push", "match": "tokenPrefix", "verbTokens": ["git", "push"], "directory": null, "createdAt": "2026-11-20T09:14:03Z"}
    ]}}});
    let home_path = dir.path().join("home");
    let changes: [(&str, serde_json::Value); 4] = [
        ("config/tool-approvals.json", approval),
        ("config/netclaw.json", json!({"Slack": {"ChannelAudiences": {"C1": "public"}}})),
        ("config/netclaw.json", json!({"Slack": {"ChannelAudiences": {"C1": "team"}}})),
        ("config/webhooks/ci.json", route("Team")),
    ];
    for (file, value) in changes {
        std::fs::write(home_path.join(file), value.to_string()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(check(), 1, "--check missed a change to {file}: {value}");
        assert_eq!(netclaw(&["policy", "compile", "--home", &home, "--out", &out], &[]).code, 0);
    }
}

#[test]
fn compile_check_passes_on_fresh_output_and_fails_on_drift() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let out = dir.path().join("compiled");
    let out_arg = home_arg(&out);
    let home = home_arg(&example("team"));
    assert_eq!(netclaw(&["policy", "compile", "--home", &home, "--out", &out_arg], &[]).code, 0);
    for file in ["netclaw.cedar", "netclaw.cedarschema", "entities.json"] {
        assert!(out.join(file).is_file(), "{file} not written");
    }
    assert_eq!(netclaw(&["policy", "compile", "--home", &home, "--out", &out_arg, "--check"], &[]).code, 0);
    let other = home_arg(&example("personal"));
    let drift = netclaw(&["policy", "compile", "--home", &other, "--out", &out_arg, "--check"], &[]);
    assert_eq!(drift.code, 1);
    assert!(drift.stderr.contains("netclaw.cedar"), "{}", drift.stderr);
}

#[test]
fn validate_reports_a_broken_home() {
    assert_eq!(netclaw(&["policy", "validate", "--home", &home_arg(&example("team"))], &[]).code, 0);
    let broken = netclaw(&["policy", "validate", "--home", &home_arg(&fixture("wrong-enum"))], &[]);
    assert_eq!(broken.code, 65, "an invalid config is invalid input, never the 1 of a failed check");
    let compile = netclaw(&["policy", "compile", "--home", &home_arg(&fixture("wrong-enum"))], &[]);
    assert_eq!(compile.code, 65);
    assert!(broken.stderr.contains("/Security/ShellExecutionMode"), "{}", broken.stderr);
}

/// Decides in a copy of `home`: `authorize` records the decision in the home's
/// netclaw.db, and the example and fixture homes stay as committed.
fn authorize(home: &str, request: &str, format: &str) -> crate::common::Run {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let copy = dir.path().join("home");
    copy_dir(Path::new(home), &copy);
    let file = dir.path().join("request.json");
    std::fs::write(&file, request).unwrap_or_else(|e| panic!("{e}"));
    netclaw(&["authorize", "--home", &home_arg(&copy), "--request", &home_arg(&file), "--format", format], &[])
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap_or_else(|e| panic!("{e}"));
    for entry in std::fs::read_dir(from).unwrap_or_else(|e| panic!("{e}")).flatten() {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap_or_else(|e| panic!("{e}"));
        }
    }
}

/// The contract's example request, against the Personal example.
#[test]
fn authorize_explains_a_hard_deny() {
    let request = r#"{"channel": "tui", "interactive": true, "tool": "shell_execute", "arguments": {"command": "ls -la && sudo rm -rf /"}}"#;
    let run = authorize(&home_arg(&example("personal")), request, "json");
    assert_eq!(run.code, 0, "a decision was made: {}", run.stderr);
    let decision = run.json();
    assert_eq!(decision["decision"], "deny");
    assert_eq!(decision["outcome"], "Denied");
    assert_eq!(decision["layer"], "operation_hard_deny");
    assert_eq!(decision["reasonCode"], "hard_deny_privilege_escalation");
    assert_eq!(decision["policies"][0], "netclaw.hard_deny.operation");
    let schema =
        std::fs::read_to_string(crate::common::repo_file("schemas/authorize-decision.schema.json")).unwrap_or_default();
    let schema: serde_json::Value = serde_json::from_str(&schema).unwrap_or_default();
    let validator = jsonschema::draft202012::new(&schema).unwrap_or_else(|e| panic!("{e}"));
    assert!(validator.is_valid(&decision), "decision does not match its schema");
    let text = authorize(&home_arg(&example("personal")), request, "text");
    let id = decision["decisionId"].as_str().unwrap_or_default().to_owned();
    insta::with_settings!({filters => vec![(r"dec_[0-9a-f_]+", "[DECISION_ID]")]}, {
        snapshot!("authorize-hard-deny.txt", text.stdout);
    });
    assert!(!id.is_empty());
}

#[test]
fn authorize_gates_a_team_call_and_names_the_policy() {
    let request = r#"{"channel": "slack", "slack": {"channelId": "C0123ABCDEF", "userId": "U0123ABCDEF", "mentioned": true}, "interactive": true, "tool": "file_write", "arguments": {"path": "/srv/sessions/s1/notes.md"}, "sessionDirectory": "/srv/sessions/s1"}"#;
    let decision = authorize(&home_arg(&example("team")), request, "json").json();
    assert_eq!(decision["decision"], "approval_required");
    assert_eq!(
        decision["policies"].as_array().map(|p| p.iter().any(|id| id == "team.approval.default.approval")),
        Some(true)
    );
    assert!(
        decision["sources"]
            .as_array()
            .is_some_and(|s| s.iter().any(|k| k == "Tools.AudienceProfiles.Team.ApprovalPolicy.DefaultMode"))
    );
}

#[test]
fn authorize_rejects_a_malformed_request_with_65_and_denies_on_a_broken_home() {
    assert_eq!(authorize(&home_arg(&example("team")), r#"{"tool": 5}"#, "json").code, 65);
    assert_eq!(authorize(&home_arg(&example("team")), r#"{"channel": "tui"}"#, "json").code, 65, "tool is required");
    let run = authorize(&home_arg(&fixture("wrong-enum")), r#"{"tool": "file_read"}"#, "json");
    let decision = run.json();
    assert_eq!((run.code, decision["decision"].as_str()), (0, Some("deny")));
    assert_eq!(decision["reasonCode"], "internal_policy_failure");
}
