//! `cargo xtask bench [--runs N] [--static]`: the figures the issues ask for, on this machine —
//! static validate, render, validate of 100 generated environments, and on the local emulator
//! test-s3, test-sqs, a staging deploy with no changes, `plan --all` at once against one by
//! one, and a rollback of the last environment of the promotion order once it released a
//! version — each as the median of N runs with min and max. Figures only: no thresholds.

use crate::aws::Aws;
use crate::parallel::Jobs;
use crate::project::Project;
use crate::{local, table};
use anyhow::{bail, Result};
use infra::EnvironmentBuilder;
use std::process::ExitCode;
use std::time::{Duration, Instant};

/// The version the bench releases before it measures rollbacks.
const BENCH_VERSION: &str = "bench";

/// The most runs per figure `--runs` accepts: enough for any figure, far from any overflow.
const MAX_RUNS: u64 = 10_000;

#[derive(clap::Args)]
pub struct Bench {
    /// Runs per figure, 1 to 10000 (the static figures run 20 times as many)
    #[arg(long, default_value_t = 5, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=MAX_RUNS))]
    runs: usize,
    /// Only the figures that need no emulator and no Terraform
    #[arg(long = "static")]
    static_only: bool,
}

/// `n` distinct, valid environments: `base`'s description under other names, CIDRs and hosts.
pub fn generated(base: &EnvironmentBuilder, n: usize) -> Vec<EnvironmentBuilder> {
    (0..n)
        .map(|i| {
            let name = format!("env{i:03}");
            let host = format!("{name}.api.amygdalas.com");
            let net = i + 2;
            base.clone()
                .named(&name)
                .network(|nw| {
                    nw.vpc_cidr = format!("10.{net}.0.0/16");
                    nw.subnet_cidrs = (1..=3).map(|s| format!("10.{net}.{s}.0/24")).collect();
                })
                .dns(|d| {
                    d.api_names = vec![host.clone()];
                    d.certificate_names = vec![host.clone()];
                })
        })
        .collect()
}

fn measure(runs: usize, mut f: impl FnMut() -> Result<()>) -> Result<Vec<Duration>> {
    f()?; // warm-up
    let mut times = Vec::new();
    for _ in 0..runs {
        let start = Instant::now();
        f()?;
        times.push(start.elapsed());
    }
    times.sort();
    Ok(times)
}

fn row(name: &str, times: &[Duration]) -> Vec<String> {
    let ms = |d: Duration| format!("{:.3} ms", d.as_secs_f64() * 1000.0);
    vec![
        name.to_string(),
        ms(times[times.len() / 2]),
        ms(times[0]),
        ms(times[times.len() - 1]),
        times.len().to_string(),
    ]
}

impl Bench {
    pub fn run(self, p: &Project) -> Result<ExitCode> {
        let mut rows = self.static_figures(p)?;
        if !self.static_only {
            rows.extend(self.live_figures(p)?);
        }
        println!();
        print!(
            "{}",
            table::render(&["figure", "median", "min", "max", "runs"], &rows)
        );
        Ok(ExitCode::SUCCESS)
    }

    /// Validate, render and 100 generated environments: no emulator needed.
    fn static_figures(&self, p: &Project) -> Result<Vec<Vec<String>>> {
        let many = self.runs.saturating_mul(20);
        let envs = infra::validate(p.builders()).environments;
        let count = envs.len();
        let mut rows = vec![row(
            &format!("static validate ({count} environments)"),
            &measure(many, || {
                let report = infra::validate(p.builders());
                if !report.ok() {
                    bail!("the shipped environments do not validate");
                }
                Ok(())
            })?,
        )];
        rows.push(row(
            &format!("render ({count} roots + READMEs)"),
            &measure(many, || {
                std::hint::black_box(infra::render::files(&envs));
                Ok(())
            })?,
        ));
        let base = p.builders().remove(0);
        rows.push(row(
            "validate 100 generated environments",
            &measure(self.runs, || {
                let report = infra::validate(generated(&base, 100));
                let first = report.violations().next().map(|v| v.to_string());
                match first {
                    Some(v) => bail!("generated environments do not validate: {v}"),
                    None => Ok(()),
                }
            })?,
        ));
        Ok(rows)
    }

