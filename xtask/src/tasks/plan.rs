//! `cargo xtask plan <env>`: static validate and fresh render, backend present, account guard,
//! `terraform init` and a saved plan, summarised from `terraform show -json`.
//! Exit 0 no changes, 2 changes, 1 error.

use crate::aws::Aws;
use crate::project::Project;
use crate::terraform::{self, PlanSummary, Run};
use anyhow::{bail, Result};
use infra::Environment;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

#[derive(clap::Args)]
pub struct Plan {
    /// Environment (else --env, MHT_ENV or the switched one)
    #[arg(value_name = "ENV")]
    environment: Option<String>,
}

/// A saved plan, ready to apply.
pub struct Planned {
    pub run: Run,
    pub plan_file: PathBuf,
    pub summary: PlanSummary,
    pub seconds: f64,
}

/// Everything that must hold before Terraform may touch `env`, then the plan. The caller has
/// connected and guarded the account.
pub fn plan_env(p: &Project, env: &Environment, aws: &Aws) -> Result<Planned> {
    let start = Instant::now();
    let report = infra::validate(p.builders());
    if !report.ok() {
        bail!(
            "the environments have {} violations; run `cargo xtask validate` and fix them first",
            report.violations().count()
        );
    }
    let stale = super::render::stale(&p.root, &report.environments);
    if !stale.is_empty() {
        bail!(
            "{} generated files are stale (e.g. `{}`); run `cargo xtask render` and commit",
            stale.len(),
            stale[0].path
        );
    }
    let problems = crate::backend::problems(aws, env)?;
    if !problems.is_empty() {
        bail!(
            "the Terraform backend of `{}` is not ready ({}); run `cargo xtask setup-backend {}`",
            env.name,
            problems.join("; "),
            env.name
        );
    }
    let run = terraform::prepare(p, env, aws)?;
    let plans = p.root.join(".mht/plans");
    std::fs::create_dir_all(&plans)?;
    let plan_file = plans.join(format!("{}.tfplan", env.name));
    let summary = run.plan(&plan_file)?;
    Ok(Planned {
        run,
        plan_file,
        summary,
        seconds: start.elapsed().as_secs_f64(),
    })
}

/// The plan in a few lines: counts, then every destroy and replace by address.
pub fn print_summary(env: &str, s: &PlanSummary) {
    if s.is_empty() {
        println!("plan `{env}`: no changes");
        return;
    }
    println!(
        "plan `{env}`: {} to add, {} to change, {} to destroy",
        s.add, s.change, s.destroy
    );
    for (address, action) in &s.destructive {
        println!("  {action:<8} {address}");
    }
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
