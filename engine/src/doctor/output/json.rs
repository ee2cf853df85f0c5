//! The contract's JSON document, pretty-printed; validated against
//! `schemas/doctor-report.schema.json` in tests.

use std::io::{self, Write};

use super::Emitter;
use crate::doctor::DoctorReport;

#[derive(Debug, Clone, Copy, Default)]
pub struct JsonEmitter;

impl Emitter for JsonEmitter {
    fn emit(&self, report: &DoctorReport, out: &mut dyn Write) -> io::Result<()> {
        serde_json::to_writer_pretty(&mut *out, report)?;
        writeln!(out)
    }
}
