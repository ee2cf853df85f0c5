//! A JSON file as text, value and spans: the bridge from an RFC 6901 pointer to the
//! line and column a user can jump to.
//!
//! `serde_json` decides validity (strict JSON, a depth limit, line/column on syntax
//! errors); `jsonc-parser` then supplies the byte range of every key and value, which
//! `serde_json::Value` does not keep. The span pass also catches duplicate keys, which
//! `serde_json` silently resolves to the last one — in a security file that hides
//! which setting is in force.

use std::collections::HashMap;

use jsonc_parser::ast::{ObjectPropName, Value as Node};
use jsonc_parser::common::Ranged;
use jsonc_parser::{CollectOptions, ParseOptions, parse_to_ast};
use serde_json::Value;

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
    spans: HashMap<String, Span>,
    line_starts: Vec<usize>,
    text: String,
    duplicates: Vec<Diagnostic>,
}

impl JsonDocument {
    /// Parses strict JSON; a syntax error comes back as a located diagnostic.
    pub(crate) fn parse(file: &str, text: String) -> Result<Self, Diagnostic> {
        // Said as such: serde_json would report "expected value at line 1 column 1".
        if text.starts_with('\u{feff}') {
            let location = Location { line: Some(1), column: Some(1), ..Location::file(file) };
            return Err(Diagnostic::error(location, Problem::ByteOrderMark));
        }
        let value: Value = serde_json::from_str(&text).map_err(|err| {
            let location = Location {
                line: u32::try_from(err.line()).ok(),
                // serde_json says column 0 at the start of a line (e.g. at EOF).
                column: u32::try_from(err.column().max(1)).ok(),
                ..Location::file(file)
            };
            Diagnostic::error(location, Problem::InvalidJson { message: syntax_message(&err) })
        })?;
        let mut document = Self {
            file: file.to_owned(),
            value,
            spans: HashMap::new(),
            line_starts: line_starts(&text),
            text,
            duplicates: Vec::new(),
        };
        document.index_spans();
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
        let offset = self.spans.get(pointer).map(|span| match (key, span.key_start) {
            (true, Some(start)) => start,
            _ => span.value_start,
        });
        let (line, column) = offset.map(|o| self.line_column(o)).unzip();
        Location { line, column, ..Location::at(&self.file, pointer) }
    }

    fn line_column(&self, offset: usize) -> (u32, u32) {
        let line = self.line_starts.partition_point(|&start| start <= offset);
        let start = line.checked_sub(1).and_then(|i| self.line_starts.get(i)).copied().unwrap_or(0);
        let column = self.text.get(start..offset).map_or(0, |s| s.chars().count()) + 1;
        (to_u32(line), to_u32(column))
    }

    fn index_spans(&mut self) {
        let options = ParseOptions {
            allow_comments: false,
            allow_loose_object_property_names: false,
            allow_trailing_commas: false,
            ..ParseOptions::default()
        };
        // serde_json accepted the text, so this strict parse succeeds; if it ever did
        // not, positions are merely absent — never wrong.
        let Ok(parsed) = parse_to_ast(&self.text, &CollectOptions::default(), &options) else {
            return;
        };
        if let Some(root) = parsed.value {
            let mut spans = HashMap::new();
            let mut duplicates = Vec::new();
            walk(&root, String::new(), None, &mut spans, &mut duplicates);
            self.spans = spans;
            self.duplicates = duplicates
                .into_iter()
                .map(|(pointer, key)| Diagnostic::error(self.locate_key(&pointer), Problem::DuplicateKey { key }))
                .collect();
        }
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

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let text = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert!(JsonDocument::parse("f.json", text).is_err());
    }
}
