//! Properties of the authorizer over generated configs and calls.

use crate::common::{compile, decide};
use netclaw_engine::{Effect, Layer, PUBLIC_TOOLS, SHELL_TOOL, TEAM_EXTRA_TOOLS};
use proptest::prelude::*;
use proptest::test_runner::RngSeed;
use serde_json::json;

fn first_party() -> Vec<&'static str> {
    PUBLIC_TOOLS.iter().chain(TEAM_EXTRA_TOOLS).copied().chain([SHELL_TOOL, "made_up_tool"]).collect()
}

const SERVERS: &[&str] = &["notion", "github", "jira"];
const MCP_TOOLS: &[&str] = &["read", "write", "delete"];

fn rank(effect: Effect) -> u8 {
    match effect {
        Effect::Deny => 0,
        Effect::ApprovalRequired => 1,
        Effect::Allow => 2,
    }
}

fn mode() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec!["Auto", "Approval", "Deny"])
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, rng_seed: RngSeed::Fixed(20_261_126), failure_persistence: None, ..ProptestConfig::default() })]

    /// Whatever the approval policy and persisted approvals say, a tool outside the
    /// audience's grants is never allowed nor put to a human.
    #[test]
    fn nothing_outside_a_grant_is_ever_allowed(
        tools in prop::sample::subsequence(first_party(), 0..8),
        servers in prop::sample::subsequence(SERVERS.to_vec(), 0..3),
        granted in prop::sample::subsequence(MCP_TOOLS.to_vec(), 0..3),
        restrict in any::<bool>(),
        default in mode(),
        overrides in prop::collection::btree_map(prop::sample::select(vec!["web_fetch", "notion/delete", "github/read", "made_up_tool"]), mode(), 0..4),
    ) {
        let grants: serde_json::Map<String, serde_json::Value> =
            if restrict { servers.iter().map(|s| (s.to_string(), json!(granted))).collect() } else { serde_json::Map::new() };
        let config = json!({"Security": {"DeploymentPosture": "Personal"}, "Tools": {"AudienceProfiles": {"Team": {
            "AllowedTools": tools, "AllowedMcpServers": servers, "McpServerToolGrants": grants,
            "ApprovalPolicy": {"DefaultMode": default, "ToolOverrides": overrides}
        }}}});
        let approvals = json!({"version": 3, "audiences": {"team": {"made_up_tool": [{"verb": "made_up_tool", "directory": null, "createdAt": "2026-01-01T00:00:00Z"}]}}});
        let policy = compile(&config, Some(&approvals));
        let mcp: Vec<String> = SERVERS.iter().flat_map(|s| MCP_TOOLS.iter().map(move |t| format!("{s}/{t}"))).collect();
        for tool in first_party().into_iter().map(str::to_owned).chain(mcp) {
            let granted_here = if let Some((server, name)) = tool.split_once('/') {
                servers.contains(&server) && (!restrict || granted.contains(&name))
            } else {
                tools.contains(&tool.as_str()) && tool != SHELL_TOOL
            };
            let d = decide(&policy, json!({"channel": "reminder", "interactive": true, "tool": tool, "arguments": {"command": "ls"}}));
            if !granted_here {
                prop_assert_eq!(d.decision, Effect::Deny, "{} was not granted: {:?}", tool, d.policies);
                prop_assert!(d.layer <= Layer::ToolAccessGrant, "{}: denied by {:?}, not by its grant", tool, d.layer);
            }
        }
    }

    /// Hard deny beats every grant and every approval, persisted ones included.
    #[test]
    fn hard_deny_beats_everything(
        command in prop::sample::select(vec!["sudo id", "ls && rm -rf /", "kill 1", ":(){ :|:& };:", "cat ~/.netclaw/keys/k", "$(echo rm) -rf x"]),
        interactive in any::<bool>(),
    ) {
        let config = json!({"Security": {"DeploymentPosture": "Personal", "ShellExecutionMode": "HostAllowed"},
            "Tools": {"AudienceProfiles": {"Personal": {"ApprovalPolicy": {"DefaultMode": "Auto", "ToolOverrides": {"shell_execute": "Auto"}}}}}});
        // "Approve always" for the first word of every command tried.
        let entry = |verb: &str| json!({"shell": verb, "match": "tokenPrefix", "verbTokens": [verb], "directory": null, "createdAt": "2026-01-01T00:00:00Z"});
        let entries: Vec<_> = ["sudo", "ls", "rm", "kill", ":", "cat", "echo"].into_iter().map(entry).collect();
        let everything = json!({"version": 3, "audiences": {"personal": {"shell_execute": entries}}});
        let policy = compile(&config, Some(&everything));
        let d = decide(&policy, json!({"channel": "tui", "interactive": interactive, "tool": "shell_execute", "arguments": {"command": command}}));
        prop_assert_eq!(d.decision, Effect::Deny);
        prop_assert!(matches!(d.layer, Layer::OperationHardDeny | Layer::ResourceHardDeny), "{:?}", d);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, rng_seed: RngSeed::Fixed(20_261_202), failure_persistence: None, ..ProptestConfig::default() })]

    /// Names are data, whatever they hold: any tool and server names compile (no two
    /// policy ids collide, nothing is read as Cedar), and each override decides its tool.
    #[test]
    fn any_names_compile_and_each_override_decides_its_tool(
        overrides in prop::collection::btree_map("[a-zA-Z0-9._/\\\"();%*-]{1,10}", mode(), 1..6),
        defaults in prop::collection::btree_map("[a-zA-Z0-9._\\\"();%*-]{1,10}", mode(), 0..4),
    ) {
        // Keys with two `__` and no `/` are refused as ambiguous; that is tested elsewhere.
        prop_assume!(overrides.keys().all(|k| k.contains('/') || k.matches("__").count() < 2));
        let config = json!({"Security": {"DeploymentPosture": "Personal"}, "Tools": {"AudienceProfiles": {"Personal": {
            "McpServersMode": "All",
            "ApprovalPolicy": {"DefaultMode": "Approval", "ToolOverrides": overrides, "McpServerDefaults": defaults}
        }}}});
        let policy = compile(&config, None);
        let canonical = |key: &str| {
            let (server, tool) = key.split_once('/').or_else(|| key.split_once("__")).filter(|(s, t)| !s.is_empty() && !t.is_empty()).unwrap_or(("", key));
            format!("{}/{}", server.to_lowercase(), tool.to_lowercase())
        };
        for (key, mode) in &overrides {
            // Keys that name one tool resolve to the stricter mode; only unique ones here.
            if overrides.keys().filter(|k| canonical(k) == canonical(key)).count() > 1 || key == SHELL_TOOL {
                continue;
            }
            let d = decide(&policy, json!({"channel": "tui", "interactive": true, "tool": key}));
            let expected = match *mode { "Auto" => Effect::Allow, "Approval" => Effect::ApprovalRequired, _ => Effect::Deny };
            prop_assert_eq!(d.decision, expected, "{:?} ({}): {:?}", key, mode, d);
        }
    }
}

/// Under the default profiles a narrower audience never gets more than a wider one.
#[test]
fn a_narrower_audience_never_gets_more_under_the_defaults() {
    for posture in ["Public", "Team", "Personal"] {
        let policy = compile(&json!({"Security": {"DeploymentPosture": posture}}), None);
        let mcp = SERVERS.iter().flat_map(|s| MCP_TOOLS.iter().map(move |t| format!("{s}/{t}")));
        for tool in first_party().into_iter().map(str::to_owned).chain(mcp) {
            for interactive in [true, false] {
                let outcome = |audience: &str| {
                    let request = json!({"channel": "tui", "audience": audience, "interactive": interactive, "tool": tool, "arguments": {"command": "ls", "path": "/tmp/x"}});
                    rank(decide(&policy, request).decision)
                };
                let (public, team, personal) = (outcome("Public"), outcome("Team"), outcome("Personal"));
                assert!(
                    public <= team && team <= personal,
                    "{posture}/{tool}/{interactive}: {public} {team} {personal}"
                );
            }
        }
    }
}
