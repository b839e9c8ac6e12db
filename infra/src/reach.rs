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
    alarm_function_policy_document, is_unscoped, role_policy_document, team_policy_document,
    ENVIRONMENT_TAG_KEY,
};
use crate::expect::{self, as_list, bucket_policy, records_arn};
use crate::model::{Environment, NameKind};
use crate::pattern::{arn_overlap, head};
use crate::rules::{self, Violation};
use serde_json::Value;
use std::collections::BTreeMap;

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
    if env.monitoring.discord_alarms {
        out.push(Document {
            path: "monitoring.discord_alarms".into(),
            label: format!("policy of role `{}`", n.alarm_function_role),
            doc: alarm_function_policy_document(env),
            deploys: false,
        });
    }
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

/// What `pattern` reaches among `hits` (targets it overlaps, in their order, with a witness
/// each): the first sample ARN it matches (`reacher` filled in), else the first target's
/// witness; with how many targets it reaches in all.
fn reached<'a>(
    pattern: &str,
    hits: &[(&'a Owned, String)],
    reacher: &str,
) -> Option<(String, &'a str, usize)> {
    let sampled = hits.iter().find_map(|(o, _)| {
        let sample = o.sample.replace(REACHER, reacher);
        arn_overlap(pattern, &sample).map(|_| (sample, o.what.as_str()))
    });
    let (o, witness) = hits.first()?;
    let (arn, what) = sampled.unwrap_or_else(|| (witness.clone(), o.what.as_str()));
    Some((arn, what, hits.len()))
}

/// [`reached`] over every target in `targets`.
fn first_reached<'a>(
    pattern: &str,
    targets: &'a [Owned],
    reacher: &str,
) -> Option<(String, &'a str, usize)> {
    let hits: Vec<(&Owned, String)> = targets
        .iter()
        .filter_map(|o| arn_overlap(pattern, &o.pattern).map(|w| (o, w)))
        .collect();
    reached(pattern, &hits, reacher)
}

/// Stands for the environment looking in the sample ARNs of [`Index`].
const REACHER: &str = "{reacher}";

/// Every environment's owned ARNs, indexed by the fixed text before their first wildcard: a
/// pattern can only overlap those whose fixed head starts with its own, or is a prefix of it.
struct Index {
    owned: Vec<Vec<Owned>>,
    /// (head, environment, position in its owned list), sorted.
    heads: Vec<(String, usize, usize)>,
}

impl Index {
    fn new<T, C>(envs: &[Environment<T, C>]) -> Index {
        let owned: Vec<Vec<Owned>> = envs.iter().map(|e| owned_arns(e, REACHER)).collect();
        let mut heads: Vec<(String, usize, usize)> = owned
            .iter()
            .enumerate()
            .flat_map(|(e, list)| {
                list.iter()
                    .enumerate()
                    .map(move |(i, o)| (head(&o.pattern).to_string(), e, i))
            })
            .collect();
        heads.sort();
        Index { owned, heads }
    }

    /// The owned ARNs of environments other than `skip` that `pattern` overlaps, by environment
    /// and in each environment's order, with a witness each.
    fn hits(&self, pattern: &str, skip: usize) -> BTreeMap<usize, Vec<(&Owned, String)>> {
        let p = head(pattern);
        let from = self.heads.partition_point(|(h, _, _)| h.as_str() < p);
        let longer = self.heads[from..]
            .iter()
            .take_while(|(h, _, _)| h.starts_with(p));
        let shorter = (0..p.len())
            .filter(|k| p.is_char_boundary(*k))
            .flat_map(|k| {
                let at = self.heads.partition_point(|(h, _, _)| h.as_str() < &p[..k]);
                self.heads[at..]
                    .iter()
                    .take_while(move |(h, _, _)| h.as_str() == &p[..k])
            });
        let mut found: Vec<(usize, usize)> = longer
            .chain(shorter)
            .filter(|(_, e, _)| *e != skip)
            .map(|(_, e, i)| (*e, *i))
            .collect();
        found.sort();
        let mut out: BTreeMap<usize, Vec<(&Owned, String)>> = BTreeMap::new();
        for (e, i) in found {
            let o = &self.owned[e][i];
            if let Some(w) = arn_overlap(pattern, &o.pattern) {
                out.entry(e).or_default().push((o, w));
            }
        }
        out
    }
}

