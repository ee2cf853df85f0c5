//! The home's compiled policy as every policy command gets it, and the one way a
//! failure to compile is reported.

use std::path::PathBuf;

use netclaw_engine::{CompileError, CompiledPolicy, EnvVar, Home, HomeConfig, HomeFiles, ProtectedPaths};

/// The home's protected paths, with `~` and `$HOME` meaning the user's home directory.
pub fn protected_paths(home: &Home) -> ProtectedPaths {
    let user_home = std::env::var_os("HOME").map(PathBuf::from);
    ProtectedPaths::new(home.root(), user_home.as_deref())
}

pub fn compile(home: &Home, env: &[EnvVar]) -> Result<CompiledPolicy, CompileError> {
    compile_files(home, &HomeFiles::read(home), env)
}

/// Compiles files already read (or assembled, as `policy diff` does for a lone file).
pub fn compile_files(home: &Home, files: &HomeFiles, env: &[EnvVar]) -> Result<CompiledPolicy, CompileError> {
    CompiledPolicy::compile(&HomeConfig::load(files, env), protected_paths(home))
}

/// The error and every diagnostic behind it, on stderr; `subject` names what failed
/// when a command compiles more than one home.
pub fn report(subject: Option<&str>, err: &CompileError) {
    match subject {
        Some(subject) => eprintln!("error: {subject}: {err}"),
        None => eprintln!("error: {err}"),
    }
    for diagnostic in err.diagnostics() {
        eprintln!("  {diagnostic}");
    }
}
