//! The bucket policy: a TLS-only deny, on the state bucket the deny that keeps everyone but the
//! deployers from writing deployment records, and on a log bucket the grants that let S3 server
//! access logging deliver. One document, one call, merged into the live one; a row per statement
//! checked. A repair keeps every statement of the bucket's policy that is not the model's.

use super::{observe, BucketSetting};
use crate::aws::{self, Aws};
use crate::s3::{call, Observation, NO_CONDITIONS};
use anyhow::Result;
use aws_sdk_s3::Client;
use infra::expect::{self, Bucket};
use serde_json::Value;

/// The check of each log delivery grant.
const LOG_DELIVERY: &str = "log delivery policy";

/// The check of the deployment-records deny.
const RECORD_WRITERS: &str = "records writers";

/// Why the records deny is neither written nor checked on the local emulator: moto evaluates a
/// bucket policy without the caller and ignores `ArnNotLike`, so the deny would refuse every
/// record, the deploy's own included.
const NO_PRINCIPALS: &str =
    "not enforceable on the local emulator (it ignores policy principals and conditions)";

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
    if !spec.record_writers.is_empty() {
        out.push(record_writers(aws, spec, doc.as_ref()));
    }
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

/// The records deny row: skipped on the emulator ([`NO_PRINCIPALS`]).
fn record_writers(aws: &Aws, spec: &Bucket, doc: Option<&Value>) -> Observation {
    let expected = format!("deployers only: {}", spec.record_writers.join(", "));
    if aws.local {
        return Observation::skipped(&spec.name, RECORD_WRITERS, expected, NO_PRINCIPALS);
    }
    // Without a statement of ours the deny is absent (added by merging); ours, changed, drifted.
    let ours = doc.is_some_and(|d| d.to_string().contains(expect::RECORDS_SID));
    let found = match doc {
        None => "no policy".to_string(),
        Some(d) if expect::limits_record_writers(d, &spec.name, &spec.record_writers) => {
            expected.clone()
        }
        Some(_) if ours => format!("`{}` changed", expect::RECORDS_SID),
        Some(_) => "anyone the account allows".to_string(),
    };
    Observation::new(&spec.name, RECORD_WRITERS, expected, found, !ours)
}

pub fn describe(spec: &Bucket) -> String {
    format!(
        "s3:PutBucketPolicy `{}` deny non-TLS{}{} (merged with its other statements)",
        spec.name,
        if spec.record_writers.is_empty() {
            ""
        } else {
            ", records by deployers only"
        },
        if spec.log_sources.is_empty() {
            ""
        } else {
            ", allow log delivery"
        }
    )
}

pub async fn fix(aws: &Aws, s3: &Client, spec: &Bucket) -> Result<()> {
    // See NO_CONDITIONS and NO_PRINCIPALS: the emulator would apply both denies to every request.
    let ours = match aws.local {
        true => expect::bucket_policy(&spec.on_emulator()),
        false => expect::bucket_policy(spec),
    };
    if ours["Statement"].as_array().is_none_or(Vec::is_empty) {
        return Ok(());
    }
    let policy = expect::merge_policy(document(aws, s3, &spec.name).await?.as_ref(), &ours);
    s3.put_bucket_policy()
        .bucket(&spec.name)
        .policy(policy.to_string())
        .send()
        .await
        .map_err(|e| aws.error(&call("PutBucketPolicy", &spec.name), e))?;
    Ok(())
}
