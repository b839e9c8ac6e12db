//! Releasing a version once Terraform has applied it: blue-green (the new version on the idle
//! colour, every target healthy, traffic shifted in steps with a bake after each, undone on
//! trouble, the previous colour kept for the rollback window) or rolling (the one group's
//! instances replaced a batch at a time, healthy capacity kept).

use crate::aws::Aws;
use crate::fleet::{Fleet, Group};
use crate::interrupt;
use crate::planning::Planned;
use crate::summary::{PlanAction, PlanSummary};
use anyhow::{bail, Result};
use infra::release::ReleaseState;
use infra::Environment;
use std::time::{Duration, Instant};

/// On the emulator targets are healthy at once (or, stopped, never): the waits are capped.
const EMULATOR_BAKE: u32 = 1;
const EMULATOR_HEALTHY: u32 = 2;
const EMULATOR_TIMEOUT: u32 = 10;

/// How long a release waits: for health, for a steady healthy state, at each traffic step.
#[derive(Clone, Copy, Debug)]
pub struct Timing {
    pub bake: Duration,
    pub healthy: Duration,
    pub timeout: Duration,
    pub poll: Duration,
}

impl Timing {
    /// The environment's timing; on the emulator capped, and said so.
    pub fn of(env: &Environment, aws: &Aws) -> Timing {
        let d = &env.deployment;
        let (mut bake, mut healthy, mut timeout) =
            (d.bake_seconds, d.healthy_seconds, d.health_timeout_seconds);
        let mut poll = 5;
        if aws.local {
            let capped = (
                bake.min(EMULATOR_BAKE),
                healthy.min(EMULATOR_HEALTHY),
                timeout.min(EMULATOR_TIMEOUT),
            );
            if capped != (bake, healthy, timeout) {
                println!(
                    "emulator: waits shortened (bake {bake} → {} s, healthy for {healthy} → {} s, health timeout {timeout} → {} s): moto reports a target healthy at once unless its instance is stopped",
                    capped.0, capped.1, capped.2
                );
            }
            (bake, healthy, timeout) = capped;
            poll = 1;
        }
        let secs = |s: u32| Duration::from_secs(u64::from(s));
        Timing {
            bake: secs(bake),
            healthy: secs(healthy),
            timeout: secs(timeout),
            poll: secs(poll),
        }
    }
}

/// `--version`'s parser: an image tag.
pub fn version_tag(text: &str) -> Result<String, String> {
    infra::release::check_version(text).map(|()| text.to_string())
}

/// What a deploy releases: the release state now and, when `--version` asks for a version
/// that does not run yet, the state to plan with (the version on its colour). What planning it
/// says goes to stderr, beside `plan --format json`'s document.
pub struct Release {
    pub current: ReleaseState,
    pub next: Option<ReleaseState>,
}

impl Release {
    /// Read the state (the initial one before the first deploy) and stage `version`.
    pub fn plan(fleet: &Fleet, version: Option<&str>) -> Result<Release> {
        if let Some(carried) = carried_over(fleet)? {
            eprintln!(
                "the release state has other colours than `{}` now has: carried over, version {} on {}",
                fleet.env.name,
                carried.live_version(),
                fleet.env.names.colours.join(" and ")
            );
            let next = version.map_or_else(|| carried.clone(), |v| carried.staged(v));
            return Ok(Release {
                current: carried,
                next: Some(next),
            });
        }
        let current = match fleet.read_state()? {
            Some(state) => state,
            None => ReleaseState::initial(fleet.env),
        };
        let next = match version {
            Some(v) if v == current.live_version() => {
                eprintln!(
                    "version {v} already takes all traffic on `{}`: nothing to release",
                    current.live
                );
                None
            }
            Some(v) => Some(current.staged(v)),
            None => None,
        };
        Ok(Release { current, next })
    }

    /// The state Terraform plans with: the staged one, else the parameter's.
    pub fn var(&self) -> Option<String> {
        self.next.as_ref().map(ReleaseState::to_json)
    }

    /// A blue-green environment whose plan changes the live colour's launch template in place
    /// (an instance type, an image under the same tag) while nothing is released: the change
    /// is released like a version, the running one going onto the idle colour with the new
    /// template behind the health gate. `true` when staged so (then plan again).
    pub fn stage_template_change(&mut self, env: &Environment, summary: &PlanSummary) -> bool {
        if !env.deployment.blue_green
            || self.next.is_some()
            || !template_changed(summary, &self.current.live)
        {
            return false;
        }
        let staged = self.current.staged(self.current.live_version());
        eprintln!(
            "the launch template of live `{}` changes in place: released like a version, {} onto `{}` behind the health gate, so that the running instances are replaced",
            self.current.live,
            self.current.live_version(),
            staged.releasing().unwrap_or_default()
        );
        self.next = Some(staged);
        true
    }

