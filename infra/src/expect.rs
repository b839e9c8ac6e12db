//! The live state an environment's AWS resources must have, derived from the model. The
//! backend setup writes it; the live checks (`test-s3`, `test-sqs`) compare against it.

use crate::model::{AlarmKind, Environment, IntelligentTiering, StorageClass, Transition};
use crate::pattern::glob_match;
use serde_json::{json, Value};
use std::fmt;

/// Lifecycle of a bucket: current-version transitions and expiry, noncurrent-version expiry,
/// and the abort of unfinished multipart uploads.
/// The expected lifecycle holds [`StorageClass`]es; one read from a live bucket
/// (`Lifecycle<String>`) holds the classes S3 reported, whatever they are.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lifecycle<C = StorageClass> {
    pub transitions: Vec<Transition<C>>,
    pub expiration_days: Option<u32>,
    pub noncurrent_expiration_days: Option<u32>,
    pub abort_incomplete_multipart_days: Option<u32>,
}

impl<C> Default for Lifecycle<C> {
    fn default() -> Self {
        Lifecycle {
            transitions: Vec::new(),
            expiration_days: None,
            noncurrent_expiration_days: None,
            abort_incomplete_multipart_days: None,
        }
    }
}

impl<C: fmt::Display> Lifecycle<C> {
    pub fn is_empty(&self) -> bool {
        self.transitions.is_empty()
            && self.expiration_days.is_none()
            && self.noncurrent_expiration_days.is_none()
            && self.abort_incomplete_multipart_days.is_none()
    }

    /// One line, for tables: `30d STANDARD_IA, 90d GLACIER, expire 90d, noncurrent expire 365d,
    /// abort multipart 7d`.
    pub fn describe(&self) -> String {
        let mut parts: Vec<String> = self
            .transitions
            .iter()
            .map(|t| format!("{}d {}", t.days, t.storage_class))
            .collect();
        if let Some(d) = self.expiration_days {
            parts.push(format!("expire {d}d"));
        }
        if let Some(d) = self.noncurrent_expiration_days {
            parts.push(format!("noncurrent expire {d}d"));
        }
        if let Some(d) = self.abort_incomplete_multipart_days {
            parts.push(format!("abort multipart {d}d"));
        }
        if parts.is_empty() {
            "none".into()
        } else {
            parts.join(", ")
        }
    }
}

/// What a bucket of the environment must look like. The expected bucket holds
/// [`StorageClass`]es; one described from a draft (`Bucket<String>`) the names written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bucket<C = StorageClass> {
    /// `state`, `data` or `logs`.
    pub purpose: &'static str,
    pub name: String,
    pub region: String,
    pub versioning: bool,
    pub sse_algorithm: &'static str,
    /// All four public access block settings on.
    pub block_public_access: bool,
    pub object_ownership: &'static str,
    /// A bucket policy that denies every request not made over TLS.
    pub tls_only: bool,
    /// Buckets whose S3 server access logs the policy lets S3 deliver here.
    pub log_sources: Vec<String>,
    /// The policy lets the environment's CloudTrail deliver here.
    pub cloudtrail_delivery: bool,
    /// The policy lets Elastic Load Balancing deliver the load balancer's access logs here.
    pub alb_log_delivery: bool,
    /// The policy lets VPC flow logs (the log delivery service) deliver here.
    pub flow_log_delivery: bool,
    /// The account whose CloudTrail may deliver (the environment's).
    pub account_id: String,
    /// Principals that alone may write or delete deployment records ([`RECORDS_PREFIX`]); empty:
    /// no such restriction (every bucket but the state bucket).
    pub record_writers: Vec<String>,
    pub lifecycle: Lifecycle<C>,
    pub intelligent_tiering: Option<IntelligentTiering>,
    /// Bucket that receives this bucket's server access logs.
    pub logging_target: Option<String>,
    pub tags: Vec<(String, String)>,
}

impl<C: Clone> Bucket<C> {
    /// The bucket as an emulator that ignores policy principals and conditions must get it:
    /// without the TLS-only deny and the deployment-records deny, which it would apply to every
    /// request (Terraform's state writes and the deploy's own records included).
    pub fn on_emulator(&self) -> Self {
        Bucket {
            tls_only: false,
            record_writers: Vec::new(),
            ..self.clone()
        }
    }
}

