//! `netclaw policy verify`: the guide's invariants, proved with Cedar's symbolic
//! compiler (symcc) and cvc5 over every request, not the requests someone thought of.
//!
//! Each invariant is a *bound*: a small Cedar policy set that allows exactly what the
//! invariant permits. A property holds when, for every action and resource type,
//! everything the config's set allows the bound allows too (symcc's implication
//! check); when it does not, the solver's counterexample is rendered as an
//! `authorize` request. The symbolic entity store is pinned to the config's
//! ([`store`]), so the proof is about this config and no other.
//!
//! What the policies cannot see is stated as a precondition, not assumed away: the
//! requests netclaw builds pair an MCP tool with its own server ([`REALIZABLE`]).

mod cache;
mod counterexample;
mod est;
mod properties;
mod prover;
mod store;
mod symmetry;
mod widening;

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use cedar_policy::{Entities, EntityUid, PolicySet, RequestEnv};
use cedar_policy_symcc::{CompiledPolicySet, SymEnv};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub use cache::{ProofCache, ProofQuestion, Remembered};
pub use counterexample::Counterexample;
pub use prover::{Prover, SOLVER_INSTALL};
pub use widening::{ProvedWidening, prove_widening};

use super::{CompiledPolicy, parse_with_ids};
use est::EstSet;
use store::{Partition, Rewrite};

/// Why a proof could not be run. Never "proven": each of these is a failure to
/// know, and callers say so.
#[derive(Debug, Clone, thiserror::Error)]
pub enum VerifyError {
    #[error("no SMT solver: {SOLVER_INSTALL}")]
    NoSolver,
    #[error("the solver failed: {0}")]
    Solver(String),
    /// The solver gave up within its time limit: neither proved nor refuted.
    #[error("the solver could not decide within {seconds} s")]
    Undecided { seconds: u64 },
    #[error("policy `{policy}` has a shape the prover does not rewrite ({detail}); nothing was proved")]
    Unsupported { policy: String, detail: String },
    #[error("cedar: {0}")]
    Cedar(String),
}

/// A Cedar error (parsing, a policy set, entities) as the prover reports it.
fn cedar_error(err: impl std::fmt::Display) -> VerifyError {
    VerifyError::Cedar(err.to_string())
}

impl VerifyError {
    /// Stable code for reports and exit handling.
    pub fn code(&self) -> &'static str {
        match self {
            VerifyError::NoSolver => "verify.no_solver",
            VerifyError::Solver(_) => "verify.solver_failed",
            VerifyError::Undecided { .. } => "verify.undecided",
            VerifyError::Unsupported { .. } => "verify.unsupported_policy",
            VerifyError::Cedar(_) => "verify.cedar",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Proved,
    /// A counterexample breaks it.
    Failed,
    /// The solver ran out of time: not a pass.
    Undecided,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct VerifyReport {
    /// `failed` if any property failed, else `undecided` if any is, else `proved`.
    pub status: Status,
    pub properties: Vec<PropertyResult>,
    pub elapsed_ms: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PropertyResult {
    /// Stable: `hard-deny-wins`, `deny-overrides.team`, …
    pub id: String,
    pub title: String,
    pub status: Status,
    /// The policies the property is about (a Deny override, a server allowlist).
    pub policies: Vec<String>,
    /// Requests that break it (at most a few per property), each one runnable.
    pub counterexamples: Vec<Counterexample>,
    pub elapsed_ms: u64,
}

/// Proves every invariant on `policy` ([`Invariants::prove`]).
pub fn verify(policy: &CompiledPolicy, prover: &mut Prover) -> Result<VerifyReport, VerifyError> {
    Invariants::of(policy)?.prove(prover)
}

/// The invariants of one compiled set, built once: the proof cache's question and the
/// proof itself both need them, and on a large home building them takes as long as
/// one of the solver's queries.
pub struct Invariants<'p> {
    policy: &'p CompiledPolicy,
    properties: Vec<properties::Property>,
}

impl std::fmt::Debug for Invariants<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Invariants").field("properties", &self.properties.len()).finish_non_exhaustive()
    }
}

