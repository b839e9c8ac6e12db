//! `cargo xtask local up|down|status|reset`: the local AWS emulator.

use crate::local::{self, State, Stopped, LOG_FILE};
use crate::project::Project;
use anyhow::Result;
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
        /// Port on 127.0.0.1; it must be free. 0 (or no --port) picks a free one
        #[arg(long)]
        port: Option<u16>,
    },
    /// Stop the emulator this checkout started (a record naming another process is dropped, the process left alone)
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
            Action::Down => match local::down(p)? {
                Stopped::Stopped(e) => println!("stopped the local emulator (pid {})", e.pid),
                Stopped::NotRecorded => println!("the local emulator is not running"),
                Stopped::Stale(what) => println!("the local emulator is not running: {what}"),
            },
            Action::Status => return status(p),
            Action::Reset => {
                let e = local::ours_for_reset(p)?;
                local::reset(&e)?;
                println!("reset: the emulator at {} holds no resources", e.endpoint());
            }
        }
        Ok(ExitCode::SUCCESS)
    }
}

/// Exit 0 when this checkout's emulator answers, else 3; a stale record is only described
/// (the next `local up` replaces it).
fn status(p: &Project) -> Result<ExitCode> {
    match local::state(p)? {
        State::Ours(e) if e.healthy() => {
            println!(
                "running: local emulator at {} (pid {})",
                e.endpoint(),
                e.pid
            );
            return Ok(ExitCode::SUCCESS);
        }
        State::Ours(e) => println!(
            "not answering: the local emulator (pid {}) runs but does not answer on port {}; see `{LOG_FILE}`",
            e.pid, e.port
        ),
        State::Stale(stale) => println!(
            "not running: {}{} (start it with `cargo xtask local up`)",
            stale.describe(),
            stale.advice()
        ),
        State::None => println!("not running (start it with `cargo xtask local up`)"),
    }
    Ok(ExitCode::from(crate::exit::NOT_RUNNING))
}