    /// The plan `plan` makes with this release's state; planned again when it stages a launch
    /// template change ([`Release::stage_template_change`]).
    pub fn planned(
        &mut self,
        env: &Environment,
        plan: impl Fn(Option<String>) -> Result<Planned>,
    ) -> Result<Planned> {
        let planned = plan(self.var())?;
        if self.stage_template_change(env, &planned.summary) {
            return plan(self.var());
        }
        Ok(planned)
    }
}

/// Whether `summary` changes `colour`'s launch template in place.
pub fn template_changed(summary: &PlanSummary, colour: &str) -> bool {
    let template = format!("module.compute.aws_launch_template.this[\"{colour}\"]");
    summary
        .changes
        .iter()
        .any(|c| c.address == template && c.action == PlanAction::Update)
}

/// A release state of other colours than the environment now has (blue-green switched on or
/// off), carried over: the version that was live goes on the new colours, planned like a
/// release. `None` when the colours agree or nothing is deployed.
pub fn carried_over(fleet: &Fleet) -> Result<Option<ReleaseState>> {
    Ok(fleet
        .read_text()?
        .as_deref()
        .and_then(|t| ReleaseState::carried_over(fleet.env, t)))
}

/// UTC time `minutes` from now, as the release state and the scheduled actions take it.
pub fn minutes_from_now(minutes: u32) -> String {
    crate::git::utc_at(crate::git::unix_now() + i64::from(minutes) * 60)
}

/// Seconds from now until `at` (negative once past); `None` when `at` is not a time.
pub fn seconds_until(at: &str) -> Option<i64> {
    Some(crate::git::utc_seconds(at)? - crate::git::unix_now())
}

/// Wait until `colour` has `expected` instances outside `old`, every one a healthy target for
/// `timing.healthy` in a row. Fails at the timeout naming each target that is not healthy.
pub fn wait_healthy(
    fleet: &Fleet,
    colour: &str,
    expected: usize,
    old: &[String],
    timing: Timing,
) -> Result<Group> {
    let start = Instant::now();
    let progress = crate::terraform::progress_bar(expected);
    progress.set_message(format!("{colour}: waiting for healthy targets"));
    let mut healthy_since: Option<Instant> = None;
    loop {
        let mut group = fleet.group(colour)?;
        group.targets.retain(|t| !old.contains(&t.id));
        group.desired = expected as i32;
        let healthy = group.healthy();
        progress.set_position(healthy.min(expected) as u64);
        progress.set_message(format!("{colour}: {}", group.describe()));
        let all = healthy == expected && group.targets.len() == expected;
        healthy_since = if all {
            healthy_since.or(Some(Instant::now()))
        } else {
            None
        };
        if healthy_since.is_some_and(|t| t.elapsed() >= timing.healthy) {
            progress.finish_and_clear();
            println!("{colour}: {expected}/{expected} targets healthy");
            return Ok(group);
        }
        if interrupt::interrupted() {
            progress.finish_and_clear();
            bail!("interrupted while waiting for `{colour}` to become healthy");
        }
        if start.elapsed() >= timing.timeout {
            progress.finish_and_clear();
            bail!(
                "`{colour}` did not become healthy within {} s: {}",
                timing.timeout.as_secs(),
                group.describe()
            );
        }
        std::thread::sleep(timing.poll);
    }
}

/// Watch `colour` for `timing.bake`: every target healthy, the 5xx alarm quiet, and the share
/// of 5xx among the colour's own answers since the shift no higher than the alarm's threshold
/// (the alarm itself looks at the whole load balancer over minutes, longer than a bake). `Err`
/// names the trouble.
fn bake(fleet: &Fleet, colour: &str, expected: usize, timing: Timing) -> Result<()> {
    let (start, since) = (Instant::now(), crate::git::unix_now());
    let watch = fleet.five_xx_watch(colour)?;
    loop {
        let group = fleet.group(colour)?;
        if group.healthy() < expected {
            bail!("`{colour}` became unhealthy: {}", group.describe());
        }
        if let Some(alarm) = fleet.five_xx_firing()? {
            bail!("the 5xx alarm `{alarm}` is in ALARM");
        }
        if let Some(watch) = &watch {
            let answers = fleet.answers(watch, since)?;
            if let Some(percent) = answers.above(watch.threshold) {
                bail!(
                    "`{colour}` answered {} of {} requests with a 5xx since the shift ({percent:.1} %, above the 5xx alarm's {} %)",
                    answers.errors,
                    answers.requests,
                    watch.threshold
                );
            }
        }
        if interrupt::interrupted() {
            bail!("interrupted");
        }
        if start.elapsed() >= timing.bake {
            return Ok(());
        }
        std::thread::sleep(timing.poll.min(timing.bake));
    }
}