/// Key prefix of the deployment records in the state bucket.
pub const RECORDS_PREFIX: &str = "deployments/";

/// Statement id of the deny that keeps everyone but the deployers from writing records.
pub const RECORDS_SID: &str = "DeploymentRecordsByDeployersOnly";

/// The role a caller acts as when it is an assumed-role session
/// (`arn:aws:sts::<account>:assumed-role/<role>/<session>` → `arn:aws:iam::<account>:role/<role>`).
fn session_role(caller: &str) -> Option<String> {
    let (account, resource) = caller.strip_prefix("arn:aws:sts::")?.split_once(':')?;
    let role = resource.strip_prefix("assumed-role/")?.split('/').next()?;
    Some(format!("arn:aws:iam::{account}:role/{role}"))
}

/// Whether `caller` (an ARN as STS `GetCallerIdentity` reports it) is one of `env`'s deployers:
/// the principal itself, or a session of a deployer role.
pub fn is_deployer<T, C>(env: &Environment<T, C>, caller: &str) -> bool {
    let role = session_role(caller);
    env.deployers()
        .iter()
        .any(|d| glob_match(caller, d) || role.as_deref().is_some_and(|r| glob_match(r, d)))
}

/// Id of the lifecycle rule and of the intelligent-tiering configuration this tool writes.
pub const RULE_ID: &str = "mht-managed";

/// Every bucket the environment defines: the Terraform state bucket, data and access logs.
pub fn buckets<T, C: Clone>(env: &Environment<T, C>) -> Vec<Bucket<C>> {
    let d = &env.s3.data;
    let base = |purpose, name: &str| Bucket {
        purpose,
        name: name.to_string(),
        region: env.region.clone(),
        versioning: true,
        sse_algorithm: "AES256",
        block_public_access: true,
        object_ownership: "BucketOwnerEnforced",
        tls_only: true,
        log_sources: Vec::new(),
        cloudtrail_delivery: false,
        alb_log_delivery: false,
        flow_log_delivery: false,
        account_id: env.account_id.clone(),
        record_writers: Vec::new(),
        lifecycle: Lifecycle {
            abort_incomplete_multipart_days: Some(env.s3.abort_incomplete_multipart_days),
            ..Lifecycle::default()
        },
        intelligent_tiering: None,
        logging_target: None,
        tags: env.default_tags(),
    };
    vec![
        Bucket {
            lifecycle: Lifecycle {
                noncurrent_expiration_days: Some(env.backend.state_retention_days),
                ..base("state", "").lifecycle
            },
            record_writers: env.deployers(),
            ..base("state", &env.names.state_bucket)
        },
        Bucket {
            versioning: d.versioning,
            sse_algorithm: d.encryption.sse_algorithm(),
            lifecycle: Lifecycle {
                transitions: if d.lifecycle_enabled {
                    d.lifecycle.clone()
                } else {
                    Vec::new()
                },
                noncurrent_expiration_days: d.versioning.then_some(d.noncurrent_expiration_days),
                ..base("data", "").lifecycle
            },
            intelligent_tiering: d.intelligent_tiering.clone(),
            logging_target: d.access_logging.then(|| env.names.log_bucket.clone()),
            ..base("data", &env.names.data_bucket)
        },
        Bucket {
            versioning: false,
            // ACLs stay disabled (BucketOwnerEnforced): every log source delivers as a
            // principal the bucket policy grants, none through an ACL grant.
            log_sources: if d.access_logging {
                vec![env.names.data_bucket.clone()]
            } else {
                Vec::new()
            },
            cloudtrail_delivery: env.monitoring.cloudtrail,
            alb_log_delivery: env.compute.load_balancer && env.compute.access_logs,
            flow_log_delivery: env.network.flow_logs,
            lifecycle: Lifecycle {
                expiration_days: Some(env.s3.log_retention_days),
                ..base("logs", "").lifecycle
            },
            ..base("logs", &env.names.log_bucket)
        },
    ]
}

/// Statement id of the TLS-only deny in bucket policies.
pub const TLS_DENY_SID: &str = "DenyInsecureTransport";

/// Key prefix of the CloudTrail trail's files in the log bucket.
pub const CLOUDTRAIL_PREFIX: &str = "cloudtrail";

/// Key prefix of the load balancer's access logs in the log bucket.
pub const ALB_LOG_PREFIX: &str = "alb";

