//! The human side of the approval gate. An interactive call that needs approval waits
//! in the daemon until an approver answers it (`GET /v1/approvals`, `POST
//! /v1/approvals/{id}`, `netclaw approvals pending|answer`) or `Approvals.TimeoutSeconds`
//! pass, which is a deny. Headless calls never get here: no one could answer them, so
//! the policy denies them at once.
//!
//! An answer never outranks the policy: an approved call is decided again under the
//! config in force when the answer arrives, and only the approval gate is lifted. A
//! config changed meanwhile to deny the call still denies it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::sync::oneshot;

use crate::config::Audience;
use crate::decision::{AuthorizeRequest, Decision, Effect, Layer, Outcome, Ruling};
use crate::policy::{CompiledPolicy, Grant, GrantRefusal, SessionGrants, new_decision_id, unanswered};
use crate::reason::ReasonCode;
use crate::timestamp::rfc3339;

/// What an approver can say (REFERENCE: approval gate).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, strum::Display, strum::EnumString, strum::VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Answer {
    ApproveOnce,
    /// The same call again, in the same agent session, runs without asking.
    ApproveSession,
    /// Written to `tool-approvals.json`: the same call again, in the same working
    /// directory, runs without asking until the entry is revoked.
    ApproveAlways,
    Deny,
}

/// A call waiting for an answer, as an approver sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PendingApproval {
    /// What `POST /v1/approvals/{id}` and `netclaw approvals answer` take.
    pub id: String,
    /// The `approval_required` decision in the audit log.
    pub decision_id: String,
    pub tool: String,
    pub audience: Option<Audience>,
    pub channel: String,
    pub session_id: Option<String>,
    pub working_directory: Option<String>,
    /// What would run: the command, or the arguments as JSON, secrets masked.
    pub asks: String,
    /// Why it needs approval (the decision's message).
    pub why: String,
    pub requested_at: String,
    pub expires_at: String,
    /// The answers this call can take.
    pub answers: Vec<Answer>,
    /// Why only `approve_once` and `deny` are offered, when that is so.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub only_once_because: Option<String>,
}

/// What an answer did: the decision the waiting call got.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Answered {
    pub id: String,
    pub answer: Answer,
    pub tool: String,
    pub decision: Decision,
}

struct Waiting {
    view: PendingApproval,
    request: AuthorizeRequest,
    gated: Decision,
    reply: oneshot::Sender<Decision>,
}

/// Why an answer was not taken.
#[derive(Debug, thiserror::Error)]
pub(crate) enum AnswerError {
    #[error("no approval `{0}` is waiting (it was answered, timed out, or its caller went away)")]
    NotFound(String),
    #[error("`{answer}` is not available for this call: {why}")]
    Unavailable { answer: Answer, why: String },
    #[error("the approval could not be saved, so the call is still waiting: {0}")]
    Write(String),
}

impl AnswerError {
    pub(crate) fn code(&self) -> &'static str {
        match self {
            Self::NotFound(_) => "approvals.not_found",
            Self::Unavailable { .. } => "approvals.answer_unavailable",
            Self::Write(_) => "approvals.write",
        }
    }
}

/// The calls waiting for an answer, and the `approve_session` answers given so far.
#[derive(Default)]
pub(crate) struct PendingApprovals {
    waiting: Mutex<HashMap<String, Waiting>>,
    /// By channel and `sessionId`; shared out, never locked across a decision: every
    /// call reads this map.
    sessions: Mutex<HashMap<(String, String), Arc<SessionGrants>>>,
}

/// Calls that may wait at once; past it a gated call is denied rather than held, so a
/// flood of them costs connections, not memory without bound.
const MAX_WAITING: usize = 1024;

impl std::fmt::Debug for PendingApprovals {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let waiting = self.waiting.lock().map(|w| w.len()).unwrap_or(0);
        f.debug_struct("PendingApprovals").field("waiting", &waiting).finish_non_exhaustive()
    }
}

impl PendingApprovals {
    /// Decides a call, counting the `approve_session` answers of its session.
    pub(crate) fn decide(&self, policy: &CompiledPolicy, request: &AuthorizeRequest) -> Decision {
        let grants = session_key(request).and_then(|key| {
            let sessions = self.sessions.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            sessions.get(&key).cloned()
        });
        match grants {
            Some(grants) => policy.authorize_in_session(request, &grants),
            None => policy.authorize(request),
        }
    }

