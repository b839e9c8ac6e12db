//! The rules AWS and Terraform enforce, in one place, each with a one-line source.
//!
//! [`check_environment`] runs every rule on one environment; [`crate::checks`] adds the rules
//! that span environments (isolation, parity).

use crate::model::{Environment, Transition};
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
    TAGS = "env.tags", "AWS Tagging Best Practices: keys 1-128 chars, values 0-256, no `aws:` prefix, at most 50 tags";
    NAME_BUCKET = "name.s3-bucket", "S3 User Guide, General purpose bucket naming rules";
    NAME_QUEUE = "name.sqs-queue", "SQS API Reference, CreateQueue QueueName: 1-80 chars, alphanumerics, `-`, `_`";
    NAME_TABLE = "name.dynamodb-table", "DynamoDB Developer Guide, Naming rules: 3-255 chars, `a-z A-Z 0-9 _ - .`";
    NAME_ROLE = "name.iam-role", "IAM User Guide, IAM quotas: role names 1-64 chars of `\\w+=,.@-`";
    NAME_POLICY = "name.iam-policy", "IAM User Guide, IAM quotas: policy names 1-128 chars of `\\w+=,.@-`";
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
    NAME_TRAIL = "name.cloudtrail", "CloudTrail API Reference, CreateTrail Name: 3-128 chars, letters, digits, `.` `_` `-`, starting and ending with a letter or digit";
    NAME_TAG = "name.tag", "EC2 User Guide, Tag restrictions: a `Name` tag value is at most 256 chars";
    CIDR = "network.cidr", "VPC User Guide, VPC CIDR blocks: an IPv4 network address (no host bits) with a /16 to /28 netmask";
    SUBNET_IN_VPC = "network.subnet-in-vpc", "VPC User Guide, Subnet sizing: a subnet's CIDR is a subset of the VPC CIDR";
    SUBNET_OVERLAP = "network.subnet-overlap", "VPC User Guide, Subnet sizing: subnet CIDRs in one VPC cannot overlap";
    SUBNET_PER_AZ = "network.subnet-per-az", "VPC User Guide, Subnets: a subnet lives in one AZ; this layout needs exactly one subnet per listed AZ";
    AZ_IN_REGION = "network.az-in-region", "AWS General Reference, AZ names are the region name plus a letter";
    ALB_TWO_AZS = "network.alb-two-azs", "ELB User Guide, Availability Zones: an Application Load Balancer needs subnets in at least two AZs";
    INSTANCE_TYPE = "compute.instance-type", "EC2 User Guide, Instance type naming: `family.size`, e.g. `t3.medium`";
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
    ROLLBACK_TIMEOUT = "deployment.rollback-timeout", "this tool: a rollback timeout between 1 and 60 minutes";
    BLUE_GREEN_ALB = "deployment.blue-green", "this layout: blue-green switches target groups behind the load balancer, so it needs one";
    WEBHOOK_ENV = "deployment.webhook-env", "POSIX: environment variable names are `[A-Z_][A-Z0-9_]*`";
    BACKEND_KEY = "backend.key", "Terraform S3 backend: `key` must not start or end with `/` nor contain `//`";
    BACKEND_ARGUMENT = "backend.argument", "Terraform S3 backend, Configuration: only its documented arguments are accepted";
    STATE_RETENTION = "backend.state-retention", "S3 API Reference, NoncurrentVersionExpiration NoncurrentDays: a positive integer";
    ISOLATION_NAME = "isolation.name", "seed §1: no resource name is shared between environments";
    ISOLATION_CIDR = "isolation.cidr", "seed §1: environments' VPC CIDRs are separate (and overlapping ranges cannot be peered)";
    ISOLATION_STATE = "isolation.state", "seed §3: each environment has its own state location";
    ISOLATION_DNS = "isolation.dns", "seed §4: each DNS name belongs to one environment";
    ISOLATION_ALARM = "isolation.alarm-topic", "seed §2: each environment alarms to its own topic";
    ISOLATION_POLICY = "isolation.team-policy", "seed §7: a team policy of one environment must not match another environment's resources";
    ISOLATION_SHARED = "isolation.shared", "seed §1: the hosted zone is the one shared resource, and it is the same zone everywhere";
    TERRAFORM_VALIDATE = "terraform.validate", "Terraform: `terraform validate` accepts the root and the modules it calls";
    RENDER_FRESH = "render.fresh", "this tool: generated files match a fresh `cargo xtask render`";
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

impl Sink<'_> {
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

