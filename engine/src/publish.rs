//! Publishing the JSON Schemas: each one derived from the Rust types it describes.
//!
//! This sits above everything it describes (the config, the decision documents, the
//! doctor report); `schema` below them holds only the published text and validation.
//! The published files are written by its test (`NETCLAW_BLESS_SCHEMAS=1`), so it is
//! only built for tests.

use schemars::JsonSchema;
use schemars::generate::SchemaSettings;
use serde_json::Value;

use crate::config::{ConfigListing, HardDenyOverrides, NetclawConfig, ToolApprovals, WebhookRoute};
use crate::decision::{AuthorizeRequest, DecisionDocument};
use crate::doctor::DoctorReport;
use crate::policy::VerifyReport;
use crate::schema::SchemaId;

/// The schema derived from the Rust types, pretty-printed with a trailing newline.
pub(crate) fn generate(id: SchemaId) -> String {
    let schema = match id {
        SchemaId::Netclaw => editable(root::<NetclawConfig>()),
        SchemaId::Secrets => editable(secrets_schema()),
        SchemaId::WebhookRoute => editable(root::<WebhookRoute>()),
        SchemaId::ToolApprovals => editable(root::<ToolApprovals>()),
        SchemaId::HardDenyOverrides => root::<HardDenyOverrides>(),
        SchemaId::DoctorReport => root::<DoctorReport>(),
        SchemaId::AuthorizeRequest => root::<AuthorizeRequest>(),
        SchemaId::AuthorizeDecision => root::<DecisionDocument>(),
        SchemaId::ConfigListing => root::<ConfigListing>(),
        SchemaId::PolicyVerify => root::<VerifyReport>(),
    };
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
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
            let generated = generate(id);
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
}
