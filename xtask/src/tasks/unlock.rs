//! `cargo xtask unlock <env> <lock-id>`: release a Terraform state lock left behind by a run
//! that is over (interrupted twice, or its machine gone). The lock id must be the one held, as
//! `plan`/`deploy` name it, so a lock taken by a run started since is never released.

use crate::aws::Aws;
use crate::backend::state_lock;
use crate::project::Project;
use anyhow::{bail, Result};
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Unlock {
    /// Environment whose state is locked
    #[arg(value_name = "ENV")]
    environment: String,
    /// The lock id, as `plan` or `deploy` reported it
    #[arg(value_name = "LOCK_ID")]
    lock_id: String,
    /// Release without asking (protected environments: only in CI, with CI=true)
    #[arg(long)]
    yes: bool,
}

impl Unlock {
    pub fn run(self, p: &Project) -> Result<ExitCode> {
        let name = p.selected(Some(&self.environment))?;
        name.announce();
        let env = p.environment(&name)?;
        let aws = Aws::connect(p, &env)?;
        println!("unlock `{name}` on {}", aws.target);
        aws.guard_account(&env)?;
        let Some(lock) = state_lock::held(&aws, &env)? else {
            println!("no lock is held on the state of `{name}`: nothing to release");
            return Ok(ExitCode::SUCCESS);
        };
        if lock.id != self.lock_id {
            bail!(
                "the lock on `{name}` is {}, not `{}`: nothing released",
                lock.describe(),
                self.lock_id
            );
        }
        if env.protected {
            if self.yes && !crate::prompt::in_ci() {
                bail!("refusing --yes for protected `{name}` outside CI (CI=true); run without --yes and type the name");
            }
            let prompt = format!(
                "release the lock on protected `{name}` ({})? a Terraform run still holding it would write the state unguarded; type `{name}` to confirm: ",
                lock.describe()
            );
            let way_out = "a protected environment's lock is released without a terminal only in CI (CI=true) with --yes";
            if !self.yes
                && !crate::interrupt::unguarded(|| {
                    crate::prompt::confirmed(&prompt, &name, way_out)
                })?
            {
                bail!("not confirmed: the lock on `{name}` is still held");
            }
        }
        println!("releasing the lock {}", lock.describe());
        let run = crate::terraform::prepare(p, &env, &aws)?;
        run.must(&["force-unlock", "-force", "-no-color", &lock.id])?;
        if state_lock::held(&aws, &env)?.is_some() {
            bail!(
                "terraform reported the lock released, but it is still held (log `{}`)",
                run.log.display()
            );
        }
        println!("released: the state of `{name}` is unlocked");
        Ok(ExitCode::SUCCESS)
    }
}
