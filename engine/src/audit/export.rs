//! `audit export`: one JSON object a line for a SIEM, with OCSF field names where
//! they fit (an authorization of a tool call is closest to OCSF's API Activity with a
//! disposition); what has no OCSF name is under `unmapped`.

use serde_json::{Value, json};

use super::AuditEntry;
use crate::decision::Effect;

pub fn ocsf(entry: &AuditEntry) -> Value {
    let d = &entry.decision;
    let (disposition, disposition_id, status, status_id, severity_id) = match d.decision {
        Effect::Allow => ("Allowed", 1, "Success", 1, 1),
        Effect::ApprovalRequired => ("Approval Required", 99, "Other", 99, 2),
        Effect::Deny => ("Blocked", 2, "Failure", 2, 3),
    };
    json!({
        "time": entry.time_ms,
        "class_name": "API Activity",
        "class_uid": 6003,
        "category_uid": 6,
        "activity_name": "Authorize",
        "severity_id": severity_id,
        "status": status,
        "status_id": status_id,
        "disposition": disposition,
        "disposition_id": disposition_id,
        "message": d.message,
        "metadata": {
            "uid": entry.decision_id,
            "product": {"name": "netclaw", "vendor_name": "netclaw"},
            "version": "1.1.0",
        },
        "actor": {"user": {"name": d.audience.map(|a| a.as_str())}, "app_name": entry.channel},
        "api": {"operation": entry.tool, "request": {"data": entry.request}},
        "policy": {"uid": d.policies.first(), "name": d.layer.as_str()},
        "unmapped": {
            "recorder": entry.recorder,
            "layer": d.layer.as_str(),
            "reason_code": d.reason_code.map(|r| r.to_string()),
            "policies": d.policies,
            "sources": d.sources,
            "remediation": d.remediation,
            "generation": entry.generation,
            "policy_digest": entry.policy_digest,
        },
    })
}
