//! Default server-side encryption with the spec's algorithm.

use super::{observe, BucketSetting};
use crate::aws::{self, Aws};
use crate::s3::{call, Observation};
use anyhow::Result;
use aws_sdk_s3::types::{
    ServerSideEncryption, ServerSideEncryptionByDefault, ServerSideEncryptionConfiguration,
    ServerSideEncryptionRule,
};
use aws_sdk_s3::Client;
use infra::expect::Bucket;

pub async fn inspect(aws: &Aws, s3: &Client, spec: &Bucket) -> Result<Observation> {
    let b = spec.name.as_str();
    let actual = match s3.get_bucket_encryption().bucket(b).send().await {
        Ok(r) => r
            .server_side_encryption_configuration()
            .and_then(|c| c.rules().first())
            .and_then(|r| r.apply_server_side_encryption_by_default())
            .map(|d| d.sse_algorithm().as_str().to_string())
            .unwrap_or_else(|| "none".into()),
        Err(e) if aws::is_code(&e, &["ServerSideEncryptionConfigurationNotFoundError"]) => {
            "none".into()
        }
        Err(e) => return Err(aws.error(&call("GetBucketEncryption", b), e)),
    };
    let none = actual == "none";
    Ok(observe(
        BucketSetting::Encryption,
        spec,
        spec.sse_algorithm,
        actual,
        none,
    ))
}

pub fn describe(spec: &Bucket) -> String {
    format!(
        "s3:PutBucketEncryption `{}` {}",
        spec.name, spec.sse_algorithm
    )
}

pub async fn fix(aws: &Aws, s3: &Client, spec: &Bucket) -> Result<()> {
    let default = ServerSideEncryptionByDefault::builder()
        .sse_algorithm(ServerSideEncryption::from(spec.sse_algorithm))
        .build()?;
    let rule = ServerSideEncryptionRule::builder()
        .apply_server_side_encryption_by_default(default)
        .build();
    s3.put_bucket_encryption()
        .bucket(&spec.name)
        .server_side_encryption_configuration(
            ServerSideEncryptionConfiguration::builder()
                .rules(rule)
                .build()?,
        )
        .send()
        .await
        .map_err(|e| aws.error(&call("PutBucketEncryption", &spec.name), e))?;
    Ok(())
}
