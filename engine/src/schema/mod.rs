//! The JSON Schemas (draft 2020-12) of every file netclaw reads and every document it
//! prints, and validation against them.
//!
//! The Rust types are the source of truth: [`SchemaId::generate`] derives each schema
//! with `schemars`, the committed `schemas/*.schema.json` are those outputs verbatim (a
//! test fails on drift), and validation uses the committed text, so what users and
//! editors see is exactly what netclaw enforces.

mod shape;
mod validate;

use std::sync::LazyLock;

use schemars::{JsonSchema, Schema, generate::SchemaSettings};
use serde_json::Value;

pub(crate) use shape::shape;
pub use shape::{SchemaNode, Shaped};
pub(crate) use validate::validate;

use crate::config::{HardDenyOverrides, NetclawConfig, ToolApprovals, WebhookRoute};
use crate::decision::{AuthorizeRequest, Decision};
use crate::doctor::DoctorReport;

/// Every published schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SchemaId {
    Netclaw,
    Secrets,
    WebhookRoute,
    ToolApprovals,
    HardDenyOverrides,
    DoctorReport,
    AuthorizeRequest,
    AuthorizeDecision,
}

impl SchemaId {
    pub const ALL: [SchemaId; 8] = [
        SchemaId::Netclaw,
        SchemaId::Secrets,
        SchemaId::WebhookRoute,
        SchemaId::ToolApprovals,
        SchemaId::HardDenyOverrides,
        SchemaId::DoctorReport,
        SchemaId::AuthorizeRequest,
        SchemaId::AuthorizeDecision,
    ];

    /// The file name under `schemas/`.
    pub fn file_name(self) -> &'static str {
        match self {
            SchemaId::Netclaw => "netclaw.schema.json",
            SchemaId::Secrets => "secrets.schema.json",
            SchemaId::WebhookRoute => "webhook-route.schema.json",
            SchemaId::ToolApprovals => "tool-approvals.schema.json",
            SchemaId::HardDenyOverrides => "hard-deny-overrides.schema.json",
            SchemaId::DoctorReport => "doctor-report.schema.json",
            SchemaId::AuthorizeRequest => "authorize-request.schema.json",
            SchemaId::AuthorizeDecision => "authorize-decision.schema.json",
        }
    }

    /// The committed schema text, as shipped.
    pub fn published(self) -> &'static str {
        match self {
            SchemaId::Netclaw => include_str!("../../../schemas/netclaw.schema.json"),
            SchemaId::Secrets => include_str!("../../../schemas/secrets.schema.json"),
            SchemaId::WebhookRoute => include_str!("../../../schemas/webhook-route.schema.json"),
            SchemaId::ToolApprovals => include_str!("../../../schemas/tool-approvals.schema.json"),
            SchemaId::HardDenyOverrides => {
                include_str!("../../../schemas/hard-deny-overrides.schema.json")
            }
            SchemaId::DoctorReport => include_str!("../../../schemas/doctor-report.schema.json"),
            SchemaId::AuthorizeRequest => {
                include_str!("../../../schemas/authorize-request.schema.json")
            }
            SchemaId::AuthorizeDecision => {
                include_str!("../../../schemas/authorize-decision.schema.json")
            }
        }
    }

    /// The schema derived from the Rust types, pretty-printed with a trailing newline.
    pub fn generate(self) -> String {
        let schema = match self {
            SchemaId::Netclaw => editable(root::<NetclawConfig>()),
            SchemaId::Secrets => editable(secrets_schema()),
            SchemaId::WebhookRoute => editable(root::<WebhookRoute>()),
            SchemaId::ToolApprovals => editable(root::<ToolApprovals>()),
            SchemaId::HardDenyOverrides => root::<HardDenyOverrides>(),
            SchemaId::DoctorReport => root::<DoctorReport>(),
            SchemaId::AuthorizeRequest => root::<AuthorizeRequest>(),
            SchemaId::AuthorizeDecision => root::<Decision>(),
        };
        let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
        text.push('\n');
        text
    }

    /// The published schema, parsed and compiled once per process.
    pub(crate) fn compiled(self) -> &'static Compiled {
        static COMPILED: LazyLock<Vec<(SchemaId, Compiled)>> =
            LazyLock::new(|| SchemaId::ALL.into_iter().map(|id| (id, Compiled::new(id.published()))).collect());
        COMPILED.iter().find_map(|(id, compiled)| (*id == self).then_some(compiled)).unwrap_or(&FALLBACK)
    }
}

/// A schema that accepts nothing: if a published schema ever failed to compile, every
/// file would be rejected (fail closed) rather than waved through.
static FALLBACK: LazyLock<Compiled> = LazyLock::new(|| Compiled::new("false"));

#[derive(Debug)]
pub(crate) struct Compiled {
    pub document: Value,
    pub validator: Option<jsonschema::Validator>,
}

impl Compiled {
    fn new(text: &str) -> Self {
        let document: Value = serde_json::from_str(text).unwrap_or(Value::Bool(false));
        let validator = jsonschema::draft202012::new(&document).ok();
        Self { document, validator }
    }

    pub fn root(&self) -> SchemaNode<'_> {
        SchemaNode::root(&self.document)
    }
}

fn root<T: JsonSchema>() -> Value {
    let generator = SchemaSettings::draft2020_12().into_generator();
    generator.into_root_schema_for::<T>().to_value()
}

/// A file schema that admits a root `"$schema"` key, so editors can be pointed at it;
/// the loader drops that key before validation.
fn editable(mut schema: Value) -> Value {
    if let Some(properties) = schema.get_mut("properties").and_then(Value::as_object_mut) {
        let reference = serde_json::json!({"type": "string", "description": "The JSON Schema this file follows; ignored by netclaw."});
        properties.insert("$schema".to_owned(), reference);
    }
    schema
}

/// `secrets.json` overlays `netclaw.json`: same shape, its own title.
fn secrets_schema() -> Value {
    let mut schema = root::<NetclawConfig>();
    if let Some(object) = schema.as_object_mut() {
        object.insert("title".into(), "secrets.json".into());
        object.insert(
            "description".into(),
            "Secrets overlaid on netclaw.json (same keys). Every string leaf should be encrypted (`ENC:…`).".into(),
        );
    }
    schema
}

/// A `schemars` transform for types whose defaults depend on where they are used.
pub(crate) fn without_property_defaults(schema: &mut Schema) {
    if let Some(properties) = schema.get_mut("properties").and_then(Value::as_object_mut) {
        for property in properties.values_mut() {
            if let Some(property) = property.as_object_mut() {
                property.remove("default");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The committed schemas are what editors and CI validate against; they must be
    /// exactly what the types generate. Regenerate with `NETCLAW_BLESS_SCHEMAS=1 cargo test`.
    #[test]
    fn committed_schemas_match_the_types() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../schemas");
        let bless = std::env::var_os("NETCLAW_BLESS_SCHEMAS").is_some();
        let mut drifted = Vec::new();
        for id in SchemaId::ALL {
            let generated = id.generate();
            if bless {
                if let Err(err) = std::fs::write(dir.join(id.file_name()), &generated) {
                    drifted.push(format!("{}: {err}", id.file_name()));
                }
            } else if generated != id.published() {
                drifted.push(id.file_name().to_owned());
            }
        }
        assert!(drifted.is_empty(), "schemas out of date (rerun with NETCLAW_BLESS_SCHEMAS=1): {drifted:?}");
    }

    #[test]
    fn every_published_schema_compiles() {
        for id in SchemaId::ALL {
            assert!(id.compiled().validator.is_some(), "{} does not compile", id.file_name());
        }
    }
}
