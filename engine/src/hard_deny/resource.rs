//! The resource layer: protected paths named by a shell command or a file tool.
//!
//! A segment names a path in its arguments (also as `--file=P`, `-oP`, `@P`,
//! `file://P`), in its redirections, in the strings it is given (`python -c
//! 'open("…/secrets.json")'`) and in a here-document. Each is resolved against every
//! directory the segment may run in; a glob is matched as a pattern; a relative path
//! under an unknown directory, or under another process's `/proc/PID/cwd`, is matched
//! by its tail.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::{BUILTIN_SOURCE, HardDenyMatch, SegmentRef, ShellEnv};
use crate::decision::Layer;
use crate::paths::{Access, canonical, normalize, proc_cwd, without_proc_root};
use crate::reason::ReasonCode;
use crate::shell::{Invocation, Literal, Segment, ShellWord, Stdin};

/// Commands that only list or inspect names and metadata, never file contents.
const LISTING_COMMANDS: &[&str] = &[
    "ls", "stat", "du", "test", "[", "cd", "pushd", "pwd", "realpath", "dirname", "basename", "file", "tree", "exa",
    "eza",
];
/// Commands that read but never write the files they are given.
const READ_ONLY_COMMANDS: &[&str] = &[
    "cat",
    "less",
    "more",
    "head",
    "tail",
    "grep",
    "egrep",
    "fgrep",
    "rg",
    "ag",
    "jq",
    "wc",
    "diff",
    "cmp",
    "md5sum",
    "sha1sum",
    "sha256sum",
    "sha512sum",
    "b2sum",
    "cksum",
    "bat",
    "nl",
    "od",
    "xxd",
    "hexdump",
    "strings",
    "tac",
    "uniq",
    "cut",
    "tr",
    "column",
    "fold",
    "fmt",
    "look",
    "zcat",
    "zless",
    "bzcat",
    "xzcat",
    "jsonlint",
    "echo",
    "printf",
];
/// Commands that read their files unless an option makes them write in place.
const WRITES_WITH: &[(&str, &[&str])] = &[
    ("sed", &["-i", "--in-place"]),
    ("perl", &["-i", "-pi"]),
    ("awk", &["-i", "inplace"]),
    ("gawk", &["-i", "inplace"]),
    ("sort", &["-o", "--output"]),
    ("yq", &["-i", "--inplace"]),
];

/// How a segment's arguments touch the files they name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Touch {
    List,
    Read,
    Write,
}

fn touch_of(segment: &Segment) -> Touch {
    let Invocation::Command(resolved) = &segment.invocation else { return Touch::Write };
    let name = resolved.name.as_str();
    if LISTING_COMMANDS.contains(&name) {
        return Touch::List;
    }
    if let Some((_, flags)) = WRITES_WITH.iter().find(|(n, _)| *n == name) {
        let args = segment.words.get(resolved.args()..).unwrap_or_default();
        let writes = args
            .iter()
            .filter_map(ShellWord::text)
            .any(|t| flags.iter().any(|f| t == *f || (f.len() == 2 && t.starts_with(f))));
        return if writes { Touch::Write } else { Touch::Read };
    }
    if READ_ONLY_COMMANDS.contains(&crate::shell::unversioned(name)) {
        return Touch::Read;
    }
    Touch::Write
}

/// Resolves paths with the working directories already resolved on disk.
pub(crate) struct Resolver<'e> {
    env: &'e ShellEnv<'e>,
    canonical_dirs: HashMap<PathBuf, PathBuf>,
}

impl<'e> Resolver<'e> {
    pub fn new(env: &'e ShellEnv<'e>) -> Self {
        Self { env, canonical_dirs: HashMap::new() }
    }

    /// The first protected path a segment names.
    pub fn segment(&mut self, segment: &Segment, total: usize) -> Option<HardDenyMatch> {
        let touch = touch_of(segment);
        let redirects =
            segment.redirects.iter().map(|r| (&r.target, if r.writes { Touch::Write } else { Touch::Read }));
        let words = segment.words.iter().map(|w| (w, touch));
        let input = match &segment.stdin {
            Stdin::Text(text) => Some((text, Touch::Read)),
            _ => None,
        };
        let assignments = segment.assignments.iter().map(|w| (w, Touch::Read));
        let named: Vec<(&ShellWord, Touch)> = words.chain(redirects).chain(input).chain(assignments).collect();
        for (word, touch) in named {
            if let Some(label) = self.word(word, touch, segment) {
                return Some(HardDenyMatch {
                    layer: Layer::ResourceHardDeny,
                    rule: "protected-path".to_owned(),
                    category: "protected_path".to_owned(),
                    reason_code: ReasonCode::ShellReferencesProtectedPath,
                    segment: Some(SegmentRef { index: segment.index, total, text: segment.text.clone() }),
                    word: Some(word.raw.clone()),
                    message: format!("`{}` names {label}, which agents may not touch", word.raw),
                    source: BUILTIN_SOURCE.to_owned(),
                });
            }
        }
        None
    }