/// The kinds of named resources, each with its naming rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NameKind {
    Bucket,
    Queue,
    Table,
    Role,
    Policy,
    InstanceProfile,
    LoadBalancer,
    TargetGroup,
    SecurityGroup,
    LaunchTemplate,
    AutoScalingGroup,
    Topic,
    LogGroup,
    Dashboard,
    Alarm,
    Trail,
    Tag,
}

fn all_chars(s: &str, ok: impl Fn(char) -> bool) -> bool {
    s.chars().all(ok)
}

fn iam_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "_+=,.@-".contains(c)
}

fn elb_name(s: &str) -> Option<String> {
    if s.is_empty() || s.len() > 32 {
        return Some(format!("is {} characters; the limit is 32", s.len()));
    }
    if !all_chars(s, |c| c.is_ascii_alphanumeric() || c == '-') {
        return Some("may only contain letters, digits and `-`".into());
    }
    if s.starts_with('-') || s.ends_with('-') {
        return Some("must not start or end with `-`".into());
    }
    None
}

fn is_ipv4(s: &str) -> bool {
    let parts: Vec<_> = s.split('.').collect();
    parts.len() == 4 && parts.iter().all(|p| p.parse::<u8>().is_ok())
}

/// Why `name` is not a valid S3 bucket name, if it is not.
pub fn bucket_name_problem(name: &str) -> Option<String> {
    let len = name.len();
    if !(3..=63).contains(&len) {
        return Some(format!("is {len} characters; bucket names have 3 to 63"));
    }
    if !all_chars(name, |c| {
        c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.'
    }) {
        return Some("may only contain lowercase letters, digits, `.` and `-`".into());
    }
    let edge_ok = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    if !edge_ok(name.chars().next()) || !edge_ok(name.chars().last()) {
        return Some("must begin and end with a letter or digit".into());
    }
    if name.contains("..") || name.contains(".-") || name.contains("-.") {
        return Some("must not contain `..`, `.-` or `-.`".into());
    }
    if is_ipv4(name) {
        return Some("must not look like an IP address".into());
    }
    for prefix in ["xn--", "sthree-", "amzn-s3-demo-"] {
        if name.starts_with(prefix) {
            return Some(format!(
                "must not start with the reserved prefix `{prefix}`"
            ));
        }
    }
    for suffix in ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"] {
        if name.ends_with(suffix) {
            return Some(format!("must not end with the reserved suffix `{suffix}`"));
        }
    }
    None
}

impl NameKind {
    pub fn rule(self) -> Rule {
        match self {
            NameKind::Bucket => NAME_BUCKET,
            NameKind::Queue => NAME_QUEUE,
            NameKind::Table => NAME_TABLE,
            NameKind::Role => NAME_ROLE,
            NameKind::Policy => NAME_POLICY,
            NameKind::InstanceProfile => NAME_INSTANCE_PROFILE,
            NameKind::LoadBalancer => NAME_LOAD_BALANCER,
            NameKind::TargetGroup => NAME_TARGET_GROUP,
            NameKind::SecurityGroup => NAME_SECURITY_GROUP,
            NameKind::LaunchTemplate => NAME_LAUNCH_TEMPLATE,
            NameKind::AutoScalingGroup => NAME_ASG,
            NameKind::Topic => NAME_TOPIC,
            NameKind::LogGroup => NAME_LOG_GROUP,
            NameKind::Dashboard => NAME_DASHBOARD,
            NameKind::Alarm => NAME_ALARM,
            NameKind::Trail => NAME_TRAIL,
            NameKind::Tag => NAME_TAG,
        }
    }

