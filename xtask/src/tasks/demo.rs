//! `cargo xtask demo`: the whole mission on the local emulator, from a fresh clone, with no AWS
//! account: prerequisites first, then backends, deploy staging with its live checks, deploy
//! production through the promotion gate, a release of version 1.0 (staging rolls, production
//! goes blue-green), drift check of both, one summary. Safe to run twice.

use crate::project::Project;
use crate::{local, table};
use anyhow::{bail, Result};
use std::process::ExitCode;
use std::time::Instant;

/// The version the demo releases (a published tag of the placeholder image).
const DEMO_VERSION: &str = "1.0";

#[derive(clap::Args)]
pub struct Demo {
    /// Leave the emulator running afterwards (to explore with `--local`)
    #[arg(long)]
    keep: bool,
}

impl Demo {
    pub fn run(self, p: &Project) -> Result<ExitCode> {
        let missing = crate::prerequisites::missing(p);
        if !missing.is_empty() {
            bail!("the demo needs:\n  {}", missing.join("\n  "));
        }
        let (endpoint, started_emulator) = local::ensure_running(p)?;
        let p = Project::at(p.root.clone()).with_flags(None, true);
        let order = p.promotion_order();
        let mut steps: Vec<(String, f64, String)> = Vec::new();
        let start = Instant::now();
        let result = (|| -> Result<()> {
            let mut step = |name: &str, f: &mut dyn FnMut() -> Result<ExitCode>| -> Result<()> {
                println!("\n==> {name}");
                let t = Instant::now();
                let code = f();
                let ok = matches!(code, Ok(c) if c == ExitCode::SUCCESS);
                steps.push((
                    name.to_string(),
                    t.elapsed().as_secs_f64(),
                    if ok { "ok".into() } else { "FAILED".into() },
                ));
                match code {
                    Ok(_) if ok => Ok(()),
                    Ok(_) => bail!("step `{name}` did not succeed"),
                    Err(e) => Err(e.context(format!("step `{name}`"))),
                }
            };
            step("validate", &mut || {
                super::validate::Validate::default().run(&p)
            })?;
            for env in &order {
                step(&format!("setup-backend {env}"), &mut || {
                    super::setup_backend::SetupBackend::apply(env).run(&p)
                })?;
            }
            for env in &order {
                step(&format!("deploy {env}"), &mut || {
                    super::deploy::Deploy::confirmed(env).run(&p)
                })?;
            }
            for env in &order {
                step(&format!("release {env} {DEMO_VERSION}"), &mut || {
                    super::deploy::Deploy::confirmed_release(env, DEMO_VERSION).run(&p)
                })?;
            }
            let last = &order[order.len() - 1];
            step(&format!("status {last}"), &mut || {
                super::status::Status::of(last).run(&p)
            })?;
            step("validate --live --all", &mut || {
                super::validate::Validate::live_all().run(&p)
            })?;
            Ok(())
        })();
        if started_emulator && !self.keep {
            local::down(&p)?;
        }
        println!(
            "\n==> summary: the local emulator at {endpoint}{}",
            if started_emulator && !self.keep {
                " (stopped)"
            } else {
                ""
            }
        );
        let rows: Vec<Vec<String>> = steps
            .iter()
            .map(|(n, s, r)| vec![n.clone(), r.clone(), format!("{s:.1} s")])
            .collect();
        print!("{}", table::render(&["step", "result", "time"], &rows));
        println!("total {:.1} s", start.elapsed().as_secs_f64());
        result?;
        let first = &order[0];
        println!(
            "built: {} (VPC, load balancer, instances, buckets, queues, table, roles, DNS, monitoring), each with its own state bucket and lock table, then released version {DEMO_VERSION}; with --keep the emulator stays up to explore: `cargo xtask --local history {first}`, `cargo xtask --local status {last}`, `cargo xtask --local rollback {last}`, `cargo xtask --local test-sqs {first} --deep`",
            order.join(", "),
            last = order[order.len() - 1]
        );
        Ok(ExitCode::SUCCESS)
    }
}