/// The Elastic Load Balancing account of each region opened before August 2022, which delivers
/// access logs there (Elastic Load Balancing User Guide, "Enable access logs": bucket policy).
/// Regions opened since grant the `logdelivery.elasticloadbalancing.amazonaws.com` service
/// principal instead.
const ELB_LOG_ACCOUNTS: [(&str, &str); 22] = [
    ("us-east-1", "127311923021"),
    ("us-east-2", "033677994240"),
    ("us-west-1", "027434742980"),
    ("us-west-2", "797873946194"),
    ("af-south-1", "098369216593"),
    ("ap-east-1", "754344448648"),
    ("ap-southeast-3", "589379963580"),
    ("ap-south-1", "718504428378"),
    ("ap-northeast-3", "383597477331"),
    ("ap-northeast-2", "600734575887"),
    ("ap-southeast-1", "114774131450"),
    ("ap-southeast-2", "783225319266"),
    ("ap-northeast-1", "582318560864"),
    ("ca-central-1", "985666609251"),
    ("eu-central-1", "054676820928"),
    ("eu-west-1", "156460612806"),
    ("eu-west-2", "652711504416"),
    ("eu-south-1", "635631232127"),
    ("eu-west-3", "009996457667"),
    ("eu-north-1", "897822967062"),
    ("me-south-1", "076674570225"),
    ("sa-east-1", "507241528517"),
];

/// The principal that delivers load balancer access logs in `region`.
pub fn elb_log_principal(region: &str) -> Value {
    match ELB_LOG_ACCOUNTS.iter().find(|(r, _)| *r == region) {
        Some((_, account)) => json!({"AWS": format!("arn:aws:iam::{account}:root")}),
        None => json!({"Service": "logdelivery.elasticloadbalancing.amazonaws.com"}),
    }
}

/// Key prefix of a bucket's server access logs in the log bucket.
pub fn access_log_prefix(source_bucket: &str) -> String {
    format!("s3/{source_bucket}/")
}

/// The bucket policy of `spec`, the one definition of it: Terraform receives it for the data
/// and log buckets (`render`), `setup-backend` writes it to the state bucket, and the live checks
/// compare against it. A TLS-only bucket denies every request not made over TLS; a log bucket
/// lets S3 server access logging (of its source buckets, in this account), the environment's
/// CloudTrail, its load balancer's access logs and its VPC flow logs deliver; the state bucket
/// denies writing and deleting deployment records to every principal but the deployers. A
/// bucket with none of these has no statement.
pub fn bucket_policy<C>(spec: &Bucket<C>) -> Value {
    let arn = format!("arn:aws:s3:::{}", spec.name);
    let mut statements = Vec::new();
    if spec.tls_only {
        statements.push(json!({
            "Sid": TLS_DENY_SID,
            "Effect": "Deny",
            // `{"AWS": "*"}` is `*` for IAM; the emulator only parses the object form.
            "Principal": {"AWS": "*"},
            "Action": "s3:*",
            "Resource": [arn, format!("{arn}/*")],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        }));
    }
    if !spec.record_writers.is_empty() {
        statements.push(json!({
            "Sid": RECORDS_SID,
            "Effect": "Deny",
            "Principal": {"AWS": "*"},
            "Action": RECORD_WRITES,
            "Resource": records_arn(&spec.name),
            "Condition": {"ArnNotLike": {"aws:PrincipalArn": spec.record_writers}},
        }));
    }
    for (i, source) in spec.log_sources.iter().enumerate() {
        statements.push(json!({
            "Sid": if i == 0 { "S3ServerAccessLogs".to_string() } else { format!("S3ServerAccessLogs{i}") },
            "Effect": "Allow",
            "Principal": {"Service": "logging.s3.amazonaws.com"},
            "Action": "s3:PutObject",
            // One Resource string: the shape the emulator's PutBucketLogging check accepts.
            "Resource": format!("{arn}/{}*", access_log_prefix(source)),
            "Condition": {
                "ArnLike": {"aws:SourceArn": format!("arn:aws:s3:::{source}")},
                "StringEquals": {"aws:SourceAccount": spec.account_id},
            },
        }));
    }
    statements.extend(delivery_statements(spec, &arn));
    json!({"Version": "2012-10-17", "Statement": statements})
}

