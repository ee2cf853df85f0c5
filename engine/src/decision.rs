//! The authorize request and decision documents of the contract.
//!
//! A decision is a value with reasons — layer, Cedar policy ids, config sources,
//! remediation — never a bare bool. The authorizer that produces it arrives with the
//! policy compiler; the shapes are fixed here so the schemas can be published first.

use std::sync::Arc;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::config::Audience;
use crate::reason::ReasonCode;

/// One tool invocation to decide. Only `tool` is required.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schemars(title = "authorize request")]
pub struct AuthorizeRequest {
    /// `tui`, `slack`, `webhook`, …; it sets the widest audience the call can have.
    #[serde(default = "default_channel")]
    pub channel: String,
    /// Can only narrow the channel's audience. Kept as text so an unknown value can be
    /// denied as a decision (fail closed) rather than rejected as a malformed request.
    #[serde(default)]
    pub audience: Option<String>,
    #[serde(default)]
    pub slack: Option<SlackContext>,
    /// False for headless sessions (reminders, webhooks, `chat -p`): no one can approve.
    #[serde(default)]
    pub interactive: bool,
    /// First-party tool name, or `server/tool` for MCP tools.
    #[schemars(length(min = 1))]
    pub tool: String,
    #[serde(default)]
    pub arguments: Map<String, Value>,
    #[serde(default)]
    pub working_directory: Option<String>,
    /// The session's own directory, set by the runtime: file tools may always use it,
    /// whatever `ReadFiles` / `WriteFiles` say (Public's default scope).
    #[serde(default)]
    pub session_directory: Option<String>,
    /// The agent session the call belongs to, set by the runtime: an
    /// `approve_session` answer covers the same call again in this session only.
    #[serde(default)]
    pub session_id: Option<String>,
}

impl AuthorizeRequest {
    /// The working directory, when it names one: a relative one is relative to nothing
    /// the authorizer knows, so it counts as unknown (and relative paths are then
    /// matched by their tails).
    pub(crate) fn absolute_working_directory(&self) -> Option<&std::path::Path> {
        self.working_directory.as_deref().map(std::path::Path::new).filter(|p| p.is_absolute())
    }
}

fn default_channel() -> String {
    "headless".to_owned()
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SlackContext {
    /// Missing or empty: the channel ACL denies the message (a decision, not a
    /// malformed request), since no rule can admit a message from nowhere.
    #[serde(default)]
    pub channel_id: String,
    #[serde(default)]
    pub user_id: String,
    #[serde(default)]
    pub is_dm: bool,
    #[serde(default)]
    pub mentioned: bool,
}

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    JsonSchema,
    strum::Display,
    strum::EnumString,
    strum::IntoStaticStr,
    strum::VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Effect {
    Allow,
    ApprovalRequired,
    Deny,
}

/// netclaw's own names for the three effects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub enum Outcome {
    Allowed,
    RequiresApproval,
    Denied,
}

impl From<Effect> for Outcome {
    fn from(effect: Effect) -> Self {
        match effect {
            Effect::Allow => Outcome::Allowed,
            Effect::ApprovalRequired => Outcome::RequiresApproval,
            Effect::Deny => Outcome::Denied,
        }
    }
}

/// The layers, in evaluation order.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    JsonSchema,
    strum::Display,
    strum::EnumString,
    strum::IntoStaticStr,
    strum::VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Layer {
    /// Before any layer: the configuration itself is unusable, so nothing was asked.
    Configuration,
    ChannelAcl,
    OperationHardDeny,
    ResourceHardDeny,
    ToolAccessGrant,
    ApprovalGate,
}

impl Layer {
    /// The layer as decisions and `@layer` annotations name it (`approval_gate`).
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

impl Effect {
    /// The effect as decisions name it (`approval_required`).
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// One decision: its own id, and the ruling — what was decided and why — which
/// decisions with the same answer share, so a remembered one is not copied.
/// Reads as its ruling (`decision.layer`); serialises as one flat document.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    pub decision_id: String,
    pub ruling: Arc<Ruling>,
}

/// What was decided and why; each field as [`DecisionDocument`] describes it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Ruling {
    pub decision: Effect,
    pub outcome: Outcome,
    pub audience: Option<Audience>,
    pub layer: Layer,
    pub reason_code: Option<ReasonCode>,
    pub message: String,
    pub policies: Vec<String>,
    pub sources: Vec<String>,
    pub remediation: Option<String>,
}

impl Decision {
    /// A decision on `ruling` with a new id.
    pub fn new(ruling: impl Into<Arc<Ruling>>) -> Self {
        Decision { decision_id: crate::policy::new_decision_id(), ruling: ruling.into() }
    }
}

impl std::ops::Deref for Decision {
    type Target = Ruling;

    fn deref(&self) -> &Ruling {
        &self.ruling
    }
}

// The decision document of the contract, field for field: what a decision serialises
// to and is read back from. (A plain comment: a doc comment would enter the schema.)
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schemars(title = "authorize decision")]
pub(crate) struct DecisionDocument {
    pub decision: Effect,
    pub outcome: Outcome,
    /// The effective audience, when one could be established.
    pub audience: Option<Audience>,
    /// The layer that decided.
    pub layer: Layer,
    /// netclaw's reason code (`hard_deny_privilege_escalation`, …); null when allowed.
    pub reason_code: Option<ReasonCode>,
    pub message: String,
    /// Ids of the Cedar policies that decided.
    pub policies: Vec<String>,
    /// Config keys (dotted) or files those policies were compiled from.
    pub sources: Vec<String>,
    /// What config change would change the decision.
    pub remediation: Option<String>,
    pub decision_id: String,
}

impl Serialize for Decision {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Flat<'d> {
            #[serde(flatten)]
            ruling: &'d Ruling,
            decision_id: &'d str,
        }
        Flat { ruling: &self.ruling, decision_id: &self.decision_id }.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Decision {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let d = DecisionDocument::deserialize(deserializer)?;
        let ruling = Ruling {
            decision: d.decision,
            outcome: d.outcome,
            audience: d.audience,
            layer: d.layer,
            reason_code: d.reason_code,
            message: d.message,
            policies: d.policies,
            sources: d.sources,
            remediation: d.remediation,
        };
        Ok(Decision { decision_id: d.decision_id, ruling: Arc::new(ruling) })
    }
}
