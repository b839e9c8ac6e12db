//! The region the bucket lives in: read, never written (a bucket cannot move).

use super::{observe, BucketSetting};
use crate::aws::Aws;
use crate::s3::{call, Observation};
use anyhow::Result;
use aws_sdk_s3::Client;
use infra::expect::Bucket;

pub async fn inspect(aws: &Aws, s3: &Client, spec: &Bucket) -> Result<Observation> {
    let b = spec.name.as_str();
    let location = s3
        .get_bucket_location()
        .bucket(b)
        .send()
        .await
        .map_err(|e| aws.error(&call("GetBucketLocation", b), e))?;
    let region = match location.location_constraint().map(|c| c.as_str()) {
        None | Some("") => "us-east-1",
        Some(r) => r,
    };
    Ok(observe(
        BucketSetting::Region,
        spec,
        spec.region.clone(),
        region,
        false,
    ))
}
