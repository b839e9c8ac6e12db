//! The model of one environment: plain data, the bottom layer of the crate (it imports nothing
//! else from it). [`crate::builder`] produces an [`Environment`] from the DSL, computing every
//! resource name once ([`Names`]) and running every rule of [`crate::rules`].
//!
//! Two sections carry names looked up in a catalog ([`catalog`]): the instance type of
//! [`Compute`] and the storage classes of the lifecycle [`Transition`]s. The DSL writes them as
//! strings (a [`Draft`], whose sections are `Compute<String>` and `S3<String>`); a built
//! [`Environment`] holds the catalog entries (the defaults of the type parameters).

mod alerting;
mod catalog;

pub use alerting::{
    error_budget_seconds, AlarmKind, AlarmRule, DashboardView, Protocol, Severity, Subscription,
    BASIS_POINTS,
};
pub use catalog::{InstanceSpec, StorageClass, INSTANCE_TYPES};

/// Server-side encryption of a bucket.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encryption {
    /// SSE-S3 (`AES256`), AWS-managed keys.
    S3Managed,
    /// SSE-KMS with the AWS-managed `aws/s3` key.
    Kms,
}

impl Encryption {
    /// The value S3 and Terraform use for `sse_algorithm`.
    pub fn sse_algorithm(self) -> &'static str {
        match self {
            Encryption::S3Managed => "AES256",
            Encryption::Kms => "aws:kms",
        }
    }
}

/// One lifecycle transition of the data bucket: the DSL names the storage class
/// (`Transition<String>`), a built environment holds the [`StorageClass`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transition<C = StorageClass> {
    pub days: u32,
    pub storage_class: C,
}

/// `(days, storage_class)` pairs, the way the seed writes them; the builder looks the classes up.
pub fn transitions<const N: usize>(list: [(u32, &str); N]) -> Vec<Transition<String>> {
    list.into_iter()
        .map(|(days, class)| Transition {
            days,
            storage_class: class.to_string(),
        })
        .collect()
}

/// An S3 Intelligent-Tiering configuration (archive tiers for objects in that class).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IntelligentTiering {
    pub archive_access_days: u32,
    pub deep_archive_access_days: u32,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Network {
    pub vpc_cidr: String,
    pub subnet_cidrs: Vec<String>,
    pub availability_zones: Vec<String>,
    /// VPC flow logs (all traffic) into the log bucket, kept as long as its other logs.
    pub flow_logs: bool,
}

/// Instances and load balancer: the DSL names the instance type (`Compute<String>`), a built
/// environment holds its row of the catalog.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Compute<T = &'static InstanceSpec> {
    pub instance_type: T,
    pub instance_count: u32,
    pub load_balancer: bool,
    pub app_port: u16,
    pub health_check_path: String,
    /// The load balancer refuses deletion until this is switched off (and deployed).
    pub deletion_protection: bool,
    /// Load balancer access logs into the log bucket.
    pub access_logs: bool,
    /// IMDSv2 response hop limit of the instances: 1 keeps the tokens on the instance.
    pub imds_hop_limit: u32,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DataBucket<C = StorageClass> {
    pub versioning: bool,
    pub encryption: Encryption,
    pub intelligent_tiering: Option<IntelligentTiering>,
    pub lifecycle_enabled: bool,
    pub lifecycle: Vec<Transition<C>>,
    pub access_logging: bool,
    /// Days a version stays after it stopped being current, then it expires.
    pub noncurrent_expiration_days: u32,
}

/// The data and access-log buckets: the DSL names the lifecycle storage classes
/// (`S3<String>`), a built environment holds [`StorageClass`]es.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct S3<C = StorageClass> {
    pub data: DataBucket<C>,
    /// Days the access-log bucket keeps its objects (seed: `s3_log_retention_days`).
    pub log_retention_days: u32,
    /// Days after which every bucket (state, data, logs) aborts an unfinished multipart upload.
    pub abort_incomplete_multipart_days: u32,
}

impl<T> Compute<T> {
    /// The same section with `instance_type` (the builder's lookup of the name).
    pub(crate) fn with_instance_type<U>(self, instance_type: U) -> Compute<U> {
        Compute {
            instance_type,
            instance_count: self.instance_count,
            load_balancer: self.load_balancer,
            app_port: self.app_port,
            health_check_path: self.health_check_path,
            deletion_protection: self.deletion_protection,
            access_logs: self.access_logs,
            imds_hop_limit: self.imds_hop_limit,
        }
    }
}

