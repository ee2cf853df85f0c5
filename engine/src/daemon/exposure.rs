//! Where the daemon may listen. A decision API and a webhook ingress on a public
//! interface by accident is the mistake this refuses: `local` is loopback only,
//! `tailscale-serve` adds the tailnet's own addresses, and the internet-facing modes
//! need a confirmation in the config *and* on the command line (and, for Cloudflare,
//! the Access policy that keeps strangers out). A wildcard bind is never accepted:
//! name the interface.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use crate::config::{ExposureMode, NetclawConfig};

/// The address to bind, or why the configuration may not bind it.
pub(crate) fn bind_address(config: &NetclawConfig, confirmed_on_command_line: bool) -> Result<SocketAddr, String> {
    let daemon = &config.daemon;
    let ip = match daemon.host.as_str() {
        "localhost" => IpAddr::V4(Ipv4Addr::LOCALHOST),
        host => host.parse::<IpAddr>().map_err(|_| {
            format!("Daemon.Host `{host}` is not an IP address (or `localhost`); name the interface to bind")
        })?,
    };
    let mode = daemon.exposure_mode;
    if ip.is_unspecified() {
        return Err(format!("Daemon.Host `{ip}` listens on every interface; set the one address to serve"));
    }
    if !ip.is_loopback() {
        let allowed = match mode {
            ExposureMode::Local => false,
            ExposureMode::TailscaleServe => is_tailscale(ip),
            ExposureMode::TailscaleFunnel | ExposureMode::CloudflareTunnel => true,
        };
        if !allowed {
            return Err(format!(
                "Daemon.Host `{ip}` is not a loopback address, and Daemon.ExposureMode `{}` serves {}",
                mode_name(mode),
                if mode == ExposureMode::Local {
                    "127.0.0.1 or ::1 only"
                } else {
                    "loopback or tailnet addresses only"
                }
            ));
        }
    }
    if matches!(mode, ExposureMode::TailscaleFunnel | ExposureMode::CloudflareTunnel) {
        if !daemon.internet_exposure_confirmed || !confirmed_on_command_line {
            return Err(format!(
                "Daemon.ExposureMode `{}` puts the daemon on the internet: set Daemon.InternetExposureConfirmed \
                 to true and pass --confirm-internet-exposure",
                mode_name(mode)
            ));
        }
        if mode == ExposureMode::CloudflareTunnel
            && daemon.cloudflare_access_policy_id.as_deref().is_none_or(|id| id.trim().is_empty())
        {
            return Err("Daemon.ExposureMode `cloudflare-tunnel` needs Daemon.CloudflareAccessPolicyId: \
                        without a Cloudflare Access policy anyone can reach the daemon"
                .to_owned());
        }
    }
    Ok(SocketAddr::new(ip, daemon.port))
}

/// Tailscale's CGNAT range 100.64.0.0/10 and its IPv6 prefix fd7a:115c:a1e0::/48.
fn is_tailscale(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            a == 100 && (64..128).contains(&b)
        }
        IpAddr::V6(v6) => matches!(v6.segments(), [0xfd7a, 0x115c, 0xa1e0, ..]),
    }
}

pub(crate) fn mode_name(mode: ExposureMode) -> &'static str {
    match mode {
        ExposureMode::Local => "local",
        ExposureMode::TailscaleServe => "tailscale-serve",
        ExposureMode::TailscaleFunnel => "tailscale-funnel",
        ExposureMode::CloudflareTunnel => "cloudflare-tunnel",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(host: &str, mode: ExposureMode, confirmed: bool, access: Option<&str>) -> NetclawConfig {
        let mut config = NetclawConfig::default();
        config.daemon.host = host.to_owned();
        config.daemon.exposure_mode = mode;
        config.daemon.internet_exposure_confirmed = confirmed;
        config.daemon.cloudflare_access_policy_id = access.map(str::to_owned);
        config
    }

    #[test]
    fn local_serves_loopback_only() {
        assert!(bind_address(&config("127.0.0.1", ExposureMode::Local, false, None), false).is_ok());
        assert!(bind_address(&config("::1", ExposureMode::Local, false, None), false).is_ok());
        assert!(bind_address(&config("localhost", ExposureMode::Local, false, None), false).is_ok());
        for host in ["0.0.0.0", "::", "192.168.1.10", "100.100.1.1", "example.com"] {
            assert!(bind_address(&config(host, ExposureMode::Local, false, None), false).is_err(), "{host}");
        }
    }

    #[test]
    fn tailscale_serve_adds_tailnet_addresses() {
        assert!(bind_address(&config("100.100.1.1", ExposureMode::TailscaleServe, false, None), false).is_ok());
        assert!(bind_address(&config("fd7a:115c:a1e0::1", ExposureMode::TailscaleServe, false, None), false).is_ok());
        assert!(bind_address(&config("100.128.0.1", ExposureMode::TailscaleServe, false, None), false).is_err());
        assert!(bind_address(&config("10.0.0.1", ExposureMode::TailscaleServe, false, None), false).is_err());
    }

    #[test]
    fn internet_modes_need_both_confirmations_and_cloudflare_an_access_policy() {
        let funnel =
            |confirmed, flag| bind_address(&config("127.0.0.1", ExposureMode::TailscaleFunnel, confirmed, None), flag);
        assert!(funnel(true, false).is_err());
        assert!(funnel(false, true).is_err());
        assert!(funnel(true, true).is_ok());
        let tunnel = |access| bind_address(&config("127.0.0.1", ExposureMode::CloudflareTunnel, true, access), true);
        assert!(tunnel(None).is_err());
        assert!(tunnel(Some(" ")).is_err());
        assert!(tunnel(Some("policy-123")).is_ok());
        assert!(bind_address(&config("0.0.0.0", ExposureMode::TailscaleFunnel, true, None), true).is_err());
    }
}
