//! Decision speed on a large config (see `support/large_config.rs`), over a shuffled
//! mix of 24,000 distinct requests — 4,000 MCP tools × 3 audiences × interactive or
//! headless — so caches and branch predictors see what a daemon sees, not one request
//! repeated.
//!
//! netclaw's three paths — a memo hit, a memo miss (first time in this generation) and
//! uncached (Cedar asked every time) — are reported beside, in the same process and on
//! the same requests:
//! - bare Cedar `is_authorized` on the slices netclaw asks (its Cedar floor),
//! - bare Cedar on the unsliced set (what slicing saves),
//! - a peer: the same logic hand-written as 7 Cedar policies over entity attributes,
//!   as a team using Cedar directly would write it (the target: netclaw uncached
//!   no slower than this).
//!
//! Also the compile of the config, and single requests of the other kinds (shell,
//! file, Slack). `cargo bench -p netclaw-engine --bench authorize`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a benchmark's setup may panic"
)]

#[path = "support/large_config.rs"]
mod large_config;

use std::collections::{HashMap, HashSet};
use std::hint::black_box;
use std::path::Path;
use std::str::FromStr;
use std::time::{Duration, Instant};

use cedar_policy::{
    Authorizer, Context, Decision as CedarDecision, Entities, Entity, EntityId, EntityTypeName, EntityUid, PolicySet,
    Request, RestrictedExpression,
};
use criterion::{Criterion, criterion_group, criterion_main};
use netclaw_engine::{
    Action, Audience, AuthorizeRequest, CompiledPolicy, Effect, HomeConfig, HomeFiles, ProtectedPaths, Question,
};
use serde_json::{Value, json};

/// The allocator the `netclaw` binary runs with, so the figures are the ones it gets.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn compile(loaded: &HomeConfig) -> CompiledPolicy {
    CompiledPolicy::compile(
        loaded,
        ProtectedPaths::new(Path::new("/home/agent/.netclaw"), Some(Path::new("/home/agent"))),
    )
    .unwrap()
}

/// One request of the mix, as netclaw gets it and as its Cedar questions.
struct Case {
    request: AuthorizeRequest,
    audience: Audience,
    tool: String,
    interactive: bool,
}

/// 4,000 tools × 3 audiences × interactive or not, shuffled with a fixed seed.
fn mix() -> Vec<Case> {
    let mut cases = Vec::new();
    for s in 0..large_config::FULL.servers {
        for t in 0..large_config::FULL.tools {
            for audience in [Audience::Personal, Audience::Team, Audience::Public] {
                for interactive in [true, false] {
                    let tool = format!("s{s}/t{t}");
                    let request = serde_json::from_value(json!({
                        "channel": "tui", "audience": audience.as_str(), "interactive": interactive, "tool": tool,
                    }))
                    .unwrap();
                    cases.push(Case { request, audience, tool, interactive });
                }
            }
        }
    }
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    for i in (1..cases.len()).rev() {
        state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        cases.swap(i, (state >> 33) as usize % (i + 1));
    }
    cases
}

/// Runs `decide` over the mix, one case (by index) per iteration, in order.
fn over_mix<T>(cases: usize, mut decide: impl FnMut(usize) -> T) -> impl FnMut(u64) -> Duration {
    let mut next = 0;
    move |iters| {
        let start = Instant::now();
        for _ in 0..iters {
            black_box(decide(next));
            next = (next + 1) % cases;
        }
        start.elapsed()
    }
}

/// netclaw's chain of questions as bare Cedar: invoke, then auto_run, then ask.
struct Chain {
    invoke: Request,
    auto_run: Request,
    ask: Request,
}

fn effect(authorizer: &Authorizer, chain: &Chain, sets: [&PolicySet; 3], entities: &Entities) -> Effect {
    let allowed = |request: &Request, set: &PolicySet| {
        authorizer.is_authorized(request, set, entities).decision() == CedarDecision::Allow
    };
    if !allowed(&chain.invoke, sets[0]) {
        Effect::Deny
    } else if allowed(&chain.auto_run, sets[1]) {
        Effect::Allow
    } else if allowed(&chain.ask, sets[2]) {
        Effect::ApprovalRequired
    } else {
        Effect::Deny
    }
}

/// The questions netclaw asks for a case, with the slice each is asked of.
fn sliced(policy: &CompiledPolicy, case: &Case) -> (Chain, [PolicySet; 3]) {
    let ask = |action| {
        let question = Question {
            audience: Some(case.audience),
            action,
            tool: &case.tool,
            interactive: case.interactive,
            approved_always: false,
            hard_deny: None,
        };
        let (request, slice) = policy.question_request(&question).unwrap();
        (request, slice.clone())
    };
    let (invoke, invoke_set) = ask(Action::Invoke);
    let (auto_run, auto_set) = ask(Action::AutoRun);
    let (ask_request, ask_set) = ask(Action::Ask);
    (Chain { invoke, auto_run, ask: ask_request }, [invoke_set, auto_set, ask_set])
}