impl<C> S3<C> {
    /// The same section with the data bucket's `lifecycle` (the builder's lookup of the names).
    pub(crate) fn with_lifecycle<D>(self, lifecycle: Vec<Transition<D>>) -> S3<D> {
        let d = self.data;
        S3 {
            data: DataBucket {
                versioning: d.versioning,
                encryption: d.encryption,
                intelligent_tiering: d.intelligent_tiering,
                lifecycle_enabled: d.lifecycle_enabled,
                lifecycle,
                access_logging: d.access_logging,
                noncurrent_expiration_days: d.noncurrent_expiration_days,
            },
            log_retention_days: self.log_retention_days,
            abort_incomplete_multipart_days: self.abort_incomplete_multipart_days,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sqs {
    pub encryption: bool,
    pub visibility_timeout_seconds: u32,
    pub message_retention_seconds: u32,
    pub max_message_size_bytes: u32,
    pub receive_wait_seconds: u32,
    pub dlq_retention_seconds: u32,
    pub max_receive_count: u32,
    /// The queue alarms of `monitoring.alarms` (dead-letter depth, oldest message age) are made.
    pub alarms: bool,
    /// CloudWatch Logs retention of the queue consumers' log group (seed: `sqs_log_retention_days`).
    pub log_retention_days: u32,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DynamoDb {
    pub hash_key: String,
    pub point_in_time_recovery: bool,
    pub encryption: bool,
    /// The table refuses deletion until this is switched off (and deployed).
    pub deletion_protection: bool,
}

/// The service roles an environment creates.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    ApiService,
    WorkerService,
    S3Access,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::ApiService, Role::WorkerService, Role::S3Access];

    /// The middle part of the role name and its key in settings and Terraform.
    pub fn slug(self) -> &'static str {
        match self {
            Role::ApiService => "api-service",
            Role::WorkerService => "worker-service",
            Role::S3Access => "s3-access",
        }
    }
}

/// What a team may do in an environment. The model turns each into exact statements over the
/// environment's own resource ARNs ([`crate::documents`]); a team declares what it does, never
/// an ARN.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Access {
    /// Everything the services of the stack offer on the environment's own resources (buckets
    /// and their objects, queues, table, log groups, topic, alarms, dashboard, trail; EC2, load
    /// balancing and Auto Scaling through the `Environment` tag), never its Terraform state.
    Operate,
    /// Assume the environment's deploy role (its deployers), which plans, applies and records;
    /// and release: read and write the release state parameter, move the HTTPS listener's
    /// weights, set the instance groups' capacity, terminate their instances and schedule their
    /// scale-in (exact ARNs), and read listeners, target health, groups and alarms (on `*`).
    Deploy,
    /// Read the data bucket's objects and list it.
    ReadData,
    /// Read the log groups and the access-log bucket.
    ReadLogs,
    /// Watch the job queue and its dead-letter queue: attributes (depth, age) and lists; never a
    /// receive, which would hide a job.
    WatchQueues,
    /// Receive from the dead-letter queue (each look hides the message for the visibility
    /// timeout); never from the live queue.
    ReadDeadLetters,
    /// Describe EC2 and read metrics and alarms: actions that support no resource-level
    /// permissions, so they are granted on `*`.
    Observe,
}

impl Access {
    pub const ALL: [Access; 7] = [
        Access::Operate,
        Access::Deploy,
        Access::ReadData,
        Access::ReadLogs,
        Access::WatchQueues,
        Access::ReadDeadLetters,
        Access::Observe,
    ];

    /// The name the statement ids and `show` use.
    pub fn label(self) -> &'static str {
        match self {
            Access::Operate => "Operate",
            Access::Deploy => "Deploy",
            Access::ReadData => "ReadData",
            Access::ReadLogs => "ReadLogs",
            Access::WatchQueues => "WatchQueues",
            Access::ReadDeadLetters => "ReadDeadLetters",
            Access::Observe => "Observe",
        }
    }
}

/// A statement written out by hand: actions on resource ARN patterns. Prefer [`Access`]; the
/// isolation proof checks these like every other statement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Statement {
    pub actions: Vec<String>,
    pub resources: Vec<String>,
}

/// An IAM policy granting a team access to this environment (seed §7), attached to the team's
/// IAM group.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TeamPolicy {
    pub team: String,
    /// What the team does here; the model computes the statements.
    pub access: Vec<Access>,
    /// Actions never granted, whatever else allows them (an explicit `Deny`).
    pub denied_actions: Vec<String>,
    /// Further statements written out by hand.
    pub statements: Vec<Statement>,
}

