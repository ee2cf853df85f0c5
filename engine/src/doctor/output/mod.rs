//! The three doctor output formats behind one trait.

mod json;
mod sarif;
mod text;

use std::io::{self, Write};

use super::DoctorReport;

pub use json::JsonEmitter;
pub use sarif::SarifEmitter;
pub use text::TextEmitter;

pub trait Emitter {
    fn emit(&self, report: &DoctorReport, out: &mut dyn Write) -> io::Result<()>;
}
