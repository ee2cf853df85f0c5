//! `policy diff --prove`: does the new config allow anything the old one did not?
//!
//! Decided exactly, per action, by symcc's implication check between the two sets
//! over one store holding both configs' groups (the old ones renamed, see
//! [`super::store`]): "every request the new set allows, the old one allowed". Where
//! that fails, each counterexample is a call that is newly allowed; where it holds,
//! nothing is, over every request and not only the ones the probes ask about.
//! Inputs decided outside Cedar (hard-deny rules, persisted approvals, routes) are
//! the probe diff's to compare; here they are free facts on both sides.

use std::collections::BTreeSet;

use schemars::JsonSchema;
use serde::Serialize;
use serde_json::Value;

use super::cedar_error;
use super::counterexample::{self, Counterexample};
use cedar_policy::RequestEnv;

use super::est::EstSet;
use super::store::{self, Partition, Rewrite, Source};
use super::{Partitions, Pinned, Prover, VerifyError, env_name, prover, union};
use crate::policy::{CompiledPolicy, parse_with_ids};

/// Calls per action and partition shown before moving on: a widening is proved by
/// the first.
const EXAMPLES: usize = 5;
/// The old config's groups, renamed so both configs' groups share one store.
const BEFORE: &str = "before:";

#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProvedWidening {
    /// `invoke/McpTool`: the Cedar action and resource type the proof was about.
    pub question: String,
    /// The tool, or `slack:<channel>` for ingress.
    pub subject: String,
    /// A call the new config allows and the old one denied, decided by each.
    pub counterexample: Counterexample,
}

/// Every action on which `to` allows something `from` did not, with calls that show it.
pub fn prove_widening(
    from: &CompiledPolicy,
    to: &CompiledPolicy,
    prover: &mut Prover,
) -> Result<Vec<ProvedWidening>, VerifyError> {
    let store = store::pinned(&[
        Source { prefix: BEFORE, entities: from.unsliced().1 },
        Source { prefix: "", entities: to.unsliced().1 },
    ])?;
    let (before, after) = (EstSet::new(from.unsliced().0)?, EstSet::new(to.unsliced().0)?);
    let sets = [&before, &after];
    let literals = store::literals(sets.iter().flat_map(|set| set.policies()))?;
    let mut partitions = Partitions {
        first_party: Some(Pinned::new(&store, Partition::FirstParty, &sets)?),
        mcp: Partition::of_mcp(&store, &literals, &BTreeSet::new())
            .into_iter()
            .map(|p| Pinned::new(&store, p, &sets))
            .collect::<Result<_, _>>()?,
    };
    prover::on_deep_stack(|| {
        let mut widenings = Vec::new();
        for env in prover.envs() {
            for pinned in partitions.of(&env) {
                widenings.extend(widenings_in((from, &before), (to, &after), pinned, prover, &env)?);
            }
        }
        Ok(widenings)
    })
}

/// The widenings on one environment, within one partition of the requests.
fn widenings_in(
    (from, from_set): (&CompiledPolicy, &EstSet),
    (to, to_set): (&CompiledPolicy, &EstSet),
    pinned: &mut Pinned,
    prover: &mut Prover,
    env: &RequestEnv,
) -> Result<Vec<ProvedWidening>, VerifyError> {
    let make_before = |p: &Pinned| p.rewrite(from_set, Rewrite { group_prefix: BEFORE, ..Rewrite::default() });
    let make_after = |p: &Pinned| union(&p.rewrite(to_set, Rewrite::default())?, &p.realizable);
    let bound = pinned.compiled(prover, "before", env, make_before)?;
    let mut allowed = pinned.compiled(prover, "after", env, make_after)?;
    let (before, after) = (pinned.set("before", make_before)?, pinned.set("after", make_after)?);
    let mut widenings = Vec::new();
    let mut excluded = String::new();
    for seen in 1..=EXAMPLES {
        let Some(example) = prover.counterexample(&allowed, &bound)? else { break };
        let request = counterexample::realizable(&example.request, prover.schema(), &pinned.store, &pinned.written_out);
        let request = counterexample::simplify(&request, prover.schema(), &after, &before, &pinned.store);
        let mut rendered = counterexample::render(to, &request, None);
        rendered.compared = Some(counterexample::compare(from, &request, None, "before"));
        widenings.push(ProvedWidening {
            question: env_name(env),
            subject: subject(&rendered.request),
            counterexample: rendered,
        });
        let Some(exclusion) = counterexample::seen(seen, &example.request, &request) else { break };
        if seen == EXAMPLES {
            break;
        }
        excluded.push_str(&exclusion);
        let excluded_set = parse_with_ids(&excluded).map_err(cedar_error)?;
        allowed = pinned.compile(prover, &union(&after, &excluded_set)?, env)?;
    }
    Ok(widenings)
}

fn subject(request: &Value) -> String {
    match request.pointer("/slack/channelId").and_then(Value::as_str) {
        Some(channel) => format!("slack:{channel}"),
        None => request.get("tool").and_then(Value::as_str).unwrap_or_default().to_owned(),
    }
}
