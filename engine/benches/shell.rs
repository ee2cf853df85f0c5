//! Shell hard-deny analysis speed: a typical one-line command, and every corpus
//! command, against a baseline of bare `brush-parser` parsing in the same process.
//!
//! `cargo bench -p netclaw-engine --bench shell`; CI compiles and runs it once in test
//! mode (`cargo test --all-targets`), untimed.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a benchmark's setup may panic")]

use std::hint::black_box;
use std::path::Path;

use brush_parser::{Parser, ParserOptions};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use netclaw_engine::hard_deny::{HardDenyRules, ShellEnv, check_shell};
use netclaw_engine::paths::ProtectedPaths;

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

criterion_group!(benches, shell);
criterion_main!(benches);
