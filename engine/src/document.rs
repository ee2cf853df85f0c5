//! A JSON file as text, value and spans: the bridge from an RFC 6901 pointer to the
//! line and column a user can jump to.
//!
//! `serde_json` decides validity (strict JSON, a depth limit, line/column on syntax
//! errors); `jsonc-parser` then supplies the byte range of every key and value, which
//! `serde_json::Value` does not keep. Duplicate keys, which `serde_json` silently
//! resolves to the last one (in a security file that hides which setting is in force),
//! are noticed while the value is built, and reported from the span pass.
//!
//! The span pass runs only when a position is first asked for, or to place a
//! duplicate: a clean file nobody points into (a store of ten thousand approvals) is
//! never indexed, which was most of the time and memory of reading it.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::OnceLock;

use jsonc_parser::ast::{ObjectPropName, Value as Node};
use jsonc_parser::common::Ranged;
use jsonc_parser::{CollectOptions, ParseOptions, parse_to_ast};
use serde::de::{DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

use crate::diagnostic::{Diagnostic, Location, Problem};
use crate::json_pointer;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Span {
    key_start: Option<usize>,
    value_start: usize,
}

#[derive(Debug, Clone)]
pub(crate) struct JsonDocument {
    /// Home-relative file name, used in every location this document produces.
    pub file: String,
    pub value: Value,
    /// Made on first use (see the module's doc).
    index: OnceLock<Index>,
    text: String,
    duplicates: Vec<Diagnostic>,
}

#[derive(Debug, Clone, Default)]
struct Index {
    spans: HashMap<String, Span>,
    line_starts: Vec<usize>,
    /// Each repeated key's pointer and name.
    duplicates: Vec<(String, String)>,
}

impl JsonDocument {
    /// Parses strict JSON; a syntax error comes back as a located diagnostic.
    pub(crate) fn parse(file: &str, text: String) -> Result<Self, Diagnostic> {
        // Said as such: serde_json would report "expected value at line 1 column 1".
        if text.starts_with('\u{feff}') {
            let location = Location { line: Some(1), column: Some(1), ..Location::file(file) };
            return Err(Diagnostic::error(location, Problem::ByteOrderMark));
        }
        let repeated = RefCell::new(None);
        let mut deserializer = serde_json::Deserializer::from_str(&text);
        let parsed = Noting(&repeated).deserialize(&mut deserializer).and_then(|value| {
            deserializer.end()?;
            Ok(value)
        });
        let value = parsed.map_err(|err| {
            let location = Location {
                line: u32::try_from(err.line()).ok(),
                // serde_json says column 0 at the start of a line (e.g. at EOF).
                column: u32::try_from(err.column().max(1)).ok(),
                ..Location::file(file)
            };
            Diagnostic::error(location, Problem::InvalidJson { message: syntax_message(&err) })
        })?;
        let mut document = Self { file: file.to_owned(), value, index: OnceLock::new(), text, duplicates: Vec::new() };
        if let Some(key) = repeated.into_inner() {
            let found = document.index().duplicates.clone();
            document.duplicates = found
                .into_iter()
                .map(|(pointer, key)| Diagnostic::error(document.locate_key(&pointer), Problem::DuplicateKey { key }))
                .collect();
            // Were the span pass ever to miss what serde_json saw, the file is still refused.
            if document.duplicates.is_empty() {
                document.duplicates.push(Diagnostic::error(Location::file(file), Problem::DuplicateKey { key }));
            }
        }
        Ok(document)
    }

    /// Duplicate keys found while indexing; reported as errors by the loader.
    pub(crate) fn duplicate_keys(&self) -> &[Diagnostic] {
        &self.duplicates
    }

    /// The location of the value at `pointer` (in the file's own key spelling).
    pub(crate) fn locate(&self, pointer: &str) -> Location {
        self.location(pointer, false)
    }

    /// The location of the key that introduces `pointer`, for problems with the key itself.
    pub(crate) fn locate_key(&self, pointer: &str) -> Location {
        self.location(pointer, true)
    }

    fn location(&self, pointer: &str, key: bool) -> Location {
        let offset = self.index().spans.get(pointer).map(|span| match (key, span.key_start) {
            (true, Some(start)) => start,
            _ => span.value_start,
        });
        let (line, column) = offset.map(|o| self.line_column(o)).unzip();
        Location { line, column, ..Location::at(&self.file, pointer) }
    }

    fn line_column(&self, offset: usize) -> (u32, u32) {
        let line_starts = &self.index().line_starts;
        let line = line_starts.partition_point(|&start| start <= offset);
        let start = line.checked_sub(1).and_then(|i| line_starts.get(i)).copied().unwrap_or(0);
        let column = self.text.get(start..offset).map_or(0, |s| s.chars().count()) + 1;
        (to_u32(line), to_u32(column))
    }

    fn index(&self) -> &Index {
        self.index.get_or_init(|| index(&self.text))
    }
}

fn index(text: &str) -> Index {
    let options = ParseOptions {
        allow_comments: false,
        allow_loose_object_property_names: false,
        allow_trailing_commas: false,
        ..ParseOptions::default()
    };
    let mut index = Index { line_starts: line_starts(text), ..Index::default() };
    // serde_json accepted the text, so this strict parse succeeds; if it ever did
    // not, positions are merely absent — never wrong.
    if let Ok(jsonc_parser::ParseResult { value: Some(root), .. }) =
        parse_to_ast(text, &CollectOptions::default(), &options)
    {
        walk(&root, String::new(), None, &mut index.spans, &mut index.duplicates);
    }
    index
}

/// Builds the `Value` serde_json's own `Deserialize` would (a repeated key keeps its
/// first place and its last value), and keeps the first key an object repeats.
struct Noting<'a>(&'a RefCell<Option<String>>);

