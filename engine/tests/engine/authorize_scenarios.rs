//! The authorizer against REFERENCE.md's rules and the hardening guide's scenarios.
//! Each row: a config, a request, and the effect, layer, reason and deciding policy.

use crate::common::{compile, decide, example, try_compile};
use netclaw_engine::{Decision, Effect, Layer, ReasonCode};
use serde_json::{Value, json};

#[track_caller]
fn expect(decision: &Decision, effect: Effect, layer: Layer, reason: Option<ReasonCode>, policy: &str) {
    let summary = serde_json::to_string_pretty(decision).unwrap();
    assert_eq!(decision.decision, effect, "{summary}");
    assert_eq!(decision.layer, layer, "{summary}");
    assert_eq!(decision.reason_code, reason, "{summary}");
    assert!(policy.is_empty() || decision.policies.iter().any(|p| p == policy), "missing policy {policy}: {summary}");
    assert!(!decision.message.is_empty() && !decision.decision_id.is_empty());
    if effect != Effect::Allow {
        assert!(decision.remediation.is_some(), "a denial or gate says what to change: {summary}");
    }
}

fn slack(channel: &str, user: &str, mentioned: bool, tool: &str) -> Value {
    json!({"channel": "slack", "slack": {"channelId": channel, "userId": user, "mentioned": mentioned}, "interactive": true, "tool": tool})
}

// --- built-in defaults ------------------------------------------------------------

#[test]
fn defaults_follow_the_reference() {
    let p = compile(&json!({}), None);
    expect(
        &decide(&p, json!({"tool": "file_read"})),
        Effect::Allow,
        Layer::ApprovalGate,
        None,
        "personal.approval.default.auto",
    );
    let shell = json!({"tool": "shell_execute", "arguments": {"command": "ls"}});
    expect(&decide(&p, shell), Effect::Deny, Layer::ToolAccessGrant, Some(ReasonCode::ShellDisabled), "shell.disabled");
    let webhook = json!({"channel": "webhook", "tool": "tool_output_read"});
    expect(
        &decide(&p, webhook),
        Effect::Deny,
        Layer::ApprovalGate,
        Some(ReasonCode::ToolDeniedByApprovalPolicy),
        "public.approval.default.deny",
    );
    let web = json!({"channel": "webhook", "tool": "web_fetch"});
    expect(
        &decide(&p, web),
        Effect::Deny,
        Layer::ToolAccessGrant,
        Some(ReasonCode::ToolNotAllowedForAudienceProfile),
        "public.tools.not_allowed",
    );
    let from_slack = slack("C1", "U1", true, "tool_output_read");
    expect(&decide(&p, from_slack), Effect::Deny, Layer::ChannelAcl, Some(ReasonCode::SlackDisabled), "slack.disabled");
    let reminder = json!({"channel": "reminder", "tool": "tool_output_read"});
    expect(
        &decide(&p, reminder),
        Effect::Deny,
        Layer::ApprovalGate,
        Some(ReasonCode::ApprovalRequiredUnattended),
        "netclaw.approval.unattended",
    );
}

/// An MCP server nobody granted: every audience starts with zero grants.
#[test]
fn a_new_mcp_server_is_granted_to_no_one() {
    let p = compile(&json!({}), None);
    for channel in ["tui", "slack", "webhook"] {
        let d = decide(&p, json!({"channel": channel, "audience": "Public", "tool": "notion/notion-search"}));
        assert_eq!(d.decision, Effect::Deny, "{channel}");
    }
    let d = decide(&p, json!({"channel": "tui", "interactive": true, "tool": "notion/notion-search"}));
    expect(
        &d,
        Effect::Deny,
        Layer::ToolAccessGrant,
        Some(ReasonCode::McpServerNotAllowedForAudienceProfile),
        "personal.mcp.server_not_allowed",
    );
}

// --- the guide's Team setup (examples/team) ------------------------------------------

