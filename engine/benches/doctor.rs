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

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use netclaw_engine::{CompiledPolicy, DoctorOptions, Home, HomeConfig, HomeFiles, ProtectedPaths, diagnose};

#[path = "support/large_home.rs"]
mod large_home;

/// The allocator the `netclaw` binary runs with, so the figures are the ones it gets.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn doctor(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    large_home::write_large_home(dir.path());
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
