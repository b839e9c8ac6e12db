//! Live checks of an environment's queue, dead-letter queue and alarms against the model, and a
//! message round trip (optionally a redrive proof): `test-sqs` and the post-deploy checks run them.

use crate::aws::Aws;
use crate::report::{self, Check};
use anyhow::Result;
use aws_sdk_sqs::types::{MessageAttributeValue, MessageSystemAttributeName, QueueAttributeName};
use aws_sdk_sqs::Client;
use infra::expect::{self, Queues};
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// A queue's URL and attributes, or why they could not be read.
async fn queue(
    aws: &Aws,
    sqs: &Client,
    name: &str,
) -> Result<(String, HashMap<String, String>), String> {
    let url = sqs
        .get_queue_url()
        .queue_name(name)
        .send()
        .await
        .map_err(|e| format!("{:#}", aws.error("sqs:GetQueueUrl", e)))?
        .queue_url
        .unwrap_or_default();
    let attrs = sqs
        .get_queue_attributes()
        .queue_url(&url)
        .attribute_names(QueueAttributeName::All)
        .send()
        .await
        .map_err(|e| format!("{:#}", aws.error("sqs:GetQueueAttributes", e)))?;
    let attrs = attrs
        .attributes()
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.as_str().to_string(), v.clone()))
                .collect()
        })
        .unwrap_or_default();
    Ok((url, attrs))
}

fn encrypted(attrs: &HashMap<String, String>) -> &'static str {
    let sqs_managed = attrs
        .get("SqsManagedSseEnabled")
        .is_some_and(|v| v == "true");
    let kms = attrs.get("KmsMasterKeyId").is_some_and(|v| !v.is_empty());
    if sqs_managed || kms {
        "on"
    } else {
        "off"
    }
}

fn attr(attrs: &HashMap<String, String>, key: &str) -> String {
    attrs.get(key).cloned().unwrap_or_else(|| "(unset)".into())
}

fn settings(
    spec: &Queues,
    main: &HashMap<String, String>,
    dlq: &HashMap<String, String>,
) -> Vec<Check> {
    let (q, d) = (spec.queue.as_str(), spec.dead_letter_queue.as_str());
    let on = |b: bool| if b { "on" } else { "off" };
    let redrive: serde_json::Value = main
        .get("RedrivePolicy")
        .and_then(|r| serde_json::from_str(r).ok())
        .unwrap_or_default();
    let max_receive = match &redrive["maxReceiveCount"] {
        serde_json::Value::Number(n) => n.to_string(),
        serde_json::Value::String(s) => s.clone(),
        _ => "(no redrive policy)".into(),
    };
    let target = redrive["deadLetterTargetArn"]
        .as_str()
        .unwrap_or("(no redrive policy)");
    let num = |m: &HashMap<String, String>, k: &str| attr(m, k).parse::<u64>().unwrap_or(0);
    vec![
        Check::new(q, "encryption", on(spec.encryption), encrypted(main)),
        Check::new(d, "encryption", on(spec.encryption), encrypted(dlq)),
        Check::new(q, "redrive target", attr(dlq, "QueueArn"), target),
        Check::new(
            q,
            "maxReceiveCount",
            spec.max_receive_count.to_string(),
            max_receive,
        ),
        Check::new(
            q,
            "visibility timeout (s)",
            spec.visibility_timeout_seconds.to_string(),
            attr(main, "VisibilityTimeout"),
        ),
        Check::new(
            q,
            "retention (s)",
            spec.message_retention_seconds.to_string(),
            attr(main, "MessageRetentionPeriod"),
        ),
        Check::new(
            d,
            "retention (s)",
            spec.dlq_retention_seconds.to_string(),
            attr(dlq, "MessageRetentionPeriod"),
        ),
        Check::new(
            d,
            "keeps messages longer than the source",
            "yes",
            if num(dlq, "MessageRetentionPeriod") > num(main, "MessageRetentionPeriod") {
                "yes"
            } else {
                "no"
            },
        ),
    ]
}

