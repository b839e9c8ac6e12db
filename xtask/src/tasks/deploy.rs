//! `cargo xtask deploy <env>`, `destroy <env>` and `history <env>`: Terraform with a plan
//! summary, confirmation, production guards, a progress bar, post-deploy checks, a record in the
//! environment's state bucket, and a Discord notification where the environment asks for one.

use crate::aws::Aws;
use crate::backend::release_lock;
use crate::backend::state_lock::retry_own_lock;
use crate::fleet::Fleet;
use crate::interrupt;
use crate::planning::{plan_env, saved_plan};
use crate::project::{shown, shown_at_most, Project};
use crate::prompt::in_ci;
use crate::records::{self, Action, Outcome, Record};
use crate::release::{self, Release, Timing};
use crate::{git, table};
use anyhow::{bail, Result};
use infra::release::ReleaseState;
use infra::Environment;
use std::process::ExitCode;
use std::time::{Duration, Instant};

#[derive(clap::Args)]
pub struct Deploy {
    /// Environment (else --env, MHT_ENV or the switched one)
    #[arg(value_name = "ENV")]
    environment: Option<String>,
    /// Apply without asking (protected environments: only in CI, with CI=true)
    #[arg(long)]
    yes: bool,
    /// Deploy a protected environment although this commit has no successful deployment to the
    /// previous environment; the override is recorded
    #[arg(long)]
    skip_promotion_gate: bool,
    /// Skip the post-deploy live checks
    #[arg(long)]
    no_checks: bool,
    /// Apply exactly this plan, saved by `cargo xtask plan` (refused when made for another
    /// environment or commit, changed since, or stale)
    #[arg(long, value_name = "FILE")]
    plan: Option<std::path::PathBuf>,
    /// Release this version (image tag): rolled onto a rolling environment, put on the idle
    /// colour of a blue-green one; without it the version live is kept
    #[arg(long, value_name = "TAG", conflicts_with = "plan", value_parser = crate::release::version_tag)]
    version: Option<String>,
    /// Blue-green: shift traffic in these steps (percent on the new colour, e.g. `10,50,100`),
    /// baking after each; default: the environment's `deployment.canary`
    #[arg(long, value_name = "STEPS", value_parser = canary_steps)]
    canary: Option<Steps>,
    /// Run by `demo`/`bench` on the emulator: the confirmation is theirs (never from the CLI).
    #[arg(skip)]
    on_emulator_by_tool: bool,
}

#[derive(clap::Args)]
pub struct Destroy {
    /// Environment (else --env, MHT_ENV or the switched one)
    #[arg(value_name = "ENV")]
    environment: Option<String>,
}

#[derive(clap::Args)]
pub struct History {
    /// Environment (else --env, MHT_ENV or the switched one)
    #[arg(value_name = "ENV")]
    environment: Option<String>,
}

/// Post the result to the environment's Discord webhook, if it has one. Never fails the deploy;
/// never prints the URL.
pub(crate) fn notify(env: &Environment, text: &str) {
    if !env.deployment.discord_notifications {
        return;
    }
    let var = &env.deployment.discord_webhook_env;
    let Some(url) = std::env::var(var).ok().filter(|u| !u.is_empty()) else {
        eprintln!(
            "note: `{}` notifies Discord, but {var} is not set: no notification sent",
            env.name
        );
        return;
    };
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(5)))
        .build()
        .into();
    let body = serde_json::json!({"content": text, "username": "mht-api deploy"}).to_string();
    match agent
        .post(&url)
        .header("Content-Type", "application/json")
        .send(body)
    {
        Ok(_) => println!("notified Discord ({var})"),
        Err(ureq::Error::StatusCode(code)) => eprintln!(
            "warning: the Discord webhook ({var}) answered HTTP {code}; the deploy itself stands"
        ),
        Err(_) => eprintln!(
            "warning: could not reach the Discord webhook ({var}); the deploy itself stands"
        ),
    }
}

/// Canary steps, percent of traffic on the new colour.
#[derive(Clone, Debug)]
pub struct Steps(Vec<u32>);

