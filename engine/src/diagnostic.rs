//! What is wrong with a user's files, where, and what to do about it.
//!
//! A [`Diagnostic`] is a [`Problem`] (a stable kebab-case code and a lowercase message
//! with user input in backticks), a [`Location`] (home-relative file, RFC 6901 pointer,
//! line and column where known) and a severity. Loading collects every diagnostic at
//! once instead of stopping at the first, so one `doctor` run shows all of them.
//!
//! No variant carries a value that could be a secret: values are only echoed by
//! [`Problem::InvalidEnumValue`], and the loader masks those in `secrets.json` and at
//! `writeOnly` pointers.

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Warning,
    Error,
}

/// Where a problem is: a file under the home, a pointer into it, and a position.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Location {
    /// Relative to the home, `/`-separated (`config/netclaw.json`), or an env var name.
    pub file: String,
    /// RFC 6901, in the file's own spelling of the keys; empty for the whole file.
    pub pointer: String,
    pub line: Option<u32>,
    pub column: Option<u32>,
}

impl Location {
    pub fn file(file: impl Into<String>) -> Self {
        Self { file: file.into(), pointer: String::new(), line: None, column: None }
    }

    pub fn at(file: impl Into<String>, pointer: impl Into<String>) -> Self {
        Self { pointer: pointer.into(), ..Self::file(file) }
    }
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.file)?;
        if let (Some(line), Some(column)) = (self.line, self.column) {
            write!(f, ":{line}:{column}")?;
        }
        if !self.pointer.is_empty() {
            write!(f, " {}", self.pointer)?;
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Problem {
    #[error("expected a directory, found a file")]
    NotADirectory,
    #[error("expected a file, found {found}")]
    NotAFile { found: &'static str },
    #[error("cannot read the file: {reason}")]
    Unreadable { reason: String },
    #[error("the file is not valid UTF-8 text: invalid byte at offset {offset}")]
    NotUtf8 { offset: usize },
    #[error("the file starts with a UTF-8 byte-order mark, which JSON does not allow")]
    ByteOrderMark,
    #[error("the file is larger than {} MiB", limit / (1024 * 1024))]
    TooLarge { limit: u64 },
    #[error("invalid JSON: {message}")]
    InvalidJson { message: String },
    #[error("key `{key}` appears more than once; only one would take effect")]
    DuplicateKey { key: String },
    #[error("unknown key `{key}`")]
    UnknownKey { key: String, suggestion: Option<String> },
    #[error("{}", invalid_value_message(value.as_deref(), allowed))]
    InvalidEnumValue {
        /// `None` when the value is masked.
        value: Option<String>,
        allowed: Vec<String>,
        suggestion: Option<String>,
    },
    #[error("{message}")]
    SchemaViolation { keyword: String, message: String },
    #[error("{message}")]
    HardDenyRuleShape { message: String },
    #[error("`{name}` is not a valid route name")]
    InvalidRouteName {
        name: String,
        /// What a route name must match.
        pattern: &'static str,
    },
    #[error("`{name}` is not a route file and is ignored")]
    IgnoredFile { name: String },
    #[error("environment variable `{var}` does not name a config key")]
    UnknownEnvVar { var: String, suggestion: Option<String> },
    #[error("environment variable `{var}` is not a valid {expected}")]
    InvalidEnvValue { var: String, expected: String },
    #[error("`{key}` is a setting, not a credential, and cannot be set in secrets.json")]
    SettingInSecrets { key: String },
    #[error("`verbTokens` are not the words of the approved command `{shell}`")]
    ApprovalNotWhatWasRead { shell: String },
    #[error("`{key}` refers to nothing: {why}")]
    KeyRefersToNothing { key: String, why: String },
    #[error("`{root}` is not an absolute path")]
    RelativeRoot { root: String },
    #[error("environment variables `{var}` and `{other}` set the same key")]
    EnvVarConflict { var: String, other: String },
    #[error("`{name}` cannot be matched: {why}")]
    UnusableName { name: String, why: &'static str },
    #[error("environment variable `{var}` is empty")]
    EmptyEnvValue { var: String },
    #[error("the validated file does not match netclaw's types: {message}")]
    SchemaDrift { message: String },
}

fn invalid_value_message(value: Option<&str>, allowed: &[String]) -> String {
    let allowed = allowed.iter().map(|a| format!("`{a}`")).collect::<Vec<_>>().join(", ");
    match value {
        Some(value) => format!("`{value}` is not one of {allowed}"),
        None => format!("the value is not one of {allowed}"),
    }
}

impl Problem {
    /// Stable, kebab-case, unique: CI gates and docs refer to these.
    pub fn code(&self) -> &'static str {
        match self {
            Problem::NotADirectory => "not-a-directory",
            Problem::NotAFile { .. } => "not-a-file",
            Problem::Unreadable { .. } => "unreadable-file",
            Problem::NotUtf8 { .. } => "not-utf8",
            Problem::ByteOrderMark => "byte-order-mark",
            Problem::TooLarge { .. } => "file-too-large",
            Problem::InvalidJson { .. } => "invalid-json",
            Problem::DuplicateKey { .. } => "duplicate-key",
            Problem::UnknownKey { .. } => "unknown-key",
            Problem::InvalidEnumValue { .. } => "invalid-enum-value",
            Problem::SchemaViolation { .. } => "schema-violation",
            Problem::HardDenyRuleShape { .. } => "hard-deny-rule-shape",
            Problem::InvalidRouteName { .. } => "invalid-route-name",
            Problem::IgnoredFile { .. } => "ignored-file",
            Problem::UnknownEnvVar { .. } => "unknown-env-var",
            Problem::InvalidEnvValue { .. } => "invalid-env-value",
            Problem::EmptyEnvValue { .. } => "empty-env-value",
            Problem::EnvVarConflict { .. } => "env-var-conflict",
            Problem::UnusableName { .. } => "unusable-name",
            Problem::RelativeRoot { .. } => "relative-root",
            Problem::KeyRefersToNothing { .. } => "key-refers-to-nothing",
            Problem::ApprovalNotWhatWasRead { .. } => "approval-not-what-was-read",
            Problem::SettingInSecrets { .. } => "setting-in-secrets",
            Problem::SchemaDrift { .. } => "schema-drift",
        }
    }

    /// Advice beyond the message: the likely fix.
    pub fn help(&self) -> Option<String> {
        match self {
            Problem::UnknownKey { suggestion: Some(s), .. }
            | Problem::UnknownEnvVar { suggestion: Some(s), .. }
            | Problem::InvalidEnumValue { suggestion: Some(s), .. } => Some(format!("did you mean `{s}`?")),
            Problem::UnknownKey { .. } => Some(
                "remove it: an unknown key is ignored by netclaw, which hides typos in security settings".to_owned(),
            ),
            Problem::InvalidRouteName { pattern, .. } => {
                Some(format!("rename the file so its name matches `{pattern}` (lowercase words joined by `-`)"))
            }
            Problem::IgnoredFile { .. } => Some("keep only `<route>.json` files in config/webhooks/".to_owned()),
            Problem::ByteOrderMark => Some("save the file as UTF-8 without a BOM (\"UTF-8\", not \"UTF-8 with BOM\")".to_owned()),
            Problem::NotUtf8 { .. } => Some("save the file as UTF-8; the byte at that offset is from another encoding".to_owned()),
            Problem::ApprovalNotWhatWasRead { .. } => Some(
                "remove the entry (approve the command again to recreate it); an entry must grant what its `shell` text shows"
                    .to_owned(),
            ),
            Problem::SettingInSecrets { key } => {
                Some(format!("move `{key}` to netclaw.json, where reviewers can read it"))
            }
            Problem::RelativeRoot { .. } => Some("write the directory in full (`/srv/project`) or under `~/`".to_owned()),
            Problem::EmptyEnvValue { var } => {
                Some(format!("unset `{var}` to keep the files' value, or give it one; empty never means unset"))
            }
            Problem::SchemaDrift { .. } => Some("this is a netclaw bug: please report it with the file".to_owned()),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub location: Location,
    /// Boxed: diagnostics travel in `Result`s, and most are never constructed.
    pub problem: Box<Problem>,
}

impl Diagnostic {
    pub fn error(location: Location, problem: Problem) -> Self {
        Self { severity: Severity::Error, location, problem: Box::new(problem) }
    }

    pub fn warning(location: Location, problem: Problem) -> Self {
        Self { severity: Severity::Warning, location, problem: Box::new(problem) }
    }

    /// `file` could not be read or loaded (a thread doing it panicked): an error, so
    /// what depends on the file is refused rather than left out.
    pub(crate) fn unreadable(file: &str, reason: &str) -> Self {
        Self::error(Location::file(file), Problem::Unreadable { reason: reason.to_owned() })
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl std::fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {} [{}]", self.location, self.problem, self.problem.code())?;
        if let Some(help) = self.problem.help() {
            write!(f, "; {help}")?;
        }
        Ok(())
    }
}

/// The closest candidate to `input`, ignoring case, if it is close enough to be a typo:
/// a small edit distance, or one spelling a prefix of the other (`Sandbox` →
/// `SandboxOnly`).
pub(crate) fn did_you_mean<'a>(input: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<String> {
    let input = input.to_ascii_lowercase();
    let threshold = (input.chars().count() / 3).max(2);
    candidates
        .into_iter()
        .filter_map(|candidate| {
            let lower = candidate.to_ascii_lowercase();
            let distance = strsim::damerau_levenshtein(&input, &lower);
            let prefix = input.len() >= 3 && (lower.starts_with(&input) || input.starts_with(&lower));
            (distance <= threshold || prefix).then_some((distance, candidate))
        })
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one_of_each() -> Vec<Problem> {
        let text = String::new;
        vec![
            Problem::NotADirectory,
            Problem::NotAFile { found: "a directory" },
            Problem::Unreadable { reason: text() },
            Problem::NotUtf8 { offset: 0 },
            Problem::ByteOrderMark,
            Problem::InvalidJson { message: text() },
            Problem::DuplicateKey { key: text() },
            Problem::UnknownKey { key: text(), suggestion: None },
            Problem::InvalidEnumValue { value: None, allowed: Vec::new(), suggestion: None },
            Problem::SchemaViolation { keyword: text(), message: text() },
            Problem::HardDenyRuleShape { message: text() },
            Problem::InvalidRouteName { name: text(), pattern: "^x$" },
            Problem::IgnoredFile { name: text() },
            Problem::UnknownEnvVar { var: text(), suggestion: None },
            Problem::InvalidEnvValue { var: text(), expected: text() },
            Problem::SchemaDrift { message: text() },
        ]
    }

    /// Codes are what CI filters and docs refer to: each must be unique and kebab-case.
    #[test]
    fn problem_codes_are_unique_and_kebab_case() {
        let codes: Vec<_> = one_of_each().iter().map(Problem::code).collect();
        let unique: std::collections::HashSet<_> = codes.iter().collect();
        assert_eq!(unique.len(), codes.len(), "{codes:?}");
        for code in codes {
            assert!(
                code.split('-')
                    .all(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())),
                "{code}"
            );
        }
    }

    #[test]
    fn suggests_close_spellings_only() {
        let keys = ["Security", "Slack", "Tools"];
        assert_eq!(did_you_mean("Secutiry", keys).as_deref(), Some("Security"));
        assert_eq!(did_you_mean("slak", keys).as_deref(), Some("Slack"));
        assert_eq!(did_you_mean("Telemetry", keys), None);
        assert_eq!(did_you_mean("Sandbox", ["Off", "SandboxOnly"]).as_deref(), Some("SandboxOnly"));
    }
}
