//! JSON Schema validation turned into located, value-free diagnostics.
//!
//! `jsonschema`'s own messages quote the offending value, which may be a credential,
//! so every message here is built from the error kind and the value's JSON type alone.

use jsonschema::ValidationError;
use jsonschema::error::{TypeKind, ValidationErrorKind};
use serde_json::Value;

use super::Compiled;
use super::shape::Shaped;
use crate::diagnostic::{Diagnostic, Location, Problem};

/// Validates `shaped.value`; `locate` maps a canonical pointer to where the user wrote it.
pub(crate) fn validate(compiled: &Compiled, shaped: &Shaped, locate: impl Fn(&str) -> Location) -> Vec<Diagnostic> {
    let Some(validator) = &compiled.validator else {
        let problem = Problem::SchemaDrift { message: "the published schema does not compile".to_owned() };
        return vec![Diagnostic::error(locate(""), problem)];
    };
    let mut leaves = Vec::new();
    for error in validator.iter_errors(&shaped.value) {
        collect_leaves(&error, &mut leaves);
    }
    leaves.dedup();
    leaves
        .into_iter()
        .filter(|leaf| !shaped.explained.contains(&leaf.pointer))
        .filter(|leaf| {
            !leaf.missing.as_ref().is_some_and(|key| shaped.misspelled.contains(&(leaf.pointer.clone(), key.clone())))
        })
        .map(|leaf| {
            let problem = Problem::SchemaViolation { keyword: leaf.keyword, message: leaf.message };
            Diagnostic::error(locate(&leaf.pointer), problem)
        })
        .collect()
}

#[derive(Debug, PartialEq, Eq)]
struct Leaf {
    pointer: String,
    keyword: String,
    message: String,
    /// For `required`: the missing key.
    missing: Option<String>,
}

/// For `anyOf` / `oneOf` failures, descends into the alternative that came closest:
/// "not valid under any of the schemas" tells a user nothing.
fn collect_leaves(error: &ValidationError<'_>, out: &mut Vec<Leaf>) {
    let context = match error.kind() {
        ValidationErrorKind::AnyOf { context } | ValidationErrorKind::OneOfNotValid { context } => Some(context),
        _ => None,
    };
    let closest = context.and_then(|branches| {
        branches
            .iter()
            .filter(|branch| !branch.is_empty() && !is_null_mismatch(branch))
            .min_by_key(|branch| branch.len())
    });
    match closest {
        Some(branch) => branch.iter().for_each(|e| collect_leaves(e, out)),
        None => out.push(Leaf {
            pointer: error.instance_path().as_str().to_owned(),
            keyword: error.kind().keyword().to_owned(),
            message: message(error.kind(), error.instance()),
            missing: match error.kind() {
                ValidationErrorKind::Required { property } => property.as_str().map(str::to_owned),
                _ => None,
            },
        }),
    }
}

/// The `{"type": "null"}` alternative of an optional value: never the helpful branch.
fn is_null_mismatch(branch: &[ValidationError<'static>]) -> bool {
    matches!(branch, [only] if matches!(only.kind(), ValidationErrorKind::Type { kind: TypeKind::Single(t) } if t.to_string() == "null"))
}

fn message(kind: &ValidationErrorKind, instance: &Value) -> String {
    use ValidationErrorKind as K;
    match kind {
        K::Type { kind } => format!("expected {}, found {}", expected_types(kind), json_type(instance)),
        K::Required { property } => format!("missing required key `{}`", property.as_str().unwrap_or_default()),
        K::AdditionalProperties { unexpected } | K::UnevaluatedProperties { unexpected } => {
            format!("unknown keys {}", backticked(unexpected))
        }
        K::Enum { options } => format!("the value is not one of {}", backticked_values(options)),
        K::Constant { expected_value } => format!("must be `{expected_value}`"),
        K::Minimum { limit } => format!("must be at least {limit}"),
        K::Maximum { limit } => format!("must be at most {limit}"),
        K::ExclusiveMinimum { limit } => format!("must be greater than {limit}"),
        K::ExclusiveMaximum { limit } => format!("must be less than {limit}"),
        K::MinLength { limit } => format!("must be at least {limit} characters long"),
        K::MaxLength { limit } => format!("must be at most {limit} characters long"),
        K::MinItems { limit } => format!("must have at least {limit} items"),
        K::MaxItems { limit } => format!("must have at most {limit} items"),
        K::Pattern { pattern } => format!("must match `{pattern}`"),
        K::Format { format } => format!("must be a valid {format}"),
        K::UniqueItems => "items must be unique".to_owned(),
        K::FalseSchema => "is not allowed here".to_owned(),
        other => format!("does not satisfy `{}`", other.keyword()),
    }
}

fn expected_types(kind: &TypeKind) -> String {
    match kind {
        TypeKind::Single(t) => t.to_string(),
        TypeKind::Multiple(set) => set.iter().map(|t| t.to_string()).collect::<Vec<_>>().join(" or "),
    }
}

/// The JSON type of a value: safe to print, unlike the value.
pub(crate) fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn backticked(items: &[String]) -> String {
    items.iter().map(|i| format!("`{i}`")).collect::<Vec<_>>().join(", ")
}

fn backticked_values(options: &Value) -> String {
    match options.as_array() {
        Some(values) => values
            .iter()
            .map(|v| match v.as_str() {
                Some(s) => format!("`{s}`"),
                None => format!("`{v}`"),
            })
            .collect::<Vec<_>>()
            .join(", "),
        None => format!("`{options}`"),
    }
}
