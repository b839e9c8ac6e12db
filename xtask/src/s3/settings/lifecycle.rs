//! The lifecycle rule: transitions, expiry, noncurrent-version expiry and the abort of
//! unfinished multipart uploads.

use super::{observe, BucketSetting};
use crate::aws::{self, Aws};
use crate::s3::{call, Observation};
use anyhow::Result;
use aws_sdk_s3::types::{
    AbortIncompleteMultipartUpload, BucketLifecycleConfiguration, ExpirationStatus,
    LifecycleExpiration, LifecycleRule, LifecycleRuleFilter, NoncurrentVersionExpiration,
    Transition, TransitionStorageClass,
};
use aws_sdk_s3::Client;
use infra::expect::{self, Bucket, Lifecycle};

/// The lifecycle the enabled rules of a bucket apply, merged.
fn lifecycle_of(rules: &[LifecycleRule]) -> Lifecycle<String> {
    let mut l = Lifecycle::default();
    for r in rules
        .iter()
        .filter(|r| r.status() == &ExpirationStatus::Enabled)
    {
        for t in r.transitions() {
            l.transitions.push(infra::model::Transition {
                days: t.days().unwrap_or(0) as u32,
                storage_class: t
                    .storage_class()
                    .map(|c| c.as_str().to_string())
                    .unwrap_or_default(),
            });
        }
        if let Some(d) = r.expiration().and_then(|e| e.days()) {
            l.expiration_days = Some(d as u32);
        }
        if let Some(d) = r
            .noncurrent_version_expiration()
            .and_then(|e| e.noncurrent_days())
        {
            l.noncurrent_expiration_days = Some(d as u32);
        }
        if let Some(d) = r
            .abort_incomplete_multipart_upload()
            .and_then(|a| a.days_after_initiation())
        {
            l.abort_incomplete_multipart_days = Some(d as u32);
        }
    }
    l.transitions.sort_by_key(|t| t.days);
    l
}

pub async fn inspect(aws: &Aws, s3: &Client, spec: &Bucket) -> Result<Observation> {
    let b = spec.name.as_str();
    let (actual, none) = match s3
        .get_bucket_lifecycle_configuration()
        .bucket(b)
        .send()
        .await
    {
        Ok(r) => (lifecycle_of(r.rules()).describe(), r.rules().is_empty()),
        Err(e) if aws::is_code(&e, &["NoSuchLifecycleConfiguration"]) => ("none".to_string(), true),
        Err(e) => return Err(aws.error(&call("GetBucketLifecycleConfiguration", b), e)),
    };
    Ok(observe(
        BucketSetting::Lifecycle,
        spec,
        spec.lifecycle.describe(),
        actual,
        none,
    ))
}

pub fn describe(spec: &Bucket) -> String {
    format!(
        "s3:PutBucketLifecycleConfiguration `{}` {}",
        spec.name,
        spec.lifecycle.describe()
    )
}

/// The one rule this tool writes for `l`.
fn rule(l: &Lifecycle) -> Result<LifecycleRule> {
    let mut rule = LifecycleRule::builder()
        .id(expect::RULE_ID)
        .status(ExpirationStatus::Enabled)
        .filter(LifecycleRuleFilter::builder().prefix("").build());
    for t in &l.transitions {
        rule = rule.transitions(
            Transition::builder()
                .days(t.days as i32)
                .storage_class(TransitionStorageClass::from(t.storage_class.as_str()))
                .build(),
        );
    }
    if let Some(d) = l.expiration_days {
        rule = rule.expiration(LifecycleExpiration::builder().days(d as i32).build());
    }
    if let Some(d) = l.noncurrent_expiration_days {
        rule = rule.noncurrent_version_expiration(
            NoncurrentVersionExpiration::builder()
                .noncurrent_days(d as i32)
                .build(),
        );
    }
    if let Some(d) = l.abort_incomplete_multipart_days {
        rule = rule.abort_incomplete_multipart_upload(
            AbortIncompleteMultipartUpload::builder()
                .days_after_initiation(d as i32)
                .build(),
        );
    }
    Ok(rule.build()?)
}

pub async fn fix(aws: &Aws, s3: &Client, spec: &Bucket) -> Result<()> {
    s3.put_bucket_lifecycle_configuration()
        .bucket(&spec.name)
        .lifecycle_configuration(
            BucketLifecycleConfiguration::builder()
                .rules(rule(&spec.lifecycle)?)
                .build()?,
        )
        .send()
        .await
        .map_err(|e| aws.error(&call("PutBucketLifecycleConfiguration", &spec.name), e))?;
    Ok(())
}
