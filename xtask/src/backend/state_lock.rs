//! Terraform's state lock, where the environment's `backend.locking` keeps it (the lock table,
//! the `.tflock` object beside the state in the state bucket, or both): who holds it, since
//! when, and the command that releases it. Read before Terraform runs, so a stale lock is
//! reported at once instead of after Terraform's lock timeout.

use crate::aws::{is_code, Aws};
use anyhow::{bail, Context, Result};
use aws_sdk_dynamodb::types::AttributeValue;
use infra::Environment;

/// A lock Terraform holds on an environment's state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lock {
    pub id: String,
    pub who: String,
    pub operation: String,
    /// When the lock was taken, as Terraform wrote it (UTC).
    pub created: String,
}

impl Lock {
    /// Parse the `Info` document Terraform stores with the lock.
    fn from_info(info: &str) -> Option<Lock> {
        let v: serde_json::Value = serde_json::from_str(info).ok()?;
        let field = |k: &str| v[k].as_str().unwrap_or("unknown").to_string();
        Some(Lock {
            id: v["ID"].as_str()?.to_string(),
            who: field("Who"),
            operation: field("Operation")
                .trim_start_matches("OperationType")
                .to_lowercase(),
            created: field("Created"),
        })
    }

    /// `held by root@host for apply since 2026-… (3 min ago), lock id …`.
    pub fn describe(&self) -> String {
        let age = crate::git::utc_seconds(&self.created)
            .zip(crate::git::utc_seconds(&crate::git::utc_now()))
            .map(|(then, now)| format!(" ({} ago)", ago(now - then)))
            .unwrap_or_default();
        format!(
            "held by {} for {} since {}{age}, lock id {}",
            self.who, self.operation, self.created, self.id
        )
    }

    /// The command that releases it.
    pub fn unlock_command(&self, env: &str) -> String {
        format!("cargo xtask unlock {env} {}", self.id)
    }
}

fn ago(seconds: i64) -> String {
    match seconds.max(0) {
        s if s < 120 => format!("{s} s"),
        s if s < 7200 => format!("{} min", s / 60),
        s if s < 172_800 => format!("{} h", s / 3600),
        s => format!("{} days", s / 86_400),
    }
}

/// The lock on `env`'s state, if one is held: in the lock table, else in the `.tflock`
/// object, as the environment locks.
pub fn held(aws: &Aws, env: &Environment) -> Result<Option<Lock>> {
    let locking = env.backend.locking;
    if locking.uses_table() {
        if let Some(lock) = in_table(aws, env)? {
            return Ok(Some(lock));
        }
    }
    if locking.uses_lockfile() {
        return in_lockfile(aws, env);
    }
    Ok(None)
}

fn in_table(aws: &Aws, env: &Environment) -> Result<Option<Lock>> {
    let key = format!("{}/{}", env.names.state_bucket, env.backend.key);
    let db = aws.dynamodb();
    let item = aws
        .block_on(
            db.get_item()
                .table_name(&env.names.lock_table)
                .key("LockID", AttributeValue::S(key))
                .consistent_read(true)
                .send(),
        )
        .map_err(|e| aws.error("dynamodb GetItem", e))
        .with_context(|| format!("cannot read the lock table `{}`", env.names.lock_table))?;
    Ok(item
        .item()
        .and_then(|i| i.get("Info"))
        .and_then(|v| v.as_s().ok())
        .and_then(|info| Lock::from_info(info)))
}

/// The S3 native lock: `<state key>.tflock` in the state bucket, holding the same lock info.
fn in_lockfile(aws: &Aws, env: &Environment) -> Result<Option<Lock>> {
    Ok(read_lockfile(aws, env)?.map(|(lock, _)| lock))
}

/// The `.tflock` object's lock, if it holds one, and its ETag.
fn read_lockfile(aws: &Aws, env: &Environment) -> Result<Option<(Lock, Option<String>)>> {
    let got = super::read_lock_object(aws, env, &lockfile_key(env))?;
    Ok(got.and_then(|(body, etag)| {
        Lock::from_info(&String::from_utf8_lossy(&body)).map(|lock| (lock, etag))
    }))
}

