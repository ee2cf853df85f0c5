//! What a secret looks like: the catalogue the redactor runs, one entry per shape.
//!
//! Two kinds. A *shape* is recognisable on its own (a vendor prefix, a JWT's three
//! parts). A *key-value* pattern captures a key and a value, and the value is a secret
//! only when the key names one ([`is_secret_key`]) and the value is not a reference or
//! a trivial word ([`is_worth_redacting`]). Values are not length-capped in the
//! regexes (bounded repetition multiplies the automaton's size); the stream keeps
//! [`LONGEST_MATCH`] bytes of look-back instead, see `stream.rs`.

/// Longer than any real secret and its key: the look-back kept between two windows
/// of an over-long line.
pub(super) const LONGEST_MATCH: usize = 8 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Shape,
    KeyValue,
}

#[derive(Debug)]
pub(super) struct Pattern {
    /// Stable id, for tests and for naming what a value looks like.
    pub id: &'static str,
    /// What a message may call it (never the value).
    pub noun: &'static str,
    pub kind: Kind,
    /// The value is group `v` (or `v2`, `v3`: alternative quotings); a key-value
    /// pattern's key is group `key`.
    pub regex: &'static str,
    /// Literals (matched ASCII-case-insensitively) one of which every match contains:
    /// lines without any are never run through the regexes.
    pub triggers: &'static [&'static str],
}

/// Words one of which every secret key contains: the key-value regexes require one,
/// so an ordinary `status=200` is never captured only to be rejected.
const KEY_TRIGGERS: &[&str] = &["pass", "pwd", "secret", "token", "credential", "key", "auth", "sig"];

