//! The typed model of `config/netclaw.json`.
//!
//! Field names are netclaw's (PascalCase); the loader matches them case-insensitively
//! before serde sees them. `Default` is the built-in configuration a missing file means,
//! and it is also what the generated JSON Schema publishes as each key's `default`.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::audience::Audience;
use super::secret::Secret;
use super::tools::{ShellExecutionMode, ToolsConfig};
use crate::secrets::{CONFIG_SCOPE, Keyring, label};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "PascalCase", deny_unknown_fields, default)]
#[schemars(
    title = "netclaw.json",
    description = "netclaw's main configuration. Values merge over the built-in defaults, so only changed keys need to be written. Keys match case-insensitively."
)]
pub(crate) struct NetclawConfig {
    pub security: SecurityConfig,
    pub tools: ToolsConfig,
    pub slack: SlackConfig,
    pub daemon: DaemonConfig,
    pub webhooks: WebhooksConfig,
    pub notifications: NotificationsConfig,
    pub audit: AuditConfig,
    pub approvals: ApprovalsConfig,
}

impl NetclawConfig {
    /// The shell mode in force and the key that set it: `Tools.ShellMode` ??
    /// `Security.ShellExecutionMode` ?? the posture's default.
    pub(crate) fn shell_mode(&self) -> (ShellExecutionMode, &'static str) {
        if let Some(mode) = self.tools.shell_mode {
            return (mode, "/Tools/ShellMode");
        }
        if let Some(mode) = self.security.shell_execution_mode {
            return (mode, "/Security/ShellExecutionMode");
        }
        match self.security.deployment_posture {
            Some(Audience::Personal) => (ShellExecutionMode::HostAllowed, "/Security/DeploymentPosture"),
            _ => (ShellExecutionMode::Off, "/Security/DeploymentPosture"),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "PascalCase", deny_unknown_fields, default)]
pub(crate) struct SecurityConfig {
    /// Missing means `Public`, and doctor's Security Policy check flags it: an unstated
    /// posture should never silently be the permissive one.
    pub deployment_posture: Option<Audience>,
    /// `Tools.ShellMode` wins over this; when both are unset the posture decides
    /// (`Personal` → `HostAllowed`, otherwise `Off`).
    pub shell_execution_mode: Option<ShellExecutionMode>,
    /// The sandbox `SandboxOnly` runs commands in; without one, shell is unavailable.
    pub sandbox_backend: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "PascalCase", deny_unknown_fields, default)]
pub(crate) struct SlackConfig {
    pub enabled: bool,
    /// Respond only when @mentioned.
    pub mention_only: bool,
    pub allow_direct_messages: bool,
    pub default_channel_id: Option<String>,
    /// With no allowlist and no default channel, all channel traffic is denied.
    pub allowed_channel_ids: Vec<String>,
    /// Empty means any user of the workspace.
    pub allowed_user_ids: Vec<String>,
    /// Channel id (or the reserved `dm`) → audience. An audience can only be narrowed
    /// by the request, never widened.
    pub channel_audiences: BTreeMap<String, Audience>,
    pub bot_token: Option<Secret>,
    pub app_token: Option<Secret>,
    pub signing_secret: Option<Secret>,
}

impl SlackConfig {
    /// Opens the `ENC:` tokens with `keys` (see [`Secret::unseal`]).
    pub(crate) fn unseal(&mut self, keys: &Keyring) {
        let tokens = [
            ("/Slack/BotToken", &mut self.bot_token),
            ("/Slack/AppToken", &mut self.app_token),
            ("/Slack/SigningSecret", &mut self.signing_secret),
        ];
        for (pointer, token) in tokens {
            if let Some(token) = token {
                token.unseal(keys, &label(CONFIG_SCOPE, pointer));
            }
        }
    }
}

impl Default for SlackConfig {
    fn default() -> Self {
        Self {
            enabled: false,
            mention_only: true,
            allow_direct_messages: false,
            default_channel_id: None,
            allowed_channel_ids: Vec::new(),
            allowed_user_ids: Vec::new(),
            channel_audiences: BTreeMap::new(),
            bot_token: None,
            app_token: None,
            signing_secret: None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum ExposureMode {
    #[default]
    Local,
    TailscaleServe,
    TailscaleFunnel,
    CloudflareTunnel,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "PascalCase", deny_unknown_fields, default)]
pub(crate) struct DaemonConfig {
    pub host: String,
    pub port: u16,
    /// Changes only on restart: excluded from hot reload on purpose.
    pub exposure_mode: ExposureMode,
    /// Internet-facing exposure modes need this explicit confirmation.
    pub internet_exposure_confirmed: bool,
    /// `cloudflare-tunnel` is only safe behind a Cloudflare Access policy.
    pub cloudflare_access_policy_id: Option<String>,
}

impl Default for DaemonConfig {
    fn default() -> Self {
        Self {
            host: "127.0.0.1".to_owned(),
            port: 5199,
            exposure_mode: ExposureMode::Local,
            internet_exposure_confirmed: false,
            cloudflare_access_policy_id: None,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "PascalCase", deny_unknown_fields, default)]
pub(crate) struct WebhooksConfig {
    /// Routes live one per file in `config/webhooks/`; none is served unless this is on.
    pub enabled: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "PascalCase", deny_unknown_fields, default)]
pub(crate) struct AuditConfig {
    /// Record every decision in `netclaw.db` (the request with secrets redacted).
    pub enabled: bool,
    /// The daemon deletes decisions older than this.
    #[schemars(range(min = 1))]
    pub retention_days: u32,
}

impl Default for AuditConfig {
    fn default() -> Self {
        Self { enabled: true, retention_days: 90 }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "PascalCase", deny_unknown_fields, default)]
pub(crate) struct ApprovalsConfig {
    /// How long the daemon holds an interactive call that needs approval; no answer
    /// by then is a deny (`approval_timed_out`). Headless calls never wait.
    #[schemars(range(min = 1, max = 3600))]
    pub timeout_seconds: u32,
}

impl Default for ApprovalsConfig {
    fn default() -> Self {
        Self { timeout_seconds: 300 }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "PascalCase", deny_unknown_fields, default)]
pub(crate) struct NotificationsConfig {
    pub enabled: bool,
    /// Where approval prompts and security alerts are posted.
    pub slack_channel_id: Option<String>,
}
