//! The environment's tags; tags others added are kept.

use crate::aws::{self, Aws};
use crate::s3::{call, tags_text, Observation};
use anyhow::Result;
use aws_sdk_s3::types::{Tag, Tagging};
use aws_sdk_s3::Client;
use infra::expect::Bucket;

/// The bucket's tags; none when it has no tag set.
async fn live(aws: &Aws, s3: &Client, b: &str) -> Result<Vec<(String, String)>> {
    match s3.get_bucket_tagging().bucket(b).send().await {
        Ok(r) => Ok(r
            .tag_set()
            .iter()
            .map(|t| (t.key().to_string(), t.value().to_string()))
            .collect()),
        Err(e) if aws::is_code(&e, &["NoSuchTagSet", "NoSuchTagSetError"]) => Ok(Vec::new()),
        Err(e) => Err(aws.error(&call("GetBucketTagging", b), e)),
    }
}

pub async fn inspect(aws: &Aws, s3: &Client, spec: &Bucket) -> Result<Observation> {
    let live = live(aws, s3, &spec.name).await?;
    Ok(Observation::tags(&spec.name, &spec.tags, &live))
}

pub fn describe(spec: &Bucket) -> String {
    format!(
        "s3:PutBucketTagging `{}` {} (existing tags kept)",
        spec.name,
        tags_text(&spec.tags)
    )
}

/// Keep tags others added; set ours.
pub async fn fix(aws: &Aws, s3: &Client, spec: &Bucket) -> Result<()> {
    let mut tags = live(aws, s3, &spec.name).await?;
    tags.retain(|(k, _)| !spec.tags.iter().any(|(sk, _)| sk == k));
    tags.extend(spec.tags.iter().cloned());
    let mut tagging = Tagging::builder();
    for (k, v) in tags {
        tagging = tagging.tag_set(Tag::builder().key(k).value(v).build()?);
    }
    s3.put_bucket_tagging()
        .bucket(&spec.name)
        .tagging(tagging.build()?)
        .send()
        .await
        .map_err(|e| aws.error(&call("PutBucketTagging", &spec.name), e))?;
    Ok(())
}
