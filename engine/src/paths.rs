//! Protected paths: the files an agent may never read or write, whatever it is granted.
//!
//! Writes are denied to the config directory, `keys/`, `netclaw.db*` and pid/lock
//! files; reads to `secrets.json`, `config/webhooks/`, `keys/` and `netclaw.db*`.
//! Paths are compared after `~` expansion, `..` removal and — where the file exists —
//! symlink resolution, so `/tmp/link → ~/.netclaw/keys` is caught too.

use std::path::{Component, Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Read,
    Write,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Shape {
    /// This exact file.
    File(PathBuf),
    /// This directory and everything under it.
    Tree(PathBuf),
    /// Files in `dir` whose name starts with `prefix` (`netclaw.db`, `netclaw.db-wal`).
    NamePrefix { dir: PathBuf, prefix: &'static str },
    /// Files in `dir` whose name ends with one of `suffixes` (`.pid`, `.lock`).
    NameSuffix { dir: PathBuf, suffixes: &'static [&'static str] },
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Protected {
    shape: Shape,
    read: bool,
    write: bool,
    /// What it is, for messages (`secrets.json`).
    label: &'static str,
}

/// The protected paths of one home.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProtectedPaths {
    home: PathBuf,
    user_home: Option<PathBuf>,
    entries: Vec<Protected>,
}

impl ProtectedPaths {
    /// `home` is netclaw's home; `user_home` is what `~` and `$HOME` mean.
    pub fn new(home: &Path, user_home: Option<&Path>) -> Self {
        let home = canonical(&absolute(home));
        let config = home.join("config");
        let entry = |shape, read, write, label| Protected { shape, read, write, label };
        let entries = vec![
            entry(Shape::File(config.join("secrets.json")), true, true, "secrets.json"),
            entry(Shape::Tree(config.join("webhooks")), true, true, "config/webhooks/"),
            entry(Shape::Tree(config.clone()), false, true, "the config directory"),
            entry(Shape::Tree(home.join("keys")), true, true, "keys/"),
            entry(Shape::NamePrefix { dir: home.clone(), prefix: "netclaw.db" }, true, true, "netclaw.db"),
            entry(
                Shape::NameSuffix { dir: home.clone(), suffixes: &[".pid", ".lock"] },
                false,
                true,
                "a pid or lock file",
            ),
        ];
        Self { home, user_home: user_home.map(Path::to_path_buf), entries }
    }

    pub fn home(&self) -> &Path {
        &self.home
    }

    pub fn user_home(&self) -> Option<&Path> {
        self.user_home.as_deref()
    }

    /// The protected thing `path` (already resolved) is, for this access, if any.
    pub fn denies(&self, path: &Path, access: Access) -> Option<&'static str> {
        self.entries
            .iter()
            .filter(|p| match access {
                Access::Read => p.read,
                Access::Write => p.write,
            })
            .find(|p| p.shape.contains(path))
            .map(|p| p.label)
    }

    /// A directory inside the home that holds read-protected files (the home itself,
    /// `config/`): reading it recursively would read them.
    pub fn holds_protected(&self, path: &Path) -> Option<&'static str> {
        if !path.starts_with(&self.home) {
            return None;
        }
        self.entries.iter().filter(|p| p.read).find(|p| p.shape.root().starts_with(path)).map(|p| p.label)
    }

    /// `raw` as an absolute, lexically normalised path: `~`/`$HOME` (when
    /// `home_relative`) is the user's home, relative paths are under `cwd`. `None`
    /// when there is no way to know where it points.
    pub fn resolve(&self, raw: &str, home_relative: bool, cwd: Option<&Path>) -> Option<PathBuf> {
        let joined = if home_relative {
            self.user_home.as_ref()?.join(raw.trim_start_matches('/'))
        } else if Path::new(raw).is_absolute() {
            PathBuf::from(raw)
        } else {
            cwd?.join(raw)
        };
        Some(normalize(&joined))
    }
}

impl Shape {
    fn contains(&self, path: &Path) -> bool {
        match self {
            Shape::File(file) => path == file,
            Shape::Tree(root) => path.starts_with(root),
            Shape::NamePrefix { dir, prefix } => {
                path.parent() == Some(dir.as_path()) && file_name(path).is_some_and(|n| n.starts_with(prefix))
            }
            Shape::NameSuffix { dir, suffixes } => {
                path.parent() == Some(dir.as_path())
                    && file_name(path).is_some_and(|n| suffixes.iter().any(|s| n.ends_with(s)))
            }
        }
    }

