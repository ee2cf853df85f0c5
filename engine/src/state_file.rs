//! Writing a state file so that a crash leaves either the old file or the new one,
//! never half of each, and never a moment when a credential file is world-readable.
//!
//! The temporary file is created beside the target with the target's mode already set
//! (not chmod-ed afterwards), synced, renamed over the target, and the directory synced
//! so the rename itself survives a power cut. Its name starts with the target's name
//! (`secrets.json.tmp-…`), so the protected-path rules that cover the target cover it.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;

static TEMPORARIES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Replaces `path` with `bytes`, atomically, with permission bits `mode`.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8], mode: u32) -> io::Result<()> {
    let dir = path.parent().ok_or_else(|| io::Error::other("a state file needs a directory"))?;
    let name = path.file_name().ok_or_else(|| io::Error::other("a state file needs a name"))?;
    // Unique per process and per write: two threads writing one file never share a temporary.
    let unique = TEMPORARIES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let temp = dir.join(format!("{}.tmp-{}-{unique}", name.to_string_lossy(), std::process::id()));
    let written = (|| {
        let mut file = OpenOptions::new().write(true).create_new(true).mode(mode).open(&temp)?;
        // The umask may have masked bits off `mode`; set exactly what was asked.
        file.set_permissions(fs::Permissions::from_mode(mode))?;
        file.write_all(bytes)?;
        file.sync_all()?;
        fs::rename(&temp, path)
    })();
    if written.is_err() {
        let _ = fs::remove_file(&temp);
    }
    written?;
    File::open(dir)?.sync_all()
}

/// The permission bits of `path`, if it exists.
pub(crate) fn mode_of(path: &Path) -> Option<u32> {
    fs::metadata(path).ok().map(|meta| meta.permissions().mode() & 0o7777)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_the_file_with_the_mode_asked_and_leaves_no_temporary() -> io::Result<()> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("secrets.json");
        fs::write(&path, "old")?;
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644))?;
        write_atomic(&path, b"new", 0o600)?;
        assert_eq!(fs::read_to_string(&path)?, "new");
        assert_eq!(mode_of(&path), Some(0o600));
        assert_eq!(fs::read_dir(dir.path())?.count(), 1, "no temporary left behind");
        Ok(())
    }
}