/// `--canary`'s parser: `10,50,100`.
fn canary_steps(text: &str) -> Result<Steps, String> {
    infra::release::parse_canary(text).map(Steps)
}

/// An interrupt held through the apply stops the deploy here (a blue-green one has recorded
/// the state Terraform applied).
const INTERRUPTED_BEFORE_RELEASE: &str =
    "after the apply: the changes are applied; the release and the post-deploy checks did not run";

/// Fails with "interrupted" when a signal came in; `when` says what that leaves.
fn stop_if_interrupted(when: &str) -> Result<()> {
    if interrupt::interrupted() {
        bail!("interrupted {when}");
    }
    Ok(())
}

/// Exit code 130 once an interrupted run is recorded, naming a state lock left behind (after a
/// second interrupt) and the command that releases it.
fn interrupted(aws: &Aws, env: &Environment) -> ExitCode {
    match crate::backend::state_lock::held(aws, env) {
        Ok(Some(lock)) => eprintln!(
            "interrupted: the state of `{}` is still locked ({}); once no Terraform runs for it, release it with `{}`",
            env.name,
            lock.describe(),
            lock.unlock_command(&env.name)
        ),
        Ok(None) => eprintln!("interrupted: no state lock is left; run the deploy again to converge"),
        Err(e) => eprintln!("interrupted; could not read the state lock: {e:#}"),
    }
    ExitCode::from(interrupt::EXIT_CODE)
}

/// Whether `commit` has a successful deployment to `prev` recorded by one of `prev`'s deployers.
/// Records of the commit by anyone else are ignored, each named with its caller. On the emulator,
/// which has no deploy role, the identity this run uses (`caller`) counts as a deployer too.
fn promoted(
    aws: &Aws,
    prev: &Environment,
    commit: &str,
    version: Option<&str>,
    caller: &str,
) -> Result<bool> {
    let mut promoted = false;
    let records = records::list(aws, prev)?;
    let successes = records.iter().filter(|r| {
        r.action == Action::Deploy
            && r.commit == commit
            && r.succeeded()
            && version.is_none_or(|v| r.version.as_deref() == Some(v))
    });
    for r in successes {
        if records::by_deployer(aws, prev, caller, r) {
            promoted = true;
        } else {
            eprintln!(
                "note: ignoring the successful deployment of {} to `{}` recorded at {}: its caller `{}` is not a deployer of `{}` ({})",
                short(commit),
                prev.name,
                shown(&r.started_at),
                shown_at_most(&r.caller, 256),
                prev.name,
                prev.deployers().join(", ")
            );
        }
    }
    Ok(promoted)
}

/// The version a saved plan releases (the one its release state puts on a colour), checked
/// like the plan itself before the promotion gate reads it.
fn saved_version(
    env: &Environment,
    file: &std::path::Path,
    commit: &str,
) -> Result<Option<String>> {
    let meta = crate::planning::check_saved(env, file, commit)?;
    let Some(text) = meta.release else {
        return Ok(None);
    };
    let state = ReleaseState::parse(env, &text).map_err(anyhow::Error::msg)?;
    let colour = state.releasing().unwrap_or(&state.live).to_string();
    Ok(Some(state.colour(&colour).version.clone()))
}

/// The first 12 characters of a commit id.
fn short(commit: &str) -> &str {
    &commit[..12.min(commit.len())]
}

/// Notify Discord where the environment asks for it, and print the phase durations.
fn report(env: &Environment, record: &Record) {
    let icon = if record.succeeded() {
        "deployed"
    } else {
        "FAILED to deploy"
    };
    let version = record
        .version
        .as_ref()
        .map(|v| format!(" version {v}"))
        .unwrap_or_default();
    let release = record
        .release
        .as_ref()
        .map(|r| format!(", release {r}"))
        .unwrap_or_default();
    notify(
        env,
        &format!(
            "mht-api `{}` {icon} commit {}{version} ({} to add, {} to change, {} to destroy{release}): {}",
            env.name,
            short(&record.commit),
            record.add,
            record.change,
            record.destroy,
            record.result
        ),
    );
    let rows: Vec<Vec<String>> = record
        .durations
        .iter()
        .map(|(k, v)| vec![k.clone(), format!("{v:.1} s")])
        .collect();
    if !rows.is_empty() {
        print!("{}", table::render(&["phase", "time"], &rows));
    }
}

