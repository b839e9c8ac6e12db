//! `cargo xtask validate`: every rule, isolation, the promotion order, parity and render
//! freshness, as a table.

use crate::project::Project;
use crate::table;
use crate::Format;
use anyhow::Result;
use infra::{Check, Environment, Report, Violation};
use serde_json::json;
use std::process::ExitCode;

#[derive(clap::Args, Default)]
pub struct Validate {
    /// Output format
    #[arg(long, value_enum, default_value_t)]
    format: Format,
    /// List every rule with its source instead of validating
    #[arg(long)]
    rules: bool,
    /// Also run `terraform init -backend=false` + `terraform validate` on every root (offline
    /// through a provider mirror when one is configured or found)
    #[arg(long)]
    terraform: bool,
    /// Compare the live environment with the code: `terraform plan -detailed-exitcode` for the
    /// selected environment (or every one with --all); exit 1 any error, else 2 any drift, else 0
    #[arg(long)]
    live: bool,
    /// With --live: every environment, at once (bounded by --jobs)
    #[arg(long, requires = "live")]
    all: bool,
    #[command(flatten)]
    jobs: crate::parallel::Jobs,
}

/// The drift of one environment: `Ok(addresses)` (empty: clean) or why it could not be planned.
fn drift(p: &Project, name: &str) -> Result<Vec<String>> {
    let env = p.environment(name)?;
    let aws = crate::aws::Aws::connect(p, &env)?;
    aws.guard_account(&env)?;
    // Planned as the next deploy plans it: a release state of other colours carried over
    // (Terraform cannot read it with the model's colours), itself a difference.
    let carried = crate::release::carried_over(&crate::fleet::Fleet::new(&aws, &env))?;
    let planned = crate::planning::plan_env(p, &env, &aws, carried.as_ref().map(|c| c.to_json()))?;
    let moved = carried.iter().map(|c| {
        format!(
            "carry-over release state: version {} onto {} (the next deploy does it)",
            c.live_version(),
            env.names.colours.join(" and ")
        )
    });
    Ok(moved
        .chain(
            planned
                .summary
                .changes
                .iter()
                .map(|c| format!("{} {}", c.action, c.address)),
        )
        .collect())
}

fn violation_json(v: &Violation) -> serde_json::Value {
    json!({
        "env": v.env,
        "path": v.location(),
        "rule": v.rule.id,
        "source": v.rule.source,
        "value": v.value,
        "problem": v.problem,
        "fix": v.fix,
    })
}

/// Generated files that are missing, stale or left over.
fn rendered_files(p: &Project, envs: &[Environment]) -> Check {
    let violations = crate::generated::stale(&p.root, envs)
        .into_iter()
        .map(|s| Violation {
            env: String::new(),
            path: s.path.clone(),
            rule: infra::rules::RENDER_FRESH,
            value: s.path,
            problem: format!("generated file {}", s.reason),
            fix: "run `cargo xtask render` and commit the result".into(),
        })
        .collect();
    Check {
        name: "rendered files".into(),
        violations,
    }
}

/// `terraform init -backend=false` + `terraform validate` of every root.
fn terraform_validate(p: &Project, envs: &[Environment]) -> Result<Check> {
    let mut violations = Vec::new();
    for env in envs {
        for diagnostic in crate::terraform::validate_root(p, &env.name)? {
            violations.push(Violation {
                env: String::new(),
                path: format!("{}/main.tf.json", infra::render::root_dir(&env.name)),
                rule: infra::rules::TERRAFORM_VALIDATE,
                value: env.name.clone(),
                problem: diagnostic,
                fix: "fix the module interface or the renderer, then `cargo xtask render`".into(),
            });
        }
    }
    Ok(Check {
        name: "terraform validate".into(),
        violations,
    })
}

fn print_json(report: &Report) -> Result<()> {
    let checks: Vec<_> = report
        .checks
        .iter()
        .map(|c| {
            json!({
                "name": c.name,
                "ok": c.violations.is_empty(),
                "violations": c.violations.iter().map(violation_json).collect::<Vec<_>>(),
            })
        })
        .collect();
    let doc = json!({"ok": report.ok(), "checks": checks});
    println!("{}", serde_json::to_string_pretty(&doc)?);
    Ok(())
}

