//! The guide's invariants, each a named property with a stable id and a bound: the
//! Cedar policy set that allows exactly what the invariant permits.

use std::collections::HashSet;
use std::time::Instant;

use cedar_policy::{ActionConstraint, Effect, EntityUid, PolicySet, Request, RequestEnv};
use serde_json::Value;

use super::cedar_error;
use super::counterexample::{self, Counterexample};
use super::est::EstSet;
use super::store::Rewrite;
use super::{Partitions, Pinned, PropertyResult, Prover, Status, VerifyError, env_name, millis, union};
use crate::config::{ApprovalMode, Audience, GrantMode, SHELL_TOOL, ShellExecutionMode};
use crate::policy::generate::{Rule, quote};
use crate::policy::tool_name::{ToolName, canonical};
use crate::policy::{CompiledPolicy, PolicyKind, parse_with_ids};

/// Counterexamples reported per property: enough to see the pattern, bounded time.
pub(super) const EXAMPLES: usize = 5;

const TOOL_ENVS: &[&str] =
    &["invoke/Tool", "invoke/McpTool", "auto_run/Tool", "auto_run/McpTool", "ask/Tool", "ask/McpTool"];
const INVOKE_ENVS: &[&str] = &["invoke/Tool", "invoke/McpTool"];

pub(super) struct Property {
    id: String,
    title: String,
    policies: Vec<String>,
    kind: Kind,
}

enum Kind {
    /// On `envs`, whatever `side` allows (of the realizable requests), `bound` allows.
    Bounded { envs: &'static [&'static str], side: Side, bound: Bound },
    /// No policy errors on any well-formed request.
    NeverErrors,
}

/// The config's set, as is or evaluated as one audience.
#[derive(Clone, Copy)]
enum Side {
    Config,
    As(Audience),
}

enum Bound {
    /// One permit of every request that meets a condition (`when { … }`), as text and
    /// as the set it makes.
    Condition {
        text: String,
        set: Box<EstSet>,
    },
    Config(Side),
}

pub(super) fn all(policy: &CompiledPolicy) -> Result<Vec<Property>, VerifyError> {
    let mut all = vec![
        bounded(
            "hard-deny-wins",
            "a hard deny (operation or resource) always denies",
            TOOL_ENVS,
            "unless { context.hardDeny.operation || context.hardDeny.resource }",
        )?,
        shell_personal_only(policy)?,
        bounded(
            "headless-never-asks",
            "no human is asked when none is there (`ask` needs `interactive`)",
            &["ask/Tool", "ask/McpTool"],
            "when { context.interactive }",
        )?,
        bounded(
            "unknown-audience-denied",
            "an audience other than Personal, Team or Public can invoke nothing",
            INVOKE_ENVS,
            &format!("when {{ {} }}", any_of("principal", Audience::ALL.iter().map(|a| audience(*a)))),
        )?,
    ];
    for (narrow, broad) in [(Audience::Public, Audience::Team), (Audience::Team, Audience::Personal)] {
        all.push(Property {
            id: format!("audience-monotonic.{}-{}", narrow.key(), broad.key()),
            title: format!(
                "what {narrow} may invoke, {broad} may invoke",
                narrow = narrow.as_str(),
                broad = broad.as_str()
            ),
            policies: Vec::new(),
            kind: Kind::Bounded { envs: INVOKE_ENVS, side: Side::As(narrow), bound: Bound::Config(Side::As(broad)) },
        });
    }
    all.push(Property {
        id: "policies-never-error".into(),
        title: "no policy errors on a well-formed request".into(),
        policies: Vec::new(),
        kind: Kind::NeverErrors,
    });
    for audience in Audience::ALL {
        all.extend(deny_overrides(policy, audience)?);
        all.extend(servers_not_allowed(policy, audience)?);
    }
    Ok(all)
}

