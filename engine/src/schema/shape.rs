//! Case-insensitive key and enum matching, driven by the schema.
//!
//! netclaw matches keys (and enum values) case-insensitively, which JSON Schema cannot
//! express. Before validation, [`shape`] rewrites a document into the schema's own
//! spelling, remembering each canonical pointer's original spelling so diagnostics
//! point at what the user wrote. Keys the schema does not know are reported here, with
//! a "did you mean", and dropped: an ignored typo in a security setting is a hole.

use std::collections::{HashMap, HashSet};

use serde_json::{Map, Value};

use crate::diagnostic::{Diagnostic, Problem, did_you_mean};
use crate::document::JsonDocument;
use crate::json_pointer;

/// A place in a schema document, with the root at hand to resolve `$ref`s.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SchemaNode<'s> {
    root: &'s Value,
    node: &'s Value,
}

/// The schema that admits anything.
static ANY: Value = Value::Bool(true);

/// How many `$ref` hops are followed before a schema is treated as opaque.
const MAX_REF_HOPS: usize = 32;

impl<'s> SchemaNode<'s> {
    pub(crate) fn root(root: &'s Value) -> Self {
        Self { root, node: root }
    }

    /// The node's address: one key for the same node however it was reached, for
    /// walks that remember what they asked of it.
    fn id(self) -> usize {
        std::ptr::from_ref(self.node) as usize
    }

    fn with(self, node: &'s Value) -> Self {
        Self { root: self.root, node }
    }

    fn resolve(self) -> Self {
        let mut node = self.node;
        for _ in 0..MAX_REF_HOPS {
            let Some(reference) = node.get("$ref").and_then(Value::as_str) else {
                break;
            };
            match reference.strip_prefix('#').and_then(|p| self.root.pointer(p)) {
                Some(target) => node = target,
                None => break,
            }
        }
        self.with(node)
    }

