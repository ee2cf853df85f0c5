//! `netclaw doctor` over fixture homes: text, JSON and SARIF snapshots, exit codes, the
//! schemas, and `--fix`.
//!
//! Fixture homes are copied into a temporary directory and given the modes netclaw
//! keeps (git does not record them), then the modes a scenario is about.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use crate::common::{assert_matches_schema, example, fixture, home_arg, netclaw, repo_file, snapshot};

/// Every fixture scenario, with the modes it sets beyond the defaults netclaw keeps;
/// each gets a text, a JSON and a SARIF snapshot.
const SCENARIOS: &[(&str, &[(&str, u32)])] = &[
    ("valid", &[]),
    ("typo-key", &[]),
    ("wrong-enum", &[]),
    ("wrong-types", &[]),
    ("malformed-json", &[]),
    ("missing-required", &[]),
    ("bad-route-names", &[]),
    ("secrets-masked", &[]),
    ("security-shared-host-shell", &[]),
    ("security-personal-ungated", &[]),
    ("security-sandbox-no-backend", &[]),
    ("secrets-plaintext", &[]),
    ("secrets-loose-modes", &[("config/secrets.json", 0o644), ("keys", 0o755), ("keys/secrets.key", 0o644)]),
    ("secrets-encrypted-no-key", &[]),
    ("secrets-wrong-key", &[]),
    ("credential-in-config", &[]),
    ("slack-open", &[]),
    ("slack-no-allowlist", &[]),
    ("exposure-funnel", &[]),
    ("exposure-cloudflare", &[]),
    ("webhooks-weak", &[("config/webhooks", 0o755)]),
    ("webhooks-disabled", &[]),
    ("approvals-stale", &[]),
    ("hard-deny-shadowed", &[]),
    ("tool-profiles-permissive", &[]),
];

/// The modes netclaw creates these paths with.
const KEPT_MODES: &[(&str, u32)] = &[("config/secrets.json", 0o600), ("keys", 0o700), ("config/webhooks", 0o700)];

/// A copy of `source` in a temporary directory, with netclaw's modes and then `modes`.
pub(crate) struct CopiedHome {
    _dir: tempfile::TempDir,
    pub root: PathBuf,
}

impl CopiedHome {
    pub(crate) fn new(source: &Path, modes: &[(&str, u32)]) -> Self {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let root = dir.path().join("home");
        copy_tree(source, &root);
        let keys: Vec<PathBuf> =
            fs::read_dir(root.join("keys")).map(|d| d.flatten().map(|e| e.path()).collect()).unwrap_or_default();
        for key in keys {
            chmod(&key, 0o600);
        }
        for (relative, mode) in KEPT_MODES.iter().chain(modes) {
            if root.join(relative).exists() {
                chmod(&root.join(relative), *mode);
            }
        }
        Self { _dir: dir, root }
    }
}

fn chmod(path: &Path, mode: u32) {
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
}

fn copy_tree(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap_or_else(|e| panic!("{e}"));
    for entry in fs::read_dir(from).unwrap_or_else(|e| panic!("{}: {e}", from.display())).flatten() {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), &target).unwrap_or_else(|e| panic!("{e}"));
        }
    }
}

fn doctor_with(home: &Path, format: &str, extra: &[&str]) -> crate::common::Run {
    // The proofs have their own tests (and need cvc5): these snapshots are the same
    // on every machine.
    let home = home_arg(home);
    // Ages are measured against today: 100 years keeps the fixtures' recent dates recent.
    let mut args = vec![
        "doctor",
        "--home",
        &home,
        "--format",
        format,
        "--skip",
        "policy-invariants",
        "--approval-max-age",
        "36500",
    ];
    args.extend(extra);
    netclaw(&args, &[])
}

fn doctor(home: &Path, format: &str) -> crate::common::Run {
    doctor_with(home, format, &[])
}

