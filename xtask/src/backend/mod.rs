//! The Terraform backend of an environment: its state bucket and (unless it locks with S3
//! native locking alone) its lock table, read against the
//! spec in `infra::expect` and brought to it idempotently. Nothing here deletes a bucket, a
//! table, a version or an object but a lock: the release lock ([`release_lock`], released by its
//! own run or by `unlock`) and Terraform's ([`state_lock`], by `unlock` or when a run of
//! Terraform left its own behind), each only while it still holds the id it is released for.
//! `setup-backend` prints what [`converge`] did; `plan` refuses to run while [`problems`] finds
//! any.

mod lock_table;
pub mod release_lock;
pub mod state_lock;

use crate::aws::{is_code, Aws};
use crate::s3::{self, Observation, State};
use anyhow::{Context, Result};
use infra::expect::{self, Bucket};
use infra::Environment;

/// What a run does to the backend.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Read only.
    Check,
    /// Read only, listing the calls an `Apply` with the same `repair` would make.
    DryRun { repair: bool },
    /// Create what is missing, write what is absent and, with `repair`, what differs.
    Apply { repair: bool },
}

impl Mode {
    /// Whether settings that differ from the spec are (or would be) rewritten.
    pub fn repair(self) -> bool {
        matches!(
            self,
            Mode::DryRun { repair: true } | Mode::Apply { repair: true }
        )
    }

    fn writes(self) -> bool {
        matches!(self, Mode::Apply { .. })
    }
}

/// The backend as found, and the calls that bring it to the spec.
pub struct Converged {
    /// The state bucket's settings (whether it exists first), then the lock table's; read before
    /// any change.
    pub rows: Vec<Observation>,
    /// Made (`Apply`) or to make.
    pub calls: Vec<String>,
}

/// `env`'s Terraform state bucket.
fn state_bucket(env: &Environment) -> Bucket {
    expect::buckets(env)
        .into_iter()
        .find(|b| b.purpose == "state")
        .expect("state bucket")
}

/// Read `env`'s state bucket and lock table and, as `mode` says, bring them to the spec.
pub fn converge(aws: &Aws, env: &Environment, mode: Mode) -> Result<Converged> {
    let bucket = state_bucket(env);
    let lock = expect::lock_table(env);
    let (s3c, db) = (aws.s3(), aws.dynamodb());
    aws.block_on(async {
        let (mut rows, mut calls) = if mode.writes() {
            s3::converge(aws, &s3c, &bucket, mode.repair()).await?
        } else {
            s3::dry_run(aws, &s3c, &bucket, mode.repair()).await?
        };
        // S3 native locking alone needs no table; one left from before is kept, never deleted.
        if env.backend.locking.uses_table() {
            let (table_rows, table_calls) = lock_table::converge(aws, &db, &lock, mode).await?;
            rows.extend(table_rows);
            calls.extend(table_calls);
        }
        Ok(Converged { rows, calls })
    })
}

/// What keeps `env`'s backend from matching the spec (`setup-backend --check` without output):
/// one line per missing or drifted setting; empty when ready.
pub fn problems(aws: &Aws, env: &Environment) -> Result<Vec<String>> {
    Ok(converge(aws, env, Mode::Check)?
        .rows
        .into_iter()
        .filter(|o| !matches!(o.state, State::Ok | State::Skipped))
        .map(|o| {
            format!(
                "{} {}: expected {}, found {}",
                o.resource, o.check, o.expected, o.actual
            )
        })
        .collect())
}

/// The object `key` of `env`'s state bucket (a lock) and its ETag; `None` when there is none.
fn read_lock_object(
    aws: &Aws,
    env: &Environment,
    key: &str,
) -> Result<Option<(Vec<u8>, Option<String>)>> {
    let bucket = &env.names.state_bucket;
    let got = aws.block_on(async {
        match aws.s3().get_object().bucket(bucket).key(key).send().await {
            Ok(object) => {
                let etag = object.e_tag.clone();
                Ok(Some((object.body.collect().await?.to_vec(), etag)))
            }
            Err(e) if is_code(&e, &["NoSuchKey"]) => Ok(None),
            Err(e) => Err(aws.error(&format!("s3:GetObject `{bucket}/{key}`"), e)),
        }
    });
    got.with_context(|| format!("cannot read the lock `s3://{bucket}/{key}`"))
}

/// Delete the object `key` of `env`'s state bucket while it is still the one read (`If-Match`
/// its ETag); `false` when it changed or went meanwhile.
fn delete_lock_object(
    aws: &Aws,
    env: &Environment,
    key: &str,
    etag: Option<String>,
) -> Result<bool> {
    let bucket = &env.names.state_bucket;
    let delete = aws
        .s3()
        .delete_object()
        .bucket(bucket)
        .key(key)
        .set_if_match(etag);
    match aws.block_on(delete.send()) {
        Ok(_) => Ok(true),
        Err(e) if is_code(&e, &["PreconditionFailed", "NoSuchKey"]) => Ok(false),
        Err(e) => Err(aws.error(&format!("s3:DeleteObject `{bucket}/{key}`"), e))
            .with_context(|| format!("cannot release the lock `s3://{bucket}/{key}`")),
    }
}
