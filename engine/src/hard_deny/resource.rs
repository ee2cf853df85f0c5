//! The resource layer: protected paths a shell command or a file tool names, reads
//! or writes.
//!
//! A segment names a path in its arguments (also as `--file=P`, `-oP`, `@P`, `P:/x`,
//! `file://P`), in its redirections, in the strings it is given (`python -c
//! 'open("…/secrets.json")'`) and in a here-document; how it touches each one comes
//! from `touch`. Each is resolved against every directory the segment may run in
//! (and the ones its options name: `tar -C DIR`); a glob is matched as a pattern; a
//! relative path under an unknown directory is matched by its tail.

use std::path::{Path, PathBuf};

use super::touch::{Touch, touches};
use super::{BUILTIN_SOURCE, HardDenyMatch, SegmentRef, ShellEnv};
use crate::decision::Layer;
use crate::paths::{Access, canonical, home_prefix, normalize, proc_cwd, without_proc_root};
use crate::reason::ReasonCode;
use crate::shell::{Invocation, Literal, Segment, ShellWord, Stdin, command_name};

/// How a command would reach a protected entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reach {
    /// It names an entry agents may not read (naming one is denied outright).
    Names,
    /// It may write an entry agents may not change.
    Writes,
    /// It reads everything under a directory that holds a read-protected entry.
    Holds,
}

type Found = (&'static str, Reach);

/// One word to check: how its command touches it, and the directories besides the
/// working directory a relative path in it may be under.
#[derive(Clone, Copy)]
struct Ask<'s> {
    segment: &'s Segment,
    touch: Touch,
    bases: &'s [PathBuf],
}

/// Resolves paths with the working directories already resolved on disk.
pub(crate) struct Resolver<'e> {
    env: &'e ShellEnv<'e>,
    /// Working directories and where each resolves on disk (a few per check).
    canonical_dirs: Vec<(PathBuf, PathBuf)>,
}

impl<'e> Resolver<'e> {
    pub(super) fn new(env: &'e ShellEnv<'e>) -> Self {
        Self { env, canonical_dirs: Vec::new() }
    }

    /// The first protected path a segment names, reads or writes.
    pub(super) fn segment(&mut self, segment: &Segment, total: usize) -> Option<HardDenyMatch> {
        let (command, start) = match &segment.invocation {
            Invocation::Command(resolved) => (resolved.name.as_str(), resolved.args()),
            _ => ("", segment.words.len()),
        };
        let args = segment.words.get(start..).unwrap_or_default();
        let touched = touches(command, args);
        // The outermost wrapper's words (`docker run -v /:/host img cmd`) as that program
        // takes them; the command word itself is read.
        let lead = segment.words.get(..start).unwrap_or_default();
        let wrapper = match lead {
            [first, options @ .., _] if !command.is_empty() => {
                touches(&command_name(first).unwrap_or_default(), options).args
            }
            _ => Vec::new(),
        };
        let lead = lead.iter().enumerate().map(|(i, w)| {
            let touch = match i.checked_sub(1).and_then(|at| wrapper.get(at)) {
                _ if i + 1 == start && !command.is_empty() => Touch::Read,
                Some(touch) => *touch,
                None => Touch::Any,
            };
            (w, touch)
        });
        let words = lead.chain(args.iter().zip(touched.args.iter().copied()));
        let redirects =
            segment.redirects.iter().map(|r| (&r.target, if r.writes { Touch::Write } else { Touch::Read }));
        let input = match &segment.stdin {
            Stdin::Text(text) => Some((text, Touch::Read)),
            _ => None,
        };
        let assignments = segment.assignments.iter().map(|w| (w, Touch::Name));
        let link_bases = self.link_bases(segment, args, touched.link.as_ref());
        let named: Vec<(usize, &ShellWord, Touch)> =
            words.chain(redirects).chain(input).chain(assignments).enumerate().map(|(i, (w, t))| (i, w, t)).collect();
        for (i, word, touch) in named {
            let targets = touched.link.as_ref().map(|(targets, _)| targets.as_slice()).unwrap_or_default();
            let is_target = i >= start && targets.contains(&(i - start));
            let bases: &[PathBuf] = if is_target { &link_bases } else { &segment.option_dirs };
            if let Some(found) = self.word(word, &Ask { segment, touch, bases }) {
                return Some(denial(segment, total, &word.raw, command, found));
            }
        }
        let touch = touched.cwd?;
        let dirs: Vec<PathBuf> = segment.cwd.dirs.iter().chain(&segment.option_dirs).cloned().collect();
        dirs.iter().find_map(|dir| {
            let found = self.path(dir, touch)?;
            Some(denial(segment, total, &format!("{} (the working directory)", dir.display()), command, found))
        })
    }