/// Asserts `sarif` is valid under the published SARIF 2.1.0 schema (vendored).
#[track_caller]
fn assert_valid_sarif(sarif: &serde_json::Value) {
    let text = fs::read_to_string(repo_file("schemas/vendor/sarif-schema-2.1.0.json")).unwrap_or_default();
    let schema: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
    let validator = jsonschema::draft4::new(&schema).unwrap_or_else(|e| panic!("the SARIF schema: {e}"));
    let errors: Vec<String> = validator.iter_errors(sarif).map(|e| format!("{} at {}", e, e.instance_path())).collect();
    assert!(errors.is_empty(), "not valid SARIF 2.1.0: {errors:?}");
}

fn sarif_snapshot(name: &str, stdout: &str) {
    let version = format!("\"version\": \"{}\"", env!("CARGO_PKG_VERSION"));
    insta::with_settings!({filters => vec![(version.as_str(), "\"version\": \"[VERSION]\"")]}, {
        snapshot!(name, stdout);
    });
}

#[test]
fn fixture_homes_snapshot_in_text_json_and_sarif() {
    for (scenario, modes) in SCENARIOS {
        let home = CopiedHome::new(&fixture(scenario), modes);
        let text = doctor(&home.root, "text");
        let json = doctor(&home.root, "json");
        let sarif = doctor(&home.root, "sarif");
        let report = json.json();
        assert_matches_schema("doctor-report.schema.json", &report);
        assert_valid_sarif(&sarif.json());
        assert_eq!(Some(i64::from(json.code)), report["exitCode"].as_i64(), "{scenario}: exit code != exitCode");
        assert_eq!((text.code, sarif.code), (json.code, json.code), "{scenario}: formats disagree on the exit code");
        assert!(text.stderr.is_empty() && json.stderr.is_empty(), "{scenario}: stderr {}", text.stderr);
        snapshot!(format!("doctor-{scenario}.txt"), text.stdout);
        snapshot!(format!("doctor-{scenario}.json"), json.stdout);
        sarif_snapshot(&format!("doctor-{scenario}.sarif"), &sarif.stdout);
    }
}

/// The documented CI gate: every shipped example, installed with netclaw's modes, passes it.
#[test]
fn every_example_home_passes_the_ci_gate() {
    for name in ["personal", "team", "public"] {
        let home = CopiedHome::new(&example(name), &[]);
        // The examples' approvals are dated; `doctor` above keeps them recent for 100 years.
        let run = doctor(&home.root, "json");
        assert_eq!(run.json()["exitCode"], 0, "examples/{name}:\n{}", run.stdout);
        assert_eq!(run.code, 0);
    }
}

/// No config means the built-in defaults, which are safe; the one warning is the guide's:
/// the posture is not stated.
#[test]
fn a_missing_or_empty_home_means_defaults_and_warns_only_of_the_posture() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    for home in [dir.path().to_path_buf(), dir.path().join("does-not-exist")] {
        let run = doctor(&home, "json");
        let codes: Vec<String> = run.json()["checks"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|c| c["findings"].as_array().cloned().unwrap_or_default())
            .map(|f| f["code"].as_str().unwrap_or_default().to_owned())
            .collect();
        assert_eq!((run.code, codes), (2, vec!["posture-unset".to_owned()]), "{}", run.stdout);
        snapshot!("doctor-empty-home.txt", doctor(&home, "text").stdout);
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
    let home = CopiedHome::new(&fixture("wrong-enum"), &[]);
    let run = doctor(&home.root, "sarif");
    assert_eq!(run.code, 1);
    let sarif = run.json();
    assert_eq!(sarif["version"], "2.1.0");
    let results = sarif["runs"][0]["results"].as_array().cloned().unwrap_or_default();
    assert!(!results.is_empty());
    let first = &results[0]["locations"][0]["physicalLocation"];
    assert_eq!(first["artifactLocation"]["uri"], "config/netclaw.json");
    assert_eq!(first["region"]["startLine"], 3);
    assert_eq!(results[0]["ruleId"], "config-schema/invalid-enum-value");
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
    chmod(&webhooks, 0o700);
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
    let copy = CopiedHome::new(&fixture("secrets-masked"), &[]);
    let home = copy.root.clone();
    for format in ["text", "json", "sarif"] {
        let run = doctor(&home, format);
        assert_eq!(run.code, 1);
        let all = format!("{}{}", run.stdout, run.stderr);
        assert!(!all.contains("SECRET") && !all.contains("xapp-1"), "{format} leaks a secret:\n{all}");
    }
    let run = netclaw(&["config", "show", "--home", &home_arg(&home)], &[]);
    assert!(!run.stderr.contains("SECRET"), "config show leaks a secret:\n{}", run.stderr);
}

