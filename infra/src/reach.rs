//! The isolation proof over policies: every statement, Allow and Deny, of every policy document
//! the model renders for an environment (team policies, service role policies, bucket policies)
//! is evaluated against every ARN another environment owns: its named resources, the objects of
//! its buckets (the Terraform state and the deployment records among them), its lock table, its
//! log groups and their streams, its alarm topic. Any overlap is a violation naming the statement
//! and an ARN it reaches. A second rule keeps an environment's own Terraform state, lock table and
//! records out of reach of every team that does not deploy it and of the service roles.
//!
//! Patterns are compared with [`crate::pattern::arn_overlap`], so `*` and `?` are read as IAM
//! reads them and a pattern reaches an object space (`bucket/*`) when any key would match.

use crate::checks::violation;
use crate::documents::{
    is_unscoped, role_policy_document, team_policy_document, ENVIRONMENT_TAG_KEY,
};
use crate::expect::{self, bucket_policy, records_arn};
use crate::model::{Environment, NameKind};
use crate::pattern::arn_overlap;
use crate::rules::{self, Violation};
use serde_json::Value;

/// A policy document of an environment, where the model declares it.
pub struct Document {
    /// Model path (`iam.team_policies[0]`, `iam.roles.api-service`, `s3.state.policy`).
    pub path: String,
    /// What it is, for messages.
    pub label: String,
    pub doc: Value,
    /// Whether its holder deploys the environment (and so may reach its Terraform state); bucket
    /// policies protect rather than grant, their Deny statements count as deploying.
    pub deploys: bool,
}

/// Every policy document the model renders for `env`.
pub fn documents<T, C: Clone>(env: &Environment<T, C>) -> Vec<Document> {
    let n = &env.names;
    let mut out: Vec<Document> = env
        .iam
        .team_policies
        .iter()
        .zip(&n.team_policies)
        .enumerate()
        .map(|(i, (p, name))| Document {
            path: format!("iam.team_policies[{i}]"),
            label: format!("team policy `{name}` (team `{}`)", p.team),
            doc: team_policy_document(env, p),
            deploys: p.deploys(),
        })
        .collect();
    out.extend(n.roles.iter().map(|(role, name)| Document {
        path: format!("iam.roles.{}", role.slug()),
        label: format!("policy of role `{name}`"),
        doc: role_policy_document(env, *role),
        deploys: false,
    }));
    out.extend(expect::buckets(env).iter().map(|b| Document {
        path: format!("s3.{}.policy", b.purpose),
        label: format!("bucket policy of `{}`", b.name),
        doc: bucket_policy(b),
        deploys: true,
    }));
    out
}

/// An ARN pattern an environment owns: what it is, and a sample ARN to name in a violation when
/// the offending pattern matches it.
pub struct Owned {
    pub what: String,
    pub pattern: String,
    pub sample: String,
}

impl Owned {
    fn new(what: String, pattern: String, sample: String) -> Owned {
        Owned {
            what,
            pattern,
            sample,
        }
    }

    fn exact(what: String, arn: String) -> Owned {
        Owned::new(what, arn.clone(), arn)
    }
}

/// The Terraform state of `env`: the state bucket and its objects (records among them) and the
/// lock table. `reacher` names the environment looking, for the sample object keys.
pub fn state_arns<T, C>(env: &Environment<T, C>, reacher: &str) -> Vec<Owned> {
    let n = &env.names;
    let bucket = env.arn(NameKind::Bucket, &n.state_bucket);
    vec![
        Owned::new(
            "Terraform state".into(),
            format!("{bucket}/*"),
            format!("{bucket}/{}", env.backend.key),
        ),
        Owned::new(
            "deployment records".into(),
            records_arn(&n.state_bucket),
            format!("{bucket}/{}{reacher}-success.json", expect::RECORDS_PREFIX),
        ),
        Owned::exact("state bucket".into(), bucket),
        Owned::exact("lock table".into(), env.arn(NameKind::Table, &n.lock_table)),
    ]
}

/// Every ARN pattern `env` owns: the state first, then the objects of its other buckets, its
/// log streams and table indexes, then every named resource.
pub fn owned_arns<T, C>(env: &Environment<T, C>, reacher: &str) -> Vec<Owned> {
    let n = &env.names;
    let mut out = Vec::new();
    for (path, bucket) in [
        ("names.data_bucket", &n.data_bucket),
        ("names.log_bucket", &n.log_bucket),
    ] {
        let arn = env.arn(NameKind::Bucket, bucket);
        out.push(Owned::new(
            format!("objects of {path}"),
            format!("{arn}/*"),
            format!("{arn}/reports/{reacher}-summary.csv"),
        ));
    }
    out.extend(state_arns(env, reacher));
    for (path, group) in [
        ("names.app_log_group", &n.app_log_group),
        ("names.sqs_log_group", &n.sqs_log_group),
    ] {
        let arn = env.arn(NameKind::LogGroup, group);
        out.push(Owned::new(
            format!("log streams of {path}"),
            format!("{arn}:*"),
            format!("{arn}:log-stream:{reacher}"),
        ));
    }
    let table = env.arn(NameKind::Table, &n.table);
    out.push(Owned::new(
        "indexes and streams of names.table".into(),
        format!("{table}/*"),
        format!("{table}/index/{reacher}"),
    ));
    out.extend(
        n.all()
            .into_iter()
            .map(|(kind, path, name)| Owned::exact(path, env.arn(kind, name))),
    );
    out
}

