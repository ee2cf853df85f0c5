//! `netclaw.db`: the daemon's durable state (the webhook queue, the daemon's status,
//! and the audit log to come), one SQLite file shared by the daemon and the CLI.
//!
//! Every connection is opened the same way so every writer agrees on the guarantees:
//! WAL (readers never block the writer, and a crash rolls back to the last commit),
//! `synchronous=FULL` (a commit is on disk before it returns, which is what lets the
//! daemon answer 202), and a busy timeout so a CLI reader and the daemon share the
//! file without "database is locked". The file is created 600 and never through a
//! symbolic link: it holds webhook bodies.

use std::fs::OpenOptions;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::PathBuf;
use std::time::Duration;

use rusqlite::Connection;

use crate::home::Home;

/// The database's name under the home.
pub(crate) const DATABASE: &str = "netclaw.db";

/// Each step upgrades the schema by one version (`PRAGMA user_version`); a database
/// newer than this binary is refused rather than written to.
const MIGRATIONS: &[&str] = &[
    // 1: the webhook delivery queue the agent runtime consumes, and the daemon's status.
    "CREATE TABLE webhook_deliveries (
        id INTEGER PRIMARY KEY,
        route TEXT NOT NULL,
        audience TEXT NOT NULL,
        event TEXT,
        delivery_id TEXT,
        body BLOB NOT NULL,
        received_ms INTEGER NOT NULL,
        state TEXT NOT NULL DEFAULT 'pending'
     );
     CREATE INDEX webhook_deliveries_received ON webhook_deliveries (received_ms);
     CREATE TABLE daemon_status (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        status TEXT NOT NULL
     );",
    // 2: the decision audit log. Requests, decisions and policy digests repeat far more
    // than they vary, so each distinct text is stored once in audit_texts (keyed by its
    // SHA-256) and a decision row refers to it: a row is ~150 bytes instead of ~1 KB.
    "CREATE TABLE audit_texts (
        id INTEGER PRIMARY KEY,
        digest BLOB NOT NULL UNIQUE,
        text TEXT NOT NULL
     );
     CREATE TABLE audit_decisions (
        decision_id TEXT PRIMARY KEY,
        time_ms INTEGER NOT NULL,
        recorder TEXT NOT NULL,
        channel TEXT NOT NULL,
        audience TEXT,
        tool TEXT NOT NULL,
        effect TEXT NOT NULL,
        layer TEXT NOT NULL,
        reason_code TEXT,
        request INTEGER NOT NULL REFERENCES audit_texts (id),
        result INTEGER NOT NULL REFERENCES audit_texts (id),
        generation INTEGER,
        policy_digest INTEGER REFERENCES audit_texts (id)
     ) WITHOUT ROWID;
     CREATE INDEX audit_decisions_time ON audit_decisions (time_ms);",
    // 3: a decision row is what recording costs on every call, so it shrinks to the
    // id, the time and four integers. What a decision is about (recorder, channel,
    // audience, tool, effect, layer, reason: a few hundred combinations) is stored
    // once in audit_kinds. No time index: ids start with the time in hexadecimal
    // nanoseconds, so the primary key is already in time order.
    "CREATE TABLE audit_kinds (
        id INTEGER PRIMARY KEY,
        recorder TEXT NOT NULL,
        channel TEXT NOT NULL,
        audience TEXT NOT NULL,
        tool TEXT NOT NULL,
        effect TEXT NOT NULL,
        layer TEXT NOT NULL,
        reason_code TEXT NOT NULL,
        UNIQUE (recorder, channel, audience, tool, effect, layer, reason_code)
     );
     INSERT OR IGNORE INTO audit_kinds (recorder, channel, audience, tool, effect, layer, reason_code)
        SELECT recorder, channel, IFNULL(audience, ''), tool, effect, layer, IFNULL(reason_code, '')
        FROM audit_decisions;
     CREATE TABLE audit_log (
        decision_id TEXT PRIMARY KEY,
        time_ms INTEGER NOT NULL,
        kind INTEGER NOT NULL REFERENCES audit_kinds (id),
        request INTEGER NOT NULL REFERENCES audit_texts (id),
        result INTEGER NOT NULL REFERENCES audit_texts (id),
        generation INTEGER,
        policy_digest INTEGER REFERENCES audit_texts (id)
     ) WITHOUT ROWID;
     INSERT INTO audit_log
        SELECT d.decision_id, d.time_ms, k.id, d.request, d.result, d.generation, d.policy_digest
        FROM audit_decisions d JOIN audit_kinds k
          ON k.recorder = d.recorder AND k.channel = d.channel AND k.audience = IFNULL(d.audience, '')
         AND k.tool = d.tool AND k.effect = d.effect AND k.layer = d.layer
         AND k.reason_code = IFNULL(d.reason_code, '');
     DROP TABLE audit_decisions;",
];

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{path}: {reason}")]
    Open { path: PathBuf, reason: String },
    #[error("{path}: schema version {found} is newer than this netclaw understands ({known})")]
    TooNew { path: PathBuf, found: i64, known: i64 },
    #[error("netclaw.db: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("netclaw.db: the writer has stopped")]
    WriterGone,
}

