//! The `netclaw` process on the doctor bench's large home (1,000 webhook routes,
//! 10,000 persisted approvals, 200 MCP servers × 20 tools): what a CI job that gates on
//! `netclaw doctor` pays, start to exit. Beside it, `policy compile` on the same home.
//! A doctor that must prove the policy invariants with cvc5 (the first run on a changed
//! set, every run on a fresh CI runner) is timed with the proof cache off; the others
//! reuse a proof, as every later run on an unchanged home does.
//! `cargo bench -p netclaw --bench doctor_process`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "a benchmark's setup may panic")]

use std::path::Path;
use std::process::Command;

use criterion::{Criterion, criterion_group, criterion_main};

#[path = "../../engine/benches/support/large_home.rs"]
mod large_home;

/// Runs `netclaw ARGS` on `home`, with proofs remembered under `cache`; exit 0 or panic.
fn netclaw(home: &Path, cache: &Path, args: &[&str]) {
    let output = Command::new(env!("CARGO_BIN_EXE_netclaw"))
        .args(args)
        .arg("--home")
        .arg(home)
        .env("NETCLAW_PROOF_CACHE", cache)
        .env_remove("NETCLAW_HOME")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "netclaw {args:?} exited {:?} (the proofs need cvc5): {}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout)
    );
}

fn process(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let (home, cache) = (dir.path().join("home"), dir.path().join("proofs"));
    std::fs::create_dir_all(&home).unwrap();
    large_home::write_large_home(&home);
    // The approvals are dated: a century of allowed age keeps the home clean as they age.
    let doctor = ["doctor", "--format", "json", "--approval-max-age", "36500"];
    netclaw(&home, &cache, &doctor);

    let mut group = c.benchmark_group("large home, whole process");
    group.sample_size(10);
    let no_cache = Path::new("off");
    group.bench_function("doctor (every check, proving with cvc5)", |b| b.iter(|| netclaw(&home, no_cache, &doctor)));
    group.bench_function("doctor (every check, proofs remembered)", |b| b.iter(|| netclaw(&home, &cache, &doctor)));
    let skip = [&doctor[..], &["--skip", "policy-invariants"]].concat();
    group.bench_function("doctor --skip policy-invariants", |b| b.iter(|| netclaw(&home, &cache, &skip)));
    group.bench_function("policy compile", |b| b.iter(|| netclaw(&home, &cache, &["policy", "compile"])));
    group.finish();
}

criterion_group!(benches, process);
criterion_main!(benches);
