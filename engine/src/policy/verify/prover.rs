//! The solver, as the proofs use it: cvc5 in a child process behind symcc.
//!
//! Never a silent pass: without a solver there is no `Prover`, and every caller has
//! to say so (exit 70, a doctor warning).

use std::path::PathBuf;
use std::time::Duration;

use cedar_policy::{Context, Entities, EntityUid, Policy, PolicySet, Request, RequestEnv, Schema};
use cedar_policy_symcc::solver::LocalSolver;
use cedar_policy_symcc::{CedarSymCompiler, CompiledPolicy, CompiledPolicySet, Env, SymEnv};
use serde_json::json;
use tokio::process::Command;
use tokio::runtime::Runtime;

use super::{VerifyError, cedar_error, env_name};

/// How to install the solver, for the message that says it is missing.
pub const SOLVER_INSTALL: &str = "install cvc5 (Debian/Ubuntu: `sudo apt-get install cvc5`; Homebrew: `brew install cvc5`) or set CVC5=/path/to/cvc5";

/// A running cvc5 and symcc's compiler over netclaw's schema.
#[derive(Debug)]
pub struct Prover {
    /// Per solver query; past it the query is undecided, never passed.
    timeout: Duration,
    runtime: Runtime,
    compiler: CedarSymCompiler<LocalSolver>,
    schema: Schema,
}

impl Prover {
    /// Finds cvc5 (`$CVC5`, else `cvc5` on `PATH`) and starts it; each query gets
    /// `timeout`.
    pub fn start(timeout: Duration) -> Result<Self, VerifyError> {
        let solver = locate().ok_or(VerifyError::NoSolver)?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|err| VerifyError::Solver(err.to_string()))?;
        // Spawning registers the child with the runtime's reaper, so it happens inside it.
        let process = runtime.block_on(async {
            let limit = format!("--tlimit-per={}", timeout.as_millis().max(1));
            LocalSolver::from_command(Command::new(&solver).args(["--lang", "smt", &limit]))
        });
        let process =
            process.map_err(|err| VerifyError::Solver(format!("cannot start {}: {err}", solver.display())))?;
        let compiler = CedarSymCompiler::new(process).map_err(|err| VerifyError::Solver(err.to_string()))?;
        let schema = verification_schema()?;
        Ok(Self { timeout, runtime, compiler, schema })
    }

    /// A second solver with the same settings, for a second thread.
    pub(super) fn sibling(&self) -> Result<Prover, VerifyError> {
        Prover::start(self.timeout)
    }

    pub(super) fn schema(&self) -> &Schema {
        &self.schema
    }

    /// The request environments (one per action and principal/resource type).
    pub(super) fn envs(&self) -> Vec<RequestEnv> {
        self.schema.request_envs().collect()
    }

    /// The symbolic environment of `env` with its entity store fixed to `store`.
    pub(super) fn pinned_env(&self, env: &RequestEnv, store: &Entities) -> Result<SymEnv, VerifyError> {
        let mut symenv = SymEnv::new(&self.schema, env).map_err(|err| VerifyError::Solver(err.to_string()))?;
        let placeholder = placeholder_request(env, &self.schema)?;
        let concrete =
            SymEnv::from_concrete_env(env, &self.schema, &Env { request: placeholder, entities: store.clone() })
                .map_err(|err| VerifyError::Cedar(format!("the entity store does not fit the schema: {err}")))?;
        symenv.entities = concrete.entities;
        Ok(symenv)
    }

    pub(super) fn compile(
        &self,
        policies: &PolicySet,
        env: &RequestEnv,
        symenv: SymEnv,
    ) -> Result<CompiledPolicySet, VerifyError> {
        deep(|| CompiledPolicySet::compile_with_custom_symenv(policies, env, &self.schema, symenv).map_err(Box::new))
            .map_err(|e| self.error(e))
    }

    /// A request `allowed` allows and `bound` does not, if there is one.
    pub(super) fn counterexample(
        &mut self,
        allowed: &CompiledPolicySet,
        bound: &CompiledPolicySet,
    ) -> Result<Option<Env>, VerifyError> {
        let (runtime, compiler) = (&self.runtime, &mut self.compiler);
        let answer =
            deep(|| runtime.block_on(compiler.check_implies_with_counterexample_opt(allowed, bound)).map_err(Box::new));
        answer.map_err(|e| self.error(e))
    }

    /// A request on which `policy` errors, if there is one.
    pub(super) fn error_example(
        &mut self,
        policy: &Policy,
        env: &RequestEnv,
        symenv: SymEnv,
    ) -> Result<Option<Env>, VerifyError> {
        let compiled =
            deep(|| CompiledPolicy::compile_with_custom_symenv(policy, env, &self.schema, symenv).map_err(Box::new))
                .map_err(|e| self.error(e))?;
        let (runtime, compiler) = (&self.runtime, &mut self.compiler);
        let answer =
            deep(|| runtime.block_on(compiler.check_never_errors_with_counterexample_opt(&compiled)).map_err(Box::new));
        answer.map_err(|e| self.error(e))
    }

    fn error(&self, failure: Failure) -> VerifyError {
        match failure {
            Failure::Symcc(err) if matches!(*err, cedar_policy_symcc::err::Error::SolverUnknown) => {
                VerifyError::Undecided { seconds: self.timeout.as_secs() }
            }
            Failure::Symcc(err) => VerifyError::Solver(err.to_string()),
            Failure::Thread(detail) => VerifyError::Solver(detail),
        }
    }
}

