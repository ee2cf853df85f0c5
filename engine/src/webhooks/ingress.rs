//! The ingress pipeline of CONTRACT.md §3, stage by stage, in its order of precedence:
//! route → size → JSON → signature → event filter → duplicate → rate limit → queue.
//!
//! The order is a security property. Nothing about the body is trusted before the
//! signature holds; duplicates and the rate limit are counted only for signed
//! deliveries, so a stranger cannot spend a route's budget or poison its duplicate
//! window with a forged delivery id.

use std::collections::HashMap;
use std::time::Instant;

use bytes::Bytes;
use serde::Serialize;

use super::dedup::DeliveryWindow;
use super::headers::Headers;
use super::queue::{NewDelivery, now_ms};
use super::rate::{RateLimits, retry_after_seconds};
use super::signature;
use crate::config::{HomeConfig, WebhookRoute};

/// What the pipeline answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Webhooks off, no such route, or the route disabled: indistinguishable on purpose.
    NotFound,
    /// The body did not arrive in time (a slow sender holding a connection open).
    TimedOut,
    TooLarge,
    InvalidJson,
    BadSignature,
    Filtered,
    Duplicate,
    RateLimited {
        retry_after_seconds: u64,
    },
    Accepted,
    /// The delivery could not be committed; the sender should retry.
    Unavailable,
}

impl Outcome {
    pub fn status(self) -> u16 {
        match self {
            Outcome::NotFound => 404,
            Outcome::TimedOut => 408,
            Outcome::TooLarge => 413,
            Outcome::InvalidJson => 400,
            Outcome::BadSignature => 401,
            Outcome::Filtered | Outcome::Duplicate | Outcome::Accepted => 202,
            Outcome::RateLimited { .. } => 429,
            Outcome::Unavailable => 503,
        }
    }

    /// The stable word for the outcome in JSON answers and logs.
    pub fn result(self) -> &'static str {
        match self {
            Outcome::NotFound => "not_found",
            Outcome::TimedOut => "timed_out",
            Outcome::TooLarge => "too_large",
            Outcome::InvalidJson => "invalid_json",
            Outcome::BadSignature => "bad_signature",
            Outcome::Filtered => "filtered",
            Outcome::Duplicate => "duplicate",
            Outcome::RateLimited { .. } => "rate_limited",
            Outcome::Accepted => "accepted",
            Outcome::Unavailable => "unavailable",
        }
    }

    /// The response body: status and result, nothing about the route or the secret.
    pub fn body(self) -> OutcomeBody {
        OutcomeBody { status: self.status(), result: self.result() }
    }
}

#[derive(Debug, Clone, Copy, Serialize)]
pub struct OutcomeBody {
    pub status: u16,
    pub result: &'static str,
}

/// The routes a config generation serves: only with `Webhooks.Enabled`, only routes
/// whose own `enabled` is true.
#[derive(Debug, Default)]
pub(crate) struct RouteTable {
    routes: HashMap<String, WebhookRoute>,
}

impl RouteTable {
    pub(crate) fn from_home(home: &HomeConfig) -> Self {
        let enabled = home.config.as_ref().is_ok_and(|c| c.config.webhooks.enabled);
        let routes = home.webhook_routes.routes.iter().filter(|(_, route)| enabled && route.enabled);
        Self { routes: routes.map(|(name, route)| (name.clone(), route.clone())).collect() }
    }

    pub(crate) fn get(&self, name: &str) -> Option<&WebhookRoute> {
        self.routes.get(name)
    }

    pub(crate) fn len(&self) -> usize {
        self.routes.len()
    }
}

/// The body-size and signature stages alone: `webhooks verify`, offline.
pub(crate) fn verify_offline(route: &WebhookRoute, headers: &dyn Headers, body: &[u8], now: u64) -> Outcome {
    if body.len() as u64 > route.max_body_bytes {
        Outcome::TooLarge
    } else if !signature::verify(&route.verification, headers, body, now) {
        Outcome::BadSignature
    } else {
        Outcome::Accepted
    }
}

/// The state the pipeline keeps across requests and config generations.
#[derive(Debug, Default)]
pub(crate) struct Ingress {
    window: DeliveryWindow,
    limits: RateLimits,
}

impl Ingress {
    /// Runs the stages after the body is read; `Ok` is a delivery to commit. If the
    /// commit fails, [`Ingress::release`] it so the sender's retry is not a duplicate.
    pub(crate) fn admit(
        &self,
        name: &str,
        route: &WebhookRoute,
        headers: &dyn Headers,
        body: Bytes,
        now: u64,
    ) -> Result<NewDelivery, Outcome> {
        if body.len() as u64 > route.max_body_bytes {
            return Err(Outcome::TooLarge);
        }
        if serde_json::from_slice::<serde::de::IgnoredAny>(&body).is_err() {
            return Err(Outcome::InvalidJson);
        }
        if !signature::verify(&route.verification, headers, &body, now) {
            return Err(Outcome::BadSignature);
        }
        let event = headers.single(&route.event_header_name).map(str::to_owned);
        if !route.events.is_empty() && !event.as_ref().is_some_and(|e| route.events.contains(e)) {
            return Err(Outcome::Filtered);
        }
        let delivery_id = headers.single(&route.delivery_id_header_name).filter(|id| !id.is_empty()).map(str::to_owned);
        if let Some(id) = &delivery_id
            && !self.window.claim(name, id, Instant::now())
        {
            return Err(Outcome::Duplicate);
        }
        if let Err(wait) = self.limits.check(name, route.rate_limit_per_minute) {
            if let Some(id) = &delivery_id {
                self.window.release(name, id);
            }
            return Err(Outcome::RateLimited { retry_after_seconds: retry_after_seconds(wait) });
        }
        Ok(NewDelivery {
            route: name.to_owned(),
            audience: route.audience.as_str(),
            event,
            delivery_id,
            body,
            received_ms: now_ms(),
        })
    }

    /// Forgets a delivery that was admitted but not committed.
    pub(crate) fn release(&self, delivery: &NewDelivery) {
        if let Some(id) = &delivery.delivery_id {
            self.window.release(&delivery.route, id);
        }
    }

    /// Remembers deliveries committed before a restart, `age_ms` old.
    pub(crate) fn remember(&self, route: &str, id: &str, age_ms: u64) {
        let at = Instant::now().checked_sub(std::time::Duration::from_millis(age_ms)).unwrap_or_else(Instant::now);
        self.window.remember(route, id, at);
    }
}