#[test]
fn team_default_mode_approval_gates_and_headless_denies() {
    let p = example("team");
    let d = decide(&p, slack("C0123ABCDEF", "U0123ABCDEF", true, "tool_output_read"));
    expect(&d, Effect::ApprovalRequired, Layer::ApprovalGate, None, "team.approval.default.approval");
    let d = decide(&p, json!({"channel": "reminder", "tool": "tool_output_read"}));
    expect(
        &d,
        Effect::Deny,
        Layer::ApprovalGate,
        Some(ReasonCode::ApprovalRequiredUnattended),
        "netclaw.approval.unattended",
    );
}

#[test]
fn team_overrides_and_grants() {
    let p = example("team");
    let d = decide(&p, slack("C0123ABCDEF", "U0123ABCDEF", true, "notion/notion-search"));
    expect(&d, Effect::Allow, Layer::ApprovalGate, None, "team.mcp.notion.notion-search.auto");
    let d = decide(&p, slack("C0123ABCDEF", "U0123ABCDEF", true, "notion__notion-delete-page"));
    expect(
        &d,
        Effect::Deny,
        Layer::ApprovalGate,
        Some(ReasonCode::ToolDeniedByApprovalPolicy),
        "team.mcp.notion.notion-delete-page.deny",
    );
    let d = decide(&p, slack("C0123ABCDEF", "U0123ABCDEF", true, "notion/notion-create-page"));
    expect(
        &d,
        Effect::Deny,
        Layer::ToolAccessGrant,
        Some(ReasonCode::McpToolNotAllowedForAudienceProfile),
        "team.mcp.tool_not_granted",
    );
    let d = decide(&p, slack("C0123ABCDEF", "U0123ABCDEF", true, "github/create_issue"));
    expect(
        &d,
        Effect::Deny,
        Layer::ToolAccessGrant,
        Some(ReasonCode::McpServerNotAllowedForAudienceProfile),
        "team.mcp.server_not_allowed",
    );
    // Two policies deny; the one to report is the one no config change can lift.
    let shell = json!({"channel": "slack", "slack": {"channelId": "C0123ABCDEF", "userId": "U0123ABCDEF", "mentioned": true}, "interactive": true, "tool": "shell_execute", "arguments": {"command": "ls"}});
    let d = decide(&p, shell);
    expect(
        &d,
        Effect::Deny,
        Layer::ToolAccessGrant,
        Some(ReasonCode::ShellRequiresPersonalContext),
        "shell.requires_personal_context",
    );
    assert!(d.policies.iter().any(|p| p == "shell.disabled"), "both denials are named: {:?}", d.policies);
}

#[test]
fn a_persisted_approval_covers_matching_calls() {
    let p = example("team");
    let d = decide(&p, slack("C0123ABCDEF", "U0123ABCDEF", true, "web_fetch"));
    expect(&d, Effect::Allow, Layer::ApprovalGate, None, "netclaw.approval.persisted");
    assert!(d.sources.iter().any(|s| s == "config/tool-approvals.json /audiences/team/web_fetch/0"), "{:?}", d.sources);
}

#[test]
fn slack_acl_layers() {
    let p = example("team");
    let d = decide(&p, slack("C9999999999", "U0123ABCDEF", true, "file_read"));
    expect(&d, Effect::Deny, Layer::ChannelAcl, Some(ReasonCode::SlackChannelNotAllowed), "slack.channels.not_allowed");
    let d = decide(&p, slack("C0123ABCDEF", "U0123ABCDEF", false, "file_read"));
    expect(&d, Effect::Deny, Layer::ChannelAcl, Some(ReasonCode::SlackMentionRequired), "slack.mention_only");
    let d = decide(&p, slack("C0123ABCDEF", "U9999999999", true, "file_read"));
    expect(&d, Effect::Deny, Layer::ChannelAcl, Some(ReasonCode::SlackUserNotAllowed), "slack.users.allowlist");
    let d = decide(&p, json!({"channel": "slack", "tool": "file_read"}));
    expect(&d, Effect::Deny, Layer::ChannelAcl, Some(ReasonCode::SlackContextMissing), "");
}

