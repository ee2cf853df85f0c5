//! Every exit code `netclaw` uses, in one place (CONTRACT.md §2).

use std::process::{ExitCode, Termination};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Success; doctor: all checks pass.
    Ok,
    /// doctor: a check failed; shell check: denied.
    Failed,
    /// doctor: warnings only.
    Warnings,
    /// scan: medium risk, the text is passed on with a warning.
    Suspicious,
    /// scan: high risk, the text is rejected.
    Rejected,
    /// Unknown flag or bad value. Not clap's 2, which would read as doctor's "warnings".
    Usage,
    /// The input is invalid (a malformed request, a config that fails validation).
    DataError,
    /// An unreadable input or an I/O error.
    IoError,
}

impl Exit {
    pub fn code(self) -> u8 {
        match self {
            Exit::Ok => 0,
            Exit::Failed => 1,
            Exit::Warnings => 2,
            Exit::Suspicious => 1,
            Exit::Rejected => 2,
            Exit::Usage => 64,
            Exit::DataError => 65,
            Exit::IoError => 70,
        }
    }
}

impl Termination for Exit {
    fn report(self) -> ExitCode {
        ExitCode::from(self.code())
    }
}
