//! The rules AWS and Terraform enforce, in one place, each with a one-line source.
//!
//! [`ALL`] is the one registry of rules; [`check_environment`] runs every per-environment rule,
//! one file per area (identity, role, names, network, compute, s3, sqs, dynamodb, iam, dns,
//! monitoring, deployment, backend); [`crate::checks`] and [`crate::promotion`] add the rules
//! that span environments (isolation, parity, promotion order).

mod adopt;
mod backend;
mod compute;
mod cost;
mod deployment;
mod dns;
mod dynamodb;
mod hardening;
mod iam;
mod identity;
mod monitoring;
mod names;
mod network;
mod role;
mod s3;
mod sqs;

pub use crate::pattern::glob_match;
pub use backend::BACKEND_ARGUMENTS;
pub use dns::{certificate_covers, dns_name_problem};
pub use monitoring::{email_problem, https_problem};
pub use names::bucket_name_problem;
pub use network::Cidr;

use crate::model::Draft;
use std::fmt;

/// A rule: a stable id (used in messages and tests) and where it comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rule {
    pub id: &'static str,
    pub source: &'static str,
}

macro_rules! rules {
    ($($name:ident = $id:literal, $source:literal;)*) => {
        $(pub const $name: Rule = Rule { id: $id, source: $source };)*
        /// Every rule, for `validate --rules` and the docs.
        pub const ALL: &[Rule] = &[$($name),*];
    };
}

