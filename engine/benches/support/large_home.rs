//! The doctor's large home: 1,000 webhook routes, 10,000 persisted approvals, 200 MCP
//! servers × 20 tools granted to Personal and Team. Shared by the engine's `doctor`
//! bench and the CLI's process timing, so both measure the same files.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use serde_json::{Map, Value, json};

/// Writes the home under `root` (which must exist), with the modes doctor checks.
pub fn write_large_home(root: &Path) {
    let webhooks = root.join("config/webhooks");
    fs::create_dir_all(&webhooks).unwrap();
    fs::set_permissions(&webhooks, fs::Permissions::from_mode(0o700)).unwrap();
    let servers: Vec<String> = (0..200).map(|s| format!("srv{s:03}")).collect();
    let grants: Map<String, Value> = servers
        .iter()
        .map(|s| (s.clone(), json!((0..20).map(|t| format!("tool-{t:02}")).collect::<Vec<_>>())))
        .collect();
    let overrides: Map<String, Value> =
        (0..500).map(|i| (format!("srv{:03}/tool-{:02}", i % 200, i / 200), json!("Approval"))).collect();
    let config = json!({
        "Security": {"DeploymentPosture": "Team", "ShellExecutionMode": "Off"},
        "Webhooks": {"Enabled": true},
        "Tools": {"AudienceProfiles": {
            "Personal": {"AllowedMcpServers": servers, "McpServerToolGrants": grants},
            "Team": {"AllowedMcpServers": servers, "McpServerToolGrants": grants,
                     "ApprovalPolicy": {"DefaultMode": "Approval", "ToolOverrides": overrides}},
            "Public": {"ApprovalPolicy": {"DefaultMode": "Deny"}}
        }}
    });
    fs::write(root.join("config/netclaw.json"), serde_json::to_string_pretty(&config).unwrap()).unwrap();
    for i in 0..1000 {
        // Distinct, random-looking secrets: the check compares them all.
        let secret = format!("{:016x}{:016x}", (i as u64 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15), i * 7919 + 104_729);
        let route = json!({"prompt": "Handle it.", "verification": {"kind": "Hmac", "secret": secret}});
        fs::write(webhooks.join(format!("route-{i:04}.json")), route.to_string()).unwrap();
    }
    let mut by_tool: Map<String, Value> = Map::new();
    for i in 0..10_000 {
        let tool = format!("srv{:03}/tool-{:02}", i % 200, (i / 200) % 20);
        let entry = json!({"verb": tool, "directory": format!("/home/me/p{i}"), "createdAt": "2026-11-01T00:00:00Z"});
        by_tool.entry(tool).or_insert_with(|| json!([])).as_array_mut().unwrap().push(entry);
    }
    let approvals = json!({"version": 3, "audiences": {"team": by_tool}});
    fs::write(root.join("config/tool-approvals.json"), approvals.to_string()).unwrap();
}
