//! Each invariant shown able to fail: the team example with one policy taken out or
//! slipped in, as a hand-edited or miscompiled set would be. (Configs cannot break
//! most of them; that is the point of the generator.)

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "a test fails by panicking")]

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use cedar_policy::{Policy, PolicyId};

use super::*;
use crate::{HomeConfig, HomeFiles, ProtectedPaths};

/// cvc5, or `None` with the reason printed; `CI_REQUIRE_CVC5` makes a missing solver
/// a failure, so CI never passes these by skipping them.
fn prover() -> Option<Prover> {
    match Prover::start(Duration::from_secs(60)) {
        Ok(prover) => Some(prover),
        Err(err) if std::env::var_os("CI_REQUIRE_CVC5").is_none() => {
            eprintln!("skipped: {err}");
            None
        }
        Err(err) => panic!("CI_REQUIRE_CVC5 is set and {err}"),
    }
}

fn team() -> CompiledPolicy {
    let text =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/team/config/netclaw.json"));
    let loaded = HomeConfig::load(&HomeFiles::empty().with_netclaw(text.unwrap()), &[]);
    CompiledPolicy::compile(&loaded, ProtectedPaths::new(Path::new("/home/agent/.netclaw"), None)).unwrap()
}

/// The team example with `remove` taken out and `add` slipped in.
fn tampered(remove: &[&str], add: &str) -> CompiledPolicy {
    let mut policy = team();
    for id in remove {
        policy.policies.remove_static(PolicyId::from_str(id).unwrap()).unwrap();
    }
    if !add.is_empty() {
        policy.policies.add(Policy::parse(Some(PolicyId::new("rogue")), add).unwrap()).unwrap();
    }
    policy
}

fn result<'r>(report: &'r VerifyReport, id: &str) -> &'r PropertyResult {
    report.properties.iter().find(|p| p.id == id).unwrap_or_else(|| panic!("no property {id}"))
}

#[test]
fn the_team_example_is_proved() {
    let Some(mut prover) = prover() else { return };
    let report = verify(&team(), &mut prover).unwrap();
    let failed: Vec<_> = report.properties.iter().filter(|p| p.status != Status::Proved).collect();
    assert!(failed.is_empty(), "{failed:#?}");
    assert_eq!(report.status, Status::Proved);
    let deny = result(&report, "deny-overrides.team");
    assert_eq!(deny.policies, ["team.mcp.notion.notion-delete-page.deny"]);
}

#[test]
fn each_broken_invariant_is_caught_with_a_call_that_shows_it() {
    let Some(mut prover) = prover() else { return };
    let cases: [(&str, &[&str], &str, &str); 6] = [
        ("hard-deny-wins", &["netclaw.hard_deny.operation"], "", "netclaw's shell analysis hard-denies the call"),
        (
            "shell-personal-only",
            &["shell.disabled"],
            r#"permit (principal == Netclaw::Audience::"Team", action == Netclaw::Action::"invoke", resource == Netclaw::Tool::"shell_execute");"#,
            "\"tool\":\"shell_execute\"",
        ),
        (
            "headless-never-asks",
            &["netclaw.approval.unattended"],
            r#"permit (principal, action == Netclaw::Action::"ask", resource);"#,
            "\"interactive\":false",
        ),
        (
            "unknown-audience-denied",
            &[],
            r#"permit (principal == Netclaw::Audience::"Guest", action == Netclaw::Action::"invoke", resource);"#,
            "\"audience\":\"Guest\"",
        ),
        (
            "deny-overrides.team",
            &["team.mcp.notion.notion-delete-page.deny"],
            "",
            "\"tool\":\"notion/notion-delete-page\"",
        ),
        (
            "policies-never-error",
            &[],
            r#"permit (principal, action == Netclaw::Action::"invoke", resource) when { (if context.interactive then 9223372036854775807 else 0) + 1 > 0 };"#,
            "errors: rogue",
        ),
    ];
    for (id, remove, add, shows) in cases {
        let report = verify(&tampered(remove, add), &mut prover).unwrap();
        let property = result(&report, id);
        assert_eq!(property.status, Status::Failed, "{id} was not caught: {property:#?}");
        let example = property.counterexamples.first().unwrap();
        let text = format!("{} {:?} {:?}", example.request, example.facts, example.compared);
        assert!(text.contains(shows), "{id}: the counterexample does not show it: {text}");
        assert_eq!(report.status, Status::Failed);
        let others: Vec<_> =
            report.properties.iter().filter(|p| p.id != id && p.status != Status::Proved).map(|p| &p.id).collect();
        assert!(others.len() <= 1, "{id}: one change broke {others:?} too");
    }
}