/// Properties asked about at once on one environment: those that bound the config's
/// own set with a bound of their own. When the config keeps within all of them (the
/// usual case) one solver query answers for each: a cold proof of the large home
/// asks 15 instead of 28, and the solver's time is most of it. Only where it is
/// broken, or undecided, is each asked alone, so results and counterexamples are
/// those of the properties one by one.
pub(super) struct Joint {
    env: RequestEnv,
    ids: Vec<String>,
    bound: EstSet,
}

/// The joint questions on `envs`, where two properties or more share one.
pub(super) fn joints(properties: &[Property], envs: &[RequestEnv]) -> Result<Vec<Joint>, VerifyError> {
    let mut joints = Vec::new();
    for env in envs {
        let name = env_name(env);
        let (ids, conditions): (Vec<String>, Vec<&str>) = properties
            .iter()
            .filter_map(|property| match &property.kind {
                Kind::Bounded { envs, side: Side::Config, bound: Bound::Condition { text, .. } }
                    if envs.contains(&name.as_str()) =>
                {
                    Some((property.id.clone(), text.as_str()))
                }
                _ => None,
            })
            .unzip();
        if ids.len() < 2 {
            continue;
        }
        joints.push(Joint { env: env.clone(), ids, bound: EstSet::new(&bound("joint", &conditions.join("\n"))?)? });
    }
    Ok(joints)
}

/// Asks each joint question in each of `partitions` it concerns, and marks its
/// properties proved there when the answer is that no request breaks them.
pub(super) fn prove_together(
    joints: &[Joint],
    config: &EstSet,
    partitions: &mut Partitions,
    prover: &mut Prover,
) -> Result<(), VerifyError> {
    for Joint { env, ids, bound } in joints {
        let name = env_name(env);
        for pinned in partitions.of(env) {
            let bound =
                pinned.compiled(prover, &format!("joint:{name}"), env, |p| p.rewrite(bound, Rewrite::default()))?;
            let allowed =
                pinned.compiled(prover, &Side::Config.allowed_name(), env, |p| Side::Config.allowed(config, p))?;
            match prover.counterexample(&allowed, &bound) {
                Ok(None) => pinned.proved.extend(ids.iter().map(|id| (name.clone(), id.clone()))),
                Ok(Some(_)) | Err(VerifyError::Undecided { .. }) => {}
                Err(err) => return Err(err),
            }
        }
    }
    Ok(())
}

fn bounded(id: &str, title: &str, envs: &'static [&'static str], condition: &str) -> Result<Property, VerifyError> {
    Ok(Property {
        id: id.into(),
        title: title.into(),
        policies: Vec::new(),
        kind: Kind::Bounded { envs, side: Side::Config, bound: Bound::condition(id, condition)? },
    })
}

/// The permit of every request that meets all of `conditions` (Cedar requires each
/// clause of a policy). Written as text: Cedar reads a deep condition (hundreds of
/// servers) from JSON in time growing with its depth, ten times longer than from text.
///
/// Conditions that closed the permit and began another policy would make the bound,
/// and every joint bound it is part of, allow more than its clauses say: such a
/// bound is an error, never a weaker proof.
fn bound(id: &str, conditions: &str) -> Result<PolicySet, VerifyError> {
    let set =
        parse_with_ids(&format!("@id(\"verify.bound.{id}\")\npermit (principal, action, resource)\n{conditions};"))
            .map_err(cedar_error)?;
    let one_permit = set.policies().count() == 1 && set.policies().all(|p| p.effect() == Effect::Permit);
    if !one_permit {
        return Err(VerifyError::Cedar(format!("the bound `{id}` is not one permit")));
    }
    Ok(set)
}

impl Bound {
    fn condition(id: &str, text: &str) -> Result<Self, VerifyError> {
        let set = EstSet::new(&bound(id, text)?)?;
        Ok(Bound::Condition { text: text.to_owned(), set: Box::new(set) })
    }
}

