//! `cargo xtask`: the MHT API infrastructure tool. `run` only parses and dispatches; each
//! task lives in its own module under `tasks/`. A library so the integration tests can build
//! emulator fixtures from the same code the tasks use.

// `print!`, `println!`, `eprint!` and `eprintln!` in this crate are these, not std's: the same
// syntax, but a closed or full stdout never panics (see `output`). Defined before the modules
// so that every module, whoever writes it, uses them.
macro_rules! print {
    ($($arg:tt)*) => { $crate::output::stdout(format_args!($($arg)*)) };
}
macro_rules! println {
    () => { $crate::output::stdout(format_args!("\n")) };
    ($($arg:tt)*) => { $crate::output::stdout(format_args!("{}\n", format_args!($($arg)*))) };
}
macro_rules! eprint {
    ($($arg:tt)*) => { $crate::output::stderr(format_args!($($arg)*)) };
}
macro_rules! eprintln {
    () => { $crate::output::stderr(format_args!("\n")) };
    ($($arg:tt)*) => { $crate::output::stderr(format_args!("{}\n", format_args!($($arg)*))) };
}

pub mod aws;
pub mod backend;
pub mod exit;
pub mod fleet;
pub mod generated;
pub mod git;
pub mod interrupt;
pub mod live;
pub mod local;
pub mod output;
pub mod parallel;
pub mod planning;
pub mod prerequisites;
pub mod project;
pub mod prompt;
pub mod records;
pub mod release;
pub mod report;
pub mod s3;
pub mod scan;
pub mod summary;
pub mod table;
pub mod tasks;
pub mod terraform;

use clap::{Parser, Subcommand, ValueEnum};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "cargo xtask",
    version,
    about = "Describe, validate and render the MHT API environments (staging, production)",
    after_help = "The environment comes from the positional <ENV> or --env (both given must agree), else MHT_ENV (empty counts as unset), else the one chosen with `cargo xtask switch`. MHT_LOCAL accepts 1, true, yes, on or 0, false, no, off, empty."
)]
struct Cli {
    /// Environment to act on (else MHT_ENV, else the switched one)
    #[arg(long, global = true, value_name = "ENV")]
    env: Option<String>,
    /// Target the local AWS emulator (moto) instead of AWS; started if not running. Also
    /// MHT_LOCAL=1 (1/true/yes/on; 0/false/no/off/empty: AWS)
    #[arg(long, global = true)]
    local: bool,
    /// Errors carry the AWS SDK's whole error chain (its debug output)
    #[arg(long, short, global = true)]
    verbose: bool,
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

/// Output format of the reports that also make a pull-request comment (plan, cost).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    #[default]
    Text,
    Json,
    /// A pull-request comment
    Markdown,
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
    /// Create or check the Terraform state bucket and lock table of an environment
    SetupBackend(tasks::setup_backend::SetupBackend),
    /// Plan an environment with Terraform: exit 0 no changes, 2 changes, 1 error
    Plan(tasks::plan::Plan),
    /// Plan, confirm and apply an environment, then check it live and record the deployment
    Deploy(tasks::deploy::Deploy),
    /// Destroy an unprotected environment (typed confirmation); protected ones are refused
    Destroy(tasks::deploy::Destroy),
    /// List the recorded deployments of an environment
    History(tasks::deploy::History),
    /// Move traffic back to the previous colour while its rollback window is open
    Rollback(tasks::rollback::Rollback),
    /// The live colour, weights, version on each colour, target health and rollback window
    Status(tasks::status::Status),
    /// An environment's Terraform outputs (one by name prints its raw value, for scripts)
    Output(tasks::outputs::Outputs),
    /// List the environments: account, region, protection, promotion order, last deploy
    Envs(tasks::envs::Envs),
    /// The environments a change affects since a git ref (a CI matrix with --format json)
    Affected(tasks::affected::Affected),
    /// Print a shell completion script: `cargo xtask completions bash > …`
    Completions(tasks::completions::Completions),
    /// Release a Terraform state lock left behind by a run that is over
    Unlock(tasks::unlock::Unlock),
    /// Monthly cost estimate per environment, its budget and the plan's figure; `cost diff`
    Cost(tasks::cost::Cost),
    /// Check the environment's S3 buckets live, with a write/read round trip
    TestS3(tasks::test_s3::TestS3),
    /// Check the environment's SQS queues and alarms live, with a message round trip
    TestSqs(tasks::test_sqs::TestSqs),
    /// Store a secret (the Discord webhook) read from stdin as an SSM SecureString
    Secrets(tasks::alerts::Secrets),
    /// Every alarm the model declares with its live state, threshold and last change
    Alarms(tasks::alerts::Alarms),
    /// Publish a test notification through the environment's alerts topic and prove delivery
    TestAlerts(tasks::alerts::TestAlerts),
    /// Manage the local AWS emulator (moto server on loopback)
    Local(tasks::local::Local),
    /// The whole mission on the local emulator: backends, deploy staging, promote to production, drift check
    Demo(tasks::demo::Demo),
    /// Scan the modules as each environment's root calls them with checkov; exit 1 on a finding without a reason
    Scan(tasks::scan::Scan),
    /// Print this machine's figures: validate, render, 100 environments, test-s3, test-sqs, a no-change deploy, plan --all at once and one by one
    Bench(tasks::bench::Bench),
}

