//! A solver's counterexample as something a user can run: an `authorize` request, the
//! facts netclaw's own analysis would have to find for it, and the policies that
//! decide it under this config.

use std::collections::HashSet;

use cedar_policy::{Authorizer, Context, Decision, Entities, EntityUid, EvalResult, PolicySet, Request, Schema};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::config::{Audience, PUBLIC_TOOLS};
use crate::policy::CompiledPolicy;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Counterexample {
    /// The Cedar action the proof was about: `invoke`, `auto_run`, `ask` or `ingress`.
    pub action: String,
    /// An `authorize` request that reproduces it.
    pub request: Value,
    /// What netclaw's analysis must also find for the request to be this one (a hard
    /// deny, a persisted approval, a path inside the session): the policies see these
    /// as facts, the request above cannot carry them.
    pub facts: Vec<String>,
    /// The policies that allow it under this config (Cedar's own evaluation).
    pub allowed_by: Vec<String>,
    /// For a comparison: how the other side decides the same call, and why.
    pub compared: Option<String>,
}

/// The solver's request, decided again by Cedar on the real policies and entities
/// (as `audience` when the proof left the principal out).
pub(super) fn render(policy: &CompiledPolicy, request: &Request, audience: Option<Audience>) -> Counterexample {
    let request = with_principal(request, audience);
    let action = request.action().map(|a| a.id().unescaped().to_owned()).unwrap_or_default();
    let (rendered, facts) = match request.context() {
        Some(context) if action == "ingress" => (ingress_request(&request, context), Vec::new()),
        Some(context) => tool_request(&request, context),
        None => (Value::Null, Vec::new()),
    };
    let (decision, policies) = decide(policy, &request);
    Counterexample {
        action,
        request: rendered,
        facts,
        allowed_by: if decision == Decision::Allow { policies } else { Vec::new() },
        compared: None,
    }
}

/// How `policy` decides the counterexample's call for another audience (or config),
/// in words: "Team: denied by team.tools.not_allowed".
pub(super) fn compare(policy: &CompiledPolicy, request: &Request, audience: Option<Audience>, side: &str) -> String {
    let request = with_principal(request, audience);
    let (decision, policies) = decide(policy, &request);
    let verdict = match decision {
        Decision::Allow => "allowed",
        Decision::Deny => "denied",
    };
    let by = if policies.is_empty() { "no policy permits it".to_owned() } else { policies.join(", ") };
    format!("{side}: {verdict} ({by})")
}

fn decide(policy: &CompiledPolicy, request: &Request) -> (Decision, Vec<String>) {
    let (set, entities) = policy.unsliced();
    let response = Authorizer::new().is_authorized(request, set, entities);
    let mut policies: Vec<String> = response.diagnostics().reason().map(ToString::to_string).collect();
    policies.sort();
    (response.decision(), policies)
}

/// The solver picks every context fact freely; a fact the counterexample does not
/// need is noise in a report. Each is turned off (and the path emptied) wherever the
/// request stays a counterexample: `side` still allows it and `bound` still does not.
/// Both sets are decided on the store the proof was pinned to.
pub(super) fn simplify(
    request: &Request,
    schema: &Schema,
    side: &PolicySet,
    bound: &PolicySet,
    store: &Entities,
) -> Request {
    let authorizer = Authorizer::new();
    let allows = |set: &PolicySet, r: &Request| authorizer.is_authorized(r, set, store).decision() == Decision::Allow;
    let holds = |r: &Request| allows(side, r) && !allows(bound, r);
    let mut current = request.clone();
    // Admission (`invoke`) does not ask whether anyone is there; shown interactive, the
    // call then reaches the gate and `authorize` answers allow or approval_required
    // rather than a headless denial that would hide the admission.
    let admission = request.action().is_some_and(|a| a.id().unescaped() == "invoke");
    let edits: [(&str, Value); 7] = [
        ("/approvedAlways", json!(false)),
        ("/inSession", json!(false)),
        ("/hardDeny/operation", json!(false)),
        ("/hardDeny/resource", json!(false)),
        ("/interactive", json!(admission)),
        ("/filePath", json!("")),
        ("/mentioned", json!(false)),
    ];
    for (pointer, value) in edits {
        let Some(candidate) = with_context_value(&current, schema, pointer, value) else { continue };
        if holds(&candidate) {
            current = candidate;
        }
    }
    current
}

