//! The decision audit log: every decision the CLI or the daemon makes, in
//! `netclaw.db`, answerable later by its id ("why was this denied?").
//!
//! The request is stored only after the redaction engine has masked every secret it
//! recognises, never raw. Recording never changes a decision: a full disk or a locked
//! database is reported, and the decision stands as made.

mod export;
mod writer;

use std::collections::HashMap;

use rusqlite::{Connection, OptionalExtension, Row, Transaction, params};
use serde::Serialize;
use sha2::{Digest, Sha256};

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
    let mut entry = AuditEntry::new(request, decision, "cli", None, policy.map(CompiledPolicy::digest));
    insert(&store::open(home)?, std::slice::from_mut(&mut entry), &mut TextIds::default())
}

/// Ids of texts already in `audit_texts`, so a request or decision seen before costs a
/// hash lookup instead of a write. Valid only for committed rows: cleared when a
/// transaction fails and when texts are pruned.
#[derive(Debug, Default)]
pub(crate) struct TextIds(HashMap<[u8; 32], i64>);

/// Texts whose ids are remembered at most; past it the map starts over.
const KNOWN_TEXTS: usize = 65_536;

impl TextIds {
    fn id(&mut self, transaction: &Transaction<'_>, text: &str) -> Result<i64, StoreError> {
        let digest: [u8; 32] = Sha256::digest(text.as_bytes()).into();
        if let Some(id) = self.0.get(&digest) {
            return Ok(*id);
        }
        let id = transaction
            .prepare_cached(
                "INSERT INTO audit_texts (digest, text) VALUES (?1, ?2)
                 ON CONFLICT (digest) DO UPDATE SET digest = excluded.digest RETURNING id",
            )?
            .query_row(params![&digest[..], text], |row| row.get(0))?;
        if self.0.len() >= KNOWN_TEXTS {
            self.0.clear();
        }
        self.0.insert(digest, id);
        Ok(id)
    }

    pub(crate) fn forget(&mut self) {
        self.0.clear();
    }
}

pub(crate) fn insert(
    connection: &Connection,
    entries: &mut [AuditEntry],
    texts: &mut TextIds,
) -> Result<(), StoreError> {
    let inserted = insert_all(connection, entries, texts);
    if inserted.is_err() {
        texts.forget();
    }
    inserted
}

fn insert_all(connection: &Connection, entries: &mut [AuditEntry], texts: &mut TextIds) -> Result<(), StoreError> {
    let transaction = connection.unchecked_transaction()?;
    for e in entries.iter_mut() {
        // The id has its own column; without it, equal decisions share one stored text.
        let id = std::mem::take(&mut e.decision.decision_id);
        let result = serde_json::to_string(&e.decision).unwrap_or_default();
        e.decision.decision_id = id;
        let request = texts.id(&transaction, &e.request)?;
        let result = texts.id(&transaction, &result)?;
        let digest = e.policy_digest.as_deref().map(|d| texts.id(&transaction, d)).transpose()?;
        let d = &e.decision;
        transaction
            .prepare_cached(
                "INSERT OR IGNORE INTO audit_decisions
                 (decision_id, time_ms, recorder, channel, audience, tool, effect, layer, reason_code,
                  request, result, generation, policy_digest)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
            )?
            .execute(params![
                e.decision_id,
                e.time_ms,
                e.recorder,
                e.channel,
                d.audience.map(|a| a.as_str()),
                e.tool,
                d.decision.as_str(),
                d.layer.as_str(),
                d.reason_code.map(|r| r.to_string()),
                request,
                result,
                e.generation.and_then(|g| i64::try_from(g).ok()),
                digest,
            ])?;
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

const SELECT: &str = "SELECT d.decision_id, d.time_ms, d.recorder, d.channel, d.tool, q.text, r.text,
        d.generation, p.text
     FROM audit_decisions d
     JOIN audit_texts q ON q.id = d.request
     JOIN audit_texts r ON r.id = d.result
     LEFT JOIN audit_texts p ON p.id = d.policy_digest";

fn entry(row: &Row<'_>) -> rusqlite::Result<AuditEntry> {
    let result: String = row.get(6)?;
    let mut decision: Decision = serde_json::from_str(&result)
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(6, rusqlite::types::Type::Text, Box::new(e)))?;
    let decision_id: String = row.get(0)?;
    decision.decision_id.clone_from(&decision_id);
    Ok(AuditEntry {
        decision_id,
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
    let query = format!("{SELECT} WHERE d.decision_id = ?1");
    Ok(connection.query_row(&query, [id], entry).optional()?)
}

/// Recorded decisions, oldest first.
pub fn list(home: &Home, filter: &AuditFilter) -> Result<Vec<AuditEntry>, StoreError> {
    let Some(connection) = store::open_existing(home)? else {
        return Ok(Vec::new());
    };
    let query = format!(
        "{SELECT}
         WHERE (?1 = 0 OR d.effect = 'deny') AND (?2 IS NULL OR d.tool = ?2)
           AND (?3 IS NULL OR lower(d.audience) = lower(?3)) AND d.time_ms >= ?4
         ORDER BY d.time_ms, d.decision_id LIMIT ?5"
    );
    let limit = filter.limit.and_then(|l| i64::try_from(l).ok()).unwrap_or(-1);
    let mut statement = connection.prepare(&query)?;
    let rows = statement.query_map(
        params![filter.denied_only, filter.tool, filter.audience, filter.since_ms.unwrap_or(0), limit],
        entry,
    )?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Deletes decisions older than `days`, and the texts no decision refers to any more;
/// returns how many decisions.
pub(crate) fn prune(connection: &Connection, days: u32) -> Result<usize, StoreError> {
    let cutoff = now_ms() - i64::from(days) * 86_400_000;
    let transaction = connection.unchecked_transaction()?;
    let pruned = transaction.execute("DELETE FROM audit_decisions WHERE time_ms < ?1", [cutoff])?;
    transaction.execute(
        "DELETE FROM audit_texts
         WHERE id NOT IN (SELECT request FROM audit_decisions)
           AND id NOT IN (SELECT result FROM audit_decisions)
           AND id NOT IN (SELECT policy_digest FROM audit_decisions WHERE policy_digest IS NOT NULL)",
        [],
    )?;
    transaction.commit()?;
    Ok(pruned)
}

#[cfg(test)]
mod tests;
