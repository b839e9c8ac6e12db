//! `cargo xtask completions <shell>`: a completion script generated from the command line's own
//! definition, so it never falls behind a new command or flag.

use anyhow::Result;
use clap_complete::Shell;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Completions {
    /// The shell to complete in
    #[arg(value_enum)]
    shell: Shell,
}

impl Completions {
    /// Print the script for `cmd` (the whole CLI) to stdout, for the `xtask` binary that
    /// `cargo xtask` builds (`target/debug/xtask`).
    pub fn run(self, mut cmd: clap::Command) -> Result<ExitCode> {
        let mut script = Vec::new();
        clap_complete::generate(self.shell, &mut cmd, "xtask", &mut script);
        print!("{}", String::from_utf8_lossy(&script));
        Ok(ExitCode::SUCCESS)
    }
}
