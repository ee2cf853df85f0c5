//! Policy Compile: the config compiles to a Cedar policy set that validates strictly
//! against netclaw's schema. The message names the policy count and the digest of the
//! set, so a CI log records exactly which policies were deployed.

use crate::diagnostic::Location;
use crate::doctor::{Check, CheckOutcome, DoctorContext, Finding};
use crate::policy::CompileError;

#[derive(Debug)]
pub(crate) struct PolicyCompile;

impl Check for PolicyCompile {
    fn id(&self) -> &'static str {
        "policy-compile"
    }

    fn name(&self) -> &'static str {
        "Policy Compile"
    }

    fn reads_policies(&self) -> bool {
        true
    }

    fn run(&self, context: &DoctorContext<'_>) -> CheckOutcome {
        let failed = |err: &CompileError| {
            let finding = Finding::error(err.code(), Location::file(""), err.to_string())
                .with_help("until it compiles, netclaw denies every tool call");
            CheckOutcome::found(vec![finding], "", "fix the error; `netclaw policy compile` shows it in full")
        };
        match context.compiled() {
            Err(CompileError::InvalidConfig(_) | CompileError::ApprovalStore(_)) => CheckOutcome::skipped(),
            Err(err) => failed(err),
            Ok(policy) => CheckOutcome::note(format!(
                "{} policies in {} slices, validated strictly; {}",
                policy.policy_count(),
                policy.slice_count(),
                policy.digest()
            )),
        }
    }
}