impl TeamPolicy {
    /// Whether the team may deploy the environment (and so reach its Terraform state).
    pub fn deploys(&self) -> bool {
        self.access.contains(&Access::Deploy)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Iam {
    pub roles: Vec<Role>,
    pub team_policies: Vec<TeamPolicy>,
}

/// A Route53 hosted zone; the one resource the environments declare shared.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostedZone {
    pub name: String,
    pub zone_id: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dns {
    pub zone: HostedZone,
    /// Names aliased to this environment's load balancer; the first is the main endpoint.
    pub api_names: Vec<String>,
    /// Domain and alternative names of this environment's own ACM certificate.
    pub certificate_names: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Monitoring {
    /// Extra alarm actions besides the environment's own alerts topic.
    pub extra_alarm_actions: Vec<String>,
    pub dashboard: bool,
    /// What the dashboard shows: staging health and cost, production every service.
    pub dashboard_view: DashboardView,
    pub cloudtrail: bool,
    /// CloudWatch Logs retention of the application log group (seed §8 dashboard retention).
    pub log_retention_days: u32,
    /// Every alarm, each kind once, with its threshold and severity.
    pub alarms: Vec<AlarmRule>,
    /// The least severity that notifies the alerts topic (seed §8: staging critical only).
    pub notify: Severity,
    /// Who the alerts topic delivers to (e-mail, HTTPS endpoints).
    pub subscriptions: Vec<Subscription>,
    /// A function subscribed to the topic posts every alarm change to Discord, with the
    /// webhook URL it reads at run time from the SSM parameter `names.webhook_parameter`.
    pub discord_alarms: bool,
}

impl Monitoring {
    /// Change the declared alarm of this kind, if any.
    pub fn tune(&mut self, kind: AlarmKind, edit: impl FnOnce(&mut AlarmRule)) {
        if let Some(rule) = self.alarms.iter_mut().find(|a| a.kind == kind) {
            edit(rule);
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Deployment {
    /// Release by blue-green (two instance groups behind a weighted listener) instead of
    /// rolling one group a batch at a time.
    pub blue_green: bool,
    /// Blue-green: minutes the previous colour stays up after a switch, ready for `rollback`.
    pub rollback_timeout_minutes: u32,
    pub discord_notifications: bool,
    /// Name of the environment variable that holds the Discord webhook URL (never stored).
    pub discord_webhook_env: String,
    /// The application's container image repository, without a tag (the tag is the version).
    pub image: String,
    /// The version (image tag) a new environment starts with; later `deploy --version` sets it.
    pub initial_version: String,
    /// Blue-green: seconds traffic stays at each step (the last included) while the new
    /// colour's health and the 5xx alarm are watched; trouble undoes the shift.
    pub bake_seconds: u32,
    /// Seconds new instances get to become healthy before the release gives up.
    pub health_timeout_seconds: u32,
    /// Seconds every new target must stay healthy before traffic moves to it.
    pub healthy_seconds: u32,
    /// Rolling: instances replaced at a time; the group surges by this many above its count,
    /// so healthy capacity never drops.
    pub batch_size: u32,
    /// Blue-green: percentages of traffic on the new colour, step by step, ending at 100.
    pub canary: Vec<u32>,
}

/// How Terraform locks the state: the DynamoDB lock table, S3 native locking (a `.tflock`
/// object beside the state, `use_lockfile`, Terraform 1.11 or newer), or both during a move
/// from one to the other.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Locking {
    DynamoDb,
    Both,
    S3Native,
}

impl Locking {
    /// Whether the lock table `mht-terraform-locks-<env>` is used (and so must exist).
    pub fn uses_table(self) -> bool {
        matches!(self, Locking::DynamoDb | Locking::Both)
    }

    /// Whether Terraform writes a `.tflock` object beside the state (`use_lockfile`).
    pub fn uses_lockfile(self) -> bool {
        matches!(self, Locking::S3Native | Locking::Both)
    }

    pub fn label(self) -> &'static str {
        match self {
            Locking::DynamoDb => "dynamodb",
            Locking::Both => "both",
            Locking::S3Native => "s3-native",
        }
    }
}

/// The oldest Terraform whose S3 backend has `use_lockfile`.
pub const LOCKFILE_TERRAFORM: &str = "1.11.0";

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Backend {
    pub key: String,
    pub encrypt: bool,
    pub locking: Locking,
    /// Days noncurrent state versions are kept by the state bucket's lifecycle rule.
    pub state_retention_days: u32,
    /// Further arguments for the Terraform `backend "s3"` block, checked against what it accepts.
    pub extra: Vec<(String, String)>,
}

/// One of the environment's buckets, by its part in the layout.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BucketKind {
    Data,
    Logs,
}

/// An existing resource the environment takes over instead of creating it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Adoption {
    /// The `A` alias record of one of the environment's `dns.api_names`.
    DnsRecord(String),
    /// One of the environment's buckets, under the name the model gives it.
    Bucket(BucketKind),
}

/// The existing resources an environment adopts, in the order declared.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Adopt(pub Vec<Adoption>);

impl Adopt {
    /// Adopt the existing `A` record of `name`, one of the environment's API names.
    pub fn dns_record(&mut self, name: &str) -> &mut Self {
        self.0.push(Adoption::DnsRecord(name.to_string()));
        self
    }

    /// Adopt an existing bucket: the one named as the model names the environment's `kind`.
    pub fn bucket(&mut self, kind: BucketKind) -> &mut Self {
        self.0.push(Adoption::Bucket(kind));
        self
    }
}

/// A Terraform `import` block: the resource address it fills, the id AWS knows the resource
/// by, what it is in words, and the DSL entry that declares it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Import {
    pub to: String,
    pub id: String,
    pub what: String,
    pub entry: String,
}

/// Monthly usage the cost estimate assumes (`cargo xtask cost`). The defaults are the
/// builder's; `docs/cost.md` explains each. Values are finite and not negative (a rule checks).
#[derive(Clone, Debug, PartialEq)]
pub struct Usage {
    /// GB the data bucket holds on average (priced as S3 Standard).
    pub data_gb: f64,
    /// GB the access-log bucket holds on average.
    pub log_bucket_gb: f64,
    /// Thousands of PUT/COPY/POST/LIST requests to S3 a month.
    pub s3_put_thousands: f64,
    /// Thousands of GET requests to S3 a month.
    pub s3_get_thousands: f64,
    /// Millions of SQS requests a month (send, receive, delete each count).
    pub sqs_requests_millions: f64,
    pub dynamodb_writes_millions: f64,
    pub dynamodb_reads_millions: f64,
    pub dynamodb_gb: f64,
    /// GB of CloudWatch Logs ingested a month, split evenly between the app and queue groups.
    pub log_ingest_gb: f64,
    /// Average load balancer capacity units in use.
    pub alb_lcus: f64,
    /// Millions of DNS queries a month that are not alias queries.
    pub dns_queries_millions: f64,
    /// GB a month sent out to the internet.
    pub transfer_out_gb: f64,
}

// Finite values only (the `cost.usage` rule rejects NaN), so equality is an equivalence.
impl Eq for Usage {}

impl Usage {
    /// Every figure with its field name, in declaration order.
    pub fn figures(&self) -> [(&'static str, f64); 12] {
        [
            ("data_gb", self.data_gb),
            ("log_bucket_gb", self.log_bucket_gb),
            ("s3_put_thousands", self.s3_put_thousands),
            ("s3_get_thousands", self.s3_get_thousands),
            ("sqs_requests_millions", self.sqs_requests_millions),
            ("dynamodb_writes_millions", self.dynamodb_writes_millions),
            ("dynamodb_reads_millions", self.dynamodb_reads_millions),
            ("dynamodb_gb", self.dynamodb_gb),
            ("log_ingest_gb", self.log_ingest_gb),
            ("alb_lcus", self.alb_lcus),
            ("dns_queries_millions", self.dns_queries_millions),
            ("transfer_out_gb", self.transfer_out_gb),
        ]
    }
}

/// What a line of the cost estimate belongs to, as the plan's own cost breakdown groups it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CostCategory {
    Ec2,
    PublicIpv4,
    LoadBalancer,
    S3,
    Sqs,
    DynamoDb,
    CloudWatch,
    CloudTrail,
    Route53,
    Kms,
    DataTransfer,
    /// The plan's "additional features" and anything it does not itemise.
    Other,
}

impl CostCategory {
    pub const ALL: [CostCategory; 12] = [
        CostCategory::Ec2,
        CostCategory::PublicIpv4,
        CostCategory::LoadBalancer,
        CostCategory::S3,
        CostCategory::Sqs,
        CostCategory::DynamoDb,
        CostCategory::CloudWatch,
        CostCategory::CloudTrail,
        CostCategory::Route53,
        CostCategory::Kms,
        CostCategory::DataTransfer,
        CostCategory::Other,
    ];