    fn root(&self) -> &Path {
        match self {
            Shape::File(path) | Shape::Tree(path) => path,
            Shape::NamePrefix { dir, .. } | Shape::NameSuffix { dir, .. } => dir,
        }
    }
}

fn file_name(path: &Path) -> Option<&str> {
    path.file_name().and_then(|n| n.to_str())
}

/// `.` and `..` removed without touching the file system (`/a/../..` is `/`).
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::ParentDir => {
                if out.parent().is_some() {
                    out.pop();
                }
            }
            Component::CurDir => {}
            other => out.push(other.as_os_str()),
        }
    }
    out
}

fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

/// Symlinks resolved as far as the path exists; the missing tail is kept as written,
/// so a file about to be created still resolves through its (linked) parent.
pub fn canonical(path: &Path) -> PathBuf {
    let mut existing = path.to_path_buf();
    let mut tail = Vec::new();
    loop {
        if let Ok(resolved) = existing.canonicalize() {
            return tail.iter().rev().fold(resolved, |p: PathBuf, name| p.join(name));
        }
        match (existing.file_name().map(ToOwned::to_owned), existing.parent()) {
            (Some(name), Some(parent)) => {
                tail.push(name);
                existing = parent.to_path_buf();
            }
            _ => return path.to_path_buf(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths() -> ProtectedPaths {
        ProtectedPaths::new(Path::new("/srv/me/.netclaw"), Some(Path::new("/srv/me")))
    }

    #[test]
    fn read_and_write_lists_differ() {
        let p = paths();
        let home = Path::new("/srv/me/.netclaw");
        assert_eq!(p.denies(&home.join("config/secrets.json"), Access::Read), Some("secrets.json"));
        assert_eq!(p.denies(&home.join("config/netclaw.json"), Access::Read), None);
        assert_eq!(p.denies(&home.join("config/netclaw.json"), Access::Write), Some("the config directory"));
        assert_eq!(p.denies(&home.join("netclaw.db-wal"), Access::Read), Some("netclaw.db"));
        assert_eq!(p.denies(&home.join("daemon.pid"), Access::Write), Some("a pid or lock file"));
        assert_eq!(p.denies(&home.join("daemon.pid"), Access::Read), None);
        assert_eq!(p.denies(&home.join("keys/a/b"), Access::Read), Some("keys/"));
        assert_eq!(p.denies(Path::new("/srv/me/.netclaw-other/keys"), Access::Read), None);
    }

    #[test]
    fn resolution_expands_home_and_removes_dot_dot() {
        let p = paths();
        let resolved = p.resolve("/.netclaw/x/../keys", true, None);
        assert_eq!(resolved.as_deref(), Some(Path::new("/srv/me/.netclaw/keys")));
        let relative = p.resolve("../config/secrets.json", false, Some(Path::new("/srv/me/.netclaw/keys")));
        assert_eq!(relative.as_deref(), Some(Path::new("/srv/me/.netclaw/config/secrets.json")));
        assert_eq!(p.resolve("x", false, None), None);
    }

    #[test]
    fn directories_holding_protected_files_are_known() {
        let p = paths();
        assert!(p.holds_protected(Path::new("/srv/me/.netclaw")).is_some());
        assert!(p.holds_protected(Path::new("/srv/me/.netclaw/config")).is_some());
        assert!(p.holds_protected(Path::new("/srv/me")).is_none(), "above the home is not flagged");
    }

    /// A link elsewhere that points into the home is the home.
    #[test]
    fn symlinks_are_followed() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let home = dir.path().join("home");
        std::fs::create_dir_all(home.join("keys")).unwrap_or_else(|e| panic!("{e}"));
        let link = dir.path().join("innocent");
        std::os::unix::fs::symlink(home.join("keys"), &link).unwrap_or_else(|e| panic!("{e}"));
        let p = ProtectedPaths::new(&home, None);
        assert_eq!(p.denies(&canonical(&link.join("new-file")), Access::Write), Some("keys/"));
    }
}
