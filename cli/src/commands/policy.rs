//! `netclaw policy compile|validate`.

use std::io::Write;
use std::path::Path;

use netclaw_engine::{CEDAR_SCHEMA, CompiledPolicy, EnvVar, Home};

use super::compiled::{compile, report};
use crate::exit::Exit;

/// The artifacts, by file name, byte-for-byte deterministic.
fn artifacts(policy: &CompiledPolicy) -> Result<Vec<(&'static str, String)>, String> {
    let text = policy.formatted_text().map_err(|e| e.to_string())?;
    let mut entities = serde_json::to_string_pretty(&policy.entities_json()).map_err(|e| e.to_string())?;
    entities.push('\n');
    Ok(vec![("netclaw.cedar", text), ("netclaw.cedarschema", CEDAR_SCHEMA.to_owned()), ("entities.json", entities)])
}

/// An invalid config is invalid input (65), like a malformed request: exit 1 means
/// "the check failed" (`--check` drift), which a CI gate must be able to tell apart.
pub fn compiled(home: &Home, env: &[EnvVar]) -> Result<CompiledPolicy, Exit> {
    compile(home, env).map_err(|err| {
        report(None, &err);
        Exit::DataError
    })
}

pub fn compile_command(home: &Home, env: &[EnvVar], out: Option<&Path>, check: bool) -> Exit {
    let policy = match compiled(home, env) {
        Ok(policy) => policy,
        Err(exit) => return exit,
    };
    let files = match artifacts(&policy) {
        Ok(files) => files,
        Err(err) => {
            eprintln!("error: {err}");
            return Exit::Failed;
        }
    };
    let Some(dir) = out else {
        let text = files.first().map(|(_, text)| text.as_str()).unwrap_or_default();
        let mut stdout = std::io::stdout().lock();
        return if stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush()).is_ok() {
            Exit::Ok
        } else {
            Exit::IoError
        };
    };
    if check {
        let stale: Vec<&str> = files
            .iter()
            .filter(|(name, text)| std::fs::read_to_string(dir.join(name)).ok().as_deref() != Some(text.as_str()))
            .map(|(name, _)| *name)
            .collect();
        if stale.is_empty() {
            eprintln!("{} is up to date", dir.display());
            return Exit::Ok;
        }
        eprintln!("{} differs from what `netclaw policy compile` writes: {}", dir.display(), stale.join(", "));
        return Exit::Failed;
    }
    if let Err(err) = std::fs::create_dir_all(dir) {
        eprintln!("error: cannot create {}: {err}", dir.display());
        return Exit::IoError;
    }
    for (name, text) in &files {
        if let Err(err) = std::fs::write(dir.join(name), text) {
            eprintln!("error: cannot write {}: {err}", dir.join(name).display());
            return Exit::IoError;
        }
    }
    eprintln!("wrote {} policies to {}", policy.policy_count(), dir.display());
    Exit::Ok
}

/// Compiles and validates the home's policies in strict mode against the schema.
pub fn validate_command(home: &Home, env: &[EnvVar]) -> Exit {
    match compiled(home, env) {
        Ok(policy) => {
            println!(
                "valid: {} policies, {} slices, strict validation against netclaw.cedarschema passed",
                policy.policy_count(),
                policy.slice_count()
            );
            Exit::Ok
        }
        Err(exit) => exit,
    }
}
