//! SQLite Provisioning: `netclaw.db` (the audit log and the webhook queue), when it
//! exists: private, intact, and in WAL mode (the daemon's concurrent readers and its
//! crash safety depend on it). Opened read-only: doctor never creates or changes it.

use rusqlite::{Connection, OpenFlags};

use crate::diagnostic::Location;
use crate::doctor::modes::Guarded;
use crate::doctor::{Check, CheckOutcome, DoctorContext, Finding, Fix};

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
        if !path.exists() {
            return CheckOutcome::note("no netclaw.db yet; the daemon creates it");
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
                if !state.journal_mode.eq_ignore_ascii_case("wal") {
                    findings.push(
                        Finding::warning(
                            "database-not-wal",
                            Location::file(DATABASE),
                            format!("journal mode is `{}`, not `wal`", state.journal_mode),
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
    journal_mode: String,
}

fn inspect(path: &std::path::Path) -> Result<DatabaseState, String> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let connection = Connection::open_with_flags(path, flags).map_err(|e| e.to_string())?;
    let integrity: String =
        connection.query_row("PRAGMA integrity_check(1)", [], |row| row.get(0)).map_err(|e| e.to_string())?;
    let journal_mode: String =
        connection.query_row("PRAGMA journal_mode", [], |row| row.get(0)).map_err(|e| e.to_string())?;
    Ok(DatabaseState { integrity, journal_mode })
}