#[test]
fn a_monotonicity_exception_names_both_sides() {
    let Some(mut prover) = prover() else { return };
    // Team may use Notion; Personal's allowlist does not name it.
    let text = r#"{"Security": {"DeploymentPosture": "Team"}, "Tools": {"AudienceProfiles": {
        "Personal": {"AllowedMcpServers": []},
        "Team": {"AllowedMcpServers": ["notion"], "McpServerToolGrants": {"notion": ["search"]}}}}}"#;
    let loaded = HomeConfig::load(&HomeFiles::empty().with_netclaw(text.to_owned()), &[]);
    let policy = CompiledPolicy::compile(&loaded, ProtectedPaths::new(Path::new("/h/.netclaw"), None)).unwrap();
    let report = verify(&policy, &mut prover).unwrap();
    let property = result(&report, "audience-monotonic.team-personal");
    assert_eq!(property.status, Status::Failed);
    let example = property.counterexamples.first().unwrap();
    assert_eq!(example.request["audience"], "Team");
    assert_eq!(example.request["tool"], "notion/search");
    assert_eq!(example.allowed_by, ["team.mcp.tools.granted"]);
    assert_eq!(example.compared.as_deref(), Some("Personal: denied (personal.mcp.server_not_allowed)"));
    assert_eq!(result(&report, "audience-monotonic.public-team").status, Status::Proved);
}

/// More tools than one partition holds: the proof runs per group of servers and per
/// "any server the config does not name", and a break in any of them is found, with
/// the tool shown as `authorize` would see it.
#[test]
fn partitions_by_server_miss_nothing() {
    let Some(mut prover) = prover() else { return };
    let servers: Vec<String> = (0..15).map(|s| format!("s{s:02}")).collect();
    let grants: serde_json::Map<String, serde_json::Value> = servers
        .iter()
        .map(|s| (s.clone(), serde_json::json!((0..20).map(|t| format!("t{t}")).collect::<Vec<_>>())))
        .collect();
    // Every tool named by an override: a partition folds the tools no policy names.
    let overrides: serde_json::Map<String, serde_json::Value> = servers
        .iter()
        .flat_map(|s| (0..20).map(move |t| (format!("{s}/t{t}"), serde_json::json!("Approval"))))
        .collect();
    let personal = serde_json::json!({"AllowedMcpServers": servers[..14], "McpServerToolGrants": grants,
        "ApprovalPolicy": {"ToolOverrides": overrides}});
    let config = |personal: &serde_json::Value, team: serde_json::Value| {
        serde_json::json!({"Security": {"DeploymentPosture": "Team"}, "Tools": {"AudienceProfiles": {
            "Personal": personal, "Team": team}}})
    };
    let compile = |config: serde_json::Value| {
        let loaded = HomeConfig::load(&HomeFiles::empty().with_netclaw(config.to_string()), &[]);
        CompiledPolicy::compile(&loaded, ProtectedPaths::new(Path::new("/h/.netclaw"), None)).unwrap()
    };
    let base = compile(config(&personal, serde_json::json!({})));
    let store = store::pinned(&[store::Source { prefix: "", entities: base.unsliced().1 }]);
    let literals = store::literals(EstSet::new(base.unsliced().0).unwrap().policies()).unwrap();
    assert!(
        Partition::of_mcp(&store.unwrap(), &literals, &Default::default()).len() >= 2,
        "the config must span several partitions"
    );

    // A named server Personal does not allow (the last partition of named servers).
    let named =
        compile(config(&personal, serde_json::json!({"AllowedMcpServers": servers, "McpServerToolGrants": grants})));
    let report = verify(&named, &mut prover).unwrap();
    let property = result(&report, "audience-monotonic.team-personal");
    assert_eq!(property.status, Status::Failed);
    let tools: Vec<&str> = property.counterexamples.iter().filter_map(|e| e.request["tool"].as_str()).collect();
    assert!(!tools.is_empty() && tools.iter().all(|t| t.starts_with("s14/t")), "{tools:?}");

    // Every server open to Team; Personal has every named one, whole: only the
    // servers no config names are Team's alone.
    let all_named = serde_json::json!({"AllowedMcpServers": servers});
    let open = compile(config(&all_named, serde_json::json!({"McpServersMode": "All"})));
    let report = verify(&open, &mut prover).unwrap();
    let property = result(&report, "audience-monotonic.team-personal");
    assert_eq!(property.status, Status::Failed);
    let tools: Vec<&str> = property.counterexamples.iter().filter_map(|e| e.request["tool"].as_str()).collect();
    let named_server = |tool: &&str| servers.iter().any(|s| tool.starts_with(&format!("{s}/")));
    assert!(!tools.is_empty() && !tools.iter().any(named_server), "{tools:?}");
}