async fn alarms(aws: &Aws, spec: &Queues) -> Vec<Check> {
    if spec.alarms.is_empty() {
        return Vec::new();
    }
    let cw = aws.cloudwatch();
    let names: Vec<String> = spec.alarms.iter().map(|a| a.name.clone()).collect();
    let live = match cw
        .describe_alarms()
        .set_alarm_names(Some(names))
        .send()
        .await
    {
        Ok(r) => r.metric_alarms().to_vec(),
        Err(e) => {
            return vec![Check::outcome(
                "alarms",
                "describe",
                Err(format!("{:#}", aws.error("cloudwatch:DescribeAlarms", e))),
            )]
        }
    };
    let mut checks = Vec::new();
    for a in &spec.alarms {
        let Some(l) = live
            .iter()
            .find(|l| l.alarm_name() == Some(a.name.as_str()))
        else {
            checks.push(Check::new(&a.name, "exists", "yes", "no"));
            continue;
        };
        let queue = l
            .dimensions()
            .iter()
            .find(|d| d.name() == Some("QueueName"))
            .and_then(|d| d.value())
            .unwrap_or("(none)");
        let mut actions: Vec<String> = l.alarm_actions().to_vec();
        actions.sort();
        let mut expected = a.actions.clone();
        expected.sort();
        checks.push(Check::new(
            &a.name,
            "metric",
            format!("{} of {}", a.metric, a.queue),
            format!("{} of {queue}", l.metric_name().unwrap_or("(none)")),
        ));
        checks.push(Check::new(
            &a.name,
            "alarm actions",
            expected.join(", "),
            actions.join(", "),
        ));
    }
    checks
}

/// Receive until `want` arrives (long poll, bounded); other messages are made visible again at once.
async fn receive_one(
    aws: &Aws,
    sqs: &Client,
    url: &str,
    want: &str,
    visibility: Option<i32>,
) -> Result<Option<aws_sdk_sqs::types::Message>, String> {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        let mut req = sqs
            .receive_message()
            .queue_url(url)
            .max_number_of_messages(10)
            .wait_time_seconds(1)
            .message_attribute_names("All")
            .message_system_attribute_names(MessageSystemAttributeName::ApproximateReceiveCount);
        if let Some(v) = visibility {
            req = req.visibility_timeout(v);
        }
        let got = req
            .send()
            .await
            .map_err(|e| format!("{:#}", aws.error("sqs:ReceiveMessage", e)))?;
        for m in got.messages() {
            if m.body() == Some(want) {
                return Ok(Some(m.clone()));
            }
            if let Some(handle) = m.receipt_handle() {
                // Not ours: hand it back to its consumers immediately.
                let _ = sqs
                    .change_message_visibility()
                    .queue_url(url)
                    .receipt_handle(handle)
                    .visibility_timeout(0)
                    .send()
                    .await;
            }
        }
    }
    Ok(None)
}

async fn delete(
    aws: &Aws,
    sqs: &Client,
    url: &str,
    m: &aws_sdk_sqs::types::Message,
) -> Result<(), String> {
    sqs.delete_message()
        .queue_url(url)
        .receipt_handle(m.receipt_handle().unwrap_or_default())
        .send()
        .await
        .map(|_| ())
        .map_err(|e| format!("{:#}", aws.error("sqs:DeleteMessage", e)))
}

