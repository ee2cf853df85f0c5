//! The doctor checks, one module each.

mod config_schema;
mod inbound_webhook_routes;

pub(super) use config_schema::ConfigSchema;
pub(super) use inbound_webhook_routes::InboundWebhookRoutes;
