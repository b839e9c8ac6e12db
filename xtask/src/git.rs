//! What the work tree holds: the commit a deploy ships, and whether it has uncommitted changes.

use anyhow::{bail, Context, Result};
use std::path::Path;
use xshell::{cmd, Shell};

fn shell(root: &Path) -> Result<Shell> {
    let sh = Shell::new()?;
    sh.change_dir(root);
    Ok(sh)
}

/// The commit checked out at `root`.
pub fn head(root: &Path) -> Result<String> {
    let sh = shell(root)?;
    let out = cmd!(sh, "git rev-parse HEAD")
        .quiet()
        .ignore_stderr()
        .read();
    match out {
        Ok(commit) if !commit.is_empty() => Ok(commit),
        _ => bail!(
            "`{}` is not a git checkout with a commit; deploys ship commits",
            root.display()
        ),
    }
}

/// Tracked changes or untracked files that are not ignored.
pub fn dirty(root: &Path) -> Result<Vec<String>> {
    let sh = shell(root)?;
    let out = cmd!(sh, "git status --porcelain")
        .quiet()
        .read()
        .context("cannot run `git status`")?;
    Ok(out
        .lines()
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty())
        .collect())
}

/// Who deploys, as git knows them (for records; the AWS caller ARN is recorded too).
pub fn user(root: &Path) -> String {
    shell(root)
        .ok()
        .and_then(|sh| {
            cmd!(sh, "git config user.email")
                .quiet()
                .ignore_stderr()
                .read()
                .ok()
        })
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| "unknown".into())
}

/// Now as `2026-11-28T17:08:20Z` (UTC), without a date crate.
pub fn utc_now() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    let (days, rest) = (secs / 86_400, secs % 86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}
