//! Protected paths: the files an agent may never read or write, whatever it is granted.
//!
//! Writes are denied to the config directory, `keys/`, `netclaw.db*` and pid/lock
//! files; reads to `secrets.json`, `config/webhooks/`, `keys/` and `netclaw.db*`.
//! Every protected entry is known both as written under the home and as resolved on
//! disk: when `config/` or `secrets.json` is itself a symlink, its target is just as
//! protected. A request's path is compared after `~` expansion, `..` removal,
//! `/proc/*/root` removal and — where the file exists — symlink resolution, so
//! `/tmp/link → ~/.netclaw/keys` is caught too. Paths the shell would glob
//! (`secrets.js?n`) are matched as patterns, and a relative path whose base is unknown
//! is matched by its tail (`config/secrets.json` is protected wherever it is).
//!
//! Matching ignores case: macOS file systems are case-insensitive, so
//! `~/.NETCLAW/KEYS` is the keys directory there. Elsewhere that only ever denies
//! more, never less.

use std::path::{Component, Path, PathBuf};

use crate::glob;

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
    /// As written under the home, and — when that differs — as resolved on disk; each
    /// with the directory inside which a recursive read counts as reading it.
    shapes: Vec<(Shape, PathBuf)>,
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
    /// The directories every protected entry is in, as text: a path neither under one
    /// nor above one cannot be protected, which rules out most words at string speed.
    anchors: Vec<String>,
}

impl ProtectedPaths {
    /// `home` is netclaw's home; `user_home` is what `~` and `$HOME` mean.
    pub fn new(home: &Path, user_home: Option<&Path>) -> Self {
        let lexical = normalize(&absolute(home));
        let resolved = canonical(&lexical);
        let bases: Vec<&Path> = if resolved == lexical { vec![&lexical] } else { vec![&lexical, &resolved] };
        let entry = |make: &dyn Fn(&Path) -> Shape, read, write, label| {
            let mut shapes: Vec<(Shape, PathBuf)> = Vec::new();
            for base in &bases {
                let shape = make(base);
                let on_disk = shape.with_root(canonical(shape.root()));
                let link_dir = on_disk.root().parent().unwrap_or(on_disk.root()).to_path_buf();
                let shape = shape.with_root(lower(shape.root()));
                let linked = links_inside(&on_disk).into_iter().map(|target| {
                    let scope = lower(target.root().parent().unwrap_or(target.root()));
                    (target.with_root(lower(target.root())), scope)
                });
                let own = [(shape, lower(base)), (on_disk.with_root(lower(on_disk.root())), lower(&link_dir))];
                for (shape, scope) in own.into_iter().chain(linked) {
                    if !shapes.iter().any(|(s, _)| *s == shape) {
                        shapes.push((shape, scope));
                    }
                }
            }
            Protected { shapes, read, write, label }
        };
        let entries = vec![
            entry(&|h| Shape::File(h.join("config/secrets.json")), true, true, "secrets.json"),
            // Its backups and temporaries (`secrets.json.bak` from `doctor --fix`) hold
            // the same credentials.
            entry(&|h| Shape::NamePrefix { dir: h.join("config"), prefix: "secrets.json" }, true, true, "secrets.json"),
            entry(&|h| Shape::Tree(h.join("config/webhooks")), true, true, "config/webhooks/"),
            entry(&|h| Shape::Tree(h.join("config")), false, true, "the config directory"),
            entry(&|h| Shape::Tree(h.join("keys")), true, true, "keys/"),
            entry(&|h| Shape::NamePrefix { dir: h.to_path_buf(), prefix: "netclaw.db" }, true, true, "netclaw.db"),
            entry(
                &|h| Shape::NameSuffix { dir: h.to_path_buf(), suffixes: &[".pid", ".lock"] },
                false,
                true,
                "a pid or lock file",
            ),
        ];
        let mut anchors: Vec<String> = entries
            .iter()
            .flat_map(|p| &p.shapes)
            .flat_map(|(shape, scope)| [shape.dir(), scope.as_path()])
            .map(|dir| dir.to_string_lossy().into_owned())
            .collect();
        anchors.sort();
        anchors.dedup();
        Self { home: resolved, user_home: user_home.map(Path::to_path_buf), entries, anchors }
    }