impl StoreError {
    /// A stable code for logs and JSON errors.
    pub fn code(&self) -> &'static str {
        match self {
            StoreError::Open { .. } => "store.open",
            StoreError::TooNew { .. } => "store.too_new",
            StoreError::Sqlite(_) => "store.sqlite",
            StoreError::WriterGone => "store.writer_gone",
        }
    }
}

/// Opens (creating it 600 if needed) and migrates the home's database.
pub(crate) fn open(home: &Home) -> Result<Connection, StoreError> {
    let path = home.path(DATABASE);
    let failed = |reason: String| StoreError::Open { path: path.clone(), reason };
    match std::fs::symlink_metadata(&path) {
        Ok(meta) if meta.file_type().is_symlink() => {
            return Err(failed("is a symbolic link; refusing to write through it".to_owned()));
        }
        Ok(meta) if !meta.is_file() => return Err(failed("is not a regular file".to_owned())),
        // Never opened and closed here when it exists: closing any descriptor of the
        // file drops every POSIX lock this process holds on it, including those of
        // SQLite connections already open, and another process could then delete
        // the live WAL as if it were the last user.
        Ok(_) => {}
        // Created here rather than by SQLite so the mode is 600 from the first byte.
        Err(_) => {
            OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(&path)
                .map_err(|e| failed(e.to_string()))?;
        }
    }
    let mut connection = Connection::open(&path).map_err(|e| failed(e.to_string()))?;
    connection.busy_timeout(Duration::from_secs(5))?;
    connection.pragma_update(None, "journal_mode", "WAL")?;
    connection.pragma_update(None, "synchronous", "FULL")?;
    migrate(&mut connection, &path)?;
    private_sidecars(&path);
    Ok(connection)
}

/// SQLite creates `-wal` and `-shm` with the database's mode, unless the umask takes
/// bits away; they hold the same data, so they get the same 600.
fn private_sidecars(path: &std::path::Path) {
    for suffix in ["-wal", "-shm"] {
        let mut sidecar = path.as_os_str().to_owned();
        sidecar.push(suffix);
        let _ = std::fs::set_permissions(PathBuf::from(sidecar), std::fs::Permissions::from_mode(0o600));
    }
}

fn migrate(connection: &mut Connection, path: &std::path::Path) -> Result<(), StoreError> {
    let known = MIGRATIONS.len() as i64;
    let found: i64 = connection.query_row("PRAGMA user_version", [], |row| row.get(0))?;
    if found > known {
        return Err(StoreError::TooNew { path: path.to_path_buf(), found, known });
    }
    for (version, step) in (1..).zip(MIGRATIONS).skip(usize::try_from(found).unwrap_or(0)) {
        let transaction = connection.transaction()?;
        transaction.execute_batch(step)?;
        transaction.pragma_update(None, "user_version", version)?;
        transaction.commit()?;
    }
    Ok(())
}

