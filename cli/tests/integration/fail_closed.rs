//! Config mutations that once widened access while `doctor` passed: each must now
//! either be refused (doctor fails, every call denied) or decide as the text reads.
//! One test per defect, over real homes in temporary directories.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::common::{home_arg, netclaw};

/// A home with `config/netclaw.json` (and any other files) written, plus a scratch
/// directory beside it for link targets.
struct Home {
    _dir: tempfile::TempDir,
    root: PathBuf,
    outside: PathBuf,
}

impl Home {
    fn new(netclaw: &Value) -> Self {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let root = dir.path().join("home");
        let outside = dir.path().join("outside");
        for d in [root.join("config"), root.join("keys"), outside.clone()] {
            fs::create_dir_all(d).unwrap_or_else(|e| panic!("{e}"));
        }
        // The modes netclaw keeps them at: doctor fails a home where others can read keys.
        fs::set_permissions(root.join("keys"), fs::Permissions::from_mode(0o700)).unwrap_or_else(|e| panic!("{e}"));
        let home = Self { _dir: dir, root, outside };
        home.write("config/netclaw.json", &netclaw.to_string());
        home
    }

    fn write(&self, relative: &str, text: &str) {
        let path = self.root.join(relative);
        fs::write(&path, text).unwrap_or_else(|e| panic!("{e}"));
        if relative.ends_with("secrets.json") {
            fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap_or_else(|e| panic!("{e}"));
        }
    }

    /// Moves `relative` out of the home and leaves a link to it; returns the target.
    fn link_out(&self, relative: &str, name: &str) -> PathBuf {
        let target = self.outside.join(name);
        let from = self.root.join(relative);
        if !from.exists() {
            fs::write(&from, "{}").unwrap_or_else(|e| panic!("{e}"));
        }
        fs::rename(&from, &target).unwrap_or_else(|e| panic!("{e}"));
        std::os::unix::fs::symlink(&target, &from).unwrap_or_else(|e| panic!("{e}"));
        target
    }

    fn arg(&self) -> String {
        home_arg(&self.root)
    }

    fn authorize(&self, request: &Value, env: &[(&str, &str)]) -> Value {
        let file = self.outside.join("request.json");
        fs::write(&file, request.to_string()).unwrap_or_else(|e| panic!("{e}"));
        let run =
            netclaw(&["authorize", "--home", &self.arg(), "--request", &home_arg(&file), "--format", "json"], env);
        assert_eq!(run.code, 0, "a decision, not an error: {}", run.stderr);
        run.json()
    }

    /// Doctor's exit code and every finding's code, file and pointer.
    fn doctor(&self, env: &[(&str, &str)]) -> (i32, Vec<(String, String, String)>) {
        // The approvals written here are dated; a century keeps them recent as the tests age.
        let args = ["doctor", "--home", &self.arg(), "--format", "json", "--skip", "policy-invariants"];
        let run = netclaw(&[&args[..], &["--approval-max-age", "36500"]].concat(), env);
        let report = run.json();
        let findings = report["checks"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|check| check["findings"].as_array().cloned().unwrap_or_default())
            .map(|f| {
                let text = |key: &str| f[key].as_str().unwrap_or_default().to_owned();
                (text("code"), text("file"), text("pointer"))
            })
            .collect();
        (run.code, findings)
    }
}

fn personal() -> Value {
    json!({"Security": {"DeploymentPosture": "Personal"}})
}

fn shell(command: &str, cwd: &Path) -> Value {
    json!({"channel": "tui", "interactive": true, "tool": "shell_execute",
           "arguments": {"command": command}, "workingDirectory": cwd.display().to_string()})
}

fn file_tool(tool: &str, path: &Path) -> Value {
    json!({"channel": "tui", "interactive": true, "tool": tool, "arguments": {"path": path.display().to_string()}})
}

#[track_caller]
fn assert_denied(decision: &Value, layer: &str) {
    assert_eq!(
        (decision["decision"].as_str(), decision["layer"].as_str()),
        (Some("deny"), Some(layer)),
        "{decision:#}"
    );
}

