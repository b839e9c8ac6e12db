//! Service roles and team access policies.

use super::{
    all_chars, Sink, IAM_ACTION, IAM_ESCALATION, IAM_POLICY_SIZE, IAM_RESOURCE, IAM_RESOURCE_LEVEL,
    IAM_ROLES,
};
use crate::documents::team_policy_document;
use crate::model::{Draft, Statement, TeamPolicy};

/// Actions that support no resource-level permissions (prefix match on the action pattern).
const UNSCOPED_ACTIONS: [&str; 8] = [
    "ec2:describe",
    "cloudwatch:getmetricstatistics",
    "cloudwatch:getmetricdata",
    "cloudwatch:listmetrics",
    "cloudwatch:describealarms",
    "s3:listallmybuckets",
    "sqs:listqueues",
    "sts:getcalleridentity",
];

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
        check_team_policy(s, &format!("iam.team_policies[{p}]"), policy);
    }
}

fn check_team_policy(s: &mut Sink, base: &str, policy: &TeamPolicy) {
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
    let size = team_policy_document(policy).to_string().len();
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
        if scoped && UNSCOPED_ACTIONS.iter().any(|u| a.starts_with(u)) {
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

/// IAM-style wildcard match (`*` any run, `?` one char) of `pattern` against `text`.
pub fn glob_match(text: &str, pattern: &str) -> bool {
    let (t, p) = (text.as_bytes(), pattern.as_bytes());
    let (mut ti, mut pi, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == b'?' || p[pi] == t[ti]) {
            ti += 1;
            pi += 1;
        } else if pi < p.len() && p[pi] == b'*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(sp) = star {
            pi = sp + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == b'*')
}