/// Release `lock` where the environment keeps it (the lock table's item, the `.tflock`
/// object), each only while it still holds this lock's id, as Terraform's `force-unlock` does;
/// unlike it, a lock left in one place only (`locking = both`: a run that died between the
/// two, or one whose table request was answered twice) is released too. Checked: no lock with
/// this id is held after it.
pub fn force_unlock(aws: &Aws, env: &Environment, lock: &Lock) -> Result<()> {
    let locking = env.backend.locking;
    if locking.uses_table() {
        unlock_table(aws, env, &lock.id)?;
    }
    if locking.uses_lockfile() {
        unlock_lockfile(aws, env, &lock.id)?;
    }
    if held(aws, env)?.is_some_and(|l| l.id == lock.id) {
        bail!(
            "the state lock {} of `{}` is still held after its release",
            lock.id,
            env.name
        );
    }
    Ok(())
}

/// Delete the lock table's item while it holds lock `id` (Terraform writes `"ID":"<id>"` into
/// its `Info`).
fn unlock_table(aws: &Aws, env: &Environment, id: &str) -> Result<()> {
    let key = format!("{}/{}", env.names.state_bucket, env.backend.key);
    let deleted = aws.block_on(
        aws.dynamodb()
            .delete_item()
            .table_name(&env.names.lock_table)
            .key("LockID", AttributeValue::S(key))
            .condition_expression("contains(Info, :id)")
            .expression_attribute_values(":id", AttributeValue::S(format!("\"ID\":\"{id}\"")))
            .send(),
    );
    match deleted {
        // Not there, or another lock now: nothing of `id`'s to release.
        Err(e) if is_code(&e, &["ConditionalCheckFailedException"]) => Ok(()),
        other => other
            .map(|_| ())
            .map_err(|e| aws.error("dynamodb:DeleteItem", e))
            .with_context(|| format!("cannot release the lock in `{}`", env.names.lock_table)),
    }
}

/// Delete the `.tflock` object while it holds lock `id` (`If-Match` the ETag read).
fn unlock_lockfile(aws: &Aws, env: &Environment, id: &str) -> Result<()> {
    if let Some((_, etag)) = read_lockfile(aws, env)?.filter(|(l, _)| l.id == id) {
        super::delete_lock_object(aws, env, &lockfile_key(env), etag)?;
    }
    Ok(())
}

/// Run `terraform`, a command that takes `env`'s state lock for `operation` (`plan`, `apply`),
/// once more when it failed on a lock that is its own: taken for that operation by this user on
/// this machine as the command started, and left behind. That happens when a lock request
/// reaches the lock table but its answer is lost (a loaded server, a dropped connection):
/// Terraform's client sends it again, the table refuses the copy (the lock exists: its own),
/// and Terraform waits out its lock timeout and stops, having changed nothing. Such a lock is
/// released and the command run again, once; any other failure is returned as it is.
pub fn retry_own_lock<T>(
    env: &Environment,
    aws: &Aws,
    operation: &str,
    terraform: impl Fn() -> Result<T>,
) -> Result<T> {
    let started = crate::git::utc_now();
    let first = terraform();
    let lock = match &first {
        Err(e) if !crate::interrupt::interrupted() && is_lock_failure(e) => held(aws, env)
            .ok()
            .flatten()
            .filter(|l| l.left_by(&super::release_lock::who(), operation, &started)),
        _ => None,
    };
    let Some(lock) = lock else { return first };
    eprintln!(
        "note: Terraform stopped on its own state lock of `{}` ({}): its lock request was answered twice; released, running `terraform {operation}` once more",
        env.name,
        lock.describe()
    );
    force_unlock(aws, env, &lock)?;
    terraform()
}

/// Terraform could not take the state lock: its diagnostic's summary, or the paragraph that
/// ends it (all a plan's error keeps when only the end of Terraform's output is shown).
fn is_lock_failure(e: &anyhow::Error) -> bool {
    let text = format!("{e:#}");
    text.contains("Error acquiring the state lock")
        || text.contains("Terraform acquires a state lock to protect the state")
}

/// How soon after its start a Terraform command takes the state lock, at the most: a lock
/// taken later is another run's.
const LOCK_TAKEN_WITHIN: i64 = 30;