impl<'de> DeserializeSeed<'de> for Noting<'_> {
    type Value = Value;

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Noting<'_> {
    type Value = Value;

    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("any valid JSON value")
    }

    fn visit_bool<E>(self, value: bool) -> Result<Value, E> {
        Ok(Value::Bool(value))
    }

    fn visit_i64<E>(self, value: i64) -> Result<Value, E> {
        Ok(Value::Number(value.into()))
    }

    fn visit_u64<E>(self, value: u64) -> Result<Value, E> {
        Ok(Value::Number(value.into()))
    }

    fn visit_f64<E>(self, value: f64) -> Result<Value, E> {
        Ok(Number::from_f64(value).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E>(self, value: &str) -> Result<Value, E> {
        Ok(Value::String(value.to_owned()))
    }

    fn visit_string<E>(self, value: String) -> Result<Value, E> {
        Ok(Value::String(value))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(item) = seq.next_element_seed(Noting(self.0))? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut object = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let value = map.next_value_seed(Noting(self.0))?;
            match object.entry(key) {
                serde_json::map::Entry::Vacant(entry) => {
                    entry.insert(value);
                }
                serde_json::map::Entry::Occupied(mut entry) => {
                    self.0.borrow_mut().get_or_insert_with(|| entry.key().clone());
                    entry.insert(value);
                }
            }
        }
        Ok(Value::Object(object))
    }
}

fn walk(
    node: &Node<'_>,
    pointer: String,
    key_start: Option<usize>,
    spans: &mut HashMap<String, Span>,
    duplicates: &mut Vec<(String, String)>,
) {
    let span = Span { key_start, value_start: node.range().start };
    spans.insert(pointer.clone(), span);
    match node {
        Node::Object(object) => {
            let mut seen = std::collections::HashSet::new();
            for prop in &object.properties {
                let name = match &prop.name {
                    ObjectPropName::String(lit) => lit.value.to_string(),
                    ObjectPropName::Word(lit) => lit.value.to_owned(),
                };
                let child = json_pointer::join(&pointer, &name);
                // Only the first occurrence is indexed: that is where a reader looks.
                if !seen.insert(name.clone()) {
                    duplicates.push((child, name));
                    continue;
                }
                walk(&prop.value, child, Some(prop.range.start), spans, duplicates);
            }
        }
        Node::Array(array) => {
            for (index, element) in array.elements.iter().enumerate() {
                let child = json_pointer::join(&pointer, &index.to_string());
                walk(element, child, None, spans, duplicates);
            }
        }
        _ => {}
    }
}

/// serde_json's message without its " at line L column C" suffix (the location says it).
fn syntax_message(err: &serde_json::Error) -> String {
    let full = err.to_string();
    match full.rfind(" at line ") {
        Some(cut) => full.get(..cut).unwrap_or(&full).to_owned(),
        None => full,
    }
}