/// `"dm": "team"` maps direct messages; `C0456GHIJKL` is mapped to Public.
#[test]
fn channel_audiences_set_the_audience_and_a_request_can_only_narrow_it() {
    let p = example("team");
    let dm = json!({"channel": "slack", "slack": {"channelId": "D1", "userId": "U0123ABCDEF", "isDm": true}, "interactive": true, "tool": "tool_output_read"});
    let d = decide(&p, dm);
    assert_eq!((d.decision, d.audience.map(|a| a.as_str())), (Effect::ApprovalRequired, Some("Team")));
    assert!(d.sources.iter().any(|s| s == "Slack.ChannelAudiences.dm"), "{:?}", d.sources);
    let d = decide(&p, slack("C0456GHIJKL", "U0123ABCDEF", true, "tool_output_read"));
    expect(
        &d,
        Effect::Deny,
        Layer::ApprovalGate,
        Some(ReasonCode::ToolDeniedByApprovalPolicy),
        "public.approval.default.deny",
    );
    let mut widen = slack("C0123ABCDEF", "U0123ABCDEF", true, "web_fetch");
    widen["audience"] = json!("personal");
    assert_eq!(decide(&p, widen).audience.map(|a| a.as_str()), Some("Team"), "an explicit audience cannot widen");
}

#[test]
fn an_invalid_audience_denies() {
    let p = example("team");
    let d = decide(&p, json!({"channel": "tui", "audience": "admins", "tool": "file_read"}));
    expect(&d, Effect::Deny, Layer::ChannelAcl, Some(ReasonCode::AudienceInvalid), "netclaw.audience.invalid");
}

// --- the guide's Personal setup (examples/personal) ----------------------------------

#[test]
fn personal_auto_with_shell_execute_approval() {
    let p = example("personal");
    let tui = |tool: &str, args: Value, interactive: bool| json!({"channel": "tui", "interactive": interactive, "tool": tool, "arguments": args});
    let d = decide(&p, tui("file_write", json!({"path": "/home/agent/project/a.txt"}), true));
    expect(&d, Effect::Allow, Layer::ApprovalGate, None, "personal.approval.default.auto");
    let d = decide(&p, tui("shell_execute", json!({"command": "cargo build"}), true));
    expect(&d, Effect::ApprovalRequired, Layer::ApprovalGate, None, "personal.tool.shell_execute.approval");
    let d = decide(&p, tui("shell_execute", json!({"command": "cargo build"}), false));
    expect(
        &d,
        Effect::Deny,
        Layer::ApprovalGate,
        Some(ReasonCode::ApprovalRequiredUnattended),
        "netclaw.approval.unattended",
    );
    // The persisted approval of `git status` is scoped to /home/me/src.
    let in_src = |command: &str, interactive: bool| {
        json!({"channel": "tui", "interactive": interactive, "tool": "shell_execute",
               "arguments": {"command": command}, "workingDirectory": "/home/me/src/app"})
    };
    let d = decide(&p, in_src("git status", false));
    expect(&d, Effect::Allow, Layer::ApprovalGate, None, "netclaw.approval.persisted");
    let d = decide(&p, tui("shell_execute", json!({"command": "git status"}), false));
    expect(&d, Effect::Deny, Layer::ApprovalGate, Some(ReasonCode::ApprovalRequiredUnattended), "");
    let d = decide(&p, in_src("git status && cargo build", true));
    expect(&d, Effect::ApprovalRequired, Layer::ApprovalGate, None, "");
}

/// Hard deny beats the grant, the Auto mode and the persisted approval alike.
#[test]
fn hard_deny_beats_grants_and_approvals() {
    let p = example("personal");
    let d = decide(
        &p,
        json!({"channel": "tui", "interactive": true, "tool": "shell_execute", "arguments": {"command": "git status && rm -rf ~"}}),
    );
    expect(
        &d,
        Effect::Deny,
        Layer::OperationHardDeny,
        Some(ReasonCode::HardDenySystemDestructive),
        "netclaw.hard_deny.operation",
    );
    assert!(d.message.contains("segment 2 of 2"), "{}", d.message);
    let d = decide(
        &p,
        json!({"channel": "tui", "tool": "file_read", "arguments": {"path": "~/.netclaw/config/secrets.json"}}),
    );
    expect(
        &d,
        Effect::Deny,
        Layer::ResourceHardDeny,
        Some(ReasonCode::HardDenyProtectedPath),
        "netclaw.hard_deny.resource",
    );
    let d = decide(&p, json!({"channel": "tui", "tool": "shell_execute", "arguments": {}}));
    expect(
        &d,
        Effect::Deny,
        Layer::OperationHardDeny,
        Some(ReasonCode::HardDenyUnresolvedCommand),
        "netclaw.hard_deny.operation",
    );
}

