//! Resource names: each kind of named resource and the naming rule AWS enforces for it.

use super::{
    all_chars, Rule, Sink, NAME_ALARM, NAME_ASG, NAME_BUCKET, NAME_BUDGET, NAME_DASHBOARD,
    NAME_FUNCTION, NAME_GROUP, NAME_INSTANCE_PROFILE, NAME_LAUNCH_TEMPLATE, NAME_LOAD_BALANCER,
    NAME_LOG_GROUP, NAME_PARAMETER, NAME_POLICY, NAME_QUEUE, NAME_ROLE, NAME_SECURITY_GROUP,
    NAME_TABLE, NAME_TAG, NAME_TARGET_GROUP, NAME_TOPIC, NAME_TRAIL,
};
use crate::model::{Draft, NameKind};

pub(super) fn iam_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "_+=,.@-".contains(c)
}

fn elb_name(s: &str) -> Option<String> {
    if s.is_empty() || s.len() > 32 {
        return Some(format!("is {} characters; the limit is 32", s.len()));
    }
    if !all_chars(s, |c| c.is_ascii_alphanumeric() || c == '-') {
        return Some("may only contain letters, digits and `-`".into());
    }
    if s.starts_with('-') || s.ends_with('-') {
        return Some("must not start or end with `-`".into());
    }
    None
}

fn is_ipv4(s: &str) -> bool {
    let parts: Vec<_> = s.split('.').collect();
    parts.len() == 4 && parts.iter().all(|p| p.parse::<u8>().is_ok())
}

/// Why `name` is not a valid S3 bucket name, if it is not.
pub fn bucket_name_problem(name: &str) -> Option<String> {
    let len = name.len();
    if !(3..=63).contains(&len) {
        return Some(format!("is {len} characters; bucket names have 3 to 63"));
    }
    if !all_chars(name, |c| {
        c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.'
    }) {
        return Some("may only contain lowercase letters, digits, `.` and `-`".into());
    }
    let edge_ok = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    if !edge_ok(name.chars().next()) || !edge_ok(name.chars().last()) {
        return Some("must begin and end with a letter or digit".into());
    }
    if name.contains("..") || name.contains(".-") || name.contains("-.") {
        return Some("must not contain `..`, `.-` or `-.`".into());
    }
    if is_ipv4(name) {
        return Some("must not look like an IP address".into());
    }
    for prefix in ["xn--", "sthree-", "amzn-s3-demo-"] {
        if name.starts_with(prefix) {
            return Some(format!(
                "must not start with the reserved prefix `{prefix}`"
            ));
        }
    }
    for suffix in ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"] {
        if name.ends_with(suffix) {
            return Some(format!("must not end with the reserved suffix `{suffix}`"));
        }
    }
    None
}

/// The kinds are model data ([`crate::model::NameKind`]); their naming rules live here.
impl NameKind {
    /// The rule names of this kind follow.
    pub fn rule(self) -> Rule {
        match self {
            NameKind::Bucket => NAME_BUCKET,
            NameKind::Queue => NAME_QUEUE,
            NameKind::Table => NAME_TABLE,
            NameKind::Role => NAME_ROLE,
            NameKind::Policy => NAME_POLICY,
            NameKind::Group => NAME_GROUP,
            NameKind::InstanceProfile => NAME_INSTANCE_PROFILE,
            NameKind::LoadBalancer => NAME_LOAD_BALANCER,
            NameKind::TargetGroup => NAME_TARGET_GROUP,
            NameKind::SecurityGroup => NAME_SECURITY_GROUP,
            NameKind::LaunchTemplate => NAME_LAUNCH_TEMPLATE,
            NameKind::AutoScalingGroup => NAME_ASG,
            NameKind::Topic => NAME_TOPIC,
            NameKind::LogGroup => NAME_LOG_GROUP,
            NameKind::Dashboard => NAME_DASHBOARD,
            NameKind::Alarm => NAME_ALARM,
            NameKind::Function => NAME_FUNCTION,
            NameKind::Parameter => NAME_PARAMETER,
            NameKind::Trail => NAME_TRAIL,
            NameKind::Budget => NAME_BUDGET,
            NameKind::Tag => NAME_TAG,
        }
    }

