//! `cargo xtask switch [<env>] [--shell]`: remember the active environment, or show it.

use crate::project::{Project, STATE_FILE};
use anyhow::Result;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Switch {
    /// Environment to make active; without it, show the active one
    #[arg(value_name = "ENV")]
    environment: Option<String>,
    /// Print `export` lines for `eval "$(cargo xtask switch staging --shell)"`
    #[arg(long)]
    shell: bool,
}

fn banner(name: &str) -> String {
    let line = "!".repeat(72);
    format!("{line}\n!!  `{name}` is a PROTECTED environment: every mutation acts on live systems\n{line}")
}

impl Switch {
    pub fn run(self, p: &Project) -> Result<ExitCode> {
        let name = match &self.environment {
            Some(name) => {
                p.check_known(name)?;
                p.write_switched(name)?;
                name.clone()
            }
            None => match p.switched()? {
                Some(name) => name,
                None => {
                    eprintln!(
                        "no active environment; run `cargo xtask switch <ENV>` (known: {})",
                        p.known().join(", ")
                    );
                    return Ok(ExitCode::SUCCESS);
                }
            },
        };
        let env = p.environment(&name)?;
        let production = env.protected;
        if self.shell {
            println!("export MHT_ENV={name}");
            println!("export AWS_REGION={}", env.region);
            if let Some(profile) = &env.profile {
                println!("export AWS_PROFILE={profile}");
            }
            if production {
                for line in banner(&name).lines() {
                    eprintln!("{line}");
                }
            }
            return Ok(ExitCode::SUCCESS);
        }
        if production {
            println!("{}", banner(&name));
        }
        let verb = if self.environment.is_some() {
            "switched to"
        } else {
            "active environment:"
        };
        println!(
            "{verb} `{name}` (region {}, account {}; kept in {STATE_FILE})",
            env.region, env.account_id
        );
        Ok(ExitCode::SUCCESS)
    }
}