impl<'p> Invariants<'p> {
    pub fn of(policy: &'p CompiledPolicy) -> Result<Self, VerifyError> {
        // The set's digest, which the question names, hashes the whole entity store
        // (10 ms on a large home): it is made on the other core meanwhile.
        let properties = std::thread::scope(|scope| {
            scope.spawn(|| policy.digest());
            properties::all(policy)
        })?;
        Ok(Self { policy, properties })
    }

    /// What a proof of these invariants answers, for the proof cache.
    pub fn question(&self) -> Option<ProofQuestion> {
        ProofQuestion::of(self.policy, &self.properties)
    }

    /// Proves every invariant.
    ///
    /// The partitions are proved one at a time by this thread (with `prover`) and a
    /// second one with its own cvc5, each taking the next partition neither has taken,
    /// so both cores work however unequal the partitions are. Results are joined in
    /// partition order whichever thread proved them.
    pub fn prove(&self, prover: &mut Prover) -> Result<VerifyReport, VerifyError> {
        let (policy, properties) = (self.policy, self.properties.as_slice());
        let started = Instant::now();
        // Pinning the store and the joint questions, and reading the set as JSON and
        // its literals, are independent, and each takes about a query's time: the
        // first two are made on the other core when it is free.
        let envs = prover.envs();
        let (pinned, read) = std::thread::scope(|scope| {
            let pinned = scope.spawn(|| {
                let store = store::pinned(&[store::Source { prefix: "", entities: policy.unsliced().1 }])?;
                Ok((store, properties::joints(properties, &envs)?))
            });
            let read = EstSet::new(policy.unsliced().0).and_then(|config| {
                let literals = store::literals(sets(&config, properties).into_iter().flat_map(EstSet::policies))?;
                Ok((config, literals))
            });
            let panicked =
                || Err(VerifyError::Solver("pinning the entity store or making the joint questions panicked".into()));
            (pinned.join().unwrap_or_else(|_| panicked()), read)
        });
        let ((store, joints), (config, literals)) = (pinned?, read?);
        let sets = sets(&config, properties);
        // The MCP partitions are made by the thread that first needs them while the
        // other proves the first-party one: keying the servers is a tenth of a proof.
        let mcp = OnceLock::new();
        let partition = |index: usize| -> Result<Option<Partition>, VerifyError> {
            let Some(index) = index.checked_sub(1) else { return Ok(Some(Partition::FirstParty)) };
            let mcp = mcp.get_or_init(|| {
                let covered = symmetry::covered(&store, &literals, &sets);
                Ok(Partition::of_mcp(&store, &literals, &covered))
            });
            mcp.as_ref().map(|mcp| mcp.get(index).cloned()).map_err(Clone::clone)
        };
        let next = AtomicUsize::new(0);
        // Each thread pins the partitions it takes: rewriting the sets for one is work.
        let prove_next = |prover: &mut Prover| {
            prover::on_deep_stack(|| {
                let mut proved = Vec::new();
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    let Some(partition) = partition(index)? else { break };
                    let pinned = Pinned::new(&store, partition, &sets)?;
                    let mut one = Partitions::of_one(pinned);
                    proved.push((index, prove_all((policy, &config), (properties, &joints), &mut one, prover)?));
                    crate::cores::discard(one);
                }
                Ok(proved)
            })
        };
        let mut second = prover.sibling()?;
        let (mine, theirs) = std::thread::scope(|scope| {
            let worker = scope.spawn(|| prove_next(&mut second));
            let mine = prove_next(prover);
            let theirs = worker.join().unwrap_or_else(|_| Err(VerifyError::Solver("a prover thread panicked".into())));
            (mine, theirs)
        });
        // What the proof was made of takes longer to free (5 ms on a large home) than
        // the rest of the report takes to make.
        crate::cores::discard((store, config, literals, mcp, joints));
        let mut proved = mine?;
        proved.extend(theirs?);
        proved.sort_by_key(|(index, _)| *index);
        let mut proved = proved.into_iter().map(|(_, results)| results);
        let mut results = proved.next().unwrap_or_default();
        for other in proved {
            for (result, other) in results.iter_mut().zip(other) {
                result.absorb(other);
            }
        }
        let status = [Status::Failed, Status::Undecided]
            .into_iter()
            .find(|status| results.iter().any(|r| r.status == *status))
            .unwrap_or(Status::Proved);
        Ok(VerifyReport { status, properties: results, elapsed_ms: millis(started) })
    }
}