    /// Puts a gated call on the list; the receiver gets the decision once it is
    /// answered. `Err`: too many calls wait already, and this one is denied.
    pub(crate) fn open(
        &self,
        policy: &CompiledPolicy,
        request: AuthorizeRequest,
        gated: Decision,
        timeout: Duration,
    ) -> Result<(String, oneshot::Receiver<Decision>), Box<Decision>> {
        let id = approval_id();
        if self.lock().len() >= MAX_WAITING {
            let why = format!("{MAX_WAITING} calls already wait for an approver");
            return Err(Box::new(not_approved(&gated, &request.tool, &id, ReasonCode::ApprovalTimedOut, &why)));
        }
        let now = crate::webhooks::now_ms();
        let refusal = policy.grant_for(&request, "").err();
        let mut answers = vec![Answer::ApproveOnce];
        if refusal.is_none() {
            if request.session_id.is_some() {
                answers.push(Answer::ApproveSession);
            }
            answers.push(Answer::ApproveAlways);
        }
        answers.push(Answer::Deny);
        let view = PendingApproval {
            id: id.clone(),
            decision_id: gated.decision_id.clone(),
            tool: printable(&request.tool),
            audience: gated.audience,
            channel: printable(&request.channel),
            session_id: request.session_id.as_deref().map(printable),
            working_directory: request.working_directory.as_deref().map(printable),
            asks: printable(&asks(&request)),
            why: printable(&gated.message),
            requested_at: rfc3339(now),
            expires_at: rfc3339(now.saturating_add(i64::try_from(timeout.as_millis()).unwrap_or(i64::MAX))),
            answers,
            only_once_because: refusal.map(|r| r.to_string()),
        };
        let (reply, receiver) = oneshot::channel();
        self.lock().insert(id.clone(), Waiting { view, request, gated, reply });
        Ok((id, receiver))
    }

    /// Every call waiting, oldest first.
    pub(crate) fn list(&self) -> Vec<PendingApproval> {
        let mut views: Vec<PendingApproval> = self.lock().values().map(|w| w.view.clone()).collect();
        views.sort_by(|a, b| (&a.requested_at, &a.id).cmp(&(&b.requested_at, &b.id)));
        views
    }

    /// Takes the call off the list: whoever takes it decides it (an answer or the timeout).
    fn take(&self, id: &str) -> Option<Waiting> {
        self.lock().remove(id)
    }

    fn put_back(&self, waiting: Waiting) {
        self.lock().insert(waiting.view.id.clone(), waiting);
    }

    /// Takes the call off the list when it timed out (`why`) or its caller went away;
    /// the decision then, if it was still waiting.
    pub(crate) fn expire(&self, id: &str, why: &str) -> Option<Decision> {
        let waiting = self.take(id)?;
        Some(unanswered_decision(&waiting, ReasonCode::ApprovalTimedOut, why))
    }

    /// Answers the call `id` under `policy`, the generation in force; `persist` writes
    /// an `approve_always` answer to the store. The decision also goes to the caller
    /// that is waiting. A failed answer leaves the call waiting, to be answered again.
    /// Returns the request with what was decided, for the audit log.
    pub(crate) fn answer(
        &self,
        id: &str,
        answer: Answer,
        by: &str,
        policy: &CompiledPolicy,
        persist: impl FnOnce(&Grant) -> Result<(), String>,
    ) -> Result<(Answered, AuthorizeRequest), AnswerError> {
        let waiting = self.take(id).ok_or_else(|| AnswerError::NotFound(id.to_owned()))?;
        let cited = format!("approval {id} ({answer} by {by})");
        let offered = waiting.view.answers.contains(&answer);
        let unavailable = |why: String| AnswerError::Unavailable { answer, why };
        let decided = match answer {
            Answer::Deny => Ok(unanswered_decision(&waiting, ReasonCode::ApprovalDenied, &cited)),
            _ if !offered => Err(unavailable(waiting.view.only_once_because.clone().unwrap_or_else(|| {
                "the call carries no `sessionId`, so there is no session to remember it for".to_owned()
            }))),
            Answer::ApproveOnce => Ok(self.approved(policy, &waiting, &cited)),
            Answer::ApproveSession => {
                self.remember_for_session(policy, &waiting, &cited).map_err(|r| unavailable(r.to_string()))
            }
            // This call is decided under the generation it arrived in; the reload that
            // follows the write is what the next call sees.
            Answer::ApproveAlways => match grant(policy, &waiting) {
                Err(refusal) => Err(unavailable(refusal.to_string())),
                Ok(grant) => {
                    persist(&grant).map(|()| self.approved(policy, &waiting, &cited)).map_err(AnswerError::Write)
                }
            },
        };
        match decided {
            Ok(decision) => {
                // The caller may have gone away; the answer stands all the same.
                let _ = waiting.reply.send(decision.clone());
                let tool = waiting.request.tool.clone();
                Ok((Answered { id: id.to_owned(), answer, tool, decision }, waiting.request))
            }
            Err(err) => {
                self.put_back(waiting);
                Err(err)
            }
        }
    }

