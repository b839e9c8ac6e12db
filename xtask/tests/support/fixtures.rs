//! Resources of an environment built on the emulator straight from the model, for the tests
//! and the live bench (what Terraform builds for real, issue #3).

// Shared by several test binaries and the live bench; each uses a part.
#![allow(dead_code)]

use aws_sdk_sqs::types::QueueAttributeName;
use infra::{expect, Environment};
use xtask::aws::Aws;

/// Build every bucket of `env` on the emulator from the model (state bucket included).
pub fn build_buckets(aws: &Aws, env: &Environment) {
    let s3c = aws.s3();
    let mut specs = expect::buckets(env);
    // Log targets first: S3 refuses logging into a bucket that does not exist yet.
    specs.sort_by_key(|b| b.logging_target.is_some());
    for spec in specs {
        aws.block_on(xtask::s3::converge(aws, &s3c, &spec, true))
            .unwrap();
    }
}

/// Build the queues and alarms of `env` on the emulator from the model.
pub fn build_queues(aws: &Aws, env: &Environment) -> (String, String) {
    let spec = expect::queues(env);
    let sqs = aws.sqs();
    aws.block_on(async {
        let dlq = sqs
            .create_queue()
            .queue_name(&spec.dead_letter_queue)
            .attributes(QueueAttributeName::MessageRetentionPeriod, spec.dlq_retention_seconds.to_string())
            .attributes(QueueAttributeName::SqsManagedSseEnabled, spec.encryption.to_string())
            .send()
            .await
            .unwrap()
            .queue_url
            .unwrap();
        let dlq_arn = sqs
            .get_queue_attributes()
            .queue_url(&dlq)
            .attribute_names(QueueAttributeName::QueueArn)
            .send()
            .await
            .unwrap()
            .attributes
            .unwrap()[&QueueAttributeName::QueueArn]
            .clone();
        let redrive = serde_json::json!({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": spec.max_receive_count});
        let queue = sqs
            .create_queue()
            .queue_name(&spec.queue)
            .attributes(QueueAttributeName::MessageRetentionPeriod, spec.message_retention_seconds.to_string())
            .attributes(QueueAttributeName::VisibilityTimeout, spec.visibility_timeout_seconds.to_string())
            .attributes(QueueAttributeName::SqsManagedSseEnabled, spec.encryption.to_string())
            .attributes(QueueAttributeName::RedrivePolicy, redrive.to_string())
            .send()
            .await
            .unwrap()
            .queue_url
            .unwrap();
        for a in &spec.alarms {
            put_alarm(aws, a, &a.actions).await;
        }
        (queue, dlq)
    })
}

/// Create or replace the alarm `a` with these actions.
pub async fn put_alarm(aws: &Aws, a: &expect::Alarm, actions: &[String]) {
    use aws_sdk_cloudwatch::types::{ComparisonOperator, Dimension, Statistic};
    aws.cloudwatch()
        .put_metric_alarm()
        .alarm_name(&a.name)
        .namespace("AWS/SQS")
        .metric_name(a.metric)
        .dimensions(
            Dimension::builder()
                .name("QueueName")
                .value(&a.queue)
                .build(),
        )
        .statistic(Statistic::Maximum)
        .period(60)
        .evaluation_periods(1)
        .threshold(a.threshold)
        .comparison_operator(ComparisonOperator::GreaterThanThreshold)
        .set_alarm_actions(Some(actions.to_vec()))
        .send()
        .await
        .unwrap();
}

/// The shipped environment `name`.
pub fn env(name: &str) -> Environment {
    infra::environments::all()
        .into_iter()
        .find(|b| b.env_name() == name)
        .unwrap()
        .build()
        .unwrap()
}

/// Switch a bucket's versioning off behind the tool's back.
pub fn suspend_versioning(aws: &Aws, bucket: &str) {
    use aws_sdk_s3::types::{BucketVersioningStatus, VersioningConfiguration};
    let off = VersioningConfiguration::builder()
        .status(BucketVersioningStatus::Suspended)
        .build();
    aws.block_on(
        aws.s3()
            .put_bucket_versioning()
            .bucket(bucket)
            .versioning_configuration(off)
            .send(),
    )
    .unwrap();
}