/// A Deny override spelled another way (`Notion/…` in capitals, `server__tool`) is the
/// same tool to the runtime, so the bound must name the same entity: were it spelled
/// as written, it would match nothing and the property would pass vacuously.
#[test]
fn a_deny_override_in_another_spelling_is_still_checked() {
    let Some(mut prover) = prover() else { return };
    for key in ["Notion/Notion-Delete-Page", "notion__notion-delete-page"] {
        let text = format!(
            r#"{{"Security": {{"DeploymentPosture": "Team"}}, "Tools": {{"AudienceProfiles": {{"Team": {{
                "AllowedMcpServers": ["notion"], "McpServerToolGrants": {{"notion": ["notion-delete-page"]}},
                "ApprovalPolicy": {{"ToolOverrides": {{"{key}": "Deny"}}}}}}}}}}}}"#
        );
        let loaded = HomeConfig::load(&HomeFiles::empty().with_netclaw(text), &[]);
        let mut policy = CompiledPolicy::compile(&loaded, ProtectedPaths::new(Path::new("/h/.netclaw"), None)).unwrap();
        assert_eq!(result(&verify(&policy, &mut prover).unwrap(), "deny-overrides.team").status, Status::Proved);
        policy.policies.remove_static(PolicyId::new("team.mcp.notion.notion-delete-page.deny")).unwrap();
        let report = verify(&policy, &mut prover).unwrap();
        let property = result(&report, "deny-overrides.team");
        assert_eq!(property.status, Status::Failed, "{key}: the bound missed the tool");
        assert_eq!(property.counterexamples[0].request["tool"], "notion/notion-delete-page");
    }
}

/// A partition keeps one tool of each kind no policy names apart: the proof still
/// sees the one a Deny override names, and every call it shows is one the real
/// config allows, under a tool the config has or one it does not name.
#[test]
fn folded_tools_are_still_proved_and_shown_as_real_calls() {
    let Some(mut prover) = prover() else { return };
    let servers = ["s0", "s1", "s2"];
    let grants: serde_json::Map<String, serde_json::Value> = servers
        .iter()
        .map(|s| ((*s).to_owned(), serde_json::json!((0..20).map(|t| format!("t{t}")).collect::<Vec<_>>())))
        .collect();
    let text = serde_json::json!({"Security": {"DeploymentPosture": "Team"}, "Tools": {"AudienceProfiles": {
        "Personal": {"AllowedMcpServers": []},
        "Team": {"AllowedMcpServers": servers, "McpServerToolGrants": grants,
                 "ApprovalPolicy": {"ToolOverrides": {"s1/t7": "Deny"}}}}}});
    let loaded = HomeConfig::load(&HomeFiles::empty().with_netclaw(text.to_string()), &[]);
    let mut policy = CompiledPolicy::compile(&loaded, ProtectedPaths::new(Path::new("/h/.netclaw"), None)).unwrap();

    let report = verify(&policy, &mut prover).unwrap();
    assert_eq!(result(&report, "deny-overrides.team").status, Status::Proved);
    let property = result(&report, "audience-monotonic.team-personal");
    assert_eq!(property.status, Status::Failed);
    let tools: Vec<&str> = property.counterexamples.iter().filter_map(|e| e.request["tool"].as_str()).collect();
    let configured = |tool: &&str| {
        tool.split_once('/').is_some_and(|(s, t)| {
            servers.contains(&s)
                && (t == "unnamed_tool" || t.strip_prefix('t').is_some_and(|n| n.parse::<u8>().is_ok()))
        })
    };
    assert!(!tools.is_empty() && tools.iter().all(configured), "{tools:?}");
    for example in &property.counterexamples {
        assert!(!example.allowed_by.is_empty(), "the real config does not allow {}", example.request);
    }

    policy.policies.remove_static(PolicyId::new("team.mcp.s1.t7.deny")).unwrap();
    let report = verify(&policy, &mut prover).unwrap();
    let property = result(&report, "deny-overrides.team");
    assert_eq!(property.status, Status::Failed, "{property:#?}");
    assert_eq!(property.counterexamples[0].request["tool"], "s1/t7");

    // A tool only a policy's literal sets apart (no group of its own) is kept apart.
    let rogue = r#"permit (principal == Netclaw::Audience::"Guest", action == Netclaw::Action::"invoke", resource == Netclaw::McpTool::"s2/t5");"#;
    policy.policies.add(Policy::parse(Some(PolicyId::new("rogue")), rogue).unwrap()).unwrap();
    let report = verify(&policy, &mut prover).unwrap();
    let property = result(&report, "unknown-audience-denied");
    assert_eq!(property.status, Status::Failed, "{property:#?}");
    assert_eq!(property.counterexamples[0].request["tool"], "s2/t5");
    assert_eq!(property.counterexamples[0].allowed_by, ["rogue"]);
}