struct Phases(Vec<(String, f64)>);

impl Phases {
    fn add(&mut self, name: &str, since: Instant) {
        self.0
            .push((name.to_string(), since.elapsed().as_secs_f64()));
    }
}

impl Deploy {
    /// `deploy <env> --yes`, as the demo and the bench run it on the emulator (and only there:
    /// against AWS a protected environment still needs CI=true).
    pub fn confirmed(env: &str) -> Deploy {
        Deploy {
            environment: Some(env.to_string()),
            yes: true,
            skip_promotion_gate: false,
            no_checks: false,
            plan: None,
            version: None,
            canary: None,
            on_emulator_by_tool: true,
        }
    }

    /// [`Deploy::confirmed`], releasing `version`.
    pub fn confirmed_release(env: &str, version: &str) -> Deploy {
        Deploy {
            version: Some(version.to_string()),
            ..Deploy::confirmed(env)
        }
    }

    pub fn run(self, p: &Project) -> Result<ExitCode> {
        let started = Instant::now();
        let name = p.selected(self.environment.as_deref())?;
        if !self.on_emulator_by_tool {
            name.announce();
        }
        let env = p.environment(&name)?;
        let aws = Aws::connect(p, &env)?;
        println!(
            "deploy `{name}` on {} (account {})",
            aws.target, env.account_id
        );
        let caller = aws.guard_account(&env)?;
        let commit = git::head(&p.root)?;
        let mut record = Record {
            environment: name.clone(),
            action: Action::Deploy,
            commit: commit.clone(),
            started_at: git::utc_now(),
            caller,
            user: git::user(&p.root),
            ..Record::default()
        };
        // Guards: all before Terraform changes anything; refusals are not deployments.
        self.guard(p, &env, &aws, &mut record)?;
        // From here an interrupt stops Terraform gracefully and is recorded, and the release
        // lock (refused at once while another run holds it) is released however the run ends.
        let _interrupts = interrupt::guard();
        let lock = release_lock::take(&aws, &env, &self.operation(), "deploy")?;
        let result = self.deploy(p, &env, &aws, &mut record);
        record.finished_at = git::utc_now();
        record.result = match &result {
            Ok((r, _)) => r.clone(),
            Err(e) => Outcome::failed(e),
        };
        match records::put(&aws, &env, &record) {
            Ok(key) => println!("record: s3://{}/{key}", env.names.state_bucket),
            Err(e) => eprintln!("warning: could not store the deployment record: {e:#}"),
        }
        report(&env, &record);
        lock.release();
        if record.result == Outcome::Interrupted {
            // What the interrupt left (a shift undone, a roll stopped) is said before the lock.
            if let Err(e) = &result {
                eprintln!("error: {e:#}");
            }
            return Ok(interrupted(&aws, &env));
        }
        result.map(|(outcome, terraform)| {
            let total = started.elapsed().as_secs_f64();
            let own = (total - terraform).max(0.0);
            println!(
                "time: {total:.1} s in all, {terraform:.1} s in Terraform, {own:.2} s the tool's own ({:.1} %)",
                100.0 * own / total.max(f64::EPSILON)
            );
            println!("result: {outcome}");
            ExitCode::SUCCESS
        })
    }

    /// What the release lock names this run: `deploy`, `deploy --version 2.0`,
    /// `deploy --plan staging.tfplan`.
    fn operation(&self) -> String {
        let file = |f: &std::path::PathBuf| {
            f.file_name()
                .map_or_else(|| f.display().to_string(), |n| n.to_string_lossy().into())
        };
        match (&self.version, &self.plan) {
            (Some(v), _) => format!("deploy --version {v}"),
            (None, Some(f)) => format!("deploy --plan {}", file(f)),
            (None, None) => "deploy".into(),
        }
    }

