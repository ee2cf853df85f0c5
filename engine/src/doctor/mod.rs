//! `netclaw doctor`: diagnostic checks over a home.
//!
//! One module per check under `checks/`, each implementing [`Check`], all listed once
//! in [`CHECKS`]. A check only reads the already-loaded home ([`DoctorContext`]), so
//! files are read and parsed once however many checks look at them.

mod checks;
pub(crate) mod output;
mod report;

use crate::config::HomeConfig;
use crate::home::HomeFiles;
use crate::paths::ProtectedPaths;

pub use report::FixSummary;
pub(crate) use report::{CheckReport, CheckSeverity, DoctorReport, Finding, FindingSeverity};

/// What every check sees.
#[derive(Debug)]
pub struct DoctorContext<'a> {
    pub files: &'a HomeFiles,
    pub config: &'a HomeConfig,
    /// Where the protected paths are, for the checks that compile the policies.
    pub paths: &'a ProtectedPaths,
}

/// What one check concluded, before the registry stamps its name and id on it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct CheckOutcome {
    pub message: String,
    pub remediation: Option<String>,
    pub findings: Vec<Finding>,
}

impl CheckOutcome {
    /// For a check that reads the effective config when there is none: Config Schema
    /// already fails and says why.
    fn skipped() -> Self {
        Self {
            message: "skipped: the configuration is invalid (see Config Schema)".to_owned(),
            remediation: None,
            findings: Vec::new(),
        }
    }
}

pub(crate) trait Check: Sync {
    /// Stable kebab-case id (`config-schema`), accepted by `--only`.
    fn id(&self) -> &'static str;
    /// netclaw's display name (`Config Schema`), also accepted by `--only`.
    fn name(&self) -> &'static str;
    fn run(&self, context: &DoctorContext<'_>) -> CheckOutcome;
}

/// Every check, in the order they run and print.
pub(crate) const CHECKS: &[&dyn Check] = &[
    &checks::ConfigSchema,
    &checks::SlackAcl,
    &checks::ToolAudienceProfiles,
    &checks::InboundWebhookRoutes,
    &checks::PolicyInvariants,
];

/// `--only` named a check that does not exist.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown check `{name}`; known checks: {known}")]
pub struct UnknownCheck {
    pub name: String,
    pub known: String,
}

/// Runs the checks `only` names (by id or name, case-insensitively), or all of them,
/// but those `skip` names.
pub fn run(
    context: &DoctorContext<'_>,
    only: &[String],
    skip: &[String],
    fix: FixSummary,
) -> Result<DoctorReport, UnknownCheck> {
    let skipped = named(skip)?;
    let mut selected = if only.is_empty() { CHECKS.to_vec() } else { named(only)? };
    selected.retain(|check| !skipped.iter().any(|s| s.id() == check.id()));
    let reports = selected
        .into_iter()
        .map(|check| {
            let outcome = check.run(context);
            CheckReport {
                name: check.name().to_owned(),
                id: check.id().to_owned(),
                severity: CheckReport::severity_of(&outcome.findings),
                message: outcome.message,
                remediation: outcome.remediation,
                findings: outcome.findings,
            }
        })
        .collect();
    Ok(DoctorReport::new(reports, fix))
}

/// The checks `names` names, in registry order whatever order they came in.
fn named(names: &[String]) -> Result<Vec<&'static dyn Check>, UnknownCheck> {
    let known = || CHECKS.iter().map(|c| c.id()).collect::<Vec<_>>().join(", ");
    let mut selected = Vec::new();
    for name in names {
        let check = CHECKS
            .iter()
            .find(|c| c.id().eq_ignore_ascii_case(name) || c.name().eq_ignore_ascii_case(name))
            .ok_or_else(|| UnknownCheck { name: name.clone(), known: known() })?;
        if !selected.iter().any(|s: &&dyn Check| s.id() == check.id()) {
            selected.push(*check);
        }
    }
    // Keep registry order whatever order `--only` used.
    selected.sort_by_key(|s| CHECKS.iter().position(|c| c.id() == s.id()));
    Ok(selected)
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    /// Ids are what CI gates and `--only` use; two checks with one id would be ambiguous.
    #[test]
    fn check_ids_and_names_are_unique_and_kebab_case() {
        let ids: HashSet<_> = CHECKS.iter().map(|c| c.id()).collect();
        let names: HashSet<_> = CHECKS.iter().map(|c| c.name()).collect();
        assert_eq!(ids.len(), CHECKS.len());
        assert_eq!(names.len(), CHECKS.len());
        for id in ids {
            assert!(id.split('-').all(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_lowercase())), "{id}");
        }
    }

    #[test]
    fn only_accepts_ids_and_names_and_rejects_unknown() {
        let by_name = named(&["inbound webhook routes".to_owned(), "config-schema".to_owned()]);
        let ids = by_name.map(|s| s.iter().map(|c| c.id()).collect::<Vec<_>>());
        assert_eq!(ids, Ok(vec!["config-schema", "inbound-webhook-routes"]));
        assert!(named(&["nope".to_owned()]).is_err());
    }
}