    /// Whether `path` may be, be in, or hold something protected (a cheap first test).
    pub(crate) fn near(&self, path: &Path) -> bool {
        let text = path.as_os_str().as_encoded_bytes();
        let starts = |long: &[u8], short: &[u8]| long.get(..short.len()).is_some_and(|h| h.eq_ignore_ascii_case(short));
        // Anchors are lowercase; a path with non-ASCII letters is compared lowercased.
        if !text.is_ascii() {
            let lower = path.to_string_lossy().to_lowercase();
            return self.anchors.iter().any(|a| lower.starts_with(a.as_str()) || a.starts_with(lower.as_str()));
        }
        self.anchors.iter().any(|a| starts(text, a.as_bytes()) || starts(a.as_bytes(), text))
    }

    pub fn home(&self) -> &Path {
        &self.home
    }

    pub fn user_home(&self) -> Option<&Path> {
        self.user_home.as_deref()
    }

    fn for_access(&self, access: Access) -> impl Iterator<Item = &Protected> {
        self.entries.iter().filter(move |p| match access {
            Access::Read => p.read,
            Access::Write => p.write,
        })
    }

    /// The protected thing `path` (absolute, normalised) is, for this access, if any.
    pub fn denies(&self, path: &Path, access: Access) -> Option<&'static str> {
        if !self.near(path) {
            return None;
        }
        let path = lower(path);
        self.for_access(access).find(|p| p.shapes.iter().any(|(s, _)| s.contains(&path))).map(|p| p.label)
    }

    /// What a glob pattern (absolute, normalised, quoted metacharacters escaped) can
    /// match, for this access.
    pub fn denies_pattern(&self, pattern: &str, access: Access) -> Option<&'static str> {
        let pattern = normalize_pattern(&pattern.to_lowercase());
        let expansions = globstar(components(&pattern));
        self.for_access(access)
            .find(|p| p.shapes.iter().any(|(s, _)| expansions.iter().any(|parts| s.pattern_matches(parts))))
            .map(|p| p.label)
    }

    /// Whether `path` is a directory above something read-protected: what a recursive
    /// read of it (`grep -r`, `tar c`, `cp -r`) would read.
    pub fn above_protected(&self, path: &Path) -> Option<&'static str> {
        self.above(path, Access::Read)
    }

    /// Whether `path` is a protected entry for `access` or a directory above one.
    pub(crate) fn above(&self, path: &Path, access: Access) -> Option<&'static str> {
        if !self.near(path) {
            return None;
        }
        let path = lower(path);
        self.for_access(access).find(|p| p.shapes.iter().any(|(s, _)| s.root().starts_with(&path))).map(|p| p.label)
    }

    /// Whether a glob pattern can match a directory inside the home that holds
    /// read-protected files (`rm -rf ~/.n*`): writing it may replace them.
    pub fn holds_pattern(&self, pattern: &str) -> Option<&'static str> {
        self.pattern_above(pattern, true)
    }

    /// Whether a glob pattern can match a directory above something read-protected
    /// (`tar c ~/.n*`).
    pub fn above_pattern(&self, pattern: &str) -> Option<&'static str> {
        self.pattern_above(pattern, false)
    }

    /// A read-protected entry that a pattern can match a directory above (or, with
    /// `inside_home`, above and inside the netclaw home).
    fn pattern_above(&self, pattern: &str, inside_home: bool) -> Option<&'static str> {
        let pattern = normalize_pattern(&pattern.to_lowercase());
        let expansions = globstar(components(&pattern));
        self.for_access(Access::Read)
            .find(|p| {
                p.shapes.iter().any(|(s, scope)| {
                    let root = s.root().to_string_lossy();
                    let root = components(&root);
                    let scope = scope.to_string_lossy();
                    let shallowest = if inside_home { components(&scope).len() } else { 0 };
                    expansions.iter().any(|parts| {
                        (shallowest..=root.len()).contains(&parts.len())
                            && parts.iter().zip(&root).all(|(p, r)| glob::matches(p, r))
                    })
                })
            })
            .map(|p| p.label)
    }

    /// What a relative path under an unknown directory can be: `config/secrets.json`
    /// is protected wherever it is. `None` when the path does not name the protected
    /// entry itself (`x/y` is not assumed to be inside `keys/`).
    pub fn denies_tail(&self, relative: &str, access: Access) -> Option<&'static str> {
        let relative = relative.to_lowercase();
        let parts = components(&relative);
        if parts.is_empty() || parts.contains(&"..") {
            return None;
        }
        self.for_access(access).find(|p| p.shapes.iter().any(|(s, _)| s.tail_matches(&parts))).map(|p| p.label)
    }

    /// What a path that starts with `prefix` and goes on in a way only known at run time
    /// can name (`~/.netclaw/config/"$F"`): only asked for prefixes inside the netclaw
    /// home, since any path starts with `/`.
    pub fn denies_prefix(&self, prefix: &Path, access: Access) -> Option<&'static str> {
        let prefix = lower(prefix);
        let prefix = prefix.as_path();
        let inside_home = self.entries.iter().flat_map(|p| &p.shapes).any(|(_, scope)| prefix.starts_with(scope));
        if !inside_home {
            return None;
        }
        let text = prefix.to_string_lossy();
        self.for_access(access)
            .find(|p| {
                p.shapes
                    .iter()
                    .any(|(s, _)| s.root().to_string_lossy().starts_with(text.as_ref()) || s.contains(prefix))
            })
            .map(|p| p.label)
    }

    /// A directory inside the home that holds read-protected files (the home itself,
    /// `config/`): reading it recursively would read them.
    pub fn holds_protected(&self, path: &Path) -> Option<&'static str> {
        if !self.near(path) {
            return None;
        }
        let path = lower(path);
        let path = path.as_path();
        self.for_access(Access::Read)
            .find(|p| p.shapes.iter().any(|(s, scope)| s.root().starts_with(path) && path.starts_with(scope)))
            .map(|p| p.label)
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
        Some(without_proc_root(&normalize(&joined)))
    }
}