/// The peer: the same grants and modes as 7 hand-written policies, the modes folded
/// into each tool entity's attributes (`deny` where a server is not allowed).
const PEER_POLICIES: &str = r#"
permit (principal == Peer::Audience::"Personal", action == Peer::Action::"invoke", resource is Peer::McpTool)
when { resource.personal != "deny" };
permit (principal == Peer::Audience::"Team", action == Peer::Action::"invoke", resource is Peer::McpTool)
when { resource.team != "deny" };
permit (principal == Peer::Audience::"Personal", action == Peer::Action::"auto_run", resource is Peer::McpTool)
when { resource.personal == "auto" || context.approvedAlways };
permit (principal == Peer::Audience::"Team", action == Peer::Action::"auto_run", resource is Peer::McpTool)
when { resource.team == "auto" || context.approvedAlways };
permit (principal, action == Peer::Action::"ask", resource) when { context.interactive };
forbid (principal, action, resource) when { context.hardDeny.operation };
forbid (principal, action, resource) when { context.hardDeny.resource };
"#;

struct Peer {
    policies: PolicySet,
    entities: Entities,
    audience: EntityTypeName,
    tool: EntityTypeName,
    actions: [EntityUid; 3],
}

impl Peer {
    fn new() -> Self {
        let overrides: HashMap<String, &str> = large_config::FULL.overrides().into_iter().collect();
        let gated: HashSet<String> = large_config::FULL.server_defaults().into_iter().collect();
        let mut entities = Vec::new();
        for s in 0..large_config::FULL.servers {
            for t in 0..large_config::FULL.tools {
                let tool = format!("s{s}/t{t}");
                let set = overrides.get(&tool).map(|mode| mode.to_ascii_lowercase());
                let personal = set
                    .clone()
                    .unwrap_or_else(|| if gated.contains(&format!("s{s}")) { "approval" } else { "auto" }.to_owned());
                let team =
                    if s < large_config::FULL.team_servers { set.unwrap_or("approval".into()) } else { "deny".into() };
                let attrs = [
                    ("personal".to_owned(), RestrictedExpression::new_string(personal)),
                    ("team".to_owned(), RestrictedExpression::new_string(team)),
                ];
                entities.push(Entity::new(uid("McpTool", &tool), attrs.into(), HashSet::new()).unwrap());
            }
        }
        Peer {
            policies: PolicySet::from_str(PEER_POLICIES).unwrap(),
            entities: Entities::from_entities(entities, None).unwrap(),
            audience: EntityTypeName::from_str("Peer::Audience").unwrap(),
            tool: EntityTypeName::from_str("Peer::McpTool").unwrap(),
            actions: ["invoke", "auto_run", "ask"].map(|action| uid("Action", action)),
        }
    }

    /// The requests of a case, built as a service using Cedar would build them per call.
    fn chain(&self, case: &Case) -> Chain {
        let context = Context::from_pairs([
            ("interactive".to_owned(), RestrictedExpression::new_bool(case.interactive)),
            ("approvedAlways".to_owned(), RestrictedExpression::new_bool(false)),
            (
                "hardDeny".to_owned(),
                RestrictedExpression::new_record([
                    ("operation".to_owned(), RestrictedExpression::new_bool(false)),
                    ("resource".to_owned(), RestrictedExpression::new_bool(false)),
                ])
                .unwrap(),
            ),
        ])
        .unwrap();
        let principal = EntityUid::from_type_name_and_id(self.audience.clone(), EntityId::new(case.audience.as_str()));
        let resource = EntityUid::from_type_name_and_id(self.tool.clone(), EntityId::new(&case.tool));
        let request = |action: &EntityUid| {
            Request::new(principal.clone(), action.clone(), resource.clone(), context.clone(), None).unwrap()
        };
        let [invoke, auto_run, ask] = &self.actions;
        Chain { invoke: request(invoke), auto_run: request(auto_run), ask: request(ask) }
    }
}

fn uid(entity_type: &str, id: &str) -> EntityUid {
    EntityUid::from_str(&format!("Peer::{entity_type}::{}", Value::String(id.to_owned()))).unwrap()
}