fn shell_personal_only(policy: &CompiledPolicy) -> Result<Property, VerifyError> {
    let shell = format!("resource == Netclaw::Tool::{}", quote(SHELL_TOOL));
    let (mode, _) = policy.config.shell_mode();
    let (title, condition) = if mode == ShellExecutionMode::Off {
        ("with the shell Off, nobody invokes shell_execute", format!("unless {{ {shell} }}"))
    } else {
        (
            "only Personal invokes shell_execute",
            format!("unless {{ {shell} && principal != {} }}", audience(Audience::Personal)),
        )
    };
    bounded("shell-personal-only", title, &["invoke/Tool"], &condition)
}

/// Every tool an audience's ToolOverrides deny, and every tool of a server its
/// McpServerDefaults deny (unless the tool has its own override), is never invoked.
fn deny_overrides(policy: &CompiledPolicy, audience: Audience) -> Result<Option<Property>, VerifyError> {
    let approval = &policy.config.tools.audience_profiles.get(audience).approval_policy;
    let tools: Vec<ToolName> = approval.tool_overrides.keys().map(|key| ToolName::parse(key)).collect();
    let mut denied: Vec<String> = approval
        .tool_overrides
        .iter()
        .filter(|(_, mode)| **mode == ApprovalMode::Deny)
        .map(|(key, _)| format!("resource == {}", tool_uid(&ToolName::parse(key))))
        .collect();
    let overridden = any_of("resource", tools.iter().map(tool_uid));
    for (server, _) in approval.mcp_server_defaults.iter().filter(|(_, mode)| **mode == ApprovalMode::Deny) {
        let server = format!("Netclaw::McpServer::{}", quote(&canonical(server)));
        denied.push(format!("(context.server == {server} && !({overridden}))"));
    }
    if denied.is_empty() {
        return Ok(None);
    }
    let a = audience.key();
    let id = format!("deny-overrides.{a}");
    let condition = format!("unless {{ principal == {} && {} }}", self::audience(audience), balanced_or(&denied));
    let policies = policy_ids(policy, |id, kind| {
        id.starts_with(&format!("{a}."))
            && !id.contains(".approval.default.")
            && kind == PolicyKind::Generated(Rule::ApprovalMode(ApprovalMode::Deny))
    });
    let title = format!("what {}'s ApprovalPolicy sets to Deny is never invoked", audience.as_str());
    Ok(Some(Property { policies, ..bounded(&id, &title, INVOKE_ENVS, &condition)? }))
}

/// With an MCP server allowlist, a server it does not name is never invoked.
fn servers_not_allowed(policy: &CompiledPolicy, audience: Audience) -> Result<Option<Property>, VerifyError> {
    let profile = policy.config.tools.audience_profiles.get(audience);
    if profile.mcp_servers_mode != GrantMode::Allowlist {
        return Ok(None);
    }
    let servers = profile.allowed_mcp_servers.iter().map(|s| format!("Netclaw::McpServer::{}", quote(&canonical(s))));
    let a = audience.key();
    let id = format!("servers-not-allowed.{a}");
    let condition =
        format!("unless {{ principal == {} && !({}) }}", self::audience(audience), any_of("context.server", servers));
    let policies = policy_ids(policy, |id, kind| {
        id.starts_with(&format!("{a}.")) && kind == PolicyKind::Generated(Rule::McpServerNotAllowed)
    });
    let title = format!("an MCP server {} does not allow is never invoked", audience.as_str());
    Ok(Some(Property { policies, ..bounded(&id, &title, &["invoke/McpTool"], &condition)? }))
}

fn policy_ids(policy: &CompiledPolicy, wanted: impl Fn(&str, PolicyKind) -> bool) -> Vec<String> {
    let mut ids: Vec<String> = policy
        .unsliced()
        .0
        .policies()
        .map(|p| p.id().to_string())
        .filter(|id| policy.record(id).is_some_and(|record| wanted(id, record.kind)))
        .collect();
    ids.sort();
    ids
}

fn audience(audience: Audience) -> String {
    format!("Netclaw::Audience::{}", quote(audience.as_str()))
}

fn tool_uid(tool: &ToolName) -> String {
    format!("Netclaw::{}::{}", tool.entity_type(), quote(&tool.id()))
}

