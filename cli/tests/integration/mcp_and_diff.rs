//! `netclaw mcp permissions` and `netclaw policy diff`.

use crate::common::{example, home_arg, netclaw, snapshot};

#[test]
fn mcp_permissions_show_grant_mode_and_source_per_audience() {
    let home = home_arg(&example("team"));
    let text = netclaw(&["mcp", "permissions", "--home", &home], &[]);
    assert_eq!(text.code, 0, "{}", text.stderr);
    snapshot!("mcp-permissions-team.txt", text.stdout);
    let json = netclaw(&["mcp", "permissions", "--home", &home, "--audience", "team", "--format", "json"], &[]).json();
    let notion = &json[0]["servers"][0];
    assert_eq!((json[0]["audience"].as_str(), notion["allowed"].as_bool()), (Some("Team"), Some(true)));
    let tool = |name: &str| {
        notion["tools"].as_array().and_then(|t| t.iter().find(|x| x["tool"] == name).cloned()).unwrap_or_default()
    };
    assert_eq!(tool("notion-search")["mode"], "Auto");
    assert_eq!(tool("notion-fetch")["mode"], "Approval");
    assert_eq!(tool("notion-delete-page")["mode"], "Deny");
    assert_eq!(tool("*")["granted"], false, "a server with a tool list exposes only those");
    assert_eq!(netclaw(&["mcp", "permissions", "--home", &home, "--audience", "admins"], &[]).code, 64);
}

#[test]
fn a_widening_change_exits_1_and_names_the_keys() {
    let (public, team) = (home_arg(&example("public")), home_arg(&example("team")));
    let run = netclaw(&["policy", "diff", "--from", &public, "--to", &team], &[]);
    assert_eq!(run.code, 1, "widening must fail the gate: {}", run.stdout);
    snapshot!("policy-diff-public-to-team.txt", run.stdout);
    let json = netclaw(&["policy", "diff", "--from", &public, "--to", &team, "--format", "json"], &[]).json();
    assert_eq!(json["widens"], true);
    let search = json["changes"]
        .as_array()
        .and_then(|c| c.iter().find(|x| x["subject"] == "notion/notion-search" && x["audience"] == "Team").cloned())
        .unwrap_or_default();
    assert_eq!((search["kind"].as_str(), search["audience"].as_str()), (Some("newly_allowed"), Some("Team")));
    assert!(
        search["sources"]
            .as_array()
            .is_some_and(|s| s.iter().any(|k| k == "Tools.AudienceProfiles.Team.McpServerToolGrants"))
    );
}

#[test]
fn a_narrowing_or_empty_change_exits_0() {
    let (public, team) = (home_arg(&example("public")), home_arg(&example("team")));
    // The config files alone: the public home also adds a webhook route, which widens.
    let file = |home: &str| format!("{home}/config/netclaw.json");
    let narrowing =
        netclaw(&["policy", "diff", "--from", &file(&team), "--to", &file(&public), "--format", "json"], &[]);
    assert_eq!((narrowing.code, narrowing.json()["widens"].as_bool()), (0, Some(false)));
    let same = netclaw(&["policy", "diff", "--from", &team, "--to", &team], &[]);
    assert_eq!((same.code, same.stdout.trim()), (0, "no change in what any audience may do"));
}

/// A one-line edit to a lone netclaw.json file: the PR-gate case.
#[test]
fn diff_accepts_netclaw_json_files() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let (before, after) = (dir.path().join("before.json"), dir.path().join("after.json"));
    std::fs::write(
        &before,
        r#"{"Tools": {"AudienceProfiles": {"Team": {"ApprovalPolicy": {"DefaultMode": "Approval"}}}}}"#,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(&after, r#"{"Tools": {"AudienceProfiles": {"Team": {"ApprovalPolicy": {"DefaultMode": "Auto"}}}}}"#)
        .unwrap_or_else(|e| panic!("{e}"));
    let run =
        netclaw(&["policy", "diff", "--from", &home_arg(&before), "--to", &home_arg(&after), "--format", "json"], &[]);
    let changes = run.json()["changes"].as_array().cloned().unwrap_or_default();
    assert_eq!(run.code, 1);
    assert!(
        !changes.is_empty() && changes.iter().all(|c| c["audience"] == "Team" && c["kind"] == "newly_allowed"),
        "{changes:?}"
    );
    assert!(changes.iter().all(|c| {
        c["sources"]
            .as_array()
            .is_some_and(|s| s.iter().any(|k| k == "Tools.AudienceProfiles.Team.ApprovalPolicy.DefaultMode"))
    }));
}

/// `--from-git REF` diffs a home against its own files as committed, and `--format
/// markdown` is a table for the pull request.
#[test]
fn diff_from_git_against_the_working_tree_in_markdown() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let home = dir.path().join("home");
    std::fs::create_dir_all(home.join("config")).unwrap_or_else(|e| panic!("{e}"));
    let config = home.join("config/netclaw.json");
    std::fs::write(&config, r#"{"Slack": {"Enabled": true, "AllowedChannelIds": ["C1"], "AllowedUserIds": ["U1"]}}"#)
        .unwrap_or_else(|e| panic!("{e}"));
    let git = |args: &[&str]| {
        let status = std::process::Command::new("git")
            .arg("-C")
            .arg(dir.path())
            .args(["-c", "user.email=ci@example.com", "-c", "user.name=ci"])
            .args(args)
            .output();
        assert!(status.is_ok_and(|o| o.status.success()), "git {args:?} failed");
    };
    git(&["init", "-q"]);
    git(&["add", "-A"]);
    git(&["commit", "-qm", "base"]);
    std::fs::write(&config, r#"{"Slack": {"Enabled": true, "AllowedChannelIds": ["C1"], "AllowedUserIds": []}}"#)
        .unwrap_or_else(|e| panic!("{e}"));
    let home = home_arg(&home);
    let run = netclaw(&["policy", "diff", "--from-git", "HEAD", "--to", &home, "--format", "markdown"], &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stdout.starts_with("### netclaw policy diff: **widens access**"), "{}", run.stdout);
    let row = run.stdout.lines().find(|l| l.contains("`slack:C1 from any user`")).unwrap_or_default();
    assert!(row.starts_with("| ⚠️ widens |") && row.contains("`Slack.AllowedUserIds`"), "{}", run.stdout);
    let unknown = netclaw(&["policy", "diff", "--from-git", "no-such-ref", "--to", &home], &[]);
    assert_eq!(unknown.code, 64, "{}", unknown.stderr);
}
