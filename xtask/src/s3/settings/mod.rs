//! The settings of a bucket, each read, described and written by a module of its own.

mod encryption;
mod intelligent_tiering;
mod lifecycle;
mod logging;
mod ownership;
mod policy;
mod public_access_block;
mod region;
mod tags;
mod versioning;

use super::Observation;
use crate::aws::Aws;
use anyhow::{bail, Result};
use aws_sdk_s3::Client;
use infra::expect::Bucket;

/// One setting of a bucket, as `setup-backend` and `test-s3` see it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BucketSetting {
    /// The bucket itself: created when missing.
    Exists,
    /// Fixed at creation: never changed in place.
    Region,
    Versioning,
    /// Default server-side encryption.
    Encryption,
    PublicAccessBlock,
    ObjectOwnership,
    /// The bucket policy: its TLS-only deny and a log delivery grant per log source.
    Policy,
    Lifecycle,
    IntelligentTiering,
    /// Server access logging to the log bucket.
    AccessLogging,
    Tags,
}

use BucketSetting::*;

impl BucketSetting {
    /// What `inspect` reads of an existing bucket (every setting but `Exists`), in table order.
    pub const INSPECTED: [BucketSetting; 10] = [
        Region,
        Versioning,
        Encryption,
        PublicAccessBlock,
        ObjectOwnership,
        Policy,
        Lifecycle,
        IntelligentTiering,
        AccessLogging,
        Tags,
    ];

    /// The setting's name in tables and reports (the policy's log delivery grants are
    /// `log delivery policy` rows of their own).
    pub fn label(self) -> &'static str {
        match self {
            Exists => "exists",
            Region => "region",
            Versioning => "versioning",
            Encryption => "encryption",
            PublicAccessBlock => "public access block",
            ObjectOwnership => "object ownership",
            Policy => "TLS-only policy",
            Lifecycle => "lifecycle",
            IntelligentTiering => "intelligent tiering",
            AccessLogging => "access logging",
            Tags => "tags",
        }
    }

    /// The live setting against `spec`: one observation, except the policy (one per grant).
    pub async fn inspect(self, aws: &Aws, s3: &Client, spec: &Bucket) -> Result<Vec<Observation>> {
        let one = match self {
            Exists => Observation::existence(&spec.name, super::exists(aws, s3, &spec.name).await?),
            Region => region::inspect(aws, s3, spec).await?,
            Versioning => versioning::inspect(aws, s3, spec).await?,
            Encryption => encryption::inspect(aws, s3, spec).await?,
            PublicAccessBlock => public_access_block::inspect(aws, s3, spec).await?,
            ObjectOwnership => ownership::inspect(aws, s3, spec).await?,
            Policy => return policy::inspect(aws, s3, spec).await,
            Lifecycle => lifecycle::inspect(aws, s3, spec).await?,
            IntelligentTiering => intelligent_tiering::inspect(aws, s3, spec).await?,
            AccessLogging => logging::inspect(aws, s3, spec).await?,
            Tags => tags::inspect(aws, s3, spec).await?,
        };
        Ok(vec![one])
    }

    /// The call that sets this setting as `spec` says, for plans and dry runs.
    pub fn describe_fix(self, spec: &Bucket) -> String {
        let b = &spec.name;
        match self {
            Exists => format!("s3:CreateBucket `{b}` in {}", spec.region),
            Region => format!("`{}` of `{b}` cannot be changed in place", self.label()),
            Versioning => versioning::describe(spec),
            Encryption => encryption::describe(spec),
            PublicAccessBlock => public_access_block::describe(spec),
            ObjectOwnership => ownership::describe(spec),
            Policy => policy::describe(spec),
            Lifecycle => lifecycle::describe(spec),
            IntelligentTiering => intelligent_tiering::describe(spec),
            AccessLogging => logging::describe(spec),
            Tags => tags::describe(spec),
        }
    }

    /// Whether a new bucket needs this setting written to match `spec`.
    pub fn needed_on_new(self, spec: &Bucket) -> bool {
        match self {
            Exists | Region => false,
            Versioning => spec.versioning,
            Encryption | ObjectOwnership => true,
            PublicAccessBlock => spec.block_public_access,
            Policy => spec.tls_only,
            Lifecycle => !spec.lifecycle.is_empty(),
            IntelligentTiering => spec.intelligent_tiering.is_some(),
            AccessLogging => spec.logging_target.is_some(),
            Tags => !spec.tags.is_empty(),
        }
    }

    /// Write this setting of the bucket as `spec` says (`Exists`: create the bucket).
    pub async fn fix(self, aws: &Aws, s3: &Client, spec: &Bucket) -> Result<()> {
        match self {
            Exists => super::create(aws, s3, spec).await,
            Region => bail!(
                "`{}` of bucket `{}` cannot be changed in place; recreate the bucket by hand",
                self.label(),
                spec.name
            ),
            Versioning => versioning::fix(aws, s3, spec).await,
            Encryption => encryption::fix(aws, s3, spec).await,
            PublicAccessBlock => public_access_block::fix(aws, s3, spec).await,
            ObjectOwnership => ownership::fix(aws, s3, spec).await,
            Policy => policy::fix(aws, s3, spec).await,
            Lifecycle => lifecycle::fix(aws, s3, spec).await,
            IntelligentTiering => intelligent_tiering::fix(aws, s3, spec).await,
            AccessLogging => logging::fix(aws, s3, spec).await,
            Tags => tags::fix(aws, s3, spec).await,
        }
    }
}

/// The observation of `setting` on `spec`'s bucket; a mismatch is `absent` or drift.
fn observe(
    setting: BucketSetting,
    spec: &Bucket,
    expected: impl Into<String>,
    actual: impl Into<String>,
    absent: bool,
) -> Observation {
    Observation::new(&spec.name, setting.label(), expected, actual, absent)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_setting_has_a_label_of_its_own() {
        let mut labels: Vec<_> = BucketSetting::INSPECTED.iter().map(|s| s.label()).collect();
        labels.push(Exists.label());
        labels.sort();
        labels.dedup();
        assert_eq!(labels.len(), 11);
        assert!(!BucketSetting::INSPECTED.contains(&Exists));
    }
}