/// `left == a || left == b …`; `false` for none.
fn any_of(left: &str, values: impl Iterator<Item = String>) -> String {
    let tests: Vec<String> = values.map(|v| format!("{left} == {v}")).collect();
    balanced_or(&tests)
}

/// `a || b || …` parenthesised as a balanced tree: thousands of Deny overrides must
/// not parse into an expression thousands deep (every pass over it recurses).
fn balanced_or(tests: &[String]) -> String {
    match tests {
        [] => "false".into(),
        [one] => one.clone(),
        _ => {
            let (left, right) = tests.split_at(tests.len() / 2);
            format!("({} || {})", balanced_or(left), balanced_or(right))
        }
    }
}

impl Side {
    fn name(self) -> String {
        match self {
            Side::Config => "config".into(),
            Side::As(audience) => format!("as:{}", audience.key()),
        }
    }

    fn audience(self) -> Option<Audience> {
        match self {
            Side::Config => None,
            Side::As(audience) => Some(audience),
        }
    }

    /// The config's policies (`config`) as this side sees them, in `pinned`'s partition.
    fn policies(self, config: &EstSet, pinned: &Pinned) -> Result<PolicySet, VerifyError> {
        let principal = match self.audience() {
            Some(a) => Some(audience(a).parse::<EntityUid>().map_err(cedar_error)?),
            None => None,
        };
        pinned.rewrite(config, Rewrite { principal: principal.as_ref(), ..Rewrite::default() })
    }

    /// What this side allows of the requests netclaw builds, in `pinned`'s partition.
    fn allowed(self, config: &EstSet, pinned: &Pinned) -> Result<PolicySet, VerifyError> {
        union(&self.policies(config, pinned)?, &pinned.realizable)
    }

    /// The name [`Side::allowed`] is cached under in a partition.
    fn allowed_name(self) -> String {
        format!("{}+realizable", self.name())
    }
}

impl Property {
    /// Everything that decides this property's result, as text: the proof cache's
    /// question includes it.
    pub(super) fn fingerprint(&self) -> String {
        let kind = match &self.kind {
            Kind::Bounded { envs, side, bound } => {
                let bound = match bound {
                    Bound::Condition { set, .. } => set.to_string(),
                    Bound::Config(other) => other.name(),
                };
                format!("{envs:?} {} {bound}", side.name())
            }
            Kind::NeverErrors => "never-errors".to_owned(),
        };
        format!("{}\n{}\n{:?}\n{kind}\n", self.id, self.title, self.policies)
    }

    /// The property's own bound, when it has one (not the config seen another way).
    pub(super) fn bound(&self) -> Option<&EstSet> {
        match &self.kind {
            Kind::Bounded { bound: Bound::Condition { set, .. }, .. } => Some(set),
            _ => None,
        }
    }

    /// Proves the property of `policy`, whose set is `config`.
    pub(super) fn prove(
        &self,
        policy: &CompiledPolicy,
        config: &EstSet,
        partitions: &mut Partitions,
        prover: &mut Prover,
    ) -> Result<PropertyResult, VerifyError> {
        let started = Instant::now();
        let searched = match &self.kind {
            Kind::Bounded { envs, side, bound } => {
                let mut found = Vec::new();
                let mut outcome = Ok(());
                for env in prover.envs().iter().filter(|env| envs.contains(&env_name(env).as_str())) {
                    for pinned in partitions.of(env) {
                        if found.len() >= EXAMPLES {
                            break;
                        }
                        match self.bounded_examples((policy, config), pinned, prover, env, *side, bound) {
                            Ok(examples) => found.extend(examples),
                            Err(err @ VerifyError::Undecided { .. }) => outcome = Err(err),
                            Err(err) => return Err(err),
                        }
                    }
                }
                match outcome {
                    Err(VerifyError::Undecided { .. }) if !found.is_empty() => Ok(found),
                    other => other.map(|()| found),
                }
            }
            Kind::NeverErrors => match &mut partitions.first_party {
                Some(pinned) => error_examples((policy, config), pinned, prover),
                None => Ok(Vec::new()),
            },
        };
        // An environment the solver could not decide leaves the property undecided,
        // unless another one already broke it.
        let (status, counterexamples) = match searched {
            Ok(found) if found.is_empty() => (Status::Proved, found),
            Ok(found) => (Status::Failed, found),
            Err(VerifyError::Undecided { .. }) => (Status::Undecided, Vec::new()),
            Err(err) => return Err(err),
        };
        Ok(PropertyResult {
            id: self.id.clone(),
            title: self.title.clone(),
            status,
            policies: self.policies.clone(),
            counterexamples,
            elapsed_ms: millis(started),
        })
    }

