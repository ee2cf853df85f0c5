//! The whole doctor on a large home: 1,000 webhook routes, 10,000 persisted approvals,
//! 200 MCP servers × 20 tools granted to Personal and Team. Reported beside the
//! compile of the same home in the same process (read + load + `CompiledPolicy::compile`),
//! the floor every doctor run pays before any check.
//! `cargo bench -p netclaw-engine --bench doctor`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a benchmark's setup may panic"
)]

use std::fs;
use std::hint::black_box;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};
use netclaw_engine::{CompiledPolicy, DoctorOptions, Home, HomeConfig, HomeFiles, ProtectedPaths, diagnose};
use serde_json::{Map, Value, json};

/// The allocator the `netclaw` binary runs with, so the figures are the ones it gets.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn write_large_home(root: &Path) {
    let webhooks = root.join("config/webhooks");
    fs::create_dir_all(&webhooks).unwrap();
    fs::set_permissions(&webhooks, fs::Permissions::from_mode(0o700)).unwrap();
    let servers: Vec<String> = (0..200).map(|s| format!("srv{s:03}")).collect();
    let grants: Map<String, Value> = servers
        .iter()
        .map(|s| (s.clone(), json!((0..20).map(|t| format!("tool-{t:02}")).collect::<Vec<_>>())))
        .collect();
    let overrides: Map<String, Value> =
        (0..500).map(|i| (format!("srv{:03}/tool-{:02}", i % 200, i / 200), json!("Approval"))).collect();
    let config = json!({
        "Security": {"DeploymentPosture": "Team", "ShellExecutionMode": "Off"},
        "Webhooks": {"Enabled": true},
        "Tools": {"AudienceProfiles": {
            "Personal": {"AllowedMcpServers": servers, "McpServerToolGrants": grants},
            "Team": {"AllowedMcpServers": servers, "McpServerToolGrants": grants,
                     "ApprovalPolicy": {"DefaultMode": "Approval", "ToolOverrides": overrides}},
            "Public": {"ApprovalPolicy": {"DefaultMode": "Deny"}}
        }}
    });
    fs::write(root.join("config/netclaw.json"), serde_json::to_string_pretty(&config).unwrap()).unwrap();
    for i in 0..1000 {
        // Distinct, random-looking secrets: the check compares them all.
        let secret = format!("{:016x}{:016x}", (i as u64 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15), i * 7919 + 104_729);
        let route = json!({"prompt": "Handle it.", "verification": {"kind": "Hmac", "secret": secret}});
        fs::write(webhooks.join(format!("route-{i:04}.json")), route.to_string()).unwrap();
    }
    let mut by_tool: Map<String, Value> = Map::new();
    for i in 0..10_000 {
        let tool = format!("srv{:03}/tool-{:02}", i % 200, (i / 200) % 20);
        let entry = json!({"verb": tool, "directory": format!("/home/me/p{i}"), "createdAt": "2026-11-01T00:00:00Z"});
        by_tool.entry(tool).or_insert_with(|| json!([])).as_array_mut().unwrap().push(entry);
    }
    let approvals = json!({"version": 3, "audiences": {"team": by_tool}});
    fs::write(root.join("config/tool-approvals.json"), approvals.to_string()).unwrap();
}

fn doctor(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    write_large_home(dir.path());
    let home = Home::new(dir.path());
    let paths = ProtectedPaths::new(dir.path(), None);
    // The approvals are dated: a century of allowed age keeps the home clean as they age.
    let options = DoctorOptions {
        skip: vec!["policy-invariants".to_owned()],
        approval_max_age_days: Some(36_500),
        ..DoctorOptions::default()
    };
    let report = diagnose(&home, &[], &paths, &options).unwrap();
    assert_eq!(report.exit_code, 0, "the large home is clean: {report:?}");
    let mut group = c.benchmark_group("large home");
    group.sample_size(10);
    group.bench_function("doctor (every check but the proofs)", |b| {
        b.iter(|| black_box(diagnose(&home, &[], &paths, &options).unwrap()));
    });
    group.bench_function("baseline: read, load and compile", |b| {
        b.iter(|| {
            let config = HomeConfig::load(&HomeFiles::read(&home), &[]);
            black_box(CompiledPolicy::compile(&config, paths.clone()).unwrap())
        });
    });
    group.finish();
}

criterion_group!(benches, doctor);
criterion_main!(benches);
