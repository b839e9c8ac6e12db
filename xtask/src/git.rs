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

/// The text of `path` (relative to the root) at `rev`, or why it cannot be read.
pub fn show(root: &Path, rev: &str, path: &str) -> Result<String> {
    let sh = shell(root)?;
    let spec = format!("{rev}:{path}");
    cmd!(sh, "git show {spec}")
        .quiet()
        .ignore_stderr()
        .read()
        .with_context(|| format!("`{path}` is not in `{rev}` (an unknown ref, or a commit from before the file existed)"))
}

/// The commit `rev` names, or an error naming it.
pub fn commit(root: &Path, rev: &str) -> Result<String> {
    let sh = shell(root)?;
    let spec = format!("{rev}^{{commit}}");
    cmd!(sh, "git rev-parse --verify --quiet {spec}")
        .quiet()
        .ignore_stderr()
        .read()
        .ok()
        .filter(|c| !c.is_empty())
        .with_context(|| format!("`{rev}` names no commit in `{}`", root.display()))
}

/// The best common ancestor of `a` and `b`, when both exist and have one.
pub fn merge_base(root: &Path, a: &str, b: &str) -> Option<String> {
    let sh = shell(root).ok()?;
    cmd!(sh, "git merge-base {a} {b}")
        .quiet()
        .ignore_stderr()
        .read()
        .ok()
        .filter(|c| !c.is_empty())
}

/// Whether anything under `path` differs between `rev` and the work tree (committed or not).
pub fn changed_since(root: &Path, rev: &str, path: &str) -> Result<bool> {
    let sh = shell(root)?;
    let out = cmd!(sh, "git diff --name-only {rev} -- {path}")
        .quiet()
        .read()
        .with_context(|| format!("cannot compare `{path}` with `{rev}`"))?;
    Ok(!out.trim().is_empty())
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
    utc_at(unix_now())
}

/// Seconds since the Unix epoch, now.
pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default()
}

/// The UTC time `secs` seconds after the Unix epoch, written `2026-11-28T17:08:20Z`.
pub fn utc_at(secs: i64) -> String {
    let (days, rest) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
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

/// Seconds since the Unix epoch of a UTC time written `2026-11-28T17:08:20…Z` (fractions and
/// the zone letter ignored); `None` when it is not one.
pub fn utc_seconds(text: &str) -> Option<i64> {
    let num = |range: std::ops::Range<usize>| text.get(range)?.parse::<i64>().ok();
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hh, mm, ss) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) || text.get(10..11) != Some("T") {
        return None;
    }
    // Days since 1970-01-01 from a civil date (Howard Hinnant's algorithm, inverse of above).
    let y = y - i64::from(m <= 2);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * 86_400 + hh * 3600 + mm * 60 + ss)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_times_read_back() {
        assert_eq!(utc_seconds("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(utc_seconds("2000-03-01T00:00:01.5Z"), Some(951_868_801));
        let now = utc_now();
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        assert!((utc_seconds(&now).unwrap() - secs).abs() <= 1, "{now}");
        assert_eq!(utc_seconds("yesterday"), None);
        assert_eq!(utc_seconds("2026-13-01T00:00:00Z"), None);
    }
}
