//! The words of a decision: a message that reads like a short audit answer, and the
//! config change that would change the outcome.

use super::tool_name::ToolName;
use crate::config::Audience;
use crate::decision::{Layer, SlackContext};
use crate::hard_deny::{BUILTIN_SOURCE, HardDenyMatch, file_tool_access};
use crate::paths::Access;
use crate::reason::ReasonCode;
use crate::redaction::redact;

pub(crate) struct Subject<'a> {
    pub audience: Option<Audience>,
    pub tool: &'a ToolName,
    /// The tool as the request named it.
    pub name: &'a str,
    /// For a file tool, the resolved path it touches ("" when unknown).
    pub path: Option<&'a str>,
    /// The request's channel (`tui`, `slack`, `webhook`, …).
    pub channel: &'a str,
    /// The audience's `AllowedTools` as in force, to print the list a fix must write.
    pub allowed_tools: Option<&'a [String]>,
    /// The config key of the policy that decided (dotted), when one did.
    pub decided_by: Option<&'a str>,
}

impl Subject<'_> {
    fn audience(&self) -> &'static str {
        self.audience.map_or("an invalid audience", Audience::as_str)
    }

    fn profile(&self) -> String {
        format!("Tools.AudienceProfiles.{}", self.audience.map_or("<audience>", Audience::as_str))
    }
}

/// Most specific first: when several denials apply at one layer, the first is reported.
const SPECIFICITY: &[ReasonCode] = &[
    ReasonCode::AudienceInvalid,
    ReasonCode::SlackDisabled,
    ReasonCode::SlackUserNotAllowed,
    ReasonCode::SlackDirectMessagesDisabled,
    ReasonCode::SlackChannelNotAllowed,
    ReasonCode::SlackMentionRequired,
    // Team and Public never get the shell: say that, not "turn the shell on".
    ReasonCode::ShellRequiresPersonalContext,
    ReasonCode::ShellDisabled,
    ReasonCode::ShellRequiresSandboxBackend,
    ReasonCode::McpServerNotAllowedForAudienceProfile,
    ReasonCode::McpToolNotAllowedForAudienceProfile,
    ReasonCode::ToolNotAllowedForAudienceProfile,
    ReasonCode::FilePathNotAllowedForAudienceProfile,
    ReasonCode::ToolDeniedByApprovalPolicy,
    ReasonCode::ApprovalRequiredUnattended,
];

pub(crate) fn priority(reason: Option<ReasonCode>) -> usize {
    reason.and_then(|r| SPECIFICITY.iter().position(|s| *s == r)).unwrap_or(SPECIFICITY.len())
}

pub(crate) fn denial(
    reason: ReasonCode,
    subject: &Subject<'_>,
    evidence: Option<&HardDenyMatch>,
) -> (String, Option<String>) {
    let (tool, audience, profile) = (subject.name, subject.audience(), subject.profile());
    let server = subject.tool.server().unwrap_or_default();
    let short = match subject.tool {
        ToolName::Mcp { tool, .. } => tool.as_str(),
        ToolName::FirstParty(name) => name.as_str(),
    };
    use ReasonCode as R;
    let (message, fix) = match reason {
        R::HardDenyCustomDeny
        | R::HardDenySelfDestructive
        | R::HardDenySystemDestructive
        | R::HardDenyPrivilegeEscalation
        | R::HardDenyUnresolvedCommand
        | R::HardDenyProtectedPath
        | R::ShellReferencesProtectedPath => return hard_deny(evidence),
        R::ShellDisabled => (
            "shell is disabled".to_owned(),
            "set `Security.ShellExecutionMode` (or `Tools.ShellMode`) to `SandboxOnly` or `HostAllowed`".to_owned(),
        ),
        R::ShellRequiresSandboxBackend => (
            "shell is `SandboxOnly` but no sandbox backend is configured".to_owned(),
            "set `Security.SandboxBackend`, or `Security.ShellExecutionMode` to `HostAllowed`".to_owned(),
        ),
        R::ShellRequiresPersonalContext => (
            format!("shell is only available to the Personal audience, and this call is {audience}"),
            personal_only_fix(subject),
        ),
        R::ToolNotAllowedForAudienceProfile => (format!("{audience} may not use `{tool}`"), allowed_tools_fix(subject)),
        R::McpServerNotAllowedForAudienceProfile => (
            format!("MCP server `{server}` is not allowed for {audience}"),
            format!("add `{server}` to `{profile}.AllowedMcpServers`"),
        ),
        R::McpToolNotAllowedForAudienceProfile => (
            format!("`{short}` is not among the tools of `{server}` granted to {audience}"),
            format!("add `{short}` to `{profile}.McpServerToolGrants.{server}`"),
        ),
        R::FilePathNotAllowedForAudienceProfile => file_scope(subject),
        R::ToolDeniedByApprovalPolicy => (
            format!("the approval policy of {audience} denies `{tool}`"),
            mode_fix(subject, "`Approval` (ask first) or `Auto`"),
        ),
        R::ApprovalRequiredUnattended => (
            format!("`{tool}` needs approval and this session is headless: no one can approve it"),
            format!(
                "run it in an interactive session, or add `{tool}` to `{profile}.ApprovalPolicy.ToolOverrides` as `Auto`"
            ),
        ),
        R::ApprovalDenied | R::ApprovalTimedOut => unanswered(reason, tool),
        R::AudienceInvalid => (
            "the request names an audience netclaw does not know".to_owned(),
            "use `Public`, `Team` or `Personal`".to_owned(),
        ),
        R::ApprovalStoreUnavailable | R::InternalPolicyFailure => (
            "the policy inputs are unusable, so every call is denied".to_owned(),
            "run `netclaw doctor` and fix its findings".to_owned(),
        ),
        R::SlackDisabled
        | R::SlackContextMissing
        | R::SlackChannelNotAllowed
        | R::SlackUserNotAllowed
        | R::SlackMentionRequired
        | R::SlackDirectMessagesDisabled => return channel(reason, None),
    };
    (message, Some(fix))
}