impl Shape {
    /// The directory the entry is in (for a name pattern, the directory it applies to).
    fn dir(&self) -> &Path {
        match self {
            Shape::File(path) | Shape::Tree(path) => path.parent().unwrap_or(path),
            Shape::NamePrefix { dir, .. } | Shape::NameSuffix { dir, .. } => dir,
        }
    }

    fn root(&self) -> &Path {
        match self {
            Shape::File(path) | Shape::Tree(path) => path,
            Shape::NamePrefix { dir, .. } | Shape::NameSuffix { dir, .. } => dir,
        }
    }

    fn with_root(&self, root: PathBuf) -> Shape {
        match self {
            Shape::File(_) => Shape::File(root),
            Shape::Tree(_) => Shape::Tree(root),
            Shape::NamePrefix { prefix, .. } => Shape::NamePrefix { dir: root, prefix },
            Shape::NameSuffix { suffixes, .. } => Shape::NameSuffix { dir: root, suffixes },
        }
    }

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

    /// Names a pattern's last component must be able to match (one per shape kind).
    fn sample_names(&self) -> Vec<String> {
        match self {
            Shape::File(path) | Shape::Tree(path) => file_name(path).map(str::to_owned).into_iter().collect(),
            Shape::NamePrefix { prefix, .. } => vec![(*prefix).to_owned(), format!("{prefix}-wal")],
            Shape::NameSuffix { suffixes, .. } => {
                suffixes.iter().flat_map(|s| [format!("netclaw{s}"), format!("daemon{s}")]).collect()
            }
        }
    }

