//! Server access logging into the environment's log bucket.

use super::{observe, BucketSetting};
use crate::aws::Aws;
use crate::s3::{call, Observation};
use anyhow::Result;
use aws_sdk_s3::types::{BucketLoggingStatus, LoggingEnabled};
use aws_sdk_s3::Client;
use infra::expect::{self, Bucket};

/// The target bucket, or `off`.
fn target(spec: &Bucket) -> &str {
    spec.logging_target.as_deref().unwrap_or("off")
}

pub async fn inspect(aws: &Aws, s3: &Client, spec: &Bucket) -> Result<Observation> {
    let b = spec.name.as_str();
    let logging = s3
        .get_bucket_logging()
        .bucket(b)
        .send()
        .await
        .map_err(|e| aws.error(&call("GetBucketLogging", b), e))?;
    let actual = logging
        .logging_enabled()
        .map(|l| l.target_bucket())
        .unwrap_or("off");
    Ok(observe(
        BucketSetting::AccessLogging,
        spec,
        target(spec),
        actual,
        actual == "off",
    ))
}

pub fn describe(spec: &Bucket) -> String {
    format!("s3:PutBucketLogging `{}` → {}", spec.name, target(spec))
}

pub async fn fix(aws: &Aws, s3: &Client, spec: &Bucket) -> Result<()> {
    let mut status = BucketLoggingStatus::builder();
    if let Some(target) = &spec.logging_target {
        status = status.logging_enabled(
            LoggingEnabled::builder()
                .target_bucket(target)
                .target_prefix(expect::access_log_prefix(&spec.name))
                .build()?,
        );
    }
    s3.put_bucket_logging()
        .bucket(&spec.name)
        .bucket_logging_status(status.build())
        .send()
        .await
        .map_err(|e| aws.error(&call("PutBucketLogging", &spec.name), e))?;
    Ok(())
}