/// Every call is denied and doctor fails, naming `code` at `file` and `pointer`.
#[track_caller]
fn assert_refused(home: &Home, env: &[(&str, &str)], code: &str, file: &str, pointer: &str) {
    let (exit, findings) = home.doctor(env);
    assert_eq!(exit, 1, "doctor must fail: {findings:?}");
    let wanted = (code.to_owned(), file.to_owned(), pointer.to_owned());
    assert!(findings.contains(&wanted), "no finding {wanted:?} in {findings:?}");
    let decision = home.authorize(&json!({"channel": "tui", "interactive": true, "tool": "file_read"}), env);
    assert_eq!(decision["decision"], "deny", "every call is denied while the config is refused: {decision:#}");
}

/// A tool-approvals.json with one Personal shell grant.
fn shell_approval(shell: &str, tokens: Value, kind: &str) -> String {
    let entry = json!({"shell": shell, "match": kind, "verbTokens": tokens, "directory": null,
                       "createdAt": "2026-11-20T09:14:03Z"});
    json!({"version": 3, "audiences": {"personal": {"shell_execute": [entry]}}}).to_string()
}

#[track_caller]
fn assert_refused_approval(home: &Home) {
    let pointer = "/audiences/personal/shell_execute/0/verbTokens";
    assert_refused(home, &[], "approval-not-what-was-read", "config/tool-approvals.json", pointer);
}

/// 1. A protected file that is a link elsewhere protects its target, for file tools
///    and for the shell alike.
#[test]
fn protected_files_that_are_links_protect_their_targets() {
    let home = Home::new(&personal());
    let config = home.link_out("config/netclaw.json", "netclaw.json");
    home.write("keys/master.key", "key material");
    let key = home.link_out("keys/master.key", "master.key");
    assert_denied(&home.authorize(&file_tool("file_write", &config), &[]), "resource_hard_deny");
    assert_denied(&home.authorize(&file_tool("file_read", &key), &[]), "resource_hard_deny");
    let cwd = home.outside.clone();
    assert_denied(&home.authorize(&shell("cat master.key", &cwd), &[]), "resource_hard_deny");
    assert_denied(&home.authorize(&shell("echo '{}' > netclaw.json", &cwd), &[]), "resource_hard_deny");
    let other = home.authorize(&file_tool("file_read", &home.outside.join("notes.txt")), &[]);
    assert_eq!(other["decision"], "allow", "only the targets are protected: {other:#}");
}

