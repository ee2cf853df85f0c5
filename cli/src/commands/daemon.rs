//! `netclaw daemon run|start|stop|status`.

use std::fs::{DirBuilder, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use netclaw_engine::{
    DaemonError, DaemonOptions, DaemonStatus, EnvVar, Home, daemon_pid, daemon_status, run_daemon, stop_daemon,
    wait_for_daemon,
};

use crate::args::{DaemonCommand, DaemonRunArgs, Format};
use crate::exit::Exit;

/// Where a background daemon's messages go, under the home.
const LOG: &str = "logs/daemon.log";

pub fn run(home: &Home, env: Vec<EnvVar>, command: DaemonCommand) -> Exit {
    match command {
        DaemonCommand::Run(args) => foreground(home, env, &args),
        DaemonCommand::Start(args) => start(home, &args),
        DaemonCommand::Stop => stop(home),
        DaemonCommand::Status { format } => status(home, format),
    }
}

fn foreground(home: &Home, env: Vec<EnvVar>, args: &DaemonRunArgs) -> Exit {
    if let Err(err) = DirBuilder::new().recursive(true).mode(0o700).create(home.root()) {
        eprintln!("error: {}: {err}", home.root().display());
        return Exit::IoError;
    }
    let options = DaemonOptions {
        home: home.clone(),
        env,
        user_home: std::env::var_os("HOME").map(PathBuf::from),
        confirm_internet_exposure: args.confirm_internet_exposure,
        poll_interval: Duration::from_secs(1),
    };
    let served = run_daemon(options, |address| eprintln!("netclaw daemon: listening on http://{address}"));
    match served {
        Ok(()) => Exit::Ok,
        Err(err) => {
            eprintln!("error: {err} [{}]", err.code());
            exit_for(&err)
        }
    }
}

fn exit_for(err: &DaemonError) -> Exit {
    match err {
        DaemonError::InvalidConfig(_) | DaemonError::Exposure(_) => Exit::DataError,
        DaemonError::AlreadyRunning { .. } | DaemonError::StopTimedOut { .. } => Exit::Failed,
        DaemonError::Bind { .. } | DaemonError::Store(_) | DaemonError::Io { .. } => Exit::IoError,
    }
}

/// Starts `netclaw daemon run` in its own process group, its messages in the log,
/// and waits until it listens (or says why it did not).
fn start(home: &Home, args: &DaemonRunArgs) -> Exit {
    if let Some(pid) = daemon_pid(home) {
        eprintln!("error: a daemon is already running for this home (pid {pid})");
        return Exit::Failed;
    }
    let log = home.path(LOG);
    let opened = log
        .parent()
        .map_or(Ok(()), |dir| DirBuilder::new().recursive(true).mode(0o700).create(dir))
        .and_then(|()| OpenOptions::new().create(true).append(true).mode(0o600).open(&log));
    let (log_file, exe) = match (opened, std::env::current_exe()) {
        (Ok(file), Ok(exe)) => (file, exe),
        (Err(err), _) | (_, Err(err)) => {
            eprintln!("error: cannot start the daemon: {err}");
            return Exit::IoError;
        }
    };
    let mut command = Command::new(exe);
    command.arg("--home").arg(home.root()).args(["daemon", "run"]);
    if args.confirm_internet_exposure {
        command.arg("--confirm-internet-exposure");
    }
    command.stdin(Stdio::null()).stdout(Stdio::null()).stderr(log_file).process_group(0);
    let mut child = match command.spawn() {
        Ok(child) => child,
        Err(err) => {
            eprintln!("error: cannot start the daemon: {err}");
            return Exit::IoError;
        }
    };
    let pid = i32::try_from(child.id()).unwrap_or(0);
    match wait_for_daemon(home, pid, Duration::from_secs(30), || child.try_wait().is_ok_and(|s| s.is_some())) {
        Some(status) => {
            let address = status.address.unwrap_or_default();
            eprintln!(
                "netclaw daemon: started (pid {pid}), listening on http://{address}; messages in {}",
                log.display()
            );
            Exit::Ok
        }
        None => {
            let _ = child.kill();
            let _ = child.wait();
            eprintln!("error: the daemon did not start; the end of {}:", log.display());
            let text = std::fs::read_to_string(&log).unwrap_or_default();
            let lines: Vec<&str> = text.lines().collect();
            for line in lines.iter().skip(lines.len().saturating_sub(10)) {
                eprintln!("  {line}");
            }
            Exit::Failed
        }
    }
}

fn stop(home: &Home) -> Exit {
    match stop_daemon(home, Duration::from_secs(15)) {
        Ok(Some(pid)) => {
            eprintln!("netclaw daemon: stopped (pid {pid})");
            Exit::Ok
        }
        Ok(None) => {
            eprintln!("netclaw daemon: not running");
            Exit::Ok
        }
        Err(err) => {
            eprintln!("error: {err} [{}]", err.code());
            exit_for(&err)
        }
    }
}

fn status(home: &Home, format: Format) -> Exit {
    let status = match daemon_status(home) {
        Ok(status) => status,
        Err(err) => {
            eprintln!("error: {err} [{}]", err.code());
            return exit_for(&err);
        }
    };
    match crate::output::emit(format, &status, |out| write_status(out, &status)) {
        Ok(()) if status.running => Exit::Ok,
        Ok(()) => Exit::Failed,
        Err(exit) => exit,
    }
}

fn write_status(out: &mut dyn Write, status: &DaemonStatus) -> std::io::Result<()> {
    let Some(pid) = status.pid.filter(|_| status.running) else {
        writeln!(out, "not running")?;
        return writeln!(out, "  queue:       {} pending", status.queue_depth.unwrap_or(0));
    };
    writeln!(out, "running (pid {pid})")?;
    let or_dash = |v: Option<String>| v.unwrap_or_else(|| "-".to_owned());
    writeln!(out, "  address:     {}", or_dash(status.address.as_ref().map(|a| format!("http://{a}"))))?;
    writeln!(out, "  exposure:    {}", or_dash(status.exposure_mode.clone()))?;
    writeln!(
        out,
        "  policy:      generation {} ({})",
        or_dash(status.generation.map(|g| g.to_string())),
        or_dash(status.policy_digest.clone())
    )?;
    writeln!(out, "  routes:      {}", or_dash(status.routes.map(|r| r.to_string())))?;
    writeln!(out, "  queue:       {} pending", status.queue_depth.unwrap_or(0))?;
    if let Some(lost) = status.audit_unrecorded.filter(|n| *n > 0) {
        writeln!(out, "  audit log:   {lost} decisions stood but were NOT recorded (see the daemon log)")?;
    }
    if let Some(error) = &status.last_reload_error {
        writeln!(out, "  last reload: FAILED, the previous generation keeps deciding: {error}")?;
    }
    if let Some(note) = &status.restart_needed {
        writeln!(out, "  restart:     {note}")?;
    }
    Ok(())
}