/// Send a message with a unique id and attribute, receive it, compare, delete.
async fn round_trip(aws: &Aws, sqs: &Client, name: &str, url: &str) -> Vec<Check> {
    let id = report::run_id();
    let body = format!("mht smoke test {id}");
    let attribute = MessageAttributeValue::builder()
        .data_type("String")
        .string_value(&id)
        .build();
    let step = |n: &str, r| Check::outcome(name, format!("round trip: {n}"), r);
    let sent = match attribute {
        Ok(a) => sqs
            .send_message()
            .queue_url(url)
            .message_body(&body)
            .message_attributes("smoke-id", a)
            .send()
            .await
            .map_err(|e| format!("{:#}", aws.error("sqs:SendMessage", e))),
        Err(e) => Err(e.to_string()),
    };
    if let Err(e) = sent {
        return vec![step("send", Err(e))];
    }
    let mut checks = vec![step("send", Ok(id.clone()))];
    match receive_one(aws, sqs, url, &body, None).await {
        Ok(Some(m)) => {
            let got = m
                .message_attributes()
                .and_then(|a| a.get("smoke-id"))
                .and_then(|v| v.string_value())
                .unwrap_or_default();
            checks.push(Check::new(
                name,
                "round trip: receive (body and attribute)",
                id.clone(),
                got,
            ));
            checks.push(step(
                "delete",
                delete(aws, sqs, url, &m).await.map(|_| "deleted".into()),
            ));
        }
        Ok(None) => checks.push(step(
            "receive (body and attribute)",
            Err("not received within 10 s".into()),
        )),
        Err(e) => checks.push(step("receive (body and attribute)", Err(e))),
    }
    checks
}

/// Receive a message `max_receive_count` times without deleting it; it must move to the DLQ.
async fn redrive(aws: &Aws, sqs: &Client, spec: &Queues, url: &str, dlq_url: &str) -> Vec<Check> {
    let body = format!("mht redrive test {}", report::run_id());
    let step = |r| {
        Check::outcome(
            &spec.queue,
            "deep: unacknowledged message moves to the DLQ",
            r,
        )
    };
    if let Err(e) = sqs
        .send_message()
        .queue_url(url)
        .message_body(&body)
        .send()
        .await
    {
        return vec![step(Err(format!("{:#}", aws.error("sqs:SendMessage", e))))];
    }
    let mut receives = 0;
    for _ in 0..spec.max_receive_count + 1 {
        match receive_one(aws, sqs, url, &body, Some(0)).await {
            Ok(Some(_)) => receives += 1,
            Ok(None) => break,
            Err(e) => return vec![step(Err(e))],
        }
    }
    match receive_one(aws, sqs, dlq_url, &body, None).await {
        Ok(Some(m)) => {
            let cleaned = delete(aws, sqs, dlq_url, &m).await;
            vec![step(cleaned.map(|_| {
                format!("in the DLQ after {receives} receives; removed")
            }))]
        }
        Ok(None) => vec![step(Err(format!(
            "not in the DLQ after {receives} receives"
        )))],
        Err(e) => vec![step(Err(e))],
    }
}

/// Every check of `env`'s queues and alarms, and the round trip (and, `deep`, the redrive
/// proof); the caller has guarded the account.
pub fn checks(aws: &Aws, env: &infra::Environment, deep: bool) -> Vec<Check> {
    let spec = expect::queues(env);
    let sqs = aws.sqs();
    aws.block_on(async {
        let (main, dlq, alarm_checks) = tokio::join!(
            queue(aws, &sqs, &spec.queue),
            queue(aws, &sqs, &spec.dead_letter_queue),
            alarms(aws, &spec)
        );
        let mut checks = vec![
            Check::outcome(
                &spec.queue,
                "exists",
                main.as_ref().map(|_| "yes".into()).map_err(Clone::clone),
            ),
            Check::outcome(
                &spec.dead_letter_queue,
                "exists",
                dlq.as_ref().map(|_| "yes".into()).map_err(Clone::clone),
            ),
        ];
        if let (Ok((url, main)), Ok((dlq_url, dlq))) = (&main, &dlq) {
            checks.extend(settings(&spec, main, dlq));
            checks.extend(round_trip(aws, &sqs, &spec.queue, url).await);
            if deep {
                checks.extend(redrive(aws, &sqs, &spec, url, dlq_url).await);
            }
        }
        checks.extend(alarm_checks);
        checks
    })
}