pub(super) const PATTERNS: &[Pattern] = &[
    Pattern {
        id: "slack-webhook-url",
        noun: "a Slack webhook URL",
        kind: Kind::Shape,
        regex: r"hooks\.slack\.com/(?:services|workflows|triggers)/(?P<v>T[A-Z0-9]{4,64}/[A-Za-z0-9]{4,64}/[A-Za-z0-9]{8,})",
        triggers: &["hooks.slack.com"],
    },
    Pattern {
        id: "slack-token",
        noun: "a Slack token",
        kind: Kind::Shape,
        regex: r"\b(?P<v>xox[abeoprs]-[A-Za-z0-9-]{8,}|xapp-[A-Za-z0-9-]{8,})",
        triggers: &["xox", "xapp-"],
    },
    Pattern {
        id: "github-token",
        noun: "a GitHub token",
        kind: Kind::Shape,
        regex: r"\b(?P<v>gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})",
        triggers: &["ghp_", "gho_", "ghs_", "ghu_", "ghr_", "github_pat_"],
    },
    Pattern {
        id: "api-key",
        noun: "an API key",
        kind: Kind::Shape,
        // OpenAI, Anthropic and the many services that copied `sk-`; a word such as
        // `task-list` has a letter before `sk-` and is not a match.
        regex: r"(?:^|[^A-Za-z0-9_-])(?P<v>sk-(?:ant-|proj-|live_|test_)?[A-Za-z0-9_-]{8,})",
        triggers: &["sk-"],
    },
    Pattern {
        id: "aws-secret-key",
        noun: "an AWS secret access key",
        kind: Kind::Shape,
        // Forty characters right after an access key id (a CSV export, a credentials line).
        regex: r"\b(?P<v>(?:AKIA|ASIA)[A-Z0-9]{16})[\s,:;|'=]{1,8}(?P<v2>[A-Za-z0-9/+]{40})(?:[^A-Za-z0-9/+=]|$)",
        triggers: &["akia", "asia"],
    },
    Pattern {
        id: "aws-access-key-id",
        noun: "an AWS access key id",
        kind: Kind::Shape,
        regex: r"\b(?P<v>(?:AKIA|ASIA)[A-Z0-9]{16})\b",
        triggers: &["akia", "asia"],
    },
    Pattern {
        id: "jwt",
        noun: "a JSON Web Token",
        kind: Kind::Shape,
        regex: r"\b(?P<v>eyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*)",
        triggers: &["eyj"],
    },
    Pattern {
        id: "webhook-signing-secret",
        noun: "a webhook signing secret",
        kind: Kind::Shape,
        regex: r"\b(?P<v>whsec_[A-Za-z0-9+/=]{16,})",
        triggers: &["whsec_"],
    },
    Pattern {
        id: "url-credentials",
        noun: "a URL with a password",
        kind: Kind::Shape,
        regex: r"(?i)\b[a-z][a-z0-9+.-]{1,20}://[^\s/:@'<>]*:(?P<v>[^\s/@'<>]+)@",
        // Rarer in logs than `://`, and every match has one.
        triggers: &["@"],
    },
    Pattern {
        id: "authorization-header",
        noun: "an Authorization header",
        kind: Kind::Shape,
        regex: r#"(?i)\b(?:proxy-)?authorization["']?\s*:\s*["']?(?:(?:bearer|basic|token|digest|negotiate|apikey|bot)\s+)?(?P<v>[^\s"',;]{4,})"#,
        triggers: &["authorization"],
    },
    Pattern {
        id: "basic-auth-flag",
        noun: "a user:password argument",
        kind: Kind::Shape,
        // curl -u user:pass, --user user:pass, -u=user:pass, glued -uuser:pass, the
        // proxy's -U and --proxy-user alike, and each
        // with the pair quoted (the shell's usual spelling when the password has symbols),
        // also inside a JSON string (`\"`), where the escape is left whole.
        regex: r#"(?:^|\s)(?:--(?:proxy-)?user[ =]+|-[uU][ =]*)(?:'[^':\n]+:(?P<v2>[^'\n]+)'|\\?"[^"\\:\n]+:(?P<v3>[^"\\\n]+)\\?"|[^\s:'"]+:(?P<v>[^\s'"]+))"#,
        triggers: &["-u"],
    },
    Pattern {
        id: "mysql-password-flag",
        noun: "a password argument",
        kind: Kind::Shape,
        // `mysql -phunter2` or `-p'hunter 2'`, in any of the MySQL and MariaDB tools.
        // Only glued: in `-p db` the client prompts and `db` is the database; `-P` is
        // the port.
        regex: r#"\b(?i:mysql[a-z]*|mariadb(?:-[a-z]+)?)\b[^\n;|&]*?\s-p(?:'(?P<v2>[^'\n]+)'|"(?P<v3>[^"\n]+)"|(?P<v>[^\s"';|&-][^\s"';|&]*))"#,
        triggers: &["mysql", "mariadb"],
    },
    Pattern {
        id: "sshpass-password",
        noun: "a password argument",
        kind: Kind::Shape,
        // `sshpass -p secret ssh host`, glued, spaced or quoted.
        regex: r#"\b(?i:sshpass)\b[^\n;|&]*?\s-p[ \t]*(?:'(?P<v2>[^'\n]+)'|"(?P<v3>[^"\n]+)"|(?P<v>[^\s"';|&-][^\s"';|&]*))"#,
        triggers: &["sshpass"],
    },
    Pattern {
        id: "bearer-token",
        noun: "a bearer token",
        kind: Kind::Shape,
        regex: r"(?i)\bbearer\s+(?P<v>[A-Za-z0-9._~+/=-]{16,})",
        triggers: &["bearer"],
    },
    Pattern {
        id: "quoted-key",
        noun: "a credential setting",
        kind: Kind::KeyValue,
        // JSON and dictionary literals: "api_key": "…", 'password' => '…'.
        regex: r#"["'](?P<key>[A-Za-z0-9_.\-]{0,40}(?i:pass|pwd|secret|token|credential|key|auth|sig)[A-Za-z0-9_.\-]{0,40})["']\s*(?::|=>?)\s*(?:"(?P<v>(?:[^"\\\r\n]|\\.)+)"?|'(?P<v2>[^'\r\n]+)'?)"#,
        triggers: KEY_TRIGGERS,
    },
    Pattern {
        id: "assignment",
        noun: "a credential setting",
        kind: Kind::KeyValue,
        // KEY=value in env files and shells, --flag=value, Password=…; in connection
        // strings, ?token=… in URLs.
        regex: r#"(?:^|[^A-Za-z0-9_.\-])(?P<key>[A-Za-z0-9_.\-]{0,40}(?i:pass|pwd|secret|token|credential|key|auth|sig)[A-Za-z0-9_.\-]{0,40})\s*=>?\s*(?:"(?P<v>[^"\r\n]+)"?|'(?P<v2>[^'\r\n]+)'?|(?P<v3>[^\s"'&;,)\]}]+))"#,
        triggers: KEY_TRIGGERS,
    },
    Pattern {
        id: "colon-setting",
        noun: "a credential setting",
        kind: Kind::KeyValue,
        // YAML and HTTP headers, one per line: `password: …`, `X-Api-Key: …`.
        regex: r#"(?m)^[ \t]*(?:-[ \t]+)?(?P<key>[A-Za-z0-9_.\-]{0,40}(?i:pass|pwd|secret|token|credential|key|auth|sig)[A-Za-z0-9_.\-]{0,40})[ \t]*:[ \t]+(?:"(?P<v>(?:[^"\\\r\n]|\\.)+)"?|'(?P<v2>[^'\r\n]+)'?|(?P<v3>[^\s#"'][^\r\n#]*))"#,
        triggers: KEY_TRIGGERS,
    },
    Pattern {
        id: "cli-flag",
        noun: "a credential flag",
        kind: Kind::KeyValue,
        regex: r#"(?:^|\s)--?(?P<key>[A-Za-z0-9-]{0,40}(?i:pass|pwd|secret|token|credential|key|auth|sig)[A-Za-z0-9-]{0,40})[ \t]+(?:"(?P<v>[^"\r\n]+)"|'(?P<v2>[^'\r\n]+)'|(?P<v3>[^\s"'-][^\s"']*))"#,
        triggers: KEY_TRIGGERS,
    },
];

