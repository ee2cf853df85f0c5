//! Inbound webhooks: the ingress pipeline the daemon serves, the same stages offline
//! for `webhooks verify`, and the durable queue accepted deliveries land in.

mod dedup;
mod headers;
mod ingress;
mod queue;
mod rate;
mod signature;
#[cfg(test)]
mod tests;

use std::path::Path;

use serde::Serialize;

use crate::config::{EnvVar, HomeConfig, WebhookRoute};
use crate::diagnostic::Diagnostic;
use crate::home::{Home, HomeFiles, WEBHOOKS_DIR};

pub use headers::{HeaderList, Headers};
pub(crate) use ingress::{Ingress, RouteTable};
pub use ingress::{Outcome, OutcomeBody};
pub(crate) use queue::{DeliveryQueue, depth as queue_depth, now_ms, recent_delivery_ids};
pub use queue::{QueuedDelivery, deliveries};

/// Which route `webhooks verify` checks against.
#[derive(Debug, Clone, Copy)]
pub enum RouteRef<'a> {
    /// A route of the home, `config/webhooks/<name>.json`.
    Name(&'a str),
    /// A route file anywhere (one under review, say); its stem is its name.
    File(&'a Path),
}

#[derive(Debug, thiserror::Error)]
pub enum RouteError {
    #[error("no webhook route `{0}` in {WEBHOOKS_DIR}/")]
    Unknown(String),
    #[error("{path}: {reason}")]
    Unreadable { path: String, reason: String },
    #[error("the route file is not valid")]
    Invalid(Vec<Diagnostic>),
}

impl RouteError {
    /// What is wrong, one diagnostic a line, for stderr.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        match self {
            RouteError::Invalid(found) => found,
            _ => &[],
        }
    }
}

/// `webhooks verify`: the size and signature stages, as the daemon runs them. The
/// warning says why a signature can never hold (a secret that does not decrypt).
#[derive(Debug, Clone)]
pub struct Verified {
    pub outcome: Outcome,
    pub warning: Option<String>,
}

pub fn verify(
    home: &Home,
    route: RouteRef<'_>,
    headers: &HeaderList,
    body: &[u8],
    now: u64,
) -> Result<Verified, RouteError> {
    let (name, route) = load_route(home, route)?;
    let warning = route
        .verification
        .secret
        .expose()
        .err()
        .map(|err| format!("the secret of route `{name}` cannot be used ({err}): every signature fails"));
    Ok(Verified { outcome: ingress::verify_offline(&route, headers, body, now), warning })
}

fn load_route(home: &Home, route: RouteRef<'_>) -> Result<(String, WebhookRoute), RouteError> {
    let (name, files) = match route {
        RouteRef::Name(name) => (name.to_owned(), HomeFiles::read(home)),
        RouteRef::File(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| RouteError::Unreadable { path: path.display().to_string(), reason: e.to_string() })?;
            let name = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
            let files = HomeFiles::empty().with_keys_of(home).with_file(&format!("{WEBHOOKS_DIR}/{name}.json"), text);
            (name, files)
        }
    };
    let loaded = HomeConfig::load(&files, &[] as &[EnvVar]).webhook_routes;
    if let Some((_, route)) = loaded.routes.into_iter().find(|(n, _)| *n == name) {
        return Ok((name, route));
    }
    let file = format!("{WEBHOOKS_DIR}/{name}.json");
    let about_it: Vec<Diagnostic> =
        loaded.diagnostics.into_iter().filter(|d| d.is_error() && d.location.file == file).collect();
    if about_it.is_empty() { Err(RouteError::Unknown(name)) } else { Err(RouteError::Invalid(about_it)) }
}

/// One route as `webhooks list` shows it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RouteSummary {
    pub name: String,
    /// Served by the daemon: `Webhooks.Enabled` and the route's own `enabled`.
    pub served: bool,
    pub enabled: bool,
    pub audience: &'static str,
    pub verification: &'static str,
    pub events: Vec<String>,
    pub max_body_bytes: u64,
    pub rate_limit_per_minute: u32,
}

/// Every valid route of a loaded home; `webhooksEnabled` is the global switch.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RouteListing {
    pub webhooks_enabled: bool,
    pub routes: Vec<RouteSummary>,
}

pub fn list_routes(home: &HomeConfig) -> RouteListing {
    let webhooks_enabled = home.config.as_ref().is_ok_and(|c| c.config.webhooks.enabled);
    let routes = home
        .webhook_routes
        .routes
        .iter()
        .map(|(name, route)| RouteSummary {
            name: name.clone(),
            served: webhooks_enabled && route.enabled,
            enabled: route.enabled,
            audience: route.audience.as_str(),
            verification: route.verification.kind.as_str(),
            events: route.events.clone(),
            max_body_bytes: route.max_body_bytes,
            rate_limit_per_minute: route.rate_limit_per_minute,
        })
        .collect();
    RouteListing { webhooks_enabled, routes }
}
