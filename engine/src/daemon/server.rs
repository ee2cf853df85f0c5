//! The HTTP surface (CONTRACT.md §3) on warp: the webhook ingress, the decision API,
//! the approvals API and a liveness probe. Every answer is JSON; none carries a
//! secret, a stack trace, or which part of a signature failed.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use bytes::{Buf, Bytes, BytesMut};
use futures_util::{Stream, StreamExt};
use serde::Serialize;
use warp::http::{HeaderMap, HeaderValue, StatusCode};
use warp::reply::Response;
use warp::{Filter, Rejection, Reply};

use super::approvals::{Answer, AnswerError, not_approved};
use super::generation::Generation;
use super::{Shared, reload};
use crate::approvals::persist;
use crate::audit::AuditEntry;
use crate::decision::{AuthorizeRequest, Decision, Effect};
use crate::reason::ReasonCode;
use crate::webhooks::{Outcome, now_ms};

/// A decision request larger than this is not a tool call.
const MAX_AUTHORIZE_BYTES: u64 = 1 << 20;
/// An answer is a word and a name.
const MAX_ANSWER_BYTES: u64 = 4096;
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
        .and(with_shared.clone())
        .and(warp::header::headers_cloned())
        .and(warp::body::stream())
        .then(authorize);
    let pending = warp::get()
        .and(warp::path!("v1" / "approvals"))
        .and(with_shared.clone())
        .and(warp::header::headers_cloned())
        .map(|shared: Arc<Shared>, headers: HeaderMap| pending(&shared, &headers));
    let answer = warp::post()
        .and(warp::path!("v1" / "approvals" / String))
        .and(with_shared)
        .and(warp::header::headers_cloned())
        .and(warp::body::stream())
        .then(answer);
    let health = warp::get().and(warp::path!("v1" / "health")).map(|| json(StatusCode::OK, &Health { status: "ok" }));
    let approvals = pending.or(answer).unify();
    webhook.or(authorize).unify().or(approvals).unify().or(health).unify().recover(not_found).unify()
}

