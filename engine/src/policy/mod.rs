//! The policy compiler and the four-layer authorizer.
//!
//! [`CompiledPolicy::compile`] turns an effective config into a Cedar policy set
//! (static policies from `policies/`, generated ones from the config), entities and
//! slices, validated in strict mode against `policies/netclaw.cedarschema`: a config
//! that compiles to an invalid set is an error, never a silent fallback.
//! [`CompiledPolicy::authorize`] then decides each tool call with Cedar.

mod authorize;
mod diff;
mod explain;
mod generate;
mod grants;
mod inputs;
mod permissions;
mod slices;
mod tool_name;
mod verify;

use std::collections::{HashMap, HashSet};
use std::str::FromStr;

use cedar_policy::{
    Authorizer, Entities, Entity, EntityId, EntityTypeName, EntityUid, PolicyId, PolicySet, Schema, ValidationMode,
    Validator,
};
use serde_json::Value;

use crate::config::{ApprovalEntry, Audience, Checked, EffectiveConfig, HomeConfig, NetclawConfig, ToolApprovals};
use crate::decision::Layer;
use crate::diagnostic::Diagnostic;
use crate::hard_deny::HardDenyRules;
use crate::json_pointer;
use crate::paths::ProtectedPaths;
use crate::reason::ReasonCode;

pub use authorize::Question;
pub(crate) use authorize::new_decision_id;
pub use diff::{ChangeKind, PolicyDiff, diff};
pub(crate) use explain::unanswered;
pub use generate::Action;
pub(crate) use generate::Rule;
pub(crate) use grants::{Grant, GrantRefusal, SessionGrants};
pub use permissions::{ANY_OTHER_TOOL, AudiencePermissions, Mode};
pub(crate) use tool_name::{ToolName, canonical};
pub use verify::{
    Counterexample, Invariants, ProofCache, ProofQuestion, PropertyResult, ProvedWidening, Prover, Remembered,
    SOLVER_INSTALL, Status as ProofStatus, VerifyError, VerifyReport, prove_widening, verify,
};

/// The Cedar schema, as shipped in `policies/`.
pub const CEDAR_SCHEMA: &str = include_str!("../../../policies/netclaw.cedarschema");
/// The static policies, as shipped in `policies/`.
pub(crate) const STATIC_POLICIES: &str = include_str!("../../../policies/netclaw.cedar");

#[derive(Debug, thiserror::Error)]
pub enum CompileError {
    #[error("the configuration is invalid ({} problem(s))", .0.len())]
    InvalidConfig(Vec<Diagnostic>),
    #[error("the approvals store `config/tool-approvals.json` is unusable ({} problem(s))", .0.len())]
    ApprovalStore(Vec<Diagnostic>),
    /// The compiler produced something Cedar rejects: a netclaw bug, reported as such.
    #[error("the compiled policies are invalid: {0}")]
    Cedar(String),
}

impl CompileError {
    pub fn code(&self) -> &'static str {
        match self {
            CompileError::InvalidConfig(_) => "invalid-config",
            CompileError::ApprovalStore(_) => "approval-store-unavailable",
            CompileError::Cedar(_) => "invalid-policy-set",
        }
    }

    pub fn diagnostics(&self) -> &[Diagnostic] {
        match self {
            CompileError::InvalidConfig(d) | CompileError::ApprovalStore(d) => d,
            CompileError::Cedar(_) => &[],
        }
    }

    /// The reason code every decision gets while this error stands.
    pub fn reason(&self) -> ReasonCode {
        match self {
            CompileError::ApprovalStore(_) => ReasonCode::ApprovalStoreUnavailable,
            _ => ReasonCode::InternalPolicyFailure,
        }
    }

    /// The layer whose inputs are broken: the approval gate's store, or the
    /// configuration as a whole (no layer was reached).
    pub fn layer(&self) -> Layer {
        match self {
            CompileError::ApprovalStore(_) => Layer::ApprovalGate,
            _ => Layer::Configuration,
        }
    }

    /// The decision for every call while the home cannot be compiled: deny, naming the
    /// files and pointers that are wrong (fail closed, never a fallback to defaults).
    pub fn decision(&self) -> crate::decision::Decision {
        use crate::decision::{Decision, Effect, Outcome, Ruling};
        let problems: Vec<String> = self.diagnostics().iter().map(ToString::to_string).collect();
        let detail = if problems.is_empty() { self.to_string() } else { problems.join("; ") };
        let sources = self.diagnostics().iter().map(|d| d.location.file.clone()).fold(Vec::new(), |mut all, file| {
            if !all.contains(&file) {
                all.push(file);
            }
            all
        });
        Decision::new(Ruling {
            decision: Effect::Deny,
            outcome: Outcome::Denied,
            audience: None,
            layer: self.layer(),
            reason_code: Some(self.reason()),
            message: format!("every call is denied until the configuration is fixed: {detail}"),
            policies: Vec::new(),
            sources,
            remediation: Some("run `netclaw doctor` and fix its findings".to_owned()),
        })
    }
}

