//! `cargo xtask scan`: checkov over the modules as each environment's rendered root calls them
//! (see [`crate::scan`]). Prints every finding that did not pass with its reason, the counts and
//! the time; exit 1 on any failure without an accepted reason.

use crate::project::Project;
use crate::scan::{self, Finding, Verdict, SKIPS_FILE};
use anyhow::{Context, Result};
use std::process::ExitCode;
use std::time::Instant;

#[derive(clap::Args)]
pub struct Scan {}

fn row(f: &Finding) -> Vec<String> {
    let (result, why) = match &f.verdict {
        Verdict::Passed => ("passed", String::new()),
        Verdict::Failed => (
            "FAILED",
            "no reason given: fix it, or skip it with a reason".into(),
        ),
        Verdict::Skipped { reason, by } => ("skipped", format!("{reason} ({by})")),
    };
    vec![
        f.environment.clone(),
        f.check.clone(),
        f.resource.clone(),
        result.to_string(),
        why,
    ]
}

impl Scan {
    pub fn run(self, p: &Project) -> Result<ExitCode> {
        let start = Instant::now();
        let skips_path = p.root.join(SKIPS_FILE);
        let skips = scan::parse_skips(
            &std::fs::read_to_string(&skips_path)
                .with_context(|| format!("cannot read `{}`", skips_path.display()))?,
        )?;
        let checkov = scan::checkov(p)?;
        let stage =
            scan::Stage(std::env::temp_dir().join(format!("mht-scan-{}", std::process::id())));
        let mut dirs = Vec::new();
        for builder in p.builders() {
            let env = builder.env_name().to_string();
            let dir = scan::stage_root(p, &stage.0, &env)?;
            dirs.push((env, dir));
        }
        let mut all = Vec::new();
        for (env, report) in scan::run_checkov(&checkov, &dirs)? {
            all.extend(scan::findings(&env, &report, &skips));
        }
        let shown: Vec<Vec<String>> = all
            .iter()
            .filter(|f| f.verdict != Verdict::Passed)
            .map(row)
            .collect();
        print!(
            "{}",
            crate::table::render(
                &["environment", "check", "resource", "result", "why"],
                &shown
            )
        );
        for stale in scan::unused(&skips, &all) {
            eprintln!(
                "warning: `{SKIPS_FILE}` accepts {} on `{}` ({}), which no longer fails: remove the entry",
                stale.check,
                stale.resource,
                stale.environment.as_deref().unwrap_or("every environment")
            );
        }
        let count = |v: fn(&Verdict) -> bool| all.iter().filter(|f| v(&f.verdict)).count();
        let failed = count(|v| *v == Verdict::Failed);
        println!(
            "\ncheckov over {} roots: {} passed, {failed} failed, {} skipped with a reason ({:.1} s)",
            dirs.len(),
            count(|v| *v == Verdict::Passed),
            count(|v| matches!(v, Verdict::Skipped { .. })),
            start.elapsed().as_secs_f64()
        );
        Ok(if failed == 0 {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        })
    }
}