/// Every file of a home with its mode, to tell whether a run changed anything.
fn state(root: &Path) -> Vec<(String, u32, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            let mode = entry.metadata().map(|m| m.permissions().mode() & 0o777).unwrap_or_default();
            let name = path.strip_prefix(root).map(|p| p.display().to_string()).unwrap_or_default();
            if path.is_dir() {
                out.push((name, mode, Vec::new()));
                stack.push(path);
            } else {
                out.push((name, mode, fs::read(&path).unwrap_or_default()));
            }
        }
    }
    out.sort();
    out
}

fn finding_count(report: &serde_json::Value) -> usize {
    report["checks"].as_array().into_iter().flatten().map(|c| c["findings"].as_array().map_or(0, Vec::len)).sum()
}

/// The property `--fix` promises, over every fixture home: it never leaves more
/// problems than it found, and a second run has nothing left to do.
#[test]
fn fix_never_adds_problems_and_a_second_fix_changes_nothing() {
    for (scenario, modes) in SCENARIOS {
        let home = CopiedHome::new(&fixture(scenario), modes);
        let before = doctor(&home.root, "json").json();
        let fixed = doctor_with(&home.root, "json", &["--fix"]).json();
        assert!(finding_count(&fixed) <= finding_count(&before), "{scenario}: --fix added problems:\n{fixed:#}");
        let settled = state(&home.root);
        let again = doctor_with(&home.root, "json", &["--fix"]).json();
        assert_eq!(again["fix"]["changedFiles"], 0, "{scenario}: a second --fix changed something: {again:#}");
        assert_eq!(state(&home.root), settled, "{scenario}: a second --fix changed the home");
        assert_eq!(finding_count(&again), finding_count(&fixed), "{scenario}");
    }
}

#[test]
fn dry_run_lists_the_changes_and_makes_none() {
    let home = CopiedHome::new(&fixture("secrets-loose-modes"), &[("config/secrets.json", 0o644), ("keys", 0o755)]);
    let untouched = state(&home.root);
    let run = doctor_with(&home.root, "json", &["--fix", "--dry-run"]);
    let fix = &run.json()["fix"];
    assert_eq!(fix["dryRun"], true);
    let changes: Vec<&str> = fix["changes"].as_array().into_iter().flatten().filter_map(|c| c.as_str()).collect();
    assert_eq!(changes, ["config/secrets.json: chmod 600", "keys: chmod 700"]);
    assert_eq!(state(&home.root), untouched, "--dry-run wrote something");
    assert_eq!(run.code, 1, "the findings still stand");
}

