//! Release options: blue-green, rollback timeout, the image and version, bake and health
//! timing, canary steps, rolling batches, Discord notifications.

use super::{
    all_chars, check_range, Sink, BLUE_GREEN_ALB, RELEASE_BATCH, RELEASE_CANARY, RELEASE_IMAGE,
    RELEASE_TIMING, ROLLBACK_TIMEOUT, WEBHOOK_ENV,
};
use crate::model::Draft;
use crate::release::{check_canary, check_image, check_version};

fn check_release(s: &mut Sink, env: &Draft) {
    let d = &env.deployment;
    for (path, value, checked) in [
        ("deployment.image", &d.image, check_image(&d.image)),
        (
            "deployment.initial_version",
            &d.initial_version,
            check_version(&d.initial_version),
        ),
    ] {
        if let Err(problem) = checked {
            s.add(
                RELEASE_IMAGE,
                path,
                value,
                problem,
                "see the rule's source for the format",
            );
        }
    }
    if let Err(problem) = check_canary(&d.canary) {
        s.add(
            RELEASE_CANARY,
            "deployment.canary",
            format!("{:?}", d.canary),
            problem,
            "e.g. `vec![100]` (all at once) or `vec![10, 50, 100]`",
        );
    }
    let timing = "deployment";
    check_range(
        s,
        RELEASE_TIMING,
        &format!("{timing}.bake_seconds"),
        d.bake_seconds,
        0,
        3600,
        "seconds",
    );
    check_range(
        s,
        RELEASE_TIMING,
        &format!("{timing}.health_timeout_seconds"),
        d.health_timeout_seconds,
        30,
        3600,
        "seconds",
    );
    check_range(
        s,
        RELEASE_TIMING,
        &format!("{timing}.healthy_seconds"),
        d.healthy_seconds,
        0,
        d.health_timeout_seconds,
        "seconds (at most the health timeout)",
    );
    if !d.blue_green {
        let count = env.compute.instance_count.max(1);
        check_range(
            s,
            RELEASE_BATCH,
            "deployment.batch_size",
            d.batch_size,
            1,
            count,
            "instances",
        );
    }
}

pub(super) fn check_deployment(s: &mut Sink, env: &Draft) {
    let d = &env.deployment;
    check_range(
        s,
        ROLLBACK_TIMEOUT,
        "deployment.rollback_timeout_minutes",
        d.rollback_timeout_minutes,
        1,
        60,
        "minutes",
    );
    check_release(s, env);
    if d.blue_green && !env.compute.load_balancer {
        s.add(
            BLUE_GREEN_ALB,
            "deployment.blue_green",
            true,
            "blue-green needs the load balancer",
            "enable compute.load_balancer or disable blue_green",
        );
    }
    let w = &d.discord_webhook_env;
    let ok = w.starts_with(|c: char| c.is_ascii_uppercase() || c == '_')
        && all_chars(w, |c| {
            c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_'
        });
    if !ok {
        s.add(
            WEBHOOK_ENV,
            "deployment.discord_webhook_env",
            w,
            "is not an environment variable name",
            "use e.g. `MHT_DISCORD_WEBHOOK_URL`",
        );
    }
}