fn line_starts(text: &str) -> Vec<usize> {
    std::iter::once(0).chain(text.match_indices('\n').map(|(i, _)| i + 1)).collect()
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(text: &str) -> JsonDocument {
        match JsonDocument::parse("config/netclaw.json", text.to_owned()) {
            Ok(doc) => doc,
            Err(diagnostic) => unreachable!("fixture must parse: {diagnostic}"),
        }
    }

    #[test]
    fn locates_values_and_keys_by_pointer() {
        let d = doc("{\n  \"Security\": {\n    \"ShellExecutionMode\": \"Off\"\n  }\n}\n");
        let value = d.locate("/Security/ShellExecutionMode");
        assert_eq!((value.line, value.column), (Some(3), Some(27)));
        let key = d.locate_key("/Security/ShellExecutionMode");
        assert_eq!((key.line, key.column), (Some(3), Some(5)));
        assert_eq!(d.locate("/Nope").line, None);
    }

    #[test]
    fn columns_count_characters_not_bytes() {
        let d = doc("{\"é\": 1, \"k\": 2}");
        assert_eq!(d.locate("/k").column, Some(15));
    }

    #[test]
    fn syntax_errors_carry_line_and_column_but_not_the_suffix() {
        let Err(diagnostic) = JsonDocument::parse("f.json", "{\n  \"a\": 1,\n}".to_owned()) else {
            unreachable!("trailing comma must be rejected");
        };
        assert_eq!(diagnostic.location.line, Some(3));
        assert!(!diagnostic.problem.to_string().contains("at line"));
    }

    /// `serde_json` keeps the last duplicate silently; a reviewer would read the first.
    #[test]
    fn duplicate_keys_are_reported() {
        let d = doc("{\"Slack\": {\"Enabled\": false, \"Enabled\": true}}");
        assert_eq!(d.duplicate_keys().len(), 1);
        assert_eq!(d.duplicate_keys().first().map(|d| d.location.pointer.as_str()), Some("/Slack/Enabled"));
    }

    /// Nested, in arrays, and spelled with an escape: the same key twice all the same.
    #[test]
    fn duplicate_keys_are_reported_wherever_they_are() {
        let d = doc("{\"a\": [{\"k\": 1}, {\"k\": 1, \"\\u006b\": 2}], \"b\": {\"c\": {\"x\": 1, \"x\": 1}}}");
        let pointers: Vec<&str> = d.duplicate_keys().iter().map(|d| d.location.pointer.as_str()).collect();
        assert_eq!(pointers, ["/a/1/k", "/b/c/x"]);
        assert_eq!(d.duplicate_keys().first().and_then(|d| d.location.column), Some(19));
    }

    /// The loader and every check read `value`: it must be serde_json's, to the number.
    #[test]
    fn the_value_and_the_errors_are_serde_jsons_own() {
        let texts = [
            "{\"b\": 1, \"a\": [true, null, -0, 0.5, -7, 18446744073709551615, -9223372036854775808]}",
            "[1e308, 1.7976931348623157e308, 5e-324, 123456789012345678901234567890, -1.5E+3]",
            "{\"k\": \"\\u00e9\\n\\\"\\ud83d\\ude00\", \"k\": {\"z\": [], \"y\": {}}, \"a\": \"\"}",
            "\"just a string\"",
            "1e400",
            "{\"a\": 1} trailing",
            "{\"a\": \"\\ud800\"}",
            "[1, 2,]",
            "",
        ];
        for text in texts {
            let ours = JsonDocument::parse("f.json", text.to_owned());
            let theirs = serde_json::from_str::<Value>(text);
            match (ours, theirs) {
                (Ok(ours), Ok(theirs)) => {
                    assert_eq!(ours.value, theirs, "{text}");
                    assert_eq!(serde_json::to_string(&ours.value).ok(), serde_json::to_string(&theirs).ok(), "{text}");
                }
                (Err(ours), Err(theirs)) => {
                    let line = u32::try_from(theirs.line()).ok();
                    assert_eq!(ours.location.line, line, "{text}");
                    assert_eq!(
                        ours.problem.to_string(),
                        Problem::InvalidJson { message: syntax_message(&theirs) }.to_string()
                    );
                }
                (ours, theirs) => panic!("{text}: {ours:?} against {theirs:?}"),
            }
        }
    }

    /// A store of ten thousand approvals that nobody points into is never indexed.
    #[test]
    fn positions_are_found_only_when_asked_for() {
        let d = doc("{\"a\": {\"b\": 1}}");
        assert!(d.index.get().is_none());
        assert_eq!(d.locate("/a/b").column, Some(13));
        assert!(d.index.get().is_some());
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let text = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert!(JsonDocument::parse("f.json", text).is_err());
    }
}
