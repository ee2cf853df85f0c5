//! A config generation: everything one version of the home's files decides, compiled
//! once and swapped in whole. Requests hold an `Arc` to the generation they started
//! with, so a reload never changes the rules under a request half-way through.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use super::DaemonOptions;
use crate::config::{HomeConfig, NetclawConfig};
use crate::home::{HomeFiles, WEBHOOKS_DIR};
use crate::paths::ProtectedPaths;
use crate::policy::CompiledPolicy;
use crate::webhooks::RouteTable;

#[derive(Debug)]
pub(crate) struct Generation {
    pub number: u64,
    pub policy: CompiledPolicy,
    pub routes: RouteTable,
    /// Shared with every audit record made under this generation.
    pub digest: std::sync::Arc<str>,
    /// The config it was built from (host, port and exposure are read at start only).
    pub config: NetclawConfig,
}

impl Generation {
    /// Loads and compiles the home; `Err` lists every problem, one a line. A route
    /// file that does not load fails the whole generation: serving the other routes
    /// would hide the mistake until a sender's deliveries start failing.
    pub(crate) fn load(options: &DaemonOptions, number: u64) -> Result<Self, Vec<String>> {
        let files = HomeFiles::read(&options.home);
        let home = HomeConfig::load(&files, &options.env);
        let route_errors: Vec<String> =
            home.webhook_routes.diagnostics.iter().filter(|d| d.is_error()).map(ToString::to_string).collect();
        if !route_errors.is_empty() {
            return Err(route_errors);
        }
        let paths = ProtectedPaths::new(options.home.root(), options.user_home.as_deref());
        let policy = CompiledPolicy::compile(&home, paths).map_err(|err| {
            let mut lines = vec![err.to_string()];
            lines.extend(err.diagnostics().iter().map(ToString::to_string));
            lines
        })?;
        let config = home
            .config
            .as_ref()
            .map(|c| c.config.clone())
            .map_err(|d| d.iter().map(ToString::to_string).collect::<Vec<_>>())?;
        Ok(Self { number, digest: policy.digest().into(), routes: RouteTable::from_home(&home), policy, config })
    }
}

pub(crate) type Fingerprint = Vec<(PathBuf, u64, i64, i64, u64)>;

/// What the home's files look like on disk (name, size, modification time, inode):
/// when it changes, a reload is due. Polling this is cheap and works on every file
/// system, where change notifications do not (network mounts, editors that rename).
pub(crate) fn fingerprint(home: &Path) -> Fingerprint {
    let mut seen = Vec::new();
    let mut visit = |path: PathBuf| {
        if let Ok(meta) = std::fs::metadata(&path) {
            seen.push((path, meta.len(), meta.mtime(), meta.mtime_nsec(), meta.ino()));
        }
    };
    for file in HomeFiles::CONFIG_FILES {
        visit(home.join(file));
    }
    for dir in [WEBHOOKS_DIR, "keys"] {
        visit(home.join(dir));
        if let Ok(entries) = std::fs::read_dir(home.join(dir)) {
            let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
            paths.sort();
            paths.into_iter().for_each(&mut visit);
        }
    }
    seen
}
