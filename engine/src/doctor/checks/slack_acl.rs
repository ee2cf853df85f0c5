//! Slack ACL: who can reach the agent through Slack, and as which audience.
//!
//! The guide's two warnings (no channel allowlist, DMs without a user allowlist), and
//! the mappings that widen access: `Slack.ChannelAudiences` can give a channel any
//! audience, and nothing caps it at the deployment posture, so a mapping broader than
//! the posture hands that channel tools the deployment was never meant to expose.

use crate::config::{Audience, EffectiveConfig};
use crate::diagnostic::{Diagnostic, Problem};
use crate::doctor::{Check, CheckOutcome, DoctorContext, Finding, Fix, place};
use crate::home::NETCLAW_JSON;
use crate::json_pointer;

#[derive(Debug)]
pub(crate) struct SlackAcl;

impl Check for SlackAcl {
    fn id(&self) -> &'static str {
        "slack-acl"
    }

    fn name(&self) -> &'static str {
        "Slack ACL"
    }

    fn run(&self, context: &DoctorContext<'_>) -> CheckOutcome {
        let Ok(config) = &context.config.config else {
            return CheckOutcome::skipped();
        };
        let slack = &config.config.slack;
        let mut findings: Vec<Finding> = Vec::new();
        let mut fixes = Vec::new();
        if slack.enabled {
            findings.extend(no_channel_allowlist(config));
            findings.extend(open_direct_messages(config));
            if let Some((finding, fix)) = mention_only_off(config) {
                findings.push(finding);
                fixes.extend(fix);
            }
        }
        findings.extend(broader_than_posture(config));
        findings.extend(default_broader_than_posture(config));
        findings.extend(unmatched_channels(config).iter().map(Finding::from));
        let clean = if slack.enabled {
            format!(
                "{} allowed channel(s), {} allowed user(s), {} audience mapping(s)",
                slack.allowed_channel_ids.len() + usize::from(slack.default_channel_id.is_some()),
                slack.allowed_user_ids.len(),
                slack.channel_audiences.len()
            )
        } else {
            "Slack is disabled".to_owned()
        };
        CheckOutcome::found(findings, clean, "narrow who can reach the agent through Slack, and as which audience")
            .with_fixes(fixes)
    }
}

fn no_channel_allowlist(config: &EffectiveConfig) -> Option<Finding> {
    let slack = &config.config.slack;
    (slack.allowed_channel_ids.is_empty() && slack.default_channel_id.is_none()).then(|| {
        Finding::warning(
            "no-channel-allowlist",
            place(config, "/Slack/AllowedChannelIds"),
            "Slack is enabled with no `AllowedChannelIds` and no `DefaultChannelId`: every channel message is denied",
        )
        .with_help("list the channels netclaw may answer in `Slack.AllowedChannelIds`")
    })
}

fn open_direct_messages(config: &EffectiveConfig) -> Option<Finding> {
    let slack = &config.config.slack;
    (slack.allow_direct_messages && slack.allowed_user_ids.is_empty()).then(|| {
        Finding::warning(
            "dms-without-user-allowlist",
            place(config, "/Slack/AllowDirectMessages"),
            "direct messages are on and `AllowedUserIds` is empty: anyone in the workspace can message the agent",
        )
        .with_help("list who may message it in `Slack.AllowedUserIds`, or turn `AllowDirectMessages` off")
    })
}

/// Without `MentionOnly`, the agent acts on every message in a shared channel, so
/// anyone's text there (a pasted issue, a bot's post) becomes its prompt.
fn mention_only_off(config: &EffectiveConfig) -> Option<(Finding, Option<Fix>)> {
    let slack = &config.config.slack;
    let shared = !slack.allowed_channel_ids.is_empty() || slack.default_channel_id.is_some();
    if slack.mention_only || !shared {
        return None;
    }
    let location = place(config, "/Slack/MentionOnly");
    // Only where the file sets it: an environment variable would win over the fix.
    let fix = (location.file == NETCLAW_JSON).then(|| Fix::Set {
        file: NETCLAW_JSON.to_owned(),
        pointer: location.pointer.clone(),
        value: true.into(),
    });
    let finding = Finding::warning(
        "mention-only-off",
        location,
        "`Slack.MentionOnly` is off: the agent acts on every message in its channels, not only when asked",
    )
    .with_help("set `Slack.MentionOnly` to true (`netclaw doctor --fix` does)");
    Some((finding, fix))
}

