//! The decision audit log: every decision the CLI or the daemon makes, in
//! `netclaw.db`, answerable later by its id ("why was this denied?").
//!
//! The request is stored only after the redaction engine has masked every secret it
//! recognises, never raw. Recording never changes a decision: a full disk or a locked
//! database is reported, and the decision stands as made.

mod export;
mod writer;

use std::collections::HashMap;
use std::hash::{BuildHasher, Hash};
use std::sync::Arc;

use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, Row, Transaction, params};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::decision::{AuthorizeRequest, Decision, Ruling};
use crate::home::Home;
use crate::policy::CompiledPolicy;
use crate::reason::ReasonCode;
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
    /// The request as JSON text, with secrets masked ([`request_text`]). Shared:
    /// a request recorded again (an approval's answer, a repeated call) is one text.
    pub request: Arc<str>,
    pub decision: Decision,
    /// The daemon's config generation; the CLI compiles afresh and has none.
    pub generation: Option<u64>,
    pub policy_digest: Option<Arc<str>>,
}

impl AuditEntry {
    /// `text` is the request's [`request_text`].
    pub(crate) fn new(
        request: &AuthorizeRequest,
        text: Arc<str>,
        decision: &Decision,
        recorder: &str,
        generation: Option<u64>,
        policy_digest: Option<Arc<str>>,
    ) -> Self {
        Self {
            decision_id: decision.decision_id.clone(),
            time_ms: now_ms(),
            recorder: recorder.to_owned(),
            channel: request.channel.clone(),
            tool: request.tool.clone(),
            request: text,
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
    let digest = policy.map(|p| Arc::from(p.digest()));
    let mut entry = AuditEntry::new(request, request_text(request), decision, "cli", None, digest);
    insert(&store::open(home)?, std::slice::from_mut(&mut entry), &mut TextIds::default())
}

/// A request as the audit log stores it: serialised, then redacted. Never raw: a
/// request's arguments can carry a credential.
pub(crate) fn request_text(request: &AuthorizeRequest) -> Arc<str> {
    let text = serde_json::to_string(request).unwrap_or_default();
    Arc::from(crate::redaction::redact(&text))
}

/// Bodies remembered per thread, and the largest remembered.
const REMEMBERED_BODIES: usize = 1024;
const REMEMBERED_BODY_BYTES: usize = 4096;

/// Recorded texts by a keyed 128-bit hash of the body they came from: the raw body
/// (which may hold a credential) is not kept.
#[derive(Default)]
struct RecordedTexts {
    texts: HashMap<u128, Arc<str>>,
    keys: (std::hash::RandomState, std::hash::RandomState),
}

thread_local! {
    static RECORDED_TEXTS: std::cell::RefCell<RecordedTexts> = std::cell::RefCell::default();
}

/// [`request_text`] of the request parsed from `body`, remembered per thread by the
/// body: agents repeat calls, and serialising and redacting the same body again cost
/// a worker more than recording it. Equal bodies parse to equal requests, so the text
/// is the one `request_text` would make.
pub(crate) fn request_text_of_body(body: &[u8], request: &AuthorizeRequest) -> Arc<str> {
    if body.len() > REMEMBERED_BODY_BYTES {
        return request_text(request);
    }
    RECORDED_TEXTS.with_borrow_mut(|known| {
        let key = (u128::from(known.keys.0.hash_one(body)) << 64) | u128::from(known.keys.1.hash_one(body));
        if let Some(text) = known.texts.get(&key) {
            return Arc::clone(text);
        }
        if known.texts.len() >= REMEMBERED_BODIES {
            known.texts.clear();
        }
        let text = request_text(request);
        known.texts.insert(key, Arc::clone(&text));
        text
    })
}

/// Ids of texts already in `audit_texts`, so a request or decision seen before costs a
/// hash lookup instead of a write. Valid only for committed rows: cleared when a
/// transaction fails and when texts are pruned.
#[derive(Debug, Default)]
pub(crate) struct TextIds {
    /// Texts by a keyed 128-bit hash (SipHash, two keys drawn for this process, so
    /// no one can make two texts collide on purpose).
    texts: HashMap<u128, i64>,
    /// Shared texts (requests, digests) by address: a request recorded again costs
    /// no hashing.
    shared_texts: ByAddress<str>,
    /// Rulings by address: a remembered ruling is shared by every decision that
    /// reuses it, and hashing one walks its whole explanation.
    rulings: ByAddress<Ruling>,
    /// Decisions (all but the id) by a keyed hash, with the decision itself to compare:
    /// one seen before is neither serialised nor digested again.
    decisions: HashMap<u64, (Arc<Ruling>, i64)>,
    /// Rows of `audit_kinds` by the same kind of hash.
    kinds: HashMap<u128, i64>,
    keys: (std::hash::RandomState, std::hash::RandomState),
}

/// Texts whose ids are remembered at most; past it the map starts over.
const KNOWN_TEXTS: usize = 65_536;

/// Row ids of shared values by the value's address. Each entry holds its value, so
/// the address cannot be reused by another value while the entry is here.
#[derive(Debug)]
struct ByAddress<T: ?Sized>(HashMap<usize, (Arc<T>, i64)>);

impl<T: ?Sized> Default for ByAddress<T> {
    fn default() -> Self {
        Self(HashMap::new())
    }
}

impl<T: ?Sized> ByAddress<T> {
    fn get(&self, value: &Arc<T>) -> Option<i64> {
        self.0.get(&Self::address(value)).map(|(_, id)| *id)
    }

    fn insert(&mut self, value: &Arc<T>, id: i64) {
        if self.0.len() >= KNOWN_TEXTS {
            self.0.clear();
        }
        self.0.insert(Self::address(value), (Arc::clone(value), id));
    }

    fn address(value: &Arc<T>) -> usize {
        Arc::as_ptr(value).cast::<u8>() as usize
    }

    fn clear(&mut self) {
        self.0.clear();
    }
}

impl TextIds {
    fn id(&mut self, transaction: &Transaction<'_>, text: &str) -> Result<i64, StoreError> {
        let key = self.fingerprint(&text);
        if let Some(id) = self.texts.get(&key) {
            return Ok(*id);
        }
        // The stored digest is SHA-256: other processes (the CLI) find the text by it.
        let digest: [u8; 32] = Sha256::digest(text.as_bytes()).into();
        let id = transaction
            .prepare_cached(
                "INSERT INTO audit_texts (digest, text) VALUES (?1, ?2)
                 ON CONFLICT (digest) DO UPDATE SET digest = excluded.digest RETURNING id",
            )?
            .query_row(params![&digest[..], text], |row| row.get(0))?;
        if self.texts.len() >= KNOWN_TEXTS {
            self.texts.clear();
        }
        self.texts.insert(key, id);
        Ok(id)
    }

    /// [`Self::id`] of a shared text, found by its address when it was seen before.
    fn shared_id(&mut self, transaction: &Transaction<'_>, text: &Arc<str>) -> Result<i64, StoreError> {
        if let Some(id) = self.shared_texts.get(text) {
            return Ok(id);
        }
        let id = self.id(transaction, text)?;
        self.shared_texts.insert(text, id);
        Ok(id)
    }

    /// The id of the decision's text without its id (equal decisions share one).
    fn decision_id(&mut self, transaction: &Transaction<'_>, decision: &Decision) -> Result<i64, StoreError> {
        let ruling = &decision.ruling;
        if let Some(id) = self.rulings.get(ruling) {
            return Ok(id);
        }
        let id = self.ruling_id(transaction, ruling)?;
        self.rulings.insert(ruling, id);
        Ok(id)
    }

    /// A ruling seen at another address: found by its content, else stored.
    fn ruling_id(&mut self, transaction: &Transaction<'_>, ruling: &Arc<Ruling>) -> Result<i64, StoreError> {
        let key = self.keys.0.hash_one(ruling);
        if let Some((known, id)) = self.decisions.get(&key)
            && known == ruling
        {
            return Ok(*id);
        }
        let anonymous = Decision { decision_id: String::new(), ruling: Arc::clone(ruling) };
        let id = self.id(transaction, &serde_json::to_string(&anonymous).unwrap_or_default())?;
        if self.decisions.len() >= KNOWN_TEXTS {
            self.decisions.clear();
        }
        self.decisions.insert(key, (Arc::clone(ruling), id));
        Ok(id)
    }

    fn kind_id(&mut self, transaction: &Transaction<'_>, kind: &Kind<'_>) -> Result<i64, StoreError> {
        let key = self.fingerprint(kind);
        if let Some(id) = self.kinds.get(&key) {
            return Ok(*id);
        }
        let id = transaction
            .prepare_cached(
                "INSERT INTO audit_kinds (recorder, channel, audience, tool, effect, layer, reason_code)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT DO UPDATE SET recorder = excluded.recorder RETURNING id",
            )?
            .query_row(
                params![
                    kind.recorder,
                    kind.channel,
                    kind.audience,
                    kind.tool,
                    kind.effect,
                    kind.layer,
                    kind.reason_code
                ],
                |row| row.get(0),
            )?;
        if self.kinds.len() >= KNOWN_TEXTS {
            self.kinds.clear();
        }
        self.kinds.insert(key, id);
        Ok(id)
    }

    /// A keyed 128-bit hash: two SipHash keys drawn for this process.
    fn fingerprint(&self, value: &impl Hash) -> u128 {
        (u128::from(self.keys.0.hash_one(value)) << 64) | u128::from(self.keys.1.hash_one(value))
    }

    pub(crate) fn forget(&mut self) {
        self.texts.clear();
        self.shared_texts.clear();
        self.rulings.clear();
        self.decisions.clear();
        self.kinds.clear();
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

/// Rows per INSERT statement: binding and stepping one statement per row is most of
/// what a row costs SQLite.
const ROWS_PER_INSERT: usize = 32;

fn insert_all(connection: &Connection, entries: &mut [AuditEntry], texts: &mut TextIds) -> Result<(), StoreError> {
    let transaction = connection.unchecked_transaction()?;
    let mut rows: Vec<[Value; 7]> = Vec::with_capacity(entries.len());
    for e in entries.iter_mut() {
        let request = texts.shared_id(&transaction, &e.request)?;
        // The id has its own column; without it, equal decisions share one stored text.
        let result = texts.decision_id(&transaction, &e.decision)?;
        let digest = e.policy_digest.as_ref().map(|d| texts.shared_id(&transaction, d)).transpose()?;
        let kind = texts.kind_id(&transaction, &Kind::of(e))?;
        let generation = e.generation.and_then(|g| i64::try_from(g).ok());
        rows.push([
            Value::Text(std::mem::take(&mut e.decision_id)),
            Value::Integer(e.time_ms),
            Value::Integer(kind),
            Value::Integer(request),
            Value::Integer(result),
            generation.map_or(Value::Null, Value::Integer),
            digest.map_or(Value::Null, Value::Integer),
        ]);
    }
    let mut chunks = rows.chunks_exact(ROWS_PER_INSERT);
    let mut many = transaction.prepare_cached(&insert_statement(ROWS_PER_INSERT))?;
    for chunk in chunks.by_ref() {
        many.execute(rusqlite::params_from_iter(chunk.iter().flatten()))?;
    }
    drop(many);
    let mut one = transaction.prepare_cached(&insert_statement(1))?;
    for row in chunks.remainder() {
        one.execute(rusqlite::params_from_iter(row.iter()))?;
    }
    drop(one);
    transaction.commit()?;
    Ok(())
}

fn insert_statement(rows: usize) -> String {
    let row = "(?, ?, ?, ?, ?, ?, ?)";
    let values = vec![row; rows].join(", ");
    format!(
        "INSERT OR IGNORE INTO audit_log
         (decision_id, time_ms, kind, request, result, generation, policy_digest) VALUES {values}"
    )
}

/// What a decision is about, the columns `audit list` filters on; `""` for none.
#[derive(Hash)]
struct Kind<'e> {
    recorder: &'e str,
    channel: &'e str,
    audience: &'static str,
    tool: &'e str,
    effect: &'static str,
    layer: &'static str,
    reason_code: &'static str,
}

impl<'e> Kind<'e> {
    fn of(entry: &'e AuditEntry) -> Self {
        let d = &entry.decision;
        Kind {
            recorder: &entry.recorder,
            channel: &entry.channel,
            audience: d.audience.map_or("", |a| a.as_str()),
            tool: &entry.tool,
            effect: d.decision.as_str(),
            layer: d.layer.as_str(),
            reason_code: d.reason_code.map_or("", ReasonCode::as_str),
        }
    }
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

const SELECT: &str = "SELECT d.decision_id, d.time_ms, k.recorder, k.channel, k.tool, q.text, r.text,
        d.generation, p.text
     FROM audit_log d
     JOIN audit_kinds k ON k.id = d.kind
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
        request: Arc::from(row.get::<_, String>(5)?),
        decision,
        generation: row.get::<_, Option<i64>>(7)?.and_then(|g| u64::try_from(g).ok()),
        policy_digest: row.get::<_, Option<String>>(8)?.map(Arc::from),
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
         WHERE (?1 = 0 OR k.effect = 'deny') AND (?2 IS NULL OR k.tool = ?2)
           AND (?3 IS NULL OR lower(k.audience) = lower(?3)) AND d.time_ms >= ?4
         ORDER BY d.decision_id LIMIT ?5"
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
    let pruned = transaction.execute("DELETE FROM audit_log WHERE time_ms < ?1", [cutoff])?;
    transaction.execute(
        "DELETE FROM audit_texts
         WHERE id NOT IN (SELECT request FROM audit_log)
           AND id NOT IN (SELECT result FROM audit_log)
           AND id NOT IN (SELECT policy_digest FROM audit_log WHERE policy_digest IS NOT NULL)",
        [],
    )?;
    transaction.execute("DELETE FROM audit_kinds WHERE id NOT IN (SELECT kind FROM audit_log)", [])?;
    transaction.commit()?;
    Ok(pruned)
}

#[cfg(test)]
mod tests;
