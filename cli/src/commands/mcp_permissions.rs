//! `netclaw mcp permissions [--audience A]`.

use std::io::Write;

use netclaw_engine::Home;
use netclaw_engine::config::{Audience, EnvVar};
use netclaw_engine::policy::{ANY_OTHER_TOOL, AudiencePermissions, Mode};

use super::authorize::compile;
use crate::args::Format;
use crate::exit::Exit;

pub fn run(home: &Home, env: &[EnvVar], audience: Option<Audience>, format: Format) -> Exit {
    let policy = match compile(home, env) {
        Ok(policy) => policy,
        Err(err) => {
            eprintln!("error: {err}");
            for diagnostic in err.diagnostics() {
                eprintln!("  {diagnostic}");
            }
            return Exit::DataError;
        }
    };
    let permissions = policy.mcp_permissions(audience);
    let mut stdout = std::io::stdout().lock();
    let written = match format {
        Format::Json => serde_json::to_writer_pretty(&mut stdout, &permissions)
            .map_err(std::io::Error::from)
            .and_then(|()| writeln!(stdout)),
        Format::Text => write_text(&mut stdout, &permissions),
    };
    match written.and_then(|()| stdout.flush()) {
        Ok(()) => Exit::Ok,
        Err(_) => Exit::IoError,
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