/// Every set a proof rewrites over a partition's store: the config's own and each
/// property's bound.
fn sets<'a>(config: &'a EstSet, properties: &'a [properties::Property]) -> Vec<&'a EstSet> {
    std::iter::once(config).chain(properties.iter().filter_map(properties::Property::bound)).collect()
}

fn prove_all(
    (policy, config): (&CompiledPolicy, &EstSet),
    (properties, joints): (&[properties::Property], &[properties::Joint]),
    partitions: &mut Partitions,
    prover: &mut Prover,
) -> Result<Vec<PropertyResult>, VerifyError> {
    properties::prove_together(joints, config, partitions, prover)?;
    properties.iter().map(|property| property.prove(policy, config, partitions, prover)).collect()
}

impl PropertyResult {
    /// The same property's result over other partitions, joined into this one.
    fn absorb(&mut self, other: PropertyResult) {
        let rank = |status| match status {
            Status::Proved => 0,
            Status::Undecided => 1,
            Status::Failed => 2,
        };
        if rank(other.status) > rank(self.status) {
            self.status = other.status;
        }
        self.counterexamples.extend(other.counterexamples);
        self.counterexamples.truncate(properties::EXAMPLES);
        self.elapsed_ms = self.elapsed_ms.max(other.elapsed_ms);
    }
}

fn millis(since: Instant) -> u64 {
    u64::try_from(since.elapsed().as_millis()).unwrap_or(u64::MAX)
}

/// What every request netclaw builds satisfies and the policies cannot check: a
/// first-party tool has no server, an MCP tool has one, and a tool the config names
/// is asked about with its own server (its parent in the pinned store). A proof
/// ranges over these requests only.
const REALIZABLE: &str = r#"
@id("verify.realizable.first_party")
forbid (principal, action, resource is Netclaw::Tool) unless { context.server == Netclaw::McpServer::"" };
@id("verify.realizable.mcp")
forbid (principal, action, resource is Netclaw::McpTool) when { context.server == Netclaw::McpServer::"" };
@id("verify.realizable.own_server")
forbid (principal, action, resource is Netclaw::McpTool)
when { resource in Netclaw::Group::"verify.named_tools" }
unless { resource in context.server };
"#;

/// The proofs' partitions: MCP requests by server, everything else on its own.
struct Partitions {
    /// The first-party requests are one partition.
    first_party: Option<Pinned>,
    mcp: Vec<Pinned>,
}

impl Partitions {
    fn of_one(pinned: Pinned) -> Self {
        match pinned.partition {
            Partition::FirstParty => Self { first_party: Some(pinned), mcp: Vec::new() },
            _ => Self { first_party: None, mcp: vec![pinned] },
        }
    }

    /// The partitions the requests of `env` fall in.
    fn of(&mut self, env: &RequestEnv) -> Vec<&mut Pinned> {
        if env.resource().basename() == "McpTool" {
            self.mcp.iter_mut().collect()
        } else {
            self.first_party.iter_mut().collect()
        }
    }
}

fn realizable() -> Result<PolicySet, VerifyError> {
    parse_with_ids(REALIZABLE).map_err(cedar_error)
}

/// One partition's pinned store and what is compiled against it, per request
/// environment, once: every property reuses the config's compiled set.
struct Pinned {
    partition: Partition,
    store: Entities,
    /// Tools and servers the config names that this store leaves out ([`store::Quotient`]).
    written_out: HashSet<EntityUid>,
    /// The realizable-request preconditions, and the partition's.
    realizable: PolicySet,
    symenvs: HashMap<String, SymEnv>,
    /// (environment, property) pairs one joint query proved ([`properties::prove_together`]).
    proved: HashSet<(String, String)>,
    /// Sets as this partition sees them, by name: rewritten once, whatever the
    /// number of environments and counterexamples that need them.
    sets: HashMap<String, PolicySet>,
    compiled: HashMap<(String, String), CompiledPolicySet>,
}

