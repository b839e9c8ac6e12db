//! The data bucket's lifecycle and tiering, and the log bucket's expiry.

use super::{
    Sink, EXPIRATION_DAYS, LIFECYCLE_ENABLED, LIFECYCLE_IA_MIN_DAYS, LIFECYCLE_IA_STAY,
    LIFECYCLE_ORDER, LIFECYCLE_STORAGE_CLASS, TIERING_DAYS,
};
use crate::model::{Environment, Transition};

/// Storage classes in the order S3 lets objects move down ("the waterfall").
const WATERFALL: [&str; 6] = [
    "STANDARD_IA",
    "INTELLIGENT_TIERING",
    "ONEZONE_IA",
    "GLACIER_IR",
    "GLACIER",
    "DEEP_ARCHIVE",
];

fn is_ia(class: &str) -> bool {
    class == "STANDARD_IA" || class == "ONEZONE_IA"
}

/// Check a list of lifecycle transitions as S3 applies them.
pub(crate) fn check_lifecycle(s: &mut Sink, path: &str, list: &[Transition]) {
    let mut prev: Option<(&Transition, usize)> = None;
    for (i, t) in list.iter().enumerate() {
        let at = format!("{path}[{i}]");
        let Some(rank) = WATERFALL.iter().position(|c| *c == t.storage_class) else {
            s.add(
                LIFECYCLE_STORAGE_CLASS,
                &at,
                &t.storage_class,
                "is not a storage class lifecycle rules can transition to",
                format!("use one of {}", WATERFALL.join(", ")),
            );
            continue;
        };
        if is_ia(&t.storage_class) && t.days < 30 {
            s.add(
                LIFECYCLE_IA_MIN_DAYS,
                &at,
                format!("{} days → {}", t.days, t.storage_class),
                format!(
                    "S3 refuses a transition to {} before day 30",
                    t.storage_class
                ),
                "set days to 30 or more",
            );
        }
        if let Some((p, prank)) = prev {
            if rank <= prank || t.days <= p.days {
                s.add(
                    LIFECYCLE_ORDER,
                    &at,
                    format!("{} days → {}", t.days, t.storage_class),
                    format!(
                        "comes after {} days → {}; transitions must go to a colder class at a later day",
                        p.days, p.storage_class
                    ),
                    "order transitions by days, each to a colder storage class",
                );
            } else if is_ia(&p.storage_class) && t.days < p.days + 30 {
                s.add(
                    LIFECYCLE_IA_STAY,
                    &at,
                    format!("{} days → {}", t.days, t.storage_class),
                    format!(
                        "objects must stay 30 days in {} (from day {}) before moving on",
                        p.storage_class, p.days
                    ),
                    format!("set days to {} or more", p.days + 30),
                );
            }
        }
        prev = Some((t, rank));
    }
}

pub(super) fn check_s3(s: &mut Sink, env: &Environment) {
    let d = &env.s3.data;
    check_lifecycle(s, "s3.data.lifecycle", &d.lifecycle);
    if d.lifecycle_enabled == d.lifecycle.is_empty() {
        s.add(
            LIFECYCLE_ENABLED,
            "s3.data.lifecycle",
            format!(
                "enabled={}, {} transitions",
                d.lifecycle_enabled,
                d.lifecycle.len()
            ),
            "lifecycle policy switch and transitions disagree",
            "enable the policy and list transitions, or disable it and list none",
        );
    }
    if let Some(t) = &d.intelligent_tiering {
        let ok = (90..=730).contains(&t.archive_access_days)
            && (180..=730).contains(&t.deep_archive_access_days)
            && t.deep_archive_access_days > t.archive_access_days;
        if !ok {
            s.add(
                TIERING_DAYS,
                "s3.data.intelligent_tiering",
                format!(
                    "archive {} days, deep archive {} days",
                    t.archive_access_days, t.deep_archive_access_days
                ),
                "S3 Intelligent-Tiering refuses these archive days",
                "use archive 90-730 days and a later deep archive 180-730 days",
            );
        }
    }
    if env.s3.log_retention_days == 0 {
        s.add(
            EXPIRATION_DAYS,
            "s3.log_retention_days",
            0,
            "S3 expiration days must be positive",
            "set 1 or more days",
        );
    }
}
