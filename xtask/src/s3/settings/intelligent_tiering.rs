//! The Intelligent-Tiering configuration: days to the archive and deep archive tiers.

use super::{observe, BucketSetting};
use crate::aws::Aws;
use crate::s3::{call, Observation, UNSUPPORTED};
use anyhow::Result;
use aws_sdk_s3::types::{
    IntelligentTieringAccessTier, IntelligentTieringConfiguration, IntelligentTieringStatus,
    Tiering,
};
use aws_sdk_s3::Client;
use infra::expect::{self, Bucket};
use infra::model::IntelligentTiering;

fn text(t: &Option<IntelligentTiering>) -> String {
    match t {
        Some(t) => format!(
            "archive {}d, deep archive {}d",
            t.archive_access_days, t.deep_archive_access_days
        ),
        None => "none".into(),
    }
}

/// The tiering an enabled configuration applies.
fn tiering_of(c: &IntelligentTieringConfiguration) -> IntelligentTiering {
    let days = |tier: IntelligentTieringAccessTier| {
        c.tierings()
            .iter()
            .find(|t| t.access_tier() == &tier)
            .map(|t| t.days() as u32)
            .unwrap_or(0)
    };
    IntelligentTiering {
        archive_access_days: days(IntelligentTieringAccessTier::ArchiveAccess),
        deep_archive_access_days: days(IntelligentTieringAccessTier::DeepArchiveAccess),
    }
}

pub async fn inspect(aws: &Aws, s3: &Client, spec: &Bucket) -> Result<Observation> {
    let b = spec.name.as_str();
    let expected = text(&spec.intelligent_tiering);
    let listed = s3
        .list_bucket_intelligent_tiering_configurations()
        .bucket(b)
        .send()
        .await;
    match listed {
        Ok(listed) => {
            let configs = listed.intelligent_tiering_configuration_list();
            let live = configs
                .iter()
                .find(|c| c.status() == &IntelligentTieringStatus::Enabled)
                .map(tiering_of);
            Ok(observe(
                BucketSetting::IntelligentTiering,
                spec,
                expected,
                text(&live),
                configs.is_empty(),
            ))
        }
        // moto has no Intelligent-Tiering configurations: say so rather than guess.
        Err(_) if aws.local => Ok(Observation::skipped(
            b,
            BucketSetting::IntelligentTiering.label(),
            expected,
            UNSUPPORTED,
        )),
        Err(e) => Err(aws.error(&call("ListBucketIntelligentTieringConfigurations", b), e)),
    }
}

pub fn describe(spec: &Bucket) -> String {
    format!(
        "s3:PutBucketIntelligentTieringConfiguration `{}` {}",
        spec.name,
        text(&spec.intelligent_tiering)
    )
}

pub async fn fix(aws: &Aws, s3: &Client, spec: &Bucket) -> Result<()> {
    let Some(t) = &spec.intelligent_tiering else {
        return Ok(());
    };
    let tier = |days: u32, tier| {
        Tiering::builder()
            .days(days as i32)
            .access_tier(tier)
            .build()
    };
    let config = IntelligentTieringConfiguration::builder()
        .id(expect::RULE_ID)
        .status(IntelligentTieringStatus::Enabled)
        .tierings(tier(
            t.archive_access_days,
            IntelligentTieringAccessTier::ArchiveAccess,
        )?)
        .tierings(tier(
            t.deep_archive_access_days,
            IntelligentTieringAccessTier::DeepArchiveAccess,
        )?)
        .build()?;
    s3.put_bucket_intelligent_tiering_configuration()
        .bucket(&spec.name)
        .id(expect::RULE_ID)
        .intelligent_tiering_configuration(config)
        .send()
        .await
        .map_err(|e| {
            aws.error(
                &call("PutBucketIntelligentTieringConfiguration", &spec.name),
                e,
            )
        })?;
    Ok(())
}
