//! One test case per rule: a change to a shipped environment that breaks exactly that rule
//! must be reported with the rule, the path of the bad value, and a fix.

use infra::environments::{baseline, production, staging};
use infra::model::{transitions, Access, AlarmKind, NameKind, Statement, Subscription, TeamPolicy};
use infra::rules;
use infra::{validate, EnvironmentBuilder, Violation};
use std::collections::BTreeSet;

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// Violations of the shipped environments with `edit` applied to staging.
fn staging_with(edit: impl FnOnce(EnvironmentBuilder) -> EnvironmentBuilder) -> Vec<Violation> {
    validate(vec![edit(staging()), production()])
        .violations()
        .cloned()
        .collect()
}

/// Violations of the shipped environments with `edit` applied to production.
fn production_with(edit: impl FnOnce(EnvironmentBuilder) -> EnvironmentBuilder) -> Vec<Violation> {
    validate(vec![staging(), edit(production())])
        .violations()
        .cloned()
        .collect()
}

type Case = (
    &'static str,
    &'static str,
    Box<dyn FnOnce() -> Vec<Violation>>,
);

/// (rule id, expected location, how to break it)
fn cases() -> Vec<Case> {
    vec![
        (
            "env.name",
            "Staging_1.name",
            Box::new(|| {
                validate(vec![baseline("Staging_1")])
                    .violations()
                    .cloned()
                    .collect()
            }),
        ),
        (
            "env.project",
            "staging.project",
            Box::new(|| staging_with(|b| b.project("MHT API"))),
        ),
        (
            "env.region",
            "staging.region",
            Box::new(|| staging_with(|b| b.region("us-west"))),
        ),
        (
            "env.account",
            "staging.account",
            Box::new(|| staging_with(|b| b.account("12345"))),
        ),
        (
            "env.assume-role",
            "staging.assume_role.role",
            Box::new(|| staging_with(|b| b.assume_role("arn:aws:iam::123456789012:user/ci"))),
        ),
        (
            "env.assume-role-account",
            "production.assume_role.role",
            Box::new(|| {
                production_with(|b| {
                    b.account("222222222222")
                        .assume_role("arn:aws:iam::111111111111:role/mht-deployer")
                })
            }),
        ),
        (
            "env.tags",
            "staging.tags.aws:owner",
            Box::new(|| staging_with(|b| b.tag("aws:owner", "x"))),
        ),
        (
            "name.s3-bucket",
            "staging.names.data_bucket",
            Box::new(|| {
                staging_with(|b| b.project("mht-api-with-a-rather-long-project-name-for-buckets"))
            }),
        ),
        (
            "name.load-balancer",
            "staging.names.alb",
            Box::new(|| staging_with(|b| b.project("mht-api-the-longer-name"))),
        ),
        (
            "name.target-group",
            "staging.names.target_groups[0]",
            Box::new(|| staging_with(|b| b.project("mht-api-the-longer-name"))),
        ),
        (
            "name.iam-role",
            "staging.names.roles.worker-service",
            Box::new(|| staging_with(|b| b.project("mht-api-with-a-long-project-name-for-roles"))),
        ),
        (
            "network.cidr",
            "production.network.vpc_cidr",
            Box::new(|| production_with(|b| b.network(|n| n.vpc_cidr = "10.0.0.1/16".into()))),
        ),
        (
            "network.subnet-in-vpc",
            "staging.network.subnet_cidrs[2]",
            Box::new(|| staging_with(|b| b.network(|n| n.subnet_cidrs[2] = "10.2.3.0/24".into()))),
        ),
        (
            "network.subnet-overlap",
            "staging.network.subnet_cidrs[1]",
            Box::new(|| {
                staging_with(|b| b.network(|n| n.subnet_cidrs[1] = "10.1.1.128/25".into()))
            }),
        ),
        (
            "network.subnet-per-az",
            "staging.network.subnet_cidrs",
            Box::new(|| {
                staging_with(|b| {
                    b.network(|n| {
                        n.subnet_cidrs.pop();
                    })
                })
            }),
        ),
        (
            "network.az-in-region",
            "staging.network.availability_zones[0]",
            Box::new(|| {
                staging_with(|b| b.network(|n| n.availability_zones[0] = "us-east-1a".into()))
            }),
        ),
        (
            "network.alb-two-azs",
            "staging.network.availability_zones",
            Box::new(|| {
                staging_with(|b| {
                    b.network(|n| {
                        n.availability_zones.truncate(1);
                        n.subnet_cidrs.truncate(1);
                    })
                })
            }),
        ),
        (
            "compute.instance-type",
            "staging.compute.instance_type",
            Box::new(|| staging_with(|b| b.compute(|c| c.instance_type = "t2micro".into()))),
        ),
        // A misspelt name of the catalog.
        (
            "compute.instance-type",
            "staging.compute.instance_type",
            Box::new(|| staging_with(|b| b.compute(|c| c.instance_type = "t2.mirco".into()))),
        ),
        (
            "compute.instance-count",
            "staging.compute.instance_count",
            Box::new(|| staging_with(|b| b.compute(|c| c.instance_count = 0))),
        ),
        (
            "compute.port",
            "staging.compute.app_port",
            Box::new(|| staging_with(|b| b.compute(|c| c.app_port = 0))),
        ),
        (
            "compute.health-check-path",
            "staging.compute.health_check_path",
            Box::new(|| staging_with(|b| b.compute(|c| c.health_check_path = "health".into()))),
        ),
        (
            "s3.lifecycle.storage-class",
            "staging.s3.data.lifecycle[1]",
            Box::new(|| {
                staging_with(|b| b.s3(|s| s.data.lifecycle[1].storage_class = "COLD".into()))
            }),
        ),
        (
            "s3.lifecycle.storage-class",
            "staging.s3.data.lifecycle[1]",
            Box::new(|| {
                staging_with(|b| {
                    b.s3(|s| {
                        s.data.lifecycle =
                            transitions([(30, "STANDARD_IA"), (60, "GLACIR"), (90, "DEEP_ARCHIVE")])
                    })
                })
            }),
        ),
        // The seed's own staging transitions: STANDARD_IA at day 7.
        (
            "s3.lifecycle.ia-min-days",
            "staging.s3.data.lifecycle[0]",
            Box::new(|| {
                staging_with(|b| {
                    b.s3(|s| {
                        s.data.lifecycle =
                            transitions([(7, "STANDARD_IA"), (14, "GLACIER"), (30, "DEEP_ARCHIVE")])
                    })
                })
            }),
        ),
        (
            "s3.lifecycle.ia-30-days",
            "staging.s3.data.lifecycle[1]",
            Box::new(|| {
                staging_with(|b| {
                    b.s3(|s| s.data.lifecycle = transitions([(30, "STANDARD_IA"), (45, "GLACIER")]))
                })
            }),
        ),
        (
            "s3.lifecycle.order",
            "production.s3.data.lifecycle[1]",
            Box::new(|| {
                production_with(|b| {
                    b.s3(|s| s.data.lifecycle = transitions([(30, "GLACIER"), (90, "STANDARD_IA")]))
                })
            }),
        ),
        (
            "s3.lifecycle.enabled",
            "staging.s3.data.lifecycle",
            Box::new(|| staging_with(|b| b.s3(|s| s.data.lifecycle.clear()))),
        ),
        (
            "s3.intelligent-tiering.days",
            "staging.s3.data.intelligent_tiering",
            Box::new(|| {
                staging_with(|b| {
                    b.s3(|s| {
                        if let Some(t) = &mut s.data.intelligent_tiering {
                            t.archive_access_days = 30;
                        }
                    })
                })
            }),
        ),
        (
            "s3.expiration-days",
            "staging.s3.log_retention_days",
            Box::new(|| staging_with(|b| b.s3(|s| s.log_retention_days = 0))),
        ),
        (
            "logs.retention",
            "staging.sqs.log_retention_days",
            Box::new(|| staging_with(|b| b.sqs(|q| q.log_retention_days = 10))),
        ),
        (
            "sqs.visibility-timeout",
            "staging.sqs.visibility_timeout_seconds",
            Box::new(|| staging_with(|b| b.sqs(|q| q.visibility_timeout_seconds = 50_000))),
        ),
        (
            "sqs.message-retention",
            "staging.sqs.message_retention_seconds",
            Box::new(|| staging_with(|b| b.sqs(|q| q.message_retention_seconds = 30))),
        ),
        (
            "sqs.max-message-size",
            "staging.sqs.max_message_size_bytes",
            Box::new(|| staging_with(|b| b.sqs(|q| q.max_message_size_bytes = 100))),
        ),
        (
            "sqs.receive-wait",
            "staging.sqs.receive_wait_seconds",
            Box::new(|| staging_with(|b| b.sqs(|q| q.receive_wait_seconds = 21))),
        ),
        (
            "sqs.max-receive-count",
            "staging.sqs.max_receive_count",
            Box::new(|| staging_with(|b| b.sqs(|q| q.max_receive_count = 0))),
        ),
        (
            "sqs.dlq-retention",
            "staging.sqs.dlq_retention_seconds",
            Box::new(|| {
                staging_with(|b| b.sqs(|q| q.dlq_retention_seconds = q.message_retention_seconds))
            }),
        ),
        (
            "sqs.alarm-age",
            "staging.monitoring.alarms[1].threshold",
            Box::new(|| {
                staging_with(|b| {
                    b.monitoring(|m| m.tune(AlarmKind::OldestMessageAge, |a| a.threshold = 400_000))
                })
            }),
        ),
        (
            "monitoring.alarm-period",
            "staging.monitoring.alarms[0].period_seconds",
            Box::new(|| {
                staging_with(|b| {
                    b.monitoring(|m| m.tune(AlarmKind::DlqDepth, |a| a.period_seconds = 45))
                })
            }),
        ),
        (
            "monitoring.alarm-threshold",
            "staging.monitoring.alarms[2].threshold",
            Box::new(|| {
                staging_with(|b| {
                    b.monitoring(|m| m.tune(AlarmKind::Alb5xxRate, |a| a.threshold = 0))
                })
            }),
        ),
        (
            "monitoring.alarm-unique",
            "staging.monitoring.alarms[9].kind",
            Box::new(|| {
                staging_with(|b| {
                    b.monitoring(|m| {
                        let again = m.alarms[0].clone();
                        m.alarms.push(again)
                    })
                })
            }),
        ),
        (
            "monitoring.availability-window",
            "production.monitoring.alarms[8].evaluation_periods",
            Box::new(|| {
                production_with(|b| {
                    b.monitoring(|m| m.tune(AlarmKind::Availability, |a| a.period_seconds = 600))
                })
            }),
        ),
        (
            "monitoring.subscription",
            "staging.monitoring.subscriptions[0].endpoint",
            Box::new(|| {
                staging_with(|b| {
                    b.monitoring(|m| m.subscriptions = vec![Subscription::email("ops at example")])
                })
            }),
        ),
        (
            "name.lambda-function",
            "staging.names.alarm_function",
            Box::new(|| staging_with(|b| b.project(&"p".repeat(50)))),
        ),
        (
            "name.ssm-parameter",
            "staging.names.webhook_parameter",
            Box::new(|| staging_with(|b| b.project("awsome"))),
        ),
        (
            "dynamodb.hash-key",
            "staging.dynamodb.hash_key",
            Box::new(|| staging_with(|b| b.dynamodb(|d| d.hash_key.clear()))),
        ),
        (
            "iam.roles",
            "staging.iam.roles[3]",
            Box::new(|| staging_with(|b| b.iam(|i| i.roles.push(infra::model::Role::ApiService)))),
        ),
        (
            "iam.action",
            "staging.iam.team_policies[0].actions",
            Box::new(|| {
                staging_with(|b| {
                    b.iam(|i| {
                        i.team_policies[0].statements.push(Statement {
                            actions: strings(&["GetObject"]),
                            resources: strings(&["arn:aws:s3:::mht-api-staging-data/*"]),
                        })
                    })
                })
            }),
        ),
        (
            "iam.resource",
            "staging.iam.team_policies[0].statements[0].resources",
            Box::new(|| {
                staging_with(|b| {
                    b.iam(|i| {
                        i.team_policies[0].statements.push(Statement {
                            actions: strings(&["s3:GetObject"]),
                            resources: strings(&["mht-api-staging-data"]),
                        })
                    })
                })
            }),
        ),
        // The seed's production policy: ec2:Describe* scoped to `*production*`.
        (
            "iam.resource-level",
            "production.iam.team_policies[0].statements[0].actions",
            Box::new(|| {
                production_with(|b| {
                    b.iam(|i| {
                        i.team_policies[0].statements.push(Statement {
                            actions: strings(&["s3:GetObject", "ec2:Describe*"]),
                            resources: strings(&["arn:aws:s3:::mht-api-production-data/*"]),
                        })
                    })
                })
            }),
        ),
        // The seed's staging policy: `Action: *` with no deny.
        (
            "iam.escalation",
            "staging.iam.team_policies[0].statements[0].actions",
            Box::new(|| {
                staging_with(|b| {
                    b.iam(|i| {
                        i.team_policies[0].denied_actions.clear();
                        i.team_policies[0].statements.push(Statement {
                            actions: strings(&["*"]),
                            resources: strings(&["arn:aws:s3:::mht-api-staging-data"]),
                        });
                    })
                })
            }),
        ),
        (
            "iam.access",
            "staging.iam.team_policies[0].access[2]",
            Box::new(|| {
                staging_with(|b| b.iam(|i| i.team_policies[0].access.push(Access::Operate)))
            }),
        ),
        (
            "iam.policy-size",
            "staging.iam.team_policies[0]",
            Box::new(|| {
                staging_with(|b| {
                    b.iam(|i| {
                        let many: Vec<String> = (0..400)
                            .map(|n| format!("s3:GetObjectVersion{n}"))
                            .collect();
                        i.team_policies[0].statements.push(Statement {
                            actions: many,
                            resources: strings(&["arn:aws:s3:::mht-api-staging-data"]),
                        });
                    })
                })
            }),
        ),
        (
            "dns.name",
            "staging.dns.api_names[1]",
            Box::new(|| staging_with(|b| b.dns(|d| d.api_names[1] = "Dev.amygdalas.com".into()))),
        ),
        (
            "dns.in-zone",
            "staging.dns.api_names[1]",
            Box::new(|| {
                staging_with(|b| {
                    b.dns(|d| {
                        d.api_names[1] = "dev.example.com".into();
                        d.certificate_names[1] = "dev.example.com".into();
                    })
                })
            }),
        ),
        (
            "dns.zone-id",
            "staging.dns.zone.zone_id",
            Box::new(|| staging_with(|b| b.dns(|d| d.zone.zone_id = "z123".into()))),
        ),
        // The seed's staging certificate: `*.amygdalas.com` for `staging.api.amygdalas.com`.
        (
            "dns.certificate-covers",
            "staging.dns.api_names[0]",
            Box::new(|| {
                staging_with(|b| b.dns(|d| d.certificate_names = strings(&["*.amygdalas.com"])))
            }),
        ),
        (
            "dns.certificate-names",
            "staging.dns.certificate_names",
            Box::new(|| staging_with(|b| b.dns(|d| d.certificate_names.clear()))),
        ),
        (
            "monitoring.alarm-action",
            "staging.monitoring.extra_alarm_actions[0]",
            Box::new(|| {
                staging_with(|b| {
                    b.monitoring(|m| {
                        m.extra_alarm_actions
                            .push("arn:aws:sns:us-east-1:123456789012:pager".into())
                    })
                })
            }),
        ),
        (
            "deployment.rollback-timeout",
            "production.deployment.rollback_timeout_minutes",
            Box::new(|| production_with(|b| b.deployment(|d| d.rollback_timeout_minutes = 0))),
        ),
        (
            "deployment.blue-green",
            "production.deployment.blue_green",
            Box::new(|| production_with(|b| b.compute(|c| c.load_balancer = false))),
        ),
        (
            "deployment.webhook-env",
            "production.deployment.discord_webhook_env",
            Box::new(|| {
                production_with(|b| b.deployment(|d| d.discord_webhook_env = "discord url".into()))
            }),
        ),
        (
            "deployment.image",
            "staging.deployment.image",
            Box::new(|| staging_with(|b| b.deployment(|d| d.image = "Hashicorp/echo".into()))),
        ),
        (
            "deployment.canary",
            "production.deployment.canary",
            Box::new(|| production_with(|b| b.deployment(|d| d.canary = vec![50, 10]))),
        ),
        (
            "deployment.timing",
            "production.deployment.bake_seconds",
            Box::new(|| production_with(|b| b.deployment(|d| d.bake_seconds = 3601))),
        ),
        (
            "deployment.batch-size",
            "staging.deployment.batch_size",
            Box::new(|| staging_with(|b| b.deployment(|d| d.batch_size = 0))),
        ),
        (
            "backend.key",
            "staging.backend.key",
            Box::new(|| {
                staging_with(|b| b.backend(|k| k.key = "/infrastructure/terraform.tfstate".into()))
            }),
        ),
        // The seed's backend block: `versioning` and `lifecycle_rule` inside `backend "s3"`.
        (
            "backend.argument",
            "staging.backend.extra.versioning",
            Box::new(|| {
                staging_with(|b| b.backend(|k| k.extra.push(("versioning".into(), "true".into()))))
            }),
        ),
        (
            "backend.locking",
            "staging.backend.extra.use_lockfile",
            Box::new(|| {
                staging_with(|b| {
                    b.backend(|k| k.extra.push(("use_lockfile".into(), "true".into())))
                })
            }),
        ),
        (
            "adopt.entry",
            "staging.adopt[0]",
            Box::new(|| {
                staging_with(|b| {
                    b.adopt(|a| {
                        a.dns_record("api.example.org");
                    })
                })
            }),
        ),
        (
            "backend.state-retention",
            "staging.backend.state_retention_days",
            Box::new(|| staging_with(|b| b.backend(|k| k.state_retention_days = 0))),
        ),
        // Names derive from the environment name; a project prefix that ends where another
        // environment's name begins makes them collide.
        (
            "isolation.name",
            "jobs.names.dashboard",
            Box::new(|| {
                validate(vec![
                    staging(),
                    production().named("jobs").project("mht-api-staging"),
                ])
                .violations()
                .cloned()
                .collect()
            }),
        ),
        (
            "isolation.cidr",
            "production.network.vpc_cidr",
            Box::new(|| {
                production_with(|b| {
                    b.network(|n| {
                        n.vpc_cidr = "10.1.0.0/16".into();
                        n.subnet_cidrs = strings(&["10.1.1.0/24", "10.1.2.0/24", "10.1.3.0/24"]);
                    })
                })
            }),
        ),
        // State names derive from the environment name too; the check guards the derivation.
        (
            "isolation.state",
            "production.backend.state",
            Box::new(|| {
                let (a, mut b) = (built(staging()), built(production()));
                b.names.state_bucket = a.names.state_bucket.clone();
                infra::checks::isolation(&[a, b])
            }),
        ),
        // The seed gives production staging's `staging.api.amygdalas.com` too.
        (
            "isolation.dns",
            "production.dns.api_names[1]",
            Box::new(|| {
                production_with(|b| {
                    b.dns(|d| {
                        d.api_names.push("staging.api.amygdalas.com".into());
                        d.certificate_names.push("staging.api.amygdalas.com".into());
                    })
                })
            }),
        ),
        (
            "isolation.alarm-topic",
            "production.monitoring.alarm_actions[1]",
            Box::new(|| {
                production_with(|b| {
                    b.monitoring(|m| {
                        m.extra_alarm_actions
                            .push("arn:aws:sns:us-west-2:123456789012:staging-alerts".into())
                    })
                })
            }),
        ),
        // Statement 12 of development's document: after Operate's six, Deploy's four (its
        // role, the release state, the listener, the groups) and the unscoped reads.
        (
            "isolation.policy",
            "staging.iam.team_policies[0].Statement[11]",
            Box::new(|| {
                staging_with(|b| {
                    b.iam(|i| {
                        i.team_policies[0].statements.push(Statement {
                            actions: strings(&["s3:GetObject"]),
                            resources: strings(&["arn:aws:s3:::mht-api-*"]),
                        })
                    })
                })
            }),
        ),
        // The seed's operations pattern reaches production's own Terraform state.
        (
            "isolation.state-access",
            "production.iam.team_policies[0].Statement[8]",
            Box::new(|| {
                production_with(|b| {
                    b.iam(|i| {
                        i.team_policies[0].statements.push(Statement {
                            actions: strings(&["s3:GetObject"]),
                            resources: strings(&["arn:aws:*:*:*:*production*"]),
                        })
                    })
                })
            }),
        ),
        (
            "isolation.shared",
            "production.dns.zone",
            Box::new(|| production_with(|b| b.dns(|d| d.zone.zone_id = "Z999".into()))),
        ),
        (
            "cost.usage",
            "staging.cost.usage.alb_lcus",
            Box::new(|| staging_with(|b| b.cost(|c| c.usage.alb_lcus = -1.0))),
        ),
        (
            "cost.budget",
            "production.cost.budget_usd",
            Box::new(|| production_with(|b| b.compute(|c| c.instance_count = 6))),
        ),
        (
            "promotion.order",
            "production.promoted_from",
            Box::new(|| production_with(|b| b.promoted_from("stagign"))),
        ),
        (
            "compute.imds-hop-limit",
            "staging.compute.imds_hop_limit",
            Box::new(|| staging_with(|b| b.compute(|c| c.imds_hop_limit = 0))),
        ),
        (
            "s3.noncurrent-days",
            "staging.s3.data.noncurrent_expiration_days",
            Box::new(|| staging_with(|b| b.s3(|s| s.data.noncurrent_expiration_days = 0))),
        ),
        (
            "s3.abort-multipart-days",
            "production.s3.abort_incomplete_multipart_days",
            Box::new(|| production_with(|b| b.s3(|s| s.abort_incomplete_multipart_days = 0))),
        ),
        (
            "hardening.deletion-protection",
            "production.dynamodb.deletion_protection",
            Box::new(|| production_with(|b| b.dynamodb(|d| d.deletion_protection = false))),
        ),
        (
            "parity.feature",
            "production.sqs.encryption",
            Box::new(|| production_with(|b| b.sqs(|q| q.encryption = false))),
        ),
    ]
}