/// Moving a credential: out of netclaw.json, into secrets.json at 600, a backup kept
/// with the old mode, the value never printed.
#[test]
fn fix_moves_a_credential_into_secrets_and_keeps_a_backup() {
    let home = CopiedHome::new(&fixture("credential-in-config"), &[]);
    let token = "xoxb-000000000000-fixture-not-real";
    let run = doctor_with(&home.root, "text", &["--fix"]);
    assert!(!run.stdout.contains(token) && !run.stderr.contains(token), "{}", run.stdout);
    let read = |relative: &str| fs::read_to_string(home.root.join(relative)).unwrap_or_default();
    assert!(!read("config/netclaw.json").contains(token));
    assert!(read("config/netclaw.json.bak").contains(token), "the backup keeps the original");
    let secrets: serde_json::Value = serde_json::from_str(&read("config/secrets.json")).unwrap_or_default();
    assert_eq!(secrets["Slack"]["BotToken"], token);
    let mode = |relative: &str| fs::metadata(home.root.join(relative)).map(|m| m.permissions().mode() & 0o777).ok();
    assert_eq!(mode("config/secrets.json"), Some(0o600));
    let report = doctor(&home.root, "json").json();
    let codes: Vec<&str> = report["checks"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|c| c["findings"].as_array().into_iter().flatten())
        .filter_map(|f| f["code"].as_str())
        .collect();
    assert!(!codes.contains(&"credential-in-config"), "{codes:?}");
    assert!(codes.contains(&"plaintext-secret"), "now where it belongs, and still to be encrypted: {codes:?}");
}