/// The instances of the colour `next` releases onto, before Terraform applies it: they run
/// an older launch and are replaced (none when the colour is down, or nothing is released).
pub fn stale(fleet: &Fleet, next: Option<&ReleaseState>) -> Result<Vec<String>> {
    match next.and_then(ReleaseState::releasing) {
        Some(colour) if fleet.env.deployment.blue_green => Ok(fleet.group(colour)?.instances),
        _ => Ok(Vec::new()),
    }
}

/// Wait until `colour` has no instance left.
fn wait_empty(fleet: &Fleet, colour: &str, timing: Timing) -> Result<()> {
    let start = Instant::now();
    loop {
        let left = fleet.group(colour)?.instances.len();
        if left == 0 {
            return Ok(());
        }
        if start.elapsed() >= timing.timeout || interrupt::interrupted() {
            bail!("`{colour}` still has {left} instance(s) after scaling to zero");
        }
        std::thread::sleep(timing.poll);
    }
}

/// After a release that failed: the listener from the weights of `at` back to all on the live
/// colour, and the new colour marked down and scaled to zero (it takes no traffic, and
/// Terraform plans it at zero from now on). Says what it did, or what it could not do.
fn retire(fleet: &Fleet, at: &ReleaseState, staged: &ReleaseState, colour: &str) -> String {
    let live = &staged.live;
    let mut back = staged.weighted(live, 100);
    if let Some(c) = back.colours.get_mut(colour) {
        c.up = false;
    }
    if let Err(e) = fleet.shift(at, &back) {
        return format!(
            "traffic could NOT be moved back to `{live}` ({e:#}); move it with `cargo xtask rollback {}` once the previous colour is healthy, and check `cargo xtask status {}`",
            fleet.env.name, fleet.env.name
        );
    }
    let scaled = match fleet.resize(colour, 0) {
        Ok(()) => format!("`{colour}` is scaled to zero"),
        Err(e) => {
            format!("`{colour}` could not be scaled to zero ({e:#}); the next deploy does it")
        }
    };
    format!(
        "`{live}` ({}) takes all traffic; {scaled}",
        staged.live_version()
    )
}

/// A blue-green release of the version `staged` put on its idle colour (already applied by
/// Terraform): replace the instances it kept from before (`stale`), wait for health, shift
/// traffic step by step with a bake after each, then make the colour live and keep the
/// previous one for the rollback window. On trouble traffic goes back to the live colour, the
/// new one scales to zero, and the error says what happened.
pub fn blue_green(
    fleet: &Fleet,
    staged: &ReleaseState,
    stale: &[String],
    steps: &[u32],
    timing: Timing,
) -> Result<ReleaseState> {
    let (live, idle) = (
        staged.live.clone(),
        staged.releasing().unwrap_or_default().to_string(),
    );
    let version = staged.colour(&idle).version.clone();
    let count = fleet.env.compute.instance_count as usize;
    fleet.cancel_scale_down(&idle)?;
    if !stale.is_empty() {
        // It takes no traffic: to zero and back, every instance new.
        println!(
            "{idle}: replacing its {} instance(s) of an earlier launch (a rollback window it had is given up)",
            stale.len()
        );
        fleet.resize(&idle, 0)?;
        wait_empty(fleet, &idle, timing)?;
        fleet.resize(&idle, count as i32)?;
    }
    if fleet.aws.local {
        println!("emulator: moto records no load balancer metrics: the bakes' 5xx share of `{idle}` sees only metric data put into CloudWatch by hand");
    }
    println!("{idle}: version {version}; waiting until its {count} target(s) are healthy");
    if let Err(e) = wait_healthy(fleet, &idle, count, stale, timing) {
        let after = retire(fleet, staged, staged, &idle);
        bail!("{e:#}; no traffic moved: {after}");
    }
    let mut at = staged.clone();
    for step in steps {
        let weighted = staged.weighted(&idle, *step);
        let trouble = fleet.shift(&at, &weighted).and_then(|()| {
            at = weighted.clone();
            println!(
                "traffic: {idle} {step} %, {live} {} %; baking {} s",
                100 - step,
                timing.bake.as_secs()
            );
            bake(fleet, &idle, count, timing)
        });
        if let Err(trouble) = trouble {
            let after = retire(fleet, &at, staged, &idle);
            bail!("{trouble:#} at {step} % on `{idle}` ({version}): the shift is undone, {after}");
        }
    }
    let until = minutes_from_now(fleet.env.deployment.rollback_timeout_minutes);
    let switched = staged.switched(&idle, &until);
    fleet.write_state(&switched)?;
    println!(
        "live: {idle} ({version}); {live} ({}) stays up for rollback until {until}",
        staged.live_version()
    );
    // Terraform plans the colour at zero after `until` anyway; the scheduled action does it
    // without a deploy.
    if let Err(e) = fleet.schedule_scale_down(&live, &until) {
        eprintln!("warning: the scale-down of `{live}` at {until} is not scheduled ({e:#}); the first deploy after it scales `{live}` to zero");
    }
    Ok(switched)
}

