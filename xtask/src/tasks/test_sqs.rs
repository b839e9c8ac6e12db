//! `cargo xtask test-sqs --env <env> [--deep]`: the job queue, its dead-letter queue and their
//! alarms against the model, then a message round trip; `--deep` also proves that a message
//! received `maxReceiveCount` times without delete lands in the dead-letter queue.

use crate::aws::Aws;
use crate::live::sqs::checks;
use crate::project::Project;
use crate::report;
use crate::Format;
use anyhow::Result;
use std::process::ExitCode;
use std::time::Instant;

#[derive(clap::Args)]
pub struct TestSqs {
    /// Environment (else --env, MHT_ENV or the switched one)
    #[arg(value_name = "ENV")]
    environment: Option<String>,
    /// Also prove redrive: a message received maxReceiveCount times moves to the DLQ
    #[arg(long)]
    deep: bool,
    /// Output format
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

impl TestSqs {
    pub fn run(self, p: &Project) -> Result<ExitCode> {
        let name = p.selected(self.environment.as_deref())?;
        name.announce(); // it sends (and deletes) a test message
        let env = p.environment(&name)?;
        let aws = Aws::connect(p, &env)?;
        if self.format == Format::Text {
            println!("test-sqs `{name}` on {}", aws.target);
        }
        aws.guard_account(&env)?;
        let start = Instant::now();
        let checks = checks(&aws, &env, self.deep);
        report::print("test-sqs", &name, &checks, start.elapsed(), self.format)
    }
}