    fn word(&mut self, word: &ShellWord, touch: Touch, segment: &Segment) -> Option<&'static str> {
        for value in &word.values {
            // A plain name in a directory far from the netclaw home names nothing in it.
            if is_plain_name(value) && !segment.cwd.unknown && !self.cwd_near(segment) {
                continue;
            }
            for (text, home_relative) in path_forms(value) {
                let glob = value.glob.as_deref().filter(|_| text == value.text);
                if let Some(label) = self.text(text, home_relative, glob, touch, segment) {
                    return Some(label);
                }
            }
            // A string holding paths: `python -c 'open("/…/secrets.json")'`.
            if value.text.contains(|c: char| c.is_whitespace() || "\"'(),;=".contains(c)) {
                for token in value.text.split(|c: char| c.is_whitespace() || "\"'(),;=`<>{}[]".contains(c)) {
                    if token.contains('/') || token.contains("netclaw") || token.contains("secrets") {
                        let (rest, home) = home_prefix(token);
                        if let Some(label) = self.text(rest, home, None, touch, segment) {
                            return Some(label);
                        }
                    }
                }
            }
        }
        if let Some(head) = &word.head {
            let paths = self.env.paths;
            for base in self.bases(&head.text, head.home_relative, segment) {
                let relative = if head.home_relative { head.text.trim_start_matches('/') } else { &head.text };
                let prefix = without_proc_root(&normalize(&base.join(relative)));
                let found = paths
                    .denies_prefix(&prefix, Access::Read)
                    .or_else(|| self.writes(touch, || paths.denies_prefix(&prefix, Access::Write)));
                if found.is_some() {
                    return found;
                }
            }
        }
        let tail = word.tail.as_deref()?.trim_start_matches('/');
        self.env
            .paths
            .denies_tail(tail, Access::Read)
            .or_else(|| self.writes(touch, || self.env.paths.denies_tail(tail, Access::Write)))
    }

    fn writes(&self, touch: Touch, check: impl FnOnce() -> Option<&'static str>) -> Option<&'static str> {
        (touch == Touch::Write).then(check).flatten()
    }

    /// One path as written: resolved, matched as a pattern, or matched by its tail.
    fn text(
        &mut self,
        text: &str,
        home_relative: bool,
        glob: Option<&str>,
        touch: Touch,
        segment: &Segment,
    ) -> Option<&'static str> {
        if text.is_empty() && !home_relative {
            return None;
        }
        let paths = self.env.paths;
        // `/proc/self/cwd/x` is `x` where the reader runs; another process's is unknown.
        if let Some((pid, rest)) = proc_cwd(text) {
            if matches!(pid, "self" | "thread-self") {
                return self.text(rest, false, None, touch, segment);
            }
            return paths
                .denies_tail(rest, Access::Read)
                .or_else(|| self.writes(touch, || paths.denies_tail(rest, Access::Write)));
        }
        let bases = self.bases(text, home_relative, segment);
        for base in &bases {
            let found = match glob {
                Some(pattern) => {
                    let pattern = pattern_under(base, pattern, home_relative);
                    paths
                        .denies_pattern(&pattern, Access::Read)
                        .or_else(|| self.writes(touch, || paths.denies_pattern(&pattern, Access::Write)))
                }
                None => {
                    let relative = if home_relative { text.trim_start_matches('/') } else { text };
                    self.path(&base.join(relative), text, touch)
                }
            };
            if found.is_some() {
                return found;
            }
        }
        let relative = !home_relative && !Path::new(text).is_absolute();
        if relative && segment.cwd.unknown {
            let pattern = glob.unwrap_or(text);
            return paths
                .denies_tail(pattern, Access::Read)
                .or_else(|| self.writes(touch, || paths.denies_tail(pattern, Access::Write)));
        }
        None
    }

    /// Whether a directory the segment may run in is in, or above, a protected entry.
    fn cwd_near(&mut self, segment: &Segment) -> bool {
        let dirs: Vec<PathBuf> = segment.cwd.dirs.clone();
        dirs.iter().any(|dir| {
            let resolved = self.canonical_dirs.entry(dir.clone()).or_insert_with(|| canonical(dir)).clone();
            self.env.paths.near(dir) || self.env.paths.near(&resolved)
        })
    }

    /// The directories a path is relative to: the user's home, `/`, or each
    /// working directory the segment may be in (and where each resolves on disk).
    fn bases(&mut self, text: &str, home_relative: bool, segment: &Segment) -> Vec<PathBuf> {
        if home_relative {
            return self.env.paths.user_home().map(Path::to_path_buf).into_iter().collect();
        }
        if Path::new(text).is_absolute() {
            return vec![PathBuf::new()];
        }
        let mut out = Vec::new();
        for dir in &segment.cwd.dirs {
            out.push(dir.clone());
            let resolved = self.canonical_dirs.entry(dir.clone()).or_insert_with(|| canonical(dir)).clone();
            if resolved != *dir {
                out.push(resolved);
            }
        }
        out
    }

    fn path(&self, joined: &Path, text: &str, touch: Touch) -> Option<&'static str> {
        let paths = self.env.paths;
        let lexical = without_proc_root(&normalize(joined));
        let resolved = if text.contains('/') { canonical(&lexical) } else { lexical.clone() };
        [lexical, resolved].iter().find_map(|path| {
            paths
                .denies(path, Access::Read)
                .or_else(|| self.writes(touch, || paths.denies(path, Access::Write)))
                .or_else(|| (touch != Touch::List).then(|| paths.holds_protected(path)).flatten())
        })
    }
}

