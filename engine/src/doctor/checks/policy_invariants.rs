//! Policy Invariants: `netclaw policy verify`'s proofs, as a doctor check.
//!
//! A failed property is an error pointing at the config key behind the policy that
//! breaks it; without a solver, or when the solver cannot decide, the check warns
//! that nothing was proved (never a pass). A proof of the identical question made
//! before on this machine is reused, and the message says when it was made.

use std::time::Duration;

use crate::doctor::{Check, CheckOutcome, DoctorContext, Finding, FindingSeverity};
use crate::policy::{
    CompiledPolicy, Invariants, ProofStatus, PropertyResult, Prover, Remembered, SOLVER_INSTALL, VerifyError,
};

/// Per solver query: the example homes prove in well under a second each.
const TIMEOUT: Duration = Duration::from_secs(60);

#[derive(Debug)]
pub(crate) struct PolicyInvariants;

impl Check for PolicyInvariants {
    fn id(&self) -> &'static str {
        "policy-invariants"
    }

    fn name(&self) -> &'static str {
        "Policy Invariants"
    }

    fn reads_policies(&self) -> bool {
        true
    }

    fn run(&self, context: &DoctorContext<'_>) -> CheckOutcome {
        if context.config.config.is_err() {
            return CheckOutcome::skipped();
        }
        let Ok(policy) = context.compiled() else {
            return CheckOutcome::note("skipped: the policies do not compile (see Policy Compile)");
        };
        // The solver starts while the invariants are made: a recalled proof then
        // leaves it unused, which costs the second core a process start.
        let (invariants, prover) = std::thread::scope(|scope| {
            let prover = scope.spawn(|| Prover::start(TIMEOUT));
            let invariants = Invariants::of(policy);
            let panicked = || Err(VerifyError::Solver("starting the solver panicked".into()));
            (invariants, prover.join().unwrap_or_else(|_| panicked()))
        });
        let invariants = match invariants {
            Ok(invariants) => invariants,
            Err(err) => return unproved(&err),
        };
        // Named once: a recall that misses is followed by remembering the answer.
        let cache = context.proof_cache.as_ref().zip(invariants.question());
        if let Some(Remembered { report, proved_at }) =
            cache.as_ref().and_then(|(cache, question)| cache.recall(question))
        {
            return outcome(policy, &report.properties, &format!("cvc5, remembered from {proved_at}"));
        }
        match prover.and_then(|mut prover| invariants.prove(&mut prover)) {
            Ok(report) => {
                // Not remembering only costs the next run its time.
                let _ = cache.map(|(cache, question)| cache.remember(&question, &report, context.now));
                outcome(policy, &report.properties, "cvc5")
            }
            Err(err) => unproved(&err),
        }
    }
}

fn outcome(policy: &CompiledPolicy, properties: &[PropertyResult], prover: &str) -> CheckOutcome {
    let findings: Vec<Finding> =
        properties.iter().filter(|p| p.status != ProofStatus::Proved).map(|p| finding(policy, p)).collect();
    let message = if findings.is_empty() {
        format!("{} properties proved over every request ({prover})", properties.len())
    } else {
        format!("{} of {} properties not proved", findings.len(), properties.len())
    };
    let remediation = (!findings.is_empty())
        .then(|| "run `netclaw policy verify` for every counterexample, then change the key each one names".to_owned());
    CheckOutcome { message, remediation, findings, fixes: Vec::new() }
}

/// A broken property, placed at the config key of the first policy that allows its
/// first counterexample (the key to change).
fn finding(policy: &CompiledPolicy, property: &PropertyResult) -> Finding {
    let example = property.counterexamples.first();
    let source = example
        .and_then(|e| e.allowed_by.iter().find_map(|id| policy.record(id)))
        .map(|record| record.source.clone())
        .filter(|source| source.chars().next().is_some_and(|c| c.is_ascii_uppercase()) && !source.contains(' '));
    let (severity, code, message) = match property.status {
        ProofStatus::Undecided => (
            FindingSeverity::Warning,
            "invariant-undecided",
            format!("{}: the solver could not decide it in time", property.id),
        ),
        _ => {
            let call = example.map_or(String::new(), |e| format!(": {} is allowed", e.request));
            (FindingSeverity::Error, "invariant-violated", format!("{} ({}) fails{call}", property.id, property.title))
        }
    };
    Finding {
        code: code.to_owned(),
        severity,
        file: if source.is_some() { "config/netclaw.json".to_owned() } else { String::new() },
        pointer: source.map(|s| format!("/{}", s.replace('.', "/"))).unwrap_or_default(),
        line: None,
        column: None,
        message,
        help: example.and_then(|e| e.compared.clone()),
    }
}

/// No answer at all: a warning that says why and how to get one.
fn unproved(err: &VerifyError) -> CheckOutcome {
    let (code, help) = match err {
        VerifyError::NoSolver => ("solver-missing", SOLVER_INSTALL.to_owned()),
        _ => ("prover-failed", "run `netclaw policy verify` to see the failure".to_owned()),
    };
    CheckOutcome {
        message: format!("skipped: {err}; the invariants were not proved"),
        remediation: Some(help.clone()),
        findings: vec![Finding {
            code: code.to_owned(),
            severity: FindingSeverity::Warning,
            file: String::new(),
            pointer: String::new(),
            line: None,
            column: None,
            message: format!("the policy invariants were not proved: {err}"),
            help: Some(help),
        }],
        fixes: Vec::new(),
    }
}