    /// `ln -s TARGET LINK`: TARGET is relative to the directory LINK is made in (or,
    /// when LINK is a directory, LINK itself).
    fn link_bases(
        &mut self,
        segment: &Segment,
        args: &[ShellWord],
        link: Option<&(Vec<usize>, Option<usize>)>,
    ) -> Vec<PathBuf> {
        let mut bases = segment.option_dirs.clone();
        let Some((_, Some(at))) = link else { return bases };
        for value in args.get(*at).map(|w| w.values.as_slice()).unwrap_or_default() {
            for base in self.bases(&value.text, value.home_relative, segment, &[]) {
                let relative = if value.home_relative { value.text.trim_start_matches('/') } else { &value.text };
                let link = normalize(&base.join(relative));
                bases.extend(link.parent().map(Path::to_path_buf));
                bases.push(link);
            }
        }
        bases
    }

    fn word(&mut self, word: &ShellWord, ask: &Ask<'_>) -> Option<Found> {
        for value in &word.values {
            // A plain name in a directory far from the netclaw home names nothing in it.
            if is_plain_name(value) && !ask.segment.cwd.unknown && !self.near(ask) {
                continue;
            }
            for form in path_forms(value) {
                let glob = value.glob.as_deref().filter(|_| form.whole);
                // A path found inside a word is only known to be named.
                let touch = match (form.inside, ask.touch) {
                    (true, Touch::ReadTree) => Touch::Read,
                    (true, Touch::Mount) => Touch::Any,
                    (_, touch) => touch,
                };
                let ask = Ask { touch, ..*ask };
                if let Some(found) = self.text(form.text, form.home_relative, glob, form.whole, &ask) {
                    return Some(found);
                }
            }
            // Code joining path parts: `os.path.join(home, ".netclaw", "keys", "id")`.
            if let Some(label) = joined_protected(&value.text) {
                return Some((label, Reach::Names));
            }
            // A string holding paths: `python -c 'open("/…/secrets.json")'`.
            if value.text.contains(|c: char| c.is_whitespace() || "\"'(),;=".contains(c)) {
                for token in value.text.split(|c: char| c.is_whitespace() || "\"'(),;=`<>{}[]".contains(c)) {
                    if token.contains('/') || token.contains("netclaw") || token.contains("secrets") {
                        let (rest, home) = home_prefix(token);
                        if let Some(found) = self.text(rest, home, None, true, ask) {
                            return Some(found);
                        }
                    }
                }
            }
        }
        self.open_word(word, ask)
    }

    /// A word with a part only known at run time: its static start and end.
    fn open_word(&mut self, word: &ShellWord, ask: &Ask<'_>) -> Option<Found> {
        let paths = self.env.paths;
        let tail = word.tail.as_deref();
        if let Some(head) = &word.head {
            // `/proc/$$/root/…` is `/…`; `/proc/$PPID/cwd/…` is under some process's directory.
            if head.text.ends_with("/proc/") && !head.home_relative {
                let after = tail.and_then(|t| t.strip_prefix("/root")).filter(|t| t.starts_with('/'));
                if let Some(found) = after.and_then(|t| self.text(t, false, None, true, ask)) {
                    return Some(found);
                }
                let after = tail.and_then(|t| t.strip_prefix("/cwd/"));
                if let Some(found) =
                    after.and_then(|t| self.text(&format!("/proc/self/cwd/{t}"), false, None, true, ask))
                {
                    return Some(found);
                }
            }
            for base in self.bases(&head.text, head.home_relative, ask.segment, ask.bases) {
                let relative = if head.home_relative { head.text.trim_start_matches('/') } else { &head.text };
                let prefix = without_proc_root(&normalize(&base.join(relative)));
                if let Some(found) = judge(ask.touch, |access| paths.denies_prefix(&prefix, access), || None) {
                    return Some(found);
                }
            }
        }
        let tail = tail?.trim_start_matches('/');
        // `$X/..` reaching a tree: the unknown directory's parent could be the home.
        let climbs = tail.trim_end_matches('/').rsplit('/').next() == Some("..");
        if climbs && ask.touch.reads_tree() {
            return paths.user_home().and_then(|home| paths.above_protected(home)).map(|label| (label, Reach::Holds));
        }
        // `$X/../.netclaw/keys/id`: whatever `$X` is, the rest names keys/.
        let named = tail.rsplit_once("../").map_or(tail, |(_, after)| after);
        judge(ask.touch, |access| paths.denies_tail(named, access), || None)
    }

