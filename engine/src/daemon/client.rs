//! The approver's side of the approvals API, for `netclaw approvals pending|answer`:
//! the home's running daemon, found by the status row it keeps, asked over HTTP with
//! the approver's token. One request per connection; the daemon's answers are small.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::approvals::{Answer, Answered, PendingApproval};
use super::approver_token::{ApproverToken, TOKEN_FILE};
use crate::home::Home;

/// Long enough for an `approve_always` answer, which writes the store and recompiles.
const CALL_TIMEOUT: Duration = Duration::from_secs(30);
/// No answer of the approvals API is anywhere near this.
const MAX_RESPONSE_BYTES: u64 = 16 << 20;

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("no daemon is running for this home (`netclaw daemon start`)")]
    NotRunning,
    #[error("cannot read the approver's token `{TOKEN_FILE}`: {0}")]
    Token(String),
    #[error("cannot reach the daemon at {address}: {reason}")]
    Unreachable { address: String, reason: String },
    #[error("{message}")]
    Refused { status: u16, code: String, message: String },
}

impl ClientError {
    /// The daemon's own code for a refusal, else a stable code of the client's.
    pub fn code(&self) -> &str {
        match self {
            Self::NotRunning => "daemon.not_running",
            Self::Token(_) => "approvals.token",
            Self::Unreachable { .. } => "daemon.unreachable",
            Self::Refused { code, .. } => code,
        }
    }
}

/// The calls waiting for an approver, oldest first.
pub fn pending_approvals(home: &Home) -> Result<Vec<PendingApproval>, ClientError> {
    #[derive(Deserialize)]
    struct Pending {
        pending: Vec<PendingApproval>,
    }
    call::<Pending>(home, "GET", "/v1/approvals", None).map(|listing| listing.pending)
}

/// Answers approval `id`; the decision the waiting call got.
pub fn answer_approval(home: &Home, id: &str, answer: Answer, by: Option<&str>) -> Result<Answered, ClientError> {
    let body = serde_json::json!({ "answer": answer, "by": by }).to_string();
    // Ids are `apr_` and hex: anything else cannot name one, and must not reach the path.
    if id.is_empty() || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        let message = format!("no approval `{id}` is waiting (`netclaw approvals pending` lists them)");
        return Err(ClientError::Refused { status: 404, code: "approvals.not_found".to_owned(), message });
    }
    call(home, "POST", &format!("/v1/approvals/{id}"), Some(&body))
}

fn call<T: DeserializeOwned>(home: &Home, method: &str, path: &str, body: Option<&str>) -> Result<T, ClientError> {
    let status = super::status(home).map_err(|_| ClientError::NotRunning)?;
    let address = status.address.filter(|_| status.running).ok_or(ClientError::NotRunning)?;
    let token = ApproverToken::read(home).map_err(|err| ClientError::Token(err.to_string()))?;
    let unreachable =
        |reason: std::io::Error| ClientError::Unreachable { address: address.clone(), reason: reason.to_string() };
    let target: SocketAddr = address.parse().map_err(|_| ClientError::NotRunning)?;
    let mut stream = TcpStream::connect_timeout(&target, CALL_TIMEOUT).map_err(unreachable)?;
    stream.set_read_timeout(Some(CALL_TIMEOUT)).map_err(unreachable)?;
    let body = body.unwrap_or_default();
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\nAuthorization: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        token.header(),
        body.len(),
    );
    stream.write_all(request.as_bytes()).map_err(unreachable)?;
    let mut raw = Vec::new();
    stream.take(MAX_RESPONSE_BYTES).read_to_end(&mut raw).map_err(unreachable)?;
    let (code, text) = parse_response(&raw).ok_or_else(|| unreachable(std::io::Error::other("not an HTTP answer")))?;
    if code == 200 {
        return serde_json::from_str(text).map_err(|err| unreachable(std::io::Error::other(err.to_string())));
    }
    Err(refusal(code, text))
}

/// The status and body of a response with a known length (warp's JSON replies).
fn parse_response(raw: &[u8]) -> Option<(u16, &str)> {
    let text = std::str::from_utf8(raw).ok()?;
    let (head, body) = text.split_once("\r\n\r\n")?;
    let status = head.lines().next()?.split(' ').nth(1)?.parse().ok()?;
    Some((status, body))
}

fn refusal(status: u16, body: &str) -> ClientError {
    #[derive(Deserialize)]
    struct ApiError {
        error: ErrorBody,
    }
    #[derive(Deserialize)]
    struct ErrorBody {
        code: String,
        message: String,
    }
    match serde_json::from_str::<ApiError>(body) {
        Ok(ApiError { error }) => ClientError::Refused { status, code: error.code, message: error.message },
        Err(_) => ClientError::Refused {
            status,
            code: "daemon.error".to_owned(),
            message: format!("the daemon answered {status}"),
        },
    }
}
