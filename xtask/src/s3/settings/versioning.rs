//! Object versioning: enabled where the spec keeps versions.

use super::{observe, BucketSetting};
use crate::aws::{self, Aws};
use crate::s3::{call, Observation};
use anyhow::Result;
use aws_sdk_s3::types::{BucketVersioningStatus, VersioningConfiguration};
use aws_sdk_s3::Client;
use infra::expect::Bucket;

/// The live status; `None` when versioning was never enabled.
async fn status(aws: &Aws, s3: &Client, b: &str) -> Result<Option<BucketVersioningStatus>> {
    match s3.get_bucket_versioning().bucket(b).send().await {
        Ok(v) => Ok(v.status().cloned()),
        Err(e) => match aws::raw_body(&e).filter(|b| b.contains("<GetBucketVersioningResponse")) {
            // moto wraps the answer in a `GetBucketVersioningResponse` element, which the SDK
            // cannot parse (AWS sends `VersioningConfiguration`): read the status from the body.
            Some(body) => Ok(body
                .split_once("<Status>")
                .and_then(|(_, rest)| rest.split_once("</Status>"))
                .map(|(status, _)| BucketVersioningStatus::from(status))),
            None => Err(aws.error(&call("GetBucketVersioning", b), e)),
        },
    }
}

pub async fn inspect(aws: &Aws, s3: &Client, spec: &Bucket) -> Result<Observation> {
    let (actual, never) = match status(aws, s3, &spec.name).await? {
        Some(BucketVersioningStatus::Enabled) => ("Enabled", false),
        Some(BucketVersioningStatus::Suspended) => ("Suspended", false),
        _ => ("never enabled", true),
    };
    let (expected, actual) = match (spec.versioning, actual) {
        (true, actual) => ("Enabled", actual),
        (false, "Enabled") => ("not enabled", "Enabled"),
        (false, _) => ("not enabled", "not enabled"),
    };
    Ok(observe(
        BucketSetting::Versioning,
        spec,
        expected,
        actual,
        never,
    ))
}

pub fn describe(spec: &Bucket) -> String {
    format!("s3:PutBucketVersioning `{}` Enabled", spec.name)
}

pub async fn fix(aws: &Aws, s3: &Client, spec: &Bucket) -> Result<()> {
    let status = if spec.versioning {
        BucketVersioningStatus::Enabled
    } else {
        BucketVersioningStatus::Suspended
    };
    s3.put_bucket_versioning()
        .bucket(&spec.name)
        .versioning_configuration(VersioningConfiguration::builder().status(status).build())
        .send()
        .await
        .map_err(|e| aws.error(&call("PutBucketVersioning", &spec.name), e))?;
    Ok(())
}
