//! The HTTP surface (CONTRACT.md §3) on warp: the webhook ingress, the decision API
//! and a liveness probe. Every answer is JSON; none carries a secret, a stack trace,
//! or which part of a signature failed.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use bytes::{Buf, Bytes, BytesMut};
use futures_util::{Stream, StreamExt};
use serde::Serialize;
use warp::http::{HeaderMap, HeaderValue, StatusCode};
use warp::reply::Response;
use warp::{Filter, Rejection, Reply};

use super::Shared;
use crate::audit::AuditEntry;
use crate::decision::AuthorizeRequest;
use crate::webhooks::{Outcome, now_ms};

/// A decision request larger than this is not a tool call.
const MAX_AUTHORIZE_BYTES: u64 = 1 << 20;
/// How long a body may take to arrive: a sender that dribbles bytes to hold
/// connections open is cut off.
const BODY_TIMEOUT: Duration = Duration::from_secs(10);

pub(crate) fn routes(shared: Arc<Shared>) -> impl Filter<Extract = (Response,), Error = Infallible> + Clone {
    let with_shared = warp::any().map(move || Arc::clone(&shared));
    let webhook = warp::post()
        .and(warp::path!("webhooks" / String))
        .and(with_shared.clone())
        .and(warp::header::headers_cloned())
        .and(warp::body::stream())
        .then(|name, shared, headers, body| webhook(shared, name, headers, body));
    let authorize = warp::post()
        .and(warp::path!("v1" / "authorize"))
        .and(with_shared)
        .and(warp::header::headers_cloned())
        .and(warp::body::stream())
        .then(authorize);
    let health = warp::get().and(warp::path!("v1" / "health")).map(|| json(StatusCode::OK, &Health { status: "ok" }));
    webhook.or(authorize).unify().or(health).unify().recover(not_found).unify()
}

#[derive(Serialize)]
struct Health {
    status: &'static str,
}

#[derive(Serialize)]
struct ApiError<'a> {
    error: ErrorBody<'a>,
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    code: &'a str,
    message: String,
}

async fn not_found(_: Rejection) -> Result<Response, Infallible> {
    Ok(json(
        StatusCode::NOT_FOUND,
        &ApiError { error: ErrorBody { code: "not_found", message: "no such route".into() } },
    ))
}

async fn webhook(
    shared: Arc<Shared>,
    name: String,
    headers: HeaderMap,
    body: impl Stream<Item = Result<impl Buf, warp::Error>> + Unpin,
) -> Response {
    let generation = shared.current();
    let Some(route) = generation.routes.get(&name) else {
        return outcome(Outcome::NotFound);
    };
    let body = match read_limited(&headers, body, route.max_body_bytes).await {
        Ok(body) => body,
        Err(Limit::TooLarge) => return outcome(Outcome::TooLarge),
        Err(Limit::TimedOut) => return outcome(Outcome::TimedOut),
        Err(Limit::Broken) => return outcome(Outcome::InvalidJson),
    };
    let now = u64::try_from(now_ms() / 1000).unwrap_or(0);
    let delivery = match shared.ingress.admit(&name, route, &headers, body, now) {
        Ok(delivery) => delivery,
        Err(refused) => return outcome(refused),
    };
    match shared.queue.enqueue(delivery.clone()).await {
        Ok(_) => outcome(Outcome::Accepted),
        Err(err) => {
            shared.ingress.release(&delivery);
            eprintln!("netclaw daemon: route `{name}`: the delivery was not committed: {err}");
            outcome(Outcome::Unavailable)
        }
    }
}

async fn authorize(
    shared: Arc<Shared>,
    headers: HeaderMap,
    body: impl Stream<Item = Result<impl Buf, warp::Error>> + Unpin,
) -> Response {
    let bad =
        |code: &str, message: String| json(StatusCode::BAD_REQUEST, &ApiError { error: ErrorBody { code, message } });
    let body = match read_limited(&headers, body, MAX_AUTHORIZE_BYTES).await {
        Ok(body) => body,
        Err(Limit::TooLarge) => {
            return bad("request.too_large", format!("a request is at most {MAX_AUTHORIZE_BYTES} bytes"));
        }
        Err(Limit::TimedOut) => return bad("request.timed_out", "the request body did not arrive in time".into()),
        Err(Limit::Broken) => return bad("request.unreadable", "the request body could not be read".into()),
    };
    let request: AuthorizeRequest = match serde_json::from_slice(&body) {
        Ok(request) => request,
        // serde quotes the offending value; a request can carry a credential.
        Err(err) => return bad("request.invalid", crate::redaction::redact(&err.to_string()).into_owned()),
    };
    let generation = shared.current();
    let decision = generation.policy.authorize(&request);
    if generation.config.audit.enabled {
        let digest = Some(generation.digest.clone());
        shared.audit.record(AuditEntry::new(&request, &decision, "daemon", Some(generation.number), digest));
    }
    json(StatusCode::OK, &decision)
}

enum Limit {
    TooLarge,
    TimedOut,
    Broken,
}

/// Reads the body up to `limit` bytes, counting what arrives: a declared length over
/// the limit is refused before reading, and a chunked body is cut off at the limit,
/// never buffered past it; and all of it within [`BODY_TIMEOUT`].
async fn read_limited(
    headers: &HeaderMap,
    body: impl Stream<Item = Result<impl Buf, warp::Error>> + Unpin,
    limit: u64,
) -> Result<Bytes, Limit> {
    tokio::time::timeout(BODY_TIMEOUT, read_body(headers, body, limit)).await.unwrap_or(Err(Limit::TimedOut))
}

async fn read_body(
    headers: &HeaderMap,
    mut body: impl Stream<Item = Result<impl Buf, warp::Error>> + Unpin,
    limit: u64,
) -> Result<Bytes, Limit> {
    let declared = headers.get("content-length").and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|length| length > limit) {
        return Err(Limit::TooLarge);
    }
    let mut read = BytesMut::with_capacity(usize::try_from(declared.unwrap_or(0).min(limit)).unwrap_or(0));
    while let Some(chunk) = body.next().await {
        let mut chunk = chunk.map_err(|_| Limit::Broken)?;
        if (read.len() + chunk.remaining()) as u64 > limit {
            return Err(Limit::TooLarge);
        }
        while chunk.has_remaining() {
            let part = chunk.chunk();
            read.extend_from_slice(part);
            let taken = part.len();
            chunk.advance(taken);
        }
    }
    Ok(read.freeze())
}

fn outcome(outcome: Outcome) -> Response {
    let status = StatusCode::from_u16(outcome.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = json(status, &outcome.body());
    if let Outcome::RateLimited { retry_after_seconds } = outcome
        && let Ok(value) = HeaderValue::from_str(&retry_after_seconds.to_string())
    {
        response.headers_mut().insert("retry-after", value);
    }
    response
}

fn json<T: Serialize>(status: StatusCode, body: &T) -> Response {
    warp::reply::with_status(warp::reply::json(body), status).into_response()
}