    /// The promotion gate, then a protected environment's guards: a clean work tree, `--yes` only
    /// in CI. Records a gate override in `record`.
    fn guard(&self, p: &Project, env: &Environment, aws: &Aws, record: &mut Record) -> Result<()> {
        let (name, commit) = (&env.name, &record.commit);
        let report = infra::validate(p.builders());
        if let Some(prev) = infra::promotion::previous(&report.environments, env) {
            let saved = match &self.plan {
                Some(file) => saved_version(env, file, commit)?,
                None => None,
            };
            let version = self.version.as_deref().or(saved.as_deref());
            if !promoted(aws, prev, commit, version, &record.caller)? {
                if !self.skip_promotion_gate {
                    let (what, flag) = match version {
                        Some(v) => (
                            format!("commit {} with version {v}", short(commit)),
                            format!(" --version {v}"),
                        ),
                        None => (format!("commit {}", short(commit)), String::new()),
                    };
                    bail!(
                        "refusing to deploy `{name}`: {what} has no successful deployment to `{}`; run `cargo xtask deploy {}{flag}` first (or pass --skip-promotion-gate, which is recorded)",
                        prev.name,
                        prev.name
                    );
                }
                eprintln!("warning: promotion gate overridden; this is recorded");
                record.promotion_gate_override = true;
            }
        }
        if env.protected {
            let dirty = git::dirty(&p.root)?;
            if !dirty.is_empty() {
                bail!(
                    "refusing to deploy `{name}`: the work tree has uncommitted changes ({}); commit or stash them so that what is deployed is a commit",
                    dirty.join(", ")
                );
            }
            // The demo and the bench confirm for themselves, and only on the emulator.
            let tool_confirmed = self.on_emulator_by_tool && aws.local;
            if self.yes && !in_ci() && !tool_confirmed {
                bail!("refusing --yes for protected `{name}` outside CI (CI=true); run without --yes and type the name");
            }
        }
        Ok(())
    }

    /// `--yes`, else the confirmation typed (the name of a protected environment, else `yes`);
    /// Ctrl-C at the prompt stops the run: nothing is applied, the release lock is released, the
    /// run is recorded as interrupted. Without a terminal it refuses, naming `--yes` (and CI for
    /// a protected environment).
    fn confirm(&self, env: &Environment) -> Result<bool> {
        if self.yes {
            return Ok(true);
        }
        let (prompt, expected, way_out) = if env.protected {
            let prompt = format!(
                "type `{}` to apply these changes to this protected environment: ",
                env.name
            );
            let way_out = "a protected environment deploys without a terminal only in CI (CI=true) with --yes";
            (prompt, env.name.as_str(), way_out)
        } else {
            let prompt = format!("apply these changes to `{}`? type `yes`: ", env.name);
            (prompt, "yes", "pass --yes to apply without asking")
        };
        let nothing = format!("nothing applied to `{}`", env.name);
        crate::prompt::confirmed_holding(&prompt, expected, way_out, &nothing)
    }

