//! What the analysis knows about particular programs: one list per question.
//!
//! The hard deny does not depend on these lists being complete. Any program may run
//! its operands (`flock FILE cmd`, `docker run IMAGE cmd`, hundreds more in GTFOBins),
//! so every argument of every command is checked as a command it could run. The lists
//! make that precise where it would be wrong: programs that only *name* other programs
//! (`man kill`), options whose value is prose (`git commit -m "kill the bug"`), and
//! shells and interpreters whose input is a script.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

/// A program that only names programs or reads files: an argument that is a
/// hard-deny verb is a name to it, never a command. Each line says why.
#[derive(Debug)]
pub(crate) struct NamesOnly {
    pub name: &'static str,
    /// When non-empty, only these subcommands (`apt install`) are names-only.
    pub subcommands: &'static [&'static str],
    /// Options whose value the program does run (`man -P PAGER`): scanned as commands.
    pub runs: &'static [&'static str],
    /// Options that take a value, so the value is not taken for the subcommand.
    pub valued: &'static [&'static str],
    pub why: &'static str,
}

const fn names(name: &'static str, why: &'static str) -> NamesOnly {
    NamesOnly { name, subcommands: &[], runs: &[], valued: &[], why }
}

const PACKAGE_QUERIES: &[&str] =
    &["install", "i", "add", "remove", "rm", "uninstall", "purge", "del", "info", "show", "view", "search", "list"];

const NAMES_ONLY: &[NamesOnly] = &[
    names("echo", "prints its arguments"),
    names("printf", "prints its arguments"),
    NamesOnly { runs: &["-P", "--pager", "-H", "--html"], ..names("man", "shows the manual page of a name") },
    names("info", "shows the manual of a name"),
    names("apropos", "searches manual descriptions"),
    names("whatis", "describes a name"),
    names("help", "describes a builtin"),
    names("tldr", "shows examples of a name"),
    names("which", "looks a name up on PATH"),
    names("command", "with -v or -V, looks a name up (otherwise it is a wrapper and never gets here)"),
    names("whereis", "looks a name up"),
    names("type", "describes a name"),
    names("grep", "searches text for a pattern"),
    names("egrep", "searches text for a pattern"),
    names("fgrep", "searches text for a pattern"),
    names("zgrep", "searches text for a pattern"),
    NamesOnly { runs: &["--pre"], ..names("rg", "searches text for a pattern") },
    names("ag", "searches text for a pattern"),
    names("pgrep", "finds processes by name"),
    names("pidof", "finds processes by name"),
    names("getent", "looks up users and groups (`getent group sudo`)"),
    names("id", "describes a user"),
    names("groups", "lists a user's groups"),
    names("ls", "lists files"),
    names("stat", "describes files"),
    names("file", "describes files"),
    names("du", "measures files"),
    names("wc", "counts the lines of files"),
    names("cat", "prints files"),
    names("head", "prints the start of files"),
    names("tail", "prints the end of files"),
    names("readlink", "resolves a path"),
    names("realpath", "resolves a path"),
    names("basename", "takes a path apart"),
    names("dirname", "takes a path apart"),
    names("test", "tests files and strings"),
    names("[", "tests files and strings"),
    NamesOnly { runs: &["-x", "--exec", "-X", "--exec-batch"], ..names("fd", "finds files by name") },
    // `-exec`, `-execdir`, `-ok` and `-okdir` are read as scripts in `invocation`.
    names("find", "finds files by name; what `-exec` runs is analysed as a command"),
    names("locate", "finds files by name"),
    NamesOnly {
        subcommands: PACKAGE_QUERIES,
        runs: &["-o", "--option"],
        valued: &["-o", "--option", "-c", "--config-file", "-t", "--target-release"],
        ..names("apt-get", "installs or describes packages by name")
    },
    NamesOnly {
        subcommands: PACKAGE_QUERIES,
        runs: &["-o", "--option"],
        valued: &["-o", "--option", "-c", "--config-file", "-t", "--target-release"],
        ..names("apt", "installs or describes packages by name")
    },
    NamesOnly {
        subcommands: &["show", "search", "policy", "depends", "rdepends"],
        ..names("apt-cache", "describes packages")
    },
    NamesOnly { subcommands: PACKAGE_QUERIES, ..names("brew", "installs or describes packages by name") },
    NamesOnly { subcommands: PACKAGE_QUERIES, ..names("dnf", "installs or describes packages by name") },
    NamesOnly { subcommands: PACKAGE_QUERIES, ..names("yum", "installs or describes packages by name") },
    NamesOnly { subcommands: PACKAGE_QUERIES, ..names("apk", "installs or describes packages by name") },
    NamesOnly { subcommands: PACKAGE_QUERIES, ..names("zypper", "installs or describes packages by name") },
    NamesOnly { subcommands: PACKAGE_QUERIES, ..names("snap", "installs or describes packages by name") },
    NamesOnly { subcommands: PACKAGE_QUERIES, ..names("pip", "installs or describes packages by name") },
    NamesOnly { subcommands: PACKAGE_QUERIES, ..names("pip3", "installs or describes packages by name") },
    NamesOnly { subcommands: PACKAGE_QUERIES, ..names("npm", "installs or describes packages by name") },
    NamesOnly { subcommands: PACKAGE_QUERIES, ..names("pnpm", "installs or describes packages by name") },
    NamesOnly { subcommands: PACKAGE_QUERIES, ..names("yarn", "installs or describes packages by name") },
    NamesOnly { subcommands: PACKAGE_QUERIES, ..names("cargo", "installs or describes crates by name") },
    NamesOnly { subcommands: PACKAGE_QUERIES, ..names("gem", "installs or describes gems by name") },
    NamesOnly { subcommands: PACKAGE_QUERIES, ..names("conda", "installs or describes packages by name") },
];

