//! Release options: blue-green, rollback timeout, Discord notifications.

use super::{all_chars, check_range, Sink, BLUE_GREEN_ALB, ROLLBACK_TIMEOUT, WEBHOOK_ENV};
use crate::model::Draft;

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
