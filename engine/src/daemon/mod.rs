//! `netclaw daemon`: the same decisions over HTTP, and the webhook ingress.
//!
//! One process per home (the pid file says which). It refuses to start on a config
//! that does not load, and once running never serves a config it has not compiled:
//! a reload that fails leaves the last good generation deciding, and says why in its
//! status. Host, port and exposure are read once: moving the daemon onto another
//! interface takes a restart, never a file edit an agent might make.

mod approvals;
mod approver_token;
mod client;
mod control;
mod exposure;
mod generation;
mod server;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use tokio::signal::unix::{SignalKind, signal};

use crate::audit::AuditWriter;
use crate::config::EnvVar;
use crate::home::Home;
use crate::store::{self, StoreError};
use crate::webhooks::{DeliveryQueue, Ingress, now_ms, recent_delivery_ids};

use approvals::PendingApprovals;
pub use approvals::{Answer, Answered, PendingApproval};
use approver_token::ApproverToken;
pub use client::{ClientError, answer_approval, pending_approvals};
pub use control::{DaemonStatus, running_pid, status, stop, wait_until_listening};
use generation::{Fingerprint, Generation, fingerprint};

/// How long a stopping daemon waits for requests in flight.
const DRAIN: Duration = Duration::from_secs(10);

#[derive(Debug, Clone)]
pub struct DaemonOptions {
    pub home: Home,
    pub env: Vec<EnvVar>,
    /// The user's home directory, for `~` in protected paths.
    pub user_home: Option<PathBuf>,
    /// `--confirm-internet-exposure`: the command-line half of the confirmation the
    /// internet-facing exposure modes need.
    pub confirm_internet_exposure: bool,
    /// How often the home's files are checked for changes.
    pub poll_interval: Duration,
}

#[derive(Debug, thiserror::Error)]
pub enum DaemonError {
    #[error("the config does not load, so the daemon does not start:\n  {}", .0.join("\n  "))]
    InvalidConfig(Vec<String>),
    #[error("refusing to listen: {0}")]
    Exposure(String),
    #[error("cannot listen on {address}: {reason}")]
    Bind { address: SocketAddr, reason: String },
    #[error("a daemon is already running for this home (pid {pid})")]
    AlreadyRunning { pid: i32 },
    #[error("the daemon (pid {pid}) did not stop in time")]
    StopTimedOut { pid: i32 },
    #[error(transparent)]
    Store(StoreError),
    #[error("{what}: {reason}")]
    Io { what: String, reason: String },
}

impl DaemonError {
    /// A stable code for scripts.
    pub fn code(&self) -> &'static str {
        match self {
            DaemonError::InvalidConfig(_) => "daemon.invalid_config",
            DaemonError::Exposure(_) => "daemon.exposure_refused",
            DaemonError::Bind { .. } => "daemon.bind",
            DaemonError::AlreadyRunning { .. } => "daemon.already_running",
            DaemonError::StopTimedOut { .. } => "daemon.stop_timed_out",
            DaemonError::Store(err) => err.code(),
            DaemonError::Io { .. } => "daemon.io",
        }
    }
}

/// What every request handler shares.
#[derive(Debug)]
pub(crate) struct Shared {
    generation: RwLock<Arc<Generation>>,
    ingress: Ingress,
    queue: DeliveryQueue,
    audit: AuditWriter,
    status: Mutex<DaemonStatus>,
    approvals: PendingApprovals,
    token: ApproverToken,
    options: DaemonOptions,
    /// One reload at a time: the watcher's and an `approve_always` answer's.
    reloading: tokio::sync::Mutex<()>,
    /// The home's files as the last reload read them.
    seen: Mutex<Fingerprint>,
}

