//! The bucket policy: a TLS-only deny and, on a log bucket, the grants that let S3 server access
//! logging deliver. One document, one call; a row per statement checked. A repair merges the
//! model's statements into the bucket's policy by `Sid`, keeping every other statement.

use super::{observe, BucketSetting};
use crate::aws::{self, Aws};
use crate::s3::{call, Observation, NO_CONDITIONS};
use anyhow::Result;
use aws_sdk_s3::Client;
use infra::expect::{self, Bucket};
use serde_json::Value;

/// The check of each log delivery grant.
const LOG_DELIVERY: &str = "log delivery policy";

/// `what` or `not what`.
fn says(yes: bool, what: &str) -> String {
    if yes {
        what.to_string()
    } else {
        format!("not {what}")
    }
}

/// What the policy `doc` says about `what`; `no policy` without one.
fn found(doc: Option<&Value>, holds: impl Fn(&Value) -> bool, what: &str) -> String {
    doc.map_or_else(|| "no policy".to_string(), |d| says(holds(d), what))
}

/// The live policy document; `None` when the bucket has none.
async fn document(aws: &Aws, s3: &Client, b: &str) -> Result<Option<Value>> {
    match s3.get_bucket_policy().bucket(b).send().await {
        Ok(r) => Ok(Some(
            serde_json::from_str(r.policy().unwrap_or("{}")).unwrap_or_default(),
        )),
        Err(e) if aws::is_code(&e, &["NoSuchBucketPolicy"]) => Ok(None),
        Err(e) => Err(aws.error(&call("GetBucketPolicy", b), e)),
    }
}

/// The TLS-only row, then one log delivery row per log source.
pub async fn inspect(aws: &Aws, s3: &Client, spec: &Bucket) -> Result<Vec<Observation>> {
    let b = spec.name.as_str();
    let doc = document(aws, s3, b).await?;
    let none = doc.is_none();
    let expected = says(spec.tls_only, "denies non-TLS");
    let label = BucketSetting::Policy.label();
    let mut out = vec![if aws.local && spec.tls_only {
        Observation::skipped(b, label, expected, NO_CONDITIONS)
    } else {
        let tls = found(
            doc.as_ref(),
            |d| expect::denies_insecure_transport(d, b),
            "denies non-TLS",
        );
        observe(BucketSetting::Policy, spec, expected, tls, none)
    }];
    for source in &spec.log_sources {
        let delivery = found(
            doc.as_ref(),
            |d| expect::allows_log_delivery(d, b, source),
            "allows log delivery",
        );
        out.push(Observation::new(
            b,
            LOG_DELIVERY,
            "allows log delivery",
            delivery,
            none,
        ));
    }
    Ok(out)
}

pub fn describe(spec: &Bucket) -> String {
    format!(
        "s3:PutBucketPolicy `{}` deny non-TLS{}",
        spec.name,
        if spec.log_sources.is_empty() {
            ""
        } else {
            ", allow log delivery"
        }
    )
}

pub async fn fix(aws: &Aws, s3: &Client, spec: &Bucket) -> Result<()> {
    // See NO_CONDITIONS: the emulator would apply the TLS deny to every request.
    let policy = match aws.local {
        true => expect::bucket_policy(&spec.on_emulator()),
        false => expect::bucket_policy(spec),
    };
    if policy["Statement"].as_array().is_none_or(Vec::is_empty) {
        return Ok(());
    }
    let existing = document(aws, s3, &spec.name).await?;
    let merged = expect::merge_policy(existing.as_ref(), &policy);
    s3.put_bucket_policy()
        .bucket(&spec.name)
        .policy(merged.to_string())
        .send()
        .await
        .map_err(|e| aws.error(&call("PutBucketPolicy", &spec.name), e))?;
    Ok(())
}
