//! What an approver's answer grants beyond the call in front of them: the
//! `tool-approvals.json` entries that `approve_session` and `approve_always` stand for.
//!
//! An answer covers exactly what the approver read: a shell command word for word,
//! segment by segment (`exact`, never a prefix), each in the directory it runs in
//! (after any `cd`) and below — never `directory: null` or `/`, which would approve it
//! everywhere. A call that cannot be written down that way (a redirection, an
//! assignment, a command only known at run time, no working directory) can only be
//! approved once. So can every other tool: its entry (`verb`, `directory`) would cover
//! it with any arguments, not the ones the approver read.

use std::collections::HashMap;

use super::CompiledPolicy;
use super::authorize::{Approvable, approvable_words};
use super::tool_name::ToolName;
use crate::config::{ApprovalEntry, Audience, SHELL_TOOL, ShellApproval, ShellMatch};
use crate::decision::AuthorizeRequest;

/// The entries one answer adds for one audience and tool.
#[derive(Debug, Clone, PartialEq)]
pub struct Grant {
    pub audience: Audience,
    /// The canonical tool id (`shell_execute`, `notion/delete-page`): the store's key.
    pub tool: String,
    pub(crate) entries: Vec<ApprovalEntry>,
}

/// Why an answer cannot be remembered beyond this call.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GrantRefusal {
    #[error("the call has no absolute working directory to scope the approval to")]
    NoWorkingDirectory,
    #[error("the call's audience is not one netclaw knows")]
    NoAudience,
    #[error(
        "segment {0} of the command cannot be approved beyond this call (a redirection, an assignment, a wrapper, or a command only known at run time)"
    )]
    Segment(usize),
    #[error(
        "segment {0} of the command runs in `/` or in a directory only known at run time: a grant there would cover it everywhere"
    )]
    Directory(usize),
    #[error(
        "a grant for `{0}` would cover it with any arguments, not only these; set its mode in `ApprovalPolicy.ToolOverrides` to stop asking"
    )]
    Arguments(String),
    #[error("the command has nothing to approve")]
    NothingToApprove,
}

/// The `approve_session` answers of one agent session, indexed as the persisted ones
/// are, each cited by the answer that gave it.
#[derive(Debug, Clone, Default)]
pub struct SessionGrants {
    by_tool: HashMap<(Audience, String), Vec<(String, ApprovalEntry)>>,
}

impl SessionGrants {
    pub fn add(&mut self, grant: Grant, cited_as: &str) {
        let slot = self.by_tool.entry((grant.audience, grant.tool)).or_default();
        slot.extend(grant.entries.into_iter().map(|entry| (cited_as.to_owned(), entry)));
    }

    pub(super) fn get(&self, key: &(Audience, String)) -> Option<&[(String, ApprovalEntry)]> {
        self.by_tool.get(key).map(Vec::as_slice)
    }
}

impl CompiledPolicy {
    /// The entries that would cover this call again: one `exact` shell entry per
    /// command segment, or one entry for the tool, scoped to the working directory.
    pub fn grant_for(&self, request: &AuthorizeRequest, created_at: &str) -> Result<Grant, GrantRefusal> {
        let (audience, _) = self.resolve_audience(request);
        let audience = audience.ok().flatten().ok_or(GrantRefusal::NoAudience)?;
        request.absolute_working_directory().ok_or(GrantRefusal::NoWorkingDirectory)?;
        let tool = ToolName::parse(&request.tool);
        if tool != ToolName::FirstParty(SHELL_TOOL.to_owned()) {
            return Err(GrantRefusal::Arguments(tool.id()));
        }
        let entries = self.shell_entries(&tool, request, created_at)?;
        Ok(Grant { audience, tool: tool.id(), entries })
    }

    fn shell_entries(
        &self,
        tool: &ToolName,
        request: &AuthorizeRequest,
        created_at: &str,
    ) -> Result<Vec<ApprovalEntry>, GrantRefusal> {
        let (_, verdict) = self.evidence(tool, request);
        let verdict = verdict.ok_or(GrantRefusal::NothingToApprove)?;
        let mut entries: Vec<ApprovalEntry> = Vec::new();
        for (index, segment) in verdict.parsed.segments.iter().enumerate() {
            let words = match approvable_words(segment) {
                Approvable::Skip => continue,
                Approvable::Words { words, complete: true } => words,
                Approvable::Words { complete: false, .. } | Approvable::No => {
                    return Err(GrantRefusal::Segment(index + 1));
                }
            };
            let directory = match segment.cwd.dirs.as_slice() {
                [dir] if !segment.cwd.unknown && dir.parent().is_some() => crate::paths::normalize(dir),
                _ => return Err(GrantRefusal::Directory(index + 1)),
            };
            let entry = ShellApproval {
                shell: command_text(&words),
                match_kind: ShellMatch::Exact,
                verb_tokens: words,
                directory: Some(directory.to_string_lossy().into_owned()),
                repository: None,
                created_at: created_at.to_owned(),
            };
            // The store refuses an entry whose text reads as another command than its
            // tokens (a word with a space or a quote in it): such a grant cannot be
            // written down, so it is not made.
            if !entry.covers_its_own_text() {
                return Err(GrantRefusal::Segment(index + 1));
            }
            let entry = ApprovalEntry::Shell(entry);
            if !entries.contains(&entry) {
                entries.push(entry);
            }
        }
        if entries.is_empty() {
            return Err(GrantRefusal::NothingToApprove);
        }
        Ok(entries)
    }
}

