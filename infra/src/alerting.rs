//! The monitoring module's inputs computed from the model: every alarm as CloudWatch takes it
//! (one metric, or metric math), the dashboard body (a widget per alarm), and the alarm →
//! Discord function's deployment package (a deterministic zip of its one source file).

use crate::model::{AlarmKind, DashboardView, Environment, NameKind};
use serde_json::{json, Map, Value};

/// One metric an alarm or widget reads.
#[derive(Clone, Debug, PartialEq)]
pub struct Metric {
    /// The id metric math refers to it by.
    pub id: String,
    pub namespace: &'static str,
    pub name: &'static str,
    pub dimensions: Vec<(&'static str, String)>,
    /// `Sum`, `Maximum`, `Minimum` or a percentile like `p95`.
    pub stat: &'static str,
}

/// What an alarm evaluates: its metrics, and the expression over them (none: the one metric).
#[derive(Clone, Debug, PartialEq)]
pub struct Watch {
    pub metrics: Vec<Metric>,
    pub expression: Option<String>,
    pub comparison: &'static str,
    pub description: String,
}

fn metric(
    id: &str,
    namespace: &'static str,
    name: &'static str,
    dimensions: Vec<(&'static str, String)>,
    stat: &'static str,
) -> Metric {
    Metric {
        id: id.into(),
        namespace,
        name,
        dimensions,
        stat,
    }
}

/// The load balancer's requests and 5xx answers, and their ids.
fn alb_requests() -> Vec<Metric> {
    let lb = || vec![("LoadBalancer", "${module.alb.arn_suffix}".to_string())];
    let elb = "AWS/ApplicationELB";
    vec![
        metric("requests", elb, "RequestCount", lb(), "Sum"),
        metric("elb5xx", elb, "HTTPCode_ELB_5XX_Count", lb(), "Sum"),
        metric("target5xx", elb, "HTTPCode_Target_5XX_Count", lb(), "Sum"),
    ]
}

const FIVE_XX: &str = "(FILL(elb5xx, 0) + FILL(target5xx, 0))";

type Parts = (Vec<Metric>, Option<String>, &'static str, String);

const ABOVE: &str = "GreaterThanThreshold";

/// What the alarm of `kind` watches in `env`; `threshold` is written into the description.
pub fn watch(env: &Environment, kind: AlarmKind, threshold: &str) -> Watch {
    let (metrics, expression, comparison, description) = match kind {
        AlarmKind::DlqDepth | AlarmKind::OldestMessageAge => queue_watch(env, kind, threshold),
        AlarmKind::Alb5xxRate
        | AlarmKind::Availability
        | AlarmKind::UnhealthyHosts
        | AlarmKind::ResponseTimeP95 => alb_watch(env, kind, threshold),
        AlarmKind::InServiceBelowDesired
        | AlarmKind::StatusCheckFailed
        | AlarmKind::DynamoDbThrottles => fleet_watch(env, kind, threshold),
    };
    Watch {
        metrics,
        expression,
        comparison,
        description,
    }
}

fn queue_watch(env: &Environment, kind: AlarmKind, threshold: &str) -> Parts {
    let n = &env.names;
    let (id, name, queue, what) = if kind == AlarmKind::DlqDepth {
        let what = format!("more than {threshold} wait in {}", n.dead_letter_queue);
        (
            "dlq",
            "ApproximateNumberOfMessagesVisible",
            &n.dead_letter_queue,
            what,
        )
    } else {
        let what = format!(
            "the oldest message in {} is older than {threshold}",
            n.queue
        );
        ("age", "ApproximateAgeOfOldestMessage", &n.queue, what)
    };
    let dims = vec![("QueueName", queue.clone())];
    (
        vec![metric(id, "AWS/SQS", name, dims, "Maximum")],
        None,
        ABOVE,
        what,
    )
}

fn alb_watch(env: &Environment, kind: AlarmKind, threshold: &str) -> Parts {
    let n = &env.names;
    let lb = || ("LoadBalancer", "${module.alb.arn_suffix}".to_string());
    let elb = "AWS/ApplicationELB";
    match kind {
        AlarmKind::Alb5xxRate => (
            alb_requests(),
            Some(format!("100 * {FIVE_XX} / requests")),
            ABOVE,
            format!("more than {threshold} of requests to {} get a 5xx", n.alb),
        ),
        AlarmKind::Availability => (
            alb_requests(),
            Some(format!("100 * (1 - {FIVE_XX} / requests)")),
            "LessThanThreshold",
            format!(
                "fewer than {threshold} of requests to {} succeed (availability target)",
                n.alb
            ),
        ),
        AlarmKind::UnhealthyHosts => {
            let metrics: Vec<Metric> = (0..n.target_groups.len())
                .map(|i| {
                    let colour = &n.colours[i];
                    let tg = (
                        "TargetGroup",
                        format!("${{module.alb.target_group_arn_suffixes.{colour}}}"),
                    );
                    metric(
                        &format!("unhealthy{i}"),
                        elb,
                        "UnhealthyHostCount",
                        vec![tg, lb()],
                        "Maximum",
                    )
                })
                .collect();
            let sum: Vec<String> = metrics
                .iter()
                .map(|m| format!("FILL({}, 0)", m.id))
                .collect();
            let what = format!(
                "more than {threshold} targets of {} fail the health check",
                n.alb
            );
            (metrics, Some(sum.join(" + ")), ABOVE, what)
        }
        _ => (
            vec![metric(
                "latency",
                elb,
                "TargetResponseTime",
                vec![lb()],
                "p95",
            )],
            None,
            ABOVE,
            format!(
                "the targets of {} answer slower than {threshold} (p95)",
                n.alb
            ),
        ),
    }
}

/// `prefix0 + prefix1 + …`, one term per instance group (each `FILL`ed with 0: an idle colour
/// reports nothing).
fn per_group_sum(prefix: &str, groups: usize) -> String {
    let terms: Vec<String> = (0..groups)
        .map(|i| format!("FILL({prefix}{i}, 0)"))
        .collect();
    format!("({})", terms.join(" + "))
}

fn fleet_watch(env: &Environment, kind: AlarmKind, threshold: &str) -> Parts {
    let n = &env.names;
    let asg = |i: usize| vec![("AutoScalingGroupName", n.autoscaling_groups[i].clone())];
    let table = || vec![("TableName", n.table.clone())];
    let group = "AWS/AutoScaling";
    let fleet = n.autoscaling_groups.join(" and ");
    let groups = n.autoscaling_groups.len();
    let each = |id: &str, namespace, name, stat| -> Vec<Metric> {
        (0..groups)
            .map(|i| metric(&format!("{id}{i}"), namespace, name, asg(i), stat))
            .collect()
    };
    match kind {
        AlarmKind::InServiceBelowDesired => (
            [
                each("desired", group, "GroupDesiredCapacity", "Maximum"),
                each("inservice", group, "GroupInServiceInstances", "Minimum"),
            ]
            .concat(),
            Some(format!(
                "{} - {}",
                per_group_sum("desired", groups),
                per_group_sum("inservice", groups)
            )),
            "GreaterThanOrEqualToThreshold",
            format!("{threshold} or more of {fleet} are not in service"),
        ),
        AlarmKind::StatusCheckFailed => {
            let metrics = each("status", "AWS/EC2", "StatusCheckFailed", "Maximum");
            // One group: the alarm's own metric; several: the worst of them.
            let expression = (groups > 1).then(|| {
                let ids: Vec<String> = metrics.iter().map(|m| m.id.clone()).collect();
                format!("MAX([{}])", ids.join(", "))
            });
            (
                metrics,
                expression,
                ABOVE,
                format!("instances of {fleet} fail their EC2 status checks"),
            )
        }
        _ => (
            vec![
                metric(
                    "reads",
                    "AWS/DynamoDB",
                    "ReadThrottleEvents",
                    table(),
                    "Sum",
                ),
                metric(
                    "writes",
                    "AWS/DynamoDB",
                    "WriteThrottleEvents",
                    table(),
                    "Sum",
                ),
            ],
            Some("FILL(reads, 0) + FILL(writes, 0)".into()),
            ABOVE,
            format!(
                "more than {threshold} requests to {} are throttled",
                n.table
            ),
        ),
    }
}

fn dimensions(m: &Metric) -> Map<String, Value> {
    m.dimensions
        .iter()
        .map(|(k, v)| (k.to_string(), json!(v)))
        .collect()
}

/// The monitoring module's `alarms` input: every alarm of the environment, keyed by its kind.
pub fn alarm_inputs(env: &Environment) -> Value {
    let alarms: Map<String, Value> = env
        .alarms()
        .into_iter()
        .map(|a| {
            let r = a.rule;
            let w = watch(env, r.kind, &r.threshold_text());
            let metric = |m: &Metric| {
                json!({
                    "namespace": m.namespace, "metric_name": m.name, "dimensions": dimensions(m),
                    "stat": m.stat, "period": r.period_seconds,
                })
            };
            // One metric: the alarm's own (CloudWatch reports its name); else metric math.
            let (single, queries): (Value, Vec<Value>) = match (&w.expression, w.metrics.as_slice()) {
                (None, [m]) => (metric(m), Vec::new()),
                (e, metrics) => (
                    Value::Null,
                    metrics
                        .iter()
                        .map(|m| json!({"id": m.id, "expression": null, "return_data": false, "metric": metric(m)}))
                        .chain(e.iter().map(|e| json!({"id": "result", "expression": e, "return_data": true, "metric": null})))
                        .collect(),
                ),
            };
            let spec = json!({
                "name": a.name,
                "description": format!("{} ({})", w.description, r.severity.label()),
                "comparison_operator": w.comparison,
                "threshold": r.cloudwatch_threshold(),
                "evaluation_periods": r.evaluation_periods,
                "actions": a.actions,
                "metric": single,
                "queries": queries,
            });
            (r.kind.slug().to_string(), spec)
        })
        .collect();
    Value::Object(alarms)
}

/// One graph: the alarm's metrics (or its expression), with its threshold as a line.
fn alarm_widget(env: &Environment, kind: AlarmKind, title: &str, threshold: f64) -> Value {
    let w = watch(env, kind, "");
    let mut metrics: Vec<Value> = w
        .metrics
        .iter()
        .map(|m| {
            let mut row = vec![json!(m.namespace), json!(m.name)];
            for (k, v) in &m.dimensions {
                row.extend([json!(k), json!(v)]);
            }
            row.push(json!({"id": m.id, "stat": m.stat, "visible": w.expression.is_none()}));
            Value::Array(row)
        })
        .collect();
    if let Some(e) = &w.expression {
        metrics.push(json!([{"expression": e, "id": "result", "label": title}]));
    }
    json!({"type": "metric", "properties": {
        "title": title, "region": env.region, "view": "timeSeries", "period": 60, "metrics": metrics,
        "annotations": {"horizontal": [{"label": "threshold", "value": threshold}]},
    }})
}

/// The dashboard body: the alarms' states first, then the view's graphs, laid out two a row.
pub fn dashboard_body(env: &Environment) -> Value {
    let alarms = env.alarms();
    let arns: Vec<String> = alarms
        .iter()
        .map(|a| env.arn(NameKind::Alarm, a.name))
        .collect();
    let mut widgets =
        vec![json!({"type": "alarm", "properties": {"title": "Alarms", "alarms": arns}})];
    let graphed = alarms
        .iter()
        .filter(|a| match env.monitoring.dashboard_view {
            DashboardView::Health => a.rule.kind == AlarmKind::Availability,
            DashboardView::Comprehensive => true,
        });
    for a in graphed {
        widgets.push(alarm_widget(
            env,
            a.rule.kind,
            a.name,
            a.rule.cloudwatch_threshold(),
        ));
    }
    if env.monitoring.dashboard_view == DashboardView::Comprehensive {
        let bucket = |name: &'static str, storage: &str| {
            json!([
                "AWS/S3",
                name,
                "BucketName",
                env.names.data_bucket,
                "StorageType",
                storage
            ])
        };
        widgets.push(json!({"type": "metric", "properties": {
            "title": format!("S3 {}", env.names.data_bucket), "region": env.region, "view": "timeSeries",
            "stat": "Average", "period": 86_400,
            "metrics": [bucket("BucketSizeBytes", "StandardStorage"), bucket("NumberOfObjects", "AllStorageTypes")],
        }}));
    }
    // Billing publishes its metrics in us-east-1 only.
    widgets.push(json!({"type": "metric", "properties": {
        "title": "Estimated charges (account)", "region": "us-east-1", "view": "timeSeries",
        "stat": "Maximum", "period": 21_600,
        "metrics": [["AWS/Billing", "EstimatedCharges", "Currency", "USD"]],
    }}));
    for (i, w) in widgets.iter_mut().enumerate() {
        if let Value::Object(o) = w {
            o.extend([
                ("x".to_string(), json!((i % 2) * 12)),
                ("y".to_string(), json!((i / 2) * 6)),
                ("width".to_string(), json!(12)),
                ("height".to_string(), json!(6)),
            ]);
        }
    }
    json!({"widgets": widgets})
}

/// The alarm → Discord function's source, as committed next to the monitoring module.
pub const FUNCTION_SOURCE: &str = include_str!("../modules/monitoring/discord_alarm.py");
/// Its file name inside the package, and the package's path relative to the repository root.
pub const FUNCTION_FILE: &str = "discord_alarm.py";
pub const FUNCTION_PACKAGE: &str = "infra/modules/monitoring/discord_alarm.zip";

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A zip holding `content` as `name` (stored, dated 1980-01-01, mode 0644): the same bytes
/// for the same source, so the package's hash only changes with the code.
pub fn zip(name: &str, content: &[u8]) -> Vec<u8> {
    let (crc, size, name_len) = (crc32(content), content.len() as u32, name.len() as u16);
    let common = |out: &mut Vec<u8>| {
        out.extend(20u16.to_le_bytes()); // version needed
        out.extend(0u16.to_le_bytes()); // flags
        out.extend(0u16.to_le_bytes()); // stored
        out.extend(0u16.to_le_bytes()); // time 00:00
        out.extend(0x21u16.to_le_bytes()); // date 1980-01-01
        out.extend(crc.to_le_bytes());
        out.extend(size.to_le_bytes());
        out.extend(size.to_le_bytes());
        out.extend(name_len.to_le_bytes());
        out.extend(0u16.to_le_bytes()); // extra length
    };
    let mut out = 0x0403_4b50u32.to_le_bytes().to_vec();
    common(&mut out);
    out.extend(name.as_bytes());
    out.extend(content);
    let central_at = out.len() as u32;
    out.extend(0x0201_4b50u32.to_le_bytes());
    out.extend(0x031Eu16.to_le_bytes()); // made by: Unix, zip 3.0
    common(&mut out);
    out.extend([0u8; 6]); // comment length, disk, internal attributes
    out.extend((0o100_644u32 << 16).to_le_bytes()); // external attributes: a 0644 file
    out.extend(0u32.to_le_bytes()); // offset of the local header
    out.extend(name.as_bytes());
    let central_len = out.len() as u32 - central_at;
    out.extend(0x0605_4b50u32.to_le_bytes());
    out.extend([0u8; 4]); // disk numbers
    out.extend(1u16.to_le_bytes());
    out.extend(1u16.to_le_bytes());
    out.extend(central_len.to_le_bytes());
    out.extend(central_at.to_le_bytes());
    out.extend(0u16.to_le_bytes()); // comment length
    out
}

/// The function's deployment package, as `cargo xtask render` writes it to [`FUNCTION_PACKAGE`].
pub fn function_package() -> Vec<u8> {
    zip(FUNCTION_FILE, FUNCTION_SOURCE.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::environments;

    fn env(b: crate::EnvironmentBuilder) -> Environment {
        b.build().unwrap()
    }

    #[test]
    fn one_metric_is_the_alarms_own_and_the_availability_target_is_metric_math() {
        let prod = env(environments::production());
        let alarms = alarm_inputs(&prod);
        let dlq = &alarms["dlq-depth"];
        assert_eq!(
            dlq["metric"]["metric_name"],
            "ApproximateNumberOfMessagesVisible"
        );
        assert_eq!(dlq["queries"], json!([]));
        let p95 = &alarms["response-time-p95"];
        assert_eq!(
            (p95["metric"]["stat"].as_str(), p95["threshold"].as_f64()),
            (Some("p95"), Some(1.0))
        );
        let availability = &alarms["availability"];
        assert_eq!(availability["metric"], Value::Null);
        assert_eq!(availability["comparison_operator"], "LessThanThreshold");
        assert_eq!(availability["threshold"], 99.9);
        let queries = availability["queries"].as_array().unwrap();
        let returned: Vec<&Value> = queries
            .iter()
            .filter(|q| q["return_data"] == true)
            .collect();
        assert_eq!(returned.len(), 1, "{queries:?}");
        assert_eq!(
            returned[0]["expression"],
            "100 * (1 - (FILL(elb5xx, 0) + FILL(target5xx, 0)) / requests)"
        );
        // Blue and green: the unhealthy hosts of both target groups.
        assert_eq!(
            alarms["unhealthy-hosts"]["queries"]
                .as_array()
                .unwrap()
                .len(),
            3
        );
    }

    #[test]
    fn crc32_is_the_standard_one() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    }

    #[test]
    fn the_committed_package_is_the_zip_of_the_committed_source() {
        let committed = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/modules/monitoring/discord_alarm.zip"
        ))
        .expect("the package is committed; run `cargo xtask render`");
        assert!(
            committed == function_package(),
            "stale package: run `cargo xtask render`"
        );
        let twice = function_package();
        assert_eq!(twice, function_package());
    }

