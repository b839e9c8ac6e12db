//! `cargo xtask setup-backend <env> [--check | --fix | --dry-run]`: the Terraform state bucket
//! and lock table of an environment, created to the spec in `infra::expect`, idempotently
//! (`crate::backend`). It adds what is absent, reports what drifted (repairs it only with
//! `--fix`), and never deletes a bucket, a table, an object or a version.

use crate::aws::Aws;
use crate::backend::{self, Converged, Mode};
use crate::project::Project;
use crate::s3::{Observation, State};
use crate::table;
use anyhow::Result;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct SetupBackend {
    /// Environment (else --env, MHT_ENV or the switched one)
    #[arg(value_name = "ENV")]
    environment: Option<String>,
    /// Change nothing; exit 1 if anything is missing or drifted (for CI)
    #[arg(long, conflicts_with_all = ["fix", "dry_run"])]
    check: bool,
    /// Also repair settings that drifted from the spec
    #[arg(long)]
    fix: bool,
    /// Change nothing; print the calls a run with the same flags would make
    #[arg(long)]
    dry_run: bool,
    /// Run by `demo`/`bench`, whose step heading already names the environment.
    #[arg(skip)]
    by_tool: bool,
}

/// What happens to one observed setting in this run.
fn action(o: &Observation, mode: Mode) -> &'static str {
    if o.check == "exists" && o.state == State::Absent {
        return match mode {
            Mode::Check => "MISSING",
            Mode::DryRun { .. } => "would create",
            Mode::Apply { .. } => "created",
        };
    }
    match (o.state, mode) {
        (State::Ok, _) => "ok",
        (State::Skipped, _) => "skipped (emulator)",
        (State::Absent, Mode::Check) => "MISSING",
        (State::Absent, Mode::DryRun { .. }) => "would set",
        (State::Absent, Mode::Apply { .. }) => "set",
        (State::Different, Mode::Check) => "DRIFT",
        (State::Different, Mode::DryRun { repair: true }) => "would repair",
        (State::Different, Mode::Apply { repair: true }) => "repaired",
        (State::Different, _) => "DRIFT (not changed; --fix repairs it)",
    }
}

/// Every setting, expected and found, with what this run does to it.
fn print_rows(rows: &[Observation], mode: Mode) {
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|o| {
            vec![
                o.resource.clone(),
                o.check.to_string(),
                o.expected.clone(),
                o.actual.clone(),
                action(o, mode).to_string(),
            ]
        })
        .collect();
    print!(
        "{}",
        table::render(
            &["resource", "setting", "expected", "found", "action"],
            &rows
        )
    );
}

fn print_calls(heading: &str, calls: &[String]) {
    println!("\n{heading}");
    for c in calls {
        println!("  {c}");
    }
}

/// The closing lines and the exit code: `--check` fails on anything missing or drifted, an
/// apply without `--fix` on drift it left alone.
fn conclude(name: &str, mode: Mode, done: &Converged) -> ExitCode {
    let count = |of: fn(State) -> bool| done.rows.iter().filter(|o| of(o.state)).count();
    let not_ok = count(|s| !matches!(s, State::Ok | State::Skipped));
    let drift = count(|s| s == State::Different);
    match mode {
        Mode::Check if not_ok == 0 => {
            println!("\n`{name}` backend matches the spec");
            ExitCode::SUCCESS
        }
        Mode::Check => {
            eprintln!("\nerror: {not_ok} settings missing or drifted; run `cargo xtask setup-backend {name}` (add --fix for drift)");
            ExitCode::FAILURE
        }
        Mode::DryRun { .. } if done.calls.is_empty() => {
            println!("\ndry run: no calls needed");
            ExitCode::SUCCESS
        }
        Mode::DryRun { .. } => {
            print_calls("dry run: would call", &done.calls);
            ExitCode::SUCCESS
        }
        Mode::Apply { repair } => {
            if done.calls.is_empty() {
                println!("\nno changes: `{name}` backend already matches the spec");
            } else {
                print_calls("changed:", &done.calls);
            }
            if !repair && drift > 0 {
                eprintln!(
                    "\nerror: {drift} settings drifted from the spec and were not changed; review them, then run `cargo xtask setup-backend {name} --fix`"
                );
                return ExitCode::FAILURE;
            }
            ExitCode::SUCCESS
        }
    }
}

impl SetupBackend {
    /// `setup-backend <env>` as the demo and the bench run it.
    pub fn apply(env: &str) -> SetupBackend {
        SetupBackend {
            environment: Some(env.to_string()),
            check: false,
            fix: false,
            dry_run: false,
            by_tool: true,
        }
    }

    fn mode(&self) -> Mode {
        if self.check {
            Mode::Check
        } else if self.dry_run {
            Mode::DryRun { repair: self.fix }
        } else {
            Mode::Apply { repair: self.fix }
        }
    }

    pub fn run(self, p: &Project) -> Result<ExitCode> {
        let name = p.selected(self.environment.as_deref())?;
        let mode = self.mode();
        if matches!(mode, Mode::Apply { .. }) && !self.by_tool {
            name.announce();
        }
        let env = p.environment(&name)?;
        let aws = Aws::connect(p, &env)?;
        println!(
            "setup-backend `{name}` on {} (account {})",
            aws.target, env.account_id
        );
        let caller = aws.guard_account(&env)?;
        println!("caller: {caller}");
        let done = backend::converge(&aws, &env, mode)?;
        print_rows(&done.rows, mode);
        Ok(conclude(&name, mode, &done))
    }
}