rules! {
    ENV_NAME = "env.name", "this tool: environment names are lowercase DNS labels so they can appear in every resource name";
    PROJECT = "env.project", "this tool: the project prefix is a lowercase DNS label";
    REGION = "env.region", "AWS General Reference, Regions: names like `us-west-2`";
    ACCOUNT = "env.account", "AWS Account Management: account IDs are 12 digits";
    ASSUME_ROLE = "env.assume-role", "IAM User Guide, IAM identifiers: a role ARN is `arn:aws:iam::<account>:role/<path/><name>`, names 1-64 chars of `\\w+=,.@-`; STS API Reference, AssumeRole: RoleSessionName 2-64 chars of `\\w+=,.@-`, ExternalId 2-1224 chars of `\\w+=,.@:/-`";
    ASSUME_ROLE_ACCOUNT = "env.assume-role-account", "this tool: the role an environment assumes is in the account it declares, or the account guard refuses the role's credentials";
    TAGS = "env.tags", "AWS Tagging Best Practices: keys 1-128 chars, values 0-256, no `aws:` prefix, at most 50 tags";
    NAME_BUCKET = "name.s3-bucket", "S3 User Guide, General purpose bucket naming rules";
    NAME_QUEUE = "name.sqs-queue", "SQS API Reference, CreateQueue QueueName: 1-80 chars, alphanumerics, `-`, `_`";
    NAME_TABLE = "name.dynamodb-table", "DynamoDB Developer Guide, Naming rules: 3-255 chars, `a-z A-Z 0-9 _ - .`";
    NAME_ROLE = "name.iam-role", "IAM User Guide, IAM quotas: role names 1-64 chars of `\\w+=,.@-`";
    NAME_POLICY = "name.iam-policy", "IAM User Guide, IAM quotas: policy names 1-128 chars of `\\w+=,.@-`";
    NAME_GROUP = "name.iam-group", "IAM User Guide, IAM quotas: group names 1-128 chars of `\\w+=,.@-`";
    NAME_INSTANCE_PROFILE = "name.iam-instance-profile", "IAM API Reference, CreateInstanceProfile: 1-128 chars of `\\w+=,.@-`";
    NAME_LOAD_BALANCER = "name.load-balancer", "ELBv2 API Reference, CreateLoadBalancer Name: 1-32 alphanumerics or `-`, not starting or ending with `-`, not `internal-`";
    NAME_TARGET_GROUP = "name.target-group", "ELBv2 API Reference, CreateTargetGroup Name: 1-32 alphanumerics or `-`, not starting or ending with `-`";
    NAME_SECURITY_GROUP = "name.security-group", "EC2 User Guide, Security group rules: names up to 255 chars, not starting with `sg-`";
    NAME_LAUNCH_TEMPLATE = "name.launch-template", "EC2 API Reference, CreateLaunchTemplate: 3-128 chars of `a-zA-Z0-9().-/_`";
    NAME_ASG = "name.autoscaling-group", "Auto Scaling API Reference, CreateAutoScalingGroup: 1-255 chars";
    NAME_TOPIC = "name.sns-topic", "SNS API Reference, CreateTopic Name: 1-256 alphanumerics, `-`, `_`";
    NAME_LOG_GROUP = "name.log-group", "CloudWatch Logs API Reference, CreateLogGroup: 1-512 chars of `a-zA-Z0-9_-/.#`";
    NAME_DASHBOARD = "name.dashboard", "CloudWatch API Reference, PutDashboard DashboardName: up to 255 chars of `A-Za-z0-9-_`";
    NAME_ALARM = "name.alarm", "CloudWatch API Reference, PutMetricAlarm AlarmName: 1-255 chars";
    NAME_FUNCTION = "name.lambda-function", "Lambda API Reference, CreateFunction FunctionName: 1-64 letters, digits, `-` or `_`";
    NAME_PARAMETER = "name.ssm-parameter", "Systems Manager User Guide, Parameter name requirements: `a-zA-Z0-9_.-/`, not starting with `aws` or `ssm`, at most 1011 chars";
    NAME_BUDGET = "name.budget", "AWS Budgets API Reference, Budget BudgetName: 1-100 chars, no `:` or `\\`";
    NAME_TRAIL = "name.cloudtrail", "CloudTrail API Reference, CreateTrail Name: 3-128 chars, letters, digits, `.` `_` `-`, starting and ending with a letter or digit";
    NAME_TAG = "name.tag", "EC2 User Guide, Tag restrictions: a `Name` tag value is at most 256 chars";
    CIDR = "network.cidr", "VPC User Guide, VPC CIDR blocks: an IPv4 network address (no host bits) with a /16 to /28 netmask";
    SUBNET_IN_VPC = "network.subnet-in-vpc", "VPC User Guide, Subnet sizing: a subnet's CIDR is a subset of the VPC CIDR";
    SUBNET_OVERLAP = "network.subnet-overlap", "VPC User Guide, Subnet sizing: subnet CIDRs in one VPC cannot overlap";
    SUBNET_PER_AZ = "network.subnet-per-az", "VPC User Guide, Subnets: a subnet lives in one AZ; this layout needs exactly one subnet per listed AZ";
    AZ_IN_REGION = "network.az-in-region", "AWS General Reference, AZ names are the region name plus a letter";
    ALB_TWO_AZS = "network.alb-two-azs", "ELB User Guide, Availability Zones: an Application Load Balancer needs subnets in at least two AZs";
    INSTANCE_TYPE = "compute.instance-type", "EC2 User Guide, Instance types: `family.size`, e.g. `t3.medium`; environments use the types of this tool's catalog (infra/src/model/catalog.rs)";
    INSTANCE_COUNT = "compute.instance-count", "this layout: at least one instance; an ALB target group needs a target";
    PORT = "compute.port", "EC2 API Reference, port ranges 1-65535";
    HEALTH_CHECK_PATH = "compute.health-check-path", "ELBv2 API Reference, HealthCheckPath: starts with `/`, at most 1024 chars";
    LIFECYCLE_STORAGE_CLASS = "s3.lifecycle.storage-class", "S3 API Reference, Transition StorageClass: STANDARD_IA, ONEZONE_IA, INTELLIGENT_TIERING, GLACIER_IR, GLACIER, DEEP_ARCHIVE";
    LIFECYCLE_IA_MIN_DAYS = "s3.lifecycle.ia-min-days", "S3 User Guide, Lifecycle transition constraints: objects must be at least 30 days old before moving to STANDARD_IA or ONEZONE_IA";
    LIFECYCLE_ORDER = "s3.lifecycle.order", "S3 User Guide, Supported lifecycle transitions: storage classes only move down the waterfall, later transitions at later days";
    LIFECYCLE_IA_STAY = "s3.lifecycle.ia-30-days", "S3 API Reference, PutBucketLifecycleConfiguration: a transition after STANDARD_IA/ONEZONE_IA must come at least 30 days later";
    LIFECYCLE_ENABLED = "s3.lifecycle.enabled", "this layout: an enabled lifecycle policy needs at least one transition, a disabled one none";
    TIERING_DAYS = "s3.intelligent-tiering.days", "S3 API Reference, Tiering: ARCHIVE_ACCESS 90-730 days, DEEP_ARCHIVE_ACCESS 180-730 days, deep archive after archive";
    EXPIRATION_DAYS = "s3.expiration-days", "S3 API Reference, LifecycleExpiration Days: a positive integer";
    LOG_RETENTION = "logs.retention", "CloudWatch Logs API Reference, PutRetentionPolicy retentionInDays: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653";
    SQS_VISIBILITY = "sqs.visibility-timeout", "SQS API Reference, VisibilityTimeout: 0-43200 seconds";
    SQS_RETENTION = "sqs.message-retention", "SQS API Reference, MessageRetentionPeriod: 60-1209600 seconds";
    SQS_MESSAGE_SIZE = "sqs.max-message-size", "SQS API Reference, MaximumMessageSize: 1024-262144 bytes";
    SQS_WAIT = "sqs.receive-wait", "SQS API Reference, ReceiveMessageWaitTimeSeconds: 0-20 seconds";
    SQS_MAX_RECEIVE = "sqs.max-receive-count", "SQS Developer Guide, RedrivePolicy maxReceiveCount: 1-1000";
    SQS_DLQ_RETENTION = "sqs.dlq-retention", "SQS Developer Guide, Dead-letter queues: set the DLQ's retention longer than the source queue's (expiry counts from the original enqueue)";
    SQS_ALARM_AGE = "sqs.alarm-age", "CloudWatch: ApproximateAgeOfOldestMessage alarm threshold must be below the queue's retention to ever fire";
    DYNAMODB_KEY = "dynamodb.hash-key", "DynamoDB Developer Guide, Naming rules: attribute names 1-255 chars";
    IAM_ROLES = "iam.roles", "this layout: each role appears once";
    IAM_ACCESS = "iam.access", "this tool: each access of a team is listed once, and `Deploy` needs a deployer role to assume";
    IAM_ACTION = "iam.action", "IAM JSON policy reference, Action: `service:Action` with `*` wildcards, or `*`";
    IAM_RESOURCE = "iam.resource", "IAM JSON policy reference, Resource: `*` or an ARN `arn:partition:service:region:account:resource`";
    IAM_RESOURCE_LEVEL = "iam.resource-level", "Service Authorization Reference: these actions support no resource-level permissions; scoped to an ARN they never match";
    IAM_ESCALATION = "iam.escalation", "IAM User Guide, Security best practices: a team allowed `iam:*` on its roles can grant itself access to any environment";
    IAM_POLICY_SIZE = "iam.policy-size", "IAM quotas: a managed policy document is at most 6144 characters";
    DNS_NAME = "dns.name", "Route 53 Developer Guide, DNS domain name format: labels 1-63 chars of `a-z0-9-`, at most 253 chars";
    DNS_IN_ZONE = "dns.in-zone", "Route 53 Developer Guide: a hosted zone only holds records of its own domain";
    ZONE_ID = "dns.zone-id", "Route 53 API Reference, HostedZone Id: `Z` followed by up to 32 uppercase letters and digits";
    CERT_COVERS = "dns.certificate-covers", "ACM User Guide, Wildcard names: `*.example.com` covers one label only (not `a.b.example.com`)";
    CERT_NAMES = "dns.certificate-names", "ACM quotas: a certificate has 1-10 names by default";
    ALARM_ACTION = "monitoring.alarm-action", "CloudWatch User Guide, Alarm actions: an SNS topic ARN in the alarm's region";
    ALARM_PERIOD = "monitoring.alarm-period", "CloudWatch API Reference, PutMetricAlarm Period: 10, 30 or a multiple of 60 seconds; Period × EvaluationPeriods at most 86400 seconds";
    ALARM_THRESHOLD = "monitoring.alarm-threshold", "this tool: a rate is 1-100 percent, an availability target 1-9999 basis points; a count threshold below 1 would alarm on every period";
    ALARM_UNIQUE = "monitoring.alarm-unique", "this tool: each alarm kind is declared once, its name computed from the kind";
    AVAILABILITY_WINDOW = "monitoring.availability-window", "seed §10: the availability alarm's window (period × evaluation periods) fits in the month's error budget (30 days × (100 % − target)) and in the 15-minute recovery target, or the target is missed before anyone is told";
    SUBSCRIPTION = "monitoring.subscription", "SNS API Reference, Subscribe Endpoint: an e-mail address for `email`, an `https://` URL for `https`";
    ROLLBACK_TIMEOUT = "deployment.rollback-timeout", "this tool: a rollback timeout between 1 and 60 minutes";
    BLUE_GREEN_ALB = "deployment.blue-green", "this layout: blue-green switches target groups behind the load balancer, so it needs one";
    RELEASE_IMAGE = "deployment.image", "Docker, image references: a repository is lowercase `/`-separated parts of `a-z0-9._-`, a tag 1-128 characters of `A-Za-z0-9_.-`";
    RELEASE_CANARY = "deployment.canary", "this tool: canary steps rise strictly, each 1-100 percent, and end at 100";
    RELEASE_TIMING = "deployment.timing", "this tool: bake 0-3600 s; health timeout 30-3600 s; the healthy time fits in the health timeout";
    RELEASE_BATCH = "deployment.batch-size", "this tool: a rolling batch replaces 1 to instance_count instances at a time";
    WEBHOOK_ENV = "deployment.webhook-env", "POSIX: environment variable names are `[A-Z_][A-Z0-9_]*`";
    BACKEND_KEY = "backend.key", "Terraform S3 backend: `key` must not start or end with `/` nor contain `//`";
    BACKEND_ARGUMENT = "backend.argument", "Terraform S3 backend, Configuration: only its documented arguments are accepted";
    BACKEND_LOCKING = "backend.locking", "Terraform S3 backend, State Locking: the lock table (`dynamodb_table`, deprecated from Terraform 1.11) or S3 native locking (`use_lockfile`, Terraform 1.11 or newer), declared as `backend.locking`";
    ADOPT = "adopt.entry", "Terraform, Import: an import block fills one resource this root manages, at most once";
    STATE_RETENTION = "backend.state-retention", "S3 API Reference, NoncurrentVersionExpiration NoncurrentDays: a positive integer";
    ISOLATION_NAME = "isolation.name", "seed §1: no resource name is shared between environments";
    ISOLATION_CIDR = "isolation.cidr", "seed §1: environments' VPC CIDRs are separate (and overlapping ranges cannot be peered)";
    ISOLATION_STATE = "isolation.state", "seed §3: each environment has its own state location";
    ISOLATION_DNS = "isolation.dns", "seed §4: each DNS name belongs to one environment";
    ISOLATION_ALARM = "isolation.alarm-topic", "seed §2: each environment alarms to its own topic";
    ISOLATION_POLICY = "isolation.policy", "seed §7: no statement (Allow or Deny) of any policy of one environment (team, service role, bucket) reaches an ARN another environment owns, objects, state, lock table and records included";
    ISOLATION_STATE_ACCESS = "isolation.state-access", "IAM User Guide, Security best practices (least privilege): only an environment's deployers reach its Terraform state, lock table and deployment records; teams that do not deploy it and its service roles do not";
    ISOLATION_SHARED = "isolation.shared", "seed §1: the hosted zone is the one shared resource, and it is the same zone everywhere";
    TERRAFORM_VALIDATE = "terraform.validate", "Terraform: `terraform validate` accepts the root and the modules it calls";
    RENDER_FRESH = "render.fresh", "this tool: generated files match a fresh `cargo xtask render`";
    COST_USAGE = "cost.usage", "AWS Budgets API Reference, Budget BudgetLimit: a positive amount; this tool: usage figures are finite and not negative";
    COST_BUDGET = "cost.budget", "this tool: the monthly estimate from the price sheet (infra/prices/) stays within the environment's declared budget";
    IMDS_HOP_LIMIT = "compute.imds-hop-limit", "EC2 API Reference, InstanceMetadataOptionsRequest HttpPutResponseHopLimit: 1-64";
    NONCURRENT_DAYS = "s3.noncurrent-days", "S3 API Reference, NoncurrentVersionExpiration NoncurrentDays: a positive integer";
    ABORT_MULTIPART_DAYS = "s3.abort-multipart-days", "S3 API Reference, AbortIncompleteMultipartUpload DaysAfterInitiation: a positive integer";
    DELETION_PROTECTION = "hardening.deletion-protection", "this tool: an environment that serves users keeps deletion protection on its load balancer and table (ELBv2 deletion_protection.enabled, DynamoDB DeletionProtectionEnabled)";
    PROMOTION = "promotion.order", "this tool: an environment is promoted from another defined environment, and the promotion order has no cycle";
    PARITY = "parity.feature", "seed §2: staging mirrors production's features; only declared dimensions differ";
}

