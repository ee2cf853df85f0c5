//! SARIF 2.1.0, so code-scanning UIs show doctor findings inline on the config files.
//!
//! One rule per check and finding code (`config-schema/unknown-key`: the same code
//! can come from several checks); results carry the file as an artifact location
//! relative to the home (`%SRCROOT%`) and the pointer as a logical location.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde::Serialize;

use super::Emitter;
use crate::doctor::{DoctorReport, FindingSeverity};
use crate::home::uri_path;

#[derive(Debug, Clone, Copy, Default)]
pub struct SarifEmitter;

const SARIF_SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'a str,
    version: &'a str,
    runs: Vec<Run<'a>>,
}

#[derive(Serialize)]
struct Run<'a> {
    tool: Tool<'a>,
    results: Vec<SarifResult<'a>>,
}

#[derive(Serialize)]
struct Tool<'a> {
    driver: Driver<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver<'a> {
    name: &'a str,
    version: &'a str,
    rules: Vec<Rule<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule<'a> {
    id: String,
    name: &'a str,
    short_description: Message,
    /// What to do about it: the finding's own advice, else its check's.
    #[serde(skip_serializing_if = "Option::is_none")]
    help: Option<Message>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: String,
    level: &'a str,
    message: Message,
    locations: Vec<SarifLocation<'a>>,
}

#[derive(Serialize)]
struct Message {
    text: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifLocation<'a> {
    physical_location: PhysicalLocation<'a>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    logical_locations: Vec<LogicalLocation<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation<'a> {
    artifact_location: ArtifactLocation<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<Region>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation<'a> {
    uri: String,
    /// Only for a home-relative path; an `env:` finding has an absolute URI.
    #[serde(skip_serializing_if = "Option::is_none")]
    uri_base_id: Option<&'a str>,
}

/// A finding's file as a URI reference: home-relative paths percent-encoded against
/// `%SRCROOT%`, environment variables as `env:` URIs.
fn artifact(file: &str) -> ArtifactLocation<'static> {
    match file.strip_prefix("env:") {
        Some(var) => ArtifactLocation { uri: format!("env:{}", uri_path(var.as_bytes())), uri_base_id: None },
        None => ArtifactLocation { uri: uri_path(file.as_bytes()), uri_base_id: Some("%SRCROOT%") },
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: u32,
    start_column: u32,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LogicalLocation<'a> {
    fully_qualified_name: &'a str,
    kind: &'a str,
}

impl Emitter for SarifEmitter {
    fn emit(&self, report: &DoctorReport, out: &mut dyn Write) -> io::Result<()> {
        let mut rules = BTreeMap::new();
        let mut results = Vec::new();
        for check in &report.checks {
            for finding in &check.findings {
                let rule_id = format!("{}/{}", check.id, finding.code);
                rules.entry(rule_id.clone()).or_insert_with(|| Rule {
                    id: rule_id.clone(),
                    name: &finding.code,
                    short_description: Message { text: format!("{}: {}", check.name, finding.code) },
                    help: finding.help.clone().or_else(|| check.remediation.clone()).map(|text| Message { text }),
                });
                let mut text = finding.message.clone();
                if let Some(help) = &finding.help {
                    text.push_str(&format!(" ({help})"));
                }
                let region = finding
                    .line
                    .zip(finding.column)
                    .map(|(start_line, start_column)| Region { start_line, start_column });
                let logical = (!finding.pointer.is_empty())
                    .then_some(LogicalLocation { fully_qualified_name: &finding.pointer, kind: "object" });
                results.push(SarifResult {
                    rule_id,
                    level: match finding.severity {
                        FindingSeverity::Error => "error",
                        FindingSeverity::Warning => "warning",
                    },
                    message: Message { text },
                    // A finding about no file (a compile failure) has no location.
                    locations: (!finding.file.is_empty())
                        .then(|| SarifLocation {
                            physical_location: PhysicalLocation { artifact_location: artifact(&finding.file), region },
                            logical_locations: logical.into_iter().collect(),
                        })
                        .into_iter()
                        .collect(),
                });
            }
        }
        let log = Log {
            schema: SARIF_SCHEMA,
            version: "2.1.0",
            runs: vec![Run {
                tool: Tool {
                    driver: Driver {
                        name: "netclaw doctor",
                        version: env!("CARGO_PKG_VERSION"),
                        rules: rules.into_values().collect(),
                    },
                },
                results,
            }],
        };
        serde_json::to_writer_pretty(&mut *out, &log)?;
        writeln!(out)
    }
}
