//! THE environment definitions: one shared baseline, and staging and production as the
//! baseline plus their declared overrides. Values come from the plan (seed §1-4, 7, 8, 10);
//! where a seed value would be rejected by AWS or Terraform, the nearest valid value ships
//! with a one-line comment saying why.

use crate::builder::EnvironmentBuilder;
use crate::model::{
    transitions, Access, AlarmKind, CostCategory, DashboardView, Deployment, Environment,
    HostedZone, IntelligentTiering, Monitoring, Severity, Subscription, TeamPolicy,
};

fn strings<const N: usize>(items: [&str; N]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// What every environment shares: the feature set (parity) and the one shared resource.
pub fn baseline(name: &str) -> EnvironmentBuilder {
    Environment::builder(name)
        .project("mht-api")
        .region("us-west-2")
        .account("123456789012")
        .network(|n| n.availability_zones = strings(["us-west-2a", "us-west-2b", "us-west-2c"]))
        .compute(|c| c.load_balancer = true)
        .s3(|s| {
            s.data.versioning = true;
            s.data.access_logging = true;
            s.data.lifecycle_enabled = true;
            // seed: intelligent tiering on; the archive tiers start at the minimum S3 accepts.
            s.data.intelligent_tiering = Some(IntelligentTiering {
                archive_access_days: 90,
                deep_archive_access_days: 180,
            });
        })
        .sqs(|q| {
            q.encryption = true;
            q.alarms = true;
        })
        .dynamodb(|d| d.point_in_time_recovery = true)
        // seed §4's website names (`www.`, `staging.amygdalas.com`) are not served by this stack.
        .dns(|d| {
            d.zone = HostedZone {
                name: "amygdalas.com".into(),
                zone_id: "Z0286437KXYMILBB4R1F".into(),
            }
        })
        .monitoring(|m| {
            m.dashboard = true;
            m.cloudtrail = true;
        })
        .deployment(|d| {
            // seed §10: mean time to recovery < 15 minutes.
            d.rollback_timeout_minutes = 15;
            // The application every environment runs (a feature: a version promoted from
            // staging is the same image in production). A placeholder answering 200 on every
            // path until the API's own repository replaces it; `deploy --version` sets the tag.
            d.image = "hashicorp/http-echo".into();
            // Two of the placeholder's published tags: environments start on 0.2.3, and the
            // demo releases 1.0.
            d.initial_version = "0.2.3".into();
        })
        .backend(|b| {
            b.key = "infrastructure/terraform.tfstate".into();
            b.encrypt = true;
        })
}

/// Staging: cost-optimised, architecturally identical (seed §2 "Staging Environment").
pub fn staging() -> EnvironmentBuilder {
    baseline("staging")
        .network(|n| {
            n.vpc_cidr = "10.1.0.0/16".into();
            n.subnet_cidrs = strings(["10.1.1.0/24", "10.1.2.0/24", "10.1.3.0/24"]);
        })
        .compute(|c| {
            c.instance_type = "t2.micro".into();
            c.instance_count = 2;
        })
        .s3(|s| {
            s.log_retention_days = 14;
            // Old versions of test data matter for a month; production keeps them longer.
            s.data.noncurrent_expiration_days = 30;
            // seed: 7d STANDARD_IA, 14d GLACIER, 30d DEEP_ARCHIVE; S3 refuses STANDARD_IA before
            // day 30 and a next transition less than 30 days after it, so 30/60/90.
            s.data.lifecycle =
                transitions([(30, "STANDARD_IA"), (60, "GLACIER"), (90, "DEEP_ARCHIVE")]);
        })
        .sqs(|q| q.log_retention_days = 7)
        .iam(|i| {
            // seed §7: `Action: *` on `*staging*`, a substring that also matches production's
            // objects and any account's "staging": the team operates staging's own resources
            // (exact ARNs, the model's) and deploys through its deploy role; without IAM write
            // actions, which would let the team grant a staging role access to production.
            i.team_policies = vec![TeamPolicy {
                team: "development".into(),
                access: vec![Access::Operate, Access::Deploy],
                denied_actions: strings(["iam:*", "organizations:*", "account:*"]),
                statements: Vec::new(),
            }];
        })
        .dns(|d| {
            d.api_names = strings(["staging.api.amygdalas.com", "dev.amygdalas.com"]);
            // seed §4 says staging reuses `*.amygdalas.com`, which does not cover the two-label
            // `staging.api.amygdalas.com`; staging's own certificate names its hosts.
            d.certificate_names = strings(["staging.api.amygdalas.com", "dev.amygdalas.com"]);
        })
        .monitoring(|m| {
            m.log_retention_days = 7;
            // seed §8: staging's dashboard is health and cost; it sends critical alarms only.
            m.dashboard_view = DashboardView::Health;
            m.notify = Severity::Critical;
            m.subscriptions = vec![Subscription::email("staging-alerts@amygdalas.com")];
            // seed §10: 95 % availability; 3 × 5 minutes fits the 15-minute recovery target.
            m.tune(AlarmKind::Availability, |a| {
                a.threshold = 9500;
                a.period_seconds = 300;
                a.evaluation_periods = 3;
            });
            // t2.micro serves slower; a warning only.
            m.tune(AlarmKind::ResponseTimeP95, |a| a.threshold = 2000);
        })
        // Staging rolls: one instance at a time is replaced, the group surging one above its
        // count so two healthy instances always serve. `d.blue_green = true` here rehearses
        // production's release (two colours behind the weighted listener) on staging.
        .deployment(|d| {
            d.blue_green = false;
            d.batch_size = 1;
            d.health_timeout_seconds = 600;
            d.healthy_seconds = 30;
        })
        .backend(|b| b.state_retention_days = 90)
        .cost(|c| {
            // seed §2: "~$25/month" (EC2 free tier, ALB 16, S3 2, SQS 1, CloudWatch 6). The
            // estimate is about $60: two instances (the free tier covers one, for a year), five
            // public IPv4 addresses and load balancer capacity, which the plan leaves out. The
            // budget is the estimate with headroom, not the plan's figure (README, "Cost").
            c.budget_usd = 70;
            c.plan_estimate = vec![
                (CostCategory::Ec2, 0),
                (CostCategory::LoadBalancer, 16),
                (CostCategory::S3, 2),
                (CostCategory::Sqs, 1),
                (CostCategory::CloudWatch, 6),
            ];
        })
}

/// Production: reliability and compliance (seed §2 "Production Environment").
pub fn production() -> EnvironmentBuilder {
    baseline("production")
        .protected()
        .promoted_from("staging")
        .network(|n| {
            n.vpc_cidr = "10.0.0.0/16".into();
            n.subnet_cidrs = strings(["10.0.1.0/24", "10.0.2.0/24", "10.0.3.0/24"]);
        })
        .compute(|c| {
            c.instance_type = "t3.medium".into();
            c.instance_count = 3;
            // Staging stays destroyable; production refuses deletion (docs/hardening.md).
            c.deletion_protection = true;
        })
        .dynamodb(|d| d.deletion_protection = true)
        .s3(|s| {
            s.log_retention_days = 90;
            // Old versions of production data stay a quarter for recovery, then expire.
            s.data.noncurrent_expiration_days = 90;
            s.data.lifecycle =
                transitions([(30, "STANDARD_IA"), (90, "GLACIER"), (365, "DEEP_ARCHIVE")]);
        })
        .sqs(|q| q.log_retention_days = 30)
        .iam(|i| {
            // seed §7: `s3:GetObject` and `sqs:ReceiveMessage` on `*production*`, which
            // includes production's Terraform state, and a receive hides a job (five looks move
            // it to the DLQ): operations reads data and logs and watches the queues' attributes,
            // read-only. `ec2:Describe*` and `cloudwatch:GetMetricStatistics` support no
            // resource-level permissions, so `Observe` grants them on `*`.
            i.team_policies = vec![TeamPolicy {
                team: "operations".into(),
                access: vec![
                    Access::ReadData,
                    Access::ReadLogs,
                    Access::WatchQueues,
                    Access::Observe,
                ],
                denied_actions: Vec::new(),
                statements: Vec::new(),
            }];
        })
        .dns(|d| {
            // seed §4 also gives production `staging.api.amygdalas.com`; that name is staging's.
            d.api_names = strings(["api.amygdalas.com"]);
            d.certificate_names = strings(["*.amygdalas.com"]);
        })
        .monitoring(production_alerting)
        .deployment(production_release)
        .backend(|b| b.state_retention_days = 365)
        .cost(|c| {
            // seed §2: "~$100/month". Three t3.medium alone are $91; with six public IPv4
            // addresses and the load balancer the estimate is about $160 (README, "Cost").
            c.budget_usd = 180;
            c.usage.data_gb = 50.0;
            c.usage.log_bucket_gb = 10.0;
            c.usage.s3_put_thousands = 100.0;
            c.usage.s3_get_thousands = 1000.0;
            c.usage.sqs_requests_millions = 5.0;
            c.usage.dynamodb_writes_millions = 5.0;
            c.usage.dynamodb_reads_millions = 20.0;
            c.usage.dynamodb_gb = 5.0;
            c.usage.log_ingest_gb = 10.0;
            c.usage.alb_lcus = 1.0;
            c.usage.dns_queries_millions = 2.0;
            c.usage.transfer_out_gb = 50.0;
            c.plan_estimate = vec![
                (CostCategory::Ec2, 50),
                (CostCategory::LoadBalancer, 16),
                (CostCategory::S3, 15),
                (CostCategory::Sqs, 5),
                (CostCategory::CloudWatch, 8),
                (CostCategory::Other, 6),
            ];
        })
}

/// Every environment. The promotion order is declared by each one (`promoted_from`), not by
/// its place here.
pub fn all() -> Vec<EnvironmentBuilder> {
    vec![staging(), production()]
}

/// Production's release. seed §2 "Additional Production Features": `blue_green_enabled = true`,
/// `rollback_timeout_minutes = 5`, `enable_discord_notifications = true`.
fn production_release(d: &mut Deployment) {
    // A release goes on the idle colour; traffic moves once each of its targets has been
    // healthy for `healthy_seconds`, within `health_timeout_seconds` (seed §10: deployment time
    // under 10 minutes), all at once (`canary = [100]`; `[10, 50, 100]` would move it in
    // steps). Each step bakes `bake_seconds` while health and the 5xx alarm are watched;
    // trouble undoes the shift. The previous colour stays up for the 5-minute rollback window,
    // well inside seed §10's 15-minute recovery time.
    d.blue_green = true;
    d.rollback_timeout_minutes = 5;
    d.canary = vec![100];
    d.bake_seconds = 60;
    d.health_timeout_seconds = 600;
    d.healthy_seconds = 30;
    d.discord_notifications = true;
}

/// Production's monitoring: everything notifies (seed §8), 99.9 % availability (seed §10).
fn production_alerting(m: &mut Monitoring) {
    m.log_retention_days = 90;
    m.notify = Severity::Warning;
    m.subscriptions = vec![Subscription::email("oncall@amygdalas.com")];
    // 99.9 % allows 43 minutes a month: 5 × 1 minute.
    m.tune(AlarmKind::Availability, |a| a.threshold = 9990);
}
