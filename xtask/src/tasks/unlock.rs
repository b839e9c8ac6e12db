//! `cargo xtask unlock <env> <lock-id>`: release a lock left behind by a run that is over
//! (interrupted twice, killed, or its machine gone): Terraform's state lock, or the release lock
//! a `deploy` or `rollback` holds. The lock id must be the one held, as `plan`/`deploy`/`rollback`
//! name it, so a lock taken by a run started since is never released.

use crate::aws::Aws;
use crate::backend::release_lock::{self, Released};
use crate::backend::state_lock::{self, Lock};
use crate::project::Project;
use anyhow::{bail, Result};
use infra::Environment;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Unlock {
    /// Environment whose state or releases are locked
    #[arg(value_name = "ENV")]
    environment: String,
    /// The lock id, as `plan`, `deploy` or `rollback` reported it
    #[arg(value_name = "LOCK_ID")]
    lock_id: String,
    /// Release without asking (protected environments: only in CI, with CI=true)
    #[arg(long)]
    yes: bool,
}

/// The two locks of an environment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// Terraform's, on the state.
    State,
    /// The tool's, on releases.
    Release,
}

impl Kind {
    fn label(self) -> &'static str {
        match self {
            Kind::State => "the state lock",
            Kind::Release => "the release lock",
        }
    }

    /// `the state lock of `staging``, `the release lock of `staging``.
    fn name(self, env: &str) -> String {
        format!("{} of `{env}`", self.label())
    }

    /// What a run still holding it would do once it is released.
    fn risk(self) -> &'static str {
        match self {
            Kind::State => "a Terraform run still holding it would write the state unguarded",
            Kind::Release => {
                "a deploy or rollback still holding it would release beside the next one"
            }
        }
    }
}

/// The held lock whose id is `id`; else why nothing is released.
fn pick(name: &str, held: &[(Kind, Lock)], id: &str) -> Result<Option<(Kind, Lock)>> {
    if held.is_empty() {
        return Ok(None);
    }
    if let Some(found) = held.iter().find(|(_, l)| l.id == id) {
        return Ok(Some(found.clone()));
    }
    let named: Vec<String> = held
        .iter()
        .map(|(kind, lock)| format!("{} is {}", kind.name(name), lock.describe()))
        .collect();
    match named.len() {
        1 => bail!("{}, not `{id}`: nothing released", named[0]),
        _ => bail!("{}; neither is `{id}`: nothing released", named.join("; ")),
    }
}

impl Unlock {
    pub fn run(self, p: &Project) -> Result<ExitCode> {
        let name = p.selected(Some(&self.environment))?;
        name.announce();
        let env = p.environment(&name)?;
        let aws = Aws::connect(p, &env)?;
        println!("unlock `{name}` on {}", aws.target);
        aws.guard_account(&env)?;
        let held: Vec<(Kind, Lock)> = [
            state_lock::held(&aws, &env)?.map(|l| (Kind::State, l)),
            release_lock::held(&aws, &env)?.map(|l| (Kind::Release, l)),
        ]
        .into_iter()
        .flatten()
        .collect();
        let Some((kind, lock)) = pick(&name, &held, &self.lock_id)? else {
            println!(
                "no lock is held on the state or the releases of `{name}`: nothing to release"
            );
            return Ok(ExitCode::SUCCESS);
        };
        self.confirm(&env, kind, &lock)?;
        println!("releasing {} {}", kind.name(&name), lock.describe());
        match kind {
            Kind::State => state_lock::force_unlock(&aws, &env, &lock)?,
            Kind::Release => match release_lock::release(&aws, &env, &lock.id)? {
                Released::Yes => {}
                Released::NotHeld => {
                    println!("the release lock of `{name}` was released meanwhile")
                }
                Released::Other(other) => bail!(
                    "the release lock of `{name}` was taken again meanwhile: it is {}; nothing released",
                    other.describe()
                ),
            },
        }
        match kind {
            Kind::State => println!("released: the state of `{name}` is unlocked"),
            Kind::Release => println!("released: the releases of `{name}` are unlocked"),
        }
        Ok(ExitCode::SUCCESS)
    }

    /// A protected environment's lock is released only with its name typed (`--yes` in CI).
    fn confirm(&self, env: &Environment, kind: Kind, lock: &Lock) -> Result<()> {
        let name = &env.name;
        if !env.protected {
            return Ok(());
        }
        if self.yes && !crate::prompt::in_ci() {
            bail!("refusing --yes for protected `{name}` outside CI (CI=true); run without --yes and type the name");
        }
        let prompt = format!(
            "release {} on protected `{name}` ({})? {}; type `{name}` to confirm: ",
            kind.label(),
            lock.describe(),
            kind.risk()
        );
        let way_out = "a protected environment's lock is released without a terminal only in CI (CI=true) with --yes";
        if !self.yes
            && !crate::interrupt::unguarded(|| crate::prompt::confirmed(&prompt, name, way_out))?
        {
            bail!("not confirmed: {} is still held", kind.name(name));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lock(id: &str, operation: &str) -> Lock {
        Lock {
            id: id.into(),
            who: "ci@runner".into(),
            operation: operation.into(),
            created: "2026-11-29T10:00:00Z".into(),
        }
    }

    #[test]
    fn the_lock_released_is_the_one_whose_id_is_given() {
        let state = (Kind::State, lock("s-1", "apply"));
        let release = (Kind::Release, lock("r-1", "deploy --version 2.0"));
        let both = [state.clone(), release.clone()];
        assert_eq!(pick("staging", &[], "s-1").unwrap(), None);
        assert_eq!(pick("staging", &both, "s-1").unwrap(), Some(state.clone()));
        assert_eq!(
            pick("staging", &both, "r-1").unwrap(),
            Some(release.clone())
        );
        let one = pick("staging", &[state], "r-1").unwrap_err().to_string();
        assert!(
            one.starts_with("the state lock of `staging` is held by ci@runner for apply since"),
            "{one}"
        );
        assert!(
            one.ends_with("lock id s-1, not `r-1`: nothing released"),
            "{one}"
        );
        let none = pick("staging", &both, "other").unwrap_err().to_string();
        assert!(none.contains("lock id s-1; the release lock of `staging` is held by ci@runner for deploy --version 2.0 since"), "{none}");
        assert!(
            none.ends_with("lock id r-1; neither is `other`: nothing released"),
            "{none}"
        );
        let only_release = pick("staging", &[release], "s-1").unwrap_err().to_string();
        assert!(
            only_release.starts_with("the release lock of `staging` is held by"),
            "{only_release}"
        );
    }
}
