//! Resources of an environment built on the emulator straight from the model, for the tests
//! and the live bench (what Terraform builds for real, issue #3).

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
        let cw = aws.cloudwatch();
        for a in &spec.alarms {
            cw.put_metric_alarm()
                .alarm_name(&a.name)
                .namespace("AWS/SQS")
                .metric_name(a.metric)
                .dimensions(aws_sdk_cloudwatch::types::Dimension::builder().name("QueueName").value(&a.queue).build())
                .statistic(aws_sdk_cloudwatch::types::Statistic::Maximum)
                .period(60)
                .evaluation_periods(1)
                .threshold(a.threshold)
                .comparison_operator(aws_sdk_cloudwatch::types::ComparisonOperator::GreaterThanThreshold)
                .set_alarm_actions(Some(a.actions.clone()))
                .send()
                .await
                .unwrap();
        }
        (queue, dlq)
    })
}