impl Pinned {
    /// The partition of `store`, for proofs about `sets` (every set they compile but
    /// the preconditions, before the partition's rewrite).
    fn new(store: &store::Merged, partition: Partition, sets: &[&EstSet]) -> Result<Self, VerifyError> {
        let mut realizable = realizable()?;
        if let Some(text) = partition.precondition() {
            realizable = union(&realizable, &parse_with_ids(text).map_err(cedar_error)?)?;
        }
        let here = Rewrite { partition: Some(&partition), ..Rewrite::default() };
        let rewritten = sets.iter().flat_map(|set| store::rewrite_each(set, here)).collect::<Result<Vec<_>, _>>()?;
        let preconditions = EstSet::new(&realizable)?;
        let literals =
            store::literals(rewritten.iter().map(|(policy, json)| (*policy, json)).chain(preconditions.policies()))?;
        let store::Quotient { entities: store, written_out } = partition.store(store, &literals)?;
        Ok(Self {
            partition,
            store,
            written_out,
            realizable,
            symenvs: HashMap::new(),
            proved: HashSet::new(),
            sets: HashMap::new(),
            compiled: HashMap::new(),
        })
    }

    /// `set` as this partition sees it (see [`Rewrite`]).
    fn rewrite(&self, set: &EstSet, how: Rewrite<'_>) -> Result<PolicySet, VerifyError> {
        store::rewrite(set, Rewrite { partition: Some(&self.partition), ..how })
    }

    fn symenv(&mut self, prover: &Prover, env: &RequestEnv) -> Result<SymEnv, VerifyError> {
        let name = env_name(env);
        if let Some(symenv) = self.symenvs.get(&name) {
            return Ok(symenv.clone());
        }
        let symenv = prover.pinned_env(env, &self.store)?;
        self.symenvs.insert(name, symenv.clone());
        Ok(symenv)
    }

    /// `set` compiled for `env`, uncached.
    fn compile(
        &mut self,
        prover: &Prover,
        set: &PolicySet,
        env: &RequestEnv,
    ) -> Result<CompiledPolicySet, VerifyError> {
        let symenv = self.symenv(prover, env)?;
        prover.compile(set, env, symenv)
    }

    /// The set named `name`, made by `make` the first time it is asked for.
    fn set(
        &mut self,
        name: &str,
        make: impl FnOnce(&Self) -> Result<PolicySet, VerifyError>,
    ) -> Result<PolicySet, VerifyError> {
        if let Some(set) = self.sets.get(name) {
            return Ok(set.clone());
        }
        let set = make(self)?;
        self.sets.insert(name.to_owned(), set.clone());
        Ok(set)
    }

    /// The set named `name` compiled for `env`, from the cache when it was before.
    fn compiled(
        &mut self,
        prover: &Prover,
        name: &str,
        env: &RequestEnv,
        make: impl FnOnce(&Self) -> Result<PolicySet, VerifyError>,
    ) -> Result<CompiledPolicySet, VerifyError> {
        let key = (name.to_owned(), env_name(env));
        if let Some(compiled) = self.compiled.get(&key) {
            return Ok(compiled.clone());
        }
        let set = self.set(name, make)?;
        let compiled = self.compile(prover, &set, env)?;
        self.compiled.insert(key, compiled.clone());
        Ok(compiled)
    }
}

/// `invoke/McpTool`: an environment's action and resource type.
fn env_name(env: &RequestEnv) -> String {
    format!("{}/{}", env.action().id().unescaped(), env.resource().basename())
}

fn union(first: &PolicySet, second: &PolicySet) -> Result<PolicySet, VerifyError> {
    let mut all = first.clone();
    for policy in second.policies() {
        all.add(policy.clone()).map_err(cedar_error)?;
    }
    Ok(all)
}

#[cfg(test)]
mod tests;
