//! Policy sets as the proofs read them: each policy with its JSON form (Cedar's EST),
//! made once.
//!
//! The rewrites, the literal walks and the symmetry keys read every policy as JSON,
//! once per partition and side. Cedar makes a policy's JSON anew each time it is
//! asked: a policy parsed from text is parsed again, one made from JSON is copied and
//! serialised again. On a large home that was most of a partition's own work.

use std::fmt;

use cedar_policy::{Policy, PolicySet};
use serde_json::Value;

use super::{VerifyError, cedar_error};

pub(super) struct EstSet(Vec<(Policy, Value)>);

impl EstSet {
    pub(super) fn new(set: &PolicySet) -> Result<Self, VerifyError> {
        let policies = set.policies().map(|policy| Ok((policy.clone(), policy.to_json().map_err(cedar_error)?)));
        policies.collect::<Result<_, _>>().map(Self)
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