/// 2. `ReadFiles` / `WriteFiles` are enforced: `None` denies the file tools, `Roots`
///    allows only inside a root (after `..` and links) or the session's directory.
#[test]
fn file_scopes_are_enforced() {
    let home = Home::new(&json!({}));
    let shared = home.outside.join("shared");
    fs::create_dir_all(&shared).unwrap_or_else(|e| panic!("{e}"));
    std::os::unix::fs::symlink("/etc", shared.join("etc-link")).unwrap_or_else(|e| panic!("{e}"));
    home.write(
        "config/netclaw.json",
        &json!({"Security": {"DeploymentPosture": "Team"}, "Tools": {"AudienceProfiles": {"Team": {
            "ReadFiles": {"Mode": "None"},
            "WriteFiles": {"Mode": "Roots", "Roots": [shared.display().to_string()]},
            "ApprovalPolicy": {"DefaultMode": "Auto"}
        }}}})
        .to_string(),
    );
    let team = |tool: &str, path: &str| {
        json!({"channel": "discord", "interactive": true, "tool": tool, "arguments": {"path": path},
               "sessionDirectory": "/srv/sessions/s1"})
    };
    let inside = shared.join("notes.md").display().to_string();
    let cases = [
        ("file_write", inside.clone(), "allow"),
        ("file_write", shared.display().to_string(), "allow"),
        ("file_write", "/srv/sessions/s1/out.txt".to_owned(), "allow"),
        ("file_write", "/etc/passwd".to_owned(), "deny"),
        ("file_write", format!("{}/../../etc/passwd", shared.display()), "deny"),
        ("file_write", shared.join("etc-link/passwd").display().to_string(), "deny"),
        ("file_write", format!("{}-sibling/x", shared.display()), "deny"),
        ("file_write", "relative/with/no/cwd".to_owned(), "deny"),
        ("file_read", inside, "deny"),
    ];
    for (tool, path, expected) in cases {
        let decision = home.authorize(&team(tool, &path), &[]);
        assert_eq!(decision["decision"], expected, "{tool} {path}: {decision:#}");
        if expected == "deny" {
            assert_eq!(decision["reasonCode"], "file_path_not_allowed_for_audience_profile", "{decision:#}");
        }
    }
    // The scope holds whatever key the path comes under, and a working directory inside
    // a root does not carry a path outside it.
    let other_key = json!({"channel": "discord", "interactive": true, "tool": "file_write",
        "arguments": {"file_path": "/tmp/elsewhere.txt"}, "workingDirectory": shared.display().to_string()});
    assert_eq!(home.authorize(&other_key, &[])["reasonCode"], "file_path_not_allowed_for_audience_profile");
    home.write(
        "config/netclaw.json",
        &json!({"Tools": {"AudienceProfiles": {"Team": {"WriteFiles": {"Mode": "Roots", "Roots": ["shared"]}}}}})
            .to_string(),
    );
    assert_refused(
        &home,
        &[],
        "relative-root",
        "config/netclaw.json",
        "/Tools/AudienceProfiles/Team/WriteFiles/Roots/0",
    );
}

/// 3. `config/` that is a file or a link to nowhere is a broken home, not "no config".
#[test]
fn a_config_directory_that_is_a_file_or_a_dangling_link_is_refused() {
    for dangling in [false, true] {
        let home = Home::new(&personal());
        fs::remove_dir_all(home.root.join("config")).unwrap_or_else(|e| panic!("{e}"));
        if dangling {
            std::os::unix::fs::symlink(home.outside.join("nowhere"), home.root.join("config"))
                .unwrap_or_else(|e| panic!("{e}"));
        } else {
            home.write("config", "not a directory");
        }
        let code = if dangling { "unreadable-file" } else { "not-a-directory" };
        assert_refused(&home, &[], code, "config", "");
    }
}

/// 4. `NETCLAW_…=` does not clear the file's value (and turn the shell on through the
///    posture default): it is an error naming the variable.
#[test]
fn an_empty_environment_value_is_an_error() {
    let home = Home::new(&json!({"Security": {"DeploymentPosture": "Personal", "ShellExecutionMode": "Off"}}));
    let env = [("NETCLAW_Security__ShellExecutionMode", "")];
    assert_refused(&home, &env, "empty-env-value", "env:NETCLAW_Security__ShellExecutionMode", "");
    let decision = home.authorize(&shell("ls", &home.outside), &env);
    assert_eq!(decision["decision"], "deny", "{decision:#}");
}

/// 5. Map keys compare case-insensitively, as every other key does: a grant list under
///    `Notion` restricts the `notion` server, and an override under `Notion/X` applies.
#[test]
fn map_keys_match_whatever_their_case() {
    let home = Home::new(&json!({"Tools": {"AudienceProfiles": {"Team": {
        "AllowedMcpServers": ["notion"],
        "McpServerToolGrants": {"Notion": ["Notion-Search", "notion-delete-page"]},
        "ApprovalPolicy": {"DefaultMode": "Auto", "ToolOverrides": {"NOTION/Notion-Delete-Page": "Deny"}}
    }}}, "Slack": {"Enabled": true, "AllowedChannelIds": ["C0123ABCDEF"], "MentionOnly": false,
                   "ChannelAudiences": {"c0123abcdef": "public"}}}));
    let team = |tool: &str| json!({"channel": "discord", "interactive": true, "tool": tool});
    let fetch = home.authorize(&team("notion/notion-fetch"), &[]);
    assert_denied(&fetch, "tool_access_grant");
    assert_eq!(fetch["reasonCode"], "mcp_tool_not_allowed_for_audience_profile");
    assert_eq!(home.authorize(&team("notion/notion-search"), &[])["decision"], "allow");
    let delete = home.authorize(&team("Notion/notion-DELETE-page"), &[]);
    assert_eq!(delete["reasonCode"], "tool_denied_by_approval_policy", "{delete:#}");
    let slack = json!({"channel": "slack", "interactive": true, "tool": "file_read",
                       "slack": {"channelId": "C0123ABCDEF", "userId": "U1", "mentioned": true}});
    assert_eq!(home.authorize(&slack, &[])["audience"], "Public");
}

