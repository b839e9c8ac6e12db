//! `cargo xtask demo`: the whole mission on the local emulator, from a fresh clone, with no AWS
//! account: prerequisites first, then backends, deploy staging with its live checks, deploy
//! production through the promotion gate, drift check of both, one summary. Safe to run twice.

use crate::project::Project;
use crate::{local, table, terraform};
use anyhow::{bail, Result};
use std::process::ExitCode;
use std::time::Instant;

#[derive(clap::Args)]
pub struct Demo {
    /// Leave the emulator running afterwards (to explore with `--local`)
    #[arg(long)]
    keep: bool,
}

fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
}

/// Everything the demo needs, checked before any work: one line per missing piece with how to
/// get it.
pub fn missing_prerequisites(p: &Project) -> Vec<String> {
    let mut missing = Vec::new();
    if !on_path("terraform") {
        missing.push("terraform: install Terraform 1.5 or newer (HashiCorp's release archive or your package manager) and put it on PATH".to_string());
    }
    if local::external_endpoint().is_none() && !on_path("moto_server") {
        missing.push(format!(
            "moto_server: the local AWS emulator; {}",
            local::INSTALL_HINT
        ));
    }
    if on_path("terraform") && std::env::var_os("TF_CLI_CONFIG_FILE").is_none() {
        if let Ok(None) = terraform::find_mirror() {
            eprintln!("note: no Terraform provider mirror found: Terraform will download the AWS provider (needs internet; offline, set MHT_TF_PROVIDER_MIRROR)");
        }
    }
    if let Err(e) = terraform::find_mirror() {
        missing.push(format!("provider mirror: {e:#}"));
    }
    if crate::git::head(&p.root).is_err() {
        missing.push(
            "a git checkout with a commit: deploys ship commits (clone the repository)".to_string(),
        );
    } else if let Ok(dirty) = crate::git::dirty(&p.root) {
        if !dirty.is_empty() {
            missing.push(format!(
                "a clean work tree: the production deploy ships a commit; commit or stash {}",
                dirty.join(", ")
            ));
        }
    }
    missing
}

impl Demo {
    pub fn run(self, p: &Project) -> Result<ExitCode> {
        let missing = missing_prerequisites(p);
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
            "built: {} (VPC, load balancer, instances, buckets, queues, table, roles, DNS, monitoring), each with its own state bucket and lock table; with --keep the emulator stays up to explore: `cargo xtask --local history {first}`, `cargo xtask --local test-sqs {first} --deep`",
            order.join(", ")
        );
        Ok(ExitCode::SUCCESS)
    }
}
