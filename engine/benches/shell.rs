//! Shell hard-deny analysis speed: a typical one-line command, and every corpus
//! command, against a baseline of bare `brush-parser` parsing in the same process;
//! and the full `shell_execute` decision against the analysis alone (the rest of a
//! decision — audience, approvals, Cedar, whose answers are remembered per question —
//! should cost well under half of the analysis).
//!
//! `cargo bench -p netclaw-engine --bench shell`; CI compiles and runs it once in test
//! mode (`cargo test --all-targets`), untimed.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a benchmark's setup may panic")]

use std::hint::black_box;
use std::path::Path;

use brush_parser::{Parser, ParserOptions};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use netclaw_engine::{
    AuthorizeRequest, CompiledPolicy, Effect, HardDenyRules, HomeConfig, HomeFiles, ProtectedPaths, ShellEnv,
    check_shell,
};

/// The allocator the `netclaw` binary runs with, so the figures are the ones it gets.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const TYPICAL: &str = "git status --short && cargo test --workspace 2>&1 | tail -n 20";

/// Every command of the corpus (`tests/shell_corpus/*.txt`), dangerous and benign.
fn corpus() -> Vec<String> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/shell_corpus");
    let mut files: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    files
        .iter()
        .flat_map(|path| std::fs::read_to_string(path).unwrap().lines().map(str::to_owned).collect::<Vec<_>>())
        .filter(|line| !line.trim().is_empty() && !line.starts_with('#'))
        .filter_map(|line| line.split('\t').nth(1).map(|command| command.replace("\\n", "\n")))
        .collect()
}

fn bare_parse(command: &str) -> bool {
    Parser::new(command.as_bytes(), &ParserOptions::default()).parse_program().is_ok()
}

fn shell(c: &mut Criterion) {
    let paths = ProtectedPaths::new(Path::new("/home/agent/.netclaw"), Some(Path::new("/home/agent")));
    let env = ShellEnv { paths: &paths, working_directory: Some(Path::new("/home/agent/project")) };
    let patterns = ["docker rm", "kubectl delete namespace", "terraform destroy"].map(str::to_owned);
    let rules = HardDenyRules::new(&patterns, &[]);

    let mut typical = c.benchmark_group("typical one-line command");
    typical.bench_function("check_shell", |b| b.iter(|| check_shell(black_box(TYPICAL), &rules, &env)));
    typical.bench_function("baseline: bare brush parse", |b| b.iter(|| bare_parse(black_box(TYPICAL))));
    typical.finish();

    let policy = personal_home(&patterns);
    let request: AuthorizeRequest = serde_json::from_value(serde_json::json!({
        "channel": "tui", "interactive": true, "tool": "shell_execute",
        "arguments": {"command": TYPICAL}, "workingDirectory": "/home/agent/project"
    }))
    .unwrap();
    assert_eq!(policy.authorize(&request).decision, Effect::ApprovalRequired);
    let mut decision = c.benchmark_group("shell_execute decision");
    decision.bench_function("authorize (analysis + approvals + remembered Cedar answers)", |b| {
        b.iter(|| policy.authorize(black_box(&request)))
    });
    decision
        .bench_function("baseline: check_shell alone", |b| b.iter(|| check_shell(black_box(TYPICAL), &rules, &env)));
    decision.finish();

    let commands = corpus();
    let mut all = c.benchmark_group("corpus, per command");
    all.throughput(Throughput::Elements(commands.len() as u64));
    all.bench_function("check_shell", |b| {
        b.iter(|| commands.iter().map(|command| check_shell(command, &rules, &env).matches.len()).sum::<usize>())
    });
    all.bench_function("baseline: bare brush parse", |b| {
        b.iter(|| commands.iter().filter(|command| bare_parse(command)).count())
    });
    all.finish();
}

/// A Personal home with the shell on (and approval-gated), the user's patterns and
/// one persisted approval, as a developer would run it.
fn personal_home(patterns: &[String]) -> CompiledPolicy {
    let config = serde_json::json!({
        "Security": {"DeploymentPosture": "Personal", "ShellExecutionMode": "HostAllowed"},
        "Tools": {"HardDenyPatterns": patterns}
    });
    let approvals = serde_json::json!({"version": 3, "audiences": {"personal": {"shell_execute": [
        {"shell": "git status", "match": "tokenPrefix", "verbTokens": ["git", "status"], "directory": null, "createdAt": "2026-11-20T09:14:03Z"}
    ]}}});
    let files = HomeFiles::empty().with_netclaw(config.to_string()).with_tool_approvals(approvals.to_string());
    let paths = ProtectedPaths::new(Path::new("/home/agent/.netclaw"), Some(Path::new("/home/agent")));
    CompiledPolicy::compile(&HomeConfig::load(&files, &[]), paths).unwrap()
}

criterion_group!(benches, shell);
criterion_main!(benches);
