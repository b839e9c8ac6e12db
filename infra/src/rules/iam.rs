//! Service roles and team access policies.

use super::{
    all_chars, Sink, IAM_ACCESS, IAM_ACTION, IAM_ESCALATION, IAM_POLICY_SIZE, IAM_RESOURCE,
    IAM_RESOURCE_LEVEL, IAM_ROLES,
};
use crate::documents::{is_unscoped, team_policy_document};
use crate::model::{Access, Draft, Statement, TeamPolicy};
use crate::pattern::glob_match;

/// IAM actions that let a principal widen its own or a role's permissions.
const ESCALATION_ACTIONS: [&str; 7] = [
    "iam:putrolepolicy",
    "iam:attachrolepolicy",
    "iam:createpolicyversion",
    "iam:updateassumerolepolicy",
    "iam:passrole",
    "iam:putuserpolicy",
    "iam:attachuserpolicy",
];

pub(super) fn check_iam(s: &mut Sink, env: &Draft) {
    let roles = &env.iam.roles;
    for (i, r) in roles.iter().enumerate() {
        if roles[..i].contains(r) {
            s.add(
                IAM_ROLES,
                format!("iam.roles[{i}]"),
                r.slug(),
                "role is listed twice",
                "list each role once",
            );
        }
    }
    for (p, policy) in env.iam.team_policies.iter().enumerate() {
        check_team_policy(s, env, &format!("iam.team_policies[{p}]"), policy);
    }
}

fn check_team_policy(s: &mut Sink, env: &Draft, base: &str, policy: &TeamPolicy) {
    for (i, a) in policy.access.iter().enumerate() {
        if policy.access[..i].contains(a) {
            s.add(
                IAM_ACCESS,
                format!("{base}.access[{i}]"),
                a.label(),
                "access is listed twice",
                "list each access once",
            );
        }
    }
    if policy.deploys() && !env.deployers().iter().any(|d| d.contains(":role/")) {
        s.add(
            IAM_ACCESS,
            format!("{base}.access"),
            Access::Deploy.label(),
            "the environment has no deployer role to assume",
            "declare a deploy role among `deployers`, or drop `Access::Deploy`",
        );
    }
    let all_actions = policy
        .denied_actions
        .iter()
        .chain(policy.statements.iter().flat_map(|st| &st.actions));
    for action in all_actions {
        if !is_action(action) {
            s.add(
                IAM_ACTION,
                format!("{base}.actions"),
                action,
                "is not an IAM action",
                "write `service:Action`, e.g. `s3:GetObject`",
            );
        }
    }
    for (i, st) in policy.statements.iter().enumerate() {
        check_statement(s, &format!("{base}.statements[{i}]"), policy, st);
    }
    let size = team_policy_document(env, policy).to_string().len();
    if size > 6144 {
        s.add(
            IAM_POLICY_SIZE,
            base,
            size,
            "policy document is larger than 6144 characters",
            "split it into several policies",
        );
    }
}

/// `*` or `service:Action` with `*` / `?` wildcards.
fn is_action(action: &str) -> bool {
    action == "*"
        || action.split_once(':').is_some_and(|(svc, act)| {
            !svc.is_empty()
                && all_chars(svc, |c| {
                    c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'
                })
                && !act.is_empty()
                && all_chars(act, |c| c.is_ascii_alphanumeric() || c == '*' || c == '?')
        })
}

fn check_statement(s: &mut Sink, path: &str, policy: &TeamPolicy, st: &Statement) {
    for r in &st.resources {
        if r != "*" && (!r.starts_with("arn:") || r.split(':').count() < 6) {
            s.add(
                IAM_RESOURCE,
                format!("{path}.resources"),
                r,
                "is not `*` or an ARN",
                "write `arn:aws:service:region:account:resource`",
            );
        }
    }
    let denied = |action: &str| {
        policy
            .denied_actions
            .iter()
            .any(|d| glob_match(action, &d.to_ascii_lowercase()))
    };
    let scoped = !st.resources.iter().any(|r| r == "*");
    for action in &st.actions {
        let a = action.to_ascii_lowercase();
        if scoped && is_unscoped(&a) {
            s.add(
                IAM_RESOURCE_LEVEL,
                format!("{path}.actions"),
                action,
                "this action supports no resource-level permissions, so the scoped resource never matches and the team is denied",
                "move it to a statement with resource `*`",
            );
        }
        let escalates = ESCALATION_ACTIONS
            .iter()
            .any(|e| glob_match(e, &a) && !denied(e));
        if escalates {
            s.add(
                IAM_ESCALATION,
                format!("{path}.actions"),
                action,
                "grants IAM write access, so the team can give its roles any permission in any environment",
                "add `iam:*` to denied_actions (or list the team's actions explicitly)",
            );
        }
    }
}
