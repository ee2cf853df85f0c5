//! `netclaw redact`: stdin to stdout, secrets replaced, in bounded memory.

use std::io::{self, BufWriter};

use netclaw_engine::redact_stream;

use crate::exit::Exit;

pub fn run() -> Exit {
    let mut output = BufWriter::with_capacity(64 * 1024, io::stdout().lock());
    match redact_stream(&mut io::stdin().lock(), &mut output) {
        Ok(_) => Exit::Ok,
        // A closed pipe downstream (`netclaw redact | head`) is not a failure to report.
        Err(err) if err.kind() == io::ErrorKind::BrokenPipe => Exit::Ok,
        Err(err) => {
            eprintln!("error: redact: {err}");
            Exit::IoError
        }
    }
}
