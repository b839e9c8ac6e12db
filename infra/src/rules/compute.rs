//! Instances and the load balancer's health check.

use super::{all_chars, Sink, HEALTH_CHECK_PATH, INSTANCE_COUNT, INSTANCE_TYPE, PORT};
use crate::model::Environment;

pub(super) fn check_compute(s: &mut Sink, env: &Environment) {
    let c = &env.compute;
    let valid_type = c
        .instance_type
        .split_once('.')
        .is_some_and(|(family, size)| {
            family.starts_with(|ch: char| ch.is_ascii_lowercase())
                && all_chars(family, |ch| {
                    ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '-'
                })
                && !size.is_empty()
                && all_chars(size, |ch| ch.is_ascii_lowercase() || ch.is_ascii_digit())
        });
    if !valid_type {
        s.add(
            INSTANCE_TYPE,
            "compute.instance_type",
            &c.instance_type,
            "is not an EC2 instance type",
            "use `family.size`, e.g. `t3.medium`",
        );
    }
    if c.instance_count == 0 {
        s.add(
            INSTANCE_COUNT,
            "compute.instance_count",
            0,
            "no instance would serve the API",
            "set at least 1",
        );
    }
    if c.app_port == 0 {
        s.add(PORT, "compute.app_port", 0, "is not a port", "use 1-65535");
    }
    if !c.health_check_path.starts_with('/') || c.health_check_path.len() > 1024 {
        s.add(
            HEALTH_CHECK_PATH,
            "compute.health_check_path",
            &c.health_check_path,
            "health check path must start with `/` and be at most 1024 chars",
            "use a path such as `/health`",
        );
    }
}
