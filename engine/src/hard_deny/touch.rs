//! How a command touches the paths it is given: names them, reads them, reads all
//! that is under them, or writes them.
//!
//! The protected paths differ by access: `keys/` may not even be named, the config
//! directory may be read but not written. So `cp ~/.netclaw/config/netclaw.json /tmp`
//! is fine while `cp x ~/.netclaw/config/netclaw.json` is not, and `tar c ~` reads
//! `keys/` without naming it. A command not described here may do anything with what
//! it is given: its arguments count as written, though not as proof of a write. Misreading an option's value as an
//! operand only ever moves it between roles of the same command, so the tables list
//! the options that take values where that decides a role.

use crate::shell::{GIT_VALUED, ShellWord, unversioned};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Touch {
    /// Only the name: `ls`, `echo`, `test -e`, a grep pattern.
    Name,
    /// The file's contents.
    Read,
    /// Everything under it: `grep -r`, `tar c`, `cp -r`, `rsync -a`.
    ReadTree,
    /// It may be created, changed or removed.
    Write,
    /// Everything under it, to read and to write: a container's bind mount.
    Mount,
    /// Anything: the command is not described here. Treated as a write of what it
    /// names, but no proof that it writes (`lsblk /dev/sda` does not).
    Any,
}

impl Touch {
    pub(super) fn writes(self) -> bool {
        matches!(self, Touch::Write | Touch::Mount | Touch::Any)
    }

    /// It is known to write (or replace, or remove) the path.
    pub(super) fn surely_writes(self) -> bool {
        matches!(self, Touch::Write | Touch::Mount)
    }

    pub(super) fn reads_tree(self) -> bool {
        matches!(self, Touch::ReadTree | Touch::Mount)
    }
}

/// How one command touches each of its arguments, and its working directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Touches {
    /// One per argument.
    pub args: Vec<Touch>,
    /// How it touches its working directory without naming it (`rg PATTERN` searches
    /// it, `tar x` writes into it).
    pub cwd: Option<Touch>,
    /// `ln -s TARGET… LINK`: the targets (argument indexes) are relative to the
    /// directory of the link (an argument index; `None`: the working directory).
    pub link: Option<(Vec<usize>, Option<usize>)>,
}

impl Touches {
    fn all(len: usize, touch: Touch) -> Self {
        Self { args: vec![touch; len], cwd: None, link: None }
    }

    fn set(&mut self, index: usize, touch: Touch) {
        if let Some(slot) = self.args.get_mut(index) {
            *slot = touch;
        }
    }
}

/// Commands that only name the paths they are given, or list names under them.
const NAMING: &[&str] = &[
    "ls",
    "dir",
    "vdir",
    "exa",
    "eza",
    "lsd",
    "tree",
    "stat",
    "du",
    "df",
    "test",
    "[",
    "[[",
    "cd",
    "pushd",
    "popd",
    "pwd",
    "realpath",
    "readlink",
    "dirname",
    "basename",
    "file",
    "which",
    "type",
    "command",
    "whereis",
    "namei",
    "findmnt",
    "mountpoint",
    "lsattr",
    "getfacl",
    "fd",
    "fdfind",
    "locate",
    "plocate",
    "echo",
    "printf",
    "true",
    "false",
    ":",
    "printenv",
];
/// Commands that read the files they are given and write none.
const READING: &[&str] = &[
    "cat",
    "tac",
    "nl",
    "more",
    "most",
    "head",
    "tail",
    "wc",
    "diff",
    "diff3",
    "sdiff",
    "cmp",
    "comm",
    "md5sum",
    "sha1sum",
    "sha224sum",
    "sha256sum",
    "sha384sum",
    "sha512sum",
    "shasum",
    "b2sum",
    "cksum",
    "sum",
    "bat",
    "batcat",
    "od",
    "hexdump",
    "hd",
    "strings",
    "cut",
    "column",
    "fold",
    "fmt",
    "pr",
    "look",
    "join",
    "paste",
    "expand",
    "unexpand",
    "rev",
    "zcat",
    "zless",
    "zmore",
    "bzcat",
    "xzcat",
    "zstdcat",
    "lz4cat",
    "jq",
    "jsonlint",
    "base64",
    "base32",
    "basenc",
    "view",
    "source",
    ".",
];

/// Commands that change the files they are given.
const WRITING: &[&str] = &[
    "tee", "touch", "truncate", "shred", "rm", "rmdir", "unlink", "mkdir", "chmod", "chown", "chgrp", "chattr",
    "setfacl", "srm",
];

