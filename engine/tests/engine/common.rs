//! Compiling homes from JSON for the policy tests.

use std::path::Path;

use netclaw_engine::{
    AuthorizeRequest, CompileError, CompiledPolicy, Decision, HardDenyRule, HardDenyRules, HomeConfig, HomeFiles,
    ProtectedPaths,
};
use serde_json::{Value, json};

pub const HOME: &str = "/home/agent/.netclaw";

pub fn try_compile(netclaw: &Value, approvals: Option<&Value>) -> Result<CompiledPolicy, CompileError> {
    try_compile_at(Path::new(HOME), netclaw, approvals)
}

/// Compiles with the netclaw home at `home` (for tests that need real files).
pub fn try_compile_at(home: &Path, netclaw: &Value, approvals: Option<&Value>) -> Result<CompiledPolicy, CompileError> {
    let mut files = HomeFiles::empty().with_netclaw(netclaw.to_string());
    if let Some(approvals) = approvals {
        files = files.with_tool_approvals(approvals.to_string());
    }
    let loaded = HomeConfig::load(&files, &[]);
    CompiledPolicy::compile(&loaded, ProtectedPaths::new(home, Some(Path::new("/home/agent"))))
}

pub fn compile(netclaw: &Value, approvals: Option<&Value>) -> CompiledPolicy {
    match try_compile(netclaw, approvals) {
        Ok(policy) => policy,
        Err(err) => panic!("does not compile: {err}: {:?}", err.diagnostics()),
    }
}

pub fn example(name: &str) -> CompiledPolicy {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples").join(name).join("config");
    let read =
        |file: &str| std::fs::read_to_string(dir.join(file)).ok().and_then(|t| serde_json::from_str::<Value>(&t).ok());
    compile(&read("netclaw.json").unwrap_or(json!({})), read("tool-approvals.json").as_ref())
}

pub fn request(value: Value) -> AuthorizeRequest {
    serde_json::from_value(value).unwrap_or_else(|e| panic!("bad request: {e}"))
}

pub fn decide(policy: &CompiledPolicy, value: Value) -> Decision {
    policy.authorize(&request(value))
}

/// The user's rules every shell corpus case runs with (see the corpus files' headers).
pub fn corpus_rules() -> HardDenyRules {
    let patterns = ["docker rm", "kubectl delete namespace", "terraform destroy"].map(str::to_owned);
    let overrides: Vec<HardDenyRule> = serde_json::from_str(
        r#"[{"verb": ["git", "push"], "argFlags": ["--force", "-f"], "reason": "force-push rewrites history"}]"#,
    )
    .unwrap();
    HardDenyRules::new(&patterns, &overrides)
}

/// cvc5, or `None` with the reason printed; with `CI_REQUIRE_CVC5` set a missing
/// solver fails the test, so CI never passes a proof test by skipping it.
pub fn prover() -> Option<netclaw_engine::Prover> {
    match netclaw_engine::Prover::start(std::time::Duration::from_secs(60)) {
        Ok(prover) => Some(prover),
        Err(err) if std::env::var_os("CI_REQUIRE_CVC5").is_none() => {
            eprintln!("skipped: {err}");
            None
        }
        Err(err) => panic!("CI_REQUIRE_CVC5 is set and {err}"),
    }
}

/// A question as a Cedar request in JSON, with every context attribute the schema
/// declares: what the `cedar` CLI is given, written here independently of netclaw.
pub fn full_request_json(question: &netclaw_engine::Question<'_>) -> Value {
    // `server/tool` with both parts is an MCP tool; `/` alone is a first-party name.
    let (entity_type, server) = match question.tool.split_once('/').filter(|(s, t)| !s.is_empty() && !t.is_empty()) {
        Some((server, _)) => ("Netclaw::McpTool", server),
        None => ("Netclaw::Tool", ""),
    };
    let audience = question.audience.map_or("invalid", netclaw_engine::Audience::as_str);
    json!({
        "principal": format!("Netclaw::Audience::{audience:?}"),
        "action": format!("Netclaw::Action::{:?}", question.action.id()),
        "resource": format!("{entity_type}::{:?}", question.tool),
        "context": {
            "tool": question.tool,
            "server": {"__entity": {"type": "Netclaw::McpServer", "id": server}},
            "interactive": question.interactive,
            "approvedAlways": question.approved_always,
            "hardDeny": {
                "operation": question.hard_deny == Some(netclaw_engine::Layer::OperationHardDeny),
                "resource": question.hard_deny == Some(netclaw_engine::Layer::ResourceHardDeny),
            },
            "filePath": "",
            "inSession": false,
        }
    })
}

/// [`full_request_json`] as a Cedar request.
pub fn full_request(question: &netclaw_engine::Question<'_>) -> cedar_policy::Request {
    let json = full_request_json(question);
    let uid = |key: &str| json[key].as_str().unwrap().parse::<cedar_policy::EntityUid>().unwrap();
    let context = cedar_policy::Context::from_json_value(json["context"].clone(), None).unwrap();
    cedar_policy::Request::new(uid("principal"), uid("action"), uid("resource"), context, None).unwrap()
}
