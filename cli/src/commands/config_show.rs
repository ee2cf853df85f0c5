//! `netclaw config show [--effective]`.

use std::io::Write;

use netclaw_engine::{ConfigEntry, EnvVar, Home, HomeConfig, HomeFiles};

use crate::args::Format;
use crate::exit::Exit;

pub fn run(home: &Home, env: &[EnvVar], effective: bool, format: Format) -> Exit {
    let files = HomeFiles::read(home);
    let loaded = HomeConfig::load(&files, env);
    let listing = match loaded.listing(home, effective) {
        Ok(listing) => listing,
        Err(diagnostics) => {
            eprintln!("error: the configuration is invalid; netclaw denies every tool call until it is fixed");
            for diagnostic in diagnostics {
                eprintln!("  {diagnostic}");
            }
            return Exit::DataError;
        }
    };
    match crate::output::emit(format, &listing, |out| write_text(out, &listing.values, effective)) {
        Ok(()) => Exit::Ok,
        Err(exit) => exit,
    }
}

fn write_text(out: &mut dyn Write, entries: &[ConfigEntry], effective: bool) -> std::io::Result<()> {
    if entries.is_empty() {
        let hint = if effective { "" } else { " (--effective shows the defaults)" };
        return writeln!(out, "nothing is set; built-in defaults apply{hint}");
    }
    let width = entries.iter().map(|e| e.key.len()).max().unwrap_or(0);
    for entry in entries {
        writeln!(out, "{:<width$}  {}  # {}", entry.key, entry.value, entry.source)?;
    }
    Ok(())
}