#[derive(Serialize)]
struct Health {
    status: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Pending {
    pending: Vec<super::PendingApproval>,
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct AnswerRequest {
    answer: Answer,
    /// Who answered, as the audit log names them.
    #[serde(default)]
    by: Option<String>,
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
    let decision = shared.approvals.decide(&generation.policy, &request);
    let text = generation.config.audit.enabled.then(|| crate::audit::request_text_of_body(&body, &request));
    record(&shared, &generation, &request, text.as_ref(), &decision);
    if decision.decision == Effect::ApprovalRequired && request.interactive {
        return json(StatusCode::OK, &wait_for_answer(shared, generation, request, text, decision).await);
    }
    json(StatusCode::OK, &decision)
}

/// `text` is the request's recorded text when the caller has it already.
fn record(
    shared: &Shared,
    generation: &Generation,
    request: &AuthorizeRequest,
    text: Option<&Arc<str>>,
    decision: &Decision,
) {
    if generation.config.audit.enabled {
        let text = text.map_or_else(|| crate::audit::request_text(request), Arc::clone);
        let digest = Some(Arc::clone(&generation.digest));
        shared.audit.record(AuditEntry::new(request, text, decision, "daemon", Some(generation.number), digest));
    }
}

/// Holds a gated interactive call until it is answered or `Approvals.TimeoutSeconds`
/// pass. Whichever takes it off the pending list decides it; a caller that goes away
/// takes it off too, so nothing can be approved for a call no one waits for.
async fn wait_for_answer(
    shared: Arc<Shared>,
    generation: Arc<Generation>,
    request: AuthorizeRequest,
    text: Option<Arc<str>>,
    gated: Decision,
) -> Decision {
    let timeout = Duration::from_secs(generation.config.approvals.timeout_seconds.into());
    let (id, mut answered) = match shared.approvals.open(&generation.policy, request.clone(), gated.clone(), timeout) {
        Ok(opened) => opened,
        Err(denied) => {
            record(&shared, &generation, &request, text.as_ref(), &denied);
            return *denied;
        }
    };
    let mut gone = CallerGone { shared: Arc::clone(&shared), generation: Arc::clone(&generation), request, text, id };
    let mut wait = timeout;
    // An answer that took the call just as the time ran out is either on its way, or
    // failed and put the call back: then it is expired on the next round.
    let decision = loop {
        match tokio::time::timeout(wait, &mut answered).await {
            Ok(answer) => {
                break answer.unwrap_or_else(|_| {
                    let lost = "the answer was lost";
                    not_approved(&gated, &gone.request.tool, &gone.id, ReasonCode::ApprovalTimedOut, lost)
                });
            }
            Err(_) => {
                if let Some(decision) = shared.approvals.expire(&gone.id, "no answer in time") {
                    record(&shared, &generation, &gone.request, gone.text.as_ref(), &decision);
                    break decision;
                }
                wait = Duration::from_millis(100);
            }
        }
    };
    gone.id.clear();
    decision
}

/// Takes a call off the pending list when its caller stops waiting (the request
/// future is dropped), and records that no one approved it.
struct CallerGone {
    shared: Arc<Shared>,
    generation: Arc<Generation>,
    request: AuthorizeRequest,
    text: Option<Arc<str>>,
    /// Empty once the call was decided.
    id: String,
}

impl Drop for CallerGone {
    fn drop(&mut self) {
        if self.id.is_empty() {
            return;
        }
        if let Some(decision) = self.shared.approvals.expire(&self.id, "the caller stopped waiting") {
            record(&self.shared, &self.generation, &self.request, self.text.as_ref(), &decision);
        }
    }
}

/// `GET /v1/approvals`: the calls waiting for an answer, for the approver only.
fn pending(shared: &Shared, headers: &HeaderMap) -> Response {
    if let Some(refused) = refuse_unless_approver(shared, headers) {
        return refused;
    }
    json(StatusCode::OK, &Pending { pending: shared.approvals.list() })
}

/// `POST /v1/approvals/{id}`: an approver's answer.
async fn answer(
    id: String,
    shared: Arc<Shared>,
    headers: HeaderMap,
    body: impl Stream<Item = Result<impl Buf, warp::Error>> + Unpin,
) -> Response {
    if let Some(refused) = refuse_unless_approver(&shared, &headers) {
        return refused;
    }
    let bad = |message: String| {
        json(StatusCode::BAD_REQUEST, &ApiError { error: ErrorBody { code: "approvals.invalid_answer", message } })
    };
    let Ok(body) = read_limited(&headers, body, MAX_ANSWER_BYTES).await else {
        return bad(format!("an answer is at most {MAX_ANSWER_BYTES} bytes of JSON"));
    };
    let asked: AnswerRequest = match serde_json::from_slice(&body) {
        Ok(asked) => asked,
        Err(err) => return bad(crate::redaction::redact(&err.to_string()).into_owned()),
    };
    let by = asked.by.unwrap_or_else(|| "the approver".to_owned());
    if by.is_empty() || by.len() > 64 || !by.chars().all(|c| c.is_alphanumeric() || " @._-".contains(c)) {
        return bad("`by` is a name: up to 64 letters, digits, spaces and `@._-`".to_owned());
    }
    let answering = Arc::clone(&shared);
    let answer = asked.answer;
    let call = id;
    // An `approve_always` answer writes the store: file I/O, off the async workers.
    let answered = tokio::task::spawn_blocking(move || {
        let generation = answering.current();
        let home = &answering.options.home;
        let persisted = |grant: &_| persist(home, grant).map_err(|err| err.to_string());
        let answered = answering.approvals.answer(&call, answer, &by, &generation.policy, persisted);
        if let Ok((answered, request)) = &answered {
            record(&answering, &generation, request, None, &answered.decision);
        }
        answered.map(|(answered, _)| answered)
    })
    .await;
    let answered = match answered {
        Ok(Ok(answered)) => answered,
        Ok(Err(err)) => return answer_error(&err),
        Err(_) => return answer_error(&AnswerError::Write("the answer could not be processed".to_owned())),
    };
    if answer == Answer::ApproveAlways {
        // The next call must see the new entry, not wait for the file watcher.
        reload(&shared).await;
    }
    json(StatusCode::OK, &answered)
}

fn answer_error(err: &AnswerError) -> Response {
    let status = match err {
        AnswerError::NotFound(_) => StatusCode::NOT_FOUND,
        AnswerError::Unavailable { .. } => StatusCode::CONFLICT,
        AnswerError::Write(_) => StatusCode::INTERNAL_SERVER_ERROR,
    };
    json(status, &ApiError { error: ErrorBody { code: err.code(), message: err.to_string() } })
}

/// 401 unless the request carries the approver's token.
fn refuse_unless_approver(shared: &Shared, headers: &HeaderMap) -> Option<Response> {
    let presented = headers.get("authorization").and_then(|value| value.to_str().ok());
    if shared.token.admits(presented) {
        return None;
    }
    let message = "answering approvals takes the approver's token (`netclaw approvals pending|answer` sends it)";
    Some(json(
        StatusCode::UNAUTHORIZED,
        &ApiError { error: ErrorBody { code: "approvals.unauthorized", message: message.into() } },
    ))
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
