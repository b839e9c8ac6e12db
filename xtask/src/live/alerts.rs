//! The environment's alarms as CloudWatch has them (`alarms`), and a test notification through
//! its alerts topic to a probe queue subscribed for the run (`test-alerts`).

use crate::aws::Aws;
use crate::report::{run_id, Check};
use anyhow::Result;
use aws_sdk_cloudwatch::primitives::DateTimeFormat;
use aws_sdk_s3::config::http::HttpResponse;
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_sns::Client as Sns;
use aws_sdk_sqs::types::QueueAttributeName;
use infra::model::Protocol;
use infra::Environment;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

/// One alarm the model declares, and what CloudWatch reports of it (`state` none: missing).
pub struct AlarmRow {
    pub name: String,
    pub kind: &'static str,
    pub severity: &'static str,
    pub expected_threshold: f64,
    pub state: Option<String>,
    pub threshold: Option<f64>,
    pub last_change: Option<String>,
    pub actions: Vec<String>,
}

impl AlarmRow {
    pub fn to_json(&self) -> Value {
        json!({
            "name": self.name, "kind": self.kind, "severity": self.severity,
            "state": self.state.as_deref().unwrap_or("missing"),
            "threshold": self.threshold, "expected_threshold": self.expected_threshold,
            "last_change": self.last_change, "actions": self.actions,
        })
    }

    pub fn table(rows: &[AlarmRow]) -> String {
        let cells: Vec<Vec<String>> = rows
            .iter()
            .map(|r| {
                vec![
                    r.name.clone(),
                    r.severity.into(),
                    r.state.clone().unwrap_or_else(|| "MISSING".into()),
                    r.threshold
                        .map_or_else(|| format!("({})", r.expected_threshold), |t| t.to_string()),
                    r.last_change.clone().unwrap_or_default(),
                ]
            })
            .collect();
        crate::table::render(
            &["alarm", "severity", "state", "threshold", "last change"],
            &cells,
        )
    }
}

/// Every alarm of the model with its live state, threshold and last change.
pub fn alarm_rows(aws: &Aws, env: &Environment) -> Result<Vec<AlarmRow>> {
    let declared = env.alarms();
    let names: Vec<String> = declared.iter().map(|a| a.name.to_string()).collect();
    let found = aws
        .block_on(
            aws.cloudwatch()
                .describe_alarms()
                .set_alarm_names(Some(names))
                .max_records(100)
                .send(),
        )
        .map_err(|e| aws.error("cloudwatch:DescribeAlarms", e))?;
    let rows = declared
        .iter()
        .map(|a| {
            let live = found
                .metric_alarms()
                .iter()
                .find(|m| m.alarm_name() == Some(a.name));
            AlarmRow {
                name: a.name.to_string(),
                kind: a.rule.kind.slug(),
                severity: a.rule.severity.label(),
                expected_threshold: a.rule.cloudwatch_threshold(),
                state: live
                    .and_then(|m| m.state_value())
                    .map(|s| s.as_str().to_string()),
                threshold: live.and_then(|m| m.threshold()),
                last_change: live
                    .and_then(|m| m.state_updated_timestamp())
                    .and_then(|t| t.fmt(DateTimeFormat::DateTime).ok()),
                actions: live.map(|m| m.alarm_actions().to_vec()).unwrap_or_default(),
            }
        })
        .collect();
    Ok(rows)
}

/// The topic's subscriptions as (protocol, endpoint).
async fn subscriptions(aws: &Aws, sns: &Sns, topic: &str) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    let mut token = None;
    loop {
        let page = sns
            .list_subscriptions_by_topic()
            .topic_arn(topic)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| format!("{:#}", aws.error("sns:ListSubscriptionsByTopic", e)))?;
        out.extend(page.subscriptions().iter().map(|s| {
            let field = |v: Option<&str>| v.unwrap_or_default().to_string();
            (field(s.protocol()), field(s.endpoint()))
        }));
        token = page.next_token().map(str::to_string);
        if token.is_none() {
            return Ok(out);
        }
    }
}

/// Each subscriber the model declares: subscribed, and whether the tool can see its delivery.
fn subscriber_checks(aws: &Aws, env: &Environment, subs: &[(String, String)]) -> Vec<Check> {
    let topic = &env.names.alerts_topic;
    let mut checks: Vec<Check> = env
        .monitoring
        .subscriptions
        .iter()
        .map(|s| {
            let what = format!("delivery to {} {}", s.protocol.sns(), s.endpoint);
            let subscribed = subs
                .iter()
                .any(|(p, e)| p == s.protocol.sns() && *e == s.endpoint);
            let why = match s.protocol {
                Protocol::Email => "subscribed; an e-mail's arrival cannot be observed by the tool",
                Protocol::Https => {
                    "subscribed; the endpoint's receipt cannot be observed by the tool"
                }
            };
            match subscribed {
                true => skipped(topic, what, why),
                false => Check::new(topic, what, "subscribed", "not subscribed"),
            }
        })
        .collect();
    if env.monitoring.discord_alarms {
        let function = format!(":function:{}", env.names.alarm_function);
        let subscribed = subs
            .iter()
            .any(|(p, e)| p == "lambda" && e.ends_with(&function));
        let what = format!("delivery to the function {}", env.names.alarm_function);
        checks.push(match (subscribed, aws.local) {
            (true, _) => skipped(topic, what, &format!("subscribed; its invocation is out of the tool's reach (its log group: {})", env.names.alarm_function_log_group)),
            (false, true) => skipped(topic, what, "not subscribed on the emulator: moto 5.2 runs a subscribed function in Docker on every publish"),
            (false, false) => Check::new(topic, what, "subscribed", "not subscribed"),
        });
    }
    checks
}