    /// One path as written: resolved, matched as a pattern, or matched by its tail.
    fn text(
        &mut self,
        text: &str,
        home_relative: bool,
        glob: Option<&str>,
        whole: bool,
        ask: &Ask<'_>,
    ) -> Option<Found> {
        if text.is_empty() && !home_relative {
            return None;
        }
        let paths = self.env.paths;
        // `/proc/self/cwd/x` is `x` where the reader runs; another process's is most
        // likely where the agent runs too, and otherwise anywhere.
        if let Some((_, rest)) = proc_cwd(text) {
            return self
                .text(rest, false, None, whole, ask)
                .or_else(|| judge(ask.touch, |access| paths.denies_tail(rest, access), || None));
        }
        let bases = self.bases(text, home_relative, ask.segment, ask.bases);
        for base in &bases {
            let found = match glob {
                Some(pattern) => {
                    let pattern = pattern_under(base, pattern, home_relative);
                    let denies = |access| match access {
                        Access::Read => paths.denies_pattern(&pattern, Access::Read),
                        Access::Write => {
                            paths.denies_pattern(&pattern, Access::Write).or_else(|| paths.holds_pattern(&pattern))
                        }
                    };
                    judge(ask.touch, denies, || paths.above_pattern(&pattern))
                }
                None => {
                    let relative = if home_relative { text.trim_start_matches('/') } else { text };
                    let joined = base.join(relative);
                    let lexical = without_proc_root(&normalize(&joined));
                    // Only a whole word is resolved on disk: a path inside one is matched as written.
                    let resolved = (whole && text.contains('/')).then(|| canonical(&lexical));
                    self.path(&lexical, ask.touch).or_else(|| resolved.and_then(|r| self.path(&r, ask.touch)))
                }
            };
            if found.is_some() {
                return found;
            }
        }
        let relative = !home_relative && !Path::new(text).is_absolute();
        if relative && ask.segment.cwd.unknown {
            let pattern = glob.unwrap_or(text);
            return judge(ask.touch, |access| paths.denies_tail(pattern, access), || None);
        }
        None
    }

    /// Where a working directory resolves on disk, asked once per check.
    fn canonical_dir(&mut self, dir: &Path) -> PathBuf {
        if let Some((_, resolved)) = self.canonical_dirs.iter().find(|(d, _)| d == dir) {
            return resolved.clone();
        }
        let resolved = canonical(dir);
        self.canonical_dirs.push((dir.to_path_buf(), resolved.clone()));
        resolved
    }

    /// Whether a directory a relative path may be under is in, or above, a protected entry.
    fn near(&mut self, ask: &Ask<'_>) -> bool {
        let dirs: Vec<PathBuf> = ask.segment.cwd.dirs.iter().chain(ask.bases).cloned().collect();
        dirs.iter().any(|dir| {
            let resolved = self.canonical_dir(dir);
            self.env.paths.near(dir) || self.env.paths.near(&resolved)
        })
    }

    /// The directories a path is relative to: the user's home, `/`, or each
    /// working directory the segment may be in and each directory its options name
    /// (and where each resolves on disk).
    fn bases(&mut self, text: &str, home_relative: bool, segment: &Segment, extra: &[PathBuf]) -> Vec<PathBuf> {
        if home_relative {
            return self.env.paths.user_home().map(Path::to_path_buf).into_iter().collect();
        }
        if Path::new(text).is_absolute() {
            return vec![PathBuf::new()];
        }
        let mut out = Vec::new();
        for dir in segment.cwd.dirs.iter().chain(extra) {
            out.push(dir.clone());
            let resolved = self.canonical_dir(dir);
            if resolved != *dir {
                out.push(resolved);
            }
        }
        out
    }

    /// One absolute, normalised path.
    fn path(&self, path: &Path, touch: Touch) -> Option<Found> {
        let paths = self.env.paths;
        judge(
            touch,
            |access| match access {
                Access::Read => paths.denies(path, Access::Read),
                // Writing into a directory that holds protected entries may replace them.
                Access::Write => paths.denies(path, Access::Write).or_else(|| paths.holds_protected(path)),
            },
            || paths.above_protected(path),
        )
    }
}

/// The verdict on one path for one touch: naming a read-protected entry is always
/// denied; writing a write-protected one when the command writes; reading a tree that
/// holds a read-protected one when the command reads recursively.
fn judge(
    touch: Touch,
    denies: impl Fn(Access) -> Option<&'static str>,
    above: impl FnOnce() -> Option<&'static str>,
) -> Option<Found> {
    if let Some(label) = denies(Access::Read) {
        return Some((label, Reach::Names));
    }
    if touch.writes()
        && let Some(label) = denies(Access::Write)
    {
        return Some((label, Reach::Writes));
    }
    if touch.reads_tree() {
        return above().map(|label| (label, Reach::Holds));
    }
    None
}

