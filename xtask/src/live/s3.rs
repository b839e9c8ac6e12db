//! Live checks of an environment's buckets against the model, and a put/head/get/list/delete
//! round trip under a unique smoke-test prefix of the data bucket: `test-s3` and the post-deploy
//! checks run them. Checks run concurrently; nothing outside the smoke-test prefix is touched.

use crate::aws::Aws;
use crate::report::{self, Check};
use crate::s3::{self, State};
use anyhow::Result;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{Delete, ObjectIdentifier};
use aws_sdk_s3::Client;
use futures_util::future::join_all;
use infra::expect::{self, Bucket};

/// Where the round trip writes, under the data bucket.
pub const SMOKE_PREFIX: &str = "mht-smoke-test/";

async fn check_bucket(aws: &Aws, s3c: &Client, spec: &Bucket) -> Vec<Check> {
    match s3::exists(aws, s3c, &spec.name).await {
        Ok(true) => {}
        Ok(false) => return vec![Check::new(&spec.name, "exists", "yes", "no")],
        Err(e) => return vec![Check::outcome(&spec.name, "exists", Err(format!("{e:#}")))],
    }
    match s3::inspect(aws, s3c, spec).await {
        Ok(observations) => observations
            .into_iter()
            .map(|o| Check {
                resource: o.resource,
                check: o.check.to_string(),
                passed: matches!(o.state, State::Ok | State::Skipped),
                skipped: o.state == State::Skipped,
                expected: o.expected,
                found: o.actual,
            })
            .collect(),
        Err(e) => vec![Check::outcome(
            &spec.name,
            "settings",
            Err(format!("{e:#}")),
        )],
    }
}

/// Put, head, get (body compared), list, then delete every version and delete marker under
/// this run's prefix, and prove none is left.
async fn round_trip(aws: &Aws, s3c: &Client, bucket: &str) -> Vec<Check> {
    let prefix = format!("{SMOKE_PREFIX}{}/", report::run_id());
    let key = format!("{prefix}probe.txt");
    let body = format!("mht smoke test {prefix}");
    let mut checks = Vec::new();
    let step = |name: &str, r: Result<String, String>| {
        Check::outcome(bucket, format!("round trip: {name}"), r)
    };

    let put = s3c
        .put_object()
        .bucket(bucket)
        .key(&key)
        .body(ByteStream::from(body.clone().into_bytes()))
        .send()
        .await;
    let put_ok = put.is_ok();
    checks.push(step(
        "put",
        put.map(|_| key.clone())
            .map_err(|e| format!("{:#}", aws.error("s3:PutObject", e))),
    ));
    if put_ok {
        let head = s3c.head_object().bucket(bucket).key(&key).send().await;
        checks.push(step(
            "head",
            match head {
                Ok(h) if h.content_length() == Some(body.len() as i64) => {
                    Ok(format!("{} bytes", body.len()))
                }
                Ok(h) => Err(format!(
                    "{:?} bytes, expected {}",
                    h.content_length(),
                    body.len()
                )),
                Err(e) => Err(format!("{:#}", aws.error("s3:HeadObject", e))),
            },
        ));
        let got = match s3c.get_object().bucket(bucket).key(&key).send().await {
            Ok(o) => o
                .body
                .collect()
                .await
                .map(|b| b.into_bytes().to_vec())
                .map_err(|e| e.to_string()),
            Err(e) => Err(format!("{:#}", aws.error("s3:GetObject", e))),
        };
        checks.push(step(
            "get (body compared)",
            match got {
                Ok(bytes) if bytes == body.as_bytes() => Ok("same body".into()),
                Ok(_) => Err("body differs from what was put".into()),
                Err(e) => Err(e),
            },
        ));
        let listed = s3c
            .list_objects_v2()
            .bucket(bucket)
            .prefix(&prefix)
            .send()
            .await;
        checks.push(step(
            "list",
            match listed {
                Ok(l) if l.contents().iter().any(|o| o.key() == Some(key.as_str())) => {
                    Ok("listed".into())
                }
                Ok(_) => Err("object not listed".into()),
                Err(e) => Err(format!("{:#}", aws.error("s3:ListObjectsV2", e))),
            },
        ));
    }
    checks.push(step(
        "cleanup (every version and delete marker)",
        cleanup(aws, s3c, bucket, &prefix).await,
    ));
    checks
}

/// Delete every version and delete marker under `prefix` (and only there); then prove none is left.
async fn cleanup(aws: &Aws, s3c: &Client, bucket: &str, prefix: &str) -> Result<String, String> {
    let mut removed = 0;
    for _ in 0..10 {
        let listed = s3c
            .list_object_versions()
            .bucket(bucket)
            .prefix(prefix)
            .send()
            .await
            .map_err(|e| format!("{:#}", aws.error("s3:ListObjectVersions", e)))?;
        let ids: Vec<ObjectIdentifier> = listed
            .versions()
            .iter()
            .map(|v| (v.key(), v.version_id()))
            .chain(
                listed
                    .delete_markers()
                    .iter()
                    .map(|m| (m.key(), m.version_id())),
            )
            .filter_map(|(k, v)| {
                let k = k.filter(|k| k.starts_with(prefix))?;
                ObjectIdentifier::builder()
                    .key(k)
                    .set_version_id(v.map(String::from))
                    .build()
                    .ok()
            })
            .collect();
        if ids.is_empty() {
            return Ok(format!("{removed} versions removed, none left"));
        }
        removed += ids.len();
        let delete = Delete::builder()
            .set_objects(Some(ids))
            .quiet(true)
            .build()
            .map_err(|e| e.to_string())?;
        s3c.delete_objects()
            .bucket(bucket)
            .delete(delete)
            .send()
            .await
            .map_err(|e| format!("{:#}", aws.error("s3:DeleteObjects", e)))?;
    }
    Err(format!(
        "versions still listed under `{prefix}` after 10 rounds"
    ))
}

/// Every check of `env`'s buckets, and the round trip; the caller has guarded the account.
pub fn checks(aws: &Aws, env: &infra::Environment) -> Vec<Check> {
    let s3c = aws.s3();
    let specs = expect::buckets(env);
    let data = specs
        .iter()
        .find(|b| b.purpose == "data")
        .map(|b| b.name.clone());
    aws.block_on(async {
        let settings = join_all(specs.iter().map(|b| check_bucket(aws, &s3c, b)));
        let trip = async {
            match &data {
                Some(bucket) if s3::exists(aws, &s3c, bucket).await.unwrap_or(false) => {
                    round_trip(aws, &s3c, bucket).await
                }
                _ => Vec::new(),
            }
        };
        let (settings, trip) = tokio::join!(settings, trip);
        settings
            .into_iter()
            .flatten()
            .chain(trip)
            .collect::<Vec<_>>()
    })
}
