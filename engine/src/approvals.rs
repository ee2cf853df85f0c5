//! The persisted "approve always" grants of `config/tool-approvals.json`: added by an
//! approver's `approve_always` answer, maintained by hand with `netclaw approvals
//! list|revoke|prune`.
//!
//! Every change goes through the same atomic, mode-keeping rewrite as `doctor --fix`
//! (with a `.bak`). A store that does not validate is never rewritten: the authorizer
//! already denies every call that consults it, and the diagnostics say which pointer
//! to fix.

use std::time::{SystemTime, UNIX_EPOCH};

use serde::Serialize;
use serde_json::{Map, Value};

use crate::config::{ApprovalEntry, Audience, EnvVar, HomeConfig};
use crate::diagnostic::Diagnostic;
use crate::doctor::{Fix, apply_fixes, safe_fixes};
use crate::home::{Home, HomeFiles, TOOL_APPROVALS_JSON};
use crate::json_pointer;
use crate::policy::Grant;
use crate::timestamp::days_from_date;

/// One persisted approval, named by its JSON pointer in the store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ApprovalRow {
    /// `/audiences/<audience>/<tool>/<index>`: what `approvals revoke` takes.
    pub id: String,
    pub audience: Audience,
    pub tool: String,
    /// The approved shell command or tool verb, as the human saw it.
    pub approved: String,
    /// Where it applies; `None` means everywhere.
    pub directory: Option<String>,
    pub created_at: String,
    /// Whole days since `createdAt`; `None` when the date does not read.
    pub age_days: Option<i64>,
}

#[derive(Debug, thiserror::Error)]
pub enum ApprovalsError {
    #[error("{TOOL_APPROVALS_JSON} is not usable, so every call that needs approval is denied; nothing was changed")]
    Invalid(Vec<Diagnostic>),
    #[error("no approval `{0}` in {TOOL_APPROVALS_JSON} (`netclaw approvals list` shows the ids)")]
    NotFound(String),
    #[error("{TOOL_APPROVALS_JSON} is a symbolic link; edit it where it lives")]
    Linked,
    #[error("{TOOL_APPROVALS_JSON}: {0}")]
    Write(String),
}

impl ApprovalsError {
    /// Stable code for scripts.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Invalid(_) => "approvals.invalid",
            Self::NotFound(_) => "approvals.not_found",
            Self::Linked => "approvals.linked",
            Self::Write(_) => "approvals.write",
        }
    }

    /// The file and pointer of every problem, for an invalid store.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        match self {
            Self::Invalid(diagnostics) => diagnostics,
            _ => &[],
        }
    }
}

/// Every persisted approval, audience by audience, in file order.
pub fn list(home: &Home, now: SystemTime) -> Result<Vec<ApprovalRow>, ApprovalsError> {
    let config = HomeConfig::load(&HomeFiles::read(home), &[] as &[EnvVar]);
    let store = config.tool_approvals.map_err(ApprovalsError::Invalid)?;
    let today = now.duration_since(UNIX_EPOCH).ok().and_then(|d| i64::try_from(d.as_secs() / 86_400).ok());
    let mut rows = Vec::new();
    for audience in Audience::ALL {
        for (tool, entries) in store.audiences.get(audience) {
            let tool_pointer = json_pointer::join(&json_pointer::join("/audiences", audience.key()), tool);
            for (index, entry) in entries.iter().enumerate() {
                let (approved, directory) = match entry {
                    ApprovalEntry::Shell(shell) => (&shell.shell, shell.directory.clone()),
                    ApprovalEntry::Tool(call) => (&call.verb, call.directory.clone()),
                };
                // An approved command can carry a credential; a listing never shows it.
                let approved = crate::redaction::redact(approved).into_owned();
                let created_at = entry.created_at().to_owned();
                let age_days = days_from_date(&created_at).zip(today).map(|(day, today)| today - day);
                rows.push(ApprovalRow {
                    id: json_pointer::join(&tool_pointer, &index.to_string()),
                    audience,
                    tool: tool.clone(),
                    approved,
                    directory,
                    created_at,
                    age_days,
                });
            }
        }
    }
    Ok(rows)
}

/// Removes the approvals named by `ids` (all or none); returns them.
pub fn revoke(home: &Home, ids: &[String]) -> Result<Vec<ApprovalRow>, ApprovalsError> {
    let rows = list(home, SystemTime::now())?;
    let mut chosen = Vec::new();
    for id in ids {
        let row = rows.iter().find(|row| &row.id == id).ok_or_else(|| ApprovalsError::NotFound(id.clone()))?;
        if !chosen.contains(row) {
            chosen.push(row.clone());
        }
    }
    remove(home, &chosen)?;
    Ok(chosen)
}

