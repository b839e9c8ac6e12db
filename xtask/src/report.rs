//! The report of a live check task (`test-s3`, `test-sqs`): a table of checks with expected
//! vs. found on failure, or JSON; exit 0 when every check passed, 1 otherwise.

use crate::table;
use crate::Format;
use anyhow::Result;
use serde_json::json;
use std::process::ExitCode;
use std::time::Duration;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Check {
    pub resource: String,
    pub check: String,
    pub passed: bool,
    /// Not checked on this target (the local emulator lacks the feature); counts as passed.
    pub skipped: bool,
    pub expected: String,
    pub found: String,
}

impl Check {
    pub fn new(
        resource: &str,
        check: impl Into<String>,
        expected: impl Into<String>,
        found: impl Into<String>,
    ) -> Check {
        let (expected, found) = (expected.into(), found.into());
        Check {
            resource: resource.to_string(),
            check: check.into(),
            passed: expected == found,
            skipped: false,
            expected,
            found,
        }
    }

    /// A check that passed or failed for a reason other than a value mismatch.
    pub fn outcome(
        resource: &str,
        check: impl Into<String>,
        result: Result<String, String>,
    ) -> Check {
        let (passed, found) = match result {
            Ok(found) => (true, found),
            Err(found) => (false, found),
        };
        Check {
            resource: resource.to_string(),
            check: check.into(),
            passed,
            skipped: false,
            expected: if passed {
                found.clone()
            } else {
                "success".into()
            },
            found,
        }
    }
}

/// Print the checks of `task` for `env` and turn them into the exit code.
pub fn print(
    task: &str,
    env: &str,
    checks: &[Check],
    elapsed: Duration,
    format: Format,
) -> Result<ExitCode> {
    let failed = checks.iter().filter(|c| !c.passed).count();
    match format {
        Format::Json => {
            let list: Vec<_> = checks
                .iter()
                .map(|c| json!({"resource": c.resource, "check": c.check, "passed": c.passed, "skipped": c.skipped, "expected": c.expected, "found": c.found}))
                .collect();
            println!(
                "{}",
                serde_json::to_string_pretty(&json!({
                    "task": task, "environment": env, "ok": failed == 0,
                    "skipped": checks.iter().filter(|c| c.skipped).count(),
                    "passed": checks.len() - failed, "failed": failed,
                    "elapsed_ms": elapsed.as_millis() as u64, "checks": list,
                }))?
            );
        }
        Format::Text => {
            let rows: Vec<Vec<String>> = checks
                .iter()
                .map(|c| {
                    let (result, expected, found) = if c.skipped {
                        ("skipped", String::new(), c.found.clone())
                    } else if c.passed {
                        ("ok", String::new(), String::new())
                    } else {
                        ("FAILED", c.expected.clone(), c.found.clone())
                    };
                    vec![
                        c.resource.clone(),
                        c.check.clone(),
                        result.into(),
                        expected,
                        found,
                    ]
                })
                .collect();
            print!(
                "{}",
                table::render(&["resource", "check", "result", "expected", "found"], &rows)
            );
            let skipped = checks.iter().filter(|c| c.skipped).count();
            let summary = format!(
                "\n{task} `{env}`: {} passed, {failed} failed, {skipped} skipped in {:.2} s",
                checks.len() - failed - skipped,
                elapsed.as_secs_f64()
            );
            if failed == 0 {
                println!("{summary}");
            } else {
                eprintln!("{summary}");
            }
        }
    }
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// A run id unique enough for smoke-test keys and message ids.
pub fn run_id() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    format!("{nanos:x}-{}", std::process::id())
}