fn as_list(v: &Value) -> Vec<String> {
    match v {
        Value::String(s) => vec![s.clone()],
        Value::Array(a) => a
            .iter()
            .filter_map(|x| x.as_str().map(String::from))
            .collect(),
        _ => Vec::new(),
    }
}

/// The resource patterns of a statement that can reach beyond `env`: none for an Allow of
/// actions without resource-level permissions or one limited to resources tagged with `env`'s
/// name, and none for a Deny on `*` (it only narrows what its holder may do). `NotResource`
/// reaches everything.
fn reaching(env: &str, st: &Value) -> Vec<String> {
    let allow = st["Effect"] == "Allow";
    if st.get("NotResource").is_some() {
        return vec!["*".into()];
    }
    let actions = as_list(&st["Action"]);
    let tagged = as_list(&st["Condition"]["StringEquals"][ENVIRONMENT_TAG_KEY]) == [env];
    if allow && (tagged || (!actions.is_empty() && actions.iter().all(|a| is_unscoped(a)))) {
        return Vec::new();
    }
    as_list(&st["Resource"])
        .into_iter()
        .filter(|r| allow || r != "*")
        .collect()
}

/// The first of `targets` that `pattern` reaches, as the sample ARN (when it matches) or a
/// witness ARN, with how many of `targets` it reaches in all.
fn first_reached<'a>(pattern: &str, targets: &'a [Owned]) -> Option<(String, &'a str, usize)> {
    let hits: Vec<(&Owned, String)> = targets
        .iter()
        .filter_map(|o| arn_overlap(pattern, &o.pattern).map(|w| (o, w)))
        .collect();
    let (o, witness) = hits.first()?;
    let arn = match arn_overlap(pattern, &o.sample) {
        Some(_) => o.sample.clone(),
        None => witness.clone(),
    };
    Some((arn, o.what.as_str(), hits.len()))
}

/// `, and N more`, or nothing.
fn more(n: usize) -> String {
    match n {
        0 | 1 => String::new(),
        n => format!(" (and {} more of its ARNs)", n - 1),
    }
}

/// Violations of the isolation proof for every environment's policies.
pub fn policy_reach<T, C: Clone>(envs: &[Environment<T, C>]) -> Vec<Violation> {
    let mut out = Vec::new();
    for env in envs {
        let others: Vec<(&Environment<T, C>, Vec<Owned>)> = envs
            .iter()
            .filter(|o| o.name != env.name)
            .map(|o| (o, owned_arns(o, &env.name)))
            .collect();
        let own_state = state_arns(env, &env.name);
        for d in documents(env) {
            let statements = match &d.doc["Statement"] {
                Value::Array(list) => list.clone(),
                _ => Vec::new(),
            };
            for (i, st) in statements.iter().enumerate() {
                let path = format!("{}.Statement[{i}]", d.path);
                for pattern in reaching(&env.name, st) {
                    for (other, targets) in &others {
                        if let Some(hit) = first_reached(&pattern, targets) {
                            out.push(across(env, &d, &path, &pattern, other, hit));
                        }
                    }
                    let writes_state = st["Effect"] == "Allow" && !d.deploys;
                    if let Some(hit) = first_reached(&pattern, &own_state).filter(|_| writes_state)
                    {
                        out.push(own(env, &d, &path, &pattern, hit));
                    }
                }
            }
        }
    }
    out
}

fn across<T, C>(
    env: &Environment<T, C>,
    d: &Document,
    path: &str,
    pattern: &str,
    other: &Environment<T, C>,
    (arn, what, count): (String, &str, usize),
) -> Violation {
    violation(
        env,
        rules::ISOLATION_POLICY,
        path.to_string(),
        pattern,
        format!(
            "the {} reaches `{}`'s `{arn}` ({what}){}",
            d.label,
            other.name,
            more(count)
        ),
        format!(
            "name only `{}`'s own resources (exact ARNs such as `{}`), or declare the team's access (`Access::ReadData`, `Access::Operate`, …) so the model computes them",
            env.name,
            env.arn(NameKind::Bucket, &env.names.data_bucket)
        ),
    )
}

fn own<T, C>(
    env: &Environment<T, C>,
    d: &Document,
    path: &str,
    pattern: &str,
    (arn, what, count): (String, &str, usize),
) -> Violation {
    violation(
        env,
        rules::ISOLATION_STATE_ACCESS,
        path.to_string(),
        pattern,
        format!(
            "the {} does not deploy `{}` but reaches its `{arn}` ({what}){}",
            d.label,
            env.name,
            more(count)
        ),
        format!(
            "leave the Terraform state to the deployers: read data and logs with `Access::ReadData` and `Access::ReadLogs`, or give the team `Access::Deploy` if it deploys `{}`",
            env.name
        ),
    )
}
