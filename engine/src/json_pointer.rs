//! RFC 6901 JSON pointers as plain strings, the one place that escapes `~` and `/`.

/// `pointer` extended by one reference token.
pub(crate) fn join(pointer: &str, token: &str) -> String {
    // One allocation: loading a large home joins a pointer for every node it walks.
    let mut joined = String::with_capacity(pointer.len() + 1 + token.len());
    joined.push_str(pointer);
    joined.push('/');
    for c in token.chars() {
        match c {
            '~' => joined.push_str("~0"),
            '/' => joined.push_str("~1"),
            c => joined.push(c),
        }
    }
    joined
}

/// The pointer of `tokens` (unescaped), from the root: the inverse of [`tokens`].
pub(crate) fn from_tokens<T: AsRef<str>>(tokens: impl IntoIterator<Item = T>) -> String {
    tokens.into_iter().fold(String::new(), |pointer, token| join(&pointer, token.as_ref()))
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

/// Sets `value` at `pointer`, creating the objects on the way and reusing a key
/// spelled differently (keys match case-insensitively, and two spellings of one key
/// would be a duplicate). Does nothing where a non-object stands in the way.
pub(crate) fn insert(root: &mut serde_json::Value, pointer: &str, value: serde_json::Value) {
    let tokens = tokens(pointer);
    let Some((last, parents)) = tokens.split_last() else { return };
    let mut node = root;
    for token in parents {
        let Some(object) = node.as_object_mut() else { return };
        let key = spelled(object, token);
        node = object.entry(key).or_insert_with(|| serde_json::Value::Object(serde_json::Map::new()));
    }
    if let Some(object) = node.as_object_mut() {
        let key = spelled(object, last);
        object.insert(key, value);
    }
}

/// Every string in `value` with its pointer, in document order.
pub(crate) fn strings(value: &serde_json::Value) -> Vec<(String, &str)> {
    let mut out = Vec::new();
    collect_strings(value, String::new(), &mut out);
    out
}

fn collect_strings<'v>(value: &'v serde_json::Value, pointer: String, out: &mut Vec<(String, &'v str)>) {
    match value {
        serde_json::Value::String(text) => out.push((pointer, text)),
        serde_json::Value::Object(object) => {
            for (key, child) in object {
                collect_strings(child, join(&pointer, key), out);
            }
        }
        serde_json::Value::Array(items) => {
            for (index, child) in items.iter().enumerate() {
                collect_strings(child, join(&pointer, &index.to_string()), out);
            }
        }
        _ => {}
    }
}

fn spelled(object: &serde_json::Map<String, serde_json::Value>, token: &str) -> String {
    object.keys().find(|k| k.eq_ignore_ascii_case(token)).cloned().unwrap_or_else(|| token.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_round_trip() {
        let p = join(&join("", "ToolOverrides"), "notion/delete~page");
        assert_eq!(p, "/ToolOverrides/notion~1delete~0page");
        assert_eq!(tokens(&p), vec!["ToolOverrides", "notion/delete~page"]);
        assert_eq!(from_tokens(tokens(&p)), p);
        assert_eq!(from_tokens([""; 0]), "");
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
