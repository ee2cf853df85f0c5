//! `netclaw doctor`.

use std::io::Write;

use netclaw_engine::{
    DoctorContext, Emitter, EnvVar, FixSummary, Home, HomeConfig, HomeFiles, JsonEmitter, SarifEmitter, TextEmitter,
    run_doctor,
};

use crate::args::{DoctorArgs, DoctorFormat};
use crate::exit::Exit;

pub fn run(home: &Home, env: &[EnvVar], args: &DoctorArgs) -> Exit {
    let files = HomeFiles::read(home);
    let config = HomeConfig::load(&files, env);
    let paths = super::compiled::protected_paths(home);
    let context = DoctorContext { files: &files, config: &config, paths: &paths };
    let fix = FixSummary { requested: args.fix, dry_run: args.dry_run, ..FixSummary::default() };
    let report = match run_doctor(&context, &args.only, &args.skip, fix) {
        Ok(report) => report,
        Err(err) => {
            eprintln!("error: {err}");
            return Exit::Usage;
        }
    };
    let emitter: Box<dyn Emitter> = match args.format {
        DoctorFormat::Text => Box::new(TextEmitter { color: crate::use_color() }),
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
