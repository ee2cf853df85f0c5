//! The daemon's recorder: decisions are handed to a writer thread and committed in
//! groups, so recording adds a channel send to a decision, not an fsync.
//!
//! Unlike a webhook delivery, nobody waits for a decision's record: the caller has its
//! answer already. So the writer gathers for up to `COMMIT_EVERY` before it commits,
//! which keeps the fsyncs (and the CPU they cost the decisions) to a few a second. A
//! crash loses at most that window, which is what the in-memory backlog risks anyway.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use rusqlite::Connection;
use tokio::sync::mpsc;

use super::{AuditEntry, TextIds, insert, prune};

/// Decisions waiting for the writer at most; past it, new ones are counted as lost
/// (and reported) rather than slowing decisions down.
const BACKLOG: usize = 65_536;
const GROUP: usize = 8192;
const COMMIT_EVERY: Duration = Duration::from_millis(50);

#[allow(
    clippy::large_enum_variant,
    reason = "almost every job is a record; boxing it would cost an allocation per decision"
)]
enum Job {
    Record(AuditEntry),
    /// Pruning runs on the writer so that its remembered text ids never outlive the texts.
    Prune {
        days: u32,
    },
}

#[derive(Debug, Clone)]
pub(crate) struct AuditWriter {
    jobs: mpsc::Sender<Job>,
    /// Decisions that could not be recorded, for `daemon status` and the log.
    lost: Arc<AtomicU64>,
}

impl AuditWriter {
    pub(crate) fn start(connection: Connection) -> std::io::Result<(Self, std::thread::JoinHandle<()>)> {
        let (jobs, waiting) = mpsc::channel(BACKLOG);
        let lost = Arc::new(AtomicU64::new(0));
        let counted = Arc::clone(&lost);
        let thread = std::thread::Builder::new()
            .name("netclaw-audit-writer".to_owned())
            .spawn(move || work(&connection, waiting, &counted))?;
        Ok((Self { jobs, lost }, thread))
    }

    /// How many decisions stood without being recorded so far.
    pub(crate) fn unrecorded(&self) -> u64 {
        self.lost.load(Ordering::Relaxed)
    }

    pub(crate) fn record(&self, entry: AuditEntry) {
        if self.jobs.try_send(Job::Record(entry)).is_err() && self.lost.fetch_add(1, Ordering::Relaxed) == 0 {
            eprintln!("netclaw daemon: the audit log is falling behind; decisions stand, but some are not recorded");
        }
    }

    /// Deletes decisions older than `days` (`Audit.RetentionDays`) once the writer gets to it.
    pub(crate) fn prune(&self, days: u32) {
        if self.jobs.try_send(Job::Prune { days }).is_err() {
            eprintln!("netclaw daemon: the audit log is busy; pruning waits for the next day");
        }
    }
}

fn work(connection: &Connection, mut waiting: mpsc::Receiver<Job>, lost: &AtomicU64) {
    let mut texts = TextIds::default();
    let mut group = Vec::with_capacity(GROUP);
    while let Some(first) = waiting.blocking_recv() {
        let prune_after = gather(first, &mut waiting, &mut group);
        commit(connection, &mut group, &mut texts, lost);
        if let Some(days) = prune_after {
            match prune(connection, days) {
                Ok(0) => {}
                Ok(pruned) => eprintln!("netclaw daemon: pruned {pruned} decisions older than {days} days"),
                Err(err) => eprintln!("netclaw daemon: cannot prune the audit log: {err}"),
            }
            texts.forget();
        }
    }
}

/// Collects jobs into `group` until it is full, a prune is asked for, or
/// `COMMIT_EVERY` has passed since `first`; returns the prune's retention.
fn gather(first: Job, waiting: &mut mpsc::Receiver<Job>, group: &mut Vec<AuditEntry>) -> Option<u32> {
    let started = Instant::now();
    let mut next = Some(first);
    loop {
        while let Some(job) = next.take() {
            match job {
                Job::Record(entry) => group.push(entry),
                Job::Prune { days } => return Some(days),
            }
            if group.len() >= GROUP {
                return None;
            }
            next = waiting.try_recv().ok();
        }
        let waited = started.elapsed();
        if waited >= COMMIT_EVERY {
            return None;
        }
        std::thread::sleep(COMMIT_EVERY - waited);
        next = Some(waiting.try_recv().ok()?);
    }
}

fn commit(connection: &Connection, group: &mut Vec<AuditEntry>, texts: &mut TextIds, lost: &AtomicU64) {
    if group.is_empty() {
        return;
    }
    if let Err(err) = insert(connection, group, texts) {
        let before = lost.fetch_add(group.len() as u64, Ordering::Relaxed);
        if before == 0 {
            eprintln!("netclaw daemon: cannot record decisions (they stand as made): {err}");
        }
    }
    group.clear();
}