fn hard_deny(evidence: Option<&HardDenyMatch>) -> (String, Option<String>) {
    let Some(evidence) = evidence else {
        return ("a hard-deny rule matched".to_owned(), None);
    };
    // The command is quoted back: a token in it must not be.
    let message = redact(&match &evidence.segment {
        Some(s) => format!("segment {} of {}, `{}`: {}", s.index, s.total, s.text, evidence.message),
        None => evidence.message.clone(),
    })
    .into_owned();
    let fix = match (evidence.layer, evidence.source.as_str()) {
        (Layer::ResourceHardDeny, _) => {
            "protected paths cannot be granted to agents; use a path outside the netclaw home".to_owned()
        }
        (_, BUILTIN_SOURCE) => {
            "built-in hard-deny rules cannot be overridden; run the command without the denied part".to_owned()
        }
        (_, source) => format!("the rule comes from `{source}`; remove it there if it no longer applies"),
    };
    (message, Some(fix))
}

/// A file tool aimed outside the audience's `ReadFiles` / `WriteFiles`.
fn file_scope(subject: &Subject<'_>) -> (String, String) {
    // By the canonical name: `File_Write` is `file_write`, which writes.
    let canonical = match subject.tool {
        ToolName::FirstParty(name) => name.as_str(),
        ToolName::Mcp { .. } => subject.name,
    };
    let key = match file_tool_access(canonical) {
        Some(Access::Write) => "WriteFiles",
        _ => "ReadFiles",
    };
    let scope = format!("{}.{key}", subject.profile());
    match subject.path.filter(|p| !p.is_empty()) {
        Some(path) => (
            format!("`{path}` is outside what {} may reach with `{}` ({scope})", subject.audience(), subject.name),
            format!(
                "add a directory that holds it to `{scope}.Roots` (with `{scope}.Mode` `Roots`), or set `{scope}.Mode` to `All`"
            ),
        ),
        None => (
            format!("`{}` names no path netclaw can place, so {scope} cannot allow it", subject.name),
            "give the call an absolute `path` (or a `workingDirectory` for a relative one)".to_owned(),
        ),
    }
}

pub(crate) fn channel(reason: ReasonCode, slack: Option<&SlackContext>) -> (String, Option<String>) {
    let channel = slack.map_or("", |s| s.channel_id.as_str());
    let user = slack.map_or("", |s| s.user_id.as_str());
    use ReasonCode as R;
    let (message, fix) = match reason {
        R::SlackDisabled => ("Slack is disabled".to_owned(), "set `Slack.Enabled` to `true`".to_owned()),
        R::SlackContextMissing => (
            "a Slack request must say which channel and user it comes from".to_owned(),
            "send `slack.channelId` and `slack.userId` with the request".to_owned(),
        ),
        R::SlackUserNotAllowed => {
            (format!("Slack user `{user}` is not allowed"), format!("add `{user}` to `Slack.AllowedUserIds`"))
        }
        R::SlackDirectMessagesDisabled => (
            "direct messages are disabled".to_owned(),
            "set `Slack.AllowDirectMessages` to `true`, with `Slack.AllowedUserIds` restricting who may".to_owned(),
        ),
        R::SlackMentionRequired => (
            "netclaw only responds when mentioned in this channel".to_owned(),
            "mention the bot, or set `Slack.MentionOnly` to `false`".to_owned(),
        ),
        _ => (
            format!("Slack channel `{channel}` is not allowed"),
            format!("add `{channel}` to `Slack.AllowedChannelIds`"),
        ),
    };
    (message, Some(fix))
}