/// The names-only entry for a command, if its arguments are only names to it.
pub(crate) fn names_only(name: &str, args: &[Option<&str>]) -> Option<&'static NamesOnly> {
    static BY_NAME: LazyLock<HashMap<&str, &NamesOnly>> =
        LazyLock::new(|| NAMES_ONLY.iter().map(|e| (e.name, e)).collect());
    let entry = *BY_NAME.get(name)?;
    if entry.subcommands.is_empty() {
        return Some(entry);
    }
    let mut words = args.iter();
    while let Some(word) = words.next() {
        let Some(text) = word else { return None };
        if entry.valued.contains(text) {
            words.next();
        } else if !text.starts_with('-') {
            return entry.subcommands.contains(&text.to_ascii_lowercase().as_str()).then_some(entry);
        }
    }
    None
}

/// Options whose value is prose a program never runs (`git commit -m "kill the bug"`),
/// per program; `*` applies to every program.
const PROSE: &[(&str, &[&str])] = &[
    ("*", &["--message", "--title", "--body", "--description", "--comment", "--subject", "--summary", "--notes"]),
    ("git", &["-m", "--grep", "--author", "--committer", "-S", "-G", "--format", "--pretty"]),
    ("hg", &["-m"]),
    ("svn", &["-m"]),
    ("jj", &["-m"]),
    ("gh", &["-t", "-b"]),
    ("glab", &["-t", "-d"]),
];

/// Whether `option` (as written, `-am` included) takes a prose value for `program`.
pub(crate) fn prose_option(program: &str, option: &str) -> bool {
    let listed = |list: &[&str]| {
        list.iter().any(|p| {
            option == *p
                // A short flag cluster ending in the option's letter: `-am`.
                || (p.len() == 2 && !option.starts_with("--") && option.starts_with('-') && option.ends_with(p.get(1..).unwrap_or_default()))
        })
    };
    PROSE.iter().any(|(name, options)| (*name == "*" || *name == program) && listed(options))
}

/// Whether an attached option value (`--message=…`, `-m…`) is prose for `program`.
pub(crate) fn prose_attached(program: &str, word: &str) -> bool {
    match word.split_once('=') {
        Some((option, _)) if option.starts_with("--") => prose_option(program, option),
        _ => false,
    }
}

/// Shells: their `-c` argument, a here-string or a piped stdin is a script.
const SHELLS: &[&str] = &[
    "sh",
    "bash",
    "rbash",
    "zsh",
    "dash",
    "ksh",
    "mksh",
    "pdksh",
    "oksh",
    "loksh",
    "lksh",
    "ash",
    "hush",
    "fish",
    "tcsh",
    "csh",
    "yash",
    "posh",
    "elvish",
    "nu",
    "xonsh",
    "rc",
    "es",
    "sash",
    "osh",
    "ysh",
    "oil",
    "pwsh",
    "powershell",
    "scsh",
    "bosh",
    "jsh",
];

