//! `netclaw config show`: effective values with their sources, secrets masked.

use serde_json::Value;

use crate::common::{assert_matches_schema, example, fixture, home_arg, netclaw, snapshot};

fn show(home: &std::path::Path, extra: &[&str], env: &[(&str, &str)]) -> crate::common::Run {
    let home = home_arg(home);
    let mut args = vec!["config", "show", "--home", home.as_str(), "--format", "json"];
    args.extend_from_slice(extra);
    netclaw(&args, env)
}

fn entry(document: &Value, key: &str) -> Value {
    let values = document["values"].as_array().cloned().unwrap_or_default();
    values.into_iter().find(|v| v["key"] == key).unwrap_or_else(|| panic!("no entry {key} in {document}"))
}

#[test]
fn effective_json_names_the_source_of_every_value() {
    let run = show(&example("team"), &["--effective"], &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let document = run.json();
    assert_matches_schema("config-show.schema.json", &document);
    let posture = entry(&document, "Security.DeploymentPosture");
    assert_eq!(posture["value"], "Team");
    assert_eq!(posture["source"]["kind"], "file");
    assert_eq!(posture["source"]["file"], "config/netclaw.json");
    assert_eq!(posture["source"]["pointer"], "/Security/DeploymentPosture");
    assert_eq!((posture["source"]["line"].as_u64(), posture["source"]["column"].as_u64()), (Some(3), Some(26)));
    assert_eq!(entry(&document, "Daemon.Port")["source"]["kind"], "default");
    let all_have_sources =
        document["values"].as_array().is_some_and(|v| v.iter().all(|e| e["source"]["kind"].is_string()));
    assert!(all_have_sources);
    let home = home_arg(&example("team"));
    insta::with_settings!({filters => vec![(home.as_str(), "[HOME]")]}, {
        snapshot!("config-show-team-effective.json", run.stdout);
    });
}

#[test]
fn without_effective_only_what_was_set_is_listed() {
    let document = show(&example("team"), &[], &[]).json();
    let values = document["values"].as_array().cloned().unwrap_or_default();
    assert!(!values.is_empty());
    assert!(values.iter().all(|v| v["source"]["kind"] != "default"), "{values:?}");
}

/// `NETCLAW_*` beats `secrets.json`, which beats `netclaw.json` (CONTRACT §1).
#[test]
fn environment_beats_files_and_is_cited() {
    let env = [("NETCLAW_Security__ShellExecutionMode", "SandboxOnly"), ("NETCLAW_daemon__port", "6000")];
    let document = show(&example("personal"), &[], &env).json();
    let shell = entry(&document, "Security.ShellExecutionMode");
    assert_eq!(shell["value"], "SandboxOnly");
    assert_eq!(shell["source"], serde_json::json!({"kind": "env", "var": "NETCLAW_Security__ShellExecutionMode"}));
    assert_eq!(entry(&document, "Daemon.Port")["value"], 6000);
}

#[test]
fn secrets_are_masked_wherever_they_come_from() {
    let env = [("NETCLAW_Slack__AppToken", "xapp-1-from-the-environment")];
    let run = show(&fixture("valid"), &["--effective"], &env);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(!run.stdout.contains("ENC:v1") && !run.stdout.contains("xapp-1"), "{}", run.stdout);
    let document = run.json();
    for key in ["Slack.BotToken", "Slack.AppToken", "Slack.SigningSecret"] {
        let value = entry(&document, key);
        assert_eq!((value["value"].as_str(), value["secret"].as_bool()), (Some("********"), Some(true)), "{key}");
    }
    assert_eq!(entry(&document, "Slack.BotToken")["source"]["file"], "config/secrets.json");
}

#[test]
fn text_format_lists_key_value_and_source() {
    let run = netclaw(&["config", "show", "--home", &home_arg(&example("public"))], &[]);
    assert_eq!(run.code, 0);
    snapshot!("config-show-public.txt", run.stdout);
}

/// An invalid config is never shown as if it were in force.
#[test]
fn invalid_config_exits_65_naming_file_and_pointer() {
    let run = show(&fixture("wrong-enum"), &[], &[]);
    assert_eq!(run.code, 65);
    assert!(run.stdout.is_empty(), "nothing on stdout when invalid: {}", run.stdout);
    assert!(run.stderr.contains("config/netclaw.json:4:27 /Security/ShellExecutionMode"), "{}", run.stderr);
}

#[test]
fn misspelled_environment_variable_is_an_error_with_a_suggestion() {
    let run = show(&example("team"), &[], &[("NETCLAW_Security__ShelExecutionMode", "Off")]);
    assert_eq!(run.code, 65);
    assert!(run.stderr.contains("did you mean `NETCLAW_Security__ShellExecutionMode`?"), "{}", run.stderr);
}

#[test]
fn environment_value_of_the_wrong_type_is_rejected_without_echoing_it() {
    let run = show(&example("team"), &[], &[("NETCLAW_Daemon__Port", "not-a-port-value")]);
    assert_eq!(run.code, 65);
    assert!(run.stderr.contains("NETCLAW_Daemon__Port") && !run.stderr.contains("not-a-port-value"), "{}", run.stderr);
    let run = show(&example("team"), &[], &[("NETCLAW_Daemon__Port", "70000")]);
    assert_eq!(run.code, 65, "out of range must fail the final validation: {}", run.stderr);
    assert!(run.stderr.contains("env:NETCLAW_Daemon__Port"), "{}", run.stderr);
}