/// One broken rule: where, which rule, the offending value, what is wrong and what to change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    pub env: String,
    pub path: String,
    pub rule: Rule,
    pub value: String,
    pub problem: String,
    pub fix: String,
}

impl Violation {
    /// `env.path`, or the bare path for violations outside any environment.
    pub fn location(&self) -> String {
        if self.env.is_empty() {
            self.path.clone()
        } else {
            format!("{}.{}", self.env, self.path)
        }
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {} (value `{}`, rule {}): {}",
            self.location(),
            self.problem,
            self.value,
            self.rule.id,
            self.fix
        )
    }
}

/// Collects violations for one environment.
pub(crate) struct Sink<'a> {
    pub env: &'a str,
    pub out: Vec<Violation>,
}

impl<'a> Sink<'a> {
    pub fn new(env: &'a str) -> Self {
        Sink {
            env,
            out: Vec::new(),
        }
    }

    pub fn add(
        &mut self,
        rule: Rule,
        path: impl Into<String>,
        value: impl fmt::Display,
        problem: impl Into<String>,
        fix: impl Into<String>,
    ) {
        self.out.push(Violation {
            env: self.env.to_string(),
            path: path.into(),
            rule,
            value: match value.to_string() {
                v if v.is_empty() => "\"\"".to_string(),
                v => v,
            },
            problem: problem.into(),
            fix: fix.into(),
        });
    }
}