    /// After the apply: record the release state Terraform applied, then release it (blue-green
    /// or rolling). `Ok(true)` when something was released.
    fn release(
        &self,
        fleet: &Fleet,
        current: &ReleaseState,
        next: Option<ReleaseState>,
        stale: &[String],
        summary: &crate::summary::PlanSummary,
        record: &mut Record,
    ) -> Result<bool> {
        let env = fleet.env;
        record.version = Some(current.live_version().to_string());
        let blue_green_release =
            env.deployment.blue_green && next.as_ref().is_some_and(|s| s.releasing().is_some());
        if self.canary.is_some() && !blue_green_release {
            eprintln!("note: --canary steps a blue-green release only; nothing here shifts traffic, so it is ignored");
        }
        if env.deployment.blue_green {
            // The state Terraform applied is recorded first: it holds the new colour's capacity.
            if let Some(state) = &next {
                fleet.write_state(state)?;
            }
            stop_if_interrupted(INTERRUPTED_BEFORE_RELEASE)?;
            let Some(staged) = next.filter(|s| s.releasing().is_some()) else {
                return Ok(false);
            };
            let steps = self
                .canary
                .as_ref()
                .map_or(&env.deployment.canary, |s| &s.0);
            let to = staged.releasing().unwrap_or_default().to_string();
            let version = staged.colour(&to).version.clone();
            record.release = Some(format!("{} → {to} ({version})", staged.live));
            let timing = Timing::of(env, fleet.aws);
            let switched = release::blue_green(fleet, &staged, stale, steps, timing)?;
            record.version = Some(switched.live_version().to_string());
            return Ok(true);
        }
        // Rolling: a new version, or a launch template changed in place, replaces the instances;
        // the new state is written once they all run it (after a failed roll the parameter
        // still names the version that runs, and the next deploy rolls again).
        stop_if_interrupted(INTERRUPTED_BEFORE_RELEASE)?;
        let colour = current.live.clone();
        let changed = release::template_changed(summary, &colour);
        let new_version = next
            .as_ref()
            .is_some_and(|s| s.live_version() != current.live_version());
        if changed || new_version {
            let replaced = release::roll(fleet, &colour, Timing::of(env, fleet.aws))?;
            record.release = Some(format!("rolled {replaced} instance(s)"));
            println!("rolled: {replaced} instance(s) replaced");
        }
        if let Some(state) = &next {
            fleet.write_state(state)?;
            record.version = Some(state.live_version().to_string());
        }
        Ok(changed || new_version)
    }

    /// Plan, confirm, apply, check. `Ok(Success | NoChanges)`; nothing applied on refusal.
    fn deploy(
        &self,
        p: &Project,
        env: &Environment,
        aws: &Aws,
        record: &mut Record,
    ) -> Result<(Outcome, f64)> {
        stop_if_interrupted("before the plan: nothing applied")?;
        let mut phases = Phases(Vec::new());
        let start = Instant::now();
        let fleet = Fleet::new(aws, env);
        let mut release = Release::plan(&fleet, self.version.as_deref())?;
        let planned = match &self.plan {
            Some(file) => saved_plan(p, env, aws, file, &record.commit),
            None => release.planned(env, |state| plan_env(p, env, aws, state)),
        };
        phases.add("plan", start);
        record.durations = phases.0.clone();
        let planned = planned?;
        stop_if_interrupted("after the plan: nothing applied")?;
        let s = &planned.summary;
        (record.add, record.change, record.destroy) = (s.add, s.change, s.destroy);
        if self.plan.is_some() {
            println!(
                "saved plan `{}`, made {} (sha256 {} checked)",
                planned.plan_file.display(),
                planned.meta.created,
                &planned.meta.sha256[..16]
            );
        }
        print!("{}", s.text(&env.name));
        println!("terraform log: {}", planned.run.log.display());
        // A saved plan carries the release it was made with.
        let next = match &planned.meta.release {
            Some(text) => Some(ReleaseState::parse(env, text).map_err(anyhow::Error::msg)?),
            None => release.next.clone(),
        };
        // A release asks too when Terraform has nothing to change (a version staged before).
        if (!s.is_empty() || next.is_some()) && !self.confirm(env)? {
            bail!("not confirmed: nothing applied to `{}`", env.name);
        }
        let stale = release::stale(&fleet, next.as_ref())?;
        let outcome = if s.is_empty() {
            Outcome::NoChanges
        } else {
            stop_if_interrupted("before the apply: nothing applied")?;
            let start = Instant::now();
            let applied = retry_own_lock(env, aws, "apply", || {
                planned.run.apply(&planned.plan_file, s.changes.len())
            });
            phases.add("apply", start);
            record.durations = phases.0.clone();
            applied?;
            Outcome::Success
        };
        let start = Instant::now();
        let released = self.release(
            &fleet,
            &release.current,
            next,
            &stale,
            &planned.summary,
            record,
        );
        phases.add("release", start);
        record.durations = phases.0.clone();
        let outcome = if released? { Outcome::Success } else { outcome };
        stop_if_interrupted(
            "after the apply: the changes are applied, the post-deploy checks did not run",
        )?;
        if !self.no_checks {
            let start = Instant::now();
            let checked = post_deploy_checks(aws, env);
            phases.add("checks", start);
            record.durations = phases.0.clone();
            checked?;
        }
        Ok((outcome, planned.run.spent.get().as_secs_f64()))
    }
}