    /// This schema and every `anyOf` / `oneOf` / `allOf` alternative, refs resolved.
    fn branches(self) -> Vec<SchemaNode<'s>> {
        let mut out = Vec::new();
        let mut stack = vec![self.resolve()];
        while let Some(node) = stack.pop() {
            out.push(node);
            for keyword in ["anyOf", "oneOf", "allOf"] {
                if let Some(alternatives) = node.node.get(keyword).and_then(Value::as_array) {
                    stack.extend(alternatives.iter().rev().map(|a| node.with(a).resolve()));
                }
            }
        }
        out
    }

    fn properties(self) -> Vec<(&'s str, SchemaNode<'s>)> {
        self.branches()
            .into_iter()
            .filter_map(|b| b.node.get("properties").and_then(Value::as_object).map(|p| (b, p)))
            .flat_map(|(b, props)| props.iter().map(move |(k, v)| (k.as_str(), b.with(v))))
            .collect()
    }

    /// The schema of keys not listed in `properties`: `Some` if they are allowed.
    fn additional(self) -> Option<SchemaNode<'s>> {
        let branches = self.branches();
        let objects: Vec<_> = branches
            .iter()
            .filter(|b| b.node.get("properties").is_some() || b.node.get("additionalProperties").is_some())
            .collect();
        if objects.is_empty() {
            return Some(self.with(&ANY));
        }
        objects.iter().find_map(|b| match b.node.get("additionalProperties") {
            None | Some(Value::Bool(true)) => Some(b.with(&ANY)),
            Some(Value::Bool(false)) => None,
            Some(schema) => Some(b.with(schema)),
        })
    }

    /// The schema of a key of this object, and the key in the schema's spelling.
    pub(crate) fn child(self, key: &str) -> Option<(String, SchemaNode<'s>)> {
        self.child_name(key).map(|(name, schema)| (name.unwrap_or(key).to_owned(), schema))
    }

    /// As [`SchemaNode::child`], with the name `None` where the key is not a property
    /// the schema names (it is then spelled as written).
    fn child_name(self, key: &str) -> Child<'s> {
        let properties = self.properties();
        let exact = properties.iter().find(|(name, _)| *name == key);
        let folded = || properties.iter().find(|(name, _)| name.eq_ignore_ascii_case(key));
        if let Some((name, schema)) = exact.or_else(folded) {
            return Some((Some(*name), *schema));
        }
        self.additional().map(|schema| (None, schema))
    }

    pub(crate) fn property_names(self) -> Vec<&'s str> {
        self.properties().into_iter().map(|(name, _)| name).collect()
    }

    fn items(self) -> SchemaNode<'s> {
        self.branches()
            .into_iter()
            .find_map(|b| b.node.get("items").map(|items| b.with(items)))
            .unwrap_or(self.with(&ANY))
    }

    /// Allowed string values: `enum` lists, and `const` alternatives (schemars writes
    /// an enum whose variants have doc comments as a `oneOf` of `const`s).
    fn enum_strings(self) -> Vec<&'s str> {
        let mut values = Vec::new();
        for branch in self.branches() {
            if let Some(listed) = branch.node.get("enum").and_then(Value::as_array) {
                values.extend(listed.iter().filter_map(Value::as_str));
            }
            if let Some(constant) = branch.node.get("const").and_then(Value::as_str) {
                values.push(constant);
            }
        }
        values
    }

    pub(crate) fn has_enum(self) -> bool {
        !self.enum_strings().is_empty()
    }

    /// Marked `writeOnly`: the value is a credential and is never printed.
    pub(crate) fn is_write_only(self) -> bool {
        self.branches().iter().any(|b| b.node.get("writeOnly") == Some(&ANY))
    }

    /// The JSON types this schema admits (`"string"`, `"boolean"`, …), for coercing
    /// environment variable text.
    pub(crate) fn types(self) -> Vec<&'s str> {
        let mut types = Vec::new();
        for branch in self.branches() {
            match branch.node.get("type") {
                Some(Value::String(t)) => types.push(t.as_str()),
                Some(Value::Array(ts)) => types.extend(ts.iter().filter_map(Value::as_str)),
                _ => {}
            }
            if branch.node.get("enum").is_some() || branch.node.get("const").is_some_and(Value::is_string) {
                types.push("string");
            }
        }
        let mut seen = Vec::new();
        types.retain(|t| {
            !seen.contains(t) && {
                seen.push(*t);
                true
            }
        });
        types
    }

    /// The schema at a canonical pointer, matching keys as [`SchemaNode::child`] does.
    pub(crate) fn at(self, pointer: &str) -> Option<SchemaNode<'s>> {
        json_pointer::tokens(pointer).iter().try_fold(self, |node, token| node.step(token))
    }

    /// The schema one token down: an index into an array's items, else a property.
    pub(crate) fn step(self, token: &str) -> Option<SchemaNode<'s>> {
        match token.parse::<usize>() {
            Ok(_) if self.types().contains(&"array") => Some(self.items()),
            _ => self.child(token).map(|(_, child)| child),
        }
    }

    /// The canonical spelling of `value` if it names one of this schema's enum values.
    pub(crate) fn canonical_enum_value(self, value: &str) -> Option<&'s str> {
        canonical_in(&self.enum_strings(), value)
    }

    fn suggest_enum(self, value: &str) -> Option<String> {
        did_you_mean(value, self.enum_strings())
    }
}

/// The spelling among `values` of `value`: as written, else matched ignoring case.
fn canonical_in<'s>(values: &[&'s str], value: &str) -> Option<&'s str> {
    values.iter().find(|v| **v == value).or_else(|| values.iter().find(|v| v.eq_ignore_ascii_case(value))).copied()
}

/// A document rewritten into its schema's spelling.
#[derive(Debug, Default)]
pub(crate) struct Shaped {
    pub value: Value,
    /// Canonical pointer → the pointer as spelled in the file, where they differ.
    pub original: HashMap<String, String>,
    pub diagnostics: Vec<Diagnostic>,
    /// Canonical pointers already diagnosed here, so validation does not repeat them.
    pub explained: HashSet<String>,
    /// (canonical object pointer, key) for each unknown key whose suggestion is a key
    /// the object lacks: "missing `prompt`" adds nothing after "did you mean `prompt`?".
    pub misspelled: HashSet<(String, String)>,
}

impl Shaped {
    pub(crate) fn original_pointer(&self, canonical: &str) -> String {
        self.original.get(canonical).cloned().unwrap_or_else(|| canonical.to_owned())
    }
}

/// Rewrites `value`, `document`'s own, into `schema`'s spelling. With `mask_values`,
/// no value of the document appears in any diagnostic (used for `secrets.json`).
///
/// The value is taken, not borrowed: its strings and keys move into the result, and a
/// store of ten thousand approvals is not copied string by string.
pub(crate) fn shape(document: &JsonDocument, value: Value, schema: SchemaNode<'_>, mask_values: bool) -> Shaped {
    let mut shaped = Shaped::default();
    let mut walker = Walker {
        document,
        mask_values,
        out: &mut shaped,
        children: ByKey::default(),
        items: HashMap::new(),
        enums: HashMap::new(),
    };
    let value = walker.node(value, schema, &Place::ROOT);
    shaped.value = value;
    shaped
}

