//! The steps before Terraform may touch an environment, and the saved plan: shared by `plan`,
//! `deploy` and `validate --live`.

use crate::aws::Aws;
use crate::project::Project;
use crate::terraform::{self, PlanSummary, Run};
use anyhow::{bail, Context, Result};
use infra::Environment;
use std::path::PathBuf;
use std::time::Instant;

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
    let stale = crate::generated::stale(&p.root, &report.environments);
    if !stale.is_empty() {
        bail!(
            "{} generated files are stale (e.g. `{}`); run `cargo xtask render` and commit",
            stale.len(),
            stale[0].path
        );
    }
    backend_ready(aws, env)?;
    let run = terraform::prepare(p, env, aws)?;
    let plan_file = p.private_dir("plans")?.join(format!("{}.tfplan", env.name));
    let summary = run.plan(&plan_file)?;
    // Terraform writes it world-readable; it holds state values.
    std::fs::set_permissions(
        &plan_file,
        std::os::unix::fs::PermissionsExt::from_mode(0o600),
    )
    .with_context(|| format!("cannot restrict `{}` to its owner", plan_file.display()))?;
    Ok(Planned {
        run,
        plan_file,
        summary,
        seconds: start.elapsed().as_secs_f64(),
    })
}

/// `env`'s Terraform backend exists as the model says and no lock is held on its state: what
/// every Terraform run against it needs first.
pub fn backend_ready(aws: &Aws, env: &Environment) -> Result<()> {
    let problems = crate::backend::problems(aws, env)?;
    if !problems.is_empty() {
        bail!(
            "the Terraform backend of `{}` is not ready ({}); run `cargo xtask setup-backend {}`",
            env.name,
            problems.join("; "),
            env.name
        );
    }
    if let Some(lock) = crate::backend::state_lock::held(aws, env)? {
        bail!(
            "the Terraform state of `{}` is locked: {}; if that run is over (interrupted, or its machine gone), release it with `{}`",
            env.name,
            lock.describe(),
            lock.unlock_command(&env.name)
        );
    }
    Ok(())
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
