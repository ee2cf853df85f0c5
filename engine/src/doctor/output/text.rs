//! Human output: one line per check, its findings indented beneath it.

use std::io::{self, Write};

use super::Emitter;
use crate::doctor::{CheckReport, CheckSeverity, DoctorReport, Finding, FindingSeverity};

#[derive(Debug, Clone, Copy, Default)]
pub struct TextEmitter {
    /// ANSI colours; the caller decides (terminal, `NO_COLOR`).
    pub color: bool,
    /// Only the checks that found something, and the summary.
    pub quiet: bool,
}

const GREEN: &str = "\x1b[32m";
const YELLOW: &str = "\x1b[33m";
const RED: &str = "\x1b[31m";
const DIM: &str = "\x1b[2m";
const RESET: &str = "\x1b[0m";

impl TextEmitter {
    fn paint(&self, color: &str, text: &str) -> String {
        if self.color { format!("{color}{text}{RESET}") } else { text.to_owned() }
    }

    fn check(&self, check: &CheckReport, out: &mut dyn Write) -> io::Result<()> {
        let tag = match check.severity {
            CheckSeverity::Pass => self.paint(GREEN, "[pass]"),
            CheckSeverity::Warn => self.paint(YELLOW, "[warn]"),
            CheckSeverity::Fail => self.paint(RED, "[FAIL]"),
        };
        writeln!(out, "{tag} {:<24} {}", check.name, printable(&check.message))?;
        for finding in &check.findings {
            self.finding(finding, out)?;
        }
        if let Some(remediation) = &check.remediation {
            writeln!(out, "       {}", self.paint(DIM, &format!("fix: {remediation}")))?;
        }
        Ok(())
    }

    fn finding(&self, finding: &Finding, out: &mut dyn Write) -> io::Result<()> {
        let level = match finding.severity {
            FindingSeverity::Error => self.paint(RED, "error"),
            FindingSeverity::Warning => self.paint(YELLOW, "warning"),
        };
        // `file:line:column:` first, as compilers print it, so terminals and editors link it.
        let mut place = printable(&finding.file);
        if let (Some(line), Some(column)) = (finding.line, finding.column) {
            place.push_str(&format!(":{line}:{column}"));
        }
        if !place.is_empty() {
            place.push_str(": ");
        }
        let pointer =
            if finding.pointer.is_empty() { String::new() } else { format!(" {}", printable(&finding.pointer)) };
        writeln!(out, "       {place}{level}[{}]{pointer}: {}", finding.code, printable(&finding.message))?;
        if let Some(help) = &finding.help {
            writeln!(out, "         help: {}", printable(help))?;
        }
        Ok(())
    }
}

/// `text` with control characters escaped: a config value must not be able to move
/// the cursor, erase lines or recolour a terminal or a CI log.
fn printable(text: &str) -> String {
    text.chars().map(|c| if c.is_control() { c.escape_unicode().to_string() } else { c.to_string() }).collect()
}

impl Emitter for TextEmitter {
    fn emit(&self, report: &DoctorReport, out: &mut dyn Write) -> io::Result<()> {
        for check in report.checks.iter().filter(|c| !self.quiet || c.severity != CheckSeverity::Pass) {
            self.check(check, out)?;
        }
        let count = |s| report.checks.iter().filter(|c| c.severity == s).count();
        writeln!(
            out,
            "\n{} checks: {} passed, {} warned, {} failed",
            report.checks.len(),
            count(CheckSeverity::Pass),
            count(CheckSeverity::Warn),
            count(CheckSeverity::Fail)
        )?;
        if report.fix.requested {
            let verb = if report.fix.dry_run { "would change" } else { "changed" };
            writeln!(out, "fix: {verb} {} file(s)", report.fix.changed_files)?;
            for change in &report.fix.changes {
                writeln!(out, "  {}", printable(change))?;
            }
        }
        Ok(())
    }
}
