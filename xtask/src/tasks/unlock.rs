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
        println!("releasing the lock {}", lock.describe());
        let run = crate::terraform::prepare(p, &env, &aws)?;
        run.must(&["force-unlock", "-force", "-no-color", &lock.id])?;
        if state_lock::held(&aws, &env)?.is_some() {
            bail!("terraform reported the lock released, but the lock table still holds it (log `{}`)", run.log.display());
        }
        println!("released: the state of `{name}` is unlocked");
        Ok(ExitCode::SUCCESS)
    }
}
