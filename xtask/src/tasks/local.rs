//! `cargo xtask local up|down|status|reset`: the local AWS emulator.

use crate::local::{self, LOG_FILE};
use crate::project::Project;
use anyhow::{bail, Result};
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Local {
    #[command(subcommand)]
    action: Action,
}

#[derive(clap::Subcommand)]
enum Action {
    /// Start moto on loopback (a free port unless --port), or report the running one
    Up {
        #[arg(long)]
        port: Option<u16>,
    },
    /// Stop the emulator
    Down,
    /// Whether the emulator runs, and where
    Status,
    /// Drop every resource the emulator holds
    Reset,
}

impl Local {
    pub fn run(self, p: &Project) -> Result<ExitCode> {
        match self.action {
            Action::Up { port } => {
                let (e, started) = local::up(p, port)?;
                let verb = if started {
                    "started"
                } else {
                    "already running"
                };
                println!(
                    "{verb}: local emulator at {} (pid {}, log {LOG_FILE})",
                    e.endpoint(),
                    e.pid
                );
                println!("use it with --local or MHT_LOCAL=1");
            }
            Action::Down => {
                if local::down(p)? {
                    println!("stopped the local emulator");
                } else {
                    println!("the local emulator is not running");
                }
            }
            Action::Status => match local::running(p)? {
                Some(e) => println!(
                    "running: local emulator at {} (pid {})",
                    e.endpoint(),
                    e.pid
                ),
                None => {
                    println!("not running (start it with `cargo xtask local up`)");
                    return Ok(ExitCode::from(3));
                }
            },
            Action::Reset => {
                let Some(e) = local::running(p)? else {
                    bail!(
                        "the local emulator is not running; start it with `cargo xtask local up`"
                    );
                };
                local::reset(&e)?;
                println!("reset: the emulator at {} holds no resources", e.endpoint());
            }
        }
        Ok(ExitCode::SUCCESS)
    }
}