    pub fn label(self) -> &'static str {
        match self {
            CostCategory::Ec2 => "EC2",
            CostCategory::PublicIpv4 => "public IPv4",
            CostCategory::LoadBalancer => "load balancer",
            CostCategory::S3 => "S3",
            CostCategory::Sqs => "SQS",
            CostCategory::DynamoDb => "DynamoDB",
            CostCategory::CloudWatch => "CloudWatch",
            CostCategory::CloudTrail => "CloudTrail",
            CostCategory::Route53 => "Route 53",
            CostCategory::Kms => "KMS",
            CostCategory::DataTransfer => "data transfer",
            CostCategory::Other => "other",
        }
    }
}

/// What the environment may cost: its monthly budget, the usage the estimate assumes, and the
/// plan's own estimate to compare with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cost {
    /// US dollars a month; `validate` fails when the estimate exceeds it, and Terraform creates
    /// an AWS Budgets budget of this amount.
    pub budget_usd: u32,
    pub usage: Usage,
    /// The plan's figures by category, in US dollars a month (empty: none given).
    pub plan_estimate: Vec<(CostCategory, u32)>,
}

/// The IAM role every AWS call for an environment goes through: the tool's SDK calls and
/// Terraform's provider and backend assume it, starting from the standard credential chain.
/// An environment in its own account declares the role there that deploys it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AssumeRole {
    /// The role's ARN, or its name (a role of the environment's account).
    pub role: String,
    /// The session name CloudTrail records (`RoleSessionName`); none: the SDK's and
    /// Terraform's default.
    pub session_name: Option<String>,
    /// The external ID the role's trust policy requires, if any.
    pub external_id: Option<String>,
}

