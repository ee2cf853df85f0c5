//! The daemon's recorder: decisions are handed to a writer thread and committed in
//! groups, so recording adds a channel send to a decision, not an fsync.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use rusqlite::Connection;
use tokio::sync::mpsc;

use super::{AuditEntry, insert};

/// Decisions waiting for the writer at most; past it, new ones are counted as lost
/// (and reported) rather than slowing decisions down.
const BACKLOG: usize = 65_536;
const GROUP: usize = 4096;

#[derive(Debug, Clone)]
pub(crate) struct AuditWriter {
    entries: mpsc::Sender<AuditEntry>,
    /// Decisions that could not be recorded, for `daemon status` and the log.
    lost: Arc<AtomicU64>,
}

impl AuditWriter {
    pub(crate) fn start(connection: Connection) -> std::io::Result<(Self, std::thread::JoinHandle<()>)> {
        let (entries, waiting) = mpsc::channel(BACKLOG);
        let lost = Arc::new(AtomicU64::new(0));
        let counted = Arc::clone(&lost);
        let thread = std::thread::Builder::new()
            .name("netclaw-audit-writer".to_owned())
            .spawn(move || write_groups(&connection, waiting, &counted))?;
        Ok((Self { entries, lost }, thread))
    }

    /// How many decisions stood without being recorded so far.
    pub(crate) fn unrecorded(&self) -> u64 {
        self.lost.load(Ordering::Relaxed)
    }

    pub(crate) fn record(&self, entry: AuditEntry) {
        if self.entries.try_send(entry).is_err() && self.lost.fetch_add(1, Ordering::Relaxed) == 0 {
            eprintln!("netclaw daemon: the audit log is falling behind; decisions stand, but some are not recorded");
        }
    }
}

fn write_groups(connection: &Connection, mut waiting: mpsc::Receiver<AuditEntry>, lost: &AtomicU64) {
    let mut group = Vec::with_capacity(GROUP);
    while waiting.blocking_recv().map(|entry| group.push(entry)).is_some() {
        while group.len() < GROUP {
            match waiting.try_recv() {
                Ok(entry) => group.push(entry),
                Err(_) => break,
            }
        }
        if let Err(err) = insert(connection, &group) {
            let before = lost.fetch_add(group.len() as u64, Ordering::Relaxed);
            if before == 0 {
                eprintln!("netclaw daemon: cannot record decisions (they stand as made): {err}");
            }
        }
        group.clear();
    }
}