/// Runs `work` with a deep stack: in place on a thread [`on_deep_stack`] started,
/// else on a thread of its own. symcc compiles and encodes terms recursively, and a
/// set of a thousand policies is a term a thousand deep: more than a main thread's
/// 8 MiB. A panic in symcc is an unproved property, never a crash or a pass.
fn deep<T: Send>(work: impl FnOnce() -> Result<T, Box<cedar_policy_symcc::err::Error>> + Send) -> Result<T, Failure> {
    let result = if DEEP.get() {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(work))
            .map_err(|_| "the symbolic compiler panicked".into())
    } else {
        spawn_deep(work)
    };
    result.map_err(Failure::Thread)?.map_err(Failure::Symcc)
}

/// Runs a whole proof on one thread with a deep stack, so that every compile and
/// query in it runs in place. One thread per call was hundreds of short-lived
/// threads, each touching fresh memory: on a large home the kernel spent a third of
/// a proof clearing pages.
pub(super) fn on_deep_stack<T: Send>(work: impl FnOnce() -> Result<T, VerifyError> + Send) -> Result<T, VerifyError> {
    spawn_deep(work).map_err(VerifyError::Solver)?
}

thread_local! {
    /// Set on the threads [`spawn_deep`] starts.
    static DEEP: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// `work` on a new thread with a [`crate::cores::DEEP_STACK`].
fn spawn_deep<T: Send>(work: impl FnOnce() -> T + Send) -> Result<T, String> {
    std::thread::scope(|scope| {
        let worker = std::thread::Builder::new()
            .stack_size(crate::cores::DEEP_STACK)
            .spawn_scoped(scope, || {
                DEEP.set(true);
                work()
            })
            .map_err(|err| format!("cannot start the prover's thread: {err}"))?;
        worker.join().map_err(|_| "the symbolic compiler panicked".to_owned())
    })
}

enum Failure {
    Symcc(Box<cedar_policy_symcc::err::Error>),
    Thread(String),
}

/// netclaw's schema, with one addition the proofs need: an MCP tool may sit under its
/// server, which is how the pinned store records whose tool it is. Every policy valid
/// under the runtime schema is valid under this one.
fn verification_schema() -> Result<Schema, VerifyError> {
    const RUNTIME: &str = "entity McpTool in [Group];";
    let text = crate::policy::CEDAR_SCHEMA;
    if !text.contains(RUNTIME) {
        return Err(VerifyError::Cedar(format!("the schema no longer declares `{RUNTIME}`")));
    }
    let text = text.replace(RUNTIME, "entity McpTool in [Group, McpServer];");
    let (schema, _) = Schema::from_cedarschema_str(&text).map_err(cedar_error)?;
    distinct_env_names(&schema)?;
    Ok(schema)
}

/// Results, compiled sets and joint proofs are keyed by [`env_name`] (action and
/// resource type): two environments under one name, as a second principal type
/// would make, would let a proof of one stand for the other.
fn distinct_env_names(schema: &Schema) -> Result<(), VerifyError> {
    let mut names = std::collections::HashSet::new();
    match schema.request_envs().map(|env| env_name(&env)).find(|name| !names.insert(name.clone())) {
        Some(name) => Err(VerifyError::Cedar(format!("two request environments are both named `{name}`"))),
        None => Ok(()),
    }
}

/// Any well-typed request of `env`: symcc reads only its types when pinning a store.
fn placeholder_request(env: &RequestEnv, schema: &Schema) -> Result<Request, VerifyError> {
    let cedar = |err: String| VerifyError::Cedar(err);
    let uid = |kind: String| EntityUid::from_json(json!({"type": kind, "id": ""})).map_err(|e| cedar(e.to_string()));
    let context = if env.action().id().unescaped() == "ingress" {
        json!({"isDm": false, "mentioned": false})
    } else {
        json!({"tool": "", "server": {"__entity": {"type": "Netclaw::McpServer", "id": ""}}, "interactive": false,
               "approvedAlways": false, "hardDeny": {"operation": false, "resource": false}, "filePath": "", "inSession": false})
    };
    let context = Context::from_json_value(context, Some((schema, env.action()))).map_err(|e| cedar(e.to_string()))?;
    Request::new(
        uid(env.principal().to_string())?,
        env.action().clone(),
        uid(env.resource().to_string())?,
        context,
        None,
    )
    .map_err(|e| cedar(e.to_string()))
}

fn locate() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("CVC5").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(path)).filter(|p| p.is_file());
    }
    std::env::split_paths(&std::env::var_os("PATH")?).map(|dir| dir.join("cvc5")).find(|p| p.is_file())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "a test fails by panicking")]

    use cedar_policy::Schema;

    use super::{distinct_env_names, verification_schema};

    #[test]
    fn netclaw_names_each_request_environment_once() {
        assert!(verification_schema().is_ok());
    }

    #[test]
    fn two_principal_types_for_one_action_are_refused() {
        let text = "entity A; entity B; entity R; action \"a\" appliesTo { principal: [A, B], resource: [R] };";
        let (schema, _) = Schema::from_cedarschema_str(text).unwrap();
        let refused = distinct_env_names(&schema).unwrap_err();
        assert!(refused.to_string().contains("`a/R`"), "{refused}");
    }
}