/// `request` with one context value replaced (`None` when it has no such value).
fn with_context_value(request: &Request, schema: &Schema, pointer: &str, value: Value) -> Option<Request> {
    let (action, context) = (request.action()?, request.context()?);
    let mut json = context_json(context);
    *json.pointer_mut(pointer)? = value;
    let context = Context::from_json_value(json, Some((schema, action))).ok()?;
    Request::new(request.principal()?.clone(), action.clone(), request.resource()?.clone(), context, None).ok()
}

fn context_json(context: &Context) -> Value {
    fn value(result: &EvalResult) -> Value {
        match result {
            EvalResult::Bool(b) => json!(b),
            EvalResult::Long(n) => json!(n),
            EvalResult::String(s) => json!(s),
            EvalResult::EntityUid(uid) => {
                json!({"__entity": {"type": uid.type_name().to_string(), "id": uid.id().unescaped()}})
            }
            EvalResult::Record(record) => Value::Object(record.iter().map(|(k, v)| (k.clone(), value(v))).collect()),
            EvalResult::Set(set) => Value::Array(set.iter().map(value).collect()),
            EvalResult::ExtensionValue(text) => json!(text),
        }
    }
    let keys = context.clone().into_iter().map(|(key, _)| key);
    Value::Object(keys.filter_map(|key| context.get(&key).map(|v| (key, value(&v)))).collect())
}

/// The solver's request as one netclaw can be asked. A partition's store leaves out
/// other servers' tools and the tools and servers its quotient folds away, so to
/// every policy these are ones the config does not name; the solver may still pick
/// such a name, and `authorize` would take it for the real one. It is renamed to a
/// fresh name (a tool under the request's own server), which means to `authorize`
/// what it meant to the proof.
pub(super) fn realizable(
    request: &Request,
    schema: &Schema,
    store: &Entities,
    written_out: &HashSet<EntityUid>,
) -> Request {
    let known = |uid: &EntityUid| store.get(uid).is_some() || written_out.contains(uid);
    let fresh = |kind: &str, base: String| {
        let mut id = base;
        loop {
            match EntityUid::from_json(json!({"type": format!("Netclaw::{kind}"), "id": id})) {
                Ok(uid) if known(&uid) => id.push('_'),
                Ok(uid) => return Some(uid),
                Err(_) => return None,
            }
        }
    };
    let mut current = request.clone();
    if let Some(EvalResult::EntityUid(server)) = request.context().and_then(|c| c.get("server"))
        && written_out.contains(&server)
        && let Some(renamed) = fresh("McpServer", "unnamed_server".to_owned())
    {
        let value = json!({"__entity": {"type": "Netclaw::McpServer", "id": renamed.id().unescaped()}});
        current = with_context_value(&current, schema, "/server", value).unwrap_or(current);
    }
    let (Some(resource), Some(context)) = (current.resource(), current.context()) else { return current };
    let Some(EvalResult::EntityUid(server)) = context.get("server") else { return current };
    let (id, server) = (resource.id().unescaped(), server.id().unescaped());
    let foreign = id.split_once('/').is_some_and(|(prefix, _)| prefix != server);
    if resource.type_name().basename() != "McpTool" || !(foreign || written_out.contains(resource)) {
        return current;
    }
    let renamed = match (current.principal(), current.action(), fresh("McpTool", format!("{server}/unnamed_tool"))) {
        (Some(p), Some(a), Some(tool)) => Request::new(p.clone(), a.clone(), tool, context.clone(), None).ok(),
        _ => None,
    };
    renamed.unwrap_or(current)
}

/// Policies that take a shown counterexample's tool out of the next search: the tool
/// it was shown with, and the one the solver picked when [`realizable`] renamed it
/// (else the solver may pick it again, to be shown the same way). `None` without a
/// resource.
pub(super) fn seen(number: usize, picked: &Request, shown: &Request) -> Option<String> {
    let shown = shown.resource()?;
    let mut text = format!("@id(\"verify.seen.{number}\")\nforbid (principal, action, resource == {shown});\n");
    if let Some(picked) = picked.resource().filter(|picked| *picked != shown) {
        text.push_str(&format!(
            "@id(\"verify.seen.{number}.picked\")\nforbid (principal, action, resource == {picked});\n"
        ));
    }
    Some(text)
}

