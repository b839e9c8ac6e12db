//! Who is told, and when: the alarms of an environment with their thresholds and severity, the
//! availability target, and the topic's subscriptions.

/// How urgent an alarm is. An environment notifies the alarms at or above its
/// `monitoring.notify` severity (staging: critical only; production: everything).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Warning,
    Critical,
}

impl Severity {
    pub fn label(self) -> &'static str {
        match self {
            Severity::Warning => "warning",
            Severity::Critical => "critical",
        }
    }
}

/// What an alarm watches. Each kind appears at most once per environment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum AlarmKind {
    /// Messages waiting in the dead-letter queue (threshold: messages, alarm above).
    DlqDepth,
    /// Age of the job queue's oldest message (threshold: seconds, alarm above).
    OldestMessageAge,
    /// Share of requests the load balancer answers with a 5xx (threshold: percent, alarm above).
    Alb5xxRate,
    /// Targets failing the health check (threshold: hosts, alarm above).
    UnhealthyHosts,
    /// p95 of the targets' response time (threshold: milliseconds, alarm above).
    ResponseTimeP95,
    /// Instances in service below the group's desired capacity (threshold: instances missing,
    /// alarm at or above).
    InServiceBelowDesired,
    /// EC2 status checks failed on an instance of the group (threshold: failed checks, alarm above).
    StatusCheckFailed,
    /// DynamoDB throttled requests on the table (threshold: requests, alarm above).
    DynamoDbThrottles,
    /// The load balancer's success rate, the availability target (threshold: basis points of
    /// successful requests, 9990 = 99.9 %, alarm below).
    Availability,
}

impl AlarmKind {
    pub const ALL: [AlarmKind; 9] = [
        AlarmKind::DlqDepth,
        AlarmKind::OldestMessageAge,
        AlarmKind::Alb5xxRate,
        AlarmKind::UnhealthyHosts,
        AlarmKind::ResponseTimeP95,
        AlarmKind::InServiceBelowDesired,
        AlarmKind::StatusCheckFailed,
        AlarmKind::DynamoDbThrottles,
        AlarmKind::Availability,
    ];

    /// The last part of the alarm's name and its key in Terraform.
    pub fn slug(self) -> &'static str {
        match self {
            AlarmKind::DlqDepth => "dlq-depth",
            AlarmKind::OldestMessageAge => "oldest-message-age",
            AlarmKind::Alb5xxRate => "alb-5xx-rate",
            AlarmKind::UnhealthyHosts => "unhealthy-hosts",
            AlarmKind::ResponseTimeP95 => "response-time-p95",
            AlarmKind::InServiceBelowDesired => "in-service-below-desired",
            AlarmKind::StatusCheckFailed => "status-check-failed",
            AlarmKind::DynamoDbThrottles => "dynamodb-throttles",
            AlarmKind::Availability => "availability",
        }
    }

    /// The unit of the threshold.
    pub fn unit(self) -> &'static str {
        match self {
            AlarmKind::DlqDepth => "messages",
            AlarmKind::OldestMessageAge => "seconds",
            AlarmKind::Alb5xxRate => "percent",
            AlarmKind::UnhealthyHosts => "hosts",
            AlarmKind::ResponseTimeP95 => "milliseconds",
            AlarmKind::InServiceBelowDesired => "instances",
            AlarmKind::StatusCheckFailed => "failed checks",
            AlarmKind::DynamoDbThrottles => "requests",
            AlarmKind::Availability => "basis points",
        }
    }

    /// Whether the alarm watches the job queues (on only when `sqs.alarms` is).
    pub fn is_queue_alarm(self) -> bool {
        matches!(self, AlarmKind::DlqDepth | AlarmKind::OldestMessageAge)
    }

    /// Whether the alarm watches the load balancer (on only when `compute.load_balancer` is).
    pub fn is_load_balancer_alarm(self) -> bool {
        matches!(
            self,
            AlarmKind::Alb5xxRate
                | AlarmKind::UnhealthyHosts
                | AlarmKind::ResponseTimeP95
                | AlarmKind::Availability
        )
    }
}

/// One alarm of an environment, as the DSL declares it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AlarmRule {
    pub kind: AlarmKind,
    /// In the kind's [`AlarmKind::unit`].
    pub threshold: u32,
    /// Length of one evaluated period (CloudWatch: 10, 30 or a multiple of 60 seconds).
    pub period_seconds: u32,
    /// Consecutive breaching periods before the alarm fires.
    pub evaluation_periods: u32,
    pub severity: Severity,
}

impl AlarmRule {
    /// Seconds the alarm looks back before it fires.
    pub fn window_seconds(&self) -> u64 {
        u64::from(self.period_seconds) * u64::from(self.evaluation_periods)
    }

    /// The threshold as people read it: `99.9 %`, `300 seconds`.
    pub fn threshold_text(&self) -> String {
        match self.kind {
            AlarmKind::Availability => format!("{} %", self.cloudwatch_threshold()),
            _ => format!("{} {}", self.threshold, self.kind.unit()),
        }
    }

    /// The threshold as CloudWatch compares it (availability: percent of successful requests).
    pub fn cloudwatch_threshold(&self) -> f64 {
        match self.kind {
            AlarmKind::Availability => f64::from(self.threshold) / 100.0,
            AlarmKind::ResponseTimeP95 => f64::from(self.threshold) / 1000.0,
            _ => f64::from(self.threshold),
        }
    }
}

/// Who a topic delivers to besides the alarm → Discord function.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Protocol {
    Email,
    Https,
}

impl Protocol {
    /// SNS's name of the protocol.
    pub fn sns(self) -> &'static str {
        match self {
            Protocol::Email => "email",
            Protocol::Https => "https",
        }
    }
}

/// One subscriber of the environment's alerts topic.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Subscription {
    pub protocol: Protocol,
    /// An e-mail address or an `https://` URL.
    pub endpoint: String,
}

impl Subscription {
    pub fn email(address: &str) -> Subscription {
        Subscription {
            protocol: Protocol::Email,
            endpoint: address.to_string(),
        }
    }

    pub fn https(url: &str) -> Subscription {
        Subscription {
            protocol: Protocol::Https,
            endpoint: url.to_string(),
        }
    }
}

/// What the environment's dashboard shows (seed §8).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DashboardView {
    /// The alarms' states, the availability and the estimated charges.
    Health,
    /// The alarms' states, a graph per alarm (load balancer, instances, queues, table), the
    /// data bucket and the estimated charges.
    Comprehensive,
}

impl DashboardView {
    pub fn label(self) -> &'static str {
        match self {
            DashboardView::Health => "health",
            DashboardView::Comprehensive => "comprehensive",
        }
    }
}

/// Basis points in a whole (100 %).
pub const BASIS_POINTS: u32 = 10_000;

/// Seconds of unavailability a month (30 days) a target in basis points allows.
pub fn error_budget_seconds(target_basis_points: u32) -> u64 {
    30 * 86_400 * u64::from(BASIS_POINTS.saturating_sub(target_basis_points))
        / u64::from(BASIS_POINTS)
}