fn skipped(resource: &str, check: String, why: &str) -> Check {
    Check {
        skipped: true,
        ..Check::new(resource, check, why, why)
    }
}

/// Publish a test notification through the environment's own topic and find it in the probe
/// queue subscribed for the run; the probe is removed afterwards, whatever happened.
pub fn probe_checks(aws: &Aws, env: &Environment) -> Vec<Check> {
    let topic = env.alerts_topic_arn();
    let sns = aws.sns();
    aws.block_on(async {
        let subs = match subscriptions(aws, &sns, &topic).await {
            Ok(subs) => subs,
            Err(e) => {
                return vec![Check::outcome(
                    &env.names.alerts_topic,
                    "topic and its subscriptions",
                    Err(e),
                )]
            }
        };
        let mut checks = subscriber_checks(aws, env, &subs);
        let id = format!("mht-test-alerts-{}", run_id());
        let result = probe(aws, env, &sns, &topic, &id).await;
        checks.push(Check::outcome(
            &env.names.alerts_topic,
            format!(
                "delivery to the probe queue {}",
                env.names.alert_probe_queue
            ),
            result,
        ));
        checks
    })
}

async fn probe(
    aws: &Aws,
    env: &Environment,
    sns: &Sns,
    topic: &str,
    id: &str,
) -> Result<String, String> {
    let sqs = aws.sqs();
    let queue = &env.names.alert_probe_queue;
    let url = sqs
        .create_queue()
        .queue_name(queue)
        .send()
        .await
        .map_err(failed(aws, "sqs:CreateQueue"))?
        .queue_url
        .unwrap_or_default();
    let result = async {
        let attrs = sqs.get_queue_attributes().queue_url(&url).attribute_names(QueueAttributeName::QueueArn)
            .send().await.map_err(failed(aws, "sqs:GetQueueAttributes"))?;
        let arn = attrs.attributes().and_then(|a| a.get(&QueueAttributeName::QueueArn)).cloned().unwrap_or_default();
        let policy = json!({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"}, "Action": "sqs:SendMessage",
            "Resource": arn, "Condition": {"ArnEquals": {"aws:SourceArn": topic}},
        }]});
        sqs.set_queue_attributes().queue_url(&url).attributes(QueueAttributeName::Policy, policy.to_string())
            .send().await.map_err(failed(aws, "sqs:SetQueueAttributes"))?;
        let sub = sns.subscribe().topic_arn(topic).protocol("sqs").endpoint(&arn).return_subscription_arn(true)
            .send().await.map_err(failed(aws, "sns:Subscribe"))?;
        let received = deliver(aws, sns, &sqs, &url, topic, id).await;
        if let Some(sub) = sub.subscription_arn() {
            sns.unsubscribe().subscription_arn(sub).send().await.map_err(failed(aws, "sns:Unsubscribe"))?;
        }
        received
    }
    .await;
    let deleted = sqs
        .delete_queue()
        .queue_url(&url)
        .send()
        .await
        .map_err(failed(aws, "sqs:DeleteQueue"));
    result.and_then(|found| deleted.map(|_| found))
}

/// Turns a failed call into the one-line message the report shows.
fn failed<'a, E>(
    aws: &'a Aws,
    call: &'static str,
) -> impl FnOnce(SdkError<E, HttpResponse>) -> String + 'a
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    move |e| format!("{:#}", aws.error(call, e))
}

/// Publish the test notification and wait up to 20 s for it in the probe queue.
async fn deliver(
    aws: &Aws,
    sns: &Sns,
    sqs: &aws_sdk_sqs::Client,
    url: &str,
    topic: &str,
    id: &str,
) -> Result<String, String> {
    let message = json!({"test-alerts": id, "note": "a test notification from `cargo xtask test-alerts`; no action needed"});
    sns.publish()
        .topic_arn(topic)
        .subject("mht test-alerts")
        .message(message.to_string())
        .send()
        .await
        .map_err(failed(aws, "sns:Publish"))?;
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        let got = sqs
            .receive_message()
            .queue_url(url)
            .wait_time_seconds(5)
            .max_number_of_messages(10)
            .send()
            .await
            .map_err(failed(aws, "sqs:ReceiveMessage"))?;
        if got
            .messages()
            .iter()
            .any(|m| m.body().is_some_and(|b| b.contains(id)))
        {
            return Ok(format!("message {id} received"));
        }
    }
    Err(format!("message {id} not received within 20 s"))
}