    /// The titles of a dashboard body's widgets.
    fn widget_titles(body: &Value) -> Vec<&str> {
        body["widgets"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|w| w["properties"]["title"].as_str())
            .collect()
    }

    #[test]
    fn every_alarm_has_a_widget_on_a_comprehensive_dashboard() {
        let prod = env(environments::production());
        let body = dashboard_body(&prod);
        let titles = widget_titles(&body);
        for a in prod.alarms() {
            assert!(
                titles.contains(&a.name),
                "{} has no widget: {titles:?}",
                a.name
            );
        }
        assert!(titles.iter().any(|t| t.starts_with("S3 ")));
        assert!(titles.contains(&"Estimated charges (account)"));
        // Health: the alarm states, the availability and the cost, no per-service graphs.
        let staging = env(environments::staging());
        let body = dashboard_body(&staging);
        let titles = widget_titles(&body);
        let availability = staging.names.alarm(AlarmKind::Availability).unwrap();
        assert_eq!(
            titles,
            ["Alarms", availability, "Estimated charges (account)"]
        );
    }

    #[test]
    fn a_new_alarm_adds_its_widget_and_an_alarm_without_queues_none() {
        let without = env(environments::production().sqs(|q| q.alarms = false));
        let with = env(environments::production());
        let count = |e: &Environment| dashboard_body(e)["widgets"].as_array().unwrap().len();
        assert_eq!(count(&with), count(&without) + 2);
        assert_eq!(
            alarm_inputs(&with).as_object().unwrap().len(),
            AlarmKind::ALL.len()
        );
        assert_eq!(
            alarm_inputs(&without).as_object().unwrap().len(),
            AlarmKind::ALL.len() - 2
        );
    }
}