/// Without any override, Personal's shell needs approval: the fail-closed rule.
#[test]
fn personal_shell_fails_closed_unless_explicitly_auto() {
    let host = json!({"Security": {"DeploymentPosture": "Personal"}});
    let p = compile(&host, None);
    let shell = json!({"channel": "tui", "interactive": true, "tool": "shell_execute", "arguments": {"command": "ls"}});
    expect(
        &decide(&p, shell.clone()),
        Effect::ApprovalRequired,
        Layer::ApprovalGate,
        None,
        "personal.tool.shell_execute.fail_closed",
    );
    let auto = json!({"Security": {"DeploymentPosture": "Personal"}, "Tools": {"AudienceProfiles": {"Personal": {"ApprovalPolicy": {"ToolOverrides": {"shell_execute": "Auto"}}}}}});
    let p = compile(&auto, None);
    expect(&decide(&p, shell), Effect::Allow, Layer::ApprovalGate, None, "personal.tool.shell_execute.auto");
}

#[test]
fn shell_modes() {
    let shell = json!({"channel": "tui", "interactive": true, "tool": "shell_execute", "arguments": {"command": "ls"}});
    let sandbox = json!({"Security": {"DeploymentPosture": "Personal", "ShellExecutionMode": "SandboxOnly"}});
    expect(
        &decide(&compile(&sandbox, None), shell.clone()),
        Effect::Deny,
        Layer::ToolAccessGrant,
        Some(ReasonCode::ShellRequiresSandboxBackend),
        "shell.requires_sandbox_backend",
    );
    let backend = json!({"Security": {"DeploymentPosture": "Personal", "ShellExecutionMode": "SandboxOnly", "SandboxBackend": "bwrap"}});
    assert_eq!(decide(&compile(&backend, None), shell.clone()).decision, Effect::ApprovalRequired);
    let tools_wins = json!({"Security": {"ShellExecutionMode": "HostAllowed"}, "Tools": {"ShellMode": "Off"}});
    expect(
        &decide(&compile(&tools_wins, None), shell.clone()),
        Effect::Deny,
        Layer::ToolAccessGrant,
        Some(ReasonCode::ShellDisabled),
        "shell.disabled",
    );
    let team_all = json!({"Security": {"ShellExecutionMode": "HostAllowed"}, "Tools": {"AudienceProfiles": {"Team": {"ToolsMode": "All", "ApprovalPolicy": {"DefaultMode": "Auto"}}}}});
    let mut as_team = shell;
    as_team["audience"] = json!("Team");
    expect(
        &decide(&compile(&team_all, None), as_team),
        Effect::Deny,
        Layer::ToolAccessGrant,
        Some(ReasonCode::ShellRequiresPersonalContext),
        "shell.requires_personal_context",
    );
}

