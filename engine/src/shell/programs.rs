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

/// A program whose arguments are names to it — of files, packages, branches, tests,
/// containers — never commands it runs. Each line says why.
#[derive(Debug)]
pub(crate) struct NamesOnly {
    pub name: &'static str,
    /// When non-empty, only these subcommands (`apt install`) are names-only.
    pub subcommands: &'static [&'static str],
    /// Options whose value the program does run (`man -P PAGER`): scanned as commands.
    pub runs: &'static [&'static str],
    /// Options that take a value, so the value is not taken for the subcommand.
    pub valued: &'static [&'static str],
    /// It prints its arguments (or its input): they stay names only while what it
    /// prints is read, not stored or passed on (`echo 'sudo id' | at now`).
    pub prints: bool,
    pub why: &'static str,
}

const fn names(name: &'static str, why: &'static str) -> NamesOnly {
    NamesOnly { name, subcommands: &[], runs: &[], valued: &[], prints: false, why }
}

const fn printer(name: &'static str, why: &'static str) -> NamesOnly {
    NamesOnly { prints: true, ..names(name, why) }
}

const PACKAGES: &[&str] = &[
    "install",
    "i",
    "add",
    "remove",
    "rm",
    "uninstall",
    "un",
    "purge",
    "del",
    "info",
    "show",
    "view",
    "search",
    "list",
    "ls",
    "update",
    "upgrade",
    "up",
    "outdated",
    "download",
    "freeze",
    "check",
    "why",
    "deps",
    "uses",
    "home",
    "doctor",
    "cleanup",
    "autoremove",
    "reinstall",
    "policy",
    "depends",
    "rdepends",
    "source",
    "audit",
    "dedupe",
    "prune",
    "fund",
    "ci",
    "test",
    "t",
    "run",
    "run-script",
    "start",
    "pack",
    "publish",
    "link",
    "init",
    "version",
    "cache",
    "help",
    "tap",
    "untap",
    "provides",
    "whatprovides",
    "inspect",
    "hash",
    "wheel",
    "index",
];
const GIT: &[&str] = &[
    "grep",
    "log",
    "show",
    "diff",
    "branch",
    "switch",
    "checkout",
    "tag",
    "status",
    "add",
    "rm",
    "mv",
    "commit",
    "blame",
    "stash",
    "restore",
    "reset",
    "merge",
    "cherry-pick",
    "revert",
    "init",
    "remote",
    "fetch",
    "pull",
    "push",
    "clone",
    "rebase",
    "describe",
    "shortlog",
    "reflog",
    "ls-files",
    "ls-tree",
    "ls-remote",
    "cat-file",
    "rev-parse",
    "rev-list",
    "show-ref",
    "for-each-ref",
    "worktree",
    "notes",
    "archive",
    "format-patch",
    "am",
    "apply",
    "clean",
    "gc",
    "fsck",
    "bundle",
    "cherry",
    "range-diff",
    "whatchanged",
    "help",
    "version",
    "sparse-checkout",
    "maintenance",
];
/// git's global options read as taking the next word. `--exec-path` takes its path
/// only after `=`, but git then runs its helpers from there: reading the next word as
/// its value means `git --exec-path X …` is never taken for a plain subcommand.
pub(crate) const GIT_VALUED: &[&str] =
    &["-C", "-c", "--git-dir", "--work-tree", "--namespace", "--config-env", "--exec-path"];
const CONTAINERS: &[&str] = &[
    "ps", "images", "image", "logs", "build", "pull", "push", "tag", "inspect", "kill", "stop", "start", "restart",
    "rm", "rmi", "volume", "network", "login", "logout", "info", "version", "stats", "top", "events", "history",
    "save", "load", "cp", "commit", "diff", "port", "pause", "unpause", "rename", "wait", "search", "system",
    "context", "manifest", "builder", "buildx",
];
const CONTAINER_VALUED: &[&str] = &["-H", "--host", "-c", "--context", "--config", "-l", "--log-level"];
const KUBECTL: &[&str] = &[
    "get",
    "describe",
    "logs",
    "apply",
    "create",
    "delete",
    "edit",
    "scale",
    "rollout",
    "top",
    "explain",
    "config",
    "label",
    "annotate",
    "patch",
    "port-forward",
    "cluster-info",
    "api-resources",
    "api-versions",
    "version",
    "diff",
    "wait",
    "auth",
    "cordon",
    "uncordon",
    "drain",
    "taint",
    "replace",
    "expose",
    "autoscale",
    "certificate",
];
const KUBECTL_VALUED: &[&str] =
    &["-n", "--namespace", "--context", "--cluster", "--kubeconfig", "-s", "--server", "--user"];
