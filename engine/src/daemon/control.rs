//! The daemon as other processes see it: its pid file (`daemon.pid`, which the
//! hard-deny path rules already keep agents from writing), the status row it keeps
//! current in `netclaw.db`, and stopping it with SIGTERM.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use rusqlite::{Connection, OptionalExtension};
use rustix::process::{Pid, Signal, kill_process, test_kill_process};
use serde::{Deserialize, Serialize};

use super::DaemonError;
use crate::home::Home;
use crate::state_file::write_atomic;
use crate::store;
use crate::webhooks::queue_depth;

const PID_FILE: &str = "daemon.pid";

/// What a running daemon reports about itself (`daemon status`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DaemonStatus {
    pub running: bool,
    pub pid: Option<i32>,
    pub address: Option<String>,
    pub exposure_mode: Option<String>,
    pub generation: Option<u64>,
    pub policy_digest: Option<String>,
    pub routes: Option<usize>,
    pub started_ms: Option<i64>,
    pub reloaded_ms: Option<i64>,
    /// Why the newest config did not load; the previous generation keeps deciding.
    pub last_reload_error: Option<String>,
    /// Settings that changed on disk but apply only after a restart.
    pub restart_needed: Option<String>,
    pub queue_depth: Option<i64>,
    /// Decisions that stood but could not be written to the audit log.
    pub audit_unrecorded: Option<u64>,
}

fn pid_path(home: &Home) -> PathBuf {
    home.path(PID_FILE)
}

/// The pid of the home's daemon, if one is alive.
pub fn running_pid(home: &Home) -> Option<i32> {
    let text = std::fs::read_to_string(pid_path(home)).ok()?;
    let pid = text.trim().parse::<i32>().ok()?;
    let alive = Pid::from_raw(pid).is_some_and(|p| test_kill_process(p).is_ok());
    alive.then_some(pid)
}

/// Claims the home for this process: refuses if another daemon is alive.
pub(crate) fn claim_pid_file(home: &Home) -> Result<(), DaemonError> {
    if let Some(pid) = running_pid(home) {
        return Err(DaemonError::AlreadyRunning { pid });
    }
    write_atomic(&pid_path(home), format!("{}\n", std::process::id()).as_bytes(), 0o600)
        .map_err(|e| DaemonError::Io { what: PID_FILE.to_owned(), reason: e.to_string() })
}

/// Removes the pid file if it is still ours.
pub(crate) fn release_pid_file(home: &Home) {
    let ours = std::fs::read_to_string(pid_path(home)).is_ok_and(|t| t.trim() == std::process::id().to_string());
    if ours {
        let _ = std::fs::remove_file(pid_path(home));
    }
}

/// Writes the daemon's status row.
pub(crate) fn record_status(connection: &Connection, status: &DaemonStatus) -> Result<(), DaemonError> {
    let text =
        serde_json::to_string(status).map_err(|e| DaemonError::Io { what: "status".into(), reason: e.to_string() })?;
    connection
        .execute(
            "INSERT INTO daemon_status (id, status) VALUES (1, ?1) ON CONFLICT (id) DO UPDATE SET status = ?1",
            [text],
        )
        .map_err(|e| DaemonError::Store(e.into()))?;
    Ok(())
}

pub(crate) fn clear_status(connection: &Connection) {
    let _ = connection.execute("DELETE FROM daemon_status", []);
}

/// The home's daemon as it last described itself, and whether it is alive.
pub fn status(home: &Home) -> Result<DaemonStatus, DaemonError> {
    let pid = running_pid(home);
    let Some(connection) = store::open_existing(home).map_err(DaemonError::Store)? else {
        return Ok(DaemonStatus { running: pid.is_some(), pid, ..DaemonStatus::default() });
    };
    let recorded: Option<String> = connection
        .query_row("SELECT status FROM daemon_status WHERE id = 1", [], |r| r.get(0))
        .optional()
        .map_err(|e| DaemonError::Store(e.into()))?;
    let mut status = recorded.and_then(|t| serde_json::from_str::<DaemonStatus>(&t).ok()).unwrap_or_default();
    // A row left by a daemon that was killed describes nothing that runs.
    if pid.is_none() || status.pid != pid {
        status = DaemonStatus::default();
    }
    status.running = pid.is_some();
    status.pid = pid;
    status.queue_depth = Some(queue_depth(&connection).map_err(DaemonError::Store)?);
    Ok(status)
}

/// Sends SIGTERM and waits up to `timeout` for the daemon to finish its in-flight
/// requests and exit. `Ok(None)`: none was running.
pub fn stop(home: &Home, timeout: Duration) -> Result<Option<i32>, DaemonError> {
    let Some(pid) = running_pid(home) else {
        return Ok(None);
    };
    let target = Pid::from_raw(pid).ok_or(DaemonError::Io { what: PID_FILE.into(), reason: "pid 0".into() })?;
    kill_process(target, Signal::TERM)
        .map_err(|e| DaemonError::Io { what: format!("pid {pid}"), reason: e.to_string() })?;
    let deadline = Instant::now() + timeout;
    while test_kill_process(target).is_ok() {
        if Instant::now() >= deadline {
            return Err(DaemonError::StopTimedOut { pid });
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok(Some(pid))
}

/// Waits until the daemon `pid` has recorded that it listens; `None` if it has not
/// within `timeout` or `exited` says it is gone (the caller, its parent, can tell a
/// zombie from a live process; a signal cannot).
pub fn wait_until_listening(
    home: &Home,
    pid: i32,
    timeout: Duration,
    mut exited: impl FnMut() -> bool,
) -> Option<DaemonStatus> {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if let Ok(status) = status(home)
            && status.pid == Some(pid)
            && status.address.is_some()
        {
            return Some(status);
        }
        if exited() {
            return None;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    None
}