impl Shared {
    pub(crate) fn current(&self) -> Arc<Generation> {
        match self.generation.read() {
            Ok(current) => Arc::clone(&current),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }
}

/// Runs the daemon in the foreground until SIGTERM or SIGINT. `listening` is told the
/// bound address (the port may have been 0).
pub fn run(options: DaemonOptions, listening: impl FnOnce(SocketAddr)) -> Result<(), DaemonError> {
    let first = Generation::load(&options, 1).map_err(DaemonError::InvalidConfig)?;
    let address =
        exposure::bind_address(&first.config, options.confirm_internet_exposure).map_err(DaemonError::Exposure)?;
    control::claim_pid_file(&options.home)?;
    let served = serve(&options, first, address, listening);
    control::release_pid_file(&options.home);
    served
}

fn serve(
    options: &DaemonOptions,
    first: Generation,
    address: SocketAddr,
    listening: impl FnOnce(SocketAddr),
) -> Result<(), DaemonError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| DaemonError::Io { what: "the async runtime".into(), reason: e.to_string() })?;
    let status_db = store::open(&options.home).map_err(DaemonError::Store)?;
    let (queue, writer) = DeliveryQueue::open(&options.home).map_err(DaemonError::Store)?;
    let (audit, auditor) = AuditWriter::start(store::open(&options.home).map_err(DaemonError::Store)?)
        .map_err(|e| DaemonError::Io { what: "the audit writer".into(), reason: e.to_string() })?;
    let token = ApproverToken::ensure(&options.home)
        .map_err(|e| DaemonError::Io { what: approver_token::TOKEN_FILE.into(), reason: e.to_string() })?;
    let ingress = Ingress::default();
    remember_recent_deliveries(&status_db, &ingress);
    let listener = std::net::TcpListener::bind(address)
        .and_then(|l| l.set_nonblocking(true).map(|()| l))
        .map_err(|e| DaemonError::Bind { address, reason: e.to_string() })?;
    let bound = listener.local_addr().map_err(|e| DaemonError::Bind { address, reason: e.to_string() })?;
    let status = DaemonStatus {
        running: true,
        pid: i32::try_from(std::process::id()).ok(),
        address: Some(bound.to_string()),
        exposure_mode: Some(exposure::mode_name(first.config.daemon.exposure_mode).to_owned()),
        generation: Some(first.number),
        policy_digest: Some(first.digest.to_string()),
        routes: Some(first.routes.len()),
        started_ms: Some(now_ms()),
        ..DaemonStatus::default()
    };
    control::record_status(&status_db, &status)?;
    let shared = Arc::new(Shared {
        generation: RwLock::new(Arc::new(first)),
        ingress,
        queue,
        audit,
        status: Mutex::new(status),
        approvals: PendingApprovals::default(),
        token,
        options: options.clone(),
        reloading: tokio::sync::Mutex::new(()),
        seen: Mutex::new(fingerprint(options.home.root())),
    });
    let served = runtime.block_on(async {
        let listener = tokio::net::TcpListener::from_std(listener)
            .map_err(|e| DaemonError::Bind { address, reason: e.to_string() })?;
        let stop = shutdown_signal().await?;
        let reloads = tokio::spawn(watch(Arc::clone(&shared), status_db));
        listening(bound);
        // Requests in flight get DRAIN to finish after the signal; then the daemon stops anyway.
        let stopping = Arc::new(tokio::sync::Notify::new());
        let signalled = Arc::clone(&stopping);
        let graceful = async move {
            stop.await;
            signalled.notify_one();
        };
        let server = warp::serve(server::routes(Arc::clone(&shared))).incoming(listener).graceful(graceful).run();
        tokio::select! {
            () = server => {}
            () = async { stopping.notified().await; tokio::time::sleep(DRAIN).await } => {
                eprintln!("netclaw daemon: requests still in flight after {} s; stopping anyway", DRAIN.as_secs());
            }
        }
        reloads.abort();
        Ok(())
    });
    // The writer commits what it was handed, then stops once the last handle is gone.
    runtime.shutdown_timeout(Duration::from_secs(1));
    drop(shared);
    let _ = writer.join();
    let _ = auditor.join();
    if let Ok(connection) = store::open(&options.home) {
        control::clear_status(&connection);
    }
    served
}

/// Resolves on SIGTERM or SIGINT; the handlers are installed before it is awaited.
async fn shutdown_signal() -> Result<impl std::future::Future<Output = ()> + Send + 'static, DaemonError> {
    let io = |e: std::io::Error| DaemonError::Io { what: "signal handlers".into(), reason: e.to_string() };
    let mut term = signal(SignalKind::terminate()).map_err(io)?;
    let mut interrupt = signal(SignalKind::interrupt()).map_err(io)?;
    Ok(async move {
        tokio::select! {
            _ = term.recv() => {}
            _ = interrupt.recv() => {}
        }
        eprintln!("netclaw daemon: stopping; finishing requests in flight");
    })
}

