//! `netclaw doctor`.

use std::io::Write;

use netclaw_engine::{
    DoctorError, DoctorOptions, Emitter, EnvVar, FindingSeverity, FixMode, Home, JsonEmitter, SarifEmitter,
    TextEmitter, diagnose,
};

use crate::args::{DoctorArgs, DoctorFormat, SeverityMin};
use crate::exit::Exit;

pub fn run(home: &Home, env: &[EnvVar], args: &DoctorArgs) -> Exit {
    let options = DoctorOptions {
        only: args.only.clone(),
        skip: args.skip.clone(),
        severity_min: args.severity_min.map(|min| match min {
            SeverityMin::Warn => FindingSeverity::Warning,
            SeverityMin::Fail => FindingSeverity::Error,
        }),
        fix: match (args.fix, args.dry_run) {
            (false, _) => FixMode::Off,
            (true, true) => FixMode::DryRun,
            (true, false) => FixMode::Apply,
        },
        approval_max_age_days: Some(args.approval_max_age),
        now: None,
        proof_cache: super::policy_verify::proof_cache(),
        exits_after: true,
    };
    let paths = super::compiled::protected_paths(home);
    let report = match diagnose(home, env, &paths, &options) {
        Ok(report) => report,
        Err(err @ (DoctorError::UnknownCheck(_) | DoctorError::NoChecks)) => {
            eprintln!("error: {err}");
            return Exit::Usage;
        }
        Err(err) => {
            eprintln!("error: {err}");
            return Exit::IoError;
        }
    };
    let emitter: Box<dyn Emitter> = match args.format {
        DoctorFormat::Text => Box::new(TextEmitter { color: crate::use_color(), quiet: args.quiet }),
        DoctorFormat::Json => Box::new(JsonEmitter),
        DoctorFormat::Sarif => Box::new(SarifEmitter),
    };
    let mut stdout = std::io::stdout().lock();
    if emitter.emit(&report, &mut stdout).and_then(|()| stdout.flush()).is_err() {
        return Exit::IoError;
    }
    match report.exit_code {
        0 => Exit::Ok,
        2 => Exit::Warnings,
        _ => Exit::Failed,
    }
}
