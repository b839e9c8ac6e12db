//! Rules that span environments: isolation (nothing shared but what is declared shared) and
//! parity (the same feature set everywhere).

use crate::model::{Environment, NameKind};
use crate::rules::{self, glob_match, Cidr, Rule, Violation};
use crate::settings::Class;
use std::fmt;

fn violation<T, C>(
    env: &Environment<T, C>,
    rule: Rule,
    path: String,
    value: &str,
    problem: String,
    fix: String,
) -> Violation {
    Violation {
        env: env.name.clone(),
        path,
        rule,
        value: value.to_string(),
        problem,
        fix,
    }
}

/// Values that identify one environment's own resources, with the isolation rule they fall under.
fn owned<T, C>(env: &Environment<T, C>) -> Vec<(Rule, String, String)> {
    let mut out: Vec<(Rule, String, String)> = env
        .names
        .all()
        .into_iter()
        .map(|(_, path, name)| {
            let rule = if path == "names.state_bucket" || path == "names.lock_table" {
                rules::ISOLATION_STATE
            } else {
                rules::ISOLATION_NAME
            };
            (rule, path, name.to_string())
        })
        .collect();
    out.push((
        rules::ISOLATION_STATE,
        "backend.state".into(),
        env.state_location(),
    ));
    for (i, name) in env.dns.api_names.iter().enumerate() {
        out.push((
            rules::ISOLATION_DNS,
            format!("dns.api_names[{i}]"),
            name.clone(),
        ));
    }
    // ACM validation records are named after the certificate's names (a wildcard validates as
    // its domain): two environments certifying one name would share, and destroy, one record.
    for (i, name) in env.dns.certificate_names.iter().enumerate() {
        let validated = name.trim_start_matches("*.").to_string();
        out.push((
            rules::ISOLATION_DNS,
            format!("dns.certificate_names[{i}]"),
            validated,
        ));
    }
    for (i, arn) in env.alarm_actions().into_iter().enumerate() {
        out.push((
            rules::ISOLATION_ALARM,
            format!("monitoring.alarm_actions[{i}]"),
            arn,
        ));
    }
    out
}

/// The ARN under which IAM sees a named resource (for matching team policy patterns).
pub fn resource_arn<T, C>(env: &Environment<T, C>, kind: NameKind, name: &str) -> String {
    let (r, a) = (&env.region, &env.account_id);
    match kind {
        NameKind::Bucket => format!("arn:aws:s3:::{name}"),
        NameKind::Queue => format!("arn:aws:sqs:{r}:{a}:{name}"),
        NameKind::Table => format!("arn:aws:dynamodb:{r}:{a}:table/{name}"),
        NameKind::Role => format!("arn:aws:iam::{a}:role/{name}"),
        NameKind::Policy => format!("arn:aws:iam::{a}:policy/{name}"),
        NameKind::InstanceProfile => format!("arn:aws:iam::{a}:instance-profile/{name}"),
        NameKind::LoadBalancer => {
            format!("arn:aws:elasticloadbalancing:{r}:{a}:loadbalancer/app/{name}")
        }
        NameKind::TargetGroup => format!("arn:aws:elasticloadbalancing:{r}:{a}:targetgroup/{name}"),
        NameKind::SecurityGroup => format!("arn:aws:ec2:{r}:{a}:security-group/{name}"),
        NameKind::LaunchTemplate => format!("arn:aws:ec2:{r}:{a}:launch-template/{name}"),
        NameKind::AutoScalingGroup => {
            format!("arn:aws:autoscaling:{r}:{a}:autoScalingGroup:*:autoScalingGroupName/{name}")
        }
        NameKind::Topic => format!("arn:aws:sns:{r}:{a}:{name}"),
        NameKind::LogGroup => format!("arn:aws:logs:{r}:{a}:log-group:{name}"),
        NameKind::Dashboard => format!("arn:aws:cloudwatch::{a}:dashboard/{name}"),
        NameKind::Alarm => format!("arn:aws:cloudwatch:{r}:{a}:alarm:{name}"),
        NameKind::Function => format!("arn:aws:lambda:{r}:{a}:function:{name}"),
        NameKind::Parameter => format!("arn:aws:ssm:{r}:{a}:parameter{name}"),
        NameKind::Trail => format!("arn:aws:cloudtrail:{r}:{a}:trail/{name}"),
        NameKind::Budget => format!("arn:aws:budgets::{a}:budget/{name}"),
        NameKind::Tag => format!("arn:aws:ec2:{r}:{a}:{name}"),
    }
}