/// `test-s3` and `test-sqs` of the deployed environment; `Err` lists every failed check.
fn post_deploy_checks(aws: &Aws, env: &Environment) -> Result<()> {
    let mut checks = crate::live::s3::checks(aws, env);
    checks.extend(crate::live::sqs::checks(aws, env, false));
    let failed: Vec<String> = checks
        .iter()
        .filter(|c| !c.passed)
        .map(|c| {
            format!(
                "{} {}: expected {}, found {}",
                c.resource, c.check, c.expected, c.found
            )
        })
        .collect();
    println!(
        "post-deploy checks: {} passed, {} failed",
        checks.len() - failed.len(),
        failed.len()
    );
    if !failed.is_empty() {
        bail!("post-deploy checks failed:\n  {}", failed.join("\n  "));
    }
    Ok(())
}

impl Destroy {
    pub fn run(self, p: &Project) -> Result<ExitCode> {
        let name = p.selected(self.environment.as_deref())?;
        name.announce();
        let env = p.environment(&name)?;
        refuse_protected_destroy(&env)?;
        let aws = Aws::connect(p, &env)?;
        println!(
            "destroy `{name}` on {} (account {})",
            aws.target, env.account_id
        );
        let caller = aws.guard_account(&env)?;
        crate::planning::backend_ready(&aws, &env)?;
        // The release lock for the whole destroy (refused at once while a deploy or rollback
        // releases); an interrupt from here stops the destroy and releases the lock.
        let _interrupts = interrupt::guard();
        let _lock = release_lock::take(&aws, &env, "destroy", "destroy")?;
        let run = crate::terraform::prepare(p, &env, &aws)?;
        // Planned first, so that what goes is shown before the name is typed.
        let plan_file = p
            .private_dir("plans")?
            .join(format!("{name}.destroy.tfplan"));
        let planning = Instant::now();
        let planned = retry_own_lock(&env, &aws, "plan", || run.plan_destroy(&plan_file));
        let plan_seconds = planning.elapsed().as_secs_f64();
        if interrupt::interrupted() {
            eprintln!("interrupted during the plan: nothing destroyed");
            return Ok(interrupted(&aws, &env));
        }
        let planned = planned?;
        if planned.destroy == 0 {
            println!("nothing to destroy: `{name}` has no resources in its state");
            return Ok(ExitCode::SUCCESS);
        }
        print!("{}", planned.text(&name));
        confirm_destroy(&name, planned.destroy)?;
        let (start, started_at) = (Instant::now(), git::utc_now());
        let result = retry_own_lock(&env, &aws, "apply", || {
            run.apply(&plan_file, planned.changes.len())
        });
        let _ = std::fs::remove_file(&plan_file);
        let record = Record {
            environment: name.clone(),
            action: Action::Destroy,
            result: match &result {
                Ok(_) => Outcome::Success,
                Err(e) => Outcome::failed(e),
            },
            commit: git::head(&p.root).unwrap_or_default(),
            started_at,
            finished_at: git::utc_now(),
            caller,
            user: git::user(&p.root),
            durations: vec![
                ("plan".into(), plan_seconds),
                ("destroy".into(), start.elapsed().as_secs_f64()),
            ],
            ..Record::default()
        };
        if let Err(e) = records::put(&aws, &env, &record) {
            eprintln!("warning: could not store the record: {e:#}");
        }
        if record.result == Outcome::Interrupted {
            return Ok(interrupted(&aws, &env));
        }
        result?;
        println!(
            "destroyed `{name}` in {:.1} s (terraform log: {})",
            start.elapsed().as_secs_f64(),
            run.log.display()
        );
        Ok(ExitCode::SUCCESS)
    }
}