pub(crate) fn gated(subject: &Subject<'_>) -> (String, Option<String>) {
    let message = format!("{} may use `{}` once a human approves it", subject.audience(), subject.name);
    let fix =
        format!("approve it when asked (\"approve always\" persists the answer), or {}", mode_fix(subject, "`Auto`"));
    (message, Some(fix))
}

/// Team and Public never get the shell, whatever the config says: the only fix is to
/// run the call as Personal, and how depends on where it came from.
fn personal_only_fix(subject: &Subject<'_>) -> String {
    let how = match subject.channel.to_ascii_lowercase().as_str() {
        "slack" => "; for a private Slack channel only you use, map it to `personal` in `Slack.ChannelAudiences`",
        "webhook" => "; a webhook call runs as its route's `audience` (config/webhooks/<route>.json)",
        _ => "",
    };
    format!("shell_execute is never available to Team or Public: run it from a Personal session (tui, console){how}")
}

/// `AllowedTools` replaces the default list rather than adding to it: the fix prints
/// the whole list to write.
fn allowed_tools_fix(subject: &Subject<'_>) -> String {
    let profile = subject.profile();
    let Some(current) = subject.allowed_tools else {
        return format!("set `{profile}.ToolsMode` to `All`, or list `{}` in `{profile}.AllowedTools`", subject.name);
    };
    let mut list: Vec<&str> = current.iter().map(String::as_str).collect();
    list.push(subject.name);
    let list = list.iter().map(|t| format!("\"{t}\"")).collect::<Vec<_>>().join(", ");
    format!("set `{profile}.AllowedTools` to [{list}] (the list replaces the defaults, so it names them all)")
}

/// Which approval key to edit: the one that decided when it names this tool or its
/// server ("change"), otherwise a new override for the tool ("add").
fn mode_fix(subject: &Subject<'_>, to: &str) -> String {
    let policy = format!("{}.ApprovalPolicy", subject.profile());
    match subject.decided_by {
        Some(key)
            if key.starts_with(&format!("{policy}.ToolOverrides")) && key != format!("{policy}.ToolOverrides") =>
        {
            format!("change `{key}` to {to}")
        }
        Some(key) if key.starts_with(&format!("{policy}.McpServerDefaults")) => format!(
            "add `{}` to `{policy}.ToolOverrides` as {to} (or change `{key}`, which sets every tool of the server)",
            subject.name
        ),
        _ => format!("add `{}` to `{policy}.ToolOverrides` as {to}", subject.name),
    }
}

pub(crate) fn allowed(subject: &Subject<'_>, persisted: Option<&str>) -> String {
    match persisted {
        Some(grant) => {
            format!("{} may use `{}`: an approval covers it ({grant})", subject.audience(), subject.name)
        }
        None => format!("{} may use `{}` without asking", subject.audience(), subject.name),
    }
}

/// A gated call an approver denied, or that no one answered in time.
pub(crate) fn unanswered(reason: ReasonCode, tool: &str) -> (String, String) {
    if reason == ReasonCode::ApprovalDenied {
        let fix = "ask the approver again; to stop asking, set the tool's mode in `ApprovalPolicy.ToolOverrides`";
        return (format!("`{tool}` needed approval and the approver denied it"), fix.to_owned());
    }
    let fix = "answer with `netclaw approvals answer` while the call waits (`Approvals.TimeoutSeconds`)";
    (format!("`{tool}` needed approval and no one answered in time"), fix.to_owned())
}

/// `shell_execute` with no `command` argument: nothing to analyse, so nothing to allow.
/// A file tool argument that should name a file but is not text: what the tool would
/// touch cannot be known, so nothing is allowed.
pub(crate) fn unreadable_path_argument(key: &str) -> HardDenyMatch {
    HardDenyMatch {
        layer: Layer::ResourceHardDeny,
        rule: "protected-path".to_owned(),
        category: "protected_path".to_owned(),
        reason_code: ReasonCode::HardDenyProtectedPath,
        segment: None,
        word: None,
        message: format!("the `{key}` argument is not a path netclaw can check"),
        source: BUILTIN_SOURCE.to_owned(),
    }
}

pub(crate) fn missing_command() -> HardDenyMatch {
    HardDenyMatch {
        layer: Layer::OperationHardDeny,
        rule: "unresolved-command".to_owned(),
        category: "obfuscation".to_owned(),
        reason_code: ReasonCode::HardDenyUnresolvedCommand,
        segment: None,
        word: None,
        message: "`shell_execute` was called without a `command` argument".to_owned(),
        source: BUILTIN_SOURCE.to_owned(),
    }
}
