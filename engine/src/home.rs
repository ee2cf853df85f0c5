//! The home directory and reading its files: the only file-system access the config
//! loader needs, kept at the edge so loading itself is pure and testable.
//!
//! Reads never block and never follow into surprises: only regular files are read
//! (a FIFO named `netclaw.json` would otherwise hang the reader forever), and every
//! failure becomes a located diagnostic instead of an error that stops the run.

use std::fs;
use std::io::{ErrorKind, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::diagnostic::{Diagnostic, Location, Problem};
use crate::secrets::Keyring;

pub(crate) const NETCLAW_JSON: &str = "config/netclaw.json";
pub(crate) const SECRETS_JSON: &str = "config/secrets.json";
pub(crate) const TOOL_APPROVALS_JSON: &str = "config/tool-approvals.json";
pub(crate) const HARD_DENY_OVERRIDES_JSON: &str = "config/hard-deny-overrides.json";
pub(crate) const WEBHOOKS_DIR: &str = "config/webhooks";
/// Key material for secrets at rest.
pub(crate) const KEYS_DIR: &str = "keys";
const CONFIG_DIR: &str = "config";

/// No config file is larger than this; a bigger one is refused before it is read, so a
/// 2 GB file cannot take 4 GB of memory on every load.
const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// Where netclaw keeps its state: `--home`, else `$NETCLAW_HOME`, else `~/.netclaw`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Home {
    root: PathBuf,
}

impl Home {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    /// Resolves the home by the contract's precedence; `None` only when nothing names one
    /// and the user has no home directory.
    pub fn resolve(flag: Option<PathBuf>, env: Option<PathBuf>, user_home: Option<PathBuf>) -> Option<Self> {
        flag.or(env).or_else(|| user_home.map(|h| h.join(".netclaw"))).map(Self::new)
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn path(&self, relative: &str) -> PathBuf {
        self.root.join(relative)
    }
}

/// The outcome of reading one file.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum FileRead {
    /// Absent: the built-in defaults apply.
    Missing,
    Text(String),
    Failed(Diagnostic),
}

/// What a directory entry of `config/webhooks/` is.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct DirEntry {
    pub name: String,
    pub read: FileRead,
}

/// The outcome of listing `config/webhooks/`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum WebhookDir {
    /// Absent: no routes.
    Missing,
    /// Every entry, sorted by name.
    Entries(Vec<DirEntry>),
    Failed(Diagnostic),
}

/// Every file the config loader reads, read once.
#[derive(Debug, Clone, PartialEq)]
pub struct HomeFiles {
    /// Set when the home exists but is not a directory.
    pub(crate) home_problem: Option<Diagnostic>,
    pub(crate) netclaw: FileRead,
    pub(crate) secrets: FileRead,
    pub(crate) tool_approvals: FileRead,
    pub(crate) hard_deny_overrides: FileRead,
    pub(crate) webhooks: WebhookDir,
    /// The keys that open `ENC:` values; shared, never copied.
    pub(crate) keys: Arc<Keyring>,
}

impl HomeFiles {
    /// A home with no files at all: every built-in default applies.
    pub fn empty() -> Self {
        Self {
            home_problem: None,
            netclaw: FileRead::Missing,
            secrets: FileRead::Missing,
            tool_approvals: FileRead::Missing,
            hard_deny_overrides: FileRead::Missing,
            webhooks: WebhookDir::Missing,
            keys: Arc::default(),
        }
    }

    /// The config files a home can have, besides route files under `config/webhooks/`.
    pub const CONFIG_FILES: [&str; 4] = [NETCLAW_JSON, SECRETS_JSON, TOOL_APPROVALS_JSON, HARD_DENY_OVERRIDES_JSON];

    /// Stands in `text` for the home-relative file `relative` (one of
    /// [`HomeFiles::CONFIG_FILES`], or a route under `config/webhooks/`): a config as
    /// committed at some revision. Any other path is ignored.
    pub fn with_file(mut self, relative: &str, text: String) -> Self {
        let read = FileRead::Text(text);
        match relative {
            NETCLAW_JSON => self.netclaw = read,
            SECRETS_JSON => self.secrets = read,
            TOOL_APPROVALS_JSON => self.tool_approvals = read,
            HARD_DENY_OVERRIDES_JSON => self.hard_deny_overrides = read,
            _ => {
                let Some(name) = relative.strip_prefix(WEBHOOKS_DIR).and_then(|n| n.strip_prefix('/')) else {
                    return self;
                };
                if !matches!(self.webhooks, WebhookDir::Entries(_)) {
                    self.webhooks = WebhookDir::Entries(Vec::new());
                }
                if let WebhookDir::Entries(entries) = &mut self.webhooks {
                    entries.push(DirEntry { name: name.to_owned(), read });
                    entries.sort_by(|a, b| a.name.cmp(&b.name));
                }
            }
        }
        self
    }

    /// The same files, opened with `home`'s keys (a route file checked from elsewhere
    /// whose secret is encrypted with this home's key).
    pub(crate) fn with_keys_of(mut self, home: &Home) -> Self {
        self.keys = Arc::new(Keyring::read(home));
        self
    }

    /// Stands in `text` for `config/netclaw.json` (a config under review, a benchmark).
    pub fn with_netclaw(self, text: impl Into<String>) -> Self {
        self.with_file(NETCLAW_JSON, text.into())
    }

    /// Stands in `text` for `config/tool-approvals.json`.
    pub fn with_tool_approvals(self, text: impl Into<String>) -> Self {
        self.with_file(TOOL_APPROVALS_JSON, text.into())
    }