/// Deliveries accepted in the last hour stay duplicates across a restart.
fn remember_recent_deliveries(connection: &rusqlite::Connection, ingress: &Ingress) {
    let now = now_ms();
    let since = now - 3_600_000;
    for (route, id, at) in recent_delivery_ids(connection, since).unwrap_or_default() {
        ingress.remember(&route, &id, u64::try_from(now - at).unwrap_or(0));
    }
}

/// Reloads on SIGHUP and whenever the home's files change; prunes the audit log to
/// `Audit.RetentionDays` at start and daily.
async fn watch(shared: Arc<Shared>, status_db: rusqlite::Connection) {
    let options = &shared.options;
    let Ok(mut hangup) = signal(SignalKind::hangup()) else {
        eprintln!("netclaw daemon: cannot watch for SIGHUP; reloading on file changes only");
        return;
    };
    let mut ticks = tokio::time::interval(options.poll_interval);
    let mut daily = tokio::time::interval(Duration::from_secs(86_400));
    let mut written = shared.status.lock().map(|s| s.clone()).unwrap_or_default();
    loop {
        let forced = tokio::select! {
            _ = hangup.recv() => true,
            _ = ticks.tick() => false,
            _ = daily.tick() => {
                shared.audit.prune(shared.current().config.audit.retention_days);
                continue;
            }
        };
        let now = fingerprint(options.home.root());
        if forced || shared.seen.lock().map_or(true, |seen| *seen != now) {
            reload(&shared).await;
        }
        // A reload here or after an `approve_always` answer, or unrecorded decisions.
        let Ok(status) = shared.status.lock().map(|mut slot| {
            slot.audit_unrecorded = Some(shared.audit.unrecorded());
            slot.clone()
        }) else {
            continue;
        };
        if status != written {
            if let Err(err) = control::record_status(&status_db, &status) {
                eprintln!("netclaw daemon: cannot record the status: {err}");
            }
            written = status;
        }
    }
}

/// Compiles the home's files as they are now; swaps them in only if they compile.
async fn reload(shared: &Shared) {
    let _one_at_a_time = shared.reloading.lock().await;
    let files = fingerprint(shared.options.home.root());
    let current = shared.current();
    let number = current.number + 1;
    let loading = shared.options.clone();
    let loaded = tokio::task::spawn_blocking(move || Generation::load(&loading, number))
        .await
        .unwrap_or_else(|_| Err(vec!["loading the config failed".to_owned()]));
    let mut status = shared.status.lock().map(|s| s.clone()).unwrap_or_default();
    match loaded {
        Ok(next) => {
            status.restart_needed = restart_needed(&current, &next);
            if let Some(note) = &status.restart_needed {
                eprintln!("netclaw daemon: {note}");
            }
            status.generation = Some(next.number);
            status.policy_digest = Some(next.digest.to_string());
            status.routes = Some(next.routes.len());
            status.reloaded_ms = Some(now_ms());
            status.last_reload_error = None;
            eprintln!("netclaw daemon: reloaded: generation {} ({})", next.number, next.digest);
            if let Ok(mut slot) = shared.generation.write() {
                *slot = Arc::new(next);
            }
        }
        Err(problems) => {
            let message = problems.join("; ");
            eprintln!("netclaw daemon: reload failed; generation {} keeps deciding: {message}", current.number);
            status.last_reload_error = Some(message);
        }
    }
    if let Ok(mut slot) = shared.status.lock() {
        *slot = status;
    }
    if let Ok(mut seen) = shared.seen.lock() {
        *seen = files;
    }
}

fn restart_needed(current: &Generation, next: &Generation) -> Option<String> {
    let (was, now) = (&current.config.daemon, &next.config.daemon);
    let changed = was.host != now.host
        || was.port != now.port
        || was.exposure_mode != now.exposure_mode
        || was.internet_exposure_confirmed != now.internet_exposure_confirmed
        || was.cloudflare_access_policy_id != now.cloudflare_access_policy_id;
    changed.then(|| "Daemon.Host, Daemon.Port or the exposure settings changed: they apply after a restart".to_owned())
}
