//! `netclaw`: parse arguments, call the engine, print. No decisions are made here.

mod args;
mod commands;
mod exit;
mod output;

use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;
use clap::error::ErrorKind;
use netclaw_engine::{ENV_PREFIX, EnvVar, Home};

use crate::args::{Cli, Command, ConfigCommand, McpCommand, PolicyCommand, ShellCommand};
use crate::exit::Exit;

/// Shell analysis allocates and frees many small strings per decision; mimalloc does
/// that in about half the time of the system allocator (see `engine/benches/shell.rs`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> Exit {
    small_pages();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            // Help and version go to stdout and succeed; everything else is a usage error.
            let _ = err.print();
            return match err.kind() {
                ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => Exit::Ok,
                _ => Exit::Usage,
            };
        }
    };
    let Some(home) = Home::resolve(cli.home, None, std::env::var_os("HOME").map(PathBuf::from)) else {
        eprintln!("error: no home: pass --home, set NETCLAW_HOME, or set HOME");
        return Exit::IoError;
    };
    let env = netclaw_env();
    match cli.command {
        Command::Doctor(args) => commands::doctor::run(&home, &env, &args),
        Command::Config { command: ConfigCommand::Show { effective, format } } => {
            commands::config_show::run(&home, &env, effective, format)
        }
        Command::Authorize { request, format } => commands::authorize::run(&home, &env, request.as_deref(), format),
        Command::Policy { command: PolicyCommand::Compile { out, check } } => {
            commands::policy::compile_command(&home, &env, out.as_deref(), check)
        }
        Command::Policy { command: PolicyCommand::Validate } => commands::policy::validate_command(&home, &env),
        Command::Policy { command: PolicyCommand::Verify { format, timeout } } => {
            commands::policy_verify::run(&home, &env, format, Duration::from_secs(timeout))
        }
        Command::Policy { command: PolicyCommand::Diff { from, from_git, to, format, prove, timeout } } => {
            let before = match (from, from_git) {
                (Some(path), _) => commands::policy_diff::Before::Path(path),
                (None, Some(reference)) => commands::policy_diff::Before::Git(reference),
                (None, None) => return Exit::Usage,
            };
            commands::policy_diff::run(&before, &to, &env, format, prove.then(|| Duration::from_secs(timeout)))
        }
        Command::Mcp { command: McpCommand::Permissions { audience, format } } => {
            commands::mcp_permissions::run(&home, &env, audience, format)
        }
        Command::Shell { command: ShellCommand::Check { format, cwd, command } } => {
            commands::shell_check::run(&home, &env, &command.join(" "), cwd, format)
        }
        Command::Secrets { command } => commands::secrets::run(&home, command),
        Command::Redact => commands::redact::run(),
        Command::Scan { format } => commands::scan::run(format),
        Command::Approvals { command } => commands::approvals::run(&home, command),
        Command::Audit { command } => commands::audit::run(&home, &env, command),
        Command::Webhooks { command } => commands::webhooks::run(&home, &env, command),
        Command::Daemon { command } => commands::daemon::run(&home, env, command),
    }
}

/// The `NETCLAW_*` variables; a value that is not Unicode is kept as `None` so the
/// loader reports it instead of silently mangling it.
fn netclaw_env() -> Vec<EnvVar> {
    std::env::vars_os()
        .filter_map(|(name, value)| {
            let name = name.into_string().ok()?;
            let prefixed = name.get(..ENV_PREFIX.len())?.eq_ignore_ascii_case(ENV_PREFIX);
            prefixed.then(|| (name, value.into_string().ok()))
        })
        .collect()
}

/// Colour only for a terminal, and never when `NO_COLOR` is set (no-color.org).
pub fn use_color() -> bool {
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// Keeps this process (and the solvers it starts) on small pages. Most of a command's
/// memory is allocated once and soon freed, and on a VM whose host takes back free
/// memory (free page reporting, as cloud hosts do) every fresh transparent huge page
/// is a fault to the host, zeroed whole: 2.2 ms per MB on the 2-core CI machine
/// against 0.4 for small pages, a third of a cold `doctor` on a large home. Where huge
/// pages are cheap (bare metal), small ones cost a few milliseconds more.
fn small_pages() {
    #[cfg(target_os = "linux")]
    // Without it (an old kernel), memory is only slower to get.
    let _ = rustix::thread::disable_transparent_huge_pages(true);
}
