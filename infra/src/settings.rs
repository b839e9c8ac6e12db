//! Every setting of an environment as a flat, ordered list of `path = value`, each with a
//! class that says how it may differ between environments. `show`, `diff`, the parity check
//! and the generated README all read this one list.

use crate::model::{Environment, Transition};

/// How a setting may differ between environments.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Class {
    /// Part of the feature set: must be equal in every environment (parity).
    Feature,
    /// A declared dimension: sizes, counts, retention, alarm targets, release options.
    Dimension,
    /// Identifies the environment's own resources: must differ (isolation).
    Own,
    /// Declared shared: the same in every environment.
    Shared,
}

impl Class {
    pub fn label(self) -> &'static str {
        match self {
            Class::Feature => "feature",
            Class::Dimension => "dimension",
            Class::Own => "own",
            Class::Shared => "shared",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Setting {
    pub path: String,
    pub value: String,
    pub class: Class,
}

fn list(items: &[String]) -> String {
    items.join(", ")
}

fn transitions(list: &[Transition]) -> String {
    if list.is_empty() {
        return "none".into();
    }
    list.iter()
        .map(|t| format!("{}d {}", t.days, t.storage_class))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Environment {
    /// Every setting, in a stable order.
    pub fn settings(&self) -> Vec<Setting> {
        use Class::*;
        let mut out = Vec::new();
        let mut add = |path: &str, value: String, class: Class| {
            out.push(Setting {
                path: path.to_string(),
                value,
                class,
            })
        };
        let (n, c, d, q, db, dns, m, dep, b) = (
            &self.network,
            &self.compute,
            &self.s3.data,
            &self.sqs,
            &self.dynamodb,
            &self.dns,
            &self.monitoring,
            &self.deployment,
            &self.backend,
        );
        add("project", self.project.clone(), Shared);
        add("region", self.region.clone(), Shared);
        add("account", self.account_id.clone(), Shared);
        add(
            "profile",
            self.profile
                .clone()
                .unwrap_or_else(|| "(default chain)".into()),
            Dimension,
        );
        add("protected", self.protected.to_string(), Dimension);
        add(
            "promoted_from",
            self.promoted_from.clone().unwrap_or_else(|| "none".into()),
            Dimension,
        );
        add(
            "tags",
            self.default_tags()
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(", "),
            Dimension,
        );
        add("network.vpc_cidr", n.vpc_cidr.clone(), Own);
        add("network.subnet_cidrs", list(&n.subnet_cidrs), Own);
        add(
            "network.availability_zones",
            list(&n.availability_zones),
            Dimension,
        );
        add("compute.instance_type", c.instance_type.clone(), Dimension);
        add(
            "compute.instance_count",
            c.instance_count.to_string(),
            Dimension,
        );
        add(
            "compute.load_balancer",
            c.load_balancer.to_string(),
            Feature,
        );
        add("compute.app_port", c.app_port.to_string(), Feature);
        add(
            "compute.health_check_path",
            c.health_check_path.clone(),
            Feature,
        );
        add("s3.data.versioning", d.versioning.to_string(), Feature);
        add(
            "s3.data.encryption",
            d.encryption.sse_algorithm().to_string(),
            Feature,
        );
        add(
            "s3.data.intelligent_tiering",
            d.intelligent_tiering.is_some().to_string(),
            Feature,
        );
        if let Some(t) = &d.intelligent_tiering {
            add(
                "s3.data.intelligent_tiering.archive_access_days",
                t.archive_access_days.to_string(),
                Dimension,
            );
            add(
                "s3.data.intelligent_tiering.deep_archive_access_days",
                t.deep_archive_access_days.to_string(),
                Dimension,
            );
        }
        add(
            "s3.data.lifecycle_enabled",
            d.lifecycle_enabled.to_string(),
            Feature,
        );
        add("s3.data.lifecycle", transitions(&d.lifecycle), Dimension);
        add(
            "s3.data.access_logging",
            d.access_logging.to_string(),
            Feature,
        );
        add(
            "s3.log_retention_days",
            self.s3.log_retention_days.to_string(),
            Dimension,
        );
        add("sqs.encryption", q.encryption.to_string(), Feature);
        add(
            "sqs.visibility_timeout_seconds",
            q.visibility_timeout_seconds.to_string(),
            Dimension,
        );
        add(
            "sqs.message_retention_seconds",
            q.message_retention_seconds.to_string(),
            Dimension,
        );
        add(
            "sqs.max_message_size_bytes",
            q.max_message_size_bytes.to_string(),
            Dimension,
        );
        add(
            "sqs.receive_wait_seconds",
            q.receive_wait_seconds.to_string(),
            Dimension,
        );
        add(
            "sqs.dlq_retention_seconds",
            q.dlq_retention_seconds.to_string(),
            Dimension,
        );
        add(
            "sqs.max_receive_count",
            q.max_receive_count.to_string(),
            Dimension,
        );
        add("sqs.alarms", q.alarms.to_string(), Feature);
        add(
            "sqs.oldest_message_alarm_seconds",
            q.oldest_message_alarm_seconds.to_string(),
            Dimension,
        );
        add(
            "sqs.log_retention_days",
            q.log_retention_days.to_string(),
            Dimension,
        );
        add("dynamodb.hash_key", db.hash_key.clone(), Feature);
        add(
            "dynamodb.point_in_time_recovery",
            db.point_in_time_recovery.to_string(),
            Feature,
        );
        add("dynamodb.encryption", db.encryption.to_string(), Feature);
        add(
            "iam.roles",
            self.iam
                .roles
                .iter()
                .map(|r| r.slug())
                .collect::<Vec<_>>()
                .join(", "),
            Feature,
        );
        for (i, p) in self.iam.team_policies.iter().enumerate() {
            let statements = p
                .statements
                .iter()
                .map(|s| format!("allow {} on {}", s.actions.join(" "), s.resources.join(" ")))
                .chain(
                    (!p.denied_actions.is_empty())
                        .then(|| format!("deny {}", p.denied_actions.join(" "))),
                )
                .collect::<Vec<_>>()
                .join("; ");
            add(
                &format!("iam.team_policies[{i}]"),
                format!("{}: {statements}", p.team),
                Dimension,
            );
        }
        add(
            "dns.zone",
            format!("{} ({})", dns.zone.name, dns.zone.zone_id),
            Shared,
        );
        add("dns.api_names", list(&dns.api_names), Own);
        add(
            "dns.certificate_names",
            list(&dns.certificate_names),
            Dimension,
        );
        add(
            "monitoring.alarm_actions",
            self.alarm_actions().join(", "),
            Own,
        );
        add("monitoring.dashboard", m.dashboard.to_string(), Feature);
        add("monitoring.cloudtrail", m.cloudtrail.to_string(), Feature);
        add(
            "monitoring.log_retention_days",
            m.log_retention_days.to_string(),
            Dimension,
        );
        add(
            "deployment.blue_green",
            dep.blue_green.to_string(),
            Dimension,
        );
        add(
            "deployment.rollback_timeout_minutes",
            dep.rollback_timeout_minutes.to_string(),
            Dimension,
        );
        add(
            "deployment.discord_notifications",
            dep.discord_notifications.to_string(),
            Dimension,
        );
        add(
            "deployment.discord_webhook_env",
            dep.discord_webhook_env.clone(),
            Feature,
        );
        add("backend.state", self.state_location(), Own);
        add("backend.lock_table", self.names.lock_table.clone(), Own);
        add("backend.encrypt", b.encrypt.to_string(), Feature);
        add(
            "backend.state_retention_days",
            b.state_retention_days.to_string(),
            Dimension,
        );
        if !b.extra.is_empty() {
            add(
                "backend.extra",
                b.extra
                    .iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect::<Vec<_>>()
                    .join(", "),
                Dimension,
            );
        }
        for (_, path, name) in self.names.all() {
            if path != "names.lock_table" {
                add(&path, name.to_string(), Own);
            }
        }
        out
    }
}