/// The grants of the AWS log sources that write under `AWSLogs/<account>/`: CloudTrail, the
/// load balancer's access logs and VPC flow logs.
fn delivery_statements<C>(spec: &Bucket<C>, arn: &str) -> Vec<Value> {
    let account = &spec.account_id;
    let mut statements = Vec::new();
    if spec.cloudtrail_delivery {
        statements.push(json!({
            "Sid": "CloudTrailAclCheck",
            "Effect": "Allow",
            "Principal": {"Service": "cloudtrail.amazonaws.com"},
            "Action": "s3:GetBucketAcl",
            "Resource": arn,
            "Condition": {"StringEquals": {"aws:SourceAccount": account}},
        }));
        statements.push(json!({
            "Sid": "CloudTrailWrite",
            "Effect": "Allow",
            "Principal": {"Service": "cloudtrail.amazonaws.com"},
            "Action": "s3:PutObject",
            "Resource": format!("{arn}/{CLOUDTRAIL_PREFIX}/AWSLogs/{account}/*"),
            "Condition": {"StringEquals": {
                "s3:x-amz-acl": "bucket-owner-full-control",
                "aws:SourceAccount": account,
            }},
        }));
    }
    if spec.alb_log_delivery {
        statements.push(json!({
            "Sid": "LoadBalancerAccessLogs",
            "Effect": "Allow",
            "Principal": elb_log_principal(&spec.region),
            "Action": "s3:PutObject",
            "Resource": format!("{arn}/{ALB_LOG_PREFIX}/AWSLogs/{account}/*"),
        }));
    }
    if spec.flow_log_delivery {
        let source = json!({"aws:SourceArn": format!("arn:aws:logs:{}:{account}:*", spec.region)});
        statements.push(json!({
            "Sid": "FlowLogsAclCheck",
            "Effect": "Allow",
            "Principal": {"Service": "delivery.logs.amazonaws.com"},
            "Action": "s3:GetBucketAcl",
            "Resource": arn,
            "Condition": {"StringEquals": {"aws:SourceAccount": account}, "ArnLike": source},
        }));
        statements.push(json!({
            "Sid": "FlowLogsWrite",
            "Effect": "Allow",
            "Principal": {"Service": "delivery.logs.amazonaws.com"},
            "Action": "s3:PutObject",
            "Resource": format!("{arn}/AWSLogs/{account}/*"),
            "Condition": {
                "StringEquals": {
                    "s3:x-amz-acl": "bucket-owner-full-control",
                    "aws:SourceAccount": account,
                },
                "ArnLike": source,
            },
        }));
    }
    statements
}

/// The actions the records deny covers.
const RECORD_WRITES: [&str; 3] = ["s3:DeleteObject", "s3:DeleteObjectVersion", "s3:PutObject"];

/// The ARN pattern of every deployment record in `bucket`.
pub fn records_arn(bucket: &str) -> String {
    format!("arn:aws:s3:::{bucket}/{RECORDS_PREFIX}*")
}

/// Whether a bucket policy denies writing records in `bucket` to every principal but `writers`.
pub fn limits_record_writers(policy: &Value, bucket: &str, writers: &[String]) -> bool {
    let mut want: Vec<&String> = writers.iter().collect();
    want.sort();
    statements(policy).iter().any(|s| {
        let mut allowed = as_list(&s["Condition"]["ArnNotLike"]["aws:PrincipalArn"]);
        allowed.sort();
        let actions = as_list(&s["Action"]);
        s["Effect"] == "Deny"
            && as_list(&s["Principal"]["AWS"]).iter().any(|p| p == "*")
            && RECORD_WRITES.iter().all(|a| actions.iter().any(|x| x == a))
            && as_list(&s["Resource"]) == [records_arn(bucket)]
            && allowed.iter().collect::<Vec<_>>() == want
    })
}

/// `expected` merged into the live policy `live`: the live statements stay, except those with a
/// statement id `expected` uses and those equal to one of its statements, which `expected`'s
/// replace; the live document's other keys (`Id`) stay. Nobody else's grant is lost when the
/// tool writes its own.
pub fn merge_policy(live: Option<&Value>, expected: &Value) -> Value {
    let ours = statements(expected);
    let sids: Vec<&Value> = ours.iter().filter_map(|s| s.get("Sid")).collect();
    let mut merged: Vec<Value> = live
        .map(statements)
        .unwrap_or_default()
        .into_iter()
        .filter(|s| !ours.contains(s) && s.get("Sid").is_none_or(|sid| !sids.contains(&sid)))
        .collect();
    merged.extend(ours);
    let mut doc = live.cloned().unwrap_or_else(|| json!({}));
    doc["Version"] = expected["Version"].clone();
    doc["Statement"] = Value::Array(merged);
    doc
}

