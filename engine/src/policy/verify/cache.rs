//! Proofs remembered by what they proved. A report is a function of the policy set,
//! its entities, the properties' bounds and the prover that ran, so an identical
//! question need not go to the solver twice: `doctor` on an unchanged home answers
//! from memory in milliseconds instead of seconds.
//!
//! The cache lives outside the netclaw home (`~/.cache/netclaw/proofs` by default):
//! a home checked into a repository must not be able to carry its own verdict, and
//! only this user's earlier runs can have written there. Entries are trusted only in
//! a directory and a file this user owns and nobody else can read or write (root
//! reads anyone's files: a verdict another user planted, even at mode 600, is not
//! its own); anything else is ignored and the proof runs again. An undecided proof is
//! never remembered.

use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::properties::Property;
use super::{Status, VerifyReport};
use crate::policy::CompiledPolicy;
use crate::state_file::write_atomic;

/// Bumped when what a report means changes without the netclaw version changing.
const FORMAT: &str = "netclaw-proof-cache/1";

/// Where proofs are remembered; `None` from [`ProofCache::from_env`] when turned off.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProofCache {
    dir: PathBuf,
}

/// What a report answers: everything it depends on, hashed ([`question`]). Named
/// once per proof: the recall that misses and the remembering that follows ask the
/// same question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProofQuestion(String);

impl ProofQuestion {
    /// The question `properties` of `policy` answer; `None` when this build's identity
    /// is unknown (nothing is then recalled or kept).
    pub(super) fn of(policy: &CompiledPolicy, properties: &[Property]) -> Option<Self> {
        question(policy, properties).map(Self)
    }
}

