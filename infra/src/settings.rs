//! Every setting of an environment as a flat, ordered list of `path = value`, each with a
//! class that says how it may differ between environments. `show`, `diff`, the parity check
//! and the generated README all read this one list.

use crate::model::{Environment, Transition};
use std::fmt;

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

fn transitions<C: fmt::Display>(list: &[Transition<C>]) -> String {
    if list.is_empty() {
        return "none".into();
    }
    list.iter()
        .map(|t| format!("{}d {}", t.days, t.storage_class))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Collects settings in order.
struct Out(Vec<Setting>);

impl Out {
    fn add(&mut self, path: &str, value: impl ToString, class: Class) {
        self.0.push(Setting {
            path: path.to_string(),
            value: value.to_string(),
            class,
        });
    }
}

impl<T: fmt::Display, C: fmt::Display> Environment<T, C> {
    /// Every setting, in a stable order.
    pub fn settings(&self) -> Vec<Setting> {
        let mut out = Out(Vec::new());
        identity(&mut out, self);
        network_and_compute(&mut out, self);
        s3(&mut out, self);
        sqs_and_dynamodb(&mut out, self);
        iam(&mut out, self);
        dns_and_monitoring(&mut out, self);
        deployment(&mut out, self);
        backend(&mut out, self);
        cost(&mut out, self);
        for (_, path, name) in self.names.all() {
            if path != "names.lock_table" {
                out.add(&path, name, Class::Own);
            }
        }
        out.0
    }
}

fn identity<T, C>(out: &mut Out, env: &Environment<T, C>) {
    use Class::*;
    out.add("project", &env.project, Shared);
    out.add("region", &env.region, Shared);
    out.add("account", &env.account_id, Dimension);
    out.add(
        "profile",
        env.profile.as_deref().unwrap_or("(default chain)"),
        Dimension,
    );
    out.add(
        "assume_role",
        env.role_arn().as_deref().unwrap_or("none"),
        Dimension,
    );
    for (key, value) in env.assume_role.iter().flat_map(|a| a.options()) {
        out.add(&format!("assume_role.{key}"), value, Dimension);
    }
    out.add("protected", env.protected, Dimension);
    out.add(
        "promoted_from",
        env.promoted_from.as_deref().unwrap_or("none"),
        Dimension,
    );
    let tags: Vec<String> = env
        .default_tags()
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    out.add("tags", tags.join(", "), Dimension);
}

fn network_and_compute<T: fmt::Display, C>(out: &mut Out, env: &Environment<T, C>) {
    use Class::*;
    let (n, c) = (&env.network, &env.compute);
    out.add("network.vpc_cidr", &n.vpc_cidr, Own);
    out.add("network.subnet_cidrs", list(&n.subnet_cidrs), Own);
    out.add(
        "network.availability_zones",
        list(&n.availability_zones),
        Dimension,
    );
    out.add("network.flow_logs", n.flow_logs, Feature);
    out.add("compute.instance_type", &c.instance_type, Dimension);
    out.add("compute.instance_count", c.instance_count, Dimension);
    out.add("compute.load_balancer", c.load_balancer, Feature);
    out.add("compute.app_port", c.app_port, Feature);
    out.add("compute.health_check_path", &c.health_check_path, Feature);
    out.add(
        "compute.deletion_protection",
        c.deletion_protection,
        Dimension,
    );
    out.add("compute.access_logs", c.access_logs, Feature);
    out.add("compute.imds_hop_limit", c.imds_hop_limit, Feature);
}

fn s3<T, C: fmt::Display>(out: &mut Out, env: &Environment<T, C>) {
    use Class::*;
    let d = &env.s3.data;
    out.add("s3.data.versioning", d.versioning, Feature);
    out.add("s3.data.encryption", d.encryption.sse_algorithm(), Feature);
    out.add(
        "s3.data.intelligent_tiering",
        d.intelligent_tiering.is_some(),
        Feature,
    );
    if let Some(t) = &d.intelligent_tiering {
        out.add(
            "s3.data.intelligent_tiering.archive_access_days",
            t.archive_access_days,
            Dimension,
        );
        out.add(
            "s3.data.intelligent_tiering.deep_archive_access_days",
            t.deep_archive_access_days,
            Dimension,
        );
    }
    out.add("s3.data.lifecycle_enabled", d.lifecycle_enabled, Feature);
    out.add("s3.data.lifecycle", transitions(&d.lifecycle), Dimension);
    out.add("s3.data.access_logging", d.access_logging, Feature);
    out.add(
        "s3.data.noncurrent_expiration_days",
        d.noncurrent_expiration_days,
        Dimension,
    );
    out.add(
        "s3.log_retention_days",
        env.s3.log_retention_days,
        Dimension,
    );
    out.add(
        "s3.abort_incomplete_multipart_days",
        env.s3.abort_incomplete_multipart_days,
        Feature,
    );
}

fn sqs_and_dynamodb<T, C>(out: &mut Out, env: &Environment<T, C>) {
    use Class::*;
    let (q, db) = (&env.sqs, &env.dynamodb);
    out.add("sqs.encryption", q.encryption, Feature);
    let dimensions = [
        (
            "sqs.visibility_timeout_seconds",
            q.visibility_timeout_seconds,
        ),
        ("sqs.message_retention_seconds", q.message_retention_seconds),
        ("sqs.max_message_size_bytes", q.max_message_size_bytes),
        ("sqs.receive_wait_seconds", q.receive_wait_seconds),
        ("sqs.dlq_retention_seconds", q.dlq_retention_seconds),
        ("sqs.max_receive_count", q.max_receive_count),
    ];
    for (path, value) in dimensions {
        out.add(path, value, Dimension);
    }
    out.add("sqs.alarms", q.alarms, Feature);
    out.add("sqs.log_retention_days", q.log_retention_days, Dimension);
    out.add("dynamodb.hash_key", &db.hash_key, Feature);
    out.add(
        "dynamodb.point_in_time_recovery",
        db.point_in_time_recovery,
        Feature,
    );
    out.add("dynamodb.encryption", db.encryption, Feature);
    out.add(
        "dynamodb.deletion_protection",
        db.deletion_protection,
        Dimension,
    );
}

fn iam<T, C>(out: &mut Out, env: &Environment<T, C>) {
    let roles: Vec<&str> = env.iam.roles.iter().map(|r| r.slug()).collect();
    out.add("iam.roles", roles.join(", "), Class::Feature);
    for (i, p) in env.iam.team_policies.iter().enumerate() {
        let statements = p
            .access
            .iter()
            .map(|a| a.label().to_string())
            .chain(
                p.statements
                    .iter()
                    .map(|s| format!("allow {} on {}", s.actions.join(" "), s.resources.join(" "))),
            )
            .chain(
                (!p.denied_actions.is_empty())
                    .then(|| format!("deny {}", p.denied_actions.join(" "))),
            )
            .collect::<Vec<_>>()
            .join("; ");
        out.add(
            &format!("iam.team_policies[{i}]"),
            format!("{}: {statements}", p.team),
            Class::Dimension,
        );
    }
    out.add("deployers", env.deployers().join(", "), Class::Own);
}

fn dns_and_monitoring<T, C>(out: &mut Out, env: &Environment<T, C>) {
    use Class::*;
    let (dns, m) = (&env.dns, &env.monitoring);
    out.add(
        "dns.zone",
        format!("{} ({})", dns.zone.name, dns.zone.zone_id),
        Shared,
    );
    out.add("dns.api_names", list(&dns.api_names), Own);
    out.add(
        "dns.certificate_names",
        list(&dns.certificate_names),
        Dimension,
    );
    out.add(
        "monitoring.alarm_actions",
        env.alarm_actions().join(", "),
        Own,
    );
    out.add("monitoring.dashboard", m.dashboard, Feature);
    out.add("monitoring.cloudtrail", m.cloudtrail, Feature);
    out.add(
        "monitoring.log_retention_days",
        m.log_retention_days,
        Dimension,
    );
    out.add("monitoring.notify", m.notify.label(), Dimension);
    out.add(
        "monitoring.dashboard_view",
        m.dashboard_view.label(),
        Dimension,
    );
    let subscribers: Vec<String> = m
        .subscriptions
        .iter()
        .map(|s| format!("{} {}", s.protocol.sns(), s.endpoint))
        .collect();
    out.add("monitoring.subscriptions", list(&subscribers), Own);
    out.add("monitoring.discord_alarms", m.discord_alarms, Feature);
    for a in &m.alarms {
        out.add(
            &format!("monitoring.alarms.{}", a.kind.slug()),
            format!(
                "{} over {} × {} s, {}",
                a.threshold_text(),
                a.evaluation_periods,
                a.period_seconds,
                a.severity.label()
            ),
            Dimension,
        );
    }
}

/// The release options. The image is a feature: every environment runs the same application,
/// so a version promoted from one is the same build in the next. Every option is listed in every
/// environment, so a diff stays aligned; one its strategy does not use says so.
fn deployment<T, C>(out: &mut Out, env: &Environment<T, C>) {
    use Class::*;
    let dep = &env.deployment;
    let strategy = if dep.blue_green {
        "blue-green"
    } else {
        "rolling"
    };
    // A value of an option only `used_by` acts on.
    let only = |value: String, used_by: &str| {
        if used_by == strategy {
            value
        } else {
            format!("{value} (not used: {strategy})")
        }
    };
    let steps: Vec<String> = dep.canary.iter().map(|p| format!("{p} %")).collect();
    let release = [
        ("blue_green", dep.blue_green.to_string()),
        ("initial_version", dep.initial_version.clone()),
        ("canary", only(steps.join(", "), "blue-green")),
        (
            "bake_seconds",
            only(dep.bake_seconds.to_string(), "blue-green"),
        ),
        ("batch_size", only(dep.batch_size.to_string(), "rolling")),
        (
            "health_timeout_seconds",
            dep.health_timeout_seconds.to_string(),
        ),
        ("healthy_seconds", dep.healthy_seconds.to_string()),
        (
            "rollback_timeout_minutes",
            only(dep.rollback_timeout_minutes.to_string(), "blue-green"),
        ),
        (
            "discord_notifications",
            dep.discord_notifications.to_string(),
        ),
    ];
    out.add("deployment.image", &dep.image, Feature);
    for (name, value) in release {
        out.add(&format!("deployment.{name}"), value, Dimension);
    }
    out.add(
        "deployment.discord_webhook_env",
        &dep.discord_webhook_env,
        Feature,
    );
}

fn backend<T, C>(out: &mut Out, env: &Environment<T, C>) {
    use Class::*;
    let b = &env.backend;
    out.add("backend.state", env.state_location(), Own);
    out.add("backend.lock_table", &env.names.lock_table, Own);
    out.add("backend.locking", b.locking.label(), Dimension);
    out.add("backend.encrypt", b.encrypt, Feature);
    out.add(
        "backend.state_retention_days",
        b.state_retention_days,
        Dimension,
    );
    if !b.extra.is_empty() {
        let extra: Vec<String> = b.extra.iter().map(|(k, v)| format!("{k}={v}")).collect();
        out.add("backend.extra", extra.join(", "), Dimension);
    }
    for (i, a) in env.adopt.0.iter().enumerate() {
        let what = match a {
            crate::model::Adoption::DnsRecord(name) => format!("dns record {name}"),
            crate::model::Adoption::Bucket(kind) => format!("bucket {kind:?}").to_lowercase(),
        };
        out.add(&format!("adopt[{i}]"), what, Dimension);
    }
}

fn cost<T, C>(out: &mut Out, env: &Environment<T, C>) {
    use Class::Dimension;
    let c = &env.cost;
    out.add("cost.budget_usd", c.budget_usd, Dimension);
    for (name, value) in c.usage.figures() {
        out.add(&format!("cost.usage.{name}"), value, Dimension);
    }
    if !c.plan_estimate.is_empty() {
        let plan: Vec<String> = c
            .plan_estimate
            .iter()
            .map(|(cat, usd)| format!("{} ${usd}", cat.label()))
            .collect();
        out.add("cost.plan_estimate", plan.join(", "), Dimension);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::environments::{production, staging};

    fn value(settings: &[Setting], path: &str) -> (String, Class) {
        let s = settings.iter().find(|s| s.path == path).unwrap();
        (s.value.clone(), s.class)
    }

    #[test]
    fn release_options_are_listed_with_what_the_strategy_uses() {
        let s = staging().build().unwrap().settings();
        let p = production().build().unwrap().settings();
        let d = Class::Dimension;
        for (path, staging_value, production_value) in [
            ("deployment.batch_size", "1", "1 (not used: blue-green)"),
            ("deployment.canary", "100 % (not used: rolling)", "100 %"),
            ("deployment.bake_seconds", "60 (not used: rolling)", "60"),
            ("deployment.health_timeout_seconds", "600", "600"),
            ("deployment.healthy_seconds", "30", "30"),
            ("deployment.initial_version", "0.2.3", "0.2.3"),
        ] {
            assert_eq!(value(&s, path), (staging_value.into(), d), "{path}");
            assert_eq!(value(&p, path), (production_value.into(), d), "{path}");
        }
        let image = ("hashicorp/http-echo".to_string(), Class::Feature);
        assert_eq!(value(&s, "deployment.image"), image);
        assert_eq!(value(&p, "deployment.image"), image);
        let steps = production()
            .deployment(|d| d.canary = vec![10, 50, 100])
            .build()
            .unwrap()
            .settings();
        assert_eq!(value(&steps, "deployment.canary").0, "10 %, 50 %, 100 %");
        // The image is a feature: environments running different applications break parity.
        let other = staging()
            .deployment(|d| d.image = "example/api".into())
            .build()
            .unwrap();
        let found = crate::checks::parity(&[production().build().unwrap(), other]);
        let paths: Vec<&str> = found.iter().map(|v| v.path.as_str()).collect();
        assert_eq!(paths, ["deployment.image"]);
    }
}