fn built(b: EnvironmentBuilder) -> infra::Environment {
    b.build().expect("shipped environment builds")
}

#[test]
fn shipped_environments_pass_every_check() {
    let report = validate(infra::environments::all());
    let all: Vec<String> = report.violations().map(|v| v.to_string()).collect();
    assert!(all.is_empty(), "violations:\n{}", all.join("\n"));
    assert_eq!(report.environments.len(), infra::environments::all().len());
}

#[test]
fn each_rule_reports_path_value_and_fix() {
    for (rule, location, break_it) in cases() {
        let found = break_it();
        let hit = found
            .iter()
            .find(|v| v.rule.id == rule && v.location() == location);
        let Some(v) = hit else {
            panic!(
                "rule `{rule}` at `{location}` not reported; got:\n{}",
                found
                    .iter()
                    .map(|v| format!("  {v}"))
                    .collect::<Vec<_>>()
                    .join("\n")
            );
        };
        assert!(
            !v.fix.is_empty() && !v.problem.is_empty(),
            "{rule}: empty message"
        );
        assert!(!v.value.is_empty(), "{rule}: no value");
    }
}

#[test]
fn names_outside_a_catalog_get_the_nearest_one() {
    let cases: [(&str, Vec<Violation>, &str); 4] = [
        (
            "staging.compute.instance_type",
            staging_with(|b| b.compute(|c| c.instance_type = "t2.mirco".into())),
            "did you mean `t2.micro`?",
        ),
        (
            "production.compute.instance_type",
            production_with(|b| b.compute(|c| c.instance_type = "T3.Medium".into())),
            "did you mean `t3.medium`?",
        ),
        (
            "staging.s3.data.lifecycle[1]",
            staging_with(|b| b.s3(|s| s.data.lifecycle[1].storage_class = "GLACIR".into())),
            "did you mean `GLACIER`?",
        ),
        (
            "staging.s3.data.lifecycle[1]",
            staging_with(|b| b.s3(|s| s.data.lifecycle[1].storage_class = "COLD".into())),
            "use one of STANDARD_IA, INTELLIGENT_TIERING, ONEZONE_IA, GLACIER_IR, GLACIER, DEEP_ARCHIVE",
        ),
    ];
    for (location, found, fix) in cases {
        assert!(
            found
                .iter()
                .any(|v| v.location() == location && v.fix == fix),
            "no `{fix}` at `{location}`: {found:?}"
        );
    }
    // The other rules still run on an environment with a misspelt name.
    let found = staging_with(|b| {
        b.account("1")
            .compute(|c| c.instance_type = "t2.mirco".into())
    });
    let rules: BTreeSet<&str> = found.iter().map(|v| v.rule.id).collect();
    assert_eq!(
        rules,
        BTreeSet::from(["compute.instance-type", "env.account"])
    );
    let err = staging()
        .s3(|s| s.data.lifecycle[0].storage_class = "GLACIR".into())
        .build()
        .unwrap_err();
    assert_eq!(err.len(), 1, "{err:?}");
    assert_eq!(err[0].rule, rules::LIFECYCLE_STORAGE_CLASS);
}