    /// Counterexamples on one environment, each a different tool: after each, that
    /// tool is left out and the solver asked again.
    fn bounded_examples(
        &self,
        (policy, config): (&CompiledPolicy, &EstSet),
        pinned: &mut Pinned,
        prover: &mut Prover,
        env: &RequestEnv,
        side: Side,
        bound: &Bound,
    ) -> Result<Vec<Counterexample>, VerifyError> {
        if pinned.proved.contains(&(env_name(env), self.id.clone())) {
            return Ok(Vec::new());
        }
        let (bound_name, side_name) = (self.bound_name(bound), side.allowed_name());
        let make_bound = |p: &Pinned| match bound {
            Bound::Condition { set, .. } => p.rewrite(set, Rewrite::default()),
            Bound::Config(other) => other.policies(config, p),
        };
        let make_side = |p: &Pinned| side.allowed(config, p);
        let compiled_bound = pinned.compiled(prover, &bound_name, env, make_bound)?;
        let mut allowed = pinned.compiled(prover, &side_name, env, make_side)?;
        let Some(first) = prover.counterexample(&allowed, &compiled_bound)? else { return Ok(Vec::new()) };
        // A counterexample exists: the sets themselves simplify it and ask for the next.
        let side_set = pinned.set(&side_name, make_side)?;
        let bound_set = pinned.set(&bound_name, make_bound)?;
        let mut found = Vec::new();
        let mut excluded = String::new();
        let mut next = Some(first);
        while let Some(example) = next.take() {
            let request =
                counterexample::realizable(&example.request, prover.schema(), &pinned.store, &pinned.written_out);
            let request = counterexample::simplify(&request, prover.schema(), &side_set, &bound_set, &pinned.store);
            found.push(self.render(policy, &request, side));
            let Some(seen) = counterexample::seen(found.len(), &example.request, &request) else { break };
            if found.len() >= EXAMPLES {
                break;
            }
            excluded.push_str(&seen);
            let seen = parse_with_ids(&excluded).map_err(cedar_error)?;
            allowed = pinned.compile(prover, &union(&side_set, &seen)?, env)?;
            next = prover.counterexample(&allowed, &compiled_bound)?;
        }
        Ok(found)
    }

    /// The name a bound is cached under in a partition: a property's own bound, or the
    /// config as seen by an audience (shared by every property comparing with it).
    fn bound_name(&self, bound: &Bound) -> String {
        match bound {
            Bound::Condition { .. } => format!("bound:{}", self.id),
            Bound::Config(other) => other.name(),
        }
    }

    fn render(&self, policy: &CompiledPolicy, request: &Request, side: Side) -> Counterexample {
        let mut example = counterexample::render(policy, request, side.audience());
        if let Kind::Bounded { bound: Bound::Config(Side::As(broader)), .. } = &self.kind {
            example.compared = Some(counterexample::compare(policy, request, Some(*broader), broader.as_str()));
        }
        example
    }
}

