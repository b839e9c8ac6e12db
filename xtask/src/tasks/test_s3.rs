//! `cargo xtask test-s3 --env <env>`: every bucket the environment defines against the model,
//! then a put/head/get/list/delete round trip under a unique smoke-test prefix of the data
//! bucket. Checks run concurrently; nothing outside the smoke-test prefix is touched.

use crate::aws::Aws;
use crate::live::s3::checks;
use crate::project::Project;
use crate::report;
use crate::Format;
use anyhow::Result;
use std::process::ExitCode;
use std::time::Instant;

#[derive(clap::Args)]
pub struct TestS3 {
    /// Environment (else --env, MHT_ENV or the switched one)
    #[arg(value_name = "ENV")]
    environment: Option<String>,
    /// Output format
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

impl TestS3 {
    pub fn run(self, p: &Project) -> Result<ExitCode> {
        let name = p.selected(self.environment.as_deref())?;
        name.announce(); // it writes (and deletes) test objects
        let env = p.environment(&name)?;
        let aws = Aws::connect(p, &env)?;
        if self.format == Format::Text {
            println!("test-s3 `{name}` on {}", aws.target);
        }
        aws.guard_account(&env)?;
        let start = Instant::now();
        let checks = checks(&aws, &env);
        report::print("test-s3", &name, &checks, start.elapsed(), self.format)
    }
}
