//! Tool names as requests and configs write them, and as Cedar entities.

/// A tool, first-party or MCP, in its one canonical spelling.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum ToolName {
    /// `file_read`, `shell_execute`, …
    FirstParty(String),
    /// `server/tool`; `server__tool` is accepted and means the same.
    Mcp { server: String, tool: String },
}

/// Tool and server names compare case-insensitively, as every config key does:
/// `Notion/Delete_Page` in a request, an override or a grant list is `notion/delete_page`.
/// Anything else would let a spelling decide whether a rule applies.
pub(crate) fn canonical(name: &str) -> String {
    name.to_lowercase()
}

impl ToolName {
    pub(crate) fn parse(name: &str) -> Self {
        let split = name.split_once('/').or_else(|| name.split_once("__"));
        match split {
            Some((server, tool)) if !server.is_empty() && !tool.is_empty() => {
                ToolName::Mcp { server: canonical(server), tool: canonical(tool) }
            }
            _ => ToolName::FirstParty(canonical(name)),
        }
    }

    /// The Cedar entity id: the name, `server/tool` for MCP tools.
    pub(crate) fn id(&self) -> String {
        match self {
            ToolName::FirstParty(name) => name.clone(),
            ToolName::Mcp { server, tool } => format!("{server}/{tool}"),
        }
    }

    /// `Tool` or `McpTool`.
    pub(crate) fn entity_type(&self) -> &'static str {
        match self {
            ToolName::FirstParty(_) => "Tool",
            ToolName::Mcp { .. } => "McpTool",
        }
    }

    pub(crate) fn server(&self) -> Option<&str> {
        match self {
            ToolName::FirstParty(_) => None,
            ToolName::Mcp { server, .. } => Some(server),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn double_underscore_and_slash_spell_the_same_mcp_tool() {
        assert_eq!(ToolName::parse("notion__notion-search"), ToolName::parse("notion/notion-search"));
        assert_eq!(ToolName::parse("file_read"), ToolName::FirstParty("file_read".into()));
        assert_eq!(ToolName::parse("/x"), ToolName::FirstParty("/x".into()));
    }

    #[test]
    fn names_are_case_insensitive() {
        assert_eq!(ToolName::parse("Notion/Delete_Page"), ToolName::parse("notion__delete_page"));
        assert_eq!(ToolName::parse("Shell_Execute"), ToolName::FirstParty("shell_execute".into()));
    }
}
