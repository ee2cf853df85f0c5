//! Authorization speed on a large config: 3 audiences, 200 MCP servers × 20 tools,
//! 500 tool overrides, 100 Slack channels, 2,000 persisted approvals.
//!
//! Reports compile time (config → validated policy set + slices; dropping the previous
//! generation is not counted, a daemon does it off the hot path), the median full
//! decision for a non-shell tool (uncached: every call asks Cedar), and — in the same
//! process, on the same request — bare Cedar `is_authorized` over the unsliced set.
//! `cargo bench -p netclaw-engine --bench authorize`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a benchmark's setup may panic"
)]

use std::hint::black_box;
use std::path::Path;
use std::str::FromStr;

use cedar_policy::{Authorizer, Context, EntityUid, Request, RestrictedExpression};
use criterion::{Criterion, criterion_group, criterion_main};
use netclaw_engine::{AuthorizeRequest, CompiledPolicy, HomeConfig, HomeFiles, ProtectedPaths};
use serde_json::{Map, Value, json};

/// The allocator the `netclaw` binary runs with, so the figures are the ones it gets.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn large_config() -> (Value, Value) {
    let servers: Vec<String> = (0..200).map(|s| format!("s{s}")).collect();
    let grants: Map<String, Value> =
        servers.iter().map(|s| (s.clone(), json!((0..20).map(|t| format!("t{t}")).collect::<Vec<_>>()))).collect();
    let modes = ["Approval", "Deny", "Auto"];
    let overrides: Map<String, Value> =
        (0..500).map(|i| (format!("s{}/t{}", i % 200, 19 - i / 200), json!(modes[i % 3]))).collect();
    let server_defaults: Map<String, Value> = (0..50).map(|s| (format!("s{}", s * 4), json!("Approval"))).collect();
    let channels: Vec<String> = (0..100).map(|c| format!("C{c:09}")).collect();
    let config = json!({
        "Security": {"DeploymentPosture": "Team"},
        "Slack": {"Enabled": true, "AllowedChannelIds": channels},
        "Tools": {"AudienceProfiles": {
            "Personal": {"AllowedMcpServers": servers, "McpServerToolGrants": grants, "ApprovalPolicy": {"DefaultMode": "Auto", "ToolOverrides": overrides, "McpServerDefaults": server_defaults}},
            "Team": {"AllowedMcpServers": servers[..100], "McpServerToolGrants": grants, "ApprovalPolicy": {"DefaultMode": "Approval", "ToolOverrides": overrides}},
            "Public": {"ApprovalPolicy": {"DefaultMode": "Deny"}}
        }}
    });
    let entries: Vec<Value> = (0..2000).map(|i| json!({"verb": format!("s{}/t{}", i % 200, i % 20), "directory": format!("/srv/{i}"), "createdAt": "2026-11-01T00:00:00Z"})).collect();
    let mut by_tool: Map<String, Value> = Map::new();
    for entry in entries {
        let tool = entry["verb"].as_str().unwrap().to_owned();
        by_tool.entry(tool).or_insert_with(|| json!([])).as_array_mut().unwrap().push(entry);
    }
    (config, json!({"version": 3, "audiences": {"personal": by_tool}}))
}

fn files(config: &Value, approvals: &Value) -> HomeFiles {
    HomeFiles::empty().with_netclaw(config.to_string()).with_tool_approvals(approvals.to_string())
}

fn compile(loaded: &HomeConfig) -> CompiledPolicy {
    CompiledPolicy::compile(
        loaded,
        ProtectedPaths::new(Path::new("/home/agent/.netclaw"), Some(Path::new("/home/agent"))),
    )
    .unwrap()
}

fn authorize(c: &mut Criterion) {
    let (config, approvals) = large_config();
    let loaded = HomeConfig::load(&files(&config, &approvals), &[]);
    let policy = compile(&loaded);
    eprintln!("large config: {} policies, {} slices", policy.policy_count(), policy.slice_count());

    c.bench_function("compile: config -> validated policy set + slices", |b| {
        b.iter_with_large_drop(|| compile(black_box(&loaded)))
    });

    // s17/t5: granted to Personal, no override, server without a default: DefaultMode Auto.
    let request: AuthorizeRequest =
        serde_json::from_value(json!({"channel": "tui", "interactive": true, "tool": "s17/t5"})).unwrap();
    assert_eq!(policy.authorize(&request).decision, netclaw_engine::Effect::Allow);
    let gated: AuthorizeRequest =
        serde_json::from_value(json!({"channel": "tui", "interactive": true, "tool": "s16/t5"})).unwrap();
    assert_eq!(policy.authorize(&gated).decision, netclaw_engine::Effect::ApprovalRequired);

    let mut group = c.benchmark_group("decision, non-shell tool");
    group.bench_function("uncached: allowed (invoke + auto_run)", |b| {
        b.iter(|| policy.authorize_uncached(black_box(&request)))
    });
    group.bench_function("uncached: gated (invoke + auto_run + ask)", |b| {
        b.iter(|| policy.authorize_uncached(black_box(&gated)))
    });
    group.bench_function("cached: allowed (memoised for this config generation)", |b| {
        b.iter(|| policy.authorize(black_box(&request)))
    });
    let (unsliced, entities) = policy.unsliced();
    let context = Context::from_pairs([
        ("tool".to_owned(), RestrictedExpression::new_string("s17/t5".into())),
        (
            "server".to_owned(),
            RestrictedExpression::new_entity_uid(EntityUid::from_str(r#"Netclaw::McpServer::"s17""#).unwrap()),
        ),
        ("interactive".to_owned(), RestrictedExpression::new_bool(true)),
        ("approvedAlways".to_owned(), RestrictedExpression::new_bool(false)),
        (
            "hardDeny".to_owned(),
            RestrictedExpression::new_record([
                ("operation".to_owned(), RestrictedExpression::new_bool(false)),
                ("resource".to_owned(), RestrictedExpression::new_bool(false)),
            ])
            .unwrap(),
        ),
    ])
    .unwrap();
    let cedar_request = Request::new(
        EntityUid::from_str(r#"Netclaw::Audience::"Personal""#).unwrap(),
        EntityUid::from_str(r#"Netclaw::Action::"invoke""#).unwrap(),
        EntityUid::from_str(r#"Netclaw::McpTool::"s17/t5""#).unwrap(),
        context,
        None,
    )
    .unwrap();
    let authorizer = Authorizer::new();
    group.bench_function("baseline: one bare is_authorized, unsliced set", |b| {
        b.iter(|| authorizer.is_authorized(black_box(&cedar_request), unsliced, entities))
    });
    group.finish();
}

criterion_group!(benches, authorize);
criterion_main!(benches);