fn statements(policy: &Value) -> Vec<Value> {
    match &policy["Statement"] {
        Value::Array(list) => list.clone(),
        single @ Value::Object(_) => vec![single.clone()],
        _ => Vec::new(),
    }
}

/// A policy value that is one string or a list of them, as a list.
pub(crate) fn as_list(v: &Value) -> Vec<String> {
    match v {
        Value::String(s) => vec![s.clone()],
        Value::Array(a) => a
            .iter()
            .filter_map(|x| x.as_str().map(String::from))
            .collect(),
        _ => Vec::new(),
    }
}

/// Whether a bucket policy lets S3 server access logging of `source` write into `bucket`.
pub fn allows_log_delivery(policy: &Value, bucket: &str, source: &str) -> bool {
    let resource = format!("arn:aws:s3:::{bucket}/{}*", access_log_prefix(source));
    statements(policy).iter().any(|s| {
        s["Effect"] == "Allow"
            && as_list(&s["Principal"]["Service"])
                .iter()
                .any(|p| p == "logging.s3.amazonaws.com")
            && as_list(&s["Action"])
                .iter()
                .any(|a| a == "s3:PutObject" || a == "s3:*")
            && as_list(&s["Resource"]).contains(&resource)
    })
}

/// Whether a bucket policy document denies non-TLS access to the whole bucket.
pub fn denies_insecure_transport(policy: &Value, bucket: &str) -> bool {
    statements(policy).iter().any(|s| {
        let resources = as_list(&s["Resource"]);
        let principal_all =
            s["Principal"] == "*" || as_list(&s["Principal"]["AWS"]).iter().any(|p| p == "*");
        s["Effect"] == "Deny"
            && principal_all
            && as_list(&s["Action"]).iter().any(|a| a == "s3:*")
            && resources.contains(&format!("arn:aws:s3:::{bucket}"))
            && resources.contains(&format!("arn:aws:s3:::{bucket}/*"))
            && matches!(
                &s["Condition"]["Bool"]["aws:SecureTransport"],
                Value::String(v) if v == "false"
            )
    })
}

/// What the Terraform lock table must look like.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LockTable {
    pub name: String,
    pub region: String,
    pub hash_key: &'static str,
    pub on_demand: bool,
    pub point_in_time_recovery: bool,
    pub encryption: bool,
    pub deletion_protection: bool,
    pub tags: Vec<(String, String)>,
}

pub fn lock_table(env: &Environment) -> LockTable {
    LockTable {
        name: env.names.lock_table.clone(),
        region: env.region.clone(),
        hash_key: "LockID",
        on_demand: true,
        point_in_time_recovery: true,
        encryption: true,
        deletion_protection: env.protected,
        tags: env.default_tags(),
    }
}

/// A CloudWatch alarm on a queue metric.
#[derive(Clone, Debug, PartialEq)]
pub struct Alarm {
    pub name: String,
    pub metric: &'static str,
    pub queue: String,
    pub threshold: f64,
    pub actions: Vec<String>,
}

/// What the job queue, its dead-letter queue and their alarms must look like.
#[derive(Clone, Debug, PartialEq)]
pub struct Queues {
    pub queue: String,
    pub dead_letter_queue: String,
    pub encryption: bool,
    pub visibility_timeout_seconds: u32,
    pub message_retention_seconds: u32,
    pub dlq_retention_seconds: u32,
    pub max_receive_count: u32,
    pub alarms: Vec<Alarm>,
}