/// ToolOverrides → McpServerDefaults → DefaultMode.
#[test]
fn approval_precedence() {
    let config = json!({"Tools": {"AudienceProfiles": {"Personal": {
        "AllowedMcpServers": ["notion", "github"],
        "ApprovalPolicy": {
            "DefaultMode": "Auto",
            "McpServerDefaults": {"notion": "Approval", "github": "Deny"},
            "ToolOverrides": {"notion/notion-search": "Auto", "github__list_issues": "Approval"}
        }
    }}}});
    let p = compile(&config, None);
    let tool = |name: &str| json!({"channel": "tui", "interactive": true, "tool": name});
    expect(
        &decide(&p, tool("notion/notion-search")),
        Effect::Allow,
        Layer::ApprovalGate,
        None,
        "personal.mcp.notion.notion-search.auto",
    );
    expect(
        &decide(&p, tool("notion/notion-fetch")),
        Effect::ApprovalRequired,
        Layer::ApprovalGate,
        None,
        "personal.mcp_server.notion.approval",
    );
    expect(
        &decide(&p, tool("github/create_issue")),
        Effect::Deny,
        Layer::ApprovalGate,
        Some(ReasonCode::ToolDeniedByApprovalPolicy),
        "personal.mcp_server.github.deny",
    );
    expect(
        &decide(&p, tool("github/list_issues")),
        Effect::ApprovalRequired,
        Layer::ApprovalGate,
        None,
        "personal.mcp.github.list_issues.approval",
    );
    expect(&decide(&p, tool("file_read")), Effect::Allow, Layer::ApprovalGate, None, "personal.approval.default.auto");
}

#[test]
fn server_denial_beats_a_tool_grant_and_open_servers_expose_all_tools() {
    let config = json!({"Tools": {"AudienceProfiles": {"Personal": {
        "AllowedMcpServers": ["open"],
        "McpServerToolGrants": {"closed": ["read"]}
    }}}});
    let p = compile(&config, None);
    let tool = |name: &str| json!({"channel": "tui", "interactive": true, "tool": name});
    expect(
        &decide(&p, tool("closed/read")),
        Effect::Deny,
        Layer::ToolAccessGrant,
        Some(ReasonCode::McpServerNotAllowedForAudienceProfile),
        "personal.mcp.server_not_allowed",
    );
    expect(&decide(&p, tool("open/anything")), Effect::Allow, Layer::ApprovalGate, None, "personal.mcp.open_servers");
}

/// Two spellings of one tool with different modes: the stricter one wins.
#[test]
fn conflicting_override_spellings_resolve_to_the_stricter() {
    let config = json!({"Tools": {"AudienceProfiles": {"Personal": {"AllowedMcpServers": ["n"], "ApprovalPolicy": {"ToolOverrides": {"n/x": "Auto", "n__x": "Deny"}}}}}});
    let d = decide(&compile(&config, None), json!({"channel": "tui", "interactive": true, "tool": "n/x"}));
    assert_eq!(d.decision, Effect::Deny);
}

// --- fail closed --------------------------------------------------------------

#[test]
fn an_invalid_config_denies_everything_and_names_the_pointer() {
    let err = try_compile(&json!({"Security": {"ShellExecutionMode": "Sandbox"}}), None).err().unwrap();
    let d = err.decision();
    assert_eq!((d.decision, d.reason_code), (Effect::Deny, Some(ReasonCode::InternalPolicyFailure)));
    assert!(d.message.contains("/Security/ShellExecutionMode"), "{}", d.message);
}

#[test]
fn an_unreadable_approvals_store_denies() {
    let err = try_compile(&json!({}), Some(&json!({"version": 2}))).err().unwrap();
    let d = err.decision();
    assert_eq!(
        (d.decision, d.layer, d.reason_code),
        (Effect::Deny, Layer::ApprovalGate, Some(ReasonCode::ApprovalStoreUnavailable))
    );
}

/// `n/x` and `n__x` name one tool; a grant under either spelling is cited exactly.
#[test]
fn persisted_grants_under_either_spelling_cite_their_own_pointer() {
    let config = json!({"Tools": {"AudienceProfiles": {"Personal": {"AllowedMcpServers": ["n"], "ApprovalPolicy": {"DefaultMode": "Approval"}}}}});
    let entry = |dir: &str| json!({"verb": "n/x", "directory": dir, "createdAt": "2026-01-01T00:00:00Z"});
    let approvals =
        json!({"version": 3, "audiences": {"personal": {"n/x": [entry("/a")], "n__x": [entry("/b"), entry("/c")]}}});
    let p = compile(&config, Some(&approvals));
    let d = decide(&p, json!({"channel": "tui", "tool": "n/x", "workingDirectory": "/c/project"}));
    assert_eq!(d.decision, Effect::Allow, "{d:?}");
    assert!(d.sources.iter().any(|s| s == "config/tool-approvals.json /audiences/personal/n__x/1"), "{:?}", d.sources);
}

