//! Writing a command's result: JSON or text to stdout, nothing else there.

use std::io::{self, Write};

use serde::Serialize;

use crate::args::Format;
use crate::exit::Exit;

/// Writes `value` as pretty JSON, or as `text` renders it; `Err(Exit::IoError)` when
/// stdout cannot be written (a closed pipe, a full disk).
pub fn emit<T: Serialize>(
    format: Format,
    value: &T,
    text: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> Result<(), Exit> {
    let mut stdout = io::stdout().lock();
    let written = match format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut stdout, value).map_err(io::Error::from).and_then(|()| writeln!(stdout))
        }
        Format::Text => text(&mut stdout),
    };
    written.and_then(|()| stdout.flush()).map_err(|_| Exit::IoError)
}