/// Each argument's touch, for a command `name` (lowercase) given `args`.
pub(crate) fn touches(name: &str, args: &[ShellWord]) -> Touches {
    let name = match name {
        "7z" | "7za" | "7zr" | "7zz" => "7z",
        other => unversioned(other),
    };
    match name {
        n if NAMING.contains(&n) => Touches::all(args.len(), Touch::Name),
        n if READING.contains(&n) => Touches::all(args.len(), Touch::Read),
        n if WRITING.contains(&n) => Touches::all(args.len(), Touch::Write),
        "grep" | "egrep" | "fgrep" | "zgrep" | "ugrep" => search(args, GREP_VALUED, false),
        "rg" | "ag" | "ack" | "ack-grep" => search(args, RG_VALUED, true),
        "find" => find(args),
        "cp" | "install" | "mv" | "ln" | "rsync" | "scp" => copy(name, args),
        "ddrescue" => by_operand(args, &[], &[Touch::Read], Touch::Write),
        "tar" | "bsdtar" | "gtar" => tar(args),
        "zip" => zip(args),
        "unzip" => unzip(args),
        "7z" => seven_zip(args),
        "dd" | "dcfldd" | "dc3dd" => dd(args),
        "sed" => sed(args),
        "uniq" | "xxd" => by_operand(args, XXD_VALUED, &[Touch::Read], Touch::Write),
        "sort" => valued(args, SORT_VALUED, Touch::Read),
        "less" => valued(args, LESS_VALUED, Touch::Read),
        "iconv" | "yq" | "xmllint" => valued(args, CONVERTER_VALUED, Touch::Read),
        "curl" => web(args, CURL_VALUED, &["-O", "--remote-name", "--remote-name-all"]),
        "wget" => web(args, WGET_VALUED, &[]),
        "git" => git(args),
        "docker" | "podman" | "nerdctl" => container(args),
        "python" | "php" => server(args),
        "mkisofs" | "genisoimage" | "xorrisofs" => {
            valued(args, &[("-o", Touch::Write), ("-output", Touch::Write)], Touch::Read)
        }
        _ => Touches::all(args.len(), Touch::Any),
    }
}

/// An option that takes a value, and how the command touches that value.
type Valued = &'static [(&'static str, Touch)];

