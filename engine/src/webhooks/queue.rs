//! The durable delivery queue: an accepted webhook is a row in `netclaw.db` before
//! its 202 is sent, so nothing a sender was told we have is lost, `kill -9` included.
//!
//! One writer thread owns the write connection and commits in groups: it takes every
//! delivery waiting, inserts them in one transaction, commits (one fsync for the
//! group), and only then answers each request. Under load the groups grow and the
//! fsyncs per delivery fall; at low rates a group is one delivery and nothing waits
//! for a timer.

use std::time::{SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use rusqlite::{Connection, params};
use serde::Serialize;
use tokio::sync::{mpsc, oneshot};

use crate::home::Home;
use crate::store::{self, StoreError};

/// Deliveries waiting for the writer at most; past it, requests wait their turn.
const BACKLOG: usize = 8192;
/// Deliveries in one transaction at most.
const GROUP: usize = 1024;

/// A delivery that passed every stage, on its way to the queue.
#[derive(Debug, Clone)]
pub(crate) struct NewDelivery {
    pub route: String,
    pub audience: &'static str,
    pub event: Option<String>,
    pub delivery_id: Option<String>,
    pub body: Bytes,
    pub received_ms: i64,
}

type Job = (NewDelivery, oneshot::Sender<Result<i64, String>>);

/// The handle requests enqueue through; dropping every handle stops the writer after
/// it has committed what it was given.
#[derive(Debug, Clone)]
pub(crate) struct DeliveryQueue {
    jobs: mpsc::Sender<Job>,
}

impl DeliveryQueue {
    /// Opens the home's database and starts the writer thread.
    pub(crate) fn open(home: &Home) -> Result<(Self, std::thread::JoinHandle<()>), StoreError> {
        let connection = store::open(home)?;
        let (jobs, waiting) = mpsc::channel(BACKLOG);
        let writer = std::thread::Builder::new()
            .name("netclaw-queue-writer".to_owned())
            .spawn(move || write_groups(connection, waiting))
            .map_err(|e| StoreError::Open { path: home.path(store::DATABASE), reason: e.to_string() })?;
        Ok((Self { jobs }, writer))
    }

    /// Commits `delivery`; returns its queue id once it is on disk.
    pub(crate) async fn enqueue(&self, delivery: NewDelivery) -> Result<i64, String> {
        let (reply, committed) = oneshot::channel();
        self.jobs.send((delivery, reply)).await.map_err(|_| "the queue writer has stopped".to_owned())?;
        committed.await.map_err(|_| "the queue writer has stopped".to_owned())?
    }
}

fn write_groups(mut connection: Connection, mut waiting: mpsc::Receiver<Job>) {
    let mut group = Vec::with_capacity(GROUP);
    while waiting.blocking_recv().map(|job| group.push(job)).is_some() {
        while group.len() < GROUP {
            match waiting.try_recv() {
                Ok(job) => group.push(job),
                Err(_) => break,
            }
        }
        match commit(&mut connection, &group) {
            Ok(ids) => {
                for ((_, reply), id) in group.drain(..).zip(ids) {
                    let _ = reply.send(Ok(id));
                }
            }
            Err(err) => {
                for (_, reply) in group.drain(..) {
                    let _ = reply.send(Err(err.to_string()));
                }
            }
        }
    }
}

fn commit(connection: &mut Connection, group: &[Job]) -> rusqlite::Result<Vec<i64>> {
    let transaction = connection.transaction()?;
    let mut ids = Vec::with_capacity(group.len());
    {
        let mut insert = transaction.prepare_cached(
            "INSERT INTO webhook_deliveries (route, audience, event, delivery_id, body, received_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?;
        for (d, _) in group {
            insert.execute(params![d.route, d.audience, d.event, d.delivery_id, &d.body[..], d.received_ms])?;
            ids.push(transaction.last_insert_rowid());
        }
    }
    transaction.commit()?;
    Ok(ids)
}

/// One row of the queue, as `webhooks deliveries` lists it (the body is not shown:
/// it is the sender's data, and may be large).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct QueuedDelivery {
    pub id: i64,
    pub route: String,
    pub audience: String,
    pub event: Option<String>,
    pub delivery_id: Option<String>,
    pub body_bytes: i64,
    pub received_ms: i64,
    pub state: String,
}

/// Deliveries in the queue, oldest first, optionally for one route and since a time.
pub fn deliveries(home: &Home, route: Option<&str>, since_ms: Option<i64>) -> Result<Vec<QueuedDelivery>, StoreError> {
    let Some(connection) = store::open_existing(home)? else {
        return Ok(Vec::new());
    };
    let mut query = connection.prepare(
        "SELECT id, route, audience, event, delivery_id, length(body), received_ms, state
         FROM webhook_deliveries
         WHERE (?1 IS NULL OR route = ?1) AND received_ms >= ?2
         ORDER BY id",
    )?;
    let rows = query.query_map(params![route, since_ms.unwrap_or(0)], |row| {
        Ok(QueuedDelivery {
            id: row.get(0)?,
            route: row.get(1)?,
            audience: row.get(2)?,
            event: row.get(3)?,
            delivery_id: row.get(4)?,
            body_bytes: row.get(5)?,
            received_ms: row.get(6)?,
            state: row.get(7)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Pending deliveries: the queue depth `daemon status` reports.
pub(crate) fn depth(connection: &Connection) -> Result<i64, StoreError> {
    Ok(connection.query_row("SELECT count(*) FROM webhook_deliveries WHERE state = 'pending'", [], |r| r.get(0))?)
}

/// Delivery ids accepted since `since_ms`, so duplicates are still caught after a restart.
pub(crate) fn recent_delivery_ids(
    connection: &Connection,
    since_ms: i64,
) -> Result<Vec<(String, String, i64)>, StoreError> {
    let mut query = connection.prepare(
        "SELECT route, delivery_id, received_ms FROM webhook_deliveries
         WHERE delivery_id IS NOT NULL AND received_ms >= ?1 ORDER BY id",
    )?;
    let rows = query.query_map([since_ms], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Milliseconds since the Unix epoch.
pub(crate) fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}