fn decisions(c: &mut Criterion) {
    let (config, approvals) = large_config::FULL.config();
    let files = HomeFiles::empty().with_netclaw(config.to_string()).with_tool_approvals(approvals.to_string());
    let loaded = HomeConfig::load(&files, &[]);
    let policy = compile(&loaded);
    eprintln!("large config: {} policies, {} slices", policy.policy_count(), policy.slice_count());

    c.bench_function("compile: config -> validated policy set + slices", |b| {
        b.iter_with_large_drop(|| compile(black_box(&loaded)))
    });

    let cases = mix();
    let authorizer = Authorizer::new();
    let peer = Peer::new();
    let peer_chains: Vec<Chain> = cases.iter().map(|case| peer.chain(case)).collect();
    let netclaw_chains: Vec<(Chain, [PolicySet; 3])> = cases.iter().map(|case| sliced(&policy, case)).collect();
    // Every baseline decides every case as netclaw does, or it measures something else.
    for (i, case) in cases.iter().enumerate() {
        let ours = policy.authorize_uncached(&case.request).decision;
        let sets = &netclaw_chains[i].1;
        assert_eq!(
            effect(&authorizer, &netclaw_chains[i].0, [&sets[0], &sets[1], &sets[2]], policy.unsliced().1),
            ours
        );
        let set = &peer.policies;
        assert_eq!(effect(&authorizer, &peer_chains[i], [set, set, set], &peer.entities), ours, "{}", case.tool);
    }

    let mut group = c.benchmark_group("mix of 24,000 MCP requests");
    group.bench_function("netclaw: memo hit", |b| {
        cases.iter().for_each(|case| drop(policy.authorize(&case.request)));
        b.iter_custom(over_mix(cases.len(), |i| policy.authorize(&cases[i].request)))
    });
    group.bench_function("netclaw: memo miss", |b| {
        b.iter_custom(|iters| {
            let mut elapsed = Duration::ZERO;
            let mut left = iters;
            while left > 0 {
                let fresh = compile(&loaded);
                let n = left.min(cases.len() as u64);
                elapsed += over_mix(cases.len(), |i| fresh.authorize(&cases[i].request))(n);
                left -= n;
            }
            elapsed
        })
    });
    group.bench_function("netclaw: uncached", |b| {
        b.iter_custom(over_mix(cases.len(), |i| policy.authorize_uncached(&cases[i].request)))
    });
    let entities = policy.unsliced().1;
    group.bench_function("bare Cedar, netclaw's slices", |b| {
        b.iter_custom(over_mix(cases.len(), |i| {
            let (chain, sets) = &netclaw_chains[i];
            effect(&authorizer, chain, [&sets[0], &sets[1], &sets[2]], entities)
        }))
    });
    group.bench_function("peer, requests built per call", |b| {
        let set = &peer.policies;
        b.iter_custom(over_mix(cases.len(), |i| {
            effect(&authorizer, &peer.chain(&cases[i]), [set, set, set], &peer.entities)
        }))
    });
    group.bench_function("peer, requests built beforehand", |b| {
        let set = &peer.policies;
        b.iter_custom(over_mix(cases.len(), |i| effect(&authorizer, &peer_chains[i], [set, set, set], &peer.entities)))
    });
    group.sample_size(10);
    group.bench_function("bare Cedar, unsliced set", |b| {
        let unsliced = policy.unsliced().0;
        b.iter_custom(over_mix(cases.len(), |i| {
            effect(&authorizer, &netclaw_chains[i].0, [unsliced, unsliced, unsliced], entities)
        }))
    });
    group.finish();

    other_kinds(c, &policy);
}

/// One request of each other kind, uncached and from memory.
fn other_kinds(c: &mut Criterion, policy: &CompiledPolicy) {
    let kinds = [
        (
            "shell, allowed",
            json!({"channel": "tui", "interactive": true, "tool": "shell_execute", "arguments": {"command": "git status && cargo test 2>&1 | tail -5"}, "workingDirectory": "/home/agent/src"}),
        ),
        (
            "shell, hard deny",
            json!({"channel": "tui", "interactive": true, "tool": "shell_execute", "arguments": {"command": "echo hi; sudo rm -rf /"}}),
        ),
        (
            "file_read",
            json!({"channel": "tui", "interactive": true, "tool": "file_read", "arguments": {"path": "/home/agent/src/main.rs"}}),
        ),
        (
            "slack, MCP tool",
            json!({"channel": "slack", "interactive": true, "tool": "s3/t2", "slack": {"channelId": "C000000003", "userId": "U1", "mentioned": true}}),
        ),
    ];
    let mut group = c.benchmark_group("decision, other kinds");
    for (name, request) in kinds {
        let request: AuthorizeRequest = serde_json::from_value(request).unwrap();
        group
            .bench_function(format!("{name}: uncached"), |b| b.iter(|| policy.authorize_uncached(black_box(&request))));
        group.bench_function(format!("{name}: memo"), |b| b.iter(|| policy.authorize(black_box(&request))));
    }
    group.finish();
}

criterion_group!(benches, decisions);
criterion_main!(benches);
