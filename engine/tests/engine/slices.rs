//! Slicing is exact: on every question, the slice netclaw asks decides as the full
//! policy set does — the same decision, by the same policies, with the same errors.
//! Asked for every tool of the example homes and of the benchmark's large config,
//! every audience (and the invalid one), every action, and every value of the facts
//! slices are cut on (hard-deny evidence of either layer, a persisted approval, an
//! interactive session). netclaw asks each slice with the context it builds, which
//! leaves out what the slice's policies cannot read; the full set is asked with every
//! attribute the schema declares, as the `cedar` CLI cross-check asks it.

use std::collections::BTreeSet;

use cedar_policy::{Authorizer, Response};
use netclaw_engine::{Action, Audience, CompiledPolicy, HomeConfig, HomeFiles, Layer, ProtectedPaths, Question};

use crate::common::{HOME, example, full_request};

#[path = "../../benches/support/large_config.rs"]
mod large_config;

/// Every tool the policy's entities name, and some it has never heard of.
fn tools(policy: &CompiledPolicy) -> Vec<String> {
    let mut tools: BTreeSet<String> =
        ["made_up_tool", "shell_execute", "file_read", "nowhere/tool", "s0/unknown", "/"].map(str::to_owned).into();
    for entity in policy.entities_json().as_array().into_iter().flatten() {
        let uid = &entity["uid"];
        if matches!(uid["type"].as_str(), Some("Netclaw::Tool" | "Netclaw::McpTool")) {
            tools.extend(uid["id"].as_str().map(str::to_owned));
        }
    }
    tools.into_iter().collect()
}

/// The ways a call can name a tool: as its id, in capitals, and `server__tool`.
fn spellings(tool: &str) -> Vec<String> {
    let mut spellings = vec![tool.to_owned(), tool.to_uppercase()];
    spellings
        .extend(tool.split_once('/').filter(|(s, t)| !s.is_empty() && !t.is_empty()).map(|(s, t)| format!("{s}__{t}")));
    spellings
}

fn outcome(response: &Response) -> (bool, BTreeSet<String>, usize) {
    let diagnostics = response.diagnostics();
    let allowed = response.decision() == cedar_policy::Decision::Allow;
    (allowed, diagnostics.reason().map(ToString::to_string).collect(), diagnostics.errors().count())
}

/// Compares every question about `tools`, on two threads; returns how many.
fn assert_slices_exact(name: &str, policy: &CompiledPolicy, tools: &[String]) -> usize {
    let halves = tools.split_at(tools.len() / 2);
    std::thread::scope(|scope| {
        let other = scope.spawn(|| compare(name, policy, halves.1));
        compare(name, policy, halves.0) + other.join().unwrap()
    })
}

fn compare(name: &str, policy: &CompiledPolicy, tools: &[String]) -> usize {
    let (full, entities) = policy.unsliced();
    let authorizer = Authorizer::new();
    let mut compared = 0;
    for tool in tools {
        for audience in [Some(Audience::Public), Some(Audience::Team), Some(Audience::Personal), None] {
            for action in Action::TOOL_ACTIONS {
                for hard_deny in [None, Some(Layer::OperationHardDeny), Some(Layer::ResourceHardDeny)] {
                    for (approved_always, interactive) in [(false, false), (false, true), (true, false), (true, true)] {
                        let question = Question { audience, action, tool, interactive, approved_always, hard_deny };
                        let (request, slice) = policy.question_request(&question).unwrap();
                        let sliced = outcome(&authorizer.is_authorized(&request, slice, entities));
                        let whole = outcome(&authorizer.is_authorized(&full_request(&question), full, entities));
                        assert_eq!(sliced, whole, "{name}: {question:?}");
                        // And as netclaw answers it, where a slice the facts decide is not
                        // asked, under every spelling of the tool's name.
                        for spelled in spellings(tool) {
                            let question = Question { tool: &spelled, ..question };
                            let (allowed, policies) = policy.answer_with_policies(&question).unwrap();
                            assert_eq!((allowed, policies.into_iter().collect(), 0), whole, "{name}: {question:?}");
                        }
                        compared += 1;
                    }
                }
            }
        }
    }
    compared
}

#[test]
fn slices_decide_as_the_full_set_on_the_examples() {
    for name in ["personal", "team", "public"] {
        let policy = example(name);
        let tools = tools(&policy);
        assert!(tools.len() > 5, "{name}: {tools:?}");
        assert_eq!(assert_slices_exact(name, &policy, &tools), tools.len() * 4 * 3 * 12);
    }
}

/// The benchmark's config at a tenth of its size: every policy shape it compiles to
/// (overrides of each mode, server defaults, servers only Personal has), few enough
/// policies that the full set can be asked every question. `NETCLAW_FULL_SCALE=1`
/// asks them of the benchmark's own size instead (576,000 questions, each of three
/// evaluations: minutes with `--release` on two cores).
#[test]
fn slices_decide_as_the_full_set_on_the_benchmark_config() {
    let tenth = large_config::Scale {
        servers: 20,
        tools: 5,
        team_servers: 10,
        overrides: 50,
        server_defaults: 5,
        approvals: 200,
    };
    let scale = if std::env::var_os("NETCLAW_FULL_SCALE").is_some() { large_config::FULL } else { tenth };
    let (config, approvals) = scale.config();
    let files = HomeFiles::empty().with_netclaw(config.to_string()).with_tool_approvals(approvals.to_string());
    let loaded = HomeConfig::load(&files, &[]);
    let home = std::path::Path::new(HOME);
    let policy =
        CompiledPolicy::compile(&loaded, ProtectedPaths::new(home, Some(std::path::Path::new("/home/agent")))).unwrap();
    let tools = tools(&policy);
    assert!(tools.len() > scale.servers * scale.tools, "{}", tools.len());
    assert_eq!(assert_slices_exact("benchmark config", &policy, &tools), tools.len() * 4 * 3 * 12);
}