/// A channel or `dm` mapped to an audience the posture does not include.
fn broader_than_posture(config: &EffectiveConfig) -> Vec<Finding> {
    let posture = config.config.security.deployment_posture.unwrap_or(Audience::Public);
    let mappings = &config.config.slack.channel_audiences;
    mappings
        .iter()
        .filter(|(_, audience)| **audience > posture)
        .map(|(key, audience)| {
            let pointer = json_pointer::join("/Slack/ChannelAudiences", key);
            let what =
                if key.eq_ignore_ascii_case("dm") { "direct messages".to_owned() } else { format!("channel `{key}`") };
            let message = format!(
                "{what} get the `{}` audience under the `{}` posture: the mapping widens access past the deployment's",
                audience.as_str(),
                posture.as_str()
            );
            Finding::error("audience-broader-than-posture", config.locate(&pointer), message)
                .with_help(format!("map it to `{}` or narrower", posture.as_str()))
        })
        .collect()
}

/// Slack messages are Team by default (REFERENCE: channel audiences): under a Public
/// posture, every admitted channel and DM without a narrower mapping gets Team's tools.
fn default_broader_than_posture(config: &EffectiveConfig) -> Vec<Finding> {
    let slack = &config.config.slack;
    let posture = config.config.security.deployment_posture.unwrap_or(Audience::Public);
    if !slack.enabled || posture >= Audience::Team {
        return Vec::new();
    }
    let mapped =
        |key: &str| slack.channel_audiences.iter().filter(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, a)| *a).min();
    let mut unmapped: Vec<String> = slack
        .allowed_channel_ids
        .iter()
        .chain(slack.default_channel_id.as_ref())
        // A mapping broader than the posture is reported by `broader_than_posture`.
        .filter(|channel| mapped(channel).is_none())
        .map(|channel| format!("channel `{channel}`"))
        .collect();
    unmapped.dedup();
    if slack.allow_direct_messages && mapped("dm").is_none() {
        unmapped.push("direct messages".to_owned());
    }
    if unmapped.is_empty() {
        return Vec::new();
    }
    let message =
        format!("{} get the `Team` audience by default under the `{}` posture", unmapped.join(", "), posture.as_str());
    vec![Finding::error("audience-broader-than-posture", place(config, "/Slack/ChannelAudiences"), message).with_help(
        format!("map each to `{}` in `Slack.ChannelAudiences` (`\"dm\"` for direct messages)", posture.as_str()),
    )]
}

/// `Slack.ChannelAudiences` keys that refer to no channel netclaw admits. A mapping
/// for a channel outside `AllowedChannelIds` (and not the default channel) never
/// applies: usually a typo, with the intended channel left at its default audience.
fn unmatched_channels(config: &EffectiveConfig) -> Vec<Diagnostic> {
    let slack = &config.config.slack;
    let admitted: Vec<&String> = slack.allowed_channel_ids.iter().chain(slack.default_channel_id.as_ref()).collect();
    slack
        .channel_audiences
        .keys()
        .filter(|key| !key.eq_ignore_ascii_case("dm") && !admitted.iter().any(|c| c.eq_ignore_ascii_case(key)))
        // Slack's DM channel ids start with `D`: such a key maps that DM when DMs are on.
        .filter(|key| !(slack.allow_direct_messages && key.starts_with(['D', 'd'])))
        .map(|key| {
            let pointer = json_pointer::join("/Slack/ChannelAudiences", key);
            let why = "no channel in Slack.AllowedChannelIds or Slack.DefaultChannelId has this id".to_owned();
            let problem = Problem::KeyRefersToNothing { key: json_pointer::dotted(&pointer), why };
            Diagnostic::warning(config.locate(&pointer), problem)
        })
        .collect()
}