const GO: &[&str] = &[
    "test", "build", "vet", "fmt", "mod", "get", "install", "doc", "list", "env", "version", "clean", "work", "run",
    "bug",
];
const SERVICES: &[&str] = &[
    "status",
    "show",
    "cat",
    "list-units",
    "list-unit-files",
    "list-timers",
    "is-active",
    "is-enabled",
    "is-failed",
    "help",
];

const NAMES_ONLY: &[NamesOnly] = &[
    printer("echo", "prints its arguments"),
    printer("printf", "prints its arguments"),
    printer("say", "speaks its arguments"),
    printer("print", "prints its arguments (zsh, ksh, awk, Perl, Python)"),
    printer("puts", "prints its arguments (Ruby, Tcl)"),
    printer("figlet", "prints its arguments in large letters"),
    printer("cowsay", "prints its arguments"),
    printer("banner", "prints its arguments"),
    printer("cat", "prints files (or its input)"),
    printer("tee", "copies its input to files and stdout"),
    NamesOnly { runs: &["-P", "--pager", "-H", "--html"], ..names("man", "shows the manual page of a name") },
    names("info", "shows the manual of a name"),
    names("apropos", "searches manual descriptions"),
    names("whatis", "describes a name"),
    names("help", "describes a builtin"),
    names("tldr", "shows examples of a name"),
    names("which", "looks a name up on PATH"),
    names("whereis", "looks a name up"),
    names("type", "describes a name"),
    names("command", "with -v or -V, looks a name up (otherwise it is a wrapper and never gets here)"),
    NamesOnly { runs: &["-p"], ..names("hash", "remembers where a name is (`-p PATH` makes a name run PATH)") },
    names("sed", "edits text; it runs only its script's `e` commands, which are analysed as commands"),
    names("grep", "searches text for a pattern"),
    names("egrep", "searches text for a pattern"),
    names("fgrep", "searches text for a pattern"),
    names("zgrep", "searches text for a pattern"),
    NamesOnly { runs: &["--pre"], ..names("rg", "searches text for a pattern") },
    NamesOnly { runs: &["--pager"], ..names("ag", "searches text for a pattern") },
    NamesOnly { runs: &["--pager"], ..names("ack", "searches text for a pattern") },
    names("pgrep", "finds processes by name"),
    names("pidof", "finds processes by name"),
    names("getent", "looks up users and groups (`getent group sudo`)"),
    names("id", "describes a user"),
    names("groups", "lists a user's groups"),
    names("last", "lists logins and reboots"),
    names("lastb", "lists failed logins"),
    names("who", "lists users"),
    names("ls", "lists files"),
    names("stat", "describes files"),
    names("file", "describes files"),
    names("du", "measures files"),
    names("wc", "counts the lines of files"),
    names("head", "prints the start of files"),
    names("tail", "prints the end of files"),
    names("sort", "sorts lines"),
    names("uniq", "filters lines"),
    names("cut", "cuts fields"),
    names("tr", "translates characters"),
    names("column", "formats columns"),
    names("nl", "numbers lines"),
    names("diff", "compares files"),
    names("cmp", "compares files"),
    names("comm", "compares sorted files"),
    names("jq", "queries JSON"),
    names("yq", "queries YAML"),
    names("base64", "encodes files"),
    names("xxd", "dumps files"),
    names("od", "dumps files"),
    names("sha256sum", "hashes files"),
    names("md5sum", "hashes files"),
    names("readlink", "resolves a path"),
    names("realpath", "resolves a path"),
    names("basename", "takes a path apart"),
    names("dirname", "takes a path apart"),
    names("test", "tests files and strings"),
    names("[", "tests files and strings"),
    names("cd", "changes directory"),
    names("mkdir", "makes directories of these names"),
    names("rmdir", "removes empty directories"),
    names("touch", "creates or dates files"),
    names("chmod", "changes modes of files"),
    names("chown", "changes owners of files"),
    names("logger", "logs a message"),
    names("notify-send", "shows a notification"),
    NamesOnly { runs: &["--exec", "-E"], ..names("mail", "sends mail to these addresses") },
    names("mailx", "sends mail to these addresses"),
    NamesOnly { runs: &["-x", "--exec", "-X", "--exec-batch"], ..names("fd", "finds files by name") },
    // `-exec`, `-execdir`, `-ok` and `-okdir` are read as scripts in `invocation`.
    names("find", "finds files by name; what `-exec` runs is analysed as a command"),
    names("locate", "finds files by name"),
    names("curl", "transfers URLs; it runs nothing"),
    NamesOnly { runs: &["--use-askpass", "-e", "--execute"], ..names("wget", "downloads URLs") },
    names("journalctl", "shows logs of units by name"),
    NamesOnly { subcommands: SERVICES, ..names("systemctl", "describes units by name") },
    NamesOnly {
        subcommands: &[
            "doctor",
            "config",
            "policy",
            "authorize",
            "shell",
            "redact",
            "scan",
            "mcp",
            "daemon",
            "webhooks",
            "audit",
        ],
        ..names("netclaw", "netclaw's own checks, which run nothing they are given")
    },
    NamesOnly {
        subcommands: GIT,
        valued: GIT_VALUED,
        runs: &["-c", "--exec", "-x", "--extcmd", "--upload-pack", "--receive-pack", "-O", "--open-files-in-pager"],
        ..names("git", "names branches, files, commits and patterns")
    },
    NamesOnly { subcommands: CONTAINERS, valued: CONTAINER_VALUED, ..names("docker", "names containers and images") },
    NamesOnly { subcommands: CONTAINERS, valued: CONTAINER_VALUED, ..names("podman", "names containers and images") },
    NamesOnly { subcommands: KUBECTL, valued: KUBECTL_VALUED, ..names("kubectl", "names resources") },
    NamesOnly { subcommands: KUBECTL, valued: KUBECTL_VALUED, ..names("oc", "names resources") },
    names("psql", "runs SQL; only its `\\!` escapes run commands, and those are analysed"),
    names("mysql", "runs SQL; only its `\\!` and `system` escapes run commands, and those are analysed"),
    names("mariadb", "runs SQL; only its `\\!` and `system` escapes run commands, and those are analysed"),
    names("sqlite3", "runs SQL; only its `.shell` and `.system` commands run commands, and those are analysed"),
    names("duckdb", "runs SQL; only its `.shell` and `.system` commands run commands, and those are analysed"),
    names("vagrant", "manages virtual machines by name; their commands run inside them"),
    names("virsh", "manages virtual machines by name"),
    names("vboxmanage", "manages virtual machines by name"),
    names("redis-cli", "sends commands to a Redis server"),
    names("mysqladmin", "sends commands to a MySQL server"),
    names("adb", "sends commands to an Android device"),
    names("fastboot", "sends commands to an Android bootloader"),
    names("ansible-playbook", "runs playbooks, selecting tasks by tag"),
    NamesOnly { runs: &["-e", "-c", "--exec", "--sh-exec", "--lua-exec"], ..names("nc", "sends and receives data") },
    NamesOnly { runs: &["-e", "-c", "--exec", "--sh-exec", "--lua-exec"], ..names("ncat", "sends and receives data") },
    NamesOnly { runs: &["-e", "-c"], ..names("netcat", "sends and receives data") },
    NamesOnly { runs: &["--eval", "-E"], ..names("make", "builds targets by name") },
    NamesOnly { runs: &["--config"], ..names("cargo", "builds, tests and installs crates by name") },
    NamesOnly { subcommands: GO, runs: &["-exec", "-toolexec"], ..names("go", "builds and tests packages by name") },
    names("pytest", "selects tests by name"),
    names("py.test", "selects tests by name"),
    names("jest", "selects tests by name"),
    names("vitest", "selects tests by name"),
    names("mocha", "selects tests by name"),
    names("rspec", "selects tests by name"),
    names("dpkg", "installs or describes packages by name"),
    names("dpkg-query", "describes packages"),
    NamesOnly { runs: &["--eval", "-E", "--pipe"], ..names("rpm", "installs or describes packages by name") },
    NamesOnly {
        subcommands: PACKAGES,
        runs: &["-o", "--option"],
        valued: &["-o", "--option", "-c", "--config-file", "-t", "--target-release"],
        ..names("apt-get", "installs or describes packages by name")
    },
    NamesOnly {
        subcommands: PACKAGES,
        runs: &["-o", "--option"],
        valued: &["-o", "--option", "-c", "--config-file", "-t", "--target-release"],
        ..names("apt", "installs or describes packages by name")
    },
    NamesOnly { subcommands: PACKAGES, ..names("apt-cache", "describes packages") },
    NamesOnly { subcommands: PACKAGES, ..names("brew", "installs or describes packages by name") },
    NamesOnly { subcommands: PACKAGES, ..names("dnf", "installs or describes packages by name") },
    NamesOnly { subcommands: PACKAGES, ..names("yum", "installs or describes packages by name") },
    NamesOnly { subcommands: PACKAGES, ..names("apk", "installs or describes packages by name") },
    NamesOnly { subcommands: PACKAGES, ..names("zypper", "installs or describes packages by name") },
    NamesOnly { subcommands: PACKAGES, ..names("snap", "installs or describes packages by name") },
    NamesOnly { subcommands: PACKAGES, ..names("pip", "installs or describes packages by name") },
    NamesOnly { subcommands: PACKAGES, ..names("pip3", "installs or describes packages by name") },
    NamesOnly {
        subcommands: PACKAGES,
        runs: &["--script-shell"],
        ..names("npm", "installs packages, runs package scripts by name")
    },
    NamesOnly { subcommands: PACKAGES, ..names("pnpm", "installs packages, runs package scripts by name") },
    NamesOnly { subcommands: PACKAGES, ..names("yarn", "installs packages, runs package scripts by name") },
    NamesOnly { subcommands: PACKAGES, ..names("gem", "installs or describes gems by name") },
    NamesOnly { subcommands: PACKAGES, ..names("conda", "installs or describes packages by name") },
];

