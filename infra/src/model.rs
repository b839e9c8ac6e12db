//! The validated model of one environment and the builder DSL that produces it.
//!
//! An [`EnvironmentBuilder`] collects raw values; [`EnvironmentBuilder::build`] computes every
//! resource name once ([`Names`]) and runs every rule of [`crate::rules`], returning the
//! [`Environment`] or every violation at once.

use crate::rules::{self, Violation};

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

/// One lifecycle transition of the data bucket.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transition {
    pub days: u32,
    pub storage_class: String,
}

/// `(days, storage_class)` pairs, the way the seed writes them.
pub fn transitions<const N: usize>(list: [(u32, &str); N]) -> Vec<Transition> {
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
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Compute {
    pub instance_type: String,
    pub instance_count: u32,
    pub load_balancer: bool,
    pub app_port: u16,
    pub health_check_path: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DataBucket {
    pub versioning: bool,
    pub encryption: Encryption,
    pub intelligent_tiering: Option<IntelligentTiering>,
    pub lifecycle_enabled: bool,
    pub lifecycle: Vec<Transition>,
    pub access_logging: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct S3 {
    pub data: DataBucket,
    /// Days the access-log bucket keeps its objects (seed: `s3_log_retention_days`).
    pub log_retention_days: u32,
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
    pub alarms: bool,
    /// Alarm when the oldest message of the main queue is older than this.
    pub oldest_message_alarm_seconds: u32,
    /// CloudWatch Logs retention of the queue consumers' log group (seed: `sqs_log_retention_days`).
    pub log_retention_days: u32,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DynamoDb {
    pub hash_key: String,
    pub point_in_time_recovery: bool,
    pub encryption: bool,
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

/// One statement of a team access policy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Statement {
    pub actions: Vec<String>,
    pub resources: Vec<String>,
}

/// An IAM policy granting a team access to this environment (seed §7).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TeamPolicy {
    pub team: String,
    /// Actions never granted, whatever `statements` allow (an explicit `Deny`).
    pub denied_actions: Vec<String>,
    pub statements: Vec<Statement>,
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
    pub cloudtrail: bool,
    /// CloudWatch Logs retention of the application log group (seed §8 dashboard retention).
    pub log_retention_days: u32,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Deployment {
    pub blue_green: bool,
    pub rollback_timeout_minutes: u32,
    pub discord_notifications: bool,
    /// Name of the environment variable that holds the Discord webhook URL (never stored).
    pub discord_webhook_env: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Backend {
    pub key: String,
    pub encrypt: bool,
    /// Days noncurrent state versions are kept by the state bucket's lifecycle rule.
    pub state_retention_days: u32,
    /// Further arguments for the Terraform `backend "s3"` block, checked against what it accepts.
    pub extra: Vec<(String, String)>,
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
    pub target_groups: Vec<String>,
    pub launch_template: String,
    pub autoscaling_group: String,
    pub instance: String,
    pub instance_profile: String,
    pub data_bucket: String,
    pub log_bucket: String,
    pub queue: String,
    pub dead_letter_queue: String,
    pub table: String,
    pub roles: Vec<(Role, String)>,
    pub team_policies: Vec<String>,
    pub alerts_topic: String,
    pub alarms: Vec<String>,
    pub app_log_group: String,
    pub sqs_log_group: String,
    pub dashboard: String,
    pub trail: String,
    pub certificate: String,
    pub state_bucket: String,
    pub lock_table: String,
}

impl Names {
    fn new(
        project: &str,
        env: &str,
        network: &Network,
        deployment: &Deployment,
        iam: &Iam,
    ) -> Names {
        let p = format!("{project}-{env}");
        let colors: &[&str] = if deployment.blue_green {
            &["blue", "green"]
        } else {
            &["app"]
        };
        Names {
            vpc: format!("{p}-vpc"),
            subnets: (1..=network.subnet_cidrs.len())
                .map(|i| format!("{p}-subnet-{i}"))
                .collect(),
            alb: format!("{p}-alb"),
            alb_security_group: format!("{p}-alb-sg"),
            instance_security_group: format!("{p}-instance-sg"),
            target_groups: colors.iter().map(|c| format!("{p}-tg-{c}")).collect(),
            launch_template: format!("{p}-lt"),
            autoscaling_group: format!("{p}-asg"),
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
            // seed §2: alarm actions point at `<env>-alerts`.
            alerts_topic: format!("{env}-alerts"),
            alarms: ["dlq-depth", "oldest-message-age"]
                .iter()
                .map(|a| format!("{p}-{a}"))
                .collect(),
            app_log_group: format!("/{project}/{env}/app"),
            sqs_log_group: format!("/{project}/{env}/sqs"),
            dashboard: p.clone(),
            trail: format!("{p}-trail"),
            certificate: format!("{p}-cert"),
            state_bucket: format!("mht-terraform-state-{env}"),
            lock_table: format!("mht-terraform-locks-{env}"),
            prefix: p,
        }
    }

    /// Every named resource with its kind (which selects the naming rule) and model path.
    pub fn all(&self) -> Vec<(rules::NameKind, String, &str)> {
        use rules::NameKind as K;
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
            (
                K::LaunchTemplate,
                "names.launch_template".into(),
                &self.launch_template,
            ),
            (
                K::AutoScalingGroup,
                "names.autoscaling_group".into(),
                &self.autoscaling_group,
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
            (K::Tag, "names.certificate".into(), &self.certificate),
            (K::Bucket, "names.state_bucket".into(), &self.state_bucket),
            (K::Table, "names.lock_table".into(), &self.lock_table),
        ];
        for (i, s) in self.subnets.iter().enumerate() {
            out.push((K::Tag, format!("names.subnets[{i}]"), s));
        }
        for (i, t) in self.target_groups.iter().enumerate() {
            out.push((K::TargetGroup, format!("names.target_groups[{i}]"), t));
        }
        for (role, n) in &self.roles {
            out.push((K::Role, format!("names.roles.{}", role.slug()), n));
        }
        for (i, n) in self.team_policies.iter().enumerate() {
            out.push((K::Policy, format!("names.team_policies[{i}]"), n));
        }
        for (i, n) in self.alarms.iter().enumerate() {
            out.push((K::Alarm, format!("names.alarms[{i}]"), n));
        }
        out
    }

    pub fn role(&self, role: Role) -> Option<&str> {
        self.roles
            .iter()
            .find(|(r, _)| *r == role)
            .map(|(_, n)| n.as_str())
    }
}

/// A validated environment. Only [`EnvironmentBuilder::build`] makes one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Environment {
    pub name: String,
    pub project: String,
    pub region: String,
    pub account_id: String,
    /// AWS CLI profile the tasks use for this environment, if any.
    pub profile: Option<String>,
    /// Serves real users: mutations get guards (typed confirmation, banners, promotion gate).
    pub protected: bool,
    /// The environment whose successful deployments gate this one's (the promotion order).
    pub promoted_from: Option<String>,
    pub tags: Vec<(String, String)>,
    pub network: Network,
    pub compute: Compute,
    pub s3: S3,
    pub sqs: Sqs,
    pub dynamodb: DynamoDb,
    pub iam: Iam,
    pub dns: Dns,
    pub monitoring: Monitoring,
    pub deployment: Deployment,
    pub backend: Backend,
    pub names: Names,
}

impl Environment {
    /// Start describing an environment; every section starts from the defaults below and the
    /// environment definitions override what they declare.
    pub fn builder(name: &str) -> EnvironmentBuilder {
        EnvironmentBuilder::new(name)
    }

    /// The ARN of this environment's alerts topic.
    pub fn alerts_topic_arn(&self) -> String {
        format!(
            "arn:aws:sns:{}:{}:{}",
            self.region, self.account_id, self.names.alerts_topic
        )
    }

    /// Every alarm action: the environment's own alerts topic first, then declared extras.
    pub fn alarm_actions(&self) -> Vec<String> {
        std::iter::once(self.alerts_topic_arn())
            .chain(self.monitoring.extra_alarm_actions.iter().cloned())
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

    /// `s3://bucket/key` of this environment's Terraform state.
    pub fn state_location(&self) -> String {
        format!("s3://{}/{}", self.names.state_bucket, self.backend.key)
    }
}

/// Builder for [`Environment`]. Sections are edited with closures so a definition reads as
/// the baseline plus the environment's declared overrides.
#[derive(Clone, Debug)]
pub struct EnvironmentBuilder {
    env: Environment,
}

macro_rules! section {
    ($(#[$doc:meta])* $method:ident, $field:ident, $ty:ty) => {
        $(#[$doc])*
        pub fn $method(mut self, edit: impl FnOnce(&mut $ty)) -> Self {
            edit(&mut self.env.$field);
            self
        }
    };
}

impl EnvironmentBuilder {
    fn new(name: &str) -> Self {
        let network = Network {
            vpc_cidr: String::new(),
            subnet_cidrs: Vec::new(),
            availability_zones: Vec::new(),
        };
        let deployment = Deployment {
            blue_green: false,
            rollback_timeout_minutes: 15,
            discord_notifications: false,
            discord_webhook_env: "MHT_DISCORD_WEBHOOK_URL".into(),
        };
        let iam = Iam {
            roles: Role::ALL.to_vec(),
            team_policies: Vec::new(),
        };
        let names = Names::new("", name, &network, &deployment, &iam);
        EnvironmentBuilder {
            env: Environment {
                name: name.to_string(),
                project: String::new(),
                region: String::new(),
                account_id: String::new(),
                profile: None,
                protected: false,
                promoted_from: None,
                tags: Vec::new(),
                network,
                compute: Compute {
                    instance_type: String::new(),
                    instance_count: 1,
                    load_balancer: true,
                    app_port: 8080,
                    health_check_path: "/health".into(),
                },
                s3: S3 {
                    data: DataBucket {
                        versioning: true,
                        encryption: Encryption::S3Managed,
                        intelligent_tiering: None,
                        lifecycle_enabled: false,
                        lifecycle: Vec::new(),
                        access_logging: true,
                    },
                    log_retention_days: 90,
                },
                sqs: Sqs {
                    encryption: true,
                    visibility_timeout_seconds: 30,
                    message_retention_seconds: 345_600,
                    max_message_size_bytes: 262_144,
                    receive_wait_seconds: 0,
                    dlq_retention_seconds: 1_209_600,
                    max_receive_count: 5,
                    alarms: true,
                    oldest_message_alarm_seconds: 300,
                    log_retention_days: 30,
                },
                dynamodb: DynamoDb {
                    hash_key: "id".into(),
                    point_in_time_recovery: true,
                    encryption: true,
                },
                iam,
                dns: Dns {
                    zone: HostedZone {
                        name: String::new(),
                        zone_id: String::new(),
                    },
                    api_names: Vec::new(),
                    certificate_names: Vec::new(),
                },
                monitoring: Monitoring {
                    extra_alarm_actions: Vec::new(),
                    dashboard: true,
                    cloudtrail: true,
                    log_retention_days: 30,
                },
                deployment,
                backend: Backend {
                    key: "terraform.tfstate".into(),
                    encrypt: true,
                    state_retention_days: 90,
                    extra: Vec::new(),
                },
                names,
            },
        }
    }

    /// The same description under another environment name (every derived name follows).
    pub fn named(mut self, name: &str) -> Self {
        self.env.name = name.to_string();
        self
    }

    /// The name of the environment being described.
    pub fn env_name(&self) -> &str {
        &self.env.name
    }

    /// The project prefix of every resource name (`mht-api`).
    pub fn project(mut self, project: &str) -> Self {
        self.env.project = project.to_string();
        self
    }

    pub fn region(mut self, region: &str) -> Self {
        self.env.region = region.to_string();
        self
    }

    /// The AWS account the environment lives in; the account guard compares against it.
    pub fn account(mut self, account_id: &str) -> Self {
        self.env.account_id = account_id.to_string();
        self
    }

    pub fn profile(mut self, profile: &str) -> Self {
        self.env.profile = Some(profile.to_string());
        self
    }

    /// Mark the environment as serving real users, so mutations are guarded.
    pub fn protected(mut self) -> Self {
        self.env.protected = true;
        self
    }

    /// Deployments reach this environment only after they succeeded in `previous` (the
    /// promotion gate); `validate` checks that `previous` exists and the order has no cycle.
    pub fn promoted_from(mut self, previous: &str) -> Self {
        self.env.promoted_from = Some(previous.to_string());
        self
    }

    /// A tag added to (or overriding) the default tags of every resource.
    pub fn tag(mut self, key: &str, value: &str) -> Self {
        self.env.tags.push((key.to_string(), value.to_string()));
        self
    }

    section!(
        /// VPC CIDR, subnets and availability zones.
        network, network, Network);
    section!(
        /// Instance type, count and load balancer.
        compute, compute, Compute);
    section!(
        /// The data bucket and the access-log bucket.
        s3, s3, S3);
    section!(
        /// The job queue, its dead-letter queue and alarms.
        sqs, sqs, Sqs);
    section!(
        /// The application table.
        dynamodb, dynamodb, DynamoDb);
    section!(
        /// Service roles and team access policies.
        iam, iam, Iam);
    section!(
        /// The shared hosted zone, API names and certificate.
        dns, dns, Dns);
    section!(
        /// Alarm actions, dashboard, CloudTrail, log retention.
        monitoring, monitoring, Monitoring);
    section!(
        /// Blue-green, rollback timeout, Discord notifications.
        deployment, deployment, Deployment);
    section!(
        /// Terraform state key, encryption, retention and extra backend arguments.
        backend, backend, Backend);

    /// The environment with its names computed, not yet checked.
    pub(crate) fn assemble(self) -> Environment {
        let mut env = self.env;
        env.names = Names::new(
            &env.project,
            &env.name,
            &env.network,
            &env.deployment,
            &env.iam,
        );
        env
    }

    /// Compute the names, run every rule, and return the environment or every violation.
    pub fn build(self) -> Result<Environment, Vec<Violation>> {
        let env = self.assemble();
        let violations = rules::check_environment(&env);
        if violations.is_empty() {
            Ok(env)
        } else {
            Err(violations)
        }
    }
}
