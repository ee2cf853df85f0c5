//! The channel ACL (the guide's "Slack"): which channels, users, mentions and direct
//! messages reach netclaw at all, asked as the `ingress` action.

use super::{Action, Generator, PolicyEffect, Resource, Rule, group};

impl Generator<'_> {
    pub(super) fn slack(&mut self) {
        let slack = &self.config.config.slack;
        let channels = group("slack.channels");
        for channel in slack.allowed_channel_ids.iter().chain(slack.default_channel_id.as_ref()) {
            self.member("SlackChannel", channel, "slack.channels");
        }
        for user in &slack.allowed_user_ids {
            self.member("SlackUser", user, "slack.users");
        }
        let (permit, forbid, ingress) = (PolicyEffect::Permit, PolicyEffect::Forbid, Action::Ingress);
        let is_dm = || "context.isDm".to_owned();
        let mut policies = Vec::new();
        if !slack.enabled {
            let id = "slack.disabled".to_owned();
            policies.push(self.policy(id, Rule::SlackDisabled, "/Slack/Enabled", forbid, ingress, Resource::Any));
        }
        let pointer = "/Slack/AllowedChannelIds";
        let resource = Resource::In(channels.clone());
        let allowed = self.policy(
            "slack.channels.allowed".into(),
            Rule::SlackChannelsAllowed,
            pointer,
            permit,
            ingress,
            resource,
        );
        policies.push(allowed.unless(vec![is_dm()]));
        let outside = self.policy(
            "slack.channels.not_allowed".into(),
            Rule::SlackChannelNotAllowed,
            pointer,
            forbid,
            ingress,
            Resource::Any,
        );
        policies.push(outside.unless(vec![is_dm(), format!("resource in {channels}")]));
        let pointer = "/Slack/AllowDirectMessages";
        let direct = if slack.allow_direct_messages {
            self.policy(
                "slack.direct_messages.allowed".into(),
                Rule::SlackDirectMessagesAllowed,
                pointer,
                permit,
                ingress,
                Resource::Any,
            )
        } else {
            self.policy(
                "slack.direct_messages.disabled".into(),
                Rule::SlackDirectMessagesDisabled,
                pointer,
                forbid,
                ingress,
                Resource::Any,
            )
        };
        policies.push(direct.when(vec![is_dm()]));
        if slack.mention_only {
            let unmentioned = self.policy(
                "slack.mention_only".into(),
                Rule::SlackMentionOnly,
                "/Slack/MentionOnly",
                forbid,
                ingress,
                Resource::Any,
            );
            policies.push(unmentioned.unless(vec!["context.mentioned".to_owned(), is_dm()]));
        }
        if !slack.allowed_user_ids.is_empty() {
            let stranger = self.policy(
                "slack.users.allowlist".into(),
                Rule::SlackUserAllowlist,
                "/Slack/AllowedUserIds",
                forbid,
                ingress,
                Resource::Any,
            );
            policies.push(stranger.unless(vec![format!("principal in {}", group("slack.users"))]));
        }
        policies.into_iter().for_each(|p| self.push(p));
    }
}