/// Python modules run with `-m` whose arguments are names (`python -m pytest -k kill`).
const PYTHON_TOOLS: &[&str] = &[
    "pytest",
    "unittest",
    "pip",
    "venv",
    "json.tool",
    "black",
    "ruff",
    "mypy",
    "flake8",
    "isort",
    "build",
    "twine",
    "coverage",
    "http.server",
];

/// The names-only entry for a command, if its arguments are only names to it.
pub(crate) fn names_only(name: &str, args: &[Option<&str>]) -> Option<&'static NamesOnly> {
    static BY_NAME: LazyLock<HashMap<&str, &NamesOnly>> =
        LazyLock::new(|| NAMES_ONLY.iter().map(|e| (e.name, e)).collect());
    static PYTHON_TOOL: NamesOnly = names("python -m", "runs a tool whose arguments are names");
    if interpreter(name).is_some_and(|_| unversioned(name) == "python") {
        let module = args.windows(2).find(|w| w.first() == Some(&Some("-m"))).and_then(|w| *w.get(1)?);
        return module.filter(|m| PYTHON_TOOLS.contains(m)).map(|_| &PYTHON_TOOL);
    }
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
    // No subcommand at all (`docker`, `git`): prints its help.
    Some(entry)
}

/// Options whose value is prose a program never runs (`git commit -m "kill the bug"`),
/// per program; `*` applies to every program.
const PROSE: &[(&str, &[&str])] = &[
    (
        "*",
        &[
            "--message",
            "--title",
            "--body",
            "--description",
            "--comment",
            "--subject",
            "--summary",
            "--notes",
            "--note",
            "--reason",
            "--header",
        ],
    ),
    ("curl", &["-H"]),
    ("ab", &["-H"]),
    ("wget", &["--header"]),
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

/// Whether a setting's name says its value is a command: environment variables
/// (`PAGER`, `GIT_SSH_COMMAND`, `BASH_ENV`), config keys (`core.pager`, `alias.x`,
/// `credential.helper`, `APT::Update::Pre-Invoke`) and `key=value` options
/// (`ProxyCommand=`, `--checkpoint-action=exec=`, `--rsh=`). Other values are data:
/// `--build-arg USER=sudo` and `MSG="reboot scheduled"` run nothing.
pub(crate) fn command_key(key: &str) -> bool {
    const PARTS: &[&str] = &[
        "command",
        "cmd",
        "exec",
        "pager",
        "editor",
        "askpass",
        "proxy",
        "hook",
        "checkpoint-action",
        "program",
        "helper",
        "textconv",
        "smudge",
        "filter",
        "browser",
        "launcher",
        "wrapper",
        "interpreter",
        "rsh",
        "lessopen",
        "lessclose",
        "bash_env",
        "alias",
        "shell",
        "script",
        "pre-invoke",
        "post-invoke",
        "upload-pack",
        "receive-pack",
        "compress",
        "visual",
        "fsmonitor",
        "external_diff",
        "diff.external",
        "git_config",
        "opener",
        "runner",
        "spawn",
        "system",
        "popen",
        "eval",
        "pipe",
        "handler",
        "daemon",
        "latex",
        "bibtex",
        "makeindex",
        "dvips",
        "perl5db",
        "perl5opt",
        "rubyopt",
        "node_options",
    ];
    const WHOLE: &[&str] = &["env", "ps0", "ps1", "ps2", "ps3", "ps4", "sh", "cc", "cxx", "ld", "make", "run"];
    let lower = key.trim_start_matches('-').to_ascii_lowercase();
    let last = lower.rsplit(['.', ':']).find(|p| !p.is_empty()).unwrap_or(&lower);
    // `--on-download-complete=cmd`: a callback.
    let callback = lower.starts_with("on-") || lower.starts_with("on_");
    lower.is_empty() || callback || WHOLE.contains(&last) || PARTS.iter().any(|p| lower.contains(p))
}

/// Options whose value a program runs as a command or as code, beyond interpreters'
/// code options and names-only programs' `runs`: a value only known at run time there
/// is a command only known at run time.
const COMMAND_OPTIONS: &[(&str, &[&str])] = &[
    ("rsync", &["-e", "--rsh"]),
    ("scp", &["-S"]),
    ("sftp", &["-S", "-D"]),
    ("vim", &["-c", "--cmd", "-S"]),
    ("vi", &["-c", "--cmd", "-S"]),
    ("nvim", &["-c", "--cmd", "-S"]),
    ("ex", &["-c", "--cmd", "-S"]),
    ("view", &["-c", "--cmd", "-S"]),
    ("gvim", &["-c", "--cmd", "-S"]),
    ("gdb", &["-ex", "-iex", "--eval-command", "--init-eval-command", "-x", "--command"]),
    ("tar", &["-I", "--use-compress-program", "--to-command", "--info-script", "-F", "--new-volume-script"]),
    ("zip", &["-TT", "--unzip-command"]),
    ("script", &["-c", "--command"]),
    ("flock", &["-c", "--command"]),
    ("find", &["-exec", "-execdir", "-ok", "-okdir"]),
    ("tcpdump", &["-z"]),
    ("valgrind", &["--db-command"]),
    ("watch", &["-x", "--exec"]),
    ("sed", &["-e", "--expression"]),
    ("expect", &["-c"]),
    ("socat", &[]),
];

/// Whether `option` (as written) makes `program` run its value.
pub(crate) fn command_option(program: &str, option: &str) -> bool {
    let listed = COMMAND_OPTIONS.iter().find(|(n, _)| *n == program).map(|(_, o)| *o).unwrap_or_default();
    let code = interpreter(program).unwrap_or_default().iter().filter(|o| **o != "-m");
    let runs = names_only(program, &[]).map(|e| e.runs).unwrap_or_default();
    listed.iter().chain(code).chain(runs).any(|o| *o == option)
}

/// Shells: their `-c` argument, a here-string or a piped stdin is a script.
const SHELLS: &[&str] = &[
    "sh",
    "bash",
    "rbash",
    "rksh",
    "rzsh",
    "mrsh",
    "ion",
    "murex",
    "ngs",
    "oh",
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

/// Programs that print shell code setting up their own environment, with the
/// subcommands that do (none listed: only options may follow). Tools that evaluate
/// project files on the way (`direnv export`, `mise env`) are not here: the files
/// could be the command's own.
const SETUP_PRINTERS: &[(&str, &[&str])] = &[
    ("ssh-agent", &[]),
    ("gpg-agent", &["--daemon"]),
    ("keychain", &[]),
    ("dircolors", &[]),
    ("lesspipe", &[]),
    ("lesspipe.sh", &[]),
    ("pyenv", &["init", "virtualenv-init"]),
    ("rbenv", &["init"]),
    ("nodenv", &["init"]),
    ("goenv", &["init"]),
    ("jenv", &["init"]),
    ("plenv", &["init"]),
    ("direnv", &["hook"]),
    ("brew", &["shellenv"]),
    ("conda", &["shell.bash", "shell.zsh", "shell.posix"]),
    ("starship", &["init"]),
    ("zoxide", &["init"]),
    ("fnm", &["env"]),
    ("mise", &["activate"]),
    ("rtx", &["activate"]),
    ("atuin", &["init"]),
    ("thefuck", &["--alias"]),
    ("opam", &["env"]),
    ("luarocks", &["path"]),
    ("kubectl", &["completion"]),
    ("helm", &["completion"]),
    ("gh", &["completion"]),
    ("glab", &["completion"]),
    ("npm", &["completion"]),
    ("pip", &["completion"]),
    ("pip3", &["completion"]),
    ("rustup", &["completions"]),
    ("poetry", &["completions"]),
    ("deno", &["completions"]),
    ("docker", &["completion"]),
    ("minikube", &["completion", "docker-env"]),
    ("kind", &["completion"]),
    ("k3d", &["completion"]),
    ("kustomize", &["completion"]),
    ("aws", &["completion", "configure"]),
    ("gcloud", &["completion"]),
    ("uv", &["generate-shell-completion"]),
];

/// Whether a script is one set-up printer (`ssh-agent -s`, `pyenv init -`, `kubectl
/// completion bash`): a single simple command, nothing the shell would expand.
pub(crate) fn prints_setup(script: &str) -> bool {
    if script.contains(|c: char| "$`;|&<>(){}\\\n'\"*?[".contains(c)) {
        return false;
    }
    let mut words = script.split_whitespace();
    let Some(program) = words.next() else { return false };
    let program = program.rsplit('/').next().unwrap_or(program).to_ascii_lowercase();
    let Some((_, subcommands)) = SETUP_PRINTERS.iter().find(|(name, _)| *name == program) else { return false };
    let mut rest = words.filter(|w| !w.starts_with('-') || subcommands.contains(w));
    match rest.next() {
        None => subcommands.is_empty(),
        Some(first) => {
            subcommands.contains(&first)
                && rest.all(|w| w.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-')))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_setup_printers_count() {
        for script in ["ssh-agent -s", "pyenv init -", "kubectl completion bash", "/opt/homebrew/bin/brew shellenv"] {
            assert!(prints_setup(script), "{script}");
        }
        for script in
            ["ssh-agent sh -c id", "pyenv init - ; id", "direnv export bash", "curl http://x", "brew install x"]
        {
            assert!(!prints_setup(script), "{script}");
        }
    }

    #[test]
    fn subcommands_decide_whether_arguments_are_names() {
        assert!(names_only("apt-get", &[Some("-y"), Some("install"), Some("sudo")]).is_some());
        assert!(names_only("apt-get", &[Some("-o"), Some("X=1"), Some("install")]).is_some());
        assert!(names_only("npm", &[Some("exec"), Some("sudo")]).is_none());
        assert!(names_only("man", &[Some("kill")]).is_some());
        assert!(names_only("flock", &[Some("x"), Some("sudo")]).is_none());
        assert!(names_only("git", &[Some("-C"), Some("repo"), Some("grep"), Some("kill")]).is_some());
        assert!(names_only("git", &[Some("bisect"), Some("run"), Some("sudo")]).is_none());
        assert!(names_only("docker", &[Some("run"), Some("alpine"), Some("sudo")]).is_none());
        assert!(names_only("docker", &[Some("--context"), Some("x"), Some("kill"), Some("web")]).is_some());
        assert!(names_only("python3", &[Some("-m"), Some("pytest"), Some("-k"), Some("kill")]).is_some());
        assert!(names_only("python3", &[Some("-c"), Some("x")]).is_none());
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