    /// Why `name` is not valid for this kind of resource, if it is not.
    pub fn problem(self, name: &str) -> Option<String> {
        let len = name.chars().count();
        let limit = |min: usize, max: usize| {
            (!(min..=max).contains(&len))
                .then(|| format!("is {len} characters; the limit is {min} to {max}"))
        };
        match self {
            NameKind::Bucket => bucket_name_problem(name),
            NameKind::Queue => limit(1, 80).or_else(|| {
                let base = name.strip_suffix(".fifo").unwrap_or(name);
                (!all_chars(base, |c| c.is_ascii_alphanumeric() || c == '-' || c == '_')).then(
                    || {
                        "may only contain letters, digits, `-` and `_` (and a `.fifo` suffix)"
                            .into()
                    },
                )
            }),
            NameKind::Table => limit(3, 255).or_else(|| {
                (!all_chars(name, |c| c.is_ascii_alphanumeric() || "_-.".contains(c)))
                    .then(|| "may only contain letters, digits, `_`, `-` and `.`".into())
            }),
            NameKind::Role => limit(1, 64).or_else(|| {
                (!all_chars(name, iam_char))
                    .then(|| "may only contain letters, digits and `_+=,.@-`".into())
            }),
            NameKind::Policy | NameKind::InstanceProfile => limit(1, 128).or_else(|| {
                (!all_chars(name, iam_char))
                    .then(|| "may only contain letters, digits and `_+=,.@-`".into())
            }),
            NameKind::LoadBalancer => elb_name(name).or_else(|| {
                name.starts_with("internal-")
                    .then(|| "must not start with `internal-`".into())
            }),
            NameKind::TargetGroup => elb_name(name),
            NameKind::SecurityGroup => limit(1, 255).or_else(|| {
                name.starts_with("sg-")
                    .then(|| "must not start with `sg-`".into())
            }),
            NameKind::LaunchTemplate => limit(3, 128).or_else(|| {
                (!all_chars(name, |c| c.is_ascii_alphanumeric() || "().-/_".contains(c)))
                    .then(|| "may only contain letters, digits and `().-/_`".into())
            }),
            NameKind::AutoScalingGroup | NameKind::Alarm => limit(1, 255),
            NameKind::Topic => limit(1, 256).or_else(|| {
                (!all_chars(name, |c| c.is_ascii_alphanumeric() || c == '-' || c == '_'))
                    .then(|| "may only contain letters, digits, `-` and `_`".into())
            }),
            NameKind::LogGroup => limit(1, 512).or_else(|| {
                (!all_chars(name, |c| c.is_ascii_alphanumeric() || "_-/.#".contains(c)))
                    .then(|| "may only contain letters, digits and `_-/.#`".into())
            }),
            NameKind::Dashboard => limit(1, 255).or_else(|| {
                (!all_chars(name, |c| c.is_ascii_alphanumeric() || c == '-' || c == '_'))
                    .then(|| "may only contain letters, digits, `-` and `_`".into())
            }),
            NameKind::Trail => limit(3, 128).or_else(|| {
                if !all_chars(name, |c| c.is_ascii_alphanumeric() || "._-".contains(c)) {
                    return Some("may only contain letters, digits, `.`, `_` and `-`".into());
                }
                let edge = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
                if !edge(name.chars().next()) || !edge(name.chars().last()) {
                    return Some("must start and end with a letter or digit".into());
                }
                ["..", "._", ".-", "_.", "__", "_-", "-.", "-_", "--"]
                    .iter()
                    .find(|p| name.contains(*p))
                    .map(|p| format!("must not contain adjacent `{p}`"))
            }),
            NameKind::Tag => limit(1, 256),
        }
    }
}

/// An IPv4 CIDR block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cidr {
    pub addr: u32,
    pub len: u8,
}

impl Cidr {
    /// Parse `a.b.c.d/n`, requiring the network address (no host bits set).
    pub fn parse(s: &str) -> Result<Cidr, String> {
        let (ip, len) = s
            .split_once('/')
            .ok_or_else(|| "is not in `a.b.c.d/n` form".to_string())?;
        let octets: Vec<_> = ip.split('.').map(str::parse::<u8>).collect();
        if octets.len() != 4 || octets.iter().any(Result::is_err) {
            return Err(format!("`{ip}` is not an IPv4 address"));
        }
        let addr = octets
            .into_iter()
            .fold(0u32, |acc, o| (acc << 8) | u32::from(o.unwrap_or(0)));
        let len: u8 = len
            .parse()
            .ok()
            .filter(|l| *l <= 32)
            .ok_or_else(|| format!("`/{len}` is not a netmask length 0-32"))?;
        let cidr = Cidr { addr, len };
        if cidr.addr & !cidr.mask() != 0 {
            return Err(format!(
                "has host bits set; the network address is `{}`",
                Cidr {
                    addr: cidr.addr & cidr.mask(),
                    len
                }
            ));
        }
        Ok(cidr)
    }

    fn mask(self) -> u32 {
        if self.len == 0 {
            0
        } else {
            u32::MAX << (32 - self.len)
        }
    }

    fn last(self) -> u32 {
        self.addr | !self.mask()
    }

    pub fn contains(self, other: Cidr) -> bool {
        other.len >= self.len && other.addr & self.mask() == self.addr
    }

