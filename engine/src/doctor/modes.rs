//! File and directory modes of the home's sensitive paths: the one kind of finding a
//! check can always fix by itself (`chmod`), since a tighter mode never changes what
//! netclaw does, only who else can read its secrets.

use crate::diagnostic::Location;
use crate::doctor::{DoctorContext, Finding, Fix};
use crate::state_file::mode_of;

/// A path that must not be open to group or others.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Guarded {
    /// Home-relative.
    pub path: &'static str,
    /// The mode `--fix` sets: 600 for files, 700 for directories.
    pub mode: u32,
    pub code: &'static str,
    /// What the path holds, for the message (`the credentials`).
    pub holds: &'static str,
}

impl Guarded {
    /// A failing finding and its fix when the path exists and group or others have any
    /// access to it; nothing when it is absent or private.
    pub(crate) fn check(&self, context: &DoctorContext<'_>) -> Option<(Finding, Fix)> {
        self.check_path(context, self.path)
    }

    /// The same rule for another path (a file under a guarded directory).
    pub(crate) fn check_path(&self, context: &DoctorContext<'_>, relative: &str) -> Option<(Finding, Fix)> {
        let mode = mode_of(&context.home.path(relative))?;
        if mode & 0o077 == 0 {
            return None;
        }
        let message = format!("`{relative}` is mode {mode:03o}: other users on this machine can reach {}", self.holds);
        let linked = std::fs::symlink_metadata(context.home.path(relative)).is_ok_and(|m| m.file_type().is_symlink());
        let help = if linked {
            format!("it is a symbolic link: chmod {:o} the file it points to (`--fix` leaves links alone)", self.mode)
        } else {
            format!("chmod {:o} {relative}  (or `netclaw doctor --fix`)", self.mode)
        };
        let finding = Finding::error(self.code, Location::file(relative), message).with_help(help);
        Some((finding, Fix::Mode { path: relative.to_owned(), mode: self.mode }))
    }
}