    fn remember_for_session(
        &self,
        policy: &CompiledPolicy,
        waiting: &Waiting,
        cited: &str,
    ) -> Result<Decision, GrantRefusal> {
        let grant = grant(policy, waiting)?;
        let Some(session) = session_key(&waiting.request) else { return Err(GrantRefusal::NothingToApprove) };
        let mut sessions = self.sessions.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        Arc::make_mut(sessions.entry(session).or_default()).add(grant, cited);
        drop(sessions);
        Ok(self.approved(policy, waiting, cited))
    }

    /// The call decided again now, with the approval gate lifted by this answer.
    fn approved(&self, policy: &CompiledPolicy, waiting: &Waiting, cited: &str) -> Decision {
        let now = self.decide(policy, &waiting.request);
        if now.decision != Effect::ApprovalRequired {
            // Allowed by what was just remembered, or denied by a config changed meanwhile.
            return now;
        }
        let mut sources = now.sources.clone();
        sources.push(cited.to_owned());
        let audience = now.audience.map_or("an invalid audience", Audience::as_str);
        Decision::new(Ruling {
            decision: Effect::Allow,
            outcome: Outcome::Allowed,
            layer: Layer::ApprovalGate,
            reason_code: None,
            message: format!("{audience} may use `{}`: {cited}", waiting.request.tool),
            sources,
            remediation: None,
            ..Ruling::clone(&now)
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Waiting>> {
        self.waiting.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// What the answer grants beyond this call, dated now.
fn grant(policy: &CompiledPolicy, waiting: &Waiting) -> Result<Grant, GrantRefusal> {
    policy.grant_for(&waiting.request, &rfc3339(crate::webhooks::now_ms()))
}

/// A gated call denied by an approver or by the clock.
fn unanswered_decision(waiting: &Waiting, reason: ReasonCode, by: &str) -> Decision {
    not_approved(&waiting.gated, &waiting.request.tool, &waiting.view.id, reason, by)
}

/// The `gated` decision of approval `id` turned into a deny for `reason`.
pub(crate) fn not_approved(gated: &Decision, tool: &str, id: &str, reason: ReasonCode, by: &str) -> Decision {
    let (message, remediation) = unanswered(reason, tool);
    let mut sources = gated.sources.clone();
    sources.push(format!("approval {id}"));
    Decision::new(Ruling {
        decision: Effect::Deny,
        outcome: Outcome::Denied,
        layer: Layer::ApprovalGate,
        reason_code: Some(reason),
        message: format!("{message} ({by})"),
        sources,
        remediation: Some(remediation),
        ..Ruling::clone(gated)
    })
}

/// What the approver is asked to allow, secrets masked.
fn asks(request: &AuthorizeRequest) -> String {
    let text = match request.arguments.get("command").and_then(|c| c.as_str()) {
        Some(command) if request.tool == crate::config::SHELL_TOOL => command.to_owned(),
        _ => serde_json::to_string(&request.arguments).unwrap_or_default(),
    };
    crate::redaction::redact(&text).into_owned()
}

/// An `approve_session` answer holds for the same channel and `sessionId` only.
fn session_key(request: &AuthorizeRequest) -> Option<(String, String)> {
    request.session_id.clone().map(|id| (request.channel.to_ascii_lowercase(), id))
}

/// Text as an approver's terminal must show it: control characters (`\r`, escape
/// sequences that erase a line) and bidirectional overrides written out as `\u{…}`,
/// so what is displayed is what would run.
fn printable(text: &str) -> String {
    let hidden = |c: char| {
        c.is_control() || matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    };
    text.chars().map(|c| if hidden(c) { c.escape_unicode().to_string() } else { c.to_string() }).collect()
}

/// Unguessable, so knowing one id tells nothing about the next.
fn approval_id() -> String {
    let mut bytes = [0_u8; 12];
    if getrandom::fill(&mut bytes).is_err() {
        // Still unique; the token guards the routes either way.
        return format!("apr_{}", new_decision_id().trim_start_matches("dec_"));
    }
    format!("apr_{}", bytes.iter().map(|b| format!("{b:02x}")).collect::<String>())
}

#[cfg(test)]
mod tests {
    #[test]
    fn what_the_approver_reads_cannot_hide_what_runs() {
        assert_eq!(super::printable("make test"), "make test");
        assert_eq!(super::printable("rm -rf ~\r\u{1b}[2Kmake test"), "rm -rf ~\\u{d}\\u{1b}[2Kmake test");
        assert_eq!(super::printable("ls \u{202e}txt.exe"), "ls \\u{202e}txt.exe");
        assert_eq!(super::printable("grün"), "grün");
    }
}