/// What a policy is, kept beside the set: its layer, the reason a denial by it gives,
/// what it cites, and which policy it is. Never read back from the Cedar text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyRecord {
    pub layer: Layer,
    pub reason: Option<ReasonCode>,
    /// The config key (dotted) or file a decision by it cites.
    pub source: String,
    pub kind: PolicyKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyKind {
    /// One of netclaw's own, in `policies/netclaw.cedar`.
    Static(StaticPolicy),
    /// Compiled from the config.
    Generated(Rule),
}

/// The policies of `policies/netclaw.cedar`, by `@id`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::EnumString, strum::IntoStaticStr)]
pub enum StaticPolicy {
    #[strum(serialize = "netclaw.hard_deny.operation")]
    HardDenyOperation,
    #[strum(serialize = "netclaw.hard_deny.resource")]
    HardDenyResource,
    #[strum(serialize = "netclaw.audience.invalid")]
    AudienceInvalid,
    #[strum(serialize = "netclaw.approval.persisted")]
    ApprovalPersisted,
    #[strum(serialize = "netclaw.approval.interactive")]
    ApprovalInteractive,
    #[strum(serialize = "netclaw.approval.unattended")]
    ApprovalUnattended,
}

/// A config generation, compiled: everything a decision needs, prepared once.
#[derive(Debug)]
pub struct CompiledPolicy {
    generated_text: String,
    /// The entity declarations, kept to render entities.json on demand.
    entity_decls: Vec<generate::EntityDecl>,
    /// What decides outside Cedar, as entities for entities.json only (see `inputs`).
    inputs: Vec<inputs::InputEntity>,
    /// Always the parse of the static policies and `generated_text`, which
    /// [`CompiledPolicy::digest`] hashes: the proof cache names a set by its digest.
    policies: PolicySet,
    entities: Entities,
    records: HashMap<String, PolicyRecord>,
    slices: slices::Slices,
    authorizer: Authorizer,
    uids: authorize::Uids,
    contexts: authorize::Contexts,
    /// The typed config the authorizer reads (Slack mappings, profiles); provenance
    /// is only needed while generating, so it is not kept.
    pub(crate) config: NetclawConfig,
    /// Persisted grants by audience and canonical tool id, each with the file and
    /// pointer it is cited by. Indexed once so a decision never scans the store.
    pub(crate) approvals: HashMap<(Audience, String), Vec<(String, ApprovalEntry)>>,
    pub(crate) hard_deny: HardDenyRules,
    pub(crate) paths: ProtectedPaths,
    /// Cedar's answers by question, for this config generation.
    memo: std::sync::RwLock<HashMap<authorize::CedarQuestion, std::sync::Arc<authorize::Answers>>>,
    /// Whole rulings by everything they depend on, for this config generation.
    rulings: std::sync::RwLock<authorize::Rulings>,
    /// The Slack channel ACL's answers, likewise.
    channel_answers: std::sync::RwLock<authorize::ChannelAnswers>,
    /// [`CompiledPolicy::digest`], made once: the doctor, the proof cache and the
    /// daemon each ask, and on a large home it hashes megabytes.
    digest: std::sync::OnceLock<String>,
}

