//! Deployment records: one JSON object per deploy (or destroy), success or failure, in the
//! environment's own state bucket under `deployments/`. `history` lists them; the promotion gate
//! reads the previous environment's.

use crate::aws::Aws;
use anyhow::Result;
use aws_sdk_s3::primitives::ByteStream;
use infra::Environment;
use serde::{Deserialize, Serialize};

/// Key prefix of the records in the state bucket.
pub const PREFIX: &str = "deployments/";

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Record {
    pub environment: String,
    /// `deploy` or `destroy`.
    pub action: String,
    /// `success`, `no changes` or `failed: <why>`.
    pub result: String,
    pub commit: String,
    pub started_at: String,
    pub finished_at: String,
    /// The AWS caller's ARN.
    pub caller: String,
    /// The git user, for humans.
    pub user: String,
    pub add: usize,
    pub change: usize,
    pub destroy: usize,
    /// Phase name and seconds.
    pub durations: Vec<(String, f64)>,
    /// Set when the promotion gate was overridden: who asked, recorded.
    pub promotion_gate_override: bool,
}

impl Record {
    pub fn succeeded(&self) -> bool {
        self.result == "success" || self.result == "no changes"
    }
}

/// Store a record in `env`'s state bucket.
pub fn put(aws: &Aws, env: &Environment, record: &Record) -> Result<String> {
    let key = format!(
        "{PREFIX}{}-{}-{}.json",
        record.started_at,
        record.action,
        &record.commit[..record.commit.len().min(12)]
    );
    let body = serde_json::to_vec_pretty(record)?;
    aws.block_on(
        aws.s3()
            .put_object()
            .bucket(&env.names.state_bucket)
            .key(&key)
            .content_type("application/json")
            .body(ByteStream::from(body))
            .send(),
    )
    .map_err(|e| {
        aws.error(
            &format!("s3:PutObject `{}/{key}`", env.names.state_bucket),
            e,
        )
    })?;
    Ok(key)
}

/// Every record of `env`, oldest first.
pub fn list(aws: &Aws, env: &Environment) -> Result<Vec<Record>> {
    let s3 = aws.s3();
    let bucket = &env.names.state_bucket;
    aws.block_on(async {
        let mut keys = Vec::new();
        let mut token = None;
        loop {
            let page = s3
                .list_objects_v2()
                .bucket(bucket)
                .prefix(PREFIX)
                .set_continuation_token(token)
                .send()
                .await
                .map_err(|e| {
                    if crate::aws::is_code(&e, &["NoSuchBucket"]) {
                        anyhow::anyhow!(
                            "`{}` has no state bucket `{bucket}` yet, so no records; run `cargo xtask setup-backend {}`",
                            env.name,
                            env.name
                        )
                    } else {
                        aws.error(&format!("s3:ListObjectsV2 `{bucket}/{PREFIX}`"), e)
                    }
                })?;
            keys.extend(
                page.contents()
                    .iter()
                    .filter_map(|o| o.key().map(String::from)),
            );
            token = page.next_continuation_token().map(String::from);
            if token.is_none() {
                break;
            }
        }
        keys.sort();
        let mut records = Vec::new();
        for key in keys {
            let object = s3
                .get_object()
                .bucket(bucket)
                .key(&key)
                .send()
                .await
                .map_err(|e| aws.error(&format!("s3:GetObject `{bucket}/{key}`"), e))?;
            let bytes = object.body.collect().await?.into_bytes();
            match serde_json::from_slice::<Record>(&bytes) {
                Ok(r) => records.push(r),
                Err(e) => eprintln!("warning: skipping unreadable record `{key}`: {e}"),
            }
        }
        Ok(records)
    })
}
