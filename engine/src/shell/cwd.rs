//! Where each command of a script runs, followed through `cd`.
//!
//! `cd ~/.netclaw/config && cat secrets.json` reads a protected file by a relative
//! name; `cd / && rm -rf *` removes everything. A `cd` can fail, and it can sit in a
//! branch that does not run, so a command's working directory is a set: every
//! directory it may be in. A target only known at run time makes it unknown.

use std::path::{Path, PathBuf};

use super::word::ShellWord;
use crate::paths::normalize;

/// How many directories are followed before the working directory counts as unknown.
const MAX_DIRS: usize = 8;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cwd {
    /// Absolute, lexically normalised.
    pub dirs: Vec<PathBuf>,
    /// It may also be somewhere not in `dirs`.
    pub unknown: bool,
}

impl Cwd {
    pub fn at(dir: &Path) -> Self {
        Self { dirs: vec![normalize(dir)], unknown: false }
    }

    pub fn unknown() -> Self {
        Self { dirs: Vec::new(), unknown: true }
    }

    /// `path` (relative or absolute) from each directory this may be.
    pub fn join(&self, path: &str) -> Vec<PathBuf> {
        if Path::new(path).is_absolute() {
            return vec![normalize(Path::new(path))];
        }
        self.dirs.iter().map(|dir| normalize(&dir.join(path))).collect()
    }

    /// After `cd TARGET` (`None`: `cd` alone), which may also fail and leave things as
    /// they are: the old directories stay possible.
    pub fn change(&mut self, target: Option<&ShellWord>, user_home: Option<&Path>) {
        let mut next = Vec::new();
        let mut unknown = self.unknown;
        match target {
            None => match user_home {
                Some(home) => next.push(normalize(home)),
                None => unknown = true,
            },
            Some(word) => {
                unknown |= word.open;
                for value in &word.values {
                    if value.glob.is_some() {
                        unknown = true;
                    } else if value.home_relative {
                        match user_home {
                            Some(home) => next.push(normalize(&home.join(value.text.trim_start_matches('/')))),
                            None => unknown = true,
                        }
                    } else if value.text == "-" {
                        // `cd -` goes to `$OLDPWD`: where the caller was before, for all we know.
                        unknown = true;
                    } else {
                        unknown |= self.unknown && !Path::new(&value.text).is_absolute();
                        next.extend(self.join(&value.text));
                    }
                }
            }
        }
        self.add(next, unknown);
    }

    /// Either this or `other`: the union of both.
    pub fn merge(&mut self, other: &Cwd) {
        self.add(other.dirs.clone(), other.unknown);
    }

    fn add(&mut self, dirs: Vec<PathBuf>, unknown: bool) {
        for dir in dirs {
            if !self.dirs.contains(&dir) {
                self.dirs.push(dir);
            }
        }
        self.unknown |= unknown;
        if self.dirs.len() > MAX_DIRS {
            self.dirs.truncate(MAX_DIRS);
            self.unknown = true;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn word(text: &str) -> ShellWord {
        ShellWord::literal(text)
    }

    #[test]
    fn cd_adds_a_directory_and_keeps_the_old_one() {
        let mut cwd = Cwd::at(Path::new("/work/project"));
        cwd.change(Some(&word("../other")), None);
        assert_eq!(cwd.dirs, [PathBuf::from("/work/project"), PathBuf::from("/work/other")]);
        assert!(!cwd.unknown);
        cwd.change(None, Some(Path::new("/home/me")));
        assert!(cwd.dirs.contains(&PathBuf::from("/home/me")));
    }

    #[test]
    fn an_unknown_target_makes_the_directory_unknown() {
        let mut cwd = Cwd::at(Path::new("/work"));
        cwd.change(Some(&ShellWord { open: true, values: Vec::new(), ..word("$X") }), None);
        assert!(cwd.unknown);
        assert_eq!(Cwd::unknown().join("x"), Vec::<PathBuf>::new());
    }
}
