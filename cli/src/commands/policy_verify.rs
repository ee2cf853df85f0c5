//! `netclaw policy verify`: the guide's invariants, proved on the home's compiled set.

use std::io::Write;

use std::time::Duration;

use netclaw_engine::{
    Counterexample, EnvVar, Home, Invariants, ProofCache, ProofStatus, Prover, VerifyError, VerifyReport,
};

use super::policy::compiled;
use crate::args::Format;
use crate::exit::Exit;

pub fn run(home: &Home, env: &[EnvVar], format: Format, timeout: Duration) -> Exit {
    let policy = match compiled(home, env) {
        Ok(policy) => policy,
        Err(exit) => return exit,
    };
    let invariants = match Invariants::of(&policy) {
        Ok(invariants) => invariants,
        Err(err) => return unproved(&err),
    };
    let report = match Prover::start(timeout).and_then(|mut prover| invariants.prove(&mut prover)) {
        Ok(report) => report,
        Err(err) => return unproved(&err),
    };
    // Always proved here; remembered so that `doctor` on the same set need not prove again.
    if let Some((cache, question)) = proof_cache().zip(invariants.question()) {
        let _ = cache.remember(&question, &report, std::time::SystemTime::now());
    }
    if let Err(exit) = crate::output::emit(format, &report, |out| write_text(out, &report)) {
        return exit;
    }
    match report.status {
        ProofStatus::Proved => Exit::Ok,
        ProofStatus::Failed => Exit::Failed,
        ProofStatus::Undecided => {
            eprintln!(
                "error: the solver could not decide every property within {} s each; nothing was passed",
                timeout.as_secs()
            );
            Exit::IoError
        }
    }
}

/// Where proofs are remembered (`NETCLAW_PROOF_CACHE`, `off` for nowhere).
pub fn proof_cache() -> Option<ProofCache> {
    ProofCache::from_env(|name| std::env::var(name).ok())
}

/// Nothing was proved: never a pass (exit 70, the "could not run" code).
pub fn unproved(err: &VerifyError) -> Exit {
    eprintln!("error: {err} [{}]", err.code());
    Exit::IoError
}

fn write_text(out: &mut dyn Write, report: &VerifyReport) -> std::io::Result<()> {
    for property in &report.properties {
        let mark = match property.status {
            ProofStatus::Proved => "proved",
            ProofStatus::Failed => "FAILED",
            ProofStatus::Undecided => "UNKNOWN",
        };
        writeln!(out, "{mark:<7} {:<34} {} ({} ms)", property.id, property.title, property.elapsed_ms)?;
        if !property.policies.is_empty() {
            writeln!(out, "        policies: {}", property.policies.join(", "))?;
        }
        for example in &property.counterexamples {
            write_counterexample(out, example)?;
        }
    }
    let proven = report.properties.iter().filter(|p| p.status == ProofStatus::Proved).count();
    writeln!(out, "\n{proven} of {} properties proved in {} ms", report.properties.len(), report.elapsed_ms)
}

pub fn write_counterexample(out: &mut dyn Write, example: &Counterexample) -> std::io::Result<()> {
    writeln!(out, "        counterexample ({}): {}", example.action, example.request)?;
    if !example.allowed_by.is_empty() {
        writeln!(out, "          allowed by: {}", example.allowed_by.join(", "))?;
    }
    if let Some(compared) = &example.compared {
        writeln!(out, "          {compared}")?;
    }
    for fact in &example.facts {
        writeln!(out, "          and: {fact}")?;
    }
    writeln!(out, "          run: echo '{}' | netclaw authorize", example.request)
}
