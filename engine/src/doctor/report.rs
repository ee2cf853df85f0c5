//! The doctor report: the document `netclaw doctor --format json` prints and CI gates on.

use schemars::JsonSchema;
use serde::Serialize;

use crate::diagnostic::{Diagnostic, Location, Severity};

#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(title = "doctor report")]
pub struct DoctorReport {
    /// 0 all pass, 1 any fail, 2 warnings only; also the process exit code.
    #[schemars(range(min = 0, max = 2))]
    pub exit_code: u8,
    pub checks: Vec<CheckReport>,
    pub fix: FixSummary,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum CheckSeverity {
    Pass,
    Warn,
    Fail,
}

#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CheckReport {
    /// netclaw's display name (`Config Schema`).
    pub name: String,
    /// Stable kebab-case id, accepted by `--only`.
    pub id: String,
    pub severity: CheckSeverity,
    pub message: String,
    pub remediation: Option<String>,
    pub findings: Vec<Finding>,
}

#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    /// Stable kebab-case code (`unknown-key`).
    pub code: String,
    pub severity: FindingSeverity,
    /// Home-relative file (`config/netclaw.json`), or `env:NAME` for an environment variable.
    pub file: String,
    /// RFC 6901 pointer into the file, as the file spells its keys; empty for the whole file.
    pub pointer: String,
    pub line: Option<u32>,
    pub column: Option<u32>,
    pub message: String,
    pub help: Option<String>,
}

/// Ordered: a warning is below an error (`--severity-min`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum FindingSeverity {
    Warning,
    Error,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct FixSummary {
    pub requested: bool,
    pub dry_run: bool,
    pub changed_files: u32,
    pub files: Vec<String>,
    /// Each change, as `file: what` (a credential moved is named, never shown).
    pub changes: Vec<String>,
}

impl From<&Diagnostic> for Finding {
    fn from(d: &Diagnostic) -> Self {
        Self {
            code: d.problem.code().to_owned(),
            severity: match d.severity {
                Severity::Warning => FindingSeverity::Warning,
                Severity::Error => FindingSeverity::Error,
            },
            file: d.location.file.clone(),
            pointer: d.location.pointer.clone(),
            line: d.location.line,
            column: d.location.column,
            message: d.problem.to_string(),
            help: d.problem.help(),
        }
    }
}

impl Finding {
    pub(crate) fn error(code: &str, location: Location, message: impl Into<String>) -> Self {
        Self::new(code, FindingSeverity::Error, location, message.into())
    }

    pub(crate) fn warning(code: &str, location: Location, message: impl Into<String>) -> Self {
        Self::new(code, FindingSeverity::Warning, location, message.into())
    }

    fn new(code: &str, severity: FindingSeverity, location: Location, message: String) -> Self {
        Self {
            code: code.to_owned(),
            severity,
            file: location.file,
            pointer: location.pointer,
            line: location.line,
            column: location.column,
            message,
            help: None,
        }
    }

    /// Safe to print: token-shaped values masked, since a check may quote a value
    /// that is a pasted credential.
    pub(crate) fn scrubbed(mut self) -> Self {
        let masked = |text: &str| crate::redaction::redact(text).into_owned();
        self.message = masked(&self.message);
        self.help = self.help.as_deref().map(masked);
        self.pointer = masked(&self.pointer);
        self.file = masked(&self.file);
        self
    }

    pub(crate) fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

impl CheckReport {
    /// The severity the findings imply: any error fails, any warning warns.
    pub fn severity_of(findings: &[Finding]) -> CheckSeverity {
        if findings.iter().any(|f| f.severity == FindingSeverity::Error) {
            CheckSeverity::Fail
        } else if findings.is_empty() {
            CheckSeverity::Pass
        } else {
            CheckSeverity::Warn
        }
    }
}

impl DoctorReport {
    pub fn new(checks: Vec<CheckReport>, fix: FixSummary) -> Self {
        let worst = checks.iter().map(|c| c.severity).max().unwrap_or(CheckSeverity::Pass);
        let exit_code = match worst {
            CheckSeverity::Pass => 0,
            CheckSeverity::Fail => 1,
            CheckSeverity::Warn => 2,
        };
        Self { exit_code, checks, fix }
    }
}
