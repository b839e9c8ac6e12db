//! Tasks the mission names whose implementation is tracked in a later issue. They resolve
//! the environment like every task, then say where the work stands, and fail.

use crate::project::Project;
use anyhow::{bail, Result};
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Pending {
    /// Environment to act on
    #[arg(value_name = "ENV")]
    environment: Option<String>,
}

impl Pending {
    pub fn run(self, p: &Project, task: &str, issue: u32) -> Result<ExitCode> {
        let env = p.selected(self.environment.as_deref())?;
        bail!("`{task}` for `{env}` is not available yet: it is tracked in issue #{issue}")
    }
}