/// netclaw.db: private, intact, WAL — and looking at it leaves no `-wal`/`-shm` behind.
#[test]
fn sqlite_provisioning_reads_the_database_without_a_trace() {
    let home = CopiedHome::new(&example("team"), &[]);
    let db = home.root.join("netclaw.db");
    let connection = rusqlite::Connection::open(&db).unwrap_or_else(|e| panic!("{e}"));
    connection.execute_batch("PRAGMA journal_mode=WAL; CREATE TABLE audit(id TEXT);").unwrap_or_else(|e| panic!("{e}"));
    drop(connection);
    chmod(&db, 0o600);
    let run = doctor_with(&home.root, "json", &["--only", "sqlite-provisioning"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(!home.root.join("netclaw.db-wal").exists() && !home.root.join("netclaw.db-shm").exists());

    let connection = rusqlite::Connection::open(&db).unwrap_or_else(|e| panic!("{e}"));
    connection.execute_batch("PRAGMA journal_mode=DELETE;").unwrap_or_else(|e| panic!("{e}"));
    drop(connection);
    chmod(&db, 0o644);
    let run = doctor_with(&home.root, "json", &["--only", "sqlite-provisioning", "--fix"]);
    let codes: Vec<String> = run.json()["checks"][0]["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| f["code"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(codes, ["database-not-wal"], "the mode was fixed, the journal mode is for a human");
    assert_eq!(fs::metadata(&db).map(|m| m.permissions().mode() & 0o777).ok(), Some(0o600));

    fs::write(&db, "not a database, but long enough to have a header of some sort........").unwrap_or_default();
    let run = doctor_with(&home.root, "json", &["--only", "sqlite-provisioning"]);
    assert_eq!(run.json()["checks"][0]["findings"][0]["code"], "database-unreadable");
}

/// `--fix` never follows a link: a chmod would land wherever it points (a system file,
/// when run as root), and a rewrite would replace the link with a plain file.
#[test]
fn fix_leaves_symbolic_links_alone() {
    let home = CopiedHome::new(&fixture("credential-in-config"), &[]);
    let outside = home.root.parent().map(|p| p.join("outside")).unwrap_or_default();
    fs::create_dir_all(&outside).unwrap_or_else(|e| panic!("{e}"));
    let target = outside.join("master.key");
    fs::write(&target, "key").unwrap_or_else(|e| panic!("{e}"));
    chmod(&target, 0o644);
    fs::create_dir_all(home.root.join("keys")).unwrap_or_else(|e| panic!("{e}"));
    chmod(&home.root.join("keys"), 0o700);
    std::os::unix::fs::symlink(&target, home.root.join("keys/master.key")).unwrap_or_else(|e| panic!("{e}"));
    let config = home.root.join("config/netclaw.json");
    fs::rename(&config, outside.join("netclaw.json")).unwrap_or_else(|e| panic!("{e}"));
    std::os::unix::fs::symlink(outside.join("netclaw.json"), &config).unwrap_or_else(|e| panic!("{e}"));

    let run = doctor_with(&home.root, "json", &["--fix"]);
    assert_eq!(run.json()["fix"]["changedFiles"], 0, "{}", run.stdout);
    assert_eq!(fs::metadata(&target).map(|m| m.permissions().mode() & 0o777).ok(), Some(0o644));
    assert!(fs::symlink_metadata(&config).is_ok_and(|m| m.file_type().is_symlink()), "the link is still a link");
    assert_eq!(run.code, 1, "the findings stand, for a human to fix where the files live");
}

/// A home with `files` (home-relative path, text), netclaw's modes, and the finding
/// codes doctor reports on it.
fn codes_for(files: &[(&str, &str)], env: &[(&str, &str)]) -> (i32, Vec<String>, String) {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    for (relative, text) in files {
        let path = dir.path().join(relative);
        fs::create_dir_all(path.parent().unwrap_or(dir.path())).unwrap_or_else(|e| panic!("{e}"));
        fs::write(&path, text).unwrap_or_else(|e| panic!("{e}"));
    }
    for (relative, mode) in KEPT_MODES {
        if dir.path().join(relative).exists() {
            chmod(&dir.path().join(relative), *mode);
        }
    }
    let home = home_arg(dir.path());
    let run = netclaw(&["doctor", "--home", &home, "--format", "json", "--skip", "policy-invariants"], env);
    let codes = run.json()["checks"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|c| c["findings"].as_array().cloned().unwrap_or_default())
        .filter_map(|f| f["code"].as_str().map(str::to_owned))
        .collect();
    let text = netclaw(&["doctor", "--home", &home, "--skip", "policy-invariants"], env).stdout;
    (run.code, codes, text)
}

/// Found by an independent red-team pass over the checks; each was a way past the gate.
#[test]
fn red_team_ways_past_the_gate_are_closed() {
    let netclaw_json = "config/netclaw.json";
    // Destructive file tools on Auto, granted through `Roots: ["/"]` rather than `All`.
    let roots = r#"{"Security":{"DeploymentPosture":"Public"},"Tools":{"AudienceProfiles":{"Public":{
        "AllowedTools":["file_read","file_delete"],"WriteFiles":{"Mode":"Roots","Roots":["/"]},
        "ApprovalPolicy":{"DefaultMode":"Deny","ToolOverrides":{"file_delete":"Auto"}}}}}}"#;
    let (code, codes, _) = codes_for(&[(netclaw_json, roots)], &[]);
    assert!(code == 1 && codes.contains(&"auto-on-destructive-tool".to_owned()), "{codes:?}");
    // Slack is Team by default: under a Public posture, unmapped channels widen access.
    let slack = r#"{"Security":{"DeploymentPosture":"Public"},"Slack":{"Enabled":true,
        "AllowedChannelIds":["C0123ABCDEF"],"AllowedUserIds":["U0123ABCDEF"]}}"#;
    let (_, codes, _) = codes_for(&[(netclaw_json, slack)], &[]);
    assert!(codes.contains(&"audience-broader-than-posture".to_owned()), "{codes:?}");
    // A credential in netclaw.json is exposed even when secrets.json overrides it, and
    // a token inside an array is still a token.
    let leak = r#"{"Security":{"DeploymentPosture":"Team"},"Slack":{"BotToken":"xoxb-1111111111-plaintextleak",
        "AllowedChannelIds":["C0123ABCDEF","xoxb-123456789012-abcdefghijklmnop"]}}"#;
    let secrets = r#"{"Slack":{"BotToken":"ENC:0123456789abcdef"}}"#;
    let (_, codes, text) =
        codes_for(&[(netclaw_json, leak), ("config/secrets.json", secrets), ("keys/master.key", "k")], &[]);
    assert!(codes.contains(&"credential-in-config".to_owned()), "{codes:?}");
    assert!(codes.contains(&"credential-shaped-value".to_owned()), "{codes:?}");
    assert!(!text.contains("plaintextleak") && !text.contains("abcdefghijklmnop"), "{text}");
    // Other spellings: a credential key in lower case, wildcard binds written otherwise.
    let lower = r#"{"security":{"deploymentposture":"Team"},"slack":{"bottoken":"xoxb-1111111111-lowercase"}}"#;
    let (_, codes, _) = codes_for(&[(netclaw_json, lower)], &[]);
    assert!(codes.contains(&"credential-in-config".to_owned()), "{codes:?}");
    for host in ["[::]", "0:0:0:0:0:0:0:0", "::ffff:0.0.0.0", "127.1", "localhost.evil.example"] {
        let config = format!(r#"{{"Security":{{"DeploymentPosture":"Team"}},"Daemon":{{"Host":"{host}"}}}}"#);
        let (code, codes, _) = codes_for(&[(netclaw_json, &config)], &[]);
        let bind = codes.iter().any(|c| c == "wildcard-bind" || c == "non-loopback-bind");
        assert!(code == 1 && bind, "{host}: {codes:?}");
    }
    // Placeholders behind `ENC:`, and secrets that only repeat a pattern.
    let base = r#"{"Security":{"DeploymentPosture":"Team"},"Webhooks":{"Enabled":true}}"#;
    for secret in ["ENC:replace-with-the-output-of-netclaw-secrets-encrypt", "deadbeefdeadbeefdeadbeefdeadbeef"] {
        let route = format!(r#"{{"prompt":"p","verification":{{"kind":"Hmac","secret":"{secret}"}}}}"#);
        let (_, codes, _) = codes_for(&[(netclaw_json, base), ("config/webhooks/hook.json", &route)], &[]);
        assert!(codes.contains(&"weak-secret".to_owned()), "{secret}: {codes:?}");
    }
    // A value a check quotes is masked if it is a token, and cannot drive the terminal.
    let host = r#"{"Security":{"DeploymentPosture":"Team"},"Daemon":{"Host":"xoxb-5555555555-LEAKMARKER"}}"#;
    let (_, _, text) = codes_for(&[(netclaw_json, host)], &[]);
    assert!(!text.contains("LEAKMARKER"), "{text}");
    let escape = "{\"Security\":{\"DeploymentPosture\":\"Team\"},\"Daemon\":{\"Host\":\"10.0.0.1\\u001b[2K\"}}";
    let (code, _, text) = codes_for(&[(netclaw_json, escape)], &[]);
    assert!(code == 1 && !text.contains('\u{1b}'), "{text:?}");
    // --only and --skip that leave nothing to run are a usage error, not a pass.
    let run = netclaw(&["doctor", "--only", "config-schema", "--skip", "config-schema"], &[]);
    assert_eq!(run.code, 64, "{}", run.stdout);
}

#[test]
fn a_fifo_database_is_reported_not_waited_on() {
    let home = CopiedHome::new(&example("team"), &[]);
    let made = std::process::Command::new("mkfifo").arg(home.root.join("netclaw.db")).status();
    assert!(made.is_ok_and(|s| s.success()));
    let run = doctor_with(&home.root, "json", &["--only", "sqlite-provisioning"]);
    assert_eq!(run.json()["checks"][0]["findings"][0]["code"], "database-not-a-file");
}

#[test]
fn backups_are_private_whatever_the_file_was() {
    let home = CopiedHome::new(&fixture("credential-in-config"), &[]);
    chmod(&home.root.join("config/netclaw.json"), 0o644);
    doctor_with(&home.root, "json", &["--fix"]);
    let mode = fs::metadata(home.root.join("config/netclaw.json.bak")).map(|m| m.permissions().mode() & 0o777).ok();
    assert_eq!(mode, Some(0o600), "the backup holds the credential that was moved");
}
