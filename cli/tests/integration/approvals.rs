//! `netclaw approvals list|revoke|prune` on a real store, and what a broken store means.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use crate::common::{home_arg, netclaw};
use crate::webhooks::webhook_home;

const PERSONAL: &str = r#"{"Security": {"DeploymentPosture": "Personal", "ShellExecutionMode": "HostAllowed"}}"#;

fn today() -> String {
    let out = std::process::Command::new("date").args(["-u", "+%F"]).output().unwrap();
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

fn store(home: &Path, text: &str) {
    let file = home.join("config/tool-approvals.json");
    std::fs::write(&file, text).unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
}

fn approvals(home: &Path, args: &[&str]) -> crate::common::Run {
    let h = home_arg(home);
    let mut all = vec!["--home", h.as_str(), "approvals"];
    all.extend_from_slice(args);
    netclaw(&all, &[])
}

#[test]
fn list_prune_and_revoke_maintain_the_store() {
    let home = webhook_home(PERSONAL, &[]);
    store(
        home.path(),
        &format!(
            r#"{{"version": 3, "audiences": {{"personal": {{
                "shell_execute": [
                  {{"shell": "git status", "match": "tokenPrefix", "verbTokens": ["git", "status"], "directory": "/work/app", "createdAt": "{}T09:00:00Z"}},
                  {{"shell": "npm test", "match": "exact", "verbTokens": ["npm", "test"], "directory": "/work/app", "createdAt": "2020-01-02T10:00:00Z"}}
                ],
                "web_fetch": [{{"verb": "fetch", "directory": null, "createdAt": "someday"}}]}}}}}}"#,
            today()
        ),
    );
    let listed = approvals(home.path(), &["list"]);
    assert_eq!(listed.code, 0, "{}", listed.stderr);
    insta::with_settings!({
        snapshot_path => "../../../snapshots",
        prepend_module_to_snapshot => false,
        filters => vec![(r"\b[0-9]{3,} days old", "[OLD] days old")],
    }, {
        insta::assert_snapshot!("approvals-list", listed.stdout);
    });
    assert_eq!(approvals(home.path(), &["list", "--format", "json"]).json().as_array().unwrap().len(), 3);

    let file = home.path().join("config/tool-approvals.json");
    let before = std::fs::read_to_string(&file).unwrap();
    let planned = approvals(home.path(), &["prune", "--older-than", "90d", "--dry-run"]);
    assert_eq!(planned.code, 0, "{}", planned.stderr);
    assert!(planned.stdout.contains("would prune /audiences/personal/shell_execute/1"), "{}", planned.stdout);
    assert_eq!(std::fs::read_to_string(&file).unwrap(), before);

    let pruned = approvals(home.path(), &["prune", "--format", "json"]).json();
    let ids: Vec<&str> = pruned.as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["/audiences/personal/shell_execute/1", "/audiences/personal/web_fetch/0"]);
    assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600);

    let revoked = approvals(home.path(), &["revoke", "/audiences/personal/shell_execute/0"]);
    assert_eq!(revoked.code, 0, "{}", revoked.stderr);
    assert!(approvals(home.path(), &["list", "--format", "json"]).json().as_array().unwrap().is_empty());
    let again = approvals(home.path(), &["revoke", "/audiences/personal/shell_execute/0"]);
    assert_eq!(again.code, 1);
    assert!(again.stderr.contains("[approvals.not_found]"), "{}", again.stderr);
}

#[test]
fn a_corrupted_store_is_left_alone_denies_and_doctor_names_it() {
    let home = webhook_home(PERSONAL, &[]);
    let broken = r#"{"version": 3, "audiences": {"personal": {"shell_execute": [{"shell": "git status"}]}}}"#;
    store(home.path(), broken);
    let h = home_arg(home.path());

    let pruned = approvals(home.path(), &["prune"]);
    assert_eq!(pruned.code, 65, "{}", pruned.stderr);
    assert!(pruned.stderr.contains("config/tool-approvals.json"), "{}", pruned.stderr);
    assert!(pruned.stderr.contains("/audiences/personal/shell_execute/0"), "{}", pruned.stderr);
    assert_eq!(std::fs::read_to_string(home.path().join("config/tool-approvals.json")).unwrap(), broken);

    let request = home.path().join("request.json");
    std::fs::write(
        &request,
        r#"{"channel": "tui", "interactive": true, "tool": "shell_execute", "arguments": {"command": "git status"}}"#,
    )
    .unwrap();
    let decided =
        netclaw(&["--home", &h, "authorize", "--request", &home_arg(&request), "--format", "json"], &[]).json();
    assert_eq!(decided["decision"], "deny", "{decided}");
    assert_eq!(decided["reasonCode"], "approval_store_unavailable", "{decided}");

    let doctor = netclaw(&["--home", &h, "doctor", "--only", "tool-approvals", "--format", "json"], &[]);
    assert_eq!(doctor.code, 1, "{}", doctor.stdout);
    assert!(doctor.stdout.contains("approval-store-unusable"), "{}", doctor.stdout);
}
