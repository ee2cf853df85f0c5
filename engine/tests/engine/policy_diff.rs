//! `policy diff` over pairs of homes that differ in one thing each: every widening
//! change is reported as widening, and the same change undone as narrowing only.

use std::path::Path;

use netclaw_engine::{
    ChangeKind, CompiledPolicy, HomeConfig, HomeFiles, ProtectedPaths, diff_policies, prove_widening,
};
use serde_json::{Value, json};

/// A home as one document: `netclaw`, `approvals`, `overrides`, `routes` (name → file).
fn base() -> Value {
    json!({
        "netclaw": {
            "Security": {"DeploymentPosture": "Team", "ShellExecutionMode": "Off"},
            "Webhooks": {"Enabled": true},
            "Slack": {"Enabled": true, "MentionOnly": true, "AllowDirectMessages": false,
                      "AllowedChannelIds": ["C1", "C2"], "AllowedUserIds": ["U1"],
                      "ChannelAudiences": {"C1": "public", "dm": "team"}},
            "Tools": {"HardDenyPatterns": ["docker rm"], "AudienceProfiles": {
                "Team": {"AllowedMcpServers": ["notion"], "McpServerToolGrants": {"notion": ["search", "delete-page"]},
                         "ReadFiles": {"Mode": "Roots", "Roots": ["/srv/a"]}, "WriteFiles": {"Mode": "Roots", "Roots": []},
                         "ApprovalPolicy": {"DefaultMode": "Approval", "ToolOverrides": {"notion/delete-page": "Deny"},
                                            "McpServerDefaults": {"notion": "Approval"}}},
                "Public": {"ApprovalPolicy": {"DefaultMode": "Deny"}}
            }}
        },
        "approvals": {"version": 3, "audiences": {}},
        "overrides": [{"verb": ["terraform", "destroy"], "reason": "not from an agent"}],
        "routes": {"ci": {"prompt": "p", "audience": "Public", "enabled": false,
                          "verification": {"kind": "HeaderSecret", "secret": "s"}}}
    })
}

/// Sets (or, with `null`, removes) the value at each pointer, creating objects on the way.
fn patched(mut home: Value, patches: &[(&str, Value)]) -> Value {
    for (pointer, value) in patches {
        let (parent, key) = pointer.rsplit_once('/').unwrap();
        let mut node = &mut home;
        for token in parent.split('/').skip(1) {
            node = node.as_object_mut().unwrap().entry(token.replace("~1", "/")).or_insert_with(|| json!({}));
        }
        let object = node.as_object_mut().unwrap();
        if value.is_null() {
            object.remove(key);
        } else {
            object.insert(key.replace("~1", "/"), value.clone());
        }
    }
    home
}

fn compile(home: &Value) -> CompiledPolicy {
    let mut files = HomeFiles::empty()
        .with_file("config/netclaw.json", home["netclaw"].to_string())
        .with_file("config/tool-approvals.json", home["approvals"].to_string())
        .with_file("config/hard-deny-overrides.json", home["overrides"].to_string());
    for (name, route) in home["routes"].as_object().unwrap() {
        files = files.with_file(&format!("config/webhooks/{name}.json"), route.to_string());
    }
    let paths = ProtectedPaths::new(Path::new("/home/agent/.netclaw"), Some(Path::new("/home/agent")));
    match CompiledPolicy::compile(&HomeConfig::load(&files, &[]), paths) {
        Ok(policy) => policy,
        Err(err) => panic!("does not compile: {err}: {:?}", err.diagnostics()),
    }
}

fn shell_grant(tokens: &[&str]) -> Value {
    json!({"shell": tokens.join(" "), "match": "tokenPrefix", "verbTokens": tokens, "directory": null, "createdAt": "2026-11-20T09:14:03Z"})
}

