//! Redaction throughput on 100 MiB of log-like text with rare secrets (one line in a
//! thousand), against a plain copy of the same bytes in the same process (the floor:
//! reading and writing, no looking).
//!
//! Measured (2 cores): about 320 MiB/s, against about 9 GiB/s for the copy.
//!
//! `cargo bench -p netclaw-engine --bench redact`; the target is ≥ 200 MB/s on
//! the 2-core machine. CI runs it once in test mode, untimed.

#![allow(clippy::unwrap_used, clippy::indexing_slicing, reason = "a benchmark's setup may panic")]

use std::hint::black_box;
use std::io;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use netclaw_engine::redact_stream;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const SIZE: usize = 100 * 1024 * 1024;

/// Deterministic log lines: requests with URLs, cache keys, job lines, and now and
/// then a bearer token or a password in an environment dump.
fn logs() -> Vec<u8> {
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let paths = ["/api/v1/users", "/healthz", "/api/v1/orders/12345", "/static/app.js", "/api/v2/search?q=shoes"];
    let mut out = Vec::with_capacity(SIZE + 512);
    let mut line = 0u64;
    while out.len() < SIZE {
        line += 1;
        let r = next();
        let text = match r % 1000 {
            0 => format!(
                "2026-12-03T09:00:00Z ERROR call failed Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig{r:x}\n"
            ),
            1 => format!("2026-12-03T09:00:00Z DEBUG env DB_PASSWORD=hunter{r:x} loaded\n"),
            2..=200 => format!(
                "2026-12-03T09:00:01Z INFO http method=GET url=https://shop.example.com{} status=200 latency_ms={} request_id={r:016x}\n",
                paths[(r % 5) as usize],
                r % 900
            ),
            201..=250 => {
                format!("2026-12-03T09:00:01Z INFO cache key=user:{} hit=true size={}\n", r % 99_999, r % 4096)
            }
            _ => format!(
                "2026-12-03T09:00:02Z INFO worker=3 job={:012x} queue=default duration_ms={} user=U0123ABCDEF line={line}\n",
                r >> 16,
                r % 5000
            ),
        };
        out.extend_from_slice(text.as_bytes());
    }
    out
}

fn redact(c: &mut Criterion) {
    let input = logs();
    let mut group = c.benchmark_group("100 MiB of logs, rare secrets");
    group.sample_size(10).throughput(Throughput::Bytes(input.len() as u64));
    let mut output = Vec::with_capacity(input.len() + 4096);
    group.bench_function("redact_stream", |b| {
        b.iter(|| {
            output.clear();
            redact_stream(&mut black_box(input.as_slice()), &mut output).unwrap()
        })
    });
    group.bench_function("baseline: io::copy", |b| {
        b.iter(|| {
            output.clear();
            io::copy(&mut black_box(input.as_slice()), &mut output).unwrap()
        })
    });
    group.finish();
}

criterion_group!(benches, redact);
criterion_main!(benches);
