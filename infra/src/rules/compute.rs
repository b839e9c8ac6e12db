//! Instances and the load balancer's health check.

use super::{fix_for_unknown, Sink, HEALTH_CHECK_PATH, INSTANCE_COUNT, INSTANCE_TYPE, PORT};
use crate::model::{Draft, InstanceSpec, INSTANCE_TYPES};

pub(super) fn check_compute(s: &mut Sink, env: &Draft) {
    let c = &env.compute;
    if InstanceSpec::find(&c.instance_type).is_none() {
        let names: Vec<&str> = INSTANCE_TYPES.iter().map(|t| t.name).collect();
        s.add(
            INSTANCE_TYPE,
            "compute.instance_type",
            &c.instance_type,
            "is not an instance type of the catalog",
            fix_for_unknown(&c.instance_type, &names),
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
