//! `cargo xtask plan <env>`: static validate and fresh render, backend present, account guard,
//! `terraform init` and a saved plan, summarised from `terraform show -json`; `plan --all`
//! plans every environment at once (bounded by `--jobs`) and ends on one table.
//! Exit 0 no changes, 2 changes, 1 error.

use crate::aws::Aws;
use crate::parallel::{self, Jobs};
use crate::planning::{plan_env, print_summary};
use crate::project::Project;
use crate::table;
use crate::terraform::PlanSummary;
use anyhow::Result;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Plan {
    /// Environment (else --env, MHT_ENV or the switched one)
    #[arg(value_name = "ENV", conflicts_with = "all")]
    environment: Option<String>,
    /// Every environment, at once (bounded by --jobs), then one result table
    #[arg(long)]
    all: bool,
    #[command(flatten)]
    jobs: Jobs,
}

/// Plan `name` and print its summary.
fn plan_one(p: &Project, name: &str) -> Result<PlanSummary> {
    let env = p.environment(name)?;
    let aws = Aws::connect(p, &env)?;
    println!("plan `{name}` on {}", aws.target);
    aws.guard_account(&env)?;
    let planned = plan_env(p, &env, &aws)?;
    print_summary(name, &planned.summary);
    println!("terraform log: {}", planned.run.log.display());
    Ok(planned.summary)
}

impl Plan {
    /// `plan --all`, at most `jobs` at once, as the bench runs it.
    pub fn every(jobs: Jobs) -> Plan {
        Plan {
            environment: None,
            all: true,
            jobs,
        }
    }

    pub fn run(self, p: &Project) -> Result<ExitCode> {
        if self.all {
            return Ok(all(p, self.jobs));
        }
        let name = p.selected(self.environment.as_deref())?;
        Ok(match plan_one(p, &name)?.is_empty() {
            true => ExitCode::SUCCESS,
            false => ExitCode::from(crate::exit::CHANGES),
        })
    }
}

/// Every environment in promotion order, at most `jobs` at once; one table at the end.
fn all(p: &Project, jobs: Jobs) -> ExitCode {
    let runs = parallel::each(&p.promotion_order(), jobs, false, |n| plan_one(p, n));
    let rows: Vec<Vec<String>> = runs
        .iter()
        .map(|r| {
            let (result, changes) = match &r.result {
                Ok(s) if s.is_empty() => ("no changes".into(), String::new()),
                Ok(s) => (
                    "changes".into(),
                    format!("+{} ~{} -{}", s.add, s.change, s.destroy),
                ),
                Err(e) => ("error".into(), parallel::first_line(e)),
            };
            vec![
                r.env.clone(),
                result,
                changes,
                format!("{:.1} s", r.seconds),
            ]
        })
        .collect();
    print!(
        "\n{}",
        table::render(&["environment", "result", "changes / error", "time"], &rows)
    );
    for r in &runs {
        if let Err(e) = &r.result {
            eprintln!("\n{}: {e:#}", r.env);
        }
    }
    parallel::exit_code(&runs, |s| !s.is_empty())
}