fn denial(segment: &Segment, total: usize, word: &str, command: &str, (label, reach): Found) -> HardDenyMatch {
    let message = match reach {
        Reach::Names => format!("`{word}` names {label}, which agents may not read"),
        Reach::Writes => format!("`{word}` may be written, and it is or holds {label}, which agents may not change"),
        Reach::Holds => format!("`{word}` holds {label}, and `{command}` reads everything under it"),
    };
    HardDenyMatch {
        layer: Layer::ResourceHardDeny,
        rule: "protected-path".to_owned(),
        category: "protected_path".to_owned(),
        reason_code: ReasonCode::ShellReferencesProtectedPath,
        segment: Some(SegmentRef { index: segment.index, total, text: segment.text.clone() }),
        word: Some(word.to_owned()),
        message,
        source: BUILTIN_SOURCE.to_owned(),
    }
}

/// A protected entry named in pieces, as code joins paths: `".netclaw"` and, after it,
/// `"keys"`, `"secrets.json"`, `"webhooks"` or `"netclaw.db"` as separate strings.
fn joined_protected(text: &str) -> Option<&'static str> {
    if !text.contains(".netclaw") || !text.contains(['"', '\'']) {
        return None;
    }
    let mut parts = text
        .split(|c: char| c.is_whitespace() || "\"'(),/+[]".contains(c))
        .map(str::to_ascii_lowercase)
        .skip_while(|p| p != ".netclaw");
    parts.find_map(|part| match part.as_str() {
        "keys" => Some("keys/"),
        "secrets.json" => Some("secrets.json"),
        "webhooks" => Some("config/webhooks/"),
        p if p.starts_with("netclaw.db") => Some("netclaw.db"),
        _ => None,
    })
}

/// A relative file name with nothing that could reach elsewhere: no `/`, no glob, not
/// `.` or `..`, no `=`, `@` or `:` that a program might split a path from.
fn is_plain_name(value: &Literal) -> bool {
    let text = value.text.as_str();
    !value.home_relative
        && value.glob.is_none()
        && text != "."
        && text != ".."
        && !text.contains(['/', '=', '@', ':', ',', ' ', '\t', '\n', '"', '\''])
}

/// One way a word can name a path.
struct Form<'a> {
    text: &'a str,
    home_relative: bool,
    /// The whole word, rather than a part of it.
    whole: bool,
    /// An absolute path found inside the word (`1r/P`), not one the word's syntax gives.
    inside: bool,
}

/// The ways a word can name a path: as itself; after `=` (`--file=P`, with `~`
/// expanded by the program), `@` (`curl -d @P`), `:` or `,` (`-v P:/x`, `open:P,creat`);
/// attached to a short option (`-oP`); and every absolute path inside it (`file:///P`,
/// `1r/P`, `-d@/P`).
fn path_forms(value: &Literal) -> Vec<Form<'_>> {
    const MAX_FORMS: usize = 32;
    let text = value.text.as_str();
    let mut forms = vec![Form { text, home_relative: value.home_relative, whole: true, inside: false }];
    if value.home_relative {
        // `~/.netclaw:/x` (a volume): the part before `:` is still under the home.
        let mut parts = text.split([':', ',']);
        if let (Some(first), Some(_)) = (parts.next(), parts.next()) {
            forms.push(Form { text: first, home_relative: true, whole: false, inside: false });
        }
        return forms;
    }
    let mut pieces: Vec<&str> = Vec::new();
    if text.starts_with('-') && !text.starts_with("--") {
        pieces.extend(text.get(2..).filter(|rest| !rest.is_empty()));
    }
    pieces.extend(text.split(['=', '@', ':', ',']).skip(1));
    // `-v /:/host`, `src,dst`: the part before a `:` or `,` too.
    if text.contains([':', ',']) {
        pieces.extend(text.split([':', ',']).next());
    }
    for piece in pieces {
        let (rest, home) = home_prefix(piece.trim_start_matches('@'));
        if !rest.is_empty() && !forms.iter().any(|f| f.text == rest && f.home_relative == home) {
            forms.push(Form { text: rest, home_relative: home, whole: false, inside: false });
        }
    }
    let starts = text
        .char_indices()
        .filter(|(i, c)| *c == '/' && *i > 0 && !text.get(..*i).is_some_and(|before| before.ends_with('/')));
    for (i, _) in starts {
        let suffix = text.get(i..).unwrap_or_default();
        let suffix = suffix.split([',', ';', '\'', '"', '(', ')', '<', '>', '|', '&']).next().unwrap_or_default();
        if !forms.iter().any(|f| f.text == suffix) {
            forms.push(Form { text: suffix, home_relative: false, whole: false, inside: true });
        }
    }
    forms.truncate(MAX_FORMS);
    forms
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
        paths.denies(candidate, access).or_else(|| match tool {
            // Searching a directory reads every file under it.
            "file_search" => paths.above_protected(candidate),
            // Deleting a directory deletes everything under it, the netclaw home too.
            "file_delete" => paths.above(candidate, Access::Write),
            _ => None,
        })
    })
}
