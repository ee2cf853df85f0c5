//! `netclaw doctor` over fixture homes: text and JSON snapshots, exit codes, the schema.

use std::path::Path;

use crate::common::{assert_matches_schema, example, fixture, home_arg, netclaw, snapshot};

/// Every fixture scenario; each gets a text and a JSON snapshot.
const SCENARIOS: &[&str] = &[
    "valid",
    "typo-key",
    "wrong-enum",
    "wrong-types",
    "malformed-json",
    "missing-required",
    "bad-route-names",
    "secrets-masked",
];

fn doctor(home: &Path, format: &str) -> crate::common::Run {
    // The proofs have their own tests (and need cvc5): these snapshots are the same
    // on every machine.
    netclaw(&["doctor", "--home", &home_arg(home), "--format", format, "--skip", "policy-invariants"], &[])
}

#[test]
fn fixture_homes_snapshot_in_text_and_json() {
    for scenario in SCENARIOS {
        let home = fixture(scenario);
        let text = doctor(&home, "text");
        let json = doctor(&home, "json");
        let report = json.json();
        assert_matches_schema("doctor-report.schema.json", &report);
        assert_eq!(Some(i64::from(json.code)), report["exitCode"].as_i64(), "{scenario}: exit code != exitCode");
        assert_eq!(text.code, json.code, "{scenario}: formats disagree on the exit code");
        assert!(text.stderr.is_empty() && json.stderr.is_empty(), "{scenario}: stderr {}", text.stderr);
        snapshot!(format!("doctor-{scenario}.txt"), text.stdout);
        snapshot!(format!("doctor-{scenario}.json"), json.stdout);
    }
}

/// The documented CI gate: every shipped example must pass it.
#[test]
fn every_example_home_passes_the_ci_gate() {
    for name in ["personal", "team", "public"] {
        let run = doctor(&example(name), "json");
        assert_eq!(run.json()["exitCode"], 0, "examples/{name}:\n{}", run.stdout);
        assert_eq!(run.code, 0);
    }
}

#[test]
fn a_missing_or_empty_home_means_defaults_and_passes() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    for home in [dir.path().to_path_buf(), dir.path().join("does-not-exist")] {
        let run = doctor(&home, "text");
        assert_eq!(run.code, 0, "{}", run.stdout);
        snapshot!("doctor-empty-home.txt", run.stdout);
    }
}

#[test]
fn typo_in_a_key_fails_with_pointer_and_suggestion() {
    let report = doctor(&fixture("typo-key"), "json").json();
    let findings = report["checks"][0]["findings"].as_array().cloned().unwrap_or_default();
    let typo = findings.iter().find(|f| f["pointer"] == "/Secutiry");
    let typo = typo.unwrap_or_else(|| panic!("no finding at /Secutiry: {findings:?}"));
    assert_eq!(typo["code"], "unknown-key");
    assert_eq!(typo["help"], "did you mean `Security`?");
    assert_eq!((typo["line"].as_u64(), typo["column"].as_u64()), (Some(2), Some(3)));
    assert_eq!(report["exitCode"], 1);
}

#[test]
fn sarif_output_points_at_files_and_lines() {
    let run = doctor(&fixture("wrong-enum"), "sarif");
    assert_eq!(run.code, 1);
    let sarif = run.json();
    assert_eq!(sarif["version"], "2.1.0");
    let results = sarif["runs"][0]["results"].as_array().cloned().unwrap_or_default();
    assert!(!results.is_empty());
    let first = &results[0]["locations"][0]["physicalLocation"];
    assert_eq!(first["artifactLocation"]["uri"], "config/netclaw.json");
    assert_eq!(first["region"]["startLine"], 3);
    assert_eq!(results[0]["ruleId"], "config-schema/invalid-enum-value");
    let version = format!("\"version\": \"{}\"", env!("CARGO_PKG_VERSION"));
    insta::with_settings!({filters => vec![(version.as_str(), "\"version\": \"[VERSION]\"")]}, {
        snapshot!("doctor-wrong-enum.sarif", run.stdout);
    });
}

#[test]
fn only_runs_the_named_checks() {
    let home = home_arg(&fixture("bad-route-names"));
    let run = netclaw(&["doctor", "--home", &home, "--only", "Config Schema", "--format", "json"], &[]);
    let checks = run.json()["checks"].as_array().map(Vec::len);
    assert_eq!((run.code, checks), (0, Some(1)), "bad routes must not fail a run that skips their check");
    let run = netclaw(&["doctor", "--home", &home, "--only", "no-such-check"], &[]);
    assert_eq!(run.code, 64);
    assert!(run.stderr.contains("config-schema"), "should list known checks: {}", run.stderr);
}

/// A warning alone (an ignored file) exits 2, the contract's "warnings only".
#[test]
fn warnings_alone_exit_two() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let webhooks = dir.path().join("config/webhooks");
    std::fs::create_dir_all(&webhooks).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(webhooks.join("README.md"), "notes").unwrap_or_else(|e| panic!("{e}"));
    let run = doctor(dir.path(), "json");
    assert_eq!((run.code, run.json()["exitCode"].as_i64()), (2, Some(2)));
}

#[test]
fn fix_is_reported_in_the_summary() {
    let home = home_arg(&example("team"));
    let run = netclaw(
        &["doctor", "--home", &home, "--fix", "--dry-run", "--format", "json", "--skip", "policy-invariants"],
        &[],
    );
    let fix = &run.json()["fix"];
    assert_eq!((fix["requested"].as_bool(), fix["dryRun"].as_bool()), (Some(true), Some(true)));
}

/// Secret values must not appear in any output format, even when they are in the wrong place.
#[test]
fn secret_values_are_never_echoed() {
    let home = fixture("secrets-masked");
    for format in ["text", "json", "sarif"] {
        let run = doctor(&home, format);
        assert_eq!(run.code, 1);
        let all = format!("{}{}", run.stdout, run.stderr);
        assert!(!all.contains("SECRET") && !all.contains("xapp-1"), "{format} leaks a secret:\n{all}");
    }
    let run = netclaw(&["config", "show", "--home", &home_arg(&home)], &[]);
    assert!(!run.stderr.contains("SECRET"), "config show leaks a secret:\n{}", run.stderr);
}
