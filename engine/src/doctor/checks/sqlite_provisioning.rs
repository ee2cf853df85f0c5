//! SQLite Provisioning: `netclaw.db` (the audit log and the webhook queue), when it
//! exists: private, intact, and in WAL mode (the daemon's concurrent readers and its
//! crash safety depend on it). Opened read-only: doctor never creates or changes it.

use rusqlite::{Connection, OpenFlags};

use crate::diagnostic::Location;
use crate::doctor::modes::Guarded;
use crate::doctor::{Check, CheckOutcome, DoctorContext, Finding, Fix};
use crate::home::uri_path;

const DATABASE: &str = "netclaw.db";
const GUARDED: [Guarded; 3] = [
    Guarded { path: DATABASE, mode: 0o600, code: "database-mode", holds: "the audit log and webhook bodies" },
    Guarded { path: "netclaw.db-wal", mode: 0o600, code: "database-mode", holds: "recent audit and webhook writes" },
    Guarded { path: "netclaw.db-shm", mode: 0o600, code: "database-mode", holds: "the database's shared memory" },
];

#[derive(Debug)]
pub(crate) struct SqliteProvisioning;

impl Check for SqliteProvisioning {
    fn id(&self) -> &'static str {
        "sqlite-provisioning"
    }

    fn name(&self) -> &'static str {
        "SQLite Provisioning"
    }

    fn run(&self, context: &DoctorContext<'_>) -> CheckOutcome {
        let path = context.home.path(DATABASE);
        if std::fs::symlink_metadata(&path).is_err() {
            return CheckOutcome::note("no netclaw.db yet; the daemon creates it");
        }
        // Opening a FIFO blocks forever, and a device is not a database.
        let regular = std::fs::metadata(&path).is_ok_and(|m| m.is_file())
            && std::fs::canonicalize(&path).is_ok_and(|p| !["/dev", "/proc", "/sys"].iter().any(|k| p.starts_with(k)));
        if !regular {
            let finding = Finding::error(
                "database-not-a-file",
                Location::file(DATABASE),
                "netclaw.db is not a regular file (a directory, FIFO, device or dangling link)",
            )
            .with_help("move it aside; the daemon creates a new database");
            return CheckOutcome::found(vec![finding], "", "keep netclaw.db private and intact");
        }
        let (mut findings, fixes): (Vec<Finding>, Vec<Fix>) = GUARDED.iter().filter_map(|g| g.check(context)).unzip();
        match inspect(&path) {
            Ok(state) => {
                if state.integrity != "ok" {
                    findings.push(
                        Finding::error(
                            "database-corrupt",
                            Location::file(DATABASE),
                            format!("`PRAGMA integrity_check` reports: {}", state.integrity),
                        )
                        .with_help("stop the daemon, keep a copy, and restore netclaw.db from a backup"),
                    );
                }
                if !state.wal {
                    findings.push(
                        Finding::warning(
                            "database-not-wal",
                            Location::file(DATABASE),
                            "the database is not in WAL mode: the daemon's readers would block its writer",
                        )
                        .with_help("with the daemon stopped: `sqlite3 netclaw.db 'PRAGMA journal_mode=WAL'`"),
                    );
                }
            }
            Err(reason) => findings.push(
                Finding::error(
                    "database-unreadable",
                    Location::file(DATABASE),
                    format!("cannot open netclaw.db: {reason}"),
                )
                .with_help("check that it is a SQLite database netclaw created, and that you own it"),
            ),
        }
        CheckOutcome::found(
            findings,
            "netclaw.db is private, intact and in WAL mode",
            "keep netclaw.db private and intact",
        )
        .with_fixes(fixes)
    }
}

struct DatabaseState {
    integrity: String,
    wal: bool,
}

/// WAL mode is persistent and recorded in the file header: bytes 18 and 19 (the
/// write and read format versions) are 2 in WAL mode, 1 in rollback mode. Read from
/// there because an `immutable` connection always reports a rollback journal.
fn wal_in_header(path: &std::path::Path) -> std::io::Result<bool> {
    use std::io::Read;
    let mut header = [0u8; 20];
    std::fs::File::open(path)?.read_exact(&mut header)?;
    Ok(header.get(18..20) == Some(&[2, 2]))
}

/// Opens read-only. Without a `-wal` file there is nothing to replay, so the file is
/// opened `immutable`: a plain read-only open of a WAL database would create `-wal`
/// and `-shm` files (with the caller's umask), and doctor must leave no trace.
fn inspect(path: &std::path::Path) -> Result<DatabaseState, String> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI;
    let live = path.with_file_name("netclaw.db-wal").exists();
    let uri = format!(
        "file:{}{}",
        uri_path(path.as_os_str().as_encoded_bytes()),
        if live { "?mode=ro" } else { "?mode=ro&immutable=1" }
    );
    let connection = Connection::open_with_flags(uri, flags).map_err(|e| e.to_string())?;
    let integrity: String =
        connection.query_row("PRAGMA integrity_check(1)", [], |row| row.get(0)).map_err(|e| e.to_string())?;
    Ok(DatabaseState { integrity, wal: wal_in_header(path).map_err(|e| e.to_string())? })
}