#[test]
fn every_rule_has_a_case() {
    let covered: BTreeSet<&str> = cases().iter().map(|(r, _, _)| *r).collect();
    // Naming rules of every kind are covered by `names_follow_each_kinds_rule`; freshness and
    // terraform validate by the CLI tests.
    let missing: Vec<&str> = rules::ALL
        .iter()
        .map(|r| r.id)
        .filter(|id| {
            !covered.contains(id)
                && !id.starts_with("name.")
                && !["render.fresh", "terraform.validate"].contains(id)
        })
        .collect();
    assert!(missing.is_empty(), "rules without a test case: {missing:?}");
}

#[test]
fn subscription_endpoints_are_checked() {
    use infra::rules::{email_problem, https_problem};
    for good in ["ops@example.com", "a.b+c@mail.example.org"] {
        assert_eq!(email_problem(good), None, "{good}");
    }
    for bad in [
        "ops",
        "@example.com",
        "ops@example",
        "ops@@example.com",
        "o ps@example.com",
        "ops@example..com",
    ] {
        assert!(email_problem(bad).is_some(), "{bad} should be refused");
    }
    for good in [
        "https://hooks.example.com/alerts",
        "https://discord.com/api/webhooks/1/x?wait=true",
        "https://h:8443/p",
    ] {
        assert_eq!(https_problem(good), None, "{good}");
    }
    for bad in [
        "http://example.com",
        "https://",
        "https:///path",
        "https://exa mple.com",
        "ftp://x",
        "",
    ] {
        assert!(https_problem(bad).is_some(), "{bad} should be refused");
    }
}

