//! `cargo xtask plan <env>`: static validate and fresh render, backend present, account guard,
//! `terraform init` and a saved plan with its metadata (commit, hash), summarised from
//! `terraform show -json`: every change, as text, JSON (`schema` 1) or a pull-request comment.
//! `plan --all` plans every environment at once (bounded by `--jobs`) and ends on one table.
//! Exit 0 no changes, 2 changes, 1 error.

use crate::aws::Aws;
use crate::fleet::Fleet;
use crate::parallel::{self, Jobs};
use crate::planning::{plan_for_review, Planned, SCHEMA};
use crate::project::Project;
use crate::release::Release;
use crate::summary::PlanSummary;
use crate::{table, ReportFormat};
use anyhow::Result;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Plan {
    /// Environment (else --env, MHT_ENV or the switched one)
    #[arg(value_name = "ENV", conflicts_with = "all")]
    environment: Option<String>,
    /// Output format: text, JSON (a stable schema, README) or a pull-request comment
    #[arg(long, value_enum, default_value_t)]
    format: ReportFormat,
    /// Every environment, at once (bounded by --jobs), then one result table
    #[arg(long, conflicts_with = "format")]
    all: bool,
    /// Plan releasing this version (image tag); `deploy --plan` then releases it
    #[arg(long, value_name = "TAG", conflicts_with = "all", value_parser = crate::release::version_tag)]
    version: Option<String>,
    #[command(flatten)]
    jobs: Jobs,
}

/// The `--format json` document: the saved plan's metadata, the counts and every change.
pub fn plan_json(planned: &Planned) -> serde_json::Value {
    let m = &planned.meta;
    let mut doc = serde_json::json!({
        "schema": SCHEMA,
        "environment": m.environment,
        "commit": m.commit,
        "clean": m.clean,
        "plan_file": planned.plan_file.display().to_string(),
        "sha256": m.sha256,
        "created": m.created,
    });
    if let (Some(doc), serde_json::Value::Object(changes)) =
        (doc.as_object_mut(), planned.summary.json())
    {
        doc.extend(changes);
    }
    doc
}

/// Plan `name`, save the plan for review and print it in `format`.
fn plan_one(
    p: &Project,
    name: &str,
    format: ReportFormat,
    version: Option<&str>,
) -> Result<PlanSummary> {
    let env = p.environment(name)?;
    let aws = Aws::connect(p, &env)?;
    let heading = format!("plan `{name}` on {}", aws.target);
    match format {
        ReportFormat::Text => println!("{heading}"),
        _ => eprintln!("{heading}"),
    }
    aws.guard_account(&env)?;
    let mut release = Release::plan(&Fleet::new(&aws, &env), version)?;
    let planned = release.planned(&env, |state| plan_for_review(p, &env, &aws, state))?;
    let (s, file) = (&planned.summary, planned.plan_file.display());
    match format {
        ReportFormat::Text => {
            print!("{}", s.text(name));
            println!("saved plan: {file} (sha256 {})", &planned.meta.sha256[..16]);
            if !s.is_empty() {
                println!("apply exactly this plan: cargo xtask deploy {name} --plan {file}");
            }
            println!("terraform log: {}", planned.run.log.display());
        }
        ReportFormat::Json => println!("{:#}", plan_json(&planned)),
        ReportFormat::Markdown => {
            let commit = planned.meta.commit.as_deref().unwrap_or("(no commit)");
            print!("{}", s.markdown(name, commit));
            println!("\nSaved plan SHA-256 `{}`.", planned.meta.sha256);
        }
    }
    Ok(planned.summary)
}

impl Plan {
    /// `plan --all`, at most `jobs` at once, as the bench runs it.
    pub fn every(jobs: Jobs) -> Plan {
        Plan {
            environment: None,
            format: ReportFormat::Text,
            all: true,
            version: None,
            jobs,
        }
    }

    pub fn run(self, p: &Project) -> Result<ExitCode> {
        if self.all {
            return Ok(all(p, self.jobs));
        }
        let name = p.selected(self.environment.as_deref())?;
        Ok(
            match plan_one(p, &name, self.format, self.version.as_deref())?.is_empty() {
                true => ExitCode::SUCCESS,
                false => ExitCode::from(crate::exit::CHANGES),
            },
        )
    }
}
/// Every environment in promotion order, at most `jobs` at once; one table at the end.
fn all(p: &Project, jobs: Jobs) -> ExitCode {
    let runs = parallel::each(&p.promotion_order(), jobs, false, |n| {
        plan_one(p, n, ReportFormat::Text, None)
    });
    let rows: Vec<Vec<String>> = runs
        .iter()
        .map(|r| {
            let (result, changes) = match &r.result {
                Ok(s) if s.is_empty() => ("no changes".into(), String::new()),
                Ok(s) => (
                    "changes".into(),
                    format!("+{} ~{} -{}", s.add, s.change, s.destroy),
                ),
                Err(e) => ("error".into(), parallel::first_line(e)),
            };
            vec![
                r.env.clone(),
                result,
                changes,
                format!("{:.1} s", r.seconds),
            ]
        })
        .collect();
    print!(
        "\n{}",
        table::render(&["environment", "result", "changes / error", "time"], &rows)
    );
    for r in &runs {
        if let Err(e) = &r.result {
            eprintln!("\n{}: {e:#}", r.env);
        }
    }
    parallel::exit_code(&runs, |s| !s.is_empty())
}