impl AssumeRole {
    /// The optional settings that are set, by their name in STS's and Terraform's terms.
    pub fn options(&self) -> Vec<(&'static str, &str)> {
        [
            ("session_name", &self.session_name),
            ("external_id", &self.external_id),
        ]
        .into_iter()
        .filter_map(|(key, value)| Some((key, value.as_deref()?)))
        .collect()
    }
}

/// The kinds of named resources; each has its naming rule ([`crate::rules`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NameKind {
    Bucket,
    Queue,
    Table,
    Role,
    Policy,
    Group,
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
    Function,
    Parameter,
    Trail,
    Budget,
    Tag,
}

/// Every resource name of an environment, computed once from the project and environment name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Names {
    pub prefix: String,
    pub vpc: String,
    pub subnets: Vec<String>,
    pub alb: String,
    pub alb_security_group: String,
    pub instance_security_group: String,
    /// The instance groups by colour: `blue` and `green` for blue-green, else `app`; the target
    /// groups, launch templates and auto scaling groups below are in this order.
    pub colours: Vec<String>,
    pub target_groups: Vec<String>,
    pub launch_templates: Vec<String>,
    pub autoscaling_groups: Vec<String>,
    pub instance: String,
    pub instance_profile: String,
    pub data_bucket: String,
    pub log_bucket: String,
    pub queue: String,
    pub dead_letter_queue: String,
    pub table: String,
    pub roles: Vec<(Role, String)>,
    pub team_policies: Vec<String>,
    /// The IAM group of each team policy, which the policy is attached to.
    pub team_groups: Vec<String>,
    /// The role that deploys the environment, the default deployer.
    pub deploy_role: String,
    pub alerts_topic: String,
    /// One name per declared alarm, in the order of `monitoring.alarms`.
    pub alarms: Vec<(AlarmKind, String)>,
    /// The alarm → Discord function, its role and its log group.
    pub alarm_function: String,
    pub alarm_function_role: String,
    pub alarm_function_log_group: String,
    /// SSM SecureString parameter holding the Discord webhook URL (its value is never rendered).
    pub webhook_parameter: String,
    /// SSM parameter holding the release state (`infra::release`): the live colour, weights and
    /// the version on each colour. Terraform reads it; `deploy` and `rollback` write it.
    pub release_parameter: String,
    /// The queue `test-alerts` subscribes to the topic for the length of a run.
    pub alert_probe_queue: String,
    pub app_log_group: String,
    pub sqs_log_group: String,
    pub dashboard: String,
    pub trail: String,
    pub budget: String,
    pub certificate: String,
    pub state_bucket: String,
    pub lock_table: String,
}

/// `names.<list>[i]` of each name of a list, with its kind.
fn indexed<'a>(
    out: &mut Vec<(NameKind, String, &'a str)>,
    kind: NameKind,
    list: &str,
    names: &'a [String],
) {
    for (i, n) in names.iter().enumerate() {
        out.push((kind, format!("names.{list}[{i}]"), n));
    }
}