fn all_chars(s: &str, ok: impl Fn(char) -> bool) -> bool {
    s.chars().all(ok)
}

/// Retention values CloudWatch Logs accepts.
pub const LOG_RETENTION_DAYS: [u32; 22] = [
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    3288, 3653,
];

fn check_log_retention(s: &mut Sink, path: &str, days: u32) {
    if !LOG_RETENTION_DAYS.contains(&days) {
        let nearest = LOG_RETENTION_DAYS
            .iter()
            .min_by_key(|v| v.abs_diff(days))
            .copied()
            .unwrap_or(1);
        s.add(
            LOG_RETENTION,
            path,
            days,
            "CloudWatch Logs does not accept this retention",
            format!("use one of the allowed values, nearest is {nearest}"),
        );
    }
}

fn check_range(s: &mut Sink, rule: Rule, path: &str, value: u32, min: u32, max: u32, unit: &str) {
    if !(min..=max).contains(&value) {
        s.add(
            rule,
            path,
            value,
            format!("is outside the accepted range {min}-{max} {unit}"),
            format!("set a value from {min} to {max}"),
        );
    }
}

/// The number of single-character insertions, deletions and substitutions between `a` and `b`
/// (Levenshtein distance).
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    // `row[j]`: distance between the prefix of `a` read so far and `b[..j]`.
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = if ca == *cb {
                diagonal
            } else {
                1 + diagonal.min(above).min(row[j])
            };
            diagonal = above;
        }
    }
    row[b.len()]
}

