//! Alarm actions, the alarms' periods and thresholds, the availability window, subscriptions
//! and log retention.

use super::{
    check_log_retention, check_range, Sink, ALARM_ACTION, ALARM_PERIOD, ALARM_THRESHOLD,
    ALARM_UNIQUE, AVAILABILITY_WINDOW, SQS_ALARM_AGE, SUBSCRIPTION,
};
use crate::model::{error_budget_seconds, AlarmKind, AlarmRule, Draft, NameKind, Protocol};

/// The recovery target (seed §10: recovery in under 15 minutes) the availability alarm must fit.
const RECOVERY_SECONDS: u64 = 15 * 60;

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
    for (i, rule) in env.monitoring.alarms.iter().enumerate() {
        let path = format!("monitoring.alarms[{i}]");
        if env.monitoring.alarms[..i]
            .iter()
            .any(|a| a.kind == rule.kind)
        {
            s.add(
                ALARM_UNIQUE,
                format!("{path}.kind"),
                rule.kind.slug(),
                "declares an alarm kind a second time",
                "remove one of the two, or change its threshold in place",
            );
        }
        check_period(s, &path, rule);
        check_threshold(s, &path, rule, env.sqs.message_retention_seconds);
    }
    check_subscriptions(s, env);
}

fn check_period(s: &mut Sink, path: &str, rule: &AlarmRule) {
    let p = rule.period_seconds;
    if !(p == 10 || p == 30 || (p > 0 && p.is_multiple_of(60))) {
        let nearest = (p.div_ceil(60).max(1)) * 60;
        s.add(
            ALARM_PERIOD,
            format!("{path}.period_seconds"),
            p,
            "CloudWatch accepts periods of 10, 30 or a multiple of 60 seconds",
            format!("use 10, 30 or a multiple of 60, e.g. {nearest}"),
        );
    }
    if rule.evaluation_periods == 0 || rule.window_seconds() > 86_400 {
        s.add(
            ALARM_PERIOD,
            format!("{path}.evaluation_periods"),
            rule.evaluation_periods,
            format!(
                "the window is {} s; CloudWatch needs 1 or more periods and at most 86400 s",
                rule.window_seconds()
            ),
            "set evaluation_periods from 1 to 86400 / period_seconds",
        );
    }
}

fn check_threshold(s: &mut Sink, path: &str, rule: &AlarmRule, retention_seconds: u32) {
    let at = format!("{path}.threshold");
    let unit = rule.kind.unit();
    match rule.kind {
        AlarmKind::Alb5xxRate => check_range(s, ALARM_THRESHOLD, &at, rule.threshold, 1, 100, unit),
        AlarmKind::Availability => {
            check_range(s, ALARM_THRESHOLD, &at, rule.threshold, 1, 9999, unit);
            let budget = error_budget_seconds(rule.threshold);
            let limit = budget.min(RECOVERY_SECONDS);
            if rule.window_seconds() > limit {
                s.add(
                    AVAILABILITY_WINDOW,
                    format!("{path}.evaluation_periods"),
                    rule.window_seconds(),
                    format!("the alarm looks back {} s, longer than the {budget} s error budget a month of this target allows or the {RECOVERY_SECONDS} s recovery target", rule.window_seconds()),
                    format!("make period_seconds × evaluation_periods at most {limit} s"),
                );
            }
        }
        AlarmKind::OldestMessageAge if rule.threshold >= retention_seconds => s.add(
            SQS_ALARM_AGE,
            at,
            rule.threshold,
            "messages expire before the age alarm could fire",
            format!("set the threshold below sqs.message_retention_seconds ({retention_seconds})"),
        ),
        AlarmKind::InServiceBelowDesired | AlarmKind::ResponseTimeP95 if rule.threshold == 0 => s
            .add(
                ALARM_THRESHOLD,
                at,
                rule.threshold,
                format!("a threshold of 0 {unit} fires on every period"),
                "set a threshold of 1 or more",
            ),
        _ => {}
    }
}

fn check_subscriptions(s: &mut Sink, env: &Draft) {
    for (i, sub) in env.monitoring.subscriptions.iter().enumerate() {
        let problem = match sub.protocol {
            Protocol::Email => email_problem(&sub.endpoint),
            Protocol::Https => https_problem(&sub.endpoint),
        };
        if let Some(problem) = problem {
            s.add(
                SUBSCRIPTION,
                format!("monitoring.subscriptions[{i}].endpoint"),
                &sub.endpoint,
                problem,
                match sub.protocol {
                    Protocol::Email => "write one address like `ops@example.com`",
                    Protocol::Https => "write a URL like `https://hooks.example.com/alerts`",
                },
            );
        }
    }
}

/// Why `address` is not one e-mail address, if it is not.
pub fn email_problem(address: &str) -> Option<String> {
    let Some((local, domain)) = address.split_once('@') else {
        return Some("is not an e-mail address: it has no `@`".into());
    };
    if local.is_empty() || domain.contains('@') {
        return Some("is not an e-mail address: it needs text before one `@`".into());
    }
    if address.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Some("is not an e-mail address: it contains white space".into());
    }
    let labels: Vec<&str> = domain.split('.').collect();
    if labels.len() < 2 || labels.iter().any(|l| l.is_empty()) {
        return Some(format!(
            "is not an e-mail address: `{domain}` is not a domain"
        ));
    }
    None
}

/// Why `url` is not an `https://` URL with a host, if it is not.
pub fn https_problem(url: &str) -> Option<String> {
    let Some(rest) = url.strip_prefix("https://") else {
        return Some("is not an `https://` URL".into());
    };
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Some("contains white space".into());
    }
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = host.rsplit('@').next().unwrap_or_default();
    let name = host.split(':').next().unwrap_or_default();
    if name.is_empty() || name.starts_with('.') || name.ends_with('.') {
        return Some("has no host".into());
    }
    None
}