/// The name typed at a terminal to delete `count` resources of `name`; a Ctrl-C there stops
/// the destroy (the release lock is released on the way out).
fn confirm_destroy(name: &str, count: usize) -> Result<()> {
    let confirmed = crate::prompt::confirmed_holding(
        &format!("this deletes these {count} resources of `{name}`; type `{name}` to confirm: "),
        name,
        "destroy has no --yes: run it at a terminal and type the name",
        "nothing destroyed",
    )?;
    if !confirmed {
        bail!("not confirmed: nothing destroyed");
    }
    Ok(())
}

/// A protected environment is never destroyed, and one whose load balancer or table refuses
/// deletion would fail halfway through: both are refused before anything runs, with the way
/// to retire the environment.
fn refuse_protected_destroy(env: &infra::Environment) -> Result<()> {
    let name = &env.name;
    let retire = format!(
        "to retire it, switch these off in its definition (infra/src/environments.rs), run `cargo xtask render` and `cargo xtask deploy {name}`, then destroy"
    );
    if env.protected {
        bail!("refusing to destroy `{name}`: it is protected; this tool never destroys a protected environment; {retire}: `.protected()`, `compute.deletion_protection`, `dynamodb.deletion_protection`");
    }
    let on: Vec<&str> = [
        (
            "`compute.deletion_protection`",
            env.compute.deletion_protection,
        ),
        (
            "`dynamodb.deletion_protection`",
            env.dynamodb.deletion_protection,
        ),
    ]
    .into_iter()
    .filter_map(|(what, on)| on.then_some(what))
    .collect();
    if !on.is_empty() {
        bail!(
            "refusing to destroy `{name}`: deletion protection is on, AWS would refuse those deletions halfway through; {retire}: {}",
            on.join(", ")
        );
    }
    Ok(())
}

impl History {
    pub fn run(self, p: &Project) -> Result<ExitCode> {
        let name = p.selected(self.environment.as_deref())?;
        let env = p.environment(&name)?;
        let aws = Aws::connect(p, &env)?;
        aws.guard_account(&env)?;
        let list = records::list(&aws, &env)?;
        if list.is_empty() {
            println!("no deployments of `{name}` recorded");
            return Ok(ExitCode::SUCCESS);
        }
        let rows: Vec<Vec<String>> = list
            .iter()
            .rev()
            .map(|r| {
                vec![
                    r.started_at.clone(),
                    r.action.to_string(),
                    r.commit.chars().take(12).collect(),
                    r.version.clone().unwrap_or_default(),
                    r.result.to_string(),
                    format!("+{} ~{} -{}", r.add, r.change, r.destroy),
                    r.user.clone(),
                    [
                        r.promotion_gate_override
                            .then(|| "gate overridden".to_string()),
                        r.release.clone(),
                    ]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join("; "),
                ]
            })
            .collect();
        print!(
            "{}",
            table::render(
                &["started", "action", "commit", "version", "result", "changes", "by", "note"],
                &rows
            )
        );
        Ok(ExitCode::SUCCESS)
    }
}

#[cfg(test)]
mod tests {
    use super::refuse_protected_destroy;
    use infra::environments::{production, staging};

    #[test]
    fn destroy_names_the_switches_that_block_it() {
        let err = refuse_protected_destroy(&production().build().unwrap()).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("it is protected"), "{text}");
        assert!(text.contains("`dynamodb.deletion_protection`"), "{text}");
        let guarded = staging()
            .dynamodb(|d| d.deletion_protection = true)
            .build()
            .unwrap();
        let text = refuse_protected_destroy(&guarded).unwrap_err().to_string();
        assert!(text.contains("deletion protection is on"), "{text}");
        assert!(text.contains("`dynamodb.deletion_protection`"), "{text}");
        assert!(!text.contains("`compute.deletion_protection`"), "{text}");
        assert!(refuse_protected_destroy(&staging().build().unwrap()).is_ok());
    }
}