impl Names {
    pub(crate) fn new(
        project: &str,
        env: &str,
        network: &Network,
        deployment: &Deployment,
        iam: &Iam,
        monitoring: &Monitoring,
    ) -> Names {
        let p = format!("{project}-{env}");
        let colors: &[&str] = if deployment.blue_green {
            &["blue", "green"]
        } else {
            &["app"]
        };
        let grouped = |what: &str, colour: &str| match colour {
            "app" => format!("{p}-{what}"),
            _ => format!("{p}-{what}-{colour}"),
        };
        Names {
            vpc: format!("{p}-vpc"),
            subnets: (1..=network.subnet_cidrs.len())
                .map(|i| format!("{p}-subnet-{i}"))
                .collect(),
            alb: format!("{p}-alb"),
            alb_security_group: format!("{p}-alb-sg"),
            instance_security_group: format!("{p}-instance-sg"),
            colours: colors.iter().map(|c| c.to_string()).collect(),
            target_groups: colors.iter().map(|c| format!("{p}-tg-{c}")).collect(),
            // One group keeps the names it had before colours: `-lt`, `-asg`.
            launch_templates: colors.iter().map(|c| grouped("lt", c)).collect(),
            autoscaling_groups: colors.iter().map(|c| grouped("asg", c)).collect(),
            instance: format!("{p}-api"),
            instance_profile: format!("{p}-api-profile"),
            data_bucket: format!("{p}-data"),
            log_bucket: format!("{p}-logs"),
            queue: format!("{p}-jobs"),
            dead_letter_queue: format!("{p}-jobs-dlq"),
            table: format!("{p}-app"),
            roles: iam
                .roles
                .iter()
                .map(|r| (*r, format!("{p}-{}-role", r.slug())))
                .collect(),
            team_policies: iam
                .team_policies
                .iter()
                .map(|t| format!("{p}-{}-access", t.team))
                .collect(),
            team_groups: iam
                .team_policies
                .iter()
                .map(|t| format!("{p}-{}", t.team))
                .collect(),
            deploy_role: format!("{p}-deploy"),
            // seed §2: alarm actions point at `<env>-alerts`.
            alerts_topic: format!("{env}-alerts"),
            alarms: monitoring
                .alarms
                .iter()
                .map(|a| (a.kind, format!("{p}-{}", a.kind.slug())))
                .collect(),
            alarm_function: format!("{p}-alarm-discord"),
            alarm_function_role: format!("{p}-alarm-discord-role"),
            alarm_function_log_group: format!("/aws/lambda/{p}-alarm-discord"),
            webhook_parameter: format!("/{project}/{env}/discord-webhook"),
            release_parameter: format!("/{project}/{env}/release"),
            alert_probe_queue: format!("{p}-alert-probe"),
            app_log_group: format!("/{project}/{env}/app"),
            sqs_log_group: format!("/{project}/{env}/sqs"),
            dashboard: p.clone(),
            trail: format!("{p}-trail"),
            budget: format!("{p}-monthly"),
            certificate: format!("{p}-cert"),
            state_bucket: format!("mht-terraform-state-{env}"),
            lock_table: format!("mht-terraform-locks-{env}"),
            prefix: p,
        }
    }

    /// Every named resource with its kind (which selects the naming rule) and model path.
    pub fn all(&self) -> Vec<(NameKind, String, &str)> {
        use NameKind as K;
        let mut out: Vec<(K, String, &str)> = vec![
            (K::Tag, "names.vpc".into(), &self.vpc),
            (K::LoadBalancer, "names.alb".into(), &self.alb),
            (
                K::SecurityGroup,
                "names.alb_security_group".into(),
                &self.alb_security_group,
            ),
            (
                K::SecurityGroup,
                "names.instance_security_group".into(),
                &self.instance_security_group,
            ),
            (K::Tag, "names.instance".into(), &self.instance),
            (
                K::InstanceProfile,
                "names.instance_profile".into(),
                &self.instance_profile,
            ),
            (K::Bucket, "names.data_bucket".into(), &self.data_bucket),
            (K::Bucket, "names.log_bucket".into(), &self.log_bucket),
            (K::Queue, "names.queue".into(), &self.queue),
            (
                K::Queue,
                "names.dead_letter_queue".into(),
                &self.dead_letter_queue,
            ),
            (K::Table, "names.table".into(), &self.table),
            (K::Topic, "names.alerts_topic".into(), &self.alerts_topic),
            (
                K::LogGroup,
                "names.app_log_group".into(),
                &self.app_log_group,
            ),
            (
                K::LogGroup,
                "names.sqs_log_group".into(),
                &self.sqs_log_group,
            ),
            (K::Dashboard, "names.dashboard".into(), &self.dashboard),
            (K::Trail, "names.trail".into(), &self.trail),
            (K::Budget, "names.budget".into(), &self.budget),
            (K::Tag, "names.certificate".into(), &self.certificate),
            (K::Bucket, "names.state_bucket".into(), &self.state_bucket),
            (K::Table, "names.lock_table".into(), &self.lock_table),
        ];
        indexed(&mut out, K::Tag, "subnets", &self.subnets);
        indexed(
            &mut out,
            K::TargetGroup,
            "target_groups",
            &self.target_groups,
        );
        indexed(
            &mut out,
            K::LaunchTemplate,
            "launch_templates",
            &self.launch_templates,
        );
        let groups = &self.autoscaling_groups;
        indexed(&mut out, K::AutoScalingGroup, "autoscaling_groups", groups);
        for (role, n) in &self.roles {
            out.push((K::Role, format!("names.roles.{}", role.slug()), n));
        }
        indexed(&mut out, K::Policy, "team_policies", &self.team_policies);
        indexed(&mut out, K::Group, "team_groups", &self.team_groups);
        out.push((K::Role, "names.deploy_role".into(), &self.deploy_role));
        out.push((
            K::Parameter,
            "names.release_parameter".into(),
            &self.release_parameter,
        ));
        for (kind, n) in &self.alarms {
            out.push((K::Alarm, format!("names.alarms.{}", kind.slug()), n));
        }
        out.extend(self.alerting());
        out
    }