const GREP_VALUED: Valued = &[
    ("-e", Touch::Name),
    ("--regexp", Touch::Name),
    ("-f", Touch::Read),
    ("--file", Touch::Read),
    ("-m", Touch::Name),
    ("-A", Touch::Name),
    ("-B", Touch::Name),
    ("-C", Touch::Name),
    ("-d", Touch::Name),
    ("-D", Touch::Name),
    ("--include", Touch::Name),
    ("--exclude", Touch::Name),
    ("--exclude-dir", Touch::Name),
    ("--exclude-from", Touch::Read),
];
const RG_VALUED: Valued = &[
    ("-e", Touch::Name),
    ("--regexp", Touch::Name),
    ("-f", Touch::Read),
    ("--file", Touch::Read),
    ("-g", Touch::Name),
    ("--glob", Touch::Name),
    ("--iglob", Touch::Name),
    ("-t", Touch::Name),
    ("-T", Touch::Name),
    ("--type", Touch::Name),
    ("--type-not", Touch::Name),
    ("-m", Touch::Name),
    ("-A", Touch::Name),
    ("-B", Touch::Name),
    ("-C", Touch::Name),
    ("-M", Touch::Name),
    ("-j", Touch::Name),
    ("-E", Touch::Name),
    ("-r", Touch::Name),
    ("--replace", Touch::Name),
    ("-d", Touch::Name),
    ("--max-depth", Touch::Name),
    ("-G", Touch::Name),
    ("--ignore", Touch::Name),
    ("--ignore-file", Touch::Read),
];
const COPY_VALUED: Valued = &[
    ("-t", Touch::Write),
    ("--target-directory", Touch::Write),
    ("-S", Touch::Name),
    ("--suffix", Touch::Name),
    ("-m", Touch::Name),
    ("--mode", Touch::Name),
    ("-o", Touch::Name),
    ("--owner", Touch::Name),
    ("-g", Touch::Name),
    ("--group", Touch::Name),
];
const RSYNC_VALUED: Valued = &[
    ("-e", Touch::Name),
    ("--rsh", Touch::Name),
    ("-f", Touch::Name),
    ("--filter", Touch::Name),
    ("--exclude", Touch::Name),
    ("--include", Touch::Name),
    ("--exclude-from", Touch::Read),
    ("--include-from", Touch::Read),
    ("--files-from", Touch::Read),
    ("--password-file", Touch::Read),
    ("-T", Touch::Write),
    ("--temp-dir", Touch::Write),
    ("--log-file", Touch::Write),
    ("--partial-dir", Touch::Write),
    ("--backup-dir", Touch::Write),
    ("--compare-dest", Touch::Read),
    ("--copy-dest", Touch::Read),
    ("--link-dest", Touch::Read),
    ("-B", Touch::Name),
    ("--port", Touch::Name),
    ("--chmod", Touch::Name),
    ("--chown", Touch::Name),
    ("--timeout", Touch::Name),
    ("--suffix", Touch::Name),
    ("-M", Touch::Name),
    ("--rsync-path", Touch::Name),
    // scp
    ("-i", Touch::Read),
    ("-F", Touch::Read),
    ("-o", Touch::Name),
    ("-P", Touch::Name),
    ("-l", Touch::Name),
    ("-c", Touch::Name),
    ("-S", Touch::Name),
    ("-J", Touch::Name),
    ("-D", Touch::Name),
    ("-X", Touch::Name),
];
const XXD_VALUED: Valued = &[
    ("-c", Touch::Name),
    ("-g", Touch::Name),
    ("-l", Touch::Name),
    ("-s", Touch::Name),
    ("-o", Touch::Name),
    ("-n", Touch::Name),
];
const SORT_VALUED: Valued = &[
    ("-o", Touch::Write),
    ("--output", Touch::Write),
    ("-T", Touch::Write),
    ("--temporary-directory", Touch::Write),
    ("-k", Touch::Name),
    ("--key", Touch::Name),
    ("-t", Touch::Name),
    ("--field-separator", Touch::Name),
    ("-S", Touch::Name),
    ("--buffer-size", Touch::Name),
    ("--files0-from", Touch::Read),
];
const LESS_VALUED: Valued = &[
    ("-o", Touch::Write),
    ("-O", Touch::Write),
    ("--log-file", Touch::Write),
    ("--LOG-FILE", Touch::Write),
    ("-k", Touch::Read),
    ("--lesskey-file", Touch::Read),
    ("-p", Touch::Name),
    ("-P", Touch::Name),
    ("-x", Touch::Name),
    ("-y", Touch::Name),
    ("-b", Touch::Name),
    ("-h", Touch::Name),
    ("-j", Touch::Name),
    ("-z", Touch::Name),
    ("-t", Touch::Name),
    ("-T", Touch::Read),
];
const CONVERTER_VALUED: Valued = &[
    ("-o", Touch::Write),
    ("--output", Touch::Write),
    ("-f", Touch::Name),
    ("--from-code", Touch::Name),
    ("-t", Touch::Name),
    ("--to-code", Touch::Name),
    ("-i", Touch::Write),
    ("--inplace", Touch::Write),
];
const CURL_VALUED: Valued = &[
    ("-o", Touch::Write),
    ("--output", Touch::Write),
    ("--output-dir", Touch::Write),
    ("-D", Touch::Write),
    ("--dump-header", Touch::Write),
    ("-c", Touch::Write),
    ("--cookie-jar", Touch::Write),
    ("--trace", Touch::Write),
    ("--trace-ascii", Touch::Write),
    ("--stderr", Touch::Write),
    ("--libcurl", Touch::Write),
    ("--etag-save", Touch::Write),
    ("-d", Touch::Read),
    ("-F", Touch::Read),
    ("-H", Touch::Read),
    ("-A", Touch::Name),
    ("-X", Touch::Name),
    ("-u", Touch::Name),
    ("-b", Touch::Read),
    ("-K", Touch::Read),
    ("-T", Touch::Read),
    ("-e", Touch::Name),
    ("-x", Touch::Name),
    ("-w", Touch::Name),
    ("-E", Touch::Read),
    ("-m", Touch::Name),
    ("-r", Touch::Name),
    ("-y", Touch::Name),
    ("-Y", Touch::Name),
    ("-z", Touch::Name),
    ("-C", Touch::Name),
    ("-U", Touch::Name),
    ("-Q", Touch::Name),
    ("-t", Touch::Name),
];
const WGET_VALUED: Valued = &[
    ("-O", Touch::Write),
    ("--output-document", Touch::Write),
    ("-o", Touch::Write),
    ("--output-file", Touch::Write),
    ("-a", Touch::Write),
    ("--append-output", Touch::Write),
    ("-P", Touch::Write),
    ("--directory-prefix", Touch::Write),
    ("--save-cookies", Touch::Write),
    ("--warc-file", Touch::Write),
    ("-i", Touch::Read),
    ("--input-file", Touch::Read),
    ("--load-cookies", Touch::Read),
    ("--post-file", Touch::Read),
    ("--body-file", Touch::Read),
    ("-U", Touch::Name),
    ("-e", Touch::Name),
    ("-t", Touch::Name),
    ("-T", Touch::Name),
    ("-w", Touch::Name),
    ("-Q", Touch::Name),
    ("-l", Touch::Name),
    ("-A", Touch::Name),
    ("-R", Touch::Name),
    ("-D", Touch::Name),
    ("-I", Touch::Name),
    ("-X", Touch::Name),
];

