//! The benchmark's large config — 3 audiences, 200 MCP servers × 20 tools, 500 tool
//! overrides, 50 server defaults, 100 Slack channels, 2,000 persisted approvals — and
//! the same config at any scale. Shared by the `authorize` bench and the test that
//! proves slices decide as the full set (on a smaller scale: every policy shape is
//! there, and the full set can be evaluated on every question in seconds).

#![allow(dead_code, reason = "the bench and the test each use part of it")]

use serde_json::{Map, Value, json};

#[derive(Debug, Clone, Copy)]
pub struct Scale {
    pub servers: usize,
    pub tools: usize,
    /// Personal may use every server, Team the first `team_servers`, Public none.
    pub team_servers: usize,
    pub overrides: usize,
    /// Personal's `McpServerDefaults` gate every fourth server, up to this many.
    pub server_defaults: usize,
    pub approvals: usize,
}

pub const FULL: Scale =
    Scale { servers: 200, tools: 20, team_servers: 100, overrides: 500, server_defaults: 50, approvals: 2000 };

const MODES: [&str; 3] = ["Approval", "Deny", "Auto"];

impl Scale {
    /// The `ToolOverrides` both Personal and Team carry: tool → mode.
    pub fn overrides(self) -> Vec<(String, &'static str)> {
        (0..self.overrides)
            .map(|i| (format!("s{}/t{}", i % self.servers, self.tools - 1 - i / self.servers), MODES[i % 3]))
            .collect()
    }

    /// Personal's `McpServerDefaults`: every fourth server gated.
    pub fn server_defaults(self) -> Vec<String> {
        (0..self.server_defaults).map(|s| format!("s{}", s * 4)).collect()
    }

    /// `netclaw.json` and `tool-approvals.json`.
    pub fn config(self) -> (Value, Value) {
        let servers: Vec<String> = (0..self.servers).map(|s| format!("s{s}")).collect();
        let grants: Map<String, Value> = servers
            .iter()
            .map(|s| (s.clone(), json!((0..self.tools).map(|t| format!("t{t}")).collect::<Vec<_>>())))
            .collect();
        let overrides: Map<String, Value> =
            self.overrides().into_iter().map(|(tool, mode)| (tool, json!(mode))).collect();
        let server_defaults: Map<String, Value> =
            self.server_defaults().into_iter().map(|s| (s, json!("Approval"))).collect();
        let channels: Vec<String> = (0..100).map(|c| format!("C{c:09}")).collect();
        let config = json!({
            "Security": {"DeploymentPosture": "Team"},
            "Slack": {"Enabled": true, "AllowedChannelIds": channels},
            "Tools": {"AudienceProfiles": {
                "Personal": {"AllowedMcpServers": servers, "McpServerToolGrants": grants, "ApprovalPolicy": {"DefaultMode": "Auto", "ToolOverrides": overrides, "McpServerDefaults": server_defaults}},
                "Team": {"AllowedMcpServers": servers[..self.team_servers], "McpServerToolGrants": grants, "ApprovalPolicy": {"DefaultMode": "Approval", "ToolOverrides": overrides}},
                "Public": {"ApprovalPolicy": {"DefaultMode": "Deny"}}
            }}
        });
        let mut by_tool: Map<String, Value> = Map::new();
        for i in 0..self.approvals {
            let tool = format!("s{}/t{}", i % self.servers, i % self.tools);
            let entry = json!({"verb": tool, "directory": format!("/srv/{i}"), "createdAt": "2026-11-01T00:00:00Z"});
            if let Value::Array(entries) = by_tool.entry(tool).or_insert_with(|| json!([])) {
                entries.push(entry);
            }
        }
        (config, json!({"version": 3, "audiences": {"personal": by_tool}}))
    }
}