/// Each policy on every environment its action scope reaches.
fn error_examples(
    (policy, config): (&CompiledPolicy, &EstSet),
    pinned: &mut Pinned,
    prover: &mut Prover,
) -> Result<Vec<Counterexample>, VerifyError> {
    let envs = prover.envs();
    let mut found = Vec::new();
    let mut never_errs = HashSet::new();
    let no_tool_in_store = !pinned.store.iter().any(|entity| entity.uid().type_name().basename() == "McpTool");
    for (cedar_policy, json) in config.policies() {
        let shape = if no_tool_in_store { Some(error_shape(json.clone())) } else { None };
        for env in envs.iter().filter(|env| reaches(cedar_policy.action_constraint(), env)) {
            let asked = shape.as_ref().map(|shape| (shape.clone(), env_name(env)));
            if asked.as_ref().is_some_and(|asked| never_errs.contains(asked)) {
                continue;
            }
            let symenv = pinned.symenv(prover, env)?;
            let Some(example) = prover.error_example(cedar_policy, env, symenv)? else {
                never_errs.extend(asked);
                continue;
            };
            let mut rendered = counterexample::render(policy, &example.request, None);
            rendered.compared = Some(format!("errors: {}", cedar_policy.id()));
            found.push(rendered);
            if found.len() >= EXAMPLES {
                return Ok(found);
            }
        }
    }
    Ok(found)
}

/// A policy as the error check sees it: its MCP tool literals numbered in the order
/// they appear. No MCP tool has attributes, so over a store that holds none (the
/// first-party partition's) policies that differ only in the tools they name (one
/// per override, hundreds of them) error on the same requests, up to that renaming,
/// and one answer does for all.
fn error_shape(mut est: Value) -> String {
    if let Some(policy) = est.as_object_mut() {
        policy.shift_remove("annotations");
    }
    number_tools(&mut est, &mut Vec::new());
    est.to_string()
}

fn number_tools(node: &mut Value, seen: &mut Vec<String>) {
    match node {
        Value::Object(map) => {
            if map.get("type").and_then(Value::as_str) == Some("Netclaw::McpTool")
                && let Some(Value::String(id)) = map.get_mut("id")
            {
                let number = seen.iter().position(|tool| tool == id).unwrap_or_else(|| {
                    seen.push(id.clone());
                    seen.len() - 1
                });
                *id = format!("\u{0}{number}");
            }
            map.values_mut().for_each(|value| number_tools(value, seen));
        }
        Value::Array(items) => items.iter_mut().for_each(|item| number_tools(item, seen)),
        _ => {}
    }
}

