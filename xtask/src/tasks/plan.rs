//! `cargo xtask plan <env>`: static validate and fresh render, backend present, account guard,
//! `terraform init` and a saved plan, summarised from `terraform show -json`.
//! Exit 0 no changes, 2 changes, 1 error.

use crate::aws::Aws;
use crate::planning::{plan_env, print_summary};
use crate::project::Project;
use anyhow::Result;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Plan {
    /// Environment (else --env, MHT_ENV or the switched one)
    #[arg(value_name = "ENV")]
    environment: Option<String>,
}

impl Plan {
    pub fn run(self, p: &Project) -> Result<ExitCode> {
        let name = p.selected(self.environment.as_deref())?;
        let env = p.environment(&name)?;
        let aws = Aws::connect(p, &env)?;
        println!("plan `{name}` on {}", aws.target);
        aws.guard_account(&env)?;
        let planned = plan_env(p, &env, &aws)?;
        print_summary(&name, &planned.summary);
        println!("terraform log: {}", planned.run.log.display());
        Ok(if planned.summary.is_empty() {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(2)
        })
    }
}