#[test]
fn availability_windows_fit_the_targets() {
    // 99.9 %: 43 minutes a month, so the 15-minute recovery target bounds the window.
    assert_eq!(infra::model::error_budget_seconds(9990), 2592);
    assert_eq!(infra::model::error_budget_seconds(9500), 129_600);
    let found = production_with(|b| {
        b.monitoring(|m| m.tune(AlarmKind::Availability, |a| a.evaluation_periods = 16))
    });
    assert!(
        found
            .iter()
            .any(|v| v.rule.id == "monitoring.availability-window"),
        "{found:?}"
    );
    let ok = production_with(|b| {
        b.monitoring(|m| m.tune(AlarmKind::Availability, |a| a.evaluation_periods = 15))
    });
    assert!(ok.is_empty(), "{ok:?}");
}

#[test]
fn names_follow_each_kinds_rule() {
    use NameKind::*;
    let cases: &[(NameKind, &str, &str)] = &[
        (Bucket, "mht-api-staging-data", "mht_api"),
        (Bucket, "a.b-c", "192.168.1.1"),
        (Bucket, "abc", "ab"),
        (Bucket, "abc", "xn--abc"),
        (Bucket, "abc", "abc-s3alias"),
        (Bucket, "abc", "a..b"),
        (Queue, "jobs-dlq_1", "jobs.dlq"),
        (Queue, "jobs.fifo", &"q".repeat(81)),
        (Table, "app.table_1", "ab"),
        (Role, "role+=,.@-_", "role name"),
        (Role, "r", &"r".repeat(65)),
        (Policy, "p", "p/q"),
        (Group, "mht-api-staging-development", "team one"),
        (InstanceProfile, "p", &"p".repeat(129)),
        (LoadBalancer, "mht-api-alb", "internal-alb"),
        (LoadBalancer, "a", "-alb"),
        (TargetGroup, "tg-blue", &"t".repeat(33)),
        (SecurityGroup, "my sg", "sg-123"),
        (LaunchTemplate, "lt(1).x/y_z", "lt!"),
        (AutoScalingGroup, "asg", ""),
        (Topic, "staging-alerts", "staging.alerts"),
        (LogGroup, "/mht-api/staging/app", "/mht api"),
        (Dashboard, "mht-api-staging", "mht/api"),
        (Alarm, "a", &"a".repeat(256)),
        (Function, "mht-api-staging-alarm-discord", "alarm.discord"),
        (Function, "f", &"f".repeat(65)),
        (Parameter, "/mht-api/staging/discord-webhook", "/ssm/x"),
        (Parameter, "/a.b_c-d", "/a b"),
        (Budget, "mht-api-staging-monthly", "mht:monthly"),
        (Budget, "monthly", "back\\slash"),
        (Trail, "mht-api-trail", "mht--trail"),
        (Trail, "mht.trail", "-trail"),
        (Tag, "x", &"x".repeat(257)),
    ];
    for (kind, good, bad) in cases {
        assert_eq!(
            kind.problem(good),
            None,
            "{kind:?} `{good}` should be valid"
        );
        assert!(
            kind.problem(bad).is_some(),
            "{kind:?} `{bad}` should be invalid"
        );
    }
    let kinds: BTreeSet<&str> = cases.iter().map(|(k, _, _)| k.rule().id).collect();
    let name_rules: BTreeSet<&str> = rules::ALL
        .iter()
        .map(|r| r.id)
        .filter(|id| id.starts_with("name."))
        .collect();
    assert_eq!(kinds, name_rules, "every naming rule has a case");
}

