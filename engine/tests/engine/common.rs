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