/// 6. An approval whose `verbTokens` are not the words of its `shell` text approves
///    what the reviewer did not read: the store is refused.
#[test]
fn an_approval_that_grants_other_words_than_it_shows_is_refused() {
    let home = Home::new(&personal());
    home.write("config/tool-approvals.json", &shell_approval("git status", json!(["rm"]), "tokenPrefix"));
    assert_refused_approval(&home);
    let rm = home.authorize(&shell("rm -r build", &home.outside), &[]);
    assert_eq!(rm["reasonCode"], "approval_store_unavailable", "{rm:#}");
}

/// 7. A hard-deny rule that can never match is refused, with its pointer.
#[test]
fn hard_deny_rules_that_never_match_are_refused() {
    let home = Home::new(&personal());
    let rules = json!([{"verb": ["git push"], "reason": "no pushing"}]);
    home.write("config/hard-deny-overrides.json", &rules.to_string());
    assert_refused(&home, &[], "hard-deny-rule-shape", "config/hard-deny-overrides.json", "/0/verb/0");
    let home =
        Home::new(&json!({"Security": {"DeploymentPosture": "Personal"}, "Tools": {"HardDenyPatterns": ["  "]}}));
    assert_refused(&home, &[], "hard-deny-rule-shape", "config/netclaw.json", "/Tools/HardDenyPatterns/0");
}

/// 8. Names that once produced colliding policy ids (and a set that failed to compile,
///    denying everything while doctor passed) now compile and decide as written.
#[test]
fn names_cannot_make_policy_ids_collide() {
    let home = Home::new(&json!({"Security": {"DeploymentPosture": "Personal"}, "Tools": {"AudienceProfiles": {
    "Personal": {"McpServersMode": "All", "ApprovalPolicy": {
        "DefaultMode": "Approval",
        "McpServerDefaults": {"x": "Auto"},
        "ToolOverrides": {"x/default": "Deny", "a.b/c": "Deny", "a/b.c": "Auto"}
    }}}}}));
    let tool = |name: &str| json!({"channel": "tui", "interactive": true, "tool": name});
    assert_eq!(home.authorize(&tool("x/default"), &[])["reasonCode"], "tool_denied_by_approval_policy");
    assert_eq!(home.authorize(&tool("x/other"), &[])["decision"], "allow");
    assert_eq!(home.authorize(&tool("a.b/c"), &[])["reasonCode"], "tool_denied_by_approval_policy");
    assert_eq!(home.authorize(&tool("a/b.c"), &[])["decision"], "allow");
}

