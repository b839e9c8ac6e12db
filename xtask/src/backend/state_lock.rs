//! Terraform's state lock, where the environment's `backend.locking` keeps it (the lock table,
//! the `.tflock` object beside the state in the state bucket, or both): who holds it, since
//! when, and the command that releases it. Read before Terraform runs, so a stale lock is
//! reported at once instead of after Terraform's lock timeout.

use crate::aws::Aws;
use anyhow::{Context, Result};
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
    let (bucket, key) = (&env.names.state_bucket, lockfile_key(env));
    let got = aws.block_on(async {
        match aws.s3().get_object().bucket(bucket).key(&key).send().await {
            Ok(object) => Ok(Some(object.body.collect().await?.into_bytes())),
            Err(e) if crate::aws::is_code(&e, &["NoSuchKey"]) => Ok(None),
            Err(e) => Err(aws.error(&format!("s3:GetObject `{bucket}/{key}`"), e)),
        }
    });
    let body = got.with_context(|| format!("cannot read the state lock `s3://{bucket}/{key}`"))?;
    Ok(body.and_then(|b| Lock::from_info(&String::from_utf8_lossy(&b))))
}

/// The key of the `.tflock` object Terraform's S3 native locking writes beside the state.
pub fn lockfile_key(env: &Environment) -> String {
    format!("{}.tflock", env.backend.key)
}

#[cfg(test)]
mod tests {
    use super::*;

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