/// Whether `args` (without the program name) is a command line this tool accepts, else the
/// error it would print: the workflows' test checks every command they run.
pub fn parses(args: &[&str]) -> Result<(), String> {
    let argv = std::iter::once("xtask").chain(args.iter().copied());
    Cli::try_parse_from(argv)
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// Parse the command line: `--help` and `--version` print and exit 0, a usage error exits
/// [`exit::USAGE`] (never 2, which means changes or drift).
fn parse() -> Result<Cli, ExitCode> {
    Cli::try_parse().map_err(|e| {
        let _ = e.print();
        match e.use_stderr() {
            true => ExitCode::from(exit::USAGE),
            false => ExitCode::SUCCESS,
        }
    })
}

/// Parse the command line and run the task; errors are printed with their causes.
pub fn run() -> ExitCode {
    let cli = match parse() {
        Ok(cli) => cli,
        Err(code) => return code,
    };
    interrupt::install();
    let result = project::env_bool("MHT_LOCAL").and_then(|local_var| {
        let p = project::Project::discover()?
            .with_flags(cli.env, cli.local || local_var)
            .with_verbose(cli.verbose);
        dispatch(cli.task, &p)
    });
    let code = match result {
        Ok(code) if !interrupt::interrupted() => code,
        Ok(_) => ExitCode::from(exit::INTERRUPTED),
        Err(e) => {
            eprintln!("error: {e:#}");
            match interrupt::interrupted() {
                true => ExitCode::from(exit::INTERRUPTED),
                false => ExitCode::FAILURE,
            }
        }
    };
    output::finish(code)
}

fn dispatch(task: Task, p: &project::Project) -> anyhow::Result<ExitCode> {
    match task {
        Task::Validate(t) => t.run(p),
        Task::Render(t) => t.run(p),
        Task::Show(t) => t.run(p),
        Task::Diff(t) => t.run(p),
        Task::Switch(t) => t.run(p),
        Task::SetupBackend(t) => t.run(p),
        Task::Plan(t) => t.run(p),
        Task::Deploy(t) => t.run(p),
        Task::Destroy(t) => t.run(p),
        Task::History(t) => t.run(p),
        Task::Rollback(t) => t.run(p),
        Task::Status(t) => t.run(p),
        Task::Output(t) => t.run(p),
        Task::Envs(t) => t.run(p),
        Task::Affected(t) => t.run(p),
        Task::Completions(t) => t.run(<Cli as clap::CommandFactory>::command()),
        Task::Unlock(t) => t.run(p),
        Task::Cost(t) => t.run(p),
        Task::TestS3(t) => t.run(p),
        Task::TestSqs(t) => t.run(p),
        Task::Secrets(t) => t.run(p),
        Task::Alarms(t) => t.run(p),
        Task::TestAlerts(t) => t.run(p),
        Task::Local(t) => t.run(p),
        Task::Demo(t) => t.run(p),
        Task::Bench(t) => t.run(p),
        Task::Scan(t) => t.run(p),
    }
}