pub fn queues(env: &Environment) -> Queues {
    let q = &env.sqs;
    let n = &env.names;
    let alarms = env
        .alarms()
        .into_iter()
        .filter_map(|a| {
            let (metric, queue) = match a.rule.kind {
                AlarmKind::DlqDepth => ("ApproximateNumberOfMessagesVisible", &n.dead_letter_queue),
                AlarmKind::OldestMessageAge => ("ApproximateAgeOfOldestMessage", &n.queue),
                _ => return None,
            };
            Some(Alarm {
                name: a.name.to_string(),
                metric,
                queue: queue.clone(),
                threshold: a.rule.cloudwatch_threshold(),
                actions: a.actions,
            })
        })
        .collect();
    Queues {
        queue: n.queue.clone(),
        dead_letter_queue: n.dead_letter_queue.clone(),
        encryption: q.encryption,
        visibility_timeout_seconds: q.visibility_timeout_seconds,
        message_retention_seconds: q.message_retention_seconds,
        dlq_retention_seconds: q.dlq_retention_seconds,
        max_receive_count: q.max_receive_count,
        alarms,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tls_policy_is_recognised_and_a_weaker_one_is_not() {
        let env = crate::environments::staging().build().unwrap();
        let logs = buckets(&env).remove(2);
        let p = bucket_policy(&logs);
        let data = &env.names.data_bucket;
        assert!(allows_log_delivery(&p, &logs.name, data));
        assert!(!allows_log_delivery(&p, &logs.name, "other"));
        let data_policy = bucket_policy(&buckets(&env).remove(1));
        assert!(!allows_log_delivery(&data_policy, &logs.name, data));
        let p = bucket_policy(&Bucket {
            name: "b".into(),
            ..logs
        });
        assert!(denies_insecure_transport(&p, "b"));
        assert!(!denies_insecure_transport(&p, "other"));
        let mut allow = p.clone();
        allow["Statement"][0]["Effect"] = json!("Allow");
        assert!(!denies_insecure_transport(&allow, "b"));
        let mut objects_only = p.clone();
        objects_only["Statement"][0]["Resource"] = json!("arn:aws:s3:::b/*");
        assert!(!denies_insecure_transport(&objects_only, "b"));
    }

    #[test]
    fn merge_keeps_foreign_statements_and_replaces_ours_by_sid() {
        let ours = json!({"Version": "2012-10-17", "Statement": [
            {"Sid": "A", "Effect": "Allow", "Action": "s3:GetObject"},
            {"Sid": "B", "Effect": "Deny", "Action": "s3:*"},
        ]});
        assert_eq!(merge_policy(None, &ours), ours);
        let existing = json!({"Version": "2008-10-17", "Id": "kept", "Statement": [
            {"Sid": "Foreign", "Effect": "Allow", "Action": "s3:ListBucket"},
            {"Sid": "A", "Effect": "Allow", "Action": "s3:*"},
            {"Effect": "Allow", "Action": "s3:GetBucketAcl"},
        ]});
        let merged = merge_policy(Some(&existing), &ours);
        assert_eq!(merged["Id"], "kept");
        assert_eq!(merged["Version"], "2012-10-17");
        let sids: Vec<&str> = merged["Statement"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["Sid"].as_str().unwrap_or("-"))
            .collect();
        assert_eq!(sids, ["Foreign", "-", "A", "B"]);
        assert_eq!(merged["Statement"][2]["Action"], "s3:GetObject");
        // A single statement object (not a list) is read too.
        let single = json!({"Statement": {"Sid": "Foreign", "Effect": "Allow"}});
        assert_eq!(
            merge_policy(Some(&single), &ours)["Statement"]
                .as_array()
                .unwrap()
                .len(),
            3
        );
    }

    #[test]
    fn the_log_bucket_grants_every_log_source_and_keeps_acls_off() {
        let env = crate::environments::production().build().unwrap();
        let logs = buckets(&env).remove(2);
        assert_eq!(logs.object_ownership, "BucketOwnerEnforced");
        let policy = bucket_policy(&logs);
        let sid = |id: &str| {
            statements(&policy)
                .into_iter()
                .find(|s| s["Sid"] == id)
                .unwrap_or_else(|| panic!("no `{id}` in {policy}"))
        };
        let alb = sid("LoadBalancerAccessLogs");
        // us-west-2 opened before August 2022: its Elastic Load Balancing account delivers.
        assert_eq!(alb["Principal"]["AWS"], "arn:aws:iam::797873946194:root");
        assert_eq!(
            alb["Resource"],
            "arn:aws:s3:::mht-api-production-logs/alb/AWSLogs/123456789012/*"
        );
        assert_eq!(
            sid("FlowLogsWrite")["Principal"]["Service"],
            "delivery.logs.amazonaws.com"
        );
        assert_eq!(
            elb_log_principal("ap-southeast-5"),
            json!({"Service": "logdelivery.elasticloadbalancing.amazonaws.com"})
        );
        let data = buckets(&env).remove(1);
        assert_eq!(data.lifecycle.noncurrent_expiration_days, Some(90));
        for b in buckets(&env) {
            assert_eq!(
                b.lifecycle.abort_incomplete_multipart_days,
                Some(7),
                "{}",
                b.name
            );
        }
    }

    #[test]
    fn buckets_follow_the_model() {
        let env = crate::environments::production().build().unwrap();
        let b = buckets(&env);
        assert_eq!(
            b.iter().map(|b| b.purpose).collect::<Vec<_>>(),
            ["state", "data", "logs"]
        );
        assert_eq!(b[0].name, "mht-terraform-state-production");
        assert_eq!(b[0].lifecycle.noncurrent_expiration_days, Some(365));
        assert_eq!(b[1].lifecycle.transitions.len(), 3);
        assert_eq!(
            b[1].logging_target.as_deref(),
            Some("mht-api-production-logs")
        );
        assert_eq!(b[2].lifecycle.expiration_days, Some(90));
        assert!(lock_table(&env).deletion_protection);
        let staging = crate::environments::staging().build().unwrap();
        assert!(!lock_table(&staging).deletion_protection);
        assert_eq!(
            queues(&staging).alarms[0].actions[0],
            "arn:aws:sns:us-west-2:123456789012:staging-alerts"
        );
    }

    #[test]
    fn records_are_written_by_deployers_only() {
        let env = crate::environments::staging().build().unwrap();
        let deploy = "arn:aws:iam::123456789012:role/mht-api-staging-deploy";
        assert_eq!(env.deployers(), [deploy]);
        assert!(is_deployer(&env, deploy));
        assert!(is_deployer(
            &env,
            "arn:aws:sts::123456789012:assumed-role/mht-api-staging-deploy/ci-run-7"
        ));
        for stranger in [
            "arn:aws:iam::123456789012:user/dev-one",
            "arn:aws:sts::123456789012:assumed-role/mht-api-production-deploy/ci",
            "arn:aws:sts::999999999999:assumed-role/mht-api-staging-deploy/ci",
            "",
        ] {
            assert!(!is_deployer(&env, stranger), "{stranger}");
        }
        let state = buckets(&env).remove(0);
        let policy = bucket_policy(&state);
        assert!(limits_record_writers(
            &policy,
            &state.name,
            &state.record_writers
        ));
        assert!(!limits_record_writers(
            &policy,
            &state.name,
            &["arn:aws:iam::1:user/x".into()]
        ));
        assert!(!limits_record_writers(
            &policy,
            "other",
            &state.record_writers
        ));
        assert!(policy.to_string().contains(RECORDS_SID));
        // Only the state bucket restricts record writers; the emulator gets no such deny.
        assert!(buckets(&env)[1..]
            .iter()
            .all(|b| b.record_writers.is_empty()));
        let emulated = bucket_policy(&state.on_emulator());
        assert!(!limits_record_writers(
            &emulated,
            &state.name,
            &state.record_writers
        ));
    }

    #[test]
    fn our_statements_are_merged_into_the_live_policy() {
        let env = crate::environments::staging().build().unwrap();
        let ours = bucket_policy(&buckets(&env).remove(0));
        let theirs = json!({"Sid": "AuditorsRead", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:role/audit"}, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::mht-terraform-state-staging/*"});
        let mut stale = ours["Statement"][1].clone();
        stale["Condition"] =
            json!({"ArnNotLike": {"aws:PrincipalArn": ["arn:aws:iam::1:user/old"]}});
        let live = json!({"Version": "2012-10-17", "Statement": [theirs.clone(), stale, ours["Statement"][0].clone()]});
        let merged = merge_policy(Some(&live), &ours);
        let list = merged["Statement"].as_array().unwrap();
        assert_eq!(list.len(), 3, "{merged}");
        assert_eq!(list[0], theirs);
        assert_eq!(list[1..], ours["Statement"].as_array().unwrap()[..]);
        assert_eq!(merge_policy(None, &ours)["Statement"], ours["Statement"]);
    }
}
