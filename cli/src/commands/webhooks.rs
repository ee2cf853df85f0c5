//! `netclaw webhooks verify|list|deliveries`.

use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use netclaw_engine::{
    EnvVar, HeaderList, Home, HomeConfig, HomeFiles, RouteRef, list_webhook_routes, verify_webhook, webhook_deliveries,
};

use crate::args::{Format, WebhooksCommand};
use crate::exit::Exit;

pub fn run(home: &Home, env: &[EnvVar], command: WebhooksCommand) -> Exit {
    match command {
        WebhooksCommand::Verify { route, body, headers, now, format } => {
            verify(home, &route, &body, &headers, now, format)
        }
        WebhooksCommand::List { format } => list(home, env, format),
        WebhooksCommand::Deliveries { route, since, format } => deliveries(home, route.as_deref(), since, format),
    }
}

fn verify(home: &Home, route: &str, body: &Path, headers: &[String], now: Option<u64>, format: Format) -> Exit {
    let headers = match HeaderList::parse(headers.iter().map(String::as_str)) {
        Ok(headers) => headers,
        Err(line) => {
            eprintln!("error: -H `{line}` is not `Name: value`");
            return Exit::Usage;
        }
    };
    let body = match std::fs::read(body) {
        Ok(body) => body,
        Err(err) => {
            eprintln!("error: {}: {err}", body.display());
            return Exit::IoError;
        }
    };
    // A path names a file; a bare word names a route of the home.
    let reference = if route.contains('/') || route.ends_with(".json") {
        RouteRef::File(Path::new(route))
    } else {
        RouteRef::Name(route)
    };
    let now = now.unwrap_or_else(|| SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs()));
    let verified = match verify_webhook(home, reference, &headers, &body, now) {
        Ok(verified) => verified,
        Err(err) => {
            eprintln!("error: {err}");
            for diagnostic in err.diagnostics() {
                eprintln!("  {diagnostic}");
            }
            return Exit::DataError;
        }
    };
    if let Some(warning) = &verified.warning {
        eprintln!("warning: {warning}");
    }
    let outcome = verified.outcome;
    let written =
        crate::output::emit(format, &outcome.body(), |out| writeln!(out, "{} {}", outcome.status(), outcome.result()));
    match written {
        Ok(()) if outcome.status() == 202 => Exit::Ok,
        Ok(()) => Exit::Failed,
        Err(exit) => exit,
    }
}

fn list(home: &Home, env: &[EnvVar], format: Format) -> Exit {
    let config = HomeConfig::load(&HomeFiles::read(home), env);
    let listing = list_webhook_routes(&config);
    let written = crate::output::emit(format, &listing, |out| {
        let switch = if listing.webhooks_enabled { "on" } else { "off (Webhooks.Enabled is false)" };
        writeln!(out, "webhooks: {switch}")?;
        for route in &listing.routes {
            let served = if route.served { "served" } else { "not served" };
            let events = if route.events.is_empty() { "all events".to_owned() } else { route.events.join(", ") };
            writeln!(
                out,
                "  {:<24} {served:<11} {:<8} {:<16} {events}; body ≤ {} bytes, {}/min",
                route.name, route.audience, route.verification, route.max_body_bytes, route.rate_limit_per_minute
            )?;
        }
        Ok(())
    });
    written.map_or_else(|exit| exit, |()| Exit::Ok)
}

fn deliveries(home: &Home, route: Option<&str>, since: Option<Duration>, format: Format) -> Exit {
    let since_ms = since.map(|age| {
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
        i64::try_from(now.saturating_sub(age).as_millis()).unwrap_or(0)
    });
    let rows = match webhook_deliveries(home, route, since_ms) {
        Ok(rows) => rows,
        Err(err) => {
            eprintln!("error: {err}");
            return Exit::IoError;
        }
    };
    let written = crate::output::emit(format, &rows, |out| {
        for row in &rows {
            writeln!(
                out,
                "{:>8}  {:<24} {:<8} {:<20} {:<36} {:>8} B  {}",
                row.id,
                row.route,
                row.audience,
                row.event.as_deref().unwrap_or("-"),
                row.delivery_id.as_deref().unwrap_or("-"),
                row.body_bytes,
                row.state
            )?;
        }
        Ok(())
    });
    written.map_or_else(|exit| exit, |()| Exit::Ok)
}
