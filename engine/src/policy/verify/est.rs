//! Policy sets as the proofs read them: each policy with its JSON form (Cedar's EST),
//! made once.
//!
//! The rewrites, the literal walks and the symmetry keys read every policy as JSON,
//! once per partition and side. Cedar makes a policy's JSON anew each time it is
//! asked: a policy parsed from text is parsed again, one made from JSON is copied and
//! serialised again. On a large home that was most of a partition's own work.
//!
//! The JSON is made from the parsed policy (`ast::Policy`), not from its text: that is
//! the form the authorizer evaluates, it is Cedar's own fallback for policies that have
//! no text, and it skips a second parse of every policy, which was the largest single
//! cost of a cold doctor on a large home. The AST's JSON is normalised (an `unless`
//! becomes a negated `when`, `!=` a negated `==`); every reader here walks the tree
//! generically, so it reads both alike. `cedar-policy-core` is pinned to the version
//! of `cedar-policy` because `AsRef<ast::Policy>` is Cedar's doc-hidden bridge to it.

use std::fmt;

use cedar_policy::{Policy, PolicySet};
use serde_json::Value;

use super::{VerifyError, cedar_error};

pub(super) struct EstSet(Vec<(Policy, Value)>);

impl EstSet {
    pub(super) fn new(set: &PolicySet) -> Result<Self, VerifyError> {
        set.policies().map(|policy| Ok((policy.clone(), json_of(policy)?))).collect::<Result<_, _>>().map(Self)
    }

    /// Each policy with its JSON form, in the set's order.
    pub(super) fn policies(&self) -> impl Iterator<Item = (&Policy, &Value)> {
        self.0.iter().map(|(policy, json)| (policy, json))
    }
}

/// The policies' text, one after another: a bound's part of the proof cache's question.
impl fmt::Display for EstSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, (policy, _)) in self.0.iter().enumerate() {
            if index > 0 {
                writeln!(f)?;
            }
            write!(f, "{policy}")?;
        }
        Ok(())
    }
}

fn json_of(policy: &Policy) -> Result<Value, VerifyError> {
    let parsed: &cedar_policy_core::ast::Policy = policy.as_ref();
    serde_json::to_value(cedar_policy_core::est::Policy::from(parsed.clone())).map_err(cedar_error)
}
