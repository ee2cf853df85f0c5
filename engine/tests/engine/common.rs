//! Compiling homes from JSON for the policy tests.

use std::path::Path;

use netclaw_engine::config::HardDenyRule;
use netclaw_engine::hard_deny::HardDenyRules;
use netclaw_engine::home::{FileRead, HomeFiles, WebhookDir};
use netclaw_engine::paths::ProtectedPaths;
use netclaw_engine::policy::{CompileError, CompiledPolicy};
use netclaw_engine::{AuthorizeRequest, Decision, HomeConfig};
use serde_json::{Value, json};

pub const HOME: &str = "/home/agent/.netclaw";

fn text(value: Option<&Value>) -> FileRead {
    value.map_or(FileRead::Missing, |v| FileRead::Text(v.to_string()))
}

pub fn try_compile(netclaw: &Value, approvals: Option<&Value>) -> Result<CompiledPolicy, CompileError> {
    try_compile_at(Path::new(HOME), netclaw, approvals)
}

/// Compiles with the netclaw home at `home` (for tests that need real files).
pub fn try_compile_at(home: &Path, netclaw: &Value, approvals: Option<&Value>) -> Result<CompiledPolicy, CompileError> {
    let files = HomeFiles {
        home_problem: None,
        netclaw: text(Some(netclaw)),
        secrets: FileRead::Missing,
        tool_approvals: text(approvals),
        hard_deny_overrides: FileRead::Missing,
        webhooks: WebhookDir::Missing,
    };
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
