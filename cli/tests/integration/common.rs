//! Running the binary in a controlled environment, and the snapshot settings.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The fixture homes, one scenario per directory.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/homes").join(name)
}

pub fn example(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples").join(name)
}

pub fn repo_file(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(relative)
}

/// Asserts that `document` is valid under the published `schemas/{schema}`.
#[track_caller]
pub fn assert_matches_schema(schema: &str, document: &serde_json::Value) {
    let text = std::fs::read_to_string(repo_file(&format!("schemas/{schema}"))).unwrap_or_default();
    let schema_value: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
    let validator = match jsonschema::draft202012::new(&schema_value) {
        Ok(validator) => validator,
        Err(err) => panic!("{schema} does not compile: {err}"),
    };
    let errors: Vec<String> = validator.iter_errors(document).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "output does not match {schema}: {errors:?}");
}

#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn json(&self) -> serde_json::Value {
        match serde_json::from_str(&self.stdout) {
            Ok(value) => value,
            Err(err) => panic!("stdout is not JSON ({err}):\n{}\nstderr:\n{}", self.stdout, self.stderr),
        }
    }
}

/// Runs `netclaw` with no `NETCLAW_*` variables but `env`, no colour, and a `HOME`
/// without a `.netclaw`, so the developer's own home can never leak into a test.
pub fn netclaw(args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut command = Command::new(env!("CARGO_BIN_EXE_netclaw"));
    command.args(args).stdin(Stdio::null()).env("NO_COLOR", "1").env("HOME", "/nonexistent-netclaw-test-home");
    for (name, _) in std::env::vars() {
        if name.to_ascii_uppercase().starts_with("NETCLAW_") {
            command.env_remove(name);
        }
    }
    // Proofs are made, not remembered from another run, unless a test says otherwise.
    command.env_remove("XDG_CACHE_HOME").env("NETCLAW_PROOF_CACHE", "off");
    command.envs(env.iter().copied()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = match command.spawn() {
        Ok(child) => child,
        Err(err) => panic!("cannot run netclaw: {err}"),
    };
    // A hang (say, reading a FIFO) must fail the test, not stall CI.
    let deadline = Instant::now() + Duration::from_secs(30);
    while matches!(child.try_wait(), Ok(None)) {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("netclaw {args:?} did not finish within 30 s");
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let output = match child.wait_with_output() {
        Ok(output) => output,
        Err(err) => panic!("cannot collect netclaw's output: {err}"),
    };
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// Runs `netclaw ARGS` with `input` on stdin (a pipe: never a terminal, so no prompt).
pub fn netclaw_stdin(args: &[&str], input: &[u8]) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_netclaw"))
        .args(args)
        .env("HOME", "/nonexistent-netclaw-test-home")
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run netclaw: {e}"));
    let mut stdin = child.stdin.take().unwrap_or_else(|| panic!("no stdin"));
    // Written from a thread: netclaw writes while it reads, and both pipes have limits.
    let input = input.to_vec();
    let writer = std::thread::spawn(move || std::io::Write::write_all(&mut stdin, &input));
    let output = child.wait_with_output().unwrap_or_else(|e| panic!("{e}"));
    let _ = writer.join();
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

pub fn home_arg(home: &Path) -> String {
    home.display().to_string()
}

/// Snapshots live in the top-level `snapshots/`, where `cargo insta review` finds them.
macro_rules! snapshot {
    ($name:expr, $value:expr) => {
        insta::with_settings!({snapshot_path => "../../../snapshots", prepend_module_to_snapshot => false}, {
            insta::assert_snapshot!($name, $value);
        })
    };
}
pub(crate) use snapshot;