    fn dir_parts(&self) -> Vec<String> {
        components(&self.dir().to_string_lossy()).into_iter().map(str::to_owned).collect()
    }

    /// Whether the pattern (absolute components) can name this entry or something in it.
    fn pattern_matches(&self, pattern: &[&str]) -> bool {
        let dir = self.dir_parts();
        let Some((last, parents)) = pattern.split_at_checked(dir.len()).and_then(|(p, rest)| Some((rest.first()?, p)))
        else {
            return false;
        };
        let dir_ok = parents.iter().zip(&dir).all(|(p, d)| glob::matches(p, d));
        let name_ok = self.sample_names().iter().any(|n| glob::matches(last, n));
        let depth_ok = match self {
            Shape::Tree(_) => true,
            _ => pattern.len() == dir.len() + 1,
        };
        dir_ok && name_ok && depth_ok
    }

    /// Whether a relative path under an unknown directory can name this entry: its
    /// components end like the entry's path (for a tree: then go on inside it).
    fn tail_matches(&self, relative: &[&str]) -> bool {
        let full = self.dir_parts();
        let names = self.sample_names();
        (1..=relative.len()).any(|m| {
            let (head, inside) = relative.split_at(m);
            if !inside.is_empty() && !matches!(self, Shape::Tree(_)) {
                return false;
            }
            let Some((name, dirs)) = head.split_last() else { return false };
            let dirs_ok =
                dirs.len() <= full.len() && dirs.iter().rev().zip(full.iter().rev()).all(|(p, d)| glob::matches(p, d));
            let name_ok = names.iter().any(|n| glob::matches(name, n));
            dirs_ok && name_ok
        })
    }
}

/// How deep and how wide [`links_inside`] looks: a protected tree is a handful of files,
/// and a home that is not must not make every compile walk it.
const LINK_SEARCH_DEPTH: usize = 16;
const LINK_SEARCH_ENTRIES: usize = 4096;

/// The targets of symbolic links inside a protected entry (`config/netclaw.json →
/// /etc/netclaw.json`, `keys/master.key → /vault/key`): reading or writing the target is
/// reading or writing the entry, so the target is protected as the entry is.
///
/// Only entries inside the protected entry count against [`LINK_SEARCH_ENTRIES`]
/// (its siblings in the home do not), and a linked directory is searched as well, so
/// a chain of links (`keys/a → T/`, `T/k → U/k`) is followed to its end.
fn links_inside(shape: &Shape) -> Vec<Shape> {
    let mut targets = Vec::new();
    let mut budget = LINK_SEARCH_ENTRIES;
    let mut pending: Vec<(PathBuf, usize, Option<Shape>)> = vec![(shape.dir().to_path_buf(), 0, None)];
    while let Some((dir, depth, within)) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            // At the top, only the entry itself; below it (or in a linked tree), all.
            if within.is_none() && !shape.contains(&path) {
                continue;
            }
            let Some(left) = budget.checked_sub(1) else { return targets };
            budget = left;
            let Ok(kind) = entry.file_type() else { continue };
            if kind.is_symlink() {
                let target = canonical(&path);
                let linked = if target.is_dir() { Shape::Tree(target.clone()) } else { Shape::File(target.clone()) };
                if depth < LINK_SEARCH_DEPTH && linked != *shape && !targets.contains(&linked) && target.is_dir() {
                    pending.push((target, depth + 1, Some(linked.clone())));
                }
                targets.push(linked);
            } else if kind.is_dir() && depth < LINK_SEARCH_DEPTH {
                pending.push((path, depth + 1, Some(shape.clone())));
            }
        }
    }
    targets
}