    pub fn overlaps(self, other: Cidr) -> bool {
        self.addr <= other.last() && other.addr <= self.last()
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let a = self.addr.to_be_bytes();
        write!(f, "{}.{}.{}.{}/{}", a[0], a[1], a[2], a[3], self.len)
    }
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

/// Storage classes in the order S3 lets objects move down ("the waterfall").
const WATERFALL: [&str; 6] = [
    "STANDARD_IA",
    "INTELLIGENT_TIERING",
    "ONEZONE_IA",
    "GLACIER_IR",
    "GLACIER",
    "DEEP_ARCHIVE",
];

fn is_ia(class: &str) -> bool {
    class == "STANDARD_IA" || class == "ONEZONE_IA"
}

/// Check a list of lifecycle transitions as S3 applies them.
pub(crate) fn check_lifecycle(s: &mut Sink, path: &str, list: &[Transition]) {
    let mut prev: Option<(&Transition, usize)> = None;
    for (i, t) in list.iter().enumerate() {
        let at = format!("{path}[{i}]");
        let Some(rank) = WATERFALL.iter().position(|c| *c == t.storage_class) else {
            s.add(
                LIFECYCLE_STORAGE_CLASS,
                &at,
                &t.storage_class,
                "is not a storage class lifecycle rules can transition to",
                format!("use one of {}", WATERFALL.join(", ")),
            );
            continue;
        };
        if is_ia(&t.storage_class) && t.days < 30 {
            s.add(
                LIFECYCLE_IA_MIN_DAYS,
                &at,
                format!("{} days → {}", t.days, t.storage_class),
                format!(
                    "S3 refuses a transition to {} before day 30",
                    t.storage_class
                ),
                "set days to 30 or more",
            );
        }
        if let Some((p, prank)) = prev {
            if rank <= prank || t.days <= p.days {
                s.add(
                    LIFECYCLE_ORDER,
                    &at,
                    format!("{} days → {}", t.days, t.storage_class),
                    format!(
                        "comes after {} days → {}; transitions must go to a colder class at a later day",
                        p.days, p.storage_class
                    ),
                    "order transitions by days, each to a colder storage class",
                );
            } else if is_ia(&p.storage_class) && t.days < p.days + 30 {
                s.add(
                    LIFECYCLE_IA_STAY,
                    &at,
                    format!("{} days → {}", t.days, t.storage_class),
                    format!(
                        "objects must stay 30 days in {} (from day {}) before moving on",
                        p.storage_class, p.days
                    ),
                    format!("set days to {} or more", p.days + 30),
                );
            }
        }
        prev = Some((t, rank));
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

fn is_dns_label(label: &str) -> bool {
    !label.is_empty()
        && label.len() <= 63
        && all_chars(label, |c| {
            c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'
        })
        && !label.starts_with('-')
        && !label.ends_with('-')
}

/// Why `name` is not a valid DNS name (a leading `*.` is allowed when `wildcard`), if not.
pub fn dns_name_problem(name: &str, wildcard: bool) -> Option<String> {
    let body = match name.strip_prefix("*.") {
        Some(rest) if wildcard => rest,
        _ => name,
    };
    if name.len() > 253 {
        return Some(format!("is {} characters; the limit is 253", name.len()));
    }
    match body.split('.').find(|l| !is_dns_label(l)) {
        Some(l) => Some(format!(
            "label `{l}` is not 1-63 lowercase letters, digits or inner `-`"
        )),
        None if !body.contains('.') => Some("is not a fully qualified domain name".into()),
        None => None,
    }
}

/// Whether a certificate name (possibly `*.domain`) covers `name`.
pub fn certificate_covers(cert: &str, name: &str) -> bool {
    match cert.strip_prefix("*.") {
        Some(domain) => name
            .split_once('.')
            .is_some_and(|(label, rest)| !label.is_empty() && rest == domain),
        None => cert == name,
    }
}

fn is_region(s: &str) -> bool {
    // e.g. us-west-2, eu-central-1, us-gov-west-1, ap-southeast-4
    let parts: Vec<_> = s.split('-').collect();
    (3..=4).contains(&parts.len())
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && all_chars(p, |c| c.is_ascii_lowercase()))
        && parts[parts.len() - 1].parse::<u8>().is_ok()
}

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

/// Arguments the Terraform `backend "s3"` block accepts besides those the model renders.
pub const BACKEND_ARGUMENTS: [&str; 24] = [
    "acl",
    "assume_role",
    "assume_role_with_web_identity",
    "custom_ca_bundle",
    "ec2_metadata_service_endpoint",
    "endpoints",
    "forbidden_account_ids",
    "allowed_account_ids",
    "http_proxy",
    "https_proxy",
    "insecure",
    "kms_key_id",
    "max_retries",
    "no_proxy",
    "profile",
    "retry_mode",
    "shared_config_files",
    "shared_credentials_files",
    "skip_credentials_validation",
    "skip_metadata_api_check",
    "skip_region_validation",
    "skip_s3_checksum",
    "sse_customer_key",
    "use_lockfile",
];

/// Bucket settings people put into the backend block by mistake, and where they belong.
const BUCKET_SETTINGS: [&str; 4] = [
    "versioning",
    "lifecycle_rule",
    "server_side_encryption",
    "logging",
];

/// Run every per-environment rule.
pub fn check_environment(env: &Environment) -> Vec<Violation> {
    let mut s = Sink {
        env: &env.name,
        out: Vec::new(),
    };
    check_identity(&mut s, env);
    for (kind, path, name) in env.names.all() {
        if let Some(problem) = kind.problem(name) {
            s.add(
                kind.rule(),
                path,
                name,
                format!("name {problem}"),
                "shorten or rename the project or environment so every derived name fits",
            );
        }
    }
    check_network(&mut s, env);
    check_compute(&mut s, env);
    check_s3(&mut s, env);
    check_sqs(&mut s, env);
    check_iam(&mut s, env);
    check_dns(&mut s, env);
    check_monitoring(&mut s, env);
    check_deployment(&mut s, env);
    check_backend(&mut s, env);
    s.out
}

fn check_identity(s: &mut Sink, env: &Environment) {
    if !is_dns_label(&env.name) {
        s.add(
            ENV_NAME,
            "name",
            &env.name,
            "environment name is not a lowercase DNS label",
            "use lowercase letters, digits and inner `-`, e.g. `staging`",
        );
    }
    if !is_dns_label(&env.project) {
        s.add(
            PROJECT,
            "project",
            &env.project,
            "project prefix is not a lowercase DNS label",
            "use lowercase letters, digits and inner `-`, e.g. `mht-api`",
        );
    }
    if !is_region(&env.region) {
        s.add(
            REGION,
            "region",
            &env.region,
            "is not an AWS region name",
            "use a region such as `us-west-2`",
        );
    }
    if env.account_id.len() != 12 || !all_chars(&env.account_id, |c| c.is_ascii_digit()) {
        s.add(
            ACCOUNT,
            "account",
            &env.account_id,
            "is not a 12-digit AWS account ID",
            "use the 12-digit ID `aws sts get-caller-identity` prints",
        );
    }
    let tags = env.default_tags();
    if tags.len() > 50 {
        s.add(TAGS, "tags", tags.len(), "more than 50 tags", "drop tags");
    }
    for (k, v) in &tags {
        let bad_key = k.is_empty() || k.len() > 128 || k.to_ascii_lowercase().starts_with("aws:");
        if bad_key || v.len() > 256 {
            s.add(
                TAGS,
                format!("tags.{k}"),
                v,
                "tag key must be 1-128 chars without `aws:`, value at most 256 chars",
                "rename the key or shorten the value",
            );
        }
    }
}

fn check_network(s: &mut Sink, env: &Environment) {
    let n = &env.network;
    let parse = |s: &mut Sink, path: &str, v: &str| match Cidr::parse(v) {
        Ok(c) if (16..=28).contains(&c.len) => Some(c),
        Ok(c) => {
            s.add(
                CIDR,
                path,
                v,
                format!("netmask /{} is outside /16-/28", c.len),
                "use a netmask from /16 to /28",
            );
            None
        }
        Err(e) => {
            s.add(
                CIDR,
                path,
                v,
                format!("CIDR {e}"),
                "write an IPv4 network address such as `10.1.0.0/16`",
            );
            None
        }
    };
    let vpc = parse(s, "network.vpc_cidr", &n.vpc_cidr);
    let mut subnets: Vec<(usize, Cidr)> = Vec::new();
    for (i, v) in n.subnet_cidrs.iter().enumerate() {
        let path = format!("network.subnet_cidrs[{i}]");
        let Some(c) = parse(s, &path, v) else {
            continue;
        };
        if let Some(vpc) = vpc.filter(|vpc| !vpc.contains(c)) {
            s.add(
                SUBNET_IN_VPC,
                &path,
                v,
                format!("is not inside the VPC `{vpc}`"),
                format!("choose a subnet within `{vpc}`"),
            );
        }
        if let Some((j, _)) = subnets.iter().find(|(_, o)| o.overlaps(c)) {
            s.add(
                SUBNET_OVERLAP,
                &path,
                v,
                format!("overlaps subnet_cidrs[{j}] `{}`", n.subnet_cidrs[*j]),
                "give each subnet its own range",
            );
        }
        subnets.push((i, c));
    }
    for (i, az) in n.availability_zones.iter().enumerate() {
        let ok = az
            .strip_prefix(env.region.as_str())
            .is_some_and(|rest| rest.len() == 1 && rest.chars().all(|c| c.is_ascii_lowercase()));
        if !ok {
            s.add(
                AZ_IN_REGION,
                format!("network.availability_zones[{i}]"),
                az,
                format!("is not an availability zone of `{}`", env.region),
                format!("use `{}a`, `{}b`, …", env.region, env.region),
            );
        }
        if n.availability_zones[..i].contains(az) {
            s.add(
                SUBNET_PER_AZ,
                format!("network.availability_zones[{i}]"),
                az,
                "is listed twice",
                "list each availability zone once",
            );
        }
    }
    if n.subnet_cidrs.len() != n.availability_zones.len() {
        s.add(
            SUBNET_PER_AZ,
            "network.subnet_cidrs",
            format!(
                "{} subnets, {} zones",
                n.subnet_cidrs.len(),
                n.availability_zones.len()
            ),
            "needs exactly one subnet per availability zone",
            "list as many subnet CIDRs as availability zones",
        );
    }
    let mut zones = n.availability_zones.clone();
    zones.sort();
    zones.dedup();
    if env.compute.load_balancer && zones.len() < 2 {
        s.add(
            ALB_TWO_AZS,
            "network.availability_zones",
            zones.len(),
            "an Application Load Balancer needs subnets in at least two availability zones",
            "add a second availability zone and subnet",
        );
    }
}

fn check_compute(s: &mut Sink, env: &Environment) {
    let c = &env.compute;
    let valid_type = c
        .instance_type
        .split_once('.')
        .is_some_and(|(family, size)| {
            family.starts_with(|ch: char| ch.is_ascii_lowercase())
                && all_chars(family, |ch| {
                    ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '-'
                })
                && !size.is_empty()
                && all_chars(size, |ch| ch.is_ascii_lowercase() || ch.is_ascii_digit())
        });
    if !valid_type {
        s.add(
            INSTANCE_TYPE,
            "compute.instance_type",
            &c.instance_type,
            "is not an EC2 instance type",
            "use `family.size`, e.g. `t3.medium`",
        );
    }
    if c.instance_count == 0 {
        s.add(
            INSTANCE_COUNT,
            "compute.instance_count",
            0,
            "no instance would serve the API",
            "set at least 1",
        );
    }
    if c.app_port == 0 {
        s.add(PORT, "compute.app_port", 0, "is not a port", "use 1-65535");
    }
    if !c.health_check_path.starts_with('/') || c.health_check_path.len() > 1024 {
        s.add(
            HEALTH_CHECK_PATH,
            "compute.health_check_path",
            &c.health_check_path,
            "health check path must start with `/` and be at most 1024 chars",
            "use a path such as `/health`",
        );
    }
}

fn check_s3(s: &mut Sink, env: &Environment) {
    let d = &env.s3.data;
    check_lifecycle(s, "s3.data.lifecycle", &d.lifecycle);
    if d.lifecycle_enabled == d.lifecycle.is_empty() {
        s.add(
            LIFECYCLE_ENABLED,
            "s3.data.lifecycle",
            format!(
                "enabled={}, {} transitions",
                d.lifecycle_enabled,
                d.lifecycle.len()
            ),
            "lifecycle policy switch and transitions disagree",
            "enable the policy and list transitions, or disable it and list none",
        );
    }
    if let Some(t) = &d.intelligent_tiering {
        let ok = (90..=730).contains(&t.archive_access_days)
            && (180..=730).contains(&t.deep_archive_access_days)
            && t.deep_archive_access_days > t.archive_access_days;
        if !ok {
            s.add(
                TIERING_DAYS,
                "s3.data.intelligent_tiering",
                format!(
                    "archive {} days, deep archive {} days",
                    t.archive_access_days, t.deep_archive_access_days
                ),
                "S3 Intelligent-Tiering refuses these archive days",
                "use archive 90-730 days and a later deep archive 180-730 days",
            );
        }
    }
    if env.s3.log_retention_days == 0 {
        s.add(
            EXPIRATION_DAYS,
            "s3.log_retention_days",
            0,
            "S3 expiration days must be positive",
            "set 1 or more days",
        );
    }
}

fn check_sqs(s: &mut Sink, env: &Environment) {
    let q = &env.sqs;
    check_range(
        s,
        SQS_VISIBILITY,
        "sqs.visibility_timeout_seconds",
        q.visibility_timeout_seconds,
        0,
        43_200,
        "seconds",
    );
    check_range(
        s,
        SQS_RETENTION,
        "sqs.message_retention_seconds",
        q.message_retention_seconds,
        60,
        1_209_600,
        "seconds",
    );
    check_range(
        s,
        SQS_RETENTION,
        "sqs.dlq_retention_seconds",
        q.dlq_retention_seconds,
        60,
        1_209_600,
        "seconds",
    );
    check_range(
        s,
        SQS_MESSAGE_SIZE,
        "sqs.max_message_size_bytes",
        q.max_message_size_bytes,
        1024,
        262_144,
        "bytes",
    );
    check_range(
        s,
        SQS_WAIT,
        "sqs.receive_wait_seconds",
        q.receive_wait_seconds,
        0,
        20,
        "seconds",
    );
    check_range(
        s,
        SQS_MAX_RECEIVE,
        "sqs.max_receive_count",
        q.max_receive_count,
        1,
        1000,
        "receives",
    );
    if q.dlq_retention_seconds <= q.message_retention_seconds {
        s.add(
            SQS_DLQ_RETENTION,
            "sqs.dlq_retention_seconds",
            q.dlq_retention_seconds,
            format!(
                "the dead-letter queue keeps messages no longer than the source ({} s); redriven messages would expire early",
                q.message_retention_seconds
            ),
            "make the DLQ retention longer than the source queue's",
        );
    }
    if q.alarms && q.oldest_message_alarm_seconds >= q.message_retention_seconds {
        s.add(
            SQS_ALARM_AGE,
            "sqs.oldest_message_alarm_seconds",
            q.oldest_message_alarm_seconds,
            "messages expire before the age alarm could fire",
            "set the threshold below message_retention_seconds",
        );
    }
    check_log_retention(s, "sqs.log_retention_days", q.log_retention_days);
    if env.dynamodb.hash_key.is_empty() || env.dynamodb.hash_key.len() > 255 {
        s.add(
            DYNAMODB_KEY,
            "dynamodb.hash_key",
            &env.dynamodb.hash_key,
            "attribute name must be 1-255 characters",
            "name the key attribute, e.g. `id`",
        );
    }
}

fn check_iam(s: &mut Sink, env: &Environment) {
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
        let base = format!("iam.team_policies[{p}]");
        let all_actions = policy
            .denied_actions
            .iter()
            .chain(policy.statements.iter().flat_map(|st| &st.actions));
        for action in all_actions {
            let ok = action == "*"
                || action.split_once(':').is_some_and(|(svc, act)| {
                    !svc.is_empty()
                        && all_chars(svc, |c| {
                            c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'
                        })
                        && !act.is_empty()
                        && all_chars(act, |c| c.is_ascii_alphanumeric() || c == '*' || c == '?')
                });
            if !ok {
                s.add(
                    IAM_ACTION,
                    format!("{base}.actions"),
                    action,
                    "is not an IAM action",
                    "write `service:Action`, e.g. `s3:GetObject`",
                );
            }
        }
        let denied = |action: &str| {
            policy
                .denied_actions
                .iter()
                .any(|d| glob_match(action, &d.to_ascii_lowercase()))
        };
        for (i, st) in policy.statements.iter().enumerate() {
            let path = format!("{base}.statements[{i}]");
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
        let size = crate::render::team_policy_document(policy)
            .to_string()
            .len();
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

fn check_dns(s: &mut Sink, env: &Environment) {
    let d = &env.dns;
    if let Some(p) = dns_name_problem(&d.zone.name, false) {
        s.add(
            DNS_NAME,
            "dns.zone.name",
            &d.zone.name,
            format!("zone name {p}"),
            "use the zone's domain, e.g. `example.com`",
        );
    }
    let id = &d.zone.zone_id;
    let id_ok = id.len() >= 2
        && id.len() <= 33
        && id.starts_with('Z')
        && all_chars(id, |c| c.is_ascii_uppercase() || c.is_ascii_digit());
    if !id_ok {
        s.add(
            ZONE_ID,
            "dns.zone.zone_id",
            id,
            "is not a Route 53 hosted zone ID",
            "copy the ID from `aws route53 list-hosted-zones`",
        );
    }
    if d.api_names.is_empty() {
        s.add(
            DNS_NAME,
            "dns.api_names",
            "[]",
            "the API has no DNS name",
            "add at least one name in the zone",
        );
    }
    for (i, name) in d.api_names.iter().enumerate() {
        let path = format!("dns.api_names[{i}]");
        if let Some(p) = dns_name_problem(name, false) {
            s.add(
                DNS_NAME,
                &path,
                name,
                format!("DNS name {p}"),
                "use a lowercase fully qualified name",
            );
            continue;
        }
        let in_zone = name == &d.zone.name || name.ends_with(&format!(".{}", d.zone.name));
        if !in_zone {
            s.add(
                DNS_IN_ZONE,
                &path,
                name,
                format!("is not inside the hosted zone `{}`", d.zone.name),
                format!("use a name ending in `.{}`", d.zone.name),
            );
        }
        if !d
            .certificate_names
            .iter()
            .any(|c| certificate_covers(c, name))
        {
            s.add(
                CERT_COVERS,
                &path,
                name,
                format!(
                    "is not covered by the certificate names [{}]",
                    d.certificate_names.join(", ")
                ),
                format!("add `{name}` to certificate_names"),
            );
        }
    }
    if d.certificate_names.is_empty() || d.certificate_names.len() > 10 {
        s.add(
            CERT_NAMES,
            "dns.certificate_names",
            d.certificate_names.len(),
            "a certificate needs 1-10 names",
            "list the API names the certificate must cover",
        );
    }
    for (i, c) in d.certificate_names.iter().enumerate() {
        if let Some(p) = dns_name_problem(c, true) {
            s.add(
                DNS_NAME,
                format!("dns.certificate_names[{i}]"),
                c,
                format!("certificate name {p}"),
                "use a fully qualified name or `*.domain`",
            );
        }
    }
}

fn check_monitoring(s: &mut Sink, env: &Environment) {
    check_log_retention(
        s,
        "monitoring.log_retention_days",
        env.monitoring.log_retention_days,
    );
    for (i, arn) in env.monitoring.extra_alarm_actions.iter().enumerate() {
        let parts: Vec<_> = arn.split(':').collect();
        let ok = parts.len() == 6
            && parts[0] == "arn"
            && parts[2] == "sns"
            && parts[3] == env.region
            && parts[4].len() == 12
            && NameKind::Topic.problem(parts[5]).is_none();
        if !ok {
            s.add(
                ALARM_ACTION,
                format!("monitoring.extra_alarm_actions[{i}]"),
                arn,
                format!("is not an SNS topic ARN in `{}`", env.region),
                format!("use `arn:aws:sns:{}:<account>:<topic>`", env.region),
            );
        }
    }
}

fn check_deployment(s: &mut Sink, env: &Environment) {
    let d = &env.deployment;
    check_range(
        s,
        ROLLBACK_TIMEOUT,
        "deployment.rollback_timeout_minutes",
        d.rollback_timeout_minutes,
        1,
        60,
        "minutes",
    );
    if d.blue_green && !env.compute.load_balancer {
        s.add(
            BLUE_GREEN_ALB,
            "deployment.blue_green",
            true,
            "blue-green needs the load balancer",
            "enable compute.load_balancer or disable blue_green",
        );
    }
    let w = &d.discord_webhook_env;
    let ok = w.starts_with(|c: char| c.is_ascii_uppercase() || c == '_')
        && all_chars(w, |c| {
            c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_'
        });
    if !ok {
        s.add(
            WEBHOOK_ENV,
            "deployment.discord_webhook_env",
            w,
            "is not an environment variable name",
            "use e.g. `MHT_DISCORD_WEBHOOK_URL`",
        );
    }
}

fn check_backend(s: &mut Sink, env: &Environment) {
    let b = &env.backend;
    if b.key.is_empty() || b.key.starts_with('/') || b.key.ends_with('/') || b.key.contains("//") {
        s.add(
            BACKEND_KEY,
            "backend.key",
            &b.key,
            "Terraform's S3 backend rejects this key",
            "use a relative path such as `infrastructure/terraform.tfstate`",
        );
    }
    if b.state_retention_days == 0 {
        s.add(
            STATE_RETENTION,
            "backend.state_retention_days",
            0,
            "noncurrent state versions would never be kept",
            "set 1 or more days",
        );
    }
    for (k, _) in &b.extra {
        let path = format!("backend.extra.{k}");
        if BUCKET_SETTINGS.contains(&k.as_str()) {
            s.add(
                BACKEND_ARGUMENT,
                path,
                k,
                "is a setting of the state bucket, not an argument of the `backend \"s3\"` block; terraform init rejects it",
                "remove it: `cargo xtask setup-backend` applies versioning, encryption and state_retention_days to the bucket",
            );
        } else if !BACKEND_ARGUMENTS.contains(&k.as_str()) {
            s.add(
                BACKEND_ARGUMENT,
                path,
                k,
                "is not an argument of Terraform's `backend \"s3\"` block (bucket, key, region, dynamodb_table and encrypt come from the model)",
                format!("remove it or use one of {}", BACKEND_ARGUMENTS.join(", ")),
            );
        }
    }
}