/// Memoised answers are the same answers, each with its own decision id.
#[test]
fn repeated_calls_agree_and_get_fresh_ids() {
    let p = example("team");
    let call = slack("C0123ABCDEF", "U0123ABCDEF", true, "notion/notion-fetch");
    let (first, second) = (decide(&p, call.clone()), decide(&p, call));
    assert_ne!(first.decision_id, second.decision_id);
    assert_eq!(Decision { decision_id: String::new(), ..first }, Decision { decision_id: String::new(), ..second });
}

/// The Slack channel ACL's answers are remembered by everything they depend on: a
/// repeated message shares its ruling, and every context (channel, user, DM,
/// mention, missing fields) is answered as it is without memory.
#[test]
fn remembered_channel_acl_answers_are_the_answers() {
    let p = example("team");
    let contexts = [
        json!(null),
        json!({}),
        json!({"channelId": "C0123ABCDEF"}),
        json!({"channelId": "C0123ABCDEF", "userId": "U0123ABCDEF", "mentioned": true}),
        json!({"channelId": "C0123ABCDEF", "userId": "U0123ABCDEF", "mentioned": false}),
        json!({"channelId": "C0456GHIJKL", "userId": "U0123ABCDEF", "mentioned": true}),
        json!({"channelId": "C0456GHIJKL", "userId": "U9999ZZZZZZ", "mentioned": true}),
        json!({"channelId": "CNOTALLOWED", "userId": "U0123ABCDEF", "mentioned": true}),
        json!({"channelId": "D0123ABCDEF", "userId": "U0123ABCDEF", "isDm": true}),
        json!({"channelId": "D0123ABCDEF", "userId": "U0456GHIJKL", "isDm": true, "mentioned": true}),
    ];
    let mut effects = std::collections::BTreeSet::new();
    for slack in contexts {
        for audience in [None, Some("team"), Some("public")] {
            let mut call = json!({"channel": "slack", "interactive": true, "tool": "web_fetch", "slack": slack});
            if let Some(audience) = audience {
                call["audience"] = json!(audience);
            }
            let request = crate::common::request(call.clone());
            let (first, again, fresh) = (p.authorize(&request), p.authorize(&request), p.authorize_uncached(&request));
            assert!(std::sync::Arc::ptr_eq(&first.ruling, &again.ruling), "not remembered: {call}");
            assert_eq!(*first.ruling, *fresh.ruling, "{call}");
            effects.insert(format!("{:?} {:?}", first.layer, first.reason_code));
        }
    }
    assert!(effects.len() >= 3, "the contexts must reach admission and both kinds of denial: {effects:?}");
}

/// File-tool decisions consult the file system, so they are never memoised: a link
/// into the home made between two calls must change the second answer.
#[test]
fn file_tool_decisions_see_the_file_system_as_it_is_now() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join(".netclaw");
    std::fs::create_dir_all(home.join("keys")).unwrap();
    let p = crate::common::try_compile_at(&home, &json!({}), None).unwrap();
    let link = dir.path().join("notes");
    let call = json!({"channel": "tui", "tool": "file_read", "arguments": {"path": link.join("k").to_str().unwrap()}});
    assert_eq!(decide(&p, call.clone()).decision, Effect::Allow);
    std::os::unix::fs::symlink(home.join("keys"), &link).unwrap();
    let d = decide(&p, call);
    expect(
        &d,
        Effect::Deny,
        Layer::ResourceHardDeny,
        Some(ReasonCode::HardDenyProtectedPath),
        "netclaw.hard_deny.resource",
    );
}

// --- approval scope ---------------------------------------------------------------

fn scoped_shell_approval() -> netclaw_engine::CompiledPolicy {
    let config = json!({"Security": {"DeploymentPosture": "Personal"}});
    let approvals = json!({"version": 3, "audiences": {"personal": {"shell_execute": [
        {"shell": "make test", "match": "tokenPrefix", "verbTokens": ["make", "test"], "directory": "/home/agent/project", "createdAt": "2026-11-20T09:14:03Z"}
    ]}}});
    compile(&config, Some(&approvals))
}