/// What the config alone compiles to: the generated policies, parsed and strictly
/// validated, their entities and slices. This is most of a compile. The approval
/// store, the largest file of a large home and the last to load, is needed only to
/// finish it ([`CompiledPolicy::finish`]), so a caller that loads the store on
/// another thread can draft meanwhile ([`HomeConfig::load_and`]).
#[derive(Debug)]
pub(crate) struct PolicyDraft {
    generated: generate::Generated,
    generated_text: String,
    policies: PolicySet,
    entities: Entities,
    slices: slices::Slices,
    /// The paths it was generated for, which the finished set keeps.
    paths: ProtectedPaths,
}

impl PolicyDraft {
    pub(crate) fn of(config: &Checked<EffectiveConfig>, paths: &ProtectedPaths) -> Result<Self, CompileError> {
        let config = config.as_ref().map_err(|d| CompileError::InvalidConfig(d.clone()))?;
        let generated = generate::generate(config, paths.user_home());
        let texts: Vec<String> = generated.policies.iter().map(generate::GeneratedPolicy::text).collect();
        let (schema, _) = Schema::from_cedarschema_str(CEDAR_SCHEMA).map_err(cedar)?;
        let (policies, entities) = parse_in_parallel(&texts, &schema, || build_entities(&generated.entities))?;
        let placements: slices::Placements =
            generated.policies.iter().map(|p| (p.id.clone(), (p.slice.clone(), p.gate()))).collect();
        let slices = slices::Slices::build(&policies, &placements, &group_kinds(&generated.entities))
            .map_err(CompileError::Cedar)?;
        Ok(Self { generated_text: texts.join("\n"), generated, policies, entities, slices, paths: paths.clone() })
    }
}

fn cedar<E: std::fmt::Display>(err: E) -> CompileError {
    CompileError::Cedar(err.to_string())
}

impl CompiledPolicy {
    /// Compiles a loaded home. `paths` says where the protected paths are.
    pub fn compile(home: &HomeConfig, paths: ProtectedPaths) -> Result<Self, CompileError> {
        Self::finish(|| PolicyDraft::of(&home.config, &paths), home)
    }

    /// Finishes the draft of `home`'s own config, made or taken by `draft`, with the
    /// rest of `home`: its hard-deny rules, approval store and routes. Those are
    /// checked first, so a broken store fails before a draft is made, and errors come
    /// in the order a reader fixes them: the config, the hard-deny rules, the approval
    /// store, and only then the generated set.
    pub(crate) fn finish(
        draft: impl FnOnce() -> Result<PolicyDraft, CompileError>,
        home: &HomeConfig,
    ) -> Result<Self, CompileError> {
        let config = home.config.as_ref().map_err(|d| CompileError::InvalidConfig(d.clone()))?;
        let hard_deny = HardDenyRules::from_home(home).map_err(CompileError::InvalidConfig)?;
        let approvals = home.tool_approvals.as_ref().map_err(|d| CompileError::ApprovalStore(d.clone()))?;
        let PolicyDraft { generated, generated_text, policies, entities, slices, paths } = draft()?;
        // The approval store (thousands of entries on a large home) is made into
        // inputs on one core and indexed on the other.
        let (inputs, approvals) = std::thread::scope(|scope| {
            let index = scope.spawn(|| index_approvals(approvals));
            let routes = &home.webhook_routes.routes;
            (inputs::input_entities(&config.config, approvals, &hard_deny, routes), joined(index))
        });
        let uids = authorize::Uids::new().map_err(cedar)?;
        let contexts = authorize::Contexts::build(&uids, servers_of(&generated.entities)).map_err(cedar)?;
        let mut records = static_records()?;
        records.extend(generated.policies.iter().map(|p| (p.id.clone(), generated_record(p))));
        Ok(Self {
            generated_text,
            entity_decls: generated.entities,
            inputs,
            policies,
            entities,
            records,
            slices,
            authorizer: Authorizer::new(),
            contexts,
            uids,
            config: config.config.clone(),
            approvals,
            hard_deny,
            paths,
            memo: std::sync::RwLock::default(),
            rulings: std::sync::RwLock::default(),
            channel_answers: std::sync::RwLock::default(),
            digest: std::sync::OnceLock::new(),
        })
    }

