//! Tool Approvals: the persisted "approve always" grants in `tool-approvals.json`.
//!
//! A grant outlives the moment it was given: it should be re-earned after a while,
//! it should not outlive the tool, and a shell grant should be scoped to a directory.
//! An unreadable or invalid store is a failure, because the authorizer then denies
//! every call that consults it.

use crate::config::{ApprovalEntry, Audience};
use crate::diagnostic::Location;
use crate::doctor::{Check, CheckOutcome, DoctorContext, Finding, Fix};
use crate::document::JsonDocument;
use crate::home::{FileRead, TOOL_APPROVALS_JSON};
use crate::json_pointer;

#[derive(Debug)]
pub(crate) struct ToolApprovalsCheck;

impl Check for ToolApprovalsCheck {
    fn id(&self) -> &'static str {
        "tool-approvals"
    }

    fn name(&self) -> &'static str {
        "Tool Approvals"
    }

    fn reads_policies(&self) -> bool {
        true
    }

    fn run(&self, context: &DoctorContext<'_>) -> CheckOutcome {
        let approvals = match &context.config.tool_approvals {
            Ok(approvals) => approvals,
            Err(diagnostics) => {
                let count = diagnostics.len();
                let finding = Finding::error(
                    "approval-store-unusable",
                    Location::file(TOOL_APPROVALS_JSON),
                    format!("the approvals store is unusable ({count} problem(s), see Config Schema): every call that needs approval is denied"),
                )
                .with_help("fix the file, or move it aside to start with no persisted approvals");
                return CheckOutcome::found(vec![finding], "", "fix tool-approvals.json");
            }
        };
        let Ok(policy) = context.compiled() else {
            return CheckOutcome::note("skipped: the policies do not compile (see Policy Compile)");
        };
        // Parsed again (with spans) only if something is reported: a clean store of
        // thousands of entries is never re-read.
        let document = std::cell::OnceCell::new();
        let place = |pointer: &str| match document.get_or_init(|| match &context.files.tool_approvals {
            FileRead::Text(text) => JsonDocument::parse(TOOL_APPROVALS_JSON, text.clone()).ok(),
            _ => None,
        }) {
            Some(doc) => json_pointer::spelled_in(&doc.value, pointer)
                .map_or_else(|| Location::at(TOOL_APPROVALS_JSON, pointer), |p| doc.locate(&p)),
            None => Location::at(TOOL_APPROVALS_JSON, pointer),
        };
        let today = context.today();
        let mut findings = Vec::new();
        let mut fixes = Vec::new();
        let mut total = 0;
        // An approval is only consulted after admission: a tool the audience may no
        // longer use at all (no mode) has approvals that never apply.
        let asked: Vec<(Audience, &str)> = Audience::ALL
            .iter()
            .flat_map(|a| approvals.audiences.get(*a).keys().map(move |tool| (*a, tool.as_str())))
            .collect();
        let mut granted = context.tool_modes(policy, &asked).into_iter().map(|mode| mode.is_some());
        for audience in Audience::ALL {
            for (tool, entries) in approvals.audiences.get(audience) {
                total += entries.len();
                let tool_pointer = json_pointer::join(&json_pointer::join("/audiences", audience.key()), tool);
                if !granted.next().unwrap_or(false) {
                    let location = place(&tool_pointer);
                    let message = format!(
                        "{} approval(s) of `{tool}` for {}, which the audience can no longer use",
                        entries.len(),
                        audience.as_str()
                    );
                    fixes.push(Fix::Remove { file: TOOL_APPROVALS_JSON.to_owned(), pointer: location.pointer.clone() });
                    findings.push(Finding::warning("approval-for-missing-tool", location, message).with_help(
                        "remove them (`netclaw doctor --fix` does); they would come back to life if the tool did",
                    ));
                    continue;
                }
                for (index, entry) in entries.iter().enumerate() {
                    let pointer = json_pointer::join(&tool_pointer, &index.to_string());
                    findings.extend(entry_findings(
                        entry,
                        tool,
                        audience,
                        today,
                        context.approval_max_age_days,
                        &|| place(&pointer),
                    ));
                }
            }
        }
        let clean = match total {
            0 => "no persisted approvals".to_owned(),
            n => format!("{n} persisted approval(s), each scoped, recent and for a tool still granted"),
        };
        CheckOutcome::found(findings, clean, "review persisted approvals; remove what is no longer needed")
            .with_fixes(fixes)
    }
}

fn entry_findings(
    entry: &ApprovalEntry,
    tool: &str,
    audience: Audience,
    today: Option<i64>,
    max_age_days: u32,
    // Located only for a finding: placing every entry of a large store costs more than
    // checking it.
    location: &dyn Fn() -> Location,
) -> Vec<Finding> {
    let mut out = Vec::new();
    let (created, everywhere) = match entry {
        ApprovalEntry::Shell(shell) => (&shell.created_at, shell.directory.is_none()),
        ApprovalEntry::Tool(approval) => (&approval.created_at, false),
    };
    if everywhere && let ApprovalEntry::Shell(shell) = entry {
        out.push(
            Finding::warning(
                "approved-everywhere",
                location(),
                format!(
                    "`{}` is approved for {} in every directory (`directory: null`)",
                    shell.shell,
                    audience.as_str()
                ),
            )
            .with_help("approve it again from the directory it is for; netclaw then scopes it there"),
        );
    }
    // A date that cannot be read, or one in the future, would keep an approval fresh forever.
    let day = crate::timestamp::days_from_date(created);
    if let Some(today) = today
        && day.is_none_or(|day| day > today + 1)
    {
        out.push(
            Finding::warning(
                "approval-date-unusable",
                location(),
                format!("an approval of `{tool}` for {} has a `createdAt` whose age cannot be told", audience.as_str()),
            )
            .with_help("remove the entry; approving again records the date"),
        );
    }
    if let (Some(today), Some(day)) = (today, day)
        && today - day > i64::from(max_age_days)
    {
        let date = created.get(..10).unwrap_or(created);
        out.push(
            Finding::warning(
                "approval-stale",
                location(),
                format!(
                    "an approval of `{tool}` for {} was given on {date}, over {max_age_days} days ago",
                    audience.as_str()
                ),
            )
            .with_help("remove the entry from tool-approvals.json; the next call asks again"),
        );
    }
    out
}