    /// test-s3, test-sqs and a no-change deploy of the first environment of the promotion
    /// order, on the emulator (started and stopped here when none runs).
    fn live_figures(&self, p: &Project) -> Result<Vec<Vec<String>>> {
        let missing = crate::prerequisites::missing(p);
        if !missing.is_empty() {
            bail!(
                "the live figures need:\n  {}\n(or pass --static)",
                missing.join("\n  ")
            );
        }
        let (_, started) = local::ensure_running(p)?;
        let lp = Project::at(p.root.clone())
            .with_flags(None, true)
            .with_verbose(p.verbose);
        let name = lp.promotion_order().remove(0);
        let live = self.live_rows(&lp, &name).and_then(|mut rows| {
            rows.extend(self.parallel_rows(&lp)?);
            rows.extend(self.rollback_rows(&lp)?);
            Ok(rows)
        });
        if started {
            local::down(p)?;
        }
        live
    }

    fn live_rows(&self, lp: &Project, name: &str) -> Result<Vec<Vec<String>>> {
        super::setup_backend::SetupBackend::apply(name).run(lp)?;
        println!("deploying `{name}` once on the emulator (the figures need its resources)");
        super::deploy::Deploy::confirmed(name).run(lp)?;
        let env = lp.environment(name)?;
        let aws = Aws::connect(lp, &env)?;
        let passed = |checks: Vec<crate::report::Check>, what: &str| -> Result<()> {
            match checks.iter().any(|c| !c.passed) {
                true => bail!("{what} failed during the bench"),
                false => Ok(()),
            }
        };
        Ok(vec![
            row(
                &format!("test-s3 {name} (in-process)"),
                &measure(self.runs, || {
                    passed(crate::live::s3::checks(&aws, &env), "test-s3")
                })?,
            ),
            row(
                &format!("test-sqs {name} (in-process)"),
                &measure(self.runs, || {
                    passed(crate::live::sqs::checks(&aws, &env, false), "test-sqs")
                })?,
            ),
            row(
                &format!("deploy {name}, no changes"),
                &measure(self.runs, || {
                    super::deploy::Deploy::confirmed(name).run(lp).map(|_| ())
                })?,
            ),
        ])
    }

    /// The last environment of the promotion order deployed, then released (every
    /// environment before it released the version first, for the gate), then rolled back
    /// and forth: each rollback's whole run, which is the tool's time from command to shift.
    fn rollback_rows(&self, lp: &Project) -> Result<Vec<Vec<String>>> {
        let names = lp.promotion_order();
        let last = &names[names.len() - 1];
        if !lp.environment(last)?.deployment.blue_green {
            return Ok(Vec::new());
        }
        println!("deploying every environment and releasing {BENCH_VERSION} (the rollback figure needs two colours up)");
        for name in &names {
            super::deploy::Deploy::confirmed(name).run(lp)?;
            super::deploy::Deploy::confirmed_release(name, BENCH_VERSION).run(lp)?;
        }
        Ok(vec![row(
            &format!("rollback {last} (the tool's time, command to shift)"),
            &measure(self.runs, || {
                super::rollback::Rollback::confirmed(last)
                    .run(lp)
                    .map(|_| ())
            })?,
        )])
    }

    /// `plan --all` of every environment, at once and one by one (`--jobs 1`).
    fn parallel_rows(&self, lp: &Project) -> Result<Vec<Vec<String>>> {
        let names = lp.promotion_order();
        for name in &names {
            super::setup_backend::SetupBackend::apply(name).run(lp)?;
        }
        let plan_all = |jobs: Jobs| {
            move || match super::plan::Plan::every(jobs).run(lp)? {
                code if code == ExitCode::FAILURE => bail!("`plan --all` failed during the bench"),
                _ => Ok(()),
            }
        };
        let count = names.len();
        Ok(vec![
            row(
                &format!("plan --all ({count} environments at once)"),
                &measure(self.runs, plan_all(Jobs::default()))?,
            ),
            row(
                &format!("plan --all --jobs 1 ({count} one by one)"),
                &measure(self.runs, plan_all(Jobs::one()))?,
            ),
        ])
    }
}