    /// The names of the alarm → Discord function and the alert probe, with kinds and paths.
    fn alerting(&self) -> [(NameKind, String, &str); 5] {
        use NameKind as K;
        [
            (
                K::Function,
                "names.alarm_function".into(),
                self.alarm_function.as_str(),
            ),
            (
                K::Role,
                "names.alarm_function_role".into(),
                &self.alarm_function_role,
            ),
            (
                K::LogGroup,
                "names.alarm_function_log_group".into(),
                &self.alarm_function_log_group,
            ),
            (
                K::Parameter,
                "names.webhook_parameter".into(),
                &self.webhook_parameter,
            ),
            (
                K::Queue,
                "names.alert_probe_queue".into(),
                &self.alert_probe_queue,
            ),
        ]
    }

    /// The name of the alarm of this kind, if the environment declares it.
    pub fn alarm(&self, kind: AlarmKind) -> Option<&str> {
        self.alarms
            .iter()
            .find(|(k, _)| *k == kind)
            .map(|(_, n)| n.as_str())
    }

    pub fn role(&self, role: Role) -> Option<&str> {
        self.roles
            .iter()
            .find(|(r, _)| *r == role)
            .map(|(_, n)| n.as_str())
    }
}

/// A validated environment. Only [`crate::EnvironmentBuilder::build`] makes one. The type
/// parameters are the instance type and the storage classes: catalog entries by default, the
/// names the DSL wrote in a [`Draft`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Environment<T = &'static InstanceSpec, C = StorageClass> {
    pub name: String,
    pub project: String,
    pub region: String,
    pub account_id: String,
    /// AWS CLI profile the tasks use for this environment, if any.
    pub profile: Option<String>,
    /// The role the tool and Terraform assume in the environment's account, if any.
    pub assume_role: Option<AssumeRole>,
    /// Serves real users: mutations get guards (typed confirmation, banners, promotion gate).
    pub protected: bool,
    /// The environment whose successful deployments gate this one's (the promotion order).
    pub promoted_from: Option<String>,
    /// Principal ARNs that deploy the environment and alone write its deployment records;
    /// empty: its deploy role ([`Environment::deployers`]).
    pub deployers: Vec<String>,
    pub tags: Vec<(String, String)>,
    pub network: Network,
    pub compute: Compute<T>,
    pub s3: S3<C>,
    pub sqs: Sqs,
    pub dynamodb: DynamoDb,
    pub iam: Iam,
    pub dns: Dns,
    pub monitoring: Monitoring,
    pub deployment: Deployment,
    pub backend: Backend,
    pub cost: Cost,
    /// Resources that exist already and are taken over by the first apply (`import` blocks).
    pub adopt: Adopt,
    pub names: Names,
}

/// An alarm of an environment: its declaration, name and actions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Alarm<'a> {
    pub rule: &'a AlarmRule,
    pub name: &'a str,
    pub actions: Vec<String>,
}

/// An environment as the DSL describes it: names computed, catalog names not yet looked up.
/// The per-environment rules check drafts.
pub type Draft = Environment<String, String>;

