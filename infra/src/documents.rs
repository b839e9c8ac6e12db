//! Policy documents built from the model, once: the rules measure them (`iam.policy-size`) and
//! the renderer hands them to Terraform.

use crate::model::TeamPolicy;
use serde_json::{json, Value};

/// The IAM policy document of a team policy.
pub fn team_policy_document(policy: &TeamPolicy) -> Value {
    let mut statements: Vec<Value> = policy
        .statements
        .iter()
        .map(|s| json!({"Effect": "Allow", "Action": s.actions, "Resource": s.resources}))
        .collect();
    if !policy.denied_actions.is_empty() {
        statements
            .push(json!({"Effect": "Deny", "Action": policy.denied_actions, "Resource": "*"}));
    }
    json!({"Version": "2012-10-17", "Statement": statements})
}
