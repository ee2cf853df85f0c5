//! The human side of the approval gate, end to end: a gated interactive call waits
//! in a real daemon, `netclaw approvals pending|answer` answer it, the timeout denies
//! it, and `approve_always` lands in `tool-approvals.json` and survives a restart.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::common::{home_arg, netclaw};
use crate::daemon::{Daemon, request, wait_for};
use crate::webhooks::webhook_home;

fn personal_home(timeout_seconds: u32) -> tempfile::TempDir {
    webhook_home(
        &format!(
            r#"{{"Daemon": {{"Port": 0}}, "Security": {{"DeploymentPosture": "Personal"}},
                "Approvals": {{"TimeoutSeconds": {timeout_seconds}}}}}"#
        ),
        &[],
    )
}

fn shell_call(command: &str, directory: &str, session: Option<&str>, interactive: bool) -> Value {
    json!({"channel": "tui", "interactive": interactive, "tool": "shell_execute",
           "arguments": {"command": command}, "workingDirectory": directory, "sessionId": session})
}

/// Sends the call from a thread: an interactive call that needs approval only
/// returns once it is answered.
fn send(daemon: &Daemon, call: &Value) -> JoinHandle<Value> {
    let (address, body) = (daemon.address, call.to_string());
    std::thread::spawn(move || {
        let response = request(address, "POST", "/v1/authorize", &[], body.as_bytes());
        assert_eq!(response.status, 200);
        response.json()
    })
}

fn decide(daemon: &Daemon, call: &Value) -> Value {
    let response = request(daemon.address, "POST", "/v1/authorize", &[], call.to_string().as_bytes());
    assert_eq!(response.status, 200);
    response.json()
}

fn approvals(home: &Path, args: &[&str]) -> crate::common::Run {
    let home = home_arg(home);
    netclaw(&[&["--home", home.as_str(), "approvals"], args].concat(), &[])
}

/// Waits until exactly one call is pending; returns it.
fn the_pending_call(home: &Path) -> Value {
    let mut pending = Value::Null;
    wait_for("a pending approval", || {
        pending = approvals(home, &["pending", "--format", "json"]).json();
        pending.as_array().is_some_and(|calls| calls.len() == 1)
    });
    pending[0].clone()
}

fn answer(home: &Path, id: &str, answer: &str) -> crate::common::Run {
    approvals(home, &["answer", id, answer, "--by", "alice", "--format", "json"])
}