/// A pattern's components with `**` (globstar) as any number of directories, up to
/// a depth no protected path exceeds below the directories above it.
fn globstar(parts: Vec<&str>) -> Vec<Vec<&str>> {
    let Some(at) = parts.iter().position(|p| *p == "**") else { return vec![parts] };
    (0..=8)
        .map(|n| {
            let mut expanded: Vec<&str> = parts.get(..at).unwrap_or_default().to_vec();
            expanded.extend(std::iter::repeat_n("*", n));
            expanded.extend(parts.get(at + 1..).unwrap_or_default().iter().map(|p| if *p == "**" { "*" } else { p }));
            expanded
        })
        .collect()
}

/// The path in lowercase, for case-insensitive matching.
fn lower(path: &Path) -> PathBuf {
    PathBuf::from(path.to_string_lossy().to_lowercase())
}

fn components(path: &str) -> Vec<&str> {
    path.split('/').filter(|c| !c.is_empty() && *c != ".").collect()
}

fn file_name(path: &Path) -> Option<&str> {
    path.file_name().and_then(|n| n.to_str())
}

/// `~` or `~/…`: the rest of the path and `true`, for paths under the user's home;
/// anything else (`~user`, `a/~`) is returned as it is, with `false`.
pub(crate) fn home_prefix(text: &str) -> (&str, bool) {
    match text.strip_prefix('~') {
        Some(rest) if rest.is_empty() || rest.starts_with('/') => (rest, true),
        _ => (text, false),
    }
}

/// A `ReadFiles` / `WriteFiles` root as the directory it names: `~` expanded, `..`
/// removed, links resolved, as request paths are. `None` for a relative root, which
/// names no directory (the loader refuses those).
pub(crate) fn scope_root(root: &str, user_home: Option<&Path>) -> Option<PathBuf> {
    let path = match home_prefix(root) {
        (rest, true) => user_home?.join(rest.trim_start_matches('/')),
        (root, false) => PathBuf::from(root),
    };
    path.is_absolute().then(|| canonical(&normalize(&path)))
}

