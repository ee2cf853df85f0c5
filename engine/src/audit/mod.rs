//! The decision audit log: every decision the CLI or the daemon makes, in
//! `netclaw.db`, answerable later by its id ("why was this denied?").
//!
//! The request is stored only after the redaction engine has masked every secret it
//! recognises, never raw. Recording never changes a decision: a full disk or a locked
//! database is reported, and the decision stands as made.

mod export;
mod writer;

use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::Serialize;

use crate::decision::{AuthorizeRequest, Decision};
use crate::home::Home;
use crate::policy::CompiledPolicy;
use crate::store::{self, StoreError};
use crate::webhooks::now_ms;

pub use export::ocsf;
pub(crate) use writer::AuditWriter;

/// One recorded decision.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditEntry {
    pub decision_id: String,
    pub time_ms: i64,
    /// `cli` or `daemon`.
    pub recorder: String,
    pub channel: String,
    pub tool: String,
    /// The request as JSON text, with secrets masked.
    pub request: String,
    pub decision: Decision,
    /// The daemon's config generation; the CLI compiles afresh and has none.
    pub generation: Option<u64>,
    pub policy_digest: Option<String>,
}

impl AuditEntry {
    pub(crate) fn new(
        request: &AuthorizeRequest,
        decision: &Decision,
        recorder: &str,
        generation: Option<u64>,
        policy_digest: Option<String>,
    ) -> Self {
        let text = serde_json::to_string(request).unwrap_or_default();
        Self {
            decision_id: decision.decision_id.clone(),
            time_ms: now_ms(),
            recorder: recorder.to_owned(),
            channel: request.channel.clone(),
            tool: request.tool.clone(),
            request: crate::redaction::redact(&text).into_owned(),
            decision: decision.clone(),
            generation,
            policy_digest,
        }
    }

    /// The request as recorded (secrets masked), if it still reads as one.
    pub fn request(&self) -> Option<AuthorizeRequest> {
        serde_json::from_str(&self.request).ok()
    }
}

/// Records a decision the CLI made. `policy` is `None` when the config did not
/// compile (the decision is then a fail-closed deny, and it is recorded too).
pub fn record_decision(
    home: &Home,
    policy: Option<&CompiledPolicy>,
    request: &AuthorizeRequest,
    decision: &Decision,
) -> Result<(), StoreError> {
    if policy.is_some_and(|p| !p.config.audit.enabled) {
        return Ok(());
    }
    let entry = AuditEntry::new(request, decision, "cli", None, policy.map(CompiledPolicy::digest));
    insert(&store::open(home)?, std::slice::from_ref(&entry))
}

pub(crate) fn insert(connection: &Connection, entries: &[AuditEntry]) -> Result<(), StoreError> {
    let transaction = connection.unchecked_transaction()?;
    {
        let mut statement = transaction.prepare_cached(
            "INSERT OR IGNORE INTO audit_decisions
             (decision_id, time_ms, recorder, channel, audience, tool, effect, layer, reason_code,
              request, result, generation, policy_digest)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
        )?;
        for e in entries {
            let d = &e.decision;
            statement.execute(params![
                e.decision_id,
                e.time_ms,
                e.recorder,
                e.channel,
                d.audience.map(|a| a.as_str()),
                e.tool,
                d.decision.as_str(),
                d.layer.as_str(),
                d.reason_code.map(|r| r.to_string()),
                e.request,
                serde_json::to_string(d).unwrap_or_default(),
                e.generation.and_then(|g| i64::try_from(g).ok()),
                e.policy_digest,
            ])?;
        }
    }
    transaction.commit()?;
    Ok(())
}

/// Which decisions `audit list` shows.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub denied_only: bool,
    pub tool: Option<String>,
    pub audience: Option<String>,
    pub since_ms: Option<i64>,
    pub limit: Option<usize>,
}

const COLUMNS: &str = "decision_id, time_ms, recorder, channel, tool, request, result, generation, policy_digest";

fn entry(row: &Row<'_>) -> rusqlite::Result<AuditEntry> {
    let result: String = row.get(6)?;
    let decision = serde_json::from_str(&result)
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(6, rusqlite::types::Type::Text, Box::new(e)))?;
    Ok(AuditEntry {
        decision_id: row.get(0)?,
        time_ms: row.get(1)?,
        recorder: row.get(2)?,
        channel: row.get(3)?,
        tool: row.get(4)?,
        request: row.get(5)?,
        decision,
        generation: row.get::<_, Option<i64>>(7)?.and_then(|g| u64::try_from(g).ok()),
        policy_digest: row.get(8)?,
    })
}

/// The decision recorded under `id`.
pub fn show(home: &Home, id: &str) -> Result<Option<AuditEntry>, StoreError> {
    let Some(connection) = store::open_existing(home)? else {
        return Ok(None);
    };
    let query = format!("SELECT {COLUMNS} FROM audit_decisions WHERE decision_id = ?1");
    Ok(connection.query_row(&query, [id], entry).optional()?)
}

/// Recorded decisions, oldest first.
pub fn list(home: &Home, filter: &AuditFilter) -> Result<Vec<AuditEntry>, StoreError> {
    let Some(connection) = store::open_existing(home)? else {
        return Ok(Vec::new());
    };
    let query = format!(
        "SELECT {COLUMNS} FROM audit_decisions
         WHERE (?1 = 0 OR effect = 'deny') AND (?2 IS NULL OR tool = ?2)
           AND (?3 IS NULL OR lower(audience) = lower(?3)) AND time_ms >= ?4
         ORDER BY time_ms, decision_id LIMIT ?5"
    );
    let limit = filter.limit.and_then(|l| i64::try_from(l).ok()).unwrap_or(-1);
    let mut statement = connection.prepare(&query)?;
    let rows = statement.query_map(
        params![filter.denied_only, filter.tool, filter.audience, filter.since_ms.unwrap_or(0), limit],
        entry,
    )?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Deletes decisions older than `days`; returns how many.
pub(crate) fn prune(connection: &Connection, days: u32) -> Result<usize, StoreError> {
    let cutoff = now_ms() - i64::from(days) * 86_400_000;
    Ok(connection.execute("DELETE FROM audit_decisions WHERE time_ms < ?1", [cutoff])?)
}

#[cfg(test)]
mod tests;
