//! The builder DSL: an [`EnvironmentBuilder`] collects the values an environment declares (a
//! [`Draft`]); [`EnvironmentBuilder::build`] computes every resource name once ([`Names`]), runs
//! every rule of [`crate::rules`] and looks up the catalog names (instance type, storage
//! classes), returning the [`Environment`] or every violation at once. Past `build`, no code
//! handles those names as strings.

use crate::model::{
    Adopt, AlarmKind, AlarmRule, AssumeRole, Backend, Compute, Cost, DashboardView, DataBucket,
    Deployment, Dns, Draft, DynamoDb, Encryption, Environment, HostedZone, Iam, InstanceSpec,
    Locking, Monitoring, Names, Network, Role, Severity, Sqs, StorageClass, Transition, Usage, S3,
};
use crate::rules::{self, Violation};

impl Environment {
    /// Start describing an environment; every section starts from the defaults below and the
    /// environment definitions override what they declare.
    pub fn builder(name: &str) -> EnvironmentBuilder {
        EnvironmentBuilder::new(name)
    }
}

/// Builder for [`Environment`]. Sections are edited with closures so a definition reads as
/// the baseline plus the environment's declared overrides. It holds what the definition says
/// (a [`Draft`]): catalog names are strings here and become types in
/// [`EnvironmentBuilder::build`].
#[derive(Clone, Debug)]
pub struct EnvironmentBuilder {
    env: Draft,
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

fn default_compute() -> Compute<String> {
    Compute {
        instance_type: String::new(),
        instance_count: 1,
        load_balancer: true,
        app_port: 8080,
        health_check_path: "/health".into(),
        deletion_protection: false,
        access_logs: true,
        imds_hop_limit: 1,
    }
}

fn default_s3() -> S3<String> {
    S3 {
        data: DataBucket {
            versioning: true,
            encryption: Encryption::S3Managed,
            intelligent_tiering: None,
            lifecycle_enabled: false,
            lifecycle: Vec::new(),
            access_logging: true,
            noncurrent_expiration_days: 90,
        },
        log_retention_days: 90,
        abort_incomplete_multipart_days: 7,
    }
}

fn default_sqs() -> Sqs {
    Sqs {
        encryption: true,
        visibility_timeout_seconds: 30,
        message_retention_seconds: 345_600,
        max_message_size_bytes: 262_144,
        receive_wait_seconds: 0,
        dlq_retention_seconds: 1_209_600,
        max_receive_count: 5,
        alarms: true,
        log_retention_days: 30,
    }
}

/// The alarms every environment starts with; environments tune thresholds and severities.
fn default_monitoring() -> Monitoring {
    use AlarmKind::*;
    use Severity::{Critical, Warning};
    #[rustfmt::skip]
    let alarms = [
        (DlqDepth, 0, 60, 1, Critical),
        (OldestMessageAge, 300, 60, 5, Warning),
        (Alb5xxRate, 5, 60, 5, Critical),
        (UnhealthyHosts, 0, 60, 3, Warning),
        (ResponseTimeP95, 1000, 300, 3, Warning),
        (InServiceBelowDesired, 1, 60, 5, Critical),
        (StatusCheckFailed, 0, 60, 2, Critical),
        (DynamoDbThrottles, 0, 300, 1, Warning),
        (Availability, 9990, 60, 5, Critical),
    ];
    Monitoring {
        extra_alarm_actions: Vec::new(),
        dashboard: true,
        dashboard_view: DashboardView::Comprehensive,
        cloudtrail: true,
        log_retention_days: 30,
        alarms: alarms
            .into_iter()
            .map(
                |(kind, threshold, period_seconds, evaluation_periods, severity)| AlarmRule {
                    kind,
                    threshold,
                    period_seconds,
                    evaluation_periods,
                    severity,
                },
            )
            .collect(),
        notify: Warning,
        subscriptions: Vec::new(),
        discord_alarms: true,
    }
}

fn default_dns() -> Dns {
    Dns {
        zone: HostedZone {
            name: String::new(),
            zone_id: String::new(),
        },
        api_names: Vec::new(),
        certificate_names: Vec::new(),
    }
}

/// A small service's month (documented in `docs/cost.md`); environments declare their own.
fn default_cost() -> Cost {
    Cost {
        budget_usd: 100,
        usage: Usage {
            data_gb: 5.0,
            log_bucket_gb: 1.0,
            s3_put_thousands: 10.0,
            s3_get_thousands: 100.0,
            sqs_requests_millions: 1.0,
            dynamodb_writes_millions: 1.0,
            dynamodb_reads_millions: 5.0,
            dynamodb_gb: 1.0,
            log_ingest_gb: 2.0,
            alb_lcus: 0.5,
            dns_queries_millions: 1.0,
            transfer_out_gb: 10.0,
        },
        plan_estimate: Vec::new(),
    }
}

impl EnvironmentBuilder {
    fn new(name: &str) -> Self {
        let network = Network {
            vpc_cidr: String::new(),
            subnet_cidrs: Vec::new(),
            availability_zones: Vec::new(),
            flow_logs: true,
        };
        let deployment = Deployment {
            blue_green: false,
            rollback_timeout_minutes: 15,
            discord_notifications: false,
            discord_webhook_env: "MHT_DISCORD_WEBHOOK_URL".into(),
            // A placeholder answering 200 on every path until `image` names the API's own.
            image: "hashicorp/http-echo".into(),
            initial_version: "1.0".into(),
            bake_seconds: 60,
            health_timeout_seconds: 600,
            healthy_seconds: 30,
            batch_size: 1,
            canary: vec![100],
        };
        let iam = Iam {
            roles: Role::ALL.to_vec(),
            team_policies: Vec::new(),
        };
        let monitoring = default_monitoring();
        let names = Names::new("", name, &network, &deployment, &iam, &monitoring);
        EnvironmentBuilder {
            env: Environment {
                name: name.to_string(),
                project: String::new(),
                region: String::new(),
                account_id: String::new(),
                profile: None,
                assume_role: None,
                protected: false,
                promoted_from: None,
                deployers: Vec::new(),
                tags: Vec::new(),
                network,
                compute: default_compute(),
                s3: default_s3(),
                sqs: default_sqs(),
                dynamodb: DynamoDb {
                    hash_key: "id".into(),
                    point_in_time_recovery: true,
                    encryption: true,
                    deletion_protection: false,
                },
                iam,
                dns: default_dns(),
                monitoring,
                deployment,
                backend: Backend {
                    key: "terraform.tfstate".into(),
                    encrypt: true,
                    state_retention_days: 90,
                    locking: Locking::DynamoDb,
                    extra: Vec::new(),
                },
                cost: default_cost(),
                adopt: Adopt::default(),
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

    /// Assume `role` for every AWS call of the tool and of Terraform: a role ARN, or a role name
    /// in the environment's account. The role must be in the environment's `account`.
    pub fn assume_role(self, role: &str) -> Self {
        self.assume_role_with(role, |_| {})
    }

    /// [`EnvironmentBuilder::assume_role`] with a session name or an external ID set in `edit`.
    pub fn assume_role_with(mut self, role: &str, edit: impl FnOnce(&mut AssumeRole)) -> Self {
        let mut assume = AssumeRole {
            role: role.to_string(),
            session_name: None,
            external_id: None,
        };
        edit(&mut assume);
        self.env.assume_role = Some(assume);
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

    /// The principals (role or user ARNs, `*` wildcards allowed) that deploy this environment
    /// and alone may write its deployment records; by default its deploy role
    /// (`mht-api-<env>-deploy` in its account).
    pub fn deployers<const N: usize>(mut self, principals: [&str; N]) -> Self {
        self.env.deployers = principals.iter().map(|p| p.to_string()).collect();
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
        compute, compute, Compute<String>);
    section!(
        /// The data bucket and the access-log bucket.
        s3, s3, S3<String>);
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
        /// Terraform state key, encryption, retention, locking and extra backend arguments.
        backend, backend, Backend);
    section!(
        /// Existing resources to take over (Terraform `import` blocks) instead of creating
        /// them: `.adopt(|a| { a.dns_record("api.example.com").bucket(BucketKind::Data); })`.
        adopt, adopt, Adopt);
    section!(
        /// Monthly budget, the usage the cost estimate assumes, the plan's own estimate.
        cost, cost, Cost);

    /// The description with its names computed, not yet checked.
    pub(crate) fn draft(self) -> Draft {
        let mut env = self.env;
        env.names = Names::new(
            &env.project,
            &env.name,
            &env.network,
            &env.deployment,
            &env.iam,
            &env.monitoring,
        );
        env
    }

    /// Compute the names, run every rule, look up the catalog names, and return the
    /// environment or every violation.
    pub fn build(self) -> Result<Environment, Vec<Violation>> {
        let draft = self.draft();
        let violations = rules::check_environment(&draft);
        match resolve(draft) {
            Some(env) if violations.is_empty() => Ok(env),
            _ => Err(violations),
        }
    }
}

/// The draft with its instance type and storage classes looked up in the catalogs, if they all
/// are there (the rules report those that are not).
pub(crate) fn resolve(draft: Draft) -> Option<Environment> {
    let instance_type = InstanceSpec::find(&draft.compute.instance_type)?;
    let lifecycle = draft
        .s3
        .data
        .lifecycle
        .iter()
        .map(|t| {
            StorageClass::parse(&t.storage_class).map(|storage_class| Transition {
                days: t.days,
                storage_class,
            })
        })
        .collect::<Option<Vec<_>>>()?;
    Some(Environment {
        name: draft.name,
        project: draft.project,
        region: draft.region,
        account_id: draft.account_id,
        profile: draft.profile,
        assume_role: draft.assume_role,
        protected: draft.protected,
        promoted_from: draft.promoted_from,
        deployers: draft.deployers,
        tags: draft.tags,
        network: draft.network,
        compute: draft.compute.with_instance_type(instance_type),
        s3: draft.s3.with_lifecycle(lifecycle),
        sqs: draft.sqs,
        dynamodb: draft.dynamodb,
        iam: draft.iam,
        dns: draft.dns,
        monitoring: draft.monitoring,
        deployment: draft.deployment,
        backend: draft.backend,
        cost: draft.cost,
        adopt: draft.adopt,
        names: draft.names,
    })
}