fn print_text(report: &Report) {
    let rows: Vec<Vec<String>> = report
        .checks
        .iter()
        .map(|c| {
            let result = if c.violations.is_empty() {
                "ok"
            } else {
                "FAILED"
            };
            vec![
                c.name.clone(),
                result.into(),
                c.violations.len().to_string(),
            ]
        })
        .collect();
    print!(
        "{}",
        table::render(&["check", "result", "violations"], &rows)
    );
    for v in report.violations() {
        println!(
            "\n{}\n  problem: {}\n  value:   {}\n  rule:    {} ({})\n  fix:     {}",
            v.location(),
            v.problem,
            v.value,
            v.rule.id,
            v.rule.source,
            v.fix
        );
    }
    if report.ok() {
        let envs: Vec<&str> = report
            .environments
            .iter()
            .map(|e| e.name.as_str())
            .collect();
        println!("\nall checks passed for {}", envs.join(", "));
    } else {
        eprintln!("\nerror: {} violations", report.violations().count());
    }
}

/// The drift table, then each error in full.
fn print_live(
    runs: &[crate::parallel::EnvRun<Vec<String>>],
    status: impl Fn(&Result<Vec<String>>) -> &'static str,
) {
    let rows: Vec<Vec<String>> = runs
        .iter()
        .map(|r| {
            let detail = match &r.result {
                Ok(d) => d.join(", "),
                Err(e) => crate::parallel::first_line(e),
            };
            let time = format!("{:.1} s", r.seconds);
            vec![r.env.clone(), status(&r.result).to_string(), detail, time]
        })
        .collect();
    print!(
        "{}",
        table::render(
            &["environment", "status", "drifted resources / error", "time"],
            &rows
        )
    );
    for r in runs {
        if let Err(e) = &r.result {
            eprintln!("\n{}: {e:#}", r.env);
        }
    }
}

impl Validate {
    /// `validate --live --all`, as the demo runs it.
    pub fn live_all() -> Validate {
        Validate {
            live: true,
            all: true,
            ..Validate::default()
        }
    }

    pub fn run(self, p: &Project) -> Result<ExitCode> {
        if self.rules {
            return Ok(self.list_rules());
        }
        if self.live {
            return self.run_live(p);
        }
        let mut report = infra::validate(p.builders());
        // Only meaningful when every environment built: otherwise it repeats the violations.
        if report.ok() {
            report.checks.push(rendered_files(p, &report.environments));
        }
        if self.terraform && report.ok() {
            report
                .checks
                .push(terraform_validate(p, &report.environments)?);
        }
        match self.format {
            Format::Json => print_json(&report)?,
            Format::Text => print_text(&report),
        }
        Ok(if report.ok() {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        })
    }

    fn run_live(&self, p: &Project) -> Result<ExitCode> {
        let names = if self.all {
            p.promotion_order()
        } else {
            vec![p.selected(None)?.name]
        };
        let quiet = self.format == Format::Json;
        let runs = crate::parallel::each(&names, self.jobs, quiet, |n| drift(p, n));
        let status = |r: &Result<Vec<String>>| match r {
            Err(_) => "error",
            Ok(d) if d.is_empty() => "clean",
            Ok(_) => "drifted",
        };
        match self.format {
            Format::Json => {
                let list: Vec<_> = runs
                    .iter()
                    .map(|r| {
                        json!({
                            "environment": r.env,
                            "status": status(&r.result),
                            "changes": r.result.as_ref().ok().cloned().unwrap_or_default(),
                            "error": r.result.as_ref().err().map(|e| format!("{e:#}")),
                            "seconds": r.seconds,
                        })
                    })
                    .collect();
                println!(
                    "{}",
                    serde_json::to_string_pretty(&json!({"environments": list}))?
                );
            }
            Format::Text => print_live(&runs, status),
        }
        Ok(crate::parallel::exit_code(&runs, |d| !d.is_empty()))
    }

    fn list_rules(&self) -> ExitCode {
        let rules = infra::rules::ALL;
        match self.format {
            Format::Json => {
                let list: Vec<_> = rules
                    .iter()
                    .map(|r| json!({"rule": r.id, "source": r.source}))
                    .collect();
                println!("{}", serde_json::Value::Array(list));
            }
            Format::Text => {
                let rows: Vec<Vec<String>> = rules
                    .iter()
                    .map(|r| vec![r.id.to_string(), r.source.to_string()])
                    .collect();
                print!("{}", table::render(&["rule", "source"], &rows));
            }
        }
        ExitCode::SUCCESS
    }
}
