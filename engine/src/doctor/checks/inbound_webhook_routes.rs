//! Inbound Webhook Routes: every `config/webhooks/<route>.json` against the route
//! schema, and the file names themselves (a route's name is its URL path segment).

use crate::diagnostic::Severity;
use crate::doctor::{Check, CheckOutcome, DoctorContext, Finding};

#[derive(Debug)]
pub(crate) struct InboundWebhookRoutes;

impl Check for InboundWebhookRoutes {
    fn id(&self) -> &'static str {
        "inbound-webhook-routes"
    }

    fn name(&self) -> &'static str {
        "Inbound Webhook Routes"
    }

    fn run(&self, context: &DoctorContext<'_>) -> CheckOutcome {
        let routes = &context.config.webhook_routes;
        let findings: Vec<Finding> = routes.diagnostics.iter().map(Finding::from).collect();
        let errors = routes.diagnostics.iter().filter(|d| d.severity == Severity::Error).count();
        let valid = routes.routes.len();
        let message = match (valid, errors) {
            (0, 0) => "no webhook routes configured".to_owned(),
            (n, 0) => format!("{n} route(s) valid: {}", names(context)),
            (n, e) => format!("{e} problem(s); {n} route(s) valid"),
        };
        let remediation = (errors > 0)
            .then(|| "fix or remove the route files named below; an invalid route is never served".to_owned());
        CheckOutcome { message, remediation, findings }
    }
}

fn names(context: &DoctorContext<'_>) -> String {
    let routes = &context.config.webhook_routes.routes;
    routes.iter().map(|(name, _)| name.as_str()).collect::<Vec<_>>().join(", ")
}
