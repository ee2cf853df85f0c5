//! `netclaw scan`: the prompt-injection tripwire over stdin.

use std::io::{self, Write};

use netclaw_engine::{ScanAction, ScanReport, scan_stream};

use crate::args::Format;
use crate::exit::Exit;
use crate::output::emit;

pub fn run(format: Format) -> Exit {
    let report = match scan_stream(&mut io::stdin().lock()) {
        Ok(report) => report,
        Err(err) => {
            eprintln!("error: scan: cannot read stdin: {err}");
            return Exit::IoError;
        }
    };
    if let Err(exit) = emit(format, &report, |out| write_text(out, &report)) {
        return exit;
    }
    match report.action {
        ScanAction::Allow => Exit::Ok,
        ScanAction::Warn => Exit::Suspicious,
        ScanAction::Reject => Exit::Rejected,
    }
}

fn write_text(out: &mut dyn Write, report: &ScanReport) -> io::Result<()> {
    let risk = serde_json::to_value(report.risk).ok();
    let action = serde_json::to_value(report.action).ok();
    let word = |value: &Option<serde_json::Value>| value.as_ref().and_then(|v| v.as_str()).unwrap_or("?").to_owned();
    writeln!(out, "risk: {} ({})", word(&risk), word(&action))?;
    for finding in &report.findings {
        let risk = serde_json::to_value(finding.risk).ok();
        writeln!(out, "  {:<6}  {}  bytes {}..{}", word(&risk), finding.id, finding.start, finding.end)?;
    }
    if report.omitted > 0 {
        writeln!(out, "  … and {} more", report.omitted)?;
    }
    Ok(())
}
