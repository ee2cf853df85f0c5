//! `netclaw policy diff --from HOME_OR_FILE --to HOME_OR_FILE`.

use std::io::Write;
use std::path::Path;

use netclaw_engine::{ChangeKind, CompiledPolicy, Effect, EnvVar, Home, HomeFiles, PolicyDiff, diff_policies};

use super::compiled::{compile_files, report};
use crate::args::Format;
use crate::exit::Exit;

pub fn run(from: &Path, to: &Path, env: &[EnvVar], format: Format) -> Exit {
    let (before, after) = match (load(from, env), load(to, env)) {
        (Ok(before), Ok(after)) => (before, after),
        (Err(exit), _) | (_, Err(exit)) => return exit,
    };
    let report = diff_policies(&before, &after);
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
        let files = HomeFiles::empty().with_netclaw(text);
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