/// One word of a key that names a secret on its own.
const SECRET_WORDS: &[&str] = &[
    "password",
    "passwd",
    "passphrase",
    "pass",
    "pwd",
    "secret",
    "token",
    "credential",
    "credentials",
    "authorization",
    "auth",
    "apikey",
    "privatekey",
    "signingkey",
    "clientsecret",
    "accesstoken",
    "refreshtoken",
    "connectionstring",
    "sig",
];

/// Words a glued key ends with (`PGPASSWORD`, `rootpassword`, `xAuthToken` spelled
/// as one word): long enough that an ordinary word does not end with one by chance.
const SECRET_ENDINGS: &[&str] = &["password", "passwd", "passphrase", "secret", "token", "apikey", "credentials"];

/// Two adjacent words that together name a secret (`api` + `key`).
const SECRET_PAIRS: &[&str] = &[
    "apikey",
    "accesskey",
    "secretkey",
    "privatekey",
    "signingkey",
    "encryptionkey",
    "masterkey",
    "sessionkey",
    "accountkey",
    "clientkey",
    "clientsecret",
    "connectionstring",
];

/// A last word that makes the value about a secret, not the secret (`token_url`).
const NOT_SECRET_LAST: &[&str] = &[
    "url",
    "uri",
    "endpoint",
    "file",
    "path",
    "dir",
    "name",
    "type",
    "id",
    "ids",
    "count",
    "length",
    "len",
    "limit",
    "max",
    "min",
    "expiry",
    "expires",
    "expiration",
    "ttl",
    "size",
    "header",
    "field",
    "env",
    "var",
    "policy",
    "rotation",
    "format",
    "kind",
    "mode",
    "enabled",
    "required",
    "hint",
    "prompt",
    "label",
    "description",
    "help",
    "placeholder",
    "pattern",
    "regex",
    "version",
    "timeout",
    "lifetime",
    "issuer",
    "audience",
    "scope",
    "scopes",
    "location",
    "provider",
    "source",
    "usage",
    "budget",
    "prefix",
    "suffix",
    "strength",
    "age",
    "algorithm",
    "method",
    "host",
    "port",
    "user",
    "username",
    "email",
    "login",
    "store",
    "manager",
    "vault",
    "ref",
    "reset",
    "changed",
];

/// Whether a key (`DB_PASSWORD`, `clientSecret`, `x-api-key`) names a secret.
pub(super) fn is_secret_key(key: &str) -> bool {
    let words = words(key);
    let Some(last) = words.last() else { return false };
    if NOT_SECRET_LAST.contains(&last.as_str()) {
        return false;
    }
    let joined: String = words.concat();
    words.iter().any(|w| SECRET_WORDS.contains(&w.as_str()))
        || SECRET_ENDINGS.iter().any(|ending| last.ends_with(ending))
        || words.windows(2).any(|pair| SECRET_PAIRS.contains(&pair.concat().as_str()))
        || SECRET_WORDS.contains(&joined.as_str())
}

