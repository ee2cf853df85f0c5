//! `netclaw authorize [--request FILE]`: one tool call, one decision.

use std::io::{Read, Write};
use std::path::Path;

use netclaw_engine::{AuthorizeRequest, Decision, EnvVar, Home, record_decision};

use crate::args::Format;
use crate::exit::Exit;

pub fn run(home: &Home, env: &[EnvVar], request: Option<&Path>, format: Format) -> Exit {
    let text = match read_request(request) {
        Ok(text) => text,
        Err(err) => {
            eprintln!("error: cannot read the request: {err}");
            return Exit::IoError;
        }
    };
    let request: AuthorizeRequest = match serde_json::from_str(&text) {
        Ok(request) => request,
        Err(err) => {
            eprintln!("error: invalid request: {err}");
            return Exit::DataError;
        }
    };
    let compiled = super::compiled::compile(home, env);
    let decision = match &compiled {
        Ok(policy) => policy.authorize(&request),
        Err(err) => err.decision(),
    };
    // The decision stands whether or not it could be recorded.
    if let Err(err) = record_decision(home, compiled.as_ref().ok(), &request, &decision) {
        eprintln!("warning: the decision was not recorded in the audit log: {err}");
    }
    match crate::output::emit(format, &decision, |out| write_text(out, &request.tool, &decision)) {
        Ok(()) => Exit::Ok,
        Err(exit) => exit,
    }
}

fn read_request(path: Option<&Path>) -> std::io::Result<String> {
    match path {
        Some(path) => std::fs::read_to_string(path),
        None => {
            let mut text = String::new();
            std::io::stdin().read_to_string(&mut text)?;
            Ok(text)
        }
    }
}

/// The decision as `authorize` prints it (and `audit show` reprints it).
pub fn write_text(out: &mut dyn Write, tool: &str, decision: &Decision) -> std::io::Result<()> {
    let verdict = match decision.decision {
        netclaw_engine::Effect::Allow => "ALLOW",
        netclaw_engine::Effect::ApprovalRequired => "ASK",
        netclaw_engine::Effect::Deny => "DENY",
    };
    let audience = decision.audience.map_or("no valid audience", |a| a.as_str());
    writeln!(out, "{verdict} `{tool}` for {audience}: {}", decision.message)?;
    let layer =
        serde_json::to_value(decision.layer).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
    match decision.reason_code {
        Some(code) => writeln!(out, "  layer:    {layer} ({code})")?,
        None => writeln!(out, "  layer:    {layer}")?,
    }
    if !decision.policies.is_empty() {
        writeln!(out, "  policies: {}", decision.policies.join(", "))?;
    }
    if !decision.sources.is_empty() {
        writeln!(out, "  sources:  {}", decision.sources.join(", "))?;
    }
    if let Some(fix) = &decision.remediation {
        writeln!(out, "  to change it: {fix}")?;
    }
    writeln!(out, "  decision: {}", decision.decision_id)
}
