//! `netclaw policy diff --from HOME_OR_FILE --to HOME_OR_FILE`.

use std::io::Write;
use std::path::Path;

use netclaw_engine::config::EnvVar;
use netclaw_engine::home::{FileRead, HomeFiles, WebhookDir};
use netclaw_engine::policy::{ChangeKind, CompiledPolicy, PolicyDiff, diff};
use netclaw_engine::{Effect, Home};

use super::compiled::{compile_files, report};
use crate::args::Format;
use crate::exit::Exit;

pub fn run(from: &Path, to: &Path, env: &[EnvVar], format: Format) -> Exit {
    let (before, after) = match (load(from, env), load(to, env)) {
        (Ok(before), Ok(after)) => (before, after),
        (Err(exit), _) | (_, Err(exit)) => return exit,
    };
    let report = diff(&before, &after);
    if let Err(exit) = crate::output::emit(format, &report, |out| write_text(out, &report)) {
        return exit;
    }
    if report.widens { Exit::Failed } else { Exit::Ok }
}

/// A home directory, or a lone netclaw.json (every other file absent).
fn load(path: &Path, env: &[EnvVar]) -> Result<CompiledPolicy, Exit> {
    let (home, files) = if path.is_file() {
        let text = std::fs::read_to_string(path).map_err(|err| {
            eprintln!("error: cannot read {}: {err}", path.display());
            Exit::IoError
        })?;
        let files = HomeFiles {
            home_problem: None,
            netclaw: FileRead::Text(text),
            secrets: FileRead::Missing,
            tool_approvals: FileRead::Missing,
            hard_deny_overrides: FileRead::Missing,
            webhooks: WebhookDir::Missing,
        };
        (Home::new(path.parent().unwrap_or(path)), files)
    } else {
        let home = Home::new(path);
        let files = HomeFiles::read(&home);
        (home, files)
    };
    compile_files(&home, &files, env).map_err(|err| {
        report(Some(&path.display().to_string()), &err);
        Exit::DataError
    })
}

fn effect(effect: Effect) -> &'static str {
    match effect {
        Effect::Allow => "allow",
        Effect::ApprovalRequired => "approval_required",
        Effect::Deny => "deny",
    }
}

fn write_text(out: &mut dyn Write, report: &PolicyDiff) -> std::io::Result<()> {
    if report.changes.is_empty() {
        return writeln!(out, "no change in what any audience may do");
    }
    for change in &report.changes {
        let sign = if change.widens { '+' } else { '-' };
        let audience = change.audience.map_or("-", |a| a.as_str());
        let what = match change.kind {
            ChangeKind::NewlyAllowed => "newly allowed".to_owned(),
            ChangeKind::NewlyGated => "newly gated".to_owned(),
            ChangeKind::NewlyDenied => "newly denied".to_owned(),
            ChangeKind::AudienceWidened => format!("now maps to {audience}"),
            ChangeKind::AudienceNarrowed => format!("now maps to {audience}"),
        };
        writeln!(
            out,
            "{sign} {audience:<9} {:<36} {what} ({} → {})",
            change.subject,
            effect(change.from),
            effect(change.to)
        )?;
        if !change.sources.is_empty() {
            writeln!(out, "    because of: {}", change.sources.join(", "))?;
        }
    }
    let widened = report.changes.iter().filter(|c| c.widens).count();
    writeln!(out, "\n{} change(s), {widened} widening access", report.changes.len())
}