    /// The whole policy set as Cedar text: static, then generated. Unformatted; see
    /// [`CompiledPolicy::formatted_text`] for the artifact users read.
    fn policy_text(&self) -> String {
        format!("{STATIC_POLICIES}\n{}", self.generated_text)
    }

    /// The policy set formatted by `cedar-policy-formatter`: deterministic, so a
    /// one-line config change is a small diff.
    pub fn formatted_text(&self) -> Result<String, CompileError> {
        let config = cedar_policy_formatter::Config { line_width: 100, indent_width: 2 };
        cedar_policy_formatter::policies_str_to_pretty(&self.policy_text(), &config).map_err(cedar)
    }

    /// entities.json: the groups the config's lists compile to.
    /// entities.json: the entities Cedar decides with, then the inputs decided on
    /// outside it.
    pub fn entities_json(&self) -> Value {
        let declared = self.entity_decls.iter().map(|decl| serde_json::to_value(decl).unwrap_or_default());
        Value::Array(declared.chain(self.inputs.iter().map(inputs::InputEntity::value)).collect())
    }

    /// The SHA-256 of the policy text the authorizer loads and of the entities it
    /// decides with, as `sha256:<hex>`: one name for one compiled set, so a CI log and an
    /// audit record can say which policies decided. Over the unformatted text, which is
    /// as deterministic as the formatted one and costs nothing to produce (formatting a
    /// large set takes longer than compiling it).
    pub fn digest(&self) -> String {
        self.digest.get_or_init(|| self.hashed()).clone()
    }