    pub fn read(home: &Home) -> Self {
        let home_problem =
            not_a_directory(home.root(), ".").or_else(|| not_a_directory(&home.path(CONFIG_DIR), CONFIG_DIR));
        // A large home has a thousand route files: they are read while the rest is.
        std::thread::scope(|scope| {
            let webhooks = scope.spawn(|| read_webhooks(home));
            let files = Self {
                home_problem,
                netclaw: read_file(home, NETCLAW_JSON),
                secrets: read_file(home, SECRETS_JSON),
                tool_approvals: read_file(home, TOOL_APPROVALS_JSON),
                hard_deny_overrides: read_file(home, HARD_DENY_OVERRIDES_JSON),
                webhooks: WebhookDir::Missing,
                keys: Arc::new(Keyring::read(home)),
            };
            let webhooks = webhooks.join().unwrap_or_else(|_| {
                WebhookDir::Failed(Diagnostic::unreadable(WEBHOOKS_DIR, "listing the routes failed"))
            });
            Self { webhooks, ..files }
        })
    }
}

/// Why `path`, which exists (perhaps as a dangling link), is not a usable directory.
/// The home or `config/` as a file, or as a link to nowhere, is a broken home (every
/// call denied), never "no config": defaults are for homes that have none.
fn not_a_directory(path: &Path, relative: &str) -> Option<Diagnostic> {
    let problem = match fs::metadata(path) {
        Ok(meta) if meta.is_dir() => return None,
        Ok(_) => Problem::NotADirectory,
        Err(_) if fs::symlink_metadata(path).is_ok() => {
            Problem::Unreadable { reason: "a symbolic link to a missing directory".to_owned() }
        }
        Err(_) => return None,
    };
    Some(Diagnostic::error(Location::file(relative), problem))
}

/// Reads a home-relative file as UTF-8 text, without ever blocking on a special file.
pub(crate) fn read_file(home: &Home, relative: &str) -> FileRead {
    let path = home.path(relative);
    let failed = |problem| FileRead::Failed(Diagnostic::error(Location::file(relative), problem));
    let meta = match fs::metadata(&path) {
        Ok(meta) => meta,
        // A link to nowhere is a config someone meant to have: say so, don't default.
        Err(err) if err.kind() == ErrorKind::NotFound && fs::symlink_metadata(&path).is_ok() => {
            return failed(Problem::Unreadable { reason: "a symbolic link to a missing file".to_owned() });
        }
        // A home that is a file, or a `config` that is one, means the file cannot exist.
        Err(err) if matches!(err.kind(), ErrorKind::NotFound | ErrorKind::NotADirectory) => return FileRead::Missing,
        Err(err) => return failed(Problem::Unreadable { reason: io_reason(&err) }),
    };
    if meta.is_dir() {
        return failed(Problem::NotAFile { found: "a directory" });
    }
    if !meta.is_file() {
        return failed(Problem::NotAFile { found: "a special file (FIFO, socket or device)" });
    }
    // `/proc/kmsg` says it is a regular file and blocks the reader forever.
    let kernel = ["/proc", "/sys", "/dev"];
    if fs::canonicalize(&path).is_ok_and(|real| kernel.iter().any(|k| real.starts_with(k))) {
        return failed(Problem::NotAFile { found: "a kernel file (under /proc, /sys or /dev)" });
    }
    if meta.len() > MAX_FILE_BYTES {
        return failed(Problem::TooLarge { limit: MAX_FILE_BYTES });
    }
    // The size can change between the check and the read: read at most one byte more.
    let mut bytes = Vec::new();
    let read = fs::File::open(&path).and_then(|file| file.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes));
    if let Err(err) = read {
        return failed(Problem::Unreadable { reason: io_reason(&err) });
    }
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return failed(Problem::TooLarge { limit: MAX_FILE_BYTES });
    }
    match String::from_utf8(bytes) {
        Ok(text) => FileRead::Text(text),
        Err(err) => failed(Problem::NotUtf8 { offset: err.utf8_error().valid_up_to() }),
    }
}

fn read_webhooks(home: &Home) -> WebhookDir {
    let dir = home.path(WEBHOOKS_DIR);
    let failed = |problem| WebhookDir::Failed(Diagnostic::error(Location::file(WEBHOOKS_DIR), problem));
    let entries = match fs::read_dir(&dir) {
        Ok(entries) => entries,
        Err(err) if matches!(err.kind(), ErrorKind::NotFound | ErrorKind::NotADirectory) => {
            return if fs::metadata(&dir).is_ok() { failed(Problem::NotADirectory) } else { WebhookDir::Missing };
        }
        Err(err) => return failed(Problem::Unreadable { reason: io_reason(&err) }),
    };
    let mut names = Vec::new();
    for entry in entries {
        match entry {
            Ok(entry) => names.push(entry.file_name().to_string_lossy().into_owned()),
            Err(err) => return failed(Problem::Unreadable { reason: io_reason(&err) }),
        }
    }
    names.sort();
    // A large home has a thousand route files: each core reads half.
    let read =
        |name: &String| DirEntry { name: name.clone(), read: read_file(home, &format!("{WEBHOOKS_DIR}/{name}")) };
    WebhookDir::Entries(crate::cores::on_both_cores(&names, read))
}

/// A path as the path of a URI: bytes other than unreserved ones and `/`
/// percent-encoded (SQLite's `file:` URIs, SARIF artifact locations).
pub(crate) fn uri_path(bytes: &[u8]) -> String {
    let mut out = String::new();
    for byte in bytes {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => out.push(char::from(*byte)),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

/// The OS reason without the path (paths are in the location already).
fn io_reason(err: &std::io::Error) -> String {
    match err.kind() {
        ErrorKind::PermissionDenied => "permission denied".to_owned(),
        kind => kind.to_string(),
    }
}
