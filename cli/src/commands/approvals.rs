//! `netclaw approvals list|revoke|prune` (the store), `pending|answer` (the daemon).

use std::io::Write;
use std::time::SystemTime;

use netclaw_engine::{
    ApprovalAnswer, ApprovalRow, ApprovalsError, ClientError, Home, PendingApproval, answer_approval, approvals_list,
    approvals_prune, approvals_revoke, pending_approvals,
};

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
        ApprovalsCommand::Pending { format } => pending(home, format),
        ApprovalsCommand::Answer { id, answer, by, format } => answered(home, &id, answer, by, format),
    }
}

fn pending(home: &Home, format: Format) -> Exit {
    let waiting = match pending_approvals(home) {
        Ok(waiting) => waiting,
        Err(err) => return refused(&err),
    };
    let written = crate::output::emit(format, &waiting, |out| {
        if waiting.is_empty() {
            return writeln!(out, "no call is waiting for approval");
        }
        waiting.iter().try_for_each(|call| write_pending(out, call))
    });
    written.map_or_else(|exit| exit, |()| Exit::Ok)
}

fn write_pending(out: &mut dyn Write, call: &PendingApproval) -> std::io::Result<()> {
    let audience = call.audience.map_or("no valid audience", |a| a.as_str());
    writeln!(out, "{}  {} for {audience} via {}, until {}", call.id, call.tool, call.channel, call.expires_at)?;
    writeln!(out, "  asks:  {}", call.asks)?;
    if let Some(dir) = &call.working_directory {
        writeln!(out, "  in:    {dir}")?;
    }
    writeln!(out, "  why:   {}", call.why)?;
    let answers: Vec<String> = call.answers.iter().map(ToString::to_string).collect();
    writeln!(out, "  answer with: netclaw approvals answer {} {}", call.id, answers.join("|"))?;
    if let Some(why) = &call.only_once_because {
        writeln!(out, "  (only once: {why})")?;
    }
    Ok(())
}

fn answered(home: &Home, id: &str, answer: ApprovalAnswer, by: Option<String>, format: Format) -> Exit {
    let by = by.or_else(|| std::env::var("USER").ok()).filter(|name| !name.is_empty());
    let answered = match answer_approval(home, id, answer, by.as_deref()) {
        Ok(answered) => answered,
        Err(err) => return refused(&err),
    };
    let written = crate::output::emit(format, &answered, |out| {
        writeln!(out, "{answer}: {id}")?;
        super::authorize::write_text(out, &answered.tool, &answered.decision)
    });
    written.map_or_else(|exit| exit, |()| Exit::Ok)
}

fn refused(err: &ClientError) -> Exit {
    eprintln!("error: {err} [{}]", err.code());
    match err {
        ClientError::Refused { status: 404 | 409 | 401, .. } => Exit::Failed,
        ClientError::Refused { status: 400, .. } => Exit::DataError,
        _ => Exit::IoError,
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