/// Servers granted alike are proved through one of them ([`symmetry`]); a policy
/// taken from, or slipped in for, any other one of them is still found.
#[test]
fn a_change_to_one_of_many_servers_alike_is_found() {
    let Some(mut prover) = prover() else { return };
    let servers: Vec<String> = (0..8).map(|s| format!("s{s}")).collect();
    let grants: serde_json::Map<String, serde_json::Value> =
        servers.iter().map(|s| (s.clone(), serde_json::json!(["t0", "t1", "t2", "t3"]))).collect();
    let overrides: serde_json::Map<String, serde_json::Value> =
        servers.iter().map(|s| (format!("{s}/t1"), serde_json::json!("Deny"))).collect();
    let text = serde_json::json!({"Security": {"DeploymentPosture": "Team"}, "Tools": {"AudienceProfiles": {
        "Personal": {"AllowedMcpServers": servers, "McpServerToolGrants": grants},
        "Team": {"AllowedMcpServers": servers, "McpServerToolGrants": grants,
                 "ApprovalPolicy": {"ToolOverrides": overrides}}}}});
    let loaded = HomeConfig::load(&HomeFiles::empty().with_netclaw(text.to_string()), &[]);
    let mut policy = CompiledPolicy::compile(&loaded, ProtectedPaths::new(Path::new("/h/.netclaw"), None)).unwrap();
    let store = store::pinned(&[store::Source { prefix: "", entities: policy.unsliced().1 }]).unwrap();
    let config = EstSet::new(policy.unsliced().0).unwrap();
    let literals = store::literals(config.policies()).unwrap();
    assert_eq!(symmetry::covered(&store, &literals, &[&config]).len(), 7);
    assert_eq!(verify(&policy, &mut prover).unwrap().status, Status::Proved);

    policy.policies.remove_static(PolicyId::new("team.mcp.s5.t1.deny")).unwrap();
    let report = verify(&policy, &mut prover).unwrap();
    let property = result(&report, "deny-overrides.team");
    assert_eq!(property.status, Status::Failed, "{property:#?}");
    assert_eq!(property.counterexamples[0].request["tool"], "s5/t1");

    let rogue = r#"permit (principal == Netclaw::Audience::"Guest", action == Netclaw::Action::"invoke", resource == Netclaw::McpTool::"s6/t3");"#;
    policy.policies.add(Policy::parse(Some(PolicyId::new("rogue")), rogue).unwrap()).unwrap();
    let report = verify(&policy, &mut prover).unwrap();
    let property = result(&report, "unknown-audience-denied");
    assert_eq!(property.status, Status::Failed, "{property:#?}");
    assert_eq!(property.counterexamples[0].request["tool"], "s6/t3");
}

/// netclaw's records (approvals, routes, hard-deny rules) are left out of the pinned
/// store: a policy that reads one is refused, never proved about without it.
#[test]
fn a_policy_reading_a_record_is_not_proved() {
    let Some(mut prover) = prover() else { return };
    // Read directly, and reached through a record literal.
    let rogues = [
        (
            "PersistedApproval",
            r#"permit (principal, action, resource) when { Netclaw::PersistedApproval::"team/x/0".everywhere };"#,
        ),
        (
            "WebhookRoute",
            r#"permit (principal, action, resource) when { {r: Netclaw::WebhookRoute::"deploy"}.r.enabled };"#,
        ),
    ];
    for (record, rogue) in rogues {
        match verify(&tampered(&[], rogue), &mut prover) {
            Err(VerifyError::Unsupported { policy, detail }) => {
                assert_eq!(policy, "rogue");
                assert!(detail.contains(record), "{detail}");
            }
            other => panic!("proved about a record it left out: {other:?}"),
        }
    }
}
