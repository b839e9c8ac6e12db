//! The job queue, its dead-letter queue and alarms.

use super::{
    check_log_retention, check_range, Sink, SQS_DLQ_RETENTION, SQS_MAX_RECEIVE, SQS_MESSAGE_SIZE,
    SQS_RETENTION, SQS_VISIBILITY, SQS_WAIT,
};
use crate::model::Draft;

pub(super) fn check_sqs(s: &mut Sink, env: &Draft) {
    let q = &env.sqs;
    // (rule, path, value, min, max, unit): the ranges the SQS API accepts.
    #[rustfmt::skip]
    let ranges = [
        (SQS_VISIBILITY, "sqs.visibility_timeout_seconds", q.visibility_timeout_seconds, 0, 43_200, "seconds"),
        (SQS_RETENTION, "sqs.message_retention_seconds", q.message_retention_seconds, 60, 1_209_600, "seconds"),
        (SQS_RETENTION, "sqs.dlq_retention_seconds", q.dlq_retention_seconds, 60, 1_209_600, "seconds"),
        (SQS_MESSAGE_SIZE, "sqs.max_message_size_bytes", q.max_message_size_bytes, 1024, 262_144, "bytes"),
        (SQS_WAIT, "sqs.receive_wait_seconds", q.receive_wait_seconds, 0, 20, "seconds"),
        (SQS_MAX_RECEIVE, "sqs.max_receive_count", q.max_receive_count, 1, 1000, "receives"),
    ];
    for (rule, path, value, min, max, unit) in ranges {
        check_range(s, rule, path, value, min, max, unit);
    }
    if q.dlq_retention_seconds <= q.message_retention_seconds {
        s.add(
            SQS_DLQ_RETENTION,
            "sqs.dlq_retention_seconds",
            q.dlq_retention_seconds,
            format!(
                "the dead-letter queue keeps messages no longer than the source ({} s); redriven messages would expire early",
                q.message_retention_seconds
            ),
            "make the DLQ retention longer than the source queue's",
        );
    }
    check_log_retention(s, "sqs.log_retention_days", q.log_retention_days);
}