impl Lock {
    /// Taken by `who` for `operation` within [`LOCK_TAKEN_WITHIN`] seconds from `since` (UTC, as
    /// `git::utc_now` writes it).
    fn left_by(&self, who: &str, operation: &str, since: &str) -> bool {
        let in_time = crate::git::utc_seconds(&self.created)
            .zip(crate::git::utc_seconds(since))
            .is_some_and(|(created, since)| (since..=since + LOCK_TAKEN_WITHIN).contains(&created));
        self.who == who && self.operation == operation && in_time
    }
}

/// The key of the `.tflock` object Terraform's S3 native locking writes beside the state.
pub fn lockfile_key(env: &Environment) -> String {
    format!("{}.tflock", env.backend.key)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Only a lock this user took on this machine for the same operation since the command
    /// started is taken for the command's own: anyone else's, or an older one, stays.
    #[test]
    fn a_lock_left_behind_is_only_ever_the_commands_own() {
        let lock = |who: &str, op: &str, created: &str| Lock {
            id: "1".into(),
            who: who.into(),
            operation: op.into(),
            created: created.into(),
        };
        let since = "2026-11-30T05:36:06Z";
        let own = lock("ci@runner", "plan", "2026-11-30T05:36:08.123456789Z");
        assert!(own.left_by("ci@runner", "plan", since));
        assert!(
            lock("ci@runner", "plan", "2026-11-30T05:36:06.000Z").left_by(
                "ci@runner",
                "plan",
                since
            )
        );
        assert!(!own.left_by("dev@laptop", "plan", since));
        assert!(!own.left_by("ci@runner", "apply", since));
        assert!(
            !lock("ci@runner", "plan", "2026-11-30T05:36:05.999Z").left_by(
                "ci@runner",
                "plan",
                since
            )
        );
        assert!(!lock("ci@runner", "plan", "unknown").left_by("ci@runner", "plan", since));
        // Taken 30 s after the start at the latest: a plan that began later is another run.
        let late =
            |created: &str| lock("ci@runner", "plan", created).left_by("ci@runner", "plan", since);
        assert!(late("2026-11-30T05:36:36.9Z"));
        assert!(!late("2026-11-30T05:36:37Z"));
    }

    /// A plan's error keeps only the end of Terraform's output; an apply's keeps the summary.
    #[test]
    fn a_lock_failure_is_told_from_other_failures() {
        let plan_tail = anyhow::anyhow!("`terraform plan` failed (log `x`):\n  Info:\n\nTerraform acquires a state lock to protect the state from being written\nby multiple users at the same time.");
        assert!(is_lock_failure(&plan_tail));
        let apply = anyhow::anyhow!("`terraform apply` failed (log `x`):\nError acquiring the state lock ConditionalCheckFailedException");
        assert!(is_lock_failure(&apply));
        let other = anyhow::anyhow!(
            "`terraform plan` failed (log `x`):\nError: creating SQS Queue: QueueAlreadyExists"
        );
        assert!(!is_lock_failure(&other));
        let releasing = anyhow::anyhow!(
            "Error releasing the state lock\nTerraform acquires a lock when accessing your state"
        );
        assert!(!is_lock_failure(&releasing));
    }

    #[test]
    fn terraforms_lock_info_reads_back() {
        let info = r#"{"ID":"5f1d-77","Operation":"OperationTypeApply","Info":"","Who":"ci@runner","Version":"1.9.8","Created":"2026-11-29T10:00:00.123Z","Path":"b/k"}"#;
        let lock = Lock::from_info(info).unwrap();
        assert_eq!(lock.id, "5f1d-77");
        assert_eq!(lock.operation, "apply");
        let text = lock.describe();
        assert!(
            text.starts_with("held by ci@runner for apply since 2026-11-29T10:00:00.123Z ("),
            "{text}"
        );
        assert!(text.ends_with("ago), lock id 5f1d-77"), "{text}");
        assert_eq!(
            lock.unlock_command("staging"),
            "cargo xtask unlock staging 5f1d-77"
        );
        assert_eq!(Lock::from_info("not json"), None);
        assert_eq!(Lock::from_info(r#"{"Who":"x"}"#), None);
    }

    #[test]
    fn ages_read_as_a_person_says_them() {
        assert_eq!(ago(5), "5 s");
        assert_eq!(ago(600), "10 min");
        assert_eq!(ago(10_800), "3 h");
        assert_eq!(ago(864_000), "10 days");
        assert_eq!(ago(-3), "0 s");
    }
}
