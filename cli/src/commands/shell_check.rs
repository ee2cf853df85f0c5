//! `netclaw shell check -- COMMAND`.

use std::io::Write;
use std::path::PathBuf;

use netclaw_engine::{
    EnvVar, HardDenyRules, Home, HomeConfig, HomeFiles, ShellCheckReport, ShellDecision, ShellEnv, check_shell,
};

use crate::args::Format;
use crate::exit::Exit;

pub fn run(home: &Home, env: &[EnvVar], command: &str, cwd: Option<PathBuf>, format: Format) -> Exit {
    let loaded = HomeConfig::load(&HomeFiles::read(home), env);
    let paths = super::compiled::protected_paths(home);
    let cwd = cwd.or_else(|| std::env::current_dir().ok());
    let report = match HardDenyRules::from_home(&loaded) {
        Ok(rules) => {
            let shell_env = ShellEnv { paths: &paths, working_directory: cwd.as_deref() };
            ShellCheckReport::from_verdict(&check_shell(command, &rules, &shell_env))
        }
        Err(diagnostics) => ShellCheckReport::invalid_config(&diagnostics),
    };
    if let Err(exit) = crate::output::emit(format, &report, |out| write_text(out, &report)) {
        return exit;
    }
    match report.decision {
        ShellDecision::Allow => Exit::Ok,
        ShellDecision::Deny => Exit::Failed,
    }
}

fn write_text(out: &mut dyn Write, report: &ShellCheckReport) -> std::io::Result<()> {
    match report.decision {
        ShellDecision::Allow => writeln!(out, "allow: {}", report.message),
        ShellDecision::Deny => {
            writeln!(out, "deny: {}", report.message)?;
            if let Some(code) = report.reason_code {
                writeln!(out, "  reason: {code}")?;
            }
            if let Some(rule) = &report.rule {
                writeln!(out, "  rule:   {rule}")?;
            }
            if let Some(source) = &report.source {
                writeln!(out, "  source: {source}")?;
            }
            Ok(())
        }
    }
}