/// Opens the database only if it exists, for readers that must not create it.
pub(crate) fn open_existing(home: &Home) -> Result<Option<Connection>, StoreError> {
    if std::fs::symlink_metadata(home.path(DATABASE)).is_err() {
        return Ok(None);
    }
    open(home).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn creates_a_private_migrated_database_in_wal_mode() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let home = Home::new(dir.path());
        let connection = open(&home)?;
        let mode: String = connection.query_row("PRAGMA journal_mode", [], |r| r.get(0))?;
        assert_eq!(mode, "wal");
        let version: i64 = connection.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        assert_eq!(version, MIGRATIONS.len() as i64);
        assert_eq!(crate::state_file::mode_of(&home.path(DATABASE)), Some(0o600));
        drop(connection);
        open(&home)?; // a second open migrates nothing and succeeds
        Ok(())
    }

    /// Decisions recorded before the audit rows shrank (migration 3) read back whole.
    #[test]
    fn migration_3_keeps_every_recorded_decision() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let home = Home::new(dir.path());
        let mut old = Connection::open(home.path(DATABASE))?;
        for (version, step) in (1..).zip(&MIGRATIONS[..2]) {
            let transaction = old.transaction()?;
            transaction.execute_batch(step)?;
            transaction.pragma_update(None, "user_version", version)?;
            transaction.commit()?;
        }
        let decision = r#"{"decision":"deny","outcome":"Denied","audience":null,"layer":"tool_access_grant","reasonCode":"audience_invalid","message":"m","policies":[],"sources":[],"remediation":null,"decisionId":""}"#;
        old.execute_batch(&format!(
            "INSERT INTO audit_texts (id, digest, text) VALUES (1, x'01', '{{\"tool\":\"web_fetch\"}}'), (2, x'02', '{decision}');
             INSERT INTO audit_decisions VALUES ('dec_1', 5, 'cli', 'headless', NULL, 'web_fetch', 'deny', 'tool_access_grant', 'audience_invalid', 1, 2, NULL, NULL),
                                                ('dec_2', 6, 'cli', 'headless', NULL, 'web_fetch', 'deny', 'tool_access_grant', 'audience_invalid', 1, 2, NULL, NULL);"
        ))?;
        drop(old);
        open(&home)?;
        let all = crate::audit::list(&home, &crate::audit::AuditFilter::default())?;
        let ids: Vec<(&str, i64, &str)> =
            all.iter().map(|e| (e.decision_id.as_str(), e.time_ms, e.tool.as_str())).collect();
        assert_eq!(ids, [("dec_1", 5, "web_fetch"), ("dec_2", 6, "web_fetch")]);
        assert_eq!(all[0].decision.reason_code, Some(crate::reason::ReasonCode::AudienceInvalid));
        let kinds: i64 = open(&home)?.query_row("SELECT count(*) FROM audit_kinds", [], |r| r.get(0))?;
        assert_eq!(kinds, 1, "the two decisions share one kind");
        Ok(())
    }

    #[test]
    fn refuses_a_database_from_a_newer_netclaw() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let home = Home::new(dir.path());
        open(&home)?.pragma_update(None, "user_version", 99)?;
        assert!(matches!(open(&home), Err(StoreError::TooNew { found: 99, .. })));
        Ok(())
    }

    #[test]
    fn refuses_a_symbolic_link() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        std::os::unix::fs::symlink(dir.path().join("elsewhere.db"), dir.path().join(DATABASE))?;
        assert!(matches!(open(&Home::new(dir.path())), Err(StoreError::Open { .. })));
        Ok(())
    }
}