fn with_principal(request: &Request, audience: Option<Audience>) -> Request {
    let principal = match audience {
        Some(audience) => audience_uid(audience),
        None => request.principal().cloned(),
    };
    let rebuilt = match (principal, request.action(), request.resource(), request.context()) {
        (Some(p), Some(a), Some(r), Some(c)) => Request::new(p, a.clone(), r.clone(), c.clone(), None).ok(),
        _ => None,
    };
    rebuilt.unwrap_or_else(|| request.clone())
}

fn audience_uid(audience: Audience) -> Option<EntityUid> {
    format!("Netclaw::Audience::\"{}\"", audience.as_str()).parse().ok()
}

fn tool_request(request: &Request, context: &Context) -> (Value, Vec<String>) {
    let id = |uid: Option<&EntityUid>| uid.map(|u| u.id().unescaped().to_owned()).unwrap_or_default();
    let server = match context.get("server") {
        Some(EvalResult::EntityUid(uid)) => uid.id().unescaped().to_owned(),
        _ => String::new(),
    };
    let resource = id(request.resource());
    // A tool the config does not name has whatever id the solver picked; netclaw
    // spells MCP tools `server/tool`.
    let tool = match request.resource().map(|r| r.type_name().basename()) {
        Some("McpTool") if !resource.contains('/') => format!("{server}/{}", non_empty(&resource, "any_tool")),
        _ => non_empty(&resource, "any_tool").to_owned(),
    };
    let mut out = Map::new();
    out.insert("channel".into(), json!("headless"));
    out.insert("audience".into(), json!(id(request.principal())));
    out.insert("interactive".into(), json!(flag(context, &["interactive"])));
    out.insert("tool".into(), json!(tool));
    if let Some(EvalResult::String(path)) =
        context.get("filePath").filter(|p| !matches!(p, EvalResult::String(s) if s.is_empty()))
    {
        out.insert("arguments".into(), json!({"path": path}));
    }
    let facts = [
        (&["hardDeny", "operation"][..], "netclaw's shell analysis hard-denies the call"),
        (&["hardDeny", "resource"][..], "the call touches a protected path"),
        (&["approvedAlways"][..], "a persisted \"approve always\" in tool-approvals.json covers the call"),
        (&["inSession"][..], "the file path is inside the session's own directory"),
    ];
    let mut facts: Vec<String> =
        facts.iter().filter(|(path, _)| flag(context, path)).map(|(_, fact)| (*fact).to_owned()).collect();
    // The gate's questions come after admission: the call above may be denied by
    // `invoke` before the answer here matters.
    match request.action().map(|a| a.id().unescaped().to_owned()).as_deref() {
        Some("auto_run") => facts.push(
            "about running the call without asking; whether it is admitted at all is `invoke`, a separate question"
                .into(),
        ),
        Some("ask") => facts
            .push("about asking a human; whether the call is admitted at all is `invoke`, a separate question".into()),
        _ => {}
    }
    (Value::Object(out), facts)
}

/// An ingress counterexample as the Slack part of a request (the channel ACL is
/// decided before the tool).
fn ingress_request(request: &Request, context: &Context) -> Value {
    let id = |uid: Option<&EntityUid>| uid.map(|u| u.id().unescaped().to_owned()).unwrap_or_default();
    json!({
        "channel": "slack",
        "slack": {
            "channelId": id(request.resource()),
            "userId": id(request.principal()),
            "isDm": flag(context, &["isDm"]),
            "mentioned": flag(context, &["mentioned"]),
        },
        "tool": PUBLIC_TOOLS.first().copied().unwrap_or("file_read"),
    })
}

fn flag(context: &Context, path: &[&str]) -> bool {
    let Some((first, rest)) = path.split_first() else { return false };
    let mut value = context.get(first);
    for key in rest {
        value = match value {
            Some(EvalResult::Record(record)) => record.get(key).cloned(),
            _ => None,
        };
    }
    matches!(value, Some(EvalResult::Bool(true)))
}

fn non_empty<'a>(text: &'a str, fallback: &'a str) -> &'a str {
    if text.is_empty() { fallback } else { text }
}
