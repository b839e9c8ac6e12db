//! Several environments at once (`plan --all`, `validate --live --all`): each runs in its own
//! thread, at most `--jobs` at a time, with its output kept apart (`output::capture`) and
//! printed as one block per environment, in the order of the list, as soon as the ones before
//! it are done; then the caller prints one result table.

use crate::output;
use anyhow::Result;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

/// `--jobs N`: how many environments run at once.
#[derive(clap::Args, Clone, Copy, Debug, Default)]
pub struct Jobs {
    /// With --all: how many environments run at once (default: all of them; 1: one by one)
    #[arg(long, value_name = "N", requires = "all", value_parser = clap::value_parser!(u16).range(1..))]
    jobs: Option<u16>,
}

impl Jobs {
    /// One by one (`--jobs 1`).
    pub fn one() -> Jobs {
        Jobs { jobs: Some(1) }
    }

    /// The bound for `count` environments: `--jobs`, else all of them at once (the runs mostly
    /// wait on Terraform and AWS, not on this machine's cores).
    pub fn bound(self, count: usize) -> usize {
        self.jobs.map_or(count, usize::from).clamp(1, count.max(1))
    }
}

/// One environment's run: what `f` returned, its wall time, and its kept output.
pub struct EnvRun<T> {
    pub env: String,
    pub result: Result<T>,
    pub seconds: f64,
    stdout: String,
    stderr: String,
}

impl<T> EnvRun<T> {
    /// The block of this run: its stdout (to stderr when `quiet` keeps stdout for JSON), then
    /// its stderr, under a header naming the environment; nothing for a run that printed
    /// nothing.
    fn print(&self, quiet: bool) {
        if self.stdout.is_empty() && self.stderr.is_empty() {
            return;
        }
        let header = format!("── {} ({:.1} s) ──\n", self.env, self.seconds);
        match quiet {
            true => eprint!("{header}{}", self.stdout),
            false => print!("{header}{}", self.stdout),
        }
        eprint!("{}", self.stderr);
    }
}

/// Run `f` for each of `names`, at most `jobs` at a time; prints each run's block in the order
/// of `names` (stdout to stderr when `quiet`) and returns the runs in that order.
pub fn each<T: Send>(
    names: &[String],
    jobs: Jobs,
    quiet: bool,
    f: impl Fn(&str) -> Result<T> + Sync,
) -> Vec<EnvRun<T>> {
    let next = AtomicUsize::new(0);
    let (tx, rx) = std::sync::mpsc::channel();
    let (f, next) = (&f, &next);
    std::thread::scope(|scope| {
        for _ in 0..jobs.bound(names.len()) {
            let tx = tx.clone();
            scope.spawn(move || loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some(env) = names.get(i) else { break };
                let start = Instant::now();
                let (result, stdout, stderr) = output::capture(|| f(env));
                let run = EnvRun {
                    env: env.clone(),
                    result,
                    seconds: start.elapsed().as_secs_f64(),
                    stdout,
                    stderr,
                };
                if tx.send((i, run)).is_err() {
                    break;
                }
            });
        }
        drop(tx);
        let mut done: Vec<Option<EnvRun<T>>> = names.iter().map(|_| None).collect();
        let mut printed = 0;
        for (i, run) in rx {
            done[i] = Some(run);
            while let Some(Some(run)) = done.get(printed) {
                run.print(quiet);
                printed += 1;
            }
        }
        done.into_iter().flatten().collect()
    })
}

/// The first line of an error with its causes: a table cell.
pub fn first_line(e: &anyhow::Error) -> String {
    format!("{e:#}")
        .lines()
        .next()
        .unwrap_or_default()
        .to_string()
}

/// The exit code of a multi-environment run: 1 when any failed, else 2 when any has changes,
/// else 0.
pub fn exit_code<T>(runs: &[EnvRun<T>], changed: impl Fn(&T) -> bool) -> std::process::ExitCode {
    let code = if runs.iter().any(|r| r.result.is_err()) {
        1
    } else if runs.iter().any(|r| r.result.as_ref().is_ok_and(&changed)) {
        crate::exit::CHANGES
    } else {
        0
    };
    std::process::ExitCode::from(code)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn names(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("env{i}")).collect()
    }

    #[test]
    fn runs_are_bounded_kept_apart_and_returned_in_order() {
        let running = AtomicUsize::new(0);
        let most = AtomicUsize::new(0);
        let runs = each(&names(5), Jobs { jobs: Some(2) }, true, |env| {
            let now = running.fetch_add(1, Ordering::SeqCst) + 1;
            most.fetch_max(now, Ordering::SeqCst);
            println!("stdout of {env}");
            eprintln!("stderr of {env}");
            // Later environments finish first: the order must still be the list's.
            std::thread::sleep(Duration::from_millis(60 - 10 * env[3..].parse::<u64>()?));
            running.fetch_sub(1, Ordering::SeqCst);
            anyhow::ensure!(env != "env3", "env3 failed");
            Ok(env.len())
        });
        assert_eq!(most.load(Ordering::SeqCst), 2);
        let order: Vec<&str> = runs.iter().map(|r| r.env.as_str()).collect();
        assert_eq!(order, ["env0", "env1", "env2", "env3", "env4"]);
        for r in &runs {
            assert_eq!(r.stdout, format!("stdout of {}\n", r.env));
            assert_eq!(r.stderr, format!("stderr of {}\n", r.env));
        }
        assert_eq!(
            runs[3].result.as_ref().unwrap_err().to_string(),
            "env3 failed"
        );
        assert_eq!(exit_code(&runs, |_| true), std::process::ExitCode::from(1));
        assert_eq!(
            exit_code(&runs[..3], |n| *n == 4),
            std::process::ExitCode::from(crate::exit::CHANGES)
        );
        assert_eq!(
            exit_code(&runs[..3], |_| false),
            std::process::ExitCode::SUCCESS
        );
    }

    #[test]
    fn the_bound_defaults_to_every_environment() {
        assert_eq!(Jobs::default().bound(5), 5);
        assert_eq!(Jobs::one().bound(5), 1);
        assert_eq!(Jobs { jobs: Some(9) }.bound(2), 2);
        assert_eq!(Jobs::default().bound(0), 1);
    }
}
