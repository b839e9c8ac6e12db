//! `cargo xtask rollback <env>`: inside the rollback window, traffic moves back to the previous
//! colour in one step (the listener, then the release state), the colour that lost it is kept
//! for a window of its own, and the rollback is recorded and announced. After the window, it
//! says the previous colour is gone and gives the command that redeploys its version. It holds
//! the environment's release lock from before it reads the release state to its end, so it never
//! runs during a deploy's release (whose undo would overwrite it).

use crate::aws::Aws;
use crate::backend::release_lock;
use crate::fleet::Fleet;
use crate::project::Project;
use crate::prompt::in_ci;
use crate::records::{self, Action, Outcome, Record};
use crate::release::{minutes_from_now, seconds_until};
use crate::{git, interrupt};
use anyhow::{bail, Result};
use infra::release::{ReleaseState, NO_END};
use std::process::ExitCode;
use std::time::{Duration, Instant};

#[derive(clap::Args)]
pub struct Rollback {
    /// Environment (else --env, MHT_ENV or the switched one)
    #[arg(value_name = "ENV")]
    environment: Option<String>,
    /// Roll back without asking (protected environments: only in CI, with CI=true)
    #[arg(long)]
    yes: bool,
    /// Run by `bench` on the emulator: the confirmation is its own (never from the CLI).
    #[arg(skip)]
    on_emulator_by_tool: bool,
}

/// The colour traffic goes back to: the previous one while its window is open and it is up.
fn previous(name: &str, state: &ReleaseState) -> Result<String> {
    let colour = state.idle().unwrap_or_default().to_string();
    let prev = state.colour(&colour);
    let redeploy = format!("cargo xtask deploy {name} --version {}", prev.version);
    if !prev.up || prev.until == NO_END {
        bail!(
            "`{name}` has no previous colour to roll back to: `{colour}` ({}) has not taken traffic since the last release; to run an earlier version, deploy it: `cargo xtask deploy {name} --version <TAG>`",
            prev.version
        );
    }
    if seconds_until(&prev.until).is_none_or(|left| left <= 0) {
        bail!(
            "the rollback window of `{name}` ended at {}: `{colour}` (version {}) is scaled to zero; redeploy that version instead: `{redeploy}` (the promotion gate may ask for it in the previous environment first)",
            prev.until,
            prev.version
        );
    }
    Ok(colour)
}

impl Rollback {
    /// `rollback <env> --yes`, as the bench runs it on the emulator (and only there).
    pub fn confirmed(env: &str) -> Rollback {
        Rollback {
            environment: Some(env.to_string()),
            yes: true,
            on_emulator_by_tool: true,
        }
    }

    pub fn run(self, p: &Project) -> Result<ExitCode> {
        let started = Instant::now();
        let name = p.selected(self.environment.as_deref())?;
        name.announce();
        let env = p.environment(&name)?;
        if !env.deployment.blue_green {
            bail!(
                "`{name}` rolls (no blue-green): there is no previous colour to move traffic to; redeploy the previous version with `cargo xtask deploy {name} --version <TAG>` (`cargo xtask history {name}` lists the versions)"
            );
        }
        let aws = Aws::connect(p, &env)?;
        let tool_confirmed = self.on_emulator_by_tool && aws.local;
        if env.protected && self.yes && !in_ci() && !tool_confirmed {
            bail!("refusing --yes for protected `{name}` outside CI (CI=true); run without --yes and type the name");
        }
        let caller = aws.guard_account(&env)?;
        // The release lock from before the state is read to its end (refused at once while a
        // deploy or another rollback holds it): an interrupt from here stops the rollback and
        // releases the lock.
        let _interrupts = interrupt::guard();
        let lock = release_lock::take(&aws, &env, "rollback", "roll back")?;
        let fleet = Fleet::new(&aws, &env);
        let Some(state) = fleet.read_state()? else {
            bail!(
                "`{name}` has no release state (`{}`): deploy it first",
                env.names.release_parameter
            );
        };
        let target = previous(&name, &state)?;
        let version = state.colour(&target).version.clone();
        let group = fleet.group(&target)?;
        let count = env.compute.instance_count as usize;
        if group.healthy() < count {
            bail!(
                "`{target}` (version {version}) is not healthy enough to take traffic: {}; traffic stays on `{}`",
                group.describe(),
                state.live
            );
        }
        let asked = Instant::now();
        if !self.yes && !self.confirm(&name, &target, &version)? {
            bail!("not confirmed: traffic stays on `{}`", state.live);
        }
        let waited = asked.elapsed();
        if interrupt::interrupted() {
            bail!(
                "interrupted before the shift: traffic stays on `{}`",
                state.live
            );
        }
        let record = Record {
            environment: name.clone(),
            action: Action::Rollback,
            commit: git::head(&p.root).unwrap_or_default(),
            started_at: git::utc_now(),
            caller,
            user: git::user(&p.root),
            version: Some(version.clone()),
            release: Some(format!("{} → {target} ({version})", state.live)),
            ..Record::default()
        };
        let result = shift_back(&fleet, &state, &target);
        let tool = started.elapsed().saturating_sub(waited);
        finish(&fleet, record, &result, tool);
        lock.release();
        result?;
        println!(
            "rolled back: `{target}` (version {version}) takes all traffic; {:.1} s of tool time from the command to the shift{}",
            tool.as_secs_f64(),
            if waited > Duration::ZERO { " (the confirmation not counted)" } else { "" }
        );
        Ok(ExitCode::SUCCESS)
    }

    fn confirm(&self, name: &str, target: &str, version: &str) -> Result<bool> {
        let (prompt, expected) = (
            format!("move all traffic of `{name}` back to `{target}` (version {version})? type `{name}`: "),
            name,
        );
        let way_out = "pass --yes (a protected environment: only in CI, with CI=true)";
        let nothing = format!("traffic of `{name}` stays where it is");
        crate::prompt::confirmed_holding(&prompt, expected, way_out, &nothing)
    }
}

/// The listener back on `target`, the state recorded, the scale-downs moved: `target` keeps
/// running, the colour that lost traffic stays up for a window of its own.
fn shift_back(fleet: &Fleet, state: &ReleaseState, target: &str) -> Result<()> {
    let until = minutes_from_now(fleet.env.deployment.rollback_timeout_minutes);
    let back = state.switched(target, &until);
    // The colour taking the traffic must not scale to zero at its old window's end.
    fleet.cancel_scale_down(target)?;
    fleet.shift(state, &back)?;
    if let Err(e) = fleet.schedule_scale_down(&state.live, &until) {
        eprintln!("warning: the scale-down of `{}` at {until} is not scheduled ({e:#}); the first deploy after it scales it to zero", state.live);
    }
    Ok(())
}

/// Record the rollback and announce it.
fn finish(fleet: &Fleet, mut record: Record, result: &Result<()>, tool: Duration) {
    record.finished_at = git::utc_now();
    record.result = match result {
        Ok(()) => Outcome::Success,
        Err(e) => Outcome::failed(e),
    };
    record.durations = vec![("rollback".into(), tool.as_secs_f64())];
    match records::put(fleet.aws, fleet.env, &record) {
        Ok(key) => println!("record: s3://{}/{key}", fleet.env.names.state_bucket),
        Err(e) => eprintln!("warning: could not store the rollback record: {e:#}"),
    }
    crate::tasks::deploy::notify(
        fleet.env,
        &format!(
            "mht-api `{}` rollback {}: {}",
            fleet.env.name,
            record.release.as_deref().unwrap_or_default(),
            record.result
        ),
    );
}