/// Arguments as a command's option syntax reads them.
#[derive(Debug, Default)]
struct Parsed {
    /// Options seen (a short cluster `-rf` as `-r` and `-f`; long ones without `=…`).
    flags: Vec<String>,
    /// An option that takes a value, and the index of the argument holding it (the
    /// option's own for `-oFILE` and `--output=FILE`).
    values: Vec<(&'static str, usize)>,
    operands: Vec<usize>,
}

impl Parsed {
    fn new(args: &[ShellWord], valued: Valued) -> Self {
        let is_valued = |name: &str| valued.iter().find(|(o, _)| *o == name).map(|(o, _)| *o);
        let mut out = Self::default();
        let mut options_end = false;
        let mut i = 0;
        while i < args.len() {
            match args.get(i).and_then(ShellWord::text).filter(|_| !options_end) {
                Some("--") => options_end = true,
                Some(text) if text.starts_with("--") => {
                    let (name, attached) = text.split_once('=').map_or((text, false), |(n, _)| (n, true));
                    if let Some(option) = is_valued(name) {
                        let at = if attached { i } else { i + 1 };
                        out.values.push((option, at));
                        i = at;
                    }
                    out.flags.push(name.to_owned());
                }
                Some(text) if text.starts_with('-') && text.len() > 1 => {
                    let letters = text.get(1..).unwrap_or_default();
                    for (pos, c) in letters.char_indices() {
                        let flag = format!("-{c}");
                        out.flags.push(flag.clone());
                        if let Some(option) = is_valued(&flag) {
                            let attached = pos + c.len_utf8() < letters.len();
                            let at = if attached { i } else { i + 1 };
                            out.values.push((option, at));
                            i = at;
                            break;
                        }
                    }
                }
                _ => out.operands.push(i),
            }
            i += 1;
        }
        out
    }

    fn has(&self, flags: &[&str]) -> bool {
        self.flags.iter().any(|f| flags.contains(&f.as_str()))
    }

    fn value_of(&self, options: &[&str]) -> Option<usize> {
        self.values.iter().find(|(o, _)| options.contains(o)).map(|(_, at)| *at)
    }

