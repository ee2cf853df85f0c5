//! The JSON Schemas (draft 2020-12) of every file netclaw reads and every document it
//! prints, as published, and validation against them.
//!
//! This is infrastructure below the types it validates: it knows the committed
//! `schemas/*.schema.json` text, not the Rust types. The `publish` module derives
//! that text from the types (a test fails on drift), and validation uses the committed text,
//! so what users and editors see is exactly what netclaw enforces.

mod shape;
mod validate;

use std::sync::LazyLock;

use schemars::Schema;
use serde_json::Value;

pub(crate) use shape::shape;
pub(crate) use shape::{ByKey, SchemaNode, Shaped};
pub(crate) use validate::validate;

/// Every published schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum SchemaId {
    Netclaw,
    Secrets,
    WebhookRoute,
    ToolApprovals,
    HardDenyOverrides,
    DoctorReport,
    AuthorizeRequest,
    AuthorizeDecision,
    ConfigListing,
    PolicyVerify,
}

impl SchemaId {
    pub(crate) const ALL: [SchemaId; 10] = [
        SchemaId::Netclaw,
        SchemaId::Secrets,
        SchemaId::WebhookRoute,
        SchemaId::ToolApprovals,
        SchemaId::HardDenyOverrides,
        SchemaId::DoctorReport,
        SchemaId::AuthorizeRequest,
        SchemaId::AuthorizeDecision,
        SchemaId::ConfigListing,
        SchemaId::PolicyVerify,
    ];

    /// The file name under `schemas/`.
    #[cfg(test)]
    pub(crate) fn file_name(self) -> &'static str {
        match self {
            SchemaId::Netclaw => "netclaw.schema.json",
            SchemaId::Secrets => "secrets.schema.json",
            SchemaId::WebhookRoute => "webhook-route.schema.json",
            SchemaId::ToolApprovals => "tool-approvals.schema.json",
            SchemaId::HardDenyOverrides => "hard-deny-overrides.schema.json",
            SchemaId::DoctorReport => "doctor-report.schema.json",
            SchemaId::AuthorizeRequest => "authorize-request.schema.json",
            SchemaId::AuthorizeDecision => "authorize-decision.schema.json",
            SchemaId::ConfigListing => "config-show.schema.json",
            SchemaId::PolicyVerify => "policy-verify.schema.json",
        }
    }

    /// The committed schema text, as shipped.
    pub(crate) fn published(self) -> &'static str {
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
            SchemaId::ConfigListing => include_str!("../../../schemas/config-show.schema.json"),
            SchemaId::PolicyVerify => include_str!("../../../schemas/policy-verify.schema.json"),
        }
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

    pub(crate) fn root(&self) -> SchemaNode<'_> {
        SchemaNode::root(&self.document)
    }
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

    #[test]
    fn every_published_schema_compiles() {
        for id in SchemaId::ALL {
            assert!(id.compiled().validator.is_some(), "{} does not compile", id.file_name());
        }
    }
}