/// Violations of the isolation proof for every environment's policies.
pub fn policy_reach<T, C: Clone>(envs: &[Environment<T, C>]) -> Vec<Violation> {
    let index = Index::new(envs);
    let mut out = Vec::new();
    for (e, env) in envs.iter().enumerate() {
        let own_state = state_arns(env, &env.name);
        for d in documents(env) {
            let statements = match &d.doc["Statement"] {
                Value::Array(list) => list.clone(),
                _ => Vec::new(),
            };
            for (i, st) in statements.iter().enumerate() {
                let path = format!("{}.Statement[{i}]", d.path);
                for pattern in reaching(&env.name, st) {
                    for (o, hits) in index.hits(&pattern, e) {
                        if let Some(hit) = reached(&pattern, &hits, &env.name) {
                            out.push(across(env, &d, &path, &pattern, &envs[o], hit));
                        }
                    }
                    let writes_state = st["Effect"] == "Allow" && !d.deploys;
                    let hit = first_reached(&pattern, &own_state, &env.name);
                    if let Some(hit) = hit.filter(|_| writes_state) {
                        out.push(own(env, &d, &path, &pattern, hit));
                    }
                }
            }
        }
    }
    out
}

/// ` (and N more of its ARNs)`, or nothing.
fn more(n: usize) -> String {
    match n {
        0 | 1 => String::new(),
        n => format!(" (and {} more of its ARNs)", n - 1),
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::environments::{production, staging};
    use crate::model::{Access, Statement};
    use serde_json::json;

    fn shipped() -> Vec<Environment> {
        crate::validate(crate::environments::all()).environments
    }

    #[test]
    fn the_shipped_environments_reach_nothing_of_each_other() {
        let envs = shipped();
        assert_eq!(policy_reach(&envs), Vec::new());
        // Every kind of document is evaluated.
        let docs = documents(&envs[0]);
        for path in [
            "iam.team_policies[0]",
            "iam.roles.api-service",
            "s3.state.policy",
        ] {
            assert!(docs.iter().any(|d| d.path == path), "{path}");
        }
    }

    #[test]
    fn owned_arns_cover_objects_state_locks_logs_topics_and_records() {
        let p = &shipped()[1];
        let owned: Vec<String> = owned_arns(p, "staging")
            .into_iter()
            .map(|o| o.pattern)
            .collect();
        for arn in [
            "arn:aws:s3:::mht-api-production-data/*",
            "arn:aws:s3:::mht-terraform-state-production/*",
            "arn:aws:s3:::mht-terraform-state-production/deployments/*",
            "arn:aws:s3:::mht-terraform-state-production",
            "arn:aws:dynamodb:us-west-2:123456789012:table/mht-terraform-locks-production",
            "arn:aws:logs:us-west-2:123456789012:log-group:/mht-api/production/app:*",
            "arn:aws:sns:us-west-2:123456789012:production-alerts",
            "arn:aws:iam::123456789012:role/mht-api-production-deploy",
        ] {
            assert!(owned.iter().any(|o| o == arn), "{arn} not owned");
        }
    }

    /// Violations when `edit` changes staging's rendered documents, as the proof reads them.
    fn with_documents(edit: impl Fn(&mut Vec<Document>)) -> Vec<String> {
        let envs = shipped();
        let (s, p) = (&envs[0], &envs[1]);
        let mut docs = documents(s);
        edit(&mut docs);
        let targets = owned_arns(p, "staging");
        let mut out = Vec::new();
        for d in &docs {
            for (i, st) in d.doc["Statement"].as_array().unwrap().iter().enumerate() {
                for pattern in reaching(&s.name, st) {
                    if let Some((arn, _, _)) = first_reached(&pattern, &targets, "staging") {
                        out.push(format!("{}.Statement[{i}] {arn}", d.path));
                    }
                }
            }
        }
        out
    }

    #[test]
    fn allow_and_deny_statements_of_every_kind_of_document_are_evaluated() {
        // A Deny naming production in staging's state bucket policy.
        let found = with_documents(|docs| {
            let state = docs
                .iter_mut()
                .find(|d| d.path == "s3.state.policy")
                .unwrap();
            state.doc["Statement"].as_array_mut().unwrap().push(json!({
                "Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "s3:PutObject",
                "Resource": "arn:aws:s3:::mht-terraform-state-production/deployments/*",
            }));
        });
        assert_eq!(
            found,
            ["s3.state.policy.Statement[2] arn:aws:s3:::mht-terraform-state-production/deployments/staging-success.json"]
        );
        // A role policy on `*`; a tag condition naming another environment does not exempt it.
        let found = with_documents(|docs| {
            let role = docs
                .iter_mut()
                .find(|d| d.path == "iam.roles.s3-access")
                .unwrap();
            role.doc["Statement"][0]["Resource"] = json!("*");
            let team = &mut docs[0].doc["Statement"];
            team[5]["Condition"]["StringEquals"][ENVIRONMENT_TAG_KEY] = json!("production");
        });
        assert!(
            found
                .iter()
                .any(|f| f.starts_with("iam.roles.s3-access.Statement[0] ")),
            "{found:?}"
        );
        assert!(
            found
                .iter()
                .any(|f| f.starts_with("iam.team_policies[0].Statement[5] ")),
            "{found:?}"
        );
        // NotResource reaches everything; a Deny on `*` and unscoped actions on `*` do not.
        let pushed = documents(&shipped()[0])[0].doc["Statement"]
            .as_array()
            .unwrap()
            .len();
        let found = with_documents(|docs| {
            let list = docs[0].doc["Statement"].as_array_mut().unwrap();
            list.push(json!({"Effect": "Allow", "Action": "s3:GetObject", "NotResource": "arn:aws:s3:::x"}));
            list.push(json!({"Effect": "Deny", "Action": "s3:*", "Resource": "*"}));
            list.push(
                json!({"Effect": "Allow", "Action": ["ec2:DescribeInstances"], "Resource": "*"}),
            );
        });
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].starts_with(&format!("iam.team_policies[0].Statement[{pushed}] ")),
            "{found:?}"
        );
    }

    #[test]
    fn the_index_finds_what_a_scan_of_every_owned_arn_finds() {
        let envs = shipped();
        let index = Index::new(&envs);
        for pattern in [
            "*",
            "arn:aws:*:*:*:*staging*",
            "arn:aws:s3:::mht-*",
            "arn:aws:s3:::mht-api-production-data/reports/*",
            "arn:aws:s3:::mht-terraform-state-production",
            "arn:aws:sqs:us-west-2:123456789012:mht-api-production-jobs",
            "arn:aws:logs:us-west-2:123456789012:log-group:/mht-api/production/app:log-stream:x",
            "arn:aws:s3:::mht-api-staging-data/*",
        ] {
            let scanned: Vec<String> = index.owned[1]
                .iter()
                .filter(|o| arn_overlap(pattern, &o.pattern).is_some())
                .map(|o| o.pattern.clone())
                .collect();
            let hits = index.hits(pattern, 0);
            let indexed: Vec<String> = hits
                .get(&1)
                .map(|h| h.iter().map(|(o, _)| o.pattern.clone()).collect())
                .unwrap_or_default();
            assert_eq!(indexed, scanned, "{pattern}");
            assert!(!hits.contains_key(&0), "the looking environment is skipped");
        }
    }

    #[test]
    fn a_team_that_does_not_deploy_never_reaches_its_own_state() {
        let with = |access: Vec<Access>| {
            let staging = staging().iam(move |i| {
                i.team_policies[0].access = access;
                i.team_policies[0].statements.push(Statement {
                    actions: vec!["dynamodb:PutItem".into()],
                    resources: vec![
                        "arn:aws:dynamodb:us-west-2:123456789012:table/mht-terraform-locks-*"
                            .into(),
                    ],
                });
            });
            crate::validate(vec![staging])
                .violations()
                .filter(|v| v.rule == rules::ISOLATION_STATE_ACCESS)
                .map(|v| v.problem.clone())
                .collect::<Vec<_>>()
        };
        let found = with(vec![Access::Operate]);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].contains("table/mht-terraform-locks-staging` (lock table)"),
            "{found:?}"
        );
        assert_eq!(
            with(vec![Access::Operate, Access::Deploy]),
            Vec::<String>::new()
        );
    }

    #[test]
    fn operations_watches_queues_without_receiving_and_reads_no_state() {
        let p = production().build().unwrap();
        let doc = team_policy_document(&p, &p.iam.team_policies[0]).to_string();
        assert!(!doc.contains("sqs:ReceiveMessage"), "{doc}");
        assert!(doc.contains("sqs:GetQueueAttributes") && doc.contains("sqs:ListQueues"));
        assert!(!doc.contains("mht-terraform-state"), "{doc}");
        let dlq = production()
            .iam(|i| i.team_policies[0].access.push(Access::ReadDeadLetters))
            .build()
            .unwrap();
        let doc = team_policy_document(&dlq, &dlq.iam.team_policies[0]);
        let receive: Vec<&Value> = doc["Statement"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["Action"].to_string().contains("sqs:ReceiveMessage"))
            .collect();
        assert_eq!(receive.len(), 1);
        assert_eq!(
            receive[0]["Resource"],
            json!(["arn:aws:sqs:us-west-2:123456789012:mht-api-production-jobs-dlq"])
        );
    }
}