fn shell_in(command: &str, cwd: &str) -> Value {
    json!({"channel": "tui", "interactive": true, "tool": "shell_execute", "arguments": {"command": command}, "workingDirectory": cwd})
}

/// Inside the approved directory, a persisted approval covers the command.
#[test]
fn a_scoped_shell_approval_covers_its_directory_and_below() {
    let p = scoped_shell_approval();
    for cwd in ["/home/agent/project", "/home/agent/project/sub"] {
        let d = decide(&p, shell_in("make test", cwd));
        expect(&d, Effect::Allow, Layer::ApprovalGate, None, "netclaw.approval.persisted");
    }
}

/// `..` in the working directory, or a `cd` out of the approved directory, is outside it.
#[test]
fn a_scoped_shell_approval_does_not_follow_the_command_out() {
    let p = scoped_shell_approval();
    for (command, cwd) in [
        ("make test", "/home/agent/project/../other"),
        ("make test", "/home/agent/projects"),
        ("cd /etc && make test", "/home/agent/project"),
        ("cd ..; make test", "/home/agent/project"),
        ("cd \"$D\" && make test", "/home/agent/project"),
        ("pushd /tmp; make test", "/home/agent/project"),
    ] {
        let d = decide(&p, shell_in(command, cwd));
        assert_eq!(d.decision, Effect::ApprovalRequired, "{command} in {cwd}: {d:?}");
    }
    let d = decide(&p, shell_in("cd sub && make test", "/home/agent/project"));
    expect(&d, Effect::Allow, Layer::ApprovalGate, None, "netclaw.approval.persisted");
}

/// An `exact` approval is the whole command: a word only known at run time after the
/// approved ones makes it another command (`git push "$(cat remote)"` is not `git push`).
#[test]
fn an_exact_approval_does_not_cover_words_known_only_at_run_time() {
    let config = json!({"Security": {"DeploymentPosture": "Personal"}});
    let approvals = json!({"version": 3, "audiences": {"personal": {"shell_execute": [
        {"shell": "git push", "match": "exact", "verbTokens": ["git", "push"], "directory": "/home/agent/project", "createdAt": "2026-11-20T09:14:03Z"}
    ]}}});
    let p = compile(&config, Some(&approvals));
    let d = decide(&p, shell_in("git push", "/home/agent/project"));
    expect(&d, Effect::Allow, Layer::ApprovalGate, None, "netclaw.approval.persisted");
    for command in ["git push \"$(cat remote)\"", "git push $REMOTE", "git push origin"] {
        let d = decide(&p, shell_in(command, "/home/agent/project"));
        assert_eq!(d.decision, Effect::ApprovalRequired, "{command}: {d:?}");
    }
}

/// An empty directory would read as "everywhere" to some; it is an error instead.
#[test]
fn an_empty_approval_directory_is_invalid() {
    let approvals = json!({"version": 3, "audiences": {"personal": {"shell_execute": [
        {"shell": "ls", "match": "tokenPrefix", "verbTokens": ["ls"], "directory": "", "createdAt": "2026-11-20T09:14:03Z"}
    ]}}});
    let err = try_compile(&json!({}), Some(&approvals)).unwrap_err();
    let pointers: Vec<&str> = err.diagnostics().iter().map(|d| d.location.pointer.as_str()).collect();
    assert_eq!(pointers, ["/audiences/personal/shell_execute/0/directory"], "{err:?}");
}

#[test]
fn a_file_tool_spelled_in_capitals_is_explained_by_its_own_scope() {
    let p = example("team");
    for tool in ["file_write", "File_Write", "FILE_WRITE"] {
        let d =
            decide(&p, json!({"channel": "tui", "audience": "team", "tool": tool, "arguments": {"path": "/etc/x"}}));
        let reason = Some(ReasonCode::FilePathNotAllowedForAudienceProfile);
        expect(&d, Effect::Deny, Layer::ToolAccessGrant, reason, "");
        assert!(d.message.contains("Team.WriteFiles"), "{tool}: {}", d.message);
    }
}