#[test]
fn cidr_parsing_and_overlap() {
    use rules::Cidr;
    let vpc = Cidr::parse("10.1.0.0/16").unwrap();
    assert!(vpc.contains(Cidr::parse("10.1.3.0/24").unwrap()));
    assert!(!vpc.contains(Cidr::parse("10.2.3.0/24").unwrap()));
    assert!(!vpc.contains(Cidr::parse("10.0.0.0/8").unwrap()));
    assert!(vpc.overlaps(Cidr::parse("10.0.0.0/8").unwrap()));
    assert!(!vpc.overlaps(Cidr::parse("10.0.0.0/16").unwrap()));
    for bad in [
        "10.1.0.0",
        "10.1.0/16",
        "10.1.0.256/24",
        "10.1.0.0/33",
        "10.1.0.1/16",
        "x/16",
    ] {
        assert!(Cidr::parse(bad).is_err(), "{bad} should be rejected");
    }
    assert_eq!(Cidr::parse("0.0.0.0/0").unwrap().to_string(), "0.0.0.0/0");
}

#[test]
fn wildcard_certificates_cover_one_label() {
    assert!(rules::certificate_covers(
        "*.amygdalas.com",
        "api.amygdalas.com"
    ));
    assert!(!rules::certificate_covers(
        "*.amygdalas.com",
        "staging.api.amygdalas.com"
    ));
    assert!(!rules::certificate_covers(
        "*.amygdalas.com",
        "amygdalas.com"
    ));
    assert!(rules::certificate_covers(
        "dev.amygdalas.com",
        "dev.amygdalas.com"
    ));
}

