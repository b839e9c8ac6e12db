//! The data bucket's lifecycle and tiering, and the log bucket's expiry.

use super::{
    fix_for_unknown, Sink, EXPIRATION_DAYS, LIFECYCLE_ENABLED, LIFECYCLE_IA_MIN_DAYS,
    LIFECYCLE_IA_STAY, LIFECYCLE_ORDER, LIFECYCLE_STORAGE_CLASS, TIERING_DAYS,
};
use crate::model::{Draft, StorageClass, Transition};

/// The data bucket's lifecycle with its storage classes looked up, or a violation for each
/// name that is no storage class (with the nearest one).
fn lifecycle_classes(s: &mut Sink, list: &[Transition<String>]) -> Option<Vec<Transition>> {
    let names = StorageClass::ALL.map(StorageClass::as_str);
    let mut known = Vec::new();
    for (i, t) in list.iter().enumerate() {
        match StorageClass::parse(&t.storage_class) {
            Some(storage_class) => known.push(Transition {
                days: t.days,
                storage_class,
            }),
            None => s.add(
                LIFECYCLE_STORAGE_CLASS,
                format!("s3.data.lifecycle[{i}]"),
                &t.storage_class,
                "is not a storage class lifecycle rules can transition to",
                fix_for_unknown(&t.storage_class, &names),
            ),
        }
    }
    (known.len() == list.len()).then_some(known)
}

/// Check a list of lifecycle transitions as S3 applies them.
fn check_lifecycle(s: &mut Sink, path: &str, list: &[Transition]) {
    let mut prev: Option<&Transition> = None;
    for (i, t) in list.iter().enumerate() {
        let at = format!("{path}[{i}]");
        if t.storage_class.is_infrequent_access() && t.days < 30 {
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
        if let Some(p) = prev {
            if t.storage_class <= p.storage_class || t.days <= p.days {
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
            } else if p.storage_class.is_infrequent_access() && t.days < p.days + 30 {
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
        prev = Some(t);
    }
}

pub(super) fn check_s3(s: &mut Sink, env: &Draft) {
    let d = &env.s3.data;
    // The order of the transitions is checked once every storage class is known.
    if let Some(lifecycle) = lifecycle_classes(s, &d.lifecycle) {
        check_lifecycle(s, "s3.data.lifecycle", &lifecycle);
    }
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
