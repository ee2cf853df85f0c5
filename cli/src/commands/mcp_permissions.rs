//! `netclaw mcp permissions [--audience A]`.

use std::io::Write;

use netclaw_engine::{ANY_OTHER_TOOL, Audience, AudiencePermissions, EnvVar, Home, Mode};

use super::compiled::{compile, report};
use crate::args::Format;
use crate::exit::Exit;

pub fn run(home: &Home, env: &[EnvVar], audience: Option<Audience>, format: Format) -> Exit {
    let policy = match compile(home, env) {
        Ok(policy) => policy,
        Err(err) => {
            report(None, &err);
            return Exit::DataError;
        }
    };
    let permissions = policy.mcp_permissions(audience);
    match crate::output::emit(format, &permissions, |out| write_text(out, &permissions)) {
        Ok(()) => Exit::Ok,
        Err(exit) => exit,
    }
}

fn write_text(out: &mut dyn Write, permissions: &[AudiencePermissions]) -> std::io::Result<()> {
    for audience in permissions {
        writeln!(out, "{}", audience.audience.as_str())?;
        if audience.servers.is_empty() {
            writeln!(out, "  (no MCP servers configured)")?;
        }
        for server in &audience.servers {
            let state = if server.allowed { "allowed" } else { "not allowed" };
            writeln!(out, "  {}  {state}", server.server)?;
            if !server.allowed {
                continue;
            }
            for tool in &server.tools {
                let name = if tool.tool == ANY_OTHER_TOOL { "(any other tool)" } else { tool.tool.as_str() };
                let mode = match (tool.granted, tool.mode) {
                    (false, _) => "not granted",
                    (true, Some(Mode::Auto)) => "Auto",
                    (true, Some(Mode::Approval)) => "Approval",
                    (true, _) => "Deny",
                };
                writeln!(out, "    {name:<28} {mode:<12} {}", tool.sources.join(", "))?;
            }
        }
    }
    Ok(())
}
