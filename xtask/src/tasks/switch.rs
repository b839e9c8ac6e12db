//! `cargo xtask switch [<env>] [--shell]`: remember the active environment, or show it.

use crate::project::{Project, STATE_FILE};
use anyhow::Result;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Switch {
    /// Environment to make active (or --env); without either, show the active one
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
        // The environment to switch to: the positional <ENV> or --env (they must agree).
        let chosen = p.explicit(self.environment.as_deref())?;
        let name = match &chosen {
            Some(chosen) => {
                p.check_selected(chosen)?;
                chosen.announce();
                p.write_switched(chosen)?;
                chosen.name.clone()
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
        let verb = if chosen.is_some() {
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
