//! Slack ACL: `Slack.ChannelAudiences` keys that refer to no channel netclaw admits.
//!
//! A mapping for a channel outside `AllowedChannelIds` (and not the default channel)
//! never applies: the channel ACL denies its messages first. Usually a typo in a
//! channel id, with the intended channel left at its wider default audience.

use crate::config::EffectiveConfig;
use crate::diagnostic::{Diagnostic, Problem};
use crate::doctor::{Check, CheckOutcome, DoctorContext, Finding};
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
        let findings: Vec<Finding> = unmatched_channels(config).iter().map(Finding::from).collect();
        let message = match findings.len() {
            0 => "every channel audience mapping names an allowed channel or `dm`".to_owned(),
            n => format!("{n} channel audience mapping(s) name no allowed channel, so they never apply"),
        };
        let remediation =
            (!findings.is_empty()).then(|| "correct the channel id, or add it to Slack.AllowedChannelIds".to_owned());
        CheckOutcome { message, remediation, findings }
    }
}

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