#[test]
fn a_gated_call_waits_for_an_approver_and_each_answer_decides_it() {
    let home = personal_home(60);
    let daemon = Daemon::start(home.path());
    let call = shell_call("git status --short", "/work/app", Some("s1"), true);
    let waiting = send(&daemon, &call);
    let pending = the_pending_call(home.path());
    assert_eq!(
        (pending["tool"].as_str(), pending["asks"].as_str()),
        (Some("shell_execute"), Some("git status --short"))
    );
    assert_eq!(pending["answers"], json!(["approve_once", "approve_session", "approve_always", "deny"]));
    let id = pending["id"].as_str().unwrap().to_owned();

    // Without the approver's token nothing is listed or answered: the agent's own shell
    // can reach the daemon.
    let path = format!("/v1/approvals/{id}");
    let forged = request(daemon.address, "POST", &path, &[], br#"{"answer": "approve_always"}"#);
    assert_eq!((forged.status, forged.json()["error"]["code"].as_str()), (401, Some("approvals.unauthorized")));
    assert_eq!(request(daemon.address, "GET", "/v1/approvals", &[], b"").status, 401);
    let token = std::fs::read_to_string(home.path().join("keys/approver.token")).unwrap();
    let wrong = vec![format!("Authorization: Bearer {}x", token.trim())];
    assert_eq!(request(daemon.address, "GET", "/v1/approvals", &wrong, b"").status, 401);

    let answered = answer(home.path(), &id, "approve_session");
    assert_eq!(answered.code, 0, "{}", answered.stderr);
    let decided = waiting.join().unwrap();
    assert_eq!(decided, answered.json()["decision"], "the waiting call gets the answer's decision");
    assert_eq!((decided["decision"].as_str(), decided["layer"].as_str()), (Some("allow"), Some("approval_gate")));
    assert!(decided["sources"].to_string().contains("approve_session by alice"), "{decided}");

    // The session's answer covers the same call again, in that session only.
    assert_eq!(decide(&daemon, &call)["decision"], "allow");
    let other_session = send(&daemon, &shell_call("git status --short", "/work/app", Some("s2"), true));
    let id = the_pending_call(home.path())["id"].as_str().unwrap().to_owned();
    let denied = answer(home.path(), &id, "deny");
    assert_eq!(denied.code, 0, "{}", denied.stderr);
    let decided = other_session.join().unwrap();
    assert_eq!((decided["decision"].as_str(), decided["reasonCode"].as_str()), (Some("deny"), Some("approval_denied")));

    let gone = answer(home.path(), &id, "approve_once");
    assert_eq!(gone.code, 1);
    assert!(gone.stderr.contains("approvals.not_found"), "{}", gone.stderr);
    assert_eq!(approvals(home.path(), &["pending", "--format", "json"]).json(), json!([]));
}

#[test]
fn no_answer_in_time_is_a_recorded_deny_and_a_headless_call_never_waits() {
    let home = personal_home(1);
    let daemon = Daemon::start(home.path());
    let started = Instant::now();
    let headless = decide(&daemon, &shell_call("make", "/work/app", None, false));
    assert_eq!(headless["reasonCode"], "approval_required_unattended");
    assert!(started.elapsed() < Duration::from_millis(900), "a headless call was held");

    let started = Instant::now();
    let timed_out = decide(&daemon, &shell_call("make", "/work/app", None, true));
    let waited = started.elapsed();
    assert_eq!(
        (timed_out["decision"].as_str(), timed_out["reasonCode"].as_str()),
        (Some("deny"), Some("approval_timed_out"))
    );
    assert!(waited >= Duration::from_secs(1) && waited < Duration::from_secs(10), "waited {waited:?}");

    let id = timed_out["decisionId"].as_str().unwrap().to_owned();
    let mut shown = Value::Null;
    wait_for("the timeout in the audit log", || {
        let run = netclaw(&["--home", &home_arg(home.path()), "audit", "show", &id, "--format", "json"], &[]);
        shown = if run.code == 0 { run.json() } else { Value::Null };
        !shown.is_null()
    });
    assert_eq!(shown["recorded"]["decision"]["reasonCode"], "approval_timed_out", "{shown}");
}

#[test]
fn approve_always_is_written_scoped_to_the_directory_and_survives_a_restart() {
    let home = personal_home(60);
    let daemon = Daemon::start(home.path());

    // A command with a redirection cannot be written down as an entry: only once.
    let redirected = send(&daemon, &shell_call("make test > log.txt", "/work/app", None, true));
    let pending = the_pending_call(home.path());
    assert_eq!(pending["answers"], json!(["approve_once", "deny"]));
    let id = pending["id"].as_str().unwrap().to_owned();
    let refused = answer(home.path(), &id, "approve_always");
    assert_eq!(refused.code, 1);
    assert!(refused.stderr.contains("approvals.answer_unavailable"), "{}", refused.stderr);
    assert!(!home.path().join("config/tool-approvals.json").exists());
    assert_eq!(answer(home.path(), &id, "approve_once").code, 0, "the call kept waiting for another answer");
    assert_eq!(redirected.join().unwrap()["decision"], "allow");

    let call = shell_call("cargo build --release", "/work/app", None, true);
    let waiting = send(&daemon, &call);
    let id = the_pending_call(home.path())["id"].as_str().unwrap().to_owned();
    assert_eq!(answer(home.path(), &id, "approve_always").code, 0);
    assert_eq!(waiting.join().unwrap()["decision"], "allow");

    let store_path = home.path().join("config/tool-approvals.json");
    let store: Value = serde_json::from_str(&std::fs::read_to_string(&store_path).unwrap()).unwrap();
    assert_eq!(std::fs::metadata(&store_path).unwrap().permissions().mode() & 0o777, 0o600);
    let entry = &store["audiences"]["personal"]["shell_execute"][0];
    assert_eq!(store["version"], 3);
    assert_eq!(entry["verbTokens"], json!(["cargo", "build", "--release"]));
    assert_eq!((entry["match"].as_str(), entry["directory"].as_str()), (Some("exact"), Some("/work/app")));

    // The next call sees it at once (the answer reloaded the policy), headless too;
    // another directory or another command is not covered.
    let cited = "config/tool-approvals.json /audiences/personal/shell_execute/0";
    let again = decide(&daemon, &shell_call("cargo build --release", "/work/app", None, false));
    assert_eq!(again["decision"], "allow", "{again}");
    assert!(again["sources"].to_string().contains(cited), "{again}");
    let elsewhere = decide(&daemon, &shell_call("cargo build --release", "/work/other", None, false));
    assert_eq!(elsewhere["reasonCode"], "approval_required_unattended");
    let more = decide(&daemon, &shell_call("cargo build --release --all", "/work/app", None, false));
    assert_eq!(more["reasonCode"], "approval_required_unattended");

    drop(daemon);
    let daemon = Daemon::start(home.path());
    let after_restart = decide(&daemon, &shell_call("cargo build --release", "/work/app/sub/..", None, false));
    assert_eq!(after_restart["decision"], "allow", "{after_restart}");
    let listed = approvals(home.path(), &["list", "--format", "json"]).json();
    assert_eq!(listed[0]["approved"], "cargo build --release");
}
