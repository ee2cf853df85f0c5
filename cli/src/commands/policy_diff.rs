//! `netclaw policy diff (--from HOME_OR_FILE | --from-git REF) --to HOME_OR_FILE`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use netclaw_engine::{
    ChangeKind, CompiledPolicy, EnvVar, Home, HomeFiles, PolicyDiff, Prover, diff_policies, prove_widening,
};

use super::compiled::{compile_files, report};
use crate::args::{DiffFormat, Format};
use crate::exit::Exit;

/// Where the config before the change comes from.
#[derive(Debug)]
pub enum Before {
    Path(PathBuf),
    /// The `--to` home's files as committed at this revision.
    Git(String),
}

/// `prove`: the solver's time per query, when the widening is to be proved too.
pub fn run(before: &Before, to: &Path, env: &[EnvVar], format: DiffFormat, prove: Option<Duration>) -> Exit {
    let from = match before {
        Before::Path(path) => load(path, env),
        Before::Git(reference) => load_from_git(reference, to, env),
    };
    let (before, after) = match (from, load(to, env)) {
        (Ok(before), Ok(after)) => (before, after),
        (Err(exit), _) | (_, Err(exit)) => return exit,
    };
    let mut report = diff_policies(&before, &after);
    if let Some(timeout) = prove {
        match Prover::start(timeout).and_then(|mut prover| prove_widening(&before, &after, &mut prover)) {
            Ok(widenings) => report = report.with_proof(widenings),
            Err(err) => return super::policy_verify::unproved(&err),
        }
    }
    let written = match format {
        DiffFormat::Text => crate::output::emit(Format::Text, &report, |out| write_text(out, &report)),
        DiffFormat::Json => crate::output::emit(Format::Json, &report, |_| Ok(())),
        DiffFormat::Markdown => crate::output::emit(Format::Text, &report, |out| write_markdown(out, &report)),
    };
    if let Err(exit) = written {
        return exit;
    }
    if report.widens { Exit::Failed } else { Exit::Ok }
}

/// The home's config files as committed at `reference`, read with `git show` from the
/// repository the home is in (absent files are absent then too).
fn load_from_git(reference: &str, home: &Path, env: &[EnvVar]) -> Result<CompiledPolicy, Exit> {
    let git = |args: &[&str]| -> Result<Option<String>, Exit> {
        let output = Command::new("git").arg("-C").arg(home).args(args).output().map_err(|err| {
            eprintln!("error: cannot run git: {err}");
            Exit::IoError
        })?;
        Ok(output.status.success().then(|| String::from_utf8_lossy(&output.stdout).into_owned()))
    };
    if git(&["rev-parse", "--verify", "--quiet", &format!("{reference}^{{commit}}")])?.is_none() {
        eprintln!("error: `{reference}` is not a commit of the repository {} is in", home.display());
        return Err(Exit::Usage);
    }
    let mut files = HomeFiles::empty();
    for relative in HomeFiles::CONFIG_FILES {
        if let Some(text) = git(&["show", &format!("{reference}:./{relative}")])? {
            files = files.with_file(relative, text);
        }
    }
    let routes = git(&["ls-tree", "--name-only", reference, "--", "config/webhooks/"])?.unwrap_or_default();
    for relative in routes.lines() {
        if let Some(text) = git(&["show", &format!("{reference}:./{relative}")])? {
            files = files.with_file(relative, text);
        }
    }
    compile_files(&Home::new(home), &files, env).map_err(|err| {
        report(Some(&format!("{} at {reference}", home.display())), &err);
        Exit::DataError
    })
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

fn write_text(out: &mut dyn Write, report: &PolicyDiff) -> std::io::Result<()> {
    if report.changes.is_empty() {
        writeln!(out, "no change in what any audience may do")?;
        return write_proof(out, report);
    }
    for change in &report.changes {
        let sign = if change.widens { '+' } else { '-' };
        let audience = change.audience.map_or("-", |a| a.as_str());
        let what = match change.kind {
            ChangeKind::NewlyAllowed => "newly allowed".to_owned(),
            ChangeKind::NewlyGated => "newly gated".to_owned(),
            ChangeKind::NewlyDenied => "newly denied".to_owned(),
            ChangeKind::AudienceWidened | ChangeKind::AudienceNarrowed => format!("now maps to {audience}"),
            ChangeKind::Added => "added".to_owned(),
            ChangeKind::Removed => "removed".to_owned(),
            ChangeKind::Widened => "widened".to_owned(),
            ChangeKind::Narrowed => "narrowed".to_owned(),
        };
        let effects = match (change.from, change.to) {
            (Some(from), Some(to)) => format!(" ({} → {})", from.as_str(), to.as_str()),
            _ => String::new(),
        };
        writeln!(out, "{sign} {audience:<9} {:<36} {what}{effects}", change.subject)?;
        if !change.sources.is_empty() {
            writeln!(out, "    because of: {}", change.sources.join(", "))?;
        }
    }
    let widened = report.changes.iter().filter(|c| c.widens).count();
    writeln!(out, "\n{} change(s), {widened} widening access", report.changes.len())?;
    write_proof(out, report)
}

fn write_proof(out: &mut dyn Write, report: &PolicyDiff) -> std::io::Result<()> {
    let Some(widenings) = &report.proof else { return Ok(()) };
    if widenings.is_empty() {
        return writeln!(out, "proved: the new config allows no request the old one denied");
    }
    writeln!(out, "proved widening: {} call(s) the new config allows and the old one denied", widenings.len())?;
    for widening in widenings {
        writeln!(out, "+ {:<16} {}", widening.question, widening.subject)?;
        super::policy_verify::write_counterexample(out, &widening.counterexample)?;
    }
    Ok(())
}

/// A table for a pull-request comment: widening changes first, each with its keys.
fn write_markdown(out: &mut dyn Write, report: &PolicyDiff) -> std::io::Result<()> {
    let widened = report.changes.iter().filter(|c| c.widens).count();
    let verdict = if report.widens { "**widens access**" } else { "does not widen access" };
    writeln!(out, "### netclaw policy diff: {verdict}\n")?;
    if report.changes.is_empty() {
        return writeln!(out, "No change in what any audience may do.");
    }
    writeln!(out, "{} change(s), {widened} widening.\n", report.changes.len())?;
    writeln!(out, "| | audience | what | change | because of |")?;
    writeln!(out, "|---|---|---|---|---|")?;
    let mut rows: Vec<_> = report.changes.iter().collect();
    rows.sort_by_key(|c| !c.widens);
    for change in rows {
        let sign = if change.widens { "⚠️ widens" } else { "narrows" };
        let audience = change.audience.map_or("", |a| a.as_str());
        let what = match (change.from, change.to) {
            (Some(from), Some(to)) => format!("{} → {}", from.as_str(), to.as_str()),
            _ => format!("{:?}", change.kind).to_lowercase(),
        };
        let cell = |text: &str| text.replace('|', "\\|");
        let sources = change.sources.iter().map(|s| format!("`{}`", cell(s))).collect::<Vec<_>>().join(", ");
        writeln!(out, "| {sign} | {audience} | `{}` | {what} | {sources} |", cell(&change.subject))?;
    }
    Ok(())
}
