//! `cargo xtask bench [--runs N] [--static]`: the figures the issues ask for, on this machine —
//! static validate, render, validate of 100 generated environments, and on the local emulator
//! test-s3, test-sqs and a staging deploy with no changes — each as the median of N runs with
//! min and max. Figures only: no thresholds.

use crate::aws::Aws;
use crate::project::Project;
use crate::{local, table};
use anyhow::{bail, Result};
use infra::EnvironmentBuilder;
use std::process::ExitCode;
use std::time::{Duration, Instant};

#[derive(clap::Args)]
pub struct Bench {
    /// Runs per figure (the static figures run 20 times as many)
    #[arg(long, default_value_t = 5)]
    runs: usize,
    /// Only the figures that need no emulator and no Terraform
    #[arg(long = "static")]
    static_only: bool,
}

/// `n` distinct, valid environments: staging's description under other names, CIDRs and hosts.
pub fn generated(n: usize) -> Vec<EnvironmentBuilder> {
    (0..n)
        .map(|i| {
            let name = format!("env{i:03}");
            let host = format!("{name}.api.amygdalas.com");
            let net = i + 2;
            infra::environments::staging()
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
    let mut times = Vec::with_capacity(runs);
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
        if self.runs == 0 {
            bail!("--runs must be at least 1");
        }
        let mut rows = Vec::new();
        let many = self.runs * 20;
        rows.push(row(
            "static validate (2 environments)",
            &measure(many, || {
                let report = infra::validate(p.builders());
                if !report.ok() {
                    bail!("the shipped environments do not validate");
                }
                Ok(())
            })?,
        ));
        let envs = infra::validate(p.builders()).environments;
        rows.push(row(
            "render (2 roots + READMEs)",
            &measure(many, || {
                std::hint::black_box(infra::render::files(&envs));
                Ok(())
            })?,
        ));
        rows.push(row(
            "validate 100 generated environments",
            &measure(self.runs, || {
                let report = infra::validate(generated(100));
                if !report.ok() {
                    bail!(
                        "generated environments do not validate: {}",
                        report
                            .violations()
                            .next()
                            .map(|v| v.to_string())
                            .unwrap_or_default()
                    );
                }
                Ok(())
            })?,
        ));
        if !self.static_only {
            let missing = super::demo::missing_prerequisites(p);
            if !missing.is_empty() {
                bail!(
                    "the live figures need:\n  {}\n(or pass --static)",
                    missing.join("\n  ")
                );
            }
            let (_, started) = local::ensure_running(p)?;
            let lp = Project::at(p.root.clone()).with_flags(None, true);
            let live = (|| -> Result<()> {
                super::setup_backend::SetupBackend::apply("staging").run(&lp)?;
                println!(
                    "deploying `staging` once on the emulator (the figures need its resources)"
                );
                super::deploy::Deploy::confirmed("staging").run(&lp)?;
                let env = lp.environment("staging")?;
                let aws = Aws::connect(&lp, &env)?;
                rows.push(row(
                    "test-s3 staging (in-process)",
                    &measure(self.runs, || {
                        let c = super::test_s3::checks(&aws, &env);
                        if c.iter().any(|c| !c.passed) {
                            bail!("test-s3 failed during the bench")
                        }
                        Ok(())
                    })?,
                ));
                rows.push(row(
                    "test-sqs staging (in-process)",
                    &measure(self.runs, || {
                        let c = super::test_sqs::checks(&aws, &env, false);
                        if c.iter().any(|c| !c.passed) {
                            bail!("test-sqs failed during the bench")
                        }
                        Ok(())
                    })?,
                ));
                rows.push(row(
                    "deploy staging, no changes",
                    &measure(self.runs, || {
                        super::deploy::Deploy::confirmed("staging")
                            .run(&lp)
                            .map(|_| ())
                    })?,
                ));
                Ok(())
            })();
            if started {
                local::down(p)?;
            }
            live?;
        }
        println!();
        print!(
            "{}",
            table::render(&["figure", "median", "min", "max", "runs"], &rows)
        );
        Ok(ExitCode::SUCCESS)
    }
}
