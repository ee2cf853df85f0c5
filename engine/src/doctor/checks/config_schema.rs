//! Config Schema: `netclaw.json`, `secrets.json`, `tool-approvals.json`,
//! `hard-deny-overrides.json` and `NETCLAW_*` variables against their schemas.
//!
//! Any finding here means netclaw refuses to run tool calls (fail closed), so every
//! finding is a failure, never a warning.

use crate::config::Checked;
use crate::diagnostic::Diagnostic;
use crate::doctor::{Check, CheckOutcome, DoctorContext, Finding};
use crate::home::{FileRead, HARD_DENY_OVERRIDES_JSON, NETCLAW_JSON, SECRETS_JSON, TOOL_APPROVALS_JSON};

#[derive(Debug)]
pub(crate) struct ConfigSchema;

impl Check for ConfigSchema {
    fn id(&self) -> &'static str {
        "config-schema"
    }

    fn name(&self) -> &'static str {
        "Config Schema"
    }

    fn run(&self, context: &DoctorContext<'_>) -> CheckOutcome {
        let config = context.config;
        let mut diagnostics: Vec<&Diagnostic> = Vec::new();
        if let Some(problem) = &config.home_problem {
            diagnostics.push(problem);
        } else {
            diagnostics.extend(errors(&config.config));
            diagnostics.extend(errors(&config.tool_approvals));
            diagnostics.extend(errors(&config.hard_deny_overrides));
        }
        let findings: Vec<Finding> = diagnostics.into_iter().map(Finding::from).collect();
        if findings.is_empty() {
            return CheckOutcome::note(summary(context));
        }
        let files = distinct_files(&findings);
        CheckOutcome {
            message: format!("{} problem(s) in {}", findings.len(), files.join(", ")),
            remediation: Some(
                "fix each finding; until then netclaw denies every tool call rather than fall back to defaults"
                    .to_owned(),
            ),
            findings,
            fixes: Vec::new(),
        }
    }
}

fn errors<T>(checked: &Checked<T>) -> &[Diagnostic] {
    checked.as_ref().err().map_or(&[], Vec::as_slice)
}

/// Which files were validated and which are absent (built-in defaults).
fn summary(context: &DoctorContext<'_>) -> String {
    let files = context.files;
    let all = [
        (NETCLAW_JSON, &files.netclaw),
        (SECRETS_JSON, &files.secrets),
        (TOOL_APPROVALS_JSON, &files.tool_approvals),
        (HARD_DENY_OVERRIDES_JSON, &files.hard_deny_overrides),
    ];
    let name = |path: &str| path.rsplit('/').next().unwrap_or(path).to_owned();
    let (present, absent): (Vec<_>, Vec<_>) = all.iter().partition(|(_, read)| matches!(read, FileRead::Text(_)));
    let present: Vec<_> = present.iter().map(|(p, _)| name(p)).collect();
    let absent: Vec<_> = absent.iter().map(|(p, _)| name(p)).collect();
    match (present.is_empty(), absent.is_empty()) {
        (true, _) => "no config files; built-in defaults apply".to_owned(),
        (false, true) => format!("valid: {}", present.join(", ")),
        (false, false) => format!("valid: {}; absent (defaults): {}", present.join(", "), absent.join(", ")),
    }
}

fn distinct_files(findings: &[Finding]) -> Vec<String> {
    let mut files: Vec<String> = Vec::new();
    for finding in findings {
        if !files.contains(&finding.file) {
            files.push(finding.file.clone());
        }
    }
    files
}