/// A key's words, lower case: split at separators and at camelCase humps
/// (`APIKey` → `api`, `key`).
fn words(key: &str) -> Vec<String> {
    let chars: Vec<char> = key.chars().collect();
    let mut out: Vec<String> = Vec::new();
    let mut current = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_ascii_alphanumeric() {
            out.extend((!current.is_empty()).then(|| std::mem::take(&mut current)));
            continue;
        }
        let previous = i.checked_sub(1).and_then(|p| chars.get(p)).copied();
        let next = chars.get(i + 1).copied();
        let hump = c.is_ascii_uppercase()
            && previous.is_some_and(|p| {
                p.is_ascii_lowercase() || (p.is_ascii_uppercase() && next.is_some_and(|n| n.is_ascii_lowercase()))
            });
        if hump && !current.is_empty() {
            out.push(std::mem::take(&mut current));
        }
        current.push(c.to_ascii_lowercase());
    }
    out.extend((!current.is_empty()).then_some(current));
    out
}

/// Whether a value found under a secret key is worth hiding: not a reference to
/// one (`$TOKEN`, `${{ secrets.X }}`), not an empty or null word, not a small number.
pub(super) fn is_worth_redacting(value: &[u8]) -> bool {
    let trimmed = value.trim_ascii();
    let lower = trimmed.to_ascii_lowercase();
    let words: [&[u8]; 8] = [b"", b"null", b"none", b"nil", b"true", b"false", b"undefined", b"***redacted***"];
    if words.contains(&lower.as_slice()) || trimmed.starts_with(b"$") || trimmed.starts_with(b"%") {
        return false;
    }
    // Code, not a value: `password = get_password(...)`, `key = std::env::var(`,
    // `os.environ[`, `token = await …`, `accessToken: string;`.
    let identifier =
        trimmed.iter().take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b':')).count();
    if identifier > 0 && matches!(trimmed.get(identifier), Some(b'(' | b'[')) {
        return false;
    }
    let code: [&[u8]; 9] =
        [b"await", b"new", b"string", b"string;", b"number;", b"boolean;", b"any;", b"function", b"string,"];
    if code.contains(&lower.as_slice()) {
        return false;
    }
    !(trimmed.len() < 8 && trimmed.iter().all(u8::is_ascii_digit))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_that_name_secrets() {
        for key in [
            "api_key",
            "API_KEY",
            "apiKey",
            "x-api-key",
            "DB_PASSWORD",
            "Password",
            "Pwd",
            "clientSecret",
            "client_secret",
            "GITHUB_TOKEN",
            "access_token",
            "refresh_token",
            "signing_key",
            "private_key",
            "connection_string",
            "ConnectionString",
            "aws_secret_access_key",
            "credentials",
            "Authorization",
            "SLACK_BOT_TOKEN",
            "auth",
            "db_pass",
            "APIKey",
            "secret",
        ] {
            assert!(is_secret_key(key), "{key}");
        }
    }

    #[test]
    fn keys_that_only_talk_about_secrets() {
        for key in [
            "token_count",
            "max_tokens",
            "tokenizer",
            "token_url",
            "password_policy",
            "secret_name",
            "token_type",
            "key",
            "monkey",
            "keyboard",
            "primary_key_id",
            "AWS_ACCESS_KEY_ID",
            "author",
            "passenger",
            "bypass",
            "api_key_header",
            "user",
            "expires_at",
        ] {
            assert!(!is_secret_key(key), "{key}");
        }
    }

    #[test]
    fn references_and_trivia_are_not_values_worth_hiding() {
        for value in [
            "$GITHUB_TOKEN",
            "${{ secrets.TOKEN }}",
            "null",
            "",
            "512",
            "%DB_PASS%",
            "***REDACTED***",
            "os.getenv(\"X\")",
        ] {
            assert!(!is_worth_redacting(value.as_bytes()), "{value}");
        }
        for value in ["hunter2", "s3cr3t!", "12345678", "abc"] {
            assert!(is_worth_redacting(value.as_bytes()), "{value}");
        }
    }
}