/// Values to set, by pointer into the home document.
type Patches = Vec<(&'static str, Value)>;

/// Each case: a setup applied to both sides, then the change that widens access.
fn widening_changes() -> Vec<(&'static str, Patches, Patches)> {
    let profile = |audience: &str, key: &str| format!("/netclaw/Tools/AudienceProfiles/{audience}/{key}");
    let leak = |s: String| -> &'static str { Box::leak(s.into_boxed_str()) };
    let team = |key: &str| leak(profile("Team", key));
    let public = |key: &str| leak(profile("Public", key));
    let personal = |key: &str| leak(profile("Personal", key));
    let shell_on = vec![("/netclaw/Security/ShellExecutionMode", json!("HostAllowed"))];
    vec![
        ("shell turned on", vec![], vec![("/netclaw/Security/ShellExecutionMode", json!("HostAllowed"))]),
        (
            "shell on by a Personal posture",
            vec![("/netclaw/Security/ShellExecutionMode", Value::Null)],
            vec![("/netclaw/Security/DeploymentPosture", json!("Personal"))],
        ),
        ("shell on through Tools.ShellMode", vec![], vec![("/netclaw/Tools/ShellMode", json!("HostAllowed"))]),
        (
            "shell_execute set to Auto",
            shell_on.clone(),
            vec![(personal("ApprovalPolicy/ToolOverrides"), json!({"shell_execute": "Auto"}))],
        ),
        (
            "an approve-always shell entry",
            shell_on.clone(),
            vec![
                ("/netclaw/Security/ShellExecutionMode", json!("HostAllowed")),
                ("/approvals/audiences/personal", json!({"shell_execute": [shell_grant(&["git", "push"])]})),
            ],
        ),
        (
            "an approve-always tool entry",
            vec![],
            vec![(
                "/approvals/audiences/team",
                json!({"web_search": [{"verb": "web_search", "directory": null, "createdAt": "2026-11-20T09:14:03Z"}]}),
            )],
        ),
        ("a hard-deny pattern removed", vec![], vec![("/netclaw/Tools/HardDenyPatterns", json!([]))]),
        ("a hard-deny override removed", vec![], vec![("/overrides", json!([]))]),
        ("AllowedUserIds emptied", vec![], vec![("/netclaw/Slack/AllowedUserIds", json!([]))]),
        ("MentionOnly turned off", vec![], vec![("/netclaw/Slack/MentionOnly", json!(false))]),
        ("direct messages allowed", vec![], vec![("/netclaw/Slack/AllowDirectMessages", json!(true))]),
        ("a channel allowed", vec![], vec![("/netclaw/Slack/AllowedChannelIds", json!(["C1", "C2", "C3"]))]),
        ("a channel mapped wider", vec![], vec![("/netclaw/Slack/ChannelAudiences/C1", json!("team"))]),
        ("a channel mapped to Personal", vec![], vec![("/netclaw/Slack/ChannelAudiences/C2", json!("personal"))]),
        ("Team ToolsMode All", vec![], vec![(team("ToolsMode"), json!("All"))]),
        (
            "Team gets web_fetch",
            vec![(team("AllowedTools"), json!(["file_read"]))],
            vec![(team("AllowedTools"), json!(["file_read", "web_fetch"]))],
        ),
        ("Team McpServersMode All", vec![], vec![(team("McpServersMode"), json!("All"))]),
        ("Team gets a server", vec![], vec![(team("AllowedMcpServers"), json!(["notion", "github"]))]),
        (
            "a tool granted",
            vec![],
            vec![(team("McpServerToolGrants/notion"), json!(["search", "delete-page", "fetch"]))],
        ),
        ("a server's grant list removed", vec![], vec![(team("McpServerToolGrants"), json!({}))]),
        ("Team DefaultMode Auto", vec![], vec![(team("ApprovalPolicy/DefaultMode"), json!("Auto"))]),
        (
            "a Deny override relaxed",
            vec![],
            vec![(team("ApprovalPolicy/ToolOverrides"), json!({"notion/delete-page": "Approval"}))],
        ),
        ("a server default Auto", vec![], vec![(team("ApprovalPolicy/McpServerDefaults"), json!({"notion": "Auto"}))]),
        ("Public DefaultMode Approval", vec![], vec![(public("ApprovalPolicy/DefaultMode"), json!("Approval"))]),
        ("Team writes everywhere", vec![], vec![(team("WriteFiles"), json!({"Mode": "All"}))]),
        (
            "Team reads another root",
            vec![],
            vec![(team("ReadFiles"), json!({"Mode": "Roots", "Roots": ["/srv/a", "/srv/b"]}))],
        ),
        ("Public may write its session", vec![], vec![(public("WriteFiles"), json!({"Mode": "Roots", "Roots": []}))]),
        ("a route enabled", vec![], vec![("/routes/ci/enabled", json!(true))]),
        (
            "a route's audience widened",
            vec![("/routes/ci/enabled", json!(true))],
            vec![("/routes/ci/audience", json!("Team"))],
        ),
        (
            "a route added",
            vec![],
            vec![(
                "/routes/deploy",
                json!({"prompt": "p", "audience": "Team", "verification": {"kind": "HeaderSecret", "secret": "s"}}),
            )],
        ),
        (
            "Public gets web_search",
            vec![
                (public("AllowedTools"), json!(["file_read"])),
                (public("ApprovalPolicy/DefaultMode"), json!("Approval")),
            ],
            vec![(public("AllowedTools"), json!(["file_read", "web_search"]))],
        ),
        (
            "a DM channel mapped to Personal",
            vec![("/netclaw/Slack/AllowDirectMessages", json!(true))],
            vec![("/netclaw/Slack/ChannelAudiences/D0DIRECT", json!("personal"))],
        ),
        ("a user added to the allowlist", vec![], vec![("/netclaw/Slack/AllowedUserIds", json!(["U1", "U3"]))]),
        (
            "an approval's directory widened to everywhere",
            vec![(
                "/approvals/audiences/team",
                json!({"web_search": [{"verb": "web_search", "directory": "/srv/a", "createdAt": "2026-11-20T09:14:03Z"}]}),
            )],
            vec![(
                "/approvals/audiences/team",
                json!({"web_search": [{"verb": "web_search", "directory": null, "createdAt": "2026-11-20T09:14:03Z"}]}),
            )],
        ),
        (
            "webhooks turned on",
            vec![("/routes/ci/enabled", json!(true)), ("/netclaw/Webhooks/Enabled", json!(false))],
            vec![("/netclaw/Webhooks/Enabled", json!(true))],
        ),
        (
            "a route accepts every event",
            vec![("/routes/ci/enabled", json!(true)), ("/routes/ci/events", json!(["push"]))],
            vec![("/routes/ci/events", json!([]))],
        ),
        (
            "a route verified by a shared header",
            vec![
                ("/routes/ci/enabled", json!(true)),
                ("/routes/ci/verification", json!({"kind": "Hmac", "secret": "s"})),
            ],
            vec![("/routes/ci/verification", json!({"kind": "HeaderSecret", "secret": "s"}))],
        ),
        (
            "sandbox backend configured",
            vec![("/netclaw/Security/ShellExecutionMode", json!("SandboxOnly"))],
            vec![("/netclaw/Security/SandboxBackend", json!("docker"))],
        ),
    ]
}

#[test]
fn every_widening_is_reported_and_its_undoing_only_narrows() {
    let cases = widening_changes();
    assert!(cases.len() >= 30, "at least 30 widening and 30 narrowing pairs");
    for (name, setup, change) in cases {
        let before = patched(base(), &setup);
        let after = patched(before.clone(), &change);
        let (before, after) = (compile(&before), compile(&after));
        let widening = diff_policies(&before, &after);
        assert!(widening.widens, "{name}: not reported as widening: {:#?}", widening.changes);
        let narrowing = diff_policies(&after, &before);
        assert!(!narrowing.widens, "{name}: undoing it widens: {:#?}", narrowing.changes);
        assert!(!narrowing.changes.is_empty(), "{name}: undoing it changes nothing");
    }
}

/// `--prove` and the rows agree on every pair: where the rows see a call decided
/// differently (or a file scope widened), the solver proves a widening; the undoing
/// proves none; and nothing the solver proves goes unreported by the rows.
#[test]
fn the_proof_agrees_with_the_rows() {
    let Some(mut prover) = crate::common::prover() else { return };
    let mut proved_pairs = 0;
    for (name, setup, change) in widening_changes() {
        let before = patched(base(), &setup);
        let after = patched(before.clone(), &change);
        let (before, after) = (compile(&before), compile(&after));
        let rows = diff_policies(&before, &after);
        let proved = prove_widening(&before, &after, &mut prover).unwrap();
        // A persisted approval is a fact the policies are given, not a policy: the
        // proof treats it as free on both sides, so it cannot see a new one.
        // A file scope row compares the config entries, so it can widen where no call
        // changes (a scope for a tool the audience is not granted): the proof may
        // find nothing there, and is right to.
        let call_changed = rows.changes.iter().any(|c| {
            c.widens
                && !c.policies.iter().any(|p| p == "netclaw.approval.persisted")
                && matches!(c.kind, ChangeKind::NewlyAllowed | ChangeKind::NewlyGated)
        });
        assert!(!call_changed || !proved.is_empty(), "{name}: the proof misses {:#?}", rows.changes);
        assert!(proved.is_empty() || rows.widens, "{name}: the rows miss {proved:#?}");
        proved_pairs += usize::from(!proved.is_empty());
        let undone = prove_widening(&after, &before, &mut prover).unwrap();
        assert!(undone.is_empty(), "{name}: the proof finds its undoing widening: {undone:#?}");
    }
    // The rest widen through inputs the policies take as facts (approvals, hard-deny
    // rules, routes, channel mappings) or through file scope entries no call uses.
    assert!(proved_pairs >= 20, "only {proved_pairs} pairs proved widening");
}

/// A mode change for a file tool applies only to calls inside its roots. The probes
/// once asked with no path and missed it; they now ask about a file in the first root.
/// The proof finds it with the policy that allows it and what decided before.
#[test]
fn the_proof_and_the_rows_both_catch_a_file_mode_widening() {
    let Some(mut prover) = crate::common::prover() else { return };
    let before = patched(base(), &[]);
    let after = patched(
        before.clone(),
        &[("/netclaw/Tools/AudienceProfiles/Team/ApprovalPolicy/ToolOverrides/file_read", json!("Auto"))],
    );
    let (before, after) = (compile(&before), compile(&after));
    assert!(diff_policies(&before, &after).widens, "the rows ask about a file in the root");
    let proved = prove_widening(&before, &after, &mut prover).unwrap();
    let widening = proved.first().expect("the proof misses it");
    assert_eq!((widening.question.as_str(), widening.subject.as_str()), ("auto_run/Tool", "file_read"));
    assert_eq!(widening.counterexample.allowed_by, ["team.tool.file_read.auto"]);
    assert_eq!(widening.counterexample.compared.as_deref(), Some("before: denied (team.approval.default.approval)"));
    assert!(diff_policies(&before, &after).with_proof(proved).widens);
}

#[test]
fn no_change_is_no_difference() {
    let home = compile(&base());
    let same = diff_policies(&home, &home);
    assert!(same.changes.is_empty() && !same.widens, "{:#?}", same.changes);
}