/// No two environments share a name, CIDR range, state location, DNS name or alarm topic;
/// the hosted zone, declared shared, is the same everywhere; no team policy of one
/// environment matches another environment's resources.
pub fn isolation<T, C>(envs: &[Environment<T, C>]) -> Vec<Violation> {
    let mut out = Vec::new();
    // Each owned value and the first environment (and path) that owns it: one pass, not pairs.
    let mut owners: std::collections::HashMap<String, (&str, String)> =
        std::collections::HashMap::new();
    for (i, b) in envs.iter().enumerate() {
        for (rule, path, value) in owned(b) {
            match owners.get(&value) {
                Some((owner, apath)) if *owner != b.name => out.push(violation(
                    b,
                    rule,
                    path,
                    &value,
                    format!("is also used by `{owner}.{apath}`"),
                    "give each environment its own value (names derive from the environment name)"
                        .into(),
                )),
                Some(_) => {}
                None => {
                    owners.insert(value, (b.name.as_str(), path));
                }
            }
        }
        for a in &envs[..i] {
            if let (Ok(ca), Ok(cb)) = (
                Cidr::parse(&a.network.vpc_cidr),
                Cidr::parse(&b.network.vpc_cidr),
            ) {
                if ca.overlaps(cb) {
                    out.push(violation(
                        b,
                        rules::ISOLATION_CIDR,
                        "network.vpc_cidr".into(),
                        &b.network.vpc_cidr,
                        format!("overlaps `{}.network.vpc_cidr` `{}`", a.name, a.network.vpc_cidr),
                        "choose a range that overlaps no other environment's VPC, e.g. the next free 10.x.0.0/16".into(),
                    ));
                }
            }
            if a.dns.zone != b.dns.zone {
                out.push(violation(
                    b,
                    rules::ISOLATION_SHARED,
                    "dns.zone".into(),
                    &format!("{} ({})", b.dns.zone.name, b.dns.zone.zone_id),
                    format!(
                        "differs from `{}.dns.zone` `{} ({})`, the zone declared shared",
                        a.name, a.dns.zone.name, a.dns.zone.zone_id
                    ),
                    "set the shared zone once in the baseline".into(),
                ));
            }
        }
    }
    // Every environment's resource ARNs, computed once.
    let arns: Vec<Vec<(String, String)>> = envs.iter().map(resource_arns).collect();
    for b in envs {
        for (a, a_arns) in envs.iter().zip(&arns).filter(|(a, _)| a.name != b.name) {
            out.extend(policy_reach(b, a, a_arns));
        }
    }
    out
}

/// `(name, ARN)` of every named resource of `env`.
fn resource_arns<T, C>(env: &Environment<T, C>) -> Vec<(String, String)> {
    env.names
        .all()
        .into_iter()
        .map(|(kind, _, name)| (name.to_string(), resource_arn(env, kind, name)))
        .collect()
}

/// Violations where a team policy of `env` matches one of `other`'s resource ARNs.
fn policy_reach<T, C>(
    env: &Environment<T, C>,
    other: &Environment<T, C>,
    arns: &[(String, String)],
) -> Vec<Violation> {
    let mut out = Vec::new();
    for (p, policy) in env.iam.team_policies.iter().enumerate() {
        for (s, st) in policy.statements.iter().enumerate() {
            for pattern in st.resources.iter().filter(|r| *r != "*") {
                if let Some((name, _)) = arns.iter().find(|(_, arn)| glob_match(arn, pattern)) {
                    out.push(violation(
                        env,
                        rules::ISOLATION_POLICY,
                        format!("iam.team_policies[{p}].statements[{s}].resources"),
                        pattern,
                        format!(
                            "team `{}` would reach `{}`'s resource `{name}`",
                            policy.team, other.name
                        ),
                        format!(
                            "narrow the pattern to this environment's names (e.g. `*{}*`)",
                            env.name
                        ),
                    ));
                }
            }
        }
    }
    out
}

/// Every feature setting has the same value in every environment.
pub fn parity<T: fmt::Display, C: fmt::Display>(envs: &[Environment<T, C>]) -> Vec<Violation> {
    let Some((first, rest)) = envs.split_first() else {
        return Vec::new();
    };
    let features = |e: &Environment<T, C>| -> Vec<(String, String)> {
        e.settings()
            .into_iter()
            .filter(|s| s.class == Class::Feature)
            .map(|s| (s.path, s.value))
            .collect()
    };
    let reference = features(first);
    let mut out = Vec::new();
    for env in rest {
        let theirs = features(env);
        for (path, value) in &theirs {
            let expected = reference
                .iter()
                .find(|(p, _)| p == path)
                .map(|(_, v)| v.as_str());
            if expected != Some(value.as_str()) {
                out.push(violation(
                    env,
                    rules::PARITY,
                    path.clone(),
                    value,
                    format!(
                        "differs from `{}` (`{}`), but it is a feature, not a declared dimension",
                        first.name,
                        expected.unwrap_or("absent")
                    ),
                    format!("set it as in `{}`, in the shared baseline", first.name),
                ));
            }
        }
        for (path, value) in reference
            .iter()
            .filter(|(p, _)| !theirs.iter().any(|(q, _)| q == p))
        {
            out.push(violation(
                env,
                rules::PARITY,
                path.clone(),
                "absent",
                format!("`{}` has it (`{value}`)", first.name),
                "declare it in the shared baseline".into(),
            ));
        }
    }
    out
}