fn reaches(scope: ActionConstraint, env: &RequestEnv) -> bool {
    match scope {
        ActionConstraint::Any => true,
        ActionConstraint::Eq(action) => &action == env.action(),
        ActionConstraint::In(actions) => actions.contains(env.action()),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "a test fails by panicking")]

    use cedar_policy::{Authorizer, Context, Decision, Entities, EntityUid, Policy, PolicyId, PolicySet, Request};
    use serde_json::json;

    use super::{CompiledPolicy, VerifyError, all, bound, env_name, error_shape, joints};

    /// What the joint question rests on: a permit with several clauses allows what
    /// each clause alone would, together.
    #[test]
    fn a_joint_bound_allows_what_every_bound_allows_and_nothing_else() {
        let conditions = ["when { context.a }", "unless { context.b } when { context.c || context.a }"];
        let alone = conditions.map(|condition| bound("alone", condition).unwrap());
        let joint = bound("joint", &conditions.join("\n")).unwrap();
        let uid = |text: &str| text.parse::<EntityUid>().unwrap();
        let allows = |set: &PolicySet, (a, b, c)| {
            let context = Context::from_json_value(json!({"a": a, "b": b, "c": c}), None).unwrap();
            let request =
                Request::new(uid(r#"P::"p""#), uid(r#"Action::"x""#), uid(r#"R::"r""#), context, None).unwrap();
            Authorizer::new().is_authorized(&request, set, &Entities::empty()).decision() == Decision::Allow
        };
        for a in [false, true] {
            for b in [false, true] {
                for c in [false, true] {
                    let each = alone.iter().all(|bound| allows(bound, (a, b, c)));
                    assert_eq!(allows(&joint, (a, b, c)), each, "a={a} b={b} c={c}");
                }
            }
        }
    }

    /// A condition that ends the permit early cannot widen a bound, nor a joint one.
    #[test]
    fn a_bound_is_one_permit_or_an_error() {
        assert!(bound("ok", "when { context.a } unless { context.b }").is_ok());
        let widened = "when { context.a };\n@id(\"more\") permit (principal, action, resource) when { true }";
        assert!(
            matches!(bound("widened", widened), Err(VerifyError::Cedar(message)) if message.contains("not one permit"))
        );
        let forbid = "when { context.a };\n@id(\"less\") forbid (principal, action, resource)";
        assert!(bound("forbid", forbid).is_err());
    }

    /// One question per environment for the properties that bound the config's own
    /// set there; never one for a property comparing audiences, or for one alone.
    #[test]
    fn the_bounds_of_one_environment_are_asked_about_together() {
        let text = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/team/config/netclaw.json"),
        );
        let loaded = crate::HomeConfig::load(&crate::HomeFiles::empty().with_netclaw(text.unwrap()), &[]);
        let paths = crate::ProtectedPaths::new(std::path::Path::new("/home/agent/.netclaw"), None);
        let policy = CompiledPolicy::compile(&loaded, paths).unwrap();
        let (schema, _) = cedar_policy::Schema::from_cedarschema_str(crate::policy::CEDAR_SCHEMA).unwrap();
        let envs: Vec<_> = schema.request_envs().collect();
        let joints = joints(&all(&policy).unwrap(), &envs).unwrap();
        let mut asked: Vec<(String, Vec<&str>)> =
            joints.iter().map(|joint| (env_name(&joint.env), joint.ids.iter().map(String::as_str).collect())).collect();
        let servers = ["servers-not-allowed.public", "servers-not-allowed.team", "servers-not-allowed.personal"];
        let invoke_mcp =
            ["hard-deny-wins", "unknown-audience-denied", servers[0], "deny-overrides.team", servers[1], servers[2]];
        let expected = [
            ("ask/McpTool", vec!["hard-deny-wins", "headless-never-asks"]),
            ("ask/Tool", vec!["hard-deny-wins", "headless-never-asks"]),
            ("invoke/McpTool", invoke_mcp.to_vec()),
            (
                "invoke/Tool",
                vec!["hard-deny-wins", "shell-personal-only", "unknown-audience-denied", "deny-overrides.team"],
            ),
        ];
        asked.sort();
        assert_eq!(asked, expected.map(|(env, ids)| (env.to_owned(), ids)));
    }

    fn shape(text: &str) -> String {
        error_shape(Policy::parse(Some(PolicyId::new("p")), text).unwrap().to_json().unwrap())
    }

    #[test]
    fn policies_that_differ_only_in_the_tools_they_name_share_an_error_check() {
        let tool = |t: &str| {
            format!(
                r#"@id("team.mcp.{t}.approval") forbid (principal, action, resource == Netclaw::McpTool::"{t}") unless {{ context.approvedAlways }};"#
            )
        };
        assert_eq!(shape(&tool("a/x")), shape(&tool("b/y")));
        // Anything else sets them apart: a server, another type, one tool named twice.
        let server = |s: &str| {
            format!(r#"permit (principal, action, resource) when {{ context.server == Netclaw::McpServer::"{s}" }};"#)
        };
        assert_ne!(shape(&server("a")), shape(&server("b")));
        let typed =
            r#"forbid (principal, action, resource == Netclaw::Tool::"a/x") unless { context.approvedAlways };"#;
        assert_ne!(shape(&tool("a/x")), shape(typed));
        let pair = |a: &str, b: &str| {
            format!(
                r#"permit (principal, action, resource) when {{ resource == Netclaw::McpTool::"{a}" && resource == Netclaw::McpTool::"{b}" }};"#
            )
        };
        assert_eq!(shape(&pair("a/x", "a/y")), shape(&pair("b/x", "c/z")));
        assert_ne!(shape(&pair("a/x", "a/y")), shape(&pair("a/x", "a/x")));
    }
}