/// `.` and `..` removed without touching the file system (`/a/../..` is `/`).
pub(crate) fn normalize(path: &Path) -> PathBuf {
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

/// A glob pattern with `.` and `..` removed lexically, and `/proc/*/root` as `/`.
fn normalize_pattern(pattern: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in pattern.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    if parts.first() == Some(&"proc") && parts.get(2) == Some(&"root") {
        parts.drain(..3);
    }
    format!("/{}", parts.join("/"))
}

/// `/proc/self/root/etc` is `/etc`: every process's root is the same root here.
pub(crate) fn without_proc_root(path: &Path) -> PathBuf {
    let mut parts = path.components();
    let is_proc_root = matches!(
        (parts.next(), parts.next(), parts.next(), parts.next()),
        (Some(Component::RootDir), Some(Component::Normal(p)), Some(Component::Normal(_)), Some(Component::Normal(r)))
            if p == "proc" && r == "root"
    );
    if !is_proc_root {
        return path.to_path_buf();
    }
    Path::new("/").join(parts.as_path())
}

/// `/proc/PID/cwd/…` names a path under a process's working directory: the process
/// (`self` is the one reading the path) and the part after `cwd`.
pub(crate) fn proc_cwd(path: &str) -> Option<(&str, &str)> {
    let rest = path.strip_prefix("/proc/")?;
    let (pid, after) = rest.split_once('/')?;
    Some((pid, after.strip_prefix("cwd/")?))
}

fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

/// How many links [`canonical`] follows by hand, as the kernel's own limit (40).
const MAX_LINK_HOPS: usize = 40;

/// Symlinks resolved as far as the path exists; the missing tail is kept as written,
/// so a file about to be created still resolves through its (linked) parent. A link to
/// something missing is followed too: writing through it creates its target.
pub(crate) fn canonical(path: &Path) -> PathBuf {
    canonical_after(path, 0)
}

fn canonical_after(path: &Path, hops: usize) -> PathBuf {
    let mut existing = path.to_path_buf();
    let mut tail = Vec::new();
    loop {
        if let Ok(resolved) = existing.canonicalize() {
            return tail.iter().rev().fold(resolved, |p: PathBuf, name| p.join(name));
        }
        if hops < MAX_LINK_HOPS
            && let Ok(target) = std::fs::read_link(&existing)
        {
            let base = existing.parent().map(Path::to_path_buf).unwrap_or_default();
            let followed = tail.iter().rev().fold(normalize(&base.join(target)), |p: PathBuf, name| p.join(name));
            return canonical_after(&followed, hops + 1);
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
        assert_eq!(p.denies(&home.join("config/secrets.json.bak"), Access::Read), Some("secrets.json"));
        assert_eq!(p.denies(&home.join("daemon.pid"), Access::Write), Some("a pid or lock file"));
        assert_eq!(p.denies(&home.join("daemon.pid"), Access::Read), None);
        assert_eq!(p.denies(&home.join("keys/a/b"), Access::Read), Some("keys/"));
        assert_eq!(p.denies(Path::new("/srv/me/.netclaw-other/keys"), Access::Read), None);
    }

    /// macOS reaches `keys/` as `KEYS/` too.
    #[test]
    fn matching_ignores_case() {
        let p = paths();
        let home = Path::new("/srv/me/.NETCLAW");
        assert_eq!(p.denies(&home.join("Config/Secrets.JSON"), Access::Read), Some("secrets.json"));
        assert_eq!(p.denies(&home.join("KEYS/a"), Access::Read), Some("keys/"));
        assert_eq!(p.denies_tail("CONFIG/SECRETS.json", Access::Read), Some("secrets.json"));
        assert_eq!(p.denies_pattern("/srv/me/.netclaw/KEYS/*", Access::Read), Some("keys/"));
    }

    #[test]
    fn resolution_expands_home_and_removes_dot_dot_and_proc_root() {
        let p = paths();
        let resolved = p.resolve("/.netclaw/x/../keys", true, None);
        assert_eq!(resolved.as_deref(), Some(Path::new("/srv/me/.netclaw/keys")));
        let relative = p.resolve("../config/secrets.json", false, Some(Path::new("/srv/me/.netclaw/keys")));
        assert_eq!(relative.as_deref(), Some(Path::new("/srv/me/.netclaw/config/secrets.json")));
        assert_eq!(p.resolve("x", false, None), None);
        let proc = p.resolve("/proc/self/root/srv/me/.netclaw/keys", false, None);
        assert_eq!(proc.as_deref(), Some(Path::new("/srv/me/.netclaw/keys")));
        assert_eq!(proc_cwd("/proc/123/cwd/keys/x"), Some(("123", "keys/x")));
    }

    #[test]
    fn patterns_that_can_match_a_protected_path_are_caught() {
        let p = paths();
        assert_eq!(p.denies_pattern("/srv/me/.netclaw/config/secrets.js?n", Access::Read), Some("secrets.json"));
        assert_eq!(p.denies_pattern("/srv/me/.netclaw/k*/x", Access::Read), Some("keys/"));
        assert_eq!(p.denies_pattern("/srv/me/.net*/config/*", Access::Read), Some("secrets.json"));
        assert_eq!(p.denies_pattern("/srv/me/.netclaw/config/*.json", Access::Read), Some("secrets.json"));
        assert_eq!(p.denies_pattern("/srv/me/project/*.json", Access::Read), None);
        assert_eq!(p.denies_pattern("/srv/me/.netclaw/netclaw.d?", Access::Read), Some("netclaw.db"));
        assert_eq!(p.denies_pattern("/srv/me/project/../.netclaw/keys/*", Access::Read), Some("keys/"));
        assert_eq!(p.denies_pattern("/proc/*/root/srv/me/.netclaw/keys/x", Access::Read), Some("keys/"));
        assert_eq!(p.denies_pattern("/srv/**/secrets.json", Access::Read), Some("secrets.json"));
    }

    #[test]
    fn tails_name_protected_paths_wherever_they_are() {
        let p = paths();
        assert_eq!(p.denies_tail("secrets.json", Access::Read), Some("secrets.json"));
        assert_eq!(p.denies_tail("config/secrets.json", Access::Read), Some("secrets.json"));
        assert_eq!(p.denies_tail("keys/master", Access::Read), Some("keys/"));
        assert_eq!(p.denies_tail("other/secrets.json", Access::Read), None);
        assert_eq!(p.denies_tail("notes.md", Access::Read), None);
        assert_eq!(p.denies_tail("../keys", Access::Read), None);
    }

    #[test]
    fn directories_holding_protected_files_are_known() {
        let p = paths();
        assert!(p.holds_protected(Path::new("/srv/me/.netclaw")).is_some());
        assert!(p.holds_protected(Path::new("/srv/me/.netclaw/config")).is_some());
        assert!(p.holds_protected(Path::new("/srv/me")).is_none(), "above the home is not flagged");
        assert!(p.above_protected(Path::new("/srv/me")).is_some(), "but it is above keys/");
        assert!(p.above_protected(Path::new("/srv/me/project")).is_none());
    }

    #[test]
    fn patterns_above_protected_directories_are_known() {
        let p = paths();
        assert!(p.above_pattern("/srv/*").is_some());
        assert!(p.above_pattern("/srv/me/.n*").is_some());
        assert!(p.above_pattern("/srv/me/*.log").is_none());
        assert!(p.holds_pattern("/srv/me/.n*").is_some(), "the netclaw home itself");
        assert!(p.holds_pattern("/srv/*").is_none(), "above the netclaw home");
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

    /// A protected entry that is itself a link protects its target too.
    #[test]
    fn protected_entries_that_are_symlinks_protect_their_targets() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let home = dir.path().join("home");
        let elsewhere = dir.path().join("elsewhere");
        std::fs::create_dir_all(&elsewhere).unwrap_or_else(|e| panic!("{e}"));
        std::fs::create_dir_all(&home).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(elsewhere.join("secrets.json"), "{}").unwrap_or_else(|e| panic!("{e}"));
        std::os::unix::fs::symlink(&elsewhere, home.join("config")).unwrap_or_else(|e| panic!("{e}"));
        let p = ProtectedPaths::new(&home, None);
        let target = canonical(&elsewhere.join("secrets.json"));
        assert_eq!(p.denies(&target, Access::Read), Some("secrets.json"));
        assert_eq!(p.denies(&canonical(&elsewhere).join("netclaw.json"), Access::Write), Some("the config directory"));
    }

    /// A link inside a protected directory makes its target part of it.
    #[test]
    fn links_inside_protected_entries_protect_their_targets() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let home = dir.path().join("home");
        let vault = dir.path().join("vault");
        for d in [home.join("config/webhooks"), home.join("keys"), vault.clone()] {
            std::fs::create_dir_all(d).unwrap_or_else(|e| panic!("{e}"));
        }
        let link = |target: &Path, at: &str| {
            std::fs::write(target, "{}").unwrap_or_else(|e| panic!("{e}"));
            std::os::unix::fs::symlink(target, home.join(at)).unwrap_or_else(|e| panic!("{e}"));
            canonical(target)
        };
        let config = link(&vault.join("netclaw.json"), "config/netclaw.json");
        let key = link(&vault.join("master.key"), "keys/master.key");
        let route = link(&vault.join("github.json"), "config/webhooks/github.json");
        let database = link(&vault.join("audit.db"), "netclaw.db");
        let p = ProtectedPaths::new(&home, None);
        assert_eq!(p.denies(&config, Access::Write), Some("the config directory"));
        assert_eq!(p.denies(&config, Access::Read), None, "the config itself may be read");
        assert_eq!(p.denies(&key, Access::Read), Some("keys/"));
        assert_eq!(p.denies(&route, Access::Read), Some("config/webhooks/"));
        assert_eq!(p.denies(&database, Access::Read), Some("netclaw.db"));
        assert_eq!(p.denies(&canonical(&vault.join("other")), Access::Write), None, "only the targets");
    }
}