/// The words as a command a reviewer can read and the shell reads back the same:
/// a word with anything but plain characters in it is single-quoted.
fn command_text(words: &[String]) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "_./:=@%+,-".contains(c);
    let quoted = words.iter().map(|word| {
        if !word.is_empty() && word.chars().all(plain) {
            word.clone()
        } else {
            format!("'{}'", word.replace('\'', "'\\''"))
        }
    });
    quoted.collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{EnvVar, HomeConfig};
    use crate::home::{Home, HomeFiles};
    use crate::paths::ProtectedPaths;

    fn policy() -> CompiledPolicy {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let home = Home::new(dir.path().to_path_buf());
        let config = HomeConfig::load(&HomeFiles::read(&home), &[] as &[EnvVar]);
        CompiledPolicy::compile(&config, ProtectedPaths::new(dir.path(), None)).unwrap_or_else(|e| panic!("{e}"))
    }

    fn shell(command: &str, cwd: Option<&str>) -> AuthorizeRequest {
        serde_json::from_value(serde_json::json!({
            "channel": "tui", "interactive": true, "tool": "shell_execute",
            "arguments": {"command": command}, "workingDirectory": cwd
        }))
        .unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn a_shell_answer_covers_each_segment_word_for_word_in_the_working_directory() {
        let grant = policy().grant_for(&shell("git status --short; make", Some("/w/p/../p")), "2026-12-04");
        let Ok(grant) = grant else { panic!("{grant:?}") };
        assert_eq!(grant.tool, "shell_execute");
        let tokens: Vec<Vec<String>> = grant
            .entries
            .iter()
            .map(|e| match e {
                ApprovalEntry::Shell(s) => {
                    assert_eq!(s.match_kind, ShellMatch::Exact);
                    assert_eq!(s.directory.as_deref(), Some("/w/p"));
                    s.verb_tokens.clone()
                }
                ApprovalEntry::Tool(_) => panic!("a shell grant is made of shell entries"),
            })
            .collect();
        assert_eq!(tokens, [vec!["git", "status", "--short"], vec!["make"]]);
    }

    #[test]
    fn a_word_with_spaces_or_quotes_is_written_so_that_it_reads_back_the_same() {
        let grant = policy().grant_for(&shell(r#"grep -r "it's here" src"#, Some("/w")), "2026-12-04");
        let Ok(Grant { entries, .. }) = grant else { panic!("{grant:?}") };
        let [ApprovalEntry::Shell(entry)] = entries.as_slice() else { panic!("{entries:?}") };
        assert_eq!(entry.shell, r#"grep -r 'it'\''s here' src"#);
        assert_eq!(entry.verb_tokens, ["grep", "-r", "it's here", "src"]);
    }

    #[test]
    fn what_cannot_be_written_down_is_only_approved_once() {
        let policy = policy();
        let refused = |command: &str, cwd: Option<&str>| policy.grant_for(&shell(command, cwd), "2026-12-04").err();
        assert_eq!(refused("ls", None), Some(GrantRefusal::NoWorkingDirectory));
        assert_eq!(refused("ls", Some("relative/dir")), Some(GrantRefusal::NoWorkingDirectory));
        assert_eq!(refused("ls > out.txt", Some("/w")), Some(GrantRefusal::Segment(1)));
        assert_eq!(refused("ls && LD_PRELOAD=x git status", Some("/w")), Some(GrantRefusal::Segment(2)));
        assert_eq!(refused("$(cat cmd)", Some("/w")), Some(GrantRefusal::Segment(1)));
        assert_eq!(refused("echo \"$(date)\"", Some("/w")), Some(GrantRefusal::Segment(1)));
        assert_eq!(refused("cd /tmp", Some("/w")), Some(GrantRefusal::NothingToApprove));
        assert_eq!(refused("HOME=/tmp/evil; git status", Some("/w")), Some(GrantRefusal::Segment(1)));
        assert_eq!(refused("make", Some("/w/..")), Some(GrantRefusal::Directory(1)));
        assert_eq!(refused("cd \"$D\" && make", Some("/w")), Some(GrantRefusal::Directory(2)));
    }

    /// A segment after a `cd` may run in more than one directory (the `cd` can fail):
    /// `cd ../other && rm -rf build` approved in `/w/p` must not become `rm -rf build`
    /// approved in `/w/p`, so it is approved once only.
    #[test]
    fn a_segment_that_may_run_in_several_directories_is_only_approved_once() {
        let refused = policy().grant_for(&shell("ls; cd ../other && rm -rf build", Some("/w/p")), "2026-12-04");
        assert_eq!(refused.err(), Some(GrantRefusal::Directory(3)));
    }

    /// `{verb, directory}` would approve deleting every page, not the one shown.
    #[test]
    fn another_tool_is_only_approved_once() {
        let request: AuthorizeRequest = serde_json::from_value(serde_json::json!({
            "channel": "tui", "tool": "notion__delete-page", "workingDirectory": "/w",
            "arguments": {"page": "scratch"}
        }))
        .unwrap_or_else(|e| panic!("{e}"));
        let refused = policy().grant_for(&request, "2026-12-04").err();
        assert_eq!(refused, Some(GrantRefusal::Arguments("notion/delete-page".to_owned())));
    }
}
