//! The MHT API environments as data.
//!
//! Layers, each importing only from the ones above it in this list:
//!
//! - `model`: plain data (sections, [`model::Names`], [`model::NameKind`], the catalogs of
//!   instance types and storage classes); `pattern`: IAM wildcards (`*`, `?`) for names and
//!   ARNs;
//! - `documents` (IAM policy documents), `expect` (the live state AWS must have, bucket
//!   policies included) and `settings` (every setting flattened for display and comparison);
//! - `rules`: what AWS and Terraform enforce, one file per area;
//! - `builder`: the DSL, whose [`EnvironmentBuilder::build`] runs the rules and looks up the
//!   catalog names;
//! - `environments` (THE definitions), `checks` (isolation and parity) with `reach` (the
//!   isolation proof over every policy document), `promotion` (the
//!   promotion order), `release` (the live colour, weights and versions), `cost` (the monthly estimate from the `prices` sheet, and the budget
//!   check) and `render` (the Terraform roots).
//!
//! Pure: no AWS SDK, no processes, no network.

pub mod alerting;
pub mod builder;
pub mod checks;
pub mod cost;
pub mod documents;
pub mod environments;
pub mod expect;
pub mod model;
pub mod pattern;
pub mod prices;
pub mod promotion;
pub mod reach;
pub mod release;
pub mod render;
pub mod rules;
pub mod settings;

pub use builder::EnvironmentBuilder;
pub use model::Environment;
pub use rules::{Rule, Violation};

use model::Draft;

/// The outcome of one named check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Check {
    pub name: String,
    pub violations: Vec<Violation>,
}

/// Every environment described, and every check with its violations.
#[derive(Clone, Debug)]
pub struct Report {
    /// Every environment whose catalog names resolve, valid or not; use them only when
    /// [`Report::ok`].
    pub environments: Vec<Environment>,
    pub checks: Vec<Check>,
}

impl Report {
    pub fn ok(&self) -> bool {
        self.checks.iter().all(|c| c.violations.is_empty())
    }

    pub fn violations(&self) -> impl Iterator<Item = &Violation> {
        self.checks.iter().flat_map(|c| &c.violations)
    }
}

/// Describe every environment and run every rule, isolation and parity: all violations at
/// once. Isolation, promotion and parity also cover environments that break per-environment
/// rules (they run on the descriptions), so one run shows every mistake.
pub fn validate(builders: Vec<EnvironmentBuilder>) -> Report {
    let mut drafts: Vec<Draft> = Vec::new();
    let mut checks = Vec::new();
    for builder in builders {
        let draft = builder.draft();
        let mut violations = rules::check_environment(&draft);
        if drafts.iter().any(|d| d.name == draft.name) {
            violations.push(Violation {
                env: draft.name.clone(),
                path: "name".into(),
                rule: rules::ENV_NAME,
                value: draft.name.clone(),
                problem: "two environments have this name".into(),
                fix: "give each environment its own name".into(),
            });
        }
        checks.push(Check {
            name: format!("rules: {}", draft.name),
            violations,
        });
        drafts.push(draft);
    }
    checks.push(Check {
        name: "isolation".into(),
        violations: checks::isolation(&drafts),
    });
    checks.push(Check {
        name: "promotion".into(),
        violations: promotion::check(&drafts),
    });
    checks.push(Check {
        name: "parity".into(),
        violations: checks::parity(&drafts),
    });
    let environments: Vec<Environment> = drafts.into_iter().filter_map(builder::resolve).collect();
    checks.push(Check {
        name: "budget".into(),
        violations: cost::check_budgets(&environments),
    });
    Report {
        environments,
        checks,
    }
}