#[test]
fn glob_matches_like_iam() {
    assert!(rules::glob_match(
        "arn:aws:s3:::mht-api-staging-data",
        "arn:aws:*:*:*:*staging*"
    ));
    assert!(!rules::glob_match(
        "arn:aws:s3:::mht-api-production-data",
        "arn:aws:*:*:*:*staging*"
    ));
    assert!(rules::glob_match("ec2:describeinstances", "ec2:describe*"));
    assert!(rules::glob_match("iam:passrole", "*"));
    assert!(!rules::glob_match("iam:passrole", "iam:pass?"));
}

#[test]
fn every_violation_is_reported_at_once() {
    let found = staging_with(|b| {
        b.account("1")
            .sqs(|q| q.log_retention_days = 10)
            .s3(|s| s.data.lifecycle = transitions([(7, "STANDARD_IA")]))
    });
    let rules: BTreeSet<&str> = found.iter().map(|v| v.rule.id).collect();
    for r in ["env.account", "logs.retention", "s3.lifecycle.ia-min-days"] {
        assert!(rules.contains(r), "{r} missing from {rules:?}");
    }
}

#[test]
fn certificates_of_two_environments_may_not_validate_the_same_name() {
    // Staging certifying `*.amygdalas.com` would share production's validation record.
    let found = staging_with(|b| {
        b.dns(|d| {
            d.certificate_names.push("*.amygdalas.com".into());
        })
    });
    assert!(
        found
            .iter()
            .any(|v| v.rule == rules::ISOLATION_DNS && v.path == "dns.certificate_names[0]"),
        "{found:?}"
    );
}

