//! RFC 6901 JSON pointers as plain strings, the one place that escapes `~` and `/`.

/// `pointer` extended by one reference token.
pub(crate) fn join(pointer: &str, token: &str) -> String {
    let escaped = token.replace('~', "~0").replace('/', "~1");
    format!("{pointer}/{escaped}")
}

/// The unescaped reference tokens of `pointer` (`""` has none).
pub(crate) fn tokens(pointer: &str) -> Vec<String> {
    pointer.split('/').skip(1).map(|t| t.replace("~1", "/").replace("~0", "~")).collect()
}

/// Whether `pointer` is `ancestor` or lies under it.
pub(crate) fn is_within(pointer: &str, ancestor: &str) -> bool {
    pointer == ancestor || (pointer.starts_with(ancestor) && pointer.as_bytes().get(ancestor.len()) == Some(&b'/'))
}

/// The dotted config key netclaw users know (`Tools.AudienceProfiles.Team.ApprovalPolicy`);
/// tokens with a dot or slash (`notion/notion-search`) are bracketed so the path stays
/// unambiguous.
pub(crate) fn dotted(pointer: &str) -> String {
    let mut out = String::new();
    for token in tokens(pointer) {
        if token.contains(['.', '/']) || token.is_empty() {
            out.push_str(&format!("[{token:?}]"));
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(&token);
        }
    }
    out
}

/// `pointer` (canonical spelling) as `value` spells its keys, matching keys
/// case-insensitively as netclaw's loader does; `None` when nothing is there.
pub(crate) fn spelled_in(value: &serde_json::Value, pointer: &str) -> Option<String> {
    let mut node = value;
    let mut out = String::new();
    for token in tokens(pointer) {
        node = match node {
            serde_json::Value::Object(object) => {
                let (key, next) = object.iter().find(|(k, _)| k.eq_ignore_ascii_case(&token))?;
                out = join(&out, key);
                next
            }
            serde_json::Value::Array(items) => {
                let next = items.get(token.parse::<usize>().ok()?)?;
                out = join(&out, &token);
                next
            }
            _ => return None,
        };
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_round_trip() {
        let p = join(&join("", "ToolOverrides"), "notion/delete~page");
        assert_eq!(p, "/ToolOverrides/notion~1delete~0page");
        assert_eq!(tokens(&p), vec!["ToolOverrides", "notion/delete~page"]);
    }

    #[test]
    fn within_respects_token_boundaries() {
        assert!(is_within("/Slack/Enabled", "/Slack"));
        assert!(is_within("/Slack", "/Slack"));
        assert!(!is_within("/SlackExtra", "/Slack"));
    }

    #[test]
    fn dotted_keys_bracket_dots() {
        assert_eq!(dotted("/Tools/ShellMode"), "Tools.ShellMode");
        assert_eq!(dotted("/A/b.c"), "A[\"b.c\"]");
        assert_eq!(dotted("/ToolOverrides/notion~1x"), "ToolOverrides[\"notion/x\"]");
    }
}