/// `bash5.2`, `ksh93`, `zsh-5.9` are the shells they are versions of.
pub(crate) fn unversioned(name: &str) -> &str {
    let trimmed = name.trim_end_matches(|c: char| c.is_ascii_digit() || matches!(c, '.' | '-' | '_'));
    if trimmed.is_empty() { name } else { trimmed }
}

pub(crate) fn is_shell(name: &str) -> bool {
    static SET: LazyLock<HashSet<&str>> = LazyLock::new(|| SHELLS.iter().copied().collect());
    SET.contains(unversioned(name))
}

/// Interpreters, with the options that give them code on the command line. Without
/// one of those and without a script operand, they read their program from stdin.
const INTERPRETERS: &[(&str, &[&str])] = &[
    ("python", &["-c", "-m"]),
    ("pypy", &["-c", "-m"]),
    ("perl", &["-e", "-E"]),
    ("ruby", &["-e"]),
    ("irb", &[]),
    ("node", &["-e", "--eval", "-p", "--print"]),
    ("nodejs", &["-e", "--eval", "-p", "--print"]),
    ("deno", &["eval"]),
    ("bun", &["-e", "--eval"]),
    ("php", &["-r"]),
    ("lua", &["-e"]),
    ("luajit", &["-e"]),
    ("r", &["-e"]),
    ("rscript", &["-e"]),
    ("osascript", &["-e"]),
    ("tclsh", &[]),
    ("wish", &[]),
    ("expect", &["-c"]),
    ("awk", &[]),
    ("gawk", &[]),
    ("mawk", &[]),
    ("nawk", &[]),
    ("emacs", &["--eval", "-eval", "-l", "--load"]),
    ("ghc", &["-e"]),
    ("ghci", &[]),
    ("runghc", &[]),
    ("clisp", &["-x"]),
    ("guile", &["-c"]),
    ("julia", &["-e"]),
    ("octave", &["--eval"]),
    ("octave-cli", &["--eval"]),
    ("gnuplot", &["-e"]),
    ("slsh", &["-e"]),
    ("bpftrace", &["-e"]),
    ("jrunscript", &["-e"]),
    ("jshell", &[]),
    ("groovy", &["-e"]),
    ("scala", &["-e"]),
    ("sbcl", &["--eval"]),
    ("racket", &["-e"]),
    ("dotnet", &[]),
    ("m4", &[]),
    ("dc", &["-e"]),
];

pub(crate) fn interpreter(name: &str) -> Option<&'static [&'static str]> {
    let name = unversioned(name);
    static BY_NAME: LazyLock<HashMap<&str, &[&str]>> = LazyLock::new(|| INTERPRETERS.iter().copied().collect());
    BY_NAME.get(name).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn package_managers_are_names_only_for_their_queries() {
        assert!(names_only("apt-get", &[Some("-y"), Some("install"), Some("sudo")]).is_some());
        assert!(names_only("apt-get", &[Some("-o"), Some("X=1"), Some("install")]).is_some());
        assert!(names_only("npm", &[Some("exec"), Some("sudo")]).is_none());
        assert!(names_only("man", &[Some("kill")]).is_some());
        assert!(names_only("flock", &[Some("x"), Some("sudo")]).is_none());
    }

    #[test]
    fn prose_options_include_clusters() {
        assert!(prose_option("git", "-m"));
        assert!(prose_option("git", "-am"));
        assert!(prose_option("anything", "--message"));
        assert!(!prose_option("python", "-m"));
        assert!(prose_attached("git", "--message=kill it"));
    }

    #[test]
    fn versioned_shells_are_shells() {
        for name in ["bash", "bash5.2", "ksh93", "zsh-5.9", "tcsh", "yash", "posh", "rbash"] {
            assert!(is_shell(name), "{name}");
        }
        assert!(!is_shell("ssh"));
        assert_eq!(interpreter("python3.11"), Some(&["-c", "-m"][..]));
    }
}