/// Removes approvals given more than `days` days ago, and those whose date does not
/// read (an unreadable date would otherwise keep a grant forever). With `dry_run`,
/// only says which.
pub fn prune(home: &Home, days: u32, now: SystemTime, dry_run: bool) -> Result<Vec<ApprovalRow>, ApprovalsError> {
    let stale: Vec<ApprovalRow> =
        list(home, now)?.into_iter().filter(|row| row.age_days.is_none_or(|age| age > i64::from(days))).collect();
    if !dry_run {
        remove(home, &stale)?;
    }
    Ok(stale)
}

/// Holds `config/tool-approvals.json.lock` (an exclusive `flock`) while the store is
/// read, changed and written back: the daemon's answers and `approvals revoke|prune`
/// in other processes would otherwise each write what they read, and one change
/// would silently undo another.
fn lock_store(home: &Home) -> Result<std::fs::File, ApprovalsError> {
    use std::os::unix::fs::OpenOptionsExt;
    let lock = format!("{TOOL_APPROVALS_JSON}.lock");
    let failed = |err: std::io::Error| ApprovalsError::Write(format!("{lock}: {}", err.kind()));
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .mode(0o600)
        .open(home.path(&lock))
        .map_err(failed)?;
    rustix::fs::flock(&file, rustix::fs::FlockOperation::LockExclusive).map_err(|e| failed(e.into()))?;
    Ok(file)
}

/// Adds an `approve_always` answer's entries to the store, creating it (version 3,
/// mode 600) when there is none. An entry the store already has (whatever its date)
/// is not added twice.
pub(crate) fn persist(home: &Home, grant: &Grant) -> Result<(), ApprovalsError> {
    let _locked = lock_store(home)?;
    let config = HomeConfig::load(&HomeFiles::read(home), &[] as &[EnvVar]);
    config.tool_approvals.map_err(ApprovalsError::Invalid)?;
    let value = match std::fs::read_to_string(home.path(TOOL_APPROVALS_JSON)) {
        Ok(text) => serde_json::from_str(&text).map_err(|e| ApprovalsError::Write(e.to_string()))?,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Value::Object(Map::new()),
        Err(err) => return Err(ApprovalsError::Write(err.kind().to_string())),
    };
    // Keys match whatever their case: the edit goes where the loader reads.
    let audience = json_pointer::join("/audiences", grant.audience.key());
    let audience = json_pointer::spelled_in(&value, &audience).unwrap_or(audience);
    let canonical = json_pointer::join(&audience, &grant.tool);
    let pointer = json_pointer::spelled_in(&value, &canonical).unwrap_or(canonical);
    let mut entries = value.pointer(&pointer).and_then(Value::as_array).cloned().unwrap_or_default();
    let undated = |entry: &Value| {
        let mut entry = entry.clone();
        if let Some(fields) = entry.as_object_mut() {
            fields.retain(|key, _| !key.eq_ignore_ascii_case("createdAt"));
        }
        entry
    };
    for entry in &grant.entries {
        let entry = serde_json::to_value(entry).map_err(|e| ApprovalsError::Write(e.to_string()))?;
        if !entries.iter().any(|known| undated(known) == undated(&entry)) {
            entries.push(entry);
        }
    }
    let file = TOOL_APPROVALS_JSON.to_owned();
    // The store is private whatever mode it was created with.
    let mut fixes = vec![Fix::Mode { path: file.clone(), mode: 0o600 }];
    if json_pointer::spelled_in(&value, "/version").is_none() {
        fixes.push(Fix::Set { file: file.clone(), pointer: "/version".to_owned(), value: Value::from(3) });
    }
    fixes.push(Fix::Set { file, pointer, value: Value::Array(entries) });
    if safe_fixes(home, fixes.clone()).len() != fixes.len() {
        return Err(ApprovalsError::Linked);
    }
    apply_fixes(home, &fixes).map_err(|err| ApprovalsError::Write(err.to_string()))?;
    Ok(())
}

fn remove(home: &Home, rows: &[ApprovalRow]) -> Result<(), ApprovalsError> {
    if rows.is_empty() {
        return Ok(());
    }
    let _locked = lock_store(home)?;
    // The store's keys match whatever their case; the edit needs them as spelled.
    let text = std::fs::read_to_string(home.path(TOOL_APPROVALS_JSON))
        .map_err(|e| ApprovalsError::Write(e.kind().to_string()))?;
    let value: serde_json::Value = serde_json::from_str(&text).map_err(|e| ApprovalsError::Write(e.to_string()))?;
    let fixes = rows
        .iter()
        .map(|row| {
            let pointer =
                json_pointer::spelled_in(&value, &row.id).ok_or_else(|| ApprovalsError::NotFound(row.id.clone()))?;
            Ok(Fix::Remove { file: TOOL_APPROVALS_JSON.to_owned(), pointer })
        })
        .collect::<Result<Vec<Fix>, ApprovalsError>>()?;
    if safe_fixes(home, fixes.clone()).len() != fixes.len() {
        return Err(ApprovalsError::Linked);
    }
    apply_fixes(home, &fixes).map_err(|err| ApprovalsError::Write(err.to_string()))?;
    Ok(())
}

#[cfg(test)]
mod tests;
