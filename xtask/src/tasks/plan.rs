//! `cargo xtask plan <env>`: static validate and fresh render, backend present, account guard,
//! `terraform init` and a saved plan with its metadata (commit, hash), summarised from
//! `terraform show -json`: every change, as text, JSON (`schema` 1) or a pull-request comment.
//! Exit 0 no changes, 2 changes, 1 error.

use crate::aws::Aws;
use crate::planning::{plan_for_review, Planned, SCHEMA};
use crate::project::Project;
use crate::ReportFormat;
use anyhow::Result;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Plan {
    /// Environment (else --env, MHT_ENV or the switched one)
    #[arg(value_name = "ENV")]
    environment: Option<String>,
    /// Output format: text, JSON (a stable schema, README) or a pull-request comment
    #[arg(long, value_enum, default_value_t)]
    format: ReportFormat,
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

impl Plan {
    pub fn run(self, p: &Project) -> Result<ExitCode> {
        let name = p.selected(self.environment.as_deref())?;
        let env = p.environment(&name)?;
        let aws = Aws::connect(p, &env)?;
        let heading = format!("plan `{name}` on {}", aws.target);
        match self.format {
            ReportFormat::Text => println!("{heading}"),
            _ => eprintln!("{heading}"),
        }
        aws.guard_account(&env)?;
        let planned = plan_for_review(p, &env, &aws)?;
        let (s, file) = (&planned.summary, planned.plan_file.display());
        match self.format {
            ReportFormat::Text => {
                print!("{}", s.text(&name));
                println!("saved plan: {file} (sha256 {})", &planned.meta.sha256[..16]);
                if !s.is_empty() {
                    println!("apply exactly this plan: cargo xtask deploy {name} --plan {file}");
                }
                println!("terraform log: {}", planned.run.log.display());
            }
            ReportFormat::Json => println!("{:#}", plan_json(&planned)),
            ReportFormat::Markdown => {
                let commit = planned.meta.commit.as_deref().unwrap_or("(no commit)");
                print!("{}", s.markdown(&name, commit));
                println!("\nSaved plan SHA-256 `{}`.", planned.meta.sha256);
            }
        }
        Ok(if s.is_empty() {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(2)
        })
    }
}