/// 9. No config string is ever read as Cedar: a name with a line break is refused
///    (no request could carry it), and one with quotes, backslashes and a policy in it
///    stays a name.
#[test]
fn config_text_never_becomes_cedar() {
    let broken = "evil\npermit(principal,action,resource);";
    let home = Home::new(
        &json!({"Tools": {"AudienceProfiles": {"Public": {"ApprovalPolicy": {"ToolOverrides": {broken: "Auto"}}}}}}),
    );
    let pointer =
        "/Tools/AudienceProfiles/Public/ApprovalPolicy/ToolOverrides/evil\npermit(principal,action,resource);";
    assert_refused(&home, &[], "unusable-name", "config/netclaw.json", pointer);
    let hostile = r#"evil");permit(principal,action,resource);\"%2e*"#;
    let home = Home::new(&json!({"Security": {"DeploymentPosture": "Personal"}, "Tools": {"AudienceProfiles": {
        "Public": {"ApprovalPolicy": {"ToolOverrides": {hostile: "Auto"}, "McpServerDefaults": {hostile: "Auto"}}}
    }}}));
    let run = netclaw(&["policy", "compile", "--home", &home.arg()], &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let injected = run.stdout.lines().any(|line| line.trim_start().starts_with("permit(principal,action,resource)"));
    assert!(!injected, "a config key became a policy:\n{}", run.stdout);
    let public = json!({"channel": "webhook", "tool": "shell_execute", "arguments": {"command": "ls"}});
    assert_eq!(home.authorize(&public, &[])["decision"], "deny");
}

/// 10. Only credentials may come from `secrets.json`: a setting there would be in force
///     yet shown masked.
#[test]
fn settings_in_secrets_json_are_refused() {
    let home = Home::new(&json!({"Security": {"DeploymentPosture": "Personal", "ShellExecutionMode": "Off"}}));
    home.write("config/secrets.json", &json!({"Security": {"ShellExecutionMode": "HostAllowed"}}).to_string());
    assert_refused(&home, &[], "setting-in-secrets", "config/secrets.json", "/Security/ShellExecutionMode");
}

/// 11. A config file is capped at 16 MiB, refused before it is read.
#[test]
fn an_oversized_config_file_is_refused() {
    let home = Home::new(&personal());
    let padding = " ".repeat(17 * 1024 * 1024);
    home.write("config/netclaw.json", &format!("{{{padding}}}"));
    assert_refused(&home, &[], "file-too-large", "config/netclaw.json", "");
}

/// 12. A key written twice hides which value is in force: refused wherever it is,
///     however it is spelled.
#[test]
fn a_key_written_twice_is_refused() {
    let home = Home::new(&personal());
    let twice = r#"{"Security": {"DeploymentPosture": "Personal", "Deployment\u0050osture": "Public"}}"#;
    home.write("config/netclaw.json", twice);
    assert_refused(&home, &[], "duplicate-key", "config/netclaw.json", "/Security/DeploymentPosture");
    let home = Home::new(&personal());
    let approvals = shell_approval("git status", json!(["git", "status"]), "exact");
    let twice = approvals.replacen(r#""version":3"#, r#""version":3,"audiences":{},"version":3"#, 1);
    assert_ne!(twice, approvals, "the fixture's spelling changed");
    home.write("config/tool-approvals.json", &twice);
    assert_refused(&home, &[], "duplicate-key", "config/tool-approvals.json", "/version");
}

/// REFERENCE: a Slack request without a user id is a channel-ACL denial, not a
/// malformed request; a DM channel's own `ChannelAudiences` entry beats `dm`.
#[test]
fn slack_requests_follow_the_reference() {
    let home = Home::new(&json!({"Slack": {"Enabled": true, "AllowDirectMessages": true,
        "ChannelAudiences": {"D0DIRECT": "public", "dm": "team"}}}));
    let slack =
        |context: Value| json!({"channel": "slack", "interactive": true, "tool": "file_read", "slack": context});
    let anonymous = home.authorize(&slack(json!({"channelId": "C0123ABCDEF", "mentioned": true})), &[]);
    assert_denied(&anonymous, "channel_acl");
    assert_eq!(anonymous["reasonCode"], "slack_context_missing");
    let direct = home.authorize(&slack(json!({"channelId": "D0DIRECT", "userId": "U1", "isDm": true})), &[]);
    assert_eq!(direct["audience"], "Public", "{direct:#}");
    let other = home.authorize(&slack(json!({"channelId": "D0OTHER", "userId": "U1", "isDm": true})), &[]);
    assert_eq!(other["audience"], "Team", "{other:#}");
}

/// REFERENCE: Team's default tools include the reminder tools.
#[test]
fn team_may_use_reminders_by_default() {
    let home = Home::new(&json!({"Security": {"DeploymentPosture": "Team"}}));
    for tool in ["reminder_create", "reminder_list", "reminder_cancel"] {
        let decision = home.authorize(&json!({"channel": "discord", "interactive": true, "tool": tool}), &[]);
        assert_eq!(decision["decision"], "approval_required", "{tool}: {decision:#}");
    }
}

/// A remediation must work when followed literally.
#[test]
fn remediations_work_when_followed() {
    let home = Home::new(&json!({"Security": {"DeploymentPosture": "Team", "ShellExecutionMode": "Off"},
    "Tools": {"AudienceProfiles": {"Team": {
        "AllowedTools": ["file_read"],
        "AllowedMcpServers": ["notion"],
        "ApprovalPolicy": {"ToolOverrides": {"notion/notion-delete-page": "Deny"}}
    }}}}));
    let team =
        |tool: &str| json!({"channel": "discord", "interactive": true, "tool": tool, "arguments": {"command": "ls"}});
    let remediation = |decision: &Value| decision["remediation"].as_str().unwrap_or_default().to_owned();
    // AllowedTools replaces the defaults: the fix names the whole list.
    let fetch = remediation(&home.authorize(&team("web_fetch"), &[]));
    assert!(fetch.contains(r#"AllowedTools` to ["file_read", "web_fetch"]"#), "{fetch}");
    // An existing override is changed, not added again.
    let delete = remediation(&home.authorize(&team("notion/notion-delete-page"), &[]));
    assert!(
        delete.starts_with(
            r#"change `Tools.AudienceProfiles.Team.ApprovalPolicy.ToolOverrides["notion/notion-delete-page"]`"#
        ),
        "{delete}"
    );
    // Team never gets the shell: no advice to turn it on, and both denials are named.
    let shell = home.authorize(&team("shell_execute"), &[]);
    assert_eq!(shell["reasonCode"], "shell_requires_personal_context");
    assert!(!remediation(&shell).contains("ShellExecutionMode"), "{shell:#}");
    assert!(shell["message"].as_str().unwrap_or_default().contains("also denied by `shell_disabled`"), "{shell:#}");
    // A webhook call's audience is its route's.
    let webhook = json!({"channel": "webhook", "tool": "shell_execute", "arguments": {"command": "ls"}});
    assert!(remediation(&home.authorize(&webhook, &[])).contains("route's `audience`"));
    // An invalid config is not a channel-ACL decision.
    home.write("config/netclaw.json", r#"{"Security": {"DeploymentPosture": "Nobody"}}"#);
    assert_eq!(home.authorize(&team("file_read"), &[])["layer"], "configuration");
}

/// 5. Keys that refer to nothing a profile or the Slack ACL can reach are warned about,
///    each with its place: they never apply, and say nothing when they do not.
#[test]
fn keys_that_refer_to_nothing_are_warned_about() {
    let home = Home::new(&json!({"Security": {"DeploymentPosture": "Team"}, "Tools": {"AudienceProfiles": {"Team": {
            "AllowedMcpServers": ["notion"],
            "McpServerToolGrants": {"Notion": ["notion-search"], "jria": ["create"]},
            "ApprovalPolicy": {"ToolOverrides": {"jira/create": "Auto", "notion/notion-search": "Auto"},
                               "McpServerDefaults": {"jira": "Auto"}}
        }}}, "Slack": {"Enabled": true, "AllowedChannelIds": ["C0123ABCDEF"],
                       "ChannelAudiences": {"C0TYPO": "public", "c0123abcdef": "public", "dm": "team"}}}));
    let (code, findings) = home.doctor(&[]);
    assert_eq!(code, 2, "warnings only: {findings:?}");
    let warned: Vec<&str> = findings.iter().filter(|f| f.0 == "key-refers-to-nothing").map(|f| f.2.as_str()).collect();
    let expected = [
        "/Tools/AudienceProfiles/Team/ApprovalPolicy/ToolOverrides/jira~1create",
        "/Tools/AudienceProfiles/Team/ApprovalPolicy/McpServerDefaults/jira",
        "/Tools/AudienceProfiles/Team/McpServerToolGrants/jria",
        "/Slack/ChannelAudiences/C0TYPO",
    ];
    assert_eq!(warned, expected);
}

/// Found by a red-team pass over the fixes above; each line was a way through.
#[test]
fn second_round_ways_through_are_closed() {
    let home = Home::new(&personal());
    let user_home = home.root.parent().map(Path::to_path_buf).unwrap_or_default();
    let env = [("HOME", user_home.to_str().unwrap_or_default())];
    let cwd = home.outside.clone();
    let deny = |request: Value, why: &str| {
        let decision = home.authorize(&request, &env);
        assert_eq!(decision["decision"], "deny", "{why}: {decision:#}");
    };
    // Deleting netclaw's home, or a directory above it, loses every setting.
    deny(file_tool("file_delete", &home.root), "file_delete of the home");
    deny(file_tool("file_delete", &user_home), "file_delete above the home");
    deny(shell(&format!("rm -rf {}", user_home.display()), &cwd), "rm -r above the home");
    deny(file_tool("file_search", &user_home), "file_search above the home");
    // A link to a protected file that does not exist yet.
    std::os::unix::fs::symlink(home.root.join("config/tool-approvals.json"), home.outside.join("later"))
        .unwrap_or_else(|e| panic!("{e}"));
    deny(file_tool("file_write", &home.outside.join("later")), "a dangling link into config/");
    // A relative working directory is no working directory.
    let relative = json!({"channel": "tui", "interactive": true, "tool": "file_read",
        "arguments": {"path": "config/secrets.json"}, "workingDirectory": "."});
    deny(relative, "a relative working directory");
    // A path the check cannot read, or under another key.
    let secrets = home.root.join("config/secrets.json").display().to_string();
    deny(json!({"channel": "tui", "tool": "file_read", "arguments": {"path": [secrets]}}), "a path in a list");
    deny(json!({"channel": "tui", "tool": "file_read", "arguments": {"path": 5}}), "a path that is a number");
    deny(json!({"channel": "tui", "tool": "file_read", "arguments": {"file_path": secrets}}), "another key");
    // Names that only look like a tool's.
    for tool in ["ſhell_execute", "shell_execute ", "shell\u{200b}_execute"] {
        deny(json!({"channel": "tui", "interactive": true, "tool": tool, "arguments": {"command": "sudo id"}}), tool);
    }
    // Links deep inside keys/, and through a second link.
    let vault = home.outside.join("vault");
    fs::create_dir_all(home.root.join("keys/a/b/c/d")).unwrap_or_else(|e| panic!("{e}"));
    fs::create_dir_all(vault.join("hop")).unwrap_or_else(|e| panic!("{e}"));
    fs::write(vault.join("deep.key"), "k").unwrap_or_else(|e| panic!("{e}"));
    fs::write(home.outside.join("final.key"), "k").unwrap_or_else(|e| panic!("{e}"));
    std::os::unix::fs::symlink(vault.join("deep.key"), home.root.join("keys/a/b/c/d/deep.key"))
        .unwrap_or_else(|e| panic!("{e}"));
    std::os::unix::fs::symlink(vault.join("hop"), home.root.join("keys/hop")).unwrap_or_else(|e| panic!("{e}"));
    std::os::unix::fs::symlink(home.outside.join("final.key"), vault.join("hop/k")).unwrap_or_else(|e| panic!("{e}"));
    deny(file_tool("file_read", &vault.join("deep.key")), "a link five levels down");
    deny(file_tool("file_read", &home.outside.join("final.key")), "a link through a linked directory");
}

/// Config mutations from the same pass: each is refused with its place.
#[test]
fn second_round_config_mutations_are_refused() {
    let refused = |netclaw: Value, env: &[(&str, &str)], code: &str, pointer: &str| {
        let home = Home::new(&netclaw);
        let file = if pointer.is_empty() {
            env.first().map(|(var, _)| format!("env:{var}")).unwrap_or_default()
        } else {
            "config/netclaw.json".to_owned()
        };
        assert_refused(&home, env, code, &file, pointer);
    };
    let team = |profile: Value| json!({"Tools": {"AudienceProfiles": {"Team": profile}}});
    refused(
        team(json!({"ApprovalPolicy": {"ToolOverrides": {"my__srv__drop": "Deny"}}})),
        &[],
        "unusable-name",
        "/Tools/AudienceProfiles/Team/ApprovalPolicy/ToolOverrides/my__srv__drop",
    );
    refused(
        team(json!({"McpServerToolGrants": {"notion": ["github/delete-repo"]}})),
        &[],
        "unusable-name",
        "/Tools/AudienceProfiles/Team/McpServerToolGrants/notion/0",
    );
    refused(
        team(json!({"McpServerToolGrants": {"notion ": ["search"]}})),
        &[],
        "unusable-name",
        "/Tools/AudienceProfiles/Team/McpServerToolGrants/notion ",
    );
    let roots: Vec<String> = (0..33).map(|i| format!("/srv/{i}")).collect();
    refused(
        team(json!({"ReadFiles": {"Mode": "Roots", "Roots": roots}})),
        &[],
        "schema-violation",
        "/Tools/AudienceProfiles/Team/ReadFiles/Roots",
    );
    refused(
        json!({"Tools": {"HardDenyPatterns": ["'rm' -rf"]}}),
        &[],
        "hard-deny-rule-shape",
        "/Tools/HardDenyPatterns/0",
    );
    let env =
        [("NETCLAW_Security__ShellExecutionMode", "HostAllowed"), ("NETCLAW_SECURITY__SHELLEXECUTIONMODE", "Off")];
    refused(personal(), &env, "env-var-conflict", "");
    refused(personal(), &[("NETCLAW_Security", r#"{"ShellExecutionMode": null}"#)], "invalid-env-value", "");
    let home = Home::new(&personal());
    for (rule, pointer) in [
        (json!({"verbPrefix": "/usr/bin/shred", "reason": "r"}), "/0/verbPrefix"),
        (json!({"verb": ["git"], "argFlags": ["force"], "reason": "r"}), "/0/argFlags/0"),
    ] {
        home.write("config/hard-deny-overrides.json", &json!([rule]).to_string());
        assert_refused(&home, &[], "hard-deny-rule-shape", "config/hard-deny-overrides.json", pointer);
    }
    fs::remove_file(home.root.join("config/hard-deny-overrides.json")).unwrap_or_else(|e| panic!("{e}"));
    home.write("config/tool-approvals.json", &shell_approval("git status", json!(["git"]), "tokenPrefix"));
    assert_refused_approval(&home);
    home.write("config/tool-approvals.json", &shell_approval("git status", json!(["git", "status"]), "exact"));
    let covered = home.authorize(&shell("git status", &home.outside), &[]);
    assert_eq!(covered["decision"], "allow", "{covered:#}");
    for other in ["LD_PRELOAD=/tmp/x.so git status", "env PATH=/tmp/evil git status", "git status > /tmp/out"] {
        let decision = home.authorize(&shell(other, &home.outside), &[]);
        assert_eq!(decision["decision"], "approval_required", "an approval of `git status` covered `{other}`");
    }
    // A config file that is a kernel file is refused, not read (`/proc/kmsg` blocks).
    let home = Home::new(&personal());
    fs::remove_file(home.root.join("config/netclaw.json")).unwrap_or_else(|e| panic!("{e}"));
    std::os::unix::fs::symlink("/proc/self/status", home.root.join("config/netclaw.json"))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_refused(&home, &[], "not-a-file", "config/netclaw.json", "");
    // An empty secrets.json holds no setting.
    let home = Home::new(&personal());
    home.write("config/secrets.json", "{}");
    assert_eq!(home.doctor(&[]).0, 0);
}
