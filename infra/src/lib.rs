//! The MHT API environments as data.
//!
//! Layers, each importing only from the ones above it in this list:
//!
//! - `model`: plain data (sections, [`model::Names`], [`model::NameKind`], the catalogs);
//! - `documents` (IAM policy documents) and `expect` (the live state AWS must have, bucket
//!   policies included);
//! - `rules`: what AWS and Terraform enforce, one file per area;
//! - `builder`: the DSL, whose [`EnvironmentBuilder::build`] runs the rules;
//! - `environments` (THE definitions), `settings` (every setting flattened for display and
//!   comparison), `checks` (isolation and parity), `promotion` (the promotion order) and
//!   `render` (the Terraform roots).
//!
//! Pure: no AWS SDK, no processes, no network.

pub mod builder;
pub mod checks;
pub mod documents;
pub mod environments;
pub mod expect;
pub mod model;
pub mod promotion;
pub mod render;
pub mod rules;
pub mod settings;

pub use builder::EnvironmentBuilder;
pub use model::Environment;
pub use rules::{Rule, Violation};

/// The outcome of one named check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Check {
    pub name: String,
    pub violations: Vec<Violation>,
}

/// Every environment described, and every check with its violations.
#[derive(Clone, Debug)]
pub struct Report {
    /// Every environment, valid or not; use them only when [`Report::ok`].
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
/// once. Isolation and parity also cover environments that break per-environment rules, so
/// one run shows every mistake.
pub fn validate(builders: Vec<EnvironmentBuilder>) -> Report {
    let mut environments: Vec<Environment> = Vec::new();
    let mut checks = Vec::new();
    for builder in builders {
        let env = builder.assemble();
        let mut violations = rules::check_environment(&env);
        if environments.iter().any(|e| e.name == env.name) {
            violations.push(Violation {
                env: env.name.clone(),
                path: "name".into(),
                rule: rules::ENV_NAME,
                value: env.name.clone(),
                problem: "two environments have this name".into(),
                fix: "give each environment its own name".into(),
            });
        }
        checks.push(Check {
            name: format!("rules: {}", env.name),
            violations,
        });
        environments.push(env);
    }
    checks.push(Check {
        name: "isolation".into(),
        violations: checks::isolation(&environments),
    });
    checks.push(Check {
        name: "promotion".into(),
        violations: promotion::check(&environments),
    });
    checks.push(Check {
        name: "parity".into(),
        violations: checks::parity(&environments),
    });
    Report {
        environments,
        checks,
    }
}