    /// Every option value at its table's touch, everything else at `rest`.
    fn touches(&self, len: usize, valued: Valued, rest: Touch) -> Touches {
        let mut out = Touches::all(len, rest);
        for (option, at) in &self.values {
            if let Some((_, touch)) = valued.iter().find(|(o, _)| o == option) {
                out.set(*at, *touch);
            }
        }
        out
    }
}

fn valued(args: &[ShellWord], table: Valued, rest: Touch) -> Touches {
    Parsed::new(args, table).touches(args.len(), table, rest)
}

/// Operands by position (`uniq IN OUT`), the ones past the list at `rest`.
fn by_operand(args: &[ShellWord], table: Valued, first: &[Touch], rest: Touch) -> Touches {
    let parsed = Parsed::new(args, table);
    let mut out = parsed.touches(args.len(), table, Touch::Name);
    for (n, at) in parsed.operands.iter().enumerate() {
        out.set(*at, first.get(n).copied().unwrap_or(rest));
    }
    out
}

/// `grep [-r] PATTERN PATH…`, `rg PATTERN [PATH…]`: the pattern is a name; a
/// recursive search with no path searches the working directory.
fn search(args: &[ShellWord], table: Valued, always_recursive: bool) -> Touches {
    let parsed = Parsed::new(args, table);
    let recursive = always_recursive
        || parsed.has(&["-r", "-R", "--recursive", "--dereference-recursive"])
        || args.iter().filter_map(ShellWord::text).any(|t| t == "recurse" || t == "--directories=recurse");
    let mut out = parsed.touches(args.len(), table, Touch::Name);
    let pattern_given = parsed.has(&["-e", "--regexp", "-f", "--file"]);
    let paths = parsed.operands.get(usize::from(!pattern_given)..).unwrap_or_default();
    for at in paths {
        out.set(*at, if recursive { Touch::ReadTree } else { Touch::Read });
    }
    if recursive && paths.is_empty() {
        out.cwd = Some(Touch::ReadTree);
    }
    out
}

/// `find` lists names; `-fprint FILE` and its kin write FILE (its `-exec` commands are
/// analysed as commands of their own, `{}` standing for what it finds, and so is its
/// `-delete`).
fn find(args: &[ShellWord]) -> Touches {
    let mut out = Touches::all(args.len(), Touch::Name);
    for (i, word) in args.iter().enumerate() {
        if matches!(word.text(), Some("-fprint" | "-fprint0" | "-fprintf" | "-fls")) {
            out.set(i + 1, Touch::Write);
        }
    }
    out
}

/// `cp`, `mv`, `ln`, `install`, `rsync`, `scp`: sources, then a destination (last, or
/// named by `-t`).
fn copy(name: &str, args: &[ShellWord]) -> Touches {
    let remote = matches!(name, "rsync" | "scp");
    let table = if remote { RSYNC_VALUED } else { COPY_VALUED };
    let parsed = Parsed::new(args, table);
    let mut out = parsed.touches(args.len(), table, Touch::Name);
    let target = parsed.value_of(&["-t", "--target-directory"]).filter(|_| !remote);
    let (sources, destination) = match (target, parsed.operands.split_last()) {
        (Some(dir), _) => (parsed.operands.as_slice(), Some(dir)),
        (None, Some((last, rest))) if !rest.is_empty() => (rest, Some(*last)),
        (None, _) => (parsed.operands.as_slice(), None),
    };
    let recursive = match name {
        "cp" => parsed.has(&["-r", "-R", "-a", "--recursive", "--archive"]),
        "rsync" => parsed.has(&["-r", "-a", "--recursive", "--archive"]),
        "scp" => parsed.has(&["-r"]),
        _ => false,
    };
    let symbolic = name == "ln" && parsed.has(&["-s", "--symbolic"]);
    let source_touch = match name {
        "mv" => Touch::Write,
        // A symbolic link is a second way to read and to write what it points to.
        "ln" if symbolic => Touch::Mount,
        // A hard link is a second name to write the file by.
        "ln" => Touch::Write,
        "install" if parsed.has(&["-d", "--directory"]) => Touch::Write,
        "rsync" if parsed.has(&["--remove-source-files"]) => Touch::Mount,
        _ if recursive => Touch::ReadTree,
        _ => Touch::Read,
    };
    for at in sources {
        out.set(*at, source_touch);
    }
    if let Some(at) = destination {
        out.set(at, Touch::Write);
    }
    if symbolic {
        out.link = Some((sources.to_vec(), destination));
    }
    out
}

/// `tar`: what it does to its operands depends on the mode (`c`, `x`, `t`), given as
/// a first word of bundled letters (`czf`), as short options or as long ones.
fn tar(args: &[ShellWord]) -> Touches {
    #[derive(Clone, Copy, PartialEq)]
    enum Mode {
        Create,
        Extract,
        Other,
    }
    let mut mode = Mode::Other;
    let mut options: Vec<(char, usize)> = Vec::new();
    let mut operands = Vec::new();
    let mut pending: Vec<char> = Vec::new();
    let mut next_value = 0;
    for (i, word) in args.iter().enumerate() {
        if i < next_value {
            continue;
        }
        let text = word.text().unwrap_or_default();
        let letters: Option<(&str, bool)> = if i == 0 && !text.starts_with('-') && !text.is_empty() {
            Some((text, false))
        } else if text.starts_with("--") {
            let (name, attached) = text.split_once('=').map_or((text, false), |(n, _)| (n, true));
            let letter = match name {
                "--create" | "--append" | "--update" | "--catenate" | "--concatenate" => Some('c'),
                "--extract" | "--get" => Some('x'),
                "--file" => Some('f'),
                "--directory" => Some('C'),
                "--files-from" => Some('T'),
                "--exclude-from" => Some('X'),
                "--listed-incremental" => Some('g'),
                _ => None,
            };
            match letter {
                Some(c @ ('c' | 'x')) => pending.push(c),
                Some(c) if attached => options.push((c, i)),
                Some(c) => {
                    options.push((c, i + 1));
                    next_value = i + 2;
                }
                None => {}
            }
            None
        } else if text.starts_with('-') && text.len() > 1 {
            Some((text.get(1..).unwrap_or_default(), true))
        } else {
            operands.push(i);
            None
        };
        let Some((letters, dashed)) = letters else { continue };
        let mut value_at = i + 1;
        for (pos, c) in letters.char_indices() {
            match c {
                'c' | 'r' | 'u' | 'A' => pending.push('c'),
                'x' => pending.push('x'),
                'f' | 'C' | 'T' | 'X' | 'g' | 'b' | 'H' | 'I' | 'K' | 'L' | 'N' | 'V' => {
                    // `-fFILE` holds its value; a bundle takes one word per letter.
                    if dashed && pos + 1 < letters.len() {
                        options.push((c, i));
                        break;
                    }
                    options.push((c, value_at));
                    value_at += 1;
                    next_value = value_at;
                }
                _ => {}
            }
        }
    }
    if pending.contains(&'c') {
        mode = Mode::Create;
    } else if pending.contains(&'x') {
        mode = Mode::Extract;
    }
    let mut out = Touches::all(args.len(), Touch::Name);
    for at in operands {
        out.set(at, if mode == Mode::Create { Touch::ReadTree } else { Touch::Name });
    }
    for (option, at) in &options {
        let touch = match (option, mode) {
            ('f', Mode::Create) | ('g', _) => Touch::Write,
            ('f' | 'T' | 'X', _) => Touch::Read,
            ('C', Mode::Extract) => Touch::Write,
            _ => Touch::Name,
        };
        out.set(*at, touch);
    }
    if mode == Mode::Extract && !options.iter().any(|(o, _)| *o == 'C') {
        out.cwd = Some(Touch::Write);
    }
    out
}

/// `zip ARCHIVE FILE…`: the archive is written, the files read (recursively with `-r`).
fn zip(args: &[ShellWord]) -> Touches {
    const TABLE: Valued = &[("-b", Touch::Name), ("-n", Touch::Name), ("-O", Touch::Write), ("-P", Touch::Name)];
    let parsed = Parsed::new(args, TABLE);
    let recursive = parsed.has(&["-r", "-R", "--recurse-paths"]);
    let files = if recursive { Touch::ReadTree } else { Touch::Read };
    by_operand(args, TABLE, &[Touch::Write], files)
}

/// `unzip ARCHIVE [-d DIR]`: writes into DIR, or the working directory.
fn unzip(args: &[ShellWord]) -> Touches {
    const TABLE: Valued = &[("-d", Touch::Write), ("-P", Touch::Name)];
    let parsed = Parsed::new(args, TABLE);
    let mut out = by_operand(args, TABLE, &[Touch::Read], Touch::Name);
    if parsed.value_of(&["-d"]).is_none() {
        out.cwd = Some(Touch::Write);
    }
    out
}

/// `7z a ARCHIVE FILE…` reads the files recursively; `7z x ARCHIVE [-oDIR]` writes.
fn seven_zip(args: &[ShellWord]) -> Touches {
    let mut out = Touches::all(args.len(), Touch::Name);
    let operands: Vec<usize> = (0..args.len())
        .filter(|i| !args.get(*i).and_then(ShellWord::text).is_some_and(|t| t.starts_with('-')))
        .collect();
    let command = operands.first().and_then(|i| args.get(*i)).and_then(ShellWord::text).unwrap_or_default();
    let command = command.to_lowercase();
    let (archive, files) = match command.as_str() {
        "a" | "u" => (Touch::Write, Touch::ReadTree),
        "d" | "rn" => (Touch::Write, Touch::Name),
        _ => (Touch::Read, Touch::Name),
    };
    for (n, at) in operands.iter().enumerate().skip(1) {
        out.set(*at, if n == 1 { archive } else { files });
    }
    let extracts = matches!(command.as_str(), "x" | "e");
    let mut to_dir = false;
    for (i, word) in args.iter().enumerate() {
        if extracts && word.text().is_some_and(|t| t.starts_with("-o")) {
            out.set(i, Touch::Write);
            to_dir = true;
        }
    }
    if extracts && !to_dir {
        out.cwd = Some(Touch::Write);
    }
    out
}

/// `dd if=IN of=OUT`.
fn dd(args: &[ShellWord]) -> Touches {
    let mut out = Touches::all(args.len(), Touch::Name);
    for (i, word) in args.iter().enumerate() {
        let text = word.raw.trim_start_matches(['"', '\'']).to_lowercase();
        if text.starts_with("of=") {
            out.set(i, Touch::Write);
        } else if text.starts_with("if=") {
            out.set(i, Touch::Read);
        }
    }
    out
}

/// `sed [-i] SCRIPT FILE…`: files are written only in place; a script may write
/// files of its own (`w FILE`).
fn sed(args: &[ShellWord]) -> Touches {
    const TABLE: Valued = &[
        ("-e", Touch::Write),
        ("--expression", Touch::Write),
        ("-f", Touch::Read),
        ("--file", Touch::Read),
        ("-l", Touch::Name),
        ("--line-length", Touch::Name),
    ];
    let parsed = Parsed::new(args, TABLE);
    let in_place = parsed.has(&["-i", "--in-place"])
        || args.iter().filter_map(ShellWord::text).any(|t| t.starts_with("-i") || t.starts_with("--in-place"));
    let mut out = parsed.touches(args.len(), TABLE, Touch::Name);
    let script_given = parsed.has(&["-e", "--expression", "-f", "--file"]);
    for (n, at) in parsed.operands.iter().enumerate() {
        let touch = match (n, script_given, in_place) {
            (0, false, _) | (_, _, true) => Touch::Write,
            _ => Touch::Read,
        };
        out.set(*at, touch);
    }
    out
}

/// `curl` and `wget`: URLs and data files are read, output files written; fetching
/// under the URL's own name writes into the working directory.
fn web(args: &[ShellWord], table: Valued, remote_name: &[&str]) -> Touches {
    let parsed = Parsed::new(args, table);
    let mut out = parsed.touches(args.len(), table, Touch::Read);
    let writes_named = parsed.values.iter().any(|(o, _)| table.iter().any(|(t, touch)| t == o && touch.writes()));
    let wget = remote_name.is_empty();
    if (wget && !writes_named) || parsed.has(remote_name) {
        out.cwd = Some(Touch::Write);
    }
    out
}

/// `git`: most subcommands read; `add`, `grep` and `archive` read whole trees, `commit
/// -a` the working directory's; the rest may write the working tree.
fn git(args: &[ShellWord]) -> Touches {
    const READS: &[&str] = &[
        "status",
        "log",
        "show",
        "diff",
        "blame",
        "annotate",
        "ls-files",
        "ls-tree",
        "ls-remote",
        "cat-file",
        "rev-parse",
        "rev-list",
        "describe",
        "shortlog",
        "reflog",
        "whatchanged",
        "name-rev",
        "for-each-ref",
        "show-ref",
        "fetch",
        "remote",
        "branch",
        "tag",
        "help",
        "version",
        "count-objects",
        "fsck",
        "check-ignore",
        "merge-base",
        "show-branch",
        "push",
    ];
    let mut out = Touches::all(args.len(), Touch::Name);
    let mut i = 0;
    while let Some(text) = args.get(i).and_then(ShellWord::text).filter(|t| t.starts_with('-')) {
        if text.starts_with("--work-tree") || text.starts_with("--git-dir") {
            out.set(if text.contains('=') { i } else { i + 1 }, Touch::Write);
        }
        i += if GIT_VALUED.contains(&text) { 2 } else { 1 };
    }
    let Some(subcommand) = args.get(i).and_then(ShellWord::text).map(str::to_lowercase) else {
        return Touches::all(args.len(), Touch::Any);
    };
    let rest = args.get(i + 1..).unwrap_or_default();
    let offset = |inner: Touches| -> Touches {
        let mut out = out.clone();
        for (n, touch) in inner.args.into_iter().enumerate() {
            out.set(i + 1 + n, touch);
        }
        out.cwd = inner.cwd;
        out
    };
    let parsed = Parsed::new(rest, &[("-F", Touch::Read), ("--file", Touch::Read), ("-o", Touch::Write)]);
    match subcommand.as_str() {
        s if READS.contains(&s) => offset(Touches::all(rest.len(), Touch::Read)),
        "add" | "stage" => {
            let mut inner = by_operand(rest, &[], &[], Touch::ReadTree);
            if parsed.has(&["-A", "--all", "-u", "--update"]) {
                inner.cwd = Some(Touch::ReadTree);
            }
            offset(inner)
        }
        "commit" => {
            let mut inner = parsed.touches(rest.len(), &[("-F", Touch::Read), ("--file", Touch::Read)], Touch::Name);
            if parsed.has(&["-a", "--all"]) {
                inner.cwd = Some(Touch::ReadTree);
            }
            offset(inner)
        }
        // A search like grep's, always recursive: its pathspecs are read whole
        // (`--no-index` reads them whether git tracks them or not), and so is the tree.
        "grep" => {
            let mut inner = search(rest, GREP_VALUED, true);
            inner.cwd = Some(Touch::ReadTree);
            offset(inner)
        }
        "archive" => {
            let mut inner =
                parsed.touches(rest.len(), &[("-o", Touch::Write), ("--output", Touch::Write)], Touch::Name);
            inner.cwd = Some(Touch::ReadTree);
            offset(inner)
        }
        "clone" => offset(by_operand(rest, &[], &[Touch::Read], Touch::Write)),
        _ => offset(Touches::all(rest.len(), Touch::Any)),
    }
}

/// `docker run -v HOST:CONTAINER`: the container may read and write all of HOST.
fn container(args: &[ShellWord]) -> Touches {
    const TABLE: Valued = &[("-v", Touch::Mount), ("--volume", Touch::Mount), ("--mount", Touch::Mount)];
    valued(args, TABLE, Touch::Any)
}

/// `python -m http.server` and `php -S` serve their working directory to anyone;
/// `python -m json.tool FILE` only reads.
fn server(args: &[ShellWord]) -> Touches {
    let texts: Vec<&str> = args.iter().map(|w| w.text().unwrap_or_default()).collect();
    if texts.windows(2).any(|w| matches!(w, ["-m", "json.tool"])) {
        return Touches::all(args.len(), Touch::Read);
    }
    let mut out = Touches::all(args.len(), Touch::Any);
    let serves = texts.windows(2).any(|w| matches!(w, ["-m", "http.server" | "SimpleHTTPServer"]))
        || (texts.contains(&"-S") && !texts.contains(&"-t"));
    let dir_given = texts.iter().any(|t| matches!(*t, "-d" | "--directory") || t.starts_with("--directory="));
    if serves && !dir_given {
        out.cwd = Some(Touch::ReadTree);
    }
    for (i, text) in texts.iter().enumerate() {
        if matches!(*text, "-d" | "--directory" | "-t") {
            out.set(i + 1, Touch::Mount);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(command: &str) -> Touches {
        let mut words = command.split(' ');
        let name = words.next().unwrap_or_default();
        let args: Vec<ShellWord> = words.map(ShellWord::literal).collect();
        touches(name, &args)
    }

    use Touch::*;

    #[test]
    fn copies_read_their_sources_and_write_their_destination() {
        assert_eq!(of("cp a b").args, [Read, Write]);
        assert_eq!(of("cp -r a b c").args, [Name, ReadTree, ReadTree, Write]);
        assert_eq!(of("cp -t dir a b").args, [Name, Write, Read, Read]);
        assert_eq!(of("mv a b").args, [Write, Write]);
        assert_eq!(of("rsync -a --exclude x src/ host:dst").args, [Name, Name, Name, ReadTree, Write]);
        assert_eq!(of("ln -s target link").link, Some((vec![1], Some(2))));
    }

    #[test]
    fn tar_modes_decide_what_operands_are() {
        assert_eq!(of("tar czf out.tgz dir").args, [Name, Write, ReadTree]);
        assert_eq!(of("tar -C /home -cf - agent").args, [Name, Name, Name, Write, ReadTree]);
        assert_eq!(of("tar -xf in.tar -C dest").args, [Name, Read, Name, Write]);
        assert_eq!(of("tar xf in.tar").cwd, Some(Write));
        assert_eq!(of("tar --create --file=out.tar dir").args, [Name, Write, ReadTree]);
    }

    #[test]
    fn searches_take_a_pattern_then_paths() {
        assert_eq!(of("grep secret f").args, [Name, Read]);
        assert_eq!(of("grep -r secret d").args, [Name, Name, ReadTree]);
        assert_eq!(of("grep -e secret -f pats d").args, [Name, Name, Name, Read, Read]);
        assert_eq!(of("rg token").cwd, Some(ReadTree));
        assert_eq!(of("grep secret f").cwd, None);
        assert_eq!(of("git grep --no-index secret d").args, [Name, Name, Name, ReadTree]);
        assert_eq!(of("git --config-env X=Y grep -e secret d").args, [Name, Name, Name, Name, Name, ReadTree]);
    }

    #[test]
    fn options_name_what_they_write() {
        assert_eq!(of("sort x --output=out").args, [Read, Write]);
        assert_eq!(of("sort -oout x").args, [Write, Read]);
        assert_eq!(of("curl -sSo out http://x").args, [Read, Write, Read]);
        assert_eq!(of("dd if=a of=b bs=1M").args, [Read, Write, Name]);
        assert_eq!(of("sed s/a/b/ f").args, [Write, Read]);
        assert_eq!(of("sed -i s/a/b/ f").args, [Name, Write, Write]);
        assert_eq!(of("docker run -v /:/host alpine").args, [Any, Any, Mount, Any]);
        assert_eq!(of("git diff --no-index a b").args, [Name, Read, Read, Read]);
        assert_eq!(of("git add -A").cwd, Some(ReadTree));
        assert_eq!(of("unknown a b").args, [Any, Any]);
    }
}
