//! Writes the doctor bench's large home to a directory, to time the `netclaw` process
//! on it (`hyperfine`, `/usr/bin/time`):
//! `cargo run --release -p netclaw-engine --example large_home -- /tmp/largehome`.

#![allow(clippy::expect_used, clippy::unwrap_used, reason = "a bench helper; a failure ends it")]

#[path = "../benches/support/large_home.rs"]
mod large_home;

fn main() {
    let root = std::env::args_os().nth(1).expect("usage: large_home DIRECTORY");
    std::fs::create_dir_all(&root).expect("cannot create the directory");
    large_home::write_large_home(std::path::Path::new(&root));
}