    /// Why `name` is not valid for this kind of resource, if it is not.
    pub fn problem(self, name: &str) -> Option<String> {
        let len = name.chars().count();
        let limit = |min: usize, max: usize| {
            (!(min..=max).contains(&len))
                .then(|| format!("is {len} characters; the limit is {min} to {max}"))
        };
        match self {
            NameKind::Bucket => bucket_name_problem(name),
            NameKind::Queue => limit(1, 80).or_else(|| {
                let base = name.strip_suffix(".fifo").unwrap_or(name);
                (!all_chars(base, |c| c.is_ascii_alphanumeric() || c == '-' || c == '_')).then(
                    || {
                        "may only contain letters, digits, `-` and `_` (and a `.fifo` suffix)"
                            .into()
                    },
                )
            }),
            NameKind::Table => limit(3, 255).or_else(|| {
                (!all_chars(name, |c| c.is_ascii_alphanumeric() || "_-.".contains(c)))
                    .then(|| "may only contain letters, digits, `_`, `-` and `.`".into())
            }),
            NameKind::Role => limit(1, 64).or_else(|| {
                (!all_chars(name, iam_char))
                    .then(|| "may only contain letters, digits and `_+=,.@-`".into())
            }),
            NameKind::Policy | NameKind::Group | NameKind::InstanceProfile => limit(1, 128)
                .or_else(|| {
                    (!all_chars(name, iam_char))
                        .then(|| "may only contain letters, digits and `_+=,.@-`".into())
                }),
            NameKind::LoadBalancer => elb_name(name).or_else(|| {
                name.starts_with("internal-")
                    .then(|| "must not start with `internal-`".into())
            }),
            NameKind::TargetGroup => elb_name(name),
            NameKind::SecurityGroup => limit(1, 255).or_else(|| {
                name.starts_with("sg-")
                    .then(|| "must not start with `sg-`".into())
            }),
            NameKind::LaunchTemplate => limit(3, 128).or_else(|| {
                (!all_chars(name, |c| c.is_ascii_alphanumeric() || "().-/_".contains(c)))
                    .then(|| "may only contain letters, digits and `().-/_`".into())
            }),
            NameKind::AutoScalingGroup | NameKind::Alarm => limit(1, 255),
            NameKind::Topic => limit(1, 256).or_else(|| {
                (!all_chars(name, |c| c.is_ascii_alphanumeric() || c == '-' || c == '_'))
                    .then(|| "may only contain letters, digits, `-` and `_`".into())
            }),
            NameKind::LogGroup => limit(1, 512).or_else(|| {
                (!all_chars(name, |c| c.is_ascii_alphanumeric() || "_-/.#".contains(c)))
                    .then(|| "may only contain letters, digits and `_-/.#`".into())
            }),
            NameKind::Dashboard => limit(1, 255).or_else(|| {
                (!all_chars(name, |c| c.is_ascii_alphanumeric() || c == '-' || c == '_'))
                    .then(|| "may only contain letters, digits, `-` and `_`".into())
            }),
            NameKind::Budget => limit(1, 100).or_else(|| {
                (name.contains(':') || name.contains('\\'))
                    .then(|| "may not contain `:` or `\\`".into())
            }),
            NameKind::Trail => limit(3, 128).or_else(|| {
                if !all_chars(name, |c| c.is_ascii_alphanumeric() || "._-".contains(c)) {
                    return Some("may only contain letters, digits, `.`, `_` and `-`".into());
                }
                let edge = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
                if !edge(name.chars().next()) || !edge(name.chars().last()) {
                    return Some("must start and end with a letter or digit".into());
                }
                ["..", "._", ".-", "_.", "__", "_-", "-.", "-_", "--"]
                    .iter()
                    .find(|p| name.contains(*p))
                    .map(|p| format!("must not contain adjacent `{p}`"))
            }),
            NameKind::Function => limit(1, 64).or_else(|| function_name_problem(name)),
            NameKind::Parameter => limit(1, 1011).or_else(|| parameter_name_problem(name)),
            NameKind::Tag => limit(1, 256),
        }
    }
}

fn function_name_problem(name: &str) -> Option<String> {
    (!all_chars(name, |c| c.is_ascii_alphanumeric() || c == '-' || c == '_'))
        .then(|| "may only contain letters, digits, `-` and `_`".into())
}

fn parameter_name_problem(name: &str) -> Option<String> {
    if !all_chars(name, |c| c.is_ascii_alphanumeric() || "_.-/".contains(c)) {
        return Some("may only contain letters, digits and `_.-/`".into());
    }
    let first = name.trim_start_matches('/').to_ascii_lowercase();
    (first.starts_with("aws") || first.starts_with("ssm"))
        .then(|| "must not start with `aws` or `ssm`".into())
}

/// Every derived name follows its kind's rule.
pub(super) fn check_names(s: &mut Sink, env: &Draft) {
    for (kind, path, name) in env.names.all() {
        if let Some(problem) = kind.problem(name) {
            s.add(
                kind.rule(),
                path,
                name,
                format!("name {problem}"),
                "shorten or rename the project or environment so every derived name fits",
            );
        }
    }
}