/// The fix for a name outside a closed set: the nearest entry (case aside) when it is close,
/// else every entry.
fn fix_for_unknown(name: &str, options: &[&str]) -> String {
    let lower = name.to_ascii_lowercase();
    let nearest = options
        .iter()
        .map(|o| (*o, edit_distance(&lower, &o.to_ascii_lowercase())))
        .min_by_key(|(_, d)| *d)
        .filter(|(_, d)| *d <= (lower.chars().count() / 3).max(2));
    match nearest {
        Some((o, _)) => format!("did you mean `{o}`?"),
        None => format!("use one of {}", options.join(", ")),
    }
}

/// Run every per-environment rule on an environment as described (catalog names included).
pub fn check_environment(env: &Draft) -> Vec<Violation> {
    let mut s = Sink::new(&env.name);
    identity::check_identity(&mut s, env);
    role::check_role(&mut s, env);
    names::check_names(&mut s, env);
    network::check_network(&mut s, env);
    compute::check_compute(&mut s, env);
    s3::check_s3(&mut s, env);
    sqs::check_sqs(&mut s, env);
    dynamodb::check_dynamodb(&mut s, env);
    iam::check_iam(&mut s, env);
    dns::check_dns(&mut s, env);
    monitoring::check_monitoring(&mut s, env);
    deployment::check_deployment(&mut s, env);
    backend::check_backend(&mut s, env);
    adopt::check_adopt(&mut s, env);
    cost::check_cost(&mut s, env);
    hardening::check_hardening(&mut s, env);
    s.out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance_counts_single_character_edits() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("t2.mirco", "t2.micro"), 2);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("abc", "abc"), 0);
    }

    #[test]
    fn the_fix_suggests_only_a_close_name() {
        let options = ["GLACIER", "GLACIER_IR", "DEEP_ARCHIVE"];
        assert_eq!(
            fix_for_unknown("GLACIR", &options),
            "did you mean `GLACIER`?"
        );
        assert_eq!(
            fix_for_unknown("glacier", &options),
            "did you mean `GLACIER`?"
        );
        assert_eq!(
            fix_for_unknown("COLD", &options),
            "use one of GLACIER, GLACIER_IR, DEEP_ARCHIVE"
        );
    }
}