impl<T, C> Environment<T, C> {
    /// The ARN under which IAM sees one of this environment's named resources.
    pub fn arn(&self, kind: NameKind, name: &str) -> String {
        let (r, a) = (&self.region, &self.account_id);
        match kind {
            NameKind::Bucket => format!("arn:aws:s3:::{name}"),
            NameKind::Queue => format!("arn:aws:sqs:{r}:{a}:{name}"),
            NameKind::Table => format!("arn:aws:dynamodb:{r}:{a}:table/{name}"),
            NameKind::Role => format!("arn:aws:iam::{a}:role/{name}"),
            NameKind::Policy => format!("arn:aws:iam::{a}:policy/{name}"),
            NameKind::Group => format!("arn:aws:iam::{a}:group/{name}"),
            NameKind::InstanceProfile => format!("arn:aws:iam::{a}:instance-profile/{name}"),
            NameKind::LoadBalancer => {
                format!("arn:aws:elasticloadbalancing:{r}:{a}:loadbalancer/app/{name}")
            }
            NameKind::TargetGroup => {
                format!("arn:aws:elasticloadbalancing:{r}:{a}:targetgroup/{name}")
            }
            NameKind::SecurityGroup => format!("arn:aws:ec2:{r}:{a}:security-group/{name}"),
            NameKind::LaunchTemplate => format!("arn:aws:ec2:{r}:{a}:launch-template/{name}"),
            NameKind::AutoScalingGroup => format!(
                "arn:aws:autoscaling:{r}:{a}:autoScalingGroup:*:autoScalingGroupName/{name}"
            ),
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

    /// The principals that deploy this environment: the declared ones, else the role it assumes,
    /// else its deploy role.
    pub fn deployers(&self) -> Vec<String> {
        if !self.deployers.is_empty() {
            return self.deployers.clone();
        }
        let role = self.role_arn();
        vec![role.unwrap_or_else(|| self.arn(NameKind::Role, &self.names.deploy_role))]
    }

    /// The ARN of this environment's alerts topic.
    pub fn alerts_topic_arn(&self) -> String {
        self.arn(NameKind::Topic, &self.names.alerts_topic)
    }

    /// The ARN of the role to assume: as declared, or the declared name as a role of the
    /// environment's account.
    pub fn role_arn(&self) -> Option<String> {
        let role = &self.assume_role.as_ref()?.role;
        Some(if role.starts_with("arn:") {
            role.clone()
        } else {
            format!("arn:aws:iam::{}:role/{role}", self.account_id)
        })
    }

    /// Every alarm action: the environment's own alerts topic first, then declared extras.
    pub fn alarm_actions(&self) -> Vec<String> {
        std::iter::once(self.alerts_topic_arn())
            .chain(self.monitoring.extra_alarm_actions.iter().cloned())
            .collect()
    }

    /// The alarms that exist (queue alarms only with `sqs.alarms`, load balancer alarms only
    /// with `compute.load_balancer`), each with its name and the
    /// actions it notifies: the environment's own topic and extras when its severity is
    /// notified, none otherwise.
    pub fn alarms(&self) -> Vec<Alarm<'_>> {
        self.monitoring
            .alarms
            .iter()
            .filter(|rule| self.sqs.alarms || !rule.kind.is_queue_alarm())
            .filter(|rule| self.compute.load_balancer || !rule.kind.is_load_balancer_alarm())
            .filter_map(|rule| {
                let name = self.names.alarm(rule.kind)?;
                let actions = if rule.severity >= self.monitoring.notify {
                    self.alarm_actions()
                } else {
                    Vec::new()
                };
                Some(Alarm {
                    rule,
                    name,
                    actions,
                })
            })
            .collect()
    }

    /// Tags every resource carries (Terraform provider `default_tags`).
    pub fn default_tags(&self) -> Vec<(String, String)> {
        let mut tags = vec![
            ("Environment".to_string(), self.name.clone()),
            ("ManagedBy".to_string(), "terraform".to_string()),
            ("Project".to_string(), self.project.clone()),
        ];
        for (k, v) in &self.tags {
            match tags.iter_mut().find(|(key, _)| key == k) {
                Some(slot) => slot.1 = v.clone(),
                None => tags.push((k.clone(), v.clone())),
            }
        }
        tags.sort();
        tags
    }

    /// The import block of each adoption. A record's id holds the zone id as the root's local
    /// `zone_id` (the emulator override points it at the emulator's zone).
    pub fn imports(&self) -> Vec<Import> {
        self.adopt
            .0
            .iter()
            .map(|a| match a {
                Adoption::DnsRecord(name) => Import {
                    to: format!("module.dns.aws_route53_record.this[\"{name}\"]"),
                    id: format!("${{local.zone_id}}_{name}_A"),
                    what: format!("the DNS record `{name}` (A)"),
                    entry: format!("a.dns_record({name:?})"),
                },
                Adoption::Bucket(kind) => {
                    let (key, name) = match kind {
                        BucketKind::Data => ("data", &self.names.data_bucket),
                        BucketKind::Logs => ("log", &self.names.log_bucket),
                    };
                    Import {
                        to: format!("module.s3.aws_s3_bucket.this[\"{key}\"]"),
                        id: name.clone(),
                        what: format!("the bucket `{name}`"),
                        entry: format!("a.bucket(BucketKind::{kind:?})"),
                    }
                }
            })
            .collect()
    }

    /// `s3://bucket/key` of this environment's Terraform state.
    pub fn state_location(&self) -> String {
        format!("s3://{}/{}", self.names.state_bucket, self.backend.key)
    }
}