/// Where the walk is, as a chain of tokens up to the root, in the schema's spelling
/// and the file's. Pointers are joined only when one is needed (a diagnostic, a
/// respelled key): most of a large file's tens of thousands of nodes need none.
struct Place<'p> {
    up: Option<(&'p Place<'p>, Token<'p>)>,
    /// Whether this token or one above it is spelled otherwise than the schema does.
    respelled: bool,
}

struct Token<'p> {
    canonical: &'p str,
    original: &'p str,
}

impl<'p> Place<'p> {
    const ROOT: Place<'static> = Place { up: None, respelled: false };

    fn below(&'p self, canonical: &'p str, original: &'p str) -> Self {
        Self { up: Some((self, Token { canonical, original })), respelled: self.respelled || canonical != original }
    }

    fn canonical(&self) -> String {
        self.pointer(|token| token.canonical)
    }

    fn original(&self) -> String {
        self.pointer(|token| token.original)
    }

    fn pointer(&self, spelling: fn(&Token<'p>) -> &'p str) -> String {
        let mut tokens = Vec::new();
        let mut place = self;
        while let Some((parent, token)) = &place.up {
            tokens.push(spelling(token));
            place = parent;
        }
        json_pointer::from_tokens(tokens.into_iter().rev())
    }
}

/// Answers about a schema node's keys, remembered by node and key: a large document
/// asks the same few nodes the same questions thousands of times, and each answer
/// walks the node's `anyOf` branches. Looked up by the key as it is, without a copy.
#[derive(Debug)]
pub(crate) struct ByKey<T>(HashMap<usize, HashMap<String, T>>);

impl<T> Default for ByKey<T> {
    fn default() -> Self {
        Self(HashMap::new())
    }
}

impl<T: Copy> ByKey<T> {
    /// The remembered answer for `key` of `node`, else `answer()`, remembered.
    pub(crate) fn get_or(&mut self, node: SchemaNode<'_>, key: &str, answer: impl FnOnce() -> T) -> T {
        let known = self.0.entry(node.id()).or_default();
        if let Some(known) = known.get(key) {
            return *known;
        }
        *known.entry(key.to_owned()).or_insert_with(answer)
    }
}

struct Walker<'a, 's> {
    document: &'a JsonDocument,
    mask_values: bool,
    out: &'a mut Shaped,
    /// Schema lookups by node (its address), as [`ByKey`].
    children: ByKey<Child<'s>>,
    items: HashMap<usize, SchemaNode<'s>>,
    enums: HashMap<usize, Vec<&'s str>>,
}

/// A key's schema and its name in the schema's spelling: `None` when the key is not
/// allowed, and the name `None` when it is spelled as written.
type Child<'s> = Option<(Option<&'s str>, SchemaNode<'s>)>;

impl<'s> Walker<'_, 's> {
    fn child(&mut self, schema: SchemaNode<'s>, key: &str) -> Child<'s> {
        self.children.get_or(schema, key, || schema.child_name(key))
    }

    fn items(&mut self, schema: SchemaNode<'s>) -> SchemaNode<'s> {
        *self.items.entry(schema.id()).or_insert_with(|| schema.items())
    }

    /// The schema's enum values, read once per schema node.
    fn enum_strings(&mut self, schema: SchemaNode<'s>) -> &[&'s str] {
        self.enums.entry(schema.id()).or_insert_with(|| schema.enum_strings())
    }

    fn node(&mut self, value: Value, schema: SchemaNode<'s>, place: &Place<'_>) -> Value {
        // Only respellings: `original_pointer` reads a missing entry as "as spelled",
        // and a large home has tens of thousands of nodes spelled canonically.
        if place.respelled {
            self.out.original.insert(place.canonical(), place.original());
        }
        match value {
            Value::Object(object) => Value::Object(self.object(object, schema, place)),
            Value::Array(items) => {
                let item_schema = self.items(schema);
                let shaped = items.into_iter().enumerate().map(|(i, item)| {
                    let token = i.to_string();
                    self.node(item, item_schema, &place.below(&token, &token))
                });
                Value::Array(shaped.collect())
            }
            Value::String(text) => Value::String(self.string(text, schema, place)),
            other => other,
        }
    }

    fn object(&mut self, object: Map<String, Value>, schema: SchemaNode<'s>, place: &Place<'_>) -> Map<String, Value> {
        let mut out = Map::new();
        for (key, value) in object {
            // Editors add `$schema` for completion; it is not configuration.
            if place.up.is_none() && key == "$schema" {
                continue;
            }
            let Some((name, child_schema)) = self.child(schema, &key) else {
                let suggestion = did_you_mean(&key, schema.property_names());
                if let Some(meant) = &suggestion {
                    self.out.misspelled.insert((place.canonical(), meant.clone()));
                }
                let location = self.document.locate_key(&place.below(&key, &key).original());
                self.out.diagnostics.push(Diagnostic::error(location, Problem::UnknownKey { key, suggestion }));
                continue;
            };
            let name = name.unwrap_or(&key);
            if out.contains_key(name) {
                let child = place.below(name, &key);
                self.out.diagnostics.push(Diagnostic::error(
                    self.document.locate_key(&child.original()),
                    Problem::DuplicateKey { key: key.clone() },
                ));
                self.out.explained.insert(child.canonical());
                continue;
            }
            let shaped = self.node(value, child_schema, &place.below(name, &key));
            let name = if name == key { key } else { name.to_owned() };
            out.insert(name, shaped);
        }
        out
    }

    fn string(&mut self, text: String, schema: SchemaNode<'s>, place: &Place<'_>) -> String {
        let allowed = self.enum_strings(schema);
        if allowed.is_empty() {
            return text;
        }
        if let Some(value) = canonical_in(allowed, &text) {
            return value.to_owned();
        }
        let allowed = allowed.to_vec();
        let masked = self.mask_values || schema.is_write_only();
        self.out.diagnostics.push(Diagnostic::error(
            self.document.locate(&place.original()),
            Problem::InvalidEnumValue {
                value: (!masked).then(|| text.clone()),
                allowed: allowed.iter().map(|a| (*a).to_owned()).collect(),
                suggestion: if masked { None } else { schema.suggest_enum(&text) },
            },
        ));
        self.out.explained.insert(place.canonical());
        text
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn schema() -> Value {
        json!({
            "type": "object",
            "additionalProperties": false,
            "properties": {
                "Security": {"$ref": "#/$defs/Security"},
                "Overrides": {"type": "object", "additionalProperties": {"$ref": "#/$defs/Mode"}},
                "Kind": {"$ref": "#/$defs/Kind"},
                "Rules": {"type": "array", "items": {"$ref": "#/$defs/Security"}}
            },
            "$defs": {
                "Security": {
                    "type": "object",
                    "additionalProperties": false,
                    "properties": {
                        "ShellExecutionMode": {"anyOf": [{"$ref": "#/$defs/Shell"}, {"type": "null"}]},
                        "Token": {"type": ["string", "null"], "writeOnly": true}
                    }
                },
                "Shell": {"type": "string", "enum": ["Off", "SandboxOnly", "HostAllowed"]},
                "Kind": {"oneOf": [{"type": "string", "const": "Hmac"}, {"type": "string", "const": "HeaderSecret"}]},
                "Mode": {"type": "string", "enum": ["Auto", "Approval", "Deny"]}
            }
        })
    }

    fn shaped(text: &str, mask: bool) -> Shaped {
        let schema = schema();
        let Ok(document) = JsonDocument::parse("config/netclaw.json", text.to_owned()) else {
            unreachable!("fixture parses")
        };
        let value = document.value.clone();
        shape(&document, value, SchemaNode::root(&schema), mask)
    }

    #[test]
    fn keys_and_enum_values_take_the_schema_spelling() {
        let s =
            shaped(r#"{"security": {"shellexecutionmode": "sandboxonly"}, "OVERRIDES": {"notion/x": "deny"}}"#, false);
        assert!(s.diagnostics.is_empty(), "{:?}", s.diagnostics);
        assert_eq!(
            s.value,
            json!({"Security": {"ShellExecutionMode": "SandboxOnly"}, "Overrides": {"notion/x": "Deny"}})
        );
        assert_eq!(s.original_pointer("/Security/ShellExecutionMode"), "/security/shellexecutionmode");
    }

    /// schemars writes documented enum variants as `oneOf` of `const`s.
    #[test]
    fn const_alternatives_are_enum_values() {
        let s = shaped(r#"{"kind": "headersecret"}"#, false);
        assert_eq!(s.value, json!({"Kind": "HeaderSecret"}));
        let s = shaped(r#"{"Kind": "Hamc"}"#, false);
        assert_eq!(s.diagnostics.first().and_then(|d| d.problem.help()).as_deref(), Some("did you mean `Hmac`?"));
    }

    /// Map keys (tool names) are data, not schema keys: their case is kept.
    #[test]
    fn dynamic_map_keys_keep_their_case() {
        let s = shaped(r#"{"Overrides": {"Notion/Delete": "Auto"}}"#, false);
        assert_eq!(s.value, json!({"Overrides": {"Notion/Delete": "Auto"}}));
    }

    #[test]
    fn unknown_keys_are_dropped_with_a_suggestion() {
        let s = shaped(r#"{"Secutiry": {"ShellExecutionMode": "Off"}}"#, false);
        assert_eq!(s.value, json!({}));
        let [d] = s.diagnostics.as_slice() else { unreachable!("one diagnostic: {:?}", s.diagnostics) };
        assert_eq!(d.problem.code(), "unknown-key");
        assert_eq!(d.problem.help().as_deref(), Some("did you mean `Security`?"));
        assert_eq!(d.location.pointer, "/Secutiry");
    }

    #[test]
    fn wrong_enum_values_suggest_the_closest() {
        let s = shaped(r#"{"Security": {"ShellExecutionMode": "Sandbox"}}"#, false);
        let [d] = s.diagnostics.as_slice() else { unreachable!("one diagnostic") };
        assert_eq!(d.problem.help().as_deref(), Some("did you mean `SandboxOnly`?"));
        assert!(d.problem.to_string().contains("`Sandbox`"));
        assert!(s.explained.contains("/Security/ShellExecutionMode"));
    }

    #[test]
    fn masked_documents_never_echo_values() {
        let s = shaped(r#"{"Security": {"ShellExecutionMode": "hunter2-secret"}}"#, true);
        let [d] = s.diagnostics.as_slice() else { unreachable!("one diagnostic") };
        assert!(!d.to_string().contains("hunter2"), "{d}");
    }

    #[test]
    fn a_root_schema_key_is_dropped_but_nested_ones_are_unknown() {
        let s = shaped(r#"{"$schema": "x.json", "Security": {"$schema": "y"}}"#, false);
        assert_eq!(s.value, json!({"Security": {}}));
        assert_eq!(
            s.diagnostics.iter().map(|d| d.location.pointer.as_str()).collect::<Vec<_>>(),
            vec!["/Security/$schema"]
        );
    }

    /// Pointers are joined only when needed, from each level's two spellings: deep in
    /// arrays and maps, with tokens that must be escaped, each spelling stays its own.
    #[test]
    fn deep_pointers_keep_each_spelling() {
        let s = shaped(
            r#"{"rules": [{}, {"shellexecutionmode": "sandboxonly", "tokn": "x"}], "overrides": {"a/b~c": "nope"}}"#,
            false,
        );
        assert_eq!(s.value["Rules"][1]["ShellExecutionMode"], "SandboxOnly");
        assert_eq!(s.original_pointer("/Rules/1/ShellExecutionMode"), "/rules/1/shellexecutionmode");
        assert_eq!(s.original_pointer("/Rules/0"), "/rules/0");
        assert!(s.misspelled.contains(&("/Rules/1".to_owned(), "Token".to_owned())));
        assert!(s.explained.contains("/Overrides/a~1b~0c"));
        let pointers: Vec<&str> = s.diagnostics.iter().map(|d| d.location.pointer.as_str()).collect();
        assert_eq!(pointers, vec!["/rules/1/tokn", "/overrides/a~1b~0c"]);
    }

    #[test]
    fn keys_differing_only_in_case_are_duplicates() {
        let s = shaped(r#"{"Security": {}, "security": {}}"#, false);
        assert_eq!(s.diagnostics.first().map(|d| d.problem.code()), Some("duplicate-key"));
    }

    #[test]
    fn navigates_canonical_pointers_case_insensitively() {
        let schema = schema();
        let root = SchemaNode::root(&schema);
        assert!(root.at("/security/token").is_some_and(SchemaNode::is_write_only));
        assert!(root.at("/Security/Nope").is_none());
        assert_eq!(root.at("/Overrides/anything").map(|n| n.types()), Some(vec!["string"]));
    }
}