/// The seed's own team policies (§7), as written: each is rejected with what it reaches.
#[test]
fn seed_team_policies_as_written_are_rejected() {
    let seed_staging = TeamPolicy {
        team: "development".into(),
        access: Vec::new(),
        denied_actions: Vec::new(),
        statements: vec![Statement {
            actions: strings(&["*"]),
            resources: strings(&["arn:aws:*:*:*:*staging*"]),
        }],
    };
    let found = staging_with(|b| b.iam(|i| i.team_policies = vec![seed_staging]));
    assert!(found.iter().any(|v| v.rule == rules::IAM_ESCALATION));
    let reach = found
        .iter()
        .find(|v| v.rule == rules::ISOLATION_POLICY)
        .unwrap_or_else(|| panic!("no isolation violation in {found:?}"));
    assert_eq!(
        reach.location(),
        "staging.iam.team_policies[0].Statement[0]"
    );
    assert_eq!(reach.value, "arn:aws:*:*:*:*staging*");
    assert!(
        reach.problem.contains(
            "`production`'s `arn:aws:s3:::mht-api-production-data/reports/staging-summary.csv`"
        ),
        "{reach}"
    );
    assert!(
        reach.problem.contains("mht-api-staging-development-access"),
        "{reach}"
    );
    assert!(
        reach.fix.contains("arn:aws:s3:::mht-api-staging-data"),
        "{reach}"
    );

    let seed_production = TeamPolicy {
        team: "operations".into(),
        access: vec![Access::Observe],
        denied_actions: Vec::new(),
        statements: vec![Statement {
            actions: strings(&["s3:GetObject", "sqs:ReceiveMessage"]),
            resources: strings(&["arn:aws:*:*:*:*production*"]),
        }],
    };
    let found = production_with(|b| b.iam(|i| i.team_policies = vec![seed_production]));
    let state = found
        .iter()
        .find(|v| v.rule == rules::ISOLATION_STATE_ACCESS)
        .unwrap_or_else(|| panic!("no state violation in {found:?}"));
    assert_eq!(
        state.location(),
        "production.iam.team_policies[0].Statement[2]"
    );
    assert!(
        state.problem.contains(
            "`arn:aws:s3:::mht-terraform-state-production/infrastructure/terraform.tfstate` (Terraform state)"
        ),
        "{state}"
    );
    assert!(state.fix.contains("Access::ReadData"), "{state}");
    // `*production*` also matches staging's objects named after production.
    assert!(found.iter().any(|v| v.rule == rules::ISOLATION_POLICY
        && v.problem
            .contains("arn:aws:s3:::mht-api-staging-data/reports/production-summary.csv")));
}