/// A relative file name with nothing that could reach elsewhere: no `/`, no glob, not
/// `.` or `..`, no `=`, `@` or `:` that a program might split a path from.
fn is_plain_name(value: &Literal) -> bool {
    let text = value.text.as_str();
    !value.home_relative
        && value.glob.is_none()
        && text != "."
        && text != ".."
        && !text.contains(['/', '=', '@', ':', ' ', '\t', '\n', '"', '\''])
}

/// The ways a word can name a path: as itself, after `=` (`--file=P`, with `~`
/// expanded by the program), attached to a short option (`-oP`), after `@` (`curl -d
/// @P`), as a `file://` URL.
fn path_forms(value: &Literal) -> Vec<(&str, bool)> {
    let text = value.text.as_str();
    let mut forms = vec![(text, value.home_relative)];
    if value.home_relative {
        return forms;
    }
    if let Some((_, after)) = text.split_once('=') {
        forms.push(home_prefix(after));
    }
    if text.starts_with('-') && !text.starts_with("--") && text.len() > 2 {
        forms.push(home_prefix(text.get(2..).unwrap_or_default()));
    }
    if let Some(after) = text.strip_prefix('@') {
        forms.push(home_prefix(after));
    }
    if let Some(after) = text.strip_prefix("file://") {
        forms.push((after, false));
    }
    forms
}

/// `~/x` → (`/x`, home-relative), anything else as it is.
fn home_prefix(text: &str) -> (&str, bool) {
    match text.strip_prefix('~') {
        Some(rest) if rest.is_empty() || rest.starts_with('/') => (rest, true),
        _ => (text, false),
    }
}

/// A glob pattern made absolute under `base`, the base's own characters escaped.
fn pattern_under(base: &Path, pattern: &str, home_relative: bool) -> String {
    let escaped: String = base
        .to_string_lossy()
        .chars()
        .flat_map(|c| if matches!(c, '*' | '?' | '[' | ']' | '\\') { vec!['\\', c] } else { vec![c] })
        .collect();
    let pattern = if home_relative { pattern.trim_start_matches('/') } else { pattern };
    if Path::new(pattern).is_absolute() {
        return pattern.to_owned();
    }
    format!("{}/{pattern}", escaped.trim_end_matches('/'))
}

/// The resource layer for a file tool's `path` argument.
pub(crate) fn file_path(tool: &str, path: &str, access: Access, env: &ShellEnv<'_>) -> Option<&'static str> {
    let paths = env.paths;
    let (rest, home_relative) = home_prefix(path);
    let Some(resolved) = paths.resolve(rest, home_relative, env.working_directory) else {
        // Relative, with no working directory: matched by its tail.
        return paths.denies_tail(path, Access::Read).or_else(|| paths.denies_tail(path, access));
    };
    if let Some((_, tail)) = proc_cwd(path) {
        return paths.denies_tail(tail, Access::Read).or_else(|| paths.denies_tail(tail, access));
    }
    let on_disk = canonical(&resolved);
    [resolved, on_disk].iter().find_map(|candidate| {
        paths.denies(candidate, access).or_else(|| {
            // Searching a directory reads every file under it.
            (tool == "file_search").then(|| paths.holds_protected(candidate)).flatten()
        })
    })
}