/// Replace the one group's instances a batch at a time: the group surges by a batch, the new
/// instances must be healthy, then as many old ones go. Returns how many were replaced.
pub fn roll(fleet: &Fleet, colour: &str, timing: Timing) -> Result<usize> {
    let env = fleet.env;
    let count = env.compute.instance_count as i32;
    let old = fleet.group(colour)?.instances;
    let batch = (env.deployment.batch_size as usize).max(1);
    let batches = old.len().div_ceil(batch);
    let mut replaced = 0;
    for (i, chunk) in old.chunks(batch).enumerate() {
        println!(
            "rolling batch {}/{batches}: {} new instance(s), then {} old one(s) go",
            i + 1,
            chunk.len(),
            chunk.len()
        );
        let present = fleet.group(colour)?.instances;
        fleet.set_desired(colour, count + chunk.len() as i32)?;
        let expected = replaced + chunk.len();
        if let Err(e) = wait_healthy(fleet, colour, expected, &old, timing) {
            // This batch's new instances go again; the group is back at its count.
            let fresh: Vec<String> = fleet
                .group(colour)?
                .instances
                .into_iter()
                .filter(|id| !present.contains(id))
                .collect();
            for id in &fresh {
                fleet.terminate(id)?;
            }
            bail!(
                "{e:#}; the roll stopped at batch {}/{batches}: {replaced} instance(s) run the new version, {} the old one",
                i + 1,
                old.len() - replaced
            );
        }
        for id in chunk {
            fleet.terminate(id)?;
        }
        replaced += chunk.len();
    }
    Ok(replaced)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::summary::Change;

    fn changing(address: &str, action: PlanAction) -> PlanSummary {
        PlanSummary {
            changes: vec![Change {
                address: address.into(),
                action,
                import_id: None,
                attributes: Vec::new(),
            }],
            ..PlanSummary::default()
        }
    }

    #[test]
    fn a_live_launch_template_changed_in_place_is_released_blue_green() {
        let production = infra::environments::production().build().unwrap();
        let current = ReleaseState::initial(&production);
        let live = current.live.clone();
        let mut release = Release {
            current: current.clone(),
            next: None,
        };
        let template = format!("module.compute.aws_launch_template.this[\"{live}\"]");
        // Another colour's template, a replacement or another resource stage nothing.
        let idle = "module.compute.aws_launch_template.this[\"other\"]";
        for summary in [
            changing(idle, PlanAction::Update),
            changing(&template, PlanAction::Replace),
            changing("module.alb.aws_lb.this[0]", PlanAction::Update),
        ] {
            assert!(!release.stage_template_change(&production, &summary));
            assert!(release.next.is_none());
        }
        let summary = changing(&template, PlanAction::Update);
        assert!(release.stage_template_change(&production, &summary));
        let staged = release.next.clone().unwrap();
        let to = staged.releasing().unwrap().to_string();
        assert_ne!(to, live);
        assert_eq!(staged.colour(&to).version, current.live_version());
        assert_eq!(staged.live, live);
        // Once staged (or with --version), nothing more; a rolling environment rolls instead.
        assert!(!release.stage_template_change(&production, &summary));
        let staging = infra::environments::staging().build().unwrap();
        let mut rolling = Release {
            current: ReleaseState::initial(&staging),
            next: None,
        };
        let template = "module.compute.aws_launch_template.this[\"app\"]";
        assert!(!rolling.stage_template_change(&staging, &changing(template, PlanAction::Update)));
        assert!(template_changed(
            &changing(template, PlanAction::Update),
            "app"
        ));
    }
}
