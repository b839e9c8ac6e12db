//! Object ownership controls.

use super::{observe, BucketSetting};
use crate::aws::{self, Aws};
use crate::s3::{call, Observation};
use anyhow::Result;
use aws_sdk_s3::types::{ObjectOwnership, OwnershipControls, OwnershipControlsRule};
use aws_sdk_s3::Client;
use infra::expect::Bucket;

pub async fn inspect(aws: &Aws, s3: &Client, spec: &Bucket) -> Result<Observation> {
    let b = spec.name.as_str();
    let actual = match s3.get_bucket_ownership_controls().bucket(b).send().await {
        Ok(r) => r
            .ownership_controls()
            .and_then(|c| c.rules().first())
            .map(|r| r.object_ownership().as_str().to_string())
            .unwrap_or_else(|| "none".into()),
        Err(e) if aws::is_code(&e, &["OwnershipControlsNotFoundError"]) => "none".into(),
        Err(e) => return Err(aws.error(&call("GetBucketOwnershipControls", b), e)),
    };
    let none = actual == "none";
    Ok(observe(
        BucketSetting::ObjectOwnership,
        spec,
        spec.object_ownership,
        actual,
        none,
    ))
}

pub fn describe(spec: &Bucket) -> String {
    format!(
        "s3:PutBucketOwnershipControls `{}` {}",
        spec.name, spec.object_ownership
    )
}

pub async fn fix(aws: &Aws, s3: &Client, spec: &Bucket) -> Result<()> {
    let rule = OwnershipControlsRule::builder()
        .object_ownership(ObjectOwnership::from(spec.object_ownership))
        .build()?;
    s3.put_bucket_ownership_controls()
        .bucket(&spec.name)
        .ownership_controls(OwnershipControls::builder().rules(rule).build()?)
        .send()
        .await
        .map_err(|e| aws.error(&call("PutBucketOwnershipControls", &spec.name), e))?;
    Ok(())
}
