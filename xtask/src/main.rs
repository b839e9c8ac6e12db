//! `cargo xtask`: the MHT API infrastructure tool. `main` only parses and dispatches; each
//! task lives in its own module under `tasks/`.

mod project;
mod table;
mod tasks;

use clap::{Parser, Subcommand, ValueEnum};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "cargo xtask",
    about = "Describe, validate and render the MHT API environments (staging, production)",
    after_help = "The environment comes from --env, else MHT_ENV, else the one chosen with `cargo xtask switch`."
)]
struct Cli {
    /// Environment to act on (else MHT_ENV, else the switched one)
    #[arg(long, global = true, value_name = "ENV")]
    env: Option<String>,
    #[command(subcommand)]
    task: Task,
}

/// Output format of reporting commands.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum Format {
    #[default]
    Text,
    Json,
}

#[derive(Subcommand)]
enum Task {
    /// Check every environment against AWS/Terraform rules, isolation, parity and fresh renders
    Validate(tasks::validate::Validate),
    /// Write the Terraform roots under infra/environments/ (or check they are fresh)
    Render(tasks::render::Render),
    /// Show every setting of one environment
    Show(tasks::show::Show),
    /// Compare two environments setting by setting
    Diff(tasks::show::Diff),
    /// Choose the active environment (kept in a git-ignored file), or show it
    Switch(tasks::switch::Switch),
    /// Create the Terraform state bucket and lock table of an environment (issue #4)
    SetupBackend(tasks::pending::Pending),
    /// Plan and apply an environment with Terraform (issue #5)
    Deploy(tasks::pending::Pending),
    /// Check the environment's S3 buckets live (issue #4)
    TestS3(tasks::pending::Pending),
    /// Check the environment's SQS queues live (issue #4)
    TestSqs(tasks::pending::Pending),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = project::Project::discover().and_then(|p| {
        let p = p.with_env_flag(cli.env);
        match cli.task {
            Task::Validate(t) => t.run(&p),
            Task::Render(t) => t.run(&p),
            Task::Show(t) => t.run(&p),
            Task::Diff(t) => t.run(&p),
            Task::Switch(t) => t.run(&p),
            Task::SetupBackend(t) => t.run(&p, "setup-backend", 4),
            Task::Deploy(t) => t.run(&p, "deploy", 5),
            Task::TestS3(t) => t.run(&p, "test-s3", 4),
            Task::TestSqs(t) => t.run(&p, "test-sqs", 4),
        }
    });
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
