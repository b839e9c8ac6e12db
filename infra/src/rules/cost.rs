//! The cost section: a budget, and usage figures the estimate can multiply.

use super::{Sink, COST_USAGE};
use crate::model::Draft;

pub(super) fn check_cost(s: &mut Sink, env: &Draft) {
    let c = &env.cost;
    if c.budget_usd == 0 {
        s.add(
            COST_USAGE,
            "cost.budget_usd",
            0,
            "AWS Budgets needs a positive amount",
            "declare the monthly budget in US dollars",
        );
    }

    for (name, value) in c.usage.figures() {
        if !value.is_finite() || value < 0.0 {
            s.add(
                COST_USAGE,
                format!("cost.usage.{name}"),
                value,
                "is not a usage figure (finite, zero or more)",
                "set the monthly figure the estimate should assume, e.g. 0",
            );
        }
    }
}
