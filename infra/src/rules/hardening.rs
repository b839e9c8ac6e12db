//! Hardening values that can be wrong: the instance metadata hop limit, the data bucket's
//! noncurrent-version expiry, the multipart-upload abort, and deletion protection where an
//! environment serves users.

use super::{
    check_range, Sink, ABORT_MULTIPART_DAYS, DELETION_PROTECTION, IMDS_HOP_LIMIT, NONCURRENT_DAYS,
};
use crate::model::Draft;

pub(super) fn check_hardening(s: &mut Sink, env: &Draft) {
    check_range(
        s,
        IMDS_HOP_LIMIT,
        "compute.imds_hop_limit",
        env.compute.imds_hop_limit,
        1,
        64,
        "hops",
    );
    if env.s3.data.noncurrent_expiration_days == 0 {
        s.add(
            NONCURRENT_DAYS,
            "s3.data.noncurrent_expiration_days",
            0,
            "S3 noncurrent-version expiry days must be positive",
            "set 1 or more days",
        );
    }
    if env.s3.abort_incomplete_multipart_days == 0 {
        s.add(
            ABORT_MULTIPART_DAYS,
            "s3.abort_incomplete_multipart_days",
            0,
            "S3 abort-incomplete-multipart days must be positive",
            "set 1 or more days",
        );
    }
    if env.protected {
        let switches = [
            (
                "compute.deletion_protection",
                env.compute.deletion_protection,
            ),
            (
                "dynamodb.deletion_protection",
                env.dynamodb.deletion_protection,
            ),
        ];
        for (path, on) in switches {
            if !on {
                s.add(
                    DELETION_PROTECTION,
                    path,
                    on,
                    "a protected environment's load balancer and table must refuse deletion",
                    "set it to true, or drop `.protected()` first to retire the environment",
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::environments::{production, staging};

    fn violations(draft: &Draft) -> Vec<(String, &'static str)> {
        let mut s = Sink::new(&draft.name);
        check_hardening(&mut s, draft);
        s.out.into_iter().map(|v| (v.path, v.rule.id)).collect()
    }

    #[test]
    fn shipped_values_pass() {
        assert!(violations(&staging().draft()).is_empty());
        assert!(violations(&production().draft()).is_empty());
    }

    #[test]
    fn hop_limit_bounds_are_1_and_64() {
        for (limit, bad) in [(0, true), (1, false), (64, false), (65, true)] {
            let d = staging().compute(|c| c.imds_hop_limit = limit).draft();
            assert_eq!(
                violations(&d)
                    .contains(&("compute.imds_hop_limit".into(), "compute.imds-hop-limit")),
                bad,
                "hop limit {limit}"
            );
        }
    }

    #[test]
    fn zero_days_are_refused_and_one_day_is_not() {
        let zero = staging()
            .s3(|s| {
                s.data.noncurrent_expiration_days = 0;
                s.abort_incomplete_multipart_days = 0;
            })
            .draft();
        assert_eq!(
            violations(&zero),
            [
                (
                    "s3.data.noncurrent_expiration_days".to_string(),
                    "s3.noncurrent-days"
                ),
                (
                    "s3.abort_incomplete_multipart_days".to_string(),
                    "s3.abort-multipart-days"
                ),
            ]
        );
        let one = staging()
            .s3(|s| {
                s.data.noncurrent_expiration_days = 1;
                s.abort_incomplete_multipart_days = 1;
            })
            .draft();
        assert!(violations(&one).is_empty());
    }

    #[test]
    fn only_a_protected_environment_needs_deletion_protection() {
        let off = production()
            .compute(|c| c.deletion_protection = false)
            .dynamodb(|d| d.deletion_protection = false)
            .draft();
        assert_eq!(violations(&off).len(), 2);
        assert!(violations(&off)
            .iter()
            .all(|(_, id)| *id == "hardening.deletion-protection"));
        assert!(
            violations(&staging().compute(|c| c.deletion_protection = false).draft()).is_empty()
        );
    }
}
