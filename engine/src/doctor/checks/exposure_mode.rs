//! exposure-mode: who can reach the daemon's port.
//!
//! The daemon answers authorization requests and takes webhooks; under `local` it must
//! listen on loopback only. The internet-facing modes put it on the public internet,
//! which needs an explicit confirmation and, for Cloudflare, an Access policy in front.

use std::net::IpAddr;

use crate::config::EffectiveConfig;
use crate::config::ExposureMode;
use crate::doctor::{Check, CheckOutcome, DoctorContext, Finding, place};

#[derive(Debug)]
pub(crate) struct ExposureModeCheck;

impl Check for ExposureModeCheck {
    fn id(&self) -> &'static str {
        "exposure-mode"
    }

    fn name(&self) -> &'static str {
        "exposure-mode"
    }

    fn run(&self, context: &DoctorContext<'_>) -> CheckOutcome {
        let Ok(config) = &context.config.config else {
            return CheckOutcome::skipped();
        };
        let daemon = &config.config.daemon;
        let mut findings = Vec::new();
        findings.extend(bind(config));
        if matches!(daemon.exposure_mode, ExposureMode::TailscaleFunnel | ExposureMode::CloudflareTunnel) {
            findings.extend(unconfirmed(config));
        }
        if daemon.exposure_mode == ExposureMode::CloudflareTunnel
            && daemon.cloudflare_access_policy_id.as_deref().is_none_or(|id| id.trim().is_empty())
        {
            findings.push(
                Finding::error(
                    "tunnel-without-access-policy",
                    place(config, "/Daemon/CloudflareAccessPolicyId"),
                    "`cloudflare-tunnel` exposes the daemon without a Cloudflare Access policy in front of it",
                )
                .with_help(
                    "create an Access policy for the tunnel's hostname and set `Daemon.CloudflareAccessPolicyId`",
                ),
            );
        }
        let clean = format!("{} on {}:{}", mode_name(daemon.exposure_mode), daemon.host, daemon.port);
        CheckOutcome::found(
            findings,
            clean,
            "keep the daemon on loopback unless an exposure mode with its auth puts it in front",
        )
    }
}

fn mode_name(mode: ExposureMode) -> &'static str {
    match mode {
        ExposureMode::Local => "local",
        ExposureMode::TailscaleServe => "tailscale-serve",
        ExposureMode::TailscaleFunnel => "tailscale-funnel",
        ExposureMode::CloudflareTunnel => "cloudflare-tunnel",
    }
}

/// Every mode reaches the daemon through loopback (the tunnels and Tailscale proxy to
/// it), so any other address is a bind the mode does not need.
fn bind(config: &EffectiveConfig) -> Option<Finding> {
    let host = config.config.daemon.host.trim();
    let address = host.trim_start_matches('[').trim_end_matches(']').parse::<IpAddr>().ok();
    if host.eq_ignore_ascii_case("localhost") || address.is_some_and(|a| a.is_loopback()) {
        return None;
    }
    let location = place(config, "/Daemon/Host");
    let finding = if address.is_some_and(|a| a.is_unspecified()) {
        Finding::error(
            "wildcard-bind",
            location,
            format!("`Daemon.Host` is `{host}`: the daemon listens on every interface of this machine"),
        )
    } else {
        Finding::error(
            "non-loopback-bind",
            location,
            format!("`Daemon.Host` is `{host}`, not loopback: other machines on the network can reach the daemon"),
        )
    };
    Some(finding.with_help("set `Daemon.Host` to `127.0.0.1`; the exposure modes proxy to loopback"))
}

fn unconfirmed(config: &EffectiveConfig) -> Option<Finding> {
    let daemon = &config.config.daemon;
    (!daemon.internet_exposure_confirmed).then(|| {
        let message = format!(
            "`Daemon.ExposureMode` is `{}`, reachable from the internet, and `Daemon.InternetExposureConfirmed` is not set",
            mode_name(daemon.exposure_mode)
        );
        Finding::error("exposure-unconfirmed", place(config, "/Daemon/ExposureMode"), message)
            .with_help("confirm it with `Daemon.InternetExposureConfirmed: true` once the routes are signed, or use `tailscale-serve`")
    })
}
