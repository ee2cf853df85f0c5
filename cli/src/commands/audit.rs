//! `netclaw audit show|list|export`.

use std::io::Write;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use netclaw_engine::{
    AuditEntry, AuditFilter, Decision, EnvVar, Home, audit_list, audit_ocsf, audit_show, rfc3339_utc as rfc3339,
};
use serde::Serialize;

use crate::args::{AuditCommand, Format};
use crate::exit::Exit;

pub fn run(home: &Home, env: &[EnvVar], command: AuditCommand) -> Exit {
    match command {
        AuditCommand::Show { id, format } => show(home, env, &id, format),
        AuditCommand::List { denied, tool, audience, since, format } => {
            let filter =
                AuditFilter { denied_only: denied, tool, audience, since_ms: since.map(since_ms), limit: None };
            list(home, &filter, format)
        }
        AuditCommand::Export { format: _, since } => {
            export(home, &AuditFilter { since_ms: since.map(since_ms), ..AuditFilter::default() })
        }
    }
}

fn since_ms(age: Duration) -> i64 {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    i64::try_from(now.saturating_sub(age).as_millis()).unwrap_or(0)
}

/// `audit show --format json`: the decision as recorded, and the current config's.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Shown<'a> {
    recorded: &'a AuditEntry,
    /// What the current config decides for the same (recorded, redacted) request.
    now: Option<Decision>,
    /// Whether `now` differs from the recorded decision (effect, layer, reason, policies).
    changed: bool,
}

fn show(home: &Home, env: &[EnvVar], id: &str, format: Format) -> Exit {
    let entry = match audit_show(home, id) {
        Ok(Some(entry)) => entry,
        Ok(None) => {
            eprintln!("error: no decision `{id}` in {}", home.path("netclaw.db").display());
            return Exit::Failed;
        }
        Err(err) => {
            eprintln!("error: {err}");
            return Exit::IoError;
        }
    };
    let now = entry.request().map(|request| match super::compiled::compile(home, env) {
        Ok(policy) => policy.authorize(&request),
        Err(err) => err.decision(),
    });
    let changed = now.as_ref().is_some_and(|now| differs(&entry.decision, now));
    let shown = Shown { recorded: &entry, now, changed };
    match crate::output::emit(format, &shown, |out| write_shown(out, &shown)) {
        Ok(()) => Exit::Ok,
        Err(exit) => exit,
    }
}

fn differs(then: &Decision, now: &Decision) -> bool {
    (then.decision, then.layer, then.reason_code, &then.policies)
        != (now.decision, now.layer, now.reason_code, &now.policies)
}

fn write_shown(out: &mut dyn Write, shown: &Shown<'_>) -> std::io::Result<()> {
    let entry = shown.recorded;
    super::authorize::write_text(out, &entry.tool, &entry.decision)?;
    let generation = entry.generation.map(|g| format!("generation {g}, ")).unwrap_or_default();
    writeln!(
        out,
        "  recorded: {} by the {} ({generation}policy {})",
        rfc3339(entry.time_ms),
        entry.recorder,
        entry.policy_digest.as_deref().unwrap_or("not compiled")
    )?;
    writeln!(out, "  channel:  {}", entry.channel)?;
    writeln!(out, "  request:  {}", entry.request)?;
    match &shown.now {
        Some(now) if shown.changed => {
            writeln!(out, "\nThe config has changed since. Decided now:")?;
            super::authorize::write_text(out, &entry.tool, now)
        }
        Some(_) => writeln!(out, "\nThe current config decides the same."),
        None => writeln!(out, "\nThe recorded request no longer reads as one; it cannot be decided again."),
    }
}

fn list(home: &Home, filter: &AuditFilter, format: Format) -> Exit {
    let entries = match audit_list(home, filter) {
        Ok(entries) => entries,
        Err(err) => {
            eprintln!("error: {err}");
            return Exit::IoError;
        }
    };
    let written = crate::output::emit(format, &entries, |out| {
        for e in &entries {
            let d = &e.decision;
            let audience = d.audience.map_or("-", |a| a.as_str());
            let reason = d.reason_code.map(|r| r.to_string()).unwrap_or_else(|| "-".to_owned());
            writeln!(
                out,
                "{}  {}  {:<17} {:<9} {:<24} {:<20} {reason}",
                rfc3339(e.time_ms),
                e.decision_id,
                d.decision.as_str(),
                audience,
                e.tool,
                d.layer.as_str()
            )?;
        }
        Ok(())
    });
    written.map_or_else(|exit| exit, |()| Exit::Ok)
}

fn export(home: &Home, filter: &AuditFilter) -> Exit {
    let entries = match audit_list(home, filter) {
        Ok(entries) => entries,
        Err(err) => {
            eprintln!("error: {err}");
            return Exit::IoError;
        }
    };
    let mut stdout = std::io::stdout().lock();
    for entry in &entries {
        let line = serde_json::to_string(&audit_ocsf(entry)).unwrap_or_default();
        if writeln!(stdout, "{line}").is_err() {
            return Exit::IoError;
        }
    }
    Exit::Ok
}
