//! Alarm actions and log retention.

use super::{check_log_retention, Sink, ALARM_ACTION};
use crate::model::{Draft, NameKind};

pub(super) fn check_monitoring(s: &mut Sink, env: &Draft) {
    check_log_retention(
        s,
        "monitoring.log_retention_days",
        env.monitoring.log_retention_days,
    );
    for (i, arn) in env.monitoring.extra_alarm_actions.iter().enumerate() {
        let parts: Vec<_> = arn.split(':').collect();
        let ok = parts.len() == 6
            && parts[0] == "arn"
            && parts[2] == "sns"
            && parts[3] == env.region
            && parts[4].len() == 12
            && NameKind::Topic.problem(parts[5]).is_none();
        if !ok {
            s.add(
                ALARM_ACTION,
                format!("monitoring.extra_alarm_actions[{i}]"),
                arn,
                format!("is not an SNS topic ARN in `{}`", env.region),
                format!("use `arn:aws:sns:{}:<account>:<topic>`", env.region),
            );
        }
    }
}
