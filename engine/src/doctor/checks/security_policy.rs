//! Security Policy: the deployment posture and the shell, the largest risk surface a
//! user controls (hardening guide, "Shell access").
//!
//! An unstated posture means `Public` silently; a shared posture (Team, Public) with
//! shell on the host, or a Personal shell that runs without asking, hands a command
//! line to whoever can steer the agent.

use crate::config::{Audience, EffectiveConfig, SHELL_TOOL, ShellExecutionMode};
use crate::decision::Effect;
use crate::diagnostic::Location;
use crate::doctor::{Check, CheckOutcome, DoctorContext, Finding, Fix};
use crate::home::{HARD_DENY_OVERRIDES_JSON, NETCLAW_JSON, TOOL_APPROVALS_JSON};
use crate::json_pointer;
use crate::policy::ToolName;
use crate::state_file::mode_of;

#[derive(Debug)]
pub(crate) struct SecurityPolicy;

impl Check for SecurityPolicy {
    fn id(&self) -> &'static str {
        "security-policy"
    }

    fn name(&self) -> &'static str {
        "Security Policy"
    }

    fn reads_policies(&self) -> bool {
        true
    }

    fn run(&self, context: &DoctorContext<'_>) -> CheckOutcome {
        let Ok(config) = &context.config.config else {
            return CheckOutcome::skipped();
        };
        let mut findings = Vec::new();
        findings.extend(posture_unset(config));
        findings.extend(host_shell_when_shared(config));
        findings.extend(sandbox_without_backend(config));
        if let Ok(policy) = context.compiled()
            && config.config.shell_mode().0 != ShellExecutionMode::Off
            && policy.probe(Audience::Personal, SHELL_TOOL).decision == Effect::Allow
        {
            findings.push(ungated_shell(config));
        }
        let (writable, fixes): (Vec<Finding>, Vec<Fix>) = writable_by_others(context).into_iter().unzip();
        findings.extend(writable);
        let (mode, _) = config.config.shell_mode();
        let posture = config.config.security.deployment_posture.unwrap_or(Audience::Public);
        let clean = format!("posture {}, shell {mode:?}", posture.as_str());
        CheckOutcome::found(findings, clean, "set the posture explicitly and keep the shell off, sandboxed or gated")
            .with_fixes(fixes)
    }
}

/// The home, `config/` and the policy files, when group or others may write them:
/// whoever can write the policy sets it (an "approve always" entry, a posture).
fn writable_by_others(context: &DoctorContext<'_>) -> Vec<(Finding, Fix)> {
    let paths = [".", "config", NETCLAW_JSON, TOOL_APPROVALS_JSON, HARD_DENY_OVERRIDES_JSON];
    paths
        .into_iter()
        .filter_map(|relative| {
            let mode = mode_of(&context.home.path(relative))?;
            (mode & 0o022 != 0).then(|| {
                let message =
                    format!("`{relative}` is mode {mode:03o}: other users on this machine can change netclaw's policy");
                let help = format!("chmod go-w {relative}  (or `netclaw doctor --fix`)");
                let finding =
                    Finding::error("policy-writable-by-others", Location::file(relative), message).with_help(help);
                let fix = Fix::Mode { path: relative.to_owned(), mode: mode & !0o022 };
                (finding, fix)
            })
        })
        .collect()
}

fn posture_unset(config: &EffectiveConfig) -> Option<Finding> {
    config.config.security.deployment_posture.is_none().then(|| {
        let location = Location::at(NETCLAW_JSON, "/Security/DeploymentPosture");
        Finding::warning(
            "posture-unset",
            location,
            "`Security.DeploymentPosture` is not set, so `Public` applies silently",
        )
        .with_help("set it to the audience this deployment serves: `Personal`, `Team` or `Public`")
    })
}

fn host_shell_when_shared(config: &EffectiveConfig) -> Option<Finding> {
    let (mode, key) = config.config.shell_mode();
    let posture = config.config.security.deployment_posture.unwrap_or(Audience::Public);
    (mode == ShellExecutionMode::HostAllowed && posture != Audience::Personal).then(|| {
        let message = format!(
            "`{}` is `HostAllowed` under the `{}` posture: a shared deployment runs shell commands on its host",
            json_pointer::dotted(key),
            posture.as_str()
        );
        Finding::error("host-shell-in-shared-posture", config.locate(key), message)
            .with_help("set it to `Off`, or `SandboxOnly` with `Security.SandboxBackend`")
    })
}

fn sandbox_without_backend(config: &EffectiveConfig) -> Option<Finding> {
    let (mode, key) = config.config.shell_mode();
    let backend = config.config.security.sandbox_backend.as_deref().is_some_and(|b| !b.trim().is_empty());
    (mode == ShellExecutionMode::SandboxOnly && !backend).then(|| {
        let message = format!(
            "`{}` is `SandboxOnly` but no `Security.SandboxBackend` is set: every shell call is denied",
            json_pointer::dotted(key)
        );
        Finding::warning("sandbox-backend-missing", config.locate(key), message)
            .with_help("set `Security.SandboxBackend`, or set the shell mode to `Off` to say what you mean")
    })
}

/// The Personal shell runs without asking: placed at the override that says so.
fn ungated_shell(config: &EffectiveConfig) -> Finding {
    let base = "/Tools/AudienceProfiles/Personal/ApprovalPolicy/ToolOverrides";
    let overrides = &config.config.tools.audience_profiles.personal.approval_policy.tool_overrides;
    let key = overrides.keys().find(|k| ToolName::parse(k) == ToolName::FirstParty(SHELL_TOOL.to_owned()));
    let location =
        key.map_or_else(|| Location::at(NETCLAW_JSON, base), |k| config.locate(&json_pointer::join(base, k)));
    Finding::error(
        "shell-not-gated",
        location,
        "the Personal audience runs `shell_execute` without approval: approval gates are the only guardrail of a host shell",
    )
    .with_help("set `Tools.AudienceProfiles.Personal.ApprovalPolicy.ToolOverrides.shell_execute` to `Approval`")
}