/// The role an environment assumes: a name or an ARN of its own account passes; a malformed
/// ARN, a bad name, session name or external ID, and a role of another account are each
/// reported at their path with the fix.
#[test]
fn assumed_roles_are_checked() {
    let two_accounts =
        |role: &str| production_with(|b| b.account("222222222222").assume_role(role));
    for good in [
        "mht-deployer",
        "arn:aws:iam::222222222222:role/mht-deployer",
        "arn:aws:iam::222222222222:role/ci/deploy/mht-deployer",
    ] {
        let found = two_accounts(good);
        assert!(found.is_empty(), "`{good}`: {found:?}");
    }
    let mut cases = vec![
        (
            two_accounts("arn:aws:iam::111111111111:role/mht-deployer"),
            "env.assume-role-account",
            "production.assume_role.role",
            "is a role of account `111111111111`, but the environment declares account `222222222222`",
            "assume a role of account `222222222222`",
        ),
        (
            two_accounts("arn:aws:iam::222222222222"),
            "env.assume-role",
            "production.assume_role.role",
            "is not an ARN",
            "write `arn:aws:iam::222222222222:role/<name>`, or the role's name alone",
        ),
        (
            two_accounts("arn:aws:s3:::mht-deployer"),
            "env.assume-role",
            "production.assume_role.role",
            "is not an IAM ARN",
            "write `arn:aws:iam::222222222222:role/<name>`",
        ),
        (
            two_accounts("mht deployer"),
            "env.assume-role",
            "production.assume_role.role",
            "is not a role name",
            "write the role's name",
        ),
        (
            staging_with(|b| b.assume_role_with("mht-deployer", |r| r.session_name = Some("x".into()))),
            "env.assume-role",
            "staging.assume_role.session_name",
            "is 1 characters; STS accepts 2 to 64",
            "use 2-64 letters",
        ),
        (
            staging_with(|b| {
                b.assume_role_with("mht-deployer", |r| r.external_id = Some("a b".into()))
            }),
            "env.assume-role",
            "staging.assume_role.external_id",
            "has a character STS does not accept",
            "the role's trust policy names",
        ),
    ];
    let extra = staging_with(|b| {
        b.backend(|k| {
            k.extra.push((
                "assume_role".into(),
                "arn:aws:iam::123456789012:role/x".into(),
            ))
        })
    });
    cases.push((
        extra,
        "backend.argument",
        "staging.backend.extra.assume_role",
        "takes from the model",
        "declare the role with `.assume_role(",
    ));
    for (found, rule, location, problem, fix) in cases {
        assert_eq!(found.len(), 1, "{found:?}");
        let v = &found[0];
        assert_eq!((v.rule.id, v.location().as_str()), (rule, location), "{v}");
        assert!(v.problem.contains(problem), "{v}");
        assert!(v.fix.contains(fix), "{v}");
    }
}

/// The release rules' violations of one environment built alone: (rule, location, value).
fn release_violations(b: EnvironmentBuilder) -> Vec<(String, String, String)> {
    validate(vec![b])
        .violations()
        .filter(|v| v.rule.id.starts_with("deployment."))
        .map(|v| (v.rule.id.to_string(), v.location(), v.value.clone()))
        .collect()
}

type ReleaseEdit = fn(&mut infra::model::Deployment);
/// (environment, edit, the one expected violation: rule and path; None: accepted)
type ReleaseCase = (
    &'static str,
    ReleaseEdit,
    Option<(&'static str, &'static str)>,
);

fn check_release_cases(cases: &[ReleaseCase]) {
    for (env, edit, expected) in cases {
        let builder = if *env == "staging" {
            staging()
        } else {
            production()
        };
        let found = release_violations(builder.deployment(edit));
        let found: Vec<(String, String)> = found.into_iter().map(|(r, l, _)| (r, l)).collect();
        let expected: Vec<(String, String)> = expected
            .map(|(rule, path)| (rule.to_string(), format!("{env}.{path}")))
            .into_iter()
            .collect();
        assert_eq!(found, expected, "{env}");
    }
}

#[test]
fn bad_images_versions_and_canaries_are_named_one_by_one() {
    let (image, version, canary) = (
        Some(("deployment.image", "deployment.image")),
        Some(("deployment.image", "deployment.initial_version")),
        Some(("deployment.canary", "deployment.canary")),
    );
    check_release_cases(&[
        (
            "staging",
            |d| d.image = "hashicorp/http-echo:1.0".into(),
            image,
        ),
        ("staging", |d| d.image = "Hashicorp/echo".into(), image),
        (
            "staging",
            |d| d.image = "registry.example.com:5000/team/api".into(),
            None,
        ),
        ("staging", |d| d.initial_version = "-1".into(), version),
        ("staging", |d| d.initial_version = "v 2".into(), version),
        ("production", |d| d.canary = Vec::new(), canary),
        ("production", |d| d.canary = vec![10, 50], canary),
        ("production", |d| d.canary = vec![0, 100], canary),
        ("production", |d| d.canary = vec![10, 100, 100], canary),
        ("production", |d| d.canary = vec![10, 50, 100], None),
    ]);
    for shipped in [staging(), production()] {
        assert_eq!(release_violations(shipped), Vec::new());
    }
}

#[test]
fn bad_timings_and_batches_are_named_one_by_one() {
    let timing = |path| Some(("deployment.timing", path));
    let batch = Some(("deployment.batch-size", "deployment.batch_size"));
    let (bake, timeout, healthy) = (
        timing("deployment.bake_seconds"),
        timing("deployment.health_timeout_seconds"),
        timing("deployment.healthy_seconds"),
    );
    check_release_cases(&[
        ("production", |d| d.bake_seconds = 3601, bake),
        ("production", |d| d.bake_seconds = 0, None),
        (
            "production",
            |d| {
                d.health_timeout_seconds = 20;
                d.healthy_seconds = 10
            },
            timeout,
        ),
        ("production", |d| d.health_timeout_seconds = 3601, timeout),
        ("production", |d| d.healthy_seconds = 601, healthy),
        ("staging", |d| d.batch_size = 0, batch),
        ("staging", |d| d.batch_size = 3, batch),
        ("staging", |d| d.batch_size = 2, None),
        // A blue-green environment replaces no batch: its batch size is not checked.
        ("production", |d| d.batch_size = 0, None),
    ]);
    // The value is shown as declared, and the problem names the range the instance count sets.
    let report = validate(vec![staging().deployment(|d| d.batch_size = 3)]);
    let v = report
        .violations()
        .find(|v| v.rule.id == "deployment.batch-size")
        .unwrap();
    assert_eq!(v.value, "3");
    assert!(v.problem.contains("1-2"), "{}", v.problem);
}