/// A report proved before, for exactly this question.
#[derive(Debug, Clone)]
pub struct Remembered {
    pub report: VerifyReport,
    /// RFC 3339, when the solver proved it.
    pub proved_at: String,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Entry {
    question: String,
    proved_at: String,
    report: VerifyReport,
}

impl ProofCache {
    pub fn at(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// `$NETCLAW_PROOF_CACHE` (`off` turns it off), else `$XDG_CACHE_HOME/netclaw/proofs`,
    /// else `$HOME/.cache/netclaw/proofs`. Only absolute paths: a relative one would
    /// put the cache wherever netclaw runs, such as inside a checked-out home.
    pub fn from_env(var: impl Fn(&str) -> Option<String>) -> Option<Self> {
        let set = |name: &str| var(name).filter(|value| !value.is_empty());
        let absolute = |path: PathBuf| path.is_absolute().then_some(path);
        match set("NETCLAW_PROOF_CACHE") {
            Some(value) if value.eq_ignore_ascii_case("off") => None,
            Some(dir) => absolute(PathBuf::from(dir)).map(Self::at),
            None => set("XDG_CACHE_HOME")
                .and_then(|cache| absolute(PathBuf::from(cache)))
                .or_else(|| set("HOME").and_then(|home| absolute(Path::new(&home).join(".cache"))))
                .map(|cache| Self::at(cache.join("netclaw/proofs"))),
        }
    }

    /// The report for `question`, if this cache holds one it can trust.
    pub fn recall(&self, ProofQuestion(question): &ProofQuestion) -> Option<Remembered> {
        if !private(&self.dir) {
            return None;
        }
        let path = self.dir.join(format!("{question}.json"));
        if !private(&path) {
            return None;
        }
        let entry: Entry = serde_json::from_slice(&fs::read(&path).ok()?).ok()?;
        let decided = matches!(entry.report.status, Status::Proved | Status::Failed);
        (entry.question == *question && decided)
            .then_some(Remembered { report: entry.report, proved_at: entry.proved_at })
    }

    /// Keeps `report` as the answer to `question`; an undecided one is not kept.
    pub fn remember(
        &self,
        ProofQuestion(question): &ProofQuestion,
        report: &VerifyReport,
        now: SystemTime,
    ) -> std::io::Result<()> {
        if report.status == Status::Undecided {
            return Ok(());
        }
        fs::create_dir_all(&self.dir)?;
        // Never through a link, nor into another user's directory (a chmod follows links).
        let meta = fs::symlink_metadata(&self.dir)?;
        if !meta.is_dir() || meta.uid() != rustix::process::geteuid().as_raw() {
            return Err(std::io::Error::other("the proof cache is not a directory of this user's"));
        }
        fs::set_permissions(&self.dir, fs::Permissions::from_mode(0o700))?;
        let ms = now.duration_since(UNIX_EPOCH).map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
        let entry =
            Entry { question: question.clone(), proved_at: crate::timestamp::rfc3339(ms), report: report.clone() };
        let bytes = serde_json::to_vec(&entry).map_err(std::io::Error::other)?;
        write_atomic(&self.dir.join(format!("{question}.json")), &bytes, 0o600)
    }
}

/// A file or directory (not a link) of this user's that nobody else can read or write.
fn private(path: &Path) -> bool {
    fs::symlink_metadata(path).is_ok_and(|meta| {
        !meta.file_type().is_symlink()
            && meta.permissions().mode() & 0o077 == 0
            && meta.uid() == rustix::process::geteuid().as_raw()
    })
}

/// The SHA-256 of everything a report depends on: the prover that ran (this build of
/// netclaw), the compiled set's digest and every property with its bound. The digest
/// hashes the text the set is parsed from and its entities; the parsed policies are a
/// function of that text and of the build, so they are not hashed again one by one
/// (that was 5 ms of a cold doctor on a large home). This holds because a compiled
/// set is only ever made by parsing its text (see `CompiledPolicy::policies`); the
/// tests that tamper with a set never ask the cache.
fn question(policy: &CompiledPolicy, properties: &[Property]) -> Option<String> {
    let mut hash = Sha256::new();
    hash.update(FORMAT);
    hash.update(env!("CARGO_PKG_VERSION"));
    hash.update(build_identity()?);
    hash.update(policy.digest());
    for property in properties {
        hash.update(Property::fingerprint(property));
    }
    Some(hash.finalize().iter().map(|byte| format!("{byte:02x}")).collect())
}

/// The running executable's size and modification time: a rebuilt prover (a fix to
/// it, at the same version) never reuses an older build's verdicts. Unknown, nothing
/// is remembered.
fn build_identity() -> Option<String> {
    let meta = std::env::current_exe().and_then(fs::metadata).ok()?;
    Some(format!("{}:{:?}", meta.len(), meta.modified().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn from(vars: &[(&str, &str)]) -> Option<PathBuf> {
        ProofCache::from_env(|name| vars.iter().find(|(n, _)| *n == name).map(|(_, v)| (*v).to_owned()))
            .map(|cache| cache.dir)
    }

    #[test]
    fn the_cache_is_found_in_absolute_places_only() {
        assert_eq!(from(&[("NETCLAW_PROOF_CACHE", "/c"), ("HOME", "/h")]), Some(PathBuf::from("/c")));
        assert_eq!(from(&[("XDG_CACHE_HOME", "/x"), ("HOME", "/h")]), Some(PathBuf::from("/x/netclaw/proofs")));
        assert_eq!(from(&[("HOME", "/h")]), Some(PathBuf::from("/h/.cache/netclaw/proofs")));
        for off in ["off", "OFF", "Off"] {
            assert_eq!(from(&[("NETCLAW_PROOF_CACHE", off), ("HOME", "/h")]), None, "{off}");
        }
        assert_eq!(from(&[("NETCLAW_PROOF_CACHE", ".proofs"), ("HOME", "/h")]), None);
        // A relative XDG_CACHE_HOME is ignored, as the XDG spec says, in favour of HOME.
        assert_eq!(
            from(&[("XDG_CACHE_HOME", "cache"), ("HOME", "/h")]),
            Some(PathBuf::from("/h/.cache/netclaw/proofs"))
        );
        assert_eq!(from(&[("HOME", "relative")]), None);
    }
}
