//! The public access block: all four settings on.

use super::{observe, BucketSetting};
use crate::aws::{self, Aws};
use crate::s3::{call, Observation};
use anyhow::Result;
use aws_sdk_s3::types::PublicAccessBlockConfiguration;
use aws_sdk_s3::Client;
use infra::expect::Bucket;

const ALL_ON: &str = "all four on";

/// `all four on`, or the ones that are off.
fn text(c: &PublicAccessBlockConfiguration) -> String {
    let flags = [
        ("BlockPublicAcls", c.block_public_acls()),
        ("IgnorePublicAcls", c.ignore_public_acls()),
        ("BlockPublicPolicy", c.block_public_policy()),
        ("RestrictPublicBuckets", c.restrict_public_buckets()),
    ];
    let off: Vec<&str> = flags
        .iter()
        .filter(|(_, v)| *v != Some(true))
        .map(|(n, _)| *n)
        .collect();
    if off.is_empty() {
        ALL_ON.to_string()
    } else {
        format!("off: {}", off.join(", "))
    }
}

pub async fn inspect(aws: &Aws, s3: &Client, spec: &Bucket) -> Result<Observation> {
    let b = spec.name.as_str();
    let actual = match s3.get_public_access_block().bucket(b).send().await {
        Ok(r) => r
            .public_access_block_configuration()
            .map(text)
            .unwrap_or_else(|| "none".into()),
        Err(e) if aws::is_code(&e, &["NoSuchPublicAccessBlockConfiguration"]) => "none".into(),
        Err(e) => return Err(aws.error(&call("GetPublicAccessBlock", b), e)),
    };
    let none = actual == "none";
    let expected = if spec.block_public_access {
        ALL_ON
    } else {
        "none"
    };
    Ok(observe(
        BucketSetting::PublicAccessBlock,
        spec,
        expected,
        actual,
        none,
    ))
}

pub fn describe(spec: &Bucket) -> String {
    format!("s3:PutPublicAccessBlock `{}` {ALL_ON}", spec.name)
}

pub async fn fix(aws: &Aws, s3: &Client, spec: &Bucket) -> Result<()> {
    let on = spec.block_public_access;
    s3.put_public_access_block()
        .bucket(&spec.name)
        .public_access_block_configuration(
            PublicAccessBlockConfiguration::builder()
                .block_public_acls(on)
                .ignore_public_acls(on)
                .block_public_policy(on)
                .restrict_public_buckets(on)
                .build(),
        )
        .send()
        .await
        .map_err(|e| aws.error(&call("PutPublicAccessBlock", &spec.name), e))?;
    Ok(())
}
