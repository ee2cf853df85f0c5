//! `netclaw approvals list|revoke|prune`.

use std::io::Write;
use std::time::SystemTime;

use netclaw_engine::{ApprovalRow, ApprovalsError, Home, approvals_list, approvals_prune, approvals_revoke};

use crate::args::{ApprovalsCommand, Format};
use crate::exit::Exit;

pub fn run(home: &Home, command: ApprovalsCommand) -> Exit {
    match command {
        ApprovalsCommand::List { format } => print(approvals_list(home, SystemTime::now()), format, ""),
        ApprovalsCommand::Revoke { ids, format } => print(approvals_revoke(home, &ids), format, "revoked "),
        ApprovalsCommand::Prune { older_than, dry_run, format } => {
            let days = u32::try_from(older_than.as_secs() / 86_400).unwrap_or(u32::MAX);
            let verb = if dry_run { "would prune " } else { "pruned " };
            print(approvals_prune(home, days, SystemTime::now(), dry_run), format, verb)
        }
    }
}

fn print(rows: Result<Vec<ApprovalRow>, ApprovalsError>, format: Format, verb: &str) -> Exit {
    let rows = match rows {
        Ok(rows) => rows,
        Err(err) => return report(&err),
    };
    let written = crate::output::emit(format, &rows, |out| {
        for row in &rows {
            write_row(out, verb, row)?;
        }
        if rows.is_empty() && !verb.is_empty() {
            writeln!(out, "nothing to remove")?;
        }
        Ok(())
    });
    written.map_or_else(|exit| exit, |()| Exit::Ok)
}

fn write_row(out: &mut dyn Write, verb: &str, row: &ApprovalRow) -> std::io::Result<()> {
    let age = row.age_days.map_or_else(|| format!("undated ({})", row.created_at), |days| format!("{days} days old"));
    let scope = row.directory.as_deref().map_or_else(|| "everywhere".to_owned(), |d| format!("in {d}"));
    writeln!(out, "{verb}{}", row.id)?;
    writeln!(out, "  {} `{}` for {}, {scope}, {age}", row.tool, row.approved, row.audience.as_str())
}

fn report(err: &ApprovalsError) -> Exit {
    eprintln!("error: {err} [{}]", err.code());
    for diagnostic in err.diagnostics() {
        eprintln!("  {diagnostic}");
    }
    match err {
        ApprovalsError::Invalid(_) => Exit::DataError,
        ApprovalsError::NotFound(_) | ApprovalsError::Linked => Exit::Failed,
        ApprovalsError::Write(_) => Exit::IoError,
    }
}