    fn hashed(&self) -> String {
        use sha2::Digest;
        /// Serialised straight into the hash: the inputs of a large home (thousands of
        /// approvals) are not copied into one more document first.
        struct Hashing(sha2::Sha256);
        impl std::io::Write for Hashing {
            fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
                self.0.update(bytes);
                Ok(bytes.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let mut hashing = Hashing(sha2::Sha256::new());
        hashing.0.update(STATIC_POLICIES.as_bytes());
        hashing.0.update(self.generated_text.as_bytes());
        // Writing into a hash cannot fail.
        let _ = serde_json::to_writer(&mut hashing, &self.entity_decls);
        let _ = serde_json::to_writer(&mut hashing, &self.inputs);
        hashing.0.finalize().iter().fold("sha256:".to_owned(), |mut hex, byte| {
            hex.push_str(&format!("{byte:02x}"));
            hex
        })
    }

    pub fn policy_count(&self) -> usize {
        self.policies.policies().count()
    }

    pub fn slice_count(&self) -> usize {
        self.slices.count()
    }

    /// The full, unsliced policy set and entities (for baselines and cross-checks).
    pub fn unsliced(&self) -> (&PolicySet, &Entities) {
        (&self.policies, &self.entities)
    }

    pub fn record(&self, id: &str) -> Option<&PolicyRecord> {
        self.records.get(id)
    }
}

/// What a scoped thread returned; its panic, had it one, goes on here as it would have
/// had the work not been moved to another thread.
fn joined<T>(thread: std::thread::ScopedJoinHandle<'_, T>) -> T {
    thread.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}

fn index_approvals(approvals: &ToolApprovals) -> HashMap<(Audience, String), Vec<(String, ApprovalEntry)>> {
    let mut index: HashMap<(Audience, String), Vec<(String, ApprovalEntry)>> = HashMap::new();
    for audience in Audience::ALL {
        let base = json_pointer::join("/audiences", audience.key());
        for (key, entries) in approvals.audiences.get(audience) {
            // `notion/x` and `notion__x` are one tool: their entries pool, each citing its own pointer.
            let slot = index.entry((audience, ToolName::parse(key).id())).or_default();
            for (i, entry) in entries.iter().enumerate() {
                let pointer = json_pointer::join(&json_pointer::join(&base, key), &i.to_string());
                slot.push((format!("config/tool-approvals.json {pointer}"), entry.clone()));
            }
        }
    }
    index
}

/// The static policies and `texts`, parsed and strictly validated, in that order, and
/// what `other_work` returns.
///
/// Compile time is the hot-reload latency of every config change. Validation is per
/// policy, so the set is parsed in chunks that two threads take in turn; the second
/// thread first does `other_work` (building the entities: Cedar computes their
/// transitive closure, as long as parsing half the set), then takes chunks too. Which
/// share each ends up with depends on the home and the machine, not on a ratio fixed here.
fn parse_in_parallel<T: Send>(
    texts: &[String],
    schema: &Schema,
    other_work: impl FnOnce() -> Result<T, CompileError> + Send,
) -> Result<(PolicySet, T), CompileError> {
    const CHUNKS: usize = 16;
    let chunks: Vec<String> = std::iter::once(STATIC_POLICIES.to_owned())
        .chain(texts.chunks(texts.len().div_ceil(CHUNKS).max(1)).map(|chunk| chunk.join("\n")))
        .collect();
    let next = std::sync::atomic::AtomicUsize::new(0);
    let parse_next = || {
        let mut parsed = Vec::new();
        loop {
            let index = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let Some(chunk) = chunks.get(index) else { break parsed };
            parsed.push((index, parse_and_validate(chunk, schema)));
        }
    };
    let (mut parsed, other) = std::thread::scope(|scope| {
        let worker = scope.spawn(|| (other_work(), parse_next()));
        let mine = parse_next();
        let failed = || CompileError::Cedar("validating the policies failed".into());
        let (other, theirs) = worker.join().unwrap_or_else(|_| (Err(failed()), Vec::new()));
        (mine.into_iter().chain(theirs).collect::<Vec<_>>(), other)
    });
    let other = other?;
    // Every chunk, in order: a chunk lost would be policies (forbids among them) missing.
    parsed.sort_by_key(|(index, _)| *index);
    if parsed.len() != chunks.len() {
        return Err(CompileError::Cedar("a part of the policy set was not parsed".into()));
    }
    let mut policies = PolicySet::new();
    for (_, set) in parsed {
        for policy in set?.policies() {
            policies.add(policy.clone()).map_err(cedar)?;
        }
    }
    Ok((policies, other))
}

/// Parses, names and strictly validates a policy set.
fn parse_and_validate(text: &str, schema: &Schema) -> Result<PolicySet, CompileError> {
    let policies = parse_with_ids(text)?;
    let validation = Validator::new(schema.clone()).validate(&policies, ValidationMode::Strict);
    if !validation.validation_passed() {
        let errors: Vec<String> = validation.validation_errors().map(ToString::to_string).collect();
        return Err(CompileError::Cedar(errors.join("; ")));
    }
    Ok(policies)
}

/// Parses a policy set and names each policy by its `@id`, as the `cedar` CLI does.
pub(crate) fn parse_with_ids(text: &str) -> Result<PolicySet, CompileError> {
    let parsed = PolicySet::from_str(text).map_err(cedar)?;
    let mut named = PolicySet::new();
    for policy in parsed.policies() {
        let id = policy.annotation("id").ok_or_else(|| CompileError::Cedar(format!("policy without @id: {policy}")))?;
        named.add(policy.new_id(PolicyId::new(id))).map_err(cedar)?;
    }
    Ok(named)
}

/// The static policies' records, from their annotations, strictly: an unknown `@id`,
/// `@layer` or `@reason`, or a missing `@source`, fails the compile rather than
/// becoming a default.
fn static_records() -> Result<HashMap<String, PolicyRecord>, CompileError> {
    records_of_static(STATIC_POLICIES)
}

fn records_of_static(text: &str) -> Result<HashMap<String, PolicyRecord>, CompileError> {
    let invalid = |what: String| CompileError::Cedar(format!("policies/netclaw.cedar: {what}"));
    let mut records = HashMap::new();
    for policy in PolicySet::from_str(text).map_err(cedar)?.policies() {
        let annotation = |key: &str| policy.annotation(key);
        let id = annotation("id").ok_or_else(|| invalid("a policy has no @id".into()))?;
        let which: StaticPolicy = id.parse().map_err(|_| invalid(format!("unknown policy `{id}`")))?;
        let layer = annotation("layer").unwrap_or_default();
        let layer: Layer = layer.parse().map_err(|_| invalid(format!("`{id}` has an unknown @layer `{layer}`")))?;
        let reason = annotation("reason")
            .map(|r| r.parse::<ReasonCode>().map_err(|_| invalid(format!("`{id}` has an unknown @reason `{r}`"))))
            .transpose()?;
        let source = annotation("source").ok_or_else(|| invalid(format!("`{id}` has no @source")))?.to_owned();
        records.insert(id.to_owned(), PolicyRecord { layer, reason, source, kind: PolicyKind::Static(which) });
    }
    Ok(records)
}

fn generated_record(policy: &generate::GeneratedPolicy) -> PolicyRecord {
    PolicyRecord {
        layer: policy.layer(),
        reason: policy.reason(),
        source: policy.source.clone(),
        kind: PolicyKind::Generated(policy.rule),
    }
}

/// Every MCP server the entities name, and "" (first-party tools).
fn servers_of(decls: &[generate::EntityDecl]) -> impl Iterator<Item = &str> {
    let named = decls.iter().filter_map(|decl| match decl.entity_type {
        "McpServer" => Some(decl.id.as_str()),
        "McpTool" => decl.id.split_once('/').map(|(server, _)| server),
        _ => None,
    });
    let unique: std::collections::BTreeSet<&str> = named.chain([""]).collect();
    unique.into_iter()
}

/// For each group, the resource types of its members: a policy on `resource in` a
/// group of first-party tools can never decide an MCP call.
fn group_kinds(decls: &[generate::EntityDecl]) -> HashMap<String, u8> {
    let mut kinds: HashMap<String, u8> = HashMap::new();
    for decl in decls {
        // A group inside a group brings members of any type.
        let kind = if decl.entity_type == "Group" { slices::ANY_KIND } else { slices::kind_of_decl(decl.entity_type) };
        for parent in &decl.parents {
            *kinds.entry(parent.clone()).or_default() |= kind;
        }
    }
    kinds
}

/// Built without schema checks: every entity type comes from the generator's fixed
/// list, and the `cedar` CLI cross-check loads entities.json with the schema.
fn build_entities(decls: &[generate::EntityDecl]) -> Result<Entities, CompileError> {
    // Cedar parses a type name with its whole grammar: each type is parsed once, not
    // once per entity and parent (on a large home that was most of building them).
    let mut types: HashMap<&str, EntityTypeName> = HashMap::new();
    let mut uid = |entity_type: &'static str, id: &str| -> Result<EntityUid, CompileError> {
        let name = match types.entry(entity_type) {
            std::collections::hash_map::Entry::Occupied(known) => known.get().clone(),
            std::collections::hash_map::Entry::Vacant(new) => {
                let name = EntityTypeName::from_str(&format!("Netclaw::{entity_type}")).map_err(cedar)?;
                new.insert(name).clone()
            }
        };
        Ok(EntityUid::from_type_name_and_id(name, EntityId::new(id)))
    };
    let mut entities = Vec::with_capacity(decls.len());
    for decl in decls {
        let parents: HashSet<EntityUid> = decl.parents.iter().map(|g| uid("Group", g)).collect::<Result<_, _>>()?;
        entities.push(Entity::new_no_attrs(uid(decl.entity_type, &decl.id)?, parents));
    }
    Entities::from_entities(entities, None).map_err(cedar)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::home::HomeFiles;

    /// The doctor drafts the set while the home loads: finished, the draft must be the
    /// set `compile` makes of the loaded home, and a broken store must still be the
    /// error (found before any draft is asked for), not a draft of the config alone.
    #[test]
    fn a_set_drafted_while_the_home_loads_is_the_compiled_set() {
        let config = r#"{"Security": {"DeploymentPosture": "Team"}, "Tools": {"AudienceProfiles": {"Team": {
            "AllowedMcpServers": ["alpha"], "McpServerToolGrants": {"alpha": ["read"]}}}}}"#;
        let approvals = r#"{"version": 3, "audiences": {"team": {"alpha/read": [
            {"verb": "alpha/read", "directory": null, "createdAt": "2026-11-01T00:00:00Z"}]}}}"#;
        let paths = ProtectedPaths::new(std::path::Path::new("/h/.netclaw"), None);
        let files = HomeFiles::empty().with_netclaw(config).with_tool_approvals(approvals);
        let (home, draft) = HomeConfig::load_and(&files, &[], |config| PolicyDraft::of(config, &paths));
        let finished = CompiledPolicy::finish(|| draft, &home).map(|p| p.digest());
        let compiled = CompiledPolicy::compile(&home, paths.clone()).map(|p| p.digest());
        assert!(matches!((&finished, &compiled), (Ok(a), Ok(b)) if a == b), "{finished:?} {compiled:?}");

        let files = files.with_tool_approvals(r#"{"version": 2}"#);
        let (home, draft) = HomeConfig::load_and(&files, &[], |config| PolicyDraft::of(config, &paths));
        assert!(draft.is_ok(), "the config alone drafts");
        let mut drafted = false;
        let finished = CompiledPolicy::finish(
            || {
                drafted = true;
                draft
            },
            &home,
        );
        assert!(matches!(finished, Err(CompileError::ApprovalStore(_))), "{finished:?}");
        assert!(!drafted, "a broken store fails before the draft is asked for");
    }

    #[test]
    fn static_policy_annotations_are_read_strictly() {
        let records = records_of_static(STATIC_POLICIES).unwrap_or_default();
        let interactive = records.get("netclaw.approval.interactive").map(|r| (r.layer, r.kind));
        assert_eq!(interactive, Some((Layer::ApprovalGate, PolicyKind::Static(StaticPolicy::ApprovalInteractive))));
        let policy = |id: &str, layer: &str| {
            format!("@id(\"{id}\")\n@layer(\"{layer}\")\n@source(\"x\")\npermit (principal, action, resource);")
        };
        assert!(records_of_static(&policy("netclaw.approval.interactive", "approval_gate")).is_ok());
        assert!(
            records_of_static(&policy("netclaw.approval.interactive", "tool_acces_grant")).is_err(),
            "a typo in @layer"
        );
        assert!(records_of_static(&policy("netclaw.unknown", "approval_gate")).is_err(), "an unknown static policy");
    }

    const INVOKE: &str = "action == Netclaw::Action::\"invoke\"";

    /// `count` policies that validate, named `p0`, `p1`, …
    fn numbered(count: usize) -> Vec<String> {
        (0..count)
            .map(|n| {
                format!("@id(\"p{n}\")\nforbid (principal, {INVOKE}, resource) when {{ context.hardDeny.operation }};")
            })
            .collect()
    }

    #[test]
    fn a_set_parsed_in_chunks_is_the_set_parsed_whole_in_order() {
        let (schema, _) = Schema::from_cedarschema_str(CEDAR_SCHEMA).unwrap();
        for count in [0, 1, 15, 16, 17, 100] {
            let texts = numbered(count);
            let (parsed, other) = parse_in_parallel(&texts, &schema, || Ok(7)).unwrap();
            let whole = parse_with_ids(&format!("{STATIC_POLICIES}\n{}", texts.join("\n"))).unwrap();
            let ids = |set: &PolicySet| set.policies().map(|p| p.id().to_string()).collect::<Vec<_>>();
            assert_eq!(ids(&parsed), ids(&whole), "{count} policies");
            assert_eq!(other, 7);
        }
    }

    #[test]
    fn one_invalid_policy_in_any_chunk_fails_the_whole_set() {
        let (schema, _) = Schema::from_cedarschema_str(CEDAR_SCHEMA).unwrap();
        for bad in [0, 40, 99] {
            let mut texts = numbered(100);
            texts[bad] =
                format!("@id(\"p{bad}\")\nforbid (principal, {INVOKE}, resource) when {{ context.noSuchField }};");
            assert!(parse_in_parallel(&texts, &schema, || Ok(())).is_err(), "policy {bad}");
        }
        let failed = parse_in_parallel(&numbered(3), &schema, || Err::<(), _>(CompileError::Cedar("entities".into())));
        assert!(failed.is_err(), "the other work's failure is the compile's");
    }
}
